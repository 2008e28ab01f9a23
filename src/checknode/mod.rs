//! Check a real node: what its kernel holds against what kube-proxy should have
//! programmed there for the scenario (PRODUCT.md A20, `svcplay check-node`).
//!
//! The user pastes a node's `iptables-save` / `ip6tables-save`, `ipvsadm -Ln` with
//! `ipset list`, or `nft list ruleset` ([`Dump`]s; each tool's output is recognised from
//! its content by [`dump::split`]). [`check`] computes what svcplay expects on the node
//! (the same typed rules the views print: [`NodeTables`](crate::proxy::iptables::node)
//! for `iptables-save`, the nftables [`Table`](crate::proxy::nftables::Table), the IPVS
//! state), reads both sides through the same parsers so they compare as text, and
//! reports [`Finding`]s:
//!
//! - only what kube-proxy owns is compared: its `KUBE-*` chains and its jumps from the
//!   built-in chains (kubelet's `KUBE-KUBELET-CANARY`, its rules in `KUBE-FIREWALL` and a
//!   CNI plugin's chains are counted as ignored), its `kube-proxy` nftables tables, the
//!   IPVS virtual servers on Service addresses and its `KUBE-*` ipsets;
//! - `missing`: kube-proxy should have written it and the node lacks it; `extra`: the node
//!   has it and kube-proxy would not write it for the scenario; `stale`: it belongs to a
//!   Service port the scenario does not have (a Service deleted while kube-proxy was
//!   down, or rules left by kube-proxy in another mode);
//! - differences that come only from another Kubernetes release or from the node's kernel
//!   (nfacct counters, `--random-fully`, the INVALID-drop rule of `tcp_be_liberal`
//!   kernels, comment wording, the nftables base-chain layout of v1.33/v1.34, an IPVS real
//!   server draining at weight 0, …) are listed apart with the reason and do not count;
//! - hash-named chains are mapped back to their Services ([`names`]).
//!
//! Layering: this module sits beside [`crate::views`]; it reads the scenario's
//! [`Analysis`] and the proxy modes' typed rules, and nothing below it imports it.

pub mod dump;
mod iptables;
mod ipvs;
pub mod names;
mod nft;
pub mod words;

use crate::model::ip::IpFamily;
use crate::proxy::config::ProxyMode;
use crate::proxy::{NodeProxy, Proxier, ProxyFacts};
use crate::scenario::Analysis;
use dump::DumpKind;
use names::Names;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::Arc;

/// One pasted dump: a name (the file name, or `dump 1` in the page) and its text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dump {
    pub name: String,
    pub text: String,
}

/// What a finding says about one rule, chain, set element or virtual server.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FindingKind {
    /// kube-proxy should have programmed it; the node lacks it.
    Missing,
    /// The node has it; kube-proxy would not program it for the scenario.
    Extra,
    /// The node has it for a Service port that no longer exists (or from another mode).
    Stale,
    /// Only another Kubernetes release programs it this way: not drift.
    Version,
    /// Only the node's kernel or tools make it differ (a `NodeRuntime` fact): not drift.
    Runtime,
}

impl FindingKind {
    pub fn word(self) -> &'static str {
        match self {
            FindingKind::Missing => "missing",
            FindingKind::Extra => "extra",
            FindingKind::Stale => "stale",
            FindingKind::Version => "version",
            FindingKind::Runtime => "runtime",
        }
    }

    /// Missing, extra and stale findings are drift; the others are listed apart.
    pub fn is_drift(self) -> bool {
        matches!(
            self,
            FindingKind::Missing | FindingKind::Extra | FindingKind::Stale
        )
    }
}

/// One difference between the node and the scenario.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub kind: FindingKind,
    /// `nat`, `filter`, `mangle` (`ip6/nat` for ip6tables), `ip/kube-proxy`, `ipvs`,
    /// `ipset`.
    pub table: String,
    /// The chain, nftables set or map, IPVS virtual service or ipset.
    pub chain: String,
    /// The rule in its tool's own syntax: `-A CHAIN …` / `-N CHAIN` (iptables -S), the
    /// rule as `nft list` prints it, `-A -t …` / `-a -t …` (ipvsadm -S), `create …` /
    /// `add …` (ipset save).
    pub rule: String,
    /// Why: the reason of a version or runtime difference, an order problem, the other
    /// side's rule.
    pub note: Option<String>,
    /// The section of the dump it was found in (an index into [`Report::sections`]).
    pub section: usize,
    /// The dump's line holding the node's side, if any.
    pub line: Option<usize>,
    /// The written object (raw object id) the rule is for, if known.
    pub object: Option<usize>,
}

impl fmt::Display for Finding {
    /// `missing nat KUBE-SERVICES -A KUBE-SERVICES …`: one line, the contract's form.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {} {}",
            self.kind.word(),
            self.table,
            self.chain,
            self.rule
        )
    }
}

/// What one tool's output in a dump was, and how much of it was compared.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Section {
    /// Index into [`Report::dumps`].
    pub dump: usize,
    pub kind: DumpKind,
    /// `iptables-save (IPv4)`, `iptables-restore input (IPv6)`, `nft table ip kube-proxy`.
    pub description: String,
    pub first_line: usize,
    pub last_line: usize,
    /// kube-proxy's items compared (rules, elements, virtual and real servers, members).
    pub compared: usize,
    /// Items of other owners left out, with the owners' names.
    pub ignored: usize,
    pub ignored_owners: Vec<String>,
    /// What the section did not allow to compare, and other remarks.
    pub notes: Vec<String>,
}

/// The result of [`check`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    pub node: String,
    pub mode: ProxyMode,
    /// The dumps' names.
    pub dumps: Vec<String>,
    pub sections: Vec<Section>,
    /// Every finding, section by section.
    pub findings: Vec<Finding>,
    /// Hash-named chains that appear in findings, with what they stand for.
    pub legend: BTreeMap<String, String>,
    /// Lines of the dumps that belong to no tool's output: (dump, line).
    pub unrecognised: Vec<(usize, usize)>,
}

impl Report {
    /// Findings that count as drift.
    pub fn drift(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| f.kind.is_drift())
    }

    /// How many findings of a kind.
    pub fn count(&self, kind: FindingKind) -> usize {
        self.findings.iter().filter(|f| f.kind == kind).count()
    }

    /// The node matches the scenario (differences of release or kernel aside).
    pub fn matches(&self) -> bool {
        self.drift().next().is_none()
    }
}

impl fmt::Display for Report {
    /// Drift findings one per line, then (as `#` comments and `version`/`runtime` lines)
    /// what is not drift, the names of hash chains, what each dump held and the summary.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let note = |f: &mut fmt::Formatter<'_>, finding: &Finding| -> fmt::Result {
            if let Some(n) = &finding.note {
                for line in n.lines() {
                    writeln!(f, "#   {line}")?;
                }
            }
            Ok(())
        };
        for finding in self.drift() {
            writeln!(f, "{finding}")?;
            note(f, finding)?;
        }
        let apart: Vec<&Finding> = self
            .findings
            .iter()
            .filter(|x| !x.kind.is_drift())
            .collect();
        if !apart.is_empty() {
            writeln!(
                f,
                "# not drift: differences of another Kubernetes release or of the node's kernel"
            )?;
            for finding in apart {
                writeln!(f, "{finding}")?;
                note(f, finding)?;
            }
        }
        if !self.legend.is_empty() {
            writeln!(f, "# chains named by a hash:")?;
            for (chain, meaning) in &self.legend {
                writeln!(f, "#   {chain}: {meaning}")?;
            }
        }
        let mut sections: Vec<&Section> = self.sections.iter().collect();
        sections.sort_by_key(|s| (s.dump, s.first_line));
        for s in sections {
            let dump = self.dumps.get(s.dump).map_or("", String::as_str);
            write!(
                f,
                "# {dump}:{}-{}: {}: {} of kube-proxy's compared",
                s.first_line, s.last_line, s.description, s.compared
            )?;
            if s.ignored > 0 {
                write!(f, ", {} of other owners ignored", s.ignored)?;
                if !s.ignored_owners.is_empty() {
                    // A CNI plugin can have hundreds of chains: name a few.
                    const SHOWN: usize = 8;
                    let shown: Vec<&str> = s
                        .ignored_owners
                        .iter()
                        .take(SHOWN)
                        .map(String::as_str)
                        .collect();
                    write!(f, " ({}", shown.join(", "))?;
                    if s.ignored_owners.len() > SHOWN {
                        write!(f, " and {} more", s.ignored_owners.len() - SHOWN)?;
                    }
                    f.write_str(")")?;
                }
            }
            writeln!(f)?;
            for n in &s.notes {
                writeln!(f, "#   {n}")?;
            }
        }
        for (dump, line) in &self.unrecognised {
            let name = self.dumps.get(*dump).map_or("", String::as_str);
            writeln!(
                f,
                "# {name}:{line}: not part of any tool's output svcplay reads: not compared"
            )?;
        }
        let (missing, extra, stale) = (
            self.count(FindingKind::Missing),
            self.count(FindingKind::Extra),
            self.count(FindingKind::Stale),
        );
        let apart = self.count(FindingKind::Version) + self.count(FindingKind::Runtime);
        write!(
            f,
            "# node {}, kube-proxy in {} mode: ",
            self.node,
            self.mode.as_str()
        )?;
        if self.matches() {
            write!(f, "no drift")?;
        } else {
            write!(f, "drift: {missing} missing, {extra} extra, {stale} stale")?;
        }
        if apart > 0 {
            write!(f, "; {apart} not counted (release or kernel)")?;
        }
        writeln!(f)
    }
}

/// Why a dump cannot be checked (a usage error of `svcplay check-node`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CheckError {
    /// Nothing in the dump is the output of a tool svcplay reads.
    Unrecognised { dump: String },
    /// The scenario's kube-proxy runs a mode svcplay cannot check.
    Mode(ProxyMode),
}

impl fmt::Display for CheckError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CheckError::Unrecognised { dump } => write!(
                f,
                "{dump}: not the output of iptables-save, ip6tables-save, ipvsadm -Ln, ipset list or nft list ruleset"
            ),
            CheckError::Mode(mode) => write!(
                f,
                "kube-proxy's {} mode cannot be checked against a node (it was removed in v1.26); check-node compares the iptables, ipvs and nftables modes",
                mode.as_str()
            ),
        }
    }
}

impl std::error::Error for CheckError {}

/// A unit of comparison inside a section: one chain's rules (in order when `ordered`),
/// or the elements of one set.
#[derive(Clone, Debug, Default)]
pub(crate) struct Scope {
    pub table: String,
    pub chain: String,
    pub ordered: bool,
    pub expected: Vec<Item>,
    pub found: Vec<Item>,
}

/// One comparable thing: its text in canonical form, where it came from.
#[derive(Clone, Debug, Default)]
pub(crate) struct Item {
    pub text: String,
    /// The dump's line (found side only).
    pub line: Option<usize>,
    /// The written object (expected side only).
    pub object: Option<usize>,
}

/// How a scope's two sides pair up.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Pairing {
    /// Expected items with no equal found item.
    pub missing: Vec<usize>,
    /// Found items with no equal expected item.
    pub extra: Vec<usize>,
    /// Found items equal to an expected one but out of the expected order (ordered
    /// scopes only), with the expected index.
    pub out_of_order: Vec<(usize, usize)>,
}

/// Pairs equal items of a scope; in an ordered scope, the pairs that break the expected
/// order (outside a longest increasing run) are out of order.
pub(crate) fn pair(scope: &Scope) -> Pairing {
    let mut by_text: HashMap<&str, std::collections::VecDeque<usize>> = HashMap::new();
    for (i, e) in scope.expected.iter().enumerate() {
        by_text.entry(e.text.as_str()).or_default().push_back(i);
    }
    let mut pairs: Vec<(usize, usize)> = Vec::new();
    let mut extra = Vec::new();
    for (j, item) in scope.found.iter().enumerate() {
        match by_text
            .get_mut(item.text.as_str())
            .and_then(|q| q.pop_front())
        {
            Some(i) => pairs.push((j, i)),
            None => extra.push(j),
        }
    }
    let mut missing: Vec<usize> = by_text.into_values().flatten().collect();
    missing.sort_unstable();
    let mut out_of_order = Vec::new();
    if scope.ordered && pairs.len() > 1 {
        let keep = longest_increasing(&pairs.iter().map(|p| p.1).collect::<Vec<_>>());
        for (k, p) in pairs.iter().enumerate() {
            if !keep[k] {
                out_of_order.push(*p);
            }
        }
    }
    Pairing {
        missing,
        extra,
        out_of_order,
    }
}

/// Marks the members of one longest strictly increasing subsequence (patience sorting).
fn longest_increasing(values: &[usize]) -> Vec<bool> {
    let mut tails: Vec<usize> = Vec::new(); // indexes into values
    let mut previous: Vec<Option<usize>> = vec![None; values.len()];
    for (i, &v) in values.iter().enumerate() {
        let at = tails.partition_point(|&t| values[t] < v);
        if at > 0 {
            previous[i] = Some(tails[at - 1]);
        }
        if at == tails.len() {
            tails.push(i);
        } else {
            tails[at] = i;
        }
    }
    let mut keep = vec![false; values.len()];
    let mut at = tails.last().copied();
    while let Some(i) = at {
        keep[i] = true;
        at = previous[i];
    }
    keep
}

/// A way two texts can differ that is not drift: a normaliser that erases the
/// difference, the kind and the reason.
pub(crate) struct Tolerance {
    pub kind: FindingKind,
    pub reason: String,
    pub normalise: fn(&str) -> String,
}

/// Pairs leftover items that become equal once the tolerances are applied; returns
/// (found, expected, kind, reasons) for each such pair and removes them from `pairing`.
pub(crate) fn pair_tolerated(
    scope: &Scope,
    pairing: &mut Pairing,
    tolerances: &[Tolerance],
) -> Vec<(usize, usize, FindingKind, Vec<String>)> {
    if tolerances.is_empty() || pairing.extra.is_empty() || pairing.missing.is_empty() {
        return Vec::new();
    }
    let all = |text: &str| {
        tolerances
            .iter()
            .fold(text.to_string(), |t, tol| (tol.normalise)(&t))
    };
    let mut by_key: HashMap<String, Vec<usize>> = HashMap::new();
    for &i in &pairing.missing {
        by_key
            .entry(all(&scope.expected[i].text))
            .or_default()
            .push(i);
    }
    let mut out = Vec::new();
    let mut paired_found = Vec::new();
    for &j in &pairing.extra {
        let found = &scope.found[j].text;
        let Some(candidates) = by_key.get_mut(&all(found)) else {
            continue;
        };
        if candidates.is_empty() {
            continue;
        }
        let i = candidates.swap_remove(0);
        let expected = &scope.expected[i].text;
        // The tolerances the pair needs: without any one of them the two differ.
        let all_but = |text: &str, skip: usize| {
            tolerances
                .iter()
                .enumerate()
                .filter(|(k, _)| *k != skip)
                .fold(text.to_string(), |t, (_, tol)| (tol.normalise)(&t))
        };
        let mut needed: Vec<&Tolerance> = tolerances
            .iter()
            .enumerate()
            .filter(|(k, _)| all_but(found, *k) != all_but(expected, *k))
            .map(|(_, t)| t)
            .collect();
        if needed.is_empty() {
            needed = tolerances
                .iter()
                .filter(|t| (t.normalise)(found) != (t.normalise)(expected))
                .collect();
        }
        let kind = if needed.iter().any(|t| t.kind == FindingKind::Runtime) {
            FindingKind::Runtime
        } else {
            FindingKind::Version
        };
        let reasons: Vec<String> = needed.iter().map(|t| t.reason.clone()).collect();
        paired_found.push(j);
        out.push((j, i, kind, reasons));
    }
    let paired_found: std::collections::HashSet<usize> = paired_found.into_iter().collect();
    pairing.extra.retain(|j| !paired_found.contains(j));
    let paired_expected: std::collections::HashSet<usize> = out.iter().map(|p| p.1).collect();
    pairing.missing.retain(|i| !paired_expected.contains(i));
    out
}

/// What every section's comparison needs.
pub(crate) struct Context {
    pub node: String,
    pub mode: ProxyMode,
    /// kube-proxy on the node in `mode`: one proxier per family (the seam every
    /// expectation is read from).
    pub proxy: Arc<NodeProxy>,
    /// The proxiers' facts, IPv4 first.
    pub facts: Vec<ProxyFacts>,
    pub names: Names,
}

impl Context {
    /// The proxier of a family, if the node runs one.
    pub fn proxier(&self, family: IpFamily) -> Option<&Proxier> {
        self.proxy.family(family).map(|p| p.as_ref())
    }
}

/// Compares the node's dumps with what kube-proxy in `mode` should have programmed on
/// `node`.
pub fn check(
    analysis: &Analysis,
    node: &str,
    mode: ProxyMode,
    dumps: &[Dump],
) -> Result<Report, CheckError> {
    if mode == ProxyMode::Userspace {
        return Err(CheckError::Mode(mode));
    }
    let proxy = analysis.proxy_in(node, mode);
    let facts: Vec<ProxyFacts> = proxy.proxiers.iter().map(|p| p.facts().clone()).collect();
    // Hash-named chains are iptables mode's: named from its proxier's typed lines, also
    // when the node should run another mode (its leftovers are then named).
    let names = Names::from_proxy(&analysis.proxy_in(node, ProxyMode::Iptables));
    let mut cx = Context {
        node: node.to_string(),
        mode,
        proxy,
        facts,
        names,
    };
    let mut report = Report {
        node: node.to_string(),
        mode,
        dumps: dumps.iter().map(|d| d.name.clone()).collect(),
        sections: Vec::new(),
        findings: Vec::new(),
        legend: BTreeMap::new(),
        unrecognised: Vec::new(),
    };
    let mut ipvs_sections: Vec<(usize, dump::Section<'_>)> = Vec::new();
    for (d, dump) in dumps.iter().enumerate() {
        let split = dump::split(&dump.text);
        if split.sections.is_empty() {
            return Err(CheckError::Unrecognised {
                dump: dump.name.clone(),
            });
        }
        report
            .unrecognised
            .extend(split.unrecognised.iter().map(|l| (d, *l)));
        for section in split.sections {
            match section.kind {
                DumpKind::Iptables => iptables::check(&mut cx, &mut report, d, &section),
                DumpKind::Nft => nft::check(&mut cx, &mut report, d, &section),
                // One kernel table: the listings of one tool in one dump are read as one.
                DumpKind::Ipvsadm | DumpKind::Ipset => {
                    match ipvs_sections
                        .iter_mut()
                        .find(|(od, s)| *od == d && s.kind == section.kind)
                    {
                        Some((_, s)) => s.lines.extend(section.lines),
                        None => ipvs_sections.push((d, section)),
                    }
                }
            }
        }
    }
    // ipvsadm and ipset listings are read together: an ipset listing tells the family
    // of its sets, and a virtual server's family is its address's.
    ipvs::check(&mut cx, &mut report, &ipvs_sections);
    nft::missing_tables(&mut cx, &mut report);
    report.legend = legend(&report.findings, &cx.names);
    // A reason given for one stale item is not repeated for the next ones.
    let mut said: Vec<String> = Vec::new();
    for f in &mut report.findings {
        if f.kind == FindingKind::Stale {
            if let Some(n) = &f.note {
                if said.contains(n) {
                    f.note = None;
                } else {
                    said.push(n.clone());
                }
            }
        }
    }
    Ok(report)
}

/// The hash-named chains findings mention, with their Service port (and endpoint).
fn legend(findings: &[Finding], names: &Names) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for f in findings {
        let words = std::iter::once(f.chain.as_str()).chain(f.rule.split_whitespace());
        for w in words {
            if names::hash_prefix(w).is_none() || out.contains_key(w) {
                continue;
            }
            let meaning = match names.chain(w) {
                Some(n) => {
                    let mut m = n.service_port.clone();
                    if let Some(e) = &n.endpoint {
                        m.push_str(" -> ");
                        m.push_str(e);
                    }
                    if !n.in_scenario {
                        m.push_str(" (no such Service port in the scenario");
                        if !n.verified {
                            m.push_str("; read from its comments, the hash does not confirm it");
                        }
                        m.push(')');
                    }
                    m
                }
                None => {
                    "no Service port of the scenario hashes to this name, and its rules name none"
                        .to_string()
                }
            };
            out.insert(w.to_string(), meaning);
        }
    }
    out
}

/// `ip6/nat` for an IPv6 table, `nat` for IPv4 (the contract's `<table>` word).
pub(crate) fn table_word(family: IpFamily, table: &str) -> String {
    match family {
        IpFamily::IPv4 => table.to_string(),
        IpFamily::IPv6 => format!("ip6/{table}"),
    }
}

#[cfg(test)]
mod tests;
