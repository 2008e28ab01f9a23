//! Fuzzes the simulated terminal (`svcplay run FILE -- COMMAND`): the input is a command
//! line, split as the page's terminal splits it and run against a fixed scenario (the
//! page's default lab), so kubectl's, dig's, curl's, iptables' and nft's argument
//! parsers all see it. Nothing may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;
use svcplay::scenario::{Analysis, Options, analyze};
use svcplay::views::{Context, run, split_command_line};

fn lab() -> &'static Analysis {
    static LAB: OnceLock<Analysis> = OnceLock::new();
    LAB.get_or_init(|| analyze(svcplay::examples::DEFAULT, Options::default()))
}

fuzz_target!(|data: &[u8]| {
    let Ok(line) = std::str::from_utf8(data) else {
        return;
    };
    let analysis = lab();
    let context = Context::new(analysis.default_node());
    let _ = run(analysis, &context, &split_command_line(line));
});
