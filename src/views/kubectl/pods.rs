//! `kubectl get pods [-o wide] [--show-labels]`, as kubectl prints the table.
//!
//! svcplay has no container statuses, so READY counts every container (and native
//! sidecar) as ready when the Pod's `ContainersReady` condition is `True`; RESTARTS is 0.
//! STATUS is `Terminating` for a Pod with a deletionTimestamp, `Completed` for
//! `Succeeded`, `Error` for `Failed`, else the phase. READINESS GATES is `<none>` or
//! `<true gates>/<gates>`.

use super::endpoints::{Output, Query};
use crate::model::Pod;
use crate::model::labels::format_map;
use crate::scenario::Analysis;
use crate::views::CommandOutput;
use crate::views::tabwriter;

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

/// `kubectl get pods [NAME...] [-n NS|-A] [-o wide] [--show-labels]`.
pub fn get_pods(
    analysis: &Analysis,
    query: &Query,
    output: Output,
    show_labels: bool,
) -> CommandOutput {
    let namespace = query.namespace.unwrap_or("default");
    let mut pods: Vec<&Pod> = analysis
        .objects
        .pods
        .iter()
        .filter(|p| query.all_namespaces || p.meta.namespace == namespace)
        .filter(|p| query.names.is_empty() || query.names.contains(&p.meta.name))
        .collect();
    crate::sort::sort_by(&mut pods, |a, b| {
        (&a.meta.namespace, &a.meta.name).cmp(&(&b.meta.namespace, &b.meta.name))
    });
    let missing: Vec<&String> = query
        .names
        .iter()
        .filter(|n| !pods.iter().any(|p| &p.meta.name == *n))
        .collect();
    let mut stderr: String = missing
        .iter()
        .map(|n| format!("Error from server (NotFound): pods \"{n}\" not found\n"))
        .collect();
    if pods.is_empty() {
        if query.names.is_empty() {
            stderr.push_str(&if query.all_namespaces {
                "No resources found\n".to_string()
            } else {
                format!("No resources found in {namespace} namespace.\n")
            });
        }
        return CommandOutput {
            stdout: String::new(),
            stderr,
            status: if missing.is_empty() { 0 } else { 1 },
        };
    }
    let wide = output == Output::Wide;
    let mut text = String::new();
    if query.all_namespaces {
        text.push_str("NAMESPACE\t");
    }
    text.push_str("NAME\tREADY\tSTATUS\tRESTARTS\tAGE");
    if wide {
        text.push_str("\tIP\tNODE\tNOMINATED NODE\tREADINESS GATES");
    }
    if show_labels {
        text.push_str("\tLABELS");
    }
    text.push('\n');
    for pod in &pods {
        if query.all_namespaces {
            text.push_str(&pod.meta.namespace);
            text.push('\t');
        }
        text.push_str(&format!(
            "{}\t{}\t{}\t0\t{}",
            pod.meta.name,
            ready_cell(pod),
            status_cell(pod),
            super::age()
        ));
        if wide {
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
            text.push_str(&format!(
                "\t{ip}\t{node}\t<none>\t{}",
                readiness_gates_cell(pod)
            ));
        }
        if show_labels {
            let labels = if pod.meta.labels.is_empty() {
                "<none>".to_string()
            } else {
                format_map(&pod.meta.labels)
            };
            text.push('\t');
            text.push_str(&labels);
        }
        text.push('\n');
    }
    CommandOutput {
        stdout: tabwriter::format(&text, 6, 3),
        stderr,
        status: if missing.is_empty() { 0 } else { 1 },
    }
}
