//! The YAML layer: scenario text → one spanned tree per document.
//!
//! The text is split into documents on `---` lines first, the way kubectl's YAML reader
//! does, so a syntax error in one document never hides the others. Each document is parsed
//! with `saphyr-parser` into a [`Node`] tree that keeps the span of every key and value.
//! Plain scalars are resolved later, by [`Node::scalar`], with the YAML 1.1 rules of the
//! `go-yaml` v2 library that kubectl and the API server use (so `yes` is a boolean and
//! `0777` is octal, as on a real cluster).
//!
//! Hostile input is data too: alias expansion has a budget (a "billion laughs" document is
//! an error, not an out-of-memory), nesting has a depth limit, and nothing here panics.

use crate::diag::{Pos, Span};
use crate::quote::go as go_quote;
use saphyr_parser::{Event, Parser, ScalarStyle, ScanError};
use std::collections::{HashMap, HashSet};
use std::ops::Range;

/// Deepest nesting accepted in one document.
pub const MAX_DEPTH: usize = 256;

/// One YAML value with the span it was written at.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub value: Value,
    pub span: Span,
    /// An explicit tag such as `!!str`, written as `handle` + `suffix` (`!!str`).
    pub tag: Option<Box<str>>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Scalar(Box<str>, Style),
    Seq(Vec<Node>),
    Map(Vec<Entry>),
}

/// How a scalar was written; only plain scalars are resolved to non-strings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    Plain,
    Quoted,
    Block,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub key: Node,
    pub value: Node,
}

/// A resolved scalar, as go-yaml v2 would decode it into an `interface{}`.
#[derive(Clone, Debug, PartialEq)]
pub enum Scalar<'a> {
    Null,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(&'a str),
}

impl Scalar<'_> {
    /// The JSON type name Go's `encoding/json` uses in "cannot unmarshal X into ..." errors.
    pub fn json_type(&self) -> &'static str {
        match self {
            Scalar::Null => "null",
            Scalar::Bool(_) => "bool",
            Scalar::Int(_) | Scalar::Float(_) => "number",
            Scalar::Str(_) => "string",
        }
    }
}

impl Node {
    /// Moves every span of the tree `delta` lines down (up when negative): a document
    /// kept from an earlier text whose lines before it grew or shrank
    /// ([`crate::manifest::reparse`]).
    pub fn shift_lines(&mut self, delta: i64) {
        if delta == 0 {
            return;
        }
        self.span = shift_span(self.span, delta);
        match &mut self.value {
            Value::Scalar(..) => {}
            Value::Seq(items) => items.iter_mut().for_each(|n| n.shift_lines(delta)),
            Value::Map(entries) => entries.iter_mut().for_each(|e| {
                e.key.shift_lines(delta);
                e.value.shift_lines(delta);
            }),
        }
    }

    /// The mapping entries, if this is a mapping.
    pub fn entries(&self) -> Option<&[Entry]> {
        match &self.value {
            Value::Map(entries) => Some(entries),
            _ => None,
        }
    }

    pub fn items(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Seq(items) => Some(items),
            _ => None,
        }
    }

    /// Moves this node out, leaving an empty mapping with the same span and tag behind.
    pub fn take(&mut self) -> Node {
        let empty = Node {
            value: Value::Map(Vec::new()),
            span: self.span,
            tag: self.tag.clone(),
        };
        std::mem::replace(self, empty)
    }

    /// The value under `key` in a mapping (keys compared after resolution, as JSON keys).
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entries()?
            .iter()
            .find(|e| e.key.key_is(key))
            .map(|e| &e.value)
    }

    /// [`Node::get`], to change the value.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Node> {
        match &mut self.value {
            Value::Map(entries) => entries
                .iter_mut()
                .find(|e| e.key.key_is(key))
                .map(|e| &mut e.value),
            _ => None,
        }
    }

    /// The entry (key and value) under `key`.
    pub fn entry(&self, key: &str) -> Option<&Entry> {
        self.entries()?.iter().find(|e| e.key.key_is(key))
    }

    /// Whether this mapping key's string form ([`Node::key_string`]) is `key`, without
    /// building the string for the usual case of a string key (lookups run for every
    /// field of every object of a large dump).
    pub fn key_is(&self, key: &str) -> bool {
        // Most keys are words: one that differs from `key` and starts with a letter resolves
        // to itself, a null (`null`) or a boolean (`true`/`false`), so it can only match
        // those three, and resolving it is not needed to say no.
        if let (Value::Scalar(text, _), None) = (&self.value, &self.tag) {
            if &**text != key
                && text.as_bytes().first().is_some_and(u8::is_ascii_alphabetic)
                && !matches!(key, "null" | "true" | "false")
            {
                return false;
            }
        }
        match self.scalar() {
            Some(Scalar::Str(s)) => s == key,
            Some(_) => self.key_string().as_deref() == Some(key),
            None => false,
        }
    }

    /// This node resolved as a scalar, or `None` for sequences and mappings.
    pub fn scalar(&self) -> Option<Scalar<'_>> {
        match &self.value {
            Value::Scalar(text, style) => Some(resolve(text, *style, self.tag.as_deref())),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self.scalar(), Some(Scalar::Null))
    }

    /// A string value (only a YAML string counts: `80` is a number, `"80"` a string).
    pub fn as_str(&self) -> Option<&str> {
        match self.scalar()? {
            Scalar::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self.scalar()? {
            Scalar::Bool(b) => Some(b),
            _ => None,
        }
    }

    /// An integer value; floats with no fractional part count, as they do after the
    /// YAML → JSON conversion the API server sees.
    pub fn as_int(&self) -> Option<i64> {
        match self.scalar()? {
            Scalar::Int(i) => i64::try_from(i).ok(),
            Scalar::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Some(f as i64),
            _ => None,
        }
    }

    /// The string form of a mapping key, as sigs.k8s.io/yaml turns keys into JSON strings.
    pub fn key_string(&self) -> Option<String> {
        Some(match self.scalar()? {
            Scalar::Null => "null".to_string(),
            Scalar::Bool(b) => b.to_string(),
            Scalar::Int(i) => i.to_string(),
            Scalar::Float(f) => format_go_float(f),
            Scalar::Str(s) => s.to_string(),
        })
    }

    /// The span of the value at a Kubernetes field path below this node, e.g.
    /// `spec.ports[0].port`. When the path does not exist, the span of the deepest
    /// existing ancestor (where the missing field should go) is returned.
    pub fn locate(&self, path: &str) -> Span {
        self.locate_key(path).1
    }

    /// Like [`Node::locate`], also telling whether the whole path was found. For a found
    /// mapping field the span is the key's span (what an editor underlines).
    pub fn locate_key(&self, path: &str) -> (bool, Span) {
        let mut node = self;
        let mut span = self.span;
        for step in parse_path(path) {
            let next = match step {
                PathStep::Field(name) => match node.entry(name) {
                    Some(entry) => {
                        span = entry.key.span;
                        Some(&entry.value)
                    }
                    None => None,
                },
                PathStep::Index(i) => node.items().and_then(|items| items.get(i)).inspect(|n| {
                    span = n.span;
                }),
                PathStep::Key(key) => match node.entry(key) {
                    Some(entry) => {
                        span = entry.key.span;
                        Some(&entry.value)
                    }
                    None => None,
                },
            };
            match next {
                Some(n) => node = n,
                None => return (false, span),
            }
        }
        (true, span)
    }
}

enum PathStep<'a> {
    Field(&'a str),
    Index(usize),
    Key(&'a str),
}

/// Splits `spec.ports[0].port` or `metadata.labels[app.kubernetes.io/name]` into steps.
fn parse_path(path: &str) -> Vec<PathStep<'_>> {
    let mut steps = Vec::new();
    let mut rest = path;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('[') {
            let Some(close) = after.find(']') else { break };
            let inner = &after[..close];
            match inner.parse::<usize>() {
                Ok(i) => steps.push(PathStep::Index(i)),
                Err(_) => steps.push(PathStep::Key(inner)),
            }
            rest = &after[close + 1..];
            rest = rest.strip_prefix('.').unwrap_or(rest);
        } else {
            let end = rest.find(['.', '[']).unwrap_or(rest.len());
            steps.push(PathStep::Field(&rest[..end]));
            rest = &rest[end..];
            rest = rest.strip_prefix('.').unwrap_or(rest);
        }
    }
    steps
}

/// Go's `%v` of a float64 as it appears in a JSON key (`1e+06`, `0.5`).
fn format_go_float(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e21 {
        format!("{}", f as i128)
    } else {
        format!("{f}")
    }
}

/// Resolves a scalar with go-yaml v2's rules (YAML 1.1 booleans, octal `0777`, `0x`, `0b`,
/// underscores in numbers, `.inf`/`.nan`).
pub fn resolve<'a>(text: &'a str, style: Style, tag: Option<&str>) -> Scalar<'a> {
    match tag {
        Some("!!str") => return Scalar::Str(text),
        Some("!!null") => return Scalar::Null,
        Some("!!bool") => {
            if let Some(b) = resolve_bool(text) {
                return Scalar::Bool(b);
            }
        }
        Some("!!int") => {
            if let Some(i) = resolve_int(text) {
                return Scalar::Int(i);
            }
        }
        Some("!!float") => {
            if let Some(f) = resolve_float(text).or_else(|| resolve_int(text).map(|i| i as f64)) {
                return Scalar::Float(f);
            }
        }
        _ => {}
    }
    if style != Style::Plain {
        return Scalar::Str(text);
    }
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Scalar::Null,
        _ => {}
    }
    if let Some(b) = resolve_bool(text) {
        return Scalar::Bool(b);
    }
    if let Some(i) = resolve_int(text) {
        return Scalar::Int(i);
    }
    if let Some(f) = resolve_float(text) {
        return Scalar::Float(f);
    }
    Scalar::Str(text)
}

fn resolve_bool(text: &str) -> Option<bool> {
    match text {
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            Some(true)
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            Some(false)
        }
        _ => None,
    }
}

fn resolve_int(text: &str) -> Option<i128> {
    let first = text.chars().next()?;
    if !(first.is_ascii_digit() || first == '-' || first == '+') {
        return None;
    }
    let plain = without_underscores(text);
    let (negative, digits) = match plain.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, plain.strip_prefix('+').unwrap_or(&plain)),
    };
    if digits.is_empty() {
        return None;
    }
    let magnitude = if let Some(hex) = digits.strip_prefix("0x") {
        i128::from_str_radix(hex, 16).ok()?
    } else if let Some(bin) = digits.strip_prefix("0b") {
        i128::from_str_radix(bin, 2).ok()?
    } else if let Some(oct) = digits.strip_prefix("0o") {
        i128::from_str_radix(oct, 8).ok()?
    } else if digits.len() > 1 && digits.starts_with('0') {
        i128::from_str_radix(&digits[1..], 8).ok()?
    } else {
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        digits.parse::<i128>().ok()?
    };
    // go-yaml only resolves what fits in int64 (or uint64 for positive values).
    let value = if negative { -magnitude } else { magnitude };
    if value < i64::MIN as i128 || value > u64::MAX as i128 {
        return None;
    }
    Some(value)
}

/// The text with go-yaml's digit separators removed (borrowed when there are none).
fn without_underscores(text: &str) -> std::borrow::Cow<'_, str> {
    if text.contains('_') {
        std::borrow::Cow::Owned(text.chars().filter(|&c| c != '_').collect())
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

fn resolve_float(text: &str) -> Option<f64> {
    match text {
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => return Some(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => return Some(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Some(f64::NAN),
        _ => {}
    }
    // The yamlStyleFloat pattern: [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?
    // applied after removing underscores, so a text starting with anything else (most
    // strings) cannot match.
    if !text
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_digit() || matches!(b, b'-' | b'+' | b'.' | b'_'))
    {
        return None;
    }
    let plain = without_underscores(text);
    let b = plain.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
        i += 1;
    }
    let int_start = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    let int_digits = i - int_start;
    if i < b.len() && b[i] == b'.' {
        i += 1;
        let s = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        let frac_digits = i - s;
        if int_digits == 0 && frac_digits == 0 {
            return None;
        }
    } else if int_digits == 0 {
        return None;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
            i += 1;
        }
        let s = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == s {
            return None;
        }
    }
    if i != b.len() {
        return None;
    }
    plain.parse::<f64>().ok()
}

/// One document of the scenario text.
#[derive(Clone, Debug)]
pub struct Document {
    /// 0-based index among the non-empty documents of the text.
    pub index: usize,
    /// The root node; `None` for a document that failed to parse.
    pub root: Option<Node>,
    /// Lines `first_line..=last_line` of the text hold this document (1-based).
    pub first_line: u32,
    pub last_line: u32,
}

/// A YAML syntax problem, with where it is.
#[derive(Clone, Debug, PartialEq)]
pub struct SyntaxError {
    pub document: usize,
    pub span: Span,
    pub message: String,
}

/// The work parsing did that hostile input could make large, counted so tests can hold
/// it to a bound (linear in the text) without timing anything.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ParseWork {
    /// Mapping keys looked up among a mapping's earlier keys (duplicate checks and `<<`
    /// merges): one per key in a set, one per earlier key in a short mapping.
    pub key_comparisons: u64,
    /// Nodes built by alias expansion (each charged to the alias budget).
    pub alias_nodes: u64,
}

impl std::ops::Add for ParseWork {
    type Output = ParseWork;
    fn add(self, other: ParseWork) -> ParseWork {
        ParseWork {
            key_comparisons: self.key_comparisons + other.key_comparisons,
            alias_nodes: self.alias_nodes + other.alias_nodes,
        }
    }
}

/// The work of a text less that of some of its documents (saturating: never below zero).
impl std::ops::Sub for ParseWork {
    type Output = ParseWork;
    fn sub(self, other: ParseWork) -> ParseWork {
        ParseWork {
            key_comparisons: self.key_comparisons.saturating_sub(other.key_comparisons),
            alias_nodes: self.alias_nodes.saturating_sub(other.alias_nodes),
        }
    }
}

/// Splits the text into documents and parses each one. Empty documents (only comments or
/// blank lines) are dropped, as kubectl drops them.
pub fn parse_documents(text: &str) -> (Vec<Document>, Vec<SyntaxError>) {
    let (documents, errors, _) = parse_documents_counted(text);
    (documents, errors)
}

/// [`parse_documents`], also telling the work it did.
pub fn parse_documents_counted(text: &str) -> (Vec<Document>, Vec<SyntaxError>, ParseWork) {
    let mut documents = Vec::new();
    let mut errors = Vec::new();
    let mut work = ParseWork::default();
    for chunk in split_documents(text) {
        let Some(index) = chunk_start(&chunk, documents.len(), &mut errors) else {
            continue;
        };
        documents.push(parse_chunk(&chunk, index, &mut work, &mut errors));
    }
    (documents, errors, work)
}

/// Whether `chunk` is a document (not only blanks and comments), reporting an error of
/// the separator before it: the index it gets (`documents` so far), or `None` when it is
/// blank. The first half of [`parse_documents_counted`]'s step, shared with the
/// incremental re-parse ([`crate::manifest::reparse`]).
pub(crate) fn chunk_start(
    chunk: &Chunk,
    documents: usize,
    errors: &mut Vec<SyntaxError>,
) -> Option<usize> {
    if chunk.is_blank() {
        if let Some(message) = &chunk.separator_error {
            errors.push(SyntaxError {
                document: documents,
                span: Span::at(chunk.first_line.saturating_sub(1).max(1), 4),
                message: message.clone(),
            });
        }
        return None;
    }
    if let Some(message) = &chunk.separator_error {
        errors.push(SyntaxError {
            document: documents,
            span: Span::at(chunk.first_line.saturating_sub(1).max(1), 4),
            message: message.clone(),
        });
    }
    Some(documents)
}

/// Parses one non-blank chunk into the document numbered `index`: the second half of
/// [`parse_documents_counted`]'s step.
pub(crate) fn parse_chunk(
    chunk: &Chunk,
    index: usize,
    work: &mut ParseWork,
    errors: &mut Vec<SyntaxError>,
) -> Document {
    let last_line = chunk.last_line();
    match parse_one(chunk.text, chunk.first_line, work) {
        Ok(roots) => {
            let mut roots = roots.into_iter();
            let root = roots.next();
            if roots.next().is_some() {
                errors.push(SyntaxError {
                    document: index,
                    span: Span::at(chunk.first_line, 1),
                    message: "more than one document between `---` separators (a `...` document end marker?)"
                        .to_string(),
                });
            }
            Document {
                index,
                root,
                first_line: chunk.first_line,
                last_line,
            }
        }
        Err(e) => {
            errors.push(SyntaxError {
                document: index,
                span: e.0,
                message: e.1,
            });
            Document {
                index,
                root: None,
                first_line: chunk.first_line,
                last_line,
            }
        }
    }
}

/// The lines of `text`, each with its line break: `\n`, `\r\n` or a lone `\r`, the breaks
/// YAML (and the parser) know, so the documents and line numbers found here agree with
/// the parser's (a text with old Mac line endings is not one long comment line).
pub fn lines_with_breaks(text: &str) -> impl Iterator<Item = &str> {
    let bytes = text.as_bytes();
    let mut start = 0;
    std::iter::from_fn(move || {
        if start >= bytes.len() {
            return None;
        }
        let end = match bytes[start..]
            .iter()
            .position(|&b| b == b'\n' || b == b'\r')
        {
            Some(i) if bytes[start + i] == b'\r' && bytes.get(start + i + 1) == Some(&b'\n') => {
                start + i + 2
            }
            Some(i) => start + i + 1,
            None => bytes.len(),
        };
        let line = &text[start..end];
        start = end;
        Some(line)
    })
}

/// How many line breaks `text` holds, counted as [`lines_with_breaks`] counts them.
pub fn count_line_breaks(text: &str) -> usize {
    let bytes = text.as_bytes();
    bytes
        .iter()
        .enumerate()
        .filter(|&(i, &b)| b == b'\n' || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n')))
        .count()
}

/// `span` moved `delta` lines (see [`Node::shift_lines`]).
pub fn shift_span(span: Span, delta: i64) -> Span {
    let line = |l: u32| (i64::from(l) + delta).clamp(0, i64::from(u32::MAX)) as u32;
    Span {
        start: Pos {
            line: line(span.start.line),
            column: span.start.column,
        },
        end: Pos {
            line: line(span.end.line),
            column: span.end.column,
        },
    }
}

fn is_blank_or_comment(line: &str) -> bool {
    let t = line.trim();
    t.is_empty() || t.starts_with('#')
}

/// The text between two `---` separators, where it starts, and what was wrong with the
/// separator before it.
pub(crate) struct Chunk<'a> {
    pub(crate) text: &'a str,
    pub(crate) first_line: u32,
    pub(crate) separator_error: Option<String>,
}

impl Chunk<'_> {
    /// Only blanks and comments: no document.
    pub(crate) fn is_blank(&self) -> bool {
        lines_with_breaks(self.text).all(is_blank_or_comment)
    }

    /// The same text after the same separator, wherever it starts: it parses to the same
    /// document, moved.
    pub(crate) fn same_text(&self, other: &Chunk) -> bool {
        self.text == other.text && self.separator_error == other.separator_error
    }

    /// The last line of the text the chunk holds.
    fn last_line(&self) -> u32 {
        self.first_line + lines_with_breaks(self.text).count().max(1) as u32 - 1
    }
}

/// Splits on lines that begin with `---`. Like kubectl, only blanks or a comment may follow
/// the separator on its line.
pub(crate) fn split_documents(text: &str) -> Vec<Chunk<'_>> {
    if text.as_bytes().contains(&b'\r') {
        return split_documents_by_line(text);
    }
    // Only `\n` breaks lines: the separators are found by searching for `\n---` (and the
    // lines between them counted in bulk) instead of walking a large dump line by line,
    // which every edit did twice. The same chunks as `split_documents_by_line`.
    let mut chunks = Vec::new();
    let mut start = 0usize;
    let mut first_line = 1u32;
    let mut pending_error = None;
    // The line number of `counted`, a line start.
    let (mut counted, mut line_no) = (0usize, 1u32);
    let first = text.starts_with("---").then_some(0);
    let separators = first
        .into_iter()
        .chain(text.match_indices("\n---").map(|(i, _)| i + 1));
    for at in separators {
        let end = text[at..].find('\n').map_or(text.len(), |i| at + i + 1);
        let rest = &text[at + 3..end];
        if !(rest.is_empty() || rest.starts_with([' ', '\t', '\n'])) {
            continue;
        }
        let breaks = text.as_bytes()[counted..at]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        line_no += breaks as u32;
        counted = at;
        chunks.push(Chunk {
            text: &text[start..at],
            first_line,
            separator_error: pending_error.take(),
        });
        let trimmed = rest.trim();
        if !trimmed.is_empty() && !trimmed.starts_with('#') {
            pending_error = Some(format!(
                "only a comment may follow the document separator `---` on its line, found {}",
                go_quote(trimmed)
            ));
        }
        start = end;
        first_line = line_no + 1;
    }
    chunks.push(Chunk {
        text: &text[start..],
        first_line,
        separator_error: pending_error,
    });
    chunks
}

/// Where one chunk of a text is ([`split_documents`]): what a manifest keeps of its text's
/// split, so that the split after an edit ([`split_documents_after_edit`]) reads only the
/// edited place again.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ChunkAt {
    /// The chunk's text, as byte offsets.
    start: u32,
    end: u32,
    first_line: u32,
    separator_error: Option<String>,
}

impl ChunkAt {
    /// Where each of `chunks`, chunks of `text`, is.
    pub(crate) fn of_all(text: &str, chunks: &[Chunk]) -> Vec<ChunkAt> {
        chunks
            .iter()
            .map(|c| {
                let start = (c.text.as_ptr() as usize).saturating_sub(text.as_ptr() as usize);
                ChunkAt {
                    start: start as u32,
                    end: (start + c.text.len()) as u32,
                    first_line: c.first_line,
                    separator_error: c.separator_error.clone(),
                }
            })
            .collect()
    }

    /// The line the chunk starts on (1-based).
    pub(crate) fn first_line(&self) -> u32 {
        self.first_line
    }

    /// Whether the separator before the chunk was followed by more than a comment.
    pub(crate) fn has_separator_error(&self) -> bool {
        self.separator_error.is_some()
    }

    /// The chunk of `text` this says (`None` when it is not in `text`).
    pub(crate) fn chunk<'a>(&self, text: &'a str) -> Option<Chunk<'a>> {
        Some(Chunk {
            text: text.get(self.start as usize..self.end as usize)?,
            first_line: self.first_line,
            separator_error: self.separator_error.clone(),
        })
    }
}

/// [`split_documents`] of `text`, `old_text` (whose split `old` says) having been edited
/// into it: the chunks before and after the edited place are those of `old_text`, the
/// ones after moved by the bytes and lines the edit added, and only the text between the
/// separators around the edited place is split again. `None` when `old` is not the
/// split of `old_text`, or `text` has `\r` line breaks (they are split line by line;
/// `old_text` must have none: a manifest keeps no chunks of a text that has).
///
/// Besides the chunks, how many at the start and at the end are those of `old_text`
/// (their text is the same).
pub(crate) fn split_documents_after_edit<'a>(
    old_text: &str,
    old: &[ChunkAt],
    text: &'a str,
    edit: Option<super::TextEdit>,
) -> Option<(Vec<Chunk<'a>>, usize, usize)> {
    let region = edited_region(old_text, old, text, edit)?;
    let mut chunks: Vec<Chunk<'a>> = Vec::with_capacity(old.len() + 4);
    for c in &old[..region.before] {
        chunks.push(c.chunk(text)?);
    }
    chunks.extend(region.chunks);
    for c in &old[old.len() - region.after..] {
        let start = (i64::from(c.start) + region.grown) as usize;
        let end = (i64::from(c.end) + region.grown) as usize;
        chunks.push(Chunk {
            text: text.get(start..end)?,
            first_line: (i64::from(c.first_line) + region.line_delta) as u32,
            separator_error: c.separator_error.clone(),
        });
    }
    Some((chunks, region.before, region.after))
}

/// The edited place of [`split_documents_after_edit`] alone: the chunks of `text` there
/// and how many chunks before and after it are those of `old_text`, without the others
/// (which a manifest moves where they are, [`Region::apply`]).
pub(crate) fn edited_region<'a>(
    old_text: &str,
    old: &[ChunkAt],
    text: &'a str,
    edit: Option<super::TextEdit>,
) -> Option<Region<'a>> {
    let (first, last) = (old.first()?, old.last()?);
    let ordered = old
        .windows(2)
        .all(|w| w[0].start <= w[0].end && w[0].end < w[1].start);
    if first.start != 0 || last.end as usize != old_text.len() || !ordered {
        return None;
    }
    let (a, b) = (old_text.as_bytes(), text.as_bytes());
    // Where the texts differ: inside the edit when the caller knows it (no compare of two
    // 6 MB texts per keystroke), else found by comparing them.
    let (prefix, suffix) = match edit.filter(|e| e.fits(old_text.len(), text.len())) {
        Some(e) => {
            debug_assert!(a[..e.start] == b[..e.start] && a[e.end..] == b[e.new_end..]);
            (e.start, a.len() - e.end)
        }
        None => {
            let prefix = common_prefix(a, b);
            (prefix, common_prefix_rev(&a[prefix..], &b[prefix..]))
        }
    };
    // The edited place is old_text[prefix..old_text.len() - suffix]. Split again: from the
    // start of the chunk it begins in (a line start, after a separator line the edit left
    // alone), to the start of the first separator line that is in the unchanged end
    // together with the line break before it (or to the end of the text).
    let mut before = old.partition_point(|c| c.start as usize <= prefix).max(1) - 1;
    // A chunk starts after a line break, except the empty last one of a text that ends
    // with its separator line (`a\n---`): typing after that separator changes its line,
    // so the chunk before is split again with it.
    if before > 0 && a[old[before].start as usize - 1] != b'\n' {
        before -= 1;
    }
    let unchanged_from = old_text.len() - suffix;
    let after = old[before..old.len() - 1]
        .iter()
        .position(|c| c.end as usize > unchanged_from)
        .map(|i| before + i + 1);
    let region_start = old[before].start as usize;
    let grown = text.len() as i64 - old_text.len() as i64;
    let region_end = match after {
        Some(k) => (i64::from(old[k - 1].end) + grown) as usize,
        None => text.len(),
    };
    let old_end = after.map_or(old_text.len(), |k| old[k - 1].end as usize);
    let region = text.get(region_start..region_end)?;
    // Only the edited place may have brought a `\r` (`old_text` has none).
    if region.as_bytes().contains(&b'\r') {
        return None;
    }
    let lines = |t: &[u8]| t.iter().filter(|&&c| c == b'\n').count() as i64;
    let line_delta = lines(region.as_bytes()) - lines(&a[region_start..old_end]);
    let first_line = old[before].first_line;
    let mut chunks = split_documents(region);
    for (i, c) in chunks.iter_mut().enumerate() {
        c.first_line += first_line - 1;
        if i == 0 {
            c.separator_error = old[before].separator_error.clone();
        }
    }
    Some(Region {
        before,
        after: after.map_or(0, |k| old.len() - k),
        chunks,
        grown,
        line_delta,
    })
}

/// The edited place of a text after an edit ([`edited_region`]): the chunks split again
/// there, between the first `before` and the last `after` chunks of the text before (the
/// same texts), the latter moved by `grown` bytes and `line_delta` lines.
pub(crate) struct Region<'a> {
    pub(crate) before: usize,
    pub(crate) after: usize,
    pub(crate) chunks: Vec<Chunk<'a>>,
    grown: i64,
    line_delta: i64,
}

impl Region<'_> {
    /// The layout of the edited text ([`ChunkAt`]s), from that of the text before (`old`,
    /// the one the region was found in), changed where it is: the chunks before kept, the
    /// region's put in place of the ones it replaced, the ones after moved.
    pub(crate) fn apply(&self, text: &str, old: &mut Vec<ChunkAt>) {
        let (grown, lines) = (self.grown, self.line_delta);
        let after = old.len() - self.after;
        for c in &mut old[after..] {
            c.start = (i64::from(c.start) + grown) as u32;
            c.end = (i64::from(c.end) + grown) as u32;
            c.first_line = (i64::from(c.first_line) + lines) as u32;
        }
        old.splice(self.before..after, ChunkAt::of_all(text, &self.chunks));
    }

    /// The line the first chunk after the region starts on, given that of the same chunk
    /// before the edit.
    pub(crate) fn line_after(&self, old_line: u32) -> u32 {
        (i64::from(old_line) + self.line_delta) as u32
    }
}

/// How many bytes `a` and `b` start with alike (compared a block at a time).
fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    const BLOCK: usize = 4096;
    let len = a.len().min(b.len());
    let mut at = 0;
    while at + BLOCK <= len && a[at..at + BLOCK] == b[at..at + BLOCK] {
        at += BLOCK;
    }
    at + a[at..len]
        .iter()
        .zip(&b[at..len])
        .take_while(|(x, y)| x == y)
        .count()
}

/// How many bytes `a` and `b` end with alike.
fn common_prefix_rev(a: &[u8], b: &[u8]) -> usize {
    const BLOCK: usize = 4096;
    let len = a.len().min(b.len());
    let (a, b) = (&a[a.len() - len..], &b[b.len() - len..]);
    let mut n = 0;
    while n + BLOCK <= len && a[len - n - BLOCK..len - n] == b[len - n - BLOCK..len - n] {
        n += BLOCK;
    }
    n + a[..len - n]
        .iter()
        .rev()
        .zip(b[..len - n].iter().rev())
        .take_while(|(x, y)| x == y)
        .count()
}

/// [`split_documents`] line by line, for texts with `\r` line breaks.
fn split_documents_by_line(text: &str) -> Vec<Chunk<'_>> {
    let mut chunks = Vec::new();
    let mut start = 0usize;
    let mut first_line = 1u32;
    let mut offset = 0usize;
    let mut pending_error = None;
    for (line_no, line) in (1u32..).zip(lines_with_breaks(text)) {
        if let Some(rest) = line.strip_prefix("---") {
            let trimmed = rest.trim();
            if rest.is_empty() || rest.starts_with([' ', '\t', '\r', '\n']) {
                chunks.push(Chunk {
                    text: &text[start..offset],
                    first_line,
                    separator_error: pending_error.take(),
                });
                if !trimmed.is_empty() && !trimmed.starts_with('#') {
                    pending_error = Some(format!(
                        "only a comment may follow the document separator `---` on its line, found {}",
                        go_quote(trimmed)
                    ));
                }
                start = offset + line.len();
                first_line = line_no + 1;
            }
        }
        offset += line.len();
    }
    chunks.push(Chunk {
        text: &text[start..],
        first_line,
        separator_error: pending_error,
    });
    chunks
}

fn to_span(span: saphyr_parser::Span, first_line: u32) -> Span {
    Span {
        start: to_pos(span.start, first_line),
        end: to_pos(span.end, first_line),
    }
}

fn to_pos(marker: saphyr_parser::Marker, first_line: u32) -> Pos {
    Pos {
        line: first_line + (marker.line().max(1) as u32) - 1,
        column: marker.col() as u32 + 1,
    }
}

type ParseError = (Span, String);

fn scan_error(e: ScanError, first_line: u32) -> ParseError {
    let pos = to_pos(*e.marker(), first_line);
    (
        Span {
            start: pos,
            end: pos,
        },
        e.info().to_string(),
    )
}

/// The first tree of a chunk that starts at `first_line`, as [`parse_chunk`] parses it
/// (`None` when it does not parse): how an object's node is read again
/// ([`crate::manifest::RawObject::node`]).
pub(crate) fn parse_root(text: &str, first_line: u32) -> Option<Node> {
    parse_one(text, first_line, &mut ParseWork::default())
        .ok()?
        .into_iter()
        .next()
}

/// Builds the trees of one chunk from the parser's events.
fn parse_one(text: &str, first_line: u32, work: &mut ParseWork) -> Result<Vec<Node>, ParseError> {
    let mut parser = Parser::new_from_str(text);
    let mut builder = Builder {
        first_line,
        stack: Vec::new(),
        anchors: HashMap::new(),
        recorded: Vec::new(),
        recording: 0,
        roots: Vec::new(),
        budget: alias_budget(text.len()),
        work,
    };
    while let Some(event) = parser.next_event() {
        let (event, span) = event.map_err(|e| scan_error(e, first_line))?;
        if builder.event(event, span)? {
            break;
        }
    }
    Ok(builder.roots)
}

/// How many nodes alias expansion may build in a chunk of `len` bytes: a few times what
/// the text could hold written out, so a "billion laughs" document is an error, not an
/// out-of-memory.
fn alias_budget(len: usize) -> usize {
    10_000 + len * 4
}

/// Mappings with more entries than this keep their keys in a set; smaller ones (nearly all
/// of a manifest's) are searched in place, which is quicker than hashing.
const LINEAR_KEYS: usize = 8;

/// The keys of a mapping being built, to find a duplicate without comparing every pair
/// (10,000 keys compared pairwise took 15 s).
#[derive(Default)]
struct Keys {
    /// Each key's string form and line, once the mapping outgrows [`LINEAR_KEYS`].
    set: Option<HashMap<Box<str>, u32>>,
}

impl Keys {
    /// The line of an earlier entry whose key's string form is `name`.
    fn find(&self, entries: &[Entry], name: &str, work: &mut ParseWork) -> Option<u32> {
        match &self.set {
            Some(set) => {
                work.key_comparisons += 1;
                set.get(name).copied()
            }
            None => {
                work.key_comparisons += entries.len() as u64;
                entries
                    .iter()
                    .find(|e| e.key.key_is(name))
                    .map(|e| e.key.span.start.line)
            }
        }
    }

    /// Notes the entry just pushed (its key's string form is `name`).
    fn add(&mut self, entries: &[Entry], name: Option<String>) {
        match &mut self.set {
            Some(set) => {
                if let (Some(name), Some(e)) = (name, entries.last()) {
                    set.entry(name.into()).or_insert(e.key.span.start.line);
                }
            }
            None if entries.len() > LINEAR_KEYS => {
                let mut set = HashMap::with_capacity(entries.len() * 2);
                for e in entries {
                    if let Some(name) = e.key.key_string() {
                        set.entry(name.into()).or_insert(e.key.span.start.line);
                    }
                }
                self.set = Some(set);
            }
            None => {}
        }
    }
}

/// A mapping being built.
struct MapFrame {
    entries: Vec<Entry>,
    keys: Keys,
    /// Entries merged in with `<<`, and their keys' string forms (the first merged wins).
    merged: Vec<Entry>,
    merged_keys: HashSet<Option<Box<str>>>,
    /// The key read, waiting for its value.
    key: Option<Node>,
}

enum Body {
    Seq(Vec<Node>),
    Map(Box<MapFrame>),
}

/// A sequence or mapping being built.
struct Frame {
    body: Body,
    start: Span,
    /// The anchor the node defines (0: none), and where its events start in
    /// [`Builder::recorded`].
    anchor: usize,
    recorded_from: usize,
    tag: Option<Box<str>>,
    /// For the copy an alias makes: the alias's span, which the copy takes.
    alias: Option<Span>,
}

/// Where an event comes from: the parser, or the replay of an anchored node's events
/// for an alias (the copy defines no anchors and is charged to the alias budget).
#[derive(Clone, Copy, PartialEq)]
enum Source {
    Parser,
    Replay {
        /// Set on the first event of the copy: the alias's span.
        alias: Option<Span>,
    },
}

struct Builder<'input, 'w> {
    first_line: u32,
    stack: Vec<Frame>,
    /// Each anchor's events, as a range of `recorded`.
    anchors: HashMap<usize, Range<usize>>,
    /// The events of anchored nodes, each recorded once however deeply anchors nest, and
    /// replayed where an alias names the anchor. (Keeping a copy of each anchored subtree
    /// instead made 250 nested anchors around 50,000 items take 1.2 GB without an alias.)
    recorded: Vec<(Event<'input>, Span)>,
    /// How many anchored nodes are open: their events are being recorded.
    recording: usize,
    roots: Vec<Node>,
    /// How many nodes alias expansion may still build.
    budget: usize,
    work: &'w mut ParseWork,
}

fn tag_string(tag: Option<&saphyr_parser::Tag>) -> Option<Box<str>> {
    tag.map(|t| {
        // saphyr reports the core schema's `!!` handle expanded; give it back its short form.
        if t.handle == "tag:yaml.org,2002:" {
            format!("!!{}", t.suffix).into()
        } else {
            format!("{}{}", t.handle, t.suffix).into()
        }
    })
}

impl<'input> Builder<'input, '_> {
    /// Feeds one event from the parser; returns true at the end of the stream.
    fn event(
        &mut self,
        event: Event<'input>,
        span: saphyr_parser::Span,
    ) -> Result<bool, ParseError> {
        let here = to_span(span, self.first_line);
        match event {
            Event::StreamEnd => Ok(true),
            Event::Alias(id) => {
                if self.recording > 0 {
                    // The copy of an anchored node holding this alias expands it again.
                    self.recorded.push((Event::Alias(id), here));
                }
                self.expand(id, here)?;
                Ok(false)
            }
            event => {
                if self.recording > 0
                    || matches!(
                        event,
                        Event::Scalar(_, _, a, _) | Event::SequenceStart(a, _) | Event::MappingStart(a, _) if a != 0
                    )
                {
                    self.recorded.push((event.clone(), here));
                }
                self.node_event(event, here, Source::Parser)?;
                Ok(false)
            }
        }
    }

    /// Builds the copy an alias names by replaying the anchored node's events (aliases
    /// inside it expand in turn), charging every node to the alias budget.
    fn expand(&mut self, id: usize, here: Span) -> Result<(), ParseError> {
        let unknown = || (here, "unknown anchor".to_string());
        let mut replays: Vec<(Range<usize>, Option<Span>)> = vec![(
            self.anchors.get(&id).cloned().ok_or_else(unknown)?,
            Some(here),
        )];
        while let Some((range, alias)) = replays.last_mut() {
            let Some(i) = range.next() else {
                replays.pop();
                continue;
            };
            let alias = alias.take();
            let (event, span) = self.recorded[i].clone();
            if let Event::Alias(inner) = event {
                let range = self.anchors.get(&inner).cloned().ok_or_else(unknown)?;
                replays.push((range, Some(span)));
                continue;
            }
            if matches!(
                event,
                Event::Scalar(..) | Event::SequenceStart(..) | Event::MappingStart(..)
            ) {
                if self.budget == 0 {
                    return Err((here, "document contains excessive aliasing".to_string()));
                }
                self.budget -= 1;
                self.work.alias_nodes += 1;
            }
            self.node_event(event, span, Source::Replay { alias })?;
        }
        Ok(())
    }

    /// Builds nodes from one event (not an alias).
    fn node_event(
        &mut self,
        event: Event<'input>,
        here: Span,
        source: Source,
    ) -> Result<(), ParseError> {
        let copy = match source {
            Source::Parser => None,
            Source::Replay { alias } => Some(alias),
        };
        // A copy defines no anchors: they were defined where the anchored node was written.
        let own = |anchor: usize| if copy.is_some() { 0 } else { anchor };
        let is_seq = matches!(event, Event::SequenceStart(..));
        match event {
            Event::StreamStart
            | Event::StreamEnd
            | Event::DocumentStart(_)
            | Event::DocumentEnd
            | Event::Nothing
            | Event::Alias(_) => {}
            Event::Scalar(text, style, anchor, tag) => {
                let style = match style {
                    ScalarStyle::Plain => Style::Plain,
                    ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted => Style::Quoted,
                    _ => Style::Block,
                };
                let node = Node {
                    value: Value::Scalar(text.into(), style),
                    span: copy.flatten().unwrap_or(here),
                    tag: tag_string(tag.as_deref()),
                };
                let anchor = own(anchor);
                if anchor != 0 {
                    // `event` recorded the scalar last.
                    let at = self.recorded.len() - 1;
                    self.anchors.insert(anchor, at..at + 1);
                }
                self.finish(node)?;
            }
            Event::SequenceStart(anchor, tag) | Event::MappingStart(anchor, tag) => {
                if self.stack.len() >= MAX_DEPTH {
                    return Err((here, format!("exceeded max depth of {MAX_DEPTH}")));
                }
                let anchor = own(anchor);
                if anchor != 0 {
                    self.recording += 1;
                }
                let body = if is_seq {
                    Body::Seq(Vec::new())
                } else {
                    Body::Map(Box::new(MapFrame {
                        entries: Vec::new(),
                        keys: Keys::default(),
                        merged: Vec::new(),
                        merged_keys: HashSet::new(),
                        key: None,
                    }))
                };
                self.stack.push(Frame {
                    body,
                    start: here,
                    anchor,
                    // `event` recorded the start of an anchored node last.
                    recorded_from: self.recorded.len().saturating_sub(1),
                    tag: tag_string(tag.as_deref()),
                    alias: copy.flatten(),
                });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let Some(frame) = self.stack.pop() else {
                    return Ok(());
                };
                let (value, end) = match frame.body {
                    Body::Seq(mut items) => {
                        let end = items.last().map_or(frame.start.end, |n| n.span.end);
                        // The tree is kept for the whole analysis: no spare capacity (most
                        // lists and mappings of a manifest hold one to three items).
                        items.shrink_to_fit();
                        (Value::Seq(items), end)
                    }
                    Body::Map(map) => {
                        let MapFrame {
                            mut entries,
                            keys,
                            merged,
                            ..
                        } = *map;
                        // Keys written in the mapping win over keys merged in with `<<`.
                        let written = entries.len();
                        for e in merged {
                            let taken = match e.key.key_string() {
                                Some(name) => {
                                    keys.find(&entries[..written], &name, self.work).is_some()
                                }
                                None => entries[..written]
                                    .iter()
                                    .any(|x| x.key.key_string().is_none()),
                            };
                            if !taken {
                                entries.push(e);
                            }
                        }
                        let end = entries.last().map_or(frame.start.end, |e| e.value.span.end);
                        entries.shrink_to_fit();
                        (Value::Map(entries), end)
                    }
                };
                let node = Node {
                    value,
                    span: frame.alias.unwrap_or(Span {
                        start: frame.start.start,
                        end,
                    }),
                    tag: frame.tag,
                };
                if frame.anchor != 0 {
                    self.anchors
                        .insert(frame.anchor, frame.recorded_from..self.recorded.len());
                    self.recording -= 1;
                }
                self.finish(node)?;
            }
        }
        Ok(())
    }

    /// A complete node: attach it to its parent.
    fn finish(&mut self, node: Node) -> Result<(), ParseError> {
        let Some(frame) = self.stack.last_mut() else {
            self.roots.push(node);
            return Ok(());
        };
        let map = match &mut frame.body {
            Body::Seq(items) => {
                items.push(node);
                return Ok(());
            }
            Body::Map(map) => map,
        };
        let Some(k) = map.key.take() else {
            map.key = Some(node);
            return Ok(());
        };
        if k.tag.is_none() && matches!(&k.value, Value::Scalar(t, Style::Plain) if &**t == "<<") {
            merge_into(&mut map.merged, &mut map.merged_keys, node, self.work);
            return Ok(());
        }
        let name = k.key_string();
        if let Some(n) = name.as_deref() {
            if let Some(line) = map.keys.find(&map.entries, n, self.work) {
                return Err((
                    k.span,
                    format!("mapping key {} already defined at line {line}", go_quote(n)),
                ));
            }
        }
        map.entries.push(Entry {
            key: k,
            value: node,
        });
        map.keys.add(&map.entries, name);
        Ok(())
    }
}

/// YAML merge keys (`<<: *defaults`): entries of the merged mapping(s) whose keys no
/// earlier merged mapping had (the mapping's own keys win later, at its end).
fn merge_into(
    entries: &mut Vec<Entry>,
    keys: &mut HashSet<Option<Box<str>>>,
    merged: Node,
    work: &mut ParseWork,
) {
    let sources: Vec<Node> = match merged.value {
        Value::Seq(items) => items,
        _ => vec![merged],
    };
    for source in sources {
        if let Value::Map(more) = source.value {
            for e in more {
                work.key_comparisons += 1;
                if keys.insert(e.key.key_string().map(Into::into)) {
                    entries.push(e);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_split_by_search_as_line_by_line() {
        let texts = [
            "",
            "---",
            "---\n",
            "a: 1\n---\nb: 2\n",
            "--- # c\na: 1\n--- x\nb: 2\n---\n\n---\t\nc: 3",
            "a---\n ---\n----\n---a\n--- \n---\n",
            "a: |\n  ---\n---\nb: \"---\"\n",
            "\n\n---\n\n\n--- bad\n",
        ];
        let shape = |chunks: Vec<Chunk>| -> Vec<(String, u32, Option<String>)> {
            chunks
                .into_iter()
                .map(|c| (c.text.to_string(), c.first_line, c.separator_error))
                .collect()
        };
        for text in texts {
            assert_eq!(
                shape(split_documents(text)),
                shape(split_documents_by_line(text)),
                "{text:?}"
            );
        }
        let dump = crate::examples::dump::large_dump(30, 2);
        assert_eq!(
            shape(split_documents(&dump)),
            shape(split_documents_by_line(&dump))
        );
    }

    #[test]
    fn an_edited_split_equals_a_whole_one() {
        let shape = |chunks: Vec<Chunk>| -> Vec<(String, u32, Option<String>)> {
            chunks
                .into_iter()
                .map(|c| (c.text.to_string(), c.first_line, c.separator_error))
                .collect()
        };
        let texts = [
            "",
            "---\n",
            "a: 1\n---\nb: 2\n",
            "--- # c\na: 1\n--- x\nb: 2\n---\n\n---\t\nc: 3",
            "a---\n ---\n----\n---a\n--- \n---\n",
            "\n\n---\n\n\n--- bad\n",
            // Ending with a separator line and no line break: its last chunk is empty and
            // starts after no line break (typing there changes the separator's line).
            "a: 1\n---",
            "---",
            "a: 1\n--- x",
            "a: 1\n--- # c",
        ];
        // Every place of each text, with each of these typed over 0, 1 or 4 bytes.
        let typed = ["", "-", "---\n", "\n", "x", "\n---", "--- y\n", "\r"];
        let mut edits = 0;
        for text in texts {
            let old = ChunkAt::of_all(text, &split_documents(text));
            assert!(!text.contains('\r'));
            for at in 0..=text.len() {
                for cut in [0, 1, 4] {
                    let end = (at + cut).min(text.len());
                    for t in typed {
                        let edited = format!("{}{t}{}", &text[..at], &text[end..]);
                        let whole = shape(split_documents(&edited));
                        match split_documents_after_edit(text, &old, &edited, None) {
                            Some((chunks, before, after)) => {
                                let n = chunks.len();
                                let got = shape(chunks);
                                assert_eq!(got, whole, "{text:?} → {edited:?}");
                                let before_chunks = shape(split_documents(text));
                                assert_eq!(got[..before], before_chunks[..before]);
                                for k in 0..after {
                                    let (new, old) = (
                                        &got[n - 1 - k],
                                        &before_chunks[before_chunks.len() - 1 - k],
                                    );
                                    assert_eq!((&new.0, &new.2), (&old.0, &old.2));
                                }
                                edits += 1;
                            }
                            None => assert!(edited.contains('\r'), "{text:?} → {edited:?}"),
                        }
                    }
                }
            }
        }
        assert!(edits > 1000, "{edits}");
        // A keystroke in a dump splits one chunk again; the others are those before.
        let dump = crate::examples::dump::large_dump(30, 2);
        let at = dump.find("port: 80").unwrap();
        let edited = format!("{}1{}", &dump[..at + 8], &dump[at + 8..]);
        let old = ChunkAt::of_all(&dump, &split_documents(&dump));
        let (chunks, before, after) =
            split_documents_after_edit(&dump, &old, &edited, None).unwrap();
        assert_eq!(before + after + 1, chunks.len());
        assert_eq!(shape(chunks), shape(split_documents(&edited)));
    }

    fn doc(text: &str) -> Node {
        let (docs, errors) = parse_documents(text);
        assert!(errors.is_empty(), "{errors:?}");
        docs.into_iter().next().unwrap().root.unwrap()
    }

    #[test]
    fn resolves_scalars_like_go_yaml_v2() {
        let n = doc(
            "a: yes\nb: '80'\nc: 80\nd: 0x1F\ne: 0777\nf: 1.5\ng: ~\nh: on\ni: 1_000\nj: .inf\nk: 10.0.0.1\n",
        );
        assert_eq!(n.get("a").unwrap().scalar(), Some(Scalar::Bool(true)));
        assert_eq!(n.get("b").unwrap().scalar(), Some(Scalar::Str("80")));
        assert_eq!(n.get("c").unwrap().scalar(), Some(Scalar::Int(80)));
        assert_eq!(n.get("d").unwrap().scalar(), Some(Scalar::Int(31)));
        assert_eq!(n.get("e").unwrap().scalar(), Some(Scalar::Int(511)));
        assert_eq!(n.get("f").unwrap().scalar(), Some(Scalar::Float(1.5)));
        assert_eq!(n.get("g").unwrap().scalar(), Some(Scalar::Null));
        assert_eq!(n.get("h").unwrap().scalar(), Some(Scalar::Bool(true)));
        assert_eq!(n.get("i").unwrap().scalar(), Some(Scalar::Int(1000)));
        assert_eq!(
            n.get("j").unwrap().scalar(),
            Some(Scalar::Float(f64::INFINITY))
        );
        assert_eq!(n.get("k").unwrap().scalar(), Some(Scalar::Str("10.0.0.1")));
    }

    #[test]
    fn spans_are_absolute_lines_and_columns() {
        let text = "a: 1\n---\n# c\nkind: Service\nspec:\n  ports:\n  - port: 80\n";
        let (docs, errors) = parse_documents(text);
        assert!(errors.is_empty());
        assert_eq!(docs.len(), 2);
        let root = docs[1].root.as_ref().unwrap();
        let span = root.locate("spec.ports[0].port");
        assert_eq!((span.start.line, span.start.column), (7, 5));
        // A missing field points at its nearest ancestor.
        let (found, span) = root.locate_key("spec.ports[0].targetPort");
        assert!(!found);
        assert_eq!(span.start.line, 7);
    }

    #[test]
    fn one_broken_document_does_not_hide_the_others() {
        let text = "a: 1\n---\nb: [1, 2\n---\nc: 3\n";
        let (docs, errors) = parse_documents(text);
        assert_eq!(docs.len(), 3);
        assert!(docs[0].root.is_some() && docs[1].root.is_none() && docs[2].root.is_some());
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].document, 1);
        assert!(errors[0].span.start.line >= 3, "{errors:?}");
    }

    #[test]
    fn aliases_merge_keys_and_bombs() {
        let n = doc("base: &b {a: 1, b: 2}\nderived:\n  <<: *b\n  b: 3\n");
        let d = n.get("derived").unwrap();
        assert_eq!(d.get("a").unwrap().as_int(), Some(1));
        assert_eq!(d.get("b").unwrap().as_int(), Some(3));
        // YAML 1.1, as go-yaml v2 reads it: the key `y` is the boolean true.
        let (_, errors) = parse_documents("x: 1\ny: 2\non: 3\n");
        assert_eq!(
            errors[0].message,
            "mapping key \"true\" already defined at line 2"
        );
        let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 0..12 {
            let prev = if i == 0 {
                "a".to_string()
            } else {
                format!("l{}", i - 1)
            };
            bomb.push_str(&format!("l{i}: &l{i} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"));
        }
        let (_, errors) = parse_documents(&bomb);
        assert_eq!(errors.len(), 1);
        assert!(errors[0].message.contains("excessive aliasing"));
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let text = "[".repeat(10_000);
        let (_, errors) = parse_documents(&text);
        assert_eq!(errors.len(), 1);
    }

    #[test]
    fn duplicate_keys_are_reported() {
        let (_, errors) = parse_documents("a: 1\nb: 2\na: 3\n");
        assert_eq!(
            errors[0].message,
            "mapping key \"a\" already defined at line 1"
        );
        assert_eq!(errors[0].span.start.line, 3);
    }

    #[test]
    fn duplicate_keys_in_a_large_mapping_are_found_through_a_set() {
        // 10,000 numeric keys: the work is linear (a set lookup per key past the first
        // few), where comparing every pair took 15 s.
        let mut text = String::new();
        for i in 0..10_000 {
            text.push_str(&format!("{i}: v\n"));
        }
        let (docs, errors, work) = parse_documents_counted(&text);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(
            docs[0].root.as_ref().unwrap().entries().unwrap().len(),
            10_000
        );
        assert!(work.key_comparisons < 3 * 10_000, "{work:?}");
        // A duplicate far down is still found, and points at the first definition; `0x10`
        // is the key 16, written differently.
        text.push_str("0x10: again\n");
        let (_, errors, _) = parse_documents_counted(&text);
        assert_eq!(
            errors[0].message,
            "mapping key \"16\" already defined at line 17"
        );
        assert_eq!(errors[0].span.start.line, 10_001);
    }

    #[test]
    fn merge_keys_are_checked_through_a_set() {
        let mut text = String::from("m:\n  a: own\n");
        for i in 0..10_000 {
            text.push_str(&format!("  <<: {{k{i}: {i}, a: merged}}\n"));
        }
        let (docs, errors, work) = parse_documents_counted(&text);
        assert!(errors.is_empty(), "{errors:?}");
        let m = docs[0].root.as_ref().unwrap().get("m").unwrap();
        // Written keys win; of the merged ones the first wins.
        assert_eq!(m.entries().unwrap().len(), 10_001);
        assert_eq!(m.get("a").unwrap().as_str(), Some("own"));
        assert_eq!(m.get("k9999").unwrap().as_int(), Some(9999));
        assert!(work.key_comparisons < 5 * 20_000, "{work:?}");
    }

    #[test]
    fn nested_anchors_are_not_copied_until_an_alias_names_them() {
        // 250 anchors nested around 10,000 items, no alias: nothing is copied (a copy per
        // anchor made 250 anchors around 50,000 items take 1.2 GB).
        let mut inner = format!("[{}]", vec!["x"; 10_000].join(", "));
        for i in 0..250 {
            inner = format!("&a{i} [{inner}]");
        }
        let (docs, errors, work) = parse_documents_counted(&format!("a: {inner}\n"));
        assert!(errors.is_empty(), "{errors:?}");
        assert!(docs[0].root.is_some());
        assert_eq!(work.alias_nodes, 0);
        // An alias copies exactly the anchored node, spans and all, taking the alias's
        // span itself; anchors inside the copy keep naming the originals.
        let text = "a: &a\n  b: &b [1, 2]\n  c: *b\nd: *a\ne: *b\n";
        let (docs, errors, work) = parse_documents_counted(text);
        assert!(errors.is_empty(), "{errors:?}");
        let root = docs[0].root.as_ref().unwrap();
        let mut a = root.get("a").unwrap().clone();
        a.span = root.get("d").unwrap().span;
        assert_eq!(root.get("d"), Some(&a));
        assert_eq!(root.get("d").unwrap().span.start.line, 4);
        assert_eq!(root.get("e").unwrap().items().unwrap().len(), 2);
        // c (3 nodes), d (a: 2 keys + b's 3 + c's 3 = 9), e (3).
        assert_eq!(work.alias_nodes, 15);
        // An alias to its own ancestor is refused, as before.
        let (_, errors) = parse_documents("a: &a [*a]\n");
        assert_eq!(errors[0].message, "unknown anchor");
    }

    #[test]
    fn alias_chains_deeper_than_the_nesting_limit_are_errors() {
        let mut text = String::from("a0: &a0 [x]\n");
        for i in 1..300 {
            text.push_str(&format!("a{i}: &a{i} [*a{}]\n", i - 1));
        }
        let (_, errors) = parse_documents(&text);
        assert_eq!(errors.len(), 1);
        assert!(
            errors[0].message.contains("max depth") || errors[0].message.contains("aliasing"),
            "{errors:?}"
        );
    }

    #[test]
    fn a_lone_carriage_return_breaks_lines() {
        // Old Mac line endings: the parser breaks lines at a lone CR, so the documents and
        // line numbers must too (the text was one comment line and silently empty).
        let text = "# c\rapiVersion: v1\rkind: Namespace\rmetadata:\r  name: x\r---\rb: 1\r";
        let (docs, errors) = parse_documents(text);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(docs.len(), 2);
        let root = docs[0].root.as_ref().unwrap();
        assert_eq!(root.get("kind").unwrap().as_str(), Some("Namespace"));
        assert_eq!(root.get("kind").unwrap().span.start.line, 3);
        assert_eq!((docs[1].first_line, docs[1].last_line), (7, 7));
        assert_eq!(
            docs[1]
                .root
                .as_ref()
                .unwrap()
                .get("b")
                .unwrap()
                .span
                .start
                .line,
            7
        );
        assert_eq!(count_line_breaks(text), 7);
        assert_eq!(count_line_breaks("a\r\nb\nc\rd"), 3);
        assert_eq!(
            lines_with_breaks("a\r\nb\nc\rd").collect::<Vec<_>>(),
            ["a\r\n", "b\n", "c\r", "d"]
        );
    }
}
