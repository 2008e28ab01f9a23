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
