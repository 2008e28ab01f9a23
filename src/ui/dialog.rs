//! A modal dialog, as WAI-ARIA's dialog pattern describes it: when it opens, focus moves
//! into it (to the element marked `data-autofocus`, else its first control); Tab and
//! Shift+Tab cycle inside it, so nothing behind the overlay can be reached; Esc, the close
//! button or a click on the overlay close it; and focus then returns to what had it before.
//! Every dialog of the page (the gallery, the shortcuts and settings, the recent
//! scenarios, "replace your scenario?") is one of these.

use wasm_bindgen::JsCast;
use web_sys::HtmlElement;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct DialogProps {
    /// The dialog's id; its title is `{id}-title`.
    pub id: AttrValue,
    pub title: AttrValue,
    /// The close button's accessible name.
    pub close_label: AttrValue,
    pub on_close: Callback<()>,
    #[prop_or_default]
    pub children: Html,
}

/// What Tab can reach inside a dialog.
const FOCUSABLE: &str = "a[href], button:not([disabled]), input:not([disabled]), \
    select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex=\"-1\"])";

fn focusables(root: &web_sys::Element) -> Vec<HtmlElement> {
    let Ok(list) = root.query_selector_all(FOCUSABLE) else {
        return Vec::new();
    };
    (0..list.length())
        .filter_map(|i| list.item(i))
        .filter_map(|n| n.dyn_into::<HtmlElement>().ok())
        // Hidden controls (display: none) have no layout box.
        .filter(|e| e.get_client_rects().length() > 0)
        .collect()
}

fn active_element() -> Option<web_sys::Element> {
    web_sys::window()?.document()?.active_element()
}

#[function_component]
pub fn Dialog(props: &DialogProps) -> Html {
    let node = use_node_ref();
    // In: the marked control, else the first one after the title bar, else the dialog.
    // Out: back to what had focus when the dialog opened.
    {
        let node = node.clone();
        use_effect_with((), move |_| {
            let before = active_element().and_then(|e| e.dyn_into::<HtmlElement>().ok());
            if let Some(dialog) = node.cast::<HtmlElement>() {
                let marked = dialog
                    .query_selector("[data-autofocus]")
                    .ok()
                    .flatten()
                    .and_then(|e| e.dyn_into::<HtmlElement>().ok());
                let target = marked
                    .or_else(|| focusables(&dialog).into_iter().nth(1))
                    .unwrap_or_else(|| dialog.clone());
                let _ = target.focus();
            }
            move || {
                if let Some(b) = before {
                    let _ = b.focus();
                }
            }
        });
    }
    let on_keydown = {
        let node = node.clone();
        let on_close = props.on_close.clone();
        Callback::from(move |e: KeyboardEvent| match e.key().as_str() {
            "Escape" => {
                e.prevent_default();
                e.stop_propagation();
                on_close.emit(());
            }
            "Tab" => {
                let Some(dialog) = node.cast::<web_sys::Element>() else {
                    return;
                };
                let all = focusables(&dialog);
                let (Some(first), Some(last)) = (all.first(), all.last()) else {
                    e.prevent_default();
                    return;
                };
                let active = active_element();
                let at = |el: &HtmlElement| {
                    active
                        .as_ref()
                        .is_some_and(|a| a == el.unchecked_ref::<web_sys::Element>())
                };
                let inside = active.as_ref().is_some_and(|a| dialog.contains(Some(a)));
                if e.shift_key() && (at(first) || !inside || active.as_ref() == Some(&dialog)) {
                    e.prevent_default();
                    let _ = last.focus();
                } else if !e.shift_key() && (at(last) || !inside) {
                    e.prevent_default();
                    let _ = first.focus();
                }
            }
            _ => {}
        })
    };
    let title_id = format!("{}-title", props.id);
    html! {
        <div class="overlay" onclick={props.on_close.reform(|_| ())}>
            <div id={props.id.clone()} class={classes!("dialog", props.id.to_string())} role="dialog"
                aria-modal="true" aria-labelledby={title_id.clone()} tabindex="-1" ref={node}
                onkeydown={on_keydown}
                onclick={Callback::from(|e: MouseEvent| e.stop_propagation())}>
                <header class="dialog-head">
                    <h2 id={title_id}>{ props.title.clone() }</h2>
                    <button class="icon" onclick={props.on_close.reform(|_| ())}
                        aria-label={props.close_label.clone()} title={props.close_label.clone()}>{ "×" }</button>
                </header>
                { props.children.clone() }
            </div>
        </div>
    }
}
