//! `nft list …` on the scenario's node: what nft 1.0.6 prints of the node's nftables
//! ruleset.
//!
//! The node's iptables is iptables-nft 1.8.9 (what its `iptables-save` says), so the
//! tables kube-proxy's iptables and IPVS modes fill are nftables tables too (`table ip
//! nat`, `table ip6 filter`…), listed by [`super::iptables_nft`] from the same typed
//! tables as `iptables-save`. In nftables mode kube-proxy owns `table ip kube-proxy` and
//! `table ip6 kube-proxy` (one per family it proxies), and leaves iptables alone.
//! Supported: `list ruleset [FAMILY]`, `list tables [FAMILY]`, `list table [FAMILY]
//! NAME`, `list chain|set|map [FAMILY] TABLE NAME`. A missing object gets nft's own
//! error, with the caret under the missing name.

use super::iptables_nft::{self, Listing, NftTable};
use super::{CommandOutput, Context, NOT_IMPLEMENTED};
use crate::model::ip::IpFamily;
use crate::proxy::iptables::node::NodeTables;
use crate::proxy::nftables::Table;
use crate::proxy::nftables::list::SetOf;
use crate::scenario::Analysis;
use std::fmt::Write as _;

/// The kube-proxy tables on the node (none outside nftables mode).
pub fn tables(analysis: &Analysis, context: &Context) -> Vec<Table> {
    context
        .proxy(analysis)
        .proxiers
        .iter()
        .filter_map(|p| p.nftables())
        .map(|r| r.table.clone())
        .collect()
}

const FAMILIES: [&str; 6] = ["ip", "ip6", "inet", "arp", "bridge", "netdev"];

/// nft's error for a missing object: the message, the command, a caret line under word
/// `index` of the command.
fn no_such(words: &[String], index: usize) -> CommandOutput {
    let line = words.join(" ");
    let column: usize = words[..index].iter().map(|w| w.chars().count() + 1).sum();
    let mut err = String::new();
    let _ = writeln!(err, "Error: No such file or directory");
    let _ = writeln!(err, "{line}");
    let _ = writeln!(
        err,
        "{}{}",
        " ".repeat(column),
        "^".repeat(words[index].chars().count().max(1))
    );
    CommandOutput::error(err, 1)
}

fn syntax_error(words: &[String], index: usize) -> CommandOutput {
    let line = words.join(" ");
    let column: usize = words[..index].iter().map(|w| w.chars().count() + 1).sum();
    let width = words.get(index).map_or(1, |w| w.chars().count().max(1));
    CommandOutput::error(
        format!(
            "Error: syntax error, unexpected string\n{line}\n{}{}\n",
            " ".repeat(column),
            "^".repeat(width)
        ),
        1,
    )
}

/// Reads an optional family word at `i`: the family and the index after it.
fn family_at(words: &[String], i: usize) -> (Option<&str>, usize) {
    match words.get(i) {
        Some(w) if FAMILIES.contains(&w.as_str()) => (Some(w.as_str()), i + 1),
        _ => (None, i),
    }
}

/// The node's iptables tables of each family, as its `iptables-save` lists them (none in
/// the modes that leave iptables alone).
pub fn xtables(analysis: &Analysis, context: &Context) -> Vec<NodeTables> {
    [IpFamily::IPv4, IpFamily::IPv6]
        .into_iter()
        .filter_map(|family| super::iptables::node_tables(analysis, context, family))
        .collect()
}

/// A listing as a command's output, stderr placed where nft wrote it.
fn output(listing: Listing) -> CommandOutput {
    let mut out = CommandOutput::ok(String::new());
    let mut written = 0;
    for (at, text) in &listing.stderr {
        written += text.len();
        out.interleaved.push((*at, written));
    }
    out.stderr = listing.stderr_text();
    out.stdout = listing.stdout;
    out
}

/// Runs `nft ARGS…` (`argv[0]` is `nft`): the tables iptables-nft created on the node
/// ([`super::iptables_nft`]) and kube-proxy's own nftables tables, in the order nft
/// lists them.
pub fn run(analysis: &Analysis, context: &Context, argv: &[String]) -> CommandOutput {
    let words: Vec<String> = argv.iter().skip(1).cloned().collect();
    if words.first().map(String::as_str) != Some("list") {
        return CommandOutput::error(
            format!(
                "svcplay: nft {} is not simulated (only `nft list …`)\n",
                words.join(" ")
            ),
            NOT_IMPLEMENTED,
        );
    }
    let kube_proxy = tables(analysis, context);
    let xtables = xtables(analysis, context);
    let all = iptables_nft::node_tables(&xtables, &kube_proxy);
    let find = |family: Option<&str>, name: &str| -> Option<NftTable> {
        // Without a family word, nft means `ip`.
        let family = family.unwrap_or("ip");
        all.iter()
            .find(|t| t.family() == family && t.name() == name)
            .copied()
    };
    let Some(what) = words.get(1) else {
        return syntax_error(&words, 0);
    };
    match what.as_str() {
        "ruleset" | "tables" => {
            let (family, next) = family_at(&words, 2);
            if next < words.len() {
                return syntax_error(&words, next);
            }
            let chosen: Vec<NftTable> = all
                .iter()
                .filter(|t| family.is_none_or(|f| f == t.family()))
                .copied()
                .collect();
            if what == "ruleset" {
                output(iptables_nft::list_tables(&chosen))
            } else {
                CommandOutput::ok(iptables_nft::list_names(&chosen))
            }
        }
        "table" => {
            let (family, next) = family_at(&words, 2);
            let Some(name) = words.get(next) else {
                return syntax_error(&words, next.min(words.len() - 1));
            };
            if next + 1 < words.len() {
                return syntax_error(&words, next + 1);
            }
            match find(family, name) {
                Some(t) => output(iptables_nft::list_tables(&[t])),
                None => no_such(&words, next),
            }
        }
        "chain" | "set" | "map" => {
            let (family, next) = family_at(&words, 2);
            let (Some(table_name), Some(name)) = (words.get(next), words.get(next + 1)) else {
                return syntax_error(&words, (next + 1).min(words.len() - 1));
            };
            if next + 2 < words.len() {
                return syntax_error(&words, next + 2);
            }
            let Some(table) = find(family, table_name) else {
                return no_such(&words, next);
            };
            let out = match (what.as_str(), table) {
                ("chain", _) => iptables_nft::list_chain(&table, name).map(output),
                (kind, NftTable::KubeProxy(table)) => table
                    .set(name)
                    .filter(|s| s.kind() == kind)
                    .map(|s| CommandOutput::ok(SetOf(table, s).to_string())),
                // iptables-nft makes no sets or maps.
                (_, NftTable::Xtables(..)) => None,
            };
            match out {
                Some(out) => out,
                None => no_such(&words, next + 1),
            }
        }
        _ => CommandOutput::error(
            format!(
                "svcplay: nft {} is not simulated (try `nft list ruleset` or `nft list tables`)\n",
                words.join(" ")
            ),
            NOT_IMPLEMENTED,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{Options, analyze};

    const SCENARIO: &str = "\
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
mode: nftables
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: default}
spec:
  clusterIP: 10.96.0.20
  ports: [{port: 80}]
";

    fn nft(line: &str) -> CommandOutput {
        let analysis = analyze(SCENARIO, Options { stored: true });
        let context = Context::new(analysis.default_node());
        let argv = crate::views::split_command_line(line);
        run(&analysis, &context, &argv)
    }

    #[test]
    fn lists_the_table_and_its_parts() {
        let table = nft("nft list table ip kube-proxy");
        assert_eq!(table.status, 0);
        assert!(table.stdout.starts_with("table ip kube-proxy {\n\tcomment"));
        assert_eq!(nft("nft list table kube-proxy").stdout, table.stdout);
        assert_eq!(nft("nft list ruleset").stdout, table.stdout);
        assert_eq!(nft("nft list tables").stdout, "table ip kube-proxy\n");
        let chain = nft("nft list chain ip kube-proxy services");
        assert!(
            chain
                .stdout
                .starts_with("table ip kube-proxy {\n\tchain services {\n")
        );
        assert!(
            nft("nft list map ip kube-proxy service-ips")
                .stdout
                .contains("map service-ips")
        );
        assert_eq!(nft("nft list set ip kube-proxy service-ips").status, 1);
    }

    #[test]
    fn missing_objects_fail_like_nft() {
        let out = nft("nft list table ip6 kube-proxy");
        assert_eq!(out.status, 1);
        assert_eq!(
            out.stderr,
            "Error: No such file or directory\nlist table ip6 kube-proxy\n               ^^^^^^^^^^\n"
        );
        let out = nft("nft list chain ip kube-proxy nope");
        assert_eq!(
            out.stderr,
            "Error: No such file or directory\nlist chain ip kube-proxy nope\n                         ^^^^\n"
        );
    }
}
