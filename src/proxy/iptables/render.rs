//! The iptables proxier's `syncProxyRules`, as a pure function of the facts.
//!
//! The structure follows kube-proxy's `pkg/proxy/iptables/proxier.go` (upstream master
//! after v1.35) as described in the iptables reference README §6: fixed rules, then per
//! service port the ClusterIP, external IP, load-balancer and NodePort rules, the
//! internal masquerade rule, the KUBE-EXT / KUBE-FW chains, the service→endpoint
//! cascade and one KUBE-SEP chain per reachable endpoint; finally the NodePorts jump.
//! Where the README is silent, the code follows proxier.go and `pkg/proxy/util`
//! (`localdetector.go`, `nodeport_addresses.go`) and `cmd/kube-proxy`'s handling of
//! `nodePortAddresses: [primary]`.

use super::{
    Address, Arg, Mark, Neg, Rule, RuleSource, Ruleset, Table, TableName, Target, chain_order,
    is_last_rule, service_sort_key,
};
use crate::model::ip::{Cidr, IpFamily};
use crate::proxy::config::{LocalDetector, NodeContext, ProxyConfig};
use crate::proxy::{Protocol, ProxyFacts, ServicePortFacts, chain_hash};
use std::collections::{BTreeSet, HashMap};
use std::net::{IpAddr, Ipv4Addr};

pub(crate) const KUBE_SERVICES: &str = "KUBE-SERVICES";
pub(crate) const KUBE_EXTERNAL_SERVICES: &str = "KUBE-EXTERNAL-SERVICES";
pub(crate) const KUBE_FORWARD: &str = "KUBE-FORWARD";
pub(crate) const KUBE_NODEPORTS: &str = "KUBE-NODEPORTS";
pub(crate) const KUBE_PROXY_FIREWALL: &str = "KUBE-PROXY-FIREWALL";
pub(crate) const KUBE_FIREWALL: &str = "KUBE-FIREWALL";
pub(crate) const KUBE_POSTROUTING: &str = "KUBE-POSTROUTING";
pub(crate) const KUBE_MARK_MASQ: &str = "KUBE-MARK-MASQ";
const NODEPORTS_COMMENT: &str =
    "kubernetes service nodeports; NOTE: this must be the last rule in this chain";
/// The nfacct counter of packets dropped for an INVALID conntrack state.
pub const CT_STATE_INVALID_COUNTER: &str = "ct_state_invalid_dropped_pkts";
/// The nfacct counter of accepted localhost NodePort packets.
pub const LOCALHOST_NODEPORTS_COUNTER: &str = "localhost_nps_accepted_pkts";

/// Which addresses NodePorts listen on (`nodePortAddresses`), for one family.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodePortAddresses {
    pub cidrs: Vec<Cidr>,
    /// An empty list or a /0: every local address.
    pub match_all: bool,
    pub contains_ipv4_loopback: bool,
}

impl NodePortAddresses {
    /// kube-proxy's `NewNodePortAddresses(family, cidrStrings)`, after `cmd/kube-proxy`
    /// replaced the single keyword `primary` by the node's IPs (`ip/32`, `ip/128`,
    /// loopback node IPs left out).
    pub fn new(family: IpFamily, config: &ProxyConfig, node: &NodeContext) -> NodePortAddresses {
        let mut cidrs: Vec<Cidr> = Vec::new();
        if config.node_port_addresses.len() == 1 && config.node_port_addresses[0] == "primary" {
            for f in [IpFamily::IPv4, IpFamily::IPv6] {
                if let Some(ip) = node.node_ip(f).filter(|ip| !ip.is_loopback()) {
                    if f == family {
                        cidrs.push(Cidr::host(ip));
                    }
                }
            }
        } else {
            for text in &config.node_port_addresses {
                if let Some(cidr) = Cidr::parse_sloppy(text.trim()) {
                    if cidr.family() == family {
                        cidrs.push(cidr);
                    }
                }
            }
        }
        if cidrs.is_empty() {
            let all = match family {
                IpFamily::IPv4 => "0.0.0.0/0",
                IpFamily::IPv6 => "::/0",
            };
            cidrs.push(Cidr::parse_sloppy(all).expect("constant CIDR"));
        }
        let loopback_start = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 0));
        let mut contains_ipv4_loopback = false;
        let mut kept = Vec::new();
        let mut match_all = false;
        for cidr in cidrs {
            if cidr.family() == IpFamily::IPv4
                && (cidr.addr.is_loopback() || cidr.contains(&loopback_start))
            {
                contains_ipv4_loopback = true;
            }
            // A /0 matches every address: kube-proxy ignores the other CIDRs.
            if cidr.prefix == 0 {
                kept = vec![cidr];
                match_all = true;
                break;
            }
            kept.push(cidr);
        }
        NodePortAddresses {
            cidrs: kept,
            match_all,
            contains_ipv4_loopback,
        }
    }

    /// The host addresses inside the configured CIDRs, deduplicated. kube-proxy collects
    /// them in a Go map (random order); svcplay keeps the interfaces' order.
    pub fn node_ips(&self, node: &NodeContext) -> Vec<IpAddr> {
        let mut ips: Vec<IpAddr> = Vec::new();
        for (_, ip, _) in &node.interfaces {
            if self.cidrs.iter().any(|c| c.contains(ip)) && !ips.contains(ip) {
                ips.push(*ip);
            }
        }
        ips
    }
}

/// Whether kube-proxy accepts NodePort connections on 127.0.0.1 for this family: IPv4
/// only, `localhostNodePorts` on, and `nodePortAddresses` covering the loopback block
/// (kube-proxy forces the option off otherwise).
pub fn localhost_node_ports(facts: &ProxyFacts) -> bool {
    facts.family == IpFamily::IPv4
        && facts.config.localhost_node_ports
        && NodePortAddresses::new(facts.family, &facts.config, &facts.node).contains_ipv4_loopback
}

struct Writer {
    filter: Vec<Rule>,
    nat: Vec<Rule>,
    nat_chains: BTreeSet<String>,
}

impl Writer {
    fn rule(
        &mut self,
        table: TableName,
        chain: &str,
        args: Vec<Arg>,
        target: Option<Target>,
        source: RuleSource,
    ) {
        let rule = Rule {
            chain: chain.to_string(),
            args,
            target,
            source,
        };
        match table {
            TableName::Nat => self.nat.push(rule),
            TableName::Filter | TableName::Mangle => self.filter.push(rule),
        }
    }
}

/// The source/interface match of a local-traffic detector (`IfLocal`, or `IfNotLocal`
/// with [`Neg::Not`]); `None` for the no-op detector.
fn detector_arg(detector: &LocalDetector, neg: Neg) -> Option<Arg> {
    match detector {
        LocalDetector::NoOp => None,
        LocalDetector::Cidr(c) => Some(Arg::Source(neg, Address::Cidr(*c))),
        LocalDetector::Interface(i) => Some(Arg::InInterface(neg, i.clone())),
    }
}

/// kube-proxy's ruleset for the facts' node and family.
pub fn render(facts: &ProxyFacts) -> Ruleset {
    let config = &facts.config;
    let node = &facts.node;
    let family = facts.family;
    let mark = Mark(config.masquerade_mark_value());
    let localhost_nps = localhost_node_ports(facts);
    let detector = config.local_detector(family, node);
    let mut w = Writer {
        filter: Vec::new(),
        nat: Vec::new(),
        nat_chains: BTreeSet::new(),
    };
    let none = RuleSource::default();

    let mut filter_chains: Vec<String> = [
        KUBE_SERVICES,
        KUBE_EXTERNAL_SERVICES,
        KUBE_FORWARD,
        KUBE_NODEPORTS,
        KUBE_PROXY_FIREWALL,
    ]
    .map(String::from)
    .to_vec();
    if localhost_nps {
        let loopback = Address::Cidr(Cidr::parse_sloppy("127.0.0.0/8").expect("constant CIDR"));
        filter_chains.push(KUBE_FIREWALL.into());
        w.rule(
            TableName::Filter,
            KUBE_FIREWALL,
            vec![
                Arg::Comment("block incoming localnet connections".into()),
                Arg::Destination(Neg::Is, loopback),
                Arg::Source(Neg::Not, loopback),
                Arg::CtState(Neg::Not, "RELATED,ESTABLISHED,DNAT".into()),
            ],
            Some(Target::Drop),
            none,
        );
    }
    for chain in [
        KUBE_SERVICES,
        KUBE_NODEPORTS,
        KUBE_POSTROUTING,
        KUBE_MARK_MASQ,
    ] {
        w.nat_chains.insert(chain.into());
    }
    w.rule(
        TableName::Nat,
        KUBE_POSTROUTING,
        vec![Arg::Mark {
            neg: Neg::Not,
            value: mark,
            mask: mark,
        }],
        Some(Target::Return),
        none,
    );
    w.rule(
        TableName::Nat,
        KUBE_POSTROUTING,
        vec![],
        Some(Target::MarkXor(mark)),
        none,
    );
    w.rule(
        TableName::Nat,
        KUBE_POSTROUTING,
        vec![Arg::Comment(
            "kubernetes service traffic requiring SNAT".into(),
        )],
        Some(Target::Masquerade {
            random_fully: node.random_fully,
        }),
        none,
    );
    w.rule(
        TableName::Nat,
        KUBE_MARK_MASQ,
        vec![],
        Some(Target::MarkOr(mark)),
        none,
    );

    let context = ServiceContext {
        facts,
        detector: &detector,
        localhost_nps,
        large: facts.large_cluster_mode(),
        node_ip: facts.node.proxier_node_ip(family),
    };
    for (index, sp) in facts.service_ports.iter().enumerate() {
        service_port_rules(&mut w, &context, index, sp);
    }

    // The FORWARD rules come after the per-service filter rules in kube-proxy's output.
    if !node.conntrack_tcp_be_liberal {
        let mut args = vec![Arg::CtState(Neg::Is, "INVALID".into())];
        if node.nfacct {
            args.push(Arg::Nfacct(CT_STATE_INVALID_COUNTER.into()));
        }
        w.rule(
            TableName::Filter,
            KUBE_FORWARD,
            args,
            Some(Target::Drop),
            none,
        );
    }
    w.rule(
        TableName::Filter,
        KUBE_FORWARD,
        vec![
            Arg::Comment("kubernetes forwarding rules".into()),
            Arg::Mark {
                neg: Neg::Is,
                value: mark,
                mask: mark,
            },
        ],
        Some(Target::Accept),
        none,
    );
    w.rule(
        TableName::Filter,
        KUBE_FORWARD,
        vec![
            Arg::Comment("kubernetes forwarding conntrack rule".into()),
            Arg::CtState(Neg::Is, "RELATED,ESTABLISHED".into()),
        ],
        Some(Target::Accept),
        none,
    );

    // Finally the tail call to KUBE-NODEPORTS, the last rule of nat KUBE-SERVICES.
    let npa = NodePortAddresses::new(family, config, node);
    let jump = Some(Target::Jump(KUBE_NODEPORTS.into()));
    if npa.match_all {
        let mut args = vec![
            Arg::Comment(NODEPORTS_COMMENT.into()),
            Arg::DstTypeLocal(Neg::Is),
        ];
        match family {
            IpFamily::IPv6 => args.push(Arg::Destination(
                Neg::Not,
                Address::Cidr(Cidr::parse_sloppy("::1/128").expect("constant CIDR")),
            )),
            IpFamily::IPv4 if !localhost_nps => args.push(Arg::Destination(
                Neg::Not,
                Address::Cidr(Cidr::parse_sloppy("127.0.0.0/8").expect("constant CIDR")),
            )),
            IpFamily::IPv4 => {}
        }
        w.rule(TableName::Nat, KUBE_SERVICES, args, jump, none);
    } else {
        for ip in npa.node_ips(node) {
            // Loopback addresses only work for IPv4 with localhost NodePorts enabled.
            if ip.is_loopback() && (family == IpFamily::IPv6 || !localhost_nps) {
                continue;
            }
            w.rule(
                TableName::Nat,
                KUBE_SERVICES,
                vec![
                    Arg::Comment(NODEPORTS_COMMENT.into()),
                    Arg::Destination(Neg::Is, Address::Ip(ip)),
                ],
                jump.clone(),
                none,
            );
        }
    }

    let nat_chains: Vec<String> = std::mem::take(&mut w.nat_chains).into_iter().collect();
    Ruleset {
        family,
        filter: assemble(TableName::Filter, filter_chains, w.filter),
        nat: assemble(TableName::Nat, nat_chains, w.nat),
    }
}

/// Puts a table in the canonical order of kube-proxy's tests: chains sorted, rules grouped
/// by chain in kube-proxy's order, KUBE-SERVICES and KUBE-NODEPORTS stably sorted by
/// Service name with the NodePorts jump kept last. Linear in the number of rules (plus
/// the sorts), since a large cluster has ~10⁵ rules in ~10⁵ chains.
fn assemble(name: TableName, mut chains: Vec<String>, rules: Vec<Rule>) -> Table {
    {
        let mut known: BTreeSet<&str> = chains.iter().map(String::as_str).collect();
        let mut extra: Vec<String> = Vec::new();
        for r in &rules {
            if known.insert(r.chain.as_str()) {
                extra.push(r.chain.clone());
            }
        }
        chains.extend(extra);
    }
    chains.sort_by(|a, b| chain_order(a, b));
    chains.dedup();
    let position: HashMap<&str, usize> = chains
        .iter()
        .enumerate()
        .map(|(i, c)| (c.as_str(), i))
        .collect();
    let mut buckets: Vec<Vec<Rule>> = (0..chains.len()).map(|_| Vec::new()).collect();
    for rule in rules {
        // Every rule's chain is in `chains` (added above).
        let at = position.get(rule.chain.as_str()).copied().unwrap_or(0);
        buckets[at].push(rule);
    }
    let mut ordered = Vec::with_capacity(buckets.iter().map(Vec::len).sum());
    for (chain, mut in_chain) in chains.iter().zip(buckets) {
        if chain == KUBE_SERVICES || chain == KUBE_NODEPORTS {
            let (mut last, mut rest): (Vec<Rule>, Vec<Rule>) =
                in_chain.into_iter().partition(is_last_rule);
            rest.sort_by(|a, b| service_sort_key(a).cmp(service_sort_key(b)));
            rest.append(&mut last);
            in_chain = rest;
        }
        ordered.extend(in_chain);
    }
    Table {
        name,
        chains,
        rules: ordered,
    }
}

/// What every service port's rules share.
struct ServiceContext<'a> {
    facts: &'a ProxyFacts,
    detector: &'a LocalDetector,
    localhost_nps: bool,
    /// Large-cluster mode: no comments on per-endpoint rules.
    large: bool,
    /// The proxier's node IP (loopback when the node has none of the family).
    node_ip: IpAddr,
}

fn service_port_rules(
    w: &mut Writer,
    cx: &ServiceContext<'_>,
    index: usize,
    sp: &ServicePortFacts,
) {
    let info = &sp.info;
    let config = &cx.facts.config;
    let large = cx.large;
    let spn = info.name.to_string();
    let proto = info.protocol;
    let hash = chain_hash(&[&spn, proto.lower()]);
    let svc_chain = format!("KUBE-SVC-{hash}");
    let svl_chain = format!("KUBE-SVL-{hash}");
    let ext_chain = format!("KUBE-EXT-{hash}");
    let fw_chain = format!("KUBE-FW-{hash}");
    let src = RuleSource {
        service_port: Some(index),
        endpoint: None,
    };

    let has_endpoints = sp.has_any_endpoints;
    let internal_chain = if info.internal_policy_local {
        &svl_chain
    } else {
        &svc_chain
    };
    let external_policy_chain = if info.external_policy_local {
        &svl_chain
    } else {
        &svc_chain
    };
    let has_internal_endpoints = if info.internal_policy_local {
        has_endpoints && !sp.local.is_empty()
    } else {
        has_endpoints
    };
    let has_external_endpoints = if info.external_policy_local {
        has_endpoints && !sp.local.is_empty()
    } else {
        has_endpoints
    };
    let uses_cluster_chain = !sp.cluster.is_empty() && info.uses_cluster_endpoints();
    let uses_local_chain = !sp.local.is_empty() && info.uses_local_endpoints();
    let uses_external_chain = has_endpoints && info.externally_accessible();
    let uses_fw_chain = has_endpoints
        && !info.load_balancer_vips.is_empty()
        && !info.load_balancer_source_ranges.is_empty();
    let lb_target = if uses_fw_chain { &fw_chain } else { &ext_chain };
    // With no endpoints at all, traffic is rejected; with endpoints but none usable
    // for the policy, it is dropped.
    let (filter_target, filter_comment) = if !has_endpoints {
        (Target::Reject, format!("{spn} has no endpoints"))
    } else {
        (Target::Drop, format!("{spn} has no local endpoints"))
    };
    let vip_args = |comment: String, dst: IpAddr| {
        vec![
            Arg::Comment(comment),
            Arg::Proto(proto),
            Arg::Destination(Neg::Is, Address::Ip(dst)),
            Arg::DestinationPort(info.port),
        ]
    };

    // The ClusterIP.
    if has_internal_endpoints {
        w.rule(
            TableName::Nat,
            KUBE_SERVICES,
            vip_args(format!("{spn} cluster IP"), info.cluster_ip),
            Some(Target::Jump(internal_chain.clone())),
            src,
        );
    } else {
        w.rule(
            TableName::Filter,
            KUBE_SERVICES,
            vip_args(filter_comment.clone(), info.cluster_ip),
            Some(filter_target.clone()),
            src,
        );
    }

    // External IPs.
    for ip in &info.external_ips {
        if has_endpoints {
            w.rule(
                TableName::Nat,
                KUBE_SERVICES,
                vip_args(format!("{spn} external IP"), *ip),
                Some(Target::Jump(ext_chain.clone())),
                src,
            );
        }
        if !has_external_endpoints {
            w.rule(
                TableName::Filter,
                KUBE_EXTERNAL_SERVICES,
                vip_args(filter_comment.clone(), *ip),
                Some(filter_target.clone()),
                src,
            );
        }
    }

    // Load-balancer ingress IPs.
    for ip in &info.load_balancer_vips {
        if has_endpoints {
            w.rule(
                TableName::Nat,
                KUBE_SERVICES,
                vip_args(format!("{spn} loadbalancer IP"), *ip),
                Some(Target::Jump(lb_target.clone())),
                src,
            );
        }
        if uses_fw_chain {
            w.rule(
                TableName::Filter,
                KUBE_PROXY_FIREWALL,
                vip_args(format!("{spn} traffic not accepted by {fw_chain}"), *ip),
                Some(Target::Drop),
                src,
            );
        }
    }
    if !has_external_endpoints {
        for ip in &info.load_balancer_vips {
            w.rule(
                TableName::Filter,
                KUBE_EXTERNAL_SERVICES,
                vip_args(filter_comment.clone(), *ip),
                Some(filter_target.clone()),
                src,
            );
        }
    }

    // The NodePort. NodePorts are never subject to loadBalancerSourceRanges.
    if info.node_port != 0 {
        if has_endpoints {
            if cx.localhost_nps && cx.facts.node.nfacct {
                w.rule(
                    TableName::Nat,
                    KUBE_NODEPORTS,
                    vec![
                        Arg::Comment(spn.clone()),
                        Arg::Proto(proto),
                        Arg::Destination(
                            Neg::Is,
                            Address::Cidr(
                                Cidr::parse_sloppy("127.0.0.0/8").expect("constant CIDR"),
                            ),
                        ),
                        Arg::DestinationPort(info.node_port),
                        Arg::Nfacct(LOCALHOST_NODEPORTS_COUNTER.into()),
                    ],
                    Some(Target::Jump(ext_chain.clone())),
                    src,
                );
            }
            w.rule(
                TableName::Nat,
                KUBE_NODEPORTS,
                vec![
                    Arg::Comment(spn.clone()),
                    Arg::Proto(proto),
                    Arg::DestinationPort(info.node_port),
                ],
                Some(Target::Jump(ext_chain.clone())),
                src,
            );
        }
        if !has_external_endpoints {
            w.rule(
                TableName::Filter,
                KUBE_EXTERNAL_SERVICES,
                vec![
                    Arg::Comment(filter_comment.clone()),
                    Arg::DstTypeLocal(Neg::Is),
                    Arg::Proto(proto),
                    Arg::DestinationPort(info.node_port),
                ],
                Some(filter_target.clone()),
                src,
            );
        }
    }

    // The health-check NodePort is open whether or not there are local endpoints.
    if info.health_check_node_port != 0 {
        w.rule(
            TableName::Filter,
            KUBE_NODEPORTS,
            vec![
                Arg::Comment(format!("{spn} health check node port")),
                Arg::Proto(Protocol::Tcp),
                Arg::DestinationPort(info.health_check_node_port),
            ],
            Some(Target::Accept),
            src,
        );
    }

    if !has_endpoints {
        return;
    }

    // Masquerade off-cluster traffic to the ClusterIP.
    if has_internal_endpoints {
        let mut args = vip_args(format!("{spn} cluster IP"), info.cluster_ip);
        if config.masquerade_all {
            w.rule(
                TableName::Nat,
                internal_chain,
                args,
                Some(Target::Jump(KUBE_MARK_MASQ.into())),
                src,
            );
        } else if let Some(not_local) = detector_arg(cx.detector, Neg::Not) {
            args.push(not_local);
            w.rule(
                TableName::Nat,
                internal_chain,
                args,
                Some(Target::Jump(KUBE_MARK_MASQ.into())),
                src,
            );
        }
    }

    // The chain for traffic to external destinations (NodePort, external and LB IPs).
    if uses_external_chain {
        w.nat_chains.insert(ext_chain.clone());
        if !info.external_policy_local {
            w.rule(
                TableName::Nat,
                &ext_chain,
                vec![Arg::Comment(format!(
                    "masquerade traffic for {spn} external destinations"
                ))],
                Some(Target::Jump(KUBE_MARK_MASQ.into())),
                src,
            );
        } else {
            if let Some(local) = detector_arg(cx.detector, Neg::Is) {
                w.rule(
                    TableName::Nat,
                    &ext_chain,
                    vec![
                        Arg::Comment(format!("pod traffic for {spn} external destinations")),
                        local,
                    ],
                    Some(Target::Jump(svc_chain.clone())),
                    src,
                );
            }
            w.rule(
                TableName::Nat,
                &ext_chain,
                vec![
                    Arg::Comment(format!(
                        "masquerade LOCAL traffic for {spn} external destinations"
                    )),
                    Arg::SrcTypeLocal(Neg::Is),
                ],
                Some(Target::Jump(KUBE_MARK_MASQ.into())),
                src,
            );
            w.rule(
                TableName::Nat,
                &ext_chain,
                vec![
                    Arg::Comment(format!(
                        "route LOCAL traffic for {spn} external destinations"
                    )),
                    Arg::SrcTypeLocal(Neg::Is),
                ],
                Some(Target::Jump(svc_chain.clone())),
                src,
            );
        }
        if has_external_endpoints {
            w.rule(
                TableName::Nat,
                &ext_chain,
                vec![],
                Some(Target::Jump(external_policy_chain.clone())),
                src,
            );
        }
    }

    // loadBalancerSourceRanges.
    if uses_fw_chain {
        w.nat_chains.insert(fw_chain.clone());
        let comment = format!("{spn} loadbalancer IP");
        let mut allow_from_node = false;
        for range in &info.load_balancer_source_ranges {
            w.rule(
                TableName::Nat,
                &fw_chain,
                vec![
                    Arg::Comment(comment.clone()),
                    Arg::Source(Neg::Is, Address::Cidr(*range)),
                ],
                Some(Target::Jump(ext_chain.clone())),
                src,
            );
            if range.contains(&cx.node_ip) {
                allow_from_node = true;
            }
        }
        // A VIP-like load balancer often adds the VIP as a local address, so a request
        // from the node to the VIP loops back with the VIP as its source.
        if allow_from_node {
            for ip in &info.load_balancer_vips {
                w.rule(
                    TableName::Nat,
                    &fw_chain,
                    vec![
                        Arg::Comment(comment.clone()),
                        Arg::Source(Neg::Is, Address::Ip(*ip)),
                    ],
                    Some(Target::Jump(ext_chain.clone())),
                    src,
                );
            }
        }
        w.rule(
            TableName::Nat,
            &fw_chain,
            vec![Arg::Comment(format!(
                "other traffic to {spn} will be dropped by KUBE-PROXY-FIREWALL"
            ))],
            None,
            src,
        );
    }

    // Each endpoint's chain name is hashed once and shared by the cascade and the chain.
    let sep_chains: Vec<Option<String>> = {
        let mut names = vec![None; sp.endpoints.len()];
        for &e in sp.cluster.iter().chain(&sp.local).chain(&sp.reachable) {
            if names[e].is_none() {
                names[e] = Some(sep_chain(
                    &spn,
                    proto.lower(),
                    &sp.endpoints[e].endpoint_string(),
                ));
            }
        }
        names
    };
    let cascade = Cascade {
        sp,
        index,
        spn: &spn,
        large,
        sep_chains: &sep_chains,
    };
    if uses_cluster_chain {
        w.nat_chains.insert(svc_chain.clone());
        cascade.write(w, &svc_chain, &sp.cluster);
    }
    if uses_local_chain {
        w.nat_chains.insert(svl_chain.clone());
        cascade.write(w, &svl_chain, &sp.local);
    }

    // One chain per reachable endpoint.
    for &e in &sp.reachable {
        let endpoint = &sp.endpoints[e];
        let Some(chain) = sep_chains[e].as_deref() else {
            continue;
        };
        w.nat_chains.insert(chain.to_string());
        let source = RuleSource {
            service_port: Some(index),
            endpoint: Some(e),
        };
        let mut masq = Vec::with_capacity(2);
        if !large {
            masq.push(Arg::Comment(spn.clone()));
        }
        masq.push(Arg::Source(Neg::Is, Address::Ip(endpoint.ip)));
        w.rule(
            TableName::Nat,
            chain,
            masq,
            Some(Target::Jump(KUBE_MARK_MASQ.into())),
            source,
        );
        let mut dnat = Vec::with_capacity(3);
        if !large {
            dnat.push(Arg::Comment(spn.clone()));
        }
        if info.session_affinity_timeout.is_some() {
            dnat.push(Arg::RecentSet {
                name: chain.to_string(),
            });
        }
        dnat.push(Arg::Proto(proto));
        w.rule(
            TableName::Nat,
            chain,
            dnat,
            Some(Target::Dnat {
                ip: endpoint.ip,
                port: endpoint.port,
            }),
            source,
        );
    }
}

/// `KUBE-SEP-` + hash of service port name, protocol and endpoint.
pub fn sep_chain(spn: &str, proto: &str, endpoint: &str) -> String {
    format!("KUBE-SEP-{}", chain_hash(&[spn, proto, endpoint]))
}

/// The affinity checks and the probability cascade of a KUBE-SVC/KUBE-SVL chain
/// (`writeServiceToEndpointRules`).
struct Cascade<'a> {
    sp: &'a ServicePortFacts,
    index: usize,
    spn: &'a str,
    large: bool,
    sep_chains: &'a [Option<String>],
}

impl Cascade<'_> {
    fn write(&self, w: &mut Writer, chain: &str, endpoints: &[usize]) {
        let with_comment = |e: usize| {
            if self.large {
                Vec::with_capacity(1)
            } else {
                vec![Arg::Comment(format!(
                    "{} -> {}",
                    self.spn,
                    self.sp.endpoints[e].endpoint_string()
                ))]
            }
        };
        let source = |e: usize| RuleSource {
            service_port: Some(self.index),
            endpoint: Some(e),
        };
        let sep = |e: usize| self.sep_chains[e].clone().unwrap_or_default();
        if let Some(seconds) = self.sp.info.session_affinity_timeout {
            for &e in endpoints {
                let mut args = with_comment(e);
                args.push(Arg::RecentCheck {
                    name: sep(e),
                    seconds,
                });
                w.rule(
                    TableName::Nat,
                    chain,
                    args,
                    Some(Target::Jump(sep(e))),
                    source(e),
                );
            }
        }
        let n = endpoints.len();
        for (i, &e) in endpoints.iter().enumerate() {
            let mut args = with_comment(e);
            if i + 1 < n {
                args.push(Arg::Probability(1.0 / (n - i) as f64));
            }
            w.rule(
                TableName::Nat,
                chain,
                args,
                Some(Target::Jump(sep(e))),
                source(e),
            );
        }
    }
}
