//! Packet walks through IPVS mode: the iptables rules IPVS mode keeps, the virtual
//! server, the scheduler's candidates, and the masquerade decision.
//!
//! The walk follows the netfilter hooks in their priority order (ipvs.md §7): a packet
//! from elsewhere meets nat PREROUTING (→ KUBE-SERVICES), then — its destination being a
//! local address, on kube-ipvs0 or the node — filter INPUT (KUBE-IPVS-FILTER,
//! KUBE-PROXY-FIREWALL, KUBE-NODE-PORT), then IPVS at LOCAL_IN, which DNATs it; a packet
//! from the node itself meets nat OUTPUT, then IPVS at LOCAL_OUT. Both then pass filter
//! OUTPUT (KUBE-IPVS-OUT-FILTER) and nat POSTROUTING (KUBE-POSTROUTING: hairpin and
//! marked traffic are masqueraded). Every rule is evaluated on the typed values the views
//! print, so the walk shows exactly the rules a user reads.

use super::{IpvsState, RealServer, VirtualServer};
use crate::model::ip::{Cidr, join_host_port, parse_ip_sloppy};
use crate::proxy::ProxyFacts;
use crate::proxy::iptables::{Address, Arg, Neg, Rule, TableName, Target};
use crate::proxy::trace::{Hop, HopKind, Outcome, Packet, RuleRef, Trace};
use std::net::IpAddr;

/// What the walk of one chain ended with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Verdict {
    /// Fell off the end of the chain or hit RETURN: the caller continues.
    Continue,
    Accept,
    Drop,
    Reject,
    Masquerade,
}

/// The packet as the rules see it at one point of its path.
#[derive(Clone, Copy, Debug)]
struct View {
    src: IpAddr,
    dst: IpAddr,
    dport: u16,
    protocol: crate::proxy::Protocol,
    /// The virtual server this packet belongs to, for `-m ipvs`.
    ipvs: Option<(IpAddr, crate::proxy::Protocol, u16)>,
}

struct Walker<'a> {
    facts: &'a ProxyFacts,
    state: &'a IpvsState,
    hops: Vec<Hop>,
    /// The masquerade mark.
    marked: bool,
}

impl Walker<'_> {
    /// A local address: the node's own, or one bound to kube-ipvs0.
    fn is_local(&self, ip: &IpAddr) -> bool {
        self.facts.node.is_local_address(ip) || self.state.bound_addresses.contains(ip)
    }

    /// Traffic from a pod on this node arrives over the bridge.
    fn is_local_pod(&self, ip: &IpAddr) -> bool {
        self.facts.node.pod_cidrs.iter().any(|c| c.contains(ip))
    }

    fn address_matches(address: &Address, ip: &IpAddr) -> bool {
        address.contains(ip)
    }

    fn text_address_matches(text: &str, ip: &IpAddr) -> bool {
        match Cidr::parse_sloppy(text) {
            Some(c) if text.contains('/') => c.contains(ip),
            _ => parse_ip_sloppy(text).is_some_and(|a| a == *ip),
        }
    }

    fn negate(neg: Neg, value: bool) -> bool {
        match neg {
            Neg::Is => value,
            Neg::Not => !value,
        }
    }

    fn arg_matches(&self, arg: &Arg, view: &View) -> bool {
        match arg {
            Arg::Comment(_) => true,
            Arg::Proto(p) | Arg::Protocol(p) => *p == view.protocol,
            Arg::Source(n, a) => Walker::negate(*n, Walker::address_matches(a, &view.src)),
            Arg::Destination(n, a) => Walker::negate(*n, Walker::address_matches(a, &view.dst)),
            Arg::DestinationPort(p) => *p == i64::from(view.dport),
            Arg::InInterface(n, _) => Walker::negate(*n, self.is_local_pod(&view.src)),
            Arg::SrcTypeLocal(n) => Walker::negate(*n, self.is_local(&view.src)),
            Arg::DstTypeLocal(n) => Walker::negate(*n, self.is_local(&view.dst)),
            // The first packet of a connection.
            Arg::CtState(n, states) => Walker::negate(*n, states.split(',').any(|s| s == "NEW")),
            Arg::Mark { neg, .. } => Walker::negate(*neg, self.marked),
            Arg::MatchSet { set, flags } => self
                .state
                .ipset_named(set)
                .is_some_and(|s| s.matches(flags, &view.src, &view.dst, view.protocol, view.dport)),
            Arg::PhysdevIsIn(n) => Walker::negate(*n, self.is_local_pod(&view.src)),
            Arg::Ipvs {
                vaddr,
                vproto,
                vport,
            } => view.ipvs.is_some_and(|(a, p, port)| {
                Walker::text_address_matches(vaddr, &a)
                    && p.lower() == vproto
                    && i64::from(port) == *vport
            }),
            Arg::Probability(_)
            | Arg::RecentCheck { .. }
            | Arg::RecentSet { .. }
            | Arg::Nfacct(_) => true,
        }
    }

    fn rules(&self, table: TableName, chain: &str) -> Vec<&Rule> {
        self.state
            .iptables
            .table(table)
            .map(|t| t.chain(chain).collect())
            .unwrap_or_default()
    }

    /// Walks one chain, recording the rules that matched.
    fn walk(&mut self, table: TableName, chain: &str, view: &View, depth: usize) -> Verdict {
        let rules: Vec<Rule> = self.rules(table, chain).into_iter().cloned().collect();
        for rule in rules {
            if !rule.args.iter().all(|a| self.arg_matches(a, view)) {
                continue;
            }
            let location = format!("{} {chain}", table.as_str());
            let text = rule.to_string();
            let Some(target) = &rule.target else {
                self.hop(depth, location, text, String::new());
                continue;
            };
            match target {
                Target::Jump(next) => {
                    self.hop(depth, location, text, format!("jump {next}"));
                    match self.walk(table, next, view, depth + 1) {
                        Verdict::Continue => {}
                        other => return other,
                    }
                }
                Target::Return => {
                    self.hop(depth, location, text, "return".into());
                    return Verdict::Continue;
                }
                Target::Accept => {
                    self.hop(depth, location, text, "ACCEPT".into());
                    return Verdict::Accept;
                }
                Target::Drop => {
                    self.hop(depth, location, text, "DROP".into());
                    return Verdict::Drop;
                }
                Target::Reject => {
                    self.hop(depth, location, text, "REJECT".into());
                    return Verdict::Reject;
                }
                Target::Masquerade { .. } => {
                    self.hop(depth, location, text, "MASQUERADE".into());
                    return Verdict::Masquerade;
                }
                Target::MarkOr(m) => {
                    self.marked = true;
                    self.hop(
                        depth,
                        location,
                        text,
                        format!("mark {m} (masquerade later)"),
                    );
                }
                Target::MarkXor(m) => {
                    self.marked = false;
                    self.hop(depth, location, text, format!("clear mark {m}"));
                }
                Target::Dnat { ip, port } => {
                    let to = join_host_port(ip, *port);
                    self.hop(depth, location, text, format!("DNAT to {to}"));
                    return Verdict::Accept;
                }
            }
        }
        Verdict::Continue
    }

    fn hop(&mut self, depth: usize, location: String, rule: String, verdict: String) {
        let kind = match verdict.split(' ').next().unwrap_or_default() {
            "jump" => HopKind::Jump,
            "return" => HopKind::Return,
            "ACCEPT" | "DROP" | "REJECT" => HopKind::Verdict,
            "MASQUERADE" | "mark" => HopKind::Masquerade,
            "DNAT" => HopKind::Dnat,
            _ => HopKind::Match,
        };
        self.hops.push(Hop {
            depth,
            location,
            rule,
            verdict,
            object: None,
            kind,
            rule_ref: None,
        });
    }

    /// Walks a built-in chain through kube-proxy's jumps out of it.
    fn builtin(&mut self, table: TableName, chain: &str, view: &View) -> Verdict {
        let jumps: Vec<Rule> = self
            .state
            .jumps
            .iter()
            .filter(|(t, r)| *t == table && &*r.chain == chain)
            .map(|(_, r)| r.clone())
            .collect();
        for rule in jumps {
            let Some(Target::Jump(next)) = &rule.target else {
                continue;
            };
            self.hop(
                0,
                format!("{} {chain}", table.as_str()),
                rule.to_string(),
                format!("jump {next}"),
            );
            match self.walk(table, next, view, 1) {
                Verdict::Continue => {}
                other => return other,
            }
        }
        Verdict::Continue
    }
}

/// The `ipvsadm -Ln` line of a virtual server (without the counters).
fn vs_line(vs: &VirtualServer) -> String {
    let mut line = format!(
        "{:<4} {} {}",
        vs.protocol.as_str(),
        crate::model::ip::join_host_port(&vs.address, vs.port),
        vs.scheduler
    );
    if vs.persistent() {
        line.push_str(&format!(" persistent {}", vs.timeout));
    }
    line
}

/// The table name of a virtual server's hop ([`RuleRef::table`]).
pub const IPVS_TABLE: &str = "ipvs";

/// The [`RuleRef`] of a virtual server's hop: table [`IPVS_TABLE`], the hook as its
/// chain, the Service port it was made for.
fn virtual_server_ref(hook: &str, vs: &VirtualServer) -> RuleRef {
    RuleRef {
        table: IPVS_TABLE.to_string(),
        chain: hook.to_string(),
        index: 0,
        service_port: Some(vs.service_port),
        endpoint: None,
    }
}

/// Walks the first packet of a connection through IPVS mode on the facts' node.
pub fn trace(facts: &ProxyFacts, state: &IpvsState, packet: &Packet) -> Trace {
    let mut w = Walker {
        facts,
        state,
        hops: Vec::new(),
        marked: false,
    };
    let view = View {
        src: packet.src,
        dst: packet.dst,
        dport: packet.dport,
        protocol: packet.protocol,
        ipvs: None,
    };
    let from_node = w.is_local(&packet.src);
    let nat_chain = if from_node { "OUTPUT" } else { "PREROUTING" };
    let finish = |w: Walker, outcome: Outcome, masquerade: bool| Trace {
        packet: *packet,
        hops: w.hops,
        outcome,
        masquerade,
    };
    match w.builtin(TableName::Nat, nat_chain, &view) {
        Verdict::Drop => return finish(w, Outcome::Drop, false),
        Verdict::Reject => return finish(w, Outcome::Reject, false),
        _ => {}
    }
    let vs = state.virtual_server(&packet.dst, packet.protocol, packet.dport);
    let dst_local = w.is_local(&packet.dst);
    // A packet from elsewhere to a local address passes filter INPUT before IPVS sees
    // it at LOCAL_IN; a packet of the node's own is taken by IPVS at LOCAL_OUT.
    if dst_local && (!from_node || vs.is_none()) {
        match w.builtin(TableName::Filter, "INPUT", &view) {
            Verdict::Drop => return finish(w, Outcome::Drop, false),
            Verdict::Reject => return finish(w, Outcome::Reject, false),
            _ => {}
        }
    }
    let Some(vs) = vs else {
        // Not a virtual server: kube-proxy's rules did not redirect the packet.
        return finish(w, Outcome::Nothing, false);
    };
    let mut kernel = vs.kernel_service(state.timeouts, crate::proxy::ipvs::kernel::SimTime(0));
    let list = kernel.list();
    let sched_packet = super::schedulers::SchedPacket {
        saddr: packet.src,
        sport: 0,
        daddr: packet.dst,
        svc_flags: vs.flags,
    };
    let candidates = kernel.scheduler.candidates(&list, &sched_packet);
    let chosen: Vec<&RealServer> = candidates.iter().map(|i| &vs.real_servers[i.0]).collect();
    let walk_order: Vec<String> = chosen.iter().map(|rs| rs.address_port()).collect();
    let hook = if from_node { "LOCAL_OUT" } else { "LOCAL_IN" };
    if chosen.is_empty() {
        w.hop(
            0,
            format!("ipvs {hook}"),
            vs_line(vs),
            "no destination available: ICMP port unreachable".into(),
        );
        if let Some(hop) = w.hops.last_mut() {
            hop.kind = HopKind::Verdict;
            hop.rule_ref = Some(virtual_server_ref(hook, vs));
        }
        return finish(w, Outcome::Reject, false);
    }
    let scheduler_note = match kernel.scheduler.name {
        super::schedulers::SchedulerName::Sh | super::schedulers::SchedulerName::Dh => {
            format!(
                "{} hashes the packet to {}",
                vs.scheduler,
                walk_order.join(", ")
            )
        }
        super::schedulers::SchedulerName::Mh
            if vs.flags & super::schedulers::flags::SCHED2 == 0 =>
        {
            format!(
                "{} hashes the packet to {}",
                vs.scheduler,
                walk_order.join(", ")
            )
        }
        super::schedulers::SchedulerName::Mh => format!(
            "{} (mh-port) hashes the source address and port: one of {}, depending on the connection's source port",
            vs.scheduler,
            walk_order.join(", ")
        ),
        _ => {
            // The first connection of a fresh service goes where the scheduler's initial
            // state sends it (rr: the head of the list).
            let first = kernel
                .schedule(
                    &crate::proxy::ipvs::kernel::Connection {
                        client: packet.src,
                        client_port: 0,
                    },
                    crate::proxy::ipvs::kernel::SimTime(0),
                )
                .map(|i| vs.real_servers[i.0].address_port());
            format!(
                "{} chooses among {} (list order); a first connection goes to {}",
                vs.scheduler,
                walk_order.join(", "),
                first.unwrap_or_default()
            )
        }
    };
    let persistence = if vs.persistent() {
        format!(
            "; persistent: later connections from {} within {} s reuse its real server",
            packet.src, vs.timeout
        )
    } else {
        String::new()
    };
    w.hop(
        0,
        format!("ipvs {hook}"),
        vs_line(vs),
        format!("{scheduler_note}{persistence}"),
    );
    // The virtual server links back to the Service it was made for, and names itself
    // as IPVS's hop (where a simulated connection's scheduler chooses).
    if let Some(hop) = w.hops.last_mut() {
        hop.object = facts
            .service_ports
            .get(vs.service_port)
            .and_then(|sp| sp.info.origin.object());
        hop.rule_ref = Some(virtual_server_ref(hook, vs));
    }

    // After IPVS: filter OUTPUT and nat POSTROUTING, once per possible real server.
    let marked = w.marked;
    let mut masquerade = false;
    let mut reachable: Vec<String> = Vec::new();
    let mut dropped = false;
    let mut first_verdicts = None;
    for rs in &chosen {
        w.marked = marked;
        let hops_before = w.hops.len();
        let out = View {
            src: packet.src,
            dst: rs.address,
            dport: rs.port,
            protocol: packet.protocol,
            ipvs: Some((vs.address, vs.protocol, vs.port)),
        };
        let output = w.builtin(TableName::Filter, "OUTPUT", &out);
        let postrouting = match output {
            Verdict::Drop | Verdict::Reject => None,
            _ => Some(w.builtin(TableName::Nat, "POSTROUTING", &out)),
        };
        // Every real server's walk is evaluated; only the first one's hops and those
        // that end differently are shown.
        let verdicts = (output, postrouting);
        match first_verdicts {
            None => first_verdicts = Some(verdicts),
            Some(first) if first == verdicts => w.hops.truncate(hops_before),
            Some(_) => {}
        }
        match postrouting {
            None => dropped = true,
            Some(v) => {
                if v == Verdict::Masquerade {
                    masquerade = true;
                }
                reachable.push(rs.address_port());
            }
        }
    }
    if reachable.is_empty() && dropped {
        return finish(w, Outcome::Drop, false);
    }
    crate::sort::sort(&mut reachable);
    finish(w, Outcome::Dnat(reachable), masquerade)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proxy::Protocol;
    use crate::scenario::{Options, analyze};

    const NODE: &str = "apiVersion: v1
kind: Node
metadata: {name: node-a}
spec: {podCIDR: 10.244.1.0/24}
status:
  addresses: [{type: InternalIP, address: 192.168.0.10}]
  conditions: [{type: Ready, status: 'True'}]
---
apiVersion: svcplay.dev/v1alpha1
kind: NodeRuntime
metadata: {name: node-a}
interfaces:
- {name: lo, addresses: [127.0.0.1/8]}
- {name: eth0, addresses: [192.168.0.10/24]}
---
";

    fn walk(scenario: &str, src: &str, dst: &str, dport: u16) -> Trace {
        let text = format!(
            "apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
mode: ipvs
clusterCIDR: 10.244.0.0/16
---
{NODE}{scenario}"
        );
        let analysis = analyze(&text, Options { stored: true });
        let facts = analysis.proxy_facts("node-a").remove(0);
        let state = super::super::render(&facts);
        trace(
            &facts,
            &state,
            &Packet {
                src: src.parse().unwrap(),
                dst: dst.parse().unwrap(),
                dport,
                protocol: Protocol::Tcp,
            },
        )
    }

    fn service(extra: &str, endpoints: &str) -> String {
        format!(
            "apiVersion: v1
kind: Service
metadata: {{namespace: ns, name: web}}
spec:
  clusterIP: 10.96.5.5
  {extra}
  ports: [{{name: http, port: 80, protocol: TCP, nodePort: 30080}}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  namespace: ns
  name: web-1
  labels: {{kubernetes.io/service-name: web}}
addressType: IPv4
ports: [{{name: http, port: 8080, protocol: TCP}}]
endpoints:
{endpoints}"
        )
    }

    const TWO_PODS: &str = "- {addresses: [10.244.1.5], nodeName: node-a}
- {addresses: [10.244.2.7], nodeName: node-b}
";

    #[test]
    fn cluster_ip_from_a_pod_reaches_every_real_server_without_masquerade() {
        let t = walk(
            &service("type: ClusterIP", TWO_PODS),
            "10.244.1.9",
            "10.96.5.5",
            80,
        );
        assert_eq!(
            t.outcome,
            Outcome::Dnat(vec!["10.244.1.5:8080".into(), "10.244.2.7:8080".into()])
        );
        assert!(!t.masquerade);
        assert!(t.hops.iter().any(|h| h.location == "ipvs LOCAL_IN"));
    }

    #[test]
    fn cluster_ip_from_outside_the_cluster_is_masqueraded() {
        let t = walk(
            &service("type: ClusterIP", TWO_PODS),
            "172.20.0.1",
            "10.96.5.5",
            80,
        );
        assert!(t.masquerade);
        assert!(t.to_string().contains("-j KUBE-MARK-MASQ"));
    }

    #[test]
    fn a_pod_reaching_itself_through_its_service_is_masqueraded() {
        let t = walk(
            &service("type: ClusterIP", TWO_PODS),
            "10.244.1.5",
            "10.96.5.5",
            80,
        );
        assert!(t.masquerade);
        assert!(
            t.to_string()
                .contains("--match-set KUBE-LOOP-BACK dst,dst,src -j MASQUERADE")
        );
    }

    #[test]
    fn another_port_of_a_service_address_is_rejected() {
        let t = walk(
            &service("type: ClusterIP", TWO_PODS),
            "10.244.1.9",
            "10.96.5.5",
            22,
        );
        assert_eq!(t.outcome, Outcome::Reject);
        assert!(t.to_string().contains("KUBE-IPVS-IPS dst -j REJECT"));
    }

    #[test]
    fn a_virtual_server_without_real_servers_answers_port_unreachable() {
        let t = walk(
            &service("type: ClusterIP", "[]\n"),
            "10.244.1.9",
            "10.96.5.5",
            80,
        );
        assert_eq!(t.outcome, Outcome::Reject);
        assert!(t.to_string().contains("no destination available"));
    }

    #[test]
    fn node_port_with_local_policy_keeps_the_source() {
        let t = walk(
            &service("type: NodePort\n  externalTrafficPolicy: Local", TWO_PODS),
            "203.0.113.9",
            "192.168.0.10",
            30080,
        );
        assert_eq!(t.outcome, Outcome::Dnat(vec!["10.244.1.5:8080".into()]));
        assert!(!t.masquerade);
        let t = walk(
            &service("type: NodePort", TWO_PODS),
            "203.0.113.9",
            "192.168.0.10",
            30080,
        );
        assert_eq!(
            t.outcome,
            Outcome::Dnat(vec!["10.244.1.5:8080".into(), "10.244.2.7:8080".into()])
        );
        assert!(t.masquerade);
    }

    #[test]
    fn other_destinations_are_not_kube_proxys_business() {
        let t = walk(
            &service("type: ClusterIP", TWO_PODS),
            "10.244.1.9",
            "8.8.8.8",
            53,
        );
        assert_eq!(t.outcome, Outcome::Nothing);
        assert!(!t.masquerade);
        let t = walk(
            &service("type: ClusterIP", TWO_PODS),
            "203.0.113.9",
            "192.168.0.10",
            22,
        );
        assert_eq!(t.outcome, Outcome::Nothing);
    }

    #[test]
    fn hashing_schedulers_name_the_one_real_server() {
        let scenario = service("type: ClusterIP", TWO_PODS);
        let text = format!(
            "apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
mode: ipvs
ipvs: {{scheduler: sh}}
---
{NODE}{scenario}"
        );
        let analysis = analyze(&text, Options { stored: true });
        let facts = analysis.proxy_facts("node-a").remove(0);
        let state = super::super::render(&facts);
        let t = trace(
            &facts,
            &state,
            &Packet {
                src: "10.244.1.9".parse().unwrap(),
                dst: "10.96.5.5".parse().unwrap(),
                dport: 80,
                protocol: Protocol::Tcp,
            },
        );
        let Outcome::Dnat(to) = &t.outcome else {
            panic!("{t}")
        };
        assert_eq!(to.len(), 1, "{t}");
        assert!(t.to_string().contains("sh hashes the packet to"));
    }
}
