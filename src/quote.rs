//! Go's two ways of quoting a string, shared by every output that prints one.
//!
//! - [`json`] is Go's `json.Marshal` of a string (`encoding/json`'s `appendString` with
//!   its default HTML-safe escaping): what kube-apiserver's field errors show for a bad
//!   value, what `kubectl … -o json` prints, and what svcplay's own JSON outputs use.
//! - [`go`] is Go's `strconv.Quote` (`%q`): what kube-apiserver and kubectl put around
//!   names and supported values in their messages.
//!
//! Everything that writes JSON or a Go-quoted string goes through here, so the two
//! escapings cannot drift apart between outputs.

use std::fmt::Write as _;

/// Go's `json.Marshal` of a string: the quotes, `\"` and `\\`, the short escapes `\b`
/// `\f` `\n` `\r` `\t` (Go 1.22 added `\b` and `\f`), `\u00XX` for the other control
/// characters, and — the default HTML-safe encoding — `<`, `>`, `&`, U+2028 and U+2029
/// as `\u003c`, `\u003e`, `\u0026`, `\u2028`, `\u2029`.
pub fn json(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    write_json(&mut out, s);
    out
}

/// [`json`] appended to `out`.
pub fn write_json(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0C}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// `json.Marshal` of a `[]string`: `["a","b"]`.
pub fn json_list(items: &[String]) -> String {
    let mut out = String::from("[");
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_json(&mut out, item);
    }
    out.push(']');
    out
}

/// `json.Marshal` of a `map[string]string` (keys sorted, as Go sorts them), `null` when
/// unset.
pub fn json_map(map: Option<&std::collections::BTreeMap<String, String>>) -> String {
    let Some(map) = map else {
        return "null".into();
    };
    let mut out = String::from("{");
    for (i, (k, v)) in map.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_json(&mut out, k);
        out.push(':');
        write_json(&mut out, v);
    }
    out.push('}');
    out
}

/// A JSON string, or `null` for `None`.
pub fn json_or_null(s: Option<&str>) -> String {
    s.map_or_else(|| "null".to_string(), json)
}

/// Go's `strconv.Quote`: `\a \b \f \n \r \t \v \\ \"` escapes, `\xNN` for other control
/// bytes, `\uNNNN`/`\UNNNNNNNN` for non-printable runes; printable Unicode is kept as is.
pub fn go(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{07}' => out.push_str("\\a"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0C}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{0B}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c as u32 == 0x7F => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if go_is_print(c) => out.push(c),
            c if (c as u32) < 0x10000 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => {
                let _ = write!(out, "\\U{:08x}", c as u32);
            }
        }
    }
    out.push('"');
    out
}

/// An approximation of Go's `unicode.IsPrint` good for the characters people type: the
/// C1 controls, the separators other than the space, the surrogates, private use and
/// the format characters are not printable.
pub fn go_is_print(c: char) -> bool {
    let u = c as u32;
    if u < 0x20 || (0x7F..=0x9F).contains(&u) {
        return false;
    }
    // Spaces other than U+0020 (Zs/Zl/Zp) are not IsPrint.
    if matches!(
        u,
        0xA0 | 0x1680 | 0x2000..=0x200A | 0x2028 | 0x2029 | 0x202F | 0x205F | 0x3000
    ) {
        return false;
    }
    // Format characters (Cf) people meet: soft hyphen, zero-width, bidi marks, BOM.
    if matches!(u, 0xAD | 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x2064 | 0xFEFF) {
        return false;
    }
    // Private use and noncharacters.
    if (0xE000..=0xF8FF).contains(&u) || u == 0xFFFE || u == 0xFFFF || u >= 0xF0000 {
        return false;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_escapes_like_encoding_json() {
        assert_eq!(json("<a>\t\u{1}é"), "\"\\u003ca\\u003e\\t\\u0001é\"");
        assert_eq!(json("a\"b\\c&"), "\"a\\\"b\\\\c\\u0026\"");
        assert_eq!(json("\u{8}\u{c}\u{2028}"), "\"\\b\\f\\u2028\"");
        assert_eq!(
            json_list(&["a".into(), "b<".into()]),
            "[\"a\",\"b\\u003c\"]"
        );
        assert_eq!(json_list(&[]), "[]");
        assert_eq!(json_or_null(None), "null");
    }

    #[test]
    fn go_quotes_like_strconv() {
        assert_eq!(go("<a>\t\u{1}é"), "\"<a>\\t\\x01é\"");
        assert_eq!(go("\u{1b}[31mred"), "\"\\x1b[31mred\"");
        assert_eq!(go("\u{200b}\u{10ffff}"), "\"\\u200b\\U0010ffff\"");
    }
}
