//! What the page keeps in this browser's local storage, and when.
//!
//! - The reader's settings ([`LANG`], [`THEME`], [`PREFS`]) are saved only when the reader
//!   chooses them: never because a link, the URL or an embedding page set them (an
//!   embedded playground shares this storage with the main site and must not change it).
//! - The draft ([`TEXT`]) is saved a moment after each edit, with the cost of its last
//!   analysis ([`TEXT_COST`]); the recent scenarios ([`HISTORY`]) as soon as a
//!   replacement pushes one in. A save that fails (storage full or forbidden) is reported
//!   to the user, with the advice to export: their work is not silently unsaved.
//! - The terminal's command history ([`COMMANDS`] followed by the scenario's
//!   [`super::state::commands_key`]) after every command line, for ↑/↓ and Ctrl+R when the
//!   same scenario is opened again.
//! - The lesson steps the learner passed ([`PROGRESS`]) as soon as one is passed.
//! - [`ANALYSING`] is set while an analysis of the text is running or waiting and removed
//!   when it finishes or the page is closed normally: found at the next start, it means the
//!   page froze or crashed on the draft, which then opens paused (the safe start).
//!
//! Embedded pages read and write none of these.

use super::dom;
use super::history::History;
use super::i18n::Lang;
use super::lesson::Progress;
use super::state::{Prefs, Theme};

pub const LANG: &str = "svcplay.lang";
pub const THEME: &str = "svcplay.theme";
pub const PREFS: &str = "svcplay.prefs";
pub const TEXT: &str = "svcplay.text";
pub const TEXT_COST: &str = "svcplay.text.cost";
pub const HISTORY: &str = "svcplay.history";
pub const ANALYSING: &str = "svcplay.analysing";
pub const COMMANDS: &str = "svcplay.commands.";
/// The lesson steps passed ([`super::lesson::Progress`]), saved when one is passed.
pub const PROGRESS: &str = "svcplay.lessons";

pub fn lang() -> Option<Lang> {
    dom::load(LANG).and_then(|l| Lang::parse(&l))
}

pub fn theme() -> Option<Theme> {
    dom::load(THEME).and_then(|t| Theme::parse(&t))
}

pub fn prefs() -> Prefs {
    dom::load(PREFS)
        .map(|p| Prefs::decode(&p))
        .unwrap_or_default()
}

pub fn history() -> History {
    dom::load(HISTORY)
        .map(|h| History::decode(&h))
        .unwrap_or_default()
}

/// The draft and the cost of its last analysis (ms), if any.
pub fn draft() -> Option<(String, Option<f64>)> {
    let text = dom::load(TEXT).filter(|t| !t.trim().is_empty())?;
    let cost = dom::load(TEXT_COST).and_then(|c| c.parse::<f64>().ok());
    Some((text, cost))
}

/// Whether an analysis was left unfinished by the last visit.
pub fn analysis_unfinished() -> bool {
    dom::load(ANALYSING).is_some()
}

pub fn mark_analysing(on: bool) {
    if on {
        dom::save(ANALYSING, "1");
    } else {
        dom::remove(ANALYSING);
    }
}

/// Saves the draft and its cost; `false` when the browser refused.
pub fn save_draft(text: &str, cost_ms: Option<f64>) -> bool {
    let saved = dom::save(TEXT, text);
    match cost_ms {
        Some(ms) if saved => {
            dom::save(TEXT_COST, &format!("{ms:.1}"));
        }
        _ => dom::remove(TEXT_COST),
    }
    saved
}

pub fn save_history(history: &History) -> bool {
    dom::save(HISTORY, &history.encode())
}

/// The command lines entered in the terminal for the scenario `key`, oldest first.
pub fn load_commands(key: &str) -> Vec<String> {
    dom::load(&format!("{COMMANDS}{key}"))
        .map(|t| t.lines().map(str::to_string).collect())
        .unwrap_or_default()
}

pub fn save_commands(key: &str, commands: &[String]) -> bool {
    dom::save(&format!("{COMMANDS}{key}"), &commands.join("\n"))
}

pub fn progress() -> Progress {
    dom::load(PROGRESS)
        .map(|p| Progress::decode(&p))
        .unwrap_or_default()
}

pub fn save_progress(progress: &Progress) -> bool {
    dom::save(PROGRESS, &progress.encode())
}

pub fn save_lang(lang: Lang) {
    dom::save(LANG, lang.code());
}

pub fn save_theme(theme: Theme) {
    dom::save(THEME, theme.id());
}

pub fn save_prefs(prefs: &Prefs) {
    dom::save(PREFS, &prefs.encode());
}
