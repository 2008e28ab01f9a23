//! The lab terminal (issue 15): a shell over the scenario, [`svcplay::shell`] — the same
//! code as `svcplay shell`, so the page prints what the CLI prints.
//!
//! This component only draws and reads keys; the state (entries, the shell's own state,
//! a running loop, an open editor, the history) lives in [`super::state`], whose reducer
//! runs the commands. Keys: Enter runs the line (ignored while a loop runs), ↑/↓ walk the
//! history (kept per scenario in local storage by the app shell), Tab completes the last
//! word (several candidates are listed under the line, their common prefix is filled in),
//! Ctrl+C stops a running loop or abandons the line (`^C`), Ctrl+L clears the screen,
//! Ctrl+R finds the newest history line containing what is typed (again: an older one).
//! Output is plain text in a scrolling log, so a long listing scrolls instead of freezing
//! the page. `vi FILE` and `kubectl edit` open an editor over the page: saving hands the
//! text back to the command.

use super::i18n::{Lang, Msg};
use super::state::TermEntry;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct TerminalProps {
    pub entries: Vec<TermEntry>,
    /// The prompt of the next line.
    pub prompt: AttrValue,
    /// The node the shell is on.
    pub node: AttrValue,
    pub history: Vec<String>,
    /// A loop is running (Ctrl+C stops it).
    pub running: bool,
    /// An editor a command opened.
    pub editing: Option<svcplay::shell::Editor>,
    pub lang: Lang,
    pub on_run: Callback<String>,
    pub on_interrupt: Callback<String>,
    pub on_clear: Callback<()>,
    pub on_edit_done: Callback<Option<String>>,
    /// The words Tab may complete the line with.
    pub complete: Callback<String, Vec<String>>,
}

/// The longest prefix every candidate shares.
fn common_prefix(words: &[String]) -> String {
    let Some(first) = words.first() else {
        return String::new();
    };
    let mut end = first.len();
    for w in &words[1..] {
        end = first
            .char_indices()
            .zip(w.chars())
            .take_while(|((_, a), b)| a == b)
            .last()
            .map_or(0, |((i, a), _)| i + a.len_utf8())
            .min(end);
    }
    first[..end].to_string()
}

#[function_component]
pub fn Terminal(props: &TerminalProps) -> Html {
    let lang = props.lang;
    let t = |m: Msg| m.text(lang);
    let input = use_node_ref();
    let log = use_node_ref();
    let editor_area = use_node_ref();
    // Where ↑/↓ are in the history (`None`: a new line).
    let position = use_mut_ref(|| None::<usize>);
    // Ctrl+R: the text searched for and the history index found.
    let search = use_state(|| None::<(String, usize)>);
    // Tab's candidates when there are several.
    let candidates = use_state(Vec::<String>::new);

    // Keep the newest output in view.
    {
        let log = log.clone();
        let size: usize = props.entries.iter().map(|e| e.output.len() + 1).sum();
        use_effect_with(size, move |_| {
            if let Some(l) = log.cast::<web_sys::Element>() {
                l.set_scroll_top(l.scroll_height());
            }
        });
    }
    let on_key = {
        let props_history = props.history.clone();
        let on_run = props.on_run.clone();
        let on_interrupt = props.on_interrupt.clone();
        let on_clear = props.on_clear.clone();
        let complete = props.complete.clone();
        let running = props.running;
        let position = position.clone();
        let search = search.clone();
        let candidates = candidates.clone();
        Callback::from(move |e: KeyboardEvent| {
            let field: web_sys::HtmlInputElement = e.target_unchecked_into();
            let history = &props_history;
            let key = e.key();
            if !(e.ctrl_key() && key == "r") && search.is_some() {
                search.set(None);
            }
            if key != "Tab" && !candidates.is_empty() {
                candidates.set(Vec::new());
            }
            match key.as_str() {
                "Enter" => {
                    e.prevent_default();
                    if running {
                        return;
                    }
                    on_run.emit(field.value());
                    field.set_value("");
                    *position.borrow_mut() = None;
                }
                "c" if e.ctrl_key() => {
                    e.prevent_default();
                    on_interrupt.emit(if running {
                        String::new()
                    } else {
                        field.value()
                    });
                    field.set_value("");
                    *position.borrow_mut() = None;
                }
                "l" if e.ctrl_key() => {
                    e.prevent_default();
                    on_clear.emit(());
                }
                "r" if e.ctrl_key() => {
                    e.prevent_default();
                    let (query, before) = match &*search {
                        Some((q, at)) => (q.clone(), *at),
                        None => (field.value(), history.len()),
                    };
                    if let Some(at) = history[..before.min(history.len())]
                        .iter()
                        .rposition(|h| h.contains(query.as_str()))
                    {
                        field.set_value(&history[at]);
                        search.set(Some((query, at)));
                    } else {
                        search.set(Some((query, before)));
                    }
                }
                "Tab" => {
                    e.prevent_default();
                    let line = field.value();
                    let words = complete.emit(line.clone());
                    let start = line
                        .rfind(|c: char| {
                            c.is_whitespace() || c == '/' && line.starts_with("kubectl")
                        })
                        .map_or(0, |i| i + 1);
                    match words.len() {
                        0 => {}
                        1 => {
                            field.set_value(&format!("{}{} ", &line[..start], words[0]));
                        }
                        _ => {
                            let prefix = common_prefix(&words);
                            if prefix.len() > line.len() - start {
                                field.set_value(&format!("{}{prefix}", &line[..start]));
                            }
                            candidates.set(words);
                        }
                    }
                }
                "ArrowUp" | "ArrowDown" if !history.is_empty() => {
                    e.prevent_default();
                    let up = key == "ArrowUp";
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
                _ => {}
            }
        })
    };
    let run_click = {
        let on_run = props.on_run.clone();
        let input = input.clone();
        let running = props.running;
        Callback::from(move |_| {
            if let Some(field) = input.cast::<web_sys::HtmlInputElement>() {
                if !running {
                    on_run.emit(field.value());
                    field.set_value("");
                }
                let _ = field.focus();
            }
        })
    };
    let stop_click = {
        let on_interrupt = props.on_interrupt.clone();
        Callback::from(move |_| on_interrupt.emit(String::new()))
    };
    // The editor's text is set once when it opens (not on every render, which would undo
    // what the person typed).
    {
        let area = editor_area.clone();
        let content = props
            .editing
            .as_ref()
            .map(|e| (e.title.clone(), e.content.clone()));
        use_effect_with(content, move |content| {
            if let (Some((_, text)), Some(a)) =
                (content, area.cast::<web_sys::HtmlTextAreaElement>())
            {
                a.set_value(text);
                let _ = a.focus();
            }
        });
    }
    let editor = props.editing.as_ref().map(|ed| {
        let save = {
            let on_done = props.on_edit_done.clone();
            let area = editor_area.clone();
            Callback::from(move |_| {
                let text = area
                    .cast::<web_sys::HtmlTextAreaElement>()
                    .map(|a| a.value())
                    .unwrap_or_default();
                on_done.emit(Some(text));
            })
        };
        let quit = {
            let on_done = props.on_edit_done.clone();
            Callback::from(move |_| on_done.emit(None))
        };
        html! {
            <div class="term-editor" role="dialog" aria-modal="true" aria-labelledby="term-editor-title">
                <h3 id="term-editor-title">{ Msg::EditorTitle.fill(lang, &[&ed.title]) }</h3>
                <textarea id="term-editor-text" ref={editor_area.clone()} spellcheck="false"
                    autocapitalize="off" rows="20" />
                <div class="term-editor-buttons">
                    <button id="term-editor-save" class="primary" onclick={save}>{ t(Msg::EditorSave) }</button>
                    <button id="term-editor-quit" onclick={quit}>{ t(Msg::EditorQuit) }</button>
                </div>
            </div>
        }
    });
    let label = match &*search {
        Some((q, _)) => format!("{}`{q}': ", t(Msg::TerminalSearch)),
        None => props.prompt.to_string(),
    };
    html! {
        <section class="panel terminal" aria-labelledby="terminal-title">
            <header class="panel-head"><h2 id="terminal-title">{ t(Msg::TabTerminal) }</h2></header>
            <div id="terminal" class="term-log" ref={log} role="log" aria-live="polite" aria-label={t(Msg::TerminalLabel)}>
                <p class="term-welcome">{ Msg::TerminalWelcome.fill(lang, &[&props.node]) }</p>
                { for props.entries.iter().map(|entry| html! {
                    <div class="term-entry">
                        <div class="term-command"><span class="prompt">{ entry.prompt.clone() }</span>{ entry.command.clone() }</div>
                        { for entry.output.iter().map(|(err, text)| html! {
                            <pre class={if *err { "term-err" } else { "term-out" }}>{ text.clone() }</pre>
                        }) }
                        if entry.running && entry.output.is_empty() && !props.running {
                            <p class="note">{ t(Msg::Computing) }</p>
                        }
                    </div>
                }) }
            </div>
            if !candidates.is_empty() {
                <pre class="term-completions">{ candidates.join("  ") }</pre>
            }
            <div class="term-input">
                <label for="terminal-input" class="prompt">{ label }</label>
                <input id="terminal-input" ref={input} type="text" autocomplete="off" spellcheck="false"
                    autocapitalize="off" placeholder={if props.running { t(Msg::TerminalRunning) } else { t(Msg::TerminalPlaceholder) }}
                    onkeydown={on_key} />
                if props.running {
                    <button id="terminal-stop" onclick={stop_click}>{ t(Msg::TerminalStop) }</button>
                } else {
                    <button onclick={run_click}>{ t(Msg::Run) }</button>
                }
            </div>
            { for editor }
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tab_fills_the_common_prefix() {
        let words = |w: &[&str]| w.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            common_prefix(&words(&["service", "services", "serviceaccounts"])),
            "service"
        );
        assert_eq!(common_prefix(&words(&["pods", "po"])), "po");
        assert_eq!(common_prefix(&words(&[])), "");
    }
}
