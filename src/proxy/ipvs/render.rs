//! The IPVS proxier's `syncProxyRules` as a pure function of the facts.
//!
//! The structure follows kube-proxy's `pkg/proxy/ipvs/proxier.go` (v1.31–v1.35): per
//! service port, the loop-back set, the ClusterIP virtual server, the external-IP and
//! load-balancer virtual servers (with their sets), the NodePort virtual servers on every
//! node address, the health-check port; then `writeIptablesRules`, whose rules depend only
//! on which sets are empty. Real servers come from the shared endpoint categorisation
//! with IPVS's own twist: a virtual server that wants node-local endpoints but has none
//! falls back to the cluster-wide ones (kubernetes PR 97081).

use super::schedulers::flags;
use super::{
    DUMMY_DEVICE, EntryPoint, ForwardMethod, IpSet, IpvsState, RealServer, SetEntry, SetType,
    VirtualServer,
};
use crate::model::ip::{Cidr, IpFamily};
use crate::proxy::config::{NodePortAddresses, SchedulerName};
use crate::proxy::iptables::{
    Address, Arg, Args, Mark, Neg, Rule, RuleSource, Ruleset, Table, TableName, Target,
    detector_arg,
};
use crate::proxy::{Protocol, ProxyFacts, ServicePortFacts};
use std::collections::{HashMap, HashSet};
use std::net::IpAddr;

pub const KUBE_LOOP_BACK: &str = "KUBE-LOOP-BACK";
pub const KUBE_CLUSTER_IP: &str = "KUBE-CLUSTER-IP";
pub const KUBE_EXTERNAL_IP: &str = "KUBE-EXTERNAL-IP";
pub const KUBE_EXTERNAL_IP_LOCAL: &str = "KUBE-EXTERNAL-IP-LOCAL";
pub const KUBE_LOAD_BALANCER: &str = "KUBE-LOAD-BALANCER";
pub const KUBE_LOAD_BALANCER_FW: &str = "KUBE-LOAD-BALANCER-FW";
pub const KUBE_LOAD_BALANCER_LOCAL: &str = "KUBE-LOAD-BALANCER-LOCAL";
pub const KUBE_LOAD_BALANCER_SOURCE_IP: &str = "KUBE-LOAD-BALANCER-SOURCE-IP";
pub const KUBE_LOAD_BALANCER_SOURCE_CIDR: &str = "KUBE-LOAD-BALANCER-SOURCE-CIDR";
pub const KUBE_NODE_PORT_TCP: &str = "KUBE-NODE-PORT-TCP";
pub const KUBE_NODE_PORT_LOCAL_TCP: &str = "KUBE-NODE-PORT-LOCAL-TCP";
pub const KUBE_NODE_PORT_UDP: &str = "KUBE-NODE-PORT-UDP";
pub const KUBE_NODE_PORT_LOCAL_UDP: &str = "KUBE-NODE-PORT-LOCAL-UDP";
pub const KUBE_NODE_PORT_SCTP: &str = "KUBE-NODE-PORT-SCTP-HASH";
pub const KUBE_NODE_PORT_LOCAL_SCTP: &str = "KUBE-NODE-PORT-LOCAL-SCTP-HASH";
pub const KUBE_HEALTH_CHECK_NODE_PORT: &str = "KUBE-HEALTH-CHECK-NODE-PORT";
pub const KUBE_IPVS_IPS: &str = "KUBE-IPVS-IPS";

const KUBE_SERVICES: &str = "KUBE-SERVICES";
const KUBE_POSTROUTING: &str = "KUBE-POSTROUTING";
const KUBE_NODE_PORT: &str = "KUBE-NODE-PORT";
const KUBE_LOAD_BALANCER_CHAIN: &str = "KUBE-LOAD-BALANCER";
const KUBE_MARK_MASQ: &str = "KUBE-MARK-MASQ";
const KUBE_FORWARD: &str = "KUBE-FORWARD";
const KUBE_PROXY_FIREWALL: &str = "KUBE-PROXY-FIREWALL";
const KUBE_SOURCE_RANGES_FIREWALL: &str = "KUBE-SOURCE-RANGES-FIREWALL";
const KUBE_IPVS_FILTER: &str = "KUBE-IPVS-FILTER";
const KUBE_IPVS_OUT_FILTER: &str = "KUBE-IPVS-OUT-FILTER";

/// kube-proxy's `ipsetInfo`: every set, its type and its comment, in order.
const IPSET_INFO: [(&str, SetType, &str); 17] = [
    (
        KUBE_LOOP_BACK,
        SetType::HashIpPortIp,
        "Kubernetes endpoints dst ip:port, source ip for solving hairpin purpose",
    ),
    (
        KUBE_CLUSTER_IP,
        SetType::HashIpPort,
        "Kubernetes service cluster ip + port for masquerade purpose",
    ),
    (
        KUBE_EXTERNAL_IP,
        SetType::HashIpPort,
        "Kubernetes service external ip + port for masquerade and filter purpose",
    ),
    (
        KUBE_EXTERNAL_IP_LOCAL,
        SetType::HashIpPort,
        "Kubernetes service external ip + port with externalTrafficPolicy=local",
    ),
    (
        KUBE_LOAD_BALANCER,
        SetType::HashIpPort,
        "Kubernetes service lb portal",
    ),
    (
        KUBE_LOAD_BALANCER_FW,
        SetType::HashIpPort,
        "Kubernetes service load balancer ip + port for load balancer with sourceRange",
    ),
    (
        KUBE_LOAD_BALANCER_LOCAL,
        SetType::HashIpPort,
        "Kubernetes service load balancer ip + port with externalTrafficPolicy=local",
    ),
    (
        KUBE_LOAD_BALANCER_SOURCE_IP,
        SetType::HashIpPortIp,
        "Kubernetes service load balancer ip + port + source IP for packet filter purpose",
    ),
    (
        KUBE_LOAD_BALANCER_SOURCE_CIDR,
        SetType::HashIpPortNet,
        "Kubernetes service load balancer ip + port + source cidr for packet filter purpose",
    ),
    (
        KUBE_NODE_PORT_TCP,
        SetType::BitmapPort,
        "Kubernetes nodeport TCP port for masquerade purpose",
    ),
    (
        KUBE_NODE_PORT_LOCAL_TCP,
        SetType::BitmapPort,
        "Kubernetes nodeport TCP port with externalTrafficPolicy=local",
    ),
    (
        KUBE_NODE_PORT_UDP,
        SetType::BitmapPort,
        "Kubernetes nodeport UDP port for masquerade purpose",
    ),
    (
        KUBE_NODE_PORT_LOCAL_UDP,
        SetType::BitmapPort,
        "Kubernetes nodeport UDP port with externalTrafficPolicy=local",
    ),
    (
        KUBE_NODE_PORT_SCTP,
        SetType::HashIpPort,
        "Kubernetes nodeport SCTP port for masquerade purpose with type 'hash ip:port'",
    ),
    (
        KUBE_NODE_PORT_LOCAL_SCTP,
        SetType::HashIpPort,
        "Kubernetes nodeport SCTP port with externalTrafficPolicy=local with type 'hash ip:port'",
    ),
    (
        KUBE_HEALTH_CHECK_NODE_PORT,
        SetType::BitmapPort,
        "Kubernetes health check node port",
    ),
    (
        KUBE_IPVS_IPS,
        SetType::HashIp,
        "Addresses on the ipvs interface",
    ),
];

/// One entry of kube-proxy's `ipsetWithIptablesChain`: the rule written for a set when
/// it is not empty.
struct SetRule {
    set: &'static str,
    table: TableName,
    chain: &'static str,
    target: &'static str,
    /// The `--match-set` flags.
    flags: &'static str,
    /// `-p PROTO` before the match (the NodePort sets).
    protocol: Option<Protocol>,
}

/// kube-proxy's `ipsetWithIptablesChain`, in order. The `-LOCAL` sets come before their
/// masquerading twins.
const IPSET_WITH_IPTABLES_CHAIN: [SetRule; 12] = [
    SetRule {
        set: KUBE_LOOP_BACK,
        table: TableName::Nat,
        chain: KUBE_POSTROUTING,
        target: "MASQUERADE",
        flags: "dst,dst,src",
        protocol: None,
    },
    SetRule {
        set: KUBE_LOAD_BALANCER,
        table: TableName::Nat,
        chain: KUBE_SERVICES,
        target: KUBE_LOAD_BALANCER_CHAIN,
        flags: "dst,dst",
        protocol: None,
    },
    SetRule {
        set: KUBE_LOAD_BALANCER_LOCAL,
        table: TableName::Nat,
        chain: KUBE_LOAD_BALANCER_CHAIN,
        target: "RETURN",
        flags: "dst,dst",
        protocol: None,
    },
    SetRule {
        set: KUBE_NODE_PORT_LOCAL_TCP,
        table: TableName::Nat,
        chain: KUBE_NODE_PORT,
        target: "RETURN",
        flags: "dst",
        protocol: Some(Protocol::Tcp),
    },
    SetRule {
        set: KUBE_NODE_PORT_TCP,
        table: TableName::Nat,
        chain: KUBE_NODE_PORT,
        target: KUBE_MARK_MASQ,
        flags: "dst",
        protocol: Some(Protocol::Tcp),
    },
    SetRule {
        set: KUBE_NODE_PORT_LOCAL_UDP,
        table: TableName::Nat,
        chain: KUBE_NODE_PORT,
        target: "RETURN",
        flags: "dst",
        protocol: Some(Protocol::Udp),
    },
    SetRule {
        set: KUBE_NODE_PORT_UDP,
        table: TableName::Nat,
        chain: KUBE_NODE_PORT,
        target: KUBE_MARK_MASQ,
        flags: "dst",
        protocol: Some(Protocol::Udp),
    },
    SetRule {
        set: KUBE_NODE_PORT_LOCAL_SCTP,
        table: TableName::Nat,
        chain: KUBE_NODE_PORT,
        target: "RETURN",
        flags: "dst,dst",
        protocol: Some(Protocol::Sctp),
    },
    SetRule {
        set: KUBE_NODE_PORT_SCTP,
        table: TableName::Nat,
        chain: KUBE_NODE_PORT,
        target: KUBE_MARK_MASQ,
        flags: "dst,dst",
        protocol: Some(Protocol::Sctp),
    },
    SetRule {
        set: KUBE_LOAD_BALANCER_FW,
        table: TableName::Filter,
        chain: KUBE_PROXY_FIREWALL,
        target: KUBE_SOURCE_RANGES_FIREWALL,
        flags: "dst,dst",
        protocol: None,
    },
    SetRule {
        set: KUBE_LOAD_BALANCER_SOURCE_CIDR,
        table: TableName::Filter,
        chain: KUBE_SOURCE_RANGES_FIREWALL,
        target: "RETURN",
        flags: "dst,dst,src",
        protocol: None,
    },
    SetRule {
        set: KUBE_LOAD_BALANCER_SOURCE_IP,
        table: TableName::Filter,
        chain: KUBE_SOURCE_RANGES_FIREWALL,
        target: "RETURN",
        flags: "dst,dst,src",
        protocol: None,
    },
];

/// The chains of `iptablesChains`, each table in declaration order.
const NAT_CHAINS: [&str; 5] = [
    KUBE_SERVICES,
    KUBE_POSTROUTING,
    KUBE_NODE_PORT,
    KUBE_LOAD_BALANCER_CHAIN,
    KUBE_MARK_MASQ,
];
const FILTER_CHAINS: [&str; 6] = [
    KUBE_FORWARD,
    KUBE_NODE_PORT,
    KUBE_PROXY_FIREWALL,
    KUBE_SOURCE_RANGES_FIREWALL,
    KUBE_IPVS_FILTER,
    KUBE_IPVS_OUT_FILTER,
];

/// `iptablesJumpChain`: the jumps from the built-in chains, in the order kube-proxy
/// ensures them (each inserted at the top of its chain).
const JUMP_CHAINS: [(TableName, &str, &str, &str); 9] = [
    (
        TableName::Nat,
        "OUTPUT",
        KUBE_SERVICES,
        "kubernetes service portals",
    ),
    (
        TableName::Nat,
        "PREROUTING",
        KUBE_SERVICES,
        "kubernetes service portals",
    ),
    (
        TableName::Nat,
        "POSTROUTING",
        KUBE_POSTROUTING,
        "kubernetes postrouting rules",
    ),
    (
        TableName::Filter,
        "FORWARD",
        KUBE_FORWARD,
        "kubernetes forwarding rules",
    ),
    (
        TableName::Filter,
        "INPUT",
        KUBE_NODE_PORT,
        "kubernetes health check rules",
    ),
    (
        TableName::Filter,
        "INPUT",
        KUBE_PROXY_FIREWALL,
        "kube-proxy firewall rules",
    ),
    (
        TableName::Filter,
        "FORWARD",
        KUBE_PROXY_FIREWALL,
        "kube-proxy firewall rules",
    ),
    (
        TableName::Filter,
        "INPUT",
        KUBE_IPVS_FILTER,
        "kubernetes ipvs access filter",
    ),
    (
        TableName::Filter,
        "OUTPUT",
        KUBE_IPVS_OUT_FILTER,
        "kubernetes ipvs access filter",
    ),
];

/// The name of a set on a proxier: on the IPv6 proxier `KUBE-` becomes `KUBE-6-`, cut
/// to ipset's 31 characters (`NewIPSet`).
pub fn set_name(base: &str, family: IpFamily) -> String {
    match family {
        IpFamily::IPv4 => base.to_string(),
        IpFamily::IPv6 => {
            let mut name = base.replacen("KUBE-", "KUBE-6-", 1);
            name.truncate(31);
            name
        }
    }
}

/// The sets being filled during a sync.
struct Sets {
    sets: Vec<IpSet>,
    /// The members of each set, for constant-time deduplication.
    seen: Vec<HashSet<SetEntry>>,
}

impl Sets {
    fn new(family: IpFamily) -> Sets {
        Sets {
            sets: IPSET_INFO
                .iter()
                .map(|(name, set_type, comment)| IpSet {
                    name: set_name(name, family),
                    base_name: name,
                    set_type: *set_type,
                    family,
                    comment,
                    entries: Vec::new(),
                    sources: Vec::new(),
                })
                .collect(),
            seen: IPSET_INFO.iter().map(|_| HashSet::new()).collect(),
        }
    }

    fn get(&self, base: &str) -> &IpSet {
        self.sets
            .iter()
            .find(|s| s.base_name == base)
            .expect("every set of IPSET_INFO exists")
    }

    /// Adds a member (for the service port and endpoint of `source`); a member already
    /// there keeps its first source.
    fn insert(&mut self, base: &str, entry: SetEntry, source: RuleSource) {
        if let Some(i) = self.sets.iter().position(|s| s.base_name == base) {
            if self.seen[i].insert(entry.clone()) {
                self.sets[i].entries.push(entry);
                self.sets[i].sources.push(source);
            }
        }
    }

    /// Sorts every set's members the way the views list them (each keeping its source).
    fn finish(mut self) -> Vec<IpSet> {
        for set in &mut self.sets {
            let mut members: Vec<(SetEntry, RuleSource)> = std::mem::take(&mut set.entries)
                .into_iter()
                .zip(std::mem::take(&mut set.sources))
                .collect();
            match set.set_type {
                SetType::BitmapPort => crate::sort::sort_by_key(&mut members, |(e, _)| match e {
                    SetEntry::Port(p) => *p,
                    _ => 0,
                }),
                _ => crate::sort::sort_by_cached_key(&mut members, |(e, _)| e.to_string()),
            }
            (set.entries, set.sources) = members.into_iter().unzip();
        }
        self.sets
    }
}

/// Whether an address counts as a node address for IPVS (`isValidForSet`): the
/// proxier's family, not loopback, not IPv6 link-local.
fn valid_node_address(ip: &IpAddr, family: IpFamily) -> bool {
    if IpFamily::of(ip) != family || ip.is_loopback() {
        return false;
    }
    match ip {
        IpAddr::V6(v6) => (v6.segments()[0] & 0xffc0) != 0xfe80,
        IpAddr::V4(_) => true,
    }
}

/// Go's `uint16(port)`: kube-proxy truncates the port of a virtual server.
fn port16(port: i64) -> u16 {
    port as u16
}

/// The real servers kube-proxy syncs onto a virtual server (`syncEndpoint`).
fn real_servers(sp: &ServicePortFacts, only_node_local: bool) -> Vec<RealServer> {
    let chosen = if only_node_local && !sp.local.is_empty() {
        &sp.local
    } else {
        &sp.cluster
    };
    chosen
        .iter()
        .map(|&i| {
            let e = &sp.endpoints[i];
            RealServer {
                address: e.ip,
                port: port16(e.port),
                weight: 1,
                forward: ForwardMethod::Masq,
                active_conns: 0,
                inactive_conns: 0,
                endpoint: Some(i),
            }
        })
        .collect()
}

struct Writer {
    nat: Vec<Rule>,
    filter: Vec<Rule>,
}

impl Writer {
    fn rule(&mut self, table: TableName, chain: &str, args: Vec<Arg>, target: Target) {
        let rule = Rule {
            chain: chain.into(),
            args: args.into(),
            target: Some(target),
            source: RuleSource::default(),
        };
        match table {
            TableName::Nat => self.nat.push(rule),
            TableName::Filter => self.filter.push(rule),
            // kube-proxy's IPVS mode writes no mangle rules.
            TableName::Mangle => {}
        }
    }
}

/// A target by name, as `ipsetWithIptablesChain` names them.
fn target(name: &str) -> Target {
    match name {
        "RETURN" => Target::Return,
        "ACCEPT" => Target::Accept,
        "DROP" => Target::Drop,
        "REJECT" => Target::Reject,
        "MASQUERADE" => Target::Masquerade {
            random_fully: false,
        },
        chain => Target::Jump(chain.into()),
    }
}

/// Adds a virtual server, or — when an earlier service port already made one with the
/// same address, protocol and port — updates that one in place as `syncService` and
/// `syncEndpoint` do: the later flags win, real servers not wanted any more go, the new
/// ones are added after those that stay.
fn upsert(
    virtual_servers: &mut Vec<VirtualServer>,
    index: &mut HashMap<(IpAddr, Protocol, u16), usize>,
    vs: VirtualServer,
) {
    let key = (vs.address, vs.protocol, vs.port);
    let Some(&at) = index.get(&key) else {
        index.insert(key, virtual_servers.len());
        virtual_servers.push(vs);
        return;
    };
    let existing = &mut virtual_servers[at];
    let wanted: HashMap<(IpAddr, u16), &RealServer> = vs
        .real_servers
        .iter()
        .map(|r| ((r.address, r.port), r))
        .collect();
    let mut real_servers: Vec<RealServer> = existing
        .real_servers
        .iter()
        .filter_map(|old| wanted.get(&(old.address, old.port)).map(|r| (*r).clone()))
        .collect();
    let staying: HashSet<(IpAddr, u16)> =
        real_servers.iter().map(|r| (r.address, r.port)).collect();
    for n in &vs.real_servers {
        if !staying.contains(&(n.address, n.port)) {
            real_servers.push(n.clone());
        }
    }
    *existing = VirtualServer { real_servers, ..vs };
}

/// kube-proxy's IPVS state for the facts' node and family.
pub fn render(facts: &ProxyFacts) -> IpvsState {
    let family = facts.family;
    let node = &facts.node;
    let config = &facts.config;
    let scheduler = config.ipvs.scheduler;
    let host_prefix = family.bits();
    let mut sets = Sets::new(family);
    let mut virtual_servers: Vec<VirtualServer> = Vec::new();
    let mut bound: Vec<IpAddr> = Vec::new();
    let mut no_node_access: Vec<(IpAddr, Protocol, u16)> = Vec::new();

    // All local addresses except those on kube-ipvs0 (`GetAllLocalAddressesExcept`).
    let mut node_addresses: Vec<IpAddr> = Vec::new();
    for (name, ip, _) in &node.interfaces {
        if name != DUMMY_DEVICE && valid_node_address(ip, family) && !node_addresses.contains(ip) {
            node_addresses.push(*ip);
        }
    }

    let vs_flags = |info: &crate::proxy::ServicePortInfo| {
        let mut f = 0;
        if info.session_affinity_timeout.is_some() {
            f |= flags::PERSISTENT;
        }
        if scheduler == SchedulerName::Mh {
            f |= flags::SCHED2;
        }
        f
    };
    let vs_timeout = |info: &crate::proxy::ServicePortInfo| {
        info.session_affinity_timeout
            .map_or(0, |t| u32::try_from(t).unwrap_or(u32::MAX))
    };

    // The addresses bound in steady state do not depend on the NodePorts, so they are
    // known before the node IPs of a `nodePortAddresses` CIDR list are looked up (which
    // include kube-ipvs0's addresses, as Go's `net.InterfaceAddrs` does).
    let mut steady_bound: Vec<IpAddr> = Vec::new();
    let mut steady_seen: HashSet<IpAddr> = HashSet::new();
    for sp in &facts.service_ports {
        let info = &sp.info;
        let mut push = |ip: IpAddr| {
            if steady_seen.insert(ip) {
                steady_bound.push(ip);
            }
        };
        push(info.cluster_ip);
        for ip in info.external_ips.iter().chain(&info.load_balancer_vips) {
            if !node_addresses.contains(ip) {
                push(*ip);
            }
        }
    }

    let has_node_port = facts.service_ports.iter().any(|sp| sp.info.node_port != 0);
    let mut node_ips: Vec<IpAddr> = Vec::new();
    if has_node_port {
        let npa = NodePortAddresses::new(family, config, node);
        if npa.match_all {
            node_ips = node_addresses.clone();
        } else {
            let interface_addrs = node
                .interfaces
                .iter()
                .map(|(_, ip, _)| *ip)
                .chain(steady_bound.iter().copied());
            for ip in interface_addrs {
                if npa.cidrs.iter().any(|c| c.contains(&ip))
                    && !ip.is_loopback()
                    && !node_ips.contains(&ip)
                {
                    node_ips.push(ip);
                }
            }
        }
    }

    let mut vs_index: HashMap<(IpAddr, Protocol, u16), usize> = HashMap::new();
    let mut bound_set: HashSet<IpAddr> = HashSet::new();
    let mut bound_sources: Vec<RuleSource> = Vec::new();
    let mut bind = |bound: &mut Vec<IpAddr>, ip: IpAddr, source: RuleSource| {
        if bound_set.insert(ip) {
            bound.push(ip);
            bound_sources.push(source);
        }
    };

    for (index, sp) in facts.service_ports.iter().enumerate() {
        let info = &sp.info;
        let protocol = info.protocol;
        let port = port16(info.port);
        let src = RuleSource {
            service_port: Some(index),
            endpoint: None,
        };
        let make_vs =
            |address: IpAddr, port: u16, entry: EntryPoint, only_local: bool| VirtualServer {
                address,
                protocol,
                port,
                scheduler,
                flags: vs_flags(info),
                timeout: vs_timeout(info),
                netmask: host_prefix,
                entry,
                service_port: index,
                real_servers: real_servers(sp, only_local),
            };

        // Hairpin traffic: every local endpoint, whatever its condition.
        for (i, e) in sp.endpoints.iter().enumerate() {
            if !e.local || e.port == 0 {
                continue;
            }
            sets.insert(
                KUBE_LOOP_BACK,
                SetEntry::IpPortIp {
                    ip: e.ip,
                    protocol,
                    port: port16(e.port),
                    ip2: e.ip,
                },
                RuleSource {
                    service_port: Some(index),
                    endpoint: Some(i),
                },
            );
        }

        // The ClusterIP.
        sets.insert(
            KUBE_CLUSTER_IP,
            SetEntry::IpPort {
                ip: info.cluster_ip,
                protocol,
                port,
            },
            src,
        );
        upsert(
            &mut virtual_servers,
            &mut vs_index,
            make_vs(
                info.cluster_ip,
                port,
                EntryPoint::ClusterIp,
                info.internal_policy_local,
            ),
        );
        bind(&mut bound, info.cluster_ip, src);

        // External IPs.
        for ip in &info.external_ips {
            let entry = SetEntry::IpPort {
                ip: *ip,
                protocol,
                port,
            };
            if info.external_policy_local {
                sets.insert(KUBE_EXTERNAL_IP_LOCAL, entry, src);
            } else {
                sets.insert(KUBE_EXTERNAL_IP, entry, src);
            }
            upsert(
                &mut virtual_servers,
                &mut vs_index,
                make_vs(
                    *ip,
                    port,
                    EntryPoint::ExternalIp,
                    info.external_policy_local,
                ),
            );
            if !node_addresses.contains(ip) {
                bind(&mut bound, *ip, src);
            }
        }

        // Load-balancer ingress IPs.
        for ip in &info.load_balancer_vips {
            let entry = SetEntry::IpPort {
                ip: *ip,
                protocol,
                port,
            };
            sets.insert(KUBE_LOAD_BALANCER, entry.clone(), src);
            if info.external_policy_local {
                sets.insert(KUBE_LOAD_BALANCER_LOCAL, entry.clone(), src);
            }
            if !info.load_balancer_source_ranges.is_empty() {
                sets.insert(KUBE_LOAD_BALANCER_FW, entry, src);
                let node_ip = node.node_ip(family);
                let mut allow_from_node = false;
                for cidr in &info.load_balancer_source_ranges {
                    sets.insert(
                        KUBE_LOAD_BALANCER_SOURCE_CIDR,
                        SetEntry::IpPortNet {
                            ip: *ip,
                            protocol,
                            port,
                            net: *cidr,
                        },
                        src,
                    );
                    if node_ip.is_some_and(|n| cidr.contains(&n)) {
                        allow_from_node = true;
                    }
                }
                if allow_from_node {
                    sets.insert(
                        KUBE_LOAD_BALANCER_SOURCE_IP,
                        SetEntry::IpPortIp {
                            ip: *ip,
                            protocol,
                            port,
                            ip2: *ip,
                        },
                        src,
                    );
                } else {
                    no_node_access.push((*ip, protocol, port));
                }
            }
            upsert(
                &mut virtual_servers,
                &mut vs_index,
                make_vs(
                    *ip,
                    port,
                    EntryPoint::LoadBalancer,
                    info.external_policy_local,
                ),
            );
            if !node_addresses.contains(ip) {
                bind(&mut bound, *ip, src);
            }
        }

        // The NodePort, on every node address. Without node addresses kube-proxy skips
        // the rest of this service port, health-check port included.
        if info.node_port != 0 {
            if node_ips.is_empty() {
                continue;
            }
            let node_port = port16(info.node_port);
            let (set, local_set) = match protocol {
                Protocol::Tcp => (KUBE_NODE_PORT_TCP, KUBE_NODE_PORT_LOCAL_TCP),
                Protocol::Udp => (KUBE_NODE_PORT_UDP, KUBE_NODE_PORT_LOCAL_UDP),
                Protocol::Sctp => (KUBE_NODE_PORT_SCTP, KUBE_NODE_PORT_LOCAL_SCTP),
            };
            let entries: Vec<SetEntry> = match protocol {
                Protocol::Sctp => node_ips
                    .iter()
                    .map(|ip| SetEntry::IpPort {
                        ip: *ip,
                        protocol,
                        port: node_port,
                    })
                    .collect(),
                _ => vec![SetEntry::Port(node_port)],
            };
            for e in &entries {
                sets.insert(set, e.clone(), src);
                if info.external_policy_local {
                    sets.insert(local_set, e.clone(), src);
                }
            }
            for ip in &node_ips {
                upsert(
                    &mut virtual_servers,
                    &mut vs_index,
                    make_vs(
                        *ip,
                        node_port,
                        EntryPoint::NodePort,
                        info.external_policy_local,
                    ),
                );
            }
        }

        if info.health_check_node_port != 0 {
            sets.insert(
                KUBE_HEALTH_CHECK_NODE_PORT,
                SetEntry::Port(port16(info.health_check_node_port)),
                src,
            );
        }
    }

    for (ip, source) in bound.iter().zip(&bound_sources) {
        sets.insert(KUBE_IPVS_IPS, SetEntry::Ip(*ip), *source);
    }

    let iptables = write_iptables_rules(facts, &sets, &no_node_access);
    let jumps = JUMP_CHAINS
        .iter()
        .rev()
        .map(|(table, from, to, comment)| {
            (
                *table,
                Rule {
                    chain: (*from).into(),
                    args: Args::one(Arg::Comment(comment.to_string())),
                    target: Some(Target::Jump((*to).into())),
                    source: RuleSource::default(),
                },
            )
        })
        .collect();
    IpvsState {
        family,
        virtual_servers,
        bound_addresses: bound,
        bound_sources,
        ipsets: sets.finish(),
        iptables,
        timeouts: super::kernel::Timeouts::of(&config.ipvs),
        jumps,
    }
}

/// kube-proxy's `writeIptablesRules`.
fn write_iptables_rules(
    facts: &ProxyFacts,
    sets: &Sets,
    no_node_access: &[(IpAddr, Protocol, u16)],
) -> Ruleset {
    let family = facts.family;
    let config = &facts.config;
    let mark = Mark(config.masquerade_mark_value());
    let mut w = Writer {
        nat: Vec::new(),
        filter: Vec::new(),
    };
    let name = |base: &str| set_name(base, family);
    let match_set = |base: &str, flags: &str| Arg::MatchSet {
        set: name(base),
        flags: flags.to_string(),
    };
    let comment = |base: &str| Arg::Comment(sets.get(base).comment.to_string());

    // Connections from localhost are left alone early.
    let lo = match family {
        IpFamily::IPv4 => Cidr {
            addr: IpAddr::from([127, 0, 0, 0]),
            prefix: 8,
        },
        IpFamily::IPv6 => Cidr::host(std::net::Ipv6Addr::LOCALHOST.into()),
    };
    w.rule(
        TableName::Nat,
        KUBE_SERVICES,
        vec![Arg::Source(Neg::Is, Address::Cidr(lo))],
        Target::Return,
    );

    for r in &IPSET_WITH_IPTABLES_CHAIN {
        if sets.get(r.set).is_empty() {
            continue;
        }
        let mut args = Vec::new();
        if let Some(p) = r.protocol {
            args.push(Arg::Protocol(p));
        }
        args.push(comment(r.set));
        args.push(match_set(r.set, r.flags));
        w.rule(r.table, r.chain, args, target(r.target));
    }

    if !sets.get(KUBE_CLUSTER_IP).is_empty() {
        let detector = config.local_detector(family, &facts.node);
        let base = vec![comment(KUBE_CLUSTER_IP)];
        if config.masquerade_all {
            let mut args = base;
            args.push(match_set(KUBE_CLUSTER_IP, "dst,dst"));
            w.rule(
                TableName::Nat,
                KUBE_SERVICES,
                args,
                Target::Jump(KUBE_MARK_MASQ.into()),
            );
        } else if let Some(not_local) = detector_arg(&detector, Neg::Not) {
            // Off-cluster traffic to a service VIP is masqueraded.
            let mut args = base;
            args.push(match_set(KUBE_CLUSTER_IP, "dst,dst"));
            args.push(not_local);
            w.rule(
                TableName::Nat,
                KUBE_SERVICES,
                args,
                Target::Jump(KUBE_MARK_MASQ.into()),
            );
        } else {
            // Without a detector, node-originated traffic whose source is a VIP (the
            // kernel picks a kube-ipvs0 address as source) is masqueraded.
            let mut args = base;
            args.push(match_set(KUBE_CLUSTER_IP, "src,dst"));
            w.rule(
                TableName::Nat,
                KUBE_SERVICES,
                args,
                Target::Jump(KUBE_MARK_MASQ.into()),
            );
        }
    }

    let external_ip_rules = |w: &mut Writer, base: &str| {
        let args = vec![comment(base), match_set(base, "dst,dst")];
        let mut off_machine = args.clone();
        off_machine.push(Arg::PhysdevIsIn(Neg::Not));
        off_machine.push(Arg::SrcTypeLocal(Neg::Not));
        w.rule(TableName::Nat, KUBE_SERVICES, off_machine, Target::Accept);
        let mut dst_local = args;
        dst_local.push(Arg::DstTypeLocal(Neg::Is));
        w.rule(TableName::Nat, KUBE_SERVICES, dst_local, Target::Accept);
    };
    if !sets.get(KUBE_EXTERNAL_IP).is_empty() {
        w.rule(
            TableName::Nat,
            KUBE_SERVICES,
            vec![
                comment(KUBE_EXTERNAL_IP),
                match_set(KUBE_EXTERNAL_IP, "dst,dst"),
            ],
            Target::Jump(KUBE_MARK_MASQ.into()),
        );
        external_ip_rules(&mut w, KUBE_EXTERNAL_IP);
    }
    if !sets.get(KUBE_EXTERNAL_IP_LOCAL).is_empty() {
        external_ip_rules(&mut w, KUBE_EXTERNAL_IP_LOCAL);
    }

    w.rule(
        TableName::Nat,
        KUBE_SERVICES,
        vec![Arg::DstTypeLocal(Neg::Is)],
        Target::Jump(KUBE_NODE_PORT.into()),
    );
    w.rule(
        TableName::Nat,
        KUBE_LOAD_BALANCER_CHAIN,
        vec![],
        Target::Jump(KUBE_MARK_MASQ.into()),
    );
    w.rule(
        TableName::Filter,
        KUBE_SOURCE_RANGES_FIREWALL,
        vec![],
        Target::Drop,
    );
    for (ip, protocol, port) in no_node_access {
        w.rule(
            TableName::Filter,
            KUBE_IPVS_OUT_FILTER,
            vec![
                Arg::Source(Neg::Is, Address::Ip(*ip)),
                Arg::Ipvs {
                    vaddr: ip.to_string(),
                    vproto: protocol.lower().to_string(),
                    vport: i64::from(*port),
                },
            ],
            Target::Drop,
        );
    }

    // Traffic to a virtual service is accepted, whatever rules follow.
    for set in [KUBE_CLUSTER_IP, KUBE_LOAD_BALANCER] {
        if !sets.get(set).is_empty() {
            w.rule(
                TableName::Nat,
                KUBE_SERVICES,
                vec![match_set(set, "dst,dst")],
                Target::Accept,
            );
        }
    }

    w.rule(
        TableName::Filter,
        KUBE_FORWARD,
        vec![
            Arg::Comment("kubernetes forwarding rules".into()),
            Arg::Mark {
                neg: Neg::Is,
                value: mark,
                mask: mark,
            },
        ],
        Target::Accept,
    );
    w.rule(
        TableName::Filter,
        KUBE_FORWARD,
        vec![
            Arg::Comment("kubernetes forwarding conntrack rule".into()),
            Arg::CtState(Neg::Is, "RELATED,ESTABLISHED".into()),
        ],
        Target::Accept,
    );
    w.rule(
        TableName::Filter,
        KUBE_NODE_PORT,
        vec![
            comment(KUBE_HEALTH_CHECK_NODE_PORT),
            match_set(KUBE_HEALTH_CHECK_NODE_PORT, "dst"),
        ],
        Target::Accept,
    );
    for (set, flags) in [
        (KUBE_LOAD_BALANCER, "dst,dst"),
        (KUBE_CLUSTER_IP, "dst,dst"),
        (KUBE_EXTERNAL_IP, "dst,dst"),
        (KUBE_EXTERNAL_IP_LOCAL, "dst,dst"),
        (KUBE_HEALTH_CHECK_NODE_PORT, "dst"),
    ] {
        w.rule(
            TableName::Filter,
            KUBE_IPVS_FILTER,
            vec![match_set(set, flags)],
            Target::Return,
        );
    }
    // New connections to a kube-ipvs0 address on a port that is no service are refused
    // (kubernetes issue 72236).
    w.rule(
        TableName::Filter,
        KUBE_IPVS_FILTER,
        vec![
            Arg::CtState(Neg::Is, "NEW".into()),
            match_set(KUBE_IPVS_IPS, "dst"),
        ],
        Target::Reject,
    );

    w.rule(
        TableName::Nat,
        KUBE_POSTROUTING,
        vec![Arg::Mark {
            neg: Neg::Not,
            value: mark,
            mask: mark,
        }],
        Target::Return,
    );
    w.rule(
        TableName::Nat,
        KUBE_POSTROUTING,
        vec![],
        Target::MarkXor(mark),
    );
    w.rule(
        TableName::Nat,
        KUBE_POSTROUTING,
        vec![Arg::Comment(
            "kubernetes service traffic requiring SNAT".into(),
        )],
        Target::Masquerade {
            random_fully: facts.node.random_fully,
        },
    );
    w.rule(TableName::Nat, KUBE_MARK_MASQ, vec![], Target::MarkOr(mark));

    Ruleset {
        family,
        filter: Table {
            name: TableName::Filter,
            chains: FILTER_CHAINS.iter().map(|c| (*c).into()).collect(),
            rules: w.filter,
        },
        nat: Table {
            name: TableName::Nat,
            chains: NAT_CHAINS.iter().map(|c| (*c).into()).collect(),
            rules: w.nat,
        },
    }
}

/// Carries kube-proxy's graceful termination across two syncs: a real server that
/// left a TCP virtual server while it still had connections (`live_connections` > 0)
/// stays, at weight 0, until they are gone; UDP and SCTP real servers go at once.
/// Real servers that stay keep their place in the kernel's list; a real server that
/// comes back while being drained is deleted and re-added with weight 1 (to the head of
/// the list, like any new one).
pub fn carry_over_graceful(
    previous: &IpvsState,
    next: &mut IpvsState,
    live_connections: impl Fn(&VirtualServer, &RealServer) -> u32,
) {
    for vs in &mut next.virtual_servers {
        let Some(old) = previous
            .virtual_servers
            .iter()
            .find(|o| o.identity() == vs.identity())
        else {
            continue;
        };
        let wanted = std::mem::take(&mut vs.real_servers);
        let mut kept: Vec<RealServer> = Vec::new();
        for rs in &old.real_servers {
            match wanted
                .iter()
                .find(|w| w.address_port() == rs.address_port())
            {
                // Still wanted and not being drained: unchanged, same place.
                Some(w) if rs.weight != 0 => kept.push(w.clone()),
                // Being drained but wanted again: re-added below, at the head.
                Some(_) => {}
                None => {
                    if vs.protocol == Protocol::Tcp && live_connections(old, rs) > 0 {
                        let mut draining = rs.clone();
                        draining.weight = 0;
                        draining.endpoint = None;
                        kept.push(draining);
                    }
                }
            }
        }
        for w in wanted {
            if !kept.iter().any(|k| k.address_port() == w.address_port()) {
                kept.push(w);
            }
        }
        vs.real_servers = kept;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{Options, analyze};

    const SCENARIO: &str = "apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
mode: ipvs
---
apiVersion: v1
kind: Service
metadata: {namespace: ns, name: web}
spec:
  clusterIP: 10.96.5.5
  type: ClusterIP
  ports: [{name: http, port: 80, protocol: TCP}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  namespace: ns
  name: web-1
  labels: {kubernetes.io/service-name: web}
addressType: IPv4
ports: [{name: http, port: 8080, protocol: TCP}]
endpoints:
- {addresses: [10.244.0.5], nodeName: node-1}
- {addresses: [10.244.0.6], nodeName: node-1}
";

    fn state(text: &str) -> IpvsState {
        let analysis = analyze(text, Options { stored: true });
        analysis.proxy(&analysis.default_node()).proxiers[0]
            .ipvs()
            .expect("IPVS mode")
            .clone()
    }

    #[test]
    fn ipv6_set_names_are_prefixed_and_cut_to_31_characters() {
        assert_eq!(
            set_name(KUBE_LOAD_BALANCER_SOURCE_CIDR, IpFamily::IPv6),
            "KUBE-6-LOAD-BALANCER-SOURCE-CID"
        );
        assert_eq!(
            set_name(KUBE_NODE_PORT_LOCAL_SCTP, IpFamily::IPv6),
            "KUBE-6-NODE-PORT-LOCAL-SCTP-HAS"
        );
        assert_eq!(set_name(KUBE_CLUSTER_IP, IpFamily::IPv4), "KUBE-CLUSTER-IP");
    }

    #[test]
    fn the_save_view_puts_the_jumps_of_the_built_in_chains_first() {
        let state = state(SCENARIO);
        let save = state.save_ruleset();
        let filter: Vec<String> = save
            .filter
            .rules
            .iter()
            .take(4)
            .map(|r| r.to_string())
            .collect();
        assert_eq!(
            filter,
            [
                "-A INPUT -m comment --comment \"kubernetes ipvs access filter\" -j KUBE-IPVS-FILTER",
                "-A INPUT -m comment --comment \"kube-proxy firewall rules\" -j KUBE-PROXY-FIREWALL",
                "-A INPUT -m comment --comment \"kubernetes health check rules\" -j KUBE-NODE-PORT",
                "-A FORWARD -m comment --comment \"kube-proxy firewall rules\" -j KUBE-PROXY-FIREWALL",
            ]
        );
        // kube-proxy's chains follow, sorted, each with its rules in writing order.
        assert_eq!(&*save.filter.chains[0], "KUBE-FORWARD");
        let nat_first = save.nat.rules[0].to_string();
        assert_eq!(
            nat_first,
            "-A PREROUTING -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES"
        );
    }

    #[test]
    fn draining_real_servers_stay_at_weight_0_while_they_have_connections() {
        let before = state(SCENARIO);
        let without_6 = SCENARIO.replace("- {addresses: [10.244.0.6], nodeName: node-1}\n", "");
        let mut after = state(&without_6);
        carry_over_graceful(&before, &mut after, |_, rs| {
            u32::from(rs.address.to_string() == "10.244.0.6")
        });
        let rs: Vec<(String, i32)> = after.virtual_servers[0]
            .real_servers
            .iter()
            .map(|r| (r.address_port(), r.weight))
            .collect();
        assert_eq!(
            rs,
            [("10.244.0.5:8080".into(), 1), ("10.244.0.6:8080".into(), 0)]
        );
        // Without connections it goes at once.
        let mut gone = state(&without_6);
        carry_over_graceful(&before, &mut gone, |_, _| 0);
        assert_eq!(gone.virtual_servers[0].real_servers.len(), 1);
        // Back while draining: deleted and re-added with weight 1, at the head of the list.
        let mut back = state(SCENARIO);
        carry_over_graceful(&after, &mut back, |_, _| 1);
        let rs: Vec<(String, i32)> = back.virtual_servers[0]
            .real_servers
            .iter()
            .map(|r| (r.address_port(), r.weight))
            .collect();
        assert_eq!(
            rs,
            [("10.244.0.5:8080".into(), 1), ("10.244.0.6:8080".into(), 1)]
        );
    }

    #[test]
    fn services_sharing_an_address_and_port_share_one_virtual_server() {
        let text = format!(
            "{SCENARIO}---
apiVersion: v1
kind: Service
metadata: {{namespace: ns, name: web2}}
spec:
  clusterIP: 10.96.5.5
  type: ClusterIP
  ports: [{{name: http, port: 80, protocol: TCP}}]
"
        );
        let state = state(&text);
        assert_eq!(state.virtual_servers.len(), 1);
        // The later service port's (empty) endpoints win.
        assert!(state.virtual_servers[0].real_servers.is_empty());
    }

    #[test]
    fn node_port_addresses_pick_the_interfaces() {
        let text = format!(
            "{}nodePortAddresses: [192.168.0.0/24]
---
apiVersion: v1
kind: Node
metadata: {{name: node-1}}
status: {{addresses: [{{type: InternalIP, address: 192.168.0.2}}]}}
---
apiVersion: svcplay.dev/v1alpha1
kind: NodeRuntime
metadata: {{name: node-1}}
interfaces:
- {{name: lo, addresses: [127.0.0.1/8]}}
- {{name: eth0, addresses: [192.168.0.2/24]}}
- {{name: eth1, addresses: [172.16.0.2/24]}}
---
{}",
            "apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\nmode: ipvs\n",
            SCENARIO.split_once("---\n").unwrap().1.replace(
                "type: ClusterIP\n  ports: [{name: http, port: 80, protocol: TCP}]",
                "type: NodePort\n  ports: [{name: http, port: 80, protocol: TCP, nodePort: 30080}]"
            )
        );
        let with = state(&text);
        let node_ports: Vec<String> = with
            .virtual_servers
            .iter()
            .filter(|v| v.entry == EntryPoint::NodePort)
            .map(|v| v.identity())
            .collect();
        assert_eq!(node_ports, ["192.168.0.2:30080/TCP"]);
        // Without nodePortAddresses every non-loopback address of the node is used.
        let all = state(&text.replace("nodePortAddresses: [192.168.0.0/24]\n", ""));
        let node_ports: Vec<String> = all
            .virtual_servers
            .iter()
            .filter(|v| v.entry == EntryPoint::NodePort)
            .map(|v| v.identity())
            .collect();
        assert_eq!(
            node_ports,
            ["192.168.0.2:30080/TCP", "172.16.0.2:30080/TCP"]
        );
    }
}
