//! A seeded, deterministic mutation test over the service-api inputs: what the cargo-fuzz
//! target `fuzz/fuzz_targets/apply.rs` does, in plain Rust so it runs under `cargo test`
//! on stable. Each mutant goes through the API server (and `--stored`), `kubectl apply`'s
//! printing with and without `-o yaml`, the page's stored-object view and
//! `kubectl get/describe svc`; nothing may panic. A failure prints the mutant.

// Tests may read the clock (timeouts, measurements); only the core may not.
#![allow(clippy::disallowed_methods)]

use std::path::Path;
use svcplay::scenario::{Options, analyze};
use svcplay::views::kubectl::apply::{Format, SourceFile, apply};
use svcplay::views::kubectl::yaml::stored_services;
use svcplay::views::{Context, run, split_command_line};

/// How many mutants to try by default (the seed is fixed, so every run tries the same);
/// `SVCPLAY_STRESS_MUTANTS=N` tries N (e.g. a long run with `--release`).
const MUTANTS: usize = 3000;
const SEED: u64 = 0x5eed_cafe_f00d_0001;

/// xorshift64*: small, seeded, good enough to pick mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// Values that sit on the edges of the rules and of the YAML and JSON decoders.
const VALUES: &[&str] = &[
    "0",
    "-1",
    "65535",
    "65536",
    "30000",
    "32767",
    "32768",
    "2147483648",
    "1e3",
    "0x1F",
    "0777",
    "None",
    "\"None\"",
    "\"\"",
    "~",
    "null",
    "yes",
    "[]",
    "{}",
    "[1, 2]",
    "{a: b}",
    "ClusterIP",
    "NodePort",
    "LoadBalancer",
    "ExternalName",
    "Nodeport",
    "Local",
    "Cluster",
    "ClientIP",
    "SingleStack",
    "PreferDualStack",
    "RequireDualStack",
    "IPv4",
    "IPv6",
    "TCP",
    "udp",
    "SCTP",
    "10.96.0.1",
    "10.96.0.0",
    "10.111.255.255",
    "010.096.000.010",
    "::1",
    "fd00::1",
    "::ffff:10.96.0.5",
    "fe80::1",
    "0.0.0.0",
    "127.0.0.1",
    "224.0.0.1",
    "10.0.0.1/24",
    "10.0.0.0/33",
    "a.b.c",
    "-abc-",
    "Web",
    "web.app",
    "x/y/z",
    "example.com/x",
    "<script>",
    "\"tab\\there\"",
    "\"line\\nbreak\"",
    "é",
    "🚀",
    "PreferClose",
    "Random",
    "86400",
    "86401",
];

const KEYS: &[&str] = &[
    "type",
    "clusterIP",
    "clusterIPs",
    "ports",
    "port",
    "nodePort",
    "targetPort",
    "protocol",
    "name",
    "namespace",
    "selector",
    "sessionAffinity",
    "externalTrafficPolicy",
    "internalTrafficPolicy",
    "healthCheckNodePort",
    "ipFamilies",
    "ipFamilyPolicy",
    "externalIPs",
    "externalName",
    "loadBalancerSourceRanges",
    "loadBalancerClass",
    "allocateLoadBalancerNodePorts",
    "trafficDistribution",
    "appProtocol",
    "labels",
    "annotations",
    "generateName",
    "finalizers",
    "kind",
    "apiVersion",
    "status",
    "items",
];

/// One mutation of `text`.
fn mutate(text: &str, rng: &mut Rng, corpus: &[String]) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    if lines.is_empty() {
        lines.push(String::new());
    }
    let rounds = 1 + rng.below(4);
    for _ in 0..rounds {
        let i = rng.below(lines.len());
        match rng.below(12) {
            // Replace a value.
            0..=2 => {
                if let Some(colon) = lines[i].find(": ") {
                    let value = rng.pick(VALUES);
                    lines[i] = format!("{}: {value}", &lines[i][..colon]);
                } else if let Some(dash) = lines[i].find("- ") {
                    let value = rng.pick(VALUES);
                    lines[i] = format!("{}- {value}", &lines[i][..dash]);
                }
            }
            // Rename a key.
            3 => {
                if let Some(colon) = lines[i].find(':') {
                    let indent: String = lines[i]
                        .chars()
                        .take_while(|c| *c == ' ' || *c == '-')
                        .collect();
                    let rest = lines[i][colon..].to_string();
                    lines[i] = format!("{indent}{}{rest}", rng.pick(KEYS));
                }
            }
            // Delete, duplicate or swap lines.
            4 => {
                lines.remove(i);
                if lines.is_empty() {
                    lines.push(String::new());
                }
            }
            5 => {
                let l = lines[i].clone();
                lines.insert(i, l);
            }
            6 => {
                let j = rng.below(lines.len());
                lines.swap(i, j);
            }
            // Shift indentation.
            7 => {
                if rng.below(2) == 0 {
                    lines[i].insert(0, ' ');
                } else if lines[i].starts_with(' ') {
                    lines[i].remove(0);
                }
            }
            // Insert a new key with a value.
            8 => {
                let indent: String = lines[i].chars().take_while(|c| *c == ' ').collect();
                let key = rng.pick(KEYS);
                let value = rng.pick(VALUES);
                lines.insert(i, format!("{indent}{key}: {value}"));
            }
            // Splice in a document separator or a whole other case.
            9 => lines.insert(i, "---".into()),
            10 => {
                let other = &corpus[rng.below(corpus.len())];
                lines.splice(i..i, other.lines().map(str::to_string));
            }
            // Damage characters.
            _ => {
                let chars: Vec<char> = lines[i].chars().collect();
                if !chars.is_empty() {
                    let at = rng.below(chars.len());
                    let junk = [
                        '{', '}', '[', ']', '&', '*', '!', '|', '>', '\'', '"', '#', '%', '@',
                        '\t', ':', ',', '?',
                    ];
                    let mut c = chars.clone();
                    c[at] = junk[rng.below(junk.len())];
                    lines[i] = c.into_iter().collect();
                }
            }
        }
    }
    let mut out = lines.join("\n");
    if rng.below(3) > 0 {
        out.push('\n');
    }
    out
}

fn exercise(text: &str) {
    let files = [SourceFile {
        name: "stress.yaml".into(),
        first_line: 1,
    }];
    for stored in [false, true] {
        let analysis = analyze(text, Options { stored });
        let _ = apply(&analysis, &files, Format::Default);
        let _ = apply(&analysis, &files, Format::Yaml);
        let _ = stored_services(&analysis);
        let context = Context::new(analysis.default_node());
        for command in [
            "kubectl get svc -A -o wide",
            "kubectl get svc -A -o yaml",
            "kubectl describe svc -A",
        ] {
            let _ = run(&analysis, &context, &split_command_line(command));
        }
    }
}

fn seeds() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut out = Vec::new();
    for corpus in ["service-api", "service-api-own", "kubectl-service"] {
        let Ok(dirs) = std::fs::read_dir(root.join(corpus)) else {
            continue;
        };
        let mut dirs: Vec<_> = dirs
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.is_dir())
            .collect();
        dirs.sort();
        for dir in dirs {
            let mut files: Vec<_> = std::fs::read_dir(&dir)
                .unwrap()
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
                .collect();
            files.sort();
            out.extend(files.iter().map(|f| std::fs::read_to_string(f).unwrap()));
        }
    }
    out
}

#[test]
fn mutated_cases_never_panic() {
    let corpus = seeds();
    assert!(corpus.len() > 100, "seed corpus: {} files", corpus.len());
    let mutants = std::env::var("SVCPLAY_STRESS_MUTANTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(MUTANTS);
    let mut rng = Rng(SEED);
    let started = std::time::Instant::now();
    for n in 0..mutants {
        let seed = &corpus[rng.below(corpus.len())];
        let mutant = mutate(seed, &mut rng, &corpus);
        let result = std::panic::catch_unwind(|| exercise(&mutant));
        if result.is_err() {
            panic!("mutant #{n} panicked:\n-----\n{mutant}\n-----");
        }
    }
    eprintln!(
        "{mutants} mutants of {} seeds, no panic, in {:.1?}",
        corpus.len(),
        started.elapsed()
    );
}
