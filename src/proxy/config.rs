//! kube-proxy's effective configuration and the node it runs on.
//!
//! [`ProxyConfig::resolve`] applies kube-proxy's own defaults to the scenario's
//! `KubeProxyConfiguration` (or to none) and turns every field into its type once — the
//! mode, the local-traffic detector ([`LocalMode`]), `nodePortAddresses`
//! ([`NodePortAddressesConfig`], made per family by [`NodePortAddresses::new`]), the IPVS
//! scheduler ([`SchedulerName`]) and timeouts ([`IpvsConfig`]) — reporting what kube-proxy
//! would refuse as diagnostics, so no renderer parses a string of the configuration again.
//! [`NodeContext::resolve`] gathers what kube-proxy knows about its node: name, labels
//! (zone), primary IPs, the host's interface addresses and kernel capabilities (from the
//! `NodeRuntime` document, or defaults that describe a typical kubeadm node when there is
//! none).
//!
//! This module is the bottom of `proxy`: it imports nothing of the modes.

use crate::diag::{Diagnostic, Stage};
use crate::model::ip::{Cidr, IpFamily, parse_ip_sloppy};
use crate::model::{
    DEFAULT_NODE_IP, DEFAULT_NODE_NAME, KubeProxyConfiguration, Node, NodeRuntime, Objects,
};
use std::collections::BTreeMap;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr};

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
    /// Every mode, in the order the page offers them.
    pub const ALL: [ProxyMode; 4] = [
        ProxyMode::Iptables,
        ProxyMode::Ipvs,
        ProxyMode::Nftables,
        ProxyMode::Userspace,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ProxyMode::Iptables => "iptables",
            ProxyMode::Ipvs => "ipvs",
            ProxyMode::Nftables => "nftables",
            ProxyMode::Userspace => "userspace",
        }
    }

    /// The mode of this name (`mode:` as kube-proxy spells it).
    pub fn parse(name: &str) -> Option<ProxyMode> {
        ProxyMode::ALL.into_iter().find(|m| m.as_str() == name)
    }
}

/// `detectLocalMode`: how kube-proxy tells traffic from local pods apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LocalMode {
    /// `ClusterCIDR` (the default): the source is in `clusterCIDR`.
    ClusterCidr,
    /// `NodeCIDR`: the source is in the node's `spec.podCIDRs`.
    NodeCidr,
    /// `BridgeInterface`: the packet comes in on `bridgeInterface`.
    BridgeInterface,
    /// `InterfaceNamePrefix`: the packet comes in on an interface named `prefix*`.
    InterfaceNamePrefix,
    /// A value kube-proxy does not know: `getLocalDetectors` says "Defaulting to no-op
    /// detect-local".
    NoOp,
}

impl LocalMode {
    /// The mode a `detectLocalMode` value names (empty: the default, ClusterCIDR).
    pub fn parse(text: &str) -> LocalMode {
        match text {
            "" | "ClusterCIDR" => LocalMode::ClusterCidr,
            "NodeCIDR" => LocalMode::NodeCidr,
            "BridgeInterface" => LocalMode::BridgeInterface,
            "InterfaceNamePrefix" => LocalMode::InterfaceNamePrefix,
            _ => LocalMode::NoOp,
        }
    }
}

/// How kube-proxy tells traffic from local pods apart on one node for one family
/// (`detectLocalMode` resolved against the configuration and the node).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LocalDetector {
    /// No detector: no `! -s CIDR` masquerade rule, no pod short-circuit in KUBE-EXT.
    NoOp,
    /// Source CIDR match (ClusterCIDR or NodeCIDR mode).
    Cidr(Cidr),
    /// Input-interface match: `-i cni0` (BridgeInterface) or `-i veth+` (InterfaceNamePrefix).
    Interface(String),
}

/// The IPVS scheduling methods of the kernel, by the names `ipvsadm -s` takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SchedulerName {
    Rr,
    Wrr,
    Lc,
    Wlc,
    Lblc,
    Lblcr,
    Dh,
    Sh,
    Sed,
    Nq,
    Fo,
    Ovf,
    Mh,
    Twos,
}

impl SchedulerName {
    pub const ALL: [SchedulerName; 14] = [
        SchedulerName::Rr,
        SchedulerName::Wrr,
        SchedulerName::Lc,
        SchedulerName::Wlc,
        SchedulerName::Lblc,
        SchedulerName::Lblcr,
        SchedulerName::Dh,
        SchedulerName::Sh,
        SchedulerName::Sed,
        SchedulerName::Nq,
        SchedulerName::Fo,
        SchedulerName::Ovf,
        SchedulerName::Mh,
        SchedulerName::Twos,
    ];

    pub fn parse(name: &str) -> Option<SchedulerName> {
        SchedulerName::ALL.into_iter().find(|s| s.as_str() == name)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SchedulerName::Rr => "rr",
            SchedulerName::Wrr => "wrr",
            SchedulerName::Lc => "lc",
            SchedulerName::Wlc => "wlc",
            SchedulerName::Lblc => "lblc",
            SchedulerName::Lblcr => "lblcr",
            SchedulerName::Dh => "dh",
            SchedulerName::Sh => "sh",
            SchedulerName::Sed => "sed",
            SchedulerName::Nq => "nq",
            SchedulerName::Fo => "fo",
            SchedulerName::Ovf => "ovf",
            SchedulerName::Mh => "mh",
            SchedulerName::Twos => "twos",
        }
    }

    /// The names of the scheduler flag bits, as `ipvsadm` prints them.
    pub fn flag_names(self) -> [&'static str; 3] {
        match self {
            SchedulerName::Sh => ["sh-fallback", "sh-port", "flag-3"],
            SchedulerName::Mh => ["mh-fallback", "mh-port", "flag-3"],
            _ => ["flag-1", "flag-2", "flag-3"],
        }
    }
}

impl fmt::Display for SchedulerName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// kube-proxy's `ipvs` section, typed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IpvsConfig {
    /// `ipvs.scheduler` (`rr` when empty; a name no kernel has falls back to `rr` with an
    /// error diagnostic).
    pub scheduler: SchedulerName,
    pub strict_arp: bool,
    pub exclude_cidrs: Vec<Cidr>,
    /// `ipvs.tcpTimeout`, `ipvs.tcpFinTimeout`, `ipvs.udpTimeout` in whole seconds; `None`
    /// (unset, or zero) keeps the kernel's value, as `ipvsadm --set` with 0 does.
    pub tcp_timeout: Option<u64>,
    pub tcp_fin_timeout: Option<u64>,
    pub udp_timeout: Option<u64>,
}

/// `nodePortAddresses` as kube-proxy's server hands it to the proxiers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NodePortAddressesConfig {
    /// Not written: every local address — except in nftables mode, whose backend
    /// defaults an empty list to `primary`.
    Unset,
    /// `[primary]`: the node's primary IPs (`cmd/kube-proxy` turns them into `/32` and
    /// `/128` CIDRs before the proxiers see the list).
    Primary,
    /// CIDRs (an empty list or a `/0` means every local address).
    Cidrs(Vec<Cidr>),
}

/// Which addresses NodePorts listen on for one family (`NodePortAddresses` of
/// `pkg/proxy/util/nodeport_addresses.go`, after `cmd/kube-proxy`'s handling of
/// `primary`). Every mode uses this one value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodePortAddresses {
    pub cidrs: Vec<Cidr>,
    /// No CIDR of this family, or a `/0`: every local address.
    pub match_all: bool,
    /// Some CIDR covers IPv4 loopback (`containsIPv4Loopback`).
    pub contains_ipv4_loopback: bool,
}

impl NodePortAddresses {
    /// `NewNodePortAddresses(family, cidrStrings)` for the proxier of `family` on `node`.
    /// `primary` becomes the node's primary IPs of both families (loopback left out), as
    /// `cmd/kube-proxy` writes them; then the CIDRs of the family are kept, none means
    /// the family's `/0`, and a `/0` makes the others irrelevant.
    pub fn new(family: IpFamily, config: &ProxyConfig, node: &NodeContext) -> NodePortAddresses {
        let primary = || {
            [IpFamily::IPv4, IpFamily::IPv6]
                .into_iter()
                .filter_map(|f| node.node_ip(f))
                .filter(|ip| !ip.is_loopback())
                .map(Cidr::host)
                .collect::<Vec<Cidr>>()
        };
        let written = match &config.node_port_addresses {
            NodePortAddressesConfig::Unset if config.mode == ProxyMode::Nftables => primary(),
            NodePortAddressesConfig::Unset => Vec::new(),
            NodePortAddressesConfig::Primary => primary(),
            NodePortAddressesConfig::Cidrs(cidrs) => cidrs.clone(),
        };
        let mut cidrs: Vec<Cidr> = written
            .into_iter()
            .filter(|c| c.family() == family)
            .collect();
        if cidrs.is_empty() {
            cidrs.push(Cidr::zero(family));
        }
        let loopback_start = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 0));
        let mut contains_ipv4_loopback = false;
        let mut kept = Vec::new();
        let mut match_all = false;
        for cidr in cidrs {
            if cidr.family() == IpFamily::IPv4
                && (cidr.addr.is_loopback() || cidr.contains(&loopback_start))
            {
                contains_ipv4_loopback = true;
            }
            // A /0 matches every address: kube-proxy ignores the other CIDRs.
            if cidr.prefix == 0 {
                kept = vec![cidr];
                match_all = true;
                break;
            }
            kept.push(cidr);
        }
        NodePortAddresses {
            cidrs: kept,
            match_all,
            contains_ipv4_loopback,
        }
    }

    /// The host addresses inside the CIDRs, deduplicated (`GetNodeIPs`). kube-proxy
    /// collects them in a Go map (random order); svcplay keeps the interfaces' order.
    pub fn node_ips(&self, node: &NodeContext) -> Vec<IpAddr> {
        let mut ips: Vec<IpAddr> = Vec::new();
        for (_, ip, _) in &node.interfaces {
            if self.cidrs.iter().any(|c| c.contains(ip)) && !ips.contains(ip) {
                ips.push(*ip);
            }
        }
        ips
    }
}

/// kube-proxy's effective configuration, every field typed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProxyConfig {
    /// The written KubeProxyConfiguration (a raw object id), for provenance.
    pub object: Option<usize>,
    pub mode: ProxyMode,
    /// `hostnameOverride`, if set.
    pub hostname_override: Option<String>,
    pub detect_local_mode: LocalMode,
    pub cluster_cidrs: Vec<Cidr>,
    pub bridge_interface: Option<String>,
    pub interface_name_prefix: Option<String>,
    pub node_port_addresses: NodePortAddressesConfig,
    pub masquerade_all: bool,
    pub masquerade_bit: u32,
    pub localhost_node_ports: bool,
    pub ipvs: IpvsConfig,
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
        let ipvs = IpvsConfig {
            scheduler: ipvs_scheduler(mode, c.ipvs_scheduler.as_deref(), &mut diagnostics),
            strict_arp: c.ipvs_strict_arp.unwrap_or(false),
            exclude_cidrs: c
                .ipvs_exclude_cidrs
                .iter()
                .filter_map(|text| Cidr::parse_sloppy(text.trim()))
                .collect(),
            tcp_timeout: ipvs_timeout(&c.ipvs_tcp_timeout, "tcpTimeout", &mut diagnostics),
            tcp_fin_timeout: ipvs_timeout(
                &c.ipvs_tcp_fin_timeout,
                "tcpFinTimeout",
                &mut diagnostics,
            ),
            udp_timeout: ipvs_timeout(&c.ipvs_udp_timeout, "udpTimeout", &mut diagnostics),
        };
        let config = ProxyConfig {
            object: config.and_then(|c| c.origin),
            mode,
            hostname_override: c.hostname_override.clone().filter(|s| !s.is_empty()),
            detect_local_mode: LocalMode::parse(c.detect_local_mode.as_deref().unwrap_or("")),
            cluster_cidrs,
            bridge_interface: c.bridge_interface.clone(),
            interface_name_prefix: c.interface_name_prefix.clone(),
            node_port_addresses: node_port_addresses(
                c.node_port_addresses.as_deref().unwrap_or(&[]),
                &mut diagnostics,
            ),
            masquerade_all,
            masquerade_bit,
            localhost_node_ports: c.iptables_localhost_node_ports.unwrap_or(true),
            ipvs,
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

    /// Whether a feature gate is on (`featureGates`, else its default).
    pub fn feature_gate(&self, name: &str, default: bool) -> bool {
        self.feature_gates.get(name).copied().unwrap_or(default)
    }

    /// The local-traffic detector for one IP family on one node.
    pub fn local_detector(&self, family: IpFamily, node: &NodeContext) -> LocalDetector {
        let cidr_of = |cidrs: &[Cidr]| {
            cidrs
                .iter()
                .find(|c| c.family() == family)
                .map_or(LocalDetector::NoOp, |c| LocalDetector::Cidr(*c))
        };
        match self.detect_local_mode {
            LocalMode::NodeCidr => cidr_of(&node.pod_cidrs),
            LocalMode::BridgeInterface => match &self.bridge_interface {
                Some(i) if !i.is_empty() => LocalDetector::Interface(i.clone()),
                _ => LocalDetector::NoOp,
            },
            LocalMode::InterfaceNamePrefix => match &self.interface_name_prefix {
                Some(p) if !p.is_empty() => LocalDetector::Interface(format!("{p}+")),
                _ => LocalDetector::NoOp,
            },
            LocalMode::ClusterCidr => cidr_of(&self.cluster_cidrs),
            // `getLocalDetectors`: "Defaulting to no-op detect-local".
            LocalMode::NoOp => LocalDetector::NoOp,
        }
    }
}

/// `nodePortAddresses`, checked as kube-proxy's `validateKubeProxyNodePortAddress` does:
/// `primary` only alone, every other entry a CIDR. Entries it would refuse are left out
/// (with an error diagnostic each).
fn node_port_addresses(
    written: &[String],
    diagnostics: &mut Vec<Diagnostic>,
) -> NodePortAddressesConfig {
    if written.is_empty() {
        return NodePortAddressesConfig::Unset;
    }
    if written.len() == 1 && written[0] == "primary" {
        return NodePortAddressesConfig::Primary;
    }
    let mut cidrs = Vec::new();
    for (i, text) in written.iter().enumerate() {
        let problem = if text == "primary" {
            "can't use both 'primary' and CIDRs"
        } else {
            match Cidr::parse_sloppy(text.trim()) {
                Some(cidr) => {
                    cidrs.push(cidr);
                    continue;
                }
                None => "must be a valid CIDR",
            }
        };
        diagnostics.push(
            Diagnostic::error(
                Stage::Proxy,
                format!("invalid value {text:?} for nodePortAddresses[{i}]: {problem} (kube-proxy would not start; the entry is left out)"),
            )
            .with_path(format!("nodePortAddresses[{i}]")),
        );
    }
    NodePortAddressesConfig::Cidrs(cidrs)
}

/// `ipvs.scheduler`, or `rr` when it is empty. In IPVS mode a name no kernel scheduler
/// has is an error: kube-proxy probes the scheduler by creating a dummy virtual server
/// with it and refuses to start when that fails.
fn ipvs_scheduler(
    mode: ProxyMode,
    written: Option<&str>,
    diagnostics: &mut Vec<Diagnostic>,
) -> SchedulerName {
    let name = written.filter(|s| !s.is_empty()).unwrap_or("rr");
    if let Some(scheduler) = SchedulerName::parse(name) {
        return scheduler;
    }
    if mode == ProxyMode::Ipvs {
        let known: Vec<&str> = SchedulerName::ALL.iter().map(|s| s.as_str()).collect();
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
    SchedulerName::Rr
}

/// An IPVS timeout (a Go duration such as `900s`) in whole seconds; `None` when unset or
/// zero. A value Go cannot parse is an error (kube-proxy would not load its
/// configuration) and the kernel's value stays.
fn ipvs_timeout(
    written: &Option<String>,
    field: &str,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<u64> {
    let text = written.as_deref()?;
    match parse_go_duration(text) {
        Some(seconds) => Some(seconds).filter(|s| *s > 0),
        None => {
            diagnostics.push(
                Diagnostic::error(
                    Stage::Proxy,
                    format!("invalid value {text:?} for ipvs.{field}: time: invalid duration {text:?} (kube-proxy would not start; keeping the kernel's timeout)"),
                )
                .with_path(format!("ipvs.{field}")),
            );
            None
        }
    }
}

/// Parses a Go duration (`900s`, `15m`, `1h30m`, `0`) into whole seconds.
pub fn parse_go_duration(text: &str) -> Option<u64> {
    let text = text.trim();
    if text == "0" {
        return Some(0);
    }
    let mut total_ms: f64 = 0.0;
    let mut rest = text;
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let number_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let value: f64 = rest[..number_len].parse().ok()?;
        rest = &rest[number_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let factor = match &rest[..unit_len] {
            "h" => 3_600_000.0,
            "m" => 60_000.0,
            "s" => 1000.0,
            "ms" => 1.0,
            "us" | "µs" => 0.001,
            "ns" => 0.000_001,
            _ => return None,
        };
        total_ms += value * factor;
        rest = &rest[unit_len..];
    }
    Some((total_ms / 1000.0) as u64)
}

/// What kube-proxy knows about the node it runs on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeContext {
    pub name: String,
    pub labels: crate::model::StringMap,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_durations() {
        assert_eq!(parse_go_duration("900s"), Some(900));
        assert_eq!(parse_go_duration("15m"), Some(900));
        assert_eq!(parse_go_duration("1h2m3s"), Some(3723));
        assert_eq!(parse_go_duration("0"), Some(0));
        assert_eq!(parse_go_duration("1500ms"), Some(1));
        assert_eq!(parse_go_duration("fast"), None);
    }

    fn config(text: &str) -> (ProxyConfig, Vec<Diagnostic>) {
        let analysis = crate::scenario::analyze(
            &format!(
                "apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\n{text}"
            ),
            crate::scenario::Options { stored: true },
        );
        let (config, diagnostics) =
            ProxyConfig::resolve(analysis.objects.kube_proxy_configuration.as_ref());
        (config, diagnostics)
    }

    fn node(ips: &[&str]) -> NodeContext {
        let ips: Vec<IpAddr> = ips.iter().map(|ip| ip.parse().unwrap()).collect();
        NodeContext {
            name: "n".into(),
            labels: Default::default(),
            interfaces: ips.iter().map(|ip| ("eth0".to_string(), *ip, 24)).collect(),
            node_ips: ips,
            pod_cidrs: Vec::new(),
            families: vec![IpFamily::IPv4],
            nfacct: false,
            random_fully: true,
            conntrack_tcp_be_liberal: false,
            runtime_origin: None,
        }
    }

    #[test]
    fn every_field_is_typed_once() {
        let (c, d) = config(
            "mode: ipvs\ndetectLocalMode: BridgeInterface\ndetectLocal: {bridgeInterface: cni0}\nipvs:\n  scheduler: wrr\n  tcpTimeout: 15m\n  udpTimeout: 0s\n",
        );
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(c.mode, ProxyMode::Ipvs);
        assert_eq!(c.ipvs.scheduler, SchedulerName::Wrr);
        assert_eq!(c.ipvs.tcp_timeout, Some(900));
        assert_eq!(c.ipvs.udp_timeout, None);
        assert_eq!(c.detect_local_mode, LocalMode::BridgeInterface);
        assert_eq!(
            c.local_detector(IpFamily::IPv4, &node(&["192.168.0.2"])),
            LocalDetector::Interface("cni0".into())
        );
        let (c, d) = config("mode: ipvs\nipvs:\n  scheduler: nope\n  tcpFinTimeout: soon\n");
        assert_eq!(c.ipvs.scheduler, SchedulerName::Rr);
        assert_eq!(c.ipvs.tcp_fin_timeout, None);
        let paths: Vec<&str> = d.iter().map(|d| d.path.as_str()).collect();
        assert_eq!(paths, ["ipvs.scheduler", "ipvs.tcpFinTimeout"]);
    }

    #[test]
    fn node_port_addresses_are_one_value_for_every_mode() {
        let n = node(&["192.168.0.2", "2001:db8::1"]);
        // Unset: every address, except in nftables mode, which defaults to `primary`.
        let (c, _) = config("mode: iptables\n");
        let v4 = NodePortAddresses::new(IpFamily::IPv4, &c, &n);
        assert!(v4.match_all && v4.contains_ipv4_loopback);
        let (c, _) = config("mode: nftables\n");
        let v6 = NodePortAddresses::new(IpFamily::IPv6, &c, &n);
        assert!(!v6.match_all);
        assert_eq!(v6.node_ips(&n), ["2001:db8::1".parse::<IpAddr>().unwrap()]);
        let (c, d) = config("nodePortAddresses: [primary]\n");
        assert!(d.is_empty());
        assert_eq!(c.node_port_addresses, NodePortAddressesConfig::Primary);
        // A CIDR list keeps its family's entries; none of the family means all of them.
        let (c, d) = config("nodePortAddresses: [10.0.0.0/8, primary, nope]\n");
        assert_eq!(d.len(), 2, "{d:?}");
        let v4 = NodePortAddresses::new(IpFamily::IPv4, &c, &n);
        assert_eq!(v4.cidrs.len(), 1);
        assert!(!v4.match_all && !v4.contains_ipv4_loopback);
        assert!(NodePortAddresses::new(IpFamily::IPv6, &c, &n).match_all);
    }
}
