//! The checks: declarative predicates over the analysis of the learner's scenario and the
//! commands they entered. Each says what it wants and what it saw, in both languages, in
//! the words of what the learner can look at (`kubectl get endpoints`, `iptables-save`,
//! `dig`), computed by the same code as those views.

use super::{Check, CheckKind, CheckOutcome, Count, From, ObjectName, Step, Text, To};
use crate::model::ip::IpFamily;
use crate::proxy::config::ProxyMode;
use crate::scenario::Analysis;
use crate::simulate::SimRequest;
use crate::views::Context;
use std::collections::BTreeMap;
use std::net::IpAddr;

/// Runs every check of `step` against the learner's scenario now (`text` and its
/// `analysis`) and `commands` (the command lines the learner entered during this step,
/// oldest first: the terminal's history since the step began).
pub fn check(
    step: &Step,
    text: &str,
    analysis: &Analysis,
    commands: &[String],
) -> Vec<CheckOutcome> {
    step.checks
        .iter()
        .map(|c| check_one(c, text, analysis, commands))
        .collect()
}

fn outcome(passed: bool, goal: Text, saw: Text) -> CheckOutcome {
    CheckOutcome { passed, goal, saw }
}

/// `>=2` in words.
fn count_words(count: &Count, en_noun: &str, zh_noun: &str) -> Text {
    let n = count.value;
    let (en, zh) = match count.cmp {
        super::Cmp::Eq => (format!("exactly {n}"), format!("恰好 {n} 个")),
        super::Cmp::Ne => (format!("not {n}"), format!("不是 {n} 个")),
        super::Cmp::Ge => (format!("at least {n}"), format!("至少 {n} 个")),
        super::Cmp::Gt => (format!("more than {n}"), format!("多于 {n} 个")),
        super::Cmp::Le => (format!("at most {n}"), format!("至多 {n} 个")),
        super::Cmp::Lt => (format!("fewer than {n}"), format!("少于 {n} 个")),
    };
    Text::new(format!("{en} {en_noun}"), format!("{zh}{zh_noun}"))
}

fn list(items: &[String], most: usize) -> String {
    let mut s = items
        .iter()
        .take(most)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if items.len() > most {
        s.push_str(&format!(", … (+{})", items.len() - most));
    }
    s
}

fn no_service(service: &ObjectName) -> Text {
    Text::new(
        format!("there is no Service {service}"),
        format!("没有名为 {service} 的 Service"),
    )
}

fn no_node(node: &str) -> Text {
    Text::new(
        format!("there is no node {node}"),
        format!("没有名为 {node} 的节点"),
    )
}

/// The node a check runs on (the terminal's when the check names none) and the check's
/// goal there; `Err`: the check's failure when the scenario has no such node.
fn on_node(
    analysis: &Analysis,
    node: Option<&str>,
    goal: impl FnOnce(&str) -> Text,
) -> Result<(String, Text), CheckOutcome> {
    let node = node.map_or_else(|| crate::shell::node_of(analysis), str::to_string);
    let goal = goal(&node);
    if analysis.node_names().contains(&node) {
        Ok((node, goal))
    } else {
        let saw = no_node(&node);
        Err(outcome(false, goal, saw))
    }
}

/// Runs one check.
pub fn check_one(
    check: &Check,
    text: &str,
    analysis: &Analysis,
    commands: &[String],
) -> CheckOutcome {
    match &check.kind {
        CheckKind::Endpoints {
            service,
            ready,
            not_ready,
        } => endpoints(analysis, service, *ready, *not_ready),
        CheckKind::Selector {
            service,
            nodes,
            pods,
        } => selector(analysis, service, *nodes, *pods),
        CheckKind::Traffic {
            from,
            to,
            pods,
            answered,
            requests,
            seed,
            protocol,
        } => traffic(
            analysis, from, to, *pods, *answered, *requests, *seed, *protocol,
        ),
        CheckKind::Chain {
            node,
            port,
            present,
        } => chain(analysis, node.as_deref(), *port, *present),
        CheckKind::Dig {
            name,
            record_type,
            namespace,
            records,
        } => dig(analysis, name, record_type, namespace, *records),
        CheckKind::Mode { mode, node } => mode_check(analysis, *mode, node.as_deref()),
        CheckKind::Ran { pattern } => ran(pattern, commands),
        CheckKind::Field {
            resource,
            name,
            namespace,
            path,
            value,
            equal,
        } => field(
            analysis,
            resource,
            name,
            namespace.as_deref(),
            path,
            value,
            *equal,
        ),
        CheckKind::Output {
            command,
            node,
            text: wanted,
            contains,
        } => output(text, analysis, command, node.as_deref(), wanted, *contains),
    }
}

fn endpoints(
    analysis: &Analysis,
    service: &ObjectName,
    ready: Option<Count>,
    not_ready: Option<Count>,
) -> CheckOutcome {
    let mut goal_en = Vec::new();
    let mut goal_zh = Vec::new();
    if let Some(c) = ready {
        let t = count_words(&c, "ready endpoints", "就绪的 endpoint");
        goal_en.push(t.en);
        goal_zh.push(t.zh);
    }
    if let Some(c) = not_ready {
        let t = count_words(&c, "not-ready endpoints", "未就绪的 endpoint");
        goal_en.push(t.en);
        goal_zh.push(t.zh);
    }
    let goal = Text::new(
        format!("Service {service} has {}", goal_en.join(" and ")),
        format!("Service {service} 有{}", goal_zh.join("，并且有")),
    );
    if analysis
        .objects
        .service(&service.namespace, &service.name)
        .is_none()
    {
        return outcome(false, goal, no_service(service));
    }
    let mut ready_addresses: Vec<String> = Vec::new();
    let mut other: Vec<String> = Vec::new();
    for slice in &analysis.objects.endpoint_slices {
        if slice.meta.namespace != service.namespace
            || slice.meta.labels.get("kubernetes.io/service-name") != Some(&service.name)
        {
            continue;
        }
        for endpoint in &slice.endpoints {
            let Some(address) = endpoint.addresses.first() else {
                continue;
            };
            // kube-proxy and kubectl read an unset `ready` as ready.
            let target = if endpoint.ready != Some(false) {
                &mut ready_addresses
            } else {
                &mut other
            };
            if !target.contains(address) {
                target.push(address.clone());
            }
        }
    }
    other.retain(|a| !ready_addresses.contains(a));
    let passed = ready.is_none_or(|c| c.cmp.holds(ready_addresses.len() as i64, c.value))
        && not_ready.is_none_or(|c| c.cmp.holds(other.len() as i64, c.value));
    let saw = Text::new(
        format!(
            "{} ready{}{}",
            ready_addresses.len(),
            if ready_addresses.is_empty() {
                String::new()
            } else {
                format!(" ({})", list(&ready_addresses, 6))
            },
            if other.is_empty() {
                String::new()
            } else {
                format!(", {} not ready ({})", other.len(), list(&other, 6))
            }
        ),
        format!(
            "{} 个就绪{}{}",
            ready_addresses.len(),
            if ready_addresses.is_empty() {
                String::new()
            } else {
                format!("（{}）", list(&ready_addresses, 6))
            },
            if other.is_empty() {
                String::new()
            } else {
                format!("，{} 个未就绪（{}）", other.len(), list(&other, 6))
            }
        ),
    );
    outcome(passed, goal, saw)
}

fn selector(
    analysis: &Analysis,
    service: &ObjectName,
    nodes: Option<Count>,
    pods: Option<Count>,
) -> CheckOutcome {
    let mut en = Vec::new();
    let mut zh = Vec::new();
    if let Some(c) = pods {
        let t = count_words(&c, "Pods", " Pod");
        en.push(t.en);
        zh.push(t.zh);
    }
    if let Some(c) = nodes {
        let t = count_words(&c, "nodes", "节点");
        en.push(format!("Pods on {}", t.en));
        zh.push(format!("分布在{}上的 Pod", t.zh));
    }
    let goal = Text::new(
        format!(
            "the selector of Service {service} matches {}",
            en.join(" and ")
        ),
        format!("Service {service} 的选择器选中{}", zh.join("，以及")),
    );
    let Some(svc) = analysis.objects.service(&service.namespace, &service.name) else {
        return outcome(false, goal, no_service(service));
    };
    let selected = crate::controllers::endpointslice::selected_pods(svc, &analysis.objects.pods);
    let mut per_node: BTreeMap<String, usize> = BTreeMap::new();
    for pod in &selected {
        *per_node
            .entry(
                pod.spec
                    .node_name
                    .clone()
                    .unwrap_or_else(|| "<none>".into()),
            )
            .or_default() += 1;
    }
    let passed = pods.is_none_or(|c| c.cmp.holds(selected.len() as i64, c.value))
        && nodes.is_none_or(|c| c.cmp.holds(per_node.len() as i64, c.value));
    let selector = svc
        .spec
        .selector
        .as_ref()
        .map(|s| {
            s.iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(",")
        })
        .unwrap_or_default();
    let spread: Vec<String> = per_node.iter().map(|(n, c)| format!("{n}: {c}")).collect();
    let saw = if selected.is_empty() {
        Text::new(
            format!(
                "the selector {{{selector}}} matches no Pod in namespace {}",
                service.namespace
            ),
            format!(
                "选择器 {{{selector}}} 在命名空间 {} 中没有选中任何 Pod",
                service.namespace
            ),
        )
    } else {
        Text::new(
            format!(
                "{} Pods on {} nodes ({})",
                selected.len(),
                per_node.len(),
                list(&spread, 6)
            ),
            format!(
                "{} 个 Pod，分布在 {} 个节点上（{}）",
                selected.len(),
                per_node.len(),
                list(&spread, 6)
            ),
        )
    };
    outcome(passed, goal, saw)
}

fn node_ip(analysis: &Analysis, node: &str) -> Option<IpAddr> {
    analysis.node_context(node).node_ips.first().copied()
}

#[allow(clippy::too_many_arguments)]
fn traffic(
    analysis: &Analysis,
    from: &From,
    to: &To,
    pods: Option<Count>,
    answered: Option<Count>,
    requests: u64,
    seed: u64,
    protocol: crate::proxy::Protocol,
) -> CheckOutcome {
    let from_words = match from {
        From::Pod(p) => Text::new(format!("Pod {p}"), format!("Pod {p}")),
        From::Node(n) => Text::new(format!("node {n}"), format!("节点 {n}")),
        From::External => Text::new("a client outside the cluster", "集群外的客户端"),
        From::Address(a) => Text::new(a.clone(), a.clone()),
    };
    let to_words = match to {
        To::Address(ip, port) => format!("{ip}:{port}"),
        To::Service(s, port) => format!("Service {s} port {port}"),
        To::Node(n, port) => format!("{n}:{port}"),
    };
    let mut en = Vec::new();
    let mut zh = Vec::new();
    if let Some(c) = pods {
        let t = count_words(&c, "different Pods", "不同的 Pod");
        en.push(format!("land on {}", t.en));
        zh.push(format!("落到{}上", t.zh));
    }
    if let Some(c) = answered {
        let t = count_words(&c, "answered", "得到应答");
        en.push(format!(
            "{} are answered",
            t.en.trim_end_matches(" answered")
        ));
        zh.push(format!("{}请求得到应答", t.zh.trim_end_matches("得到应答")));
    }
    let goal = Text::new(
        format!(
            "{requests} requests from {} to {to_words} {}",
            from_words.en,
            en.join(" and ")
        ),
        format!(
            "从{}发往 {to_words} 的 {requests} 个请求{}",
            from_words.zh,
            zh.join("，且")
        ),
    );
    let fail = |en: String, zh: String| outcome(false, goal.clone(), Text::new(en, zh));
    let mut request = SimRequest {
        requests,
        seed,
        protocol,
        ..SimRequest::default()
    };
    match from {
        From::Pod(p) => {
            let Some(pod) = analysis
                .objects
                .pods
                .iter()
                .find(|x| x.meta.namespace == p.namespace && x.meta.name == p.name)
            else {
                return fail(
                    format!("there is no Pod {p}"),
                    format!("没有名为 {p} 的 Pod"),
                );
            };
            let Some(ip) = pod.status.pod_ip.as_deref().and_then(|i| i.parse().ok()) else {
                return fail(
                    format!("Pod {p} has no address yet"),
                    format!("Pod {p} 还没有 IP 地址"),
                );
            };
            request.src = Some(ip);
            request.node = pod.spec.node_name.clone();
        }
        From::Node(n) => {
            if !analysis.node_names().contains(n) {
                return fail(no_node(n).en, no_node(n).zh);
            }
            request.node = Some(n.clone());
        }
        From::External => request.src = "203.0.113.7".parse().ok(),
        From::Address(a) => request.src = a.parse().ok(),
    }
    request.dst = match to {
        To::Address(ip, port) => ip.parse().ok().map(|ip| (ip, *port)),
        To::Service(s, port) => {
            let Some(svc) = analysis.objects.service(&s.namespace, &s.name) else {
                return fail(no_service(s).en, no_service(s).zh);
            };
            match svc.spec.cluster_ip.as_deref().and_then(|i| i.parse().ok()) {
                Some(ip) => Some((ip, *port)),
                None => {
                    return fail(
                        format!("Service {s} has no ClusterIP"),
                        format!("Service {s} 没有 ClusterIP"),
                    );
                }
            }
        }
        To::Node(n, port) => match node_ip(analysis, n) {
            Some(ip) if analysis.node_names().contains(n) => Some((ip, *port)),
            _ => {
                return fail(no_node(n).en, no_node(n).zh);
            }
        },
    };
    let node = match crate::simulate::resolve(analysis, &request) {
        Ok((node, _, _)) => node,
        Err(e) => return fail(e.clone(), e),
    };
    let on_node = analysis.on_node(&node);
    let result = match crate::simulate::run(&on_node, &request) {
        Ok(r) => r,
        Err(e) => return fail(e.clone(), e),
    };
    let landed: Vec<String> = result
        .endpoints
        .iter()
        .filter(|e| e.count > 0)
        .map(|e| {
            format!(
                "{} ({})",
                e.pod.clone().unwrap_or_else(|| e.address()),
                e.count
            )
        })
        .collect();
    let answered_n: u64 = result.endpoints.iter().map(|e| e.count).sum();
    let passed = pods.is_none_or(|c| c.cmp.holds(landed.len() as i64, c.value))
        && answered.is_none_or(|c| c.cmp.holds(answered_n as i64, c.value));
    let lost_en = match (result.dropped, result.rejected, result.unhandled) {
        (0, 0, 0) => String::new(),
        (d, r, u) => format!("; dropped {d}, rejected {r}, not handled by kube-proxy {u}"),
    };
    let lost_zh = match (result.dropped, result.rejected, result.unhandled) {
        (0, 0, 0) => String::new(),
        (d, r, u) => format!("；被丢弃 {d} 个，被拒绝 {r} 个，未经 kube-proxy 处理 {u} 个"),
    };
    let saw = if landed.is_empty() {
        Text::new(
            format!(
                "no request reached a Pod (through {node}'s {} rules{lost_en})",
                result.mode.as_str()
            ),
            format!(
                "没有请求到达任何 Pod（经过节点 {node} 的 {} 规则{lost_zh}）",
                result.mode.as_str()
            ),
        )
    } else {
        Text::new(
            format!(
                "{} Pods: {}; {answered_n} of {requests} requests answered{lost_en}",
                landed.len(),
                list(&landed, 6)
            ),
            format!(
                "{} 个 Pod：{}；{requests} 个请求中 {answered_n} 个得到应答{lost_zh}",
                landed.len(),
                list(&landed, 6)
            ),
        )
    };
    outcome(passed, goal, saw)
}

/// The rule of `iptables-save` that sends `port` to a Service chain: `--dport PORT`
/// and a jump to `KUBE-SVC-…` (ClusterIP) or `KUBE-EXT-…` (NodePort, external IPs).
fn jumps_for_port(line: &str, port: u16) -> bool {
    let dport = format!("--dport {port}");
    line.starts_with("-A ")
        && line.split(" -").any(|part| part.trim_end() == &dport[1..])
        && (line.contains("-j KUBE-SVC-") || line.contains("-j KUBE-EXT-"))
}

fn chain(analysis: &Analysis, node: Option<&str>, port: u16, present: bool) -> CheckOutcome {
    let goal = |node: &str| {
        if present {
            Text::new(
                format!("{node}'s iptables rules send port {port} to a KUBE-SVC chain"),
                format!("节点 {node} 的 iptables 规则把端口 {port} 转给一条 KUBE-SVC 链"),
            )
        } else {
            Text::new(
                format!("{node}'s iptables rules have no KUBE-SVC chain for port {port}"),
                format!("节点 {node} 的 iptables 规则里没有端口 {port} 的 KUBE-SVC 链"),
            )
        }
    };
    let (node, goal) = match on_node(analysis, node, goal) {
        Ok(found) => found,
        Err(failed) => return failed,
    };
    let on_node = analysis.on_node(&node);
    let save = crate::views::iptables::save(
        &on_node,
        &Context::new(node.clone()),
        IpFamily::IPv4,
        &["iptables-save".to_string()],
    );
    let found = save
        .stdout
        .lines()
        .find(|l| jumps_for_port(l, port))
        .map(str::to_string);
    let mode = on_node.proxy_config.mode.as_str();
    let saw = match &found {
        Some(rule) => Text::new(format!("`{rule}`"), format!("`{rule}`")),
        None => Text::new(
            format!(
                "no rule for port {port} jumps to a KUBE-SVC chain (kube-proxy runs in {mode} mode there)"
            ),
            format!(
                "没有任何端口 {port} 的规则跳转到 KUBE-SVC 链（该节点的 kube-proxy 运行在 {mode} 模式）"
            ),
        ),
    };
    outcome(found.is_some() == present, goal, saw)
}

fn dig(
    analysis: &Analysis,
    name: &str,
    record_type: &str,
    namespace: &str,
    records: Count,
) -> CheckOutcome {
    let t = count_words(
        &records,
        &format!("{record_type} records"),
        &format!(" {record_type} 记录"),
    );
    let goal = Text::new(
        format!("`dig {name} {record_type}` answers {}", t.en),
        format!("`dig {name} {record_type}` 返回{}", t.zh),
    );
    let out = crate::views::dig::dig(
        analysis,
        &crate::views::dig::Client {
            namespace: namespace.to_string(),
        },
        &[name.to_string(), record_type.to_string()],
    );
    let status = out
        .stdout
        .lines()
        .find_map(|l| l.split("status: ").nth(1))
        .and_then(|s| s.split(',').next())
        .unwrap_or("")
        .to_string();
    let mut answers = Vec::new();
    let mut in_answer = false;
    for line in out.stdout.lines() {
        if line.starts_with(";; ANSWER SECTION:") {
            in_answer = true;
            continue;
        }
        if in_answer {
            if line.trim().is_empty() {
                break;
            }
            let fields: Vec<&str> = line.split_whitespace().collect();
            if fields.get(3) == Some(&record_type) {
                answers.push(fields[4..].join(" "));
            }
        }
    }
    let passed = records.cmp.holds(answers.len() as i64, records.value);
    let saw = if answers.is_empty() {
        Text::new(
            format!("no {record_type} record (status: {status})"),
            format!("没有 {record_type} 记录（status: {status}）"),
        )
    } else {
        Text::new(
            format!(
                "{} {record_type} records: {}",
                answers.len(),
                list(&answers, 6)
            ),
            format!(
                "{} 条 {record_type} 记录：{}",
                answers.len(),
                list(&answers, 6)
            ),
        )
    };
    outcome(passed, goal, saw)
}

fn mode_check(analysis: &Analysis, mode: ProxyMode, node: Option<&str>) -> CheckOutcome {
    let m = mode.as_str();
    let goal = match node {
        Some(n) => Text::new(
            format!("kube-proxy on {n} runs in {m} mode"),
            format!("节点 {n} 上的 kube-proxy 运行在 {m} 模式"),
        ),
        None => Text::new(
            format!("kube-proxy runs in {m} mode on every node"),
            format!("每个节点上的 kube-proxy 都运行在 {m} 模式"),
        ),
    };
    let nodes = match node {
        Some(n) if !analysis.node_names().iter().any(|x| x == n) => {
            return outcome(false, goal, no_node(n));
        }
        Some(n) => vec![n.to_string()],
        None => analysis.node_names(),
    };
    let modes: Vec<(String, ProxyMode)> = nodes
        .iter()
        .map(|n| (n.clone(), analysis.on_node(n).proxy_config.mode))
        .collect();
    let passed = modes.iter().all(|(_, x)| *x == mode);
    let seen: Vec<String> = modes
        .iter()
        .map(|(n, x)| format!("{n}: {}", x.as_str()))
        .collect();
    let mut en = list(&seen, 8);
    let mut zh = en.clone();
    if !passed && analysis.configured_proxy_config.mode == mode {
        en.push_str(&format!(
            " (the ConfigMap says {m}: kube-proxy reads it when its Pods restart)"
        ));
        zh.push_str(&format!(
            "（ConfigMap 里已经是 {m}：kube-proxy 的 Pod 重启后才会读取）"
        ));
    }
    outcome(passed, goal, Text::new(en, zh))
}

fn ran(pattern: &str, commands: &[String]) -> CheckOutcome {
    let goal = Text::new(
        format!("you ran a command matching `{pattern}`"),
        format!("运行过匹配 `{pattern}` 的命令"),
    );
    let regex = crate::shell::regex::Regex::new(pattern, true, false);
    let found = commands
        .iter()
        .find(|c| c.lines().any(|l| regex.is_match(l)));
    let saw = match (found, commands.last()) {
        (Some(c), _) => Text::new(format!("`{c}`"), format!("`{c}`")),
        (None, None) => Text::new("no command yet", "还没有运行任何命令"),
        (None, Some(last)) => Text::new(
            format!(
                "{} commands, none matching (the last: `{last}`)",
                commands.len()
            ),
            format!(
                "运行了 {} 条命令，没有一条匹配（最后一条：`{last}`）",
                commands.len()
            ),
        ),
    };
    outcome(found.is_some(), goal, saw)
}

fn field(
    analysis: &Analysis,
    resource: &str,
    name: &str,
    namespace: Option<&str>,
    path: &str,
    value: &str,
    equal: bool,
) -> CheckOutcome {
    let ns = namespace.unwrap_or("default");
    let goal = if equal {
        Text::new(
            format!("{resource}/{name} in {ns} has {path} = \"{value}\""),
            format!("命名空间 {ns} 中 {resource}/{name} 的 {path} 为 \"{value}\""),
        )
    } else {
        Text::new(
            format!("{resource}/{name} in {ns} has {path} other than \"{value}\""),
            format!("命名空间 {ns} 中 {resource}/{name} 的 {path} 不是 \"{value}\""),
        )
    };
    let argv: Vec<String> = ["get", resource, name, "-n", ns, "-o"]
        .iter()
        .map(|s| s.to_string())
        .chain([format!("jsonpath={{{path}}}")])
        .collect();
    let out = crate::views::kubectl::run(analysis, &Context::new(analysis.default_node()), &argv);
    if out.status != 0 {
        let said = out.stderr.trim().to_string();
        return outcome(false, goal, Text::new(said.clone(), said));
    }
    let seen = out.stdout.trim_end_matches('\n');
    let passed = (seen == value) == equal;
    let saw = if seen.is_empty() {
        Text::new(format!("{path} is not set"), format!("{path} 没有设置"))
    } else {
        Text::new(
            format!("{path} = \"{seen}\""),
            format!("{path} 为 \"{seen}\""),
        )
    };
    outcome(passed, goal, saw)
}

fn output(
    text: &str,
    analysis: &Analysis,
    command: &str,
    node: Option<&str>,
    wanted: &str,
    contains: bool,
) -> CheckOutcome {
    let goal = |node: &str| {
        if contains {
            Text::new(
                format!("`{command}` on {node} prints \"{wanted}\""),
                format!("在节点 {node} 上运行 `{command}` 的输出包含 \"{wanted}\""),
            )
        } else {
            Text::new(
                format!("`{command}` on {node} does not print \"{wanted}\""),
                format!("在节点 {node} 上运行 `{command}` 的输出不包含 \"{wanted}\""),
            )
        }
    };
    let (node, goal) = match on_node(analysis, node, goal) {
        Ok(found) => found,
        Err(failed) => return failed,
    };
    // The command runs on a copy of the scenario whose terminal is on `node`; whatever it
    // changes is thrown away.
    let mut session = analysis.session.session.clone();
    session.node = Some(node.clone());
    let copy = crate::session::set_session(text, &session);
    let result = crate::shell::run(crate::shell::Request {
        text: &copy,
        analysis: None,
        terminal: &crate::shell::Terminal::default(),
        line: command,
        interrupt_after: Some(1),
    });
    let printed = result.transcript();
    let has = printed.contains(wanted);
    let first = printed.lines().next().unwrap_or("").to_string();
    let saw = if has {
        let line = printed
            .lines()
            .find(|l| l.contains(wanted))
            .unwrap_or("")
            .to_string();
        Text::new(format!("`{line}`"), format!("`{line}`"))
    } else if printed.trim().is_empty() {
        Text::new("it printed nothing", "没有任何输出")
    } else {
        Text::new(
            format!(
                "{} lines without it (the first: `{first}`)",
                printed.lines().count()
            ),
            format!(
                "{} 行输出中没有（第一行：`{first}`）",
                printed.lines().count()
            ),
        )
    };
    outcome(has == contains, goal, saw)
}
