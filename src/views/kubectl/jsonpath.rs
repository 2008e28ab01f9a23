//! kubectl's JSONPath (`-o jsonpath=...`, `custom-columns`), after client-go's
//! `util/jsonpath`: text outside braces is printed as written; inside braces, `.field`,
//! `['field']`, `[*]`, `[N]` (negative from the end), `[A:B]`, `..field` (recursive),
//! `[?(@.path OP literal)]` filters (`==`, `!=`, `<`, `>`, `<=`, `>=`, or `[?(@.path)]`
//! for existence), string literals (`{"\n"}`), and `{range EXPR}...{end}`. Several
//! results of one expression are joined by a space; maps and lists print as compact
//! JSON. A missing key prints nothing (kubectl's `--allow-missing-template-keys`
//! defaults to true).

use super::json::compact;
use super::yaml::Yaml;

#[derive(Clone, Debug, PartialEq)]
enum Step {
    Field(String),
    Recursive(String),
    Wildcard,
    Index(i64),
    Slice(Option<i64>, Option<i64>),
    Filter(Vec<Step>, Option<(String, Literal)>),
}

#[derive(Clone, Debug, PartialEq)]
enum Literal {
    Str(String),
    Num(f64),
    Bool(bool),
}

#[derive(Clone, Debug, PartialEq)]
enum Part {
    Text(String),
    Path(Vec<Step>),
    Range(Vec<Step>, Vec<Part>),
}

/// A parsed template.
#[derive(Clone, Debug, PartialEq)]
pub struct Template(Vec<Part>);

fn unescape(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some('r') => out.push('\r'),
                Some(other) => out.push(other),
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Parses `.a.b[0]['c'][*]..d[?(@.x=="y")]`.
/// A field name up to the next `.` or `[`; `\.` stands for a dot in the name
/// (`{.data.config\.conf}`), as kubectl's JSONPath reads it.
fn read_name(chars: &[char], i: &mut usize) -> String {
    let mut name = String::new();
    while *i < chars.len() && !matches!(chars[*i], '.' | '[') {
        if chars[*i] == '\\' && *i + 1 < chars.len() {
            name.push(chars[*i + 1]);
            *i += 2;
            continue;
        }
        name.push(chars[*i]);
        *i += 1;
    }
    name
}

fn parse_path(text: &str) -> Result<Vec<Step>, String> {
    let chars: Vec<char> = text.trim().chars().collect();
    let mut steps = Vec::new();
    let mut i = 0;
    if chars.first() == Some(&'$') {
        i = 1;
    }
    if chars.first() == Some(&'@') {
        i = 1;
    }
    while i < chars.len() {
        match chars[i] {
            '.' if chars.get(i + 1) == Some(&'.') => {
                i += 2;
                steps.push(Step::Recursive(read_name(&chars, &mut i)));
            }
            '.' => {
                i += 1;
                let name = read_name(&chars, &mut i);
                if name == "*" {
                    steps.push(Step::Wildcard);
                } else if !name.is_empty() {
                    steps.push(Step::Field(name));
                }
            }
            '[' => {
                let mut depth = 0;
                let mut j = i;
                let mut quote: Option<char> = None;
                while j < chars.len() {
                    let c = chars[j];
                    match quote {
                        Some(q) if c == q => quote = None,
                        Some(_) => {}
                        None if c == '\'' || c == '"' => quote = Some(c),
                        None if c == '[' => depth += 1,
                        None if c == ']' => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        None => {}
                    }
                    j += 1;
                }
                if j >= chars.len() {
                    return Err(format!("unterminated array in {text:?}"));
                }
                let inner: String = chars[i + 1..j].iter().collect();
                let inner = inner.trim();
                if inner == "*" {
                    steps.push(Step::Wildcard);
                } else if let Some(filter) =
                    inner.strip_prefix("?(").and_then(|f| f.strip_suffix(')'))
                {
                    steps.push(parse_filter(filter)?);
                } else if (inner.starts_with('\'') && inner.ends_with('\''))
                    || (inner.starts_with('"') && inner.ends_with('"'))
                {
                    steps.push(Step::Field(inner[1..inner.len() - 1].to_string()));
                } else if let Some((a, b)) = inner.split_once(':') {
                    let num = |s: &str| -> Result<Option<i64>, String> {
                        let s = s.trim();
                        if s.is_empty() {
                            Ok(None)
                        } else {
                            s.parse()
                                .map(Some)
                                .map_err(|_| format!("invalid array index {s}"))
                        }
                    };
                    steps.push(Step::Slice(
                        num(a)?,
                        num(b.split(':').next().unwrap_or(""))?,
                    ));
                } else {
                    let n: i64 = inner
                        .parse()
                        .map_err(|_| format!("invalid array index {inner}"))?;
                    steps.push(Step::Index(n));
                }
                i = j + 1;
            }
            c if c.is_whitespace() => i += 1,
            _ => {
                // A bare field name (`{metadata.name}`).
                steps.push(Step::Field(read_name(&chars, &mut i)));
            }
        }
    }
    Ok(steps)
}

fn parse_filter(text: &str) -> Result<Step, String> {
    for op in ["==", "!=", "<=", ">=", "<", ">"] {
        if let Some((left, right)) = text.split_once(op) {
            let path = parse_path(left.trim())?;
            let right = right.trim();
            let literal = if (right.starts_with('"') && right.ends_with('"') && right.len() >= 2)
                || (right.starts_with('\'') && right.ends_with('\'') && right.len() >= 2)
            {
                Literal::Str(right[1..right.len() - 1].to_string())
            } else if right == "true" || right == "false" {
                Literal::Bool(right == "true")
            } else if let Ok(n) = right.parse::<f64>() {
                Literal::Num(n)
            } else {
                return Err(format!("unrecognized filter literal {right}"));
            };
            return Ok(Step::Filter(path, Some((op.to_string(), literal))));
        }
    }
    Ok(Step::Filter(parse_path(text.trim())?, None))
}

/// Parses a template (`{.items[*].metadata.name}`, `{range .items[*]}{.a}{"\n"}{end}`).
pub fn parse(template: &str) -> Result<Template, String> {
    let mut stack: Vec<(Vec<Step>, Vec<Part>)> = Vec::new();
    let mut parts: Vec<Part> = Vec::new();
    let mut rest = template;
    while !rest.is_empty() {
        let Some(open) = rest.find('{') else {
            parts.push(Part::Text(rest.to_string()));
            break;
        };
        if open > 0 {
            parts.push(Part::Text(rest[..open].to_string()));
        }
        let after = &rest[open + 1..];
        // The closing brace, skipping quoted text.
        let mut close = None;
        let mut quote: Option<char> = None;
        for (i, c) in after.char_indices() {
            match quote {
                Some(q) if c == q => quote = None,
                Some(_) => {}
                None if c == '"' || c == '\'' => quote = Some(c),
                None if c == '}' => {
                    close = Some(i);
                    break;
                }
                None => {}
            }
        }
        let Some(close) = close else {
            return Err("unclosed action".into());
        };
        let action = after[..close].trim();
        rest = &after[close + 1..];
        if let Some(expr) = action.strip_prefix("range ") {
            stack.push((parse_path(expr)?, std::mem::take(&mut parts)));
        } else if action == "end" {
            let Some((path, outer)) = stack.pop() else {
                return Err("not in range, nothing to end".into());
            };
            let body = std::mem::replace(&mut parts, outer);
            parts.push(Part::Range(path, body));
        } else if (action.starts_with('"') && action.ends_with('"') && action.len() >= 2)
            || (action.starts_with('\'') && action.ends_with('\'') && action.len() >= 2)
        {
            parts.push(Part::Text(unescape(&action[1..action.len() - 1])));
        } else if action.is_empty() {
            continue;
        } else {
            parts.push(Part::Path(parse_path(action)?));
        }
    }
    if !stack.is_empty() {
        return Err("range without end".into());
    }
    Ok(Template(parts))
}

fn recurse<'a>(value: &'a Yaml, name: &str, out: &mut Vec<&'a Yaml>) {
    match value {
        Yaml::Map(entries) => {
            for (k, v) in entries {
                if k == name || name.is_empty() || name == "*" {
                    out.push(v);
                }
                recurse(v, name, out);
            }
        }
        Yaml::Seq(items) => {
            for item in items {
                recurse(item, name, out);
            }
        }
        _ => {}
    }
}

fn compare(value: &Yaml, op: &str, literal: &Literal) -> bool {
    let ordering = match (value, literal) {
        (Yaml::Str(s), Literal::Str(l)) => s.as_str().partial_cmp(l.as_str()),
        (Yaml::Int(i), Literal::Num(n)) => (*i as f64).partial_cmp(n),
        (Yaml::Bool(b), Literal::Bool(l)) => b.partial_cmp(l),
        (Yaml::Str(s), Literal::Num(n)) => s.parse::<f64>().ok().and_then(|v| v.partial_cmp(n)),
        _ => None,
    };
    match (op, ordering) {
        ("==", Some(o)) => o.is_eq(),
        ("!=", Some(o)) => o.is_ne(),
        ("!=", None) => true,
        ("<", Some(o)) => o.is_lt(),
        (">", Some(o)) => o.is_gt(),
        ("<=", Some(o)) => o.is_le(),
        (">=", Some(o)) => o.is_ge(),
        _ => false,
    }
}

fn walk<'a>(values: Vec<&'a Yaml>, steps: &[Step]) -> Vec<&'a Yaml> {
    let mut current = values;
    for step in steps {
        let mut next = Vec::new();
        for value in current {
            match (step, value) {
                (Step::Field(name), Yaml::Map(entries)) => {
                    if let Some((_, v)) = entries.iter().find(|(k, _)| k == name) {
                        next.push(v);
                    }
                }
                (Step::Recursive(name), v) => recurse(v, name, &mut next),
                (Step::Wildcard, Yaml::Seq(items)) => next.extend(items.iter()),
                (Step::Wildcard, Yaml::Map(entries)) => next.extend(entries.iter().map(|(_, v)| v)),
                (Step::Index(i), Yaml::Seq(items)) => {
                    let len = items.len() as i64;
                    let at = if *i < 0 { len + i } else { *i };
                    if (0..len).contains(&at) {
                        next.push(&items[at as usize]);
                    }
                }
                (Step::Slice(a, b), Yaml::Seq(items)) => {
                    let len = items.len() as i64;
                    let fix = |x: i64| if x < 0 { (len + x).max(0) } else { x.min(len) };
                    let from = fix(a.unwrap_or(0));
                    let to = fix(b.unwrap_or(len));
                    if from < to {
                        next.extend(items[from as usize..to as usize].iter());
                    }
                }
                (Step::Filter(path, condition), Yaml::Seq(items)) => {
                    for item in items {
                        let found = walk(vec![item], path);
                        let keep = match condition {
                            None => !found.is_empty(),
                            Some((op, literal)) => found.iter().any(|v| compare(v, op, literal)),
                        };
                        if keep {
                            next.push(item);
                        }
                    }
                }
                _ => {}
            }
        }
        current = next;
    }
    current
}

fn text_of(value: &Yaml) -> String {
    match value {
        Yaml::Str(s) => s.clone(),
        Yaml::Null => String::new(),
        Yaml::Bool(b) => b.to_string(),
        Yaml::Int(i) => i.to_string(),
        other => compact(other),
    }
}

fn execute(parts: &[Part], value: &Yaml, out: &mut String) {
    for part in parts {
        match part {
            Part::Text(t) => out.push_str(t),
            Part::Path(steps) => {
                let found = walk(vec![value], steps);
                out.push_str(
                    &found
                        .iter()
                        .map(|v| text_of(v))
                        .collect::<Vec<_>>()
                        .join(" "),
                );
            }
            Part::Range(steps, body) => {
                for item in walk(vec![value], steps) {
                    execute(body, item, out);
                }
            }
        }
    }
}

impl Template {
    /// What the template prints for `value`.
    pub fn execute(&self, value: &Yaml) -> String {
        let mut out = String::new();
        execute(&self.0, value, &mut out);
        out
    }

    /// The values one path finds (custom-columns: every result joined by commas).
    pub fn values(&self, value: &Yaml) -> Vec<String> {
        let mut out = Vec::new();
        for part in &self.0 {
            if let Part::Path(steps) = part {
                out.extend(walk(vec![value], steps).into_iter().map(text_of));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc() -> Yaml {
        let pod = |name: &str, ip: &str| {
            Yaml::Map(vec![
                (
                    "metadata".into(),
                    Yaml::Map(vec![("name".into(), Yaml::str(name))]),
                ),
                (
                    "status".into(),
                    Yaml::Map(vec![
                        ("podIP".into(), Yaml::str(ip)),
                        (
                            "addresses".into(),
                            Yaml::Seq(vec![Yaml::Map(vec![
                                ("type".into(), Yaml::str("InternalIP")),
                                ("address".into(), Yaml::str(ip)),
                            ])]),
                        ),
                    ]),
                ),
            ])
        };
        Yaml::Map(vec![(
            "items".into(),
            Yaml::Seq(vec![pod("a", "10.0.0.1"), pod("b", "10.0.0.2")]),
        )])
    }

    #[test]
    fn selects_like_client_go() {
        let run = |t: &str| parse(t).unwrap().execute(&doc());
        assert_eq!(run("{.items[*].metadata.name}"), "a b");
        assert_eq!(run("{.items[0].status.podIP}"), "10.0.0.1");
        assert_eq!(run("{.items[-1].metadata.name}"), "b");
        assert_eq!(
            run("{range .items[*]}{.metadata.name}{\"\\t\"}{.status.podIP}{\"\\n\"}{end}"),
            "a\t10.0.0.1\nb\t10.0.0.2\n"
        );
        assert_eq!(
            run("{.items[*].status.addresses[?(@.type==\"InternalIP\")].address}"),
            "10.0.0.1 10.0.0.2"
        );
        assert_eq!(run("{..podIP}"), "10.0.0.1 10.0.0.2");
        assert_eq!(run("{.items[0].metadata}"), "{\"name\":\"a\"}");
        assert_eq!(run("{.nope}"), "");
        assert_eq!(run("names: {.items[*].metadata.name}"), "names: a b");
        assert!(parse("{range .items[*]}").is_err());
    }
}
