//! A real kernel agrees: kube-proxy's rules, loaded by the real `iptables-restore` into a
//! fresh network namespace, read back by the real `iptables-save`, equal what
//! `svcplay run -- iptables-save` prints (apart from the timestamp comment lines and the
//! counters), and `iptables -t TABLE -S` and `iptables -t TABLE -L` (with `-n`, `-v`,
//! `-x`, `--line-numbers`, and without `-n`: names) equal svcplay's.
//!
//! For every case of the kube-proxy iptables corpora (`tests/fixtures/kube-proxy-iptables*`)
//! and every IP family its node runs, the test creates a network namespace and replays
//! kube-proxy's start there, step by step as svcplay models it
//! ([`startup_steps`](svcplay::proxy::iptables::node::startup_steps)): the canary chains,
//! the jumps from the built-in chains (`iptables -N`, `iptables -I`), the nfacct counters
//! (`nfacct add`) when the case's node has nfacct, and `iptables-restore --noflush
//! --counters` fed with `svcplay kube-proxy --stored`'s output. Then it compares the
//! kernel's `iptables-save` / `ip6tables-save` with svcplay's. Namespaces are always
//! deleted (a guard), also when a step fails.
//!
//! It needs root, `ip netns`, `iptables-restore`/`iptables-save` (and the `ip6tables`
//! ones), and `nfacct` for the cases whose node has nfacct counters. Elsewhere it prints
//! why it was skipped and passes.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use svcplay::model::ip::IpFamily;
use svcplay::proxy::iptables::node::{Step, startup_steps};
use svcplay::scenario::{Options, analyze};

const CORPORA: [&str; 3] = [
    "kube-proxy-iptables",
    "kube-proxy-iptables-own",
    "kube-proxy-iptables-flows",
];

fn cases() -> Vec<PathBuf> {
    let mut out = Vec::new();
    for corpus in CORPORA {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(corpus);
        let Ok(entries) = std::fs::read_dir(&root) else {
            continue;
        };
        let mut cases: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.join("input.yaml").is_file())
            .collect();
        cases.sort();
        out.extend(cases);
    }
    out
}

fn run(argv: &[&str]) -> std::io::Result<Output> {
    Command::new(argv[0]).args(&argv[1..]).output()
}

fn succeeds(argv: &[&str]) -> bool {
    run(argv).is_ok_and(|o| o.status.success())
}

/// Why the kernel test cannot run here, if it cannot.
fn unavailable() -> Option<String> {
    match run(&["id", "-u"]) {
        Ok(o) if String::from_utf8_lossy(&o.stdout).trim() == "0" => {}
        Ok(_) => return Some("not running as root".into()),
        Err(e) => return Some(format!("cannot run `id -u`: {e}")),
    }
    for tool in [
        "ip",
        "iptables-restore",
        "iptables-save",
        "ip6tables-restore",
        "ip6tables-save",
    ] {
        if !succeeds(&["sh", "-c", &format!("command -v {tool}")]) {
            return Some(format!("`{tool}` is not installed"));
        }
    }
    None
}

/// A network namespace that is deleted when dropped.
struct Netns(String);

impl Netns {
    fn create(name: String) -> Result<Netns, String> {
        let out = run(&["ip", "netns", "add", &name]).map_err(|e| e.to_string())?;
        if !out.status.success() {
            return Err(format!(
                "ip netns add {name}: {}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        Ok(Netns(name))
    }

    /// Runs `argv` inside the namespace, feeding `stdin`.
    fn exec(&self, argv: &[String], stdin: &str) -> Result<String, String> {
        let mut child = Command::new("ip")
            .args(["netns", "exec", &self.0])
            .args(argv)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("{argv:?}: {e}"))?;
        if let Some(mut input) = child.stdin.take() {
            input
                .write_all(stdin.as_bytes())
                .map_err(|e| format!("{argv:?}: writing stdin: {e}"))?;
        }
        let out = child
            .wait_with_output()
            .map_err(|e| format!("{argv:?}: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "{} failed ({}): {}",
                argv.join(" "),
                out.status,
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = run(&["ip", "netns", "del", &self.0]);
    }
}

fn svcplay(args: &[&str]) -> Result<String, String> {
    let out = Command::new(env!("CARGO_BIN_EXE_svcplay"))
        .args(args)
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(format!(
            "svcplay {args:?} exited with {}: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The restore input of one family from `svcplay kube-proxy`'s output, which for a
/// dual-stack node has one section per family, each after a `# …-restore input (IPvN)`
/// line.
fn restore_input(output: &str, family: IpFamily, families: usize) -> String {
    if families == 1 {
        return output.to_string();
    }
    let marker = format!("input ({family})");
    let mut take = false;
    let mut out = String::new();
    for line in output.lines() {
        if line.starts_with("# ") && line.contains("-restore input (") {
            take = line.contains(&marker);
            continue;
        }
        if take {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// `iptables-save` output without the timestamp lines, with every counter zeroed.
fn normalize(save: &str) -> String {
    let mut out = String::new();
    for line in save.lines() {
        if line.starts_with("# Generated by ") || line.starts_with("# Completed on ") {
            continue;
        }
        let line = match line.split_once(" [") {
            Some((head, rest)) if line.starts_with(':') && rest.ends_with(']') => {
                format!("{head} [0:0]")
            }
            _ => line.to_string(),
        };
        out.push_str(&line);
        out.push('\n');
    }
    out
}

fn diff(expected: &str, actual: &str) -> String {
    let e: Vec<&str> = expected.lines().collect();
    let a: Vec<&str> = actual.lines().collect();
    let first = e
        .iter()
        .zip(&a)
        .position(|(x, y)| x != y)
        .unwrap_or(e.len().min(a.len()));
    let mut out = String::new();
    for i in first.saturating_sub(2)..first + 4 {
        match (e.get(i), a.get(i)) {
            (Some(x), Some(y)) if x == y => out.push_str(&format!("    {x}\n")),
            (x, y) => {
                if let Some(x) = x {
                    out.push_str(&format!("  kernel  {x}\n"));
                }
                if let Some(y) = y {
                    out.push_str(&format!("  svcplay {y}\n"));
                }
            }
        }
    }
    out
}

enum Checked {
    Agreed,
    Skipped(String),
}

fn check_case(case: &Path, number: usize, nfacct_tool: bool) -> Result<Checked, String> {
    let input = case.join("input.yaml");
    let input = input.to_str().ok_or("non-UTF-8 path")?;
    let text = std::fs::read_to_string(input).map_err(|e| e.to_string())?;
    let analysis = analyze(&text, Options { stored: true });
    let node = analysis.default_node();
    let contexts: Vec<_> = analysis
        .proxy_facts(&node)
        .into_iter()
        .map(|f| (f.family, f.node))
        .collect();
    if contexts.iter().any(|(_, n)| n.nfacct) && !nfacct_tool {
        return Ok(Checked::Skipped(
            "its node has nfacct counters and `nfacct` is not installed".into(),
        ));
    }
    let restore = svcplay(&["kube-proxy", "--stored", input])?;
    let netns = Netns::create(format!("svcplay-kernel-{}-{number}", std::process::id()))?;
    for (family, context) in &contexts {
        let ruleset = restore_input(&restore, *family, contexts.len());
        for step in startup_steps(context) {
            let argv = step.argv(*family);
            let stdin = if step == Step::Restore {
                ruleset.as_str()
            } else {
                ""
            };
            if let Step::NfacctAdd(_) = step {
                // The counters are shared by both families: create them once.
                if *family != contexts[0].0 {
                    continue;
                }
            }
            netns.exec(&argv, stdin)?;
        }
    }
    for (family, _) in &contexts {
        let tool = match family {
            IpFamily::IPv4 => "iptables-save",
            IpFamily::IPv6 => "ip6tables-save",
        };
        let kernel = normalize(&netns.exec(&[tool.to_string()], "")?);
        let ours = normalize(&svcplay(&["run", "--stored", input, "--", tool])?);
        if kernel != ours {
            return Err(format!("{tool} differs:\n{}", diff(&kernel, &ours)));
        }
        // `iptables -t TABLE -S` lists the same rules with -P/-N lines.
        let lister = tool.trim_end_matches("-save");
        // `iptables -t TABLE -L` in each of its forms lists them as columns.
        for table in ["filter", "nat", "mangle"] {
            for flags in [
                &["-S"][..],
                &["-L", "-n"],
                &["-L", "-n", "-v"],
                &["-L", "-n", "--line-numbers"],
                &["-nvxL"],
                &["-L"],
            ] {
                let mut argv = vec![lister, "-t", table];
                argv.extend(flags);
                let kernel =
                    netns.exec(&argv.iter().map(|a| a.to_string()).collect::<Vec<_>>(), "")?;
                let mut ours_argv = vec!["run", "--stored", input, "--"];
                ours_argv.extend(&argv);
                let ours = svcplay(&ours_argv)?;
                if kernel != ours {
                    return Err(format!(
                        "{} differs:\n{}",
                        argv.join(" "),
                        diff(&kernel, &ours)
                    ));
                }
            }
        }
    }
    Ok(Checked::Agreed)
}

#[test]
fn a_real_kernel_agrees_with_iptables_save() {
    if let Some(why) = unavailable() {
        eprintln!("kernel test skipped: {why}");
        return;
    }
    let nfacct_tool = succeeds(&["sh", "-c", "command -v nfacct"]);
    // Creating a namespace can fail in a container without the right capabilities.
    match Netns::create(format!("svcplay-kernel-{}-probe", std::process::id())) {
        Ok(_probe) => {}
        Err(e) => {
            eprintln!("kernel test skipped: cannot create a network namespace: {e}");
            return;
        }
    }
    let all = cases();
    assert!(!all.is_empty(), "no kube-proxy iptables cases");
    let mut failures = Vec::new();
    let mut agreed = 0;
    let mut skipped = Vec::new();
    for (n, case) in all.iter().enumerate() {
        let name = case
            .strip_prefix(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures"))
            .unwrap_or(case)
            .display()
            .to_string();
        match check_case(case, n, nfacct_tool) {
            Ok(Checked::Agreed) => agreed += 1,
            Ok(Checked::Skipped(why)) => skipped.push(format!("{name}: {why}")),
            Err(e) => failures.push(format!("{name}:\n{e}")),
        }
    }
    eprintln!(
        "kernel: {agreed}/{} cases agree with the real iptables-save ({} skipped)",
        all.len(),
        skipped.len()
    );
    for s in &skipped {
        eprintln!("  skipped {s}");
    }
    if !failures.is_empty() {
        panic!(
            "{} of {} cases differ from the kernel:\n\n{}",
            failures.len(),
            all.len(),
            failures.join("\n")
        );
    }
}
