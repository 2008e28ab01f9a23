//! The executor: runs a parsed command line against the scenario text, and the shell's
//! builtins.
//!
//! [`Ctx`] holds the text as it changes during one command line, its analysis (computed
//! when a command needs it, again after each change), the terminal state and the
//! output. Simple commands are dispatched to the builtins here, then to kubectl
//! ([`super::kubectl`]) and the node's tools ([`super::node`]) — or, inside a Pod shell,
//! to the Pod's commands ([`super::pod`]). A top-level `while`/`for` runs one iteration
//! per step ([`super::Pending`]); loops nested in other commands run to their end,
//! bounded by [`super::MAX_ITERATIONS`] and a budget of commands per line.

use super::parse::{self, Command, Join, List, Part, Pipeline, Redirect, Word};
use super::{Chunk, Editor, Outcome, Pending, Request, Stream, Terminal};
use crate::scenario::{Analysis, Options, analyze};
use crate::session::{self, Session};
use crate::views::CommandOutput;
use std::collections::BTreeMap;
use std::rc::Rc;

/// How many simple commands one line may run (loops in loops, `$(…)` in loops).
const COMMAND_BUDGET: u64 = 20_000;

/// A loop between two steps.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoopState {
    command: Command,
    /// A `for` loop's remaining items.
    items: Vec<String>,
    /// What follows the loop on the line.
    rest: List,
    variables: BTreeMap<String, String>,
    iteration: u64,
    interrupt_after: Option<u64>,
}

/// One command line's execution.
pub struct Ctx {
    text: String,
    analysis: Option<Rc<Analysis>>,
    /// The text and analysis the line started from (to see which Pods it removed).
    original: (String, Option<Rc<Analysis>>),
    session: Option<Session>,
    pub changed: bool,
    /// Changed more than the clock and the record of traffic ([`super::Outcome::edited`]).
    pub edited: bool,
    pub terminal: Terminal,
    pub out: Vec<Chunk>,
    pub vars: BTreeMap<String, String>,
    pub status: i32,
    pub failed: bool,
    pub editor: Option<Editor>,
    pub clear: bool,
    budget: u64,
    /// Seconds slept during the current step.
    pub slept: i64,
    interrupt_after: Option<u64>,
    /// Set when the line must stop (an editor opened, `exit` at the top).
    stop: bool,
}

impl Ctx {
    fn new(request: &Request) -> Ctx {
        Ctx {
            text: request.text.to_string(),
            analysis: request.analysis.clone(),
            original: (request.text.to_string(), request.analysis.clone()),
            session: None,
            changed: false,
            edited: false,
            terminal: request.terminal.clone(),
            out: Vec::new(),
            vars: request.terminal.variables.clone(),
            status: 0,
            failed: false,
            editor: None,
            clear: false,
            budget: COMMAND_BUDGET,
            slept: 0,
            interrupt_after: request.interrupt_after,
            stop: false,
        }
    }

    /// The scenario text as it is now.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The analysis of the current text.
    pub fn analysis(&mut self) -> Rc<Analysis> {
        if let Some(a) = &self.analysis {
            return a.clone();
        }
        let a = Rc::new(analyze(&self.text, Options::default()));
        self.analysis = Some(a.clone());
        a
    }

    /// Replaces the scenario text.
    pub fn set_text(&mut self, text: String) {
        if text != self.text {
            self.text = text;
            self.analysis = None;
            self.session = None;
            self.changed = true;
            self.edited = true;
        }
    }

    /// The session document as it is now.
    pub fn session(&mut self) -> Session {
        if let Some(s) = &self.session {
            return s.clone();
        }
        let s = self.analysis().session.session.clone();
        self.session = Some(s.clone());
        s
    }

    /// Writes the session document into the text.
    pub fn set_session(&mut self, s: Session) {
        let text = session::set_session(&self.text, &s);
        self.set_text(text);
        self.session = Some(s);
    }

    /// [`Ctx::set_session`] after the clock moved or traffic was recorded (conntrack
    /// entries, the schedulers' request counts) and nothing else: not an edit
    /// ([`super::Outcome::edited`]).
    pub fn set_session_time(&mut self, s: Session) {
        let edited = self.edited;
        self.set_session(s);
        self.edited = edited;
    }

    /// The node the terminal is on.
    pub fn node(&mut self) -> String {
        super::node_of(&self.analysis())
    }

    /// Moves the session clock forward.
    pub fn sleep(&mut self, seconds: i64) {
        if seconds <= 0 {
            return;
        }
        let mut s = self.session();
        s.time += seconds;
        // Connections whose conntrack entry has expired are forgotten.
        let now = s.time;
        s.connections
            .retain(|c| now - c.time < super::net::CONNTRACK_TIME_WAIT);
        self.set_session_time(s);
        self.slept += seconds;
    }

    /// Output in the order a terminal shows it: the server's warnings first, stdout,
    /// then the other stderr lines.
    pub fn emit(&mut self, out: &CommandOutput) {
        // A program that says where its stderr fell in its stdout (nft's warnings before
        // each table) is shown in that order.
        if let Some(chunks) = out.in_order() {
            for (is_stderr, text) in chunks {
                let stream = if is_stderr {
                    Stream::Stderr
                } else {
                    Stream::Stdout
                };
                self.out.push(Chunk {
                    stream,
                    text: text.to_string(),
                });
            }
            return;
        }
        let (warnings, rest): (Vec<&str>, Vec<&str>) = out
            .stderr
            .split_inclusive('\n')
            .partition(|l| l.starts_with("Warning: "));
        let warnings: String = warnings.concat();
        let rest: String = rest.concat();
        for (stream, text) in [
            (Stream::Stderr, warnings),
            (Stream::Stdout, out.stdout.clone()),
            (Stream::Stderr, rest),
        ] {
            if !text.is_empty() {
                self.out.push(Chunk { stream, text });
            }
        }
    }

    pub fn open_editor(&mut self, editor: Editor) {
        self.editor = Some(editor);
        self.stop = true;
    }
}

/// Pods the line removed (deleted, scaled away, replaced) hand their addresses back:
/// the session retires them, so the IPAM gives new Pods new addresses.
fn retire_pod_ips(ctx: &mut Ctx) {
    if !ctx.changed {
        return;
    }
    let before = match &ctx.original.1 {
        Some(a) => a.clone(),
        None => Rc::new(analyze(&ctx.original.0, Options::default())),
    };
    let after = ctx.analysis();
    // Also when a new Pod of the same line took the address (a rollout's new Pods start
    // while the old ones still hold theirs): retired, the new Pod moves to a free one.
    let gone: Vec<String> = before
        .objects
        .pods
        .iter()
        .filter(|p| {
            !after
                .objects
                .pods
                .iter()
                .any(|q| q.meta.namespace == p.meta.namespace && q.meta.name == p.meta.name)
        })
        .flat_map(|p| p.ips().into_iter().map(str::to_string))
        .collect();
    if gone.is_empty() {
        return;
    }
    let mut s = ctx.session();
    for ip in gone {
        if !s.retired_pod_ips.contains(&ip) {
            s.retired_pod_ips.push(ip);
        }
    }
    let excess = s
        .retired_pod_ips
        .len()
        .saturating_sub(session::MAX_RETIRED_POD_IPS);
    s.retired_pod_ips.drain(..excess);
    ctx.set_session(s);
}

fn outcome(mut ctx: Ctx, pending: Option<Pending>) -> Outcome {
    retire_pod_ips(&mut ctx);
    let mut terminal = ctx.terminal;
    // `$?` is the last command's status at the next prompt too.
    let mut variables = ctx.vars;
    variables.insert("?".into(), ctx.status.to_string());
    terminal.variables = variables;
    Outcome {
        output: ctx.out,
        status: ctx.status,
        failed: ctx.failed,
        changed: ctx.changed,
        edited: ctx.edited,
        text: ctx.text,
        terminal,
        editor: ctx.editor,
        clear: ctx.clear,
        pending,
    }
}

/// Runs a command line (see [`super::run`]).
pub fn run(request: Request) -> Outcome {
    let mut ctx = Ctx::new(&request);
    let line = request.line.trim_end_matches('\n');
    if !line.trim().is_empty() {
        ctx.terminal.history.push(line.to_string());
    }
    let list = match parse::parse(line) {
        Ok(l) => l,
        Err(e) => {
            ctx.emit(&CommandOutput::error(format!("{e}\n"), 2));
            ctx.status = 2;
            ctx.failed = true;
            return outcome(ctx, None);
        }
    };
    let pending = run_top(&mut ctx, &list.0);
    outcome(ctx, pending)
}

/// Runs the top-level items; a loop among them runs one iteration and is returned.
fn run_top(ctx: &mut Ctx, items: &[(Join, Pipeline)]) -> Option<Pending> {
    for (i, (join, pipeline)) in items.iter().enumerate() {
        if ctx.stop {
            break;
        }
        if !should_run(ctx, *join) {
            continue;
        }
        if let [command @ (Command::While { .. } | Command::For { .. })] =
            pipeline.commands.as_slice()
        {
            if !pipeline.negate {
                let items_of_for = match command {
                    Command::For {
                        items: Some(words), ..
                    } => {
                        let mut out = Vec::new();
                        for w in words {
                            out.extend(expand(ctx, w));
                        }
                        out
                    }
                    _ => Vec::new(),
                };
                let state = LoopState {
                    command: command.clone(),
                    items: items_of_for,
                    rest: List(items[i + 1..].to_vec()),
                    variables: BTreeMap::new(),
                    iteration: 0,
                    interrupt_after: ctx.interrupt_after,
                };
                return step(ctx, state);
            }
        }
        run_pipeline(ctx, pipeline, None);
    }
    None
}

/// Whether a pipeline joined by `join` runs after the previous status.
fn should_run(ctx: &Ctx, join: Join) -> bool {
    match join {
        Join::Then => true,
        Join::And => ctx.status == 0,
        Join::Or => ctx.status != 0,
    }
}

/// One iteration of a top-level loop; the rest of the line once it ends.
fn step(ctx: &mut Ctx, mut state: LoopState) -> Option<Pending> {
    ctx.vars.extend(state.variables.clone());
    let limit = state
        .interrupt_after
        .map_or(super::MAX_ITERATIONS, |n| n.min(super::MAX_ITERATIONS));
    let go_on = match &state.command {
        Command::While {
            until, condition, ..
        } => {
            if state.iteration >= limit {
                // The CLI (or the safety limit) presses Ctrl+C.
                ctx.out.push(Chunk {
                    stream: Stream::Stdout,
                    text: "^C\n".into(),
                });
                // An interrupted loop is not a failed command.
                ctx.status = 130;
                return None;
            }
            run_list(ctx, condition);
            (ctx.status == 0) != *until
        }
        Command::For { variable, .. } => {
            if state.items.is_empty() {
                false
            } else {
                let item = state.items.remove(0);
                ctx.vars.insert(variable.clone(), item);
                true
            }
        }
        _ => false,
    };
    if !go_on || ctx.stop {
        ctx.status = if go_on { ctx.status } else { 0 };
        let rest = state.rest.0.clone();
        return run_top(ctx, &rest);
    }
    let body = match &state.command {
        Command::While { body, .. } | Command::For { body, .. } => body.clone(),
        _ => List::default(),
    };
    ctx.slept = 0;
    run_list(ctx, &body);
    state.iteration += 1;
    state.variables = ctx.vars.clone();
    if ctx.stop || ctx.budget == 0 {
        return None;
    }
    Some(Pending {
        slept: ctx.slept,
        iterations: state.iteration,
        state,
    })
}

/// Continues a pending loop (see [`super::resume`]).
pub fn resume(request: Request, pending: Pending) -> Outcome {
    let mut ctx = Ctx::new(&request);
    let next = step(&mut ctx, pending.state);
    outcome(ctx, next)
}

/// Runs a list to its end (loops included, bounded).
fn run_list(ctx: &mut Ctx, list: &List) {
    for (join, pipeline) in &list.0 {
        if ctx.stop || ctx.budget == 0 {
            return;
        }
        if should_run(ctx, *join) {
            run_pipeline(ctx, pipeline, None);
        }
    }
}

/// Runs a list and returns its stdout (command substitution, pipelines of compound
/// commands).
fn capture_list(ctx: &mut Ctx, list: &List, stdin: Option<String>) -> String {
    let saved = std::mem::take(&mut ctx.out);
    for (i, (join, pipeline)) in list.0.iter().enumerate() {
        if ctx.stop || ctx.budget == 0 {
            break;
        }
        if should_run(ctx, *join) {
            run_pipeline(ctx, pipeline, if i == 0 { stdin.clone() } else { None });
        }
    }
    let produced = std::mem::replace(&mut ctx.out, saved);
    let mut stdout = String::new();
    for c in produced {
        match c.stream {
            Stream::Stdout => stdout.push_str(&c.text),
            Stream::Stderr => ctx.out.push(c),
        }
    }
    stdout
}

fn run_pipeline(ctx: &mut Ctx, pipeline: &Pipeline, stdin: Option<String>) {
    let mut input = stdin;
    let last = pipeline.commands.len().saturating_sub(1);
    for (i, command) in pipeline.commands.iter().enumerate() {
        if ctx.stop {
            return;
        }
        if i < last {
            input = Some(run_command(ctx, command, input.take(), true).unwrap_or_default());
        } else {
            run_command(ctx, command, input.take(), false);
        }
    }
    if pipeline.negate {
        ctx.status = i32::from(ctx.status == 0);
    }
    if ctx.status != 0 && ctx.status != 130 {
        ctx.failed = true;
    }
    ctx.vars.insert("?".into(), ctx.status.to_string());
}

/// Runs one command; with `capture`, returns its stdout instead of printing it.
fn run_command(
    ctx: &mut Ctx,
    command: &Command,
    stdin: Option<String>,
    capture: bool,
) -> Option<String> {
    match command {
        Command::Simple {
            assignments,
            words,
            redirects,
        } => {
            if ctx.budget == 0 {
                return None;
            }
            ctx.budget -= 1;
            let mut argv = Vec::new();
            for w in words {
                argv.extend(expand(ctx, w));
            }
            let mut assigned = Vec::new();
            for (name, value) in assignments {
                let v = expand(ctx, value).join(" ");
                assigned.push((name.clone(), v));
            }
            if argv.is_empty() {
                for (name, v) in assigned {
                    ctx.vars.insert(name, v);
                }
                ctx.status = 0;
                return capture.then(String::new);
            }
            let mut stdin = stdin;
            let mut merge_err = false;
            let mut stdout_to: Option<(String, bool)> = None;
            let mut stderr_to: Option<(String, bool)> = None;
            for r in redirects {
                match r {
                    Redirect::Heredoc(body) => stdin = Some(expand_heredoc(ctx, body)),
                    Redirect::In(w) => {
                        let path = expand(ctx, w).join(" ");
                        match read_file(ctx, &path) {
                            Ok(content) => stdin = Some(content),
                            Err(e) => {
                                ctx.emit(&CommandOutput::error(format!("bash: {e}\n"), 1));
                                ctx.status = 1;
                                return capture.then(String::new);
                            }
                        }
                    }
                    Redirect::ErrToOut => merge_err = true,
                    Redirect::Out { fd, target, append } => {
                        let path = expand(ctx, target).join(" ");
                        if *fd == 2 {
                            stderr_to = Some((path, *append));
                        } else if *fd == 3 {
                            stdout_to = Some((path.clone(), *append));
                            stderr_to = Some((path, *append));
                        } else {
                            stdout_to = Some((path, *append));
                        }
                    }
                }
            }
            let mut out = dispatch(ctx, argv, stdin);
            if merge_err {
                // `2>&1`: one stream, in the order the program wrote it.
                let merged: Option<String> = out
                    .in_order()
                    .map(|chunks| chunks.into_iter().map(|(_, text)| text).collect());
                match merged {
                    Some(text) => out.stdout = text,
                    None => out.stdout.push_str(&out.stderr),
                }
                out.stderr.clear();
            }
            if merge_err || stderr_to.is_some() || stdout_to.is_some() || capture {
                // The streams part: where stderr fell in stdout no longer applies.
                out.interleaved.clear();
            }
            if let Some((path, append)) = stderr_to {
                let err = std::mem::take(&mut out.stderr);
                if path != "/dev/null" {
                    if let Err(e) = write_file(ctx, &path, &err, append) {
                        out.stderr = format!("bash: {e}\n");
                    }
                }
            }
            if let Some((path, append)) = stdout_to {
                let data = std::mem::take(&mut out.stdout);
                if path != "/dev/null" {
                    if let Err(e) = write_file(ctx, &path, &data, append) {
                        out.stderr.push_str(&format!("bash: {e}\n"));
                        out.status = 1;
                    }
                }
            }
            ctx.status = out.status;
            if capture {
                let stdout = std::mem::take(&mut out.stdout);
                ctx.emit(&out);
                Some(stdout)
            } else {
                ctx.emit(&out);
                None
            }
        }
        Command::Group(list) => {
            if capture {
                Some(capture_list(ctx, list, stdin))
            } else if stdin.is_some() {
                let s = capture_list(ctx, list, stdin);
                ctx.out.push(Chunk {
                    stream: Stream::Stdout,
                    text: s,
                });
                None
            } else {
                run_list(ctx, list);
                None
            }
        }
        Command::If {
            branches,
            otherwise,
        } => {
            let saved = std::mem::take(&mut ctx.out);
            let mut chosen = None;
            for (condition, body) in branches {
                run_list(ctx, condition);
                if ctx.status == 0 {
                    chosen = Some(body.clone());
                    break;
                }
            }
            let condition_output = std::mem::replace(&mut ctx.out, saved);
            ctx.out.extend(condition_output);
            let body = chosen.or_else(|| otherwise.clone());
            match body {
                Some(b) => run_command(ctx, &Command::Group(b), stdin, capture),
                None => {
                    ctx.status = 0;
                    capture.then(String::new)
                }
            }
        }
        Command::While { .. } | Command::For { .. } => {
            let state = LoopState {
                command: command.clone(),
                items: match command {
                    Command::For {
                        items: Some(words), ..
                    } => {
                        let mut out = Vec::new();
                        for w in words {
                            out.extend(expand(ctx, w));
                        }
                        out
                    }
                    _ => Vec::new(),
                },
                rest: List::default(),
                variables: BTreeMap::new(),
                iteration: 0,
                interrupt_after: ctx.interrupt_after,
            };
            let saved = capture.then(|| std::mem::take(&mut ctx.out));
            let mut next = Some(state);
            while let Some(s) = next.take() {
                next = step(ctx, s).map(|p| p.state);
                if ctx.stop || ctx.budget == 0 {
                    break;
                }
            }
            saved.map(|saved| {
                let produced = std::mem::replace(&mut ctx.out, saved);
                let mut stdout = String::new();
                for c in produced {
                    match c.stream {
                        Stream::Stdout => stdout.push_str(&c.text),
                        Stream::Stderr => ctx.out.push(c),
                    }
                }
                stdout
            })
        }
    }
}

/// Expands a heredoc body (`$VAR` and `$(…)` as in double quotes).
fn expand_heredoc(ctx: &mut Ctx, body: &str) -> String {
    expand_variables(ctx, body, true)
}

/// `$NAME`, `${NAME}`, `$?`, `$(…)` in `text`.
fn expand_variables(ctx: &mut Ctx, text: &str, substitute: bool) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] != '$' || i + 1 >= chars.len() {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let next = chars[i + 1];
        if next == '{' {
            let end = chars[i + 2..].iter().position(|c| *c == '}');
            match end {
                Some(e) => {
                    let name: String = chars[i + 2..i + 2 + e].iter().collect();
                    out.push_str(&variable(ctx, &name));
                    i += e + 3;
                }
                None => {
                    out.push('$');
                    i += 1;
                }
            }
        } else if next == '(' && substitute {
            let mut depth = 0;
            let mut j = i + 1;
            while j < chars.len() {
                if chars[j] == '(' {
                    depth += 1;
                } else if chars[j] == ')' {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                j += 1;
            }
            let source: String = chars[i + 2..j.min(chars.len())].iter().collect();
            out.push_str(&substitute_command(ctx, &source));
            i = j + 1;
        } else if next == '?' || next == '$' || next == '#' {
            out.push_str(&variable(ctx, &next.to_string()));
            i += 2;
        } else if next.is_ascii_alphabetic() || next == '_' {
            let mut j = i + 1;
            while j < chars.len() && (chars[j].is_ascii_alphanumeric() || chars[j] == '_') {
                j += 1;
            }
            let name: String = chars[i + 1..j].iter().collect();
            out.push_str(&variable(ctx, &name));
            i = j;
        } else {
            out.push('$');
            i += 1;
        }
    }
    out
}

fn variable(ctx: &mut Ctx, name: &str) -> String {
    if let Some(v) = ctx.vars.get(name) {
        return v.clone();
    }
    match name {
        "?" => ctx.status.to_string(),
        "$" => "1".into(),
        "#" => "0".into(),
        "HOME" => "/root".into(),
        "USER" => "root".into(),
        "PWD" => ctx.terminal.cwd.clone().unwrap_or_else(|| "/root".into()),
        "HOSTNAME" => match &ctx.terminal.pod {
            Some(p) => p.pod.clone(),
            None => ctx.node(),
        },
        "RANDOM" => "4242".into(),
        _ => String::new(),
    }
}

fn substitute_command(ctx: &mut Ctx, source: &str) -> String {
    match parse::parse(source) {
        Ok(list) => {
            let out = capture_list(ctx, &list, None);
            out.trim_end_matches('\n').to_string()
        }
        Err(e) => {
            ctx.emit(&CommandOutput::error(format!("{e}\n"), 2));
            String::new()
        }
    }
}

/// The words one word expands to.
fn expand(ctx: &mut Ctx, word: &Word) -> Vec<String> {
    let mut words: Vec<String> = vec![String::new()];
    let mut any_quoted = false;
    for part in &word.0 {
        match part {
            Part::Literal(s) => {
                any_quoted = true;
                if let Some(last) = words.last_mut() {
                    last.push_str(s);
                }
            }
            Part::Quoted(s) => {
                any_quoted = true;
                let v = expand_variables(ctx, s, true);
                if let Some(last) = words.last_mut() {
                    last.push_str(&v);
                }
            }
            Part::Bare(s) => {
                let v = expand_variables(ctx, s, true);
                // Tilde at the start of a word.
                let v = if v == "~" || v.starts_with("~/") {
                    v.replacen('~', "/root", 1)
                } else {
                    v
                };
                split_into(&mut words, &v, s.contains('$'));
            }
            Part::Command { source, quoted } => {
                let v = substitute_command(ctx, source);
                if *quoted {
                    any_quoted = true;
                    if let Some(last) = words.last_mut() {
                        last.push_str(&v);
                    }
                } else {
                    split_into(&mut words, &v, true);
                }
            }
        }
    }
    if !any_quoted {
        words.retain(|w| !w.is_empty());
    }
    words
}

/// Appends expanded text, splitting on blanks when it came from an expansion.
fn split_into(words: &mut Vec<String>, text: &str, split: bool) {
    if !split {
        if let Some(last) = words.last_mut() {
            last.push_str(text);
        }
        return;
    }
    let starts_blank = text.starts_with(char::is_whitespace);
    let ends_blank = text.ends_with(char::is_whitespace);
    let pieces: Vec<&str> = text.split_whitespace().collect();
    if pieces.is_empty() {
        if starts_blank && words.last().is_some_and(|w| !w.is_empty()) {
            words.push(String::new());
        }
        return;
    }
    for (i, piece) in pieces.iter().enumerate() {
        if i == 0 && !starts_blank {
            if let Some(last) = words.last_mut() {
                last.push_str(piece);
            }
        } else {
            if words.last().is_some_and(|w| w.is_empty()) {
                if let Some(last) = words.last_mut() {
                    last.push_str(piece);
                }
            } else {
                words.push((*piece).to_string());
            }
        }
    }
    if ends_blank {
        words.push(String::new());
    }
}

/// Reads a file: the node's, or the Pod's inside a Pod shell.
pub fn read_file(ctx: &mut Ctx, path: &str) -> Result<String, String> {
    match ctx.terminal.pod.clone() {
        Some(shell) => super::pod::read_file(ctx, &shell, path),
        None => super::node::read_file(ctx, path),
    }
}

/// Writes a file (a redirection): the node's disk (a `File` document of the scenario) or
/// the Pod's container (the session's Pod files).
pub fn write_file(ctx: &mut Ctx, path: &str, data: &str, append: bool) -> Result<(), String> {
    match ctx.terminal.pod.clone() {
        Some(shell) => super::pod::write_file(ctx, &shell, path, data, append),
        None => super::node::write_file(ctx, path, data, append),
    }
}

/// Runs one simple command.
fn dispatch(ctx: &mut Ctx, argv: Vec<String>, stdin: Option<String>) -> CommandOutput {
    let program = argv[0].clone();
    if let Some(out) = builtin(ctx, &argv, stdin.as_deref()) {
        return out;
    }
    if ctx.terminal.pod.is_some() {
        return super::pod::run(ctx, &argv, stdin);
    }
    if program == "kubectl" || program == "k" {
        return super::kubectl::run(ctx, &argv[1..], stdin);
    }
    super::node::run(ctx, &argv, stdin)
}

/// The shell's own commands (the same in a Pod's shell and on the node).
fn builtin(ctx: &mut Ctx, argv: &[String], stdin: Option<&str>) -> Option<CommandOutput> {
    let args = &argv[1..];
    Some(match argv[0].as_str() {
        "true" | ":" => CommandOutput::ok(""),
        "false" => CommandOutput::error("", 1),
        "echo" => {
            let mut newline = true;
            let mut escapes = false;
            let mut words = args;
            while let Some(first) = words.first() {
                match first.as_str() {
                    "-n" => newline = false,
                    "-e" => escapes = true,
                    "-E" => escapes = false,
                    _ => break,
                }
                words = &words[1..];
            }
            let mut text = words.join(" ");
            if escapes {
                text = text.replace("\\n", "\n").replace("\\t", "\t");
            }
            if newline {
                text.push('\n');
            }
            CommandOutput::ok(text)
        }
        "printf" => {
            let format = args.first().cloned().unwrap_or_default();
            let mut rest = args.iter().skip(1);
            let mut out = String::new();
            let mut chars = format.chars().peekable();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => match chars.next() {
                        Some('n') => out.push('\n'),
                        Some('t') => out.push('\t'),
                        Some(o) => out.push(o),
                        None => out.push('\\'),
                    },
                    '%' => match chars.next() {
                        Some('s') | Some('d') => {
                            out.push_str(rest.next().map_or("", |s| s.as_str()))
                        }
                        Some('%') => out.push('%'),
                        Some(o) => {
                            out.push('%');
                            out.push(o);
                        }
                        None => out.push('%'),
                    },
                    c => out.push(c),
                }
            }
            CommandOutput::ok(out)
        }
        "sleep" => {
            let mut total = 0i64;
            for a in args {
                match crate::session::clock::parse_sleep(a) {
                    Some(s) => total += s,
                    None => {
                        return Some(CommandOutput::error(
                            format!(
                                "sleep: invalid time interval '{a}'\nTry 'sleep --help' for more information.\n"
                            ),
                            1,
                        ));
                    }
                }
            }
            if args.is_empty() {
                return Some(CommandOutput::error(
                    "sleep: missing operand\nTry 'sleep --help' for more information.\n",
                    1,
                ));
            }
            ctx.sleep(total);
            CommandOutput::ok("")
        }
        "clear" => {
            ctx.clear = true;
            ctx.out.clear();
            CommandOutput::ok("")
        }
        "history" => {
            let mut out = String::new();
            for (i, line) in ctx.terminal.history.iter().enumerate() {
                out.push_str(&format!("{:5}  {line}\n", i + 1));
            }
            CommandOutput::ok(out)
        }
        "help" => CommandOutput::ok(super::node::HELP),
        "seq" => {
            let nums: Vec<i64> = args.iter().filter_map(|a| a.parse().ok()).collect();
            let (first, step, last) = match nums.as_slice() {
                [last] => (1, 1, *last),
                [first, last] => (*first, 1, *last),
                [first, step, last] => (*first, *step, *last),
                _ => {
                    return Some(CommandOutput::error(
                        "seq: missing operand\nTry 'seq --help' for more information.\n",
                        1,
                    ));
                }
            };
            let mut out = String::new();
            let mut n = first;
            let mut count = 0;
            while step != 0
                && ((step > 0 && n <= last) || (step < 0 && n >= last))
                && count < 100_000
            {
                out.push_str(&format!("{n}\n"));
                n += step;
                count += 1;
            }
            CommandOutput::ok(out)
        }
        "export" => {
            for a in args {
                if let Some((k, v)) = a.split_once('=') {
                    ctx.vars.insert(k.to_string(), v.to_string());
                }
            }
            CommandOutput::ok("")
        }
        "unset" => {
            for a in args {
                ctx.vars.remove(a);
            }
            CommandOutput::ok("")
        }
        "alias" if args.is_empty() => CommandOutput::ok("alias k='kubectl'\n"),
        "pwd" => CommandOutput::ok(format!(
            "{}\n",
            match &ctx.terminal.pod {
                Some(p) => p.cwd.clone(),
                None => ctx.terminal.cwd.clone().unwrap_or_else(|| "/root".into()),
            }
        )),
        "cd" => {
            let target = args.first().cloned().unwrap_or_else(|| "/root".into());
            match &mut ctx.terminal.pod {
                Some(p) => p.cwd = absolute(&p.cwd, &target),
                None => {
                    let cwd = ctx.terminal.cwd.clone().unwrap_or_else(|| "/root".into());
                    ctx.terminal.cwd = Some(absolute(&cwd, &target));
                }
            }
            CommandOutput::ok("")
        }
        "[" | "test" => {
            let words: Vec<&str> = args
                .iter()
                .map(String::as_str)
                .filter(|w| *w != "]")
                .collect();
            let truth = match words.as_slice() {
                [] => false,
                [a] => !a.is_empty(),
                ["-z", a] => a.is_empty(),
                ["-n", a] => !a.is_empty(),
                ["!", a] => a.is_empty(),
                ["-f", p] | ["-e", p] => read_file(ctx, p).is_ok(),
                [a, "=", b] | [a, "==", b] => a == b,
                [a, "!=", b] => a != b,
                [a, op, b] => {
                    let (x, y) = (a.parse::<i64>().unwrap_or(0), b.parse::<i64>().unwrap_or(0));
                    match *op {
                        "-eq" => x == y,
                        "-ne" => x != y,
                        "-lt" => x < y,
                        "-le" => x <= y,
                        "-gt" => x > y,
                        "-ge" => x >= y,
                        _ => false,
                    }
                }
                _ => false,
            };
            CommandOutput::error("", i32::from(!truth))
        }
        "grep" | "egrep" => grep(args, stdin, argv[0] == "egrep"),
        "head" | "tail" => head_tail(argv[0] == "head", args, stdin),
        "wc" => {
            let input = stdin.unwrap_or("");
            let lines = input.matches('\n').count();
            let words = input.split_whitespace().count();
            let flags: String = args
                .iter()
                .filter(|a| a.starts_with('-'))
                .flat_map(|a| a.trim_start_matches('-').chars())
                .collect();
            // GNU wc: the counts asked for (all three by default) in the order lines,
            // words, bytes; one count alone prints bare, several padded to 7.
            let mut counts = Vec::new();
            if flags.is_empty() || flags.contains('l') {
                counts.push(lines);
            }
            if flags.is_empty() || flags.contains('w') {
                counts.push(words);
            }
            if flags.is_empty() || flags.contains('c') || flags.contains('m') {
                counts.push(input.len());
            }
            if counts.len() == 1 {
                CommandOutput::ok(format!("{}\n", counts[0]))
            } else {
                let text: Vec<String> = counts.iter().map(|n| format!("{n:7}")).collect();
                CommandOutput::ok(format!("{}\n", text.join(" ")))
            }
        }
        "sort" => {
            let mut lines: Vec<&str> = stdin.unwrap_or("").lines().collect();
            lines.sort();
            if args.iter().any(|a| a == "-r") {
                lines.reverse();
            }
            if args.iter().any(|a| a == "-u") {
                lines.dedup();
            }
            CommandOutput::ok(lines.iter().map(|l| format!("{l}\n")).collect::<String>())
        }
        "uniq" => {
            let mut lines: Vec<&str> = stdin.unwrap_or("").lines().collect();
            lines.dedup();
            if args.iter().any(|a| a == "-c") {
                let mut out = String::new();
                let all: Vec<&str> = stdin.unwrap_or("").lines().collect();
                let mut i = 0;
                while i < all.len() {
                    let mut j = i;
                    while j < all.len() && all[j] == all[i] {
                        j += 1;
                    }
                    out.push_str(&format!("{:7} {}\n", j - i, all[i]));
                    i = j;
                }
                return Some(CommandOutput::ok(out));
            }
            CommandOutput::ok(lines.iter().map(|l| format!("{l}\n")).collect::<String>())
        }
        "less" | "more" if args.is_empty() => CommandOutput::ok(stdin.unwrap_or("").to_string()),
        "tee" => {
            let data = stdin.unwrap_or("").to_string();
            let append = args.iter().any(|a| a == "-a");
            for path in args.iter().filter(|a| !a.starts_with('-')) {
                if let Err(e) = write_file(ctx, path, &data, append) {
                    return Some(CommandOutput::error(format!("tee: {e}\n"), 1));
                }
            }
            CommandOutput::ok(data)
        }
        "date" => {
            let now = ctx.session().time;
            CommandOutput::ok(format!("{}\n", crate::session::clock::date(now)))
        }
        "whoami" => CommandOutput::ok("root\n"),
        "exit" | "logout" => return Some(exit(ctx)),
        "type" | "which" => {
            let mut out = String::new();
            for a in args {
                out.push_str(&if super::node::is_command(a) {
                    if argv[0] == "which" {
                        format!("/usr/bin/{a}\n")
                    } else {
                        format!("{a} is /usr/bin/{a}\n")
                    }
                } else if argv[0] == "which" {
                    format!("/usr/bin/which: no {a} in (/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/root/bin)\n")
                } else {
                    format!("bash: type: {a}: not found\n")
                });
            }
            CommandOutput::ok(out)
        }
        _ => return None,
    })
}

/// `exit`: leaves the Pod shell, or goes back from `ssh`.
fn exit(ctx: &mut Ctx) -> CommandOutput {
    if let Some(shell) = ctx.terminal.pod.take() {
        if shell.remove_on_exit {
            let text = ctx.text().to_string();
            if let Some(doc) = crate::session::text::documents(&text)
                .into_iter()
                .find(|d| d.is("Pod", &shell.namespace, &shell.pod))
            {
                ctx.set_text(crate::session::text::remove(&text, &doc));
            }
            return CommandOutput::ok(format!(
                "exit\nSession ended, resume using 'kubectl attach {pod} -c {pod} -i -t' command when the pod is running\npod \"{pod}\" deleted from {ns} namespace\n",
                pod = shell.pod,
                ns = shell.namespace
            ));
        }
        return CommandOutput::ok("exit\n");
    }
    if let Some(previous) = ctx.terminal.ssh.pop() {
        let node = ctx.node();
        let mut s = ctx.session();
        s.node = Some(previous)
            .filter(|p| *p != crate::controllers::kubeadm::home_node(&ctx.analysis().objects));
        ctx.set_session(s);
        ctx.terminal.cwd = None;
        return CommandOutput::ok(format!("logout\nConnection to {node} closed.\n"));
    }
    // The lab's login shell stays open: logging out would end the lab.
    CommandOutput::ok("logout\n")
}

/// A path made absolute against `cwd`.
pub fn absolute(cwd: &str, path: &str) -> String {
    let joined = if path.starts_with('/') {
        path.to_string()
    } else if path == "~" || path.starts_with("~/") {
        path.replacen('~', "/root", 1)
    } else {
        format!("{}/{path}", cwd.trim_end_matches('/'))
    };
    let mut parts: Vec<&str> = Vec::new();
    for p in joined.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    format!("/{}", parts.join("/"))
}

fn grep(args: &[String], stdin: Option<&str>, extended: bool) -> CommandOutput {
    let mut extended = extended;
    let (mut invert, mut ignore, mut count, mut numbers, mut quiet, mut word, mut fixed) =
        (false, false, false, false, false, false, false);
    let mut pattern: Option<String> = None;
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        i += 1;
        match a.as_str() {
            "--color=auto" | "--color" | "--color=never" | "--color=always" => {}
            "-e" | "--regexp" => {
                pattern = args.get(i).cloned();
                i += 1;
            }
            "--" => {
                if pattern.is_none() {
                    pattern = args.get(i).cloned();
                }
                break;
            }
            _ if a.starts_with('-') && a.len() > 1 && pattern.is_none() => {
                for c in a[1..].chars() {
                    match c {
                        'v' => invert = true,
                        'i' => ignore = true,
                        'c' => count = true,
                        'n' => numbers = true,
                        'q' => quiet = true,
                        'w' => word = true,
                        'E' => extended = true,
                        'F' => fixed = true,
                        _ => {}
                    }
                }
            }
            _ if pattern.is_none() => pattern = Some(a.clone()),
            _ => {}
        }
    }
    let Some(pattern) = pattern else {
        return CommandOutput::error(
            "Usage: grep [OPTION]... PATTERNS [FILE]...\nTry 'grep --help' for more information.\n",
            2,
        );
    };
    let regex = super::regex::Regex::new(&pattern, extended, ignore);
    let matches = |line: &str| -> bool {
        if fixed {
            return if ignore {
                line.to_lowercase().contains(&pattern.to_lowercase())
            } else {
                line.contains(pattern.as_str())
            };
        }
        if word {
            // -w: the match must stand as a word; checked on the line's words.
            return line
                .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                .any(|w| {
                    !w.is_empty() && regex.is_match(w) && {
                        let r = super::regex::Regex::new(&format!("^{pattern}$"), extended, ignore);
                        r.is_match(w)
                    }
                });
        }
        regex.is_match(line)
    };
    let found: Vec<(usize, &str)> = stdin
        .unwrap_or("")
        .lines()
        .enumerate()
        .filter(|(_, l)| matches(l) != invert)
        .collect();
    let status = i32::from(found.is_empty());
    if quiet {
        return CommandOutput {
            interleaved: Vec::new(),
            stdout: String::new(),
            stderr: String::new(),
            status,
        };
    }
    if count {
        return CommandOutput {
            interleaved: Vec::new(),
            stdout: format!("{}\n", found.len()),
            stderr: String::new(),
            status,
        };
    }
    CommandOutput {
        interleaved: Vec::new(),
        stdout: found
            .iter()
            .map(|(n, l)| {
                if numbers {
                    format!("{}:{l}\n", n + 1)
                } else {
                    format!("{l}\n")
                }
            })
            .collect(),
        stderr: String::new(),
        status,
    }
}

fn head_tail(head: bool, args: &[String], stdin: Option<&str>) -> CommandOutput {
    let mut n: usize = 10;
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        if a == "-n" {
            n = args.get(i + 1).and_then(|v| v.parse().ok()).unwrap_or(10);
            i += 1;
        } else if let Some(v) = a.strip_prefix("-n") {
            n = v.parse().unwrap_or(10);
        } else if let Some(v) = a.strip_prefix('-') {
            n = v.parse().unwrap_or(10);
        }
        i += 1;
    }
    let lines: Vec<&str> = stdin.unwrap_or("").lines().collect();
    let chosen: Vec<&str> = if head {
        lines.iter().take(n).copied().collect()
    } else {
        lines
            .iter()
            .skip(lines.len().saturating_sub(n))
            .copied()
            .collect()
    };
    CommandOutput::ok(chosen.iter().map(|l| format!("{l}\n")).collect::<String>())
}

/// Finishes an editor (see [`super::finish_edit`]).
pub fn finish_edit(
    text: &str,
    terminal: &Terminal,
    editor: &Editor,
    saved: Option<&str>,
) -> Outcome {
    let request = Request {
        text,
        analysis: None,
        terminal,
        line: "",
        interrupt_after: None,
    };
    let mut ctx = Ctx::new(&request);
    let out = match &editor.target {
        super::EditTarget::File { name, node } => {
            super::node::finish_vi(ctx_ref(&mut ctx), name, node.as_deref(), saved)
        }
        super::EditTarget::Object {
            reference,
            namespace,
        } => super::kubectl::finish_edit(&mut ctx, editor, reference, namespace, saved),
    };
    ctx.status = out.status;
    ctx.failed = out.status != 0;
    ctx.emit(&out);
    outcome(ctx, None)
}

fn ctx_ref(ctx: &mut Ctx) -> &mut Ctx {
    ctx
}

/// Tab completion (see [`super::complete`]).
pub fn complete(analysis: &Analysis, terminal: &Terminal, line: &str) -> Vec<String> {
    let words: Vec<&str> = line.split_whitespace().collect();
    let ends_blank = line.ends_with(' ') || line.is_empty();
    let (done, partial): (Vec<&str>, &str) = if ends_blank {
        (words.clone(), "")
    } else {
        (
            words[..words.len().saturating_sub(1)].to_vec(),
            words.last().copied().unwrap_or(""),
        )
    };
    let mut candidates: Vec<String> = Vec::new();
    if done.is_empty() {
        let commands: &[&str] = if terminal.pod.is_some() {
            super::pod::COMMANDS
        } else {
            super::node::COMMANDS
        };
        candidates.extend(commands.iter().map(|s| s.to_string()));
    } else if done[0] == "kubectl" || done[0] == "k" {
        let positional: Vec<&str> = done[1..]
            .iter()
            .copied()
            .filter(|w| !w.starts_with('-'))
            .collect();
        let after_flag_value = done
            .last()
            .is_some_and(|w| matches!(*w, "-n" | "--namespace"));
        if after_flag_value {
            let mut namespaces: Vec<String> = crate::apiserver::BUILTIN_NAMESPACES
                .iter()
                .map(|s| s.to_string())
                .collect();
            namespaces.extend(
                analysis
                    .objects
                    .namespaces
                    .iter()
                    .map(|n| n.meta.name.clone()),
            );
            namespaces.sort();
            namespaces.dedup();
            candidates = namespaces;
        } else if positional.is_empty() {
            candidates.extend(super::kubectl::VERBS.iter().map(|s| s.to_string()));
        } else if positional.len() == 1 {
            for r in crate::views::kubectl::RESOURCES {
                candidates.push(r.plural.to_string());
                candidates.extend(r.short_names.iter().map(|s| s.to_string()));
            }
            candidates.push("all".into());
        } else {
            let namespace = done
                .iter()
                .position(|w| *w == "-n" || *w == "--namespace")
                .and_then(|i| done.get(i + 1))
                .copied()
                .unwrap_or("default");
            if let Some(r) = crate::views::kubectl::find_resource(positional[1]) {
                let view = crate::views::kubectl::View::new(analysis);
                let ns = r.namespaced.then_some(namespace);
                candidates = (r.rows)(&view, ns, false)
                    .into_iter()
                    .map(|row| row.name)
                    .collect();
            }
        }
    } else {
        candidates.extend(analysis.session.files.iter().map(|f| f.name.clone()));
        if matches!(done[0], "ssh") {
            candidates = analysis.node_names();
        }
    }
    let mut out: Vec<String> = candidates
        .into_iter()
        .filter(|c| c.starts_with(partial))
        .collect();
    out.sort();
    out.dedup();
    out
}
