//! What the kernel holds after a series of syncs, not just one: kube-proxy's memory of
//! stale chains, with time as an input.
//!
//! [`render`] describes a first sync on a node without the table. Later
//! syncs differ in one visible way (`pkg/proxy/nftables/proxier.go`, `syncProxyRules`):
//! a service or endpoint chain that is no longer used is only flushed, because kernels
//! before 6.2 may still hold a reference to it from a just-deleted map element; kube-proxy
//! records when it went stale and deletes it, in a separate transaction at the start of a
//! later sync, once that time is more than one second in the past. Every sync that still
//! finds the chain unused records the time again; a chain used again is refilled and
//! forgotten. Stale `affinity-` sets are deleted at once. [`Syncer`] replays that, so
//! `nft list` can show the empty chains a real node shows right after an edit.

use super::{Chain, Table, render};
use crate::proxy::ProxyFacts;
use std::collections::BTreeMap;

/// kube-proxy's state between syncs for one family: the kernel's table and the stale
/// chains with the time (milliseconds of the caller's clock) each was last found stale.
#[derive(Clone, Debug, Default)]
pub struct Syncer {
    table: Option<Table>,
    stale: BTreeMap<String, u64>,
}

/// Whether a chain is one of the per-service ones (they all contain a `/`).
fn is_service_chain(name: &str) -> bool {
    name.contains('/')
}

impl Syncer {
    pub fn new() -> Syncer {
        Syncer::default()
    }

    /// The table the kernel holds now, if a sync happened.
    pub fn table(&self) -> Option<&Table> {
        self.table.as_ref()
    }

    /// The stale chains and when each was last found stale.
    pub fn stale_chains(&self) -> impl Iterator<Item = (&str, u64)> {
        self.stale.iter().map(|(c, t)| (c.as_str(), *t))
    }

    /// One sync at `now_ms` with the current facts; returns the table the kernel holds
    /// afterwards. Objects keep their place in the kernel's order; new ones are appended.
    pub fn sync(&mut self, facts: &ProxyFacts, now_ms: u64) -> &Table {
        let desired = render(facts).apply();
        let Some(mut kernel) = self.table.take() else {
            return self.table.insert(desired);
        };
        // First, a separate transaction deletes the chains stale for over a second.
        let expired: Vec<String> = self
            .stale
            .iter()
            .filter(|(_, since)| since.saturating_add(1000) < now_ms)
            .map(|(c, _)| c.clone())
            .collect();
        for chain in &expired {
            self.stale.remove(chain);
        }
        kernel.chains.retain(|c| !expired.contains(&c.name));

        // Then the sync proper: every used chain rewritten, unused service chains
        // flushed and (re)marked stale, new chains created after the existing ones.
        let mut chains: Vec<Chain> = Vec::new();
        for old in &kernel.chains {
            match desired.chain(&old.name) {
                Some(current) => {
                    self.stale.remove(&old.name);
                    chains.push(current.clone());
                }
                None if is_service_chain(&old.name) => {
                    self.stale.insert(old.name.clone(), now_ms);
                    chains.push(Chain {
                        rules: Vec::new(),
                        ..old.clone()
                    });
                }
                None => {}
            }
        }
        for new in &desired.chains {
            if kernel.chain(&new.name).is_none() {
                chains.push(new.clone());
            }
        }
        // Sets and maps: the fixed ones refilled, stale affinity sets deleted.
        let mut sets = Vec::new();
        for old in &kernel.sets {
            if let Some(current) = desired.set(&old.name) {
                sets.push(current.clone());
            }
        }
        for new in &desired.sets {
            if kernel.set(&new.name).is_none() {
                sets.push(new.clone());
            }
        }
        self.table.insert(Table {
            family: desired.family,
            comment: desired.comment.clone(),
            sets,
            chains,
        })
    }
}
