//! `kubectl get -o json`: the server's object as Go's `encoding/json` prints it.
//!
//! kubectl decodes the server's JSON into an unstructured map and prints it with
//! `json.MarshalIndent(obj, "", "    ")`, so keys come out sorted (Go sorts map keys),
//! nested values are indented by four spaces, empty maps and lists print as `{}` and
//! `[]`, and strings are escaped as `encoding/json` escapes them (`<`, `>` and `&` as
//! `\u003c`, `\u003e`, `\u0026`, control characters as `\u00XX`, U+2028/U+2029 too).
//! [`compact`] is the same value on one line, as `jsonpath` prints a map or a list.

use super::yaml::Yaml;

/// Go's `encoding/json` string encoding (with HTML escaping, the default).
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn sorted(entries: &[(String, Yaml)]) -> Vec<&(String, Yaml)> {
    let mut v: Vec<&(String, Yaml)> = entries.iter().collect();
    crate::sort::sort_by(&mut v, |a, b| a.0.cmp(&b.0));
    v
}

fn write(value: &Yaml, indent: usize, out: &mut String) {
    match value {
        Yaml::Null => out.push_str("null"),
        Yaml::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Yaml::Int(i) => out.push_str(&i.to_string()),
        Yaml::Str(s) => out.push_str(&quote(s)),
        Yaml::Seq(items) if items.is_empty() => out.push_str("[]"),
        Yaml::Map(entries) if entries.is_empty() => out.push_str("{}"),
        Yaml::Seq(items) => {
            out.push_str("[\n");
            for (i, item) in items.iter().enumerate() {
                out.push_str(&" ".repeat(indent + 4));
                write(item, indent + 4, out);
                if i + 1 < items.len() {
                    out.push(',');
                }
                out.push('\n');
            }
            out.push_str(&" ".repeat(indent));
            out.push(']');
        }
        Yaml::Map(entries) => {
            out.push_str("{\n");
            let entries = sorted(entries);
            for (i, (key, item)) in entries.iter().enumerate() {
                out.push_str(&" ".repeat(indent + 4));
                out.push_str(&quote(key));
                out.push_str(": ");
                write(item, indent + 4, out);
                if i + 1 < entries.len() {
                    out.push(',');
                }
                out.push('\n');
            }
            out.push_str(&" ".repeat(indent));
            out.push('}');
        }
    }
}

/// `json.MarshalIndent(value, "", "    ")` and the newline kubectl adds.
pub fn to_string(value: &Yaml) -> String {
    let mut out = String::new();
    write(value, 0, &mut out);
    out.push('\n');
    out
}

/// `json.Marshal(value)`: one line, keys sorted.
pub fn compact(value: &Yaml) -> String {
    match value {
        Yaml::Seq(items) => format!(
            "[{}]",
            items.iter().map(compact).collect::<Vec<_>>().join(",")
        ),
        Yaml::Map(entries) => format!(
            "{{{}}}",
            sorted(entries)
                .iter()
                .map(|(k, v)| format!("{}:{}", quote(k), compact(v)))
                .collect::<Vec<_>>()
                .join(",")
        ),
        leaf => {
            let mut out = String::new();
            write(leaf, 0, &mut out);
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_like_go() {
        let v = Yaml::Map(vec![
            (
                "metadata".into(),
                Yaml::Map(vec![("name".into(), Yaml::str("a<b"))]),
            ),
            ("apiVersion".into(), Yaml::str("v1")),
            ("items".into(), Yaml::Seq(vec![Yaml::Int(1), Yaml::Null])),
            ("empty".into(), Yaml::Map(vec![])),
        ]);
        assert_eq!(
            to_string(&v),
            "{\n    \"apiVersion\": \"v1\",\n    \"empty\": {},\n    \"items\": [\n        1,\n        null\n    ],\n    \"metadata\": {\n        \"name\": \"a\\u003cb\"\n    }\n}\n"
        );
        assert_eq!(
            compact(&v),
            "{\"apiVersion\":\"v1\",\"empty\":{},\"items\":[1,null],\"metadata\":{\"name\":\"a\\u003cb\"}}"
        );
    }
}
