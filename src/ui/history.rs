//! Nothing the user typed is lost without their say-so (PRODUCT.md, issue 22): the one way
//! anything replaces the editor's text, and the history of recent scenarios that keeps
//! what was replaced one click away.
//!
//! Every path that puts a new scenario in the editor — a share link, an example from the
//! gallery, an imported file, an embedding page's `load`, an embed's "Open in svcplay",
//! a lesson, a recent scenario brought back — builds an [`Incoming`] and dispatches
//! `Action::Replace` (see [`super::state::reduce`]). Nothing else may replace the text
//! (typing and the one-click actions *edit* it, and the editor's undo brings those back).
//! The reducer then:
//! 1. keeps the text being replaced in the [`History`] — unless it is empty, a built-in
//!    example exactly as shipped (the gallery has it), or the text coming in;
//! 2. asks first (`Overlay::ConfirmReplace`) when that text is too big for the history, so
//!    it is never dropped silently;
//! 3. puts the new text in and says so, with a "Bring back my scenario" button
//!    (`Action::Restore(0)`), which is itself a replacement: the two swap, nothing is lost.
//!
//! The app shell saves the history in local storage as soon as it changes, before the new
//! text is analysed (texts from outside are analysed in the Web Worker, so a hostile link
//! cannot freeze the page before its predecessor is safe); a failed save is reported.
//! Embedded pages save nothing: their text belongs to the page that embeds them until the
//! reader edits it; an edited text that the page replaces is kept in memory for the visit
//! (`State::edited`), in the embed's own Recent.

use super::i18n::{Lang, Msg};
use super::limits::{HISTORY_BYTES, HISTORY_ENTRIES};
use super::share::Settings;
use std::rc::Rc;

/// Where a scenario came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// Typed (or edited) in this browser; also a draft saved by an earlier visit.
    Typed,
    /// A built-in example of the gallery, by id.
    Example(String),
    /// A share link.
    Link,
    /// A file the user imported.
    File,
    /// The page that embeds this one sent it (`svcplay:load`).
    Embed,
    /// A lesson step's scenario (its start, or its solution applied), by lesson id.
    Lesson(String),
}

impl Source {
    /// The form kept in local storage.
    pub fn id(&self) -> String {
        match self {
            Source::Typed => "typed".into(),
            Source::Example(id) => format!("example:{id}"),
            Source::Link => "link".into(),
            Source::File => "file".into(),
            Source::Embed => "embed".into(),
            Source::Lesson(id) => format!("lesson:{id}"),
        }
    }

    pub fn parse(id: &str) -> Option<Source> {
        Some(match id.split_once(':') {
            Some(("example", e)) => Source::Example(e.into()),
            Some(("lesson", l)) => Source::Lesson(l.into()),
            _ => match id {
                "typed" => Source::Typed,
                "link" => Source::Link,
                "file" => Source::File,
                "embed" => Source::Embed,
                _ => return None,
            },
        })
    }

    /// How the page names it.
    pub fn label(&self, lang: Lang) -> String {
        match self {
            Source::Typed => Msg::SourceTyped.text(lang).into(),
            Source::Example(id) => {
                let title = svcplay::examples::find(id)
                    .map(|e| e.title[usize::from(lang == Lang::Zh)])
                    .unwrap_or(id);
                Msg::SourceExample.fill(lang, &[title])
            }
            Source::Link => Msg::SourceLink.text(lang).into(),
            Source::File => Msg::SourceFile.text(lang).into(),
            Source::Embed => Msg::SourceEmbed.text(lang).into(),
            Source::Lesson(id) => {
                // A built-in lesson by its title; a lesson file by its id.
                let title = svcplay::lesson::find(id)
                    .map(|l| l.title.get(super::lesson::lesson_lang(lang)).to_string());
                Msg::SourceLesson.fill(lang, &[title.as_deref().unwrap_or(id)])
            }
        }
    }
}

/// A scenario on its way into the editor.
#[derive(Clone, Debug, PartialEq)]
pub struct Incoming {
    pub text: String,
    pub source: Source,
    /// The view, mode, node and output a link asks for (applied with the text).
    pub settings: Settings,
    /// When it arrives (ms since the epoch, from the shell's clock; 0 in tests): the time
    /// the replaced text is filed under.
    pub at_ms: f64,
}

impl Incoming {
    pub fn new(text: impl Into<String>, source: Source, at_ms: f64) -> Incoming {
        Incoming {
            text: text.into(),
            source,
            settings: Settings::default(),
            at_ms,
        }
    }
}

/// One scenario of the history.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub text: Rc<str>,
    /// Where it had come from before it was replaced.
    pub source: Source,
    /// When it was replaced (ms since the epoch).
    pub at_ms: f64,
}

/// The recent scenarios, newest first: at most [`HISTORY_ENTRIES`] and [`HISTORY_BYTES`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct History {
    pub entries: Vec<Entry>,
}

/// Why a text could not be kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TooBig;

impl History {
    /// The history with `entry` first: a copy of the same text moves up instead of
    /// repeating; the oldest entries go when it is full.
    pub fn with(&self, entry: Entry) -> Result<History, TooBig> {
        if entry.text.len() > HISTORY_BYTES {
            return Err(TooBig);
        }
        let mut entries = vec![entry];
        let mut bytes = entries[0].text.len();
        for e in &self.entries {
            if e.text == entries[0].text {
                continue;
            }
            if entries.len() == HISTORY_ENTRIES || bytes + e.text.len() > HISTORY_BYTES {
                break;
            }
            bytes += e.text.len();
            entries.push(e.clone());
        }
        Ok(History { entries })
    }

    /// The history without entry `index`.
    pub fn without(&self, index: usize) -> History {
        let mut entries = self.entries.clone();
        if index < entries.len() {
            entries.remove(index);
        }
        History { entries }
    }

    /// The form kept in local storage: a header line, then per entry one line
    /// `source<TAB>at_ms<TAB>bytes` followed by exactly that many bytes of text and a newline.
    pub fn encode(&self) -> String {
        let mut out = String::from("svcplay-history 1\n");
        for e in &self.entries {
            out.push_str(&format!(
                "{}\t{}\t{}\n",
                e.source.id(),
                e.at_ms as i64,
                e.text.len()
            ));
            out.push_str(&e.text);
            out.push('\n');
        }
        out
    }

    /// Reads [`History::encode`]'s form back; whatever is damaged is left out, the rest kept.
    pub fn decode(stored: &str) -> History {
        let mut entries = Vec::new();
        let Some(mut rest) = stored.strip_prefix("svcplay-history 1\n") else {
            return History::default();
        };
        while let Some((head, after)) = rest.split_once('\n') {
            let mut fields = head.split('\t');
            let (Some(source), Some(at), Some(len), None) = (
                fields.next().and_then(Source::parse),
                fields.next().and_then(|a| a.parse::<i64>().ok()),
                fields.next().and_then(|l| l.parse::<usize>().ok()),
                fields.next(),
            ) else {
                break;
            };
            let (Some(text), Some(next)) = (after.get(..len), after.get(len..)) else {
                break;
            };
            let Some(next) = next.strip_prefix('\n') else {
                break;
            };
            entries.push(Entry {
                text: Rc::from(text),
                source,
                at_ms: at as f64,
            });
            rest = next;
        }
        entries.truncate(HISTORY_ENTRIES);
        History { entries }
    }
}

/// Whether replacing `text` (which came from `source`) would lose anything: not when it is
/// empty, or a built-in example exactly as shipped (in either language).
pub fn worth_keeping(text: &str) -> bool {
    !text.trim().is_empty()
        && text != svcplay::examples::DEFAULT
        && !svcplay::examples::EXAMPLES
            .iter()
            .any(|e| e.text == text || svcplay::examples::localized(e, 1) == text)
}

/// A one-line description of a scenario for the history list: its Services (or, without
/// any, its first objects) and its size. Read off the text's top-level `kind:` and
/// `metadata.name` lines, which is enough to tell scenarios apart.
pub fn describe(text: &str) -> String {
    let mut objects: Vec<(String, String)> = Vec::new();
    let mut kind = None::<String>;
    let mut in_metadata = false;
    for line in text.lines() {
        if line.starts_with("---") {
            kind = None;
            in_metadata = false;
        } else if let Some(k) = line.strip_prefix("kind:") {
            kind = Some(k.trim().to_string());
        } else if line.starts_with("metadata:") {
            in_metadata = true;
        } else if !line.starts_with(' ') && !line.starts_with('#') && !line.trim().is_empty() {
            in_metadata = false;
        } else if in_metadata {
            if let (Some(name), Some(k)) = (line.strip_prefix("  name:"), kind.as_ref()) {
                objects.push((k.clone(), name.trim().trim_matches('"').to_string()));
                in_metadata = false;
            }
        }
    }
    let services: Vec<&(String, String)> = objects.iter().filter(|(k, _)| k == "Service").collect();
    let shown: Vec<String> = if services.is_empty() {
        objects
            .iter()
            .take(3)
            .map(|(k, n)| format!("{k} {n}"))
            .collect()
    } else {
        services
            .iter()
            .take(3)
            .map(|(k, n)| format!("{k} {n}"))
            .collect()
    };
    let more = if services.is_empty() {
        objects.len().saturating_sub(3)
    } else {
        services.len().saturating_sub(3)
    };
    let mut out = shown.join(", ");
    if more > 0 {
        out.push_str(&format!(" +{more}"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(text: &str, at: f64) -> Entry {
        Entry {
            text: Rc::from(text),
            source: Source::Typed,
            at_ms: at,
        }
    }

    #[test]
    fn the_history_keeps_the_newest_first_without_repeats_and_within_its_budget() {
        let h = History::default();
        let h = h.with(entry("a", 1.0)).unwrap_or_default();
        let h = h.with(entry("b", 2.0)).unwrap_or_default();
        let h = h.with(entry("a", 3.0)).unwrap_or_default();
        let texts: Vec<&str> = h.entries.iter().map(|e| &*e.text).collect();
        assert_eq!(texts, ["a", "b"]);
        assert_eq!(h.entries[0].at_ms, 3.0);
        let mut full = History::default();
        for i in 0..(HISTORY_ENTRIES + 5) {
            full = full
                .with(entry(&i.to_string(), i as f64))
                .unwrap_or_default();
        }
        assert_eq!(full.entries.len(), HISTORY_ENTRIES);
        assert_eq!(&*full.entries[0].text, (HISTORY_ENTRIES + 4).to_string());
        // Bytes: a big entry pushes the older ones out; one too big is refused.
        let big = "x".repeat(HISTORY_BYTES - 1);
        let h = full.with(entry(&big, 0.0)).unwrap_or_default();
        assert_eq!(h.entries.len(), 1);
        assert_eq!(
            h.with(entry(&"y".repeat(HISTORY_BYTES + 1), 0.0)),
            Err(TooBig)
        );
        assert_eq!(h.without(0).entries.len(), 0);
    }

    #[test]
    fn the_stored_form_round_trips_and_damage_keeps_what_came_before() {
        let h = History {
            entries: vec![
                Entry {
                    text: Rc::from("kind: Service\n# 服务\n\n"),
                    source: Source::Example("nodeport".into()),
                    at_ms: 1_700_000_000_000.0,
                },
                entry("line\twith tab\nsvcplay-history 1\n", 5.0),
                Entry {
                    text: Rc::from(""),
                    source: Source::Lesson("l1".into()),
                    at_ms: 0.0,
                },
            ],
        };
        let stored = h.encode();
        assert_eq!(History::decode(&stored), h);
        // Cut in the middle of the second entry: the first is kept.
        let cut = &stored[..stored.find("with tab").unwrap_or(0)];
        assert_eq!(History::decode(cut).entries, h.entries[..1]);
        assert_eq!(History::decode("garbage"), History::default());
        assert_eq!(History::decode(""), History::default());
    }

    #[test]
    fn built_in_examples_and_empty_texts_are_not_worth_keeping() {
        assert!(!worth_keeping(""));
        assert!(!worth_keeping(" \n"));
        assert!(!worth_keeping(svcplay::examples::DEFAULT));
        for e in svcplay::examples::EXAMPLES {
            assert!(!worth_keeping(e.text), "{}", e.id);
            assert!(
                !worth_keeping(svcplay::examples::localized(e, 1)),
                "{}",
                e.id
            );
        }
        let edited = svcplay::examples::DEFAULT.replace("replicas: 3", "replicas: 7");
        assert!(worth_keeping(&edited));
    }

    #[test]
    fn scenarios_are_described_by_their_services() {
        assert_eq!(
            describe(svcplay::examples::DEFAULT),
            "Service service-clusterip"
        );
        assert_eq!(
            describe("kind: Pod\nmetadata:\n  name: \"web\"\n"),
            "Pod web"
        );
        assert_eq!(describe(""), "");
    }
}
