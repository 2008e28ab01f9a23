//! The recent scenarios ([`super::history`]): what replacements pushed out of the editor,
//! newest first, each one click from coming back; and the question the page asks before
//! replacing a text too big for that history.

use super::dialog::Dialog;
use super::history::{History, describe};
use super::i18n::{Lang, Msg};
use std::rc::Rc;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct RecentProps {
    pub lang: Lang,
    pub history: Rc<History>,
    /// Now (ms since the epoch), for "5 minutes ago".
    pub now_ms: f64,
    /// In an embed, which keeps them only in memory.
    #[prop_or_default]
    pub embedded: bool,
    pub on_open: Callback<usize>,
    pub on_forget: Callback<usize>,
    pub on_close: Callback<()>,
}

/// "just now", "5 min ago", "3 h ago", "2 days ago".
pub fn ago(lang: Lang, now_ms: f64, at_ms: f64) -> String {
    let minutes = ((now_ms - at_ms) / 60_000.0).max(0.0) as u64;
    match minutes {
        0 => Msg::JustNow.text(lang).to_string(),
        m if m < 60 => Msg::MinutesAgo.fill(lang, &[&m.to_string()]),
        m if m < 48 * 60 => Msg::HoursAgo.fill(lang, &[&(m / 60).to_string()]),
        m => Msg::DaysAgo.fill(lang, &[&(m / (24 * 60)).to_string()]),
    }
}

#[function_component]
pub fn Recent(props: &RecentProps) -> Html {
    let lang = props.lang;
    let t = |m: Msg| m.text(lang);
    html! {
        <Dialog id="recent" title={t(Msg::RecentTitle)} close_label={t(Msg::Close)} on_close={props.on_close.clone()}>
            <p class="explain">{ t(Msg::RecentIntro) }</p>
            if props.embedded {
                <p class="explain">{ t(Msg::RecentEmbedded) }</p>
            }
            if props.history.entries.is_empty() {
                <p class="note">{ t(Msg::RecentNone) }</p>
            }
            <ol class="recent-list">
                { for props.history.entries.iter().enumerate().map(|(i, e)| {
                    let lines = e.text.lines().count();
                    let what = describe(&e.text);
                    let title_id = format!("recent-{i}");
                    html! {
                        <li class="card">
                            <h3 id={title_id.clone()}>{ e.source.label(lang) }</h3>
                            <p class="recent-what"><code>{ what }</code></p>
                            <p class="recent-meta">
                                { Msg::RecentMeta.fill(lang, &[&ago(lang, props.now_ms, e.at_ms), &lines.to_string()]) }
                            </p>
                            <div class="recent-actions">
                                <button class="primary" aria-describedby={title_id.clone()}
                                    onclick={props.on_open.reform(move |_| i)}>{ t(Msg::Open) }</button>
                                <button aria-describedby={title_id} onclick={props.on_forget.reform(move |_| i)}>{ t(Msg::Forget) }</button>
                            </div>
                        </li>
                    }
                }) }
            </ol>
        </Dialog>
    }
}

#[derive(Properties, PartialEq)]
pub struct ConfirmProps {
    pub lang: Lang,
    /// The size of the user's text (bytes).
    pub size: usize,
    /// What would replace it.
    pub source: AttrValue,
    pub on_export: Callback<()>,
    pub on_replace: Callback<()>,
    pub on_close: Callback<()>,
}

/// "Replace your scenario?": the text is too big to keep in the history, so the page asks.
#[function_component]
pub fn ConfirmReplace(props: &ConfirmProps) -> Html {
    let lang = props.lang;
    let t = |m: Msg| m.text(lang);
    let kb = (props.size / 1000).to_string();
    html! {
        <Dialog id="confirm" title={t(Msg::ConfirmTitle)} close_label={t(Msg::Cancel)} on_close={props.on_close.clone()}>
            <p>{ Msg::ConfirmExplain.fill(lang, &[&props.source, &kb]) }</p>
            <div class="recent-actions">
                <button data-autofocus="" onclick={props.on_export.reform(|_| ())}>{ t(Msg::ExportFirst) }</button>
                <button id="confirm-replace" class="danger" onclick={props.on_replace.reform(|_| ())}>{ t(Msg::ReplaceAnyway) }</button>
                <button onclick={props.on_close.reform(|_| ())}>{ t(Msg::Cancel) }</button>
            </div>
        </Dialog>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_as_people_say_them() {
        let now = 10.0 * 86_400_000.0;
        assert_eq!(ago(Lang::En, now, now - 10_000.0), "just now");
        assert_eq!(ago(Lang::En, now, now - 5.0 * 60_000.0), "5 min ago");
        assert_eq!(ago(Lang::En, now, now - 3.0 * 3_600_000.0), "3 h ago");
        assert_eq!(ago(Lang::En, now, now - 3.0 * 86_400_000.0), "3 days ago");
        assert_eq!(ago(Lang::Zh, now, now - 5.0 * 60_000.0), "5 分钟前");
    }
}
