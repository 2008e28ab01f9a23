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
    // Summed wide: on wasm32 a few saturated costs would wrap a `usize` sum.
    if costs.iter().map(|(_, (c, _))| *c as u128).sum::<u128>() <= MAX_PROXY_ENTRIES as u128
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
    let mut out = service_warnings(objects);
    out.extend(pod_warnings(objects));
    out
}

/// The warnings for the Services kube-proxy's outputs leave out ([`over_budget`]).
pub fn service_warnings(objects: &Objects) -> Vec<(usize, Diagnostic)> {
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
    out
}

/// The warnings for the workloads whose Pods the cluster-wide [`MAX_PODS`] cut.
pub fn pod_warnings(objects: &Objects) -> Vec<(usize, Diagnostic)> {
    let mut out = Vec::new();
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

/// What [`over_budget`] weighs, counted per Service identity (namespace, name) and kept
/// by an analysis, so that after an edit only the Services and EndpointSlices it changed
/// are counted again ([`Tally::remove_service`] and the like) instead of every object:
/// grouping a dump's 5,000 EndpointSlices by Service reads every one of them.
/// [`Tally::within`] says whether every Service fits (then [`over_budget`] is empty);
/// only past the budget is [`over_budget`] run whole, to know which ones it leaves out.
#[derive(Clone, Default)]
pub struct Tally {
    /// By namespace, then name.
    by_service:
        HashMap<String, HashMap<String, Counts, crate::hash::FnvBuild>, crate::hash::FnvBuild>,
    /// The entries every Service needs, summed ([`entries`]).
    entries: u128,
    /// How many Services have more than [`MAX_ENDPOINTS_PER_SERVICE`] endpoints in one
    /// family.
    too_many: usize,
}

/// One identity's Services (their ports and addresses) and the endpoints of the
/// EndpointSlices that name it.
#[derive(Clone, Debug, Default)]
struct Counts {
    slices: usize,
    counted: Counted,
    /// Each Service's `ports.len().max(1)` and addresses (one Service per identity once
    /// admitted; more in a text taken as stored).
    services: Vec<(usize, usize)>,
}

impl Counted {
    /// Takes away a slice added before (saturating: a slice never added leaves the
    /// counts wrong, not the analysis panicking).
    fn remove(&mut self, slice: &EndpointSlice) {
        let n = slice.endpoints.len();
        self.endpoints = self.endpoints.saturating_sub(n);
        match slice.address_type.as_str() {
            "IPv4" => self.ipv4 = self.ipv4.saturating_sub(n),
            "IPv6" => self.ipv6 = self.ipv6.saturating_sub(n),
            _ => {}
        }
    }
}

impl std::fmt::Debug for Counted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}/{}", self.endpoints, self.ipv4, self.ipv6)
    }
}

/// A Service's part of [`entries`] that does not depend on its endpoints.
fn shape(service: &Service) -> (usize, usize) {
    let addresses = service.spec.external_ips.len()
        + service.status.load_balancer_ingress.len()
        + service.spec.load_balancer_source_ranges.len();
    (service.spec.ports.len().max(1), addresses)
}

impl Counts {
    /// What this identity adds to the tally: entries, and Services with too many
    /// endpoints ([`entries`] for each of its Services).
    fn weight(&self) -> (u128, usize) {
        let endpoints = self.counted.endpoints;
        let largest = self.counted.ipv4.max(self.counted.ipv6);
        let cost = (self.services.iter())
            .map(|&(ports, addresses)| ports.saturating_mul(1 + endpoints + addresses) as u128)
            .sum();
        let too_many = if largest > MAX_ENDPOINTS_PER_SERVICE {
            self.services.len()
        } else {
            0
        };
        (cost, too_many)
    }

    fn is_empty(&self) -> bool {
        self.slices == 0 && self.services.is_empty()
    }
}

impl std::fmt::Debug for Tally {
    /// The identities in order (the maps' order depends on their history), so that a
    /// tally kept over edits prints as the one counted afresh.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut identities: Vec<_> = (self.by_service.iter())
            .flat_map(|(namespace, names)| {
                names.iter().map(move |(name, c)| {
                    let mut services = c.services.clone();
                    crate::sort::sort(&mut services);
                    (namespace, name, c.slices, c.counted, services)
                })
            })
            .collect();
        crate::sort::sort_by(&mut identities, |a, b| (a.0, a.1).cmp(&(b.0, b.1)));
        f.debug_struct("Tally")
            .field("entries", &self.entries)
            .field("too_many", &self.too_many)
            .field("by_service", &identities)
            .finish()
    }
}

impl Tally {
    /// The tally of `services` and `slices`.
    pub fn of<'a>(
        services: impl IntoIterator<Item = &'a Service>,
        slices: impl IntoIterator<Item = &'a EndpointSlice>,
    ) -> Tally {
        let mut tally = Tally::default();
        for service in services {
            tally.add_service(service);
        }
        for slice in slices {
            tally.add_slice(slice);
        }
        tally
    }

    /// Whether every Service counted fits in the budgets: [`over_budget`] of objects
    /// holding exactly the Services and EndpointSlices counted is empty.
    pub fn within(&self) -> bool {
        self.entries <= MAX_PROXY_ENTRIES as u128 && self.too_many == 0
    }

    /// Changes one identity's counts, keeping the sums.
    fn change(&mut self, namespace: &str, name: &str, change: impl FnOnce(&mut Counts)) {
        // Looked up by borrowed names: a new identity only is allocated.
        if !self.by_service.contains_key(namespace) {
            self.by_service
                .insert(namespace.to_string(), HashMap::default());
        }
        let names = self.by_service.get_mut(namespace).expect("inserted above");
        if !names.contains_key(name) {
            names.insert(name.to_string(), Counts::default());
        }
        let counts = names.get_mut(name).expect("inserted above");
        let (cost, too_many) = counts.weight();
        change(counts);
        let (new_cost, new_too_many) = counts.weight();
        // What an identity weighed is part of the sums.
        self.entries = self.entries - cost + new_cost;
        self.too_many = self.too_many - too_many + new_too_many;
        if counts.is_empty() {
            names.remove(name);
            if names.is_empty() {
                self.by_service.remove(namespace);
            }
        }
    }

    pub fn add_service(&mut self, service: &Service) {
        let shape = shape(service);
        let meta = &service.meta;
        self.change(&meta.namespace, &meta.name, |c| c.services.push(shape));
    }

    /// Takes away a Service counted before (one with the same identity and shape).
    pub fn remove_service(&mut self, service: &Service) {
        let shape = shape(service);
        let meta = &service.meta;
        self.change(&meta.namespace, &meta.name, |c| {
            if let Some(at) = c.services.iter().position(|s| *s == shape) {
                c.services.swap_remove(at);
            }
        });
    }

    pub fn add_slice(&mut self, slice: &EndpointSlice) {
        if let Some(name) = slice.service_name() {
            self.change(&slice.meta.namespace, name, |c| {
                c.slices += 1;
                c.counted.add(slice);
            });
        }
    }

    /// Takes away an EndpointSlice counted before.
    pub fn remove_slice(&mut self, slice: &EndpointSlice) {
        if let Some(name) = slice.service_name() {
            self.change(&slice.meta.namespace, name, |c| {
                c.slices = c.slices.saturating_sub(1);
                c.counted.remove(slice);
            });
        }
    }

    /// Whether the Services and EndpointSlices of this tally and `other` together fit
    /// in the budgets ([`Tally::within`] of both counted in one), without a copy of this one.
    pub fn within_with(&self, other: &Tally) -> bool {
        let (mut entries, mut too_many) = (self.entries, self.too_many);
        for (namespace, names) in &other.by_service {
            for (name, theirs) in names {
                let mine = self.by_service.get(namespace).and_then(|n| n.get(name));
                let mut both = mine.cloned().unwrap_or_default();
                both.slices += theirs.slices;
                both.counted.endpoints += theirs.counted.endpoints;
                both.counted.ipv4 += theirs.counted.ipv4;
                both.counted.ipv6 += theirs.counted.ipv6;
                both.services.extend_from_slice(&theirs.services);
                let (cost, many) = mine.map(Counts::weight).unwrap_or_default();
                let (new_cost, new_many) = both.weight();
                entries = entries - cost + new_cost;
                too_many = too_many - many + new_many;
            }
        }
        entries <= MAX_PROXY_ENTRIES as u128 && too_many == 0
    }
}
