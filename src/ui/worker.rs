//! The core off the main thread: the Web Worker's side and the page's handle on it.
//!
//! The worker runs this same wasm module (`static/worker.js` imports the page's JS glue
//! and instantiates the module the page already compiled), so nothing more is
//! downloaded. It keeps the last text it was sent and its analysis, and answers requests
//! about it ([`answer`]); the next text is analysed as an edit of that one
//! ([`Analysis::edit`], which re-does only what the edit changed). The page sends
//! [`Request`]s and turns [`Response`]s into actions ([`Worker`]). Every message is one
//! byte array ([`super::wire`]).
//!
//! A keystroke's text goes to the worker at once when it is idle; while it analyses, only
//! the newest text waits and goes when it answers ([`Queue`]): every text is whole, or an
//! edit of the revision the worker holds by then (all the edits typed since it, composed:
//! [`super::state::State::edit_since`]), so an older one that never went is not needed,
//! and the last one typed is always analysed. A keystroke in a 6 MB dump sends the
//! keystroke ([`Request::Edit`]); the worker applies it only to exactly the revision it
//! names (its number and length) and otherwise asks for the whole text
//! ([`Response::Resend`]), and its summary's `text_hash` is of the text it analysed. The
//! view on show travels with the text and comes back with the summary, so the page draws
//! both at once, with no second round trip ([`Request::Panel`] stays for a view changed,
//! a filter typed). A text is answered in two tasks ([`begin`], then [`finish`]): when a
//! newer text was typed during the analysis, the page says so ([`Request::Superseded`],
//! which arrives between them) and the worker answers without the panel nobody will see;
//! the page sends the newer text before it decodes that answer, and does not decode it.
//! "What changed" ([`Request::Changes`]) never delays a keystroke: the page does not ask it
//! while a text waits, `static/worker.js` answers it only after the messages already
//! queued ([`worker_defers`]), and it is not answered for a revision an edit has
//! replaced — the next edit's changes are then measured from the same text before
//! ([`Last::before`] is carried over), so nothing the user did goes unreported.

use super::snapshot;
use super::wire::{Request, Response, decode, encode};
use std::cell::RefCell;
use std::sync::Arc;
use svcplay::changes::{Changes, Downstream};
use svcplay::proxy::NodeProxy;
use svcplay::proxy::config::ProxyMode;
use svcplay::scenario::{Analysis, Options, analyze};

/// The worker's last analysis: its revision, the text it was made from, and the analysis.
struct Last {
    rev: u64,
    text: String,
    /// The text's hash in pieces: an edit re-reads only the pieces it touched.
    pieces: Pieces,
    analysis: Analysis,
    /// What is left of the text before, to say what this revision changed when the page
    /// asks ([`Request::Changes`]); `None` for the first text.
    before: Option<Before>,
    /// The last listing a rules panel of this revision showed: the next panel of the same
    /// node, mode and view (a filter typed) does not make it again, nor does the whole
    /// listing asked for a copy.
    listings: snapshot::Listings,
}

/// What the worker keeps of the analysis an edit started from, which the edit consumed
/// ([`Analysis::edit`]): enough to say what the edit changed on the node and in the mode
/// the user was viewing, after the summary has gone (the visible views first).
struct Before {
    /// The node on show when the text was sent, and the mode (`None`: each analysis'
    /// configured mode).
    node: String,
    mode: Option<ProxyMode>,
    earlier: Earlier,
}

enum Earlier {
    /// A text the page analysed itself (sent along with the edit): analysed here whole.
    Analysis(Box<Analysis>),
    /// The worker's own last analysis: its endpoints and DNS records, kube-proxy on the
    /// node on show (built before the edit, rendered on demand from its own facts), its
    /// configured mode, and its text, analysed again whole only if the edit leaves another
    /// node on show (it removed the one the user was viewing).
    Kept {
        downstream: Arc<Downstream>,
        proxy: Arc<NodeProxy>,
        configured_mode: ProxyMode,
        text: String,
    },
}

thread_local! {
    /// The worker's last analysis.
    static LAST: RefCell<Option<Last>> = const { RefCell::new(None) };
    /// The page's side: when it sent its last text to analyse, and which revision.
    static ANALYZE_SENT: std::cell::Cell<(u64, f64)> = const { std::cell::Cell::new((0, 0.0)) };
    /// ... and when it last asked for a panel, of which revision.
    static PANEL_SENT: std::cell::Cell<(u64, f64)> = const { std::cell::Cell::new((0, 0.0)) };
    /// The worker's analysis whose answer is not made yet ([`begin`], [`finish`]).
    static PENDING: RefCell<Option<Pending>> = const { RefCell::new(None) };
    /// The last revision the page said a newer text waits behind ([`Request::Superseded`]).
    static SUPERSEDED: std::cell::Cell<Option<u64>> = const { std::cell::Cell::new(None) };
}

/// An analysis answered in two steps: its summary made ([`begin`]), the panel on show
/// still to make ([`finish`]), which `static/worker.js` calls in a task of its own, after
/// the messages that came during the analysis: if one said that a newer text waits
/// ([`Request::Superseded`]), the panel of this revision, which the page will never show,
/// is not made, and the newer text comes sooner.
enum Pending {
    Analysed {
        rev: u64,
        summary: snapshot::Summary,
        text_hash: u64,
        selection: Option<snapshot::Selection>,
    },
    /// An answer made, which waits for the one [`begin`] gave first.
    Answer(Response),
}

/// The node a revision's panels show: the chosen one if it still exists, else the
/// default ([`snapshot::Summary::node`]).
fn node_on_show(analysis: &Analysis, chosen: &str) -> String {
    if analysis.node_names().iter().any(|n| n == chosen) {
        chosen.to_string()
    } else {
        analysis.default_node()
    }
}

/// What the worker keeps of `analysis` for the changes of the edit that consumes it:
/// kube-proxy on the node on show as `analysis` has it (its facts, taken before the edit;
/// rendered only if it was not already), and its endpoints and DNS records
/// ([`Analysis::downstream`]: patched from the analysis before for what the edit
/// touched). Its text is empty: the caller moves the text in once the edit is done with it.
fn keep_before(analysis: &Analysis, node: &str, mode: Option<ProxyMode>) -> Before {
    let configured_mode = analysis.proxy_config.mode;
    let shown = node_on_show(analysis, node);
    let proxy_mode = mode.unwrap_or(configured_mode);
    let proxy = analysis
        .cached_proxy(&shown, proxy_mode)
        .unwrap_or_else(|| analysis.proxy_in(&shown, proxy_mode));
    // Measured once per analysis, and after an edit patched from the one before for
    // the Services the edit touched (`Analysis::downstream`), not measured whole here.
    let downstream = analysis.downstream();
    Before {
        node: node.to_string(),
        mode,
        earlier: Earlier::Kept {
            downstream,
            proxy,
            configured_mode,
            text: String::new(),
        },
    }
}

/// What the last edit changed (`diff` of the analysis before and the last one), on the
/// node on show in the mode on show.
fn changes_of(last: &mut Last) -> Option<Changes> {
    let before = last.before.take()?;
    let after = &last.analysis;
    let node = node_on_show(after, &before.node);
    let changes = match before.earlier {
        Earlier::Analysis(earlier) => svcplay::changes::diff(&earlier, after, &node, before.mode),
        Earlier::Kept {
            downstream,
            proxy,
            configured_mode,
            text,
        } => {
            let old_mode = before.mode.unwrap_or(configured_mode);
            if proxy.node == node && proxy.mode == old_mode {
                let new_mode = before.mode.unwrap_or(after.proxy_config.mode);
                let new = after.proxy_in(&node, new_mode);
                svcplay::changes::diff_from(&downstream, &proxy, &after.downstream(), &new)
            } else {
                let earlier = analyze(&text, Options::default());
                svcplay::changes::diff(&earlier, after, &node, before.mode)
            }
        }
    };
    Some(changes)
}

/// The polynomials ([`svcplay::hash::poly`]) of a text's consecutive pieces, each of
/// less than twice `size` bytes (pieces a deletion made small are read together again
/// once they are many): its [`svcplay::hash::text_hash`] without reading it
/// whole, and after an edit by reading again only the pieces the edit touched (a key
/// typed in a 6 MB text reads ~64 KB, not 6 MB).
struct Pieces {
    /// Each piece's length and polynomial, in the text's order.
    pieces: Vec<(usize, u64)>,
    /// The length of a piece read anew.
    size: usize,
}

impl Pieces {
    /// The pieces of `text`, read whole.
    fn of(text: &[u8]) -> Pieces {
        Pieces::sized(text, 64 * 1024)
    }

    fn sized(text: &[u8], size: usize) -> Pieces {
        Pieces {
            pieces: Pieces::read(text, size),
            size,
        }
    }

    /// The pieces of `bytes`: `size` bytes each, the last up to twice that (so that keys
    /// typed in one place grow a piece until it splits, instead of adding small ones).
    fn read(bytes: &[u8], size: usize) -> Vec<(usize, u64)> {
        let mut pieces: Vec<(usize, u64)> = (bytes.chunks(size))
            .map(|c| (c.len(), svcplay::hash::poly(c)))
            .collect();
        if let [.., (n, a), (m, b)] = pieces[..] {
            if m < size {
                pieces.pop();
                pieces.pop();
                pieces.push((n + m, svcplay::hash::poly_joined(a, b, m)));
            }
        }
        pieces
    }

    /// The hash of the text, `len` bytes long (what [`svcplay::hash::text_hash`] says).
    fn hash(&self, len: usize) -> u64 {
        let poly = (self.pieces.iter()).fold(0, |h, &(n, p)| svcplay::hash::poly_joined(h, p, n));
        svcplay::hash::text_hash_of(poly, len)
    }

    /// The text had bytes `start..end` replaced by `new_len` bytes, which made `after`:
    /// the pieces holding that range (and at least one beside an insertion, so that
    /// pieces do not multiply) are read again from `after`.
    fn edited(&mut self, after: &[u8], start: usize, end: usize, new_len: usize) {
        let pieces = &mut self.pieces;
        // Pieces `first..last` hold bytes `lo..hi` of the text before, which hold
        // `start..end`.
        let (mut first, mut lo) = (0, 0);
        while first < pieces.len() && lo + pieces[first].0 <= start {
            lo += pieces[first].0;
            first += 1;
        }
        let (mut last, mut hi) = (first, lo);
        while last < pieces.len() && (hi < end || hi < start) {
            hi += pieces[last].0;
            last += 1;
        }
        if first == last {
            if last < pieces.len() {
                hi += pieces[last].0;
                last += 1;
            } else if first > 0 {
                first -= 1;
                lo -= pieces[first].0;
            }
        }
        let new_hi = hi - (end - start) + new_len;
        let fresh = Pieces::read(&after[lo..new_hi], self.size);
        pieces.splice(first..last, fresh);
        // Pieces made small by deletions: read whole again once they are many.
        if pieces.len() > 2 * after.len() / self.size + 16 {
            *pieces = Pieces::read(after, self.size);
        }
    }
}

/// `text` with bytes `start..end` replaced by `replacement`; `None` when that range is
/// not one of `text`.
fn edited(text: &str, start: usize, end: usize, replacement: &str) -> Option<String> {
    let fits = start <= end
        && end <= text.len()
        && text.is_char_boundary(start)
        && text.is_char_boundary(end);
    fits.then(|| {
        let mut out = String::with_capacity(text.len() - (end - start) + replacement.len());
        out.push_str(&text[..start]);
        out.push_str(replacement);
        out.push_str(&text[end..]);
        out
    })
}

/// A text to analyse, as [`Request::Analyze`] (or [`Request::Edit`] once applied) says.
struct Analyse {
    rev: u64,
    text: String,
    /// The hash of `text` in pieces, when updated from the text held by an edit.
    pieces: Option<Pieces>,
    /// Where `text` differs from the text held, when it is that text edited.
    at: Option<svcplay::manifest::TextEdit>,
    before: Option<String>,
    node: String,
    mode: Option<ProxyMode>,
    continues: bool,
    selection: Option<snapshot::Selection>,
}

/// The summary of a text to analyse, the text and its analysis held for what the page
/// asks next, and the answer left to [`finish`] (with the panel on show). `timed` is the
/// phase "analysis", ended before the panel; `stages` splits it (the end-to-end timing
/// report prints them).
fn analysed(request: Analyse, timed: super::dom::Timed, mut stages: super::dom::Stages) {
    let Analyse {
        rev,
        text,
        pieces,
        at,
        before,
        node,
        mode,
        continues,
        selection,
    } = request;
    // Every text the page sends is the last one edited (a keystroke, a paste, an example
    // opened): `edit` equals a full analysis whatever the change, and costs only what the
    // change touched. It consumes the analysis it starts from: what "what changed" needs
    // of it is kept aside first, and the changes are measured when the page asks (after
    // the summary and the view on show). A text the page analysed itself comes along
    // (`before`): the changes are from it.
    let last = LAST.with(|last| last.borrow_mut().take());
    let (earlier, analysis, listings) = match last {
        Some(Last {
            rev: _,
            text: held,
            pieces: _,
            analysis: previous,
            before: held_before,
            listings,
        }) => {
            // The objects parsed for the rules panel stay good for this revision's panels.
            let listings = listings.next_analysis();
            stages.mark("listings.next_analysis");
            // The changes of the last revision, an edit, were not asked for (an edit came
            // first): this one's are measured from the same text before, so that they
            // include what that one changed.
            let unasked = held_before
                .filter(|b| continues && before.is_none() && b.node == node && b.mode == mode);
            // Whether the text held moves into what is kept (`keep_before`).
            let (mut kept, moved) = match (before, unasked) {
                (Some(b), _) => (
                    Before {
                        node,
                        mode,
                        earlier: Earlier::Analysis(Box::new(analyze(&b, Options::default()))),
                    },
                    false,
                ),
                (None, Some(unasked)) => (unasked, false),
                (None, None) => (keep_before(&previous, &node, mode), true),
            };
            stages.mark("keep_before");
            let analysis = previous.edit_at(&held, &text, at, &mut |name| {
                stages.mark(format_args!("Analysis::edit: {name}"))
            });
            match &mut kept.earlier {
                Earlier::Kept { text, .. } if moved => *text = held,
                _ => drop(held),
            }
            stages.mark("the text before kept or dropped");
            (Some(kept), analysis, listings)
        }
        None => {
            let earlier = before.map(|b| Before {
                node,
                mode,
                earlier: Earlier::Analysis(Box::new(analyze(&b, Options::default()))),
            });
            let analysis = analyze(&text, Options::default());
            stages.mark("analyze (no analysis before)");
            (earlier, analysis, snapshot::Listings::default())
        }
    };
    let summary = snapshot::summary(&analysis);
    stages.mark("snapshot::summary");
    // Read whole only for a text sent whole.
    let pieces = pieces.unwrap_or_else(|| Pieces::of(text.as_bytes()));
    let text_hash = pieces.hash(text.len());
    stages.mark("text_hash");
    drop(timed);
    LAST.with(|last| {
        *last.borrow_mut() = Some(Last {
            rev,
            text,
            pieces,
            analysis,
            before: earlier,
            listings,
        })
    });
    PENDING.with(|pending| {
        *pending.borrow_mut() = Some(Pending::Analysed {
            rev,
            summary,
            text_hash,
            selection,
        })
    });
}

/// The answer to the analysis [`begin`] left pending, if any: its summary, with the view
/// on show (the page draws them together) unless the page said a newer text waits. The
/// panel's time is said apart: the page weighs the analysis alone (`cost_ms`).
fn finish() -> Option<Response> {
    let (rev, summary, text_hash, selection) =
        match PENDING.with(|pending| pending.borrow_mut().take())? {
            Pending::Analysed {
                rev,
                summary,
                text_hash,
                selection,
            } => (rev, summary, text_hash, selection),
            Pending::Answer(answer) => return Some(answer),
        };
    let typed_over = SUPERSEDED.with(|s| s.get()) == Some(rev);
    let panel_started = super::dom::now_ms();
    let panel = selection.filter(|_| !typed_over).and_then(|selection| {
        LAST.with(|last| {
            let mut last = last.borrow_mut();
            let last = last.as_mut().filter(|l| l.rev == rev)?;
            let _timed = super::dom::timed("panel");
            let panel = snapshot::panel_with(&last.analysis, &selection, &mut last.listings);
            Some((selection, panel))
        })
    });
    let panel_ms = super::dom::now_ms() - panel_started;
    Some(Response::Summary {
        rev,
        summary,
        text_hash,
        panel,
        panel_ms,
    })
}

/// Whether an analysis' answer is left to [`finish`].
fn pending() -> bool {
    PENDING.with(|pending| pending.borrow().is_some())
}

/// The worker's answer to one request (`None` for a request it cannot read, or a panel of
/// a revision it has not analysed): [`begin`], then [`finish`] at once.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
pub fn answer(request: Request) -> Option<Response> {
    // Nothing is left pending between two calls.
    debug_assert!(!pending());
    let answer = begin(request);
    if pending() { finish() } else { answer }
}

/// The worker's answer to one request, but for a text to analyse: it is analysed, and
/// its answer left to [`finish`] ([`Pending`]). An analysis still pending when the next
/// text comes is answered here, without its panel (the page sends a text only once the
/// one before is answered, so this is a safeguard).
pub fn begin(request: Request) -> Option<Response> {
    let unfinished = || {
        let analysed = PENDING.with(|p| match &*p.borrow() {
            Some(Pending::Analysed { rev, .. }) => Some(*rev),
            _ => None,
        });
        if let Some(rev) = analysed {
            SUPERSEDED.with(|s| s.set(Some(rev)));
        }
        finish()
    };
    match request {
        Request::Superseded { rev } => {
            SUPERSEDED.with(|s| s.set(Some(rev)));
            None
        }
        Request::Edit {
            rev,
            base,
            base_len,
            start,
            end,
            replacement,
            node,
            mode,
            continues,
            selection,
        } => {
            let earlier = unfinished();
            let timed = super::dom::timed("analysis");
            let mut stages = super::dom::stages("analysis");
            // Only an edit of exactly the revision held (its number and length) is applied;
            // anything else is asked again whole, never guessed.
            let text = LAST.with(|last| {
                let mut last = last.borrow_mut();
                let held = last
                    .as_mut()
                    .filter(|l| l.rev == base && l.text.len() == base_len)?;
                let text = edited(&held.text, start, end, &replacement)?;
                let pieces = std::mem::replace(&mut held.pieces, Pieces::of(&[]));
                Some((text, pieces))
            });
            stages.mark("the edit spliced into the text held");
            match text {
                Some((text, mut pieces)) => {
                    pieces.edited(text.as_bytes(), start, end, replacement.len());
                    stages.mark("the text's hash: the pieces edited read again");
                    let request = Analyse {
                        rev,
                        text,
                        pieces: Some(pieces),
                        at: Some(svcplay::manifest::TextEdit {
                            start,
                            end,
                            new_end: start + replacement.len(),
                        }),
                        before: None,
                        node,
                        mode,
                        continues,
                        selection,
                    };
                    analysed(request, timed, stages);
                    earlier
                }
                None => {
                    let resend = Response::Resend { rev };
                    match earlier {
                        // An earlier answer left pending goes first.
                        Some(earlier) => {
                            PENDING.with(|p| *p.borrow_mut() = Some(Pending::Answer(resend)));
                            Some(earlier)
                        }
                        None => Some(resend),
                    }
                }
            }
        }
        Request::Analyze {
            rev,
            text,
            before,
            node,
            mode,
            continues,
            selection,
        } => {
            let earlier = unfinished();
            let timed = super::dom::timed("analysis");
            let stages = super::dom::stages("analysis");
            analysed(
                Analyse {
                    rev,
                    text,
                    pieces: None,
                    at: None,
                    before,
                    node,
                    mode,
                    continues,
                    selection,
                },
                timed,
                stages,
            );
            earlier
        }
        Request::Changes { rev } => LAST.with(|last| {
            let mut last = last.borrow_mut();
            let last = last.as_mut().filter(|l| l.rev == rev)?;
            let changes = changes_of(last)?;
            Some(Response::Changes { rev, changes })
        }),
        Request::Panel { rev, selection } => LAST.with(|last| {
            let mut last = last.borrow_mut();
            let Last {
                rev: analysed,
                analysis,
                listings,
                ..
            } = last.as_mut()?;
            (*analysed == rev).then(|| Response::Panel {
                rev,
                panel: snapshot::panel_with(analysis, &selection, listings),
                selection,
            })
        }),
        // Always answered, so that the page's Copy or Download never waits in vain: with
        // nothing when the revision asked for is gone (the page says so).
        Request::Listing { id, rev, selection } => LAST.with(|last| {
            let mut last = last.borrow_mut();
            let text = last
                .as_mut()
                .filter(|l| l.rev == rev)
                .map(|l| snapshot::listing_text(&l.analysis, &selection, &mut l.listings));
            Some(Response::Listing { id, text })
        }),
        Request::Run { index, line } => LAST.with(|last| {
            let last = last.borrow();
            let analysis = &last.as_ref()?.analysis;
            // On the terminal's node, as the shell would run it (not the node a view shows).
            let node = svcplay::shell::node_of(analysis);
            let output = snapshot::run(analysis, &node, None, &line);
            Some(Response::Output { index, output })
        }),
        Request::Simulate { rev, id, request } => LAST.with(|last| {
            let last = last.borrow();
            let Last {
                rev: analysed,
                analysis,
                ..
            } = last.as_ref()?;
            (*analysed == rev).then(|| Response::Simulated {
                id,
                answer: snapshot::simulate(analysis, &request),
            })
        }),
    }
}

/// The worker's whole answer to one request ([`answer`]): request bytes in, response
/// bytes out (empty when there is nothing to answer).
#[cfg_attr(target_arch = "wasm32", wasm_bindgen::prelude::wasm_bindgen)]
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
pub fn worker_handle(request: &[u8]) -> Vec<u8> {
    let response = decoded(request).and_then(answer);
    encoded(response)
}

/// The worker's entry point, called by `static/worker.js` for each message: the answer
/// to it ([`begin`]), and for a text to analyse, the answer to an earlier one left
/// pending, if any. When [`worker_pending`] says so afterwards, `static/worker.js` calls
/// [`worker_finish`] in a task of its own.
#[cfg_attr(target_arch = "wasm32", wasm_bindgen::prelude::wasm_bindgen)]
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
pub fn worker_begin(request: &[u8]) -> Vec<u8> {
    let response = decoded(request).and_then(begin);
    encoded(response)
}

/// The answer to the analysis [`worker_begin`] left pending ([`finish`]; empty when none
/// is).
#[cfg_attr(target_arch = "wasm32", wasm_bindgen::prelude::wasm_bindgen)]
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
pub fn worker_finish() -> Vec<u8> {
    encoded(finish())
}

/// Whether an analysis' answer waits for [`worker_finish`].
#[cfg_attr(target_arch = "wasm32", wasm_bindgen::prelude::wasm_bindgen)]
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
pub fn worker_pending() -> bool {
    pending()
}

fn decoded(request: &[u8]) -> Option<Request> {
    let _timed = super::dom::timed("request decoded");
    decode::<Request>(request)
}

fn encoded(response: Option<Response>) -> Vec<u8> {
    let encoded = super::dom::timed("answer encoded");
    let bytes = response.as_ref().map(encode).unwrap_or_default();
    drop(encoded);
    let _timed = super::dom::timed("answer dropped");
    drop(response);
    bytes
}

/// When `static/worker.js` answers this request ([`super::wire::deferral`]): 0 at once, 1
/// after the messages already queued ("what changed", which on a large node lists a whole
/// sync, must not hold up a keystroke's text that arrived meanwhile), 2 after them and
/// only if no newer panel was asked meanwhile (a panel waits for a newer text, which makes
/// it old; of panels asked as a filter is typed, the newest wins).
#[cfg_attr(target_arch = "wasm32", wasm_bindgen::prelude::wasm_bindgen)]
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
pub fn worker_defers(request: &[u8]) -> u8 {
    super::wire::deferral(request)
}

/// The page's side of the texts sent to the worker: at most one analysed at a time, and
/// the newest text typed meanwhile, sent when the worker answers. A keystroke's text
/// reaches an idle worker at once; a fast typist's keystrokes become one analysis of the
/// last text (the one before it may still be running), never a backlog of stale ones.
#[derive(Debug)]
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
pub struct Queue<T = Vec<u8>> {
    /// The revision the worker is analysing (sent, not answered yet).
    analysing: Option<u64>,
    /// The newest text waiting (its revision and what to send).
    waiting: Option<(u64, T)>,
    /// Whether the worker was told that a text waits behind the one it analyses
    /// ([`Queue::typed_over`]).
    told: bool,
}

impl<T> Default for Queue<T> {
    fn default() -> Self {
        Queue {
            analysing: None,
            waiting: None,
            told: false,
        }
    }
}

#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
impl<T> Queue<T> {
    /// A text to analyse: what to post now (the worker is idle), or `None` when it
    /// waits, replacing any older text waiting.
    pub fn offer(&mut self, rev: u64, text: T) -> Option<(u64, T)> {
        if self.analysing.is_some() {
            self.waiting = Some((rev, text));
            None
        } else {
            self.analysing = Some(rev);
            self.told = false;
            Some((rev, text))
        }
    }

    /// The revision being analysed, once per analysis, when a text waits behind it: the
    /// worker is told ([`Request::Superseded`]), and does not make that revision's panel.
    pub fn typed_over(&mut self) -> Option<u64> {
        let now = self.waiting.is_some() && !self.told;
        self.told |= now;
        self.analysing.filter(|_| now)
    }

    /// The worker answered an analysis: the text waiting, to post now, if any.
    pub fn answered(&mut self) -> Option<(u64, T)> {
        self.analysing = None;
        self.told = false;
        let next = self.waiting.take()?;
        self.analysing = Some(next.0);
        Some(next)
    }

    /// The worker could not apply the edit `sent` (revision `rev`): the text waiting, else
    /// that one again, to post now (whole).
    pub fn refused(&mut self, rev: u64, sent: T) -> (u64, T) {
        let next = self.waiting.take().unwrap_or((rev, sent));
        self.analysing = Some(next.0);
        self.told = false;
        next
    }

    /// Whether a text is being analysed or waits: the worker is not asked what an
    /// earlier edit changed then (the next edit's changes will include it).
    pub fn busy(&self) -> bool {
        self.analysing.is_some() || self.waiting.is_some()
    }
}

/// A text for the worker to analyse, as the page offers it: sent whole, or as its edit of
/// the revision the worker holds when the page knows that edit ([`Text::request`]).
#[derive(Clone, Debug)]
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
pub struct Text {
    pub rev: u64,
    /// The whole text (shared with the page's state: not copied unless sent whole).
    pub text: std::rc::Rc<str>,
    /// See [`Request::Analyze`]'s `before`.
    pub before: Option<String>,
    pub node: String,
    pub mode: Option<ProxyMode>,
    pub continues: bool,
    /// The panel on show, answered with the summary.
    pub selection: Option<snapshot::Selection>,
    /// The revision this text is an edit of, and the edit ([`super::state::State::edit_since`]).
    pub edit: Option<(u64, super::state::Splice)>,
}

#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
impl Text {
    /// The request that sends it to a worker holding revision `held` (`None`: unknown):
    /// the edit when it is of that revision, else the whole text.
    pub fn request(&self, held: Option<u64>) -> Request {
        match self.edit {
            Some((base, splice))
                if Some(base) == held
                    && self.before.is_none()
                    && splice.fits(
                        self.text.len() - (splice.new_end - splice.start)
                            + (splice.old_end - splice.start),
                        self.text.len(),
                    )
                    && self.text.is_char_boundary(splice.start)
                    && self.text.is_char_boundary(splice.new_end) =>
            {
                Request::Edit {
                    rev: self.rev,
                    base,
                    base_len: self.text.len() + splice.old_end - splice.new_end,
                    start: splice.start,
                    end: splice.old_end,
                    replacement: self.text[splice.start..splice.new_end].to_string(),
                    node: self.node.clone(),
                    mode: self.mode,
                    continues: self.continues,
                    selection: self.selection.clone(),
                }
            }
            _ => Request::Analyze {
                rev: self.rev,
                text: self.text.to_string(),
                before: self.before.clone(),
                node: self.node.clone(),
                mode: self.mode,
                continues: self.continues,
                selection: self.selection.clone(),
            },
        }
    }
}

/// When the page posted its last text to the worker, and which revision (ms): its round
/// trip is the cost of that analysis (what decides whether the next text is analysed on
/// the page), not counting the time it waited for the analysis before it.
pub fn analysis_sent() -> (u64, f64) {
    ANALYZE_SENT.with(|s| s.get())
}

/// The page's handle on the worker.
#[derive(Clone)]
pub struct Worker {
    inner: wasm_bindgen::JsValue,
    queue: std::rc::Rc<RefCell<Queue<Text>>>,
    /// The posting side of the texts: which revision the worker holds (or is analysing),
    /// and the text being analysed (sent again whole if its edit is refused).
    texts: Texts,
    /// Whether the last text sent was an edit ([`Worker::continues`]).
    edited: std::rc::Rc<std::cell::Cell<bool>>,
    /// The whole listings asked for ([`Worker::listing`]): the request's id and what takes
    /// the text.
    listings: Listings,
}

/// The revision the worker holds once it has answered what was posted (`None`: unknown,
/// after an edit it refused), and the text posted last.
#[derive(Clone, Default)]
struct Texts(std::rc::Rc<RefCell<(Option<u64>, Option<Text>)>>);

impl Texts {
    /// Posts `text` to the worker: as an edit of the revision it holds when possible.
    fn post(&self, worker: &wasm_bindgen::JsValue, text: Text) {
        let rev = text.rev;
        let bytes = {
            let mut texts = self.0.borrow_mut();
            let request = text.request(texts.0);
            // Which way it went, in the timing report (under the phase `Worker::analyse`
            // times).
            let _timed = super::dom::timed(match request {
                Request::Edit { .. } => "worker's request encoded and posted: an edit encoded",
                _ => "worker's request encoded and posted: a whole text encoded",
            });
            texts.0 = Some(rev);
            texts.1 = Some(text);
            encode(&request)
        };
        post_analysis(worker, rev, &bytes);
    }

    /// The worker refused the edit that made revision `rev`: what it holds is unknown (the
    /// next text goes whole), and the text refused, if it is the one posted.
    fn refused(&self, rev: u64) -> Option<Text> {
        let mut texts = self.0.borrow_mut();
        texts.0 = None;
        texts.1.take().filter(|t| t.rev == rev)
    }

    /// The revision the worker holds, or will once it has answered what was posted.
    fn held(&self) -> Option<u64> {
        self.0.borrow().0
    }
}

/// The whole listings the page asked the worker for, by request id.
type Listings = std::rc::Rc<RefCell<Vec<(u64, yew::Callback<Option<String>>)>>>;

impl PartialEq for Worker {
    fn eq(&self, other: &Worker) -> bool {
        self.inner == other.inner
    }
}

/// Posts a text to analyse, noting when.
fn post_analysis(worker: &wasm_bindgen::JsValue, rev: u64, bytes: &[u8]) {
    let now = super::dom::now_ms();
    ANALYZE_SENT.with(|s| s.set((rev, now)));
    super::dom::post_to_worker(worker, &js_sys::Uint8Array::from(bytes));
}

impl Worker {
    /// Starts the worker; `on_response` gets every answer, `on_ready` whether it started.
    pub fn start(
        on_response: impl Fn(Response) + 'static,
        on_ready: impl Fn(bool) + 'static,
    ) -> Option<Worker> {
        use wasm_bindgen::JsCast;
        use wasm_bindgen::prelude::Closure;
        let queue = std::rc::Rc::new(RefCell::new(Queue::default()));
        let texts = Texts::default();
        let listings = Listings::default();
        // The worker, once started: the answer to one text sends the text waiting.
        let started = std::rc::Rc::new(RefCell::new(wasm_bindgen::JsValue::NULL));
        let on_message = {
            let queue = queue.clone();
            let texts = texts.clone();
            let started = started.clone();
            let listings = listings.clone();
            Closure::<dyn Fn(js_sys::Uint8Array)>::new(move |bytes: js_sys::Uint8Array| {
                // The answer to a text: the text waiting goes at once, before the answer
                // is decoded; and when one did, the answer is not decoded at all (its
                // views will never be shown: the page ignores a summary of a revision
                // typed over).
                let head = bytes.subarray(0, 9).to_vec();
                let next = super::wire::summary_rev(&head).and_then(|_| {
                    let next = queue.borrow_mut().answered();
                    if let Some((_, text)) = next {
                        texts.post(&started.borrow(), text);
                        return Some(());
                    }
                    None
                });
                if next.is_some() {
                    return;
                }
                let response = {
                    let _timed = super::dom::timed("worker's answer decoded");
                    decode::<Response>(&bytes.to_vec())
                };
                if let Some(response) = response {
                    // A whole listing goes to what asked for it (a copy, a download).
                    if let Response::Listing { id, text } = response {
                        let asked = {
                            let mut listings = listings.borrow_mut();
                            let at = listings.iter().position(|(i, _)| *i == id);
                            at.map(|at| listings.remove(at).1)
                        };
                        if let Some(then) = asked {
                            then.emit(text);
                        }
                        return;
                    }
                    // An edit of a revision the worker does not hold: the text again,
                    // whole (or the newer one waiting).
                    if let Response::Resend { rev } = response {
                        let refused = texts.refused(rev);
                        let next = {
                            let mut queue = queue.borrow_mut();
                            match refused {
                                Some(text) => Some(queue.refused(rev, text)),
                                None => queue.answered(),
                            }
                        };
                        if let Some((_, text)) = next {
                            texts.post(&started.borrow(), text);
                        }
                        return;
                    }
                    if let Response::Summary {
                        rev,
                        summary,
                        text_hash,
                        panel_ms,
                        ..
                    } = &response
                    {
                        // The round trip of one analysis (send, analyse, summarise, answer),
                        // and the worker's wasm memory after it, read by the end-to-end
                        // test's timing report.
                        let (sent_rev, sent_at) = analysis_sent();
                        if sent_rev == *rev {
                            // Without the panel that came with the summary.
                            let ms = super::dom::now_ms() - sent_at - panel_ms;
                            super::dom::set_root_attribute(
                                "data-worker-analysis-ms",
                                &format!("{ms:.0}"),
                            );
                        }
                        super::dom::set_root_attribute(
                            "data-worker-memory-bytes",
                            &summary.memory_bytes.to_string(),
                        );
                        super::dom::set_root_attribute(
                            "data-worker-text-hash",
                            &format!("{:016x}", text_hash),
                        );
                    }
                    if let Response::Panel { rev, .. } = &response {
                        // The panel's round trip (ask, compute, answer), read by the timing
                        // report: what a keystroke's views wait for after its summary.
                        let (asked_rev, asked_at) = PANEL_SENT.with(|s| s.get());
                        if asked_rev == *rev {
                            let ms = super::dom::now_ms() - asked_at;
                            super::dom::set_root_attribute(
                                "data-worker-panel-ms",
                                &format!("{ms:.0}"),
                            );
                        }
                    }
                    if let Response::Changes { rev, .. } = &response {
                        // The worker has measured what an edit changed: the end-to-end
                        // test's timing report waits for it to time a keystroke that does not
                        // queue behind it.
                        super::dom::set_root_attribute("data-worker-changes-rev", &rev.to_string());
                    }
                    on_response(response);
                }
            })
        };
        let on_ready = Closure::<dyn Fn(bool)>::new(on_ready);
        let inner = super::dom::start_worker(
            wasm_bindgen::module(),
            on_message.as_ref().unchecked_ref(),
            on_ready.as_ref().unchecked_ref(),
        );
        *started.borrow_mut() = inner.clone();
        // The worker lives as long as the page: so do its callbacks.
        on_message.forget();
        on_ready.forget();
        (!inner.is_null() && !inner.is_undefined()).then_some(Worker {
            inner,
            queue,
            texts,
            edited: Default::default(),
            listings,
        })
    }

    /// Asks for the whole listing a rules panel of revision `rev` shows a window of;
    /// `then` gets its text (`None`: the worker has moved on to another revision).
    pub fn listing(
        &self,
        rev: u64,
        selection: snapshot::Selection,
        then: yew::Callback<Option<String>>,
    ) {
        let id = {
            let mut listings = self.listings.borrow_mut();
            let id = listings.iter().map(|(i, _)| *i + 1).max().unwrap_or(1);
            listings.push((id, then));
            id
        };
        self.send(&Request::Listing { id, rev, selection });
    }

    /// Sends a text to analyse: at once when the worker is idle, else it waits (the newest
    /// only, [`Queue`]); as an edit of the revision the worker holds when `text.edit` is of
    /// it ([`Worker::held`]).
    pub fn analyse(&self, text: Text) {
        let _timed = super::dom::timed("worker's request encoded and posted");
        let (now, typed_over) = {
            let mut queue = self.queue.borrow_mut();
            let now = queue.offer(text.rev, text);
            (now, queue.typed_over())
        };
        if let Some((_, text)) = now {
            self.texts.post(&self.inner, text);
        }
        // The text being analysed will not be shown: the worker skips its panel.
        if let Some(rev) = typed_over {
            let bytes = encode(&Request::Superseded { rev });
            super::dom::post_to_worker(&self.inner, &js_sys::Uint8Array::from(&bytes[..]));
        }
    }

    /// The revision the worker holds, or will once it answers the text posted last
    /// (`None`: unknown): what a text's edit must be of to go as an edit.
    pub fn held(&self) -> Option<u64> {
        self.texts.held()
    }

    /// `Request::Analyze`'s `continues` for a text about to be sent: whether it is an
    /// edit (`edit`) following an edit.
    pub fn continues(&self, edit: bool) -> bool {
        self.edited.replace(edit) && edit
    }

    /// Sends a request other than a text to analyse (those go through
    /// [`Worker::analyse`]); "what changed" is not asked while a text is analysed or waits.
    pub fn send(&self, request: &Request) {
        let _timed = super::dom::timed("worker's request encoded and posted");
        let bytes = encode(request);
        match request {
            Request::Changes { .. } if self.queue.borrow().busy() => {}
            Request::Panel { rev, .. } => {
                let now = super::dom::now_ms();
                PANEL_SENT.with(|s| s.set((*rev, now)));
                super::dom::post_to_worker(&self.inner, &js_sys::Uint8Array::from(&bytes[..]));
            }
            _ => super::dom::post_to_worker(&self.inner, &js_sys::Uint8Array::from(&bytes[..])),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::snapshot::{Panel, Selection, Summary, Tab};
    use svcplay::lang::Lang;

    /// What the worker says the edit that made `rev` changed, as the page asks it.
    fn changes(rev: u64) -> Option<Changes> {
        match decode(&worker_handle(&encode(&Request::Changes { rev })))? {
            Response::Changes { rev: r, changes } if r == rev => Some(changes),
            _ => None,
        }
    }

    #[test]
    fn the_worker_answers_about_the_revision_it_analysed() {
        let bytes = worker_handle(&encode(&Request::Analyze {
            rev: 3,
            text: svcplay::examples::DEFAULT.to_string(),
            before: None,
            node: String::new(),
            mode: None,
            continues: true,
            selection: None,
        }));
        let Some(Response::Summary {
            rev: 3, summary, ..
        }) = decode(&bytes)
        else {
            panic!("no summary");
        };
        assert_eq!(summary.default_node, "k8s-worker01");
        let selection = Selection::of(Tab::Rules);
        let bytes = worker_handle(&encode(&Request::Panel {
            rev: 3,
            selection: selection.clone(),
        }));
        let Some(Response::Panel {
            panel: Panel::Rules(rules),
            ..
        }) = decode(&bytes)
        else {
            panic!("no panel");
        };
        assert!(rules.text.contains("KUBE-SERVICES"));
        // Filtered: only the lines kept; the whole listing comes when asked.
        let filtered = Selection {
            filter: "dnat".into(),
            ..selection.clone()
        };
        let bytes = worker_handle(&encode(&Request::Panel {
            rev: 3,
            selection: filtered.clone(),
        }));
        let Some(Response::Panel {
            panel: Panel::Rules(dnat),
            ..
        }) = decode(&bytes)
        else {
            panic!("no panel");
        };
        assert!(!dnat.is_whole() && dnat.text.lines().all(|l| l.contains("DNAT")));
        let bytes = worker_handle(&encode(&Request::Listing {
            id: 8,
            rev: 3,
            selection: filtered.clone(),
        }));
        assert_eq!(
            decode(&bytes),
            Some(Response::Listing {
                id: 8,
                text: Some(rules.text.clone())
            })
        );
        // Of a revision the worker no longer holds: answered, with nothing.
        let bytes = worker_handle(&encode(&Request::Listing {
            id: 9,
            rev: 2,
            selection: filtered,
        }));
        assert_eq!(
            decode(&bytes),
            Some(Response::Listing { id: 9, text: None })
        );
        // A panel of another revision is not answered: the page will ask again.
        assert!(worker_handle(&encode(&Request::Panel { rev: 2, selection })).is_empty());
        let bytes = worker_handle(&encode(&Request::Run {
            index: 0,
            line: "kubectl get pods -n dev".into(),
        }));
        let Some(Response::Output { index: 0, output }) = decode(&bytes) else {
            panic!("no output");
        };
        assert!(output.stdout.contains("pc-deployment-"));
        let request = svcplay::simulate::SimRequest {
            requests: 10,
            record: 10,
            ..Default::default()
        };
        let bytes = worker_handle(&encode(&Request::Simulate {
            rev: 3,
            id: 9,
            request: request.clone(),
        }));
        let Some(Response::Simulated { id: 9, answer }) = decode(&bytes) else {
            panic!("no simulation");
        };
        let watch = answer.watch.as_ref().expect("a watch").watch.clone();
        assert_eq!(answer.result.map(|r| r.sequence.len()), Ok(10));
        // The watch crossed whole, and its requests are the run's.
        assert_eq!(watch.journeys.len(), 10);
        assert!(!watch.walks.is_empty() && watch.walks.iter().all(|w| !w.trace.hops.is_empty()));
        assert!(
            worker_handle(&encode(&Request::Simulate {
                rev: 2,
                id: 10,
                request
            }))
            .is_empty()
        );
        assert!(worker_handle(b"garbage").is_empty());
        // The first text has nothing to compare with; the next says what it changed.
        assert_eq!(changes(3), None);
        let scaled = svcplay::examples::DEFAULT.replacen("replicas: 3", "replicas: 2", 1);
        let bytes = worker_handle(&encode(&Request::Analyze {
            rev: 4,
            text: scaled.clone(),
            before: None,
            node: String::new(),
            mode: None,
            continues: true,
            selection: None,
        }));
        let Some(Response::Summary { rev: 4, .. }) = decode(&bytes) else {
            panic!("no summary");
        };
        // Not of another revision; once only.
        assert_eq!(changes(5), None);
        let changes = super::tests::changes(4).expect("the changes");
        assert_eq!(super::tests::changes(4), None);
        assert_eq!(
            changes
                .endpoints
                .iter()
                .map(|e| e.removed.len())
                .sum::<usize>(),
            1,
            "{changes:?}"
        );
        assert!(!changes.synced.is_empty());
        // A text the page analysed comes along: the change is from it, not from rev 4.
        let bytes = worker_handle(&encode(&Request::Analyze {
            rev: 6,
            text: scaled.clone(),
            before: Some(svcplay::examples::DEFAULT.replacen("replicas: 3", "replicas: 1", 1)),
            node: String::new(),
            mode: None,
            continues: true,
            selection: None,
        }));
        let Some(Response::Summary { rev: 6, .. }) = decode(&bytes) else {
            panic!("no summary");
        };
        let changes = super::tests::changes(6).expect("the changes");
        let added: usize = changes.endpoints.iter().map(|e| e.added.len()).sum();
        assert_eq!(added, 1, "{changes:?}");
        assert_eq!(
            changes.node, "k8s-worker01",
            "an unknown node: the default one"
        );
    }

    /// The worker says what an edit changed on the node and in the mode the user is
    /// viewing, as the page does when it analyses the edit itself.
    #[test]
    fn the_workers_changes_are_of_the_node_and_mode_on_show() {
        use svcplay::proxy::config::ProxyMode;
        let before = svcplay::examples::DEFAULT.to_string();
        let after = svcplay::examples::DEFAULT.replacen("replicas: 3", "replicas: 4", 1);
        let a = analyze(&before, Options::default());
        let b = analyze(&after, Options::default());
        let node = a
            .node_names()
            .into_iter()
            .find(|n| *n != a.default_node())
            .expect("another node");
        for mode in [ProxyMode::Nftables, ProxyMode::Ipvs] {
            let bytes = worker_handle(&encode(&Request::Analyze {
                rev: 11,
                text: after.clone(),
                before: Some(before.clone()),
                node: node.clone(),
                mode: Some(mode),
                continues: true,
                selection: None,
            }));
            let Some(Response::Summary { .. }) = decode(&bytes) else {
                panic!("no summary");
            };
            let changes = super::tests::changes(11).expect("the changes");
            assert_eq!(changes.node, node);
            assert_eq!(changes.mode, Some(mode));
            assert_eq!(changes, svcplay::changes::diff(&a, &b, &node, Some(mode)));
            assert!(!changes.groups.is_empty(), "{changes:?}");
        }
    }

    /// The hash kept in pieces equals the hash of the whole text after every edit: typed,
    /// deleted, pasted and cut, at piece boundaries, at both ends, of everything, in an
    /// empty text; with pieces of 1, 3 and 16 bytes (and the worker's own size).
    #[test]
    fn a_hash_kept_in_pieces_is_the_whole_texts() {
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % (n as u64 + 1)) as usize
        };
        for size in [1, 3, 16, 64 * 1024] {
            let mut text: Vec<u8> = b"kind: Service\nmetadata:\n  name: a\n".to_vec();
            let mut pieces = Pieces::sized(&text, size);
            for step in 0..600 {
                let start = next(text.len());
                let end = start
                    + next((text.len() - start).min(if step % 50 == 0 { usize::MAX } else { 40 }));
                let new_len = match step % 7 {
                    0 => 0,
                    1 => next(200),
                    _ => next(3),
                };
                let replacement: Vec<u8> = (0..new_len).map(|_| b"ab\n -"[next(4)]).collect();
                text.splice(start..end, replacement);
                pieces.edited(&text, start, end, new_len);
                assert_eq!(
                    pieces.hash(text.len()),
                    svcplay::hash::text_hash(&text),
                    "size {size}, step {step}"
                );
                assert_eq!(pieces.pieces.iter().map(|p| p.0).sum::<usize>(), text.len());
                assert!(pieces.pieces.iter().all(|p| p.0 > 0 && p.0 < 2 * size));
                assert!(pieces.pieces.len() <= 2 * text.len() / size + 16);
            }
        }
        // A 6 MB text edited in one place reads one or two of its pieces again.
        let dump = svcplay::examples::dump::large_dump(600, 2);
        let mut pieces = Pieces::of(dump.as_bytes());
        let before = pieces.pieces.clone();
        let at = dump.len() / 2;
        let edited = format!("{}x{}", &dump[..at], &dump[at..]);
        pieces.edited(edited.as_bytes(), at, at, 1);
        assert_eq!(
            pieces.hash(edited.len()),
            svcplay::hash::text_hash(edited.as_bytes())
        );
        let same = before
            .iter()
            .zip(&pieces.pieces)
            .filter(|(a, b)| a == b)
            .count()
            + before
                .iter()
                .rev()
                .zip(pieces.pieces.iter().rev())
                .filter(|(a, b)| a == b)
                .count();
        assert!(
            same + 2 >= before.len(),
            "{same} of {} pieces kept",
            before.len()
        );
    }

    /// A fast typist's keystrokes: the first text goes at once, the ones typed while it is
    /// analysed wait, the newest replacing the older, and it goes when the worker answers.
    #[test]
    fn texts_typed_while_the_worker_analyses_wait_newest_only() {
        let mut queue = Queue::default();
        assert!(!queue.busy());
        assert_eq!(queue.offer(1, vec![1]), Some((1, vec![1])));
        assert!(queue.busy());
        assert_eq!(queue.offer(2, vec![2]), None);
        assert_eq!(queue.offer(3, vec![3]), None);
        assert_eq!(queue.answered(), Some((3, vec![3])));
        assert!(queue.busy(), "the newest text is being analysed");
        assert_eq!(queue.answered(), None);
        assert!(!queue.busy());
        assert_eq!(queue.offer(4, vec![4]), Some((4, vec![4])));
    }

    /// Edits whose changes the page did not ask for (the user typed on): the next edit's
    /// changes are measured from the text before them all, as `diff` of two full analyses,
    /// and a question about a revision typed over is not answered.
    #[test]
    fn changes_not_asked_for_are_part_of_the_next_edits() {
        let texts = [
            svcplay::examples::DEFAULT.to_string(),
            svcplay::examples::DEFAULT.replacen("replicas: 3", "replicas: 2", 1),
            svcplay::examples::DEFAULT.replacen("replicas: 3", "replicas: 5", 1),
            svcplay::examples::DEFAULT
                .replacen("replicas: 3", "replicas: 5", 1)
                .replacen("port: 80", "port: 8080", 1),
        ];
        for (i, text) in texts.iter().enumerate() {
            let bytes = worker_handle(&encode(&Request::Analyze {
                rev: 40 + i as u64,
                text: text.clone(),
                before: None,
                node: String::new(),
                mode: None,
                continues: true,
                selection: None,
            }));
            let Some(Response::Summary { text_hash, .. }) = decode(&bytes) else {
                panic!("no summary");
            };
            assert_eq!(text_hash, svcplay::hash::text_hash(text.as_bytes()));
        }
        // Revisions 41 and 42 were typed over.
        assert_eq!(changes(41), None);
        assert_eq!(changes(42), None);
        let first = analyze(&texts[0], Options::default());
        let last = analyze(&texts[3], Options::default());
        let node = last.default_node();
        let expected = svcplay::changes::diff(&first, &last, &node, None);
        assert_eq!(changes(43), Some(expected.clone()));
        assert!(!expected.is_empty());
        // Asked, the next edit's changes are from the revision asked about.
        let bytes = worker_handle(&encode(&Request::Analyze {
            rev: 44,
            text: texts[2].clone(),
            before: None,
            node: String::new(),
            mode: None,
            continues: true,
            selection: None,
        }));
        assert!(matches!(
            decode(&bytes),
            Some(Response::Summary { rev: 44, .. })
        ));
        let back = analyze(&texts[2], Options::default());
        assert_eq!(
            changes(44),
            Some(svcplay::changes::diff(&last, &back, &node, None))
        );
        // A text replaced whole (not an edit), then an edit: only the edit's changes.
        for (rev, text) in [(45, &texts[0]), (46, &texts[1])] {
            let bytes = worker_handle(&encode(&Request::Analyze {
                rev,
                text: text.clone(),
                before: None,
                node: String::new(),
                mode: None,
                continues: false,
                selection: None,
            }));
            assert!(matches!(decode(&bytes), Some(Response::Summary { .. })));
        }
        let scaled = analyze(&texts[1], Options::default());
        assert_eq!(
            changes(46),
            Some(svcplay::changes::diff(&first, &scaled, &node, None))
        );
    }

    #[test]
    fn the_next_text_is_analysed_as_an_edit_of_the_last() {
        let first = svcplay::examples::DEFAULT.to_string();
        // A Service's port typed over, then a document appended, then another text whole.
        let edited = first.replacen("port: 80", "port: 8081", 1);
        let appended =
            format!("{edited}---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: team-1\n");
        let other = svcplay::examples::dump::large_dump(3, 2);
        let mut before: Option<String> = None;
        for (rev, text) in [first, edited, appended, other].into_iter().enumerate() {
            let rev = rev as u64 + 10;
            let bytes = worker_handle(&encode(&Request::Analyze {
                rev,
                text: text.clone(),
                before: None,
                node: String::new(),
                mode: None,
                continues: true,
                selection: None,
            }));
            let Some(Response::Summary { summary, .. }) = decode(&bytes) else {
                panic!("no summary");
            };
            let full = analyze(&text, Options::default());
            // The changes are measured from the text before, as from a full analysis.
            let changes = before.map(|b| {
                let node = full.default_node();
                svcplay::changes::diff(&analyze(&b, Options::default()), &full, &node, None)
            });
            assert_eq!(super::tests::changes(rev), changes);
            assert_eq!(summary, snapshot::summary(&full));
            before = Some(text);
        }
    }

    /// The text a request analyses, as the worker answers it: its summary and text hash.
    fn analysed(request: &Request) -> Option<(u64, Summary, u64)> {
        match decode(&worker_handle(&encode(request)))? {
            Response::Summary {
                rev,
                summary,
                text_hash,
                ..
            } => Some((rev, summary, text_hash)),
            _ => None,
        }
    }

    /// Typed edits of a held revision, sent as edits: each gives the summary and text hash
    /// of its whole text (as the whole text sent gives them), and an edit of anything but
    /// exactly the revision held (another revision, another length, a range not of it) is
    /// refused and changes nothing, so the page's text sent whole again is analysed.
    #[test]
    fn an_edit_of_the_held_revision_is_analysed_as_its_whole_text() {
        use crate::ui::state::Splice;
        let dump = svcplay::examples::dump::large_dump(20, 2);
        let first = analysed(&Request::Analyze {
            rev: 1,
            text: dump.clone(),
            before: None,
            node: String::new(),
            mode: None,
            continues: false,
            selection: None,
        });
        assert!(first.is_some());
        let at = dump.find("name: svc-").expect("a Service") + "name: svc-".len();
        // Typed in a name, an insertion, a deletion, a multi-byte character, a new line.
        let texts = [
            format!("{}x{}", &dump[..at], &dump[at..]),
            format!("{}xé{}", &dump[..at], &dump[at..]),
            format!("{}é{}", &dump[..at], &dump[at + 1..]),
            format!("{}é\n# note{}", &dump[..at], &dump[at + 1..]),
            dump.replacen("replicas: 2", "replicas: 3", 1),
        ];
        let mut held = dump.clone();
        for (i, text) in texts.iter().enumerate() {
            let rev = 2 + i as u64;
            let splice = Splice::between(&held, text);
            let edit = Request::Edit {
                rev,
                base: rev - 1,
                base_len: held.len(),
                start: splice.start,
                end: splice.old_end,
                replacement: text[splice.start..splice.new_end].to_string(),
                node: String::new(),
                mode: None,
                continues: true,
                selection: None,
            };
            assert_eq!(decode::<Request>(&encode(&edit)), Some(edit.clone()));
            assert_eq!(crate::ui::wire::deferral(&encode(&edit)), 0);
            // Refused: another revision, another length, a range past the end or
            // backwards; nothing changes in the worker.
            let refusals = [
                (rev - 2, held.len(), splice.start, splice.old_end),
                (rev, held.len(), splice.start, splice.old_end),
                (rev - 1, held.len() + 1, splice.start, splice.old_end),
                (rev - 1, held.len(), splice.start, held.len() + 1),
                (rev - 1, held.len(), splice.old_end + 1, splice.old_end),
            ];
            for (base, base_len, start, end) in refusals {
                let Request::Edit {
                    replacement, node, ..
                } = &edit
                else {
                    unreachable!()
                };
                let wrong = Request::Edit {
                    rev,
                    base,
                    base_len,
                    start,
                    end,
                    replacement: replacement.clone(),
                    node: node.clone(),
                    mode: None,
                    continues: true,
                    selection: None,
                };
                assert_eq!(
                    decode(&worker_handle(&encode(&wrong))),
                    Some(Response::Resend { rev }),
                    "{base} {base_len} {start} {end}"
                );
            }
            let (r, summary, hash) = analysed(&edit).expect("the edit analysed");
            assert_eq!(r, rev);
            assert_eq!(hash, svcplay::hash::text_hash(text.as_bytes()));
            assert_eq!(
                summary,
                snapshot::summary(&analyze(text, Options::default()))
            );
            // The same text sent whole: the same summary and hash.
            let whole = analysed(&Request::Analyze {
                rev: rev + 100,
                text: text.clone(),
                before: None,
                node: String::new(),
                mode: None,
                continues: false,
                selection: None,
            })
            .expect("the whole text analysed");
            assert_eq!((whole.1, whole.2), (summary, hash));
            // Held again as `rev` for the next edit.
            analysed(&Request::Analyze {
                rev,
                text: text.clone(),
                before: None,
                node: String::new(),
                mode: None,
                continues: false,
                selection: None,
            });
            held = text.clone();
        }
    }

    /// The panel on show comes with the summary, equal to the one a `Panel` request gets.
    #[test]
    fn the_panel_on_show_comes_with_the_summary() {
        for tab in [Tab::Rules, Tab::Objects] {
            let selection = Selection::of(tab);
            let bytes = worker_handle(&encode(&Request::Analyze {
                rev: 5,
                text: svcplay::examples::DEFAULT.to_string(),
                before: None,
                node: String::new(),
                mode: None,
                continues: false,
                selection: Some(selection.clone()),
            }));
            let Some(Response::Summary {
                panel: Some((with, panel)),
                ..
            }) = decode(&bytes)
            else {
                panic!("no panel with the summary");
            };
            assert_eq!(with, selection);
            let asked = decode(&worker_handle(&encode(&Request::Panel {
                rev: 5,
                selection: selection.clone(),
            })));
            assert_eq!(
                asked,
                Some(Response::Panel {
                    rev: 5,
                    selection,
                    panel
                })
            );
        }
    }

    /// A panel carries its texts in the page's language only: after an edit in a large
    /// scenario, the rules panel asked in English, then (the language switched) in Chinese,
    /// then the next edit's in Chinese, each equal to a fresh panel of a full analysis in
    /// that language; and switching the page's language changes what it asks for, so the
    /// panel on show is asked again.
    #[test]
    fn a_language_switched_asks_the_panel_again_in_it() {
        use crate::ui::snapshot::rules_in;
        use crate::ui::state::{Action, State, reduce};
        let dump = svcplay::examples::dump::large_dump(120, 2);
        let at = dump.find("name: svc-00060\n").expect("svc-00060") + "name: svc-00060".len();
        let edited = format!("{}x{}", &dump[..at], &dump[at..]);
        let again = format!("{}xy{}", &dump[..at], &dump[at..]);
        let selection = |lang: Lang| Selection {
            lang,
            ..Selection::of(Tab::Rules)
        };
        let fresh = |text: &str, lang: Lang| {
            let analysis = analyze(text, Options::default());
            let node = analysis.default_node();
            let mut listings = snapshot::Listings::default();
            rules_in(&analysis, &node, lang, None, None, "", None, &mut listings)
        };
        let rules = |response: Option<Response>| match response {
            Some(Response::Summary {
                panel: Some((_, Panel::Rules(rules))),
                ..
            })
            | Some(Response::Panel {
                panel: Panel::Rules(rules),
                ..
            }) => rules,
            other => panic!("no rules panel: {other:?}"),
        };
        let analyse = |rev: u64, text: &str, lang: Lang| {
            decode(&worker_handle(&encode(&Request::Analyze {
                rev,
                text: text.to_string(),
                before: None,
                node: String::new(),
                mode: None,
                continues: true,
                selection: Some(selection(lang)),
            })))
        };
        analyse(70, &dump, Lang::En);
        let english = rules(analyse(71, &edited, Lang::En));
        assert_eq!(english, fresh(&edited, Lang::En));
        let chinese = rules(decode(&worker_handle(&encode(&Request::Panel {
            rev: 71,
            selection: selection(Lang::Zh),
        }))));
        assert_eq!(chinese, fresh(&edited, Lang::Zh));
        assert_eq!(chinese.lang, Lang::Zh);
        assert_eq!(chinese.text, english.text);
        let differ = english
            .sources
            .iter()
            .zip(&chinese.sources)
            .filter(|(e, z)| e.explain != z.explain && e.from != z.from)
            .count();
        assert_eq!(
            differ,
            english.sources.len(),
            "every source's texts in Chinese"
        );
        assert!(differ > 0);
        // The next edit, in Chinese (the sources kept from the English panel made again).
        assert_eq!(
            rules(analyse(72, &again, Lang::Zh)),
            fresh(&again, Lang::Zh)
        );
        // The page asks for what it shows in its language.
        let page = State::new(svcplay::examples::DEFAULT);
        let switched = reduce(&page, Action::SetLang(crate::ui::i18n::Lang::Zh));
        assert_eq!(page.selection().lang, Lang::En);
        assert_eq!(switched.selection().lang, Lang::Zh);
        assert_eq!(
            Selection {
                lang: Lang::En,
                ..switched.selection()
            },
            page.selection()
        );
    }

    /// A text analysed is answered in two steps: told between them that a newer text
    /// waits, the worker answers the summary without the panel on show (which it makes
    /// when asked after all); not told, with it, as `answer` does. An analysis left
    /// pending when the next text comes is answered first, without its panel, and an edit
    /// refused then still says so. The page tells the worker once per analysis.
    #[test]
    fn a_text_typed_over_is_answered_without_its_panel() {
        let dump = svcplay::examples::dump::large_dump(30, 2);
        let selection = Selection::of(Tab::Rules);
        let text = |rev: u64| Request::Analyze {
            rev,
            text: format!("# {rev}\n{dump}"),
            before: None,
            node: String::new(),
            mode: None,
            continues: true,
            selection: Some(selection.clone()),
        };
        let summary_of = |response: Option<Response>| match response {
            Some(Response::Summary {
                rev,
                summary,
                text_hash,
                panel,
                ..
            }) => (rev, summary, text_hash, panel),
            other => panic!("not a summary: {other:?}"),
        };
        // Not told: the panel comes with the summary, as a whole answer gives it.
        let whole_panel = summary_of(answer(text(80))).3;
        assert!(whole_panel.is_some());
        assert_eq!(begin(text(81)), None);
        assert!(pending());
        let (rev, _, hash, panel) = summary_of(finish());
        assert_eq!(rev, 81);
        assert!(panel.is_some());
        assert!(!pending() && finish().is_none());
        // Told: the summary alone, the same as a whole answer's; the panel when asked.
        summary_of(answer(text(80)));
        assert_eq!(begin(text(82)), None);
        assert_eq!(begin(Request::Superseded { rev: 82 }), None);
        let (rev, typed_over, typed_over_hash, none) = summary_of(finish());
        assert_eq!((rev, none), (82, None));
        let full = analyze(&format!("# 82\n{dump}"), Options::default());
        assert_eq!(typed_over, snapshot::summary(&full));
        assert_ne!(typed_over_hash, hash);
        assert_eq!(
            typed_over_hash,
            svcplay::hash::text_hash(format!("# 82\n{dump}").as_bytes())
        );
        assert!(matches!(
            answer(Request::Panel {
                rev: 82,
                selection: selection.clone()
            }),
            Some(Response::Panel { rev: 82, .. })
        ));
        // Told about another revision: the panel is made.
        assert_eq!(begin(text(83)), None);
        assert_eq!(begin(Request::Superseded { rev: 82 }), None);
        assert!(summary_of(finish()).3.is_some());
        // A text while an answer is pending: that answer first, without its panel.
        assert_eq!(begin(text(84)), None);
        let (rev, _, _, panel) = summary_of(begin(text(85)));
        assert_eq!((rev, panel), (84, None));
        let (rev, _, _, panel) = summary_of(finish());
        assert_eq!(rev, 85);
        assert!(panel.is_some());
        // ... and an edit refused then: the pending answer, then the refusal.
        assert_eq!(begin(text(86)), None);
        let refused = Request::Edit {
            rev: 87,
            base: 3,
            base_len: 1,
            start: 0,
            end: 0,
            replacement: "x".into(),
            node: String::new(),
            mode: None,
            continues: true,
            selection: None,
        };
        assert_eq!(summary_of(begin(refused)).0, 86);
        assert_eq!(finish(), Some(Response::Resend { rev: 87 }));
        assert!(!pending());
        // The page's side: told once per analysis, when a text first waits.
        let mut queue: Queue<u8> = Queue::default();
        assert_eq!(queue.offer(1, 1), Some((1, 1)));
        assert_eq!(queue.typed_over(), None);
        assert_eq!(queue.offer(2, 2), None);
        assert_eq!(queue.typed_over(), Some(1));
        assert_eq!(queue.offer(3, 3), None);
        assert_eq!(queue.typed_over(), None);
        assert_eq!(queue.answered(), Some((3, 3)));
        assert_eq!(queue.typed_over(), None);
        assert_eq!(queue.offer(4, 4), None);
        assert_eq!(queue.typed_over(), Some(3));
        assert_eq!(queue.refused(3, 3), (4, 4));
        assert_eq!(queue.offer(5, 5), None);
        assert_eq!(queue.typed_over(), Some(4));
    }

    /// The page's side: a text goes as an edit only of the revision the worker holds, and
    /// an edit refused goes again whole (or the newer text waiting does).
    #[test]
    fn a_text_goes_as_an_edit_only_of_the_revision_held() {
        use crate::ui::state::Splice;
        let before = "kind: Service\nmetadata:\n  name: a\n";
        let after = "kind: Service\nmetadata:\n  name: ab\n";
        let text = Text {
            rev: 8,
            text: std::rc::Rc::from(after),
            before: None,
            node: String::new(),
            mode: None,
            continues: true,
            selection: None,
            edit: Some((7, Splice::between(before, after))),
        };
        match text.request(Some(7)) {
            Request::Edit {
                rev: 8,
                base: 7,
                base_len,
                start,
                end,
                replacement,
                ..
            } => {
                assert_eq!(base_len, before.len());
                assert_eq!(
                    edited(before, start, end, &replacement).as_deref(),
                    Some(after)
                );
            }
            other => panic!("not an edit: {other:?}"),
        }
        for held in [None, Some(6), Some(8)] {
            assert!(
                matches!(text.request(held), Request::Analyze { rev: 8, ref text, .. } if text == after)
            );
        }
        let page_analysed = Text {
            before: Some(before.into()),
            ..text.clone()
        };
        assert!(matches!(
            page_analysed.request(Some(7)),
            Request::Analyze { .. }
        ));
        let mut queue = Queue::default();
        assert_eq!(queue.offer(1, "one"), Some((1, "one")));
        assert_eq!(queue.refused(1, "one"), (1, "one"));
        assert_eq!(queue.offer(2, "two"), None);
        assert_eq!(queue.refused(1, "one"), (2, "two"));
        assert!(queue.busy());
        assert_eq!(queue.answered(), None);
    }
}
