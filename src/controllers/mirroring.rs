//! The EndpointSliceMirroring controller: slices for selector-less Services whose
//! Endpoints object the user wrote (`endpointslices.md` §11).
//!
//! For a Service without a selector and an Endpoints object of the same name (without the
//! `endpointslice.kubernetes.io/skip-mirror: "true"` label or a leader-election
//! annotation), one group of slices per subset and address family: `addresses` become
//! endpoints with `ready: true`, `notReadyAddresses` with `ready: false` (only `ready` is
//! set); `hostname`, `nodeName` and `targetRef` are copied; ports are copied. The slices
//! are owned by the Endpoints object, labelled with its labels plus the service-name and
//! the mirroring manager, and carry its annotations except the trigger time and
//! `kubectl.kubernetes.io/last-applied-configuration`. At most 1000 addresses of a
//! subset are mirrored (`--mirroring-max-endpoints-per-subset`), and that is also the
//! size of a mirrored slice.

use super::endpointslice::{
    MANAGED_BY_LABEL, SERVICE_NAME_LABEL, TRIGGER_TIME_ANNOTATION, generate_name_prefix,
    has_selector,
};
use super::workloads::name_suffix;
use crate::model::ip::{IpFamily, parse_ip_sloppy};
use crate::model::{
    Endpoint, EndpointAddress, EndpointSlice, Endpoints, ObjectMeta, Objects, Origin,
    OwnerReference,
};
use crate::sort::CollectBTree;

/// `endpointslice.kubernetes.io/managed-by` of mirrored slices.
pub const MANAGED_BY: &str = "endpointslicemirroring-controller.k8s.io";
/// The label that turns mirroring off for one Endpoints object.
pub const SKIP_MIRROR_LABEL: &str = "endpointslice.kubernetes.io/skip-mirror";
/// The leader-election annotation that also turns it off.
pub const LEADER_ANNOTATION: &str = "control-plane.alpha.kubernetes.io/leader";
/// `--mirroring-max-endpoints-per-subset`.
pub const MAX_ENDPOINTS_PER_SUBSET: usize = 1000;

/// The slices the mirroring controller writes.
pub fn reconcile(objects: &Objects) -> Vec<EndpointSlice> {
    let mut out = Vec::new();
    if objects.endpoints.is_empty() {
        // Nothing to mirror (a dump's Services are indexed only when there is).
        return out;
    }
    let services: std::collections::BTreeMap<(&str, &str), &crate::model::Service> = objects
        .services
        .iter()
        .map(|s| ((s.meta.namespace.as_str(), s.meta.name.as_str()), s))
        .collect_btree();
    let dumped: std::collections::BTreeSet<(&str, &str)> = objects
        .endpoint_slices
        .iter()
        .filter(|s| s.meta.labels.get(MANAGED_BY_LABEL).map(String::as_str) == Some(MANAGED_BY))
        .filter_map(|s| Some((s.meta.namespace.as_str(), s.service_name()?)))
        .collect_btree();
    for endpoints in &objects.endpoints {
        let key = (
            endpoints.meta.namespace.as_str(),
            endpoints.meta.name.as_str(),
        );
        let Some(service) = services.get(&key) else {
            continue;
        };
        if has_selector(service)
            || service.type_or_default() == "ExternalName"
            || endpoints
                .meta
                .labels
                .get(SKIP_MIRROR_LABEL)
                .map(String::as_str)
                == Some("true")
            || endpoints.meta.annotations.contains_key(LEADER_ANNOTATION)
        {
            continue;
        }
        if !dumped.contains(&key) {
            out.extend(mirror(endpoints));
        }
    }
    out
}

fn mirror(endpoints: &Endpoints) -> Vec<EndpointSlice> {
    let mut out = Vec::new();
    for (index, subset) in endpoints.subsets.iter().enumerate() {
        for family in [IpFamily::IPv4, IpFamily::IPv6] {
            let entries = subset
                .addresses
                .iter()
                .map(|a| (a, true))
                .chain(subset.not_ready_addresses.iter().map(|a| (a, false)))
                .take(MAX_ENDPOINTS_PER_SUBSET);
            let list: Vec<Endpoint> = entries
                .filter_map(|(a, ready)| to_endpoint(a, ready, family))
                .collect();
            if list.is_empty() {
                continue;
            }
            let ports = if subset.ports.is_empty() {
                None
            } else {
                Some(subset.ports.clone())
            };
            out.push(slice(endpoints, index, family, ports, list));
        }
    }
    out
}

fn to_endpoint(address: &EndpointAddress, ready: bool, family: IpFamily) -> Option<Endpoint> {
    let ip = parse_ip_sloppy(&address.ip)?;
    if IpFamily::of(&ip) != family {
        return None;
    }
    Some(Endpoint {
        addresses: vec![ip.to_string()].into(),
        ready: Some(ready),
        hostname: address
            .hostname
            .as_deref()
            .filter(|h| !h.is_empty())
            .map(Into::into),
        node_name: address
            .node_name
            .as_deref()
            .filter(|n| !n.is_empty())
            .map(Box::from),
        target_ref: address.target_ref.clone().map(Box::new),
        ..Endpoint::default()
    })
}

fn slice(
    endpoints: &Endpoints,
    subset: usize,
    family: IpFamily,
    ports: Option<Vec<crate::model::EndpointPort>>,
    list: Vec<Endpoint>,
) -> EndpointSlice {
    let prefix = generate_name_prefix(&endpoints.meta.name);
    let seed = format!(
        "mirror/{}/{}/{subset}/{}",
        endpoints.meta.namespace,
        endpoints.meta.name,
        family.as_str()
    );
    let origin = match endpoints.meta.origin {
        Origin::Written(id) | Origin::Generated(id) => Origin::Generated(id),
        Origin::Builtin => Origin::Builtin,
    };
    let mut meta = ObjectMeta::new(
        format!("{prefix}{}", name_suffix(&seed)),
        endpoints.meta.namespace.clone(),
        origin,
    );
    meta.generate_name = Some(prefix);
    meta.labels = endpoints.meta.labels.clone();
    meta.labels
        .insert(SERVICE_NAME_LABEL.into(), endpoints.meta.name.clone());
    meta.labels
        .insert(MANAGED_BY_LABEL.into(), MANAGED_BY.into());
    meta.annotations = endpoints
        .meta
        .annotations
        .iter()
        .filter(|(k, _)| {
            k.as_str() != TRIGGER_TIME_ANNOTATION
                && k.as_str() != "kubectl.kubernetes.io/last-applied-configuration"
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    meta.uid = Some(super::uid::object_uid(
        "EndpointSlice",
        &meta.namespace,
        &meta.name,
    ));
    meta.creation_timestamp = Some(super::SCENARIO_START.into());
    meta.owner_references.push(OwnerReference {
        api_version: "v1".into(),
        kind: "Endpoints".into(),
        name: endpoints.meta.name.clone(),
        uid: endpoints.meta.uid.clone().unwrap_or_else(|| {
            super::uid::object_uid("Endpoints", &endpoints.meta.namespace, &endpoints.meta.name)
        }),
        controller: Some(true),
        block_owner_deletion: Some(true),
    });
    EndpointSlice {
        meta,
        address_type: family.as_str().into(),
        endpoints: list,
        ports,
    }
}
