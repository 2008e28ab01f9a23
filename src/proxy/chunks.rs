//! iptables mode's listings kept in per-Service chunks, so that the listing after an edit
//! reuses every Service the edit did not touch (issue 19 item 3).
//!
//! kube-proxy itself syncs partially: `syncProxyRules` in `pkg/proxy/iptables/proxier.go`
//! (`tryPartialSync`) writes again only the chains of the Services whose Service or
//! EndpointSlices changed since the last sync (`serviceUpdateResult.UpdatedServices`,
//! `endpointUpdateResult.UpdatedServices`), and rewrites the shared chains (KUBE-SERVICES,
//! KUBE-NODEPORTS, KUBE-EXTERNAL-SERVICES…) every time. The rules panel does the same
//! with the listing it shows ([`crate::views::listing::lines`], through [`listing`]):
//! kube-proxy's restore input and `iptables-save` of the node's tables after the sync
//! ([`Form`]).
//!
//! - A listing ([`Entry`]) is held per node, for each IP family ([`FamilyListing`]), as
//!   *chunks* — the lines of one Service (every chain, declaration and rule its service
//!   ports write, each with its resolved [`Provenance`]) and the fixed lines — and
//!   *items*, the runs of one chunk's lines. An item's place orders it exactly as
//!   [`iptables::render`] assembles the tables (and as the kernel lists them for
//!   `iptables-save`): by table, heading, declarations, rules, trailer; by chain
//!   (restore input: KUBE-NODEPORTS, KUBE-SERVICES, then by name; `iptables-save`: the
//!   built-in chains, then by name); in a shared chain the Services' rules by
//!   kube-proxy's sort key (KUBE-SERVICES, KUBE-NODEPORTS) or in the Services' order
//!   (the others), the fixed rules before or after them.
//! - The first listing of a node is cut from the whole rendering. After
//!   `Analysis::edit`, the listings of the analysis before are carried
//!   over with the Services the edit touched (those whose Service or EndpointSlices the
//!   API server did not replay), unless an object moved (a provenance names objects by
//!   id); when nothing else kube-proxy reads changed (the node, the configuration, the IP
//!   families, the Services left out by svcplay's budget, large-cluster mode), only the
//!   touched Services are rendered again ([`iptables::render_services`], their facts
//!   made as [`super::facts`] makes them) and merged in at their places. Otherwise the
//!   listing is made whole again. When each touched Service's fresh items sit at the
//!   places of its items before (a port edited; the builtin Services, touched by every
//!   edit, rendered as they were), its chunk takes its slot and its items are overwritten
//!   where they are: no chunk renumbered, no item moved ([`patched_in_place`]).
//! - A [`Provenance`] does not name the index of its service port, so a chunk's lines
//!   and sources hold wherever its Service moves in the list; the sources are numbered
//!   in order of first use when the listing is written out, as [`Lines::resolve`]
//!   numbers them.
//!
//! `tests/incremental.rs` checks, after random edit sequences, that every listing through
//! the chunks equals the one made whole ([`crate::views::listing::made_whole`]) and the
//! restore input [`super::NodeProxy::lines`] of a full analysis.

use super::config::{NodeContext, ProxyConfig};
use super::iptables::node::{IPTABLES_VERSION, NodeTables, SAVE_TIMESTAMP, TABLE_ORDER};
use super::iptables::{self, ChainName, Reader, Rule, Ruleset, TableName};
use super::lines::{By, ChainRole, LineSource, Recorded, What};
use super::provenance::{Lines, Provenance, provenance};
use super::{LARGE_CLUSTER_ENDPOINTS_THRESHOLD, NodeProxy, ProxyFacts, ServicePortFacts};
use crate::model::ip::IpFamily;
use crate::model::{EndpointSlice, Objects, Service};
use std::collections::{HashMap, HashSet};
use std::fmt::{self, Write as _};
use std::ops::Range;
use std::sync::{Arc, Mutex};

/// A Service: `(namespace, name)`.
pub type ServiceKey = (String, String);

/// Past this many Services touched since a listing was made, it is made whole again (and
/// the analysis measures its endpoints and DNS records whole again: `scenario`'s bound).
pub(crate) const MAX_TOUCHED_SERVICES: usize = 512;

/// How many nodes' listings an analysis keeps (as many as its nodes' rulesets).
pub(crate) const CACHED_NODES: usize = 4;

/// The lines of one Service (or the fixed lines) in one family's listing.
#[derive(Debug, Default)]
struct Chunk {
    /// Every line, each with its newline, in the order of the items that hold them.
    text: String,
    /// Per line: an index into `sources`.
    line_sources: Vec<u32>,
    /// The chunk's distinct sources, resolved.
    sources: Vec<Arc<Provenance>>,
    /// The endpoints of its service ports (large-cluster mode counts every Service's).
    endpoints: usize,
}

/// Where a run of lines sits: items are listed in the order of their places, which is
/// the order [`iptables::render`] assembles the tables in.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Place {
    /// The table's place in the listing.
    table: u8,
    /// 0 the `*table` line (and `iptables-save`'s heading), 1 the chain declarations, 2 the rules, 3 `COMMIT`.
    part: u8,
    /// The restore input: KUBE-NODEPORTS, KUBE-SERVICES, the other KUBE- chains, the
    /// rest; `iptables-save`: the built-in chains in their order, then the others.
    rank: u8,
    chain: ChainName,
    /// In a chain's rules: 0 fixed rules before the Services', 1 the Services', 2 fixed
    /// rules after them (the NodePorts jump, KUBE-FORWARD's rules).
    phase: u8,
    /// KUBE-SERVICES and KUBE-NODEPORTS sort the Services' rules by their comment's
    /// `namespace/name` ([`iptables::service_sort_key`]); empty elsewhere.
    service_key: Arc<str>,
    /// The Service, in kube-proxy's order of Services; `None` for the fixed lines.
    owner: Option<Arc<ServiceKey>>,
}

/// A run of one chunk's lines.
#[derive(Clone, Debug)]
struct Item {
    place: Place,
    chunk: u32,
    text: Range<usize>,
    lines: Range<usize>,
}

/// One family's restore input in chunks.
#[derive(Debug)]
pub struct FamilyListing {
    /// The facts every Service's rules share (no service ports: those are the chunks').
    facts: ProxyFacts,
    /// Chunk 0 holds the fixed lines.
    chunks: Vec<Arc<Chunk>>,
    /// The chunk of each Service that writes lines.
    owners: HashMap<ServiceKey, u32>,
    items: Vec<Item>,
    /// How many lines the items hold: what a window of the listing counts past the lines
    /// it shows, kept as the items are made or overwritten instead of walked each time
    /// ([`Entry::line_count`]).
    line_count: usize,
    /// Each chunk's items (their indices in `items`), made when an edit first patches
    /// the listing in place ([`FamilyListing::in_place`]) and dropped when items move.
    positions: Option<Positions>,
}

/// Per chunk, the indices of its items: chunk `c`'s are `at[starts[c]..starts[c + 1]]`.
#[derive(Clone, Debug)]
struct Positions {
    starts: Vec<u32>,
    at: Vec<u32>,
}

impl Positions {
    fn of(chunks: usize, items: &[Item]) -> Positions {
        let mut starts = vec![0u32; chunks + 1];
        for item in items {
            starts[item.chunk as usize + 1] += 1;
        }
        for c in 0..chunks {
            starts[c + 1] += starts[c];
        }
        let mut next = starts.clone();
        let mut at = vec![0u32; items.len()];
        for (i, item) in items.iter().enumerate() {
            let n = &mut next[item.chunk as usize];
            at[*n as usize] = i as u32;
            *n += 1;
        }
        Positions { starts, at }
    }

    fn of_chunk(&self, c: u32) -> &[u32] {
        let c = c as usize;
        &self.at[self.starts[c] as usize..self.starts[c + 1] as usize]
    }
}

thread_local! {
    /// How many family listings this thread patched in place ([`FamilyListing::in_place`]).
    static IN_PLACE: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// How many family listings the calling thread patched in place after an edit (each
/// touched Service's items overwritten where they were): a statistic the tests read to
/// know which path ran.
pub fn patched_in_place() -> usize {
    IN_PLACE.with(|n| n.get())
}

/// A node's restore input in chunks, each family's.
#[derive(Debug)]
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
pub struct ListingCache {
    made: Mutex<Vec<Arc<Entry>>>,
    base: Mutex<Option<Base>>,
    /// nftables mode's listings, kept in their own pieces ([`super::mode_chunks`]).
    pub(crate) modes: super::mode_chunks::ModeCache,
}

/// Listings made before some edits, and the Services those edits touched.
#[derive(Clone, Debug)]
pub struct Base {
    entries: Vec<Arc<Entry>>,
    touched: Arc<HashSet<ServiceKey>>,
    /// nftables mode's listings and the Services touched since they were made.
    modes: Option<super::mode_chunks::ModeBase>,
}

impl Clone for ListingCache {
    fn clone(&self) -> ListingCache {
        ListingCache::default()
    }
}

impl std::fmt::Debug for ListingCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Filled or not, it lists the same for the same objects.
        f.write_str("ListingCache")
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // Nothing panics while holding the lock; a poisoned one still holds valid data.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl ListingCache {
    /// What an edit carries over to the analysis after it: the listings made (none
    /// touched yet), else the base this analysis had.
    pub fn into_base(self) -> Option<Base> {
        let modes = self.modes.into_base();
        let made = self.made.into_inner().unwrap_or_else(|e| e.into_inner());
        let mut base = if made.is_empty() {
            self.base.into_inner().unwrap_or_else(|e| e.into_inner())
        } else {
            Some(Base {
                entries: made,
                touched: Arc::default(),
                modes: None,
            })
        };
        if modes.is_some() {
            base.get_or_insert_with(|| Base {
                entries: Vec::new(),
                touched: Arc::default(),
                modes: None,
            })
            .modes = modes;
        }
        base
    }

    /// The cache of an analysis made by an edit that touched `touched` (`None`: the
    /// edit's touched Services are not known, nothing is carried over).
    pub fn after_edit(
        mut base: Option<Base>,
        touched: Option<&HashSet<ServiceKey>>,
    ) -> ListingCache {
        let modes = super::mode_chunks::ModeCache::after_edit(
            base.as_mut().and_then(|b| b.modes.take()),
            touched,
        );
        let base = base.zip(touched).and_then(|(base, now)| {
            let mut touched = Arc::unwrap_or_clone(base.touched);
            touched.extend(now.iter().cloned());
            (touched.len() <= MAX_TOUCHED_SERVICES).then(|| Base {
                entries: base.entries,
                touched: Arc::new(touched),
                modes: None,
            })
        });
        ListingCache {
            made: Mutex::default(),
            base: Mutex::new(base),
            modes,
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

    /// The listing of `node` made before the edits, taken out of the base (it is
    /// patched into this analysis' own), with the Services touched since.
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

impl Clone for Entry {
    fn clone(&self) -> Entry {
        Entry {
            node: self.node.clone(),
            form: self.form,
            node_families: self.node_families.clone(),
            over_budget: self.over_budget.clone(),
            families: self
                .families
                .iter()
                .map(|f| FamilyListing {
                    facts: f.facts.clone(),
                    chunks: f.chunks.clone(),
                    owners: f.owners.clone(),
                    items: f.items.clone(),
                    line_count: f.line_count,
                    positions: f.positions.clone(),
                })
                .collect(),
        }
    }
}

/// The listings kept in chunks: kube-proxy's iptables restore input (every family's),
/// and `iptables-save` of the node's IPv4 tables after kube-proxy's sync.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Form {
    Restore,
    Save,
}

/// What a node's listing is made from: the analysis' objects, kube-proxy's
/// configuration in iptables mode and its context on the node (asked for when the
/// listing before is patched), and the node's kube-proxy (built only when the listing
/// is made whole).
pub struct Inputs<'a> {
    pub objects: &'a Objects,
    pub config: ProxyConfig,
    pub context: &'a dyn Fn() -> NodeContext,
    pub proxy: &'a dyn Fn() -> Arc<NodeProxy>,
    /// The Services svcplay's budget leaves out, sorted (`Analysis::over_budget`: known
    /// without reading the objects when every Service fits).
    pub over_budget: &'a dyn Fn() -> Vec<ServiceKey>,
    /// The session clock, which `iptables-save`'s headings and trailers print.
    pub stamp: String,
}

/// The listing of `form` on `node`, with the provenance of every line, as
/// [`crate::views::listing::made_whole`] makes it (the restore input: what
/// [`super::NodeProxy::lines`] gives in iptables mode), reusing the chunks of the listing
/// made before the edits that led to `cache`'s analysis for every Service they did not
/// touch. `None` when the listing cannot be kept in chunks (`iptables-save` of a node
/// without an IPv4 proxier, a rendering with no single place for a run of lines).
pub fn listing(cache: &ListingCache, node: &str, form: Form, inputs: &Inputs) -> Option<Lines> {
    entry(cache, node, form, inputs).map(|entry| entry.lines(&inputs.stamp))
}

/// The listing of `form` on `node` kept in chunks, made (or patched) as [`listing`] makes
/// it, without writing it out: the rules panel reads only the lines it shows
/// ([`Entry::runs`]). The caller lets go of it before the next edit (which takes it over).
pub fn entry(cache: &ListingCache, node: &str, form: Form, inputs: &Inputs) -> Option<Arc<Entry>> {
    if let Some(entry) = cache.made(node, form) {
        return Some(entry);
    }
    let entry = cache
        .take_base(node, form)
        .and_then(|(before, touched)| patched(inputs, before, &touched))
        .or_else(|| whole(inputs, node, form))?;
    let entry = Arc::new(entry);
    cache.remember(entry.clone());
    Some(entry)
}

/// A run of a listing's lines, read in order ([`Entry::runs`]).
pub struct Run<'a> {
    /// What the run's sources are numbered by: the same for every run of one chunk
    /// (a listing written out numbers each chunk's sources apart), below
    /// [`Entry::chunk_count`].
    pub chunk: usize,
    /// The text of the run's chunk, `range` the run's lines in it, and what a
    /// timestamp in them reads ([`Run::text`]).
    chunk_text: &'a str,
    range: Range<usize>,
    stamp: Option<&'a str>,
    /// Per line: an index into `sources`.
    pub line_sources: &'a [u32],
    /// The chunk's sources.
    pub sources: &'a [Arc<Provenance>],
}

impl Run<'_> {
    /// The run's lines, each with its newline: read only for the runs a window shows or
    /// searches (slicing every run's text touched all 16 MB of a dump's listing).
    pub fn text(&self) -> std::borrow::Cow<'_, str> {
        let run = &self.chunk_text[self.range.clone()];
        match self.stamp {
            Some(stamp) => run.replace(SAVE_TIMESTAMP, stamp).into(),
            None => run.into(),
        }
    }
}

impl Entry {
    /// Reads the listing's runs of lines in order, as [`listing`] writes them out (each
    /// family's under its heading when there are several, `iptables-save`'s own lines
    /// stamped with `stamp`), until `read` returns false. What a window of the listing
    /// reads instead of the whole text (215,063 lines on the 5,000-Service dump).
    pub fn runs(&self, stamp: &str, read: &mut dyn FnMut(Run<'_>) -> bool) {
        let stamp = (self.form == Form::Save).then_some(stamp);
        let several = self.families.len() > 1;
        // Each family's heading, then its chunks.
        let mut base = 0;
        for family in &self.families {
            if several {
                let heading = family_heading(&family.facts);
                let run = Run {
                    chunk: base,
                    chunk_text: &heading.text,
                    range: 0..heading.text.len(),
                    stamp: None,
                    line_sources: &[0],
                    sources: &heading.sources,
                };
                if !read(run) {
                    return;
                }
            }
            base += 1;
            for item in &family.items {
                let c = item.chunk as usize;
                let chunk = &family.chunks[c];
                let run = Run {
                    chunk: base + c,
                    chunk_text: &chunk.text,
                    range: item.text.clone(),
                    // Only `iptables-save`'s own lines (the fixed chunk's) carry the time.
                    stamp: stamp.filter(|_| c == 0),
                    line_sources: &chunk.line_sources[item.lines.clone()],
                    sources: &chunk.sources,
                };
                if !read(run) {
                    return;
                }
            }
            base += family.chunks.len();
        }
    }

    /// How many chunks [`Entry::runs`] reads runs of (each family's heading counted).
    pub fn chunk_count(&self) -> usize {
        self.families.iter().map(|f| 1 + f.chunks.len()).sum()
    }

    /// How many lines [`Entry::runs`] reads (each family's heading counted when there are
    /// several), without reading them: kept as the listing is made or patched.
    pub fn line_count(&self) -> usize {
        let headings = if self.families.len() > 1 {
            self.families.len()
        } else {
            0
        };
        headings + self.families.iter().map(|f| f.line_count).sum::<usize>()
    }
}

/// The heading of one family's restore input in a listing of several (one line, its
/// source the first).
fn family_heading(facts: &ProxyFacts) -> Lines {
    let mut header = Recorded::default();
    let _ = crate::proxy::lines::LineSink::line(
        &mut header,
        LineSource::fixed(By::Svcplay, What::Note),
        format_args!(
            "# {}-restore input ({})",
            iptables::tool(facts.family),
            facts.family
        ),
    );
    Lines::resolve(header, facts)
}

impl Entry {
    /// The listing, every family's (each under a heading when there are several, as
    /// [`super::NodeProxy::lines`] writes them); `iptables-save`'s headings and trailers
    /// stamped with `stamp`.
    fn lines(&self, stamp: &str) -> Lines {
        let stamp = (self.form == Form::Save).then_some(stamp);
        if let [family] = &self.families[..] {
            return family.lines(stamp);
        }
        let mut lines = Lines::default();
        for family in &self.families {
            lines.append(family_heading(&family.facts));
            lines.append(family.lines(stamp));
        }
        lines
    }
}

impl FamilyListing {
    /// The family's listing: the items' lines in order, the sources numbered in order
    /// of first use, the fixed lines' timestamps replaced by `stamp`.
    fn lines(&self, stamp: Option<&str>) -> Lines {
        let mut first = Vec::with_capacity(self.chunks.len());
        let mut total = 0usize;
        let (mut text_len, mut line_count) = (0usize, 0usize);
        for chunk in &self.chunks {
            first.push(total);
            total += chunk.sources.len();
            text_len += chunk.text.len();
            line_count += chunk.line_sources.len();
        }
        let mut numbered = vec![0u32; total];
        let mut text = String::with_capacity(text_len);
        let mut line_sources = Vec::with_capacity(line_count);
        let mut sources = Vec::with_capacity(total);
        for item in &self.items {
            let c = item.chunk as usize;
            let chunk = &self.chunks[c];
            let run = &chunk.text[item.text.clone()];
            match stamp {
                // Only `iptables-save`'s own lines (the fixed chunk's) carry the time.
                Some(stamp) if c == 0 => text.push_str(&run.replace(SAVE_TIMESTAMP, stamp)),
                _ => text.push_str(run),
            }
            let numbered = &mut numbered[first[c]..first[c] + chunk.sources.len()];
            for &s in &chunk.line_sources[item.lines.clone()] {
                let n = &mut numbered[s as usize];
                if *n == 0 {
                    sources.push(chunk.sources[s as usize].clone());
                    *n = sources.len() as u32;
                }
                line_sources.push(*n);
            }
        }
        Lines {
            text,
            line_sources,
            sources,
            also: Vec::new(),
        }
    }
}

/// A chunk being cut from a rendering.
#[derive(Default)]
struct ChunkBuilder {
    chunk: Chunk,
    index: HashMap<LineSource, u32>,
}

/// A table to cut: its place in the listing, and its chains in the listing's order.
struct TableView<'a> {
    order: u8,
    name: TableName,
    chains: Vec<ChainView<'a>>,
}

/// A chain to cut: its name, policy (built-in chains) and rank, and its rules.
struct ChainView<'a> {
    name: ChainName,
    policy: Option<&'static str>,
    rank: u8,
    rules: &'a [Rule],
}

/// The rank of `iptables-save`'s chains that are not built in (listed by name).
const SAVE_USER_RANK: u8 = 10;

/// A ruleset's tables (filter, then nat) as `form` lists them.
fn ruleset_views(ruleset: &Ruleset, form: Form) -> Vec<TableView<'_>> {
    [&ruleset.filter, &ruleset.nat]
        .into_iter()
        .map(|table| TableView {
            order: table_order(table.name, form),
            name: table.name,
            chains: table
                .chain_slices()
                .into_iter()
                .zip(&table.chains)
                .map(|((name, range), chain)| ChainView {
                    name: chain.clone(),
                    policy: None,
                    rank: match form {
                        Form::Restore => rank(name),
                        Form::Save => SAVE_USER_RANK,
                    },
                    rules: &table.rules[range],
                })
                .collect(),
        })
        .collect()
}

/// The node's tables as `iptables-save` lists them.
fn node_views(tables: &NodeTables) -> Vec<TableView<'_>> {
    tables
        .tables
        .iter()
        .map(|table| TableView {
            order: table_order(table.name, Form::Save),
            name: table.name,
            chains: table
                .builtin
                .iter()
                .enumerate()
                .map(|(i, c)| (i as u8, c))
                .chain(table.user.values().map(|c| (SAVE_USER_RANK, c)))
                .map(|(rank, c)| ChainView {
                    name: Arc::from(c.name.as_str()),
                    policy: c.policy,
                    rank,
                    rules: &c.rules,
                })
                .collect(),
        })
        .collect()
}

/// The place of a table in a listing of `form`.
fn table_order(name: TableName, form: Form) -> u8 {
    match form {
        Form::Restore => name as u8,
        Form::Save => TABLE_ORDER.iter().position(|t| *t == name).unwrap_or(0) as u8,
    }
}

/// Cuts a rendering into chunks and items.
struct Cutter<'a> {
    facts: &'a ProxyFacts,
    /// Whether the fixed lines are kept (a whole rendering) or left out (the rendering
    /// of some Services only, whose fixed chains are declared but hold no rules).
    fixed: bool,
    /// Chunk 0 is the fixed lines'.
    chunks: Vec<ChunkBuilder>,
    owner_keys: Vec<Option<Arc<ServiceKey>>>,
    /// The chunk of each service port of the facts.
    chunk_of_port: Vec<u32>,
    owners: HashMap<ServiceKey, u32>,
    items: Vec<Item>,
}

impl<'a> Cutter<'a> {
    fn new(facts: &'a ProxyFacts, fixed: bool) -> Cutter<'a> {
        let mut cutter = Cutter {
            facts,
            fixed,
            chunks: vec![ChunkBuilder::default()],
            owner_keys: vec![None],
            chunk_of_port: Vec::with_capacity(facts.service_ports.len()),
            owners: HashMap::new(),
            items: Vec::new(),
        };
        for sp in &facts.service_ports {
            let key = (sp.info.name.namespace.clone(), sp.info.name.name.clone());
            let at = match cutter.owners.get(&key) {
                Some(&at) => at,
                None => {
                    let at = cutter.chunks.len() as u32;
                    cutter.chunks.push(ChunkBuilder::default());
                    cutter.owner_keys.push(Some(Arc::new(key.clone())));
                    cutter.owners.insert(key, at);
                    at
                }
            };
            cutter.chunks[at as usize].chunk.endpoints += sp.endpoints.len();
            cutter.chunk_of_port.push(at);
        }
        cutter
    }

    /// The chunk a line of `source` belongs to: its Service's, or the fixed lines'.
    fn chunk_of(&self, source: &LineSource) -> Option<u32> {
        match source.rule.service_port {
            Some(i) => self.chunk_of_port.get(i).copied(),
            None => Some(0),
        }
    }

    /// Starts an item of chunk `c` at `place` (its owner filled in).
    fn start(&mut self, c: u32, mut place: Place) -> Option<usize> {
        if c == 0 && !self.fixed {
            return None;
        }
        place.owner = self.owner_keys[c as usize].clone();
        let chunk = &self.chunks[c as usize].chunk;
        self.items.push(Item {
            place,
            chunk: c,
            text: chunk.text.len()..chunk.text.len(),
            lines: chunk.line_sources.len()..chunk.line_sources.len(),
        });
        Some(self.items.len() - 1)
    }

    /// Adds a line to the item `item` of chunk `c`.
    fn line(&mut self, item: Option<usize>, c: u32, source: LineSource, text: fmt::Arguments) {
        let Some(item) = item else { return };
        let facts = self.facts;
        let builder = &mut self.chunks[c as usize];
        let next = builder.chunk.sources.len() as u32;
        let s = *builder.index.entry(source).or_insert(next);
        if s == next {
            builder
                .chunk
                .sources
                .push(Arc::new(provenance(facts, source)));
        }
        let _ = builder.chunk.text.write_fmt(text);
        builder.chunk.text.push('\n');
        builder.chunk.line_sources.push(s);
        let item = &mut self.items[item];
        item.text.end = builder.chunk.text.len();
        item.lines.end = builder.chunk.line_sources.len();
    }

    /// Cuts one table as `form` lists it (the heading, the declarations, the rules, the
    /// trailer), as [`iptables::Table::write_lines`] and [`iptables::node::Save`] write
    /// them; `None` when a run of lines has no single place (which the rendering never
    /// makes).
    fn table(&mut self, table: &TableView, form: Form, reader: Reader) -> Option<()> {
        let family = self.facts.family;
        let place = |part: u8, rank: u8, chain: &ChainName, phase: u8| Place {
            table: table.order,
            part,
            rank,
            chain: chain.clone(),
            phase,
            service_key: Arc::from(""),
            owner: None,
        };
        let none: ChainName = Arc::from("");
        let head = self.start(0, place(0, 0, &none, 0));
        let tool = iptables::tool(family);
        let layout = match form {
            Form::Restore => LineSource::layout(reader.by),
            Form::Save => {
                let layout = LineSource::layout(By::IptablesSave);
                self.line(
                    head,
                    0,
                    layout,
                    format_args!(
                        "# Generated by {tool}-save {IPTABLES_VERSION} on {SAVE_TIMESTAMP}"
                    ),
                );
                layout
            }
        };
        self.line(head, 0, layout, format_args!("*{}", table.name.as_str()));
        for chain in &table.chains {
            let role = ChainRole::of_iptables(&chain.name);
            let by = match role {
                ChainRole::Canary if form == Form::Save => By::IptablesCanary,
                _ => reader.by,
            };
            let source = match chain.policy {
                Some(_) => LineSource::fixed(By::Kernel, What::Chain(ChainRole::Builtin)),
                None => LineSource::of(
                    by,
                    iptables::chain_source(chain.rules, role),
                    What::Chain(role),
                ),
            };
            // A Service's chain without rules would have no Service to belong to.
            if role.is_per_service() && source.rule.service_port.is_none() {
                return None;
            }
            let c = self.chunk_of(&source)?;
            let item = self.start(c, place(1, chain.rank, &chain.name, 0));
            let name = &chain.name;
            match form {
                Form::Restore => self.line(item, c, source, format_args!(":{name} - [0:0]")),
                Form::Save => {
                    let policy = chain.policy.unwrap_or("-");
                    self.line(item, c, source, format_args!(":{name} {policy} [0:0]"))
                }
            }
        }
        for chain in &table.chains {
            let sorted = &*chain.name == "KUBE-SERVICES" || &*chain.name == "KUBE-NODEPORTS";
            let mut seen: HashSet<u32> = HashSet::new();
            let mut after_services = false;
            let mut fixed_after = false;
            let mut current: Option<(u32, Option<usize>)> = None;
            let chain_reader = match chain.policy {
                // The jumps from the built-in chains, which kube-proxy ensures.
                Some(_) => Reader {
                    by: By::IptablesJumps,
                    what: reader.what,
                },
                None => reader,
            };
            for rule in chain.rules {
                let source = rule.line_source(chain_reader);
                let c = self.chunk_of(&source)?;
                let item = match current {
                    Some((at, item)) if at == c => item,
                    _ => {
                        if !seen.insert(c) && c != 0 {
                            return None;
                        }
                        let mut at = place(2, chain.rank, &chain.name, 1);
                        if c == 0 {
                            at.phase = if after_services { 2 } else { 0 };
                            fixed_after |= after_services;
                            if sorted && !iptables::is_last_rule(rule) {
                                return None;
                            }
                        } else {
                            if fixed_after {
                                return None;
                            }
                            after_services = true;
                            if sorted {
                                at.service_key = Arc::from(iptables::service_sort_key(rule));
                            }
                        }
                        let item = self.start(c, at);
                        current = Some((c, item));
                        item
                    }
                };
                match form {
                    Form::Restore => self.line(item, c, source, format_args!("{rule}")),
                    Form::Save => {
                        self.line(item, c, source, format_args!("{}", rule.saved(family)))
                    }
                }
            }
        }
        let tail = self.start(0, place(3, 0, &none, 0));
        self.line(tail, 0, layout, format_args!("COMMIT"));
        if form == Form::Save {
            self.line(
                tail,
                0,
                layout,
                format_args!("# Completed on {SAVE_TIMESTAMP}"),
            );
        }
        Some(())
    }

    /// Cuts the tables of a listing of `form`.
    fn cut(mut self, tables: &[TableView], form: Form) -> Option<Cut> {
        for table in tables {
            self.table(table, form, Reader::IPTABLES)?;
        }
        Some(Cut {
            chunks: self.chunks.into_iter().map(|b| b.chunk).collect(),
            owners: self.owners,
            items: self.items,
        })
    }
}

/// A rendering cut into chunks (chunk 0 the fixed lines') and items, in the order the
/// rendering lists them.
struct Cut {
    chunks: Vec<Chunk>,
    owners: HashMap<ServiceKey, u32>,
    items: Vec<Item>,
}

impl Cut {
    /// The family's listing, its items in place order: the order the rendering listed
    /// them in (`tests/incremental.rs` checks the listing equals the rendering's).
    fn listing(self, facts: &ProxyFacts) -> FamilyListing {
        let mut items = self.items;
        crate::sort::sort_by(&mut items, |a, b| a.place.cmp(&b.place));
        FamilyListing {
            facts: shared_facts(facts),
            chunks: self.chunks.into_iter().map(Arc::new).collect(),
            owners: self.owners,
            line_count: line_count(&items),
            items,
            positions: None,
        }
    }
}

/// How many lines `items` hold.
fn line_count(items: &[Item]) -> usize {
    items.iter().map(|i| i.lines.len()).sum()
}

/// The rank of a chain in [`iptables::render`]'s order.
fn rank(name: &str) -> u8 {
    match name {
        "KUBE-NODEPORTS" => 0,
        "KUBE-SERVICES" => 1,
        n if n.starts_with("KUBE-") => 2,
        _ => 3,
    }
}

/// The facts every Service's rules share: `facts` without its service ports.
pub(crate) fn shared_facts(facts: &ProxyFacts) -> ProxyFacts {
    ProxyFacts {
        family: facts.family,
        node: facts.node.clone(),
        config: facts.config.clone(),
        service_ports: Vec::new(),
        total_endpoints: facts.total_endpoints,
        service_cidrs: facts.service_cidrs.clone(),
    }
}

/// The Services svcplay's budget leaves out, sorted, counted from every Service and
/// EndpointSlice (what `Analysis::over_budget` falls back on).
pub(crate) fn over_budget(objects: &Objects) -> Vec<ServiceKey> {
    let mut out: Vec<ServiceKey> = crate::controllers::budget::over_budget(objects)
        .into_iter()
        .map(|(s, _)| (s.meta.namespace.clone(), s.meta.name.clone()))
        .collect();
    out.sort();
    out
}

/// The listing of `node` made whole, cut from kube-proxy's rendering; `None` when a
/// rendering cannot be cut (the listing is then made without chunks) or, for
/// `iptables-save`, when the node runs no IPv4 proxier.
fn whole(inputs: &Inputs, node: &str, form: Form) -> Option<Entry> {
    let proxy = (inputs.proxy)();
    let mut families = Vec::new();
    match form {
        Form::Restore => {
            for proxier in proxy.proxiers.iter() {
                let facts = proxier.facts();
                let tables = ruleset_views(proxier.iptables()?, form);
                families.push(Cutter::new(facts, true).cut(&tables, form)?.listing(facts));
            }
        }
        Form::Save => {
            let proxier = proxy.family(IpFamily::IPv4)?;
            let facts = proxier.facts();
            let tables = node_views(proxier.node_tables()?);
            families.push(Cutter::new(facts, true).cut(&tables, form)?.listing(facts));
        }
    }
    Some(Entry {
        node: node.to_string(),
        form,
        node_families: proxy.proxiers.iter().map(|p| p.family()).collect(),
        over_budget: (inputs.over_budget)(),
        families,
    })
}

/// The `touched` Services as kube-proxy lists them (not left out by svcplay's budget,
/// sorted in kube-proxy's order), with their EndpointSlices (looked up by borrowed
/// names: a dump holds 10⁴ of each).
pub(crate) type Touched<'o> = (
    Vec<&'o Service>,
    HashMap<(&'o str, &'o str), Vec<&'o EndpointSlice>>,
);

/// [`Touched`] of `objects` (shared with [`super::mode_chunks`]). One pass over the
/// Services and EndpointSlices, each compared with the few touched names (a keystroke
/// touches the Service edited and the cluster's own): nothing of a dump's 10⁴ objects is
/// hashed; past [`FEW_TOUCHED`], the names are looked up in a hash set.
pub(crate) fn touched_services<'o>(
    objects: &'o Objects,
    touched: &HashSet<ServiceKey>,
    over_budget: &[ServiceKey],
) -> Touched<'o> {
    let wanted: Vec<(&str, &str)> = touched
        .iter()
        .filter(|k| over_budget.binary_search(k).is_err())
        .map(|(ns, name)| (ns.as_str(), name.as_str()))
        .collect();
    let set: HashSet<(&str, &str), crate::hash::FnvBuild> = match wanted.len() > FEW_TOUCHED {
        true => wanted.iter().copied().collect(),
        false => HashSet::default(),
    };
    let is_wanted = |namespace: &str, name: &str| match wanted.len() > FEW_TOUCHED {
        true => set.contains(&(namespace, name)),
        false => (wanted.iter()).any(|&(ns, n)| n == name && ns == namespace),
    };
    let mut services: Vec<&Service> = Vec::new();
    if !wanted.is_empty() {
        services.extend(
            (objects.services.iter())
                .filter(|s| is_wanted(&s.meta.namespace, &s.meta.name))
                .filter(|s| super::watched_by_kube_proxy(&s.meta.labels)),
        );
    }
    crate::sort::sort_by(&mut services, |a, b| {
        (&a.meta.namespace, &a.meta.name).cmp(&(&b.meta.namespace, &b.meta.name))
    });
    let mut slices: HashMap<(&str, &str), Vec<&EndpointSlice>> = HashMap::new();
    // With few names, the namespace is compared before the label is looked up.
    let few = wanted.len() <= FEW_TOUCHED;
    for slice in objects.endpoint_slices.iter() {
        let namespace = slice.meta.namespace.as_str();
        if few && !wanted.iter().any(|&(ns, _)| ns == namespace) {
            continue;
        }
        let Some(name) = slice.service_name() else {
            continue;
        };
        if is_wanted(namespace, name) && super::watched_by_kube_proxy(&slice.meta.labels) {
            slices.entry((namespace, name)).or_default().push(slice);
        }
    }
    (services, slices)
}

/// Up to this many touched Services, [`touched_services`] compares each object's names
/// with theirs rather than hashing them.
const FEW_TOUCHED: usize = 16;

/// `before` (the listing of an analysis some edits back) with the Services in
/// `touched` made again from `inputs`; `None` when something every Service's rules
/// depend on changed.
fn patched(inputs: &Inputs, before: Entry, touched: &HashSet<ServiceKey>) -> Option<Entry> {
    let objects = inputs.objects;
    let context = (inputs.context)();
    let config = &inputs.config;
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
        out.push(family.patched(form, &context, config, &services, &slices, touched)?);
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
    fn patched(
        self,
        form: Form,
        context: &NodeContext,
        config: &ProxyConfig,
        services: &[&Service],
        slices: &HashMap<(&str, &str), Vec<&EndpointSlice>>,
        touched: &HashSet<ServiceKey>,
    ) -> Option<FamilyListing> {
        let family = self.facts.family;
        if self.facts.node != *context || self.facts.config != *config {
            return None;
        }
        // Each touched Service's service ports, categorised as `proxy::facts` does.
        let mut made: Vec<Vec<ServicePortFacts>> = Vec::new();
        let mut endpoints = 0usize;
        for service in services {
            let k = (service.meta.namespace.as_str(), service.meta.name.as_str());
            let of_service = slices.get(&k).map_or(&[][..], Vec::as_slice);
            let ports: Vec<ServicePortFacts> = super::service_ports_of(service, family)
                .into_iter()
                .map(|info| super::port_facts(info, of_service, config, context, family))
                .collect();
            endpoints += ports.iter().map(|p| p.endpoints.len()).sum::<usize>();
            if !ports.is_empty() {
                made.push(ports);
            }
        }
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
        let mut this = self;
        this.facts.total_endpoints = total;
        // The touched Services rendered again, each on its own, their items in place order.
        let mut cuts = Vec::with_capacity(made.len());
        for ports in made {
            let mut one = this.facts.clone();
            one.service_ports = ports;
            let ruleset = iptables::render_services(&one);
            let mut cut = Cutter::new(&one, false).cut(&ruleset_views(&ruleset, form), form)?;
            crate::sort::sort_by(&mut cut.items, |a, b| a.place.cmp(&b.place));
            cuts.push(cut);
        }
        if this.in_place(touched, &mut cuts) {
            return Some(this);
        }
        // The chunks kept, renumbered.
        let mut renumbered = vec![u32::MAX; this.chunks.len()];
        let mut chunks = Vec::with_capacity(this.chunks.len() + cuts.len());
        for (i, chunk) in this.chunks.into_iter().enumerate() {
            if !dead.contains(&(i as u32)) {
                renumbered[i] = chunks.len() as u32;
                chunks.push(chunk);
            }
        }
        let mut owners = this.owners;
        for k in touched {
            owners.remove(k);
        }
        for c in owners.values_mut() {
            *c = renumbered[*c as usize];
        }
        let mut fresh: Vec<Item> = Vec::new();
        for cut in cuts {
            let base = chunks.len() as u32;
            for (k, c) in cut.owners {
                owners.insert(k, base + c - 1);
            }
            chunks.extend(cut.chunks.into_iter().skip(1).map(Arc::new));
            fresh.extend(cut.items.into_iter().map(|mut item| {
                item.chunk = base + item.chunk - 1;
                item
            }));
        }
        crate::sort::sort_by(&mut fresh, |a, b| a.place.cmp(&b.place));
        // The items kept and the fresh ones merged, in place order: each fresh item goes
        // after the items before it (found by halving: the items are in place order,
        // and comparing every item's place cost more than the rest of the patch).
        let at: Vec<usize> = fresh
            .iter()
            .map(|f| this.items.partition_point(|i| i.place <= f.place))
            .collect();
        let mut items = Vec::with_capacity(this.items.len() + fresh.len());
        let mut fresh = fresh.into_iter().zip(at).peekable();
        for (k, mut item) in this.items.into_iter().enumerate() {
            while let Some((next, _)) = fresh.next_if(|(_, at)| *at <= k) {
                items.push(next);
            }
            let c = renumbered[item.chunk as usize];
            if c == u32::MAX {
                continue;
            }
            item.chunk = c;
            items.push(item);
        }
        let fresh = fresh.map(|(f, _)| f);
        items.extend(fresh);
        Some(FamilyListing {
            facts: this.facts,
            chunks,
            owners,
            line_count: line_count(&items),
            items,
            positions: None,
        })
    }

    /// The listing with each touched Service's chunk replaced by its `fresh` one in the
    /// same slot, and its items overwritten where they are, when every touched Service
    /// writes lines before and after and its fresh items sit at exactly the places of
    /// its items before (a port or a target port
    /// edited: the chains are named as before):
    /// no chunk renumbered, no item moved, nothing the edit did not touch read. False
    /// when it cannot: the listing and `fresh` are left to be merged ([`Self::patched`]).
    fn in_place(&mut self, touched: &HashSet<ServiceKey>, fresh: &mut Vec<Cut>) -> bool {
        // Each fresh cut holds one Service (its chunk 1; 0 is the fixed lines, empty).
        let mut slots = Vec::with_capacity(fresh.len());
        for cut in fresh.iter() {
            let [(key, 1)] = cut.owners.iter().map(|(k, c)| (k, *c)).collect::<Vec<_>>()[..] else {
                return false;
            };
            if cut.chunks.len() != 2 || cut.items.iter().any(|i| i.chunk != 1) {
                return false;
            }
            match self.owners.get(key) {
                Some(&slot) => slots.push(slot),
                None => return false,
            }
        }
        // Every touched Service that wrote lines writes them again.
        let owned = touched
            .iter()
            .filter(|k| self.owners.contains_key(*k))
            .count();
        if owned != slots.len() {
            return false;
        }
        let positions = self
            .positions
            .take()
            .unwrap_or_else(|| Positions::of(self.chunks.len(), &self.items));
        let same_places = fresh.iter().zip(&slots).all(|(cut, &slot)| {
            let at = positions.of_chunk(slot);
            at.len() == cut.items.len()
                && at
                    .iter()
                    .zip(&cut.items)
                    .all(|(&i, f)| self.items[i as usize].place == f.place)
        });
        if !same_places {
            self.positions = Some(positions);
            return false;
        }
        for (cut, slot) in fresh.drain(..).zip(slots) {
            let at = positions.of_chunk(slot);
            for (&i, mut item) in at.iter().zip(cut.items) {
                item.chunk = slot;
                let before = std::mem::replace(&mut self.items[i as usize], item);
                self.line_count -= before.lines.len();
                self.line_count += self.items[i as usize].lines.len();
            }
            let chunk = cut.chunks.into_iter().nth(1).expect("checked above");
            self.chunks[slot as usize] = Arc::new(chunk);
        }
        self.positions = Some(positions);
        IN_PLACE.with(|n| n.set(n.get() + 1));
        true
    }
}

#[cfg(test)]
mod tests {
    use crate::proxy::Listing;
    use crate::proxy::config::ProxyMode;
    use crate::scenario::{Options, analyze};
    use crate::views::{self, Context};

    /// An edit patches a listing in place only when each touched Service's fresh items
    /// sit where its items were: a Service's port or target port edited, its chains keep
    /// their names (in place); an endpoint's address, a port's name or protocol edited,
    /// a Service added or removed, its chains are named anew and its items move (merged).
    /// Each listing equals the one made whole, so an in-place patch taken where the
    /// places differ fails here (the items would be out of order).
    #[test]
    fn listings_patched_in_place_only_where_the_items_keep_their_places() {
        let mut text = crate::examples::dump::large_dump(8, 2);
        let mut analysis = analyze(&text, Options::default());
        let node = analysis.default_node();
        let context = Context {
            node,
            mode: Some(ProxyMode::Iptables),
        };
        let check = |analysis: &crate::scenario::Analysis, what: &str| {
            for listing in [Listing::RestoreInput, Listing::IptablesSave] {
                let lines = views::listing::lines(analysis, &context, listing);
                let whole = views::listing::made_whole(analysis, &context, listing);
                assert!(lines.is_some(), "{what}: {}", listing.id());
                assert!(
                    lines == whole,
                    "{what}: {} differs from the one made whole",
                    listing.id()
                );
                // The lines a window counts past the ones it shows are the count kept
                // with the chunks (patched in place or merged), not read.
                let count = whole.as_ref().map_or(0, |w| w.line_sources.len());
                for limit in [0, 7] {
                    let filters = views::listing::Filters {
                        text: "",
                        object: None,
                        object_of: &|_| None,
                        limit,
                    };
                    let window = views::listing::window(analysis, &context, listing, &filters)
                        .expect("kept in chunks");
                    assert_eq!(window.total as usize, count, "{what}: {}", listing.id());
                    assert_eq!(
                        (window.numbers.len() + window.cut as usize),
                        count,
                        "{what}: {}",
                        listing.id()
                    );
                }
            }
        };
        check(&analysis, "before");
        let first = |t: &str, from: &str, to: &str| {
            let at = t.find("name: svc-00003\n").expect("svc-00003");
            let mut edited = t.to_string();
            let k = at + t[at..].find(from).expect("found");
            edited.replace_range(k..k + from.len(), to);
            edited
        };
        // (what, edit, patched in place)
        type Edit = Box<dyn Fn(&str) -> String>;
        let edits: Vec<(&str, Edit, bool)> = vec![
            (
                "a port",
                Box::new(move |t: &str| first(t, "port: 80\n", "port: 81\n")),
                true,
            ),
            (
                "a target port",
                Box::new(move |t: &str| first(t, "targetPort: 8080\n", "targetPort: 8081\n")),
                true,
            ),
            (
                "an endpoint's address",
                Box::new(move |t: &str| first(t, "- addresses: [10.", "- addresses: [11.")),
                false,
            ),
            (
                "a port's name",
                Box::new(move |t: &str| first(t, "- name: http\n", "- name: web\n")),
                false,
            ),
            (
                "the port back",
                Box::new(move |t: &str| first(t, "port: 81\n", "port: 80\n")),
                true,
            ),
            (
                "a Service removed",
                Box::new(|t: &str| {
                    let at = t
                        .find("---\napiVersion: v1\nkind: Service\nmetadata:\n  name: svc-00005\n")
                        .expect("svc-00005");
                    let end = at + 4 + t[at + 4..].find("---\n").expect("a next document");
                    format!("{}{}", &t[..at], &t[end..])
                }),
                false,
            ),
        ];
        for (what, edit, in_place) in edits {
            let edited = edit(&text);
            assert_ne!(edited, text, "{what}");
            analysis = analysis.edit(&text, &edited);
            text = edited;
            let before = super::patched_in_place();
            check(&analysis, what);
            let patched = super::patched_in_place() - before;
            if in_place {
                assert!(patched > 0, "{what}: not patched in place");
            } else {
                assert_eq!(patched, 0, "{what}: patched in place");
            }
        }
    }
}
