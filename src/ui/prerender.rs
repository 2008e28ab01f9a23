//! The app taking over from the pre-rendered first view (issue 19: the first load).
//!
//! On a fresh visit index.html shows the default lab as this app rendered it at build time
//! (`static/build/prerender.mjs`), with a real textarea, and fetches this module after the
//! first paint (`static/loader.js`). What the reader did meanwhile is theirs:
//! - [`take`], just before the app mounts (mounting replaces everything in `<body>`), keeps
//!   the text they typed into the pre-render, if they changed it;
//! - the start ([`super::start::run`]) opens the default lab as on any first visit and then
//!   applies that text as the reader's edit ([`typed`]): analysed and saved like typing;
//! - [`live`], once the app shows its start, lets the loader put back the editor's selection,
//!   scroll position and focus and replay a click, choice or key made before the app arrived.

use std::cell::RefCell;

thread_local! {
    /// The text typed into the pre-render, until the start takes it.
    static TYPED: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Keeps what the reader typed into the pre-rendered lab; call before mounting the app.
pub fn take() {
    #[cfg(target_arch = "wasm32")]
    TYPED.with(|t| *t.borrow_mut() = super::dom::prerender_handover());
}

/// The text typed into the pre-render (once: the start applies it).
pub fn typed() -> Option<String> {
    TYPED.with(|t| t.borrow_mut().take())
}

/// The app shows its start: the pre-render's editor state and waiting clicks go to the app.
pub fn live() {
    #[cfg(target_arch = "wasm32")]
    super::dom::prerender_live();
}
