//! nftables mode: requests walked through the `kube-proxy` table by its own tracer.
//!
//! [`Seeded`] implements the tracer's [`Chooser`] seam: `numgen random mod n` draws like
//! the kernel (`reciprocal_scale` of a 32-bit random number), and the affinity sets
//! (`update @affinity-… { ip saddr }` with the set's timeout) live in an
//! [`AffinitySets`] on the simulated clock. [`analytic`] enumerates every sequence of
//! `numgen` branches of one walk with empty affinity sets (a new client); each branch of
//! `mod n` has probability 1/n.

use super::rng::Rng;
use super::{Analytic, EngineOutput, Landed, Requests, Tally, Watched};
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
    /// Whether the walk read or updated an affinity set.
    affinity: bool,
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
        // `&self`: the walk that reads a set also updates it, which is recorded there.
        false
    }

    fn update_dynamic_set(&mut self, _set: &str, _addr: IpAddr, _timeout: Option<u64>) {
        self.affinity = true;
    }
}

/// More branch sequences than this and the enumeration stops.
const MAX_PATHS: usize = 1 << 14;

/// One way through the table: the `numgen` branches taken (branch, n), and the end.
#[derive(Clone, Debug, PartialEq)]
pub struct Path {
    pub decisions: Vec<(usize, usize)>,
    pub end: Landed,
    pub masquerade: bool,
}

/// Every sequence of `numgen` branches of a new client's walk, and whether any walk
/// updated an affinity set.
pub fn paths(table: &Table, facts: &ProxyFacts, packet: &Packet) -> (Vec<Path>, bool) {
    let mut out = Vec::new();
    let mut script = Script {
        decisions: Vec::new(),
        at: 0,
        affinity: false,
    };
    for _ in 0..MAX_PATHS {
        script.at = 0;
        let walked = trace(table, facts, *packet, &mut script);
        script.decisions.truncate(script.at);
        out.push(Path {
            decisions: script.decisions.clone(),
            end: Landed::of_outcome(&walked.outcome),
            masquerade: walked.masquerade,
        });
        // Odometer: advance the last decision that has branches left.
        while script.decisions.last().is_some_and(|&(b, n)| b + 1 >= n) {
            script.decisions.pop();
        }
        match script.decisions.last_mut() {
            Some(last) => last.0 += 1,
            None => break,
        }
    }
    (out, script.affinity)
}

/// The exact distribution of a new client's request.
pub fn analytic(table: &Table, facts: &ProxyFacts, packet: &Packet) -> Analytic {
    analytic_of(&paths(table, facts, packet).0)
}

fn analytic_of(paths: &[Path]) -> Analytic {
    let mut result = Analytic::default();
    for path in paths {
        let p: f64 = path
            .decisions
            .iter()
            .map(|&(_, n)| 1.0 / n as f64)
            .product();
        result.add(path.end, p);
        if path.masquerade {
            result.masquerade += p;
        }
    }
    result
}

/// A branch of a [`NumgenTree`]: a node's index, or (negative) `-1 - leaf`.
type Link = i32;

/// The walk of one packet compiled into its tree of `numgen` choices, built from
/// [`paths`] (walks of the real table): a request draws the same numbers in the same
/// order as the walk and ends where it would. The fast path without affinity.
#[derive(Clone, Debug)]
pub struct NumgenTree {
    /// Per node: `n`, and where its children start in `links`.
    nodes: Vec<(u32, u32)>,
    links: Vec<Link>,
    /// (end, masqueraded).
    pub leaves: Vec<(Landed, bool)>,
    root: Link,
}

impl NumgenTree {
    /// The tree of `paths`, or `None` when the walk depends on affinity state.
    pub fn compile(paths: &[Path], uses_affinity: bool) -> Option<NumgenTree> {
        if uses_affinity || paths.is_empty() || paths.len() >= i32::MAX as usize / 2 {
            return None;
        }
        const UNSET: Link = i32::MIN;
        let mut tree = NumgenTree {
            nodes: Vec::new(),
            links: Vec::new(),
            leaves: Vec::new(),
            root: UNSET,
        };
        for path in paths {
            let leaf: Link = -1 - tree.leaves.len() as i32;
            tree.leaves.push((path.end, path.masquerade));
            // `slot`: where the link to the next node or leaf is stored (None: the root).
            let mut slot: Option<usize> = None;
            for &(branch, n) in &path.decisions {
                let existing = slot.map_or(tree.root, |s| tree.links[s]);
                let node = if existing >= 0 {
                    existing as usize
                } else {
                    let node = tree.nodes.len();
                    tree.nodes.push((n as u32, tree.links.len() as u32));
                    tree.links.extend(std::iter::repeat_n(UNSET, n));
                    match slot {
                        None => tree.root = node as Link,
                        Some(s) => tree.links[s] = node as Link,
                    }
                    node
                };
                slot = Some(tree.nodes[node].1 as usize + branch);
            }
            match slot {
                None => tree.root = leaf,
                Some(s) => tree.links[s] = leaf,
            }
        }
        Some(tree)
    }

    /// One request: the leaf it reaches.
    #[inline]
    pub fn request(&self, rng: &mut Rng) -> usize {
        let mut link = self.root;
        while link >= 0 {
            let (n, start) = self.nodes[link as usize];
            link = self.links[(start + rng.below(n)) as usize];
        }
        (-1 - link) as usize
    }
}

/// Runs the requests through the node's `kube-proxy` table.
pub fn simulate(
    facts: &ProxyFacts,
    table: &Table,
    packet: &Packet,
    request: &Requests,
) -> EngineOutput {
    let (paths, uses_affinity) = paths(table, facts, packet);
    let analytic = analytic_of(&paths);
    let mut chooser = Seeded {
        rng: Rng::new(request.seed),
        now_ms: 0,
        affinity: AffinitySets::new(),
    };
    let mut tally = Tally::recording(request.record);
    if let Some(tree) = NumgenTree::compile(&paths, uses_affinity) {
        let mut counts = vec![0u64; tree.leaves.len()];
        for i in 0..request.count {
            let leaf = tree.request(&mut chooser.rng);
            counts[leaf] += 1;
            if i < request.record as u64 {
                tally.sequence.push(tree.leaves[leaf].0);
            }
        }
        for (&(end, masquerade), &count) in tree.leaves.iter().zip(&counts) {
            tally.add_many(end, masquerade, count);
        }
        return EngineOutput {
            tally,
            analytic: Some(analytic),
            affinity_seconds: super::affinity_of(facts, packet),
            note: None,
        };
    }
    for i in 0..request.count {
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

/// [`Seeded`] that notes whether an affinity set held the client (affinity chose).
struct Noting<'a> {
    seeded: &'a mut Seeded,
    pinned: std::cell::Cell<bool>,
}

impl Chooser for Noting<'_> {
    fn numgen(&mut self, n: usize) -> Branches {
        self.seeded.numgen(n)
    }

    fn in_dynamic_set(&self, set: &str, addr: IpAddr) -> bool {
        let found = self.seeded.in_dynamic_set(set, addr);
        if found {
            self.pinned.set(true);
        }
        found
    }

    fn update_dynamic_set(&mut self, set: &str, addr: IpAddr, timeout: Option<u64>) {
        self.seeded.update_dynamic_set(set, addr, timeout)
    }
}

/// The first `request.record` requests of [`simulate`]'s run, each walked hop by hop
/// with the same seeded `numgen` draws and affinity sets (the fast path's tree draws
/// the same numbers in the same order as these walks).
pub fn watch(
    facts: &ProxyFacts,
    table: &Table,
    packet: &Packet,
    request: &Requests,
) -> Vec<Watched> {
    let mut seeded = Seeded {
        rng: Rng::new(request.seed),
        now_ms: 0,
        affinity: AffinitySets::new(),
    };
    let count = request.count.min(request.record as u64);
    (0..count)
        .map(|i| {
            seeded.now_ms = i.saturating_mul(request.interval_ms);
            let mut noting = Noting {
                seeded: &mut seeded,
                pinned: std::cell::Cell::new(false),
            };
            let walked = trace(table, facts, *packet, &mut noting);
            let pinned = noting.pinned.get();
            Watched::of_walk(walked, pinned)
        })
        .collect()
}
