//! `ipvsadm -Ln` and `ipset list` against kube-proxy's IPVS mode.
//!
//! Virtual servers are compared in `ipvsadm -Sn` syntax (`-A -t 10.96.0.1:443 -s rr`,
//! `-a -t 10.96.0.1:443 -r 10.244.1.5:8080 -m -w 1`), so an `ipvsadm -Ln` listing and an
//! `ipvsadm -Sn` dump read alike; the counters are not compared. kube-proxy's virtual
//! servers are those on Service addresses: the scenario's ClusterIPs, external and
//! load-balancer IPs, addresses of its ServiceCIDRs, and the node's addresses on a port of
//! the NodePort range; any other virtual server (keepalived's, a load balancer's) is
//! ignored. ipsets compare by name, type and members (the header, the size in memory, the
//! references and the revision are the kernel's); kube-proxy's sets are the `KUBE-*` ones.
//!
//! Not drift: a real server at weight 0 that kube-proxy no longer wants is its graceful
//! termination draining connections (it deletes the server once they end); a destination
//! the kernel lists as `Local` (a host-network endpoint on this node) is kube-proxy's
//! `Masq` one.

use super::dump::{DumpKind, Section};
use super::{Context, Finding, FindingKind, Item, Report, Scope, pair};
use crate::model::ip::{Cidr, IpFamily, parse_ip_sloppy};
use crate::proxy::config::ProxyMode;
use crate::views::ipvs::{IpvsadmListing, ListFormat, listing_order};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::IpAddr;

/// A virtual service and its real servers, in `ipvsadm -S` syntax.
#[derive(Clone, Debug, Default)]
struct Service {
    /// `TCP/10.96.0.1:443`.
    key: String,
    address: Option<IpAddr>,
    port: u16,
    /// `-A -t 10.96.0.1:443 -s rr …`.
    rule: String,
    line: Option<usize>,
    /// `-a -t … -r … -m -w 1`, with the weight apart.
    real: Vec<(String, i64, Option<usize>)>,
}

fn switch(protocol: &str) -> &'static str {
    match protocol {
        "UDP" => "-u",
        "SCTP" => "--sctp-service",
        "FWM" => "-f",
        _ => "-t",
    }
}

fn protocol_of_switch(switch: &str) -> &'static str {
    match switch {
        "-u" => "UDP",
        "--sctp-service" => "SCTP",
        "-f" => "FWM",
        _ => "TCP",
    }
}

fn split_host_port(text: &str) -> Option<(IpAddr, u16)> {
    let (host, port) = text.rsplit_once(':')?;
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    Some((parse_ip_sloppy(host)?, port.parse().ok()?))
}

/// Reads `ipvsadm -Ln` (or `-Sn`) lines into services.
fn read(lines: &[(usize, &str)]) -> Vec<Service> {
    let mut services: Vec<Service> = Vec::new();
    for (n, line) in lines {
        let t = line.trim();
        let words: Vec<&str> = t.split_whitespace().collect();
        match words.as_slice() {
            ["-A", sw, addr, rest @ ..] => {
                let protocol = protocol_of_switch(sw);
                let (address, port) =
                    split_host_port(addr).map_or((None, 0), |(a, p)| (Some(a), p));
                services.push(Service {
                    key: format!("{protocol}/{addr}"),
                    address,
                    port,
                    rule: format!("-A {sw} {addr} {}", rest.join(" ")),
                    line: Some(*n),
                    real: Vec::new(),
                });
            }
            ["-a", sw, addr, "-r", real, forward, "-w", weight, ..] => {
                let protocol = protocol_of_switch(sw);
                let key = format!("{protocol}/{addr}");
                let weight = weight.parse().unwrap_or(0);
                let text = format!("-a {sw} {addr} -r {real} {forward} -w");
                if let Some(s) = services.iter_mut().rev().find(|s| s.key == key) {
                    s.real.push((text, weight, Some(*n)));
                }
            }
            ["->", real, forward, weight, ..] if *real != "RemoteAddress:Port" => {
                let Some(s) = services.last_mut() else {
                    continue;
                };
                let (sw, addr) = {
                    let mut it = s.rule.split_whitespace().skip(1);
                    (
                        it.next().unwrap_or("-t").to_string(),
                        it.next().unwrap_or("").to_string(),
                    )
                };
                let forward = match *forward {
                    "Masq" | "Local" => "-m",
                    "Tunnel" => "-i",
                    _ => "-g",
                };
                let weight = weight.parse().unwrap_or(0);
                s.real.push((
                    format!("-a {sw} {addr} -r {real} {forward} -w"),
                    weight,
                    Some(*n),
                ));
            }
            [
                protocol @ ("TCP" | "UDP" | "SCTP" | "FWM"),
                addr,
                scheduler,
                rest @ ..,
            ] => {
                let sw = switch(protocol);
                let mut rule = format!("-A {sw} {addr} -s {scheduler}");
                let mut i = 0;
                while i < rest.len() {
                    match rest[i] {
                        "persistent" => {
                            if let Some(t) = rest.get(i + 1) {
                                rule.push_str(&format!(" -p {t}"));
                            }
                            i += 2;
                        }
                        "mask" => i += 2,
                        w if w.starts_with('(') => {
                            rule.push_str(&format!(
                                " -b {}",
                                w.trim_matches(|c| c == '(' || c == ')')
                            ));
                            i += 1;
                        }
                        _ => i += 1,
                    }
                }
                let (address, port) =
                    split_host_port(addr).map_or((None, 0), |(a, p)| (Some(a), p));
                services.push(Service {
                    key: format!("{protocol}/{addr}"),
                    address,
                    port,
                    rule,
                    line: Some(*n),
                    real: Vec::new(),
                });
            }
            _ => {}
        }
    }
    services
}

/// An ipset: its type and members.
#[derive(Clone, Debug, Default)]
struct IpSet {
    name: String,
    set_type: String,
    line: Option<usize>,
    members: Vec<(String, Option<usize>)>,
}

/// Reads `ipset list` (or `ipset save`) lines.
fn read_sets(lines: &[(usize, &str)]) -> Vec<IpSet> {
    let mut sets: Vec<IpSet> = Vec::new();
    let mut members = false;
    for (n, line) in lines {
        let t = line.trim();
        if t.is_empty() {
            members = false;
            continue;
        }
        if let Some(name) = t.strip_prefix("Name: ") {
            sets.push(IpSet {
                name: name.trim().to_string(),
                line: Some(*n),
                ..IpSet::default()
            });
            members = false;
        } else if let Some(ty) = t.strip_prefix("Type: ") {
            if let Some(s) = sets.last_mut() {
                s.set_type = ty.trim().to_string();
            }
        } else if t.starts_with("Members:") {
            members = true;
        } else if let Some(rest) = t.strip_prefix("create ") {
            let mut w = rest.split_whitespace();
            sets.push(IpSet {
                name: w.next().unwrap_or("").to_string(),
                set_type: w.next().unwrap_or("").to_string(),
                line: Some(*n),
                members: Vec::new(),
            });
        } else if let Some(rest) = t.strip_prefix("add ") {
            let mut w = rest.split_whitespace();
            let name = w.next().unwrap_or("");
            let member = w.next().unwrap_or("").to_string();
            if let Some(s) = sets.iter_mut().rev().find(|s| s.name == name) {
                s.members.push((member, Some(*n)));
            }
        } else if members {
            // `10.96.0.1,tcp:443` (counters or comments after it are not kube-proxy's).
            let member = t.split_whitespace().next().unwrap_or("").to_string();
            if let Some(s) = sets.last_mut() {
                s.members.push((member, Some(*n)));
            }
        }
    }
    sets
}

/// The family of an ipset listing's set: `KUBE-6-…` names are the IPv6 proxier's.
fn set_family(name: &str) -> IpFamily {
    if name.starts_with("KUBE-6-") {
        IpFamily::IPv6
    } else {
        IpFamily::IPv4
    }
}

/// The Service port each of svcplay's virtual servers is for (`TCP/10.96.0.1:443` →
/// `default/kubernetes:https` and its written object), every family.
fn service_ports_by_key(cx: &Context) -> HashMap<String, (String, Option<usize>)> {
    let mut out = HashMap::new();
    if cx.mode != ProxyMode::Ipvs {
        return out;
    }
    for proxier in &cx.proxy.proxiers {
        let (Some(state), facts) = (proxier.ipvs(), proxier.facts()) else {
            continue;
        };
        for vs in &state.virtual_servers {
            let key = format!(
                "{}/{}",
                vs.protocol.as_str(),
                crate::model::ip::join_host_port(&vs.address, vs.port)
            );
            if let Some(sp) = facts.service_ports.get(vs.service_port) {
                out.insert(key, (sp.info.name.to_string(), sp.info.origin.object()));
            }
        }
    }
    out
}

/// The scenario's Service addresses and NodePorts, for telling kube-proxy's virtual
/// servers from other owners'.
struct ServiceAddresses {
    addresses: HashSet<IpAddr>,
    node_ports: HashSet<u16>,
    node_addresses: HashSet<IpAddr>,
    cidrs: Vec<Cidr>,
}

impl ServiceAddresses {
    fn of(cx: &Context) -> ServiceAddresses {
        let mut a = ServiceAddresses {
            addresses: HashSet::new(),
            node_ports: HashSet::new(),
            node_addresses: HashSet::new(),
            cidrs: Vec::new(),
        };
        for f in &cx.facts {
            a.cidrs.extend(f.service_cidrs.iter().copied());
            a.node_addresses
                .extend(f.node.interfaces.iter().map(|(_, ip, _)| *ip));
            for sp in &f.service_ports {
                let i = &sp.info;
                a.addresses.insert(i.cluster_ip);
                a.addresses.extend(i.external_ips.iter().copied());
                a.addresses.extend(i.load_balancer_vips.iter().copied());
                if let Ok(p) = u16::try_from(i.node_port) {
                    a.node_ports.insert(p);
                }
            }
        }
        // The default Service range, for a dump taken with the scenario's Services gone.
        a.cidrs.extend(Cidr::parse_sloppy("10.96.0.0/12"));
        a
    }

    /// Whether a virtual server is on a Service address of the scenario.
    fn contains(&self, address: &IpAddr, port: u16) -> bool {
        self.addresses.contains(address)
            || self.cidrs.iter().any(|c| c.contains(address))
            || (self.node_addresses.contains(address)
                && (self.node_ports.contains(&port) || (30000..=32767).contains(&port)))
    }
}

fn expected_services(cx: &Context) -> Vec<(IpFamily, Vec<Service>)> {
    if cx.mode != ProxyMode::Ipvs {
        return Vec::new();
    }
    cx.proxy
        .proxiers
        .iter()
        .filter_map(|p| p.ipvs())
        .map(|state| {
            let listing = IpvsadmListing {
                services: listing_order(&[state], true),
                format: ListFormat::Rule,
                banner: false,
                numeric: true,
            }
            .to_string();
            let lines: Vec<(usize, &str)> = listing.lines().map(|l| (0, l)).collect();
            let mut services = read(&lines);
            for s in &mut services {
                s.line = None;
                for r in &mut s.real {
                    r.2 = None;
                }
            }
            (state.family, services)
        })
        .collect()
}

fn expected_sets(cx: &Context) -> Vec<IpSet> {
    if cx.mode != ProxyMode::Ipvs {
        return Vec::new();
    }
    cx.proxy
        .proxiers
        .iter()
        .filter_map(|p| p.ipvs())
        .flat_map(|state| state.ipsets.iter())
        .map(|set| IpSet {
            name: set.name.clone(),
            set_type: set.set_type.as_str().to_string(),
            line: None,
            members: set.entries.iter().map(|e| (e.to_string(), None)).collect(),
        })
        .collect()
}

/// Compares every `ipvsadm` and `ipset` section of the dumps.
pub(crate) fn check(cx: &mut Context, report: &mut Report, sections: &[(usize, Section<'_>)]) {
    for (dump, section) in sections {
        let index = report.sections.len();
        let mut info = super::Section {
            dump: *dump,
            kind: section.kind,
            description: section.kind.command().to_string(),
            first_line: section.first_line(),
            last_line: section.last_line(),
            compared: 0,
            ignored: 0,
            ignored_owners: Vec::new(),
            notes: Vec::new(),
        };
        let findings = match section.kind {
            DumpKind::Ipvsadm => virtual_servers(cx, index, section, &mut info),
            _ => ipsets(cx, index, section, &mut info),
        };
        report.sections.push(info);
        report.findings.extend(findings);
    }
}

fn virtual_servers(
    cx: &Context,
    index: usize,
    section: &Section<'_>,
    info: &mut super::Section,
) -> Vec<Finding> {
    let found = read(&section.lines);
    let expected = expected_services(cx);
    let names = service_ports_by_key(cx);
    let addresses = ServiceAddresses::of(cx);
    let expected_keys: HashSet<&str> = expected
        .iter()
        .flat_map(|(_, e)| e.iter().map(|x| x.key.as_str()))
        .collect();
    let mut out = Vec::new();
    // Families present in the dump (an IPv4-only listing says nothing of IPv6).
    let families: HashSet<IpFamily> = found
        .iter()
        .filter_map(|s| s.address.map(|a| IpFamily::of(&a)))
        .collect();
    let mut by_key: BTreeMap<String, (Option<&Service>, Option<&Service>, IpFamily)> =
        BTreeMap::new();
    for s in &found {
        let family = s.address.map_or(IpFamily::IPv4, |a| IpFamily::of(&a));
        let ours = s.address.is_some_and(|a| addresses.contains(&a, s.port))
            || expected_keys.contains(s.key.as_str());
        if !ours {
            info.ignored += 1 + s.real.len();
            if !info
                .ignored_owners
                .contains(&"virtual servers not on Service addresses".to_string())
            {
                info.ignored_owners
                    .push("virtual servers not on Service addresses".into());
            }
            continue;
        }
        by_key
            .entry(s.key.clone())
            .or_insert((None, None, family))
            .0 = Some(s);
    }
    for (family, services) in &expected {
        if !families.contains(family) && !found.is_empty() {
            continue;
        }
        for s in services {
            by_key
                .entry(s.key.clone())
                .or_insert((None, None, *family))
                .1 = Some(s);
        }
    }
    for (key, (found, wanted, _)) in by_key {
        let named = names.get(&key);
        let object = named.and_then(|n| n.1);
        let exists = named.is_some();
        let mut scope = Scope {
            table: "ipvs".into(),
            chain: key.clone(),
            ordered: false,
            ..Scope::default()
        };
        if let Some(f) = found {
            scope.found.push(Item {
                text: f.rule.clone(),
                line: f.line,
                object: None,
            });
            for (r, w, l) in &f.real {
                scope.found.push(Item {
                    text: format!("{r} {w}"),
                    line: *l,
                    object: None,
                });
            }
        }
        if let Some(w) = wanted {
            scope.expected.push(Item {
                text: w.rule.clone(),
                line: None,
                object,
            });
            for (r, weight, _) in &w.real {
                scope.expected.push(Item {
                    text: format!("{r} {weight}"),
                    line: None,
                    object,
                });
            }
        }
        info.compared += scope.found.len().max(scope.expected.len());
        let pairing = pair(&scope);
        for &i in &pairing.missing {
            out.push(Finding {
                kind: FindingKind::Missing,
                table: "ipvs".into(),
                chain: key.clone(),
                rule: scope.expected[i].text.clone(),
                note: None,
                section: index,
                line: None,
                object,
            });
        }
        for &j in &pairing.extra {
            let text = &scope.found[j].text;
            let draining = text.starts_with("-a ") && text.ends_with(" -w 0");
            let (kind, note) = if draining && cx.mode == ProxyMode::Ipvs {
                (
                    FindingKind::Runtime,
                    Some("weight 0: kube-proxy's graceful termination keeps a removed real server until its connections end".to_string()),
                )
            } else if cx.mode != ProxyMode::Ipvs {
                (
                    FindingKind::Stale,
                    Some(format!(
                        "left by kube-proxy in IPVS mode: the scenario's kube-proxy runs in {} mode",
                        cx.mode.as_str()
                    )),
                )
            } else if !exists && wanted.is_none() {
                (
                    FindingKind::Stale,
                    Some("no Service port of the scenario has this address and port".to_string()),
                )
            } else {
                (FindingKind::Extra, None)
            };
            out.push(Finding {
                kind,
                table: "ipvs".into(),
                chain: key.clone(),
                rule: text.clone(),
                note,
                section: index,
                line: scope.found[j].line,
                object,
            });
        }
    }
    // A stale virtual service says why once.
    let mut said: Vec<String> = Vec::new();
    for f in &mut out {
        if f.kind == FindingKind::Stale {
            if said.contains(&f.chain) {
                f.note = None;
            } else {
                said.push(f.chain.clone());
            }
        }
    }
    out
}

fn ipsets(
    cx: &Context,
    index: usize,
    section: &Section<'_>,
    info: &mut super::Section,
) -> Vec<Finding> {
    let found = read_sets(&section.lines);
    let expected = expected_sets(cx);
    let families: Vec<IpFamily> = found.iter().map(|s| set_family(&s.name)).collect();
    let mut names: Vec<&str> = Vec::new();
    for s in &found {
        if !s.name.starts_with("KUBE-") {
            info.ignored += s.members.len();
            info.ignored_owners.push(format!("ipset {}", s.name));
            continue;
        }
        names.push(&s.name);
    }
    for s in &expected {
        if families.contains(&set_family(&s.name)) && !names.contains(&s.name.as_str()) {
            names.push(&s.name);
        }
    }
    let mut out = Vec::new();
    for name in names {
        let f = found.iter().find(|s| s.name == name);
        let w = expected.iter().find(|s| s.name == name);
        let mut scope = Scope {
            table: "ipset".into(),
            chain: name.to_string(),
            ordered: false,
            ..Scope::default()
        };
        let create = |s: &IpSet| format!("create {} {}", s.name, s.set_type);
        if let Some(f) = f {
            scope.found.push(Item {
                text: create(f),
                line: f.line,
                object: None,
            });
            for (m, l) in &f.members {
                scope.found.push(Item {
                    text: format!("add {name} {m}"),
                    line: *l,
                    object: None,
                });
            }
        }
        if let Some(w) = w {
            scope.expected.push(Item {
                text: create(w),
                ..Item::default()
            });
            for (m, _) in &w.members {
                scope.expected.push(Item {
                    text: format!("add {name} {m}"),
                    ..Item::default()
                });
            }
        }
        info.compared += scope.found.len().max(scope.expected.len());
        let pairing = pair(&scope);
        for &i in &pairing.missing {
            out.push(Finding {
                kind: FindingKind::Missing,
                table: "ipset".into(),
                chain: name.to_string(),
                rule: scope.expected[i].text.clone(),
                note: None,
                section: index,
                line: None,
                object: None,
            });
        }
        for &j in &pairing.extra {
            let stale = cx.mode != ProxyMode::Ipvs;
            out.push(Finding {
                kind: if stale {
                    FindingKind::Stale
                } else {
                    FindingKind::Extra
                },
                table: "ipset".into(),
                chain: name.to_string(),
                rule: scope.found[j].text.clone(),
                note: None,
                section: index,
                line: scope.found[j].line,
                object: None,
            });
        }
    }
    if cx.mode != ProxyMode::Ipvs && out.iter().any(|f| f.kind == FindingKind::Stale) {
        info.notes.push(format!(
            "the KUBE-* sets are left by kube-proxy in IPVS mode: the scenario's kube-proxy runs in {} mode",
            cx.mode.as_str()
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_and_save_forms_read_alike() {
        let list = "IP Virtual Server version 1.2.1 (size=4096)\nProt LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\nTCP  10.20.30.41:80 rr persistent 10800\n  -> 10.180.0.1:80                Masq    1      0          0         \n";
        let save =
            "-A -t 10.20.30.41:80 -s rr -p 10800\n-a -t 10.20.30.41:80 -r 10.180.0.1:80 -m -w 1\n";
        let a: Vec<(usize, &str)> = list.lines().enumerate().collect();
        let b: Vec<(usize, &str)> = save.lines().enumerate().collect();
        let (a, b) = (read(&a), read(&b));
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].rule, b[0].rule);
        assert_eq!(a[0].key, "TCP/10.20.30.41:80");
        assert_eq!(a[0].real[0].0, b[0].real[0].0);
        let sets = "Name: KUBE-CLUSTER-IP\nType: hash:ip,port\nMembers:\n10.20.30.41,tcp:80\n\nName: KUBE-NODE-PORT-TCP\nType: bitmap:port\nMembers:\n3001\n";
        let lines: Vec<(usize, &str)> = sets.lines().enumerate().collect();
        let sets = read_sets(&lines);
        assert_eq!(sets.len(), 2);
        assert_eq!(sets[0].members[0].0, "10.20.30.41,tcp:80");
        assert_eq!(sets[1].set_type, "bitmap:port");
    }
}
