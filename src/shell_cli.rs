//! `svcplay shell`: the lab terminal on the command line.
//!
//! The scenario files are read as for every subcommand (their applied objects exist at
//! start; their `File` documents are on the node's disk). Commands come from standard
//! input, or from `--script F` (required when a scenario file is `-`), one per line; a
//! line that leaves a quote, a loop or a heredoc open continues on the next ones, as in
//! bash. Each command is echoed after the session's prompt (`[root@k8s-master01 ~]# `),
//! continuation lines after `> `, then what it prints (stdout and stderr, in the order a
//! terminal shows them). Lines that start with `#` are notes for the reader, not
//! commands: they are not echoed. A failing command does not stop the session; the exit
//! status is 1 if any did (or the scenario has errors), 2 on usage errors. `--save OUT`
//! writes the final scenario (format v2).
//!
//! `while true` loops run `--interrupt-after N` iterations (6) and are then interrupted
//! as Ctrl+C would (`^C`); a loop line may say otherwise in a trailing comment
//! `# svcplay: interrupt after N`. Editors (`vi FILE`, `kubectl edit`) take their edits
//! from `--editor-script F` (vi's ex commands, see `svcplay::shell::script`); without one
//! they fail as they would without a terminal.

use clap::Args;
use std::io::{Read, Write};
use svcplay::shell::{self, Request, Terminal};

#[derive(Args, Debug)]
pub struct ShellArgs {
    /// Scenario files (multi-document YAML, format v1 or v2); `-` reads standard input.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<String>,
    /// Read the commands from this file instead of standard input.
    #[arg(long, value_name = "F")]
    script: Option<String>,
    /// Write the scenario as the session leaves it (format v2) to this file.
    #[arg(long, value_name = "OUT")]
    save: Option<String>,
    /// The edits of the editors the commands open (vi's ex commands).
    #[arg(long, value_name = "F")]
    editor_script: Option<String>,
    /// Interrupt `while true` loops after this many iterations.
    #[arg(long, value_name = "N", default_value_t = shell::DEFAULT_INTERRUPT_AFTER)]
    interrupt_after: u64,
}

const OK: u8 = 0;
const FAILED: u8 = 1;
const USAGE: u8 = 2;

/// `# svcplay: interrupt after N` at the end of a line.
fn interrupt_directive(line: &str) -> Option<u64> {
    let (_, comment) = line.rsplit_once("# svcplay: interrupt after ")?;
    comment.trim().parse().ok()
}

pub fn run(args: ShellArgs, out: &mut impl Write, err: &mut impl Write) -> u8 {
    if args.files.iter().any(|f| f == "-") && args.script.is_none() {
        let _ = writeln!(
            err,
            "error: the scenario is read from standard input, so the commands need --script F"
        );
        return USAGE;
    }
    let commands = match &args.script {
        Some(path) => match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) => {
                let _ = writeln!(err, "error: the path {path:?} cannot be read: {e}");
                return USAGE;
            }
        },
        None => {
            let mut buf = String::new();
            if let Err(e) = std::io::stdin().read_to_string(&mut buf) {
                let _ = writeln!(err, "error: reading standard input: {e}");
                return USAGE;
            }
            buf
        }
    };
    let mut editor_script = match &args.editor_script {
        Some(path) => match std::fs::read_to_string(path) {
            Ok(t) => shell::script::parse(&t).sessions.into_iter(),
            Err(e) => {
                let _ = writeln!(err, "error: the path {path:?} cannot be read: {e}");
                return USAGE;
            }
        },
        None => Vec::new().into_iter(),
    };
    let sources = match crate::cli::Sources::read(&args.files) {
        Ok(s) => s,
        Err(e) => {
            let _ = writeln!(err, "{e}");
            return FAILED;
        }
    };
    let first = svcplay::scenario::analyze(&sources.text, svcplay::scenario::Options::default());
    let mut failed = crate::cli::report(&first, &sources, err);
    let mut text = sources.text.clone();
    let mut terminal = Terminal::default();
    let mut buffer = String::new();
    for line in commands.lines() {
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
        let analysis = svcplay::scenario::analyze(&text, svcplay::scenario::Options::default());
        let prompt = shell::prompt(&analysis, &terminal);
        for (i, l) in entered.lines().enumerate() {
            let _ = writeln!(out, "{}{l}", if i == 0 { prompt.as_str() } else { "> " });
        }
        let interrupt_after = interrupt_directive(&entered).unwrap_or(args.interrupt_after);
        let mut outcome = shell::run(Request {
            text: &text,
            analysis: Some(std::rc::Rc::new(analysis)),
            terminal: &terminal,
            line: &entered,
            interrupt_after: Some(interrupt_after),
        });
        loop {
            let _ = write!(out, "{}", outcome.transcript());
            failed |= outcome.failed;
            text = outcome.text.clone();
            terminal = outcome.terminal.clone();
            if let Some(editor) = outcome.editor.take() {
                let saved = match editor_script.next() {
                    Some(session) => match shell::script::apply(&editor.content, &session) {
                        Ok(saved) => saved,
                        Err(e) => {
                            let _ = writeln!(out, "{e}");
                            failed = true;
                            None
                        }
                    },
                    None => {
                        let _ = writeln!(
                            out,
                            "{}",
                            if editor.program == "kubectl edit" {
                                "error: there was a problem with the editor \"vi\"".to_string()
                            } else {
                                "Vim: Warning: Output is not to a terminal\nVim: Warning: Input is not from a terminal\nsvcplay: give the edits with --editor-script F".to_string()
                            }
                        );
                        failed = true;
                        if editor.program == "kubectl edit" {
                            break;
                        }
                        None
                    }
                };
                outcome = shell::finish_edit(&text, &terminal, &editor, saved.as_deref());
                continue;
            }
            match outcome.pending.take() {
                Some(pending) => {
                    outcome = shell::resume(
                        Request {
                            text: &text,
                            analysis: None,
                            terminal: &terminal,
                            line: "",
                            interrupt_after: Some(interrupt_after),
                        },
                        pending,
                    );
                }
                None => break,
            }
        }
    }
    if !buffer.trim().is_empty() {
        let _ = writeln!(err, "bash: syntax error: unexpected end of file");
        failed = true;
    }
    if let Some(path) = &args.save {
        if let Err(e) = std::fs::write(path, &text) {
            let _ = writeln!(err, "error: the path {path:?} cannot be written: {e}");
            return FAILED;
        }
    }
    let _ = out.flush();
    if failed { FAILED } else { OK }
}
