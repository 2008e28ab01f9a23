//! `nft list ruleset` against kube-proxy's nftables tables.
//!
//! kube-proxy owns `table ip kube-proxy` and `table ip6 kube-proxy`; every other table
//! (a CNI plugin's, firewalld's, iptables-nft's own `ip filter`/`ip nat`) is ignored. Both
//! sides are read by the same reader: svcplay's table printed as `nft list` prints it
//! ([`crate::proxy::nftables::list`]) and the node's text. Chains compare rule by rule in
//! order; sets and maps compare as sets of elements (their order is nft's, not
//! kube-proxy's), except the `affinity-*` sets, whose elements are the clients the node
//! has seen (runtime state).
//!
//! Differences that are not drift (the reference's nftables.md §11 and kube-proxy's
//! history):
//! - the base chains: v1.33/v1.34 had `filter-prerouting`, `filter-input`,
//!   `filter-forward`, `filter-output` at `priority dstnat - 10` and
//!   `filter-output-post-dnat` at `dstnat + 10`; v1.35+ has `filter-prerouting-pre-dnat`,
//!   `filter-output-pre-dnat` and `filter-input`/`-forward`/`-output` at `priority filter`;
//! - v1.33/v1.34 wrote the Service port in the ClusterIP masquerade rule
//!   (`ip daddr 172.30.0.41 tcp dport 80 ip saddr != …`);
//! - the alpha releases (v1.29) dropped `ct state invalid` packets (removed by
//!   kubernetes#122663);
//! - `cluster-ips-check` (rejecting unused ports of ClusterIPs, dropping unallocated
//!   ClusterIPs of the ServiceCIDRs) exists from v1.31 on;
//! - comment wording.

use super::dump::{DumpKind, Section};
use super::{Context, Finding, FindingKind, Item, Report, Scope, Tolerance};
use super::{pair, pair_tolerated};
use crate::proxy::config::ProxyMode;
use std::collections::HashMap;

/// One chain as listed.
#[derive(Clone, Debug, Default)]
struct ListedChain {
    name: String,
    /// `type filter hook input priority filter; policy accept;` of a base chain.
    header: Option<String>,
    line: Option<usize>,
    rules: Vec<(String, Option<usize>)>,
}

/// One set or map as listed.
#[derive(Clone, Debug, Default)]
struct ListedSet {
    /// `set` or `map`.
    kind: String,
    name: String,
    /// The declaration's lines other than its elements and size (`type …`, `flags …`,
    /// `timeout …`, `comment …`).
    declaration: Vec<String>,
    line: Option<usize>,
    elements: Vec<(String, Option<usize>)>,
}

#[derive(Clone, Debug, Default)]
struct ListedTable {
    family: String,
    name: String,
    line: Option<usize>,
    comment: Option<String>,
    sets: Vec<ListedSet>,
    chains: Vec<ListedChain>,
}

impl ListedTable {
    fn word(&self) -> String {
        format!("{}/{}", self.family, self.name)
    }
}

/// A rule line as compared: without nft's `# handle N` and with counters zeroed.
fn normalise_rule(line: &str) -> String {
    let line = match line.find(" # handle ") {
        Some(at) => &line[..at],
        None => line,
    };
    let words: Vec<&str> = line.split_whitespace().collect();
    let mut out: Vec<&str> = Vec::with_capacity(words.len());
    let mut i = 0;
    while i < words.len() {
        if words[i] == "counter" && words.get(i + 1) == Some(&"packets") {
            out.push("counter");
            i += 5;
            continue;
        }
        out.push(words[i]);
        i += 1;
    }
    out.join(" ")
}

/// Splits an element list at the commas outside braces and quotes.
fn split_elements(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut depth = 0;
    let mut quoted = false;
    let mut current = String::new();
    for c in text.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                current.push(c);
            }
            '{' if !quoted => {
                depth += 1;
                current.push(c);
            }
            '}' if !quoted => {
                depth -= 1;
                current.push(c);
            }
            ',' if !quoted && depth == 0 => {
                out.push(std::mem::take(&mut current));
            }
            _ => current.push(c),
        }
    }
    out.push(current);
    out.into_iter()
        .map(|e| e.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|e| !e.is_empty())
        .collect()
}

/// Reads one `table FAMILY NAME { … }` listing.
fn read(lines: &[(usize, &str)]) -> Option<ListedTable> {
    let mut table = ListedTable::default();
    let mut at = 0;
    // The table line.
    while at < lines.len() {
        let (n, line) = lines[at];
        at += 1;
        let t = line.trim();
        if let Some(rest) = t.strip_prefix("table ") {
            let mut words = rest.trim_end_matches('{').split_whitespace();
            let first = words.next()?;
            match words.next() {
                Some(name) => {
                    table.family = first.to_string();
                    table.name = name.to_string();
                }
                None => {
                    table.family = "ip".into();
                    table.name = first.to_string();
                }
            }
            table.line = Some(n);
            break;
        }
    }
    enum In {
        Table,
        Set(ListedSet),
        Chain(ListedChain),
    }
    let mut state = In::Table;
    let mut elements: Option<(String, usize)> = None;
    while at < lines.len() {
        let (n, line) = lines[at];
        at += 1;
        let t = line.trim();
        if t.is_empty() {
            continue;
        }
        // An element list spanning lines.
        if let Some((text, start)) = elements.as_mut() {
            text.push(' ');
            text.push_str(t);
            let opened = text.matches('{').count();
            let closed = text.matches('}').count();
            if closed >= opened {
                let inner = text
                    .trim()
                    .trim_start_matches("elements = {")
                    .trim_end_matches('}')
                    .to_string();
                if let In::Set(set) = &mut state {
                    for e in split_elements(&inner) {
                        set.elements.push((e, Some(*start)));
                    }
                }
                elements = None;
            }
            continue;
        }
        match &mut state {
            In::Table => {
                if t == "}" {
                    break;
                }
                if let Some(c) = t.strip_prefix("comment ") {
                    table.comment = Some(c.to_string());
                } else if let Some(rest) = t.strip_prefix("set ").or_else(|| t.strip_prefix("map "))
                {
                    state = In::Set(ListedSet {
                        kind: t.split_whitespace().next().unwrap_or("set").to_string(),
                        name: rest.trim_end_matches('{').trim().to_string(),
                        line: Some(n),
                        ..ListedSet::default()
                    });
                } else if let Some(rest) = t.strip_prefix("chain ") {
                    state = In::Chain(ListedChain {
                        name: rest.trim_end_matches('{').trim().to_string(),
                        line: Some(n),
                        ..ListedChain::default()
                    });
                }
            }
            In::Set(set) => {
                if t == "}" {
                    let done = std::mem::replace(&mut state, In::Table);
                    if let In::Set(s) = done {
                        table.sets.push(s);
                    }
                } else if t.starts_with("elements = {") {
                    let opened = t.matches('{').count();
                    let closed = t.matches('}').count();
                    if closed >= opened {
                        let inner = t
                            .trim_start_matches("elements = {")
                            .trim_end_matches('}')
                            .to_string();
                        for e in split_elements(&inner) {
                            set.elements.push((e, Some(n)));
                        }
                    } else {
                        elements = Some((t.to_string(), n));
                    }
                } else if !t.starts_with("size ") {
                    set.declaration
                        .push(t.split_whitespace().collect::<Vec<_>>().join(" "));
                }
            }
            In::Chain(chain) => {
                if t == "}" {
                    let done = std::mem::replace(&mut state, In::Table);
                    if let In::Chain(c) = done {
                        table.chains.push(c);
                    }
                } else if t.starts_with("type ") && t.contains(" hook ") {
                    chain.header = Some(t.split_whitespace().collect::<Vec<_>>().join(" "));
                } else {
                    chain.rules.push((normalise_rule(t), Some(n)));
                }
            }
        }
    }
    (!table.name.is_empty()).then_some(table)
}

/// The tables svcplay expects, as `nft list` prints them, read back.
fn expected(cx: &Context) -> Vec<ListedTable> {
    if cx.mode != ProxyMode::Nftables {
        return Vec::new();
    }
    cx.proxy
        .proxiers
        .iter()
        .filter_map(|p| p.nftables())
        .filter_map(|r| {
            let text = r.table.to_string();
            let lines: Vec<(usize, &str)> = text.lines().map(|l| (0, l)).collect();
            read(&lines).map(|mut t| {
                t.line = None;
                for s in &mut t.sets {
                    s.line = None;
                    for e in &mut s.elements {
                        e.1 = None;
                    }
                }
                for c in &mut t.chains {
                    c.line = None;
                    for r in &mut c.rules {
                        r.1 = None;
                    }
                }
                t
            })
        })
        .collect()
}

/// The Service port an nftables name or element speaks of: `service-ULMVA6XW-ns1/svc1/tcp/p80`
/// → `ns1/svc1:p80`; an element's `comment "ns1/svc1:p80"`.
fn service_port_of(text: &str) -> Option<String> {
    for word in text.split_whitespace() {
        let word = word.trim_matches(|c| c == '"' || c == ',' || c == '{' || c == '}');
        for prefix in [
            "service-",
            "external-",
            "local-",
            "firewall-",
            "endpoint-",
            "affinity-",
        ] {
            let Some(rest) = word.strip_prefix(prefix) else {
                continue;
            };
            let Some((_, named)) = rest.split_once('-') else {
                continue;
            };
            let named = named.split("__").next().unwrap_or(named);
            let parts: Vec<&str> = named.split('/').collect();
            if let [ns, name, _proto, port] = parts.as_slice() {
                return Some(if port.is_empty() {
                    format!("{ns}/{name}")
                } else {
                    format!("{ns}/{name}:{port}")
                });
            }
        }
    }
    if let Some(at) = text.find("comment \"") {
        let rest = &text[at + 9..];
        let comment = rest.split('"').next().unwrap_or("");
        return super::names::service_ports_in(comment).into_iter().next();
    }
    None
}

fn strip_comment(text: &str) -> String {
    match text.find("comment \"") {
        Some(at) => {
            let rest = &text[at + 9..];
            let end = rest.find('"').map_or(rest.len(), |e| e + 1);
            format!("{}{}", &text[..at], &rest[end..])
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        }
        None => text.to_string(),
    }
}

/// `ip daddr 172.30.0.41 tcp dport 80 ip saddr != …` → without the port match.
fn strip_service_port(text: &str) -> String {
    let words: Vec<&str> = text.split_whitespace().collect();
    let mut out: Vec<&str> = Vec::new();
    let mut i = 0;
    while i < words.len() {
        if matches!(words[i], "tcp" | "udp" | "sctp")
            && words.get(i + 1) == Some(&"dport")
            && words.get(i + 2).is_some_and(|p| p.parse::<u16>().is_ok())
            && text.contains("jump mark-for-masquerade")
        {
            i += 3;
            continue;
        }
        out.push(words[i]);
        i += 1;
    }
    out.join(" ")
}

fn strip_fully_random(text: &str) -> String {
    text.replace("masquerade fully-random", "masquerade")
}

fn tolerances() -> Vec<Tolerance> {
    vec![
        Tolerance {
            kind: FindingKind::Version,
            reason: "kube-proxy v1.33/v1.34 wrote the Service port in the ClusterIP masquerade rule; v1.35+ does not".into(),
            normalise: strip_service_port,
        },
        Tolerance {
            kind: FindingKind::Version,
            reason: "comment wording: it changed across kube-proxy releases".into(),
            normalise: strip_comment,
        },
        Tolerance {
            kind: FindingKind::Runtime,
            reason: "masquerade fully-random: depends on the node's nft and kernel".into(),
            normalise: strip_fully_random,
        },
    ]
}

/// The base chains of every nftables-mode release.
const BASE_CHAINS: [&str; 7] = [
    "filter-prerouting",
    "filter-prerouting-pre-dnat",
    "filter-output-pre-dnat",
    "filter-output-post-dnat",
    "filter-input",
    "filter-forward",
    "filter-output",
];

const BASE_LAYOUT: &str = "base-chain layout: kube-proxy v1.33/v1.34 hooked filter-prerouting, filter-input, filter-forward and filter-output at priority dstnat - 10 and filter-output-post-dnat at dstnat + 10; v1.35+ hooks filter-prerouting-pre-dnat and filter-output-pre-dnat at dstnat - 10 and filter-input, filter-forward, filter-output at priority filter";

/// How the two tables' structure differs in ways only releases explain.
#[derive(Clone, Copy, Debug, Default)]
struct Layout {
    /// The base chains (names and hooks) differ: another release's layout.
    base_chains_differ: bool,
    /// `cluster-ips-check` exists on one side only.
    cluster_ips_check_differs: bool,
}

impl Layout {
    fn of(found: &ListedTable, wanted: Option<&ListedTable>) -> Layout {
        let base = |t: &ListedTable| -> Vec<String> {
            let mut v: Vec<String> = t
                .chains
                .iter()
                .filter(|c| c.header.is_some())
                .map(|c| format!("{} {:?}", c.name, c.header))
                .collect();
            v.sort();
            v
        };
        let has_check = |t: &ListedTable| t.chains.iter().any(|c| c.name == "cluster-ips-check");
        match wanted {
            Some(w) => Layout {
                base_chains_differ: base(found) != base(w),
                cluster_ips_check_differs: has_check(found) != has_check(w),
            },
            None => Layout::default(),
        }
    }
}

/// A lone item (on one side only) that only some releases write: (kind, reason).
fn lone_tolerated(chain: &str, text: &str, layout: Layout) -> Option<(FindingKind, String)> {
    if layout.base_chains_differ && BASE_CHAINS.contains(&chain) {
        return Some((FindingKind::Version, BASE_LAYOUT.into()));
    }
    if layout.cluster_ips_check_differs
        && (chain == "cluster-ips-check" || text.contains("jump cluster-ips-check"))
    {
        return Some((
            FindingKind::Version,
            "cluster-ips-check (reject unused ports of ClusterIPs, drop unallocated ClusterIPs of the ServiceCIDRs) exists from kube-proxy v1.31 on".into(),
        ));
    }
    if text.contains("ct state invalid drop") {
        return Some((
            FindingKind::Version,
            "the nftables mode of v1.29 dropped ct state invalid packets; v1.30+ does not (kubernetes#122663)".into(),
        ));
    }
    None
}

/// The Service port each address of the found table's verdict-map elements goes to
/// (`172.30.0.41 . tcp . 80 : goto service-…-ns1/svc1/tcp/p80`), to name the plain
/// address elements of `cluster-ips` and friends.
fn addresses(found: &ListedTable) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for s in &found.sets {
        for (e, _) in &s.elements {
            let Some(address) = e.split_whitespace().next() else {
                continue;
            };
            if let Some(spn) = service_port_of(e) {
                if !out.iter().any(|(a, _)| a == address) {
                    out.push((address.to_string(), spn));
                }
            }
        }
    }
    out
}

/// Whether a found item belongs to a Service port the scenario does not have.
fn stale(
    cx: &Context,
    scope_chain: &str,
    text: &str,
    addresses: &[(String, String)],
) -> Option<String> {
    if cx.mode != ProxyMode::Nftables {
        return Some(format!(
            "left by kube-proxy in nftables mode: the scenario's kube-proxy runs in {} mode",
            cx.mode.as_str()
        ));
    }
    let spn = service_port_of(scope_chain)
        .or_else(|| service_port_of(text))
        .or_else(|| {
            // `element 172.30.0.41` of a set of addresses.
            let address = text.strip_prefix("element ")?.split_whitespace().next()?;
            addresses
                .iter()
                .find(|(a, _)| a == address)
                .map(|(_, s)| s.clone())
        })?;
    (!cx.names.has_service_port(&spn))
        .then(|| format!("{spn} is not a Service port of the scenario"))
}

/// Compares one listed table with the expected one (absent: everything found is extra).
fn compare(
    cx: &Context,
    found: &ListedTable,
    wanted: Option<&ListedTable>,
    section: usize,
    info: &mut super::Section,
) -> Vec<Finding> {
    let tword = found.word();
    let tolerances = tolerances();
    let layout = Layout::of(found, wanted);
    let addresses = addresses(found);
    let mut out = Vec::new();
    let mut scopes: Vec<Scope> = Vec::new();
    let object = |text: &str| service_port_of(text).and_then(|s| cx.names.object_of(&s));
    let item = |text: &str, line: Option<usize>| Item {
        text: text.to_string(),
        line,
        object: object(text),
    };
    // The table's comment and the declarations of its sets, maps and chains.
    let mut declarations = Scope {
        table: tword.clone(),
        chain: "-".into(),
        ordered: false,
        ..Scope::default()
    };
    let declare_set =
        |s: &ListedSet| format!("{} {} {{ {} }}", s.kind, s.name, s.declaration.join("; "));
    let declare_chain = |c: &ListedChain| match &c.header {
        Some(h) => format!("chain {} {{ {h} }}", c.name),
        None => format!("chain {}", c.name),
    };
    if let Some(c) = &found.comment {
        declarations
            .found
            .push(item(&format!("comment {c}"), found.line));
    }
    for s in &found.sets {
        declarations.found.push(item(&declare_set(s), s.line));
    }
    for c in &found.chains {
        declarations.found.push(item(&declare_chain(c), c.line));
    }
    if let Some(w) = wanted {
        if let Some(c) = &w.comment {
            declarations
                .expected
                .push(item(&format!("comment {c}"), None));
        }
        for s in &w.sets {
            declarations.expected.push(item(&declare_set(s), None));
        }
        for c in &w.chains {
            declarations.expected.push(item(&declare_chain(c), None));
        }
    }
    scopes.push(declarations);
    // Set elements.
    let found_sets: HashMap<&str, &ListedSet> =
        found.sets.iter().map(|s| (s.name.as_str(), s)).collect();
    let wanted_sets: HashMap<&str, &ListedSet> = wanted
        .map(|w| w.sets.iter().map(|s| (s.name.as_str(), s)).collect())
        .unwrap_or_default();
    let mut set_names: Vec<&str> = found.sets.iter().map(|s| s.name.as_str()).collect();
    let mut seen: std::collections::HashSet<&str> = set_names.iter().copied().collect();
    if let Some(w) = wanted {
        for s in &w.sets {
            if seen.insert(&s.name) {
                set_names.push(&s.name);
            }
        }
    }
    for name in set_names {
        if name.starts_with("affinity-") {
            let n = found_sets.get(name).map_or(0, |s| s.elements.len());
            if n > 0 {
                info.notes.push(format!(
                    "set {name}: its {n} element(s) are clients with session affinity (runtime state): not compared"
                ));
            }
            continue;
        }
        let mut scope = Scope {
            table: tword.clone(),
            chain: name.to_string(),
            ordered: false,
            ..Scope::default()
        };
        if let Some(s) = found_sets.get(name) {
            scope.found = s
                .elements
                .iter()
                .map(|(e, l)| item(&format!("element {e}"), *l))
                .collect();
        }
        if let Some(s) = wanted_sets.get(name) {
            scope.expected = s
                .elements
                .iter()
                .map(|(e, _)| item(&format!("element {e}"), None))
                .collect();
        }
        scopes.push(scope);
    }
    // Chain rules.
    let mut chain_names: Vec<&str> = found.chains.iter().map(|c| c.name.as_str()).collect();
    let mut seen: std::collections::HashSet<&str> = chain_names.iter().copied().collect();
    if let Some(w) = wanted {
        for c in &w.chains {
            if seen.insert(&c.name) {
                chain_names.push(&c.name);
            }
        }
    }
    let found_chains: HashMap<&str, &ListedChain> =
        found.chains.iter().map(|c| (c.name.as_str(), c)).collect();
    let wanted_chains: HashMap<&str, &ListedChain> = wanted
        .map(|w| w.chains.iter().map(|c| (c.name.as_str(), c)).collect())
        .unwrap_or_default();
    for name in chain_names {
        let mut scope = Scope {
            table: tword.clone(),
            chain: name.to_string(),
            ordered: true,
            ..Scope::default()
        };
        if let Some(c) = found_chains.get(name) {
            scope.found = c.rules.iter().map(|(r, l)| item(r, *l)).collect();
        }
        if let Some(c) = wanted_chains.get(name) {
            scope.expected = c.rules.iter().map(|(r, _)| item(r, None)).collect();
        }
        scopes.push(scope);
    }
    for scope in scopes {
        info.compared += scope.found.len().max(scope.expected.len());
        let mut pairing = pair(&scope);
        for (j, i, kind, reasons) in pair_tolerated(&scope, &mut pairing, &tolerances) {
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
        let chain_of = |text: &str| -> String {
            // A declaration names its chain: `chain NAME …`, `set NAME …`, `map NAME …`.
            if scope.chain == "-" {
                text.split_whitespace().nth(1).unwrap_or("-").to_string()
            } else {
                scope.chain.clone()
            }
        };
        for &i in &pairing.missing {
            let text = &scope.expected[i].text;
            let chain = chain_of(text);
            let (kind, note) = match lone_tolerated(&chain, text, layout) {
                Some((k, why)) => (k, Some(why)),
                None => (FindingKind::Missing, None),
            };
            out.push(Finding {
                kind,
                table: scope.table.clone(),
                chain,
                rule: text.clone(),
                note,
                section,
                line: None,
                object: scope.expected[i].object,
            });
        }
        for &j in &pairing.extra {
            let text = &scope.found[j].text;
            let chain = chain_of(text);
            let (kind, note) = match lone_tolerated(&chain, text, layout) {
                Some((k, why)) if cx.mode == ProxyMode::Nftables => (k, Some(why)),
                _ => match stale(cx, &chain, text, &addresses) {
                    Some(why) => (FindingKind::Stale, Some(why)),
                    None => (FindingKind::Extra, None),
                },
            };
            out.push(Finding {
                kind,
                table: scope.table.clone(),
                chain,
                rule: text.clone(),
                note,
                section,
                line: scope.found[j].line,
                object: None,
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
    }
    // A whole stale table: one line per chain and set, not per rule.
    if cx.mode != ProxyMode::Nftables {
        out.retain(|f| {
            f.rule.starts_with("chain ") || f.rule.starts_with("set ") || f.rule.starts_with("map ")
        });
        let why = out.first().and_then(|f| f.note.clone());
        for f in &mut out {
            f.note = None;
        }
        if let Some(why) = why {
            info.notes.push(why);
        }
    }
    out
}

fn is_kube_proxy(table: &ListedTable) -> bool {
    table.name == crate::proxy::nftables::TABLE && matches!(table.family.as_str(), "ip" | "ip6")
}

/// Compares one `nft list` table section.
pub(crate) fn check(cx: &mut Context, report: &mut Report, dump: usize, section: &Section<'_>) {
    let Some(found) = read(&section.lines) else {
        return;
    };
    let index = report.sections.len();
    let mut info = super::Section {
        dump,
        kind: section.kind,
        description: format!("nft table {} {}", found.family, found.name),
        first_line: section.first_line(),
        last_line: section.last_line(),
        compared: 0,
        ignored: 0,
        ignored_owners: Vec::new(),
        notes: Vec::new(),
    };
    if !is_kube_proxy(&found) {
        info.ignored = found.chains.iter().map(|c| c.rules.len()).sum::<usize>()
            + found.sets.iter().map(|s| s.elements.len()).sum::<usize>();
        info.ignored_owners
            .push(format!("table {} {}", found.family, found.name));
        report.sections.push(info);
        return;
    }
    let expected = expected(cx);
    let wanted = expected.iter().find(|t| t.family == found.family);
    let findings = compare(cx, &found, wanted, index, &mut info);
    report.sections.push(info);
    report.findings.extend(findings);
}

/// In nftables mode, kube-proxy's tables that no dump holds although nft listings were
/// given: everything in them is missing.
pub(crate) fn missing_tables(cx: &mut Context, report: &mut Report) {
    if cx.mode != ProxyMode::Nftables {
        return;
    }
    let nft_sections: Vec<usize> = report
        .sections
        .iter()
        .enumerate()
        .filter(|(_, s)| s.kind == DumpKind::Nft)
        .map(|(i, _)| i)
        .collect();
    let Some(&last) = nft_sections.last() else {
        return;
    };
    let listed: Vec<String> = report
        .sections
        .iter()
        .filter(|s| s.kind == DumpKind::Nft)
        .map(|s| s.description.clone())
        .collect();
    for wanted in expected(cx) {
        let description = format!("nft table {} {}", wanted.family, wanted.name);
        if listed.contains(&description) {
            continue;
        }
        let empty = ListedTable {
            family: wanted.family.clone(),
            name: wanted.name.clone(),
            ..ListedTable::default()
        };
        let mut info = report.sections[last].clone();
        info.notes.clear();
        let findings = compare(cx, &empty, Some(&wanted), last, &mut info);
        report.sections[last].notes.push(format!(
            "table {} {} is in no dump: everything in it is missing",
            wanted.family, wanted.name
        ));
        report.findings.extend(findings);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_ports_are_read_from_nft_names() {
        assert_eq!(
            service_port_of("goto service-ULMVA6XW-ns1/svc1/tcp/p80").as_deref(),
            Some("ns1/svc1:p80")
        );
        assert_eq!(
            service_port_of("endpoint-5OJB2KTY-ns1/svc1/tcp/p80__10.180.0.1/80").as_deref(),
            Some("ns1/svc1:p80")
        );
        assert_eq!(
            service_port_of(
                "element 172.30.0.42 . tcp . 80 comment \"ns2/svc2:p80\" : goto reject-chain"
            )
            .as_deref(),
            Some("ns2/svc2:p80")
        );
        assert_eq!(
            service_port_of("service-AAAAAAAA-ns/name/tcp/").as_deref(),
            Some("ns/name")
        );
        assert_eq!(
            split_elements(" 1.2.3.4 . tcp . 80 : goto a,\n 5.6.7.8 . tcp . 80 : goto b "),
            ["1.2.3.4 . tcp . 80 : goto a", "5.6.7.8 . tcp . 80 : goto b"]
        );
        assert_eq!(
            normalise_rule("jump services counter packets 3 bytes 180 # handle 12"),
            "jump services counter"
        );
    }
}
