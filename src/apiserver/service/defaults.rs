//! Decode-time defaulting of Services: `SetDefaults_Service` (defaults.md §1).
//!
//! Runs on the object as written, before admission, allocation and validation. Because
//! it runs first, several "Required value" rules of validation can never fire through the
//! API (type, protocol, sessionAffinity, the traffic policies...), and a missing `port`
//! gives two errors: `targetPort` was defaulted from it.

use crate::model::{IntOrString, Service};

/// `v1.DefaultClientIPServiceAffinitySeconds`: three hours.
pub const DEFAULT_CLIENT_IP_AFFINITY_SECONDS: i64 = 10800;

/// `SetDefaults_Service`, in its order.
pub fn set_defaults(svc: &mut Service) {
    let spec = &mut svc.spec;
    if spec.session_affinity.as_deref().is_none_or(str::is_empty) {
        spec.session_affinity = Some("None".into());
    }
    if spec.session_affinity.as_deref() == Some("None") {
        // A sessionAffinityConfig is silently dropped, so rule SA4 cannot fire (case 13).
        spec.session_affinity_config = false;
        spec.session_affinity_timeout = None;
    } else if spec.session_affinity.as_deref() == Some("ClientIP")
        && spec.session_affinity_timeout.is_none()
    {
        // The whole `{clientIP: {timeoutSeconds: 10800}}` block is (re)built; an explicit
        // 0 is kept and rejected later (case 48).
        spec.session_affinity_config = true;
        spec.session_affinity_timeout = Some(DEFAULT_CLIENT_IP_AFFINITY_SECONDS);
    }
    if spec.type_.as_deref().is_none_or(str::is_empty) {
        spec.type_ = Some("ClusterIP".into());
    }
    for port in &mut spec.ports {
        if port.protocol.as_deref().is_none_or(str::is_empty) {
            port.protocol = Some("TCP".into());
        }
        let unset = match &port.target_port {
            None => true,
            Some(IntOrString::Int(0)) => true,
            Some(IntOrString::Str(s)) => s.is_empty(),
            Some(IntOrString::Int(_)) => false,
        };
        if unset {
            port.target_port = Some(IntOrString::Int(port.port.unwrap_or(0)));
        }
    }
    let type_ = spec.type_.clone().unwrap_or_default();
    if spec
        .external_traffic_policy
        .as_deref()
        .is_none_or(str::is_empty)
        && svc.externally_accessible()
    {
        svc.spec.external_traffic_policy = Some("Cluster".into());
    }
    let spec = &mut svc.spec;
    if spec.internal_traffic_policy.is_none()
        && matches!(type_.as_str(), "NodePort" | "LoadBalancer" | "ClusterIP")
    {
        spec.internal_traffic_policy = Some("Cluster".into());
    }
    if type_ == "LoadBalancer" && spec.allocate_load_balancer_node_ports.is_none() {
        spec.allocate_load_balancer_node_ports = Some(true);
    }
    // `status.loadBalancer.ingress[i].ipMode` defaults to VIP for LoadBalancers; the
    // status is cleared on create anyway, but a stored object read back keeps it.
    if type_ == "LoadBalancer" {
        for ingress in &mut svc.status.load_balancer_ingress {
            if ingress.ip.is_some() && ingress.ip_mode.is_none() {
                ingress.ip_mode = Some("VIP".into());
            }
        }
    }
}
