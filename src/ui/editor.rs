//! The scenario editor: a textarea whose every input recomputes the page.

use web_sys::HtmlTextAreaElement;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct EditorProps {
    pub text: AttrValue,
    pub on_change: Callback<String>,
}

#[function_component]
pub fn Editor(props: &EditorProps) -> Html {
    let on_input = {
        let on_change = props.on_change.clone();
        Callback::from(move |e: InputEvent| {
            let area: HtmlTextAreaElement = e.target_unchecked_into();
            on_change.emit(area.value());
        })
    };
    html! {
        <textarea
            id="editor"
            class="editor"
            spellcheck="false"
            wrap="off"
            autocapitalize="off"
            autocomplete="off"
            aria-label="Scenario YAML"
            value={props.text.clone()}
            oninput={on_input}
        />
    }
}
