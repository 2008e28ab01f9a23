//! Rules as `iptables-save` prints them (iptables 1.8.9, nf_tables backend).
//!
//! The kernel keeps a rule as matches and a target, not as the words kube-proxy wrote, and
//! `iptables-save` prints them back in its own canonical form (reference README §9, and
//! checked against the real `iptables-save` by `tests/kernel.rs`):
//!
//! - `-s`, `-d` (always with a prefix: `/32`, `/128`), `-i`, then `-p`, before every
//!   `-m` match; the matches keep their written order, and `--dport` stays with its
//!   protocol module (`-p tcp -m comment --comment "…" -m tcp --dport 80`);
//! - comments are quoted unless they consist only of letters, digits, `_` and `-`
//!   (libxtables' `xtables_save_string`);
//! - `--or-mark M` is `--set-xmark M/M`, `--xor-mark M` is `--set-xmark M/0x0`, marks in
//!   plain hex (`0x4000`);
//! - probabilities are what the kernel stores, `round(p·2³¹)/2³¹`, printed `%.11f`;
//! - `-m recent` is expanded with its defaults (`--mask 255.255.255.255 --rsource`);
//! - `REJECT` names its default `--reject-with icmp-port-unreachable`
//!   (`icmp6-port-unreachable` for IPv6);
//! - conntrack states are listed in the kernel's order (`NEW,ESTABLISHED`);
//! - `-m nfacct --nfacct-name  NAME` carries two spaces (a quirk of 1.8.9's printer).

use super::{Arg, Rule, Target};
use crate::model::ip::{IpFamily, join_host_port};
use std::fmt;

/// A rule in `iptables-save` form; see the module documentation.
pub struct SavedRule<'a> {
    pub rule: &'a Rule,
    pub family: IpFamily,
}

/// libxtables' `xtables_save_string`: bare when only `[A-Za-z0-9_-]`, else quoted with
/// `"`, `\` and `'` escaped.
pub struct SaveString<'a>(pub &'a str);

impl fmt::Display for SaveString<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let safe = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
        if !self.0.is_empty() && self.0.chars().all(safe) {
            return f.write_str(self.0);
        }
        f.write_str("\"")?;
        for c in self.0.chars() {
            if matches!(c, '"' | '\\' | '\'') {
                f.write_str("\\")?;
            }
            write!(f, "{c}")?;
        }
        f.write_str("\"")
    }
}

/// The probability the kernel stores for a written one: iptables parses kube-proxy's
/// `%.10f` text and keeps `lround(p · 2³¹)` as a 32-bit integer.
pub fn stored_probability(p: f64) -> f64 {
    let written: f64 = super::format_probability(p).parse().unwrap_or(p);
    let stored = (written * 2_147_483_648.0).round();
    stored / 2_147_483_648.0
}

/// Conntrack states in the order the kernel's bits print them.
fn canonical_ctstates(states: &str) -> String {
    const ORDER: [&str; 7] = [
        "INVALID",
        "NEW",
        "RELATED",
        "ESTABLISHED",
        "UNTRACKED",
        "SNAT",
        "DNAT",
    ];
    let given: Vec<&str> = states.split(',').collect();
    let mut out: Vec<&str> = ORDER
        .iter()
        .copied()
        .filter(|s| given.contains(s))
        .collect();
    // Unknown words (iptables would refuse them) are kept at the end, as written.
    out.extend(given.iter().copied().filter(|s| !ORDER.contains(s)));
    out.join(",")
}

fn recent_mask(family: IpFamily) -> &'static str {
    match family {
        IpFamily::IPv4 => "255.255.255.255",
        IpFamily::IPv6 => "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
    }
}

/// A mark and mask as the kernel prints them: plain hex, the mask omitted when all ones.
struct MarkMask(u32, u32);

impl fmt::Display for MarkMask {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.1 == u32::MAX {
            write!(f, "{:#x}", self.0)
        } else {
            write!(f, "{:#x}/{:#x}", self.0, self.1)
        }
    }
}

impl fmt::Display for SavedRule<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let rule = self.rule;
        write!(f, "-A {}", rule.chain)?;
        // Addresses, interfaces and the protocol come first, in this order.
        for a in &rule.args {
            if let Arg::Source(n, addr) = a {
                write!(f, " {}-s {}", n.prefix(), addr.as_cidr())?;
            }
        }
        for a in &rule.args {
            if let Arg::Destination(n, addr) = a {
                write!(f, " {}-d {}", n.prefix(), addr.as_cidr())?;
            }
        }
        for a in &rule.args {
            if let Arg::InInterface(n, i) = a {
                write!(f, " {}-i {i}", n.prefix())?;
            }
        }
        for a in &rule.args {
            if let Arg::Proto(p) | Arg::Protocol(p) = a {
                write!(f, " -p {}", p.lower())?;
            }
        }
        let dport = rule.args.iter().find_map(|a| match a {
            Arg::DestinationPort(p) => Some(*p),
            _ => None,
        });
        for a in &rule.args {
            match a {
                Arg::Source(..)
                | Arg::Destination(..)
                | Arg::InInterface(..)
                | Arg::DestinationPort(_)
                | Arg::Protocol(_) => {}
                Arg::MatchSet { set, flags } => write!(f, " -m set --match-set {set} {flags}")?,
                Arg::PhysdevIsIn(n) => write!(f, " -m physdev {}--physdev-is-in", n.prefix())?,
                // libxt_ipvs prints the protocol as its number and the address with a mask.
                Arg::Ipvs {
                    vaddr,
                    vproto,
                    vport,
                } => {
                    let number = match vproto.as_str() {
                        "tcp" => 6,
                        "udp" => 17,
                        "sctp" => 132,
                        _ => 0,
                    };
                    let mask = if vaddr.contains(':') { 128 } else { 32 };
                    write!(
                        f,
                        " -m ipvs --vproto {number} --vaddr {vaddr}/{mask} --vport {vport}"
                    )?
                }
                Arg::Comment(c) => write!(f, " -m comment --comment {}", SaveString(c))?,
                Arg::Proto(p) => {
                    write!(f, " -m {}", p.lower())?;
                    if let Some(port) = dport {
                        write!(f, " --dport {port}")?;
                    }
                }
                Arg::SrcTypeLocal(n) => write!(f, " -m addrtype {}--src-type LOCAL", n.prefix())?,
                Arg::DstTypeLocal(n) => write!(f, " -m addrtype {}--dst-type LOCAL", n.prefix())?,
                Arg::CtState(n, s) => write!(
                    f,
                    " -m conntrack {}--ctstate {}",
                    n.prefix(),
                    canonical_ctstates(s)
                )?,
                Arg::Mark { neg, value, mask } => write!(
                    f,
                    " -m mark {}--mark {}",
                    neg.prefix(),
                    MarkMask(value.0, mask.0)
                )?,
                Arg::Probability(p) => write!(
                    f,
                    " -m statistic --mode random --probability {:.11}",
                    stored_probability(*p)
                )?,
                Arg::RecentCheck { name, seconds } => write!(
                    f,
                    " -m recent --rcheck --seconds {seconds} --reap --name {name} --mask {} --rsource",
                    recent_mask(self.family)
                )?,
                Arg::RecentSet { name } => write!(
                    f,
                    " -m recent --set --name {name} --mask {} --rsource",
                    recent_mask(self.family)
                )?,
                Arg::Nfacct(n) => write!(f, " -m nfacct --nfacct-name  {n}")?,
            }
        }
        match &rule.target {
            None => Ok(()),
            Some(Target::Reject) => write!(
                f,
                " -j REJECT --reject-with {}",
                match self.family {
                    IpFamily::IPv4 => "icmp-port-unreachable",
                    IpFamily::IPv6 => "icmp6-port-unreachable",
                }
            ),
            Some(Target::MarkOr(m)) => write!(f, " -j MARK --set-xmark {}", MarkMask(m.0, m.0)),
            Some(Target::MarkXor(m)) => write!(f, " -j MARK --set-xmark {}", MarkMask(m.0, 0)),
            Some(Target::Dnat { ip, port }) => {
                write!(f, " -j DNAT --to-destination {}", join_host_port(ip, *port))
            }
            Some(other) => write!(f, " {other}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probabilities_as_the_kernel_stores_them() {
        let show = |p: f64| format!("{:.11}", stored_probability(p));
        assert_eq!(show(0.5), "0.50000000000");
        assert_eq!(show(1.0 / 3.0), "0.33333333349");
        assert_eq!(show(0.2), "0.20000000019");
        assert_eq!(show(1.0 / 6.0), "0.16666666651");
        assert_eq!(show(0.1), "0.10000000009");
    }

    #[test]
    fn save_strings_quote_like_libxtables() {
        assert_eq!(SaveString("x").to_string(), "x");
        assert_eq!(SaveString("ns1/svc1:p80").to_string(), "\"ns1/svc1:p80\"");
        assert_eq!(SaveString("a \"b").to_string(), "\"a \\\"b\"");
        assert_eq!(SaveString("").to_string(), "\"\"");
    }

    #[test]
    fn conntrack_states_in_kernel_order() {
        assert_eq!(canonical_ctstates("ESTABLISHED,NEW"), "NEW,ESTABLISHED");
        assert_eq!(
            canonical_ctstates("RELATED,ESTABLISHED,DNAT"),
            "RELATED,ESTABLISHED,DNAT"
        );
    }
}
