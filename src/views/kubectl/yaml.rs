//! `kubectl get -o yaml`: objects as the API server stores them, printed as kubectl prints
//! them.
//!
//! kubectl turns the server's JSON into YAML with sigs.k8s.io/yaml, which hands a generic
//! map to go-yaml v2's emitter. So the output has go-yaml v2's shape: map keys sorted by
//! its "natural" order ([`key_less`]), sequences not indented under their key, `{}` and
//! `[]` for empty collections, and each string in the first style that reads back as the
//! same string — plain, else single-quoted, else double-quoted, multi-line strings as a
//! literal block — with long plain and quoted strings folded after column 80.
//!
//! The printer leaves out what the server adds for its own bookkeeping (uid,
//! resourceVersion, creationTimestamp, managedFields and kubectl's last-applied
//! annotation), exactly as the service-api reference cases do: svcplay has no clock and
//! no etcd, and inventing them would only add noise. The emitter itself is
//! [`crate::manifest::emit`].

use crate::model::{IntOrString, ObjectMeta, Service};
use crate::scenario::Analysis;

pub use crate::manifest::emit::{Yaml, key_less, map, opt_map, opt_str, opt_strings, to_string};

/// `metadata` as the server returns it, minus its bookkeeping fields.
pub fn object_meta(meta: &ObjectMeta) -> Yaml {
    let owners = (!meta.owner_references.is_empty()).then(|| {
        Yaml::Seq(
            meta.owner_references
                .iter()
                .map(|o| {
                    map(vec![
                        ("apiVersion", Some(Yaml::str(o.api_version.clone()))),
                        ("blockOwnerDeletion", o.block_owner_deletion.map(Yaml::Bool)),
                        ("controller", o.controller.map(Yaml::Bool)),
                        ("kind", Some(Yaml::str(o.kind.clone()))),
                        ("name", Some(Yaml::str(o.name.clone()))),
                        ("uid", Some(Yaml::str(o.uid.clone()))),
                    ])
                })
                .collect(),
        )
    });
    map(vec![
        ("annotations", opt_map(&meta.annotations)),
        (
            "deletionTimestamp",
            opt_str(meta.deletion_timestamp.as_deref()),
        ),
        ("generateName", opt_str(meta.generate_name.as_deref())),
        ("labels", opt_map(&meta.labels)),
        ("name", Some(Yaml::str(meta.name.clone()))),
        ("namespace", opt_str(Some(&meta.namespace))),
        ("ownerReferences", owners),
    ])
}

/// A Service as the API server returns it (v1 JSON field names, `omitempty` honoured).
pub fn service(svc: &Service) -> Yaml {
    let spec = &svc.spec;
    let ports = (!spec.ports.is_empty()).then(|| {
        Yaml::Seq(
            spec.ports
                .iter()
                .map(|p| {
                    let target = match &p.target_port {
                        Some(IntOrString::Int(n)) => Yaml::Int(*n),
                        Some(IntOrString::Str(s)) => Yaml::str(s.clone()),
                        None => Yaml::Int(0),
                    };
                    map(vec![
                        ("appProtocol", p.app_protocol.clone().map(Yaml::Str)),
                        ("name", opt_str(Some(&p.name))),
                        ("nodePort", p.node_port.filter(|n| *n != 0).map(Yaml::Int)),
                        ("port", Some(Yaml::Int(p.port.unwrap_or(0)))),
                        ("protocol", opt_str(p.protocol.as_deref())),
                        ("targetPort", Some(target)),
                    ])
                })
                .collect(),
        )
    });
    let affinity_config = spec.session_affinity_config.then(|| {
        map(vec![(
            "clientIP",
            Some(map(vec![(
                "timeoutSeconds",
                spec.session_affinity_timeout.map(Yaml::Int),
            )])),
        )])
    });
    let selector = spec
        .selector
        .as_ref()
        .filter(|s| !s.is_empty())
        .map(Yaml::string_map);
    let ingress = (!svc.status.load_balancer_ingress.is_empty()).then(|| {
        Yaml::Seq(
            svc.status
                .load_balancer_ingress
                .iter()
                .map(|i| {
                    map(vec![
                        ("hostname", opt_str(i.hostname.as_deref())),
                        ("ip", opt_str(i.ip.as_deref())),
                        ("ipMode", i.ip_mode.clone().map(Yaml::Str)),
                    ])
                })
                .collect(),
        )
    });
    map(vec![
        ("apiVersion", Some(Yaml::str("v1"))),
        ("kind", Some(Yaml::str("Service"))),
        ("metadata", Some(object_meta(&svc.meta))),
        (
            "spec",
            Some(map(vec![
                (
                    "allocateLoadBalancerNodePorts",
                    spec.allocate_load_balancer_node_ports.map(Yaml::Bool),
                ),
                ("clusterIP", opt_str(spec.cluster_ip.as_deref())),
                ("clusterIPs", opt_strings(&spec.cluster_ips)),
                ("externalIPs", opt_strings(&spec.external_ips)),
                ("externalName", opt_str(spec.external_name.as_deref())),
                (
                    "externalTrafficPolicy",
                    opt_str(spec.external_traffic_policy.as_deref()),
                ),
                (
                    "healthCheckNodePort",
                    spec.health_check_node_port
                        .filter(|n| *n != 0)
                        .map(Yaml::Int),
                ),
                (
                    "internalTrafficPolicy",
                    spec.internal_traffic_policy.clone().map(Yaml::Str),
                ),
                ("ipFamilies", opt_strings(&spec.ip_families)),
                (
                    "ipFamilyPolicy",
                    spec.ip_family_policy.clone().map(Yaml::Str),
                ),
                (
                    "loadBalancerClass",
                    spec.load_balancer_class.clone().map(Yaml::Str),
                ),
                ("loadBalancerIP", opt_str(spec.load_balancer_ip.as_deref())),
                (
                    "loadBalancerSourceRanges",
                    opt_strings(&spec.load_balancer_source_ranges),
                ),
                ("ports", ports),
                (
                    "publishNotReadyAddresses",
                    spec.publish_not_ready_addresses
                        .filter(|b| *b)
                        .map(Yaml::Bool),
                ),
                ("selector", selector),
                ("sessionAffinity", opt_str(spec.session_affinity.as_deref())),
                ("sessionAffinityConfig", affinity_config),
                (
                    "trafficDistribution",
                    spec.traffic_distribution.clone().map(Yaml::Str),
                ),
                ("type", opt_str(spec.type_.as_deref())),
            ])),
        ),
        (
            "status",
            Some(map(vec![(
                "loadBalancer",
                Some(map(vec![("ingress", ingress)])),
            )])),
        ),
    ])
}

/// `kind: List` around several objects, as `kubectl get -o yaml` prints a list.
pub fn list(items: Vec<Yaml>) -> Yaml {
    map(vec![
        ("apiVersion", Some(Yaml::str("v1"))),
        ("items", Some(Yaml::Seq(items))),
        ("kind", Some(Yaml::str("List"))),
        (
            "metadata",
            Some(map(vec![("resourceVersion", Some(Yaml::str("")))])),
        ),
    ])
}

/// One stored Service of the scenario, as the page shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredYaml {
    /// The written object it came from ([`crate::manifest::RawObject::id`]).
    pub object: usize,
    /// `namespace/name`.
    pub key: String,
    /// What `kubectl get svc NAME -n NS -o yaml` prints for it.
    pub yaml: String,
}

/// The stored (defaulted, allocated) object of every Service the scenario wrote, for the
/// page. Built-in Services are left out; a refused Service has no stored object.
pub fn stored_services(analysis: &Analysis) -> Vec<StoredYaml> {
    analysis
        .objects
        .services
        .iter()
        .filter_map(|svc| {
            Some(StoredYaml {
                object: svc.meta.origin.object()?,
                key: svc.meta.key(),
                yaml: to_string(&service(svc)),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_gets_each_written_service_as_stored() {
        let analysis = crate::scenario::analyze(
            "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  type: ExternalName\n  externalName: db.example.com\n",
            crate::scenario::Options::default(),
        );
        let stored = stored_services(&analysis);
        assert_eq!(stored.len(), 1);
        assert_eq!(stored[0].object, 0);
        assert_eq!(stored[0].key, "default/web");
        assert_eq!(
            stored[0].yaml,
            "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  namespace: default\nspec:\n  externalName: db.example.com\n  sessionAffinity: None\n  type: ExternalName\nstatus:\n  loadBalancer: {}\n"
        );
    }
}
