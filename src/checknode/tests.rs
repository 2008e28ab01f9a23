//! check-node on svcplay's own dumps, edited the way other releases, other kernels and
//! other owners would have them.

use super::*;
use crate::scenario::{Options, analyze};
use crate::views::{Context as ViewContext, run};

const SCENARIO: &str = include_str!("../../tests/fixtures/check-node/scenario-a.yaml");

fn scenario(text: &str) -> Analysis {
    analyze(text, Options::default())
}

fn dump(analysis: &Analysis, command: &[&str]) -> String {
    let context = ViewContext::new(analysis.default_node());
    let argv: Vec<String> = command.iter().map(|s| s.to_string()).collect();
    let out = run(analysis, &context, &argv);
    assert_eq!(out.status, 0, "{}", out.stderr);
    out.stdout
}

fn check_text(analysis: &Analysis, text: &str) -> Report {
    let node = analysis.default_node();
    check(
        analysis,
        &node,
        analysis.proxy_config.mode,
        &[Dump {
            name: "node.txt".into(),
            text: text.into(),
        }],
    )
    .expect("a recognised dump")
}

fn kinds(report: &Report) -> Vec<(FindingKind, String)> {
    report
        .findings
        .iter()
        .map(|f| (f.kind, f.chain.clone()))
        .collect()
}

#[test]
fn the_scenario_s_own_dump_matches_exactly() {
    let a = scenario(SCENARIO);
    let report = check_text(&a, &dump(&a, &["iptables-save"]));
    assert!(report.findings.is_empty(), "{report}");
    assert!(report.matches());
    assert!(report.to_string().ends_with("no drift\n"), "{report}");
}

#[test]
fn other_owners_rules_are_ignored() {
    let a = scenario(SCENARIO);
    let mut text = dump(&a, &["iptables-save"]);
    // kubelet's canary and its KUBE-FIREWALL rule, a CNI plugin's chain and jump.
    text = text.replacen(
        ":KUBE-PROXY-CANARY - [0:0]\n",
        ":KUBE-KUBELET-CANARY - [0:0]\n:KUBE-PROXY-CANARY - [0:0]\n",
        1,
    );
    text = text.replace(
        ":KUBE-EXTERNAL-SERVICES - [0:0]\n",
        ":CNI-FORWARD - [0:0]\n:KUBE-EXTERNAL-SERVICES - [0:0]\n",
    );
    text = text.replace(
        "-A FORWARD -m comment --comment \"kubernetes forwarding rules\" -j KUBE-FORWARD\n",
        "-A FORWARD -m comment --comment \"kubernetes forwarding rules\" -j KUBE-FORWARD\n-A FORWARD -m comment --comment \"CNI firewall plugin rules\" -j CNI-FORWARD\n-A CNI-FORWARD -s 10.244.0.0/16 -j ACCEPT\n",
    );
    let report = check_text(&a, &text);
    assert!(report.findings.is_empty(), "{report}");
    let section = &report.sections[0];
    assert_eq!(section.ignored, 2, "{report}");
    assert!(section.ignored_owners.iter().any(|o| o == "CNI-FORWARD"));
    assert!(
        section
            .ignored_owners
            .iter()
            .any(|o| o == "kubelet: KUBE-KUBELET-CANARY")
    );
}

#[test]
fn release_and_kernel_differences_are_not_drift() {
    let a = scenario(SCENARIO);
    let mut text = dump(&a, &["iptables-save"]);
    // v1.30+ with nfacct, a kernel whose iptables has --random-fully, another comment
    // wording, a probability printed with five digits, a tcp_be_liberal kernel.
    text = text.replace(
        "-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP\n",
        "",
    );
    text = if text.contains("-j MASQUERADE --random-fully\n") {
        text.replace("-j MASQUERADE --random-fully\n", "-j MASQUERADE\n")
    } else {
        text.replace("-j MASQUERADE\n", "-j MASQUERADE --random-fully\n")
    };
    text = text.replace("\"shop/legacy -> 10.244.1.2:8080\"", "shop/legacy");
    text = text.replace("--probability 0.33333333349", "--probability 0.33333");
    let report = check_text(&a, &text);
    assert!(report.matches(), "{report}");
    let found = kinds(&report);
    assert!(
        found.contains(&(FindingKind::Runtime, "KUBE-FORWARD".into())),
        "{report}"
    );
    assert!(
        found.contains(&(FindingKind::Runtime, "KUBE-POSTROUTING".into())),
        "{report}"
    );
    let version: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|f| f.kind == FindingKind::Version)
        .collect();
    assert!(!version.is_empty(), "{report}");
    let out = report.to_string();
    assert!(out.contains("kubernetes#120412"), "{out}");
    assert!(out.contains("comment wording"), "{out}");
    assert!(out.contains("other digits"), "{out}");
    assert!(out.contains("# not drift:"), "{out}");
}

#[test]
fn nfacct_counters_of_newer_releases_are_not_drift() {
    let text = SCENARIO.to_string()
        + "---\napiVersion: svcplay.dev/v1alpha1\nkind: NodeRuntime\nmetadata: {name: k8s-worker01}\nnfacct: true\n";
    let with = scenario(&text);
    let without = scenario(SCENARIO);
    // A node of an older release (or a kernel without nfacct) against a scenario whose
    // node has the counters, and the other way round.
    for (analysis, node_dump) in [
        (&with, dump(&without, &["iptables-save"])),
        (&without, dump(&with, &["iptables-save"])),
    ] {
        let report = check_text(analysis, &node_dump);
        assert!(report.matches(), "{report}");
        assert!(
            report
                .findings
                .iter()
                .all(|f| f.kind == FindingKind::Version),
            "{report}"
        );
        assert!(report.to_string().contains("kubernetes#122812"), "{report}");
    }
}

#[test]
fn a_deleted_service_s_chains_are_stale_and_named() {
    let a = scenario(SCENARIO);
    let text = dump(&a, &["iptables-save"]);
    let without_legacy = {
        let start = SCENARIO
            .find("---\napiVersion: v1\nkind: Service\nmetadata:\n  name: legacy")
            .unwrap();
        let end = SCENARIO
            .find("---\napiVersion: v1\nkind: Service\nmetadata:\n  name: db")
            .unwrap();
        format!("{}{}", &SCENARIO[..start], &SCENARIO[end..])
    };
    let b = scenario(&without_legacy);
    let report = check_text(&b, &text);
    assert!(!report.matches());
    assert!(
        report.findings.iter().all(|f| f.kind == FindingKind::Stale),
        "{report}"
    );
    let svc = format!(
        "KUBE-SVC-{}",
        crate::proxy::chain_hash(&["shop/legacy", "tcp"])
    );
    assert_eq!(
        report.legend.get(&svc).map(String::as_str),
        Some("shop/legacy (no such Service port in the scenario)")
    );
    assert!(
        report
            .findings
            .iter()
            .any(|f| f.rule == format!("-N {svc}"))
    );
}

#[test]
fn order_matters_in_a_cascade_but_not_in_kube_services() {
    let a = scenario(SCENARIO);
    let text = dump(&a, &["iptables-save"]);
    let lines: Vec<&str> = text.lines().collect();
    // Swap two KUBE-SERVICES rules (Go map order: no finding).
    let nat = lines.iter().position(|l| *l == "*nat").unwrap();
    let services: Vec<usize> = (nat..lines.len())
        .filter(|&i| lines[i].starts_with("-A KUBE-SERVICES -d 10.96.10."))
        .collect();
    let mut swapped = lines.clone();
    swapped.swap(services[0], services[1]);
    let report = check_text(&a, &(swapped.join("\n") + "\n"));
    assert!(report.findings.is_empty(), "{report}");
    // Swap the first two rules of web's cascade: out of order.
    let web = format!(
        "-A KUBE-SVC-{} ",
        crate::proxy::chain_hash(&["shop/web:http", "tcp"])
    );
    let cascade: Vec<usize> = (0..lines.len())
        .filter(|&i| lines[i].starts_with(&web) && lines[i].contains("statistic"))
        .collect();
    let mut swapped = lines.clone();
    swapped.swap(cascade[0], cascade[1]);
    let report = check_text(&a, &(swapped.join("\n") + "\n"));
    assert_eq!(report.count(FindingKind::Extra), 1, "{report}");
    assert!(report.to_string().contains("out of order"), "{report}");
    // The NodePorts jump moved up: out of order.
    let last = lines
        .iter()
        .position(|l| l.contains("must be the last rule"))
        .unwrap();
    let mut moved = lines.clone();
    let rule = moved.remove(last);
    moved.insert(services[0], rule);
    let report = check_text(&a, &(moved.join("\n") + "\n"));
    assert_eq!(report.count(FindingKind::Extra), 1, "{report}");
}

#[test]
fn restore_input_and_save_forms_compare_alike() {
    let a = scenario(SCENARIO);
    let node = a.default_node();
    let restore = a.proxy(&node).output().to_string();
    let report = check_text(&a, &restore);
    assert!(report.findings.is_empty(), "{report}");
    assert!(report.sections[0].description.contains("restore input"));
}

#[test]
fn nftables_layouts_of_older_releases_are_not_drift() {
    let text = SCENARIO.replace("mode: iptables", "mode: nftables");
    let a = scenario(&text);
    let listing = dump(&a, &["nft", "list", "ruleset"]);
    assert!(check_text(&a, &listing).findings.is_empty());
    // v1.33/v1.34 wrote the port in the ClusterIP masquerade rule; no cluster-ips-check
    // before v1.31.
    let mut old = listing.replace(
        "ip daddr 10.96.10.10 ip saddr != 10.244.0.0/16 jump mark-for-masquerade",
        "ip daddr 10.96.10.10 tcp dport 80 ip saddr != 10.244.0.0/16 jump mark-for-masquerade",
    );
    let start = old.find("\tchain cluster-ips-check {").unwrap();
    let end = start + old[start..].find("\t}\n\n").unwrap() + 4;
    old.replace_range(start..end, "");
    old = old.replace("\t\tct state new jump cluster-ips-check\n", "");
    let report = check_text(&a, &old);
    assert!(report.matches(), "{report}");
    assert!(report.count(FindingKind::Version) >= 3, "{report}");
    assert!(report.to_string().contains("v1.31"), "{report}");
}

#[test]
fn ipvs_draining_servers_and_foreign_virtual_servers() {
    let text = SCENARIO.replace("mode: iptables", "mode: ipvs");
    let a = scenario(&text);
    let listing = dump(&a, &["ipvsadm", "-Ln"]) + &dump(&a, &["ipset", "list"]);
    assert!(check_text(&a, &listing).findings.is_empty());
    // A real server draining at weight 0, keepalived's virtual server on another address.
    let drained = listing.replacen(
        "Masq    1      0          0         \n",
        "Masq    1      0          0         \n  -> 10.244.9.9:8080               Masq    0      0          3         \n",
        1,
    ) + "TCP  192.0.2.10:80 wrr\n  -> 192.0.2.11:80                Route   1      0          0         \n";
    let report = check_text(&a, &drained);
    assert!(report.matches(), "{report}");
    assert_eq!(report.count(FindingKind::Runtime), 1, "{report}");
    assert!(report.sections.iter().any(|s| s.ignored == 2), "{report}");
}

#[test]
fn unrecognised_dumps_are_usage_errors() {
    let a = scenario(SCENARIO);
    let node = a.default_node();
    let err = check(
        &a,
        &node,
        a.proxy_config.mode,
        &[Dump {
            name: "notes.txt".into(),
            text: "hello\nworld\n".into(),
        }],
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "notes.txt: not the output of iptables-save, ip6tables-save, ipvsadm -Ln, ipset list or nft list ruleset"
    );
}

#[test]
fn no_dump_makes_it_panic() {
    // Every line of each tool's output cut at every word, one at a time, and a few
    // hostile lines: reports or usage errors, never a panic.
    let mut dumps = Vec::new();
    for (mode, commands) in [
        ("iptables", vec![vec!["iptables-save"]]),
        ("nftables", vec![vec!["nft", "list", "ruleset"]]),
        ("ipvs", vec![vec!["ipvsadm", "-Ln"], vec!["ipset", "list"]]),
    ] {
        let a = scenario(&SCENARIO.replace("mode: iptables", &format!("mode: {mode}")));
        let text: String = commands.iter().map(|c| dump(&a, c)).collect();
        dumps.push((a, text));
    }
    let hostile = [
        "-A",
        "-A KUBE-SVC-AAAAAAAAAAAAAAAA -j",
        "-A X -m comment --comment \"unterminated",
        "-A X ! ! -s",
        "table ip kube-proxy {",
        "elements = { , , }",
        "TCP  [::1:80 rr",
        "  -> :",
        "Name: ",
        "Members:",
        "*nat\n:KUBE-SERVICES - [0:0]\n-A KUBE-SERVICES -j KUBE-SEP-ZZZZZZZZZZZZZZZZ -m statistic --mode random --probability x",
        "-X KUBE-SERVICES",
        "\u{0}\u{feff}é",
    ];
    for (analysis, text) in &dumps {
        let node = analysis.default_node();
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate().step_by(4) {
            let words: Vec<&str> = line.split(' ').collect();
            for cut in 0..words.len() {
                let mut variant: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
                variant[i] = words[..cut].join(" ");
                let _ = check(
                    analysis,
                    &node,
                    analysis.proxy_config.mode,
                    &[Dump {
                        name: "cut".into(),
                        text: variant.join("\n"),
                    }],
                );
            }
        }
        for h in hostile {
            let _ = check(
                analysis,
                &node,
                analysis.proxy_config.mode,
                &[Dump {
                    name: "hostile".into(),
                    text: format!("{text}\n{h}\n"),
                }],
            );
        }
    }
}
