//! The keyboard shortcuts overlay (`?`).

use super::i18n::{Lang, Msg};
use yew::prelude::*;

/// The shortcuts: keys as typed, and what they do.
pub const SHORTCUTS: &[(&str, Msg)] = &[
    ("?", Msg::ShortcutHelp),
    ("1 … 8", Msg::ShortcutTabs),
    ("g", Msg::ShortcutGallery),
    ("e", Msg::ShortcutEditor),
    ("t", Msg::ShortcutTerminal),
    ("l", Msg::ShortcutLanguage),
    ("d", Msg::ShortcutTheme),
    ("s", Msg::ShortcutShare),
    ("Ctrl+F", Msg::ShortcutFind),
    ("Ctrl+Z / Ctrl+Shift+Z", Msg::ShortcutUndo),
    ("Tab / Shift+Tab", Msg::ShortcutTab),
    ("Esc", Msg::ShortcutEscape),
];

#[derive(Properties, PartialEq)]
pub struct HelpProps {
    pub lang: Lang,
    pub on_close: Callback<()>,
}

#[function_component]
pub fn Help(props: &HelpProps) -> Html {
    let t = |m: Msg| m.text(props.lang);
    html! {
        <div class="overlay" onclick={props.on_close.reform(|_| ())}>
            <div class="dialog help" role="dialog" aria-modal="true" aria-labelledby="help-title"
                onclick={Callback::from(|e: MouseEvent| e.stop_propagation())}>
                <header class="dialog-head">
                    <h2 id="help-title">{ t(Msg::Shortcuts) }</h2>
                    <button class="icon" onclick={props.on_close.reform(|_| ())} aria-label={t(Msg::Close)}>{ "×" }</button>
                </header>
                <table>
                    <tbody>
                        { for SHORTCUTS.iter().map(|(keys, what)| html! {
                            <tr><th scope="row"><kbd>{ *keys }</kbd></th><td>{ t(*what) }</td></tr>
                        }) }
                    </tbody>
                </table>
            </div>
        </div>
    }
}
