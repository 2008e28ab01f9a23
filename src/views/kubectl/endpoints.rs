//! `kubectl get endpoints`, `kubectl get endpointslices` and the `Endpoints:` line of
//! `kubectl describe service`, as kubectl v1.33+ prints them (`endpoints-legacy.md` §6–§7,
//! `endpointslices.md` §13).
//!
//! Lists come back from the API server sorted by namespace and name, so rows are in that
//! order. `AGE` is [`super::age`]. Every request on `endpoints` carries the API server's
//! v1.33 deprecation warning, which kubectl prints on stderr.

use super::objects_yaml::{ServerFields, endpoint_slice_yaml, endpoints_yaml, list_yaml};
use crate::model::{EndpointSlice, Endpoints};
use crate::scenario::Analysis;
use crate::views::CommandOutput;
use crate::views::tabwriter;

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

/// The output format asked for with `-o`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Output {
    Table,
    Wide,
    Yaml,
}

/// Which objects a `get` asks for.
#[derive(Clone, Debug, Default)]
pub struct Query<'a> {
    /// `-n`; `None` means the context's namespace (`default`).
    pub namespace: Option<&'a str>,
    pub all_namespaces: bool,
    /// Names given on the command line (none: all).
    pub names: &'a [String],
}

impl Query<'_> {
    fn namespace(&self) -> &str {
        self.namespace.unwrap_or("default")
    }

    fn wants(&self, namespace: &str) -> bool {
        self.all_namespaces || namespace == self.namespace()
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

fn sorted_by_key<T>(items: Vec<T>, key: impl Fn(&T) -> (String, String)) -> Vec<T> {
    let mut items = items;
    crate::sort::sort_by_key(&mut items, |a| key(a));
    items
}

fn not_found(resource: &str, names: &[String]) -> String {
    names
        .iter()
        .map(|n| format!("Error from server (NotFound): {resource} \"{n}\" not found\n"))
        .collect()
}

fn no_resources(query: &Query) -> String {
    if query.all_namespaces {
        "No resources found\n".into()
    } else {
        format!("No resources found in {} namespace.\n", query.namespace())
    }
}

/// `kubectl get endpoints [NAME...] [-n NS|-A] [-o yaml]`.
pub fn get_endpoints(analysis: &Analysis, query: &Query, output: Output) -> CommandOutput {
    let mut stderr = ENDPOINTS_DEPRECATION_WARNING.to_string();
    let found: Vec<&Endpoints> = analysis
        .objects
        .endpoints
        .iter()
        .filter(|e| query.wants(&e.meta.namespace))
        .filter(|e| query.names.is_empty() || query.names.contains(&e.meta.name))
        .collect();
    let found = sorted_by_key(found, |e| (e.meta.namespace.clone(), e.meta.name.clone()));
    let missing: Vec<String> = query
        .names
        .iter()
        .filter(|n| !found.iter().any(|e| &e.meta.name == *n))
        .cloned()
        .collect();
    let stdout = match output {
        Output::Yaml => {
            let items: Vec<_> = found
                .iter()
                .map(|e| endpoints_yaml(e, ServerFields::Include))
                .collect();
            if query.names.len() == 1 && items.len() == 1 {
                items[0].to_yaml()
            } else if items.is_empty() && !query.names.is_empty() {
                String::new()
            } else {
                list_yaml(items).to_yaml()
            }
        }
        Output::Table | Output::Wide => {
            if found.is_empty() {
                String::new()
            } else {
                let mut text = String::new();
                if query.all_namespaces {
                    text.push_str("NAMESPACE\t");
                }
                text.push_str("NAME\tENDPOINTS\tAGE\n");
                for e in &found {
                    if query.all_namespaces {
                        text.push_str(&e.meta.namespace);
                        text.push('\t');
                    }
                    text.push_str(&format!(
                        "{}\t{}\t{}\n",
                        e.meta.name,
                        endpoints_cell(e),
                        super::age()
                    ));
                }
                tabwriter::format(&text, 6, 3)
            }
        }
    };
    if found.is_empty() && query.names.is_empty() {
        stderr.push_str(&no_resources(query));
    }
    stderr.push_str(&not_found("endpoints", &missing));
    CommandOutput {
        stdout,
        stderr,
        status: if missing.is_empty() { 0 } else { 1 },
    }
}

/// `kubectl get endpointslices [NAME...] [-n NS|-A] [-o yaml]`.
pub fn get_endpoint_slices(analysis: &Analysis, query: &Query, output: Output) -> CommandOutput {
    let found: Vec<&EndpointSlice> = analysis
        .objects
        .endpoint_slices
        .iter()
        .filter(|s| query.wants(&s.meta.namespace))
        .filter(|s| query.names.is_empty() || query.names.contains(&s.meta.name))
        .collect();
    let found = sorted_by_key(found, |s| (s.meta.namespace.clone(), s.meta.name.clone()));
    let missing: Vec<String> = query
        .names
        .iter()
        .filter(|n| !found.iter().any(|s| &s.meta.name == *n))
        .cloned()
        .collect();
    let mut stderr = String::new();
    let stdout = match output {
        Output::Yaml => {
            let items: Vec<_> = found
                .iter()
                .map(|s| endpoint_slice_yaml(s, ServerFields::Include))
                .collect();
            if query.names.len() == 1 && items.len() == 1 {
                items[0].to_yaml()
            } else if items.is_empty() && !query.names.is_empty() {
                String::new()
            } else {
                list_yaml(items).to_yaml()
            }
        }
        Output::Table | Output::Wide => {
            if found.is_empty() {
                String::new()
            } else {
                let mut text = String::new();
                if query.all_namespaces {
                    text.push_str("NAMESPACE\t");
                }
                text.push_str("NAME\tADDRESSTYPE\tPORTS\tENDPOINTS\tAGE\n");
                for s in &found {
                    if query.all_namespaces {
                        text.push_str(&s.meta.namespace);
                        text.push('\t');
                    }
                    text.push_str(&format!(
                        "{}\t{}\t{}\t{}\t{}\n",
                        s.meta.name,
                        s.address_type,
                        slice_ports_cell(s),
                        slice_endpoints_cell(s),
                        super::age()
                    ));
                }
                tabwriter::format(&text, 6, 3)
            }
        }
    };
    if found.is_empty() && query.names.is_empty() {
        stderr.push_str(&no_resources(query));
    }
    stderr.push_str(&not_found("endpointslices.discovery.k8s.io", &missing));
    CommandOutput {
        stdout,
        stderr,
        status: if missing.is_empty() { 0 } else { 1 },
    }
}

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
