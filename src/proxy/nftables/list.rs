//! What `nft list table ip kube-proxy` prints (nft 1.0.6), as `Display` impls.
//!
//! nft reads the table back from the kernel and prints it in its own words, which differ
//! from what kube-proxy wrote in several ways, all checked against the real nft 1.0.6 and a
//! real kernel (`tests/kernel_nft.rs`):
//!
//! - objects in the kernel's order: sets and maps as created, then chains as created, a
//!   blank line between two objects, tabs for indentation;
//! - `mark` statements as `meta mark`, with eight hex digits (`meta mark & 0x00004000 ==
//!   0x00000000`);
//! - base chains as `type filter hook prerouting priority dstnat - 10; policy accept;`,
//!   naming a standard priority within 10 of the value when nft knows one for that hook;
//! - anonymous sets sorted and merged into maximal intervals (`{ 10.0.0.0/24,
//!   10.0.1.0/24 }` becomes `{ 10.0.0.0/23 }`); a set written with one element loses its
//!   braces; host prefixes lose their `/32`;
//! - set elements in nft's sort order, not insertion order: by value for plain addresses,
//!   and for concatenations (`addr . proto . port`) by the concatenated bytes read as a
//!   host-endian (little-endian) number, so the last byte of the port counts most;
//! - elements wrapped two per line for IPv4 addresses and one per line otherwise;
//! - timeouts as `3h`, `1m40s`; sets updated from the packet path as `size 65535`.

use super::{
    AddrValue, Chain, ChainType, Element, Expr, Family, Hook, Key, KeyType, Rule, Set, TABLE, Table,
};
use crate::proxy::lines::{
    By, ChainRole, ConfigField, ConfigFields, FmtSink, LineSink, LineSource, SetRole, What,
};
use std::cmp::Ordering;
use std::fmt;
use std::net::IpAddr;

/// An expression as nft lists it.
pub struct Listed<'a, T>(pub &'a T);

/// A timeout as nft prints it: `3h`, `1m40s`, `1d1h1m1s`.
pub struct Duration(pub u64);

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = self.0;
        if s == 0 {
            return f.write_str("0s");
        }
        for (unit, size) in [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)] {
            if s >= size {
                write!(f, "{}{unit}", s / size)?;
                s %= size;
            }
        }
        Ok(())
    }
}

/// A base chain's priority as nft 1.0.6 names it (`prio2str`): the standard priority
/// within 10 of the value, if that name is valid for the hook; else the number.
pub struct Priority {
    pub hook: Hook,
    pub value: i32,
}

impl fmt::Display for Priority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const STANDARD: [(i32, &str); 6] = [
            (-300, "raw"),
            (-150, "mangle"),
            (-100, "dstnat"),
            (0, "filter"),
            (50, "security"),
            (100, "srcnat"),
        ];
        for (value, name) in STANDARD {
            if (self.value - value).abs() <= 10 {
                let allowed = match name {
                    "dstnat" => self.hook == Hook::Prerouting,
                    "srcnat" => self.hook == Hook::Postrouting,
                    _ => true,
                };
                if !allowed {
                    break;
                }
                let offset = self.value - value;
                return match offset.cmp(&0) {
                    Ordering::Greater => write!(f, "{name} + {offset}"),
                    Ordering::Less => write!(f, "{name} - {}", -offset),
                    Ordering::Equal => f.write_str(name),
                };
            }
        }
        write!(f, "{}", self.value)
    }
}

/// A mark constant as nft prints it: eight hex digits.
struct Hex(u32);

impl fmt::Display for Hex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#010x}", self.0)
    }
}

fn ip_bits(ip: &IpAddr) -> u128 {
    match ip {
        IpAddr::V4(a) => u128::from(u32::from(*a)),
        IpAddr::V6(a) => u128::from(*a),
    }
}

fn ip_from_bits(family: Family, bits: u128) -> IpAddr {
    match family {
        Family::Ip => IpAddr::V4(std::net::Ipv4Addr::from(bits as u32)),
        Family::Ip6 => IpAddr::V6(std::net::Ipv6Addr::from(bits)),
    }
}

fn family_bits(family: Family) -> u32 {
    match family {
        Family::Ip => 32,
        Family::Ip6 => 128,
    }
}

/// The closed interval of addresses an item covers.
fn interval(item: &AddrValue, family: Family) -> (u128, u128) {
    match item {
        AddrValue::Ip(ip) => (ip_bits(ip), ip_bits(ip)),
        AddrValue::Prefix(c) => {
            let start = ip_bits(&c.addr);
            let host_bits = family_bits(family) - u32::from(c.prefix);
            let span = if host_bits >= 128 {
                u128::MAX
            } else {
                (1u128 << host_bits) - 1
            };
            (start, start.saturating_add(span))
        }
    }
}

/// One merged interval as nft prints it: an address, a prefix, or `start-end`.
struct Interval {
    family: Family,
    start: u128,
    end: u128,
}

impl fmt::Display for Interval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let family = self.family;
        let start = ip_from_bits(family, self.start);
        if self.start == self.end {
            return write!(f, "{start}");
        }
        // The number of addresses; 0 stands for all 2^128 IPv6 addresses.
        let size = self.end.wrapping_sub(self.start).wrapping_add(1);
        let width = family_bits(family);
        // A whole address space, or an aligned power-of-two block, is a prefix.
        let prefix = if size == 0 {
            Some(0)
        } else if size.is_power_of_two() && self.start % size == 0 {
            Some(width - size.trailing_zeros())
        } else {
            None
        };
        match prefix {
            Some(p) => write!(f, "{start}/{p}"),
            None => write!(f, "{start}-{}", ip_from_bits(family, self.end)),
        }
    }
}

/// Sorts and merges overlapping or adjacent intervals, as nft does for anonymous sets.
fn merge(family: Family, items: &[AddrValue]) -> Vec<Interval> {
    let mut spans: Vec<(u128, u128)> = items.iter().map(|i| interval(i, family)).collect();
    crate::sort::sort(&mut spans);
    let mut out: Vec<Interval> = Vec::new();
    for (start, end) in spans {
        match out.last_mut() {
            Some(last) if start <= last.end.saturating_add(1) => {
                last.end = last.end.max(end);
            }
            _ => out.push(Interval { family, start, end }),
        }
    }
    out
}

/// An address as nft prints a single one: a host prefix loses its length.
struct ListedAddr<'a>(&'a AddrValue);

impl fmt::Display for ListedAddr<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            AddrValue::Prefix(c) if c.prefix == c.family().bits() => write!(f, "{}", c.addr),
            other => write!(f, "{other}"),
        }
    }
}

impl fmt::Display for Listed<'_, Expr> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Expr::Addr {
                family,
                dir,
                op,
                value,
            } => write!(f, "{family} {dir} {op}{}", ListedAddr(value)),
            Expr::AddrSet {
                family,
                dir,
                op,
                items,
            } => {
                if items.len() == 1 {
                    // nft turns a one-element anonymous set into a plain comparison.
                    return write!(f, "{family} {dir} {op}{}", ListedAddr(&items[0]));
                }
                write!(f, "{family} {dir} {op}{{ ")?;
                for (i, interval) in merge(*family, items).iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{interval}")?;
                }
                f.write_str(" }")
            }
            Expr::Iif { op, name } => write!(f, "iif {op}\"{name}\""),
            Expr::MarkUnset(mark) => {
                write!(f, "meta mark & {} == {}", Hex(*mark), Hex(0))
            }
            Expr::Numgen { targets } => {
                write!(f, "numgen random mod {} vmap {{ ", targets.len())?;
                for (i, t) in targets.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{i} : goto {t}")?;
                }
                f.write_str(" }")
            }
            Expr::MarkSetOr(mark) => write!(f, "meta mark set meta mark | {}", Hex(*mark)),
            Expr::MarkSetXor(mark) => write!(f, "meta mark set meta mark ^ {}", Hex(*mark)),
            // The rest reads back exactly as kube-proxy wrote it.
            other => write!(f, "{other}"),
        }
    }
}

impl fmt::Display for Listed<'_, Rule> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.exprs.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            write!(f, "{}", Listed(e))?;
        }
        if let Some(c) = &self.0.comment {
            write!(f, " comment \"{c}\"")?;
        }
        Ok(())
    }
}

/// nft's sort key of an element (`expr_msort_cmp`): a plain value by its number; a
/// concatenation by its bytes (each field in its own byte order: addresses and ports
/// big-endian, the protocol one byte) read as one host-endian number. Comparing the
/// reversed bytes does that on the little-endian machines nft runs on.
pub(crate) fn sort_key(key: &Key) -> Vec<u8> {
    let ip_bytes = |ip: &IpAddr| match ip {
        IpAddr::V4(a) => a.octets().to_vec(),
        IpAddr::V6(a) => a.octets().to_vec(),
    };
    match key {
        Key::Addr(ip) => ip_bytes(ip),
        Key::AddrProtoPort(ip, proto, port) => {
            let mut bytes = ip_bytes(ip);
            bytes.push(protocol_number(*proto));
            bytes.extend_from_slice(&port.to_be_bytes());
            bytes.reverse();
            bytes
        }
        Key::ProtoPort(proto, port) => {
            let mut bytes = vec![protocol_number(*proto)];
            bytes.extend_from_slice(&port.to_be_bytes());
            bytes.reverse();
            bytes
        }
    }
}

/// IANA protocol numbers.
fn protocol_number(p: crate::proxy::Protocol) -> u8 {
    match p {
        crate::proxy::Protocol::Tcp => 6,
        crate::proxy::Protocol::Udp => 17,
        crate::proxy::Protocol::Sctp => 132,
    }
}

/// The elements of a set as nft orders them.
pub fn sorted_elements(set: &Set) -> Vec<&Element> {
    let mut elements: Vec<&Element> = set.elements.iter().collect();
    crate::sort::sort_by_cached_key(&mut elements, |e| sort_key(&e.key));
    elements
}

/// Who writes a set's or chain's objects: `syncProxyRules` for a service port's,
/// `setupNFTables` for the fixed ones.
fn by(source: &super::Source) -> By {
    if source.service_port.is_some() {
        By::NftSync
    } else {
        By::NftSetup
    }
}

impl Listed<'_, Set> {
    /// The set as nft lists it, line by line: its declaration lines with the set's
    /// source, each line of elements with its elements' sources.
    pub fn write_lines(&self, sink: &mut dyn LineSink) -> fmt::Result {
        let set = self.0;
        let head = LineSource::of(
            by(&set.source),
            set.source,
            What::Set(SetRole::of_nft(&set.name)),
        );
        let map = if set.verdict_map { " : verdict" } else { "" };
        sink.line(head, format_args!("\t{} {} {{", set.kind(), set.name))?;
        sink.line(head, format_args!("\t\ttype {}{map}", set.key))?;
        if let Some(size) = set.size {
            sink.line(head, format_args!("\t\tsize {size}"))?;
        }
        if !set.flags.is_empty() {
            let flags: Vec<String> = set.flags.iter().map(|f| f.to_string()).collect();
            sink.line(head, format_args!("\t\tflags {}", flags.join(",")))?;
        }
        if let Some(t) = set.timeout {
            sink.line(head, format_args!("\t\ttimeout {}", Duration(t)))?;
        }
        if let Some(c) = &set.comment {
            sink.line(head, format_args!("\t\tcomment \"{c}\""))?;
        }
        if !set.elements.is_empty() {
            // Plain IPv4 addresses go two to a line; anything wider one to a line.
            let per_line = match set.key {
                KeyType::Addr(Family::Ip) => 2,
                _ => 1,
            };
            let elements = sorted_elements(set);
            let chunks: Vec<&[&Element]> = elements.chunks(per_line).collect();
            let recording = sink.records_sources();
            let source = |e: &Element| {
                if !recording {
                    return head;
                }
                let mut source = LineSource::of(By::NftSync, e.source, e.what(&set.name));
                if e.source.service_port.is_none() {
                    source.config = ConfigFields::NONE.with(ConfigField::NodePortAddresses);
                }
                source
            };
            for (i, chunk) in chunks.iter().enumerate() {
                let mut text = String::new();
                for (j, e) in chunk.iter().enumerate() {
                    if j > 0 {
                        text.push_str(", ");
                    }
                    text.push_str(&e.to_string());
                }
                let first = i == 0;
                let last = i + 1 == chunks.len();
                let open = if first {
                    "\t\telements = { "
                } else {
                    "\t\t\t     "
                };
                let close = if last { " }" } else { "," };
                sink.line(source(chunk[0]), format_args!("{open}{text}{close}"))?;
                for e in &chunk[1..] {
                    sink.also(source(e));
                }
            }
        }
        sink.line(head, format_args!("\t}}"))
    }
}

impl fmt::Display for Listed<'_, Set> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_lines(&mut FmtSink(f))
    }
}

impl Listed<'_, Chain> {
    /// The chain as nft lists it, line by line: its declaration with the source of its
    /// rules' service port (and endpoint, for an endpoint's chain), then its rules.
    pub fn write_lines(&self, sink: &mut dyn LineSink) -> fmt::Result {
        let chain = self.0;
        let role = ChainRole::of_nft(&chain.name);
        let first = chain
            .rules
            .iter()
            .map(|r| r.source)
            .find(|s| s.service_port.is_some())
            .unwrap_or_default();
        let source = super::Source {
            service_port: first.service_port,
            endpoint: first.endpoint.filter(|_| role == ChainRole::Endpoint),
        };
        let head = LineSource::of(by(&source), source, What::Chain(role));
        sink.line(head, format_args!("\tchain {} {{", chain.name))?;
        if let Some(c) = &chain.comment {
            sink.line(head, format_args!("\t\tcomment \"{c}\""))?;
        }
        if let Some(b) = chain.base {
            let type_ = match b.type_ {
                ChainType::Filter => "filter",
                ChainType::Nat => "nat",
            };
            sink.line(
                head,
                format_args!(
                    "\t\ttype {type_} hook {} priority {}; policy accept;",
                    b.hook,
                    Priority {
                        hook: b.hook,
                        value: b.priority
                    }
                ),
            )?;
        }
        let recording = sink.records_sources();
        for rule in &chain.rules {
            let source = if recording {
                LineSource::of(by(&rule.source), rule.source, rule.what(&chain.name))
                    .with_config(rule.config_fields())
            } else {
                head
            };
            sink.line(source, format_args!("\t\t{}", Listed(rule)))?;
        }
        sink.line(head, format_args!("\t}}"))
    }
}

impl fmt::Display for Listed<'_, Chain> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_lines(&mut FmtSink(f))
    }
}

impl Table {
    /// `nft list table ip kube-proxy`, line by line.
    pub fn write_lines(&self, sink: &mut dyn LineSink) -> fmt::Result {
        let layout = LineSource::layout(By::NftList);
        sink.line(layout, format_args!("table {} {TABLE} {{", self.family))?;
        if let Some(c) = &self.comment {
            sink.line(
                LineSource::layout(By::NftSetup),
                format_args!("\tcomment \"{c}\""),
            )?;
        }
        let mut first = true;
        for set in &self.sets {
            if !first {
                sink.line(layout, format_args!(""))?;
            }
            first = false;
            Listed(set).write_lines(sink)?;
        }
        for chain in &self.chains {
            if !first {
                sink.line(layout, format_args!(""))?;
            }
            first = false;
            Listed(chain).write_lines(sink)?;
        }
        sink.line(layout, format_args!("}}"))
    }
}

impl fmt::Display for Table {
    /// `nft list table ip kube-proxy`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_lines(&mut FmtSink(f))
    }
}

/// `nft list chain ip kube-proxy NAME`: one chain inside its table's braces (without the
/// table's comment).
pub struct ChainOf<'a>(pub &'a Table, pub &'a Chain);

impl fmt::Display for ChainOf<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "table {} {TABLE} {{", self.0.family)?;
        write!(f, "{}", Listed(self.1))?;
        writeln!(f, "}}")
    }
}

/// `nft list set ip kube-proxy NAME` (or `list map`): one set inside its table's braces.
pub struct SetOf<'a>(pub &'a Table, pub &'a Set);

impl fmt::Display for SetOf<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "table {} {TABLE} {{", self.0.family)?;
        write!(f, "{}", Listed(self.1))?;
        writeln!(f, "}}")
    }
}

/// `nft list tables`: one `table FAMILY NAME` line per table.
pub struct Tables<'a>(pub &'a [Table]);

impl fmt::Display for Tables<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for table in self.0 {
            writeln!(f, "table {} {TABLE}", table.family)?;
        }
        Ok(())
    }
}

/// `nft list ruleset`: every table, one after the other.
pub struct Ruleset<'a>(pub &'a [Table]);

impl fmt::Display for Ruleset<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for table in self.0 {
            write!(f, "{table}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ip::Cidr;

    #[test]
    fn durations_read_like_nft() {
        assert_eq!(Duration(10800).to_string(), "3h");
        assert_eq!(Duration(100).to_string(), "1m40s");
        assert_eq!(Duration(86400).to_string(), "1d");
        assert_eq!(Duration(90061).to_string(), "1d1h1m1s");
    }

    #[test]
    fn priorities_are_named_per_hook() {
        let p = |hook, value| Priority { hook, value }.to_string();
        assert_eq!(p(Hook::Prerouting, -110), "dstnat - 10");
        assert_eq!(p(Hook::Output, -110), "-110");
        assert_eq!(p(Hook::Output, -100), "-100");
        assert_eq!(p(Hook::Forward, 0), "filter");
        assert_eq!(p(Hook::Postrouting, 100), "srcnat");
        assert_eq!(p(Hook::Prerouting, -100), "dstnat");
    }

    #[test]
    fn anonymous_sets_merge_like_nft() {
        let c = |s: &str| AddrValue::Prefix(Cidr::parse_sloppy(s).unwrap());
        let ip = |s: &str| AddrValue::Ip(s.parse().unwrap());
        let items = vec![
            c("192.168.0.0/24"),
            c("203.0.113.0/25"),
            ip("1.2.3.4"),
            ip("5.6.7.8"),
            c("192.168.1.0/24"),
            ip("192.168.0.7"),
            ip("10.0.0.1"),
            ip("10.0.0.2"),
            ip("10.0.0.3"),
        ];
        let e = Expr::AddrSet {
            family: Family::Ip,
            dir: super::super::Dir::Src,
            op: super::super::Op::Ne,
            items,
        };
        assert_eq!(
            Listed(&e).to_string(),
            "ip saddr != { 1.2.3.4, 5.6.7.8, 10.0.0.1-10.0.0.3, 192.168.0.0/23, 203.0.113.0/25 }"
        );
    }

    #[test]
    fn concatenations_sort_by_host_endian_bytes() {
        use crate::proxy::Protocol::*;
        let k = |ip: &str, p, port| Key::AddrProtoPort(ip.parse().unwrap(), p, port);
        let mut keys = [
            k("10.0.0.1", Tcp, 81),
            k("10.0.0.1", Tcp, 336),
            k("10.0.0.1", Sctp, 80),
            k("10.0.0.1", Udp, 80),
            k("10.0.0.2", Tcp, 80),
            k("11.0.0.1", Tcp, 80),
            k("10.0.0.1", Tcp, 80),
        ];
        crate::sort::sort_by_key(&mut keys, sort_key);
        let text: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
        assert_eq!(
            text,
            [
                "10.0.0.1 . tcp . 80",
                "11.0.0.1 . tcp . 80",
                "10.0.0.2 . tcp . 80",
                "10.0.0.1 . udp . 80",
                "10.0.0.1 . sctp . 80",
                "10.0.0.1 . tcp . 336",
                "10.0.0.1 . tcp . 81",
            ]
        );
    }
}
