//! Lessons: steps with a starting scenario, checks, hints and a solution, in zh-CN and
//! English, written by trainers as one Markdown file per lesson (`docs/lessons.md` is the
//! trainer's guide to the format; [`builtin`] holds the lessons svcplay ships).
//!
//! Everything here is pure: a lesson is text ([`parse`]), a step's starting scenario is
//! text ([`Lesson::start`]), a check is a predicate over an [`Analysis`] and the
//! commands the learner entered ([`check`]), and a solution is a list of edits and
//! terminal commands applied to the scenario text through [`crate::shell`] ([`solve`]).
//! The page keeps the learner's progress; `svcplay lesson check` runs [`validate`].
//!
//! - [`parse`] (in `parse.rs`): the Markdown format → [`Lesson`], or every problem as a
//!   [`Diagnostic`] with its line and column (a trainer's mistake is data, never a panic);
//! - [`check`] (in `check.rs`): the checks' evaluation, each [`CheckOutcome`] saying
//!   what it saw in both languages;
//! - [`solve`], [`Lesson::start`] (in `run.rs`): a step's state before and after its
//!   solution; [`validate`]: a step's start fails its checks and its solution passes them.

mod check;
mod parse;
mod run;

pub use check::{check, check_one};
pub use parse::parse;
pub use run::{Problem, Solved, solve, validate};

use crate::proxy::config::ProxyMode;
use crate::scenario::Analysis;
use std::fmt;

/// The learner's language: svcplay's one [`crate::lang::Lang`].
pub use crate::lang::Lang;

/// A text in both languages.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Text {
    pub en: String,
    pub zh: String,
}

impl Text {
    pub fn new(en: impl Into<String>, zh: impl Into<String>) -> Text {
        Text {
            en: en.into(),
            zh: zh.into(),
        }
    }

    /// The text in `lang`.
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::En => &self.en,
            Lang::Zh => &self.zh,
        }
    }
}

/// How much a learner should know before the lesson.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Beginner,
    Intermediate,
    Advanced,
}

impl Level {
    pub fn parse(text: &str) -> Option<Level> {
        match text {
            "beginner" => Some(Level::Beginner),
            "intermediate" => Some(Level::Intermediate),
            "advanced" => Some(Level::Advanced),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Beginner => "beginner",
            Level::Intermediate => "intermediate",
            Level::Advanced => "advanced",
        }
    }

    /// The level's name for the learner.
    pub fn label(self) -> Text {
        match self {
            Level::Beginner => Text::new("beginner", "入门"),
            Level::Intermediate => Text::new("intermediate", "进阶"),
            Level::Advanced => Text::new("advanced", "高级"),
        }
    }
}

/// One lesson.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lesson {
    /// A stable identifier (`[a-z0-9-]+`), used in links (`#lesson=ID&step=N`) and in the
    /// learner's stored progress.
    pub id: String,
    pub title: Text,
    /// One or two sentences for the lesson list.
    pub summary: Text,
    pub level: Level,
    /// About how long it takes, in minutes.
    pub minutes: u32,
    /// The upstream documentation pages the lesson follows (kubernetes.io URLs).
    pub docs: Vec<String>,
    pub steps: Vec<Step>,
}

/// One step of a lesson.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    /// The step's identifier, unique in the lesson (`create-service`).
    pub id: String,
    pub title: Text,
    /// What the learner reads, in each language: Markdown paragraphs and runnable
    /// snippets.
    pub body: Body,
    /// The scenario the step starts from; `None`: the state the previous step's
    /// solution leaves.
    pub start: Option<Start>,
    pub checks: Vec<Check>,
    /// Hints, revealed one at a time.
    pub hints: Vec<Text>,
    /// What "show solution" does, in order.
    pub solution: Vec<Action>,
    /// The line of the lesson file where the step begins (`## step ID`).
    pub line: u32,
}

/// A step's text in both languages.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Body {
    pub en: Vec<Block>,
    pub zh: Vec<Block>,
}

impl Body {
    pub fn get(&self, lang: Lang) -> &[Block] {
        match lang {
            Lang::En => &self.en,
            Lang::Zh => &self.zh,
        }
    }
}

/// A piece of a step's text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Block {
    /// A paragraph, a list or a quote: Markdown source as written (inline code,
    /// emphasis, links), line breaks kept.
    Markdown(String),
    /// A fenced code block.
    Snippet(Snippet),
}

/// What a fenced block in a step's text is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SnippetKind {
    /// ```` ```sh ```` (also `bash`, `shell`, `console`): a command line a click puts
    /// into the terminal.
    Command,
    /// ```` ```yaml ````: a manifest a click puts into the editor.
    Manifest,
    /// Anything else (```` ```text ````, output to expect): shown, not runnable.
    Text,
}

/// A fenced code block of a step's text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Snippet {
    pub kind: SnippetKind,
    /// The info string's language word (`sh`, `yaml`, `text`).
    pub lang: String,
    /// `file=NAME` in the info string: the file a manifest is (the editor opens it as
    /// that node file) — `None` for the scenario itself.
    pub file: Option<String>,
    pub text: String,
}

/// Where a step starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Start {
    /// `example: ID`: a built-in scenario of [`crate::examples::EXAMPLES`] first (in the
    /// learner's language: its comments are translated).
    pub example: Option<String>,
    /// ```` ```yaml ```` blocks: scenario text, in order.
    pub scenario: String,
    /// ```` ```yaml file=NAME [node=NODE] ````: files on a node's disk (format v2's
    /// `File` documents).
    pub files: Vec<crate::session::File>,
}

/// One step of a solution.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// ```` ```sh ````: command lines run in the lab terminal, in order (a line that
    /// leaves a quote or loop open continues on the next, as in bash); `editor` is the
    /// text of the ```` ```ex ```` blocks after them (vi's ex commands,
    /// [`crate::shell::script`]), whose sessions answer, in order, the editors the
    /// commands open (`vi FILE`, `kubectl edit`).
    Commands { lines: String, editor: String },
    /// ```` ```yaml ````: each document replaces the scenario's document of the same
    /// kind, namespace and name, or is appended — what a learner does in the editor.
    Edit { yaml: String },
    /// ```` ```yaml file=NAME [node=NODE] ````: the file's new content (what saving it in
    /// `vi` does).
    File(crate::session::File),
}

/// A comparison of a count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cmp {
    Eq,
    Ne,
    Ge,
    Gt,
    Le,
    Lt,
}

impl Cmp {
    pub fn as_str(self) -> &'static str {
        match self {
            Cmp::Eq => "=",
            Cmp::Ne => "!=",
            Cmp::Ge => ">=",
            Cmp::Gt => ">",
            Cmp::Le => "<=",
            Cmp::Lt => "<",
        }
    }

    pub fn holds(self, seen: i64, wanted: i64) -> bool {
        match self {
            Cmp::Eq => seen == wanted,
            Cmp::Ne => seen != wanted,
            Cmp::Ge => seen >= wanted,
            Cmp::Gt => seen > wanted,
            Cmp::Le => seen <= wanted,
            Cmp::Lt => seen < wanted,
        }
    }
}

/// A count a check wants: `ready>=2`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Count {
    pub cmp: Cmp,
    pub value: i64,
}

impl fmt::Display for Count {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.cmp.as_str(), self.value)
    }
}

/// A Service (or other namespaced object): `namespace/name`, `name` in `default`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObjectName {
    pub namespace: String,
    pub name: String,
}

impl fmt::Display for ObjectName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.namespace, self.name)
    }
}

/// Who sends a `traffic` check's requests.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum From {
    /// `pod:NS/NAME` (or `pod:NAME`): a Pod of the scenario.
    Pod(ObjectName),
    /// `node:NAME`: the node itself.
    Node(String),
    /// `external`: a client outside the cluster (203.0.113.7).
    External,
    /// An address.
    Address(String),
}

/// Where a `traffic` check's requests go.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum To {
    /// `IP:PORT`.
    Address(String, u16),
    /// `svc:NS/NAME:PORT`: the Service's ClusterIP.
    Service(ObjectName, u16),
    /// `node:NAME:PORT`: the node's address (a NodePort).
    Node(String, u16),
}

/// What a check tests.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CheckKind {
    /// `endpoints service=NS/NAME ready=N [not-ready=N]`: the Service's EndpointSlices
    /// hold N ready endpoints (distinct addresses).
    Endpoints {
        service: ObjectName,
        ready: Option<Count>,
        not_ready: Option<Count>,
    },
    /// `selector service=NS/NAME nodes>=N [pods=N]`: the Service's selector matches Pods
    /// on N different nodes.
    Selector {
        service: ObjectName,
        nodes: Option<Count>,
        pods: Option<Count>,
    },
    /// `traffic from=CLIENT to=DEST pods>=N [requests=N] [seed=N] [protocol=TCP]
    /// [answered=N]`: seeded requests land on N different Pods (the simulator, through
    /// the client's node's rules).
    Traffic {
        from: From,
        to: To,
        pods: Option<Count>,
        answered: Option<Count>,
        requests: u64,
        seed: u64,
        protocol: crate::proxy::Protocol,
    },
    /// `chain node=NODE port=N present|absent`: the node's `iptables-save` has (or lacks)
    /// a rule for destination port N that jumps to a `KUBE-SVC-…` (or `KUBE-EXT-…`)
    /// chain.
    Chain {
        node: Option<String>,
        port: u16,
        present: bool,
    },
    /// `dig name=NAME records=N [type=A] [namespace=NS]`: `dig NAME TYPE` from a Pod of
    /// NS answers N records of that type.
    Dig {
        name: String,
        record_type: String,
        namespace: String,
        records: Count,
    },
    /// `mode is=M [node=NODE]`: kube-proxy runs in mode M (on every node, or on NODE).
    Mode {
        mode: ProxyMode,
        node: Option<String>,
    },
    /// `ran pattern=REGEX`: the learner ran a command line matching the extended regular
    /// expression.
    Ran { pattern: String },
    /// `field object=KIND/NAME [namespace=NS] path=JSONPATH value=V` (or `value!=V`):
    /// `kubectl get KIND NAME -o jsonpath={PATH}` prints V.
    Field {
        resource: String,
        name: String,
        namespace: Option<String>,
        path: String,
        value: String,
        equal: bool,
    },
    /// `output command=CMD [node=NODE] contains=TEXT|lacks=TEXT`: what a command prints
    /// in the lab terminal on NODE.
    Output {
        command: String,
        node: Option<String>,
        text: String,
        contains: bool,
    },
}

/// One check of a step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Check {
    pub kind: CheckKind,
    /// The check's line as written, for the trainer and the lesson list.
    pub source: String,
    /// Its line in the lesson file.
    pub line: u32,
}

/// What one check found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckOutcome {
    pub passed: bool,
    /// What the check wants, in words.
    pub goal: Text,
    /// What it saw, in words (also when it passed).
    pub saw: Text,
}

impl CheckOutcome {
    /// The line the page shows: the goal, and when it failed what was seen.
    pub fn message(&self, lang: Lang) -> String {
        if self.passed {
            self.goal.get(lang).to_string()
        } else {
            match lang {
                Lang::En => format!("{} — saw {}", self.goal.en, self.saw.en),
                Lang::Zh => format!("{}——实际：{}", self.goal.zh, self.saw.zh),
            }
        }
    }
}

/// A problem of a lesson file, with where it is (1-based line and column).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub line: u32,
    pub column: u32,
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.column, self.message)
    }
}

/// The largest lesson file svcplay reads (a lesson holds a few scenarios).
pub const MAX_LESSON_BYTES: usize = 1024 * 1024;

macro_rules! builtin {
    ($file:literal) => {
        ($file, include_str!(concat!("builtin/", $file)))
    };
}

/// The built-in lessons' sources, in course order: (file name, Markdown).
pub const BUILTIN_SOURCES: &[(&str, &str)] = &[
    builtin!("01-clusterip.md"),
    builtin!("02-headless-dns.md"),
    builtin!("03-nodeport.md"),
    builtin!("04-loadbalancer-externalname.md"),
    builtin!("05-kube-proxy-ipvs.md"),
    builtin!("06-no-endpoints.md"),
    builtin!("07-nodeport-local.md"),
    builtin!("08-session-affinity.md"),
    builtin!("09-hairpin.md"),
    builtin!("10-ping-clusterip.md"),
    builtin!("11-long-lived-connections.md"),
    builtin!("12-proxy-modes.md"),
    builtin!("13-prefer-close.md"),
];

/// The built-in lessons, parsed, in course order. A built-in lesson that does not parse
/// is a bug caught by the tests, so it is left out here rather than panicking.
pub fn builtin() -> Vec<Lesson> {
    BUILTIN_SOURCES
        .iter()
        .filter_map(|(_, source)| parse(source).ok())
        .collect()
}

/// The built-in lesson `id`.
pub fn find(id: &str) -> Option<Lesson> {
    BUILTIN_SOURCES
        .iter()
        .filter_map(|(_, source)| parse(source).ok())
        .find(|l| l.id == id)
}

impl Lesson {
    /// The index of the step `id`.
    pub fn step_index(&self, id: &str) -> Option<usize> {
        self.steps.iter().position(|s| s.id == id)
    }

    /// The scenario text step `step` starts from, in `lang` (an example's comments are
    /// translated): its own start, or the previous step's start with that step's
    /// solution applied. An `Err` says why it cannot be built (a step out of range, an
    /// unknown example, a solution that cannot run).
    pub fn start(&self, step: usize, lang: Lang) -> Result<String, String> {
        run::start(self, step, lang)
    }
}

/// The analysis a check looks at, for callers that only have the text.
pub fn analyze(text: &str) -> Analysis {
    crate::scenario::analyze(text, crate::scenario::Options::default())
}

#[cfg(test)]
mod tests;
