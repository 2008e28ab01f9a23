//! The problems list (`#diagnostics`): every error and warning with its line and column;
//! choosing one selects its place in the editor.

use super::i18n::{Lang, Msg};
use std::rc::Rc;
use svcplay::diag::{Diagnostic, Severity, Span};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ProblemsProps {
    pub diagnostics: Rc<Vec<Diagnostic>>,
    pub lang: Lang,
    pub on_reveal: Callback<Span>,
}

#[function_component]
pub fn Problems(props: &ProblemsProps) -> Html {
    let lang = props.lang;
    let t = |m: Msg| m.text(lang);
    let shown: Vec<&Diagnostic> = props
        .diagnostics
        .iter()
        .filter(|d| d.severity != Severity::Info)
        .collect();
    let errors = shown
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    html! {
        <section id="diagnostics" class="problems" aria-labelledby="problems-title">
            <h2 id="problems-title">
                { t(Msg::Problems) }
                if !shown.is_empty() {
                    <span class={if errors > 0 { "count error" } else { "count warning" }}>{ shown.len() }</span>
                }
            </h2>
            if shown.is_empty() {
                <p class="ok">{ t(Msg::NoProblems) }</p>
            } else {
                <ul>
                    { for shown.iter().take(500).map(|d| {
                        let severity = if d.severity == Severity::Error { Msg::Error } else { Msg::Warning };
                        let mut text = String::new();
                        if let Some(o) = &d.object { text.push_str(o); text.push_str(": "); }
                        if !d.path.is_empty() { text.push_str(&d.path); text.push_str(": "); }
                        text.push_str(&d.message);
                        let place = d.span.map(|s| Msg::At.fill(lang, &[&s.start.line.to_string(), &s.start.column.to_string()])).unwrap_or_default();
                        let body = html! {
                            <>
                                <span class="severity">{ t(severity) }</span>
                                <span class="place">{ place }</span>
                                <span class="message">{ text }</span>
                            </>
                        };
                        html! {
                            <li class={classes!("diagnostic", d.severity.as_str())}>
                                { match d.span {
                                    Some(span) => {
                                        let cb = props.on_reveal.clone();
                                        html! { <button class="jump" onclick={Callback::from(move |_| cb.emit(span))}>{ body }</button> }
                                    }
                                    None => body,
                                } }
                            </li>
                        }
                    }) }
                </ul>
            }
        </section>
    }
}
