//! The model: typed Kubernetes objects built from the raw manifest.
//!
//! Stage two of the pipeline. [`build`] reads each [`RawObject`] into the typed value of
//! its kind. Values keep what the user wrote (`Option` where a field can be unset, strings
//! for enumerated fields) because the API server stage must see the text as written to
//! validate and default it; everything after the API server reads the same types.
//! Wrongly typed fields were already reported by strict decoding and read here as unset.

pub mod ip;
pub mod labels;
mod read;
pub mod string_map;

/// The node of a scenario without Node objects (the default single-node cluster).
pub const DEFAULT_NODE_NAME: &str = "node-1";
/// Its InternalIP.
pub const DEFAULT_NODE_IP: &str = "192.168.0.2";

use crate::diag::{Diagnostic, Stage};
use crate::manifest::{Kind, Manifest, RawObject};
use ip::IpFamily;
use labels::LabelSelector;
use std::collections::BTreeMap;

pub use read::read_object;
pub use string_map::StringMap;

/// Where an object came from: written in the scenario, or made by a controller.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// The raw object with this id ([`RawObject::id`]).
    Written(usize),
    /// Created by a controller from the written object with this id (a Deployment's Pods,
    /// a Service's EndpointSlices).
    Generated(usize),
    /// Present in every simulated cluster (`default/kubernetes`, the `default` namespace).
    Builtin,
}

impl Origin {
    /// The id of the written object this one comes from, directly or through a controller.
    pub fn object(&self) -> Option<usize> {
        match self {
            Origin::Written(id) | Origin::Generated(id) => Some(*id),
            Origin::Builtin => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OwnerReference {
    pub api_version: String,
    pub kind: String,
    pub name: String,
    pub uid: String,
    pub controller: Option<bool>,
    pub block_owner_deletion: Option<bool>,
}

/// `metadata` of any object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObjectMeta {
    pub name: String,
    /// Empty for cluster-scoped kinds; `default` when a namespaced object omits it.
    pub namespace: String,
    pub generate_name: Option<String>,
    pub uid: Option<String>,
    pub labels: StringMap,
    pub annotations: StringMap,
    pub owner_references: Vec<OwnerReference>,
    pub creation_timestamp: Option<String>,
    pub deletion_timestamp: Option<String>,
    pub origin: Origin,
}

impl ObjectMeta {
    pub fn new(
        name: impl Into<String>,
        namespace: impl Into<String>,
        origin: Origin,
    ) -> ObjectMeta {
        ObjectMeta {
            name: name.into(),
            namespace: namespace.into(),
            generate_name: None,
            uid: None,
            labels: StringMap::new(),
            annotations: StringMap::new(),
            owner_references: Vec::new(),
            creation_timestamp: None,
            deletion_timestamp: None,
            origin,
        }
    }

    /// `namespace/name`, or `name` for cluster-scoped objects.
    pub fn key(&self) -> String {
        if self.namespace.is_empty() {
            self.name.clone()
        } else {
            format!("{}/{}", self.namespace, self.name)
        }
    }
}

/// `intstr.IntOrString`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IntOrString {
    Int(i64),
    Str(String),
}

impl std::fmt::Display for IntOrString {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            IntOrString::Int(i) => write!(f, "{i}"),
            IntOrString::Str(s) => f.write_str(s),
        }
    }
}

// ---- Service --------------------------------------------------------------------------

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Service {
    pub meta: ObjectMeta,
    pub spec: ServiceSpec,
    pub status: ServiceStatus,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ServiceSpec {
    pub type_: Option<String>,
    /// `None` when `selector` is absent (a selector-less Service), as opposed to `{}`.
    pub selector: Option<StringMap>,
    pub cluster_ip: Option<String>,
    pub cluster_ips: Vec<String>,
    pub ip_families: Vec<String>,
    pub ip_family_policy: Option<String>,
    pub ports: Vec<ServicePort>,
    pub external_ips: Vec<String>,
    pub session_affinity: Option<String>,
    /// `sessionAffinityConfig` was written (even if empty).
    pub session_affinity_config: bool,
    pub session_affinity_timeout: Option<i64>,
    pub external_traffic_policy: Option<String>,
    pub internal_traffic_policy: Option<String>,
    pub health_check_node_port: Option<i64>,
    pub load_balancer_ip: Option<String>,
    pub load_balancer_source_ranges: Vec<String>,
    pub load_balancer_class: Option<String>,
    pub external_name: Option<String>,
    pub publish_not_ready_addresses: Option<bool>,
    pub allocate_load_balancer_node_ports: Option<bool>,
    pub traffic_distribution: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ServicePort {
    pub name: String,
    pub protocol: Option<String>,
    pub app_protocol: Option<String>,
    pub port: Option<i64>,
    pub target_port: Option<IntOrString>,
    pub node_port: Option<i64>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ServiceStatus {
    pub load_balancer_ingress: Vec<LoadBalancerIngress>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LoadBalancerIngress {
    pub ip: Option<String>,
    pub hostname: Option<String>,
    pub ip_mode: Option<String>,
}

/// `spec.type` as a value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ServiceType {
    ClusterIp,
    NodePort,
    LoadBalancer,
    ExternalName,
}

impl ServiceType {
    pub fn parse(text: &str) -> Option<ServiceType> {
        match text {
            "ClusterIP" => Some(ServiceType::ClusterIp),
            "NodePort" => Some(ServiceType::NodePort),
            "LoadBalancer" => Some(ServiceType::LoadBalancer),
            "ExternalName" => Some(ServiceType::ExternalName),
            _ => None,
        }
    }
}

/// `spec.externalTrafficPolicy` / `spec.internalTrafficPolicy` as a value.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum TrafficPolicy {
    /// `Cluster`, the default: every ready endpoint of the cluster.
    #[default]
    Cluster,
    /// `Local`: only the endpoints on the node the traffic arrives at.
    Local,
}

impl TrafficPolicy {
    /// The policy a stored value names: `Local`, or `Cluster` for anything else (the API
    /// server admits nothing else; stored objects may hold anything).
    pub fn of(written: Option<&str>) -> TrafficPolicy {
        match written {
            Some("Local") => TrafficPolicy::Local,
            _ => TrafficPolicy::Cluster,
        }
    }
}

/// `spec.sessionAffinity` as a value.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum SessionAffinity {
    #[default]
    None,
    ClientIp,
}

impl Service {
    /// `spec.type`, `ClusterIP` when unset (what the API server would default).
    pub fn type_or_default(&self) -> &str {
        self.spec.type_.as_deref().unwrap_or("ClusterIP")
    }

    /// `spec.type` as stored (`None` when unset or not a type the API knows).
    pub fn service_type(&self) -> Option<ServiceType> {
        self.spec.type_.as_deref().and_then(ServiceType::parse)
    }

    pub fn is_headless(&self) -> bool {
        self.spec.cluster_ip.as_deref() == Some("None")
    }

    pub fn external_traffic_policy(&self) -> TrafficPolicy {
        TrafficPolicy::of(self.spec.external_traffic_policy.as_deref())
    }

    pub fn internal_traffic_policy(&self) -> TrafficPolicy {
        TrafficPolicy::of(self.spec.internal_traffic_policy.as_deref())
    }

    pub fn session_affinity(&self) -> SessionAffinity {
        match self.spec.session_affinity.as_deref() {
            Some("ClientIP") => SessionAffinity::ClientIp,
            _ => SessionAffinity::None,
        }
    }

    // The helpers of `pkg/api/v1/service/util.go` (and their twins in
    // `pkg/api/service/util.go`), shared by the API server and kube-proxy.

    /// `ExternallyAccessible`: LoadBalancer, NodePort, or ClusterIP with externalIPs.
    pub fn externally_accessible(&self) -> bool {
        match self.service_type() {
            Some(ServiceType::LoadBalancer | ServiceType::NodePort) => true,
            Some(ServiceType::ClusterIp) => !self.spec.external_ips.is_empty(),
            _ => false,
        }
    }

    /// `ExternalPolicyLocal`: externally accessible with `externalTrafficPolicy: Local`.
    pub fn external_policy_local(&self) -> bool {
        self.externally_accessible() && self.external_traffic_policy() == TrafficPolicy::Local
    }

    /// `InternalPolicyLocal`: `internalTrafficPolicy: Local`.
    pub fn internal_policy_local(&self) -> bool {
        self.internal_traffic_policy() == TrafficPolicy::Local
    }

    /// `NeedsHealthCheck`: a LoadBalancer with `externalTrafficPolicy: Local`.
    pub fn needs_health_check(&self) -> bool {
        self.service_type() == Some(ServiceType::LoadBalancer) && self.external_policy_local()
    }
}

// ---- Pods and workloads ---------------------------------------------------------------

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pod {
    pub meta: ObjectMeta,
    pub spec: PodSpec,
    pub status: PodStatus,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PodSpec {
    pub node_name: Option<String>,
    pub hostname: Option<String>,
    pub subdomain: Option<String>,
    pub host_network: bool,
    pub containers: Vec<Container>,
    pub init_containers: Vec<Container>,
    pub readiness_gates: Vec<String>,
    pub node_selector: StringMap,
    /// `spec.tolerations`: which Node taints the scheduler and the DaemonSet controller
    /// let this Pod onto.
    pub tolerations: Vec<Toleration>,
}

/// A Pod's `spec.tolerations[]` entry.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Toleration {
    pub key: String,
    /// `Equal` (also when empty) or `Exists`.
    pub operator: String,
    pub value: String,
    /// Empty matches every effect.
    pub effect: String,
}

impl Toleration {
    /// An `Exists` toleration of one taint key and effect, as the DaemonSet controller
    /// adds them (`AddOrUpdateDaemonPodTolerations`).
    pub fn exists(key: &str, effect: &str) -> Toleration {
        Toleration {
            key: key.into(),
            operator: "Exists".into(),
            value: String::new(),
            effect: effect.into(),
        }
    }

    /// `Toleration.ToleratesTaint` (k8s.io/api/core/v1 `toleration.go`): the effect and
    /// key match when given, then `Equal` (or no operator) compares the values and
    /// `Exists` matches any. The v1.35 alpha `Lt`/`Gt` operators (feature gate
    /// `TaintTolerationComparisonOperators`, off by default) match nothing, as any other
    /// operator.
    pub fn tolerates(&self, taint: &Taint) -> bool {
        if !self.effect.is_empty() && self.effect != taint.effect {
            return false;
        }
        if !self.key.is_empty() && self.key != taint.key {
            return false;
        }
        match self.operator.as_str() {
            "" | "Equal" => self.value == taint.value.as_deref().unwrap_or(""),
            "Exists" => true,
            _ => false,
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Container {
    pub name: String,
    pub image: Option<String>,
    pub ports: Vec<ContainerPort>,
    /// `Always` on an init container makes it a native sidecar.
    pub restart_policy: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ContainerPort {
    pub name: Option<String>,
    pub container_port: i64,
    pub protocol: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PodStatus {
    pub phase: Option<String>,
    pub conditions: Vec<Condition>,
    pub pod_ip: Option<String>,
    pub pod_ips: Vec<String>,
    pub host_ip: Option<String>,
}

/// A `type`/`status` condition (Pods and Nodes).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Condition {
    pub type_: String,
    pub status: String,
}

impl Pod {
    /// The Ready condition is `True` (readiness gates act through it).
    pub fn is_ready(&self) -> bool {
        self.status
            .conditions
            .iter()
            .any(|c| c.type_ == "Ready" && c.status == "True")
    }

    pub fn is_terminating(&self) -> bool {
        self.meta.deletion_timestamp.is_some()
    }

    /// `status.podIPs`, falling back to `status.podIP`.
    pub fn ips(&self) -> Vec<&str> {
        if !self.status.pod_ips.is_empty() {
            self.status.pod_ips.iter().map(String::as_str).collect()
        } else {
            self.status.pod_ip.iter().map(String::as_str).collect()
        }
    }
}

/// A Deployment, ReplicaSet or StatefulSet: something that makes Pods from a template.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Workload {
    pub kind: Kind,
    pub meta: ObjectMeta,
    /// `spec.replicas`; the API server defaults it to 1.
    pub replicas: Option<i64>,
    pub selector: LabelSelector,
    pub template: PodTemplate,
    /// StatefulSet `spec.serviceName`.
    pub service_name: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PodTemplate {
    pub labels: StringMap,
    pub annotations: StringMap,
    pub spec: PodSpec,
    /// A canonical text of the template, the input of the pod-template-hash.
    pub fingerprint: String,
}

// ---- Nodes, namespaces, CIDRs -----------------------------------------------------------

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Node {
    pub meta: ObjectMeta,
    pub pod_cidrs: Vec<String>,
    pub unschedulable: bool,
    pub taints: Vec<Taint>,
    pub addresses: Vec<NodeAddress>,
    pub conditions: Vec<Condition>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Taint {
    pub key: String,
    pub value: Option<String>,
    pub effect: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeAddress {
    pub type_: String,
    pub address: String,
}

impl Node {
    /// The first `InternalIP` (the node's primary IP), if any.
    pub fn internal_ip(&self) -> Option<&str> {
        self.addresses
            .iter()
            .find(|a| a.type_ == "InternalIP")
            .map(|a| a.address.as_str())
    }

    /// The `topology.kubernetes.io/zone` label.
    pub fn zone(&self) -> Option<&str> {
        self.meta
            .labels
            .get("topology.kubernetes.io/zone")
            .map(String::as_str)
    }

    /// Ready unless its Ready condition says `False` or `Unknown`.
    pub fn is_ready(&self) -> bool {
        !self
            .conditions
            .iter()
            .any(|c| c.type_ == "Ready" && c.status != "True")
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Namespace {
    pub meta: ObjectMeta,
}

/// A ConfigMap: kept so that the cluster holds it (kube-proxy's own configuration lives
/// in one, built in by [`crate::controllers::kubeadm`]); nothing svcplay computes reads
/// a written one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigMap {
    pub meta: ObjectMeta,
    pub data: StringMap,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceCidr {
    pub meta: ObjectMeta,
    pub cidrs: Vec<String>,
}

// ---- Endpoints and EndpointSlices --------------------------------------------------------

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EndpointSlice {
    pub meta: ObjectMeta,
    pub address_type: String,
    pub endpoints: Vec<Endpoint>,
    /// `None` is `ports: null` (a placeholder slice or a Pod without the named port).
    pub ports: Option<Vec<EndpointPort>>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Endpoint {
    pub addresses: Box<[String]>,
    pub ready: Option<bool>,
    pub serving: Option<bool>,
    pub terminating: Option<bool>,
    /// `hostname` and `zone` as boxed text (16 bytes, not a `String`'s 24): set on few
    /// endpoints, kept by each of a dump's 50,000.
    pub hostname: Option<Box<str>>,
    pub node_name: Option<Box<str>>,
    pub zone: Option<Box<str>>,
    /// Boxed: most endpoints of a dump have none, and 50,000 of them would carry 88 bytes
    /// each for nothing.
    pub target_ref: Option<Box<ObjectReference>>,
    /// `hints`, boxed for the same reason (40 bytes of each of a dump's endpoints):
    /// `None` when it names no zone and no node ([`Endpoint::hints_for_zones`],
    /// [`Endpoint::hints_for_nodes`]).
    pub hints: Option<Box<EndpointHints>>,
}

/// An endpoint's `hints`: the zones (`forZones[].name`) and nodes (`forNodes[].name`)
/// it should serve.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EndpointHints {
    pub for_zones: Vec<String>,
    pub for_nodes: Vec<String>,
}

impl EndpointHints {
    /// The hints of an endpoint, `None` when there are none.
    pub fn of(for_zones: Vec<String>, for_nodes: Vec<String>) -> Option<Box<EndpointHints>> {
        (!for_zones.is_empty() || !for_nodes.is_empty()).then(|| {
            Box::new(EndpointHints {
                for_zones,
                for_nodes,
            })
        })
    }
}

impl Endpoint {
    /// `hints.forZones[].name`.
    pub fn hints_for_zones(&self) -> &[String] {
        self.hints.as_ref().map_or(&[], |h| &h.for_zones)
    }

    /// `hints.forNodes[].name`.
    pub fn hints_for_nodes(&self) -> &[String] {
        self.hints.as_ref().map_or(&[], |h| &h.for_nodes)
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ObjectReference {
    pub kind: Option<String>,
    pub namespace: Option<String>,
    pub name: Option<String>,
    pub uid: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct EndpointPort {
    /// `None` is an absent name; `Some("")` is the empty name the controller writes.
    pub name: Option<String>,
    pub port: Option<i64>,
    pub protocol: Option<String>,
    pub app_protocol: Option<String>,
}

impl EndpointSlice {
    /// The `kubernetes.io/service-name` label.
    pub fn service_name(&self) -> Option<&str> {
        self.meta
            .labels
            .get("kubernetes.io/service-name")
            .map(String::as_str)
    }
}

/// The legacy `v1` Endpoints object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoints {
    pub meta: ObjectMeta,
    pub subsets: Vec<EndpointSubset>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EndpointSubset {
    pub addresses: Vec<EndpointAddress>,
    pub not_ready_addresses: Vec<EndpointAddress>,
    pub ports: Vec<EndpointPort>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EndpointAddress {
    pub ip: String,
    pub hostname: Option<String>,
    pub node_name: Option<String>,
    pub target_ref: Option<ObjectReference>,
}

// ---- kube-proxy's configuration and the node's runtime facts ------------------------------

/// `kubeproxy.config.k8s.io/v1alpha1` KubeProxyConfiguration, the fields svcplay reads.
/// `None` means "not written": kube-proxy's own defaults apply (see [`crate::proxy::config`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KubeProxyConfiguration {
    pub origin: Option<usize>,
    pub mode: Option<String>,
    pub hostname_override: Option<String>,
    pub cluster_cidr: Option<String>,
    pub detect_local_mode: Option<String>,
    pub bridge_interface: Option<String>,
    pub interface_name_prefix: Option<String>,
    pub detect_local_cluster_cidrs: Vec<String>,
    pub node_port_addresses: Option<Vec<String>>,
    pub masquerade_all: Option<bool>,
    pub iptables_masquerade_bit: Option<i64>,
    pub iptables_masquerade_all: Option<bool>,
    pub iptables_localhost_node_ports: Option<bool>,
    pub nftables_masquerade_bit: Option<i64>,
    pub nftables_masquerade_all: Option<bool>,
    pub ipvs_scheduler: Option<String>,
    pub ipvs_strict_arp: Option<bool>,
    pub ipvs_exclude_cidrs: Vec<String>,
    pub ipvs_tcp_timeout: Option<String>,
    pub ipvs_tcp_fin_timeout: Option<String>,
    pub ipvs_udp_timeout: Option<String>,
    pub feature_gates: BTreeMap<String, bool>,
}

/// `svcplay.dev/v1alpha1` NodeRuntime: host facts kube-proxy discovers at runtime.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeRuntime {
    pub origin: Option<usize>,
    pub name: String,
    pub ip_families: Vec<IpFamily>,
    pub interfaces: Vec<Interface>,
    pub nfacct: Option<bool>,
    pub random_fully: Option<bool>,
    pub conntrack_tcp_be_liberal: Option<bool>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Interface {
    pub name: String,
    /// `ip/prefix` as `ip addr` shows them.
    pub addresses: Vec<String>,
}

// ---- What a kubeadm cluster runs in kube-system ------------------------------------------

/// An `apps/v1` DaemonSet: one Pod per eligible Node. svcplay has the ones a kubeadm
/// cluster runs (kube-proxy); it does not read DaemonSets from the scenario.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DaemonSet {
    pub meta: ObjectMeta,
    pub selector: StringMap,
    pub template: PodTemplate,
    /// The image of its one container.
    pub image: String,
}

/// Every object of the scenario, by kind, in the order written.
#[derive(Clone, Debug, Default)]
pub struct Objects {
    pub namespaces: Vec<Namespace>,
    pub nodes: Vec<Node>,
    pub pods: Vec<Pod>,
    pub services: Vec<Service>,
    pub endpoints: Vec<Endpoints>,
    pub workloads: Vec<Workload>,
    pub endpoint_slices: Vec<EndpointSlice>,
    pub service_cidrs: Vec<ServiceCidr>,
    /// Written ConfigMaps, then the kube-system ones of a kubeadm cluster (built in:
    /// `kube-proxy`, whose `config.conf` is the running KubeProxyConfiguration, and
    /// `coredns`).
    pub config_maps: Vec<ConfigMap>,
    pub kube_proxy_configuration: Option<KubeProxyConfiguration>,
    pub node_runtimes: Vec<NodeRuntime>,
    /// The kube-system DaemonSets of a kubeadm cluster (never written; written
    /// DaemonSets are [`Workload`]s).
    pub daemon_sets: Vec<DaemonSet>,
    /// Pod addresses the session saw handed back (their Pods are gone): the IPAM hands
    /// them out again only when nothing else is free (`crate::session`'s
    /// `retiredPodIPs`).
    pub retired_pod_ips: Vec<String>,
}

impl Objects {
    /// Gives back the room the lists grew for and do not use (issue 19 item 4: a list
    /// grown by pushes has up to twice the room it needs, and the 5,000-Service dump's
    /// Services alone would keep 2.4 MB of empty slots): every list of objects, and the
    /// lists of the objects a dump holds thousands of (Services' ports and addresses,
    /// EndpointSlices' endpoints). Called once the analysis is
    /// built; what it holds is unchanged.
    pub fn shrink_to_fit(&mut self) {
        for service in &mut self.services {
            service.spec.cluster_ips.shrink_to_fit();
            service.spec.ip_families.shrink_to_fit();
            service.spec.ports.shrink_to_fit();
        }
        for slice in &mut self.endpoint_slices {
            slice.endpoints.shrink_to_fit();
        }
        self.namespaces.shrink_to_fit();
        self.nodes.shrink_to_fit();
        self.pods.shrink_to_fit();
        self.services.shrink_to_fit();
        self.endpoints.shrink_to_fit();
        self.workloads.shrink_to_fit();
        self.endpoint_slices.shrink_to_fit();
        self.service_cidrs.shrink_to_fit();
        self.config_maps.shrink_to_fit();
        self.node_runtimes.shrink_to_fit();
        self.daemon_sets.shrink_to_fit();
    }

    pub fn service(&self, namespace: &str, name: &str) -> Option<&Service> {
        self.services
            .iter()
            .find(|s| s.meta.namespace == namespace && s.meta.name == name)
    }

    pub fn node(&self, name: &str) -> Option<&Node> {
        self.nodes.iter().find(|n| n.meta.name == name)
    }
}

/// One typed object of any kind.
#[derive(Clone, Debug)]
pub enum Object {
    Namespace(Namespace),
    Node(Node),
    Pod(Pod),
    Service(Service),
    Endpoints(Endpoints),
    Workload(Workload),
    EndpointSlice(EndpointSlice),
    ServiceCidr(ServiceCidr),
    ConfigMap(ConfigMap),
    KubeProxyConfiguration(KubeProxyConfiguration),
    NodeRuntime(NodeRuntime),
}

/// Builds the typed objects of a manifest. Objects whose strict decoding failed are still
/// read (their wrongly typed fields as unset): whether they are kept is the API server
/// stage's decision. A later object with the same kind, namespace and name replaces an
/// earlier one, as a second `kubectl apply` of it would.
pub fn build(manifest: &Manifest) -> (Objects, Vec<Diagnostic>) {
    let mut objects = Objects::default();
    let mut positions = Positions::default();
    let mut diagnostics = Vec::new();
    for raw in &manifest.objects {
        let object = read_object(raw);
        insert_indexed(&mut objects, &mut positions, object, raw, &mut diagnostics);
    }
    (objects, diagnostics)
}

/// Where each stored object sits in its list of [`Objects`], so that [`insert_indexed`]
/// finds an earlier definition of the same identity without scanning the list (a
/// 5,000-Service dump would otherwise compare every object with every earlier one).
///
/// The index catches up with objects appended to the lists by other means before each
/// lookup, and a hit is checked against the object it points at, so a stale entry only
/// costs a scan. Objects must not be renamed in place between two calls.
#[derive(Clone, Debug, Default)]
pub struct Positions {
    namespaces: ListPositions,
    nodes: ListPositions,
    pods: ListPositions,
    services: ListPositions,
    endpoints: ListPositions,
    endpoint_slices: ListPositions,
    service_cidrs: ListPositions,
    config_maps: ListPositions,
    workloads: ListPositions,
    node_runtimes: ListPositions,
}

/// One list's index: the hash of each identity (kind, namespace, name) to its position,
/// for the first `seen` objects of the list (a hash map: it is only looked up, never
/// listed). Keyed by the identity's hash, nothing is copied to index an object; two
/// identities of one hash cost a scan (a hit is always checked against its object).
#[derive(Clone, Debug, Default)]
struct ListPositions {
    seen: usize,
    at: std::collections::HashMap<u64, usize, crate::hash::FnvBuild>,
}

/// An object's identity within its list: (kind, namespace, name).
type Identity<'a> = (&'a str, &'a str, &'a str);

fn identity_hash(identity: Identity<'_>) -> u64 {
    use std::hash::BuildHasher;
    crate::hash::FnvBuild::default().hash_one(identity)
}

impl Positions {
    /// Makes room for the index of `services` Services and `endpoint_slices`
    /// EndpointSlices (a dump's lists: grown one by one, their maps would be rebuilt over
    /// and over).
    pub fn reserve(&mut self, services: usize, endpoint_slices: usize) {
        self.services.at.reserve(services);
        self.endpoint_slices.at.reserve(endpoint_slices);
    }
}

impl ListPositions {
    /// Replaces the object with `value`'s identity, or appends `value`; true when an
    /// object was replaced. Same result as replacing the first object of that identity
    /// found by a scan from the start of the list.
    fn upsert<T>(
        &mut self,
        list: &mut Vec<T>,
        identity: impl for<'a> Fn(&'a T) -> Identity<'a>,
        value: T,
    ) -> bool {
        if self.seen > list.len() {
            // Objects were removed behind the index's back: start again.
            self.at.clear();
            self.seen = 0;
        }
        for (i, object) in list.iter().enumerate().skip(self.seen) {
            self.at.entry(identity_hash(identity(object))).or_insert(i);
        }
        self.seen = list.len();
        let key = identity_hash(identity(&value));
        let at = match self.at.get(&key) {
            Some(&i) if list.get(i).is_some_and(|o| identity(o) == identity(&value)) => Some(i),
            Some(_) => {
                // A stale entry (or another identity of the same hash): scan, and rebuild
                // the index on the next call.
                self.seen = usize::MAX;
                list.iter().position(|o| identity(o) == identity(&value))
            }
            None => None,
        };
        match at {
            Some(i) => {
                list[i] = value;
                true
            }
            None => {
                if self.seen == list.len() {
                    self.at.insert(key, list.len());
                    self.seen += 1;
                }
                list.push(value);
                false
            }
        }
    }
}

/// The identity of an object with metadata, as `kubectl apply` matches it within a kind.
fn meta_identity(meta: &ObjectMeta) -> Identity<'_> {
    ("", &meta.namespace, &meta.name)
}

/// Adds one object, replacing an earlier one of the same identity (with a warning).
pub fn insert(
    objects: &mut Objects,
    object: Object,
    raw: &RawObject,
    diagnostics: &mut Vec<Diagnostic>,
) {
    insert_indexed(objects, &mut Positions::default(), object, raw, diagnostics)
}

/// [`insert`] with an index kept across calls (see [`Positions`]).
pub fn insert_indexed(
    objects: &mut Objects,
    positions: &mut Positions,
    object: Object,
    raw: &RawObject,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let replaced = match object {
        Object::Namespace(o) => {
            positions
                .namespaces
                .upsert(&mut objects.namespaces, |o| meta_identity(&o.meta), o)
        }
        Object::Node(o) => {
            positions
                .nodes
                .upsert(&mut objects.nodes, |o| meta_identity(&o.meta), o)
        }
        Object::Pod(o) => positions
            .pods
            .upsert(&mut objects.pods, |o| meta_identity(&o.meta), o),
        Object::Service(o) => {
            positions
                .services
                .upsert(&mut objects.services, |o| meta_identity(&o.meta), o)
        }
        Object::Endpoints(o) => {
            positions
                .endpoints
                .upsert(&mut objects.endpoints, |o| meta_identity(&o.meta), o)
        }
        Object::EndpointSlice(o) => positions.endpoint_slices.upsert(
            &mut objects.endpoint_slices,
            |o| meta_identity(&o.meta),
            o,
        ),
        Object::ServiceCidr(o) => positions.service_cidrs.upsert(
            &mut objects.service_cidrs,
            |o| meta_identity(&o.meta),
            o,
        ),
        Object::ConfigMap(o) => {
            positions
                .config_maps
                .upsert(&mut objects.config_maps, |o| meta_identity(&o.meta), o)
        }
        Object::Workload(o) => positions.workloads.upsert(
            &mut objects.workloads,
            |w| (w.kind.name(), &w.meta.namespace, &w.meta.name),
            o,
        ),
        Object::KubeProxyConfiguration(o) => {
            let replaced = objects.kube_proxy_configuration.is_some();
            objects.kube_proxy_configuration = Some(o);
            replaced
        }
        Object::NodeRuntime(o) => {
            positions
                .node_runtimes
                .upsert(&mut objects.node_runtimes, |r| ("", "", &r.name), o)
        }
    };
    if replaced {
        diagnostics.push(
            Diagnostic::warning(
                Stage::Decode,
                format!(
                    "{} is defined more than once; this later definition replaces the earlier one",
                    raw.describe()
                ),
            )
            .with_span(raw.locate("metadata.name"))
            .in_document(raw.document)
            .about(raw.describe()),
        );
    }
}
