//! Services through the API server: decode-time defaults, `beginCreate` (IP families,
//! ClusterIP and NodePort allocation), then validation — in that order, because the order
//! decides which errors a user sees (an allocation error hides validation errors).
//!
//! Sources: the service-api reference (`defaults.md`, `validation.md`).

use super::Rejection;
use super::alloc::{Allocators, NODE_PORT_MAX, NODE_PORT_MIN};
use crate::manifest::RawObject;
use crate::model::ip::{IpFamily, parse_ip_sloppy};
use crate::model::{
    IntOrString, ObjectMeta, Objects, Origin, Service, ServicePort, ServiceSpec, ServiceStatus,
};

/// `default/kubernetes`: 10.96.0.1:443 (`https`) → the API server's 6443.
pub fn kubernetes_service() -> Service {
    let mut meta = ObjectMeta::new("kubernetes", "default", Origin::Builtin);
    meta.labels.insert("component".into(), "apiserver".into());
    meta.labels.insert("provider".into(), "kubernetes".into());
    Service {
        meta,
        spec: ServiceSpec {
            type_: Some("ClusterIP".into()),
            cluster_ip: Some("10.96.0.1".into()),
            cluster_ips: vec!["10.96.0.1".into()],
            ip_families: vec!["IPv4".into()],
            ip_family_policy: Some("SingleStack".into()),
            ports: vec![ServicePort {
                name: "https".into(),
                protocol: Some("TCP".into()),
                app_protocol: None,
                port: Some(443),
                target_port: Some(IntOrString::Int(6443)),
                node_port: None,
            }],
            session_affinity: Some("None".into()),
            internal_traffic_policy: Some("Cluster".into()),
            ..ServiceSpec::default()
        },
        status: ServiceStatus::default(),
    }
}

type Errors = Vec<(String, String)>;

fn invalid(errors: Errors) -> (Rejection, Errors) {
    let lines = errors.iter().map(|(p, m)| format!("{p}: {m}")).collect();
    (Rejection::Invalid(lines), errors)
}

/// `SetDefaults_Service`.
pub fn set_defaults(svc: &mut Service) {
    let spec = &mut svc.spec;
    if spec.session_affinity.as_deref().is_none_or(str::is_empty) {
        spec.session_affinity = Some("None".into());
    }
    if spec.session_affinity.as_deref() == Some("None") {
        spec.session_affinity_config = false;
        spec.session_affinity_timeout = None;
    } else if spec.session_affinity.as_deref() == Some("ClientIP")
        && spec.session_affinity_timeout.is_none()
    {
        spec.session_affinity_config = true;
        spec.session_affinity_timeout = Some(10800);
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
            _ => false,
        };
        if unset {
            port.target_port = Some(IntOrString::Int(port.port.unwrap_or(0)));
        }
    }
    let type_ = spec.type_.clone().unwrap_or_default();
    let externally_accessible = type_ == "LoadBalancer"
        || type_ == "NodePort"
        || (type_ == "ClusterIP" && !spec.external_ips.is_empty());
    if spec
        .external_traffic_policy
        .as_deref()
        .is_none_or(str::is_empty)
        && externally_accessible
    {
        spec.external_traffic_policy = Some("Cluster".into());
    }
    if spec.internal_traffic_policy.is_none()
        && matches!(type_.as_str(), "NodePort" | "LoadBalancer" | "ClusterIP")
    {
        spec.internal_traffic_policy = Some("Cluster".into());
    }
    if type_ == "LoadBalancer" && spec.allocate_load_balancer_node_ports.is_none() {
        spec.allocate_load_balancer_node_ports = Some(true);
    }
}

/// Defaults, allocates and validates one Service. On success returns the stored object and
/// kubectl's warnings; on failure the rejection and each error's field path and message.
pub fn admit(
    mut svc: Service,
    raw: &RawObject,
    _store: &Objects,
    alloc: &mut Allocators,
    _exists: bool,
) -> Result<(Service, Vec<String>), (Rejection, Errors)> {
    let _ = raw;
    set_defaults(&mut svc);
    // PrepareForCreate clears the status.
    svc.status = ServiceStatus::default();
    begin_create(&mut svc, alloc)?;
    let errors = validate(&svc);
    if !errors.is_empty() {
        return Err(invalid(errors));
    }
    Ok((svc, Vec::new()))
}

/// `beginCreate`: IP families, ClusterIPs, NodePorts. The first error is the only error.
fn begin_create(svc: &mut Service, alloc: &mut Allocators) -> Result<(), (Rejection, Errors)> {
    let spec = &mut svc.spec;
    let seed = format!("{}/{}", svc.meta.namespace, svc.meta.name);
    let external_name = spec.type_.as_deref() == Some("ExternalName");
    if !external_name {
        if let Some(ip) = spec.cluster_ip.clone().filter(|s| !s.is_empty()) {
            if spec.cluster_ips.is_empty() {
                spec.cluster_ips.push(ip);
            }
        } else if !spec.cluster_ips.is_empty() {
            return Err(invalid(vec![(
                "spec.clusterIPs".into(),
                "Invalid value: ".to_string()
                    + &json_list(&spec.cluster_ips)
                    + ": must be empty when `clusterIP` is not specified",
            )]));
        }
        let headless = spec.cluster_ips.first().map(String::as_str) == Some("None");
        let selectorless = spec.selector.as_ref().is_none_or(|s| s.is_empty());
        if spec.ip_family_policy.is_none() {
            spec.ip_family_policy = Some(
                if headless && selectorless {
                    "RequireDualStack"
                } else {
                    "SingleStack"
                }
                .into(),
            );
        }
        if spec.ip_families.is_empty() {
            for ip in spec.cluster_ips.iter().filter(|s| s.as_str() != "None") {
                if let Some(ip) = parse_ip_sloppy(ip) {
                    spec.ip_families.push(IpFamily::of(&ip).as_str().into());
                }
            }
            if spec.ip_families.is_empty() {
                spec.ip_families
                    .push(alloc.primary_family().as_str().into());
            }
            if headless
                && selectorless
                && spec.ip_family_policy.as_deref() != Some("SingleStack")
                && spec.ip_families.len() < 2
            {
                let other = if spec.ip_families[0] == "IPv4" {
                    "IPv6"
                } else {
                    "IPv4"
                };
                spec.ip_families.push(other.into());
            } else if spec.ip_family_policy.as_deref() != Some("SingleStack")
                && alloc.is_dual_stack()
                && spec.ip_families.len() < 2
            {
                let other = if spec.ip_families[0] == "IPv4" {
                    "IPv6"
                } else {
                    "IPv4"
                };
                spec.ip_families.push(other.into());
            }
        }
        if !headless {
            let families: Vec<IpFamily> = spec
                .ip_families
                .iter()
                .filter_map(|f| IpFamily::parse(f))
                .collect();
            for (i, family) in families.iter().enumerate() {
                match spec.cluster_ips.get(i).cloned() {
                    Some(requested) => {
                        let path = format!("spec.clusterIPs[{i}]");
                        let Some(ip) = parse_ip_sloppy(&requested) else {
                            continue;
                        };
                        if alloc.cidr_containing(&ip).is_none() {
                            return Err(invalid(vec![(
                                path,
                                format!(
                                    "Invalid value: {requested:?}: failed to allocate IP {requested}: the provided network does not match the current range"
                                ),
                            )]));
                        }
                        if !alloc.ips.insert(ip) {
                            return Err(invalid(vec![(
                                path,
                                format!(
                                    "Invalid value: {requested:?}: failed to allocate IP {requested}: provided IP is already allocated"
                                ),
                            )]));
                        }
                    }
                    None => match alloc.allocate_ip(*family, &seed) {
                        Some(ip) => spec.cluster_ips.push(ip.to_string()),
                        None => {
                            return Err((
                                Rejection::Other {
                                    reason: "InternalError".into(),
                                    message: "Internal error occurred: failed to allocate a serviceIP: range is full".into(),
                                },
                                vec![("spec.clusterIP".into(), "failed to allocate a serviceIP: range is full".into())],
                            ));
                        }
                    },
                }
            }
            spec.cluster_ip = spec.cluster_ips.first().cloned();
        }
    }
    let type_ = spec.type_.clone().unwrap_or_default();
    let wants_node_ports = type_ == "NodePort"
        || (type_ == "LoadBalancer" && spec.allocate_load_balancer_node_ports != Some(false));
    if type_ == "NodePort" || type_ == "LoadBalancer" {
        // Requested ports first, then a port without one reuses the nodePort of an
        // earlier (or later) entry with the same port number.
        for (i, port) in spec.ports.iter().enumerate() {
            if let Some(np) = port.node_port.filter(|p| *p != 0) {
                let path = format!("spec.ports[{i}].nodePort");
                if !(NODE_PORT_MIN..=NODE_PORT_MAX).contains(&np) {
                    return Err(invalid(vec![(
                        path,
                        format!(
                            "Invalid value: {np}: provided port is not in the valid range. The range of valid ports is {NODE_PORT_MIN}-{NODE_PORT_MAX}"
                        ),
                    )]));
                }
                let shared = spec.ports[..i]
                    .iter()
                    .any(|p| p.node_port == Some(np) && p.port == port.port);
                if !shared && !alloc.node_ports.insert(np) {
                    return Err(invalid(vec![(
                        path,
                        format!("Invalid value: {np}: provided port is already allocated"),
                    )]));
                }
            }
        }
        if wants_node_ports {
            for i in 0..spec.ports.len() {
                if spec.ports[i].node_port.is_some_and(|p| p != 0) {
                    continue;
                }
                let same = spec
                    .ports
                    .iter()
                    .find(|p| p.port == spec.ports[i].port && p.node_port.is_some_and(|n| n != 0));
                let np = match same {
                    Some(p) => p.node_port,
                    None => alloc.allocate_node_port(&format!("{seed}/{i}")),
                };
                spec.ports[i].node_port = np;
            }
        }
        if type_ == "LoadBalancer" && spec.external_traffic_policy.as_deref() == Some("Local") {
            match spec.health_check_node_port.filter(|p| *p != 0) {
                Some(hc) => {
                    if !alloc.node_ports.insert(hc) {
                        return Err((
                            Rejection::Other {
                                reason: "InternalError".into(),
                                message: format!(
                                    "Internal error occurred: failed to allocate requested HealthCheck NodePort {hc}: provided port is already allocated"
                                ),
                            },
                            vec![(
                                "spec.healthCheckNodePort".into(),
                                "provided port is already allocated".into(),
                            )],
                        ));
                    }
                }
                None => {
                    spec.health_check_node_port =
                        alloc.allocate_node_port(&format!("{seed}/health"))
                }
            }
        }
    }
    Ok(())
}

fn json_list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| format!("{s:?}")).collect();
    format!("[{}]", quoted.join(","))
}

/// Validation (the subset the foundation needs; the API-server issue completes it).
fn validate(svc: &Service) -> Errors {
    let mut errors = Errors::new();
    let spec = &svc.spec;
    let type_ = spec.type_.as_deref().unwrap_or("");
    if !matches!(
        type_,
        "ClusterIP" | "NodePort" | "LoadBalancer" | "ExternalName"
    ) {
        errors.push((
            "spec.type".into(),
            format!("Unsupported value: {type_:?}: supported values: \"ClusterIP\", \"ExternalName\", \"LoadBalancer\", \"NodePort\""),
        ));
    }
    if type_ != "ExternalName"
        && spec.ports.is_empty()
        && spec.cluster_ip.as_deref() != Some("None")
    {
        errors.push(("spec.ports".into(), "Required value".into()));
    }
    for (i, port) in spec.ports.iter().enumerate() {
        match port.port {
            None | Some(0) => {
                errors.push((format!("spec.ports[{i}].port"), "Required value".into()))
            }
            Some(p) if !(1..=65535).contains(&p) => errors.push((
                format!("spec.ports[{i}].port"),
                format!("Invalid value: {p}: must be between 1 and 65535, inclusive"),
            )),
            _ => {}
        }
    }
    errors
}
