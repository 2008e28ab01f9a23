//! Fuzzes the page's start-up path before its first analysis: a URL fragment (a share
//! link `#s1.<data>`), the page's query parameters, and what the share link or a saved
//! draft carries in. The browser inflates a link's data (`static/glue.js`); what comes out
//! is a share payload (a header line, `key=value` settings, a blank line, the scenario),
//! read by `ui::share::parse_payload`, its settings turned into the page's actions and
//! the scenario loaded into the page's state (`ui::state::reduce`, which analyses it).
//! The input is split at its first NUL byte: the fragment and query before, the inflated
//! payload (or a draft) after. Nothing may panic.
#![no_main]

// The page's modules, compiled here as `src/web.rs` compiles them natively for its tests:
// the fuzz crate cannot import a binary's modules, so it includes the page's whole `ui`
// module by path (its modules reach each other through `super::`, and some are Yew
// components), with the page's dependencies in `Cargo.toml`. Including single files went
// stale when `ui::state` came to use `history`, `lesson` and `embed`.
#[allow(dead_code, clippy::all)]
#[path = "../../src/ui/mod.rs"]
mod ui;

use libfuzzer_sys::fuzz_target;
use ui::history::{Incoming, Source};
use ui::state::{Action, State, reduce};
use ui::{share, start};

fuzz_target!(|data: &[u8]| {
    let (head, rest) = match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[][..]),
    };
    let head = String::from_utf8_lossy(head);
    let (fragment, query) = head.split_once('?').unwrap_or((&head, ""));
    // What the page reads from its address, as `ui::start::run` reads it.
    let query = start::read_query(query);
    let _ = share::split_fragment(fragment);
    let Ok(payload) = std::str::from_utf8(rest) else {
        return;
    };
    let mut state = reduce(&State::new(""), Action::SetEmbed(query.embed.clone()));
    let settings = &query.settings;
    if let Some(l) = settings.lang {
        state = reduce(&state, Action::SetLang(l));
    }
    if let Some(t) = settings.theme {
        state = reduce(&state, Action::SetTheme(t));
    }
    if let Some(t) = settings.tab {
        state = reduce(&state, Action::SelectTab(t));
    }
    if settings.mode.is_some() {
        state = reduce(&state, Action::SelectMode(settings.mode));
    }
    if let Some(n) = settings.node.clone() {
        state = reduce(&state, Action::SelectNode(n));
    }
    if let Some(v) = settings.rules_view {
        state = reduce(&state, Action::SelectRulesView(v));
    }
    state = match share::parse_payload(payload) {
        // A share link replaces the text (asking first when the text is too big to keep).
        Ok(shared) => {
            let mut incoming = Incoming::new(shared.text, Source::Link, 0.0);
            incoming.settings = shared.settings;
            reduce(&state, Action::Replace(incoming))
        }
        // A draft is the scenario text itself.
        Err(_) => reduce(
            &state,
            Action::OpenDraft {
                text: payload.to_string(),
                cost_ms: None,
                safe: query.safe,
            },
        ),
    };
    if state.pending.is_some() {
        let _ = reduce(&state, Action::ConfirmReplace);
    }
});
