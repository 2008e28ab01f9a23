//! Editing the scenario text to choose IPVS mode and its scheduler (the page's picker).
//!
//! [`set_scheduler`] changes as little of the user's text as it can: it rewrites the
//! value of `mode` and `ipvs.scheduler` in place when they are written, adds the missing
//! lines next to their siblings with the siblings' indentation otherwise, and only when
//! the scenario has no KubeProxyConfiguration appends one. Comments, quoting and every
//! other document stay byte for byte as they were.

use crate::diag::Pos;
use crate::manifest::yaml::{Node, Value, parse_documents};

/// One replacement of `text[start..end]`.
struct Edit {
    start: usize,
    end: usize,
    with: String,
}

/// Byte offsets of line starts, to turn (line, column) positions into offsets.
struct Lines<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> Lines<'a> {
    fn new(text: &'a str) -> Lines<'a> {
        let mut starts = vec![0];
        for (i, b) in text.bytes().enumerate() {
            if b == b'\n' {
                starts.push(i + 1);
            }
        }
        Lines { text, starts }
    }

    /// The byte offset of a 1-based line and 1-based character column.
    fn offset(&self, pos: Pos) -> usize {
        let line = (pos.line.max(1) as usize - 1).min(self.starts.len() - 1);
        let start = self.starts[line];
        let rest = &self.text[start..];
        let chars = pos.column.max(1) as usize - 1;
        start
            + rest
                .char_indices()
                .nth(chars)
                .map_or(rest.len(), |(i, _)| i)
    }

    /// The offset of the start of the line after `line` (or the end of the text).
    fn after_line(&self, line: u32) -> usize {
        self.starts
            .get(line as usize)
            .copied()
            .unwrap_or(self.text.len())
    }

    /// The offset of the end of `line`, before its newline.
    fn line_end(&self, line: u32) -> usize {
        let next = self.after_line(line);
        if next > 0 && self.text.as_bytes().get(next - 1) == Some(&b'\n') {
            let mut end = next - 1;
            if end > 0 && self.text.as_bytes().get(end - 1) == Some(&b'\r') {
                end -= 1;
            }
            end
        } else {
            next
        }
    }
}

fn is_kube_proxy_configuration(root: &Node) -> bool {
    root.get("kind").and_then(Node::as_str) == Some("KubeProxyConfiguration")
}

/// The byte range of a scalar value: the span the parser reports, except that a quoted
/// scalar ends at its closing quote (the reported end runs on over trailing blanks).
fn scalar_range(text: &str, lines: &Lines, node: &Node) -> (usize, usize) {
    let start = lines.offset(node.span.start);
    let end = lines.offset(node.span.end);
    let quote = text[start..].chars().next();
    match quote {
        Some(q @ ('"' | '\'')) => {
            let bytes = text.as_bytes();
            let mut i = start + 1;
            while i < bytes.len() {
                match bytes[i] {
                    b'\\' if q == '"' => i += 2,
                    b'\'' if q == '\'' && bytes.get(i + 1) == Some(&b'\'') => i += 2,
                    b if b == q as u8 => return (start, i + 1),
                    _ => i += 1,
                }
            }
            (start, end)
        }
        _ => (start, end),
    }
}

/// Where a value goes after `key:` when it has none: just past the colon.
fn after_colon(text: &str, lines: &Lines, key: &Node) -> usize {
    let key_end = lines.offset(key.span.end);
    let line_end = lines.line_end(key.span.start.line);
    text[key_end..line_end.max(key_end)]
        .find(':')
        .map_or(line_end, |i| key_end + i + 1)
}

/// A scalar value that can be replaced in place.
fn scalar_value(node: &Node) -> bool {
    matches!(node.value, Value::Scalar(..)) && !node.is_null()
}

/// Sets `mode: ipvs` and `ipvs.scheduler: SCHEDULER` in the scenario's
/// KubeProxyConfiguration, adding one (with kubeadm's `clusterCIDR`, so nothing else
/// changes) when there is none.
pub fn set_scheduler(text: &str, scheduler: &str) -> String {
    let (documents, _) = parse_documents(text);
    let Some((doc, root)) = documents.iter().find_map(|d| {
        d.root
            .as_ref()
            .filter(|r| is_kube_proxy_configuration(r))
            .map(|r| (d, r))
    }) else {
        return append_configuration(text, scheduler);
    };
    let lines = Lines::new(text);
    let mut edits: Vec<Edit> = Vec::new();
    let root_entries = root.entries().unwrap_or(&[]);
    let indent = root_entries
        .first()
        .map_or(0, |e| e.key.span.start.column.saturating_sub(1) as usize);
    let pad = " ".repeat(indent);

    // mode: ipvs.
    match root.entry("mode") {
        Some(e) if scalar_value(&e.value) => {
            if e.value.as_str() != Some("ipvs") {
                let (start, end) = scalar_range(text, &lines, &e.value);
                edits.push(Edit {
                    start,
                    end,
                    with: "ipvs".into(),
                });
            }
        }
        Some(e) => {
            let at = lines.line_end(e.key.span.start.line);
            let start = lines.offset(e.key.span.end);
            let colon = text[start..at].find(':').map_or(at, |i| start + i + 1);
            edits.push(Edit {
                start: colon,
                end: at,
                with: " ipvs".into(),
            });
        }
        None => {
            let after = root
                .entry("kind")
                .map_or(doc.first_line, |e| e.value.span.end.line);
            let at = lines.after_line(after);
            edits.push(Edit {
                start: at,
                end: at,
                with: format!("{}{pad}mode: ipvs\n", newline_if_needed(text, at)),
            });
        }
    }

    // ipvs.scheduler.
    match root.entry("ipvs") {
        Some(e) => match (&e.value.value, e.value.get("scheduler")) {
            (Value::Map(_), Some(s)) if scalar_value(s) => {
                if s.as_str() != Some(scheduler) {
                    let (start, end) = scalar_range(text, &lines, s);
                    edits.push(Edit {
                        start,
                        end,
                        with: scheduler.to_string(),
                    });
                }
            }
            (Value::Map(_), Some(s)) if s.is_null() => {
                let key = e
                    .value
                    .entry("scheduler")
                    .map(|entry| &entry.key)
                    .expect("the entry exists");
                let at = after_colon(text, &lines, key);
                edits.push(Edit {
                    start: at,
                    end: at,
                    with: format!(" {scheduler}"),
                });
            }
            (Value::Map(children), _) => {
                let value_start = lines.offset(e.value.span.start);
                if text[value_start..].starts_with('{') {
                    let inner = value_start + 1;
                    let with = if children.is_empty() {
                        format!("scheduler: {scheduler}")
                    } else {
                        format!("scheduler: {scheduler}, ")
                    };
                    edits.push(Edit {
                        start: inner,
                        end: inner,
                        with,
                    });
                } else if let Some(first) = children.first() {
                    let child_pad =
                        " ".repeat(first.key.span.start.column.saturating_sub(1) as usize);
                    let at = lines.after_line(first.key.span.start.line - 1);
                    edits.push(Edit {
                        start: at,
                        end: at,
                        with: format!("{child_pad}scheduler: {scheduler}\n"),
                    });
                }
            }
            _ => {
                // `ipvs:` with no value, `ipvs: null` or a scalar: give it a mapping.
                let (start, end) = if matches!(&e.value.value, Value::Scalar(t, _) if !t.is_empty())
                {
                    scalar_range(text, &lines, &e.value)
                } else {
                    let colon = after_colon(text, &lines, &e.key);
                    let line_end = lines.line_end(e.key.span.start.line);
                    if text[colon..line_end.max(colon)].contains('#') {
                        (line_end, line_end)
                    } else {
                        (colon, line_end.max(colon))
                    }
                };
                edits.push(Edit {
                    start,
                    end,
                    with: format!("\n{pad}  scheduler: {scheduler}"),
                });
            }
        },
        None => {
            let at = lines.after_line(doc.last_line);
            edits.push(Edit {
                start: at,
                end: at,
                with: format!(
                    "{}{pad}ipvs:\n{pad}  scheduler: {scheduler}\n",
                    newline_if_needed(text, at)
                ),
            });
        }
    }
    apply(text, edits)
}

/// A newline to put before text inserted at `at`, when `at` is not a line start.
fn newline_if_needed(text: &str, at: usize) -> &'static str {
    if at == 0 || text.as_bytes().get(at - 1) == Some(&b'\n') {
        ""
    } else {
        "\n"
    }
}

fn apply(text: &str, mut edits: Vec<Edit>) -> String {
    crate::sort::sort_by_key(&mut edits, |e| std::cmp::Reverse((e.start, e.end)));
    let mut out = text.to_string();
    for e in edits {
        if e.start <= e.end && e.end <= out.len() {
            out.replace_range(e.start..e.end, &e.with);
        }
    }
    out
}

fn append_configuration(text: &str, scheduler: &str) -> String {
    let mut out = text.to_string();
    if !out.trim().is_empty() {
        if !out.ends_with('\n') {
            out.push('\n');
        }
        out.push_str("---\n");
    }
    out.push_str(&format!(
        "apiVersion: kubeproxy.config.k8s.io/v1alpha1\n\
         kind: KubeProxyConfiguration\n\
         mode: ipvs\n\
         # kubeadm's kube-proxy ConfigMap (--pod-network-cidr=10.244.0.0/16).\n\
         clusterCIDR: 10.244.0.0/16\n\
         ipvs:\n  scheduler: {scheduler}\n"
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scheduler_of(text: &str) -> (Option<String>, Option<String>) {
        let (docs, errors) = parse_documents(text);
        assert!(errors.is_empty(), "{errors:?}\n{text}");
        let root = docs
            .iter()
            .filter_map(|d| d.root.as_ref())
            .find(|r| is_kube_proxy_configuration(r))
            .expect("a KubeProxyConfiguration");
        (
            root.get("mode").and_then(Node::as_str).map(String::from),
            root.get("ipvs")
                .and_then(|i| i.get("scheduler"))
                .and_then(Node::as_str)
                .map(String::from),
        )
    }

    #[test]
    fn appends_a_configuration_when_there_is_none() {
        let text = "apiVersion: v1\nkind: Service\nmetadata: {name: web}  # mine\n";
        let out = set_scheduler(text, "wrr");
        assert!(out.starts_with(text));
        assert_eq!(
            scheduler_of(&out),
            (Some("ipvs".into()), Some("wrr".into()))
        );
        // The appended configuration keeps the default cluster's clusterCIDR.
        assert!(out.contains("clusterCIDR: 10.244.0.0/16\n"));
        assert_eq!(
            scheduler_of(&set_scheduler("", "sh")).1.as_deref(),
            Some("sh")
        );
        // No trailing newline in the user's text.
        let out = set_scheduler("kind: Namespace\napiVersion: v1\nmetadata: {name: a}", "lc");
        assert!(out.starts_with("kind: Namespace\napiVersion: v1\nmetadata: {name: a}\n---\n"));
    }

    #[test]
    fn rewrites_written_values_in_place() {
        let text = "# top\napiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\nmode: \"iptables\"   # was iptables\nipvs:\n  scheduler: rr # default\n  strictARP: true\n---\nkind: Service\n";
        let out = set_scheduler(text, "mh");
        assert_eq!(
            out,
            "# top\napiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\nmode: ipvs   # was iptables\nipvs:\n  scheduler: mh # default\n  strictARP: true\n---\nkind: Service\n"
        );
        // Idempotent.
        assert_eq!(set_scheduler(&out, "mh"), out);
    }

    #[test]
    fn adds_missing_lines_next_to_their_siblings() {
        let text = "apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\nclusterCIDR: 10.0.0.0/8\n";
        let out = set_scheduler(text, "sed");
        assert_eq!(
            out,
            "apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\nmode: ipvs\nclusterCIDR: 10.0.0.0/8\nipvs:\n  scheduler: sed\n"
        );
        let text = "kind: KubeProxyConfiguration\napiVersion: kubeproxy.config.k8s.io/v1alpha1\nmode: ipvs\nipvs:\n    strictARP: true\n";
        let out = set_scheduler(text, "nq");
        assert_eq!(
            out,
            "kind: KubeProxyConfiguration\napiVersion: kubeproxy.config.k8s.io/v1alpha1\nmode: ipvs\nipvs:\n    scheduler: nq\n    strictARP: true\n"
        );
    }

    #[test]
    fn handles_flow_and_empty_ipvs_sections() {
        let text = "kind: KubeProxyConfiguration\napiVersion: kubeproxy.config.k8s.io/v1alpha1\nmode: ipvs\nipvs: {strictARP: true}\n";
        let out = set_scheduler(text, "dh");
        assert_eq!(scheduler_of(&out), (Some("ipvs".into()), Some("dh".into())));
        assert!(out.contains("ipvs: {scheduler: dh, strictARP: true}\n"));
        let text = "kind: KubeProxyConfiguration\napiVersion: kubeproxy.config.k8s.io/v1alpha1\nmode: ipvs\nipvs: {scheduler: rr}\n";
        assert!(set_scheduler(text, "lblc").contains("ipvs: {scheduler: lblc}\n"));
        let text = "kind: KubeProxyConfiguration\napiVersion: kubeproxy.config.k8s.io/v1alpha1\nipvs:\nmode: ipvs\n";
        let out = set_scheduler(text, "wlc");
        assert_eq!(
            scheduler_of(&out),
            (Some("ipvs".into()), Some("wlc".into()))
        );
        let text = "kind: KubeProxyConfiguration\napiVersion: kubeproxy.config.k8s.io/v1alpha1\nipvs: {}\n";
        let out = set_scheduler(text, "rr");
        assert_eq!(scheduler_of(&out), (Some("ipvs".into()), Some("rr".into())));
        for text in [
            "kind: KubeProxyConfiguration\napiVersion: kubeproxy.config.k8s.io/v1alpha1\nipvs: ~  # none\n",
            "kind: KubeProxyConfiguration\napiVersion: kubeproxy.config.k8s.io/v1alpha1\nipvs:   # none\n",
        ] {
            let out = set_scheduler(text, "lc");
            assert_eq!(
                scheduler_of(&out),
                (Some("ipvs".into()), Some("lc".into())),
                "{out}"
            );
        }
        let text = "kind: KubeProxyConfiguration\napiVersion: kubeproxy.config.k8s.io/v1alpha1\nipvs:\n  scheduler:\n";
        let out = set_scheduler(text, "sh");
        assert_eq!(
            scheduler_of(&out),
            (Some("ipvs".into()), Some("sh".into())),
            "{out}"
        );
    }

    #[test]
    fn keeps_other_documents_and_unicode_untouched() {
        let text = "apiVersion: v1\nkind: ConfigMap # 配置\n---\napiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\nmode: iptables\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: 开发}\n";
        let out = set_scheduler(text, "wrr");
        assert_eq!(
            out,
            "apiVersion: v1\nkind: ConfigMap # 配置\n---\napiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\nmode: ipvs\nipvs:\n  scheduler: wrr\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: 开发}\n"
        );
    }
}
