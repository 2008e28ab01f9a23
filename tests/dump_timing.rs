//! How long the pipeline takes on PRODUCT.md's big dump (5,000 Services, 50,000 endpoints).
//! Not a budget assertion: run it by hand to read the figures,
//! `cargo test --release --test dump_timing -- --ignored --nocapture`.

// Tests may read the clock (timeouts, measurements); only the core may not.
#![allow(clippy::disallowed_methods)]

use std::time::Instant;
use svcplay::scenario::{Options, analyze};

#[test]
#[ignore]
fn timings_of_the_full_dump() {
    let text = svcplay::examples::dump::large_dump(5000, 10);
    let start = Instant::now();
    let analysis = analyze(&text, Options::default());
    let analysed = start.elapsed();
    let facts = analysis.proxy_facts("node-00");
    let facts_time = start.elapsed() - analysed;
    let rendered = Instant::now();
    let rules: usize = facts
        .iter()
        .map(|f| svcplay::proxy::iptables::render(f).to_string().len())
        .sum();
    eprintln!(
        "{} bytes of YAML: analyse {analysed:?}, proxy facts {facts_time:?}, iptables rules ({rules} bytes) {:?}",
        text.len(),
        rendered.elapsed()
    );
}

/// `check-node` on the big dump: the node's `iptables-save` against its own scenario
/// (everything pairs up) and against the scenario with one Service in ten gone (a tenth
/// of the rules stale), and the per-node table.
#[test]
#[ignore]
fn check_node_on_the_full_dump() {
    let text = svcplay::examples::dump::large_dump(5000, 10);
    let analysis = analyze(&text, Options::default());
    let node = analysis.default_node();
    let context = svcplay::views::Context::new(node.clone());
    let save = svcplay::views::run(&analysis, &context, &["iptables-save".to_string()]).stdout;
    let dump = [svcplay::checknode::Dump {
        name: "node".into(),
        text: save.clone(),
    }];
    let start = Instant::now();
    let report = svcplay::checknode::check(&analysis, &node, analysis.proxy_config.mode, &dump)
        .expect("a dump");
    eprintln!(
        "check-node, {} bytes of iptables-save against its own scenario: {:?}, {} findings",
        save.len(),
        start.elapsed(),
        report.findings.len()
    );
    let mut fewer = analysis.clone();
    let mut i = 0;
    fewer.objects.services.retain(|_| {
        i += 1;
        i % 10 != 0
    });
    let start = Instant::now();
    let report =
        svcplay::checknode::check(&fewer, &node, fewer.proxy_config.mode, &dump).expect("a dump");
    eprintln!(
        "check-node against the scenario without one Service in ten: {:?}, {} stale",
        start.elapsed(),
        report.count(svcplay::checknode::FindingKind::Stale)
    );
    let start = Instant::now();
    let table = svcplay::pernode::table(&analysis, analysis.proxy_config.mode);
    eprintln!(
        "per-node table: {} service ports over {} nodes in {:?}",
        table.len(),
        analysis.node_names().len(),
        start.elapsed()
    );
}

/// The `svcplay` binary end to end on the big dump: the file read, parsed, admitted, the
/// controllers run and kube-proxy's rules written, as a user runs it. Compares builds:
/// `SVCPLAY_CLI=target/cli/svcplay` (the speed profile) against `target/release/svcplay`
/// (opt-level "z", the page's size profile); without it, the binary this test was built with.
/// `cargo test --release --test dump_timing -- --ignored --nocapture cli_`
#[test]
#[ignore]
fn cli_end_to_end_on_the_full_dump() {
    let cli = std::env::var("SVCPLAY_CLI").unwrap_or_else(|_| env!("CARGO_BIN_EXE_svcplay").into());
    let dir = std::env::temp_dir().join(format!("svcplay-dump-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary folder");
    let file = dir.join("dump.yaml");
    std::fs::write(&file, svcplay::examples::dump::large_dump(5000, 10)).expect("the dump written");
    let file = file.to_str().expect("a UTF-8 path");
    let commands: [&[&str]; 3] = [
        &["kube-proxy", file],
        &["run", file, "--", "iptables-save"],
        &["simulate", file, "--requests", "10000", "--seed", "1"],
    ];
    for args in commands {
        let start = Instant::now();
        let output = std::process::Command::new(&cli)
            .args(args)
            .output()
            .expect("the CLI runs");
        let took = start.elapsed();
        assert!(
            output.status.success() || output.status.code() == Some(1),
            "{args:?}: {output:?}"
        );
        eprintln!(
            "{cli} {}: {took:?}, {} bytes out",
            args.join(" ").replace(file, "DUMP"),
            output.stdout.len()
        );
    }
    std::fs::remove_dir_all(&dir).ok();
}

/// Issue 19 item 4's re-parse of one keystroke in the dump (`port: 80` → `port: 801` in
/// Service `svc-02500`, as `benches/dump.rs` types it): what `manifest::reparse_moved`
/// costs when the previous manifest holds every object's tree (each one's spans moved
/// line by line, as before an analysis let go of its trees) and when it holds none (an
/// analysis' manifest: each untouched object only gets its new place in the text).
#[test]
#[ignore]
fn reparse_of_a_keystroke_in_the_full_dump() {
    let text = svcplay::examples::dump::large_dump(5000, 10);
    let edited = svcplay::examples::dump::with_a_keystroke(&text);
    let start = Instant::now();
    let held = svcplay::manifest::parse(&text);
    let parsed = start.elapsed();
    let mut released = held.clone();
    released.release_trees();
    // What reading every object's tree again costs (a listing whose provenance names every
    // object: the rules view of the dump), against the parse that built them first.
    let start = Instant::now();
    let nodes: usize = released
        .objects
        .iter()
        .map(|o| o.node().span.end.line as usize)
        .sum();
    eprintln!(
        "parse {parsed:?}; every object's tree parsed again {:?} ({nodes})",
        start.elapsed()
    );
    for (what, previous) in [("trees held", held), ("trees released", released)] {
        let start = Instant::now();
        let (manifest, moved) = svcplay::manifest::reparse_moved(previous, &text, &edited);
        let took = start.elapsed();
        eprintln!(
            "reparse of one keystroke, {what}: {took:?} ({} of {} objects moved)",
            moved.iter().filter(|m| m.is_some()).count(),
            manifest.objects.len()
        );
    }
}
