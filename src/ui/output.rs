//! Copy and download buttons for a command's output (C2: every output as the real tool's
//! text).

use super::dom;
use super::i18n::{Lang, Msg};
use std::rc::Rc;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct OutputActionsProps {
    pub text: Rc<str>,
    pub file: AttrValue,
    pub lang: Lang,
}

#[function_component]
pub fn OutputActions(props: &OutputActionsProps) -> Html {
    let copied = use_state(|| false);
    let t = |m: Msg| m.text(props.lang);
    let copy = {
        let text = props.text.clone();
        let copied = copied.clone();
        Callback::from(move |_| {
            let text = text.clone();
            let copied = copied.clone();
            yew::platform::spawn_local(async move {
                if dom::copy_text(&text).await {
                    copied.set(true);
                    let copied = copied.clone();
                    dom::after(1500, move || copied.set(false));
                }
            });
        })
    };
    let download = {
        let text = props.text.clone();
        let file = props.file.clone();
        Callback::from(move |_| dom::download(&file, &text))
    };
    html! {
        <span class="output-actions">
            <button onclick={copy} aria-live="polite">{ if *copied { t(Msg::Copied) } else { t(Msg::Copy) } }</button>
            <button onclick={download}>{ t(Msg::Download) }</button>
        </span>
    }
}
