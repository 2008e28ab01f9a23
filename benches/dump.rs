//! How long the page's big dump takes, stage by stage.
//!
//! The budget (PRODUCT.md): a 5,000-Service / 50,000-endpoint dump loads in ≤ 1.5 s (the
//! page runs `scenario::analyze` in a Web Worker; wasm is 1.5–2× slower than native, so the
//! native figure should sit well below). The dump is `examples::dump::large_dump(5000, 10)`.
//! Before criterion's samples, one timed pass prints each stage of the pipeline (parse,
//! model, admit, controllers, proxy facts, iptables render) so a report can say where the
//! time goes; criterion then measures `analyze` whole and the YAML parse alone.
//!
//! Issue 19's keystroke edit: one character typed into a Service in the middle of the
//! dump (`port: 80` → `port: 801`), analysed again with `Analysis::edit` (what the worker
//! calls) against `analyze` of the whole edited text (what it called before). The edit's
//! budget (issue 19): the visible views updated ≤ 50 ms after the keystroke; a pass before
//! the samples prints the edit's stages and the rules view it is followed by. Two more
//! measure what follows a keystroke: the edit with node-00's rules and their provenance
//! (what the rules view shows, `NodeProxy::lines`), and what the edit changed as the
//! worker measures it when the page asks (`changes::diff_from` of what it kept of the
//! analysis before — its `Analysis::downstream` and kube-proxy on node-00, rendered and
//! compared once already — with the edited analysis, whose rules the view rendered),
//! each printed against the 50 ms budget.
//!
//! The last group times the rules panel's listing alone after a keystroke, for each view
//! of node-00's kube-proxy (`views::listing::lines`: iptables mode's restore input and
//! `iptables-save` reuse the per-Service chunks of the listing before, `proxy::chunks`;
//! nftables mode's transaction and `nft list` the pieces of `proxy::mode_chunks`; IPVS
//! mode's four listings are made whole),
//! each median printed against the 10 ms it gets of the 50 ms budget; then the rules
//! panel's windows of the restore input read straight from the chunks without writing
//! the listing out (`views::listing::window`: its first 3,000 lines, the lines a text
//! filter keeps, the rules of the Service edited), which is what the panel now reads.
//!
//! Run with `cargo bench --bench dump` (`-- "rules listing"` for the last group only).

// A benchmark reads the clock to print its per-stage times; only the core may not.
#![allow(clippy::disallowed_methods)]

use criterion::{BatchSize, Criterion, SamplingMode, criterion_group, criterion_main};
use std::hint::black_box;
use std::time::{Duration, Instant};
use svcplay::changes::diff_from;
use svcplay::proxy::Listing;
use svcplay::proxy::config::ProxyMode;
use svcplay::scenario::{Options, analyze};
use svcplay::views::Context;
use svcplay::views::listing::lines;
use svcplay::{apiserver, controllers, manifest, model, proxy};

fn stages(text: &str) {
    let start = Instant::now();
    let parsed = manifest::parse(text);
    let parse = start.elapsed();
    let start = Instant::now();
    let built = model::build(&parsed);
    let model_time = start.elapsed();
    drop(built);
    let start = Instant::now();
    let (objects, _, _) = apiserver::admit(&parsed);
    let admit = start.elapsed();
    let start = Instant::now();
    let objects = controllers::run(objects);
    let controllers_time = start.elapsed();
    black_box(objects);
    let analysis = analyze(text, Options::default());
    let start = Instant::now();
    let facts = analysis.proxy_facts("node-00");
    let facts_time = start.elapsed();
    let start = Instant::now();
    let rules: Vec<_> = facts.iter().map(proxy::iptables::render).collect();
    let render = start.elapsed();
    black_box(rules);
    eprintln!(
        "{} bytes of YAML, one pass: parse {parse:?}, model (--stored) {model_time:?}, \
         admit {admit:?}, controllers {controllers_time:?}, proxy facts {facts_time:?}, \
         iptables render {render:?}",
        text.len()
    );
}

fn bench(c: &mut Criterion) {
    let text = svcplay::examples::dump::large_dump(5000, 10);
    stages(&text);
    let mut group = c.benchmark_group("dump 5k services 50k endpoints");
    group.sample_size(10);
    group.bench_function("parse", |b| b.iter(|| manifest::parse(black_box(&text))));
    group.bench_function("analyze", |b| {
        b.iter(|| analyze(black_box(&text), Options::default()))
    });
    group.finish();
    let edited = svcplay::examples::dump::with_a_keystroke(&text);
    let analysed = analyze(&text, Options::default());
    edit_stages(&analysed, &text, &edited);
    edit_marks(&analysed, &text, &edited);
    let mut group = c.benchmark_group("keystroke in the 5k dump");
    group.sample_size(10);
    group.bench_function("full analyze", |b| {
        b.iter(|| analyze(black_box(&edited), Options::default()))
    });
    group.bench_function("Analysis::edit", |b| {
        b.iter_batched(
            || analysed.clone(),
            |previous| previous.edit(&text, black_box(&edited)),
            BatchSize::LargeInput,
        )
    });
    group.bench_function("Analysis::edit + node-00 rules with provenance", |b| {
        b.iter_batched(
            || analysed.clone(),
            |previous| {
                let analysis = previous.edit(&text, black_box(&edited));
                let lines = analysis.proxy("node-00").lines();
                (analysis, lines)
            },
            BatchSize::LargeInput,
        )
    });
    // The analysis before as the worker holds it when the page asked what the edit before
    // changed: its endpoints and DNS records measured, node-00's rules listed.
    let before = analysed.downstream();
    let old = analysed.proxy("node-00");
    for p in &old.proxiers {
        black_box(p.groups());
    }
    group.bench_function("what changed", |b| {
        b.iter_batched(
            || {
                let analysis = analysed.clone().edit(&text, &edited);
                // The rules view rendered node-00's rules after the keystroke.
                let new = analysis.proxy("node-00");
                for p in &new.proxiers {
                    black_box(p.iptables());
                }
                (analysis, new)
            },
            |(analysis, new)| diff_from(&before, &old, &analysis.downstream(), &new),
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

/// One timed pass of the keystroke's edit as the page's worker does it, stage by stage:
/// what it keeps of the analysis the edit consumes (kube-proxy on the node on show, already
/// rendered for the rules view, and the endpoints and DNS records measured after the
/// previous edit), re-parsing the changed document, the rest of `Analysis::edit`
/// (admission replaying every untouched object, the controllers, kubeadm's objects,
/// hints) and the summary — the worker's answer to the keystroke —; then the rules the
/// page shows (node-00's iptables lines, computed on demand), and "what changed", which
/// the worker sends after them.
fn edit_stages(analysed: &svcplay::scenario::Analysis, text: &str, edited: &str) {
    let previous = analysed.clone();
    let manifest = previous.manifest.clone();
    let start = Instant::now();
    let reparsed = manifest::reparse_moved(manifest, text, edited);
    let reparse = start.elapsed();
    black_box(reparsed);
    // The rules view was on show: node-00's rules are rendered in the analysis before.
    let old = previous.proxy("node-00");
    black_box(old.lines());
    let start = Instant::now();
    let before = previous.downstream();
    let downstream = start.elapsed();
    let start = Instant::now();
    let kept = previous.cached_proxy("node-00", previous.proxy_config.mode);
    let analysis = previous.edit(text, edited);
    let summary = (
        analysis.diagnostics.len(),
        analysis.node_names(),
        analysis.default_node(),
    );
    let edit = start.elapsed();
    black_box((kept, summary));
    let start = Instant::now();
    let new = analysis.proxy("node-00");
    let lines = new.lines();
    let rules = start.elapsed();
    black_box(lines);
    // The old rules were listed unit by unit when the page asked what the edit before
    // changed (they were the new ones then).
    let start = Instant::now();
    let old_groups: usize = old.proxiers.iter().map(|p| p.groups().len()).sum();
    let old_groups_time = start.elapsed();
    let start = Instant::now();
    let after = analysis.downstream();
    let after_time = start.elapsed();
    let start = Instant::now();
    let changes = diff_from(&before, &old, &after, &new);
    let changed = start.elapsed() + after_time;
    eprintln!(
        "keystroke, one pass: reparse {reparse:?} (inside) Analysis::edit + summary {edit:?} \
         (budget 50 ms: {:.1}×), {} of {} admissions replayed; node-00's rules afterwards \
         {rules:?}; what changed after them {changed:?} (budget 50 ms: {:.1}×; {} rule groups; \
         of it the endpoints and DNS records {after_time:?}, patched; measured whole for the \
         analysis before {downstream:?}; node-00's {old_groups} units listed before the edit \
         {old_groups_time:?})",
        edit.as_secs_f64() * 1000.0 / 50.0,
        analysis.admissions_replayed(),
        analysis.admissions.len(),
        changed.as_secs_f64() * 1000.0 / 50.0,
        changes.groups.len(),
    );
}

/// `Analysis::edit` stage by stage (`Analysis::edit_at`'s marks, told where the text
/// changed, as the worker does): the keystroke and its undo alternate from the analysis
/// before, as the worker edits one analysis after another; each stage's median of 11
/// edits is printed.
fn edit_marks(analysed: &svcplay::scenario::Analysis, text: &str, edited: &str) {
    // The one byte typed (the dump's keystroke inserts it).
    let at = text
        .bytes()
        .zip(edited.bytes())
        .take_while(|(a, b)| a == b)
        .count();
    let typed = manifest::TextEdit {
        start: at,
        end: at,
        new_end: at + 1,
    };
    let undone = manifest::TextEdit {
        start: at,
        end: at + 1,
        new_end: at,
    };
    let mut analysis = Some(analysed.clone());
    let mut stages: Vec<(&'static str, Vec<Duration>)> = Vec::new();
    let mut wholes = Vec::new();
    for i in 0..11 {
        let (from, to, range) = if i % 2 == 0 {
            (text, edited, typed)
        } else {
            (edited, text, undone)
        };
        let start = Instant::now();
        let mut last = start;
        let mut at = 0;
        let previous = analysis.take().expect("an analysis");
        let next = previous.edit_at(from, to, Some(range), &mut |stage| {
            let now = Instant::now();
            if stages.len() <= at {
                stages.push((stage, Vec::new()));
            }
            stages[at].1.push(now - last);
            last = now;
            at += 1;
        });
        wholes.push(start.elapsed());
        analysis = Some(next);
    }
    let median = |mut v: Vec<Duration>| {
        v.sort();
        v[v.len() / 2]
    };
    let whole = median(wholes);
    let listed: Vec<String> = stages
        .into_iter()
        .map(|(stage, times)| format!("{stage} {:?}", median(times)))
        .collect();
    eprintln!(
        "Analysis::edit stage by stage, medians of 11 edits: {} (whole {whole:?}; the target \
         8 ms: {:.1}×)",
        listed.join(", "),
        whole.as_secs_f64() * 1000.0 / 8.0
    );
}

/// The views of node-00's kube-proxy the rules panel offers, by mode.
const LISTINGS: &[(ProxyMode, Listing)] = &[
    (ProxyMode::Iptables, Listing::RestoreInput),
    (ProxyMode::Iptables, Listing::IptablesSave),
    (ProxyMode::Nftables, Listing::NftTransaction),
    (ProxyMode::Nftables, Listing::NftList),
    (ProxyMode::Ipvs, Listing::Ipvsadm),
    (ProxyMode::Ipvs, Listing::Ipset),
    (ProxyMode::Ipvs, Listing::KubeIpvs0),
    (ProxyMode::Ipvs, Listing::IptablesSave),
];

/// The rules panel's listing alone after a keystroke (issue 19 item 3): the worker holds
/// the analysis whose listing it showed, edits it (`Analysis::edit`, untimed here) and
/// asks for the same listing of node-00 again (`views::listing::lines`, timed). The
/// keystroke and its undo alternate, so every listing follows an edit of one Service
/// from an analysis whose same listing was computed, as in the worker. One pass prints
/// where a listing made whole goes (kube-proxy's facts, the rules, their lines with
/// provenance) against the 10 ms this part of the 50 ms budget gets.
fn listing_after_a_keystroke(c: &mut Criterion) {
    let text = svcplay::examples::dump::large_dump(5000, 10);
    let edited = svcplay::examples::dump::with_a_keystroke(&text);
    let analysed = analyze(&text, Options::default());
    listing_stages(&analysed);
    patch_marks(&analysed, &text, &edited);
    let mut group = c.benchmark_group("node-00's rules listing after a keystroke in the 5k dump");
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_millis(1))
        .measurement_time(Duration::from_millis(20));
    // The listings written out whole, then the rules panel's windows of the restore
    // input read from the chunks (`views::listing::window`): its first 3,000 lines, the
    // lines containing "dnat", and the rules of the Service edited.
    let windows = LISTINGS
        .iter()
        .map(|&(mode, listing)| (mode, listing, None))
        .chain([
            (
                ProxyMode::Iptables,
                Listing::RestoreInput,
                Some(("", false)),
            ),
            (
                ProxyMode::Iptables,
                Listing::RestoreInput,
                Some(("dnat", false)),
            ),
            (ProxyMode::Iptables, Listing::RestoreInput, Some(("", true))),
        ]);
    let edited_object = analysed
        .objects
        .services
        .iter()
        .find(|s| s.meta.name == "svc-02500")
        .and_then(|s| s.meta.origin.object());
    let object_of = |p: &proxy::provenance::Provenance| match p.service_port.as_ref()?.origin {
        model::Origin::Written(id) => Some(id),
        _ => None,
    };
    for (mode, listing, window) in windows {
        let context = Context {
            node: "node-00".into(),
            mode: Some(mode),
        };
        let list = |analysis: &svcplay::scenario::Analysis| match window {
            None => black_box(lines(analysis, &context, listing)).map(|l| l.line_sources.len()),
            Some((text, object)) => {
                let filters = svcplay::views::listing::Filters {
                    text,
                    object: if object { edited_object } else { None },
                    object_of: &object_of,
                    limit: 3000,
                };
                black_box(svcplay::views::listing::window(
                    analysis, &context, listing, &filters,
                ))
                .map(|w| w.numbers.len())
            }
        };
        let mut analysis = Some(analysed.clone());
        black_box(list(analysis.as_ref().unwrap()));
        let mut forward = true;
        let name = match window {
            None => format!("{mode:?} {}", listing.id()),
            Some((text, object)) => format!(
                "{mode:?} {} window{}{}",
                listing.id(),
                if text.is_empty() {
                    ""
                } else {
                    " filtered by text"
                },
                if object { " of the edited Service" } else { "" }
            ),
        };
        let mut samples = Vec::new();
        group.bench_function(&name, |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let (from, to) = if forward {
                        (&text, &edited)
                    } else {
                        (&edited, &text)
                    };
                    forward = !forward;
                    let edited = analysis.take().unwrap().edit(from, to);
                    let start = Instant::now();
                    let listed = list(&edited);
                    let took = start.elapsed();
                    black_box(listed);
                    samples.push(took);
                    total += took;
                    analysis = Some(edited);
                }
                total
            })
        });
        samples.sort();
        if let Some(median) = samples.get(samples.len() / 2) {
            eprintln!(
                "{name} listing after a keystroke: median {median:?} of {} (budget 10 ms: {:.1}×)",
                samples.len(),
                median.as_secs_f64() * 1000.0 / 10.0
            );
        }
    }
    group.finish();
}

/// The listing's chunks patched after a keystroke alone (the worker's "chunks made or
/// patched" stage of `views::listing::window_marked`, iptables mode's restore input), and
/// nftables mode's transaction listed through its pieces (`views::listing::lines`): the
/// keystroke and its undo alternate from an analysis whose same listing was made, as in
/// the worker; the medians of 21 are printed.
fn patch_marks(analysed: &svcplay::scenario::Analysis, text: &str, edited: &str) {
    let object_of = |_: &proxy::provenance::Provenance| None;
    let filters = svcplay::views::listing::Filters {
        text: "",
        object: None,
        object_of: &object_of,
        limit: 3000,
    };
    let median = |mut v: Vec<Duration>| {
        v.sort();
        v[v.len() / 2]
    };
    let mut printed = Vec::new();
    for mode in [ProxyMode::Iptables, ProxyMode::Nftables] {
        let context = Context {
            node: "node-00".into(),
            mode: Some(mode),
        };
        let list = |analysis: &svcplay::scenario::Analysis| -> Option<Duration> {
            let start = Instant::now();
            match mode {
                ProxyMode::Iptables => {
                    let mut patched = None;
                    let window = svcplay::views::listing::window_marked(
                        analysis,
                        &context,
                        Listing::RestoreInput,
                        &filters,
                        &mut |_| patched = Some(start.elapsed()),
                    );
                    black_box(window);
                    patched
                }
                _ => {
                    black_box(lines(analysis, &context, Listing::NftTransaction));
                    Some(start.elapsed())
                }
            }
        };
        let mut analysis = Some(analysed.clone());
        list(analysis.as_ref().expect("an analysis"));
        let mut times = Vec::new();
        for i in 0..21 {
            let (from, to) = if i % 2 == 0 {
                (text, edited)
            } else {
                (edited, text)
            };
            let next = analysis.take().expect("an analysis").edit(from, to);
            times.extend(list(&next));
            analysis = Some(next);
        }
        let what = match mode {
            ProxyMode::Iptables => "iptables restore input's chunks patched",
            _ => "nftables transaction through its pieces",
        };
        printed.push(format!("{what} {:?}", median(times)));
    }
    eprintln!("after a keystroke, medians of 21: {}", printed.join("; "));
}

/// One pass of node-00's iptables restore input made whole, stage by stage: kube-proxy's
/// facts, the typed rules, their lines with provenance (what a listing cost after every
/// keystroke before the per-Service chunks, and what the first listing still costs).
fn listing_stages(analysed: &svcplay::scenario::Analysis) {
    let start = Instant::now();
    let facts = analysed.proxy_facts("node-00");
    let facts_time = start.elapsed();
    let proxy = proxy::NodeProxy::new("node-00", ProxyMode::Iptables, facts);
    let start = Instant::now();
    for p in &proxy.proxiers {
        black_box(p.iptables());
    }
    let render = start.elapsed();
    let start = Instant::now();
    let listed = proxy.lines();
    let lines_time = start.elapsed();
    eprintln!(
        "node-00's restore input made whole: facts {facts_time:?}, rules {render:?}, lines \
         with provenance {lines_time:?} ({} lines, {} sources, {} bytes)",
        listed.line_sources.len(),
        listed.sources.len(),
        listed.text.len()
    );
}

criterion_group!(benches, bench, listing_after_a_keystroke);
criterion_main!(benches);
