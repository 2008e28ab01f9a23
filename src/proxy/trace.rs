//! Packet walks, the same shape for every proxy mode.
//!
//! A [`Trace`] is the list of [`Hop`]s a packet takes through a node's rules (iptables
//! chains, IPVS virtual servers, nftables chains), and where it ends up. Its `Display` ends
//! with the two lines of the command-line contract: `result: <R>` and `masquerade: <bool>`,
//! where `<R>` is every DNAT destination the packet can reach in rule order joined by `, `,
//! or `ACCEPT`, `DROP`, `REJECT`, or nothing.

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

/// One step of a walk.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hop {
    /// Nesting depth (a jump into a chain adds one).
    pub depth: usize,
    /// Where the rule is: `nat KUBE-SERVICES`, `ipvs TCP 10.96.0.10:53 rr`, ...
    pub location: String,
    /// The rule as the mode's own tool prints it.
    pub rule: String,
    /// What the rule did to the packet: `jump KUBE-SVC-…`, `DNAT to 10.0.1.2:80`, ...
    pub verdict: String,
    /// The written object (raw object id) the rule was made for, if any.
    pub object: Option<usize>,
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
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Dnat(to) => f.write_str(&to.join(", ")),
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
