//! Per-node truth of NodePort and LoadBalancer Services: one table per service port, one
//! line per node (and per load-balancer IP), from [`svcplay::pernode`] through
//! [`super::snapshot::nodes`].

use super::i18n::{Lang, Msg};
use super::provenance::core_lang;
use super::snapshot::{NodesRow, NodesService};
use std::rc::Rc;
use svcplay::proxy::trace::verdict_words;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct NodesProps {
    pub services: Rc<Vec<NodesService>>,
    pub lang: Lang,
    /// Show the kube-proxy rules of a written object.
    pub on_rules: Callback<usize>,
}

/// The word of a [`svcplay::pernode::Verdict`], translated.
pub fn verdict_label(word: &str) -> Msg {
    match word {
        "accept" => Msg::VerdictAccept,
        "forward" => Msg::VerdictForward,
        "drop" => Msg::VerdictDrop,
        "reject" => Msg::VerdictReject,
        _ => Msg::VerdictNoRule,
    }
}

fn client_label(word: &str) -> Option<Msg> {
    match word {
        "preserved" => Some(Msg::ClientPreserved),
        "masqueraded" => Some(Msg::ClientMasqueraded),
        "bypass" => Some(Msg::ClientBypass),
        _ => None,
    }
}

fn row(r: &NodesRow, health: bool, lang: Lang) -> Html {
    let t = |m: Msg| m.text(lang);
    let class = r.verdict.replace(' ', "-");
    html! {
        <tr class={classes!("verdict-row", format!("verdict-{class}"))}>
            <th scope="row">{ r.node.clone() }</th>
            <td><code>{ r.destination.clone() }</code></td>
            <td><span class={classes!("verdict", format!("verdict-{class}"))}>{ t(verdict_label(&r.verdict)) }</span></td>
            <td>
                if r.pods.is_empty() {
                    { "-" }
                } else {
                    <ul class="plain">
                        { for r.pods.iter().map(|(endpoint, node)| html! {
                            <li><code>{ endpoint.clone() }</code>{ " (" }
                                { if node.is_empty() { t(Msg::PodHere).to_string() } else { node.clone() } }{ ")" }</li>
                        }) }
                    </ul>
                }
            </td>
            <td>{ client_label(&r.client).map_or("-", t) }</td>
            <td>
                if !r.rule.is_empty() {
                    <span class="rule-location">{ r.rule_location.clone() }</span>
                    <code class="rule-text">{ r.rule.clone() }</code>
                    if !r.rule_verdict.is_empty() {
                        <span class="rule-location">{ format!("⇒ {}", verdict_words(&r.rule_verdict, core_lang(lang))) }</span>
                    }
                } else {
                    { "-" }
                }
            </td>
            if health {
                <td>
                    if r.health_status != 0 {
                        <span class={classes!("verdict", if r.health_status == 200 { "verdict-accept" } else { "verdict-drop" })}>
                            { r.health_status.to_string() }
                        </span>
                    }
                </td>
            }
        </tr>
    }
}

#[function_component]
pub fn Nodes(props: &NodesProps) -> Html {
    let lang = props.lang;
    let t = |m: Msg| m.text(lang);
    html! {
        <section class="panel nodes" aria-labelledby="nodes-title">
            <header class="panel-head"><h2 id="nodes-title">{ t(Msg::TabNodes) }</h2></header>
            <p class="explain">{ t(Msg::NodesExplain) }</p>
            if props.services.is_empty() {
                <p class="note">{ t(Msg::NoNodePorts) }</p>
            }
            { for props.services.iter().map(|s| {
                let health = s.rows.iter().any(|r| r.health_status != 0);
                let title = format!(
                    "{} · externalTrafficPolicy: {} · {}",
                    s.service_type, s.policy, s.ports
                );
                let object = s.object;
                html! {
                    <div class="table-wrap">
                        <table class="per-node">
                            <caption>
                                <code class="service-port">{ s.service_port.clone() }</code>{ " " }
                                <span class="muted">{ title }</span>{ " " }
                                if let Some(o) = object {
                                    <button onclick={props.on_rules.reform(move |_| o)}>{ t(Msg::ShowRules) }</button>
                                }
                            </caption>
                            <thead><tr>
                                <th scope="col">{ t(Msg::NodeColumn) }</th>
                                <th scope="col">{ t(Msg::ColDestination) }</th>
                                <th scope="col">{ t(Msg::ColTraffic) }</th>
                                <th scope="col">{ t(Msg::ColPods) }</th>
                                <th scope="col">{ t(Msg::ColClientIp) }</th>
                                <th scope="col">{ t(Msg::ColDecidedBy) }</th>
                                if health { <th scope="col">{ t(Msg::ColHealth) }</th> }
                            </tr></thead>
                            <tbody>{ for s.rows.iter().map(|r| row(r, health, lang)) }</tbody>
                        </table>
                        if health {
                            <ul class="plain health">
                                { for s.rows.iter().filter(|r| r.health_status != 0).map(|r| html! {
                                    <li>
                                        <details>
                                            <summary>
                                                <strong>{ r.node.clone() }</strong>{ " " }
                                                <code>{ format!("GET /healthz → {}", r.health_status) }</code>
                                            </summary>
                                            <pre class="output" tabindex="0">{ r.health_body.clone() }</pre>
                                        </details>
                                    </li>
                                }) }
                            </ul>
                        }
                    </div>
                }
            }) }
        </section>
    }
}
