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
    Address, Arg, Args, ChainName, Mark, Neg, Rule, RuleSource, Ruleset, Table, TableName, Target,
    is_last_rule, service_sort_key,
};
use crate::model::ip::{Cidr, IpFamily};
use crate::proxy::config::{LocalDetector, NodePortAddresses};
use crate::proxy::{Protocol, ProxyFacts, ServicePortFacts, chain_hash, hashed_chain_name};
use std::net::IpAddr;

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

/// Whether kube-proxy accepts NodePort connections on 127.0.0.1 for this family: IPv4
/// only, `localhostNodePorts` on, and `nodePortAddresses` covering the loopback block
/// (kube-proxy forces the option off otherwise).
pub fn localhost_node_ports(facts: &ProxyFacts) -> bool {
    facts.family == IpFamily::IPv4
        && facts.config.localhost_node_ports
        && NodePortAddresses::new(facts.family, &facts.config, &facts.node).contains_ipv4_loopback
}

/// A chain being written, identified by its position in [`Writer::chains`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct ChainId(u32);

/// A chain being written: its table and name.
struct WrittenChain {
    table: TableName,
    name: ChainName,
}

/// kube-proxy's line buffers, as chains and rules: each chain gets an id when it is first
/// named, every rule remembers its chain's id, so no rule is ever looked up by name (a
/// large cluster writes ~10⁵ chains and ~10⁵ rules).
struct Writer {
    chains: Vec<WrittenChain>,
    rules: Vec<(ChainId, Rule)>,
}

impl Writer {
    fn chain(&mut self, table: TableName, name: impl Into<ChainName>) -> ChainId {
        self.chains.push(WrittenChain {
            table,
            name: name.into(),
        });
        ChainId((self.chains.len() - 1) as u32)
    }

    fn name(&self, chain: ChainId) -> ChainName {
        self.chains[chain.0 as usize].name.clone()
    }

    fn jump(&self, chain: ChainId) -> Option<Target> {
        Some(Target::Jump(self.name(chain)))
    }

    fn rule(
        &mut self,
        chain: ChainId,
        args: impl Into<Args>,
        target: Option<Target>,
        source: RuleSource,
    ) {
        let rule = Rule {
            chain: self.name(chain),
            args: args.into(),
            target,
            source,
        };
        self.rules.push((chain, rule));
    }
}

/// The chains every sync writes.
struct Fixed {
    filter_services: ChainId,
    external_services: ChainId,
    forward: ChainId,
    filter_nodeports: ChainId,
    proxy_firewall: ChainId,
    nat_services: ChainId,
    nat_nodeports: ChainId,
    postrouting: ChainId,
    mark_masq: ChainId,
}

/// The source/interface match of a local-traffic detector (`IfLocal`, or `IfNotLocal`
/// with [`Neg::Not`]); `None` for the no-op detector.
pub fn detector_arg(detector: &LocalDetector, neg: Neg) -> Option<Arg> {
    match detector {
        LocalDetector::NoOp => None,
        LocalDetector::Cidr(c) => Some(Arg::Source(neg, Address::Cidr(*c))),
        LocalDetector::Interface(i) => Some(Arg::InInterface(neg, i.clone())),
    }
}

/// kube-proxy's ruleset for the facts' node and family.
pub fn render(facts: &ProxyFacts) -> Ruleset {
    render_rules(facts, true)
}

/// The rules the facts' service ports write, without the fixed rules every sync writes
/// (the shared chains are declared, holding only the service ports' rules): what
/// kube-proxy's partial sync writes again for the Services that changed
/// ([`crate::proxy::chunks`]).
pub fn render_services(facts: &ProxyFacts) -> Ruleset {
    render_rules(facts, false)
}

/// [`render`], the fixed rules written or not.
fn render_rules(facts: &ProxyFacts, fixed_rules: bool) -> Ruleset {
    let config = &facts.config;
    let node = &facts.node;
    let family = facts.family;
    let mark = Mark(config.masquerade_mark_value());
    let localhost_nps = localhost_node_ports(facts);
    let detector = config.local_detector(family, node);
    // Sized for the facts' own endpoints (one Service's, when only its rules are
    // written again).
    let endpoints: usize = facts.service_ports.iter().map(|p| p.endpoints.len()).sum();
    let mut w = Writer {
        chains: Vec::with_capacity(endpoints + 4 * facts.service_ports.len() + 16),
        rules: Vec::with_capacity(2 * endpoints + 6 * facts.service_ports.len() + 16),
    };
    let none = RuleSource::default();
    let fixed = Fixed {
        filter_services: w.chain(TableName::Filter, KUBE_SERVICES),
        external_services: w.chain(TableName::Filter, KUBE_EXTERNAL_SERVICES),
        forward: w.chain(TableName::Filter, KUBE_FORWARD),
        filter_nodeports: w.chain(TableName::Filter, KUBE_NODEPORTS),
        proxy_firewall: w.chain(TableName::Filter, KUBE_PROXY_FIREWALL),
        nat_services: w.chain(TableName::Nat, KUBE_SERVICES),
        nat_nodeports: w.chain(TableName::Nat, KUBE_NODEPORTS),
        postrouting: w.chain(TableName::Nat, KUBE_POSTROUTING),
        mark_masq: w.chain(TableName::Nat, KUBE_MARK_MASQ),
    };
    if localhost_nps && fixed_rules {
        let loopback = Address::Cidr(Cidr::parse_sloppy("127.0.0.0/8").expect("constant CIDR"));
        let firewall = w.chain(TableName::Filter, KUBE_FIREWALL);
        w.rule(
            firewall,
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
    if fixed_rules {
        w.rule(
            fixed.postrouting,
            vec![Arg::Mark {
                neg: Neg::Not,
                value: mark,
                mask: mark,
            }],
            Some(Target::Return),
            none,
        );
        w.rule(fixed.postrouting, vec![], Some(Target::MarkXor(mark)), none);
        w.rule(
            fixed.postrouting,
            vec![Arg::Comment(
                "kubernetes service traffic requiring SNAT".into(),
            )],
            Some(Target::Masquerade {
                random_fully: node.random_fully,
            }),
            none,
        );
        w.rule(fixed.mark_masq, vec![], Some(Target::MarkOr(mark)), none);
    }

    let context = ServiceContext {
        facts,
        detector: &detector,
        localhost_nps,
        large: facts.large_cluster_mode(),
        node_ip: facts.node.proxier_node_ip(family),
        fixed: &fixed,
        mark_masq: w.jump(fixed.mark_masq),
    };
    for (index, sp) in facts.service_ports.iter().enumerate() {
        service_port_rules(&mut w, &context, index, sp);
    }

    if fixed_rules {
        fixed_rules_after(&mut w, facts, &fixed, localhost_nps);
    }
    let (filter, nat) = assemble(w);
    Ruleset {
        family,
        filter,
        nat,
    }
}

/// The fixed rules kube-proxy writes after the service ports': KUBE-FORWARD's and the
/// jump to KUBE-NODEPORTS, the last rule of nat KUBE-SERVICES.
fn fixed_rules_after(w: &mut Writer, facts: &ProxyFacts, fixed: &Fixed, localhost_nps: bool) {
    let config = &facts.config;
    let node = &facts.node;
    let family = facts.family;
    let mark = Mark(config.masquerade_mark_value());
    let none = RuleSource::default();
    // The FORWARD rules come after the per-service filter rules in kube-proxy's output.
    if !node.conntrack_tcp_be_liberal {
        let mut args = vec![Arg::CtState(Neg::Is, "INVALID".into())];
        if node.nfacct {
            args.push(Arg::Nfacct(CT_STATE_INVALID_COUNTER.into()));
        }
        w.rule(fixed.forward, args, Some(Target::Drop), none);
    }
    w.rule(
        fixed.forward,
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
        fixed.forward,
        vec![
            Arg::Comment("kubernetes forwarding conntrack rule".into()),
            Arg::CtState(Neg::Is, "RELATED,ESTABLISHED".into()),
        ],
        Some(Target::Accept),
        none,
    );

    // Finally the tail call to KUBE-NODEPORTS, the last rule of nat KUBE-SERVICES.
    let npa = NodePortAddresses::new(family, config, node);
    let jump = w.jump(fixed.nat_nodeports);
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
        w.rule(fixed.nat_services, args, jump, none);
    } else {
        for ip in npa.node_ips(node) {
            // Loopback addresses only work for IPv4 with localhost NodePorts enabled.
            if ip.is_loopback() && (family == IpFamily::IPv6 || !localhost_nps) {
                continue;
            }
            w.rule(
                fixed.nat_services,
                vec![
                    Arg::Comment(NODEPORTS_COMMENT.into()),
                    Arg::Destination(Neg::Is, Address::Ip(ip)),
                ],
                jump.clone(),
                none,
            );
        }
    }
}

/// Puts the tables in the canonical order of kube-proxy's tests: chains sorted, rules
/// grouped by chain in kube-proxy's order, KUBE-SERVICES and KUBE-NODEPORTS stably sorted
/// by Service name with the NodePorts jump kept last. A chain written twice under one
/// name (which kube-proxy never does) keeps both rule lists, in writing order.
///
/// Linear apart from sorting the chain names: rules are placed by a counting sort on
/// their chain's rank.
fn assemble(w: Writer) -> (Table, Table) {
    let Writer { mut chains, rules } = w;
    // Chains ordered by table, then the canonical chain order; the id breaks ties, so
    // the unstable sort is deterministic.
    let rank = |c: &WrittenChain| -> u8 {
        match &*c.name {
            KUBE_NODEPORTS => 0,
            KUBE_SERVICES => 1,
            n if n.starts_with("KUBE-") => 2,
            _ => 3,
        }
    };
    // The first 16 bytes of a name as a big-endian number order names like their bytes
    // do (a shorter name is padded with zeros, which sort first, as a prefix does), so
    // most comparisons never touch the strings.
    let prefix = |name: &str| -> u128 {
        let mut bytes = [0u8; 16];
        let n = name.len().min(16);
        bytes[..n].copy_from_slice(&name.as_bytes()[..n]);
        u128::from_be_bytes(bytes)
    };
    let mut order: Vec<(TableName, u8, u128, u32)> = chains
        .iter()
        .enumerate()
        .map(|(i, c)| (c.table, rank(c), prefix(&c.name), i as u32))
        .collect();
    order.sort_unstable_by(|a, b| {
        (a.0, a.1, a.2)
            .cmp(&(b.0, b.1, b.2))
            .then_with(|| chains[a.3 as usize].name.cmp(&chains[b.3 as usize].name))
            .then(a.3.cmp(&b.3))
    });
    // Each chain's position in that order; chains of one table and name share one.
    let mut position = vec![0u32; chains.len()];
    let mut slot = 0u32;
    for (k, entry) in order.iter().enumerate() {
        if k > 0 {
            let previous = &order[k - 1];
            let same = previous.0 == entry.0
                && previous.2 == entry.2
                && chains[previous.3 as usize].name == chains[entry.3 as usize].name;
            if !same {
                slot += 1;
            }
        }
        position[entry.3 as usize] = slot;
    }
    let slots = if chains.is_empty() {
        0
    } else {
        slot as usize + 1
    };
    // Counting sort of the rules by their chain's position (stable: writing order kept).
    let mut start = vec![0usize; slots + 1];
    for (chain, _) in &rules {
        start[position[chain.0 as usize] as usize + 1] += 1;
    }
    for i in 0..slots {
        start[i + 1] += start[i];
    }
    let mut next = start.clone();
    let mut placed: Vec<Option<Rule>> = (0..rules.len()).map(|_| None).collect();
    for (chain, rule) in rules {
        let p = position[chain.0 as usize] as usize;
        placed[next[p]] = Some(rule);
        next[p] += 1;
    }
    let mut tables = (
        Table {
            name: TableName::Filter,
            chains: Vec::new(),
            rules: Vec::new(),
        },
        Table {
            name: TableName::Nat,
            chains: Vec::new(),
            rules: Vec::new(),
        },
    );
    let empty: ChainName = "".into();
    let mut previous_slot = None;
    for entry in &order {
        let p = position[entry.3 as usize] as usize;
        if previous_slot == Some(p) {
            continue;
        }
        previous_slot = Some(p);
        let table = match entry.0 {
            TableName::Nat => &mut tables.1,
            TableName::Filter | TableName::Mangle => &mut tables.0,
        };
        // Each slot is listed once, so its name is moved out rather than cloned (no
        // reference count touched on ~10⁵ scattered names).
        let name = std::mem::replace(&mut chains[entry.3 as usize].name, empty.clone());
        let in_chain = placed[start[p]..start[p + 1]]
            .iter_mut()
            .filter_map(Option::take);
        if &*name == KUBE_SERVICES || &*name == KUBE_NODEPORTS {
            let (mut last, mut rest): (Vec<Rule>, Vec<Rule>) = in_chain.partition(is_last_rule);
            crate::sort::sort_by(&mut rest, |a, b| {
                service_sort_key(a).cmp(service_sort_key(b))
            });
            table.rules.append(&mut rest);
            table.rules.append(&mut last);
        } else {
            table.rules.extend(in_chain);
        }
        table.chains.push(name);
    }
    tables
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
    fixed: &'a Fixed,
    /// `-j KUBE-MARK-MASQ`.
    mark_masq: Option<Target>,
}

fn service_port_rules(
    w: &mut Writer,
    cx: &ServiceContext<'_>,
    index: usize,
    sp: &ServicePortFacts,
) {
    let info = &sp.info;
    let config = &cx.facts.config;
    let fixed = cx.fixed;
    let large = cx.large;
    let spn = info.name.to_string();
    let proto = info.protocol;
    let hash = chain_hash(&[&spn, proto.lower()]);
    let svc_name: ChainName = format!("KUBE-SVC-{hash}").into();
    let svl_name: ChainName = format!("KUBE-SVL-{hash}").into();
    let ext_name: ChainName = format!("KUBE-EXT-{hash}").into();
    let fw_name: ChainName = format!("KUBE-FW-{hash}").into();
    let src = RuleSource {
        service_port: Some(index),
        endpoint: None,
    };

    let has_endpoints = sp.has_any_endpoints;
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
    let jump = |name: &ChainName| Some(Target::Jump(name.clone()));
    let internal_target = jump(if info.internal_policy_local {
        &svl_name
    } else {
        &svc_name
    });
    let external_policy_target = jump(if info.external_policy_local {
        &svl_name
    } else {
        &svc_name
    });
    let ext_target = jump(&ext_name);
    let lb_target = if uses_fw_chain {
        jump(&fw_name)
    } else {
        ext_target.clone()
    };
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
            fixed.nat_services,
            vip_args(format!("{spn} cluster IP"), info.cluster_ip),
            internal_target.clone(),
            src,
        );
    } else {
        w.rule(
            fixed.filter_services,
            vip_args(filter_comment.clone(), info.cluster_ip),
            Some(filter_target.clone()),
            src,
        );
    }

    // External IPs.
    for ip in &info.external_ips {
        if has_endpoints {
            w.rule(
                fixed.nat_services,
                vip_args(format!("{spn} external IP"), *ip),
                ext_target.clone(),
                src,
            );
        }
        if !has_external_endpoints {
            w.rule(
                fixed.external_services,
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
                fixed.nat_services,
                vip_args(format!("{spn} loadbalancer IP"), *ip),
                lb_target.clone(),
                src,
            );
        }
        if uses_fw_chain {
            w.rule(
                fixed.proxy_firewall,
                vip_args(format!("{spn} traffic not accepted by {fw_name}"), *ip),
                Some(Target::Drop),
                src,
            );
        }
    }
    if !has_external_endpoints {
        for ip in &info.load_balancer_vips {
            w.rule(
                fixed.external_services,
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
                    fixed.nat_nodeports,
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
                    ext_target.clone(),
                    src,
                );
            }
            w.rule(
                fixed.nat_nodeports,
                vec![
                    Arg::Comment(spn.clone()),
                    Arg::Proto(proto),
                    Arg::DestinationPort(info.node_port),
                ],
                ext_target.clone(),
                src,
            );
        }
        if !has_external_endpoints {
            w.rule(
                fixed.external_services,
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
            fixed.filter_nodeports,
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

    // The per-service chains, declared where kube-proxy declares them.
    let svc = uses_cluster_chain.then(|| w.chain(TableName::Nat, svc_name.clone()));
    let svl = uses_local_chain.then(|| w.chain(TableName::Nat, svl_name.clone()));

    // Masquerade off-cluster traffic to the ClusterIP.
    let internal = if info.internal_policy_local { svl } else { svc };
    if let (true, Some(internal)) = (has_internal_endpoints, internal) {
        let mut args = vip_args(format!("{spn} cluster IP"), info.cluster_ip);
        if config.masquerade_all {
            w.rule(internal, args, cx.mark_masq.clone(), src);
        } else if let Some(not_local) = detector_arg(cx.detector, Neg::Not) {
            args.push(not_local);
            w.rule(internal, args, cx.mark_masq.clone(), src);
        }
    }

    // The chain for traffic to external destinations (NodePort, external and LB IPs).
    if uses_external_chain {
        let ext = w.chain(TableName::Nat, ext_name.clone());
        if !info.external_policy_local {
            w.rule(
                ext,
                vec![Arg::Comment(format!(
                    "masquerade traffic for {spn} external destinations"
                ))],
                cx.mark_masq.clone(),
                src,
            );
        } else {
            if let Some(local) = detector_arg(cx.detector, Neg::Is) {
                w.rule(
                    ext,
                    vec![
                        Arg::Comment(format!("pod traffic for {spn} external destinations")),
                        local,
                    ],
                    jump(&svc_name),
                    src,
                );
            }
            w.rule(
                ext,
                vec![
                    Arg::Comment(format!(
                        "masquerade LOCAL traffic for {spn} external destinations"
                    )),
                    Arg::SrcTypeLocal(Neg::Is),
                ],
                cx.mark_masq.clone(),
                src,
            );
            w.rule(
                ext,
                vec![
                    Arg::Comment(format!(
                        "route LOCAL traffic for {spn} external destinations"
                    )),
                    Arg::SrcTypeLocal(Neg::Is),
                ],
                jump(&svc_name),
                src,
            );
        }
        if has_external_endpoints {
            w.rule(ext, vec![], external_policy_target, src);
        }
    }

    // loadBalancerSourceRanges.
    if uses_fw_chain {
        let fw = w.chain(TableName::Nat, fw_name.clone());
        let comment = format!("{spn} loadbalancer IP");
        let mut allow_from_node = false;
        for range in &info.load_balancer_source_ranges {
            w.rule(
                fw,
                vec![
                    Arg::Comment(comment.clone()),
                    Arg::Source(Neg::Is, Address::Cidr(*range)),
                ],
                ext_target.clone(),
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
                    fw,
                    vec![
                        Arg::Comment(comment.clone()),
                        Arg::Source(Neg::Is, Address::Ip(*ip)),
                    ],
                    ext_target.clone(),
                    src,
                );
            }
        }
        w.rule(
            fw,
            vec![Arg::Comment(format!(
                "other traffic to {spn} will be dropped by KUBE-PROXY-FIREWALL"
            ))],
            None,
            src,
        );
    }

    // Each endpoint's chain name and `ip:port` are made once, shared by the cascade and
    // the endpoint's chain.
    // (The `ip:port` strings are only kept for the comments, absent in large clusters.)
    let mut endpoint_strings: Vec<String> = Vec::new();
    let mut sep_names: Vec<Option<ChainName>> = vec![None; sp.endpoints.len()];
    let mut buffer = String::new();
    for &e in sp.cluster.iter().chain(&sp.local).chain(&sp.reachable) {
        if sep_names[e].is_none() {
            buffer.clear();
            sp.endpoints[e].write_endpoint_string(&mut buffer);
            sep_names[e] = Some(hashed_chain_name(
                "KUBE-SEP-",
                &[&spn, proto.lower(), &buffer],
            ));
            if !large {
                endpoint_strings.resize(sp.endpoints.len(), String::new());
                endpoint_strings[e] = buffer.clone();
            }
        }
    }
    let cascade = Cascade {
        sp,
        index,
        spn: &spn,
        large,
        sep_names: &sep_names,
        endpoint_strings: &endpoint_strings,
    };
    if let Some(svc) = svc {
        cascade.write(w, svc, &sp.cluster);
    }
    if let Some(svl) = svl {
        cascade.write(w, svl, &sp.local);
    }

    // One chain per reachable endpoint.
    for &e in &sp.reachable {
        let endpoint = &sp.endpoints[e];
        let Some(name) = sep_names[e].clone() else {
            continue;
        };
        let chain = w.chain(TableName::Nat, name.clone());
        let source = RuleSource {
            service_port: Some(index),
            endpoint: Some(e),
        };
        let masq_source = Arg::Source(Neg::Is, Address::Ip(endpoint.ip));
        let masq = if large {
            Args::one(masq_source)
        } else {
            vec![Arg::Comment(spn.clone()), masq_source].into()
        };
        w.rule(chain, masq, cx.mark_masq.clone(), source);
        let dnat = if large && info.session_affinity_timeout.is_none() {
            Args::one(Arg::Proto(proto))
        } else {
            let mut dnat = Vec::with_capacity(3);
            if !large {
                dnat.push(Arg::Comment(spn.clone()));
            }
            if info.session_affinity_timeout.is_some() {
                dnat.push(Arg::RecentSet { name });
            }
            dnat.push(Arg::Proto(proto));
            dnat.into()
        };
        w.rule(
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

/// The affinity checks and the probability cascade of a KUBE-SVC/KUBE-SVL chain
/// (`writeServiceToEndpointRules`).
struct Cascade<'a> {
    sp: &'a ServicePortFacts,
    index: usize,
    spn: &'a str,
    large: bool,
    sep_names: &'a [Option<ChainName>],
    endpoint_strings: &'a [String],
}

impl Cascade<'_> {
    fn write(&self, w: &mut Writer, chain: ChainId, endpoints: &[usize]) {
        let with_comment = |e: usize| {
            if self.large {
                Vec::new()
            } else {
                vec![Arg::Comment(format!(
                    "{} -> {}",
                    self.spn, self.endpoint_strings[e]
                ))]
            }
        };
        let source = |e: usize| RuleSource {
            service_port: Some(self.index),
            endpoint: Some(e),
        };
        let sep =
            |e: usize| -> ChainName { self.sep_names[e].clone().unwrap_or_else(|| "".into()) };
        if let Some(seconds) = self.sp.info.session_affinity_timeout {
            for &e in endpoints {
                let mut args = with_comment(e);
                args.push(Arg::RecentCheck {
                    name: sep(e),
                    seconds,
                });
                w.rule(chain, args, Some(Target::Jump(sep(e))), source(e));
            }
        }
        let n = endpoints.len();
        for (i, &e) in endpoints.iter().enumerate() {
            let probability = (i + 1 < n).then(|| Arg::Probability(1.0 / (n - i) as f64));
            let args = match (self.large, probability) {
                (true, Some(p)) => Args::one(p),
                (true, None) => Args::none(),
                (false, p) => {
                    let mut args = with_comment(e);
                    args.extend(p);
                    args.into()
                }
            };
            w.rule(chain, args, Some(Target::Jump(sep(e))), source(e));
        }
    }
}
