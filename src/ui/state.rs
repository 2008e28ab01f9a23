//! The page's state and its transitions, as plain data and functions.
//!
//! The reducer recomputes the analysis when the text changes; everything the panels
//! show is derived from [`State`] by pure functions, so they can be tested natively.

use std::rc::Rc;
use svcplay::scenario::{Analysis, Options, analyze};

/// Everything the page shows derives from this.
#[derive(Clone, Debug)]
pub struct State {
    /// The scenario text, exactly as the user typed it.
    pub text: String,
    /// The node whose kube-proxy is shown (`None`: the scenario's default node).
    pub node: Option<String>,
    pub analysis: Rc<Analysis>,
}

/// What the user can do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// The editor's text changed.
    SetText(String),
    /// Another node was chosen.
    SelectNode(String),
}

impl State {
    pub fn new(text: &str) -> State {
        State {
            text: text.to_string(),
            node: None,
            analysis: Rc::new(analyze(text, Options::default())),
        }
    }

    /// The node the kube-proxy panel shows: the chosen one if it still exists.
    pub fn node(&self) -> String {
        match &self.node {
            Some(n) if self.analysis.node_names().contains(n) => n.clone(),
            _ => self.analysis.default_node(),
        }
    }
}

/// The state after an action.
pub fn reduce(state: &State, action: Action) -> State {
    match action {
        Action::SetText(text) => {
            let analysis = Rc::new(analyze(&text, Options::default()));
            State {
                text,
                node: state.node.clone(),
                analysis,
            }
        }
        Action::SelectNode(node) => State {
            node: Some(node),
            ..state.clone()
        },
    }
}

/// The kube-proxy panel's text: the restore input of every family, or why there is none.
pub fn kube_proxy_text(state: &State) -> String {
    use svcplay::proxy::config::ProxyMode;
    let analysis = &state.analysis;
    match analysis.proxy_config.mode {
        ProxyMode::Iptables => {
            let rulesets = analysis.iptables(&state.node());
            let many = rulesets.len() > 1;
            rulesets
                .iter()
                .map(|r| {
                    let header = if many {
                        let tool = if r.family == svcplay::model::ip::IpFamily::IPv4 {
                            "iptables"
                        } else {
                            "ip6tables"
                        };
                        format!("# {tool}-restore input ({})\n", r.family)
                    } else {
                        String::new()
                    };
                    format!("{header}{r}")
                })
                .collect()
        }
        mode => format!("# kube-proxy's {} mode is not shown yet.\n", mode.as_str()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scaling_the_deployment_changes_the_cascade() {
        let state = State::new(svcplay::examples::DEFAULT);
        assert!(kube_proxy_text(&state).contains("--probability 0.3333333333"));
        let scaled = svcplay::examples::DEFAULT.replace("replicas: 3", "replicas: 4");
        let state = reduce(&state, Action::SetText(scaled));
        let rules = kube_proxy_text(&state);
        for p in ["0.2500000000", "0.3333333333", "0.5000000000"] {
            assert!(rules.contains(&format!("--probability {p}")), "{rules}");
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
}
