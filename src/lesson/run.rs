//! A step's state: where it starts, what its solution leaves, and the lesson's own test
//! (`svcplay lesson check`): each step's start fails its checks and its solution passes.

use super::{Action, Lang, Lesson, Start, Step};
use crate::session::text::{append_object, documents, replace};
use crate::shell::{self, Request, Terminal};
use std::fmt;
use std::rc::Rc;

/// What applying a solution did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Solved {
    /// The scenario text afterwards.
    pub text: String,
    /// The terminal afterwards (its history holds the solution's commands).
    pub terminal: Terminal,
    /// The command lines the solution ran, in order (what a `ran` check sees).
    pub commands: Vec<String>,
    /// What the commands printed, after their prompts, as the terminal shows it.
    pub transcript: String,
    /// Commands that failed and edits that could not be made, in words.
    pub failures: Vec<String>,
}

/// The scenario text of a step's own start, in `lang`: the example (its comments in
/// that language), the ```` ```yaml ```` blocks, then the files.
pub fn start_text(start: &Start, lang: Lang) -> Result<String, String> {
    let mut text = String::new();
    if let Some(id) = &start.example {
        let example = crate::examples::EXAMPLES
            .iter()
            .find(|e| e.id == id.as_str())
            .ok_or_else(|| format!("no built-in example \"{id}\""))?;
        text.push_str(match lang {
            Lang::En => example.text,
            Lang::Zh => example.text_zh,
        });
    }
    if !start.scenario.trim().is_empty() {
        if !text.is_empty() {
            if !text.ends_with('\n') {
                text.push('\n');
            }
            text.push_str("---\n");
        }
        text.push_str(&start.scenario);
    }
    for file in &start.files {
        text = crate::session::set_file(&text, file);
    }
    Ok(text)
}

pub(super) fn start(lesson: &Lesson, step: usize, lang: Lang) -> Result<String, String> {
    if step >= lesson.steps.len() {
        return Err(format!(
            "lesson {} has {} steps; there is no step {}",
            lesson.id,
            lesson.steps.len(),
            step + 1
        ));
    }
    let from = (0..=step)
        .rev()
        .find(|i| lesson.steps[*i].start.is_some())
        .ok_or_else(|| format!("lesson {}: its first step has no start", lesson.id))?;
    let own = lesson.steps[from]
        .start
        .as_ref()
        .map(|s| start_text(s, lang));
    let mut text = own.unwrap_or_else(|| Ok(String::new()))?;
    for previous in &lesson.steps[from..step] {
        let solved = solve(previous, &text, &Terminal::default());
        if let Some(failure) = solved.failures.first() {
            return Err(format!(
                "step {}'s solution does not apply: {failure}",
                previous.id
            ));
        }
        text = solved.text;
    }
    Ok(text)
}

/// Applies `step`'s solution to `text`, with the terminal in state `terminal`: edits
/// replace or add documents, files are written, commands run in the lab terminal one
/// line at a time (loops run until their `# svcplay: interrupt after N`, or
/// [`shell::DEFAULT_INTERRUPT_AFTER`] iterations; editors take the ```` ```ex ````
/// sessions in order). A command that fails is a failure of the solution unless its
/// line ends with `# svcplay: fails`. Nothing is lost: a failure is reported and the rest still runs.
pub fn solve(step: &Step, text: &str, terminal: &Terminal) -> Solved {
    let mut solved = Solved {
        text: text.to_string(),
        terminal: terminal.clone(),
        commands: Vec::new(),
        transcript: String::new(),
        failures: Vec::new(),
    };
    for action in &step.solution {
        match action {
            Action::Edit { yaml } => solved.text = edit(&solved.text, yaml),
            Action::File(file) => solved.text = crate::session::set_file(&solved.text, file),
            Action::Commands { lines, editor } => run_commands(&mut solved, lines, editor),
        }
    }
    solved
}

/// Each document of `yaml` replaces the text's document of the same kind, namespace and
/// name, or is appended after the last object.
pub fn edit(text: &str, yaml: &str) -> String {
    let mut text = text.to_string();
    for doc in documents(yaml) {
        if doc.is_blank(yaml) {
            continue;
        }
        let body = doc.text(yaml);
        let existing = documents(&text).into_iter().find(|d| {
            !doc.kind.is_empty()
                && !doc.name.is_empty()
                && d.is(&doc.kind, &doc.namespace, &doc.name)
        });
        text = match existing {
            Some(d) => replace(&text, &d, body),
            None => append_object(&text, body),
        };
    }
    text
}

/// `# svcplay: interrupt after N` at the end of a line.
fn interrupt_directive(line: &str) -> Option<u64> {
    let (_, comment) = line.rsplit_once("# svcplay: interrupt after ")?;
    comment.trim().parse().ok()
}

fn run_commands(solved: &mut Solved, lines: &str, editor: &str) {
    let mut sessions = shell::script::parse(editor).sessions.into_iter();
    let mut buffer = String::new();
    for line in lines.lines() {
        if buffer.is_empty() && line.trim_start().starts_with('#') {
            continue;
        }
        if !buffer.is_empty() {
            buffer.push('\n');
        }
        buffer.push_str(line);
        if shell::parse::incomplete(&buffer) {
            continue;
        }
        let entered = std::mem::take(&mut buffer);
        if entered.trim().is_empty() {
            continue;
        }
        run_line(solved, &entered, &mut sessions);
    }
    if !buffer.trim().is_empty() {
        solved.failures.push(format!(
            "`{}`: the command is never finished (an open quote, loop or heredoc)",
            buffer.trim()
        ));
    }
}

fn run_line(solved: &mut Solved, entered: &str, sessions: &mut impl Iterator<Item = Vec<String>>) {
    let analysis = crate::scenario::analyze(&solved.text, crate::scenario::Options::default());
    let prompt = shell::prompt(&analysis, &solved.terminal);
    solved.transcript.push_str(&prompt);
    solved.transcript.push_str(entered);
    solved.transcript.push('\n');
    solved.commands.push(entered.to_string());
    let interrupt_after = interrupt_directive(entered).unwrap_or(shell::DEFAULT_INTERRUPT_AFTER);
    let mut outcome = shell::run(Request {
        text: &solved.text,
        analysis: Some(Rc::new(analysis)),
        terminal: &solved.terminal,
        line: entered,
        interrupt_after: Some(interrupt_after),
    });
    let mut looped = false;
    loop {
        solved.transcript.push_str(&outcome.transcript());
        solved.text = outcome.text.clone();
        solved.terminal = outcome.terminal.clone();
        if let Some(editor) = outcome.editor.take() {
            let saved = match sessions.next() {
                Some(session) => match shell::script::apply(&editor.content, &session) {
                    Ok(saved) => saved,
                    Err(e) => {
                        solved
                            .failures
                            .push(format!("`{entered}`: the editor script: {e}"));
                        None
                    }
                },
                None => {
                    solved.failures.push(format!(
                        "`{entered}` opens {} and the solution has no ```ex block for it",
                        editor.program
                    ));
                    None
                }
            };
            outcome = shell::finish_edit(&solved.text, &solved.terminal, &editor, saved.as_deref());
            continue;
        }
        match outcome.pending.take() {
            Some(pending) => {
                looped = true;
                outcome = shell::resume(
                    Request {
                        text: &solved.text,
                        analysis: None,
                        terminal: &solved.terminal,
                        line: "",
                        interrupt_after: Some(interrupt_after),
                    },
                    pending,
                );
            }
            None => break,
        }
    }
    // A loop the solution lets run until it is interrupted ends with status 130, as
    // Ctrl+C leaves it; that is no failure. Nor is a command the lesson shows failing
    // (`ping CLUSTER-IP  # svcplay: fails`).
    let expected = entered.trim_end().ends_with("# svcplay: fails");
    if outcome.status != 0 && !(looped && outcome.status == 130) && !expected {
        let said = outcome
            .output
            .iter()
            .filter(|c| c.stream == shell::Stream::Stderr)
            .map(|c| c.text.as_str())
            .collect::<String>();
        let said = said.lines().next().unwrap_or("").trim().to_string();
        solved.failures.push(if said.is_empty() {
            format!("`{entered}` exited with status {}", outcome.status)
        } else {
            format!("`{entered}` exited with status {}: {said}", outcome.status)
        });
    }
}

/// A problem `svcplay lesson check` reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// The step's id, `None` for the lesson as a whole.
    pub step: Option<String>,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.step {
            Some(step) => write!(f, "step {step}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// Checks a lesson as `svcplay lesson check` does: every step's start builds, fails at
/// least one of its checks (a step that passes before the learner does anything teaches
/// nothing), its solution runs without a failing command and passes all its checks.
/// Both languages' starts are built (an example's translated comments must analyse the
/// same). Empty when the lesson is sound.
pub fn validate(lesson: &Lesson) -> Vec<Problem> {
    let mut problems = Vec::new();
    let mut state: Option<String> = None;
    for step in &lesson.steps {
        let problem = |message: String| Problem {
            step: Some(step.id.clone()),
            message,
        };
        let text = match &step.start {
            Some(start) => {
                if let Err(e) = start_text(start, Lang::Zh) {
                    problems.push(problem(e));
                }
                match start_text(start, Lang::En) {
                    Ok(t) => t,
                    Err(e) => {
                        problems.push(problem(e));
                        state = None;
                        continue;
                    }
                }
            }
            None => match state.take() {
                Some(t) => t,
                None => {
                    problems.push(problem(
                        "it has no start and the previous step's state is unknown".into(),
                    ));
                    continue;
                }
            },
        };
        let before = crate::scenario::analyze(&text, crate::scenario::Options::default());
        let outcomes = super::check(step, &text, &before, &[]);
        if outcomes.iter().all(|o| o.passed) {
            problems.push(problem(
                "its start already passes every check (the learner would have nothing to do)"
                    .into(),
            ));
        }
        let solved = solve(step, &text, &Terminal::default());
        for failure in &solved.failures {
            problems.push(problem(format!("its solution: {failure}")));
        }
        let after = crate::scenario::analyze(&solved.text, crate::scenario::Options::default());
        for (check, outcome) in
            step.checks
                .iter()
                .zip(super::check(step, &solved.text, &after, &solved.commands))
        {
            if !outcome.passed {
                problems.push(problem(format!(
                    "line {}: its solution fails `{}`: {}",
                    check.line,
                    check.source,
                    outcome.message(Lang::En)
                )));
            }
        }
        state = Some(solved.text);
    }
    problems
}
