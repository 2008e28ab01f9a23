//! The `Endpoints:` line of `kubectl describe service`, one per Service port.
//!
//! kubectl v1.31+ builds it from the Service's EndpointSlices (`formatEndpointSlices`,
//! kubectl-output.md §3.2, endpoints-legacy.md §7): the slices labelled
//! `kubernetes.io/service-name=<svc>` in the Service's namespace, in list order; for a
//! slice with ports, each slice port named like the Service port contributes
//! `address:port` for each ready endpoint (a nil `ready` counts as ready); a slice
//! without ports contributes bare addresses. At most three are shown, then
//! ` + N more...`. No slice at all prints `<none>`; slices with nothing ready print an
//! empty value. This file is kept apart so the EndpointSlice work can refine it.

use crate::model::Service;
use crate::model::ip::{join_host_port, parse_ip_sloppy};
use crate::scenario::Analysis;

/// How many endpoints the line lists before ` + N more...`.
const MAX_SHOWN: usize = 3;

/// `formatEndpointSlices(slices, {port_name})` for one port of `service`.
pub fn endpoints_line(analysis: &Analysis, service: &Service, port_name: &str) -> String {
    // The API server lists slices sorted by name.
    let mut slices: Vec<_> = analysis
        .objects
        .endpoint_slices
        .iter()
        .filter(|s| {
            s.meta.namespace == service.meta.namespace
                && s.service_name() == Some(service.meta.name.as_str())
        })
        .collect();
    slices.sort_by(|a, b| a.meta.name.cmp(&b.meta.name));
    if slices.is_empty() {
        return "<none>".into();
    }
    let mut list: Vec<String> = Vec::new();
    let mut more = false;
    let mut count = 0usize;
    let mut visit = |address: &str, port: Option<i64>, ready: bool| {
        // The "list is full" flag is set on visiting a fourth endpoint, before its
        // readiness is checked (so `a,b,c + 0 more...` can happen).
        if list.len() == MAX_SHOWN {
            more = true;
        }
        if !ready {
            return;
        }
        count += 1;
        if !more {
            list.push(match (port, parse_ip_sloppy(address)) {
                (Some(p), Some(ip)) => join_host_port(&ip, p),
                (Some(p), None) => format!("{address}:{p}"),
                (None, _) => address.to_string(),
            });
        }
    };
    for slice in slices {
        let ports = slice.ports.as_deref().unwrap_or(&[]);
        if ports.is_empty() {
            for e in &slice.endpoints {
                if let Some(address) = e.addresses.first() {
                    visit(address, None, e.ready != Some(false));
                }
            }
            continue;
        }
        for port in ports {
            if port.name.as_deref().unwrap_or("") != port_name {
                continue;
            }
            for e in &slice.endpoints {
                if let Some(address) = e.addresses.first() {
                    visit(address, port.port, e.ready != Some(false));
                }
            }
        }
    }
    let joined = list.join(",");
    if more {
        format!("{joined} + {} more...", count.saturating_sub(MAX_SHOWN))
    } else {
        joined
    }
}
