//! Copy and download buttons for a command's output (C2: every output as the real tool's
//! text).

use super::dom;
use super::i18n::{Lang, Msg};
use std::rc::Rc;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct OutputActionsProps {
    pub text: Rc<str>,
    /// When the text is not at hand (a window of a long listing is shown): asks for it,
    /// giving the callback that takes it (`None`: the scenario changed since the text on
    /// show was made, and the person is told to press again).
    #[prop_or_default]
    pub fetch: Option<Callback<Callback<Option<String>>>>,
    pub file: AttrValue,
    pub lang: Lang,
}

#[function_component]
pub fn OutputActions(props: &OutputActionsProps) -> Html {
    let copied = use_state(|| false);
    // The listing asked for had changed: said until the next press.
    let changed = use_state(|| false);
    let t = |m: Msg| m.text(props.lang);
    // The text at once, or once it has come.
    let with_text = |then: Callback<String>| {
        let text = props.text.clone();
        let fetch = props.fetch.clone();
        let changed = changed.clone();
        let then = Callback::from(move |text: Option<String>| match text {
            Some(text) => {
                changed.set(false);
                then.emit(text)
            }
            None => changed.set(true),
        });
        move || match &fetch {
            Some(fetch) => fetch.emit(then.clone()),
            None => then.emit(Some(text.to_string())),
        }
    };
    let copy = {
        let copied = copied.clone();
        let go = with_text(Callback::from(move |text: String| {
            let copied = copied.clone();
            yew::platform::spawn_local(async move {
                if dom::copy_text(&text).await {
                    copied.set(true);
                    let copied = copied.clone();
                    dom::after(1500, move || copied.set(false));
                }
            });
        }));
        Callback::from(move |_: MouseEvent| go())
    };
    let download = {
        let file = props.file.clone();
        let go = with_text(Callback::from(move |text: String| {
            dom::download(&file, &text)
        }));
        Callback::from(move |_: MouseEvent| go())
    };
    html! {
        <span class="output-actions">
            <button onclick={copy} aria-live="polite">{ if *copied { t(Msg::Copied) } else { t(Msg::Copy) } }</button>
            <button onclick={download}>{ t(Msg::Download) }</button>
            if *changed {
                <span class="note" role="status">{ t(Msg::ListingChanged) }</span>
            }
        </span>
    }
}
