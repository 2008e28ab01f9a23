//! Reading iptables rule text back into svcplay's typed rules.
//!
//! A node's `iptables-save` prints a rule in iptables' canonical form, kube-proxy's
//! restore input (and the corpora's expected files) in the order kube-proxy wrote it, and
//! older or newer iptables releases differ in small ways (quoting, the spaces around
//! `--nfacct-name`, `0x4000` or `0x00004000`, the probability's digits). [`parse_rule`]
//! reads any of these forms into a [`Rule`] of [`crate::proxy::iptables`], so that both
//! sides of a comparison print through the same [`SavedRule`](crate::proxy::iptables::save)
//! and compare as text. A rule with an option svcplay does not model (a CNI plugin's
//! `-m multiport`, `-j SNAT`, …) is not a kube-proxy rule: it stays as its words.

use crate::model::ip::{Cidr, IpFamily, parse_ip_sloppy};
use crate::proxy::Protocol;
use crate::proxy::iptables::{Address, Arg, Mark, Neg, Rule, RuleSource, Target};
use std::net::IpAddr;

/// Splits a rule line into words the way iptables-restore does: blanks separate words,
/// double quotes group them, a backslash inside quotes escapes the next character.
pub fn split(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut quoted = false;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' if quoted => {
                if let Some(next) = chars.next() {
                    word.push(next);
                }
            }
            '"' => {
                quoted = !quoted;
                in_word = true;
            }
            c if c.is_whitespace() && !quoted => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            c => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(word);
    }
    words
}

fn protocol(word: &str) -> Option<Protocol> {
    match word.to_ascii_lowercase().as_str() {
        "tcp" | "6" => Some(Protocol::Tcp),
        "udp" | "17" => Some(Protocol::Udp),
        "sctp" | "132" => Some(Protocol::Sctp),
        _ => None,
    }
}

fn address(word: &str) -> Option<Address> {
    if word.contains('/') {
        Cidr::parse_sloppy(word).map(Address::Cidr)
    } else {
        parse_ip_sloppy(word).map(Address::Ip)
    }
}

fn number(word: &str) -> Option<u32> {
    match word.strip_prefix("0x").or_else(|| word.strip_prefix("0X")) {
        Some(hex) => u32::from_str_radix(hex, 16).ok(),
        None => word.parse().ok(),
    }
}

/// `VALUE[/MASK]` of `--mark` and `--set-xmark` (the mask defaults to all ones).
fn mark_mask(word: &str) -> Option<(u32, u32)> {
    match word.split_once('/') {
        Some((v, m)) => Some((number(v)?, number(m)?)),
        None => Some((number(word)?, u32::MAX)),
    }
}

/// `IP:PORT` or `[IP]:PORT` of `--to-destination`.
fn host_port(word: &str) -> Option<(IpAddr, i64)> {
    let (host, port) = word.rsplit_once(':')?;
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    Some((parse_ip_sloppy(host)?, port.parse().ok()?))
}

/// Reads the words after `-A CHAIN` into a typed rule; `None` when a word is not one of
/// the options kube-proxy writes.
pub fn parse_rule(chain: &str, words: &[String], family: IpFamily) -> Option<Rule> {
    let mut args: Vec<Arg> = Vec::new();
    let mut target = None;
    // `-p tcp` alone is `Arg::Protocol`; with `-m tcp` (before or after it) it is one
    // `Arg::Proto` where the module is.
    let mut bare_protocol: Option<Protocol> = None;
    let mut module_protocol: Option<Protocol> = None;
    let mut neg = Neg::Is;
    let mut i = 0;
    let word = |i: usize| words.get(i).map(String::as_str);
    while i < words.len() {
        let w = words[i].as_str();
        i += 1;
        if w == "!" {
            neg = Neg::Not;
            continue;
        }
        let this_neg = std::mem::replace(&mut neg, Neg::Is);
        match w {
            "-s" | "--source" | "-d" | "--destination" => {
                let a = address(word(i)?)?;
                i += 1;
                args.push(if w.starts_with("-s") || w == "--source" {
                    Arg::Source(this_neg, a)
                } else {
                    Arg::Destination(this_neg, a)
                });
            }
            "-i" | "--in-interface" => {
                args.push(Arg::InInterface(this_neg, word(i)?.to_string()));
                i += 1;
            }
            "-p" | "--protocol" => {
                let p = protocol(word(i)?)?;
                i += 1;
                if this_neg == Neg::Not {
                    return None;
                }
                match module_protocol {
                    Some(m) if m == p => {}
                    Some(_) => return None,
                    None => bare_protocol = Some(p),
                }
            }
            "--dport" | "--destination-port" => {
                args.push(Arg::DestinationPort(word(i)?.parse().ok()?));
                i += 1;
            }
            "-m" | "--match" => {
                let module = word(i)?;
                i += 1;
                match module {
                    "tcp" | "udp" | "sctp" => {
                        let p = protocol(module)?;
                        if bare_protocol.is_some_and(|b| b != p) {
                            return None;
                        }
                        bare_protocol = None;
                        module_protocol = Some(p);
                        args.push(Arg::Proto(p));
                    }
                    "comment" => {
                        if word(i)? != "--comment" {
                            return None;
                        }
                        args.push(Arg::Comment(word(i + 1)?.to_string()));
                        i += 2;
                    }
                    "addrtype" | "conntrack" | "mark" | "physdev" => {
                        let mut n = Neg::Is;
                        if word(i) == Some("!") {
                            n = Neg::Not;
                            i += 1;
                        }
                        let option = word(i)?;
                        i += 1;
                        match (module, option) {
                            ("addrtype", "--src-type") | ("addrtype", "--dst-type") => {
                                if word(i)? != "LOCAL" {
                                    return None;
                                }
                                i += 1;
                                args.push(if option == "--src-type" {
                                    Arg::SrcTypeLocal(n)
                                } else {
                                    Arg::DstTypeLocal(n)
                                });
                            }
                            ("conntrack", "--ctstate") => {
                                args.push(Arg::CtState(n, word(i)?.to_string()));
                                i += 1;
                            }
                            ("mark", "--mark") => {
                                let (value, mask) = mark_mask(word(i)?)?;
                                i += 1;
                                args.push(Arg::Mark {
                                    neg: n,
                                    value: Mark(value),
                                    mask: Mark(mask),
                                });
                            }
                            ("physdev", "--physdev-is-in") => args.push(Arg::PhysdevIsIn(n)),
                            _ => return None,
                        }
                    }
                    "statistic" => {
                        if word(i)? != "--mode" || word(i + 1)? != "random" {
                            return None;
                        }
                        if word(i + 2)? != "--probability" {
                            return None;
                        }
                        args.push(Arg::Probability(word(i + 3)?.parse().ok()?));
                        i += 4;
                    }
                    "recent" => {
                        let mut name = None;
                        let mut seconds = None;
                        let mut check = false;
                        let mut set = false;
                        while let Some(o) = word(i) {
                            match o {
                                "--name" => {
                                    name = Some(word(i + 1)?.to_string());
                                    i += 2;
                                }
                                "--seconds" => {
                                    seconds = Some(word(i + 1)?.parse().ok()?);
                                    i += 2;
                                }
                                "--mask" => {
                                    // Only the default mask (a whole address) is kube-proxy's.
                                    let mask = parse_ip_sloppy(word(i + 1)?)?;
                                    let full = match mask {
                                        IpAddr::V4(m) => u32::from(m) == u32::MAX,
                                        IpAddr::V6(m) => u128::from(m) == u128::MAX,
                                    };
                                    if !full {
                                        return None;
                                    }
                                    i += 2;
                                }
                                "--rcheck" => {
                                    check = true;
                                    i += 1;
                                }
                                "--set" => {
                                    set = true;
                                    i += 1;
                                }
                                "--reap" | "--rsource" => i += 1,
                                _ => break,
                            }
                        }
                        let name: std::sync::Arc<str> = name?.into();
                        args.push(match (check, set, seconds) {
                            (true, false, Some(seconds)) => Arg::RecentCheck { name, seconds },
                            (false, true, None) => Arg::RecentSet { name },
                            _ => return None,
                        });
                    }
                    "nfacct" => {
                        if word(i)? != "--nfacct-name" {
                            return None;
                        }
                        args.push(Arg::Nfacct(word(i + 1)?.to_string()));
                        i += 2;
                    }
                    "set" => {
                        if word(i)? != "--match-set" {
                            return None;
                        }
                        args.push(Arg::MatchSet {
                            set: word(i + 1)?.to_string(),
                            flags: word(i + 2)?.to_string(),
                        });
                        i += 3;
                    }
                    "ipvs" => {
                        let mut vaddr = None;
                        let mut vproto = None;
                        let mut vport = None;
                        while let Some(o) = word(i) {
                            match o {
                                "--vaddr" => {
                                    let a = word(i + 1)?;
                                    let a = a.split_once('/').map_or(a, |(ip, _)| ip);
                                    vaddr = Some(parse_ip_sloppy(a)?.to_string());
                                }
                                "--vproto" => {
                                    vproto = Some(protocol(word(i + 1)?)?.lower().to_string());
                                }
                                "--vport" => vport = Some(word(i + 1)?.parse().ok()?),
                                _ => break,
                            }
                            i += 2;
                        }
                        args.push(Arg::Ipvs {
                            vaddr: vaddr?,
                            vproto: vproto?,
                            vport: vport?,
                        });
                    }
                    _ => return None,
                }
            }
            "-j" | "--jump" => {
                let name = word(i)?;
                i += 1;
                target = Some(match name {
                    "ACCEPT" => Target::Accept,
                    "DROP" => Target::Drop,
                    "RETURN" => Target::Return,
                    "REJECT" => {
                        if word(i) == Some("--reject-with") {
                            let with = word(i + 1)?;
                            if with != "icmp-port-unreachable" && with != "icmp6-port-unreachable" {
                                return None;
                            }
                            i += 2;
                        }
                        Target::Reject
                    }
                    "DNAT" => {
                        if word(i)? != "--to-destination" {
                            return None;
                        }
                        let (ip, port) = host_port(word(i + 1)?)?;
                        i += 2;
                        Target::Dnat { ip, port }
                    }
                    "MASQUERADE" => {
                        let random_fully = word(i) == Some("--random-fully");
                        if random_fully {
                            i += 1;
                        }
                        Target::Masquerade { random_fully }
                    }
                    "MARK" => {
                        let option = word(i)?;
                        let value = word(i + 1)?;
                        i += 2;
                        match option {
                            "--or-mark" => Target::MarkOr(Mark(number(value)?)),
                            "--xor-mark" => Target::MarkXor(Mark(number(value)?)),
                            "--set-xmark" => match mark_mask(value)? {
                                (v, m) if v == m => Target::MarkOr(Mark(v)),
                                (v, 0) => Target::MarkXor(Mark(v)),
                                _ => return None,
                            },
                            _ => return None,
                        }
                    }
                    other
                        if other.starts_with(|c: char| c.is_ascii_uppercase())
                            && !other.contains(char::is_lowercase) =>
                    {
                        // A user chain (kube-proxy's are upper-case; targets with options
                        // of their own that svcplay does not model follow as words).
                        if word(i).is_some_and(|w| w.starts_with("--")) {
                            return None;
                        }
                        Target::Jump(other.into())
                    }
                    _ => return None,
                });
            }
            _ => return None,
        }
    }
    if neg == Neg::Not {
        return None;
    }
    if let Some(p) = bare_protocol {
        args.push(Arg::Protocol(p));
    }
    // A family mismatch (an IPv6 address in an IPv4 dump) is not a rule of this family.
    for a in &args {
        if let Arg::Source(_, addr) | Arg::Destination(_, addr) = a {
            if addr.as_cidr().family() != family {
                return None;
            }
        }
    }
    Some(Rule {
        chain: chain.into(),
        args: args.into(),
        target,
        source: RuleSource::default(),
    })
}

/// A rule's words printed back as iptables-save would quote them (for rules svcplay does
/// not model).
pub fn join(chain: &str, words: &[String]) -> String {
    let mut out = format!("-A {chain}");
    for w in words {
        out.push(' ');
        out.push_str(&crate::proxy::iptables::save::SaveString(w).to_string());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canonical(line: &str, family: IpFamily) -> String {
        let words = split(line);
        assert_eq!(words[0], "-A");
        let rule = parse_rule(&words[1], &words[2..], family).expect(line);
        rule.saved(family).to_string()
    }

    #[test]
    fn restore_input_and_save_form_read_alike() {
        let restore = "-A KUBE-SERVICES -m comment --comment \"ns1/svc1:p80 cluster IP\" -m tcp -p tcp -d 172.30.0.41 --dport 80 -j KUBE-SVC-XPGD46QRK7WJZT7O";
        let saved = "-A KUBE-SERVICES -d 172.30.0.41/32 -p tcp -m comment --comment \"ns1/svc1:p80 cluster IP\" -m tcp --dport 80 -j KUBE-SVC-XPGD46QRK7WJZT7O";
        assert_eq!(canonical(restore, IpFamily::IPv4), saved);
        assert_eq!(canonical(saved, IpFamily::IPv4), saved);
        let marks = [
            "-A KUBE-MARK-MASQ -j MARK --or-mark 0x00004000",
            "-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000",
        ];
        assert_eq!(
            canonical(marks[0], IpFamily::IPv4),
            canonical(marks[1], IpFamily::IPv4)
        );
        let cascade = "-A KUBE-SVC-X -m comment --comment \"a -> 10.0.0.1:80\" -m statistic --mode random --probability 0.3333333333 -j KUBE-SEP-Y";
        assert_eq!(
            canonical(cascade, IpFamily::IPv4),
            "-A KUBE-SVC-X -m comment --comment \"a -> 10.0.0.1:80\" -m statistic --mode random --probability 0.33333333349 -j KUBE-SEP-Y"
        );
        let recent = "-A KUBE-SEP-Y -m comment --comment ns5/svc5:p80 -m recent --name KUBE-SEP-Y --set -m tcp -p tcp -j DNAT --to-destination 10.180.0.3:80";
        assert_eq!(
            canonical(recent, IpFamily::IPv4),
            "-A KUBE-SEP-Y -p tcp -m comment --comment \"ns5/svc5:p80\" -m recent --set --name KUBE-SEP-Y --mask 255.255.255.255 --rsource -m tcp -j DNAT --to-destination 10.180.0.3:80"
        );
        let nfacct = "-A KUBE-FORWARD -m conntrack --ctstate INVALID -m nfacct --nfacct-name  ct_state_invalid_dropped_pkts -j DROP";
        assert_eq!(canonical(nfacct, IpFamily::IPv4), nfacct);
    }

    #[test]
    fn unknown_options_are_not_kube_proxy_rules() {
        let words = split("-A CNI-FORWARD -m multiport --dports 80,443 -j ACCEPT");
        assert!(parse_rule(&words[1], &words[2..], IpFamily::IPv4).is_none());
        let words = split("-A POSTROUTING -s 10.0.0.0/8 -j SNAT --to-source 1.2.3.4");
        assert!(parse_rule(&words[1], &words[2..], IpFamily::IPv4).is_none());
        assert_eq!(
            join("X", &split("-m foo --bar \"a b\"")),
            "-A X -m foo --bar \"a b\""
        );
    }
}
