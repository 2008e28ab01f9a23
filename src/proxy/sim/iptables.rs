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
use super::{Analytic, EngineOutput, Landed, Requests, Tally, Watched};
use crate::proxy::ProxyFacts;
use crate::proxy::iptables::node::NodeTables;
use crate::proxy::iptables::save::stored_probability;
use crate::proxy::iptables::trace::{Branch, Choices, Output, Program, Walked, trace_with};
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

/// A direct-mapped cache of [`stored_threshold`]: a cascade asks for the same few
/// probabilities millions of times.
#[derive(Clone, Debug)]
struct Thresholds {
    slots: Box<[(u64, u32)]>,
}

impl Thresholds {
    const BITS: u32 = 9;

    fn new() -> Thresholds {
        // No probability has the bit pattern u64::MAX (a NaN), so empty slots never match.
        Thresholds {
            slots: vec![(u64::MAX, 0); 1 << Self::BITS].into_boxed_slice(),
        }
    }

    #[inline]
    fn get(&mut self, p: f64) -> u32 {
        let bits = p.to_bits();
        let slot = (bits.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - Self::BITS)) as usize;
        let entry = &mut self.slots[slot];
        if entry.0 != bits {
            *entry = (bits, stored_threshold(p));
        }
        entry.1
    }
}

/// A simulator's choices: seeded draws and `recent` lists on a simulated clock.
#[derive(Clone, Debug)]
pub struct Seeded {
    pub rng: Rng,
    pub now_ms: u64,
    /// list → client → time of its last `--set`, in milliseconds.
    pub recent: HashMap<String, HashMap<IpAddr, u64>>,
    thresholds: Thresholds,
}

impl Seeded {
    pub fn new(seed: u64) -> Seeded {
        Seeded {
            rng: Rng::new(seed),
            now_ms: 0,
            recent: HashMap::new(),
            thresholds: Thresholds::new(),
        }
    }
}

impl Choices for Seeded {
    #[inline]
    fn statistic(&mut self, probability: f64) -> Branch {
        let threshold = self.thresholds.get(probability);
        if self.rng.statistic(threshold) {
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
    /// (taken, the kernel's threshold for the rule).
    decisions: Vec<(bool, u32)>,
    at: usize,
    /// Whether the walk consulted or updated a `recent` list.
    recent: bool,
}

impl Choices for Script {
    fn statistic(&mut self, probability: f64) -> Branch {
        if self.at == self.decisions.len() {
            self.decisions.push((true, stored_threshold(probability)));
        }
        let taken = self.decisions[self.at].0;
        self.at += 1;
        if taken {
            Branch::Taken
        } else {
            Branch::Skipped
        }
    }

    fn recent_check(&mut self, _list: &str, _src: IpAddr, _seconds: i64) -> bool {
        self.recent = true;
        false
    }

    fn recent_set(&mut self, _list: &str, _src: IpAddr) {
        self.recent = true;
    }
}

/// More branch sequences than this and the enumeration stops (a cascade has one per
/// endpoint; this is far above any real Service).
const MAX_PATHS: usize = 1 << 16;

/// One way through the rules: the random branches taken or not (with the kernel's
/// thresholds), and where it ends.
#[derive(Clone, Debug, PartialEq)]
pub struct Path {
    pub decisions: Vec<(bool, u32)>,
    pub end: Landed,
    pub masquerade: bool,
}

impl Path {
    /// The path's probability: the stored probabilities multiplied along it.
    pub fn probability(&self) -> f64 {
        self.decisions
            .iter()
            .map(|&(taken, t)| {
                let p = f64::from(t) / SCALE;
                if taken { p } else { 1.0 - p }
            })
            .product()
    }
}

/// Every branch sequence of a new client's walk, in rule order, and whether any walk
/// touched a `recent` list (ClientIP affinity).
pub fn paths(program: &Program<'_>, packet: &Packet) -> (Vec<Path>, bool) {
    let mut out = Vec::new();
    let mut script = Script {
        decisions: Vec::new(),
        at: 0,
        recent: false,
    };
    let mut walked = Walked::default();
    for _ in 0..MAX_PATHS {
        script.at = 0;
        program.walk_into(packet, &mut script, &mut (), &mut walked);
        // Decisions past what this walk used belong to an abandoned branch.
        script.decisions.truncate(script.at);
        out.push(Path {
            decisions: script.decisions.clone(),
            end: landed(&walked),
            masquerade: walked.masquerade,
        });
        // The next sequence: flip the last taken branch, dropping what followed it.
        while script.decisions.last().is_some_and(|d| !d.0) {
            script.decisions.pop();
        }
        match script.decisions.last_mut() {
            Some(last) => last.0 = false,
            None => break,
        }
    }
    (out, script.recent)
}

/// The exact distribution of a new client's request over the ends of the walk.
pub fn analytic(program: &Program<'_>, packet: &Packet) -> Analytic {
    analytic_of(&paths(program, packet).0)
}

fn analytic_of(paths: &[Path]) -> Analytic {
    let mut result = Analytic::default();
    for path in paths {
        let p = path.probability();
        result.add(path.end, p);
        if path.masquerade {
            result.masquerade += p;
        }
    }
    result
}

/// A branch of the [`Cascade`]: a decision's index, or (negative) `-1 - leaf`.
type Link = i32;

const UNSET: Link = i32::MIN;

#[derive(Clone, Copy, Debug)]
struct Decision {
    threshold: u32,
    taken: Link,
    skipped: Link,
}

/// The walk of one packet compiled into its decision tree: the random rules the walk
/// meets, in the order it meets them, and the end each sequence of branches reaches.
/// Built from [`paths`] (walks of the real program), so a request through the tree draws
/// the same random numbers in the same order and ends where the walk would: the fast
/// path for a destination without affinity (a walk that touches no `recent` list).
#[derive(Clone, Debug)]
pub struct Cascade {
    decisions: Vec<Decision>,
    /// (end, masqueraded).
    pub leaves: Vec<(Landed, bool)>,
    root: Link,
    /// The common shape, kube-proxy's probability cascade: decision `i` leads to a leaf
    /// when taken and to decision `i + 1` when skipped, the last one skipped to
    /// `chain_end`. Then a request is a plain loop over (threshold, leaf).
    chain: Option<(Vec<(u32, u32)>, u32)>,
}

impl Cascade {
    /// The tree of `paths`, or `None` when the walk depends on `recent` state.
    pub fn compile(paths: &[Path], uses_recent: bool) -> Option<Cascade> {
        if uses_recent || paths.is_empty() {
            return None;
        }
        if paths.len() >= i32::MAX as usize / 2 {
            return None;
        }
        let mut tree = Cascade {
            decisions: Vec::new(),
            leaves: Vec::new(),
            root: UNSET,
            chain: None,
        };
        for path in paths {
            let leaf: Link = -1 - tree.leaves.len() as i32;
            tree.leaves.push((path.end, path.masquerade));
            let mut at: Option<(usize, bool)> = None;
            for &(taken, threshold) in &path.decisions {
                let existing = match at {
                    None => tree.root,
                    Some((node, true)) => tree.decisions[node].taken,
                    Some((node, false)) => tree.decisions[node].skipped,
                };
                let node = if existing >= 0 {
                    existing as usize
                } else {
                    let n = tree.decisions.len();
                    tree.decisions.push(Decision {
                        threshold,
                        taken: UNSET,
                        skipped: UNSET,
                    });
                    tree.set(at, n as Link);
                    n
                };
                at = Some((node, taken));
            }
            tree.set(at, leaf);
        }
        tree.chain = tree.as_chain();
        Some(tree)
    }

    /// The decisions as a cascade, if they form one (see `chain`).
    fn as_chain(&self) -> Option<(Vec<(u32, u32)>, u32)> {
        if self.root != 0 {
            return None;
        }
        let mut chain = Vec::with_capacity(self.decisions.len());
        for (i, d) in self.decisions.iter().enumerate() {
            if d.taken >= 0 {
                return None;
            }
            chain.push((d.threshold, (-1 - d.taken) as u32));
            let last = i + 1 == self.decisions.len();
            match (last, d.skipped) {
                (false, next) if next == i as Link + 1 => {}
                (true, end) if end < 0 => return Some((chain, (-1 - end) as u32)),
                _ => return None,
            }
        }
        None
    }

    fn set(&mut self, at: Option<(usize, bool)>, link: Link) {
        match at {
            None => self.root = link,
            Some((node, true)) => self.decisions[node].taken = link,
            Some((node, false)) => self.decisions[node].skipped = link,
        }
    }

    /// One request: the leaf it reaches.
    #[inline]
    pub fn request(&self, rng: &mut Rng) -> usize {
        if let Some((chain, end)) = &self.chain {
            for &(threshold, leaf) in chain {
                if rng.statistic(threshold) {
                    return leaf as usize;
                }
            }
            return *end as usize;
        }
        let mut link = self.root;
        while link >= 0 {
            let d = &self.decisions[link as usize];
            link = if rng.statistic(d.threshold) {
                d.taken
            } else {
                d.skipped
            };
        }
        (-1 - link) as usize
    }
}

/// The affinity timeout of the Service port `packet` is addressed to, if any.
fn affinity(facts: &ProxyFacts, packet: &Packet) -> Option<i64> {
    super::affinity_of(facts, packet)
}

/// Runs the requests through the node's iptables tables (as kube-proxy left them).
pub fn simulate(
    facts: &ProxyFacts,
    tables: &NodeTables,
    packet: &Packet,
    request: &Requests,
) -> EngineOutput {
    run(&Program::compile(tables, facts), facts, packet, request)
}

/// [`simulate`] for several packets, the tables compiled once.
pub fn simulate_many(
    facts: &ProxyFacts,
    tables: &NodeTables,
    packets: &[Packet],
    request: &Requests,
) -> Vec<EngineOutput> {
    let program = Program::compile(tables, facts);
    packets
        .iter()
        .map(|packet| run(&program, facts, packet, request))
        .collect()
}

fn run(
    program: &Program<'_>,
    facts: &ProxyFacts,
    packet: &Packet,
    request: &Requests,
) -> EngineOutput {
    let (paths, uses_recent) = paths(program, packet);
    let analytic = analytic_of(&paths);
    let mut choices = Seeded::new(request.seed);
    let mut tally = Tally::recording(request.record);
    if let Some(cascade) = Cascade::compile(&paths, uses_recent) {
        let mut counts = vec![0u64; cascade.leaves.len()];
        for i in 0..request.count {
            let leaf = cascade.request(&mut choices.rng);
            counts[leaf] += 1;
            // Recording stops early; the branch is predictable after that.
            if i < request.record as u64 {
                tally.sequence.push(cascade.leaves[leaf].0);
            }
        }
        for (&(end, masquerade), &count) in cascade.leaves.iter().zip(&counts) {
            tally.add_many(end, masquerade, count);
        }
        return EngineOutput {
            tally,
            analytic: Some(analytic),
            affinity_seconds: affinity(facts, packet),
            note: None,
        };
    }
    let mut walked = Walked::default();
    for i in 0..request.count {
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

/// [`Seeded`] that notes whether a `recent` check found the client (affinity chose).
struct Noting<'a> {
    seeded: &'a mut Seeded,
    pinned: bool,
}

impl Choices for Noting<'_> {
    fn statistic(&mut self, probability: f64) -> Branch {
        self.seeded.statistic(probability)
    }

    fn recent_check(&mut self, list: &str, src: IpAddr, seconds: i64) -> bool {
        let found = self.seeded.recent_check(list, src, seconds);
        self.pinned |= found;
        found
    }

    fn recent_set(&mut self, list: &str, src: IpAddr) {
        self.seeded.recent_set(list, src)
    }
}

/// The first `request.record` requests of [`simulate`]'s run, each walked hop by hop
/// with the same seeded draws and `recent` lists (the fast path draws the same numbers
/// in the same order as these walks, so request `i` here is request `i` there).
pub fn watch(
    facts: &ProxyFacts,
    tables: &NodeTables,
    packet: &Packet,
    request: &Requests,
) -> Vec<Watched> {
    let program = Program::compile(tables, facts);
    let mut seeded = Seeded::new(request.seed);
    let count = request.count.min(request.record as u64);
    (0..count)
        .map(|i| {
            seeded.now_ms = i.saturating_mul(request.interval_ms);
            let mut noting = Noting {
                seeded: &mut seeded,
                pinned: false,
            };
            let trace = trace_with(&program, facts, *packet, &mut noting);
            let pinned = noting.pinned;
            Watched::of_walk(trace, pinned)
        })
        .collect()
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

    #[test]
    fn the_cascade_tree_draws_like_the_walk() {
        use crate::scenario::{Options, analyze};
        let mut text = String::from(
            "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: default}\nspec:\n  clusterIP: 10.96.0.20\n  ports: [{name: http, port: 80, protocol: TCP}]\n---\napiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata:\n  name: web-1\n  namespace: default\n  labels: {kubernetes.io/service-name: web}\naddressType: IPv4\nports: [{name: http, port: 8080, protocol: TCP}]\nendpoints:\n",
        );
        for i in 0..13 {
            text.push_str(&format!("- addresses: [10.250.0.{}]\n", i + 1));
        }
        let analysis = analyze(&text, Options { stored: true });
        let facts = analysis.proxy_facts(&analysis.default_node()).remove(0);
        let tables = NodeTables::after_sync(&crate::proxy::iptables::render(&facts), &facts.node);
        let program = Program::compile(&tables, &facts);
        let packet = Packet {
            src: "10.244.7.7".parse().unwrap(),
            dst: "10.96.0.20".parse().unwrap(),
            dport: 80,
            protocol: crate::proxy::Protocol::Tcp,
        };
        let (paths, recent) = paths(&program, &packet);
        assert_eq!(paths.len(), 13);
        let cascade = Cascade::compile(&paths, recent).expect("no affinity");
        let mut tree_rng = Rng::new(99);
        let mut choices = Seeded::new(99);
        let mut walked = Walked::default();
        for _ in 0..20_000 {
            let leaf = cascade.request(&mut tree_rng);
            program.walk_into(&packet, &mut choices, &mut (), &mut walked);
            assert_eq!(cascade.leaves[leaf].0, landed(&walked));
        }
    }
}
