//! kube-proxy's iptables mode: rules as typed values.
//!
//! [`render`] builds a [`Ruleset`] (the `filter` and `nat` tables kube-proxy writes for
//! one IP family) from the shared [`ProxyFacts`](super::ProxyFacts). A [`Rule`] keeps its
//! arguments as typed [`Arg`]s in the order kube-proxy appends them, so the same value
//! prints in two forms and can be walked:
//!
//! - the `Display` of [`Ruleset`] is kube-proxy's `iptables-restore` input, in the canonical
//!   order of kube-proxy's tests;
//! - [`node::NodeTables`] is what the node's kernel holds after kube-proxy started and
//!   synced (the base chains, kube-proxy's jumps into its chains, the restored rules), and
//!   [`save`] prints it as `iptables-save` does;
//! - [`trace`] walks the same typed rules with a packet (the packet-flow semantics of
//!   kube-proxy's tests), and lets a simulator drive the random choices.
//!
//! What a user reads is exactly what is simulated; the provenance of each line comes from
//! the rules' [`RuleSource`] ([`crate::proxy::Proxier::lines`]).

pub mod node;
mod render;
pub mod save;
pub mod trace;
mod what;

pub use render::{
    CT_STATE_INVALID_COUNTER, LOCALHOST_NODEPORTS_COUNTER, detector_arg, localhost_node_ports,
    render, render_services,
};

use super::Protocol;
use super::lines::{By, ChainRole, ConfigField, ConfigFields, FmtSink, LineSink, LineSource, What};
use crate::model::ip::{Cidr, IpFamily, join_host_port};
use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;

/// A chain's name. Shared, since a large ruleset names the same chain in many rules (its
/// own rules and the jumps into it).
pub type ChainName = Arc<str>;

/// `!` before a match, or not.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
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

    /// Applies the negation to whether the match itself held.
    pub fn apply(self, matched: bool) -> bool {
        match self {
            Neg::Is => matched,
            Neg::Not => !matched,
        }
    }
}

/// An address in `-s`/`-d`: kube-proxy writes single IPs bare (`-d 172.30.0.41`) and
/// blocks with their prefix (`-s 10.0.0.0/8`); the kernel stores both as a block.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Address {
    Ip(IpAddr),
    Cidr(Cidr),
}

impl Address {
    /// The block the kernel stores (`/32` or `/128` for a single IP).
    pub fn as_cidr(&self) -> Cidr {
        match self {
            Address::Ip(ip) => Cidr::host(*ip),
            Address::Cidr(c) => *c,
        }
    }

    pub fn contains(&self, ip: &IpAddr) -> bool {
        match self {
            Address::Ip(a) => a == ip,
            Address::Cidr(c) => c.contains(ip),
        }
    }
}

impl fmt::Display for Address {
    /// The restore-input form, as kube-proxy writes it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Address::Ip(ip) => write!(f, "{ip}"),
            Address::Cidr(c) => write!(f, "{c}"),
        }
    }
}

/// A packet mark value as kube-proxy writes it: Go's `%#08x`, which pads the digits (not
/// the `0x`) to eight (`0x00004000`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Mark(pub u32);

impl fmt::Display for Mark {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#010x}", self.0)
    }
}

/// One argument group of a rule, in kube-proxy's writing order.
#[derive(Clone, Debug, PartialEq)]
pub enum Arg {
    /// `-m comment --comment TEXT` (quoted when it contains a space).
    Comment(String),
    /// `-m tcp -p tcp`: the protocol and its match module.
    Proto(Protocol),
    /// `-s ADDR`.
    Source(Neg, Address),
    /// `-d ADDR`.
    Destination(Neg, Address),
    /// `--dport N` (an option of the protocol's match module).
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
    Mark { neg: Neg, value: Mark, mask: Mark },
    /// `-m statistic --mode random --probability P` (printed with `%.10f`).
    Probability(f64),
    /// `-m recent --name CHAIN --rcheck --seconds T --reap`.
    RecentCheck { name: ChainName, seconds: i64 },
    /// `-m recent --name CHAIN --set`.
    RecentSet { name: ChainName },
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

/// A rule's arguments. Most rules of a large cluster (the endpoint chains' and the
/// cascades') have exactly one, kept inline; the others in a vector. Reads as a slice.
#[derive(Clone, Debug, PartialEq)]
pub struct Args(ArgsRepr);

#[derive(Clone, Debug, PartialEq)]
enum ArgsRepr {
    One(Arg),
    Many(Vec<Arg>),
}

impl Args {
    /// A single argument (no allocation).
    pub fn one(arg: Arg) -> Args {
        Args(ArgsRepr::One(arg))
    }

    /// No arguments (no allocation).
    pub fn none() -> Args {
        Args(ArgsRepr::Many(Vec::new()))
    }
}

impl From<Vec<Arg>> for Args {
    fn from(mut args: Vec<Arg>) -> Args {
        if args.len() == 1 {
            if let Some(arg) = args.pop() {
                return Args::one(arg);
            }
        }
        Args(ArgsRepr::Many(args))
    }
}

impl std::ops::Deref for Args {
    type Target = [Arg];

    fn deref(&self) -> &[Arg] {
        match &self.0 {
            ArgsRepr::One(arg) => std::slice::from_ref(arg),
            ArgsRepr::Many(args) => args,
        }
    }
}

impl<'a> IntoIterator for &'a Args {
    type Item = &'a Arg;
    type IntoIter = std::slice::Iter<'a, Arg>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// What a rule does when it matches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// `-j CHAIN`.
    Jump(ChainName),
    Accept,
    Drop,
    Reject,
    Return,
    /// `-j DNAT --to-destination IP:PORT` (`[IP]:PORT` for IPv6).
    Dnat {
        ip: IpAddr,
        port: i64,
    },
    /// `-j MASQUERADE [--random-fully]`.
    Masquerade {
        random_fully: bool,
    },
    /// `-j MARK --or-mark M`.
    MarkOr(Mark),
    /// `-j MARK --xor-mark M`.
    MarkXor(Mark),
}

impl Target {
    /// `ip:port` of a DNAT target, as kube-proxy writes it.
    pub fn dnat_destination(&self) -> Option<String> {
        match self {
            Target::Dnat { ip, port } => Some(join_host_port(ip, *port)),
            _ => None,
        }
    }
}

pub use crate::proxy::RuleSource;

/// One `-A CHAIN ...` line.
#[derive(Clone, Debug, PartialEq)]
pub struct Rule {
    pub chain: ChainName,
    pub args: Args,
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

    /// The chain this rule jumps to, if it jumps to one.
    pub fn jump(&self) -> Option<&str> {
        match &self.target {
            Some(Target::Jump(c)) => Some(c),
            _ => None,
        }
    }

    /// The rule as `iptables-save` prints it (see [`save`]).
    pub fn saved(&self, family: IpFamily) -> save::SavedRule<'_> {
        save::SavedRule { rule: self, family }
    }
}

/// The tables kube-proxy's iptables mode touches. kube-proxy writes `filter` and `nat`;
/// its canary chain also lives in `mangle`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TableName {
    Filter,
    Nat,
    Mangle,
}

impl TableName {
    pub fn as_str(self) -> &'static str {
        match self {
            TableName::Filter => "filter",
            TableName::Nat => "nat",
            TableName::Mangle => "mangle",
        }
    }

    pub fn parse(s: &str) -> Option<TableName> {
        match s {
            "filter" => Some(TableName::Filter),
            "nat" => Some(TableName::Nat),
            "mangle" => Some(TableName::Mangle),
            _ => None,
        }
    }
}

/// One table: its declared chains and their rules, both in canonical order.
#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    pub name: TableName,
    /// Every chain kube-proxy declares (`:CHAIN - [0:0]`), in canonical order.
    pub chains: Vec<ChainName>,
    /// Rules grouped by chain in the order of `chains`, kube-proxy's order inside a chain.
    pub rules: Vec<Rule>,
}

impl Table {
    /// The rules of one chain, in order.
    pub fn chain(&self, name: &str) -> impl Iterator<Item = &Rule> {
        self.rules.iter().filter(move |r| &*r.chain == name)
    }

    /// The chains in canonical order, each with the slice of its rules.
    pub fn chain_slices(&self) -> Vec<(&str, std::ops::Range<usize>)> {
        let mut out = Vec::with_capacity(self.chains.len());
        let mut at = 0;
        for chain in &self.chains {
            let start = at;
            while at < self.rules.len() && self.rules[at].chain == *chain {
                at += 1;
            }
            out.push((&**chain, start..at));
        }
        out
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
    /// `filter` or `nat`; kube-proxy's restore input has no `mangle` table.
    pub fn table(&self, name: TableName) -> Option<&Table> {
        match name {
            TableName::Filter => Some(&self.filter),
            TableName::Nat => Some(&self.nat),
            TableName::Mangle => None,
        }
    }

    /// `iptables` or `ip6tables`: the tool of this family.
    pub fn tool(&self) -> &'static str {
        tool(self.family)
    }
}

/// `iptables` or `ip6tables`.
pub fn tool(family: IpFamily) -> &'static str {
    match family {
        IpFamily::IPv4 => "iptables",
        IpFamily::IPv6 => "ip6tables",
    }
}

/// A comment argument as kube-proxy writes it: quoted when it contains a space.
fn comment_arg(text: &str) -> CommentArg<'_> {
    CommentArg(text)
}

struct CommentArg<'a>(&'a str);

impl fmt::Display for CommentArg<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.contains(' ') {
            write!(f, "\"{}\"", self.0)
        } else {
            f.write_str(self.0)
        }
    }
}

/// `%.10f`: kube-proxy's probability format (`computeProbability`).
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
            Arg::Mark { neg, value, mask } => {
                write!(f, "-m mark {}--mark {value}/{mask}", neg.prefix())
            }
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
            Target::Jump(c) => {
                f.write_str("-j ")?;
                f.write_str(c)
            }
            Target::Accept => f.write_str("-j ACCEPT"),
            Target::Drop => f.write_str("-j DROP"),
            Target::Reject => f.write_str("-j REJECT"),
            Target::Return => f.write_str("-j RETURN"),
            Target::Dnat { ip, port } => {
                write!(f, "-j DNAT --to-destination {}", join_host_port(ip, *port))
            }
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
        f.write_str("-A ")?;
        f.write_str(&self.chain)?;
        for a in &self.args {
            f.write_str(" ")?;
            fmt::Display::fmt(a, f)?;
        }
        if let Some(t) = &self.target {
            f.write_str(" ")?;
            fmt::Display::fmt(t, f)?;
        }
        Ok(())
    }
}

impl Rule {
    /// The configuration fields the rule's typed arguments come from: the masquerade
    /// mark, the local-traffic detector (the only negated source CIDR and the only input
    /// interface kube-proxy writes), `--random-fully` and the nfacct counters.
    pub fn config_fields(&self) -> ConfigFields {
        let mut fields = ConfigFields::NONE;
        for arg in &self.args {
            fields = match arg {
                Arg::Mark { .. } => fields.with(ConfigField::MasqueradeBit),
                Arg::Source(Neg::Not, Address::Cidr(c)) if !c.addr.is_loopback() => {
                    fields.with(ConfigField::DetectLocal)
                }
                Arg::InInterface(..) => fields.with(ConfigField::DetectLocal),
                Arg::Destination(_, Address::Cidr(c)) if c.addr.is_loopback() => {
                    fields.with(ConfigField::LocalhostNodePorts)
                }
                Arg::Nfacct(_) => fields.with(ConfigField::Nfacct),
                Arg::CtState(Neg::Is, s) if s == "INVALID" => {
                    fields.with(ConfigField::ConntrackTcpBeLiberal)
                }
                _ => fields,
            };
        }
        match &self.target {
            Some(Target::MarkOr(_) | Target::MarkXor(_)) => fields.with(ConfigField::MasqueradeBit),
            Some(Target::Masquerade { random_fully: true }) => {
                fields.with(ConfigField::RandomFully)
            }
            _ => fields,
        }
    }

    /// What the rule's line was written for, by `by`, read with `what`.
    pub fn line_source(&self, reader: Reader) -> LineSource {
        LineSource::of(reader.by, self.source, (reader.what)(self))
            .with_config(self.config_fields())
    }
}

/// The source of a chain's declaration: the service port its rules were written for, and
/// the endpoint for an endpoint's chain.
pub fn chain_source(rules: &[Rule], role: ChainRole) -> RuleSource {
    if !role.is_per_service() {
        return RuleSource::default();
    }
    let first = rules.first().map_or(RuleSource::default(), |r| r.source);
    RuleSource {
        service_port: first.service_port,
        endpoint: first.endpoint.filter(|_| role == ChainRole::Endpoint),
    }
}

/// How a mode reads its iptables rules into line sources: who writes them, and what each
/// does (IPVS mode knows its sets; iptables mode reads [`Rule::what`]).
#[derive(Clone, Copy)]
pub struct Reader {
    pub by: By,
    pub what: fn(&Rule) -> What,
}

impl Reader {
    /// iptables mode's `syncProxyRules`.
    pub const IPTABLES: Reader = Reader {
        by: By::IptablesSync,
        what: Rule::what,
    };
}

impl Table {
    /// The table as iptables-restore input, line by line: `*TABLE`, the chain
    /// declarations (each with the source of its first rule), the rules, `COMMIT`.
    pub fn write_lines(&self, sink: &mut dyn LineSink, reader: Reader) -> fmt::Result {
        let layout = LineSource::layout(reader.by);
        sink.line(layout, format_args!("*{}", self.name.as_str()))?;
        if sink.records_sources() {
            for (chain, range) in self.chain_slices() {
                let role = ChainRole::of_iptables(chain);
                let source = LineSource::of(
                    reader.by,
                    chain_source(&self.rules[range], role),
                    What::Chain(role),
                );
                sink.line(source, format_args!(":{chain} - [0:0]"))?;
            }
            for r in &self.rules {
                sink.line(r.line_source(reader), format_args!("{r}"))?;
            }
        } else {
            for chain in &self.chains {
                sink.line(layout, format_args!(":{chain} - [0:0]"))?;
            }
            for r in &self.rules {
                sink.line(layout, format_args!("{r}"))?;
            }
        }
        sink.line(layout, format_args!("COMMIT"))
    }
}

impl fmt::Display for Table {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_lines(&mut FmtSink(f), Reader::IPTABLES)
    }
}

impl Ruleset {
    /// The `iptables-restore` input kube-proxy writes, line by line: filter, then nat.
    pub fn write_lines(&self, sink: &mut dyn LineSink) -> fmt::Result {
        self.filter.write_lines(sink, Reader::IPTABLES)?;
        self.nat.write_lines(sink, Reader::IPTABLES)
    }
}

impl fmt::Display for Ruleset {
    /// The `iptables-restore` input kube-proxy writes, in the canonical order of its tests.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_lines(&mut FmtSink(f))
    }
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
