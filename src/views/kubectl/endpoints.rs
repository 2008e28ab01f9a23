//! `kubectl get endpoints`, `kubectl get endpointslices` and the `Endpoints:` line of
//! `kubectl describe service`, as kubectl v1.33+ prints them (`endpoints-legacy.md` §6–§7,
//! `endpointslices.md` §13).
//!
//! Lists come back from the API server sorted by namespace and name, so rows are in that
//! order. `AGE` is [`super::age`]. Every request on `endpoints` carries the API server's
//! v1.33 deprecation warning, which kubectl prints on stderr.

use super::objects_yaml::{ServerFields, endpoint_slice_yaml, endpoints_yaml};
use super::yaml::Yaml;
use super::{Resource, Row, View};
use super::{in_list_order, named};
use crate::model::{EndpointSlice, Endpoints};
use crate::scenario::Analysis;

/// The warning the API server sends with every `v1` Endpoints request since v1.33.
pub const ENDPOINTS_DEPRECATION_WARNING: &str =
    "Warning: v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice\n";

/// How many entries kubectl lists before `+ N more...`.
const MAX_LISTED: usize = 3;

/// Go's `net.JoinHostPort` on the address as stored (brackets when it holds a colon).
fn join_host_port(host: &str, port: i64) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

/// kubectl's list of the first three entries and `+ N more...` (`formatEndpoints`).
fn listed(entries: &[String], total: usize) -> String {
    let mut out = entries
        .iter()
        .take(MAX_LISTED)
        .cloned()
        .collect::<Vec<_>>()
        .join(",");
    if total > MAX_LISTED {
        out.push_str(&format!(" + {} more...", total - MAX_LISTED));
    }
    out
}

/// The ENDPOINTS cell of `kubectl get endpoints`: ready addresses × ports, `<none>` for
/// no subsets, empty when subsets hold no ready address.
pub fn endpoints_cell(endpoints: &Endpoints) -> String {
    if endpoints.subsets.is_empty() {
        return "<none>".into();
    }
    let mut entries = Vec::new();
    let mut total = 0;
    for subset in &endpoints.subsets {
        if subset.ports.is_empty() {
            for a in &subset.addresses {
                total += 1;
                if entries.len() < MAX_LISTED {
                    entries.push(a.ip.clone());
                }
            }
        } else {
            for port in &subset.ports {
                for a in &subset.addresses {
                    total += 1;
                    if entries.len() < MAX_LISTED {
                        entries.push(join_host_port(&a.ip, port.port.unwrap_or_default()));
                    }
                }
            }
        }
    }
    listed(&entries, total)
}

/// The PORTS cell of `kubectl get endpointslices`.
pub fn slice_ports_cell(slice: &EndpointSlice) -> String {
    // `formatDiscoveryPorts`: the number, else the name, else `*`.
    let ports: Vec<String> = slice
        .ports
        .iter()
        .flatten()
        .map(|p| match (p.port, &p.name) {
            (Some(n), _) => n.to_string(),
            (None, Some(name)) => name.clone(),
            (None, None) => "*".to_string(),
        })
        .collect();
    if ports.is_empty() {
        return "<unset>".into();
    }
    listed(&ports, ports.len())
}

/// The ENDPOINTS cell of `kubectl get endpointslices`: every address, ready or not.
pub fn slice_endpoints_cell(slice: &EndpointSlice) -> String {
    let addresses: Vec<String> = slice
        .endpoints
        .iter()
        .flat_map(|e| e.addresses.iter().cloned())
        .collect();
    if addresses.is_empty() {
        return "<unset>".into();
    }
    listed(&addresses, addresses.len())
}

fn endpoints_rows(view: &View, namespace: Option<&str>, _wide: bool) -> Vec<Row> {
    let list: Vec<&Endpoints> = in_list_order(&view.analysis.objects.endpoints, namespace);
    list.into_iter()
        .map(|e| Row {
            namespace: e.meta.namespace.clone(),
            name: e.meta.name.clone(),
            cells: vec![endpoints_cell(e), view.age(&e.meta)],
            wide: Vec::new(),
            labels: e.meta.labels.clone(),
        })
        .collect()
}

fn endpoints_object(view: &View, namespace: &str, name: &str) -> Option<Yaml> {
    named(&view.analysis.objects.endpoints, namespace, name)
        .map(|e| endpoints_yaml(e, ServerFields::Include))
}

/// `v1` Endpoints: every request carries the API server's v1.33 deprecation warning.
pub const ENDPOINTS: Resource = Resource {
    names: &["ep", "endpoint", "endpoints"],
    kind: "Endpoints",
    group: "",
    version: "v1",
    plural: "endpoints",
    namespaced: true,
    header: &["ENDPOINTS", "AGE"],
    wide_header: &[],
    rows: endpoints_rows,
    describe: Some(super::describe::endpoints),
    object: Some(endpoints_object),
    warning: Some(crate::apiserver::ENDPOINTS_DEPRECATED),
    field_labels: &[],
    short_names: &["ep"],
};

fn slice_rows(view: &View, namespace: Option<&str>, _wide: bool) -> Vec<Row> {
    let list: Vec<&EndpointSlice> =
        in_list_order(&view.analysis.objects.endpoint_slices, namespace);
    list.into_iter()
        .map(|s| Row {
            namespace: s.meta.namespace.clone(),
            name: s.meta.name.clone(),
            cells: vec![
                s.address_type.clone(),
                slice_ports_cell(s),
                slice_endpoints_cell(s),
                view.age(&s.meta),
            ],
            wide: Vec::new(),
            labels: s.meta.labels.clone(),
        })
        .collect()
}

fn slice_object(view: &View, namespace: &str, name: &str) -> Option<Yaml> {
    named(&view.analysis.objects.endpoint_slices, namespace, name)
        .map(|s| endpoint_slice_yaml(s, ServerFields::Include))
}

pub const ENDPOINT_SLICES: Resource = Resource {
    names: &["endpointslice", "endpointslices"],
    kind: "EndpointSlice",
    group: "discovery.k8s.io",
    version: "v1",
    plural: "endpointslices",
    namespaced: true,
    header: &["ADDRESSTYPE", "PORTS", "ENDPOINTS", "AGE"],
    wide_header: &[],
    rows: slice_rows,
    describe: Some(super::describe::endpoint_slice),
    object: Some(slice_object),
    warning: None,
    field_labels: &[],
    short_names: &[],
};

/// The EndpointSlices `kubectl describe service` lists for a Service: label
/// `kubernetes.io/service-name=<name>` in its namespace, every manager and family, in API
/// list order (sorted by name).
pub fn service_slices<'a>(
    analysis: &'a Analysis,
    namespace: &str,
    service: &str,
) -> Vec<&'a EndpointSlice> {
    let mut slices: Vec<&EndpointSlice> = analysis
        .objects
        .endpoint_slices
        .iter()
        .filter(|s| s.meta.namespace == namespace && s.service_name() == Some(service))
        .collect();
    crate::sort::sort_by(&mut slices, |a, b| a.meta.name.cmp(&b.meta.name));
    slices
}

/// The value of the `Endpoints:` line `kubectl describe service` prints after one Service
/// port (`formatEndpointSlices`, kubectl ≥ 1.32), for the port named `port_name` (`""` for
/// an unnamed port), from the Service's slices in API list order:
///
/// - no slices: `<none>`;
/// - a slice without ports contributes the first address of each ready endpoint, bare;
/// - a slice with ports contributes `first-address:port` of each ready endpoint for each
///   of its ports with that name (`ready` unset counts as ready);
/// - three entries, then ` + N more...`; the "list is full" flag is set when a fourth
///   endpoint is visited, before its readiness is checked (so `+ 0 more...` can happen);
/// - slices but nothing ready: the empty string.
///
/// This replaces the body of issue 3's `endpoints_line.rs`.
pub fn describe_endpoints_line(slices: &[&EndpointSlice], port_name: &str) -> String {
    if slices.is_empty() {
        return "<none>".into();
    }
    let mut list: Vec<String> = Vec::new();
    let mut count = 0usize;
    let mut more = false;
    let mut visit = |address: String, ready: bool| {
        if count >= MAX_LISTED {
            more = true;
        }
        if !ready {
            return;
        }
        if !more {
            list.push(address);
        }
        count += 1;
    };
    for slice in slices {
        let ports = slice.ports.as_deref().unwrap_or_default();
        if ports.is_empty() {
            for e in &slice.endpoints {
                let ready = e.ready.unwrap_or(true);
                if let Some(first) = e.addresses.first() {
                    visit(first.clone(), ready);
                }
            }
            continue;
        }
        for port in ports {
            if port.name.as_deref().unwrap_or_default() != port_name {
                continue;
            }
            let number = port.port.unwrap_or_default();
            for e in &slice.endpoints {
                let ready = e.ready.unwrap_or(true);
                if let Some(first) = e.addresses.first() {
                    visit(join_host_port(first, number), ready);
                }
            }
        }
    }
    let mut out = list.join(",");
    if more {
        out.push_str(&format!(" + {} more...", count.saturating_sub(MAX_LISTED)));
    }
    out
}
