//! The incremental analysis equals the full one: random edit sequences on generated
//! scenarios, each step analysed both ways (`Analysis::edit` from the previous step's
//! incremental result, and `analyze` of the whole text), compared byte for byte — the
//! whole analysis (the parsed manifest with every span, the stored and generated objects,
//! the admissions, the diagnostics, kube-proxy's configuration) and what every view
//! prints: kubectl's tables, EndpointSlices, Endpoints and nodes, `kubectl apply`'s listing
//! (each admission found by its object id), `dig`, `iptables-save`,
//! `nft list ruleset`, `ipvsadm -Ln`, kube-proxy's lines with their provenance on every
//! node in every mode, and the diagnostics as the page lists them. What changed is
//! compared too, measured as the page's worker measures it — from what it keeps of the
//! analysis an edit consumes (`Analysis::downstream` and kube-proxy on the node on show,
//! taken before the edit; `changes::diff_from`) — against `changes::diff_every_group` of
//! the two full analyses (every chain, set and virtual server of both listed and compared
//! as text, where `diff` compares only the iptables chains whose typed rules differ). The page asks what changed only after a pause in typing: some steps measure
//! nothing, so that the next measure patches the endpoints and DNS records of an analysis
//! several edits back (`changes::Downstream::patched`); each one measured equals
//! `Downstream::of` the full analysis.
//!
//! The generator is seeded (a failure prints the seed, the case and the edit), so a run is
//! the same everywhere; `SVCPLAY_INCREMENTAL_CASES` runs more cases.

#[path = "support/outputs.rs"]
mod outputs;
use outputs::{Rng, outputs};
use svcplay::changes::{Downstream, diff, diff_every_group, diff_from};
use svcplay::examples;
use svcplay::proxy::config::ProxyMode;
use svcplay::scenario::{Analysis, Options, analyze};
use svcplay::views::{self, Context};

/// Workloads, selectors and named ports, so that an edit reaches the controllers.
const WORKLOADS: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 3
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: nginx
        image: nginx
        ports:
        - name: http
          containerPort: 80
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  type: NodePort
  selector:
    app: web
  ports:
  - port: 80
    targetPort: http
---
apiVersion: v1
kind: Pod
metadata:
  name: client
  labels:
    app: client
spec:
  containers:
  - name: c
    image: busybox
---
apiVersion: v1
kind: Service
metadata:
  name: db
  namespace: default
spec:
  clusterIP: None
  selector:
    app: web
  ports:
  - port: 5432
";

/// Services the API server allocates for (no ClusterIP written, NodePorts and
/// health-check ports of every kind), some asking for values explicitly, so that an edit
/// of one can move what another would be given.
fn allocating() -> String {
    let mut text = String::new();
    for i in 0..8 {
        let (type_, extra) = match i % 4 {
            0 => ("ClusterIP", ""),
            1 => ("NodePort", "\n    nodePort: 30100"),
            2 => ("LoadBalancer", ""),
            _ => ("NodePort", ""),
        };
        let policy = if i == 2 {
            "\n  externalTrafficPolicy: Local"
        } else {
            ""
        };
        let ip = if i == 4 {
            "\n  clusterIP: 10.96.0.20"
        } else {
            ""
        };
        text.push_str(&format!(
            "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: svc-{i}\n  namespace: team-{}\nspec:\n  type: {type_}{policy}{ip}\n  selector:\n    app: web\n  ports:\n  - name: http\n    port: 80{extra}\n",
            i % 2
        ));
        if i == 1 {
            text.push_str("---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: team-1\n");
        }
    }
    format!("{WORKLOADS}---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: team-0\n{text}")
}

/// The scenarios the edits start from.
fn bases() -> Vec<String> {
    let mut bases: Vec<String> = examples::EXAMPLES
        .iter()
        .map(|e| e.text.to_string())
        .collect();
    bases.push(examples::dump::large_dump(12, 3));
    bases.push(WORKLOADS.to_string());
    bases.push(format!("{WORKLOADS}---\n{}", examples::DEFAULT));
    bases.push(allocating());
    bases.push(allocating());
    bases
}

/// Fields an edit gives another value (`key: ` at the start of a line's text, the
/// values it may get): what changes selectors, ports, replicas, types and allocations.
const FIELDS: &[(&str, &[&str])] = &[
    ("app: ", &["web", "db", "other", "client"]),
    ("replicas: ", &["0", "1", "2", "5"]),
    (
        "type: ",
        &["ClusterIP", "NodePort", "LoadBalancer", "ExternalName"],
    ),
    ("port: ", &["80", "81", "8080", "443"]),
    ("targetPort: ", &["http", "8080", "80", "web"]),
    ("nodePort: ", &["30100", "30101", "31000", "80"]),
    (
        "clusterIP: ",
        &["None", "10.96.0.20", "10.96.16.3", "10.96.0.10", "\"\""],
    ),
    (
        "namespace: ",
        &["default", "team-0", "team-1", "team-9", "missing"],
    ),
    (
        "name: ",
        &["web", "svc-1", "svc-00003", "team-1", "node-01"],
    ),
    ("externalTrafficPolicy: ", &["Cluster", "Local"]),
    ("ready: ", &["true", "false"]),
    ("hostname: ", &["web-0", "db", "a.b"]),
];

/// Values an edit writes over a word of the text.
const WORDS: &[&str] = &[
    "web",
    "app",
    "80",
    "8080",
    "NodePort",
    "ClusterIP",
    "LoadBalancer",
    "None",
    "true",
    "false",
    "3",
    "0",
    "10.96.0.20",
    "TCP",
    "UDP",
    "http",
    "Local",
    "ipvs",
    "nftables",
    "node-01",
    "team-1",
    "x",
    "",
    "{",
    "- ",
    ": ",
    "\"",
    "[10.200.0.9]",
];

/// Lines an edit inserts.
const LINES: &[&str] = &[
    "---\n",
    "  labels:\n    app: web\n",
    "# a comment\n",
    "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: extra\nspec:\n  selector:\n    app: web\n  ports:\n  - port: 81\n",
    "---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: team-1\n",
    "---\napiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\nmode: ipvs\n",
    "---\napiVersion: v1\nkind: Node\nmetadata:\n  name: node-99\n",
    "  bogus: 1\n",
    "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: alias\nspec:\n  type: ExternalName\n  externalName: web.default.svc.cluster.local\n",
    "---\napiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata:\n  name: web-extra\n  labels:\n    kubernetes.io/service-name: web\naddressType: IPv4\nports:\n- name: http\n  port: 8080\nendpoints:\n- addresses: [10.200.0.9]\n  hostname: web-9\n  conditions: {ready: false}\n",
    "--- bad\n",
    "\t\n",
];

/// One random edit of `text`: what a person does in the editor (a keystroke, a deleted
/// range, a pasted line, a value typed over), or a whole document moved or removed.
fn edit(rng: &mut Rng, text: &str) -> (String, String) {
    let boundaries: Vec<usize> = (0..=text.len())
        .filter(|&i| text.is_char_boundary(i))
        .collect();
    let at = *rng.pick(&boundaries);
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let mut out = text.to_string();
    let what = match rng.below(9) {
        7 | 8 => {
            // A field given another value (a selector, a port, replicas, a type...).
            let (key, values) = rng.pick(FIELDS);
            let places: Vec<usize> = text
                .match_indices(key)
                .map(|(i, _)| i)
                .filter(|&i| text[..i].ends_with([' ', '\n', '-', '{']))
                .collect();
            if places.is_empty() {
                out.insert_str(line_start, "# nothing to change\n");
                return (out, format!("no {key:?}: a comment at {line_start}"));
            }
            let place = *rng.pick(&places) + key.len();
            let end = text[place..]
                .find(['\n', ',', '}', ']'])
                .map_or(text.len(), |i| place + i);
            let value = rng.pick(values);
            out.replace_range(place..end, value);
            format!("set {key:?}{:?} at {place} to {value:?}", &text[place..end])
        }
        0 => {
            let c = *rng.pick(&['a', '1', ' ', '\n', ':', '-', '#', 'é']);
            out.insert(at, c);
            format!("insert {c:?} at {at}")
        }
        1 => {
            let ends: Vec<usize> = boundaries
                .iter()
                .copied()
                .filter(|&e| e >= at && e <= at + 40)
                .collect();
            let end = *rng.pick(&ends);
            out.replace_range(at..end, "");
            format!("delete {at}..{end}")
        }
        2 => {
            let line = rng.pick(LINES);
            out.insert_str(line_start, line);
            format!("insert line {line:?} at {line_start}")
        }
        3 | 4 => {
            // A word (letters, digits, dots) typed over.
            let word_start = text[..at]
                .rfind(|c: char| !(c.is_alphanumeric() || c == '.' || c == '-'))
                .map_or(0, |i| i + 1);
            let word_end = text[at..]
                .find(|c: char| !(c.is_alphanumeric() || c == '.' || c == '-'))
                .map_or(text.len(), |i| at + i);
            let word = rng.pick(WORDS);
            out.replace_range(word_start..word_end, word);
            format!(
                "replace {:?} at {word_start} by {word:?}",
                &text[word_start..word_end]
            )
        }
        5 => {
            // A document removed or duplicated.
            let starts: Vec<usize> = std::iter::once(0)
                .chain(text.match_indices("\n---").map(|(i, _)| i + 1))
                .collect();
            let k = rng.below(starts.len());
            let start = starts[k];
            let end = starts.get(k + 1).copied().unwrap_or(text.len());
            let choice = rng.below(3);
            if choice == 0 {
                out.replace_range(start..end, "");
                format!("remove document {start}..{end}")
            } else if choice == 1 {
                // Moved after another document (cut and pasted).
                let doc = text[start..end].trim_start_matches("---\n").to_string();
                let doc = if doc.ends_with('\n') {
                    doc
                } else {
                    format!("{doc}\n")
                };
                out.replace_range(start..end, "");
                let targets: Vec<usize> = std::iter::once(out.len())
                    .chain(out.match_indices("\n---").map(|(i, _)| i + 1))
                    .collect();
                let to = *rng.pick(&targets);
                let doc = if to == out.len() && !out.is_empty() && !out.ends_with('\n') {
                    format!("\n---\n{doc}")
                } else {
                    format!("---\n{doc}")
                };
                out.insert_str(to, &doc);
                format!("move document {start}..{end} to {to}")
            } else {
                let doc = text[start..end].to_string();
                let doc = if doc.starts_with("---") {
                    doc
                } else {
                    format!("---\n{doc}")
                };
                let doc = if doc.ends_with('\n') {
                    doc
                } else {
                    format!("{doc}\n")
                };
                out.insert_str(end.min(out.len()), &doc);
                format!("duplicate document {start}..{end}")
            }
        }
        _ => {
            // The line joined to the next (a deleted line break).
            match text[at..].find('\n') {
                Some(i) => {
                    out.replace_range(at + i..at + i + 1, "");
                    format!("join line at {}", at + i)
                }
                None => {
                    out.push('\n');
                    "newline at the end".to_string()
                }
            }
        }
    };
    (out, what)
}

#[test]
fn incremental_analysis_equals_a_full_one() {
    let cases: usize = std::env::var("SVCPLAY_INCREMENTAL_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(24);
    const EDITS: usize = 6;
    let bases = bases();
    let mut rng = Rng(0x5eed_1c4e);
    let mut compared = 0;
    let (mut replayed, mut admitted) = (0, 0);
    let mut changes_compared = 0;
    // Edits whose admission was carried over in bulk (`apiserver::carry`).
    let mut carried = 0;
    for case in 0..cases {
        let seed = rng.next();
        let mut case_rng = Rng(seed);
        let mut text = case_rng.pick(&bases).clone();
        let mut incremental = analyze(&text, Options::default());
        let mut full_before = analyze(&text, Options::default());
        // The mode on show, drawn apart from the edits (`None`: the configured one).
        let mut view_rng = Rng(seed ^ 0x0123_4567_89ab_cdef);
        let mut at_rng = Rng(seed ^ 0x7e47_ed17_0000_0001);
        for step in 0..EDITS {
            let (edited, what) = edit(&mut case_rng, &text);
            // What the worker keeps of the analysis before the edit consumes it.
            let mode = *view_rng.pick(&[
                None,
                Some(ProxyMode::Iptables),
                Some(ProxyMode::Nftables),
                Some(ProxyMode::Ipvs),
                Some(ProxyMode::Userspace),
            ]);
            let node = incremental.default_node();
            // Whether the page asks what this edit changed (after a pause in typing).
            let measured = view_rng.below(3) != 0;
            let kept = incremental.proxy_in(&node, mode.unwrap_or(incremental.proxy_config.mode));
            let before = measured.then(|| incremental.downstream());
            // Told where the texts differ (as the page's worker is), or not.
            let at = edited_range(&mut at_rng, &text, &edited);
            incremental = incremental.edit_at(&text, &edited, at, &mut |_| {});
            let full = analyze(&edited, Options::default());
            // The node on show afterwards (the default one when the edit removed it: the
            // worker then analyses the text before again, `diff` itself).
            if let Some(before) = before.filter(|_| incremental.node_names().contains(&node)) {
                let now =
                    incremental.proxy_in(&node, mode.unwrap_or(incremental.proxy_config.mode));
                let downstream = incremental.downstream();
                assert!(
                    *downstream == Downstream::of(&full.objects),
                    "case {case} (seed {seed:#x}), edit {step}: {what}: the endpoints and DNS \
                     records patched after the edit differ from a full measure"
                );
                let got = diff_from(&before, &kept, &downstream, &now);
                let want = diff_every_group(&full_before, &full, &node, mode);
                assert_eq!(
                    format!("{:#?}", diff(&full_before, &full, &node, mode)),
                    format!("{want:#?}"),
                    "case {case} (seed {seed:#x}), edit {step}: {what}: the chains compared \
                     as typed rules on {node} in {mode:?}"
                );
                assert_eq!(
                    format!("{got:#?}"),
                    format!("{want:#?}"),
                    "case {case} (seed {seed:#x}), edit {step}: {what}: what changed on {node} in {mode:?}"
                );
                changes_compared += 1;
            }
            replayed += incremental.admissions_replayed();
            carried += usize::from(incremental.admissions_carried_over());
            admitted += full.admissions.len();
            for ((name, got), (_, want)) in outputs(&incremental).iter().zip(outputs(&full)) {
                if *got != want {
                    let at = got
                        .bytes()
                        .zip(want.bytes())
                        .position(|(a, b)| a != b)
                        .unwrap_or(got.len().min(want.len()));
                    let around = |s: &str| {
                        let mut from = at.saturating_sub(300).min(s.len());
                        while !s.is_char_boundary(from) {
                            from -= 1;
                        }
                        let mut to = (at + 300).min(s.len());
                        while !s.is_char_boundary(to) {
                            to += 1;
                        }
                        s[from..to].to_string()
                    };
                    panic!(
                        "case {case} (seed {seed:#x}), edit {step}: {what}\n{name} differs at byte {at}:\n\
                         incremental: …{}…\nfull:        …{}…\n--- the edited text ---\n{edited}",
                        around(got),
                        around(&want),
                    );
                }
                compared += 1;
            }
            text = edited;
            full_before = full;
        }
    }
    println!(
        "{cases} cases × {EDITS} edits: {compared} outputs byte-equal, {changes_compared} \
         changes equal; {replayed} of {admitted} admissions replayed; {carried} edits carried \
         over in bulk"
    );
}

/// Where `before` was edited into `after`, as the page's worker says it
/// (`Analysis::edit_at`): the bytes that differ and up to 40 alike on each side (the
/// worker's replaced range need not be the least one); `None` a third of the time (the
/// texts are compared).
fn edited_range(rng: &mut Rng, before: &str, after: &str) -> Option<svcplay::manifest::TextEdit> {
    if rng.below(3) == 0 {
        return None;
    }
    let (a, b) = (before.as_bytes(), after.as_bytes());
    let prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let suffix = (a[prefix..].iter().rev())
        .zip(b[prefix..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let mut start = prefix - rng.below(prefix.min(40) + 1);
    while !before.is_char_boundary(start) {
        start -= 1;
    }
    let mut kept = suffix - rng.below(suffix.min(40) + 1);
    while !before.is_char_boundary(a.len() - kept) {
        kept -= 1;
    }
    Some(svcplay::manifest::TextEdit {
        start,
        end: a.len() - kept,
        new_end: b.len() - kept,
    })
}

/// Compares every output of `incremental` with a full analysis of `text`.
fn assert_equal_to_full(incremental: &Analysis, text: &str, what: &str) {
    let full = analyze(text, Options::default());
    for ((name, got), (_, want)) in outputs(incremental).iter().zip(outputs(&full)) {
        assert!(
            *got == want,
            "{what}: {name} differs\nincremental: {got}\nfull: {want}\n--- the text ---\n{text}"
        );
    }
}

/// The edits the API server's replay could get wrong, one after another on the
/// allocating scenario, each compared with a full analysis: a Service applied again
/// after its first document was replayed (the UID the controllers derived must not leak
/// into what admission reads), a rename onto another Service's name and back, a
/// ClusterIP written that another Service holds, a selector and a Deployment's replicas
/// edited, a document moved to the end, a namespace removed and restored.
#[test]
fn replay_sensitive_edits_equal_a_full_analysis() {
    let svc = |name: &str, extra: &str| {
        format!(
            "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\n  namespace: team-0\nspec:\n  type: NodePort\n  selector:\n    app: web\n  ports:\n  - name: http\n    port: 80{extra}\n"
        )
    };
    let base = allocating();
    type Step = Box<dyn Fn(&str) -> String>;
    let steps: Vec<(&str, Step)> = vec![
        (
            "svc-0 applied again at the end",
            Box::new(move |t: &str| format!("{t}{}", svc("svc-0", ""))),
        ),
        (
            "the second svc-0 given a second port",
            Box::new(|t: &str| format!("{t}  - name: extra\n    port: 81\n")),
        ),
        (
            "a third svc-0 document, refused (a NodePort out of range)",
            Box::new(move |t: &str| format!("{t}{}", svc("svc-0", "\n    nodePort: 80"))),
        ),
        (
            "a fourth svc-0 document, applied",
            Box::new(move |t: &str| format!("{t}{}", svc("svc-0", "\n    nodePort: 30999"))),
        ),
        (
            "svc-2 renamed onto svc-4",
            Box::new(|t: &str| t.replacen("name: svc-2\n", "name: svc-4\n", 1)),
        ),
        (
            "and back",
            Box::new(|t: &str| t.replacen("name: svc-4\n", "name: svc-2\n", 1)),
        ),
        (
            "svc-6 asks for svc-4's ClusterIP",
            Box::new(|t: &str| {
                t.replacen(
                    "name: svc-6\n  namespace: team-0\nspec:\n",
                    "name: svc-6\n  namespace: team-0\nspec:\n  clusterIP: 10.96.0.20\n",
                    1,
                )
            }),
        ),
        (
            "svc-4 lets it go",
            Box::new(|t: &str| t.replacen("clusterIP: 10.96.0.20\n  selector", "selector", 1)),
        ),
        (
            "svc-5 asks for svc-1's NodePort",
            Box::new(|t: &str| {
                t.replacen(
                    "name: svc-5\n  namespace: team-1\nspec:\n  type: NodePort\n",
                    "name: svc-5\n  namespace: team-1\nspec:\n  type: NodePort\n  healthCheckNodePort: 30100\n",
                    1,
                )
            }),
        ),
        (
            "a selector edited",
            Box::new(|t: &str| {
                t.replacen("selector:\n    app: web\n", "selector:\n    app: db\n", 1)
            }),
        ),
        (
            "the Deployment's replicas",
            Box::new(|t: &str| t.replacen("replicas: 3", "replicas: 1", 1)),
        ),
        (
            "the first Service moved to the end",
            Box::new(|t: &str| {
                let start = t
                    .find("---\napiVersion: v1\nkind: Service")
                    .expect("a Service");
                let end = start + 4 + t[start + 4..].find("---\n").expect("a next document");
                format!("{}{}{}", &t[..start], &t[end..], &t[start..end])
            }),
        ),
        (
            "namespace team-1 removed",
            Box::new(|t: &str| {
                t.replacen(
                    "kind: Namespace\nmetadata:\n  name: team-1\n",
                    "kind: Namespace\nmetadata:\n  name: team-7\n",
                    1,
                )
            }),
        ),
        (
            "and restored",
            Box::new(|t: &str| t.replacen("name: team-7\n", "name: team-1\n", 1)),
        ),
    ];
    let mut text = base;
    let mut incremental = analyze(&text, Options::default());
    for (what, step) in &steps {
        let edited = step(&text);
        assert_ne!(edited, text, "{what}: the step changes nothing");
        incremental = incremental.edit(&text, &edited);
        assert_equal_to_full(&incremental, &edited, what);
        text = edited;
    }
}

/// The edits the manifest's split after an edit could get wrong (it splits only the
/// text between the separators around the edited place, and takes the chunks before and
/// after from the text before, moved), one after another on a small dump with
/// workloads and a KubeProxyConfiguration, each compared with a full analysis: a
/// separator typed inside a document and removed, an edit across two documents, a bad
/// separator and its comment, documents added and removed at the very start and end,
/// the KubeProxyConfiguration, a Node, an EndpointSlice and a Namespace edited, the text
/// turned to `\r\n` line breaks and back, and everything deleted and typed again.
#[test]
fn split_sensitive_edits_equal_a_full_analysis() {
    let node = "---\napiVersion: v1\nkind: Node\nmetadata:\n  name: node-first\n";
    let config = "---\napiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\nmode: iptables\n";
    let base = format!("{}{WORKLOADS}{config}", examples::dump::large_dump(12, 3));
    type Step = Box<dyn Fn(&str) -> String>;
    let at_nth_separator = |t: &str, n: usize| {
        t.match_indices("\n---\n")
            .nth(n)
            .map(|(i, _)| i + 1)
            .expect("enough documents")
    };
    let steps: Vec<(&str, Step)> = vec![
        (
            "a separator typed inside a Service",
            Box::new(|t: &str| {
                t.replacen(
                    "  namespace: team-3\nspec:",
                    "  namespace: team-3\n---\nspec:",
                    1,
                )
            }),
        ),
        (
            "and removed",
            Box::new(|t: &str| {
                t.replacen(
                    "  namespace: team-3\n---\nspec:",
                    "  namespace: team-3\nspec:",
                    1,
                )
            }),
        ),
        (
            "from inside one Service to inside the next document",
            Box::new(|t: &str| {
                let start = t.find("name: svc-00004").expect("svc-00004") + 6;
                let end = start + t[start..].find("addressType").expect("its slice");
                format!("{}{}", &t[..start], &t[end..])
            }),
        ),
        (
            "a bad separator",
            Box::new(move |t: &str| {
                let at = at_nth_separator(t, 60);
                format!("{}--- x{}", &t[..at], &t[at + 3..])
            }),
        ),
        (
            "made a comment",
            Box::new(|t: &str| t.replacen("\n--- x\n", "\n--- # x\n", 1)),
        ),
        (
            "a Node added at the very start",
            Box::new(move |t: &str| format!("{node}{t}")),
        ),
        ("the first byte edited", Box::new(|t: &str| format!("#{t}"))),
        ("and again", Box::new(|t: &str| t[1..].to_string())),
        (
            "the last document removed",
            Box::new(|t: &str| t[..t.rfind("---\n").expect("a document")].to_string()),
        ),
        (
            "and added again",
            Box::new(move |t: &str| format!("{t}{config}")),
        ),
        (
            "kube-proxy's mode",
            Box::new(|t: &str| t.replacen("mode: iptables", "mode: ipvs", 1)),
        ),
        (
            "a Node's address",
            Box::new(|t: &str| t.replacen("address: 192.168.0.3\n", "address: 192.168.9.3\n", 1)),
        ),
        (
            "an EndpointSlice's address",
            Box::new(|t: &str| t.replacen("- addresses: [10.200.", "- addresses: [10.201.", 1)),
        ),
        (
            "a Namespace renamed",
            Box::new(|t: &str| t.replacen("name: team-2\n", "name: team-x\n", 1)),
        ),
        (
            "and back",
            Box::new(|t: &str| t.replacen("name: team-x\n", "name: team-2\n", 1)),
        ),
        (
            "\\r\\n line breaks",
            Box::new(|t: &str| t.replace('\n', "\r\n")),
        ),
        (
            "a Service edited among them",
            Box::new(|t: &str| t.replacen("port: 80\r\n", "port: 81\r\n", 1)),
        ),
        ("\\n again", Box::new(|t: &str| t.replace("\r\n", "\n"))),
        (
            "a separator typed at the end, with no line break after it",
            Box::new(|t: &str| format!("{}---", t.trim_end_matches('\n').to_string() + "\n")),
        ),
        (
            "a line break typed after it",
            Box::new(|t: &str| format!("{t}\n")),
        ),
        (
            "and a Service after that",
            Box::new(|t: &str| {
                format!(
                    "{t}apiVersion: v1\nkind: Service\nmetadata:\n  name: typed-last\nspec:\n  \
                     ports:\n  - port: 80\n"
                )
            }),
        ),
        (
            "a separator with text after it, at the end",
            Box::new(|t: &str| format!("{t}--- y")),
        ),
        ("everything deleted", Box::new(|_: &str| String::new())),
        (
            "and typed again",
            Box::new(move |_: &str| format!("{}{WORKLOADS}", examples::dump::large_dump(12, 3))),
        ),
    ];
    let mut text = base;
    let mut incremental = analyze(&text, Options::default());
    for (what, step) in &steps {
        let edited = step(&text);
        assert_ne!(edited, text, "{what}: the step changes nothing");
        incremental = incremental.edit(&text, &edited);
        assert_equal_to_full(&incremental, &edited, what);
        text = edited;
    }
}

/// Every listing the rules panel offers on `node` in `mode` (`views::listing::lines`,
/// or when `whole`, `views::listing::made_whole`: without the per-Service chunks), as
/// text, line sources and provenance, each named.
fn listings(
    analysis: &Analysis,
    node: &str,
    mode: Option<ProxyMode>,
    whole: bool,
) -> Vec<(String, String)> {
    use svcplay::proxy::Listing;
    let context = Context {
        node: node.to_string(),
        mode,
    };
    Listing::of_mode(context.mode(analysis))
        .iter()
        .map(|&listing| {
            let lines = if whole {
                views::listing::made_whole(analysis, &context, listing)
            } else {
                views::listing::lines(analysis, &context, listing)
            };
            (
                format!("{mode:?} {} on {node}", listing.id()),
                format!("{lines:#?}"),
            )
        })
        .collect()
}

/// Where two listings first differ: a line's text, its source, or a provenance.
fn first_difference(got: Option<&svcplay::proxy::Lines>, want: &svcplay::proxy::Lines) -> String {
    let Some(got) = got else {
        return "no listing".into();
    };
    let mut lines = got.text.lines().zip(want.text.lines()).enumerate();
    if let Some((i, (a, b))) = lines.find(|(_, (a, b))| a != b) {
        return format!("line {i}: {a:?}, want {b:?}");
    }
    let mut sources = got.line_sources.iter().zip(&want.line_sources).enumerate();
    if let Some((i, (a, b))) = sources.find(|(_, (a, b))| a != b) {
        return format!("line {i}'s source {a}, want {b}");
    }
    let mut provenances = got.sources.iter().zip(&want.sources).enumerate();
    if let Some((i, (a, b))) = provenances.find(|(_, (a, b))| a != b) {
        return format!("source {i}: {a:?}\nwant {b:?}");
    }
    format!(
        "{} lines and {} sources, want {} and {}",
        got.line_sources.len(),
        got.sources.len(),
        want.line_sources.len(),
        want.sources.len()
    )
}

/// The rules panel's listings after an edit reuse the per-Service chunks of those the
/// analysis before had made (`proxy::chunks`: the Services the edit did not touch are
/// not rendered again): after each random edit, every listing of two nodes in the
/// iptables, nftables and IPVS modes equals a full analysis' byte for byte — its text,
/// every line's source and every provenance — and the iptables restore input equals
/// `NodeProxy::lines`, the listing made without chunks. Some steps list nothing before
/// the edit, so that the next listing patches one made several edits back.
#[test]
fn listings_after_edits_equal_full_ones() {
    let cases: usize = std::env::var("SVCPLAY_INCREMENTAL_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(16);
    const EDITS: usize = 6;
    // The modes on show (`None`: the configured one, with the rules a mode before left).
    const MODES: [Option<ProxyMode>; 4] = [
        Some(ProxyMode::Iptables),
        Some(ProxyMode::Nftables),
        Some(ProxyMode::Ipvs),
        None,
    ];
    let bases = bases();
    let mut rng = Rng(0x11_5717_c4a2);
    let (mut compared, mut lines, mut windows) = (0, 0, 0);
    // nftables mode's listings patched from those made before an edit (other tests of
    // this file running at once can only add to it).
    let patched =
        || svcplay::proxy::mode_chunks::PATCHED.load(std::sync::atomic::Ordering::Relaxed);
    let patched_before = patched();
    for case in 0..cases {
        let seed = rng.next();
        let mut case_rng = Rng(seed);
        let mut text = case_rng.pick(&bases).clone();
        let mut incremental = analyze(&text, Options::default());
        // The page shows the rules of the scenario first (the listings made whole).
        for node in incremental.node_names().iter().take(2) {
            for mode in MODES {
                std::hint::black_box(listings(&incremental, node, mode, false));
            }
        }
        for step in 0..EDITS {
            let (edited, what) = edit(&mut case_rng, &text);
            incremental = incremental.edit(&text, &edited);
            text = edited;
            // Whether the page shows the rules after this edit (else the next edit
            // carries the listings of an earlier one).
            if case_rng.below(4) == 0 {
                continue;
            }
            let full = analyze(&text, Options::default());
            let mut nodes = incremental.node_names();
            nodes.truncate(2);
            for node in &nodes {
                // The rules panel's window read from the chunks first (it patches them).
                windows += windows_equal(
                    &incremental,
                    &full,
                    node,
                    &format!("case {case} (seed {seed:#x}), edit {step}: {what}"),
                );
                let reference = full.proxy_in(node, ProxyMode::Iptables).lines();
                let context = Context {
                    node: node.clone(),
                    mode: Some(ProxyMode::Iptables),
                };
                let chunked = views::listing::lines(
                    &incremental,
                    &context,
                    svcplay::proxy::Listing::RestoreInput,
                );
                assert!(
                    chunked.as_ref() == Some(&reference),
                    "case {case} (seed {seed:#x}), edit {step}: {what}: the restore input on \
                     {node} through the chunks differs from NodeProxy::lines: {}\n--- the text \
                     ---\n{text}",
                    first_difference(chunked.as_ref(), &reference)
                );
                lines += reference.line_sources.len();
                for mode in MODES {
                    let full_listings = listings(&full, node, mode, false);
                    let whole_listings = listings(&full, node, mode, true);
                    for ((name, got), ((_, want), (_, whole))) in
                        listings(&incremental, node, mode, false)
                            .into_iter()
                            .zip(full_listings.into_iter().zip(whole_listings))
                    {
                        assert!(
                            want == whole,
                            "case {case} (seed {seed:#x}), edit {step}: {what}: {name} of a \
                             full analysis differs from the listing made whole\n--- the text \
                             ---\n{text}"
                        );
                        assert!(
                            got == want,
                            "case {case} (seed {seed:#x}), edit {step}: {what}: {name} \
                             differs\n--- the text ---\n{text}"
                        );
                        compared += 1;
                    }
                }
            }
        }
    }
    let reused = patched() - patched_before;
    println!(
        "{cases} cases × {EDITS} edits: {compared} listings byte-equal to a full analysis', \
         {lines} restore-input lines equal to NodeProxy::lines, {windows} windows read from \
         the chunks equal to the full listings filtered, {reused} nftables listings patched \
         from the pieces of one made before"
    );
    assert!(
        reused > 0,
        "no nftables listing reused the pieces of one made before an edit"
    );
}

/// nftables mode's listings patched after edits that move what a shared map lists: two
/// Services add the same `service-ips` element (one external IP, port and protocol),
/// of which `nft list` shows the first added; an edit of the first shows the second's,
/// and the affinity sets a Service adds and drops move in and out of their slot. Every
/// listing equals the one made whole, and each step is patched from the one before.
#[test]
fn nftables_pieces_follow_shared_elements_and_affinity_sets() {
    let service = |name: &str, port: &str, affinity: &str| {
        format!(
            "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\nspec:\n  selector:\n    app: web\n  externalIPs:\n  - 192.0.2.10\n  sessionAffinity: {affinity}\n  ports:\n  - port: {port}\n    targetPort: http\n"
        )
    };
    let texts = [
        (service("a", "80", "None"), service("b", "80", "ClientIP")),
        (service("a", "81", "None"), service("b", "80", "ClientIP")),
        (service("a", "80", "ClientIP"), service("b", "80", "None")),
        (service("a", "80", "None"), service("b", "80", "ClientIP")),
        (String::new(), service("b", "80", "ClientIP")),
        (
            service("a", "80", "ClientIP"),
            service("b", "80", "ClientIP"),
        ),
    ];
    // `a` last, so that removing it moves no other object (which would drop the pieces).
    let text_of = |(a, b): &(String, String)| format!("{WORKLOADS}{b}{a}");
    let patched =
        || svcplay::proxy::mode_chunks::PATCHED.load(std::sync::atomic::Ordering::Relaxed);
    let mut text = text_of(&texts[0]);
    let mut analysis = analyze(&text, Options::default());
    let node = analysis.default_node();
    let context = Context {
        node: node.clone(),
        mode: Some(ProxyMode::Nftables),
    };
    for (step, next) in texts.iter().enumerate() {
        if step > 0 {
            let edited = text_of(next);
            analysis = analysis.edit(&text, &edited);
            text = edited;
        }
        let before = patched();
        for &listing in svcplay::proxy::Listing::of_mode(ProxyMode::Nftables) {
            let got = views::listing::lines(&analysis, &context, listing);
            let whole = views::listing::made_whole(&analysis, &context, listing);
            assert!(got.is_some(), "step {step}: no {listing:?}");
            assert!(
                got == whole,
                "step {step}: {listing:?} differs from the listing made whole: {}",
                first_difference(got.as_ref(), whole.as_ref().unwrap())
            );
        }
        if step > 0 {
            assert!(patched() >= before + 2, "step {step}: not patched");
        }
    }
}

/// The written object a line's provenance links to (the rules panel's object filter,
/// `ui::provenance::object_of`).
fn object_of(p: &svcplay::proxy::provenance::Provenance) -> Option<usize> {
    match p.service_port.as_ref()?.origin {
        svcplay::model::Origin::Written(id) => Some(id),
        _ => None,
    }
}

/// The window `filters` keep of the whole listing `lines`, filtered line by line: what
/// the rules panel showed before it read its window from the chunks.
fn filtered_window(
    lines: &svcplay::proxy::Lines,
    filters: &views::listing::Filters,
) -> views::listing::Window {
    let needle = filters.text.to_lowercase();
    let mut out = views::listing::Window::default();
    let mut numbered: std::collections::HashMap<u32, u32> = Default::default();
    for (i, line) in lines.text.lines().enumerate() {
        out.total += 1;
        let s = lines.line_sources[i];
        let source = &lines.sources[s as usize - 1];
        if filters.object.is_some() && (filters.object_of)(source) != filters.object {
            continue;
        }
        if !line.to_lowercase().contains(&needle) {
            continue;
        }
        if out.numbers.len() >= filters.limit {
            out.cut += 1;
            continue;
        }
        out.numbers.push(i as u32);
        out.lines.text.push_str(line);
        out.lines.text.push('\n');
        let sources = &mut out.lines.sources;
        let n = *numbered.entry(s).or_insert_with(|| {
            sources.push(source.clone());
            sources.len() as u32
        });
        out.lines.line_sources.push(n);
    }
    out
}

/// Checks every window of node `node`'s iptables listings (restore input and
/// `iptables-save`, in iptables mode and the configured one) the rules panel reads from
/// `incremental`'s chunks against the listing of the `full` analysis filtered line by
/// line: by text (any case), by object (those the listing names, and none), past a
/// limit, their line numbers, sources, `cut` and `total`. Returns how many were compared.
fn windows_equal(incremental: &Analysis, full: &Analysis, node: &str, what: &str) -> usize {
    use svcplay::proxy::Listing;
    let mut compared = 0;
    for mode in [Some(ProxyMode::Iptables), None] {
        let context = Context {
            node: node.to_string(),
            mode,
        };
        for listing in [Listing::RestoreInput, Listing::IptablesSave] {
            let Some(reference) = views::listing::lines(full, &context, listing) else {
                continue;
            };
            let mut objects: Vec<Option<usize>> =
                reference.sources.iter().map(|p| object_of(p)).collect();
            objects.sort();
            objects.dedup();
            objects.retain(Option::is_some);
            objects.truncate(2);
            objects.extend([None, Some(usize::MAX)]);
            for text in ["", "kube-sep", "DNAT", "-A KUBE-SVC", "no such text"] {
                for &object in &objects {
                    for limit in [0, 5, 3000] {
                        let filters = views::listing::Filters {
                            text,
                            object,
                            object_of: &object_of,
                            limit,
                        };
                        let Some(got) =
                            views::listing::window(incremental, &context, listing, &filters)
                        else {
                            continue;
                        };
                        let want = filtered_window(&reference, &filters);
                        assert!(
                            got == want,
                            "{what}: the window of {listing:?} ({mode:?}) on {node}, filter \
                             {text:?}, object {object:?}, limit {limit}, differs: got {} lines \
                             ({} cut of {}), want {} ({} cut of {})",
                            got.numbers.len(),
                            got.cut,
                            got.total,
                            want.numbers.len(),
                            want.cut,
                            want.total
                        );
                        compared += 1;
                    }
                }
            }
        }
    }
    compared
}

/// A Service of a dump-like text (only the kinds admission carries over in bulk):
/// `spec` lines before its ports, `port` lines under its one port.
fn dump_service(name: &str, namespace: &str, spec: &str, port: &str) -> String {
    format!(
        "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\n  namespace: {namespace}\nspec:\n{spec}  ports:\n  - name: http\n    port: 80\n{port}"
    )
}

/// The ClusterIP the analysis gave Service `namespace/name`.
fn cluster_ip(analysis: &Analysis, namespace: &str, name: &str) -> String {
    analysis
        .objects
        .service(namespace, name)
        .and_then(|s| s.spec.cluster_ips.first().cloned())
        .unwrap_or_else(|| panic!("{namespace}/{name} has a ClusterIP"))
}

/// The rules of admission's bulk carry-over (`apiserver::carry`), one edit after another
/// on a dump-like text, each compared with a full analysis and each said to have been
/// carried over in bulk (or not, where the text leaves the bulk conditions):
/// - a Service lets an address go (the values of the edited run given back): the later
///   Service refused for it is admitted again, takes it and a NodePort, and the Service
///   after it holding that NodePort is refused (a cascade);
/// - it asks for the address again, which a later Service holds (the state at its own
///   place: the later holder does not count), and takes it back: the cascade undone;
/// - a Service after an allocating one writes the address it was given (a changed
///   request: the allocating Service, before the edit, moves);
/// - the Namespace of a later Service renamed and back, and its document removed and
///   added back (the later Service admitted again while the ids after the run move);
/// - a document added in the middle and removed (the ids after it move), with the
///   address edits again in between;
/// - a Service renamed onto another's identity and back, a Pod added and removed (the
///   edit replays object by object);
/// - a keystroke in a Service (one admission run, the rest left in place).
#[test]
fn bulk_carry_over_edits_equal_a_full_analysis() {
    let nodeport = "  type: NodePort\n";
    // Namespace late is two documents before the Service in it.
    let base = format!(
        "{}{}{}{}---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: late\n{}{}{}",
        examples::dump::large_dump(12, 3),
        dump_service("auto", "team-1", nodeport, ""),
        dump_service("a", "team-2", "  clusterIP: 10.96.0.50\n", ""),
        dump_service(
            "b",
            "team-2",
            &format!("{nodeport}  clusterIP: 10.96.0.50\n"),
            "    nodePort: 30500\n"
        ),
        dump_service("c", "team-3", nodeport, "    nodePort: 30500\n"),
        dump_service("in-late", "late", "", ""),
        dump_service("last", "team-4", "", ""),
    );
    let first = analyze(&base, Options::default());
    // b is refused: a holds its address.
    let b = first.admissions.iter().find(|a| a.name == "b").expect("b");
    assert!(b.success_line().is_none(), "{b:?}");
    let auto_ip = cluster_ip(&first, "team-1", "auto");
    let mid = dump_service("mid", "team-5", "  clusterIP: 10.96.0.60\n", "");
    let mut text = base.clone();
    let whole = base;
    type Step = Box<dyn Fn(&str) -> String>;
    // (what, the step, whether it is carried over in bulk)
    let steps: Vec<(&str, Step, bool)> = vec![
        (
            "a lets 10.96.0.50 go",
            Box::new(|t: &str| {
                t.replacen(
                    "name: a\n  namespace: team-2\nspec:\n  clusterIP: 10.96.0.50\n",
                    "name: a\n  namespace: team-2\nspec:\n  clusterIP: 10.96.0.51\n",
                    1,
                )
            }),
            true,
        ),
        (
            "a asks for it again",
            Box::new(|t: &str| {
                t.replacen(
                    "name: a\n  namespace: team-2\nspec:\n  clusterIP: 10.96.0.51\n",
                    "name: a\n  namespace: team-2\nspec:\n  clusterIP: 10.96.0.50\n",
                    1,
                )
            }),
            true,
        ),
        (
            "c writes the address auto was given",
            Box::new(move |t: &str| {
                t.replacen(
                    "name: c\n  namespace: team-3\nspec:\n  type: NodePort\n",
                    &format!(
                        "name: c\n  namespace: team-3\nspec:\n  type: NodePort\n  clusterIP: {auto_ip}\n"
                    ),
                    1,
                )
            }),
            true,
        ),
        (
            "Namespace late renamed",
            Box::new(|t: &str| t.replacen("  name: late\n", "  name: later\n", 1)),
            true,
        ),
        (
            "and back",
            Box::new(|t: &str| t.replacen("  name: later\n", "  name: late\n", 1)),
            true,
        ),
        (
            "Namespace late's document removed (the ids after it move)",
            Box::new(|t: &str| {
                t.replacen(
                    "---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: late\n",
                    "",
                    1,
                )
            }),
            true,
        ),
        (
            "and added back",
            Box::new(|t: &str| {
                let at = t.find("---\napiVersion: v1\nkind: Service\nmetadata:\n  name: c\n");
                let at = at.expect("c");
                format!(
                    "{}---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: late\n{}",
                    &t[..at],
                    &t[at..]
                )
            }),
            true,
        ),
        (
            "a document added before a",
            Box::new(move |t: &str| {
                let at = t.find("---\napiVersion: v1\nkind: Service\nmetadata:\n  name: a\n");
                let at = at.expect("a");
                format!("{}{mid}{}", &t[..at], &t[at..])
            }),
            true,
        ),
        (
            "a lets 10.96.0.50 go after it",
            Box::new(|t: &str| {
                t.replacen(
                    "name: a\n  namespace: team-2\nspec:\n  clusterIP: 10.96.0.50\n",
                    "name: a\n  namespace: team-2\nspec:\n  clusterIP: 10.96.0.52\n",
                    1,
                )
            }),
            true,
        ),
        (
            "the document removed",
            Box::new(|t: &str| {
                let start = t.find("---\napiVersion: v1\nkind: Service\nmetadata:\n  name: mid\n");
                let start = start.expect("mid");
                let end = start + 4 + t[start + 4..].find("---\n").expect("a next document");
                format!("{}{}", &t[..start], &t[end..])
            }),
            true,
        ),
        (
            "a asks for 10.96.0.50 again after that",
            Box::new(|t: &str| {
                t.replacen(
                    "name: a\n  namespace: team-2\nspec:\n  clusterIP: 10.96.0.52\n",
                    "name: a\n  namespace: team-2\nspec:\n  clusterIP: 10.96.0.50\n",
                    1,
                )
            }),
            true,
        ),
        (
            "last renamed onto in-late's identity",
            Box::new(|t: &str| {
                t.replacen(
                    "name: last\n  namespace: team-4\n",
                    "name: in-late\n  namespace: late\n",
                    1,
                )
            }),
            false,
        ),
        (
            "and back (replayed: the text before had two of one identity)",
            Box::new(|t: &str| {
                let at = t
                    .rfind("name: in-late\n  namespace: late\n")
                    .expect("the copy");
                format!(
                    "{}name: last\n  namespace: team-4\n{}",
                    &t[..at],
                    &t[at + "name: in-late\n  namespace: late\n".len()..]
                )
            }),
            false,
        ),
        (
            "a Service's port typed",
            Box::new(|t: &str| {
                let at = t.find("name: svc-00005\n").expect("svc-00005");
                let at = at + t[at..].find("port: 80").expect("a port") + "port: 80".len();
                format!("{}1{}", &t[..at], &t[at..])
            }),
            true,
        ),
        (
            "a Pod added",
            Box::new(|t: &str| {
                format!(
                    "{t}---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c\n    image: busybox\n"
                )
            }),
            false,
        ),
        (
            "and removed",
            Box::new(|t: &str| {
                t[..t.rfind("---\napiVersion: v1\nkind: Pod").expect("the Pod")].to_string()
            }),
            false,
        ),
        (
            "the second half of the text deleted",
            Box::new(|t: &str| {
                let half = t[..t.len() / 2].rfind("\n---\n").expect("a separator") + 1;
                t[..half].to_string()
            }),
            true,
        ),
        (
            "and typed again",
            Box::new(move |_: &str| whole.clone()),
            true,
        ),
    ];
    let mut incremental = first;
    for (what, step, bulk) in &steps {
        let edited = step(&text);
        assert_ne!(edited, text, "{what}: the step changes nothing");
        incremental = incremental.edit(&text, &edited);
        assert_eq!(
            incremental.admissions_carried_over(),
            *bulk,
            "{what}: carried over in bulk"
        );
        assert_equal_to_full(&incremental, &edited, what);
        text = edited;
    }
}

/// The analysis itself (every stored object, diagnostic and what it keeps for the next
/// edit) and its diagnostics, compared with a full analysis of `text`: for texts too big
/// to render kube-proxy's rules on every node in a debug build.
fn assert_analysis_equal_to_full(incremental: &Analysis, text: &str, what: &str) {
    let full = analyze(text, Options::default());
    let (got, want) = (format!("{incremental:#?}"), format!("{full:#?}"));
    if got != want {
        let line = got
            .lines()
            .zip(want.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(0);
        let around = |s: &str| {
            s.lines()
                .skip(line.saturating_sub(5))
                .take(12)
                .collect::<Vec<_>>()
                .join("\n")
        };
        panic!(
            "{what}: the analysis differs at line {line}\nincremental:\n{}\nfull:\n{}",
            around(&got),
            around(&want)
        );
    }
}

/// The learner warnings and budget counts an analysis keeps over an edit carried over in
/// bulk (`scenario`'s `KeptHints`), one edit after another, each compared with a full
/// analysis and each said to have been carried over in bulk (or not):
/// - Services with selectors and no Pods (each warned about), whose warnings are kept
///   and moved with their objects' lines when an edit adds lines before them or moves
///   their ids; one's selector edited, removed and added back, one turned into an
///   ExternalName Service and back (its warning made afresh each time);
/// - a Pod added that s1 selects (the warnings read the Pods: made whole) and removed;
/// - two Services of 100 ports whose EndpointSlices bring the cluster just under
///   kube-proxy's budget of entries: one endpoint added (the second one is cut, and
///   warned about) and removed again, a slice's endpoints moved to another slice of the
///   same Service, a slice named for the other Service and back;
/// - a Service with 5,000 endpoints (the most per Service): one more added and removed.
#[test]
fn hints_and_budgets_kept_over_edits_equal_a_full_analysis() {
    let selected = |name: &str, app: &str| {
        dump_service(
            name,
            "team-1",
            &format!("  selector:\n    app: {app}\n"),
            "",
        )
    };
    let endpoints = |n: usize, from: usize| -> String {
        (from..from + n)
            .map(|i| {
                format!(
                    "- addresses: [10.{}.{}.{}]\n",
                    1 + i / 65536,
                    (i / 256) % 256,
                    i % 256
                )
            })
            .collect()
    };
    let slice = |name: &str, service: &str, body: &str| {
        format!(
            "---\napiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata:\n  name: {name}\n  namespace: team-2\n  labels:\n    kubernetes.io/service-name: {service}\naddressType: IPv4\nports:\n- name: p0\n  port: 8080\n  protocol: TCP\nendpoints:\n{body}"
        )
    };
    let ports: String = (0..100)
        .map(|i| format!("  - name: p{i}\n    port: {}\n", 1000 + i))
        .collect();
    let wide = |name: &str| {
        format!(
            "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\n  namespace: team-2\nspec:\n  ports:\n{ports}"
        )
    };
    // The others need 5,024 entries (the dump's Services 18, `kubernetes` 2, s1-s3 3,
    // many 5,001); wide-a 100 × (1 + 499), wide-b 100 × (1 + 448): 99,924 in all, within
    // the budget of 100,000 by less than wide-b's 100 more for one more endpoint.
    let base = format!(
        "{}{}{}{}{}{}{}{}{}{}",
        examples::dump::large_dump(6, 2),
        selected("s1", "one"),
        wide("wide-a"),
        slice("wide-a-1", "wide-a", &endpoints(499, 0)),
        selected("s2", "two"),
        wide("wide-b"),
        slice("wide-b-1", "wide-b", &endpoints(200, 1000)),
        slice("wide-b-2", "wide-b", &endpoints(248, 2000)),
        selected("s3", "three"),
        dump_service("many", "team-3", "", ""),
    );
    let many = format!(
        "---\napiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata:\n  name: many-1\n  namespace: team-3\n  labels:\n    kubernetes.io/service-name: many\naddressType: IPv4\nendpoints:\n{}",
        endpoints(5000, 10_000)
    );
    let base = format!("{base}{many}");
    let first = analyze(&base, Options::default());
    let hints = |a: &Analysis| {
        a.diagnostics
            .iter()
            .filter(|d| d.stage == svcplay::diag::Stage::Hint)
            .count()
    };
    assert_eq!(hints(&first), 3, "{:#?}", first.diagnostics);
    let one_more =
        "- addresses: [10.9.9.9]\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: s3\n";
    let one = "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: s3\n";
    type Step = Box<dyn Fn(&str) -> String>;
    // (what, the step, whether it is carried over in bulk, the hints after it)
    let steps: Vec<(&str, Step, bool, usize)> = vec![
        (
            "lines added before the Services warned about",
            Box::new(|t: &str| {
                t.replacen(
                    "  name: svc-00001\n",
                    "  name: svc-00001\n  labels:\n    a: b\n",
                    1,
                )
            }),
            true,
            3,
        ),
        (
            "s2's selector edited",
            Box::new(|t: &str| t.replacen("    app: two\n", "    app: deux\n", 1)),
            true,
            3,
        ),
        (
            "s2's selector removed",
            Box::new(|t: &str| t.replacen("  selector:\n    app: deux\n", "", 1)),
            true,
            2,
        ),
        (
            "and added back",
            Box::new(|t: &str| {
                t.replacen(
                    "  name: s2\n  namespace: team-1\nspec:\n",
                    "  name: s2\n  namespace: team-1\nspec:\n  selector:\n    app: two\n",
                    1,
                )
            }),
            true,
            3,
        ),
        (
            "s1 an ExternalName Service",
            Box::new(|t: &str| {
                t.replacen(
                    "  name: s1\n  namespace: team-1\nspec:\n",
                    "  name: s1\n  namespace: team-1\nspec:\n  type: ExternalName\n  externalName: example.com\n",
                    1,
                )
            }),
            true,
            2,
        ),
        (
            "and back",
            Box::new(|t: &str| {
                t.replacen("  type: ExternalName\n  externalName: example.com\n", "", 1)
            }),
            true,
            3,
        ),
        (
            "a document before them deleted (their ids move)",
            Box::new(|t: &str| {
                let start = t
                    .find("---\napiVersion: v1\nkind: Service\nmetadata:\n  name: svc-00002\n")
                    .expect("svc-00002");
                let end = start + 4 + t[start + 4..].find("---\n").expect("a next document");
                format!("{}{}", &t[..start], &t[end..])
            }),
            true,
            3,
        ),
        (
            "one endpoint more for wide-b (past the budget: wide-b is cut)",
            Box::new(move |t: &str| t.replacen(one, one_more, 1)),
            true,
            4,
        ),
        (
            "and removed (at the budget again)",
            Box::new(move |t: &str| t.replacen(one_more, one, 1)),
            true,
            3,
        ),
        (
            "wide-b-2's endpoints written in wide-b-1",
            Box::new(|t: &str| {
                let start = t.find("---\napiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata:\n  name: wide-b-2\n").expect("wide-b-2");
                let body = t[start..].find("endpoints:\n").expect("endpoints")
                    + start
                    + "endpoints:\n".len();
                let end = start + 4 + t[start + 4..].find("---\n").expect("a next document");
                // wide-b-1 ends where wide-b-2 starts.
                let moved = &t[body..end];
                format!("{}{moved}{}{}", &t[..start], &t[start..body], &t[end..])
            }),
            true,
            3,
        ),
        (
            "wide-b-1 named for wide-a (the same entries in all)",
            Box::new(|t: &str| {
                t.replacen("  name: wide-b-1\n  namespace: team-2\n  labels:\n    kubernetes.io/service-name: wide-b\n", "  name: wide-b-1\n  namespace: team-2\n  labels:\n    kubernetes.io/service-name: wide-a\n", 1)
            }),
            true,
            3,
        ),
        (
            "and back",
            Box::new(|t: &str| {
                t.replacen("  name: wide-b-1\n  namespace: team-2\n  labels:\n    kubernetes.io/service-name: wide-a\n", "  name: wide-b-1\n  namespace: team-2\n  labels:\n    kubernetes.io/service-name: wide-b\n", 1)
            }),
            true,
            3,
        ),
        (
            "a Pod added (the warnings read the Pods)",
            Box::new(|t: &str| {
                format!(
                    "{t}---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  namespace: team-1\n  labels:\n    app: one\nspec:\n  containers:\n  - name: c\n    image: busybox\n"
                )
            }),
            false,
            2,
        ),
        (
            "and removed",
            Box::new(|t: &str| {
                t[..t.rfind("---\napiVersion: v1\nkind: Pod").expect("the Pod")].to_string()
            }),
            false,
            3,
        ),
        (
            "a Service's port typed after that",
            Box::new(|t: &str| {
                let at = t.find("name: svc-00004\n").expect("svc-00004");
                let at = at + t[at..].find("port: 80").expect("a port") + "port: 80".len();
                format!("{}1{}", &t[..at], &t[at..])
            }),
            true,
            3,
        ),
        (
            "one endpoint more for many (5,001: cut)",
            Box::new(|t: &str| format!("{t}- addresses: [10.9.9.8]\n")),
            true,
            4,
        ),
        (
            "and removed",
            Box::new(|t: &str| {
                t.strip_suffix("- addresses: [10.9.9.8]\n")
                    .expect("the endpoint")
                    .to_string()
            }),
            true,
            3,
        ),
    ];
    let mut text = base;
    let mut incremental = first;
    for (what, step, bulk, count) in &steps {
        let edited = step(&text);
        assert_ne!(edited, text, "{what}: the step changes nothing");
        incremental = incremental.edit(&text, &edited);
        assert_eq!(
            incremental.admissions_carried_over(),
            *bulk,
            "{what}: carried over in bulk"
        );
        assert_analysis_equal_to_full(&incremental, &edited, what);
        assert_eq!(
            hints(&incremental),
            *count,
            "{what}: {:#?}",
            incremental.diagnostics
        );
        text = edited;
    }
}

/// kubeadm's objects after an edit carried over in bulk: its `kube-dns` Service is added
/// unless the text writes one, which is looked for only when admission's identities say
/// the text may hold it (`Journal::may_hold`). A dump writing `kube-system/kube-dns`:
/// another Service's port typed, kube-dns renamed (kubeadm's own appears) and back.
#[test]
fn kubeadm_objects_after_bulk_edits_equal_a_full_analysis() {
    let base = format!(
        "{}{}",
        examples::dump::large_dump(4, 2),
        dump_service("kube-dns", "kube-system", "  clusterIP: 10.96.0.99\n", "")
    );
    let first = analyze(&base, Options::default());
    // kube-dns's addresses: one kube-dns, written or kubeadm's.
    let dns = |a: &Analysis| {
        let found: Vec<_> = (a.objects.services.iter())
            .filter(|s| s.meta.namespace == "kube-system" && s.meta.name == "kube-dns")
            .collect();
        assert_eq!(found.len(), 1, "one kube-dns");
        (a.objects.services.len(), found[0].spec.cluster_ips.clone())
    };
    assert_eq!(dns(&first).1, vec!["10.96.0.99".to_string()]);
    type Step = Box<dyn Fn(&str) -> String>;
    let steps: Vec<(&str, Step)> = vec![
        (
            "another Service's port typed",
            Box::new(|t: &str| {
                let at = t.find("name: svc-00001\n").expect("svc-00001");
                let at = at + t[at..].find("port: 80").expect("a port") + "port: 80".len();
                format!("{}1{}", &t[..at], &t[at..])
            }),
        ),
        (
            "kube-dns renamed (kubeadm's own is added)",
            Box::new(|t: &str| t.replacen("  name: kube-dns\n", "  name: kube-dnz\n", 1)),
        ),
        (
            "and back",
            Box::new(|t: &str| t.replacen("  name: kube-dnz\n", "  name: kube-dns\n", 1)),
        ),
    ];
    let mut text = base;
    let mut incremental = first;
    for (what, step) in &steps {
        let edited = step(&text);
        incremental = incremental.edit(&text, &edited);
        assert!(
            incremental.admissions_carried_over(),
            "{what}: carried over in bulk"
        );
        assert_equal_to_full(&incremental, &edited, what);
        assert_eq!(
            dns(&incremental),
            dns(&analyze(&edited, Options::default())),
            "{what}"
        );
        text = edited;
    }
}

/// The Services svcplay's budget leaves out, as the listings read them after an edit
/// (`Analysis::over_budget`: empty from the budget counts kept over edits when they say
/// every Service fits, counted whole otherwise), follow edits of other Services: a
/// Service kube-proxy ignores (labelled for another proxy, so not rendered, yet counted)
/// takes 99,900 of the 100,000 entries, a second one's endpoints bring the cluster to
/// the budget, and the last Service in kube-proxy's order (`team-9/svc-00009`, never
/// edited) is pushed out and back in by endpoints added to and removed from the second.
/// The first push leaves the written objects within the budget and only the cluster's
/// own Services (`default/kubernetes`, kubeadm's `kube-dns`, counted after admission)
/// past it. After each step (each carried over in bulk), the Services left out equal
/// `controllers::budget::over_budget` of the objects, and node-00's iptables and nftables
/// listings (patched from the ones listed before the edit) equal those a full analysis
/// makes whole.
#[test]
fn services_pushed_over_the_budget_by_edits_elsewhere_leave_the_listings() {
    let endpoints = |n: usize, from: usize| -> String {
        (from..from + n)
            .map(|i| {
                format!(
                    "- addresses: [10.{}.{}.{}]\n",
                    1 + i / 65536,
                    (i / 256) % 256,
                    i % 256
                )
            })
            .collect()
    };
    let ignored = |name: &str, ports: usize| {
        let ports: String = (0..ports)
            .map(|i| format!("  - name: p{i}\n    port: {}\n", 1000 + i))
            .collect();
        format!(
            "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\n  namespace: team-0\n  labels:\n    service.kubernetes.io/service-proxy-name: other\nspec:\n  ports:\n{ports}"
        )
    };
    let slice = |name: &str, service: &str, body: &str| {
        format!(
            "---\napiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata:\n  name: {name}\n  namespace: team-0\n  labels:\n    kubernetes.io/service-name: {service}\naddressType: IPv4\nendpoints:\n{body}"
        )
    };
    // ghost 100 × (1 + 998) = 99,900; fine 1 × (1 + 40); the dump's ten Services 3 each;
    // `kubernetes` 2 and kube-dns 3 × (1 + 2): 99,982 in all.
    let base = format!(
        "{}{}{}{}{}",
        examples::dump::large_dump(10, 2),
        ignored("ghost", 100),
        slice("ghost-1", "ghost", &endpoints(998, 0)),
        ignored("ghost-fine", 1),
        slice("ghost-fine-1", "ghost-fine", &endpoints(40, 5000)),
    );
    // The fine one's endpoints, `n` of them (its slice is the text's last document).
    let fine = move |t: &str, n: usize| {
        let at = t.rfind("endpoints:\n").expect("the last slice") + "endpoints:\n".len();
        format!("{}{}", &t[..at], endpoints(n, 5000))
    };
    let typed = |name: &'static str| {
        move |t: &str| {
            let at = t.find(&format!("name: {name}\n")).expect("the Service");
            let at = at + t[at..].find("port: 80").expect("a port") + "port: 80".len();
            format!("{}1{}", &t[..at], &t[at..])
        }
    };
    let last = ("team-9".to_string(), "svc-00009".to_string());
    type Step = Box<dyn Fn(&str) -> String>;
    type Keys = Vec<(String, String)>;
    // (what, the step, the Services left out after it)
    let steps: Vec<(&str, Step, Keys)> = vec![
        (
            "a Service's port typed (all fit)",
            Box::new(typed("svc-00004")),
            vec![],
        ),
        (
            "20 endpoints more for ghost-fine (the written objects fit, with the cluster's \
             own Services the last one is out)",
            Box::new(move |t: &str| fine(t, 60)),
            vec![last.clone()],
        ),
        (
            "the Service left out edited",
            Box::new(typed("svc-00009")),
            vec![last.clone()],
        ),
        (
            "another Service's port typed while one is out",
            Box::new(typed("svc-00003")),
            vec![last.clone()],
        ),
        (
            "10 endpoints fewer (all fit again)",
            Box::new(move |t: &str| fine(t, 50)),
            vec![],
        ),
        (
            "10 more (out again)",
            Box::new(move |t: &str| fine(t, 60)),
            vec![last.clone()],
        ),
        ("back to 40", Box::new(move |t: &str| fine(t, 40)), vec![]),
    ];
    let listed = |a: &Analysis, whole: bool| {
        let mut out = listings(a, "node-00", Some(ProxyMode::Iptables), whole);
        out.extend(listings(a, "node-00", Some(ProxyMode::Nftables), whole));
        out
    };
    let whole_over_budget = |a: &Analysis| {
        let mut keys: Vec<(String, String)> = svcplay::controllers::budget::over_budget(&a.objects)
            .into_iter()
            .map(|(s, _)| (s.meta.namespace.clone(), s.meta.name.clone()))
            .collect();
        keys.sort();
        keys
    };
    let mut text = base;
    let mut incremental = analyze(&text, Options::default());
    assert_eq!(incremental.over_budget(), vec![], "the base fits");
    std::hint::black_box(listed(&incremental, false));
    for (what, step, cut) in &steps {
        let edited = step(&text);
        assert_ne!(edited, text, "{what}: the step changes nothing");
        incremental = incremental.edit(&text, &edited);
        text = edited;
        assert!(
            incremental.admissions_carried_over(),
            "{what}: carried over in bulk"
        );
        assert_eq!(
            &whole_over_budget(&incremental),
            cut,
            "{what}: the scenario"
        );
        assert_eq!(
            &incremental.over_budget(),
            cut,
            "{what}: Analysis::over_budget"
        );
        let full = analyze(&text, Options::default());
        for ((name, got), (_, want)) in listed(&incremental, false)
            .into_iter()
            .zip(listed(&full, true))
        {
            assert!(
                got == want,
                "{what}: {name} differs from the one a full analysis makes whole"
            );
            assert_eq!(
                got.contains("team-9/svc-00009"),
                cut.is_empty(),
                "{what}: {name} lists the last Service only when it fits"
            );
        }
    }
}
