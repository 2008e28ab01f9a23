//! A real kernel agrees: on a node whose iptables is iptables-nft (the modelled node's
//! `iptables v1.8.9 (nf_tables)`), `nft list …` shows the tables iptables-nft created,
//! exactly as svcplay's `nft list …` prints them ([`svcplay::views::iptables_nft`]).
//!
//! For every scenario of the iptables and IPVS corpora (`tests/fixtures/kube-proxy-iptables*`,
//! `tests/fixtures/kube-proxy-ipvs*`) and every gallery lab (`src/examples/*.yaml`, the
//! seed labs among them) whose kube-proxy mode fills iptables tables, two namespaces:
//!
//! 1. **the node's history**: the steps svcplay's node model takes, replayed with the real
//!    tools: in iptables mode kube-proxy's start
//!    ([`startup_steps`](svcplay::proxy::iptables::node::startup_steps): canary chains,
//!    `iptables-nft -N`/`-I`, `nfacct add`, `iptables-nft-restore --noflush` of its
//!    ruleset), in IPVS mode its ipsets (`ipset create`) and one `iptables-nft-restore
//!    --noflush` of the rules IPVS mode keeps. The real `nft list ruleset`, `nft list
//!    tables`, every `nft list table F T` and `nft list chain F T C` (first and last chain
//!    of each table) must equal `svcplay run -- nft list …` byte for byte, stdout and
//!    stderr;
//! 2. **a restored dump**: the node's `iptables-save` (and `ip6tables-save`) loaded with
//!    `iptables-nft-restore` into a fresh namespace: `nft list ruleset` must equal
//!    svcplay's listing of the same tables as a restore creates them
//!    ([`NodeTables::restored`](svcplay::proxy::iptables::node::NodeTables::restored)).
//!
//! Needs root, `ip netns`, `nft`, `iptables-nft-restore`, `ip6tables-nft-restore`; a
//! scenario whose node has nfacct counters needs `nfacct`, an IPVS one `ipset`; a rule
//! the kernel cannot load (a missing xtables module, such as `xt_ipvs`) skips its
//! scenario, with the reason printed. Elsewhere the test prints why it was skipped and
//! passes.

#[path = "support/netns.rs"]
mod netns;

use netns::{Netns, run, unavailable};
use std::path::{Path, PathBuf};
use svcplay::model::ip::IpFamily;
use svcplay::proxy::config::ProxyMode;
use svcplay::proxy::iptables::node::{SaveOptions, Step, startup_steps};
use svcplay::proxy::ipvs::IpvsState;
use svcplay::scenario::{Analysis, Options, analyze};
use svcplay::views::{Context, iptables_nft, nft, split_command_line};

/// The scenarios: the corpora's cases (analysed as stored, like the reference cases) and
/// the gallery labs (as the page and `svcplay shell` run them).
fn scenarios() -> Vec<(PathBuf, bool)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out = Vec::new();
    let mut corpora: Vec<PathBuf> = std::fs::read_dir(root.join("tests/fixtures"))
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let name = p.file_name().unwrap_or_default().to_string_lossy();
            name.starts_with("kube-proxy-iptables") || name.starts_with("kube-proxy-ipvs")
        })
        .collect();
    corpora.sort();
    for corpus in corpora {
        let mut cases: Vec<PathBuf> = std::fs::read_dir(&corpus)
            .unwrap()
            .filter_map(|e| e.ok().map(|e| e.path().join("input.yaml")))
            .filter(|p| p.is_file())
            .collect();
        cases.sort();
        out.extend(cases.into_iter().map(|c| (c, true)));
    }
    let mut labs: Vec<PathBuf> = std::fs::read_dir(root.join("src/examples"))
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    labs.sort();
    out.extend(labs.into_iter().map(|l| (l, false)));
    out
}

fn has(tool: &str) -> bool {
    run(&["sh", "-c", &format!("command -v {tool}")]).is_ok_and(|o| o.status.success())
}

/// Runs `argv` in the namespace: stdout and stderr, or why it failed.
fn exec(netns: &Netns, argv: &[&str], stdin: &str) -> Result<(String, String), String> {
    let out = netns.output(argv, stdin)?;
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    if !out.status.success() {
        return Err(format!("{} failed: {stderr}", argv.join(" ")));
    }
    Ok((stdout, stderr))
}

fn diff(kernel: &str, ours: &str) -> String {
    let k: Vec<&str> = kernel.lines().collect();
    let o: Vec<&str> = ours.lines().collect();
    let first = k
        .iter()
        .zip(&o)
        .position(|(x, y)| x != y)
        .unwrap_or(k.len().min(o.len()));
    let mut out = String::new();
    for i in first.saturating_sub(2)..first + 4 {
        match (k.get(i), o.get(i)) {
            (Some(x), Some(y)) if x == y => out.push_str(&format!("    {x:?}\n")),
            (x, y) => {
                if let Some(x) = x {
                    out.push_str(&format!("  kernel  {x:?}\n"));
                }
                if let Some(y) = y {
                    out.push_str(&format!("  svcplay {y:?}\n"));
                }
            }
        }
    }
    out
}

/// Compares one listing; counts its lines.
fn compare(
    what: &str,
    kernel: (String, String),
    ours: (String, String),
    lines: &mut usize,
) -> Result<(), String> {
    if kernel.0 != ours.0 {
        return Err(format!(
            "{what}: stdout differs:\n{}",
            diff(&kernel.0, &ours.0)
        ));
    }
    if kernel.1 != ours.1 {
        return Err(format!(
            "{what}: stderr differs:\n{}",
            diff(&kernel.1, &ours.1)
        ));
    }
    *lines += kernel.0.lines().count() + kernel.1.lines().count();
    Ok(())
}

fn iptables_nft_tool(family: IpFamily) -> &'static str {
    match family {
        IpFamily::IPv4 => "iptables-nft",
        IpFamily::IPv6 => "ip6tables-nft",
    }
}

/// Creates IPVS mode's ipsets (empty: the rules only name them).
fn create_ipsets(netns: &Netns, state: &IpvsState) -> Result<(), String> {
    for set in &state.ipsets {
        let kind = set.set_type.as_str();
        let family = match set.family {
            IpFamily::IPv4 => "inet",
            IpFamily::IPv6 => "inet6",
        };
        // A bitmap of ports has a range instead of a family.
        let options: [&str; 2] = if kind.starts_with("bitmap:port") {
            ["range", "0-65535"]
        } else {
            ["family", family]
        };
        let mut argv = vec!["ipset", "create", &set.name, kind];
        argv.extend(options);
        exec(netns, &argv, "")?;
    }
    Ok(())
}

/// Replays the node model's history of one scenario in `netns`.
fn replay_history(netns: &Netns, analysis: &Analysis, context: &Context) -> Result<(), String> {
    let proxy = context.proxy(analysis);
    let mut nfacct_made = false;
    for proxier in &proxy.proxiers {
        let family = proxier.family();
        let tool = iptables_nft_tool(family);
        match proxier.mode() {
            ProxyMode::Iptables => {
                let ruleset = proxier.iptables().ok_or("no iptables ruleset")?;
                let restore = ruleset.to_string();
                for step in startup_steps(&proxier.facts().node) {
                    let mut argv = step.argv(family);
                    match &step {
                        Step::NfacctAdd(_) if nfacct_made => continue,
                        Step::NfacctAdd(_) => {}
                        Step::Restore => argv[0] = format!("{tool}-restore"),
                        _ => argv[0] = tool.to_string(),
                    }
                    let stdin = if step == Step::Restore { &restore } else { "" };
                    let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
                    exec(netns, &argv, stdin)?;
                }
                nfacct_made = true;
            }
            ProxyMode::Ipvs => {
                let state = proxier.ipvs().ok_or("no IPVS state")?;
                create_ipsets(netns, state)?;
                let restore = state.save_ruleset().to_string();
                exec(netns, &[&format!("{tool}-restore"), "--noflush"], &restore)?;
            }
            _ => {}
        }
    }
    Ok(())
}

/// What svcplay's `nft` prints for `line` on the scenario's node.
fn ours(analysis: &Analysis, context: &Context, line: &str) -> (String, String) {
    let out = nft::run(analysis, context, &split_command_line(line));
    (out.stdout, out.stderr)
}

enum Checked {
    Agreed { listings: usize, lines: usize },
    Skipped(String),
}

fn check(input: &Path, stored: bool, tools: &Tools) -> Result<Checked, String> {
    let text = std::fs::read_to_string(input).map_err(|e| e.to_string())?;
    let analysis = analyze(&text, Options { stored });
    let context = Context::new(analysis.default_node());
    let xtables = nft::xtables(&analysis, &context);
    if xtables.iter().all(|t| t.tables.is_empty()) {
        return Ok(Checked::Skipped(format!(
            "kube-proxy's {} mode fills no iptables tables",
            context.mode(&analysis).as_str()
        )));
    }
    if xtables.iter().any(|t| !t.nfacct.is_empty()) && !tools.nfacct {
        return Ok(Checked::Skipped("needs `nfacct`".into()));
    }
    if context.mode(&analysis) == ProxyMode::Ipvs && !tools.ipset {
        return Ok(Checked::Skipped("needs `ipset`".into()));
    }
    let mut listings = 0;
    let mut lines = 0;

    // 1. The node's history.
    let netns = Netns::create("svcplay-xtnft")?;
    if let Err(e) = replay_history(&netns, &analysis, &context) {
        if e.contains("not supported, missing kernel module") {
            return Ok(Checked::Skipped(format!("the kernel lacks a module: {e}")));
        }
        return Err(e);
    }
    let mut commands = vec![
        "nft list ruleset".to_string(),
        "nft list tables".to_string(),
    ];
    for family in ["ip", "ip6"] {
        commands.push(format!("nft list ruleset {family}"));
    }
    for tables in &xtables {
        let family = iptables_nft::family_word(tables.family);
        for table in tables.kernel_tables() {
            let name = table.name.as_str();
            commands.push(format!("nft list table {family} {name}"));
            let chains: Vec<&str> = table.kernel_chains().map(|c| c.name.as_str()).collect();
            let mut pick = vec![chains[0], chains[chains.len() - 1]];
            pick.dedup();
            for chain in pick {
                commands.push(format!("nft list chain {family} {name} {chain}"));
            }
        }
    }
    for line in &commands {
        let argv = split_command_line(line);
        let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
        let kernel = exec(&netns, &argv, "")?;
        compare(line, kernel, ours(&analysis, &context, line), &mut lines)?;
        listings += 1;
    }
    drop(netns);

    // 2. The node's iptables-save, restored into a fresh namespace.
    let netns = Netns::create("svcplay-xtnft-save")?;
    for name in xtables.iter().flat_map(|t| &t.nfacct) {
        if exec(&netns, &["nfacct", "get", name], "").is_err() {
            exec(&netns, &["nfacct", "add", name], "")?;
        }
    }
    if context.mode(&analysis) == ProxyMode::Ipvs {
        for proxier in &context.proxy(&analysis).proxiers {
            let Some(state) = proxier.ipvs() else {
                continue;
            };
            create_ipsets(&netns, state)?;
        }
    }
    let mut restored = Vec::new();
    for tables in &xtables {
        if tables.tables.is_empty() {
            continue;
        }
        let save = tables.save(SaveOptions::default()).to_string();
        let tool = format!("{}-restore", iptables_nft_tool(tables.family));
        exec(&netns, &[&tool], &save)?;
        restored.push(tables.restored());
    }
    let kernel = exec(&netns, &["nft", "list", "ruleset"], "")?;
    let listing = iptables_nft::list_tables(&iptables_nft::node_tables(&restored, &[]));
    let ours = (listing.stdout.clone(), listing.stderr_text());
    compare("restored: nft list ruleset", kernel, ours, &mut lines)?;
    listings += 1;
    Ok(Checked::Agreed { listings, lines })
}

struct Tools {
    nfacct: bool,
    ipset: bool,
}

#[test]
fn a_real_kernel_lists_iptables_nft_tables_as_svcplay_does() {
    if let Some(why) = unavailable(&[
        "ip",
        "nft",
        "iptables-nft",
        "iptables-nft-restore",
        "ip6tables-nft",
        "ip6tables-nft-restore",
    ]) {
        eprintln!("kernel_iptables_nft: skipped: {why}");
        return;
    }
    match Netns::create("svcplay-xtnft-probe") {
        Ok(_probe) => {}
        Err(e) => {
            eprintln!("kernel_iptables_nft: skipped: cannot create a network namespace: {e}");
            return;
        }
    }
    let version = run(&["nft", "--version"])
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    if !version.contains("v1.0.6") {
        eprintln!("kernel_iptables_nft: skipped: svcplay prints nft v1.0.6, this is {version}");
        return;
    }
    let tools = Tools {
        nfacct: has("nfacct"),
        ipset: has("ipset"),
    };
    let all = scenarios();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let (mut agreed, mut listings, mut lines) = (0, 0, 0);
    let mut skipped = Vec::new();
    let mut failures = Vec::new();
    for (input, stored) in &all {
        let name = input
            .strip_prefix(root)
            .unwrap_or(input)
            .display()
            .to_string();
        match check(input, *stored, &tools) {
            Ok(Checked::Agreed {
                listings: l,
                lines: n,
            }) => {
                agreed += 1;
                listings += l;
                lines += n;
            }
            Ok(Checked::Skipped(why)) => skipped.push(format!("{name}: {why}")),
            Err(e) => failures.push(format!("{name}:\n{e}")),
        }
    }
    eprintln!(
        "kernel_iptables_nft: {agreed} of {} scenarios agree with the real nft ({listings} listings, {lines} lines); {} skipped",
        all.len(),
        skipped.len()
    );
    for s in &skipped {
        eprintln!("  skipped {s}");
    }
    assert!(
        failures.is_empty(),
        "{} scenarios differ from the kernel:\n\n{}",
        failures.len(),
        failures.join("\n")
    );
}
