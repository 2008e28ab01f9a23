//! `GetWarningsForService` (`pkg/api/service/warnings.go`, v1.35): what kubectl prints as
//! `Warning: ...` when a Service is accepted.
//!
//! v1.35 is the release after the headless-affinity fix (kubernetes#134054: the warning
//! fires only for an affinity other than `None`) and before the `externalIPs` deprecation
//! warning (v1.36), so neither the spurious nor the newer warning is printed.

use super::validate::{ANNOTATION_TOPOLOGY_AWARE_HINTS, ANNOTATION_TOPOLOGY_MODE};
use crate::apiserver::Warning;
use crate::apiserver::names::{warnings_for_cidr, warnings_for_ip};
use crate::model::Service;

pub fn warnings_for_service(svc: &Service) -> Vec<Warning> {
    let mut out = Vec::new();
    let spec = &svc.spec;
    let type_ = spec.type_.as_deref().unwrap_or("");
    if svc
        .meta
        .annotations
        .contains_key(ANNOTATION_TOPOLOGY_AWARE_HINTS)
    {
        out.push(Warning::new(
            format!("annotation {ANNOTATION_TOPOLOGY_AWARE_HINTS} is deprecated, please use {ANNOTATION_TOPOLOGY_MODE} instead"),
            format!("metadata.annotations[{ANNOTATION_TOPOLOGY_AWARE_HINTS}]"),
        ));
    }
    let ip_set = spec
        .cluster_ip
        .as_deref()
        .is_some_and(|ip| !ip.is_empty() && ip != "None");
    if ip_set {
        for (i, ip) in spec.cluster_ips.iter().enumerate() {
            let path = format!("spec.clusterIPs[{i}]");
            for w in warnings_for_ip(&path, ip) {
                out.push(Warning::new(w, path.clone()));
            }
        }
    }
    // The warnings package's own `isHeadlessService`: type ClusterIP and clusterIP None.
    if type_ == "ClusterIP" && spec.cluster_ip.as_deref() == Some("None") {
        if spec
            .load_balancer_ip
            .as_deref()
            .is_some_and(|s| !s.is_empty())
        {
            out.push(Warning::new(
                "spec.loadBalancerIP is ignored for headless services",
                "spec.loadBalancerIP",
            ));
        }
        if !spec.external_ips.is_empty() {
            out.push(Warning::new(
                "spec.externalIPs is ignored for headless services",
                "spec.externalIPs",
            ));
        }
        if spec.session_affinity.as_deref() != Some("None") {
            out.push(Warning::new(
                "spec.SessionAffinity is ignored for headless services",
                "spec.sessionAffinity",
            ));
        }
    }
    for (i, ip) in spec.external_ips.iter().enumerate() {
        let path = format!("spec.externalIPs[{i}]");
        for w in warnings_for_ip(&path, ip) {
            out.push(Warning::new(w, path.clone()));
        }
    }
    if let Some(ip) = spec.load_balancer_ip.as_deref().filter(|s| !s.is_empty()) {
        for w in warnings_for_ip("spec.loadBalancerIP", ip) {
            out.push(Warning::new(w, "spec.loadBalancerIP"));
        }
    }
    for (i, cidr) in spec.load_balancer_source_ranges.iter().enumerate() {
        let path = format!("spec.loadBalancerSourceRanges[{i}]");
        for w in warnings_for_cidr(&path, cidr) {
            out.push(Warning::new(w, path.clone()));
        }
    }
    if type_ == "ExternalName" && !spec.external_ips.is_empty() {
        out.push(Warning::new(
            "spec.externalIPs is ignored when spec.type is \"ExternalName\"",
            "spec.externalIPs",
        ));
    }
    if type_ != "ExternalName" && spec.external_name.as_deref().is_some_and(|s| !s.is_empty()) {
        out.push(Warning::new(
            "spec.externalName is ignored when spec.type is not \"ExternalName\"",
            "spec.externalName",
        ));
    }
    if spec.traffic_distribution.as_deref() == Some("PreferClose") {
        out.push(Warning::new(
            "spec.trafficDistribution: \"PreferClose\" is deprecated; use \"PreferSameZone\"",
            "spec.trafficDistribution",
        ));
    }
    out
}
