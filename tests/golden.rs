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

// ---- service-api: kubectl apply against a fresh cluster ------------------------------

/// The `NN-name.yaml` / `NN-name.expected` pair of a service-api case folder.
fn service_api_pair(case: &Path) -> Result<(PathBuf, PathBuf), String> {
    let name = case.file_name().unwrap().to_string_lossy().to_string();
    let input = case.join(format!("{name}.yaml"));
    let expected = case.join(format!("{name}.expected"));
    if !input.exists() {
        return Err(format!("{} is missing", input.display()));
    }
    Ok((input, expected))
}

/// What `kubectl apply -f NN-name.yaml` prints (run from the case folder), and with
/// `-o yaml`.
fn service_api_run(input: &Path) -> (svcplay::views::CommandOutput, svcplay::views::CommandOutput) {
    use svcplay::views::kubectl::apply::{Format, SourceFile, apply};
    let analysis = analyze(&read(input), Options { stored: false });
    let files = [SourceFile {
        name: input.file_name().unwrap().to_string_lossy().to_string(),
        first_line: 1,
    }];
    (
        apply(&analysis, &files, Format::Default),
        apply(&analysis, &files, Format::Yaml),
    )
}

/// Checks a value the API server chose against the band its placeholder stands for
/// (the reference cases README): ClusterIPs from the dynamic band of 10.96.0.0/12
/// (10.96.1.1-10.111.255.254), NodePorts and healthCheckNodePorts from 30086-32767.
fn placeholder_matches(placeholder: &str, value: &str) -> bool {
    match placeholder {
        "<CLUSTER_IP>" => value
            .parse::<std::net::Ipv4Addr>()
            .map(u32::from)
            .is_ok_and(|v| {
                (u32::from(std::net::Ipv4Addr::new(10, 96, 1, 1))
                    ..=u32::from(std::net::Ipv4Addr::new(10, 111, 255, 254)))
                    .contains(&v)
            }),
        // svcplay's own dual-stack cases (service-api-own): the dynamic band of the
        // fd00:10:96::/112 range their `kubernetes` ServiceCIDR declares.
        "<CLUSTER_IP_V6>" => value.parse::<std::net::Ipv6Addr>().is_ok_and(|a| {
            let a = u128::from(a);
            let base = u128::from("fd00:10:96::".parse::<std::net::Ipv6Addr>().unwrap());
            a > base + 256 && a < base + 65536
        }),
        "<NODE_PORT>" | "<HEALTH_CHECK_NODE_PORT>" => value
            .parse::<u32>()
            .is_ok_and(|p| (30086..=32767).contains(&p)),
        _ => false,
    }
}

/// Compares YAML text with `<PLACEHOLDER>`s: a placeholder matches a value in its band,
/// and every `<CLUSTER_IP>` of one object is the same address.
fn compare_with_placeholders(expected: &str, actual: &str) -> Result<(), String> {
    let e: Vec<&str> = expected.lines().collect();
    let a: Vec<&str> = actual.lines().collect();
    if e.len() != a.len() {
        return Err(diff(expected, actual));
    }
    let mut cluster_ip: Option<String> = None;
    for (x, y) in e.iter().zip(a.iter()) {
        if x == y {
            continue;
        }
        let Some(start) = x.find('<') else {
            return Err(diff(expected, actual));
        };
        let end = x[start..]
            .find('>')
            .map(|i| start + i + 1)
            .unwrap_or(x.len());
        let (prefix, placeholder, suffix) = (&x[..start], &x[start..end], &x[end..]);
        let value = y
            .strip_prefix(prefix)
            .and_then(|v| v.strip_suffix(suffix))
            .ok_or_else(|| diff(expected, actual))?;
        if !placeholder_matches(placeholder, value) {
            return Err(format!(
                "{value} is not a valid {placeholder}\n{}",
                diff(expected, actual)
            ));
        }
        if placeholder == "<CLUSTER_IP>" {
            if let Some(ip) = &cluster_ip {
                if ip != value {
                    return Err(format!("two different <CLUSTER_IP>s: {ip} and {value}"));
                }
            }
            cluster_ip = Some(value.to_string());
        }
    }
    Ok(())
}

/// One service-api case: an error case's stderr line for line (exit 1); a valid case's
/// `# stdout:`/`# stderr:` lines and `-o yaml` object with placeholders (exit 0).
fn check_service_api_case(case: &Path, bless: bool) -> Result<usize, String> {
    let (input, expected_path) = service_api_pair(case)?;
    let (out, yaml_out) = service_api_run(&input);
    if bless && !expected_path.exists() {
        let text = if out.status == 0 {
            let mut text = String::from("valid\n");
            for line in out.stderr.lines() {
                text.push_str(&format!("# stderr: {line}\n"));
            }
            for line in out.stdout.lines() {
                text.push_str(&format!("# stdout: {line}\n"));
            }
            text + &yaml_out.stdout
        } else {
            out.stderr.clone()
        };
        std::fs::write(&expected_path, text).map_err(|e| e.to_string())?;
    }
    let expected = read(&expected_path);
    if let Some(rest) = expected.strip_prefix("valid\n") {
        let mut stdout = String::new();
        let mut stderr = String::new();
        let mut object = String::new();
        for line in rest.lines() {
            if let Some(s) = line.strip_prefix("# stdout: ") {
                stdout.push_str(s);
                stdout.push('\n');
            } else if let Some(s) = line.strip_prefix("# stderr: ") {
                stderr.push_str(s);
                stderr.push('\n');
            } else if !line.starts_with('#') {
                object.push_str(line);
                object.push('\n');
            }
        }
        if out.status != 0 {
            return Err(format!(
                "expected success, got exit {}:\n{}",
                out.status, out.stderr
            ));
        }
        if out.stdout != stdout {
            return Err(format!("stdout:\n{}", diff(&stdout, &out.stdout)));
        }
        if out.stderr != stderr {
            return Err(format!("stderr:\n{}", diff(&stderr, &out.stderr)));
        }
        compare_with_placeholders(&object, &yaml_out.stdout)?;
        Ok(3)
    } else {
        if out.status != 1 {
            return Err(format!(
                "expected exit 1, got {}:\n{}",
                out.status, out.stdout
            ));
        }
        if out.stderr != expected {
            return Err(format!("stderr:\n{}", diff(&expected, &out.stderr)));
        }
        if out.stdout.lines().any(|l| !l.ends_with(" created")) {
            return Err(format!("unexpected stdout:\n{}", out.stdout));
        }
        Ok(2)
    }
}

#[test]
fn service_api() {
    run_corpus("service-api", |case| check_service_api_case(case, false));
}

/// Cases svcplay wrote itself, one per rule of validation.md that no upstream case
/// exercises (each names its rule in `case.md`). `SVCPLAY_BLESS=1` writes a missing
/// `.expected` from svcplay's output, to be reviewed against the rule before committing.
#[test]
fn service_api_own() {
    let bless = std::env::var_os("SVCPLAY_BLESS").is_some();
    run_corpus("service-api-own", |case| {
        if !case.join("case.md").exists() {
            return Err("case.md (the rule and its source) is missing".into());
        }
        check_service_api_case(case, bless)
    });
}

// ---- kubectl views: `$ command` transcripts ---------------------------------------------

/// The `$ command` blocks of a transcript file: each command and the lines it prints.
/// Lines before the first `$ ` (comments) are ignored; a block ends at the next `$ `,
/// without the blank lines that separate blocks.
fn transcript(text: &str) -> Vec<(String, String)> {
    let mut blocks: Vec<(String, Vec<&str>)> = Vec::new();
    for line in text.lines() {
        if let Some(command) = line.strip_prefix("$ ") {
            blocks.push((command.to_string(), Vec::new()));
        } else if let Some((_, lines)) = blocks.last_mut() {
            lines.push(line);
        }
    }
    blocks
        .into_iter()
        .map(|(command, mut lines)| {
            while lines.last().is_some_and(|l| l.is_empty()) {
                lines.pop();
            }
            let mut output = lines.join("\n");
            if !output.is_empty() {
                output.push('\n');
            }
            (command, output)
        })
        .collect()
}

/// What a terminal shows for a simulated command: server warnings first, then stdout,
/// then the other stderr lines (errors are printed last).
fn terminal(out: &svcplay::views::CommandOutput) -> String {
    let (warnings, rest): (Vec<&str>, Vec<&str>) =
        out.stderr.lines().partition(|l| l.starts_with("Warning: "));
    let mut text = String::new();
    for l in warnings {
        text.push_str(l);
        text.push('\n');
    }
    text.push_str(&out.stdout);
    for l in rest {
        text.push_str(l);
        text.push('\n');
    }
    text
}

#[test]
fn kubectl_service() {
    run_corpus("kubectl-service", |case| {
        let stored = case.join("STORED").exists();
        let analysis = analyze(&read(&case.join("input.yaml")), Options { stored });
        let context = svcplay::views::Context {
            node: analysis.default_node(),
        };
        let mut n = 0;
        for (command, expected) in transcript(&read(&case.join("expected.txt"))) {
            let argv = svcplay::views::split_command_line(&command);
            let actual = terminal(&svcplay::views::run(&analysis, &context, &argv));
            if actual != expected {
                return Err(format!("$ {command}\n{}", diff(&expected, &actual)));
            }
            n += 1;
        }
        Ok(n)
    });
}
