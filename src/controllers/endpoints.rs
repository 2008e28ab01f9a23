//! The legacy Endpoints controller: one `v1` Endpoints object per Service with a selector.
//!
//! Written from `endpoints-legacy.md`. What differs from the EndpointSlice controller:
//!
//! - terminating Pods are left out unless `publishNotReadyAddresses` (§3);
//! - Nodes are never consulted (a Pod on a missing Node stays);
//! - only the Service's primary IP family (`spec.ipFamilies[0]`): a Pod's first IP of that
//!   family, or the Pod is dropped;
//! - a Pod lacking every named port is absent (a Pod lacking some ports appears in the
//!   subsets of the ports it has);
//! - ready Pods (all of them with `publishNotReadyAddresses`) go to `addresses`, others to
//!   `notReadyAddresses`.
//!
//! Subsets are "repacked" (§4): ports whose sets of (address, readiness) are equal share a
//! subset; a port-less headless Service gives a subset without ports. Addresses are sorted
//! by IP string byte-wise, then by Pod UID — that order is real. Subset and port order
//! are an MD5 hash order in the real controller; svcplay uses Service port order, as the
//! reference cases do. More than 1000 addresses are truncated and annotated `truncated` (§5).
//!
//! Labels: every Service label verbatim, the headless label, and
//! `endpoints.kubernetes.io/managed-by: endpoint-controller`; no owner references.
//! A written Endpoints object that carries that managed-by label (a pasted dump) is kept
//! as written.

use super::SCENARIO_START;
use super::endpointslice::{
    HEADLESS_LABEL, TRIGGER_TIME_ANNOTATION, endpoint_hostname, has_selector,
    is_headless_for_labels, resolve_target_port, selected_pods,
};
use crate::model::ip::{IpFamily, parse_ip_sloppy};
use crate::model::{
    EndpointAddress, EndpointPort, EndpointSubset, Endpoints, IntOrString, ObjectMeta,
    ObjectReference, Objects, Origin, Pod, Service,
};
use crate::sort::CollectBTree;
use std::collections::HashMap;

/// `endpoints.kubernetes.io/managed-by` of the objects this controller writes.
pub const MANAGED_BY_LABEL: &str = "endpoints.kubernetes.io/managed-by";
pub const MANAGED_BY: &str = "endpoint-controller";
/// The annotation on an Endpoints object that had more addresses than it may hold.
pub const OVER_CAPACITY_ANNOTATION: &str = "endpoints.kubernetes.io/over-capacity";
/// `maxCapacity` of the controller.
pub const MAX_CAPACITY: usize = 1000;

/// The Endpoints objects that exist: the controller's for Services with a selector
/// (replacing any written one of the same name), the written ones otherwise.
pub fn reconcile(objects: &Objects) -> Vec<Endpoints> {
    // The Services by name, indexed only when some Endpoints is written (a dump has none).
    let services: std::collections::BTreeMap<(&str, &str), &Service> =
        if objects.endpoints.is_empty() {
            std::collections::BTreeMap::new()
        } else {
            objects
                .services
                .iter()
                .map(|s| ((s.meta.namespace.as_str(), s.meta.name.as_str()), s))
                .collect_btree()
        };
    let written: Vec<&Endpoints> = objects
        .endpoints
        .iter()
        .filter(|written| {
            let owned = services
                .get(&(written.meta.namespace.as_str(), written.meta.name.as_str()))
                .is_some_and(|s| {
                    has_selector(s)
                        && s.type_or_default() != "ExternalName"
                        && written
                            .meta
                            .labels
                            .get(MANAGED_BY_LABEL)
                            .map(String::as_str)
                            != Some(MANAGED_BY)
                });
            !owned
        })
        .collect();
    let kept: std::collections::BTreeSet<(&str, &str)> = written
        .iter()
        .map(|e| (e.meta.namespace.as_str(), e.meta.name.as_str()))
        .collect_btree();
    let mut out: Vec<Endpoints> = written.into_iter().cloned().collect();
    for service in &objects.services {
        // The selector first: read in place, where the type is a string elsewhere (a
        // dump's 5,000 Services have no selector).
        if !has_selector(service) || service.type_or_default() == "ExternalName" {
            continue;
        }
        if kept.contains(&(service.meta.namespace.as_str(), service.meta.name.as_str())) {
            continue;
        }
        out.push(endpoints_for(service, &objects.pods));
    }
    out
}

/// The Service's primary IP family.
fn primary_family(service: &Service) -> IpFamily {
    service
        .spec
        .ip_families
        .first()
        .and_then(|f| IpFamily::parse(f))
        .or_else(|| {
            service
                .spec
                .cluster_ip
                .as_deref()
                .and_then(parse_ip_sloppy)
                .map(|ip| IpFamily::of(&ip))
        })
        .unwrap_or(IpFamily::IPv4)
}

/// One Pod the controller took: its address, UID and readiness.
struct Seen {
    address: EndpointAddress,
    uid: String,
    ready: bool,
}

/// The port keys the controller met (`None` is the port-less sentinel), in first-seen
/// order, each with the Pods (indexes into the [`Seen`] list) seen for it. Kept by key
/// so that a Service with 200 ports over 5,000 Pods costs 200 × 5,000 steps, not their
/// square.
#[derive(Default)]
struct ByPort {
    ports: Vec<(Option<EndpointPort>, Vec<usize>)>,
    index: HashMap<Option<EndpointPort>, usize>,
}

impl ByPort {
    fn add(&mut self, port: Option<EndpointPort>, seen: usize) {
        let i = match self.index.get(&port) {
            Some(&i) => i,
            None => {
                self.index.insert(port.clone(), self.ports.len());
                self.ports.push((port, Vec::new()));
                self.ports.len() - 1
            }
        };
        self.ports[i].1.push(seen);
    }
}

/// The Endpoints object the controller writes for one Service.
pub fn endpoints_for(service: &Service, pods: &[Pod]) -> Endpoints {
    let publish_not_ready = service.spec.publish_not_ready_addresses.unwrap_or(false);
    let family = primary_family(service);
    let mut seen: Vec<Seen> = Vec::new();
    let mut by_port = ByPort::default();
    for pod in selected_pods(service, pods) {
        if matches!(
            pod.status.phase.as_deref(),
            Some("Succeeded") | Some("Failed")
        ) {
            continue;
        }
        if pod.ips().iter().all(|ip| ip.is_empty()) {
            continue;
        }
        if pod.is_terminating() && !publish_not_ready {
            continue;
        }
        let Some(ip) = pod
            .ips()
            .into_iter()
            .find(|ip| parse_ip_sloppy(ip).is_some_and(|a| IpFamily::of(&a) == family))
        else {
            continue;
        };
        let address = EndpointAddress {
            ip: ip.to_string(),
            hostname: endpoint_hostname(pod, service),
            node_name: Some(pod.spec.node_name.clone().unwrap_or_default()),
            target_ref: Some(ObjectReference {
                kind: Some("Pod".into()),
                namespace: Some(pod.meta.namespace.clone()),
                name: Some(pod.meta.name.clone()),
                uid: pod.meta.uid.clone(),
            }),
        };
        let ready = publish_not_ready || pod.is_ready();
        let uid = pod.meta.uid.clone().unwrap_or_default();
        let at = seen.len();
        seen.push(Seen {
            address,
            uid,
            ready,
        });
        if service.spec.ports.is_empty() {
            if service.is_headless() {
                by_port.add(None, at);
            }
            continue;
        }
        for sp in &service.spec.ports {
            let protocol = sp.protocol.clone().unwrap_or_else(|| "TCP".into());
            let Some(target) = sp.target_port.clone().or(sp.port.map(IntOrString::Int)) else {
                continue;
            };
            let Some(number) = resolve_target_port(pod, &target, &protocol) else {
                continue;
            };
            let port = EndpointPort {
                name: Some(sp.name.clone()),
                port: Some(number),
                protocol: Some(protocol),
                app_protocol: sp.app_protocol.clone(),
            };
            by_port.add(Some(port), at);
        }
    }
    let subsets = repack(&seen, by_port);
    let (subsets, truncated) = truncate(subsets);
    let mut meta = ObjectMeta::new(
        service.meta.name.clone(),
        service.meta.namespace.clone(),
        match service.meta.origin {
            Origin::Written(id) | Origin::Generated(id) => Origin::Generated(id),
            Origin::Builtin => Origin::Builtin,
        },
    );
    meta.labels = service.meta.labels.clone();
    if is_headless_for_labels(service) {
        meta.labels.insert(HEADLESS_LABEL.into(), String::new());
    }
    meta.labels
        .insert(MANAGED_BY_LABEL.into(), MANAGED_BY.into());
    meta.annotations
        .insert(TRIGGER_TIME_ANNOTATION.into(), SCENARIO_START.into());
    if truncated {
        meta.annotations
            .insert(OVER_CAPACITY_ANNOTATION.into(), "truncated".into());
    }
    meta.uid = Some(super::uid::object_uid(
        "Endpoints",
        &meta.namespace,
        &meta.name,
    ));
    // Created with the object it comes from (a session creates objects later).
    meta.creation_timestamp = service
        .meta
        .creation_timestamp
        .clone()
        .or_else(|| Some(SCENARIO_START.into()));
    Endpoints { meta, subsets }
}

/// `RepackSubsets` + `SortSubsets`: ports with equal address sets share a subset.
fn repack(seen: &[Seen], by_port: ByPort) -> Vec<EndpointSubset> {
    // Per port, the addresses (keyed by IP + UID; not ready wins) as (Pod, ready), sorted.
    type Addresses = Vec<(usize, bool)>;
    let mut lists: Vec<(Option<EndpointPort>, Addresses)> = Vec::new();
    for (port, pods) in by_port.ports {
        let mut list: Addresses = Vec::new();
        let mut at: HashMap<(&str, &str), usize> = HashMap::new();
        for i in pods {
            let s = &seen[i];
            match at.get(&(s.address.ip.as_str(), s.uid.as_str())) {
                Some(&j) => list[j].1 &= s.ready,
                None => {
                    at.insert((s.address.ip.as_str(), s.uid.as_str()), list.len());
                    list.push((i, s.ready));
                }
            }
        }
        crate::sort::sort_by(&mut list, |a, b| {
            let (x, y) = (&seen[a.0], &seen[b.0]);
            x.address
                .ip
                .as_bytes()
                .cmp(y.address.ip.as_bytes())
                .then(x.uid.cmp(&y.uid))
        });
        lists.push((port, list));
    }
    // Ports whose address lists are equal (IP, UID, readiness) share a subset.
    type Key<'a> = Vec<(&'a str, &'a str, bool)>;
    let mut subsets: Vec<(Addresses, Vec<EndpointPort>)> = Vec::new();
    let mut subset_of: HashMap<Key, usize> = HashMap::new();
    for (port, list) in lists {
        let key: Key = list
            .iter()
            .map(|&(i, ready)| (seen[i].address.ip.as_str(), seen[i].uid.as_str(), ready))
            .collect();
        let i = *subset_of.entry(key).or_insert_with(|| {
            subsets.push((list, Vec::new()));
            subsets.len() - 1
        });
        subsets[i].1.extend(port);
    }
    subsets
        .into_iter()
        .map(|(list, ports)| {
            let mut subset = EndpointSubset {
                ports,
                ..EndpointSubset::default()
            };
            for (i, ready) in list {
                let address = seen[i].address.clone();
                if ready {
                    subset.addresses.push(address);
                } else {
                    subset.not_ready_addresses.push(address);
                }
            }
            subset
        })
        .collect()
}

/// `truncateEndpoints`: at most [`MAX_CAPACITY`] addresses; returns whether it cut.
fn truncate(mut subsets: Vec<EndpointSubset>) -> (Vec<EndpointSubset>, bool) {
    let ready: usize = subsets.iter().map(|s| s.addresses.len()).sum();
    let not_ready: usize = subsets.iter().map(|s| s.not_ready_addresses.len()).sum();
    if ready + not_ready <= MAX_CAPACITY {
        return (subsets, false);
    }
    let share = |len: usize, total: usize, budget: usize| -> usize {
        if total == 0 {
            0
        } else {
            (len * budget).div_ceil(total)
        }
    };
    if ready > MAX_CAPACITY {
        let mut left = MAX_CAPACITY;
        for s in &mut subsets {
            s.not_ready_addresses.clear();
            let keep = share(s.addresses.len(), ready, MAX_CAPACITY).min(left);
            s.addresses.truncate(keep);
            left -= keep;
        }
    } else {
        let budget = MAX_CAPACITY - ready;
        let mut left = budget;
        for s in &mut subsets {
            let keep = share(s.not_ready_addresses.len(), not_ready, budget).min(left);
            s.not_ready_addresses.truncate(keep);
            left -= keep;
        }
    }
    (subsets, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subset(ready: usize, not_ready: usize) -> EndpointSubset {
        let address = |i: usize| EndpointAddress {
            ip: format!("10.0.{}.{}", i / 250, i % 250),
            ..EndpointAddress::default()
        };
        EndpointSubset {
            addresses: (0..ready).map(address).collect(),
            not_ready_addresses: (ready..ready + not_ready).map(address).collect(),
            ports: Vec::new(),
        }
    }

    #[test]
    fn truncation_follows_the_controller() {
        let (s, cut) = truncate(vec![subset(1100, 0)]);
        assert!(cut);
        assert_eq!(s[0].addresses.len(), 1000);
        let (s, cut) = truncate(vec![subset(900, 200)]);
        assert!(cut);
        assert_eq!(
            (s[0].addresses.len(), s[0].not_ready_addresses.len()),
            (900, 100)
        );
        // TestSyncServiceOverCapacity: 997 ready + 4 not ready -> 997 + 3.
        let (s, _) = truncate(vec![subset(997, 4)]);
        assert_eq!(
            (s[0].addresses.len(), s[0].not_ready_addresses.len()),
            (997, 3)
        );
        let (s, cut) = truncate(vec![subset(10, 2)]);
        assert!(!cut);
        assert_eq!(s[0].addresses.len(), 10);
    }
}
