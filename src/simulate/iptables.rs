//! iptables mode: requests walked through the node's compiled tables.
//!
//! [`Seeded`] implements the tracer's [`Choices`] seam: a `statistic` rule matches when
//! 31 random bits fall below the threshold the kernel stores (iptables parses kube-proxy's
//! `%.10f` text and keeps `lround(p · 2³¹)`), and the `recent` lists remember when each
//! client was last `--set`, so `--rcheck --seconds T` holds while the client was seen
//! less than T seconds ago on the simulated clock. [`analytic`] enumerates every branch
//! sequence of one walk (with empty `recent` lists: a new client) and multiplies the
//! stored probabilities along each.

use super::rng::Rng;
use super::{Analytic, EngineOutput, Landed, SimRequest, Tally};
use crate::proxy::ProxyFacts;
use crate::proxy::iptables::node::NodeTables;
use crate::proxy::iptables::save::stored_probability;
use crate::proxy::iptables::trace::{Branch, Choices, Output, Program, Walked};
use crate::proxy::trace::Packet;
use std::collections::HashMap;
use std::net::IpAddr;

/// 2³¹, the scale of xt_statistic's stored probability.
const SCALE: f64 = 2_147_483_648.0;

/// The threshold the kernel stores for a probability kube-proxy wrote as `%.10f`.
///
/// The fast path rounds `p · 10¹⁰` to the written digits; when that product is too
/// close to a rounding tie for floating point to be sure, the exact text round trip of
/// [`stored_probability`] decides.
#[inline]
pub fn stored_threshold(p: f64) -> u32 {
    let scaled = p * 1e10;
    let frac = scaled - scaled.floor();
    let written = if (frac - 0.5).abs() < 1e-4 {
        return (stored_probability(p) * SCALE) as u32;
    } else {
        scaled.round() / 1e10
    };
    (written * SCALE).round() as u32
}

/// The probability the kernel applies for a written one (threshold / 2³¹).
pub fn kernel_probability(p: f64) -> f64 {
    f64::from(stored_threshold(p)) / SCALE
}

/// A simulator's choices: seeded draws and `recent` lists on a simulated clock.
#[derive(Clone, Debug)]
pub struct Seeded {
    pub rng: Rng,
    pub now_ms: u64,
    /// list → client → time of its last `--set`, in milliseconds.
    pub recent: HashMap<String, HashMap<IpAddr, u64>>,
}

impl Seeded {
    pub fn new(seed: u64) -> Seeded {
        Seeded {
            rng: Rng::new(seed),
            now_ms: 0,
            recent: HashMap::new(),
        }
    }
}

impl Choices for Seeded {
    #[inline]
    fn statistic(&mut self, probability: f64) -> Branch {
        if self.rng.statistic(stored_threshold(probability)) {
            Branch::Taken
        } else {
            Branch::Skipped
        }
    }

    fn recent_check(&mut self, list: &str, src: IpAddr, seconds: i64) -> bool {
        // xt_recent: the entry matches while `now - last_seen` is within the window
        // (`time_after(last + seconds·HZ, now)`), i.e. strictly less than T seconds old.
        self.recent
            .get(list)
            .and_then(|m| m.get(&src))
            .is_some_and(|&last| {
                self.now_ms.saturating_sub(last) < (seconds.max(0) as u64).saturating_mul(1000)
            })
    }

    fn recent_set(&mut self, list: &str, src: IpAddr) {
        let now = self.now_ms;
        if let Some(m) = self.recent.get_mut(list) {
            m.insert(src, now);
        } else {
            self.recent
                .insert(list.to_string(), HashMap::from([(src, now)]));
        }
    }
}

/// One walk's end as the simulator counts it.
pub fn landed(walked: &Walked) -> Landed {
    let mut first = None;
    for o in &walked.outputs {
        match o {
            Output::Drop => return Landed::Drop,
            Output::Reject => return Landed::Reject,
            Output::Dnat { ip, port } if first.is_none() => {
                first = Some(Landed::Endpoint(*ip, *port));
            }
            _ => {}
        }
    }
    first.unwrap_or(Landed::Unhandled)
}

/// Replays a fixed prefix of branch decisions, then takes every new random rule.
struct Script {
    /// (taken, the kernel's probability of the rule).
    decisions: Vec<(bool, f64)>,
    at: usize,
}

impl Choices for Script {
    fn statistic(&mut self, probability: f64) -> Branch {
        if self.at == self.decisions.len() {
            self.decisions.push((true, kernel_probability(probability)));
        }
        let taken = self.decisions[self.at].0;
        self.at += 1;
        if taken {
            Branch::Taken
        } else {
            Branch::Skipped
        }
    }
}

/// More branch sequences than this and the enumeration stops (a cascade has one per
/// endpoint; this is far above any real Service).
const MAX_PATHS: usize = 1 << 16;

/// The exact distribution of a new client's request over the ends of the walk.
pub fn analytic(program: &Program<'_>, packet: &Packet) -> Analytic {
    let mut result = Analytic::default();
    let mut script = Script {
        decisions: Vec::new(),
        at: 0,
    };
    let mut walked = Walked::default();
    for _ in 0..MAX_PATHS {
        script.at = 0;
        program.walk_into(packet, &mut script, &mut (), &mut walked);
        // Decisions past what this walk used belong to an abandoned branch.
        script.decisions.truncate(script.at);
        let p: f64 = script
            .decisions
            .iter()
            .map(|&(taken, p)| if taken { p } else { 1.0 - p })
            .product();
        let end = landed(&walked);
        result.add(end, p);
        if walked.masquerade {
            result.masquerade += p;
        }
        // The next sequence: flip the last taken branch, dropping what followed it.
        while script.decisions.last().is_some_and(|d| !d.0) {
            script.decisions.pop();
        }
        match script.decisions.last_mut() {
            Some(last) => last.0 = false,
            None => break,
        }
    }
    result
}

/// The affinity timeout of the Service port `packet` is addressed to, if any.
fn affinity(facts: &ProxyFacts, packet: &Packet) -> Option<i64> {
    super::affinity_of(facts, packet)
}

/// Runs the requests through the node's iptables rules.
pub fn simulate(facts: &ProxyFacts, packet: &Packet, request: &SimRequest) -> EngineOutput {
    let ruleset = crate::proxy::iptables::render(facts);
    let tables = NodeTables::after_sync(&ruleset, &facts.node);
    let program = Program::compile(&tables, facts);
    let analytic = analytic(&program, packet);
    let mut choices = Seeded::new(request.seed);
    let mut tally = Tally::default();
    let mut walked = Walked::default();
    for i in 0..request.requests {
        choices.now_ms = i.saturating_mul(request.interval_ms);
        program.walk_into(packet, &mut choices, &mut (), &mut walked);
        tally.add(landed(&walked), walked.masquerade);
    }
    EngineOutput {
        tally,
        analytic: Some(analytic),
        affinity_seconds: affinity(facts, packet),
        note: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_are_the_kernels() {
        // The reference README's figures: 0.3333333333 → 0.33333333349, 0.2 →
        // 0.20000000019, 0.1666666667 → 0.16666666651, 0.1 → 0.10000000009.
        assert_eq!(
            format!("{:.11}", kernel_probability(1.0 / 3.0)),
            "0.33333333349"
        );
        assert_eq!(format!("{:.11}", kernel_probability(0.2)), "0.20000000019");
        assert_eq!(
            format!("{:.11}", kernel_probability(1.0 / 6.0)),
            "0.16666666651"
        );
        assert_eq!(format!("{:.11}", kernel_probability(0.1)), "0.10000000009");
        assert_eq!(stored_threshold(0.5), 1 << 30);
        for n in 1..2000u32 {
            let p = 1.0 / f64::from(n);
            assert_eq!(
                f64::from(stored_threshold(p)) / SCALE,
                stored_probability(p),
                "1/{n}"
            );
        }
    }
}
