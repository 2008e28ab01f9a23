//! Built-in scenarios: the page's default scenario and the examples gallery.
//!
//! They are data compiled into the crate (`include_str!`), so the page works offline and
//! the CLI's tests can use them. Every lab of the seed tutorials (`shared/seeds/`) is one
//! [`Example`]: its scenario text and a title and short explanation in English and in
//! Chinese. Most labs share the seeds' Deployment (`pc-deployment.yaml`) and the cluster
//! (`cluster.yaml`: a control-plane node and two workers), appended after the lab's own
//! objects so that the editor opens on what the lab is about.

pub mod dump;

/// The page's starting scenario: the seed tutorial's ClusterIP lab.
pub const DEFAULT: &str = include_str!("seed-clusterip.yaml");
/// The same with its comments in Chinese (every lab has its Chinese twin in `zh/`: the
/// same YAML, comments translated).
pub const DEFAULT_ZH: &str = include_str!("zh/seed-clusterip.yaml");

/// One lab of the gallery.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Example {
    /// A stable identifier, used in links (`#example=ID`) and tests.
    pub id: &'static str,
    /// The title, in English and in Chinese.
    pub title: [&'static str; 2],
    /// What the lab shows and what to try, in English and in Chinese.
    pub explanation: [&'static str; 2],
    /// The page's view that shows the lab's point (`rules`, `dns`, `traffic`, `objects`,
    /// `endpoints`…: the page's `view=` names), opened with the lab.
    pub view: &'static str,
    /// The object the lab is about, `Kind/name` (or just `Kind`): the editor opens there.
    pub focus: &'static str,
    /// The scenario text (its comments in English).
    pub text: &'static str,
    /// The same scenario with its comments in Chinese.
    pub text_zh: &'static str,
}

/// The lab's objects, then the seeds' Deployment, then the cluster's Nodes.
macro_rules! with_deployment {
    ($file:literal) => {
        concat!(
            include_str!($file),
            include_str!("pc-deployment.yaml"),
            include_str!("cluster.yaml")
        )
    };
}

/// The lab's objects (which bring their own workloads), then the cluster's Nodes.
macro_rules! with_cluster {
    ($file:literal) => {
        concat!(include_str!($file), include_str!("cluster.yaml"))
    };
}

/// [`with_deployment!`] with the Chinese comments of `zh/`.
macro_rules! with_deployment_zh {
    ($file:literal) => {
        concat!(
            include_str!(concat!("zh/", $file)),
            include_str!("zh/pc-deployment.yaml"),
            include_str!("zh/cluster.yaml")
        )
    };
}

/// [`with_cluster!`] with the Chinese comments of `zh/`.
macro_rules! with_cluster_zh {
    ($file:literal) => {
        concat!(
            include_str!(concat!("zh/", $file)),
            include_str!("zh/cluster.yaml")
        )
    };
}

/// Every lab, in the order a course would take them.
pub const EXAMPLES: &[Example] = &[
    Example {
        id: "clusterip",
        title: ["ClusterIP", "ClusterIP 服务"],
        explanation: [
            "Three nginx Pods behind one virtual IP, 10.97.97.97:80. kube-proxy picks a Pod at random for each new connection: 1/3, then 1/2, then the last one. Change replicas and watch the probabilities.",
            "三个 nginx Pod 共用一个虚拟 IP 10.97.97.97:80。kube-proxy 对每个新连接随机选择 Pod：先 1/3，再 1/2，最后一个兜底。修改 replicas，观察概率的变化。",
        ],
        view: "rules",
        focus: "Service/service-clusterip",
        text: DEFAULT,
        text_zh: DEFAULT_ZH,
    },
    Example {
        id: "headless",
        title: ["Headless Service", "Headless 无头服务"],
        explanation: [
            "clusterIP: None allocates no virtual IP and kube-proxy writes no rules for it; DNS answers with every ready Pod's address instead. Run dig service-headliness.dev.svc.cluster.local in the terminal.",
            "clusterIP: None 不分配虚拟 IP，kube-proxy 也不为它写规则；DNS 直接返回每个就绪 Pod 的地址。在终端中运行 dig service-headliness.dev.svc.cluster.local。",
        ],
        view: "dns",
        focus: "Service/service-headliness",
        text: with_deployment!("headless.yaml"),
        text_zh: with_deployment_zh!("headless.yaml"),
    },
    Example {
        id: "nodeport",
        title: ["NodePort", "NodePort 服务"],
        explanation: [
            "Every node forwards port 30002 to the Pods, so NodeIP:30002 works from outside the cluster. Find the KUBE-NODEPORTS and KUBE-EXT chains in the rules; remove nodePort to let the API server allocate one.",
            "每个节点都把 30002 端口转发给 Pod，集群外可以通过 节点IP:30002 访问。在规则里找 KUBE-NODEPORTS 和 KUBE-EXT 链；删掉 nodePort，让 API Server 自动分配一个。",
        ],
        view: "traffic",
        focus: "Service/service-nodeport",
        text: with_deployment!("nodeport.yaml"),
        text_zh: with_deployment_zh!("nodeport.yaml"),
    },
    Example {
        id: "loadbalancer",
        title: ["LoadBalancer", "LoadBalancer 服务"],
        explanation: [
            "A LoadBalancer Service is a NodePort Service plus a load balancer that a cloud controller provides. Without one (bare metal, kubeadm) EXTERNAL-IP stays <pending>, and kube-proxy programs the ClusterIP and the allocated NodePort.",
            "LoadBalancer 服务 = NodePort 服务 + 云厂商控制器创建的负载均衡器。没有云控制器时（裸机、kubeadm）EXTERNAL-IP 一直是 <pending>，kube-proxy 只为 ClusterIP 和自动分配的 NodePort 写规则。",
        ],
        view: "objects",
        focus: "Service/service-loadbalancer",
        text: with_deployment!("loadbalancer.yaml"),
        text_zh: with_deployment_zh!("loadbalancer.yaml"),
    },
    Example {
        id: "externalname",
        title: ["ExternalName", "ExternalName 服务"],
        explanation: [
            "An alias in cluster DNS: no selector, no ClusterIP, no endpoints, no kube-proxy rules. DNS answers a CNAME to www.baidu.com; run dig service-externalname.dev.svc.cluster.local.",
            "集群 DNS 中的一个别名：没有选择器、没有 ClusterIP、没有端点，也没有 kube-proxy 规则。DNS 返回指向 www.baidu.com 的 CNAME；运行 dig service-externalname.dev.svc.cluster.local 试试。",
        ],
        view: "dns",
        focus: "Service/service-externalname",
        text: with_deployment!("externalname.yaml"),
        text_zh: with_deployment_zh!("externalname.yaml"),
    },
    Example {
        id: "session-affinity",
        title: ["Session affinity", "会话保持"],
        explanation: [
            "sessionAffinity: ClientIP keeps each client on one Pod for 10800 seconds: kube-proxy adds -m recent checks before the random choice (persistent 10800 in IPVS mode).",
            "sessionAffinity: ClientIP 让同一客户端在 10800 秒内总是访问同一个 Pod：kube-proxy 在随机选择之前加上 -m recent 检查（IPVS 模式下是 persistent 10800）。",
        ],
        view: "traffic",
        focus: "Service/service-clusterip",
        text: with_deployment!("session-affinity.yaml"),
        text_zh: with_deployment_zh!("session-affinity.yaml"),
    },
    Example {
        id: "unready-pod",
        title: ["A Pod that is not ready", "未就绪的 Pod"],
        explanation: [
            "One Pod fails its readiness probe. The EndpointSlice keeps it with ready: false, Endpoints lists it under notReadyAddresses, and kube-proxy balances over the two ready Pods only.",
            "一个 Pod 的就绪探针失败。EndpointSlice 仍然保留它但标记 ready: false，Endpoints 把它放在 notReadyAddresses 中，kube-proxy 只在两个就绪的 Pod 之间分配流量。",
        ],
        view: "endpoints",
        focus: "Deployment/pc-deployment",
        text: with_cluster!("unready-pod.yaml"),
        text_zh: with_cluster_zh!("unready-pod.yaml"),
    },
    Example {
        id: "named-ports",
        title: ["Named target ports", "命名端口"],
        explanation: [
            "targetPort: web names a container port. The v1 Pods serve on 80 and the v2 Pod on 8080: one Service reaches both, each endpoint on its own port.",
            "targetPort: web 引用容器端口的名字。v1 的 Pod 监听 80，v2 的 Pod 监听 8080：同一个 Service 可以访问两者，每个端点使用各自的端口。",
        ],
        view: "endpoints",
        focus: "Service/nginx-svc",
        text: with_cluster!("named-ports.yaml"),
        text_zh: with_cluster_zh!("named-ports.yaml"),
    },
    Example {
        id: "local-traffic-policy",
        title: ["externalTrafficPolicy: Local", "外部流量策略 Local"],
        explanation: [
            "Traffic from outside stays on the node it reaches and keeps the client's IP; a node with no local Pod drops it. Switch the node between k8s-worker01 (two Pods) and k8s-worker02 (one) and compare the rules.",
            "外部流量只发给所到达节点上的 Pod，并保留客户端 IP；没有本地 Pod 的节点会丢弃它。在 k8s-worker01（两个 Pod）和 k8s-worker02（一个 Pod）之间切换节点，比较规则。",
        ],
        view: "traffic",
        focus: "Service/my-service",
        text: with_deployment!("local-traffic-policy.yaml"),
        text_zh: with_deployment_zh!("local-traffic-policy.yaml"),
    },
    Example {
        id: "ipvs",
        title: ["IPVS mode", "IPVS 模式"],
        explanation: [
            "kube-proxy with mode: ipvs, as in the seed: every Service port is an IPVS virtual server with round-robin (rr) real servers. Run ipvsadm -Ln and ipset list in the terminal.",
            "与教程一样把 kube-proxy 切换为 mode: ipvs：每个 Service 端口是一个 IPVS 虚拟服务器，真实服务器按轮询（rr）调度。在终端中运行 ipvsadm -Ln 和 ipset list。",
        ],
        view: "rules",
        focus: "KubeProxyConfiguration",
        text: with_deployment!("ipvs.yaml"),
        text_zh: with_deployment_zh!("ipvs.yaml"),
    },
    Example {
        id: "nftables",
        title: ["nftables mode", "nftables 模式"],
        explanation: [
            "kube-proxy's newest mode: one nftables table with verdict maps from ClusterIP and port to a chain per Service, which picks an endpoint with numgen random. Run nft list table ip kube-proxy.",
            "kube-proxy 最新的模式：一张 nftables 表，用映射（vmap）把 ClusterIP 和端口指向每个 Service 的链，再用 numgen random 选择端点。运行 nft list table ip kube-proxy。",
        ],
        view: "rules",
        focus: "KubeProxyConfiguration",
        text: with_deployment!("nftables.yaml"),
        text_zh: with_deployment_zh!("nftables.yaml"),
    },
    Example {
        id: "userspace",
        title: ["userspace mode (legacy)", "userspace 模式（已移除）"],
        explanation: [
            "The oldest mode: kube-proxy accepted each connection itself and copied it to a Pod chosen round-robin. Removed in Kubernetes v1.26; svcplay shows what v1.25 did.",
            "最早的模式：kube-proxy 自己接收每个连接，再按轮询转发给 Pod。Kubernetes v1.26 已移除；svcplay 展示的是 v1.25 的行为。",
        ],
        view: "rules",
        focus: "KubeProxyConfiguration",
        text: with_deployment!("userspace.yaml"),
        text_zh: with_deployment_zh!("userspace.yaml"),
    },
    Example {
        id: "my-nginx",
        title: [
            "my-nginx: ClusterIP to NodePort",
            "my-nginx：从 ClusterIP 到 NodePort",
        ],
        explanation: [
            "The first seed's lab: three my-nginx Pods behind my-service in namespace default. Change type: ClusterIP to type: NodePort and watch the API server allocate a node port.",
            "第一篇教程的实验：default 命名空间中的 my-service 代理三个 my-nginx Pod。把 type: ClusterIP 改成 type: NodePort，观察 API Server 分配节点端口。",
        ],
        view: "objects",
        focus: "Service/my-service",
        text: with_cluster!("my-nginx.yaml"),
        text_zh: with_cluster_zh!("my-nginx.yaml"),
    },
    Example {
        id: "ports",
        title: ["port, targetPort, nodePort", "port、targetPort 与 nodePort"],
        explanation: [
            "Inside the cluster clients use ClusterIP:80, outside NodeIP:30080; both end at the container's port 8080. Follow one connection through KUBE-SERVICES, KUBE-NODEPORTS and the DNAT rules.",
            "集群内通过 ClusterIP:80 访问，集群外通过 节点IP:30080 访问，最终都到达容器的 8080 端口。沿着 KUBE-SERVICES、KUBE-NODEPORTS 和 DNAT 规则跟踪一次连接。",
        ],
        view: "rules",
        focus: "Service/my-service",
        text: with_cluster!("port-targetport-nodeport.yaml"),
        text_zh: with_cluster_zh!("port-targetport-nodeport.yaml"),
    },
];

/// The lab with this id.
pub fn find(id: &str) -> Option<&'static Example> {
    EXAMPLES.iter().find(|e| e.id == id)
}

/// The lab's scenario in a language (0 English, 1 Chinese): the same YAML, its comments
/// in that language.
pub fn localized(example: &Example, lang: usize) -> &'static str {
    if lang == 1 {
        example.text_zh
    } else {
        example.text
    }
}

/// The 1-based line where the object named by a lab's [`Example::focus`] starts in `text`
/// (its `apiVersion:` line, or its `kind:` line when that comes first): the first
/// document of that kind, with that `metadata.name` when the focus names one.
pub fn focus_line(text: &str, focus: &str) -> Option<u32> {
    let (kind, name) = match focus.split_once('/') {
        Some((k, n)) => (k, Some(n)),
        None => (focus, None),
    };
    let mut start = 1u32;
    let mut found_kind = false;
    let mut found_name = name.is_none();
    for (i, line) in text.split('\n').enumerate() {
        let number = i as u32 + 1;
        if line.starts_with("---") {
            if found_kind && found_name {
                return Some(start);
            }
            start = number + 1;
            found_kind = false;
            found_name = name.is_none();
            continue;
        }
        // A document's first lines may be comments: it starts at its first YAML line.
        if number == start && (line.starts_with('#') || line.trim().is_empty()) {
            start += 1;
        }
        if line.strip_prefix("kind:").map(str::trim) == Some(kind) {
            found_kind = true;
        }
        if let Some(n) = name {
            if line
                .strip_prefix("  name:")
                .map(|v| v.trim().trim_matches('"'))
                == Some(n)
            {
                found_name = true;
            }
        }
    }
    (found_kind && found_name).then_some(start)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Severity;
    use crate::scenario::{Options, analyze};

    /// What kube-proxy writes on the default node, in the configured mode.
    fn kube_proxy_output(text: &str) -> String {
        let analysis = analyze(text, Options::default());
        analysis
            .proxy(&analysis.default_node())
            .output()
            .to_string()
    }

    #[test]
    fn every_lab_is_accepted_and_gives_kube_proxy_output() {
        for example in EXAMPLES {
            let analysis = analyze(example.text, Options::default());
            let errors: Vec<String> = analysis
                .diagnostics
                .iter()
                .filter(|d| d.severity == Severity::Error)
                .map(|d| d.to_string())
                .collect();
            assert!(errors.is_empty(), "{}: {errors:#?}", example.id);
            assert!(
                !kube_proxy_output(example.text).trim().is_empty(),
                "{}: no kube-proxy output",
                example.id
            );
        }
    }

    #[test]
    fn every_lab_opens_a_view_of_the_page_at_the_object_it_is_about() {
        const VIEWS: [&str; 8] = [
            "rules",
            "objects",
            "selectors",
            "endpoints",
            "dns",
            "traffic",
            "diagram",
            "terminal",
        ];
        for e in EXAMPLES {
            assert!(VIEWS.contains(&e.view), "{}: view {}", e.id, e.view);
            let line = focus_line(e.text, e.focus)
                .unwrap_or_else(|| panic!("{}: no {} in the text", e.id, e.focus));
            let first = e.text.lines().nth(line as usize - 1).unwrap_or_default();
            assert!(
                first.starts_with("apiVersion:") || first.starts_with("kind:"),
                "{}: line {line} is {first:?}",
                e.id
            );
        }
        let default = find("clusterip").map(|e| e.focus).unwrap_or_default();
        let line = focus_line(DEFAULT, default).unwrap_or_default();
        assert!(
            DEFAULT
                .lines()
                .skip(line as usize)
                .take(3)
                .any(|l| l == "kind: Service")
        );
        assert_eq!(focus_line("kind: Pod\n", "Service"), None);
    }

    /// The lines of a scenario without its comments (and without comment-only lines).
    fn yaml_only(text: &str) -> Vec<&str> {
        text.lines()
            .map(|l| match l.find(" #") {
                Some(at) if !l.trim_start().starts_with('#') => l[..at].trim_end(),
                _ => l,
            })
            .filter(|l| !l.trim_start().starts_with('#'))
            .collect()
    }

    #[test]
    fn every_lab_has_a_chinese_twin_that_differs_only_in_its_comments() {
        for e in EXAMPLES {
            assert_eq!(yaml_only(e.text), yaml_only(e.text_zh), "{}", e.id);
            let comments = |t: &str| t.lines().filter(|l| l.contains('#')).count();
            assert!(comments(e.text_zh) > 0, "{}", e.id);
            // Every comment of the twin is Chinese (command lines under "试试" excepted).
            for line in e.text_zh.lines().filter(|l| l.contains("# ")) {
                let comment = &line[line.find('#').unwrap_or(0)..];
                let chinese = comment
                    .chars()
                    .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
                assert!(
                    chinese || comment.starts_with("#   ") || comment.starts_with("# （"),
                    "{}: {line}",
                    e.id
                );
            }
        }
        assert_eq!(yaml_only(DEFAULT), yaml_only(DEFAULT_ZH));
        assert_eq!(localized(&EXAMPLES[0], 1), DEFAULT_ZH);
    }

    #[test]
    fn labs_have_unique_ids_and_both_languages() {
        for (i, example) in EXAMPLES.iter().enumerate() {
            assert!(
                EXAMPLES[..i].iter().all(|e| e.id != example.id),
                "{} twice",
                example.id
            );
            for text in example.title.iter().chain(&example.explanation) {
                assert!(!text.trim().is_empty(), "{}", example.id);
            }
            // The Chinese texts are Chinese, not a copy of the English ones.
            for text in [example.title[1], example.explanation[1]] {
                assert!(
                    text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                    "{}: {text}",
                    example.id
                );
            }
        }
        assert_eq!(find("clusterip").map(|e| e.text), Some(DEFAULT));
    }

    #[test]
    fn the_labs_show_what_they_explain() {
        let rules = |id: &str| kube_proxy_output(find(id).map(|e| e.text).unwrap_or_default());
        assert!(rules("nodeport").contains("--dport 30002"));
        assert!(rules("session-affinity").contains("--rcheck --seconds 10800"));
        assert!(rules("local-traffic-policy").contains("KUBE-EXT-"));
        assert!(!rules("headless").contains("service-headliness"));
        let unready = rules("unready-pod");
        assert!(unready.contains("--probability 0.5000000000"), "{unready}");
        assert!(!unready.contains("0.3333333333"), "{unready}");
        let named = rules("named-ports");
        assert!(named.contains(":8080") && named.contains(":80"), "{named}");
    }
}
