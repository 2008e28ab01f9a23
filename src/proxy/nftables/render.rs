//! The nftables proxier's `syncProxyRules`, as a pure function of the facts.
//!
//! The logic follows kube-proxy's `pkg/proxy/nftables/proxier.go` (v1.33/v1.34) with the
//! layout of the upstream tests after v1.35, as the reference's `nftables.md` records it:
//! the fixed objects of `setupNFTables`, then for every service port its elements in the
//! dispatch maps, its `service-`/`local-`/`external-`/`firewall-` chains, one `endpoint-`
//! chain per reachable endpoint and one `affinity-` set per endpoint with ClientIP
//! affinity. A full sync of a node that has no `kube-proxy` table yet: no flushes, no
//! stale chains.
//!
//! The order of the operations is one `nft -f` can load (objects before the rules and
//! elements that name them) and that gives the reference listings: sets, then maps, then
//! chains, each in the order below. (Real kube-proxy walks its services in Go map order,
//! so no order of services is more correct than another; svcplay uses the facts' order:
//! namespace, name, then `spec.ports` order.)

use super::{
    AddrValue, BaseChain, Chain, ChainType, Dir, Element, Expr, Family, Hook, Key, KeyType, Op,
    Operation, Rule, Section, Set, SetFlag, Source, TABLE_COMMENT, Transaction, Verdict,
};
use crate::model::ip::Cidr;
use crate::proxy::config::{LocalDetector, NodePortAddresses};
use crate::proxy::{ProxyFacts, ServicePortFacts, chain_hash};
use std::net::IpAddr;

const SERVICES: &str = "services";
const SERVICE_IPS: &str = "service-ips";
const SERVICE_NODEPORTS: &str = "service-nodeports";
const NODEPORT_IPS: &str = "nodeport-ips";
const CLUSTER_IPS: &str = "cluster-ips";
const CLUSTER_IPS_CHECK: &str = "cluster-ips-check";
const SERVICE_ENDPOINTS_CHECK: &str = "service-endpoints-check";
const NODEPORT_ENDPOINTS_CHECK: &str = "nodeport-endpoints-check";
const NO_ENDPOINT_SERVICES: &str = "no-endpoint-services";
const NO_ENDPOINT_NODEPORTS: &str = "no-endpoint-nodeports";
pub(super) const REJECT_CHAIN: &str = "reject-chain";
const FIREWALL_IPS: &str = "firewall-ips";
const FIREWALL_CHECK: &str = "firewall-check";
const MARK_MASQ: &str = "mark-for-masquerade";
const MASQUERADING: &str = "masquerading";

/// Chains can be 256 characters long; kube-proxy keeps 16 for its prefixes.
const CHAIN_NAME_BASE_MAX: usize = 256 - 16;

/// `hashAndTruncate`: the first 8 characters of base32(sha256(name)), a dash, the name,
/// cut to 240 characters with `...` if longer.
fn hash_and_truncate(name: &str) -> String {
    let mut out = format!("{}-{name}", &chain_hash(&[name])[..8]);
    if out.len() > CHAIN_NAME_BASE_MAX {
        // The name is ASCII (Kubernetes names, protocols, IP digits), so bytes are chars.
        out.truncate(CHAIN_NAME_BASE_MAX - 3);
        out.push_str("...");
    }
    out
}

/// The names kube-proxy derives for one service port.
struct Names {
    /// `ns/svc:port` (`ns/svc` without a port name): element comments.
    port_name: String,
    service: String,
    local: String,
    external: String,
    firewall: String,
    /// Per endpoint (same index as the facts' endpoints): chain and affinity set.
    endpoint_chains: Vec<String>,
    affinity_sets: Vec<String>,
}

impl Names {
    fn of(sp: &ServicePortFacts) -> Names {
        let n = &sp.info.name;
        let protocol = sp.info.protocol.lower();
        let base = hash_and_truncate(&format!("{}/{}/{protocol}/{}", n.namespace, n.name, n.port));
        let endpoint_bases: Vec<String> = sp
            .endpoints
            .iter()
            .map(|e| {
                let ip = e.ip.to_string().replace(':', ".");
                hash_and_truncate(&format!(
                    "{}/{}/{protocol}/{}__{ip}/{}",
                    n.namespace, n.name, n.port, e.port
                ))
            })
            .collect();
        Names {
            port_name: n.to_string(),
            service: format!("service-{base}"),
            local: format!("local-{base}"),
            external: format!("external-{base}"),
            firewall: format!("firewall-{base}"),
            endpoint_chains: endpoint_bases
                .iter()
                .map(|b| format!("endpoint-{b}"))
                .collect(),
            affinity_sets: endpoint_bases
                .iter()
                .map(|b| format!("affinity-{b}"))
                .collect(),
        }
    }
}

/// The local-traffic detector's matches in nftables words (`IfLocalNFT`, `IfNotLocalNFT`).
fn local_match(detector: &LocalDetector, family: Family, op: Op) -> Option<Expr> {
    match detector {
        LocalDetector::NoOp => None,
        LocalDetector::Cidr(c) => Some(Expr::Addr {
            family,
            dir: Dir::Src,
            op,
            value: AddrValue::Prefix(*c),
        }),
        // iptables' `veth+` wildcard is nftables' `veth*`.
        LocalDetector::Interface(name) => Some(Expr::Iif {
            op,
            name: match name.strip_suffix('+') {
                Some(prefix) => format!("{prefix}*"),
                None => name.clone(),
            },
        }),
    }
}

fn jump(chain: &str) -> Expr {
    Expr::Verdict(Verdict::Jump(chain.to_string()))
}

fn goto(chain: &str) -> Expr {
    Expr::Verdict(Verdict::Goto(chain.to_string()))
}

/// Collects the operations of one section.
struct Writer {
    operations: Vec<Operation>,
}

impl Writer {
    fn new() -> Writer {
        Writer {
            operations: Vec::new(),
        }
    }

    fn chain(&mut self, chain: Chain) {
        self.operations.push(Operation::AddChain(chain));
    }

    fn rule(&mut self, chain: &str, rule: Rule) {
        self.operations.push(Operation::AddRule {
            chain: chain.to_string(),
            rule,
        });
    }

    fn element(&mut self, set: &str, key: Key, verdict: Option<Verdict>, comment: Option<&str>) {
        self.element_from(set, key, verdict, comment, Source::default());
    }

    fn element_from(
        &mut self,
        set: &str,
        key: Key,
        verdict: Option<Verdict>,
        comment: Option<&str>,
        source: Source,
    ) {
        self.operations.push(Operation::AddElement {
            set: set.to_string(),
            element: Element {
                key,
                comment: comment.map(str::to_string),
                verdict,
                source,
            },
        });
    }

    fn section(self, heading: Option<String>) -> Section {
        Section {
            heading,
            operations: self.operations,
        }
    }
}

fn base_chain(name: &str, type_: ChainType, hook: Hook, priority: i32) -> Chain {
    Chain {
        name: name.to_string(),
        base: Some(BaseChain {
            type_,
            hook,
            priority,
        }),
        comment: None,
        rules: Vec::new(),
    }
}

/// Builds kube-proxy's transaction for one family.
pub fn render(facts: &ProxyFacts) -> Transaction {
    let family = Family::of(facts.family);
    let node_ports = NodePortAddresses::new(facts.family, &facts.config, &facts.node);
    let mark = 1u32 << facts.config.masquerade_bit;

    // The sets first (fixed, then one affinity set per endpoint with ClientIP affinity),
    // then the maps: the kernel lists them in creation order.
    let mut sets = Writer::new();
    let addr_set = |name: &str, comment: &str| {
        Operation::AddSet(Set::new(name, KeyType::Addr(family), false, comment))
    };
    sets.operations.push(Operation::AddTable {
        comment: TABLE_COMMENT.to_string(),
    });
    let table_section = sets.section(None);
    let mut sets = Writer::new();
    sets.operations
        .push(addr_set(CLUSTER_IPS, "Active ClusterIPs"));
    if !node_ports.match_all {
        sets.operations
            .push(addr_set(NODEPORT_IPS, "IPs that accept NodePort traffic"));
    }
    for (index, sp) in facts.service_ports.iter().enumerate() {
        let Some(timeout) = sp.info.session_affinity_timeout else {
            continue;
        };
        let names = Names::of(sp);
        for &i in &sp.reachable {
            sets.operations.push(Operation::AddSet(Set {
                source: Source {
                    service_port: Some(index),
                    endpoint: Some(i),
                },
                name: names.affinity_sets[i].clone(),
                key: KeyType::Addr(family),
                verdict_map: false,
                flags: vec![SetFlag::Dynamic, SetFlag::Timeout],
                timeout: Some(u64::try_from(timeout).unwrap_or(0)),
                comment: None,
                elements: Vec::new(),
                size: None,
            }));
        }
    }
    let mut maps = Writer::new();
    let dest_map = KeyType::AddrProtoPort(family);
    for (name, key, comment) in [
        (
            FIREWALL_IPS,
            dest_map,
            "destinations that are subject to LoadBalancerSourceRanges",
        ),
        (
            NO_ENDPOINT_NODEPORTS,
            KeyType::ProtoPort,
            "vmap to drop or reject packets to service nodeports with no endpoints",
        ),
        (
            NO_ENDPOINT_SERVICES,
            dest_map,
            "vmap to drop or reject packets to services with no endpoints",
        ),
        (
            SERVICE_IPS,
            dest_map,
            "ClusterIP, ExternalIP and LoadBalancer IP traffic",
        ),
        (SERVICE_NODEPORTS, KeyType::ProtoPort, "NodePort traffic"),
    ] {
        maps.operations
            .push(Operation::AddSet(Set::new(name, key, true, comment)));
    }

    let mut sections = vec![
        table_section,
        sets.section(None),
        maps.section(None),
        fixed_chains(),
        fixed_rules(facts, family, &node_ports, mark),
    ];
    let detector = facts.config.local_detector(facts.family, &facts.node);
    for (index, sp) in facts.service_ports.iter().enumerate() {
        sections.push(service_port(facts, family, &detector, index, sp));
    }
    Transaction { family, sections }
}

/// The chains of `setupNFTables`, in the order of the reference's `baseRules`.
fn fixed_chains() -> Section {
    let mut w = Writer::new();
    w.chain(Chain::regular(CLUSTER_IPS_CHECK));
    w.chain(base_chain(
        "filter-prerouting-pre-dnat",
        ChainType::Filter,
        Hook::Prerouting,
        -110,
    ));
    w.chain(base_chain(
        "filter-output-pre-dnat",
        ChainType::Filter,
        Hook::Output,
        -110,
    ));
    w.chain(base_chain(
        "filter-forward",
        ChainType::Filter,
        Hook::Forward,
        0,
    ));
    w.chain(base_chain(
        "filter-input",
        ChainType::Filter,
        Hook::Input,
        0,
    ));
    w.chain(base_chain(
        "filter-output",
        ChainType::Filter,
        Hook::Output,
        0,
    ));
    w.chain(Chain::regular(FIREWALL_CHECK));
    w.chain(Chain::regular(MARK_MASQ));
    w.chain(Chain::regular(MASQUERADING));
    w.chain(base_chain("nat-output", ChainType::Nat, Hook::Output, -100));
    w.chain(base_chain(
        "nat-postrouting",
        ChainType::Nat,
        Hook::Postrouting,
        100,
    ));
    w.chain(base_chain(
        "nat-prerouting",
        ChainType::Nat,
        Hook::Prerouting,
        -100,
    ));
    w.chain(Chain::regular(NODEPORT_ENDPOINTS_CHECK));
    let mut reject = Chain::regular(REJECT_CHAIN);
    reject.comment = Some("helper for @no-endpoint-services / @no-endpoint-nodeports".into());
    w.chain(reject);
    w.chain(Chain::regular(SERVICES));
    w.chain(Chain::regular(SERVICE_ENDPOINTS_CHECK));
    w.section(None)
}

/// The rules of `setupNFTables` and the `nodeport-ips` elements.
fn fixed_rules(
    facts: &ProxyFacts,
    family: Family,
    node_ports: &NodePortAddresses,
    mark: u32,
) -> Section {
    let mut w = Writer::new();
    w.rule(
        CLUSTER_IPS_CHECK,
        Rule::new(vec![
            Expr::AddrLookup {
                family,
                dir: Dir::Dst,
                set: CLUSTER_IPS.into(),
            },
            Expr::Verdict(Verdict::Reject),
        ])
        .with_comment("Reject traffic to invalid ports of ClusterIPs"),
    );
    let service_cidrs: Vec<AddrValue> = facts
        .service_cidrs
        .iter()
        .map(|c| AddrValue::Prefix(*c))
        .collect();
    if !service_cidrs.is_empty() {
        w.rule(
            CLUSTER_IPS_CHECK,
            Rule::new(vec![
                Expr::AddrSet {
                    family,
                    dir: Dir::Dst,
                    op: Op::Eq,
                    items: service_cidrs,
                },
                Expr::Verdict(Verdict::Drop),
            ])
            .with_comment("Drop traffic to unallocated ClusterIPs"),
        );
    }
    let new_jump = |chain: &str| Rule::new(vec![Expr::CtStateNew, jump(chain)]);
    w.rule("filter-prerouting-pre-dnat", new_jump(FIREWALL_CHECK));
    w.rule("filter-forward", new_jump(SERVICE_ENDPOINTS_CHECK));
    w.rule("filter-forward", new_jump(CLUSTER_IPS_CHECK));
    w.rule("filter-input", new_jump(NODEPORT_ENDPOINTS_CHECK));
    w.rule("filter-input", new_jump(SERVICE_ENDPOINTS_CHECK));
    w.rule("filter-output", new_jump(SERVICE_ENDPOINTS_CHECK));
    w.rule("filter-output-pre-dnat", new_jump(FIREWALL_CHECK));
    w.rule("filter-output", new_jump(CLUSTER_IPS_CHECK));
    w.rule(
        FIREWALL_CHECK,
        Rule::new(vec![Expr::DestVmap {
            family,
            map: FIREWALL_IPS.into(),
        }]),
    );
    w.rule(MARK_MASQ, Rule::new(vec![Expr::MarkSetOr(mark)]));
    w.rule(
        MASQUERADING,
        Rule::new(vec![Expr::MarkUnset(mark), Expr::Verdict(Verdict::Return)]),
    );
    w.rule(MASQUERADING, Rule::new(vec![Expr::MarkSetXor(mark)]));
    w.rule(MASQUERADING, Rule::new(vec![Expr::MasqueradeFullyRandom]));
    w.rule("nat-output", Rule::new(vec![jump(SERVICES)]));
    w.rule("nat-postrouting", Rule::new(vec![jump(MASQUERADING)]));
    w.rule("nat-prerouting", Rule::new(vec![jump(SERVICES)]));
    // NodePort traffic: to the chosen node IPs, or (matching all) to any local address
    // except localhost, which nftables mode does not support.
    let node_port_match = |w: &mut Writer, chain: &str, map: &str| {
        let mut exprs = if node_ports.match_all {
            let localhost = match family {
                Family::Ip => {
                    AddrValue::Prefix(Cidr::parse_sloppy("127.0.0.0/8").expect("constant"))
                }
                Family::Ip6 => AddrValue::Ip("::1".parse().expect("constant")),
            };
            vec![
                Expr::FibLocal(Dir::Dst),
                Expr::Addr {
                    family,
                    dir: Dir::Dst,
                    op: Op::Ne,
                    value: localhost,
                },
            ]
        } else {
            vec![Expr::AddrLookup {
                family,
                dir: Dir::Dst,
                set: NODEPORT_IPS.into(),
            }]
        };
        exprs.push(Expr::PortVmap { map: map.into() });
        w.rule(chain, Rule::new(exprs));
    };
    node_port_match(&mut w, NODEPORT_ENDPOINTS_CHECK, NO_ENDPOINT_NODEPORTS);
    w.rule(
        REJECT_CHAIN,
        Rule::new(vec![Expr::Verdict(Verdict::Reject)]),
    );
    w.rule(
        SERVICES,
        Rule::new(vec![Expr::DestVmap {
            family,
            map: SERVICE_IPS.into(),
        }]),
    );
    node_port_match(&mut w, SERVICES, SERVICE_NODEPORTS);
    w.rule(
        SERVICE_ENDPOINTS_CHECK,
        Rule::new(vec![Expr::DestVmap {
            family,
            map: NO_ENDPOINT_SERVICES.into(),
        }]),
    );
    if !node_ports.match_all {
        // `GetNodeIPs` without loopback: kube-proxy logs "localhost NodePorts are not
        // supported" and skips them.
        for ip in node_ports.node_ips(&facts.node) {
            if ip.is_loopback() {
                continue;
            }
            w.element(NODEPORT_IPS, Key::Addr(ip), None, None);
        }
    }
    w.section(None)
}

/// Everything kube-proxy writes for one service port.
fn service_port(
    facts: &ProxyFacts,
    family: Family,
    detector: &LocalDetector,
    index: usize,
    sp: &ServicePortFacts,
) -> Section {
    let info = &sp.info;
    let names = Names::of(sp);
    let source = Source {
        service_port: Some(index),
        endpoint: None,
    };
    let protocol = info.protocol;
    let port = u16::try_from(info.port).unwrap_or(0);
    let has_endpoints = sp.has_any_endpoints;
    let affinity = info.session_affinity_timeout.is_some();

    let uses_cluster_chain = !sp.cluster.is_empty() && info.uses_cluster_endpoints();
    let uses_local_chain = !sp.local.is_empty() && info.uses_local_endpoints();

    // The chain ClusterIP traffic goes to, and whether it has endpoints.
    let (internal_chain, has_internal) = if info.internal_policy_local {
        (&names.local, has_endpoints && !sp.local.is_empty())
    } else {
        (&names.service, has_endpoints)
    };
    let (external_policy_chain, has_external) = if info.external_policy_local {
        (&names.local, has_endpoints && !sp.local.is_empty())
    } else {
        (&names.service, has_endpoints)
    };
    // The external chain holds the short-circuit rules even without external endpoints.
    let uses_external_chain = has_endpoints && info.externally_accessible();
    let uses_firewall_chain =
        !info.load_balancer_vips.is_empty() && !info.load_balancer_source_ranges.is_empty();

    // No endpoints at all: reject everything; only policy-local endpoints missing: drop.
    let reject = Verdict::Goto(REJECT_CHAIN.into());
    let internal_filter = if has_endpoints {
        Verdict::Drop
    } else {
        reject.clone()
    };
    let external_filter = internal_filter.clone();

    let mut w = Writer::new();
    let comment = Some(names.port_name.as_str());

    // Chains first, so that rules and elements can name them.
    if has_endpoints {
        if uses_cluster_chain {
            w.chain(Chain::regular(&names.service));
        }
        if uses_local_chain {
            w.chain(Chain::regular(&names.local));
        }
        if uses_external_chain {
            w.chain(Chain::regular(&names.external));
        }
    }
    if uses_firewall_chain {
        w.chain(Chain::regular(&names.firewall));
    }
    for &i in &sp.reachable {
        w.chain(Chain::regular(&names.endpoint_chains[i]));
    }

    // Internal (ClusterIP) traffic: masquerade what does not come from a local pod.
    if has_internal {
        let cluster_ip = Expr::Addr {
            family,
            dir: Dir::Dst,
            op: Op::Eq,
            value: AddrValue::Ip(info.cluster_ip),
        };
        if facts.config.masquerade_all {
            w.rule(
                internal_chain,
                Rule::new(vec![cluster_ip, jump(MARK_MASQ)]).from(source),
            );
        } else if let Some(not_local) = local_match(detector, family, Op::Ne) {
            w.rule(
                internal_chain,
                Rule::new(vec![cluster_ip, not_local, jump(MARK_MASQ)]).from(source),
            );
        }
    }
    if uses_cluster_chain {
        endpoint_dispatch(
            &mut w,
            family,
            &names,
            &names.service,
            &sp.cluster,
            affinity,
            index,
        );
    }
    if uses_local_chain {
        endpoint_dispatch(
            &mut w,
            family,
            &names,
            &names.local,
            &sp.local,
            affinity,
            index,
        );
    }
    if uses_external_chain {
        let external = names.external.as_str();
        if !info.external_policy_local {
            // Endpoints may be on other nodes: masquerade.
            w.rule(external, Rule::new(vec![jump(MARK_MASQ)]).from(source));
        } else {
            if let Some(local) = local_match(detector, family, Op::Eq) {
                w.rule(
                    external,
                    Rule::new(vec![local, goto(&names.service)])
                        .with_comment("short-circuit pod traffic")
                        .from(source),
                );
            }
            w.rule(
                external,
                Rule::new(vec![Expr::FibLocal(Dir::Src), jump(MARK_MASQ)])
                    .with_comment("masquerade local traffic")
                    .from(source),
            );
            w.rule(
                external,
                Rule::new(vec![Expr::FibLocal(Dir::Src), goto(&names.service)])
                    .with_comment("short-circuit local traffic")
                    .from(source),
            );
        }
        if has_external {
            w.rule(
                external,
                Rule::new(vec![goto(external_policy_chain)]).from(source),
            );
        }
    }
    if uses_firewall_chain {
        // Allowed sources; the node itself when a range holds its IP (a VIP-like load
        // balancer loops the node's own requests back with the VIP as source).
        let mut allowed: Vec<AddrValue> = info
            .load_balancer_source_ranges
            .iter()
            .map(|c| AddrValue::Prefix(*c))
            .collect();
        let node_ip = facts.node.node_ip(facts.family);
        if info
            .load_balancer_source_ranges
            .iter()
            .any(|c| node_ip.is_some_and(|ip| c.contains(&ip)))
        {
            allowed.extend(info.load_balancer_vips.iter().map(|ip| AddrValue::Ip(*ip)));
        }
        w.rule(
            &names.firewall,
            Rule::new(vec![
                Expr::AddrSet {
                    family,
                    dir: Dir::Src,
                    op: Op::Ne,
                    items: allowed,
                },
                Expr::Verdict(Verdict::Drop),
            ])
            .from(source),
        );
    }
    for &i in &sp.reachable {
        let e = &sp.endpoints[i];
        let chain = &names.endpoint_chains[i];
        let source = Source {
            service_port: Some(index),
            endpoint: Some(i),
        };
        // Hairpin: an endpoint reaching itself through the service is masqueraded.
        w.rule(
            chain,
            Rule::new(vec![
                Expr::Addr {
                    family,
                    dir: Dir::Src,
                    op: Op::Eq,
                    value: AddrValue::Ip(e.ip),
                },
                jump(MARK_MASQ),
            ])
            .from(source),
        );
        if affinity {
            w.rule(
                chain,
                Rule::new(vec![Expr::Update {
                    set: names.affinity_sets[i].clone(),
                    family,
                    dir: Dir::Src,
                }])
                .from(source),
            );
        }
        w.rule(
            chain,
            Rule::new(vec![
                Expr::L4Proto(protocol),
                Expr::Dnat {
                    ip: e.ip,
                    port: u16::try_from(e.port).unwrap_or(0),
                },
            ])
            .from(source),
        );
    }

    // Elements: the ClusterIP, external IPs, load-balancer IPs and the NodePort.
    w.element_from(CLUSTER_IPS, Key::Addr(info.cluster_ip), None, None, source);
    let dest = |ip: IpAddr| Key::AddrProtoPort(ip, protocol, port);
    if has_internal {
        w.element_from(
            SERVICE_IPS,
            dest(info.cluster_ip),
            Some(Verdict::Goto(internal_chain.clone())),
            None,
            source,
        );
    } else {
        w.element_from(
            NO_ENDPOINT_SERVICES,
            dest(info.cluster_ip),
            Some(internal_filter),
            comment,
            source,
        );
    }
    for ip in &info.external_ips {
        if has_endpoints {
            w.element_from(
                SERVICE_IPS,
                dest(*ip),
                Some(Verdict::Goto(names.external.clone())),
                None,
                source,
            );
        }
        if !has_external {
            w.element_from(
                NO_ENDPOINT_SERVICES,
                dest(*ip),
                Some(external_filter.clone()),
                comment,
                source,
            );
        }
    }
    for ip in &info.load_balancer_vips {
        if has_endpoints {
            w.element_from(
                SERVICE_IPS,
                dest(*ip),
                Some(Verdict::Goto(names.external.clone())),
                None,
                source,
            );
        }
        if uses_firewall_chain {
            w.element_from(
                FIREWALL_IPS,
                dest(*ip),
                Some(Verdict::Goto(names.firewall.clone())),
                None,
                source,
            );
        }
    }
    if !has_external {
        for ip in &info.load_balancer_vips {
            w.element_from(
                NO_ENDPOINT_SERVICES,
                dest(*ip),
                Some(external_filter.clone()),
                comment,
                source,
            );
        }
    }
    if info.node_port != 0 {
        let node_port = Key::ProtoPort(protocol, u16::try_from(info.node_port).unwrap_or(0));
        if has_endpoints {
            // NodePorts are not subject to loadBalancerSourceRanges.
            w.element_from(
                SERVICE_NODEPORTS,
                node_port,
                Some(Verdict::Goto(names.external.clone())),
                None,
                source,
            );
        }
        if !has_external {
            w.element_from(
                NO_ENDPOINT_NODEPORTS,
                node_port,
                Some(external_filter),
                comment,
                source,
            );
        }
    }
    w.section(Some(names.port_name))
}

/// `writeServiceToEndpointRules`: affinity lookups, then the uniform random choice.
fn endpoint_dispatch(
    w: &mut Writer,
    family: Family,
    names: &Names,
    chain: &str,
    endpoints: &[usize],
    affinity: bool,
    index: usize,
) {
    if affinity {
        for &i in endpoints {
            w.rule(
                chain,
                Rule::new(vec![
                    Expr::AddrLookup {
                        family,
                        dir: Dir::Src,
                        set: names.affinity_sets[i].clone(),
                    },
                    goto(&names.endpoint_chains[i]),
                ])
                .from(Source {
                    service_port: Some(index),
                    endpoint: Some(i),
                }),
            );
        }
    }
    w.rule(
        chain,
        Rule::new(vec![Expr::Numgen {
            targets: endpoints
                .iter()
                .map(|&i| names.endpoint_chains[i].clone())
                .collect(),
        }])
        .from(Source {
            service_port: Some(index),
            endpoint: None,
        }),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chain_names_match_kube_proxy() {
        assert_eq!(
            hash_and_truncate("ns1/svc1/tcp/p80"),
            "ULMVA6XW-ns1/svc1/tcp/p80"
        );
        assert_eq!(
            hash_and_truncate("ns5/svc5/tcp/p80__10.180.0.3/80"),
            "GTK6MW7G-ns5/svc5/tcp/p80__10.180.0.3/80"
        );
        assert_eq!(
            hash_and_truncate("testing/service/tcp/http__fd80.abcd.12..a1b2.c3d4.e5f6.9999/80"),
            "U7E2ET36-testing/service/tcp/http__fd80.abcd.12..a1b2.c3d4.e5f6.9999/80"
        );
    }

    #[test]
    fn long_names_are_truncated() {
        let ns = "a".repeat(63);
        let name = format!(
            "{ns}/{ns}/sctp/{}__1234.5678.9abc.def0..abcd.1234.5678/443",
            "p".repeat(63)
        );
        let out = hash_and_truncate(&name);
        assert_eq!(out.len(), CHAIN_NAME_BASE_MAX);
        assert!(out.ends_with("..."));
    }
}
