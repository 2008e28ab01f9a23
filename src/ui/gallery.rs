//! The examples gallery (B1): every lab of the seed tutorials, with its explanation.
//! Loading one replaces the editor's text through `Action::Replace` (the text it replaces
//! goes to the recent scenarios first).

use super::dialog::Dialog;
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
    let i = usize::from(lang == Lang::Zh);
    html! {
        <Dialog id="gallery" title={t(Msg::GalleryTitle)} close_label={t(Msg::Close)} on_close={props.on_close.clone()}>
            <p class="explain">{ t(Msg::GalleryIntro) }</p>
            <ul class="cards">
                { for EXAMPLES.iter().enumerate().map(|(n, example)| {
                    let cb = props.on_load.clone();
                    let title_id = format!("example-{}", example.id);
                    html! {
                        <li class="card" data-example={example.id}>
                            <h3 id={title_id.clone()}>{ example.title[i] }</h3>
                            <p>{ example.explanation[i] }</p>
                            <button class="primary" aria-describedby={title_id}
                                data-autofocus={(n == 0).then_some("")}
                                onclick={Callback::from(move |_| cb.emit(example))}>{ t(Msg::Load) }</button>
                        </li>
                    }
                }) }
            </ul>
        </Dialog>
    }
}
