//! go-yaml v2's emitter: JSON-like values printed as `kubectl get -o yaml` prints them.
//!
//! kubectl turns the server's JSON into YAML with sigs.k8s.io/yaml, which hands a generic
//! map to go-yaml v2's emitter. So the output has go-yaml v2's shape: map keys sorted by
//! its "natural" order ([`key_less`]), sequences not indented under their key, `{}` and
//! `[]` for empty collections, and each string in the first style that reads back as the
//! same string — plain, else single-quoted, else double-quoted, multi-line strings as a
//! literal block — with long plain and quoted strings folded after column 80.
//!
//! This is the one emitter of the crate: the kubectl views ([`crate::views::kubectl`]),
//! the stored objects the page shows, and the scenario's own session documents
//! ([`crate::session`]) are all printed through [`to_string`]. Ported from go-yaml v2's
//! `emitterc.go` (`yaml_emitter_analyze_scalar`, `yaml_emitter_select_scalar_style`,
//! the `write_*_scalar` functions) and `sorter.go` (`keyList.Less`).

use crate::manifest::yaml::{Node, Scalar, Style, Value, resolve};
use std::cmp::Ordering;

/// A JSON-like value, the shape the API server's JSON has.
#[derive(Clone, Debug, PartialEq)]
pub enum Yaml {
    Null,
    Bool(bool),
    Int(i64),
    Str(String),
    Seq(Vec<Yaml>),
    /// Keys in insertion order; the emitter sorts them.
    Map(Vec<(String, Yaml)>),
}

impl Yaml {
    pub fn str(s: impl Into<String>) -> Yaml {
        Yaml::Str(s.into())
    }

    /// The value as a YAML document (no `---`), as `yaml.Marshal` writes it.
    pub fn to_yaml(&self) -> String {
        to_string(self)
    }

    pub fn strings(items: &[String]) -> Yaml {
        Yaml::Seq(items.iter().map(|s| Yaml::str(s.clone())).collect())
    }

    /// A map of strings (labels, annotations, selectors) from its entries in order.
    pub fn string_map<'a>(map: impl IntoIterator<Item = (&'a String, &'a String)>) -> Yaml {
        Yaml::Map(
            map.into_iter()
                .map(|(k, v)| (k.clone(), Yaml::str(v.clone())))
                .collect(),
        )
    }
}

/// Builds a map from `(key, Option<value>)` pairs, leaving out the `None`s (Go's
/// `omitempty`).
pub fn map(fields: Vec<(&str, Option<Yaml>)>) -> Yaml {
    Yaml::Map(
        fields
            .into_iter()
            .filter_map(|(k, v)| v.map(|v| (k.to_string(), v)))
            .collect(),
    )
}

/// `Some` for a non-empty string (omitempty).
pub fn opt_str(s: Option<&str>) -> Option<Yaml> {
    s.filter(|s| !s.is_empty()).map(Yaml::str)
}

/// `Some` for a non-empty list of strings (omitempty).
pub fn opt_strings(items: &[String]) -> Option<Yaml> {
    (!items.is_empty()).then(|| Yaml::strings(items))
}

/// `Some` for a non-empty map (omitempty).
pub fn opt_map<'a>(m: impl IntoIterator<Item = (&'a String, &'a String)>) -> Option<Yaml> {
    let mut entries = m.into_iter().peekable();
    entries.peek().is_some().then(|| Yaml::string_map(entries))
}

/// A parsed YAML tree as JSON-like data: scalars resolved as YAML 1.2's core schema
/// resolves them (floats kept as written), as the API server's JSON would hold them.
pub fn from_node(node: &Node) -> Yaml {
    match &node.value {
        Value::Seq(items) => Yaml::Seq(items.iter().map(from_node).collect()),
        Value::Map(entries) => Yaml::Map(
            entries
                .iter()
                .map(|e| (e.key.key_string().unwrap_or_default(), from_node(&e.value)))
                .collect(),
        ),
        Value::Scalar(text, _) => match node.scalar() {
            Some(Scalar::Null) | None => Yaml::Null,
            Some(Scalar::Bool(b)) => Yaml::Bool(b),
            Some(Scalar::Int(i)) => {
                i64::try_from(i).map_or_else(|_| Yaml::Str(i.to_string()), Yaml::Int)
            }
            Some(Scalar::Float(_)) => Yaml::Str(text.to_string()),
            Some(Scalar::Str(s)) => Yaml::Str(s.to_string()),
        },
    }
}

// ---- the emitter ----------------------------------------------------------------------

/// go-yaml v2's `keyList.Less`: runs of digits compare as numbers, non-letters sort
/// before letters, letters by code point.
pub fn key_less(a: &str, b: &str) -> Ordering {
    let ar: Vec<char> = a.chars().collect();
    let br: Vec<char> = b.chars().collect();
    let mut i = 0;
    while i < ar.len() && i < br.len() {
        if ar[i] == br[i] {
            i += 1;
            continue;
        }
        let al = ar[i].is_alphabetic();
        let bl = br[i].is_alphabetic();
        if al && bl {
            return ar[i].cmp(&br[i]);
        }
        if al || bl {
            return if bl {
                Ordering::Less
            } else {
                Ordering::Greater
            };
        }
        let (mut an, mut bn) = (0i128, 0i128);
        if ar[i] == '0' || br[i] == '0' {
            let mut j = i;
            while j > 0 && ar[j - 1].is_ascii_digit() {
                j -= 1;
                if ar[j] != '0' {
                    an = 1;
                    bn = 1;
                    break;
                }
            }
        }
        let mut ai = i;
        while ai < ar.len() && ar[ai].is_ascii_digit() {
            an = an
                .saturating_mul(10)
                .saturating_add(i128::from(ar[ai] as u8 - b'0'));
            ai += 1;
        }
        let mut bi = i;
        while bi < br.len() && br[bi].is_ascii_digit() {
            bn = bn
                .saturating_mul(10)
                .saturating_add(i128::from(br[bi] as u8 - b'0'));
            bi += 1;
        }
        if an != bn {
            return an.cmp(&bn);
        }
        if ai != bi {
            return ai.cmp(&bi);
        }
        return ar[i].cmp(&br[i]);
    }
    ar.len().cmp(&br.len())
}

/// go-yaml's `best_width`: plain and quoted scalars fold at spaces after this column.
const BEST_WIDTH: usize = 80;
/// go-yaml's `best_indent`.
const INDENT: usize = 2;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum ScalarStyle {
    Plain,
    Single,
    Double,
    Literal,
}

/// What `yaml_emitter_analyze_scalar` finds out about a string.
struct Analysis_ {
    multiline: bool,
    block_plain: bool,
    single: bool,
    block: bool,
}

/// libyaml's `is_printable`, for the characters go-yaml writes unescaped.
fn is_printable(c: char) -> bool {
    let u = c as u32;
    u == 0x0A
        || (0x20..=0x7E).contains(&u)
        || u == 0x85
        || (0xA0..=0xD7FF).contains(&u)
        || ((0xE000..=0xFFFD).contains(&u) && u != 0xFEFF)
}

fn is_break(c: char) -> bool {
    matches!(c, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

fn is_blank(c: Option<char>) -> bool {
    matches!(c, Some(' ') | Some('\t'))
}

fn is_blankz(c: Option<char>) -> bool {
    match c {
        None => true,
        Some(c) => c == ' ' || c == '\t' || c == '\0' || is_break(c),
    }
}

fn analyze(value: &str) -> Analysis_ {
    let chars: Vec<char> = value.chars().collect();
    if chars.is_empty() {
        return Analysis_ {
            multiline: false,
            block_plain: true,
            single: true,
            block: false,
        };
    }
    let (mut block_indicators, mut flow_indicators) = (false, false);
    if value.starts_with("---") || value.starts_with("...") {
        block_indicators = true;
        flow_indicators = true;
    }
    let mut preceded_by_whitespace = true;
    let (mut line_breaks, mut special) = (false, false);
    let (mut leading_space, mut leading_break, mut trailing_space, mut trailing_break) =
        (false, false, false, false);
    let (mut break_space, mut space_break) = (false, false);
    let (mut previous_space, mut previous_break) = (false, false);
    for (i, &c) in chars.iter().enumerate() {
        let followed_by_whitespace = i + 1 >= chars.len() || is_blank(chars.get(i + 1).copied());
        if i == 0 {
            match c {
                '#' | ',' | '[' | ']' | '{' | '}' | '&' | '*' | '!' | '|' | '>' | '\'' | '"'
                | '%' | '@' | '`' => {
                    flow_indicators = true;
                    block_indicators = true;
                }
                '?' | ':' => {
                    flow_indicators = true;
                    if followed_by_whitespace {
                        block_indicators = true;
                    }
                }
                '-' if followed_by_whitespace => {
                    flow_indicators = true;
                    block_indicators = true;
                }
                _ => {}
            }
        } else {
            match c {
                ',' | '?' | '[' | ']' | '{' | '}' => flow_indicators = true,
                ':' => {
                    flow_indicators = true;
                    if followed_by_whitespace {
                        block_indicators = true;
                    }
                }
                '#' if preceded_by_whitespace => {
                    flow_indicators = true;
                    block_indicators = true;
                }
                _ => {}
            }
        }
        if !is_printable(c) || c == '\u{FEFF}' {
            special = true;
        }
        if c == ' ' {
            if i == 0 {
                leading_space = true;
            }
            if i + 1 == chars.len() {
                trailing_space = true;
            }
            if previous_break {
                break_space = true;
            }
            previous_space = true;
            previous_break = false;
        } else if is_break(c) {
            line_breaks = true;
            if i == 0 {
                leading_break = true;
            }
            if i + 1 == chars.len() {
                trailing_break = true;
            }
            if previous_space {
                space_break = true;
            }
            previous_space = false;
            previous_break = true;
        } else {
            previous_space = false;
            previous_break = false;
        }
        preceded_by_whitespace = is_blankz(Some(c));
    }
    let mut block_plain = true;
    let mut single = true;
    let mut block = true;
    if leading_space || leading_break || trailing_space || trailing_break {
        block_plain = false;
    }
    if trailing_space {
        block = false;
    }
    if break_space {
        block_plain = false;
        single = false;
    }
    if space_break || special {
        block_plain = false;
        single = false;
        block = false;
    }
    if line_breaks {
        block_plain = false;
    }
    let _ = flow_indicators;
    if block_indicators {
        block_plain = false;
    }
    Analysis_ {
        multiline: line_breaks,
        block_plain,
        single,
        block,
    }
}

/// Whether go-yaml would read the plain string back as something other than a string
/// (`resolve`): null, booleans, numbers, timestamps, `<<`, and base-60 floats.
fn resolves_to_non_string(s: &str) -> bool {
    if s == "<<" || is_base60_float(s) || is_timestamp(s) {
        return true;
    }
    !matches!(resolve(s, Style::Plain, None), Scalar::Str(_))
}

/// `^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$`
fn is_base60_float(s: &str) -> bool {
    let s = s.strip_prefix(['-', '+']).unwrap_or(s);
    let (main, frac) = match s.split_once('.') {
        Some((m, f)) => (m, Some(f)),
        None => (s, None),
    };
    if frac.is_some_and(|f| !f.bytes().all(|b| b.is_ascii_digit() || b == b'_')) {
        return false;
    }
    let mut parts = main.split(':');
    let Some(head) = parts.next() else {
        return false;
    };
    let hb = head.as_bytes();
    if hb.is_empty()
        || !hb[0].is_ascii_digit()
        || !hb.iter().all(|b| b.is_ascii_digit() || *b == b'_')
    {
        return false;
    }
    let mut count = 0;
    for part in parts {
        count += 1;
        let b = part.as_bytes();
        let ok = match b.len() {
            1 => b[0].is_ascii_digit(),
            2 => (b'0'..=b'5').contains(&b[0]) && b[1].is_ascii_digit(),
            _ => false,
        };
        if !ok {
            return false;
        }
    }
    count > 0
}

/// The timestamp forms go-yaml v2 resolves (`2006-1-2`, with an optional time part).
fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    // A date: 4 digits, '-', 1-2 digits, '-', 1-2 digits.
    let digits = |from: usize, min: usize, max: usize| -> Option<usize> {
        let mut n = 0;
        while from + n < b.len() && b[from + n].is_ascii_digit() && n < max {
            n += 1;
        }
        (n >= min).then_some(from + n)
    };
    let Some(i) = digits(0, 4, 4) else {
        return false;
    };
    if b.get(i) != Some(&b'-') {
        return false;
    }
    let Some(i) = digits(i + 1, 1, 2) else {
        return false;
    };
    if b.get(i) != Some(&b'-') {
        return false;
    }
    let Some(i) = digits(i + 1, 1, 2) else {
        return false;
    };
    if i == b.len() {
        return true;
    }
    // A time part: 'T', 't' or ' ' then h:m:s with optional fraction and zone.
    if !matches!(b[i], b'T' | b't' | b' ') {
        return false;
    }
    let Some(j) = digits(i + 1, 1, 2) else {
        return false;
    };
    if b.get(j) != Some(&b':') {
        return false;
    }
    let Some(j) = digits(j + 1, 1, 2) else {
        return false;
    };
    if b.get(j) != Some(&b':') {
        return false;
    }
    let Some(mut j) = digits(j + 1, 1, 2) else {
        return false;
    };
    if b.get(j) == Some(&b'.') {
        let Some(k) = digits(j + 1, 1, 9) else {
            return false;
        };
        j = k;
    }
    let rest = &s[j..];
    rest.is_empty()
        || rest == "Z"
        || (rest.len() == 6
            && matches!(rest.as_bytes()[0], b'+' | b'-')
            && rest.as_bytes()[3] == b':')
}

fn choose_style(value: &str, simple_key: bool) -> ScalarStyle {
    let a = analyze(value);
    let mut style = if value.contains('\n') {
        ScalarStyle::Literal
    } else if resolves_to_non_string(value) {
        ScalarStyle::Double
    } else {
        ScalarStyle::Plain
    };
    if simple_key && a.multiline {
        style = ScalarStyle::Double;
    }
    if style == ScalarStyle::Plain && (!a.block_plain || (value.is_empty() && simple_key)) {
        style = ScalarStyle::Single;
    }
    if style == ScalarStyle::Single && !a.single {
        style = ScalarStyle::Double;
    }
    if style == ScalarStyle::Literal && (!a.block || simple_key) {
        style = ScalarStyle::Double;
    }
    style
}

/// The output with the column go-yaml tracks for folding.
struct Out {
    text: String,
    column: usize,
}

impl Out {
    fn push(&mut self, c: char) {
        self.text.push(c);
        if c == '\n' {
            self.column = 0;
        } else {
            self.column += 1;
        }
    }

    fn push_str(&mut self, s: &str) {
        for c in s.chars() {
            self.push(c);
        }
    }

    fn newline_indent(&mut self, indent: usize) {
        self.push('\n');
        for _ in 0..indent {
            self.push(' ');
        }
    }

    /// Ends the current line, unless it is already empty.
    fn end_line(&mut self) {
        if self.column != 0 {
            self.push('\n');
        }
    }
}

/// Writes a string scalar; `indent` is where folded continuation lines start.
fn write_scalar(out: &mut Out, value: &str, indent: usize, simple_key: bool) {
    let allow_breaks = !simple_key;
    match choose_style(value, simple_key) {
        ScalarStyle::Plain => {
            let chars: Vec<char> = value.chars().collect();
            let mut spaces = false;
            for (i, &c) in chars.iter().enumerate() {
                if c == ' ' {
                    if allow_breaks
                        && !spaces
                        && out.column > BEST_WIDTH
                        && chars.get(i + 1) != Some(&' ')
                    {
                        out.newline_indent(indent);
                    } else {
                        out.push(c);
                    }
                    spaces = true;
                } else {
                    out.push(c);
                    spaces = false;
                }
            }
        }
        ScalarStyle::Single => {
            let chars: Vec<char> = value.chars().collect();
            out.push('\'');
            let mut spaces = false;
            for (i, &c) in chars.iter().enumerate() {
                if c == ' ' {
                    if allow_breaks
                        && !spaces
                        && out.column > BEST_WIDTH
                        && i > 0
                        && i + 1 < chars.len()
                        && chars.get(i + 1) != Some(&' ')
                    {
                        out.newline_indent(indent);
                    } else {
                        out.push(c);
                    }
                    spaces = true;
                } else {
                    if c == '\'' {
                        out.push('\'');
                    }
                    out.push(c);
                    spaces = false;
                }
            }
            out.push('\'');
        }
        ScalarStyle::Double => {
            let chars: Vec<char> = value.chars().collect();
            out.push('"');
            let mut spaces = false;
            for (i, &c) in chars.iter().enumerate() {
                if !is_printable(c) || c == '\u{FEFF}' || is_break(c) || c == '"' || c == '\\' {
                    out.push('\\');
                    let u = c as u32;
                    match u {
                        0x00 => out.push('0'),
                        0x07 => out.push('a'),
                        0x08 => out.push('b'),
                        0x09 => out.push('t'),
                        0x0A => out.push('n'),
                        0x0B => out.push('v'),
                        0x0C => out.push('f'),
                        0x0D => out.push('r'),
                        0x1B => out.push('e'),
                        0x22 => out.push('"'),
                        0x5C => out.push('\\'),
                        0x85 => out.push('N'),
                        0xA0 => out.push('_'),
                        0x2028 => out.push('L'),
                        0x2029 => out.push('P'),
                        _ if u <= 0xFF => out.push_str(&format!("x{u:02X}")),
                        _ if u <= 0xFFFF => out.push_str(&format!("u{u:04X}")),
                        _ => out.push_str(&format!("U{u:08X}")),
                    }
                    spaces = false;
                } else if c == ' ' {
                    if allow_breaks
                        && !spaces
                        && out.column > BEST_WIDTH
                        && i > 0
                        && i + 1 < chars.len()
                    {
                        out.newline_indent(indent);
                        if chars.get(i + 1) == Some(&' ') {
                            out.push('\\');
                        }
                    } else {
                        out.push(c);
                    }
                    spaces = true;
                } else {
                    out.push(c);
                    spaces = false;
                }
            }
            out.push('"');
        }
        ScalarStyle::Literal => {
            out.push('|');
            let chars: Vec<char> = value.chars().collect();
            if chars.first().is_some_and(|c| *c == ' ' || is_break(*c)) {
                out.push_str(&INDENT.to_string());
            }
            let last = chars.last().copied();
            if !last.is_some_and(is_break) {
                out.push('-');
            } else if chars.len() == 1 || chars.get(chars.len() - 2).copied().is_some_and(is_break)
            {
                out.push('+');
            }
            out.push('\n');
            let mut at_line_start = true;
            for &c in &chars {
                if is_break(c) {
                    out.push('\n');
                    at_line_start = true;
                } else {
                    if at_line_start {
                        for _ in 0..indent {
                            out.push(' ');
                        }
                    }
                    out.push(c);
                    at_line_start = false;
                }
            }
        }
    }
}

fn write_leaf(out: &mut Out, value: &Yaml, indent: usize) {
    match value {
        Yaml::Null => out.push_str("null"),
        Yaml::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Yaml::Int(i) => out.push_str(&i.to_string()),
        Yaml::Str(s) => write_scalar(out, s, indent, false),
        Yaml::Seq(items) if items.is_empty() => out.push_str("[]"),
        Yaml::Map(entries) if entries.is_empty() => out.push_str("{}"),
        _ => {}
    }
}

fn is_leaf(value: &Yaml) -> bool {
    match value {
        Yaml::Seq(items) => items.is_empty(),
        Yaml::Map(entries) => entries.is_empty(),
        _ => true,
    }
}

fn sorted(entries: &[(String, Yaml)]) -> Vec<&(String, Yaml)> {
    let mut v: Vec<&(String, Yaml)> = entries.iter().collect();
    crate::sort::sort_by(&mut v, |a, b| key_less(&a.0, &b.0));
    v
}

/// A block mapping whose keys start at `indent`; the first key is written where the
/// cursor is (after `- ` in a sequence), the others on new lines.
fn write_map(out: &mut Out, entries: &[(String, Yaml)], indent: usize) {
    for (n, (key, value)) in sorted(entries).into_iter().enumerate() {
        if n > 0 {
            out.end_line();
            for _ in 0..indent {
                out.push(' ');
            }
        }
        write_scalar(out, key, indent + INDENT, true);
        out.push(':');
        if is_leaf(value) {
            out.push(' ');
            write_leaf(out, value, indent + INDENT);
            out.end_line();
        } else {
            out.push('\n');
            match value {
                Yaml::Map(inner) => {
                    for _ in 0..indent + INDENT {
                        out.push(' ');
                    }
                    write_map(out, inner, indent + INDENT);
                }
                Yaml::Seq(items) => write_seq(out, items, indent),
                _ => {}
            }
        }
    }
    out.end_line();
}

/// A block sequence whose dashes are at `indent`.
fn write_seq(out: &mut Out, items: &[Yaml], indent: usize) {
    for item in items {
        out.end_line();
        for _ in 0..indent {
            out.push(' ');
        }
        out.push_str("- ");
        match item {
            Yaml::Map(entries) if !entries.is_empty() => write_map(out, entries, indent + INDENT),
            Yaml::Seq(inner) if !inner.is_empty() => {
                // `- - a`: the inner dashes continue on the same line, then at indent+2.
                let mut first = true;
                for x in inner {
                    if !first {
                        out.end_line();
                        for _ in 0..indent + INDENT {
                            out.push(' ');
                        }
                        out.push_str("- ");
                    }
                    first = false;
                    match x {
                        Yaml::Map(e) if !e.is_empty() => write_map(out, e, indent + 2 * INDENT),
                        Yaml::Seq(s) if !s.is_empty() => write_seq(out, s, indent + 2 * INDENT),
                        leaf => {
                            write_leaf(out, leaf, indent + 2 * INDENT);
                            out.end_line();
                        }
                    }
                }
            }
            leaf => {
                write_leaf(out, leaf, indent + INDENT);
                out.end_line();
            }
        }
    }
    out.end_line();
}

/// The YAML text of a document, as `yaml.Marshal` (go-yaml v2) writes it.
pub fn to_string(value: &Yaml) -> String {
    let mut out = Out {
        text: String::new(),
        column: 0,
    };
    match value {
        Yaml::Map(entries) if !entries.is_empty() => write_map(&mut out, entries, 0),
        Yaml::Seq(items) if !items.is_empty() => write_seq(&mut out, items, 0),
        leaf => {
            write_leaf(&mut out, leaf, 0);
            out.end_line();
        }
    }
    out.text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(entries: Vec<(&str, Yaml)>) -> Yaml {
        Yaml::Map(
            entries
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
        )
    }

    #[test]
    fn strings_take_the_first_style_that_reads_back() {
        let y = doc(vec![
            ("a", Yaml::str("plain text")),
            ("b", Yaml::str("80")),
            ("c", Yaml::str("")),
            ("d", Yaml::str("yes")),
            ("e", Yaml::str("*star")),
            ("f", Yaml::str("tab\there")),
            ("g", Yaml::str("line1\nline2\n")),
            ("h", Yaml::str("2026-01-01T00:00:00Z")),
            ("i", Yaml::str("fd00::1")),
            ("j", Yaml::str("a: b")),
            ("k", Yaml::str("it's")),
            ("l", Yaml::str("-")),
        ]);
        assert_eq!(
            to_string(&y),
            "a: plain text\nb: \"80\"\nc: \"\"\nd: \"yes\"\ne: '*star'\nf: \"tab\\there\"\ng: |\n  line1\n  line2\nh: \"2026-01-01T00:00:00Z\"\ni: fd00::1\nj: 'a: b'\nk: it's\nl: '-'\n"
        );
    }

    #[test]
    fn collections_and_key_order() {
        let y = doc(vec![
            (
                "spec",
                doc(vec![
                    (
                        "ports",
                        Yaml::Seq(vec![doc(vec![
                            ("port", Yaml::Int(80)),
                            ("name", Yaml::str("http")),
                        ])]),
                    ),
                    ("clusterIPs", Yaml::Seq(vec![Yaml::str("10.96.0.1")])),
                ]),
            ),
            ("status", doc(vec![("loadBalancer", Yaml::Map(vec![]))])),
            ("a10", Yaml::Bool(true)),
            ("a9", Yaml::Null),
        ]);
        assert_eq!(
            to_string(&y),
            "a9: null\na10: true\nspec:\n  clusterIPs:\n  - 10.96.0.1\n  ports:\n  - name: http\n    port: 80\nstatus:\n  loadBalancer: {}\n"
        );
        assert_eq!(key_less("app", "app.kubernetes.io/name"), Ordering::Less);
        assert_eq!(key_less("a-b", "aB"), Ordering::Less);
    }

    #[test]
    fn long_strings_fold_after_column_80() {
        let long = "word ".repeat(30).trim_end().to_string();
        let text = to_string(&doc(vec![("description", Yaml::str(long.clone()))]));
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines.len() > 1, "{text}");
        assert!(lines[1].starts_with("  word"), "{text}");
        assert_eq!(
            text.replace("\n  ", " ").trim_end(),
            format!("description: {long}")
        );
    }
}
