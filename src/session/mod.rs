//! Scenario format v2: named files, the cluster's objects and a session document, in one
//! text.
//!
//! A v1 scenario is a multi-document YAML text of Kubernetes objects (and svcplay's
//! `NodeRuntime`, `KubeProxyConfiguration`): everything in it is applied to the cluster.
//! Format v2 keeps that text as it is and adds two kinds of document of svcplay's own
//! (`apiVersion: svcplay.dev/v1alpha1`), which the API server never sees:
//!
//! - **`File`** — a named file on a node's disk (`metadata.name` is its path relative to
//!   root's home, `node` the node, the first control-plane node when unset, `content` its
//!   text). A lab ships its manifests this way (`deployment.yaml`,
//!   `service-clusterip.yaml`) before anything is created; `kubectl create -f FILE` then
//!   copies the file's objects into the cluster, `vi FILE` edits the file, `cat`/`ls` read
//!   it.
//! - **`Session`** — what the text of the objects cannot hold ([`Session`]): the node the
//!   terminal is on, the session clock (it starts at the fixed time and only `sleep`
//!   and the like move it), the configuration the running kube-proxy started with (a
//!   changed ConfigMap takes effect only after a restart), rules a previous mode left
//!   behind, the conntrack entries the session's requests made, and the files written
//!   inside Pods (the seeds' `echo IP > /usr/share/nginx/html/index.html`).
//!
//! Every other document is a cluster object, exactly as in v1: so a v1 text (and a v1
//! share link) is a v2 scenario without files and with a fresh session, and nothing
//! needs converting. Because the session and the files live in the same text, every
//! change a terminal command makes is a pure edit of that text ([`text`] holds the
//! edits): the editor, every view, a share link and a lesson's checks see it, and the
//! editor's undo undoes it. [`read`] takes the session and the files out of a parsed
//! manifest; [`Session::document`] writes the session back; [`set_session`],
//! [`set_file`] and [`remove_file`] are the edits the terminal makes. The terminal itself
//! (the commands) is [`crate::shell`].

pub mod clock;
pub mod text;

use crate::diag::{Diagnostic, Stage};
use crate::manifest::emit::{Yaml, map, to_string};
use crate::manifest::yaml::{Node, Value};
use crate::manifest::{Manifest, yaml};
use std::collections::BTreeMap;

/// The apiVersion of svcplay's own documents.
pub const API_VERSION: &str = "svcplay.dev/v1alpha1";
/// The kind of the session document.
pub const SESSION_KIND: &str = "Session";
/// The kind of a file on a node's disk.
pub const FILE_KIND: &str = "File";

pub use crate::manifest::is_session_kind;

/// Whether a parsed document is one of the session's own.
pub fn is_session_document(root: &Node) -> bool {
    is_session_kind(
        root.get("apiVersion").and_then(Node::as_str).unwrap_or(""),
        root.get("kind").and_then(Node::as_str).unwrap_or(""),
    )
}

/// A file on a node's disk.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct File {
    /// The path as `ls` in root's home shows it (`deployment.yaml`), or absolute.
    pub name: String,
    /// The node whose disk holds it; `None`: the node the terminal starts on.
    pub node: Option<String>,
    pub content: String,
}

/// kube-proxy as it runs, where that differs from what its ConfigMap says now.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KubeProxyState {
    /// The KubeProxyConfiguration (a YAML document) the kube-proxy Pods that have not been
    /// restarted since the ConfigMap changed still run with; `None` when every kube-proxy
    /// runs the current configuration.
    pub configuration: Option<String>,
    /// Nodes whose kube-proxy was restarted after the change (they run the ConfigMap's).
    pub restarted: Vec<String>,
}

/// A proxy mode whose rules one node still holds: kube-proxy switched away from it
/// (between iptables and IPVS, which clean up nothing of each other:
/// `platformCleanup` in kube-proxy's `server_linux.go`). The rules are what that mode
/// writes for the cluster as it is (svcplay does not keep a copy of the cluster at the
/// moment of the switch), under the new mode's.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Leftover {
    pub node: String,
    /// The mode that wrote them (`iptables`, `ipvs`).
    pub mode: String,
}

/// One connection a request of the session made (a conntrack entry).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Connection {
    /// When it was opened (session clock).
    pub time: i64,
    /// The node whose conntrack table holds it.
    pub node: String,
    /// `tcp` or `udp`.
    pub protocol: String,
    /// The original direction: `ip:port` of the client and of the destination it dialled.
    pub src: String,
    pub dst: String,
    /// The reply direction's source (the endpoint after DNAT) and destination (the client,
    /// or the address it was masqueraded to).
    pub reply_src: String,
    pub reply_dst: String,
}

/// A file written inside a Pod's container.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PodFile {
    /// `namespace/name` of the Pod.
    pub pod: String,
    pub path: String,
    pub content: String,
}

/// The session document: what a terminal session changed that the objects cannot hold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    /// The node the terminal is on (`ssh NODE` moves it); `None`: where it starts (the
    /// first control-plane Node, else the first Node, else the default node).
    pub node: Option<String>,
    /// The session clock (seconds since the Unix epoch, UTC).
    pub time: i64,
    pub kube_proxy: KubeProxyState,
    /// How many times each built-in Pod set was replaced (`kube-proxy/NODE`, `coredns`),
    /// which gives the replacements new names.
    pub restarts: BTreeMap<String, u32>,
    /// When each built-in Pod set was last replaced (their AGE starts there).
    pub restart_times: BTreeMap<String, i64>,
    /// Kernel modules loaded by hand (`modprobe`).
    pub modules: Vec<String>,
    pub leftovers: Vec<Leftover>,
    pub connections: Vec<Connection>,
    /// How many requests each client sent to each destination (`NODE IP:PORT/PROTO`), so
    /// that a scheduler's rotation continues from one `curl` to the next.
    pub requests: BTreeMap<String, u64>,
    pub pod_files: Vec<PodFile>,
    /// The ReplicaSets each Deployment (`namespace/name`) left behind when a rollout
    /// replaced its template, oldest first (they keep existing with no Pods).
    pub replica_sets: BTreeMap<String, Vec<String>>,
    /// Addresses of Pods that are gone (deleted, scaled away, replaced by a rollout): the
    /// IPAM does not hand them out again while others are free, so a new Pod gets a new
    /// address, as with Calico's and the host-local plugin's allocators.
    pub retired_pod_ips: Vec<String>,
}

/// How many retired Pod addresses the session remembers (the oldest are forgotten).
pub const MAX_RETIRED_POD_IPS: usize = 512;

impl Default for Session {
    fn default() -> Session {
        Session {
            node: None,
            time: clock::start(),
            kube_proxy: KubeProxyState::default(),
            restarts: BTreeMap::new(),
            restart_times: BTreeMap::new(),
            modules: Vec::new(),
            leftovers: Vec::new(),
            connections: Vec::new(),
            requests: BTreeMap::new(),
            pod_files: Vec::new(),
            replica_sets: BTreeMap::new(),
            retired_pod_ips: Vec::new(),
        }
    }
}

/// The session and files of a scenario, with what was wrong in their documents.
#[derive(Clone, Debug, Default)]
pub struct Scenario {
    pub session: Session,
    pub files: Vec<File>,
    pub diagnostics: Vec<Diagnostic>,
}

fn string(node: &Node, key: &str) -> Option<String> {
    node.get(key).and_then(Node::as_str).map(str::to_string)
}

fn strings(node: &Node, key: &str) -> Vec<String> {
    node.get(key)
        .and_then(Node::items)
        .unwrap_or(&[])
        .iter()
        .filter_map(|n| n.as_str().map(str::to_string))
        .collect()
}

fn entries(node: &Node, key: &str) -> Vec<(String, Node)> {
    match node.get(key).map(|n| &n.value) {
        Some(Value::Map(entries)) => entries
            .iter()
            .filter_map(|e| Some((e.key.key_string()?, e.value.clone())))
            .collect(),
        _ => Vec::new(),
    }
}

fn items<'a>(node: &'a Node, key: &str) -> &'a [Node] {
    node.get(key).and_then(Node::items).unwrap_or(&[])
}

/// Reads the session document and the files of a parsed scenario. A second `Session`
/// document replaces the first (with a warning); a malformed field is a diagnostic and
/// reads as unset.
pub fn read(manifest: &Manifest) -> Scenario {
    let mut out = Scenario::default();
    let mut seen_session = false;
    for doc in &manifest.documents {
        let Some(root) = &doc.root else { continue };
        if !is_session_document(root) {
            continue;
        }
        let warn = |message: String, node: &Node| {
            Diagnostic::warning(Stage::Decode, message)
                .with_span(node.span)
                .in_document(doc.index)
        };
        match root.get("kind").and_then(Node::as_str) {
            Some(FILE_KIND) => {
                let name = root
                    .get("metadata")
                    .and_then(|m| string(m, "name"))
                    .unwrap_or_default();
                if name.is_empty() {
                    out.diagnostics
                        .push(warn("a File needs metadata.name (its path)".into(), root));
                    continue;
                }
                let content = string(root, "content").unwrap_or_default();
                let file = File {
                    name,
                    node: string(root, "node"),
                    content,
                };
                match out
                    .files
                    .iter_mut()
                    .find(|f| f.name == file.name && f.node == file.node)
                {
                    Some(existing) => *existing = file,
                    None => out.files.push(file),
                }
            }
            _ => {
                if seen_session {
                    out.diagnostics.push(warn(
                        "the scenario has more than one Session document; the last one counts"
                            .into(),
                        root,
                    ));
                }
                seen_session = true;
                let (session, problems) = read_session(root);
                out.session = session;
                for (message, span) in problems {
                    out.diagnostics.push(
                        Diagnostic::warning(Stage::Decode, message)
                            .with_span(span)
                            .in_document(doc.index),
                    );
                }
            }
        }
    }
    out
}

fn read_session(root: &Node) -> (Session, Vec<(String, crate::diag::Span)>) {
    let mut s = Session::default();
    let mut problems = Vec::new();
    s.node = string(root, "node").filter(|n| !n.is_empty());
    if let Some(t) = root.get("time") {
        match t.as_str().and_then(clock::parse_rfc3339) {
            Some(time) => s.time = time,
            None => problems.push((
                "time must be an RFC 3339 timestamp (2025-01-01T00:00:10Z)".to_string(),
                t.span,
            )),
        }
    }
    if let Some(kp) = root.get("kubeProxy") {
        s.kube_proxy.configuration = string(kp, "configuration");
        s.kube_proxy.restarted = strings(kp, "restarted");
    }
    for (key, value) in entries(root, "restarts") {
        if let Some(n) = value.as_int().and_then(|n| u32::try_from(n).ok()) {
            s.restarts.insert(key, n);
        }
    }
    for (key, value) in entries(root, "restartTimes") {
        if let Some(t) = value.as_str().and_then(clock::parse_rfc3339) {
            s.restart_times.insert(key, t);
        }
    }
    s.modules = strings(root, "modules");
    for (key, value) in entries(root, "requests") {
        if let Some(n) = value.as_int().and_then(|n| u64::try_from(n).ok()) {
            s.requests.insert(key, n);
        }
    }
    for item in items(root, "leftovers") {
        s.leftovers.push(Leftover {
            node: string(item, "node").unwrap_or_default(),
            mode: string(item, "mode").unwrap_or_default(),
        });
    }
    for item in items(root, "connections") {
        let time = item
            .get("time")
            .and_then(Node::as_str)
            .and_then(clock::parse_rfc3339);
        let Some(time) = time else {
            problems.push(("a connection needs its time".to_string(), item.span));
            continue;
        };
        s.connections.push(Connection {
            time,
            node: string(item, "node").unwrap_or_default(),
            protocol: string(item, "protocol").unwrap_or_else(|| "tcp".into()),
            src: string(item, "src").unwrap_or_default(),
            dst: string(item, "dst").unwrap_or_default(),
            reply_src: string(item, "replySrc").unwrap_or_default(),
            reply_dst: string(item, "replyDst").unwrap_or_default(),
        });
    }
    for (key, value) in entries(root, "replicaSets") {
        let names: Vec<String> = value
            .items()
            .unwrap_or(&[])
            .iter()
            .filter_map(|n| n.as_str().map(str::to_string))
            .collect();
        s.replica_sets.insert(key, names);
    }
    s.retired_pod_ips = strings(root, "retiredPodIPs");
    for item in items(root, "podFiles") {
        s.pod_files.push(PodFile {
            pod: string(item, "pod").unwrap_or_default(),
            path: string(item, "path").unwrap_or_default(),
            content: string(item, "content").unwrap_or_default(),
        });
    }
    (s, problems)
}

impl Session {
    /// Whether nothing happened yet: such a session needs no document.
    pub fn is_fresh(&self) -> bool {
        *self == Session::default()
    }

    /// The session document's text.
    pub fn document(&self) -> String {
        let kube_proxy = (self.kube_proxy != KubeProxyState::default()).then(|| {
            map(vec![
                (
                    "configuration",
                    self.kube_proxy.configuration.clone().map(Yaml::Str),
                ),
                (
                    "restarted",
                    (!self.kube_proxy.restarted.is_empty())
                        .then(|| Yaml::strings(&self.kube_proxy.restarted)),
                ),
            ])
        });
        let counts = |m: &BTreeMap<String, u64>| {
            (!m.is_empty()).then(|| {
                Yaml::Map(
                    m.iter()
                        .map(|(k, v)| (k.clone(), Yaml::Int(i64::try_from(*v).unwrap_or(i64::MAX))))
                        .collect(),
                )
            })
        };
        let restarts: BTreeMap<String, u64> = self
            .restarts
            .iter()
            .map(|(k, v)| (k.clone(), u64::from(*v)))
            .collect();
        let leftovers = (!self.leftovers.is_empty()).then(|| {
            Yaml::Seq(
                self.leftovers
                    .iter()
                    .map(|l| {
                        map(vec![
                            ("node", Some(Yaml::str(&l.node))),
                            ("mode", Some(Yaml::str(&l.mode))),
                        ])
                    })
                    .collect(),
            )
        });
        let connections = (!self.connections.is_empty()).then(|| {
            Yaml::Seq(
                self.connections
                    .iter()
                    .map(|c| {
                        map(vec![
                            ("time", Some(Yaml::str(clock::rfc3339(c.time)))),
                            ("node", Some(Yaml::str(&c.node))),
                            ("protocol", Some(Yaml::str(&c.protocol))),
                            ("src", Some(Yaml::str(&c.src))),
                            ("dst", Some(Yaml::str(&c.dst))),
                            ("replySrc", Some(Yaml::str(&c.reply_src))),
                            ("replyDst", Some(Yaml::str(&c.reply_dst))),
                        ])
                    })
                    .collect(),
            )
        });
        let pod_files = (!self.pod_files.is_empty()).then(|| {
            Yaml::Seq(
                self.pod_files
                    .iter()
                    .map(|f| {
                        map(vec![
                            ("pod", Some(Yaml::str(&f.pod))),
                            ("path", Some(Yaml::str(&f.path))),
                            ("content", Some(Yaml::str(&f.content))),
                        ])
                    })
                    .collect(),
            )
        });
        let body = to_string(&map(vec![
            ("apiVersion", Some(Yaml::str(API_VERSION))),
            ("kind", Some(Yaml::str(SESSION_KIND))),
            ("node", self.node.clone().map(Yaml::Str)),
            ("time", Some(Yaml::str(clock::rfc3339(self.time)))),
            ("kubeProxy", kube_proxy),
            ("restarts", counts(&restarts)),
            (
                "restartTimes",
                (!self.restart_times.is_empty()).then(|| {
                    Yaml::Map(
                        self.restart_times
                            .iter()
                            .map(|(k, v)| (k.clone(), Yaml::str(clock::rfc3339(*v))))
                            .collect(),
                    )
                }),
            ),
            (
                "modules",
                (!self.modules.is_empty()).then(|| Yaml::strings(&self.modules)),
            ),
            ("leftovers", leftovers),
            ("connections", connections),
            ("requests", counts(&self.requests)),
            ("podFiles", pod_files),
            (
                "retiredPodIPs",
                (!self.retired_pod_ips.is_empty()).then(|| Yaml::strings(&self.retired_pod_ips)),
            ),
            (
                "replicaSets",
                (!self.replica_sets.is_empty()).then(|| {
                    Yaml::Map(
                        self.replica_sets
                            .iter()
                            .map(|(k, v)| (k.clone(), Yaml::strings(v)))
                            .collect(),
                    )
                }),
            ),
        ]));
        format!("# svcplay's session: what the terminal changed that objects do not hold.\n{body}")
    }

    /// The file a Pod's container holds at `path`, if the session wrote it.
    pub fn pod_file(&self, pod: &str, path: &str) -> Option<&str> {
        self.pod_files
            .iter()
            .rev()
            .find(|f| f.pod == pod && f.path == path)
            .map(|f| f.content.as_str())
    }

    /// How many times the built-in Pod set `key` was replaced.
    pub fn restarts_of(&self, key: &str) -> u32 {
        self.restarts.get(key).copied().unwrap_or(0)
    }
}

/// A `File` document's text.
pub fn file_document(file: &File) -> String {
    to_string(&map(vec![
        ("apiVersion", Some(Yaml::str(API_VERSION))),
        ("kind", Some(Yaml::str(FILE_KIND))),
        (
            "metadata",
            Some(map(vec![("name", Some(Yaml::str(&file.name)))])),
        ),
        ("node", file.node.clone().map(Yaml::Str)),
        ("content", Some(Yaml::str(&file.content))),
    ]))
}

/// The scenario text with `session` as its session document: the existing one replaced,
/// or a new one at the end; a fresh session removes the document.
pub fn set_session(text: &str, session: &Session) -> String {
    let docs = text::documents(text);
    let existing = docs
        .iter()
        .filter(|d| d.api_version == API_VERSION && d.kind == SESSION_KIND)
        .collect::<Vec<_>>();
    match existing.last() {
        Some(doc) if session.is_fresh() => text::remove(text, doc),
        Some(doc) => text::replace(text, doc, &session.document()),
        None if session.is_fresh() => text.to_string(),
        None => text::insert(text, None, &session.document()),
    }
}

/// The scenario text with `file` written: its document replaced, or a new one before
/// the session document.
pub fn set_file(text: &str, file: &File) -> String {
    let docs = text::documents(text);
    let same = |d: &&text::Doc| {
        d.api_version == API_VERSION
            && d.kind == FILE_KIND
            && d.name == file.name
            && file_node(d.text(text)) == file.node
    };
    match docs.iter().find(same) {
        Some(doc) => text::replace(text, doc, &file_document(file)),
        None => {
            let session = docs
                .iter()
                .find(|d| d.api_version == API_VERSION && d.kind == SESSION_KIND);
            text::insert(text, session, &file_document(file))
        }
    }
}

/// The scenario text without the file `name` on `node`.
pub fn remove_file(text: &str, name: &str, node: Option<&str>) -> String {
    let docs = text::documents(text);
    match docs.iter().find(|d| {
        d.api_version == API_VERSION
            && d.kind == FILE_KIND
            && d.name == name
            && file_node(d.text(text)).as_deref() == node
    }) {
        Some(doc) => text::remove(text, doc),
        None => text.to_string(),
    }
}

fn file_node(doc: &str) -> Option<String> {
    let (docs, _) = yaml::parse_documents(doc);
    docs.into_iter()
        .find_map(|d| d.root)
        .and_then(|r| string(&r, "node"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_round_trips_through_its_document() {
        let mut s = Session {
            node: Some("k8s-master01".into()),
            time: clock::start() + 15,
            ..Session::default()
        };
        s.kube_proxy.configuration =
            Some("apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\nmode: iptables\n".into());
        s.restarts.insert("kube-proxy/k8s-master01".into(), 1);
        s.requests
            .insert("k8s-master01 10.97.97.97:80/TCP".into(), 4);
        s.pod_files.push(PodFile {
            pod: "dev/web-1".into(),
            path: "/usr/share/nginx/html/index.html".into(),
            content: "10.244.1.2\n".into(),
        });
        s.connections.push(Connection {
            time: clock::start(),
            node: "k8s-master01".into(),
            protocol: "tcp".into(),
            src: "192.168.115.160:40000".into(),
            dst: "10.97.97.97:80".into(),
            reply_src: "10.244.1.2:80".into(),
            reply_dst: "10.244.0.0:40000".into(),
        });
        s.leftovers.push(Leftover {
            node: "k8s-master01".into(),
            mode: "iptables".into(),
        });
        let text = set_session(
            "apiVersion: v1\nkind: Namespace\nmetadata: {name: dev}\n",
            &s,
        );
        let manifest = crate::manifest::parse(&text);
        assert!(
            manifest.diagnostics.is_empty(),
            "{:?}\n{text}",
            manifest.diagnostics
        );
        let back = read(&manifest);
        assert!(back.diagnostics.is_empty(), "{:?}", back.diagnostics);
        assert_eq!(back.session, s, "{text}");
        assert_eq!(
            set_session(&text, &Session::default()).trim_end(),
            "apiVersion: v1\nkind: Namespace\nmetadata: {name: dev}"
        );
    }

    #[test]
    fn files_are_documents_before_the_session() {
        let file = File {
            name: "deployment.yaml".into(),
            node: None,
            content: "apiVersion: apps/v1\nkind: Deployment\n---\nkind: X\n".into(),
        };
        let s = Session {
            time: clock::start() + 1,
            ..Session::default()
        };
        let text = set_session("", &s);
        let text = set_file(&text, &file);
        let docs = text::documents(&text);
        assert_eq!(docs[0].kind, "File");
        assert_eq!(docs[1].kind, "Session");
        let back = read(&crate::manifest::parse(&text));
        assert_eq!(back.files, vec![file.clone()]);
        let changed = File {
            content: "x: 1\n".into(),
            ..file
        };
        let text = set_file(&text, &changed);
        assert_eq!(read(&crate::manifest::parse(&text)).files, vec![changed]);
        let text = remove_file(&text, "deployment.yaml", None);
        assert!(read(&crate::manifest::parse(&text)).files.is_empty());
    }
}
