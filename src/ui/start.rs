//! The page's start: what the URL asks for and what this browser kept, in this order.
//!
//! 1. The URL's query ([`read_query`]): an embedding page's options (`embed`, `readonly`,
//!    `views`, `height`… read by [`super::embed::Embed::apply`]),
//!    a language or theme asked for explicitly (shown, never saved as the reader's choice),
//!    the view, mode and node, and `safe` for a safe start.
//! 2. The reader's saved settings where the URL did not ask ([`super::storage`]).
//! 3. Not in an embed: the recent scenarios and the draft this browser kept. A draft whose
//!    last analysis never finished (the page froze or crashed on it) opens paused.
//! 4. The fragment: a share link (`#s1.…`, inflated by `glue.js` with the size cap) or an
//!    example (`#example=ID`, `?example=ID`) replaces the draft through `Action::Replace`,
//!    A lesson link (`#lesson=ID&step=N`, `#lesson-file=…`, `?lesson-url=…`, see
//!    [`super::lesson`]) opens the lesson at that step the same way. Either
//!    which keeps the draft in the history first ([`super::history`]). The fragment then
//!    leaves the address bar: a reload opens the draft — the link's text with the user's
//!    edits — and never the link again over their work.

use super::dom;
use super::history::{Incoming, Source};
use super::i18n::{Lang, Msg};
use super::lesson::{Course, LessonAction, Origin, Progress, Wanted};
use super::limits::MAX_SCENARIO_BYTES;
use super::share::{self, Settings};
use super::snapshot::Tab;
use super::state::{Action, Embed, Notice, Theme};
use super::storage;
use std::rc::Rc;
use yew::prelude::*;

/// What the URL's query asks for.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Query {
    pub settings: Settings,
    pub embed: Embed,
    /// `?safe`: open paused.
    pub safe: bool,
    /// `?example=ID`.
    pub example: Option<String>,
}

fn yes(v: &str) -> bool {
    v.is_empty() || v == "1" || v == "true"
}

pub fn read_query(query: &str) -> Query {
    let mut q = Query::default();
    for (k, v) in share::query_pairs(query) {
        if q.embed.apply(&k, &v) {
            continue;
        }
        match k.as_str() {
            "safe" => q.safe = yes(&v),
            "example" => q.example = Some(v),
            _ => share::apply_setting(&mut q.settings, &k, &v),
        }
    }
    q
}

/// A built-in example as it enters the editor: in the reader's language, opening the view
/// that shows its point.
pub fn example_incoming(example: &svcplay::examples::Example, lang: Lang) -> Incoming {
    let mut incoming = Incoming::new(
        svcplay::examples::localized(example, usize::from(lang == Lang::Zh)),
        Source::Example(example.id.to_string()),
        dom::epoch_ms(),
    );
    incoming.settings.tab = Tab::parse(example.view);
    incoming
}

/// Opens a built-in example: it replaces the text, and the editor shows the object the
/// lab is about.
pub fn open_example(
    dispatch: &UseReducerDispatcher<super::Store>,
    example: &'static svcplay::examples::Example,
    lang: Lang,
) {
    let incoming = example_incoming(example, lang);
    let line = svcplay::examples::focus_line(&incoming.text, example.focus);
    dispatch.dispatch(Action::Replace(incoming));
    if let Some(line) = line {
        dispatch.dispatch(Action::ScrollTo(line));
    }
}

/// The notice for a link the page refuses.
fn refused(refusal: share::Refusal) -> Action {
    Action::Notify(Some(Notice::Msg(match refusal {
        share::Refusal::Damaged => Msg::LinkDamaged,
        share::Refusal::Future => Msg::LinkFuture,
    })))
}

/// Reads the URL and storage once, at start, and dispatches what they ask for.
pub fn run(dispatch: &UseReducerDispatcher<super::Store>) {
    let mut typed = super::prerender::typed();
    open_start(dispatch, &mut typed);
    // Typed into the pre-rendered lab, but the start opened something else (work saved or a
    // link opened in another tab meanwhile): the typed text comes in like any replacement,
    // which keeps what it replaces one click away.
    if let Some(text) = typed {
        dispatch.dispatch(Action::Replace(Incoming::new(
            text,
            Source::Typed,
            dom::epoch_ms(),
        )));
    }
}

/// [`run`]'s start; a first visit takes `typed`, the text typed into the pre-render.
fn open_start(dispatch: &UseReducerDispatcher<super::Store>, typed: &mut Option<String>) {
    let (query_text, fragment) = dom::location();
    let mut query = read_query(&query_text);
    let embedded = query.embed.enabled;
    if embedded {
        // Commands of `run=` wait for the scenario the fragment carries; the first view is
        // one the embed offers (src/ui/embed.rs).
        query.embed.waits_for_text = !fragment.is_empty();
        query.settings.tab = query.embed.first_view(query.settings.tab);
        dispatch.dispatch(Action::SetEmbed(query.embed.clone()));
    }
    // Language: the URL, else the reader's choice, else the browser's.
    let lang = query
        .settings
        .lang
        .or_else(|| if embedded { None } else { storage::lang() })
        .or_else(|| dom::browser_languages().iter().find_map(|l| Lang::parse(l)))
        .unwrap_or(Lang::En);
    let theme = query
        .settings
        .theme
        .or_else(|| if embedded { None } else { storage::theme() })
        .unwrap_or(if dom::prefers_dark() {
            Theme::Dark
        } else {
            Theme::Light
        });
    dispatch.dispatch(Action::SetLang(lang));
    dispatch.dispatch(Action::SetTheme(theme));
    if !embedded {
        dispatch.dispatch(Action::SetPrefs(storage::prefs()));
    }
    if let Some(tab) = query.settings.tab {
        dispatch.dispatch(Action::SelectTab(tab));
    }
    if query.settings.mode.is_some() {
        dispatch.dispatch(Action::SelectMode(query.settings.mode));
    }
    if let Some(node) = &query.settings.node {
        dispatch.dispatch(Action::SelectNode(node.clone()));
    }
    if let Some(view) = query.settings.rules_view {
        dispatch.dispatch(Action::SelectRulesView(view));
    }

    let mut has_draft = false;
    if !embedded {
        dispatch.dispatch(Action::LoadHistory(storage::history()));
        let unfinished = storage::analysis_unfinished();
        has_draft = storage::draft().is_some();
        match storage::draft() {
            Some((text, cost_ms)) => dispatch.dispatch(Action::OpenDraft {
                text,
                // After a freeze or crash the old cost is no guide.
                cost_ms: cost_ms.filter(|_| !unfinished),
                safe: query.safe || unfinished,
            }),
            None if query.safe => dispatch.dispatch(Action::Pause(Msg::SafeStartAsked)),
            None => {}
        }
    } else if query.safe {
        dispatch.dispatch(Action::Pause(Msg::SafeStartAsked));
    }

    if !embedded {
        dispatch.dispatch(Action::Lesson(LessonAction::LoadProgress(
            storage::progress(),
        )));
    }
    // A lesson link: `#lesson=…`, `#lesson-file=…`, or `?lesson-url=…` (self-hosted).
    let lesson_link = super::lesson::read_link(&fragment).or_else(|| {
        super::lesson::read_link(&query_text).filter(|(w, _)| matches!(w, Wanted::Url(_)))
    });
    if let Some((wanted, step)) = lesson_link.filter(|_| !embedded) {
        open_lesson_link(dispatch, wanted, step, lang);
        if !fragment.is_empty() {
            dom::replace_url(&query_text, "");
        }
        return;
    }
    // An embed about a lesson step (`lesson=ID&step=N`, embed.js's `data-svcplay-lesson`):
    // that built-in lesson at that step, from the step's own start. Its progress is not kept
    // (an embed stores nothing).
    if let Some(id) = query.embed.lesson.clone().filter(|_| embedded) {
        let step = query.embed.step.map(|n| (n as usize).saturating_sub(1));
        open_builtin_lesson(dispatch, &Progress::default(), &id, step.or(Some(0)));
        return;
    }
    // The fragment: an example or a share link, then out of the address bar.
    let example = fragment
        .strip_prefix("example=")
        .map(str::to_string)
        .or(query.example.clone())
        .and_then(|id| svcplay::examples::find(&id));
    if let Some(e) = example {
        open_example(dispatch, e, lang);
    } else {
        match share::split_fragment(&fragment) {
            Some(Ok((_, data))) => open_link(dispatch.clone(), data.to_string()),
            Some(Err(refusal)) => dispatch.dispatch(refused(refusal)),
            // A first visit: the default lab, in the reader's language, with its
            // explanation and the editor at its Service.
            None if !has_draft && !embedded && !query.safe => {
                if let Some(e) = svcplay::examples::find("clusterip") {
                    open_example(dispatch, e, lang);
                    // The pre-rendered lab (src/ui/prerender.rs) was this one: what the
                    // reader typed into it is their edit of it.
                    if let Some(text) = typed.take() {
                        dispatch.dispatch(Action::SetText(text.into()));
                    }
                }
            }
            None => {}
        }
    }
    if !fragment.is_empty() || query.example.is_some() {
        dom::replace_url(&query_text_without_example(&query_text), "");
    }
}

/// A link or an example opened in this tab while the page is open (a fragment navigation,
/// which does not reload the page: pasting a share link into the address bar of the tab
/// that made it, or a `#example=ID` link): opened like one at start, through
/// `Action::Replace`, and then out of the address bar.
pub fn listen_to_fragment_changes(
    dispatch: UseReducerDispatcher<super::Store>,
    lang: impl Fn() -> Lang + 'static,
) {
    dom::on_hash_change(move || {
        let (query, fragment) = dom::location();
        if let Some((wanted, step)) = super::lesson::read_link(&fragment) {
            open_lesson_link(&dispatch, wanted, step, lang());
        } else if let Some(e) = fragment
            .strip_prefix("example=")
            .and_then(svcplay::examples::find)
        {
            open_example(&dispatch, e, lang());
        } else {
            match share::split_fragment(&fragment) {
                Some(Ok((_, data))) => open_link(dispatch.clone(), data.to_string()),
                Some(Err(refusal)) => dispatch.dispatch(refused(refusal)),
                None => return,
            }
        }
        dom::replace_url(&query, "");
    });
}

/// The query without `example=` (which would otherwise open the example again on reload).
fn query_text_without_example(query: &str) -> String {
    query
        .split('&')
        .filter(|p| !p.is_empty() && !p.starts_with("example="))
        .collect::<Vec<_>>()
        .join("&")
}

/// Opens what a lesson link names, at step `step`.
pub fn open_lesson_link(
    dispatch: &UseReducerDispatcher<super::Store>,
    wanted: Wanted,
    step: usize,
    _lang: Lang,
) {
    match wanted {
        Wanted::Builtin(id) => open_builtin_lesson(dispatch, &Progress::default(), &id, Some(step)),
        Wanted::File(data) => {
            let dispatch = dispatch.clone();
            yew::platform::spawn_local(async move {
                match dom::inflate(&data, svcplay::lesson::MAX_LESSON_BYTES).await {
                    Ok(markdown) => {
                        let markdown: Rc<str> = Rc::from(markdown);
                        open_lesson_file(&dispatch, markdown.clone(), Origin::File(markdown), step)
                    }
                    Err(dom::InflateError::Damaged) => {
                        dispatch.dispatch(refused(share::Refusal::Damaged))
                    }
                    Err(dom::InflateError::TooLarge) => {
                        dispatch.dispatch(Action::Notify(Some(Notice::Text(
                            Msg::TooLarge,
                            (svcplay::lesson::MAX_LESSON_BYTES / (1024 * 1024)).to_string(),
                        ))))
                    }
                }
            });
        }
        Wanted::Url(url) => {
            if !super::lesson::same_origin(&url, &dom::origin()) {
                dispatch.dispatch(Action::Notify(Some(Notice::Msg(Msg::LessonNotSameSite))));
                return;
            }
            let dispatch = dispatch.clone();
            yew::platform::spawn_local(async move {
                match dom::fetch_text(&url, svcplay::lesson::MAX_LESSON_BYTES).await {
                    Ok(markdown) => {
                        open_lesson_file(&dispatch, Rc::from(markdown), Origin::Url(url), step)
                    }
                    Err(e) => dispatch
                        .dispatch(Action::Lesson(LessonAction::Failed(Msg::LessonBroken, e))),
                }
            });
        }
    }
}

/// Opens a built-in lesson: at `step`, or where the learner left it (the first step not
/// passed yet).
pub fn open_builtin_lesson(
    dispatch: &UseReducerDispatcher<super::Store>,
    progress: &Progress,
    id: &str,
    step: Option<usize>,
) {
    match svcplay::lesson::find(id) {
        Some(lesson) => {
            let step = step.unwrap_or_else(|| {
                (0..lesson.steps.len())
                    .find(|i| !progress.has(&lesson, *i))
                    .unwrap_or(0)
            });
            let course = Course::new(Rc::new(lesson), Origin::Builtin, step);
            dispatch.dispatch(Action::Lesson(LessonAction::Open(course, dom::epoch_ms())));
        }
        None => dispatch.dispatch(Action::Lesson(LessonAction::Failed(
            Msg::LessonNotFound,
            id.to_string(),
        ))),
    }
}

/// Opens a lesson file's Markdown (imported, from a link or from the site) at `step`; a
/// file that does not parse says where and why.
pub fn open_lesson_file(
    dispatch: &UseReducerDispatcher<super::Store>,
    markdown: Rc<str>,
    origin: Origin,
    step: usize,
) {
    match svcplay::lesson::parse(&markdown) {
        Ok(lesson) => {
            let course = Course::new(Rc::new(lesson), origin, step);
            dispatch.dispatch(Action::Lesson(LessonAction::Open(course, dom::epoch_ms())));
        }
        Err(diagnostics) => {
            let first = diagnostics
                .first()
                .map(ToString::to_string)
                .unwrap_or_default();
            let more = diagnostics.len().saturating_sub(1);
            let text = if more > 0 {
                format!("{first} (+{more})")
            } else {
                first
            };
            dispatch.dispatch(Action::Lesson(LessonAction::Failed(
                Msg::LessonBroken,
                text,
            )));
        }
    }
}

/// Inflates a share link's data (off the wasm, capped) and replaces the text with it.
pub fn open_link(dispatch: UseReducerDispatcher<super::Store>, data: String) {
    yew::platform::spawn_local(async move {
        let shared = match dom::inflate(&data, MAX_SCENARIO_BYTES).await {
            Ok(payload) => share::parse_payload(&payload).map_err(refused),
            Err(dom::InflateError::Damaged) => Err(refused(share::Refusal::Damaged)),
            Err(dom::InflateError::TooLarge) => Err(Action::Notify(Some(Notice::Text(
                Msg::TooLarge,
                (MAX_SCENARIO_BYTES / (1024 * 1024)).to_string(),
            )))),
        };
        match shared {
            Ok(shared) => {
                let mut incoming = Incoming::new(shared.text, Source::Link, dom::epoch_ms());
                incoming.settings = shared.settings;
                dispatch.dispatch(Action::Replace(incoming));
            }
            Err(notice) => dispatch.dispatch(notice),
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_query_asks_for_settings_embedding_and_a_safe_start() {
        let q = read_query("embed=1&readonly&lang=zh-CN&view=dns&safe&example=nodeport");
        assert!(q.embed.enabled && q.embed.readonly && q.safe);
        assert_eq!(q.settings.lang, Some(Lang::Zh));
        assert_eq!(q.settings.tab, Some(Tab::Dns));
        assert_eq!(q.example.as_deref(), Some("nodeport"));
        let plain = read_query("");
        assert!(!plain.embed.enabled && !plain.safe && plain.settings == Settings::default());
        assert_eq!(
            query_text_without_example("view=dns&example=nodeport&safe"),
            "view=dns&safe"
        );
    }
}
