//! A real kernel agrees: every nftables scenario's transaction, loaded with `nft -f` into
//! a fresh network namespace, lists exactly as `svcplay run -- nft list …` prints it; and
//! the userspace mode's iptables rules load with `iptables-restore`.
//!
//! Needs root, `ip netns` and `nft`; elsewhere the test prints why it was skipped and
//! passes. Each namespace is deleted by a guard, also when an assertion fails.
//!
//! svcplay prints what nft 1.0.6 prints (the reference's version). With that nft the
//! listings must be equal byte for byte. With another nft version the transaction must
//! still load, and the listings are compared as sorted lines with whitespace collapsed,
//! since nft's layout changes between releases; the test says so when it happens.

#[path = "support/netns.rs"]
mod netns;

use netns::{Netns, run, unavailable};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The nft version svcplay's listings are written for.
const NFT_VERSION: &str = "v1.0.6";

fn svcplay(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_svcplay"))
        .args(args)
        .output()
        .expect("run svcplay")
}

/// Every nftables scenario of the fixtures: the reference cases, their sync steps and
/// svcplay's own cases.
fn scenarios() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut out = Vec::new();
    for corpus in std::fs::read_dir(&root).unwrap().filter_map(Result::ok) {
        let name = corpus.file_name().to_string_lossy().to_string();
        if !name.starts_with("kube-proxy-nftables") {
            continue;
        }
        for case in std::fs::read_dir(corpus.path())
            .unwrap()
            .filter_map(Result::ok)
        {
            let input = case.path().join("input.yaml");
            if input.exists() {
                out.push(input);
            }
            let steps = case.path().join("steps");
            if steps.is_dir() {
                for step in std::fs::read_dir(steps).unwrap().filter_map(Result::ok) {
                    if step.file_name().to_string_lossy().ends_with("-input.yaml") {
                        out.push(step.path());
                    }
                }
            }
        }
    }
    out.sort();
    out
}

/// Sorted lines with whitespace collapsed: what survives nft's layout changes.
fn loosely(text: &str) -> Vec<String> {
    let mut lines: Vec<String> = text
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|l| !l.is_empty())
        .collect();
    lines.sort();
    lines
}

#[test]
fn the_kernel_lists_what_svcplay_prints() {
    if let Some(why) = unavailable(&["ip", "nft"]) {
        println!("kernel_nft: skipped: {why}");
        return;
    }
    let version = run(&["nft", "--version"])
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).to_string())
        .unwrap_or_default();
    let exact = version.split_whitespace().nth(1) == Some(NFT_VERSION);
    if !exact {
        println!(
            "kernel_nft: {} is not nft {NFT_VERSION}: comparing listings loosely",
            version.trim()
        );
    }
    let mut failures = Vec::new();
    let mut passed = 0;
    let all = scenarios();
    assert!(!all.is_empty(), "no nftables scenarios");
    for input in &all {
        let input_text = input.to_str().unwrap();
        let name = input
            .strip_prefix(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures"))
            .unwrap()
            .display()
            .to_string();
        let transaction = svcplay(&["kube-proxy", "--stored", input_text]);
        if !transaction.status.success() {
            failures.push(format!(
                "{name}: svcplay kube-proxy failed: {}",
                String::from_utf8_lossy(&transaction.stderr)
            ));
            continue;
        }
        let transaction = String::from_utf8(transaction.stdout).unwrap();
        let netns = match Netns::create("svcplay-kt") {
            Ok(n) => n,
            Err(e) => {
                println!("kernel_nft: skipped: {e}");
                return;
            }
        };
        let loaded = netns
            .output(&["nft", "-f", "-"], &transaction)
            .expect("run nft -f");
        if !loaded.status.success() {
            failures.push(format!(
                "{name}: nft -f refused the transaction:\n{}",
                String::from_utf8_lossy(&loaded.stderr)
            ));
            continue;
        }
        let mut commands = vec![vec!["list", "ruleset"]];
        for family in ["ip", "ip6"] {
            if transaction.contains(&format!("add table {family} kube-proxy")) {
                commands.push(vec!["list", "table", family, "kube-proxy"]);
            }
        }
        let mut ok = true;
        for command in commands {
            let kernel = netns
                .output(&[&["nft"][..], &command[..]].concat(), "")
                .expect("run nft list");
            let kernel = String::from_utf8_lossy(&kernel.stdout).to_string();
            let mut args = vec!["run", "--stored", input_text, "--", "nft"];
            args.extend(&command);
            let ours = String::from_utf8(svcplay(&args).stdout).unwrap();
            let same = if exact {
                kernel == ours
            } else {
                loosely(&kernel) == loosely(&ours)
            };
            if !same {
                ok = false;
                let first = kernel
                    .lines()
                    .zip(ours.lines())
                    .position(|(k, o)| k != o)
                    .unwrap_or(0);
                failures.push(format!(
                    "{name}: `nft {}` differs from line {}:\n  kernel: {:?}\n  svcplay: {:?}",
                    command.join(" "),
                    first + 1,
                    kernel.lines().nth(first),
                    ours.lines().nth(first)
                ));
            }
        }
        if ok {
            passed += 1;
        }
    }
    println!(
        "kernel_nft: {passed}/{} scenarios listed by the kernel exactly as svcplay prints them ({})",
        all.len(),
        version.trim()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// The userspace mode's rules (legacy, kube-proxy v1.25) load into a real kernel with
/// `iptables-restore --noflush`, and `iptables-save` then holds as many rules as svcplay
/// printed. (The order of arguments `iptables-save` prints is the iptables views'
/// business; this checks that every rule is one the kernel accepts.)
#[test]
fn the_kernel_loads_the_userspace_rules() {
    if let Some(why) = unavailable(&["ip", "nft"]) {
        println!("kernel_nft: skipped: {why}");
        return;
    }
    if !run(&["iptables-restore", "--version"]).is_ok_and(|o| o.status.success()) {
        println!("kernel_nft: skipped: `iptables-restore` is not available");
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/kube-proxy-userspace");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path().join("input.yaml"))
        .filter(|p| p.exists())
        .collect();
    cases.sort();
    assert!(!cases.is_empty());
    let mut failures = Vec::new();
    for input in &cases {
        let out = svcplay(&["kube-proxy", "--stored", input.to_str().unwrap()]);
        let rules = String::from_utf8(out.stdout).unwrap();
        let netns = match Netns::create("svcplay-kt") {
            Ok(n) => n,
            Err(e) => {
                println!("kernel_nft: skipped: {e}");
                return;
            }
        };
        let restore = netns
            .output(&["iptables-restore", "--noflush"], &rules)
            .expect("run iptables-restore");
        if !restore.status.success() {
            failures.push(format!(
                "{}: iptables-restore refused the rules:\n{}",
                input.display(),
                String::from_utf8_lossy(&restore.stderr)
            ));
            continue;
        }
        let saved = netns
            .output(&["iptables-save"], "")
            .expect("run iptables-save");
        let count = |text: &str| text.lines().filter(|l| l.starts_with("-A ")).count();
        let saved = String::from_utf8_lossy(&saved.stdout).to_string();
        if count(&saved) != count(&rules) {
            failures.push(format!(
                "{}: iptables-save holds {} rules, svcplay printed {}",
                input.display(),
                count(&saved),
                count(&rules)
            ));
        }
    }
    println!(
        "kernel_nft: {}/{} userspace rule sets loaded by iptables-restore",
        cases.len() - failures.len(),
        cases.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
