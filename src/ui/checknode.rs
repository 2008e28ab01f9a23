//! Check a real node: a paste box for its `iptables-save`, `ipvsadm -Ln` + `ipset list` or
//! `nft list ruleset`, and what differs from what kube-proxy should have programmed on the
//! chosen node ([`svcplay::checknode`] through [`super::snapshot::check`]).

use super::i18n::{Lang, Msg};
use super::output::OutputActions;
use super::snapshot::{CheckPanel, CheckRow};
use std::rc::Rc;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct CheckNodeProps {
    pub panel: Rc<CheckPanel>,
    /// The pasted text, as the user left it.
    pub dump: String,
    pub nodes: Vec<String>,
    pub node: AttrValue,
    pub lang: Lang,
    pub on_dump: Callback<String>,
    pub on_node: Callback<String>,
}

fn kind_label(kind: &str) -> Msg {
    match kind {
        "missing" => Msg::FindingMissing,
        "extra" => Msg::FindingExtra,
        "stale" => Msg::FindingStale,
        "version" => Msg::FindingVersion,
        _ => Msg::FindingRuntime,
    }
}

fn findings(rows: &[&CheckRow], lang: Lang) -> Html {
    let t = |m: Msg| m.text(lang);
    html! {
        <div class="table-wrap">
            <table class="findings">
                <thead><tr>
                    <th scope="col">{ t(Msg::ColFinding) }</th>
                    <th scope="col">{ t(Msg::ColTable) }</th>
                    <th scope="col">{ t(Msg::ColChain) }</th>
                    <th scope="col">{ t(Msg::ColRule) }</th>
                    <th scope="col">{ t(Msg::ColLine) }</th>
                </tr></thead>
                <tbody>
                    { for rows.iter().take(2000).map(|r| html! {
                        <tr class={format!("finding-{}", r.kind)}>
                            <td><span class={classes!("finding", format!("finding-{}", r.kind))}>{ t(kind_label(&r.kind)) }</span></td>
                            <td><code>{ r.table.clone() }</code></td>
                            <td>
                                <code>{ r.chain.clone() }</code>
                                if !r.service.is_empty() {
                                    <span class="chain-service">{ r.service.clone() }</span>
                                }
                            </td>
                            <td>
                                <code class="rule-text">{ r.rule.clone() }</code>
                                if !r.note.is_empty() {
                                    <pre class="inline note-text">{ r.note.clone() }</pre>
                                }
                            </td>
                            <td>{ if r.line == 0 { "-".to_string() } else { r.line.to_string() } }</td>
                        </tr>
                    }) }
                </tbody>
            </table>
        </div>
    }
}

#[function_component]
pub fn CheckNode(props: &CheckNodeProps) -> Html {
    let lang = props.lang;
    let t = |m: Msg| m.text(lang);
    let p = &props.panel;
    let on_input = {
        let cb = props.on_dump.clone();
        Callback::from(move |e: InputEvent| {
            let area: web_sys::HtmlTextAreaElement = e.target_unchecked_into();
            cb.emit(area.value());
        })
    };
    let on_node = {
        let cb = props.on_node.clone();
        Callback::from(move |e: Event| {
            let select: web_sys::HtmlSelectElement = e.target_unchecked_into();
            cb.emit(select.value());
        })
    };
    let drift: Vec<&CheckRow> = p
        .findings
        .iter()
        .filter(|r| matches!(r.kind.as_str(), "missing" | "extra" | "stale"))
        .collect();
    let apart: Vec<&CheckRow> = p
        .findings
        .iter()
        .filter(|r| !matches!(r.kind.as_str(), "missing" | "extra" | "stale"))
        .collect();
    let text: Rc<str> = Rc::from(p.text.as_str());
    html! {
        <section class="panel check" aria-labelledby="check-title">
            <header class="panel-head">
                <h2 id="check-title">{ t(Msg::TabCheck) }</h2>
                <label>
                    { t(Msg::Node) }
                    <select id="check-node" onchange={on_node}>
                        { for props.nodes.iter().map(|n| html! {
                            <option value={n.clone()} selected={*n == *props.node}>{ n.clone() }</option>
                        }) }
                    </select>
                </label>
                if !p.text.is_empty() {
                    <OutputActions text={text} file="check-node.txt" lang={lang} />
                }
            </header>
            <p class="explain">{ t(Msg::CheckExplain) }</p>
            <label for="check-dump" class="dump-label">{ t(Msg::CheckDump) }</label>
            <textarea id="check-dump" class="dump" rows="8" spellcheck="false"
                placeholder={t(Msg::CheckPlaceholder)} value={props.dump.clone()} oninput={on_input} />
            if props.dump.trim().is_empty() {
                <p class="note">{ t(Msg::CheckEmpty) }</p>
            } else if !p.error.is_empty() {
                <p class="error-line" id="check-result">{ p.error.clone() }</p>
            } else {
                <p id="check-result" class={if p.matches { "ok-line" } else { "warning-line" }}>
                    { if p.matches {
                        Msg::CheckMatches.fill(lang, &[&p.node])
                    } else {
                        let count = |k: &str| drift.iter().filter(|r| r.kind == k).count().to_string();
                        Msg::CheckDrift.fill(lang, &[
                            &p.node, &count("missing"), &count("extra"), &count("stale"),
                        ])
                    } }
                    if !apart.is_empty() {
                        { " " }{ Msg::CheckApart.fill(lang, &[&apart.len().to_string()]) }
                    }
                </p>
                if !drift.is_empty() { { findings(&drift, lang) } }
                if !apart.is_empty() {
                    <h3>{ t(Msg::CheckNotDrift) }</h3>
                    { findings(&apart, lang) }
                }
                if !p.legend.is_empty() {
                    <h3>{ t(Msg::CheckLegend) }</h3>
                    <ul class="plain legend">
                        { for p.legend.iter().map(|l| html! { <li><code>{ l.clone() }</code></li> }) }
                    </ul>
                }
                <ul class="plain sections">
                    { for p.sections.iter().map(|l| html! { <li class="muted">{ l.clone() }</li> }) }
                </ul>
            }
        </section>
    }
}
