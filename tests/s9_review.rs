//! Review of session 9's incremental paths: hostile edit chains, every step's
//! `Analysis::edit` compared with a full `analyze` of its text — every output of
//! tests/support/outputs.rs, what changed as the page's worker measures it, and the rules
//! panel's listings read through the per-Service chunks (tests/support/review.rs).
//!
//! Written by the session-9 reviewer (branch s9-review). Phase 1 aims at main's paths
//! (fcefebd): admission's bulk carry-over (`apiserver::carry`), the in-place reparse
//! (`manifest::reparse_in_place`), `proxy::chunks::patched`, `Downstream::patched`, with
//! documents moved and duplicated, a Service's type changed back and forth, a Namespace
//! deleted and added again, EndpointSlices written by hand, topology hints and svcplay's
//! budget warnings appearing and going, a KubeProxyConfiguration and a Session edited
//! mid-chain, CRLF, a BOM and tabs, and a `---` typed into a document. Phase 2 aims at
//! the session's new carry-overs (hints and budgets per Service, the text handed over).
//!
//! A failing step prints its two texts and whether the edit alone (from a full analysis
//! of the text before) reproduces it.

#[path = "support/outputs.rs"]
mod outputs;
#[path = "support/review.rs"]
mod review;

use review::{Depth, FULL, Report, assert_clean, run_chain};

// ---------------------------------------------------------------------------------------
// Building blocks.

fn node(name: &str, n: u8, extra_labels: &str) -> String {
    format!(
        "---\napiVersion: v1\nkind: Node\nmetadata:\n  name: {name}\n  labels:\n    kubernetes.io/hostname: {name}\n{extra_labels}spec:\n  podCIDR: 10.244.{n}.0/24\nstatus:\n  addresses:\n  - type: InternalIP\n    address: 192.168.0.{n}\n"
    )
}

fn nodes() -> String {
    format!(
        "{}{}",
        node("n1", 1, "    topology.kubernetes.io/zone: za\n"),
        node("n2", 2, "    topology.kubernetes.io/zone: zb\n")
    )
}

fn namespace(name: &str) -> String {
    format!("---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: {name}\n")
}

/// A Service of a dump: `spec` lines before its ports, `port` lines under its one port.
fn svc(name: &str, ns: &str, spec: &str, port: &str) -> String {
    format!(
        "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\n  namespace: {ns}\nspec:\n{spec}  ports:\n  - name: http\n    port: 80\n    targetPort: 8080\n{port}"
    )
}

/// A hand-written EndpointSlice for `service` with `endpoints` (one per address; `ready`
/// as said; alternately on n1 and n2).
fn slice(name: &str, ns: &str, service: &str, addresses: &[&str], ready: bool) -> String {
    let mut out = format!(
        "---\napiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata:\n  name: {name}\n  namespace: {ns}\n  labels:\n    kubernetes.io/service-name: {service}\naddressType: IPv4\nports:\n- name: http\n  port: 8080\n  protocol: TCP\nendpoints:\n"
    );
    for (i, a) in addresses.iter().enumerate() {
        out.push_str(&format!(
            "- addresses: [{a}]\n  conditions: {{ready: {ready}}}\n  nodeName: n{}\n",
            1 + i % 2
        ));
    }
    out
}

/// A small dump (only the kinds admission carries over in bulk): two Nodes, Namespaces
/// `a` and `b`, and `n` Services each with a hand-written slice of two endpoints.
fn small_dump(n: usize) -> String {
    let mut out = format!(
        "# a small dump\n{}{}{}",
        nodes(),
        namespace("a"),
        namespace("b")
    );
    for i in 0..n {
        let ns = if i % 2 == 0 { "a" } else { "b" };
        let name = format!("s{i:02}");
        out.push_str(&svc(&name, ns, "", ""));
        let e1 = format!("10.244.1.{}", 10 + i);
        let e2 = format!("10.244.2.{}", 10 + i);
        out.push_str(&slice(&format!("{name}-x"), ns, &name, &[&e1, &e2], true));
    }
    out
}

/// The byte range of the document (from its `---` line) holding `needle`.
fn document_of(text: &str, needle: &str) -> std::ops::Range<usize> {
    let at = text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle:?} in the text"));
    let start = text[..at].rfind("---\n").expect("a separator before");
    let end = text[at..].find("\n---").map_or(text.len(), |i| at + i + 1);
    start..end
}

fn without(text: &str, range: std::ops::Range<usize>) -> String {
    format!("{}{}", &text[..range.start], &text[range.end..])
}

fn insert(text: &str, at: usize, what: &str) -> String {
    format!("{}{what}{}", &text[..at], &text[at..])
}

/// `text` with the first `from` after `after` replaced by `to`.
fn replace_after(text: &str, after: &str, from: &str, to: &str) -> String {
    let base = text
        .find(after)
        .unwrap_or_else(|| panic!("{after:?} in the text"));
    let at = base
        + text[base..]
            .find(from)
            .unwrap_or_else(|| panic!("{from:?} after {after:?}"));
    format!("{}{to}{}", &text[..at], &text[at + from.len()..])
}

fn run_all(what: &str, chains: Vec<(&str, Vec<String>)>, depth: Depth) {
    let mut report = Report::default();
    for (name, texts) in &chains {
        let r = run_chain(name, texts, depth);
        println!(
            "{name}: {} steps, {} carried over, {} failures",
            r.steps,
            r.carried,
            r.failures.len()
        );
        report.add(r);
    }
    assert_clean(what, &report);
}

// ---------------------------------------------------------------------------------------
// Phase 1: main's incremental paths.

/// Documents moved (a Service before its Namespace, a slice to the top, a Service to the
/// end), duplicated (one identity twice: the replay) and the duplicate removed.
#[test]
fn moved_and_duplicated_documents() {
    let t0 = small_dump(4);
    let s1 = document_of(&t0, "name: s01\n");
    let doc = t0[s1.clone()].to_string();
    let t1 = without(&t0, s1.clone());
    // s01 (namespace b) moved before the Namespaces.
    let at = t1.find("---\napiVersion: v1\nkind: Namespace").unwrap();
    let t2 = insert(&t1, at, &doc);
    let t3 = t0.clone();
    // Its slice moved to the top (before the Nodes).
    let sl = document_of(&t3, "name: s01-x\n");
    let sdoc = t3[sl.clone()].to_string();
    let t4 = insert(&without(&t3, sl), t3.find("---\n").unwrap(), &sdoc);
    // s02 duplicated at the end, then its copy edited, then removed.
    let s2 = t4[document_of(&t4, "name: s02\n")].to_string();
    let t5 = format!("{t4}{s2}");
    let t6 = format!("{t4}{}", s2.replace("port: 80\n", "port: 81\n"));
    let t7 = t4.clone();
    // Two documents swapped in one edit (s00 and its slice).
    let a = document_of(&t7, "name: s00\n");
    let b = document_of(&t7, "name: s00-x\n");
    let t8 = format!(
        "{}{}{}{}",
        &t7[..a.start],
        &t7[b.clone()],
        &t7[a.clone()],
        &t7[b.end..]
    );
    let t9 = t0.clone();
    run_all(
        "moved and duplicated documents",
        vec![(
            "moved-duplicated",
            vec![t0, t1, t2, t3, t4, t5, t6, t7, t8, t9],
        )],
        FULL,
    );
}

/// A Service's type changed back and forth (ClusterIP, NodePort with and without a port
/// asked for, LoadBalancer with Local policy, ExternalName, headless), another holding
/// the NodePort it asks for.
#[test]
fn service_type_back_and_forth() {
    let mut t0 = small_dump(3);
    t0.push_str(&svc(
        "holder",
        "a",
        "  type: NodePort\n",
        "    nodePort: 30080\n",
    ));
    let types = [
        "  type: NodePort\n",
        "  type: NodePort\n  externalTrafficPolicy: Local\n",
        "  type: LoadBalancer\n  externalTrafficPolicy: Local\n",
        "  type: ExternalName\n  externalName: db.example.com\n",
        "  clusterIP: None\n",
        "  type: ClusterIP\n",
        "  type: NodePort\n",
        "",
        "  type: LoadBalancer\n",
        "  type: NodePort\n",
    ];
    let mut texts = vec![t0.clone()];
    let base = t0.clone();
    for (i, t) in types.iter().enumerate() {
        // s01's spec: its type, and every other time the NodePort `holder` holds.
        let mut text = replace_after(&base, "name: s01\n", "spec:\n", &format!("spec:\n{t}"));
        if i % 2 == 1 && t.contains("NodePort") {
            text = replace_after(
                &text,
                "name: s01\n",
                "targetPort: 8080\n",
                "targetPort: 8080\n    nodePort: 30080\n",
            );
        }
        texts.push(text);
    }
    // The holder's type flipped under it (the port given back and taken again).
    let last = texts.last().unwrap().clone();
    texts.push(replace_after(
        &last,
        "name: holder\n",
        "type: NodePort",
        "type: ClusterIP",
    ));
    texts.push(last);
    run_all(
        "a Service's type back and forth",
        vec![("type-flips", texts)],
        FULL,
    );
}

/// Namespaces deleted and added again: at the end (its Services then refused), back in
/// place, renamed, and a Service moved into a Namespace created after it.
#[test]
fn namespace_deleted_and_added_again() {
    let t0 = small_dump(4);
    let b = document_of(&t0, "kind: Namespace\nmetadata:\n  name: b\n");
    let bdoc = t0[b.clone()].to_string();
    let t1 = without(&t0, b.clone());
    let t2 = format!("{t1}{bdoc}");
    let t3 = t0.clone();
    let t4 = replace_after(
        &t0,
        "kind: Namespace\nmetadata:\n",
        "name: b\n",
        "name: c\n",
    );
    let t5 = replace_after(&t4, "name: s01\n", "namespace: b\n", "namespace: c\n");
    let t6 = replace_after(&t5, "name: s01-x\n", "namespace: b\n", "namespace: c\n");
    let t7 = t0.clone();
    // Both Namespaces gone in one edit, then back.
    let t8 = t0.replace(&namespace("a"), "").replace(&namespace("b"), "");
    let t9 = t0.clone();
    run_all(
        "a Namespace deleted and added again",
        vec![("namespaces", vec![t0, t1, t2, t3, t4, t5, t6, t7, t8, t9])],
        FULL,
    );
}

/// EndpointSlices written by hand: moved between Services by their label, their
/// namespace, readiness, address type, port name; a second slice for one Service; a
/// slice for a Service that does not exist; the labels kube-proxy ignores a Service or
/// slice by.
#[test]
fn hand_written_endpoint_slices() {
    let t0 = small_dump(3);
    let t1 = replace_after(
        &t0,
        "name: s00-x\n",
        "service-name: s00\n",
        "service-name: s02\n",
    );
    let t2 = replace_after(&t1, "name: s00-x\n", "ready: true", "ready: false");
    let t3 = replace_after(
        &t2,
        "name: s00-x\n",
        "addressType: IPv4",
        "addressType: IPv6",
    );
    let t4 = replace_after(
        &t3,
        "name: s00-x\n",
        "addressType: IPv6",
        "addressType: IPv4",
    );
    let t5 = replace_after(&t4, "name: s00-x\n", "- name: http\n", "- name: other\n");
    let t6 = format!(
        "{t5}{}",
        slice("s02-y", "a", "s02", &["10.244.1.99", "10.244.2.99"], true)
    );
    let t7 = format!(
        "{t6}{}",
        slice("ghost-x", "a", "ghost", &["10.244.1.98"], true)
    );
    let t8 = format!("{t7}{}", svc("ghost", "a", "", ""));
    let t9 = replace_after(
        &t8,
        "name: s02\n",
        "  namespace: a\n",
        "  namespace: a\n  labels:\n    service.kubernetes.io/service-proxy-name: other\n",
    );
    let t10 = replace_after(
        &t9,
        "name: s02-y\n",
        "  labels:\n",
        "  labels:\n    service.kubernetes.io/headless: \"\"\n",
    );
    let t11 = replace_after(
        &t10,
        "name: s02\n",
        "    service.kubernetes.io/service-proxy-name: other\n",
        "",
    );
    let t12 = replace_after(
        &t11,
        "name: s02-y\n",
        "    service.kubernetes.io/headless: \"\"\n",
        "",
    );
    // The slice's namespace moved away from its Service's.
    let t13 = replace_after(&t12, "name: s02-y\n", "namespace: a", "namespace: b");
    let t14 = t0.clone();
    run_all(
        "hand-written EndpointSlices",
        vec![(
            "slices",
            vec![
                t0, t1, t2, t3, t4, t5, t6, t7, t8, t9, t10, t11, t12, t13, t14,
            ],
        )],
        FULL,
    );
}

/// Topology hints written in slices (zones, nodes), a Node's zone changed under them,
/// `trafficDistribution` and the internal/external policies.
#[test]
fn topology_hints_appear_and_go() {
    let t0 = small_dump(3);
    let hinted = "  conditions: {ready: true}\n  nodeName: n1\n";
    let t1 = t0.replacen(
        hinted,
        "  conditions: {ready: true}\n  nodeName: n1\n  zone: za\n  hints:\n    forZones:\n    - name: za\n",
        1,
    );
    let t2 = t1.replacen(
        "  conditions: {ready: true}\n  nodeName: n2\n",
        "  conditions: {ready: true}\n  nodeName: n2\n  zone: zb\n  hints:\n    forZones:\n    - name: zb\n",
        1,
    );
    // n1 moves to zone zb: its endpoint's hint no longer names its node's zone.
    let t3 = t2.replacen(
        "topology.kubernetes.io/zone: za",
        "topology.kubernetes.io/zone: zb",
        1,
    );
    let t4 = t3.replacen("    - name: za\n", "    - name: zb\n", 1);
    let t5 = t4.replacen(
        "    forZones:\n    - name: zb\n",
        "    forZones:\n    - name: zb\n    forNodes:\n    - name: n1\n",
        1,
    );
    let t6 = replace_after(
        &t5,
        "name: s00\n",
        "spec:\n",
        "spec:\n  trafficDistribution: PreferClose\n  internalTrafficPolicy: Local\n",
    );
    let t7 = replace_after(&t6, "name: s00\n", "  internalTrafficPolicy: Local\n", "");
    let t8 = t2.clone();
    let t9 = t0.clone();
    run_all(
        "topology hints",
        vec![("topology", vec![t0, t1, t2, t3, t4, t5, t6, t7, t8, t9])],
        FULL,
    );
}

/// A KubeProxyConfiguration added, edited field by field and removed mid-chain, the
/// listings shown between the edits (every Service's rules depend on it).
#[test]
fn kube_proxy_configuration_edited_mid_chain() {
    let t0 = small_dump(3);
    let kpc = "---\napiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\nmode: iptables\nclusterCIDR: 10.244.0.0/16\n";
    let at = document_of(&t0, "name: s01\n").start;
    let t1 = insert(&t0, at, kpc);
    let t2 = t1.replacen(
        "clusterCIDR: 10.244.0.0/16\n",
        "clusterCIDR: 10.0.0.0/8\n",
        1,
    );
    let t3 = t2.replacen(
        "clusterCIDR: 10.0.0.0/8\n",
        "clusterCIDR: 10.0.0.0/8\niptables:\n  masqueradeAll: true\n",
        1,
    );
    let t4 = t3.replacen(
        "masqueradeAll: true",
        "masqueradeAll: false\n  masqueradeBit: 15",
        1,
    );
    let t5 = t4.replacen(
        "mode: iptables\n",
        "mode: iptables\nnodePortAddresses: [192.168.0.0/24]\n",
        1,
    );
    let t6 = t5.replacen("mode: iptables\n", "mode: nftables\n", 1);
    let t7 = t6.replacen("mode: nftables\n", "mode: ipvs\n", 1);
    let t8 = t7.replacen("mode: ipvs\n", "mode: iptables\n", 1);
    let t9 = t8.replacen(
        "mode: iptables\n",
        "mode: iptables\ndetectLocalMode: NodeCIDR\n",
        1,
    );
    let t10 = t9.replacen(
        "mode: iptables\n",
        "mode: iptables\nhostnameOverride: n2\n",
        1,
    );
    let t11 = t0.clone();
    run_all(
        "a KubeProxyConfiguration edited mid-chain",
        vec![(
            "kube-proxy-configuration",
            vec![t0, t1, t2, t3, t4, t5, t6, t7, t8, t9, t10, t11],
        )],
        FULL,
    );
}

/// A Session document added to a dump (the bulk carry-over still applies: it is no
/// object) and edited: the clock, rules a previous mode left, kube-proxy still running
/// an older configuration, retired Pod addresses, the terminal's node.
#[test]
fn session_document_edited_mid_chain() {
    let t0 = small_dump(3);
    let session =
        "---\napiVersion: svcplay.dev/v1alpha1\nkind: Session\ntime: \"2025-01-01T00:00:10Z\"\n";
    let t1 = format!("{t0}{session}");
    let t2 = t1.replacen("00:00:10Z", "00:05:10Z", 1);
    let t3 = format!("{t2}leftovers:\n- node: n1\n  mode: ipvs\n");
    let t4 = t3.replacen("  mode: ipvs\n", "  mode: iptables\n", 1);
    let t5 = format!(
        "{t4}kubeProxy:\n  configuration: |\n    apiVersion: kubeproxy.config.k8s.io/v1alpha1\n    kind: KubeProxyConfiguration\n    mode: ipvs\n  restarted: [n2]\n"
    );
    let kpc = "---\napiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\nmode: iptables\n";
    let t6 = insert(&t5, t5.find("---\napiVersion: svcplay.dev").unwrap(), kpc);
    let t7 = t6.replacen("  restarted: [n2]\n", "  restarted: [n1]\n", 1);
    let t8 = format!("{t7}node: n2\nretiredPodIPs: [10.244.1.2]\n");
    // The session moved to the top.
    let s = document_of(&t8, "kind: Session\n");
    let t9 = insert(&without(&t8, s.clone()), 0, &t8[s]);
    let t10 = t0.clone();
    run_all(
        "a Session document edited mid-chain",
        vec![("session", vec![t0, t1, t2, t3, t4, t5, t6, t7, t8, t9, t10])],
        FULL,
    );
}

/// CRLF line breaks in one document and then all, a BOM at the start and typed mid-text,
/// tabs where YAML refuses them and where it takes them, a multi-byte character changed
/// into another (the texts' common prefix ends inside it).
#[test]
fn crlf_bom_tabs_and_multibyte() {
    let t0 = small_dump(3);
    let d = document_of(&t0, "name: s01\n");
    let crlf_one = format!(
        "{}{}{}",
        &t0[..d.start],
        t0[d.clone()].replace('\n', "\r\n"),
        &t0[d.end..]
    );
    let t1 = crlf_one.clone();
    let t2 = t1.replacen("port: 80\r\n", "port: 81\r\n", 1);
    let t3 = t0.replace('\n', "\r\n");
    let t4 = t3.replacen("port: 80\r\n", "port: 82\r\n", 1);
    let t5 = t0.clone();
    let t6 = format!("\u{feff}{t5}");
    let t7 = t6.replacen("port: 80\n", "port: 83\n", 1);
    let t8 = t0.clone();
    // A BOM typed at the start of a document (after its separator line).
    let at = document_of(&t8, "name: s02\n").start + 4;
    let t9 = insert(&t8, at, "\u{feff}");
    let t10 = t8.clone();
    let t11 = replace_after(&t10, "name: s01\n", "  ports:\n", "\tports:\n");
    let t12 = replace_after(&t11, "name: s01\n", "\tports:\n", "  ports:\n");
    let t13 = replace_after(&t12, "name: s01\n", "port: 80\n", "port:\t80\n");
    let t14 = replace_after(
        &t13,
        "name: s01\n",
        "  namespace: b\n",
        "  namespace: b\n  annotations: {note: café}\n",
    );
    let t15 = t14.replacen("café", "cafè", 1);
    let t16 = t14.replacen("café", "cafe\u{301}", 1);
    let t17 = t0.clone();
    run_all(
        "CRLF, BOM, tabs and multi-byte characters",
        vec![(
            "crlf-bom-tabs",
            vec![
                t0, t1, t2, t3, t4, t5, t6, t7, t8, t9, t10, t11, t12, t13, t14, t15, t16, t17,
            ],
        )],
        FULL,
    );
}

/// `---` typed key by key into a document (in its metadata, its spec, a slice's
/// endpoints, a `kind: List`), then deleted key by key; a directive line and an end
/// marker before a separator in the middle of the text.
#[test]
fn separator_typed_into_a_document() {
    let base = small_dump(3);
    let mut chains = Vec::new();
    for (name, after) in [
        ("in-metadata", "name: s01\n"),
        ("in-spec", "name: s01\n  namespace: b\nspec:\n  ports:\n"),
        ("in-endpoints", "name: s01-x\n"),
    ] {
        let at = base.find(after).unwrap() + after.len();
        let mut texts = vec![base.clone()];
        for typed in ["-", "--", "---", "---\n", "--- #\n", "---\n"] {
            texts.push(insert(&base, at, typed));
        }
        for typed in ["---", "--", "-", ""] {
            texts.push(insert(&base, at, typed));
        }
        chains.push((name, texts));
    }
    // Directives and end markers before a separator mid-text.
    let at = document_of(&base, "name: s01\n").start;
    let texts = vec![
        base.clone(),
        insert(&base, at, "%YAML 1.2\n"),
        base.clone(),
        insert(&base, at, "...\n"),
        insert(&base, at, "...\n# after the end\n"),
        base.clone(),
        // Typing right after a separator at the very end of the text.
        format!("{base}---"),
        format!("{base}---\n"),
        format!("{base}---\na"),
        format!("{base}---\n"),
        base.clone(),
    ];
    chains.push(("directives-markers", texts));
    // A `kind: List` of Services, split by a separator typed between its items.
    let list = "---\napiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Service\n  metadata:\n    name: la\n    namespace: a\n  spec:\n    ports:\n    - port: 80\n- apiVersion: v1\n  kind: Service\n  metadata:\n    name: lb\n    namespace: a\n  spec:\n    ports:\n    - port: 80\n";
    let with_list = format!("{base}{list}");
    let at = with_list
        .find("- apiVersion: v1\n  kind: Service\n  metadata:\n    name: lb")
        .unwrap();
    chains.push((
        "in-a-list",
        vec![
            with_list.clone(),
            insert(&with_list, at, "-"),
            insert(&with_list, at, "---\n"),
            with_list.clone(),
        ],
    ));
    run_all("a separator typed into a document", chains, FULL);
}
