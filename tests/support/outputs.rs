//! What the incremental tests compare of an analysis (tests/incremental.rs,
//! tests/carry_review.rs): the analysis itself, its diagnostics, kube-proxy's lines on every
//! node in every mode, `kubectl apply` in both formats, and what the views print; and the
//! seeded generator both pick their edits with.

use svcplay::proxy::config::ProxyMode;
use svcplay::scenario::Analysis;
use svcplay::views::{self, Context};

/// Every output compared: the analysis itself and what the views print.
pub fn outputs(analysis: &Analysis) -> Vec<(String, String)> {
    let mut out = vec![("analysis".to_string(), format!("{analysis:#?}"))];
    let diagnostics: Vec<String> = analysis.diagnostics.iter().map(|d| d.to_string()).collect();
    out.push(("diagnostics".into(), diagnostics.join("\n")));
    let commands: &[(&str, Option<ProxyMode>)] = &[
        ("kubectl get services -A -o wide", None),
        ("kubectl get endpointslices -A", None),
        ("kubectl get endpoints -A", None),
        ("kubectl get pods -A -o wide", None),
        ("kubectl get nodes -o wide", None),
        ("kubectl get all -A", None),
        ("kubectl describe services", None),
        ("dig web.default.svc.cluster.local", None),
        ("iptables-save", Some(ProxyMode::Iptables)),
        ("nft list ruleset", Some(ProxyMode::Nftables)),
        ("ipvsadm -Ln", Some(ProxyMode::Ipvs)),
        ("iptables-save", None),
    ];
    // kube-proxy's lines, each with its provenance, on every node in every mode.
    for node in analysis.node_names() {
        for mode in ProxyMode::ALL {
            let lines = analysis.proxy_in(&node, mode).lines();
            out.push((format!("{mode:?} lines on {node}"), format!("{lines:?}")));
        }
    }
    // What `kubectl apply` prints for the whole text, split into two files (it finds each
    // admission by its object id and each file by its first line), in both formats.
    let files = [
        views::kubectl::apply::SourceFile {
            name: "a.yaml".into(),
            first_line: 1,
        },
        views::kubectl::apply::SourceFile {
            name: "b.yaml".into(),
            first_line: 20,
        },
    ];
    for format in [
        views::kubectl::apply::Format::Default,
        views::kubectl::apply::Format::Yaml,
    ] {
        let applied = views::kubectl::apply::apply(analysis, &files, format);
        out.push((
            format!("kubectl apply -f a.yaml -f b.yaml ({format:?})"),
            format!(
                "{}\n--- stderr ---\n{}\n{}",
                applied.stdout, applied.stderr, applied.status
            ),
        ));
    }
    let mut nodes = analysis.node_names();
    nodes.truncate(2);
    for node in nodes {
        for (command, mode) in commands {
            let context = Context {
                node: node.clone(),
                mode: *mode,
            };
            let argv = views::split_command_line(command);
            let result = views::run(analysis, &context, &argv);
            out.push((
                format!("{command} on {node} ({mode:?})"),
                format!(
                    "{}\n--- stderr ---\n{}\n{}",
                    result.stdout, result.stderr, result.status
                ),
            ));
        }
    }
    out
}

/// SplitMix64: a small seeded generator, enough to pick edits.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }

    /// One of `items` (tests/incremental.rs; tests/carry_review.rs picks by index).
    #[allow(dead_code)]
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// The first lines where two outputs differ, at most `n` (the incremental reviews' reports).
#[allow(dead_code)]
pub fn line_diff(got: &str, want: &str, n: usize) -> String {
    let (g, w): (Vec<&str>, Vec<&str>) = (got.lines().collect(), want.lines().collect());
    let mut out = String::new();
    let mut shown = 0;
    for i in 0..g.len().max(w.len()) {
        let (a, b) = (g.get(i), w.get(i));
        if a != b {
            out.push_str(&format!(
                "    line {i}: incremental {:?}\n    line {i}: full        {:?}\n",
                a.unwrap_or(&"<none>"),
                b.unwrap_or(&"<none>")
            ));
            shown += 1;
            if shown >= n {
                break;
            }
        }
    }
    out
}
