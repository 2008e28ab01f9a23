//! The EndpointSlice controller: which Pods of a Service become endpoints, with which
//! conditions and ports, packed into slices of at most 100.
//!
//! Written from the endpoints reference (`endpointslices.md` §1–§12):
//!
//! - Only Services with a selector that are not ExternalName get slices (§1). `selector: {}`
//!   reads back from the API server as absent, so it selects nothing.
//! - A selected Pod is skipped when its phase is terminal, when it has no IP, or when its
//!   `spec.nodeName` names a Node that does not exist (unless `publishNotReadyAddresses`)
//!   (§2). A scenario without any Node objects has implicit Nodes: no Pod is skipped for
//!   its Node then. Terminating Pods are kept.
//! - Conditions: `serving` = Pod Ready, `terminating` = deletionTimestamp set, `ready` =
//!   publishNotReadyAddresses || (serving && !terminating) (§3). Addresses come from
//!   `status.podIPs` only, re-printed canonically.
//! - Named target ports are resolved per Pod (name and protocol, then native sidecars); Pods
//!   are grouped by their resolved port list, one group of slices per list and address
//!   family (§4, §5).
//! - Slices hold at most 100 endpoints; a family with no endpoint gets one placeholder slice
//!   (§7). Endpoints inside a slice are ordered by Pod name (the real order is Go map order;
//!   the reference cases list them by Pod name), ports in Service order (the real order is an
//!   opaque hash order).
//! - Metadata: `generateName: <service>-`, names `<prefix><5 safe characters>` derived from
//!   the Service, family, port list and slice index (the API server picks them at random);
//!   Service labels minus the reserved keys, the headless label, the owner reference, and
//!   the trigger-time annotation at [`super::SCENARIO_START`] (§6).
//! - Hints for `trafficDistribution` (`PreferClose`, `PreferSameZone`, `PreferSameNode`) on
//!   ready endpoints (§9). The topology-mode annotation's proportional allocation is not
//!   simulated: such Services get no hints (and `trafficDistribution` is then ignored, as in
//!   the real controller).
//!
//! A Service whose controller-managed slices are written in the scenario (a pasted dump
//! holds them) keeps those slices: the controller is not re-run for it.

use super::SCENARIO_START;
use super::workloads::name_suffix;
use crate::model::ip::{IpFamily, parse_ip_sloppy};
use crate::model::labels::selector_matches;
use crate::model::{
    Endpoint, EndpointPort, EndpointSlice, IntOrString, ObjectMeta, ObjectReference, Objects,
    Origin, OwnerReference, Pod, Service,
};
use crate::sort::CollectBTree;

/// `--max-endpoints-per-slice` (kube-controller-manager default).
pub const MAX_ENDPOINTS_PER_SLICE: usize = 100;
/// `endpointslice.kubernetes.io/managed-by` of the slices this controller owns.
pub const MANAGED_BY: &str = "endpointslice-controller.k8s.io";
/// The label naming a slice's Service.
pub const SERVICE_NAME_LABEL: &str = "kubernetes.io/service-name";
/// The label naming a slice's manager.
pub const MANAGED_BY_LABEL: &str = "endpointslice.kubernetes.io/managed-by";
/// The label on slices (and Endpoints) of headless Services.
pub const HEADLESS_LABEL: &str = "service.kubernetes.io/headless";
/// The annotation with the time of the change a sync reacted to.
pub const TRIGGER_TIME_ANNOTATION: &str = "endpoints.kubernetes.io/last-change-trigger-time";
/// The topology annotations that turn on the (not simulated) proportional hints.
pub const TOPOLOGY_MODE_ANNOTATION: &str = "service.kubernetes.io/topology-mode";
pub const TOPOLOGY_AWARE_HINTS_ANNOTATION: &str = "service.kubernetes.io/topology-aware-hints";

/// Resolves a Service port's target on one Pod (`FindPort`): a number as is, a name
/// through the Pod's container ports of the same protocol (then native sidecars).
/// `None`: the Pod lacks it.
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

/// Whether the Service has a selector the controllers act on (present and not empty).
pub fn has_selector(service: &Service) -> bool {
    service
        .spec
        .selector
        .as_ref()
        .is_some_and(|s| !s.is_empty())
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

/// Whether the Service's clusterIP makes it headless for labelling (`None` or empty).
pub fn is_headless_for_labels(service: &Service) -> bool {
    matches!(
        service.spec.cluster_ip.as_deref(),
        Some("None") | Some("") | None
    )
}

/// The address families the Service's slices are for: `spec.ipFamilies`, else the family
/// of the cluster IP, else (headless without families) both.
pub fn families(service: &Service) -> Vec<IpFamily> {
    let mut out: Vec<IpFamily> = Vec::new();
    for f in service
        .spec
        .ip_families
        .iter()
        .filter_map(|f| IpFamily::parse(f))
    {
        if !out.contains(&f) {
            out.push(f);
        }
    }
    if out.is_empty() {
        match service.spec.cluster_ip.as_deref().and_then(parse_ip_sloppy) {
            Some(ip) => out.push(IpFamily::of(&ip)),
            None if service.is_headless() => {
                out.push(IpFamily::IPv4);
                out.push(IpFamily::IPv6);
            }
            None => out.push(IpFamily::IPv4),
        }
    }
    out
}

/// The Service ports as they resolve on one Pod, in Service order.
pub fn endpoint_ports(service: &Service, pod: &Pod) -> Vec<EndpointPort> {
    service
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
        .collect()
}

/// `ShouldSetHostname`: the Pod's hostname, when its subdomain is the Service's name.
pub fn endpoint_hostname(pod: &Pod, service: &Service) -> Option<String> {
    pod.spec.hostname.clone().filter(|h| {
        !h.is_empty()
            && pod.spec.subdomain.as_deref() == Some(service.meta.name.as_str())
            && pod.meta.namespace == service.meta.namespace
    })
}

/// Which hints `trafficDistribution` asks for: (zones, nodes).
fn hint_mode(service: &Service) -> (bool, bool) {
    let annotations = &service.meta.annotations;
    // `hintsEnabled`: the deprecated annotation wins when both are set; only `Auto`/`auto`
    // turns the proportional allocation on.
    let topology = annotations
        .get(TOPOLOGY_AWARE_HINTS_ANNOTATION)
        .or_else(|| annotations.get(TOPOLOGY_MODE_ANNOTATION))
        .is_some_and(|v| v == "Auto" || v == "auto");
    if topology {
        return (false, false);
    }
    match service.spec.traffic_distribution.as_deref() {
        Some("PreferClose") | Some("PreferSameZone") => (true, false),
        Some("PreferSameNode") => (true, true),
        _ => (false, false),
    }
}

/// Every slice the controller writes for the scenario's Services.
pub fn reconcile(objects: &Objects) -> Vec<EndpointSlice> {
    let mut slices = Vec::new();
    if !objects
        .services
        .iter()
        // The selector first: read in place, where the type is a string elsewhere.
        .any(|s| has_selector(s) && s.spec.type_.as_deref() != Some("ExternalName"))
    {
        // No Service the controller manages (a dump's have no selectors): nothing indexed.
        return slices;
    }
    // Services whose controller-managed slices are written (a dump), indexed once.
    let dumped: std::collections::BTreeSet<(&str, &str)> = objects
        .endpoint_slices
        .iter()
        .filter(|s| s.meta.labels.get(MANAGED_BY_LABEL).map(String::as_str) == Some(MANAGED_BY))
        .filter_map(|s| Some((s.meta.namespace.as_str(), s.service_name()?)))
        .collect_btree();
    for service in &objects.services {
        if !has_selector(service) || service.spec.type_.as_deref() == Some("ExternalName") {
            continue;
        }
        if dumped.contains(&(service.meta.namespace.as_str(), service.meta.name.as_str())) {
            continue;
        }
        slices.extend(slices_for(service, objects));
    }
    slices
}

/// The slices of one Service.
pub fn slices_for(service: &Service, objects: &Objects) -> Vec<EndpointSlice> {
    let publish_not_ready = service.spec.publish_not_ready_addresses.unwrap_or(false);
    let (zone_hints, node_hints) = hint_mode(service);
    let mut pods = selected_pods(service, &objects.pods);
    crate::sort::sort_by(&mut pods, |a, b| a.meta.name.cmp(&b.meta.name));
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
            if pod.status.pod_ip.as_deref().is_none_or(str::is_empty)
                && pod.status.pod_ips.is_empty()
            {
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
            let ports = endpoint_ports(service, pod);
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
            let ready = publish_not_ready || (serving && !terminating);
            let zone = node_object
                .and_then(|n| n.zone())
                .filter(|z| !z.is_empty())
                .map(str::to_string);
            let hints_for_zones = match (&zone, ready && zone_hints) {
                (Some(z), true) => vec![z.clone()],
                _ => Vec::new(),
            };
            let hints_for_nodes = match (node, ready && node_hints) {
                (Some(n), true) => vec![n.to_string()],
                _ => Vec::new(),
            };
            groups[index].1.push(Endpoint {
                addresses: addresses.into(),
                ready: Some(ready),
                serving: Some(serving),
                terminating: Some(terminating),
                hostname: endpoint_hostname(pod, service).map(Into::into),
                node_name: node.map(Box::from),
                zone: zone.map(Into::into),
                target_ref: Some(Box::new(ObjectReference {
                    kind: Some("Pod".into()),
                    namespace: Some(pod.meta.namespace.clone()),
                    name: Some(pod.meta.name.clone()),
                    uid: pod.meta.uid.clone(),
                })),
                hints: crate::model::EndpointHints::of(hints_for_zones, hints_for_nodes),
            });
        }
        groups.retain(|(_, endpoints)| !endpoints.is_empty());
        if groups.is_empty() {
            out.push(make_slice(service, family, "", 0, None, Vec::new()));
            continue;
        }
        for (ports, endpoints) in groups {
            let key = port_key(&ports);
            let ports = if ports.is_empty() { None } else { Some(ports) };
            for (c, chunk) in endpoints.chunks(MAX_ENDPOINTS_PER_SLICE).enumerate() {
                out.push(make_slice(
                    service,
                    family,
                    &key,
                    c,
                    ports.clone(),
                    chunk.to_vec(),
                ));
            }
        }
    }
    out
}

/// A text naming a port list, so a slice's name does not change when another group of
/// the same Service appears or goes.
fn port_key(ports: &[EndpointPort]) -> String {
    ports
        .iter()
        .map(|p| {
            format!(
                "{}:{}/{}",
                p.name.as_deref().unwrap_or_default(),
                p.port.unwrap_or_default(),
                p.protocol.as_deref().unwrap_or_default()
            )
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// `generateName` of a controller's slice: `<name>-`, cut to 58 characters by the API
/// server before it appends the 5 random characters.
pub fn generate_name_prefix(name: &str) -> String {
    let mut prefix = format!("{name}-");
    if prefix.len() > 58 {
        let mut cut = 58;
        while !prefix.is_char_boundary(cut) {
            cut -= 1;
        }
        prefix.truncate(cut);
    }
    prefix
}

fn make_slice(
    service: &Service,
    family: IpFamily,
    ports_key: &str,
    chunk: usize,
    ports: Option<Vec<EndpointPort>>,
    endpoints: Vec<Endpoint>,
) -> EndpointSlice {
    let origin = match service.meta.origin {
        Origin::Written(id) | Origin::Generated(id) => Origin::Generated(id),
        Origin::Builtin => Origin::Builtin,
    };
    let seed = format!(
        "{}/{}/{}/{ports_key}/{chunk}",
        service.meta.namespace,
        service.meta.name,
        family.as_str()
    );
    let prefix = generate_name_prefix(&service.meta.name);
    let mut meta = ObjectMeta::new(
        format!("{prefix}{}", name_suffix(&seed)),
        service.meta.namespace.clone(),
        origin,
    );
    meta.generate_name = Some(prefix);
    let reserved = [SERVICE_NAME_LABEL, MANAGED_BY_LABEL, HEADLESS_LABEL];
    let mut labels: crate::model::StringMap = service
        .meta
        .labels
        .iter()
        .filter(|(k, _)| !reserved.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect_btree();
    labels.insert(SERVICE_NAME_LABEL.into(), service.meta.name.clone());
    labels.insert(MANAGED_BY_LABEL.into(), MANAGED_BY.into());
    if is_headless_for_labels(service) {
        labels.insert(HEADLESS_LABEL.into(), String::new());
    }
    meta.labels = labels;
    meta.annotations
        .insert(TRIGGER_TIME_ANNOTATION.into(), SCENARIO_START.into());
    meta.uid = Some(super::uid::object_uid(
        "EndpointSlice",
        &meta.namespace,
        &meta.name,
    ));
    // Created with the object it comes from (a session creates objects later).
    meta.creation_timestamp = service
        .meta
        .creation_timestamp
        .clone()
        .or_else(|| Some(SCENARIO_START.into()));
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

#[cfg(test)]
mod tests {
    use crate::scenario::{Options, analyze};

    const DUAL_STACK: &str = "\
apiVersion: v1
kind: Node
metadata:
  name: a
  labels: {topology.kubernetes.io/zone: zone-a}
---
apiVersion: v1
kind: Node
metadata:
  name: b
  labels: {topology.kubernetes.io/zone: zone-b}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  annotations:
    svcplay.dev/not-ready: NOTREADY
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        ports:
        - {name: http, containerPort: 8080}
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  clusterIP: 10.96.0.20
  clusterIPs: [10.96.0.20, fd00:10:96::20]
  ipFamilies: [IPv4, IPv6]
  ipFamilyPolicy: RequireDualStack
  trafficDistribution: PreferSameNode
  selector: {app: web}
  ports:
  - {name: http, port: 80, targetPort: http}
";

    #[test]
    fn dual_stack_pods_get_one_slice_per_family_with_hints_on_ready_endpoints() {
        let first = analyze(DUAL_STACK, Options { stored: true });
        let not_ready = first.objects.pods[1].meta.name.clone();
        let text = DUAL_STACK.replace("NOTREADY", &not_ready);
        let analysis = analyze(&text, Options { stored: true });
        let slices: Vec<_> = analysis
            .objects
            .endpoint_slices
            .iter()
            .filter(|s| s.service_name() == Some("web"))
            .collect();
        assert_eq!(slices.len(), 2);
        assert_eq!(slices[0].address_type, "IPv4");
        assert_eq!(slices[1].address_type, "IPv6");
        for slice in &slices {
            assert_eq!(slice.endpoints.len(), 3);
            assert_eq!(slice.ports.as_ref().unwrap()[0].port, Some(8080));
            for e in &slice.endpoints {
                let name = e.target_ref.as_ref().unwrap().name.clone().unwrap();
                if name == not_ready {
                    assert_eq!(e.ready, Some(false));
                    assert!(e.hints.is_none());
                } else {
                    assert_eq!(e.ready, Some(true));
                    assert_eq!(e.hints_for_zones(), vec![e.zone.as_deref().unwrap()]);
                    assert_eq!(
                        e.hints_for_nodes(),
                        vec![e.node_name.as_deref().unwrap().to_string()]
                    );
                }
            }
        }
        assert!(slices[1].endpoints[0].addresses[0].starts_with("fd00:10:244:"));
    }
}
