//! The registry's part of a Service create or update: `normalizeClusterIPs`,
//! `initIPFamilyFields`, ClusterIP allocation, NodePort and healthCheckNodePort
//! allocation (`pkg/registry/core/service/storage/alloc.go`, defaults.md §2).
//!
//! This runs *before* validation, and its first failing group of errors is the only
//! answer the user gets (validation.md §1, §5): a bad `nodePort` hides every other
//! mistake of the object (case 81).

use super::Refusal;
use super::validate::validate_cluster_ips_related_fields;
use crate::apiserver::alloc::{Allocators, IpError, PortError};
use crate::apiserver::field::{BadValue, ErrorList, FieldError};
use crate::model::Service;
use crate::model::ip::{IpFamily, parse_ip_sloppy};

fn type_of(svc: &Service) -> &str {
    svc.spec.type_.as_deref().unwrap_or("")
}

fn policy_value(svc: &Service) -> BadValue {
    match &svc.spec.ip_family_policy {
        Some(p) => BadValue::named_string(p),
        None => BadValue::Json("null".into()),
    }
}

fn family_of(ip: &str) -> Option<IpFamily> {
    parse_ip_sloppy(ip).map(|ip| IpFamily::of(&ip))
}

fn other_family(family: &str) -> &'static str {
    if family == "IPv4" { "IPv6" } else { "IPv4" }
}

/// `normalizeClusterIPs`: a create that sets `clusterIP` but not `clusterIPs` gets
/// `clusterIPs = [clusterIP]`; the reverse is never done (case 44). On update, a client
/// that changed only the singular field has the plural follow it.
pub fn normalize_cluster_ips(svc: &mut Service, old: Option<&Service>) {
    let spec = &mut svc.spec;
    let ip = spec.cluster_ip.clone().unwrap_or_default();
    match old {
        None => {
            if !ip.is_empty() && spec.cluster_ips.is_empty() {
                spec.cluster_ips = vec![ip];
            }
        }
        Some(old) => {
            let old_ip = old.spec.cluster_ip.clone().unwrap_or_default();
            if !old.spec.cluster_ips.is_empty() && !spec.cluster_ips.is_empty() {
                // Only the singular field changed, and the plural is still the old one.
                if ip != old_ip && spec.cluster_ips == old.spec.cluster_ips {
                    spec.cluster_ips[0] = ip;
                }
            } else if !ip.is_empty() && spec.cluster_ips.is_empty() {
                spec.cluster_ips = vec![ip];
            }
        }
    }
}

/// `patchAllocatedValues` (update): allocated values the new object leaves empty are
/// taken from the stored one, so re-applying a manifest without them changes nothing.
/// svcplay applies kubectl's three-way merge here too: a field the server set (never
/// written by the user: `written_families` / `written_policy` false for both documents)
/// survives the patch, and NodePorts follow the entry with the same `port` number, as
/// the merge key `port` makes them.
pub fn patch_allocated_values(
    svc: &mut Service,
    old: &Service,
    server_set_families: bool,
    server_set_policy: bool,
) {
    let needs_ip = |s: &Service| type_of(s) != "ExternalName";
    let needs_node_port = |s: &Service| matches!(type_of(s), "NodePort" | "LoadBalancer");
    if needs_ip(old) && needs_ip(svc) {
        if svc.spec.cluster_ip.as_deref().is_none_or(str::is_empty) {
            svc.spec.cluster_ip = old.spec.cluster_ip.clone();
        }
        if svc.spec.cluster_ips.is_empty() && !old.spec.cluster_ips.is_empty() {
            svc.spec.cluster_ips = old.spec.cluster_ips.clone();
        }
        if server_set_families && svc.spec.ip_families.is_empty() {
            svc.spec.ip_families = old.spec.ip_families.clone();
        }
        if server_set_policy && svc.spec.ip_family_policy.is_none() {
            svc.spec.ip_family_policy = old.spec.ip_family_policy.clone();
        }
    }
    if needs_node_port(old) && needs_node_port(svc) {
        // The merge: same port number, same protocol.
        for port in &mut svc.spec.ports {
            if port.node_port.unwrap_or(0) == 0 {
                if let Some(o) = old
                    .spec
                    .ports
                    .iter()
                    .find(|o| o.port == port.port && o.protocol == port.protocol)
                {
                    port.node_port = o.node_port;
                }
            }
        }
        // `patchAllocatedValues` proper: by port name, unless the value is used.
        let used_old: Vec<i64> = old
            .spec
            .ports
            .iter()
            .filter_map(|p| p.node_port)
            .filter(|p| *p != 0)
            .collect();
        let used_new: Vec<i64> = svc
            .spec
            .ports
            .iter()
            .filter_map(|p| p.node_port)
            .filter(|p| *p != 0)
            .collect();
        for i in 0..svc.spec.ports.len() {
            if svc.spec.ports[i].node_port.unwrap_or(0) != 0 {
                continue;
            }
            let name = svc.spec.ports[i].name.clone();
            if let Some(old_value) = old
                .spec
                .ports
                .iter()
                .rev()
                .find(|p| p.name == name)
                .and_then(|p| p.node_port)
            {
                let used = used_old.contains(&old_value) && used_new.contains(&old_value);
                if !used {
                    svc.spec.ports[i].node_port = Some(old_value);
                }
            }
        }
    }
    if old.needs_health_check()
        && svc.needs_health_check()
        && svc.spec.health_check_node_port.unwrap_or(0) == 0
    {
        svc.spec.health_check_node_port = old.spec.health_check_node_port;
    }
}

fn same_cluster_ips(old: &Service, svc: &Service) -> bool {
    old.spec.cluster_ips == svc.spec.cluster_ips
}

fn same_ip_families(old: &Service, svc: &Service) -> bool {
    old.spec.ip_families == svc.spec.ip_families
}

/// `isMatchingPreferDualStackClusterIPFields`: an unchanged PreferDualStack Service is
/// never upgraded or downgraded behind the user's back.
fn is_matching_prefer_dual_stack(svc: &Service, old: Option<&Service>) -> bool {
    let Some(old) = old else { return false };
    let prefer = |s: &Service| s.spec.ip_family_policy.as_deref() == Some("PreferDualStack");
    type_of(old) == type_of(svc)
        && matches!(type_of(svc), "ClusterIP" | "NodePort" | "LoadBalancer")
        && prefer(svc)
        && prefer(old)
        && same_cluster_ips(old, svc)
        && same_ip_families(old, svc)
}

/// `initIPFamilyFields`: the IP family policy and families, with the pre-allocation
/// checks. Returns the group of errors that stops the create.
pub fn init_ip_family_fields(
    svc: &mut Service,
    old: Option<&Service>,
    alloc: &Allocators,
) -> Result<(), Refusal> {
    if type_of(svc) == "ExternalName" || is_matching_prefer_dual_stack(svc, old) {
        return Ok(());
    }
    let selectorless = svc.spec.selector.as_ref().is_none_or(|s| s.is_empty());
    let headless_ip = svc.spec.cluster_ip.as_deref() == Some("None");
    if svc.spec.ip_family_policy.is_none() {
        svc.spec.ip_family_policy = Some(match old.and_then(|o| o.spec.ip_family_policy.clone()) {
            Some(p) => p,
            None if headless_ip && selectorless => "RequireDualStack".into(),
            None => "SingleStack".into(),
        });
    }
    let errs = validate_cluster_ips_related_fields(svc);
    if !errs.is_empty() {
        return Err(Refusal::Invalid(errs));
    }
    let mut el = ErrorList::new();
    let single = svc.spec.ip_family_policy.as_deref() == Some("SingleStack");
    if let Some(old) = old {
        if single {
            // Single-stack with the fields unchanged is clear intent to release.
            if same_cluster_ips(old, svc) && svc.spec.cluster_ips.len() > 1 {
                svc.spec.cluster_ips.truncate(1);
            }
            if same_ip_families(old, svc) && svc.spec.ip_families.len() > 1 {
                svc.spec.ip_families.truncate(1);
            }
        } else {
            let reduced = |a: usize, b: usize| a > 0 && b < a;
            if reduced(old.spec.cluster_ips.len(), svc.spec.cluster_ips.len()) {
                el.push(FieldError::invalid(
                    "spec.ipFamilyPolicy",
                    policy_value(svc),
                    "must be 'SingleStack' to release the secondary cluster IP",
                ));
            }
            if reduced(old.spec.ip_families.len(), svc.spec.ip_families.len()) {
                el.push(FieldError::invalid(
                    "spec.ipFamilyPolicy",
                    policy_value(svc),
                    "must be 'SingleStack' to release the secondary IP family",
                ));
            }
        }
    }
    if single {
        if svc.spec.cluster_ips.len() == 2 {
            el.push(
                FieldError::invalid(
                    "spec.ipFamilyPolicy",
                    policy_value(svc),
                    "must be 'RequireDualStack' or 'PreferDualStack' when multiple cluster IPs are specified",
                ),
            );
        }
        if svc.spec.ip_families.len() == 2 {
            el.push(
                FieldError::invalid(
                    "spec.ipFamilyPolicy",
                    policy_value(svc),
                    "must be 'RequireDualStack' or 'PreferDualStack' when multiple IP families are specified",
                ),
            );
        }
    }
    let ips = svc.spec.cluster_ips.clone();
    for (i, ip) in ips.iter().enumerate() {
        if ip == "None" {
            break;
        }
        let Some(family) = family_of(ip) else {
            continue;
        };
        if i >= svc.spec.ip_families.len() {
            if alloc.serves(family) {
                svc.spec.ip_families.push(family.as_str().into());
            } else {
                el.push(FieldError::invalid(
                    format!("spec.clusterIPs[{i}]"),
                    BadValue::string_list(&ips),
                    format!("{family} is not configured on this cluster"),
                ));
            }
        }
    }
    if !el.is_empty() {
        return Err(Refusal::Invalid(el));
    }
    if headless_ip && selectorless {
        // Headless and selectorless: any families, even on a single-stack cluster (case 09).
        if svc.spec.ip_families.is_empty() {
            svc.spec.ip_families = vec![alloc.primary_family().as_str().into()];
        }
        if svc.spec.ip_families.len() < 2 && !single {
            let other = other_family(&svc.spec.ip_families[0]);
            svc.spec.ip_families.push(other.into());
        }
        return Ok(());
    }
    if svc.spec.ip_family_policy.as_deref() == Some("RequireDualStack") && !alloc.is_dual_stack() {
        el.push(FieldError::invalid(
            "spec.ipFamilyPolicy",
            policy_value(svc),
            "this cluster is not configured for dual-stack services",
        ));
    }
    for (i, family) in svc.spec.ip_families.iter().enumerate() {
        if !IpFamily::parse(family).is_some_and(|f| alloc.serves(f)) {
            el.push(FieldError::invalid(
                format!("spec.ipFamilies[{i}]"),
                BadValue::named_string(family),
                "not configured on this cluster",
            ));
        }
    }
    if !el.is_empty() {
        return Err(Refusal::Invalid(el));
    }
    if svc.spec.ip_families.is_empty() {
        svc.spec.ip_families = vec![alloc.primary_family().as_str().into()];
    }
    if !single && svc.spec.ip_families.len() == 1 && alloc.is_dual_stack() {
        let other = other_family(&svc.spec.ip_families[0]);
        svc.spec.ip_families.push(other.into());
    }
    Ok(())
}

/// `allocIPs` for the given family indexes: a requested address is reserved, an empty
/// one allocated. The results are written only when every family succeeded, as upstream.
fn alloc_ips(
    svc: &mut Service,
    indexes: &[usize],
    seed: &str,
    alloc: &mut Allocators,
) -> Result<(), Refusal> {
    let mut allocated = Vec::new();
    for &i in indexes {
        let Some(family) = svc.spec.ip_families.get(i).and_then(|f| IpFamily::parse(f)) else {
            continue;
        };
        let requested = svc.spec.cluster_ips.get(i).cloned().unwrap_or_default();
        if requested.is_empty() {
            match alloc.allocate_ip(family, seed) {
                Ok(ip) => allocated.push((i, ip.to_string())),
                Err(e) => {
                    return Err(Refusal::Internal {
                        message: format!("failed to allocate a serviceIP: {e}"),
                        path: "spec.clusterIP".into(),
                    });
                }
            }
        } else {
            let Some(ip) = parse_ip_sloppy(&requested) else {
                return Err(Refusal::Internal {
                    message: format!("failed to parse service IP {requested:?}"),
                    path: format!("spec.clusterIPs[{i}]"),
                });
            };
            if let Err(e) = alloc.reserve_ip(ip) {
                let e: IpError = e;
                return Err(Refusal::Invalid(vec![
                    FieldError::invalid(
                        "spec.clusterIPs",
                        BadValue::string_list(&svc.spec.cluster_ips),
                        format!("failed to allocate IP {requested}: {e}"),
                    )
                    .at(format!("spec.clusterIPs[{i}]")),
                ]));
            }
        }
    }
    for (i, ip) in allocated {
        svc.spec.cluster_ips[i] = ip;
    }
    if let Some(first) = svc.spec.cluster_ips.first() {
        svc.spec.cluster_ip = Some(first.clone());
    }
    Ok(())
}

/// `allocClusterIPs`: one address per family, requested ones reserved, the others
/// allocated; nothing for ExternalName or headless Services.
pub fn alloc_cluster_ips(svc: &mut Service, alloc: &mut Allocators) -> Result<(), Refusal> {
    if type_of(svc) == "ExternalName"
        || svc.spec.cluster_ips.first().map(String::as_str) == Some("None")
    {
        return Ok(());
    }
    let n = svc.spec.ip_families.len();
    while svc.spec.cluster_ips.len() < n {
        svc.spec.cluster_ips.push(String::new());
    }
    let seed = format!("{}/{}", svc.meta.namespace, svc.meta.name);
    let indexes: Vec<usize> = (0..n).collect();
    alloc_ips(svc, &indexes, &seed, alloc)
}

/// `updateClusterIPs`: type changes to and from ExternalName, dual-stack upgrades and
/// downgrades. Returns the addresses to release once the update succeeded.
pub fn update_cluster_ips(
    svc: &mut Service,
    old: &Service,
    alloc: &mut Allocators,
) -> Result<Vec<String>, Refusal> {
    if is_matching_prefer_dual_stack(svc, Some(old)) {
        return Ok(Vec::new());
    }
    if type_of(old) == "ExternalName" && type_of(svc) != "ExternalName" {
        alloc_cluster_ips(svc, alloc)?;
        return Ok(Vec::new());
    }
    if old.spec.cluster_ips.first().map(String::as_str) == Some("None") {
        return Ok(Vec::new());
    }
    if type_of(old) != "ExternalName" && type_of(svc) == "ExternalName" {
        return Ok(old.spec.cluster_ips.clone());
    }
    let upgraded = old.spec.ip_families.len() == 1 && svc.spec.ip_families.len() == 2;
    let downgraded = old.spec.ip_families.len() == 2 && svc.spec.ip_families.len() == 1;
    if upgraded {
        if svc.spec.cluster_ips.len() < 2 {
            svc.spec.cluster_ips.push(String::new());
        }
        let seed = format!("{}/{}", svc.meta.namespace, svc.meta.name);
        alloc_ips(svc, &[1], &seed, alloc)?;
        return Ok(Vec::new());
    }
    if downgraded {
        return Ok(old.spec.cluster_ips.get(1).cloned().into_iter().collect());
    }
    Ok(Vec::new())
}

/// `shouldAllocateNodePorts`.
fn should_allocate_node_ports(svc: &Service) -> bool {
    match type_of(svc) {
        "NodePort" => true,
        "LoadBalancer" => svc.spec.allocate_load_balancer_node_ports != Some(false),
        _ => false,
    }
}

fn node_port_error(i: usize, value: i64, e: PortError) -> Refusal {
    Refusal::Invalid(vec![FieldError::invalid(
        format!("spec.ports[{i}].nodePort"),
        BadValue::int(value),
        e.to_string(),
    )])
}

/// `initNodePorts`: ports in list order; an entry without a nodePort shares the one of an
/// entry with the same `port` number (TCP+UDP pairs), or takes a value requested further
/// down the list for that number, or gets a new one.
pub fn init_node_ports(svc: &mut Service, alloc: &mut Allocators) -> Result<(), Refusal> {
    if !matches!(type_of(svc), "NodePort" | "LoadBalancer") {
        return Ok(());
    }
    let allocate = should_allocate_node_ports(svc);
    let seed = format!("{}/{}", svc.meta.namespace, svc.meta.name);
    let mut by_port: Vec<(i64, i64)> = Vec::new();
    for i in 0..svc.spec.ports.len() {
        let port_number = svc.spec.ports[i].port.unwrap_or(0);
        let node_port = svc.spec.ports[i].node_port.unwrap_or(0);
        if node_port == 0 && !allocate {
            continue;
        }
        let allocated = by_port
            .iter()
            .find(|(p, _)| *p == port_number)
            .map_or(0, |(_, n)| *n);
        if allocated == 0 {
            let requested = svc
                .spec
                .ports
                .iter()
                .find(|p| p.port.unwrap_or(0) == port_number && p.node_port.unwrap_or(0) != 0)
                .and_then(|p| p.node_port)
                .unwrap_or(0);
            if requested != 0 {
                alloc
                    .reserve_node_port(requested)
                    .map_err(|e| node_port_error(i, requested, e))?;
                svc.spec.ports[i].node_port = Some(requested);
                by_port.push((port_number, requested));
            } else {
                let np = alloc
                    .allocate_node_port(&format!("{seed}/{port_number}"))
                    .map_err(|e| Refusal::Internal {
                        message: format!("failed to allocate a nodePort: {e}"),
                        path: format!("spec.ports[{i}]"),
                    })?;
                svc.spec.ports[i].node_port = Some(np);
                by_port.push((port_number, np));
            }
        } else if node_port != allocated {
            if node_port == 0 {
                svc.spec.ports[i].node_port = Some(allocated);
            } else {
                alloc
                    .reserve_node_port(node_port)
                    .map_err(|e| node_port_error(i, node_port, e))?;
            }
        }
    }
    Ok(())
}

/// `updateNodePorts`: requested values not held before are reserved, missing ones
/// allocated; returns the old values to release once the update succeeded.
pub fn update_node_ports(
    svc: &mut Service,
    old: &Service,
    alloc: &mut Allocators,
) -> Result<Vec<i64>, Refusal> {
    let collect = |s: &Service| -> Vec<i64> {
        s.spec
            .ports
            .iter()
            .filter_map(|p| p.node_port)
            .filter(|p| *p != 0)
            .collect()
    };
    let old_ports = if matches!(type_of(old), "NodePort" | "LoadBalancer") {
        collect(old)
    } else {
        Vec::new()
    };
    if !matches!(type_of(svc), "NodePort" | "LoadBalancer") {
        return Ok(old_ports);
    }
    let allocate = should_allocate_node_ports(svc);
    let seed = format!("{}/{}", svc.meta.namespace, svc.meta.name);
    let mut taken_here: Vec<i64> = Vec::new();
    for i in 0..svc.spec.ports.len() {
        let np = svc.spec.ports[i].node_port.unwrap_or(0);
        if np == 0 && !allocate {
            continue;
        }
        if np != 0 {
            if !old_ports.contains(&np) && !taken_here.contains(&np) {
                alloc
                    .reserve_node_port(np)
                    .map_err(|e| node_port_error(i, np, e))?;
                taken_here.push(np);
            }
        } else {
            let port_number = svc.spec.ports[i].port.unwrap_or(0);
            let new = alloc
                .allocate_node_port(&format!("{seed}/{port_number}"))
                .map_err(|e| Refusal::Internal {
                    message: format!("failed to allocate a nodePort: {e}"),
                    path: format!("spec.ports[{i}]"),
                })?;
            svc.spec.ports[i].node_port = Some(new);
        }
    }
    let new_ports = collect(svc);
    Ok(old_ports
        .into_iter()
        .filter(|p| !new_ports.contains(p))
        .collect())
}

/// `allocHealthCheckNodePort`: its failures are internal errors (HTTP 500, case 56).
pub fn alloc_health_check_node_port(
    svc: &mut Service,
    alloc: &mut Allocators,
) -> Result<(), Refusal> {
    let requested = svc.spec.health_check_node_port.unwrap_or(0);
    let path = "spec.healthCheckNodePort".to_string();
    if requested != 0 {
        alloc
            .reserve_node_port(requested)
            .map_err(|e| Refusal::Internal {
                message: format!(
                    "failed to allocate requested HealthCheck NodePort {requested}: {e}"
                ),
                path,
            })
    } else {
        let seed = format!("{}/{}/healthCheck", svc.meta.namespace, svc.meta.name);
        let port = alloc
            .allocate_node_port(&seed)
            .map_err(|e| Refusal::Internal {
                message: format!("failed to allocate a HealthCheck NodePort 0: {e}"),
                path,
            })?;
        svc.spec.health_check_node_port = Some(port);
        Ok(())
    }
}
