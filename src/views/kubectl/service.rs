//! Services in kubectl: the `get svc` table (the server's `printService`), `describe svc`
//! (kubectl's `describeService`) and `-o yaml` (kubectl-output.md §2, §3).

use super::describe::write_meta;
use super::endpoints_line::endpoints_line;
use super::{Resource, Row, View, format_labels, yaml};
use super::{in_list_order, named};
use crate::model::{IntOrString, Service};
use crate::scenario::Analysis;
use crate::sort::CollectBTree;
use crate::views::tabwriter;
use std::collections::BTreeSet;
use std::fmt::Write as _;

pub const RESOURCE: Resource = Resource {
    names: &["svc", "service", "services"],
    kind: "Service",
    group: "",
    version: "v1",
    plural: "services",
    namespaced: true,
    header: &["TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"],
    wide_header: &["SELECTOR"],
    rows,
    describe: Some(describe_in),
    object: Some(to_yaml),
    warning: None,
    field_labels: &[],
    short_names: &["svc"],
};

/// The Services of a namespace (or all), in the server's list order: namespace, then name.
pub fn services<'a>(analysis: &'a Analysis, namespace: Option<&str>) -> Vec<&'a Service> {
    in_list_order(&analysis.objects.services, namespace)
}

fn find<'a>(analysis: &'a Analysis, namespace: &str, name: &str) -> Option<&'a Service> {
    named(&analysis.objects.services, namespace, name)
}

/// The `-o wide` header width of the LoadBalancer ingress list before it is clipped.
const LOAD_BALANCER_WIDTH: usize = 16;

/// `loadBalancerStatusStringer`: ingress IPs (or hostnames), de-duplicated and sorted,
/// clipped to 16 bytes without `-o wide`.
fn load_balancer_status(svc: &Service, wide: bool) -> String {
    let set: BTreeSet<&str> = svc
        .status
        .load_balancer_ingress
        .iter()
        .filter_map(|i| {
            i.ip.as_deref()
                .filter(|s| !s.is_empty())
                .or(i.hostname.as_deref().filter(|s| !s.is_empty()))
        })
        .collect_btree();
    let mut r = set.into_iter().collect::<Vec<_>>().join(",");
    if !wide && r.len() > LOAD_BALANCER_WIDTH {
        let mut cut = LOAD_BALANCER_WIDTH - 3;
        while !r.is_char_boundary(cut) {
            cut -= 1;
        }
        r = format!("{}...", &r[..cut]);
    }
    r
}

/// `getServiceExternalIP`.
pub fn external_ip(svc: &Service, wide: bool) -> String {
    let external = &svc.spec.external_ips;
    match svc.spec.type_.as_deref().unwrap_or("") {
        "ClusterIP" | "NodePort" => {
            if external.is_empty() {
                "<none>".into()
            } else {
                external.join(",")
            }
        }
        "LoadBalancer" => {
            let lb = load_balancer_status(svc, wide);
            if !external.is_empty() {
                let mut all: Vec<String> = Vec::new();
                if !lb.is_empty() {
                    all.extend(lb.split(',').map(str::to_string));
                }
                all.extend(external.iter().cloned());
                all.join(",")
            } else if !lb.is_empty() {
                lb
            } else {
                "<pending>".into()
            }
        }
        "ExternalName" => svc.spec.external_name.clone().unwrap_or_default(),
        _ => "<unknown>".into(),
    }
}

/// `makePortString`: `port/PROTO` or `port:nodePort/PROTO`, comma-joined.
pub fn port_string(svc: &Service) -> String {
    if svc.spec.ports.is_empty() {
        return "<none>".into();
    }
    svc.spec
        .ports
        .iter()
        .map(|p| {
            let protocol = p.protocol.as_deref().unwrap_or("");
            let port = p.port.unwrap_or(0);
            match p.node_port.filter(|n| *n > 0) {
                Some(np) => format!("{port}:{np}/{protocol}"),
                None => format!("{port}/{protocol}"),
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

fn rows(view: &View, namespace: Option<&str>, wide: bool) -> Vec<Row> {
    services(view.analysis, namespace)
        .into_iter()
        .map(|svc| Row {
            namespace: svc.meta.namespace.clone(),
            name: svc.meta.name.clone(),
            cells: vec![
                svc.spec.type_.clone().unwrap_or_default(),
                svc.spec
                    .cluster_ips
                    .first()
                    .cloned()
                    .unwrap_or_else(|| "<none>".into()),
                external_ip(svc, wide),
                port_string(svc),
                view.age(&svc.meta),
            ],
            wide: vec![format_labels(
                svc.spec.selector.as_ref().unwrap_or(&Default::default()),
            )],
            labels: svc.meta.labels.clone(),
        })
        .collect()
}

fn to_yaml(view: &View, namespace: &str, name: &str) -> Option<yaml::Yaml> {
    find(view.analysis, namespace, name).map(yaml::service)
}

fn describe_in(view: &View, namespace: &str, name: &str) -> Option<String> {
    describe(view.analysis, namespace, name)
}

/// `kubectl describe service`: every line of `describeService`, aligned by tabwriter
/// (padding 2).
pub fn describe(analysis: &Analysis, namespace: &str, name: &str) -> Option<String> {
    let svc = find(analysis, namespace, name)?;
    let spec = &svc.spec;
    let mut t = String::new();
    write_meta(&mut t, &svc.meta);
    let _ = writeln!(
        t,
        "Selector:\t{}",
        format_labels(spec.selector.as_ref().unwrap_or(&Default::default()))
    );
    let _ = writeln!(t, "Type:\t{}", spec.type_.as_deref().unwrap_or(""));
    if let Some(policy) = &spec.ip_family_policy {
        let _ = writeln!(t, "IP Family Policy:\t{policy}");
    }
    if spec.ip_families.is_empty() {
        t.push_str("IP Families:\t<none>\n");
    } else {
        let _ = writeln!(t, "IP Families:\t{}", spec.ip_families.join(","));
    }
    let _ = writeln!(t, "IP:\t{}", spec.cluster_ip.as_deref().unwrap_or(""));
    if spec.cluster_ips.is_empty() {
        t.push_str("IPs:\t<none>\n");
    } else {
        let _ = writeln!(t, "IPs:\t{}", spec.cluster_ips.join(","));
    }
    if !spec.external_ips.is_empty() {
        let _ = writeln!(t, "External IPs:\t{}", spec.external_ips.join(","));
    }
    if let Some(ip) = spec.load_balancer_ip.as_deref().filter(|s| !s.is_empty()) {
        let _ = writeln!(t, "Desired LoadBalancer IP:\t{ip}");
    }
    if let Some(name) = spec.external_name.as_deref().filter(|s| !s.is_empty()) {
        let _ = writeln!(t, "External Name:\t{name}");
    }
    if !svc.status.load_balancer_ingress.is_empty() {
        let list: Vec<String> = svc
            .status
            .load_balancer_ingress
            .iter()
            .map(|i| match i.ip.as_deref().filter(|s| !s.is_empty()) {
                Some(ip) => match &i.ip_mode {
                    Some(mode) => format!("{ip} ({mode})"),
                    None => ip.to_string(),
                },
                None => i.hostname.clone().unwrap_or_default(),
            })
            .collect();
        let _ = writeln!(t, "LoadBalancer Ingress:\t{}", list.join(", "));
    }
    for port in &spec.ports {
        let name = if port.name.is_empty() {
            "<unset>"
        } else {
            &port.name
        };
        let protocol = port.protocol.as_deref().unwrap_or("");
        let _ = writeln!(t, "Port:\t{name}\t{}/{protocol}", port.port.unwrap_or(0));
        match &port.target_port {
            Some(IntOrString::Str(s)) => {
                let _ = writeln!(t, "TargetPort:\t{s}/{protocol}");
            }
            Some(IntOrString::Int(n)) => {
                let _ = writeln!(t, "TargetPort:\t{n}/{protocol}");
            }
            None => {
                let _ = writeln!(t, "TargetPort:\t0/{protocol}");
            }
        }
        if let Some(np) = port.node_port.filter(|n| *n != 0) {
            let _ = writeln!(t, "NodePort:\t{name}\t{np}/{protocol}");
        }
        let _ = writeln!(
            t,
            "Endpoints:\t{}",
            endpoints_line(analysis, svc, &port.name)
        );
    }
    let _ = writeln!(
        t,
        "Session Affinity:\t{}",
        spec.session_affinity.as_deref().unwrap_or("")
    );
    if let Some(etp) = spec
        .external_traffic_policy
        .as_deref()
        .filter(|s| !s.is_empty())
    {
        let _ = writeln!(t, "External Traffic Policy:\t{etp}");
    }
    if let Some(itp) = &spec.internal_traffic_policy {
        let _ = writeln!(t, "Internal Traffic Policy:\t{itp}");
    }
    if let Some(hc) = spec.health_check_node_port.filter(|n| *n != 0) {
        let _ = writeln!(t, "HealthCheck NodePort:\t{hc}");
    }
    if !spec.load_balancer_source_ranges.is_empty() {
        let _ = writeln!(
            t,
            "LoadBalancer Source Ranges:\t{}",
            spec.load_balancer_source_ranges.join(",")
        );
    }
    if let Some(td) = &spec.traffic_distribution {
        let _ = writeln!(t, "Traffic Distribution:\t{td}");
    }
    // svcplay runs no controller that records events (no cloud load balancer either).
    t.push_str("Events:\t<none>\n");
    Some(tabwriter::format(&t, 0, 2))
}
