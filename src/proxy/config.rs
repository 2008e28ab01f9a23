//! kube-proxy's effective configuration and the node it runs on.
//!
//! [`ProxyConfig::resolve`] applies kube-proxy's own defaults to the scenario's
//! `KubeProxyConfiguration` (or to none); [`NodeContext::resolve`] gathers what kube-proxy
//! knows about its node: name, labels (zone), primary IPs, the host's interface addresses
//! and kernel capabilities (from the `NodeRuntime` document, or defaults that describe a
//! typical kubeadm node when there is none).

use crate::diag::{Diagnostic, Stage};
use crate::model::ip::{Cidr, IpFamily, parse_ip_sloppy};
use crate::model::{KubeProxyConfiguration, Node, NodeRuntime, Objects};
use std::collections::BTreeMap;
use std::net::IpAddr;

/// The proxy modes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ProxyMode {
    Iptables,
    Ipvs,
    Nftables,
    /// The legacy userspace proxy, removed in v1.26.
    Userspace,
}

impl ProxyMode {
    pub fn as_str(self) -> &'static str {
        match self {
            ProxyMode::Iptables => "iptables",
            ProxyMode::Ipvs => "ipvs",
            ProxyMode::Nftables => "nftables",
            ProxyMode::Userspace => "userspace",
        }
    }
}

/// How kube-proxy tells traffic from local pods apart (`detectLocalMode`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LocalDetector {
    /// No detector: no `! -s CIDR` masquerade rule, no pod short-circuit in KUBE-EXT.
    NoOp,
    /// Source CIDR match (ClusterCIDR or NodeCIDR mode).
    Cidr(Cidr),
    /// Input-interface match: `-i cni0` (BridgeInterface) or `-i veth+` (InterfaceNamePrefix).
    Interface(String),
}

impl LocalDetector {
    /// The arguments that match traffic from local pods (`IfLocal`).
    pub fn if_local(&self) -> Option<Vec<String>> {
        match self {
            LocalDetector::NoOp => None,
            LocalDetector::Cidr(c) => Some(vec!["-s".into(), c.to_string()]),
            LocalDetector::Interface(i) => Some(vec!["-i".into(), i.clone()]),
        }
    }

    /// The arguments that match traffic not from local pods (`IfNotLocal`).
    pub fn if_not_local(&self) -> Option<Vec<String>> {
        self.if_local().map(|mut args| {
            args.insert(0, "!".into());
            args
        })
    }
}

/// kube-proxy's effective configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProxyConfig {
    pub mode: ProxyMode,
    /// `hostnameOverride`, if set.
    pub hostname_override: Option<String>,
    pub detect_local_mode: String,
    pub cluster_cidrs: Vec<Cidr>,
    pub bridge_interface: Option<String>,
    pub interface_name_prefix: Option<String>,
    /// `nodePortAddresses` as written (CIDRs or the keyword `primary`); empty = all.
    pub node_port_addresses: Vec<String>,
    /// Whether the user wrote `nodePortAddresses` (nftables mode defaults it to `primary`).
    pub node_port_addresses_set: bool,
    pub masquerade_all: bool,
    pub masquerade_bit: u32,
    pub localhost_node_ports: bool,
    pub ipvs_scheduler: String,
    pub ipvs_strict_arp: bool,
    pub ipvs_exclude_cidrs: Vec<String>,
    /// `ipvs.tcpTimeout`, `ipvs.tcpFinTimeout`, `ipvs.udpTimeout` as written (Go
    /// durations such as `900s`); unset or zero keeps the kernel's values.
    pub ipvs_tcp_timeout: Option<String>,
    pub ipvs_tcp_fin_timeout: Option<String>,
    pub ipvs_udp_timeout: Option<String>,
    pub feature_gates: BTreeMap<String, bool>,
}

impl ProxyConfig {
    /// Applies kube-proxy's defaults. Problems (an unknown mode, a bad CIDR) are returned
    /// as diagnostics; kube-proxy would refuse to start, svcplay falls back to defaults.
    pub fn resolve(config: Option<&KubeProxyConfiguration>) -> (ProxyConfig, Vec<Diagnostic>) {
        let mut diagnostics = Vec::new();
        let default = KubeProxyConfiguration::default();
        let c = config.unwrap_or(&default);
        let mode = match c.mode.as_deref().unwrap_or("") {
            "" | "iptables" => ProxyMode::Iptables,
            "ipvs" => ProxyMode::Ipvs,
            "nftables" => ProxyMode::Nftables,
            "userspace" => {
                // Removed in v1.26: a real kube-proxy refuses it; svcplay shows what the
                // last release with it (v1.25) did, clearly marked.
                diagnostics.push(
                    Diagnostic::warning(
                        Stage::Proxy,
                        "\"userspace\" no longer exists: the userspace proxier was removed in Kubernetes v1.26 and kube-proxy now refuses to start with it; svcplay shows what kube-proxy v1.25, the last release that had it, did",
                    )
                    .with_path("mode"),
                );
                ProxyMode::Userspace
            }
            other => {
                diagnostics.push(
                    Diagnostic::error(
                        Stage::Proxy,
                        format!(
                            "invalid value {other:?} for mode: must be one of \"iptables\", \"ipvs\", \"nftables\" (kube-proxy would not start; showing iptables mode)"
                        ),
                    )
                    .with_path("mode"),
                );
                ProxyMode::Iptables
            }
        };
        // Without a KubeProxyConfiguration the scenario is a kubeadm cluster created with
        // `--pod-network-cidr=10.244.0.0/16` (flannel's default), whose kube-proxy
        // ConfigMap carries that clusterCIDR.
        let cluster_cidr_text = match config {
            Some(c) => c.cluster_cidr.clone().unwrap_or_default(),
            None => "10.244.0.0/16".to_string(),
        };
        let mut cluster_cidrs = Vec::new();
        for part in cluster_cidr_text
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            match Cidr::parse_sloppy(part) {
                Some(cidr) => cluster_cidrs.push(cidr),
                None => diagnostics.push(
                    Diagnostic::error(
                        Stage::Proxy,
                        format!("invalid CIDR {part:?} in clusterCIDR"),
                    )
                    .with_path("clusterCIDR"),
                ),
            }
        }
        for part in &c.detect_local_cluster_cidrs {
            if let Some(cidr) = Cidr::parse_sloppy(part) {
                cluster_cidrs.push(cidr);
            }
        }
        let masquerade_bit = match mode {
            ProxyMode::Nftables => c.nftables_masquerade_bit.or(c.iptables_masquerade_bit),
            _ => c.iptables_masquerade_bit,
        }
        .unwrap_or(14);
        let masquerade_bit = if (0..=31).contains(&masquerade_bit) {
            masquerade_bit as u32
        } else {
            diagnostics.push(
                Diagnostic::error(
                    Stage::Proxy,
                    format!("masqueradeBit {masquerade_bit} must be between 0 and 31"),
                )
                .with_path("iptables.masqueradeBit"),
            );
            14
        };
        let masquerade_all = c
            .masquerade_all
            .or(match mode {
                ProxyMode::Nftables => c.nftables_masquerade_all,
                _ => c.iptables_masquerade_all,
            })
            .unwrap_or(false);
        let config = ProxyConfig {
            mode,
            hostname_override: c.hostname_override.clone().filter(|s| !s.is_empty()),
            detect_local_mode: c
                .detect_local_mode
                .clone()
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| "ClusterCIDR".into()),
            cluster_cidrs,
            bridge_interface: c.bridge_interface.clone(),
            interface_name_prefix: c.interface_name_prefix.clone(),
            node_port_addresses: c.node_port_addresses.clone().unwrap_or_default(),
            node_port_addresses_set: c
                .node_port_addresses
                .as_ref()
                .is_some_and(|v| !v.is_empty()),
            masquerade_all,
            masquerade_bit,
            localhost_node_ports: c.iptables_localhost_node_ports.unwrap_or(true),
            ipvs_scheduler: ipvs_scheduler(mode, c.ipvs_scheduler.as_deref(), &mut diagnostics),
            ipvs_strict_arp: c.ipvs_strict_arp.unwrap_or(false),
            ipvs_exclude_cidrs: c.ipvs_exclude_cidrs.clone(),
            ipvs_tcp_timeout: c.ipvs_tcp_timeout.clone(),
            ipvs_tcp_fin_timeout: c.ipvs_tcp_fin_timeout.clone(),
            ipvs_udp_timeout: c.ipvs_udp_timeout.clone(),
            feature_gates: c.feature_gates.clone(),
        };
        (config, diagnostics)
    }

    /// The masquerade mark as kube-proxy writes it: Go's `%#08x` of `1 << bit`, which pads
    /// the digits (not the `0x`) to eight: `0x00004000`.
    pub fn masquerade_mark(&self) -> String {
        format!("{:#010x}", 1u64 << self.masquerade_bit)
    }

    /// The masquerade mark as a number: `1 << masqueradeBit`.
    pub fn masquerade_mark_value(&self) -> u32 {
        1u32 << self.masquerade_bit.min(31)
    }

    /// The local-traffic detector for one IP family on one node.
    pub fn local_detector(&self, family: IpFamily, node: &NodeContext) -> LocalDetector {
        match self.detect_local_mode.as_str() {
            "NodeCIDR" => node
                .pod_cidrs
                .iter()
                .find(|c| c.family() == family)
                .map_or(LocalDetector::NoOp, |c| LocalDetector::Cidr(*c)),
            "BridgeInterface" => match &self.bridge_interface {
                Some(i) if !i.is_empty() => LocalDetector::Interface(i.clone()),
                _ => LocalDetector::NoOp,
            },
            "InterfaceNamePrefix" => match &self.interface_name_prefix {
                Some(p) if !p.is_empty() => LocalDetector::Interface(format!("{p}+")),
                _ => LocalDetector::NoOp,
            },
            "ClusterCIDR" => self
                .cluster_cidrs
                .iter()
                .find(|c| c.family() == family)
                .map_or(LocalDetector::NoOp, |c| LocalDetector::Cidr(*c)),
            // `getLocalDetectors`: "Defaulting to no-op detect-local".
            _ => LocalDetector::NoOp,
        }
    }
}

/// `ipvs.scheduler`, or `rr` when it is empty. In IPVS mode a name no kernel scheduler
/// has is an error: kube-proxy probes the scheduler by creating a dummy virtual server
/// with it and refuses to start when that fails.
fn ipvs_scheduler(
    mode: ProxyMode,
    written: Option<&str>,
    diagnostics: &mut Vec<Diagnostic>,
) -> String {
    let name = written.filter(|s| !s.is_empty()).unwrap_or("rr");
    if super::ipvs::schedulers::SchedulerName::parse(name).is_some() {
        return name.to_string();
    }
    if mode == ProxyMode::Ipvs {
        let known: Vec<&str> = super::ipvs::schedulers::SchedulerName::ALL
            .iter()
            .map(|s| s.as_str())
            .collect();
        diagnostics.push(
            Diagnostic::error(
                Stage::Proxy,
                format!(
                    "invalid value {name:?} for ipvs.scheduler: the kernel has no IPVS scheduler of that name (known: {}); kube-proxy cannot create a virtual server with it and would not start in IPVS mode; showing rr",
                    known.join(", ")
                ),
            )
            .with_path("ipvs.scheduler"),
        );
    }
    "rr".into()
}

/// What kube-proxy knows about the node it runs on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeContext {
    pub name: String,
    pub labels: BTreeMap<String, String>,
    /// The node's primary IP per family (first InternalIP of that family).
    pub node_ips: Vec<IpAddr>,
    /// Host interface addresses (with their prefix), loopback included.
    pub interfaces: Vec<(String, IpAddr, u8)>,
    pub pod_cidrs: Vec<Cidr>,
    /// The proxier families, IPv4 first.
    pub families: Vec<IpFamily>,
    pub nfacct: bool,
    pub random_fully: bool,
    pub conntrack_tcp_be_liberal: bool,
    /// The object this context was read from, for provenance.
    pub runtime_origin: Option<usize>,
}

impl NodeContext {
    /// The node kube-proxy runs on when nothing chooses one: the NodeRuntime's name, else
    /// `hostnameOverride`, else the first Node that is not a control-plane node, else the
    /// first Node, else `node-1` (the default single-node cluster).
    pub fn default_node_name(objects: &Objects, config: &ProxyConfig) -> String {
        if let Some(rt) = objects.node_runtimes.first().filter(|r| !r.name.is_empty()) {
            return rt.name.clone();
        }
        if let Some(name) = &config.hostname_override {
            return name.clone();
        }
        let is_control_plane = |n: &&Node| {
            n.meta
                .labels
                .contains_key("node-role.kubernetes.io/control-plane")
                || n.taints
                    .iter()
                    .any(|t| t.key == "node-role.kubernetes.io/control-plane")
        };
        objects
            .nodes
            .iter()
            .find(|n| !is_control_plane(n))
            .or(objects.nodes.first())
            .map_or_else(|| DEFAULT_NODE_NAME.to_string(), |n| n.meta.name.clone())
    }

    /// Gathers the context of node `name`.
    pub fn resolve(objects: &Objects, name: &str, service_families: &[IpFamily]) -> NodeContext {
        let node = objects.node(name);
        let runtime: Option<&NodeRuntime> = objects.node_runtimes.iter().find(|r| r.name == name);
        // `GetNodeHostIPs`: the InternalIPs, then the ExternalIPs; the first address, then
        // the first one of the other family.
        let mut node_ips: Vec<IpAddr> = Vec::new();
        if let Some(node) = node {
            let ordered = ["InternalIP", "ExternalIP"].into_iter().flat_map(|type_| {
                node.addresses
                    .iter()
                    .filter(move |a| a.type_ == type_)
                    .filter_map(|a| parse_ip_sloppy(&a.address))
            });
            for ip in ordered {
                if !node_ips
                    .iter()
                    .any(|x| IpFamily::of(x) == IpFamily::of(&ip))
                {
                    node_ips.push(ip);
                }
            }
        }
        if node.is_none() && name == DEFAULT_NODE_NAME {
            node_ips.push(DEFAULT_NODE_IP.parse().expect("constant IP"));
        }
        let pod_cidrs: Vec<Cidr> = node
            .map(|n| {
                n.pod_cidrs
                    .iter()
                    .filter_map(|c| Cidr::parse_sloppy(c))
                    .collect()
            })
            .unwrap_or_default();
        let mut interfaces = Vec::new();
        match runtime.filter(|r| !r.interfaces.is_empty()) {
            Some(rt) => {
                for i in &rt.interfaces {
                    for a in &i.addresses {
                        if let Some((ip, prefix)) = parse_interface_address(a) {
                            interfaces.push((i.name.clone(), ip, prefix));
                        }
                    }
                }
            }
            None => {
                // A typical node: loopback plus eth0 holding the node's InternalIPs.
                interfaces.push(("lo".into(), "127.0.0.1".parse().expect("constant IP"), 8));
                interfaces.push(("lo".into(), "::1".parse().expect("constant IP"), 128));
                for ip in &node_ips {
                    let prefix = if ip.is_ipv4() { 24 } else { 64 };
                    interfaces.push(("eth0".into(), *ip, prefix));
                }
            }
        }
        let families = match runtime.filter(|r| !r.ip_families.is_empty()) {
            Some(rt) => {
                let mut f = rt.ip_families.clone();
                crate::sort::sort(&mut f);
                f.dedup();
                f
            }
            None if service_families.is_empty() => vec![IpFamily::IPv4],
            None => service_families.to_vec(),
        };
        NodeContext {
            name: name.to_string(),
            labels: node.map(|n| n.meta.labels.clone()).unwrap_or_default(),
            node_ips,
            interfaces,
            pod_cidrs,
            families,
            nfacct: runtime.and_then(|r| r.nfacct).unwrap_or(DEFAULT_NFACCT),
            random_fully: runtime
                .and_then(|r| r.random_fully)
                .unwrap_or(DEFAULT_RANDOM_FULLY),
            conntrack_tcp_be_liberal: runtime
                .and_then(|r| r.conntrack_tcp_be_liberal)
                .unwrap_or(false),
            runtime_origin: runtime.and_then(|r| r.origin),
        }
    }

    pub fn zone(&self) -> &str {
        self.labels
            .get("topology.kubernetes.io/zone")
            .map_or("", String::as_str)
    }

    /// The node's primary IP of a family.
    pub fn node_ip(&self, family: IpFamily) -> Option<IpAddr> {
        self.node_ips
            .iter()
            .copied()
            .find(|ip| IpFamily::of(ip) == family)
    }

    /// The node IP kube-proxy's proxier of `family` uses (`detectNodeIPs`): the node's IP
    /// of that family, or loopback when it has none. Only the loadBalancerSourceRanges
    /// check reads it.
    pub fn proxier_node_ip(&self, family: IpFamily) -> IpAddr {
        self.node_ip(family).unwrap_or(match family {
            IpFamily::IPv4 => IpAddr::V4(std::net::Ipv4Addr::LOCALHOST),
            IpFamily::IPv6 => IpAddr::V6(std::net::Ipv6Addr::LOCALHOST),
        })
    }

    /// Whether `ip` is one of the host's own addresses (`--src-type/--dst-type LOCAL`).
    pub fn is_local_address(&self, ip: &IpAddr) -> bool {
        ip.is_loopback() || self.interfaces.iter().any(|(_, a, _)| a == ip)
    }
}

/// The node of a scenario without Node objects.
pub const DEFAULT_NODE_NAME: &str = "node-1";
/// Its InternalIP.
pub const DEFAULT_NODE_IP: &str = "192.168.0.2";
/// Whether a node without a NodeRuntime document has kube-proxy's nfacct counters. Kernels
/// of common distributions do not load `nfnetlink_acct` by default, so: no.
pub const DEFAULT_NFACCT: bool = false;
/// Whether a node's iptables supports `MASQUERADE --random-fully`: every iptables since
/// 1.6.2 does, so kube-proxy on a real node writes it.
pub const DEFAULT_RANDOM_FULLY: bool = true;

/// `192.168.0.2/24` → (192.168.0.2, 24); a bare address gets a host prefix.
fn parse_interface_address(text: &str) -> Option<(IpAddr, u8)> {
    match text.split_once('/') {
        Some((ip, prefix)) => Some((parse_ip_sloppy(ip)?, prefix.parse().ok()?)),
        None => {
            let ip = parse_ip_sloppy(text)?;
            Some((ip, IpFamily::of(&ip).bits()))
        }
    }
}
