//! The EndpointSlice controller: which Pods of a Service become endpoints, with which
//! conditions and ports, packed into slices of at most 100.
//!
//! Written from the endpoints reference (`endpointslices.md` §1–§7): Services with a
//! selector (and not ExternalName) get slices per IP family and per distinct list of
//! resolved ports; named target ports are resolved per Pod; a family with no endpoints
//! gets one placeholder slice. Generated names are `<service>-<5 safe characters>`,
//! derived from the Service, family, port group and slice index (the API server picks
//! them at random).

use super::workloads::name_suffix;
use crate::model::ip::{IpFamily, parse_ip_sloppy};
use crate::model::labels::selector_matches;
use crate::model::{
    Endpoint, EndpointPort, EndpointSlice, IntOrString, ObjectMeta, ObjectReference, Objects,
    Origin, OwnerReference, Pod, Service,
};
use std::collections::BTreeMap;

/// `--max-endpoints-per-slice` (kube-controller-manager default).
pub const MAX_ENDPOINTS_PER_SLICE: usize = 100;
/// `endpointslice.kubernetes.io/managed-by` of the slices this controller owns.
pub const MANAGED_BY: &str = "endpointslice-controller.k8s.io";

/// Resolves a Service port's target on one Pod: a number as is, a name through the Pod's
/// container ports of the same protocol (then native sidecars). `None`: the Pod lacks it.
pub fn resolve_target_port(pod: &Pod, target: &IntOrString, protocol: &str) -> Option<i64> {
    match target {
        IntOrString::Int(n) => Some(*n),
        IntOrString::Str(name) => {
            let sidecars = pod
                .spec
                .init_containers
                .iter()
                .filter(|c| c.restart_policy.as_deref() == Some("Always"));
            pod.spec
                .containers
                .iter()
                .chain(sidecars)
                .flat_map(|c| c.ports.iter())
                .find_map(|p| {
                    (p.name.as_deref() == Some(name.as_str())
                        && p.protocol.as_deref().unwrap_or("TCP") == protocol)
                        .then_some(p.container_port)
                })
        }
    }
}

/// The Pods a Service selects, in the scenario's order (namespace and selector only).
pub fn selected_pods<'a>(service: &Service, pods: &'a [Pod]) -> Vec<&'a Pod> {
    let Some(selector) = service.spec.selector.as_ref().filter(|s| !s.is_empty()) else {
        return Vec::new();
    };
    pods.iter()
        .filter(|p| {
            p.meta.namespace == service.meta.namespace && selector_matches(selector, &p.meta.labels)
        })
        .collect()
}

/// The address families the Service's slices are for.
fn families(service: &Service) -> Vec<IpFamily> {
    let mut out: Vec<IpFamily> = service
        .spec
        .ip_families
        .iter()
        .filter_map(|f| IpFamily::parse(f))
        .collect();
    if out.is_empty() {
        out.push(
            service
                .spec
                .cluster_ip
                .as_deref()
                .and_then(parse_ip_sloppy)
                .map_or(IpFamily::IPv4, |ip| IpFamily::of(&ip)),
        );
    }
    out
}

/// Every slice the controller writes for the scenario's Services.
pub fn reconcile(objects: &Objects) -> Vec<EndpointSlice> {
    let mut slices = Vec::new();
    for service in &objects.services {
        if service.spec.type_.as_deref() == Some("ExternalName") {
            continue;
        }
        if service.spec.selector.as_ref().is_none_or(|s| s.is_empty()) {
            continue;
        }
        slices.extend(slices_for(service, objects));
    }
    slices
}

fn slices_for(service: &Service, objects: &Objects) -> Vec<EndpointSlice> {
    let publish_not_ready = service.spec.publish_not_ready_addresses.unwrap_or(false);
    let pods = selected_pods(service, &objects.pods);
    let mut out = Vec::new();
    for family in families(service) {
        // Port list → endpoints, in the order groups first appear.
        let mut groups: Vec<(Vec<EndpointPort>, Vec<Endpoint>)> = Vec::new();
        for pod in &pods {
            if matches!(
                pod.status.phase.as_deref(),
                Some("Succeeded") | Some("Failed")
            ) {
                continue;
            }
            if pod.status.pod_ip.is_none() && pod.status.pod_ips.is_empty() {
                continue;
            }
            let node = pod.spec.node_name.as_deref().filter(|n| !n.is_empty());
            let node_object = node.and_then(|n| objects.node(n));
            let node_missing = node.is_some() && node_object.is_none() && !objects.nodes.is_empty();
            if node_missing && !publish_not_ready {
                continue;
            }
            let addresses: Vec<String> = pod
                .status
                .pod_ips
                .iter()
                .filter_map(|ip| parse_ip_sloppy(ip))
                .filter(|ip| IpFamily::of(ip) == family)
                .map(|ip| ip.to_string())
                .collect();
            let ports: Vec<EndpointPort> = service
                .spec
                .ports
                .iter()
                .filter_map(|sp| {
                    let protocol = sp.protocol.clone().unwrap_or_else(|| "TCP".into());
                    let target = sp.target_port.clone().or(sp.port.map(IntOrString::Int))?;
                    let number = resolve_target_port(pod, &target, &protocol)?;
                    Some(EndpointPort {
                        name: Some(sp.name.clone()),
                        port: Some(number),
                        protocol: Some(protocol),
                        app_protocol: sp.app_protocol.clone(),
                    })
                })
                .collect();
            let index = match groups.iter().position(|(p, _)| *p == ports) {
                Some(i) => i,
                None => {
                    groups.push((ports, Vec::new()));
                    groups.len() - 1
                }
            };
            if addresses.is_empty() {
                continue;
            }
            let serving = pod.is_ready();
            let terminating = pod.is_terminating();
            let hostname = pod.spec.hostname.clone().filter(|h| {
                !h.is_empty() && pod.spec.subdomain.as_deref() == Some(service.meta.name.as_str())
            });
            groups[index].1.push(Endpoint {
                addresses,
                ready: Some(publish_not_ready || (serving && !terminating)),
                serving: Some(serving),
                terminating: Some(terminating),
                hostname,
                node_name: node.map(str::to_string),
                zone: node_object
                    .and_then(|n| n.zone())
                    .filter(|z| !z.is_empty())
                    .map(str::to_string),
                target_ref: Some(ObjectReference {
                    kind: Some("Pod".into()),
                    namespace: Some(pod.meta.namespace.clone()),
                    name: Some(pod.meta.name.clone()),
                    uid: pod.meta.uid.clone(),
                }),
                hints_for_zones: Vec::new(),
                hints_for_nodes: Vec::new(),
            });
        }
        groups.retain(|(_, endpoints)| !endpoints.is_empty());
        if groups.is_empty() {
            out.push(make_slice(service, family, 0, 0, None, Vec::new()));
            continue;
        }
        for (g, (ports, endpoints)) in groups.into_iter().enumerate() {
            let ports = if ports.is_empty() { None } else { Some(ports) };
            for (c, chunk) in endpoints.chunks(MAX_ENDPOINTS_PER_SLICE).enumerate() {
                out.push(make_slice(
                    service,
                    family,
                    g,
                    c,
                    ports.clone(),
                    chunk.to_vec(),
                ));
            }
        }
    }
    out
}

fn make_slice(
    service: &Service,
    family: IpFamily,
    group: usize,
    chunk: usize,
    ports: Option<Vec<EndpointPort>>,
    endpoints: Vec<Endpoint>,
) -> EndpointSlice {
    let origin = match service.meta.origin {
        Origin::Written(id) | Origin::Generated(id) => Origin::Generated(id),
        Origin::Builtin => Origin::Builtin,
    };
    let seed = format!(
        "{}/{}/{}/{group}/{chunk}",
        service.meta.namespace,
        service.meta.name,
        family.as_str()
    );
    let mut prefix = format!("{}-", service.meta.name);
    prefix.truncate(58);
    let mut meta = ObjectMeta::new(
        format!("{prefix}{}", name_suffix(&seed)),
        service.meta.namespace.clone(),
        origin,
    );
    meta.generate_name = Some(prefix);
    let reserved = [
        "kubernetes.io/service-name",
        "endpointslice.kubernetes.io/managed-by",
        "service.kubernetes.io/headless",
    ];
    let mut labels: BTreeMap<String, String> = service
        .meta
        .labels
        .iter()
        .filter(|(k, _)| !reserved.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    labels.insert(
        "kubernetes.io/service-name".into(),
        service.meta.name.clone(),
    );
    labels.insert(
        "endpointslice.kubernetes.io/managed-by".into(),
        MANAGED_BY.into(),
    );
    if matches!(
        service.spec.cluster_ip.as_deref(),
        Some("None") | Some("") | None
    ) {
        labels.insert("service.kubernetes.io/headless".into(), String::new());
    }
    meta.labels = labels;
    meta.owner_references.push(OwnerReference {
        api_version: "v1".into(),
        kind: "Service".into(),
        name: service.meta.name.clone(),
        uid: service.meta.uid.clone().unwrap_or_default(),
        controller: Some(true),
        block_owner_deletion: Some(true),
    });
    EndpointSlice {
        meta,
        address_type: family.as_str().into(),
        endpoints,
        ports,
    }
}
