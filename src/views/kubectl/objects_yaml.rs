//! `kubectl get -o yaml` for Endpoints and EndpointSlices: the trees of those objects,
//! printed through the crate's one go-yaml emitter ([`crate::manifest::emit`]).
//!
//! Server-set metadata: svcplay has no `resourceVersion`, `generation` or `managedFields`
//! and prints none. [`ServerFields::Include`] prints `uid` and `creationTimestamp` (the
//! derived UID and [`crate::controllers::SCENARIO_START`]); [`ServerFields::Omit`] leaves
//! out what the server set and keeps only what the scenario wrote — the form of the
//! reference cases' expected files.

pub use crate::manifest::emit::Yaml;
use crate::model::{
    EndpointAddress, EndpointPort, EndpointSlice, Endpoints, ObjectMeta, ObjectReference, Origin,
};

/// A map builder that skips unset values.
#[derive(Default)]
pub struct MapBuilder(Vec<(String, Yaml)>);

impl MapBuilder {
    pub fn new() -> MapBuilder {
        MapBuilder(Vec::new())
    }
    pub fn set(mut self, key: &str, value: Yaml) -> MapBuilder {
        self.0.push((key.to_string(), value));
        self
    }
    pub fn opt_str(self, key: &str, value: Option<&str>) -> MapBuilder {
        match value {
            Some(v) => self.set(key, Yaml::str(v)),
            None => self,
        }
    }
    pub fn opt(self, key: &str, value: Option<Yaml>) -> MapBuilder {
        match value {
            Some(v) => self.set(key, v),
            None => self,
        }
    }
    pub fn build(self) -> Yaml {
        Yaml::Map(self.0)
    }
}

/// Whether server-set metadata is printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ServerFields {
    Include,
    Omit,
}

fn string_map(map: &crate::model::StringMap) -> Option<Yaml> {
    (!map.is_empty())
        .then(|| Yaml::Map(map.iter().map(|(k, v)| (k.clone(), Yaml::str(v))).collect()))
}

/// `metadata` of an object.
pub fn meta_yaml(meta: &ObjectMeta, server: ServerFields) -> Yaml {
    let written = matches!(meta.origin, Origin::Written(_));
    let show_server = server == ServerFields::Include;
    let owners: Vec<Yaml> = meta
        .owner_references
        .iter()
        .map(|o| {
            MapBuilder::new()
                .set("apiVersion", Yaml::str(&o.api_version))
                .opt("blockOwnerDeletion", o.block_owner_deletion.map(Yaml::Bool))
                .opt("controller", o.controller.map(Yaml::Bool))
                .set("kind", Yaml::str(&o.kind))
                .set("name", Yaml::str(&o.name))
                .set("uid", Yaml::str(&o.uid))
                .build()
        })
        .collect();
    MapBuilder::new()
        .opt("annotations", string_map(&meta.annotations))
        .opt_str(
            "creationTimestamp",
            meta.creation_timestamp
                .as_deref()
                .filter(|_| show_server || written),
        )
        .opt_str("deletionTimestamp", meta.deletion_timestamp.as_deref())
        .opt_str("generateName", meta.generate_name.as_deref())
        .opt("labels", string_map(&meta.labels))
        .set("name", Yaml::str(&meta.name))
        .opt_str(
            "namespace",
            Some(meta.namespace.as_str()).filter(|n| !n.is_empty()),
        )
        .opt(
            "ownerReferences",
            (!owners.is_empty()).then_some(Yaml::Seq(owners)),
        )
        .opt_str(
            "uid",
            meta.uid.as_deref().filter(|_| show_server || written),
        )
        .build()
}

fn object_reference(r: &ObjectReference) -> Yaml {
    MapBuilder::new()
        .opt_str("kind", r.kind.as_deref())
        .opt_str("name", r.name.as_deref())
        .opt_str("namespace", r.namespace.as_deref())
        .opt_str("uid", r.uid.as_deref())
        .build()
}

/// A slice port; `legacy` is a `v1` Endpoints port, whose empty name is omitted
/// (`json:"name,omitempty"` on a plain string, where the slice's is a pointer).
fn port_yaml(p: &EndpointPort, legacy: bool) -> Yaml {
    let name = match (&p.name, legacy) {
        (Some(n), true) if n.is_empty() => None,
        (n, _) => n.as_deref(),
    };
    MapBuilder::new()
        .opt_str("appProtocol", p.app_protocol.as_deref())
        .opt_str("name", name)
        .opt("port", p.port.map(Yaml::Int))
        .opt_str("protocol", p.protocol.as_deref())
        .build()
}

/// An EndpointSlice as `kubectl get -o yaml` prints it.
pub fn endpoint_slice_yaml(slice: &EndpointSlice, server: ServerFields) -> Yaml {
    let endpoints: Vec<Yaml> = slice
        .endpoints
        .iter()
        .map(|e| {
            let conditions = MapBuilder::new()
                .opt("ready", e.ready.map(Yaml::Bool))
                .opt("serving", e.serving.map(Yaml::Bool))
                .opt("terminating", e.terminating.map(Yaml::Bool))
                .build();
            let named = |names: &[String]| -> Yaml {
                Yaml::Seq(
                    names
                        .iter()
                        .map(|n| MapBuilder::new().set("name", Yaml::str(n)).build())
                        .collect(),
                )
            };
            let hints = e.hints.as_ref().map(|h| {
                MapBuilder::new()
                    .opt(
                        "forNodes",
                        (!h.for_nodes.is_empty()).then(|| named(&h.for_nodes)),
                    )
                    .opt(
                        "forZones",
                        (!h.for_zones.is_empty()).then(|| named(&h.for_zones)),
                    )
                    .build()
            });
            MapBuilder::new()
                .set(
                    "addresses",
                    Yaml::Seq(e.addresses.iter().map(Yaml::str).collect()),
                )
                .set("conditions", conditions)
                .opt("hints", hints)
                .opt_str("hostname", e.hostname.as_deref())
                .opt_str("nodeName", e.node_name.as_deref())
                .opt("targetRef", e.target_ref.as_deref().map(object_reference))
                .opt_str("zone", e.zone.as_deref())
                .build()
        })
        .collect();
    let ports = match &slice.ports {
        Some(ports) if !ports.is_empty() => {
            Yaml::Seq(ports.iter().map(|p| port_yaml(p, false)).collect())
        }
        _ => Yaml::Null,
    };
    MapBuilder::new()
        .set("addressType", Yaml::str(&slice.address_type))
        .set("apiVersion", Yaml::str("discovery.k8s.io/v1"))
        .set(
            "endpoints",
            if endpoints.is_empty() {
                Yaml::Null
            } else {
                Yaml::Seq(endpoints)
            },
        )
        .set("kind", Yaml::str("EndpointSlice"))
        .set("metadata", meta_yaml(&slice.meta, server))
        .set("ports", ports)
        .build()
}

fn address_yaml(a: &EndpointAddress) -> Yaml {
    MapBuilder::new()
        .opt_str("hostname", a.hostname.as_deref())
        .set("ip", Yaml::str(&a.ip))
        .opt_str("nodeName", a.node_name.as_deref())
        .opt("targetRef", a.target_ref.as_ref().map(object_reference))
        .build()
}

/// A `v1` Endpoints object as `kubectl get -o yaml` prints it.
pub fn endpoints_yaml(endpoints: &Endpoints, server: ServerFields) -> Yaml {
    let subsets: Vec<Yaml> = endpoints
        .subsets
        .iter()
        .map(|s| {
            let list = |l: &[EndpointAddress]| {
                (!l.is_empty()).then(|| Yaml::Seq(l.iter().map(address_yaml).collect()))
            };
            MapBuilder::new()
                .opt("addresses", list(&s.addresses))
                .opt("notReadyAddresses", list(&s.not_ready_addresses))
                .opt(
                    "ports",
                    (!s.ports.is_empty())
                        .then(|| Yaml::Seq(s.ports.iter().map(|p| port_yaml(p, true)).collect())),
                )
                .build()
        })
        .collect();
    MapBuilder::new()
        .set("apiVersion", Yaml::str("v1"))
        .set("kind", Yaml::str("Endpoints"))
        .set("metadata", meta_yaml(&endpoints.meta, server))
        .opt(
            "subsets",
            (!subsets.is_empty()).then_some(Yaml::Seq(subsets)),
        )
        .build()
}

/// The `kind: List` wrapper `kubectl get -o yaml` prints around a list of objects.
pub fn list_yaml(items: Vec<Yaml>) -> Yaml {
    MapBuilder::new()
        .set("apiVersion", Yaml::str("v1"))
        .set("items", Yaml::Seq(items))
        .set("kind", Yaml::str("List"))
        .set(
            "metadata",
            MapBuilder::new()
                .set("resourceVersion", Yaml::str(""))
                .build(),
        )
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_like_go_yaml() {
        let value = MapBuilder::new()
            .set(
                "b",
                Yaml::Seq(vec![
                    MapBuilder::new()
                        .set("w", Yaml::str(""))
                        .set("x", Yaml::Int(1))
                        .build(),
                    Yaml::str("80"),
                ]),
            )
            .set(
                "a",
                MapBuilder::new()
                    .set("t", Yaml::str("2025-01-01T00:00:00Z"))
                    .build(),
            )
            .set("c", Yaml::Null)
            .set("d", Yaml::str("plain text"))
            .build();
        assert_eq!(
            value.to_yaml(),
            "a:\n  t: \"2025-01-01T00:00:00Z\"\nb:\n- w: \"\"\n  x: 1\n- \"80\"\nc: null\nd: plain text\n"
        );
        assert_eq!(Yaml::str("true").to_yaml(), "\"true\"\n");
        assert_eq!(Yaml::str("10.244.1.2").to_yaml(), "10.244.1.2\n");
        assert_eq!(Yaml::str("fd00::1").to_yaml(), "fd00::1\n");
    }
}
