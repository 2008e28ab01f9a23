//! How much memory the pipeline keeps for a dump, against PRODUCT.md's budget ("memory: ≤ 3×
//! the YAML size for the model"). A report, not an assertion (budgets are measured, not
//! asserted): it prints, for a generated dump, the bytes live after each stage, counted by
//! a global allocator of this test binary. `--show-output` keeps the lines in the CI log.
//!
//! The dump is `examples::dump::large_dump(500, 10)` (500 Services, 5,000 endpoints, 50
//! Nodes): a tenth of the budget's 5k dump, so the debug build of `cargo test` runs it in
//! seconds; the ratios do not depend on the size. `SVCPLAY_MEMORY_SERVICES=5000` measures the
//! full dump (use `--release`).

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

#[test]
fn memory_kept_for_a_dump() {
    let services = std::env::var("SVCPLAY_MEMORY_SERVICES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(500);
    let text = svcplay::examples::dump::large_dump(services, 10);
    let yaml = text.len() as f64;
    let before = live();
    PEAK.store(before, Ordering::Relaxed);
    let analysis = analyze(&text, Options::default());
    let whole = live() - before;
    let peak = PEAK.load(Ordering::Relaxed) - before;
    let svcplay::scenario::Analysis {
        manifest,
        objects,
        admissions,
        diagnostics,
        ..
    } = analysis;
    // What each part holds: the live bytes dropping it frees; the model is what is left.
    let at_start = live();
    drop(admissions);
    let admitted = at_start - live();
    let at_start = live();
    drop(diagnostics);
    let diagnosed = at_start - live();
    let at_start = live();
    drop(manifest);
    let parsed = at_start - live();
    let model = live() - before;
    assert!(!objects.services.is_empty());
    let mb = |n: usize| n as f64 / 1e6;
    let x = |n: usize| n as f64 / yaml;
    println!(
        "memory for a {:.2} MB dump ({services} Services, {} endpoints), live bytes after analysis:\n  \
         the model (stored and generated objects) {:.2} MB = {:.1}x the YAML (budget 3x)\n  \
         the API server's admissions (each stored Service, warnings) {:.2} MB = {:.1}x\n  \
         the parsed YAML (kept for spans, field paths and kubectl's messages) {:.2} MB = {:.1}x\n  \
         diagnostics {:.2} MB\n  \
         the whole analysis {:.2} MB = {:.1}x; peak while analysing {:.2} MB = {:.1}x",
        mb(text.len()),
        services * 10,
        mb(model),
        x(model),
        mb(admitted),
        x(admitted),
        mb(parsed),
        x(parsed),
        mb(diagnosed),
        mb(whole),
        x(whole),
        mb(peak),
        x(peak),
    );
    drop(objects);
}
