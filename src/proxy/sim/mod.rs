//! N seeded requests through one node's rules: the engines behind
//! [`Proxier::simulate`](super::Proxier::simulate).
//!
//! Nothing here models a mode a second time: each engine drives the mode's own walker
//! through its seam, and draws every random choice from the seeded generator [`rng`].
//!
//! - iptables ([`iptables`]): the compiled [`Program`](crate::proxy::iptables::trace::Program)
//!   walked once per request; its `statistic` choices are drawn like xt_statistic (31
//!   random bits against the probability stored as `p · 2³¹`), its `recent` lists are kept
//!   with their timestamps on the simulated clock. The analytical probabilities come from
//!   enumerating every branch sequence of the same walk, multiplying the stored
//!   probabilities along it.
//! - nftables ([`nftables`]): the table's tracer with a chooser that draws `numgen random
//!   mod n` like the kernel and keeps the affinity sets with their timeouts; analytically,
//!   every `numgen` branch has probability 1/n.
//! - IPVS ([`ipvs`]): the IPVS walk (its iptables rules and the virtual server) decides
//!   whether the request reaches a virtual server; the kernel's scheduler state machine
//!   ([`IpvsService`](crate::proxy::ipvs::kernel::IpvsService)) then picks the real server
//!   for each connection, with connection and persistence state. Each request is one
//!   short connection (opened and closed at its time).
//! - userspace ([`userspace`]): the portal rules, then kube-proxy v1.25's round robin with
//!   ClientIP affinity.
//!
//! Affinity (ClientIP) pins a client until its timeout; the analytical probability is
//! then the distribution of a new client's first request.

pub mod iptables;
pub mod ipvs;
pub mod nftables;
pub mod rng;
pub mod userspace;

use crate::proxy::ProxyFacts;
use crate::proxy::trace::{Hop, HopKind, Outcome, Packet, Trace};
use std::collections::HashMap;
use std::net::IpAddr;

/// The default spacing of requests on the simulated clock.
pub const DEFAULT_INTERVAL_MS: u64 = 1000;

/// How many requests to send, with which seed, how far apart on the simulated clock, and
/// how many of the first to list in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Requests {
    pub count: u64,
    pub seed: u64,
    /// Milliseconds between two requests.
    pub interval_ms: u64,
    /// How many of the first requests to list in order in [`Tally::sequence`].
    pub record: usize,
}

/// What happened to one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Landed {
    Endpoint(IpAddr, i64),
    Drop,
    Reject,
    Unhandled,
}

impl Landed {
    /// The first end of a walk's outputs: a drop or reject anywhere wins, then the first
    /// DNAT destination, else nothing handled the packet.
    pub fn of_outcome(outcome: &Outcome) -> Landed {
        let strings: Vec<&str> = match outcome {
            Outcome::Dnat(v) | Outcome::Several(v) => v.iter().map(String::as_str).collect(),
            Outcome::Accept | Outcome::Nothing => return Landed::Unhandled,
            Outcome::Drop => return Landed::Drop,
            Outcome::Reject => return Landed::Reject,
        };
        if strings.contains(&"DROP") {
            return Landed::Drop;
        }
        if strings.contains(&"REJECT") {
            return Landed::Reject;
        }
        strings
            .iter()
            .find_map(|s| parse_host_port(s))
            .map_or(Landed::Unhandled, |(ip, port)| Landed::Endpoint(ip, port))
    }
}

/// `ip:port` or `[ip]:port`.
pub fn parse_host_port(text: &str) -> Option<(IpAddr, i64)> {
    let (host, port) = text.rsplit_once(':')?;
    let ip = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse()
        .ok()?;
    Some((ip, port.parse().ok()?))
}

/// The exact distribution over ends, in the order the rules list them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Analytic {
    pub ends: Vec<(Landed, f64)>,
    /// Probability that a request is masqueraded (informational).
    pub masquerade: f64,
}

impl Analytic {
    pub fn add(&mut self, landed: Landed, p: f64) {
        if let Some(e) = self.ends.iter_mut().find(|(l, _)| *l == landed) {
            e.1 += p;
        } else {
            self.ends.push((landed, p));
        }
    }

    pub fn of(&self, landed: Landed) -> f64 {
        self.ends
            .iter()
            .find(|(l, _)| *l == landed)
            .map_or(0.0, |(_, p)| *p)
    }
}

/// Counts per end, kept while the requests run.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Tally {
    pub index: HashMap<Landed, usize>,
    pub counts: Vec<(Landed, u64)>,
    pub masqueraded: u64,
    /// How many requests [`Tally::add`] lists in `sequence`.
    pub record: usize,
    pub sequence: Vec<Landed>,
}

impl Tally {
    /// A tally that lists the first `record` requests in order.
    pub fn recording(record: usize) -> Tally {
        Tally {
            record,
            ..Tally::default()
        }
    }

    #[inline]
    pub fn add(&mut self, landed: Landed, masquerade: bool) {
        if self.sequence.len() < self.record {
            self.sequence.push(landed);
        }
        let counts = &mut self.counts;
        let at = *self.index.entry(landed).or_insert_with(|| {
            counts.push((landed, 0));
            counts.len() - 1
        });
        self.counts[at].1 += 1;
        if masquerade {
            self.masqueraded += 1;
        }
    }

    /// `count` requests at once (nothing is added for 0, so unreached ends stay unlisted).
    pub fn add_many(&mut self, landed: Landed, masquerade: bool, count: u64) {
        if count == 0 {
            return;
        }
        let counts = &mut self.counts;
        let at = *self.index.entry(landed).or_insert_with(|| {
            counts.push((landed, 0));
            counts.len() - 1
        });
        self.counts[at].1 += count;
        if masquerade {
            self.masqueraded += count;
        }
    }

    pub fn count(&self, landed: Landed) -> u64 {
        self.index.get(&landed).map_or(0, |&i| self.counts[i].1)
    }
}

impl EngineOutput {
    /// Every request ending alike (dropped, rejected, not proxied, or at the one endpoint
    /// a mode's own choice never comes into): counted, with probability 1.
    pub fn alike(
        landed: Landed,
        masquerade: bool,
        facts: &ProxyFacts,
        packet: &Packet,
        request: &Requests,
    ) -> EngineOutput {
        let mut tally = Tally::recording(request.record);
        for _ in 0..request.count {
            tally.add(landed, masquerade);
        }
        let mut analytic = Analytic::default();
        analytic.add(landed, 1.0);
        EngineOutput {
            tally,
            analytic: Some(analytic),
            affinity_seconds: affinity_of(facts, packet),
            note: None,
        }
    }
}

/// What one engine produced.
#[derive(Clone, Debug, PartialEq)]
pub struct EngineOutput {
    pub tally: Tally,
    /// `None`: the mode's choice has no closed form (some IPVS schedulers).
    pub analytic: Option<Analytic>,
    pub affinity_seconds: Option<i64>,
    pub note: Option<String>,
}

/// The ClientIP affinity timeout of the Service port `packet` is addressed to (by
/// ClusterIP, externalIP, load-balancer IP or NodePort), if that port has affinity.
pub fn affinity_of(facts: &ProxyFacts, packet: &Packet) -> Option<i64> {
    facts
        .service_ports
        .iter()
        .map(|sp| &sp.info)
        .find(|info| info.addressed_by(packet.dst, i64::from(packet.dport), packet.protocol))
        .and_then(|info| info.session_affinity_timeout)
}

/// One request of a watched run ([`Proxier::watch`](super::Proxier::watch)): its own
/// walk through the rules, with the random choices and affinity state the seeded run
/// gave it — the same request, at the same place in the seeded sequence, as the one
/// [`Tally::sequence`] lists.
#[derive(Clone, Debug, PartialEq)]
pub struct Watched {
    /// The walk of this request alone: one branch of every random rule, the one drawn.
    pub trace: Trace,
    /// Where it ended, as the simulator counts it.
    pub landed: Landed,
    /// The hop (an index into `trace.hops`) that chose: the rule that jumped into the
    /// chosen endpoint's chain, the `numgen` or affinity rule, the virtual server's
    /// scheduler, the userspace proxy's round robin; for a drop or reject, the rule
    /// with that verdict.
    pub decided_by: Option<usize>,
    /// ClientIP affinity chose (a `recent` entry, an affinity set, a persistence
    /// template or the round robin's remembered client), not a fresh random draw.
    pub pinned: bool,
}

impl Watched {
    /// A watched request from its walk, `decided_by` found from the hops: for an
    /// endpoint, the hop one level up from the DNAT (the rule that jumped into the
    /// endpoint's chain), for a drop or reject the last verdict.
    pub fn of_walk(trace: Trace, pinned: bool) -> Watched {
        let landed = Landed::of_outcome(&trace.outcome);
        let decided_by = deciding_hop(&trace.hops, landed);
        Watched {
            trace,
            landed,
            decided_by,
            pinned,
        }
    }
}

/// The hop that chose a walk's end; see [`Watched::decided_by`].
pub fn deciding_hop(hops: &[Hop], landed: Landed) -> Option<usize> {
    match landed {
        Landed::Endpoint(..) => {
            let dnat = hops.iter().rposition(|h| h.kind == HopKind::Dnat)?;
            let depth = hops[dnat].depth;
            if depth == 0 {
                return Some(dnat);
            }
            hops[..dnat]
                .iter()
                .rposition(|h| h.depth + 1 == depth && h.kind == HopKind::Jump)
                .or(Some(dnat))
        }
        // The verdict ends the walk: its last verdict hop, else its last hop (a verdict
        // map element, the userspace proxy closing the connection).
        Landed::Drop | Landed::Reject => hops
            .iter()
            .rposition(|h| h.kind == HopKind::Verdict)
            .or(hops.len().checked_sub(1)),
        Landed::Unhandled => None,
    }
}
