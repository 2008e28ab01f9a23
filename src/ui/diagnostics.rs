//! The problems list: every diagnostic with its line, column and field path.

use svcplay::diag::{Diagnostic, Severity};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct DiagnosticsProps {
    pub diagnostics: Vec<Diagnostic>,
}

/// `line 7, column 3` or nothing when the diagnostic has no place.
pub fn place(d: &Diagnostic) -> String {
    d.span
        .map(|s| format!("line {}, column {}", s.start.line, s.start.column))
        .unwrap_or_default()
}

#[function_component]
pub fn Diagnostics(props: &DiagnosticsProps) -> Html {
    let shown: Vec<&Diagnostic> = props
        .diagnostics
        .iter()
        .filter(|d| d.severity != Severity::Info)
        .collect();
    html! {
        <section id="diagnostics" class="diagnostics" aria-label="Problems">
            if shown.is_empty() {
                <p class="ok">{ "No problems." }</p>
            } else {
                <ul>
                    { for shown.iter().map(|d| {
                        let class = classes!("diagnostic", d.severity.as_str());
                        let mut text = String::new();
                        if let Some(o) = &d.object { text.push_str(o); text.push_str(": "); }
                        if !d.path.is_empty() { text.push_str(&d.path); text.push_str(": "); }
                        text.push_str(&d.message);
                        html! {
                            <li class={class}>
                                <span class="severity">{ d.severity.as_str() }</span>
                                <span class="place">{ place(d) }</span>
                                <span class="message">{ text }</span>
                            </li>
                        }
                    }) }
                </ul>
            }
        </section>
    }
}
