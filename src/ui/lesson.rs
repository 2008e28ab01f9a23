//! The learner's side of lessons ([`svcplay::lesson`]) and the presenter mode.
//!
//! A lesson open on the page is a [`Course`] in the state: the lesson, the step, the hints
//! shown, the commands the learner ran since the step began and what the checks found.
//! Every change of the text (typing, a one-click action, the terminal) and every command
//! runs the step's checks again ([`recheck`], called by [`super::state::reduce`]); a step
//! whose checks all pass is kept in this browser's [`Progress`].
//!
//! Nothing the learner typed is lost: opening a step, "show solution" and "reset step"
//! put their text in the editor only through `Action::Replace` ([`super::history`]), which
//! keeps the text they replace in the recent scenarios with a one-click way back.
//!
//! Links: `#lesson=ID&step=N` opens a built-in lesson at step N (1-based);
//! `#lesson-file=DATA&step=N` a lesson carried in the link (its Markdown deflated and in
//! base64url, as share links carry scenarios); `?lesson-url=PATH&step=N` a lesson file
//! served by the same site (a self-hosted copy with its own lessons).

use super::history::{Incoming, Source};
use super::i18n::{Lang, Msg};
use super::snapshot::Tab;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;
use svcplay::lesson::{self, Block, CheckOutcome, Lesson, SnippetKind};
use yew::prelude::*;

/// The lesson language of the page's language.
pub fn lesson_lang(lang: Lang) -> lesson::Lang {
    match lang {
        Lang::En => lesson::Lang::En,
        Lang::Zh => lesson::Lang::Zh,
    }
}

/// Where an open lesson came from: what a link to it must carry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// A built-in lesson, by id.
    Builtin,
    /// A lesson file (imported, in a link, or from the site): its Markdown.
    File(Rc<str>),
    /// A lesson file at a path of this site.
    Url(String),
}

/// The lesson open on the page.
#[derive(Clone, Debug, PartialEq)]
pub struct Course {
    pub lesson: Rc<Lesson>,
    pub origin: Origin,
    /// The step shown (0-based).
    pub step: usize,
    /// How many of the step's hints are shown.
    pub hints: usize,
    /// The command lines entered since the step began (what a `ran` check sees).
    pub commands: Vec<String>,
    /// What the step's checks found, for the text revision `checked`.
    pub outcomes: Vec<CheckOutcome>,
    pub checked: Option<u64>,
    /// The link to this step, once made (a lesson file's link is deflated first).
    pub link: Option<String>,
    /// Large type, no chrome: the step and the one view that matters, for a room.
    pub presenter: bool,
}

impl Course {
    pub fn new(lesson: Rc<Lesson>, origin: Origin, step: usize) -> Course {
        let step = step.min(lesson.steps.len().saturating_sub(1));
        Course {
            lesson,
            origin,
            step,
            hints: 0,
            commands: Vec::new(),
            outcomes: Vec::new(),
            checked: None,
            link: None,
            presenter: false,
        }
    }

    /// Whether every check of the step passed (a step without checks never does).
    pub fn passed(&self) -> bool {
        !self.outcomes.is_empty() && self.outcomes.iter().all(|o| o.passed)
    }

    /// The same course at another step: hints, commands and findings start afresh.
    pub fn at(&self, step: usize) -> Course {
        Course {
            presenter: self.presenter,
            ..Course::new(self.lesson.clone(), self.origin.clone(), step)
        }
    }

    /// The link's fragment (or query) naming this step: built-in lessons by id, lesson
    /// files by their path or deflated `data` (from [`super::dom::deflate`]).
    pub fn fragment(&self, data: Option<&str>) -> Option<String> {
        let step = self.step + 1;
        match &self.origin {
            Origin::Builtin => Some(format!("lesson={}&step={step}", self.lesson.id)),
            Origin::Url(path) => Some(format!("lesson-url={}&step={step}", encode(path))),
            Origin::File(_) => data.map(|d| format!("lesson-file={d}&step={step}")),
        }
    }
}

/// Percent-encodes what a fragment value cannot hold as it is.
fn encode(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/:".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Undoes [`encode`] (and any other percent-encoding).
pub fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |j: usize| bytes.get(j).and_then(|b| (*b as char).to_digit(16));
        match (bytes[i], hex(i + 1), hex(i + 2)) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// What a lesson link asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Wanted {
    Builtin(String),
    File(String),
    Url(String),
}

/// Reads `lesson=ID`, `lesson-file=DATA` or `lesson-url=PATH` with `step=N` (1-based) from a
/// fragment or query; the step is 0-based in the answer.
pub fn read_link(pairs: &str) -> Option<(Wanted, usize)> {
    let mut wanted = None;
    let mut step = 0;
    for pair in pairs.split('&') {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        match key {
            "lesson" => wanted = Some(Wanted::Builtin(decode(value))),
            "lesson-file" => wanted = Some(Wanted::File(value.to_string())),
            "lesson-url" => wanted = Some(Wanted::Url(decode(value))),
            "step" => step = value.parse::<usize>().unwrap_or(1).saturating_sub(1),
            _ => {}
        }
    }
    wanted.map(|w| (w, step))
}

/// Whether a lesson URL is of this site (`/lessons/a.md`, `lessons/a.md`, or the page's
/// own origin): the page fetches nothing from elsewhere.
pub fn same_origin(url: &str, origin: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    if lower.starts_with("//") {
        return false;
    }
    if let Some(rest) = url.strip_prefix(origin) {
        return rest.is_empty() || rest.starts_with('/');
    }
    !lower.contains("://") && !lower.starts_with("data:") && !lower.starts_with("javascript:")
}

/// The steps a learner has passed, by lesson id, kept in local storage.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Progress {
    pub passed: BTreeMap<String, BTreeSet<String>>,
}

impl Progress {
    /// One line per lesson: `ID step step…`.
    pub fn encode(&self) -> String {
        self.passed
            .iter()
            .map(|(id, steps)| {
                let mut line = id.clone();
                for s in steps {
                    line.push(' ');
                    line.push_str(s);
                }
                line
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    pub fn decode(text: &str) -> Progress {
        let mut p = Progress::default();
        for line in text.lines() {
            let mut words = line.split_whitespace();
            if let Some(id) = words.next() {
                p.passed
                    .insert(id.to_string(), words.map(str::to_string).collect());
            }
        }
        p
    }

    /// How many of the lesson's steps were passed.
    pub fn count(&self, lesson: &Lesson) -> usize {
        self.passed.get(&lesson.id).map_or(0, |done| {
            lesson.steps.iter().filter(|s| done.contains(&s.id)).count()
        })
    }

    pub fn has(&self, lesson: &Lesson, step: usize) -> bool {
        lesson.steps.get(step).is_some_and(|s| {
            self.passed
                .get(&lesson.id)
                .is_some_and(|done| done.contains(&s.id))
        })
    }

    /// The progress with the step added; `None` when it was there already.
    pub fn with(&self, lesson: &Lesson, step: usize) -> Option<Progress> {
        let id = &lesson.steps.get(step)?.id;
        if self.has(lesson, step) {
            return None;
        }
        let mut next = self.clone();
        next.passed
            .entry(lesson.id.clone())
            .or_default()
            .insert(id.clone());
        Some(next)
    }
}

/// The scenario a step starts from, as it enters the editor (through `Action::Replace`).
pub fn start_incoming(course: &Course, lang: Lang, at_ms: f64) -> Result<Incoming, String> {
    let text = course.lesson.start(course.step, lesson_lang(lang))?;
    let mut incoming = Incoming::new(text, Source::Lesson(course.lesson.id.clone()), at_ms);
    // A step whose commands are the point opens the terminal.
    let commands = course.lesson.steps.get(course.step).is_some_and(|s| {
        s.body
            .get(lesson_lang(lang))
            .iter()
            .any(|b| matches!(b, Block::Snippet(s) if s.kind == SnippetKind::Command))
    });
    incoming.settings.tab = Some(if commands {
        Tab::Terminal
    } else {
        Tab::Endpoints
    });
    Ok(incoming)
}

/// The text after the step's solution, applied to the learner's text now (so what they
/// did stays where the solution does not touch it), with the commands it ran.
pub fn solved(
    course: &Course,
    text: &str,
    shell: &svcplay::shell::Terminal,
) -> Option<lesson::Solved> {
    let step = course.lesson.steps.get(course.step)?;
    Some(lesson::solve(step, text, shell))
}

/// The learner's text with a manifest snippet put in: each document replaces the one of
/// the same kind and name, or is added (what the solution's edits do).
pub fn with_manifest(text: &str, yaml: &str) -> String {
    let step = lesson::Step {
        id: String::new(),
        title: lesson::Text::default(),
        body: lesson::Body::default(),
        start: None,
        checks: Vec::new(),
        hints: Vec::new(),
        solution: vec![lesson::Action::Edit {
            yaml: yaml.to_string(),
        }],
        line: 0,
    };
    lesson::solve(&step, text, &svcplay::shell::Terminal::default()).text
}

/// Runs the step's checks on the text when it or the commands changed since the last run.
pub fn recheck(
    course: &Course,
    rev: u64,
    text: &str,
    analysis: Option<&svcplay::scenario::Analysis>,
    force: bool,
) -> Option<Course> {
    if course.checked == Some(rev) && !force {
        return None;
    }
    let step = course.lesson.steps.get(course.step)?;
    let owned;
    let analysis = match analysis {
        Some(a) => a,
        None => {
            owned = lesson::analyze(text);
            &owned
        }
    };
    let mut next = course.clone();
    next.outcomes = lesson::check(step, text, analysis, &course.commands);
    next.checked = Some(rev);
    Some(next)
}

/// A step's Markdown as the page shows it: paragraphs, list items and `inline code`.
fn markdown(text: &str) -> Html {
    let mut blocks = Vec::new();
    let mut items = Vec::new();
    let mut paragraph = String::new();
    let flush = |paragraph: &mut String, blocks: &mut Vec<Html>| {
        if !paragraph.trim().is_empty() {
            blocks.push(html! { <p>{ inline(paragraph.trim()) }</p> });
        }
        paragraph.clear();
    };
    for line in text.lines() {
        let trimmed = line.trim_start();
        if let Some(item) = trimmed
            .strip_prefix("- ")
            .or_else(|| trimmed.strip_prefix("* "))
        {
            flush(&mut paragraph, &mut blocks);
            items.push(html! { <li>{ inline(item) }</li> });
            continue;
        }
        if !items.is_empty() && !trimmed.is_empty() && line.starts_with(' ') {
            // A list item's continuation line.
            items.push(html! { <li class="more">{ inline(trimmed) }</li> });
            continue;
        }
        if !items.is_empty() {
            blocks.push(html! { <ul>{ for items.drain(..) }</ul> });
        }
        if trimmed.is_empty() {
            flush(&mut paragraph, &mut blocks);
        } else {
            let heading = trimmed.trim_start_matches('#');
            if heading.len() < trimmed.len() && heading.starts_with(' ') {
                flush(&mut paragraph, &mut blocks);
                blocks.push(html! { <h4>{ inline(heading.trim()) }</h4> });
                continue;
            }
            let quoted = trimmed.strip_prefix("> ").unwrap_or(trimmed);
            paragraph.push_str(quoted);
            paragraph.push(' ');
        }
    }
    if !items.is_empty() {
        blocks.push(html! { <ul>{ for items.drain(..) }</ul> });
    }
    flush(&mut paragraph, &mut blocks);
    html! { <>{ for blocks }</> }
}

/// `code`, **strong** and [links](url) of a line.
fn inline(text: &str) -> Html {
    let mut parts = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let next = rest.find(['`', '*', '[']);
        let Some(at) = next else {
            parts.push(html! { { rest.to_string() } });
            break;
        };
        if at > 0 {
            parts.push(html! { { rest[..at].to_string() } });
        }
        let tail = &rest[at..];
        if let Some(code) = tail.strip_prefix('`') {
            if let Some(end) = code.find('`') {
                parts.push(html! { <code>{ code[..end].to_string() }</code> });
                rest = &code[end + 1..];
                continue;
            }
        } else if let Some(strong) = tail.strip_prefix("**") {
            if let Some(end) = strong.find("**") {
                parts.push(html! { <strong>{ strong[..end].to_string() }</strong> });
                rest = &strong[end + 2..];
                continue;
            }
        } else if let Some(link) = tail.strip_prefix('[') {
            if let Some((label, after)) = link.split_once("](") {
                if let Some(end) = after.find(')') {
                    let href = after[..end].to_string();
                    let safe = href.starts_with("https://") || href.starts_with("http://");
                    parts.push(if safe {
                        html! { <a href={href} target="_blank" rel="noopener">{ label.to_string() }</a> }
                    } else {
                        html! { { label.to_string() } }
                    });
                    rest = &after[end + 1..];
                    continue;
                }
            }
        }
        parts.push(html! { { tail[..1].to_string() } });
        rest = &tail[1..];
    }
    html! { <>{ for parts }</> }
}

/// What happens to the open lesson (dispatched as `Action::Lesson`).
#[derive(Clone, Debug, PartialEq)]
pub enum LessonAction {
    /// Open a lesson at a step: the step's scenario replaces the text (kept in Recent).
    Open(Course, f64),
    /// Go to a step (ms since the epoch, for the history).
    Step(usize, f64),
    Hint,
    /// Run the checks now.
    Check,
    /// Apply the solution to the learner's text (a replacement: Bring back undoes it).
    Solve(f64),
    /// Start the step again from its scenario (a replacement too).
    Reset(f64),
    /// A manifest snippet into the scenario (an edit, which the editor's undo takes back).
    Manifest(String),
    Presenter(bool),
    Close,
    /// At start: the progress this browser kept.
    LoadProgress(Progress),
    /// The link to the step, made by the shell.
    SetLink(String),
    /// A lesson could not be opened: say why.
    Failed(Msg, String),
}

/// What the lesson pane asks the app to do.
#[derive(Clone, Debug, PartialEq)]
pub enum Ask {
    Step(usize),
    Check,
    Hint,
    Solve,
    Reset,
    Run(String),
    Manifest(String),
    Presenter(bool),
    Close,
}

#[derive(Properties, PartialEq)]
pub struct PaneProps {
    pub course: Rc<Course>,
    pub progress: Rc<Progress>,
    pub lang: Lang,
    pub readonly: bool,
    pub on_ask: Callback<Ask>,
}

/// The lesson pane beside the editor and the views (and, in presenter mode, the slide).
#[function_component]
pub fn LessonPane(props: &PaneProps) -> Html {
    let lang = props.lang;
    let ll = lesson_lang(lang);
    let t = |m: Msg| m.text(lang);
    let course = &props.course;
    let lesson = &course.lesson;
    let count = lesson.steps.len();
    let Some(step) = lesson.steps.get(course.step) else {
        return html! {};
    };
    let ask = |a: Ask| props.on_ask.reform(move |_: MouseEvent| a.clone());
    let presenter = course.presenter;
    let body = step.body.get(ll).iter().map(|block| match block {
        Block::Markdown(text) => markdown(text),
        Block::Snippet(s) => {
            let button = match s.kind {
                SnippetKind::Command if !props.readonly => html! {
                    <button class="run" onclick={ask(Ask::Run(s.text.trim_end().to_string()))}
                        title={t(Msg::LessonRunTitle)}>{ t(Msg::LessonRun) }</button>
                },
                SnippetKind::Manifest if !props.readonly && s.file.is_none() => html! {
                    <button class="run" onclick={ask(Ask::Manifest(s.text.clone()))}
                        title={t(Msg::LessonPutTitle)}>{ t(Msg::LessonPut) }</button>
                },
                _ => html! {},
            };
            html! {
                <div class={classes!("snippet", format!("snippet-{}", s.lang))}>
                    // Focusable: a long line scrolls, and keyboard users must reach it.
                    <pre tabindex="0"><code>{ s.text.trim_end().to_string() }</code></pre>
                    { button }
                </div>
            }
        }
    });
    let checks = course.outcomes.iter().map(|o| {
        let (mark, class, label) = if o.passed {
            ("✓", "pass", t(Msg::LessonCheckPassed))
        } else {
            ("✗", "fail", t(Msg::LessonCheckFailed))
        };
        html! {
            <li class={class}>
                <span class="mark" aria-label={label} role="img">{ mark }</span>
                <span class="message">{ o.message(ll) }</span>
            </li>
        }
    });
    let hints = step.hints.iter().take(course.hints).enumerate().map(|(i, h)| {
        html! { <li>{ Msg::LessonHintN.fill(lang, &[&(i + 1).to_string()]) }{ " " }{ inline(h.get(ll)) }</li> }
    });
    let done = props.progress.count(lesson);
    let passed = course.passed();
    let status = if course.checked.is_none() {
        t(Msg::LessonChecking).to_string()
    } else if passed {
        t(Msg::LessonPassed).to_string()
    } else {
        let failing = course.outcomes.iter().filter(|o| !o.passed).count();
        Msg::LessonFailing.fill(lang, &[&failing.to_string()])
    };
    let step_label =
        Msg::LessonStepOf.fill(lang, &[&(course.step + 1).to_string(), &count.to_string()]);
    html! {
        <aside id="lesson" class={classes!("lesson", presenter.then_some("presenter-slide"))}
            aria-labelledby="lesson-step-title" data-lesson={lesson.id.clone()}
            data-step={(course.step + 1).to_string()} data-passed={passed.to_string()}>
            <header class="lesson-head">
                <p class="lesson-title">{ lesson.title.get(ll).to_string() }
                    <span class="lesson-progress">{ " · " }{ Msg::LessonDone.fill(lang, &[&done.to_string(), &count.to_string()]) }</span>
                </p>
                <nav class="lesson-nav" aria-label={t(Msg::LessonSteps)}>
                    <button id="lesson-prev" disabled={course.step == 0}
                        onclick={ask(Ask::Step(course.step.saturating_sub(1)))}
                        aria-label={t(Msg::LessonPrev)} title={t(Msg::LessonPrevTitle)}>{ "←" }</button>
                    <span class="lesson-step-of">{ step_label.clone() }</span>
                    <button id="lesson-next" disabled={course.step + 1 >= count}
                        onclick={ask(Ask::Step(course.step + 1))}
                        aria-label={t(Msg::LessonNext)} title={t(Msg::LessonNextTitle)}>{ "→" }</button>
                    if !presenter {
                        <button id="presenter-button" onclick={ask(Ask::Presenter(true))}
                            title={t(Msg::PresenterTitle)}>{ t(Msg::Presenter) }</button>
                        <button class="icon" id="lesson-close" onclick={ask(Ask::Close)}
                            aria-label={t(Msg::LessonClose)} title={t(Msg::LessonClose)}>{ "×" }</button>
                    } else {
                        <button id="presenter-exit" onclick={ask(Ask::Presenter(false))}
                            title={t(Msg::PresenterExitTitle)}>{ t(Msg::PresenterExit) }</button>
                    }
                </nav>
            </header>
            <h2 id="lesson-step-title">{ step.title.get(ll).to_string() }</h2>
            <div class="lesson-body">{ for body }</div>
            <section class="lesson-checks" aria-labelledby="lesson-checks-title">
                <h3 id="lesson-checks-title">{ t(Msg::LessonChecks) }</h3>
                <p id="lesson-status" class={classes!("lesson-status", passed.then_some("pass"))} role="status">{ status }</p>
                <ul id="lesson-outcomes">{ for checks }</ul>
                if !presenter {
                    <div class="lesson-actions">
                        <button id="lesson-check" class="primary" onclick={ask(Ask::Check)}>{ t(Msg::LessonCheck) }</button>
                        <button id="lesson-hint" disabled={course.hints >= step.hints.len()} onclick={ask(Ask::Hint)}>
                            { Msg::LessonHint.fill(lang, &[&course.hints.min(step.hints.len()).to_string(), &step.hints.len().to_string()]) }
                        </button>
                        if !props.readonly {
                            <button id="lesson-solve" onclick={ask(Ask::Solve)} title={t(Msg::LessonSolveTitle)}>{ t(Msg::LessonSolve) }</button>
                            <button id="lesson-reset" onclick={ask(Ask::Reset)} title={t(Msg::LessonResetTitle)}>{ t(Msg::LessonReset) }</button>
                        }
                    </div>
                    <ol id="lesson-hints" class="lesson-hints">{ for hints }</ol>
                }
            </section>
        </aside>
    }
}

#[derive(Properties, PartialEq)]
pub struct QrProps {
    /// The full link the code holds.
    pub link: String,
    pub lang: Lang,
}

/// The QR code of the link to this lesson step, for the room to scan (no server: the whole
/// link, at level M, or L when it would not fit).
#[function_component]
pub fn QrLink(props: &QrProps) -> Html {
    let code = use_memo(props.link.clone(), |link| {
        svcplay::qr::QrCode::encode_best(
            link.as_bytes(),
            &[svcplay::qr::EcLevel::M, svcplay::qr::EcLevel::L],
        )
        .ok()
    });
    let Some(code) = code.as_ref() else {
        return html! { <p class="qr-too-long">{ Msg::PresenterLinkTooLong.text(props.lang) }</p> };
    };
    let n = code.svg_extent().to_string();
    html! {
        <figure class="qr" id="presenter-qr">
            <svg viewBox={format!("0 0 {n} {n}")} role="img" aria-label={Msg::PresenterQr.text(props.lang)}
                shape-rendering="crispEdges" data-version={code.version().to_string()}>
                <rect width={n.clone()} height={n} fill="#fff" />
                <path fill="#000" d={code.svg_path()} />
            </svg>
            <figcaption>{ Msg::PresenterQr.text(props.lang) }</figcaption>
        </figure>
    }
}

#[derive(Properties, PartialEq)]
pub struct ListProps {
    pub progress: Rc<Progress>,
    pub lang: Lang,
    pub on_open: Callback<String>,
    pub on_import: Callback<()>,
    pub on_close: Callback<()>,
}

/// The lesson list: every built-in lesson with its level, length and the learner's
/// progress, and a way to open a lesson file.
#[function_component]
pub fn LessonList(props: &ListProps) -> Html {
    let lang = props.lang;
    let ll = lesson_lang(lang);
    let t = |m: Msg| m.text(lang);
    let lessons = use_memo((), |_| lesson::builtin());
    let items = lessons.iter().map(|l| {
        let done = props.progress.count(l);
        let id = l.id.clone();
        let open = props.on_open.reform(move |_: MouseEvent| id.clone());
        let label = if done == 0 {
            t(Msg::LessonStart)
        } else {
            t(Msg::LessonContinue)
        };
        html! {
            <li class="card" data-lesson={l.id.clone()}>
                <h3 id={format!("lesson-card-{}", l.id)}>{ l.title.get(ll).to_string() }</h3>
                <p class="meta">
                    { l.level.label().get(ll).to_string() }{ " · " }
                    { Msg::LessonMinutes.fill(lang, &[&l.minutes.to_string()]) }{ " · " }
                    <span class="lesson-list-progress">{ Msg::LessonDone.fill(lang, &[&done.to_string(), &l.steps.len().to_string()]) }</span>
                </p>
                <progress max={l.steps.len().to_string()} value={done.to_string()}
                    aria-labelledby={format!("lesson-card-{}", l.id)}></progress>
                <p>{ l.summary.get(ll).to_string() }</p>
                <button class="primary" onclick={open} aria-describedby={format!("lesson-card-{}", l.id)}>{ label }</button>
            </li>
        }
    });
    html! {
        <super::dialog::Dialog id="lessons" title={t(Msg::LessonsTitle)} close_label={t(Msg::Close)} on_close={props.on_close.clone()}>
            <p>{ t(Msg::LessonsIntro) }</p>
            <p><button id="lesson-import" data-autofocus="" onclick={props.on_import.reform(|_| ())}>{ t(Msg::LessonImport) }</button></p>
            <ul class="cards">{ for items }</ul>
        </super::dialog::Dialog>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn first() -> Rc<Lesson> {
        Rc::new(
            lesson::builtin()
                .into_iter()
                .next()
                .expect("a built-in lesson"),
        )
    }

    #[test]
    fn links_name_the_lesson_and_step() {
        let course = Course::new(first(), Origin::Builtin, 1);
        let fragment = course.fragment(None).unwrap();
        assert_eq!(fragment, format!("lesson={}&step=2", course.lesson.id));
        assert_eq!(
            read_link(&fragment),
            Some((Wanted::Builtin(course.lesson.id.clone()), 1))
        );
        let file = Course::new(first(), Origin::File(Rc::from("x")), 0);
        assert_eq!(file.fragment(None), None);
        assert_eq!(
            file.fragment(Some("AbC")).as_deref(),
            Some("lesson-file=AbC&step=1")
        );
        assert_eq!(
            read_link("lesson-url=%2Flessons%2Fmy%20lesson.md&step=3"),
            Some((Wanted::Url("/lessons/my lesson.md".into()), 2))
        );
        assert_eq!(read_link("s1.abc"), None);
    }

    #[test]
    fn only_this_site_serves_lessons() {
        let origin = "https://svcplay.dev";
        assert!(same_origin("/lessons/a.md", origin));
        assert!(same_origin("lessons/a.md", origin));
        assert!(same_origin("https://svcplay.dev/lessons/a.md", origin));
        assert!(!same_origin(
            "https://svcplay.dev.evil.example/a.md",
            origin
        ));
        assert!(!same_origin("https://example.com/a.md", origin));
        assert!(!same_origin("//example.com/a.md", origin));
        assert!(!same_origin("javascript:alert(1)", origin));
    }

    #[test]
    fn progress_round_trips_and_counts() {
        let lesson = first();
        let p = Progress::default().with(&lesson, 0).unwrap();
        assert!(p.with(&lesson, 0).is_none());
        assert_eq!(p.count(&lesson), 1);
        assert_eq!(Progress::decode(&p.encode()), p);
        assert!(p.has(&lesson, 0) && !p.has(&lesson, 1));
    }

    #[test]
    fn a_step_starts_failing_and_its_solution_passes() {
        let lesson = first();
        let course = Course::new(lesson.clone(), Origin::Builtin, 0);
        let incoming = start_incoming(&course, Lang::En, 0.0).unwrap();
        let checked = recheck(&course, 1, &incoming.text, None, false).unwrap();
        assert!(!checked.passed(), "{:?}", checked.outcomes);
        assert!(recheck(&checked, 1, &incoming.text, None, false).is_none());
        let solved = solved(&checked, &incoming.text, &Default::default()).unwrap();
        let mut after = checked.clone();
        after.commands = solved.commands.clone();
        let after = recheck(&after, 2, &solved.text, None, false).unwrap();
        assert!(after.passed(), "{:?}", after.outcomes);
    }

    #[test]
    fn a_manifest_snippet_replaces_its_object() {
        let text =
            "apiVersion: v1\nkind: Service\nmetadata:\n  name: a\nspec:\n  ports:\n  - port: 80\n";
        let yaml = "apiVersion: v1\nkind: Service\nmetadata:\n  name: a\nspec:\n  ports:\n  - port: 8080\n";
        let out = with_manifest(text, yaml);
        assert!(out.contains("port: 8080") && !out.contains("port: 80\n"));
    }

    #[test]
    fn steps_solutions_and_resets_keep_the_learners_text() {
        use super::super::state::{Action, State, reduce};
        let mine = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: mine\n";
        let state = State::new(mine);
        let lesson = first();
        let course = Course::new(lesson.clone(), Origin::Builtin, 0);
        let s = reduce(&state, Action::Lesson(LessonAction::Open(course, 1.0)));
        assert!(s.history.entries.iter().any(|e| &*e.text == mine));
        let c = s.course.clone().unwrap();
        assert!(c.checked.is_some() && !c.passed(), "{:?}", c.outcomes);
        // A hint at a time.
        let s = reduce(&s, Action::Lesson(LessonAction::Hint));
        assert_eq!(s.course.as_ref().unwrap().hints, 1);
        // The learner types, then asks for the solution: their text is kept.
        let typed = format!("{}# my note\n", s.text);
        let s = crate::ui::state::type_in(&s, Rc::from(typed.as_str()));
        let s = reduce(&s, Action::Lesson(LessonAction::Solve(2.0)));
        assert!(s.history.entries.iter().any(|e| *e.text == *typed));
        let c = s.course.clone().unwrap();
        assert!(c.passed(), "{:?}", c.outcomes);
        assert!(s.progress.has(&lesson, 0) && s.progress_rev > 0);
        // Reset: the step's start again, the solved text kept.
        let solved = s.text.clone();
        let s = reduce(&s, Action::Lesson(LessonAction::Reset(3.0)));
        assert!(s.history.entries.iter().any(|e| e.text == solved));
        assert!(!s.course.as_ref().unwrap().passed());
        // A command counts for the checks at once.
        let s = reduce(
            &s,
            Action::RunCommand("kubectl create -f deployment.yaml".into()),
        );
        let c = s.course.clone().unwrap();
        assert_eq!(c.commands, ["kubectl create -f deployment.yaml"]);
        assert!(c.passed(), "{:?}", c.outcomes);
        // The next step carries on from the passing text, without a replacement.
        let before = s.history.entries.len();
        let s = reduce(&s, Action::Lesson(LessonAction::Step(1, 4.0)));
        assert_eq!(s.course.as_ref().unwrap().step, 1);
        assert!(s.history.entries.len() >= before);
    }
}
