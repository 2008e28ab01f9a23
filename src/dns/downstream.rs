//! What "what changed" (`crate::changes`) compares of an analysis besides kube-proxy's
//! rules: the endpoints of every Service and the records CoreDNS serves for its names,
//! kept per Service so that after an edit only the Services it touched are measured
//! again ([`Downstream::patched`]).

use super::{Cluster, namespace_names, service_names_of};
use crate::model::Objects;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;

/// What `crate::changes::diff` compares of an analysis besides kube-proxy's rules: the endpoints of
/// every Service and the DNS records CoreDNS serves. The page's worker keeps the one of
/// its last analysis (`Analysis::downstream`), so that after an edit, which consumes
/// that analysis (`Analysis::edit`), what changed is still measured against it
/// (`crate::changes::diff_from`) without a copy of the whole analysis. After an edit it is
/// recomputed only for the Services the edit touched ([`Downstream::patched`]); the
/// rest is shared with the one before.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Downstream {
    /// `namespace/name` → `ip` → ready.
    pub(crate) endpoints: BTreeMap<Arc<str>, Arc<BTreeMap<String, bool>>>,
    /// `name TYPE data` → how many Services' names answer it.
    pub(crate) dns: BTreeMap<Arc<str>, u32>,
    /// Per Service name (ASCII case folded `namespace/name`, as CoreDNS looks names up),
    /// the records its names answer with.
    dns_of: HashMap<Arc<str>, Arc<[Arc<str>]>>,
    /// The namespaces CoreDNS knows ([`namespace_names`]).
    namespaces: Arc<BTreeSet<String>>,
    /// Whether each Service's records depend on its own name only: no ExternalName
    /// (whose CNAME may lead to another Service), no name a label-wise lookup would read
    /// otherwise (a dot, a wildcard).
    local: bool,
}

impl Downstream {
    /// The endpoints and DNS records of `objects`.
    pub fn of(objects: &Objects) -> Downstream {
        let cluster = Cluster::new(objects);
        let mut out = Downstream {
            endpoints: BTreeMap::new(),
            dns: BTreeMap::new(),
            dns_of: HashMap::new(),
            namespaces: Arc::new(namespace_set(objects)),
            local: local_names(objects),
        };
        for (key, endpoints) in service_endpoints(objects, |_, _| true) {
            out.endpoints.insert(key.into(), Arc::new(endpoints));
        }
        out.add_records(&cluster, objects.services.iter());
        out
    }

    /// [`Downstream::of`] `objects`, from `before`, the one of the analysis an edit
    /// started from, and `touched`, the Services (`namespace`, `name`) whose Service or
    /// EndpointSlices the edit (or the edits since `before`) did not carry over: only
    /// theirs is recomputed. `None` when the edit reaches further (the namespaces
    /// changed, or a Service's records may depend on another's).
    pub fn patched(
        before: &Downstream,
        objects: &Objects,
        touched: &HashSet<(String, String)>,
    ) -> Option<Downstream> {
        if !before.local || !local_names(objects) {
            return None;
        }
        let namespaces = namespace_names(objects);
        if !namespaces.iter().eq(before.namespaces.iter()) {
            return None;
        }
        // A `/` in a name would make two Services' endpoint keys one.
        if touched
            .iter()
            .any(|(n, s)| n.contains('/') || s.contains('/'))
        {
            return None;
        }
        let folded: HashSet<(String, String)> = touched
            .iter()
            .map(|(n, s)| (n.to_ascii_lowercase(), s.to_ascii_lowercase()))
            .collect();
        let mut out = before.clone();
        // The endpoints, by the exact name the slices carry.
        for (namespace, name) in touched {
            out.endpoints.remove(format!("{namespace}/{name}").as_str());
        }
        let recomputed = service_endpoints(objects, |namespace, name| {
            touched.contains(&(namespace.to_string(), name.to_string()))
        });
        for (key, endpoints) in recomputed {
            out.endpoints.insert(key.into(), Arc::new(endpoints));
        }
        // The records, by the folded name CoreDNS looks up.
        for (namespace, name) in &folded {
            let Some(records) = out.dns_of.remove(dns_key(namespace, name).as_str()) else {
                continue;
            };
            for r in records.iter() {
                if let Some(count) = out.dns.get_mut(r) {
                    *count -= 1;
                    if *count == 0 {
                        out.dns.remove(r);
                    }
                }
            }
        }
        let keep = |namespace: &str, name: &str| {
            folded.contains(&(namespace.to_string(), name.to_string()))
        };
        let cluster = Cluster::indexing(objects, keep);
        out.add_records(
            &cluster,
            objects.services.iter().filter(|s| {
                keep(
                    &s.meta.namespace.to_ascii_lowercase(),
                    &s.meta.name.to_ascii_lowercase(),
                )
            }),
        );
        Some(out)
    }

    /// Adds the records of `services`' names.
    fn add_records<'a>(
        &mut self,
        cluster: &Cluster,
        services: impl Iterator<Item = &'a crate::model::Service>,
    ) {
        let mut of: HashMap<String, Vec<Arc<str>>> = HashMap::new();
        for service in services {
            let key = dns_key(
                &service.meta.namespace.to_ascii_lowercase(),
                &service.meta.name.to_ascii_lowercase(),
            );
            let records = of.entry(key).or_default();
            for r in service_names_of(cluster, service)
                .iter()
                .flat_map(|r| r.answer.iter())
            {
                let text = format!("{} {} {}", r.name, r.record_type(), r.rdata_text());
                let text: Arc<str> = match self.dns.get_key_value(text.as_str()) {
                    Some((k, _)) => k.clone(),
                    None => text.into(),
                };
                *self.dns.entry(text.clone()).or_default() += 1;
                records.push(text);
            }
        }
        for (key, records) in of {
            self.dns_of.insert(key.into(), records.into());
        }
    }
}

/// The key of a Service's records: its folded namespace and name.
fn dns_key(namespace: &str, name: &str) -> String {
    format!("{namespace}/{name}")
}

/// The namespaces CoreDNS knows, owned.
fn namespace_set(objects: &Objects) -> BTreeSet<String> {
    namespace_names(objects)
        .into_iter()
        .map(str::to_string)
        .collect()
}

/// Whether every Service's records depend on its own name only (see
/// [`Downstream::local`]).
fn local_names(objects: &Objects) -> bool {
    let plain = |s: &str| {
        !s.contains('.') && !s.contains('/') && s != "*" && !s.eq_ignore_ascii_case("any")
    };
    objects.services.iter().all(|s| {
        s.type_or_default() != "ExternalName" && plain(&s.meta.namespace) && plain(&s.meta.name)
    })
}

/// The endpoints of every Service `wanted` names (exactly, as its slices carry it):
/// `namespace/name` → `ip` → ready.
fn service_endpoints(
    objects: &Objects,
    wanted: impl Fn(&str, &str) -> bool,
) -> BTreeMap<String, BTreeMap<String, bool>> {
    let mut out: BTreeMap<String, BTreeMap<String, bool>> = BTreeMap::new();
    for slice in &objects.endpoint_slices {
        let Some(service) = slice.service_name() else {
            continue;
        };
        if !wanted(&slice.meta.namespace, service) {
            continue;
        }
        let key = format!("{}/{service}", slice.meta.namespace);
        let entry = out.entry(key).or_default();
        for e in &slice.endpoints {
            for a in &e.addresses {
                entry.insert(a.clone(), e.ready.unwrap_or(true));
            }
        }
    }
    out
}
