//! The page's state and its transitions, as plain data and functions.
//!
//! [`reduce`] is the only way the state changes. Small scenarios are analysed right here,
//! on the main thread (a few milliseconds); large ones are left to the Web Worker (the
//! app shell sends the text and feeds the answers back as actions). Everything the panels
//! show derives from [`State`] through [`super::snapshot`], so it is all testable natively.

use super::i18n::{Lang, Msg};
use super::snapshot::{self, Panel, RulesView, Selection, Summary, Tab, UiAction};
use std::rc::Rc;
use svcplay::diag::Span;
use svcplay::proxy::config::ProxyMode;
use svcplay::scenario::{Analysis, Options, analyze};
use svcplay::views::CommandOutput;

/// Scenarios longer than this (in bytes) are analysed in the Web Worker, so that typing
/// never waits for them. The seeds' labs are 2–3 KB; a 5,000-Service dump is megabytes.
pub const WORKER_THRESHOLD: usize = 100_000;

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
}

/// A short message at the bottom of the page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Notice {
    Msg(Msg),
    Text(Msg, String),
}

/// One command run in the terminal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TermEntry {
    pub node: String,
    pub command: String,
    /// `None` while the worker computes it.
    pub output: Option<CommandOutput>,
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
    /// The analysis of `rev`, when it was computed on the main thread.
    pub analysis: Option<Rc<Analysis>>,
    /// Diagnostics, nodes and mode of the last analysis (possibly of an older revision
    /// while the worker computes the new one).
    pub summary: Rc<Summary>,
    pub summary_rev: u64,
    /// A panel the worker computed, for a revision and selection.
    pub worker_panel: Option<(u64, Selection, Rc<Panel>)>,
    /// The worker is up and takes large scenarios.
    pub worker: bool,
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
    pub overlay: Option<Overlay>,
    /// A request to the editor to select a range (counted so the same span twice works).
    pub reveal: (u64, Option<Span>),
    pub terminal: Vec<TermEntry>,
    pub notice: Option<Notice>,
    pub embed: Embed,
}

/// What the user (or the app shell) can do.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// The editor's text changed (typing); the editor's own copy, shared, so a big text is
    /// not copied again on every keystroke.
    SetText(Rc<str>),
    /// Replace the text (an example, an action, a link); the editor follows.
    Load(String),
    /// The worker finished analysing revision `rev`.
    WorkerSummary(u64, Summary),
    /// The worker computed a panel.
    WorkerPanel(u64, Selection, Panel),
    /// The worker started (true) or failed (false).
    WorkerReady(bool),
    /// The worker answered terminal entry `index`.
    TerminalOutput(usize, CommandOutput),
    SelectTab(Tab),
    SelectNode(String),
    SelectMode(Option<ProxyMode>),
    SelectRulesView(RulesView),
    FilterRules(String),
    /// Show only the rules of a written object (a Service), on the kube-proxy tab.
    ShowRulesOf(Option<usize>),
    SetLang(Lang),
    SetTheme(Theme),
    Open(Option<Overlay>),
    /// Select a range of the text in the editor.
    Reveal(Span),
    /// Run a terminal command line.
    RunCommand(String),
    /// A one-click action on the cluster, written into the text.
    Act(UiAction),
    Notify(Option<Notice>),
    SetEmbed(Embed),
}

impl State {
    pub fn new(text: &str) -> State {
        let analysis = Rc::new(analyze(text, Options::default()));
        State {
            text: Rc::from(text),
            rev: 0,
            loads: 0,
            summary: Rc::new(snapshot::summary(&analysis)),
            summary_rev: 0,
            analysis: Some(analysis),
            worker_panel: None,
            worker: false,
            tab: Tab::Rules,
            node: None,
            mode: None,
            rules_view: None,
            rules_filter: String::new(),
            rules_object: None,
            lang: Lang::En,
            theme: Theme::Light,
            overlay: None,
            reveal: (0, None),
            terminal: Vec::new(),
            notice: None,
            embed: Embed::default(),
        }
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
        }
    }

    /// Whether the text in the editor has not been analysed yet (the worker is on it).
    pub fn computing(&self) -> bool {
        self.summary_rev != self.rev
    }

    /// Whether the text goes to the worker.
    pub fn uses_worker(&self) -> bool {
        self.worker && self.text.len() > WORKER_THRESHOLD
    }
}

fn with_text(state: &State, text: Rc<str>, load: bool) -> State {
    let mut next = state.clone();
    next.rev += 1;
    if load {
        next.loads += 1;
    }
    next.worker_panel = None;
    if state.worker && text.len() > WORKER_THRESHOLD {
        // The shell sends the text to the worker; the old summary stays until it answers.
        next.analysis = None;
    } else {
        let analysis = Rc::new(analyze(&text, Options::default()));
        next.summary = Rc::new(snapshot::summary(&analysis));
        next.summary_rev = next.rev;
        next.analysis = Some(analysis);
    }
    next.text = text;
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

/// The state after an action.
pub fn reduce(state: &State, action: Action) -> State {
    match action {
        Action::SetText(text) if *text == *state.text => state.clone(),
        Action::SetText(text) => with_text(state, text, false),
        Action::Load(text) => with_text(state, Rc::from(text), true),
        Action::WorkerSummary(rev, summary) => {
            let mut next = state.clone();
            if rev == state.rev {
                next.summary = Rc::new(summary);
                next.summary_rev = rev;
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
        Action::WorkerReady(up) => {
            let mut next = state.clone();
            next.worker = up;
            if !up && next.analysis.is_none() {
                // No worker after all: analyse here, late rather than never.
                return with_text(
                    &State {
                        worker: false,
                        ..next
                    },
                    state.text.clone(),
                    false,
                );
            }
            next
        }
        Action::TerminalOutput(index, output) => {
            let mut next = state.clone();
            if let Some(entry) = next.terminal.get_mut(index) {
                entry.output = Some(output);
            }
            next
        }
        Action::SelectTab(tab) => State {
            tab,
            ..state.clone()
        },
        Action::SelectNode(node) => State {
            node: Some(node),
            ..state.clone()
        },
        Action::SelectMode(mode) => State {
            mode,
            rules_view: None,
            ..state.clone()
        },
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
        Action::Open(overlay) => State {
            overlay,
            ..state.clone()
        },
        Action::Reveal(span) => State {
            reveal: (state.reveal.0 + 1, Some(span)),
            ..state.clone()
        },
        Action::RunCommand(line) => run_command(state, line),
        Action::Act(action) => match act(&state.text, &action) {
            Ok(text) => {
                let mut next = with_text(state, Rc::from(text), true);
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
    }
}

fn run_command(state: &State, line: String) -> State {
    let mut next = state.clone();
    let command = line.trim().to_string();
    match command.as_str() {
        "" => return next,
        "clear" => {
            next.terminal.clear();
            return next;
        }
        _ => {}
    }
    let node = state.node();
    let output = if command == "help" {
        Some(CommandOutput::ok(format!(
            "{}\n",
            Msg::TerminalHelp.text(state.lang)
        )))
    } else {
        state
            .analysis
            .as_ref()
            .map(|a| snapshot::run(&snapshot::with_mode(a, state.mode), &node, &command))
    };
    next.terminal.push(TermEntry {
        node,
        command,
        output,
    });
    next
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scaling_the_deployment_changes_the_cascade() {
        let state = State::new(svcplay::examples::DEFAULT);
        let rules = |s: &State| {
            snapshot::rules(s.analysis.as_ref().expect("analysed here"), &s.node(), None).text
        };
        assert!(rules(&state).contains("--probability 0.3333333333"));
        let scaled = svcplay::examples::DEFAULT.replace("replicas: 3", "replicas: 4");
        let state = reduce(&state, Action::SetText(scaled.into()));
        assert_eq!(state.rev, 1);
        assert_eq!(state.loads, 0);
        let text = rules(&state);
        for p in ["0.2500000000", "0.3333333333", "0.5000000000"] {
            assert!(text.contains(&format!("--probability {p}")), "{text}");
        }
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
        let out = state.terminal[0].output.clone().unwrap_or_default();
        assert_eq!(out.status, 0);
        assert!(out.stdout.contains("pc-deployment-"), "{out:?}");
        let out = state.terminal[1].output.clone().unwrap_or_default();
        assert_eq!(out.stderr, "bash: nosuch: command not found\n");
        let state = reduce(&state, Action::RunCommand("clear".into()));
        assert!(state.terminal.is_empty());
    }

    #[test]
    fn large_texts_wait_for_the_worker_and_stale_answers_are_dropped() {
        let mut state = State::new(svcplay::examples::DEFAULT);
        state = reduce(&state, Action::WorkerReady(true));
        let big = format!(
            "{}\n{}",
            svcplay::examples::DEFAULT,
            "#\n".repeat(WORKER_THRESHOLD)
        );
        state = reduce(&state, Action::SetText(big.as_str().into()));
        assert!(state.analysis.is_none() && state.computing());
        let stale = state.rev - 1;
        state = reduce(&state, Action::WorkerSummary(stale, Summary::default()));
        assert!(state.computing());
        let analysis = analyze(&big, Options::default());
        state = reduce(
            &state,
            Action::WorkerSummary(state.rev, snapshot::summary(&analysis)),
        );
        assert!(!state.computing());
        // Should the worker die, the page analyses the text itself.
        state = reduce(&state, Action::SetText(format!("{big}#\n").into()));
        state = reduce(&state, Action::WorkerReady(false));
        assert!(state.analysis.is_some() && !state.computing());
    }
}
