//! nftables mode's listings kept in per-Service pieces, so that the listing after an edit
//! reuses every Service the edit did not touch (issue 19 item 3), as [`super::chunks`]
//! does for iptables mode.
//!
//! kube-proxy's nftables proxier syncs partially too: `syncProxyRules` in
//! `pkg/proxy/nftables/proxier.go` skips, on a sync that is not a full one
//! (`tryPartialSync`), the chains and rules of every Service that neither
//! `serviceUpdateResult.UpdatedServices` nor `endpointUpdateResult.UpdatedServices` names
//! (`skipServiceUpdate`), writes the dispatch maps' elements through `ensureElem` (only
//! those that changed), and leaves `setupNFTables`' objects as they are. The rules panel
//! does the same with the two listings of nftables mode ([`Form`]): kube-proxy's `nft -f`
//! transaction and `nft list table ip kube-proxy` of the table the kernel then holds.
//!
//! - A listing ([`Entry`]) is held per node, for each IP family ([`FamilyListing`]), as a
//!   *skeleton* of fixed runs of lines (every line no Service writes, in the fixed
//!   chunk) with *slots* where the Services' pieces go, each slot holding its items (runs
//!   of one Service's chunk) in kube-proxy's order of Services (namespace, then name:
//!   `proxy::facts`' order, which [`super::nftables::render`] follows), and the elements
//!   of the shared sets and maps (`cluster-ips`, `service-ips`, `no-endpoint-services`…),
//!   which `nft list` prints sorted by key across every Service
//!   ([`super::nftables::list::sorted_elements`]) and which are therefore kept per
//!   element, sorted, and written out into lines when the listing is.
//! - The transaction's slots: the affinity sets (after the fixed sets, before the maps)
//!   and the service ports' sections (after the fixed rules). The table's: the affinity
//!   sets (before the first verdict map) and the Services' chains (after the fixed
//!   chains): the kernel lists sets and chains in the order they were created, which is
//!   the transaction's.
//! - An element added twice (two Services' addresses, ports and protocols alike) is
//!   listed once, the first added: the fixed rules' before any Service's, then by
//!   Service, then in the order its section adds them ([`super::nftables::Transaction::apply`]).
//! - Every line's provenance is resolved once ([`Provenance`]); the sources of lines no
//!   service port writes (the blank lines, the braces) are shared by the whole family,
//!   as [`Lines::resolve`] interns them; the sources are numbered in order of first use
//!   when the listing is written out, the further sources of a line (`nft list`'s two
//!   addresses to a line) after every line's own.
//! - The first listing of a node is cut from the whole rendering. After
//!   `Analysis::edit`, it is carried over ([`ModeCache`], beside iptables mode's
//!   listings in [`super::chunks::ListingCache`]) with the Services the edits touched,
//!   under the same conditions as iptables mode's chunks: dropped when objects moved,
//!   more than `chunks::MAX_TOUCHED_SERVICES` (512) Services were touched, or anything
//!   node-wide changed (the node, the configuration, the IP families, the Service CIDRs,
//!   the Services svcplay's budget leaves out, large-cluster mode); otherwise only the
//!   touched Services are rendered again (together, as the facts of those Services
//!   alone) and their pieces merged in.
//!
//! `tests/incremental.rs` checks, after random edit sequences, that every listing through
//! these pieces equals the one made whole ([`crate::views::listing::made_whole`]) and a
//! full analysis', and that edits do reuse them ([`PATCHED`]).

use super::chunks::{
    CACHED_NODES, Inputs, MAX_TOUCHED_SERVICES, ServiceKey, shared_facts, touched_services,
};
use super::config::{NodeContext, ProxyConfig};
use super::lines::{By, ConfigField, ConfigFields, LineSink, LineSource, Recorded};
use super::nftables::list::{Listed, sort_key};
use super::nftables::{
    self, Family, KeyType, Operation, Ruleset, Section, TABLE, Table, Transaction,
};
use super::provenance::{Lines, Provenance, provenance};
use super::{LARGE_CLUSTER_ENDPOINTS_THRESHOLD, ProxyFacts, ServicePortFacts};
use crate::model::ip::{Cidr, IpFamily};
use crate::model::{EndpointSlice, Objects, Service};
use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::sync::atomic::{AtomicUsize, Ordering as AtomicOrdering};
use std::sync::{Arc, Mutex};

/// How many listings were made by patching one made before an edit (not whole): a
/// statistic the equivalence tests read to know the reuse path ran.
pub static PATCHED: AtomicUsize = AtomicUsize::new(0);

/// A line's source index with this bit set is into the family's shared sources.
const SHARED: u32 = 1 << 31;

/// The lines of one Service (or the fixed lines, chunk 0) in one family's listing.
#[derive(Debug, Default)]
struct Chunk {
    /// Every line, each with its newline.
    text: String,
    /// Per line: an index into `sources`, or [`SHARED`] | an index into the family's
    /// shared sources.
    line_sources: Vec<u32>,
    /// The chunk's distinct sources (of its service ports), resolved.
    sources: Vec<Arc<Provenance>>,
    /// The endpoints of its service ports (large-cluster mode counts every Service's).
    endpoints: usize,
}

/// Where the skeleton's lines go: a fixed run, a slot of Services' items, or the
/// elements of a shared set.
#[derive(Clone, Debug)]
enum Part {
    Fixed {
        text: Range<usize>,
        lines: Range<usize>,
    },
    Slot(usize),
    Elements(usize),
}

/// A run of one Service's chunk in a slot.
#[derive(Clone, Debug)]
struct Item {
    owner: Arc<ServiceKey>,
    chunk: u32,
    text: Range<usize>,
    lines: Range<usize>,
}

/// One element of a shared set or map, as `nft list` prints it.
#[derive(Clone, Debug)]
struct Element {
    /// nft's order of the set's elements.
    sort: Box<[u8]>,
    /// Who added it (`None`: the fixed rules), and the how-manieth of their elements:
    /// of equal keys the first added is listed.
    owner: Option<Arc<ServiceKey>>,
    seq: u32,
    chunk: u32,
    /// An index into the chunk's sources (or [`SHARED`] | the shared ones).
    source: u32,
    text: Box<str>,
}

impl Element {
    fn order(&self, other: &Element) -> Ordering {
        self.sort
            .cmp(&other.sort)
            .then_with(|| self.owner.cmp(&other.owner))
            .then(self.seq.cmp(&other.seq))
    }
}

/// A shared set's elements, sorted as nft lists them.
#[derive(Clone, Debug)]
struct ElementSet {
    name: String,
    /// Elements to a line: two plain IPv4 addresses, else one.
    per_line: usize,
    elements: Vec<Element>,
}

/// The sources of the lines no service port writes, shared by the family's chunks.
#[derive(Clone, Debug, Default)]
struct Shared {
    sources: Vec<Arc<Provenance>>,
    index: HashMap<LineSource, u32>,
}

/// One family's listing in pieces.
#[derive(Clone, Debug)]
pub struct FamilyListing {
    /// The facts every Service's lines share (no service ports: those are the chunks').
    facts: ProxyFacts,
    shared: Shared,
    /// Chunk 0 holds the fixed lines.
    chunks: Vec<Arc<Chunk>>,
    /// The chunk of each Service that writes lines.
    owners: HashMap<ServiceKey, u32>,
    skeleton: Arc<Vec<Part>>,
    /// Per slot, its items in the order of their owners.
    slots: Vec<Vec<Item>>,
    sets: Vec<ElementSet>,
}

/// The listings kept in pieces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Form {
    /// kube-proxy's `nft -f` transaction, every family's.
    NftTransaction,
    /// `nft list table ip kube-proxy`: the IPv4 table after the transaction.
    NftList,
}

/// The transaction's slots.
const AFFINITY_SETS: usize = 0;
const SECTIONS: usize = 1;
/// The table's slots.
const CHAINS: usize = 1;

/// A node's listing in pieces, each family's.
#[derive(Clone, Debug)]
pub struct Entry {
    node: String,
    form: Form,
    /// The IP families kube-proxy runs on the node.
    node_families: Vec<IpFamily>,
    /// The Services svcplay's budget leaves out of kube-proxy's outputs.
    over_budget: Vec<ServiceKey>,
    families: Vec<FamilyListing>,
}

/// The listings an analysis made (most recent last), and those of an analysis before
/// an edit with the Services the edits since touched. A clone starts empty.
#[derive(Default)]
pub struct ModeCache {
    made: Mutex<Vec<Arc<Entry>>>,
    base: Mutex<Option<ModeBase>>,
}

/// Listings made before some edits, and the Services those edits touched.
#[derive(Clone, Debug)]
pub struct ModeBase {
    entries: Vec<Arc<Entry>>,
    touched: Arc<HashSet<ServiceKey>>,
}

impl Clone for ModeCache {
    fn clone(&self) -> ModeCache {
        ModeCache::default()
    }
}

impl std::fmt::Debug for ModeCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ModeCache")
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // Nothing panics while holding the lock; a poisoned one still holds valid data.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl ModeCache {
    /// What an edit carries over to the analysis after it: the listings made (none
    /// touched yet), else the base this analysis had.
    pub fn into_base(self) -> Option<ModeBase> {
        let made = self.made.into_inner().unwrap_or_else(|e| e.into_inner());
        if made.is_empty() {
            self.base.into_inner().unwrap_or_else(|e| e.into_inner())
        } else {
            Some(ModeBase {
                entries: made,
                touched: Arc::default(),
            })
        }
    }

    /// The cache of an analysis made by an edit that touched `touched` (`None`: the
    /// edit's touched Services are not known, nothing is carried over).
    pub fn after_edit(base: Option<ModeBase>, touched: Option<&HashSet<ServiceKey>>) -> ModeCache {
        let base = base.zip(touched).and_then(|(base, now)| {
            let mut touched = Arc::unwrap_or_clone(base.touched);
            touched.extend(now.iter().cloned());
            (touched.len() <= MAX_TOUCHED_SERVICES).then(|| ModeBase {
                entries: base.entries,
                touched: Arc::new(touched),
            })
        });
        ModeCache {
            made: Mutex::default(),
            base: Mutex::new(base),
        }
    }

    fn made(&self, node: &str, form: Form) -> Option<Arc<Entry>> {
        lock(&self.made)
            .iter()
            .find(|e| e.node == node && e.form == form)
            .cloned()
    }

    fn remember(&self, entry: Arc<Entry>) {
        let mut made = lock(&self.made);
        made.retain(|e| e.node != entry.node || e.form != entry.form);
        if made.len() >= CACHED_NODES {
            made.remove(0);
        }
        made.push(entry);
    }

    fn take_base(&self, node: &str, form: Form) -> Option<(Entry, Arc<HashSet<ServiceKey>>)> {
        let mut base = lock(&self.base);
        let base = base.as_mut()?;
        let at = base
            .entries
            .iter()
            .position(|e| e.node == node && e.form == form)?;
        let entry = base.entries.remove(at);
        let entry = Arc::try_unwrap(entry).unwrap_or_else(|shared| (*shared).clone());
        Some((entry, base.touched.clone()))
    }
}

/// The listing of `form` on `node` in nftables mode (`inputs` made for that mode), with
/// the provenance of every line, as [`crate::views::listing::made_whole`] makes it,
/// reusing the pieces of the listing made before the edits that led to `cache`'s
/// analysis for every Service they did not touch. `None` when the listing cannot be
/// kept in pieces (`nft list` of a node without an IPv4 proxier, a rendering whose
/// lines have no single place).
pub fn listing(cache: &ModeCache, node: &str, form: Form, inputs: &Inputs) -> Option<Lines> {
    if let Some(entry) = cache.made(node, form) {
        return Some(entry.lines());
    }
    let entry = match cache
        .take_base(node, form)
        .and_then(|(before, touched)| patched(inputs, before, &touched))
    {
        Some(entry) => {
            PATCHED.fetch_add(1, AtomicOrdering::Relaxed);
            entry
        }
        None => whole(inputs, node, form)?,
    };
    let lines = entry.lines();
    cache.remember(Arc::new(entry));
    Some(lines)
}

impl Entry {
    /// The listing, every family's (the transactions separated by a blank line, as
    /// [`super::NodeProxy::lines`] writes them).
    fn lines(&self) -> Lines {
        let mut lines = Lines::default();
        for (i, family) in self.families.iter().enumerate() {
            if i > 0 {
                let mut header = Recorded::default();
                let _ = header.line(LineSource::layout(By::Svcplay), format_args!(""));
                lines.append(Lines::resolve(header, &family.facts));
            }
            lines.append(family.lines());
        }
        lines
    }
}

/// A source reference made global: the shared sources are chunk `u32::MAX`'s.
fn global(chunk: u32, source: u32) -> (u32, u32) {
    if source & SHARED != 0 {
        (u32::MAX, source & !SHARED)
    } else {
        (chunk, source)
    }
}

/// Numbers sources in order of first use.
struct Numbering<'a> {
    listing: &'a FamilyListing,
    first: Vec<usize>,
    numbered: Vec<u32>,
    sources: Vec<Arc<Provenance>>,
}

impl Numbering<'_> {
    fn number(&mut self, chunk: u32, source: u32) -> u32 {
        let (c, s) = global(chunk, source);
        let (at, provenance) = if c == u32::MAX {
            (s as usize, &self.listing.shared.sources[s as usize])
        } else {
            let c = c as usize;
            (
                self.first[c] + s as usize,
                &self.listing.chunks[c].sources[s as usize],
            )
        };
        let n = &mut self.numbered[at];
        if *n == 0 {
            self.sources.push(provenance.clone());
            *n = self.sources.len() as u32;
        }
        *n
    }
}

impl FamilyListing {
    /// The family's listing: the skeleton's lines with the slots' items and the sets'
    /// elements in place, the sources numbered in order of first use.
    fn lines(&self) -> Lines {
        let mut first = Vec::with_capacity(self.chunks.len());
        let mut total = self.shared.sources.len();
        let (mut text_len, mut line_count) = (0usize, 0usize);
        for chunk in &self.chunks {
            first.push(total);
            total += chunk.sources.len();
            text_len += chunk.text.len();
            line_count += chunk.line_sources.len();
        }
        let mut numbering = Numbering {
            listing: self,
            first,
            numbered: vec![0u32; total],
            sources: Vec::with_capacity(total),
        };
        let mut text = String::with_capacity(text_len + line_count);
        let mut line_sources = Vec::with_capacity(line_count);
        // The further sources of a line: numbered after every line's own.
        let mut also: Vec<(u32, u32, u32)> = Vec::new();
        let run = |text: &mut String,
                   line_sources: &mut Vec<u32>,
                   numbering: &mut Numbering,
                   c: u32,
                   t: &Range<usize>,
                   l: &Range<usize>| {
            let chunk = &self.chunks[c as usize];
            text.push_str(&chunk.text[t.clone()]);
            for &s in &chunk.line_sources[l.clone()] {
                line_sources.push(numbering.number(c, s));
            }
        };
        for part in self.skeleton.iter() {
            match part {
                Part::Fixed { text: t, lines: l } => {
                    run(&mut text, &mut line_sources, &mut numbering, 0, t, l)
                }
                Part::Slot(k) => {
                    for item in &self.slots[*k] {
                        run(
                            &mut text,
                            &mut line_sources,
                            &mut numbering,
                            item.chunk,
                            &item.text,
                            &item.lines,
                        );
                    }
                }
                Part::Elements(k) => {
                    let set = &self.sets[*k];
                    let mut kept: Vec<&Element> = Vec::with_capacity(set.elements.len());
                    for e in &set.elements {
                        if kept.last().is_none_or(|last| last.sort != e.sort) {
                            kept.push(e);
                        }
                    }
                    let count = kept.len().div_ceil(set.per_line);
                    for (i, group) in kept.chunks(set.per_line).enumerate() {
                        text.push_str(if i == 0 {
                            "\t\telements = { "
                        } else {
                            "\t\t\t     "
                        });
                        for (j, e) in group.iter().enumerate() {
                            if j > 0 {
                                text.push_str(", ");
                            }
                            text.push_str(&e.text);
                        }
                        text.push_str(if i + 1 == count { " }\n" } else { ",\n" });
                        let line = line_sources.len() as u32;
                        let own = global(group[0].chunk, group[0].source);
                        line_sources.push(numbering.number(group[0].chunk, group[0].source));
                        for e in &group[1..] {
                            if global(e.chunk, e.source) != own {
                                also.push((line, e.chunk, e.source));
                            }
                        }
                    }
                }
            }
        }
        let also = also
            .into_iter()
            .map(|(line, c, s)| (line, numbering.number(c, s)))
            .collect();
        Lines {
            text,
            line_sources,
            sources: numbering.sources,
            also,
        }
    }
}

/// Cuts a rendering into the fixed chunk, the Services' chunks, slots and elements.
struct Cutter<'a> {
    facts: &'a ProxyFacts,
    /// Whether the fixed lines are kept (a whole rendering) or left out (the rendering
    /// of some Services only).
    fixed: bool,
    shared: &'a mut Shared,
    chunks: Vec<Chunk>,
    index: Vec<HashMap<LineSource, u32>>,
    owner_keys: Vec<Option<Arc<ServiceKey>>>,
    /// The chunk of each service port of the facts.
    chunk_of_port: Vec<u32>,
    owners: HashMap<ServiceKey, u32>,
    skeleton: Vec<Part>,
    slots: Vec<Vec<Item>>,
    sets: Vec<ElementSet>,
    /// Per chunk, how many elements it added.
    seq: Vec<u32>,
}

impl<'a> Cutter<'a> {
    fn new(facts: &'a ProxyFacts, fixed: bool, shared: &'a mut Shared) -> Cutter<'a> {
        let mut cutter = Cutter {
            facts,
            fixed,
            shared,
            chunks: vec![Chunk::default()],
            index: vec![HashMap::new()],
            owner_keys: vec![None],
            chunk_of_port: Vec::with_capacity(facts.service_ports.len()),
            owners: HashMap::new(),
            skeleton: Vec::new(),
            slots: vec![Vec::new(), Vec::new()],
            sets: Vec::new(),
            seq: vec![0],
        };
        for sp in &facts.service_ports {
            let key = (sp.info.name.namespace.clone(), sp.info.name.name.clone());
            let at = match cutter.owners.get(&key) {
                Some(&at) => at,
                None => {
                    let at = cutter.chunks.len() as u32;
                    cutter.chunks.push(Chunk::default());
                    cutter.index.push(HashMap::new());
                    cutter.owner_keys.push(Some(Arc::new(key.clone())));
                    cutter.seq.push(0);
                    cutter.owners.insert(key, at);
                    at
                }
            };
            cutter.chunks[at as usize].endpoints += sp.endpoints.len();
            cutter.chunk_of_port.push(at);
        }
        cutter
    }

    /// The chunk of service port `port` (`None`: the fixed lines').
    fn chunk_of(&self, port: Option<usize>) -> Option<u32> {
        match port {
            Some(i) => self.chunk_of_port.get(i).copied(),
            None => Some(0),
        }
    }

    /// The index of `source` for a line of chunk `c`.
    fn source(&mut self, c: u32, source: LineSource) -> u32 {
        if source.rule.service_port.is_none() {
            let shared = &mut *self.shared;
            let next = shared.sources.len() as u32;
            let s = *shared.index.entry(source).or_insert(next);
            if s == next {
                shared
                    .sources
                    .push(Arc::new(provenance(self.facts, source)));
            }
            return s | SHARED;
        }
        let chunk = &mut self.chunks[c as usize];
        let next = chunk.sources.len() as u32;
        let s = *self.index[c as usize].entry(source).or_insert(next);
        if s == next {
            chunk.sources.push(Arc::new(provenance(self.facts, source)));
        }
        s
    }

    /// Adds lines `range` of `recorded` (whose line starts are `starts`) to chunk `c`:
    /// to the skeleton for the fixed chunk, else to slot `slot`.
    fn lines(
        &mut self,
        recorded: &Recorded,
        starts: &[usize],
        range: Range<usize>,
        c: u32,
        slot: usize,
    ) {
        if range.is_empty() || (c == 0 && !self.fixed) {
            return;
        }
        let (from, to) = (starts[range.start], starts[range.end]);
        let chunk_text = self.chunks[c as usize].text.len();
        let chunk_lines = self.chunks[c as usize].line_sources.len();
        self.chunks[c as usize]
            .text
            .push_str(&recorded.text[from..to]);
        for line in range.clone() {
            let s = self.source(c, recorded.sources[line]);
            self.chunks[c as usize].line_sources.push(s);
        }
        let text = chunk_text..self.chunks[c as usize].text.len();
        let lines = chunk_lines..chunk_lines + range.len();
        if c == 0 {
            if let Some(Part::Fixed { text: t, lines: l }) = self.skeleton.last_mut() {
                if t.end == text.start && l.end == lines.start {
                    t.end = text.end;
                    l.end = lines.end;
                    return;
                }
            }
            self.skeleton.push(Part::Fixed { text, lines });
            return;
        }
        let items = &mut self.slots[slot];
        if let Some(last) = items.last_mut() {
            if last.chunk == c && last.text.end == text.start && last.lines.end == lines.start {
                last.text.end = text.end;
                last.lines.end = lines.end;
                return;
            }
        }
        let owner = self.owner_keys[c as usize]
            .clone()
            .expect("a Service's chunk");
        items.push(Item {
            owner,
            chunk: c,
            text,
            lines,
        });
    }

    /// Marks the skeleton's place of slot `slot` or of the elements of set `set`.
    fn mark(&mut self, part: Part) {
        if self.fixed {
            self.skeleton.push(part);
        }
    }

    /// Cuts a transaction (recorded as [`Transaction::write_lines`] writes it): the
    /// table's, sets', maps' and fixed chains' and rules' sections are fixed, the
    /// affinity sets go to their Services' chunks, and each service port's section (with
    /// the blank line before it) to its Service's.
    fn transaction(&mut self, transaction: &Transaction, recorded: &Recorded) -> Option<()> {
        let starts = line_starts(&recorded.text);
        let mut at = 0usize;
        for (i, section) in transaction.sections.iter().enumerate() {
            let head = usize::from(i > 0) + usize::from(section.heading.is_some());
            let end = at + head + section.operations.len();
            if end + 1 > starts.len() {
                return None;
            }
            match i {
                // The sets: the fixed ones, then the affinity sets by service port.
                1 => {
                    self.lines(recorded, &starts, at..at + head, 0, 0);
                    let mut services = false;
                    for (line, op) in (at + head..).zip(&section.operations) {
                        let Operation::AddSet(set) = op else {
                            return None;
                        };
                        let c = self.chunk_of(set.source.service_port)?;
                        if c == 0 && services {
                            return None;
                        }
                        if c != 0 && !services {
                            services = true;
                            self.mark(Part::Slot(AFFINITY_SETS));
                        }
                        self.lines(recorded, &starts, line..line + 1, c, AFFINITY_SETS);
                    }
                    if !services {
                        self.mark(Part::Slot(AFFINITY_SETS));
                    }
                }
                0 | 2..=4 => self.lines(recorded, &starts, at..end, 0, 0),
                _ => {
                    if i == 5 {
                        self.mark(Part::Slot(SECTIONS));
                    }
                    let c = self.chunk_of(Some(section_port(section)?))?;
                    self.lines(recorded, &starts, at..end, c, SECTIONS);
                }
            }
            at = end;
        }
        if transaction.sections.len() <= 5 {
            self.mark(Part::Slot(SECTIONS));
        }
        (at + 1 == starts.len()).then_some(())
    }

    /// Cuts `nft list table` of `table`, made by `transaction` (which says which
    /// Service each chain and element was added for), as [`Table::write_lines`] writes
    /// it.
    fn table(&mut self, table: &Table, transaction: &Transaction) -> Option<()> {
        let mut chain_port: HashMap<&str, usize> = HashMap::new();
        for section in transaction.sections.iter().skip(5) {
            let port = section_port(section)?;
            for op in &section.operations {
                if let Operation::AddChain(chain) = op {
                    chain_port.insert(&chain.name, port);
                }
            }
        }
        let layout = LineSource::layout(By::NftList);
        let mut recorded = Recorded::default();
        let fixed = |cutter: &mut Cutter, write: &dyn Fn(&mut Recorded)| {
            let mut r = Recorded::default();
            write(&mut r);
            let n = r.sources.len();
            cutter.lines(&r, &line_starts(&r.text), 0..n, 0, 0);
        };
        let family = table.family;
        fixed(self, &|r| {
            let _ = r.line(layout, format_args!("table {family} {TABLE} {{"));
        });
        if let Some(c) = &table.comment {
            fixed(self, &|r| {
                let _ = r.line(
                    LineSource::layout(By::NftSetup),
                    format_args!("\tcomment \"{c}\""),
                );
            });
        }
        let mut first = true;
        let mut affinity_marked = false;
        let mut set_index: HashMap<&str, usize> = HashMap::new();
        for set in &table.sets {
            let c = self.chunk_of(set.source.service_port)?;
            if c == 0 && set.verdict_map && !affinity_marked {
                affinity_marked = true;
                self.mark(Part::Slot(AFFINITY_SETS));
            }
            if c != 0 && affinity_marked {
                return None;
            }
            recorded.text.clear();
            recorded.sources.clear();
            recorded.also.clear();
            if !first {
                let _ = recorded.line(layout, format_args!(""));
            }
            first = false;
            if c != 0 {
                let _ = Listed(set).write_lines(&mut recorded);
                if !recorded.also.is_empty() {
                    return None;
                }
                let n = recorded.sources.len();
                self.lines(
                    &recorded,
                    &line_starts(&recorded.text),
                    0..n,
                    c,
                    AFFINITY_SETS,
                );
                continue;
            }
            // A shared set: its declaration, its elements (every Service's, kept per
            // element), its closing brace.
            let mut bare = set.clone();
            bare.elements.clear();
            let _ = Listed(&bare).write_lines(&mut recorded);
            let n = recorded.sources.len();
            let starts = line_starts(&recorded.text);
            self.lines(&recorded, &starts, 0..n - 1, 0, 0);
            set_index.insert(&set.name, self.sets.len());
            self.mark(Part::Elements(self.sets.len()));
            self.sets.push(ElementSet {
                name: set.name.clone(),
                per_line: match set.key {
                    KeyType::Addr(Family::Ip) => 2,
                    _ => 1,
                },
                elements: Vec::new(),
            });
            self.lines(&recorded, &starts, n - 1..n, 0, 0);
        }
        if !affinity_marked {
            self.mark(Part::Slot(AFFINITY_SETS));
        }
        self.elements(transaction, &set_index)?;
        let mut services = false;
        for chain in &table.chains {
            let c = self.chunk_of(chain_port.get(chain.name.as_str()).copied())?;
            if c == 0 && services {
                return None;
            }
            if c != 0 && !services {
                services = true;
                self.mark(Part::Slot(CHAINS));
            }
            recorded.text.clear();
            recorded.sources.clear();
            recorded.also.clear();
            if !first {
                let _ = recorded.line(layout, format_args!(""));
            }
            first = false;
            let _ = Listed(chain).write_lines(&mut recorded);
            if !recorded.also.is_empty() {
                return None;
            }
            let n = recorded.sources.len();
            self.lines(&recorded, &line_starts(&recorded.text), 0..n, c, CHAINS);
        }
        if !services {
            self.mark(Part::Slot(CHAINS));
        }
        fixed(self, &|r| {
            let _ = r.line(layout, format_args!("}}"));
        });
        Some(())
    }

    /// Every element the transaction adds to the shared sets, with its source as
    /// [`Listed::write_lines`] gives it, sorted as nft lists them.
    fn elements(
        &mut self,
        transaction: &Transaction,
        set_index: &HashMap<&str, usize>,
    ) -> Option<()> {
        for (i, section) in transaction.sections.iter().enumerate() {
            for op in &section.operations {
                let Operation::AddElement { set, element } = op else {
                    continue;
                };
                let Some(&k) = set_index.get(set.as_str()) else {
                    // An element of a Service's own set: none is written.
                    return None;
                };
                let port = element.source.service_port;
                if port.is_some() != (i >= 5) {
                    return None;
                }
                let c = self.chunk_of(port)?;
                if c == 0 && !self.fixed {
                    continue;
                }
                let mut source = LineSource::of(By::NftSync, element.source, element.what(set));
                if port.is_none() {
                    source.config = ConfigFields::NONE.with(ConfigField::NodePortAddresses);
                }
                let source = self.source(c, source);
                let seq = self.seq[c as usize];
                self.seq[c as usize] += 1;
                let element = Element {
                    sort: sort_key(&element.key).into_boxed_slice(),
                    owner: self.owner_keys[c as usize].clone(),
                    seq,
                    chunk: c,
                    source,
                    text: element.to_string().into_boxed_str(),
                };
                match self.sets.get_mut(k) {
                    Some(s) => s.elements.push(element),
                    None => return None,
                }
            }
        }
        for set in &mut self.sets {
            crate::sort::sort_by(&mut set.elements, Element::order);
        }
        Some(())
    }
}

/// The service port a section after the fixed ones was written for.
fn section_port(section: &Section) -> Option<usize> {
    section
        .operations
        .iter()
        .find_map(|o| o.line_source().rule.service_port)
}

/// The byte offset of each line of `text`, and its length last.
fn line_starts(text: &str) -> Vec<usize> {
    let mut starts = vec![0];
    starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
    starts
}

/// A rendering cut into pieces.
struct Cut {
    chunks: Vec<Chunk>,
    owners: HashMap<ServiceKey, u32>,
    skeleton: Vec<Part>,
    slots: Vec<Vec<Item>>,
    sets: Vec<ElementSet>,
}

impl Cutter<'_> {
    fn finish(self) -> Cut {
        Cut {
            chunks: self.chunks,
            owners: self.owners,
            skeleton: self.skeleton,
            slots: self.slots,
            sets: self.sets,
        }
    }
}

/// Cuts `form` of one family's rendering.
fn cut(
    facts: &ProxyFacts,
    ruleset: &Ruleset,
    form: Form,
    fixed: bool,
    shared: &mut Shared,
) -> Option<Cut> {
    let mut cutter = Cutter::new(facts, fixed, shared);
    match form {
        Form::NftTransaction => {
            let mut recorded = Recorded::default();
            let _ = ruleset.transaction.write_lines(&mut recorded);
            cutter.transaction(&ruleset.transaction, &recorded)?;
        }
        Form::NftList => cutter.table(&ruleset.table, &ruleset.transaction)?,
    }
    Some(cutter.finish())
}

/// The Service CIDRs of `family`, as [`super::facts`] reads them.
fn service_cidrs(objects: &Objects, family: IpFamily) -> Vec<Cidr> {
    objects
        .service_cidrs
        .iter()
        .flat_map(|s| s.cidrs.iter())
        .filter_map(|c| Cidr::parse_sloppy(c.trim()))
        .filter(|c| c.family() == family)
        .collect()
}

/// The listing of `node` made whole, cut from kube-proxy's rendering.
fn whole(inputs: &Inputs, node: &str, form: Form) -> Option<Entry> {
    let proxy = (inputs.proxy)();
    let proxiers: Vec<_> = match form {
        Form::NftTransaction => proxy.proxiers.iter().collect(),
        Form::NftList => vec![proxy.family(IpFamily::IPv4)?],
    };
    let mut families = Vec::new();
    for proxier in proxiers {
        let facts = proxier.facts();
        let mut shared = Shared::default();
        let cut = cut(facts, proxier.nftables()?, form, true, &mut shared)?;
        families.push(FamilyListing {
            facts: shared_facts(facts),
            shared,
            chunks: cut.chunks.into_iter().map(Arc::new).collect(),
            owners: cut.owners,
            skeleton: Arc::new(cut.skeleton),
            slots: cut.slots,
            sets: cut.sets,
        });
    }
    Some(Entry {
        node: node.to_string(),
        form,
        node_families: proxy.proxiers.iter().map(|p| p.family()).collect(),
        over_budget: (inputs.over_budget)(),
        families,
    })
}

/// `before` (the listing of an analysis some edits back) with the Services in
/// `touched` made again from `inputs`; `None` when something every Service's lines
/// depend on changed.
fn patched(inputs: &Inputs, before: Entry, touched: &HashSet<ServiceKey>) -> Option<Entry> {
    let objects = inputs.objects;
    let context = (inputs.context)();
    if context.families != before.node_families {
        return None;
    }
    let over_budget = (inputs.over_budget)();
    if over_budget != before.over_budget {
        return None;
    }
    let (services, slices) = touched_services(objects, touched, &over_budget);
    let form = before.form;
    let mut out = Vec::with_capacity(before.families.len());
    for family in before.families {
        let cidrs = service_cidrs(objects, family.facts.family);
        out.push(family.patched(
            form,
            &context,
            &inputs.config,
            &cidrs,
            &services,
            &slices,
            touched,
        )?);
    }
    Some(Entry {
        node: before.node,
        form,
        node_families: before.node_families,
        over_budget,
        families: out,
    })
}

impl FamilyListing {
    /// The listing with the `touched` Services made again from `services` (those of
    /// them kube-proxy lists now) and their `slices`.
    #[allow(clippy::too_many_arguments)]
    fn patched(
        self,
        form: Form,
        context: &NodeContext,
        config: &ProxyConfig,
        cidrs: &[Cidr],
        services: &[&Service],
        slices: &HashMap<(&str, &str), Vec<&EndpointSlice>>,
        touched: &HashSet<ServiceKey>,
    ) -> Option<FamilyListing> {
        let family = self.facts.family;
        if self.facts.node != *context
            || self.facts.config != *config
            || self.facts.service_cidrs != cidrs
        {
            return None;
        }
        // The touched Services' service ports, categorised as `proxy::facts` does.
        let mut ports: Vec<ServicePortFacts> = Vec::new();
        for service in services {
            let k = (service.meta.namespace.as_str(), service.meta.name.as_str());
            let of_service = slices.get(&k).map_or(&[][..], Vec::as_slice);
            ports.extend(
                super::service_ports_of(service, family)
                    .into_iter()
                    .map(|info| super::port_facts(info, of_service, config, context, family)),
            );
        }
        let endpoints: usize = ports.iter().map(|p| p.endpoints.len()).sum();
        let dead: HashSet<u32> = touched
            .iter()
            .filter_map(|k| self.owners.get(k).copied())
            .collect();
        let gone: usize = dead
            .iter()
            .map(|&c| self.chunks[c as usize].endpoints)
            .sum();
        let total = (self.facts.total_endpoints + endpoints).checked_sub(gone)?;
        let large = |n: usize| n > LARGE_CLUSTER_ENDPOINTS_THRESHOLD;
        if large(total) != large(self.facts.total_endpoints) {
            return None;
        }
        let mut facts = self.facts;
        facts.total_endpoints = total;
        // The chunks kept, renumbered.
        let mut renumbered = vec![u32::MAX; self.chunks.len()];
        let mut chunks = Vec::with_capacity(self.chunks.len() + services.len());
        for (i, chunk) in self.chunks.into_iter().enumerate() {
            if !dead.contains(&(i as u32)) {
                renumbered[i] = chunks.len() as u32;
                chunks.push(chunk);
            }
        }
        let mut owners = self.owners;
        for k in touched {
            owners.remove(k);
        }
        for c in owners.values_mut() {
            *c = renumbered[*c as usize];
        }
        // The touched Services rendered again, together.
        let mut shared = self.shared;
        let mut one = facts.clone();
        one.service_ports = ports;
        let ruleset = nftables::ruleset(&one);
        let fresh = cut(&one, &ruleset, form, false, &mut shared)?;
        let base = chunks.len() as u32 - 1;
        let moved = |c: u32| if c == 0 { 0 } else { base + c };
        for (k, c) in fresh.owners {
            owners.insert(k, moved(c));
        }
        chunks.extend(fresh.chunks.into_iter().skip(1).map(Arc::new));
        // Each slot's items kept and the fresh ones merged, in the order of owners.
        let mut slots = Vec::with_capacity(self.slots.len());
        for (old, new) in self.slots.into_iter().zip(fresh.slots) {
            let mut items = Vec::with_capacity(old.len() + new.len());
            let mut new = new.into_iter().peekable();
            for mut item in old {
                let c = renumbered[item.chunk as usize];
                if c == u32::MAX {
                    continue;
                }
                while let Some(mut next) = new.next_if(|f| f.owner < item.owner) {
                    next.chunk = moved(next.chunk);
                    items.push(next);
                }
                item.chunk = c;
                items.push(item);
            }
            items.extend(new.map(|mut next| {
                next.chunk = moved(next.chunk);
                next
            }));
            slots.push(items);
        }
        // Each set's elements kept and the fresh ones merged, in nft's order.
        let mut sets = self.sets;
        for set in &mut sets {
            let mut new: Vec<Element> = fresh
                .sets
                .iter()
                .find(|s| s.name == set.name)
                .map(|s| s.elements.clone())
                .unwrap_or_default();
            for e in &mut new {
                e.chunk = moved(e.chunk);
            }
            let old = std::mem::take(&mut set.elements);
            let mut elements = Vec::with_capacity(old.len() + new.len());
            let mut new = new.into_iter().peekable();
            for mut e in old {
                let c = renumbered[e.chunk as usize];
                if c == u32::MAX {
                    continue;
                }
                e.chunk = c;
                while let Some(next) = new.next_if(|f| f.order(&e) == Ordering::Less) {
                    elements.push(next);
                }
                elements.push(e);
            }
            elements.extend(new);
            set.elements = elements;
        }
        if fresh
            .sets
            .iter()
            .any(|s| !sets.iter().any(|t| t.name == s.name))
        {
            return None;
        }
        Some(FamilyListing {
            facts,
            shared,
            chunks,
            owners,
            skeleton: self.skeleton,
            slots,
            sets,
        })
    }
}
