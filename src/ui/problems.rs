//! The problems list (`#diagnostics`): every error and warning with its line and column;
//! choosing one selects its place in the editor.
//!
//! A YAML syntax error hides the objects after it, so the learner hints computed from what
//! is left ("namespace dev has no Pods") may only follow from that error: while one is
//! there, those hints are folded under a line saying so ([`follow_ons`]), and the editor
//! does not underline them.

use super::i18n::{Lang, Msg};
use std::rc::Rc;
use svcplay::diag::{Diagnostic, Severity, Span, Stage};
use yew::prelude::*;

/// The diagnostics to show, split into those that stand on their own and the learner
/// hints that may only follow from a YAML syntax error (empty without one); and the line of
/// the first syntax error.
pub fn follow_ons(diagnostics: &[Diagnostic]) -> (Vec<&Diagnostic>, Vec<&Diagnostic>, Option<u32>) {
    let syntax = diagnostics
        .iter()
        .find(|d| d.stage == Stage::Syntax && d.severity == Severity::Error)
        .map(|d| d.span.map_or(0, |s| s.start.line));
    let shown = diagnostics.iter().filter(|d| d.severity != Severity::Info);
    let (own, follow): (Vec<&Diagnostic>, Vec<&Diagnostic>) =
        shown.partition(|d| syntax.is_none() || d.stage != Stage::Hint);
    (own, follow, syntax)
}

#[derive(Properties, PartialEq)]
pub struct ProblemsProps {
    pub diagnostics: Rc<Vec<Diagnostic>>,
    /// The analysis is paused (safe start): the diagnostics are not of this text.
    #[prop_or_default]
    pub paused: bool,
    pub lang: Lang,
    pub on_reveal: Callback<Span>,
}

#[function_component]
pub fn Problems(props: &ProblemsProps) -> Html {
    let _timed = super::dom::timed("view:Problems");
    let lang = props.lang;
    let t = |m: Msg| m.text(lang);
    let (shown, follow, syntax_line) = follow_ons(&props.diagnostics);
    let errors = shown
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    let item = |d: &&Diagnostic| {
        let severity = if d.severity == Severity::Error {
            Msg::Error
        } else {
            Msg::Warning
        };
        let mut text = String::new();
        if let Some(o) = &d.object {
            text.push_str(o);
            text.push_str(": ");
        }
        if !d.path.is_empty() {
            text.push_str(&d.path);
            text.push_str(": ");
        }
        text.push_str(&d.message);
        let place = d
            .span
            .map(|s| {
                Msg::At.fill(
                    lang,
                    &[&s.start.line.to_string(), &s.start.column.to_string()],
                )
            })
            .unwrap_or_default();
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
    };
    html! {
        <section id="diagnostics" class="problems" aria-labelledby="problems-title">
            <h2 id="problems-title">
                { t(Msg::Problems) }
                if !shown.is_empty() {
                    <span class={if errors > 0 { "count error" } else { "count warning" }}>{ shown.len() }</span>
                }
            </h2>
            if props.paused {
                <p class="note">{ t(Msg::PausedTitle) }</p>
            } else if shown.is_empty() && follow.is_empty() {
                <p class="ok">{ t(Msg::NoProblems) }</p>
            } else {
                <ul>
                    { for shown.iter().take(500).map(item) }
                </ul>
                if !follow.is_empty() {
                    <details class="follow-on">
                        <summary>{ Msg::FollowOn.fill(lang, &[&follow.len().to_string(), &syntax_line.unwrap_or(0).to_string()]) }</summary>
                        <ul>{ for follow.iter().take(500).map(item) }</ul>
                    </details>
                }
            }
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use svcplay::scenario::{Options, analyze};

    #[test]
    fn hints_after_a_syntax_error_are_set_apart() {
        // One indentation mistake in the Deployment: its Pods vanish with it.
        let broken = svcplay::examples::DEFAULT.replace(
            "    spec:\n      containers:",
            "   spec:\n      containers:",
        );
        let analysis = analyze(&broken, Options::default());
        let (own, follow, line) = follow_ons(&analysis.diagnostics);
        assert!(line.is_some_and(|l| l > 0), "{:?}", analysis.diagnostics);
        assert!(own.iter().any(|d| d.stage == Stage::Syntax));
        assert!(own.iter().all(|d| d.stage != Stage::Hint));
        assert!(follow.iter().all(|d| d.stage == Stage::Hint));
        assert!(!follow.is_empty(), "{:?}", analysis.diagnostics);
        // Without a syntax error every hint stands on its own.
        let fine = analyze(svcplay::examples::DEFAULT, Options::default());
        assert!(follow_ons(&fine.diagnostics).1.is_empty());
    }
}
