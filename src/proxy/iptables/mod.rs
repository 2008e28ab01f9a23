//! kube-proxy's iptables mode: rules as typed values.
//!
//! [`render`] builds a [`Ruleset`] (the `filter` and `nat` tables kube-proxy writes for
//! one IP family) from the shared [`ProxyFacts`](super::ProxyFacts). A [`Rule`] keeps its
//! arguments as typed [`Arg`]s in the order kube-proxy appends them, so the same value
//! prints as kube-proxy's `iptables-restore` input (the `Display` of [`Ruleset`], in the
//! canonical order of kube-proxy's tests) and can be walked by the packet tracer and the
//! traffic simulator: what a user reads is exactly what is simulated.

mod render;

pub use render::render;

use super::Protocol;
use crate::model::ip::IpFamily;
use std::fmt;

/// `!` before a match, or not.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Neg {
    Is,
    Not,
}

impl Neg {
    fn prefix(self) -> &'static str {
        match self {
            Neg::Is => "",
            Neg::Not => "! ",
        }
    }
}

/// One argument group of a rule, in kube-proxy's writing order.
#[derive(Clone, Debug, PartialEq)]
pub enum Arg {
    /// `-m comment --comment TEXT` (quoted when it contains a space).
    Comment(String),
    /// `-m tcp -p tcp`: the protocol and its match module.
    Proto(Protocol),
    /// `-s ADDR` (an IP or a CIDR, as kube-proxy writes it).
    Source(Neg, String),
    /// `-d ADDR`.
    Destination(Neg, String),
    /// `--dport N` (belongs to the protocol's match module).
    DestinationPort(i64),
    /// `-i IFACE` (`cni0`, or a prefix with `+`).
    InInterface(Neg, String),
    /// `-m addrtype --src-type LOCAL`.
    SrcTypeLocal(Neg),
    /// `-m addrtype --dst-type LOCAL`.
    DstTypeLocal(Neg),
    /// `-m conntrack --ctstate STATES`.
    CtState(Neg, String),
    /// `-m mark --mark VALUE/MASK`.
    Mark(Neg, String),
    /// `-m statistic --mode random --probability P` (printed with `%.10f`).
    Probability(f64),
    /// `-m recent --name CHAIN --rcheck --seconds T --reap`.
    RecentCheck { name: String, seconds: i64 },
    /// `-m recent --name CHAIN --set`.
    RecentSet { name: String },
    /// `-m nfacct --nfacct-name COUNTER`.
    Nfacct(String),
    /// `-p tcp` alone, without the protocol's match module (IPVS mode's NodePort rules).
    Protocol(Protocol),
    /// `-m set --match-set SET FLAGS` (IPVS mode: `dst,dst`, `src,dst`, `dst`, ...).
    MatchSet { set: String, flags: String },
    /// `-m physdev ! --physdev-is-in` (IPVS mode's external-IP rule).
    PhysdevIsIn(Neg),
    /// `-m ipvs --vaddr ADDR --vproto PROTO --vport PORT` (IPVS mode's output filter).
    Ipvs {
        vaddr: String,
        vproto: String,
        vport: i64,
    },
}

/// What a rule does when it matches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// `-j CHAIN`.
    Jump(String),
    Accept,
    Drop,
    Reject,
    Return,
    /// `-j DNAT --to-destination IP:PORT`.
    Dnat(String),
    /// `-j MASQUERADE [--random-fully]`.
    Masquerade {
        random_fully: bool,
    },
    /// `-j MARK --or-mark M`.
    MarkOr(String),
    /// `-j MARK --xor-mark M`.
    MarkXor(String),
}

/// Which Service port and endpoint a rule was written for (for provenance links).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RuleSource {
    /// Index into [`ProxyFacts::service_ports`](super::ProxyFacts).
    pub service_port: Option<usize>,
    /// Index into that service port's `endpoints`.
    pub endpoint: Option<usize>,
}

/// One `-A CHAIN ...` line.
#[derive(Clone, Debug, PartialEq)]
pub struct Rule {
    pub chain: String,
    pub args: Vec<Arg>,
    /// `None` for a rule with no `-j` (KUBE-FW's last rule only counts packets).
    pub target: Option<Target>,
    pub source: RuleSource,
}

impl Rule {
    /// The comment text, if the rule has one.
    pub fn comment(&self) -> Option<&str> {
        self.args.iter().find_map(|a| match a {
            Arg::Comment(c) => Some(c.as_str()),
            _ => None,
        })
    }
}

/// The two tables kube-proxy's iptables mode writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum TableName {
    Filter,
    Nat,
}

impl TableName {
    pub fn as_str(self) -> &'static str {
        match self {
            TableName::Filter => "filter",
            TableName::Nat => "nat",
        }
    }
}

/// One table: its declared chains and their rules, both in canonical order.
#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    pub name: TableName,
    /// Every chain kube-proxy declares (`:CHAIN - [0:0]`), in canonical order.
    pub chains: Vec<String>,
    /// Rules grouped by chain in the order of `chains`, kube-proxy's order inside a chain.
    pub rules: Vec<Rule>,
}

impl Table {
    /// The rules of one chain, in order.
    pub fn chain(&self, name: &str) -> impl Iterator<Item = &Rule> {
        self.rules.iter().filter(move |r| r.chain == name)
    }
}

/// What kube-proxy writes for one IP family with `iptables-restore --noflush`.
#[derive(Clone, Debug, PartialEq)]
pub struct Ruleset {
    pub family: IpFamily,
    pub filter: Table,
    pub nat: Table,
}

impl Ruleset {
    pub fn table(&self, name: TableName) -> &Table {
        match name {
            TableName::Filter => &self.filter,
            TableName::Nat => &self.nat,
        }
    }
}

/// A comment argument as kube-proxy writes it: quoted when it contains a space.
fn comment_arg(text: &str) -> String {
    if text.contains(' ') {
        format!("\"{text}\"")
    } else {
        text.to_string()
    }
}

/// `%.10f`: kube-proxy's probability format.
pub fn format_probability(p: f64) -> String {
    format!("{p:.10}")
}

impl fmt::Display for Arg {
    /// The restore-input form of the argument group.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Arg::Comment(c) => write!(f, "-m comment --comment {}", comment_arg(c)),
            Arg::Proto(p) => write!(f, "-m {0} -p {0}", p.lower()),
            Arg::Source(n, a) => write!(f, "{}-s {a}", n.prefix()),
            Arg::Destination(n, a) => write!(f, "{}-d {a}", n.prefix()),
            Arg::DestinationPort(p) => write!(f, "--dport {p}"),
            Arg::InInterface(n, i) => write!(f, "{}-i {i}", n.prefix()),
            Arg::SrcTypeLocal(n) => write!(f, "-m addrtype {}--src-type LOCAL", n.prefix()),
            Arg::DstTypeLocal(n) => write!(f, "-m addrtype {}--dst-type LOCAL", n.prefix()),
            Arg::CtState(n, s) => write!(f, "-m conntrack {}--ctstate {s}", n.prefix()),
            Arg::Mark(n, m) => write!(f, "-m mark {}--mark {m}", n.prefix()),
            Arg::Probability(p) => write!(
                f,
                "-m statistic --mode random --probability {}",
                format_probability(*p)
            ),
            Arg::RecentCheck { name, seconds } => {
                write!(
                    f,
                    "-m recent --name {name} --rcheck --seconds {seconds} --reap"
                )
            }
            Arg::RecentSet { name } => write!(f, "-m recent --name {name} --set"),
            Arg::Nfacct(n) => write!(f, "-m nfacct --nfacct-name {n}"),
            Arg::Protocol(p) => write!(f, "-p {}", p.lower()),
            Arg::MatchSet { set, flags } => write!(f, "-m set --match-set {set} {flags}"),
            Arg::PhysdevIsIn(n) => write!(f, "-m physdev {}--physdev-is-in", n.prefix()),
            Arg::Ipvs {
                vaddr,
                vproto,
                vport,
            } => write!(
                f,
                "-m ipvs --vaddr {vaddr} --vproto {vproto} --vport {vport}"
            ),
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Jump(c) => write!(f, "-j {c}"),
            Target::Accept => f.write_str("-j ACCEPT"),
            Target::Drop => f.write_str("-j DROP"),
            Target::Reject => f.write_str("-j REJECT"),
            Target::Return => f.write_str("-j RETURN"),
            Target::Dnat(to) => write!(f, "-j DNAT --to-destination {to}"),
            Target::Masquerade {
                random_fully: false,
            } => f.write_str("-j MASQUERADE"),
            Target::Masquerade { random_fully: true } => {
                f.write_str("-j MASQUERADE --random-fully")
            }
            Target::MarkOr(m) => write!(f, "-j MARK --or-mark {m}"),
            Target::MarkXor(m) => write!(f, "-j MARK --xor-mark {m}"),
        }
    }
}

impl fmt::Display for Rule {
    /// `-A CHAIN args -j TARGET`, the restore-input line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "-A {}", self.chain)?;
        for a in &self.args {
            write!(f, " {a}")?;
        }
        if let Some(t) = &self.target {
            write!(f, " {t}")?;
        }
        Ok(())
    }
}

impl fmt::Display for Table {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "*{}", self.name.as_str())?;
        for c in &self.chains {
            writeln!(f, ":{c} - [0:0]")?;
        }
        for r in &self.rules {
            writeln!(f, "{r}")?;
        }
        writeln!(f, "COMMIT")
    }
}

impl fmt::Display for Ruleset {
    /// The `iptables-restore` input kube-proxy writes, in the canonical order of its tests.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.filter, self.nat)
    }
}

/// The canonical chain order of kube-proxy's test comparator: KUBE-NODEPORTS, then
/// KUBE-SERVICES, then the other `KUBE-*` chains, then the rest, each by byte order.
pub fn chain_order(a: &str, b: &str) -> std::cmp::Ordering {
    fn rank(c: &str) -> u8 {
        match c {
            "KUBE-NODEPORTS" => 0,
            "KUBE-SERVICES" => 1,
            _ if c.starts_with("KUBE-") => 2,
            _ => 3,
        }
    }
    rank(a).cmp(&rank(b)).then_with(|| a.cmp(b))
}

/// The key KUBE-SERVICES and KUBE-NODEPORTS rules are sorted by: the comment up to its
/// first space or colon (the Service's `namespace/name`).
pub fn service_sort_key(rule: &Rule) -> &str {
    let c = rule.comment().unwrap_or("");
    let end = c.find([' ', ':']).unwrap_or(c.len());
    &c[..end]
}

/// Whether a rule is the nat KUBE-SERVICES NodePorts jump, which stays last.
pub fn is_last_rule(rule: &Rule) -> bool {
    rule.comment()
        .is_some_and(|c| c.contains("must be the last rule"))
}
