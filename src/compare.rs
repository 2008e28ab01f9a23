//! One scenario in two or three proxy modes, side by side: what a person migrating from
//! one mode to another needs to see.
//!
//! [`compare`] renders the node's kube-proxy in each mode through the proxier seam and
//! gives, per mode, what it programs ([`Counts`], and the lines per Service) and what it
//! does with the same packet (a walk through the mode's rules); [`NOTES`] are the
//! differences between the modes that matter when migrating, for the modelled v1.35,
//! each with its upstream source, and [`Note::applies`] says which concern the scenario.

use crate::lang::{Lang, Text};
use crate::proxy::config::ProxyMode;
use crate::proxy::trace::Packet;
use crate::proxy::{Group, GroupKind, Protocol};
use crate::scenario::Analysis;
use crate::simulate::clients::{ClientChoice, Destination, DestinationKind, clients, destinations};
use std::collections::BTreeMap;
use std::net::IpAddr;

/// What a mode programs on the node, counted.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// iptables or nftables rules (the rules IPVS mode keeps, in IPVS mode).
    pub rules: usize,
    pub chains: usize,
    /// nft sets and maps, or ipsets.
    pub sets: usize,
    /// Their elements or members.
    pub elements: usize,
    pub virtual_servers: usize,
    pub real_servers: usize,
    /// Service addresses bound to kube-ipvs0.
    pub bound_addresses: usize,
    /// The userspace proxier's sockets.
    pub sockets: usize,
}

/// One hop of a walk.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Step {
    /// Nesting depth (a jump into a chain adds one).
    pub depth: usize,
    /// Where the rule is: `nat KUBE-SERVICES`, `ipvs TCP 10.96.0.10:53 rr`…
    pub location: String,
    /// The rule as the mode's tool prints it.
    pub rule: String,
    /// What it did.
    pub verdict: String,
}

/// One walk of the packet, as the mode's own words print it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Walk {
    pub hops: Vec<Step>,
    /// `10.244.1.2:80, 10.244.2.2:80`, `REJECT`…
    pub result: String,
    pub masquerade: bool,
}

/// One mode's column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Column {
    pub mode: ProxyMode,
    pub counts: Counts,
    /// Lines per service port (`namespace/name:port`), in name order.
    pub per_service: Vec<(String, usize)>,
    /// Lines of no Service: kube-proxy's fixed rules and sets.
    pub fixed: usize,
    /// The walk of the packet, or why there is none.
    pub walk: Result<Walk, String>,
}

/// The modes side by side.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Comparison {
    pub node: String,
    /// The packet every column walks: a client of the node to a Service address.
    pub packet: Option<Packet>,
    /// The destinations a person can pick (the packet is to the chosen one).
    pub destinations: Vec<String>,
    pub chosen: usize,
    pub columns: Vec<Column>,
    /// Indexes into [`NOTES`], the differences that concern this scenario first.
    pub notes: Vec<usize>,
    /// The indexes of the notes that concern this scenario and these modes
    /// ([`Note::applies`]).
    pub applying: Vec<usize>,
}

/// A difference between the modes that matters when migrating.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Note {
    pub id: &'static str,
    pub title: Text,
    pub body: Text,
    /// Upstream sources: (what, where).
    pub sources: &'static [(&'static str, &'static str)],
}

/// The differences, for the modelled v1.35.
pub const NOTES: &[Note] = &[
    Note {
        id: "localhost-nodeports",
        title: Text {
            en: "NodePorts on 127.0.0.1",
            zh: "127.0.0.1 上的 NodePort",
        },
        body: Text {
            en: "iptables mode serves NodePorts on 127.0.0.1 (IPv4, iptables.localhostNodePorts, on by default; kube-proxy sets route_localnet and adds the KUBE-FIREWALL rule against martian packets). nftables mode does not: a client on the node that used localhost:NodePort must use a node IP. A later release adds them to nftables mode behind the feature gate KubeProxyNFTablesLocalhostNodePorts (KEP-6032).",
            zh: "iptables 模式在 127.0.0.1 上提供 NodePort（仅 IPv4，由 iptables.localhostNodePorts 控制，默认开启；kube-proxy 会设置 route_localnet 并添加防御异常包的 KUBE-FIREWALL 规则）。nftables 模式不提供：原来在节点上访问 localhost:NodePort 的客户端要改用节点 IP。之后的版本在特性门控 KubeProxyNFTablesLocalhostNodePorts 之下为 nftables 模式加入了这一功能（KEP-6032）。",
        },
        sources: &[
            (
                "kube-proxy iptables mode: localhostNodePorts, KUBE-NODEPORTS -d 127.0.0.0/8",
                "kubernetes/kubernetes pkg/proxy/iptables/proxier.go (syncProxyRules)",
            ),
            (
                "nftables mode: \"localhost NodePorts are not supported\", ip daddr != 127.0.0.0/8",
                "kubernetes/kubernetes pkg/proxy/nftables/proxier.go (setupNFTables)",
            ),
            (
                "KEP-3866: nftables mode does not support NodePorts on 127.0.0.1",
                "https://github.com/kubernetes/enhancements/tree/master/keps/sig-network/3866-nftables-proxy",
            ),
            (
                "kube-proxy: serve localhost NodePorts in nftables mode (KubeProxyNFTablesLocalhostNodePorts)",
                "https://github.com/kubernetes/kubernetes/pull/138427",
            ),
            (
                "KEP-6032: localhost NodePort userspace proxy",
                "https://github.com/kubernetes/enhancements/pull/6042",
            ),
        ],
    },
    Note {
        id: "conntrack-invalid",
        title: Text {
            en: "Packets conntrack calls INVALID, and --conntrack-tcp-be-liberal",
            zh: "连接跟踪判定为 INVALID 的数据包与 --conntrack-tcp-be-liberal",
        },
        body: Text {
            en: "iptables mode drops forwarded packets in conntrack state INVALID (KUBE-FORWARD) unless the node's nf_conntrack_tcp_be_liberal is set; kube-proxy sets that sysctl at start when conntrack.tcpBeLiberal (--conntrack-tcp-be-liberal) is true, and then writes no DROP rule. nftables mode writes no such rule at all. Out-of-window TCP packets that iptables mode dropped reach the Pods in nftables mode.",
            zh: "iptables 模式会丢弃连接跟踪状态为 INVALID 的转发数据包（KUBE-FORWARD），除非节点设置了 nf_conntrack_tcp_be_liberal；当 conntrack.tcpBeLiberal（--conntrack-tcp-be-liberal）为 true 时，kube-proxy 启动时会设置这个 sysctl，此后就不写这条 DROP 规则。nftables 模式根本不写这条规则。在 iptables 模式下被丢弃的窗口外 TCP 包，在 nftables 模式下会到达 Pod。",
        },
        sources: &[
            (
                "iptables mode: if !proxier.conntrackTCPLiberal, -A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP (kubernetes#74839, #117924)",
                "kubernetes/kubernetes pkg/proxy/iptables/proxier.go (syncProxyRules)",
            ),
            (
                "kube-proxy sets nf_conntrack_tcp_be_liberal when Conntrack.TCPBeLiberal",
                "kubernetes/kubernetes cmd/kube-proxy/app/conntrack.go (SetTCPBeLiberal)",
            ),
            (
                "nftables mode (v1.33–v1.35): no conntrackTCPLiberal, no INVALID drop",
                "kubernetes/kubernetes pkg/proxy/nftables/proxier.go @ b0f823e6",
            ),
        ],
    },
    Note {
        id: "kube-ipvs0",
        title: Text {
            en: "IPVS binds Service addresses to the node (kube-ipvs0)",
            zh: "IPVS 把 Service 地址绑定到节点上（kube-ipvs0）",
        },
        body: Text {
            en: "IPVS mode binds every ClusterIP, external IP and load-balancer IP to the dummy interface kube-ipvs0, so the node treats them as its own addresses: host programs listening on 0.0.0.0 answered on ClusterIPs, and kube-proxy now rejects new connections to those addresses on ports no Service uses (KUBE-IPVS-FILTER with the set KUBE-IPVS-IPS). iptables and nftables modes never make Service addresses local; nftables mode rejects traffic to unused ports of ClusterIPs and drops traffic to unallocated ones.",
            zh: "IPVS 模式把每个 ClusterIP、外部 IP 和负载均衡器 IP 绑定到虚拟网卡 kube-ipvs0 上，节点因此把它们当作自己的地址：监听 0.0.0.0 的主机程序曾经能通过 ClusterIP 访问到，现在 kube-proxy 会拒绝发往这些地址上未被 Service 使用端口的新连接（KUBE-IPVS-FILTER 配合集合 KUBE-IPVS-IPS）。iptables 和 nftables 模式从不把 Service 地址变成本机地址；nftables 模式会拒绝发往 ClusterIP 未用端口的流量，并丢弃发往未分配地址的流量。",
        },
        sources: &[
            (
                "DefaultDummyDevice = \"kube-ipvs0\"; syncService binds each address",
                "kubernetes/kubernetes pkg/proxy/ipvs/proxier.go (syncService)",
            ),
            (
                "In IPVS mode, host services become available on ClusterIPs",
                "https://github.com/kubernetes/kubernetes/issues/72236",
            ),
            (
                "ClusterIPs are not accessible from the host when kube-proxy runs in IPVS mode",
                "https://github.com/kubernetes/kubernetes/issues/65158",
            ),
            (
                "nftables mode: cluster-ips-check rejects invalid ports, drops unallocated ClusterIPs",
                "kubernetes/kubernetes pkg/proxy/nftables/proxier.go",
            ),
        ],
    },
    Note {
        id: "ipvs-deprecated",
        title: Text {
            en: "IPVS mode is deprecated in v1.35",
            zh: "IPVS 模式在 v1.35 中被弃用",
        },
        body: Text {
            en: "v1.35 deprecates IPVS mode: kube-proxy warns at start and the release notes ask users to move to nftables. The plan is a KubeProxyIPVS feature gate (v1.37), off by default in v1.40 and locked off in v1.43, after which kube-proxy refuses to start in IPVS mode.",
            zh: "v1.35 弃用了 IPVS 模式：kube-proxy 启动时会发出警告，发布说明建议用户迁移到 nftables。计划是加入特性门控 KubeProxyIPVS（v1.37），在 v1.40 默认关闭，在 v1.43 锁定为关闭，之后 kube-proxy 将无法以 IPVS 模式启动。",
        },
        sources: &[
            (
                "KEP-5495: deprecate (and remove) IPVS mode in kube-proxy",
                "https://github.com/kubernetes/enhancements/issues/5495",
            ),
            (
                "Add deprecation warning for ipvs (release note: \"will be removed in a future version … migrate to nftables\")",
                "https://github.com/kubernetes/kubernetes/pull/134539",
            ),
            (
                "KEP-5495 update: feature gate default false in 1.40, locked in 1.43",
                "https://github.com/kubernetes/enhancements/pull/6120",
            ),
            (
                "CHANGELOG-1.35: ipvs mode deprecated",
                "kubernetes/kubernetes CHANGELOG/CHANGELOG-1.35.md",
            ),
        ],
    },
    Note {
        id: "schedulers",
        title: Text {
            en: "Schedulers other than rr",
            zh: "rr 以外的调度算法",
        },
        body: Text {
            en: "IPVS mode balances with the kernel's scheduler of ipvs.scheduler (rr by default; wrr, lc, wlc, sh, mh … count connections or hash sources). iptables and nftables modes have none of them: each new connection picks an endpoint uniformly at random (statistic random in a cascade, numgen random), so a least-connection or source-hash setup behaves differently after the move; ClientIP session affinity exists in every mode (IPVS persistence, the recent module, nft affinity sets).",
            zh: "IPVS 模式用 ipvs.scheduler 指定的内核调度算法做负载均衡（默认 rr；wrr、lc、wlc、sh、mh 等会统计连接数或对来源做哈希）。iptables 和 nftables 模式都没有这些算法：每个新连接都均匀随机地选择端点（级联的 statistic random、numgen random），所以使用最少连接或源地址哈希的配置迁移后行为会不同；ClientIP 会话亲和在所有模式中都有（IPVS 持久连接、recent 模块、nft 亲和集合）。",
        },
        sources: &[
            (
                "ipvs.scheduler → every virtual server's scheduler",
                "kubernetes/kubernetes pkg/proxy/ipvs/proxier.go (ipvsScheduler)",
            ),
            (
                "iptables: -m statistic --mode random --probability 1/n per endpoint",
                "kubernetes/kubernetes pkg/proxy/iptables/proxier.go (writeServiceToEndpointRules)",
            ),
            (
                "nftables: numgen random mod n vmap",
                "kubernetes/kubernetes pkg/proxy/nftables/proxier.go (writeServiceToEndpointRules)",
            ),
        ],
    },
];

impl Note {
    /// Whether the note concerns this scenario and these modes.
    pub fn applies(&self, analysis: &Analysis, modes: &[ProxyMode]) -> bool {
        let has = |m: ProxyMode| modes.contains(&m);
        let node_ports = analysis
            .objects
            .services
            .iter()
            .any(|s| s.spec.ports.iter().any(|p| p.node_port.unwrap_or(0) != 0));
        match self.id {
            "localhost-nodeports" => node_ports && has(ProxyMode::Nftables),
            "conntrack-invalid" => has(ProxyMode::Iptables) && has(ProxyMode::Nftables),
            "kube-ipvs0" | "ipvs-deprecated" => has(ProxyMode::Ipvs),
            "schedulers" => has(ProxyMode::Ipvs),
            _ => true,
        }
    }
}

fn counts(groups: &[&Group]) -> Counts {
    let mut c = Counts::default();
    for g in groups {
        match g.kind {
            GroupKind::FilterChain | GroupKind::NatChain | GroupKind::NftChain => {
                c.chains += 1;
                c.rules += g.lines.len();
            }
            GroupKind::NftSet | GroupKind::IpSet => {
                c.sets += 1;
                c.elements += g.lines.len();
            }
            GroupKind::VirtualServer => {
                c.virtual_servers += 1;
                c.real_servers += g.lines.len().saturating_sub(1);
            }
            GroupKind::KubeIpvs0 => c.bound_addresses += g.lines.len(),
            GroupKind::ProxySockets => c.sockets += g.lines.len(),
        }
    }
    c
}

/// The source address a client of `node` sends from, for a destination's family: a Pod
/// on the node, else the node itself.
fn source_on(analysis: &Analysis, node: &str, dst: &IpAddr) -> Option<IpAddr> {
    let same = |ip: &IpAddr| ip.is_ipv4() == dst.is_ipv4();
    for c in clients(analysis) {
        if let ClientChoice::Pod { node: n, ips, .. } = &c {
            if n == node {
                if let Some(ip) = ips.iter().find(|ip| same(ip)) {
                    return Some(*ip);
                }
            }
        }
    }
    analysis
        .node_context(node)
        .node_ips
        .iter()
        .find(|ip| same(ip))
        .copied()
}

/// `dev/web 10.97.97.97:80/TCP (ClusterIP)`: the kind in the Service API's words.
fn destination_label(d: &Destination) -> String {
    let kind = match d.kind {
        DestinationKind::ClusterIp => "ClusterIP",
        DestinationKind::NodePort => "NodePort",
        DestinationKind::ExternalIp => "externalIPs",
        DestinationKind::LoadBalancer => "LoadBalancer",
    };
    format!(
        "{} {}/{} ({kind})",
        d.service,
        d.address(),
        d.protocol.as_str()
    )
}

/// The modes side by side on `node`, a packet from a client of the node to destination
/// number `chosen` of the scenario (the first by default).
pub fn compare(
    analysis: &Analysis,
    node: &str,
    modes: &[ProxyMode],
    chosen: Option<usize>,
) -> Comparison {
    let all = destinations(analysis);
    let chosen = chosen.filter(|c| *c < all.len()).unwrap_or(0);
    let packet = all.get(chosen).and_then(|d| {
        Some(Packet {
            src: source_on(analysis, node, &d.ip)?,
            dst: d.ip,
            dport: d.port,
            protocol: d.protocol,
        })
    });
    let columns = modes
        .iter()
        .map(|&mode| {
            let proxy = analysis.proxy_in(node, mode);
            let groups: Vec<&Group> = proxy.proxiers.iter().flat_map(|p| p.groups()).collect();
            let mut per_service: BTreeMap<String, usize> = BTreeMap::new();
            let mut fixed = 0;
            for g in &groups {
                for s in g.line_services.iter() {
                    match s {
                        Some(s) => *per_service.entry(s.to_string()).or_default() += 1,
                        None => fixed += 1,
                    }
                }
            }
            let walk = match packet {
                Some(p) => analysis.trace(node, mode, p).map(|t| Walk {
                    hops: t
                        .hops
                        .iter()
                        .map(|h| Step {
                            depth: h.depth,
                            location: h.location.clone(),
                            rule: h.rule.clone(),
                            verdict: h.verdict.clone(),
                        })
                        .collect(),
                    result: t.outcome.to_string(),
                    masquerade: t.masquerade,
                }),
                None => Err("the scenario has no Service address to send to from this node".into()),
            };
            Column {
                mode,
                counts: counts(&groups),
                per_service: per_service.into_iter().collect(),
                fixed,
                walk,
            }
        })
        .collect();
    let applying: Vec<usize> = (0..NOTES.len())
        .filter(|&i| NOTES[i].applies(analysis, modes))
        .collect();
    let mut notes: Vec<usize> = (0..NOTES.len()).collect();
    crate::sort::sort_by_key(&mut notes, |i| !applying.contains(i));
    Comparison {
        node: node.to_string(),
        packet,
        destinations: all.iter().map(destination_label).collect(),
        chosen,
        columns,
        notes,
        applying,
    }
}

/// The modes a comparison shows by default: the three kube-proxy offers in v1.35.
pub const DEFAULT_MODES: [ProxyMode; 3] =
    [ProxyMode::Iptables, ProxyMode::Nftables, ProxyMode::Ipvs];

/// A walk's result in words: `DNAT to …`, `rejected`…
pub fn result_words(walk: &Walk, lang: Lang) -> String {
    match walk.result.as_str() {
        "" => lang
            .pick("no kube-proxy rule applies", "没有 kube-proxy 规则生效")
            .into(),
        "ACCEPT" => lang.pick("accepted", "接受").into(),
        "DROP" => lang.pick("dropped", "丢弃").into(),
        "REJECT" => lang.pick("rejected", "拒绝").into(),
        r => match lang {
            Lang::En => format!("to {r}"),
            Lang::Zh => format!("发往 {r}"),
        },
    }
}

/// Whether a protocol is one every mode handles (SCTP needs kernel modules in IPVS).
pub fn is_common(p: Protocol) -> bool {
    p != Protocol::Sctp
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::has_half_width_punctuation;
    use crate::scenario::{Options, analyze};

    /// Every verdict a walk writes (the modes side by side for every destination of every
    /// lab from every node, and the watched requests of every mode) is either the tools'
    /// own words or one of [`crate::proxy::trace::VERDICT_WORDS`]' phrasings: the page
    /// says none of svcplay's own words in English when it is in Chinese.
    #[test]
    fn every_walks_verdict_is_said_in_chinese() {
        use crate::proxy::trace::verdict_words;
        use crate::simulate::SimRequest;
        use crate::simulate::clients::request;
        // What the tools print: targets, nft's verdicts and map elements, marks.
        let tools = |v: &str| {
            matches!(
                v,
                "" | "ACCEPT" | "DROP" | "REJECT" | "MASQUERADE" | "drop" | "accept" | "reject"
            ) || ["goto ", "mark |= ", "@", "-j "]
                .iter()
                .any(|p| v.starts_with(p))
        };
        let cjk = |s: &str| s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
        let mut seen = std::collections::BTreeSet::new();
        let mut problems = std::collections::BTreeSet::new();
        let mut check = |v: &str| {
            if !seen.insert(v.to_string()) {
                return;
            }
            assert_eq!(verdict_words(v, Lang::En), v);
            let zh = verdict_words(v, Lang::Zh);
            if zh == v && !tools(v) {
                problems.insert(format!("not translated: {v}"));
            }
            if zh != v && (!cjk(&zh) || has_half_width_punctuation(&zh)) {
                problems.insert(format!("{v} -> {zh}"));
            }
        };
        for example in crate::examples::EXAMPLES {
            let analysis = analyze(example.text, Options::default());
            let all = destinations(&analysis);
            let mut nodes = analysis.node_names();
            if nodes.is_empty() {
                nodes.push(analysis.default_node());
            }
            for node in &nodes {
                for i in 0..all.len() {
                    let c = compare(&analysis, node, &ProxyMode::ALL, Some(i));
                    for column in &c.columns {
                        for hop in column.walk.iter().flat_map(|w| &w.hops) {
                            check(&hop.verdict);
                        }
                    }
                }
                for mode in ProxyMode::ALL {
                    for d in all.iter().take(4) {
                        let req = SimRequest {
                            mode: Some(mode),
                            record: 12,
                            ..request(&ClientChoice::Node(node.clone()), d, 12, 1)
                        };
                        let Ok(watch) = crate::simulate::watch::run(&analysis, &req, 12) else {
                            continue;
                        };
                        for hop in watch.walks.iter().flat_map(|w| &w.trace.hops) {
                            check(&hop.verdict);
                        }
                    }
                }
            }
        }
        assert!(
            problems.is_empty(),
            "{}",
            problems.into_iter().collect::<Vec<_>>().join("\n")
        );
        assert!(seen.len() > 20, "{seen:?}");
    }

    #[test]
    fn a_verdict_in_chinese_keeps_the_tools_words() {
        use crate::proxy::trace::verdict_words;
        for (en, zh) in [
            (
                "jump to KUBE-SEP-ABC (random, probability 0.3333333333: taken)",
                "跳转到 KUBE-SEP-ABC（随机，概率 0.3333333333：命中）",
            ),
            ("DNAT to 10.244.1.2:80", "DNAT 到 10.244.1.2:80"),
            (
                "rr chooses among 10.244.1.2:80, 10.244.2.2:80 (list order); a first connection goes to 10.244.1.2:80; persistent: later connections from 10.0.0.2 within 10800 s reuse its real server",
                "rr 在 10.244.1.2:80, 10.244.2.2:80 中选择（按列表顺序）；第一个连接去往 10.244.1.2:80；持久：10.0.0.2 在 10800 秒内的后续连接沿用同一个真实服务器",
            ),
            (
                "branch 1 of 3: goto endpoint-X",
                "3 个分支中的分支 1：goto endpoint-X",
            ),
            ("goto service-ABC", "goto service-ABC"),
            ("ACCEPT", "ACCEPT"),
        ] {
            assert_eq!(verdict_words(en, Lang::Zh), zh);
            assert_eq!(verdict_words(en, Lang::En), en);
        }
    }

    #[test]
    fn the_default_lab_in_three_modes() {
        let analysis = analyze(crate::examples::DEFAULT, Options::default());
        let node = analysis.default_node();
        let c = compare(&analysis, &node, &DEFAULT_MODES, None);
        assert_eq!(c.columns.len(), 3);
        let p = c.packet.expect("a packet");
        assert_eq!(p.dst.to_string(), "10.97.97.97");
        assert_eq!(
            c.destinations[c.chosen],
            "dev/service-clusterip 10.97.97.97:80/TCP (ClusterIP)"
        );
        for col in &c.columns {
            let walk = col.walk.as_ref().expect("a walk");
            // Every mode sends the packet to one of the three Pods.
            assert_eq!(
                walk.result.split(", ").count(),
                3,
                "{:?}: {walk:?}",
                col.mode
            );
            assert!(
                col.per_service
                    .iter()
                    .any(|(s, n)| s == "dev/service-clusterip" && *n > 0)
            );
        }
        let ipvs = &c.columns[2].counts;
        assert!(
            ipvs.virtual_servers >= 2 && ipvs.bound_addresses >= 2,
            "{ipvs:?}"
        );
        assert!(c.columns[0].counts.rules > 0 && c.columns[0].counts.sets == 0);
        assert!(c.columns[1].counts.sets > 0 && c.columns[1].counts.elements > 0);
        // With IPVS among the modes, its notes come first.
        assert!(NOTES[c.notes[0]].applies(&analysis, &DEFAULT_MODES));
        assert!(c.applying.contains(&c.notes[0]));
        assert!(
            c.applying
                .iter()
                .all(|i| NOTES[*i].applies(&analysis, &DEFAULT_MODES))
        );
    }

    #[test]
    fn notes_have_sources_and_both_languages() {
        for n in NOTES {
            assert!(!n.sources.is_empty(), "{}", n.id);
            assert!(!has_half_width_punctuation(n.title.zh), "{}", n.title.zh);
            assert!(!has_half_width_punctuation(n.body.zh), "{}", n.body.zh);
        }
    }
}
