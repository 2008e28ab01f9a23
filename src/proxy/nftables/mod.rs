//! kube-proxy's nftables mode: the `kube-proxy` table as typed values.
//!
//! [`render`] turns the shared [`ProxyFacts`](super::ProxyFacts) of one IP family into the
//! [`Transaction`] kube-proxy hands to `nft -f`: typed operations (`add table`, `add set`,
//! `add map`, `add chain`, `add rule`, `add element`) whose `Display` is the knftables text
//! kube-proxy's own tests compare (`expected.nft` in the reference cases).
//! [`Transaction::apply`] is what the kernel does with it: a [`Table`] holding sets, maps and
//! chains in creation order, rules inside their chains and elements inside their sets. The
//! `Display` of a [`Table`] ([`list`]) is what `nft list table ip kube-proxy` prints (nft
//! 1.0.6), and [`trace()`] walks the same table, so what a user reads is what is simulated.
//!
//! A [`Rule`] is a list of [`Expr`]s in the order kube-proxy writes them. Each expression
//! prints two ways: as kube-proxy wrote it (`mark and 0x00004000 == 0`) and as nft lists it
//! back (`meta mark & 0x00004000 == 0x00000000`); the second form lives in [`list`].
//!
//! Layout follows `pkg/proxy/nftables/proxier.go` and the tests of upstream kube-proxy
//! after v1.35 (the reference's `nftables.md`): base chains `filter-prerouting-pre-dnat`,
//! `filter-output-pre-dnat`, `filter-forward`, `filter-input`, `filter-output`,
//! `nat-prerouting`, `nat-output`, `nat-postrouting`.

pub mod list;
mod render;
pub mod sync;
pub mod trace;
mod what;

pub use render::render;
pub use sync::Syncer;
pub use trace::{AffinitySets, AllBranches, Chooser, OneBranch, trace};

use super::Protocol;
use super::lines::{
    By, ChainRole, ConfigField, ConfigFields, FmtSink, LineSink, LineSource, SetRole, What,
};
use crate::model::ip::{Cidr, IpFamily, join_host_port};
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::net::IpAddr;

/// The name of kube-proxy's table in both families.
pub const TABLE: &str = "kube-proxy";
/// The comment kube-proxy puts on its table.
pub const TABLE_COMMENT: &str = "rules for kube-proxy";

/// The nftables address families kube-proxy uses: one table per IP family.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Family {
    /// `ip`: the IPv4 proxier's table.
    Ip,
    /// `ip6`: the IPv6 proxier's table.
    Ip6,
}

impl Family {
    pub fn of(family: IpFamily) -> Family {
        match family {
            IpFamily::IPv4 => Family::Ip,
            IpFamily::IPv6 => Family::Ip6,
        }
    }

    pub fn ip_family(self) -> IpFamily {
        match self {
            Family::Ip => IpFamily::IPv4,
            Family::Ip6 => IpFamily::IPv6,
        }
    }

    /// `ip` or `ip6`, as in `table ip kube-proxy` and `ip daddr`.
    pub fn as_str(self) -> &'static str {
        match self {
            Family::Ip => "ip",
            Family::Ip6 => "ip6",
        }
    }

    /// The address data type: `ipv4_addr` or `ipv6_addr`.
    pub fn addr_type(self) -> &'static str {
        match self {
            Family::Ip => "ipv4_addr",
            Family::Ip6 => "ipv6_addr",
        }
    }
}

impl fmt::Display for Family {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The key of a set or map.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyType {
    /// `ipv4_addr`.
    Addr(Family),
    /// `ipv4_addr . inet_proto . inet_service`.
    AddrProtoPort(Family),
    /// `inet_proto . inet_service`.
    ProtoPort,
}

impl fmt::Display for KeyType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyType::Addr(family) => f.write_str(family.addr_type()),
            KeyType::AddrProtoPort(family) => {
                write!(f, "{} . inet_proto . inet_service", family.addr_type())
            }
            KeyType::ProtoPort => f.write_str("inet_proto . inet_service"),
        }
    }
}

/// Flags of a set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SetFlag {
    Dynamic,
    Timeout,
}

impl fmt::Display for SetFlag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SetFlag::Dynamic => "dynamic",
            SetFlag::Timeout => "timeout",
        })
    }
}

/// A named set, or a verdict map (`verdict_map`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Set {
    pub name: String,
    pub key: KeyType,
    /// A map from keys to verdicts (`add map … : verdict`) rather than a set.
    pub verdict_map: bool,
    pub flags: Vec<SetFlag>,
    /// Default timeout of the elements, in seconds.
    pub timeout: Option<u64>,
    pub comment: Option<String>,
    /// The elements (only in a [`Table`]; a declaration in a [`Transaction`] has none).
    pub elements: Vec<Element>,
    /// The size nft gives the set in the kernel: 65535 for a set a rule updates from the
    /// packet path (`update @set { … }`), none otherwise.
    pub size: Option<u32>,
    /// The service port and endpoint a per-endpoint set (ClientIP affinity) is for.
    pub source: Source,
}

impl Set {
    /// A set or map with a key type and a comment, as kube-proxy's fixed objects are.
    pub fn new(name: &str, key: KeyType, verdict_map: bool, comment: &str) -> Set {
        Set {
            name: name.to_string(),
            key,
            verdict_map,
            flags: Vec::new(),
            timeout: None,
            comment: Some(comment.to_string()),
            elements: Vec::new(),
            size: None,
            source: Source::default(),
        }
    }

    /// `add set` or `add map`.
    pub fn kind(&self) -> &'static str {
        if self.verdict_map { "map" } else { "set" }
    }

    /// The element with this key, if any.
    pub fn lookup(&self, key: &Key) -> Option<&Element> {
        self.elements.iter().find(|e| e.key == *key)
    }
}

/// The key of one element.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Key {
    /// `172.30.0.41`.
    Addr(IpAddr),
    /// `172.30.0.41 . tcp . 80`.
    AddrProtoPort(IpAddr, Protocol, u16),
    /// `tcp . 3001`.
    ProtoPort(Protocol, u16),
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Key::Addr(ip) => write!(f, "{ip}"),
            Key::AddrProtoPort(ip, proto, port) => write!(f, "{ip} . {} . {port}", proto.lower()),
            Key::ProtoPort(proto, port) => write!(f, "{} . {port}", proto.lower()),
        }
    }
}

/// What a verdict map element or a rule decides.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    Jump(String),
    Goto(String),
    Return,
    Drop,
    Reject,
    Accept,
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Verdict::Jump(c) => write!(f, "jump {c}"),
            Verdict::Goto(c) => write!(f, "goto {c}"),
            Verdict::Return => f.write_str("return"),
            Verdict::Drop => f.write_str("drop"),
            Verdict::Reject => f.write_str("reject"),
            Verdict::Accept => f.write_str("accept"),
        }
    }
}

/// Which service port and endpoint an object was written for (the provenance every
/// mode shares).
pub type Source = crate::proxy::RuleSource;

/// One element of a set or map.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Element {
    pub key: Key,
    pub comment: Option<String>,
    /// The verdict, for a verdict map.
    pub verdict: Option<Verdict>,
    pub source: Source,
}

impl fmt::Display for Element {
    /// `KEY [comment "C"] [: VERDICT]`, the same in kube-proxy's text and nft's listing.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.key)?;
        if let Some(c) = &self.comment {
            write!(f, " comment \"{c}\"")?;
        }
        if let Some(v) = &self.verdict {
            write!(f, " : {v}")?;
        }
        Ok(())
    }
}

/// Chain types of base chains.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChainType {
    Filter,
    Nat,
}

impl fmt::Display for ChainType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ChainType::Filter => "filter",
            ChainType::Nat => "nat",
        })
    }
}

/// Netfilter hooks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hook {
    Prerouting,
    Input,
    Forward,
    Output,
    Postrouting,
}

impl fmt::Display for Hook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Hook::Prerouting => "prerouting",
            Hook::Input => "input",
            Hook::Forward => "forward",
            Hook::Output => "output",
            Hook::Postrouting => "postrouting",
        })
    }
}

/// What makes a chain a base chain: attached to a hook at a priority.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BaseChain {
    pub type_: ChainType,
    pub hook: Hook,
    pub priority: i32,
}

/// A chain: its declaration, and (in a [`Table`]) its rules.
#[derive(Clone, Debug, PartialEq)]
pub struct Chain {
    pub name: String,
    pub base: Option<BaseChain>,
    pub comment: Option<String>,
    pub rules: Vec<Rule>,
}

impl Chain {
    /// A regular chain.
    pub fn regular(name: &str) -> Chain {
        Chain {
            name: name.to_string(),
            base: None,
            comment: None,
            rules: Vec::new(),
        }
    }
}

/// `saddr` or `daddr`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dir {
    Src,
    Dst,
}

impl fmt::Display for Dir {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Dir::Src => "saddr",
            Dir::Dst => "daddr",
        })
    }
}

/// `==` (written as nothing) or `!=`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Op::Eq => "",
            Op::Ne => "!= ",
        })
    }
}

/// An address in a rule: a bare IP (`172.30.0.41`) or a prefix (`10.0.0.0/8`), kept as
/// kube-proxy wrote it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AddrValue {
    Ip(IpAddr),
    Prefix(Cidr),
}

impl AddrValue {
    pub fn contains(&self, ip: &IpAddr) -> bool {
        match self {
            AddrValue::Ip(a) => a == ip,
            AddrValue::Prefix(c) => c.contains(ip),
        }
    }
}

impl fmt::Display for AddrValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AddrValue::Ip(ip) => write!(f, "{ip}"),
            AddrValue::Prefix(c) => write!(f, "{c}"),
        }
    }
}

/// One expression of a rule: a match or a statement, in kube-proxy's words.
#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    /// `ct state new`.
    CtStateNew,
    /// `ip daddr 172.30.0.41`, `ip saddr != 10.0.0.0/8`.
    Addr {
        family: Family,
        dir: Dir,
        op: Op,
        value: AddrValue,
    },
    /// `ip saddr != { 203.0.113.0/25, 1.2.3.4 }`: an anonymous set.
    AddrSet {
        family: Family,
        dir: Dir,
        op: Op,
        items: Vec<AddrValue>,
    },
    /// `ip daddr @cluster-ips`: membership in a named set.
    AddrLookup {
        family: Family,
        dir: Dir,
        set: String,
    },
    /// `fib saddr type local`: the address is one of the host's own.
    FibLocal(Dir),
    /// `iif cni0`, `iif != veth*`: the local-traffic detector by interface.
    Iif { op: Op, name: String },
    /// `mark and 0x00004000 == 0`: the masquerade bit is clear.
    MarkUnset(u32),
    /// `meta l4proto tcp`.
    L4Proto(Protocol),
    /// `ip daddr . meta l4proto . th dport vmap @service-ips`.
    DestVmap { family: Family, map: String },
    /// `meta l4proto . th dport vmap @service-nodeports`.
    PortVmap { map: String },
    /// `numgen random mod N vmap { 0 : goto A , 1 : goto B }`: uniform random choice.
    Numgen { targets: Vec<String> },
    /// A verdict statement (`jump`, `goto`, `return`, `drop`, `reject`).
    Verdict(Verdict),
    /// `mark set mark or 0x00004000`.
    MarkSetOr(u32),
    /// `mark set mark xor 0x00004000`.
    MarkSetXor(u32),
    /// `masquerade fully-random`.
    MasqueradeFullyRandom,
    /// `dnat to 10.180.0.1:80` (`[fd00::1]:80` for IPv6).
    Dnat { ip: IpAddr, port: u16 },
    /// `update @affinity-… { ip saddr }`: add the source to a dynamic set.
    Update {
        set: String,
        family: Family,
        dir: Dir,
    },
}

/// A mark as kube-proxy formats it: Go's `%#08x`, which pads the digits to eight.
pub struct Mark(pub u32);

impl fmt::Display for Mark {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#010x}", self.0)
    }
}

/// An endpoint `ip:port` as `dnat to` writes it.
struct HostPort(IpAddr, u16);

impl fmt::Display for HostPort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&join_host_port(&self.0, self.1))
    }
}

impl fmt::Display for Expr {
    /// The expression as kube-proxy writes it in its transaction.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::CtStateNew => f.write_str("ct state new"),
            Expr::Addr {
                family,
                dir,
                op,
                value,
            } => write!(f, "{family} {dir} {op}{value}"),
            Expr::AddrSet {
                family,
                dir,
                op,
                items,
            } => {
                write!(f, "{family} {dir} {op}{{ ")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{item}")?;
                }
                f.write_str(" }")
            }
            Expr::AddrLookup { family, dir, set } => write!(f, "{family} {dir} @{set}"),
            Expr::FibLocal(dir) => write!(f, "fib {dir} type local"),
            Expr::Iif { op, name } => write!(f, "iif {op}{name}"),
            Expr::MarkUnset(mark) => write!(f, "mark and {} == 0", Mark(*mark)),
            Expr::L4Proto(p) => write!(f, "meta l4proto {}", p.lower()),
            Expr::DestVmap { family, map } => {
                write!(f, "{family} daddr . meta l4proto . th dport vmap @{map}")
            }
            Expr::PortVmap { map } => write!(f, "meta l4proto . th dport vmap @{map}"),
            Expr::Numgen { targets } => {
                write!(f, "numgen random mod {} vmap {{ ", targets.len())?;
                for (i, t) in targets.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" , ")?;
                    }
                    write!(f, "{i} : goto {t}")?;
                }
                f.write_str(" }")
            }
            Expr::Verdict(v) => write!(f, "{v}"),
            Expr::MarkSetOr(mark) => write!(f, "mark set mark or {}", Mark(*mark)),
            Expr::MarkSetXor(mark) => write!(f, "mark set mark xor {}", Mark(*mark)),
            Expr::MasqueradeFullyRandom => f.write_str("masquerade fully-random"),
            Expr::Dnat { ip, port } => write!(f, "dnat to {}", HostPort(*ip, *port)),
            Expr::Update { set, family, dir } => write!(f, "update @{set} {{ {family} {dir} }}"),
        }
    }
}

/// One rule: expressions in order, and an optional comment.
#[derive(Clone, Debug, PartialEq)]
pub struct Rule {
    pub exprs: Vec<Expr>,
    pub comment: Option<String>,
    pub source: Source,
}

impl Rule {
    pub fn new(exprs: Vec<Expr>) -> Rule {
        Rule {
            exprs,
            comment: None,
            source: Source::default(),
        }
    }

    pub fn with_comment(mut self, comment: &str) -> Rule {
        self.comment = Some(comment.to_string());
        self
    }

    pub fn from(mut self, source: Source) -> Rule {
        self.source = source;
        self
    }
}

impl fmt::Display for Rule {
    /// The rule as kube-proxy writes it after `add rule ip kube-proxy CHAIN`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.exprs.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            write!(f, "{e}")?;
        }
        if let Some(c) = &self.comment {
            write!(f, " comment \"{c}\"")?;
        }
        Ok(())
    }
}

/// One operation of a transaction.
#[derive(Clone, Debug, PartialEq)]
pub enum Operation {
    /// `add table ip kube-proxy { comment "…" ; }`.
    AddTable { comment: String },
    /// `add set …` / `add map …` (the set's elements are ignored).
    AddSet(Set),
    /// `add chain …` (the chain's rules are ignored).
    AddChain(Chain),
    /// `add rule ip kube-proxy CHAIN RULE`.
    AddRule { chain: String, rule: Rule },
    /// `add element ip kube-proxy SET { ELEMENT }`.
    AddElement { set: String, element: Element },
}

/// A group of operations printed together, after an optional `# heading` comment line
/// (the Service port they are for).
#[derive(Clone, Debug, PartialEq)]
pub struct Section {
    pub heading: Option<String>,
    pub operations: Vec<Operation>,
}

/// What kube-proxy sends to the kernel for one family, in an order `nft -f` can load:
/// the table, every set, every map, the fixed chains and rules, then one section per
/// service port (its chains, their rules, its elements).
#[derive(Clone, Debug, PartialEq)]
pub struct Transaction {
    pub family: Family,
    pub sections: Vec<Section>,
}

impl Transaction {
    /// Every operation, in order.
    pub fn operations(&self) -> impl Iterator<Item = &Operation> {
        self.sections.iter().flat_map(|s| s.operations.iter())
    }

    /// What the kernel holds after running the transaction on a node without the table.
    /// Operations on objects that do not exist are ignored (the real kernel would refuse
    /// the whole transaction; [`render`] never writes one).
    pub fn apply(&self) -> Table {
        let mut table = Table {
            family: self.family,
            comment: None,
            sets: Vec::new(),
            chains: Vec::new(),
        };
        // Sets, chains and set elements looked up by name and key, not by walking lists:
        // a 5,000-Service cluster's transaction adds ~10⁵ chains and rules (walked, the
        // listing took a minute).
        let mut sets: HashMap<&str, (usize, HashSet<Key>)> = HashMap::new();
        let mut chains: HashMap<&str, usize> = HashMap::new();
        for op in self.operations() {
            match op {
                Operation::AddTable { comment } => table.comment = Some(comment.clone()),
                Operation::AddSet(set) => {
                    if !sets.contains_key(set.name.as_str()) {
                        sets.insert(&set.name, (table.sets.len(), HashSet::new()));
                        let mut set = set.clone();
                        set.elements.clear();
                        table.sets.push(set);
                    }
                }
                Operation::AddChain(chain) => {
                    if !chains.contains_key(chain.name.as_str()) {
                        chains.insert(&chain.name, table.chains.len());
                        let mut chain = chain.clone();
                        chain.rules.clear();
                        table.chains.push(chain);
                    }
                }
                Operation::AddRule { chain, rule } => {
                    // nft sizes a set that a rule updates from the packet path.
                    for e in &rule.exprs {
                        if let Expr::Update { set, .. } = e {
                            if let Some((at, _)) = sets.get(set.as_str()) {
                                table.sets[*at].size = Some(65535);
                            }
                        }
                    }
                    if let Some(&at) = chains.get(chain.as_str()) {
                        table.chains[at].rules.push(rule.clone());
                    }
                }
                Operation::AddElement { set, element } => {
                    if let Some((at, keys)) = sets.get_mut(set.as_str()) {
                        if keys.insert(element.key) {
                            table.sets[*at].elements.push(element.clone());
                        }
                    }
                }
            }
        }
        table
    }
}

/// One operation as a line of the transaction text.
pub struct Line<'a> {
    pub family: Family,
    pub operation: &'a Operation,
}

impl fmt::Display for Line<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let family = self.family;
        match self.operation {
            Operation::AddTable { comment } => {
                write!(
                    f,
                    "add table {family} {TABLE} {{ comment \"{comment}\" ; }}"
                )
            }
            Operation::AddSet(set) => {
                write!(
                    f,
                    "add {} {family} {TABLE} {} {{ type {}",
                    set.kind(),
                    set.name,
                    set.key
                )?;
                if set.verdict_map {
                    f.write_str(" : verdict")?;
                }
                f.write_str(" ;")?;
                if !set.flags.is_empty() {
                    f.write_str(" flags ")?;
                    for (i, flag) in set.flags.iter().enumerate() {
                        if i > 0 {
                            f.write_str(",")?;
                        }
                        write!(f, "{flag}")?;
                    }
                    f.write_str(" ;")?;
                }
                if let Some(t) = set.timeout {
                    write!(f, " timeout {t}s ;")?;
                }
                if let Some(c) = &set.comment {
                    write!(f, " comment \"{c}\" ;")?;
                }
                f.write_str(" }")
            }
            Operation::AddChain(chain) => {
                write!(f, "add chain {family} {TABLE} {}", chain.name)?;
                if chain.base.is_none() && chain.comment.is_none() {
                    return Ok(());
                }
                f.write_str(" {")?;
                if let Some(b) = chain.base {
                    write!(
                        f,
                        " type {} hook {} priority {} ;",
                        b.type_, b.hook, b.priority
                    )?;
                }
                if let Some(c) = &chain.comment {
                    write!(f, " comment \"{c}\" ;")?;
                }
                f.write_str(" }")
            }
            Operation::AddRule { chain, rule } => {
                write!(f, "add rule {family} {TABLE} {chain} {rule}")
            }
            Operation::AddElement { set, element } => {
                write!(f, "add element {family} {TABLE} {set} {{ {element} }}")
            }
        }
    }
}

impl Rule {
    /// The configuration fields the rule's expressions come from: the masquerade mark
    /// and the local-traffic detector.
    pub fn config_fields(&self) -> ConfigFields {
        self.exprs
            .iter()
            .fold(ConfigFields::NONE, |fields, e| match e {
                Expr::MarkUnset(_) | Expr::MarkSetOr(_) | Expr::MarkSetXor(_) => {
                    fields.with(ConfigField::MasqueradeBit)
                }
                Expr::Iif { .. }
                | Expr::Addr {
                    dir: Dir::Src,
                    op: Op::Ne,
                    value: AddrValue::Prefix(_),
                    ..
                } => fields.with(ConfigField::DetectLocal),
                _ => fields,
            })
    }
}

impl Operation {
    /// What the operation's line was written for. Objects of no service port are
    /// `setupNFTables`'s (the table, base chains, sets, maps and fixed rules), the rest
    /// `syncProxyRules`'s.
    pub fn line_source(&self) -> LineSource {
        let by = |source: &Source| {
            if source.service_port.is_some() {
                By::NftSync
            } else {
                By::NftSetup
            }
        };
        match self {
            Operation::AddTable { .. } => LineSource::layout(By::NftSetup),
            Operation::AddSet(set) => LineSource::of(
                by(&set.source),
                set.source,
                What::Set(SetRole::of_nft(&set.name)),
            ),
            Operation::AddChain(chain) => {
                LineSource::fixed(By::NftSetup, What::Chain(ChainRole::of_nft(&chain.name)))
            }
            Operation::AddRule { chain, rule } => {
                LineSource::of(by(&rule.source), rule.source, rule.what(chain))
                    .with_config(rule.config_fields())
            }
            Operation::AddElement { set, element } => {
                let mut source = LineSource::of(By::NftSync, element.source, element.what(set));
                if element.source.service_port.is_none() {
                    // The node addresses of `nodeport-ips` come from `nodePortAddresses`.
                    source.config = ConfigFields::NONE.with(ConfigField::NodePortAddresses);
                }
                source
            }
        }
    }
}

impl Transaction {
    /// The `nft -f` input line by line: sections separated by blank lines, each after its
    /// heading. A section's heading and chains are attributed to the service port its
    /// rules and elements were written for (an endpoint's chain to its endpoint).
    pub fn write_lines(&self, sink: &mut dyn LineSink) -> fmt::Result {
        let recording = sink.records_sources();
        for (i, section) in self.sections.iter().enumerate() {
            if i > 0 {
                sink.line(LineSource::layout(By::NftSync), format_args!(""))?;
            }
            let port = section
                .operations
                .iter()
                .filter(|_| recording)
                .find_map(|o| {
                    let rule = o.line_source().rule;
                    rule.service_port.map(|_| Source {
                        service_port: rule.service_port,
                        endpoint: None,
                    })
                });
            if let Some(h) = &section.heading {
                let source = match port {
                    Some(p) => LineSource::of(By::NftSync, p, What::Note),
                    None => LineSource::fixed(By::NftSync, What::Note),
                };
                sink.line(source, format_args!("# {h}"))?;
            }
            for operation in &section.operations {
                let source = match operation {
                    _ if !recording => LineSource::layout(By::NftSync),
                    Operation::AddChain(chain) => match port {
                        Some(p) => {
                            let role = ChainRole::of_nft(&chain.name);
                            LineSource::of(
                                By::NftSync,
                                chain_source(section, &chain.name, p, role),
                                What::Chain(role),
                            )
                        }
                        None => operation.line_source(),
                    },
                    _ => operation.line_source(),
                };
                let line = Line {
                    family: self.family,
                    operation,
                };
                sink.line(source, format_args!("{line}"))?;
            }
        }
        Ok(())
    }
}

/// The source of a per-service chain's declaration: its service port, and for an
/// endpoint's chain the endpoint its rules were written for.
fn chain_source(section: &Section, chain: &str, port: Source, role: ChainRole) -> Source {
    if role != ChainRole::Endpoint {
        return port;
    }
    section
        .operations
        .iter()
        .find_map(|o| match o {
            Operation::AddRule { chain: c, rule } if c == chain => Some(rule.source),
            _ => None,
        })
        .unwrap_or(port)
}

impl fmt::Display for Transaction {
    /// The `nft -f` input: sections separated by blank lines, each after its heading.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_lines(&mut FmtSink(f))
    }
}

/// The `kube-proxy` table of one family as the kernel holds it. Its `Display` is what
/// `nft list table ip kube-proxy` prints ([`list`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    pub family: Family,
    pub comment: Option<String>,
    /// Sets and maps in creation order.
    pub sets: Vec<Set>,
    /// Chains in creation order.
    pub chains: Vec<Chain>,
}

impl Table {
    pub fn set(&self, name: &str) -> Option<&Set> {
        self.sets.iter().find(|s| s.name == name)
    }

    pub fn chain(&self, name: &str) -> Option<&Chain> {
        self.chains.iter().find(|c| c.name == name)
    }

    /// One transaction that recreates the table on a node without it (knftables' dump
    /// form): the table, its sets and maps, its chains, their rules, then the elements.
    pub fn dump(&self) -> Transaction {
        let mut operations = vec![Operation::AddTable {
            comment: self.comment.clone().unwrap_or_default(),
        }];
        operations.extend(self.sets.iter().map(|s| Operation::AddSet(s.clone())));
        operations.extend(self.chains.iter().map(|c| Operation::AddChain(c.clone())));
        for chain in &self.chains {
            operations.extend(chain.rules.iter().map(|rule| Operation::AddRule {
                chain: chain.name.clone(),
                rule: rule.clone(),
            }));
        }
        for set in &self.sets {
            operations.extend(set.elements.iter().map(|element| Operation::AddElement {
                set: set.name.clone(),
                element: element.clone(),
            }));
        }
        Transaction {
            family: self.family,
            sections: vec![Section {
                heading: None,
                operations,
            }],
        }
    }
}

/// What kube-proxy programs for one family: the transaction it sends and the table the
/// kernel then holds.
#[derive(Clone, Debug, PartialEq)]
pub struct Ruleset {
    pub transaction: Transaction,
    pub table: Table,
}

impl Ruleset {
    pub fn family(&self) -> Family {
        self.transaction.family
    }
}

/// Renders and applies: the transaction and the resulting table.
pub fn ruleset(facts: &super::ProxyFacts) -> Ruleset {
    let transaction = render(facts);
    let table = transaction.apply();
    Ruleset { transaction, table }
}
