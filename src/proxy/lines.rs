//! Output lines with their typed source: how every mode prints what it writes.
//!
//! Each listing of a mode (the iptables-restore input and `iptables-save`, the nft
//! transaction and `nft list`, `ipvsadm`, `ipset`, kube-ipvs0's addresses, the userspace
//! proxier's description) is written line by line into a [`LineSink`], each line with the
//! [`LineSource`] of the typed value it prints:
//!
//! - [`RuleSource`]: the service port and endpoint it was written for;
//! - [`ConfigFields`]: the configuration fields that shaped it;
//! - [`By`]: who writes the line — the upstream function of kube-proxy that writes it
//!   (its fixed rules included: they come from `syncProxyRules`, `setupNFTables`,
//!   `writeIptablesRules`…), the kernel (built-in chains), or the tool that prints it
//!   (`iptables-save`'s header, `ipvsadm`'s banner…);
//! - [`What`]: what the line does, read off the typed value (a DNAT to an endpoint, one
//!   step of the random choice, a jump for a ClusterIP…), from which
//!   [`super::explain`] words a plain-language explanation.
//!
//! The `Display` of an output is the same writer with a sink that drops the sources
//! ([`FmtSink`]), so the text and its provenance cannot disagree;
//! [`Proxier::lines`](super::Proxier::lines) keeps them. A line that prints several
//! typed values (nft lists two IPv4 set elements to a line) has one source and the
//! others as [`LineSink::also`].

use super::RuleSource;
use crate::model::ip::IpFamily;
use std::fmt;
use std::net::IpAddr;

/// Configuration fields a line depends on, as a set of bits.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct ConfigFields(u16);

/// One field of the KubeProxyConfiguration or the NodeRuntime that shapes rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ConfigField {
    /// `iptables.masqueradeBit` / `nftables.masqueradeBit`: the mark value.
    MasqueradeBit,
    /// `detectLocalMode` with `clusterCIDR` (or the node's podCIDR, the bridge or the
    /// interface prefix): the local-traffic match.
    DetectLocal,
    /// The NodeRuntime's `randomFully`: `MASQUERADE --random-fully`.
    RandomFully,
    /// The NodeRuntime's `nfacct`: the `-m nfacct` counters.
    Nfacct,
    /// `masqueradeAll`: every ClusterIP packet masqueraded.
    MasqueradeAll,
    /// `ipvs.scheduler`: how IPVS picks a real server.
    IpvsScheduler,
    /// `nodePortAddresses`: which node addresses accept NodePort traffic.
    NodePortAddresses,
    /// The NodeRuntime's `conntrackTCPBeLiberal` (the node's
    /// `nf_conntrack_tcp_be_liberal`): no DROP of INVALID packets when set.
    ConntrackTcpBeLiberal,
    /// `iptables.localhostNodePorts`: NodePorts on 127.0.0.1.
    LocalhostNodePorts,
}

impl ConfigField {
    pub const ALL: [ConfigField; 9] = [
        ConfigField::MasqueradeBit,
        ConfigField::DetectLocal,
        ConfigField::RandomFully,
        ConfigField::Nfacct,
        ConfigField::MasqueradeAll,
        ConfigField::IpvsScheduler,
        ConfigField::NodePortAddresses,
        ConfigField::ConntrackTcpBeLiberal,
        ConfigField::LocalhostNodePorts,
    ];

    fn bit(self) -> u16 {
        1 << (self as u16)
    }

    /// The field path in its document.
    pub fn path(self) -> &'static str {
        match self {
            ConfigField::MasqueradeBit => "iptables.masqueradeBit",
            ConfigField::DetectLocal => "detectLocalMode",
            ConfigField::RandomFully => "randomFully",
            ConfigField::Nfacct => "nfacct",
            ConfigField::MasqueradeAll => "masqueradeAll",
            ConfigField::IpvsScheduler => "ipvs.scheduler",
            ConfigField::NodePortAddresses => "nodePortAddresses",
            ConfigField::ConntrackTcpBeLiberal => "conntrackTCPBeLiberal",
            ConfigField::LocalhostNodePorts => "iptables.localhostNodePorts",
        }
    }

    /// Whether the field is the NodeRuntime's (else the KubeProxyConfiguration's).
    pub fn of_node_runtime(self) -> bool {
        matches!(
            self,
            ConfigField::RandomFully | ConfigField::Nfacct | ConfigField::ConntrackTcpBeLiberal
        )
    }
}

impl ConfigFields {
    pub const NONE: ConfigFields = ConfigFields(0);

    pub fn with(self, field: ConfigField) -> ConfigFields {
        ConfigFields(self.0 | field.bit())
    }

    pub fn contains(self, field: ConfigField) -> bool {
        self.0 & field.bit() != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn iter(self) -> impl Iterator<Item = ConfigField> {
        ConfigField::ALL
            .into_iter()
            .filter(move |f| self.contains(*f))
    }
}

/// Who writes a line: a function of kube-proxy (named as upstream names it), the kernel,
/// or the tool that prints the listing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum By {
    /// iptables mode's `syncProxyRules` (`pkg/proxy/iptables/proxier.go`): the restore
    /// input, its fixed chains and rules included.
    IptablesSync,
    /// The jumps from the built-in chains, which `syncProxyRules` ensures one by one
    /// (`iptablesJumpChains`, `EnsureChain` and `EnsureRule`) before the restore.
    IptablesJumps,
    /// The canary chain of the iptables monitor (`NewProxier` runs `ipt.Monitor`).
    IptablesCanary,
    /// IPVS mode's `syncProxyRules` (`pkg/proxy/ipvs/proxier.go`): virtual servers, real
    /// servers, set members, kube-ipvs0's addresses.
    IpvsSync,
    /// IPVS mode's `writeIptablesRules`: the iptables rules IPVS mode keeps.
    IpvsIptables,
    /// IPVS mode's `createAndLinkKubeChain`: its chains and the jumps into them.
    IpvsJumps,
    /// IPVS mode's sets (`ipsetInfo`, created by `NewIPSet`).
    IpvsSets,
    /// nftables mode's `setupNFTables` (`pkg/proxy/nftables/proxier.go`): the table,
    /// base chains, sets, maps and fixed rules.
    NftSetup,
    /// nftables mode's `syncProxyRules`: per-service chains, rules and elements.
    NftSync,
    /// The userspace proxier of v1.25 (`pkg/proxy/userspace/proxier.go`: `openPortal`,
    /// `openNodePort`, the proxy sockets).
    Userspace,
    /// The kernel: a table's built-in chains exist before anyone writes.
    Kernel,
    /// `iptables-save`'s own lines (headers, `*table`, `COMMIT`).
    IptablesSave,
    /// `nft list`'s own lines (braces, blank lines between objects).
    NftList,
    /// `ipvsadm`'s banner and column headings.
    Ipvsadm,
    /// `ipset list`'s own lines.
    Ipset,
    /// iproute2's `ip addr show`.
    IpAddr,
    /// svcplay's own lines (the userspace mode's description, a family's heading).
    Svcplay,
}

impl By {
    /// Whether kube-proxy writes the line (else the kernel, a tool or svcplay).
    pub fn is_kube_proxy(self) -> bool {
        matches!(
            self,
            By::IptablesSync
                | By::IptablesJumps
                | By::IptablesCanary
                | By::IpvsSync
                | By::IpvsIptables
                | By::IpvsJumps
                | By::IpvsSets
                | By::NftSetup
                | By::NftSync
                | By::Userspace
        )
    }

    /// Who: `kube-proxy`, `iptables-save`, `the kernel`…
    pub fn component(self) -> &'static str {
        match self {
            _ if self.is_kube_proxy() => "kube-proxy",
            By::Kernel => "the kernel",
            By::IptablesSave => "iptables-save",
            By::NftList => "nft",
            By::Ipvsadm => "ipvsadm",
            By::Ipset => "ipset",
            By::IpAddr => "ip",
            _ => "svcplay",
        }
    }

    /// The upstream source file and function that writes the line.
    pub fn upstream(self) -> &'static str {
        match self {
            By::IptablesSync => "pkg/proxy/iptables/proxier.go: syncProxyRules",
            By::IptablesJumps => {
                "pkg/proxy/iptables/proxier.go: syncProxyRules (iptablesJumpChains, EnsureRule)"
            }
            By::IptablesCanary => {
                "pkg/proxy/iptables/proxier.go: NewProxier (ipt.Monitor, kubeProxyCanaryChain)"
            }
            By::IpvsSync => "pkg/proxy/ipvs/proxier.go: syncProxyRules (syncService, syncEndpoint)",
            By::IpvsIptables => "pkg/proxy/ipvs/proxier.go: writeIptablesRules",
            By::IpvsJumps => "pkg/proxy/ipvs/proxier.go: createAndLinkKubeChain",
            By::IpvsSets => "pkg/proxy/ipvs/proxier.go: ipsetInfo (NewIPSet)",
            By::NftSetup => "pkg/proxy/nftables/proxier.go: setupNFTables",
            By::NftSync => "pkg/proxy/nftables/proxier.go: syncProxyRules",
            By::Userspace => "pkg/proxy/userspace/proxier.go (v1.25): openPortal, openNodePort",
            By::Kernel => "net/netfilter: the table's built-in chains",
            By::IptablesSave => "iptables 1.8.9: iptables-save",
            By::NftList => "nftables 1.0.6: nft list",
            By::Ipvsadm => "ipvsadm 1.31: list_all",
            By::Ipset => "ipset 7.17: ipset list",
            By::IpAddr => "iproute2: ip addr show",
            By::Svcplay => "svcplay",
        }
    }
}

/// A Service address a rule is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Entry {
    /// One of the Service's addresses (its ClusterIP, an external IP or a load-balancer
    /// IP: which one is read off the facts).
    Address(IpAddr),
    /// The NodePort on the node's addresses.
    NodePort,
    /// The NodePort on 127.0.0.1 (`localhostNodePorts`, iptables mode only).
    LocalhostNodePort,
}

/// What a chain is for, by kube-proxy's names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ChainRole {
    /// KUBE-SERVICES, nft `services`: the dispatch on Service addresses.
    Services,
    /// KUBE-NODEPORTS: the dispatch on NodePorts.
    NodePorts,
    /// KUBE-EXTERNAL-SERVICES: filters for external traffic to Services without endpoints.
    ExternalServices,
    /// KUBE-FORWARD: forwarding of Service traffic.
    Forward,
    /// KUBE-PROXY-FIREWALL, nft `firewall-check`: loadBalancerSourceRanges.
    ProxyFirewall,
    /// KUBE-FIREWALL: blocks martian localhost traffic.
    Firewall,
    /// KUBE-POSTROUTING, nft `masquerading`: the masquerade of marked packets.
    Postrouting,
    /// KUBE-MARK-MASQ, nft `mark-for-masquerade`.
    MarkMasq,
    /// KUBE-PROXY-CANARY.
    Canary,
    /// KUBE-SVC-…, nft `service-…`: the cluster-wide endpoints of a service port.
    ServiceCluster,
    /// KUBE-SVL-…, nft `local-…`: the node-local endpoints.
    ServiceLocal,
    /// KUBE-EXT-…, nft `external-…`: traffic from outside to a service port.
    External,
    /// KUBE-FW-…, nft `firewall-…`: a load balancer's source ranges.
    LoadBalancerFirewall,
    /// KUBE-SEP-…, nft `endpoint-…`: one endpoint.
    Endpoint,
    /// A built-in chain (PREROUTING, INPUT…) or an nft base chain.
    Builtin,
    /// Another chain of kube-proxy's (IPVS mode's KUBE-LOAD-BALANCER, KUBE-NODE-PORT…, nft
    /// mode's checks).
    Other,
}

impl ChainRole {
    /// The role of an iptables chain, by its name.
    pub fn of_iptables(name: &str) -> ChainRole {
        match name {
            "KUBE-SERVICES" => ChainRole::Services,
            "KUBE-NODEPORTS" => ChainRole::NodePorts,
            "KUBE-EXTERNAL-SERVICES" => ChainRole::ExternalServices,
            "KUBE-FORWARD" => ChainRole::Forward,
            "KUBE-PROXY-FIREWALL" => ChainRole::ProxyFirewall,
            "KUBE-FIREWALL" => ChainRole::Firewall,
            "KUBE-POSTROUTING" => ChainRole::Postrouting,
            "KUBE-MARK-MASQ" => ChainRole::MarkMasq,
            "KUBE-PROXY-CANARY" | "KUBE-KUBELET-CANARY" => ChainRole::Canary,
            "PREROUTING" | "INPUT" | "FORWARD" | "OUTPUT" | "POSTROUTING" => ChainRole::Builtin,
            n if n.starts_with("KUBE-SVC-") => ChainRole::ServiceCluster,
            n if n.starts_with("KUBE-SVL-") => ChainRole::ServiceLocal,
            n if n.starts_with("KUBE-EXT-") || n.starts_with("KUBE-XLB-") => ChainRole::External,
            n if n.starts_with("KUBE-FW-") => ChainRole::LoadBalancerFirewall,
            n if n.starts_with("KUBE-SEP-") => ChainRole::Endpoint,
            _ => ChainRole::Other,
        }
    }

    /// The role of an nft chain of kube-proxy's table, by its name.
    pub fn of_nft(name: &str) -> ChainRole {
        match name {
            "services" => ChainRole::Services,
            "firewall-check" => ChainRole::ProxyFirewall,
            "masquerading" => ChainRole::Postrouting,
            "mark-for-masquerade" => ChainRole::MarkMasq,
            n if n.starts_with("filter-") || n.starts_with("nat-") => ChainRole::Builtin,
            n if n.starts_with("service-") => ChainRole::ServiceCluster,
            n if n.starts_with("local-") => ChainRole::ServiceLocal,
            n if n.starts_with("external-") => ChainRole::External,
            n if n.starts_with("firewall-") => ChainRole::LoadBalancerFirewall,
            n if n.starts_with("endpoint-") => ChainRole::Endpoint,
            _ => ChainRole::Other,
        }
    }

    /// Whether a chain of this role belongs to one service port (its name hashes it).
    pub fn is_per_service(self) -> bool {
        matches!(
            self,
            ChainRole::ServiceCluster
                | ChainRole::ServiceLocal
                | ChainRole::External
                | ChainRole::LoadBalancerFirewall
                | ChainRole::Endpoint
        )
    }
}

/// A set or map kube-proxy keeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SetRole {
    /// One of IPVS mode's ipsets.
    Ipvs(IpvsSet),
    /// nft `cluster-ips`: every ClusterIP.
    ClusterIps,
    /// nft `nodeport-ips`: the node addresses that accept NodePorts.
    NodePortIps,
    /// nft `service-ips`: Service address and port → the Service's chain.
    ServiceIps,
    /// nft `service-nodeports`: NodePort → the Service's chain.
    ServiceNodePorts,
    /// nft `no-endpoint-services`: Service address and port → drop or reject.
    NoEndpointServices,
    /// nft `no-endpoint-nodeports`: NodePort → drop or reject.
    NoEndpointNodePorts,
    /// nft `firewall-ips`: load-balancer address and port → its firewall chain.
    FirewallIps,
    /// nft `affinity-…`: the clients of one endpoint under ClientIP affinity.
    Affinity,
}

impl SetRole {
    /// The role of an nft set or map, by its name.
    pub fn of_nft(name: &str) -> SetRole {
        match name {
            "cluster-ips" => SetRole::ClusterIps,
            "nodeport-ips" => SetRole::NodePortIps,
            "service-ips" => SetRole::ServiceIps,
            "service-nodeports" => SetRole::ServiceNodePorts,
            "no-endpoint-services" => SetRole::NoEndpointServices,
            "no-endpoint-nodeports" => SetRole::NoEndpointNodePorts,
            "firewall-ips" => SetRole::FirewallIps,
            _ => SetRole::Affinity,
        }
    }
}

/// IPVS mode's ipsets (kube-proxy's `ipsetInfo`), by purpose.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IpvsSet {
    /// KUBE-LOOP-BACK: endpoint, port and the same endpoint as source (hairpin).
    LoopBack,
    /// KUBE-CLUSTER-IP: ClusterIP and port.
    ClusterIp,
    /// KUBE-EXTERNAL-IP: external IP and port.
    ExternalIp,
    /// KUBE-EXTERNAL-IP-LOCAL: external IP and port of a Local-policy Service.
    ExternalIpLocal,
    /// KUBE-LOAD-BALANCER: load-balancer IP and port.
    LoadBalancer,
    /// KUBE-LOAD-BALANCER-FW: load-balancer IP and port with source ranges.
    LoadBalancerFw,
    /// KUBE-LOAD-BALANCER-LOCAL: load-balancer IP and port of a Local-policy Service.
    LoadBalancerLocal,
    /// KUBE-LOAD-BALANCER-SOURCE-IP: load-balancer IP, port and an allowed source IP.
    LoadBalancerSourceIp,
    /// KUBE-LOAD-BALANCER-SOURCE-CIDR: load-balancer IP, port and an allowed source range.
    LoadBalancerSourceCidr,
    /// KUBE-NODE-PORT-TCP/UDP/SCTP-HASH: NodePorts.
    NodePort,
    /// KUBE-NODE-PORT-LOCAL-…: NodePorts of Local-policy Services.
    NodePortLocal,
    /// KUBE-HEALTH-CHECK-NODE-PORT: health-check NodePorts.
    HealthCheckNodePort,
    /// KUBE-IPVS-IPS: every address bound to kube-ipvs0.
    IpvsIps,
}

/// What a rule does when it matches, for rules read generically.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    Accept,
    Drop,
    Reject,
    Return,
    /// Continues in another chain.
    Jump(ChainRole),
    /// Marks the packet for masquerade.
    MarkMasq,
    Masquerade,
    /// Only counts (no verdict).
    Count,
}

/// What a line does, read off the typed value it prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum What {
    /// A line of the listing's own layout: a table header, `COMMIT`, a brace, a blank line.
    Layout,
    /// A comment svcplay adds.
    Note,
    /// A chain is declared (created, or flushed before it is written again).
    Chain(ChainRole),
    /// A set or map is declared, or a line of its header.
    Set(SetRole),
    /// A member of a set (an IPVS ipset's member, an nft set's element).
    Member(SetRole),
    /// Traffic to a Service address goes on to one of the Service's chains.
    Entry { entry: Entry, to: ChainRole },
    /// Traffic to a Service address with no endpoints is rejected (none at all) or
    /// dropped (none for its traffic policy).
    NoEndpoints { entry: Entry, reject: bool },
    /// Load-balancer traffic not from an allowed source is dropped.
    FirewallDrop,
    /// Load-balancer traffic from an allowed source goes on.
    AllowSourceRange,
    /// The rest of the load balancer's traffic is left for KUBE-PROXY-FIREWALL to drop.
    FirewallRest,
    /// The health-check NodePort is accepted.
    HealthCheck,
    /// ClusterIP traffic from outside the pod network is marked for masquerade.
    MasqueradeOffCluster,
    /// Every ClusterIP packet is marked for masquerade (`masqueradeAll`).
    MasqueradeAll,
    /// External traffic to a Cluster-policy Service is marked for masquerade.
    MasqueradeExternal,
    /// Traffic from local pods to an external address of a Local-policy Service takes
    /// the cluster-wide endpoints.
    PodShortCircuit,
    /// The node's own traffic to an external address is marked for masquerade.
    MasqueradeHost,
    /// The node's own traffic to an external address takes the cluster-wide endpoints.
    HostShortCircuit,
    /// External traffic goes to the endpoints its policy allows.
    ExternalDispatch { local: bool },
    /// A client seen recently (ClientIP affinity) goes back to the same endpoint.
    AffinityHit,
    /// One step of iptables' random cascade: matches with probability `1/remaining` of
    /// the connections not taken by the rules before it.
    Pick { remaining: u32, local: bool },
    /// The last step of the cascade: everything left.
    PickRest { local: bool },
    /// nftables' uniform choice among `n` endpoints.
    PickUniform { n: u32, local: bool },
    /// An endpoint reaching itself through the Service is masqueraded (hairpin).
    Hairpin,
    /// The destination is rewritten to the endpoint.
    Dnat { affinity: bool },
    /// The client is remembered for ClientIP affinity.
    AffinityRecord,
    /// Packets not marked for masquerade leave KUBE-POSTROUTING untouched.
    SkipUnmarked,
    /// The mark is cleared (so a re-routed packet is not masqueraded twice).
    ClearMark,
    /// Marked packets are masqueraded (source NAT to the node's address).
    Masquerade,
    /// The packet gets the masquerade mark.
    MarkForMasquerade,
    /// Packets conntrack calls INVALID are dropped.
    DropInvalid,
    /// Forwarded packets marked by kube-proxy are accepted.
    AcceptMarked,
    /// Forwarded packets of known connections are accepted.
    AcceptEstablished,
    /// Martian traffic to 127.0.0.0/8 from elsewhere is dropped.
    BlockLocalnet,
    /// KUBE-SERVICES' last rule: traffic to a local address goes to KUBE-NODEPORTS.
    ToNodePorts,
    /// A jump from a built-in or base chain into kube-proxy's chain.
    Jump(ChainRole),
    /// nft: traffic to a ClusterIP on a port no Service uses is rejected.
    RejectInvalidPort,
    /// nft: traffic to an unallocated address of the service CIDRs is dropped.
    DropUnallocated,
    /// nft: a verdict-map lookup in one of kube-proxy's maps.
    Lookup(SetRole),
    /// nft: the helper chain's reject.
    RejectHelper,
    /// IPVS mode: a rule matching one of its sets.
    SetRule { set: SetRole, action: Action },
    /// IPVS: a virtual server for a Service address.
    VirtualServer(Entry),
    /// IPVS: a real server (an endpoint) of a virtual server.
    RealServer,
    /// IPVS: a Service address bound to kube-ipvs0, so the node accepts it.
    BoundAddress,
    /// Userspace: the proxy socket of a service port.
    ProxySocket,
    /// Userspace: a port held open for a service port.
    HeldPort,
    /// Userspace: traffic to a Service address is redirected to the proxy socket (from
    /// containers) or DNATed to it (from the host).
    Portal { entry: Entry, host: bool },
    /// Userspace: the proxy socket's port is accepted.
    AcceptProxyPort,
    /// Any other rule, read by what it does.
    Rule(Action),
}

/// What one line of output was written for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct LineSource {
    pub rule: RuleSource,
    pub config: ConfigFields,
    pub by: By,
    pub what: What,
}

impl LineSource {
    /// A line of a listing's layout (a header, a brace), by whoever prints it.
    pub fn layout(by: By) -> LineSource {
        LineSource::fixed(by, What::Layout)
    }

    /// A line written for no Service in particular.
    pub fn fixed(by: By, what: What) -> LineSource {
        LineSource {
            rule: RuleSource::default(),
            config: ConfigFields::NONE,
            by,
            what,
        }
    }

    /// A line written for a service port (and maybe one of its endpoints).
    pub fn of(by: By, rule: RuleSource, what: What) -> LineSource {
        LineSource {
            rule,
            config: ConfigFields::NONE,
            by,
            what,
        }
    }

    pub fn with_config(mut self, config: ConfigFields) -> LineSource {
        self.config = config;
        self
    }
}

/// Receives an output line by line.
pub trait LineSink {
    /// One line, without its newline, and what it was written for.
    fn line(&mut self, source: LineSource, text: fmt::Arguments<'_>) -> fmt::Result;

    /// Another source of the last line (a line printing several typed values).
    fn also(&mut self, _source: LineSource) {}

    /// The lines that follow index the facts of `family` (a listing of both families'
    /// proxiers, such as `ipvsadm` on a dual-stack node).
    fn family(&mut self, _family: IpFamily) {}

    /// Whether the sink keeps the sources (a writer may skip working them out when it
    /// does not: printing a large cluster's rules is a hot path).
    fn records_sources(&self) -> bool {
        true
    }
}

/// A sink that prints the lines (each with its newline) and forgets their sources: the
/// `Display` of every output.
pub struct FmtSink<'a, 'b>(pub &'a mut fmt::Formatter<'b>);

impl LineSink for FmtSink<'_, '_> {
    fn line(&mut self, _source: LineSource, text: fmt::Arguments<'_>) -> fmt::Result {
        self.0.write_fmt(text)?;
        self.0.write_str("\n")
    }

    fn records_sources(&self) -> bool {
        false
    }
}

/// A sink that prints into a `String` and forgets the sources.
pub struct StringSink<'a>(pub &'a mut String);

impl LineSink for StringSink<'_> {
    fn line(&mut self, _source: LineSource, text: fmt::Arguments<'_>) -> fmt::Result {
        fmt::Write::write_fmt(self.0, text)?;
        self.0.push('\n');
        Ok(())
    }

    fn records_sources(&self) -> bool {
        false
    }
}

/// A sink that keeps the text and the sources of every line.
#[derive(Clone, Debug, Default)]
pub struct Recorded {
    pub text: String,
    pub sources: Vec<LineSource>,
    /// Further sources of a line: (line index, source).
    pub also: Vec<(usize, LineSource)>,
    /// Where the facts the sources index change family: (first line, family).
    pub families: Vec<(usize, IpFamily)>,
}

impl Recorded {
    /// The family whose facts line `line`'s sources index, if the writer said.
    pub fn family_of(&self, line: usize) -> Option<IpFamily> {
        self.families
            .iter()
            .rev()
            .find(|(from, _)| *from <= line)
            .map(|(_, f)| *f)
    }
}

impl LineSink for Recorded {
    fn line(&mut self, source: LineSource, text: fmt::Arguments<'_>) -> fmt::Result {
        fmt::Write::write_fmt(&mut self.text, text)?;
        self.text.push('\n');
        self.sources.push(source);
        Ok(())
    }

    fn also(&mut self, source: LineSource) {
        if let Some(last) = self.sources.len().checked_sub(1) {
            if self.sources[last] != source {
                self.also.push((last, source));
            }
        }
    }

    fn family(&mut self, family: IpFamily) {
        if self.families.last().map(|(_, f)| *f) != Some(family) {
            self.families.push((self.sources.len(), family));
        }
    }
}

/// Writes a block of text (which may hold several lines, each ending in a newline) with
/// one source for every line: for printers that format a whole object at once.
pub fn write_block(sink: &mut dyn LineSink, source: LineSource, text: &str) -> fmt::Result {
    for line in text.lines() {
        sink.line(source, format_args!("{line}"))?;
    }
    Ok(())
}
