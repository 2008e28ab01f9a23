//! `iptables -L`: a table's chains as iptables 1.8.9 (nf_tables) lists them.
//!
//! The rules are read from their `iptables-save` form (`-A CHAIN … -j TARGET …`), the
//! form every node-local view already has, and printed as the real tool's
//! `print_header` / `print_rule_details` / `print_ipv4_addresses` and each extension's
//! `print` function do (libxt_comment, tcp/udp/sctp, mark, conntrack, addrtype,
//! statistic, recent, set, nfacct; the DNAT, SNAT, MASQUERADE, MARK and REJECT
//! targets):
//!
//! ```text
//! $ iptables -t nat -L KUBE-SERVICES -n
//! Chain KUBE-SERVICES (2 references)
//! target     prot opt source               destination
//! KUBE-SVC-NPX46M4PTMTKRN6Y  6    --  0.0.0.0/0            10.96.0.1            /* default/kubernetes:https cluster IP */ tcp dpt:443
//! ```
//!
//! Flags: `-n` (numeric: protocols as numbers, addresses and ports as numbers; without it an address with no mask is `anywhere`, a /32 host
//! address prints without its mask, well-known addresses and ports get their
//! `/etc/hosts`, `/etc/networks` and `/etc/services` names ([`super::etc_services`]) — svcplay resolves no other
//! name: a real node's reverse lookups of cluster addresses find none either), `-v`
//! (the counters, all zero in svcplay, and the interfaces), `-x` (exact counters),
//! `--line-numbers`. Chains are separated by a blank line; a built-in chain shows its
//! policy, a user chain how many rules jump to it. `tests/kernel.rs` compares this with
//! the real `iptables -L` for every kube-proxy iptables case.

use std::fmt::Write as _;

/// How the listing is printed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Format {
    pub numeric: bool,
    pub verbose: bool,
    pub exact: bool,
    pub line_numbers: bool,
    /// ip6tables: the IPv6 address columns.
    pub ipv6: bool,
}

/// One chain to list: its name, its policy (built-in chains), its rules in save form.
pub struct Chain<'a> {
    pub name: &'a str,
    pub policy: Option<&'a str>,
    pub rules: Vec<String>,
}

/// Splits a save line into words, as the shell would (double quotes, `\"` inside).
pub fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = line.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c == ' ' {
            chars.next();
            continue;
        }
        let mut word = String::new();
        let mut quoted = false;
        while let Some(&c) = chars.peek() {
            match c {
                '"' => {
                    quoted = !quoted;
                    chars.next();
                }
                '\\' if quoted => {
                    chars.next();
                    if let Some(n) = chars.next() {
                        word.push(n);
                    }
                }
                ' ' if !quoted => break,
                _ => {
                    word.push(c);
                    chars.next();
                }
            }
        }
        out.push(word);
    }
    out
}

/// A rule read back from its save form.
#[derive(Debug, Default)]
struct Rule {
    chain: String,
    target: String,
    goto: bool,
    proto: Option<(bool, String)>,
    source: Option<(bool, String)>,
    destination: Option<(bool, String)>,
    in_iface: Option<(bool, String)>,
    out_iface: Option<(bool, String)>,
    /// The matches' `print` text, in order, each with its leading space.
    matches: String,
    /// The target's `print` text.
    target_text: String,
}

fn take_negation(words: &[String], i: &mut usize) -> bool {
    if words.get(*i).map(String::as_str) == Some("!") {
        *i += 1;
        true
    } else {
        false
    }
}

fn port_name(port: &str, proto: &str, numeric: bool) -> String {
    if numeric {
        return port.to_string();
    }
    port.parse::<u16>()
        .ok()
        .filter(|_| matches!(proto, "tcp" | "udp"))
        .and_then(|p| super::etc_services::port_name(p, proto == "udp"))
        .map_or_else(|| port.to_string(), str::to_string)
}

fn ports(kind: &str, value: &str, negated: bool, proto: &str, numeric: bool) -> String {
    let inv = if negated { "!" } else { "" };
    match value.split_once(':') {
        Some((a, b)) => format!(
            " {kind}s:{inv}{}:{}",
            port_name(a, proto, numeric),
            port_name(b, proto, numeric)
        ),
        None => format!(" {kind}:{inv}{}", port_name(value, proto, numeric)),
    }
}

/// The options of one `-m MODULE` up to the next module, target or rule option.
fn module_options(words: &[String], i: &mut usize) -> Vec<(bool, String, Vec<String>)> {
    let mut out = Vec::new();
    while *i < words.len() {
        let negated = words[*i] == "!";
        let at = if negated { *i + 1 } else { *i };
        let Some(option) = words.get(at) else { break };
        if !option.starts_with("--") {
            break;
        }
        let mut values = Vec::new();
        let mut j = at + 1;
        while j < words.len() && !words[j].starts_with('-') && words[j] != "!" {
            values.push(words[j].clone());
            j += 1;
        }
        out.push((negated, option.trim_start_matches("--").to_string(), values));
        *i = j;
    }
    out
}

fn print_module(
    name: &str,
    options: &[(bool, String, Vec<String>)],
    proto: &str,
    f: Format,
) -> String {
    let value = |key: &str| {
        options
            .iter()
            .find(|(_, k, _)| k == key)
            .map(|(n, _, v)| (*n, v.join(" ")))
    };
    let mut out = String::new();
    match name {
        "comment" => {
            if let Some((_, c)) = value("comment") {
                let _ = write!(out, " /* {c} */");
            }
        }
        "tcp" | "udp" | "sctp" => {
            out.push_str(&format!(" {name}"));
            for (key, label) in [("sport", "spt"), ("dport", "dpt")] {
                let found = value(key).or_else(|| {
                    value(if key == "sport" {
                        "source-port"
                    } else {
                        "destination-port"
                    })
                });
                if let Some((negated, v)) = found {
                    out.push_str(&ports(label, &v, negated, proto, f.numeric));
                }
            }
        }
        "mark" => {
            if let Some((negated, v)) = value("mark") {
                out.push_str(" mark match");
                if negated {
                    out.push_str(" !");
                }
                let (mark, mask) = v.split_once('/').unwrap_or((&v, "0xffffffff"));
                if mask == "0xffffffff" {
                    let _ = write!(out, " {mark}");
                } else {
                    let _ = write!(out, " {mark}/{mask}");
                }
            }
        }
        "conntrack" => {
            if let Some((negated, v)) = value("ctstate") {
                if negated {
                    out.push_str(" !");
                }
                let order = [
                    "INVALID",
                    "NEW",
                    "RELATED",
                    "ESTABLISHED",
                    "UNTRACKED",
                    "SNAT",
                    "DNAT",
                ];
                let states: Vec<&str> = order
                    .iter()
                    .copied()
                    .filter(|s| v.split(',').any(|x| x == *s))
                    .collect();
                let _ = write!(out, " ctstate {}", states.join(","));
            }
        }
        "addrtype" => {
            out.push_str(" ADDRTYPE match");
            for (key, label) in [("src-type", "src-type"), ("dst-type", "dst-type")] {
                if let Some((negated, v)) = value(key) {
                    let _ = write!(out, " {label} {}{v}", if negated { "!" } else { "" });
                }
            }
            if value("limit-iface-in").is_some() {
                out.push_str(" limit-in");
            }
            if value("limit-iface-out").is_some() {
                out.push_str(" limit-out");
            }
        }
        "statistic" => {
            out.push_str(" statistic");
            if let Some((negated, mode)) = value("mode") {
                let _ = write!(out, " mode {mode}{}", if negated { " !" } else { "" });
            }
            if let Some((_, p)) = value("probability") {
                let _ = write!(out, " probability {p}");
            }
            if let Some((_, n)) = value("every") {
                let _ = write!(out, " every {n}");
                if let Some((_, p)) = value("packet") {
                    let _ = write!(out, " packet {p}");
                }
            }
        }
        "recent" => {
            if options.iter().any(|(n, _, _)| *n) {
                out.push_str(" !");
            }
            out.push_str(" recent:");
            for (key, label) in [
                ("set", " SET"),
                ("rcheck", " CHECK"),
                ("update", " UPDATE"),
                ("remove", " REMOVE"),
            ] {
                if value(key).is_some() {
                    out.push_str(label);
                }
            }
            if let Some((_, s)) = value("seconds") {
                let _ = write!(out, " seconds: {s}");
            }
            if value("reap").is_some() {
                out.push_str(" reap");
            }
            if let Some((_, h)) = value("hitcount") {
                let _ = write!(out, " hit_count: {h}");
            }
            if value("rttl").is_some() {
                out.push_str(" TTL-Match");
            }
            let name = value("name")
                .map(|(_, n)| n)
                .unwrap_or_else(|| "DEFAULT".into());
            let _ = write!(out, " name: {name}");
            if value("rdest").is_some() {
                out.push_str(" side: dest");
            } else {
                out.push_str(" side: source");
            }
            let mask = value("mask").map(|(_, m)| m).unwrap_or_else(|| {
                if f.ipv6 {
                    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff".into()
                } else {
                    "255.255.255.255".into()
                }
            });
            let _ = write!(out, " mask: {mask}");
        }
        "set" => {
            if let Some((negated, v)) = value("match-set") {
                let _ = write!(out, "{} match-set {v}", if negated { " !" } else { "" });
            }
        }
        "nfacct" => {
            if let Some((_, v)) = value("nfacct-name") {
                let _ = write!(out, " nfacct-name  {v}");
            }
        }
        _ => {
            for (negated, k, v) in options {
                let _ = write!(
                    out,
                    " {}{k}{}{}",
                    if *negated { "! " } else { "" },
                    if v.is_empty() { "" } else { " " },
                    v.join(" ")
                );
            }
        }
    }
    out
}

fn print_target(name: &str, options: &[(bool, String, Vec<String>)]) -> String {
    let value = |key: &str| {
        options
            .iter()
            .find(|(_, k, _)| k == key)
            .map(|(_, _, v)| v.join(" "))
    };
    let hex = |s: &str| u32::from_str_radix(s.trim_start_matches("0x"), 16).unwrap_or(0);
    match name {
        "DNAT" => value("to-destination")
            .map(|d| format!(" to:{d}"))
            .unwrap_or_default(),
        "SNAT" => value("to-source")
            .map(|d| format!(" to:{d}"))
            .unwrap_or_default(),
        "MASQUERADE" => {
            let mut out = String::new();
            if let Some(p) = value("to-ports") {
                let _ = write!(out, " masq ports: {p}");
            }
            if value("random").is_some() {
                out.push_str(" random");
            }
            if value("random-fully").is_some() {
                out.push_str(" random-fully");
            }
            out
        }
        "REJECT" => value("reject-with")
            .map(|r| format!(" reject-with {r}"))
            .unwrap_or_default(),
        "MARK" => {
            let (mark, mask) = if let Some(v) = value("set-xmark") {
                let (m, k) = v.split_once('/').unwrap_or((&v, "0xffffffff"));
                (hex(m), hex(k))
            } else if let Some(v) = value("set-mark") {
                let (m, k) = v.split_once('/').unwrap_or((&v, "0xffffffff"));
                (hex(m), hex(m) | hex(k))
            } else if let Some(v) = value("or-mark") {
                (hex(&v), hex(&v))
            } else if let Some(v) = value("xor-mark") {
                (hex(&v), 0)
            } else if let Some(v) = value("and-mark") {
                (0, !hex(&v))
            } else {
                (0, 0)
            };
            if mark == 0 {
                format!(" MARK and 0x{:x}", !mask)
            } else if mark == mask {
                format!(" MARK or 0x{mark:x}")
            } else if mask == 0 {
                format!(" MARK xor 0x{mark:x}")
            } else if mask == 0xffff_ffff {
                format!(" MARK set 0x{mark:x}")
            } else {
                format!(" MARK xset 0x{mark:x}/0x{mask:x}")
            }
        }
        _ => String::new(),
    }
}

fn parse_rule(line: &str, f: Format) -> Rule {
    let words = words(line);
    let mut rule = Rule::default();
    let mut i = 0;
    let mut proto = String::new();
    while i < words.len() {
        let negated = take_negation(&words, &mut i);
        let Some(word) = words.get(i) else { break };
        let next = words.get(i + 1).cloned().unwrap_or_default();
        match word.as_str() {
            "-A" => {
                rule.chain = next;
                i += 2;
            }
            "-p" | "--protocol" => {
                proto = next.clone();
                rule.proto = Some((negated, next));
                i += 2;
            }
            "-s" | "--source" => {
                rule.source = Some((negated, next));
                i += 2;
            }
            "-d" | "--destination" => {
                rule.destination = Some((negated, next));
                i += 2;
            }
            "-i" | "--in-interface" => {
                rule.in_iface = Some((negated, next));
                i += 2;
            }
            "-o" | "--out-interface" => {
                rule.out_iface = Some((negated, next));
                i += 2;
            }
            "-m" | "--match" => {
                i += 2;
                let options = module_options(&words, &mut i);
                rule.matches
                    .push_str(&print_module(&next, &options, &proto, f));
            }
            "-j" | "--jump" | "-g" | "--goto" => {
                rule.goto = matches!(word.as_str(), "-g" | "--goto");
                rule.target = next.clone();
                i += 2;
                let options = module_options(&words, &mut i);
                rule.target_text = print_target(&next, &options);
            }
            _ => i += 1,
        }
    }
    rule
}

/// An address column: `anywhere`, a host without its /32, a network with its mask.
fn address(value: Option<&(bool, String)>, f: Format) -> (char, String) {
    let any = if f.ipv6 { "::/0" } else { "0.0.0.0/0" };
    let Some((negated, v)) = value else {
        return (
            ' ',
            if f.numeric {
                any.into()
            } else {
                "anywhere".into()
            },
        );
    };
    let (addr, len) = v
        .split_once('/')
        .unwrap_or((v, if f.ipv6 { "128" } else { "32" }));
    let full = if f.ipv6 { "128" } else { "32" };
    let mut text = if f.numeric {
        addr.to_string()
    } else {
        match (addr, len) {
            ("127.0.0.1", _) => "localhost".into(),
            ("127.0.0.0", _) => "loopback".into(),
            ("169.254.0.0", _) => "link-local".into(),
            ("0.0.0.0", "0") | ("::", "0") => "anywhere".into(),
            _ => addr.to_string(),
        }
    };
    if text != "anywhere" && len != full {
        text.push('/');
        text.push_str(len);
    }
    (if *negated { '!' } else { ' ' }, text)
}

fn counters(f: Format) -> String {
    if f.exact {
        format!("{:>8} {:>8} ", 0, 0)
    } else {
        format!("{:>5} {:>5} ", 0, 0)
    }
}

/// Lists `chains` (all of them, or the one asked for) as `iptables -L` does.
pub fn list(chains: &[Chain], all: &[Chain], f: Format) -> String {
    let mut out = String::new();
    for (n, chain) in chains.iter().enumerate() {
        if n > 0 {
            out.push('\n');
        }
        match chain.policy {
            Some(policy) => {
                let _ = write!(out, "Chain {} (policy {policy}", chain.name);
                if f.verbose {
                    out.push_str(" 0 packets, 0 bytes");
                }
                out.push_str(")\n");
            }
            None => {
                let refs = all
                    .iter()
                    .flat_map(|c| &c.rules)
                    .filter(|r| {
                        let w = words(r);
                        w.windows(2)
                            .any(|p| matches!(p[0].as_str(), "-j" | "-g") && p[1] == chain.name)
                    })
                    .count();
                let _ = writeln!(out, "Chain {} ({refs} references)", chain.name);
            }
        }
        if f.line_numbers {
            out.push_str("num  ");
        }
        if f.verbose {
            if f.exact {
                out.push_str("    pkts      bytes ");
            } else {
                out.push_str(" pkts bytes ");
            }
        }
        out.push_str("target     prot opt");
        if f.verbose {
            out.push_str(" in     out    ");
        }
        out.push_str(" source               destination         \n");
        for (k, line) in chain.rules.iter().enumerate() {
            let rule = parse_rule(line, f);
            if f.line_numbers {
                let _ = write!(out, "{:<4} ", k + 1);
            }
            if f.verbose {
                out.push_str(&counters(f));
            }
            let _ = write!(out, "{:<9} ", rule.target);
            let (inv, proto) = match &rule.proto {
                Some((negated, p)) => (if *negated { '!' } else { ' ' }, p.clone()),
                None => (' ', "all".into()),
            };
            // -n prints the protocol's number.
            let proto = if f.numeric {
                match proto.as_str() {
                    "all" => "0".to_string(),
                    "tcp" => "6".into(),
                    "udp" => "17".into(),
                    "icmp" => "1".into(),
                    "sctp" => "132".into(),
                    "ipv6-icmp" | "icmpv6" => "58".into(),
                    _ => proto,
                }
            } else {
                proto
            };
            let _ = write!(out, "{inv}{proto:<4} ");
            // The fragment column: `--` (ip6tables-nft prints it too).
            out.push_str("-- ");
            if f.verbose {
                let iface = |v: &Option<(bool, String)>| match v {
                    Some((negated, name)) => {
                        format!("{}{name}", if *negated { "!" } else { "" })
                    }
                    None => if f.numeric { "*" } else { "any" }.to_string(),
                };
                let _ = write!(
                    out,
                    " {:<6} {:<6} ",
                    iface(&rule.in_iface),
                    iface(&rule.out_iface)
                );
            }
            let (si, s) = address(rule.source.as_ref(), f);
            let (di, d) = address(rule.destination.as_ref(), f);
            let _ = write!(out, "{si}{s:<19} {di}{d:<19} ");
            if rule.goto {
                out.push_str("[goto] ");
            }
            out.push_str(&rule.matches);
            out.push_str(&rule.target_text);
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_a_kube_proxy_rule() {
        let chain = Chain {
            name: "KUBE-SERVICES",
            policy: None,
            rules: vec![
                "-A KUBE-SERVICES -d 10.96.0.1/32 -p tcp -m comment --comment \"default/kubernetes:https cluster IP\" -m tcp --dport 443 -j KUBE-SVC-NPX46M4PTMTKRN6Y".into(),
            ],
        };
        let jump = Chain {
            name: "PREROUTING",
            policy: Some("ACCEPT"),
            rules: vec!["-A PREROUTING -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES".into()],
        };
        let all = [jump, chain];
        let f = Format {
            numeric: true,
            ..Format::default()
        };
        let text = list(&all[1..], &all, f);
        assert_eq!(
            text,
            "Chain KUBE-SERVICES (1 references)\ntarget     prot opt source               destination         \nKUBE-SVC-NPX46M4PTMTKRN6Y  6    --  0.0.0.0/0            10.96.0.1            /* default/kubernetes:https cluster IP */ tcp dpt:443\n"
        );
    }
}
