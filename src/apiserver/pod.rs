//! Pod and pod-template validation: the parts of `pkg/apis/core/validation` (v1.35) a
//! learner meets, with their messages, field paths and order.
//!
//! Ported: `ValidatePodSpec` (in its order: `validateContainers`, `validateInitContainers`,
//! `validatePodHostNetworkDeps`, `validateRestartPolicy`, `validateDNSPolicy`, the
//! `nodeSelector` labels, `serviceAccountName`, `nodeName`, `activeDeadlineSeconds`,
//! `hostname`, `subdomain`), `validateContainerCommon` (name, image,
//! `terminationMessagePolicy`, `validateContainerPorts`, `validatePullPolicy`), the
//! duplicate-name and `restartPolicy` rules of `validateContainers` /
//! `validateInitContainers`, and `ValidatePodTemplateSpec`'s labels.
//!
//! Not ported (accepted unchecked): volumes and volume mounts, env and envFrom,
//! resources, probes and lifecycle handlers, security contexts, affinity, tolerations,
//! topology spread constraints, DNS config, host aliases, readiness and scheduling gates,
//! ephemeral containers, host-port conflicts, resource claims, the OS-specific rules and
//! pod-level annotations. None of them changes where traffic goes, which is what svcplay
//! models; the decoder still checks every one of their fields and types.
//!
//! Validation runs on the object after the API server's defaulting, so fields the
//! defaults fill in (`restartPolicy: Always`, `dnsPolicy: ClusterFirst`, a port's
//! `protocol: TCP`, `terminationMessagePolicy: File`, `imagePullPolicy`,
//! `terminationGracePeriodSeconds`) are never "Required"; only a value written wrong is
//! reported.

use super::field::{BadValue, ErrorList, FieldError};
use super::meta::validate_labels;
use super::names;
use crate::manifest::yaml::Node;
use std::collections::{BTreeMap, BTreeSet};

/// A string field of a decoded object (absent and null read as unset).
pub(crate) fn text<'a>(node: Option<&'a Node>, key: &str) -> Option<&'a str> {
    node?.get(key).and_then(Node::as_str)
}

/// An integer field of a decoded object.
pub(crate) fn int(node: Option<&Node>, key: &str) -> Option<i64> {
    node?.get(key).and_then(Node::as_int)
}

/// A list field's items (empty when absent).
pub(crate) fn list<'a>(node: Option<&'a Node>, key: &str) -> &'a [Node] {
    node.and_then(|n| n.get(key))
        .and_then(Node::items)
        .unwrap_or(&[])
}

/// A `map[string]string` field, when written.
pub(crate) fn string_map(node: Option<&Node>, key: &str) -> Option<BTreeMap<String, String>> {
    let entries = node?.get(key)?.entries()?;
    Some(
        entries
            .iter()
            .map(|e| {
                (
                    e.key.key_string().unwrap_or_default(),
                    e.value.as_str().unwrap_or_default().to_string(),
                )
            })
            .collect(),
    )
}

pub(crate) use crate::quote::json_map;

/// `ValidateDNS1123Label(value, path)`.
pub(crate) fn validate_dns1123_label(value: &str, path: &str) -> ErrorList {
    names::is_dns1123_label(value)
        .into_iter()
        .map(|msg| FieldError::invalid(path, BadValue::go_string(value), msg))
        .collect()
}

/// `ValidateNonnegativeField`: `must be greater than or equal to 0`.
pub(crate) fn validate_nonnegative(value: Option<i64>, path: &str) -> ErrorList {
    match value {
        Some(v) if v < 0 => vec![FieldError::invalid(
            path,
            BadValue::int(v),
            "must be greater than or equal to 0",
        )],
        _ => Vec::new(),
    }
}

/// `supportedPortProtocols` as `sets.List` orders them.
pub(crate) const PORT_PROTOCOLS: [&str; 3] = ["SCTP", "TCP", "UDP"];

/// `ValidatePodTemplateSpec(template, path)`: the template's labels, then its pod spec.
pub fn validate_pod_template_spec(template: Option<&Node>, path: &str) -> ErrorList {
    let mut errs = ErrorList::new();
    let metadata = template.and_then(|t| t.get("metadata"));
    if let Some(labels) = string_map(metadata, "labels") {
        errs.extend(validate_labels(&labels, &format!("{path}.labels")));
    }
    errs.extend(validate_pod_spec(
        template.and_then(|t| t.get("spec")),
        &format!("{path}.spec"),
        false,
    ));
    errs
}

/// `ValidatePodSpec(spec, meta, path, opts)`. `is_pod` is `opts.ResourceIsPod` (a Pod
/// rather than a template inside another resource).
pub fn validate_pod_spec(spec: Option<&Node>, path: &str, is_pod: bool) -> ErrorList {
    let mut errs = ErrorList::new();
    let containers = list(spec, "containers");
    let init_containers = list(spec, "initContainers");
    errs.extend(validate_containers(
        containers,
        &format!("{path}.containers"),
    ));
    errs.extend(validate_init_containers(
        init_containers,
        containers,
        &format!("{path}.initContainers"),
    ));
    errs.extend(validate_pod_host_network_deps(spec, path, is_pod));
    // validateRestartPolicy and validateDNSPolicy: both defaulted, so only a wrong value
    // written by hand fails (values in Go's declared order).
    if let Some(policy) = text(spec, "restartPolicy").filter(|p| !p.is_empty()) {
        if !matches!(policy, "Always" | "OnFailure" | "Never") {
            errs.push(FieldError::not_supported(
                format!("{path}.restartPolicy"),
                BadValue::named_string(policy),
                &["Always", "OnFailure", "Never"],
            ));
        }
    }
    if let Some(policy) = text(spec, "dnsPolicy").filter(|p| !p.is_empty()) {
        if !matches!(
            policy,
            "ClusterFirstWithHostNet" | "ClusterFirst" | "Default" | "None"
        ) {
            errs.push(FieldError::not_supported(
                format!("{path}.dnsPolicy"),
                BadValue::named_string(policy),
                &["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"],
            ));
        }
    }
    if let Some(selector) = string_map(spec, "nodeSelector") {
        errs.extend(validate_labels(&selector, &format!("{path}.nodeSelector")));
    }
    // ValidateServiceAccountName and ValidateNodeName are DNS subdomain rules.
    for field in ["serviceAccountName", "nodeName"] {
        if let Some(value) = text(spec, field).filter(|v| !v.is_empty()) {
            for msg in names::is_dns1123_subdomain(value) {
                errs.push(FieldError::invalid(
                    format!("{path}.{field}"),
                    BadValue::go_string(value),
                    msg,
                ));
            }
        }
    }
    if let Some(value) = int(spec, "activeDeadlineSeconds") {
        if !(1..=i64::from(i32::MAX)).contains(&value) {
            errs.push(FieldError::invalid(
                format!("{path}.activeDeadlineSeconds"),
                BadValue::int(value),
                format!("must be between 1 and {}, inclusive", i32::MAX),
            ));
        }
    }
    for field in ["hostname", "subdomain"] {
        if let Some(value) = text(spec, field).filter(|v| !v.is_empty()) {
            errs.extend(validate_dns1123_label(value, &format!("{path}.{field}")));
        }
    }
    errs
}

/// `validateContainers`: at least one; each container's common rules; unique names;
/// `restartPolicy` only on init containers.
fn validate_containers(containers: &[Node], path: &str) -> ErrorList {
    if containers.is_empty() {
        return vec![FieldError::required(path, "")];
    }
    let mut errs = ErrorList::new();
    let mut names = BTreeSet::new();
    for (i, container) in containers.iter().enumerate() {
        let at = format!("{path}[{i}]");
        errs.extend(validate_container_common(container, &at));
        let name = text(Some(container), "name").unwrap_or("");
        if !names.insert(name) {
            errs.push(FieldError::duplicate(
                format!("{at}.name"),
                BadValue::go_string(name),
            ));
        }
        if container.get("restartPolicy").is_some_and(|p| !p.is_null()) {
            errs.push(FieldError::forbidden(
                format!("{at}.restartPolicy"),
                "may not be set for non-init containers",
            ));
        }
    }
    errs
}

/// `validateInitContainers`: the common rules, `restartPolicy` (only `Always`), names
/// unique across init and regular containers, probes only for restartable ones.
fn validate_init_containers(containers: &[Node], regular: &[Node], path: &str) -> ErrorList {
    let mut errs = ErrorList::new();
    let mut names: BTreeSet<&str> = regular
        .iter()
        .map(|c| text(Some(c), "name").unwrap_or(""))
        .collect();
    for (i, container) in containers.iter().enumerate() {
        let at = format!("{path}[{i}]");
        errs.extend(validate_container_common(container, &at));
        let restart = text(Some(container), "restartPolicy");
        if let Some(policy) = restart {
            if policy != "Always" {
                errs.push(FieldError::not_supported(
                    format!("{at}.restartPolicy"),
                    BadValue::named_string(policy),
                    &["Always"],
                ));
            }
        }
        let name = text(Some(container), "name").unwrap_or("");
        if names.contains(name) {
            errs.push(FieldError::duplicate(
                format!("{at}.name"),
                BadValue::go_string(name),
            ));
        } else if !name.is_empty() {
            names.insert(name);
        }
        if restart != Some("Always") {
            for field in [
                "lifecycle",
                "livenessProbe",
                "readinessProbe",
                "startupProbe",
            ] {
                if container.get(field).is_some_and(|p| !p.is_null()) {
                    errs.push(FieldError::forbidden(
                        format!("{at}.{field}"),
                        "may not be set for init containers without restartPolicy=Always",
                    ));
                }
            }
        }
    }
    errs
}

/// `validateContainerCommon`, the rules every kind of container shares, in order.
fn validate_container_common(container: &Node, path: &str) -> ErrorList {
    let mut errs = ErrorList::new();
    let c = Some(container);
    match text(c, "name").filter(|n| !n.is_empty()) {
        None => errs.push(FieldError::required(format!("{path}.name"), "")),
        Some(name) => errs.extend(validate_dns1123_label(name, &format!("{path}.name"))),
    }
    if text(c, "image").is_none_or(str::is_empty) {
        errs.push(FieldError::required(format!("{path}.image"), ""));
    }
    if let Some(policy) = text(c, "terminationMessagePolicy").filter(|p| !p.is_empty()) {
        if !matches!(policy, "File" | "FallbackToLogsOnError") {
            errs.push(FieldError::not_supported(
                format!("{path}.terminationMessagePolicy"),
                BadValue::named_string(policy),
                &["File", "FallbackToLogsOnError"],
            ));
        }
    }
    errs.extend(validate_container_ports(
        list(c, "ports"),
        &format!("{path}.ports"),
    ));
    if let Some(policy) = text(c, "imagePullPolicy").filter(|p| !p.is_empty()) {
        if !matches!(policy, "Always" | "IfNotPresent" | "Never") {
            errs.push(FieldError::not_supported(
                format!("{path}.imagePullPolicy"),
                BadValue::named_string(policy),
                &["Always", "IfNotPresent", "Never"],
            ));
        }
    }
    errs
}

/// `validateContainerPorts`: an IANA_SVC_NAME name unique in the container, a
/// `containerPort` in 1-65535 (0 is missing), a `hostPort` in range, a supported
/// protocol (TCP when unset, by defaulting).
fn validate_container_ports(ports: &[Node], path: &str) -> ErrorList {
    let mut errs = ErrorList::new();
    let mut names = BTreeSet::new();
    for (i, port) in ports.iter().enumerate() {
        let at = format!("{path}[{i}]");
        let p = Some(port);
        if let Some(name) = text(p, "name").filter(|n| !n.is_empty()) {
            let msgs = names::is_valid_port_name(name);
            if !msgs.is_empty() {
                for msg in msgs {
                    errs.push(FieldError::invalid(
                        format!("{at}.name"),
                        BadValue::go_string(name),
                        msg,
                    ));
                }
            } else if !names.insert(name) {
                errs.push(FieldError::duplicate(
                    format!("{at}.name"),
                    BadValue::go_string(name),
                ));
            }
        }
        match int(p, "containerPort").unwrap_or(0) {
            0 => errs.push(FieldError::required(format!("{at}.containerPort"), "")),
            n => {
                for msg in names::is_valid_port_num(n) {
                    errs.push(FieldError::invalid(
                        format!("{at}.containerPort"),
                        BadValue::int(n),
                        msg,
                    ));
                }
            }
        }
        if let Some(n) = int(p, "hostPort").filter(|n| *n != 0) {
            for msg in names::is_valid_port_num(n) {
                errs.push(FieldError::invalid(
                    format!("{at}.hostPort"),
                    BadValue::int(n),
                    msg,
                ));
            }
        }
        if let Some(protocol) = text(p, "protocol").filter(|p| !p.is_empty()) {
            if !PORT_PROTOCOLS.contains(&protocol) {
                errs.push(FieldError::not_supported(
                    format!("{at}.protocol"),
                    BadValue::named_string(protocol),
                    &PORT_PROTOCOLS,
                ));
            }
        }
    }
    errs
}

/// `validatePodHostNetworkDeps`: with `hostNetwork`, a `hostPort` must equal its
/// `containerPort` (in a template, 0 is also allowed: the Pod gets it by defaulting).
fn validate_pod_host_network_deps(spec: Option<&Node>, path: &str, is_pod: bool) -> ErrorList {
    let mut errs = ErrorList::new();
    let host_network = spec
        .and_then(|s| s.get("hostNetwork"))
        .and_then(|n| match n.scalar() {
            Some(crate::manifest::yaml::Scalar::Bool(b)) => Some(b),
            _ => None,
        })
        .unwrap_or(false);
    if !host_network {
        return errs;
    }
    for (i, container) in list(spec, "containers").iter().enumerate() {
        for (j, port) in list(Some(container), "ports").iter().enumerate() {
            let container_port = int(Some(port), "containerPort").unwrap_or(0);
            // A Pod's hostPort was defaulted to its containerPort when unset.
            let host_port =
                int(Some(port), "hostPort").unwrap_or(if is_pod { container_port } else { 0 });
            if (is_pod || host_port != 0) && host_port != container_port {
                errs.push(FieldError::invalid(
                    format!("{path}.containers[{i}].ports[{j}].hostPort"),
                    BadValue::int(host_port),
                    "must match `containerPort` when `hostNetwork` is true",
                ));
            }
        }
    }
    errs
}
