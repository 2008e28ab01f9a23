//! Fuzzes `svcplay apply` and the kubectl views: any text, analysed through the simulated
//! API server (and with `--stored`), printed as `kubectl apply` and `-o yaml` print it,
//! then `kubectl get/describe svc` over the result. Nothing reachable from input may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use svcplay::scenario::{Options, analyze};
use svcplay::views::kubectl::apply::{Format, SourceFile, apply};
use svcplay::views::kubectl::yaml::stored_services;
use svcplay::views::{Context, run, split_command_line};

const COMMANDS: &[&str] = &[
    "kubectl get svc -A -o wide",
    "kubectl get svc -A -o yaml",
    "kubectl describe svc -A",
];

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let files = [SourceFile {
        name: "fuzz.yaml".into(),
        first_line: 1,
    }];
    for stored in [false, true] {
        let analysis = analyze(text, Options { stored });
        let _ = apply(&analysis, &files, Format::Default);
        let _ = apply(&analysis, &files, Format::Yaml);
        let _ = stored_services(&analysis);
        let context = Context::new(analysis.default_node());
        for command in COMMANDS {
            let _ = run(&analysis, &context, &split_command_line(command));
        }
    }
});
