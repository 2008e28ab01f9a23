//! Packet walks through the node's typed iptables rules.
//!
//! [`Program::compile`] turns the node's tables ([`NodeTables`]) into matchers once;
//! [`Program::walk`] sends one packet through them with the semantics of kube-proxy's
//! own packet-flow tests (`tracePacket` in proxier_test.go, reference README §8):
//!
//! - the walk starts in nat `PREROUTING` (`OUTPUT` for a packet the node itself sends;
//!   both jump to `KUBE-SERVICES`);
//! - a rule matches when its addresses, `--src-type`/`--dst-type LOCAL`, protocol and
//!   `--dport` match; rules that test state (`--mark`, `--ctstate`) never match, since the
//!   packet is the first of a new connection and carries no mark;
//! - `-j KUBE-MARK-MASQ` marks the packet for masquerading and the walk goes on; `DNAT`,
//!   `ACCEPT`, `DROP` and `REJECT` end the chain; a jump into another chain that ends
//!   there ends the caller too — unless the jumping rule was random;
//! - then, with the destination rewritten to the first DNAT target, filter
//!   `KUBE-SERVICES`, `KUBE-EXTERNAL-SERVICES`, `KUBE-NODEPORTS` and `KUBE-PROXY-FIREWALL`.
//!
//! The random and stateful matches are the seam between the tracer and a simulator:
//! [`Choices`] decides them. [`EveryBranch`] follows every random branch and finds no
//! affinity entry, which lists every endpoint a connection can reach (the command-line
//! contract); a simulator implements [`Choices`] with its seeded random numbers and its
//! `recent` lists, and walks the same compiled program once per request. A [`Visitor`]
//! sees every matched rule; [`trace`] collects them into a [`Trace`] for people.
//!
//! Interfaces (`-i cni0`, `-i veth+`, from the BridgeInterface and InterfaceNamePrefix
//! local detectors) are modelled from the source address: a packet from an address in the
//! node's pod CIDR (or, when the node has none, the cluster CIDR) comes in on a local pod
//! interface, any other packet does not.

use super::node::NodeTables;
use super::render::{
    KUBE_EXTERNAL_SERVICES, KUBE_MARK_MASQ, KUBE_NODEPORTS, KUBE_PROXY_FIREWALL, KUBE_SERVICES,
};
use super::{Arg, Neg, Rule, TableName, Target, format_probability};
use crate::model::ip::{Cidr, IpFamily, join_host_port};
use crate::proxy::config::LocalDetector;
use crate::proxy::trace::{Hop, HopKind, Outcome, Packet, RuleRef, Trace};
use crate::proxy::{Protocol, ProxyFacts};
use std::collections::HashMap;
use std::net::IpAddr;

/// Which way a random (`-m statistic`) rule goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Branch {
    /// The rule matches: the packet follows it (and stops when its target ends the walk).
    Taken,
    /// The rule does not match.
    Skipped,
    /// Both: the packet follows the rule, and then also goes on as if it had not matched
    /// (how the tests list every possible endpoint).
    Both,
}

/// The decisions a walk cannot make from the packet alone.
pub trait Choices {
    /// A rule with `-m statistic --mode random --probability p` that otherwise matched.
    fn statistic(&mut self, probability: f64) -> Branch;

    /// `-m recent --rcheck --seconds T --reap --name LIST`: whether `src` was recorded
    /// in `list` within the last `seconds`.
    fn recent_check(&mut self, list: &str, src: IpAddr, seconds: i64) -> bool {
        let _ = (list, src, seconds);
        false
    }

    /// `-m recent --set --name LIST`: `src` is recorded in `list` now.
    fn recent_set(&mut self, list: &str, src: IpAddr) {
        let _ = (list, src);
    }
}

/// The contract's choices: every random branch followed, no affinity entry found.
#[derive(Clone, Copy, Debug, Default)]
pub struct EveryBranch;

impl Choices for EveryBranch {
    fn statistic(&mut self, _probability: f64) -> Branch {
        Branch::Both
    }
}

/// What a matched rule did.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Effect<'a> {
    /// Into this chain.
    Jump(&'a str),
    /// `-j KUBE-MARK-MASQ`: marked for masquerading.
    Masquerade,
    /// The destination becomes this endpoint.
    Dnat(IpAddr, i64),
    Accept,
    Drop,
    Reject,
    /// Back to the calling chain.
    Return,
    /// A rule that changes nothing the walk looks at (a `MARK` target, a rule without a
    /// target), or a jump into a chain that does not exist.
    Continue,
}

/// One matched rule, as a [`Visitor`] sees it.
#[derive(Clone, Copy, Debug)]
pub struct Event<'a> {
    pub depth: usize,
    pub table: TableName,
    pub chain: &'a str,
    /// The rule's position among the rules of its chain written for the same source
    /// (see [`crate::proxy::trace::RuleRef`]).
    pub index: usize,
    pub rule: &'a Rule,
    pub effect: Effect<'a>,
    /// For a random rule: its probability and the branch taken.
    pub random: Option<(f64, Branch)>,
}

/// Sees every rule a walk matched, in order.
pub trait Visitor {
    fn visit(&mut self, event: &Event<'_>);
}

/// A visitor that looks at nothing (a simulator's fast path).
impl Visitor for () {
    fn visit(&mut self, _event: &Event<'_>) {}
}

/// Where a walk ended up: an endpoint, or a filter verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Output {
    Dnat { ip: IpAddr, port: i64 },
    Accept,
    Drop,
    Reject,
}

impl std::fmt::Display for Output {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Output::Dnat { ip, port } => f.write_str(&join_host_port(ip, *port)),
            Output::Accept => f.write_str("ACCEPT"),
            Output::Drop => f.write_str("DROP"),
            Output::Reject => f.write_str("REJECT"),
        }
    }
}

/// The result of one walk.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Walked {
    /// Every end reached, in rule order.
    pub outputs: Vec<Output>,
    /// Marked for masquerading on some branch.
    pub masquerade: bool,
}

#[derive(Clone, Debug)]
enum Match<'a> {
    Source(Neg, Cidr),
    Destination(Neg, Cidr),
    InInterface(Neg, &'a str),
    Protocol(Protocol),
    DestinationPort(i64),
    SrcTypeLocal(Neg),
    DstTypeLocal(Neg),
    /// `--mark`, `--ctstate`: state a new connection's first packet does not have.
    State,
    RecentCheck(&'a str, i64),
    RecentSet(&'a str),
}

#[derive(Clone, Copy, Debug)]
enum Action {
    Jump(usize),
    Masquerade,
    Dnat(IpAddr, i64),
    Accept,
    Drop,
    Reject,
    Return,
    Continue,
}

/// A rule ready for walking. The random match is kept apart from the others, since a
/// probability cascade (one random match per rule, nothing else) is what a simulator
/// walks millions of times.
#[derive(Debug)]
struct Compiled<'a> {
    rule: &'a Rule,
    index: usize,
    /// Rules without a target only count packets; walks skip them.
    has_target: bool,
    probability: Option<f64>,
    matches: Box<[Match<'a>]>,
    action: Action,
}

#[derive(Debug)]
struct Chain<'a> {
    table: TableName,
    name: &'a str,
    rules: Vec<Compiled<'a>>,
}

/// The node's tables compiled for walking.
#[derive(Debug)]
pub struct Program<'a> {
    family: IpFamily,
    chains: Vec<Chain<'a>>,
    /// The host's own addresses (`addrtype LOCAL`), loopback aside.
    local_addresses: Vec<IpAddr>,
    /// Where local pods' packets come from (see the module documentation).
    local_pods: Vec<Cidr>,
    /// The interface pattern of the local detector, if it matches by interface.
    pod_interface: Option<String>,
    /// Where walks start: nat PREROUTING and OUTPUT, then the filter chains.
    prerouting: Option<usize>,
    output: Option<usize>,
    filter_chains: Vec<usize>,
}

impl<'a> Program<'a> {
    /// Compiles the node's tables, with what the facts say about the node.
    pub fn compile(tables: &'a NodeTables, facts: &ProxyFacts) -> Program<'a> {
        let mut chains: Vec<Chain<'a>> = Vec::new();
        let mut by_name = HashMap::new();
        for table in &tables.tables {
            for chain in table.chains() {
                by_name.insert((table.name, chain.name.as_str()), chains.len());
                chains.push(Chain {
                    table: table.name,
                    name: chain.name.as_str(),
                    rules: Vec::new(),
                });
            }
        }
        let mut at = 0;
        for table in &tables.tables {
            for chain in table.chains() {
                // A rule is named by its position among the chain's rules written for the
                // same source, which no other Service's rules can shift.
                let mut nth: HashMap<crate::proxy::RuleSource, usize> = HashMap::new();
                let rules = chain
                    .rules
                    .iter()
                    .map(|rule| {
                        let n = nth.entry(rule.source).or_insert(0);
                        let index = *n;
                        *n += 1;
                        compile_rule(rule, index, table.name, &by_name)
                    })
                    .collect();
                chains[at].rules = rules;
                at += 1;
            }
        }
        let family = tables.family;
        let node = &facts.node;
        let detector = facts.config.local_detector(family, node);
        let mut local_pods: Vec<Cidr> = node
            .pod_cidrs
            .iter()
            .filter(|c| c.family() == family)
            .copied()
            .collect();
        if local_pods.is_empty() {
            local_pods = facts
                .config
                .cluster_cidrs
                .iter()
                .filter(|c| c.family() == family)
                .copied()
                .collect();
        }
        let entry = |table: TableName, chain: &str| by_name.get(&(table, chain)).copied();
        let prerouting = entry(TableName::Nat, "PREROUTING");
        let output = entry(TableName::Nat, "OUTPUT");
        let filter_chains = [
            KUBE_SERVICES,
            KUBE_EXTERNAL_SERVICES,
            KUBE_NODEPORTS,
            KUBE_PROXY_FIREWALL,
        ]
        .into_iter()
        .filter_map(|c| entry(TableName::Filter, c))
        .collect();
        Program {
            family,
            chains,
            prerouting,
            output,
            filter_chains,
            local_addresses: node.interfaces.iter().map(|(_, ip, _)| *ip).collect(),
            local_pods,
            pod_interface: match detector {
                LocalDetector::Interface(i) => Some(i),
                _ => None,
            },
        }
    }

    /// The IP family the program is for.
    pub fn family(&self) -> IpFamily {
        self.family
    }

    fn is_local(&self, ip: &IpAddr) -> bool {
        ip.is_loopback() || self.local_addresses.contains(ip)
    }

    fn comes_from_local_pod(&self, src: &IpAddr) -> bool {
        !self.is_local(src) && self.local_pods.iter().any(|c| c.contains(src))
    }

    /// Sends `packet` through the rules; see the module documentation.
    pub fn walk(
        &self,
        packet: &Packet,
        choices: &mut impl Choices,
        visitor: &mut impl Visitor,
    ) -> Walked {
        let mut walked = Walked::default();
        self.walk_into(packet, choices, visitor, &mut walked);
        walked
    }

    /// [`walk`](Self::walk) into a reused result, so a simulator's millions of walks
    /// allocate nothing.
    pub fn walk_into(
        &self,
        packet: &Packet,
        choices: &mut impl Choices,
        visitor: &mut impl Visitor,
        out: &mut Walked,
    ) {
        out.outputs.clear();
        out.masquerade = false;
        let mut walk = Walk {
            program: self,
            src: packet.src,
            dst: packet.dst,
            dport: i64::from(packet.dport),
            protocol: packet.protocol,
            from_local_pod: self.comes_from_local_pod(&packet.src),
            walked: std::mem::take(out),
        };
        let start = if self.is_local(&packet.src) {
            self.output
        } else {
            self.prerouting
        };
        if let Some(chain) = start {
            walk.run(chain, 0, choices, visitor);
        }
        // The DNAT happens when nat PREROUTING is done: the filter rules see the endpoint.
        if let Some(Output::Dnat { ip, .. }) = walk.walked.outputs.first() {
            walk.dst = *ip;
        }
        for &chain in &self.filter_chains {
            walk.run(chain, 0, choices, visitor);
        }
        *out = walk.walked;
    }
}

fn compile_rule<'a>(
    rule: &'a Rule,
    index: usize,
    table: TableName,
    by_name: &HashMap<(TableName, &'a str), usize>,
) -> Compiled<'a> {
    let probability = rule.args.iter().find_map(|arg| match arg {
        Arg::Probability(p) => Some(*p),
        _ => None,
    });
    let matches = rule
        .args
        .iter()
        .filter(|arg| !matches!(arg, Arg::Probability(_)))
        .filter_map(|arg| {
            Some(match arg {
                Arg::Comment(_) | Arg::Nfacct(_) => return None,
                Arg::Proto(p) | Arg::Protocol(p) => Match::Protocol(*p),
                Arg::Source(n, a) => Match::Source(*n, a.as_cidr()),
                Arg::Destination(n, a) => Match::Destination(*n, a.as_cidr()),
                Arg::DestinationPort(p) => Match::DestinationPort(*p),
                Arg::InInterface(n, i) => Match::InInterface(*n, i.as_str()),
                Arg::SrcTypeLocal(n) => Match::SrcTypeLocal(*n),
                Arg::DstTypeLocal(n) => Match::DstTypeLocal(*n),
                // IPVS mode's matches are walked by proxy::ipvs's own tracer.
                Arg::CtState(..)
                | Arg::Mark { .. }
                | Arg::MatchSet { .. }
                | Arg::PhysdevIsIn(_)
                | Arg::Ipvs { .. } => Match::State,
                Arg::Probability(_) => return None,
                Arg::RecentCheck { name, seconds } => Match::RecentCheck(name, *seconds),
                Arg::RecentSet { name } => Match::RecentSet(name),
            })
        })
        .collect();
    let action = match &rule.target {
        None => Action::Continue,
        Some(Target::Jump(chain)) if &**chain == KUBE_MARK_MASQ => Action::Masquerade,
        Some(Target::Jump(chain)) => match by_name.get(&(table, &**chain)) {
            Some(&at) => Action::Jump(at),
            None => Action::Continue,
        },
        Some(Target::Accept) => Action::Accept,
        Some(Target::Drop) => Action::Drop,
        Some(Target::Reject) => Action::Reject,
        Some(Target::Return) => Action::Return,
        Some(Target::Dnat { ip, port }) => Action::Dnat(*ip, *port),
        Some(Target::Masquerade { .. } | Target::MarkOr(_) | Target::MarkXor(_)) => {
            Action::Continue
        }
    };
    Compiled {
        rule,
        index,
        has_target: rule.target.is_some(),
        probability,
        matches,
        action,
    }
}

struct Walk<'p, 'a> {
    program: &'p Program<'a>,
    src: IpAddr,
    dst: IpAddr,
    dport: i64,
    protocol: Protocol,
    from_local_pod: bool,
    walked: Walked,
}

impl<'a> Walk<'_, 'a> {
    /// Whether the rule's matches hold (the random one aside: the caller asks for it).
    fn matches(&self, rule: &Compiled<'a>, choices: &mut impl Choices) -> bool {
        for m in rule.matches.iter() {
            let ok = match m {
                Match::Source(n, c) => n.apply(c.contains(&self.src)),
                Match::Destination(n, c) => n.apply(c.contains(&self.dst)),
                Match::InInterface(n, pattern) => n.apply(
                    self.from_local_pod && self.program.pod_interface.as_deref() == Some(*pattern),
                ),
                Match::Protocol(p) => *p == self.protocol,
                Match::DestinationPort(p) => *p == self.dport,
                Match::SrcTypeLocal(n) => n.apply(self.program.is_local(&self.src)),
                Match::DstTypeLocal(n) => n.apply(self.program.is_local(&self.dst)),
                Match::State => false,
                Match::RecentCheck(list, seconds) => choices.recent_check(list, self.src, *seconds),
                Match::RecentSet(_) => true,
            };
            if !ok {
                return false;
            }
        }
        true
    }

    /// Runs one chain; returns whether the walk ended in it.
    fn run(
        &mut self,
        chain: usize,
        depth: usize,
        choices: &mut impl Choices,
        visitor: &mut impl Visitor,
    ) -> bool {
        let program = self.program;
        let current = &program.chains[chain];
        for rule in &current.rules {
            // Rules without a target only count packets; the tests skip them.
            if !rule.has_target || !self.matches(rule, choices) {
                continue;
            }
            let random = rule.probability;
            let branch = match random {
                Some(p) => choices.statistic(p),
                None => Branch::Taken,
            };
            if branch == Branch::Skipped {
                continue;
            }
            for m in &rule.matches {
                if let Match::RecentSet(list) = m {
                    choices.recent_set(list, self.src);
                }
            }
            let effect = match rule.action {
                Action::Jump(to) => Effect::Jump(program.chains[to].name),
                Action::Masquerade => Effect::Masquerade,
                Action::Dnat(ip, port) => Effect::Dnat(ip, port),
                Action::Accept => Effect::Accept,
                Action::Drop => Effect::Drop,
                Action::Reject => Effect::Reject,
                Action::Return => Effect::Return,
                Action::Continue => Effect::Continue,
            };
            visitor.visit(&Event {
                depth,
                table: current.table,
                chain: current.name,
                index: rule.index,
                rule: rule.rule,
                effect,
                random: random.map(|p| (p, branch)),
            });
            match rule.action {
                Action::Masquerade => self.walked.masquerade = true,
                Action::Continue => {}
                Action::Return => return false,
                Action::Accept => return self.end(Output::Accept),
                Action::Drop => return self.end(Output::Drop),
                Action::Reject => return self.end(Output::Reject),
                Action::Dnat(ip, port) => return self.end(Output::Dnat { ip, port }),
                Action::Jump(to) => {
                    let ended = self.run(to, depth + 1, choices, visitor);
                    if ended && branch == Branch::Taken {
                        return true;
                    }
                }
            }
        }
        false
    }

    fn end(&mut self, output: Output) -> bool {
        self.walked.outputs.push(output);
        true
    }
}

/// The node's rules of `packet`'s family walked with every branch followed: the
/// command-line contract's trace, each hop linked to its rule and object.
pub fn trace(facts: &ProxyFacts, tables: &NodeTables, packet: Packet) -> Trace {
    trace_with(
        &Program::compile(tables, facts),
        facts,
        packet,
        &mut EveryBranch,
    )
}

/// One walk of `packet` with `choices` deciding the random and stateful matches,
/// collected into a [`Trace`]: with a simulator's seeded choices, one request seen hop
/// by hop.
pub fn trace_with(
    program: &Program<'_>,
    facts: &ProxyFacts,
    packet: Packet,
    choices: &mut impl Choices,
) -> Trace {
    let mut hops = Hops {
        facts,
        hops: Vec::new(),
    };
    let walked = program.walk(&packet, choices, &mut hops);
    Trace {
        packet,
        hops: hops.hops,
        outcome: Outcome::from_outputs(walked.outputs.iter().map(Output::to_string).collect()),
        masquerade: walked.masquerade,
    }
}

/// Collects a walk's events as [`Hop`]s for people.
struct Hops<'f> {
    facts: &'f ProxyFacts,
    hops: Vec<Hop>,
}

impl Visitor for Hops<'_> {
    fn visit(&mut self, event: &Event<'_>) {
        let (kind, mut verdict) = match event.effect {
            Effect::Jump(to) => (HopKind::Jump, format!("jump to {to}")),
            Effect::Masquerade => (
                HopKind::Masquerade,
                "MASQUERADE: marked for masquerading (KUBE-MARK-MASQ)".to_string(),
            ),
            Effect::Dnat(ip, port) => (
                HopKind::Dnat,
                format!("DNAT to {}", join_host_port(&ip, port)),
            ),
            Effect::Accept => (HopKind::Verdict, "ACCEPT".to_string()),
            Effect::Drop => (HopKind::Verdict, "DROP".to_string()),
            Effect::Reject => (HopKind::Verdict, "REJECT".to_string()),
            Effect::Return => (HopKind::Return, "return".to_string()),
            Effect::Continue => (HopKind::Match, "continue".to_string()),
        };
        if let Some((p, branch)) = event.random {
            let how = match branch {
                Branch::Both => "both branches followed",
                Branch::Taken => "taken",
                Branch::Skipped => "not taken",
            };
            verdict.push_str(&format!(
                " (random, probability {}: {how})",
                format_probability(p)
            ));
        }
        let source = event.rule.source;
        let service_port = source
            .service_port
            .and_then(|i| self.facts.service_ports.get(i));
        let object = match (service_port, source.endpoint) {
            (Some(sp), Some(e)) => sp
                .endpoints
                .get(e)
                .and_then(|e| e.slice.object())
                .or_else(|| sp.info.origin.object()),
            (Some(sp), None) => sp.info.origin.object(),
            _ => None,
        };
        self.hops.push(Hop {
            depth: event.depth,
            location: format!("{} {}", event.table.as_str(), event.chain),
            rule: event.rule.to_string(),
            verdict,
            object,
            kind,
            rule_ref: Some(RuleRef {
                table: event.table.as_str().to_string(),
                chain: event.chain.to_string(),
                index: event.index,
                service_port: source.service_port,
                endpoint: source.endpoint,
            }),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{Options, analyze};

    /// Three endpoints behind one Service with ClientIP affinity.
    const SCENARIO: &str = "\
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  clusterIP: 10.96.0.20
  sessionAffinity: ClientIP
  ports: [{name: http, port: 80, protocol: TCP}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: web-1
  namespace: shop
  labels: {kubernetes.io/service-name: web}
addressType: IPv4
endpoints:
- addresses: [10.244.1.5]
- addresses: [10.244.2.5]
- addresses: [10.244.3.5]
ports: [{name: http, port: 8080, protocol: TCP}]
";

    /// A simulator's choices: xorshift random numbers and `recent` lists.
    struct Seeded {
        state: u64,
        recent: Vec<(String, IpAddr)>,
    }

    impl Choices for Seeded {
        fn statistic(&mut self, probability: f64) -> Branch {
            self.state ^= self.state << 13;
            self.state ^= self.state >> 7;
            self.state ^= self.state << 17;
            let draw = (self.state >> 11) as f64 / (1u64 << 53) as f64;
            if draw < probability {
                Branch::Taken
            } else {
                Branch::Skipped
            }
        }

        fn recent_check(&mut self, list: &str, src: IpAddr, _seconds: i64) -> bool {
            self.recent.iter().any(|(l, s)| l == list && *s == src)
        }

        fn recent_set(&mut self, list: &str, src: IpAddr) {
            self.recent.push((list.to_string(), src));
        }
    }

    fn setup() -> (ProxyFacts, NodeTables) {
        let analysis = analyze(SCENARIO, Options { stored: true });
        let facts = analysis.proxy_facts(&analysis.default_node()).remove(0);
        let ruleset = crate::proxy::iptables::render(&facts);
        let tables = NodeTables::after_sync(&ruleset, &facts.node);
        (facts, tables)
    }

    fn packet(src: &str) -> Packet {
        Packet {
            src: src.parse().unwrap(),
            dst: "10.96.0.20".parse().unwrap(),
            dport: 80,
            protocol: Protocol::Tcp,
        }
    }

    #[test]
    fn every_branch_lists_every_endpoint() {
        let (facts, tables) = setup();
        let trace = trace(&facts, &tables, packet("10.244.9.9"));
        assert_eq!(
            trace.outcome.to_string(),
            "10.244.1.5:8080, 10.244.2.5:8080, 10.244.3.5:8080"
        );
        assert!(!trace.masquerade);
        assert!(trace.hops.iter().any(|h| h.kind == HopKind::Dnat));
        let dnat = trace.hops.iter().find(|h| h.kind == HopKind::Dnat).unwrap();
        assert_eq!(dnat.object, Some(1), "the DNAT links to the EndpointSlice");
        // From outside the cluster CIDR, the ClusterIP masquerade rule matches.
        assert!(trace_masq(&facts, &tables, "192.0.2.7"));
    }

    fn trace_masq(facts: &ProxyFacts, tables: &NodeTables, src: &str) -> bool {
        trace(facts, tables, packet(src)).masquerade
    }

    #[test]
    fn a_simulator_picks_one_branch_and_affinity_sticks() {
        let (facts, tables) = setup();
        let program = Program::compile(&tables, &facts);
        let mut choices = Seeded {
            state: 0x9E37_79B9_7F4A_7C15,
            recent: Vec::new(),
        };
        // Without affinity memory carried over (a new chooser per client), the cascade
        // spreads connections evenly.
        let mut counts = [0usize; 3];
        for i in 0..3000u32 {
            choices.recent.clear();
            let src = format!("10.244.{}.{}", 100 + i / 250, i % 250 + 1);
            let walked = program.walk(&packet(&src), &mut choices, &mut ());
            assert_eq!(walked.outputs.len(), 1, "one endpoint per connection");
            let Output::Dnat { ip, .. } = walked.outputs[0] else {
                panic!("not a DNAT: {walked:?}");
            };
            let third = match ip.to_string().as_str() {
                "10.244.1.5" => 0,
                "10.244.2.5" => 1,
                _ => 2,
            };
            counts[third] += 1;
        }
        for c in counts {
            assert!((850..1150).contains(&c), "uneven: {counts:?}");
        }
        // With the `recent` lists kept, one client always lands on its first endpoint.
        choices.recent.clear();
        let first = program.walk(&packet("10.244.200.1"), &mut choices, &mut ());
        for _ in 0..20 {
            let again = program.walk(&packet("10.244.200.1"), &mut choices, &mut ());
            assert_eq!(again.outputs, first.outputs);
        }
    }
}
