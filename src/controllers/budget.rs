//! svcplay's cluster-wide budgets: how much of a scenario it simulates at most, so that a
//! small hostile text (200 Deployments of 5,000 replicas in 56 KB, one Service with 200
//! ports over 5,000 Pods in 10 KB) gives a clear warning and a quick answer instead of
//! minutes of work and gigabytes.
//!
//! - **Pods**: at most [`MAX_PODS`] in the cluster, written ones included. The workload
//!   controllers ([`super::workloads::generate_pods`]) stop creating Pods there, on top of
//!   [`super::workloads::MAX_PODS_PER_WORKLOAD`] per workload.
//! - **kube-proxy's entries** (which also bound its rules): every Service port counts
//!   once, plus once per endpoint behind it and per address it is reachable at besides
//!   its ClusterIP (external IPs, load-balancer ingress IPs, source ranges) — kube-proxy
//!   writes a few rules per entry in every mode. Past [`MAX_PROXY_ENTRIES`], counted in
//!   kube-proxy's order of Services (namespace, name), the remaining Services are left out
//!   of kube-proxy's rules, traces and simulations ([`over_budget`], read by
//!   [`crate::proxy::facts`]). PRODUCT.md's 5,000-Service / 50,000-endpoint dump needs
//!   55,000 entries (~160,000 iptables nat rules) and is well inside.
//!
//! - **Endpoints per Service**: a Service with more than [`MAX_ENDPOINTS_PER_SERVICE`]
//!   endpoints in one IP family is left out the same way.
//!
//! All are learner warnings ([`warnings`]) at the object they cut.

use crate::diag::{Diagnostic, Stage};
use crate::model::{EndpointSlice, Objects, Origin, Service};
use std::collections::HashMap;

/// The most Pods in the simulated cluster (written and generated): ten times a
/// workload's [`super::workloads::MAX_PODS_PER_WORKLOAD`], a third of what Kubernetes
/// supports in one cluster (150,000).
pub const MAX_PODS: usize = 50_000;

/// The most entries kube-proxy's outputs are computed for (see the module doc): about
/// twice PRODUCT.md's 5,000-Service dump.
pub const MAX_PROXY_ENTRIES: usize = 100_000;

/// The most endpoints of one Service (in one IP family) svcplay simulates: Kubernetes'
/// own scalability threshold ("endpoints per Service: 5,000"), and what one workload
/// makes at most. Past it, walking kube-proxy's probability cascade for the simulator's
/// exact shares grows with the square of the endpoints (50,000 took 67 s and 10 GB).
pub const MAX_ENDPOINTS_PER_SERVICE: usize = 5000;

/// What a Service costs kube-proxy, counted from the EndpointSlices that name it,
/// whatever the node (an upper bound of what one node's kube-proxy programs): its
/// entries (see the module doc), and its endpoints in its largest IP family.
fn entries(service: &Service, slices: &Counted) -> (usize, usize) {
    let endpoints = slices.endpoints;
    let largest = slices.ipv4.max(slices.ipv6);
    let addresses = service.spec.external_ips.len()
        + service.status.load_balancer_ingress.len()
        + service.spec.load_balancer_source_ranges.len();
    let cost = service
        .spec
        .ports
        .len()
        .max(1)
        .saturating_mul(1 + endpoints + addresses);
    (cost, largest)
}

/// The endpoints of the EndpointSlices that name one Service: in all, and in each IP
/// family's slices.
#[derive(Clone, Copy, Default)]
struct Counted {
    endpoints: usize,
    ipv4: usize,
    ipv6: usize,
}

impl Counted {
    fn add(&mut self, slice: &EndpointSlice) {
        let n = slice.endpoints.len();
        self.endpoints += n;
        match slice.address_type.as_str() {
            "IPv4" => self.ipv4 += n,
            "IPv6" => self.ipv6 += n,
            _ => {}
        }
    }
}

/// Why a Service is left out of kube-proxy's outputs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OverBudget {
    /// It needs this many entries and the cluster has used up [`MAX_PROXY_ENTRIES`].
    Entries(usize),
    /// It has this many endpoints in one family, over [`MAX_ENDPOINTS_PER_SERVICE`].
    Endpoints(usize),
}

/// The Services kube-proxy's outputs leave out, and why: those with more than
/// [`MAX_ENDPOINTS_PER_SERVICE`] endpoints, and, counting entries in kube-proxy's order of
/// Services (namespace, name), each that does not fit entirely in what is left of
/// [`MAX_PROXY_ENTRIES`].
pub fn over_budget(objects: &Objects) -> Vec<(&Service, OverBudget)> {
    // Counted per Service, not listed (this runs on every edit of a dump).
    let mut slices: HashMap<(&str, &str), Counted, crate::hash::FnvBuild> =
        HashMap::with_capacity_and_hasher(objects.services.len(), Default::default());
    for slice in &objects.endpoint_slices {
        if let Some(name) = slice.service_name() {
            slices
                .entry((slice.meta.namespace.as_str(), name))
                .or_default()
                .add(slice);
        }
    }
    let mut costs: Vec<(&Service, (usize, usize))> = objects
        .services
        .iter()
        .map(|s| {
            let key = (s.meta.namespace.as_str(), s.meta.name.as_str());
            (
                s,
                entries(s, &slices.get(&key).copied().unwrap_or_default()),
            )
        })
        .collect();
    // Every scenario of ordinary size stops here, without sorting.
    if costs.iter().map(|(_, (c, _))| c).sum::<usize>() <= MAX_PROXY_ENTRIES
        && costs
            .iter()
            .all(|(_, (_, e))| *e <= MAX_ENDPOINTS_PER_SERVICE)
    {
        return Vec::new();
    }
    crate::sort::sort_by(&mut costs, |(a, _), (b, _)| {
        (&a.meta.namespace, &a.meta.name).cmp(&(&b.meta.namespace, &b.meta.name))
    });
    let mut left = MAX_PROXY_ENTRIES;
    let mut out = Vec::new();
    for (service, (cost, endpoints)) in costs {
        if endpoints > MAX_ENDPOINTS_PER_SERVICE {
            out.push((service, OverBudget::Endpoints(endpoints)));
        } else if cost <= left {
            left -= cost;
        } else {
            out.push((service, OverBudget::Entries(cost)));
        }
    }
    out
}

/// The warnings for what the budgets cut, with field paths, like [`super::hints`]'s.
pub fn warnings(objects: &Objects) -> Vec<(usize, Diagnostic)> {
    let mut out = Vec::new();
    for (service, why) in over_budget(objects) {
        let Some(id) = service.meta.origin.object() else {
            continue;
        };
        let (path, reason) = match why {
            OverBudget::Entries(cost) => (
                "spec.ports",
                format!(
                    "this Service needs {cost} of kube-proxy's entries (ports × (1 + endpoints + addresses)), past what is left of svcplay's budget of {MAX_PROXY_ENTRIES} for the cluster"
                ),
            ),
            OverBudget::Endpoints(n) => (
                "spec",
                format!(
                    "this Service has {n} endpoints, more than the {MAX_ENDPOINTS_PER_SERVICE} per Service svcplay simulates (Kubernetes' own tested limit)"
                ),
            ),
        };
        out.push((
            id,
            Diagnostic::warning(
                Stage::Hint,
                format!("{reason}: kube-proxy's rules, traces and simulations leave it out"),
            )
            .with_path(path),
        ));
    }
    if objects.pods.len() >= MAX_PODS {
        // Pods made per workload, against what it asked for.
        let mut made: HashMap<usize, usize> = HashMap::new();
        for pod in &objects.pods {
            if let Origin::Generated(id) = pod.meta.origin {
                *made.entry(id).or_default() += 1;
            }
        }
        for workload in &objects.workloads {
            let Origin::Written(id) = workload.meta.origin else {
                continue;
            };
            // A DaemonSet wants a Pod per node (at most; some may not be eligible).
            let wanted = if workload.kind == crate::manifest::Kind::DaemonSet {
                objects.nodes.len().max(1)
            } else {
                usize::try_from(workload.replicas.unwrap_or(1).max(0)).unwrap_or(usize::MAX)
            }
            .min(super::workloads::MAX_PODS_PER_WORKLOAD);
            let got = made.get(&id).copied().unwrap_or(0);
            if got < wanted {
                out.push((
                    id,
                    Diagnostic::warning(
                        Stage::Hint,
                        format!(
                            "svcplay simulates at most {MAX_PODS} Pods in the whole cluster: this workload got {got} of its {wanted}; the rest are not simulated"
                        ),
                    )
                    .with_path("spec.replicas"),
                ));
            }
        }
    }
    out
}
