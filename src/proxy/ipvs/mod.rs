//! kube-proxy's IPVS mode: virtual servers, ipsets, kube-ipvs0 and the iptables rules it
//! keeps, as typed values.
//!
//! [`render`] is the IPVS proxier's `syncProxyRules` (kube-proxy v1.31–v1.35,
//! `pkg/proxy/ipvs/proxier.go`) as a pure function of the shared
//! [`ProxyFacts`](super::ProxyFacts): it returns an [`IpvsState`] for one node and IP
//! family — the [`VirtualServer`]s with their [`RealServer`]s (what `ipvsadm -Ln` lists),
//! the addresses bound to the dummy interface `kube-ipvs0`, every [`IpSet`] with its type
//! and members (`ipset list`), and the iptables rules IPVS mode still writes, as the same
//! typed [`Rule`]s the iptables mode uses ([`IpvsState::iptables`], printed nat first as
//! kube-proxy hands them to `iptables-restore`).
//!
//! The kernel side lives in [`kernel`] (one virtual service with its destination list,
//! connection table, counters and persistence) and [`schedulers`] (rr, wrr, lc, wlc, sed,
//! nq, fo, ovf, sh, dh, mh, lblc as deterministic state machines); [`trace`] walks a
//! packet through the rules and the virtual servers. (Choosing the scheduler in the
//! scenario text is a text edit: [`crate::actions::scheduler`].)

pub mod kernel;
pub mod proto;
mod render;
pub mod schedulers;
mod trace;

pub use render::{carry_over_graceful, render};
pub use trace::{IPVS_TABLE, trace};

use super::Protocol;
use super::iptables::{Rule, Ruleset, TableName};
use crate::model::ip::{Cidr, IpFamily, join_host_port};
use schedulers::{RealServerIndex, SchedulerName, flags};
use std::fmt;
use std::net::IpAddr;

/// The dummy interface the service addresses are bound to.
pub const DUMMY_DEVICE: &str = "kube-ipvs0";

/// How IPVS forwards to a real server (`IP_VS_CONN_F_FWD_MASK`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ForwardMethod {
    /// NAT: what kube-proxy always uses.
    Masq,
    Local,
    Tunnel,
    /// Direct routing.
    Route,
}

impl ForwardMethod {
    /// The name `ipvsadm -L` prints.
    pub fn name(self) -> &'static str {
        match self {
            ForwardMethod::Masq => "Masq",
            ForwardMethod::Local => "Local",
            ForwardMethod::Tunnel => "Tunnel",
            ForwardMethod::Route => "Route",
        }
    }
}

/// Which address of a Service a virtual server answers on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntryPoint {
    ClusterIp,
    ExternalIp,
    LoadBalancer,
    /// One node address with the NodePort.
    NodePort,
}

impl EntryPoint {
    pub fn describe(self) -> &'static str {
        match self {
            EntryPoint::ClusterIp => "cluster IP",
            EntryPoint::ExternalIp => "external IP",
            EntryPoint::LoadBalancer => "load-balancer IP",
            EntryPoint::NodePort => "node port",
        }
    }
}

/// One real server of a virtual server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RealServer {
    pub address: IpAddr,
    pub port: u16,
    pub weight: i32,
    pub forward: ForwardMethod,
    pub active_conns: u32,
    pub inactive_conns: u32,
    /// Index into the service port's `endpoints` (the endpoint it was made for).
    pub endpoint: Option<usize>,
}

impl RealServer {
    /// `ip:port` (`[ip]:port` for IPv6), kube-proxy's `RealServer.String()`.
    pub fn address_port(&self) -> String {
        join_host_port(&self.address, self.port)
    }
}

/// One IPVS virtual server (`utilipvs.VirtualServer` plus its real servers).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VirtualServer {
    pub address: IpAddr,
    pub protocol: Protocol,
    pub port: u16,
    /// The scheduler (`ipvs.scheduler`, default `rr`).
    pub scheduler: SchedulerName,
    /// `IP_VS_SVC_F_*` flags: persistent (ClientIP affinity), `mh-port` for mh.
    pub flags: u32,
    /// The persistence timeout in seconds (with the persistent flag).
    pub timeout: u32,
    /// The persistence netmask as a prefix length (/32 or /128).
    pub netmask: u8,
    pub entry: EntryPoint,
    /// Index into [`ProxyFacts::service_ports`](super::ProxyFacts) of the service port.
    pub service_port: usize,
    /// The real servers in the order kube-proxy adds them (the kernel's walk order is
    /// the reverse: each new one goes to the head of its list).
    pub real_servers: Vec<RealServer>,
}

impl VirtualServer {
    pub fn persistent(&self) -> bool {
        self.flags & flags::PERSISTENT != 0
    }

    /// `ip:port/PROTO`, kube-proxy's `VirtualServer.String()`.
    pub fn identity(&self) -> String {
        format!(
            "{}/{}",
            join_host_port(&self.address, self.port),
            self.protocol.as_str()
        )
    }

    /// The virtual service as the kernel holds it after kube-proxy's sync: created
    /// empty, then each real server added (to the head of the list) in kube-proxy's
    /// order, all at time `now`.
    pub fn kernel_service(
        &self,
        timeouts: kernel::Timeouts,
        now: kernel::SimTime,
    ) -> kernel::IpvsService {
        let mut service = kernel::IpvsService::new(
            self.protocol,
            self.address,
            self.port,
            self.scheduler,
            self.flags,
            self.timeout,
            now,
        );
        service.timeouts = timeouts;
        for rs in &self.real_servers {
            service.add_real_server(rs.address, rs.port, rs.weight);
        }
        service
    }

    /// The real servers in the kernel's walk order, with their kernel indexes.
    pub fn kernel_order(&self) -> Vec<(RealServerIndex, &RealServer)> {
        self.real_servers
            .iter()
            .enumerate()
            .rev()
            .map(|(i, rs)| (RealServerIndex(i), rs))
            .collect()
    }
}

/// The ipset types kube-proxy uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SetType {
    HashIp,
    HashIpPort,
    HashIpPortIp,
    HashIpPortNet,
    BitmapPort,
}

impl SetType {
    pub fn as_str(self) -> &'static str {
        match self {
            SetType::HashIp => "hash:ip",
            SetType::HashIpPort => "hash:ip,port",
            SetType::HashIpPortIp => "hash:ip,port,ip",
            SetType::HashIpPortNet => "hash:ip,port,net",
            SetType::BitmapPort => "bitmap:port",
        }
    }

    /// The revision Linux 6.1 creates the set with (what `ipset list` shows).
    pub fn revision(self) -> u32 {
        match self {
            SetType::HashIp => 5,
            SetType::HashIpPort | SetType::HashIpPortIp => 6,
            SetType::HashIpPortNet => 8,
            SetType::BitmapPort => 3,
        }
    }
}

/// One member of a set, in the syntax kube-proxy writes and `ipset list` prints back.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum SetEntry {
    /// hash:ip — `10.96.0.1`.
    Ip(IpAddr),
    /// hash:ip,port — `10.96.0.1,tcp:443`.
    IpPort {
        ip: IpAddr,
        protocol: Protocol,
        port: u16,
    },
    /// hash:ip,port,ip — `10.244.1.5,tcp:8080,10.244.1.5`.
    IpPortIp {
        ip: IpAddr,
        protocol: Protocol,
        port: u16,
        ip2: IpAddr,
    },
    /// hash:ip,port,net — `1.2.3.4,tcp:80,10.0.0.0/8`.
    IpPortNet {
        ip: IpAddr,
        protocol: Protocol,
        port: u16,
        net: Cidr,
    },
    /// bitmap:port — `30080`.
    Port(u16),
}

impl fmt::Display for SetEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SetEntry::Ip(ip) => write!(f, "{ip}"),
            SetEntry::IpPort { ip, protocol, port } => {
                write!(f, "{ip},{}:{port}", protocol.lower())
            }
            SetEntry::IpPortIp {
                ip,
                protocol,
                port,
                ip2,
            } => write!(f, "{ip},{}:{port},{ip2}", protocol.lower()),
            SetEntry::IpPortNet {
                ip,
                protocol,
                port,
                net,
            } => write!(f, "{ip},{}:{port},{net}", protocol.lower()),
            SetEntry::Port(port) => write!(f, "{port}"),
        }
    }
}

/// One ipset kube-proxy maintains.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IpSet {
    /// The name on this proxier (`KUBE-6-…` on the IPv6 proxier).
    pub name: String,
    /// The IPv4 name, kube-proxy's constant (what its tests use on either family).
    pub base_name: &'static str,
    pub set_type: SetType,
    pub family: IpFamily,
    /// The comment kube-proxy puts on the iptables rules that use the set.
    pub comment: &'static str,
    /// The members, deduplicated, in `ipset list -sorted` order (bitmap sets always
    /// list ascending; hash sets in the kernel's bucket order, which svcplay replaces
    /// with a sorted listing).
    pub entries: Vec<SetEntry>,
    /// Per member, the service port (and endpoint) it was added for.
    pub sources: Vec<super::RuleSource>,
}

impl IpSet {
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Whether a packet matches the set with `--match-set NAME FLAGS`.
    pub fn matches(
        &self,
        flags: &str,
        src: &IpAddr,
        dst: &IpAddr,
        protocol: Protocol,
        dport: u16,
    ) -> bool {
        let dims: Vec<&str> = flags.split(',').collect();
        let addr = |i: usize| match dims.get(i) {
            Some(&"src") => src,
            _ => dst,
        };
        self.entries.iter().any(|e| match e {
            SetEntry::Ip(ip) => ip == addr(0),
            SetEntry::Port(port) => *port == dport,
            SetEntry::IpPort {
                ip,
                protocol: p,
                port,
            } => ip == addr(0) && *p == protocol && *port == dport,
            SetEntry::IpPortIp {
                ip,
                protocol: p,
                port,
                ip2,
            } => ip == addr(0) && *p == protocol && *port == dport && ip2 == addr(2),
            SetEntry::IpPortNet {
                ip,
                protocol: p,
                port,
                net,
            } => ip == addr(0) && *p == protocol && *port == dport && net.contains(addr(2)),
        })
    }
}

/// Everything kube-proxy's IPVS proxier programs on one node for one IP family.
#[derive(Clone, Debug, PartialEq)]
pub struct IpvsState {
    pub family: IpFamily,
    /// The virtual servers in the order the sync creates them.
    pub virtual_servers: Vec<VirtualServer>,
    /// The addresses bound to kube-ipvs0, in the order they were bound.
    pub bound_addresses: Vec<IpAddr>,
    /// Per bound address, the service port that bound it first.
    pub bound_sources: Vec<super::RuleSource>,
    /// Every set, in kube-proxy's `ipsetInfo` order.
    pub ipsets: Vec<IpSet>,
    /// The rules kube-proxy passes to `iptables-restore --noflush`: nat and filter
    /// tables, chains in declaration order, rules in writing order.
    pub iptables: Ruleset,
    /// The IPVS protocol timeouts kube-proxy sets (or the kernel's defaults).
    pub timeouts: kernel::Timeouts,
    /// The jump rules from the built-in chains, in the order they end up in each chain
    /// (kube-proxy inserts them at the top with `iptables -I`, outside the restore).
    pub jumps: Vec<(TableName, Rule)>,
}

impl IpvsState {
    /// The set with IPv4 name `base_name` (`KUBE-CLUSTER-IP`…) on this proxier.
    pub fn ipset(&self, base_name: &str) -> Option<&IpSet> {
        self.ipsets.iter().find(|s| s.base_name == base_name)
    }

    /// The set named `name` as `ipset` knows it on this proxier.
    pub fn ipset_named(&self, name: &str) -> Option<&IpSet> {
        self.ipsets.iter().find(|s| s.name == name)
    }

    /// How many iptables rules reference set `name` (`References:` of `ipset list`).
    pub fn references(&self, name: &str) -> usize {
        self.iptables
            .nat
            .rules
            .iter()
            .chain(self.iptables.filter.rules.iter())
            .filter(|r| {
                r.args
                    .iter()
                    .any(|a| matches!(a, super::iptables::Arg::MatchSet { set, .. } if set == name))
            })
            .count()
    }

    /// The virtual server for a destination, if IPVS has one.
    pub fn virtual_server(
        &self,
        address: &IpAddr,
        protocol: Protocol,
        port: u16,
    ) -> Option<&VirtualServer> {
        self.virtual_servers
            .iter()
            .find(|v| v.address == *address && v.protocol == protocol && v.port == port)
    }

    /// The iptables-restore input kube-proxy writes: nat, then filter.
    pub fn restore_input(&self) -> RestoreInput<'_> {
        RestoreInput(&self.iptables)
    }

    /// The iptables rules of IPVS mode as `iptables-save` would find them: per table,
    /// the built-in chains' jump rules first, then kube-proxy's chains sorted by name
    /// (iptables-legacy lists user chains alphabetically), rules grouped by chain in
    /// writing order. `chains` lists only kube-proxy's own chains; the rules of the
    /// built-in chains (PREROUTING, INPUT, FORWARD, OUTPUT, POSTROUTING) come first.
    pub fn save_ruleset(&self) -> Ruleset {
        let arrange = |name: TableName| {
            let Some(table) = self.iptables.table(name) else {
                return super::iptables::Table {
                    name,
                    chains: Vec::new(),
                    rules: Vec::new(),
                };
            };
            let builtin_order = ["PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"];
            let mut rules: Vec<Rule> = Vec::new();
            for chain in builtin_order {
                rules.extend(
                    self.jumps
                        .iter()
                        .filter(|(t, r)| *t == name && &*r.chain == chain)
                        .map(|(_, r)| r.clone()),
                );
            }
            let mut chains = table.chains.clone();
            crate::sort::sort(&mut chains);
            for chain in &chains {
                rules.extend(table.chain(chain).cloned());
            }
            super::iptables::Table {
                name,
                chains,
                rules,
            }
        };
        Ruleset {
            family: self.family,
            filter: arrange(TableName::Filter),
            nat: arrange(TableName::Nat),
        }
    }
}

/// The iptables-restore payload of IPVS mode: `*nat` … `COMMIT`, `*filter` … `COMMIT`.
pub struct RestoreInput<'a>(pub &'a Ruleset);

impl RestoreInput<'_> {
    /// The payload line by line: nat, then filter.
    pub fn write_lines(&self, sink: &mut dyn super::lines::LineSink) -> fmt::Result {
        self.0.nat.write_lines(sink, READER)?;
        self.0.filter.write_lines(sink, READER)
    }
}

/// How IPVS mode's iptables rules read: written by `writeIptablesRules`, its set
/// matches known.
pub const READER: super::iptables::Reader = super::iptables::Reader {
    by: super::lines::By::IpvsIptables,
    what: rule_what,
};

/// What one of IPVS mode's iptables rules does: a rule matching one of its sets by the
/// set's purpose, any other as iptables mode reads it.
pub fn rule_what(rule: &Rule) -> super::lines::What {
    use super::iptables::Arg;
    use super::lines::{SetRole, What};
    let set = rule.args.iter().find_map(|a| match a {
        Arg::MatchSet { set, .. } => Some(set.as_str()),
        _ => None,
    });
    match set.and_then(set_purpose) {
        Some(purpose) => What::SetRule {
            set: SetRole::Ipvs(purpose),
            action: rule.action(),
        },
        None => rule.what(),
    }
}

/// The purpose of one of kube-proxy's sets, by its name on either family's proxier.
pub fn set_purpose(name: &str) -> Option<super::lines::IpvsSet> {
    use super::lines::IpvsSet as P;
    let base = name.replacen("KUBE-6-", "KUBE-", 1);
    Some(match base.as_str() {
        "KUBE-LOOP-BACK" => P::LoopBack,
        "KUBE-CLUSTER-IP" => P::ClusterIp,
        "KUBE-EXTERNAL-IP" => P::ExternalIp,
        "KUBE-EXTERNAL-IP-LOCAL" => P::ExternalIpLocal,
        "KUBE-LOAD-BALANCER" => P::LoadBalancer,
        "KUBE-LOAD-BALANCER-FW" => P::LoadBalancerFw,
        "KUBE-LOAD-BALANCER-LOCAL" => P::LoadBalancerLocal,
        "KUBE-LOAD-BALANCER-SOURCE-IP" => P::LoadBalancerSourceIp,
        "KUBE-LOAD-BALANCER-SOURCE-CIDR" => P::LoadBalancerSourceCidr,
        "KUBE-HEALTH-CHECK-NODE-PORT" => P::HealthCheckNodePort,
        "KUBE-IPVS-IPS" => P::IpvsIps,
        b if b.starts_with("KUBE-NODE-PORT-LOCAL-") => P::NodePortLocal,
        b if b.starts_with("KUBE-NODE-PORT-") => P::NodePort,
        _ => return None,
    })
}

impl EntryPoint {
    /// The Service address a virtual server answers on, in the words every mode shares.
    pub fn entry(self, address: IpAddr) -> super::lines::Entry {
        match self {
            EntryPoint::NodePort => super::lines::Entry::NodePort,
            _ => super::lines::Entry::Address(address),
        }
    }
}

impl fmt::Display for RestoreInput<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_lines(&mut super::lines::FmtSink(f))
    }
}
