//! The golden harness: one walk over every fixture folder under `tests/fixtures/`.
//!
//! Each corpus folder (`tests/fixtures/<corpus>/`) holds case folders copied from
//! `../shared/reference/` with their provenance (`case.md` or the header of
//! `input.yaml`). A case is an input scenario and the files the real components print;
//! the harness renders the same outputs with svcplay and compares them. Expected files
//! copied from upstream are never edited; files svcplay writes for its own cases are
//! (re)written with `SVCPLAY_BLESS=1`.
//!
//! Every corpus test runs all its cases and reports every failure with a diff, so one
//! broken case never hides another.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use svcplay::scenario::{Options, analyze};

/// The case folders of a corpus, sorted.
fn cases(corpus: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(corpus);
    let mut out: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("{}: {e}", root.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    out.sort();
    out
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A line diff good enough to read a failure: the first differing line with context.
fn diff(expected: &str, actual: &str) -> String {
    let e: Vec<&str> = expected.lines().collect();
    let a: Vec<&str> = actual.lines().collect();
    let first = e
        .iter()
        .zip(a.iter())
        .position(|(x, y)| x != y)
        .unwrap_or(e.len().min(a.len()));
    let mut out = String::new();
    let from = first.saturating_sub(2);
    for i in from..(first + 6).max(from) {
        match (e.get(i), a.get(i)) {
            (Some(x), Some(y)) if x == y => writeln!(out, "    {x}").unwrap(),
            (x, y) => {
                if let Some(x) = x {
                    writeln!(out, "  - {x}").unwrap();
                }
                if let Some(y) = y {
                    writeln!(out, "  + {y}").unwrap();
                }
            }
        }
    }
    writeln!(out, "  (expected {} lines, got {})", e.len(), a.len()).unwrap();
    out
}

/// Runs `check` on every case, collecting failures; panics with all of them at the end.
fn run_corpus(corpus: &str, check: impl Fn(&Path) -> Result<usize, String>) {
    let mut failures = Vec::new();
    let mut passed = 0;
    let mut checks = 0;
    let all = cases(corpus);
    assert!(!all.is_empty(), "no cases in tests/fixtures/{corpus}");
    for case in &all {
        let name = case.file_name().unwrap().to_string_lossy().to_string();
        match check(case) {
            Ok(n) => {
                passed += 1;
                checks += n;
            }
            Err(e) => failures.push(format!("{corpus}/{name}:\n{e}")),
        }
    }
    eprintln!(
        "{corpus}: {passed}/{} cases passed ({checks} comparisons)",
        all.len()
    );
    if !failures.is_empty() {
        panic!(
            "{} of {} cases failed:\n\n{}",
            failures.len(),
            all.len(),
            failures.join("\n")
        );
    }
}

// ---- kube-proxy iptables: full rulesets ------------------------------------------------

/// kube-proxy's tests hard-code the masquerade mark as `0x4000`; the real binary writes
/// `0x00004000` (Go's `%#08x`). The reference README says to treat both as equal.
fn normalize_mark(text: &str) -> String {
    text.replace("0x00004000", "0x4000")
}

/// kube-proxy's `sortIPTablesRules` (reference README §5), written independently of the
/// renderer: the expected files are in this order, and svcplay must print it too.
fn sort_iptables(text: &str) -> String {
    let mut out = String::new();
    let mut tables: Vec<(String, Vec<String>, Vec<String>, Vec<String>)> = Vec::new();
    for line in text.lines() {
        if let Some(name) = line.strip_prefix('*') {
            tables.push((name.to_string(), Vec::new(), Vec::new(), Vec::new()));
        } else if let Some(chain) = line.strip_prefix(':') {
            let chain = chain.split(' ').next().unwrap().to_string();
            tables.last_mut().unwrap().1.push(chain);
        } else if line.starts_with("-A ") {
            tables.last_mut().unwrap().2.push(line.to_string());
        } else if let Some(chain) = line.strip_prefix("-X ") {
            tables.last_mut().unwrap().3.push(chain.to_string());
        }
    }
    tables.sort_by(|a, b| a.0.cmp(&b.0));
    let rank = |c: &str| match c {
        "KUBE-NODEPORTS" => 0,
        "KUBE-SERVICES" => 1,
        _ if c.starts_with("KUBE-") => 2,
        _ => 3,
    };
    for (name, mut chains, rules, deleted) in tables {
        for r in &rules {
            let chain = r.split(' ').nth(1).unwrap().to_string();
            if !chains.contains(&chain) {
                chains.push(chain);
            }
        }
        chains.sort_by(|a, b| rank(a).cmp(&rank(b)).then(a.cmp(b)));
        chains.dedup();
        writeln!(out, "*{name}").unwrap();
        for c in &chains {
            writeln!(out, ":{c} - [0:0]").unwrap();
        }
        for c in &chains {
            let mut in_chain: Vec<&String> = rules
                .iter()
                .filter(|r| r.split(' ').nth(1) == Some(c))
                .collect();
            if c == "KUBE-SERVICES" || c == "KUBE-NODEPORTS" {
                let key = |r: &String| {
                    let comment = r
                        .split("--comment ")
                        .nth(1)
                        .unwrap_or("")
                        .trim_start_matches('"')
                        .to_string();
                    let end = comment.find([' ', ':']).unwrap_or(comment.len());
                    comment[..end].to_string()
                };
                let (last, mut rest): (Vec<&String>, Vec<&String>) = in_chain
                    .into_iter()
                    .partition(|r| r.contains("must be the last rule"));
                rest.sort_by_key(|r| key(r));
                rest.extend(last);
                in_chain = rest;
            }
            for r in in_chain {
                writeln!(out, "{r}").unwrap();
            }
        }
        for c in &deleted {
            writeln!(out, "-X {c}").unwrap();
        }
        writeln!(out, "COMMIT").unwrap();
    }
    out
}

#[test]
fn kube_proxy_iptables() {
    run_corpus("kube-proxy-iptables", |case| {
        let analysis = analyze(&read(&case.join("input.yaml")), Options { stored: true });
        let node = analysis.default_node();
        let actual: String = analysis
            .iptables(&node)
            .iter()
            .map(|r| r.to_string())
            .collect();
        if sort_iptables(&actual) != actual {
            return Err(format!(
                "output is not in canonical order:\n{}",
                diff(&sort_iptables(&actual), &actual)
            ));
        }
        let mut compared = 0;
        for entry in std::fs::read_dir(case).unwrap().filter_map(Result::ok) {
            let name = entry.file_name().to_string_lossy().to_string();
            if name.starts_with("expected") && name.ends_with(".iptables") {
                let expected = read(&entry.path());
                if normalize_mark(&actual) != normalize_mark(&expected) {
                    return Err(format!(
                        "{name}:\n{}",
                        diff(&expected, &normalize_mark(&actual))
                    ));
                }
                compared += 1;
            }
        }
        if compared == 0 {
            return Err("no expected*.iptables file".into());
        }
        Ok(compared)
    });
}

// ---- kube-proxy iptables: packet flows --------------------------------------------------

/// One flow of a `flows.yaml`: a packet and where kube-proxy's tests say it ends up.
struct Flow {
    name: String,
    src: String,
    protocol: String,
    dst: String,
    dport: u16,
    output: String,
    masq: bool,
}

/// Reads a `flows.yaml` (flows and, where the test asserts them, whole chains).
fn read_flows(path: &Path) -> (Vec<Flow>, Vec<(String, String)>) {
    use svcplay::manifest::yaml::{Node, parse_documents};
    let text = read(path);
    let (documents, errors) = parse_documents(&text);
    assert!(errors.is_empty(), "{}: {errors:?}", path.display());
    let root: &Node = documents[0].root.as_ref().expect("a flows document");
    let text_of = |n: &Node, key: &str| -> String {
        n.get(key)
            .and_then(|v| v.as_str().map(str::to_string).or_else(|| v.key_string()))
            .unwrap_or_default()
    };
    let flows = root
        .get("flows")
        .and_then(Node::items)
        .unwrap_or(&[])
        .iter()
        .map(|f| Flow {
            name: text_of(f, "name"),
            src: text_of(f, "sourceIP"),
            protocol: text_of(f, "protocol"),
            dst: text_of(f, "destIP"),
            dport: f
                .get("destPort")
                .and_then(Node::as_int)
                .and_then(|p| u16::try_from(p).ok())
                .unwrap_or(0),
            output: text_of(f, "output"),
            masq: f.get("masq").and_then(Node::as_bool).unwrap_or(false),
        })
        .collect();
    let chains = root
        .get("expectedChains")
        .and_then(Node::entries)
        .unwrap_or(&[])
        .iter()
        .map(|e| {
            (
                e.key.as_str().unwrap_or_default().to_string(),
                e.value.as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    (flows, chains)
}

/// Checks every flow (and asserted chain) of a case's `flows.yaml`.
fn check_flows(case: &Path) -> Result<usize, String> {
    use svcplay::proxy::trace::Packet;
    let analysis = analyze(&read(&case.join("input.yaml")), Options { stored: true });
    let node = analysis.default_node();
    let (flows, chains) = read_flows(&case.join("flows.yaml"));
    if flows.is_empty() {
        return Err("no flows in flows.yaml".into());
    }
    let mut problems = Vec::new();
    for flow in &flows {
        let ip = |s: &str| svcplay::model::ip::parse_ip_sloppy(s).ok_or(format!("bad IP {s:?}"));
        let packet = Packet {
            src: ip(&flow.src)?,
            dst: ip(&flow.dst)?,
            dport: flow.dport,
            protocol: svcplay::proxy::Protocol::parse(&flow.protocol)
                .ok_or(format!("bad protocol {:?}", flow.protocol))?,
        };
        let trace = svcplay::views::iptables::trace(&analysis, &node, packet)?;
        let output = trace.outcome.to_string();
        if output != flow.output || trace.masquerade != flow.masq {
            problems.push(format!(
                "  {:?} ({packet}): expected output {:?} masq {}, got {:?} masq {}\n{}",
                flow.name, flow.output, flow.masq, output, trace.masquerade, trace
            ));
        }
    }
    // Whole chains the test asserts (`assertIPTablesChainEqual`): kube-proxy's order.
    let rulesets = analysis.iptables(&node);
    for (which, expected) in &chains {
        let (table, chain) = which.split_once('/').ok_or("bad chain key")?;
        let actual: String = rulesets
            .iter()
            .filter_map(|r| r.table(svcplay::proxy::iptables::TableName::parse(table)?))
            .flat_map(|t| t.chain(chain))
            .map(|r| format!("{r}\n"))
            .collect();
        if actual != *expected {
            problems.push(format!("  chain {which}:\n{}", diff(expected, &actual)));
        }
    }
    if problems.is_empty() {
        Ok(flows.len() + chains.len())
    } else {
        Err(problems.join("\n"))
    }
}

#[test]
fn kube_proxy_iptables_flows() {
    run_corpus("kube-proxy-iptables-flows", check_flows);
}

// ---- kube-proxy iptables: svcplay's own cases -------------------------------------------

/// Cases written for svcplay from kube-proxy's source (each `case.md` names it), for what
/// the reference corpora do not cover. `expected.iptables` (the IPv4 ruleset, or the only
/// one) and `expected.ip6tables` (the IPv6 ruleset of a dual-stack node) are svcplay's
/// output, checked by hand against proxier.go and written with `SVCPLAY_BLESS=1`, as are
/// `expected.iptables-save` / `expected.ip6tables-save` (the node's view, which
/// tests/kernel.rs checks against a real kernel); a `flows.yaml`, written by hand, is
/// checked like the flow corpus.
#[test]
fn kube_proxy_iptables_own() {
    let bless = std::env::var_os("SVCPLAY_BLESS").is_some();
    run_corpus("kube-proxy-iptables-own", |case| {
        let analysis = analyze(&read(&case.join("input.yaml")), Options { stored: true });
        let node = analysis.default_node();
        let rulesets = analysis.iptables(&node);
        let mut compared = 0;
        for ruleset in &rulesets {
            let file = if rulesets.len() > 1 && ruleset.family == svcplay::model::ip::IpFamily::IPv6
            {
                "expected.ip6tables"
            } else {
                "expected.iptables"
            };
            let actual = ruleset.to_string();
            if sort_iptables(&actual) != actual {
                return Err(format!(
                    "{file}: output is not in canonical order:\n{}",
                    diff(&sort_iptables(&actual), &actual)
                ));
            }
            let path = case.join(file);
            if bless {
                std::fs::write(&path, &actual).map_err(|e| format!("{}: {e}", path.display()))?;
            } else {
                let expected = read(&path);
                if actual != expected {
                    return Err(format!("{file}:\n{}", diff(&expected, &actual)));
                }
            }
            compared += 1;
        }
        // What `iptables-save` shows on the node afterwards (checked against a real kernel
        // by tests/kernel.rs; kept here so the view is also checked without root).
        let context = svcplay::views::Context { node: node.clone() };
        for ruleset in &rulesets {
            let tool = format!("{}-save", ruleset.tool());
            let output = svcplay::views::run(&analysis, &context, std::slice::from_ref(&tool));
            if output.status != 0 {
                return Err(format!("{tool}: {}", output.stderr));
            }
            let path = case.join(format!("expected.{tool}"));
            if bless {
                std::fs::write(&path, &output.stdout)
                    .map_err(|e| format!("{}: {e}", path.display()))?;
            } else {
                let expected = read(&path);
                if output.stdout != expected {
                    return Err(format!(
                        "expected.{tool}:\n{}",
                        diff(&expected, &output.stdout)
                    ));
                }
            }
            compared += 1;
        }
        if case.join("flows.yaml").is_file() {
            compared += check_flows(case)?;
        }
        Ok(compared)
    });
}
