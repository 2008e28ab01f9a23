//! `ValidateService` and `ValidateServiceUpdate` (validation.md §4, §6), rule by rule
//! and in the upstream order, since the order is the order of the lines kubectl prints.
//!
//! The rule ids of validation.md (M1, S1, P1, C1, ...) are named in the comments so each
//! can be traced to the document.

use crate::apiserver::field::{BadValue, ErrorList, FieldError};
use crate::apiserver::meta::{validate_labels, validate_object_meta};
use crate::apiserver::names::{self, NameRule};
use crate::manifest::yaml::Node;
use crate::model::ip::{IpFamily, parse_ip_sloppy};
use crate::model::{IntOrString, Service, ServicePort};
use crate::quote;
use std::collections::HashSet;

pub const ANNOTATION_TOPOLOGY_MODE: &str = "service.kubernetes.io/topology-mode";
pub const ANNOTATION_TOPOLOGY_AWARE_HINTS: &str = "service.kubernetes.io/topology-aware-hints";
pub const ANNOTATION_LB_SOURCE_RANGES: &str =
    "service.beta.kubernetes.io/load-balancer-source-ranges";
/// `core.MaxClientIPServiceAffinitySeconds`: one day.
pub const MAX_CLIENT_IP_AFFINITY_SECONDS: i64 = 86400;
/// The values of `spec.trafficDistribution` v1.35 accepts (PreferSameTrafficDistribution
/// is GA), in the order the message lists them.
pub const TRAFFIC_DISTRIBUTIONS: [&str; 3] = ["PreferClose", "PreferSameZone", "PreferSameNode"];

fn type_of(svc: &Service) -> &str {
    svc.spec.type_.as_deref().unwrap_or("")
}

/// `isHeadlessService` of the validation package: `clusterIPs == ["None"]`.
pub fn is_headless(svc: &Service) -> bool {
    svc.spec.cluster_ips.len() == 1 && svc.spec.cluster_ips[0] == "None"
}

fn policy_value(svc: &Service) -> BadValue {
    match &svc.spec.ip_family_policy {
        Some(p) => BadValue::named_string(p),
        None => BadValue::Json("null".into()),
    }
}

/// `ValidateServiceCreate` = `ValidateService`.
pub fn validate_service(svc: &Service, node: &Node) -> ErrorList {
    let mut errs = validate_object_meta(&svc.meta, node, true, NameRule::Dns1035Label);
    let spec = &svc.spec;
    let type_ = type_of(svc);
    let headless = is_headless(svc);

    // M9: both topology annotations, with different values.
    let hints = svc.meta.annotations.get(ANNOTATION_TOPOLOGY_AWARE_HINTS);
    let mode = svc.meta.annotations.get(ANNOTATION_TOPOLOGY_MODE);
    if let (Some(hints), Some(mode)) = (hints, mode) {
        if hints != mode {
            errs.push(FieldError::invalid(
                format!("metadata.annotations[{ANNOTATION_TOPOLOGY_MODE}]"),
                BadValue::go_string(mode),
                format!("must match annotations[{ANNOTATION_TOPOLOGY_AWARE_HINTS}] when both are specified"),
            ));
        }
    }

    // S1: ports are required unless headless or ExternalName.
    if spec.ports.is_empty() && !headless && type_ != "ExternalName" {
        errs.push(FieldError::required("spec.ports", ""));
    }
    match type_ {
        // S2, S3.
        "LoadBalancer" | "NodePort" if headless => {
            errs.push(FieldError::invalid(
                "spec.clusterIPs[0]",
                BadValue::go_string(&spec.cluster_ips[0]),
                format!("may not be set to 'None' for {type_} services"),
            ));
        }
        "ExternalName" => {
            // S4, S5, S6: no addresses of any kind (clusterIP was copied to clusterIPs).
            if !spec.cluster_ips.is_empty() {
                errs.push(FieldError::forbidden(
                    "spec.clusterIPs",
                    "may not be set for ExternalName services",
                ));
            }
            if !spec.ip_families.is_empty() {
                errs.push(FieldError::forbidden(
                    "spec.ipFamilies",
                    "may not be set for ExternalName services",
                ));
            }
            if spec.ip_family_policy.is_some() {
                errs.push(FieldError::forbidden(
                    "spec.ipFamilyPolicy",
                    "may not be set for ExternalName services",
                ));
            }
            // S7, S8: one trailing dot is allowed (a fully qualified name).
            let name = spec.external_name.as_deref().unwrap_or("");
            let cname = name.strip_suffix('.').unwrap_or(name);
            if cname.is_empty() {
                errs.push(FieldError::required("spec.externalName", "").at("spec.type"));
            } else {
                for msg in names::is_dns1123_subdomain(cname) {
                    errs.push(FieldError::invalid(
                        "spec.externalName",
                        BadValue::go_string(cname),
                        msg,
                    ));
                }
            }
        }
        _ => {}
    }

    // P1-P7.
    // Sets: a Service may list thousands of ports, and each is checked against the others.
    let mut names_seen: HashSet<&str> = HashSet::new();
    for (i, port) in spec.ports.iter().enumerate() {
        errs.extend(validate_service_port(
            port,
            i,
            spec.ports.len() > 1,
            &mut names_seen,
        ));
    }

    // SEL: the selector follows the label rules.
    if let Some(selector) = &spec.selector {
        errs.extend(validate_labels(selector, "spec.selector"));
    }

    // SA1-SA4.
    let affinity = spec.session_affinity.as_deref().unwrap_or("");
    if affinity.is_empty() {
        errs.push(FieldError::required("spec.sessionAffinity", ""));
    } else if !matches!(affinity, "ClientIP" | "None") {
        errs.push(FieldError::not_supported(
            "spec.sessionAffinity",
            BadValue::named_string(affinity),
            &["ClientIP", "None"],
        ));
    }
    if affinity == "ClientIP" {
        let path = "spec.sessionAffinityConfig";
        let detail = "when session affinity type is ClientIP";
        if !spec.session_affinity_config {
            errs.push(FieldError::required(path, detail));
        } else {
            match spec.session_affinity_timeout {
                None => errs.push(FieldError::required(
                    format!("{path}.clientIP.timeoutSeconds"),
                    detail,
                )),
                Some(t) if t <= 0 || t > MAX_CLIENT_IP_AFFINITY_SECONDS => {
                    errs.push(FieldError::invalid(
                        format!("{path}.clientIP.timeoutSeconds"),
                        BadValue::int(t),
                        format!(
                            "must be greater than 0 and less than {MAX_CLIENT_IP_AFFINITY_SECONDS}"
                        ),
                    ))
                }
                Some(_) => {}
            }
        }
    } else if affinity == "None" && spec.session_affinity_config {
        errs.push(FieldError::forbidden(
            "spec.sessionAffinityConfig",
            "must not be set when session affinity is None",
        ));
    }

    // C1-C10.
    errs.extend(validate_cluster_ips_related_fields(svc));

    // E1, E2.
    for (i, ip) in spec.external_ips.iter().enumerate() {
        let path = format!("spec.externalIPs[{i}]");
        let msgs = names::is_valid_ip(ip);
        let msgs = if msgs.is_empty() {
            names::non_special_ip(ip)
        } else {
            msgs
        };
        for msg in msgs {
            errs.push(FieldError::invalid(
                path.clone(),
                BadValue::go_string(ip),
                msg,
            ));
        }
    }

    // T1, T1b.
    if type_.is_empty() {
        errs.push(FieldError::required("spec.type", ""));
    } else if !matches!(
        type_,
        "ClusterIP" | "NodePort" | "LoadBalancer" | "ExternalName"
    ) {
        errs.push(FieldError::not_supported(
            "spec.type",
            BadValue::named_string(type_),
            &["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"],
        ));
    }

    // T2: no nodePort on a ClusterIP Service.
    if type_ == "ClusterIP" {
        for (i, port) in spec.ports.iter().enumerate() {
            if port.node_port.unwrap_or(0) != 0 {
                errs.push(FieldError::forbidden(
                    format!("spec.ports[{i}].nodePort"),
                    "may not be used when `type` is 'ClusterIP'",
                ));
            }
        }
    }

    // N1: the same (protocol, nodePort) twice.
    let mut node_ports: HashSet<(&str, i64)> = HashSet::new();
    for (i, port) in spec.ports.iter().enumerate() {
        let np = port.node_port.unwrap_or(0);
        if np == 0 {
            continue;
        }
        let key = (port.protocol.as_deref().unwrap_or(""), np);
        if node_ports.contains(&key) {
            errs.push(FieldError::duplicate(
                format!("spec.ports[{i}].nodePort"),
                BadValue::int(np),
            ));
        }
        node_ports.insert(key);
    }

    // N2: the same (protocol, port) twice; the value is the internal key struct as JSON.
    let mut keys: HashSet<(&str, i64)> = HashSet::new();
    for (i, port) in spec.ports.iter().enumerate() {
        let key = (
            port.protocol.as_deref().unwrap_or(""),
            port.port.unwrap_or(0),
        );
        if keys.contains(&key) {
            errs.push(
                FieldError::duplicate(
                    format!("spec.ports[{i}]"),
                    BadValue::Json(format!(
                        "{{\"Name\":\"\",\"Protocol\":{},\"AppProtocol\":null,\"Port\":{},\"TargetPort\":0,\"NodePort\":0}}",
                        quote::json(key.0),
                        key.1
                    )),
                )
                .at(format!("spec.ports[{i}].port")),
            );
        }
        keys.insert(key);
    }

    // L1, L1b, L2, L2b: the field (historical capital-L path), else the annotation.
    if !spec.load_balancer_source_ranges.is_empty() {
        let path = "spec.LoadBalancerSourceRanges";
        if type_ != "LoadBalancer" {
            errs.push(
                FieldError::forbidden(path, "may only be used when `type` is 'LoadBalancer'")
                    .at("spec.loadBalancerSourceRanges"),
            );
        }
        for (i, value) in spec.load_balancer_source_ranges.iter().enumerate() {
            let value = value.trim();
            for msg in names::is_valid_cidr(value) {
                errs.push(
                    FieldError::invalid(format!("{path}[{i}]"), BadValue::go_string(value), msg)
                        .at(format!("spec.loadBalancerSourceRanges[{i}]")),
                );
            }
        }
    } else if let Some(value) = svc.meta.annotations.get(ANNOTATION_LB_SOURCE_RANGES) {
        let path = format!("metadata.annotations[{ANNOTATION_LB_SOURCE_RANGES}]");
        if type_ != "LoadBalancer" {
            errs.push(FieldError::forbidden(
                path.clone(),
                "may only be used when `type` is 'LoadBalancer'",
            ));
        }
        let value = value.trim();
        if !value.is_empty() {
            for cidr in value.split(',') {
                let cidr = cidr.trim();
                for msg in names::is_valid_cidr(cidr) {
                    errs.push(FieldError::invalid(
                        path.clone(),
                        BadValue::go_string(cidr),
                        msg,
                    ));
                }
            }
        }
    }

    // L3, L3b (the path without `spec.` is an upstream quirk).
    if spec.allocate_load_balancer_node_ports.is_some() && type_ != "LoadBalancer" {
        errs.push(FieldError::forbidden(
            "spec.allocateLoadBalancerNodePorts",
            "may only be used when `type` is 'LoadBalancer'",
        ));
    }
    if type_ == "LoadBalancer" && spec.allocate_load_balancer_node_ports.is_none() {
        errs.push(FieldError::required("allocateLoadBalancerNodePorts", "").at("spec"));
    }

    // L4, L4b.
    errs.extend(validate_load_balancer_class(None, svc));
    // X1-X4b.
    errs.extend(validate_external_traffic_policy(svc));
    // I1, I1b.
    errs.extend(validate_internal_traffic_policy(svc));
    // D1.
    if let Some(td) = &spec.traffic_distribution {
        if !TRAFFIC_DISTRIBUTIONS.contains(&td.as_str()) {
            errs.push(FieldError::not_supported(
                "spec.trafficDistribution",
                BadValue::go_string(td),
                &TRAFFIC_DISTRIBUTIONS,
            ));
        }
    }
    errs
}

/// `validateServicePort` (P1-P7).
fn validate_service_port<'a>(
    port: &'a ServicePort,
    i: usize,
    require_name: bool,
    names_seen: &mut HashSet<&'a str>,
) -> ErrorList {
    let mut errs = ErrorList::new();
    let path = format!("spec.ports[{i}]");
    if require_name && port.name.is_empty() {
        errs.push(FieldError::required(format!("{path}.name"), ""));
    } else if !port.name.is_empty() {
        for msg in names::is_dns1123_label(&port.name) {
            errs.push(FieldError::invalid(
                format!("{path}.name"),
                BadValue::go_string(&port.name),
                msg,
            ));
        }
        if names_seen.contains(&port.name.as_str()) {
            errs.push(FieldError::duplicate(
                format!("{path}.name"),
                BadValue::go_string(&port.name),
            ));
        } else {
            names_seen.insert(&port.name);
        }
    }
    let number = port.port.unwrap_or(0);
    for msg in names::is_valid_port_num(number) {
        errs.push(FieldError::invalid(
            format!("{path}.port"),
            BadValue::int(number),
            msg,
        ));
    }
    let protocol = port.protocol.as_deref().unwrap_or("");
    if protocol.is_empty() {
        errs.push(FieldError::required(format!("{path}.protocol"), ""));
    } else if !matches!(protocol, "TCP" | "UDP" | "SCTP") {
        errs.push(FieldError::not_supported(
            format!("{path}.protocol"),
            BadValue::named_string(protocol),
            &["SCTP", "TCP", "UDP"],
        ));
    }
    // P6, P6b: a defaulted targetPort points at the `port` field it came from.
    let target_path = format!("{path}.targetPort");
    match port.target_port.clone().unwrap_or(IntOrString::Int(0)) {
        IntOrString::Int(n) => {
            for msg in names::is_valid_port_num(n) {
                errs.push(FieldError::invalid(
                    target_path.clone(),
                    BadValue::int(n),
                    msg,
                ));
            }
        }
        IntOrString::Str(s) => {
            for msg in names::is_valid_port_name(&s) {
                errs.push(FieldError::invalid(
                    target_path.clone(),
                    BadValue::go_string(&s),
                    msg,
                ));
            }
        }
    }
    if let Some(app) = &port.app_protocol {
        for msg in names::is_qualified_name(app) {
            errs.push(FieldError::invalid(
                format!("{path}.appProtocol"),
                BadValue::go_string(app),
                msg,
            ));
        }
    }
    errs
}

/// `ValidateServiceClusterIPsRelatedFields` (C1-C10): also run by the allocator before
/// anything is allocated, and then its errors are the only ones reported (A0).
pub fn validate_cluster_ips_related_fields(svc: &Service) -> ErrorList {
    let mut errs = ErrorList::new();
    if type_of(svc) == "ExternalName" {
        return errs;
    }
    let spec = &svc.spec;
    let list = || BadValue::string_list(&spec.cluster_ips);
    let cluster_ip = spec.cluster_ip.as_deref().unwrap_or("");
    if !cluster_ip.is_empty() {
        if spec.cluster_ips.is_empty() {
            errs.push(FieldError::required("spec.clusterIPs", ""));
        } else if spec.cluster_ips[0] != cluster_ip {
            errs.push(FieldError::invalid(
                "spec.clusterIPs",
                list(),
                "first value must match `clusterIP`",
            ));
        }
    } else if !spec.cluster_ips.is_empty() {
        errs.push(FieldError::invalid(
            "spec.clusterIPs",
            list(),
            "must be empty when `clusterIP` is not specified",
        ));
    }
    let mut seen: Vec<&str> = Vec::new();
    for (i, family) in spec.ip_families.iter().enumerate() {
        let path = format!("spec.ipFamilies[{i}]");
        if IpFamily::parse(family).is_none() {
            errs.push(FieldError::not_supported(
                path.clone(),
                BadValue::named_string(family),
                &["IPv4", "IPv6"],
            ));
        }
        if seen.contains(&family.as_str()) {
            errs.push(FieldError::duplicate(path, BadValue::named_string(family)));
        }
        seen.push(family);
    }
    if let Some(policy) = &spec.ip_family_policy {
        if !matches!(
            policy.as_str(),
            "SingleStack" | "PreferDualStack" | "RequireDualStack"
        ) {
            errs.push(FieldError::not_supported(
                "spec.ipFamilyPolicy",
                BadValue::named_string(policy),
                &["PreferDualStack", "RequireDualStack", "SingleStack"],
            ));
        }
    }
    let mut invalid_ips = false;
    for (i, ip) in spec.cluster_ips.iter().enumerate() {
        if i == 0 && ip == "None" {
            if spec.cluster_ips.len() > 1 {
                invalid_ips = true;
                errs.push(FieldError::invalid(
                    "spec.clusterIPs",
                    list(),
                    "'None' must be the first and only value",
                ));
            }
            continue;
        }
        let msgs = names::is_valid_ip(ip);
        invalid_ips |= !msgs.is_empty();
        for msg in msgs {
            errs.push(FieldError::invalid(
                format!("spec.clusterIPs[{i}]"),
                BadValue::go_string(ip),
                msg,
            ));
        }
    }
    if spec.cluster_ips.len() > 2 {
        errs.push(FieldError::invalid(
            "spec.clusterIPs",
            list(),
            "may only hold up to 2 values",
        ));
    }
    if invalid_ips {
        return errs;
    }
    if spec.cluster_ips.len() > 1 {
        let families: Vec<Option<IpFamily>> = spec
            .cluster_ips
            .iter()
            .map(|ip| parse_ip_sloppy(ip).map(|a| IpFamily::of(&a)))
            .collect();
        // `IsDualStackIPStrings`: at least one address of each family.
        let dual =
            families.contains(&Some(IpFamily::IPv4)) && families.contains(&Some(IpFamily::IPv6));
        if !dual {
            errs.push(FieldError::invalid(
                "spec.clusterIPs",
                list(),
                "may specify no more than one IP for each IP family",
            ));
        }
    }
    if !is_headless(svc) && !spec.cluster_ips.is_empty() && !spec.ip_families.is_empty() {
        for (i, ip) in spec.cluster_ips.iter().enumerate() {
            let Some(family) = spec.ip_families.get(i) else {
                break;
            };
            let is_v6 = parse_ip_sloppy(ip).is_some_and(|a| IpFamily::of(&a) == IpFamily::IPv6);
            let expected = match family.as_str() {
                "IPv4" if is_v6 => "IPv4",
                "IPv6" if !is_v6 => "IPv6",
                _ => continue,
            };
            errs.push(FieldError::invalid(
                format!("spec.clusterIPs[{i}]"),
                BadValue::go_string(ip),
                format!("expected an {expected} value as indicated by `ipFamilies[{i}]`"),
            ));
        }
    }
    errs
}

/// `validateLoadBalancerClassField` (L4, L4b; U12 on update).
pub fn validate_load_balancer_class(old: Option<&Service>, svc: &Service) -> ErrorList {
    let mut errs = ErrorList::new();
    let path = "spec.loadBalancerClass";
    let class = svc.spec.load_balancer_class.as_deref();
    if let Some(old) = old {
        if type_of(old) == "LoadBalancer"
            && type_of(svc) == "LoadBalancer"
            && old.spec.load_balancer_class.as_deref() != class
        {
            let value = match class {
                Some(c) => BadValue::named_string(c),
                None => BadValue::Json("null".into()),
            };
            errs.push(FieldError::invalid(path, value, "may not change once set"));
        }
    }
    if type_of(svc) == "LoadBalancer" {
        if let Some(class) = class {
            for msg in names::is_qualified_name(class) {
                errs.push(FieldError::invalid(path, BadValue::go_string(class), msg));
            }
        }
    } else if class.is_some() {
        errs.push(FieldError::forbidden(
            path,
            "may only be used when `type` is 'LoadBalancer'",
        ));
    }
    errs
}

/// `validateServiceExternalTrafficPolicy` (X1-X4b).
fn validate_external_traffic_policy(svc: &Service) -> ErrorList {
    let mut errs = ErrorList::new();
    let etp = svc.spec.external_traffic_policy.as_deref().unwrap_or("");
    if !svc.externally_accessible() {
        if !etp.is_empty() {
            errs.push(FieldError::invalid(
                "spec.externalTrafficPolicy",
                BadValue::named_string(etp),
                "may only be set for externally-accessible services",
            ));
        }
    } else if etp.is_empty() {
        errs.push(FieldError::required("spec.externalTrafficPolicy", ""));
    } else if !matches!(etp, "Cluster" | "Local") {
        errs.push(FieldError::not_supported(
            "spec.externalTrafficPolicy",
            BadValue::named_string(etp),
            &["Cluster", "Local"],
        ));
    }
    let hc = svc.spec.health_check_node_port.unwrap_or(0);
    if !svc.needs_health_check() {
        if hc != 0 {
            errs.push(FieldError::invalid(
                "spec.healthCheckNodePort",
                BadValue::int(hc),
                "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'",
            ));
        }
    } else if hc == 0 {
        errs.push(FieldError::required("spec.healthCheckNodePort", ""));
    } else {
        for msg in names::is_valid_port_num(hc) {
            errs.push(FieldError::invalid(
                "spec.healthCheckNodePort",
                BadValue::int(hc),
                msg,
            ));
        }
    }
    errs
}

/// `validateServiceInternalTrafficFieldsValue` (I1, I1b).
fn validate_internal_traffic_policy(svc: &Service) -> ErrorList {
    let mut errs = ErrorList::new();
    match svc.spec.internal_traffic_policy.as_deref() {
        None => {
            if matches!(type_of(svc), "NodePort" | "LoadBalancer" | "ClusterIP") {
                errs.push(FieldError::required("spec.internalTrafficPolicy", ""));
            }
        }
        Some(itp) if !matches!(itp, "Cluster" | "Local") => {
            errs.push(FieldError::not_supported(
                "spec.internalTrafficPolicy",
                BadValue::named_string(itp),
                &["Cluster", "Local"],
            ));
        }
        Some(_) => {}
    }
    errs
}

/// `ValidateServiceUpdate`: the update-only rules (U4-U13), then all of `ValidateService`.
pub fn validate_service_update(svc: &Service, old: &Service, node: &Node) -> ErrorList {
    let mut errs = ErrorList::new();
    errs.extend(validate_upgrade_downgrade_cluster_ips(old, svc));
    errs.extend(validate_upgrade_downgrade_ip_families(old, svc));
    errs.extend(validate_load_balancer_class(Some(old), svc));
    // U13.
    if old.needs_health_check()
        && svc.needs_health_check()
        && old.spec.health_check_node_port != svc.spec.health_check_node_port
    {
        errs.push(FieldError::forbidden(
            "spec.healthCheckNodePort",
            "field is immutable",
        ));
    }
    errs.extend(validate_service(svc, node));
    errs
}

/// `validateUpgradeDowngradeClusterIPs` (U4-U7).
fn validate_upgrade_downgrade_cluster_ips(old: &Service, svc: &Service) -> ErrorList {
    let mut errs = ErrorList::new();
    if type_of(svc) == "ExternalName" || type_of(old) == "ExternalName" {
        return errs;
    }
    if is_headless(old) && is_headless(svc) {
        return errs;
    }
    let (o, n) = (&old.spec.cluster_ips, &svc.spec.cluster_ips);
    let list = || BadValue::string_list(n);
    if o.len() == n.len() {
        for (i, ip) in o.iter().enumerate() {
            if *ip != n[i] {
                errs.push(FieldError::invalid(
                    format!("spec.clusterIPs[{i}]"),
                    list(),
                    "may not change once set",
                ));
            }
        }
    } else if o.len() > n.len() {
        if n.is_empty() {
            errs.push(FieldError::invalid(
                "spec.clusterIPs[0]",
                list(),
                "primary clusterIP can not be unset",
            ));
        }
        if !o.is_empty() && !n.is_empty() && n[0] != o[0] {
            errs.push(FieldError::invalid(
                "spec.clusterIPs[0]",
                list(),
                "may not change once set",
            ));
        }
        if n.len() == 1 && svc.spec.ip_family_policy.as_deref() != Some("SingleStack") {
            errs.push(FieldError::invalid(
                "spec.ipFamilyPolicy",
                policy_value(svc),
                "must be set to 'SingleStack' when releasing the secondary clusterIP",
            ));
        }
    } else if !o.is_empty() && n[0] != o[0] {
        errs.push(FieldError::invalid(
            "spec.clusterIPs[0]",
            list(),
            "may not change once set",
        ));
    }
    errs
}

/// `validateUpgradeDowngradeIPFamilies` (U8-U11). The index is always 0 and, when the
/// list changed length, the value printed is the clusterIPs list: both upstream quirks.
fn validate_upgrade_downgrade_ip_families(old: &Service, svc: &Service) -> ErrorList {
    let mut errs = ErrorList::new();
    if type_of(svc) == "ExternalName" || type_of(old) == "ExternalName" {
        return errs;
    }
    if is_headless(old) != is_headless(svc) || is_headless(svc) {
        return errs;
    }
    let (o, n) = (&old.spec.ip_families, &svc.spec.ip_families);
    let path = "spec.ipFamilies[0]";
    if o.len() == n.len() {
        for (i, f) in o.iter().enumerate() {
            if *f != n[i] {
                errs.push(FieldError::invalid(
                    path,
                    BadValue::string_list(n),
                    "may not change once set",
                ));
            }
        }
    } else if o.len() > n.len() {
        if svc.spec.cluster_ips.is_empty() {
            errs.push(FieldError::invalid(
                path,
                BadValue::string_list(n),
                "primary ipFamily can not be unset",
            ));
        }
        if !n.is_empty() && n[0] != o[0] {
            errs.push(FieldError::invalid(
                path,
                BadValue::string_list(&svc.spec.cluster_ips),
                "may not change once set",
            ));
        }
        if n.len() == 1 && svc.spec.ip_family_policy.as_deref() != Some("SingleStack") {
            errs.push(FieldError::invalid(
                "spec.ipFamilyPolicy",
                policy_value(svc),
                "must be set to 'SingleStack' when releasing the secondary ipFamily",
            ));
        }
    } else if !o.is_empty() && !n.is_empty() && n[0] != o[0] {
        errs.push(FieldError::invalid(
            path,
            BadValue::string_list(&svc.spec.cluster_ips),
            "may not change once set",
        ));
    }
    errs
}

/// `ValidatePathSegmentName`, the store's last name check after custom validation passed.
pub fn validate_path_segment_name(name: &str) -> Vec<String> {
    let mut msgs = Vec::new();
    if name == "." || name == ".." {
        msgs.push(format!("may not be '{name}'"));
        return msgs;
    }
    for illegal in ["/", "%"] {
        if name.contains(illegal) {
            msgs.push(format!("may not contain '{illegal}'"));
        }
    }
    msgs
}
