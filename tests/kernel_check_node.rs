//! `svcplay check-node` against dumps a real kernel printed.
//!
//! For iptables and for nftables mode, in a fresh network namespace: kube-proxy's rules
//! for scenario A (`tests/fixtures/check-node/scenario-a.yaml`) are loaded the way
//! kube-proxy loads them (iptables: the start-up steps of
//! [`startup_steps`](svcplay::proxy::iptables::node::startup_steps) and
//! `iptables-restore --noflush`; nftables: `nft -f` with its transaction), next to rules
//! of other owners (a CNI plugin's chain and jump, kubelet's canary, another nftables
//! table), and dumped with the real `iptables-save -c` / `nft list ruleset`. Then:
//!
//! 1. checked against scenario A itself: no finding at all, exit 0 — the other owners'
//!    rules are ignored;
//! 2. checked against scenario B (`scenario-b.yaml`: a Deployment scaled down, a port
//!    changed, a Service deleted, one added): the drift reported is exactly A's rules
//!    minus B's (`extra`, or `stale` for the deleted Service's) and B's minus A's
//!    (`missing`), computed here from svcplay's own listings of A and B by a plain line
//!    diff; exit 1;
//! 3. one rule (and, in nftables, one map element) deleted in the kernel, checked against
//!    A: exactly those are reported `missing`.
//!
//! Needs root, `ip netns`, iptables 1.8 and nft; elsewhere it says why it skipped and passes.

#[path = "support/netns.rs"]
mod netns;

use netns::{Netns, unavailable};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use svcplay::proxy::iptables::node::{Step, startup_steps};
use svcplay::scenario::{Options, analyze};

/// (table, chain, rule): one comparable thing of kube-proxy's.
type Item = (String, String, String);

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/check-node")
        .join(name)
}

fn svcplay(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_svcplay"))
        .args(args)
        .output()
        .expect("run svcplay")
}

fn stdout(out: Output) -> String {
    String::from_utf8(out.stdout).expect("UTF-8")
}

/// Runs `argv` in the namespace; a failure fails the test.
fn exec(netns: &Netns, argv: &[&str], stdin: &str) -> String {
    netns.exec(argv, stdin).unwrap_or_else(|e| panic!("{e}"))
}

static FILES: AtomicUsize = AtomicUsize::new(0);

/// `svcplay check-node SCENARIO --dump DUMP`: its exit status and output.
fn check_node(scenario: &Path, dump: &str) -> (i32, String) {
    let mut file = tempfile(dump);
    file.flush().unwrap();
    let out = svcplay(&[
        "check-node",
        scenario.to_str().unwrap(),
        "--dump",
        file.path.to_str().unwrap(),
    ]);
    (out.status.code().unwrap_or(-1), stdout(out))
}

/// A file removed when dropped.
struct Temp {
    path: PathBuf,
    file: std::fs::File,
}

impl Write for Temp {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.file.write(b)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}

impl Drop for Temp {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

fn tempfile(text: &str) -> Temp {
    let path = std::env::temp_dir().join(format!(
        "svcplay-check-node-{}-{}.txt",
        std::process::id(),
        FILES.fetch_add(1, Ordering::SeqCst)
    ));
    let mut file = std::fs::File::create(&path).expect("create a temporary file");
    file.write_all(text.as_bytes()).expect("write it");
    Temp { path, file }
}

/// The finding lines of check-node's output, as (kind, table, chain, rule).
fn findings(output: &str) -> Vec<(String, String, String, String)> {
    output
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| {
            let mut parts = l.splitn(4, ' ');
            let mut next = || parts.next().unwrap_or("").to_string();
            (next(), next(), next(), next())
        })
        .collect()
}

/// A multiset difference: the items of `a` not matched in `b`.
fn minus(a: &[Item], b: &[Item]) -> Vec<Item> {
    let mut left: BTreeMap<&Item, usize> = BTreeMap::new();
    for x in b {
        *left.entry(x).or_default() += 1;
    }
    let mut out = Vec::new();
    for x in a {
        match left.get_mut(x) {
            Some(n) if *n > 0 => *n -= 1,
            _ => out.push(x.clone()),
        }
    }
    out.sort();
    out
}

/// kube-proxy's items of an `iptables-save` text: (table, chain, `-N CHAIN` or the rule),
/// for its chains (`KUBE-*`) and the rules of the built-in chains that jump to them.
fn iptables_items(save: &str) -> Vec<Item> {
    let mut out = Vec::new();
    let mut table = String::new();
    for line in save.lines() {
        if let Some(t) = line.strip_prefix('*') {
            table = t.to_string();
        } else if let Some(rest) = line.strip_prefix(':') {
            let mut w = rest.split(' ');
            let chain = w.next().unwrap();
            if w.next() == Some("-") && chain.starts_with("KUBE-") {
                out.push((table.clone(), chain.to_string(), format!("-N {chain}")));
            }
        } else if let Some(rest) = line.strip_prefix("-A ") {
            let chain = rest.split(' ').next().unwrap();
            if chain.starts_with("KUBE-") || line.contains(" -j KUBE-") {
                out.push((table.clone(), chain.to_string(), line.to_string()));
            }
        }
    }
    out
}

/// kube-proxy's items of an `nft list` text: (table, chain or set, declaration / rule /
/// element); a declaration is reduced to `chain NAME` / `set NAME` / `map NAME`.
fn nft_items(listing: &str) -> Vec<Item> {
    let mut out = Vec::new();
    let mut table = String::new();
    let mut scope = String::new();
    let mut elements: Option<String> = None;
    for line in listing.lines() {
        let t = line.trim();
        if let Some(e) = elements.as_mut() {
            e.push(' ');
            e.push_str(t);
        } else if let Some(rest) = t.strip_prefix("table ") {
            let mut w = rest.split_whitespace();
            table = format!("{}/{}", w.next().unwrap(), w.next().unwrap());
        } else if let Some(rest) = ["chain ", "set ", "map "]
            .iter()
            .find_map(|p| t.strip_prefix(p).map(|r| (p, r)))
        {
            scope = rest.1.trim_end_matches(" {").to_string();
            out.push((table.clone(), scope.clone(), format!("{}{scope}", rest.0)));
        } else if t.starts_with("elements = {") {
            elements = Some(t.to_string());
        } else if !t.is_empty()
            && t != "}"
            && !t.starts_with("type ")
            && !t.starts_with("comment ")
            && !t.starts_with("flags ")
            && !t.starts_with("timeout ")
            && !t.starts_with("size ")
        {
            out.push((table.clone(), scope.clone(), t.to_string()));
        }
        if let Some(e) = &elements {
            if e.matches('{').count() == e.matches('}').count() {
                let inner = e.trim_start_matches("elements = {").trim_end_matches('}');
                for element in inner.split(',') {
                    let element = element.split_whitespace().collect::<Vec<_>>().join(" ");
                    out.push((table.clone(), scope.clone(), format!("element {element}")));
                }
                elements = None;
            }
        }
    }
    out
}

/// check-node's drift findings as items, with declarations reduced like [`nft_items`]'s.
fn drift_items(output: &str, kinds: &[&str]) -> Vec<Item> {
    let mut out: Vec<Item> = findings(output)
        .into_iter()
        .filter(|f| kinds.contains(&f.0.as_str()))
        .map(|(_, table, chain, rule)| {
            let rule = match rule.split_whitespace().next() {
                Some(kind @ ("chain" | "set" | "map")) => format!("{kind} {chain}"),
                _ => rule,
            };
            (table, chain, rule)
        })
        .collect();
    out.sort();
    out
}

/// The drift check-node must report for a node loaded with A and checked against B:
/// (missing, gone) where gone is extra or stale.
fn a_versus_b(a: &[Item], b: &[Item]) -> (Vec<Item>, Vec<Item>) {
    (minus(b, a), minus(a, b))
}

fn report_mismatch(what: &str, expected: &[Item], got: &[Item]) -> String {
    let mut out = format!("{what}:\n");
    for x in minus(expected, got) {
        out.push_str(&format!("  not reported: {x:?}\n"));
    }
    for x in minus(got, expected) {
        out.push_str(&format!("  reported but not a difference: {x:?}\n"));
    }
    out
}

/// The names that belong to scenario A's Service `shop/legacy` (deleted in B): its
/// chains' hashes and its name.
fn legacy_names() -> Vec<String> {
    let a = analyze(
        &std::fs::read_to_string(fixture("scenario-a.yaml")).unwrap(),
        Options::default(),
    );
    let mut names = vec!["shop/legacy".to_string()];
    for facts in a.proxy_facts(&a.default_node()) {
        for sp in facts
            .service_ports
            .iter()
            .filter(|sp| sp.info.name.to_string() == "shop/legacy")
        {
            names.push(svcplay::proxy::chain_hash(&["shop/legacy", "tcp"]));
            for e in &sp.endpoints {
                names.push(svcplay::proxy::chain_hash(&[
                    "shop/legacy",
                    "tcp",
                    &e.endpoint_string(),
                ]));
            }
        }
    }
    names
}

fn is_legacy(item: &Item, names: &[String]) -> bool {
    names
        .iter()
        .any(|n| item.1.contains(n.as_str()) || item.2.contains(n.as_str()))
}

#[test]
fn check_node_reads_what_the_kernel_prints() {
    if let Some(why) = unavailable(&["ip", "iptables-save", "iptables-restore", "nft"]) {
        eprintln!("kernel_check_node: skipped: {why}");
        return;
    }
    let probe = match Netns::create("svcplay-cn") {
        Ok(n) => n,
        Err(e) => {
            eprintln!("kernel_check_node: skipped: {e}");
            return;
        }
    };
    drop(probe);
    let mut failures = Vec::new();
    iptables_mode(&mut failures);
    nftables_mode(&mut failures);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn iptables_mode(failures: &mut Vec<String>) {
    let a_path = fixture("scenario-a.yaml");
    let b_path = fixture("scenario-b.yaml");
    let a_text = std::fs::read_to_string(&a_path).unwrap();
    let analysis = analyze(&a_text, Options::default());
    let node = analysis.default_node();
    let restore = stdout(svcplay(&["kube-proxy", a_path.to_str().unwrap()]));
    let netns = Netns::create("svcplay-cn").expect("a network namespace");
    // kubelet's and a CNI plugin's rules, there before kube-proxy starts.
    for argv in [
        &["iptables", "-t", "mangle", "-N", "KUBE-KUBELET-CANARY"][..],
        &["iptables", "-t", "filter", "-N", "CNI-FORWARD"],
        &[
            "iptables",
            "-t",
            "filter",
            "-A",
            "FORWARD",
            "-j",
            "CNI-FORWARD",
        ],
        &[
            "iptables",
            "-t",
            "filter",
            "-A",
            "CNI-FORWARD",
            "-s",
            "10.244.0.0/16",
            "-j",
            "ACCEPT",
        ],
    ] {
        exec(&netns, argv, "");
    }
    for facts in analysis.proxy_facts(&node) {
        for step in startup_steps(&facts.node) {
            let argv = step.argv(facts.family);
            let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
            let stdin = if step == Step::Restore {
                restore.as_str()
            } else {
                ""
            };
            exec(&netns, &argv, stdin);
        }
    }
    let dump = exec(&netns, &["iptables-save", "-c"], "");

    // 1. The node holds exactly A.
    let (status, output) = check_node(&a_path, &dump);
    if status != 0 || !findings(&output).is_empty() {
        failures.push(format!(
            "iptables: A's dump against A: exit {status}, expected 0 and no finding:\n{output}"
        ));
    }
    if !output.contains("ignored (") || !output.contains("CNI-FORWARD") {
        failures.push(format!(
            "iptables: the CNI plugin's chain is not reported as ignored:\n{output}"
        ));
    }

    // 2. Against B: exactly A vs B.
    let a_save = stdout(svcplay(&[
        "run",
        a_path.to_str().unwrap(),
        "--",
        "iptables-save",
    ]));
    let b_save = stdout(svcplay(&[
        "run",
        b_path.to_str().unwrap(),
        "--",
        "iptables-save",
    ]));
    let (missing, gone) = a_versus_b(&iptables_items(&a_save), &iptables_items(&b_save));
    let (status, output) = check_node(&b_path, &dump);
    let reported_missing = drift_items(&output, &["missing"]);
    let reported_gone = drift_items(&output, &["extra", "stale"]);
    if status != 1 {
        failures.push(format!("iptables: A against B: exit {status}, expected 1"));
    }
    if reported_missing != missing {
        failures.push(report_mismatch(
            "iptables: missing (B's rules not on the node)",
            &missing,
            &reported_missing,
        ));
    }
    if reported_gone != gone {
        failures.push(report_mismatch(
            "iptables: extra and stale (A's rules not in B)",
            &gone,
            &reported_gone,
        ));
    }
    let legacy = legacy_names();
    let stale: Vec<_> = gone
        .iter()
        .filter(|x| is_legacy(x, &legacy))
        .cloned()
        .collect();
    let reported_stale = drift_items(&output, &["stale"]);
    if reported_stale != stale {
        failures.push(report_mismatch(
            "iptables: stale (the deleted Service's rules)",
            &stale,
            &reported_stale,
        ));
    }
    eprintln!(
        "kernel_check_node: iptables: A's kernel dump against B: {} missing, {} extra, {} stale, as A vs B",
        reported_missing.len(),
        reported_gone.len() - reported_stale.len(),
        reported_stale.len()
    );

    // 3. One rule deleted in the kernel: reported missing, and nothing else.
    let web = format!(
        "KUBE-SVC-{}",
        svcplay::proxy::chain_hash(&["shop/web:http", "tcp"])
    );
    let listed = exec(&netns, &["iptables", "-t", "nat", "-S", &web], "");
    let deleted = listed.lines().nth(2).expect("a second rule").to_string();
    exec(&netns, &["iptables", "-t", "nat", "-D", &web, "2"], "");
    let dump = exec(&netns, &["iptables-save"], "");
    let (status, output) = check_node(&a_path, &dump);
    let expected = vec![(
        "missing".to_string(),
        "nat".to_string(),
        web.clone(),
        deleted.clone(),
    )];
    if status != 1 || findings(&output) != expected {
        failures.push(format!(
            "iptables: after `iptables -t nat -D {web} 2` ({deleted}): exit {status}, expected 1 and only that rule missing:\n{output}"
        ));
    } else {
        eprintln!("kernel_check_node: iptables: the deleted rule is reported: {deleted}");
    }
}

fn nftables_mode(failures: &mut Vec<String>) {
    let dir = std::env::temp_dir().join(format!("svcplay-check-node-nft-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let scenario = |name: &str| {
        let text = std::fs::read_to_string(fixture(name))
            .unwrap()
            .replace("mode: iptables", "mode: nftables");
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    };
    let (a_path, b_path) = (scenario("scenario-a.yaml"), scenario("scenario-b.yaml"));
    let transaction = stdout(svcplay(&["kube-proxy", a_path.to_str().unwrap()]));
    let netns = Netns::create("svcplay-cn").expect("a network namespace");
    // Another owner's table, which check-node must leave alone.
    exec(
        &netns,
        &["nft", "-f", "-"],
        "table inet filter {\n chain input {\n  type filter hook input priority 0; policy accept;\n  tcp dport 22 accept\n }\n}\n",
    );
    exec(&netns, &["nft", "-f", "-"], &transaction);
    let dump = exec(&netns, &["nft", "list", "ruleset"], "");

    let (status, output) = check_node(&a_path, &dump);
    if status != 0 || !findings(&output).is_empty() {
        failures.push(format!(
            "nftables: A's dump against A: exit {status}, expected 0 and no finding:\n{output}"
        ));
    }

    let a_list = stdout(svcplay(&[
        "run",
        a_path.to_str().unwrap(),
        "--",
        "nft",
        "list",
        "ruleset",
    ]));
    let b_list = stdout(svcplay(&[
        "run",
        b_path.to_str().unwrap(),
        "--",
        "nft",
        "list",
        "ruleset",
    ]));
    let (missing, gone) = a_versus_b(&nft_items(&a_list), &nft_items(&b_list));
    let (status, output) = check_node(&b_path, &dump);
    let reported_missing = drift_items(&output, &["missing"]);
    let reported_gone = drift_items(&output, &["extra", "stale"]);
    if status != 1 {
        failures.push(format!("nftables: A against B: exit {status}, expected 1"));
    }
    if reported_missing != missing {
        failures.push(report_mismatch(
            "nftables: missing",
            &missing,
            &reported_missing,
        ));
    }
    if reported_gone != gone {
        failures.push(report_mismatch(
            "nftables: extra and stale",
            &gone,
            &reported_gone,
        ));
    }
    // The deleted Service's name, and its ClusterIP in the address sets.
    let legacy = ["shop/legacy".to_string(), "element 10.96.10.30".to_string()];
    let stale: Vec<_> = gone
        .iter()
        .filter(|x| is_legacy(x, &legacy))
        .cloned()
        .collect();
    let reported_stale = drift_items(&output, &["stale"]);
    if reported_stale != stale {
        failures.push(report_mismatch("nftables: stale", &stale, &reported_stale));
    }
    eprintln!(
        "kernel_check_node: nftables: A's kernel dump against B: {} missing, {} extra, {} stale, as A vs B",
        reported_missing.len(),
        reported_gone.len() - reported_stale.len(),
        reported_stale.len()
    );

    // One rule and one map element deleted in the kernel.
    let handles = exec(
        &netns,
        &[
            "nft",
            "-a",
            "list",
            "chain",
            "ip",
            "kube-proxy",
            "masquerading",
        ],
        "",
    );
    let (rule, handle) = handles
        .lines()
        .find_map(|l| {
            let (rule, handle) = l.trim().split_once(" # handle ")?;
            rule.contains("return")
                .then(|| (rule.to_string(), handle.to_string()))
        })
        .expect("the masquerading chain's return rule");
    exec(
        &netns,
        &[
            "nft",
            "delete",
            "rule",
            "ip",
            "kube-proxy",
            "masquerading",
            "handle",
            &handle,
        ],
        "",
    );
    exec(
        &netns,
        &[
            "nft",
            "delete",
            "element",
            "ip",
            "kube-proxy",
            "service-ips",
            "{ 10.96.10.10 . tcp . 80 }",
        ],
        "",
    );
    let dump = exec(&netns, &["nft", "list", "ruleset"], "");
    let (status, output) = check_node(&a_path, &dump);
    let got = findings(&output);
    let ok = status == 1
        && got.len() == 2
        && got
            .iter()
            .any(|f| f.0 == "missing" && f.2 == "masquerading" && f.3 == rule)
        && got.iter().any(|f| {
            f.0 == "missing"
                && f.2 == "service-ips"
                && f.3.starts_with("element 10.96.10.10 . tcp . 80 ")
        });
    if !ok {
        failures.push(format!(
            "nftables: after deleting `{rule}` and an element: exit {status}, expected 1 and exactly those two missing:\n{output}"
        ));
    } else {
        eprintln!("kernel_check_node: nftables: the deleted rule and element are reported");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
