//! Packet walks through the `kube-proxy` table.
//!
//! [`trace`] follows the first packet of a connection the way kube-proxy's own packet-flow
//! tests do (`helpers_test.go`'s `tracePacket`): `filter-prerouting-pre-dnat`, then
//! `nat-prerouting`, then (with the destination rewritten by the DNAT, if any)
//! `filter-forward` and `filter-input`. The output hooks hold the same rules and are not
//! walked again; `nat-postrouting` only masquerades, which the walk reports as the mark.
//!
//! Random choices and dynamic sets go through a [`Chooser`], the seam between the
//! contract trace and a simulation: [`AllBranches`] follows every branch of `numgen random
//! mod N` (what `svcplay trace` prints: every endpoint the packet can reach) with empty
//! affinity sets; [`OneBranch`] follows the branch its `pick` function chooses and keeps
//! the affinity sets' entries in an [`AffinitySets`] with explicit time, as the kernel does
//! with `update @affinity-… { ip saddr }` and the set's timeout.

use super::list::Listed;
use super::{Expr, Key, Op, Rule, SetFlag, Table, Verdict};
use crate::model::ip::{IpFamily, join_host_port};
use crate::proxy::ProxyFacts;
use crate::proxy::trace::{Hop, HopKind, Outcome, Packet, Trace};
use std::collections::BTreeMap;
use std::net::IpAddr;

/// Which branches of a `numgen random mod N` to follow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Branches {
    All,
    One(usize),
}

/// The choices a walk cannot make from the rules alone.
pub trait Chooser {
    /// `numgen random mod n`: which branches to follow.
    fn numgen(&mut self, n: usize) -> Branches;
    /// Whether `addr` is in the dynamic set `set` now.
    fn in_dynamic_set(&self, set: &str, addr: IpAddr) -> bool;
    /// `update @set { ip saddr }`: (re)add `addr`, expiring after `timeout` seconds.
    fn update_dynamic_set(&mut self, set: &str, addr: IpAddr, timeout: Option<u64>);
}

/// Every branch, empty affinity sets: the contract of `svcplay trace`.
#[derive(Clone, Copy, Debug, Default)]
pub struct AllBranches;

impl Chooser for AllBranches {
    fn numgen(&mut self, _n: usize) -> Branches {
        Branches::All
    }

    fn in_dynamic_set(&self, _set: &str, _addr: IpAddr) -> bool {
        false
    }

    fn update_dynamic_set(&mut self, _set: &str, _addr: IpAddr, _timeout: Option<u64>) {}
}

/// The entries of the dynamic (affinity) sets, with their expiry times in milliseconds
/// of the simulation's clock.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AffinitySets {
    entries: BTreeMap<(String, IpAddr), u64>,
}

impl AffinitySets {
    pub fn new() -> AffinitySets {
        AffinitySets::default()
    }

    /// Whether `addr` is in `set` at `now_ms` (an entry expires at its expiry time).
    pub fn contains(&self, set: &str, addr: IpAddr, now_ms: u64) -> bool {
        self.entries
            .get(&(set.to_string(), addr))
            .is_some_and(|&expiry| now_ms < expiry)
    }

    /// Adds or refreshes `addr` in `set` at `now_ms` for `timeout_s` seconds.
    pub fn update(&mut self, set: &str, addr: IpAddr, now_ms: u64, timeout_s: u64) {
        self.entries.insert(
            (set.to_string(), addr),
            now_ms.saturating_add(timeout_s.saturating_mul(1000)),
        );
    }

    /// Drops the entries expired at `now_ms` (what the kernel's garbage collection does).
    pub fn expire(&mut self, now_ms: u64) {
        self.entries.retain(|_, expiry| now_ms < *expiry);
    }

    /// The live entries at `now_ms`: (set, address, expiry).
    pub fn entries(&self, now_ms: u64) -> impl Iterator<Item = (&str, IpAddr, u64)> {
        self.entries
            .iter()
            .filter(move |(_, e)| now_ms < **e)
            .map(|((s, a), e)| (s.as_str(), *a, *e))
    }
}

/// One branch of each random choice, picked by `pick(n)` (which must return a value
/// below `n`; larger values are reduced modulo `n`), with affinity state at `now_ms`.
pub struct OneBranch<'a, F: FnMut(usize) -> usize> {
    pub pick: F,
    pub now_ms: u64,
    pub affinity: &'a mut AffinitySets,
}

impl<F: FnMut(usize) -> usize> Chooser for OneBranch<'_, F> {
    fn numgen(&mut self, n: usize) -> Branches {
        Branches::One((self.pick)(n) % n.max(1))
    }

    fn in_dynamic_set(&self, set: &str, addr: IpAddr) -> bool {
        self.affinity.contains(set, addr, self.now_ms)
    }

    fn update_dynamic_set(&mut self, set: &str, addr: IpAddr, timeout: Option<u64>) {
        self.affinity
            .update(set, addr, self.now_ms, timeout.unwrap_or(0));
    }
}

/// How a chain (or rule) ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Flow {
    /// Fell off the end, or matched nothing final: the caller continues.
    Continue,
    /// `return`, or a `goto` whose target fell off its end: leave this chain.
    Return,
    /// A final verdict (DNAT, drop, reject, or a random choice that DNATs).
    Done,
}

struct Walker<'a, 'c> {
    table: &'a Table,
    facts: &'a ProxyFacts,
    chooser: &'c mut dyn Chooser,
    packet: Packet,
    hops: Vec<Hop>,
    /// DNAT destinations, `DROP` and `REJECT`, in the order reached.
    outputs: Vec<String>,
    mark: u32,
}

impl Walker<'_, '_> {
    fn object(&self, rule_source: super::Source) -> Option<usize> {
        rule_source
            .service_port
            .and_then(|i| self.facts.service_ports.get(i))
            .and_then(|sp| sp.info.origin.object())
    }

    fn hop(&mut self, depth: usize, chain: &str, rule: &Rule, kind: HopKind, verdict: String) {
        let object = self.object(rule.source);
        self.hops.push(Hop {
            depth,
            location: chain.to_string(),
            rule: Listed(rule).to_string(),
            verdict,
            object,
            kind,
            rule_ref: None,
        });
    }

    fn addr(&self, dir: super::Dir) -> IpAddr {
        match dir {
            super::Dir::Src => self.packet.src,
            super::Dir::Dst => self.packet.dst,
        }
    }

    fn run_chain(&mut self, name: &str, depth: usize) -> Flow {
        let Some(chain) = self.table.chain(name) else {
            return Flow::Continue;
        };
        for rule in &chain.rules {
            match self.run_rule(name, rule, depth) {
                Flow::Continue => {}
                Flow::Return => return Flow::Continue,
                Flow::Done => return Flow::Done,
            }
        }
        Flow::Continue
    }

    /// Runs a verdict reached by a rule or a map element.
    fn verdict(&mut self, verdict: &Verdict, depth: usize) -> Flow {
        match verdict {
            Verdict::Jump(c) => match self.run_chain(c, depth + 1) {
                Flow::Done => Flow::Done,
                _ => Flow::Continue,
            },
            Verdict::Goto(c) => match self.run_chain(c, depth + 1) {
                Flow::Done => Flow::Done,
                _ => Flow::Return,
            },
            Verdict::Return => Flow::Return,
            Verdict::Drop => {
                self.outputs.push("DROP".into());
                Flow::Done
            }
            Verdict::Reject => {
                self.outputs.push("REJECT".into());
                Flow::Done
            }
            Verdict::Accept => Flow::Done,
        }
    }

    /// Runs one rule: its matches left to right, then its statements.
    fn run_rule(&mut self, chain: &str, rule: &Rule, depth: usize) -> Flow {
        let p = self.packet;
        for expr in &rule.exprs {
            let matched = match expr {
                Expr::CtStateNew => true,
                Expr::Addr { dir, op, value, .. } => {
                    value.contains(&self.addr(*dir)) == (*op == Op::Eq)
                }
                Expr::AddrSet { dir, op, items, .. } => {
                    let ip = self.addr(*dir);
                    items.iter().any(|i| i.contains(&ip)) == (*op == Op::Eq)
                }
                Expr::AddrLookup { dir, set, .. } => {
                    let ip = self.addr(*dir);
                    match self.table.set(set) {
                        Some(s) if s.flags.contains(&SetFlag::Dynamic) => {
                            self.chooser.in_dynamic_set(set, ip)
                        }
                        Some(s) => s.lookup(&Key::Addr(ip)).is_some(),
                        None => false,
                    }
                }
                Expr::FibLocal(dir) => self.facts.node.is_local_address(&self.addr(*dir)),
                // The packet carries no interface: a source inside the node's pod CIDRs
                // stands for "arrived on the pods' bridge or veth".
                Expr::Iif { op, .. } => {
                    let from_pod = self.facts.node.pod_cidrs.iter().any(|c| c.contains(&p.src));
                    from_pod == (*op == Op::Eq)
                }
                Expr::MarkUnset(m) => self.mark & m == 0,
                Expr::L4Proto(proto) => *proto == p.protocol,
                Expr::DestVmap { map, .. } => {
                    let key = Key::AddrProtoPort(p.dst, p.protocol, p.dport);
                    return self.vmap(chain, rule, map, key, depth);
                }
                Expr::PortVmap { map } => {
                    let key = Key::ProtoPort(p.protocol, p.dport);
                    return self.vmap(chain, rule, map, key, depth);
                }
                Expr::Numgen { targets } => {
                    return match self.chooser.numgen(targets.len()) {
                        Branches::All => {
                            self.hop(
                                depth,
                                chain,
                                rule,
                                HopKind::Jump,
                                format!("every branch of {}", targets.len()),
                            );
                            for t in targets {
                                self.run_chain(t, depth + 1);
                            }
                            Flow::Done
                        }
                        Branches::One(i) => {
                            let Some(t) = targets.get(i) else {
                                return Flow::Done;
                            };
                            self.hop(
                                depth,
                                chain,
                                rule,
                                HopKind::Jump,
                                format!("branch {i} of {}: goto {t}", targets.len()),
                            );
                            match self.run_chain(t, depth + 1) {
                                Flow::Done => Flow::Done,
                                _ => Flow::Return,
                            }
                        }
                    };
                }
                Expr::Verdict(v) => {
                    let kind = match v {
                        Verdict::Jump(_) | Verdict::Goto(_) => HopKind::Jump,
                        Verdict::Return => HopKind::Return,
                        Verdict::Drop | Verdict::Reject | Verdict::Accept => HopKind::Verdict,
                    };
                    self.hop(depth, chain, rule, kind, v.to_string());
                    return self.verdict(v, depth);
                }
                Expr::MarkSetOr(m) => {
                    self.mark |= m;
                    self.hop(
                        depth,
                        chain,
                        rule,
                        HopKind::Masquerade,
                        format!("mark |= {}", super::Mark(*m)),
                    );
                    true
                }
                Expr::MarkSetXor(m) => {
                    self.mark ^= m;
                    true
                }
                Expr::MasqueradeFullyRandom => true,
                Expr::Dnat { ip, port } => {
                    let to = join_host_port(ip, port);
                    self.hop(depth, chain, rule, HopKind::Dnat, format!("DNAT to {to}"));
                    self.outputs.push(to);
                    return Flow::Done;
                }
                Expr::Update { set, dir, .. } => {
                    let timeout = self.table.set(set).and_then(|s| s.timeout);
                    let ip = self.addr(*dir);
                    self.chooser.update_dynamic_set(set, ip, timeout);
                    self.hop(
                        depth,
                        chain,
                        rule,
                        HopKind::Match,
                        format!("remember {ip} in @{set}"),
                    );
                    true
                }
            };
            if !matched {
                return Flow::Continue;
            }
        }
        Flow::Continue
    }

    /// A verdict-map lookup: no element, no match; else the element's verdict.
    fn vmap(&mut self, chain: &str, rule: &Rule, map: &str, key: Key, depth: usize) -> Flow {
        let Some(element) = self.table.set(map).and_then(|m| m.lookup(&key)).cloned() else {
            return Flow::Continue;
        };
        let Some(verdict) = element.verdict.clone() else {
            return Flow::Continue;
        };
        let object = element
            .source
            .service_port
            .and_then(|i| self.facts.service_ports.get(i))
            .and_then(|sp| sp.info.origin.object())
            .or_else(|| self.object(rule.source));
        self.hops.push(Hop {
            depth,
            location: chain.to_string(),
            rule: Listed(rule).to_string(),
            verdict: format!("@{map}: {element}"),
            object,
            kind: HopKind::Jump,
            rule_ref: None,
        });
        self.verdict(&verdict, depth)
    }
}

/// Walks `packet` through `table` (the table of the packet's family) on the node of
/// `facts`, making random choices and reading dynamic sets through `chooser`.
pub fn trace(
    table: &Table,
    facts: &ProxyFacts,
    packet: Packet,
    chooser: &mut dyn Chooser,
) -> Trace {
    let mut w = Walker {
        table,
        facts,
        chooser,
        packet,
        hops: Vec::new(),
        outputs: Vec::new(),
        mark: 0,
    };
    let family_matches = IpFamily::of(&packet.dst) == table.family.ip_family()
        && IpFamily::of(&packet.src) == table.family.ip_family();
    if family_matches && w.run_chain("filter-prerouting-pre-dnat", 0) != Flow::Done {
        w.run_chain("nat-prerouting", 0);
        // After prerouting the pending DNAT rewrites the destination later hooks see.
        if let Some(ip) = w.outputs.first().and_then(|o| dnat_address(o)) {
            w.packet.dst = ip;
        }
        if w.run_chain("filter-forward", 0) != Flow::Done {
            w.run_chain("filter-input", 0);
        }
    }
    let masquerade_bit = 1u32 << facts.config.masquerade_bit;
    let outcome = outcome(&w.outputs);
    Trace {
        packet,
        hops: w.hops,
        outcome,
        masquerade: w.mark & masquerade_bit != 0,
    }
}

/// The outcome of the outputs: a drop or reject ends the packet wherever it happened;
/// otherwise every DNAT destination reached.
fn outcome(outputs: &[String]) -> Outcome {
    if outputs.iter().any(|o| o == "DROP") {
        Outcome::Drop
    } else if outputs.iter().any(|o| o == "REJECT") {
        Outcome::Reject
    } else if outputs.is_empty() {
        Outcome::Nothing
    } else {
        Outcome::Dnat(outputs.to_vec())
    }
}

/// The address of a DNAT destination `ip:port` or `[ip]:port`.
fn dnat_address(to: &str) -> Option<IpAddr> {
    let (host, _) = to.rsplit_once(':')?;
    host.trim_start_matches('[')
        .trim_end_matches(']')
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proxy::Protocol;
    use crate::scenario::{Options, analyze};

    const SCENARIO: &str = "\
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
mode: nftables
clusterCIDR: 10.244.0.0/16
---
apiVersion: v1
kind: Service
metadata: {namespace: ns, name: sticky}
spec:
  clusterIP: 10.96.0.45
  sessionAffinity: ClientIP
  sessionAffinityConfig: {clientIP: {timeoutSeconds: 60}}
  ports: [{name: p, port: 80}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  namespace: ns
  name: sticky-1
  labels: {kubernetes.io/service-name: sticky}
addressType: IPv4
endpoints:
- addresses: [10.244.1.1]
- addresses: [10.244.2.2]
ports: [{name: p, port: 8080}]
";

    fn walk(chooser: &mut dyn Chooser) -> Trace {
        let analysis = analyze(SCENARIO, Options { stored: true });
        let node = analysis.default_node();
        let facts = analysis.proxy_facts(&node);
        let rulesets = super::super::ruleset(&facts[0]);
        let packet = Packet {
            src: "10.244.3.3".parse().unwrap(),
            dst: "10.96.0.45".parse().unwrap(),
            dport: 80,
            protocol: Protocol::Tcp,
        };
        trace(&rulesets.table, &facts[0], packet, chooser)
    }

    #[test]
    fn all_branches_reach_every_endpoint() {
        let t = walk(&mut AllBranches);
        assert_eq!(t.outcome.to_string(), "10.244.1.1:8080, 10.244.2.2:8080");
        assert!(!t.masquerade);
    }

    #[test]
    fn one_branch_keeps_affinity_until_the_timeout() {
        let mut affinity = AffinitySets::new();
        // The first connection takes the random path: branch 1.
        let first = walk(&mut OneBranch {
            pick: |_| 1,
            now_ms: 0,
            affinity: &mut affinity,
        });
        assert_eq!(first.outcome.to_string(), "10.244.2.2:8080");
        assert_eq!(affinity.entries(0).count(), 1);
        // 30 s later the affinity set sends the client back, whatever numgen would say.
        let again = walk(&mut OneBranch {
            pick: |_| 0,
            now_ms: 30_000,
            affinity: &mut affinity,
        });
        assert_eq!(again.outcome.to_string(), "10.244.2.2:8080");
        assert!(
            again
                .hops
                .iter()
                .any(|h| h.rule.starts_with("ip saddr @affinity-"))
        );
        // The update refreshed the entry: it lives until 90 s, so at 89.999 s it holds…
        let held = walk(&mut OneBranch {
            pick: |_| 0,
            now_ms: 89_999,
            affinity: &mut affinity,
        });
        assert_eq!(held.outcome.to_string(), "10.244.2.2:8080");
        // …and 60 s after that last use it has expired: numgen decides again.
        let expired = walk(&mut OneBranch {
            pick: |_| 0,
            now_ms: 149_999,
            affinity: &mut affinity,
        });
        assert_eq!(expired.outcome.to_string(), "10.244.1.1:8080");
    }
}
