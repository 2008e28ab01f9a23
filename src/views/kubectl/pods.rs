//! Pods in kubectl: the `get pods` table (the server's `printPod`), the Pod as the server
//! returns it, and (in [`super::describe`]) `describe pod`.
//!
//! svcplay has no container statuses, so READY counts every container (and native
//! sidecar) as ready when the Pod's `ContainersReady` condition is `True`; RESTARTS is 0.
//! STATUS is `Terminating` for a Pod with a deletionTimestamp, `Completed` for
//! `Succeeded`, `Error` for `Failed`, else the phase. READINESS GATES is `<none>` or
//! `<true gates>/<gates>`.

use super::resources::{pod_spec_yaml, server_meta};
use super::yaml::{Yaml, map};
use super::{Resource, Row, View};
use super::{in_list_order, named};
use crate::model::Pod;
use crate::session::clock;

fn condition(pod: &Pod, type_: &str) -> bool {
    pod.status
        .conditions
        .iter()
        .any(|c| c.type_ == type_ && c.status == "True")
}

/// The READY cell: `ready/total` containers.
pub fn ready_cell(pod: &Pod) -> String {
    let total = pod.spec.containers.len()
        + pod
            .spec
            .init_containers
            .iter()
            .filter(|c| c.restart_policy.as_deref() == Some("Always"))
            .count();
    let ready = if condition(pod, "ContainersReady") {
        total
    } else {
        0
    };
    format!("{ready}/{total}")
}

/// The STATUS cell.
pub fn status_cell(pod: &Pod) -> String {
    if pod.is_terminating() {
        return "Terminating".into();
    }
    match pod.status.phase.as_deref() {
        Some("Succeeded") => "Completed".into(),
        Some("Failed") => "Error".into(),
        Some(phase) if !phase.is_empty() => phase.into(),
        _ => "Pending".into(),
    }
}

fn readiness_gates_cell(pod: &Pod) -> String {
    if pod.spec.readiness_gates.is_empty() {
        return "<none>".into();
    }
    let true_gates = pod
        .spec
        .readiness_gates
        .iter()
        .filter(|g| condition(pod, g))
        .count();
    format!("{true_gates}/{}", pod.spec.readiness_gates.len())
}

fn rows(view: &View, namespace: Option<&str>, _wide: bool) -> Vec<Row> {
    let pods: Vec<&Pod> = in_list_order(&view.analysis.objects.pods, namespace);
    pods.into_iter()
        .map(|pod| {
            let ip = pod
                .status
                .pod_ip
                .clone()
                .or_else(|| pod.status.pod_ips.first().cloned())
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| "<none>".into());
            let node = pod
                .spec
                .node_name
                .clone()
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| "<none>".into());
            Row {
                namespace: pod.meta.namespace.clone(),
                name: pod.meta.name.clone(),
                cells: vec![
                    ready_cell(pod),
                    status_cell(pod),
                    "0".into(),
                    view.age(&pod.meta),
                ],
                wide: vec![ip, node, "<none>".into(), readiness_gates_cell(pod)],
                labels: pod.meta.labels.clone(),
            }
        })
        .collect()
}

/// A Pod as the API server returns it, with the server's defaults and the kubelet's
/// status.
pub fn object(view: &View, namespace: &str, name: &str) -> Option<Yaml> {
    let pod = named(&view.analysis.objects.pods, namespace, name)?;
    let at = Yaml::str(clock::rfc3339(super::created(&pod.meta)));
    let conditions: Vec<Yaml> = pod
        .status
        .conditions
        .iter()
        .map(|c| {
            map(vec![
                ("lastProbeTime", Some(Yaml::Null)),
                ("lastTransitionTime", Some(at.clone())),
                ("status", Some(Yaml::str(c.status.clone()))),
                ("type", Some(Yaml::str(c.type_.clone()))),
            ])
        })
        .collect();
    let running = pod.status.phase.as_deref() == Some("Running");
    let ready = condition(pod, "ContainersReady");
    let statuses: Vec<Yaml> = pod
        .spec
        .containers
        .iter()
        .filter(|_| pod.spec.node_name.is_some())
        .map(|c| {
            let image = c.image.clone().unwrap_or_default();
            map(vec![
                (
                    "image",
                    Some(Yaml::str(super::describe::full_image(&image))),
                ),
                ("name", Some(Yaml::str(c.name.clone()))),
                ("ready", Some(Yaml::Bool(ready))),
                ("restartCount", Some(Yaml::Int(0))),
                ("started", Some(Yaml::Bool(running))),
                (
                    "state",
                    Some(if running {
                        map(vec![(
                            "running",
                            Some(map(vec![("startedAt", Some(at.clone()))])),
                        )])
                    } else {
                        map(vec![(
                            "waiting",
                            Some(map(vec![("reason", Some(Yaml::str("ContainerCreating")))])),
                        )])
                    }),
                ),
            ])
        })
        .collect();
    let ips = pod.ips();
    let host_ip = pod.status.host_ip.clone();
    Some(map(vec![
        ("apiVersion", Some(Yaml::str("v1"))),
        ("kind", Some(Yaml::str("Pod"))),
        ("metadata", Some(server_meta(&pod.meta))),
        ("spec", Some(pod_spec_yaml(&pod.spec, Some(pod)))),
        (
            "status",
            Some(map(vec![
                (
                    "conditions",
                    (!conditions.is_empty()).then_some(Yaml::Seq(conditions)),
                ),
                (
                    "containerStatuses",
                    (!statuses.is_empty()).then_some(Yaml::Seq(statuses)),
                ),
                ("hostIP", host_ip.clone().map(Yaml::Str)),
                (
                    "hostIPs",
                    host_ip.map(|ip| Yaml::Seq(vec![map(vec![("ip", Some(Yaml::str(ip)))])])),
                ),
                (
                    "phase",
                    Some(Yaml::str(
                        pod.status.phase.clone().unwrap_or_else(|| "Pending".into()),
                    )),
                ),
                ("podIP", pod.status.pod_ip.clone().map(Yaml::Str)),
                (
                    "podIPs",
                    (!ips.is_empty()).then(|| {
                        Yaml::Seq(
                            ips.iter()
                                .map(|ip| map(vec![("ip", Some(Yaml::str(*ip)))]))
                                .collect(),
                        )
                    }),
                ),
                ("qosClass", Some(Yaml::str("BestEffort"))),
                ("startTime", pod.spec.node_name.as_ref().map(|_| at.clone())),
            ])),
        ),
    ]))
}

pub const RESOURCE: Resource = Resource {
    names: &["po", "pod", "pods"],
    kind: "Pod",
    group: "",
    version: "v1",
    plural: "pods",
    namespaced: true,
    header: &["READY", "STATUS", "RESTARTS", "AGE"],
    wide_header: &["IP", "NODE", "NOMINATED NODE", "READINESS GATES"],
    rows,
    describe: Some(super::describe::pod),
    object: Some(object),
    warning: None,
    field_labels: &[
        "spec.nodeName",
        "spec.restartPolicy",
        "spec.schedulerName",
        "spec.serviceAccountName",
        "spec.hostNetwork",
        "status.phase",
        "status.podIP",
        "status.podIPs",
        "status.nominatedNodeName",
    ],
    short_names: &["po"],
};
