//! Which Kubernetes svcplay models, and how it differs from a real cluster.
//!
//! One table read by the page's version panel and by `svcplay --version`: the version of
//! every component whose behaviour or output svcplay reproduces ([`MODELLED`], the
//! output formats' versions taken from the constants the printers use), and what svcplay
//! does not model ([`DIFFERENCES`]), both in English and Chinese.

use crate::lang::{Lang, Text};
use crate::proxy::iptables::node::IPTABLES_VERSION;
use crate::views::dig::DIG_VERSION;
use crate::views::ipvs::{IPSET_VERSION, IPVS_VERSION};

/// The Kubernetes release svcplay models.
pub const KUBERNETES: &str = "v1.35";

/// One modelled component.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Modelled {
    pub component: Text,
    /// The version, as its own tool spells it.
    pub version: &'static str,
    /// What of it svcplay reproduces, and against what it was checked.
    pub what: Text,
}

/// Every component svcplay reproduces, with its version.
pub const MODELLED: &[Modelled] = &[
    Modelled {
        component: Text {
            en: "kube-apiserver",
            zh: "kube-apiserver",
        },
        version: KUBERNETES,
        what: Text {
            en: "validation, defaults, ClusterIP and NodePort allocation, warnings; the kinds' fields from the v1.35 OpenAPI document",
            zh: "校验、默认值、ClusterIP 与 NodePort 分配、警告；各资源的字段取自 v1.35 的 OpenAPI 文档",
        },
    },
    Modelled {
        component: Text {
            en: "kubectl",
            zh: "kubectl",
        },
        version: KUBERNETES,
        what: Text {
            en: "get, describe, explain (the Service's fields, from v1.30's OpenAPI document), apply and the verbs the lab terminal runs (create, delete, run, expose, scale, label, annotate, set, patch, rollout, edit, exec), with their error messages, as kubectl v1.35 prints them",
            zh: "get、describe、explain（Service 的字段，取自 v1.30 的 OpenAPI 文档）、apply 以及实验终端运行的命令（create、delete、run、expose、scale、label、annotate、set、patch、rollout、edit、exec）及其错误信息，与 kubectl v1.35 的输出一致",
        },
    },
    Modelled {
        component: Text {
            en: "controllers",
            zh: "控制器",
        },
        version: KUBERNETES,
        what: Text {
            en: "Deployment, ReplicaSet, StatefulSet and DaemonSet Pods, the node lifecycle controller, the EndpointSlice (v1.33+), mirroring and Endpoints controllers",
            zh: "Deployment、ReplicaSet、StatefulSet 和 DaemonSet 的 Pod，节点生命周期控制器，EndpointSlice（v1.33 起）、镜像和 Endpoints 控制器",
        },
    },
    Modelled {
        component: Text {
            en: "kube-proxy, iptables mode",
            zh: "kube-proxy iptables 模式",
        },
        version: KUBERNETES,
        what: Text {
            en: "the restore input and the node's iptables-save, rule for rule, as upstream writes them after v1.35; checked against a real kernel",
            zh: "恢复输入和节点上的 iptables-save，逐条规则与 v1.35 之后的上游代码一致；已用真实内核核对",
        },
    },
    Modelled {
        component: Text {
            en: "kube-proxy, nftables mode",
            zh: "kube-proxy nftables 模式",
        },
        version: "v1.33–v1.35",
        what: Text {
            en: "the nft transaction and the table nft lists; checked against a real kernel",
            zh: "nft 事务和 nft 列出的表；已用真实内核核对",
        },
    },
    Modelled {
        component: Text {
            en: "kube-proxy, IPVS mode",
            zh: "kube-proxy IPVS 模式",
        },
        version: "v1.31–v1.35",
        what: Text {
            en: "virtual servers, ipsets, kube-ipvs0 and the iptables rules it keeps; every kernel scheduler of Linux 6.1 (deprecated in v1.35)",
            zh: "虚拟服务、ipset、kube-ipvs0 及其保留的 iptables 规则；Linux 6.1 内核的全部调度算法（v1.35 起已弃用）",
        },
    },
    Modelled {
        component: Text {
            en: "kube-proxy, userspace mode",
            zh: "kube-proxy userspace 模式",
        },
        version: "v1.25",
        what: Text {
            en: "the proxy sockets, portal rules and round robin of the last release that had it (removed in v1.26)",
            zh: "最后一个包含它的版本中的代理套接字、入口规则和轮询（v1.26 已移除）",
        },
    },
    Modelled {
        component: Text {
            en: "CoreDNS",
            zh: "CoreDNS",
        },
        version: "1.13",
        what: Text {
            en: "the records of the kubernetes plugin with kubeadm's Corefile, and the reply on the wire",
            zh: "kubeadm Corefile 下 kubernetes 插件给出的记录，以及线上的应答报文",
        },
    },
    Modelled {
        component: Text {
            en: "iptables, iptables-save",
            zh: "iptables、iptables-save",
        },
        version: IPTABLES_VERSION,
        what: Text {
            en: "the save format and iptables -S / -L listings",
            zh: "保存格式以及 iptables -S / -L 的列表",
        },
    },
    Modelled {
        component: Text {
            en: "nft",
            zh: "nft",
        },
        version: "1.0.6",
        what: Text {
            en: "nft list output",
            zh: "nft list 的输出",
        },
    },
    Modelled {
        component: Text {
            en: "ipvsadm",
            zh: "ipvsadm",
        },
        version: "1.31",
        what: Text {
            en: "ipvsadm -Ln, --stats, --rate, -S and its sort order",
            zh: "ipvsadm -Ln、--stats、--rate、-S 及其排序",
        },
    },
    Modelled {
        component: Text {
            en: "IPVS in the kernel",
            zh: "内核 IPVS",
        },
        version: IPVS_VERSION,
        what: Text {
            en: "the version banner and the connection table size of Linux 6.1",
            zh: "Linux 6.1 的版本横幅和连接表大小",
        },
    },
    Modelled {
        component: Text {
            en: "ipset",
            zh: "ipset",
        },
        version: IPSET_VERSION,
        what: Text {
            en: "ipset list and save",
            zh: "ipset list 和 save",
        },
    },
    Modelled {
        component: Text {
            en: "dig",
            zh: "dig",
        },
        version: DIG_VERSION,
        what: Text {
            en: "dig's output, checked against the real dig",
            zh: "dig 的输出，已与真实 dig 核对",
        },
    },
];

/// What svcplay does not model, or models differently from a real cluster.
pub const DIFFERENCES: &[Text] = &[
    Text {
        en: "Random choices are derived from each object's identity: ClusterIPs, NodePorts, name suffixes, Pod IPs and UIDs are deterministic, where a real cluster picks them at random.",
        zh: "随机取值由对象的身份推导：ClusterIP、NodePort、名称后缀、Pod IP 和 UID 都是确定的，而真实集群是随机选取的。",
    },
    Text {
        en: "Time is the session's own clock, not the real one: every object is created at 2025-01-01T00:00:00Z and first looked at 10 s later (AGE 10s); only the lab terminal's commands that take time (sleep, a dig that times out) move it on, and iptables-save, dig and date print it.",
        zh: "时间是会话自己的时钟，而不是真实时间：所有对象都在 2025-01-01T00:00:00Z 创建，10 秒后第一次查看（AGE 10s）；只有实验终端里耗时的命令（sleep、超时的 dig）会让它前进，iptables-save、dig 和 date 打印的就是它。",
    },
    Text {
        en: "kube-proxy is the only writer of the node's tables: kubelet's chains, the CNI plugin's and Docker's rules are not there.",
        zh: "节点上的规则只有 kube-proxy 写入：没有 kubelet 的链，也没有 CNI 插件和 Docker 的规则。",
    },
    Text {
        en: "No packet flows through a kernel: the rules' counters stay at zero, the conntrack table holds only the connections the lab terminal's requests made, and traffic is simulated with svcplay's own seeded random numbers over the same rules.",
        zh: "没有数据包真正经过内核：规则的计数器保持为零，连接跟踪表里只有实验终端的请求建立的连接，流量模拟用 svcplay 自己的带种子随机数在同一套规则上进行。",
    },
    Text {
        en: "The lab terminal is a bash-like shell over the scenario, not bash on a node: it runs the commands and tools of the labs (kubectl, iptables, ipvsadm, nft, curl, dig…); any other program gets bash's “command not found”, and a kubectl command svcplay lacks says it is not simulated.",
        zh: "实验终端是作用于场景的类 bash 外壳，不是节点上真正的 bash：它运行实验用到的命令和工具（kubectl、iptables、ipvsadm、nft、curl、dig…）；其他程序会得到 bash 的 “command not found”，svcplay 没有的 kubectl 命令会提示未模拟。",
    },
    Text {
        en: "Pod state is written in the scenario (readiness, termination, node loss): there are no probes, restarts, images or evictions.",
        zh: "Pod 的状态写在场景里（就绪、终止、节点失联）：没有探针、重启、镜像拉取或驱逐。",
    },
    Text {
        en: "NetworkPolicy, Ingress and the other kinds of a cluster dump are read and ignored, and the Gateway API is not modelled: svcplay is about Services, their endpoints and kube-proxy.",
        zh: "NetworkPolicy、Ingress 以及集群导出中的其他资源会被读取并忽略，Gateway API 也不在模拟范围内：svcplay 只关注 Service、其端点和 kube-proxy。",
    },
    Text {
        en: "Topology-aware routing with automatic (proportional) hints is not computed; hints written in EndpointSlices and trafficDistribution are.",
        zh: "不计算自动（按比例）的拓扑感知路由提示；EndpointSlice 中写明的提示和 trafficDistribution 会生效。",
    },
    Text {
        en: "The KubeProxyConfiguration's conntrack settings are not applied to the node: the node's nf_conntrack_tcp_be_liberal is the NodeRuntime's conntrackTCPBeLiberal.",
        zh: "KubeProxyConfiguration 的 conntrack 设置不会作用到节点：节点的 nf_conntrack_tcp_be_liberal 取自 NodeRuntime 的 conntrackTCPBeLiberal。",
    },
    Text {
        en: "Names outside the cluster domain are not resolved: CoreDNS would forward them upstream, and svcplay never invents an answer.",
        zh: "集群域名之外的名字不解析：CoreDNS 会把它们转发给上游，svcplay 不会编造应答。",
    },
    Text {
        en: "Hash ipsets are listed sorted (the kernel lists them in hash-bucket order), and their initval and memory size are derived, not measured.",
        zh: "哈希类型的 ipset 按排序列出（内核按哈希桶顺序列出），其 initval 和内存大小是推算的，不是测量的。",
    },
    Text {
        en: "Limits: 5,000 Pods per workload, 50,000 in the cluster, 100,000 kube-proxy entries, 5,000 endpoints per Service.",
        zh: "上限：每个工作负载 5,000 个 Pod，整个集群 50,000 个，kube-proxy 条目 100,000 个，每个 Service 5,000 个端点。",
    },
];

/// The table as text: what `svcplay --version` prints after its own version.
pub fn version_text(lang: Lang) -> String {
    let mut out = String::new();
    out.push_str(match lang {
        Lang::En => "Models Kubernetes ",
        Lang::Zh => "模拟的 Kubernetes 版本：",
    });
    out.push_str(KUBERNETES);
    out.push('\n');
    // Chinese characters take two columns in a terminal.
    let columns = |s: &str| -> usize {
        s.chars()
            .map(|c| if (c as u32) >= 0x2e80 { 2 } else { 1 })
            .sum()
    };
    let width = MODELLED
        .iter()
        .map(|m| columns(m.component.get(lang)))
        .max()
        .unwrap_or(0);
    let version_width = MODELLED
        .iter()
        .map(|m| columns(m.version))
        .max()
        .unwrap_or(0);
    for m in MODELLED {
        let name = m.component.get(lang);
        out.push_str(&format!(
            "  {name}{}  {}{}  {}\n",
            " ".repeat(width - columns(name)),
            m.version,
            " ".repeat(version_width - columns(m.version)),
            m.what.get(lang)
        ));
    }
    out.push_str(match lang {
        Lang::En => "Known differences from a real cluster:\n",
        Lang::Zh => "与真实集群的已知差异：\n",
    });
    for d in DIFFERENCES {
        out.push_str("  - ");
        out.push_str(d.get(lang));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::has_half_width_punctuation;

    #[test]
    fn both_languages_are_there_and_chinese_is_punctuated_full_width() {
        for m in MODELLED {
            assert!(!m.component.en.is_empty() && !m.what.zh.is_empty());
            assert!(!has_half_width_punctuation(m.what.zh), "{}", m.what.zh);
        }
        for d in DIFFERENCES {
            assert!(!d.en.is_empty());
            assert!(!has_half_width_punctuation(d.zh), "{}", d.zh);
        }
        let text = version_text(Lang::En);
        assert!(text.contains("iptables, iptables-save"));
        assert!(text.contains(IPTABLES_VERSION));
        assert!(version_text(Lang::Zh).contains("与真实集群的已知差异"));
    }
}
