//! `kubectl describe` of every resource but Services (whose describer is
//! [`super::service`]), after kubectl's `pkg/describe/describe.go`: `describePod`,
//! `describeDeployment`, `describeReplicaSet`, `describeDaemonSet`,
//! `describeStatefulSet`, `describeNode`, `describeNamespace`, `describeConfigMap`,
//! `describeEndpoints`, `describeEndpointSliceV1`, and the shared `printLabelsMultiline`,
//! `printAnnotationsMultiline`, `DescribePodTemplate` and `DescribeEvents`.
//!
//! Lines are written with tabs and aligned by tabwriter (padding 2) as `tabbedString`
//! does; `DescribeEvents` flushes the writer first, so the events table is aligned on
//! its own. What svcplay does not model is left out rather than invented: a Node's
//! capacity, allocatable resources and system info, resource requests (none of the
//! scenario's containers have any, so requests print `0 (0%)`).

use super::named;
use super::resources::{Event, events_for};
use super::{View, format_labels};
use crate::model::{ObjectMeta, Pod, PodSpec};
use crate::session::clock;
use crate::views::tabwriter;
use std::fmt::Write as _;

/// The annotation kubectl never shows in describe.
const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";
/// `maxAnnotationLen`.
const MAX_ANNOTATION_LEN: usize = 140;

/// `printLabelsMultiline`: one `k=v` per line, the others starting with a tab.
pub fn write_labels(out: &mut String, title: &str, labels: &crate::model::StringMap) {
    let _ = write!(out, "{title}:\t");
    if labels.is_empty() {
        out.push_str("<none>\n");
        return;
    }
    let indent = " ".repeat(title.len() - title.trim_start().len());
    for (i, (k, v)) in labels.iter().enumerate() {
        if i > 0 {
            out.push_str(&indent);
            out.push('\t');
        }
        let _ = writeln!(out, "{k}={v}");
    }
}

/// `shorten`: a byte cut (Go slices strings by bytes), kept on a character boundary.
fn shorten(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut cut = max;
    while !s.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}...", &s[..cut])
}

/// `printAnnotationsMultiline`: long or multi-line values go on their own lines, each
/// cut to 138 bytes plus `...`.
pub fn write_annotations(out: &mut String, annotations: &crate::model::StringMap) {
    write_annotations_titled(out, "Annotations", annotations);
}

/// The first lines of the Deployment and StatefulSet describers: `Name`, `Namespace`,
/// `CreationTimestamp`.
fn write_name_and_created(out: &mut String, meta: &ObjectMeta) {
    let _ = writeln!(out, "Name:\t{}", meta.name);
    let _ = writeln!(out, "Namespace:\t{}", meta.namespace);
    let _ = writeln!(
        out,
        "CreationTimestamp:\t{}",
        rfc1123z(super::created(meta))
    );
}

/// The first lines of most describers: `Name`, `Namespace`, `Labels`, `Annotations`.
pub fn write_meta(out: &mut String, meta: &ObjectMeta) {
    let _ = writeln!(out, "Name:\t{}", meta.name);
    let _ = writeln!(out, "Namespace:\t{}", meta.namespace);
    write_labels(out, "Labels", &meta.labels);
    write_annotations(out, &meta.annotations);
}

fn write_annotations_titled(out: &mut String, title: &str, annotations: &crate::model::StringMap) {
    let _ = write!(out, "{title}:\t");
    let keys: Vec<&String> = annotations.keys().filter(|k| *k != LAST_APPLIED).collect();
    if keys.is_empty() {
        out.push_str("<none>\n");
        return;
    }
    let indent = " ".repeat(title.len() - title.trim_start().len());
    for (i, key) in keys.into_iter().enumerate() {
        if i > 0 {
            out.push_str(&indent);
            out.push('\t');
        }
        let value = annotations[key]
            .strip_suffix('\n')
            .unwrap_or(&annotations[key]);
        if value.len() + key.len() + 2 > MAX_ANNOTATION_LEN || value.contains('\n') {
            let _ = writeln!(out, "{key}:");
            for line in value.split('\n') {
                let _ = writeln!(out, "{indent}\t  {}", shorten(line, MAX_ANNOTATION_LEN - 2));
            }
        } else {
            let _ = writeln!(out, "{key}: {value}");
        }
    }
}

/// Go's `time.RFC1123Z`: `Wed, 01 Jan 2025 00:00:00 +0000`.
pub fn rfc1123z(epoch: i64) -> String {
    let c = clock::civil(epoch);
    const WEEKDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    format!(
        "{}, {:02} {} {} {:02}:{:02}:{:02} +0000",
        WEEKDAYS[c.weekday as usize],
        c.day,
        MONTHS[(c.month - 1) as usize],
        c.year,
        c.hour,
        c.minute,
        c.second
    )
}

/// `DescribeEvents`: the writer is flushed first, so the table aligns on its own.
fn events_block(view: &View, events: &[Event]) -> String {
    if events.is_empty() {
        return "Events:\t<none>\n".into();
    }
    let mut t = String::from(
        "Events:\n  Type\tReason\tAge\tFrom\tMessage\n  ----\t------\t----\t----\t-------\n",
    );
    for e in events {
        let _ = writeln!(
            t,
            "  {}\t{}\t{}\t{}\t{}",
            e.type_,
            e.reason,
            view.since(e.time),
            e.source,
            e.message.trim()
        );
    }
    t
}

/// A describe block: the body aligned, then its events aligned on their own (the
/// tabwriter is flushed before `DescribeEvents` when there are events).
fn finish(view: &View, body: String, events: Option<&[Event]>) -> String {
    match events {
        Some(events) if !events.is_empty() => {
            let mut out = tabwriter::format(&body, 0, 2);
            out.push_str(&tabwriter::format(&events_block(view, events), 0, 2));
            out
        }
        Some(_) => tabwriter::format(&(body + "Events:\t<none>\n"), 0, 2),
        None => tabwriter::format(&body, 0, 2),
    }
}

/// The hex digits of a deterministic digest of `seed` (container and image IDs are
/// random in a real cluster; svcplay derives them, like UIDs).
fn hex_of(seed: &str, len: usize) -> String {
    let mut out = String::new();
    let mut n = 0u32;
    while out.len() < len {
        let bytes = crate::controllers::uid::sha1(format!("{seed}#{n}").as_bytes());
        for b in bytes {
            let _ = write!(out, "{b:02x}");
        }
        n += 1;
    }
    out.truncate(len);
    out
}

/// The name of the Pod's service-account token volume (`kube-api-access-<5>`).
pub fn token_volume(pod: &Pod) -> String {
    format!(
        "kube-api-access-{}",
        crate::controllers::workloads::name_suffix(&format!(
            "{}/{}/token",
            pod.meta.namespace, pod.meta.name
        ))
    )
}

/// The image reference as the container runtime reports it (`docker.io/library/nginx:latest`).
pub fn full_image(image: &str) -> String {
    let (name, tag) = match image.rsplit_once(':') {
        Some((n, t)) if !t.contains('/') => (n.to_string(), t.to_string()),
        _ => (image.to_string(), "latest".to_string()),
    };
    let first = name.split('/').next().unwrap_or("");
    let qualified = if !name.contains('/') {
        format!("docker.io/library/{name}")
    } else if first.contains('.') || first.contains(':') || first == "localhost" {
        name
    } else {
        format!("docker.io/{name}")
    };
    format!("{qualified}:{tag}")
}

/// `describeContainers` of a template (no statuses) or of a Pod (with them).
fn write_containers(t: &mut String, spec: &PodSpec, pod: Option<&Pod>, space: &str) {
    let label = "Containers";
    if spec.containers.is_empty() {
        let _ = writeln!(t, "{space}{label}: <none>");
        return;
    }
    let _ = writeln!(t, "{space}{label}:");
    let name_indent = if space.is_empty() { "" } else { " " };
    for c in &spec.containers {
        let _ = writeln!(t, "  {name_indent}{}:", c.name);
        if let Some(pod) = pod {
            let _ = writeln!(
                t,
                "    Container ID:\tcontainerd://{}",
                hex_of(
                    &format!("{}/{}/{}", pod.meta.namespace, pod.meta.name, c.name),
                    64
                )
            );
        }
        let image = c.image.clone().unwrap_or_default();
        let _ = writeln!(t, "    Image:\t{image}");
        if pod.is_some() {
            let full = full_image(&image);
            let repo = full.rsplit_once(':').map_or(full.as_str(), |(r, _)| r);
            let _ = writeln!(t, "    Image ID:\t{repo}@sha256:{}", hex_of(&full, 64));
        }
        // describe.go's `describeContainerPorts` and `describeContainerHostPorts`: the
        // host port of a container port that sets none is 0.
        let ports = |host: bool| {
            let ports: Vec<String> = c
                .ports
                .iter()
                .map(|p| {
                    let number = if host { 0 } else { p.container_port };
                    let proto = p.protocol.as_deref().unwrap_or("TCP");
                    match &p.name {
                        Some(n) if !n.is_empty() => format!("{number}/{proto} ({n})"),
                        _ => format!("{number}/{proto}"),
                    }
                })
                .collect();
            ports.join(", ")
        };
        for (title, joined) in [("Port", ports(false)), ("Host Port", ports(true))] {
            if joined.contains(',') {
                let _ = writeln!(t, "    {title}s:\t{joined}");
            } else {
                let _ = writeln!(
                    t,
                    "    {title}:\t{}",
                    if joined.is_empty() { "<none>" } else { &joined }
                );
            }
        }
        if let Some(pod) = pod {
            let running = pod.status.phase.as_deref() == Some("Running");
            if running {
                let _ = writeln!(t, "    State:\tRunning");
                let _ = writeln!(t, "      Started:\t{}", rfc1123z(super::created(&pod.meta)));
            } else {
                let _ = writeln!(t, "    State:\tWaiting");
            }
            let ready = pod
                .status
                .conditions
                .iter()
                .any(|c| c.type_ == "ContainersReady" && c.status == "True");
            let _ = writeln!(t, "    Ready:\t{}", if ready { "True" } else { "False" });
            let _ = writeln!(t, "    Restart Count:\t0");
        }
        let _ = writeln!(t, "    Environment:\t<none>");
        match pod {
            Some(pod) if !pod.spec.host_network || pod.meta.namespace != "kube-system" => {
                let _ = writeln!(t, "    Mounts:");
                let _ = writeln!(
                    t,
                    "      /var/run/secrets/kubernetes.io/serviceaccount from {} (ro)",
                    token_volume(pod)
                );
            }
            _ => {
                let _ = writeln!(t, "    Mounts:\t<none>");
            }
        }
    }
}

/// The tolerations every Pod gets from the DefaultTolerationSeconds admission plugin.
const DEFAULT_TOLERATIONS: [&str; 2] = [
    "node.kubernetes.io/not-ready:NoExecute op=Exists for 300s",
    "node.kubernetes.io/unreachable:NoExecute op=Exists for 300s",
];

fn write_list(t: &mut String, title: &str, items: &[String]) {
    let _ = write!(t, "{title}:\t");
    if items.is_empty() {
        t.push_str("<none>\n");
        return;
    }
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            t.push('\t');
        }
        let _ = writeln!(t, "{item}");
    }
}

/// `kubectl describe pod`.
pub fn pod(view: &View, namespace: &str, name: &str) -> Option<String> {
    let pod = named(&view.analysis.objects.pods, namespace, name)?;
    let mut t = String::new();
    let _ = writeln!(t, "Name:\t{}", pod.meta.name);
    let _ = writeln!(t, "Namespace:\t{}", pod.meta.namespace);
    let system = pod.meta.namespace == "kube-system" && pod.spec.host_network;
    let _ = writeln!(t, "Priority:\t{}", if system { 2_000_001_000 } else { 0 });
    if system {
        t.push_str("Priority Class Name:\tsystem-node-critical\n");
    }
    t.push_str(if system && pod.meta.name.starts_with("kube-proxy") {
        "Service Account:\tkube-proxy\n"
    } else if system {
        ""
    } else {
        "Service Account:\tdefault\n"
    });
    match (&pod.spec.node_name, &pod.status.host_ip) {
        (Some(node), Some(ip)) => {
            let _ = writeln!(t, "Node:\t{node}/{ip}");
        }
        (Some(node), None) => {
            let _ = writeln!(t, "Node:\t{node}/");
        }
        (None, _) => t.push_str("Node:\t<none>\n"),
    }
    if pod.spec.node_name.is_some() {
        let _ = writeln!(t, "Start Time:\t{}", rfc1123z(super::created(&pod.meta)));
    }
    write_labels(&mut t, "Labels", &pod.meta.labels);
    write_annotations(&mut t, &pod.meta.annotations);
    if pod.is_terminating() {
        t.push_str("Status:\tTerminating (lasts <invalid>)\nTermination Grace Period:\t30s\n");
    } else {
        let _ = writeln!(
            t,
            "Status:\t{}",
            pod.status.phase.as_deref().unwrap_or("Pending")
        );
    }
    let _ = writeln!(t, "IP:\t{}", pod.status.pod_ip.as_deref().unwrap_or(""));
    let ips = pod.ips();
    if ips.is_empty() {
        t.push_str("IPs:\t<none>\n");
    } else {
        t.push_str("IPs:\n");
        for ip in ips {
            let _ = writeln!(t, "  IP:\t{ip}");
        }
    }
    if let Some(owner) = pod
        .meta
        .owner_references
        .iter()
        .find(|o| o.controller == Some(true))
    {
        let _ = writeln!(t, "Controlled By:\t{}/{}", owner.kind, owner.name);
    }
    write_containers(&mut t, &pod.spec, Some(pod), "");
    if !pod.status.conditions.is_empty() {
        t.push_str("Conditions:\n  Type\tStatus\n");
        for c in &pod.status.conditions {
            let _ = writeln!(t, "  {} \t{} ", c.type_, c.status);
        }
    }
    if system {
        t.push_str("Volumes:\t<none>\n");
    } else {
        let _ = writeln!(t, "Volumes:\n  {}:", token_volume(pod));
        t.push_str("    Type:\tProjected (a volume that contains injected data from multiple sources)\n    TokenExpirationSeconds:\t3607\n    ConfigMapName:\tkube-root-ca.crt\n    Optional:\tfalse\n    DownwardAPI:\ttrue\n");
    }
    t.push_str("QoS Class:\tBestEffort\n");
    write_labels(&mut t, "Node-Selectors", &pod.spec.node_selector);
    let tolerations: Vec<String> = if system {
        vec!["op=Exists".into()]
    } else {
        DEFAULT_TOLERATIONS.iter().map(|s| s.to_string()).collect()
    };
    write_list(&mut t, "Tolerations", &tolerations);
    let events = events_for(view, "Pod", namespace, name);
    Some(finish(view, t, Some(&events)))
}

/// `DescribePodTemplate`.
fn write_template(
    t: &mut String,
    labels: &crate::model::StringMap,
    annotations: &crate::model::StringMap,
    spec: &PodSpec,
) {
    t.push_str("Pod Template:\n");
    write_labels(t, "  Labels", labels);
    if !annotations.is_empty() {
        write_annotations_titled(t, "  Annotations", annotations);
    }
    write_containers(t, spec, None, "  ");
    t.push_str("  Volumes:\t<none>\n");
    write_labels(t, "  Node-Selectors", &spec.node_selector);
    t.push_str("  Tolerations:\t<none>\n");
}

/// Counts of a workload's Pods by state (`getPodStatusForController`).
fn pod_counts(pods: &[&Pod]) -> (usize, usize, usize, usize) {
    let mut counts = (0, 0, 0, 0);
    for p in pods {
        match p.status.phase.as_deref() {
            Some("Running") => counts.0 += 1,
            Some("Succeeded") => counts.2 += 1,
            Some("Failed") => counts.3 += 1,
            _ => counts.1 += 1,
        }
    }
    counts
}

/// `kubectl describe deployment`.
pub fn deployment(view: &View, namespace: &str, name: &str) -> Option<String> {
    let w = super::resources::workload(view, "Deployment", namespace, name)?;
    let pods = super::resources::pods_of(view, w);
    let rs = crate::controllers::workloads::deployment_replica_set(w, &view.analysis.objects.pods);
    let replicas = w.replicas.unwrap_or(1);
    let total = pods.iter().filter(|p| !p.is_terminating()).count();
    let available = pods
        .iter()
        .filter(|p| !p.is_terminating() && p.is_ready())
        .count();
    let mut t = String::new();
    write_name_and_created(&mut t, &w.meta);
    write_labels(&mut t, "Labels", &w.meta.labels);
    let mut annotations = w.meta.annotations.clone();
    annotations
        .entry("deployment.kubernetes.io/revision".into())
        .or_insert_with(|| super::resources::revision(w).to_string());
    write_annotations(&mut t, &annotations);
    let _ = writeln!(t, "Selector:\t{}", w.selector);
    let _ = writeln!(
        t,
        "Replicas:\t{replicas} desired | {total} updated | {total} total | {available} available | {} unavailable",
        (replicas as usize).saturating_sub(available)
    );
    t.push_str("StrategyType:\tRollingUpdate\nMinReadySeconds:\t0\nRollingUpdateStrategy:\t25% max unavailable, 25% max surge\n");
    write_template(
        &mut t,
        &w.template.labels,
        &w.template.annotations,
        &w.template.spec,
    );
    t.push_str("Conditions:\n  Type\tStatus\tReason\n  ----\t------\t------\n");
    if available as i64 >= replicas {
        t.push_str("  Available \tTrue\tMinimumReplicasAvailable\n");
    } else {
        t.push_str("  Available \tFalse\tMinimumReplicasUnavailable\n");
    }
    t.push_str("  Progressing \tTrue\tNewReplicaSetAvailable\n");
    let old = super::resources::old_replica_set(view, w);
    match old {
        Some(old) => {
            let _ = writeln!(t, "OldReplicaSets:\t{old} (0/0 replicas created)");
        }
        None => t.push_str("OldReplicaSets:\t<none>\n"),
    }
    let _ = writeln!(
        t,
        "NewReplicaSet:\t{rs} ({total}/{replicas} replicas created)"
    );
    let events = events_for(view, "Deployment", namespace, name);
    Some(finish(view, t, Some(&events)))
}

/// `kubectl describe replicaset`.
pub fn replica_set(view: &View, namespace: &str, name: &str) -> Option<String> {
    let rs = super::resources::replica_set_rows(view, Some(namespace))
        .into_iter()
        .find(|r| r.name == name)?;
    let w = rs.owner?;
    let pods: Vec<&Pod> = if rs.current {
        super::resources::pods_of(view, w)
    } else {
        Vec::new()
    };
    let (running, waiting, succeeded, failed) = pod_counts(&pods);
    let mut t = String::new();
    let _ = writeln!(t, "Name:\t{name}");
    let _ = writeln!(t, "Namespace:\t{namespace}");
    let _ = writeln!(t, "Selector:\t{}", rs.selector);
    write_labels(&mut t, "Labels", &rs.labels);
    write_annotations(&mut t, &rs.annotations);
    if w.kind == crate::manifest::Kind::Deployment {
        let _ = writeln!(t, "Controlled By:\tDeployment/{}", w.meta.name);
    }
    let _ = writeln!(
        t,
        "Replicas:\t{} current / {} desired",
        rs.current_count, rs.desired
    );
    let _ = writeln!(
        t,
        "Pods Status:\t{running} Running / {waiting} Waiting / {succeeded} Succeeded / {failed} Failed"
    );
    write_template(
        &mut t,
        &rs.template_labels,
        &rs.template_annotations,
        &w.template.spec,
    );
    let events = events_for(view, "ReplicaSet", namespace, name);
    Some(finish(view, t, Some(&events)))
}

/// `kubectl describe statefulset`.
pub fn stateful_set(view: &View, namespace: &str, name: &str) -> Option<String> {
    let w = super::resources::workload(view, "StatefulSet", namespace, name)?;
    let pods = super::resources::pods_of(view, w);
    let (running, waiting, succeeded, failed) = pod_counts(&pods);
    let mut t = String::new();
    write_name_and_created(&mut t, &w.meta);
    let _ = writeln!(t, "Selector:\t{}", w.selector);
    write_labels(&mut t, "Labels", &w.meta.labels);
    write_annotations(&mut t, &w.meta.annotations);
    let _ = writeln!(
        t,
        "Replicas:\t{} desired | {} total",
        w.replicas.unwrap_or(1),
        pods.len()
    );
    t.push_str("Update Strategy:\tRollingUpdate\n  Partition:\t0\n");
    let _ = writeln!(
        t,
        "Pods Status:\t{running} Running / {waiting} Waiting / {succeeded} Succeeded / {failed} Failed"
    );
    write_template(
        &mut t,
        &w.template.labels,
        &w.template.annotations,
        &w.template.spec,
    );
    t.push_str("Volume Claims:\t<none>\n");
    let events = events_for(view, "StatefulSet", namespace, name);
    Some(finish(view, t, Some(&events)))
}

/// `kubectl describe daemonset`.
pub fn daemon_set(view: &View, namespace: &str, name: &str) -> Option<String> {
    let ds = named(&view.analysis.objects.daemon_sets, namespace, name)?;
    let pods = super::resources::daemon_set_pods(&view.analysis.objects, ds);
    let (running, waiting, succeeded, failed) = pod_counts(&pods);
    let n = pods.len();
    let mut t = String::new();
    let _ = writeln!(t, "Name:\t{}", ds.meta.name);
    let _ = writeln!(t, "Namespace:\t{}", ds.meta.namespace);
    let _ = writeln!(t, "Selector:\t{}", format_labels(&ds.selector));
    t.push_str("Node-Selector:\tkubernetes.io/os=linux\n");
    write_labels(&mut t, "Labels", &ds.meta.labels);
    let mut annotations = ds.meta.annotations.clone();
    annotations.insert(
        "deprecated.daemonset.template.generation".into(),
        "1".into(),
    );
    write_annotations(&mut t, &annotations);
    let _ = writeln!(t, "Desired Number of Nodes Scheduled: {n}");
    let _ = writeln!(t, "Current Number of Nodes Scheduled: {n}");
    let _ = writeln!(t, "Number of Nodes Scheduled with Up-to-date Pods: {n}");
    let _ = writeln!(t, "Number of Nodes Scheduled with Available Pods: {n}");
    t.push_str("Number of Nodes Misscheduled: 0\n");
    let _ = writeln!(
        t,
        "Pods Status:\t{running} Running / {waiting} Waiting / {succeeded} Succeeded / {failed} Failed"
    );
    t.push_str("Pod Template:\n");
    write_labels(&mut t, "  Labels", &ds.template.labels);
    t.push_str("  Service Account:\tkube-proxy\n");
    write_containers(&mut t, &ds.template.spec, None, "  ");
    t.push_str("  Volumes:\t<none>\n  Priority Class Name:\tsystem-node-critical\n  Node-Selectors:\tkubernetes.io/os=linux\n  Tolerations:\top=Exists\n");
    let events = events_for(view, "DaemonSet", namespace, name);
    Some(finish(view, t, Some(&events)))
}

fn roles(meta: &ObjectMeta) -> Vec<String> {
    meta.labels
        .keys()
        .filter_map(|k| k.strip_prefix("node-role.kubernetes.io/"))
        .map(str::to_string)
        .collect()
}

/// `kubectl describe node` (without capacity, allocatable and system info, which
/// svcplay does not model).
pub fn node(view: &View, _namespace: &str, name: &str) -> Option<String> {
    let objects = &view.analysis.objects;
    let node = objects.node(name);
    let meta = node
        .map(|n| n.meta.clone())
        .unwrap_or_else(|| crate::model::ObjectMeta::new(name, "", crate::model::Origin::Builtin));
    let mut t = String::new();
    let _ = writeln!(t, "Name:\t{name}");
    let r = roles(&meta);
    let _ = writeln!(
        t,
        "Roles:\t{}",
        if r.is_empty() {
            "<none>".into()
        } else {
            r.join(",")
        }
    );
    write_labels(&mut t, "Labels", &super::resources::node_labels(&meta));
    let mut annotations = meta.annotations.clone();
    annotations.insert("node.alpha.kubernetes.io/ttl".into(), "0".into());
    annotations.insert(
        "volumes.kubernetes.io/controller-managed-attach-detach".into(),
        "true".into(),
    );
    write_annotations(&mut t, &annotations);
    let _ = writeln!(t, "CreationTimestamp:\t{}", rfc1123z(super::created(&meta)));
    let taints: Vec<String> = node
        .map(|n| {
            n.taints
                .iter()
                .map(|t| match &t.value {
                    Some(v) if !v.is_empty() => format!("{}={v}:{}", t.key, t.effect),
                    _ => format!("{}:{}", t.key, t.effect),
                })
                .collect()
        })
        .unwrap_or_default();
    write_list(&mut t, "Taints", &taints);
    let _ = writeln!(
        t,
        "Unschedulable:\t{}",
        node.is_some_and(|n| n.unschedulable)
    );
    let _ = writeln!(
        t,
        "Lease:\n  HolderIdentity:\t{name}\n  AcquireTime:\t<unset>\n  RenewTime:\t{}",
        rfc1123z(view.now)
    );
    let ready = node.is_none_or(|n| n.is_ready());
    let now = rfc1123z(view.now);
    let start = rfc1123z(super::created(&meta));
    t.push_str("Conditions:\n  Type\tStatus\tLastHeartbeatTime\tLastTransitionTime\tReason\tMessage\n  ----\t------\t-----------------\t------------------\t------\t-------\n");
    for (type_, reason, message) in [
        (
            "MemoryPressure",
            "KubeletHasSufficientMemory",
            "kubelet has sufficient memory available",
        ),
        (
            "DiskPressure",
            "KubeletHasNoDiskPressure",
            "kubelet has no disk pressure",
        ),
        (
            "PIDPressure",
            "KubeletHasSufficientPID",
            "kubelet has sufficient PID available",
        ),
    ] {
        let _ = writeln!(
            t,
            "  {type_} \tFalse \t{now} \t{start} \t{reason} \t{message}"
        );
    }
    if ready {
        let _ = writeln!(
            t,
            "  Ready \tTrue \t{now} \t{start} \tKubeletReady \tkubelet is posting ready status"
        );
    } else {
        let _ = writeln!(
            t,
            "  Ready \tUnknown \t{start} \t{now} \tNodeStatusUnknown \tKubelet stopped posting node status."
        );
    }
    t.push_str("Addresses:\n");
    if let Some(n) = node {
        for a in &n.addresses {
            let _ = writeln!(t, "  {}:\t{}", a.type_, a.address);
        }
    } else {
        let _ = writeln!(t, "  InternalIP:\t{}", crate::model::DEFAULT_NODE_IP);
    }
    let _ = writeln!(t, "  Hostname:\t{name}");
    let cidrs = node.map(|n| n.pod_cidrs.clone()).unwrap_or_default();
    if let Some(first) = cidrs.first() {
        let _ = writeln!(t, "PodCIDR:\t{first}");
        let _ = writeln!(t, "PodCIDRs:\t{}", cidrs.join(","));
    }
    let mut pods: Vec<&Pod> = objects
        .pods
        .iter()
        .filter(|p| p.spec.node_name.as_deref() == Some(name))
        .filter(|p| {
            !matches!(
                p.status.phase.as_deref(),
                Some("Succeeded") | Some("Failed")
            )
        })
        .collect();
    crate::sort::sort_by(&mut pods, |a, b| {
        (&a.meta.namespace, &a.meta.name).cmp(&(&b.meta.namespace, &b.meta.name))
    });
    let _ = writeln!(t, "Non-terminated Pods:\t({} in total)", pods.len());
    t.push_str("  Namespace\tName\tCPU Requests\tCPU Limits\tMemory Requests\tMemory Limits\tAge\n  ---------\t----\t------------\t----------\t---------------\t-------------\t---\n");
    for p in pods {
        let _ = writeln!(
            t,
            "  {}\t{}\t0 (0%)\t0 (0%)\t0 (0%)\t0 (0%)\t{}",
            p.meta.namespace,
            p.meta.name,
            view.age(&p.meta)
        );
    }
    let events = events_for(view, "Node", "", name);
    Some(finish(view, t, Some(&events)))
}

/// `kubectl describe namespace`.
pub fn namespace(view: &View, _namespace: &str, name: &str) -> Option<String> {
    let mut labels = crate::model::StringMap::new();
    labels.insert("kubernetes.io/metadata.name".to_string(), name.to_string());
    let mut t = String::new();
    let _ = writeln!(t, "Name:\t{name}");
    write_labels(&mut t, "Labels", &labels);
    t.push_str(
        "Annotations:\t<none>\nStatus:\tActive\n\nNo resource quota.\n\nNo LimitRange resource.\n",
    );
    let _ = view;
    Some(tabwriter::format(&t, 0, 2))
}

/// `kubectl describe configmap`.
pub fn config_map(view: &View, namespace: &str, name: &str) -> Option<String> {
    let cm = named(&view.analysis.objects.config_maps, namespace, name)?;
    let mut t = String::new();
    write_meta(&mut t, &cm.meta);
    let mut out = tabwriter::format(&t, 0, 2);
    out.push_str("\nData\n====\n");
    for (k, v) in &cm.data {
        let _ = write!(out, "{k}:\n----\n{v}\n\n");
    }
    out.push_str("\nBinaryData\n====\n\nEvents:  <none>\n");
    Some(out)
}

/// `kubectl describe endpoints`.
pub fn endpoints(view: &View, namespace: &str, name: &str) -> Option<String> {
    let e = named(&view.analysis.objects.endpoints, namespace, name)?;
    let mut t = String::new();
    write_meta(&mut t, &e.meta);
    t.push_str("Subsets:\n");
    for subset in &e.subsets {
        let join = |l: &[crate::model::EndpointAddress]| {
            if l.is_empty() {
                "<none>".to_string()
            } else {
                l.iter().map(|a| a.ip.clone()).collect::<Vec<_>>().join(",")
            }
        };
        let _ = writeln!(t, "  Addresses:\t{}", join(&subset.addresses));
        let _ = writeln!(
            t,
            "  NotReadyAddresses:\t{}",
            join(&subset.not_ready_addresses)
        );
        if subset.ports.is_empty() {
            t.push_str("  Ports:\t<none>\n");
        } else {
            t.push_str("  Ports:\n    Name\tPort\tProtocol\n    ----\t----\t--------\n");
            for p in &subset.ports {
                let name = p
                    .name
                    .as_deref()
                    .filter(|n| !n.is_empty())
                    .unwrap_or("<unset>");
                let _ = writeln!(
                    t,
                    "    {name}\t{}\t{}",
                    p.port.unwrap_or(0),
                    p.protocol.as_deref().unwrap_or("TCP")
                );
            }
        }
        t.push('\n');
    }
    Some(finish(view, t, Some(&[])))
}

/// `kubectl describe endpointslice`.
pub fn endpoint_slice(view: &View, namespace: &str, name: &str) -> Option<String> {
    let s = named(&view.analysis.objects.endpoint_slices, namespace, name)?;
    let mut t = String::new();
    write_meta(&mut t, &s.meta);
    let _ = writeln!(t, "AddressType:\t{}", s.address_type);
    match s.ports.as_deref() {
        Some(ports) if !ports.is_empty() => {
            t.push_str("Ports:\n  Name\tPort\tProtocol\n  ----\t----\t--------\n");
            for p in ports {
                let name = p
                    .name
                    .as_deref()
                    .filter(|n| !n.is_empty())
                    .unwrap_or("<unset>");
                let port = p.port.map_or("<unset>".to_string(), |n| n.to_string());
                let _ = writeln!(
                    t,
                    "  {name}\t{port}\t{}",
                    p.protocol.as_deref().unwrap_or("<unset>")
                );
            }
        }
        _ => t.push_str("Ports: <unset>\n"),
    }
    if s.endpoints.is_empty() {
        t.push_str("Endpoints:\t<none>\n");
    } else {
        t.push_str("Endpoints:\n");
        let flag = |b: Option<bool>| b.map_or("<unset>".to_string(), |b| b.to_string());
        for e in &s.endpoints {
            let _ = writeln!(t, "  - Addresses:\t{}", e.addresses.join(","));
            t.push_str("    Conditions:\n");
            let _ = writeln!(t, "      Ready:\t{}", flag(e.ready));
            let _ = writeln!(
                t,
                "    Hostname:\t{}",
                e.hostname.as_deref().unwrap_or("<unset>")
            );
            if let Some(r) = &e.target_ref {
                let _ = writeln!(
                    t,
                    "    TargetRef:\t{}/{}",
                    r.kind.as_deref().unwrap_or(""),
                    r.name.as_deref().unwrap_or("")
                );
            }
            let _ = writeln!(
                t,
                "    NodeName:\t{}",
                e.node_name.as_deref().unwrap_or("<unset>")
            );
            let _ = writeln!(t, "    Zone:\t{}", e.zone.as_deref().unwrap_or("<unset>"));
        }
    }
    Some(finish(view, t, Some(&[])))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_and_images_print_as_kubectl_prints_them() {
        assert_eq!(
            rfc1123z(clock::SCENARIO_START_EPOCH),
            "Wed, 01 Jan 2025 00:00:00 +0000"
        );
        assert_eq!(full_image("nginx"), "docker.io/library/nginx:latest");
        assert_eq!(full_image("busybox:1.36"), "docker.io/library/busybox:1.36");
        assert_eq!(
            full_image("registry.k8s.io/kube-proxy:v1.35.0"),
            "registry.k8s.io/kube-proxy:v1.35.0"
        );
        assert_eq!(hex_of("x", 64).len(), 64);
    }
}
