//! Manifest: scenario text → raw objects of known kinds, with every problem as a diagnostic.
//!
//! Stage one of the pipeline. [`parse`] splits the text into YAML documents ([`yaml`]),
//! expands `kind: List` documents (as `kubectl get -o yaml` prints them), recognises each
//! object's `apiVersion` and `kind`, and checks every field against the kind's schema
//! ([`schema`]) the way the API server's strict decoder does. Each object holds its spanned
//! YAML tree while one analysis reads it, and then only its document's text (shared by
//! the document's objects), parsing it again when asked ([`RawObject::node`]), so any later stage
//! can still turn a field path into a line and column ([`Manifest::locate`]).

pub mod emit;
pub mod gotypes;
pub mod schema;
pub mod yaml;

use crate::diag::{Diagnostic, Severity, Span, Stage};
use crate::quote::go as go_quote;
use schema::{Struct, Ty};
use std::fmt::Write as _;
use std::sync::Arc;
use yaml::{Node, Scalar, Value};

/// The kinds svcplay understands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Namespace,
    Node,
    Pod,
    Service,
    Endpoints,
    ConfigMap,
    Deployment,
    ReplicaSet,
    StatefulSet,
    DaemonSet,
    EndpointSlice,
    ServiceCIDR,
    KubeProxyConfiguration,
    NodeRuntime,
}

impl Kind {
    pub const ALL: [Kind; 14] = [
        Kind::Namespace,
        Kind::Node,
        Kind::Pod,
        Kind::Service,
        Kind::Endpoints,
        Kind::ConfigMap,
        Kind::Deployment,
        Kind::ReplicaSet,
        Kind::StatefulSet,
        Kind::DaemonSet,
        Kind::EndpointSlice,
        Kind::ServiceCIDR,
        Kind::KubeProxyConfiguration,
        Kind::NodeRuntime,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Kind::Namespace => "Namespace",
            Kind::Node => "Node",
            Kind::Pod => "Pod",
            Kind::Service => "Service",
            Kind::Endpoints => "Endpoints",
            Kind::ConfigMap => "ConfigMap",
            Kind::Deployment => "Deployment",
            Kind::ReplicaSet => "ReplicaSet",
            Kind::StatefulSet => "StatefulSet",
            Kind::DaemonSet => "DaemonSet",
            Kind::EndpointSlice => "EndpointSlice",
            Kind::ServiceCIDR => "ServiceCIDR",
            Kind::KubeProxyConfiguration => "KubeProxyConfiguration",
            Kind::NodeRuntime => "NodeRuntime",
        }
    }

    pub fn api_version(self) -> &'static str {
        match self {
            Kind::Namespace
            | Kind::Node
            | Kind::Pod
            | Kind::Service
            | Kind::Endpoints
            | Kind::ConfigMap => "v1",
            Kind::Deployment | Kind::ReplicaSet | Kind::StatefulSet | Kind::DaemonSet => "apps/v1",
            Kind::EndpointSlice => "discovery.k8s.io/v1",
            Kind::ServiceCIDR => "networking.k8s.io/v1",
            Kind::KubeProxyConfiguration => "kubeproxy.config.k8s.io/v1alpha1",
            Kind::NodeRuntime => "svcplay.dev/v1alpha1",
        }
    }

    /// The lower-case plural kubectl prints in `service/NAME created`.
    pub fn resource(self) -> &'static str {
        match self {
            Kind::Namespace => "namespace",
            Kind::Node => "node",
            Kind::Pod => "pod",
            Kind::Service => "service",
            Kind::Endpoints => "endpoints",
            Kind::ConfigMap => "configmap",
            Kind::Deployment => "deployment.apps",
            Kind::ReplicaSet => "replicaset.apps",
            Kind::StatefulSet => "statefulset.apps",
            Kind::DaemonSet => "daemonset.apps",
            Kind::EndpointSlice => "endpointslice.discovery.k8s.io",
            Kind::ServiceCIDR => "servicecidr.networking.k8s.io",
            Kind::KubeProxyConfiguration => "kubeproxyconfiguration",
            Kind::NodeRuntime => "noderuntime.svcplay.dev",
        }
    }

    pub fn namespaced(self) -> bool {
        matches!(
            self,
            Kind::Pod
                | Kind::Service
                | Kind::Endpoints
                | Kind::ConfigMap
                | Kind::Deployment
                | Kind::ReplicaSet
                | Kind::StatefulSet
                | Kind::DaemonSet
                | Kind::EndpointSlice
        )
    }

    /// Objects that are configuration of a component rather than API objects: they need no name.
    pub fn is_component_config(self) -> bool {
        self == Kind::KubeProxyConfiguration
    }

    /// The kind's schema: generated from the Kubernetes OpenAPI document, or written by
    /// hand for kube-proxy's configuration and svcplay's NodeRuntime.
    pub fn schema(self) -> &'static Struct {
        match self {
            Kind::KubeProxyConfiguration => &schema::KUBE_PROXY_CONFIGURATION,
            Kind::NodeRuntime => &schema::NODE_RUNTIME,
            other => schema::kind(other.api_version(), other.name())
                .expect("every Kubernetes kind svcplay reads is in the generated schema"),
        }
    }

    fn from_name(kind: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == kind)
    }
}

/// Whether a document of this apiVersion and kind is one of svcplay's session documents
/// (`svcplay.dev/v1alpha1` `Session` or `File`, scenario format v2, see
/// [`crate::session`]): not an object, so it is left to the session to read.
pub fn is_session_kind(api_version: &str, kind: &str) -> bool {
    api_version == "svcplay.dev/v1alpha1" && (kind == "Session" || kind == "File")
}

/// Kubernetes kinds a cluster dump may contain that svcplay does not model: ignored with a
/// note instead of the "no matches for kind" error an unknown kind gets.
const IGNORED_KINDS: &[(&str, &str)] = &[
    ("v1", "Secret"),
    ("v1", "ServiceAccount"),
    ("v1", "PersistentVolumeClaim"),
    ("v1", "PersistentVolume"),
    ("v1", "Event"),
    ("v1", "LimitRange"),
    ("v1", "ResourceQuota"),
    ("v1", "ReplicationController"),
    ("apps/v1", "ControllerRevision"),
    ("batch/v1", "Job"),
    ("batch/v1", "CronJob"),
    ("networking.k8s.io/v1", "Ingress"),
    ("networking.k8s.io/v1", "IngressClass"),
    ("networking.k8s.io/v1", "NetworkPolicy"),
    ("networking.k8s.io/v1", "IPAddress"),
    ("autoscaling/v2", "HorizontalPodAutoscaler"),
    ("policy/v1", "PodDisruptionBudget"),
    ("coordination.k8s.io/v1", "Lease"),
    ("rbac.authorization.k8s.io/v1", "Role"),
    ("rbac.authorization.k8s.io/v1", "RoleBinding"),
    ("rbac.authorization.k8s.io/v1", "ClusterRole"),
    ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"),
];

/// What strict decoding found in one object, in the order the API server reports it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DecodeReport {
    /// The first `json: cannot unmarshal ...` error (Go stops reporting after the first).
    pub type_error: Option<String>,
    /// Every unknown field's path, with list indexes (`spec.ports[0].targetport`), in the
    /// order of a JSON re-encoding of the object (keys sorted at every level).
    pub unknown_fields: Vec<String>,
}

impl DecodeReport {
    pub fn is_clean(&self) -> bool {
        self.type_error.is_none() && self.unknown_fields.is_empty()
    }

    /// The decoder error the API server wraps in `<Kind> in version "v1" cannot be handled
    /// as a <Kind>: ...`.
    pub fn message(&self) -> Option<String> {
        if let Some(e) = &self.type_error {
            return Some(e.clone());
        }
        if self.unknown_fields.is_empty() {
            return None;
        }
        let fields: Vec<String> = self
            .unknown_fields
            .iter()
            .map(|f| format!("unknown field {}", go_quote(f)))
            .collect();
        Some(format!("strict decoding error: {}", fields.join(", ")))
    }
}

/// One object of a known kind, as written.
#[derive(Clone, Debug)]
pub struct RawObject {
    /// Position among all recognised objects of the scenario (stable for one text).
    pub id: usize,
    /// The YAML document it came from (0-based).
    pub document: usize,
    /// For an item of a `kind: List` document, its index in `items`.
    pub list_item: Option<usize>,
    pub kind: Kind,
    /// `metadata.name` as written (empty when missing).
    pub name: String,
    /// `metadata.namespace` as written, if any.
    pub namespace: Option<String>,
    /// Where the object's mapping node was written.
    pub span: Span,
    pub decode: DecodeReport,
    /// The object's mapping node while the manifest holds it: from [`parse`] until the
    /// analysis is done with it ([`Manifest::release_trees`]). Afterwards [`RawObject::node`]
    /// parses the object's document again from `source`, so an analysis keeps the text
    /// (each document's once, shared by its objects) instead of a tree ten times its size.
    tree: Option<Node>,
    source: Source,
}

/// An object's document: enough to parse it again.
#[derive(Clone, Debug)]
struct Source {
    /// The document's chunk (its text between `---` separators), shared by the objects
    /// of the document. Each document holds its own, not the whole text: an edit makes
    /// new ones for the documents it parses again, and the others keep theirs (no copy
    /// of a 6 MB text per keystroke).
    text: std::sync::Arc<str>,
    /// The chunk's first line (1-based).
    first_line: u32,
}

impl Source {
    /// The source of `chunk`.
    fn of(chunk: &yaml::Chunk) -> Source {
        Source {
            text: Arc::from(chunk.text),
            first_line: chunk.first_line,
        }
    }
}

impl RawObject {
    /// `Service dev/web`, `Node worker-1`: how diagnostics name the object.
    pub fn describe(&self) -> String {
        match (&self.namespace, self.kind.namespaced()) {
            (Some(ns), true) => format!("{} {}/{}", self.kind.name(), ns, self.name),
            (None, true) => format!("{} default/{}", self.kind.name(), self.name),
            _ if self.name.is_empty() => self.kind.name().to_string(),
            _ => format!("{} {}", self.kind.name(), self.name),
        }
    }

    /// The object's namespace, `default` when not written.
    pub fn namespace_or_default(&self) -> &str {
        self.namespace
            .as_deref()
            .filter(|s| !s.is_empty())
            .unwrap_or("default")
    }

    /// The span of a field path of this object (see [`Node::locate`]).
    pub fn locate(&self, path: &str) -> Span {
        self.node().locate(path)
    }

    /// The object's mapping node: the one parsed with the manifest while it is held, else
    /// the object's document parsed again (the same tree, at the document's present lines).
    pub fn node(&self) -> std::borrow::Cow<'_, Node> {
        match &self.tree {
            Some(tree) => std::borrow::Cow::Borrowed(tree),
            None => std::borrow::Cow::Owned(self.parse_again()),
        }
    }

    /// What [`RawObject::node`] parses the object's tree from: its document's text and
    /// first line. Documents with equal sources have equal trees in any analysis (spans
    /// are lines and columns), which lets the page's provenance keep trees across
    /// keystrokes ([`RawObject::document_node`], [`RawObject::in_document`]). `None` when
    /// the document cannot be found again (then `node` stands in an empty mapping).
    pub fn tree_source(&self) -> Option<(&str, u32)> {
        Some((&self.source.text, self.source.first_line))
    }

    /// The object's whole document parsed again (for an item of a `kind: List`, the List).
    pub fn document_node(&self) -> Option<Node> {
        let (chunk, first_line) = self.tree_source()?;
        yaml::parse_root(chunk, first_line)
    }

    /// The object's node in `root`, its document's node ([`RawObject::document_node`]):
    /// the root itself, or the List's item.
    pub fn in_document<'a>(&self, root: &'a Node) -> Option<&'a Node> {
        match self.list_item {
            None => Some(root),
            Some(i) => match root.get("items") {
                Some(Node {
                    value: Value::Seq(items),
                    ..
                }) => items.get(i),
                _ => None,
            },
        }
    }

    /// Whether the tree is held (see [`RawObject::node`]).
    pub fn holds_tree(&self) -> bool {
        self.tree.is_some()
    }

    /// Parses the object's document again and takes the object's node out of it. The
    /// chunk parsed before, so it parses again the same; were it not to, an empty mapping
    /// at the object's span stands in (never a panic).
    fn parse_again(&self) -> Node {
        let empty = || Node {
            value: Value::Map(Vec::new()),
            span: self.span,
            tag: None,
        };
        let Some(mut root) = self.document_node() else {
            return empty();
        };
        match self.list_item {
            None => root,
            Some(i) => match root.get_mut("items") {
                Some(Node {
                    value: Value::Seq(items),
                    ..
                }) if i < items.len() => items.swap_remove(i),
                _ => empty(),
            },
        }
    }
}

/// The parsed scenario text.
#[derive(Clone, Debug, Default)]
pub struct Manifest {
    /// Every document as parsed, except that the node of each recognised object has moved
    /// into its [`RawObject`] (an empty mapping with the same span stays in its place), so
    /// the parsed YAML is held once.
    pub documents: Vec<yaml::Document>,
    pub objects: Vec<RawObject>,
    pub diagnostics: Vec<Diagnostic>,
    /// What parsing cost (keys compared, alias nodes built), for tests that hold hostile
    /// input to a bound.
    pub work: yaml::ParseWork,
    /// Where each chunk of the text (between `---` separators) is: [`reparse`] splits only
    /// the edited place of the next text again. Empty when the text has `\r` line breaks
    /// (its split is made line by line, whole).
    chunks: Vec<yaml::ChunkAt>,
}

impl Manifest {
    pub fn object(&self, id: usize) -> Option<&RawObject> {
        self.objects.get(id)
    }

    /// Lets go of the objects' trees once the analysis is done with them: each object keeps
    /// its document's text (shared by the document's objects) and parses it again when asked
    /// ([`RawObject::node`]). An item of a `kind: List` document keeps its tree, since
    /// reading it again means parsing the whole list.
    pub fn release_trees(&mut self) {
        for object in &mut self.objects {
            if object.list_item.is_none() {
                object.tree = None;
            }
        }
        // The lists grew by pushes (up to twice the room they need, 10,000 objects in a
        // dump); nothing is added to them after parsing.
        self.objects.shrink_to_fit();
        self.documents.shrink_to_fit();
    }

    /// Fills in the span of a diagnostic that names an object and a path.
    pub fn locate(&self, object: usize, mut diagnostic: Diagnostic) -> Diagnostic {
        if let Some(obj) = self.objects.get(object) {
            if diagnostic.span.is_none() {
                diagnostic.span = Some(obj.locate(&diagnostic.path));
            }
            diagnostic.document.get_or_insert(obj.document);
            if diagnostic.object.is_none() {
                diagnostic.object = Some(obj.describe());
            }
        }
        diagnostic
    }
}

/// The largest scenario svcplay reads, in bytes (16 MiB): one limit wherever a scenario
/// enters — a file or standard input of the `svcplay` command (which reads no more than
/// this and one byte), an inflated share link, an embed's `load` message, a saved draft —
/// and [`parse`] refuses a longer text itself. PRODUCT.md's 5,000-Service dump is 6 MB;
/// it calls a 20 MB input hostile.
pub const MAX_SCENARIO_BYTES: usize = 16 << 20;

/// The error for a scenario of `len` bytes, over [`MAX_SCENARIO_BYTES`].
pub fn too_large(len: usize) -> Option<String> {
    (len > MAX_SCENARIO_BYTES).then(|| {
        format!(
            "the scenario is larger than {} MiB ({MAX_SCENARIO_BYTES} bytes), the most svcplay reads",
            MAX_SCENARIO_BYTES >> 20
        )
    })
}

/// Parses scenario text. Never fails: every problem is a diagnostic, and everything that
/// could be read is returned (nothing of a text over [`MAX_SCENARIO_BYTES`]).
pub fn parse(text: &str) -> Manifest {
    if let Some(message) = too_large(text.len()) {
        return Manifest {
            documents: Vec::new(),
            objects: Vec::new(),
            diagnostics: vec![Diagnostic::error(Stage::Syntax, message)],
            work: yaml::ParseWork::default(),
            chunks: Vec::new(),
        };
    }
    let mut manifest = Manifest::default();
    let mut syntax_errors = Vec::new();
    let chunks = yaml::split_documents(text);
    if !text.as_bytes().contains(&b'\r') {
        manifest.chunks = yaml::ChunkAt::of_all(text, &chunks);
    }
    // The steps of `yaml::parse_documents_counted`, each document read as it is parsed
    // (its objects keep where its chunk is, to parse it again).
    for chunk in chunks {
        let Some(index) = yaml::chunk_start(&chunk, manifest.documents.len(), &mut syntax_errors)
        else {
            continue;
        };
        let mut document = yaml::parse_chunk(&chunk, index, &mut manifest.work, &mut syntax_errors);
        if let Some(root) = &mut document.root {
            read_document(&mut manifest, index, root, &Source::of(&chunk));
        }
        manifest.documents.push(document);
    }
    let decoded = std::mem::take(&mut manifest.diagnostics);
    manifest.diagnostics = syntax_diagnostics(syntax_errors);
    manifest.diagnostics.extend(decoded);
    manifest
}

/// [`parse`] of `text`, given the manifest `previous` parsed from `previous_text`: a
/// document whose chunk (its text between `---` separators, and the separator's own
/// error) is unchanged is taken over from `previous` — its tree, its objects with their
/// strict decoding and its decode diagnostics, moved to its new lines and renumbered —
/// and only the other documents are parsed and read. The result equals `parse(text)`
/// (`tests/incremental.rs` checks it on random edit sequences). A document of
/// `previous` with a syntax error is always parsed again. The text is not split whole
/// again: `previous` keeps where each chunk of `previous_text` is, and only the text
/// between the separators around the place where the two texts differ is split again
/// (its chunks need not be compared either); `previous` must be the parse of
/// `previous_text`.
pub fn reparse(previous: Manifest, previous_text: &str, text: &str) -> Manifest {
    reparse_moved(previous, previous_text, text).0
}

/// Where an edit changed a text: bytes `start..end` of the text before were replaced by
/// bytes `start..new_end` of the text after (what the page's worker knows of the edit
/// it applies). The texts may be alike at its ends too; they must be alike outside it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TextEdit {
    pub start: usize,
    pub end: usize,
    pub new_end: usize,
}

impl TextEdit {
    /// Whether this is an edit of a text `old` bytes long into one `new` bytes long.
    pub(crate) fn fits(&self, old: usize, new: usize) -> bool {
        self.start <= self.end
            && self.start <= self.new_end
            && self.end <= old
            && self.new_end <= new
            && old - self.end == new - self.new_end
    }
}

/// [`reparse`], also saying for each object of the result ([`RawObject::id`]) the id it
/// had in `previous` when its document was taken over (`None` when it was read afresh):
/// the later stages replay what they did with an object that did not change.
pub fn reparse_moved(
    previous: Manifest,
    previous_text: &str,
    text: &str,
) -> (Manifest, Vec<Option<usize>>) {
    reparse_moved_at(previous, previous_text, text, None)
}

/// [`reparse_moved`], told where the texts differ (`edit`, when the caller knows it):
/// they are not compared.
pub fn reparse_moved_at(
    previous: Manifest,
    previous_text: &str,
    text: &str,
    edit: Option<TextEdit>,
) -> (Manifest, Vec<Option<usize>>) {
    let whole = |text: &str| {
        let manifest = parse(text);
        let moved = vec![None; manifest.objects.len()];
        (manifest, moved)
    };
    if too_large(text.len()).is_some() || too_large(previous_text.len()).is_some() {
        return whole(text);
    }
    let mut previous = Some(previous);
    if let Some(done) = reparse_in_place(&mut previous, previous_text, text, edit) {
        return done;
    }
    let Some(previous) = previous else {
        return whole(text);
    };
    // The chunks of the text before, as its parse found them (the whole text is not split
    // again: only the edited place is, below), or split again when it kept none.
    let old_chunks: Option<Vec<yaml::Chunk>> = (previous.chunks.iter())
        .map(|c| c.chunk(previous_text))
        .collect();
    let old_chunks = match old_chunks {
        Some(chunks) if !chunks.is_empty() => chunks,
        _ => yaml::split_documents(previous_text),
    };
    let mut old_document = Vec::with_capacity(old_chunks.len());
    let mut count = 0;
    for chunk in &old_chunks {
        old_document.push((!chunk.is_blank()).then(|| {
            count += 1;
            count - 1
        }));
    }
    // `previous` must be this text's parse, and every diagnostic must say its document.
    if count != previous.documents.len()
        || previous.diagnostics.iter().any(|d| d.document.is_none())
    {
        return whole(text);
    }
    let Manifest {
        documents,
        objects,
        diagnostics,
        work,
        chunks: old_layout,
    } = previous;
    let mut reusable = vec![true; count];
    let mut old_diagnostics: Vec<Vec<Diagnostic>> = vec![Vec::new(); count];
    for d in diagnostics {
        let document = d.document.unwrap_or_default().min(count.saturating_sub(1));
        if d.stage == Stage::Syntax {
            // A document with a syntax error of its own (or after a bad separator) is parsed
            // again, so the syntax errors are all found afresh.
            if let Some(r) = reusable.get_mut(document) {
                *r = false;
            }
        } else if let Some(list) = old_diagnostics.get_mut(document) {
            list.push(d);
        }
    }
    // Each document's objects, taken out of one list (a dump's 10⁴ documents hold one
    // object each: no list per document). Objects come in document order.
    if !objects.is_sorted_by_key(|o| o.document) {
        return whole(text);
    }
    let mut old_ranges: Vec<std::ops::Range<usize>> = vec![0..0; count];
    for (i, o) in objects.iter().enumerate() {
        if let Some(range) = old_ranges.get_mut(o.document) {
            if range.start == range.end {
                *range = i..i;
            }
            range.end = i + 1;
        }
    }
    let mut old_objects: Vec<Option<RawObject>> = objects.into_iter().map(Some).collect();
    let mut old_documents: Vec<Option<yaml::Document>> = documents.into_iter().map(Some).collect();
    // The first `same_before` and last `same_after` chunks are those of the text before,
    // with the same text.
    let (new_chunks, same_before, same_after, layout) =
        match yaml::split_documents_after_edit(previous_text, &old_layout, text, edit) {
            Some((chunks, before, after)) => {
                let layout = yaml::ChunkAt::of_all(text, &chunks);
                (chunks, before, after, layout)
            }
            None => {
                let chunks = yaml::split_documents(text);
                let layout = match text.as_bytes().contains(&b'\r') {
                    true => Vec::new(),
                    false => yaml::ChunkAt::of_all(text, &chunks),
                };
                (chunks, 0, 0, layout)
            }
        };
    drop(old_layout);
    // A chunk is looked for at its own position and at its position counted from the end,
    // which finds every chunk before and after one edited place.
    let from_end = old_chunks.len() as isize - new_chunks.len() as isize;
    let same_from = new_chunks.len() - same_after;
    let mut manifest = Manifest {
        documents: Vec::with_capacity(new_chunks.len()),
        objects: Vec::with_capacity(old_objects.len() + 1),
        diagnostics: Vec::new(),
        work,
        chunks: layout,
    };
    let mut syntax_errors = Vec::new();
    let mut fresh = yaml::ParseWork::default();
    let mut moved = Vec::with_capacity(old_objects.len() + 1);
    for (i, chunk) in new_chunks.iter().enumerate() {
        let Some(index) = yaml::chunk_start(chunk, manifest.documents.len(), &mut syntax_errors)
        else {
            continue;
        };
        let kept = [i as isize, i as isize + from_end]
            .into_iter()
            .filter_map(|j| usize::try_from(j).ok())
            .find_map(|j| {
                let old = old_document.get(j).copied().flatten()?;
                // Outside the edited place the text is known to be the same.
                let same = (i < same_before && j == i)
                    || (i >= same_from && j as isize == i as isize + from_end)
                    || old_chunks[j].same_text(chunk);
                (reusable[old] && old_documents[old].is_some() && same).then_some(old)
            });
        let Some(old) = kept else {
            let mut document = yaml::parse_chunk(chunk, index, &mut fresh, &mut syntax_errors);
            if let Some(root) = &mut document.root {
                read_document(&mut manifest, index, root, &Source::of(chunk));
            }
            manifest.documents.push(document);
            moved.resize(manifest.objects.len(), None);
            continue;
        };
        let Some(mut document) = old_documents[old].take() else {
            continue;
        };
        let delta = i64::from(chunk.first_line) - i64::from(document.first_line);
        document.index = index;
        document.first_line = chunk.first_line;
        document.last_line = (i64::from(document.last_line) + delta) as u32;
        if let Some(root) = &mut document.root {
            root.shift_lines(delta);
        }
        manifest.documents.push(document);
        let range = std::mem::replace(&mut old_ranges[old], 0..0);
        for mut object in old_objects[range].iter_mut().filter_map(Option::take) {
            moved.push(Some(object.id));
            object.id = manifest.objects.len();
            object.document = index;
            object.span = yaml::shift_span(object.span, delta);
            // The same text (its source is kept), at its new lines.
            object.source.first_line = chunk.first_line;
            if let Some(tree) = &mut object.tree {
                tree.shift_lines(delta);
            }
            manifest.objects.push(object);
        }
        for mut d in std::mem::take(&mut old_diagnostics[old]) {
            d.document = Some(index);
            d.span = d.span.map(|s| yaml::shift_span(s, delta));
            manifest.diagnostics.push(d);
        }
    }
    // The work of the documents parsed again replaces that of the ones left behind.
    let mut dropped = yaml::ParseWork::default();
    for (j, chunk) in old_chunks.iter().enumerate() {
        if let Some(old) = old_document[j].filter(|&old| old_documents[old].is_some()) {
            yaml::parse_chunk(chunk, old, &mut dropped, &mut Vec::new());
        }
    }
    manifest.work = manifest.work - dropped + fresh;
    let decoded = std::mem::take(&mut manifest.diagnostics);
    manifest.diagnostics = syntax_diagnostics(syntax_errors);
    manifest.diagnostics.extend(decoded);
    (manifest, moved)
}

/// [`reparse_moved`] in place, for its common case: the text before had no syntax error
/// and no separator followed by more than a comment, and the edit's chunks have none
/// either. The documents, objects and diagnostics before the edited chunks stay where
/// they are (their objects keep their documents' texts); those of the edited chunks are
/// replaced by the new chunks' (parsed); those after are moved (renumbered, their lines
/// shifted) where they are, instead of every document and object being moved
/// into new lists (2.5-4 ms for a 10,000-object dump). `previous` is taken when done;
/// `None` leaves it for the general case.
fn reparse_in_place(
    previous: &mut Option<Manifest>,
    previous_text: &str,
    text: &str,
    edit: Option<TextEdit>,
) -> Option<(Manifest, Vec<Option<usize>>)> {
    let old = previous.as_ref()?;
    if old.chunks.is_empty()
        || old.chunks.iter().any(yaml::ChunkAt::has_separator_error)
        || (old.diagnostics.iter()).any(|d| d.stage == Stage::Syntax || d.document.is_none())
        || !old.diagnostics.is_sorted_by_key(|d| d.document)
        || !old.objects.is_sorted_by_key(|o| o.document)
        || !old.documents.is_sorted_by_key(|d| d.first_line)
    {
        return None;
    }
    // Only the edited place's chunks (the others are moved where they are, below).
    let region = yaml::edited_region(previous_text, &old.chunks, text, edit)?;
    let (before, after) = (region.before, region.after);
    let (old_n, new_n) = (old.chunks.len(), before + region.chunks.len() + after);
    if (region.chunks.iter()).any(|c| c.separator_error.is_some())
        || before >= old_n
        || before + after >= old_n
        || before + after >= new_n
    {
        return None;
    }
    // The documents, objects and diagnostics of the edited chunks, in the lists before.
    let first_line = old.chunks[before].first_line();
    let end_line = (after > 0).then(|| old.chunks[old_n - after].first_line());
    let docs = |d: &yaml::Document| end_line.is_none_or(|end| d.first_line < end);
    let documents = old.documents.partition_point(|d| d.first_line < first_line)
        ..old.documents.partition_point(docs);
    let objects = old
        .objects
        .partition_point(|o| o.document < documents.start)
        ..old.objects.partition_point(|o| o.document < documents.end);
    let in_document = |d: &Diagnostic, below: usize| d.document.is_some_and(|i| i < below);
    let diagnostics = old
        .diagnostics
        .partition_point(|d| in_document(d, documents.start))
        ..old
            .diagnostics
            .partition_point(|d| in_document(d, documents.end));
    let line_delta = match end_line {
        Some(end) => i64::from(region.line_after(end)) - i64::from(end),
        None => 0,
    };
    // The work of the documents left behind, counted again to be taken off.
    let mut dropped = yaml::ParseWork::default();
    for c in &old.chunks[before..old_n - after] {
        let chunk = c.chunk(previous_text)?;
        if !chunk.is_blank() {
            yaml::parse_chunk(&chunk, 0, &mut dropped, &mut Vec::new());
        }
    }
    let mut manifest = previous.take()?;
    // The edited chunks parsed (into a manifest of their own, renumbered below).
    let mut fresh = Manifest::default();
    let mut new_documents = Vec::new();
    let mut syntax_errors = Vec::new();
    for chunk in &region.chunks {
        let next = documents.start + new_documents.len();
        let Some(index) = yaml::chunk_start(chunk, next, &mut syntax_errors) else {
            continue;
        };
        let mut document = yaml::parse_chunk(chunk, index, &mut fresh.work, &mut syntax_errors);
        if let Some(root) = &mut document.root {
            read_document(&mut fresh, index, root, &Source::of(chunk));
        }
        new_documents.push(document);
    }
    manifest.work = manifest.work - dropped + fresh.work;
    let document_shift = new_documents.len() as i64 - documents.len() as i64;
    let object_shift = fresh.objects.len() as i64 - objects.len() as i64;
    let by = |value: usize, shift: i64| (value as i64 + shift) as usize;
    // Documents.
    let after_documents = documents.start + new_documents.len();
    manifest.documents.splice(documents, new_documents);
    for document in &mut manifest.documents[after_documents..] {
        document.index = by(document.index, document_shift);
        document.first_line = (i64::from(document.first_line) + line_delta) as u32;
        document.last_line = (i64::from(document.last_line) + line_delta) as u32;
        if let Some(root) = &mut document.root {
            root.shift_lines(line_delta);
        }
    }
    // Objects: the ones after moved (each keeps its document's text).
    let mut moved: Vec<Option<usize>> =
        Vec::with_capacity(by(manifest.objects.len(), object_shift));
    moved.extend((0..objects.start).map(Some));
    moved.extend(std::iter::repeat_n(None, fresh.objects.len()));
    let after_objects = objects.start + fresh.objects.len();
    for object in &mut fresh.objects {
        object.id += objects.start;
    }
    let old_after = objects.end;
    manifest.objects.splice(objects, fresh.objects);
    for (k, object) in manifest.objects[after_objects..].iter_mut().enumerate() {
        moved.push(Some(old_after + k));
        object.id = by(object.id, object_shift);
        object.document = by(object.document, document_shift);
        object.span = yaml::shift_span(object.span, line_delta);
        let source = &mut object.source;
        source.first_line = (i64::from(source.first_line) + line_delta) as u32;
        if let Some(tree) = &mut object.tree {
            tree.shift_lines(line_delta);
        }
    }
    // Diagnostics: the fresh syntax errors first (as `parse` puts them), then each
    // document's, in document order.
    let after_diagnostics = diagnostics.start + fresh.diagnostics.len();
    manifest.diagnostics.splice(diagnostics, fresh.diagnostics);
    for d in &mut manifest.diagnostics[after_diagnostics..] {
        d.document = d.document.map(|i| by(i, document_shift));
        d.span = d.span.map(|s| yaml::shift_span(s, line_delta));
    }
    if !syntax_errors.is_empty() {
        let decoded = std::mem::take(&mut manifest.diagnostics);
        manifest.diagnostics = syntax_diagnostics(syntax_errors);
        manifest.diagnostics.extend(decoded);
    }
    region.apply(text, &mut manifest.chunks);
    Some((manifest, moved))
}

/// The parser's syntax errors as diagnostics.
fn syntax_diagnostics(errors: Vec<yaml::SyntaxError>) -> Vec<Diagnostic> {
    errors
        .into_iter()
        .map(|e| {
            Diagnostic::error(Stage::Syntax, e.message)
                .with_span(e.span)
                .in_document(e.document)
        })
        .collect()
}

/// Reads the object(s) of one document. Each object's node moves into its [`RawObject`]
/// (the document keeps an empty mapping in its place), so the parsed YAML is held once.
fn read_document(manifest: &mut Manifest, document: usize, root: &mut Node, source: &Source) {
    if root.is_null() {
        return;
    }
    if root.entries().is_none() {
        manifest.diagnostics.push(
            Diagnostic::error(
                Stage::Decode,
                format!(
                    "a document must be a mapping with apiVersion and kind, found {}",
                    shape(root)
                ),
            )
            .with_span(root.span)
            .in_document(document),
        );
        return;
    }
    let kind = root.get("kind").and_then(Node::as_str).unwrap_or("");
    if is_session_kind(
        root.get("apiVersion").and_then(Node::as_str).unwrap_or(""),
        kind,
    ) {
        return;
    }
    if kind == "List" || (kind.ends_with("List") && root.get("items").is_some()) {
        let items_span = root.locate("items");
        match root.get_mut("items") {
            Some(Node {
                value: Value::Seq(items),
                ..
            }) => {
                for (i, item) in items.iter_mut().enumerate() {
                    read_object(manifest, document, Some(i), item, source);
                }
            }
            Some(items) if !items.is_null() => manifest.diagnostics.push(
                Diagnostic::error(Stage::Decode, "items must be a list of objects")
                    .with_path("items")
                    .with_span(items_span)
                    .in_document(document),
            ),
            _ => {}
        }
        return;
    }
    read_object(manifest, document, None, root, source);
}

fn shape(node: &Node) -> &'static str {
    match &node.value {
        Value::Scalar(..) => match node.scalar() {
            Some(Scalar::Str(_)) => "a string",
            Some(Scalar::Null) => "nothing",
            _ => "a scalar",
        },
        Value::Seq(_) => "a list",
        Value::Map(_) => "a mapping",
    }
}

fn read_object(
    manifest: &mut Manifest,
    document: usize,
    list_item: Option<usize>,
    node: &mut Node,
    source: &Source,
) {
    let prefix = list_item
        .map(|i| format!("items[{i}]."))
        .unwrap_or_default();
    let diag = |severity: Severity, path: &str, message: String, span: Span| {
        Diagnostic::new(severity, Stage::Decode, message)
            .with_path(format!("{prefix}{path}"))
            .with_span(span)
            .in_document(document)
    };
    if node.entries().is_none() {
        manifest.diagnostics.push(diag(
            Severity::Error,
            "",
            format!("an object must be a mapping, found {}", shape(node)),
            node.span,
        ));
        return;
    }
    let api_version = node.get("apiVersion").and_then(Node::as_str).unwrap_or("");
    let kind_name = node.get("kind").and_then(Node::as_str).unwrap_or("");
    let mut missing = Vec::new();
    if api_version.is_empty() {
        missing.push("apiVersion not set");
    }
    if kind_name.is_empty() {
        missing.push("kind not set");
    }
    if !missing.is_empty() {
        manifest.diagnostics.push(diag(
            Severity::Error,
            "",
            format!("error validating data: [{}]", missing.join(", ")),
            node.span,
        ));
        return;
    }
    let Some(kind) = Kind::from_name(kind_name).filter(|k| k.api_version() == api_version) else {
        let ignored = IGNORED_KINDS
            .iter()
            .any(|(v, k)| *v == api_version && *k == kind_name);
        let message = if ignored {
            format!("svcplay does not model {kind_name} objects; this document is ignored")
        } else {
            let mut m = format!(
                "no matches for kind {} in version {}",
                go_quote(kind_name),
                go_quote(api_version)
            );
            if let Some(known) = Kind::from_name(kind_name) {
                m.push_str(&format!(
                    " (svcplay reads {kind_name} as apiVersion {})",
                    known.api_version()
                ));
            }
            m
        };
        let severity = if ignored {
            Severity::Info
        } else {
            Severity::Error
        };
        let span = node.entry("kind").map_or(node.span, |e| e.value.span);
        manifest
            .diagnostics
            .push(diag(severity, "kind", message, span));
        return;
    };
    let name = node
        .get("metadata")
        .and_then(|m| m.get("name"))
        .and_then(Node::as_str)
        .unwrap_or("")
        .to_string();
    let namespace = node
        .get("metadata")
        .and_then(|m| m.get("namespace"))
        .and_then(Node::as_str)
        .map(str::to_string);
    if name.is_empty() && !kind.is_component_config() {
        let generate = node
            .get("metadata")
            .and_then(|m| m.get("generateName"))
            .and_then(Node::as_str);
        if generate.is_none_or(str::is_empty) {
            manifest.diagnostics.push(diag(
                Severity::Error,
                "metadata.name",
                "resource name may not be empty".to_string(),
                node.locate("metadata.name"),
            ));
            return;
        }
    }
    let (decode, problems) = decode_with_diagnostics(kind.schema(), node);
    let id = manifest.objects.len();
    let object = RawObject {
        id,
        document,
        list_item,
        kind,
        name,
        namespace,
        span: node.span,
        decode,
        tree: Some(node.take()),
        source: source.clone(),
    };
    for (path, message) in problems {
        let span = object.node().locate_key(&path).1;
        manifest.diagnostics.push(
            Diagnostic::error(Stage::Decode, message)
                .with_path(format!("{prefix}{path}"))
                .with_span(span)
                .in_document(document)
                .about(object.describe()),
        );
    }
    manifest.objects.push(object);
}

/// Strict decoding of one object against its schema, reporting in the API server's order.
pub fn decode(schema: &'static Struct, node: &Node) -> DecodeReport {
    let mut report = DecodeReport::default();
    let mut walker = Walker {
        report: &mut report,
        aborted: false,
        all: None,
    };
    walker.object(schema, node, &mut String::new(), &mut String::new());
    report
}

/// Every unknown field and every wrongly typed value, each with its own path (for the
/// editor: the API server reports only the first type error, the page shows them all).
pub fn strict_diagnostics(schema: &'static Struct, node: &Node) -> Vec<(String, String)> {
    let mut report = DecodeReport::default();
    let mut all = Vec::new();
    let mut walker = Walker {
        report: &mut report,
        aborted: false,
        all: Some(&mut all),
    };
    walker.object(schema, node, &mut String::new(), &mut String::new());
    all
}

/// [`decode`] and [`strict_diagnostics`] in one walk of the tree.
fn decode_with_diagnostics(
    schema: &'static Struct,
    node: &Node,
) -> (DecodeReport, Vec<(String, String)>) {
    let mut report = DecodeReport::default();
    let mut all = Vec::new();
    let mut walker = Walker {
        report: &mut report,
        aborted: false,
        all: Some(&mut all),
    };
    walker.object(schema, node, &mut String::new(), &mut String::new());
    (report, all)
}

struct Walker<'a> {
    report: &'a mut DecodeReport,
    /// A self-decoding type's error ended the decode (see [`Walker::abort`]).
    aborted: bool,
    /// When collecting for the editor: (path with indexes, message) of every problem.
    all: Option<&'a mut Vec<(String, String)>>,
}

/// Appends `.field` to a path (just `field` to the empty path). The walker extends and
/// truncates one buffer per path instead of building a string for every field it visits.
fn push_field(path: &mut String, field: &str) {
    if !path.is_empty() {
        path.push('.');
    }
    path.push_str(field);
}

/// A mapping key as the JSON key it becomes, borrowed when it is a plain string.
fn key_text(key: &Node) -> std::borrow::Cow<'_, str> {
    match key.scalar() {
        Some(Scalar::Str(s)) => std::borrow::Cow::Borrowed(s),
        _ => std::borrow::Cow::Owned(key.key_string().unwrap_or_default()),
    }
}

/// `UnmarshalTypeError.Error()` with the field context `addErrorContext` adds: the
/// struct holding the field and the dotted field path from the root (no list indexes).
fn mismatch(parent: &Struct, path: &str, what: &str, go_type: &str) -> String {
    format!(
        "json: cannot unmarshal {what} into Go struct field {}.{path} of type {go_type}",
        parent.name()
    )
}

/// The `Value` of Go's `UnmarshalTypeError` for a JSON value decoded into `target`:
/// `literalStore` prints the number itself (`number 99999999999`) only when the target is
/// an integer or a float that cannot hold it; any other target gets the bare JSON type.
/// (kubernetes-sigs/json `decode.go`, `literalStore`, `array`, `object`.)
fn json_kind(node: &Node, numeric_target: bool) -> String {
    match &node.value {
        Value::Seq(_) => "array".to_string(),
        Value::Map(_) => "object".to_string(),
        Value::Scalar(text, _) => match node.scalar() {
            Some(Scalar::Int(_)) | Some(Scalar::Float(_)) if numeric_target => {
                format!("number {}", number_text(node, text))
            }
            Some(s) => s.json_type().to_string(),
            None => "string".to_string(),
        },
    }
}

/// The number as it appears in the JSON the API server receives.
fn number_text(node: &Node, text: &str) -> String {
    match node.scalar() {
        Some(Scalar::Int(i)) => i.to_string(),
        Some(Scalar::Float(f)) if f.is_finite() => {
            if f.fract() == 0.0 && f.abs() < 1e21 {
                format!("{}", f as i128)
            } else {
                format!("{f}")
            }
        }
        _ => text.to_string(),
    }
}

/// The JSON text a self-decoding type's `UnmarshalJSON` receives, as far as its parser
/// looks at it (a string without its quotes for `Quantity`; a non-scalar only needs to
/// start with its bracket).
fn literal_text(node: &Node) -> String {
    match &node.value {
        Value::Seq(_) => "[".into(),
        Value::Map(_) => "{".into(),
        Value::Scalar(text, _) => match node.scalar() {
            Some(Scalar::Str(s)) => s.to_string(),
            Some(Scalar::Bool(b)) => b.to_string(),
            Some(Scalar::Null) => "null".into(),
            _ => number_text(node, text),
        },
    }
}

/// Whether an integer fits the named Go integer type.
fn int_fits(width: &str, i: i128) -> bool {
    match width {
        "int32" => i32::try_from(i).is_ok(),
        "uint8" => u8::try_from(i).is_ok(),
        _ => i64::try_from(i).is_ok(),
    }
}

impl Walker<'_> {
    /// A `d.saveError`: the first one is reported unless a later error aborts the decode.
    fn type_error(&mut self, path_indexed: &str, message: String) {
        if self.report.type_error.is_none() {
            self.report.type_error = Some(message.clone());
        }
        if let Some(all) = self.all.as_deref_mut() {
            all.push((path_indexed.to_string(), message));
        }
    }

    /// An error returned by a type's own `UnmarshalJSON` (IntOrString, Time, Quantity):
    /// Go's decoder stops there and `unmarshal()` returns it, with the field context, in
    /// place of any error saved before it. Later problems are still listed for the editor.
    fn abort(&mut self, path_indexed: &str, message: String) {
        if !self.aborted {
            self.aborted = true;
            self.report.type_error = Some(message.clone());
        }
        if let Some(all) = self.all.as_deref_mut() {
            all.push((path_indexed.to_string(), message));
        }
    }

    fn unknown(&mut self, path_indexed: &str) {
        self.report.unknown_fields.push(path_indexed.to_string());
        if let Some(all) = self.all.as_deref_mut() {
            let (parent, field) = match path_indexed.rfind('.') {
                Some(i) => (&path_indexed[..i], &path_indexed[i + 1..]),
                None => ("", path_indexed),
            };
            let hint = if parent.is_empty() {
                String::new()
            } else {
                format!(" in {parent}")
            };
            all.push((
                path_indexed.to_string(),
                format!("unknown field {}{hint}", go_quote(field)),
            ));
        }
    }

    /// `path` is the dotted JSON path without indexes (for Go's messages); `indexed` has them.
    fn object(
        &mut self,
        schema: &'static Struct,
        node: &Node,
        path: &mut String,
        indexed: &mut String,
    ) {
        let Some(entries) = node.entries() else {
            return;
        };
        // JSON re-encoding sorts keys: walk in that order so "first" matches the server.
        let mut sorted: Vec<(std::borrow::Cow<'_, str>, &Node)> = entries
            .iter()
            .map(|e| (key_text(&e.key), &e.value))
            .collect();
        sorted.sort_by(|a, b| a.0.cmp(&b.0));
        let (path_len, indexed_len) = (path.len(), indexed.len());
        for (key, value) in sorted {
            push_field(path, &key);
            push_field(indexed, &key);
            match schema.field(&key) {
                None => self.unknown(indexed),
                Some(ty) => self.value(ty, value, schema, path, indexed),
            }
            path.truncate(path_len);
            indexed.truncate(indexed_len);
        }
    }

    fn value(
        &mut self,
        ty: Ty,
        node: &Node,
        parent: &'static Struct,
        path: &mut String,
        indexed: &mut String,
    ) {
        if node.is_null() {
            return;
        }
        let numeric = matches!(ty, Ty::Int(_) | Ty::Float);
        let wrong = |path: &str| mismatch(parent, path, &json_kind(node, numeric), &ty.go_name());
        match ty {
            Ty::Any => {}
            Ty::Str(_) => {
                if !matches!(node.scalar(), Some(Scalar::Str(_))) {
                    let m = wrong(path);
                    self.type_error(indexed, m);
                }
            }
            Ty::Bool => {
                if !matches!(node.scalar(), Some(Scalar::Bool(_))) {
                    let m = wrong(path);
                    self.type_error(indexed, m);
                }
            }
            Ty::Float => {
                if !matches!(node.scalar(), Some(Scalar::Int(_)) | Some(Scalar::Float(_))) {
                    let m = wrong(path);
                    self.type_error(indexed, m);
                }
            }
            Ty::Int(width) => {
                let ok = match node.scalar() {
                    Some(Scalar::Int(i)) => int_fits(width, i),
                    Some(Scalar::Float(f)) if f.fract() == 0.0 && f.abs() < 9.0e15 => {
                        int_fits(width, f as i128)
                    }
                    _ => false,
                };
                if !ok {
                    let m = wrong(path);
                    self.type_error(indexed, m);
                }
            }
            Ty::Bytes => match node.scalar() {
                Some(Scalar::Str(s)) => {
                    // A base64 error is saved without field context (not a type error).
                    if let Err(e) = gotypes::check_base64(s) {
                        self.type_error(indexed, e);
                    }
                }
                _ if node.items().is_some() => {
                    self.value(Ty::Array(&Ty::Int("uint8")), node, parent, path, indexed)
                }
                _ => {
                    let m = wrong(path);
                    self.type_error(indexed, m);
                }
            },
            // IntOrString.UnmarshalJSON: a string is kept; anything else goes through
            // json.Unmarshal into an int32, whose error unmarshal() gives this field's context.
            Ty::IntOrString => match node.scalar() {
                Some(Scalar::Str(_)) => {}
                Some(Scalar::Int(i)) if i32::try_from(i).is_ok() => {}
                Some(Scalar::Float(f)) if f.fract() == 0.0 && i32::try_from(f as i128).is_ok() => {}
                _ => {
                    let m = mismatch(parent, path, &json_kind(node, true), "int32");
                    self.abort(indexed, m);
                }
            },
            // metav1.Time.UnmarshalJSON: json.Unmarshal into a string, then
            // time.Parse(time.RFC3339, ...), whose error has no field context.
            Ty::Time => match node.scalar() {
                Some(Scalar::Str(s)) => {
                    if let Err(e) = gotypes::parse_rfc3339(s) {
                        self.abort(indexed, e);
                    }
                }
                _ => {
                    let m = mismatch(parent, path, &json_kind(node, false), "string");
                    self.abort(indexed, m);
                }
            },
            // Quantity.UnmarshalJSON: ParseQuantity of the literal (quotes stripped).
            Ty::Quantity => {
                if let Err(e) = gotypes::parse_quantity(&literal_text(node)) {
                    self.abort(indexed, e.to_string());
                }
            }
            Ty::Map(_, value_ty) => match node.entries() {
                Some(entries) => {
                    let mut sorted: Vec<(std::borrow::Cow<'_, str>, &Node)> = entries
                        .iter()
                        .map(|e| (key_text(&e.key), &e.value))
                        .collect();
                    sorted.sort_by(|a, b| a.0.cmp(&b.0));
                    let indexed_len = indexed.len();
                    for (key, value) in sorted {
                        indexed.push('[');
                        indexed.push_str(&key);
                        indexed.push(']');
                        self.value(*value_ty, value, parent, path, indexed);
                        indexed.truncate(indexed_len);
                    }
                }
                None => {
                    let m = wrong(path);
                    self.type_error(indexed, m);
                }
            },
            Ty::Array(item_ty) => match node.items() {
                Some(items) => {
                    let indexed_len = indexed.len();
                    for (i, item) in items.iter().enumerate() {
                        let _ = write!(indexed, "[{i}]");
                        self.value(*item_ty, item, parent, path, indexed);
                        indexed.truncate(indexed_len);
                    }
                }
                None => {
                    let m = wrong(path);
                    self.type_error(indexed, m);
                }
            },
            Ty::Struct(s) => {
                if node.entries().is_some() {
                    self.object(s, node, path, indexed);
                } else {
                    let m = wrong(path);
                    self.type_error(indexed, m);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_documents_lists_and_reports_unknown_kinds() {
        let text = "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Service\n  metadata: {name: a}\n---\napiVersion: v1\nkind: Widget\nmetadata: {name: w}\n---\napiVersion: v1\nkind: Deployment\nmetadata: {name: d}\n";
        let m = parse(text);
        assert_eq!(m.objects.len(), 1);
        assert_eq!(m.objects[0].list_item, Some(0));
        let messages: Vec<&str> = m.diagnostics.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(
            messages[0],
            "no matches for kind \"Widget\" in version \"v1\""
        );
        assert!(messages[1].starts_with("no matches for kind \"Deployment\" in version \"v1\" (svcplay reads Deployment as apiVersion apps/v1)"));
        assert_eq!(m.diagnostics[0].span.unwrap().start.line, 9);
    }

    /// An object whose tree was let go parses to the same tree again, also after an edit
    /// moved its document (issue 19 item 4: the analysis keeps the text, not the trees).
    #[test]
    fn a_released_tree_parses_again_the_same() {
        let text = "# a dump\napiVersion: v1\nkind: Service\nmetadata: {name: a}\nspec:\n  ports:\n  - port: 80\n---\napiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Namespace\n  metadata:\n    name: ns\n- apiVersion: v1\n  kind: Node\n  metadata: {name: w}\n---\r\napiVersion: v1\r\nkind: Pod\r\nmetadata:\r\n  name: p\r\n";
        let fresh = parse(text);
        let trees: Vec<Node> = fresh
            .objects
            .iter()
            .map(|o| o.node().into_owned())
            .collect();
        let mut released = fresh.clone();
        released.release_trees();
        assert!(!released.objects[0].holds_tree());
        for (object, tree) in released.objects.iter().zip(&trees) {
            assert_eq!(&*object.node(), tree, "{}", object.describe());
            assert_eq!(object.span, tree.span);
        }
        // Two comment lines more in the first document: it is parsed again, the others
        // (a list's items and a document with CRLF line ends) move two lines down.
        let edited = text.replacen("# a dump\n", "# a dump\n#\n#\n", 1);
        let (moved, from) = reparse_moved(released, text, &edited);
        assert_eq!(from, vec![None, Some(1), Some(2), Some(3)]);
        assert!(!moved.objects[3].holds_tree());
        let whole = parse(&edited);
        for (object, expected) in moved.objects.iter().zip(&whole.objects) {
            assert_eq!(*object.node(), *expected.node(), "{}", object.describe());
            assert_eq!(object.span, expected.span);
            assert_eq!(
                object.locate("metadata.name"),
                expected.locate("metadata.name")
            );
        }
    }

    #[test]
    fn strict_decoding_matches_the_api_server() {
        let text = "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  prots:\n  - port: 80\n  ports:\n  - port: \"80\"\n    targetport: 8080\n";
        let m = parse(text);
        let report = &m.objects[0].decode;
        assert_eq!(
            report.type_error.as_deref(),
            Some(
                "json: cannot unmarshal string into Go struct field ServicePort.spec.ports.port of type int32"
            )
        );
        assert_eq!(
            report.unknown_fields,
            vec!["spec.ports[0].targetport", "spec.prots"]
        );
        let unknown = m
            .diagnostics
            .iter()
            .find(|d| d.path == "spec.prots")
            .unwrap();
        assert_eq!(unknown.span.unwrap().start.line, 6);
        assert_eq!(unknown.span.unwrap().start.column, 3);
    }

    /// Issue 20 item 6: fields new in v1.35 are in the generated schema.
    #[test]
    fn v1_35_pod_status_fields_decode() {
        let m = parse(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  workloadRef: {name: w, podGroup: g}\n  containers: [{name: c, image: nginx}]\nstatus:\n  allocatedResources: {cpu: 500m}\n  resources: {limits: {cpu: '1'}}\n",
        );
        assert!(m.objects[0].decode.is_clean(), "{:?}", m.objects[0].decode);
    }

    #[test]
    fn yaml_1_1_booleans_are_type_errors_in_labels() {
        let m =
            parse("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  labels:\n    enabled: yes\n");
        assert_eq!(
            m.objects[0].decode.type_error.as_deref(),
            Some(
                "json: cannot unmarshal bool into Go struct field ObjectMeta.metadata.labels of type string"
            )
        );
    }
}
