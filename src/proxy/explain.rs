//! Each line of a listing in plain language, in English and Chinese.
//!
//! [`Provenance::explain`] says what a line does ("sends 1/3 of new connections to pod
//! X: this rule matches with probability 0.333 of what is left"), from the [`What`] the
//! writer read off the typed value and the facts resolved into the provenance;
//! [`Provenance::source_text`] says where it comes from (the Service port, endpoint and
//! configuration fields, or the upstream function of kube-proxy's fixed rules). The CLI's
//! `kube-proxy --explain` prints both after each rule; the page shows them beside it.

use super::lines::{Action, ChainRole, IpvsSet, SetRole, What};
use super::provenance::{AddressKind, EndpointProvenance, PortProvenance, Provenance};
use crate::lang::Lang;
use crate::model::Origin;
use crate::model::ip::join_host_port;

/// Two words of a language: English and Chinese.
fn tr(lang: Lang, en: String, zh: String) -> String {
    match lang {
        Lang::En => en,
        Lang::Zh => zh,
    }
}

/// `10.96.0.10:53/UDP` of a port, or the NodePort.
fn address(port: &PortProvenance, kind: Option<AddressKind>, lang: Lang) -> String {
    let proto = port.protocol.as_str();
    let vip = |ip| format!("{}/{proto}", join_host_port(&ip, port.port));
    match kind {
        Some(AddressKind::ClusterIp) | None => tr(
            lang,
            format!("cluster IP {}", vip(port.cluster_ip)),
            format!("集群 IP {}", vip(port.cluster_ip)),
        ),
        Some(AddressKind::ExternalIp(_)) => tr(lang, "an external IP".into(), "外部 IP".into()),
        Some(AddressKind::LoadBalancer(_)) => {
            tr(lang, "a load-balancer IP".into(), "负载均衡器 IP".into())
        }
        Some(AddressKind::NodePort) | Some(AddressKind::Node) => tr(
            lang,
            format!(
                "NodePort {}/{proto} on the node's addresses",
                port.node_port
            ),
            format!("节点地址上的 NodePort {}/{proto}", port.node_port),
        ),
        Some(AddressKind::LocalhostNodePort) => tr(
            lang,
            format!("NodePort {}/{proto} on 127.0.0.1", port.node_port),
            format!("127.0.0.1 上的 NodePort {}/{proto}", port.node_port),
        ),
    }
}

/// `pod web-1 (10.244.1.2:80)` or `endpoint 10.244.1.2:80`.
fn endpoint(e: Option<&EndpointProvenance>, lang: Lang) -> String {
    match e {
        Some(EndpointProvenance {
            pod: Some(pod),
            address,
            ..
        }) => tr(
            lang,
            format!("pod {pod} ({address})"),
            format!("Pod {pod}（{address}）"),
        ),
        Some(e) => tr(
            lang,
            format!("endpoint {}", e.address),
            format!("端点 {}", e.address),
        ),
        None => tr(lang, "an endpoint".into(), "一个端点".into()),
    }
}

fn chain(role: ChainRole, lang: Lang) -> &'static str {
    match role {
        ChainRole::Services => lang.pick("the Service dispatch chain", "Service 分发链"),
        ChainRole::NodePorts => lang.pick("the NodePort dispatch chain", "NodePort 分发链"),
        ChainRole::ExternalServices => lang.pick(
            "the filter chain for external traffic to Services without endpoints",
            "无端点 Service 外部流量的过滤链",
        ),
        ChainRole::Forward => lang.pick("the forwarding chain", "转发链"),
        ChainRole::ProxyFirewall => lang.pick(
            "the load-balancer source-range firewall",
            "负载均衡器来源网段防火墙",
        ),
        ChainRole::Firewall => lang.pick("the localhost firewall chain", "本机回环防火墙链"),
        ChainRole::Postrouting => lang.pick("the masquerade chain", "伪装（SNAT）链"),
        ChainRole::MarkMasq => lang.pick("the mark-for-masquerade chain", "伪装标记链"),
        ChainRole::Canary => lang.pick(
            "the canary chain kube-proxy watches to notice a flush",
            "kube-proxy 用来发现规则被清空的金丝雀链",
        ),
        ChainRole::ServiceCluster => {
            lang.pick("the chain of the cluster-wide endpoints", "全集群端点链")
        }
        ChainRole::ServiceLocal => {
            lang.pick("the chain of the endpoints on this node", "本节点端点链")
        }
        ChainRole::External => lang.pick(
            "the chain for traffic from outside the cluster",
            "集群外部流量链",
        ),
        ChainRole::LoadBalancerFirewall => lang.pick(
            "the load balancer's source-range chain",
            "负载均衡器来源网段链",
        ),
        ChainRole::Endpoint => lang.pick("one endpoint's chain", "单个端点的链"),
        ChainRole::Builtin => lang.pick("a built-in chain", "内置链"),
        ChainRole::Other => lang.pick("one of kube-proxy's chains", "kube-proxy 的一条链"),
    }
}

fn ipvs_set(set: IpvsSet, lang: Lang) -> &'static str {
    match set {
        IpvsSet::LoopBack => lang.pick(
            "endpoints reaching themselves through a Service (hairpin)",
            "通过 Service 访问自己的端点（回环）",
        ),
        IpvsSet::ClusterIp => lang.pick("ClusterIPs and ports", "ClusterIP 与端口"),
        IpvsSet::ExternalIp => lang.pick("external IPs and ports", "外部 IP 与端口"),
        IpvsSet::ExternalIpLocal => lang.pick(
            "external IPs of Services with externalTrafficPolicy: Local",
            "externalTrafficPolicy 为 Local 的 Service 的外部 IP",
        ),
        IpvsSet::LoadBalancer => lang.pick("load-balancer IPs and ports", "负载均衡器 IP 与端口"),
        IpvsSet::LoadBalancerFw => lang.pick(
            "load-balancer IPs with loadBalancerSourceRanges",
            "设置了 loadBalancerSourceRanges 的负载均衡器 IP",
        ),
        IpvsSet::LoadBalancerLocal => lang.pick(
            "load-balancer IPs of Services with externalTrafficPolicy: Local",
            "externalTrafficPolicy 为 Local 的负载均衡器 IP",
        ),
        IpvsSet::LoadBalancerSourceIp => lang.pick(
            "load-balancer IPs with a source IP allowed to reach them",
            "负载均衡器 IP 及允许访问它的来源 IP",
        ),
        IpvsSet::LoadBalancerSourceCidr => lang.pick(
            "load-balancer IPs with a source range allowed to reach them",
            "负载均衡器 IP 及允许访问它的来源网段",
        ),
        IpvsSet::NodePort => lang.pick("NodePorts", "NodePort 端口"),
        IpvsSet::NodePortLocal => lang.pick(
            "NodePorts of Services with externalTrafficPolicy: Local",
            "externalTrafficPolicy 为 Local 的 NodePort",
        ),
        IpvsSet::HealthCheckNodePort => lang.pick("health-check NodePorts", "健康检查 NodePort"),
        IpvsSet::IpvsIps => lang.pick(
            "every address bound to kube-ipvs0",
            "绑定在 kube-ipvs0 上的所有地址",
        ),
    }
}

fn set(role: SetRole, lang: Lang) -> &'static str {
    match role {
        SetRole::Ipvs(s) => ipvs_set(s, lang),
        SetRole::ClusterIps => lang.pick("every ClusterIP", "所有 ClusterIP"),
        SetRole::NodePortIps => lang.pick(
            "the node addresses that accept NodePorts",
            "接受 NodePort 的节点地址",
        ),
        SetRole::ServiceIps => lang.pick(
            "Service address and port → the Service's chain",
            "Service 地址和端口 → 该 Service 的链",
        ),
        SetRole::ServiceNodePorts => lang.pick(
            "NodePort → the Service's chain",
            "NodePort → 该 Service 的链",
        ),
        SetRole::NoEndpointServices => lang.pick(
            "Service address and port → drop or reject (no endpoints)",
            "Service 地址和端口 → 丢弃或拒绝（没有端点）",
        ),
        SetRole::NoEndpointNodePorts => lang.pick(
            "NodePort → drop or reject (no endpoints)",
            "NodePort → 丢弃或拒绝（没有端点）",
        ),
        SetRole::FirewallIps => lang.pick(
            "load-balancer address → its source-range chain",
            "负载均衡器地址 → 它的来源网段链",
        ),
        SetRole::Affinity => lang.pick(
            "the clients of one endpoint under ClientIP affinity",
            "ClientIP 会话亲和下某个端点的客户端",
        ),
    }
}

fn action(a: Action, lang: Lang) -> String {
    match a {
        Action::Accept => lang.pick("accepts the packet", "接受该数据包").into(),
        Action::Drop => lang.pick("drops the packet", "丢弃该数据包").into(),
        Action::Reject => lang.pick("rejects the packet", "拒绝该数据包").into(),
        Action::Return => lang
            .pick("returns to the calling chain", "返回调用它的链")
            .into(),
        Action::Jump(role) => tr(
            lang,
            format!("continues in {}", chain(role, lang)),
            format!("转到{}继续匹配", chain(role, lang)),
        ),
        Action::MarkMasq => lang
            .pick("marks the packet for masquerade", "给数据包打上伪装标记")
            .into(),
        Action::Masquerade => lang
            .pick(
                "masquerades the packet (source NAT to the node's address)",
                "伪装该数据包（源地址改为节点地址）",
            )
            .into(),
        Action::Count => lang.pick("only counts the packet", "只计数该数据包").into(),
    }
}

/// `1/3`, `0.333`.
fn fraction(n: u32) -> (String, String) {
    let n = n.max(1);
    (format!("1/{n}"), format!("{:.3}", 1.0 / f64::from(n)))
}

impl Provenance {
    /// The Service port's name, `dev/web:http`.
    fn service(&self) -> String {
        self.service_port
            .as_ref()
            .map_or_else(String::new, |p| p.name.to_string())
    }

    /// The endpoints a step of the random choice chooses among.
    fn endpoints_of(&self, local: bool) -> u32 {
        self.service_port.as_ref().map_or(0, |p| {
            let n = if local {
                p.local_endpoints
            } else {
                p.cluster_endpoints
            };
            u32::try_from(n).unwrap_or(u32::MAX)
        })
    }

    /// What the line does, in plain language.
    pub fn explain(&self, lang: Lang) -> String {
        let svc = self.service();
        let ep = endpoint(self.endpoint.as_ref(), lang);
        let addr = self
            .service_port
            .as_ref()
            .map(|p| address(p, self.address, lang))
            .unwrap_or_default();
        match self.what {
            What::Layout => tr(
                lang,
                format!("Part of {}'s output format.", self.by.component()),
                format!("{} 输出格式的一部分。", self.by.component()),
            ),
            What::Note => match &self.service_port {
                Some(_) => tr(
                    lang,
                    format!("A comment naming the Service port {svc}."),
                    format!("注释：Service 端口 {svc}。"),
                ),
                None => lang
                    .pick(
                        "A comment svcplay adds; the real tool does not print it.",
                        "svcplay 添加的注释，真实工具不会输出。",
                    )
                    .into(),
            },
            What::Chain(ChainRole::Endpoint) if self.endpoint.is_some() => tr(
                lang,
                format!("Declares the chain of {ep}, an endpoint of {svc}."),
                format!("声明 {svc} 的端点 {ep} 的链。"),
            ),
            What::Chain(role) if self.service_port.is_some() => tr(
                lang,
                format!("Declares {} of {svc}.", chain(role, lang)),
                format!("声明 {svc} 的{}。", chain(role, lang)),
            ),
            What::Chain(role) => tr(
                lang,
                format!("Declares {}.", chain(role, lang)),
                format!("声明{}。", chain(role, lang)),
            ),
            What::Set(role) => tr(
                lang,
                format!("Declares a set of {}.", set(role, lang)),
                format!("声明集合：{}。", set(role, lang)),
            ),
            What::Member(role) if self.service_port.is_some() => tr(
                lang,
                format!("Puts {svc} in the set of {}.", set(role, lang)),
                format!("把 {svc} 加入集合：{}。", set(role, lang)),
            ),
            What::Member(role) => tr(
                lang,
                format!("A member of the set of {}.", set(role, lang)),
                format!("集合成员：{}。", set(role, lang)),
            ),
            What::Entry { to, .. } => tr(
                lang,
                format!("Sends traffic to {addr} of {svc} on to {}.", chain(to, lang)),
                format!("把发往 {svc} 的{addr}的流量交给{}。", chain(to, lang)),
            ),
            What::NoEndpoints { reject: true, .. } => tr(
                lang,
                format!(
                    "Rejects traffic to {addr} of {svc}: the Service has no endpoints, so clients get \"connection refused\"."
                ),
                format!("拒绝发往 {svc} 的{addr}的流量：该 Service 没有端点，客户端会收到“连接被拒绝”。"),
            ),
            What::NoEndpoints { reject: false, .. } => tr(
                lang,
                format!(
                    "Drops traffic to {addr} of {svc}: it has endpoints, but none this node may use under its Local traffic policy."
                ),
                format!("丢弃发往 {svc} 的{addr}的流量：它有端点，但在 Local 流量策略下本节点没有可用的端点。"),
            ),
            What::FirewallDrop => tr(
                lang,
                format!("Drops traffic to the load balancer of {svc} that does not come from its loadBalancerSourceRanges."),
                format!("丢弃发往 {svc} 负载均衡器、但不来自 loadBalancerSourceRanges 的流量。"),
            ),
            What::AllowSourceRange => tr(
                lang,
                format!("Lets load-balancer traffic to {svc} from an allowed source on to its endpoints."),
                format!("允许来自许可来源的流量经负载均衡器到达 {svc} 的端点。"),
            ),
            What::FirewallRest => tr(
                lang,
                format!("Leaves the rest of the traffic to {svc}'s load balancer for KUBE-PROXY-FIREWALL to drop."),
                format!("其余发往 {svc} 负载均衡器的流量交给 KUBE-PROXY-FIREWALL 丢弃。"),
            ),
            What::HealthCheck => tr(
                lang,
                format!("Accepts the health-check NodePort of {svc}: kube-proxy answers it so the load balancer knows which nodes have endpoints."),
                format!("接受 {svc} 的健康检查 NodePort：kube-proxy 应答它，让负载均衡器知道哪些节点有端点。"),
            ),
            What::MasqueradeOffCluster => tr(
                lang,
                format!("Marks traffic to {addr} of {svc} that does not come from the pod network for masquerade, so replies come back through this node."),
                format!("给发往 {svc} 的{addr}、且不来自 Pod 网络的流量打上伪装标记，使回包经过本节点返回。"),
            ),
            What::MasqueradeAll => tr(
                lang,
                format!("Marks every packet to {addr} of {svc} for masquerade (masqueradeAll)."),
                format!("给发往 {svc} 的{addr}的所有数据包打上伪装标记（masqueradeAll）。"),
            ),
            What::MasqueradeExternal => tr(
                lang,
                format!("Marks traffic from outside to {svc} for masquerade: with externalTrafficPolicy: Cluster the endpoint may be on another node, so the client's address is replaced by the node's."),
                format!("给外部发往 {svc} 的流量打上伪装标记：externalTrafficPolicy 为 Cluster 时端点可能在其他节点上，所以客户端地址会被换成节点地址。"),
            ),
            What::PodShortCircuit => tr(
                lang,
                format!("Sends traffic from pods on this node to an external address of {svc} to all its endpoints, as if to the cluster IP (externalTrafficPolicy: Local applies only to traffic from outside)."),
                format!("本节点 Pod 发往 {svc} 外部地址的流量按集群 IP 的方式发往全部端点（externalTrafficPolicy: Local 只约束集群外来的流量）。"),
            ),
            What::MasqueradeHost => tr(
                lang,
                format!("Marks traffic the node itself sends to an external address of {svc} for masquerade."),
                format!("给节点自身发往 {svc} 外部地址的流量打上伪装标记。"),
            ),
            What::HostShortCircuit => tr(
                lang,
                format!("Sends traffic the node itself sends to an external address of {svc} to all its endpoints."),
                format!("节点自身发往 {svc} 外部地址的流量发往它的全部端点。"),
            ),
            What::ExternalDispatch { local: true } => tr(
                lang,
                format!("Sends traffic from outside only to endpoints of {svc} on this node (externalTrafficPolicy: Local), keeping the client's address."),
                format!("集群外来的流量只发往 {svc} 在本节点上的端点（externalTrafficPolicy: Local），保留客户端地址。"),
            ),
            What::ExternalDispatch { local: false } => tr(
                lang,
                format!("Sends traffic from outside to all endpoints of {svc}."),
                format!("集群外来的流量发往 {svc} 的全部端点。"),
            ),
            What::AffinityHit => {
                let t = self
                    .service_port
                    .as_ref()
                    .and_then(|p| p.affinity_timeout)
                    .unwrap_or(10800);
                tr(
                    lang,
                    format!("Sends a client that connected within the last {t} s back to {ep} (sessionAffinity: ClientIP)."),
                    format!("最近 {t} 秒内连接过的客户端仍被发往 {ep}（sessionAffinity: ClientIP）。"),
                )
            }
            What::Pick { remaining, local } => {
                let n = self.endpoints_of(local).max(remaining);
                let (share, _) = fraction(n);
                let (p, decimal) = fraction(remaining);
                if remaining == n {
                    tr(
                        lang,
                        format!("Sends {share} of new connections to {ep}: this rule matches with probability {decimal} ({p})."),
                        format!("把 {share} 的新连接发往 {ep}：这条规则以 {decimal}（{p}）的概率匹配。"),
                    )
                } else {
                    tr(
                        lang,
                        format!("Sends {share} of new connections to {ep}: this rule matches with probability {decimal} ({p}) of what the rules before it left."),
                        format!("把 {share} 的新连接发往 {ep}：这条规则以 {decimal}（{p}）的概率匹配前面的规则剩下的连接。"),
                    )
                }
            }
            What::PickRest { local } => {
                let n = self.endpoints_of(local);
                if n <= 1 {
                    tr(
                        lang,
                        format!("Sends every new connection to {ep}, the only endpoint."),
                        format!("把所有新连接发往唯一的端点 {ep}。"),
                    )
                } else {
                    let (share, _) = fraction(n);
                    tr(
                        lang,
                        format!("Sends the rest, {share} of new connections, to {ep}: the last endpoint takes every connection the rules before it left."),
                        format!("把剩下的新连接（占 {share}）发往 {ep}：最后一个端点接收前面的规则剩下的所有连接。"),
                    )
                }
            }
            What::PickUniform { n, .. } => {
                let (share, decimal) = fraction(n);
                tr(
                    lang,
                    format!("Picks one of the {n} endpoints of {svc} at random for each new connection, each with probability {decimal} ({share})."),
                    format!("为每个新连接从 {svc} 的 {n} 个端点中随机选一个，每个的概率是 {decimal}（{share}）。"),
                )
            }
            What::Hairpin => tr(
                lang,
                format!("Marks for masquerade a connection from {ep} to its own Service that lands back on it (hairpin), so the reply returns through the node."),
                format!("{ep} 通过自己的 Service 访问到自己（回环）时打上伪装标记，让回包经过节点返回。"),
            ),
            What::Dnat { affinity } => {
                let mut en = format!("Rewrites the destination to {ep} (DNAT): the connection goes to this endpoint.");
                let mut zh = format!("把目的地址改写为 {ep}（DNAT）：连接发往这个端点。");
                if affinity {
                    en.push_str(" It also records the client for ClientIP affinity.");
                    zh.push_str("同时记录客户端，用于 ClientIP 会话亲和。");
                }
                tr(lang, en, zh)
            }
            What::AffinityRecord => tr(
                lang,
                format!("Records the client's address for ClientIP affinity to {ep}."),
                format!("记录客户端地址，用于与 {ep} 的 ClientIP 会话亲和。"),
            ),
            What::SkipUnmarked => lang
                .pick(
                    "Lets packets without the masquerade mark leave unchanged.",
                    "没有伪装标记的数据包原样通过。",
                )
                .into(),
            What::ClearMark => lang
                .pick(
                    "Clears the masquerade mark, so a packet routed through again is not masqueraded twice.",
                    "清除伪装标记，避免再次经过时被重复伪装。",
                )
                .into(),
            What::Masquerade => lang
                .pick(
                    "Masquerades marked packets: their source becomes the node's address, so replies come back through this node.",
                    "伪装带标记的数据包：源地址改为节点地址，使回包经过本节点返回。",
                )
                .into(),
            What::MarkForMasquerade => lang
                .pick(
                    "Sets the masquerade mark; the postrouting chain masquerades marked packets.",
                    "打上伪装标记；POSTROUTING 阶段会伪装带标记的数据包。",
                )
                .into(),
            What::DropInvalid => lang
                .pick(
                    "Drops forwarded packets conntrack calls INVALID (not written when the node sets nf_conntrack_tcp_be_liberal).",
                    "丢弃连接跟踪判定为 INVALID 的转发数据包（节点设置了 nf_conntrack_tcp_be_liberal 时不写这条）。",
                )
                .into(),
            What::AcceptMarked => lang
                .pick(
                    "Accepts forwarded packets kube-proxy marked, so a restrictive FORWARD policy does not drop Service traffic.",
                    "接受 kube-proxy 标记过的转发数据包，避免严格的 FORWARD 策略丢弃 Service 流量。",
                )
                .into(),
            What::AcceptEstablished => lang
                .pick(
                    "Accepts forwarded packets of connections conntrack already knows.",
                    "接受连接跟踪已知连接的转发数据包。",
                )
                .into(),
            What::BlockLocalnet => lang
                .pick(
                    "Drops packets to 127.0.0.0/8 that come from elsewhere (route_localnet is on for localhost NodePorts).",
                    "丢弃从别处发往 127.0.0.0/8 的数据包（为本机 NodePort 打开了 route_localnet）。",
                )
                .into(),
            What::ToNodePorts => lang
                .pick(
                    "The last Service rule: traffic to one of the node's own addresses goes on to the NodePort chain.",
                    "最后一条 Service 规则：发往节点自身地址的流量交给 NodePort 链。",
                )
                .into(),
            What::Jump(role) => tr(
                lang,
                format!("Sends packets of this built-in chain through {}.", chain(role, lang)),
                format!("让该内置链的数据包经过{}。", chain(role, lang)),
            ),
            What::RejectInvalidPort => lang
                .pick(
                    "Rejects traffic to a ClusterIP on a port no Service uses.",
                    "拒绝发往 ClusterIP 上未被任何 Service 使用的端口的流量。",
                )
                .into(),
            What::DropUnallocated => lang
                .pick(
                    "Drops traffic to addresses of the service CIDRs that no Service has.",
                    "丢弃发往 Service 网段中未分配地址的流量。",
                )
                .into(),
            What::Lookup(role) => tr(
                lang,
                format!("Looks the packet up in the map of {} and follows the verdict it finds.", set(role, lang)),
                format!("在映射表（{}）中查找数据包，按找到的结果处理。", set(role, lang)),
            ),
            What::RejectHelper => lang
                .pick(
                    "Rejects the packet (the helper the no-endpoint maps send to).",
                    "拒绝数据包（无端点映射表跳转到的辅助链）。",
                )
                .into(),
            What::SetRule { set: role, action: a } => tr(
                lang,
                format!("For packets matching the set of {}, {}.", set(role, lang), action(a, lang)),
                format!("对匹配集合（{}）的数据包：{}。", set(role, lang), action(a, lang)),
            ),
            What::VirtualServer(_) => tr(
                lang,
                format!("IPVS virtual server for {addr} of {svc}: it spreads new connections over the real servers listed under it, by the scheduler of ipvs.scheduler."),
                format!("{svc} 的{addr}对应的 IPVS 虚拟服务：按 ipvs.scheduler 的调度算法把新连接分给下面列出的真实服务器。"),
            ),
            What::RealServer => tr(
                lang,
                format!("Real server {ep} of {svc}: IPVS forwards connections here with NAT (Masq)."),
                format!("{svc} 的真实服务器 {ep}：IPVS 以 NAT（Masq）方式把连接转发到这里。"),
            ),
            What::BoundAddress => tr(
                lang,
                format!("An address of {svc} bound to the dummy interface kube-ipvs0, so the node takes packets for it as its own."),
                format!("{svc} 的地址绑定在虚拟网卡 kube-ipvs0 上，节点因此把发往它的数据包当作本机的。"),
            ),
            What::ProxySocket => tr(
                lang,
                format!("kube-proxy's own socket for {svc}: it accepts each connection and proxies it to an endpoint, round robin."),
                format!("kube-proxy 为 {svc} 打开的代理套接字：它接受每个连接，并轮询转发给某个端点。"),
            ),
            What::HeldPort => tr(
                lang,
                format!("A port kube-proxy holds open for {svc}, so no other program takes it."),
                format!("kube-proxy 为 {svc} 占用的端口，防止被其他程序占用。"),
            ),
            What::Portal { host: false, .. } => tr(
                lang,
                format!("Redirects traffic from containers to {addr} of {svc} to kube-proxy's proxy socket."),
                format!("把容器发往 {svc} 的{addr}的流量重定向到 kube-proxy 的代理套接字。"),
            ),
            What::Portal { host: true, .. } => tr(
                lang,
                format!("Sends traffic the node itself sends to {addr} of {svc} to kube-proxy's proxy socket (DNAT to the node's address)."),
                format!("把节点自身发往 {svc} 的{addr}的流量交给 kube-proxy 的代理套接字（DNAT 到节点地址）。"),
            ),
            What::AcceptProxyPort => tr(
                lang,
                format!("Accepts new connections to the proxy socket of {svc}."),
                format!("接受发往 {svc} 代理套接字的新连接。"),
            ),
            What::Rule(a) => {
                let text = action(a, lang);
                let mut chars = text.chars();
                match chars.next() {
                    Some(first) if lang == Lang::En => {
                        format!("{}{}.", first.to_uppercase(), chars.as_str())
                    }
                    _ => format!("{text}。"),
                }
            }
        }
    }

    /// Where the line comes from, in one sentence: the Service port, the endpoint and
    /// the configuration fields, or who writes it.
    pub fn source_text(&self, lang: Lang) -> String {
        let mut parts: Vec<String> = Vec::new();
        if let Some(p) = &self.service_port {
            let written = matches!(p.origin, Origin::Written(_));
            let mut s = match (lang, written) {
                (Lang::En, true) => format!("Service {} {}", service_of(p), p.path),
                (Lang::En, false) => format!("Service {} (made by the cluster)", service_of(p)),
                (Lang::Zh, true) => format!("Service {} 的 {}", service_of(p), p.path),
                (Lang::Zh, false) => format!("Service {}（集群自带）", service_of(p)),
            };
            if !self.fields.is_empty() {
                s.push_str(&match lang {
                    Lang::En => format!(" ({})", self.fields.join(", ")),
                    Lang::Zh => format!("（{}）", self.fields.join("、")),
                });
            }
            parts.push(s);
        }
        if let Some(e) = &self.endpoint {
            let slice = match (&e.path, lang) {
                (Some(path), Lang::En) => format!("EndpointSlice {path}"),
                (Some(path), Lang::Zh) => format!("EndpointSlice 的 {path}"),
                (None, Lang::En) => "EndpointSlice made by the EndpointSlice controller".into(),
                (None, Lang::Zh) => "EndpointSlice 控制器生成的 EndpointSlice".into(),
            };
            parts.push(match lang {
                Lang::En => format!("{} from {slice}", endpoint(Some(e), lang)),
                Lang::Zh => format!("{}，来自 {slice}", endpoint(Some(e), lang)),
            });
        }
        for c in &self.config {
            let doc = if c.field.of_node_runtime() {
                "NodeRuntime"
            } else {
                "KubeProxyConfiguration"
            };
            let default = if c.object.is_none() {
                lang.pick(" (default)", "（默认值）")
            } else {
                ""
            };
            parts.push(format!("{doc} {}{default}", c.path));
        }
        if self.service_port.is_none() {
            let who = match (self.by.is_kube_proxy(), lang) {
                (true, Lang::En) => format!("kube-proxy's fixed rules: {}", self.by.upstream()),
                (true, Lang::Zh) => format!("kube-proxy 的固定规则：{}", self.by.upstream()),
                (false, Lang::En) => format!(
                    "{}'s own output ({})",
                    self.by.component(),
                    self.by.upstream()
                ),
                (false, Lang::Zh) => format!(
                    "{} 自身的输出（{}）",
                    self.by.component(),
                    self.by.upstream()
                ),
            };
            parts.insert(0, who);
        } else {
            parts.push(match lang {
                Lang::En => format!("written by {}", self.by.upstream()),
                Lang::Zh => format!("由 {} 写入", self.by.upstream()),
            });
        }
        match lang {
            Lang::En => parts.join("; "),
            Lang::Zh => parts.join("；"),
        }
    }
}

/// A listing with each line that does something followed by two comments: where it
/// comes from and what it does (`svcplay kube-proxy --explain`). Lines of a tool's own
/// layout (`*nat`, `COMMIT`, braces) stay bare. The comments start with `#`, which
/// iptables-restore and nft read as comments, so the text still loads.
pub fn annotate(lines: &super::Lines, lang: Lang) -> String {
    let mut out = String::with_capacity(lines.text.len() * 4);
    let (source_label, what_label) = match lang {
        Lang::En => ("# source: ", "# what: "),
        Lang::Zh => ("# 来源：", "# 作用："),
    };
    for (i, (line, provenance)) in lines.iter().enumerate() {
        out.push_str(line);
        out.push('\n');
        let Some(p) = provenance else { continue };
        if p.what == What::Layout && p.service_port.is_none() {
            continue;
        }
        out.push_str(source_label);
        out.push_str(&p.source_text(lang));
        for other in lines.sources_of(i).iter().skip(1) {
            out.push_str(match lang {
                Lang::En => "; also ",
                Lang::Zh => "；另见 ",
            });
            out.push_str(&other.source_text(lang));
        }
        out.push('\n');
        out.push_str(what_label);
        out.push_str(&p.explain(lang));
        out.push('\n');
    }
    out
}

/// `namespace/name` of a service port's Service.
fn service_of(p: &PortProvenance) -> String {
    format!("{}/{}", p.name.namespace, p.name.name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::has_half_width_punctuation;
    use crate::scenario::{Options, analyze};

    #[test]
    fn every_line_of_the_labs_reads_in_both_languages() {
        for e in crate::examples::EXAMPLES {
            let analysis = analyze(e.text, Options::default());
            let node = analysis.default_node();
            let lines = analysis.proxy(&node).lines();
            for p in &lines.sources {
                for lang in Lang::ALL {
                    let text = p.explain(lang);
                    assert!(!text.is_empty(), "{}: {p:?}", e.id);
                    let source = p.source_text(lang);
                    assert!(!source.is_empty());
                    if lang == Lang::Zh {
                        assert!(!has_half_width_punctuation(&text), "{text}");
                        assert!(!has_half_width_punctuation(&source), "{source}");
                    }
                }
            }
        }
    }

    #[test]
    fn a_cascade_step_says_its_share_and_probability() {
        let analysis = analyze(crate::examples::DEFAULT, Options::default());
        let node = analysis.default_node();
        let lines = analysis.proxy(&node).lines();
        let (line, p) = lines
            .iter()
            .find(|(l, _)| l.contains("--probability 0.3333333333"))
            .expect("a three-endpoint cascade");
        let p = p.expect("a source");
        let text = p.explain(Lang::En);
        assert!(
            text.starts_with("Sends 1/3 of new connections to pod "),
            "{line}: {text}"
        );
        assert!(text.contains("probability 0.333 (1/3)"), "{text}");
        assert!(p.explain(Lang::Zh).contains("1/3 的新连接"));
    }
}
