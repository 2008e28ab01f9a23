//! `iptables-save` (and kube-proxy's restore input) against kube-proxy's iptables rules.
//!
//! Both sides are read into the same shape (tables → chains → rules, each rule printed
//! through [`SavedRule`](crate::proxy::iptables::save) by [`words::parse_rule`]) and
//! compared chain by chain. What kube-proxy owns: the chains it names (its fixed chains
//! in iptables and IPVS mode, the hash-named per-Service chains) and, in the built-in
//! chains, the rules that jump into them. kubelet's chains (`KUBE-KUBELET-CANARY`, the
//! `KUBE-MARK-DROP` of releases before v1.28) and kubelet's rules in the shared
//! `KUBE-FIREWALL`, and every other chain, are counted as ignored.
//!
//! Order: kube-proxy writes the rules of `KUBE-SERVICES`, `KUBE-NODEPORTS`,
//! `KUBE-EXTERNAL-SERVICES` and `KUBE-PROXY-FIREWALL` in Go map order (random from one sync
//! to the next) and inserts its jumps at the top of the built-in chains whenever it
//! (re)starts, so those are compared as sets (the NodePorts jump must still be the last
//! rule of nat `KUBE-SERVICES`); every other chain's order matters (the probability
//! cascade of a `KUBE-SVC-` chain depends on it).
//!
//! Differences that are not drift (kube-proxy's history, checked in its sources):
//! - `-m nfacct --nfacct-name ct_state_invalid_dropped_pkts` on the INVALID drop rule:
//!   added in v1.30 (kubernetes#122812), only when the kernel has nfacct;
//! - the `-d 127.0.0.0/8 … -m nfacct --nfacct-name localhost_nps_accepted_pkts` NodePort
//!   rules: added in v1.31 (kubernetes#125015), same condition;
//! - the `KUBE-FORWARD … --ctstate INVALID -j DROP` rule: since v1.29 (kubernetes#120412)
//!   left out when `net.netfilter.nf_conntrack_tcp_be_liberal` is set;
//! - `MASQUERADE --random-fully`: written when the node's iptables and kernel support it;
//! - comment wording (and the per-endpoint comments large clusters of more than 1000
//!   endpoints leave out), and probabilities printed with other digits.

use super::dump::Section;
use super::names::{self, hash_prefix};
use super::words;
use super::{
    Context, Finding, FindingKind, Item, Report, Scope, Tolerance, pair, pair_tolerated, table_word,
};
use crate::model::ip::IpFamily;
use crate::proxy::Protocol;
use crate::proxy::config::ProxyMode;
use crate::proxy::iptables::node::builtin_chains;
use crate::proxy::iptables::{Arg, Rule, Ruleset, TableName, Target};
use std::collections::HashMap;

/// The chains kube-proxy names, in iptables and in IPVS mode (besides the hash-named
/// ones).
const FIXED_CHAINS: [&str; 17] = [
    "KUBE-SERVICES",
    "KUBE-EXTERNAL-SERVICES",
    "KUBE-NODEPORTS",
    "KUBE-POSTROUTING",
    "KUBE-MARK-MASQ",
    "KUBE-FORWARD",
    "KUBE-PROXY-FIREWALL",
    "KUBE-PROXY-CANARY",
    "KUBE-FIREWALL",
    "KUBE-NODE-PORT",
    "KUBE-LOAD-BALANCER",
    "KUBE-SOURCE-RANGES-FIREWALL",
    "KUBE-IPVS-FILTER",
    "KUBE-IPVS-OUT-FILTER",
    "KUBE-MARK-DROP",
    "KUBE-KUBELET-CANARY",
    "KUBE-LOAD-BALANCER-LOCAL",
];

/// kubelet's chains (`KUBE-MARK-DROP` only before v1.28, when kubelet stopped creating
/// kube-proxy's chains).
const KUBELET_CHAINS: [&str; 2] = ["KUBE-KUBELET-CANARY", "KUBE-MARK-DROP"];

/// Comments of kubelet's rules in the `KUBE-FIREWALL` chain it shares with kube-proxy.
const KUBELET_FIREWALL_COMMENTS: [&str; 2] = [
    "block incoming localnet connections",
    "kubernetes firewall for dropping marked packets",
];

/// Chains whose rules kube-proxy writes in Go map order.
const UNORDERED: [&str; 4] = [
    "KUBE-SERVICES",
    "KUBE-NODEPORTS",
    "KUBE-EXTERNAL-SERVICES",
    "KUBE-PROXY-FIREWALL",
];

/// Who owns a chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Owner {
    KubeProxy,
    Kubelet,
    Other,
}

fn owner(chain: &str) -> Owner {
    if KUBELET_CHAINS.contains(&chain) {
        Owner::Kubelet
    } else if FIXED_CHAINS.contains(&chain) || hash_prefix(chain).is_some() {
        Owner::KubeProxy
    } else {
        Owner::Other
    }
}

/// A rule as compared: canonical text, its typed form when svcplay models it.
#[derive(Clone, Debug)]
struct ReadRule {
    text: String,
    typed: Option<Rule>,
    line: Option<usize>,
    object: Option<usize>,
}

#[derive(Clone, Debug)]
struct ReadChain {
    name: String,
    builtin: bool,
    line: Option<usize>,
    rules: Vec<ReadRule>,
}

#[derive(Clone, Debug, Default)]
struct ReadTable {
    name: String,
    chains: Vec<ReadChain>,
    /// Chain name → index into `chains` (a large node has 10⁵ chains).
    index: HashMap<String, usize>,
}

impl ReadTable {
    fn new(name: &str) -> ReadTable {
        ReadTable {
            name: name.to_string(),
            ..ReadTable::default()
        }
    }

    fn with_chains(name: &str, chains: Vec<ReadChain>) -> ReadTable {
        let index = chains
            .iter()
            .enumerate()
            .map(|(i, c)| (c.name.clone(), i))
            .collect();
        ReadTable {
            name: name.to_string(),
            chains,
            index,
        }
    }

    fn remove(&mut self, name: &str) {
        if self.index.remove(name).is_some() {
            self.chains.retain(|c| c.name != name);
            self.index = self
                .chains
                .iter()
                .enumerate()
                .map(|(i, c)| (c.name.clone(), i))
                .collect();
        }
    }

    fn chain_mut(&mut self, name: &str, line: Option<usize>) -> &mut ReadChain {
        let at = match self.index.get(name) {
            Some(&at) => at,
            None => {
                let builtin = TableName::parse(&self.name)
                    .is_some_and(|t| builtin_chains(t).contains(&name))
                    || ["PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"].contains(&name);
                self.chains.push(ReadChain {
                    name: name.to_string(),
                    builtin,
                    line,
                    rules: Vec::new(),
                });
                self.index.insert(name.to_string(), self.chains.len() - 1);
                self.chains.len() - 1
            }
        };
        &mut self.chains[at]
    }

    fn chain(&self, name: &str) -> Option<&ReadChain> {
        self.index.get(name).map(|&i| &self.chains[i])
    }
}

/// A section read: its family, whether it is a restore input, its tables.
struct ReadDump {
    family: IpFamily,
    restore_input: bool,
    tables: Vec<ReadTable>,
}

/// The family of a section: its `# Generated by` header, else the addresses in its rules.
fn family_of(section: &Section<'_>) -> IpFamily {
    for (_, line) in &section.lines {
        if let Some(rest) = line.trim().strip_prefix("# Generated by ") {
            return if rest.starts_with("ip6tables") {
                IpFamily::IPv6
            } else {
                IpFamily::IPv4
            };
        }
    }
    for (_, line) in &section.lines {
        let words = words::split(line);
        for pair in words.windows(2) {
            if matches!(pair[0].as_str(), "-s" | "-d" | "--to-destination")
                && pair[1].contains(':')
                && (pair[1].starts_with('[') || !pair[1].contains('.'))
            {
                return IpFamily::IPv6;
            }
        }
    }
    IpFamily::IPv4
}

fn canonical(rule: &Rule, family: IpFamily) -> String {
    rule.saved(family).to_string()
}

fn read_rule(chain: &str, words: &[String], family: IpFamily, line: usize) -> ReadRule {
    match words::parse_rule(chain, words, family) {
        Some(rule) => ReadRule {
            text: canonical(&rule, family),
            typed: Some(rule),
            line: Some(line),
            object: None,
        },
        None => ReadRule {
            text: words::join(chain, words),
            typed: None,
            line: Some(line),
            object: None,
        },
    }
}

fn read(section: &Section<'_>) -> ReadDump {
    let family = family_of(section);
    let mut tables: Vec<ReadTable> = Vec::new();
    let mut saw_policy = false;
    for (number, line) in &section.lines {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line == "COMMIT" {
            continue;
        }
        if let Some(name) = line.strip_prefix('*') {
            tables.push(ReadTable::new(name));
            continue;
        }
        if tables.is_empty() {
            // Rules before any `*table` line: kube-proxy's rules live in filter and nat;
            // take them as nat, the table people paste most.
            tables.push(ReadTable::new("nat"));
        }
        let table = tables.last_mut().expect("a table was just pushed");
        if let Some(rest) = line.strip_prefix(':') {
            let mut parts = rest.split_whitespace();
            let name = parts.next().unwrap_or_default();
            let policy = parts.next().unwrap_or("-");
            let chain = table.chain_mut(name, Some(*number));
            chain.line = Some(*number);
            if policy != "-" {
                chain.builtin = true;
                saw_policy = true;
            }
            continue;
        }
        // `[packets:bytes] -A …` of `iptables-save -c`.
        let line = match line.strip_prefix('[') {
            Some(rest) => rest.split_once(']').map_or(line, |(_, r)| r.trim_start()),
            None => line,
        };
        let words = words::split(line);
        match words.first().map(String::as_str) {
            Some("-A") | Some("-I") if words.len() >= 2 => {
                let mut rest = &words[2..];
                let insert = words[0] == "-I";
                if insert && rest.first().is_some_and(|w| w.parse::<usize>().is_ok()) {
                    rest = &rest[1..];
                }
                let rule = read_rule(&words[1], rest, family, *number);
                let chain = table.chain_mut(&words[1], None);
                if insert {
                    chain.rules.insert(0, rule);
                } else {
                    chain.rules.push(rule);
                }
            }
            Some("-X") if words.len() >= 2 => table.remove(&words[1]),
            Some("-F") if words.len() >= 2 && table.chain(&words[1]).is_some() => {
                table.chain_mut(&words[1], None).rules.clear();
            }
            _ => {}
        }
    }
    ReadDump {
        family,
        restore_input: !saw_policy,
        tables,
    }
}

/// What svcplay expects for one family: the node's tables after kube-proxy's start and
/// sync (for an `iptables-save`), or kube-proxy's restore input alone.
fn expected(cx: &Context, family: IpFamily, restore_input: bool) -> Vec<ReadTable> {
    let facts = cx.facts.iter().find(|f| f.family == family);
    let object_of = |rule: &Rule| -> Option<usize> {
        let sp = rule.source.service_port?;
        facts?.service_ports.get(sp)?.info.origin.object()
    };
    let from_rules = |name: TableName, chains: Vec<(String, bool, Vec<&Rule>)>| {
        ReadTable::with_chains(
            name.as_str(),
            chains
                .into_iter()
                .map(|(chain, builtin, rules)| ReadChain {
                    name: chain,
                    builtin,
                    line: None,
                    rules: rules
                        .into_iter()
                        .map(|r| ReadRule {
                            // The dump's rules are read back into the same typed rules and
                            // printed the same way (the golden harness checks that svcplay's
                            // own `iptables-save` reads back unchanged, rule for rule).
                            text: canonical(r, family),
                            typed: Some(r.clone()),
                            line: None,
                            object: object_of(r),
                        })
                        .collect(),
                })
                .collect(),
        )
    };
    let Some(proxier) = cx.proxier(family) else {
        return Vec::new();
    };
    let tables_of = |t: &crate::proxy::iptables::Table| {
        let chains = t
            .chains
            .iter()
            .map(|c| (c.to_string(), false, t.chain(c).collect()))
            .collect();
        from_rules(t.name, chains)
    };
    if restore_input {
        // kube-proxy's restore input: iptables mode's ruleset, or IPVS mode's iptables
        // part; the modes that leave iptables alone have none.
        if let Some(ruleset) = proxier.iptables() {
            return [&ruleset.filter, &ruleset.nat]
                .into_iter()
                .map(tables_of)
                .collect();
        }
        if let Some(state) = proxier.ipvs() {
            let ruleset: &Ruleset = &state.iptables;
            return [&ruleset.filter, &ruleset.nat]
                .into_iter()
                .map(tables_of)
                .collect();
        }
        return Vec::new();
    }
    let Some(tables) = proxier.node_tables() else {
        return Vec::new();
    };
    tables
        .tables
        .iter()
        .map(|t| {
            let chains = t
                .chains()
                .map(|c| (c.name.clone(), c.policy.is_some(), c.rules.iter().collect()))
                .collect();
            from_rules(t.name, chains)
        })
        .collect()
}

fn strip_nfacct(text: &str) -> String {
    let words = words::split(text);
    let mut out = Vec::new();
    let mut i = 0;
    while i < words.len() {
        if words[i] == "-m" && words.get(i + 1).map(String::as_str) == Some("nfacct") {
            i += 4;
            continue;
        }
        out.push(words[i].clone());
        i += 1;
    }
    requote(&out)
}

fn strip_random_fully(text: &str) -> String {
    text.replace(" --random-fully", "")
}

fn strip_comments(text: &str) -> String {
    let words = words::split(text);
    let mut out = Vec::new();
    let mut i = 0;
    while i < words.len() {
        if words[i] == "-m" && words.get(i + 1).map(String::as_str) == Some("comment") {
            i += 4;
            continue;
        }
        out.push(words[i].clone());
        i += 1;
    }
    requote(&out)
}

/// Probabilities rounded to four places: what every release's `%0.10f` (and older
/// `%0.5f`) agree on.
fn round_probability(text: &str) -> String {
    let words = words::split(text);
    let mut out = Vec::new();
    let mut i = 0;
    while i < words.len() {
        out.push(words[i].clone());
        if words[i] == "--probability" {
            if let Some(p) = words.get(i + 1).and_then(|p| p.parse::<f64>().ok()) {
                out.push(format!("{p:.4}"));
                i += 2;
                continue;
            }
        }
        i += 1;
    }
    requote(&out)
}

fn requote(words: &[String]) -> String {
    words
        .iter()
        .map(|w| crate::proxy::iptables::save::SaveString(w).to_string())
        .collect::<Vec<_>>()
        .join(" ")
}

fn tolerances(cx: &Context, family: IpFamily) -> Vec<Tolerance> {
    let node = cx
        .facts
        .iter()
        .find(|f| f.family == family)
        .map(|f| &f.node);
    let nfacct = node.is_some_and(|n| n.nfacct);
    let random_fully = node.is_some_and(|n| n.random_fully);
    vec![
        Tolerance {
            kind: FindingKind::Version,
            reason: format!(
                "nfacct counters: kube-proxy v1.30+ counts INVALID drops (kubernetes#122812) and v1.31+ localhost NodePort packets (kubernetes#125015) when the kernel has nfacct (the scenario's NodeRuntime says nfacct: {nfacct})"
            ),
            normalise: strip_nfacct,
        },
        Tolerance {
            kind: FindingKind::Runtime,
            reason: format!(
                "MASQUERADE --random-fully: kube-proxy adds it when the node's iptables and kernel support it (the scenario's NodeRuntime says randomFully: {random_fully})"
            ),
            normalise: strip_random_fully,
        },
        Tolerance {
            kind: FindingKind::Version,
            reason: "comment wording: it changed across kube-proxy releases, and clusters of more than 1000 endpoints leave out the per-endpoint comments".into(),
            normalise: strip_comments,
        },
        Tolerance {
            kind: FindingKind::Version,
            reason: "the probability is printed with other digits (kube-proxy writes %0.10f; releases before v1.10 wrote %0.5f)".into(),
            normalise: round_probability,
        },
    ]
}

/// A rule that only some releases or kernels write at all: (kind, reason).
fn lone_tolerated(
    cx: &Context,
    family: IpFamily,
    rule: &ReadRule,
) -> Option<(FindingKind, String)> {
    let node = cx
        .facts
        .iter()
        .find(|f| f.family == family)
        .map(|f| &f.node);
    let typed = rule.typed.as_ref()?;
    let has = |pred: &dyn Fn(&Arg) -> bool| typed.args.iter().any(pred);
    if has(
        &|a| matches!(a, Arg::Nfacct(n) if n == crate::proxy::iptables::LOCALHOST_NODEPORTS_COUNTER),
    ) {
        return Some((
            FindingKind::Version,
            format!(
                "kube-proxy v1.31+ counts localhost NodePort packets with nfacct (kubernetes#125015), only when the kernel has nfacct (the scenario's NodeRuntime says nfacct: {})",
                node.is_some_and(|n| n.nfacct)
            ),
        ));
    }
    if &*typed.chain == "KUBE-FORWARD"
        && typed.target == Some(Target::Drop)
        && has(&|a| matches!(a, Arg::CtState(_, s) if s == "INVALID"))
    {
        return Some((
            FindingKind::Runtime,
            format!(
                "kube-proxy v1.29+ leaves out the INVALID drop rule when net.netfilter.nf_conntrack_tcp_be_liberal is set (kubernetes#120412; the scenario's NodeRuntime says conntrackTCPBeLiberal: {})",
                node.is_some_and(|n| n.conntrack_tcp_be_liberal)
            ),
        ));
    }
    None
}

/// Whether a rule of the dump belongs to a Service port the scenario does not have (or to
/// another proxy mode): the reason.
fn stale_reason(cx: &Context, chain: &str, rule: &ReadRule) -> Option<String> {
    if !matches!(cx.mode, ProxyMode::Iptables | ProxyMode::Ipvs) {
        return Some(format!(
            "left by kube-proxy in iptables or IPVS mode: the scenario's kube-proxy runs in {} mode",
            cx.mode.as_str()
        ));
    }
    let chain_stale = |name: &str| -> Option<String> {
        hash_prefix(name)?;
        match cx.names.chain(name) {
            Some(n) if n.in_scenario => None,
            Some(n) => Some(format!(
                "{} is not a Service port of the scenario",
                n.service_port
            )),
            None => Some("its chain is no Service port's of the scenario".into()),
        }
    };
    if let Some(why) = chain_stale(chain) {
        return Some(why);
    }
    if let Some(typed) = &rule.typed {
        if let Some(target) = typed.jump() {
            if let Some(why) = chain_stale(target) {
                return Some(why);
            }
        }
        if let Some(comment) = typed.comment() {
            for spn in names::service_ports_in(comment) {
                if !cx.names.has_service_port(&spn) {
                    return Some(format!("{spn} is not a Service port of the scenario"));
                }
            }
        }
    }
    None
}

/// Names the dump's hash chains the scenario does not explain, from their rules.
fn learn_names(cx: &mut Context, dump: &ReadDump) {
    let mut comments: HashMap<String, Vec<String>> = HashMap::new();
    let mut dnat: HashMap<String, String> = HashMap::new();
    let mut protocol: HashMap<String, Protocol> = HashMap::new();
    for table in &dump.tables {
        for chain in &table.chains {
            for rule in &chain.rules {
                let Some(typed) = &rule.typed else { continue };
                let comment = typed.comment().map(str::to_string);
                if hash_prefix(&chain.name).is_some() {
                    if let Some(c) = &comment {
                        comments
                            .entry(chain.name.clone())
                            .or_default()
                            .push(c.clone());
                    }
                    if let Some(d) = typed.target.as_ref().and_then(Target::dnat_destination) {
                        dnat.insert(chain.name.clone(), d);
                    }
                    for a in typed.args.iter() {
                        if let Arg::Proto(p) | Arg::Protocol(p) = a {
                            protocol.insert(chain.name.clone(), *p);
                        }
                    }
                }
                if let (Some(target), Some(c)) = (typed.jump(), comment) {
                    if hash_prefix(target).is_some() {
                        comments.entry(target.to_string()).or_default().push(c);
                    }
                }
            }
        }
    }
    for table in &dump.tables {
        for chain in &table.chains {
            if hash_prefix(&chain.name).is_none() || cx.names.chain(&chain.name).is_some() {
                continue;
            }
            let c: Vec<&str> = comments
                .get(&chain.name)
                .map(|v| v.iter().map(String::as_str).collect())
                .unwrap_or_default();
            cx.names.learn(
                &chain.name,
                &c,
                dnat.get(&chain.name).map(String::as_str),
                protocol.get(&chain.name).copied(),
            );
        }
    }
}

fn describe(dump: &ReadDump) -> String {
    let tool = match dump.family {
        IpFamily::IPv4 => "iptables",
        IpFamily::IPv6 => "ip6tables",
    };
    if dump.restore_input {
        format!("{tool}-restore input ({})", dump.family)
    } else {
        format!("{tool}-save ({})", dump.family)
    }
}

/// Compares one `iptables-save` section with what kube-proxy should have programmed.
pub(crate) fn check(cx: &mut Context, report: &mut Report, dump: usize, section: &Section<'_>) {
    let read = read(section);
    let family = read.family;
    let expected = expected(cx, family, read.restore_input);
    learn_names(cx, &read);
    let index = report.sections.len();
    let mut info = super::Section {
        dump,
        kind: section.kind,
        description: describe(&read),
        first_line: section.first_line(),
        last_line: section.last_line(),
        compared: 0,
        ignored: 0,
        ignored_owners: Vec::new(),
        notes: Vec::new(),
    };
    if !cx.facts.iter().any(|f| f.family == family)
        && matches!(cx.mode, ProxyMode::Iptables | ProxyMode::Ipvs)
    {
        info.notes.push(format!(
            "kube-proxy on {} runs no {family} proxier in the scenario",
            cx.node
        ));
    }
    if read.restore_input {
        info.notes.push(
            "no built-in chains in the dump (kube-proxy's restore input): its jumps from them are not compared".into(),
        );
    }
    let tolerances = tolerances(cx, family);
    let mut ignored_owners: Vec<String> = Vec::new();
    let mut owners_seen: std::collections::HashSet<String> = std::collections::HashSet::new();
    let mut findings: Vec<Finding> = Vec::new();
    for exp_table in &expected {
        if !read.tables.iter().any(|t| t.name == exp_table.name)
            && exp_table
                .chains
                .iter()
                .any(|c| !c.rules.is_empty() || !c.builtin)
        {
            info.notes.push(format!(
                "table {} is not in the dump: not compared",
                exp_table.name
            ));
        }
    }
    let mut jump_order_differs = false;
    for table in &read.tables {
        let exp = expected.iter().find(|t| t.name == table.name);
        let tword = table_word(family, &table.name);
        // Chains in the dump's order, then those only svcplay expects.
        let mut chain_names: Vec<&str> = table.chains.iter().map(|c| c.name.as_str()).collect();
        if let Some(exp) = exp {
            for c in &exp.chains {
                if table.chain(&c.name).is_none() {
                    chain_names.push(&c.name);
                }
            }
        }
        for name in chain_names {
            let found = table.chain(name);
            let wanted = exp.and_then(|t| t.chain(name));
            let builtin = found.is_some_and(|c| c.builtin) || wanted.is_some_and(|c| c.builtin);
            if builtin {
                // Only kube-proxy's jumps: rules that jump into a chain it owns.
                let mut scope = Scope {
                    table: tword.clone(),
                    chain: name.to_string(),
                    ordered: false,
                    ..Scope::default()
                };
                let mut found_rules: Vec<&ReadRule> = Vec::new();
                for r in found.map(|c| c.rules.as_slice()).unwrap_or_default() {
                    let target = r.typed.as_ref().and_then(|t| t.jump());
                    if target.is_some_and(|t| owner(t) == Owner::KubeProxy) {
                        found_rules.push(r);
                    } else {
                        info.ignored += 1;
                    }
                }
                let wanted_rules: Vec<&ReadRule> =
                    wanted.map(|c| c.rules.iter().collect()).unwrap_or_default();
                let order = |rules: &[&ReadRule]| -> Vec<String> {
                    rules.iter().map(|r| r.text.clone()).collect()
                };
                let (fo, wo) = (order(&found_rules), order(&wanted_rules));
                let common: Vec<&String> = fo.iter().filter(|t| wo.contains(t)).collect();
                let common_w: Vec<&String> = wo.iter().filter(|t| fo.contains(t)).collect();
                if common != common_w {
                    jump_order_differs = true;
                }
                scope.found = found_rules.iter().map(|r| item(r)).collect();
                scope.expected = wanted_rules.iter().map(|r| item(r)).collect();
                findings.extend(compare_scope(
                    cx,
                    &scope,
                    index,
                    &found_rules,
                    &wanted_rules,
                    family,
                    &tolerances,
                    &mut info,
                ));
                continue;
            }
            let own = owner(name);
            if wanted.is_none() && own != Owner::KubeProxy {
                let n = found.map_or(0, |c| c.rules.len());
                info.ignored += n;
                let who = if own == Owner::Kubelet {
                    format!("kubelet: {name}")
                } else {
                    name.to_string()
                };
                if owners_seen.insert(who.clone()) {
                    ignored_owners.push(who);
                }
                continue;
            }
            // kubelet's rules in the shared KUBE-FIREWALL are not kube-proxy's.
            let mut found_rules: Vec<&ReadRule> = Vec::new();
            for r in found.map(|c| c.rules.as_slice()).unwrap_or_default() {
                let kubelet = name == "KUBE-FIREWALL"
                    && table.name == "filter"
                    && r.typed
                        .as_ref()
                        .and_then(|t| t.comment())
                        .is_some_and(|c| KUBELET_FIREWALL_COMMENTS.contains(&c))
                    && !wanted.is_some_and(|w| w.rules.iter().any(|x| x.text == r.text));
                if kubelet {
                    info.ignored += 1;
                    let who = "kubelet: KUBE-FIREWALL".to_string();
                    if owners_seen.insert(who.clone()) {
                        ignored_owners.push(who);
                    }
                } else {
                    found_rules.push(r);
                }
            }
            let wanted_rules: Vec<&ReadRule> =
                wanted.map(|c| c.rules.iter().collect()).unwrap_or_default();
            // The chain itself.
            match (found, wanted) {
                (Some(f), None) => {
                    let shared_and_kubelets = name == "KUBE-FIREWALL" && found_rules.is_empty();
                    if !shared_and_kubelets {
                        let stale = stale_reason(
                            cx,
                            name,
                            &ReadRule {
                                text: String::new(),
                                typed: None,
                                line: f.line,
                                object: None,
                            },
                        );
                        findings.push(Finding {
                            kind: if stale.is_some() {
                                FindingKind::Stale
                            } else {
                                FindingKind::Extra
                            },
                            table: tword.clone(),
                            chain: name.to_string(),
                            rule: format!("-N {name}"),
                            note: stale.filter(|_| hash_prefix(name).is_none()),
                            section: index,
                            line: f.line,
                            object: None,
                        });
                    }
                }
                (None, Some(_)) => {
                    findings.push(Finding {
                        kind: FindingKind::Missing,
                        table: tword.clone(),
                        chain: name.to_string(),
                        rule: format!("-N {name}"),
                        note: None,
                        section: index,
                        line: None,
                        object: cx.names.chain(name).and_then(|n| n.object),
                    });
                }
                _ => {}
            }
            let ordered = match cx.mode {
                ProxyMode::Ipvs => true,
                _ => !UNORDERED.contains(&name),
            };
            let scope = Scope {
                table: tword.clone(),
                chain: name.to_string(),
                ordered,
                found: found_rules.iter().map(|r| item(r)).collect(),
                expected: wanted_rules.iter().map(|r| item(r)).collect(),
            };
            findings.extend(compare_scope(
                cx,
                &scope,
                index,
                &found_rules,
                &wanted_rules,
                family,
                &tolerances,
                &mut info,
            ));
            // The NodePorts jumps (one per NodePort address) must stay the last rules of
            // nat KUBE-SERVICES.
            if name == "KUBE-SERVICES" && table.name == "nat" {
                let last = |r: &&ReadRule| {
                    r.typed
                        .as_ref()
                        .is_some_and(crate::proxy::iptables::is_last_rule)
                };
                let after: Vec<usize> = match found_rules.iter().position(last) {
                    Some(first) => (first..found_rules.len())
                        .filter(|&k| !last(&found_rules[k]))
                        .collect(),
                    None => Vec::new(),
                };
                if let (Some(&k), Some(first)) = (after.first(), found_rules.iter().position(last))
                {
                    let r = found_rules[first];
                    findings.push(Finding {
                        kind: FindingKind::Extra,
                        table: tword.clone(),
                        chain: name.to_string(),
                        rule: r.text.clone(),
                        note: Some(format!(
                            "out of order: it must be the last rule of KUBE-SERVICES; the node has {} rule(s) after it, the first at line {}",
                            after.len(),
                            found_rules[k].line.unwrap_or_default()
                        )),
                        section: index,
                        line: r.line,
                        object: None,
                    });
                }
            }
        }
    }
    if jump_order_differs {
        info.notes.push(
            "the order of kube-proxy's jumps in the built-in chains differs (it depends on when kube-proxy, kubelet and the CNI plugin last inserted theirs): not compared".into(),
        );
    }
    info.ignored_owners = ignored_owners;
    report.sections.push(info);
    report.findings.extend(findings);
}

fn item(rule: &ReadRule) -> Item {
    Item {
        text: rule.text.clone(),
        line: rule.line,
        object: rule.object,
    }
}

/// The findings of one chain.
#[allow(clippy::too_many_arguments)]
fn compare_scope(
    cx: &Context,
    scope: &Scope,
    section: usize,
    found: &[&ReadRule],
    wanted: &[&ReadRule],
    family: IpFamily,
    tolerances: &[Tolerance],
    info: &mut super::Section,
) -> Vec<Finding> {
    info.compared += scope.found.len().max(scope.expected.len());
    let mut pairing = pair(scope);
    let mut out = Vec::new();
    for (j, i, kind, reasons) in pair_tolerated(scope, &mut pairing, tolerances) {
        out.push(Finding {
            kind,
            table: scope.table.clone(),
            chain: scope.chain.clone(),
            rule: scope.found[j].text.clone(),
            note: Some(format!(
                "svcplay expects {}\n{}",
                scope.expected[i].text,
                reasons.join("\n")
            )),
            section,
            line: scope.found[j].line,
            object: scope.expected[i].object,
        });
    }
    for &i in &pairing.missing {
        let (kind, note) = match lone_tolerated(cx, family, wanted[i]) {
            Some((k, why)) => (k, Some(why)),
            None => (FindingKind::Missing, None),
        };
        out.push(Finding {
            kind,
            table: scope.table.clone(),
            chain: scope.chain.clone(),
            rule: scope.expected[i].text.clone(),
            note,
            section,
            line: None,
            object: scope.expected[i].object,
        });
    }
    for &j in &pairing.extra {
        let (kind, note) = match lone_tolerated(cx, family, found[j]) {
            Some((k, why)) => (k, Some(why)),
            None => match stale_reason(cx, &scope.chain, found[j]) {
                Some(why) => (FindingKind::Stale, Some(why)),
                None => (FindingKind::Extra, None),
            },
        };
        // A stale rule of a stale hash chain says so once, in the legend.
        let note =
            note.filter(|_| kind != FindingKind::Stale || hash_prefix(&scope.chain).is_none());
        out.push(Finding {
            kind,
            table: scope.table.clone(),
            chain: scope.chain.clone(),
            rule: scope.found[j].text.clone(),
            note,
            section,
            line: scope.found[j].line,
            object: found[j]
                .typed
                .as_ref()
                .and_then(|t| t.jump())
                .and_then(|t| cx.names.chain(t))
                .and_then(|n| n.object),
        });
    }
    for &(j, i) in &pairing.out_of_order {
        out.push(Finding {
            kind: FindingKind::Extra,
            table: scope.table.clone(),
            chain: scope.chain.clone(),
            rule: scope.found[j].text.clone(),
            note: Some(format!(
                "out of order: kube-proxy writes it as rule {} of {}, the node has it as rule {}",
                i + 1,
                scope.chain,
                j + 1
            )),
            section,
            line: scope.found[j].line,
            object: scope.expected[i].object,
        });
    }
    out
}
