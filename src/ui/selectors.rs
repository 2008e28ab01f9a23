//! The selector view (A6): for each Service, the Pods its selector picks and, for the
//! others of its namespace, which labels they miss.

use super::i18n::{Lang, Msg};
use super::snapshot::{LabelMiss, SelectorRow};
use std::rc::Rc;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct SelectorsProps {
    pub rows: Rc<Vec<SelectorRow>>,
    pub lang: Lang,
    pub on_rules: Callback<usize>,
}

/// `app=api, selector wants web` in the page's language.
pub fn miss_text(lang: Lang, miss: &LabelMiss) -> String {
    match (&miss.found, lang) {
        (Some(v), Lang::En) => format!("{}={} (selector wants {})", miss.key, v, miss.wanted),
        (Some(v), Lang::Zh) => format!("{}={}(选择器要求 {})", miss.key, v, miss.wanted),
        (None, Lang::En) => format!(
            "no label {} (selector wants {}={})",
            miss.key, miss.key, miss.wanted
        ),
        (None, Lang::Zh) => format!(
            "没有标签 {}(选择器要求 {}={})",
            miss.key, miss.key, miss.wanted
        ),
    }
}

#[function_component]
pub fn Selectors(props: &SelectorsProps) -> Html {
    let lang = props.lang;
    let t = |m: Msg| m.text(lang);
    html! {
        <section class="panel selectors" aria-labelledby="selectors-title">
            <header class="panel-head"><h2 id="selectors-title">{ t(Msg::TabSelectors) }</h2></header>
            { for props.rows.iter().take(200).map(|row| html! {
                <div class="card">
                    <h3>
                        { row.service.clone() }
                        if let Some(o) = row.object {
                            { " " }<button onclick={props.on_rules.reform(move |_| o)}>{ t(Msg::ShowRules) }</button>
                        }
                    </h3>
                    if !row.active {
                        <p class="note">{ t(Msg::NoSelector) }</p>
                    } else {
                        <p>{ t(Msg::Selector) }{ ": " }<code>{ row.selector.clone() }</code></p>
                        <table>
                            <thead><tr>
                                <th scope="col">{ t(Msg::Pod) }</th>
                                <th scope="col">{ t(Msg::Selects) }</th>
                                <th scope="col">{ t(Msg::NotSelected) }</th>
                            </tr></thead>
                            <tbody>
                                { for row.selected.iter().map(|(pod, ready)| html! {
                                    <tr class="selected">
                                        <th scope="row">{ pod.clone() }</th>
                                        <td>{ "✓ " }{ if *ready { t(Msg::Ready) } else { t(Msg::NotReady) } }</td>
                                        <td></td>
                                    </tr>
                                }) }
                                { for row.not_selected.iter().map(|(pod, misses)| html! {
                                    <tr class="not-selected">
                                        <th scope="row">{ pod.clone() }</th>
                                        <td>{ "✗" }</td>
                                        <td>{ misses.iter().map(|m| miss_text(lang, m)).collect::<Vec<_>>().join("; ") }</td>
                                    </tr>
                                }) }
                                if row.selected.is_empty() && row.not_selected.is_empty() {
                                    <tr><td colspan="3">{ t(Msg::NoPods) }</td></tr>
                                }
                            </tbody>
                        </table>
                        if !row.other_namespaces.is_empty() {
                            <p class="warning-line">{ "⚠ " }{ t(Msg::OtherNamespaces) }{ ": " }{ row.other_namespaces.join(", ") }</p>
                        }
                    }
                </div>
            }) }
        </section>
    }
}
