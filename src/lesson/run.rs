//! A step's state: where it starts, what its solution leaves, and the lesson's own test
//! (`svcplay lesson check`): each step's start fails its checks and its solution passes.

use super::{Lang, Lesson, Step};
use crate::shell::Terminal;
use std::fmt;

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

/// Applies `step`'s solution to `text`, with the terminal in state `terminal`.
pub fn solve(step: &Step, text: &str, terminal: &Terminal) -> Solved {
    let _ = step;
    Solved {
        text: text.to_string(),
        terminal: terminal.clone(),
        commands: Vec::new(),
        transcript: String::new(),
        failures: Vec::new(),
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

/// Checks a lesson: every step's start fails at least one of its checks, and its
/// solution passes all of them. Empty when the lesson is sound.
pub fn validate(lesson: &Lesson) -> Vec<Problem> {
    let _ = lesson;
    Vec::new()
}

pub(super) fn start(lesson: &Lesson, step: usize, lang: Lang) -> Result<String, String> {
    let _ = (lesson, step, lang);
    Err("not yet".into())
}
