//! The lab's explanation, kept beside the views while the lab is open: what it shows and
//! what to try (the gallery's card would otherwise vanish with the dialog).

use super::i18n::{Lang, Msg};
use svcplay::examples::Example;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct LabProps {
    pub example: &'static Example,
    pub lang: Lang,
    pub on_close: Callback<()>,
}

#[function_component]
pub fn Lab(props: &LabProps) -> Html {
    let t = |m: Msg| m.text(props.lang);
    let i = usize::from(props.lang == Lang::Zh);
    let e = props.example;
    html! {
        <aside id="lab" class="lab" aria-labelledby="lab-title" data-example={e.id}>
            <div class="lab-text">
                <h2 id="lab-title">{ Msg::LabTitle.fill(props.lang, &[e.title[i]]) }</h2>
                <p>{ e.explanation[i] }</p>
            </div>
            <button class="icon" onclick={props.on_close.reform(|_| ())}
                aria-label={t(Msg::CloseLab)} title={t(Msg::CloseLab)}>{ "×" }</button>
        </aside>
    }
}
