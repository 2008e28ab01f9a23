//! What `nft list …` prints of the tables iptables-nft created: the node's iptables
//! rules seen through nftables.
//!
//! The modelled node runs iptables 1.8.9 with the nf_tables backend (`iptables-save`
//! says `v1.8.9 (nf_tables)`), so every rule kube-proxy (or IPVS mode) put in the node's
//! tables lives in an nftables table of the same name (`table ip nat`, `table ip6
//! filter`), and nft 1.0.6 lists it. This module prints those tables from the same typed
//! [`NodeTables`] the node's `iptables-save` is written from, as nft 1.0.6 with
//! libxtables support (Debian's build) prints them; checked byte for byte against the
//! real kernel by `tests/kernel_iptables_nft.rs`:
//!
//! - tables and chains in the order the kernel created them ([`NodeTables::kernel_tables`],
//!   [`NodeTable::kernel_chains`]): iptables-nft creates a built-in chain only when a rule
//!   goes into it, so a node where kube-proxy is the only writer has no `mangle`
//!   `PREROUTING`; a built-in chain starts with its `type … hook … priority …; policy
//!   accept;` line;
//! - a rule is the statements iptables-nft 1.8.9 builds (`nft_ipv4_add` /
//!   `nft_ipv6_add`): `iifname`, `meta l4proto`, `ip saddr`, `ip daddr` first, then each
//!   match in the rule's order, `counter packets 0 bytes 0`, the target. Matches
//!   iptables-nft turns into native expressions print as nft words (`tcp dport 80`,
//!   `meta mark & 0x00004000 == 0x00004000`); the others stay xtables matches and
//!   targets, which nft prints through the extension's `xlate` function (`ct state new`,
//!   `fib daddr type local`, `meta random & 2147483647 < 1073741824`, `dnat to
//!   10.0.0.1:80`, `masquerade fully-random`, `meta mark set mark or 0x4000`), as
//!   nothing when the translation writes only a comment (`-m comment`, a bare `-m tcp`),
//!   or as `xt match NAME` when the extension has none (`recent`, `nfacct`, `set`,
//!   `physdev`, `ipvs`, a bare `-m sctp`). Statements are joined by one space, so an
//!   empty one leaves two (`ct state new  counter …`);
//! - a table holding xtables statements earns `# Warning: table ip nat is managed by
//!   iptables-nft, do not touch!` on stderr, written just before the table;
//! - nft loads libxtables for the family of the first table it reads with xtables
//!   statements; a target that exists per family (`DNAT`, `MASQUERADE`, `REJECT`) is not
//!   found in a table of the other family: nft writes `XT target DNAT not found` on stderr
//!   where the target would be, and prints nothing for it (a dual-stack node's `nft list
//!   ruleset` shows this for `ip6 nat`; `nft list table ip6 nat` does not).
//!
//! A listing is stdout plus stderr notes, each at the stdout offset where nft wrote it
//! ([`Listing`]), so a terminal shows them where nft's do.

use crate::model::ip::{Cidr, IpFamily};
use crate::proxy::iptables::node::{NodeChain, NodeTable, NodeTables};
use crate::proxy::iptables::save::stored_probability;
use crate::proxy::iptables::{Address, Arg, Neg, Rule, TableName, Target};
use crate::proxy::{Protocol, nftables};
use std::fmt::Write as _;

/// Text nft writes: stdout, and stderr lines each written when stdout held so many
/// bytes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Listing {
    pub stdout: String,
    /// `(stdout offset, text)`, in order.
    pub stderr: Vec<(usize, String)>,
}

impl Listing {
    fn note(&mut self, text: String) {
        self.stderr.push((self.stdout.len(), text));
    }

    /// The stderr notes as one text.
    pub fn stderr_text(&self) -> String {
        self.stderr.iter().map(|(_, t)| t.as_str()).collect()
    }
}

/// The nft family word of an IP family.
pub fn family_word(family: IpFamily) -> &'static str {
    match family {
        IpFamily::IPv4 => "ip",
        IpFamily::IPv6 => "ip6",
    }
}

/// One table nft lists: one iptables-nft created, or one of kube-proxy's nftables mode.
#[derive(Clone, Copy, Debug)]
pub enum NftTable<'a> {
    Xtables(IpFamily, &'a NodeTable),
    KubeProxy(&'a nftables::Table),
}

impl NftTable<'_> {
    pub fn family(&self) -> &str {
        match self {
            NftTable::Xtables(family, _) => family_word(*family),
            NftTable::KubeProxy(t) => t.family.as_str(),
        }
    }

    pub fn name(&self) -> &str {
        match self {
            NftTable::Xtables(_, t) => t.name.as_str(),
            NftTable::KubeProxy(_) => nftables::TABLE,
        }
    }

    /// The IP family of the xtables statements the table holds, if it holds any.
    fn xtables_family(&self) -> Option<IpFamily> {
        match self {
            NftTable::Xtables(family, t) => has_xtables(t).then_some(*family),
            NftTable::KubeProxy(_) => None,
        }
    }
}

/// Every table on the node in the order nft lists them: the iptables-nft tables as the
/// kernel created them (IPv4 first: kube-proxy starts its IPv4 proxier first), then
/// kube-proxy's own nftables tables.
pub fn node_tables<'a>(
    xtables: &'a [NodeTables],
    kube_proxy: &'a [nftables::Table],
) -> Vec<NftTable<'a>> {
    let mut out: Vec<NftTable<'a>> = xtables
        .iter()
        .flat_map(|t| t.kernel_tables().map(|table| (t.family, table)))
        .map(|(family, table)| NftTable::Xtables(family, table))
        .collect();
    out.extend(kube_proxy.iter().map(NftTable::KubeProxy));
    out
}

/// `nft list ruleset` (or `list table`, with one table): each table in full.
pub fn list_tables(tables: &[NftTable]) -> Listing {
    let mut out = Listing::default();
    let loaded = tables.iter().find_map(NftTable::xtables_family);
    for table in tables {
        write_table(&mut out, table, None, loaded);
    }
    out
}

/// `nft list chain FAMILY TABLE CHAIN`: the chain inside its table's braces; `None`
/// when the table has no such chain.
pub fn list_chain(table: &NftTable, chain: &str) -> Option<Listing> {
    let mut out = Listing::default();
    match table {
        NftTable::Xtables(family, t) => {
            let listed = t.kernel_chains().find(|c| c.name == chain)?;
            let loaded = chain_has_xtables(listed).then_some(*family);
            write_table(&mut out, table, Some(chain), loaded);
        }
        NftTable::KubeProxy(t) => {
            let c = t.chain(chain)?;
            out.stdout = nftables::list::ChainOf(t, c).to_string();
        }
    }
    Some(out)
}

/// `nft list tables`: one `table FAMILY NAME` line each.
pub fn list_names(tables: &[NftTable]) -> String {
    tables
        .iter()
        .map(|t| format!("table {} {}\n", t.family(), t.name()))
        .collect()
}

fn write_table(out: &mut Listing, table: &NftTable, only: Option<&str>, loaded: Option<IpFamily>) {
    let (family, t) = match table {
        NftTable::Xtables(family, t) => (*family, *t),
        NftTable::KubeProxy(t) => {
            out.stdout.push_str(&t.to_string());
            return;
        }
    };
    let word = family_word(family);
    // nft reads only the listed chain's rules when it lists one chain.
    let listed = |chain: &&NodeChain| only.is_none_or(|name| name == chain.name);
    if t.kernel_chains().filter(listed).any(chain_has_xtables) {
        out.note(format!(
            "# Warning: table {word} {} is managed by iptables-nft, do not touch!\n",
            t.name.as_str()
        ));
    }
    let _ = writeln!(out.stdout, "table {word} {} {{", t.name.as_str());
    let mut first = true;
    for chain in t.kernel_chains().filter(listed) {
        if !first {
            out.stdout.push('\n');
        }
        first = false;
        write_chain(out, family, t.name, chain, loaded);
    }
    out.stdout.push_str("}\n");
}

fn write_chain(
    out: &mut Listing,
    family: IpFamily,
    table: TableName,
    chain: &NodeChain,
    loaded: Option<IpFamily>,
) {
    let _ = writeln!(out.stdout, "\tchain {} {{", chain.name);
    if let (Some(policy), Some((kind, hook, priority))) =
        (chain.policy, base_chain(table, &chain.name))
    {
        let _ = writeln!(
            out.stdout,
            "\t\ttype {kind} hook {hook} priority {priority}; policy {};",
            policy.to_ascii_lowercase()
        );
    }
    for rule in &chain.rules {
        out.stdout.push_str("\t\t");
        for (i, statement) in statements(rule, family).into_iter().enumerate() {
            if i > 0 {
                out.stdout.push(' ');
            }
            match statement.per_family {
                // libxtables was loaded for the other family: nft cannot find the target.
                Some(name) if loaded.is_some_and(|l| l != family) => {
                    out.note(format!("XT target {name} not found\n"));
                }
                _ => out.stdout.push_str(&statement.text),
            }
        }
        out.stdout.push('\n');
    }
    out.stdout.push_str("\t}\n");
}

/// A built-in chain's type, hook and priority as iptables-nft creates them
/// (`xtables_ipv4`'s chain templates) and nft names them.
fn base_chain(table: TableName, chain: &str) -> Option<(&'static str, &'static str, &'static str)> {
    let hook = match chain {
        "PREROUTING" => "prerouting",
        "INPUT" => "input",
        "FORWARD" => "forward",
        "OUTPUT" => "output",
        "POSTROUTING" => "postrouting",
        _ => return None,
    };
    Some(match (table, chain) {
        (TableName::Filter, _) => ("filter", hook, "filter"),
        (TableName::Mangle, "OUTPUT") => ("route", hook, "mangle"),
        (TableName::Mangle, _) => ("filter", hook, "mangle"),
        (TableName::Nat, "PREROUTING") => ("nat", hook, "dstnat"),
        (TableName::Nat, "INPUT") => ("nat", hook, "100"),
        (TableName::Nat, "OUTPUT") => ("nat", hook, "-100"),
        (TableName::Nat, _) => ("nat", hook, "srcnat"),
    })
}

/// One statement of a rule as nft prints it.
struct Statement {
    text: String,
    /// An xtables match or target (not a native nftables expression).
    xtables: bool,
    /// The name of a target libxtables registers per IP family.
    per_family: Option<&'static str>,
}

impl Statement {
    fn native(text: impl Into<String>) -> Statement {
        Statement {
            text: text.into(),
            xtables: false,
            per_family: None,
        }
    }

    fn xt(text: impl Into<String>) -> Statement {
        Statement {
            text: text.into(),
            xtables: true,
            per_family: None,
        }
    }

    fn target(name: &'static str, text: String) -> Statement {
        Statement {
            text,
            xtables: true,
            per_family: Some(name),
        }
    }
}

/// Whether any rule of the table holds an xtables match or target.
fn has_xtables(table: &NodeTable) -> bool {
    table.kernel_chains().any(chain_has_xtables)
}

/// Whether any rule of the chain holds an xtables match or target.
fn chain_has_xtables(chain: &NodeChain) -> bool {
    chain.rules.iter().any(|rule| {
        statements(rule, IpFamily::IPv4)
            .iter()
            .any(|statement| statement.xtables)
    })
}

fn not(neg: Neg) -> &'static str {
    match neg {
        Neg::Is => "",
        Neg::Not => "!= ",
    }
}

/// An address as nft prints a prefix match: bare for a single host.
fn address(addr: &Address) -> String {
    let cidr: Cidr = addr.as_cidr();
    if cidr.prefix == IpFamily::of(&cidr.addr).bits() {
        cidr.addr.to_string()
    } else {
        cidr.to_string()
    }
}

/// libxt_conntrack's `state_xlate_print`: the states in the kernel's bit order.
fn ct_states(states: &str) -> String {
    const ORDER: [&str; 5] = ["INVALID", "NEW", "RELATED", "ESTABLISHED", "UNTRACKED"];
    let given: Vec<&str> = states.split(',').collect();
    ORDER
        .iter()
        .filter(|s| given.contains(s))
        .map(|s| s.to_ascii_lowercase())
        .collect::<Vec<_>>()
        .join(",")
}

/// The statements iptables-nft 1.8.9 builds for a rule (`nft_ipv4_add`, `add_match`,
/// `add_action`), each as nft 1.0.6 prints it.
fn statements(rule: &Rule, family: IpFamily) -> Vec<Statement> {
    let ip = family_word(family);
    let mut out = Vec::new();
    for a in &rule.args {
        if let Arg::InInterface(n, name) = a {
            // iptables' `+` wildcard is nft's `*`.
            let name = match name.strip_suffix('+') {
                Some(prefix) => format!("{prefix}*"),
                None => name.clone(),
            };
            out.push(Statement::native(format!("iifname {}\"{name}\"", not(*n))));
        }
    }
    for a in &rule.args {
        if let Arg::Proto(p) | Arg::Protocol(p) = a {
            out.push(Statement::native(format!("meta l4proto {}", p.lower())));
        }
    }
    for a in &rule.args {
        if let Arg::Source(n, addr) = a {
            out.push(Statement::native(format!(
                "{ip} saddr {}{}",
                not(*n),
                address(addr)
            )));
        }
    }
    for a in &rule.args {
        if let Arg::Destination(n, addr) = a {
            out.push(Statement::native(format!(
                "{ip} daddr {}{}",
                not(*n),
                address(addr)
            )));
        }
    }
    let dport = rule.args.iter().find_map(|a| match a {
        Arg::DestinationPort(p) => Some(*p),
        _ => None,
    });
    for a in &rule.args {
        let statement = match a {
            Arg::Source(..)
            | Arg::Destination(..)
            | Arg::InInterface(..)
            | Arg::DestinationPort(_)
            | Arg::Protocol(_) => continue,
            // libxt_comment's translation is a comment nft does not print.
            Arg::Comment(_) => Statement::xt(""),
            Arg::Proto(p) => match (p, dport) {
                (Protocol::Tcp | Protocol::Udp, Some(port)) => {
                    Statement::native(format!("{} dport {port}", p.lower()))
                }
                (Protocol::Sctp, Some(port)) => Statement::xt(format!("sctp dport {port}")),
                (Protocol::Tcp | Protocol::Udp, None) => Statement::xt(""),
                (Protocol::Sctp, None) => Statement::xt("xt match sctp"),
            },
            Arg::SrcTypeLocal(n) => Statement::xt(format!("fib saddr type {}local", not(*n))),
            Arg::DstTypeLocal(n) => Statement::xt(format!("fib daddr type {}local", not(*n))),
            Arg::CtState(n, states) => {
                // `_conntrack3_mt_xlate`: a state set naming SNAT or DNAT becomes a
                // status match, dropping the other states and the inversion.
                let given: Vec<&str> = states.split(',').collect();
                if given.contains(&"SNAT") || given.contains(&"DNAT") {
                    let status = if given.contains(&"SNAT") {
                        "snat"
                    } else {
                        "dnat"
                    };
                    Statement::xt(format!("ct status {status}"))
                } else {
                    Statement::xt(format!("ct state {}{}", not(*n), ct_states(states)))
                }
            }
            Arg::Mark { neg, value, mask } => {
                let op = match neg {
                    Neg::Is => "==",
                    Neg::Not => "!=",
                };
                if mask.0 == u32::MAX {
                    Statement::native(format!("meta mark {}{:#010x}", not(*neg), value.0))
                } else {
                    Statement::native(format!(
                        "meta mark & {:#010x} {op} {:#010x}",
                        mask.0, value.0
                    ))
                }
            }
            Arg::Probability(p) => Statement::xt(format!(
                "meta random & 2147483647 < {}",
                (stored_probability(*p) * 2_147_483_648.0).round() as u64
            )),
            Arg::RecentCheck { .. } | Arg::RecentSet { .. } => Statement::xt("xt match recent"),
            Arg::Nfacct(_) => Statement::xt("xt match nfacct"),
            Arg::MatchSet { .. } => Statement::xt("xt match set"),
            Arg::PhysdevIsIn(_) => Statement::xt("xt match physdev"),
            Arg::Ipvs { .. } => Statement::xt("xt match ipvs"),
        };
        out.push(statement);
    }
    out.push(Statement::native("counter packets 0 bytes 0"));
    let target = match &rule.target {
        None => None,
        Some(Target::Jump(chain)) => Some(Statement::native(format!("jump {chain}"))),
        Some(Target::Accept) => Some(Statement::native("accept")),
        Some(Target::Drop) => Some(Statement::native("drop")),
        Some(Target::Return) => Some(Statement::native("return")),
        Some(Target::Reject) => Some(Statement::target("REJECT", "reject".into())),
        Some(Target::Dnat { ip, port }) => Some(Statement::target(
            "DNAT",
            format!("dnat to {}", crate::model::ip::join_host_port(ip, *port)),
        )),
        Some(Target::Masquerade { random_fully }) => Some(Statement::target(
            "MASQUERADE",
            if *random_fully {
                "masquerade fully-random".into()
            } else {
                "masquerade".into()
            },
        )),
        Some(Target::MarkOr(m)) => Some(Statement::xt(format!("meta mark set mark or {:#x}", m.0))),
        Some(Target::MarkXor(m)) => {
            Some(Statement::xt(format!("meta mark set mark xor {:#x}", m.0)))
        }
    };
    out.extend(target);
    out
}
