//! The keyboard shortcuts and display settings (`?`): the shortcuts, a switch that turns
//! the single-key ones off (WCAG 2.1.4), what Tab does in the editor, and the text size.

use super::dialog::Dialog;
use super::i18n::{Lang, Msg};
use super::state::Prefs;
use yew::prelude::*;

/// The shortcuts: keys as typed, and what they do.
pub const SHORTCUTS: &[(&str, Msg)] = &[
    ("?", Msg::ShortcutHelp),
    ("1 … 9, 0", Msg::ShortcutTabs),
    ("c / m / v", Msg::ShortcutMoreTabs),
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
    pub prefs: Prefs,
    pub on_prefs: Callback<Prefs>,
    pub on_close: Callback<()>,
}

#[function_component]
pub fn Help(props: &HelpProps) -> Html {
    let t = |m: Msg| m.text(props.lang);
    let prefs = props.prefs;
    let on_shortcuts = props.on_prefs.reform(move |e: Event| {
        let input: web_sys::HtmlInputElement = e.target_unchecked_into();
        Prefs {
            shortcuts: input.checked(),
            ..prefs
        }
    });
    let on_tab = props.on_prefs.reform(move |e: Event| {
        let input: web_sys::HtmlInputElement = e.target_unchecked_into();
        Prefs {
            tab_moves_focus: input.checked(),
            ..prefs
        }
    });
    let on_size = props.on_prefs.reform(move |e: Event| {
        let select: web_sys::HtmlSelectElement = e.target_unchecked_into();
        Prefs {
            text_size: select.value().parse().unwrap_or(prefs.text_size),
            ..prefs
        }
    });
    html! {
        <Dialog id="help" title={t(Msg::Shortcuts)} close_label={t(Msg::Close)} on_close={props.on_close.clone()}>
            <div class="settings" role="group" aria-labelledby="settings-title">
                <h3 id="settings-title">{ t(Msg::Settings) }</h3>
                <label class="check">
                    <input id="pref-shortcuts" type="checkbox" checked={prefs.shortcuts} onchange={on_shortcuts} data-autofocus="" />
                    { t(Msg::PrefShortcuts) }
                </label>
                <label class="check">
                    <input id="pref-tab" type="checkbox" checked={prefs.tab_moves_focus} onchange={on_tab} />
                    { t(Msg::PrefTabMovesFocus) }
                </label>
                <label>
                    { t(Msg::TextSize) }{ " " }
                    <select id="pref-size" onchange={on_size}>
                        { for Prefs::TEXT_SIZES.iter().map(|s| html! {
                            <option value={s.to_string()} selected={*s == prefs.text_size}>{ format!("{s} %") }</option>
                        }) }
                    </select>
                </label>
            </div>
            <table>
                <caption>{ t(Msg::ShortcutsCaption) }</caption>
                <tbody>
                    { for SHORTCUTS.iter().map(|(keys, what)| html! {
                        <tr><th scope="row"><kbd>{ *keys }</kbd></th><td>{ t(*what) }</td></tr>
                    }) }
                </tbody>
            </table>
        </Dialog>
    }
}
