//! `kubectl`: what it prints when it reads the cluster (`get`, `describe`, `explain`,
//! `api-resources`, `version`), and `apply`'s printing.
//!
//! [`run`] reads a command line as kubectl's flag parser does ([`flags`]) and answers from
//! the [`Analysis`], printing exactly what kubectl v1.35 prints: tables through Go's
//! text/tabwriter ([`crate::views::tabwriter`]), describe blocks ([`describe`]), `-o
//! yaml` through the crate's go-yaml emitter ([`yaml`]), `-o json` as Go's encoder prints
//! it ([`json`]), `-o jsonpath=…` and `-o custom-columns=…` through client-go's JSONPath
//! ([`jsonpath`]), `-o name`. The verbs that change the cluster are the terminal's
//! ([`crate::shell`]): they edit the scenario and then print through these views.
//!
//! **One table of resources.** Every resource kubectl knows here is one [`Resource`] in
//! [`RESOURCES`]: its names (short, singular, plural, kind, with the group), its table
//! columns, how it lists its objects as rows, how it describes one, and its object as
//! the server returns it (which `-o yaml|json|jsonpath|custom-columns` and
//! `--field-selector` read). Services ([`service`]), Endpoints and EndpointSlices
//! ([`endpoints`]), Pods ([`pods`]), and Deployments, ReplicaSets, StatefulSets,
//! DaemonSets, Nodes, Namespaces, ConfigMaps and Events ([`resources`]).
//!
//! Time: the clock is the session's ([`crate::session`]; 10 s after the objects were
//! created when nothing has happened). An object's AGE is the clock minus its
//! `creationTimestamp` (written, or the scenario's start), printed with apimachinery's
//! `HumanDuration`.

pub mod apply;
pub mod describe;
pub mod endpoints;
pub mod endpoints_line;
pub mod explain;
pub mod flags;
pub mod json;
pub mod jsonpath;
pub mod objects_yaml;
pub mod pods;
pub mod resources;
pub mod service;
pub mod yaml;

use super::CommandOutput;
use super::tabwriter;
use crate::apiserver::field::go_quote;
use crate::model::ObjectMeta;
use crate::model::labels::{LabelSelector, Operator, Requirement};
use crate::scenario::Analysis;
use crate::session::clock;
use flags::Parsed;
use yaml::Yaml;

/// How long ago every object of a fresh scenario was created, in seconds.
pub const AGE_SECONDS: i64 = crate::controllers::SCENARIO_AGE_SECONDS;

/// The AGE every object of a fresh scenario shows (`10s`).
pub fn age() -> String {
    human_duration(AGE_SECONDS)
}

/// apimachinery's `duration.HumanDuration`: values are truncated, not rounded.
pub fn human_duration(seconds: i64) -> String {
    if seconds < -1 {
        return "<invalid>".into();
    }
    if seconds < 0 {
        return "0s".into();
    }
    if seconds < 60 * 2 {
        return format!("{seconds}s");
    }
    let minutes = seconds / 60;
    if minutes < 10 {
        let s = seconds % 60;
        return if s == 0 {
            format!("{minutes}m")
        } else {
            format!("{minutes}m{s}s")
        };
    }
    if minutes < 60 * 3 {
        return format!("{minutes}m");
    }
    let hours = seconds / 3600;
    if hours < 8 {
        let m = minutes % 60;
        return if m == 0 {
            format!("{hours}h")
        } else {
            format!("{hours}h{m}m")
        };
    }
    if hours < 48 {
        return format!("{hours}h");
    }
    if hours < 24 * 8 {
        let h = hours % 24;
        return if h == 0 {
            format!("{}d", hours / 24)
        } else {
            format!("{}d{h}h", hours / 24)
        };
    }
    if hours < 24 * 365 * 2 {
        return format!("{}d", hours / 24);
    }
    if hours < 24 * 365 * 8 {
        let d = (hours / 24) % 365;
        return if d == 0 {
            format!("{}y", hours / 24 / 365)
        } else {
            format!("{}y{d}d", hours / 24 / 365)
        };
    }
    format!("{}y", hours / 24 / 365)
}

/// `labels.FormatLabels`: `k=v,k2=v2` sorted by key, `<none>` when empty.
pub fn format_labels(labels: &crate::model::StringMap) -> String {
    if labels.is_empty() {
        "<none>".into()
    } else {
        crate::model::labels::format_map(labels)
    }
}

/// An object with metadata, as kubectl's printers and describers find and list them.
pub(crate) trait Meta {
    fn meta(&self) -> &ObjectMeta;
}

macro_rules! meta {
    ($($t:ty),*) => {
        $(impl Meta for $t {
            fn meta(&self) -> &ObjectMeta {
                &self.meta
            }
        })*
    };
}

meta!(
    crate::model::Pod,
    crate::model::Service,
    crate::model::Endpoints,
    crate::model::EndpointSlice,
    crate::model::ConfigMap,
    crate::model::DaemonSet,
    crate::model::Workload
);

/// The objects of `items` in `namespace` (`None`: every namespace), in the API server's
/// list order: namespace, then name.
pub(crate) fn in_list_order<'a, T: Meta + 'a>(
    items: impl IntoIterator<Item = &'a T>,
    namespace: Option<&str>,
) -> Vec<&'a T> {
    let mut list: Vec<&T> = items
        .into_iter()
        .filter(|o| namespace.is_none_or(|ns| o.meta().namespace == ns))
        .collect();
    crate::sort::sort_by(&mut list, |a, b| {
        let (a, b) = (a.meta(), b.meta());
        (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name))
    });
    list
}

/// The object `namespace/name` among `items`.
pub(crate) fn named<'a, T: Meta>(items: &'a [T], namespace: &str, name: &str) -> Option<&'a T> {
    items
        .iter()
        .find(|o| o.meta().namespace == namespace && o.meta().name == name)
}

/// When an object was created: its `creationTimestamp`, or the scenario's start.
pub fn created(meta: &ObjectMeta) -> i64 {
    meta.creation_timestamp
        .as_deref()
        .and_then(clock::parse_rfc3339)
        .unwrap_or(clock::SCENARIO_START_EPOCH)
}

/// The cluster as one kubectl command sees it: the analysis and the session clock.
#[derive(Clone, Copy)]
pub struct View<'a> {
    pub analysis: &'a Analysis,
    /// The session clock (epoch seconds).
    pub now: i64,
}

impl<'a> View<'a> {
    pub fn new(analysis: &'a Analysis) -> View<'a> {
        View {
            analysis,
            now: analysis.session.session.time,
        }
    }

    /// An object's AGE.
    pub fn age(&self, meta: &ObjectMeta) -> String {
        human_duration(self.now - created(meta))
    }

    /// How long ago an epoch second was.
    pub fn since(&self, epoch: i64) -> String {
        human_duration(self.now - epoch)
    }
}

/// One row of a `kubectl get` table.
#[derive(Clone, Debug, Default)]
pub struct Row {
    pub namespace: String,
    pub name: String,
    /// The cells after NAME, in the header's order.
    pub cells: Vec<String>,
    /// The `-o wide` cells, after those.
    pub wide: Vec<String>,
    /// The object's labels (`--show-labels`, `-l`, `-L`).
    pub labels: crate::model::StringMap,
}

/// Lists a resource's objects as table rows: `(view, namespace or all, wide)`.
pub type RowsFn = fn(&View, Option<&str>, bool) -> Vec<Row>;
/// Describes one object: `(view, namespace, name)`.
pub type DescribeFn = fn(&View, &str, &str) -> Option<String>;
/// One object as the server returns it: `(view, namespace, name)`.
pub type ObjectFn = fn(&View, &str, &str) -> Option<Yaml>;

/// A resource kubectl knows: how to list, print, describe and serialise it.
pub struct Resource {
    /// The names kubectl accepts for it (`svc`, `service`, `services`), lower case.
    pub names: &'static [&'static str],
    pub kind: &'static str,
    /// The API group (empty for the core group).
    pub group: &'static str,
    pub version: &'static str,
    /// Its plural (`services`, `deployments`).
    pub plural: &'static str,
    pub namespaced: bool,
    /// The column names after NAME, and the `-o wide` ones.
    pub header: &'static [&'static str],
    pub wide_header: &'static [&'static str],
    /// Every object as a row, sorted as the server lists them (namespace, then name);
    /// `namespace` None means all namespaces.
    pub rows: RowsFn,
    /// `kubectl describe` of one object.
    pub describe: Option<DescribeFn>,
    /// The object as the server returns it.
    pub object: Option<ObjectFn>,
    /// A warning the server sends with every request on this resource.
    pub warning: Option<&'static str>,
    /// The field selectors the server supports beyond `metadata.name` and
    /// `metadata.namespace`.
    pub field_labels: &'static [&'static str],
    /// The short names `kubectl api-resources` lists.
    pub short_names: &'static [&'static str],
}

impl Resource {
    /// `services`, `deployments.apps`: how server errors name the resource.
    pub fn qualified(&self) -> String {
        if self.group.is_empty() {
            self.plural.to_string()
        } else {
            format!("{}.{}", self.plural, self.group)
        }
    }

    /// `service`, `deployment.apps`: the prefix of `-o name` and multi-kind tables.
    pub fn prefix(&self) -> String {
        let kind = self.kind.to_lowercase();
        if self.group.is_empty() {
            kind
        } else {
            format!("{kind}.{}", self.group)
        }
    }

    /// Whether its table has a NAME column (Events name their object instead).
    pub fn name_column(&self) -> bool {
        self.kind != "Event"
    }

    /// `v1`, `apps/v1`.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.to_string()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }
}

/// Every resource svcplay answers for, in `kubectl api-resources` order.
pub const RESOURCES: &[&Resource] = &[
    &resources::CONFIG_MAPS,
    &endpoints::ENDPOINTS,
    &resources::EVENTS,
    &resources::NAMESPACES,
    &resources::NODES,
    &pods::RESOURCE,
    &service::RESOURCE,
    &resources::DAEMON_SETS,
    &resources::DEPLOYMENTS,
    &resources::REPLICA_SETS,
    &resources::STATEFUL_SETS,
    &endpoints::ENDPOINT_SLICES,
];

/// What `kubectl get all` lists, in its order.
const ALL: &[&str] = &[
    "pods",
    "services",
    "daemonsets",
    "deployments",
    "replicasets",
    "statefulsets",
];

/// Resource types kubectl knows that svcplay's cluster has no objects of.
const EMPTY_TYPES: &[(&str, &[&str])] = &[
    ("jobs.batch", &["job", "jobs"]),
    ("cronjobs.batch", &["cj", "cronjob", "cronjobs"]),
    ("secrets", &["secret", "secrets"]),
    (
        "serviceaccounts",
        &["sa", "serviceaccount", "serviceaccounts"],
    ),
    (
        "ingresses.networking.k8s.io",
        &["ing", "ingress", "ingresses"],
    ),
    (
        "networkpolicies.networking.k8s.io",
        &["netpol", "networkpolicy", "networkpolicies"],
    ),
    (
        "persistentvolumeclaims",
        &["pvc", "persistentvolumeclaim", "persistentvolumeclaims"],
    ),
    (
        "persistentvolumes",
        &["pv", "persistentvolume", "persistentvolumes"],
    ),
    (
        "replicationcontrollers",
        &["rc", "replicationcontroller", "replicationcontrollers"],
    ),
    (
        "horizontalpodautoscalers.autoscaling",
        &["hpa", "horizontalpodautoscaler", "horizontalpodautoscalers"],
    ),
];

/// The resource a word names (`svc`, `Service`, `deployments.apps`, `deploy`).
pub fn find_resource(word: &str) -> Option<&'static Resource> {
    let lower = word.to_lowercase();
    let (base, group) = match lower.split_once('.') {
        Some((b, g)) => (b.to_string(), Some(g.to_string())),
        None => (lower.clone(), None),
    };
    RESOURCES.iter().copied().find(|r| {
        r.names.contains(&base.as_str())
            && group
                .as_deref()
                .is_none_or(|g| g == r.group || (r.group.is_empty() && g == r.version))
    })
}

/// A `-l` selector (kubectl's `labels.Parse`): `k=v`, `k==v`, `k!=v`, `k`, `!k`,
/// `k in (a,b)`, `k notin (a,b)`, comma-separated.
pub fn parse_selector(text: &str) -> Result<LabelSelector, String> {
    let mut selector = LabelSelector::default();
    let mut parts: Vec<String> = Vec::new();
    let mut depth = 0;
    let mut current = String::new();
    for c in text.chars() {
        match c {
            '(' => {
                depth += 1;
                current.push(c);
            }
            ')' => {
                depth -= 1;
                current.push(c);
            }
            ',' if depth == 0 => parts.push(std::mem::take(&mut current)),
            c => current.push(c),
        }
    }
    parts.push(current);
    for part in parts.iter().map(|p| p.trim()).filter(|p| !p.is_empty()) {
        let set = |op: &str, operator: Operator| -> Option<Requirement> {
            let (key, rest) = part.split_once(&format!(" {op} "))?;
            let values = rest
                .trim()
                .strip_prefix('(')?
                .strip_suffix(')')?
                .split(',')
                .map(|v| v.trim().to_string())
                .collect();
            Some(Requirement {
                key: key.trim().to_string(),
                operator,
                values,
            })
        };
        if let Some(r) = set("notin", Operator::NotIn).or_else(|| set("in", Operator::In)) {
            selector.match_expressions.push(r);
        } else if let Some((k, v)) = part.split_once("!=") {
            selector.match_expressions.push(Requirement {
                key: k.trim().into(),
                operator: Operator::NotIn,
                values: vec![v.trim().into()],
            });
        } else if let Some((k, v)) = part.split_once("==").or_else(|| part.split_once('=')) {
            selector
                .match_labels
                .insert(k.trim().into(), v.trim().into());
        } else if let Some(k) = part.strip_prefix('!') {
            selector.match_expressions.push(Requirement {
                key: k.trim().into(),
                operator: Operator::DoesNotExist,
                values: Vec::new(),
            });
        } else if part
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c))
        {
            selector.match_expressions.push(Requirement {
                key: part.into(),
                operator: Operator::Exists,
                values: Vec::new(),
            });
        } else {
            return Err(format!("unable to parse requirement: found '{part}'"));
        }
    }
    Ok(selector)
}

/// A `--field-selector`: `path=value`, `path==value`, `path!=value`, comma-separated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldRequirement {
    pub path: String,
    pub value: String,
    pub equal: bool,
}

pub fn parse_field_selector(text: &str) -> Result<Vec<FieldRequirement>, String> {
    text.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            if let Some((k, v)) = p.split_once("!=") {
                Ok(FieldRequirement {
                    path: k.trim().into(),
                    value: v.trim().into(),
                    equal: false,
                })
            } else if let Some((k, v)) = p.split_once("==").or_else(|| p.split_once('=')) {
                Ok(FieldRequirement {
                    path: k.trim().into(),
                    value: v.trim().into(),
                    equal: true,
                })
            } else {
                Err(format!("invalid selector: '{p}'; can't understand '{p}'"))
            }
        })
        .collect()
}

/// The value of a dotted path (`status.phase`) of an object, as the server's field
/// selectors read it.
fn field_value(object: &Yaml, path: &str) -> String {
    let mut value = object;
    for key in path.split('.') {
        match value {
            Yaml::Map(entries) => match entries.iter().find(|(k, _)| k == key) {
                Some((_, v)) => value = v,
                None => return String::new(),
            },
            _ => return String::new(),
        }
    }
    match value {
        Yaml::Str(s) => s.clone(),
        Yaml::Int(i) => i.to_string(),
        Yaml::Bool(b) => b.to_string(),
        _ => String::new(),
    }
}

/// `No resources found in dev namespace.` / `No resources found`.
pub fn no_resources(namespace: Option<&str>) -> String {
    match namespace {
        Some(ns) => format!("No resources found in {ns} namespace.\n"),
        None => "No resources found\n".into(),
    }
}

/// The namespace a command works in: `-n`, else `default`; `None` with `-A`.
fn namespace_of(args: &Parsed) -> Option<String> {
    if args.bool("all-namespaces") {
        None
    } else {
        Some(args.namespace().unwrap_or("default").to_string())
    }
}

fn verb_flags(verb: &str) -> Option<&'static [flags::Flag]> {
    match verb {
        "get" => Some(flags::GET),
        "describe" => Some(flags::DESCRIBE),
        "explain" => Some(flags::EXPLAIN),
        "api-resources" => Some(API_RESOURCES_FLAGS),
        "version" => Some(VERSION_FLAGS),
        "cluster-info" => Some(&[]),
        _ => None,
    }
}

const API_RESOURCES_FLAGS: &[flags::Flag] = &[
    flags::OUTPUT,
    flags::Flag {
        long: "namespaced",
        short: None,
        value: false,
    },
    flags::Flag {
        long: "no-headers",
        short: None,
        value: false,
    },
    flags::Flag {
        long: "api-group",
        short: None,
        value: true,
    },
];

const VERSION_FLAGS: &[flags::Flag] = &[
    flags::OUTPUT,
    flags::Flag {
        long: "client",
        short: None,
        value: false,
    },
];

/// The verbs this module answers; the others are the terminal's ([`crate::shell`]).
pub const READ_VERBS: &[&str] = &[
    "get",
    "describe",
    "explain",
    "api-resources",
    "version",
    "cluster-info",
];

/// Runs `kubectl ARGS...` (`argv` without the program name) for the verbs that only read.
pub fn run(analysis: &Analysis, context: &super::Context, argv: &[String]) -> CommandOutput {
    let view = View::new(analysis);
    let before_dash: Vec<String> = argv.iter().take_while(|a| *a != "--").cloned().collect();
    if before_dash.iter().any(|a| a == "exec") {
        return exec(analysis, context, argv);
    }
    let args = match flags::parse(argv, &verb_flags) {
        Ok(a) => a,
        Err(e) => return CommandOutput::error(e, 1),
    };
    match args.verb.as_deref() {
        Some("get") => get(&view, &args),
        Some("describe") => describe(&view, &args),
        Some("explain") => explain::run(&args),
        Some("api-resources") => api_resources(&args),
        Some("version") => version(&args),
        Some("cluster-info") => cluster_info(&view),
        Some(other) if KUBECTL_COMMANDS.contains(&other) => {
            CommandOutput::error(format!("svcplay: kubectl {other} is not simulated\n"), 1)
        }
        Some(other) => CommandOutput::error(unknown_command(other), 1),
        None => CommandOutput::ok(KUBECTL_USAGE),
    }
}

/// kubectl's commands in the order it registers them (`kubectl --help`, then the `options`
/// and `help` commands), which is the order cobra suggests them in.
const KUBECTL_COMMANDS: &[&str] = &[
    "create",
    "expose",
    "run",
    "set",
    "explain",
    "get",
    "edit",
    "delete",
    "rollout",
    "scale",
    "autoscale",
    "certificate",
    "cluster-info",
    "top",
    "cordon",
    "uncordon",
    "drain",
    "taint",
    "describe",
    "logs",
    "attach",
    "exec",
    "port-forward",
    "proxy",
    "cp",
    "auth",
    "debug",
    "events",
    "diff",
    "apply",
    "patch",
    "replace",
    "wait",
    "kustomize",
    "label",
    "annotate",
    "completion",
    "api-resources",
    "api-versions",
    "config",
    "plugin",
    "version",
    "options",
    "help",
];

/// What kubectl prints for a command it does not have: cobra's `unknown command` error with
/// the suggestions of `Command.SuggestionsFor` (a Levenshtein distance of at most 2, case
/// ignored, or a prefix), as kubectl prints an error cobra returns (`Error: ` and no usage).
fn unknown_command(word: &str) -> String {
    let lower = word.to_lowercase();
    let close: Vec<&str> = KUBECTL_COMMANDS
        .iter()
        .copied()
        .filter(|c| levenshtein(c, &lower) <= 2 || c.starts_with(&lower))
        .collect();
    let mut out = format!("Error: unknown command \"{word}\" for \"kubectl\"\n");
    if !close.is_empty() {
        out.push_str("\nDid you mean this?\n");
        for c in close {
            out.push_str(&format!("\t{c}\n"));
        }
        out.push('\n');
    }
    out
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut row = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            row.push((prev[j + 1] + 1).min(row[j] + 1).min(prev[j] + cost));
        }
        prev = row;
    }
    prev[b.len()]
}

/// The top of `kubectl` without arguments.
const KUBECTL_USAGE: &str = "kubectl controls the Kubernetes cluster manager.

 Find more information at: https://kubernetes.io/docs/reference/kubectl/

Basic Commands (Beginner):
  create          Create a resource from a file or from stdin
  expose          Take a replication controller, service, deployment or pod and expose it as a new Kubernetes service
  run             Run a particular image on the cluster
  set             Set specific features on objects

Basic Commands (Intermediate):
  explain         Get documentation for a resource
  get             Display one or many resources
  edit            Edit a resource on the server
  delete          Delete resources by file names, stdin, resources and names, or by resources and label selector

Deploy Commands:
  rollout         Manage the rollout of a resource
  scale           Set a new size for a deployment, replica set, or replication controller

Troubleshooting and Debugging Commands:
  describe        Show details of a specific resource or group of resources
  logs            Print the logs for a container in a pod
  exec            Execute a command in a container

Advanced Commands:
  apply           Apply a configuration to a resource by file name or stdin
  patch           Update fields of a resource

Settings Commands:
  label           Update the labels on a resource
  annotate        Update the annotations on a resource

Other Commands:
  api-resources   Print the supported API resources on the server
  version         Print the client and server version information

Usage:
  kubectl [flags] [options]

Use \"kubectl <command> --help\" for more information about a given command.
Use \"kubectl options\" for a list of global command-line options (applies to all commands).
";

/// What a resource argument resolved to.
pub enum Target {
    Resource(&'static Resource),
    /// A type kubectl knows but the cluster has no objects of (`jobs`): its qualified name.
    Empty(&'static str),
}

/// `svc,ep` and `svc/web` forms: resources and names.
pub type Targets = Vec<(Target, Option<String>)>;

/// Resolves a resource word, or kubectl's error for it.
pub fn resolve_type(word: &str) -> Result<Target, CommandOutput> {
    if let Some(r) = find_resource(word) {
        return Ok(Target::Resource(r));
    }
    let lower = word.to_lowercase();
    let base = lower.split('.').next().unwrap_or(&lower);
    if let Some((name, _)) = EMPTY_TYPES.iter().find(|(_, names)| names.contains(&base)) {
        return Ok(Target::Empty(name));
    }
    Err(CommandOutput::error(
        format!("error: the server doesn't have a resource type {word:?}\n"),
        1,
    ))
}

/// kubectl's resource-builder: `TYPE[,TYPE] [NAME...]` or `TYPE/NAME...`; `all` expands.
pub fn targets(positional: &[String], verb: &str) -> Result<(Targets, bool), CommandOutput> {
    let Some(first) = positional.first() else {
        return Err(CommandOutput::error(
            format!(
                "You must specify the type of resource to {verb}. Use \"kubectl api-resources\" for a complete list of supported resources.\n\nerror: Required resource not specified.\nUse \"kubectl explain <resource>\" for a detailed description of that resource (e.g. kubectl explain pods).\nSee 'kubectl {verb} -h' for help and examples\n"
            ),
            1,
        ));
    };
    let mut out: Targets = Vec::new();
    if positional.iter().any(|p| p.contains('/')) {
        for p in positional {
            let Some((kind, name)) = p.split_once('/') else {
                return Err(CommandOutput::error(
                    format!(
                        "error: there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'kubectl {verb} resource/<resource_name>' instead of 'kubectl {verb} resource resource/<resource_name>'\n"
                    ),
                    1,
                ));
            };
            out.push((resolve_type(kind)?, Some(name.to_string())));
        }
        let kinds: std::collections::BTreeSet<String> = out
            .iter()
            .map(|(t, _)| match t {
                Target::Resource(r) => r.plural.to_string(),
                Target::Empty(n) => n.to_string(),
            })
            .collect();
        return Ok((out, kinds.len() > 1));
    }
    let words: Vec<&str> = first.split(',').filter(|s| !s.is_empty()).collect();
    let mut kinds: Vec<Target> = Vec::new();
    for word in &words {
        if word.eq_ignore_ascii_case("all") {
            for name in ALL {
                if let Some(r) = find_resource(name) {
                    kinds.push(Target::Resource(r));
                }
            }
        } else {
            kinds.push(resolve_type(word)?);
        }
    }
    let multi = words.len() > 1 || words.iter().any(|w| w.eq_ignore_ascii_case("all"));
    let names = &positional[1..];
    for kind in kinds {
        if names.is_empty() {
            out.push((kind, None));
        } else {
            for (i, n) in names.iter().enumerate() {
                let k = match &kind {
                    Target::Resource(r) => Target::Resource(r),
                    Target::Empty(e) => Target::Empty(e),
                };
                let _ = i;
                out.push((k, Some(n.clone())));
            }
        }
    }
    Ok((out, multi))
}

/// The rows of a resource that `args` select (namespace, `-l`, `--field-selector`).
fn select(
    view: &View,
    resource: &Resource,
    namespace: Option<&str>,
    args: &Parsed,
    wide: bool,
) -> Result<Vec<Row>, CommandOutput> {
    let ns = if resource.namespaced { namespace } else { None };
    let mut rows = (resource.rows)(view, ns, wide);
    if let Some(text) = args.value("selector") {
        let selector =
            parse_selector(text).map_err(|e| CommandOutput::error(format!("error: {e}\n"), 1))?;
        rows.retain(|r| selector.matches(&r.labels));
    }
    if let Some(text) = args.value("field-selector") {
        let requirements = parse_field_selector(text)
            .map_err(|e| CommandOutput::error(format!("error: {e}\n"), 1))?;
        for req in &requirements {
            let known = matches!(req.path.as_str(), "metadata.name" | "metadata.namespace")
                || resource.field_labels.contains(&req.path.as_str());
            if !known {
                let mut allowed = vec!["metadata.name", "metadata.namespace"];
                allowed.extend(resource.field_labels.iter().copied());
                return Err(CommandOutput::error(
                    format!(
                        "Error from server (BadRequest): Unable to find \"{}/{}, Resource={}\" that match label selector \"{}\", field selector \"{text}\": field label not supported: {}\n",
                        resource.group,
                        resource.version,
                        resource.plural,
                        args.value("selector").unwrap_or(""),
                        req.path
                    ),
                    1,
                ));
            }
        }
        rows.retain(|row| {
            let object = resource
                .object
                .and_then(|f| f(view, &row.namespace, &row.name));
            requirements.iter().all(|req| {
                let value = match req.path.as_str() {
                    "metadata.name" => row.name.clone(),
                    "metadata.namespace" => row.namespace.clone(),
                    path => object
                        .as_ref()
                        .map(|o| field_value(o, path))
                        .unwrap_or_default(),
                };
                (value == req.value) == req.equal
            })
        });
    }
    Ok(rows)
}

/// How `get` prints.
enum Format {
    Table { wide: bool },
    Name,
    Yaml,
    Json,
    JsonPath(jsonpath::Template),
    CustomColumns(Vec<(String, jsonpath::Template)>),
}

fn output_format(output: Option<&str>) -> Result<Format, CommandOutput> {
    let allowed = "json, yaml, name, go-template, go-template-file, template, templatefile, jsonpath, jsonpath-as-json, jsonpath-file, custom-columns, custom-columns-file, wide";
    let bad = |f: &str| {
        CommandOutput::error(
            format!(
                "error: unable to match a printer suitable for the output format \"{f}\", allowed formats are: {allowed}\n"
            ),
            1,
        )
    };
    let Some(output) = output else {
        return Ok(Format::Table { wide: false });
    };
    let (name, arg) = match output.split_once('=') {
        Some((n, a)) => (n, Some(a)),
        None => (output, None),
    };
    match (name, arg) {
        ("wide", None) => Ok(Format::Table { wide: true }),
        ("name", None) => Ok(Format::Name),
        ("yaml", None) => Ok(Format::Yaml),
        ("json", None) => Ok(Format::Json),
        ("jsonpath", Some(t)) | ("jsonpath-as-json", Some(t)) => {
            jsonpath::parse(t).map(Format::JsonPath).map_err(|e| {
                CommandOutput::error(format!("error: error parsing jsonpath {t}, {e}\n"), 1)
            })
        }
        ("jsonpath", None) => Err(CommandOutput::error(
            "error: template format specified but no template given\n",
            1,
        )),
        ("custom-columns", Some(spec)) => {
            let mut columns = Vec::new();
            for part in spec.split(',').filter(|p| !p.is_empty()) {
                let Some((header, path)) = part.split_once(':') else {
                    return Err(CommandOutput::error(
                        format!(
                            "error: unexpected custom-columns spec: {part}, expected <header>:<json-path-expr>\n"
                        ),
                        1,
                    ));
                };
                let expr = if path.starts_with('{') {
                    path.to_string()
                } else {
                    format!(
                        "{{{}}}",
                        if path.starts_with('.') {
                            path.to_string()
                        } else {
                            format!(".{path}")
                        }
                    )
                };
                let template = jsonpath::parse(&expr)
                    .map_err(|e| CommandOutput::error(format!("error: {e}\n"), 1))?;
                columns.push((header.to_string(), template));
            }
            Ok(Format::CustomColumns(columns))
        }
        ("custom-columns", None) => Err(CommandOutput::error(
            "error: custom-columns format specified but no custom columns given\n",
            1,
        )),
        _ => Err(bad(output)),
    }
}

/// `kubectl get`.
fn get(view: &View, args: &Parsed) -> CommandOutput {
    let format = match output_format(args.value("output")) {
        Ok(f) => f,
        Err(e) => return e,
    };
    let (targets, multi) = match targets(&args.args, "get") {
        Ok(t) => t,
        Err(e) => return e,
    };
    let namespace = namespace_of(args);
    if namespace.is_none() && targets.iter().any(|(_, n)| n.is_some()) {
        return CommandOutput::error(
            "error: a resource cannot be retrieved by name across all namespaces\n",
            1,
        );
    }
    let wide = matches!(format, Format::Table { wide: true });
    let mut stderr = String::new();
    let mut errors: Vec<String> = Vec::new();
    let mut warned: Vec<&str> = Vec::new();
    // Per resource (in the order asked), the rows found.
    let mut tables: Vec<(&Resource, Vec<Row>)> = Vec::new();
    for (target, name) in &targets {
        let resource = match target {
            Target::Resource(r) => *r,
            Target::Empty(qualified) => {
                if let Some(name) = name {
                    errors.push(format!(
                        "Error from server (NotFound): {qualified} {name:?} not found"
                    ));
                }
                continue;
            }
        };
        if let Some(w) = resource.warning {
            if !warned.contains(&w) {
                stderr.push_str(&format!("Warning: {w}\n"));
                warned.push(w);
            }
        }
        let mut rows = match select(view, resource, namespace.as_deref(), args, wide) {
            Ok(r) => r,
            Err(e) => return e,
        };
        if let Some(name) = name {
            rows.retain(|r| &r.name == name);
            if rows.is_empty() {
                if !args.bool("ignore-not-found") {
                    errors.push(format!(
                        "Error from server (NotFound): {} {} not found",
                        resource.qualified(),
                        go_quote(name)
                    ));
                }
                continue;
            }
        }
        match tables.iter_mut().find(|(r, _)| std::ptr::eq(*r, resource)) {
            Some((_, existing)) => existing.extend(rows),
            None => tables.push((resource, rows)),
        }
    }
    if let Some(sort_by) = args.value("sort-by") {
        let template = match jsonpath::parse(&if sort_by.starts_with('{') {
            sort_by.to_string()
        } else {
            format!("{{{sort_by}}}")
        }) {
            Ok(t) => t,
            Err(e) => return CommandOutput::error(format!("error: {e}\n"), 1),
        };
        for (resource, rows) in &mut tables {
            let key = |row: &Row| -> String {
                resource
                    .object
                    .and_then(|f| f(view, &row.namespace, &row.name))
                    .map(|o| template.execute(&o))
                    .unwrap_or_default()
            };
            let mut keyed: Vec<(String, Row)> = rows.drain(..).map(|r| (key(&r), r)).collect();
            crate::sort::sort_by(&mut keyed, |a, b| natural_cmp(&a.0, &b.0));
            rows.extend(keyed.into_iter().map(|(_, r)| r));
        }
    }
    let any = tables.iter().any(|(_, rows)| !rows.is_empty());
    let single_named = targets.len() == 1 && targets[0].1.is_some();
    let object = |resource: &Resource, row: &Row| -> Option<Yaml> {
        resource
            .object
            .and_then(|f| f(view, &row.namespace, &row.name))
    };
    let mut stdout = String::new();
    match &format {
        Format::Yaml | Format::Json | Format::JsonPath(_) => {
            let mut items = Vec::new();
            for (resource, rows) in &tables {
                for row in rows {
                    if let Some(o) = object(resource, row) {
                        items.push(o);
                    }
                }
            }
            let value = if single_named && items.len() == 1 {
                items.pop()
            } else if any || errors.is_empty() {
                Some(yaml::list(items))
            } else {
                None
            };
            if let Some(value) = value {
                match &format {
                    Format::Yaml => stdout.push_str(&yaml::to_string(&value)),
                    Format::Json => stdout.push_str(&json::to_string(&value)),
                    Format::JsonPath(t) => stdout.push_str(&t.execute(&value)),
                    _ => {}
                }
            }
        }
        Format::Name => {
            for (resource, rows) in &tables {
                for row in rows {
                    stdout.push_str(&format!("{}/{}\n", resource.prefix(), row.name));
                }
            }
        }
        Format::CustomColumns(columns) => {
            let mut text = String::new();
            if !args.bool("no-headers") {
                text.push_str(
                    &columns
                        .iter()
                        .map(|(h, _)| h.as_str())
                        .collect::<Vec<_>>()
                        .join("\t"),
                );
                text.push('\n');
            }
            let mut lines = 0;
            for (resource, rows) in &tables {
                for row in rows {
                    let o = object(resource, row).unwrap_or(Yaml::Null);
                    let cells: Vec<String> = columns
                        .iter()
                        .map(|(_, t)| {
                            let values = t.values(&o);
                            if values.is_empty() {
                                "<none>".to_string()
                            } else {
                                values.join(",")
                            }
                        })
                        .collect();
                    text.push_str(&cells.join("\t"));
                    text.push('\n');
                    lines += 1;
                }
            }
            if lines > 0 {
                stdout.push_str(&tabwriter::format(&text, 5, 3));
            }
        }
        Format::Table { wide } => {
            let mut first = true;
            for (resource, rows) in &tables {
                if rows.is_empty() {
                    continue;
                }
                if !first {
                    stdout.push('\n');
                }
                first = false;
                let prefixed = multi || args.bool("show-kind");
                stdout.push_str(&table(
                    resource,
                    rows,
                    args,
                    namespace.is_none(),
                    *wide,
                    prefixed,
                ));
            }
        }
    }
    if !any
        && errors.is_empty()
        && !matches!(format, Format::Yaml | Format::Json | Format::JsonPath(_))
    {
        stderr.push_str(&no_resources(namespace.as_deref()));
    }
    for e in &errors {
        stderr.push_str(e);
        stderr.push('\n');
    }
    if args.bool("watch") && errors.is_empty() {
        // A watch keeps printing changes until interrupted; nothing changes while it waits.
        stdout.push_str("^C");
    }
    CommandOutput {
        interleaved: Vec::new(),
        stdout,
        stderr,
        status: if errors.is_empty() { 0 } else { 1 },
    }
}

/// Natural ordering of `--sort-by` keys: numbers by value, else text.
fn natural_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    match (a.parse::<f64>(), b.parse::<f64>()) {
        (Ok(x), Ok(y)) => x.partial_cmp(&y).unwrap_or(std::cmp::Ordering::Equal),
        _ => a.cmp(b),
    }
}

/// One `kubectl get` table, aligned like kubectl (tabwriter minwidth 6, padding 3).
fn table(
    resource: &Resource,
    rows: &[Row],
    args: &Parsed,
    all_namespaces: bool,
    wide: bool,
    prefixed: bool,
) -> String {
    let label_columns: Vec<String> = args
        .all("label-columns")
        .iter()
        .flat_map(|v| v.split(','))
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    let show_namespace = all_namespaces && resource.namespaced;
    let mut text = String::new();
    if !args.bool("no-headers") {
        let mut header: Vec<String> = Vec::new();
        if show_namespace {
            header.push("NAMESPACE".into());
        }
        if resource.name_column() {
            header.push("NAME".into());
        }
        header.extend(resource.header.iter().map(|s| s.to_string()));
        if wide {
            header.extend(resource.wide_header.iter().map(|s| s.to_string()));
        }
        for l in &label_columns {
            header.push(l.rsplit('/').next().unwrap_or(l).to_uppercase());
        }
        if args.bool("show-labels") {
            header.push("LABELS".into());
        }
        text.push_str(&header.join("\t"));
        text.push('\n');
    }
    for row in rows {
        let mut cells: Vec<String> = Vec::new();
        if show_namespace {
            cells.push(row.namespace.clone());
        }
        if resource.name_column() {
            cells.push(if prefixed {
                format!("{}/{}", resource.prefix(), row.name)
            } else {
                row.name.clone()
            });
        }
        cells.extend(row.cells.iter().cloned());
        if wide {
            cells.extend(row.wide.iter().cloned());
        }
        for l in &label_columns {
            cells.push(row.labels.get(l).cloned().unwrap_or_default());
        }
        if args.bool("show-labels") {
            cells.push(format_labels(&row.labels));
        }
        text.push_str(&cells.join("\t"));
        text.push('\n');
    }
    tabwriter::format(&text, 6, 3)
}

/// `kubectl describe`.
fn describe(view: &View, args: &Parsed) -> CommandOutput {
    let (targets, _) = match targets(&args.args, "describe") {
        Ok(t) => t,
        Err(e) => return e,
    };
    let namespace = namespace_of(args);
    let mut blocks: Vec<String> = Vec::new();
    let mut errors: Vec<String> = Vec::new();
    let mut stderr = String::new();
    for (target, name) in &targets {
        let resource = match target {
            Target::Resource(r) => *r,
            Target::Empty(qualified) => {
                match name {
                    Some(name) => errors.push(format!(
                        "Error from server (NotFound): {qualified} {name:?} not found"
                    )),
                    None => stderr.push_str(&no_resources(namespace.as_deref())),
                }
                continue;
            }
        };
        let Some(describer) = resource.describe else {
            continue;
        };
        if let Some(w) = resource.warning {
            stderr.push_str(&format!("Warning: {w}\n"));
        }
        let rows = match select(view, resource, namespace.as_deref(), args, false) {
            Ok(r) => r,
            Err(e) => return e,
        };
        let chosen: Vec<&Row> = match name {
            None => rows.iter().collect(),
            Some(name) => {
                // An exact name first; else every object whose name starts with it.
                let exact: Vec<&Row> = rows.iter().filter(|r| &r.name == name).collect();
                if exact.is_empty() {
                    rows.iter()
                        .filter(|r| r.name.starts_with(name.as_str()))
                        .collect()
                } else {
                    exact
                }
            }
        };
        if chosen.is_empty() {
            match name {
                Some(name) => errors.push(format!(
                    "Error from server (NotFound): {} {} not found",
                    resource.qualified(),
                    go_quote(name)
                )),
                None => stderr.push_str(&no_resources(namespace.as_deref())),
            }
            continue;
        }
        for row in chosen {
            if let Some(text) = describer(view, &row.namespace, &row.name) {
                blocks.push(escape_terminal(&text));
            }
        }
    }
    for e in &errors {
        stderr.push_str(e);
        stderr.push('\n');
    }
    CommandOutput {
        interleaved: Vec::new(),
        stdout: blocks.join("\n\n"),
        stderr,
        status: if errors.is_empty() { 0 } else { 1 },
    }
}

/// `kubectl api-resources`.
fn api_resources(args: &Parsed) -> CommandOutput {
    let mut rows: Vec<&Resource> = RESOURCES.to_vec();
    if let Some(group) = args.value("api-group") {
        rows.retain(|r| r.group == group);
    }
    if args.has("namespaced") {
        let want = args.bool("namespaced");
        rows.retain(|r| r.namespaced == want);
    }
    if args.value("output") == Some("name") {
        return CommandOutput::ok(
            rows.iter()
                .map(|r| {
                    if r.group.is_empty() {
                        format!("{}\n", r.plural)
                    } else {
                        format!("{}.{}\n", r.plural, r.group)
                    }
                })
                .collect::<String>(),
        );
    }
    let mut text = String::new();
    if !args.bool("no-headers") {
        text.push_str("NAME\tSHORTNAMES\tAPIVERSION\tNAMESPACED\tKIND\n");
    }
    for r in rows {
        text.push_str(&format!(
            "{}\t{}\t{}\t{}\t{}\n",
            r.plural,
            r.short_names.join(","),
            r.api_version(),
            r.namespaced,
            r.kind
        ));
    }
    CommandOutput::ok(tabwriter::format(&text, 0, 3))
}

/// `kubectl version`.
fn version(args: &Parsed) -> CommandOutput {
    let client = format!(
        "Client Version: {}\nKustomize Version: v5.7.1\n",
        crate::controllers::kubeadm::KUBERNETES_VERSION
    );
    if args.bool("client") {
        return CommandOutput::ok(client);
    }
    CommandOutput::ok(format!(
        "{client}Server Version: {}\n",
        crate::controllers::kubeadm::KUBERNETES_VERSION
    ))
}

/// `kubectl cluster-info`.
fn cluster_info(view: &View) -> CommandOutput {
    let home = crate::controllers::kubeadm::home_node(&view.analysis.objects);
    let ip = view
        .analysis
        .objects
        .node(&home)
        .and_then(|n| n.internal_ip())
        .unwrap_or(crate::model::DEFAULT_NODE_IP)
        .to_string();
    CommandOutput::ok(format!(
        "\u{1b}[0;32mKubernetes control plane\u{1b}[0m is running at \u{1b}[0;33mhttps://{ip}:6443\u{1b}[0m\n\u{1b}[0;32mCoreDNS\u{1b}[0m is running at \u{1b}[0;33mhttps://{ip}:6443/api/v1/namespaces/kube-system/services/kube-dns:dns/proxy\u{1b}[0m\n\nTo further debug and diagnose cluster problems, use 'kubectl cluster-info dump'.\n"
    ))
}

/// `kubectl exec [-it] POD [-n NS] [-c C] -- COMMAND...` without a terminal session
/// (`svcplay run`): `cat /etc/resolv.conf` and `dig` inside the Pod. The terminal
/// ([`crate::shell`]) runs every command a Pod has.
fn exec(analysis: &Analysis, _context: &super::Context, argv: &[String]) -> CommandOutput {
    let exec_flags: &[flags::Flag] = &[
        flags::Flag {
            long: "stdin",
            short: Some('i'),
            value: false,
        },
        flags::Flag {
            long: "tty",
            short: Some('t'),
            value: false,
        },
        flags::Flag {
            long: "container",
            short: Some('c'),
            value: true,
        },
        flags::Flag {
            long: "quiet",
            short: Some('q'),
            value: false,
        },
    ];
    let args = match flags::parse(argv, &|v| (v == "exec").then_some(exec_flags)) {
        Ok(a) => a,
        Err(e) => return CommandOutput::error(e, 1),
    };
    let namespace = args.namespace().unwrap_or("default").to_string();
    let command = args.command.clone().unwrap_or_default();
    let Some(pod) = args.args.first() else {
        return CommandOutput::error(
            "error: expected 'exec POD_NAME COMMAND [ARG1] [ARG2] ... [ARGN]'.\nPOD_NAME and COMMAND are required arguments for the exec command\nSee 'kubectl exec -h' for help and examples\n",
            1,
        );
    };
    let pod = pod
        .strip_prefix("pod/")
        .or_else(|| pod.strip_prefix("pods/"))
        .unwrap_or(pod);
    if !analysis
        .objects
        .pods
        .iter()
        .any(|p| p.meta.name == pod && p.meta.namespace == namespace)
    {
        return CommandOutput::error(
            format!("Error from server (NotFound): pods \"{pod}\" not found\n"),
            1,
        );
    }
    let client = crate::views::dig::Client { namespace };
    match command.first().map(String::as_str) {
        Some("cat") if command.get(1).map(String::as_str) == Some("/etc/resolv.conf") => {
            crate::views::dig::resolv_conf_of(analysis, &client)
        }
        Some("dig") => crate::views::dig::dig(analysis, &client, &command[1..]),
        _ => CommandOutput::error(
            format!(
                "svcplay: `svcplay run` answers `cat /etc/resolv.conf` and `dig` inside a Pod; `svcplay shell` runs {:?}\n",
                command.join(" ")
            ),
            super::NOT_IMPLEMENTED,
        ),
    }
}

/// What kubectl's describe writes goes through cli-runtime's `printers.WriteEscaped`
/// (`terminalEscaper`: ESC becomes `^[`, CR becomes `\r`), so an annotation holding a
/// terminal escape sequence is shown, not obeyed (kubernetes issue 101695).
pub fn escape_terminal(text: &str) -> String {
    text.replace('\x1b', "^[").replace('\r', "\\r")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_duration_matches_apimachinery() {
        for (s, want) in [
            (-5, "<invalid>"),
            (0, "0s"),
            (10, "10s"),
            (119, "119s"),
            (120, "2m"),
            (265, "4m25s"),
            (366, "6m6s"),
            (6720, "112m"),
            (3 * 3600 + 300, "3h5m"),
            (26 * 3600, "26h"),
            (3 * 86400 + 4 * 3600, "3d4h"),
            (380 * 86400, "380d"),
            (3 * 365 * 86400, "3y"),
        ] {
            assert_eq!(human_duration(s), want, "{s}");
        }
        assert_eq!(age(), "10s");
    }

    #[test]
    fn selectors() {
        let labels: crate::model::StringMap = [("app".to_string(), "web".to_string())]
            .into_iter()
            .collect();
        let m = |s: &str| parse_selector(s).unwrap().matches(&labels);
        assert!(m("app=web"));
        assert!(m("app==web,!tier"));
        assert!(!m("app!=web"));
        assert!(!m("tier"));
        assert!(m("app in (web, db)"));
        assert!(!m("app notin (web)"));
        assert!(parse_selector("a=b=c,(").is_err());
    }

    #[test]
    fn every_name_kubectl_accepts() {
        for (word, plural) in [
            ("svc", "services"),
            ("Service", "services"),
            ("ep", "endpoints"),
            ("endpointslices.discovery.k8s.io", "endpointslices"),
            ("po", "pods"),
            ("deploy", "deployments"),
            ("deployments.apps", "deployments"),
            ("rs", "replicasets"),
            ("sts", "statefulsets"),
            ("ds", "daemonsets"),
            ("no", "nodes"),
            ("ns", "namespaces"),
            ("cm", "configmaps"),
            ("ev", "events"),
        ] {
            assert_eq!(
                find_resource(word).map(|r| r.plural),
                Some(plural),
                "{word}"
            );
        }
        assert!(find_resource("widgets").is_none());
    }
}
