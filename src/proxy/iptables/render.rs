//! The iptables proxier's `syncProxyRules`, as a pure function of the facts.
//!
//! The structure follows kube-proxy's `pkg/proxy/iptables/proxier.go` (upstream master
//! after v1.35) as described in the iptables reference README §6: fixed rules, then per
//! service port the ClusterIP, external IP, load-balancer and NodePort rules, the
//! internal masquerade rule, the KUBE-EXT / KUBE-FW chains, the service→endpoint
//! cascade and one KUBE-SEP chain per reachable endpoint; finally the NodePorts jump.

use super::{
    Arg, Neg, Rule, RuleSource, Ruleset, Table, TableName, Target, chain_order, is_last_rule,
    service_sort_key,
};
use crate::model::ip::{Cidr, IpFamily};
use crate::proxy::config::{NodeContext, ProxyConfig};
use crate::proxy::{ProxyFacts, ServicePortFacts, chain_hash};
use std::collections::BTreeSet;
use std::net::IpAddr;

const KUBE_SERVICES: &str = "KUBE-SERVICES";
const KUBE_EXTERNAL_SERVICES: &str = "KUBE-EXTERNAL-SERVICES";
const KUBE_FORWARD: &str = "KUBE-FORWARD";
const KUBE_NODEPORTS: &str = "KUBE-NODEPORTS";
const KUBE_PROXY_FIREWALL: &str = "KUBE-PROXY-FIREWALL";
const KUBE_FIREWALL: &str = "KUBE-FIREWALL";
const KUBE_POSTROUTING: &str = "KUBE-POSTROUTING";
const KUBE_MARK_MASQ: &str = "KUBE-MARK-MASQ";
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
    /// kube-proxy's `NewNodePortAddresses(family, cidrStrings, primaryIP)`.
    pub fn new(family: IpFamily, config: &ProxyConfig, node: &NodeContext) -> NodePortAddresses {
        let mut cidrs = Vec::new();
        for text in &config.node_port_addresses {
            if text == "primary" {
                if let Some(ip) = node.node_ip(family) {
                    cidrs.push(Cidr::host(ip));
                }
                continue;
            }
            if let Some(cidr) = Cidr::parse_sloppy(text) {
                if cidr.family() == family {
                    cidrs.push(cidr);
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
        let loopback: IpAddr = "127.0.0.1".parse().expect("constant IP");
        NodePortAddresses {
            match_all: cidrs.iter().any(|c| c.prefix == 0),
            contains_ipv4_loopback: cidrs.iter().any(|c| c.contains(&loopback)),
            cidrs,
        }
    }

    /// The host addresses inside the configured CIDRs, in interface order, deduplicated.
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

/// Whether kube-proxy accepts NodePort connections on 127.0.0.1 for this family.
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
            TableName::Filter => self.filter.push(rule),
            TableName::Nat => self.nat.push(rule),
        }
    }
}

/// kube-proxy's ruleset for the facts' node and family.
pub fn render(facts: &ProxyFacts) -> Ruleset {
    let config = &facts.config;
    let node = &facts.node;
    let family = facts.family;
    let mark = config.masquerade_mark();
    let localhost_nps = localhost_node_ports(facts);
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
        filter_chains.push(KUBE_FIREWALL.into());
        w.rule(
            TableName::Filter,
            KUBE_FIREWALL,
            vec![
                Arg::Comment("block incoming localnet connections".into()),
                Arg::Destination(Neg::Is, "127.0.0.0/8".into()),
                Arg::Source(Neg::Not, "127.0.0.0/8".into()),
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
        vec![Arg::Mark(Neg::Not, format!("{mark}/{mark}"))],
        Some(Target::Return),
        none,
    );
    w.rule(
        TableName::Nat,
        KUBE_POSTROUTING,
        vec![],
        Some(Target::MarkXor(mark.clone())),
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
        Some(Target::MarkOr(mark.clone())),
        none,
    );

    for (index, sp) in facts.service_ports.iter().enumerate() {
        service_port_rules(&mut w, facts, index, sp, localhost_nps);
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
            Arg::Mark(Neg::Is, format!("{mark}/{mark}")),
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
            IpFamily::IPv6 => args.push(Arg::Destination(Neg::Not, "::1/128".into())),
            IpFamily::IPv4 if !localhost_nps => {
                args.push(Arg::Destination(Neg::Not, "127.0.0.0/8".into()))
            }
            IpFamily::IPv4 => {}
        }
        w.rule(TableName::Nat, KUBE_SERVICES, args, jump, none);
    } else {
        for ip in npa.node_ips(node) {
            if ip.is_loopback() && (family == IpFamily::IPv6 || !localhost_nps) {
                continue;
            }
            w.rule(
                TableName::Nat,
                KUBE_SERVICES,
                vec![
                    Arg::Comment(NODEPORTS_COMMENT.into()),
                    Arg::Destination(Neg::Is, ip.to_string()),
                ],
                jump.clone(),
                none,
            );
        }
    }

    let nat_chains: Vec<String> = w.nat_chains.iter().cloned().collect();
    Ruleset {
        family,
        filter: assemble(TableName::Filter, filter_chains, w.filter),
        nat: assemble(TableName::Nat, nat_chains, w.nat),
    }
}

/// Puts a table in the canonical order of kube-proxy's tests: chains sorted, rules grouped
/// by chain in kube-proxy's order, KUBE-SERVICES and KUBE-NODEPORTS stably sorted by
/// Service name with the NodePorts jump kept last.
fn assemble(name: TableName, mut chains: Vec<String>, rules: Vec<Rule>) -> Table {
    for r in &rules {
        if !chains.contains(&r.chain) {
            chains.push(r.chain.clone());
        }
    }
    chains.sort_by(|a, b| chain_order(a, b));
    let mut ordered = Vec::with_capacity(rules.len());
    for chain in &chains {
        let mut in_chain: Vec<Rule> = rules
            .iter()
            .filter(|r| &r.chain == chain)
            .cloned()
            .collect();
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

fn service_port_rules(
    w: &mut Writer,
    facts: &ProxyFacts,
    index: usize,
    sp: &ServicePortFacts,
    localhost_nps: bool,
) {
    let info = &sp.info;
    let config = &facts.config;
    let detector = config.local_detector(facts.family, &facts.node);
    let large = facts.large_cluster_mode();
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
        !sp.local.is_empty()
    } else {
        has_endpoints
    };
    let has_external_endpoints = if info.external_policy_local {
        !sp.local.is_empty()
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
    let (internal_filter_target, internal_filter_comment) = if !has_endpoints {
        (Target::Reject, format!("{spn} has no endpoints"))
    } else {
        (Target::Drop, format!("{spn} has no local endpoints"))
    };
    let (external_filter_target, external_filter_comment) = (
        internal_filter_target.clone(),
        internal_filter_comment.clone(),
    );
    let cluster_ip = info.cluster_ip.to_string();
    let vip_args = |comment: String, dst: &str| {
        vec![
            Arg::Comment(comment),
            Arg::Proto(proto),
            Arg::Destination(Neg::Is, dst.to_string()),
            Arg::DestinationPort(info.port),
        ]
    };

    // The ClusterIP.
    if has_internal_endpoints {
        w.rule(
            TableName::Nat,
            KUBE_SERVICES,
            vip_args(format!("{spn} cluster IP"), &cluster_ip),
            Some(Target::Jump(internal_chain.clone())),
            src,
        );
    } else {
        w.rule(
            TableName::Filter,
            KUBE_SERVICES,
            vip_args(internal_filter_comment.clone(), &cluster_ip),
            Some(internal_filter_target.clone()),
            src,
        );
    }

    // External IPs.
    for ip in &info.external_ips {
        let ip = ip.to_string();
        if has_endpoints {
            w.rule(
                TableName::Nat,
                KUBE_SERVICES,
                vip_args(format!("{spn} external IP"), &ip),
                Some(Target::Jump(ext_chain.clone())),
                src,
            );
        }
        if !has_external_endpoints {
            w.rule(
                TableName::Filter,
                KUBE_EXTERNAL_SERVICES,
                vip_args(external_filter_comment.clone(), &ip),
                Some(external_filter_target.clone()),
                src,
            );
        }
    }

    // Load-balancer ingress IPs.
    for ip in &info.load_balancer_vips {
        let ip = ip.to_string();
        if has_endpoints {
            w.rule(
                TableName::Nat,
                KUBE_SERVICES,
                vip_args(format!("{spn} loadbalancer IP"), &ip),
                Some(Target::Jump(lb_target.clone())),
                src,
            );
        }
        if uses_fw_chain {
            w.rule(
                TableName::Filter,
                KUBE_PROXY_FIREWALL,
                vip_args(format!("{spn} traffic not accepted by {fw_chain}"), &ip),
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
                vip_args(external_filter_comment.clone(), &ip.to_string()),
                Some(external_filter_target.clone()),
                src,
            );
        }
    }

    // The NodePort.
    if info.node_port != 0 {
        if has_endpoints {
            if localhost_nps && facts.node.nfacct {
                w.rule(
                    TableName::Nat,
                    KUBE_NODEPORTS,
                    vec![
                        Arg::Comment(spn.clone()),
                        Arg::Proto(proto),
                        Arg::Destination(Neg::Is, "127.0.0.0/8".into()),
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
                    Arg::Comment(external_filter_comment.clone()),
                    Arg::DstTypeLocal(Neg::Is),
                    Arg::Proto(proto),
                    Arg::DestinationPort(info.node_port),
                ],
                Some(external_filter_target.clone()),
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
                Arg::Proto(crate::proxy::Protocol::Tcp),
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
        let mut args = vip_args(format!("{spn} cluster IP"), &cluster_ip);
        if config.masquerade_all {
            w.rule(
                TableName::Nat,
                internal_chain,
                args,
                Some(Target::Jump(KUBE_MARK_MASQ.into())),
                src,
            );
        } else if let Some(not_local) = detector.if_not_local() {
            args.push(detector_arg(&not_local));
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
            if let Some(local) = detector.if_local() {
                w.rule(
                    TableName::Nat,
                    &ext_chain,
                    vec![
                        Arg::Comment(format!("pod traffic for {spn} external destinations")),
                        detector_arg(&local),
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
        let node_ip = facts.node.node_ip(facts.family);
        let mut allow_from_node = false;
        for range in &info.load_balancer_source_ranges {
            w.rule(
                TableName::Nat,
                &fw_chain,
                vec![
                    Arg::Comment(comment.clone()),
                    Arg::Source(Neg::Is, range.to_string()),
                ],
                Some(Target::Jump(ext_chain.clone())),
                src,
            );
            if node_ip.is_some_and(|ip| range.contains(&ip)) {
                allow_from_node = true;
            }
        }
        if allow_from_node {
            for ip in &info.load_balancer_vips {
                w.rule(
                    TableName::Nat,
                    &fw_chain,
                    vec![
                        Arg::Comment(comment.clone()),
                        Arg::Source(Neg::Is, ip.to_string()),
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

    if uses_cluster_chain {
        w.nat_chains.insert(svc_chain.clone());
        endpoint_cascade(w, sp, index, &svc_chain, &sp.cluster, &spn, large);
    }
    if uses_local_chain {
        w.nat_chains.insert(svl_chain.clone());
        endpoint_cascade(w, sp, index, &svl_chain, &sp.local, &spn, large);
    }

    // One chain per reachable endpoint.
    for &e in &sp.reachable {
        let endpoint = &sp.endpoints[e];
        let chain = sep_chain(&spn, proto.lower(), &endpoint.endpoint_string());
        w.nat_chains.insert(chain.clone());
        let source = RuleSource {
            service_port: Some(index),
            endpoint: Some(e),
        };
        let comment = |args: &mut Vec<Arg>| {
            if !large {
                args.push(Arg::Comment(spn.clone()));
            }
        };
        let mut masq = Vec::new();
        comment(&mut masq);
        masq.push(Arg::Source(Neg::Is, endpoint.ip.to_string()));
        w.rule(
            TableName::Nat,
            &chain,
            masq,
            Some(Target::Jump(KUBE_MARK_MASQ.into())),
            source,
        );
        let mut dnat = Vec::new();
        comment(&mut dnat);
        if info.session_affinity_timeout.is_some() {
            dnat.push(Arg::RecentSet {
                name: chain.clone(),
            });
        }
        dnat.push(Arg::Proto(proto));
        w.rule(
            TableName::Nat,
            &chain,
            dnat,
            Some(Target::Dnat(endpoint.endpoint_string())),
            source,
        );
    }
}

/// `KUBE-SEP-` + hash of service port name, protocol and endpoint.
pub fn sep_chain(spn: &str, proto: &str, endpoint: &str) -> String {
    format!("KUBE-SEP-{}", chain_hash(&[spn, proto, endpoint]))
}

/// The detector's `-s CIDR` / `-i IFACE` (possibly negated) as one typed argument.
fn detector_arg(args: &[String]) -> Arg {
    let (neg, rest) = match args.first().map(String::as_str) {
        Some("!") => (Neg::Not, &args[1..]),
        _ => (Neg::Is, args),
    };
    match rest {
        [flag, value] if flag == "-i" => Arg::InInterface(neg, value.clone()),
        [_, value] => Arg::Source(neg, value.clone()),
        _ => Arg::Source(neg, String::new()),
    }
}

/// The affinity checks and the probability cascade of a KUBE-SVC/KUBE-SVL chain.
fn endpoint_cascade(
    w: &mut Writer,
    sp: &ServicePortFacts,
    index: usize,
    chain: &str,
    endpoints: &[usize],
    spn: &str,
    large: bool,
) {
    let proto = sp.info.protocol.lower();
    let with_comment = |e: &str| {
        if large {
            Vec::new()
        } else {
            vec![Arg::Comment(format!("{spn} -> {e}"))]
        }
    };
    if let Some(seconds) = sp.info.session_affinity_timeout {
        for &e in endpoints {
            let ep = sp.endpoints[e].endpoint_string();
            let sep = sep_chain(spn, proto, &ep);
            let mut args = with_comment(&ep);
            args.push(Arg::RecentCheck {
                name: sep.clone(),
                seconds,
            });
            w.rule(
                TableName::Nat,
                chain,
                args,
                Some(Target::Jump(sep)),
                RuleSource {
                    service_port: Some(index),
                    endpoint: Some(e),
                },
            );
        }
    }
    let n = endpoints.len();
    for (i, &e) in endpoints.iter().enumerate() {
        let ep = sp.endpoints[e].endpoint_string();
        let sep = sep_chain(spn, proto, &ep);
        let mut args = with_comment(&ep);
        if i + 1 < n {
            args.push(Arg::Probability(1.0 / (n - i) as f64));
        }
        w.rule(
            TableName::Nat,
            chain,
            args,
            Some(Target::Jump(sep)),
            RuleSource {
                service_port: Some(index),
                endpoint: Some(e),
            },
        );
    }
}
