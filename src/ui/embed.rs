//! Embedding (PRODUCT.md D1, D2, D4): svcplay inside another page's iframe.
//!
//! A docs page frames the playground with `?embed=1` and options in the query — written by
//! `static/embed.js` from a block's `data-svcplay-*` attributes, or by hand — and talks to it
//! with `postMessage`. `docs/embedding.md` documents the options and the protocol; this
//! module is the frame's side of both:
//!
//! - [`Embed`] holds the options ([`Embed::apply`] reads one query parameter), natively
//!   tested: the views the embed shows tabs for, read-only, auto-height, the terminal
//!   commands already run, the lesson step, the version the host asked for.
//! - [`Inbound::parse`] checks one message from the parent (`load`, `set-theme`, `set-lang`,
//!   `set-view`, `run`) and says why it refuses one ([`Refusal`], sent back as `error`).
//!   Messages are data: a `load` replaces the text as any link does, a `run` goes to the
//!   simulated terminal; nothing in a message is ever executed, and no value is longer than
//!   [`MAX_MESSAGE_BYTES`]. A `load` never silently replaces what the reader edited: the
//!   reducer keeps it in memory, in the embed's Recent, with a "Bring back" button (an
//!   embed reads and writes none of the main site's storage, [`super::storage`]).
//! - [`use_embed`] installs it all in the app: the listener (only the parent window is heard,
//!   `static/embed-frame.js`), `ready`, `resize` (the content's real height: an auto-height
//!   embed lays the page out at its content's height instead of filling the viewport),
//!   `state` after each change, and the commands of `run=` once the scenario is in.

use super::Store;
use super::history::{Incoming, Source};
use super::i18n::{Lang, Msg};
use super::snapshot::Tab;
use super::state::{Action, Notice, State, Theme};
use yew::prelude::*;

/// The protocol's version: every message svcplay sends carries it (`protocol: 1`), and a
/// message from a host that speaks a newer one is refused with the `error` `protocol`.
pub const PROTOCOL: u32 = 1;

/// The longest value a message may carry, in bytes: the core's one size limit of a scenario,
/// wherever it enters (a `load` is a scenario; no other message comes near it).
pub const MAX_MESSAGE_BYTES: usize = svcplay::manifest::MAX_SCENARIO_BYTES;

/// The most lines of text an auto-height embed's editor shows before it scrolls, so that a
/// long scenario does not make a docs page's frame endless.
pub const AUTO_LINES: usize = 40;
/// The fewest (an empty scenario still shows an editor).
const MIN_LINES: usize = 4;

/// The embedding options of the URL (`?embed=1&…`; the table is in `docs/embedding.md`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Embed {
    /// `embed=1`: the page is framed by another.
    pub enabled: bool,
    /// `readonly=1`: the editor and the one-click actions are off.
    pub readonly: bool,
    /// `views=rules,traffic`: the views it shows tabs for, in this order; empty: all.
    pub views: Vec<Tab>,
    /// `height=auto`: the page is as tall as its content and says so (`resize`); otherwise
    /// it fills its frame, as the full page fills a window.
    pub auto_height: bool,
    /// `run=…`: terminal commands run once the scenario is in (one per line).
    pub run: Vec<String>,
    /// `lesson=…&step=…`: the lesson step the block is about.
    pub lesson: Option<String>,
    pub step: Option<u32>,
    /// `version=…`: the svcplay version the block was written for (embed.js picks the folder;
    /// the frame reports its own in `ready`).
    pub version: Option<String>,
    /// The URL carried a scenario (a fragment): `run=` waits until it is loaded.
    pub waits_for_text: bool,
}

fn yes(value: &str) -> bool {
    value.is_empty() || value == "1" || value == "true"
}

impl Embed {
    /// Reads one query parameter into the options; `false` when it is not an embedding
    /// option (the view, mode, node, language and theme are the page's own settings).
    pub fn apply(&mut self, key: &str, value: &str) -> bool {
        match key {
            "embed" => self.enabled = yes(value),
            "readonly" => self.readonly = yes(value),
            "views" => {
                self.views = Vec::new();
                for tab in value.split([',', ' ']).filter_map(Tab::parse) {
                    if !self.views.contains(&tab) {
                        self.views.push(tab);
                    }
                }
            }
            "height" => self.auto_height = value == "auto",
            "run" => {
                self.run = value
                    .lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .map(str::to_string)
                    .collect();
            }
            "lesson" => self.lesson = Some(value.to_string()).filter(|v| !v.is_empty()),
            "step" => self.step = value.parse().ok(),
            "version" => self.version = Some(value.to_string()).filter(|v| !v.is_empty()),
            _ => return false,
        }
        true
    }

    /// The options as query parameters (`embed=1`, `readonly=1`, …), for the frame's own
    /// address: a reload of the frame keeps them.
    pub fn query(&self) -> Vec<String> {
        let mut pairs = vec!["embed=1".to_string()];
        if self.readonly {
            pairs.push("readonly=1".into());
        }
        if !self.views.is_empty() {
            let views: Vec<&str> = self.views.iter().map(|t| t.id()).collect();
            pairs.push(format!("views={}", views.join(",")));
        }
        if self.auto_height {
            pairs.push("height=auto".into());
        }
        let mut text = |key: &str, value: &str| {
            if !value.is_empty() {
                pairs.push(format!("{key}={}", encode(value)));
            }
        };
        text("run", &self.run.join("\n"));
        text("lesson", self.lesson.as_deref().unwrap_or(""));
        text(
            "step",
            &self.step.map(|s| s.to_string()).unwrap_or_default(),
        );
        text("version", self.version.as_deref().unwrap_or(""));
        pairs
    }

    /// The views it shows tabs for.
    pub fn tabs(&self) -> Vec<Tab> {
        if self.views.is_empty() {
            Tab::ALL.to_vec()
        } else {
            self.views.clone()
        }
    }

    pub fn shows(&self, tab: Tab) -> bool {
        self.views.is_empty() || self.views.contains(&tab)
    }

    /// The view it opens on: the one asked for if it is shown, else the terminal when
    /// commands were run in it, else the first it shows.
    pub fn first_view(&self, asked: Option<Tab>) -> Option<Tab> {
        match asked {
            Some(tab) if self.shows(tab) => Some(tab),
            _ if !self.run.is_empty() && self.shows(Tab::Terminal) => Some(Tab::Terminal),
            _ => self.views.first().copied().or(asked),
        }
    }
}

/// Percent-encodes a query value (everything but RFC 3986's unreserved characters).
fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(char::from(byte))
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// A message from the embedding page, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Inbound {
    /// Replace the scenario (as a link does).
    Load(String),
    /// The reader's own text, coming back (a `load` with `own: true`: embed.js gives a
    /// reloaded frame the text the reader had edited); it stays theirs, kept if the page
    /// later replaces it.
    Own(String),
    SetTheme(Theme),
    SetLang(Lang),
    SetView(Tab),
    /// Run these command lines in the simulated terminal.
    Run(Vec<String>),
}

/// Why a message was refused: the `error` message's `value`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Not a message of this protocol.
    UnknownType,
    /// A theme, language or view that does not exist.
    BadValue,
    /// A value over [`MAX_MESSAGE_BYTES`].
    TooLarge,
    /// A view (or, for `run`, the terminal) this embed does not show.
    NotShown,
    /// From a host that speaks a newer protocol than [`PROTOCOL`].
    Protocol,
}

impl Refusal {
    pub fn code(self) -> &'static str {
        match self {
            Refusal::UnknownType => "unknown-type",
            Refusal::BadValue => "bad-value",
            Refusal::TooLarge => "too-large",
            Refusal::NotShown => "not-shown",
            Refusal::Protocol => "protocol",
        }
    }
}

impl Inbound {
    /// Checks a message `svcplay:KIND` with its `value` and `protocol` (1 when the host sent
    /// none) against what this embed shows.
    pub fn parse(
        kind: &str,
        value: String,
        protocol: u32,
        embed: &Embed,
    ) -> Result<Inbound, Refusal> {
        if protocol > PROTOCOL {
            return Err(Refusal::Protocol);
        }
        if value.len() > MAX_MESSAGE_BYTES {
            return Err(Refusal::TooLarge);
        }
        match kind {
            "load" => Ok(Inbound::Load(value)),
            "set-theme" => Theme::parse(&value)
                .map(Inbound::SetTheme)
                .ok_or(Refusal::BadValue),
            "set-lang" => Lang::parse(&value)
                .map(Inbound::SetLang)
                .ok_or(Refusal::BadValue),
            "set-view" => match Tab::parse(&value) {
                Some(tab) if embed.shows(tab) => Ok(Inbound::SetView(tab)),
                Some(_) => Err(Refusal::NotShown),
                None => Err(Refusal::BadValue),
            },
            "run" if !embed.shows(Tab::Terminal) => Err(Refusal::NotShown),
            "run" => {
                let lines: Vec<String> = value
                    .lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .map(str::to_string)
                    .collect();
                if lines.is_empty() {
                    Err(Refusal::BadValue)
                } else {
                    Ok(Inbound::Run(lines))
                }
            }
            _ => Err(Refusal::UnknownType),
        }
    }

    /// A `load` marked `own`: the reader's text (any other message is unchanged).
    pub fn own(self) -> Inbound {
        match self {
            Inbound::Load(text) => Inbound::Own(text),
            other => other,
        }
    }

    /// What the message does to the page; `now_ms` dates a replaced text.
    pub fn actions(self, now_ms: f64) -> Vec<Action> {
        match self {
            Inbound::Own(text) => {
                vec![Action::Replace(Incoming::new(text, Source::Typed, now_ms))]
            }
            // As every path that replaces the text (src/ui/history.rs): what the reader
            // edited is kept, for this visit, one click away.
            Inbound::Load(text) => {
                vec![Action::Replace(Incoming::new(text, Source::Embed, now_ms))]
            }
            Inbound::SetTheme(theme) => vec![Action::SetTheme(theme)],
            Inbound::SetLang(lang) => vec![Action::SetLang(lang)],
            Inbound::SetView(tab) => vec![Action::SelectTab(tab)],
            Inbound::Run(lines) => std::iter::once(Action::SelectTab(Tab::Terminal))
                .chain(lines.into_iter().map(Action::RunCommand))
                .collect(),
        }
    }
}

/// How many lines an auto-height embed's editor shows for this text: every line, and the
/// empty one after a final newline, where the cursor goes next. Counted only up to the
/// most it shows: the page asks at every render, and a 6 MB text has 200,000 lines.
pub fn editor_lines(text: &str) -> usize {
    let newlines = text
        .bytes()
        .filter(|b| *b == b'\n')
        .take(AUTO_LINES)
        .count();
    (newlines + 1).clamp(MIN_LINES, AUTO_LINES)
}

/// The diagnostics' counts, for the `state` message: (errors, warnings).
fn counts(state: &State) -> (u32, u32) {
    use svcplay::diag::Severity;
    let diagnostics = &state.summary.diagnostics;
    let count = |s: Severity| diagnostics.iter().filter(|d| d.severity == s).count() as u32;
    (count(Severity::Error), count(Severity::Warning))
}

/// The browser side, `static/embed-frame.js` (called only in the page, like [`super::dom`]).
mod frame {
    use wasm_bindgen::prelude::*;

    #[wasm_bindgen(module = "/static/embed-frame.js")]
    extern "C" {
        pub fn listen(on_message: &js_sys::Function, max_length: usize);
        #[wasm_bindgen(js_name = postReady)]
        pub fn post_ready(protocol: u32, version: &str);
        #[wasm_bindgen(js_name = postState)]
        pub fn post_state(
            protocol: u32,
            text: &str,
            edited: bool,
            view: &str,
            mode: Option<String>,
            node: &str,
            errors: u32,
            warnings: u32,
        );
        #[wasm_bindgen(js_name = postError)]
        pub fn post_error(protocol: u32, code: &str, about: &str);
        #[wasm_bindgen(js_name = watchHeight)]
        pub fn watch_height(protocol: u32);
        #[wasm_bindgen(js_name = setLines)]
        pub fn set_lines(lines: usize);
    }
}

/// The frame's side of the protocol, installed once the page knows it is embedded.
#[hook]
pub fn use_embed(state: &State, dispatch: &UseReducerDispatcher<Store>) {
    let embed = state.embed.clone();
    // Listen to the parent, say `ready`, report the content's height.
    {
        let dispatch = dispatch.clone();
        use_effect_with(embed.clone(), move |embed| {
            if embed.enabled {
                install(embed.clone(), dispatch);
            }
        });
    }
    // The commands of `run=`, once the scenario they are about is in (and analysed).
    {
        let dispatch = dispatch.clone();
        let ran = use_mut_ref(|| false);
        // And once it is analysed: the shell's prompt names the scenario's node, not the
        // one of the text before it.
        let ready =
            embed.enabled && (state.loads > 0 || !embed.waits_for_text) && !state.computing();
        use_effect_with((ready, embed.run.clone()), move |(ready, run)| {
            if *ready && !run.is_empty() && !*ran.borrow() {
                *ran.borrow_mut() = true;
                for line in run {
                    dispatch.dispatch(Action::RunCommand(line.clone()));
                }
            }
        });
    }
    // The editor's height in an auto-height embed follows the text's lines.
    {
        let lines = editor_lines(&state.text);
        use_effect_with((embed.auto_height, lines), move |(auto, lines)| {
            if *auto {
                post_lines(*lines);
            }
        });
    }
    // `state`: the scenario or the view changed (a moment after typing stops).
    {
        let key = (
            state.rev,
            state.edited,
            state.tab,
            state.mode,
            state.node(),
            state.summary_rev,
        );
        let state = state.clone();
        use_effect_with(key, move |_| {
            if state.embed.enabled {
                post_state(&state);
            }
        });
    }
}

fn install(embed: Embed, dispatch: UseReducerDispatcher<Store>) {
    use wasm_bindgen::JsCast;
    use wasm_bindgen::prelude::Closure;
    if embed.auto_height {
        super::dom::set_root_attribute("data-embed-height", "auto");
    }
    let on_message = Closure::<dyn Fn(String, String, u32, bool)>::new(
        move |kind: String, value: String, protocol: u32, own: bool| match Inbound::parse(
            &kind, value, protocol, &embed,
        )
        .map(|m| if own { m.own() } else { m })
        {
            Ok(message) => {
                for action in message.actions(super::dom::epoch_ms()) {
                    dispatch.dispatch(action);
                }
            }
            Err(refusal) => {
                frame::post_error(PROTOCOL, refusal.code(), &kind);
                if refusal == Refusal::TooLarge {
                    // The reader sees why the example did not change, as for a link.
                    dispatch.dispatch(Action::Notify(Some(Notice::Text(
                        Msg::TooLarge,
                        (MAX_MESSAGE_BYTES >> 20).to_string(),
                    ))));
                }
            }
        },
    );
    frame::listen(on_message.as_ref().unchecked_ref(), MAX_MESSAGE_BYTES);
    on_message.forget();
    frame::watch_height(PROTOCOL);
    frame::post_ready(PROTOCOL, env!("CARGO_PKG_VERSION"));
}

fn post_lines(lines: usize) {
    frame::set_lines(lines);
}

/// Tells the parent the current state, once typing has paused: a later change cancels it.
fn post_state(state: &State) {
    thread_local! {
        static LATEST: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
    }
    let ticket = LATEST.with(|l| {
        l.set(l.get() + 1);
        l.get()
    });
    let state = state.clone();
    super::dom::after(300, move || {
        if LATEST.with(|l| l.get()) != ticket {
            return;
        }
        let (errors, warnings) = counts(&state);
        frame::post_state(
            PROTOCOL,
            &state.text,
            state.edited,
            state.tab.id(),
            state.mode.map(|m| m.as_str().to_string()),
            &state.node(),
            errors,
            warnings,
        );
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn embed(query: &str) -> Embed {
        let mut e = Embed::default();
        for (k, v) in super::super::share::query_pairs(query) {
            e.apply(&k, &v);
        }
        e
    }

    #[test]
    fn options_read_from_the_query() {
        let e = embed(
            "embed=1&readonly&views=rules,traffic,nosuch,rules&height=auto&run=kubectl%20get%20pods%0Adig%20web&lesson=intro&step=2&version=0.1.0",
        );
        assert!(e.enabled && e.readonly && e.auto_height);
        assert_eq!(e.views, [Tab::Rules, Tab::Traffic]);
        assert_eq!(e.run, ["kubectl get pods", "dig web"]);
        assert_eq!(
            (e.lesson.as_deref(), e.step, e.version.as_deref()),
            (Some("intro"), Some(2), Some("0.1.0"))
        );
        assert!(!Embed::default().apply("view", "rules"));
        // The frame's address keeps them, so that a reload does too.
        let again = embed(&e.query().join("&"));
        assert_eq!(again, e);
        let fixed = embed("embed=1&height=400");
        assert!(!fixed.auto_height && fixed.views.is_empty());
        assert_eq!(fixed.tabs(), Tab::ALL);
    }

    #[test]
    fn the_first_view_is_one_it_shows() {
        let e = embed("views=traffic,dns");
        assert_eq!(e.first_view(Some(Tab::Dns)), Some(Tab::Dns));
        assert_eq!(e.first_view(Some(Tab::Rules)), Some(Tab::Traffic));
        assert_eq!(e.first_view(None), Some(Tab::Traffic));
        let all = embed("run=iptables-save");
        assert_eq!(all.first_view(None), Some(Tab::Terminal));
        assert_eq!(all.first_view(Some(Tab::Rules)), Some(Tab::Rules));
        assert_eq!(Embed::default().first_view(None), None);
    }

    #[test]
    fn messages_are_checked_before_they_act() {
        let e = embed("views=rules,terminal");
        let parse = |kind: &str, value: &str| Inbound::parse(kind, value.into(), 1, &e);
        assert_eq!(
            parse("load", "kind: Service\n"),
            Ok(Inbound::Load("kind: Service\n".into()))
        );
        assert_eq!(
            parse("set-theme", "dark"),
            Ok(Inbound::SetTheme(Theme::Dark))
        );
        assert_eq!(parse("set-theme", "auto"), Err(Refusal::BadValue));
        assert_eq!(parse("set-lang", "zh-CN"), Ok(Inbound::SetLang(Lang::Zh)));
        assert_eq!(parse("set-lang", "fr"), Err(Refusal::BadValue));
        assert_eq!(parse("set-view", "rules"), Ok(Inbound::SetView(Tab::Rules)));
        assert_eq!(parse("set-view", "dns"), Err(Refusal::NotShown));
        assert_eq!(parse("set-view", "<script>"), Err(Refusal::BadValue));
        assert_eq!(
            parse("run", " kubectl get svc \n\n dig web "),
            Ok(Inbound::Run(vec![
                "kubectl get svc".into(),
                "dig web".into()
            ]))
        );
        assert_eq!(parse("run", "  \n"), Err(Refusal::BadValue));
        assert_eq!(parse("eval", "alert(1)"), Err(Refusal::UnknownType));
        assert_eq!(
            Inbound::parse("load", "x".into(), 2, &e),
            Err(Refusal::Protocol)
        );
        assert_eq!(
            Inbound::parse("load", "#".repeat(MAX_MESSAGE_BYTES + 1), 1, &e),
            Err(Refusal::TooLarge)
        );
        let no_terminal = embed("views=rules");
        assert_eq!(
            Inbound::parse("run", "dig web".into(), 1, &no_terminal),
            Err(Refusal::NotShown)
        );
    }

    #[test]
    fn a_run_message_opens_the_terminal_and_runs_each_line() {
        let state = State::new(svcplay::examples::DEFAULT);
        let mut next = state.clone();
        for action in
            Inbound::Run(vec!["kubectl get pods -n dev".into(), "nosuch".into()]).actions(0.0)
        {
            next = super::super::state::reduce(&next, action);
        }
        assert_eq!(next.tab, Tab::Terminal);
        assert_eq!(next.terminal.len(), 2);
        assert!(next.terminal[0].text().contains("pc-deployment-"));
    }

    #[test]
    fn the_readers_own_text_stays_theirs_after_a_reload() {
        let mut state = State::new(svcplay::examples::DEFAULT);
        state.embed = embed("embed=1");
        let reduce_all = |mut s: State, message: Inbound| {
            for action in message.actions(0.0) {
                s = super::super::state::reduce(&s, action);
            }
            s
        };
        // A reloaded frame gets the reader's edit back from embed.js (`own: true`)…
        let own = Inbound::parse("load", "kind: Service\n# mine\n".into(), 1, &state.embed)
            .map(Inbound::own);
        let state = reduce_all(state, own.expect("a load"));
        assert!(state.edited && state.history.entries.is_empty());
        // …so that the page's next `load` keeps it, as before the reload.
        let state = reduce_all(state, Inbound::Load("kind: Pod\n".into()));
        assert_eq!(&*state.history.entries[0].text, "kind: Service\n# mine\n");
        assert!(!state.edited);
        // `own` marks only a load.
        assert_eq!(Inbound::SetView(Tab::Dns).own(), Inbound::SetView(Tab::Dns));
    }

    #[test]
    fn the_editor_grows_with_the_text_up_to_a_bound() {
        assert_eq!(editor_lines(""), MIN_LINES);
        assert_eq!(editor_lines(&"a\n".repeat(12)), 13);
        assert_eq!(editor_lines("a\nb"), MIN_LINES);
        assert_eq!(editor_lines("a\n".repeat(7).trim_end()), 7);
        assert_eq!(editor_lines(&"a\n".repeat(500)), AUTO_LINES);
    }
}
