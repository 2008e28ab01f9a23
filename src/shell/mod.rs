//! The lab terminal: a shell over the scenario, for the page and `svcplay shell`.
//!
//! A command line is parsed as bash parses it ([`parse`]) and run against the scenario
//! text ([`run`]). The scenario is the state: every command that changes the cluster
//! (`kubectl create|apply|delete|expose|scale|label|annotate|patch|set|rollout|edit|run`),
//! the node (`vi`, `>` into a file, `ssh`, `sleep`, `curl`'s connections) or a Pod (`echo
//! … > index.html` inside `kubectl exec`) returns the new text ([`Outcome::text`]), a pure
//! edit made through [`crate::session`] (scenario format v2). So the page's editor, its
//! views, a share link and a lesson's checks see the change, and undo undoes it. What is
//! not scenario state lives in [`Terminal`]: the Pod shell the terminal is in (`kubectl
//! exec -it POD -- sh` until `exit`), the nodes `ssh` came from, the history.
//!
//! Where each command lives:
//! - [`exec`]: the executor (lists, pipelines, `while`/`for`/`if`, redirections,
//!   expansions) and the shell's builtins (`echo`, `sleep`, `cd`, `exit`, `history`,
//!   `clear`, `help`, `seq`, `grep`, `head`, `tail`, `wc`, `sort`, `date`...);
//! - [`kubectl`]: kubectl's verbs that change things, and the read verbs through
//!   [`crate::views::kubectl`];
//! - [`node`]: the node's tools (`iptables`, `ipvsadm`, `ipset`, `nft`, `ip`,
//!   `conntrack`, `modprobe`, `lsmod`, `yum`, `ls`, `cat`, `vi`, `ssh`, `ping`, `dig`,
//!   `nslookup`);
//! - [`pod`]: a Pod's commands (`curl`, `wget`, `nslookup`, `dig`, `cat`, `hostname`,
//!   `ip addr`, `ping`, `echo … > FILE`, `exit`);
//! - [`net`]: requests (`curl`, `wget`, `ping`): names resolved through CoreDNS from a
//!   Pod, the node's rules walked by [`crate::simulate`], the answering Pod's page, the
//!   conntrack entries each connection leaves on the node.
//!
//! **Loops and time.** `while true; do …; done` and `for` run one iteration per step:
//! [`run`] returns a [`Pending`] loop that [`resume`] continues and [`interrupt`] stops
//! (Ctrl+C: `^C`), so the page shows each iteration as it comes and never freezes. The
//! session clock advances only by `sleep` (and the seconds a command takes, such as
//! `kubectl delete`'s wait): the AGE columns, conntrack timeouts and affinity timeouts
//! follow it.
//!
//! **Editors.** `vi FILE` and `kubectl edit` return an [`Editor`] with the text to edit;
//! [`finish_edit`] takes what the person saved (the page's editor, or the CLI's
//! `--editor-script`, [`script`]) and finishes the command.

pub mod exec;
pub mod kubectl;
pub mod net;
pub mod node;
pub mod parse;
pub mod pod;
pub mod regex;
pub mod script;

use crate::scenario::Analysis;
use std::rc::Rc;

/// Where output goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stream {
    Stdout,
    Stderr,
}

/// A piece of output, in the order the terminal shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chunk {
    pub stream: Stream,
    pub text: String,
}

/// The Pod shell the terminal is in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PodShell {
    pub namespace: String,
    pub pod: String,
    pub container: String,
    /// The shell program (`sh`, `bash`), which decides the prompt.
    pub program: String,
    /// The working directory.
    pub cwd: String,
    /// `kubectl run --rm -it`: the Pod is deleted when its shell exits.
    pub remove_on_exit: bool,
    /// The container runs busybox's shell (a busybox or alpine image), whose prompt shows
    /// the directory; decided when the shell starts, so the prompt needs no analysis.
    pub busybox: bool,
}

/// What the terminal holds that is not scenario state.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Terminal {
    /// Inside `kubectl exec -it POD -- sh` until `exit`.
    pub pod: Option<PodShell>,
    /// The nodes `ssh` came from (`exit` goes back).
    pub ssh: Vec<String>,
    /// The node's working directory (`cd`), `/root` when unset.
    pub cwd: Option<String>,
    /// Lines entered so far (for `history`), oldest first.
    pub history: Vec<String>,
    /// Shell variables set at the prompt.
    pub variables: std::collections::BTreeMap<String, String>,
}

/// How many iterations a `while true` runs before the CLI interrupts it by itself.
pub const DEFAULT_INTERRUPT_AFTER: u64 = 6;
/// The most iterations any loop runs, Ctrl+C or not (a runaway loop cannot fill the
/// session document forever).
pub const MAX_ITERATIONS: u64 = 1000;

/// What a command opened an editor on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EditTarget {
    /// A file on the node's disk (`vi FILE`).
    File { name: String, node: Option<String> },
    /// An object (`kubectl edit`): what kubectl showed, to compare with what is saved.
    Object {
        /// The resource's `-o name` prefix and name (`configmap/kube-proxy`).
        reference: String,
        namespace: String,
    },
}

/// An editor a command is waiting on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Editor {
    /// What the editor shows as its title (`deployment.yaml`, `/tmp/kubectl-edit-….yaml`).
    pub title: String,
    pub content: String,
    pub target: EditTarget,
    /// Which editor (`vi`, `vim`, `kubectl edit`).
    pub program: String,
}

/// A loop waiting for its next iteration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pending {
    pub(crate) state: exec::LoopState,
    /// Seconds of session time the last iteration slept (the page waits a moment per
    /// second before the next one).
    pub slept: i64,
    pub iterations: u64,
}

/// What a command line did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    pub output: Vec<Chunk>,
    /// The exit status of the last command (`$?`).
    pub status: i32,
    /// Whether any command of the line failed (the CLI's exit status).
    pub failed: bool,
    /// The scenario text afterwards (the same text when nothing changed).
    pub text: String,
    pub changed: bool,
    /// Whether the change is more than the session clock moving (`sleep`, a timeout
    /// waited out) and the traffic it records (conntrack entries, the schedulers' request
    /// counts): such a line changes no object and no rule, and the page does not count
    /// it as an edit in "what changed".
    pub edited: bool,
    pub terminal: Terminal,
    pub editor: Option<Editor>,
    /// `clear` (or Ctrl+L): the terminal's screen is cleared.
    pub clear: bool,
    pub pending: Option<Pending>,
}

impl Outcome {
    /// Stdout and stderr as one text, in order.
    pub fn transcript(&self) -> String {
        self.output.iter().map(|c| c.text.as_str()).collect()
    }
}

/// A command line to run.
pub struct Request<'a> {
    pub text: &'a str,
    /// The analysis of `text`, if the caller has it (the page does).
    pub analysis: Option<Rc<Analysis>>,
    pub terminal: &'a Terminal,
    pub line: &'a str,
    /// Stop `while true` loops after this many iterations (the CLI); `None`: run until
    /// interrupted or [`MAX_ITERATIONS`].
    pub interrupt_after: Option<u64>,
}

/// Runs a command line.
pub fn run(request: Request) -> Outcome {
    exec::run(request)
}

/// Runs the next iteration of a pending loop.
pub fn resume(request: Request, pending: Pending) -> Outcome {
    exec::resume(request, pending)
}

/// Ctrl+C on a pending loop: `^C`, status 130.
pub fn interrupt(text: &str, terminal: &Terminal) -> Outcome {
    Outcome {
        output: vec![Chunk {
            stream: Stream::Stdout,
            text: "^C\n".into(),
        }],
        status: 130,
        failed: true,
        text: text.to_string(),
        changed: false,
        edited: false,
        terminal: terminal.clone(),
        editor: None,
        clear: false,
        pending: None,
    }
}

/// Finishes a command that opened an editor: `saved` is the text the person saved, or
/// `None` when they quit without saving.
pub fn finish_edit(
    text: &str,
    terminal: &Terminal,
    editor: &Editor,
    saved: Option<&str>,
) -> Outcome {
    exec::finish_edit(text, terminal, editor, saved)
}

/// The prompt bash (or the Pod's shell) shows.
pub fn prompt(analysis: &Analysis, terminal: &Terminal) -> String {
    prompt_on(terminal, || node_of(analysis))
}

/// [`prompt`] for a text not analysed yet (the page while its worker computes): the node
/// is read from the text ([`node_in_text`]), the rest of the prompt is the terminal's.
pub fn prompt_in_text(text: &str, terminal: &Terminal) -> String {
    prompt_on(terminal, || node_in_text(text))
}

fn prompt_on(terminal: &Terminal, node: impl FnOnce() -> String) -> String {
    match &terminal.pod {
        Some(p) if p.program.ends_with("bash") => format!("root@{}:{}# ", p.pod, p.cwd),
        Some(p) if p.busybox => format!("{} # ", p.cwd),
        Some(_) => "# ".into(),
        None => {
            let node = node();
            let dir = match terminal.cwd.as_deref() {
                None | Some("/root") => "~".to_string(),
                Some("/") => "/".to_string(),
                Some(d) => d.rsplit('/').next().unwrap_or(d).to_string(),
            };
            format!("[root@{node} {dir}]# ")
        }
    }
}

/// Whether a container image's shell is busybox's (its prompt shows the directory).
pub(crate) fn is_busybox_image(image: &str) -> bool {
    image.contains("busybox") || image.contains("alpine")
}

/// The node the terminal is on: the session's, else where it starts (the first
/// control-plane Node).
pub fn node_of(analysis: &Analysis) -> String {
    analysis
        .session
        .session
        .node
        .clone()
        .filter(|n| analysis.node_names().contains(n))
        .unwrap_or_else(|| crate::controllers::kubeadm::home_node(&analysis.objects))
}

/// [`node_of`] the analysis of `text`, without analysing all of it: only the documents
/// that can name or choose a node are analysed (those holding Nodes or `NodeRuntime`s,
/// the session document, a kube-proxy configuration's `hostnameOverride`), so a pasted
/// `List` of 5,000 Services costs a scan of the text. The page asks this while its worker
/// analyses a costly text, so the terminal names the node the shell is on, not the node
/// the views show.
pub fn node_in_text(text: &str) -> String {
    let mut kept = String::new();
    let mut document = String::new();
    let mut keep = |document: &mut String| {
        if names_a_node(document) {
            if !document.starts_with("---") {
                kept.push_str("---\n");
            }
            kept.push_str(document);
            if !document.ends_with('\n') {
                kept.push('\n');
            }
        }
        document.clear();
    };
    for line in text.split_inclusive('\n') {
        if crate::session::text::is_separator(line.trim_end_matches(['\n', '\r'])) {
            keep(&mut document);
        }
        document.push_str(line);
    }
    keep(&mut document);
    node_of(&crate::scenario::analyze(&kept, Default::default()))
}

/// Whether a document may hold what [`node_of`] reads: a word `Node` (`kind: Node`, not
/// `NodePort`), a `NodeList`, a `NodeRuntime`, the session document, a `hostnameOverride`.
fn names_a_node(document: &str) -> bool {
    ["Session", "NodeList", "NodeRuntime", "hostnameOverride"]
        .iter()
        .any(|w| document.contains(w))
        || document.match_indices("Node").any(|(i, _)| {
            !document[i + 4..]
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
        })
}

/// The words Tab completes at the end of `line`: commands, kubectl verbs, resource
/// types, object names, files.
pub fn complete(analysis: &Analysis, terminal: &Terminal, line: &str) -> Vec<String> {
    exec::complete(analysis, terminal, line)
}

#[cfg(test)]
mod tests;
