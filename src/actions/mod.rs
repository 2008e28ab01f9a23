//! One-click actions of the page, as pure edits of the scenario text.
//!
//! Readiness, deletion and node loss live in the text (so a share link carries them; see
//! [`crate::controllers::workloads`] for what each one means). Each action takes the text
//! and returns the new text, changing as little as possible: one value replaced, or lines
//! inserted with the indentation of their neighbours, or one line removed. Comments and
//! formatting elsewhere are kept. Flow-style mappings (`metadata: {name: x}`) on the path of
//! an edit are not rewritten: the action reports [`ActionError::Unsupported`].
//!
//! - [`set_pod_ready`]: a written Pod gets its `Ready` (and `ContainersReady`) condition
//!   set; a generated Pod is added to / removed from its workload's
//!   `svcplay.dev/not-ready` annotation.
//! - [`delete_pod`] / [`restore_pod`]: a written Pod gets / loses
//!   `metadata.deletionTimestamp`; a generated Pod is added to / removed from
//!   `svcplay.dev/terminating`.
//! - [`finish_deletion`]: the deleted Pod is gone — a generated Pod moves from
//!   `svcplay.dev/terminating` to `svcplay.dev/deleted`; a written Pod's document is removed.
//! - [`scale`]: `spec.replicas` of a Deployment, ReplicaSet or StatefulSet.
//! - [`set_node_ready`]: the Node's `Ready` condition (`True` / `False`).

pub mod scheduler;

use crate::controllers::{
    DELETED_ANNOTATION, DELETION_TIME, NOT_READY_ANNOTATION, TERMINATING_ANNOTATION,
};
use crate::diag::{Pos, Span};
use crate::manifest::Kind;
use crate::manifest::yaml::{Node, Value};
use crate::model::Origin;
use crate::scenario::{Options, analyze};
use std::fmt;

/// Why an action could not edit the text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ActionError {
    /// The object is not in the scenario.
    NotFound(String),
    /// The text around the edit is written in a way svcplay does not rewrite.
    Unsupported(String),
}

impl fmt::Display for ActionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ActionError::NotFound(s) | ActionError::Unsupported(s) => f.write_str(s),
        }
    }
}

type Result<T> = std::result::Result<T, ActionError>;

// ---- text positions ------------------------------------------------------------------

/// Byte offset of a 1-based line/column (columns count characters).
fn offset(text: &str, pos: Pos) -> usize {
    let mut line = 1;
    let mut start = 0;
    if pos.line > 1 {
        for (i, b) in text.bytes().enumerate() {
            if b == b'\n' {
                line += 1;
                if line == pos.line {
                    start = i + 1;
                    break;
                }
            }
        }
        if line < pos.line {
            return text.len();
        }
    }
    let rest = &text[start..];
    let mut chars = rest.char_indices();
    for _ in 1..pos.column.max(1) {
        if chars.next().is_none() {
            return text.len();
        }
    }
    start + chars.next().map_or(rest.len(), |(i, _)| i)
}

/// Byte offset of the start of `line` (1-based); the end of the text past the last line.
fn line_start(text: &str, line: u32) -> usize {
    offset(text, Pos { line, column: 1 })
}

fn replace_span(text: &str, span: Span, with: &str) -> String {
    let (a, b) = (offset(text, span.start), offset(text, span.end));
    format!("{}{with}{}", &text[..a], &text[b..])
}

/// The last line any node of the subtree is written on.
fn last_line(node: &Node) -> u32 {
    match &node.value {
        Value::Scalar(..) => node.span.end.line,
        Value::Seq(items) => items
            .iter()
            .map(last_line)
            .max()
            .unwrap_or(node.span.end.line),
        Value::Map(entries) => entries
            .iter()
            .map(|e| last_line(&e.value).max(e.key.span.end.line))
            .max()
            .unwrap_or(node.span.end.line),
    }
}

/// Inserts whole lines after line `after`.
fn insert_lines(text: &str, after: u32, lines: &str) -> String {
    let at = line_start(text, after + 1);
    let mut out = String::with_capacity(text.len() + lines.len() + 1);
    out.push_str(&text[..at]);
    if at == text.len() && !text.is_empty() && !text.ends_with('\n') {
        out.push('\n');
    }
    out.push_str(lines);
    out.push_str(&text[at..]);
    out
}

fn is_block_map(node: &Node, text: &str) -> bool {
    matches!(node.value, Value::Map(_)) && !text[offset(text, node.span.start)..].starts_with('{')
}

fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// Sets `key: value` in the block mapping `map` (whose own key sits at `parent_indent`
/// columns when `map` is an empty value): replaces an existing scalar value, or adds the
/// entry (with nested `lines` when `value` is `None`).
fn set_entry(
    text: &str,
    map: &Node,
    parent_indent: usize,
    key: &str,
    value: &str,
) -> Result<String> {
    if let Some(entry) = map.entry(key) {
        if matches!(entry.value.value, Value::Scalar(..)) {
            return Ok(replace_span(text, entry.value.span, value));
        }
        return Err(ActionError::Unsupported(format!(
            "{key} holds a mapping or list; edit it by hand"
        )));
    }
    add_entry(text, map, parent_indent, &format!("{key}: {value}"))
}

/// Adds the (possibly multi-line, relative-indented) entry text to a block mapping.
fn add_entry(text: &str, map: &Node, parent_indent: usize, entry: &str) -> Result<String> {
    match &map.value {
        Value::Map(entries) if !entries.is_empty() => {
            if !is_block_map(map, text) {
                return Err(ActionError::Unsupported(
                    "the mapping is written in flow style ({...}); edit it by hand".into(),
                ));
            }
            let indent = (entries[0].key.span.start.column as usize).saturating_sub(1);
            Ok(insert_lines(text, last_line(map), &indented(entry, indent)))
        }
        Value::Scalar(s, _) if s.is_empty() || map.is_null() => {
            // `key:` with nothing after it: the entry goes on the next lines.
            let indent = parent_indent + 2;
            let block = indented(entry, indent);
            let at = offset(text, map.span.start);
            let mut out = String::new();
            let value_text_end = offset(text, map.span.end);
            out.push_str(text[..at].trim_end_matches([' ', '\t']));
            out.push('\n');
            out.push_str(block.trim_end_matches('\n'));
            out.push_str(&text[value_text_end..]);
            Ok(out)
        }
        _ => Err(ActionError::Unsupported(
            "the value is not a block mapping; edit it by hand".into(),
        )),
    }
}

fn indented(entry: &str, indent: usize) -> String {
    entry
        .lines()
        .map(|l| format!("{}{l}\n", " ".repeat(indent)))
        .collect()
}

/// Removes the whole lines of entry `key` of a block mapping.
fn remove_entry(text: &str, map: &Node, key: &str) -> Result<String> {
    let Some(entry) = map.entry(key) else {
        return Ok(text.to_string());
    };
    if !is_block_map(map, text) {
        return Err(ActionError::Unsupported(
            "the mapping is written in flow style ({...}); edit it by hand".into(),
        ));
    }
    let from = line_start(text, entry.key.span.start.line);
    let to = line_start(
        text,
        last_line(&entry.value).max(entry.key.span.end.line) + 1,
    );
    Ok(format!("{}{}", &text[..from], &text[to..]))
}

/// The column (0-based) of a mapping's key `key` inside `parent`.
fn key_indent(parent: &Node, key: &str) -> usize {
    parent
        .entry(key)
        .map_or(0, |e| (e.key.span.start.column as usize).saturating_sub(1))
}

// ---- finding objects -----------------------------------------------------------------

/// The raw object's node by kind, namespace and name.
fn find_raw<'m>(
    manifest: &'m crate::manifest::Manifest,
    kinds: &[Kind],
    namespace: Option<&str>,
    name: &str,
) -> Option<&'m crate::manifest::RawObject> {
    manifest.objects.iter().rev().find(|o| {
        kinds.contains(&o.kind)
            && o.name == name
            && namespace.is_none_or(|ns| o.namespace_or_default() == ns)
    })
}

/// Where a Pod comes from: written (raw object id) or generated by a workload (its id).
enum PodSource {
    Written(usize),
    Generated(usize),
}

fn pod_source(text: &str, namespace: &str, name: &str) -> Result<PodSource> {
    let analysis = analyze(text, Options { stored: true });
    let pod = analysis
        .objects
        .pods
        .iter()
        .find(|p| p.meta.namespace == namespace && p.meta.name == name)
        .ok_or_else(|| ActionError::NotFound(format!("no Pod {namespace}/{name}")))?;
    match pod.meta.origin {
        Origin::Written(id) => Ok(PodSource::Written(id)),
        Origin::Generated(id) => Ok(PodSource::Generated(id)),
        Origin::Builtin => Err(ActionError::NotFound(format!(
            "Pod {namespace}/{name} is not in the text"
        ))),
    }
}

/// Adds or removes `pod` in a workload's comma-separated annotation.
fn toggle_annotation(
    text: &str,
    workload: usize,
    key: &str,
    pod: &str,
    listed: bool,
) -> Result<String> {
    let manifest = crate::manifest::parse(text);
    let raw = manifest
        .object(workload)
        .ok_or_else(|| ActionError::NotFound("the workload is gone".into()))?;
    let root = &raw.node();
    let metadata = root
        .get("metadata")
        .ok_or_else(|| ActionError::Unsupported("the workload has no metadata".into()))?;
    let current: Vec<String> = metadata
        .get("annotations")
        .and_then(|a| a.get(key))
        .and_then(|v| v.as_str())
        .map(|v| {
            v.split([',', ' '])
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    let mut names = current.clone();
    names.retain(|n| n != pod);
    if listed {
        names.push(pod.to_string());
    }
    if names == current {
        return Ok(text.to_string());
    }
    let metadata_indent = key_indent(root, "metadata");
    match metadata.get("annotations") {
        Some(annotations) if !names.is_empty() => set_entry(
            text,
            annotations,
            key_indent(metadata, "annotations"),
            key,
            &quote(&names.join(",")),
        ),
        // The last annotation goes with its `annotations:` key: an empty (null) mapping
        // left behind could not take the next entry.
        Some(annotations) if annotations.entries().is_some_and(|e| e.len() == 1) => {
            remove_entry(text, metadata, "annotations")
        }
        Some(annotations) => remove_entry(text, annotations, key),
        None if names.is_empty() => Ok(text.to_string()),
        None => add_entry(
            text,
            metadata,
            metadata_indent,
            &format!("annotations:\n  {key}: {}", quote(&names.join(","))),
        ),
    }
}

/// Sets the status of condition `type_` under `status.conditions` of a raw object,
/// adding the condition (or `status`, or `conditions`) when missing.
fn set_condition(
    text: &str,
    object: usize,
    type_: &str,
    value: &str,
    create: bool,
) -> Result<String> {
    let manifest = crate::manifest::parse(text);
    let raw = manifest
        .object(object)
        .ok_or_else(|| ActionError::NotFound("the object is gone".into()))?;
    let root = &raw.node();
    let status = root.get("status");
    let conditions = status.and_then(|s| s.get("conditions"));
    if let Some(items) = conditions.and_then(|c| c.items()) {
        if let Some(item) = items
            .iter()
            .find(|c| c.get("type").and_then(|t| t.as_str()) == Some(type_))
        {
            return set_entry(text, item, 0, "status", &quote(value));
        }
        if !create {
            return Ok(text.to_string());
        }
        let Some(first) = items.first() else {
            return Err(ActionError::Unsupported(
                "conditions: [] is written in flow style; edit it by hand".into(),
            ));
        };
        if text[offset(text, conditions.map_or(first.span, |c| c.span).start)..].starts_with('[') {
            return Err(ActionError::Unsupported(
                "conditions are written in flow style; edit them by hand".into(),
            ));
        }
        let dash = (first.span.start.column as usize).saturating_sub(3);
        let lines = format!(
            "{0}- type: {type_}\n{0}  status: {1}\n",
            " ".repeat(dash),
            quote(value)
        );
        let after = conditions.map_or(first.span.end.line, last_line);
        return Ok(insert_lines(text, after, &lines));
    }
    if !create {
        return Ok(text.to_string());
    }
    let entry = format!("conditions:\n- type: {type_}\n  status: {}", quote(value));
    match status {
        Some(status) => add_entry(text, status, key_indent(root, "status"), &entry),
        None => add_entry(
            text,
            root,
            0,
            &format!("status:\n  {}", entry.replace('\n', "\n  ")),
        ),
    }
}

// ---- the actions -----------------------------------------------------------------------

/// Makes a Pod pass (`ready`) or fail its readiness probe.
pub fn set_pod_ready(text: &str, namespace: &str, pod: &str, ready: bool) -> Result<String> {
    match pod_source(text, namespace, pod)? {
        PodSource::Generated(workload) => {
            toggle_annotation(text, workload, NOT_READY_ANNOTATION, pod, !ready)
        }
        PodSource::Written(id) => {
            let value = if ready { "True" } else { "False" };
            let text = set_condition(text, id, "Ready", value, true)?;
            set_condition(&text, id, "ContainersReady", value, false)
        }
    }
}

/// Deletes a Pod: it stays, terminating (a Deployment replaces it at once).
pub fn delete_pod(text: &str, namespace: &str, pod: &str) -> Result<String> {
    match pod_source(text, namespace, pod)? {
        PodSource::Generated(workload) => {
            toggle_annotation(text, workload, TERMINATING_ANNOTATION, pod, true)
        }
        PodSource::Written(id) => {
            let manifest = crate::manifest::parse(text);
            let raw = manifest
                .object(id)
                .ok_or_else(|| ActionError::NotFound(format!("no Pod {namespace}/{pod}")))?;
            let tree = raw.node();
            let metadata = tree
                .get("metadata")
                .ok_or_else(|| ActionError::Unsupported("the Pod has no metadata".into()))?;
            if metadata.get("deletionTimestamp").is_some() {
                return Ok(text.to_string());
            }
            set_entry(
                text,
                metadata,
                key_indent(&tree, "metadata"),
                "deletionTimestamp",
                &quote(DELETION_TIME),
            )
        }
    }
}

/// Undoes [`delete_pod`].
pub fn restore_pod(text: &str, namespace: &str, pod: &str) -> Result<String> {
    match pod_source(text, namespace, pod)? {
        PodSource::Generated(workload) => {
            toggle_annotation(text, workload, TERMINATING_ANNOTATION, pod, false)
        }
        PodSource::Written(id) => {
            let manifest = crate::manifest::parse(text);
            let raw = manifest
                .object(id)
                .ok_or_else(|| ActionError::NotFound(format!("no Pod {namespace}/{pod}")))?;
            match raw.node().get("metadata") {
                Some(metadata) => remove_entry(text, metadata, "deletionTimestamp"),
                None => Ok(text.to_string()),
            }
        }
    }
}

/// Ends a deletion: the Pod has terminated and is gone. A generated Pod leaves the
/// workload's `svcplay.dev/terminating` list for `svcplay.dev/deleted`; a written Pod's
/// document is removed from the text (its lines, not the `---` around them).
pub fn finish_deletion(text: &str, namespace: &str, pod: &str) -> Result<String> {
    match pod_source(text, namespace, pod)? {
        PodSource::Generated(workload) => {
            // Added before the other is removed, so `annotations` never becomes empty.
            let text = toggle_annotation(text, workload, DELETED_ANNOTATION, pod, true)?;
            toggle_annotation(&text, workload, TERMINATING_ANNOTATION, pod, false)
        }
        PodSource::Written(id) => {
            let manifest = crate::manifest::parse(text);
            let raw = manifest
                .object(id)
                .ok_or_else(|| ActionError::NotFound(format!("no Pod {namespace}/{pod}")))?;
            if raw.list_item.is_some() {
                return Err(ActionError::Unsupported(
                    "the Pod is an item of a List; remove it by hand".into(),
                ));
            }
            let from = line_start(text, raw.span.start.line);
            let to = line_start(text, last_line(&raw.node()) + 1);
            Ok(format!("{}{}", &text[..from], &text[to..]))
        }
    }
}

/// Sets `spec.replicas` of a Deployment, ReplicaSet or StatefulSet.
pub fn scale(text: &str, namespace: &str, workload: &str, replicas: i64) -> Result<String> {
    let manifest = crate::manifest::parse(text);
    let raw = find_raw(
        &manifest,
        &[Kind::Deployment, Kind::ReplicaSet, Kind::StatefulSet],
        Some(namespace),
        workload,
    )
    .ok_or_else(|| ActionError::NotFound(format!("no workload {namespace}/{workload}")))?;
    let tree = raw.node();
    let spec = tree
        .get("spec")
        .ok_or_else(|| ActionError::Unsupported("the workload has no spec".into()))?;
    set_entry(
        text,
        spec,
        key_indent(&tree, "spec"),
        "replicas",
        &replicas.max(0).to_string(),
    )
}

/// Sets a Node's `Ready` condition: `false` models node loss.
pub fn set_node_ready(text: &str, node: &str, ready: bool) -> Result<String> {
    let manifest = crate::manifest::parse(text);
    let raw = find_raw(&manifest, &[Kind::Node], None, node).ok_or_else(|| {
        ActionError::NotFound(format!(
            "no Node {node} in the scenario (write a Node object to take it down)"
        ))
    })?;
    set_condition(
        text,
        raw.id,
        "Ready",
        if ready { "True" } else { "False" },
        true,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCENARIO: &str = "\
# web tier
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web   # the app
  namespace: dev
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx
---
apiVersion: v1
kind: Node
metadata:
  name: worker-1
---
apiVersion: v1
kind: Pod
metadata:
  name: debug
  namespace: dev
status:
  phase: Running
  podIP: 10.244.0.50
  podIPs:
  - ip: 10.244.0.50
  conditions:
  - type: Ready
    status: \"True\"
";

    fn pods(text: &str) -> Vec<crate::model::Pod> {
        analyze(text, Options { stored: true }).objects.pods
    }

    fn generated(text: &str) -> Vec<String> {
        pods(text)
            .into_iter()
            .filter(|p| matches!(p.meta.origin, Origin::Generated(_)))
            .map(|p| p.meta.name)
            .collect()
    }

    #[test]
    fn readiness_of_a_generated_pod_goes_into_an_annotation() {
        let name = generated(SCENARIO)[0].clone();
        let text = set_pod_ready(SCENARIO, "dev", &name, false).unwrap();
        assert!(text.contains(&format!(
            "  annotations:\n    svcplay.dev/not-ready: \"{name}\"\n"
        )));
        assert!(text.contains("name: web   # the app"), "comments are kept");
        let pod = pods(&text)
            .into_iter()
            .find(|p| p.meta.name == name)
            .unwrap();
        assert!(!pod.is_ready());
        let back = set_pod_ready(&text, "dev", &name, true).unwrap();
        assert!(!back.contains("svcplay.dev/not-ready:"));
        assert!(
            pods(&back)
                .iter()
                .all(|p| p.meta.name != name || p.is_ready())
        );
    }

    #[test]
    fn readiness_of_a_written_pod_edits_its_condition() {
        let text = set_pod_ready(SCENARIO, "dev", "debug", false).unwrap();
        assert_eq!(
            text,
            SCENARIO.replace("status: \"True\"", "status: \"False\"")
        );
        let bare = "kind: Pod\napiVersion: v1\nmetadata:\n  name: p\n";
        let text = set_pod_ready(bare, "default", "p", true).unwrap();
        assert_eq!(
            text,
            "kind: Pod\napiVersion: v1\nmetadata:\n  name: p\nstatus:\n  conditions:\n  - type: Ready\n    status: \"True\"\n"
        );
    }

    #[test]
    fn deleting_a_deployment_pod_makes_a_replacement() {
        let name = generated(SCENARIO)[0].clone();
        let text = delete_pod(SCENARIO, "dev", &name).unwrap();
        let all = pods(&text);
        let gone = all.iter().find(|p| p.meta.name == name).unwrap();
        assert!(gone.is_terminating());
        assert_eq!(
            generated(&text).len(),
            3,
            "two active pods plus the terminating one"
        );
        let back = restore_pod(&text, "dev", &name).unwrap();
        assert_eq!(generated(&back).len(), 2);
        // Restoring removes the annotation it added, so deleting again works the same.
        assert_eq!(back, SCENARIO);
        assert_eq!(delete_pod(&back, "dev", &name).unwrap(), text);
        let written = delete_pod(SCENARIO, "dev", "debug").unwrap();
        assert!(
            written.contains(
                "  namespace: dev\n  deletionTimestamp: \"2025-01-01T00:00:05Z\"\nstatus:"
            )
        );
        assert_eq!(restore_pod(&written, "dev", "debug").unwrap(), SCENARIO);
    }

    #[test]
    fn a_finished_deletion_leaves_only_the_replacement() {
        let name = generated(SCENARIO)[0].clone();
        let terminating = delete_pod(SCENARIO, "dev", &name).unwrap();
        let gone = finish_deletion(&terminating, "dev", &name).unwrap();
        let now = generated(&gone);
        assert_eq!(now.len(), 2, "{now:?}\n{gone}");
        assert!(!now.contains(&name));
        assert!(gone.contains("svcplay.dev/deleted"), "{gone}");
        assert!(!gone.contains("svcplay.dev/terminating: \""), "{gone}");
        // A written Pod's document goes; the others stay as they were.
        let written = finish_deletion(SCENARIO, "dev", "debug").unwrap();
        assert!(!pods(&written).iter().any(|p| p.meta.name == "debug"));
        assert!(written.contains("kind: Node\nmetadata:\n  name: worker-1\n"));
        assert!(!written.contains("podIP: 10.244.0.50"));
    }

    #[test]
    fn scaling_edits_replicas_only() {
        let text = scale(SCENARIO, "dev", "web", 5).unwrap();
        assert_eq!(text, SCENARIO.replace("replicas: 2", "replicas: 5"));
        assert_eq!(generated(&text).len(), 5);
        let before = generated(SCENARIO);
        assert_eq!(
            generated(&text)[..2],
            before[..],
            "scaling up keeps the Pods"
        );
        assert!(matches!(
            scale(SCENARIO, "dev", "nope", 1),
            Err(ActionError::NotFound(_))
        ));
    }

    #[test]
    fn node_loss_marks_its_pods_not_ready() {
        let text = set_node_ready(SCENARIO, "worker-1", false).unwrap();
        assert!(text.contains(
            "  name: worker-1\nstatus:\n  conditions:\n  - type: Ready\n    status: \"False\"\n"
        ));
        let analysis = analyze(&text, Options { stored: true });
        assert!(
            analysis
                .objects
                .pods
                .iter()
                .filter(|p| p.spec.node_name.as_deref() == Some("worker-1"))
                .all(|p| !p.is_ready())
        );
        let back = set_node_ready(&text, "worker-1", true).unwrap();
        assert!(back.contains("status: \"True\""));
        assert!(matches!(
            set_node_ready(SCENARIO, "x", false),
            Err(ActionError::NotFound(_))
        ));
    }
}
