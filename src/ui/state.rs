//! The page's state and its transitions, as plain data and functions.
//!
//! [`reduce`] is the only way the state changes. Small scenarios are analysed right here,
//! on the main thread (a few milliseconds); large ones are left to the Web Worker (the
//! app shell sends the text and feeds the answers back as actions). Everything the panels
//! show derives from [`State`] through [`super::snapshot`], so it is all testable natively.

use super::LARGE_TEXT;
use super::i18n::{Lang, Msg};
use super::snapshot::{self, Panel, RulesView, Selection, Simulated, Summary, Tab, UiAction};
use std::rc::Rc;
use svcplay::diag::Span;
use svcplay::proxy::config::ProxyMode;
use svcplay::scenario::{Analysis, Options, analyze};
use svcplay::simulate::SimRequest;
use svcplay::views::CommandOutput;

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
    /// The traffic panel's last simulation; it runs again on every new revision of the
    /// text and every change of mode, so "after an event" is always current.
    pub simulation: Option<Simulation>,
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
            simulation: None,
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
        self.worker && self.text.len() > LARGE_TEXT
    }
}

fn with_text(state: &State, text: Rc<str>, load: bool) -> State {
    let mut next = state.clone();
    next.rev += 1;
    if load {
        next.loads += 1;
    }
    next.worker_panel = None;
    if state.worker && text.len() > LARGE_TEXT {
        // The shell sends the text to the worker; the old summary stays until it answers.
        next.analysis = None;
    } else {
        let analysis = Rc::new(analyze(&text, Options::default()));
        next.summary = Rc::new(snapshot::summary(&analysis));
        next.summary_rev = next.rev;
        next.analysis = Some(analysis);
    }
    next.text = text;
    if let Some(s) = &state.simulation {
        next = simulate(&next, s.request.clone());
    }
    next
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
            .map(|a| snapshot::run(a, &node, state.mode, &command))
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
            "#\n".repeat(LARGE_TEXT)
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
        let state = reduce(&state, Action::SetText(scaled.into()));
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
        state = reduce(&state, Action::SetText(big.as_str().into()));
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
}
