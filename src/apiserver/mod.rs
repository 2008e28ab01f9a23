//! The simulated API server: what `kubectl apply -f` does to each object.
//!
//! Stage three of the pipeline (skipped with `--stored`). [`admit`] takes the raw objects
//! in file order against a fresh cluster that already holds `default/kubernetes` and the
//! standard namespaces, and for each one decides what a real kube-apiserver would: reject
//! it (strict decoding, allocation or validation errors, in that order), or default it,
//! allocate its ClusterIPs and NodePorts deterministically, and store it. The outcome of
//! every object is kept ([`Admission`]) so `svcplay apply` can print kubectl's lines.

pub mod alloc;
pub mod service;

use crate::diag::{Diagnostic, Severity, Stage};
use crate::manifest::{Kind, Manifest, RawObject};
use crate::model::{self, Object, ObjectMeta, Objects, Origin};

/// What happened to one object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// `service/NAME created`.
    Created,
    /// A later document of the same object: `service/NAME configured`.
    Configured,
    /// Refused; the object does not exist in the cluster.
    Rejected(Rejection),
}

/// A refusal in the API server's terms.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Rejection {
    /// HTTP 400 from the decoder: `<Kind> in version "v1" cannot be handled as a <Kind>: ...`.
    BadRequest(String),
    /// HTTP 422: `The Service "x" is invalid: ` and the field errors (`field: body`).
    Invalid(Vec<String>),
    /// Any other status, already worded (`Error from server (AlreadyExists): ...`).
    Other { reason: String, message: String },
}

/// The outcome of one written object, with the warnings kubectl would print for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Admission {
    pub object: usize,
    pub kind: Kind,
    pub namespace: String,
    pub name: String,
    pub outcome: Outcome,
    pub warnings: Vec<String>,
}

impl Admission {
    /// kubectl's stdout line for a success: `service/web created`.
    pub fn success_line(&self) -> Option<String> {
        let verb = match self.outcome {
            Outcome::Created => "created",
            Outcome::Configured => "configured",
            Outcome::Rejected(_) => return None,
        };
        Some(format!("{}/{} {verb}", self.kind.resource(), self.name))
    }

    /// kubectl's stderr text for a refusal, for a file named `file`.
    pub fn error_text(&self, file: &str) -> Option<String> {
        let Outcome::Rejected(rejection) = &self.outcome else {
            return None;
        };
        Some(match rejection {
            Rejection::BadRequest(message) => format!(
                "Error from server (BadRequest): error when creating {file:?}: {kind} in version {version:?} cannot be handled as a {kind}: {message}",
                kind = self.kind.name(),
                version = self.kind.api_version().rsplit('/').next().unwrap_or("v1"),
            ),
            Rejection::Invalid(errors) if errors.len() == 1 => {
                format!(
                    "The {} {:?} is invalid: {}",
                    self.kind.name(),
                    self.name,
                    errors[0]
                )
            }
            Rejection::Invalid(errors) => {
                let mut text = format!("The {} {:?} is invalid: ", self.kind.name(), self.name);
                for e in errors {
                    text.push_str("\n* ");
                    text.push_str(e);
                }
                text
            }
            Rejection::Other { reason, message } => {
                format!("Error from server ({reason}): error when creating {file:?}: {message}")
            }
        })
    }
}

/// The objects every simulated cluster starts with: the standard namespaces and the
/// `default/kubernetes` Service (10.96.0.1:443 → the control plane's 6443).
pub fn builtin_objects() -> Objects {
    let mut objects = Objects::default();
    for ns in ["default", "kube-node-lease", "kube-public", "kube-system"] {
        objects.namespaces.push(model::Namespace {
            meta: ObjectMeta::new(ns, "", Origin::Builtin),
        });
    }
    objects.services.push(service::kubernetes_service());
    objects
}

/// Runs every written object through the API server, in order.
pub fn admit(manifest: &Manifest) -> (Objects, Vec<Admission>, Vec<Diagnostic>) {
    let mut store = builtin_objects();
    let mut admissions = Vec::new();
    let mut diagnostics = Vec::new();
    let mut allocator = alloc::Allocators::new(manifest);
    allocator.reserve_builtins(&store);
    for raw in &manifest.objects {
        let (outcome, warnings, object) = admit_one(raw, &store, &mut allocator, &mut diagnostics);
        if let Some(object) = object {
            let mut replaced = Vec::new();
            model::insert(&mut store, object, raw, &mut replaced);
            // Re-applying an object is an update, not a problem.
            diagnostics.extend(replaced.into_iter().map(|d| Diagnostic {
                severity: Severity::Info,
                ..d
            }));
        }
        for w in &warnings {
            diagnostics
                .push(manifest.locate(raw.id, Diagnostic::warning(Stage::ApiServer, w.clone())));
        }
        admissions.push(Admission {
            object: raw.id,
            kind: raw.kind,
            namespace: if raw.kind.namespaced() {
                raw.namespace_or_default().to_string()
            } else {
                String::new()
            },
            name: raw.name.clone(),
            outcome,
            warnings,
        });
    }
    (store, admissions, diagnostics)
}

fn admit_one(
    raw: &RawObject,
    store: &Objects,
    allocator: &mut alloc::Allocators,
    diagnostics: &mut Vec<Diagnostic>,
) -> (Outcome, Vec<String>, Option<Object>) {
    if let Some(message) = raw.decode.message() {
        diagnostics.push(
            Diagnostic::error(
                Stage::ApiServer,
                format!(
                    "{} rejected by the API server: the document does not decode",
                    raw.describe()
                ),
            )
            .with_span(raw.node.locate("kind"))
            .in_document(raw.document)
            .about(raw.describe()),
        );
        return (
            Outcome::Rejected(Rejection::BadRequest(message)),
            Vec::new(),
            None,
        );
    }
    let exists = exists(store, raw);
    let object = model::read_object(raw);
    let created = if exists {
        Outcome::Configured
    } else {
        Outcome::Created
    };
    match object {
        Object::Service(svc) => match service::admit(svc, raw, store, allocator, exists) {
            Ok((svc, warnings)) => (created, warnings, Some(Object::Service(svc))),
            Err((rejection, errors)) => {
                for (path, message) in errors {
                    diagnostics.push(
                        Diagnostic::error(Stage::ApiServer, message)
                            .with_path(path.clone())
                            .with_span(raw.node.locate_key(&path).1)
                            .in_document(raw.document)
                            .about(raw.describe()),
                    );
                }
                (Outcome::Rejected(rejection), Vec::new(), None)
            }
        },
        other => (created, Vec::new(), Some(other)),
    }
}

fn exists(store: &Objects, raw: &RawObject) -> bool {
    let ns = raw.namespace_or_default();
    let name = raw.name.as_str();
    match raw.kind {
        Kind::Service => store.service(ns, name).is_some(),
        Kind::Pod => store
            .pods
            .iter()
            .any(|p| p.meta.namespace == ns && p.meta.name == name),
        Kind::Node => store.node(name).is_some(),
        Kind::Namespace => store.namespaces.iter().any(|n| n.meta.name == name),
        Kind::Deployment | Kind::ReplicaSet | Kind::StatefulSet => store
            .workloads
            .iter()
            .any(|w| w.kind == raw.kind && w.meta.namespace == ns && w.meta.name == name),
        Kind::EndpointSlice => store
            .endpoint_slices
            .iter()
            .any(|s| s.meta.namespace == ns && s.meta.name == name),
        Kind::Endpoints => store
            .endpoints
            .iter()
            .any(|s| s.meta.namespace == ns && s.meta.name == name),
        Kind::ServiceCIDR => store.service_cidrs.iter().any(|s| s.meta.name == name),
        Kind::KubeProxyConfiguration => store.kube_proxy_configuration.is_some(),
        Kind::NodeRuntime => store.node_runtimes.iter().any(|r| r.name == name),
    }
}
