//! kube-proxy: what it reads from Services and EndpointSlices, computed once per node and
//! IP family, and the rules each mode programs from it.
//!
//! [`facts`] turns the stored Services and EndpointSlices into [`ProxyFacts`]: one
//! [`ServicePortFacts`] per programmed service port, holding the service port's settings
//! (cluster IP, NodePort, external and load-balancer IPs, policies, affinity) and its
//! endpoints already categorised for this node — cluster endpoints, local endpoints, the
//! reachable ones, topology hints and the terminating fallback applied — exactly as
//! kube-proxy's `CategorizeEndpoints` does. Every mode's renderer consumes these facts and
//! never looks at the objects again, so the modes cannot disagree about what a Service
//! means (kube-proxy's own design since its change trackers were factored out).

pub mod chunks;
pub mod config;
pub mod explain;
pub mod groups;
pub mod iptables;
pub mod ipvs;
pub mod lines;
pub mod mode_chunks;
pub mod nftables;
pub mod provenance;
pub mod proxier;
pub mod sim;
pub mod trace;
pub mod userspace;

pub use proxier::{Group, GroupKind, Lines, Listing, NodeProxy, Provenance, Proxier};

use crate::model::ip::{Cidr, IpFamily, join_host_port, parse_ip_sloppy};
use crate::model::{EndpointSlice, Objects, Origin, Service, ServiceType, SessionAffinity};
use config::{NodeContext, ProxyConfig};
use sha2::{Digest, Sha256};
use std::fmt;
use std::net::IpAddr;

/// The transport protocols a Service port can use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Protocol {
    Tcp,
    Udp,
    Sctp,
}

impl Protocol {
    pub fn parse(s: &str) -> Option<Protocol> {
        match s {
            "TCP" => Some(Protocol::Tcp),
            "UDP" => Some(Protocol::Udp),
            "SCTP" => Some(Protocol::Sctp),
            _ => None,
        }
    }

    /// `TCP`, as the API spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Tcp => "TCP",
            Protocol::Udp => "UDP",
            Protocol::Sctp => "SCTP",
        }
    }

    /// `tcp`, as iptables and the chain hashes spell it.
    pub fn lower(self) -> &'static str {
        match self {
            Protocol::Tcp => "tcp",
            Protocol::Udp => "udp",
            Protocol::Sctp => "sctp",
        }
    }
}

/// kube-proxy's `ServicePortName`: namespace, name and port name (and the protocol).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ServicePortName {
    pub namespace: String,
    pub name: String,
    pub port: String,
    pub protocol: Protocol,
}

/// `ns/name:port`, or `ns/name` when the port has no name.
impl fmt::Display for ServicePortName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.port.is_empty() {
            write!(f, "{}/{}", self.namespace, self.name)
        } else {
            write!(f, "{}/{}:{}", self.namespace, self.name, self.port)
        }
    }
}

/// The 16-character hash in kube-proxy's chain names: base32 of SHA-256 of the pieces
/// concatenated, first 16 characters.
pub fn chain_hash(pieces: &[&str]) -> String {
    String::from_utf8_lossy(&chain_hash_bytes(pieces)).into_owned()
}

/// [`chain_hash`] without allocating: the 16 ASCII characters.
pub fn chain_hash_bytes(pieces: &[&str]) -> [u8; 16] {
    let mut hasher = Sha256::new();
    for p in pieces {
        hasher.update(p.as_bytes());
    }
    let digest = hasher.finalize();
    // 32 bytes are 56 base32 characters (with padding); kube-proxy keeps the first 16.
    let mut encoded = [0u8; 56];
    data_encoding::BASE32.encode_mut(&digest, &mut encoded);
    let mut out = [0u8; 16];
    out.copy_from_slice(&encoded[..16]);
    out
}

/// `PREFIX` followed by [`chain_hash`] of the pieces, as one shared chain name
/// (`KUBE-SEP-…`), made with a single allocation.
pub fn hashed_chain_name(prefix: &str, pieces: &[&str]) -> std::sync::Arc<str> {
    let hash = chain_hash_bytes(pieces);
    let mut buf = [0u8; 48];
    let len = prefix.len().min(32);
    buf[..len].copy_from_slice(&prefix.as_bytes()[..len]);
    buf[len..len + 16].copy_from_slice(&hash);
    // Both parts are ASCII (the prefix is cut at a byte count, so check).
    match std::str::from_utf8(&buf[..len + 16]) {
        Ok(name) => std::sync::Arc::from(name),
        Err(_) => std::sync::Arc::from(format!("{prefix}{}", chain_hash(pieces))),
    }
}

/// Appends `n` in decimal.
fn push_decimal(out: &mut String, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    // Only ASCII digits were written.
    out.push_str(std::str::from_utf8(&digits[at..]).unwrap_or_default());
}

/// Which service port and endpoint a rule (or set element, or virtual server) was written
/// for: indexes into [`ProxyFacts::service_ports`] and that port's `endpoints`. Every mode
/// records it on what it renders, so provenance comes from the typed rules.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct RuleSource {
    pub service_port: Option<usize>,
    pub endpoint: Option<usize>,
}

/// One service port as kube-proxy sees it (`ServicePort` in kube-proxy's words).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServicePortInfo {
    pub name: ServicePortName,
    pub cluster_ip: IpAddr,
    pub port: i64,
    pub protocol: Protocol,
    /// 0 when the port has no NodePort.
    pub node_port: i64,
    pub external_ips: Vec<IpAddr>,
    pub load_balancer_vips: Vec<IpAddr>,
    pub load_balancer_source_ranges: Vec<Cidr>,
    /// ClientIP affinity timeout in seconds, if the Service has ClientIP affinity.
    pub session_affinity_timeout: Option<i64>,
    pub external_policy_local: bool,
    pub internal_policy_local: bool,
    /// 0 when the Service has no health-check NodePort.
    pub health_check_node_port: i64,
    /// The Service object and the index of this port in `spec.ports`.
    pub origin: Origin,
    pub port_index: usize,
}

impl ServicePortInfo {
    /// kube-proxy's own `ExternallyAccessible` of a service port (not the API's helper of
    /// the same name): it has a NodePort, load-balancer IPs or external IPs.
    pub fn externally_accessible(&self) -> bool {
        self.node_port != 0 || !self.load_balancer_vips.is_empty() || !self.external_ips.is_empty()
    }

    /// Whether a packet to `dst:dport` in `protocol` is addressed to this service port:
    /// its ClusterIP, an external or load-balancer IP with its port, or its NodePort.
    pub fn addressed_by(&self, dst: IpAddr, dport: i64, protocol: Protocol) -> bool {
        self.protocol == protocol
            && ((self.port == dport
                && (self.cluster_ip == dst
                    || self.external_ips.contains(&dst)
                    || self.load_balancer_vips.contains(&dst)))
                || (self.node_port != 0 && self.node_port == dport))
    }

    pub fn uses_cluster_endpoints(&self) -> bool {
        !self.internal_policy_local || self.externally_accessible()
    }

    pub fn uses_local_endpoints(&self) -> bool {
        self.internal_policy_local || (self.external_policy_local && self.externally_accessible())
    }
}

/// One endpoint of a service port, as kube-proxy's endpoint cache holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EndpointInfo {
    pub ip: IpAddr,
    pub port: i64,
    pub ready: bool,
    pub serving: bool,
    pub terminating: bool,
    /// On this node (`nodeName` equals kube-proxy's node name).
    pub local: bool,
    pub node_name: Option<String>,
    pub zone_hints: Vec<String>,
    pub node_hints: Vec<String>,
    /// The pod (`targetRef`) behind the endpoint, if the slice says.
    pub pod: Option<String>,
    /// The EndpointSlice it came from, and the endpoint's index in its `endpoints`.
    pub slice: Origin,
    pub slice_index: usize,
}

impl EndpointInfo {
    /// `ip:port` (`[ip]:port` for IPv6): the endpoint's identity and sort key.
    pub fn endpoint_string(&self) -> String {
        join_host_port(&self.ip, self.port)
    }

    /// Appends [`endpoint_string`](Self::endpoint_string) to `out` (no allocation when
    /// `out` has room).
    pub fn write_endpoint_string(&self, out: &mut String) {
        write_host_port(out, &self.ip, self.port);
    }
}

/// Appends `ip:port` (`[ip]:port` for IPv6) to `out`, as Go's `net.JoinHostPort`.
pub fn write_host_port(out: &mut String, ip: &IpAddr, port: i64) {
    use std::fmt::Write as _;
    {
        match *ip {
            // IPv4 by hand: a large cluster formats 10⁵ of them per sync.
            IpAddr::V4(v4) => {
                for (i, octet) in v4.octets().into_iter().enumerate() {
                    if i > 0 {
                        out.push('.');
                    }
                    push_decimal(out, u64::from(octet));
                }
                out.push(':');
                if port >= 0 {
                    push_decimal(out, port as u64);
                } else {
                    let _ = write!(out, "{port}");
                }
            }
            IpAddr::V6(v6) => {
                let _ = write!(out, "[{v6}]:{port}");
            }
        }
    }
}

/// A service port with its endpoints categorised for one node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServicePortFacts {
    pub info: ServicePortInfo,
    /// Every endpoint of the port (deduplicated, sorted by `ip:port` as strings).
    pub endpoints: Vec<EndpointInfo>,
    /// Indexes into `endpoints`, in order: the endpoints for cluster-wide traffic.
    pub cluster: Vec<usize>,
    /// The endpoints for node-local traffic policy.
    pub local: Vec<usize>,
    /// Cluster ∪ local: every endpoint some traffic can reach (gets a KUBE-SEP chain).
    pub reachable: Vec<usize>,
    /// Some endpoint anywhere is usable (ready, or serving and terminating).
    pub has_any_endpoints: bool,
}

/// Everything kube-proxy on one node programs for one IP family.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProxyFacts {
    pub family: IpFamily,
    pub node: NodeContext,
    pub config: ProxyConfig,
    /// Service ports in a stable order (namespace/name, then spec order).
    pub service_ports: Vec<ServicePortFacts>,
    /// Endpoints over all programmed service ports (large-cluster mode above 1000). Facts
    /// made for one packet ([`facts_for_packet`]) stop counting past the threshold.
    pub total_endpoints: usize,
    /// The CIDRs of the cluster's ServiceCIDR objects in this family (nftables mode drops
    /// traffic to their unallocated addresses).
    pub service_cidrs: Vec<Cidr>,
}

/// Above this many endpoints kube-proxy drops the comments of its per-endpoint rules.
pub const LARGE_CLUSTER_ENDPOINTS_THRESHOLD: usize = 1000;

impl ProxyFacts {
    pub fn large_cluster_mode(&self) -> bool {
        self.total_endpoints > LARGE_CLUSTER_ENDPOINTS_THRESHOLD
    }
}

/// The cluster IP of a family, as `GetClusterIPByFamily` picks it.
fn cluster_ip_by_family(service: &Service, family: IpFamily) -> Option<IpAddr> {
    let spec = &service.spec;
    if spec.ip_families.is_empty() {
        let ip = spec.cluster_ip.as_deref()?;
        if ip.is_empty() || ip == "None" {
            return None;
        }
        let parsed = parse_ip_sloppy(ip)?;
        return (IpFamily::of(&parsed) == family).then_some(parsed);
    }
    for (i, f) in spec.ip_families.iter().enumerate() {
        if f == family.as_str() {
            return spec.cluster_ips.get(i).and_then(|ip| parse_ip_sloppy(ip));
        }
    }
    None
}

/// The service ports kube-proxy programs for one Service and family (none for
/// ExternalName, headless, or a Service without a cluster IP of the family).
pub fn service_ports(service: &Service, family: IpFamily) -> Vec<ServicePortInfo> {
    let spec = &service.spec;
    if service.service_type() == Some(ServiceType::ExternalName) {
        return Vec::new();
    }
    match spec.cluster_ip.as_deref() {
        None | Some("") | Some("None") => return Vec::new(),
        _ => {}
    }
    let Some(cluster_ip) = cluster_ip_by_family(service, family) else {
        return Vec::new();
    };
    let of_family = |ips: &[String]| -> Vec<IpAddr> {
        ips.iter()
            // `MapIPsByIPFamily`: strings that do not parse (blanks included) are skipped.
            .filter_map(|s| parse_ip_sloppy(s))
            .filter(|ip| IpFamily::of(ip) == family)
            .collect()
    };
    let external_ips = of_family(&spec.external_ips);
    let load_balancer_vips: Vec<IpAddr> = service
        .status
        .load_balancer_ingress
        .iter()
        // `IsVIPMode`: an unset ipMode or `VIP`; `Proxy` (and anything else) is left to
        // the load balancer.
        .filter(|i| matches!(i.ip_mode.as_deref(), None | Some("VIP")))
        .filter_map(|i| i.ip.as_deref().filter(|s| !s.is_empty()))
        .filter_map(parse_ip_sloppy)
        .filter(|ip| IpFamily::of(ip) == family)
        .collect();
    let load_balancer_source_ranges: Vec<Cidr> = spec
        .load_balancer_source_ranges
        .iter()
        .filter_map(|r| Cidr::parse_sloppy(r.trim()))
        .filter(|c| c.family() == family)
        .collect();
    // kube-proxy's `newBaseServiceInfo`, through the API's own helpers.
    let external_policy_local = service.external_policy_local();
    let internal_policy_local = service.internal_policy_local();
    let session_affinity_timeout = (service.session_affinity() == SessionAffinity::ClientIp)
        .then(|| spec.session_affinity_timeout.unwrap_or(10800));
    let health_check_node_port = if service.needs_health_check() {
        spec.health_check_node_port.unwrap_or(0)
    } else {
        0
    };
    spec.ports
        .iter()
        .enumerate()
        .filter_map(|(i, p)| {
            let protocol = p
                .protocol
                .as_deref()
                .map_or(Some(Protocol::Tcp), Protocol::parse)?;
            Some(ServicePortInfo {
                name: ServicePortName {
                    namespace: service.meta.namespace.clone(),
                    name: service.meta.name.clone(),
                    port: p.name.clone(),
                    protocol,
                },
                cluster_ip,
                port: p.port.unwrap_or(0),
                protocol,
                node_port: p.node_port.unwrap_or(0),
                external_ips: external_ips.clone(),
                load_balancer_vips: load_balancer_vips.clone(),
                load_balancer_source_ranges: load_balancer_source_ranges.clone(),
                session_affinity_timeout,
                external_policy_local,
                internal_policy_local,
                health_check_node_port,
                origin: service.meta.origin.clone(),
                port_index: i,
            })
        })
        .collect()
}

/// The endpoints of every service port of a namespace/name, from the EndpointSlices
/// labelled with the Service's name, as kube-proxy's EndpointSlice cache merges them.
pub fn endpoints_for(
    slices: &[&EndpointSlice],
    port_name: &str,
    protocol: Protocol,
    family: IpFamily,
    node_name: &str,
) -> Vec<EndpointInfo> {
    let mut keyed: Vec<(EndpointKey, EndpointInfo)> = Vec::new();
    let mut buffer = String::new();
    let mut sorted: Vec<&&EndpointSlice> = slices.iter().collect();
    crate::sort::sort_by(&mut sorted, |a, b| a.meta.name.cmp(&b.meta.name));
    for slice in sorted {
        if slice.address_type != family.as_str() {
            continue;
        }
        for port in slice.ports.iter().flatten() {
            let Some(name) = &port.name else { continue };
            let Some(number) = port.port.filter(|p| *p != 0) else {
                continue;
            };
            let port_protocol = port
                .protocol
                .as_deref()
                .map_or(Some(Protocol::Tcp), Protocol::parse);
            if name != port_name || port_protocol != Some(protocol) {
                continue;
            }
            for (slice_index, endpoint) in slice.endpoints.iter().enumerate() {
                let Some(address) = endpoint.addresses.first() else {
                    continue;
                };
                let Some(ip) = parse_ip_sloppy(address) else {
                    continue;
                };
                if IpFamily::of(&ip) != family {
                    continue;
                }
                let local = endpoint.node_name.as_deref() == Some(node_name);
                let info = EndpointInfo {
                    ip,
                    port: number,
                    ready: endpoint.ready.unwrap_or(true),
                    serving: endpoint.serving.unwrap_or(true),
                    terminating: endpoint.terminating.unwrap_or(false),
                    local,
                    node_name: endpoint.node_name.as_deref().map(str::to_string),
                    zone_hints: endpoint.hints_for_zones().to_vec(),
                    node_hints: endpoint.hints_for_nodes().to_vec(),
                    pod: endpoint.target_ref.as_ref().and_then(|t| t.name.clone()),
                    slice: slice.meta.origin.clone(),
                    slice_index,
                };
                buffer.clear();
                write_host_port(&mut buffer, &info.ip, info.port);
                keyed.push((EndpointKey::new(&buffer), info));
            }
        }
    }
    // kube-proxy sorts by the `ip:port` strings, in byte order (`10.0.1.10:80` before
    // `10.0.1.2:80`). The sort is stable, so equal keys stay in reading order.
    crate::sort::sort_by(&mut keyed, |a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    // Two endpoints with the same `ip:port` (a pod IP reused while the old pod
    // terminates): kube-proxy keeps the first it reads unless a later one is not
    // terminating, which replaces it (`addEndpoints`).
    let mut out: Vec<EndpointInfo> = Vec::with_capacity(keyed.len());
    let mut last_key: Option<EndpointKey> = None;
    for (key, info) in keyed {
        if last_key.as_ref() == Some(&key) {
            if !info.terminating {
                if let Some(kept) = out.last_mut() {
                    *kept = info;
                }
            }
            continue;
        }
        out.push(info);
        last_key = Some(key);
    }
    out
}

/// An endpoint's `ip:port` string without a heap allocation: the sort key of a large
/// cluster's 10⁵ endpoints.
#[derive(Clone, Copy, PartialEq, Eq)]
struct EndpointKey {
    len: u8,
    bytes: [u8; 72],
}

impl EndpointKey {
    fn new(text: &str) -> EndpointKey {
        // `[ffff:…:ffff]:` is 42 bytes and an i64 at most 20: it always fits.
        let mut bytes = [0u8; 72];
        let len = text.len().min(72);
        bytes[..len].copy_from_slice(&text.as_bytes()[..len]);
        EndpointKey {
            len: len as u8,
            bytes,
        }
    }

    fn as_bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }
}

/// The topology mode kube-proxy derives from the ready endpoints' hints.
fn topology_mode(
    endpoints: &[EndpointInfo],
    node: &NodeContext,
    config: &ProxyConfig,
) -> Option<&'static str> {
    let zone = node.zone();
    let mut has_for_node = false;
    let mut all_node_hints = true;
    let mut has_for_zone = false;
    let mut all_zone_hints = true;
    for e in endpoints.iter().filter(|e| e.ready) {
        if e.node_hints.is_empty() {
            all_node_hints = false;
        } else if e.node_hints.contains(&node.name) {
            has_for_node = true;
        }
        if e.zone_hints.is_empty() {
            all_zone_hints = false;
        } else if e.zone_hints.iter().any(|z| z == zone) {
            has_for_zone = true;
        }
    }
    let prefer_same_node_gate = config.feature_gate("PreferSameTrafficDistribution", true);
    if prefer_same_node_gate && all_node_hints && has_for_node {
        return Some("PreferSameNode");
    }
    if all_zone_hints && has_for_zone {
        return Some("PreferSameZone");
    }
    None
}

/// kube-proxy's `CategorizeEndpoints`.
pub fn categorize(
    info: &ServicePortInfo,
    endpoints: &[EndpointInfo],
    node: &NodeContext,
    config: &ProxyConfig,
) -> (Vec<usize>, Vec<usize>, Vec<usize>, bool) {
    let mut cluster = Vec::new();
    let mut local = Vec::new();
    let mut has_any = false;
    if info.uses_cluster_endpoints() {
        let mode = topology_mode(endpoints, node, config);
        let zone = node.zone();
        cluster = (0..endpoints.len())
            .filter(|&i| {
                let e = &endpoints[i];
                e.ready
                    && match mode {
                        None => true,
                        Some("PreferSameNode") => e.node_hints.contains(&node.name),
                        Some(_) => e.zone_hints.iter().any(|z| z == zone),
                    }
            })
            .collect();
        if cluster.is_empty() {
            cluster = (0..endpoints.len())
                .filter(|&i| endpoints[i].serving && endpoints[i].terminating)
                .collect();
        }
        has_any = !cluster.is_empty();
    }
    if !info.uses_local_endpoints() {
        let reachable = cluster.clone();
        return (cluster, local, reachable, has_any);
    }
    let mut local_ready = false;
    let mut local_serving_terminating = false;
    for e in endpoints {
        if e.ready {
            has_any = true;
            local_ready |= e.local;
        } else if e.serving && e.terminating {
            has_any = true;
            local_serving_terminating |= e.local;
        }
    }
    if local_ready {
        local = (0..endpoints.len())
            .filter(|&i| endpoints[i].local && endpoints[i].ready)
            .collect();
    } else if local_serving_terminating {
        local = (0..endpoints.len())
            .filter(|&i| endpoints[i].local && endpoints[i].serving && endpoints[i].terminating)
            .collect();
    }
    if !info.uses_cluster_endpoints() {
        let reachable = local.clone();
        return (cluster, local, reachable, has_any);
    }
    let mut reachable: Vec<usize> = cluster.iter().chain(local.iter()).copied().collect();
    reachable.sort_unstable();
    reachable.dedup();
    (cluster, local, reachable, has_any)
}

/// A service port with its endpoints categorised for `node` ([`categorize`]).
fn categorized(
    info: ServicePortInfo,
    endpoints: Vec<EndpointInfo>,
    node: &NodeContext,
    config: &ProxyConfig,
) -> ServicePortFacts {
    let (cluster, local, reachable, has_any_endpoints) =
        categorize(&info, &endpoints, node, config);
    ServicePortFacts {
        info,
        endpoints,
        cluster,
        local,
        reachable,
        has_any_endpoints,
    }
}

/// One service port's facts on `node` from its Service's EndpointSlices, as [`facts`]
/// makes each (for a Service the edit touched, [`chunks`]).
pub(crate) fn port_facts(
    info: ServicePortInfo,
    slices: &[&EndpointSlice],
    config: &ProxyConfig,
    node: &NodeContext,
    family: IpFamily,
) -> ServicePortFacts {
    let endpoints = endpoints_for(slices, &info.name.port, info.protocol, family, &node.name);
    categorized(info, endpoints, node, config)
}

/// Computes kube-proxy's view on `node` for `family`.
pub fn facts(
    objects: &Objects,
    config: &ProxyConfig,
    node: &NodeContext,
    family: IpFamily,
) -> ProxyFacts {
    let over_budget = chunks::over_budget(objects);
    build_facts(objects, &over_budget, config, node, family, None)
}

/// [`facts`], told the Services svcplay's budget leaves out (sorted, as
/// `Analysis::over_budget` knows them without reading every object).
pub(crate) fn facts_leaving_out(
    objects: &Objects,
    over_budget: &[chunks::ServiceKey],
    config: &ProxyConfig,
    node: &NodeContext,
    family: IpFamily,
) -> ProxyFacts {
    build_facts(objects, over_budget, config, node, family, None)
}

/// kube-proxy's view on `node` for `family`, as far as one packet's path needs it: every
/// service port is there (so every mode writes its fixed and shared rules, names and
/// orders exactly as for the whole node), but only the service ports the packet can meet
/// keep their endpoints — those addressed by its destination or source (ClusterIP,
/// external or load-balancer IP, NodePort, health-check port) and, since a DNAT rewrites
/// the destination, those addressed by the endpoints of those, until none is added. A
/// walk or a simulation through these facts ends exactly where one through
/// [`facts`] does (`proxy::proxier`'s tests check it on every corpus), without building
/// the rules of the other service ports' endpoints.
pub fn facts_for_packet(
    objects: &Objects,
    config: &ProxyConfig,
    node: &NodeContext,
    family: IpFamily,
    packet: &trace::Packet,
) -> ProxyFacts {
    let over_budget = chunks::over_budget(objects);
    build_facts(objects, &over_budget, config, node, family, Some(packet))
}

/// [`facts_for_packet`], told the Services svcplay's budget leaves out (sorted).
pub(crate) fn facts_for_packet_leaving_out(
    objects: &Objects,
    over_budget: &[chunks::ServiceKey],
    config: &ProxyConfig,
    node: &NodeContext,
    family: IpFamily,
    packet: &trace::Packet,
) -> ProxyFacts {
    build_facts(objects, over_budget, config, node, family, Some(packet))
}

fn build_facts(
    objects: &Objects,
    over_budget: &[chunks::ServiceKey],
    config: &ProxyConfig,
    node: &NodeContext,
    family: IpFamily,
    packet: Option<&trace::Packet>,
) -> ProxyFacts {
    let ports = ordered_service_ports(objects, over_budget, family);
    let endpoints_of = |i: usize| {
        let (info, slices) = &ports[i];
        endpoints_for(slices, &info.name.port, info.protocol, family, &node.name)
    };
    let mut endpoints: Vec<Option<Vec<EndpointInfo>>> = vec![None; ports.len()];
    let wanted = match packet {
        None => vec![true; ports.len()],
        Some(packet) => on_path(&ports, packet, |i| {
            endpoints[i]
                .get_or_insert_with(|| endpoints_of(i))
                .iter()
                .map(|e| (e.ip, e.port))
                .collect()
        }),
    };
    let mut service_ports = Vec::with_capacity(ports.len());
    let mut total_endpoints = 0;
    for (i, (info, _)) in ports.iter().enumerate() {
        let endpoints = if wanted[i] {
            let e = endpoints[i].take().unwrap_or_else(|| endpoints_of(i));
            total_endpoints += e.len();
            e
        } else {
            // Counted only as far as large-cluster mode needs (it changes the comments
            // of every rule).
            if total_endpoints <= LARGE_CLUSTER_ENDPOINTS_THRESHOLD {
                total_endpoints += endpoints_of(i).len();
            }
            Vec::new()
        };
        service_ports.push(categorized(info.clone(), endpoints, node, config));
    }
    let service_cidrs = objects
        .service_cidrs
        .iter()
        .flat_map(|s| s.cidrs.iter())
        .filter_map(|c| Cidr::parse_sloppy(c.trim()))
        .filter(|c| c.family() == family)
        .collect();
    ProxyFacts {
        family,
        node: node.clone(),
        config: config.clone(),
        service_ports,
        total_endpoints,
        service_cidrs,
    }
}

/// Every programmed service port of the family in kube-proxy's order (Services by
/// namespace/name, ports in spec order), each with its Service's EndpointSlices.
fn ordered_service_ports<'o>(
    objects: &'o Objects,
    over_budget: &[chunks::ServiceKey],
    family: IpFamily,
) -> Vec<(ServicePortInfo, Vec<&'o EndpointSlice>)> {
    // Looked up once per Service: a hash map, since a large cluster has 10⁴ of them.
    let mut slices_by_service: std::collections::HashMap<(&str, &str), Vec<&EndpointSlice>> =
        std::collections::HashMap::new();
    for slice in objects
        .endpoint_slices
        .iter()
        .filter(|s| watched_by_kube_proxy(&s.meta.labels))
    {
        if let Some(name) = slice.service_name() {
            slices_by_service
                .entry((slice.meta.namespace.as_str(), name))
                .or_default()
                .push(slice);
        }
    }
    // Services past svcplay's budget are left out (a warning says so).
    let left_out = |s: &Service| {
        let key = (s.meta.namespace.as_str(), s.meta.name.as_str());
        !over_budget.is_empty()
            && (over_budget.binary_search_by(|(ns, name)| (ns.as_str(), name.as_str()).cmp(&key)))
                .is_ok()
    };
    let mut services: Vec<&Service> = objects
        .services
        .iter()
        .filter(|s| watched_by_kube_proxy(&s.meta.labels))
        .filter(|s| !left_out(s))
        .collect();
    crate::sort::sort_by(&mut services, |a, b| {
        (&a.meta.namespace, &a.meta.name).cmp(&(&b.meta.namespace, &b.meta.name))
    });
    let mut out = Vec::new();
    for service in services {
        let slices = slices_by_service
            .get(&(service.meta.namespace.as_str(), service.meta.name.as_str()))
            .cloned()
            .unwrap_or_default();
        for info in service_ports_of(service, family) {
            out.push((info, slices.clone()));
        }
    }
    out
}

/// Which service ports a packet can meet (see [`facts_for_packet`]): a fixed point over
/// the destinations it can be rewritten to. `endpoints(i)` gives the `(ip, port)`
/// targets of service port `i`.
fn on_path(
    ports: &[(ServicePortInfo, Vec<&EndpointSlice>)],
    packet: &trace::Packet,
    mut endpoints: impl FnMut(usize) -> Vec<(IpAddr, i64)>,
) -> Vec<bool> {
    // A service port's endpoints only matter to a packet its own rules classify: one to
    // its ClusterIP, external or load-balancer IP and port, or to its NodePort, in its
    // protocol. Everything else a mode writes for the port (set and map entries, the
    // rejects of a port without endpoints) is keyed by those same values, so it cannot
    // match the packet, and it is written for every port anyway.
    let addressed = |info: &ServicePortInfo, dst: IpAddr, dport: i64| {
        info.addressed_by(dst, dport, packet.protocol)
    };
    let mut wanted = vec![false; ports.len()];
    let mut seen = std::collections::HashSet::new();
    let mut targets = vec![(packet.dst, i64::from(packet.dport))];
    seen.insert(targets[0]);
    while let Some((dst, dport)) = targets.pop() {
        for (i, (info, _)) in ports.iter().enumerate() {
            if wanted[i] || !addressed(info, dst, dport) {
                continue;
            }
            wanted[i] = true;
            for target in endpoints(i) {
                if seen.insert(target) {
                    targets.push(target);
                }
            }
        }
    }
    wanted
}

/// The label of objects meant for another service proxy: kube-proxy ignores them.
pub const LABEL_SERVICE_PROXY_NAME: &str = "service.kubernetes.io/service-proxy-name";
/// The label the EndpointSlice controller puts on a headless Service's slices.
pub const LABEL_HEADLESS: &str = "service.kubernetes.io/headless";

/// kube-proxy's informers only list Services and EndpointSlices without the
/// `service-proxy-name` and `headless` labels (`cmd/kube-proxy`'s label selector).
pub fn watched_by_kube_proxy(labels: &crate::model::StringMap) -> bool {
    !labels.contains_key(LABEL_SERVICE_PROXY_NAME) && !labels.contains_key(LABEL_HEADLESS)
}

/// The service ports of a Service as kube-proxy's service map holds them: keyed by
/// service port name, so of two ports with the same name and protocol (which the API
/// server rejects, but stored objects can have) the later one wins.
pub(crate) fn service_ports_of(service: &Service, family: IpFamily) -> Vec<ServicePortInfo> {
    let mut ports = service_ports(service, family);
    let mut kept: Vec<ServicePortInfo> = Vec::with_capacity(ports.len());
    // By name in a map: a Service may list thousands of ports.
    let mut at: std::collections::HashMap<ServicePortName, usize> =
        std::collections::HashMap::new();
    for port in ports.drain(..) {
        match at.get(&port.name) {
            Some(&i) => kept[i] = port,
            None => {
                at.insert(port.name.clone(), kept.len());
                kept.push(port);
            }
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_port_is_written_like_join_host_port() {
        for (ip, port) in [
            ("10.0.0.1", 80),
            ("0.0.0.0", 0),
            ("255.255.255.255", 65535),
            ("ff06::c1", 80),
            ("::1", 8080),
            ("172.30.0.41", 3001),
        ] {
            let ip: IpAddr = ip.parse().unwrap();
            let mut out = String::new();
            write_host_port(&mut out, &ip, port);
            assert_eq!(out, join_host_port(&ip, port));
        }
        assert_eq!(
            hashed_chain_name("KUBE-SEP-", &["ns1/svc1:p80", "tcp", "10.180.0.1:80"]).as_ref(),
            "KUBE-SEP-SXIVWICOYRO3J4NJ"
        );
    }

    #[test]
    fn chain_hashes_match_kube_proxy() {
        assert_eq!(chain_hash(&["ns1/svc1:p80", "tcp"]), "XPGD46QRK7WJZT7O");
        assert_eq!(chain_hash(&["ns1/svc1", "tcp"]), "AQI2S6QIMU7PVVRP");
        assert_eq!(chain_hash(&["ns1/svc1:p80", "sctp"]), "GFCIFIA5VTFSTMSM");
        assert_eq!(
            chain_hash(&["ns1/svc1:p80", "tcp", "10.180.0.1:80"]),
            "SXIVWICOYRO3J4NJ"
        );
        assert_eq!(
            chain_hash(&["ns1/svc1:p80", "tcp", "[ff06::c1]:80"]),
            "LIGRYQQLSZN4UWQ5"
        );
        assert_eq!(
            chain_hash(&["default/kubernetes:https", "tcp"]),
            "NPX46M4PTMTKRN6Y"
        );
        assert_eq!(
            chain_hash(&["kube-system/kube-dns:dns", "udp"]),
            "TCOU7JCQXEZGVUNU"
        );
    }
}
