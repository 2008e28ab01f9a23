//! nftables mode: requests walked through the `kube-proxy` table by its own tracer.
//!
//! [`Seeded`] implements the tracer's [`Chooser`] seam: `numgen random mod n` draws like
//! the kernel (`reciprocal_scale` of a 32-bit random number), and the affinity sets
//! (`update @affinity-… { ip saddr }` with the set's timeout) live in an
//! [`AffinitySets`] on the simulated clock. [`analytic`] enumerates every sequence of
//! `numgen` branches of one walk with empty affinity sets (a new client); each branch of
//! `mod n` has probability 1/n.

use super::rng::Rng;
use super::{Analytic, EngineOutput, Landed, SimRequest, Tally};
use crate::proxy::ProxyFacts;
use crate::proxy::nftables::trace::{AffinitySets, Branches, Chooser};
use crate::proxy::nftables::{Table, trace};
use crate::proxy::trace::Packet;
use std::net::IpAddr;

/// Seeded `numgen` draws and affinity sets at `now_ms`.
pub struct Seeded {
    pub rng: Rng,
    pub now_ms: u64,
    pub affinity: AffinitySets,
}

impl Chooser for Seeded {
    fn numgen(&mut self, n: usize) -> Branches {
        let n32 = u32::try_from(n).unwrap_or(u32::MAX);
        Branches::One(self.rng.below(n32) as usize)
    }

    fn in_dynamic_set(&self, set: &str, addr: IpAddr) -> bool {
        self.affinity.contains(set, addr, self.now_ms)
    }

    fn update_dynamic_set(&mut self, set: &str, addr: IpAddr, timeout: Option<u64>) {
        self.affinity
            .update(set, addr, self.now_ms, timeout.unwrap_or(0));
    }
}

/// Replays a prefix of `numgen` branches, then takes branch 0 of every new one.
struct Script {
    /// (branch, n).
    decisions: Vec<(usize, usize)>,
    at: usize,
}

impl Chooser for Script {
    fn numgen(&mut self, n: usize) -> Branches {
        if self.at == self.decisions.len() {
            self.decisions.push((0, n.max(1)));
        }
        let branch = self.decisions[self.at].0;
        self.at += 1;
        Branches::One(branch)
    }

    fn in_dynamic_set(&self, _set: &str, _addr: IpAddr) -> bool {
        false
    }

    fn update_dynamic_set(&mut self, _set: &str, _addr: IpAddr, _timeout: Option<u64>) {}
}

/// More branch sequences than this and the enumeration stops.
const MAX_PATHS: usize = 1 << 14;

/// The exact distribution of a new client's request.
pub fn analytic(table: &Table, facts: &ProxyFacts, packet: &Packet) -> Analytic {
    let mut result = Analytic::default();
    let mut script = Script {
        decisions: Vec::new(),
        at: 0,
    };
    for _ in 0..MAX_PATHS {
        script.at = 0;
        let walked = trace(table, facts, *packet, &mut script);
        script.decisions.truncate(script.at);
        let p: f64 = script
            .decisions
            .iter()
            .map(|&(_, n)| 1.0 / n as f64)
            .product();
        result.add(Landed::of_outcome(&walked.outcome), p);
        if walked.masquerade {
            result.masquerade += p;
        }
        // Odometer: advance the last decision that has branches left.
        while script.decisions.last().is_some_and(|&(b, n)| b + 1 >= n) {
            script.decisions.pop();
        }
        match script.decisions.last_mut() {
            Some(last) => last.0 += 1,
            None => break,
        }
    }
    result
}

/// Runs the requests through the node's `kube-proxy` table.
pub fn simulate(facts: &ProxyFacts, packet: &Packet, request: &SimRequest) -> EngineOutput {
    let ruleset = crate::proxy::nftables::ruleset(facts);
    let table = &ruleset.table;
    let analytic = analytic(table, facts, packet);
    let mut chooser = Seeded {
        rng: Rng::new(request.seed),
        now_ms: 0,
        affinity: AffinitySets::new(),
    };
    let mut tally = Tally::default();
    for i in 0..request.requests {
        chooser.now_ms = i.saturating_mul(request.interval_ms);
        let walked = trace(table, facts, *packet, &mut chooser);
        tally.add(Landed::of_outcome(&walked.outcome), walked.masquerade);
    }
    EngineOutput {
        tally,
        analytic: Some(analytic),
        affinity_seconds: super::affinity_of(facts, packet),
        note: None,
    }
}
