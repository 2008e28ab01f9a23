//! The simulated API server: what `kubectl apply -f` does to each object.
//!
//! Stage three of the pipeline (skipped with `--stored`). [`admit`] takes the raw objects
//! in file order against a fresh cluster that already holds `default/kubernetes` and the
//! standard namespaces, and for each one does what a real kube-apiserver v1.35 would, in
//! its order (validation.md §1): strict decoding (HTTP 400, nothing else runs), the
//! namespace check of admission (`namespaces "dev" not found`), then for Services the
//! registry's allocation and the validation ([`service`]); for other kinds the metadata
//! rules ([`meta`]). A refused object does not exist afterwards, and gives back what it
//! was allocated. The outcome of every object is kept ([`Admission`]) so
//! `svcplay apply` can print kubectl's lines, and every error and warning becomes a
//! diagnostic with the line and column of the field it names.
//!
//! Other kinds get their metadata checked and then their own create validation:
//! [`pod`] (`ValidatePodSpec`), [`apps`] (Deployments, ReplicaSets, StatefulSets,
//! DaemonSets), [`endpoints`] (EndpointSlices, Endpoints), [`config_map`] and [`node`]
//! (Nodes, ServiceCIDRs); each module lists what it ports and what it leaves out. A
//! field behind an alpha feature gate that a default v1.35 server has off is dropped on
//! create ([`dropped_fields`]).
//!
//! Deliberately absent: server bookkeeping that means nothing to a learner (uid,
//! resourceVersion, creationTimestamp, the last-applied annotation), and the validation
//! of Namespaces beyond their metadata (`ValidateNamespace` checks only finalizers).

pub mod alloc;
pub mod apps;
pub mod carry;
pub mod config_map;
pub mod endpoints;
pub mod field;
pub mod meta;
pub mod names;
pub mod node;
pub mod pod;
pub mod replay;
pub mod service;

use crate::diag::{Diagnostic, Severity, Span, Stage};
use crate::hash::FnvBuild;
use crate::manifest::yaml::{Node, Value};
use crate::manifest::{Kind, Manifest, RawObject};
use crate::model::{self, Object, ObjectMeta, Objects, Origin};
use crate::sort::CollectBTree;
use field::{ErrorList, FieldError, dedup_lines, go_quote};
use names::NameRule;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;

/// What happened to one object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// `service/NAME created`.
    Created,
    /// A later document of the same object: `service/NAME configured`.
    Configured,
    /// A later document identical to the one applied before: `service/NAME unchanged`.
    Unchanged,
    /// Refused; the object does not exist in the cluster.
    Rejected(Rejection),
}

/// A refusal in the API server's terms.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Rejection {
    /// HTTP 400 from the decoder: the decoder's message (`strict decoding error: ...`,
    /// `json: cannot unmarshal ...`).
    BadRequest(String),
    /// HTTP 422 with these causes, in the server's order.
    Invalid(ErrorList),
    /// Any other status: its reason (`NotFound`, `InternalError`) and message
    /// (`namespaces "dev" not found`, `Internal error occurred: ...`).
    Status { reason: String, message: String },
}

/// A warning the API server returned with a success; kubectl prints `Warning: <text>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Warning {
    pub text: String,
    /// The field it is about, for the editor.
    pub path: String,
}

impl Warning {
    pub fn new(text: impl Into<String>, path: impl Into<String>) -> Warning {
        Warning {
            text: text.into(),
            path: path.into(),
        }
    }
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

/// The outcome of one written object, with the warnings kubectl would print for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Admission {
    /// The raw object's id ([`RawObject::id`]).
    pub object: usize,
    pub kind: Kind,
    /// Empty for cluster-scoped kinds.
    pub namespace: String,
    pub name: String,
    pub outcome: Outcome,
    pub warnings: Vec<Warning>,
    /// For an accepted Service: where it is in the store (`Objects::services`).
    pub stored_at: Option<usize>,
    /// For an accepted Service that a later document of the scenario applies again: the
    /// object as stored right after this document. `None` when no later document touches it
    /// (most Services: keeping a copy of each would double a dump's Services in memory).
    pub stored: Option<Box<model::Service>>,
    /// Fields of the written object the server dropped on create because their alpha
    /// feature gate is off in a default v1.35 cluster (`dropDisabledFields`): the object
    /// is created without them.
    pub dropped: Vec<String>,
}

impl Admission {
    /// For an accepted Service, the object as stored right after this document (what
    /// `kubectl apply -o yaml` prints for it); `objects` is the analysis' store. The
    /// controllers add only UIDs to stored Services afterwards, which the printer omits.
    pub fn stored_service<'a>(&'a self, objects: &'a Objects) -> Option<&'a model::Service> {
        self.stored
            .as_deref()
            .or_else(|| objects.services.get(self.stored_at?))
    }

    /// kubectl's stdout line for a success: `service/web created`.
    pub fn success_line(&self) -> Option<String> {
        let verb = match self.outcome {
            Outcome::Created => "created",
            Outcome::Configured => "configured",
            Outcome::Unchanged => "unchanged",
            Outcome::Rejected(_) => return None,
        };
        Some(format!("{}/{} {verb}", self.kind.resource(), self.name))
    }

    /// The status reason of a refusal (`Invalid`, `BadRequest`, ...).
    pub fn reason(&self) -> Option<&str> {
        match &self.outcome {
            Outcome::Rejected(Rejection::BadRequest(_)) => Some("BadRequest"),
            Outcome::Rejected(Rejection::Invalid(_)) => Some("Invalid"),
            Outcome::Rejected(Rejection::Status { reason, .. }) => Some(reason),
            _ => None,
        }
    }

    /// The status message the server sends for a refusal: for Invalid,
    /// `Service "web" is invalid: <e>` or `... is invalid: [e1, e2]`.
    pub fn status_message(&self) -> Option<String> {
        let Outcome::Rejected(rejection) = &self.outcome else {
            return None;
        };
        Some(match rejection {
            Rejection::BadRequest(message) => format!(
                "{kind} in version {version:?} cannot be handled as a {kind}: {message}",
                kind = self.kind.name(),
                version = self.kind.api_version().rsplit('/').next().unwrap_or("v1"),
            ),
            Rejection::Invalid(errors) => {
                let lines = dedup_lines(errors);
                let aggregate = if lines.len() == 1 {
                    lines[0].clone()
                } else {
                    format!("[{}]", lines.join(", "))
                };
                format!(
                    "{} {} is invalid: {aggregate}",
                    self.kind.name(),
                    go_quote(&self.name)
                )
            }
            Rejection::Status { message, .. } => message.clone(),
        })
    }

    /// What kubectl prints when this is the command's only error (`checkErr`): for
    /// Invalid the `The Service "web" is invalid: ...` form (several causes: a first line
    /// ending in `invalid: ` and `* ` bullets); otherwise
    /// `Error from server (<Reason>): error when creating "<file>": <message>`.
    pub fn error_text(&self, file: &str) -> Option<String> {
        let Outcome::Rejected(rejection) = &self.outcome else {
            return None;
        };
        if let Rejection::Invalid(errors) = rejection {
            let lines = dedup_lines(errors);
            let head = format!(
                "The {} {} is invalid: ",
                self.kind.name(),
                go_quote(&self.name)
            );
            return Some(if lines.len() == 1 {
                format!("{head}{}", lines[0])
            } else {
                let mut text = head;
                for line in lines {
                    let _ = write!(text, "\n* {line}");
                }
                text
            });
        }
        self.aggregate_text(file)
    }

    /// What kubectl prints for this refusal when the command had several errors
    /// (`StandardErrorMessage`): `Error from server (<Reason>): error when creating
    /// "<file>": <status message>`.
    pub fn aggregate_text(&self, file: &str) -> Option<String> {
        Some(format!(
            "Error from server ({}): error when creating {}: {}",
            self.reason()?,
            go_quote(file),
            self.status_message()?
        ))
    }
}

/// The namespaces every kubeadm cluster starts with.
pub const BUILTIN_NAMESPACES: [&str; 4] =
    ["default", "kube-node-lease", "kube-public", "kube-system"];

/// The objects every simulated cluster starts with: the standard namespaces and the
/// `default/kubernetes` Service (the first address of the primary range; 10.96.0.1:443
/// on kubeadm's default range). Reserves its address, and kube-dns's, in `alloc`.
pub fn builtin_objects(alloc: &mut alloc::Allocators) -> Objects {
    let mut objects = Objects::default();
    for ns in BUILTIN_NAMESPACES {
        objects.namespaces.push(model::Namespace {
            meta: ObjectMeta::new(ns, "", Origin::Builtin),
        });
    }
    if let Some(ip) = alloc.kubernetes_ip() {
        alloc.reserve_builtin_ip(ip);
        objects
            .services
            .push(service::kubernetes_service(&ip.to_string()));
    }
    if let Some(dns) = alloc.dns_ip() {
        alloc.reserve_builtin_ip(dns);
    }
    objects
}

/// The name rule of each kind's `metadata.name` (`ValidateNameFunc`).
fn name_rule(kind: Kind) -> NameRule {
    match kind {
        Kind::Service => NameRule::Dns1035Label,
        Kind::Namespace | Kind::StatefulSet => NameRule::Dns1123Label,
        _ => NameRule::Dns1123Subdomain,
    }
}

/// Objects that configure the simulated cluster rather than being applied to it: the
/// settings of svcplay's components (KubeProxyConfiguration, NodeRuntime) and the
/// ServiceCIDR named `kubernetes`, which stands for the API server's
/// `--service-cluster-ip-range` (a real cluster makes that object from its flags). They
/// are not sent to the API server, and `svcplay apply` prints nothing for them.
pub fn is_scenario_configuration(raw: &RawObject) -> bool {
    matches!(raw.kind, Kind::KubeProxyConfiguration | Kind::NodeRuntime)
        || (raw.kind == Kind::ServiceCIDR && raw.name == alloc::DEFAULT_SERVICE_CIDR_NAME)
}

/// The deprecation warning a v1.33+ server returns with every request on v1 Endpoints.
pub const ENDPOINTS_DEPRECATED: &str =
    "v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice";

/// A canonical text of a YAML tree (keys sorted, scalars resolved, spans ignored): two
/// documents with the same text here are the same object for `kubectl apply`.
fn canonical(node: &Node, out: &mut String) {
    match &node.value {
        Value::Scalar(..) => {
            let _ = write!(out, "{:?}", node.scalar());
        }
        Value::Seq(items) => {
            out.push('[');
            for item in items {
                canonical(item, out);
                out.push(',');
            }
            out.push(']');
        }
        Value::Map(entries) => {
            let sorted: BTreeMap<String, &Node> = entries
                .iter()
                .map(|e| (e.key.key_string().unwrap_or_default(), &e.value))
                .collect_btree();
            out.push('{');
            for (k, v) in sorted {
                let _ = write!(out, "{k:?}:");
                canonical(v, out);
                out.push(',');
            }
            out.push('}');
        }
    }
}

/// The diagnostic of an admission's warning `w` about `raw` (what kubectl prints as
/// `Warning: …`), pointed at the field it names. Used by a fresh admission and by the
/// carry-over alike.
pub(super) fn warning_diagnostic(raw: &RawObject, w: &Warning) -> Diagnostic {
    Diagnostic::warning(Stage::ApiServer, w.text.clone())
        .with_path(w.path.clone())
        .with_span(locate_field(&raw.node(), &w.path))
        .in_document(raw.document)
        .about(raw.describe())
}

/// Where the editor underlines for a field path of an object. When the path is not in
/// the text (a defaulted or derived field), the field it came from is tried, then the
/// nearest written ancestor.
pub fn locate_field(node: &Node, path: &str) -> Span {
    let (found, span) = node.locate_key(path);
    if found {
        return span;
    }
    for alternative in fallbacks(path) {
        let (found, s) = node.locate_key(&alternative);
        if found {
            return s;
        }
    }
    span
}

fn fallbacks(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    if path.starts_with("spec.clusterIPs") {
        out.push("spec.clusterIP".to_string());
    }
    if let Some(prefix) = path.strip_suffix(".targetPort") {
        out.push(format!("{prefix}.port"));
    }
    if path.starts_with("spec.sessionAffinityConfig") {
        out.push("spec.sessionAffinity".into());
    }
    if path.starts_with("spec.ipFamil") {
        out.extend(["spec.clusterIPs", "spec.clusterIP", "spec.ipFamilies"].map(String::from));
    }
    if matches!(
        path,
        "spec.healthCheckNodePort"
            | "spec.externalName"
            | "allocateLoadBalancerNodePorts"
            | "spec.externalTrafficPolicy"
            | "spec.clusterIP"
    ) {
        out.extend(["spec.externalTrafficPolicy", "spec.type"].map(String::from));
    }
    out
}

fn error_diagnostic(raw: &RawObject, error: &FieldError) -> Diagnostic {
    Diagnostic::error(Stage::ApiServer, error.body())
        .with_path(error.path.clone())
        .with_span(locate_field(&raw.node(), error.editor_path()))
        .in_document(raw.document)
        .about(raw.describe())
}

/// Runs every written object through the API server, in order.
pub fn admit(manifest: &Manifest) -> (Objects, Vec<Admission>, Vec<Diagnostic>) {
    let admitted = admit_edited(manifest, None);
    (admitted.objects, admitted.admissions, admitted.diagnostics)
}

/// What [`admit_edited`] returns.
pub struct Admitted {
    /// The store after the last object.
    pub objects: Objects,
    pub admissions: Vec<Admission>,
    pub diagnostics: Vec<Diagnostic>,
    /// What each admission read and did, for the next edit's replay.
    pub journal: replay::Journal,
    /// After an edit ([`admit_edited`] with a previous analysis whose admissions could
    /// be replayed), what it did not carry over unchanged; `None` when every object was
    /// admitted afresh.
    pub edited: Option<Edited>,
}

/// What an edit's admission did not carry over from the analysis before: what depends
/// only on the stored Services and EndpointSlices (the endpoints and DNS records of
/// each Service) can be recomputed for the Services these name and kept for the rest.
#[derive(Clone, Debug, Default)]
pub struct Edited {
    /// Per raw object of the edited text: whether its admission was replayed (its
    /// stored object is the one the analysis before stored, moved).
    pub replayed: Vec<bool>,
    /// The Services and EndpointSlices of the analysis before that were not replayed
    /// (removed, changed, or made by the controllers and the cluster).
    pub retired_services: Vec<model::Service>,
    pub retired_endpoint_slices: Vec<model::EndpointSlice>,
    /// Per raw object of the edited text, its id in the text before when its document
    /// was taken over ([`crate::manifest::reparse_moved`]): where a replayed object was.
    pub moved: Vec<Option<usize>>,
}

/// [`admit`], replaying the previous analysis' admissions of the objects an edit did not
/// touch ([`replay`]); `None` admits every object afresh. Equal to [`admit`] either way
/// once the controllers have run (replayed Services keep the UIDs the controllers
/// derived for them).
pub fn admit_edited(manifest: &Manifest, previous: Option<replay::Previous>) -> Admitted {
    // The objects an edit did not touch stay where they are when it allows
    // (`carry::carry_over`); otherwise each is replayed in turn.
    let mut previous = previous;
    if let Some(admitted) = carry::carry_over(manifest, &mut previous) {
        return admitted;
    }
    let mut previous = previous.map(replay::Previous::into_replay);
    let (mut alloc, requests) = alloc::Allocators::new_reusing(manifest, |raw| {
        previous.as_mut().and_then(|p| p.take_requests(raw))
    });
    let mut store = builtin_objects(&mut alloc);
    let mut admissions = Vec::with_capacity(manifest.objects.len());
    let mut diagnostics = Vec::new();
    let mut previous = previous.filter(|p| p.same_ranges(&alloc));
    if let Some(previous) = &previous {
        previous.reserve(&mut store);
    }
    let mut journal = replay::Journal::new(&alloc, manifest.objects.len());
    let mut replayed_objects = vec![false; manifest.objects.len()];
    journal.keep_requests(requests);
    // The maps below are keyed by names borrowed from the manifest (and, for the built-in
    // Services, from this list): a dump holds 10⁴ objects, each looked up several times.
    let builtin_services: Vec<(String, String)> = store
        .services
        .iter()
        .map(|s| (s.meta.namespace.clone(), s.meta.name.clone()))
        .collect();
    // For each identity: the first object of it whose admission the journal holds
    // (applying that identity again forgets it: the store's object is no longer the one
    // it stored), and the last document applied, for `unchanged` (their canonical texts
    // are compared only when an object is applied again, which a dump never does).
    // (A hash map, looked up once per object and never listed.)
    let objects = manifest.objects.len();
    let mut identities: HashMap<(Kind, &str, &str), Seen, FnvBuild> =
        HashMap::with_capacity_and_hasher(objects, FnvBuild::default());
    // Where each stored object is, so that storing one does not scan its whole list.
    let mut positions = model::Positions::default();
    let of_kind = |kind: Kind| manifest.objects.iter().filter(|o| o.kind == kind).count();
    let services_written = of_kind(Kind::Service);
    positions.reserve(services_written, of_kind(Kind::EndpointSlice));
    // Where each Service is in `store.services` (a large dump must not be scanned for
    // every object).
    let mut services: HashMap<(&str, &str), usize, FnvBuild> =
        HashMap::with_capacity_and_hasher(services_written + 2, FnvBuild::default());
    services.extend(
        (builtin_services.iter().enumerate())
            .map(|(i, (namespace, name))| ((namespace.as_str(), name.as_str()), i)),
    );
    // The stored Services a replay left the UID the controllers had derived for them
    // (the same they would derive again): taken off wherever admission itself reads the
    // store's Service, which an admission afresh would find without one.
    let mut derived_uids: HashSet<usize, FnvBuild> = HashSet::default();
    // The namespaces found in the store so far (one never leaves it during admission):
    // asked for every namespaced object of a dump, the store's list is not scanned again.
    let mut namespaces_found: HashSet<&str, FnvBuild> = HashSet::default();
    let without_derived_uid =
        |at: usize, service: &model::Service, derived: &HashSet<usize, FnvBuild>| {
            let mut service = service.clone();
            if derived.contains(&at) {
                service.meta.uid = None;
            }
            service
        };
    for raw in &manifest.objects {
        alloc.at(raw.id);
        if is_scenario_configuration(raw) {
            let mut ignored = Vec::new();
            model::insert_indexed(
                &mut store,
                &mut positions,
                model::read_object(raw),
                raw,
                &mut ignored,
            );
            diagnostics.extend(ignored);
            continue;
        }
        let namespace: &str = if raw.kind.namespaced() {
            raw.namespace_or_default()
        } else {
            ""
        };
        let identity = (raw.kind, namespace, raw.name.as_str());
        let service_at = (raw.kind == Kind::Service)
            .then(|| services.get(&(namespace, raw.name.as_str())).copied())
            .flatten();
        // The same Service applied again: the admission of its previous document keeps the
        // object as that document left it (the store is about to change).
        if let Some(at) = service_at {
            if let Some(earlier) = admissions
                .iter_mut()
                .rev()
                .find(|a: &&mut Admission| a.stored_at == Some(at))
            {
                if earlier.stored.is_none() {
                    earlier.stored = store
                        .services
                        .get(at)
                        .map(|s| Box::new(without_derived_uid(at, s, &derived_uids)));
                }
            }
        }
        let seen = identities.entry(identity).or_default();
        // Read only when the same object is applied again (a dump never does).
        let previous_tree = seen.applied.map(|earlier| earlier.node());
        let previous_node = previous_tree.as_deref();
        let unchanged = previous_node.is_some_and(|previous| {
            let (mut before, mut now) = (String::new(), String::new());
            canonical(previous, &mut before);
            canonical(&raw.node(), &mut now);
            before == now
        });
        if let Some(earlier) = seen.journaled.take() {
            journal.forget(earlier);
        }
        let mut reused = None;
        let (outcome, warnings) = if unchanged {
            (Outcome::Unchanged, Vec::new())
        } else {
            let old = service_at.and_then(|at| {
                let service = store.services.get(at)?;
                Some(without_derived_uid(at, service, &derived_uids))
            });
            // Only the first application of an object is journaled and replayed.
            let first = old.is_none() && previous_node.is_none();
            let namespace_found = raw.kind.namespaced().then(|| {
                namespaces_found.contains(namespace) || {
                    let found = namespace_exists(&store, namespace);
                    if found {
                        namespaces_found.insert(namespace);
                    }
                    found
                }
            });
            let replayed = previous.as_mut().filter(|_| first).and_then(|previous| {
                let replayed = previous.replay(
                    raw,
                    namespace_found,
                    &mut store,
                    &mut positions,
                    &mut alloc,
                    &mut diagnostics,
                    &mut journal,
                )?;
                if replayed.derived_uid {
                    derived_uids.insert(store.services.len() - 1);
                }
                reused = previous.take_admission(raw);
                Some((replayed.outcome, replayed.warnings))
            });
            match replayed {
                Some(replayed) => {
                    // (A replay that replaced a stored object is not the object before.)
                    if let Some(flag) = replayed_objects.get_mut(raw.id) {
                        *flag = replayed.0 != Outcome::Configured;
                    }
                    replayed
                }
                None => {
                    alloc.record();
                    let from = diagnostics.len();
                    let (outcome, warnings) = admit_one(
                        raw,
                        old,
                        previous_node,
                        namespace,
                        namespace_found,
                        &mut store,
                        &mut positions,
                        &mut alloc,
                        &mut diagnostics,
                    );
                    let allocations = alloc.recorded();
                    if let Some(at) = service_at.filter(|_| outcome == Outcome::Configured) {
                        // Replaced by an object admitted here: its UID is as admitted.
                        derived_uids.remove(&at);
                    }
                    if first {
                        journal.keep(
                            raw,
                            namespace_found,
                            allocations,
                            &diagnostics[from..],
                            &outcome,
                            &warnings,
                            &store,
                        );
                    }
                    (outcome, warnings)
                }
            }
        };
        if !matches!(outcome, Outcome::Rejected(_)) {
            if outcome == Outcome::Created {
                seen.journaled = Some(raw.id);
            }
            seen.applied = Some(raw);
        }
        diagnostics.extend(warnings.iter().map(|w| warning_diagnostic(raw, w)));
        let stored_at = match (&outcome, raw.kind) {
            (Outcome::Rejected(_), _) => None,
            (_, Kind::Service) => Some(match service_at {
                Some(i) => i,
                // A new Service was appended by the store.
                None => {
                    let i = store.services.len().saturating_sub(1);
                    services.insert((namespace, raw.name.as_str()), i);
                    i
                }
            }),
            _ => None,
        };
        admissions.push(match reused {
            // The admission before, of the same text: the same names and dropped fields.
            Some(mut admission) => {
                admission.object = raw.id;
                admission.outcome = outcome;
                admission.warnings = warnings;
                admission.stored_at = stored_at;
                admission.stored = None;
                admission
            }
            None => Admission {
                object: raw.id,
                kind: raw.kind,
                namespace: namespace.to_string(),
                name: raw.name.clone(),
                outcome,
                warnings,
                stored_at,
                stored: None,
                dropped: dropped_fields(raw),
            },
        });
    }
    alloc.at_the_end();
    journal.carry = carry::Carry::build(manifest, &journal, alloc, &store);
    let edited = previous.map(|previous| {
        let (retired_services, retired_endpoint_slices, moved) = previous.retired();
        Edited {
            replayed: replayed_objects,
            retired_services,
            retired_endpoint_slices,
            moved,
        }
    });
    Admitted {
        objects: store,
        admissions,
        diagnostics,
        journal,
        edited,
    }
}

/// What admission saw of one identity so far ([`admit_edited`]).
#[derive(Default)]
struct Seen<'a> {
    /// The object whose admission the journal holds.
    journaled: Option<usize>,
    /// The last document applied.
    applied: Option<&'a RawObject>,
}

/// Whether a namespace exists in the cluster (built in, or created earlier in the file).
pub fn namespace_exists(store: &Objects, namespace: &str) -> bool {
    store.namespaces.iter().any(|n| n.meta.name == namespace)
}

// The API server's state for one request is these separate stores; bundling them into a
// struct would only rename the borrows.
#[allow(clippy::too_many_arguments)]
fn admit_one(
    raw: &RawObject,
    old: Option<model::Service>,
    previous: Option<&Node>,
    namespace: &str,
    namespace_found: Option<bool>,
    store: &mut Objects,
    positions: &mut model::Positions,
    alloc: &mut alloc::Allocators,
    diagnostics: &mut Vec<Diagnostic>,
) -> (Outcome, Vec<Warning>) {
    match decide(
        raw,
        old,
        previous,
        namespace,
        namespace_found,
        alloc,
        diagnostics,
    ) {
        Decision::Rejected(rejection) => (Outcome::Rejected(rejection), Vec::new()),
        Decision::Accepted(object, warnings) => {
            let mut replaced = Vec::new();
            model::insert_indexed(store, positions, object, raw, &mut replaced);
            let outcome = if replaced.is_empty() {
                Outcome::Created
            } else {
                Outcome::Configured
            };
            (outcome, warnings)
        }
    }
}

/// What the API server decided about one object, before storing it (returned once per
/// object and moved into the store at once: not worth a box).
#[allow(clippy::large_enum_variant)]
enum Decision {
    Rejected(Rejection),
    /// The object to store, and the warnings returned with it.
    Accepted(Object, Vec<Warning>),
}

/// The API server's decision about `raw` (`old`: the stored Service it updates;
/// `previous`: the last document applied of the same object), its namespace having been
/// found or not (`namespace_found`, for namespaced kinds). Reads nothing of the store.
fn decide(
    raw: &RawObject,
    old: Option<model::Service>,
    previous: Option<&Node>,
    namespace: &str,
    namespace_found: Option<bool>,
    alloc: &mut alloc::Allocators,
    diagnostics: &mut Vec<Diagnostic>,
) -> Decision {
    let reject = Decision::Rejected;
    // 1. Strict decoding: HTTP 400, nothing else runs. The fields themselves were already
    //    reported by the manifest stage; this says what the server answers.
    if let Some(message) = raw.decode.message() {
        let first = raw
            .decode
            .type_error
            .as_ref()
            .map(|_| String::new())
            .or_else(|| raw.decode.unknown_fields.first().cloned())
            .unwrap_or_default();
        diagnostics.push(
            Diagnostic::new(
                Severity::Info,
                Stage::ApiServer,
                format!("the API server refuses {}: {message}", raw.describe()),
            )
            .with_span(if first.is_empty() {
                raw.locate("kind")
            } else {
                locate_field(&raw.node(), &first)
            })
            .in_document(raw.document)
            .about(raw.describe()),
        );
        return reject(Rejection::BadRequest(message));
    }
    // 2. Admission: the namespace must exist (NamespaceLifecycle).
    if raw.kind.namespaced() && namespace_found == Some(false) {
        let message = format!("namespaces {} not found", go_quote(namespace));
        diagnostics.push(
            Diagnostic::error(Stage::ApiServer, message.clone())
                .with_path("metadata.namespace")
                .with_span(locate_field(&raw.node(), "metadata.namespace"))
                .in_document(raw.document)
                .about(raw.describe()),
        );
        return reject(Rejection::Status {
            reason: "NotFound".into(),
            message,
        });
    }
    let object = model::read_object(raw);
    let (object, warnings) = match object {
        Object::Service(svc) => {
            let result = match &old {
                Some(old) => service::update(svc, old, previous, raw, alloc),
                None => service::create(svc, raw, alloc),
            };
            match result {
                Ok(accepted) => (Object::Service(accepted.service), accepted.warnings),
                Err(service::Refusal::Invalid(errors)) => {
                    diagnostics.extend(errors.iter().map(|e| error_diagnostic(raw, e)));
                    return reject(Rejection::Invalid(errors));
                }
                Err(service::Refusal::Internal { message, path }) => {
                    diagnostics.push(
                        Diagnostic::error(
                            Stage::ApiServer,
                            format!("Internal error occurred: {message}"),
                        )
                        .with_path(path.clone())
                        .with_span(locate_field(&raw.node(), &path))
                        .in_document(raw.document)
                        .about(raw.describe()),
                    );
                    return reject(Rejection::Status {
                        reason: "InternalError".into(),
                        message: format!("Internal error occurred: {message}"),
                    });
                }
            }
        }
        other => {
            let mut errors = match object_meta(&other) {
                Some(meta) => meta::validate_object_meta(
                    meta,
                    &raw.node(),
                    raw.kind.namespaced(),
                    name_rule(raw.kind),
                ),
                None => ErrorList::new(),
            };
            errors.extend(validate_spec(raw));
            if !errors.is_empty() {
                diagnostics.extend(errors.iter().map(|e| error_diagnostic(raw, e)));
                return reject(Rejection::Invalid(errors));
            }
            let warnings = if raw.kind == Kind::Endpoints {
                vec![Warning::new(ENDPOINTS_DEPRECATED, "kind")]
            } else {
                Vec::new()
            };
            (other, warnings)
        }
    };
    Decision::Accepted(object, warnings)
}

/// The kind's own create validation after `ValidateObjectMeta`, as its registry strategy
/// calls it: `ValidatePodCreate`'s spec part, the apps kinds' `Validate<Kind>Spec`,
/// `ValidateEndpointSlice` and `ValidateEndpoints` after their metadata.
fn validate_spec(raw: &RawObject) -> ErrorList {
    let tree = &raw.node();
    match raw.kind {
        Kind::Pod => pod::validate_pod_spec(tree.get("spec"), "spec", true),
        Kind::Deployment | Kind::ReplicaSet | Kind::StatefulSet | Kind::DaemonSet => {
            apps::validate_workload_spec(raw.kind, tree)
        }
        Kind::EndpointSlice => endpoints::validate_endpoint_slice(tree),
        Kind::Endpoints => endpoints::validate_endpoints(tree),
        Kind::ConfigMap => config_map::validate_config_map(tree),
        Kind::Node => node::validate_node(tree),
        Kind::ServiceCIDR => node::validate_service_cidr(tree),
        _ => ErrorList::new(),
    }
}

/// The fields a default v1.35 API server drops from this object on create, because the
/// feature gate behind them is alpha and off: Pod `spec.workloadRef` (`GenericWorkload`),
/// in a Pod or in a workload's template (`dropDisabledFields`,
/// `DropDisabledTemplateFields` of `pkg/api/pod`). Other v1.35 fields of the schema are
/// beta or GA, on by default, and kept.
pub fn dropped_fields(raw: &RawObject) -> Vec<String> {
    let spec = match raw.kind {
        Kind::Pod => "spec",
        Kind::Deployment | Kind::ReplicaSet | Kind::StatefulSet | Kind::DaemonSet => {
            "spec.template.spec"
        }
        _ => return Vec::new(),
    };
    let path = format!("{spec}.workloadRef");
    let tree = raw.node();
    let mut node = Some(&*tree);
    for step in path.split('.') {
        node = node.and_then(|n| n.get(step));
    }
    node.filter(|n| !n.is_null())
        .map(|_| vec![path])
        .unwrap_or_default()
}

fn object_meta(object: &Object) -> Option<&ObjectMeta> {
    Some(match object {
        Object::Namespace(o) => &o.meta,
        Object::Node(o) => &o.meta,
        Object::Pod(o) => &o.meta,
        Object::Service(o) => &o.meta,
        Object::Endpoints(o) => &o.meta,
        Object::Workload(o) => &o.meta,
        Object::EndpointSlice(o) => &o.meta,
        Object::ServiceCidr(o) => &o.meta,
        Object::ConfigMap(o) => &o.meta,
        Object::KubeProxyConfiguration(_) | Object::NodeRuntime(_) => return None,
    })
}

#[cfg(test)]
mod tests {
    use crate::diag::Severity;
    use crate::scenario::{Options, analyze};

    /// The diagnostics of one scenario as `(severity, path, line, column)`.
    fn located(text: &str) -> Vec<(Severity, String, u32, u32)> {
        analyze(text, Options::default())
            .diagnostics
            .iter()
            .filter(|d| d.severity != Severity::Info)
            .map(|d| {
                let s = d.span.unwrap_or_default();
                (d.severity, d.path.clone(), s.start.line, s.start.column)
            })
            .collect()
    }

    #[test]
    fn an_admission_shows_the_service_as_stored_after_its_own_document() {
        // The same Service applied twice: the first admission keeps its own snapshot (one
        // port), the second is the store's object (two ports).
        let text = "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector:\n    app: web\n  ports:\n  - port: 80\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector:\n    app: web\n  ports:\n  - port: 80\n    name: http\n  - port: 443\n    name: https\n";
        let analysis = analyze(text, Options::default());
        let ports = |i: usize| {
            analysis.admissions[i]
                .stored_service(&analysis.objects)
                .map(|s| s.spec.ports.len())
        };
        assert_eq!((ports(0), ports(1)), (Some(1), Some(2)));
        assert!(analysis.admissions[0].stored.is_some());
        assert!(analysis.admissions[1].stored.is_none());
    }

    #[test]
    fn errors_point_at_the_field_they_name() {
        // spec.clusterIPs[0] when only clusterIP was written: the clusterIP key.
        let text = "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  type: NodePort\n  clusterIP: None\n  selector:\n    app: web\n  ports:\n  - port: 80\n";
        assert_eq!(
            located(text),
            vec![(Severity::Error, "spec.clusterIPs[0]".into(), 7, 3)]
        );
        // A selector key is reported on the map; the editor underlines the key itself.
        let text = "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector:\n    ok: x\n    Bad=Key: v\n  ports:\n  - port: 80\n";
        assert_eq!(
            located(text),
            vec![(Severity::Error, "spec.selector".into(), 8, 5)]
        );
        // A defaulted targetPort points at the port it was copied from.
        let text = "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector: {app: web}\n  ports:\n  - name: http\n    port: 70000\n";
        assert_eq!(
            located(text),
            vec![
                (Severity::Error, "spec.ports[0].port".into(), 9, 5),
                (Severity::Error, "spec.ports[0].targetPort".into(), 9, 5)
            ]
        );
        // The capital-L historical path still finds the field as written.
        let text = "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector: {app: web}\n  loadBalancerSourceRanges: [10.0.0.0/8]\n  ports:\n  - port: 80\n";
        assert_eq!(
            located(text),
            vec![(
                Severity::Error,
                "spec.LoadBalancerSourceRanges".into(),
                7,
                3
            )]
        );
    }

    #[test]
    fn warnings_and_namespace_errors_are_located_too() {
        let text = "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  externalName: db.example.com\n  selector: {app: web}\n  ports:\n  - port: 80\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: api\n  namespace: dev\nspec:\n  ports:\n  - port: 80\n";
        assert_eq!(
            located(text),
            vec![
                (Severity::Warning, "spec.externalName".into(), 6, 3),
                // The learner hint (controllers::hints): the selector picks no Pod.
                (Severity::Warning, "spec.selector".into(), 7, 3),
                (Severity::Error, "metadata.namespace".into(), 15, 3)
            ]
        );
    }

    #[test]
    fn a_refused_service_gives_its_values_back() {
        // web-a asks for 30080 but is invalid (bad name): web-b can have 30080.
        let text = "apiVersion: v1\nkind: Service\nmetadata:\n  name: Web-A\nspec:\n  type: NodePort\n  ports:\n  - port: 80\n    nodePort: 30080\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: web-b\nspec:\n  type: NodePort\n  ports:\n  - port: 80\n    nodePort: 30080\n";
        let analysis = analyze(text, Options::default());
        let outcomes: Vec<bool> = analysis
            .admissions
            .iter()
            .map(|a| a.success_line().is_some())
            .collect();
        assert_eq!(outcomes, vec![false, true]);
    }
}

#[cfg(test)]
mod stability {
    use crate::scenario::{Options, analyze};
    use std::collections::BTreeMap;

    fn service(name: &str, kind: usize, extra_port: bool) -> String {
        let (type_, policy) = match kind % 4 {
            0 => ("ClusterIP", ""),
            1 => ("NodePort", ""),
            2 => ("LoadBalancer", "\n  externalTrafficPolicy: Local"),
            _ => ("LoadBalancer", ""),
        };
        let extra = if extra_port {
            "\n  - name: extra\n    port: 9090"
        } else {
            ""
        };
        format!(
            "apiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\nspec:\n  type: {type_}{policy}\n  selector: {{app: {name}}}\n  ports:\n  - name: http\n    port: 80\n  - name: https\n    port: 443{extra}\n"
        )
    }

    /// Every allocated value of every Service, by Service.
    fn values(services: &[String]) -> BTreeMap<String, Vec<String>> {
        let analysis = analyze(&services.join("---\n"), Options::default());
        analysis
            .objects
            .services
            .iter()
            .map(|s| {
                let mut v = s.spec.cluster_ips.clone();
                v.extend(
                    s.spec
                        .ports
                        .iter()
                        .filter_map(|p| p.node_port)
                        .map(|p| p.to_string()),
                );
                v.extend(s.spec.health_check_node_port.map(|p| format!("hc {p}")));
                (s.meta.key(), v)
            })
            .collect()
    }

    #[test]
    fn editing_one_service_never_moves_another() {
        let names: Vec<String> = (0..40).map(|i| format!("svc-{i:02}")).collect();
        let base: Vec<String> = names
            .iter()
            .enumerate()
            .map(|(i, n)| service(n, i, false))
            .collect();
        let before = values(&base);
        let unchanged_except = |after: &BTreeMap<String, Vec<String>>, edited: &[&str]| {
            for (key, v) in &before {
                if edited.iter().any(|e| key.ends_with(e)) {
                    continue;
                }
                assert_eq!(after.get(key), Some(v), "{key} moved");
            }
        };
        // Change one Service's ports and type.
        let mut edited = base.clone();
        edited[15] = service(&names[15], 2, true);
        unchanged_except(&values(&edited), &["svc-15"]);
        // Rename one.
        let mut renamed = base.clone();
        renamed[10] = service("renamed", 10, false);
        unchanged_except(&values(&renamed), &["svc-10", "renamed"]);
        // Add one at the top of the file.
        let mut added = vec![service("newcomer", 1, true)];
        added.extend(base.iter().cloned());
        unchanged_except(&values(&added), &["newcomer"]);
        // Delete one.
        let mut deleted = base.clone();
        deleted.remove(20);
        unchanged_except(&values(&deleted), &["svc-20"]);
        // The values are the dynamic bands' (ClusterIPs past 10.96.1.0, ports past 30085).
        for v in before.values().flatten() {
            if let Ok(port) = v.trim_start_matches("hc ").parse::<u32>() {
                assert!((30086..=32767).contains(&port), "{v}");
            }
        }
    }

    #[test]
    fn a_value_requested_later_in_the_file_is_left_for_its_owner() {
        // Whatever port svc-00 would get, a later Service asking for it explicitly gets it.
        let first = values(&[service("svc-00", 1, false)]);
        let taken: Vec<String> = first["default/svc-00"][1..].to_vec();
        let claimer = format!(
            "apiVersion: v1\nkind: Service\nmetadata:\n  name: claimer\nspec:\n  type: NodePort\n  ports:\n  - port: 80\n    nodePort: {}\n",
            taken[0]
        );
        let both = values(&[service("svc-00", 1, false), claimer]);
        assert_eq!(both["default/claimer"], {
            let mut v = both["default/claimer"][..1].to_vec();
            v.push(taken[0].clone());
            v
        });
        assert_ne!(both["default/svc-00"][1], taken[0]);
    }
}
