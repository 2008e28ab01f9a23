//! Learner warnings (PRODUCT.md A3): the mistakes that leave a Service without endpoints
//! or without traffic, said where they are written. No real component prints these;
//! they are [`Stage::Hint`] warnings whose path points at the field to fix.
//!
//! - A selector that matches no Pod in the Service's namespace, naming the closest labels
//!   that exist (and the namespaces where matching Pods do live, if any).
//! - A named `targetPort` that no selected Pod declares (with the protocol it would need),
//!   or that some selected Pods lack (they get no traffic on that port).
//! - A numeric `targetPort` that no container of the selected Pods lists (allowed, but
//!   usually a typo).
//! - A workload with more replicas than svcplay generates, and what the cluster-wide
//!   budgets cut ([`super::budget`]).

use super::endpointslice::{has_selector, resolve_target_port, selected_pods};
use super::workloads::MAX_PODS_PER_WORKLOAD;
use crate::diag::{Diagnostic, Stage};
use crate::model::labels::{format_map, selector_matches};
use crate::model::{IntOrString, Objects, Pod, Service};

/// The warnings for a scenario, with field paths; the caller resolves spans
/// ([`crate::manifest::Manifest::locate`]) from each object's origin. In order: each
/// written Service's ([`service_warnings`]), the workloads' ([`workload_warnings`]), and
/// the budgets' ([`super::budget::warnings`]).
pub fn warnings(objects: &Objects) -> Vec<(usize, Diagnostic)> {
    let mut out = Vec::new();
    for service in &objects.services {
        let Some(id) = written(service) else { continue };
        out.extend(
            service_warnings(service, &objects.pods)
                .into_iter()
                .map(|d| (id, d)),
        );
    }
    out.extend(workload_warnings(objects));
    out.extend(super::budget::warnings(objects));
    out
}

/// The warnings about one Service, which read only it and `pods` (the cluster's Pods).
pub fn service_warnings(service: &Service, pods: &[Pod]) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    if !has_selector(service) || service.type_or_default() == "ExternalName" {
        return out;
    }
    let selected = selected_pods(service, pods);
    if selected.is_empty() {
        out.push(no_pod_matches(service, pods));
        return out;
    }
    for (i, port) in service.spec.ports.iter().enumerate() {
        out.extend(target_port_warning(i, port, &selected));
    }
    out
}

/// The warnings about workloads asking for more Pods than svcplay makes of one.
pub fn workload_warnings(objects: &Objects) -> Vec<(usize, Diagnostic)> {
    let mut out = Vec::new();
    for workload in &objects.workloads {
        let Some(id) = workload.meta.origin.object() else {
            continue;
        };
        if workload.replicas.unwrap_or(1) > MAX_PODS_PER_WORKLOAD as i64 {
            out.push((
                id,
                Diagnostic::warning(
                    Stage::Hint,
                    format!(
                        "svcplay generates at most {MAX_PODS_PER_WORKLOAD} Pods per workload; the rest are not simulated"
                    ),
                )
                .with_path("spec.replicas"),
            ));
        }
    }
    out
}

/// The object id of a written Service.
pub fn written(service: &Service) -> Option<usize> {
    match service.meta.origin {
        crate::model::Origin::Written(id) => Some(id),
        _ => None,
    }
}

/// The selector path of one key (keys may hold dots and slashes).
fn selector_path(key: &str) -> String {
    format!("spec.selector[{key}]")
}

/// How far a Pod's labels are from a selector: the selector entries it misses.
pub fn label_differences(
    selector: &crate::model::StringMap,
    labels: &crate::model::StringMap,
) -> Vec<LabelDifference> {
    selector
        .iter()
        .filter(|(k, v)| labels.get(*k) != Some(*v))
        .map(|(k, v)| LabelDifference {
            key: k.clone(),
            wanted: v.clone(),
            found: labels.get(k).cloned(),
        })
        .collect()
}

/// One selector entry a Pod does not satisfy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LabelDifference {
    pub key: String,
    pub wanted: String,
    /// The Pod's value for the key, if it has the key at all.
    pub found: Option<String>,
}

impl std::fmt::Display for LabelDifference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.found {
            Some(v) => write!(f, "{}={} (selector wants {})", self.key, v, self.wanted),
            None => write!(
                f,
                "no label {} (selector wants {}={})",
                self.key, self.key, self.wanted
            ),
        }
    }
}

fn no_pod_matches(service: &Service, pods: &[Pod]) -> Diagnostic {
    let selector = service.spec.selector.clone().unwrap_or_default();
    let namespace = &service.meta.namespace;
    let elsewhere: Vec<&str> = {
        let mut v: Vec<&str> = pods
            .iter()
            .filter(|p| {
                &p.meta.namespace != namespace && selector_matches(&selector, &p.meta.labels)
            })
            .map(|p| p.meta.namespace.as_str())
            .collect();
        crate::sort::sort(&mut v);
        v.dedup();
        v
    };
    let selector_text = format_map(&selector);
    if !elsewhere.is_empty() {
        return Diagnostic::warning(
            Stage::Hint,
            format!(
                "selector {selector_text} matches no Pod in namespace {namespace}, only in namespace {}: a Service selects Pods of its own namespace only",
                elsewhere.join(", ")
            ),
        )
        .with_path("spec.selector");
    }
    let in_namespace: Vec<&Pod> = pods
        .iter()
        .filter(|p| &p.meta.namespace == namespace)
        .collect();
    let closest = in_namespace
        .iter()
        .map(|p| (label_differences(&selector, &p.meta.labels), *p))
        .min_by_key(|(d, p)| {
            (
                d.len(),
                d.iter().filter(|x| x.found.is_none()).count(),
                p.meta.name.clone(),
            )
        });
    match closest {
        None => Diagnostic::warning(
            Stage::Hint,
            format!("selector {selector_text} matches no Pod: namespace {namespace} has no Pods"),
        )
        .with_path("spec.selector"),
        Some((differences, pod)) => {
            let path = differences
                .first()
                .map_or_else(|| "spec.selector".to_string(), |d| selector_path(&d.key));
            let labels = if pod.meta.labels.is_empty() {
                "no labels".to_string()
            } else {
                format!("labels {}", format_map(&pod.meta.labels))
            };
            Diagnostic::warning(
                Stage::Hint,
                format!(
                    "selector {selector_text} matches no Pod in namespace {namespace}; the closest, Pod {}, has {labels}: {}",
                    pod.meta.name,
                    differences
                        .iter()
                        .map(|d| d.to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
            .with_path(path)
        }
    }
}

fn target_port_warning(
    index: usize,
    port: &crate::model::ServicePort,
    selected: &[&Pod],
) -> Option<Diagnostic> {
    let protocol = port.protocol.as_deref().unwrap_or("TCP");
    let target = port
        .target_port
        .clone()
        .or(port.port.map(IntOrString::Int))?;
    let path = if port.target_port.is_some() {
        format!("spec.ports[{index}].targetPort")
    } else {
        format!("spec.ports[{index}].port")
    };
    let declared = |pod: &Pod| -> Vec<(String, i64, String)> {
        pod.spec
            .containers
            .iter()
            .chain(
                pod.spec
                    .init_containers
                    .iter()
                    .filter(|c| c.restart_policy.as_deref() == Some("Always")),
            )
            .flat_map(|c| c.ports.iter())
            .map(|p| {
                (
                    p.name.clone().unwrap_or_default(),
                    p.container_port,
                    p.protocol.clone().unwrap_or_else(|| "TCP".into()),
                )
            })
            .collect()
    };
    match &target {
        IntOrString::Str(name) => {
            let lacking: Vec<&str> = selected
                .iter()
                .filter(|p| resolve_target_port(p, &target, protocol).is_none())
                .map(|p| p.meta.name.as_str())
                .collect();
            if lacking.is_empty() {
                return None;
            }
            let other_protocol = selected
                .iter()
                .flat_map(|p| declared(p))
                .find(|(n, _, pr)| n == name && pr != protocol);
            let message = if lacking.len() == selected.len() {
                match other_protocol {
                    Some((_, _, pr)) => format!(
                        "targetPort {name:?} names a {pr} container port, but this Service port is {protocol}: no selected Pod has a {protocol} port named {name:?}, so the port has no endpoints"
                    ),
                    None => format!(
                        "no selected Pod declares a container port named {name:?} ({protocol}); the EndpointSlices carry no port {:?} and kube-proxy sends this port nowhere",
                        service_port_label(port)
                    ),
                }
            } else {
                format!(
                    "Pods {} do not declare a {protocol} container port named {name:?}: they get no traffic on this port",
                    lacking.join(", ")
                )
            };
            Some(Diagnostic::warning(Stage::Hint, message).with_path(path))
        }
        IntOrString::Int(number) => {
            let any_declared = selected.iter().any(|p| !declared(p).is_empty());
            let listed = selected.iter().any(|p| {
                declared(p)
                    .iter()
                    .any(|(_, n, pr)| n == number && pr == protocol)
            });
            if !any_declared || listed {
                return None;
            }
            Some(
                Diagnostic::warning(
                    Stage::Hint,
                    format!(
                        "targetPort {number}: no container of the selected Pods lists containerPort {number}/{protocol}; traffic is sent there anyway (a numeric targetPort is used as is), so check the container listens on it"
                    ),
                )
                .with_path(path),
            )
        }
    }
}

fn service_port_label(port: &crate::model::ServicePort) -> String {
    if port.name.is_empty() {
        port.port.map(|p| p.to_string()).unwrap_or_default()
    } else {
        port.name.clone()
    }
}

#[cfg(test)]
mod tests {
    use crate::diag::Stage;
    use crate::scenario::{Options, analyze};

    fn hints(text: &str) -> Vec<(u32, String)> {
        analyze(text, Options { stored: true })
            .diagnostics
            .into_iter()
            .filter(|d| d.stage == Stage::Hint)
            .map(|d| (d.span.map_or(0, |s| s.start.line), d.message))
            .collect()
    }

    const PODS: &str = "\
apiVersion: v1
kind: Pod
metadata:
  name: web-1
  namespace: dev
  labels: {app: web, tier: front}
spec:
  containers:
  - name: web
    ports:
    - {name: http, containerPort: 8080}
status:
  phase: Running
  podIP: 10.244.0.5
  podIPs: [{ip: 10.244.0.5}]
---
apiVersion: v1
kind: Pod
metadata:
  name: web-2
  namespace: prod
  labels: {app: api}
";

    #[test]
    fn a_selector_that_matches_nothing_names_the_closest_labels() {
        let text = format!(
            "{PODS}---\napiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  namespace: dev\nspec:\n  selector:\n    app: wbe\n  ports:\n  - port: 80\n"
        );
        let h = hints(&text);
        assert_eq!(h.len(), 1, "{h:?}");
        assert_eq!(h[0].0, 31, "the line of `app: wbe`");
        assert!(h[0].1.contains("closest, Pod web-1"), "{}", h[0].1);
        assert!(
            h[0].1.contains("app=web (selector wants wbe)"),
            "{}",
            h[0].1
        );
    }

    #[test]
    fn a_selector_matching_pods_of_another_namespace_says_so() {
        let text = format!(
            "{PODS}---\napiVersion: v1\nkind: Service\nmetadata:\n  name: api\n  namespace: dev\nspec:\n  selector:\n    app: api\n  ports:\n  - port: 80\n"
        );
        let h = hints(&text);
        assert!(h[0].1.contains("only in namespace prod"), "{h:?}");
    }

    #[test]
    fn target_ports_nobody_declares_are_pointed_at() {
        let named = format!(
            "{PODS}---\napiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  namespace: dev\nspec:\n  selector: {{app: web}}\n  ports:\n  - port: 80\n    targetPort: htpp\n  - port: 81\n    targetPort: http\n    protocol: UDP\n  - port: 82\n    targetPort: 9090\n"
        );
        let h = hints(&named);
        assert_eq!(h.len(), 3, "{h:?}");
        assert_eq!(h[0].0, 33, "the line of `targetPort: htpp`");
        assert!(h[0].1.contains("named \"htpp\""), "{}", h[0].1);
        assert!(h[1].1.contains("names a TCP container port"), "{}", h[1].1);
        assert!(h[2].1.contains("containerPort 9090/TCP"), "{}", h[2].1);
    }
}
