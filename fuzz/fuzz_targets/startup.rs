//! Fuzzes the page's start-up path before its first analysis: a URL fragment (a share
//! link `#s1.<data>`), the page's query parameters, and what the share link or a saved
//! draft carries in. The browser inflates a link's data (`static/glue.js`); what comes out
//! is a share payload (a header line, `key=value` settings, a blank line, the scenario),
//! read by `ui::share::parse_payload`, its settings turned into the page's actions and
//! the scenario loaded into the page's state (`ui::state::reduce`, which analyses it).
//! The input is split at its first NUL byte: the fragment and query before, the inflated
//! payload (or a draft) after. Nothing may panic.
#![no_main]

// The page's modules, compiled here as they are in the page (they use only std, the core
// and each other through `super::`): the fuzz crate cannot import a binary's modules.
#[allow(dead_code, clippy::all)]
#[path = "../../src/ui/i18n.rs"]
mod i18n;
#[allow(dead_code, clippy::all)]
#[path = "../../src/ui/share.rs"]
mod share;
#[allow(dead_code, clippy::all)]
#[path = "../../src/ui/snapshot.rs"]
mod snapshot;
#[allow(dead_code, clippy::all)]
#[path = "../../src/ui/state.rs"]
mod state;

use libfuzzer_sys::fuzz_target;
use state::{Action, State, reduce};

fuzz_target!(|data: &[u8]| {
    let (head, rest) = match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[][..]),
    };
    let head = String::from_utf8_lossy(head);
    let (fragment, query) = head.split_once('?').unwrap_or((&head, ""));
    let mut settings = share::Settings::default();
    for (k, v) in share::query_pairs(query) {
        share::apply_setting(&mut settings, &k, &v);
    }
    let _ = share::split_fragment(fragment);
    let Ok(payload) = std::str::from_utf8(rest) else {
        return;
    };
    let mut state = State::new("");
    let text = match share::parse_payload(payload) {
        Ok(shared) => {
            settings = shared.settings;
            shared.text
        }
        // A draft is the scenario text itself.
        Err(_) => payload.to_string(),
    };
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
    if let Some(n) = settings.node {
        state = reduce(&state, Action::SelectNode(n));
    }
    if let Some(v) = settings.rules_view {
        state = reduce(&state, Action::SelectRulesView(v));
    }
    let _ = reduce(&state, Action::Load(text));
});
