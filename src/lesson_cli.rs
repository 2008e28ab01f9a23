//! `svcplay lesson check FILE... | --builtin`: CI for lessons.
//!
//! Each lesson is parsed ([`svcplay::lesson::parse`]: format, both languages) and checked
//! ([`svcplay::lesson::validate`]: every step's start fails its checks and its solution
//! passes them). stdout has one line per lesson, `ok  <id>` or `fail  <id>: <what>`;
//! stderr has every problem, a parse problem as `FILE:LINE:COLUMN: message`. Exit status
//! 0 when every lesson passes, 1 when one fails, 2 on usage errors.

use clap::{Args, Subcommand};
use std::io::Write;
use svcplay::lesson;

#[derive(Args, Debug)]
pub struct LessonArgs {
    #[command(subcommand)]
    command: LessonCommand,
}

#[derive(Subcommand, Debug)]
enum LessonCommand {
    /// Validate lessons: format, both languages, each step's solution passes its checks
    /// and its start does not. One line per lesson (`ok  <id>` or what failed); exit 0
    /// all pass, 1 any fails, 2 usage error.
    Check(CheckArgs),
}

#[derive(Args, Debug)]
struct CheckArgs {
    /// Lesson files (Markdown, docs/lessons.md describes the format).
    #[arg(
        value_name = "FILE",
        required_unless_present = "builtin",
        conflicts_with = "builtin"
    )]
    files: Vec<String>,
    /// Check every built-in lesson instead.
    #[arg(long)]
    builtin: bool,
}

const OK: u8 = 0;
const FAILED: u8 = 1;
const USAGE: u8 = 2;

pub fn run(args: LessonArgs, out: &mut impl Write, err: &mut impl Write) -> u8 {
    let LessonCommand::Check(args) = args.command;
    let mut sources: Vec<(String, String)> = Vec::new();
    if args.builtin {
        for (name, text) in lesson::BUILTIN_SOURCES {
            sources.push((format!("builtin/{name}"), text.to_string()));
        }
    } else {
        for path in &args.files {
            match std::fs::metadata(path) {
                Ok(m) if m.len() > lesson::MAX_LESSON_BYTES as u64 => {
                    let _ = writeln!(
                        err,
                        "error: {path:?}: the lesson is larger than {} bytes, the most svcplay reads",
                        lesson::MAX_LESSON_BYTES
                    );
                    return USAGE;
                }
                _ => {}
            }
            match std::fs::read_to_string(path) {
                Ok(t) => sources.push((path.clone(), t)),
                Err(e) => {
                    let _ = writeln!(err, "error: the path {path:?} cannot be read: {e}");
                    return USAGE;
                }
            }
        }
    }
    let mut failed = false;
    for (name, text) in &sources {
        match lesson::parse(text) {
            Err(diagnostics) => {
                failed = true;
                for d in &diagnostics {
                    let _ = writeln!(err, "{name}:{d}");
                }
                let first = &diagnostics[0];
                let more = if diagnostics.len() > 1 {
                    format!(" (+{} more)", diagnostics.len() - 1)
                } else {
                    String::new()
                };
                let _ = writeln!(out, "fail  {name}: {first}{more}");
            }
            Ok(parsed) => {
                let problems = lesson::validate(&parsed);
                if problems.is_empty() {
                    let _ = writeln!(out, "ok  {}", parsed.id);
                } else {
                    failed = true;
                    for p in &problems {
                        let _ = writeln!(err, "{name}: {}: {p}", parsed.id);
                    }
                    let more = if problems.len() > 1 {
                        format!(" (+{} more)", problems.len() - 1)
                    } else {
                        String::new()
                    };
                    let _ = writeln!(out, "fail  {}: {}{more}", parsed.id, problems[0]);
                }
            }
        }
    }
    if failed { FAILED } else { OK }
}
