//! What `kubectl apply -f FILE...` prints against a fresh cluster (`svcplay apply`).
//!
//! The API server's decisions are already in [`Analysis::admissions`]; this module only
//! words them as kubectl v1.35 does (validation.md §3): per object in file order,
//! `service/NAME created` on stdout (or the object as YAML with `-o yaml`), the server's
//! warnings as `Warning: ...` on stderr as they arrive, and the errors at the end — one
//! error alone in its own form (`The Service "x" is invalid: ...`, `Error from server
//! (BadRequest): error when creating "f": ...`, `error: ...`), several errors one per line
//! in `StandardErrorMessage` form. Client-side problems (YAML syntax, missing
//! apiVersion/kind, unknown kinds, missing names) are found here from the documents, the
//! way kubectl's resource builder finds them before anything is sent: a document that
//! does not parse, or lacks apiVersion/kind, ends the reading of its file.
//!
//! One simplification: kubectl nests the builder's errors in an aggregate before the
//! apply errors; svcplay prints the same messages flattened, builder errors first.

use super::yaml::{self, Yaml};
use crate::apiserver::{Admission, is_scenario_configuration};
use crate::diag::Stage;
use crate::manifest::yaml::{Node, Scalar, Value};
use crate::manifest::{Kind, RawObject};
use crate::quote::go as q;
use crate::scenario::Analysis;
use crate::views::CommandOutput;
use std::collections::{HashMap, HashSet};

/// One file of the command line and where it starts in the scenario text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceFile {
    /// As given on the command line; `-` is standard input (kubectl says `STDIN`).
    pub name: String,
    /// The line of the concatenated scenario text where the file starts.
    pub first_line: u32,
}

/// `-o` of `kubectl apply`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Format {
    /// `service/NAME created`.
    #[default]
    Default,
    /// The stored objects, as `kubectl get -o yaml` prints them.
    Yaml,
}

enum Failure<'a> {
    /// A client-side error, already worded (without kubectl's `error: ` prefix).
    Client(String),
    /// The API server refused an object.
    Server(&'a Admission, String),
}

/// kubeconfig-free kubectl resource names of kinds svcplay reads but does not model.
fn resource_of(api_version: &str, kind: &str) -> String {
    let lower = kind.to_lowercase();
    match api_version.split_once('/') {
        Some((group, _)) => format!("{lower}.{group}"),
        None => lower,
    }
}

/// `GroupVersionResource.String()` and `GroupVersionKind.String()` of a known kind.
fn mapping_text(kind: Kind) -> String {
    let (group, version) = match kind.api_version().split_once('/') {
        Some((g, v)) => (g, v),
        None => ("", kind.api_version()),
    };
    let plural = match kind {
        Kind::Endpoints => "endpoints".to_string(),
        other => format!("{}s", other.name().to_lowercase()),
    };
    format!(
        "Resource: \"{group}/{version}, Resource={plural}\", GroupVersionKind: \"{group}/{version}, Kind={}\"",
        kind.name()
    )
}

fn json_kind(node: &Node) -> &'static str {
    match &node.value {
        Value::Seq(_) => "array",
        Value::Map(_) => "object",
        Value::Scalar(..) => match node.scalar() {
            Some(Scalar::Bool(_)) => "bool",
            Some(Scalar::Int(_)) | Some(Scalar::Float(_)) => "number",
            _ => "string",
        },
    }
}

pub use crate::manifest::emit::from_node;

/// Removes a dotted field path from a printed object (a field the server dropped).
fn remove_path(value: &mut Yaml, path: &str) {
    let (parent, last) = match path.rsplit_once('.') {
        Some((p, l)) => (Some(p), l),
        None => (None, path),
    };
    let mut at = value;
    for step in parent.into_iter().flat_map(|p| p.split('.')) {
        let Yaml::Map(entries) = at else { return };
        let Some((_, next)) = entries.iter_mut().find(|(k, _)| k == step) else {
            return;
        };
        at = next;
    }
    if let Yaml::Map(entries) = at {
        entries.retain(|(k, _)| k != last);
    }
}

/// The object the server would return for a written object of a kind svcplay does not
/// serialise itself: the document, with the namespace filled in and the server's
/// bookkeeping dropped.
fn generic_yaml(node: &Node, namespaced: bool, namespace: &str) -> Yaml {
    let mut value = from_node(node);
    if let Yaml::Map(entries) = &mut value {
        if let Some((_, Yaml::Map(meta))) = entries.iter_mut().find(|(k, _)| k == "metadata") {
            meta.retain(|(k, _)| {
                !matches!(
                    k.as_str(),
                    "uid" | "resourceVersion" | "creationTimestamp" | "managedFields"
                )
            });
            if namespaced && !meta.iter().any(|(k, _)| k == "namespace") {
                meta.push(("namespace".into(), Yaml::str(namespace)));
            }
        }
    }
    value
}

/// A Namespace as the server returns it: the name label, the `kubernetes` finalizer and
/// the Active phase are added by the server.
fn namespace_yaml(name: &str, node: &Node) -> Yaml {
    let mut labels: Vec<(String, Yaml)> = node
        .get("metadata")
        .and_then(|m| m.get("labels"))
        .map(from_node)
        .and_then(|l| match l {
            Yaml::Map(e) => Some(e),
            _ => None,
        })
        .unwrap_or_default();
    labels.retain(|(k, _)| k != "kubernetes.io/metadata.name");
    labels.push(("kubernetes.io/metadata.name".into(), Yaml::str(name)));
    yaml::map(vec![
        ("apiVersion", Some(Yaml::str("v1"))),
        ("kind", Some(Yaml::str("Namespace"))),
        (
            "metadata",
            Some(yaml::map(vec![
                ("labels", Some(Yaml::Map(labels))),
                ("name", Some(Yaml::str(name))),
            ])),
        ),
        (
            "spec",
            Some(yaml::map(vec![(
                "finalizers",
                Some(Yaml::Seq(vec![Yaml::str("kubernetes")])),
            )])),
        ),
        (
            "status",
            Some(yaml::map(vec![("phase", Some(Yaml::str("Active")))])),
        ),
    ])
}

/// Prints what `kubectl apply -f FILE...` prints for the scenario.
pub fn apply(analysis: &Analysis, files: &[SourceFile], format: Format) -> CommandOutput {
    apply_from(analysis, files, format, 0)
}

/// [`apply`] for the documents that start on line `first_line` or later: the terminal's
/// `kubectl apply -f FILE` appends the file to a cluster that already holds objects, and
/// prints for the file's objects only.
pub fn apply_from(
    analysis: &Analysis,
    files: &[SourceFile],
    format: Format,
    first_line: u32,
) -> CommandOutput {
    let file_of = |line: u32| -> String {
        let name = files
            .iter()
            .rev()
            .find(|f| f.first_line <= line)
            .or(files.first())
            .map_or("", |f| f.name.as_str());
        if name == "-" {
            "STDIN".to_string()
        } else {
            name.to_string()
        }
    };
    let mut stdout = String::new();
    let mut stderr = String::new();
    let mut failures: Vec<Failure> = Vec::new();
    let mut broken: Vec<String> = Vec::new();
    let mut printed = 0usize;
    let mut print_yaml = |stdout: &mut String, y: &Yaml| {
        if printed > 0 {
            stdout.push_str("---\n");
        }
        stdout.push_str(&yaml::to_string(y));
        printed += 1;
    };
    let manifest = &analysis.manifest;
    // Looked up per document and per object: maps, since a dump has 10⁵ objects (a search
    // through every object for each one took 132 s for 151,000 objects).
    let raw_of: HashMap<(usize, Option<usize>), &RawObject> = manifest
        .objects
        .iter()
        .rev()
        .map(|o| ((o.document, o.list_item), o))
        .collect();
    let admission_of: HashMap<usize, &Admission> = analysis
        .admissions
        .iter()
        .rev()
        .map(|a| (a.object, a))
        .collect();
    let unmodelled: HashSet<(usize, &str)> = manifest
        .diagnostics
        .iter()
        .filter(|d| d.stage == Stage::Decode && d.message.starts_with("svcplay does not model"))
        .filter_map(|d| Some((d.document?, d.path.as_str())))
        .collect();
    let mut objects = 0usize;
    'documents: for doc in &manifest.documents {
        if doc.last_line < first_line {
            continue;
        }
        let file = file_of(doc.first_line);
        if broken.contains(&file) {
            continue;
        }
        let Some(root) = &doc.root else {
            let (line, message) = manifest
                .diagnostics
                .iter()
                .find(|d| d.stage == Stage::Syntax && d.document == Some(doc.index))
                .map(|d| {
                    let line = d
                        .span
                        .map_or(1, |s| s.start.line.saturating_sub(doc.first_line) + 1);
                    (line, d.message.clone())
                })
                .unwrap_or((1, "could not parse the document".into()));
            failures.push(Failure::Client(format!(
                "error parsing {file}: error converting YAML to JSON: yaml: line {line}: {message}"
            )));
            broken.push(file);
            continue;
        };
        if root.is_null() {
            continue;
        }
        if root.entries().is_none() {
            failures.push(Failure::Client(format!(
                "unable to decode {}: json: cannot unmarshal {} into Go value of type struct {{ APIVersion string \"json:\\\"apiVersion,omitempty\\\"\"; Kind string \"json:\\\"kind,omitempty\\\"\" }}",
                q(&file),
                json_kind(root)
            )));
            continue;
        }
        let is_list = root.get("kind").and_then(Node::as_str) == Some("List")
            || (root
                .get("kind")
                .and_then(Node::as_str)
                .is_some_and(|k| k.ends_with("List"))
                && root.get("items").is_some());
        let nodes: Vec<(Option<usize>, &Node)> = if is_list {
            root.get("items")
                .and_then(Node::items)
                .unwrap_or(&[])
                .iter()
                .enumerate()
                .map(|(i, n)| (Some(i), n))
                .collect()
        } else {
            vec![(None, root)]
        };
        for (item, node) in nodes {
            objects += 1;
            let raw = raw_of.get(&(doc.index, item)).copied();
            let api_version = node.get("apiVersion").and_then(Node::as_str).unwrap_or("");
            let kind_name = node.get("kind").and_then(Node::as_str).unwrap_or("");
            let name = node
                .get("metadata")
                .and_then(|m| m.get("name"))
                .and_then(Node::as_str)
                .unwrap_or("");
            let namespace = node
                .get("metadata")
                .and_then(|m| m.get("namespace"))
                .and_then(Node::as_str)
                .unwrap_or("");
            let Some(raw) = raw else {
                if node.entries().is_none()
                    || crate::manifest::is_session_kind(api_version, kind_name)
                {
                    continue;
                }
                let mut missing = Vec::new();
                if api_version.is_empty() {
                    missing.push("apiVersion not set");
                }
                if kind_name.is_empty() {
                    missing.push("kind not set");
                }
                if !missing.is_empty() {
                    let list = if missing.len() == 1 {
                        missing[0].to_string()
                    } else {
                        format!("[{}]", missing.join(", "))
                    };
                    failures.push(Failure::Client(format!(
                        "error validating {}: error validating data: {list}; if you choose to ignore these errors, turn validation off with --validate=false",
                        q(&file)
                    )));
                    broken.push(file);
                    continue 'documents;
                }
                let known = Kind::ALL
                    .iter()
                    .find(|k| k.name() == kind_name && k.api_version() == api_version);
                let ignored = unmodelled.contains(&(
                    doc.index,
                    item.map_or("kind".to_string(), |i| format!("items[{i}].kind"))
                        .as_str(),
                ));
                if let Some(kind) = known {
                    // A known kind without a name (the manifest stage dropped it).
                    let ns = if kind.namespaced() {
                        if namespace.is_empty() {
                            "default"
                        } else {
                            namespace
                        }
                    } else {
                        ""
                    };
                    failures.push(Failure::Client(format!(
                        "error when retrieving current configuration of:\n{}\nName: \"\", Namespace: {}\nfrom server for: {}: resource name may not be empty",
                        mapping_text(*kind),
                        q(ns),
                        q(&file)
                    )));
                } else if ignored {
                    let line = format!("{}/{name} created", resource_of(api_version, kind_name));
                    match format {
                        Format::Default => {
                            stdout.push_str(&line);
                            stdout.push('\n');
                        }
                        Format::Yaml => print_yaml(
                            &mut stdout,
                            &generic_yaml(node, !namespace.is_empty(), namespace),
                        ),
                    }
                } else {
                    failures.push(Failure::Client(format!(
                        "resource mapping not found for name: {} namespace: {} from {}: no matches for kind {} in version {}\nensure CRDs are installed first",
                        q(name),
                        q(namespace),
                        q(&file),
                        q(kind_name),
                        q(api_version)
                    )));
                }
                continue;
            };
            // A recognised object's node moved into its RawObject (the document keeps an
            // empty mapping in its place).
            let node = &raw.node();
            if is_scenario_configuration(raw) {
                continue;
            }
            if raw.name.is_empty() {
                let generate = node
                    .get("metadata")
                    .and_then(|m| m.get("generateName"))
                    .and_then(Node::as_str)
                    .unwrap_or("");
                failures.push(Failure::Client(format!(
                    "from {generate}: cannot use generate name with apply"
                )));
                continue;
            }
            let Some(admission) = admission_of.get(&raw.id).copied() else {
                continue;
            };
            for w in &admission.warnings {
                stderr.push_str(&format!("Warning: {w}\n"));
            }
            match admission.success_line() {
                Some(line) => match format {
                    Format::Default => {
                        stdout.push_str(&line);
                        stdout.push('\n');
                    }
                    Format::Yaml => {
                        let y = match (admission.stored_service(&analysis.objects), raw.kind) {
                            (Some(svc), _) => yaml::service(svc),
                            (None, Kind::Namespace) => namespace_yaml(&raw.name, node),
                            (None, kind) => {
                                let mut y = generic_yaml(
                                    node,
                                    kind.namespaced(),
                                    raw.namespace_or_default(),
                                );
                                for path in &admission.dropped {
                                    remove_path(&mut y, path);
                                }
                                y
                            }
                        };
                        print_yaml(&mut stdout, &y);
                    }
                },
                None => failures.push(Failure::Server(admission, file.clone())),
            }
        }
    }
    // The builder's errors come before the server's, as kubectl collects them.
    crate::sort::sort_by_key(&mut failures, |f| matches!(f, Failure::Server(..)));
    if failures.len() == 1 {
        match &failures[0] {
            Failure::Client(message) => stderr.push_str(&format!("error: {message}\n")),
            Failure::Server(a, file) => {
                if let Some(text) = a.error_text(file) {
                    stderr.push_str(&text);
                    stderr.push('\n');
                }
            }
        }
    } else {
        for f in &failures {
            match f {
                Failure::Client(message) => stderr.push_str(&format!("{message}\n")),
                Failure::Server(a, file) => {
                    if let Some(text) = a.aggregate_text(file) {
                        stderr.push_str(&text);
                        stderr.push('\n');
                    }
                }
            }
        }
    }
    // kubectl's resource builder found nothing to apply (an empty file, only `---` or
    // comments, an empty List): `error: no objects passed to apply`, exit 1.
    if objects == 0 && failures.is_empty() {
        stderr.push_str("error: no objects passed to apply\n");
        return CommandOutput {
            interleaved: Vec::new(),
            stdout,
            stderr,
            status: 1,
        };
    }
    CommandOutput {
        interleaved: Vec::new(),
        stdout,
        stderr,
        status: if failures.is_empty() { 0 } else { 1 },
    }
}
