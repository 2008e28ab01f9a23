//! kubectl in the terminal: the verbs that change the cluster, as pure edits of the
//! scenario text, and the ones that read it, through [`crate::views::kubectl`].
//!
//! - `create|apply -f FILE` (`-f -`, a heredoc): the file's documents join the scenario
//!   (with the session's `creationTimestamp`); the API server's decisions come from the
//!   analysis of the new text and are printed by [`crate::views::kubectl::apply`]; a
//!   refused object is not kept. `create` of an existing object is `AlreadyExists`;
//!   `apply` of one replaces its document in place (`configured`, or `unchanged`).
//! - `create namespace|deployment|service`, `run`, `expose`: the object kubectl
//!   generates (`--dry-run=client -o yaml` prints it instead).
//! - `delete` (names, `-f`, `-l`, `--all`): a written object's document goes; a Pod a
//!   workload made is marked deleted ([`crate::actions::finish_deletion`]) and replaced;
//!   kube-proxy's and CoreDNS's Pods are replaced with new names — and a replaced
//!   kube-proxy starts with the ConfigMap's configuration (the session remembers the one
//!   it ran before, [`crate::session::KubeProxyState`], and the rules a changed mode
//!   leaves behind).
//! - `scale`, `label`, `annotate`, `set selector`, `patch` (strategic merge, merge, JSON
//!   patch), `rollout restart|status`, `edit` (the editor; `edit cm kube-proxy` writes
//!   the changed fields of `config.conf` back into the scenario's
//!   KubeProxyConfiguration): the object's document is rewritten (a Pod a workload made
//!   is written out as it is, then changed — the convention of the scenario text).
//! - `exec [-it] POD -- sh|bash` enters the Pod's shell; `exec POD -- CMD` runs one
//!   command there.

use super::exec::Ctx;
use super::{EditTarget, Editor, PodShell};
use crate::controllers::kubeadm;
use crate::manifest::emit::{Yaml, from_node, map};
use crate::scenario::Analysis;
use crate::session::text::{self, Doc};
use crate::session::{self, clock};
use crate::views::CommandOutput;
use crate::views::kubectl::flags::{self, Flag, Parsed};
use crate::views::kubectl::{Resource, View, find_resource, named, parse_selector};

/// kubectl's verbs (Tab completion).
pub const VERBS: &[&str] = &[
    "annotate",
    "api-resources",
    "apply",
    "cluster-info",
    "create",
    "delete",
    "describe",
    "edit",
    "exec",
    "explain",
    "expose",
    "get",
    "label",
    "logs",
    "patch",
    "rollout",
    "run",
    "scale",
    "set",
    "version",
];

const fn v(long: &'static str, short: Option<char>) -> Flag {
    Flag {
        long,
        short,
        value: true,
    }
}
const fn b(long: &'static str, short: Option<char>) -> Flag {
    Flag {
        long,
        short,
        value: false,
    }
}

const OUTPUT: Flag = flags::OUTPUT;
const FILENAME: Flag = flags::FILENAME;
const DRY_RUN: Flag = flags::DRY_RUN;

const CREATE: &[Flag] = &[
    FILENAME,
    OUTPUT,
    DRY_RUN,
    flags::RECURSIVE,
    flags::VALIDATE,
    flags::FIELD_MANAGER,
    flags::SHOW_MANAGED_FIELDS,
    flags::TEMPLATE,
    flags::ALLOW_MISSING,
    b("save-config", None),
    b("edit", None),
    b("windows-line-ending", None),
    flags::SELECTOR,
    v("raw", None),
    // `create deployment|service|namespace`
    v("image", None),
    v("replicas", Some('r')),
    v("port", None),
    v("tcp", None),
    v("udp", None),
    v("node-port", None),
];
const APPLY: &[Flag] = &[
    FILENAME,
    OUTPUT,
    DRY_RUN,
    flags::RECURSIVE,
    flags::VALIDATE,
    flags::FIELD_MANAGER,
    flags::SHOW_MANAGED_FIELDS,
    flags::SELECTOR,
    b("server-side", None),
    b("force", None),
    b("prune", None),
    b("overwrite", None),
    b("force-conflicts", None),
    flags::ALL_NAMESPACES,
    b("all", None),
    flags::TEMPLATE,
    flags::ALLOW_MISSING,
];
const DELETE: &[Flag] = &[
    FILENAME,
    flags::SELECTOR,
    b("all", None),
    flags::ALL_NAMESPACES,
    flags::RECURSIVE,
    v("grace-period", None),
    b("now", None),
    b("force", None),
    b("wait", None),
    v("timeout", None),
    b("ignore-not-found", None),
    v("cascade", None),
    DRY_RUN,
    OUTPUT,
    v("field-selector", None),
    b("interactive", Some('i')),
];
const EXPOSE: &[Flag] = &[
    FILENAME,
    OUTPUT,
    DRY_RUN,
    v("port", None),
    v("target-port", None),
    v("protocol", None),
    v("type", None),
    v("name", None),
    v("selector", None),
    v("labels", Some('l')),
    v("external-ip", None),
    v("cluster-ip", None),
    v("load-balancer-ip", None),
    v("session-affinity", None),
    v("overrides", None),
    flags::TEMPLATE,
    flags::ALLOW_MISSING,
    flags::FIELD_MANAGER,
    flags::SHOW_MANAGED_FIELDS,
];
const SCALE: &[Flag] = &[
    v("replicas", None),
    FILENAME,
    flags::SELECTOR,
    b("all", None),
    v("current-replicas", None),
    v("resource-version", None),
    v("timeout", None),
    OUTPUT,
    DRY_RUN,
];
const LABEL: &[Flag] = &[
    b("overwrite", None),
    flags::SELECTOR,
    b("all", None),
    flags::ALL_NAMESPACES,
    FILENAME,
    b("list", None),
    b("local", None),
    OUTPUT,
    DRY_RUN,
    v("resource-version", None),
    v("field-selector", None),
    flags::FIELD_MANAGER,
];
const SET: &[Flag] = &[
    FILENAME,
    b("all", None),
    OUTPUT,
    DRY_RUN,
    b("local", None),
    v("resource-version", None),
    flags::FIELD_MANAGER,
    b("record", None),
];
const PATCH: &[Flag] = &[
    v("patch", Some('p')),
    v("type", None),
    FILENAME,
    OUTPUT,
    DRY_RUN,
    b("local", None),
    v("patch-file", None),
    flags::FIELD_MANAGER,
    v("subresource", None),
];
const ROLLOUT: &[Flag] = &[
    FILENAME,
    flags::SELECTOR,
    OUTPUT,
    DRY_RUN,
    b("watch", Some('w')),
    v("timeout", None),
    v("revision", None),
    flags::FIELD_MANAGER,
];
const EDIT: &[Flag] = &[
    FILENAME,
    OUTPUT,
    b("windows-line-ending", None),
    b("save-config", None),
    v("validate", None),
    v("subresource", None),
    flags::FIELD_MANAGER,
    b("show-managed-fields", None),
];
const RUN: &[Flag] = &[
    v("image", None),
    b("rm", None),
    b("stdin", Some('i')),
    b("tty", Some('t')),
    v("restart", None),
    v("labels", Some('l')),
    v("port", None),
    b("expose", None),
    v("env", None),
    v("command", None),
    OUTPUT,
    DRY_RUN,
    v("image-pull-policy", None),
    v("annotations", None),
    b("attach", None),
    b("quiet", Some('q')),
    v("overrides", None),
    b("privileged", None),
    v("pod-running-timeout", None),
    flags::FIELD_MANAGER,
];
const EXEC: &[Flag] = &[
    b("stdin", Some('i')),
    b("tty", Some('t')),
    v("container", Some('c')),
    b("quiet", Some('q')),
    FILENAME,
    v("pod-running-timeout", None),
];
const LOGS: &[Flag] = &[
    v("container", Some('c')),
    flags::SELECTOR,
    b("follow", Some('f')),
    v("tail", None),
    b("previous", Some('p')),
    b("timestamps", None),
    v("since", None),
    b("all-containers", None),
    b("prefix", None),
    v("max-log-requests", None),
];

fn verb_flags(verb: &str) -> Option<&'static [Flag]> {
    Some(match verb {
        "create" => CREATE,
        "apply" => APPLY,
        "delete" => DELETE,
        "expose" => EXPOSE,
        "scale" => SCALE,
        "label" | "annotate" => LABEL,
        "set" => SET,
        "patch" => PATCH,
        "rollout" => ROLLOUT,
        "edit" => EDIT,
        "run" => RUN,
        "exec" => EXEC,
        "logs" => LOGS,
        "get" => flags::GET,
        "describe" => flags::DESCRIBE,
        "explain" => flags::EXPLAIN,
        _ => return None,
    })
}

fn usage(message: &str, verb: &str) -> CommandOutput {
    CommandOutput::error(
        format!("error: {message}\nSee 'kubectl {verb} -h' for help and examples\n"),
        1,
    )
}

/// Runs `kubectl ARGS` in the terminal.
pub fn run(ctx: &mut Ctx, argv: &[String], stdin: Option<String>) -> CommandOutput {
    let args = match flags::parse(argv, &verb_flags) {
        Ok(a) => a,
        Err(e) => return CommandOutput::error(e, 1),
    };
    let verb = args.verb.clone().unwrap_or_default();
    match verb.as_str() {
        "create" => create(ctx, &args, stdin),
        "apply" => apply(ctx, &args, stdin),
        "delete" => delete(ctx, &args, stdin),
        "expose" => expose(ctx, &args),
        "scale" => scale(ctx, &args),
        "label" | "annotate" => label(ctx, &args, verb == "label"),
        "set" => set(ctx, &args),
        "patch" => patch(ctx, &args),
        "rollout" => rollout(ctx, &args),
        "edit" => edit(ctx, &args),
        "run" => run_pod(ctx, &args),
        "exec" => exec(ctx, &args),
        "logs" => logs(ctx, &args),
        "get" | "describe" if args.has("filename") => {
            // `-f FILE`: the file's objects, named.
            match file_targets(ctx, &args, stdin.as_deref()) {
                Ok(targets) => {
                    let mut words: Vec<String> = vec![verb.clone()];
                    words.extend(targets);
                    for (k, v) in &args.values {
                        if k != "filename" {
                            words.push(format!("--{k}={v}"));
                        }
                    }
                    for (k, on) in &args.bools {
                        words.push(format!("--{k}={on}"));
                    }
                    read(ctx, &words)
                }
                Err(e) => e,
            }
        }
        _ => read(ctx, argv),
    }
}

fn read(ctx: &mut Ctx, argv: &[String]) -> CommandOutput {
    let analysis = ctx.analysis();
    let node = ctx.node();
    let on_node = analysis.on_node(&node);
    crate::views::kubectl::run(&on_node, &crate::views::Context::new(node), argv)
}

// ---- files and documents ------------------------------------------------------------------

/// The text of `-f` (a node file, `-` for stdin).
fn file_text(
    ctx: &mut Ctx,
    args: &Parsed,
    stdin: Option<&str>,
) -> Result<Vec<(String, String)>, CommandOutput> {
    let names = args.all("filename");
    if names.is_empty() {
        return Err(CommandOutput::error(
            "error: must specify one of -f and -k\n",
            1,
        ));
    }
    let mut out = Vec::new();
    for name in names {
        if name == "-" {
            out.push(("STDIN".to_string(), stdin.unwrap_or("").to_string()));
            continue;
        }
        if name.starts_with("http://") || name.starts_with("https://") {
            return Err(CommandOutput::error(
                format!(
                    "error: unable to read URL \"{name}\", server reported 404 Not Found, status code=404\nsvcplay: the lab has no Internet; put the manifest in a file (vi FILE) and use -f FILE\n"
                ),
                1,
            ));
        }
        match super::exec::read_file(ctx, name) {
            Ok(content) => out.push((name.to_string(), content)),
            Err(_) => {
                return Err(CommandOutput::error(
                    format!("error: the path \"{name}\" does not exist\n"),
                    1,
                ));
            }
        }
    }
    Ok(out)
}

/// One object of a file.
struct Object {
    api_version: String,
    kind: String,
    name: String,
    namespace: String,
    body: String,
    tree: Yaml,
}

fn objects_of(content: &str) -> Vec<Object> {
    text::documents(content)
        .into_iter()
        .filter(|d| !d.is_blank(content))
        .map(|d| {
            let body = d.text(content).to_string();
            let (docs, _) = crate::manifest::yaml::parse_documents(&body);
            let tree = docs
                .into_iter()
                .find_map(|x| x.root)
                .map(|r| from_node(&r))
                .unwrap_or(Yaml::Null);
            Object {
                api_version: d.api_version,
                kind: d.kind,
                name: d.name,
                namespace: d.namespace,
                body,
                tree,
            }
        })
        .collect()
}

/// The `kind/name` targets of a file's objects (`get -f`, `describe -f`).
fn file_targets(
    ctx: &mut Ctx,
    args: &Parsed,
    stdin: Option<&str>,
) -> Result<Vec<String>, CommandOutput> {
    let mut out = Vec::new();
    for (_, content) in file_text(ctx, args, stdin)? {
        for o in objects_of(&content) {
            out.push(format!("{}/{}", o.kind.to_lowercase(), o.name));
            if !o.namespace.is_empty() && !args.has("namespace") {
                out.push(format!("--namespace={}", o.namespace));
            }
        }
    }
    Ok(out)
}

/// Whether a kind lives in a namespace.
fn namespaced_kind(kind: &str) -> bool {
    !matches!(
        kind,
        "Namespace"
            | "Node"
            | "ServiceCIDR"
            | "KubeProxyConfiguration"
            | "NodeRuntime"
            | "ClusterRole"
            | "ClusterRoleBinding"
            | "PersistentVolume"
            | "IngressClass"
            | "StorageClass"
    )
}

fn get_mut<'a>(tree: &'a mut Yaml, key: &str) -> Option<&'a mut Yaml> {
    match tree {
        Yaml::Map(entries) => entries.iter_mut().find(|(k, _)| k == key).map(|(_, v)| v),
        _ => None,
    }
}

fn get<'a>(tree: &'a Yaml, key: &str) -> Option<&'a Yaml> {
    match tree {
        Yaml::Map(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
        _ => None,
    }
}

/// Sets `key` of a map (adding it last), making `tree` a map if it is not one.
fn set_key(tree: &mut Yaml, key: &str, value: Yaml) {
    if !matches!(tree, Yaml::Map(_)) {
        *tree = Yaml::Map(Vec::new());
    }
    if let Yaml::Map(entries) = tree {
        match entries.iter_mut().find(|(k, _)| k == key) {
            Some((_, v)) => *v = value,
            None => entries.push((key.to_string(), value)),
        }
    }
}

fn remove_key(tree: &mut Yaml, key: &str) -> Option<Yaml> {
    match tree {
        Yaml::Map(entries) => {
            let at = entries.iter().position(|(k, _)| k == key)?;
            Some(entries.remove(at).1)
        }
        _ => None,
    }
}

/// `metadata` of a tree, created when missing.
fn metadata(tree: &mut Yaml) -> &mut Yaml {
    if get(tree, "metadata").is_none() {
        set_key(tree, "metadata", Yaml::Map(Vec::new()));
    }
    get_mut(tree, "metadata").expect("just set")
}

/// A document's text for a tree, keeping the comment lines that led the old document.
fn document_text(tree: &Yaml, old: Option<&str>) -> String {
    let lead: String = old
        .map(|o| {
            o.lines()
                .take_while(|l| l.trim_start().starts_with('#') || l.trim().is_empty())
                .filter(|l| !l.trim().is_empty())
                .map(|l| format!("{l}\n"))
                .collect()
        })
        .unwrap_or_default();
    format!("{lead}{}", crate::manifest::emit::to_string(tree))
}

/// The written document of an object, if the scenario has one.
fn written(text: &str, kind: &str, namespace: &str, name: &str) -> Option<Doc> {
    text::documents(text)
        .into_iter()
        .rev()
        .find(|d| d.is(kind, namespace, name))
}

/// The `kubectl.kubernetes.io/...` creation stamp of a document created now.
fn stamp(tree: &mut Yaml, now: i64) {
    let meta = metadata(tree);
    if get(meta, "creationTimestamp").is_none_or(|v| *v == Yaml::Null) {
        set_key(meta, "creationTimestamp", Yaml::str(clock::rfc3339(now)));
    }
}

/// The namespace `-n` asks for, or the object's, or `default`; kubectl's error when both
/// are given and differ.
fn namespace_for(object_ns: &str, flag: Option<&str>) -> Result<String, String> {
    match (object_ns, flag) {
        ("", Some(ns)) => Ok(ns.to_string()),
        ("", None) => Ok("default".into()),
        (o, Some(ns)) if o != ns => Err(format!(
            "error: the namespace from the provided object \"{o}\" does not match the namespace \"{ns}\". You must pass '--namespace={o}' to perform this operation."
        )),
        (o, _) => Ok(o.to_string()),
    }
}

/// The resource (lower-case `kind.group`) kubectl names an object by in its messages.
fn resource_name(api_version: &str, kind: &str) -> String {
    let kind = kind.to_lowercase();
    match api_version.split_once('/') {
        Some((group, _)) => format!("{kind}.{group}"),
        None => kind,
    }
}

fn plural_of(api_version: &str, kind: &str) -> String {
    let lower = kind.to_lowercase();
    let plural = if lower.ends_with('s') {
        format!("{lower}es")
    } else if lower.ends_with('y') {
        format!("{}ies", &lower[..lower.len() - 1])
    } else {
        format!("{lower}s")
    };
    let plural = if kind == "Endpoints" {
        "endpoints".to_string()
    } else {
        plural
    };
    match api_version.split_once('/') {
        Some((group, _)) => format!("{plural}.{group}"),
        None => plural,
    }
}

/// Whether the cluster has this object (written, generated or built in).
fn exists(analysis: &Analysis, kind: &str, namespace: &str, name: &str) -> bool {
    let o = &analysis.objects;
    match kind {
        "Service" => o.service(namespace, name).is_some(),
        "Pod" => o
            .pods
            .iter()
            .any(|p| p.meta.namespace == namespace && p.meta.name == name),
        "Deployment" | "ReplicaSet" | "StatefulSet" => o
            .workloads
            .iter()
            .any(|w| w.kind.name() == kind && w.meta.namespace == namespace && w.meta.name == name),
        "Namespace" => {
            crate::apiserver::BUILTIN_NAMESPACES.contains(&name)
                || o.namespaces.iter().any(|n| n.meta.name == name)
        }
        "Node" => o.node(name).is_some(),
        "EndpointSlice" => o
            .endpoint_slices
            .iter()
            .any(|s| s.meta.namespace == namespace && s.meta.name == name),
        "Endpoints" => o
            .endpoints
            .iter()
            .any(|s| s.meta.namespace == namespace && s.meta.name == name),
        "ConfigMap" => o
            .config_maps
            .iter()
            .any(|c| c.meta.namespace == namespace && c.meta.name == name),
        "DaemonSet" => o
            .daemon_sets
            .iter()
            .any(|c| c.meta.namespace == namespace && c.meta.name == name),
        _ => false,
    }
}

// ---- create / apply -----------------------------------------------------------------------

fn create(ctx: &mut Ctx, args: &Parsed, stdin: Option<String>) -> CommandOutput {
    if let Some(what) = args.args.first() {
        return create_generated(ctx, args, what);
    }
    if !args.has("filename") {
        return usage("must specify one of -f and -k", "create");
    }
    apply_files(ctx, args, stdin, false)
}

fn apply(ctx: &mut Ctx, args: &Parsed, stdin: Option<String>) -> CommandOutput {
    if !args.has("filename") {
        return usage("must specify one of -f and -k", "apply");
    }
    apply_files(ctx, args, stdin, true)
}

/// `create -f` (`apply` when `apply` is set) of the files named by `-f`.
fn apply_files(ctx: &mut Ctx, args: &Parsed, stdin: Option<String>, apply: bool) -> CommandOutput {
    let files = match file_text(ctx, args, stdin.as_deref()) {
        Ok(f) => f,
        Err(e) => return e,
    };
    let dry_run = args.value("dry-run").is_some_and(|d| d != "none");
    let yaml_out = args.value("output") == Some("yaml");
    let mut out = CommandOutput::ok("");
    let now = ctx.session().time;
    for (file, content) in files {
        let objects = objects_of(&content);
        if objects.is_empty() {
            add_error(
                &mut out,
                &format!(
                    "error: no objects passed to {}\n",
                    if apply { "apply" } else { "create" }
                ),
            );
            continue;
        }
        let before = ctx.text().to_string();
        let analysis = ctx.analysis();
        // Documents to append, and documents of objects that already exist (apply).
        let mut appended: Vec<(usize, String)> = Vec::new();
        let mut replaced: Vec<(usize, Doc)> = Vec::new();
        let mut failures = String::new();
        for (i, o) in objects.iter().enumerate() {
            if o.api_version.is_empty() || o.kind.is_empty() {
                // The API server's reader reports it (through apply's printer).
                appended.push((i, o.body.clone()));
                continue;
            }
            let mut tree = o.tree.clone();
            let namespace =
                if namespaced_kind(&o.kind) && !session::is_session_kind(&o.api_version, &o.kind) {
                    match namespace_for(&o.namespace, args.namespace()) {
                        Ok(ns) => {
                            if o.namespace.is_empty() && ns != "default" {
                                set_key(metadata(&mut tree), "namespace", Yaml::str(ns.clone()));
                            }
                            ns
                        }
                        Err(e) => {
                            failures.push_str(&format!("{e}\n"));
                            continue;
                        }
                    }
                } else {
                    String::new()
                };
            let present = exists(&analysis, &o.kind, &namespace, &o.name);
            if present && !apply {
                failures.push_str(&format!(
                    "Error from server (AlreadyExists): error when creating \"{file}\": {} \"{}\" already exists\n",
                    plural_of(&o.api_version, &o.kind),
                    o.name
                ));
                continue;
            }
            let existing = written(&before, &o.kind, &namespace, &o.name);
            match (&existing, present) {
                (Some(doc), true) => {
                    // Keep the object's original creation time.
                    let (docs, _) = crate::manifest::yaml::parse_documents(doc.text(&before));
                    let created = docs
                        .into_iter()
                        .find_map(|d| d.root)
                        .map(|r| from_node(&r))
                        .and_then(|t| {
                            get(&t, "metadata")
                                .and_then(|m| get(m, "creationTimestamp"))
                                .cloned()
                        });
                    if let Some(c) = created {
                        set_key(metadata(&mut tree), "creationTimestamp", c);
                    }
                    replaced.push((i, doc.clone()));
                    appended.push((i, document_text(&tree, Some(&o.body))));
                }
                _ => {
                    if !present {
                        stamp(&mut tree, now);
                    }
                    appended.push((
                        i,
                        if tree == o.tree {
                            o.body.clone()
                        } else {
                            document_text(&tree, Some(&o.body))
                        },
                    ));
                }
            }
        }
        // The candidate text: the file's objects after the cluster's.
        let mut candidate = before.clone();
        let start_line = {
            let first = text::append_object(&candidate, "# svcplay: marker\n");
            first[..first.find("# svcplay: marker").unwrap_or(0)]
                .matches('\n')
                .count() as u32
                + 1
        };
        for (_, body) in &appended {
            candidate = text::append_object(&candidate, body);
        }
        let checked = crate::scenario::analyze(&candidate, crate::scenario::Options::default());
        let files_for_apply = vec![
            crate::views::kubectl::apply::SourceFile {
                name: "scenario".into(),
                first_line: 1,
            },
            crate::views::kubectl::apply::SourceFile {
                name: file.clone(),
                first_line: start_line,
            },
        ];
        let format = if yaml_out {
            crate::views::kubectl::apply::Format::Yaml
        } else {
            crate::views::kubectl::apply::Format::Default
        };
        let printed = crate::views::kubectl::apply::apply_from(
            &checked,
            &files_for_apply,
            format,
            start_line,
        );
        // Keep the documents the server accepted.
        let refused: Vec<String> = checked
            .admissions
            .iter()
            .filter(|a| {
                !matches!(
                    a.outcome,
                    crate::apiserver::Outcome::Created
                        | crate::apiserver::Outcome::Configured
                        | crate::apiserver::Outcome::Unchanged
                )
            })
            .filter_map(|a| checked.manifest.object(a.object))
            .filter(|raw| {
                checked
                    .manifest
                    .documents
                    .get(raw.document)
                    .is_some_and(|d| d.first_line >= start_line)
            })
            .map(|raw| {
                format!(
                    "{}/{}/{}",
                    raw.kind.name(),
                    raw.namespace_or_default(),
                    raw.name
                )
            })
            .collect();
        let mut result = before.clone();
        for (i, body) in &appended {
            let o = &objects[*i];
            // kubectl refuses a document without apiVersion or kind before sending it.
            if o.api_version.is_empty() || o.kind.is_empty() {
                continue;
            }
            let ns = if namespaced_kind(&o.kind) {
                namespace_for(&o.namespace, args.namespace()).unwrap_or_default()
            } else {
                String::new()
            };
            if refused.contains(&format!(
                "{}/{}/{}",
                o.kind,
                if ns.is_empty() {
                    "default".into()
                } else {
                    ns.clone()
                },
                o.name
            )) || (namespaced_kind(&o.kind)
                && refused.contains(&format!("{}/{}/{}", o.kind, ns, o.name)))
            {
                continue;
            }
            match replaced.iter().find(|(j, _)| j == i) {
                Some((_, doc)) => {
                    if let Some(current) = written(&result, &o.kind, &ns, &o.name) {
                        result = text::replace(&result, &current, body);
                    }
                    let _ = doc;
                }
                None => result = text::append_object(&result, body),
            }
        }
        out.stdout.push_str(&printed.stdout);
        out.stderr.push_str(&printed.stderr);
        if printed.status != 0 {
            out.status = printed.status;
        }
        if !failures.is_empty() {
            add_error(&mut out, &failures);
        }
        if !dry_run {
            ctx.set_text(result);
        }
    }
    if dry_run {
        for line in out.stdout.clone().lines() {
            let _ = line;
        }
        out.stdout = out
            .stdout
            .lines()
            .map(|l| format!("{l} (dry run)\n"))
            .collect();
    }
    out
}

/// `kubectl create namespace|deployment|service …`.
fn create_generated(ctx: &mut Ctx, args: &Parsed, what: &str) -> CommandOutput {
    let name = args.args.get(1).cloned();
    let namespace = args.namespace().unwrap_or("default").to_string();
    let (tree, kind, api) = match (what, name) {
        ("namespace" | "ns", Some(name)) => (
            map(vec![
                ("apiVersion", Some(Yaml::str("v1"))),
                ("kind", Some(Yaml::str("Namespace"))),
                ("metadata", Some(map(vec![("name", Some(Yaml::str(name)))]))),
            ]),
            "Namespace",
            "v1",
        ),
        ("deployment" | "deploy", Some(name)) => {
            let Some(image) = args.value("image") else {
                return usage("required flag(s) \"image\" not set", "create deployment");
            };
            let container = image
                .rsplit('/')
                .next()
                .unwrap_or(image)
                .split([':', '@'])
                .next()
                .unwrap_or("app")
                .to_string();
            let replicas: i64 = args
                .value("replicas")
                .and_then(|r| r.parse().ok())
                .unwrap_or(1);
            let labels = || Yaml::Map(vec![("app".into(), Yaml::str(name.clone()))]);
            let ports = args
                .value("port")
                .and_then(|p| p.parse::<i64>().ok())
                .map(|p| Yaml::Seq(vec![map(vec![("containerPort", Some(Yaml::Int(p)))])]));
            (
                map(vec![
                    ("apiVersion", Some(Yaml::str("apps/v1"))),
                    ("kind", Some(Yaml::str("Deployment"))),
                    (
                        "metadata",
                        Some(map(vec![
                            ("labels", Some(labels())),
                            ("name", Some(Yaml::str(name.clone()))),
                            (
                                "namespace",
                                (namespace != "default").then(|| Yaml::str(namespace.clone())),
                            ),
                        ])),
                    ),
                    (
                        "spec",
                        Some(map(vec![
                            ("replicas", Some(Yaml::Int(replicas))),
                            ("selector", Some(map(vec![("matchLabels", Some(labels()))]))),
                            (
                                "template",
                                Some(map(vec![
                                    ("metadata", Some(map(vec![("labels", Some(labels()))]))),
                                    (
                                        "spec",
                                        Some(map(vec![(
                                            "containers",
                                            Some(Yaml::Seq(vec![map(vec![
                                                ("image", Some(Yaml::str(image))),
                                                ("name", Some(Yaml::str(container))),
                                                ("ports", ports),
                                            ])])),
                                        )])),
                                    ),
                                ])),
                            ),
                        ])),
                    ),
                ]),
                "Deployment",
                "apps/v1",
            )
        }
        ("service" | "svc", Some(kind)) => {
            let Some(name) = args.args.get(2).cloned() else {
                return usage("exactly one NAME is required, got 0", "create service");
            };
            let type_ = match kind.as_str() {
                "clusterip" => "ClusterIP",
                "nodeport" => "NodePort",
                "loadbalancer" => "LoadBalancer",
                "externalname" => "ExternalName",
                other => {
                    return usage(
                        &format!("unknown service type \"{other}\""),
                        "create service",
                    );
                }
            };
            let ports: Vec<Yaml> = args
                .all("tcp")
                .iter()
                .map(|spec| {
                    let (port, target) = spec.split_once(':').unwrap_or((spec, spec));
                    let port: i64 = port.parse().unwrap_or(0);
                    let target = target
                        .parse::<i64>()
                        .map(Yaml::Int)
                        .unwrap_or_else(|_| Yaml::str(target));
                    map(vec![
                        (
                            "name",
                            Some(Yaml::str(format!(
                                "{port}-{}",
                                match &target {
                                    Yaml::Int(t) => t.to_string(),
                                    Yaml::Str(s) => s.clone(),
                                    _ => String::new(),
                                }
                            ))),
                        ),
                        (
                            "nodePort",
                            args.value("node-port")
                                .and_then(|n| n.parse().ok())
                                .map(Yaml::Int),
                        ),
                        ("port", Some(Yaml::Int(port))),
                        ("protocol", Some(Yaml::str("TCP"))),
                        ("targetPort", Some(target)),
                    ])
                })
                .collect();
            (
                map(vec![
                    ("apiVersion", Some(Yaml::str("v1"))),
                    ("kind", Some(Yaml::str("Service"))),
                    (
                        "metadata",
                        Some(map(vec![
                            (
                                "labels",
                                Some(Yaml::Map(vec![("app".into(), Yaml::str(name.clone()))])),
                            ),
                            ("name", Some(Yaml::str(name.clone()))),
                            (
                                "namespace",
                                (namespace != "default").then(|| Yaml::str(namespace.clone())),
                            ),
                        ])),
                    ),
                    (
                        "spec",
                        Some(map(vec![
                            ("ports", (!ports.is_empty()).then_some(Yaml::Seq(ports))),
                            (
                                "selector",
                                Some(Yaml::Map(vec![("app".into(), Yaml::str(name))])),
                            ),
                            ("type", Some(Yaml::str(type_))),
                        ])),
                    ),
                ]),
                "Service",
                "v1",
            )
        }
        (_, None) => return usage("exactly one NAME is required, got 0", "create"),
        (other, _) => {
            return CommandOutput::error(
                format!(
                    "error: unknown command \"{other}\" for \"kubectl create\"\nsvcplay: kubectl create namespace|deployment|service, or -f FILE\n"
                ),
                1,
            );
        }
    };
    create_object(ctx, args, tree, kind, api, "created")
}

/// Creates one generated object (or prints it with `--dry-run=client -o yaml`).
fn create_object(
    ctx: &mut Ctx,
    args: &Parsed,
    mut tree: Yaml,
    kind: &str,
    api: &str,
    verb: &str,
) -> CommandOutput {
    let name = get(&tree, "metadata")
        .and_then(|m| get(m, "name"))
        .and_then(|n| match n {
            Yaml::Str(s) => Some(s.clone()),
            _ => None,
        })
        .unwrap_or_default();
    let namespace = if namespaced_kind(kind) {
        args.namespace().unwrap_or("default").to_string()
    } else {
        String::new()
    };
    if args.value("dry-run").is_some_and(|d| d != "none") {
        let meta = metadata(&mut tree);
        set_key(meta, "creationTimestamp", Yaml::Null);
        if kind != "Namespace" {
            set_key(&mut tree, "status", Yaml::Map(Vec::new()));
        } else {
            set_key(&mut tree, "spec", Yaml::Map(Vec::new()));
            set_key(&mut tree, "status", Yaml::Map(Vec::new()));
        }
        return match args.value("output") {
            Some("yaml") => CommandOutput::ok(crate::manifest::emit::to_string(&tree)),
            Some("json") => CommandOutput::ok(crate::views::kubectl::json::to_string(&tree)),
            _ => CommandOutput::ok(format!(
                "{}/{name} {verb} (dry run)\n",
                resource_name(api, kind)
            )),
        };
    }
    let analysis = ctx.analysis();
    if exists(&analysis, kind, &namespace, &name) {
        return CommandOutput::error(
            format!(
                "error: failed to create {}: {} \"{name}\" already exists\n",
                kind.to_lowercase(),
                plural_of(api, kind)
            ),
            1,
        );
    }
    let now = ctx.session().time;
    stamp(&mut tree, now);
    let body = crate::manifest::emit::to_string(&tree);
    let candidate = text::append_object(ctx.text(), &body);
    let checked = crate::scenario::analyze(&candidate, crate::scenario::Options::default());
    if let Some(a) = checked
        .admissions
        .iter()
        .rev()
        .find(|a| a.name == name && a.kind.name() == kind)
    {
        if matches!(a.outcome, crate::apiserver::Outcome::Rejected(_)) {
            let text = a.error_text("STDIN").unwrap_or_default();
            return CommandOutput::error(
                format!("{}\n", text.replace("error when creating \"STDIN\": ", "")),
                1,
            );
        }
    }
    ctx.set_text(candidate);
    CommandOutput::ok(format!("{}/{name} {verb}\n", resource_name(api, kind)))
}

// ---- delete ---------------------------------------------------------------------------------

/// An object a command acts on.
#[derive(Clone)]
struct Target {
    resource: &'static Resource,
    namespace: String,
    name: String,
}

impl Target {
    /// What kubectl's operation printer says about it: `TYPE/NAME OPERATION`.
    fn operation(&self, operation: &str) -> String {
        format!("{}/{} {operation}\n", self.resource.prefix(), self.name)
    }
}

/// [`select_targets`] for the verbs that go on past the objects not found: the targets
/// found, and the output so far, an error line for each object missing.
fn found_targets(
    ctx: &mut Ctx,
    args: &Parsed,
    words: &[String],
    verb: &str,
) -> Result<(Vec<Target>, CommandOutput), CommandOutput> {
    let (targets, missing) = select_targets(ctx, args, words, verb)?;
    let mut out = CommandOutput::ok("");
    for m in missing {
        add_error(&mut out, &format!("{m}\n"));
    }
    Ok((targets, out))
}

/// Adds an error to the output of a command that goes on (its status becomes 1).
fn add_error(out: &mut CommandOutput, message: &str) {
    out.stderr.push_str(message);
    out.status = 1;
}

/// The objects `TYPE NAME…`, `TYPE/NAME…`, `TYPE -l SEL`, `TYPE --all` name.
fn select_targets(
    ctx: &mut Ctx,
    args: &Parsed,
    words: &[String],
    verb: &str,
) -> Result<(Vec<Target>, Vec<String>), CommandOutput> {
    let analysis = ctx.analysis();
    let view = View::new(&analysis);
    let namespace = args.namespace().unwrap_or("default").to_string();
    let all_namespaces = args.bool("all-namespaces");
    let (targets, _) = crate::views::kubectl::targets(words, verb)?;
    let mut out = Vec::new();
    let mut missing = Vec::new();
    for (t, name) in targets {
        let resource = match t {
            crate::views::kubectl::Target::Resource(r) => r,
            crate::views::kubectl::Target::Empty(q) => {
                if let Some(n) = name {
                    missing.push(format!(
                        "Error from server (NotFound): {q} \"{n}\" not found"
                    ));
                }
                continue;
            }
        };
        let ns = (resource.namespaced && !all_namespaces).then_some(namespace.as_str());
        let mut rows = (resource.rows)(&view, ns, false);
        if let Some(sel) = args.value("selector") {
            let selector = parse_selector(sel)
                .map_err(|e| CommandOutput::error(format!("error: {e}\n"), 1))?;
            rows.retain(|r| selector.matches(&r.labels));
        }
        match name {
            Some(n) => match rows.iter().find(|r| r.name == n) {
                Some(r) => out.push(Target {
                    resource,
                    namespace: r.namespace.clone(),
                    name: r.name.clone(),
                }),
                None => missing.push(format!(
                    "Error from server (NotFound): {} \"{n}\" not found",
                    resource.qualified()
                )),
            },
            None => {
                if args.value("selector").is_none() && !args.bool("all") {
                    return Err(CommandOutput::error(
                        "error: resource(s) were provided, but no name was specified\n".to_string(),
                        1,
                    ));
                }
                for r in rows {
                    out.push(Target {
                        resource,
                        namespace: r.namespace.clone(),
                        name: r.name.clone(),
                    });
                }
            }
        }
    }
    Ok((out, missing))
}

fn delete(ctx: &mut Ctx, args: &Parsed, stdin: Option<String>) -> CommandOutput {
    let mut out = CommandOutput::ok("");
    let mut targets: Vec<Target> = Vec::new();
    if args.has("filename") {
        let files = match file_text(ctx, args, stdin.as_deref()) {
            Ok(f) => f,
            Err(e) => return e,
        };
        for (file, content) in files {
            for o in objects_of(&content) {
                let Some(resource) = find_resource(&o.kind) else {
                    add_error(
                        &mut out,
                        &format!(
                            "Error from server (NotFound): error when deleting \"{file}\": {} \"{}\" not found\n",
                            plural_of(&o.api_version, &o.kind),
                            o.name
                        ),
                    );
                    continue;
                };
                let ns = if resource.namespaced {
                    match namespace_for(&o.namespace, args.namespace()) {
                        Ok(ns) => ns,
                        Err(e) => {
                            add_error(&mut out, &format!("{e}\n"));
                            continue;
                        }
                    }
                } else {
                    String::new()
                };
                let analysis = ctx.analysis();
                if !exists(&analysis, resource.kind, &ns, &o.name) {
                    if !args.bool("ignore-not-found") {
                        add_error(
                            &mut out,
                            &format!(
                                "Error from server (NotFound): error when deleting \"{file}\": {} \"{}\" not found\n",
                                resource.qualified(),
                                o.name
                            ),
                        );
                    }
                    continue;
                }
                targets.push(Target {
                    resource,
                    namespace: ns,
                    name: o.name.clone(),
                });
            }
        }
    } else {
        if args.args.is_empty() {
            return CommandOutput::error(
                "error: You must provide one or more resources by argument or filename.\nExample resource specifications include:\n   '-f rsrc.yaml'\n   '--filename=rsrc.json'\n   '<resource> <name>'\n   '<resource>'\n",
                1,
            );
        }
        match select_targets(ctx, args, &args.args, "delete") {
            Ok((t, missing)) => {
                targets = t;
                for m in missing {
                    if !args.bool("ignore-not-found") {
                        out.stderr.push_str(&m);
                        out.stderr.push('\n');
                        out.status = 1;
                    }
                }
                if targets.is_empty()
                    && out.status == 0
                    && (args.value("selector").is_some() || args.bool("all"))
                {
                    out.stdout.push_str(&crate::views::kubectl::no_resources(
                        (!args.bool("all-namespaces"))
                            .then(|| args.namespace().unwrap_or("default")),
                    ));
                    return out;
                }
            }
            Err(e) => return e,
        }
    }
    let mut restarted_proxies: Vec<String> = Vec::new();
    for t in targets {
        match delete_one(ctx, &t, &mut restarted_proxies) {
            Ok(()) => {
                let what = format!("{} \"{}\" deleted", t.resource.prefix(), t.name);
                if t.resource.namespaced {
                    out.stdout
                        .push_str(&format!("{what} from {} namespace\n", t.namespace));
                } else {
                    out.stdout.push_str(&format!("{what}\n"));
                }
            }
            Err(e) => {
                add_error(&mut out, &e);
            }
        }
    }
    if !restarted_proxies.is_empty() {
        restart_kube_proxies(ctx, &restarted_proxies);
    }
    out
}

/// Deletes one object.
fn delete_one(ctx: &mut Ctx, t: &Target, kube_proxies: &mut Vec<String>) -> Result<(), String> {
    let analysis = ctx.analysis();
    let kind = t.resource.kind;
    let text_now = ctx.text().to_string();
    if kind == "Pod" {
        let pod = analysis
            .objects
            .pods
            .iter()
            .find(|p| p.meta.namespace == t.namespace && p.meta.name == t.name)
            .ok_or_else(|| {
                format!(
                    "Error from server (NotFound): pods \"{}\" not found\n",
                    t.name
                )
            })?;
        // The container's files go with the Pod.
        let mut session = ctx.session();
        let key = format!("{}/{}", t.namespace, t.name);
        session.pod_files.retain(|f| f.pod != key);
        ctx.set_session(session);
        if pod.meta.origin == crate::model::Origin::Builtin {
            if let Some(owner) = pod
                .meta
                .owner_references
                .iter()
                .find(|o| o.controller == Some(true))
            {
                match owner.kind.as_str() {
                    "DaemonSet" => {
                        if let Some(node) = &pod.spec.node_name {
                            kube_proxies.push(node.clone());
                        }
                    }
                    "ReplicaSet" => {
                        let mut session = ctx.session();
                        *session
                            .restarts
                            .entry(kubeadm::COREDNS_RESTART_KEY.into())
                            .or_insert(0) += 1;
                        session
                            .restart_times
                            .insert(kubeadm::COREDNS_RESTART_KEY.into(), session.time);
                        ctx.set_session(session);
                    }
                    // Static Pods: the kubelet makes their mirror Pods again at once.
                    _ => {}
                }
            }
            return Ok(());
        }
        if let Some(doc) = written(&text_now, "Pod", &t.namespace, &t.name) {
            ctx.set_text(text::remove(&text_now, &doc));
            return Ok(());
        }
        // A Pod a workload made: gone, and the workload makes another.
        return match crate::actions::finish_deletion(&text_now, &t.namespace, &t.name).or_else(
            |_| {
                crate::actions::delete_pod(&text_now, &t.namespace, &t.name)
                    .and_then(|t2| crate::actions::finish_deletion(&t2, &t.namespace, &t.name))
            },
        ) {
            Ok(text) => {
                ctx.set_text(text);
                Ok(())
            }
            Err(e) => Err(format!("svcplay: {e}\n")),
        };
    }
    if kind == "Namespace" {
        if crate::apiserver::BUILTIN_NAMESPACES.contains(&t.name.as_str()) {
            return Err(format!(
                "Error from server (Forbidden): namespaces \"{}\" is forbidden: this namespace may not be deleted\n",
                t.name
            ));
        }
        let mut text_out = text_now.clone();
        while let Some(doc) = text::documents(&text_out)
            .into_iter()
            .find(|d| (d.namespace == t.name && !d.is_session()) || d.is("Namespace", "", &t.name))
        {
            text_out = text::remove(&text_out, &doc);
        }
        ctx.set_text(text_out);
        return Ok(());
    }
    let doc = match kind {
        "Endpoints" | "EndpointSlice" | "Event" => written(&text_now, kind, &t.namespace, &t.name),
        _ => written(&text_now, kind, &t.namespace, &t.name),
    };
    match doc {
        Some(doc) => {
            ctx.set_text(text::remove(&text_now, &doc));
            Ok(())
        }
        None => match kind {
            // The controllers write them again at once.
            "Endpoints" | "EndpointSlice" | "Event" | "ReplicaSet" => Ok(()),
            _ if t.namespace == "kube-system" || (kind == "Service" && t.name == "kubernetes") => {
                Err(format!(
                    "svcplay: {}/{} is part of the simulated kubeadm cluster; svcplay keeps it\n",
                    t.resource.prefix(),
                    t.name
                ))
            }
            _ => Err(format!(
                "Error from server (NotFound): {} \"{}\" not found\n",
                t.resource.qualified(),
                t.name
            )),
        },
    }
}

/// kube-proxy on these nodes restarted: new Pods, the ConfigMap's configuration, and
/// the rules of the mode it left.
pub fn restart_kube_proxies(ctx: &mut Ctx, nodes: &[String]) {
    let analysis = ctx.analysis();
    let mut session = ctx.session();
    let all: Vec<String> = analysis.node_names();
    for node in nodes {
        let key = kubeadm::kube_proxy_restart_key(node);
        *session.restarts.entry(key.clone()).or_insert(0) += 1;
        session.restart_times.insert(key, session.time);
        let old = analysis.on_node(node).proxy_config.mode;
        let new = analysis.configured_proxy_config.mode;
        if old != new {
            session.leftovers.retain(|l| &l.node != node);
            use crate::proxy::config::ProxyMode;
            // Between iptables and IPVS nothing is cleaned up; nftables mode cleans the
            // others up, and iptables/IPVS clean up nftables (`platformCleanup`).
            if matches!(
                (old, new),
                (ProxyMode::Iptables, ProxyMode::Ipvs) | (ProxyMode::Ipvs, ProxyMode::Iptables)
            ) {
                session.leftovers.push(session::Leftover {
                    node: node.clone(),
                    mode: old.as_str().to_string(),
                });
            }
            // A new mode starts its schedulers and affinity tables afresh.
            session
                .requests
                .retain(|k, _| !k.starts_with(&format!("{node} ")));
        }
        if session.kube_proxy.configuration.is_some()
            && !session.kube_proxy.restarted.contains(node)
        {
            session.kube_proxy.restarted.push(node.clone());
        }
    }
    if all.iter().all(|n| session.kube_proxy.restarted.contains(n)) {
        session.kube_proxy = session::KubeProxyState::default();
    }
    ctx.set_session(session);
}

/// What `expose` reads from the exposed object: its selector, its ports (number,
/// protocol, name) and its labels.
type Exposed = (
    Vec<(String, String)>,
    Vec<(i64, String, Option<String>)>,
    Vec<(String, String)>,
);

fn pairs(map: &crate::model::StringMap) -> Vec<(String, String)> {
    map.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
}

/// The containers' ports as `kubectl expose` reads them: number, protocol, name.
fn container_ports(containers: &[crate::model::Container]) -> Vec<(i64, String, Option<String>)> {
    containers
        .iter()
        .flat_map(|c| {
            c.ports.iter().map(|p| {
                (
                    p.container_port,
                    p.protocol.clone().unwrap_or_else(|| "TCP".into()),
                    p.name.clone(),
                )
            })
        })
        .collect()
}

// ---- expose ---------------------------------------------------------------------------------

fn expose(ctx: &mut Ctx, args: &Parsed) -> CommandOutput {
    let (targets, _) = match crate::views::kubectl::targets(&args.args, "expose") {
        Ok(t) => t,
        Err(e) => return e,
    };
    let Some((crate::views::kubectl::Target::Resource(resource), Some(name))) =
        targets.into_iter().next()
    else {
        return usage(
            "You must provide the name of the resource to expose",
            "expose",
        );
    };
    let namespace = args.namespace().unwrap_or("default").to_string();
    let analysis = ctx.analysis();
    // The selector, the ports and the labels of what is exposed.
    let (selector, ports, labels): Exposed = match resource.kind {
        "Deployment" | "ReplicaSet" | "StatefulSet" => {
            let Some(w) = analysis.objects.workloads.iter().find(|w| {
                w.kind.name() == resource.kind
                    && w.meta.namespace == namespace
                    && w.meta.name == name
            }) else {
                return CommandOutput::error(
                    format!(
                        "Error from server (NotFound): {} \"{name}\" not found\n",
                        resource.qualified()
                    ),
                    1,
                );
            };
            if !w.selector.match_expressions.is_empty() {
                return CommandOutput::error(
                    format!(
                        "error: couldn't retrieve selectors via --selector flag or introspection: the deployment \"{name}\" has a selector that cannot be converted to labels: matchExpressions are not supported\nSee 'kubectl expose -h' for help and examples\n"
                    ),
                    1,
                );
            }
            (
                pairs(&w.selector.match_labels),
                container_ports(&w.template.spec.containers),
                pairs(&w.meta.labels),
            )
        }
        "Pod" => {
            let Some(p) = named(&analysis.objects.pods, &namespace, &name) else {
                return CommandOutput::error(
                    format!("Error from server (NotFound): pods \"{name}\" not found\n"),
                    1,
                );
            };
            (
                pairs(&p.meta.labels),
                container_ports(&p.spec.containers),
                pairs(&p.meta.labels),
            )
        }
        "Service" => {
            let Some(s) = analysis.objects.service(&namespace, &name) else {
                return CommandOutput::error(
                    format!("Error from server (NotFound): services \"{name}\" not found\n"),
                    1,
                );
            };
            (
                s.spec
                    .selector
                    .clone()
                    .unwrap_or_default()
                    .into_iter()
                    .collect(),
                s.spec
                    .ports
                    .iter()
                    .map(|p| {
                        (
                            p.port.unwrap_or(0),
                            p.protocol.clone().unwrap_or_else(|| "TCP".into()),
                            Some(p.name.clone()).filter(|n| !n.is_empty()),
                        )
                    })
                    .collect(),
                pairs(&s.meta.labels),
            )
        }
        other => {
            return CommandOutput::error(format!("error: cannot expose a {other}\n"), 1);
        }
    };
    let selector: Vec<(String, String)> = match args.value("selector") {
        Some(sel) => sel
            .split(',')
            .filter_map(|p| p.split_once('='))
            .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
            .collect(),
        None => selector,
    };
    if selector.is_empty() {
        return usage(
            &format!(
                "couldn't retrieve selectors via --selector flag or introspection: the {} has no selector",
                resource.kind.to_lowercase()
            ),
            "expose",
        );
    }
    let protocol = args.value("protocol").map(str::to_string);
    let target_port = args.value("target-port").map(|t| {
        t.parse::<i64>()
            .map(Yaml::Int)
            .unwrap_or_else(|_| Yaml::str(t))
    });
    let port_specs: Vec<Yaml> = if let Some(port) = args.value("port") {
        let Ok(port) = port.parse::<i64>() else {
            return usage(&format!("invalid port \"{port}\""), "expose");
        };
        vec![map(vec![
            ("port", Some(Yaml::Int(port))),
            (
                "protocol",
                Some(Yaml::str(protocol.clone().unwrap_or_else(|| "TCP".into()))),
            ),
            (
                "targetPort",
                Some(target_port.clone().unwrap_or(Yaml::Int(port))),
            ),
        ])]
    } else if ports.is_empty() {
        return usage(
            "couldn't find port via --port flag or introspection",
            "expose",
        );
    } else {
        let many = ports.len() > 1;
        ports
            .iter()
            .enumerate()
            .map(|(i, (port, proto, pname))| {
                map(vec![
                    (
                        "name",
                        if many {
                            Some(Yaml::str(
                                pname.clone().unwrap_or_else(|| format!("port-{}", i + 1)),
                            ))
                        } else {
                            None
                        },
                    ),
                    ("port", Some(Yaml::Int(*port))),
                    (
                        "protocol",
                        Some(Yaml::str(protocol.clone().unwrap_or_else(|| proto.clone()))),
                    ),
                    (
                        "targetPort",
                        Some(target_port.clone().unwrap_or(Yaml::Int(*port))),
                    ),
                ])
            })
            .collect()
    };
    let service_name = args.value("name").unwrap_or(&name).to_string();
    let type_ = args.value("type").map(|t| match t.to_lowercase().as_str() {
        "nodeport" => "NodePort".to_string(),
        "clusterip" => "ClusterIP".to_string(),
        "loadbalancer" => "LoadBalancer".to_string(),
        "externalname" => "ExternalName".to_string(),
        _ => t.to_string(),
    });
    let tree = map(vec![
        ("apiVersion", Some(Yaml::str("v1"))),
        ("kind", Some(Yaml::str("Service"))),
        (
            "metadata",
            Some(map(vec![
                (
                    "labels",
                    (!labels.is_empty()).then(|| {
                        Yaml::Map(
                            labels
                                .iter()
                                .map(|(k, v)| (k.clone(), Yaml::str(v.clone())))
                                .collect(),
                        )
                    }),
                ),
                ("name", Some(Yaml::str(service_name))),
                (
                    "namespace",
                    (namespace != "default").then(|| Yaml::str(namespace.clone())),
                ),
            ])),
        ),
        (
            "spec",
            Some(map(vec![
                ("clusterIP", args.value("cluster-ip").map(Yaml::str)),
                (
                    "externalIPs",
                    args.value("external-ip")
                        .map(|ip| Yaml::Seq(vec![Yaml::str(ip)])),
                ),
                ("ports", Some(Yaml::Seq(port_specs))),
                (
                    "selector",
                    Some(Yaml::Map(
                        selector
                            .iter()
                            .map(|(k, v)| (k.clone(), Yaml::str(v.clone())))
                            .collect(),
                    )),
                ),
                (
                    "sessionAffinity",
                    args.value("session-affinity").map(Yaml::str),
                ),
                ("type", type_.map(Yaml::Str)),
            ])),
        ),
    ]);
    create_object(ctx, args, tree, "Service", "v1", "exposed")
}

// ---- editing an object's document ----------------------------------------------------------

/// [`object_tree`] for a verb that goes on to the next target when this one cannot be
/// edited (the error is added to `out`).
fn tree_to_edit(ctx: &mut Ctx, t: &Target, out: &mut CommandOutput) -> Option<(Yaml, Option<Doc>)> {
    object_tree(ctx, t).map_err(|e| add_error(out, &e)).ok()
}

/// Sets `spec.KEY` of an object's tree, adding `spec` when it has none.
fn set_spec(tree: &mut Yaml, key: &str, value: Yaml) {
    if get(tree, "spec").is_none() {
        set_key(tree, "spec", Yaml::Map(Vec::new()));
    }
    if let Some(spec) = get_mut(tree, "spec") {
        set_key(spec, key, value);
    }
}

/// The object's tree to edit: its written document, or (a Pod a workload made) the Pod
/// as the server holds it.
fn object_tree(ctx: &mut Ctx, t: &Target) -> Result<(Yaml, Option<Doc>), String> {
    let text_now = ctx.text().to_string();
    if let Some(doc) = written(&text_now, t.resource.kind, &t.namespace, &t.name) {
        let (docs, _) = crate::manifest::yaml::parse_documents(doc.text(&text_now));
        let tree = docs
            .into_iter()
            .find_map(|d| d.root)
            .map(|r| from_node(&r))
            .unwrap_or(Yaml::Null);
        return Ok((tree, Some(doc)));
    }
    let analysis = ctx.analysis();
    if t.resource.kind == "Pod" {
        if let Some(p) = analysis
            .objects
            .pods
            .iter()
            .find(|p| p.meta.namespace == t.namespace && p.meta.name == t.name)
        {
            if p.meta.origin != crate::model::Origin::Builtin {
                let view = View::new(&analysis);
                if let Some(mut tree) =
                    crate::views::kubectl::pods::object(&view, &t.namespace, &t.name)
                {
                    if let Some(meta) = get_mut(&mut tree, "metadata") {
                        remove_key(meta, "uid");
                    }
                    return Ok((tree, None));
                }
            }
        }
    }
    Err(format!(
        "svcplay: {}/{} is part of the simulated cluster and not written in the scenario; svcplay cannot change it\n",
        t.resource.prefix(),
        t.name
    ))
}

/// The object as the API server stores it (its `-o yaml`), without `status` and the
/// metadata the server sets, to be written back as the scenario's document.
fn server_object(ctx: &mut Ctx, t: &Target) -> Option<Yaml> {
    let analysis = ctx.analysis();
    let view = View::new(&analysis);
    let mut tree = (t.resource.object?)(&view, &t.namespace, &t.name)?;
    if let Yaml::Map(entries) = &mut tree {
        entries.retain(|(k, _)| k != "status");
    }
    if let Some(meta) = get_mut(&mut tree, "metadata") {
        for key in ["uid", "resourceVersion", "generation", "managedFields"] {
            remove_key(meta, key);
        }
    }
    Some(tree)
}

/// Writes an object's tree back: its document replaced, or a new document.
fn write_tree(ctx: &mut Ctx, tree: &Yaml, doc: Option<&Doc>) {
    let text_now = ctx.text().to_string();
    let text_out = match doc {
        Some(d) => text::replace(&text_now, d, &document_text(tree, Some(d.text(&text_now)))),
        None => text::append_object(&text_now, &document_text(tree, None)),
    };
    ctx.set_text(text_out);
}

fn scale(ctx: &mut Ctx, args: &Parsed) -> CommandOutput {
    let Some(replicas) = args.value("replicas") else {
        return usage("required flag(s) \"replicas\" not set", "scale");
    };
    let Ok(replicas) = replicas.parse::<i64>() else {
        return usage(
            &format!(
                "invalid argument \"{replicas}\" for \"--replicas\" flag: strconv.ParseInt: parsing \"{replicas}\": invalid syntax"
            ),
            "scale",
        );
    };
    if replicas < 0 {
        return usage(
            "The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0",
            "scale",
        );
    }
    let (targets, mut out) = match found_targets(ctx, args, &args.args, "scale") {
        Ok(t) => t,
        Err(e) => return e,
    };
    for t in targets {
        if !matches!(t.resource.kind, "Deployment" | "ReplicaSet" | "StatefulSet") {
            add_error(
                &mut out,
                &format!(
                    "error: no scaler has been implemented for {{\"\" \"{}\"}}\n",
                    t.resource.kind
                ),
            );
            continue;
        }
        let text_now = ctx.text().to_string();
        match crate::actions::scale(&text_now, &t.namespace, &t.name, replicas) {
            Ok(text) => {
                ctx.set_text(text);
                out.stdout.push_str(&t.operation("scaled"));
            }
            Err(_) => match object_tree(ctx, &t) {
                Ok((mut tree, doc)) => {
                    set_spec(&mut tree, "replicas", Yaml::Int(replicas));
                    write_tree(ctx, &tree, doc.as_ref());
                    out.stdout.push_str(&t.operation("scaled"));
                }
                Err(e) => {
                    add_error(&mut out, &e);
                }
            },
        }
    }
    out
}

/// `kubectl label` / `kubectl annotate`.
fn label(ctx: &mut Ctx, args: &Parsed, labels: bool) -> CommandOutput {
    let verb = if labels { "label" } else { "annotate" };
    let (words, changes): (Vec<String>, Vec<String>) = args.args.iter().cloned().partition(|w| {
        !w.contains('=') && !w.ends_with('-')
            || w.contains('/') && !w.contains('=') && !w.ends_with('-')
    });
    let changes: Vec<(String, Option<String>)> = changes
        .iter()
        .map(|c| match c.split_once('=') {
            Some((k, v)) => (k.to_string(), Some(v.to_string())),
            None => (c.trim_end_matches('-').to_string(), None),
        })
        .collect();
    if changes.is_empty() {
        return usage(
            &format!(
                "at least one {} update is required",
                if labels { "label" } else { "annotation" }
            ),
            verb,
        );
    }
    let (targets, mut out) = match found_targets(ctx, args, &words, verb) {
        Ok(t) => t,
        Err(e) => return e,
    };
    let field = if labels { "labels" } else { "annotations" };
    for t in targets {
        let Some((mut tree, doc)) = tree_to_edit(ctx, &t, &mut out) else {
            continue;
        };
        let before = tree.clone();
        let meta = metadata(&mut tree);
        if get(meta, field).is_none_or(|v| !matches!(v, Yaml::Map(_))) {
            set_key(meta, field, Yaml::Map(Vec::new()));
        }
        let map_ = get_mut(meta, field).expect("set");
        let mut failed = false;
        for (k, v) in &changes {
            match v {
                Some(v) => {
                    let current = get(map_, k).cloned();
                    match current {
                        Some(Yaml::Str(c)) if &c != v && !args.bool("overwrite") => {
                            add_error(
                                &mut out,
                                &format!(
                                    "error: '{k}' already has a value ({c}), and --overwrite is false\n"
                                ),
                            );
                            failed = true;
                        }
                        _ => set_key(map_, k, Yaml::str(v.clone())),
                    }
                }
                None => {
                    remove_key(map_, k);
                }
            }
        }
        if failed {
            continue;
        }
        if let Some(meta) = get_mut(&mut tree, "metadata") {
            if get(meta, field).is_some_and(|m| matches!(m, Yaml::Map(e) if e.is_empty())) {
                remove_key(meta, field);
            }
        }
        if tree == before {
            out.stdout.push_str(&t.operation(if labels {
                "not labeled"
            } else {
                "not annotated"
            }));
            continue;
        }
        write_tree(ctx, &tree, doc.as_ref());
        out.stdout
            .push_str(&t.operation(if labels { "labeled" } else { "annotated" }));
    }
    out
}

/// `kubectl set selector|image …`.
fn set(ctx: &mut Ctx, args: &Parsed) -> CommandOutput {
    match args.args.first().map(String::as_str) {
        Some("selector") => {
            let rest = &args.args[1..];
            let Some(expression) = rest.last() else {
                return usage("one selector is required", "set selector");
            };
            let words = rest[..rest.len() - 1].to_vec();
            let (targets, mut out) = match found_targets(ctx, args, &words, "set selector") {
                Ok(t) => t,
                Err(e) => return e,
            };
            let pairs: Vec<(String, Yaml)> = expression
                .split(',')
                .filter_map(|p| p.split_once('='))
                .map(|(k, v)| (k.trim().to_string(), Yaml::str(v.trim())))
                .collect();
            for t in targets {
                if t.resource.kind != "Service" {
                    add_error(
                        &mut out,
                        &format!(
                            "error: the {} \"{}\" has no selector to set\n",
                            t.resource.kind.to_lowercase(),
                            t.name
                        ),
                    );
                    continue;
                }
                match object_tree(ctx, &t) {
                    Ok((mut tree, doc)) => {
                        set_spec(&mut tree, "selector", Yaml::Map(pairs.clone()));
                        write_tree(ctx, &tree, doc.as_ref());
                        out.stdout
                            .push_str(&format!("service/{} selector updated\n", t.name));
                    }
                    Err(e) => {
                        add_error(&mut out, &e);
                    }
                }
            }
            out
        }
        Some("image") => {
            let rest = &args.args[1..];
            let (words, images): (Vec<String>, Vec<String>) =
                rest.iter().cloned().partition(|w| !w.contains('='));
            let (targets, mut out) = match found_targets(ctx, args, &words, "set image") {
                Ok(t) => t,
                Err(e) => return e,
            };
            for t in targets {
                match object_tree(ctx, &t) {
                    Ok((mut tree, doc)) => {
                        let spec = get_mut(&mut tree, "spec")
                            .and_then(|s| get_mut(s, "template"))
                            .and_then(|t| get_mut(t, "spec"))
                            .and_then(|s| get_mut(s, "containers"));
                        if let Some(Yaml::Seq(containers)) = spec {
                            for c in containers.iter_mut() {
                                for i in &images {
                                    let (name, image) = i.split_once('=').unwrap_or(("", ""));
                                    if get(c, "name") == Some(&Yaml::str(name)) || name == "*" {
                                        set_key(c, "image", Yaml::str(image));
                                    }
                                }
                            }
                        }
                        write_tree(ctx, &tree, doc.as_ref());
                        out.stdout.push_str(&t.operation("image updated"));
                    }
                    Err(e) => {
                        add_error(&mut out, &e);
                    }
                }
            }
            out
        }
        _ => CommandOutput::error("svcplay: kubectl set selector|image\n", 1),
    }
}

/// Strategic merge for a Service: maps merge, `null` deletes, `ports` merge by `port`,
/// other lists are replaced (`patchStrategy:"merge" patchMergeKey:"port"` on
/// `ServiceSpec.Ports`).
fn strategic_merge(target: &mut Yaml, patch: &Yaml, path: &str) {
    match (target, patch) {
        (Yaml::Map(t), Yaml::Map(p)) => {
            for (k, v) in p {
                if *v == Yaml::Null {
                    t.retain(|(key, _)| key != k);
                    continue;
                }
                let sub = format!("{path}.{k}");
                match t.iter_mut().find(|(key, _)| key == k) {
                    Some((_, existing)) => {
                        if sub == ".spec.ports" {
                            if let (Yaml::Seq(items), Yaml::Seq(new)) = (&mut *existing, v) {
                                for n in new {
                                    let port = get(n, "port").cloned();
                                    match items
                                        .iter_mut()
                                        .find(|i| get(i, "port").cloned() == port && port.is_some())
                                    {
                                        Some(item) => strategic_merge(item, n, &sub),
                                        None => items.push(n.clone()),
                                    }
                                }
                                continue;
                            }
                        }
                        strategic_merge(existing, v, &sub);
                    }
                    None => t.push((k.clone(), v.clone())),
                }
            }
        }
        (target, patch) => *target = patch.clone(),
    }
}

/// RFC 7386 merge patch.
fn merge_patch(target: &mut Yaml, patch: &Yaml) {
    match (target, patch) {
        (Yaml::Map(t), Yaml::Map(p)) => {
            for (k, v) in p {
                if *v == Yaml::Null {
                    t.retain(|(key, _)| key != k);
                } else {
                    match t.iter_mut().find(|(key, _)| key == k) {
                        Some((_, e)) => merge_patch(e, v),
                        None => t.push((k.clone(), v.clone())),
                    }
                }
            }
        }
        (target, patch) => *target = patch.clone(),
    }
}

/// RFC 6902 JSON patch (`add`, `remove`, `replace`, `test`).
fn json_patch(target: &mut Yaml, ops: &Yaml) -> Result<(), String> {
    let Yaml::Seq(ops) = ops else {
        return Err("json: cannot unmarshal object into Go value of type jsonpatch.Patch".into());
    };
    for op in ops {
        let kind = match get(op, "op") {
            Some(Yaml::Str(s)) => s.clone(),
            _ => return Err("Unexpected kind: unknown".into()),
        };
        let path = match get(op, "path") {
            Some(Yaml::Str(s)) => s.clone(),
            _ => return Err(format!("missing path for {kind} operation")),
        };
        let parts: Vec<String> = path
            .split('/')
            .skip(1)
            .map(|p| p.replace("~1", "/").replace("~0", "~"))
            .collect();
        let Some((last, parents)) = parts.split_last() else {
            return Err("cannot patch the whole object".into());
        };
        let mut node: &mut Yaml = target;
        for p in parents {
            node = match node {
                Yaml::Map(entries) => match entries.iter_mut().find(|(k, _)| k == p) {
                    Some((_, v)) => v,
                    None => return Err(format!("doc is missing path: \"{path}\": missing value")),
                },
                Yaml::Seq(items) => {
                    let i: usize = p.parse().map_err(|_| format!("invalid index {p}"))?;
                    items
                        .get_mut(i)
                        .ok_or_else(|| format!("doc is missing path: \"{path}\": missing value"))?
                }
                _ => return Err(format!("doc is missing path: \"{path}\": missing value")),
            };
        }
        let value = get(op, "value").cloned();
        match (kind.as_str(), node) {
            ("add" | "replace", Yaml::Map(entries)) => {
                let v = value.ok_or("missing value")?;
                match entries.iter_mut().find(|(k, _)| k == last) {
                    Some((_, e)) => *e = v,
                    None if kind == "add" => entries.push((last.clone(), v)),
                    None => {
                        return Err(format!(
                            "replace operation does not apply: doc is missing key: {path}: missing value"
                        ));
                    }
                }
            }
            ("add", Yaml::Seq(items)) => {
                let v = value.ok_or("missing value")?;
                if last == "-" {
                    items.push(v);
                } else {
                    let i: usize = last.parse().map_err(|_| format!("invalid index {last}"))?;
                    if i > items.len() {
                        return Err(format!(
                            "add operation does not apply: doc is missing path: \"{path}\": missing value"
                        ));
                    }
                    items.insert(i, v);
                }
            }
            ("replace", Yaml::Seq(items)) => {
                let i: usize = last.parse().map_err(|_| format!("invalid index {last}"))?;
                let slot = items.get_mut(i).ok_or_else(|| format!("replace operation does not apply: doc is missing key: {path}: missing value"))?;
                *slot = value.ok_or("missing value")?;
            }
            ("remove", Yaml::Map(entries)) => {
                let before = entries.len();
                entries.retain(|(k, _)| k != last);
                if entries.len() == before {
                    return Err(format!(
                        "remove operation does not apply: doc is missing path: \"{path}\": missing value"
                    ));
                }
            }
            ("remove", Yaml::Seq(items)) => {
                let i: usize = last.parse().map_err(|_| format!("invalid index {last}"))?;
                if i >= items.len() {
                    return Err(format!(
                        "remove operation does not apply: doc is missing path: \"{path}\": missing value"
                    ));
                }
                items.remove(i);
            }
            ("test", _) => {}
            (other, _) => return Err(format!("Unexpected kind: {other}")),
        }
    }
    Ok(())
}

fn patch(ctx: &mut Ctx, args: &Parsed) -> CommandOutput {
    let Some(patch_text) = args.value("patch") else {
        return usage("must specify -p to patch", "patch");
    };
    let (docs, errors) = crate::manifest::yaml::parse_documents(patch_text);
    if !errors.is_empty() {
        return CommandOutput::error(
            format!(
                "error: unable to parse \"{patch_text}\": yaml: {}\n",
                errors[0].message
            ),
            1,
        );
    }
    let Some(patch) = docs.into_iter().find_map(|d| d.root).map(|r| from_node(&r)) else {
        return CommandOutput::error(
            format!("error: unable to parse \"{patch_text}\": empty patch\n"),
            1,
        );
    };
    let kind = args.value("type").unwrap_or("strategic");
    let (targets, mut out) = match found_targets(ctx, args, &args.args, "patch") {
        Ok(t) => t,
        Err(e) => return e,
    };
    for t in targets {
        let Some((mut tree, doc)) = tree_to_edit(ctx, &t, &mut out) else {
            continue;
        };
        let before = tree.clone();
        let result = match kind {
            "strategic" => {
                strategic_merge(&mut tree, &patch, "");
                Ok(())
            }
            "merge" => {
                merge_patch(&mut tree, &patch);
                Ok(())
            }
            "json" => {
                // A JSON patch addresses the object as the server stores it: with its
                // defaults (`replace /spec/sessionAffinity` works on a Service that does
                // not write it). Applied to the written document first; where a path
                // only the stored object has is missing, to the stored object (without
                // status and server-set metadata), which is then written.
                match json_patch(&mut tree, &patch) {
                    Ok(()) => Ok(()),
                    Err(first) => match server_object(ctx, &t) {
                        Some(mut stored) => match json_patch(&mut stored, &patch) {
                            Ok(()) => {
                                tree = stored;
                                Ok(())
                            }
                            Err(_) => Err(first),
                        },
                        None => Err(first),
                    },
                }
            }
            other => Err(format!(
                "--type must be one of [json merge strategic], not \"{other}\""
            )),
        };
        if let Err(e) = result {
            add_error(&mut out, &format!("The request is invalid: {e}\n"));
            continue;
        }
        if tree == before {
            out.stdout.push_str(&t.operation("patched (no change)"));
            continue;
        }
        // The API server validates the patched object.
        let before_text = ctx.text().to_string();
        write_tree(ctx, &tree, doc.as_ref());
        let analysis = ctx.analysis();
        let refused = analysis.admissions.iter().find(|a| {
            a.name == t.name
                && a.kind.name() == t.resource.kind
                && matches!(a.outcome, crate::apiserver::Outcome::Rejected(_))
        });
        if let Some(a) = refused {
            let message = a.status_message().unwrap_or_default();
            add_error(
                &mut out,
                &format!(
                    "The {} \"{}\" is invalid: {}\n",
                    t.resource.kind,
                    t.name,
                    message
                        .split_once(" is invalid: ")
                        .map_or(message.as_str(), |(_, m)| m)
                ),
            );
            ctx.set_text(before_text);
            continue;
        }
        out.stdout.push_str(&t.operation("patched"));
    }
    out
}

fn rollout(ctx: &mut Ctx, args: &Parsed) -> CommandOutput {
    let Some(sub) = args.args.first().cloned() else {
        return usage("Required resource not specified.", "rollout");
    };
    let words = args.args[1..].to_vec();
    let (targets, mut out) = match found_targets(ctx, args, &words, &format!("rollout {sub}")) {
        Ok(t) => t,
        Err(e) => return e,
    };
    for t in targets {
        match sub.as_str() {
            "restart" => {
                if t.resource.kind == "DaemonSet" && t.name == "kube-proxy" {
                    let nodes = ctx.analysis().node_names();
                    restart_kube_proxies(ctx, &nodes);
                    out.stdout.push_str("daemonset.apps/kube-proxy restarted\n");
                    continue;
                }
                if t.resource.kind == "Deployment"
                    && t.name == "coredns"
                    && t.namespace == "kube-system"
                {
                    let mut s = ctx.session();
                    *s.restarts
                        .entry(kubeadm::COREDNS_RESTART_KEY.into())
                        .or_insert(0) += 1;
                    s.restart_times
                        .insert(kubeadm::COREDNS_RESTART_KEY.into(), s.time);
                    ctx.set_session(s);
                    out.stdout.push_str("deployment.apps/coredns restarted\n");
                    continue;
                }
                let analysis = ctx.analysis();
                let old_rs = analysis
                    .objects
                    .workloads
                    .iter()
                    .find(|w| {
                        w.kind.name() == t.resource.kind
                            && w.meta.namespace == t.namespace
                            && w.meta.name == t.name
                    })
                    .map(|w| {
                        crate::controllers::workloads::deployment_replica_set(
                            w,
                            &analysis.objects.pods,
                        )
                    });
                match object_tree(ctx, &t) {
                    Ok((mut tree, doc)) => {
                        let now = ctx.session().time;
                        let annotations = get_mut(&mut tree, "spec")
                            .and_then(|s| get_mut(s, "template"))
                            .map(|tpl| {
                                let meta = metadata(tpl);
                                if get(meta, "annotations").is_none() {
                                    set_key(meta, "annotations", Yaml::Map(Vec::new()));
                                }
                                get_mut(meta, "annotations").expect("set")
                            });
                        if let Some(a) = annotations {
                            set_key(
                                a,
                                "kubectl.kubernetes.io/restartedAt",
                                Yaml::str(clock::rfc3339(now)),
                            );
                        }
                        write_tree(ctx, &tree, doc.as_ref());
                        if let (Some(old), "Deployment") = (old_rs, t.resource.kind) {
                            let mut s = ctx.session();
                            let list = s
                                .replica_sets
                                .entry(format!("{}/{}", t.namespace, t.name))
                                .or_default();
                            if !list.contains(&old) {
                                list.push(old);
                            }
                            ctx.set_session(s);
                        }
                        out.stdout.push_str(&t.operation("restarted"));
                    }
                    Err(e) => {
                        add_error(&mut out, &e);
                    }
                }
            }
            "status" => {
                let kind = t.resource.kind.to_lowercase();
                out.stdout.push_str(&match t.resource.kind {
                    "DaemonSet" => format!("daemon set \"{}\" successfully rolled out\n", t.name),
                    "StatefulSet" => format!(
                        "partitioned roll out complete: {} new pods have been updated...\n",
                        1
                    ),
                    _ => format!("{kind} \"{}\" successfully rolled out\n", t.name),
                });
            }
            "history" => {
                let analysis = ctx.analysis();
                let revisions = analysis
                    .objects
                    .workloads
                    .iter()
                    .find(|w| w.meta.namespace == t.namespace && w.meta.name == t.name)
                    .map(crate::views::kubectl::resources::revision)
                    .unwrap_or(1);
                let mut text = format!(
                    "{}/{}\nREVISION  CHANGE-CAUSE\n",
                    t.resource.prefix(),
                    t.name
                );
                for r in 1..=revisions {
                    text.push_str(&format!("{r}         <none>\n"));
                }
                text.push('\n');
                out.stdout.push_str(&text);
            }
            other => {
                return CommandOutput::error(
                    format!("error: unknown command \"{other}\" for \"kubectl rollout\"\n"),
                    1,
                );
            }
        }
    }
    out
}

// ---- edit -------------------------------------------------------------------------------------

/// kubectl edit's header.
const EDIT_HEADER: &str =
    "# Please edit the object below. Lines beginning with a '#' will be ignored,
# and an empty file will abort the edit. If an error occurs while saving this file will be
# reopened with the relevant failures.
#
";

fn edit(ctx: &mut Ctx, args: &Parsed) -> CommandOutput {
    let (targets, missing) = match select_targets(ctx, args, &args.args, "edit") {
        Ok(t) => t,
        Err(e) => return e,
    };
    if let Some(m) = missing.first() {
        return CommandOutput::error(format!("{m}\n"), 1);
    }
    let Some(t) = targets.into_iter().next() else {
        return usage(
            "one or more resources must be specified as <resource> <name> or <resource>/<name>",
            "edit",
        );
    };
    let analysis = ctx.analysis();
    let view = View::new(&analysis);
    let Some(object) = t
        .resource
        .object
        .and_then(|f| f(&view, &t.namespace, &t.name))
    else {
        return CommandOutput::error(
            format!(
                "Error from server (NotFound): {} \"{}\" not found\n",
                t.resource.qualified(),
                t.name
            ),
            1,
        );
    };
    let content = format!("{EDIT_HEADER}{}", crate::manifest::emit::to_string(&object));
    let file = format!(
        "/tmp/kubectl-edit-{}.yaml",
        &crate::controllers::workloads::name_suffix(&format!("{}/{}", t.namespace, t.name))
    );
    ctx.open_editor(Editor {
        title: file,
        content,
        target: EditTarget::Object {
            reference: format!("{}/{}", t.resource.prefix(), t.name),
            namespace: t.namespace.clone(),
        },
        program: "kubectl edit".into(),
    });
    CommandOutput::ok("")
}

/// After `kubectl edit`: what changed is written back.
pub fn finish_edit(
    ctx: &mut Ctx,
    editor: &Editor,
    reference: &str,
    namespace: &str,
    saved: Option<&str>,
) -> CommandOutput {
    let Some(saved) = saved else {
        return CommandOutput::ok("Edit cancelled, no changes made.\n");
    };
    let strip = |s: &str| -> String {
        s.lines()
            .filter(|l| !l.trim_start().starts_with('#'))
            .map(|l| format!("{l}\n"))
            .collect()
    };
    let edited = strip(saved);
    if edited.trim().is_empty() {
        return CommandOutput::ok("Edit cancelled, saved file was empty.\n");
    }
    if edited == strip(&editor.content) {
        return CommandOutput::ok("Edit cancelled, no changes made.\n");
    }
    let (docs, errors) = crate::manifest::yaml::parse_documents(&edited);
    if let Some(e) = errors.first() {
        return CommandOutput::error(
            format!(
                "error: {reference} is invalid\nerror: error parsing edited object: yaml: line {}: {}\n",
                e.span.start.line, e.message
            ),
            1,
        );
    }
    let Some(tree) = docs.into_iter().find_map(|d| d.root).map(|r| from_node(&r)) else {
        return CommandOutput::ok("Edit cancelled, saved file was empty.\n");
    };
    if reference == "configmap/kube-proxy" && namespace == "kube-system" {
        let conf = get(&tree, "data")
            .and_then(|d| get(d, "config.conf"))
            .and_then(|c| match c {
                Yaml::Str(s) => Some(s.clone()),
                _ => None,
            })
            .unwrap_or_default();
        let document = match kubeadm::kube_proxy_document(&conf) {
            Ok(d) => d,
            Err(e) => {
                return CommandOutput::error(
                    format!("error: configmaps \"kube-proxy\" is invalid: config.conf: {e}\n"),
                    1,
                );
            }
        };
        // The running kube-proxy keeps the configuration it started with until it
        // restarts: remember it, unless a change is already waiting.
        let analysis = ctx.analysis();
        let mut session = ctx.session();
        if session.kube_proxy.configuration.is_none() {
            let current = analysis
                .manifest
                .objects
                .iter()
                .rev()
                .find(|o| o.kind == crate::manifest::Kind::KubeProxyConfiguration)
                .map(|o| crate::manifest::emit::to_string(&from_node(&o.node())))
                .unwrap_or_else(|| {
                    "apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\n"
                        .into()
                });
            session.kube_proxy.configuration = Some(current);
            session.kube_proxy.restarted.clear();
        }
        let text_now = ctx.text().to_string();
        let existing = text::documents(&text_now)
            .into_iter()
            .rev()
            .find(|d| d.kind == "KubeProxyConfiguration");
        let text_out = match existing {
            Some(doc) => text::replace(
                &text_now,
                &doc,
                &document_text_lead(&document, doc.text(&text_now)),
            ),
            None => text::append_object(&text_now, &document),
        };
        ctx.set_text(text_out);
        ctx.set_session(session);
        return CommandOutput::ok("configmap/kube-proxy edited\n");
    }
    let (kind_prefix, name) = reference.split_once('/').unwrap_or(("", ""));
    let Some(resource) = find_resource(kind_prefix.split('.').next().unwrap_or("")) else {
        return CommandOutput::error(format!("error: {reference} cannot be edited\n"), 1);
    };
    let t = Target {
        resource,
        namespace: namespace.to_string(),
        name: name.to_string(),
    };
    let doc = match object_tree(ctx, &t) {
        Ok((_, doc)) => doc,
        Err(e) => return CommandOutput::error(e, 1),
    };
    let mut tree = tree;
    if let Some(meta) = get_mut(&mut tree, "metadata") {
        for k in ["uid", "resourceVersion", "managedFields", "generation"] {
            remove_key(meta, k);
        }
    }
    remove_key(&mut tree, "status");
    let before_text = ctx.text().to_string();
    write_tree(ctx, &tree, doc.as_ref());
    let analysis = ctx.analysis();
    if let Some(a) = analysis.admissions.iter().find(|a| {
        a.name == t.name
            && a.kind.name() == resource.kind
            && matches!(a.outcome, crate::apiserver::Outcome::Rejected(_))
    }) {
        let message = a.status_message().unwrap_or_default();
        ctx.set_text(before_text);
        return CommandOutput::error(
            format!(
                "error: {reference} could not be patched: {message}\nYou can run `kubectl replace -f {}` to try this update again.\n",
                editor.title
            ),
            1,
        );
    }
    CommandOutput::ok(format!("{reference} edited\n"))
}

fn document_text_lead(body: &str, old: &str) -> String {
    let lead: String = old
        .lines()
        .take_while(|l| l.trim_start().starts_with('#') || l.trim().is_empty())
        .filter(|l| !l.trim().is_empty())
        .map(|l| format!("{l}\n"))
        .collect();
    format!("{lead}{body}")
}

// ---- run and exec -------------------------------------------------------------------------------

/// Whether a command starts an interactive shell.
fn is_shell(command: &[String]) -> Option<String> {
    match command {
        [one] => {
            let base = one.rsplit('/').next().unwrap_or(one);
            matches!(base, "sh" | "bash" | "ash" | "zsh").then(|| base.to_string())
        }
        _ => None,
    }
}

fn run_pod(ctx: &mut Ctx, args: &Parsed) -> CommandOutput {
    let Some(name) = args.args.first().cloned() else {
        return usage("NAME is required for run", "run");
    };
    let Some(image) = args.value("image").map(str::to_string) else {
        return usage("required flag(s) \"image\" not set", "run");
    };
    let namespace = args.namespace().unwrap_or("default").to_string();
    let restart = args.value("restart").unwrap_or("Always").to_string();
    let mut labels: Vec<(String, Yaml)> = vec![("run".into(), Yaml::str(name.clone()))];
    if let Some(l) = args.value("labels") {
        labels = l
            .split(',')
            .filter_map(|p| p.split_once('='))
            .map(|(k, v)| (k.to_string(), Yaml::str(v)))
            .collect();
    }
    let command = args.command.clone();
    let interactive = args.bool("stdin") && args.bool("tty");
    let ports = args.value("port").and_then(|p| p.parse::<i64>().ok());
    let analysis = ctx.analysis();
    // The scheduler's choice and the node's next address, as for a workload's Pod.
    let node = {
        let mut counts: Vec<(String, usize)> = analysis
            .objects
            .nodes
            .iter()
            .filter(|n| {
                !n.unschedulable
                    && !n
                        .taints
                        .iter()
                        .any(|t| t.effect == "NoSchedule" || t.effect == "NoExecute")
            })
            .map(|n| {
                (
                    n.meta.name.clone(),
                    analysis
                        .objects
                        .pods
                        .iter()
                        .filter(|p| {
                            p.spec.node_name.as_deref() == Some(&n.meta.name)
                                && p.meta.origin != crate::model::Origin::Builtin
                        })
                        .count(),
                )
            })
            .collect();
        if counts.is_empty() {
            counts = analysis.node_names().into_iter().map(|n| (n, 0)).collect();
        }
        counts
            .iter()
            .min_by_key(|(_, c)| *c)
            .map(|(n, _)| n.clone())
            .unwrap_or_default()
    };
    let ips = crate::controllers::workloads::free_pod_ips(&analysis.objects, &node, 1)
        .and_then(|v| v.into_iter().next())
        .unwrap_or_default();
    let host_ip = analysis
        .objects
        .node(&node)
        .and_then(|n| n.internal_ip())
        .map(str::to_string);
    let now = ctx.session().time;
    let mut container = vec![
        ("image", Some(Yaml::str(image.clone()))),
        ("name", Some(Yaml::str(name.clone()))),
        (
            "ports",
            ports.map(|p| Yaml::Seq(vec![map(vec![("containerPort", Some(Yaml::Int(p)))])])),
        ),
    ];
    if let Some(cmd) = &command {
        if !interactive || is_shell(cmd).is_none() {
            container.push(("args", Some(Yaml::strings(cmd))));
        }
    }
    if interactive {
        container.push(("stdin", Some(Yaml::Bool(true))));
        container.push(("tty", Some(Yaml::Bool(true))));
    }
    let mut tree = map(vec![
        ("apiVersion", Some(Yaml::str("v1"))),
        ("kind", Some(Yaml::str("Pod"))),
        (
            "metadata",
            Some(map(vec![
                ("labels", Some(Yaml::Map(labels))),
                ("name", Some(Yaml::str(name.clone()))),
                (
                    "namespace",
                    (namespace != "default").then(|| Yaml::str(namespace.clone())),
                ),
            ])),
        ),
        (
            "spec",
            Some(map(vec![
                ("containers", Some(Yaml::Seq(vec![map(container)]))),
                ("restartPolicy", Some(Yaml::str(restart.clone()))),
            ])),
        ),
    ]);
    if args.value("dry-run").is_some_and(|d| d != "none") {
        let meta = metadata(&mut tree);
        set_key(meta, "creationTimestamp", Yaml::Null);
        if let Some(spec) = get_mut(&mut tree, "spec") {
            set_key(spec, "dnsPolicy", Yaml::str("ClusterFirst"));
        }
        set_key(&mut tree, "status", Yaml::Map(Vec::new()));
        return match args.value("output") {
            Some("yaml") => CommandOutput::ok(crate::manifest::emit::to_string(&tree)),
            Some("json") => CommandOutput::ok(crate::views::kubectl::json::to_string(&tree)),
            _ => CommandOutput::ok(format!("pod/{name} created (dry run)\n")),
        };
    }
    if exists(&analysis, "Pod", &namespace, &name) {
        return CommandOutput::error(
            format!("Error from server (AlreadyExists): pods \"{name}\" already exists\n"),
            1,
        );
    }
    // What the scheduler and the kubelet add.
    if let Some(spec) = get_mut(&mut tree, "spec") {
        set_key(spec, "nodeName", Yaml::str(node.clone()));
    }
    let conditions: Vec<Yaml> = ["Initialized", "Ready", "ContainersReady", "PodScheduled"]
        .iter()
        .map(|t| {
            map(vec![
                ("status", Some(Yaml::str("True"))),
                ("type", Some(Yaml::str(*t))),
            ])
        })
        .collect();
    set_key(
        &mut tree,
        "status",
        map(vec![
            ("conditions", Some(Yaml::Seq(conditions))),
            ("hostIP", host_ip.map(Yaml::Str)),
            ("phase", Some(Yaml::str("Running"))),
            ("podIP", ips.first().cloned().map(Yaml::Str)),
            (
                "podIPs",
                (!ips.is_empty()).then(|| {
                    Yaml::Seq(
                        ips.iter()
                            .map(|ip| map(vec![("ip", Some(Yaml::str(ip.clone())))]))
                            .collect(),
                    )
                }),
            ),
        ]),
    );
    stamp(&mut tree, now);
    let body = crate::manifest::emit::to_string(&tree);
    let text_out = text::append_object(ctx.text(), &body);
    ctx.set_text(text_out);
    let remove = args.bool("rm");
    match (&command, interactive) {
        (Some(cmd), true) if is_shell(cmd).is_some() => {
            ctx.terminal.pod = Some(PodShell {
                namespace,
                pod: name,
                container: args.value("container").unwrap_or("").to_string(),
                program: is_shell(cmd).unwrap_or_default(),
                cwd: "/".into(),
                remove_on_exit: remove,
                busybox: super::is_busybox_image(&image),
            });
            CommandOutput::ok("If you don't see a command prompt, try pressing enter.\n")
        }
        (Some(cmd), _) if args.bool("stdin") || args.bool("attach") || remove => {
            let out = in_pod(ctx, &namespace, &name, cmd);
            let mut out = out;
            if remove {
                let text_now = ctx.text().to_string();
                if let Some(doc) = written(&text_now, "Pod", &namespace, &name) {
                    ctx.set_text(text::remove(&text_now, &doc));
                }
                out.stdout.push_str(&format!(
                    "pod \"{name}\" deleted from {namespace} namespace\n"
                ));
            }
            out
        }
        _ => CommandOutput::ok(format!("pod/{name} created\n")),
    }
}

/// Runs one command in a Pod (the terminal's Pod shell for the time of it).
fn in_pod(ctx: &mut Ctx, namespace: &str, pod: &str, command: &[String]) -> CommandOutput {
    let saved = ctx.terminal.pod.replace(PodShell {
        namespace: namespace.to_string(),
        pod: pod.to_string(),
        container: String::new(),
        program: "sh".into(),
        cwd: "/".into(),
        remove_on_exit: false,
        busybox: false,
    });
    let out = match command {
        [sh, flag, script] if is_shell(std::slice::from_ref(sh)).is_some() && flag == "-c" => {
            let request = super::Request {
                text: ctx.text(),
                analysis: None,
                terminal: &ctx.terminal,
                line: script,
                interrupt_after: Some(super::DEFAULT_INTERRUPT_AFTER),
            };
            let outcome = super::exec::run(request);
            ctx.set_text(outcome.text.clone());
            CommandOutput {
                interleaved: Vec::new(),
                stdout: outcome
                    .output
                    .iter()
                    .filter(|c| c.stream == super::Stream::Stdout)
                    .map(|c| c.text.as_str())
                    .collect(),
                stderr: outcome
                    .output
                    .iter()
                    .filter(|c| c.stream == super::Stream::Stderr)
                    .map(|c| c.text.as_str())
                    .collect(),
                status: outcome.status,
            }
        }
        _ if is_shell(command).is_some() => CommandOutput::ok(""),
        _ => super::pod::run(ctx, command, None),
    };
    ctx.terminal.pod = saved;
    out
}

fn exec(ctx: &mut Ctx, args: &Parsed) -> CommandOutput {
    let Some(target) = args.args.first().cloned() else {
        return usage(
            "expected 'exec (POD | TYPE/NAME) [-c CONTAINER] [flags] -- COMMAND [args...]'.\nPOD or TYPE/NAME is a required argument for the exec command",
            "exec",
        );
    };
    let Some(command) = args.command.clone().filter(|c| !c.is_empty()) else {
        if args.args.len() > 1 {
            return usage(
                "exec [POD] [COMMAND] is not supported anymore. Use exec [POD] -- [COMMAND] instead",
                "exec",
            );
        }
        return usage(
            "you must specify at least one command for the container",
            "exec",
        );
    };
    let namespace = args.namespace().unwrap_or("default").to_string();
    let analysis = ctx.analysis();
    // `deploy/NAME`, `svc/NAME`: the first Pod of it.
    let pod = match target.split_once('/') {
        Some((kind, name)) if !matches!(kind, "pod" | "pods" | "po") => {
            let Some(resource) = find_resource(kind) else {
                return CommandOutput::error(
                    format!("error: the server doesn't have a resource type \"{kind}\"\n"),
                    1,
                );
            };
            let selector = match resource.kind {
                "Deployment" | "ReplicaSet" | "StatefulSet" => analysis
                    .objects
                    .workloads
                    .iter()
                    .find(|w| {
                        w.kind.name() == resource.kind
                            && w.meta.namespace == namespace
                            && w.meta.name == name
                    })
                    .map(|w| w.selector.clone()),
                "Service" => analysis.objects.service(&namespace, name).map(|s| {
                    crate::model::labels::LabelSelector {
                        match_labels: s.spec.selector.clone().unwrap_or_default(),
                        match_expressions: Vec::new(),
                    }
                }),
                _ => None,
            };
            let Some(selector) = selector else {
                return CommandOutput::error(
                    format!(
                        "Error from server (NotFound): {} \"{name}\" not found\n",
                        resource.qualified()
                    ),
                    1,
                );
            };
            let mut pods: Vec<&crate::model::Pod> = analysis
                .objects
                .pods
                .iter()
                .filter(|p| {
                    p.meta.namespace == namespace
                        && !selector.is_empty()
                        && selector.matches(&p.meta.labels)
                })
                .collect();
            pods.sort_by(|a, b| a.meta.name.cmp(&b.meta.name));
            match pods.first() {
                Some(p) => p.meta.name.clone(),
                None => return CommandOutput::error("error: no pods found\n".to_string(), 1),
            }
        }
        Some((_, name)) => name.to_string(),
        None => target.clone(),
    };
    let Some(p) = analysis
        .objects
        .pods
        .iter()
        .find(|p| p.meta.namespace == namespace && p.meta.name == pod)
    else {
        return CommandOutput::error(
            format!("Error from server (NotFound): pods \"{pod}\" not found\n"),
            1,
        );
    };
    if let Some(c) = args.value("container") {
        if !p.spec.containers.iter().any(|x| x.name == c) {
            return CommandOutput::error(
                format!(
                    "Error from server (BadRequest): container {c} is not valid for pod {pod}\n"
                ),
                1,
            );
        }
    }
    if p.status.phase.as_deref() != Some("Running") {
        return CommandOutput::error(
            format!(
                "error: unable to upgrade connection: container not found (\"{}\")\n",
                p.spec.containers.first().map_or("", |c| c.name.as_str())
            ),
            1,
        );
    }
    if let (Some(program), true) = (is_shell(&command), args.bool("stdin")) {
        ctx.terminal.pod = Some(PodShell {
            namespace,
            pod,
            container: args.value("container").unwrap_or("").to_string(),
            program,
            cwd: "/".into(),
            remove_on_exit: false,
            busybox: p
                .spec
                .containers
                .first()
                .and_then(|c| c.image.as_deref())
                .is_some_and(super::is_busybox_image),
        });
        return CommandOutput::ok("");
    }
    in_pod(ctx, &namespace, &pod, &command)
}

/// `kubectl logs`: kube-proxy's start-up lines (which mode it uses), a web server's start.
fn logs(ctx: &mut Ctx, args: &Parsed) -> CommandOutput {
    let namespace = args.namespace().unwrap_or("default").to_string();
    let analysis = ctx.analysis();
    let pods: Vec<crate::model::Pod> = match (args.args.first(), args.value("selector")) {
        (Some(name), _) => {
            let name = name.strip_prefix("pod/").unwrap_or(name);
            match analysis
                .objects
                .pods
                .iter()
                .find(|p| p.meta.namespace == namespace && p.meta.name == name)
            {
                Some(p) => vec![p.clone()],
                None => {
                    return CommandOutput::error(
                        format!("Error from server (NotFound): pods \"{name}\" not found\n"),
                        1,
                    );
                }
            }
        }
        (None, Some(sel)) => {
            let selector = match parse_selector(sel) {
                Ok(s) => s,
                Err(e) => return CommandOutput::error(format!("error: {e}\n"), 1),
            };
            analysis
                .objects
                .pods
                .iter()
                .filter(|p| p.meta.namespace == namespace && selector.matches(&p.meta.labels))
                .cloned()
                .collect()
        }
        (None, None) => {
            return usage(
                "expected 'logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]'.\nPOD or TYPE/NAME is a required argument for the logs command",
                "logs",
            );
        }
    };
    // `--tail=N` keeps each Pod's last N lines; with a selector kubectl asks for 10.
    let tail: Option<usize> = match args.value("tail") {
        Some(t) => t.parse::<i64>().ok().and_then(|n| usize::try_from(n).ok()),
        None if args.value("selector").is_some() => Some(10),
        None => None,
    };
    let mut all = String::new();
    for p in pods {
        let mut out = String::new();
        let stamp = |offset: i64| {
            let c = clock::civil(crate::views::kubectl::created(&p.meta) + offset);
            format!(
                "I{:02}{:02} {:02}:{:02}:{:02}.{:06}       1",
                c.month,
                c.day,
                c.hour,
                c.minute,
                c.second,
                100_000 + offset * 1000
            )
        };
        if p.meta.name.starts_with("kube-proxy-") {
            let node = p.spec.node_name.clone().unwrap_or_default();
            let mode = analysis.on_node(&node).proxy_config.mode;
            let ip = p.status.pod_ip.clone().unwrap_or_default();
            out.push_str(&format!(
                "{} server_linux.go:53] \"Using iptables proxy\"\n",
                stamp(0)
            ));
            out.push_str(&format!(
                "{} server.go:698] \"Successfully retrieved node IP(s)\" IPs=[\"{ip}\"]\n",
                stamp(1)
            ));
            out.push_str(&format!(
                "{} server_linux.go:{}] \"Using {} Proxier\"\n",
                stamp(2),
                if mode == crate::proxy::config::ProxyMode::Ipvs {
                    185
                } else {
                    132
                },
                mode.as_str()
            ));
            out.push_str(&format!(
                "{} server.go:911] \"Version info\" version=\"{}\"\n",
                stamp(3),
                kubeadm::KUBERNETES_VERSION
            ));
            out.push_str(&format!(
                "{} config.go:199] \"Starting service config controller\"\n",
                stamp(4)
            ));
            out.push_str(&format!(
                "{} shared_informer.go:349] \"Caches are synced\" controller=\"service config\"\n",
                stamp(5)
            ));
        } else if p.spec.containers.iter().any(|c| {
            c.image
                .as_deref()
                .is_some_and(|i| i.rsplit('/').next().unwrap_or("").starts_with("nginx"))
        }) {
            out.push_str("/docker-entrypoint.sh: /docker-entrypoint.d/ is not empty, will attempt to perform configuration\n/docker-entrypoint.sh: Looking for shell scripts in /docker-entrypoint.d/\n/docker-entrypoint.sh: Configuration complete; ready for start up\n");
        }
        let lines: Vec<&str> = out.lines().collect();
        let from = tail.map_or(0, |n| lines.len().saturating_sub(n));
        for line in &lines[from..] {
            all.push_str(line);
            all.push('\n');
        }
    }
    CommandOutput::ok(all)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patches_merge_as_the_api_server_merges() {
        let mut t = from_node(
            &crate::manifest::yaml::parse_documents(
                "spec:\n  type: ClusterIP\n  ports:\n  - port: 80\n    targetPort: 80\n",
            )
            .0[0]
                .root
                .clone()
                .unwrap(),
        );
        let p = from_node(
            &crate::manifest::yaml::parse_documents(
                "{\"spec\":{\"type\":\"NodePort\",\"ports\":[{\"port\":80,\"nodePort\":30080}]}}",
            )
            .0[0]
                .root
                .clone()
                .unwrap(),
        );
        strategic_merge(&mut t, &p, "");
        let out = crate::manifest::emit::to_string(&t);
        assert!(out.contains("type: NodePort"), "{out}");
        assert!(
            out.contains("nodePort: 30080") && out.contains("targetPort: 80"),
            "{out}"
        );
        let ops = from_node(&crate::manifest::yaml::parse_documents("[{\"op\":\"replace\",\"path\":\"/spec/type\",\"value\":\"ClusterIP\"},{\"op\":\"remove\",\"path\":\"/spec/ports/0/nodePort\"}]").0[0].root.clone().unwrap());
        json_patch(&mut t, &ops).unwrap();
        let out = crate::manifest::emit::to_string(&t);
        assert!(
            out.contains("type: ClusterIP") && !out.contains("nodePort"),
            "{out}"
        );
    }
}
