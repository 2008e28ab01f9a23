//! How much memory the pipeline keeps for a dump, against PRODUCT.md's budget ("memory:
//! ≤ 3× the YAML size for the model, ≤ 6× for the whole analysis", issue 19 item 4). A
//! report, not an assertion (budgets are measured, not asserted): it prints, for each
//! generated dump, the bytes live after the analysis, part by part, counted by a global
//! allocator of this test binary (the bytes asked for; the allocator's own overhead is
//! not counted). `--show-output` keeps the lines in the CI log.
//!
//! The dumps are `examples::dump::large_dump(500, 10)` (500 Services, 5,000 endpoints,
//! 50 Nodes) and PRODUCT.md's `large_dump(5000, 10)` (5,000 Services, 50,000 endpoints):
//! the second takes seconds in the debug build of `cargo test` as well.
//! `SVCPLAY_MEMORY_SERVICES=N` measures one dump of N Services instead.
//!
//! The parts: the model is the objects as stored plus what the controllers made
//! (`Analysis::objects`), also shown list by list (EndpointSlices, Services, Pods...: what
//! to make smaller first); the admissions are what the API server answered for each
//! written object; the parsed YAML is the manifest (the text, each object's place in it,
//! the documents); the rest is the admission journal an edit replays, the session and
//! kube-proxy's configuration.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use svcplay::scenario::{Options, analyze};

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's layout goes to the system allocator unchanged.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(live, Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `alloc` above with this layout.
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn live() -> usize {
    LIVE.load(Ordering::Relaxed)
}

/// What one analysis of a dump keeps, in bytes.
struct Kept {
    yaml: usize,
    model: usize,
    /// The model's lists, each with what dropping it frees (its part of `model`).
    by_kind: Vec<(&'static str, usize)>,
    admissions: usize,
    parsed: usize,
    diagnostics: usize,
    rest: usize,
    whole: usize,
    peak: usize,
}

fn measure(services: usize) -> Kept {
    let text = svcplay::examples::dump::large_dump(services, 10);
    let before = live();
    PEAK.store(before, Ordering::Relaxed);
    let analysis = analyze(&text, Options::default());
    let whole = live() - before;
    let peak = PEAK.load(Ordering::Relaxed) - before;
    assert!(!analysis.objects.services.is_empty());
    let svcplay::scenario::Analysis {
        manifest,
        objects,
        admissions,
        diagnostics,
        ..
    } = analysis;
    // What each part holds: the live bytes dropping it frees.
    let freed = |part: &mut dyn FnMut()| {
        let at_start = live();
        part();
        at_start - live()
    };
    let mut objects = Some(objects);
    let by_kind = model_by_kind(objects.as_mut().expect("the objects"), &freed);
    let model =
        by_kind.iter().map(|(_, bytes)| bytes).sum::<usize>() + freed(&mut || drop(objects.take()));
    let mut admissions = Some(admissions);
    let admitted = freed(&mut || drop(admissions.take()));
    let mut diagnostics = Some(diagnostics);
    let diagnosed = freed(&mut || drop(diagnostics.take()));
    let mut manifest = Some(manifest);
    let parsed = freed(&mut || drop(manifest.take()));
    Kept {
        yaml: text.len(),
        model,
        by_kind,
        admissions: admitted,
        parsed,
        diagnostics: diagnosed,
        rest: whole.saturating_sub(model + admitted + diagnosed + parsed),
        whole,
        peak,
    }
}

/// What each list of the model holds: the live bytes taking it out frees. The lists are
/// taken out one by one (the rest, `model` minus their sum, is the lists' own room and
/// kube-proxy's configuration).
fn model_by_kind(
    objects: &mut svcplay::model::Objects,
    freed: &dyn Fn(&mut dyn FnMut()) -> usize,
) -> Vec<(&'static str, usize)> {
    let mut parts = Vec::new();
    macro_rules! part {
        ($name:literal, $field:ident) => {
            let mut list = std::mem::take(&mut objects.$field);
            let bytes = freed(&mut || drop(std::mem::take(&mut list)));
            parts.push(($name, bytes));
        };
    }
    part!("EndpointSlices", endpoint_slices);
    part!("Services", services);
    part!("Pods", pods);
    part!("Nodes", nodes);
    part!("Namespaces", namespaces);
    part!("Endpoints", endpoints);
    part!("workloads", workloads);
    part!("ServiceCIDRs", service_cidrs);
    part!("ConfigMaps", config_maps);
    part!("DaemonSets", daemon_sets);
    part!("NodeRuntimes", node_runtimes);
    part!("retired Pod IPs", retired_pod_ips);
    parts
}

fn report(services: usize, kept: &Kept) {
    let mb = |n: usize| n as f64 / 1e6;
    let x = |n: usize| n as f64 / kept.yaml as f64;
    let verdict = |n: usize, budget: f64| {
        if x(n) <= budget {
            "within budget"
        } else {
            "OVER budget"
        }
    };
    println!(
        "memory for a {:.2} MB dump ({services} Services, {} endpoints), live bytes after analysis:\n  \
         the model (objects stored and generated) {:.2} MB = {:.2}x the YAML (budget 3x: {})\n  \
         the API server's admissions {:.2} MB = {:.2}x\n  \
         the parsed YAML (the text, each object's place in it, the documents) {:.2} MB = {:.2}x\n  \
         diagnostics {:.2} MB = {:.2}x\n  \
         the rest (the admission journal an edit replays, the session, kube-proxy's configuration) {:.2} MB = {:.2}x\n  \
         the whole analysis {:.2} MB = {:.2}x the YAML (budget 6x: {}); peak while analysing {:.2} MB = {:.1}x",
        mb(kept.yaml),
        services * 10,
        mb(kept.model),
        x(kept.model),
        verdict(kept.model, 3.0),
        mb(kept.admissions),
        x(kept.admissions),
        mb(kept.parsed),
        x(kept.parsed),
        mb(kept.diagnostics),
        x(kept.diagnostics),
        mb(kept.rest),
        x(kept.rest),
        mb(kept.whole),
        x(kept.whole),
        verdict(kept.whole, 6.0),
        mb(kept.peak),
        x(kept.peak),
    );
    let parts: Vec<String> = kept
        .by_kind
        .iter()
        .filter(|(_, bytes)| *bytes > 0)
        .map(|(kind, bytes)| format!("{kind} {:.2} MB = {:.2}x", mb(*bytes), x(*bytes)))
        .collect();
    println!("  the model by kind: {}", parts.join(", "));
}

#[test]
fn memory_kept_for_a_dump() {
    let dumps: Vec<usize> = match std::env::var("SVCPLAY_MEMORY_SERVICES")
        .ok()
        .and_then(|n| n.parse().ok())
    {
        Some(services) => vec![services],
        None => vec![500, 5000],
    };
    // One test measures every dump, one after the other: the allocator's count is global.
    for services in dumps {
        let kept = measure(services);
        report(services, &kept);
    }
}
