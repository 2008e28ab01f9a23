//! The terminal (A18): type the seeds' commands and read what the real tools print, from
//! `svcplay::views::run` — the same function as `svcplay run`, so the outputs are equal.

use super::i18n::{Lang, Msg};
use super::state::TermEntry;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct TerminalProps {
    pub entries: Vec<TermEntry>,
    pub node: AttrValue,
    pub lang: Lang,
    pub on_run: Callback<String>,
}

#[function_component]
pub fn Terminal(props: &TerminalProps) -> Html {
    let lang = props.lang;
    let t = |m: Msg| m.text(lang);
    let input = use_node_ref();
    let log = use_node_ref();
    // Where ↑/↓ are in the history (`None`: a new line).
    let position = use_mut_ref(|| None::<usize>);
    let history: Vec<String> = props.entries.iter().map(|e| e.command.clone()).collect();

    // Keep the newest output in view.
    {
        let log = log.clone();
        use_effect_with(props.entries.len(), move |_| {
            if let Some(l) = log.cast::<web_sys::Element>() {
                l.set_scroll_top(l.scroll_height());
            }
        });
    }
    let on_key = {
        let on_run = props.on_run.clone();
        let position = position.clone();
        Callback::from(move |e: KeyboardEvent| {
            let field: web_sys::HtmlInputElement = e.target_unchecked_into();
            match e.key().as_str() {
                "Enter" => {
                    e.prevent_default();
                    on_run.emit(field.value());
                    field.set_value("");
                    *position.borrow_mut() = None;
                }
                "ArrowUp" | "ArrowDown" if !history.is_empty() => {
                    e.prevent_default();
                    let up = e.key() == "ArrowUp";
                    let mut p = position.borrow_mut();
                    let next = match (*p, up) {
                        (None, true) => Some(history.len() - 1),
                        (None, false) => None,
                        (Some(0), true) => Some(0),
                        (Some(i), true) => Some(i - 1),
                        (Some(i), false) if i + 1 < history.len() => Some(i + 1),
                        (Some(_), false) => None,
                    };
                    *p = next;
                    field.set_value(next.map(|i| history[i].as_str()).unwrap_or(""));
                }
                "l" if e.ctrl_key() => {
                    e.prevent_default();
                    on_run.emit("clear".into());
                }
                _ => {}
            }
        })
    };
    let run_click = {
        let on_run = props.on_run.clone();
        let input = input.clone();
        Callback::from(move |_| {
            if let Some(field) = input.cast::<web_sys::HtmlInputElement>() {
                on_run.emit(field.value());
                field.set_value("");
                let _ = field.focus();
            }
        })
    };
    let prompt = format!("root@{}:~# ", props.node);
    html! {
        <section class="panel terminal" aria-labelledby="terminal-title">
            <header class="panel-head"><h2 id="terminal-title">{ t(Msg::TabTerminal) }</h2></header>
            <div id="terminal" class="term-log" ref={log} role="log" aria-live="polite" aria-label={t(Msg::TerminalLabel)}>
                <p class="term-welcome">{ Msg::TerminalWelcome.fill(lang, &[&props.node]) }</p>
                { for props.entries.iter().map(|entry| html! {
                    <div class="term-entry">
                        <div class="term-command"><span class="prompt">{ format!("root@{}:~# ", entry.node) }</span>{ entry.command.clone() }</div>
                        { match &entry.output {
                            Some(out) => html! {
                                <>
                                    if !out.stdout.is_empty() { <pre class="term-out">{ out.stdout.clone() }</pre> }
                                    if !out.stderr.is_empty() { <pre class="term-err">{ out.stderr.clone() }</pre> }
                                </>
                            },
                            None => html! { <p class="note">{ t(Msg::Computing) }</p> },
                        } }
                    </div>
                }) }
            </div>
            <div class="term-input">
                <label for="terminal-input" class="prompt">{ prompt }</label>
                <input id="terminal-input" ref={input} type="text" autocomplete="off" spellcheck="false"
                    autocapitalize="off" placeholder={t(Msg::TerminalPlaceholder)} onkeydown={on_key} />
                <button onclick={run_click}>{ t(Msg::Run) }</button>
            </div>
        </section>
    }
}
