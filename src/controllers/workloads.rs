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
//! Each new Pod goes to the eligible Node (every NoSchedule/NoExecute taint tolerated by
//! the Pod, a cordoned Node counting as tainted `node.kubernetes.io/unschedulable`, and
//! `nodeSelector` matching) with the fewest Pods, ties broken by the order the Nodes are
//! written — the spreading the default scheduler's scoring produces on empty nodes. A
//! Node's readiness does not change placement: the scenario describes Pods placed while
//! their Nodes were Ready, so taking a Node down never moves its Pods. IPs come from the
//! Node's `spec.podCIDR(s)` in order from `.2` (`.1` is the bridge), as flannel's
//! host-local IPAM hands them out; one IP per pod CIDR, so a dual-stack Node gives dual-stack
//! Pods. A Node without a pod CIDR gets `10.244.<n>.0/24` by its position (node-ipam with
//! kubeadm's `--pod-network-cidr=10.244.0.0/16`), plus `fd00:10:244:<n>::/64` when the
//! cluster is dual-stack (a Service asks for both families). A scenario without Nodes has
//! one, `node-1` (see [`crate::model::DEFAULT_NODE_NAME`]).

use super::budget::MAX_PODS;
use super::uid::object_uid;
use super::{
    DELETED_ANNOTATION, DELETION_TIME, NOT_READY_ANNOTATION, SCENARIO_START, TERMINATING_ANNOTATION,
};
use crate::hash::fnv32a;
use crate::manifest::Kind;
use crate::model::ip::{Cidr, IpFamily, parse_ip_sloppy};
use crate::model::labels::selector_matches;
use crate::model::{
    Condition, Node, ObjectMeta, Objects, Origin, OwnerReference, Pod, PodSpec, PodStatus, Taint,
    Toleration, Workload,
};
use crate::model::{DEFAULT_NODE_IP, DEFAULT_NODE_NAME};
use crate::sort::CollectBTree;
use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap, HashMap};
use std::net::IpAddr;

/// The characters Kubernetes uses for generated name parts (`rand.SafeEncodeString`).
pub const SAFE_ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

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
    /// The taints the scheduler sees: the written ones, plus
    /// `node.kubernetes.io/unschedulable:NoSchedule` on a cordoned Node (which the node
    /// lifecycle controller adds, `TaintNodesByCondition`, and the scheduler's
    /// NodeUnschedulable filter checks the same way).
    taints: Vec<Taint>,
    labels: crate::model::StringMap,
    pod_cidrs: Vec<Cidr>,
    host_ip: Option<String>,
    pods: usize,
    used: BTreeSet<IpAddr>,
    /// Per pod CIDR, the index from which addresses may still be free: addresses are only
    /// taken while Pods are generated, so the search for the next one starts where the
    /// last one ended (searching from `.2` each time took minutes for 10,000 Pods).
    next: Vec<u128>,
}

/// Whether the cluster runs both IP families: a Service asks for both, or a Node has a
/// pod CIDR of each.
pub fn cluster_is_dual_stack(objects: &Objects) -> bool {
    // (Asked of every Service on every analysis: no set made per Service.)
    let service = objects.services.iter().any(|s| {
        let has = |family: &str| s.spec.ip_families.iter().any(|f| f == family);
        has("IPv4") && has("IPv6")
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

/// `node.kubernetes.io/unschedulable` (`v1.TaintNodeUnschedulable`).
const TAINT_NODE_UNSCHEDULABLE: &str = "node.kubernetes.io/unschedulable";

/// Whether every NoSchedule and NoExecute taint is tolerated: the negation of
/// `v1helper.FindMatchingUntoleratedTaint` with the filter the scheduler's TaintToleration
/// plugin and the DaemonSet controller's `predicates` use. PreferNoSchedule only weighs on
/// scoring, so it never keeps a Pod off a Node.
fn tolerates_taints(taints: &[Taint], tolerations: &[Toleration]) -> bool {
    taints
        .iter()
        .filter(|t| t.effect == "NoSchedule" || t.effect == "NoExecute")
        .all(|taint| tolerations.iter().any(|t| t.tolerates(taint)))
}

/// The tolerations of a DaemonSet's Pod: the template's, plus what
/// `AddOrUpdateDaemonPodTolerations` (pkg/controller/daemon/util `daemonset_util.go`)
/// adds, so daemon Pods run on not-ready, unreachable, pressured and cordoned Nodes (and,
/// with `hostNetwork`, on Nodes whose network is unavailable). Taints such as the
/// control plane's `node-role.kubernetes.io/control-plane:NoSchedule` still need a
/// toleration in the template (kubeadm's kube-proxy DaemonSet tolerates everything with
/// `operator: Exists`).
fn daemon_pod_tolerations(spec: &PodSpec) -> Vec<Toleration> {
    let mut tolerations = spec.tolerations.clone();
    let mut added = vec![
        ("node.kubernetes.io/not-ready", "NoExecute"),
        ("node.kubernetes.io/unreachable", "NoExecute"),
        ("node.kubernetes.io/disk-pressure", "NoSchedule"),
        ("node.kubernetes.io/memory-pressure", "NoSchedule"),
        ("node.kubernetes.io/pid-pressure", "NoSchedule"),
        (TAINT_NODE_UNSCHEDULABLE, "NoSchedule"),
    ];
    if spec.host_network {
        added.push(("node.kubernetes.io/network-unavailable", "NoSchedule"));
    }
    tolerations.extend(added.into_iter().map(|(k, e)| Toleration::exists(k, e)));
    tolerations
}

fn node_slots(objects: &Objects) -> Vec<Slot> {
    let dual_stack = cluster_is_dual_stack(objects);
    if objects.nodes.is_empty() {
        return vec![Slot {
            name: DEFAULT_NODE_NAME.into(),
            taints: Vec::new(),
            labels: Default::default(),
            pod_cidrs: default_pod_cidrs(0, dual_stack),
            host_ip: Some(DEFAULT_NODE_IP.into()),
            pods: 0,
            used: BTreeSet::new(),
            next: Vec::new(),
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
            let mut taints = n.taints.clone();
            let cordon = Taint {
                key: TAINT_NODE_UNSCHEDULABLE.into(),
                value: None,
                effect: "NoSchedule".into(),
            };
            if n.unschedulable && !taints.iter().any(|t| t.key == cordon.key) {
                taints.push(cordon);
            }
            Slot {
                name: n.meta.name.clone(),
                taints,
                labels: n.meta.labels.clone(),
                pod_cidrs,
                host_ip: n.internal_ip().map(str::to_string),
                pods: 0,
                used: BTreeSet::new(),
                next: Vec::new(),
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
/// page down (a learner warning says so). The whole cluster has its own budget,
/// [`super::budget::MAX_PODS`].
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
    let slot_of: HashMap<String, usize> = slots
        .iter()
        .enumerate()
        .rev()
        .map(|(i, s)| (s.name.clone(), i))
        .collect();
    for pod in &objects.pods {
        if let Some(slot) = pod
            .spec
            .node_name
            .as_ref()
            .and_then(|n| slot_of.get(n))
            .map(|&i| &mut slots[i])
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
    // The cluster-wide budget (a learner warning names the workloads it cuts).
    let mut room = MAX_PODS.saturating_sub(objects.pods.len());
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
        // A DaemonSet's Pods are bound to their nodes by its controller, one per node where
        // `NodeShouldRunDaemonPod` says it should run (pkg/controller/daemon `predicates`):
        // the template's nodeName, if any, is the node, its nodeSelector matches, and every
        // NoSchedule/NoExecute taint is tolerated with the daemon tolerations added.
        let mut pinned: BTreeMap<String, usize> = BTreeMap::new();
        match workload.kind {
            Kind::DaemonSet => {
                let template = &workload.template.spec;
                let tolerations = daemon_pod_tolerations(template);
                for (index, slot) in slots.iter().enumerate() {
                    let fits_node_name = template
                        .node_name
                        .as_deref()
                        .is_none_or(|n| n.is_empty() || n == slot.name);
                    if !fits_node_name
                        || !selector_matches(&template.node_selector, &slot.labels)
                        || !tolerates_taints(&slot.taints, &tolerations)
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
        // Replayed deleted Pods take no room.
        let mut kept = 0;
        plan.retain(|(_, _, gone)| {
            if *gone {
                return true;
            }
            kept += 1;
            kept <= room
        });
        room -= kept.min(room);
        // The nodes this workload's Pods may go to, fewest Pods first (first written on
        // ties): a heap, since only this workload's Pods change the counts meanwhile.
        let mut fewest: BinaryHeap<Reverse<(usize, usize)>> = slots
            .iter()
            .enumerate()
            .filter(|(_, s)| {
                tolerates_taints(&s.taints, &workload.template.spec.tolerations)
                    && selector_matches(&workload.template.spec.node_selector, &s.labels)
            })
            .map(|(i, s)| Reverse((s.pods, i)))
            .collect();
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
                        .as_ref()
                        .and_then(|n| slot_of.get(n).copied())
                })
                .or_else(|| {
                    let Reverse((pods, i)) = fewest.pop()?;
                    // A replayed deleted Pod leaves the count as it was.
                    fewest.push(Reverse((if gone { pods } else { pods + 1 }, i)));
                    Some(i)
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
                slot.next.resize(slot.pod_cidrs.len(), 2);
                // A deleted Pod replays as it was allocated: before its address retired.
                let no_retired = BTreeSet::new();
                let retired_now = if gone { &no_retired } else { &retired_ips };
                for (c, cidr) in slot.pod_cidrs.iter().enumerate() {
                    if let Some(ip) = next_free(cidr, &slot.used, retired_now, &mut slot.next[c]) {
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
    let mut next = vec![2u128; slot.pod_cidrs.len()];
    let mut out = Vec::new();
    for _ in 0..count {
        let mut ips = Vec::new();
        for (c, cidr) in slot.pod_cidrs.iter().enumerate() {
            if let Some(ip) = next_free(cidr, &slot.used, &retired_ips, &mut next[c]) {
                slot.used.insert(ip);
                ips.push(ip.to_string());
            }
        }
        out.push(ips);
    }
    Some(out)
}

fn retired(objects: &Objects) -> BTreeSet<IpAddr> {
    objects
        .retired_pod_ips
        .iter()
        .filter_map(|ip| parse_ip_sloppy(ip))
        .collect()
}

/// The first address from `.2` on that is not taken (`.1` is the node's bridge) and was
/// not held by a Pod that is gone ([`Objects::retired_pod_ips`]: the CNI plugin's
/// host-local IPAM hands out the address after the last one it reserved, so a new Pod
/// gets a new address; when the block has no other, a retired one is reused); `from` is
/// where the last search ended (every address before it is taken), and moves on.
fn next_free(
    cidr: &Cidr,
    used: &BTreeSet<IpAddr>,
    retired: &BTreeSet<IpAddr>,
    from: &mut u128,
) -> Option<IpAddr> {
    let limit = cidr.size().min(1 << 16);
    let last = match cidr.family() {
        IpFamily::IPv4 => limit.saturating_sub(1),
        IpFamily::IPv6 => limit,
    };
    let start = (*from).max(2);
    let found = (start..last)
        .filter_map(|i| cidr.nth(i).map(|ip| (i, ip)))
        .find(|(_, ip)| !used.contains(ip) && !retired.contains(ip));
    if let Some((i, ip)) = found {
        // Retired addresses skipped stay free for the fallback, so the cursor only moves
        // past the ones taken.
        if retired.is_empty() {
            *from = i + 1;
        }
        return Some(ip);
    }
    let fallback = (2..last)
        .filter_map(|i| cidr.nth(i).map(|ip| (i, ip)))
        .find(|(_, ip)| !used.contains(ip));
    if retired.is_empty() {
        *from = fallback.map_or(last, |(i, _)| i + 1);
    }
    fallback.map(|(_, ip)| ip)
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

    /// The Nodes each workload's Pods landed on, by workload name (sorted).
    fn placement(text: &str) -> BTreeMap<String, Vec<String>> {
        let (objects, _) = crate::model::build(&crate::manifest::parse(text));
        let objects = super::super::run(objects);
        let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for pod in &objects.pods {
            let owner = pod.meta.labels.get("app").cloned().unwrap_or_default();
            out.entry(owner)
                .or_default()
                .push(pod.spec.node_name.clone().unwrap_or_default());
        }
        for nodes in out.values_mut() {
            nodes.sort();
        }
        out
    }

    const NODES: &str = "apiVersion: v1\nkind: Node\nmetadata: {name: cp}\nspec:\n  taints:\n  - {key: node-role.kubernetes.io/control-plane, effect: NoSchedule}\n---\napiVersion: v1\nkind: Node\nmetadata: {name: worker-1}\n---\napiVersion: v1\nkind: Node\nmetadata: {name: worker-2}\nspec: {unschedulable: true}\n";

    fn workload(kind: &str, name: &str, extra_spec: &str) -> String {
        let replicas = if kind == "Deployment" {
            "  replicas: 2\n"
        } else {
            ""
        };
        format!(
            "---\napiVersion: apps/v1\nkind: {kind}\nmetadata: {{name: {name}}}\nspec:\n{replicas}  selector: {{matchLabels: {{app: {name}}}}}\n  template:\n    metadata: {{labels: {{app: {name}}}}}\n    spec:\n{extra_spec}      containers: [{{name: c, image: nginx}}]\n"
        )
    }

    /// `NodeShouldRunDaemonPod`: the daemon tolerations (`AddOrUpdateDaemonPodTolerations`)
    /// let a DaemonSet's Pod onto a cordoned Node, but not past the control plane's
    /// NoSchedule taint unless the template tolerates it; kube-proxy's `operator: Exists`
    /// toleration reaches every Node.
    #[test]
    fn daemon_pods_tolerate_cordoned_nodes_and_honour_template_tolerations() {
        let text = format!(
            "{NODES}{}{}",
            workload("DaemonSet", "agent", ""),
            workload(
                "DaemonSet",
                "kube-proxy",
                "      tolerations: [{operator: Exists}]\n"
            ),
        );
        let placed = placement(&text);
        assert_eq!(placed["agent"], ["worker-1", "worker-2"]);
        assert_eq!(placed["kube-proxy"], ["cp", "worker-1", "worker-2"]);
    }

    /// The scheduler's TaintToleration and NodeUnschedulable filters: a Deployment's Pods
    /// avoid the cordoned Node and the tainted one, unless they tolerate the taint.
    #[test]
    fn scheduled_pods_honour_their_tolerations() {
        let text = format!(
            "{NODES}{}{}",
            workload(
                "Deployment",
                "ops",
                "      tolerations:\n      - {key: node-role.kubernetes.io/control-plane, operator: Exists, effect: NoSchedule}\n"
            ),
            workload("Deployment", "web", ""),
        );
        let placed = placement(&text);
        assert_eq!(placed["web"], ["worker-1", "worker-1"]);
        assert_eq!(placed["ops"], ["cp", "worker-1"]);
    }

    /// `Toleration.ToleratesTaint`: empty key or effect match all, `Equal` compares values.
    #[test]
    fn toleration_matching() {
        let taint = Taint {
            key: "dedicated".into(),
            value: Some("db".into()),
            effect: "NoSchedule".into(),
        };
        let toleration = |key: &str, operator: &str, value: &str, effect: &str| Toleration {
            key: key.into(),
            operator: operator.into(),
            value: value.into(),
            effect: effect.into(),
        };
        assert!(toleration("dedicated", "", "db", "").tolerates(&taint));
        assert!(toleration("dedicated", "Equal", "db", "NoSchedule").tolerates(&taint));
        assert!(!toleration("dedicated", "Equal", "web", "NoSchedule").tolerates(&taint));
        assert!(toleration("", "Exists", "", "").tolerates(&taint));
        assert!(!toleration("dedicated", "Exists", "", "NoExecute").tolerates(&taint));
        assert!(!toleration("dedicated", "Lt", "db", "").tolerates(&taint));
    }
}
