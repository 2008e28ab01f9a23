//! `kubectl get -o yaml` for Endpoints, EndpointSlices and Pods: a small YAML emitter
//! with the style of the `go-yaml` v2 library kubectl prints with, and the trees of
//! those objects.
//!
//! kubectl converts objects to JSON and then to YAML, so map keys come out sorted,
//! sequences under a key are not indented (`ports:` then `- name: http` at the same
//! column), and a string is double-quoted when it would otherwise read back as something
//! else (`""`, `"80"`, `"true"`, a timestamp) or holds characters YAML treats specially.
//!
//! Server-set metadata: svcplay has no `resourceVersion`, `generation` or `managedFields`
//! and prints none. [`ServerFields::Include`] prints `uid` and `creationTimestamp` (the
//! derived UID and [`crate::controllers::SCENARIO_START`]); [`ServerFields::Omit`] leaves
//! out what the server set and keeps only what the scenario wrote — the form of the
//! reference cases' expected files.

use crate::manifest::yaml::{Scalar, Style, resolve};
use crate::model::{
    EndpointAddress, EndpointPort, EndpointSlice, Endpoints, ObjectMeta, ObjectReference, Origin,
};
use std::fmt::Write as _;

/// A JSON-like value, printed as kubectl prints YAML.
#[derive(Clone, Debug, PartialEq)]
pub enum Yaml {
    Null,
    Bool(bool),
    Int(i64),
    Str(String),
    Seq(Vec<Yaml>),
    /// Entries in any order: printed sorted by key.
    Map(Vec<(String, Yaml)>),
}

impl Yaml {
    pub fn str(s: impl Into<String>) -> Yaml {
        Yaml::Str(s.into())
    }

    /// Prints the value as a YAML document (no `---`), ending in a newline.
    pub fn to_yaml(&self) -> String {
        let mut out = String::new();
        match self {
            Yaml::Map(entries) if !entries.is_empty() => write_map(entries, 0, &mut out),
            Yaml::Seq(items) if !items.is_empty() => write_seq(items, 0, &mut out),
            scalar => {
                out.push_str(&scalar_text(scalar));
                out.push('\n');
            }
        }
        out
    }
}

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

fn needs_quotes(s: &str) -> bool {
    if s.is_empty() {
        return true;
    }
    if !matches!(resolve(s, Style::Plain, None), Scalar::Str(_)) {
        return true;
    }
    if looks_like_timestamp(s) {
        return true;
    }
    let first = s.chars().next().unwrap_or(' ');
    if "-?:,[]{}#&*!|>'\"%@`".contains(first)
        && !(first == '-' && s.len() > 1 && !s[1..].starts_with(' '))
    {
        return true;
    }
    if first == ' ' || s.ends_with(' ') || s.ends_with(':') {
        return true;
    }
    s.contains(": ") || s.contains(" #") || s.chars().any(|c| c.is_control() || c == '\u{feff}')
}

/// go-yaml v2 resolves `2025-01-01` and `2025-01-01T00:00:00Z` as timestamps, so kubectl
/// quotes strings of that shape.
fn looks_like_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 8
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && s[5..]
            .split(['-', 'T', 't', ' '])
            .next()
            .is_some_and(|m| !m.is_empty() && m.len() <= 2 && m.bytes().all(|c| c.is_ascii_digit()))
}

fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn scalar_text(value: &Yaml) -> String {
    match value {
        Yaml::Null => "null".into(),
        Yaml::Bool(b) => b.to_string(),
        Yaml::Int(i) => i.to_string(),
        Yaml::Str(s) if needs_quotes(s) => quote(s),
        Yaml::Str(s) => s.clone(),
        Yaml::Seq(_) => "[]".into(),
        Yaml::Map(_) => "{}".into(),
    }
}

fn key_text(key: &str) -> String {
    if needs_quotes(key) {
        quote(key)
    } else {
        key.to_string()
    }
}

fn write_map(entries: &[(String, Yaml)], indent: usize, out: &mut String) {
    let mut sorted: Vec<&(String, Yaml)> = entries.iter().collect();
    crate::sort::sort_by(&mut sorted, |a, b| a.0.cmp(&b.0));
    for (i, (key, value)) in sorted.into_iter().enumerate() {
        if i > 0 || !out.ends_with("- ") {
            out.push_str(&" ".repeat(indent));
        }
        out.push_str(&key_text(key));
        out.push(':');
        match value {
            Yaml::Map(inner) if !inner.is_empty() => {
                out.push('\n');
                write_map(inner, indent + 2, out);
            }
            Yaml::Seq(items) if !items.is_empty() => {
                out.push('\n');
                write_seq(items, indent, out);
            }
            scalar => {
                out.push(' ');
                out.push_str(&scalar_text(scalar));
                out.push('\n');
            }
        }
    }
}

fn write_seq(items: &[Yaml], indent: usize, out: &mut String) {
    for item in items {
        out.push_str(&" ".repeat(indent));
        out.push_str("- ");
        match item {
            Yaml::Map(inner) if !inner.is_empty() => write_map(inner, indent + 2, out),
            Yaml::Seq(inner) if !inner.is_empty() => {
                out.push('\n');
                write_seq(inner, indent + 2, out);
            }
            scalar => {
                out.push_str(&scalar_text(scalar));
                out.push('\n');
            }
        }
    }
}

/// Whether server-set metadata is printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ServerFields {
    Include,
    Omit,
}

fn string_map(map: &std::collections::BTreeMap<String, String>) -> Option<Yaml> {
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
            let hints =
                (!e.hints_for_zones.is_empty() || !e.hints_for_nodes.is_empty()).then(|| {
                    MapBuilder::new()
                        .opt(
                            "forNodes",
                            (!e.hints_for_nodes.is_empty()).then(|| named(&e.hints_for_nodes)),
                        )
                        .opt(
                            "forZones",
                            (!e.hints_for_zones.is_empty()).then(|| named(&e.hints_for_zones)),
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
