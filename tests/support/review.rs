//! The session-9 review's step checker (tests/s9_review.rs): a chain of texts, the first
//! analysed whole and each next one reached by `Analysis::edit`, every step compared with a
//! full `analyze` of its text — every output `outputs()` compares (tests/support/outputs.rs,
//! which the including test must declare as `mod outputs`), what changed as the page's
//! worker measures it (`Analysis::downstream` and kube-proxy kept before the edit,
//! `changes::diff_from`) against `changes::diff_every_group`, and the rules panel's
//! listings read through the per-Service chunks (`views::listing::lines`, which patches
//! the listings of an analysis some edits back) and one window of them.
//!
//! Every other step is told the edited range (`Analysis::edit_at`, as the page's worker
//! tells it). A step that differs is reported with its texts, and checked again on its own (the text
//! before analysed whole, then the one edit): "alone: yes" means a two-text reproduction.
//! The chain then continues from a full analysis, so each later step tests its own edit.

use crate::outputs::outputs;
use svcplay::changes::{Downstream, diff_every_group, diff_from};
use svcplay::proxy::Listing;
use svcplay::proxy::config::ProxyMode;
use svcplay::scenario::{Analysis, Options, analyze};
use svcplay::views::{self, Context};

/// What a chain's run found.
#[derive(Default)]
pub struct Report {
    pub steps: usize,
    /// Steps whose admission was carried over in bulk (`apiserver::carry`).
    pub carried: usize,
    pub listings: usize,
    pub failures: Vec<String>,
}

impl Report {
    pub fn add(&mut self, other: Report) {
        self.steps += other.steps;
        self.carried += other.carried;
        self.listings += other.listings;
        self.failures.extend(other.failures);
    }
}

/// How much of each step is compared besides `outputs()`.
#[derive(Clone, Copy)]
pub struct Depth {
    /// What changed (downstream and `diff_from`).
    pub changes: bool,
    /// The rules panel's listings through the chunks, on at most this many nodes.
    pub listing_nodes: usize,
}

pub const FULL: Depth = Depth {
    changes: true,
    listing_nodes: 2,
};

/// Where `incremental`'s outputs differ from `full`'s (`outputs()`), if anywhere.
pub fn output_differences(incremental: &Analysis, full: &Analysis) -> Option<String> {
    let (got, want) = (outputs(incremental), outputs(full));
    if got.len() != want.len() {
        let names = |o: &[(String, String)]| o.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
        return Some(format!(
            "output count {} vs {}: {:?} vs {:?}",
            got.len(),
            want.len(),
            names(&got),
            names(&want)
        ));
    }
    let mut report = String::new();
    for ((name, got), (_, want)) in got.iter().zip(&want) {
        if got != want {
            report.push_str(&format!(
                "  {name} differs\n{}",
                crate::outputs::line_diff(got, want, 6)
            ));
        }
    }
    (!report.is_empty()).then_some(report)
}

/// The listings of `node` in `mode` the rules panel reads (`views::listing::lines`: through
/// the chunks in iptables and nftables modes), as text with every source.
fn listings(
    analysis: &Analysis,
    node: &str,
    mode: ProxyMode,
    whole: bool,
) -> Vec<(String, String)> {
    let context = Context {
        node: node.to_string(),
        mode: Some(mode),
    };
    Listing::of_mode(mode)
        .iter()
        .map(|&listing| {
            let lines = if whole {
                views::listing::made_whole(analysis, &context, listing)
            } else {
                views::listing::lines(analysis, &context, listing)
            };
            (
                format!("{mode:?} {listing:?} on {node}"),
                format!("{lines:#?}"),
            )
        })
        .collect()
}

/// The modes whose listings go through pieces kept over an edit.
const LISTED: [ProxyMode; 2] = [ProxyMode::Iptables, ProxyMode::Nftables];

/// Reads the listings of `analysis` the way the rules panel does, so that the next edit
/// carries their chunks over.
pub fn show_rules(analysis: &Analysis, nodes: usize) {
    for node in analysis.node_names().iter().take(nodes) {
        for mode in LISTED {
            std::hint::black_box(listings(analysis, node, mode, false));
        }
    }
}

/// Compares the listings of `incremental` (through the chunks) with `full`'s and with
/// `full`'s made whole; returns (listings compared, differences).
pub fn listing_differences(
    incremental: &Analysis,
    full: &Analysis,
    nodes: usize,
) -> (usize, String) {
    let mut report = String::new();
    let mut compared = 0;
    for node in full.node_names().iter().take(nodes) {
        // Windows the panel reads from the chunks first (the worker reads its window before any
        // whole listing: the window patches the chunks) (filtered, and not: a window full and
        // unfiltered counts the rest without reading it), against the full listing's.
        for (mode, listing) in [
            (Some(ProxyMode::Iptables), Listing::RestoreInput),
            (Some(ProxyMode::Iptables), Listing::IptablesSave),
            (None, Listing::IptablesSave),
        ] {
            let context = Context {
                node: node.clone(),
                mode,
            };
            let object_of = |p: &svcplay::proxy::provenance::Provenance| match p
                .service_port
                .as_ref()?
                .origin
            {
                svcplay::model::Origin::Written(id) => Some(id),
                _ => None,
            };
            for (text, object, limit) in [
                ("", None, 0),
                ("", None, 5),
                ("", None, 100_000),
                ("-A KUBE-SVC", None, 7),
                ("", Some(first_object(full)), 4),
            ] {
                let filters = views::listing::Filters {
                    text,
                    object,
                    object_of: &object_of,
                    limit,
                };
                let got = views::listing::window(incremental, &context, listing, &filters);
                let want = views::listing::window(full, &context, listing, &filters);
                compared += 1;
                if got != want {
                    report.push_str(&format!(
                        "  the window of {listing:?} ({mode:?}) on {node}, filter {text:?}, object {object:?}, limit {limit}, differs: (lines, cut, total) {:?} vs {:?}\n",
                        got.as_ref().map(|w| (w.numbers.len(), w.cut, w.total)),
                        want.as_ref().map(|w| (w.numbers.len(), w.cut, w.total))
                    ));
                }
            }
        }
        for mode in LISTED.into_iter().chain([ProxyMode::Ipvs]) {
            let got = listings(incremental, node, mode, false);
            let want = listings(full, node, mode, false);
            let whole = listings(full, node, mode, true);
            for (((name, g), (_, w)), (_, h)) in got.iter().zip(&want).zip(&whole) {
                compared += 1;
                if w != h {
                    report.push_str(&format!(
                        "  {name}: a full analysis' listing differs from the one made whole\n{}",
                        crate::outputs::line_diff(w, h, 4)
                    ));
                }
                if g != w {
                    report.push_str(&format!(
                        "  {name} differs\n{}",
                        crate::outputs::line_diff(g, w, 6)
                    ));
                }
            }
        }
    }
    (compared, report)
}

/// The object id of the first written Service of `analysis` (what the window's object
/// filter is tried with).
fn first_object(analysis: &Analysis) -> usize {
    analysis
        .objects
        .services
        .iter()
        .find_map(|s| match s.meta.origin {
            svcplay::model::Origin::Written(id) => Some(id),
            _ => None,
        })
        .unwrap_or(0)
}

/// Everything a step compares of the analysis after an edit, against a full one.
fn step_differences(incremental: &Analysis, full: &Analysis, depth: Depth) -> (usize, String) {
    let mut report = output_differences(incremental, full).unwrap_or_default();
    let mut listed = 0;
    if depth.listing_nodes > 0 {
        let (n, d) = listing_differences(incremental, full, depth.listing_nodes);
        listed = n;
        report.push_str(&d);
    }
    (listed, report)
}

/// The smallest edit turning `a` into `b`: bytes `start..end` of `a` replaced by
/// `start..new_end` of `b` (on character boundaries).
pub fn minimal_edit(a: &str, b: &str) -> svcplay::manifest::TextEdit {
    let mut start = a.bytes().zip(b.bytes()).take_while(|(x, y)| x == y).count();
    while !(a.is_char_boundary(start) && b.is_char_boundary(start)) {
        start -= 1;
    }
    let max = a.len().min(b.len()) - start;
    let mut suffix = a
        .bytes()
        .rev()
        .zip(b.bytes().rev())
        .take(max)
        .take_while(|(x, y)| x == y)
        .count();
    while !(a.is_char_boundary(a.len() - suffix) && b.is_char_boundary(b.len() - suffix)) {
        suffix -= 1;
    }
    svcplay::manifest::TextEdit {
        start,
        end: a.len() - suffix,
        new_end: b.len() - suffix,
    }
}

/// One step: `analysis` (of `before`) edited into `after`, compared with `full` (of
/// `after`); `full_before` is a full analysis of `before`. Returns the edited analysis,
/// the listings compared and what differs.
fn check_step(
    analysis: Analysis,
    before: &str,
    after: &str,
    full_before: &Analysis,
    full: &Analysis,
    step: usize,
    depth: Depth,
) -> (Analysis, usize, String) {
    let mode = [
        None,
        Some(ProxyMode::Iptables),
        Some(ProxyMode::Nftables),
        Some(ProxyMode::Ipvs),
    ][step % 4];
    // The rules panel shows the rules on most steps (else the next edit patches
    // listings made some edits back).
    if depth.listing_nodes > 0 && step % 3 != 2 {
        show_rules(&analysis, depth.listing_nodes);
    }
    let node = analysis.default_node();
    let measured = depth.changes && step % 4 != 3;
    let kept = analysis.proxy_in(&node, mode.unwrap_or(analysis.proxy_config.mode));
    let downstream_before = measured.then(|| analysis.downstream());
    // Every other step is told where the texts differ, as the page's worker tells it
    // (`Analysis::edit_at`); the others compare the texts (`Analysis::edit`).
    let analysis = if step % 2 == 1 {
        analysis.edit_at(
            before,
            after,
            Some(minimal_edit(before, after)),
            &mut |_| {},
        )
    } else {
        analysis.edit(before, after)
    };
    let mut problems = String::new();
    if let Some(downstream_before) =
        downstream_before.filter(|_| analysis.node_names().contains(&node))
    {
        let now = analysis.proxy_in(&node, mode.unwrap_or(analysis.proxy_config.mode));
        let downstream = analysis.downstream();
        if *downstream != Downstream::of(&full.objects) {
            problems.push_str("  the endpoints and DNS records differ from a full measure\n");
        } else {
            let got = diff_from(&downstream_before, &kept, &downstream, &now);
            let want = diff_every_group(full_before, full, &node, mode);
            let (got, want) = (format!("{got:#?}"), format!("{want:#?}"));
            if got != want {
                problems.push_str(&format!(
                    "  what changed on {node} in {mode:?} differs\n{}",
                    crate::outputs::line_diff(&got, &want, 6)
                ));
            }
        }
    }
    let (listed, d) = step_differences(&analysis, full, depth);
    problems.push_str(&d);
    (analysis, listed, problems)
}

/// Runs a chain of texts (see the module doc).
pub fn run_chain(name: &str, texts: &[String], depth: Depth) -> Report {
    let mut report = Report::default();
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut analysis = analyze(&texts[0], Options::default());
        let mut full_before = analyze(&texts[0], Options::default());
        for (step, pair) in texts.windows(2).enumerate() {
            let (before, after) = (&pair[0], &pair[1]);
            let full = analyze(after, Options::default());
            let (edited, listed, problems) =
                check_step(analysis, before, after, &full_before, &full, step, depth);
            analysis = edited;
            report.steps += 1;
            report.carried += usize::from(analysis.admissions_carried_over());
            report.listings += listed;
            if !problems.is_empty() {
                // The edit on its own, from a full analysis of the text before.
                let fresh = analyze(before, Options::default());
                let (_, _, alone) =
                    check_step(fresh, before, after, &full_before, &full, step, depth);
                report.failures.push(format!(
                    "[{name}] step {} (carried over in bulk: {}; the edit alone from a full analysis differs too: {}):\n{problems}--- before ---\n{}\n--- after ---\n{}",
                    step + 1,
                    analysis.admissions_carried_over(),
                    if alone.is_empty() { "no" } else { "yes" },
                    shorten(before),
                    shorten(after),
                ));
                analysis = analyze(after, Options::default());
            }
            full_before = full;
        }
    }));
    if let Err(e) = outcome {
        let msg = e
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default();
        report.failures.push(format!("[{name}] PANIC: {msg}"));
    }
    report
}

/// A text as a failure shows it (long ones cut in the middle).
fn shorten(text: &str) -> String {
    if text.len() <= 6000 {
        return format!("{text:?}");
    }
    let mut a = 3000;
    while !text.is_char_boundary(a) {
        a -= 1;
    }
    let mut b = text.len() - 3000;
    while !text.is_char_boundary(b) {
        b += 1;
    }
    format!("{:?} …({} bytes)… {:?}", &text[..a], b - a, &text[b..])
}

/// Prints a report's counts and failures, and fails when any.
pub fn assert_clean(what: &str, report: &Report) {
    println!(
        "{what}: {} steps, {} carried over in bulk, {} listings compared, {} failures",
        report.steps,
        report.carried,
        report.listings,
        report.failures.len()
    );
    for f in &report.failures {
        println!("==== FAILURE ====\n{f}");
    }
    assert!(
        report.failures.is_empty(),
        "{what}: {} failing steps (see the output)",
        report.failures.len()
    );
}
