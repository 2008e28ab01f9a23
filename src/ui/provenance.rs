//! Provenance on the page: every rule linked to its YAML, and back.
//!
//! [`panel_sources`] turns the core's [`Lines`] of a listing (each line's
//! [`Provenance`]: Service port, Service fields, endpoint, configuration fields, who
//! writes it, what it does) into the kube-proxy panel's [`Source`]s: the YAML ranges it
//! comes from (located in the written objects by field path, through the parsed
//! manifest's spans), and its explanation in both languages. The page uses them both
//! ways: hovering or selecting a rule highlights its YAML lines (the editor's `highlight`),
//! and the editor's cursor on a Service port, an endpoint or a policy field highlights the
//! rules that come from it ([`lines_at`]). [`Readout`] shows the chosen rule's source
//! and explanation beside the rules.

use super::i18n::{Lang, Msg};
use super::snapshot::{RulesPanel, Source};
use std::collections::{BTreeSet, HashMap};
// Keyed by ids and addresses: FNV, not SipHash (some 10^4 lookups per panel).
use std::sync::Arc;
use svcplay::diag::{Pos, Span};
use svcplay::hash::FnvBuild;
use svcplay::manifest::yaml::Node;
use svcplay::model::Origin;
use svcplay::proxy::{Lines, Provenance};
use svcplay::scenario::Analysis;
use yew::prelude::*;

/// The core's language for the page's.
pub fn core_lang(lang: Lang) -> svcplay::lang::Lang {
    match lang {
        Lang::En => svcplay::lang::Lang::En,
        Lang::Zh => svcplay::lang::Lang::Zh,
    }
}

/// One step of a field path: `spec`, `ports`, `[0]`.
enum Step<'a> {
    Field(&'a str),
    Index(usize),
}

fn steps(path: &str) -> Vec<Step<'_>> {
    let mut out = Vec::new();
    for part in path.split('.') {
        let (name, rest) = match part.find('[') {
            Some(at) => (&part[..at], &part[at..]),
            None => (part, ""),
        };
        if !name.is_empty() {
            out.push(Step::Field(name));
        }
        for index in rest.split('[').filter(|s| !s.is_empty()) {
            if let Ok(i) = index.trim_end_matches(']').parse() {
                out.push(Step::Index(i));
            }
        }
    }
    out
}

/// The lines a field path covers in an object: from a field's key to the end of its
/// value, or a list item; `None` when the path is not written.
pub fn span_of(root: &Node, path: &str) -> Option<Span> {
    let mut node = root;
    let mut span = root.span;
    for step in steps(path) {
        match step {
            Step::Field(name) => {
                let entry = node.entry(name)?;
                span = Span {
                    start: entry.key.span.start,
                    end: entry.value.span.end,
                };
                node = &entry.value;
            }
            Step::Index(i) => {
                node = node.items()?.get(i)?;
                span = node.span;
            }
        }
    }
    Some(span)
}

/// The trees of the objects a listing's sources named: an analysis keeps no trees
/// ([`svcplay::manifest::RawObject::node`] parses the object's document again), and a
/// listing names the same objects out of order (kube-proxy's `KUBE-SEP-*` chains are
/// sorted by their hashed names, so a Service's endpoints come back far apart): on the
/// 5,000-Service dump, keeping only the last few trees re-parsed two documents per
/// source, 13.8 s natively for 215,058 sources.
///
/// A tree is kept under what it is parsed from (its document's text, first line and list
/// item: [`svcplay::manifest::RawObject::tree_source`]), not under the object's id, so it
/// stays good in the analyses that follow: after a keystroke in the dump only the edited
/// document is parsed again for the rules panel (the worker and the page keep one `Trees`
/// across revisions, [`super::snapshot::Listings::next_analysis`]). Beyond [`Trees::KEPT`]
/// trees, the least recently used are dropped (a big panel followed by a small one keeps
/// the big one's trees for when it comes back).
///
/// The panels' [`Source`]s are kept too, by their provenance (the listing's chunks keep
/// the provenances of the Services an edit did not touch, [`svcplay::proxy::chunks`]) with
/// what they were read from: after a keystroke in the dump only the sources of the edited
/// Service, and of the objects whose documents moved or changed, are made again.
#[derive(Default)]
pub struct Trees {
    /// Documents parsed (for the items of a `kind: List`, the List once).
    parsed: HashMap<TreeKey, Parsed>,
    /// An object's document in the analysis being read (ids name other objects in
    /// another analysis: cleared by [`Trees::begin`]), its text hashed and compared once.
    keys: HashMap<usize, Option<TreeKey>, FnvBuild>,
    /// Objects not found again in their documents, by id (this analysis).
    unkeyed: HashMap<usize, Node>,
    /// The number of the current [`Trees::begin`]: when each tree was last used.
    round: u64,
    /// The sources made, by the address of their provenance (held, so that no other
    /// provenance takes the address while it is kept).
    sources: HashMap<usize, KeptSource, FnvBuild>,
    /// How many sources were found kept and reused, and made (for the measurements).
    #[cfg(test)]
    pub reused: (usize, usize),
}

/// A document's first line and the FNV-1a hash of its text (the text itself is compared
/// too: [`Parsed::text`]).
type TreeKey = (u32, u64);

struct Parsed {
    /// Shared with the sources read from the tree ([`Read::Tree`]).
    text: Arc<str>,
    root: Node,
    used: u64,
}

/// A source made for a panel, kept for the panels of the analyses that follow.
struct KeptSource {
    provenance: Arc<Provenance>,
    /// What it was made from in the analysis it was made in: it is good in another
    /// analysis where each of these reads the same.
    read: Vec<Read>,
    /// Shared with the panels that show it; its texts are in `lang`.
    source: Arc<Source>,
    lang: svcplay::lang::Lang,
    used: u64,
}

/// What a source's ranges were read from: the objects its provenance names, looked up in
/// an analysis.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Read {
    /// No object has this id.
    Missing(usize),
    /// The object with this id is in the document with this text and first line (which
    /// parses the same in any analysis), at `list_item`. Not the tree itself: a source
    /// stays good after its document's tree was dropped ([`Trees::KEPT`]).
    Tree {
        id: usize,
        text: Arc<str>,
        line: u32,
        list_item: Option<usize>,
    },
    /// The span of the object with this id (a written Pod's: the whole object).
    Span { id: usize, span: Span },
    /// The origin of the first Pod of this namespace and name (`None`: no such Pod).
    Pod {
        namespace: String,
        name: String,
        origin: Option<Origin>,
    },
}

/// An object's id, the address of a kept document's text, its first line and the item
/// of it the object is ([`Reading::in_document`]).
type DocumentKey = (usize, usize, u32, Option<usize>);

/// The analysis the sources of a panel are made (or found good again) in.
struct Reading<'a> {
    analysis: &'a Analysis,
    /// The analysis' Pods by namespace and name (the first of each), made when a source
    /// first looks one up.
    pods: Option<HashMap<(&'a str, &'a str), &'a Origin>>,
    /// Whether a kept document (the address of its text, [`Parsed::text`]) is object
    /// `id`'s document in this analysis (at this first line and item), once compared: the
    /// sources of one Service's lines read the same two or three documents (a dump's
    /// panel: some 3,000 sources, 300 Services). The text is held, so that no other
    /// takes its address while the panel is made.
    documents: HashMap<DocumentKey, (Arc<str>, bool), FnvBuild>,
}

impl<'a> Reading<'a> {
    fn new(analysis: &'a Analysis) -> Reading<'a> {
        Reading {
            analysis,
            pods: None,
            documents: HashMap::default(),
        }
    }

    /// Whether object `id` is item `list_item` of the document `text` at first line
    /// `line` in this analysis (as its `tree_source` says), compared once per document.
    fn in_document(
        &mut self,
        id: usize,
        text: &Arc<str>,
        line: u32,
        list_item: Option<usize>,
    ) -> bool {
        let analysis = self.analysis;
        let key = (id, Arc::as_ptr(text) as *const u8 as usize, line, list_item);
        let (_, same) = self.documents.entry(key).or_insert_with(|| {
            let same = analysis.manifest.object(id).is_some_and(|raw| {
                raw.list_item == list_item
                    && raw.tree_source().is_some_and(|(t, l)| {
                        l == line && same_bytes(t.as_bytes(), text.as_bytes())
                    })
            });
            (text.clone(), same)
        });
        *same
    }

    /// The origin of the first Pod named `name` in `namespace`.
    fn pod(&mut self, namespace: &str, name: &str) -> Option<&'a Origin> {
        let analysis = self.analysis;
        let pods = self.pods.get_or_insert_with(|| {
            let mut pods = HashMap::new();
            for pod in &analysis.objects.pods {
                pods.entry((pod.meta.namespace.as_str(), pod.meta.name.as_str()))
                    .or_insert(&pod.meta.origin);
            }
            pods
        });
        pods.get(&(namespace, name)).copied()
    }
}

/// What one source was read from ([`Read`]); `kept` is false when an object was not
/// found again in its document (its tree is of this analysis only).
struct Reads {
    list: Vec<Read>,
    kept: bool,
}

/// `a == b`, read eight bytes at a time: in wasm, `memcmp` compares byte by byte, and a
/// panel compares hundreds of documents of about 1 KB.
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let (a8, b8) = (a.chunks_exact(8), b.chunks_exact(8));
    let (a_rest, b_rest) = (a8.remainder(), b8.remainder());
    let word = |c: &[u8]| u64::from_ne_bytes(c.try_into().expect("eight bytes"));
    a8.zip(b8).all(|(x, y)| word(x) == word(y)) && a_rest == b_rest
}

/// Drops the least recently `used` entries of `map` down to `bound` of them.
fn drop_least_recent<K: Copy + Eq + std::hash::Hash, V, S: std::hash::BuildHasher>(
    map: &mut HashMap<K, V, S>,
    bound: usize,
    used: impl Fn(&V) -> u64,
) {
    let Some(excess) = map.len().checked_sub(bound).filter(|n| *n > 0) else {
        return;
    };
    let mut uses: Vec<(u64, K)> = map.iter().map(|(k, v)| (used(v), *k)).collect();
    uses.select_nth_unstable_by_key(excess - 1, |(u, _)| *u);
    for (_, k) in &uses[..excess] {
        map.remove(k);
    }
}

impl Trees {
    /// How many documents are kept between panels (about 1 KB of YAML each in the
    /// dump): beyond, the least recently used are dropped.
    pub const KEPT: usize = 4096;

    /// How many sources are kept between panels (a panel shows at most
    /// [`super::rules::MAX_LINES`] lines, nftables' with two sources to some).
    pub const KEPT_SOURCES: usize = 16_384;

    /// Starts reading objects of `analysis`' manifest (ids are of one analysis); drops
    /// the least recently used trees when there are too many.
    pub fn begin(&mut self) {
        self.begin_keeping(Self::KEPT);
    }

    /// [`Trees::begin`], keeping at most `kept` trees.
    fn begin_keeping(&mut self, kept: usize) {
        self.keys.clear();
        self.unkeyed.clear();
        drop_least_recent(&mut self.parsed, kept, |p| p.used);
        self.round += 1;
    }

    /// The key of `raw`'s document, parsed and kept if it was not (or held another text
    /// under the same key).
    fn key(&mut self, raw: &svcplay::manifest::RawObject) -> Option<TreeKey> {
        if let Some(key) = self.keys.get(&raw.id) {
            return *key;
        }
        let round = self.round;
        let key = raw.tree_source().and_then(|(text, line)| {
            let key = (line, svcplay::hash::fnv64a(text.as_bytes()));
            if self.parsed.get(&key).is_none_or(|p| *p.text != *text) {
                let root = raw.document_node()?;
                self.parsed.insert(
                    key,
                    Parsed {
                        text: text.into(),
                        root,
                        used: round,
                    },
                );
            }
            Some(key)
        });
        self.keys.insert(raw.id, key);
        key
    }

    /// The key of the kept document `raw` is found in, marked used.
    fn found(&mut self, raw: &svcplay::manifest::RawObject) -> Option<TreeKey> {
        let round = self.round;
        let key = self.key(raw)?;
        let parsed = self.parsed.get_mut(&key)?;
        raw.in_document(&parsed.root)?;
        parsed.used = round;
        Some(key)
    }

    /// The tree of `raw` (its node in its document), parsed once.
    pub fn of(&mut self, raw: &svcplay::manifest::RawObject) -> &Node {
        self.located(raw).0
    }

    /// The tree of `raw` and the text and first line of the kept document it is in
    /// (`None`: not found again in its document, parsed for this analysis alone).
    fn located(&mut self, raw: &svcplay::manifest::RawObject) -> (&Node, Option<(Arc<str>, u32)>) {
        match self.found(raw) {
            Some(key) => {
                let parsed = &self.parsed[&key];
                let node = raw.in_document(&parsed.root).expect("found above");
                (node, Some((parsed.text.clone(), key.0)))
            }
            None => (
                self.unkeyed
                    .entry(raw.id)
                    .or_insert_with(|| raw.node().into_owned()),
                None,
            ),
        }
    }

    /// The node of the object `id` (`None`: no such object), with what was read.
    fn tree(&mut self, analysis: &Analysis, id: usize, reads: &mut Reads) -> Option<&Node> {
        let Some(raw) = analysis.manifest.object(id) else {
            reads.list.push(Read::Missing(id));
            return None;
        };
        let (node, document) = self.located(raw);
        match document {
            Some((text, line)) => reads.list.push(Read::Tree {
                id,
                text,
                line,
                list_item: raw.list_item,
            }),
            None => reads.kept = false,
        }
        Some(node)
    }

    /// Whether each of `reads` reads the same in `reading`'s analysis: an object's
    /// document with the same text and first line has the same tree.
    fn reads_same(reading: &mut Reading, reads: &[Read]) -> bool {
        let analysis = reading.analysis;
        let object = |id: usize| analysis.manifest.object(id);
        reads.iter().all(|read| match read {
            Read::Missing(id) => object(*id).is_none(),
            Read::Tree {
                id,
                text,
                line,
                list_item,
            } => reading.in_document(*id, text, *line, *list_item),
            Read::Span { id, span } => object(*id).is_some_and(|raw| raw.span == *span),
            Read::Pod {
                namespace,
                name,
                origin,
            } => reading.pod(namespace, name) == origin.as_ref(),
        })
    }

    /// The source of provenance `p`, its texts in `lang`: the one kept for it if what it
    /// was read from reads the same (its texts made again in `lang` if they were in the
    /// other language), else made (and kept).
    fn source(
        &mut self,
        reading: &mut Reading,
        p: &Arc<Provenance>,
        lang: svcplay::lang::Lang,
    ) -> Arc<Source> {
        let round = self.round;
        let at = Arc::as_ptr(p) as usize;
        // Looked up in place (not taken out and put back: two hashings per line shown).
        let stale = match self.sources.get_mut(&at) {
            Some(kept)
                if Arc::ptr_eq(&kept.provenance, p) && Self::reads_same(reading, &kept.read) =>
            {
                kept.used = round;
                if kept.lang != lang {
                    // The page switched language: the same ranges, the texts in `lang`.
                    kept.source = Arc::new(Source {
                        explain: p.explain(lang),
                        from: p.source_text(lang),
                        ..(*kept.source).clone()
                    });
                    kept.lang = lang;
                }
                #[cfg(test)]
                {
                    self.reused.0 += 1;
                }
                return kept.source.clone();
            }
            Some(_) => true,
            None => false,
        };
        if stale {
            self.sources.remove(&at);
        }
        let mut reads = Reads {
            list: Vec::new(),
            kept: true,
        };
        #[cfg(test)]
        {
            self.reused.1 += 1;
        }
        let source = Arc::new(made(reading, p, self, &mut reads, lang));
        if reads.kept {
            self.sources.insert(
                at,
                KeptSource {
                    provenance: p.clone(),
                    read: reads.list,
                    source: source.clone(),
                    lang,
                    used: round,
                },
            );
        }
        source
    }
}

/// The source of provenance `p`, made afresh (reading its objects in `trees`), its texts
/// in `lang` (the page's: an answer carries one language, not both).
fn made(
    reading: &mut Reading,
    p: &Provenance,
    trees: &mut Trees,
    reads: &mut Reads,
    lang: svcplay::lang::Lang,
) -> Source {
    let (object, spans) = spans(reading, p, trees, reads);
    Source {
        object,
        span: spans.first().copied(),
        label: label(p),
        explain: p.explain(lang),
        from: p.source_text(lang),
        spans,
    }
}

/// The YAML ranges of one provenance, the Service port's first.
fn spans(
    reading: &mut Reading,
    p: &Provenance,
    trees: &mut Trees,
    reads: &mut Reads,
) -> (Option<usize>, Vec<Span>) {
    let analysis = reading.analysis;
    let mut out = Vec::new();
    let mut object = None;
    if let Some(port) = &p.service_port {
        if let Origin::Written(id) = port.origin {
            object = Some(id);
            if let Some(node) = trees.tree(analysis, id, reads) {
                out.extend(span_of(node, &port.path));
                for field in &p.fields {
                    out.extend(span_of(node, field));
                }
            }
        }
    }
    if let Some(e) = &p.endpoint {
        match (&e.origin, &e.path) {
            (Origin::Written(id), Some(path)) => {
                if let Some(node) = trees.tree(analysis, *id, reads) {
                    out.extend(span_of(node, path));
                }
            }
            _ => {
                // A controller's EndpointSlice: the endpoint is a Pod, written or made by
                // a workload, whose replicas (or template) the person edits.
                let namespace = p
                    .service_port
                    .as_ref()
                    .map(|s| s.name.namespace.as_str())
                    .unwrap_or("default");
                let pod = e.pod.as_deref().map(|name| {
                    let origin = reading.pod(namespace, name);
                    reads.list.push(Read::Pod {
                        namespace: namespace.to_string(),
                        name: name.to_string(),
                        origin: origin.cloned(),
                    });
                    origin
                });
                match pod.flatten() {
                    Some(Origin::Written(id)) => match analysis.manifest.object(*id) {
                        Some(raw) => {
                            reads.list.push(Read::Span {
                                id: *id,
                                span: raw.span,
                            });
                            out.push(raw.span);
                        }
                        None => reads.list.push(Read::Missing(*id)),
                    },
                    Some(Origin::Generated(id)) => {
                        if let Some(node) = trees.tree(analysis, *id, reads) {
                            out.extend(
                                span_of(node, "spec.replicas")
                                    .or_else(|| span_of(node, "spec.template.metadata.labels")),
                            );
                        }
                    }
                    _ => {}
                }
            }
        }
    }
    for c in &p.config {
        if let Some(id) = c.object {
            if let Some(node) = trees.tree(analysis, id, reads) {
                out.extend(span_of(node, c.path));
            }
        }
    }
    (object, out)
}

/// What the user reads on hovering a line: the Service port, else who writes it.
fn label(p: &Provenance) -> String {
    match &p.service_port {
        Some(port) => match &p.endpoint {
            Some(e) => format!("{} → {}", port.name, e.address),
            None => port.name.to_string(),
        },
        None => p.by.upstream().to_string(),
    }
}

/// The written object a line's provenance links to (its Service port's), without
/// locating anything in the YAML: what the "rules of this object" filter keeps.
pub fn object_of(p: &Provenance) -> Option<usize> {
    match p.service_port.as_ref()?.origin {
        Origin::Written(id) => Some(id),
        _ => None,
    }
}

/// Per line shown its source (0 or 1 + an index), the sources (shared with those kept),
/// and the further sources of some lines (line number, 1 + an index): [`panel_sources`].
pub type PanelSources = (Vec<u32>, Vec<Arc<Source>>, Vec<(u32, u32)>);

/// The panel's sources of the lines `shown` of a listing (their numbers, ascending): per
/// line shown 0 or 1 + an index into the sources, the sources of those lines alone (in
/// order of first use, their texts in `lang`), and the further sources of the lines shown
/// (line number, 1 + an index). A 5,000-Service dump's listing has 215,058 sources; a
/// panel shows 3,000 lines.
pub fn panel_sources(
    analysis: &Analysis,
    lines: &Lines,
    shown: &[u32],
    trees: &mut Trees,
    lang: svcplay::lang::Lang,
) -> PanelSources {
    let mut stages = super::dom::stages("sources");
    trees.begin();
    stages.mark("trees begun (least recently used dropped)");
    // The listing's source (1 + an index) → the panel's.
    let mut index: HashMap<u32, u32, FnvBuild> = HashMap::default();
    let mut order: Vec<u32> = Vec::new();
    let mut number = |source: u32| -> u32 {
        if source == 0 {
            return 0;
        }
        *index.entry(source).or_insert_with(|| {
            order.push(source);
            order.len() as u32
        })
    };
    let line_sources: Vec<u32> = shown
        .iter()
        .map(|l| number(lines.line_sources.get(*l as usize).copied().unwrap_or(0)))
        .collect();
    let also: Vec<(u32, u32)> = lines
        .also
        .iter()
        .filter(|(l, _)| shown.binary_search(l).is_ok())
        .map(|(l, s)| (*l, number(*s)))
        .collect();
    stages.mark("lines' sources numbered");
    let mut reading = Reading::new(analysis);
    let sources = order
        .iter()
        .filter_map(|s| lines.sources.get(*s as usize - 1))
        .map(|p| trees.source(&mut reading, p, lang))
        .collect();
    stages.mark("sources found kept or made");
    drop_least_recent(&mut trees.sources, Trees::KEPT_SOURCES, |s| s.used);
    stages.mark("kept sources bounded");
    (line_sources, sources, also)
}

fn contains(span: &Span, pos: Pos) -> bool {
    let key = |p: Pos| (p.line, p.column);
    key(span.start) <= key(pos) && key(pos) <= key(span.end)
}

fn size(span: &Span) -> (u32, u32) {
    (
        span.end.line.saturating_sub(span.start.line),
        span.end.column.saturating_sub(span.start.column),
    )
}

/// Every source of line `i` of the listing, when it is shown (its own, then those it also
/// prints).
pub fn sources_of(panel: &RulesPanel, i: usize) -> Vec<u32> {
    let mut out: Vec<u32> = panel.source_of(i).into_iter().collect();
    out.extend(
        panel
            .also
            .iter()
            .filter(|(l, _)| *l as usize == i)
            .map(|(_, s)| *s),
    );
    out.retain(|s| *s > 0);
    out
}

/// The lines shown (their numbers in the listing) whose sources come from the YAML at the
/// cursor: the smallest range of any source around the cursor (a Service port's
/// `nodePort`, not the whole port), and every line with a source that has that range.
pub fn lines_at(panel: &RulesPanel, cursor: (u32, u32)) -> BTreeSet<usize> {
    let pos = Pos {
        line: cursor.0,
        column: cursor.1,
    };
    let best = panel
        .sources
        .iter()
        .flat_map(|s| s.spans.iter())
        .filter(|span| contains(span, pos))
        .min_by_key(|span| size(span))
        .copied();
    let Some(best) = best else {
        return BTreeSet::new();
    };
    let hit: Vec<bool> = panel
        .sources
        .iter()
        .map(|s| s.spans.contains(&best))
        .collect();
    let is_hit = |s: u32| s > 0 && hit.get(s as usize - 1).copied().unwrap_or(false);
    let mut out: BTreeSet<usize> = panel
        .shown()
        .filter(|(_, _, s)| is_hit(*s))
        .map(|(i, _, _)| i)
        .collect();
    out.extend(
        panel
            .also
            .iter()
            .filter(|(_, s)| is_hit(*s))
            .map(|(l, _)| *l as usize),
    );
    out
}

/// The YAML ranges of line `i` of the listing (every source it prints).
pub fn spans_of_line(panel: &RulesPanel, i: usize) -> Vec<Span> {
    let mut out = Vec::new();
    for s in sources_of(panel, i) {
        if let Some(source) = panel.sources.get(s as usize - 1) {
            out.extend(source.spans.iter().copied());
        }
    }
    out
}

/// How many lines of each written object's range the rules come from, for tests.
#[allow(dead_code)]
pub fn lines_per_object(panel: &RulesPanel) -> HashMap<usize, usize> {
    let mut out = HashMap::new();
    for s in &panel.line_sources {
        if let Some(o) = s
            .checked_sub(1)
            .and_then(|s| panel.sources.get(s as usize))
            .and_then(|s| s.object)
        {
            *out.entry(o).or_default() += 1;
        }
    }
    out
}

/// What follows a label's colon: a space in English, nothing after Chinese's full-width
/// colon (which carries its own space).
pub fn after_colon(lang: Lang) -> &'static str {
    match lang {
        Lang::En => " ",
        Lang::Zh => "",
    }
}

#[derive(Properties, PartialEq)]
pub struct ReadoutProps {
    pub panel: std::rc::Rc<RulesPanel>,
    /// The line chosen (clicked) or pointed at.
    pub line: Option<usize>,
    /// How many lines the cursor in the editor lights up.
    pub lit: usize,
    pub lang: Lang,
}

/// The chosen rule's source and explanation, beside the rules.
#[function_component]
pub fn Readout(props: &ReadoutProps) -> Html {
    let lang = props.lang;
    let t = |m: Msg| m.text(lang);
    // The panel's texts are in the language it was asked in: after a switch, none are
    // shown until the panel in the page's language comes.
    let texts = props.panel.lang == core_lang(lang);
    let Some(i) = props.line else {
        let hint = if props.lit > 0 {
            Msg::RulesLit.fill(lang, &[&props.lit.to_string()])
        } else {
            t(Msg::RuleHint).to_string()
        };
        return html! { <p id="rule-readout" class="readout idle" aria-live="polite">{ hint }</p> };
    };
    let panel = &props.panel;
    let text = panel.line(i).unwrap_or_default().to_string();
    let sources: Vec<&Source> = sources_of(panel, i)
        .into_iter()
        .filter_map(|s| panel.sources.get(s as usize - 1).map(|s| &**s))
        .collect();
    html! {
        <div id="rule-readout" class="readout" aria-live="polite">
            <code class="readout-rule">{ text }</code>
            { for sources.iter().enumerate().map(|(k, s)| html! {
                <div class="readout-source">
                    if texts && !s.explain.is_empty() {
                        <p class="readout-what">
                            if k == 0 { <strong>{ t(Msg::RuleWhat) }</strong>{ after_colon(lang) } }
                            { s.explain.clone() }
                        </p>
                    }
                    if texts && !s.from.is_empty() {
                        <p class="readout-from">
                            <strong>{ t(Msg::RuleComesFrom) }</strong>{ after_colon(lang) }
                            { s.from.clone() }
                        </p>
                    }
                </div>
            }) }
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::snapshot::rules;
    use svcplay::proxy::Listing;
    use svcplay::proxy::config::ProxyMode;
    use svcplay::scenario::{Options, analyze};

    /// Eight bytes at a time, the comparison says what `==` says: every length up to a few
    /// words, a byte changed at every place (in a word and in the rest).
    #[test]
    fn same_bytes_is_equality() {
        for len in 0..40usize {
            let a: Vec<u8> = (0..len as u8).map(|i| i.wrapping_mul(37)).collect();
            assert!(same_bytes(&a, &a.clone()));
            assert!(!same_bytes(&a, &a[..len.saturating_sub(1)]) || len == 0);
            for at in 0..len {
                let mut b = a.clone();
                b[at] ^= 0x40;
                assert!(!same_bytes(&a, &b), "{len} {at}");
            }
        }
    }

    #[test]
    fn field_paths_cover_their_lines() {
        let (docs, _) = svcplay::manifest::yaml::parse_documents(
            "spec:\n  ports:\n  - port: 80\n    nodePort: 30080\n  sessionAffinity: ClientIP\n",
        );
        let root = docs[0].root.as_ref().unwrap();
        let port = span_of(root, "spec.ports[0]").unwrap();
        assert_eq!((port.start.line, port.end.line), (3, 4));
        let node_port = span_of(root, "spec.ports[0].nodePort").unwrap();
        assert_eq!((node_port.start.line, node_port.end.line), (4, 4));
        assert!(span_of(root, "spec.externalTrafficPolicy").is_none());
    }

    #[test]
    fn every_mode_links_the_lab_both_ways() {
        let analysis = analyze(svcplay::examples::DEFAULT, Options::default());
        let node = analysis.default_node();
        for mode in ProxyMode::ALL {
            for &view in Listing::of_mode(mode) {
                let panel = rules(&analysis, &node, Some(mode), Some(view));
                assert_eq!(panel.line_sources.len(), panel.text.lines().count());
                assert!(
                    panel.line_sources.iter().all(|s| *s > 0),
                    "{mode:?} {view:?}"
                );
                for s in &panel.sources {
                    assert!(!s.explain.is_empty() && !s.from.is_empty());
                }
            }
        }
        // The Service's port in the YAML lights up its rules; the cluster IP's rule is
        // among them.
        let panel = rules(&analysis, &node, Some(ProxyMode::Iptables), None);
        let text = svcplay::examples::DEFAULT;
        let line = text
            .lines()
            .position(|l| l.trim_start().starts_with("- port: 80") || l.trim() == "port: 80")
            .expect("the Service's port") as u32
            + 1;
        let lit = lines_at(&panel, (line, 5));
        let lines: Vec<&str> = panel.text.lines().collect();
        assert!(
            lit.iter().any(|i| lines[*i].contains("10.97.97.97")),
            "{:?}",
            lit.iter().map(|i| lines[*i]).collect::<Vec<_>>()
        );
        // The Deployment's replicas light up the endpoints' rules.
        let replicas = text
            .lines()
            .position(|l| l.trim() == "replicas: 3")
            .expect("replicas") as u32
            + 1;
        let lit = lines_at(&panel, (replicas, 5));
        assert!(lit.iter().any(|i| lines[*i].contains("-j DNAT")), "{lit:?}");
        // And back: a DNAT rule of the lab's Service (not of kubeadm's add-ons, which
        // come first and have no YAML) has ranges that include the replicas line.
        let dnat = lines
            .iter()
            .position(|l| l.contains("-j DNAT") && l.contains("dev/service-clusterip"))
            .unwrap();
        assert!(
            spans_of_line(&panel, dnat)
                .iter()
                .any(|s| s.start.line <= replicas && replicas <= s.end.line),
            "{} {:?} replicas {replicas} lit {:?}",
            lines[dnat],
            spans_of_line(&panel, dnat),
            lit.iter().map(|i| lines[*i]).collect::<Vec<_>>()
        );
    }

    /// How long the rules panel's sources take on a generated dump (a measurement for
    /// issue 19, not a test of speed): `cargo test --bin svcplay-web -- --ignored
    /// panel_sources_of_a_dump --nocapture`.
    /// The sources of the first lines of node `node`'s restore input, located with
    /// `trees`.
    fn first_sources(analysis: &Analysis, trees: &mut Trees) -> Vec<Arc<Source>> {
        let context = svcplay::views::Context {
            node: analysis.default_node(),
            mode: None,
        };
        let lines = svcplay::views::listing::lines(analysis, &context, Listing::RestoreInput)
            .expect("a listing");
        let shown: Vec<u32> = (0..lines.line_sources.len() as u32)
            .take(crate::ui::rules::MAX_LINES)
            .collect();
        panel_sources(analysis, &lines, &shown, trees, svcplay::lang::Lang::En).1
    }

    #[test]
    fn trees_kept_across_edits_locate_as_fresh_ones() {
        // Edits that keep every line where it was, shift the documents after them, rename
        // an object and move one: the trees kept from the analyses before must give the
        // spans a fresh parse gives, and are parsed again only for changed documents.
        // Two Services in a `kind: List` too: their trees are the List's items.
        let dump = svcplay::examples::dump::large_dump(40, 2)
            + "---\napiVersion: v1\nkind: List\nitems:\n\
               - apiVersion: v1\n  kind: Service\n  metadata:\n    name: listed-a\n  spec:\n    ports:\n    - port: 80\n\
               - apiVersion: v1\n  kind: Service\n  metadata:\n    name: listed-b\n  spec:\n    ports:\n    - port: 81\n";
        type Edit = Box<dyn Fn(&str) -> String>;
        let edits: Vec<Edit> = vec![
            Box::new(|t: &str| t.replacen("port: 80", "port: 81", 1)),
            Box::new(|t: &str| {
                t.replacen(
                    "name: svc-00003\n",
                    "name: svc-00003\n  labels:\n    a: b\n",
                    1,
                )
            }),
            Box::new(|t: &str| t.replacen("name: svc-00007\n", "name: svc-00070\n", 1)),
            Box::new(|t: &str| t.replacen("    - port: 81\n", "    - port: 82\n", 1)),
            Box::new(|t: &str| {
                let at = t.find("---\n").expect("a separator");
                let next = at + 4 + t[at + 4..].find("---\n").expect("a second");
                format!("{}{}{}", &t[..at], &t[next..], &t[at..next])
            }),
        ];
        let mut kept = Trees::default();
        let mut text = dump;
        let mut analysis = analyze(&text, Options::default());
        let listed = first_sources(&analysis, &mut Trees::default());
        assert!(
            listed
                .iter()
                .any(|s| s.label.contains("listed-b") && s.span.is_some()),
            "a listed Service's rules link to its item"
        );
        assert_eq!(
            first_sources(&analysis, &mut kept),
            first_sources(&analysis, &mut Trees::default())
        );
        for edit in &edits {
            let edited = edit(&text);
            assert_ne!(edited, text);
            analysis = analysis.edit(&text, &edited);
            text = edited;
            assert_eq!(
                first_sources(&analysis, &mut kept),
                first_sources(&analysis, &mut Trees::default()),
                "{text}"
            );
        }
    }

    #[test]
    fn trees_drop_the_least_recently_used_down_to_the_bound() {
        // Every object of the dump has a document of its own.
        let text = svcplay::examples::dump::large_dump(20, 1);
        let analysis = analyze(&text, Options::default());
        let raws: Vec<_> = (0..).map_while(|id| analysis.manifest.object(id)).collect();
        assert!(raws.len() > 60, "{}", raws.len());
        let mut trees = Trees::default();
        trees.begin();
        // A document parsed again has its text copied again.
        let texts = |trees: &mut Trees| -> Vec<Arc<str>> {
            raws.iter()
                .map(|raw| trees.located(raw).1.expect("a document").0)
                .collect()
        };
        let first = texts(&mut trees);
        // A big panel, then two small ones (the second using some documents again): the
        // documents used most recently stay, down to the bound, the others go.
        let last = raws.len() - 10;
        trees.begin();
        for raw in &raws[last..] {
            trees.of(raw);
        }
        trees.begin();
        for raw in raws[..5].iter().chain(&raws[last..last + 2]) {
            trees.of(raw);
        }
        trees.begin_keeping(15);
        assert_eq!(trees.parsed.len(), 15);
        let kept: Vec<usize> = (0..raws.len())
            .filter(|i| {
                let (text, line) = raws[*i].tree_source().expect("a document");
                let key = (line, svcplay::hash::fnv64a(text.as_bytes()));
                trees.parsed.contains_key(&key)
            })
            .collect();
        let recent: Vec<usize> = (0..raws.len()).filter(|i| *i < 5 || *i >= last).collect();
        assert_eq!(kept, recent);
        let again = texts(&mut trees);
        for i in 0..raws.len() {
            let same = Arc::ptr_eq(&first[i], &again[i]);
            assert_eq!(same, recent.contains(&i), "object {i}");
        }
        // Under the bound, nothing goes.
        let parsed = trees.parsed.len();
        trees.begin();
        assert_eq!(trees.parsed.len(), parsed);
    }

    #[test]
    #[ignore]
    // A measurement the person runs reads the clock; the panel's code does not.
    #[allow(clippy::disallowed_methods)]
    fn panel_sources_of_a_dump() {
        let services = std::env::var("SVCPLAY_DUMP_SERVICES")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(1000);
        let text = svcplay::examples::dump::large_dump(services, 10);
        let analysis = analyze(&text, Options::default());
        let node = analysis.default_node();
        let proxy = analysis.proxy(&node);
        let view = proxy.listings()[0];
        let context = svcplay::views::Context {
            node: node.clone(),
            mode: None,
        };
        let lines = svcplay::views::listing::lines(&analysis, &context, view).expect("a listing");
        let started = std::time::Instant::now();
        let shown: Vec<u32> = (0..lines.line_sources.len() as u32)
            .take(crate::ui::rules::MAX_LINES)
            .collect();
        let mut trees = Trees::default();
        let (_, sources, _) = panel_sources(
            &analysis,
            &lines,
            &shown,
            &mut trees,
            svcplay::lang::Lang::En,
        );
        println!(
            "{services} Services: {} lines, {} sources in {:?}",
            lines.line_sources.len(),
            sources.len(),
            started.elapsed()
        );
        // After a keystroke, with the trees kept from the analysis before.
        if services > 2500 {
            let edited = svcplay::examples::dump::with_a_keystroke(&text);
            let analysis = analysis.edit(&text, &edited);
            let lines =
                svcplay::views::listing::lines(&analysis, &context, view).expect("a listing");
            let started = std::time::Instant::now();
            let (_, sources, _) = panel_sources(
                &analysis,
                &lines,
                &shown,
                &mut trees,
                svcplay::lang::Lang::En,
            );
            println!(
                "after a keystroke, trees kept: {} sources in {:?}",
                sources.len(),
                started.elapsed()
            );
        }
    }
}
