//! The scenario text as a stream of documents, and the pure edits of it.
//!
//! Every change a session makes is an edit of the scenario text: a document appended,
//! replaced or removed, the rest of the text kept byte for byte (comments, formatting,
//! the order of documents). Documents are separated by lines that start with `---`, as
//! kubectl's YAML reader splits a stream. [`documents`] finds them; [`Doc`] says what each
//! one holds (its apiVersion, kind, namespace and name, read from its own text), so the
//! edits can find an object without a full analysis.

use crate::manifest::yaml::{Node, parse_documents};

/// One document of the text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Doc {
    /// Byte range of the document's own lines (after its `---` line, up to the next one).
    pub start: usize,
    pub end: usize,
    /// Byte offset of the `---` line before it, if there is one.
    pub separator: Option<usize>,
    pub api_version: String,
    pub kind: String,
    pub name: String,
    /// `metadata.namespace` as written (empty when not written).
    pub namespace: String,
}

impl Doc {
    /// The document's text.
    pub fn text<'a>(&self, text: &'a str) -> &'a str {
        &text[self.start..self.end]
    }

    /// Whether the document is one of svcplay's own session documents (`File`,
    /// `Session`).
    pub fn is_session(&self) -> bool {
        super::is_session_kind(&self.api_version, &self.kind)
    }

    /// Whether it is the object `kind` `namespace/name` (kind as written, e.g.
    /// `Service`); `namespace` empty matches the object's default namespace too.
    pub fn is(&self, kind: &str, namespace: &str, name: &str) -> bool {
        self.kind == kind
            && self.name == name
            && (self.namespace == namespace
                || (self.namespace.is_empty() && (namespace == "default" || namespace.is_empty())))
    }

    /// Whether the document holds nothing but comments and blank lines.
    pub fn is_blank(&self, text: &str) -> bool {
        self.text(text)
            .lines()
            .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#'))
    }
}

/// Whether `line` (without its newline) starts a new document.
pub(crate) fn is_separator(line: &str) -> bool {
    line.strip_prefix("---").is_some_and(|rest| {
        rest.is_empty() || rest.starts_with(' ') || rest.starts_with('\t') || rest.starts_with('#')
    })
}

fn scalar_at<'a>(root: &'a Node, path: &[&str]) -> &'a str {
    let mut node = root;
    for key in path {
        match node.get(key) {
            Some(n) => node = n,
            None => return "",
        }
    }
    node.as_str().unwrap_or("")
}

/// The documents of `text`, in order.
pub fn documents(text: &str) -> Vec<Doc> {
    let mut docs = Vec::new();
    let mut start = 0usize;
    let mut separator = None;
    let mut offset = 0usize;
    for line in text.split_inclusive('\n') {
        if is_separator(line.trim_end_matches(['\n', '\r'])) {
            docs.push((separator, start, offset));
            separator = Some(offset);
            start = offset + line.len();
        }
        offset += line.len();
    }
    docs.push((separator, start, text.len()));
    docs.into_iter()
        .filter(|(sep, s, e)| sep.is_some() || *e > *s)
        .map(|(separator, start, end)| {
            let (parsed, _) = parse_documents(&text[start..end]);
            let root = parsed.into_iter().find_map(|d| d.root);
            let get = |path: &[&str]| root.as_ref().map_or("", |r| scalar_at(r, path)).to_string();
            Doc {
                start,
                end,
                separator,
                api_version: get(&["apiVersion"]),
                kind: get(&["kind"]),
                name: get(&["metadata", "name"]),
                namespace: get(&["metadata", "namespace"]),
            }
        })
        .collect()
}

/// `body` ending in exactly one newline.
fn with_newline(body: &str) -> String {
    let mut s = body.trim_end_matches('\n').to_string();
    s.push('\n');
    s
}

/// Replaces a document's own lines with `body`.
pub fn replace(text: &str, doc: &Doc, body: &str) -> String {
    format!(
        "{}{}{}",
        &text[..doc.start],
        with_newline(body),
        &text[doc.end..]
    )
}

/// Removes a document and its separator line.
pub fn remove(text: &str, doc: &Doc) -> String {
    let docs = documents(text);
    let index = docs.iter().position(|d| d.start == doc.start);
    let (from, to) = match (doc.separator, index) {
        (Some(sep), _) => (sep, doc.end),
        // The first document: take the separator of the next one with it.
        (None, Some(i)) => match docs.get(i + 1) {
            Some(next) => (doc.start, next.start),
            None => (doc.start, doc.end),
        },
        (None, None) => (doc.start, doc.end),
    };
    let mut out = String::with_capacity(text.len());
    out.push_str(&text[..from]);
    out.push_str(&text[to..]);
    out
}

/// Inserts `body` as a new document before the document `before` (or at the end).
pub fn insert(text: &str, before: Option<&Doc>, body: &str) -> String {
    let body = with_newline(body);
    match before {
        Some(doc) => {
            let at = doc.separator.unwrap_or(doc.start);
            if doc.separator.is_none() {
                // The first document: the new one goes first, then a separator.
                format!("{}{body}---\n{}", &text[..at], &text[at..])
            } else {
                format!("{}---\n{body}{}", &text[..at], &text[at..])
            }
        }
        None => {
            if text.trim().is_empty() {
                return body;
            }
            let mut out = text.to_string();
            if !out.ends_with('\n') {
                out.push('\n');
            }
            out.push_str("---\n");
            out.push_str(&body);
            out
        }
    }
}

/// Appends a cluster object: after the last document that is not one of the session's
/// own (files and the session document stay at the end of the text).
pub fn append_object(text: &str, body: &str) -> String {
    let docs = documents(text);
    let first_trailing = docs
        .iter()
        .rposition(|d| !d.is_session() && !d.is_blank(text))
        .map(|i| i + 1)
        .unwrap_or(0);
    // Blank documents right after the last object stay where they are.
    let before = docs[first_trailing..].iter().find(|d| d.is_session());
    insert(text, before, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "# lab\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: dev\n---\napiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: dev}\n--- # the session\napiVersion: svcplay.dev/v1alpha1\nkind: Session\ntime: \"2025-01-01T00:00:10Z\"\n";

    #[test]
    fn finds_documents_and_what_they_hold() {
        let docs = documents(TEXT);
        assert_eq!(docs.len(), 3);
        assert_eq!(docs[0].kind, "Namespace");
        assert!(docs[0].text(TEXT).starts_with("# lab"));
        assert!(docs[1].is("Service", "dev", "web"));
        assert!(docs[2].is_session());
    }

    #[test]
    fn edits_keep_everything_else() {
        let docs = documents(TEXT);
        let out = append_object(TEXT, "apiVersion: v1\nkind: Pod\nmetadata: {name: p}");
        let d = documents(&out);
        assert_eq!(
            d.iter().map(|d| d.kind.as_str()).collect::<Vec<_>>(),
            ["Namespace", "Service", "Pod", "Session"]
        );
        assert!(out.contains("--- # the session\n"));
        let removed = remove(TEXT, &docs[1]);
        assert_eq!(
            documents(&removed)
                .iter()
                .map(|d| d.kind.as_str())
                .collect::<Vec<_>>(),
            ["Namespace", "Session"]
        );
        let first = remove(TEXT, &docs[0]);
        assert!(
            first.starts_with("apiVersion: v1\nkind: Service"),
            "{first}"
        );
        let replaced = replace(TEXT, &docs[1], "kind: X\n\n");
        assert!(
            replaced.contains("---\nkind: X\n--- # the session"),
            "{replaced}"
        );
        assert_eq!(insert("", None, "a: 1"), "a: 1\n");
        assert_eq!(insert("a: 1", None, "b: 2"), "a: 1\n---\nb: 2\n");
    }
}
