//! Services through the API server, in the real order (validation.md §1):
//! decode-time defaults ([`defaults`]), then the registry's `beginCreate` — ClusterIP
//! normalisation, IP families, ClusterIP, NodePort and healthCheckNodePort allocation
//! ([`allocate`]) — then `PrepareForCreate` and validation ([`validate`]), then warnings
//! ([`warnings`]). The order decides which errors a user sees: an allocation error is
//! the only error reported, however many validation errors the object has.
//!
//! An update (a later document for the same Service) follows `beginUpdate`: allocated
//! values the new document leaves empty are kept, then the update-only rules run before
//! all the create rules.

pub mod allocate;
pub mod defaults;
pub mod stored;
pub mod validate;
pub mod warnings;

use super::Warning;
use super::alloc::Allocators;
use super::field::{BadValue, ErrorList, FieldError};
use crate::manifest::RawObject;
use crate::manifest::yaml::Node;
use crate::model::{
    IntOrString, ObjectMeta, Origin, Service, ServicePort, ServiceSpec, ServiceStatus,
};

/// Why a Service was refused, before it is worded as kubectl prints it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// HTTP 422 with these causes.
    Invalid(ErrorList),
    /// HTTP 500 `Internal error occurred: <message>`; `path` is where the editor points.
    Internal { message: String, path: String },
}

/// A Service the API server accepted: the stored object and kubectl's warnings.
#[derive(Clone, Debug)]
pub struct Accepted {
    pub service: Service,
    pub warnings: Vec<Warning>,
}

/// `default/kubernetes`: the first address of the primary range, 443 (`https`) → the API
/// server's 6443.
pub fn kubernetes_service(cluster_ip: &str) -> Service {
    let mut meta = ObjectMeta::new("kubernetes", "default", Origin::Builtin);
    meta.labels.insert("component".into(), "apiserver".into());
    meta.labels.insert("provider".into(), "kubernetes".into());
    let family = if cluster_ip.contains(':') {
        "IPv6"
    } else {
        "IPv4"
    };
    Service {
        meta,
        spec: ServiceSpec {
            type_: Some("ClusterIP".into()),
            cluster_ip: Some(cluster_ip.into()),
            cluster_ips: vec![cluster_ip.into()],
            ip_families: vec![family.into()],
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

/// Drops identical errors, keeping the first (the causes kubectl prints are de-duplicated,
/// and an update runs the load-balancer-class rule twice upstream).
fn dedup(errs: ErrorList) -> ErrorList {
    let mut seen = std::collections::BTreeSet::new();
    errs.into_iter()
        .filter(|e| seen.insert(e.to_string()))
        .collect()
}

/// `defaultOnRead`: an ExternalName Service is read back without internalTrafficPolicy.
fn default_on_read(svc: &mut Service) {
    if svc.spec.type_.as_deref() == Some("ExternalName") {
        svc.spec.internal_traffic_policy = None;
    }
}

/// The store's name check that runs once custom validation passed.
fn path_segment_errors(svc: &Service) -> ErrorList {
    validate::validate_path_segment_name(&svc.meta.name)
        .into_iter()
        .map(|m| FieldError::invalid("metadata.name", BadValue::go_string(&svc.meta.name), m))
        .collect()
}

/// Creates a Service (`POST`): defaults, allocation, validation, warnings. Values taken
/// from the allocators are given back if the Service is refused.
pub fn create(svc: Service, raw: &RawObject, alloc: &mut Allocators) -> Result<Accepted, Refusal> {
    alloc.begin();
    let result = create_steps(svc, raw, alloc);
    match result {
        Ok(_) => alloc.commit(),
        Err(_) => alloc.rollback(),
    }
    result
}

fn create_steps(
    mut svc: Service,
    raw: &RawObject,
    alloc: &mut Allocators,
) -> Result<Accepted, Refusal> {
    defaults::set_defaults(&mut svc);
    allocate::normalize_cluster_ips(&mut svc, None);
    allocate::init_ip_family_fields(&mut svc, None, alloc)?;
    allocate::alloc_cluster_ips(&mut svc, alloc)?;
    allocate::init_node_ports(&mut svc, alloc)?;
    if svc.needs_health_check() {
        allocate::alloc_health_check_node_port(&mut svc, alloc)?;
    }
    // PrepareForCreate: a new Service has an empty status.
    svc.status = ServiceStatus::default();
    let errs = validate::validate_service(&svc, &raw.node());
    if !errs.is_empty() {
        return Err(Refusal::Invalid(dedup(errs)));
    }
    let errs = path_segment_errors(&svc);
    if !errs.is_empty() {
        return Err(Refusal::Invalid(errs));
    }
    let warnings = warnings::warnings_for_service(&svc);
    default_on_read(&mut svc);
    Ok(Accepted {
        service: svc,
        warnings,
    })
}

/// Updates a stored Service with a later document (`kubectl apply` of an existing
/// object). Values the update stops using are released only if it succeeds.
pub fn update(
    svc: Service,
    old: &Service,
    previous: Option<&Node>,
    raw: &RawObject,
    alloc: &mut Allocators,
) -> Result<Accepted, Refusal> {
    alloc.begin();
    let result = update_steps(svc, old, previous, raw, alloc);
    match result {
        Ok((_, ref ips, ref ports)) => {
            alloc.commit();
            for ip in ips
                .iter()
                .filter_map(|s| crate::model::ip::parse_ip_sloppy(s))
            {
                alloc.release_ip(ip);
            }
            for port in ports {
                alloc.release_node_port(*port);
            }
        }
        Err(_) => alloc.rollback(),
    }
    result.map(|(accepted, _, _)| accepted)
}

type Released = (Accepted, Vec<String>, Vec<i64>);

fn update_steps(
    mut svc: Service,
    old: &Service,
    previous: Option<&Node>,
    raw: &RawObject,
    alloc: &mut Allocators,
) -> Result<Released, Refusal> {
    defaults::set_defaults(&mut svc);
    // kubectl's three-way merge keeps a live field unless the previous document wrote it
    // and this one does not.
    let written = |node: Option<&Node>, field: &str| {
        node.and_then(|n| n.get("spec"))
            .and_then(|s| s.get(field))
            .is_some()
    };
    let server_set = |field: &str| !written(Some(&raw.node()), field) && !written(previous, field);
    allocate::patch_allocated_values(
        &mut svc,
        old,
        server_set("ipFamilies"),
        server_set("ipFamilyPolicy"),
    );
    allocate::normalize_cluster_ips(&mut svc, Some(old));
    allocate::init_ip_family_fields(&mut svc, Some(old), alloc)?;
    let released_ips = allocate::update_cluster_ips(&mut svc, old, alloc)?;
    if svc.spec.type_.as_deref() == Some("ExternalName") {
        svc.spec.cluster_ip = None;
        svc.spec.cluster_ips.clear();
    }
    let mut released_ports = allocate::update_node_ports(&mut svc, old, alloc)?;
    let needed = old.needs_health_check();
    let needs = svc.needs_health_check();
    if !needed && needs {
        allocate::alloc_health_check_node_port(&mut svc, alloc)?;
    } else if needed && !needs {
        released_ports.extend(old.spec.health_check_node_port.filter(|p| *p != 0));
        if svc.spec.health_check_node_port == old.spec.health_check_node_port {
            svc.spec.health_check_node_port = None;
        }
    }
    // PrepareForUpdate: the status is the stored one's.
    svc.status = old.status.clone();
    if svc.spec.type_.as_deref() != Some("LoadBalancer") {
        svc.status = ServiceStatus::default();
    }
    let errs = validate::validate_service_update(&svc, old, &raw.node());
    if !errs.is_empty() {
        return Err(Refusal::Invalid(dedup(errs)));
    }
    let warnings = warnings::warnings_for_service(&svc);
    default_on_read(&mut svc);
    Ok((
        Accepted {
            service: svc,
            warnings,
        },
        released_ips,
        released_ports,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest;
    use crate::model::{Object, read_object};

    fn parse(text: &str) -> (RawObject, Service) {
        let m = manifest::parse(text);
        let raw = m.objects[0].clone();
        let Object::Service(svc) = read_object(&raw) else {
            panic!("not a Service")
        };
        (raw, svc)
    }

    fn lines(errs: &ErrorList) -> Vec<String> {
        errs.iter().map(ToString::to_string).collect()
    }

    /// The "Required" rules defaulting makes unreachable through the API still exist, and
    /// fire on an object that skipped defaulting (validation.md §4.2 T1, P5, SA1, SA2,
    /// SA4, C1, L3b, X2, X4, X4b, I1).
    #[test]
    fn rules_only_an_undefaulted_object_reaches() {
        let (raw, mut svc) = parse(
            "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  clusterIP: 10.96.0.50\n  ports: [{port: 80, targetPort: 80}]\n",
        );
        let errs = lines(&validate::validate_service(&svc, &raw.node()));
        assert_eq!(
            errs,
            vec![
                "spec.ports[0].protocol: Required value",
                "spec.sessionAffinity: Required value",
                "spec.clusterIPs: Required value",
                "spec.type: Required value",
            ]
        );
        svc.spec.type_ = Some("LoadBalancer".into());
        svc.spec.cluster_ips = vec!["10.96.0.50".into()];
        svc.spec.ports[0].protocol = Some("TCP".into());
        svc.spec.session_affinity = Some("ClientIP".into());
        let errs = lines(&validate::validate_service(&svc, &raw.node()));
        assert_eq!(
            errs,
            vec![
                "spec.sessionAffinityConfig: Required value: when session affinity type is ClientIP",
                "allocateLoadBalancerNodePorts: Required value",
                "spec.externalTrafficPolicy: Required value",
                "spec.internalTrafficPolicy: Required value",
            ]
        );
        svc.spec.session_affinity = Some("None".into());
        svc.spec.session_affinity_config = true;
        svc.spec.allocate_load_balancer_node_ports = Some(true);
        svc.spec.external_traffic_policy = Some("Local".into());
        svc.spec.internal_traffic_policy = Some("Cluster".into());
        let errs = lines(&validate::validate_service(&svc, &raw.node()));
        assert_eq!(
            errs,
            vec![
                "spec.sessionAffinityConfig: Forbidden: must not be set when session affinity is None",
                "spec.healthCheckNodePort: Required value",
            ]
        );
        svc.spec.session_affinity_config = false;
        svc.spec.health_check_node_port = Some(70000);
        let errs = lines(&validate::validate_service(&svc, &raw.node()));
        assert_eq!(
            errs,
            vec![
                "spec.healthCheckNodePort: Invalid value: 70000: must be between 1 and 65535, inclusive"
            ]
        );
    }

    /// A6b, A7c, A8b: full ranges are internal errors.
    #[test]
    fn full_ranges_are_internal_errors() {
        use crate::model::ip::Cidr;
        let text = "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  type: LoadBalancer\n  externalTrafficPolicy: Local\n  ports: [{port: 80}]\n";
        let (raw, svc) = parse(text);
        let mut alloc = Allocators::with_cidrs(vec![Cidr::parse_sloppy("10.0.0.0/30").unwrap()]);
        alloc.reserve_ip("10.0.0.1".parse().unwrap()).unwrap();
        alloc.reserve_ip("10.0.0.2".parse().unwrap()).unwrap();
        assert_eq!(
            create(svc.clone(), &raw, &mut alloc).unwrap_err(),
            Refusal::Internal {
                message: "failed to allocate a serviceIP: range is full".into(),
                path: "spec.clusterIP".into()
            }
        );
        let mut alloc = Allocators::default();
        for p in 30000..=32767 {
            alloc.reserve_node_port(p).unwrap();
        }
        assert_eq!(
            create(svc.clone(), &raw, &mut alloc).unwrap_err(),
            Refusal::Internal {
                message: "failed to allocate a nodePort: range is full".into(),
                path: "spec.ports[0]".into()
            }
        );
        let mut alloc = Allocators::default();
        for p in 30000..=32766 {
            alloc.reserve_node_port(p).unwrap();
        }
        assert_eq!(
            create(svc, &raw, &mut alloc).unwrap_err(),
            Refusal::Internal {
                message: "failed to allocate a HealthCheck NodePort 0: range is full".into(),
                path: "spec.healthCheckNodePort".into()
            }
        );
        // The refused Service gave its port back.
        assert!(alloc.reserve_node_port(32767).is_ok());
    }
}
