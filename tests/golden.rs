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

// ---- kube-proxy nftables: transactions, listings, packet flows -------------------------

/// kube-proxy's `sortNFTablesTransaction` (helpers_test.go), written independently of the
/// renderer: blank lines and `#` comments dropped, then a stable sort by object type
/// (table, chain, rule, set, map, element), then object name, rules keeping their order
/// within a chain and other lines sorted by their whole text.
fn sort_nft(text: &str) -> Vec<String> {
    let rank = |kind: &str| match kind {
        "table" => 0,
        "chain" => 1,
        "rule" => 2,
        "set" => 3,
        "map" => 4,
        "element" => 5,
        _ => 6,
    };
    let mut lines: Vec<(usize, &str)> = text
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .enumerate()
        .collect();
    lines.sort_by(|(ia, a), (ib, b)| {
        let wa: Vec<&str> = a.split(' ').collect();
        let wb: Vec<&str> = b.split(' ').collect();
        let (ka, kb) = (
            wa.get(1).copied().unwrap_or(""),
            wb.get(1).copied().unwrap_or(""),
        );
        let (na, nb) = (
            wa.get(4).copied().unwrap_or(""),
            wb.get(4).copied().unwrap_or(""),
        );
        rank(ka)
            .cmp(&rank(kb))
            .then(na.cmp(nb))
            .then(if ka == "rule" { ia.cmp(ib) } else { a.cmp(b) })
    });
    lines.into_iter().map(|(_, l)| l.to_string()).collect()
}

/// Compares two nft transactions after the test's normalisation; the mark `0x00004000`
/// the real binary writes and the `0x4000` of kube-proxy's tests count as equal.
fn compare_nft(expected: &str, actual: &str) -> Result<(), String> {
    let e = sort_nft(&normalize_mark(expected)).join("\n");
    let a = sort_nft(&normalize_mark(actual)).join("\n");
    if e == a { Ok(()) } else { Err(diff(&e, &a)) }
}

/// An `nft list` text with the chain blocks of each table sorted by name: the listing
/// shows chains in the kernel's creation order, which for kube-proxy follows Go's random
/// map order (and, in the reference, the hand-written order of kube-proxy's test). Used
/// only when the exact comparison fails, and reported.
fn chains_sorted(listing: &str) -> String {
    let mut out = String::new();
    for table in listing.split_inclusive("\n}\n") {
        let mut blocks: Vec<&str> = table.split("\n\n").collect();
        let chains_from = blocks
            .iter()
            .position(|b| b.trim_start().starts_with("chain "))
            .unwrap_or(blocks.len());
        let last = blocks.len() - 1;
        // The last block carries the table's closing brace; keep it apart while sorting.
        let tail = blocks[last]
            .strip_suffix("}\n")
            .unwrap_or(blocks[last])
            .trim_end_matches('\n')
            .to_string();
        let mut chains: Vec<String> = blocks.drain(chains_from..).map(str::to_string).collect();
        if let Some(c) = chains.last_mut() {
            *c = tail.clone();
        }
        chains.sort();
        out.push_str(&blocks.join("\n\n"));
        out.push_str("\n\n");
        out.push_str(&chains.join("\n\n"));
        out.push_str("\n}\n");
    }
    out
}

/// One packet-flow expectation of `expected-flows.yaml`.
struct Flow {
    name: String,
    source: String,
    protocol: String,
    destination: String,
    port: u16,
    output: String,
    masquerade: bool,
}

fn flows(text: &str) -> Vec<Flow> {
    let (documents, errors) = svcplay::manifest::yaml::parse_documents(text);
    assert!(errors.is_empty(), "{errors:?}");
    let root = documents[0].root.as_ref().expect("a YAML mapping");
    let field = |n: &svcplay::manifest::yaml::Node, k: &str| -> String {
        let v = n.get(k).unwrap_or_else(|| panic!("flow without {k}"));
        v.as_str()
            .map(str::to_string)
            .or_else(|| v.as_int().map(|i| i.to_string()))
            .or_else(|| v.as_bool().map(|b| b.to_string()))
            .unwrap_or_default()
    };
    root.get("flows")
        .and_then(|f| f.items())
        .unwrap_or(&[])
        .iter()
        .map(|n| Flow {
            name: field(n, "name"),
            source: field(n, "sourceIP"),
            protocol: field(n, "protocol"),
            destination: field(n, "destIP"),
            port: field(n, "destPort").parse().unwrap(),
            output: field(n, "output"),
            masquerade: field(n, "masq") == "true",
        })
        .collect()
}

/// Runs every flow of the case's `expected-flows.yaml` (if any) through `walk`; returns
/// how many were compared.
fn check_flows_with(
    case: &Path,
    walk: impl Fn(svcplay::proxy::trace::Packet) -> Result<svcplay::proxy::trace::Trace, String>,
) -> Result<usize, String> {
    use svcplay::proxy::Protocol;
    use svcplay::proxy::trace::Packet;
    let flows_file = case.join("expected-flows.yaml");
    if !flows_file.exists() {
        return Ok(0);
    }
    let mut compared = 0;
    for flow in flows(&read(&flows_file)) {
        let packet = Packet {
            src: flow.source.parse().unwrap(),
            dst: flow.destination.parse().unwrap(),
            dport: flow.port,
            protocol: Protocol::parse(&flow.protocol.to_uppercase()).unwrap(),
        };
        let t = walk(packet).map_err(|e| format!("flow {:?}: {e}", flow.name))?;
        if t.outcome.to_string() != flow.output || t.masquerade != flow.masquerade {
            return Err(format!(
                "flow {:?}: expected {:?} masq {}, got {:?} masq {}\n{t}",
                flow.name,
                flow.output,
                flow.masquerade,
                t.outcome.to_string(),
                t.masquerade
            ));
        }
        compared += 1;
    }
    Ok(compared)
}

/// The flows of a case through the nftables tracer (every branch).
fn check_flows(case: &Path, analysis: &svcplay::scenario::Analysis) -> Result<usize, String> {
    use svcplay::proxy::nftables::{AllBranches, trace};
    let node = analysis.default_node();
    let facts = analysis.proxy_facts(&node);
    let rulesets = analysis.nftables(&node);
    check_flows_with(case, |packet| {
        let (facts, ruleset) = facts
            .iter()
            .zip(&rulesets)
            .find(|(f, _)| f.family == svcplay::model::ip::IpFamily::of(&packet.dst))
            .ok_or("no table of its family")?;
        Ok(trace(&ruleset.table, facts, packet, &mut AllBranches))
    })
}

#[test]
fn kube_proxy_nftables() {
    run_corpus("kube-proxy-nftables", |case| {
        let analysis = analyze(&read(&case.join("input.yaml")), Options { stored: true });
        let node = analysis.default_node();
        let rulesets = analysis.nftables(&node);
        let transaction: String = rulesets.iter().map(|r| r.transaction.to_string()).collect();
        let mut compared = 0;
        compare_nft(&read(&case.join("expected.nft")), &transaction)
            .map_err(|e| format!("expected.nft:\n{e}"))?;
        compared += 1;
        let listing: String = rulesets.iter().map(|r| r.table.to_string()).collect();
        let expected_listing = read(&case.join("expected.list.nft"));
        if listing != expected_listing {
            if chains_sorted(&listing) != chains_sorted(&expected_listing) {
                return Err(format!(
                    "expected.list.nft:\n{}",
                    diff(&expected_listing, &listing)
                ));
            }
            eprintln!(
                "{}: expected.list.nft equal up to the creation order of the chains",
                case.display()
            );
        }
        compared += 1;
        compared += check_flows(case, &analysis)?;
        // TestSyncProxyRulesRepeated's successive syncs, replayed through one Syncer;
        // the steps the case notes say "time passes" happen 2 s after the previous one,
        // the others at once.
        let steps = case.join("steps");
        if steps.is_dir() {
            let notes = read(&case.join("case.md"));
            let mut inputs: Vec<_> = std::fs::read_dir(&steps)
                .unwrap()
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.to_string_lossy().ends_with("-input.yaml"))
                .collect();
            inputs.sort();
            let mut syncer = svcplay::proxy::nftables::Syncer::new();
            let mut now_ms = 0;
            for input in inputs {
                let step = input
                    .file_name()
                    .unwrap()
                    .to_string_lossy()
                    .replace("-input.yaml", "");
                if notes
                    .lines()
                    .any(|l| l.starts_with(&format!("- {step}:")) && l.contains("time passes"))
                {
                    now_ms += 2000;
                }
                let analysis = analyze(&read(&input), Options { stored: true });
                let facts = analysis.proxy_facts(&analysis.default_node());
                let actual = syncer.sync(&facts[0], now_ms).dump().to_string();
                let expected = read(&steps.join(format!("{step}-expected.nft")));
                compare_nft(&expected, &actual)
                    .map_err(|e| format!("steps/{step}-expected.nft:\n{e}"))?;
                compared += 1;
            }
        }
        Ok(compared)
    });
}

/// Whether expected files written by svcplay itself are to be rewritten.
fn blessing() -> bool {
    std::env::var_os("SVCPLAY_BLESS").is_some_and(|v| v == "1")
}

/// Compares `actual` with the file, or rewrites the file when blessing.
fn check_blessed(path: &Path, actual: &str) -> Result<(), String> {
    if blessing() {
        std::fs::write(path, actual).map_err(|e| format!("{}: {e}", path.display()))?;
        return Ok(());
    }
    let expected = read(path);
    if expected == actual {
        Ok(())
    } else {
        Err(format!(
            "{}:\n{}",
            path.file_name().unwrap().to_string_lossy(),
            diff(&expected, actual)
        ))
    }
}

/// svcplay's own nftables cases: exact transaction and listing (blessed, and checked
/// against a real kernel by tests/kernel_nft.rs), and hand-written packet flows.
#[test]
fn kube_proxy_nftables_svcplay() {
    run_corpus("kube-proxy-nftables-svcplay", |case| {
        let analysis = analyze(&read(&case.join("input.yaml")), Options { stored: true });
        let node = analysis.default_node();
        let rulesets = analysis.nftables(&node);
        let transaction: Vec<String> = rulesets.iter().map(|r| r.transaction.to_string()).collect();
        check_blessed(&case.join("expected.nft"), &transaction.join("\n"))?;
        let listing: String = rulesets.iter().map(|r| r.table.to_string()).collect();
        check_blessed(&case.join("expected.list.nft"), &listing)?;
        Ok(2 + check_flows(case, &analysis)?)
    });
}

// ---- kube-proxy userspace (legacy) ------------------------------------------------------

/// svcplay's own userspace cases: the mode's warning, `svcplay kube-proxy`'s output
/// (blessed), hand-written packet flows and round-robin choices.
#[test]
fn kube_proxy_userspace() {
    use svcplay::proxy::userspace::{roundrobin::RoundRobin, trace};
    run_corpus("kube-proxy-userspace", |case| {
        let analysis = analyze(&read(&case.join("input.yaml")), Options { stored: true });
        if !analysis
            .diagnostics
            .iter()
            .any(|d| d.path == "mode" && d.message.contains("removed in Kubernetes v1.26"))
        {
            return Err("no warning that the userspace mode was removed".into());
        }
        let node = analysis.default_node();
        let proxier = analysis.userspace(&node).ok_or("no userspace proxier")?;
        check_blessed(&case.join("expected.txt"), &proxier.to_string())?;
        let facts = analysis.proxy_facts(&node);
        let mut compared =
            1 + check_flows_with(case, |packet| Ok(trace(&proxier, &facts[0], packet)))?;
        let requests = case.join("requests.yaml");
        if requests.exists() {
            let (documents, _) = svcplay::manifest::yaml::parse_documents(&read(&requests));
            let root = documents[0].root.as_ref().unwrap();
            let service = root.get("service").and_then(|s| s.as_str()).unwrap();
            let socket = proxier
                .sockets
                .iter()
                .find(|s| s.name.to_string() == service)
                .ok_or_else(|| format!("no proxy socket for {service}"))?;
            let mut rr = RoundRobin::new(
                socket.endpoints.clone(),
                socket.affinity_timeout.map(|t| t as u64),
            );
            for r in root.get("requests").and_then(|r| r.items()).unwrap_or(&[]) {
                let at = r.get("at").unwrap();
                let at_ms = at
                    .as_int()
                    .map(|s| s as u64 * 1000)
                    .or_else(|| match at.scalar() {
                        Some(svcplay::manifest::yaml::Scalar::Float(f)) => {
                            Some((f * 1000.0) as u64)
                        }
                        _ => None,
                    })
                    .unwrap();
                let client = r.get("client").and_then(|c| c.as_str()).unwrap();
                let expected = r.get("endpoint").and_then(|e| e.as_str()).unwrap();
                let got = rr.next(client.parse().unwrap(), at_ms);
                if got.as_deref() != Some(expected) {
                    return Err(format!(
                        "request at {at_ms} ms from {client}: expected {expected}, got {got:?}"
                    ));
                }
                compared += 1;
            }
        }
        Ok(compared)
    });
}
