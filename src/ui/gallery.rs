//! The examples gallery (B1): every lab of the seed tutorials, with its explanation.

use super::i18n::{Lang, Msg};
use svcplay::examples::{EXAMPLES, Example};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct GalleryProps {
    pub lang: Lang,
    pub on_load: Callback<&'static Example>,
    pub on_close: Callback<()>,
}

#[function_component]
pub fn Gallery(props: &GalleryProps) -> Html {
    let lang = props.lang;
    let t = |m: Msg| m.text(lang);
    let i = if lang == Lang::Zh { 1 } else { 0 };
    html! {
        <div class="overlay" onclick={props.on_close.reform(|_| ())}>
            <div class="dialog gallery" role="dialog" aria-modal="true" aria-labelledby="gallery-title"
                onclick={Callback::from(|e: MouseEvent| e.stop_propagation())}>
                <header class="dialog-head">
                    <h2 id="gallery-title">{ t(Msg::GalleryTitle) }</h2>
                    <button class="icon" onclick={props.on_close.reform(|_| ())} aria-label={t(Msg::Close)}>{ "×" }</button>
                </header>
                <p class="explain">{ t(Msg::GalleryIntro) }</p>
                <ul class="cards">
                    { for EXAMPLES.iter().map(|example| {
                        let cb = props.on_load.clone();
                        html! {
                            <li class="card" data-example={example.id}>
                                <h3>{ example.title[i] }</h3>
                                <p>{ example.explanation[i] }</p>
                                <button class="primary" onclick={Callback::from(move |_| cb.emit(example))}>{ t(Msg::Load) }</button>
                            </li>
                        }
                    }) }
                </ul>
            </div>
        </div>
    }
}
