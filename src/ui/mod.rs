//! The page: a Yew app around the core.
//!
//! The app shell ([`App`]) owns the state ([`state::State`], changed only through
//! [`state::reduce`]) and the side effects: the URL and share links, local storage
//! ([`storage`]), the Web Worker, keyboard shortcuts ([`keys`]), messages with an embedding
//! page ([`embed`]: the options of `?embed=1` and the postMessage protocol of
//! `docs/embedding.md`). Components are small, one per file, and only map props to HTML; the data they show
//! comes from [`snapshot`], computed on the main thread for scenarios known to be cheap and
//! in the worker for the rest. Nothing here computes Kubernetes behaviour: that is the
//! core's job.
//!
//! - Start-up ([`start`]): the URL's query, the reader's saved settings, the draft, then a
//!   share link or example from the fragment. On a fresh visit the app takes over from the
//!   default lab pre-rendered in `index.html` ([`prerender`]): what the reader typed there
//!   before this module arrived becomes their edit.
//! - **Replacing the text** ([`history`]): every path that puts a new scenario in the editor
//!   (links, examples, imports, an embedding page's `load`, lessons, recent scenarios)
//!   dispatches `Action::Replace`; the text it replaces is kept in the history of recent
//!   scenarios first, or the user is asked. Nothing the user typed is lost without their
//!   say-so.
//! - Limits ([`limits`]): the one scenario size limit, and the cost budget that decides
//!   what the main thread may analyse.
//! - **Typing** (issue 19: keystroke to painted frame within a frame): the editor's
//!   textarea holds a window of 300 lines of a text over 500 lines ([`editor::windowed`]),
//!   with the editor's own undo and Ctrl+A standing for the whole text; a typed text
//!   analysed here is analysed right after the frame that paints the keystroke
//!   ([`state::State::deferred`], `Action::AnalyseTyped`), the views marked busy
//!   meanwhile; the rules' lines are drawn again only when they changed
//!   ([`rules::RuleLines`]). [`dom::timed`] names where a keystroke's time goes for the
//!   end-to-end timing report, in the page and in the worker.
//! - **Large scenarios** (issue 19: an edit in a 5,000-Service dump): panels carry what the
//!   views show, not what the scenario holds. The rules view's filters travel in the
//!   [`snapshot::Selection`] and run where the listing is; its panel holds the lines shown
//!   (at most [`rules::MAX_LINES`], numbered as in the listing) and only their sources
//!   ([`snapshot::rules_shown`]), and its Copy and Download ask for the whole listing
//!   ([`snapshot::listing_text`], `Request::Listing` with the revision on show: the worker
//!   answers nothing once it holds another, and the page says so). The worker keeps a
//!   revision's last listing ([`snapshot::Listings`]), so a filter typed does not make it
//!   again, and the objects parsed for its sources across revisions, keyed by their
//!   documents' text ([`provenance::Trees`]: after a keystroke only the edited document is
//!   parsed again, the least recently used dropped beyond a bound), and the sources made,
//!   by their provenance (kept in the listing's chunks for the Services an edit did not
//!   touch) and the documents they were read from: only the edited Service's are made
//!   again; and answers
//!   a panel only after a newer text and only the newest panel asked ([`worker::worker_defers`]).
//!   The Objects view's rows are made for the objects listed only ([`snapshot::objects_upto`]).
//!   A keystroke sends the worker its edit, not the text (`Request::Edit`, composed from
//!   the edits typed since the revision the worker holds: [`state::State::splices`]),
//!   with the view on show, which comes back with the summary in one answer
//!   ([`worker`]); the editor finds the edit, the lines in view, their count and their
//!   underlines in the window its textarea holds, so a keystroke's page work does not
//!   grow with the text (beyond splicing it into the page's copy).
//! - Dialogs ([`dialog`]): focus moves in, stays in, and goes back.
//! - Lessons ([`lesson`]): the lesson list with progress, the lesson pane beside the
//!   editor and the views (checks after every change, hints, solution, reset), the
//!   presenter mode with the QR code of the step's link ([`svcplay::qr`]).
//! - Seeing why: every line of the kube-proxy view links both ways to the YAML it comes
//!   from, with what it does in words ([`provenance`]); what each edit changed downstream,
//!   in a line above every view and in full ([`changes`]); the proxy modes side by side
//!   ([`compare`]); which Kubernetes is modelled ([`versions`]).

pub mod changes;
pub mod checknode;
pub mod compare;
pub mod diagram;
pub mod dialog;
pub mod dns;
pub mod dom;
pub mod editor;
pub mod embed;
pub mod endpoints;
pub mod gallery;
pub mod help;
pub mod highlight;
pub mod history;
pub mod i18n;
pub mod keys;
pub mod lab;
pub mod lesson;
pub mod limits;
pub mod nodes;
pub mod objects;
pub mod output;
pub mod prerender;
pub mod problems;
pub mod provenance;
pub mod recent;
pub mod rules;
pub mod selectors;
pub mod share;
pub mod snapshot;
pub mod start;
pub mod state;
pub mod storage;
pub mod terminal;
pub mod traffic;
pub mod versions;
pub mod watch;
pub mod wire;
pub mod worker;

use history::{Incoming, Source};
use i18n::{Lang, Msg};
use lesson::LessonAction;
pub use limits::LARGE_TEXT;
use limits::MAX_SCENARIO_BYTES;
use snapshot::{Panel, Tab};
use state::{Action, Notice, Overlay, Prefs, State, Theme, WorkerStatus, reduce};
use std::cell::Cell;
use std::rc::Rc;
use svcplay::scenario::Analysis;
use wasm_bindgen::JsCast;
use wire::{Request, Response};
use yew::prelude::*;

/// How long after an edit's summary the worker is asked what it changed, if no keystroke
/// came meanwhile: once the user paused (a keystroke's text reaches an idle worker at once,
/// and would wait for "what changed" to finish).
const CHANGES_AFTER_MS: u32 = 400;

/// Yew's reducer hook around the plain [`reduce`] function, with what only the shell can
/// do around it: measuring what an analysis on the main thread cost, and marking in local
/// storage while an analysis runs, so that a freeze or crash leaves a trace the next start
/// finds (the safe start).
#[derive(Clone, Debug)]
pub struct Store(State);

/// Whether an action can start an analysis.
fn analyses(action: &Action) -> bool {
    matches!(
        action,
        Action::SetText(_)
            | Action::Typed { .. }
            | Action::Replace(_)
            | Action::ConfirmReplace
            | Action::Restore(_)
            | Action::OpenDraft { .. }
            | Action::Resume
            | Action::Act(_)
            | Action::WorkerSummary(..)
            | Action::WorkerAnalysed { .. }
            | Action::WorkerReady(_)
            | Action::AnalyseTyped(_)
    )
}

impl Reducible for Store {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let _timed = dom::timed("reduce");
        let marks = cfg!(target_arch = "wasm32") && analyses(&action) && !self.0.embed.enabled;
        // A typed text is never analysed in its own reduce: it waits for the keystroke's
        // frame (`AnalyseTyped` marks the analysis then) or goes to the worker. So it is
        // marked after the reduce, and only when the worker has it, which spares the
        // keystroke a storage write.
        let typed = matches!(action, Action::SetText(_) | Action::Typed { .. });
        if marks && !typed {
            storage::mark_analysing(true);
        }
        let typing = matches!(
            action,
            Action::SetText(_) | Action::Typed { .. } | Action::AnalyseTyped(_)
        );
        let start = dom::now_ms();
        let mut next = reduce(&self.0, action);
        if marks && typed && next.uses_worker() {
            storage::mark_analysing(true);
        }
        let analysed = match (&next.analysis, &self.0.analysis) {
            (Some(a), Some(b)) => !Rc::ptr_eq(a, b),
            (Some(_), None) => true,
            _ => false,
        };
        if analysed && cfg!(target_arch = "wasm32") {
            let ms = dom::now_ms() - start;
            next.cost_ms = Some(ms);
            // For the end-to-end test's timing report (PRODUCT.md: ≤ 4 ms in wasm for a
            // 10-Service scenario).
            if typing {
                dom::set_root_attribute("data-recompute-ms", &format!("{ms:.2}"));
            }
        }
        if marks && (!next.computing() || next.paused) {
            storage::mark_analysing(false);
        }
        // Where the text's analysis went and what the last one cost, for the end-to-end
        // tests and anyone looking at the page with developer tools.
        if next.rev != self.0.rev && cfg!(target_arch = "wasm32") {
            let place = if next.paused {
                "paused"
            } else if analysed || next.deferred {
                "main"
            } else {
                "worker"
            };
            dom::set_root_attribute("data-analysis", place);
        }
        if next.cost_ms != self.0.cost_ms && cfg!(target_arch = "wasm32") {
            let cost = next
                .cost_ms
                .map_or_else(String::new, |ms| format!("{ms:.1}"));
            dom::set_root_attribute("data-analysis-ms", &cost);
        }
        Rc::new(Store(next))
    }
}

/// A callback that dispatches the action made from its argument.
fn on<T: 'static>(
    dispatch: &UseReducerDispatcher<Store>,
    f: impl Fn(T) -> Action + 'static,
) -> Callback<T> {
    let dispatch = dispatch.clone();
    Callback::from(move |v| dispatch.dispatch(f(v)))
}

/// An analysis compared by identity (it is recomputed, never mutated).
#[derive(Clone)]
struct Same(Rc<Analysis>);

impl PartialEq for Same {
    fn eq(&self, other: &Same) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

/// A summary compared by identity (a new one is a new analysis or answer).
struct SameSummary(Rc<snapshot::Summary>);

impl PartialEq for SameSummary {
    fn eq(&self, other: &SameSummary) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

/// The App's callbacks that depend on nothing but the dispatcher and the latest state,
/// made once (see their use in [`App`]).
struct Stable {
    text: Callback<editor::Typed>,
    reveal: Callback<svcplay::diag::Span>,
    cursor: Callback<(u32, u32)>,
    tab_mode: Callback<bool>,
    split: Callback<u8>,
    open_changes: Callback<()>,
    wrap: Callback<bool>,
    node: Callback<String>,
    mode: Callback<Option<svcplay::proxy::config::ProxyMode>>,
    rules_view: Callback<snapshot::RulesView>,
    filter: Callback<String>,
    clear_object: Callback<()>,
    highlight: Callback<Vec<svcplay::diag::Span>>,
    act: Callback<snapshot::UiAction>,
    rules_of: Callback<usize>,
    close_lab: Callback<()>,
}

impl Stable {
    fn new(
        dispatch: &UseReducerDispatcher<Store>,
        latest: &Rc<std::cell::RefCell<State>>,
    ) -> Stable {
        // A preference changed from the one in the latest state (the reader's others kept).
        let prefs = |change: fn(Prefs, bool) -> Prefs| {
            let dispatch = dispatch.clone();
            let latest = latest.clone();
            Callback::from(move |on: bool| {
                let s = latest.borrow().clone();
                choose_prefs(&dispatch, &s, change(s.prefs, on));
            })
        };
        let split = {
            let dispatch = dispatch.clone();
            let latest = latest.clone();
            Callback::from(move |split: u8| {
                let s = latest.borrow().clone();
                choose_prefs(&dispatch, &s, Prefs { split, ..s.prefs });
            })
        };
        Stable {
            text: on(dispatch, |t: editor::Typed| Action::Typed {
                before: t.before,
                text: t.text,
                splice: t.splice,
            }),
            reveal: on(dispatch, Action::Reveal),
            cursor: on(dispatch, |(line, column)| Action::Cursor(line, column)),
            tab_mode: prefs(|p, tab_moves_focus| Prefs {
                tab_moves_focus,
                ..p
            }),
            split,
            open_changes: on(dispatch, |_| Action::SelectTab(Tab::Changes)),
            wrap: prefs(|p, wrap| Prefs { wrap, ..p }),
            node: on(dispatch, Action::SelectNode),
            mode: on(dispatch, Action::SelectMode),
            rules_view: on(dispatch, Action::SelectRulesView),
            filter: on(dispatch, Action::FilterRules),
            clear_object: on(dispatch, |_| Action::ShowRulesOf(None)),
            highlight: on(dispatch, Action::Highlight),
            act: on(dispatch, Action::Act),
            rules_of: on(dispatch, |o: usize| Action::ShowRulesOf(Some(o))),
            close_lab: on(dispatch, |_| Action::CloseLab),
        }
    }
}

/// The panel on show compared by identity (a new one is a new computation or answer).
struct SamePanel(Option<Rc<Panel>>);

impl PartialEq for SamePanel {
    fn eq(&self, other: &SamePanel) -> bool {
        match (&self.0, &other.0) {
            (Some(a), Some(b)) => Rc::ptr_eq(a, b),
            (None, None) => true,
            _ => false,
        }
    }
}

fn tab_label(tab: Tab) -> Msg {
    match tab {
        Tab::Rules => Msg::TabRules,
        Tab::Nodes => Msg::TabNodes,
        Tab::Check => Msg::TabCheck,
        Tab::Objects => Msg::TabObjects,
        Tab::Selectors => Msg::TabSelectors,
        Tab::Endpoints => Msg::TabEndpoints,
        Tab::Dns => Msg::TabDns,
        Tab::Traffic => Msg::TabTraffic,
        Tab::Diagram => Msg::TabDiagram,
        Tab::Terminal => Msg::TabTerminal,
        Tab::Changes => Msg::TabChanges,
        Tab::Compare => Msg::TabCompare,
        Tab::Versions => Msg::TabVersions,
    }
}

/// The reader chose a language: shown, and kept for their next visits (not by an embed,
/// which shares this browser's storage with the main site).
pub fn choose_lang(dispatch: &UseReducerDispatcher<Store>, state: &State, lang: Lang) {
    if !state.embed.enabled {
        storage::save_lang(lang);
    }
    dispatch.dispatch(Action::SetLang(lang));
}

/// The reader chose a theme (kept as [`choose_lang`] keeps a language).
pub fn choose_theme(dispatch: &UseReducerDispatcher<Store>, state: &State, theme: Theme) {
    if !state.embed.enabled {
        storage::save_theme(theme);
    }
    dispatch.dispatch(Action::SetTheme(theme));
}

/// The reader changed a preference (kept as [`choose_lang`] keeps a language).
pub fn choose_prefs(dispatch: &UseReducerDispatcher<Store>, state: &State, prefs: Prefs) {
    if !state.embed.enabled {
        storage::save_prefs(&prefs);
    }
    dispatch.dispatch(Action::SetPrefs(prefs));
}

/// What a share link of the current state carries: the text, the view, the mode, the node
/// and the output — never the language or the theme.
fn shared_of(state: &State) -> share::Shared {
    share::Shared {
        settings: share::Settings {
            lang: None,
            theme: None,
            tab: Some(state.tab),
            mode: state.mode,
            node: state.node.clone(),
            rules_view: state.rules_view,
        },
        text: state.text.to_string(),
    }
}

/// The query string the address bar keeps: the view (so a reload keeps it) and, in an
/// embed, the embedding options its page set. Never the language or the theme: an address
/// copied from the bar must not impose them on its reader.
fn query_of(state: &State) -> String {
    let mut pairs = Vec::new();
    if state.embed.enabled {
        pairs.extend(state.embed.query());
        pairs.push(format!("lang={}", state.lang.code()));
        pairs.push(format!("theme={}", state.theme.id()));
        if let Some(m) = state.mode {
            pairs.push(format!("mode={}", m.as_str()));
        }
    }
    pairs.push(format!("view={}", state.tab.id()));
    pairs.join("&")
}

/// A share link of the state: `page#s1.…`, no query (the reader keeps their language and
/// theme).
async fn link_of(state: &State) -> Option<(String, String)> {
    let data = dom::deflate(&share::payload(&shared_of(state))).await?;
    let fragment = share::fragment(&data);
    Some((format!("{}#{}", dom::page_url(), fragment), fragment))
}

/// Makes a share link of the state, puts it in the address bar (until the next edit) and
/// on the clipboard.
pub fn share_link(state: State, dispatch: UseReducerDispatcher<Store>) {
    yew::platform::spawn_local(async move {
        let Some((url, fragment)) = link_of(&state).await else {
            dispatch.dispatch(Action::Notify(Some(Notice::Msg(Msg::ShareFailed))));
            return;
        };
        dom::replace_url(&query_of(&state), &fragment);
        let copied = dom::copy_text(&url).await;
        let notice = if url.len() > share::LONG_LINK {
            Notice::Text(Msg::ShareLong, url.len().to_string())
        } else if copied {
            Notice::Msg(Msg::ShareCopied)
        } else {
            Notice::Msg(Msg::ShareInAddressBar)
        };
        dispatch.dispatch(Action::Notify(Some(notice)));
    });
}

/// Saves the text as this browser's draft, with the cost of its analysis when known;
/// `false` when it is over the size limit or the browser refused.
fn save_draft(s: &State) -> bool {
    let cost = s.cost_ms.filter(|_| !s.computing() && !s.paused);
    s.text.len() <= MAX_SCENARIO_BYTES && storage::save_draft(&s.text, cost)
}

/// Starts the Web Worker at once: texts from outside are analysed there first.
fn start_worker(dispatch: &UseReducerDispatcher<Store>) -> Option<worker::Worker> {
    let on_response = {
        let dispatch = dispatch.clone();
        move |r: Response| match r {
            Response::Summary {
                rev,
                summary,
                panel,
                panel_ms,
                ..
            } => {
                let (sent, at) = worker::analysis_sent();
                // The analysis' round trip, without the panel that came with it.
                let ms = if sent == rev {
                    dom::now_ms() - at - panel_ms
                } else {
                    f64::INFINITY
                };
                dispatch.dispatch(Action::WorkerAnalysed {
                    rev,
                    summary,
                    ms,
                    panel,
                })
            }
            Response::Panel {
                rev,
                selection,
                panel,
            } => dispatch.dispatch(Action::WorkerPanel(rev, selection, panel)),
            Response::Simulated { id, answer } => dispatch.dispatch(Action::Simulated(id, answer)),
            Response::Changes { rev, changes } => {
                dispatch.dispatch(Action::WorkerChanges(rev, changes))
            }
            Response::Output { index, output } => {
                dispatch.dispatch(Action::TerminalOutput(index, output))
            }
            // Taken by what asked for it (`Worker::listing`); a refused edit is sent again
            // whole by the worker's handle itself.
            Response::Listing { .. } | Response::Resend { .. } => {}
        }
    };
    let on_ready = {
        let dispatch = dispatch.clone();
        move |up: bool| dispatch.dispatch(Action::WorkerReady(up))
    };
    let worker = worker::Worker::start(on_response, on_ready);
    dispatch.dispatch(if worker.is_some() {
        Action::WorkerStarting
    } else {
        Action::WorkerReady(false)
    });
    worker
}

/// The views while the analysis is paused (safe start).
fn paused_view(lang: Lang, dispatch: &UseReducerDispatcher<Store>) -> Html {
    let t = |m: Msg| m.text(lang);
    html! {
        <section class="panel paused" aria-labelledby="paused-title">
            <h2 id="paused-title">{ t(Msg::PausedTitle) }</h2>
            <p>{ t(Msg::PausedExplain) }</p>
            <button id="resume-button" class="primary" onclick={on(dispatch, |_| Action::Resume)}>{ t(Msg::Resume) }</button>
        </section>
    }
}

#[function_component]
pub fn App() -> Html {
    let _timed = dom::timed("view:App");
    let store = use_reducer(|| {
        let start = dom::now_ms();
        let mut state = State::new(svcplay::examples::DEFAULT);
        if cfg!(target_arch = "wasm32") {
            state.cost_ms = Some(dom::now_ms() - start);
        }
        Store(state)
    });
    let state = &store.0;
    let dispatch = store.dispatcher();
    // The latest state, for handlers installed once (keyboard, worker).
    let latest = use_mut_ref(|| state.clone());
    *latest.borrow_mut() = state.clone();
    let worker = use_mut_ref(|| None::<worker::Worker>);
    let worker_rev = use_mut_ref(|| Rc::new(Cell::new(0u64)));
    let last_panel = use_mut_ref(|| None::<Rc<Panel>>);
    // The revision of the text last saved as the draft (0: none yet).
    let saved_rev = use_mut_ref(|| Rc::new(Cell::new(0u64)));
    // Whether the start (URL, storage, the first visit's lab) has been dispatched.
    let started = use_mut_ref(|| false);
    let lang = state.lang;
    let t = |m: Msg| m.text(lang);

    // Start: the worker first (texts from outside go to it), then the URL and storage, the
    // keyboard shortcuts, the service worker and (when embedded) the parent page.
    {
        let dispatch = dispatch.clone();
        let latest = latest.clone();
        let worker = worker.clone();
        let saved_rev = saved_rev.clone();
        let started = started.clone();
        use_effect_with((), move |_| {
            *worker.borrow_mut() = start_worker(&dispatch);
            start::run(&dispatch);
            *started.borrow_mut() = true;
            let embedded = start::read_query(&dom::location().0).embed.enabled;
            if !embedded {
                let latest = latest.clone();
                start::listen_to_fragment_changes(dispatch.clone(), move || latest.borrow().lang);
            }
            keys::install(dispatch.clone(), latest.clone());
            // An embed is not a visit to the playground: no offline copy for it.
            if !embedded {
                dom::register_service_worker();
            }
            // A page closed or hidden normally was not frozen by an analysis (no safe start
            // for it), and saves an edit made in the last moment before it went.
            {
                let latest = latest.clone();
                let saved = saved_rev.borrow().clone();
                dom::on_page_hide(move || {
                    storage::mark_analysing(false);
                    let s = latest.borrow();
                    if !s.embed.enabled && s.rev > 0 && saved.get() != s.rev && save_draft(&s) {
                        saved.set(s.rev);
                    }
                });
            }
            // The static first paint of index.html gives way to the app.
            if let Some(boot) = dom::document().and_then(|d| d.get_element_by_id("boot")) {
                boot.remove();
            }
        });
    }

    // The pre-rendered lab gives way to the app (src/ui/prerender.rs) after the first render
    // that shows what the start dispatched: a render begun once `started` was set. Effects
    // run children first, so the editor has its text and scroll position by then.
    {
        let after_start = *started.borrow();
        use_effect_with(after_start, |after_start| {
            if *after_start {
                prerender::live();
            }
        });
    }

    // The embedding page's protocol, when framed (src/ui/embed.rs).
    embed::use_embed(state, &dispatch);

    // Language, theme and text size: on the document and in the URL (saved only when the
    // reader chooses them: `choose_lang`, `choose_theme`, `choose_prefs`).
    {
        let query = query_of(state);
        let size = state.prefs.text_size;
        use_effect_with(
            (lang, state.theme, size, query),
            move |(lang, theme, size, query)| {
                dom::set_root_attribute("lang", lang.code());
                dom::set_root_attribute("data-theme", theme.id());
                dom::set_root_attribute("style", &format!("--scale:{}", f64::from(*size) / 100.0));
                let (_, fragment) = dom::location();
                dom::replace_url(query, &fragment);
            },
        );
    }

    // The recent scenarios: saved as soon as a replacement changes them, before the new
    // text's analysis (which runs in the worker) can do any harm.
    {
        let latest = latest.clone();
        let dispatch = dispatch.clone();
        use_effect_with(state.history_rev, move |rev| {
            let s = latest.borrow().clone();
            if *rev > 0 && !s.embed.enabled && !storage::save_history(&s.history) {
                dispatch.dispatch(Action::Notify(Some(Notice::Msg(Msg::SaveFailed))));
            }
        });
    }

    // The text: saved locally a moment after each edit (a failure is reported); a share
    // link in the address bar no longer describes it and leaves. (An embedding page hears
    // about it through `embed::use_embed`.)
    {
        let latest = latest.clone();
        let dispatch = dispatch.clone();
        let saved = saved_rev.borrow().clone();
        let rev = state.rev;
        use_effect_with(rev, move |rev| {
            let rev = *rev;
            if rev > 0 {
                let (query, fragment) = dom::location();
                if fragment.starts_with('s') && share::split_fragment(&fragment).is_some() {
                    dom::replace_url(&query, "");
                }
                dom::after(400, move || {
                    let s = latest.borrow().clone();
                    if s.rev != rev {
                        return;
                    }
                    if s.embed.enabled {
                        return;
                    }
                    if save_draft(&s) {
                        saved.set(rev);
                    } else {
                        dispatch.dispatch(Action::Notify(Some(Notice::Msg(Msg::SaveFailed))));
                    }
                });
            }
        });
    }

    // Large scenarios: send the text to the worker at once. While the worker analyses a
    // text, only the newest one waits and goes when it answers (`worker::Queue`): this is
    // what keeps a fast typist from queueing an analysis per keystroke (once done by
    // waiting 120 ms for typing to pause, which every keystroke paid).
    {
        let worker = worker.clone();
        let latest = latest.clone();
        let sent = worker_rev.borrow().clone();
        let waiting = state.analysis.is_none() && !state.paused && !state.deferred;
        let up = state.worker == WorkerStatus::Up;
        use_effect_with((state.rev, waiting, up), move |(rev, waiting, up)| {
            if *waiting && *up {
                let rev = *rev;
                let s = latest.borrow();
                if s.rev != rev || sent.get() == rev {
                    return;
                }
                if let Some(w) = worker.borrow().as_ref() {
                    // The worker holds the analysis of the last text it was sent (none
                    // before the first), or will: the page's analysis is of that text or
                    // an earlier one (an answer about a text typed over is not taken).
                    // A text analysed since, here, goes along for the worker to say what
                    // changed.
                    let holds = sent.get() > 0 && s.analysed.0 <= sent.get();
                    let before = (!holds && s.analysed.0 != rev).then(|| s.analysed.1.to_string());
                    sent.set(rev);
                    // Typed into the text the worker holds: only the edit crosses.
                    let edit = w.held().and_then(|held| Some((held, s.edit_since(held)?)));
                    w.analyse(worker::Text {
                        rev,
                        text: s.text.clone(),
                        before,
                        // What changed is said of what the user is viewing.
                        node: s.node(),
                        mode: s.mode,
                        continues: w.continues(s.edit_rev == rev),
                        // ... and the view on show comes with the summary.
                        selection: Some(s.selection()),
                        edit,
                    });
                }
            }
        });
    }
    // A typed text analysed here: once the frame that paints the keystroke has gone, so
    // that typing shows at once and the views follow in the next frame.
    {
        let dispatch = dispatch.clone();
        use_effect_with((state.rev, state.deferred), move |(rev, deferred)| {
            if *deferred {
                let rev = *rev;
                let after = wasm_bindgen::closure::Closure::once_into_js(move || {
                    dispatch.dispatch(Action::AnalyseTyped(rev))
                });
                dom::after_paint(after.unchecked_ref());
            }
        });
    }
    // ... and ask it for the panel on show.
    {
        let worker = worker.clone();
        let selection = state.selection();
        let needed = state.analysis.is_none()
            && !state.computing()
            && state
                .worker_panel
                .as_ref()
                .is_none_or(|(r, s, _)| *r != state.rev || *s != selection);
        use_effect_with(
            (state.summary_rev, selection, needed),
            move |(rev, selection, needed)| {
                if *needed {
                    if let Some(w) = worker.borrow().as_ref() {
                        w.send(&Request::Panel {
                            rev: *rev,
                            selection: selection.clone(),
                        });
                    }
                }
            },
        );
    }
    // ... and, after the panel, what the edit changed, once typing has paused: on a large
    // node it lists the rules of the sync after the edit, which the worker must not be busy
    // with when the next keystroke's text arrives (the visible views come first).
    {
        // Asked of the revisions sent to the worker only (a text it found cheap is analysed
        // here too afterwards: the changes still come from the worker).
        let worker = worker.clone();
        let latest = latest.clone();
        let sent = worker_rev.borrow().clone();
        let needed = !state.computing()
            && state.summary_rev == state.rev
            && state.edit_rev == state.rev
            && sent.get() == state.rev;
        use_effect_with((state.summary_rev, needed), move |(rev, needed)| {
            if *needed {
                let rev = *rev;
                dom::after(CHANGES_AFTER_MS, move || {
                    let s = latest.borrow();
                    let still = s.rev == rev && s.summary_rev == rev && sent.get() == rev;
                    if let (true, Some(w)) = (still, worker.borrow().as_ref()) {
                        w.send(&Request::Changes { rev });
                    }
                });
            }
        });
    }
    // ... and terminal commands of a scenario the worker holds (its views answer).
    {
        let worker = worker.clone();
        let waiting: Vec<(usize, String)> = state
            .terminal
            .iter()
            .enumerate()
            .filter(|(_, e)| e.running && e.output.is_empty() && state.looping.is_none())
            .map(|(i, e)| (i, e.command.clone()))
            .collect();
        // Only once the worker holds the text on show (else the page answers them itself
        // when its analysis arrives: `state::answer_waiting`).
        let worker_has_it = state.analysis.is_none() && !state.computing() && !state.paused;
        use_effect_with(
            (waiting, worker_has_it, state.summary_rev),
            move |(waiting, worker_has_it, _)| {
                if !*worker_has_it {
                    return;
                }
                if let Some(w) = worker.borrow().as_ref() {
                    for (index, line) in waiting {
                        w.send(&Request::Run {
                            index: *index,
                            line: line.clone(),
                        });
                    }
                }
            },
        );
    }

    // A running loop: its next iteration after a moment (longer when it slept), so that
    // the page shows each one as it comes and never freezes; Ctrl+C stops it.
    {
        let dispatch = dispatch.clone();
        let step = state
            .looping
            .as_ref()
            .map(|p| (p.iterations, p.slept, state.terminal.len()));
        use_effect_with(step, move |step| {
            if let Some((_, slept, _)) = step {
                let delay = (150 + 150 * (*slept).clamp(0, 5)) as u32;
                let dispatch = dispatch.clone();
                dom::after(delay, move || dispatch.dispatch(Action::TerminalTick));
            }
        });
    }
    // The terminal's command history, kept per scenario in local storage.
    {
        let dispatch = dispatch.clone();
        let embedded = state.embed.enabled;
        use_effect_with(state.commands_key.clone(), move |key| {
            if !embedded {
                dispatch.dispatch(Action::SetCommands(storage::load_commands(key)));
            }
        });
    }
    {
        let key = state.commands_key.clone();
        let commands = state.commands.clone();
        let embedded = state.embed.enabled;
        use_effect_with((key, commands), move |(key, commands)| {
            if !commands.is_empty() && !embedded {
                storage::save_commands(key, commands);
            }
        });
    }
    // ... and the traffic panel's simulation, once it has analysed its revision.
    {
        let worker = worker.clone();
        let pending = state
            .simulation
            .as_ref()
            .filter(|s| s.answer.is_none() && s.rev == state.summary_rev)
            .map(|s| (s.rev, s.id, s.request.clone()));
        use_effect_with(pending, move |pending| {
            if let (Some((rev, id, request)), Some(w)) = (pending, worker.borrow().as_ref()) {
                w.send(&Request::Simulate {
                    rev: *rev,
                    id: *id,
                    request: request.clone(),
                });
            }
        });
    }

    // The lesson's progress, saved when a step is passed.
    {
        let latest = latest.clone();
        use_effect_with(state.progress_rev, move |rev| {
            let s = latest.borrow();
            if *rev > 0 && !s.embed.enabled {
                storage::save_progress(&s.progress);
            }
        });
    }
    // The link to the lesson step on show (the presenter's QR code): a lesson file's
    // Markdown is deflated into it first, as share links carry scenarios.
    {
        let dispatch = dispatch.clone();
        let latest = latest.clone();
        let key = state
            .course
            .as_ref()
            .map(|c| (c.lesson.id.clone(), c.step, c.origin.clone()));
        use_effect_with(key, move |key| {
            let course = latest.borrow().course.clone();
            if key.is_none() {
                return;
            }
            yew::platform::spawn_local(async move {
                let Some(course) = course else {
                    return;
                };
                let data = match &course.origin {
                    lesson::Origin::File(markdown) => dom::deflate(markdown).await,
                    _ => None,
                };
                if let Some(fragment) = course.fragment(data.as_deref()) {
                    let link = format!("{}#{}", dom::page_url(), fragment);
                    dispatch.dispatch(Action::Lesson(LessonAction::SetLink(link)));
                }
            });
        });
    }

    // The panel on show: computed here, or the worker's answer.
    let selection = state.selection();
    let local = state.analysis.clone().map(Same);
    // The last rules listing made here, kept with its analysis: a filter typed does not
    // make it again (and the objects parsed for it serve the next analysis too).
    let listings = use_mut_ref(|| None::<(Rc<Analysis>, snapshot::Listings)>);
    let computed = use_memo((local, selection.clone()), move |(analysis, selection)| {
        let _timed = dom::timed("panel");
        if analysis.is_none() {
            // The worker has the text (or none is analysed): nothing kept here.
            *listings.borrow_mut() = None;
        }
        analysis.as_ref().map(|a| {
            let mut kept = listings.borrow_mut();
            if kept.as_ref().is_none_or(|(b, _)| !Rc::ptr_eq(b, &a.0)) {
                // A new analysis: only the objects parsed stay good.
                let listings = kept.take().map(|(_, l)| l.next_analysis());
                *kept = Some((a.0.clone(), listings.unwrap_or_default()));
            }
            let (_, listings) = kept.as_mut().expect("kept above");
            Rc::new(snapshot::panel_with(&a.0, selection, listings))
        })
    });
    let panel: Option<Rc<Panel>> = (*computed).clone().or_else(|| {
        state
            .worker_panel
            .as_ref()
            .filter(|(r, s, _)| *r == state.rev && *s == selection)
            .map(|(_, _, p)| p.clone())
    });
    // Paused, the view says so itself: nothing on show is out of date. Views of an older
    // text are aria-busy; they dim only while the worker computes: a typed text's views
    // follow a frame later, and dimming them for that frame would make every keystroke
    // flicker (and repaint the whole panel twice).
    let stale = panel.is_none() && !state.paused;
    let dim = stale && !state.deferred;
    let dims = dim || state.uses_worker();
    let panel = match panel {
        Some(p) => {
            *last_panel.borrow_mut() = Some(p.clone());
            Some(p)
        }
        None => last_panel.borrow().clone(),
    };

    // The rules panel for the rules view, made once per panel: the view and its readout
    // compare their props at every render of the page (each keystroke), and the same `Rc`
    // is equal at once where a fresh copy would be cloned and compared line by line. A new
    // panel that reads as the last one (an edit that moved no rule on show, as most keys
    // in a dump) keeps the last one's `Rc`: compared once here, not cloned, and the view
    // is not drawn again.
    let kept_rules = use_mut_ref(|| None::<Rc<snapshot::RulesPanel>>);
    let rules_panel = use_memo(SamePanel(panel.clone()), move |p| {
        let mut kept = kept_rules.borrow_mut();
        let Some(Panel::Rules(r)) = p.0.as_deref() else {
            *kept = None;
            return None;
        };
        let _timed = dom::timed("rules panel kept or copied");
        let same = kept.as_ref().filter(|k| ***k == *r).cloned();
        let shown = same.unwrap_or_else(|| Rc::new(r.clone()));
        *kept = Some(shown.clone());
        Some(shown)
    });
    // The callbacks of the views shown at each keystroke (the editor, the problems, the
    // rules), made once: a view whose props are all equal is not drawn again, and a
    // callback made anew at each render is never equal to the last.
    let stable = {
        let dispatch = dispatch.clone();
        let latest = latest.clone();
        use_memo((), move |_| Stable::new(&dispatch, &latest))
    };
    // The whole listing the rules view shows a window of (its Copy and Download): made here
    // from the page's analysis, or asked of the worker that holds it.
    let on_whole = {
        let worker = worker.clone();
        let latest = latest.clone();
        use_memo((), move |_| {
            Callback::from(move |then: Callback<Option<String>>| {
                let s = latest.borrow();
                match (&s.analysis, &s.worker_panel, worker.borrow().as_ref()) {
                    (Some(analysis), _, _) => then.emit(Some(snapshot::listing_text(
                        analysis,
                        &s.selection(),
                        &mut snapshot::Listings::default(),
                    ))),
                    // The listing of the panel on show: its revision and selection.
                    (None, Some((rev, selection, _)), Some(w)) => {
                        w.listing(*rev, selection.clone(), then)
                    }
                    _ => then.emit(None),
                }
            })
        })
    };
    let on_text = stable.text.clone();
    let on_reveal = stable.reveal.clone();
    let on_rules = stable.rules_of.clone();
    let node = state.node();
    // The diagnostics, and those the editor underlines: what stands on its own, not hints
    // that may only follow from a syntax error (the problems list folds those). Made once
    // per summary, so that the editor and the problems list compare them by pointer.
    let (diagnostics, marked) = (*use_memo(SameSummary(state.summary.clone()), |s| {
        let diagnostics = Rc::new(s.0.diagnostics.clone());
        let (own, _, _) = problems::follow_ons(&diagnostics);
        let marked = Rc::new(own.into_iter().cloned().collect::<Vec<_>>());
        (diagnostics, marked)
    }))
    .clone();

    let panel_html = match (state.tab, panel.as_deref()) {
        (Tab::Terminal, _) if state.paused => paused_view(lang, &dispatch),
        (_, _) if state.paused => paused_view(lang, &dispatch),
        (Tab::Terminal, _) => {
            let complete = {
                let analysis = state.analysis.clone();
                let shell = state.shell.clone();
                Callback::from(move |line: String| match &analysis {
                    Some(a) => svcplay::shell::complete(a, &shell, &line),
                    None => Vec::new(),
                })
            };
            html! {
                <terminal::Terminal entries={state.terminal.clone()} prompt={state::prompt(state)}
                    node={state::shell_node(state)}
                    history={state.commands.clone()} running={state.looping.is_some()}
                    editing={state.editing.clone()} lang={lang}
                    on_run={on(&dispatch, Action::RunCommand)}
                    on_interrupt={on(&dispatch, Action::TerminalInterrupt)}
                    on_clear={on(&dispatch, |_: ()| Action::TerminalClear)}
                    on_edit_done={on(&dispatch, Action::TerminalEditorDone)}
                    complete={complete} />
            }
        }
        (Tab::Changes, _) => {
            html! { <changes::Changes changes={state.changes.clone()} lang={lang} /> }
        }
        (Tab::Versions, _) => html! { <versions::Versions lang={lang} /> },
        (_, Some(Panel::Compare(c))) => html! {
            <compare::Compare comparison={Rc::new(c.clone())} lang={lang}
                modes={if state.compare_modes.is_empty() { svcplay::compare::DEFAULT_MODES.to_vec() } else { state.compare_modes.clone() }}
                on_target={on(&dispatch, Action::SelectTarget)}
                on_modes={on(&dispatch, Action::SelectCompareModes)} />
        },
        (_, Some(Panel::Rules(p))) => {
            let rules_panel = (*rules_panel).clone().unwrap_or_else(|| Rc::new(p.clone()));
            let object = state
                .rules_object
                .and_then(|o| {
                    p.sources.iter().find(|s| s.object == Some(o)).map(|s| {
                        let label = s.label.split(':').next().unwrap_or(&s.label).to_string();
                        (o, label)
                    })
                })
                .or_else(|| state.rules_object.map(|o| (o, format!("#{o}"))));
            html! {
                <rules::Rules panel={rules_panel} nodes={state.summary.nodes.clone()} node={node.clone()}
                    wrap={state.prefs.wrap} on_wrap={stable.wrap.clone()}
                    chosen_mode={state.mode} configured_mode={state.summary.configured_mode}
                    filter={state.rules_filter.clone()} object={object} lang={lang}
                    on_node={stable.node.clone()}
                    on_mode={stable.mode.clone()}
                    on_view={stable.rules_view.clone()}
                    on_filter={stable.filter.clone()}
                    on_clear_object={stable.clear_object.clone()}
                    on_reveal={on_reveal.clone()}
                    cursor={state.cursor} on_highlight={stable.highlight.clone()}
                    on_whole={(*on_whole).clone()} />
            }
        }
        (_, Some(Panel::Nodes(services))) => html! {
            <nodes::Nodes services={Rc::new(services.clone())} lang={lang} on_rules={on_rules.clone()} />
        },
        (_, Some(Panel::Check(p))) => html! {
            <checknode::CheckNode panel={Rc::new(p.clone())} dump={state.dump.clone()}
                nodes={state.summary.nodes.clone()} node={node.clone()} lang={lang}
                on_dump={on(&dispatch, Action::SetDump)} on_node={on(&dispatch, Action::SelectNode)} />
        },
        (_, Some(Panel::Objects(_))) => html! {
            <objects::Objects panel={panel.clone().expect("matched")} readonly={state.embed.readonly} lang={lang}
                on_action={stable.act.clone()} on_reveal={on_reveal.clone()} on_rules={on_rules.clone()} />
        },
        (_, Some(Panel::Selectors(rows))) => html! {
            <selectors::Selectors rows={Rc::new(rows.clone())} lang={lang} on_rules={on_rules.clone()} />
        },
        (_, Some(Panel::Endpoints(p))) => {
            html! { <endpoints::Endpoints panel={Rc::new(p.clone())} lang={lang} /> }
        }
        (_, Some(Panel::Dns(rows))) => {
            html! { <dns::Dns rows={Rc::new(rows.clone())} lang={lang} /> }
        }
        (_, Some(Panel::Traffic(p))) => {
            html! {
                <traffic::Traffic panel={Rc::new(p.clone())} node={node.clone()} lang={lang}
                    mode={state.mode} configured_mode={state.summary.configured_mode}
                    simulation={state.simulation.clone()}
                    readonly={state.embed.readonly} text={state.text.clone()}
                    on_simulate={on(&dispatch, Action::Simulate)}
                    on_action={on(&dispatch, Action::Act)}
                    on_mode={on(&dispatch, Action::SelectMode)} />
            }
        }
        (_, Some(Panel::Diagram(d))) => {
            html! { <diagram::Diagram diagram={Rc::new(d.clone())} lang={lang} /> }
        }
        _ => html! { <p class="note">{ t(Msg::NotComputed) }</p> },
    };

    // The first panel on the screen: the page is interactive (for the timing report).
    {
        let shown = panel.is_some() && !stale;
        use_effect_with(shown, move |shown| {
            if *shown {
                let root = dom::document().and_then(|d| d.document_element());
                if root.is_some_and(|r| !r.has_attribute("data-interactive-ms")) {
                    dom::set_root_attribute(
                        "data-interactive-ms",
                        &format!("{:.0}", dom::now_ms()),
                    );
                }
            }
        });
    }

    // The views on offer: all of them, or those an embed was asked to show.
    let shown = state.embed.tabs();
    let tabs = shown.iter().map(|tab| {
        let selected = *tab == state.tab;
        let tab = *tab;
        html! {
            <button role="tab" id={format!("tab-{}", tab.id())} aria-selected={selected.to_string()}
                aria-controls="view-panel" tabindex={if selected { "0" } else { "-1" }}
                class={classes!("tab", selected.then_some("active"))}
                title={tab.shortcut()} aria-keyshortcuts={tab.shortcut()}
                onclick={on(&dispatch, move |_| Action::SelectTab(tab))}>{ t(tab_label(tab)) }</button>
        }
    });
    let on_tab_keys = {
        let dispatch = dispatch.clone();
        let current = state.tab;
        let shown = shown.clone();
        Callback::from(move |e: KeyboardEvent| {
            let i = shown.iter().position(|t| *t == current).unwrap_or(0);
            // The tab list's keys (WAI-ARIA's tabs pattern): arrows to the next and the
            // previous tab on offer, Home and End to the first and the last.
            let next = match e.key().as_str() {
                "ArrowRight" => shown[(i + 1) % shown.len()],
                "ArrowLeft" => shown[(i + shown.len() - 1) % shown.len()],
                "Home" => shown[0],
                "End" => shown[shown.len() - 1],
                _ => return,
            };
            e.prevent_default();
            dispatch.dispatch(Action::SelectTab(next));
            dom::after(0, move || dom::focus(&format!("tab-{}", next.id())));
        })
    };

    let on_share = {
        let latest = latest.clone();
        let dispatch = dispatch.clone();
        Callback::from(move |_| share_link(latest.borrow().clone(), dispatch.clone()))
    };
    let on_export = {
        let latest = latest.clone();
        Callback::from(move |_| dom::download("scenario.yaml", &latest.borrow().text))
    };
    let on_import = {
        let dispatch = dispatch.clone();
        Callback::from(move |_| {
            let dispatch = dispatch.clone();
            let on_text = wasm_bindgen::prelude::Closure::once_into_js(
                move |text: Option<String>, too_large: bool| {
                    dispatch.dispatch(match text {
                        Some(text) if !too_large => {
                            Action::Replace(Incoming::new(text, Source::File, dom::epoch_ms()))
                        }
                        _ => Action::Notify(Some(Notice::Text(
                            Msg::TooLarge,
                            (MAX_SCENARIO_BYTES / (1024 * 1024)).to_string(),
                        ))),
                    });
                },
            );
            dom::pick_file(on_text.unchecked_ref(), MAX_SCENARIO_BYTES as f64);
        })
    };
    // An embed's way out: the main site opens its scenario as a share link would, and that
    // link replaces the reader's draft only through `Action::Replace` (kept in the history).
    let open_in_playground = {
        let latest = latest.clone();
        Callback::from(move |e: MouseEvent| {
            e.prevent_default();
            let s = latest.borrow().clone();
            yew::platform::spawn_local(async move {
                if let (Some((url, _)), Some(w)) = (link_of(&s).await, dom::window()) {
                    let _ = w.open_with_url_and_target(&url, "_blank");
                }
            });
        })
    };
    let on_lesson_import = {
        let dispatch = dispatch.clone();
        Callback::from(move |_: ()| {
            let dispatch = dispatch.clone();
            let on_text = wasm_bindgen::prelude::Closure::once_into_js(
                move |text: Option<String>, too_large: bool| match text {
                    Some(text) if !too_large => {
                        let markdown: Rc<str> = Rc::from(text);
                        start::open_lesson_file(
                            &dispatch,
                            markdown.clone(),
                            lesson::Origin::File(markdown),
                            0,
                        )
                    }
                    _ => dispatch.dispatch(Action::Notify(Some(Notice::Text(
                        Msg::TooLarge,
                        (svcplay::lesson::MAX_LESSON_BYTES / (1024 * 1024)).to_string(),
                    )))),
                },
            );
            dom::pick_file(
                on_text.unchecked_ref(),
                svcplay::lesson::MAX_LESSON_BYTES as f64,
            );
        })
    };
    let on_lesson_open = {
        let dispatch = dispatch.clone();
        let latest = latest.clone();
        Callback::from(move |id: String| {
            let s = latest.borrow().clone();
            start::open_builtin_lesson(&dispatch, &s.progress, &id, None);
        })
    };
    let on_lesson_ask = {
        let dispatch = dispatch.clone();
        Callback::from(move |ask: lesson::Ask| {
            let now = dom::epoch_ms();
            let action = match ask {
                lesson::Ask::Step(i) => LessonAction::Step(i, now),
                lesson::Ask::Check => LessonAction::Check,
                lesson::Ask::Hint => LessonAction::Hint,
                lesson::Ask::Solve => LessonAction::Solve(now),
                lesson::Ask::Reset => LessonAction::Reset(now),
                lesson::Ask::Manifest(yaml) => LessonAction::Manifest(yaml),
                lesson::Ask::Presenter(on) => LessonAction::Presenter(on),
                lesson::Ask::Close => LessonAction::Close,
                lesson::Ask::Run(line) => {
                    dispatch.dispatch(Action::SelectTab(Tab::Terminal));
                    for l in line.lines().filter(|l| !l.trim().is_empty()) {
                        dispatch.dispatch(Action::RunCommand(l.to_string()));
                    }
                    return;
                }
            };
            dispatch.dispatch(Action::Lesson(action));
        })
    };
    let presenter = state.course.as_ref().is_some_and(|c| c.presenter);
    let notice = state.notice.as_ref().map(|n| {
        let (text, button) = match n {
            Notice::Msg(m) => (t(*m).to_string(), None),
            Notice::Text(m, arg) => (m.fill(lang, &[arg]), None),
            Notice::Replaced(source) => (
                Msg::Replaced.fill(lang, &[&source.label(lang)]),
                Some(html! {
                    <button id="bring-back" onclick={on(&dispatch, |_| Action::Restore(0))}>{ t(Msg::BringBack) }</button>
                }),
            ),
            Notice::Paused(m) => (
                t(*m).to_string(),
                Some(html! {
                    <button onclick={on(&dispatch, |_| Action::Resume)}>{ t(Msg::Resume) }</button>
                }),
            ),
        };
        html! {
            <div class="notice" role="status">
                <span>{ text }</span>
                { for button }
                <button class="icon" aria-label={t(Msg::Close)} title={t(Msg::Close)} onclick={on(&dispatch, |_| Action::Notify(None))}>{ "×" }</button>
            </div>
        }
    });
    let embed = state.embed.enabled;
    let on_lang = {
        let dispatch = dispatch.clone();
        let latest = latest.clone();
        Callback::from(move |_| {
            let s = latest.borrow().clone();
            choose_lang(&dispatch, &s, s.lang.other());
        })
    };
    let on_theme = {
        let dispatch = dispatch.clone();
        let latest = latest.clone();
        Callback::from(move |_| {
            let s = latest.borrow().clone();
            choose_theme(&dispatch, &s, s.theme.other());
        })
    };
    let on_prefs = {
        let dispatch = dispatch.clone();
        let latest = latest.clone();
        Callback::from(move |prefs: Prefs| {
            let s = latest.borrow().clone();
            choose_prefs(&dispatch, &s, prefs);
        })
    };
    let split = f64::from(state.prefs.split);
    let lab = state
        .lab
        .as_deref()
        .filter(|_| !embed)
        .and_then(svcplay::examples::find);

    html! {
        <div class={classes!("app", embed.then_some("embed"), presenter.then_some("presenter"))}>
            <a class="skip" href="#views">{ t(Msg::SkipToViews) }</a>
            <header class="top">
                <h1>{ "svcplay" }</h1>
                if !embed {
                    <p class="tagline">{ t(Msg::Tagline) }</p>
                }
                <span class="spacer"></span>
                if state.paused {
                    <span class="busy" role="status">{ t(Msg::Paused) }</span>
                } else if state.computing() && !state.deferred {
                    <span class="busy" role="status">{ t(Msg::Computing) }</span>
                } else if state.uses_worker() && state.is_large() {
                    <span class="busy idle">{ t(Msg::LargeScenario) }</span>
                }
                if embed {
                    <a class="button" href="#" onclick={open_in_playground}>{ t(Msg::OpenInPlayground) }{ " ↗" }</a>
                } else {
                    <button id="lessons-button" class="primary" onclick={on(&dispatch, |_| Action::Open(Some(Overlay::Lessons)))}>{ t(Msg::Lessons) }</button>
                    <button id="gallery-button" class="primary" onclick={on(&dispatch, |_| Action::Open(Some(Overlay::Gallery)))}>{ t(Msg::Gallery) }</button>
                    <button id="share-button" onclick={on_share}>{ t(Msg::Share) }</button>
                    <button id="export-button" onclick={on_export}>{ t(Msg::Export) }</button>
                    <button id="import-button" onclick={on_import}>{ t(Msg::Import) }</button>
                }
                // An embed has one too once its page replaced what the reader had edited.
                if !state.history.entries.is_empty() {
                    <button id="recent-button" onclick={on(&dispatch, |_| Action::Open(Some(Overlay::History)))}>
                        { t(Msg::Recent) }{ format!(" ({})", state.history.entries.len()) }
                    </button>
                }
                // Named by its visible text (the other language's name, in that language), as
                // speech-input users say what they see; the title explains it.
                <button id="lang-button" lang={lang.other().code()} title={t(Msg::SwitchLanguageLabel)}
                    onclick={on_lang}>{ t(Msg::SwitchLanguage) }</button>
                <button id="theme-button" title={t(Msg::ThemeLabel)} aria-label={t(Msg::ThemeLabel)}
                    onclick={on_theme}>
                    { if state.theme == Theme::Dark { t(Msg::ThemeLight) } else { t(Msg::ThemeDark) } }
                </button>
                if !embed {
                    <button id="help-button" class="icon" title={t(Msg::Shortcuts)} aria-label={t(Msg::Shortcuts)}
                        onclick={on(&dispatch, |_| Action::Open(Some(Overlay::Help)))}>{ "?" }</button>
                }
            </header>
            <main class="panes" style={format!("--split:{split}")}>
                <section class="left" aria-label={t(Msg::EditorLabel)}>
                    <editor::Editor text={state.text.clone()} loads={state.loads} diagnostics={marked}
                        reveal={state.reveal} scroll_to={state.scroll_to} readonly={state.embed.readonly} lang={lang}
                        scale={state.prefs.text_size} tab_moves_focus={state.prefs.tab_moves_focus}
                        on_tab_mode={stable.tab_mode.clone()}
                        highlight={state.highlight.clone()}
                        on_cursor={stable.cursor.clone()}
                        on_change={on_text} />
                    <problems::Problems diagnostics={diagnostics} paused={state.paused} lang={lang} on_reveal={on_reveal.clone()} />
                </section>
                <Splitter split={state.prefs.split} lang={lang} on_split={stable.split.clone()} />
                <section class="right" id="views" aria-label={t(Msg::Views)}>
                    // In an embed only when the host asked for a lesson step (`lesson=`).
                    if let Some(course) = state.course.clone().filter(|_| !embed || state.embed.lesson.is_some()) {
                        <lesson::LessonPane course={course.clone()} progress={state.progress.clone()} lang={lang}
                            readonly={state.embed.readonly} on_ask={on_lesson_ask} />
                        if presenter {
                            if let Some(link) = course.link.clone() {
                                <lesson::QrLink link={link} lang={lang} />
                            }
                        } else if let Some(link) = course.link.clone() {
                            <p class="lesson-link"><a id="lesson-link" href={link}>{ t(Msg::LessonLink) }</a></p>
                        }
                    } else if let Some(lab) = lab {
                        <lab::Lab example={lab} lang={lang} on_close={stable.close_lab.clone()} />
                    }
                    if shown.len() > 1 {
                        <nav class="tabs" role="tablist" aria-label={t(Msg::Views)} onkeydown={on_tab_keys}>{ for tabs }</nav>
                    }
                    if state.tab != Tab::Changes {
                        <changes::LastChange changes={state.changes.clone()} nothing={state.changed_nothing} lang={lang}
                            on_open={stable.open_changes.clone()} />
                    }
                    // The view panel, dimmed by the layer over it while the worker computes: a
                    // class changed on the panel itself in a keystroke's frame made Chromium's
                    // pre-paint walk every one of its layout objects (34,709 in the 5,000-Service
                    // dump's Objects view, in a trace), where the layer's change walks one.
                    <div class={classes!("view-frame", dims.then_some("dims"))}>
                        // Focusable, so that keyboard users can scroll a view whose content has no
                        // control of its own (the DNS table, a long list).
                        <div id="view-panel" role="tabpanel" tabindex="0" aria-labelledby={format!("tab-{}", state.tab.id())}
                            class={classes!("view", state.prefs.wrap.then_some("wrap"))}
                            aria-busy={stale.to_string()}>
                            { panel_html }
                        </div>
                        // Only while the worker holds the text (the only time the views wait);
                        // otherwise the frame is no box at all (`display: contents`), as a lab's
                        // keystroke figures were slower with it (e2e report, loaded machine).
                        if dims {
                            <div class={classes!("view-dim", dim.then_some("on"))} aria-hidden="true"></div>
                        }
                    </div>
                </section>
            </main>
            { for notice }
            { match state.overlay {
                Some(Overlay::Gallery) => html! {
                    <gallery::Gallery lang={lang} on_close={on(&dispatch, |_| Action::Open(None))}
                        on_load={{
                            let dispatch = dispatch.clone();
                            Callback::from(move |e: &'static svcplay::examples::Example| {
                                dispatch.dispatch(Action::Open(None));
                                start::open_example(&dispatch, e, lang);
                            })
                        }} />
                },
                Some(Overlay::Lessons) => html! {
                    <lesson::LessonList lang={lang} progress={state.progress.clone()}
                        on_open={on_lesson_open} on_import={on_lesson_import}
                        on_close={on(&dispatch, |_| Action::Open(None))} />
                },
                Some(Overlay::Help) => html! {
                    <help::Help lang={lang} prefs={state.prefs} on_prefs={on_prefs.clone()}
                        on_close={on(&dispatch, |_| Action::Open(None))} />
                },
                Some(Overlay::History) => html! {
                    <recent::Recent lang={lang} history={state.history.clone()} now_ms={dom::epoch_ms()} embedded={embed}
                        on_open={on(&dispatch, Action::Restore)} on_forget={on(&dispatch, Action::Forget)}
                        on_close={on(&dispatch, |_| Action::Open(None))} />
                },
                Some(Overlay::ConfirmReplace) => html! {
                    <recent::ConfirmReplace lang={lang} size={state.text.len()}
                        source={state.pending.as_ref().map(|p| p.source.label(lang)).unwrap_or_default()}
                        on_export={{
                            let latest = latest.clone();
                            Callback::from(move |_| dom::download("scenario.yaml", &latest.borrow().text))
                        }}
                        on_replace={on(&dispatch, |_| Action::ConfirmReplace)}
                        on_close={on(&dispatch, |_| Action::Open(None))} />
                },
                None => html! {},
            } }
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct SplitterProps {
    split: u8,
    lang: Lang,
    on_split: Callback<u8>,
}

/// The bar between the editor and the views: drag it, or focus it and use the arrow keys
/// (Home and End for the extremes), to give one side more room (WAI-ARIA's window
/// splitter).
#[function_component]
fn Splitter(props: &SplitterProps) -> Html {
    let (min, max) = Prefs::SPLIT_RANGE;
    let dragging = use_mut_ref(|| false);
    let split = props.split;
    let on_key = {
        let cb = props.on_split.clone();
        Callback::from(move |e: KeyboardEvent| {
            let next = match e.key().as_str() {
                "ArrowLeft" | "ArrowUp" => split.saturating_sub(4),
                "ArrowRight" | "ArrowDown" => split.saturating_add(4),
                "Home" => min,
                "End" => max,
                _ => return,
            };
            e.prevent_default();
            cb.emit(next.clamp(min, max));
        })
    };
    let on_down = {
        let dragging = dragging.clone();
        Callback::from(move |e: PointerEvent| {
            *dragging.borrow_mut() = true;
            if let Some(el) = e.target_dyn_into::<web_sys::Element>() {
                let _ = el.set_pointer_capture(e.pointer_id());
            }
        })
    };
    let on_move = {
        let dragging = dragging.clone();
        let cb = props.on_split.clone();
        Callback::from(move |e: PointerEvent| {
            if !*dragging.borrow() {
                return;
            }
            let panes = e
                .target_dyn_into::<web_sys::Element>()
                .and_then(|el| el.parent_element());
            if let Some(panes) = panes {
                let r = panes.get_bounding_client_rect();
                if r.width() > 0.0 {
                    let percent =
                        ((f64::from(e.client_x()) - r.left()) * 100.0 / r.width()).round();
                    cb.emit((percent.clamp(f64::from(min), f64::from(max))) as u8);
                }
            }
        })
    };
    let on_up = {
        let dragging = dragging.clone();
        Callback::from(move |_: PointerEvent| *dragging.borrow_mut() = false)
    };
    html! {
        <div class="splitter" role="separator" tabindex="0" aria-orientation="vertical"
            aria-controls="views" aria-label={Msg::ResizePanes.text(props.lang)}
            aria-valuemin={min.to_string()} aria-valuemax={max.to_string()} aria-valuenow={split.to_string()}
            onkeydown={on_key} onpointerdown={on_down} onpointermove={on_move}
            onpointerup={on_up.clone()} onpointercancel={on_up}></div>
    }
}

/// Mounts the app on the page's body (in a window; in the Web Worker there is none, and the
/// worker only answers requests through [`worker::worker_handle`]).
pub fn start() {
    if web_sys::window().is_none() {
        return;
    }
    // Mounting replaces everything in <body>, the pre-rendered lab included: what the reader
    // typed into it is kept first (src/ui/prerender.rs).
    prerender::take();
    yew::Renderer::<App>::new().render();
}
