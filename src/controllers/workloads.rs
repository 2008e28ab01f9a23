//! The ReplicaSet, Deployment and StatefulSet controllers, the scheduler and the node
//! lifecycle controller, made deterministic: which Pods a workload has, their names, nodes,
//! IPs and conditions.
//!
//! Real names carry random parts (the pod-template-hash is an FNV hash of a Go struct
//! dump; pod suffixes are random). svcplay derives them from the objects' identities
//! instead, with the same alphabets and lengths, so the same text always gives the same
//! Pods and scaling a Deployment up never renames, moves or renumbers the Pods it had.
//! A Deployment whose Pods are also written out (as `kubectl get -o yaml` dumps them) adopts
//! the ReplicaSet name those Pods name as their owner, so extra replicas get the same hash.
//!
//! ## What the scenario text says about each Pod
//!
//! Everything that changes a Pod's state is written in the scenario, so a share link
//! carries it (the page's one-click actions edit the text, see [`crate::actions`]):
//!
//! - **A written Pod with the name of a generated one replaces it.** A workload's Pods are
//!   generated under deterministic names; a `Pod` document of the same namespace and name
//!   is taken as that Pod, exactly as written (status, conditions, IPs, deletionTimestamp).
//!   Written Pods that match a workload's selector count towards its replicas, like Pods
//!   a ReplicaSet adopts.
//! - **`svcplay.dev/not-ready: "<pod>[,<pod>...]"`** on a workload: those generated Pods
//!   run but fail their readiness probe (`Ready` and `ContainersReady` are `False`).
//! - **`svcplay.dev/terminating: "<pod>[,<pod>...]"`** on a workload: those generated Pods
//!   were deleted and are still terminating (`metadata.deletionTimestamp` set, Ready as
//!   before). A ReplicaSet does not count a terminating Pod, so a Deployment gets a
//!   replacement Pod at once (one more Pod than `replicas`); a StatefulSet waits until the
//!   old Pod is gone before it recreates the same ordinal, so it gets none.
//! - **Node loss** is the Node's `Ready` condition set to `False` or `Unknown`. svcplay
//!   models the cluster after the node lifecycle controller noticed (after
//!   `--node-monitor-grace-period`) and before taint-based eviction (the default
//!   `tolerationSeconds: 300` for `node.kubernetes.io/not-ready` and `unreachable`): every
//!   Pod on that Node has its `Ready` condition set to `False` (`MarkPodsNotReady`), and
//!   stays where it is. Eviction after the five minutes can be written with the
//!   `svcplay.dev/terminating` annotation.
//!
//! ## Placement and IPs
//!
//! Each new Pod goes to the eligible Node (schedulable, no NoSchedule/NoExecute taint,
//! matching `nodeSelector`) with the fewest Pods, ties broken by the order the Nodes are
//! written — the spreading the default scheduler's scoring produces on empty nodes. A
//! Node's readiness does not change placement: the scenario describes Pods placed while
//! their Nodes were Ready, so taking a Node down never moves its Pods. IPs come from the
//! Node's `spec.podCIDR(s)` in order from `.2` (`.1` is the bridge), as flannel's
//! host-local IPAM hands them out; one IP per pod CIDR, so a dual-stack Node gives dual-stack
//! Pods. A Node without a pod CIDR gets `10.244.<n>.0/24` by its position (node-ipam with
//! kubeadm's `--pod-network-cidr=10.244.0.0/16`), plus `fd00:10:244:<n>::/64` when the
//! cluster is dual-stack (a Service asks for both families). A scenario without Nodes has
//! one, `node-1` (see [`crate::proxy::config::DEFAULT_NODE_NAME`]).

use super::uid::object_uid;
use super::{
    DELETED_ANNOTATION, DELETION_TIME, NOT_READY_ANNOTATION, SCENARIO_START, TERMINATING_ANNOTATION,
};
use crate::manifest::Kind;
use crate::model::ip::{Cidr, IpFamily, parse_ip_sloppy};
use crate::model::labels::selector_matches;
use crate::model::{
    Condition, Node, ObjectMeta, Objects, Origin, OwnerReference, Pod, PodStatus, Workload,
};
use crate::proxy::config::{DEFAULT_NODE_IP, DEFAULT_NODE_NAME};
use crate::sort::CollectBTree;
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

/// Whether the cluster runs both IP families: a Service asks for both, or a Node has a
/// pod CIDR of each.
pub fn cluster_is_dual_stack(objects: &Objects) -> bool {
    let service = objects.services.iter().any(|s| {
        let families: BTreeSet<&str> = s
            .spec
            .ip_families
            .iter()
            .map(String::as_str)
            .collect_btree();
        families.contains("IPv4") && families.contains("IPv6")
    });
    let node = objects.nodes.iter().any(|n| {
        let families: BTreeSet<IpFamily> = n
            .pod_cidrs
            .iter()
            .filter_map(|c| Cidr::parse_sloppy(c))
            .map(|c| c.family())
            .collect_btree();
        families.len() == 2
    });
    service || node
}

/// The pod CIDRs node-ipam gives the Node at `position` when it has none written.
fn default_pod_cidrs(position: usize, dual_stack: bool) -> Vec<Cidr> {
    let mut out = Vec::new();
    if position < 256 {
        out.extend(Cidr::parse_sloppy(&format!("10.244.{position}.0/24")));
        if dual_stack {
            out.extend(Cidr::parse_sloppy(&format!(
                "fd00:10:244:{position:x}::/64"
            )));
        }
    }
    out
}

fn node_slots(objects: &Objects) -> Vec<Slot> {
    let dual_stack = cluster_is_dual_stack(objects);
    if objects.nodes.is_empty() {
        return vec![Slot {
            name: DEFAULT_NODE_NAME.into(),
            eligible: true,
            labels: BTreeMap::new(),
            pod_cidrs: default_pod_cidrs(0, dual_stack),
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
            if pod_cidrs.is_empty() {
                pod_cidrs = default_pod_cidrs(i, dual_stack);
            }
            let blocked = n
                .taints
                .iter()
                .any(|t| t.effect == "NoSchedule" || t.effect == "NoExecute");
            Slot {
                name: n.meta.name.clone(),
                eligible: !n.unschedulable && !blocked,
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

/// Pod names listed in a workload annotation (`svcplay.dev/not-ready` ...): comma- or
/// blank-separated.
pub fn annotated_pods(workload: &Workload, key: &str) -> BTreeSet<String> {
    workload
        .meta
        .annotations
        .get(key)
        .map(|v| {
            v.split([',', ' ', '\n', '\t'])
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect_btree()
        })
        .unwrap_or_default()
}

/// The ReplicaSet a Deployment's Pods belong to: the one written Pods name as their owner,
/// else `<deployment>-<pod-template-hash>`.
pub fn deployment_replica_set(workload: &Workload, pods: &[Pod]) -> String {
    let prefix = format!("{}-", workload.meta.name);
    pods.iter()
        .filter(|p| belongs_to(p, workload))
        .flat_map(|p| p.meta.owner_references.iter())
        .find(|o| {
            o.controller == Some(true) && o.kind == "ReplicaSet" && o.name.starts_with(&prefix)
        })
        .map(|o| o.name.clone())
        .unwrap_or_else(|| {
            format!(
                "{}-{}",
                workload.meta.name,
                pod_template_hash(&workload.template.fingerprint)
            )
        })
}

/// The largest number of Pods svcplay makes for one workload; more would only slow the
/// page down (a learner warning says so).
pub const MAX_PODS_PER_WORKLOAD: usize = 5000;

/// The name of the `index`-th Pod a workload creates.
fn pod_name(workload: &Workload, owner_name: &str, index: usize) -> String {
    match workload.kind {
        Kind::StatefulSet => format!("{}-{index}", workload.meta.name),
        _ => format!(
            "{owner_name}-{}",
            name_suffix(&format!("{}/{owner_name}/{index}", workload.meta.namespace))
        ),
    }
}

/// The names of the Pods a workload's controller creates for the scenario as written, in
/// creation order (the page uses them for one-click actions).
pub fn generated_pod_names(objects: &Objects, workload: &Workload) -> Vec<String> {
    generate_pods(objects)
        .into_iter()
        .filter(|p| {
            p.meta.namespace == workload.meta.namespace
                && p.meta.owner_references.iter().any(|o| {
                    o.name == workload.meta.name
                        || (workload.kind == Kind::Deployment
                            && o.kind == "ReplicaSet"
                            && o.name.starts_with(&format!("{}-", workload.meta.name)))
                })
        })
        .map(|p| p.meta.name)
        .collect()
}

/// The Pods the workload controllers create, added after the written Pods. Returns the
/// generated Pods (the caller appends them to the objects).
pub fn generate_pods(objects: &Objects) -> Vec<Pod> {
    let retired_ips = retired(objects);
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
    let mut generated: Vec<Pod> = Vec::new();
    for workload in &objects.workloads {
        let replicas = usize::try_from(workload.replicas.unwrap_or(1).max(0))
            .unwrap_or(0)
            .min(MAX_PODS_PER_WORKLOAD);
        let written: Vec<&Pod> = objects
            .pods
            .iter()
            .filter(|p| belongs_to(p, workload))
            .collect();
        let taken: BTreeSet<&str> = objects
            .pods
            .iter()
            .filter(|p| p.meta.namespace == workload.meta.namespace)
            .map(|p| p.meta.name.as_str())
            .collect_btree();
        let not_ready = annotated_pods(workload, NOT_READY_ANNOTATION);
        let terminating = annotated_pods(workload, TERMINATING_ANNOTATION);
        let deleted = annotated_pods(workload, DELETED_ANNOTATION);
        let origin = match workload.meta.origin {
            Origin::Written(id) | Origin::Generated(id) => Origin::Generated(id),
            Origin::Builtin => Origin::Builtin,
        };
        let (owner_kind, owner_name) = match workload.kind {
            Kind::Deployment => (
                "ReplicaSet",
                deployment_replica_set(workload, &objects.pods),
            ),
            _ => (workload.kind.name(), workload.meta.name.clone()),
        };
        // Which indices to create. A StatefulSet has exactly the ordinals 0..replicas, a
        // written Pod standing in for its ordinal; a ReplicaSet creates Pods until
        // `replicas` of them are active (not terminating).
        // The third field marks a Pod that was deleted: it is replayed (scheduled, given
        // its address) and dropped, so its address stays taken as the CNI plugin's
        // host-local IPAM keeps it (it hands out the address after the last one it
        // reserved) and the Pod created in its place gets a new one.
        let mut plan: Vec<(usize, String, bool)> = Vec::new();
        // A DaemonSet's Pods are bound to their nodes by its controller, one per node the
        // template's nodeSelector matches (svcplay treats an unschedulable or NoSchedule-
        // tainted node as not eligible, as the template carries no tolerations for them).
        let mut pinned: BTreeMap<String, usize> = BTreeMap::new();
        match workload.kind {
            Kind::DaemonSet => {
                for (index, slot) in slots.iter().enumerate() {
                    if !slot.eligible
                        || !selector_matches(&workload.template.spec.node_selector, &slot.labels)
                    {
                        continue;
                    }
                    let name = pod_name(workload, &owner_name, index);
                    if !taken.contains(name.as_str()) && !deleted.contains(&name) {
                        pinned.insert(name.clone(), index);
                        plan.push((index, name, false));
                    }
                }
            }
            Kind::StatefulSet => {
                for index in 0..replicas {
                    let name = pod_name(workload, &owner_name, index);
                    if !taken.contains(name.as_str()) {
                        plan.push((index, name, false));
                    }
                }
            }
            _ => {
                let mut active = written.iter().filter(|p| !p.is_terminating()).count();
                let mut index = 0;
                while active < replicas && index < replicas + MAX_PODS_PER_WORKLOAD {
                    let name = pod_name(workload, &owner_name, index);
                    index += 1;
                    if taken.contains(name.as_str()) {
                        continue;
                    }
                    // A Pod that finished terminating is gone; its name is not reused.
                    if deleted.contains(&name) {
                        plan.push((index - 1, name, true));
                        continue;
                    }
                    if !terminating.contains(&name) {
                        active += 1;
                    }
                    plan.push((index - 1, name, false));
                }
            }
        }
        for (index, name, gone) in plan {
            let mut labels = workload.template.labels.clone();
            match workload.kind {
                Kind::Deployment => {
                    let hash = owner_name
                        .strip_prefix(&format!("{}-", workload.meta.name))
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
            let chosen = pinned
                .get(&name)
                .copied()
                .or_else(|| {
                    spec.node_name
                        .clone()
                        .and_then(|n| slots.iter().position(|s| s.name == n))
                })
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
            if gone && chosen.is_none() {
                continue;
            }
            let ready = !not_ready.contains(&name);
            let mut status = PodStatus {
                phase: Some("Pending".into()),
                conditions: vec![Condition {
                    type_: "PodScheduled".into(),
                    status: "False".into(),
                }],
                ..PodStatus::default()
            };
            if let Some(i) = chosen {
                let slot = &mut slots[i];
                slot.pods += 1;
                spec.node_name = Some(slot.name.clone());
                let mut ips = Vec::new();
                // A deleted Pod replays as it was allocated: before its address retired.
                let no_retired = BTreeSet::new();
                let retired_now = if gone { &no_retired } else { &retired_ips };
                for cidr in slot.pod_cidrs.clone() {
                    if let Some(ip) = next_free(&cidr, &slot.used, retired_now) {
                        slot.used.insert(ip);
                        ips.push(ip.to_string());
                    }
                }
                if gone {
                    slot.pods -= 1;
                    continue;
                }
                let flag = |b: bool| if b { "True" } else { "False" };
                status = PodStatus {
                    phase: Some("Running".into()),
                    conditions: [
                        ("PodReadyToStartContainers", true),
                        ("Initialized", true),
                        ("Ready", ready),
                        ("ContainersReady", ready),
                        ("PodScheduled", true),
                    ]
                    .iter()
                    .map(|(t, b)| Condition {
                        type_: (*t).into(),
                        status: flag(*b).into(),
                    })
                    .collect(),
                    pod_ip: ips.first().cloned(),
                    pod_ips: ips,
                    host_ip: slot.host_ip.clone(),
                };
            }
            let mut meta = ObjectMeta::new(name, workload.meta.namespace.clone(), origin.clone());
            meta.uid = Some(object_uid("Pod", &meta.namespace, &meta.name));
            meta.labels = labels;
            meta.annotations = workload.template.annotations.clone();
            // Created with the object it comes from (a session creates objects later).
            meta.creation_timestamp = workload
                .meta
                .creation_timestamp
                .clone()
                .or_else(|| Some(SCENARIO_START.into()));
            if terminating.contains(&meta.name) {
                meta.deletion_timestamp = Some(DELETION_TIME.into());
            }
            meta.owner_references.push(OwnerReference {
                api_version: "apps/v1".into(),
                kind: owner_kind.into(),
                name: owner_name.clone(),
                uid: object_uid(owner_kind, &workload.meta.namespace, &owner_name),
                controller: Some(true),
                block_owner_deletion: Some(true),
            });
            generated.push(Pod { meta, spec, status });
        }
    }
    generated
}

/// The node lifecycle controller: Pods on a Node whose `Ready` condition is `False` or
/// `Unknown` get `Ready=False` (`MarkPodsNotReady`); they are not moved or deleted (see
/// the module documentation for the grace periods modelled).
pub fn mark_pods_on_lost_nodes(objects: &mut Objects) {
    let lost: BTreeSet<String> = objects
        .nodes
        .iter()
        .filter(|n| !n.is_ready())
        .map(|n| n.meta.name.clone())
        .collect_btree();
    if lost.is_empty() {
        return;
    }
    for pod in &mut objects.pods {
        if pod
            .spec
            .node_name
            .as_ref()
            .is_some_and(|n| lost.contains(n))
        {
            match pod
                .status
                .conditions
                .iter_mut()
                .find(|c| c.type_ == "Ready")
            {
                Some(c) => c.status = "False".into(),
                None => pod.status.conditions.push(Condition {
                    type_: "Ready".into(),
                    status: "False".into(),
                }),
            }
        }
    }
}

/// The next `count` free Pod addresses of each of the node's pod CIDRs (after every Pod
/// already on it), for Pods that are placed after the workload controllers ran (the
/// kube-system add-ons of [`super::kubeadm`]). `None` for a node the scenario lacks.
pub fn free_pod_ips(objects: &Objects, node: &str, count: usize) -> Option<Vec<Vec<String>>> {
    let retired_ips = retired(objects);
    let mut slot = node_slots(objects).into_iter().find(|s| s.name == node)?;
    for pod in &objects.pods {
        if pod.spec.node_name.as_deref() == Some(node) {
            slot.used
                .extend(pod.ips().into_iter().filter_map(parse_ip_sloppy));
        }
    }
    let mut out = Vec::new();
    for _ in 0..count {
        let mut ips = Vec::new();
        for cidr in slot.pod_cidrs.clone() {
            if let Some(ip) = next_free(&cidr, &slot.used, &retired_ips) {
                slot.used.insert(ip);
                ips.push(ip.to_string());
            }
        }
        out.push(ips);
    }
    Some(out)
}

/// The first address from `.2` on that is not taken (`.1` is the node's bridge) and
/// was not held by a Pod that is gone ([`Objects::retired_pod_ips`]): the CNI plugin's
/// host-local IPAM hands out the address after the last one it reserved, so a new Pod
/// gets a new address; when the block has no other, a retired one is reused.
fn next_free(cidr: &Cidr, used: &BTreeSet<IpAddr>, retired: &BTreeSet<IpAddr>) -> Option<IpAddr> {
    let limit = cidr.size().min(1 << 16);
    let last = match cidr.family() {
        IpFamily::IPv4 => limit.saturating_sub(1),
        IpFamily::IPv6 => limit,
    };
    (2..last)
        .filter_map(|i| cidr.nth(i))
        .find(|ip| !used.contains(ip) && !retired.contains(ip))
        .or_else(|| {
            (2..last)
                .filter_map(|i| cidr.nth(i))
                .find(|ip| !used.contains(ip))
        })
}

fn retired(objects: &Objects) -> BTreeSet<IpAddr> {
    objects
        .retired_pod_ips
        .iter()
        .filter_map(|ip| parse_ip_sloppy(ip))
        .collect()
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
