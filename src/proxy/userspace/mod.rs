//! kube-proxy's legacy userspace mode, as kube-proxy v1.25 ran it (the last release that
//! had it; the mode was removed in v1.26).
//!
//! In this mode kube-proxy itself carried every connection. For each Service port it
//! opened a proxy socket (a listening port on its bind address, `0.0.0.0` by default) and
//! installed iptables rules that redirect the Service's addresses to that port:
//! `KUBE-PORTALS-CONTAINER` (PREROUTING: traffic from pods and other hosts, `REDIRECT
//! --to-ports`) and `KUBE-PORTALS-HOST` (OUTPUT: the node's own traffic, `DNAT` to the
//! node's IP and the proxy port), with `KUBE-NODEPORT-CONTAINER`/`KUBE-NODEPORT-HOST` for
//! NodePorts and `KUBE-NODEPORT-NON-LOCAL` (filter INPUT) accepting new connections to the
//! proxy ports. For every accepted connection the proxy chose an endpoint with its
//! round-robin load balancer ([`roundrobin::RoundRobin`]), honouring ClientIP affinity, and
//! opened a second connection to it, so the endpoint saw the node as the client.
//!
//! Sources read (kubernetes/kubernetes, the v1.2x generation of the package, which is
//! what v1.25 shipped): `pkg/proxy/userspace/proxier.go` (`iptablesInit`, `openPortal`,
//! `openOnePortal`, `openNodePort`, `iptablesCommonPortalArgs`,
//! `iptablesContainerPortalArgs`, `iptablesHostPortalArgs`, `iptablesHostNodePortArgs`,
//! `iptablesNonLocalNodePortArgs`, `claimNodePort`), `roundrobin.go` (`LoadBalancerRR`)
//! and `port_allocator.go`.
//!
//! Two things the real proxy chose at random are derived here so the same scenario always
//! prints the same text: the proxy port (kube-proxy binds port 0 when `portRange` is
//! empty, so the kernel picks one from `net.ipv4.ip_local_port_range`, 32768–60999 by
//! default; svcplay takes SHA-256 of `namespace/name:port/PROTOCOL` into that range and
//! moves to the next free port on a collision, in the facts' order), and the order of the
//! endpoints in the round robin (kube-proxy shuffles them on every update; svcplay keeps
//! the facts' order, sorted by `ip:port`, and [`roundrobin::shuffle`] applies a seeded
//! shuffle for simulations).

pub mod roundrobin;

use super::iptables::{self, Neg, TableName};
use super::lines::{By, ChainRole, Entry, FmtSink, LineSink, LineSource, What};
use super::trace::{Hop, HopKind, Outcome, Trace};
use super::{Protocol, ProxyFacts, RuleSource, ServicePortName};
use crate::model::ip::{Cidr, IpFamily, join_host_port};
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// The last Kubernetes release with the userspace proxier.
pub const LAST_RELEASE: &str = "v1.25";
/// The release that removed it.
pub const REMOVED_IN: &str = "v1.26";

/// The kernel's default ephemeral port range (`net.ipv4.ip_local_port_range`).
pub const EPHEMERAL_PORTS: (u16, u16) = (32768, 60999);

pub const PORTALS_CONTAINER: &str = "KUBE-PORTALS-CONTAINER";
pub const PORTALS_HOST: &str = "KUBE-PORTALS-HOST";
pub const NODEPORT_CONTAINER: &str = "KUBE-NODEPORT-CONTAINER";
pub const NODEPORT_HOST: &str = "KUBE-NODEPORT-HOST";
pub const NODEPORT_NON_LOCAL: &str = "KUBE-NODEPORT-NON-LOCAL";

/// One argument group of a userspace rule: the iptables mode's typed arguments where
/// they print the same, and the three matches only the userspace proxier used.
#[derive(Clone, Debug, PartialEq)]
pub enum Arg {
    /// `-m comment`, `-d`, `--dport`, `-m addrtype --dst-type LOCAL`, as in iptables mode.
    Common(iptables::Arg),
    /// `-p tcp -m tcp`: the userspace proxier named the protocol before its module.
    Protocol(Protocol),
    /// `-m physdev ! --physdev-is-in`: not bridged in from a container.
    NotPhysdevIsIn,
    /// `-m state --state NEW`.
    StateNew,
}

impl fmt::Display for Arg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Arg::Common(a) => write!(f, "{a}"),
            Arg::Protocol(p) => write!(f, "-p {0} -m {0}", p.lower()),
            Arg::NotPhysdevIsIn => f.write_str("-m physdev ! --physdev-is-in"),
            Arg::StateNew => f.write_str("-m state --state NEW"),
        }
    }
}

/// What a userspace rule does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// `-j CHAIN`, `-j DNAT --to-destination`, `-j ACCEPT`, as in iptables mode.
    Common(iptables::Target),
    /// `-j REDIRECT --to-ports N`: to the proxy port on the receiving interface's address.
    Redirect(u16),
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Common(t) => write!(f, "{t}"),
            Target::Redirect(port) => write!(f, "-j REDIRECT --to-ports {port}"),
        }
    }
}

/// One `-A CHAIN …` rule, with its arguments in the order kube-proxy passed them.
#[derive(Clone, Debug, PartialEq)]
pub struct Rule {
    pub table: TableName,
    pub chain: String,
    pub args: Vec<Arg>,
    pub target: Target,
    /// Index into the facts' service ports, for provenance.
    pub service_port: Option<usize>,
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "-A {}", self.chain)?;
        for a in &self.args {
            write!(f, " {a}")?;
        }
        write!(f, " {}", self.target)
    }
}

/// One proxy socket: a Service port kube-proxy listened on, and where it sent connections.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProxySocket {
    /// Index into the facts' service ports.
    pub service_port: usize,
    pub name: ServicePortName,
    pub protocol: Protocol,
    /// The bind address (`0.0.0.0`).
    pub listen: IpAddr,
    pub port: u16,
    /// The endpoints (`ip:port`) the round robin cycles through, in order.
    pub endpoints: Vec<String>,
    /// Their indexes in the service port's facts.
    pub endpoint_indexes: Vec<usize>,
    /// ClientIP affinity timeout in seconds, if the Service has ClientIP affinity.
    pub affinity_timeout: Option<i64>,
}

/// A port kube-proxy held open (bound and listening, never accepting) so nothing else
/// could take it: every NodePort, and a portal port on one of the node's own addresses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeldPort {
    /// `None`: every address (a NodePort).
    pub ip: Option<IpAddr>,
    pub port: u16,
    pub protocol: Protocol,
    pub owner: ServicePortName,
}

/// Everything the userspace proxier set up on one node.
#[derive(Clone, Debug, PartialEq)]
pub struct Proxier {
    pub family: IpFamily,
    /// The node IP host-originated traffic is DNATed to.
    pub host_ip: IpAddr,
    pub sockets: Vec<ProxySocket>,
    pub held_ports: Vec<HeldPort>,
    /// The filter table's rules (`INPUT` jump first).
    pub filter: Vec<Rule>,
    /// The nat table's rules (the `PREROUTING`/`OUTPUT` jumps first).
    pub nat: Vec<Rule>,
}

impl Proxier {
    /// The proxy socket serving a destination (a portal address or NodePort) for `protocol`.
    pub fn socket_for(&self, dst: IpAddr, dport: u16, protocol: Protocol) -> Option<&ProxySocket> {
        self.nat
            .iter()
            .filter(|r| r.chain == PORTALS_CONTAINER || r.chain == NODEPORT_CONTAINER)
            .find(|r| rule_matches(r, dst, dport, protocol))
            .and_then(|r| r.service_port)
            .and_then(|i| self.sockets.iter().find(|s| s.service_port == i))
    }
}

/// Whether a portal or NodePort rule's address, port and protocol match (other matches
/// — physdev, addrtype — are about where the packet comes from and are not checked).
fn rule_matches(rule: &Rule, dst: IpAddr, dport: u16, protocol: Protocol) -> bool {
    rule.args.iter().all(|a| match a {
        Arg::Protocol(p) => *p == protocol,
        Arg::Common(iptables::Arg::DestinationPort(p)) => *p == i64::from(dport),
        Arg::Common(iptables::Arg::Destination(_, d)) => d.contains(&dst),
        _ => true,
    })
}

/// The proxy port svcplay gives a Service port (see the module documentation).
fn proxy_port(name: &ServicePortName, taken: &BTreeSet<u16>) -> u16 {
    let (low, high) = EPHEMERAL_PORTS;
    let span = u64::from(high - low) + 1;
    let digest = Sha256::digest(format!("{name}/{}", name.protocol.as_str()).as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    let start = u64::from_be_bytes(first) % span;
    (0..span)
        .map(|i| low + u16::try_from((start + i) % span).unwrap_or(0))
        .find(|p| !taken.contains(p))
        .unwrap_or(low)
}

fn comment(text: &str) -> Arg {
    Arg::Common(iptables::Arg::Comment(text.to_string()))
}

fn jump(chain: &str) -> Target {
    Target::Common(iptables::Target::Jump(chain.into()))
}

/// `iptablesCommonPortalArgs`.
fn portal_args(
    name: &str,
    protocol: Protocol,
    port: u16,
    dest: Option<IpAddr>,
    not_physdev: bool,
    dst_local: bool,
) -> Vec<Arg> {
    let mut args = vec![
        comment(name),
        Arg::Protocol(protocol),
        Arg::Common(iptables::Arg::DestinationPort(i64::from(port))),
    ];
    if let Some(ip) = dest {
        args.push(Arg::Common(iptables::Arg::Destination(
            Neg::Is,
            iptables::Address::Cidr(Cidr::host(ip)),
        )));
    }
    if not_physdev {
        args.push(Arg::NotPhysdevIsIn);
    }
    if dst_local {
        args.push(Arg::Common(iptables::Arg::DstTypeLocal(Neg::Is)));
    }
    args
}

/// Builds the userspace proxier's state on the node of `facts` (its primary family).
pub fn render(facts: &ProxyFacts) -> Proxier {
    let listen = match facts.family {
        IpFamily::IPv4 => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        IpFamily::IPv6 => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
    };
    // With the default bind address, host traffic is DNATed to the node's own IP
    // (`ChooseHostInterface`), since DNAT to 127.0.0.1 does not work.
    let host_ip = facts.node.node_ip(facts.family).unwrap_or(listen);
    let handle_cluster_ips = "handle ClusterIPs; NOTE: this must be before the NodePort rules";
    let handle_node_ports =
        "handle service NodePorts; NOTE: this must be the last rule in the chain";
    let mut filter = vec![Rule {
        table: TableName::Filter,
        chain: "INPUT".into(),
        args: vec![comment("Ensure that non-local NodePort traffic can flow")],
        target: jump(NODEPORT_NON_LOCAL),
        service_port: None,
    }];
    let mut nat = vec![
        Rule {
            table: TableName::Nat,
            chain: "PREROUTING".into(),
            args: vec![comment(handle_cluster_ips)],
            target: jump(PORTALS_CONTAINER),
            service_port: None,
        },
        Rule {
            table: TableName::Nat,
            chain: "PREROUTING".into(),
            args: vec![
                Arg::Common(iptables::Arg::DstTypeLocal(Neg::Is)),
                comment(handle_node_ports),
            ],
            target: jump(NODEPORT_CONTAINER),
            service_port: None,
        },
        Rule {
            table: TableName::Nat,
            chain: "OUTPUT".into(),
            args: vec![comment(handle_cluster_ips)],
            target: jump(PORTALS_HOST),
            service_port: None,
        },
        Rule {
            table: TableName::Nat,
            chain: "OUTPUT".into(),
            args: vec![
                Arg::Common(iptables::Arg::DstTypeLocal(Neg::Is)),
                comment(handle_node_ports),
            ],
            target: jump(NODEPORT_HOST),
            service_port: None,
        },
    ];
    let mut sockets = Vec::new();
    let mut held_ports = Vec::new();
    let mut taken = BTreeSet::new();
    let mut portals_container = Vec::new();
    let mut portals_host = Vec::new();
    let mut nodeport_container = Vec::new();
    let mut nodeport_host = Vec::new();
    for (index, sp) in facts.service_ports.iter().enumerate() {
        let info = &sp.info;
        let name = info.name.to_string();
        let protocol = info.protocol;
        let port = proxy_port(&info.name, &taken);
        taken.insert(port);
        sockets.push(ProxySocket {
            service_port: index,
            name: info.name.clone(),
            protocol,
            listen,
            port,
            endpoints: sp
                .endpoints
                .iter()
                .filter(|e| e.ready)
                .map(|e| join_host_port(&e.ip, e.port))
                .collect(),
            endpoint_indexes: (0..sp.endpoints.len())
                .filter(|&i| sp.endpoints[i].ready)
                .collect(),
            affinity_timeout: info.session_affinity_timeout,
        });
        let service_port = u16::try_from(info.port).unwrap_or(0);
        let rule = |chain: &str, args: Vec<Arg>, target: Target| Rule {
            table: TableName::Nat,
            chain: chain.to_string(),
            args,
            target,
            service_port: Some(index),
        };
        let redirect = Target::Redirect(port);
        let dnat = Target::Common(iptables::Target::Dnat {
            ip: host_ip,
            port: i64::from(port),
        });
        // The ClusterIP, then each external IP, then each load-balancer IP.
        let mut portals: Vec<(IpAddr, bool)> = vec![(info.cluster_ip, false)];
        portals.extend(info.external_ips.iter().map(|ip| (*ip, true)));
        portals.extend(info.load_balancer_vips.iter().map(|ip| (*ip, false)));
        for (ip, external) in portals {
            if facts.node.is_local_address(&ip) {
                held_ports.push(HeldPort {
                    ip: Some(ip),
                    port: service_port,
                    protocol,
                    owner: info.name.clone(),
                });
            }
            portals_container.push(rule(
                PORTALS_CONTAINER,
                portal_args(&name, protocol, service_port, Some(ip), external, false),
                redirect.clone(),
            ));
            if external {
                // Traffic to an external IP that is one of the node's own addresses,
                // from containers and from the host.
                portals_container.push(rule(
                    PORTALS_CONTAINER,
                    portal_args(&name, protocol, service_port, Some(ip), false, true),
                    redirect.clone(),
                ));
                portals_host.push(rule(
                    PORTALS_HOST,
                    portal_args(&name, protocol, service_port, Some(ip), false, true),
                    dnat.clone(),
                ));
            } else {
                portals_host.push(rule(
                    PORTALS_HOST,
                    portal_args(&name, protocol, service_port, Some(ip), false, false),
                    dnat.clone(),
                ));
            }
        }
        if info.node_port != 0 {
            let node_port = u16::try_from(info.node_port).unwrap_or(0);
            held_ports.push(HeldPort {
                ip: None,
                port: node_port,
                protocol,
                owner: info.name.clone(),
            });
            nodeport_container.push(rule(
                NODEPORT_CONTAINER,
                portal_args(&name, protocol, node_port, None, false, false),
                redirect.clone(),
            ));
            nodeport_host.push(rule(
                NODEPORT_HOST,
                portal_args(&name, protocol, node_port, None, false, false),
                dnat.clone(),
            ));
            // The filter rule accepts the proxy port, where REDIRECT delivers.
            let mut args = portal_args(&name, protocol, port, None, false, false);
            args.push(Arg::StateNew);
            filter.push(Rule {
                table: TableName::Filter,
                chain: NODEPORT_NON_LOCAL.into(),
                args,
                target: Target::Common(iptables::Target::Accept),
                service_port: Some(index),
            });
        }
    }
    nat.extend(portals_container);
    nat.extend(portals_host);
    nat.extend(nodeport_container);
    nat.extend(nodeport_host);
    Proxier {
        family: facts.family,
        host_ip,
        sockets,
        held_ports,
        filter,
        nat,
    }
}

/// The rules of one table as an `iptables-restore --noflush` input, line by line.
fn write_table(
    sink: &mut dyn LineSink,
    name: TableName,
    chains: &[&str],
    rules: &[Rule],
) -> fmt::Result {
    let layout = LineSource::layout(By::Userspace);
    sink.line(layout, format_args!("*{}", name.as_str()))?;
    for c in chains {
        sink.line(
            LineSource::fixed(By::Userspace, What::Chain(ChainRole::Other)),
            format_args!(":{c} - [0:0]"),
        )?;
    }
    for r in rules {
        let source = LineSource::of(
            By::Userspace,
            RuleSource {
                service_port: r.service_port,
                endpoint: None,
            },
            r.what(),
        );
        sink.line(source, format_args!("{r}"))?;
    }
    sink.line(layout, format_args!("COMMIT"))
}

impl Rule {
    /// What the rule does: a portal (traffic to a Service address or NodePort sent to
    /// the proxy socket), or the filter rule accepting the proxy port.
    pub fn what(&self) -> What {
        if self.chain == NODEPORT_NON_LOCAL {
            return What::AcceptProxyPort;
        }
        if let Target::Common(iptables::Target::Jump(to)) = &self.target {
            if ChainRole::of_iptables(&self.chain) == ChainRole::Builtin {
                return What::Jump(if to.contains("NODEPORT") {
                    ChainRole::NodePorts
                } else {
                    ChainRole::Services
                });
            }
        }
        let address = self.args.iter().find_map(|a| match a {
            Arg::Common(iptables::Arg::Destination(
                iptables::Neg::Is,
                iptables::Address::Ip(ip),
            )) => Some(*ip),
            _ => None,
        });
        let entry = match address {
            Some(ip) if self.chain == PORTALS_CONTAINER || self.chain == PORTALS_HOST => {
                Entry::Address(ip)
            }
            _ => Entry::NodePort,
        };
        What::Portal {
            entry,
            host: self.chain == PORTALS_HOST || self.chain == NODEPORT_HOST,
        }
    }
}

impl fmt::Display for ProxySocket {
    /// `ns/svc:port TCP 0.0.0.0:40723 -> 10.0.1.5:80 10.0.2.5:80 (ClientIP affinity 10800s)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {} ->",
            self.name,
            self.protocol.as_str(),
            join_host_port(&self.listen, self.port)
        )?;
        if self.endpoints.is_empty() {
            f.write_str(" (no endpoints: connections are closed)")?;
        }
        for e in &self.endpoints {
            write!(f, " {e}")?;
        }
        f.write_str(" (round robin")?;
        if let Some(t) = self.affinity_timeout {
            write!(f, ", ClientIP affinity {t}s")?;
        }
        f.write_str(")")
    }
}

impl Proxier {
    /// A description of the proxy sockets as `#` comments, then the iptables rules as an
    /// `iptables-restore --noflush` input (arguments in the order kube-proxy passed
    /// them), line by line; a socket's and a rule's line name their service port.
    pub fn write_lines(&self, sink: &mut dyn LineSink) -> fmt::Result {
        let none = LineSource::fixed(By::Svcplay, What::Note);
        sink.line(
            none,
            format_args!(
                "# kube-proxy userspace mode as in Kubernetes {LAST_RELEASE}, the last release that had it (removed in {REMOVED_IN})."
            ),
        )?;
        sink.line(
            none,
            format_args!(
                "# kube-proxy listens on one port per Service port and proxies each connection itself"
            ),
        )?;
        sink.line(
            none,
            format_args!(
                "# to an endpoint it picks round robin; the iptables rules below redirect Service traffic"
            ),
        )?;
        sink.line(
            none,
            format_args!(
                "# to those ports (host traffic is DNATed to {}). Proxy ports were random; svcplay derives them.",
                self.host_ip
            ),
        )?;
        sink.line(none, format_args!("# proxy sockets:"))?;
        let port_of = |index: Option<usize>, what: What| {
            LineSource::of(
                By::Userspace,
                RuleSource {
                    service_port: index,
                    endpoint: None,
                },
                what,
            )
        };
        for s in &self.sockets {
            sink.line(
                port_of(Some(s.service_port), What::ProxySocket),
                format_args!("#   {s}"),
            )?;
            // Each endpoint the socket proxies to is one of its sources.
            if sink.records_sources() {
                {
                    for &e in &s.endpoint_indexes {
                        sink.also(LineSource::of(
                            By::Userspace,
                            RuleSource {
                                service_port: Some(s.service_port),
                                endpoint: Some(e),
                            },
                            What::ProxySocket,
                        ));
                    }
                }
            }
        }
        if !self.held_ports.is_empty() {
            sink.line(
                none,
                format_args!("# ports held open so nothing else takes them:"),
            )?;
            for h in &self.held_ports {
                let addr = match h.ip {
                    Some(ip) => join_host_port(&ip, h.port),
                    None => format!(":{}", h.port),
                };
                let owner = self
                    .sockets
                    .iter()
                    .find(|s| s.name == h.owner)
                    .map(|s| s.service_port);
                sink.line(
                    port_of(owner, What::HeldPort),
                    format_args!("#   {addr}/{} for {}", h.protocol.as_str(), h.owner),
                )?;
            }
        }
        write_table(sink, TableName::Filter, &[NODEPORT_NON_LOCAL], &self.filter)?;
        write_table(
            sink,
            TableName::Nat,
            &[
                PORTALS_CONTAINER,
                PORTALS_HOST,
                NODEPORT_CONTAINER,
                NODEPORT_HOST,
            ],
            &self.nat,
        )
    }
}

impl fmt::Display for Proxier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_lines(&mut FmtSink(f))
    }
}

/// Walks a packet through the userspace proxier: the portal rule that redirects it to a
/// proxy port, then the proxy's choice. The result lists every endpoint the round robin
/// can hand the connection to; `masquerade` is true because the proxy opens its own
/// connection to the endpoint, which therefore sees the node as the client. A Service
/// port without endpoints gets the connection accepted and closed (shown as `REJECT`).
pub fn trace(proxier: &Proxier, facts: &ProxyFacts, packet: crate::proxy::trace::Packet) -> Trace {
    let mut hops = Vec::new();
    let local_dst = facts.node.is_local_address(&packet.dst);
    let from_host = facts.node.is_local_address(&packet.src);
    let (portal_chain, nodeport_chain) = if from_host {
        (PORTALS_HOST, NODEPORT_HOST)
    } else {
        (PORTALS_CONTAINER, NODEPORT_CONTAINER)
    };
    let object = |rule: &Rule| {
        rule.service_port
            .and_then(|i| facts.service_ports.get(i))
            .and_then(|sp| sp.info.origin.object())
    };
    let matched = proxier
        .nat
        .iter()
        .filter(|r| r.chain == portal_chain)
        .find(|r| rule_matches(r, packet.dst, packet.dport, packet.protocol))
        .or_else(|| {
            local_dst
                .then(|| {
                    proxier
                        .nat
                        .iter()
                        .filter(|r| r.chain == nodeport_chain)
                        .find(|r| rule_matches(r, packet.dst, packet.dport, packet.protocol))
                })
                .flatten()
        });
    let Some(rule) = matched else {
        return Trace {
            packet,
            hops,
            outcome: Outcome::Nothing,
            masquerade: false,
        };
    };
    let socket = rule
        .service_port
        .and_then(|i| proxier.sockets.iter().find(|s| s.service_port == i));
    hops.push(Hop {
        depth: 0,
        location: format!("nat {}", rule.chain),
        rule: rule.to_string(),
        verdict: match &rule.target {
            Target::Redirect(p) => format!("REDIRECT to kube-proxy's port {p}"),
            other => other.to_string(),
        },
        object: object(rule),
        kind: HopKind::Dnat,
        rule_ref: None,
    });
    let Some(socket) = socket else {
        return Trace {
            packet,
            hops,
            outcome: Outcome::Nothing,
            masquerade: false,
        };
    };
    hops.push(Hop {
        depth: 1,
        location: format!("kube-proxy {}", join_host_port(&socket.listen, socket.port)),
        rule: socket.to_string(),
        verdict: if socket.endpoints.is_empty() {
            "no endpoints: the connection is accepted and closed".to_string()
        } else {
            format!(
                "connect from the node to one of {} endpoints",
                socket.endpoints.len()
            )
        },
        object: object(rule),
        kind: HopKind::Jump,
        rule_ref: None,
    });
    let (outcome, masquerade) = if socket.endpoints.is_empty() {
        (Outcome::Reject, false)
    } else {
        (Outcome::Dnat(socket.endpoints.clone()), true)
    };
    Trace {
        packet,
        hops,
        outcome,
        masquerade,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proxy_ports_are_stable_and_distinct() {
        let name = |n: &str| ServicePortName {
            namespace: "default".into(),
            name: n.into(),
            port: "http".into(),
            protocol: Protocol::Tcp,
        };
        let mut taken = BTreeSet::new();
        let a = proxy_port(&name("a"), &taken);
        assert_eq!(a, proxy_port(&name("a"), &taken));
        assert!((EPHEMERAL_PORTS.0..=EPHEMERAL_PORTS.1).contains(&a));
        taken.insert(a);
        let again = proxy_port(&name("a"), &taken);
        assert_ne!(again, a, "a collision moves to the next free port");
    }
}
