//! The page's keyboard shortcuts (listed in the `?` dialog, [`super::help::SHORTCUTS`]).
//!
//! Single keys (`?`, `g`, `l`, `d`, `e`, `t`, `s`, and every view's own key,
//! [`Tab::shortcut`]: `1`…`9`, `0`, `c`, `m`, `v`) act only outside text fields,
//! and the reader can turn them off ([`super::state::Prefs::shortcuts`], WCAG 2.1.4: a
//! speech-input user's words would otherwise fire them). Escape closes a dialog whatever
//! the setting.

use super::dom;
use super::lesson::LessonAction;
use super::snapshot::Tab;
use super::state::{Action, Overlay, State};
use super::{Store, choose_lang, choose_theme, share_link};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// Whether a key event comes from a field where letters are text.
fn typing_in_a_field(e: &KeyboardEvent) -> bool {
    e.target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .is_some_and(|el| {
            let tag = el.tag_name().to_ascii_lowercase();
            tag == "textarea"
                || tag == "input"
                || tag == "select"
                || el.has_attribute("contenteditable")
        })
}

/// Listens to the document's key presses for the page's lifetime.
pub fn install(dispatch: UseReducerDispatcher<Store>, latest: Rc<RefCell<State>>) {
    let keys =
        wasm_bindgen::prelude::Closure::<dyn Fn(KeyboardEvent)>::new(move |e: KeyboardEvent| {
            // A key typed into a field with no dialog open and no presenter mode is text:
            // nothing below acts on it, so the page's state is not even copied.
            let plain = {
                let s = latest.borrow();
                s.overlay.is_none() && !s.course.as_ref().is_some_and(|c| c.presenter)
            };
            if plain && typing_in_a_field(&e) {
                return;
            }
            let s = latest.borrow().clone();
            if e.key() == "Escape" && s.overlay.is_some() {
                dispatch.dispatch(Action::Open(None));
                return;
            }
            // Presenter mode: a clicker's PageUp/PageDown (and the arrow keys) change step,
            // Escape leaves; whatever the shortcut setting, outside text fields.
            if let Some(course) = s.course.as_ref().filter(|c| c.presenter) {
                if !typing_in_a_field(&e) {
                    let now = dom::epoch_ms();
                    let action = match e.key().as_str() {
                        "PageDown" | "ArrowRight" | "ArrowDown" | " " => {
                            Some(LessonAction::Step(course.step + 1, now))
                        }
                        "PageUp" | "ArrowLeft" | "ArrowUp" => {
                            Some(LessonAction::Step(course.step.saturating_sub(1), now))
                        }
                        "Escape" if s.overlay.is_none() => Some(LessonAction::Presenter(false)),
                        _ => None,
                    };
                    if let Some(a) = action {
                        e.prevent_default();
                        dispatch.dispatch(Action::Lesson(a));
                        return;
                    }
                }
            }
            if !s.prefs.shortcuts
                || typing_in_a_field(&e)
                || e.ctrl_key()
                || e.meta_key()
                || e.alt_key()
            {
                return;
            }
            let embed = s.embed.enabled;
            let action = match e.key().as_str() {
                "?" => Some(Action::Open(Some(Overlay::Help))),
                "g" if !embed => Some(Action::Open(Some(Overlay::Gallery))),
                "l" => {
                    choose_lang(&dispatch, &s, s.lang.other());
                    None
                }
                "d" => {
                    choose_theme(&dispatch, &s, s.theme.other());
                    None
                }
                "e" => {
                    dom::focus("editor");
                    None
                }
                "t" => {
                    dom::after(0, || dom::focus("terminal-input"));
                    Some(Action::SelectTab(Tab::Terminal))
                }
                "s" if !embed => {
                    share_link(s.clone(), dispatch.clone());
                    None
                }
                // Every view's own key, among the views on offer (an embed may offer
                // only some).
                k => s
                    .embed
                    .tabs()
                    .into_iter()
                    .find(|tab| tab.shortcut() == k)
                    .map(Action::SelectTab),
            };
            if let Some(a) = action {
                e.prevent_default();
                dispatch.dispatch(a);
            }
        });
    if let Some(d) = dom::document() {
        let _ = d.add_event_listener_with_callback("keydown", keys.as_ref().unchecked_ref());
    }
    keys.forget();
}
