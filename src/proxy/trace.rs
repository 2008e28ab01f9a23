//! Packet walks, the same shape for every proxy mode.
//!
//! A [`Trace`] is the list of [`Hop`]s a packet takes through a node's rules (iptables
//! chains, IPVS virtual servers, nftables chains), and where it ends up. Its `Display` ends
//! with the two lines of the command-line contract: `result: <R>` and `masquerade: <bool>`,
//! where `<R>` is every DNAT destination the packet can reach in rule order joined by `, `,
//! or `ACCEPT`, `DROP`, `REJECT`, or nothing.
//!
//! A hop says which rule matched ([`RuleRef`]: table, chain, position, and the Service
//! port and endpoint the rule was written for), what it did ([`HopKind`] and a verdict in
//! words), and which written object produced it (`object`, a raw object id), so the page
//! can link every step to the rule and the rule to the YAML.

use super::Protocol;
use std::fmt;
use std::net::IpAddr;

/// A packet to walk: the first packet of a connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Packet {
    pub src: IpAddr,
    pub dst: IpAddr,
    pub dport: u16,
    pub protocol: Protocol,
}

impl fmt::Display for Packet {
    /// `TCP 10.0.0.2 -> 172.30.0.41:80`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} -> {}",
            self.protocol.as_str(),
            self.src,
            crate::model::ip::join_host_port(&self.dst, self.dport)
        )
    }
}

/// What a hop did to the packet.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum HopKind {
    /// The rule matched and the walk went on (a counting rule, a mark, a random branch
    /// not taken).
    #[default]
    Match,
    /// Into another chain (or virtual server).
    Jump,
    /// The packet was marked for masquerading.
    Masquerade,
    /// The destination was rewritten.
    Dnat,
    /// A final verdict: accepted, dropped or rejected.
    Verdict,
    /// Back to the calling chain.
    Return,
}

/// Where the rule of a hop lives in the mode's typed rules.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct RuleRef {
    /// `nat`, `filter`, … (for IPVS: `ipvs`).
    pub table: String,
    pub chain: String,
    /// The rule's position, from 0, among the rules of its chain written for the same
    /// service port and endpoint (the same [`RuleSource`](super::RuleSource)): a name
    /// for the rule that no other Service's rules can shift, so it stays the same in a
    /// walk through the rules one packet needs and in one through the node's whole set.
    pub index: usize,
    /// The service port the rule was written for (an index into
    /// [`ProxyFacts::service_ports`](super::ProxyFacts)).
    pub service_port: Option<usize>,
    /// The endpoint (an index into that service port's `endpoints`).
    pub endpoint: Option<usize>,
}

/// One step of a walk.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Hop {
    /// Nesting depth (a jump into a chain adds one).
    pub depth: usize,
    /// Where the rule is: `nat KUBE-SERVICES`, `ipvs TCP 10.96.0.10:53 rr`, ...
    pub location: String,
    /// The rule as the mode's own tool prints it.
    pub rule: String,
    /// What the rule did to the packet: `jump to KUBE-SVC-…`, `DNAT to 10.0.1.2:80`, ...
    pub verdict: String,
    /// The written object (raw object id) the rule was made for, if any.
    pub object: Option<usize>,
    pub kind: HopKind,
    /// The rule, for links; `None` for hops that are not rules.
    pub rule_ref: Option<RuleRef>,
}

/// Where a walk ends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// DNAT to these destinations (several when a random choice was followed both ways).
    Dnat(Vec<String>),
    Accept,
    Drop,
    Reject,
    /// No kube-proxy rule applied.
    Nothing,
    /// Several ends of different kinds, in order (a DNAT, then a filter verdict on the
    /// rewritten packet).
    Several(Vec<String>),
}

impl Outcome {
    /// The outcome of a walk's outputs in order: `ip:port` destinations or the words
    /// `ACCEPT`, `DROP`, `REJECT`.
    pub fn from_outputs(outputs: Vec<String>) -> Outcome {
        let is_verdict = |o: &str| matches!(o, "ACCEPT" | "DROP" | "REJECT");
        match outputs.as_slice() {
            [] => Outcome::Nothing,
            [one] if one == "ACCEPT" => Outcome::Accept,
            [one] if one == "DROP" => Outcome::Drop,
            [one] if one == "REJECT" => Outcome::Reject,
            all if all.iter().all(|o| !is_verdict(o)) => Outcome::Dnat(outputs),
            _ => Outcome::Several(outputs),
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Dnat(to) | Outcome::Several(to) => f.write_str(&to.join(", ")),
            Outcome::Accept => f.write_str("ACCEPT"),
            Outcome::Drop => f.write_str("DROP"),
            Outcome::Reject => f.write_str("REJECT"),
            Outcome::Nothing => Ok(()),
        }
    }
}

/// A whole walk.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Trace {
    pub packet: Packet,
    pub hops: Vec<Hop>,
    pub outcome: Outcome,
    /// The packet is marked for masquerading on some branch.
    pub masquerade: bool,
}

impl fmt::Display for Trace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for hop in &self.hops {
            writeln!(
                f,
                "{:indent$}{}: {}",
                "",
                hop.location,
                hop.rule,
                indent = hop.depth * 2
            )?;
            if !hop.verdict.is_empty() {
                writeln!(
                    f,
                    "{:indent$}  => {}",
                    "",
                    hop.verdict,
                    indent = hop.depth * 2
                )?;
            }
        }
        writeln!(f, "result: {}", self.outcome)?;
        writeln!(f, "masquerade: {}", self.masquerade)
    }
}
