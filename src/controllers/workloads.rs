//! The ReplicaSet, Deployment and StatefulSet controllers and the scheduler, made
//! deterministic: which Pods a workload has, their names, nodes and IPs.
//!
//! Real names carry random parts (the pod-template-hash is an FNV hash of a Go struct
//! dump; pod suffixes are random). svcplay derives them from the objects' identities
//! instead, with the same alphabets and lengths, so the same text always gives the same
//! Pods and scaling a Deployment up never renames, moves or renumbers the Pods it had.
//!
//! Placement: each new Pod goes to the eligible Node (Ready, schedulable, no NoSchedule
//! taint, matching `nodeSelector`) with the fewest Pods, ties broken by the order the
//! Nodes are written — the spreading the default scheduler's scoring produces on empty
//! nodes. IPs come from the Node's `spec.podCIDR(s)` in order from `.2` (`.1` is the
//! bridge), as flannel's host-local IPAM hands them out. A Node without a pod CIDR gets
//! `10.244.<n>.0/24` by its position (node-ipam with kubeadm's `--pod-network-cidr=10.244.0.0/16`).
//! A scenario without Nodes has one, `node-1` (see [`crate::proxy::config::DEFAULT_NODE_NAME`]).

use crate::manifest::Kind;
use crate::model::ip::{Cidr, IpFamily, parse_ip_sloppy};
use crate::model::labels::selector_matches;
use crate::model::{
    Condition, Node, ObjectMeta, Objects, Origin, OwnerReference, Pod, PodStatus, Workload,
};
use crate::proxy::config::{DEFAULT_NODE_IP, DEFAULT_NODE_NAME};
use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

/// The characters Kubernetes uses for generated name parts (`rand.SafeEncodeString`).
pub const SAFE_ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

/// 32-bit FNV-1a.
pub fn fnv32a(data: &[u8]) -> u32 {
    let mut hash: u32 = 0x811c_9dc5;
    for b in data {
        hash ^= u32::from(*b);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    hash
}

/// `rand.SafeEncodeString(fmt.Sprint(hash))`: each decimal digit mapped into the safe
/// alphabet, as Kubernetes renders the pod-template-hash.
pub fn safe_encode(hash: u32) -> String {
    hash.to_string()
        .bytes()
        .map(|b| SAFE_ALPHABET[usize::from(b) % SAFE_ALPHABET.len()] as char)
        .collect()
}

/// Five characters of the safe alphabet derived from `seed` (a stand-in for the API
/// server's random `generateName` suffix).
pub fn name_suffix(seed: &str) -> String {
    let mut h =
        u64::from(fnv32a(seed.as_bytes())) << 32 | u64::from(fnv32a(format!("{seed}#").as_bytes()));
    let mut out = String::with_capacity(5);
    for _ in 0..5 {
        out.push(SAFE_ALPHABET[(h % SAFE_ALPHABET.len() as u64) as usize] as char);
        h /= SAFE_ALPHABET.len() as u64;
    }
    out
}

/// The pod-template-hash of a template (from its canonical text).
pub fn pod_template_hash(fingerprint: &str) -> String {
    safe_encode(fnv32a(fingerprint.as_bytes()))
}

/// A Node as the scheduler and IPAM see it.
struct Slot {
    name: String,
    eligible: bool,
    labels: BTreeMap<String, String>,
    pod_cidrs: Vec<Cidr>,
    host_ip: Option<String>,
    pods: usize,
    used: BTreeSet<IpAddr>,
}

fn node_slots(objects: &Objects) -> Vec<Slot> {
    if objects.nodes.is_empty() {
        return vec![Slot {
            name: DEFAULT_NODE_NAME.into(),
            eligible: true,
            labels: BTreeMap::new(),
            pod_cidrs: vec![Cidr::parse_sloppy("10.244.0.0/24").expect("constant CIDR")],
            host_ip: Some(DEFAULT_NODE_IP.into()),
            pods: 0,
            used: BTreeSet::new(),
        }];
    }
    objects
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n): (usize, &Node)| {
            let mut pod_cidrs: Vec<Cidr> = n
                .pod_cidrs
                .iter()
                .filter_map(|c| Cidr::parse_sloppy(c))
                .collect();
            if pod_cidrs.is_empty() && i < 256 {
                pod_cidrs.push(
                    Cidr::parse_sloppy(&format!("10.244.{i}.0/24")).expect("constructed CIDR"),
                );
            }
            let blocked = n
                .taints
                .iter()
                .any(|t| t.effect == "NoSchedule" || t.effect == "NoExecute");
            Slot {
                name: n.meta.name.clone(),
                eligible: n.is_ready() && !n.unschedulable && !blocked,
                labels: n.meta.labels.clone(),
                pod_cidrs,
                host_ip: n.internal_ip().map(str::to_string),
                pods: 0,
                used: BTreeSet::new(),
            }
        })
        .collect()
}

/// Whether an explicit Pod belongs to a workload (so the controller counts it instead of
/// creating another): same namespace, labels match, and not controlled by someone else.
fn belongs_to(pod: &Pod, workload: &Workload) -> bool {
    if pod.meta.namespace != workload.meta.namespace || !workload.selector.matches(&pod.meta.labels)
    {
        return false;
    }
    if workload.selector.is_empty() {
        return false;
    }
    match pod
        .meta
        .owner_references
        .iter()
        .find(|o| o.controller == Some(true))
    {
        None => true,
        Some(owner) => match workload.kind {
            Kind::Deployment => {
                owner.kind == "ReplicaSet"
                    && owner.name.starts_with(&format!("{}-", workload.meta.name))
            }
            _ => owner.kind == workload.kind.name() && owner.name == workload.meta.name,
        },
    }
}

/// The Pods the workload controllers create, added after the written Pods. Returns the
/// generated Pods (the caller appends them to the objects).
pub fn generate_pods(objects: &Objects) -> Vec<Pod> {
    let mut slots = node_slots(objects);
    for pod in &objects.pods {
        if let Some(slot) = pod
            .spec
            .node_name
            .as_ref()
            .and_then(|n| slots.iter_mut().find(|s| &s.name == n))
        {
            slot.pods += 1;
            for ip in pod.ips() {
                if let Some(ip) = parse_ip_sloppy(ip) {
                    slot.used.insert(ip);
                }
            }
        }
    }
    let mut generated = Vec::new();
    for workload in &objects.workloads {
        let replicas = workload.replicas.unwrap_or(1).max(0) as usize;
        let existing = objects
            .pods
            .iter()
            .filter(|p| belongs_to(p, workload))
            .count();
        if existing >= replicas {
            continue;
        }
        let origin = match workload.meta.origin {
            Origin::Written(id) | Origin::Generated(id) => Origin::Generated(id),
            Origin::Builtin => Origin::Builtin,
        };
        let (owner_kind, owner_name, owner_api) = match workload.kind {
            Kind::Deployment => (
                "ReplicaSet",
                format!(
                    "{}-{}",
                    workload.meta.name,
                    pod_template_hash(&workload.template.fingerprint)
                ),
                "apps/v1",
            ),
            _ => (workload.kind.name(), workload.meta.name.clone(), "apps/v1"),
        };
        for index in existing..replicas {
            let name = match workload.kind {
                Kind::StatefulSet => format!("{}-{index}", workload.meta.name),
                _ => format!(
                    "{owner_name}-{}",
                    name_suffix(&format!("{}/{owner_name}/{index}", workload.meta.namespace))
                ),
            };
            let mut labels = workload.template.labels.clone();
            match workload.kind {
                Kind::Deployment => {
                    let hash = owner_name
                        .rsplit('-')
                        .next()
                        .unwrap_or_default()
                        .to_string();
                    labels.insert("pod-template-hash".into(), hash);
                }
                Kind::StatefulSet => {
                    labels.insert("statefulset.kubernetes.io/pod-name".into(), name.clone());
                    labels.insert("apps.kubernetes.io/pod-index".into(), index.to_string());
                    labels.insert(
                        "controller-revision-hash".into(),
                        format!(
                            "{}-{}",
                            workload.meta.name,
                            pod_template_hash(&workload.template.fingerprint)
                        ),
                    );
                }
                _ => {}
            }
            let mut spec = workload.template.spec.clone();
            if workload.kind == Kind::StatefulSet {
                spec.hostname = Some(name.clone());
                if let Some(service) = workload.service_name.as_ref().filter(|s| !s.is_empty()) {
                    spec.subdomain = Some(service.clone());
                }
            }
            // Schedule: the eligible node with the fewest pods, first written on ties.
            let chosen = spec
                .node_name
                .clone()
                .and_then(|n| slots.iter().position(|s| s.name == n))
                .or_else(|| {
                    slots
                        .iter()
                        .enumerate()
                        .filter(|(_, s)| {
                            s.eligible && selector_matches(&spec.node_selector, &s.labels)
                        })
                        .min_by_key(|(i, s)| (s.pods, *i))
                        .map(|(i, _)| i)
                });
            let mut status = PodStatus {
                phase: Some("Pending".into()),
                ..PodStatus::default()
            };
            if let Some(i) = chosen {
                let slot = &mut slots[i];
                slot.pods += 1;
                spec.node_name = Some(slot.name.clone());
                let mut ips = Vec::new();
                for cidr in slot.pod_cidrs.clone() {
                    if let Some(ip) = next_free(&cidr, &slot.used) {
                        slot.used.insert(ip);
                        ips.push(ip.to_string());
                    }
                }
                status = PodStatus {
                    phase: Some("Running".into()),
                    conditions: [
                        "PodReadyToStartContainers",
                        "Initialized",
                        "Ready",
                        "ContainersReady",
                        "PodScheduled",
                    ]
                    .iter()
                    .map(|t| Condition {
                        type_: (*t).into(),
                        status: "True".into(),
                    })
                    .collect(),
                    pod_ip: ips.first().cloned(),
                    pod_ips: ips,
                    host_ip: slot.host_ip.clone(),
                };
            }
            let mut meta = ObjectMeta::new(name, workload.meta.namespace.clone(), origin.clone());
            meta.labels = labels;
            meta.annotations = workload.template.annotations.clone();
            meta.owner_references.push(OwnerReference {
                api_version: owner_api.into(),
                kind: owner_kind.into(),
                name: owner_name.clone(),
                uid: String::new(),
                controller: Some(true),
                block_owner_deletion: Some(true),
            });
            generated.push(Pod { meta, spec, status });
        }
    }
    generated
}

/// The first address from `.2` on that is not taken (`.1` is the node's bridge).
fn next_free(cidr: &Cidr, used: &BTreeSet<IpAddr>) -> Option<IpAddr> {
    let limit = cidr.size().min(1 << 16);
    let last = match cidr.family() {
        IpFamily::IPv4 => limit.saturating_sub(1),
        IpFamily::IPv6 => limit,
    };
    (2..last)
        .filter_map(|i| cidr.nth(i))
        .find(|ip| !used.contains(ip))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_names_use_the_kubernetes_alphabets() {
        let hash = pod_template_hash("{}");
        assert!(hash.len() <= 10 && hash.bytes().all(|b| SAFE_ALPHABET.contains(&b)));
        let suffix = name_suffix("dev/web-abc/0");
        assert_eq!(suffix.len(), 5);
        assert!(suffix.bytes().all(|b| SAFE_ALPHABET.contains(&b)));
        assert_ne!(name_suffix("dev/web-abc/0"), name_suffix("dev/web-abc/1"));
        // Digits map to `alphabet[rune % 27]`: real hashes such as `59c564ffb7` use only these.
        assert_eq!(safe_encode(1234567890), "56789bcdf4");
    }
}
