//! The page's state and its transitions, as plain data and functions.
//!
//! [`reduce`] is the only way the state changes. Where a text is analysed is decided by
//! cost, not size ([`analyses_here`]): the main thread analyses an edit only when the last
//! analysis was measured cheap ([`MAIN_THREAD_BUDGET_MS`]) and the edit is small (typing
//! is analysed right after the frame that paints it: [`State::deferred`]); anything
//! else — a text from outside (a link, a draft of unknown cost, an import), a paste, a
//! large text — goes to the Web Worker first, so that no scenario can freeze the page
//! (the app shell sends the text and feeds the answers back as actions). A draft whose
//! analysis never finished opens paused ([`State::paused`], the safe start). Everything
//! the panels show derives from [`State`] through [`super::snapshot`], so it is all
//! testable natively. Every replacement of the text goes through `Action::Replace`
//! ([`super::history`]: nothing the user typed is lost without their say-so).

use super::history::{self, Entry, History, Incoming, Source};
use super::i18n::{Lang, Msg};
use super::lesson::{self, Course, LessonAction, Progress};
use super::limits::{
    COMMAND_BUDGET_MS, LARGE_TEXT, MAIN_THREAD_BUDGET_MS, MAX_SCENARIO_BYTES, SMALL_EDIT_BYTES,
};
use super::share::Settings;
use super::snapshot::{self, Panel, RulesView, Selection, Simulated, Summary, Tab, UiAction};
use std::rc::Rc;
use svcplay::diag::Span;
use svcplay::proxy::config::ProxyMode;
use svcplay::scenario::{Analysis, Options, analyze};
use svcplay::simulate::SimRequest;
use svcplay::views::CommandOutput;

/// The Web Worker, as far as the page knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WorkerStatus {
    /// Started, not answered yet: texts for it wait.
    Starting,
    /// Takes texts.
    Up,
    /// None in this browser (or it failed to start): the page analyses everything itself.
    Down,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Theme {
    Light,
    Dark,
}

impl Theme {
    pub fn id(self) -> &'static str {
        match self {
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }

    pub fn other(self) -> Theme {
        match self {
            Theme::Light => Theme::Dark,
            Theme::Dark => Theme::Light,
        }
    }

    pub fn parse(id: &str) -> Option<Theme> {
        match id {
            "light" => Some(Theme::Light),
            "dark" => Some(Theme::Dark),
            _ => None,
        }
    }
}

/// A dialog over the page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Overlay {
    Gallery,
    Help,
    /// The recent scenarios ([`History`]).
    History,
    /// "Replace your scenario?": the text to replace is too big for the history
    /// ([`State::pending`] holds what would replace it).
    ConfirmReplace,
    /// The lesson list.
    Lessons,
}

/// A short message at the bottom of the page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Notice {
    Msg(Msg),
    Text(Msg, String),
    /// A scenario from `Source` replaced the user's, which is first in the history: the
    /// notice offers to bring it back.
    Replaced(Source),
    /// Safe start: the analysis is paused (the message says why); the notice offers to
    /// resume it.
    Paused(Msg),
}

/// The reader's display and keyboard preferences, kept in this browser when the reader
/// chooses them (never by a link or an embedding page).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Prefs {
    /// Single-key shortcuts (`g`, `l`, `1`…). They can be turned off (WCAG 2.1.4):
    /// speech-input users say words whose letters would otherwise fire them.
    pub shortcuts: bool,
    /// The text size, in percent of the default (one of [`Prefs::TEXT_SIZES`]).
    pub text_size: u16,
    /// Long lines of the outputs wrap instead of scrolling sideways.
    pub wrap: bool,
    /// The editor's share of the page's width, in percent ([`Prefs::SPLIT_RANGE`]).
    pub split: u8,
    /// In the editor, Tab moves focus on instead of indenting.
    pub tab_moves_focus: bool,
}

impl Default for Prefs {
    fn default() -> Prefs {
        Prefs {
            shortcuts: true,
            text_size: 100,
            wrap: false,
            split: 44,
            tab_moves_focus: false,
        }
    }
}

impl Prefs {
    pub const TEXT_SIZES: [u16; 5] = [100, 115, 130, 150, 175];
    pub const SPLIT_RANGE: (u8, u8) = (20, 80);

    /// The form kept in local storage: `key=value` pairs joined by `;`.
    pub fn encode(&self) -> String {
        format!(
            "shortcuts={};size={};wrap={};split={};tab={}",
            u8::from(self.shortcuts),
            self.text_size,
            u8::from(self.wrap),
            self.split,
            if self.tab_moves_focus {
                "focus"
            } else {
                "indent"
            }
        )
    }

    /// Reads [`Prefs::encode`]'s form; unknown or out-of-range values keep the defaults.
    pub fn decode(stored: &str) -> Prefs {
        let mut p = Prefs::default();
        for (k, v) in stored.split(';').filter_map(|kv| kv.split_once('=')) {
            match k {
                "shortcuts" => p.shortcuts = v != "0",
                "size" => {
                    if let Some(size) = v.parse().ok().filter(|s| Prefs::TEXT_SIZES.contains(s)) {
                        p.text_size = size;
                    }
                }
                "wrap" => p.wrap = v == "1",
                "split" => {
                    if let Ok(split) = v.parse::<u8>() {
                        p.split = split.clamp(Prefs::SPLIT_RANGE.0, Prefs::SPLIT_RANGE.1);
                    }
                }
                "tab" => p.tab_moves_focus = v == "focus",
                _ => {}
            }
        }
        p
    }
}

/// One command line run in the terminal, with what it printed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TermEntry {
    /// The prompt the line was entered after (`[root@k8s-master01 ~]# `, a Pod's `# `).
    pub prompt: String,
    pub command: String,
    /// What it printed, in order: `(stderr, text)`.
    pub output: Vec<(bool, String)>,
    /// Still running: the worker computes it, or a loop waits for its next iteration.
    pub running: bool,
}

impl TermEntry {
    /// Stdout and stderr as one text.
    #[cfg(test)]
    pub fn text(&self) -> String {
        self.output.iter().map(|(_, t)| t.as_str()).collect()
    }
}

/// How many lines of history the terminal keeps (and stores per scenario).
pub const HISTORY_LIMIT: usize = 500;

/// The traffic panel's simulation: the last requests sent, and their answer.
#[derive(Clone, Debug, PartialEq)]
pub struct Simulation {
    /// Counts simulations; an answer names the one it is for.
    pub id: u64,
    /// The text revision it runs on.
    pub rev: u64,
    pub request: SimRequest,
    /// `None` while the worker computes it.
    pub answer: Option<Rc<Simulated>>,
}

/// Embedding options (`?embed=1&view=…&readonly=1`), read and used by [`super::embed`].
pub use super::embed::Embed;

/// Everything the page shows derives from this.
#[derive(Clone, Debug)]
pub struct State {
    /// The scenario text, exactly as the user typed it.
    pub text: Rc<str>,
    /// Counts text changes; answers from the worker name the revision they are for.
    pub rev: u64,
    /// Counts programmatic replacements of the text (examples, actions, links), which
    /// the editor applies to its textarea.
    pub loads: u64,
    /// The reader has changed the text since it last came from outside (typed, a one-click
    /// action) or brought it back from Recent: it is theirs. An embed keeps only such a
    /// text when its page sends another.
    pub edited: bool,
    /// The analysis of `rev`, when it was computed on the main thread.
    pub analysis: Option<Rc<Analysis>>,
    /// Diagnostics, nodes and mode of the last analysis (possibly of an older revision
    /// while the worker computes the new one).
    pub summary: Rc<Summary>,
    pub summary_rev: u64,
    /// A panel the worker computed, for a revision and selection.
    pub worker_panel: Option<(u64, Selection, Rc<Panel>)>,
    /// Whether the worker takes texts.
    pub worker: WorkerStatus,
    /// How long the last analysis took (ms, measured by the app shell on the main thread
    /// or as the worker's round trip); `None` when unknown. Decides where the next edit
    /// is analysed ([`analyses_here`]).
    pub cost_ms: Option<f64>,
    /// Safe start: the text is shown but not analysed until the user resumes (a draft
    /// whose last analysis never finished, `?safe`, or a worker that died on the text).
    pub paused: bool,
    /// Where the text came from.
    pub source: Source,
    /// The recent scenarios that replacements pushed out.
    pub history: Rc<History>,
    /// Counts the user's changes to the history (not its loading at start): the shell
    /// saves it when this moves.
    pub history_rev: u64,
    /// A replacement waiting for the user's yes ([`Overlay::ConfirmReplace`]).
    pub pending: Option<Incoming>,
    /// The example whose explanation the page shows beside the views, by id.
    pub lab: Option<String>,
    pub tab: Tab,
    pub node: Option<String>,
    pub mode: Option<ProxyMode>,
    pub rules_view: Option<RulesView>,
    /// Lines of the kube-proxy panel containing this text.
    pub rules_filter: String,
    /// Only the rules that come from this written object.
    pub rules_object: Option<usize>,
    pub lang: Lang,
    pub theme: Theme,
    pub prefs: Prefs,
    pub overlay: Option<Overlay>,
    /// A request to the editor to select a range (counted so the same span twice works).
    pub reveal: (u64, Option<Span>),
    /// A request to the editor to show a line near its top, without taking focus (a lab
    /// opens at the object it is about), counted like `reveal`.
    pub scroll_to: (u64, u32),
    pub terminal: Vec<TermEntry>,
    /// The shell's own state: the Pod it is in, `ssh` hops, variables, `cd`.
    pub shell: svcplay::shell::Terminal,
    /// A loop waiting for its next iteration (the app shell's timer resumes it).
    pub looping: Option<svcplay::shell::Pending>,
    /// An editor a command opened (`vi FILE`, `kubectl edit`), shown over the page.
    pub editing: Option<svcplay::shell::Editor>,
    /// The lines entered, oldest first (↑/↓, Ctrl+R), kept per scenario.
    pub commands: Vec<String>,
    /// Which scenario the command history belongs to: set when a scenario is loaded (gallery,
    /// link, start), not when the terminal's own commands change the text.
    pub commands_key: String,
    /// The traffic panel's last simulation; it runs again on every new revision of the
    /// text and every change of mode, so "after an event" is always current.
    pub simulation: Option<Simulation>,
    pub notice: Option<Notice>,
    pub embed: Embed,
    /// The compare panel's chosen destination.
    pub target: Option<usize>,
    /// The YAML ranges a rule pointed at comes from (the editor highlights them).
    pub highlight: Rc<Vec<Span>>,
    /// The editor's cursor (line, column): the rules it comes to are highlighted.
    pub cursor: Option<(u32, u32)>,
    /// What the last edits changed downstream, the newest last
    /// ([`svcplay::changes::KEPT`] of them).
    pub changes: Rc<Vec<svcplay::changes::Changes>>,
    /// The last revision that was an edit (its changes are kept when it is analysed).
    pub edit_rev: u64,
    /// The last edit analysed changed nothing downstream (it is not kept in `changes`).
    pub changed_nothing: bool,
    /// The last text analysed, here or in the worker, and its revision: the worker is
    /// sent it with the next text when it does not hold it, to say what changed.
    pub analysed: (u64, Rc<str>),
    /// The modes the compare panel shows in columns (empty: its default three).
    pub compare_modes: Vec<ProxyMode>,
    /// The node dump pasted on the check tab, exactly as the user pasted it.
    pub dump: String,
    /// The lesson open on the page ([`super::lesson`]).
    pub course: Option<Rc<Course>>,
    /// The lesson steps this browser passed.
    pub progress: Rc<Progress>,
    /// Counts changes to the progress (not its loading at start): the shell saves it then.
    pub progress_rev: u64,
    /// The text on show was typed and will be analysed on the main thread right after the
    /// frame that paints the keystroke ([`Action::AnalyseTyped`]): the editor paints first,
    /// the views follow a frame later (marked busy meanwhile), and keystrokes that come
    /// faster than frames are analysed once.
    pub deferred: bool,
    /// Where the deferred typing started: the analysis on show before its first keystroke
    /// (none when the worker had analysed that text) and that text, for what it changed.
    pub typed_from: Option<(Option<Rc<Analysis>>, Rc<str>)>,
    /// The last edits typed, oldest first: the revision each made and what it changed in
    /// the text before it ([`Splice`]). The worker is sent an edit of the text it holds
    /// rather than the whole text when every revision since is here
    /// ([`State::edit_since`]); any other change of the text empties it.
    pub splices: Vec<(u64, Splice)>,
}

/// How many typed edits [`State::splices`] keeps: more than a fast typist makes while the
/// worker analyses one text of the largest scenario.
const KEPT_SPLICES: usize = 64;

/// One edit of a text: bytes `start..old_end` of the text before became bytes
/// `start..new_end` of the text after (everything before `start` and after the ends is
/// unchanged).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Splice {
    pub start: usize,
    pub old_end: usize,
    pub new_end: usize,
}

impl Splice {
    /// The edit that turned `before` into `after`: what lies between their common prefix
    /// and their common suffix, on character boundaries.
    pub fn between(before: &str, after: &str) -> Splice {
        let (a, b) = (before.as_bytes(), after.as_bytes());
        let mut start = a.iter().zip(b).take_while(|(x, y)| x == y).count();
        while !before.is_char_boundary(start) {
            start -= 1;
        }
        let room = a.len().min(b.len()) - start;
        let mut same = a
            .iter()
            .rev()
            .zip(b.iter().rev())
            .take(room)
            .take_while(|(x, y)| x == y)
            .count();
        while !before.is_char_boundary(a.len() - same) {
            same -= 1;
        }
        Splice {
            start,
            old_end: a.len() - same,
            new_end: b.len() - same,
        }
    }

    /// This edit followed by `next` (an edit of the text this one made), as one edit of
    /// the text before this one.
    pub fn then(self, next: Splice) -> Splice {
        let start = self.start.min(next.start);
        // The end of what either touched, in the text between the two edits: past it,
        // the text before this edit and that text differ by this edit's growth.
        let end = self.new_end.max(next.old_end);
        Splice {
            start,
            old_end: end + self.old_end - self.new_end,
            new_end: end + next.new_end - next.old_end,
        }
    }

    /// Whether it is an edit of a text of `before` bytes into one of `after` bytes.
    pub fn fits(&self, before: usize, after: usize) -> bool {
        self.start <= self.old_end
            && self.start <= self.new_end
            && self.old_end <= before
            && self.new_end <= after
            && before - self.old_end == after - self.new_end
    }
}

/// What the user (or the app shell) can do.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// The editor's text changed (typing); the editor's own copy, shared, so a big text is
    /// not copied again on every keystroke.
    SetText(Rc<str>),
    /// The editor's text `before` became `text` by `splice` (typing): as `SetText`, and the
    /// edit is kept for the worker ([`State::splices`]) when `before` is the text on show.
    Typed {
        before: Rc<str>,
        text: Rc<str>,
        splice: Splice,
    },
    /// Replace the text with a scenario from outside (a link, an example, a file, an
    /// embedding page, a lesson, a recent scenario): the only way the text is replaced,
    /// see [`super::history`].
    Replace(Incoming),
    /// The user said yes to [`State::pending`].
    ConfirmReplace,
    /// Open recent scenario `i` (the current one takes its place in the history).
    Restore(usize),
    /// Drop recent scenario `i` from the history.
    Forget(usize),
    /// At start: the draft this browser saved, with the cost of its last analysis (ms)
    /// if known; `safe` opens it paused.
    OpenDraft {
        text: String,
        cost_ms: Option<f64>,
        safe: bool,
    },
    /// At start, without a draft: pause the analysis of whatever comes (`?safe`).
    Pause(Msg),
    /// Resume a paused analysis.
    Resume,
    /// The frame that painted a keystroke has gone: analyse revision `rev` here, if it is
    /// still the text on show and waits for it ([`State::deferred`]).
    AnalyseTyped(u64),
    /// Hide the lab's explanation.
    CloseLab,
    /// The worker finished analysing revision `rev`, in this many ms (its round trip).
    WorkerSummary(u64, Summary, f64),
    /// The worker computed a panel.
    WorkerPanel(u64, Selection, Panel),
    /// The worker analysed revision `rev` and, with it, computed the panel on show when the
    /// text was sent: one action, so that the page draws the views once.
    WorkerAnalysed {
        rev: u64,
        summary: Summary,
        ms: f64,
        panel: Option<(Selection, Panel)>,
    },
    /// The worker said what the edit that made revision `rev` changed (asked after its
    /// summary and the view on show: [`svcplay::changes::diff`] on a large scenario
    /// renders the rules of the node on show for both texts).
    WorkerChanges(u64, svcplay::changes::Changes),
    /// The worker started (true) or failed or died (false).
    WorkerReady(bool),
    /// The shell started a worker: texts wait for it rather than being analysed here.
    WorkerStarting,
    /// The worker answered terminal entry `index`.
    TerminalOutput(usize, CommandOutput),
    /// Run a simulation for the traffic panel (here, or in the worker for large texts).
    Simulate(SimRequest),
    /// The worker answered simulation `id`.
    Simulated(u64, Simulated),
    SelectTab(Tab),
    SelectNode(String),
    SelectMode(Option<ProxyMode>),
    SelectRulesView(RulesView),
    FilterRules(String),
    /// Show only the rules of a written object (a Service), on the kube-proxy tab.
    ShowRulesOf(Option<usize>),
    SetLang(Lang),
    SetTheme(Theme),
    SetPrefs(Prefs),
    /// At start: the recent scenarios this browser kept.
    LoadHistory(History),
    Open(Option<Overlay>),
    /// Select a range of the text in the editor.
    Reveal(Span),
    /// Show this line (1-based) near the editor's top, the caret at its start.
    ScrollTo(u32),
    /// Run a terminal command line.
    RunCommand(String),
    /// The next iteration of the terminal's running loop.
    TerminalTick,
    /// Ctrl+C: stops the running loop, or abandons the line being typed.
    TerminalInterrupt(String),
    /// Ctrl+L: clears the terminal's screen.
    TerminalClear,
    /// The editor a command opened was closed: the text saved, or `None` (quit).
    TerminalEditorDone(Option<String>),
    /// The history stored for this scenario (read by the app shell).
    SetCommands(Vec<String>),
    /// A one-click action on the cluster, written into the text.
    Act(UiAction),
    /// The node dump on the check tab changed.
    SetDump(String),
    Notify(Option<Notice>),
    SetEmbed(Embed),
    /// Highlight these YAML ranges in the editor (a rule pointed at).
    Highlight(Vec<Span>),
    /// The editor's cursor moved.
    Cursor(u32, u32),
    /// The compare panel's destination.
    SelectTarget(usize),
    /// The modes the compare panel puts in columns.
    SelectCompareModes(Vec<ProxyMode>),
    /// Something for the open lesson ([`super::lesson`]).
    Lesson(LessonAction),
}

impl State {
    pub fn new(text: &str) -> State {
        let analysis = Rc::new(analyze(text, Options::default()));
        State {
            text: Rc::from(text),
            rev: 0,
            loads: 0,
            edited: false,
            summary: Rc::new(snapshot::summary(&analysis)),
            summary_rev: 0,
            analysis: Some(analysis),
            worker_panel: None,
            worker: WorkerStatus::Down,
            cost_ms: None,
            paused: false,
            source: Source::Typed,
            history: Rc::new(History::default()),
            history_rev: 0,
            pending: None,
            lab: None,
            tab: Tab::Rules,
            node: None,
            mode: None,
            rules_view: None,
            rules_filter: String::new(),
            rules_object: None,
            lang: Lang::En,
            theme: Theme::Light,
            prefs: Prefs::default(),
            overlay: None,
            reveal: (0, None),
            scroll_to: (0, 0),
            terminal: Vec::new(),
            shell: svcplay::shell::Terminal::default(),
            looping: None,
            editing: None,
            commands: Vec::new(),
            commands_key: commands_key(text),
            simulation: None,
            notice: None,
            embed: Embed::default(),
            target: None,
            highlight: Rc::new(Vec::new()),
            cursor: None,
            changes: Rc::new(Vec::new()),
            edit_rev: 0,
            changed_nothing: false,
            analysed: (0, Rc::from(text)),
            compare_modes: Vec::new(),
            dump: String::new(),
            course: None,
            progress: Rc::new(Progress::default()),
            progress_rev: 0,
            deferred: false,
            typed_from: None,
            splices: Vec::new(),
        }
    }

    /// The edit that made the text on show from revision `rev`'s, when every edit since
    /// was typed and kept ([`State::splices`]); `None` otherwise (or for no change).
    pub fn edit_since(&self, rev: u64) -> Option<Splice> {
        let from = self.splices.iter().position(|(r, _)| *r == rev + 1)?;
        let kept = &self.splices[from..];
        let consecutive = kept.iter().zip(rev + 1..).all(|((r, _), want)| *r == want);
        if !consecutive || kept.last()?.0 != self.rev {
            return None;
        }
        kept.iter().map(|(_, s)| *s).reduce(Splice::then)
    }

    /// The node the panels show: the chosen one if it still exists.
    pub fn node(&self) -> String {
        self.summary.node(self.node.as_deref())
    }

    /// What the current panel is computed for.
    pub fn selection(&self) -> Selection {
        Selection {
            tab: self.tab,
            node: Some(self.node()),
            mode: self.mode,
            rules_view: self.rules_view,
            target: self.target.filter(|_| self.tab == Tab::Compare),
            compare: if self.tab == Tab::Compare {
                self.compare_modes.clone()
            } else {
                Vec::new()
            },
            dump: if self.tab == Tab::Check {
                self.dump.clone()
            } else {
                String::new()
            },
            filter: if self.tab == Tab::Rules {
                self.rules_filter.clone()
            } else {
                String::new()
            },
            object: self.rules_object.filter(|_| self.tab == Tab::Rules),
            lang: super::provenance::core_lang(self.lang),
        }
    }

    /// Whether the text in the editor has not been analysed yet (the worker is on it).
    pub fn computing(&self) -> bool {
        self.summary_rev != self.rev
    }

    /// Whether the text is large: over [`LARGE_TEXT`] bytes, or its last analysis took more
    /// than [`MAIN_THREAD_BUDGET_MS`]. A text from outside whose cost is not known yet goes
    /// to the worker too, but is not called large (the Chinese default lab is 88 lines).
    pub fn is_large(&self) -> bool {
        self.text.len() > LARGE_TEXT || self.cost_ms.is_some_and(|ms| ms > MAIN_THREAD_BUDGET_MS)
    }

    /// Whether the text waits for the worker (not analysed here, not paused).
    pub fn uses_worker(&self) -> bool {
        self.analysis.is_none()
            && !self.paused
            && !self.deferred
            && self.worker != WorkerStatus::Down
    }
}

/// How a new text came to be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    /// The user typed, or a one-click action edited the text.
    Edit,
    /// The user typed in the editor: an edit whose analysis, when it runs here, waits for
    /// the keystroke's frame ([`State::deferred`]).
    Typed,
    /// The terminal moved the session clock or recorded traffic and nothing else
    /// ([`svcplay::shell::Outcome::edited`]): the user's text like an edit, but no edit
    /// in "what changed" (no object or rule changed).
    Clock,
    /// It came from outside (a link, a draft, a file, an embedding page): its cost is
    /// unknown.
    Outside,
    /// This very text was analysed before, at [`State::cost_ms`] (a draft saved with the
    /// cost of its last analysis).
    Known,
}

/// Whether `text` is analysed on the main thread: only when it is known to be cheap — an
/// edit no bigger than [`SMALL_EDIT_BYTES`] of a text whose last analysis took at most
/// [`MAIN_THREAD_BUDGET_MS`] — or when there is no worker at all. Deciding by bytes alone
/// let a 971-byte link freeze the page (issue 21, item 13).
pub fn analyses_here(state: &State, text: &str, change: Change) -> bool {
    match state.worker {
        WorkerStatus::Down => true,
        _ if text.len() > LARGE_TEXT => false,
        _ => {
            let cheap = state.cost_ms.is_some_and(|ms| ms <= MAIN_THREAD_BUDGET_MS);
            match change {
                Change::Edit | Change::Typed | Change::Clock => {
                    cheap && text.len().abs_diff(state.text.len()) <= SMALL_EDIT_BYTES
                }
                Change::Known => cheap,
                Change::Outside => false,
            }
        }
    }
}

/// The state with `text` in the editor (`load`: replaced by the page, so the editor
/// follows), analysed here or left to the worker.
fn with_text(state: &State, text: Rc<str>, load: bool, change: Change) -> State {
    let mut next = state.clone();
    next.rev += 1;
    if load {
        next.loads += 1;
    }
    next.worker_panel = None;
    next.deferred = false;
    next.typed_from = None;
    // An edit typed puts its splice back (`Action::Typed`); any other change is unknown.
    next.splices = Vec::new();
    // The ranges a rule was traced to are ranges of the old text.
    next.highlight = Rc::new(Vec::new());
    if matches!(change, Change::Edit | Change::Typed) {
        next.edit_rev = next.rev;
    }
    if state.paused || !analyses_here(state, &text, change) {
        // The shell sends the text to the worker (unless paused); the old summary stays
        // until it answers.
        next.analysis = None;
    } else if change == Change::Typed {
        // The shell dispatches `AnalyseTyped` once the keystroke is painted; what the
        // typing changed is found then, from where the first keystroke not yet analysed
        // started.
        next.analysis = None;
        next.deferred = true;
        next.typed_from = if state.deferred {
            state.typed_from.clone()
        } else {
            Some((state.analysis.clone(), state.text.clone()))
        };
    } else {
        analyse_here(&mut next, &text);
        if change == Change::Edit {
            note_changes(&mut next, state, state.analysis.clone(), &state.text);
        }
    }
    next.text = text;
    next.edited = matches!(change, Change::Edit | Change::Typed | Change::Clock);
    if let Some(s) = &state.simulation {
        next = simulate(&next, s.request.clone());
    }
    next
}

/// What an edit changed downstream, on the node and in the mode on show (`next` holds the
/// analysis after it, `state` is the page before it). When the text before was analysed
/// in the worker (a text loaded from outside is), it is analysed here once more: it is
/// within SMALL_EDIT_BYTES of this one, which was just found cheap.
fn note_changes(next: &mut State, state: &State, before: Option<Rc<Analysis>>, before_text: &str) {
    let Some(after) = next.analysis.clone() else {
        return;
    };
    let before = before.unwrap_or_else(|| Rc::new(analyze(before_text, Options::default())));
    let node = state.node();
    let changes = svcplay::changes::diff(&before, &after, &node, state.mode);
    next.changed_nothing = changes.is_empty();
    next.changes = keep_change(&state.changes, changes);
}

/// The state with `request` sent: answered at once when the text was analysed here, else
/// left to the worker (the app shell sends it once the worker has the revision).
fn simulate(state: &State, request: SimRequest) -> State {
    let mut next = state.clone();
    let id = state.simulation.as_ref().map_or(1, |s| s.id + 1);
    next.simulation = Some(Simulation {
        id,
        rev: state.rev,
        answer: state
            .analysis
            .as_ref()
            .map(|a| Rc::new(snapshot::simulate(a, &request))),
        request,
    });
    next
}

fn analyse_here(next: &mut State, text: &str) {
    let analysis = Rc::new(analyze(text, Options::default()));
    next.summary = Rc::new(snapshot::summary(&analysis));
    next.summary_rev = next.rev;
    next.analysis = Some(analysis);
    next.analysed = (next.rev, Rc::from(text));
}

/// Applies what a link asks to show: view, mode, node and output.
fn apply_settings(next: &mut State, settings: &Settings) {
    if let Some(tab) = settings.tab {
        next.tab = tab;
    }
    if settings.mode.is_some() {
        next.mode = settings.mode;
        next.rules_view = None;
    }
    if let Some(node) = &settings.node {
        next.node = Some(node.clone());
    }
    if let Some(view) = settings.rules_view {
        next.rules_view = Some(view);
    }
}

/// The one replacement of the text (see [`super::history`]).
fn replace(state: &State, incoming: Incoming, confirmed: bool) -> State {
    if incoming.text.len() > MAX_SCENARIO_BYTES {
        return State {
            notice: Some(Notice::Text(
                Msg::TooLarge,
                (MAX_SCENARIO_BYTES / (1024 * 1024)).to_string(),
            )),
            ..state.clone()
        };
    }
    let mut next = state.clone();
    let mut kept = false;
    // An embed's text belongs to the page that embeds it, until the reader edits it: then it
    // is theirs, kept (for this visit only: an embed saves nothing) when the page sends
    // another.
    let at_stake = history::worth_keeping(&state.text) && (!state.embed.enabled || state.edited);
    if *incoming.text != *state.text && at_stake {
        let entry = Entry {
            text: state.text.clone(),
            // What an embed keeps is always the reader's edit, whatever it was made from.
            source: if state.embed.enabled {
                Source::Typed
            } else {
                state.source.clone()
            },
            at_ms: incoming.at_ms,
        };
        match state.history.with(entry) {
            Ok(h) => {
                next.history = Rc::new(h);
                next.history_rev += 1;
                kept = true;
            }
            Err(history::TooBig) if !confirmed => {
                next.pending = Some(incoming);
                next.overlay = Some(Overlay::ConfirmReplace);
                return next;
            }
            Err(history::TooBig) => {}
        }
    }
    next.pending = None;
    if next.overlay == Some(Overlay::ConfirmReplace) {
        next.overlay = None;
    }
    apply_settings(&mut next, &incoming.settings);
    next.lab = match &incoming.source {
        Source::Example(id) => Some(id.clone()),
        _ => None,
    };
    // A built-in example is known to be safe: opening one ends a safe start.
    if matches!(incoming.source, Source::Example(_)) {
        next.paused = false;
    }
    next.notice = kept.then(|| Notice::Replaced(incoming.source.clone()));
    // The reader's own text coming back (an embed's, after its frame was reloaded) stays
    // theirs.
    let edited = incoming.source == Source::Typed;
    next.source = incoming.source;
    next.edited = edited;
    if *incoming.text == *state.text {
        return next;
    }
    next.rules_object = None;
    // Another scenario: its own command history, a fresh shell.
    let key = commands_key(&incoming.text);
    if key != state.commands_key {
        next.commands_key = key;
        next.commands = Vec::new();
        next.shell = svcplay::shell::Terminal::default();
        next.looping = None;
        next.editing = None;
    }
    let mut next = with_text(&next, Rc::from(incoming.text), true, Change::Outside);
    next.edited = edited;
    next
}

/// Runs a one-click action on the text.
pub fn act(text: &str, action: &UiAction) -> Result<String, String> {
    use svcplay::actions;
    let result = match action {
        UiAction::Scale {
            namespace,
            name,
            replicas,
        } => actions::scale(text, namespace, name, *replicas),
        UiAction::PodReady {
            namespace,
            name,
            ready,
        } => actions::set_pod_ready(text, namespace, name, *ready),
        UiAction::PodDelete {
            namespace,
            name,
            delete: true,
        } => actions::delete_pod(text, namespace, name),
        UiAction::PodDelete {
            namespace,
            name,
            delete: false,
        } => actions::restore_pod(text, namespace, name),
        UiAction::PodGone { namespace, name } => actions::finish_deletion(text, namespace, name),
        UiAction::NodeReady { name, ready } => actions::set_node_ready(text, name, *ready),
    };
    result.map_err(|e| e.to_string())
}

/// The state after an action; with a lesson open, its checks run again on what changed.
pub fn reduce(state: &State, action: Action) -> State {
    let forced = matches!(action, Action::Lesson(LessonAction::Check));
    let command = match &action {
        Action::RunCommand(line) if !line.trim().is_empty() && state.looping.is_none() => {
            Some(line.trim_end().to_string())
        }
        _ => None,
    };
    let mut next = answer_waiting(reduce_action(state, action));
    let Some(course) = next.course.clone() else {
        return next;
    };
    let mut course = (*course).clone();
    let mut force = forced;
    if let Some(line) = command {
        course.commands.push(line);
        force = true;
    }
    // Large texts wait for the worker; a paused one for the user; a typed one for its
    // analysis after the keystroke's frame.
    let affordable = next.analysis.is_some() || next.text.len() <= LARGE_TEXT;
    if next.paused || !affordable || next.deferred {
        next.course = Some(Rc::new(course));
        return next;
    }
    if let Some(checked) = lesson::recheck(
        &course,
        next.rev,
        &next.text,
        next.analysis.as_deref(),
        force,
    ) {
        course = checked;
        if course.passed() {
            if let Some(progress) = next.progress.with(&course.lesson, course.step) {
                next.progress = Rc::new(progress);
                next.progress_rev += 1;
            }
        }
    }
    next.course = Some(Rc::new(course));
    next
}

/// A step's scenario in the editor (through [`replace`]), the course at that step.
fn open_step(state: &State, course: Course, at_ms: f64) -> State {
    match lesson::start_incoming(&course, state.lang, at_ms) {
        Ok(incoming) => {
            let mut next = replace(state, incoming, false);
            next.course = Some(Rc::new(course));
            next
        }
        Err(e) => State {
            notice: Some(Notice::Text(Msg::LessonStartFailed, e)),
            ..state.clone()
        },
    }
}

fn reduce_lesson(state: &State, action: LessonAction) -> State {
    let with_course = |course: Course| State {
        course: Some(Rc::new(course)),
        ..state.clone()
    };
    let current = state.course.as_deref().cloned();
    match (action, current) {
        (LessonAction::Open(course, at_ms), _) => {
            let mut next = open_step(state, course, at_ms);
            if next.overlay == Some(Overlay::Lessons) {
                next.overlay = None;
            }
            next
        }
        (LessonAction::LoadProgress(progress), _) => State {
            progress: Rc::new(progress),
            ..state.clone()
        },
        (LessonAction::Failed(msg, arg), _) => State {
            notice: Some(Notice::Text(msg, arg)),
            ..state.clone()
        },
        (_, None) => state.clone(),
        (LessonAction::Step(step, at_ms), Some(course)) => {
            if step >= course.lesson.steps.len() || step == course.step {
                return state.clone();
            }
            let target = course.at(step);
            // The next step carries on from where this one ends: the learner's own passing
            // work stays in the editor (no replacement) unless the step starts afresh.
            let carries_on = step == course.step + 1
                && course.passed()
                && course.lesson.steps[step].start.is_none();
            if carries_on {
                with_course(target)
            } else {
                open_step(state, target, at_ms)
            }
        }
        (LessonAction::Reset(at_ms), Some(course)) => {
            open_step(state, course.at(course.step), at_ms)
        }
        (LessonAction::Solve(at_ms), Some(mut course)) => {
            let Some(solved) = lesson::solved(&course, &state.text, &state.shell) else {
                return state.clone();
            };
            course.commands.extend(solved.commands);
            let incoming =
                Incoming::new(solved.text, Source::Lesson(course.lesson.id.clone()), at_ms);
            let mut next = replace(state, incoming, false);
            next.course = Some(Rc::new(course));
            if let Some(failure) = solved.failures.first() {
                next.notice = Some(Notice::Text(Msg::ActionFailed, failure.clone()));
            }
            next
        }
        (LessonAction::Manifest(yaml), Some(_)) => {
            let text = lesson::with_manifest(&state.text, &yaml);
            with_text(state, Rc::from(text), true, Change::Edit)
        }
        (LessonAction::Hint, Some(mut course)) => {
            course.hints += 1;
            with_course(course)
        }
        (LessonAction::Check, Some(course)) => with_course(course),
        (LessonAction::Presenter(on), Some(mut course)) => {
            course.presenter = on;
            with_course(course)
        }
        (LessonAction::SetLink(link), Some(mut course)) => {
            course.link = Some(link);
            with_course(course)
        }
        (LessonAction::Close, Some(_)) => State {
            course: None,
            ..state.clone()
        },
    }
}

/// Commands typed while the text waited for its analysis, run by the shell (in order, each
/// in the state the one before left) once the page holds the analysis.
fn answer_waiting(mut state: State) -> State {
    while state.looping.is_none() && state.editing.is_none() {
        let Some(analysis) = state.analysis.clone() else {
            break;
        };
        let Some(index) = state
            .terminal
            .iter()
            .position(|e| e.running && e.output.is_empty())
        else {
            break;
        };
        let line = state.terminal[index].command.clone();
        let outcome = svcplay::shell::run(svcplay::shell::Request {
            text: &state.text,
            analysis: Some(analysis),
            terminal: &state.shell,
            line: &line,
            interrupt_after: None,
        });
        state = apply_outcome_at(&state, index, outcome);
    }
    state
}

fn reduce_action(state: &State, action: Action) -> State {
    match action {
        Action::Lesson(action) => reduce_lesson(state, action),
        Action::SetText(text) if *text == *state.text => state.clone(),
        Action::SetText(text) => with_text(state, text, false, Change::Typed),
        // The splice is trusted only when it is of the very text on show and fits both
        // lengths; otherwise it is a text typed, with nothing kept for the worker.
        Action::Typed {
            before,
            text,
            splice,
        } if Rc::ptr_eq(&before, &state.text) && splice.fits(before.len(), text.len()) => {
            if splice.start == splice.old_end && splice.start == splice.new_end {
                return state.clone();
            }
            let mut next = with_text(state, text, false, Change::Typed);
            let mut splices = state.splices.clone();
            if splices.len() >= KEPT_SPLICES {
                splices.remove(0);
            }
            splices.push((next.rev, splice));
            next.splices = splices;
            next
        }
        Action::Typed { text, .. } => reduce_action(state, Action::SetText(text)),
        Action::AnalyseTyped(rev) if rev == state.rev && state.deferred => {
            let mut next = state.clone();
            next.deferred = false;
            next.typed_from = None;
            analyse_here(&mut next, &state.text);
            if let Some((before, before_text)) = &state.typed_from {
                note_changes(&mut next, state, before.clone(), before_text);
            }
            // The keystroke sent the traffic panel's requests again (`with_text`): they are
            // answered now, under the same id.
            if let (Some(s), Some(a)) = (&mut next.simulation, &next.analysis) {
                if s.rev == rev && s.answer.is_none() {
                    s.answer = Some(Rc::new(snapshot::simulate(a, &s.request)));
                }
            }
            next
        }
        Action::AnalyseTyped(_) => state.clone(),
        Action::Replace(incoming) => replace(state, incoming, false),
        Action::ConfirmReplace => match state.pending.clone() {
            Some(incoming) => replace(state, incoming, true),
            None => state.clone(),
        },
        Action::Restore(i) => match state.history.entries.get(i) {
            Some(entry) => {
                let incoming = Incoming::new(entry.text.to_string(), entry.source.clone(), 0.0);
                let without = State {
                    history: Rc::new(state.history.without(i)),
                    history_rev: state.history_rev + 1,
                    ..state.clone()
                };
                let mut next = replace(&without, incoming, false);
                if next.notice == Some(Notice::Replaced(entry.source.clone())) {
                    next.notice = Some(Notice::Msg(Msg::Restored));
                }
                if *next.text == *entry.text {
                    next.edited = true;
                }
                // A restored text is the user's own again.
                if next.overlay == Some(Overlay::History) {
                    next.overlay = None;
                }
                next
            }
            None => state.clone(),
        },
        Action::Forget(i) => State {
            history: Rc::new(state.history.without(i)),
            history_rev: state.history_rev + 1,
            ..state.clone()
        },
        Action::OpenDraft {
            text,
            cost_ms,
            safe,
        } => {
            let start = State {
                paused: safe,
                cost_ms,
                source: Source::Typed,
                notice: safe.then_some(Notice::Paused(Msg::SafeStartDraft)),
                ..state.clone()
            };
            // The draft's cost is that of its last analysis: when cheap, it is analysed
            // here at once; otherwise (or unknown) in the worker.
            let change = if cost_ms.is_some() {
                Change::Known
            } else {
                Change::Outside
            };
            let mut next = with_text(&start, Rc::from(text), true, change);
            next.cost_ms = cost_ms;
            next
        }
        Action::Pause(why) => State {
            paused: true,
            notice: Some(Notice::Paused(why)),
            ..state.clone()
        },
        Action::Resume => {
            let mut next = State {
                paused: false,
                notice: None,
                ..state.clone()
            };
            if next.analysis.is_none() && next.worker == WorkerStatus::Down {
                let text = next.text.clone();
                analyse_here(&mut next, &text);
            }
            next
        }
        Action::CloseLab => State {
            lab: None,
            ..state.clone()
        },
        Action::WorkerSummary(rev, summary, ms) => {
            let mut next = state.clone();
            if rev == state.rev {
                next.summary = Rc::new(summary);
                next.summary_rev = rev;
                next.analysed = (rev, state.text.clone());
                next.cost_ms = Some(ms);
                // Now known to be cheap: analyse it here too, so that what needs the
                // analysis on the page (the traffic simulation) has it, and the next
                // keystroke is analysed here.
                // So is a text terminal commands wait for, up to what a command may cost.
                let waiting = state
                    .terminal
                    .iter()
                    .any(|e| e.running && e.output.is_empty());
                let budget = if waiting {
                    COMMAND_BUDGET_MS
                } else {
                    MAIN_THREAD_BUDGET_MS
                };
                if ms <= budget && state.text.len() <= LARGE_TEXT {
                    let text = state.text.clone();
                    analyse_here(&mut next, &text);
                }
            }
            next
        }
        Action::WorkerPanel(rev, selection, panel) => {
            let mut next = state.clone();
            if rev == state.rev {
                next.worker_panel = Some((rev, selection, Rc::new(panel)));
            }
            next
        }
        Action::WorkerAnalysed {
            rev,
            summary,
            ms,
            panel,
        } => {
            let next = reduce_action(state, Action::WorkerSummary(rev, summary, ms));
            match panel {
                Some((selection, panel)) => {
                    reduce_action(&next, Action::WorkerPanel(rev, selection, panel))
                }
                None => next,
            }
        }
        Action::WorkerChanges(rev, changes) => {
            let mut next = state.clone();
            // Kept when the revision is still the one on show and was an edit.
            if rev == state.rev && rev == state.edit_rev && rev == state.summary_rev {
                next.changed_nothing = changes.is_empty();
                next.changes = keep_change(&state.changes, changes);
            }
            next
        }
        Action::WorkerStarting => State {
            worker: WorkerStatus::Starting,
            ..state.clone()
        },
        Action::WorkerReady(true) => State {
            worker: WorkerStatus::Up,
            ..state.clone()
        },
        Action::WorkerReady(false) => {
            let mut next = State {
                worker: WorkerStatus::Down,
                ..state.clone()
            };
            if next.analysis.is_none() && !next.paused {
                if state.worker == WorkerStatus::Up {
                    // The worker died with a text to analyse, maybe because of it: analysing
                    // it here could freeze the page, so the user decides.
                    next.paused = true;
                    next.notice = Some(Notice::Paused(Msg::WorkerDied));
                } else {
                    // There never was a worker: analyse here, late rather than never.
                    let text = next.text.clone();
                    analyse_here(&mut next, &text);
                }
            }
            next
        }
        Action::TerminalOutput(index, output) => {
            let mut next = state.clone();
            // (Unless the page's shell answered it first, once the analysis arrived here.)
            if let Some(entry) = next
                .terminal
                .get_mut(index)
                .filter(|e| e.running && e.output.is_empty())
            {
                entry.output = output_chunks(&output);
                entry.running = false;
            }
            next
        }
        Action::TerminalTick => resume_loop(state),
        Action::TerminalInterrupt(typed) => interrupt(state, typed),
        Action::TerminalClear => State {
            terminal: Vec::new(),
            ..state.clone()
        },
        Action::TerminalEditorDone(saved) => finish_edit(state, saved),
        Action::SetCommands(commands) => State {
            commands,
            ..state.clone()
        },
        Action::SelectTab(tab) => State {
            tab,
            // A rule's ranges are lit only while the kube-proxy view shows it.
            highlight: Rc::new(Vec::new()),
            ..state.clone()
        },
        Action::SetDump(dump) => State {
            dump,
            ..state.clone()
        },
        Action::SelectNode(node) => State {
            node: Some(node),
            ..state.clone()
        },
        Action::SelectMode(mode) => {
            let next = State {
                mode,
                rules_view: None,
                ..state.clone()
            };
            match &state.simulation {
                Some(s) if s.request.mode != mode => simulate(
                    &next,
                    SimRequest {
                        mode,
                        ..s.request.clone()
                    },
                ),
                _ => next,
            }
        }
        Action::Simulate(request) => simulate(state, request),
        Action::Simulated(id, answer) => {
            let mut next = state.clone();
            if let Some(s) = next.simulation.as_mut().filter(|s| s.id == id) {
                s.answer = Some(Rc::new(answer));
            }
            next
        }
        Action::SelectRulesView(view) => State {
            rules_view: Some(view),
            ..state.clone()
        },
        Action::FilterRules(filter) => State {
            rules_filter: filter,
            ..state.clone()
        },
        Action::ShowRulesOf(object) => State {
            rules_object: object,
            tab: if object.is_some() {
                Tab::Rules
            } else {
                state.tab
            },
            ..state.clone()
        },
        Action::SetLang(lang) => State {
            lang,
            ..state.clone()
        },
        Action::SetTheme(theme) => State {
            theme,
            ..state.clone()
        },
        Action::SetPrefs(prefs) => State {
            prefs,
            ..state.clone()
        },
        Action::LoadHistory(history) => State {
            history: Rc::new(history),
            ..state.clone()
        },
        Action::Open(overlay) => State {
            overlay,
            ..state.clone()
        },
        Action::Reveal(span) => State {
            reveal: (state.reveal.0 + 1, Some(span)),
            ..state.clone()
        },
        Action::ScrollTo(line) => State {
            scroll_to: (state.scroll_to.0 + 1, line),
            ..state.clone()
        },
        Action::RunCommand(line) => run_command(state, line),
        Action::Act(action) => match act(&state.text, &action) {
            Ok(text) => {
                let mut next = with_text(state, Rc::from(text), true, Change::Edit);
                next.notice = None;
                next
            }
            Err(message) => State {
                notice: Some(Notice::Text(Msg::ActionFailed, message)),
                ..state.clone()
            },
        },
        Action::Notify(notice) => State {
            notice,
            ..state.clone()
        },
        Action::SetEmbed(embed) => State {
            embed,
            ..state.clone()
        },
        Action::Highlight(spans) => State {
            highlight: Rc::new(spans),
            ..state.clone()
        },
        Action::Cursor(line, column) => State {
            cursor: Some((line, column)),
            ..state.clone()
        },
        Action::SelectTarget(target) => State {
            target: Some(target),
            ..state.clone()
        },
        Action::SelectCompareModes(modes) => State {
            compare_modes: modes,
            ..state.clone()
        },
    }
}

/// The kept changes with one more (the oldest dropped past [`svcplay::changes::KEPT`]).
/// An edit that changed nothing downstream (a comment, a label nobody selects, a
/// keystroke inside a word) is not kept: it would push out the edits that did.
fn keep_change(
    kept: &Rc<Vec<svcplay::changes::Changes>>,
    changes: svcplay::changes::Changes,
) -> Rc<Vec<svcplay::changes::Changes>> {
    if changes.is_empty() {
        return kept.clone();
    }
    let mut all: Vec<svcplay::changes::Changes> = kept.to_vec();
    all.push(changes);
    let extra = all.len().saturating_sub(svcplay::changes::KEPT);
    all.drain(..extra);
    Rc::new(all)
}

/// A scenario's identity for its stored history: a hash of its text as it was loaded.
pub fn commands_key(text: &str) -> String {
    format!("{:016x}", svcplay::hash::fnv64a(text.as_bytes()))
}

/// The prompt the terminal shows now.
pub fn prompt(state: &State) -> String {
    match &state.analysis {
        Some(a) => svcplay::shell::prompt(a, &state.shell),
        // Not the views' node: the shell's, read from the text (its session document and
        // Nodes) while the worker analyses it.
        None => svcplay::shell::prompt_in_text(&state.text, &state.shell),
    }
}

/// The node the terminal's shell is on (its welcome line names it), analysed or not.
pub fn shell_node(state: &State) -> String {
    match &state.analysis {
        Some(a) => svcplay::shell::node_of(a),
        None => svcplay::shell::node_in_text(&state.text),
    }
}

fn output_chunks(output: &CommandOutput) -> Vec<(bool, String)> {
    let mut out = Vec::new();
    if !output.stdout.is_empty() {
        out.push((false, output.stdout.clone()));
    }
    if !output.stderr.is_empty() {
        out.push((true, output.stderr.clone()));
    }
    out
}

fn chunks(outcome: &svcplay::shell::Outcome) -> Vec<(bool, String)> {
    outcome
        .output
        .iter()
        .map(|c| (c.stream == svcplay::shell::Stream::Stderr, c.text.clone()))
        .collect()
}

/// Takes what a shell step did: its output into the last entry, its shell state, its
/// loop and editor, and the scenario text it left (the editor and every view follow).
fn apply_outcome(state: &State, outcome: svcplay::shell::Outcome) -> State {
    apply_outcome_at(state, state.terminal.len().saturating_sub(1), outcome)
}

/// [`apply_outcome`] into entry `index`.
fn apply_outcome_at(state: &State, index: usize, outcome: svcplay::shell::Outcome) -> State {
    let mut next = if outcome.changed {
        // What the terminal changes is the user's own edit (the editor's undo takes it
        // back), not a replacement: it keeps no entry in the recent scenarios. A line
        // that only moved the clock (`sleep`) changed nothing downstream to show.
        let change = if outcome.edited {
            Change::Edit
        } else {
            Change::Clock
        };
        with_text(state, Rc::from(outcome.text.as_str()), true, change)
    } else {
        state.clone()
    };
    if outcome.clear {
        next.terminal.clear();
    } else if let Some(entry) = next.terminal.get_mut(index) {
        // Text of one stream after the same stream continues it (a loop's lines).
        for (err, text) in chunks(&outcome) {
            match entry.output.last_mut() {
                Some((last_err, last)) if *last_err == err => last.push_str(&text),
                _ => entry.output.push((err, text)),
            }
        }
        entry.running = outcome.pending.is_some();
    }
    next.shell = outcome.terminal;
    next.looping = outcome.pending;
    next.editing = outcome.editor;
    next
}

fn run_command(state: &State, line: String) -> State {
    let mut next = state.clone();
    let command = line.trim_end().to_string();
    if state.looping.is_some() || state.editing.is_some() {
        return next;
    }
    if !command.trim().is_empty() {
        next.commands.push(command.clone());
        let excess = next.commands.len().saturating_sub(HISTORY_LIMIT);
        next.commands.drain(..excess);
    }
    let prompt = prompt(state);
    // The shell needs the analysis on this thread. A text the worker has measured (this
    // revision: `cost_ms` is its cost) as cheap enough for a pause the user asked for, or
    // any text without a worker, is analysed here now; otherwise the worker's views
    // answer, read-only.
    let analysis = state.analysis.clone().or_else(|| {
        let affordable = state.worker == WorkerStatus::Down
            || (state.text.len() <= LARGE_TEXT
                && state.summary_rev == state.rev
                && state.cost_ms.is_some_and(|ms| ms <= COMMAND_BUDGET_MS));
        (affordable && !state.paused).then(|| {
            analyse_here(&mut next, &state.text);
            next.analysis.clone()
        })?
    });
    let Some(analysis) = analysis else {
        // A scenario the worker analyses: its views answer (read-only commands).
        next.terminal.push(TermEntry {
            prompt,
            command,
            output: Vec::new(),
            running: true,
        });
        return next;
    };
    next.terminal.push(TermEntry {
        prompt,
        command: command.clone(),
        output: Vec::new(),
        running: false,
    });
    if command.trim().is_empty() {
        return next;
    }
    let outcome = svcplay::shell::run(svcplay::shell::Request {
        text: &state.text,
        analysis: Some(analysis),
        terminal: &state.shell,
        line: &command,
        interrupt_after: None,
    });
    apply_outcome(&next, outcome)
}

fn resume_loop(state: &State) -> State {
    let Some(pending) = state.looping.clone() else {
        return state.clone();
    };
    let outcome = svcplay::shell::resume(
        svcplay::shell::Request {
            text: &state.text,
            analysis: state.analysis.clone(),
            terminal: &state.shell,
            line: "",
            interrupt_after: None,
        },
        pending,
    );
    apply_outcome(state, outcome)
}

fn interrupt(state: &State, typed: String) -> State {
    if state.looping.is_some() {
        let outcome = svcplay::shell::interrupt(&state.text, &state.shell);
        return apply_outcome(state, outcome);
    }
    // At the prompt bash prints the line with ^C and gives a new prompt.
    let mut next = state.clone();
    next.terminal.push(TermEntry {
        prompt: prompt(state),
        command: format!("{typed}^C"),
        output: Vec::new(),
        running: false,
    });
    next
}

fn finish_edit(state: &State, saved: Option<String>) -> State {
    let Some(editor) = state.editing.clone() else {
        return state.clone();
    };
    let outcome = svcplay::shell::finish_edit(&state.text, &state.shell, &editor, saved.as_deref());
    let mut next = apply_outcome(state, outcome);
    if next.editing.as_ref() == Some(&editor) {
        next.editing = None;
    }
    next
}

/// The user types `text` in the editor, and the frame that paints it goes by (the app
/// shell then dispatches [`Action::AnalyseTyped`]).
#[cfg(test)]
pub fn type_in(state: &State, text: Rc<str>) -> State {
    let next = reduce(state, Action::SetText(text));
    reduce(&next, Action::AnalyseTyped(next.rev))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scaling_the_deployment_changes_the_cascade() {
        let state = State::new(svcplay::examples::DEFAULT);
        let rules = |s: &State| {
            snapshot::rules(
                s.analysis.as_ref().expect("analysed here"),
                &s.node(),
                None,
                None,
            )
            .text
        };
        assert!(rules(&state).contains("--probability 0.3333333333"));
        let scaled = svcplay::examples::DEFAULT.replace("replicas: 3", "replicas: 4");
        let state = type_in(&state, scaled.into());
        assert_eq!(state.rev, 1);
        assert_eq!(state.loads, 0);
        let text = rules(&state);
        for p in ["0.2500000000", "0.3333333333", "0.5000000000"] {
            assert!(text.contains(&format!("--probability {p}")), "{text}");
        }
    }

    #[test]
    fn each_edit_says_what_it_changed_and_the_last_few_are_kept() {
        let mut state = State::new(svcplay::examples::DEFAULT);
        assert!(state.changes.is_empty());
        let scaled = svcplay::examples::DEFAULT.replace("replicas: 3", "replicas: 4");
        state = type_in(&state, scaled.clone().into());
        assert_eq!(state.changes.len(), 1);
        assert!(!state.changed_nothing);
        let c = &state.changes[0];
        assert_eq!(c.endpoints.iter().map(|e| e.added.len()).sum::<usize>(), 1);
        let summary = c.summary(svcplay::lang::Lang::En);
        assert!(summary.contains("1 endpoint added"), "{summary}");
        assert!(summary.contains("KUBE-SVC-"), "{summary}");
        // A comment changes nothing downstream: said, not kept.
        state = type_in(&state, format!("# a note\n{scaled}").into());
        assert!(state.changed_nothing);
        assert_eq!(state.changes.len(), 1);
        // Scaling on and on keeps the last KEPT edits.
        for n in 5..12 {
            let text = svcplay::examples::DEFAULT.replace("replicas: 3", &format!("replicas: {n}"));
            state = type_in(&state, text.into());
        }
        assert_eq!(state.changes.len(), svcplay::changes::KEPT);
        let last = state.changes.last().expect("the last edit");
        assert!(last.endpoints.iter().any(|e| e.added.len() == 1));
        // A summary from the worker with no diff in it adds nothing.
        let before = state.changes.clone();
        state = reduce(
            &state,
            Action::WorkerSummary(state.rev, Summary::default(), 1.0),
        );
        assert_eq!(state.changes, before);
    }

    #[test]
    fn an_edit_of_a_text_the_worker_analysed_says_what_it_changed() {
        let mut state = State::new(svcplay::examples::DEFAULT);
        // As after a text from outside: the worker holds its analysis, the page none.
        state.analysis = None;
        let scaled = svcplay::examples::DEFAULT.replace("replicas: 3", "replicas: 2");
        state = type_in(&state, scaled.into());
        assert!(state.analysis.is_some(), "a small edit is analysed here");
        assert_eq!(state.changes.len(), 1);
        let removed: usize = state.changes[0]
            .endpoints
            .iter()
            .map(|e| e.removed.len())
            .sum();
        assert_eq!(removed, 1);
    }

    #[test]
    fn a_rule_pointed_at_lights_yaml_until_the_text_or_the_view_changes() {
        let mut state = State::new(svcplay::examples::DEFAULT);
        let span = Span::default();
        state = reduce(&state, Action::Highlight(vec![span]));
        assert_eq!(state.highlight.len(), 1);
        state = reduce(&state, Action::SelectTab(Tab::Dns));
        assert!(state.highlight.is_empty());
        state = reduce(&state, Action::Highlight(vec![span]));
        state = type_in(&state, format!("{}\n", svcplay::examples::DEFAULT).into());
        assert!(state.highlight.is_empty());
        state = reduce(&state, Action::Cursor(12, 3));
        assert_eq!(state.cursor, Some((12, 3)));
        // The compare panel's choices go into the selection only on its tab.
        state = reduce(
            &state,
            Action::SelectCompareModes(vec![ProxyMode::Iptables, ProxyMode::Ipvs]),
        );
        state = reduce(&state, Action::SelectTarget(1));
        assert_eq!(state.selection().compare, Vec::new());
        state = reduce(&state, Action::SelectTab(Tab::Compare));
        let selection = state.selection();
        assert_eq!(
            selection.compare,
            vec![ProxyMode::Iptables, ProxyMode::Ipvs]
        );
        assert_eq!(selection.target, Some(1));
    }

    #[test]
    fn the_chosen_node_falls_back_when_it_disappears() {
        let state = State::new(svcplay::examples::DEFAULT);
        assert_eq!(state.node(), "k8s-worker01");
        let state = reduce(&state, Action::SelectNode("k8s-worker02".into()));
        assert_eq!(state.node(), "k8s-worker02");
        let state = reduce(&state, Action::SelectNode("gone".into()));
        assert_eq!(state.node(), "k8s-worker01");
    }

    #[test]
    fn actions_edit_the_text_and_ask_the_editor_to_follow() {
        let state = State::new(svcplay::examples::DEFAULT);
        let state = reduce(
            &state,
            Action::Act(UiAction::Scale {
                namespace: "dev".into(),
                name: "pc-deployment".into(),
                replicas: 5,
            }),
        );
        assert!(state.text.contains("replicas: 5"));
        assert_eq!(state.loads, 1);
        let state = reduce(
            &state,
            Action::Act(UiAction::Scale {
                namespace: "dev".into(),
                name: "nowhere".into(),
                replicas: 5,
            }),
        );
        assert!(matches!(
            state.notice,
            Some(Notice::Text(Msg::ActionFailed, _))
        ));
    }

    #[test]
    fn the_terminal_runs_commands_keeps_history_and_clears() {
        let state = State::new(svcplay::examples::DEFAULT);
        let state = reduce(&state, Action::RunCommand("kubectl get pods -n dev".into()));
        let state = reduce(&state, Action::RunCommand("nosuch".into()));
        assert_eq!(state.terminal.len(), 2);
        assert!(
            state.terminal[0].text().contains("pc-deployment-"),
            "{:?}",
            state.terminal[0]
        );
        assert_eq!(
            state.terminal[1].output,
            vec![(true, "bash: nosuch: command not found\n".to_string())]
        );
        assert_eq!(state.commands, ["kubectl get pods -n dev", "nosuch"]);
        let state = reduce(&state, Action::RunCommand("clear".into()));
        assert!(state.terminal.is_empty());
    }

    #[test]
    fn the_terminal_changes_the_scenario_and_the_editor_follows() {
        let state = State::new(svcplay::examples::DEFAULT);
        let loads = state.loads;
        let state = reduce(
            &state,
            Action::RunCommand("kubectl scale deployment pc-deployment -n dev --replicas=5".into()),
        );
        assert!(state.text.contains("replicas: 5"), "{}", state.text);
        assert_eq!(state.loads, loads + 1);
        // The terminal's change is the user's edit: "what changed" says so like any other.
        assert_eq!(state.changes.len(), 1);
        let added: usize = state.changes[0]
            .endpoints
            .iter()
            .map(|e| e.added.len())
            .sum();
        assert_eq!(added, 2, "{:?}", state.changes[0].endpoints);
        // A loop runs one iteration per tick until Ctrl+C.
        let state = reduce(
            &state,
            Action::RunCommand("while true; do echo hi; sleep 1; done".into()),
        );
        assert!(state.looping.is_some());
        let state = reduce(&state, Action::TerminalTick);
        let state = reduce(&state, Action::TerminalInterrupt(String::new()));
        assert!(state.looping.is_none());
        let last = state.terminal.last().unwrap().text();
        assert!(
            last.starts_with("hi\nhi\n") && last.ends_with("^C\n"),
            "{last:?}"
        );
        // The loop's steps and a curl moved the session clock and recorded connections:
        // the text changed, nothing downstream did, and the scaling stays the last edit.
        let scaled = state.text.clone();
        let state = reduce(&state, Action::RunCommand("curl -s 10.97.97.97".into()));
        assert!(
            state
                .terminal
                .last()
                .unwrap()
                .text()
                .contains("Welcome to nginx!")
        );
        assert_ne!(state.text, scaled);
        assert_eq!(state.changes.len(), 1);
        assert!(!state.changed_nothing);
        // vi opens the editor; saving writes the file.
        let state = reduce(&state, Action::RunCommand("vi notes.txt".into()));
        assert!(state.editing.is_some());
        let state = reduce(&state, Action::TerminalEditorDone(Some("hello\n".into())));
        assert!(state.editing.is_none());
        let state = reduce(&state, Action::RunCommand("cat notes.txt".into()));
        assert_eq!(state.terminal.last().unwrap().text(), "hello\n");
    }

    /// A page with its worker up where the user typed a text over [`LARGE_TEXT`] bytes.
    fn typed_a_large_text() -> (State, String) {
        let state = reduce(
            &State::new(svcplay::examples::DEFAULT),
            Action::WorkerReady(true),
        );
        let big = format!(
            "{}\n{}",
            svcplay::examples::DEFAULT,
            "#\n".repeat(LARGE_TEXT)
        );
        (type_in(&state, big.as_str().into()), big)
    }

    #[test]
    fn large_texts_wait_for_the_worker_and_stale_answers_are_dropped() {
        let (mut state, big) = typed_a_large_text();
        assert!(state.analysis.is_none() && state.computing() && state.uses_worker());
        let stale = state.rev - 1;
        state = reduce(
            &state,
            Action::WorkerSummary(stale, Summary::default(), 1.0),
        );
        assert!(state.computing());
        let analysis = analyze(&big, Options::default());
        state = reduce(
            &state,
            Action::WorkerSummary(state.rev, snapshot::summary(&analysis), 800.0),
        );
        assert!(!state.computing() && state.analysis.is_none());
        assert_eq!(state.cost_ms, Some(800.0));
        // Should the worker die on a text, the page does not analyse that text itself
        // (it may be what killed the worker): it pauses, and the user resumes.
        state = type_in(&state, format!("{big}#\n").into());
        state = reduce(&state, Action::WorkerReady(false));
        assert!(state.paused && state.analysis.is_none());
        assert_eq!(state.notice, Some(Notice::Paused(Msg::WorkerDied)));
        state = reduce(&state, Action::Resume);
        assert!(!state.paused && state.analysis.is_some() && !state.computing());
    }

    /// What an edit analysed in the worker changed comes after its summary: kept for the
    /// edit on show, not for an older revision nor before its summary.
    #[test]
    fn the_workers_changes_follow_the_summary_of_the_edit_on_show() {
        let (mut state, big) = typed_a_large_text();
        let scaled = big.replacen("replicas: 3", "replicas: 2", 1);
        let (before, after) = (
            analyze(&big, Options::default()),
            analyze(&scaled, Options::default()),
        );
        let changes = svcplay::changes::diff(&before, &after, &after.default_node(), None);
        assert!(!changes.is_empty());
        state = reduce(
            &state,
            Action::WorkerSummary(state.rev, snapshot::summary(&before), 900.0),
        );
        state = type_in(&state, scaled.as_str().into());
        let kept = state.changes.len();
        // Before the summary of the edit: not yet.
        state = reduce(&state, Action::WorkerChanges(state.rev, changes.clone()));
        assert_eq!(state.changes.len(), kept);
        state = reduce(
            &state,
            Action::WorkerSummary(state.rev, snapshot::summary(&after), 900.0),
        );
        // Of an older revision: dropped.
        state = reduce(
            &state,
            Action::WorkerChanges(state.rev - 1, changes.clone()),
        );
        assert_eq!(state.changes.len(), kept);
        state = reduce(&state, Action::WorkerChanges(state.rev, changes.clone()));
        assert_eq!(state.changes.len(), kept + 1);
        assert_eq!(state.changes.last(), Some(&changes));
        assert!(!state.changed_nothing);
    }

    /// A page whose worker is up, with the default lab analysed here at a known cost.
    fn with_worker() -> State {
        let mut state = State::new(svcplay::examples::DEFAULT);
        state.cost_ms = Some(2.0);
        reduce(&state, Action::WorkerReady(true))
    }

    #[test]
    fn a_text_from_outside_of_unknown_cost_is_not_called_large() {
        let state = with_worker();
        let text = format!("# 默认实验\n{}", svcplay::examples::DEFAULT);
        let link = Incoming::new(&text, Source::Link, 0.0);
        let next = reduce(&state, Action::Replace(link));
        assert!(next.uses_worker() && !next.is_large());
        let slow = State {
            cost_ms: Some(15_000.0),
            ..next.clone()
        };
        assert!(slow.is_large());
        let long = State {
            text: "#\n".repeat(LARGE_TEXT).into(),
            ..next
        };
        assert!(long.is_large());
    }

    #[test]
    fn where_a_text_is_analysed_depends_on_its_cost_not_its_size() {
        let state = with_worker();
        // Typing in a cheap text: here.
        let typed = svcplay::examples::DEFAULT.replace("replicas: 3", "replicas: 4");
        let next = type_in(&state, typed.as_str().into());
        assert!(next.analysis.is_some() && !next.computing());
        // A paste, or any text from outside, whatever its size: the worker first.
        let pasted = format!("{typed}\n{}", "# pasted\n".repeat(100));
        let next = type_in(&state, pasted.as_str().into());
        assert!(next.analysis.is_none() && next.computing());
        let link = Incoming::new("kind: Service\n", Source::Link, 0.0);
        let next = reduce(&state, Action::Replace(link));
        assert!(next.analysis.is_none() && next.computing());
        // A small text whose last analysis was slow: typing in it goes to the worker too.
        let slow = State {
            cost_ms: Some(15_000.0),
            ..state.clone()
        };
        let next = type_in(&slow, typed.as_str().into());
        assert!(next.analysis.is_none());
        // Once the worker says it is cheap, the page analyses it as well.
        let next = reduce(
            &next,
            Action::WorkerSummary(next.rev, Summary::default(), 3.0),
        );
        assert!(next.analysis.is_some() && !next.computing());
        // Without a worker everything is analysed here.
        let alone = State::new(svcplay::examples::DEFAULT);
        let next = type_in(&alone, pasted.as_str().into());
        assert!(next.analysis.is_some());
    }

    #[test]
    fn a_keystroke_is_painted_first_and_analysed_after_its_frame() {
        let state = with_worker();
        let one = svcplay::examples::DEFAULT.replace("replicas: 3", "replicas: 4");
        let two = svcplay::examples::DEFAULT.replace("replicas: 3", "replicas: 5");
        // The keystroke: the text is the user's at once; its analysis waits for the frame,
        // and nothing on show claims to be of this text (the views are stale, the worker
        // is not asked, no lesson check runs on an analysis of its own).
        let typed = reduce(&state, Action::SetText(one.as_str().into()));
        assert_eq!(&*typed.text, one);
        assert!(typed.deferred && typed.analysis.is_none() && typed.computing());
        assert!(!typed.uses_worker());
        // Two keystrokes in one frame: the first one's turn finds a newer text and does
        // nothing; the second one's analyses the text on show, once.
        let typed = reduce(&typed, Action::SetText(two.as_str().into()));
        let stale = reduce(&typed, Action::AnalyseTyped(typed.rev - 1));
        assert!(stale.deferred && stale.analysis.is_none());
        let done = reduce(&stale, Action::AnalyseTyped(typed.rev));
        assert!(!done.deferred && !done.computing());
        // What the typing changed is told from where it started (3 replicas, not 4).
        assert_eq!(done.changes.len(), 1);
        let added: usize = done.changes[0]
            .endpoints
            .iter()
            .map(|e| e.added.len())
            .sum();
        assert_eq!(added, 2);
        let rules = snapshot::rules(
            done.analysis.as_ref().expect("analysed"),
            &done.node(),
            None,
            None,
        );
        assert!(
            rules.text.contains("--probability 0.2000000000"),
            "{}",
            rules.text
        );
        // Its turn again (a late timer) changes nothing.
        let again = reduce(&done, Action::AnalyseTyped(done.rev));
        assert!(Rc::ptr_eq(
            again.analysis.as_ref().expect("kept"),
            done.analysis.as_ref().expect("analysed")
        ));
    }

    #[test]
    fn a_replacement_keeps_the_users_text_one_click_away() {
        let state = with_worker();
        let mine = svcplay::examples::DEFAULT.replace("replicas: 3", "replicas: 7");
        let state = type_in(&state, mine.as_str().into());
        let mut link = Incoming::new("kind: Service\n", Source::Link, 5.0);
        link.settings.tab = Some(Tab::Dns);
        let state = reduce(&state, Action::Replace(link.clone()));
        assert_eq!(&*state.text, "kind: Service\n");
        assert_eq!(state.tab, Tab::Dns);
        assert_eq!(state.history.entries.len(), 1);
        assert_eq!(&*state.history.entries[0].text, mine);
        assert_eq!(state.history.entries[0].at_ms, 5.0);
        assert_eq!(state.history_rev, 1);
        assert_eq!(state.notice, Some(Notice::Replaced(Source::Link)));
        // The same link again changes nothing and keeps nothing twice.
        let again = reduce(&state, Action::Replace(link));
        assert_eq!(again.history.entries.len(), 1);
        assert_eq!(again.rev, state.rev);
        // "Bring back my scenario": the two swap.
        let back = reduce(&state, Action::Restore(0));
        assert_eq!(&*back.text, mine);
        assert_eq!(&*back.history.entries[0].text, "kind: Service\n");
        assert_eq!(back.history.entries.len(), 1);
        assert_eq!(back.notice, Some(Notice::Msg(Msg::Restored)));
        // An example as shipped is not worth keeping: opening another replaces it quietly.
        let example = svcplay::examples::find("nodeport")
            .map(|e| e.text)
            .unwrap_or_default();
        let fresh = with_worker();
        let shown = reduce(
            &fresh,
            Action::Replace(Incoming::new(
                example,
                Source::Example("nodeport".into()),
                0.0,
            )),
        );
        assert!(shown.history.entries.is_empty() && shown.notice.is_none());
        assert_eq!(shown.lab.as_deref(), Some("nodeport"));
        let forgotten = reduce(&back, Action::Forget(0));
        assert!(forgotten.history.entries.is_empty());
    }

    #[test]
    fn a_text_too_big_for_the_history_is_replaced_only_after_asking() {
        let state = with_worker();
        let huge = format!(
            "kind: Service\n{}",
            "#\n".repeat(crate::ui::limits::HISTORY_BYTES)
        );
        let state = type_in(&state, huge.as_str().into());
        let state = reduce(
            &state,
            Action::Replace(Incoming::new("kind: Pod\n", Source::Link, 0.0)),
        );
        assert_eq!(&*state.text, huge);
        assert_eq!(state.overlay, Some(Overlay::ConfirmReplace));
        assert!(state.pending.is_some());
        let state = reduce(&state, Action::ConfirmReplace);
        assert_eq!(&*state.text, "kind: Pod\n");
        assert!(state.overlay.is_none() && state.pending.is_none());
        // Over the scenario size limit nothing comes in at all.
        let over = "#".repeat(MAX_SCENARIO_BYTES + 1);
        let refused = reduce(
            &state,
            Action::Replace(Incoming::new(over, Source::Link, 0.0)),
        );
        assert_eq!(&*refused.text, "kind: Pod\n");
        assert!(matches!(
            refused.notice,
            Some(Notice::Text(Msg::TooLarge, _))
        ));
    }

    #[test]
    fn an_embed_keeps_what_the_reader_edited_and_only_that() {
        let mut state = with_worker();
        state.embed.enabled = true;
        let block = |text: &str| Action::Replace(Incoming::new(text, Source::Link, 0.0));
        let page = |text: &str| Action::Replace(Incoming::new(text, Source::Embed, 0.0));
        // The block's text, then the page's next one: nothing of the reader's is at stake.
        let state = reduce(&state, block("kind: Service\n"));
        let state = reduce(&state, page("kind: Pod\n"));
        assert!(state.history.entries.is_empty() && state.notice.is_none());
        // The reader edits it; the page sends another: the edit is kept, one click away.
        let state = type_in(&state, "kind: Pod\n# mine\n".into());
        let state = reduce(&state, page("kind: Node\n"));
        assert_eq!(&*state.text, "kind: Node\n");
        let kept = &state.history.entries[0];
        assert_eq!(
            (kept.text.as_ref(), &kept.source),
            ("kind: Pod\n# mine\n", &Source::Typed)
        );
        assert_eq!(state.notice, Some(Notice::Replaced(Source::Embed)));
        // Bringing it back swaps them; the page's text, unedited, is not kept.
        let state = reduce(&state, Action::Restore(0));
        assert_eq!(&*state.text, "kind: Pod\n# mine\n");
        assert!(state.history.entries.is_empty());
        // And it is the reader's again: the page's next text keeps it once more.
        let state = reduce(&state, page("kind: Node\n"));
        assert_eq!(state.history.entries.len(), 1);
    }

    #[test]
    fn a_draft_opens_by_its_cost_and_paused_after_a_crash() {
        let state = with_worker();
        let draft = |cost_ms, safe| Action::OpenDraft {
            text: "kind: Service\n".into(),
            cost_ms,
            safe,
        };
        let cheap = reduce(&state, draft(Some(3.0), false));
        assert!(cheap.analysis.is_some() && cheap.loads == 1);
        let unknown = reduce(&state, draft(None, false));
        assert!(unknown.analysis.is_none() && unknown.computing() && !unknown.paused);
        let safe = reduce(&state, draft(None, true));
        assert!(safe.paused && safe.analysis.is_none() && !safe.uses_worker());
        assert_eq!(safe.notice, Some(Notice::Paused(Msg::SafeStartDraft)));
        // Typing while paused stays paused; resuming hands the text to the worker.
        let typed = type_in(&safe, "kind: Service\n#\n".into());
        assert!(typed.paused && typed.analysis.is_none());
        let resumed = reduce(&typed, Action::Resume);
        assert!(!resumed.paused && resumed.uses_worker());
        // A built-in example is known safe: opening one ends the safe start.
        let e = svcplay::examples::EXAMPLES[0];
        let opened = reduce(
            &typed,
            Action::Replace(Incoming::new(e.text, Source::Example(e.id.into()), 0.0)),
        );
        assert!(!opened.paused);
    }

    #[test]
    fn commands_typed_while_the_worker_computes_are_answered_when_the_text_is_analysed() {
        let state = with_worker();
        let link = Incoming::new(svcplay::examples::DEFAULT, Source::Link, 0.0);
        let mut state = type_in(&state, "kind: Pod\n".into());
        state = reduce(&state, Action::Replace(link));
        state = reduce(&state, Action::RunCommand("kubectl get svc -n dev".into()));
        assert!(state.terminal[0].running && state.terminal[0].output.is_empty());
        let rev = state.rev;
        state = reduce(&state, Action::WorkerSummary(rev, Summary::default(), 2.0));
        let out = state.terminal[0].text();
        assert!(
            !state.terminal[0].running && out.contains("service-clusterip"),
            "{out:?}"
        );
        // Now the page holds the analysis: the shell answers, and may change the cluster.
        state = reduce(
            &state,
            Action::RunCommand("kubectl scale deployment pc-deployment -n dev --replicas=4".into()),
        );
        assert!(state.text.contains("replicas: 4"), "{}", state.text);
    }

    #[test]
    fn the_terminal_names_the_shells_node_while_the_worker_computes() {
        let state = with_worker();
        let link = Incoming::new(svcplay::examples::DEFAULT, Source::Link, 0.0);
        let mut state = reduce(&state, Action::SetText("kind: Pod\n".into()));
        state = reduce(&state, Action::Replace(link));
        assert!(state.analysis.is_none() && state.computing());
        // The views show a worker node; the shell starts on the control plane.
        let rev = state.rev;
        let analysis = analyze(svcplay::examples::DEFAULT, Options::default());
        state = reduce(
            &state,
            Action::WorkerSummary(rev, snapshot::summary(&analysis), 300.0),
        );
        assert!(state.analysis.is_none());
        assert_eq!(state.node(), "k8s-worker01");
        assert_eq!(shell_node(&state), "k8s-master01");
        assert_eq!(prompt(&state), "[root@k8s-master01 ~]# ");
    }

    #[test]
    fn preferences_round_trip_and_ignore_nonsense() {
        let prefs = Prefs {
            shortcuts: false,
            text_size: 130,
            wrap: true,
            split: 60,
            tab_moves_focus: true,
        };
        assert_eq!(Prefs::decode(&prefs.encode()), prefs);
        assert_eq!(Prefs::decode(""), Prefs::default());
        let odd = Prefs::decode("size=999;split=3;shortcuts=0;zzz");
        assert_eq!((odd.text_size, odd.split, odd.shortcuts), (100, 20, false));
    }

    #[test]
    fn simulations_run_here_or_wait_for_the_worker_and_follow_every_edit() {
        let request = SimRequest {
            node: Some("k8s-worker01".into()),
            dst: Some(("10.97.97.97".parse().unwrap(), 80)),
            requests: 100,
            record: 100,
            ..SimRequest::default()
        };
        let state = State::new(svcplay::examples::DEFAULT);
        let state = reduce(&state, Action::Simulate(request.clone()));
        let sim = state.simulation.clone().expect("a simulation");
        let answer = sim.answer.expect("analysed here, answered at once");
        assert_eq!(answer.result.as_ref().map(|r| r.endpoints.len()), Ok(3));
        // An edit runs the same requests again: a fourth Pod is reached.
        let scaled = svcplay::examples::DEFAULT.replace("replicas: 3", "replicas: 4");
        let state = type_in(&state, scaled.into());
        let after = state.simulation.clone().expect("still simulating");
        assert_eq!(after.id, sim.id + 1);
        let endpoints = |s: &Simulation| {
            s.answer
                .as_ref()
                .and_then(|a| a.result.as_ref().ok().map(|r| r.endpoints.len()))
        };
        assert_eq!(endpoints(&after), Some(4));
        // Another mode: the same requests through IPVS.
        let state = reduce(&state, Action::SelectMode(Some(ProxyMode::Ipvs)));
        let ipvs = state.simulation.clone().expect("still simulating");
        assert_eq!(ipvs.request.mode, Some(ProxyMode::Ipvs));
        assert_eq!(
            ipvs.answer
                .and_then(|a| a.result.clone().ok())
                .map(|r| r.mode),
            Some(ProxyMode::Ipvs)
        );
        // A large text waits for the worker's answer, and only takes its own.
        let mut state = reduce(&state, Action::WorkerReady(true));
        let big = format!(
            "{}\n{}",
            svcplay::examples::DEFAULT,
            "#\n".repeat(LARGE_TEXT)
        );
        state = type_in(&state, big.as_str().into());
        let pending = state.simulation.clone().expect("still simulating");
        assert!(pending.answer.is_none());
        let analysis = analyze(&big, Options::default());
        let answer = snapshot::simulate(&analysis, &pending.request);
        state = reduce(&state, Action::Simulated(pending.id - 1, answer.clone()));
        assert!(
            state
                .simulation
                .as_ref()
                .is_some_and(|s| s.answer.is_none())
        );
        state = reduce(&state, Action::Simulated(pending.id, answer));
        assert!(
            state
                .simulation
                .as_ref()
                .is_some_and(|s| s.answer.is_some())
        );
    }

    /// A text with bytes `s.start..s.old_end` replaced by `after`'s `s.start..s.new_end`.
    fn applied(before: &str, s: Splice, after: &str) -> String {
        format!(
            "{}{}{}",
            &before[..s.start],
            &after[s.start..s.new_end],
            &before[s.old_end..]
        )
    }

    /// Random edits (insertions, deletions, replacements, multi-byte characters), found
    /// between texts and composed: each splice and each composition, applied to the text
    /// it is of, gives the text after, exactly.
    #[test]
    fn splices_found_and_composed_give_the_text_after() {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        let pieces = ["a", "b", "\n", "é", "ab", "  ", "x\ny", "€"];
        for _ in 0..200 {
            let start = "kind: Service\nmetadata:\n  name: é-a\n".to_string();
            let mut text = start.clone();
            let mut composed: Option<Splice> = None;
            for _ in 0..1 + next(8) {
                let mut at = next(text.len() + 1);
                while !text.is_char_boundary(at) {
                    at -= 1;
                }
                let mut end = (at + next(4)).min(text.len());
                while !text.is_char_boundary(end) {
                    end -= 1;
                }
                let after = format!(
                    "{}{}{}",
                    &text[..at],
                    pieces[next(pieces.len())],
                    &text[end..]
                );
                let s = Splice::between(&text, &after);
                assert!(s.fits(text.len(), after.len()), "{s:?}");
                assert_eq!(applied(&text, s, &after), after);
                composed = Some(composed.map_or(s, |c| c.then(s)));
                let c = composed.expect("composed");
                assert!(c.fits(start.len(), after.len()), "{c:?}");
                assert_eq!(applied(&start, c, &after), after);
                text = after;
            }
        }
    }

    /// Typed edits are kept with their revisions; the worker's text is an edit of any
    /// revision since which every edit was typed, and of none across a replacement or a
    /// text typed from another text than the one on show.
    #[test]
    fn the_edit_since_a_revision_is_kept_while_only_typing() {
        let type_into = |state: &State, after: &str| {
            reduce(
                state,
                Action::Typed {
                    before: state.text.clone(),
                    text: Rc::from(after),
                    splice: Splice::between(&state.text, after),
                },
            )
        };
        let mut state = State::new("kind: Pod\n");
        state.worker = WorkerStatus::Up;
        let base = state.rev;
        let one = type_into(&state, "kind: Pods\n");
        let two = type_into(&one, "kind: Podsé\n");
        assert_eq!(two.rev, base + 2);
        let since = two.edit_since(base).expect("typed since");
        assert_eq!(applied(&state.text, since, &two.text), *two.text);
        let since_one = two.edit_since(one.rev).expect("typed since");
        assert_eq!(applied(&one.text, since_one, &two.text), *two.text);
        assert_eq!(two.edit_since(two.rev), None);
        // The same text typed again is no revision.
        assert_eq!(type_into(&two, "kind: Podsé\n").rev, two.rev);
        // Typed from a text that is not the one on show: a text typed, nothing kept.
        let stray = reduce(
            &two,
            Action::Typed {
                before: Rc::from("kind: Podsé\n"),
                text: Rc::from("kind: Podsé!\n"),
                splice: Splice {
                    start: 11,
                    old_end: 11,
                    new_end: 12,
                },
            },
        );
        assert_eq!(&*stray.text, "kind: Podsé!\n");
        assert_eq!(stray.edit_since(two.rev), None);
        assert_eq!(stray.edit_since(base), None);
        // A replacement: nothing before it is an edit's base.
        let replaced = reduce(&two, Action::SetText(Rc::from("kind: Service\n")));
        let three = type_into(&replaced, "kind: Services\n");
        assert_eq!(three.edit_since(base), None);
        assert!(three.edit_since(replaced.rev).is_some());
    }
}
