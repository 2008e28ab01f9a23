//! The whole pipeline in one call: scenario text → everything the views need.
//!
//! [`analyze`] runs parse → model → API server (unless `stored`) → controllers and returns
//! an [`Analysis`]. kube-proxy's side is computed from it on demand and kept: the
//! [`NodeProxy`] of a node and mode ([`Analysis::proxy`]) is built once and cached, so
//! the page's worker, the terminal and the simulator asking about the same node share
//! one rendering; a packet walked or simulated on a node whose rules nobody asked for
//! goes through a proxier of that packet's path only ([`Analysis::trace`],
//! [`Analysis::simulate`]). The page and the CLI both call this and nothing else of the
//! pipeline.

use crate::apiserver::{self, Admission};
use crate::controllers;
use crate::diag::{Diagnostic, Severity, Stage};
use crate::dns::downstream::Downstream;
use crate::manifest::{self, Manifest};
use crate::model::DEFAULT_NODE_IP;
use crate::model::ip::IpFamily;
use crate::model::{self, Endpoint, EndpointPort, EndpointSlice, ObjectMeta, Objects, Origin};
use crate::proxy::config::{NodeContext, ProxyConfig, ProxyMode};
use crate::proxy::sim::{EngineOutput, Requests};
use crate::proxy::trace::{Packet, Trace};
use crate::proxy::{self, NodeProxy, Proxier, ProxyFacts};
use std::collections::HashSet;
use std::sync::{Arc, Mutex, OnceLock};

/// How the scenario's objects enter the cluster.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Options {
    /// Take the objects as already stored (no defaulting, allocation or validation), as
    /// kube-proxy's own tests do.
    pub stored: bool,
}

/// Everything computed from one scenario text.
#[derive(Clone, Debug)]
pub struct Analysis {
    pub options: Options,
    pub manifest: Manifest,
    /// The objects as stored, plus what the controllers made.
    pub objects: Objects,
    /// What the API server did with each written object (empty with `stored`).
    pub admissions: Vec<Admission>,
    /// The configuration kube-proxy runs with: the scenario's KubeProxyConfiguration, or,
    /// while a session's change of it waits for kube-proxy's restart, the one it started
    /// with ([`crate::session::KubeProxyState`]; restarted nodes run
    /// [`Analysis::configured_proxy_config`], see [`Analysis::on_node`]).
    pub proxy_config: ProxyConfig,
    /// The configuration the scenario (kube-proxy's ConfigMap) says now.
    pub configured_proxy_config: ProxyConfig,
    /// The session document and the files of the scenario (format v2, [`crate::session`]).
    pub session: crate::session::Scenario,
    /// Every diagnostic, with spans, sorted by position.
    pub diagnostics: Vec<Diagnostic>,
    /// kube-proxy's renderings asked for so far.
    proxies: ProxyCache,
    /// What the API server read and did for each written object, replayed by
    /// [`Analysis::edit`] for the objects an edit did not touch.
    admission_journal: apiserver::replay::Journal,
    /// What "what changed" compares besides kube-proxy ([`Analysis::downstream`]).
    downstream: DownstreamCache,
    /// The learner warnings and budget counts, kept for the next edit ([`KeptHints`];
    /// `None` when the text has Pods or workloads).
    hints: Option<KeptHints>,
    /// kube-proxy's listings in per-Service chunks, carried over an edit
    /// ([`crate::proxy::chunks`]).
    pub(crate) listings: crate::proxy::chunks::ListingCache,
    /// When the budget counts kept in `hints` (with the Services and EndpointSlices the
    /// controllers and the cluster added) say every Service fits: how many Services and
    /// EndpointSlices `objects` held then ([`Analysis::over_budget`]).
    fits: Option<(usize, usize)>,
}

/// An analysis' [`Downstream`], computed once when asked; after an edit, from the one of
/// the analysis it was edited from (or an earlier one) and the Services the edits since
/// touched.
#[derive(Default)]
struct DownstreamCache {
    computed: OnceLock<Arc<Downstream>>,
    /// Taken when `computed` is made from it: the earlier analysis' `Downstream` is let
    /// go then (when the page asks what changed), not by the next edit (10,000 entries
    /// freed in the keystroke's time).
    base: Mutex<Option<DownstreamBase>>,
}

impl Clone for DownstreamCache {
    fn clone(&self) -> DownstreamCache {
        DownstreamCache {
            computed: self.computed.clone(),
            base: Mutex::new(self.base()),
        }
    }
}

impl DownstreamCache {
    /// The base, left where it is.
    fn base(&self) -> Option<DownstreamBase> {
        // Nothing panics while holding the lock; a poisoned one still holds valid data.
        self.base.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

/// An earlier analysis' [`Downstream`] and the Services (`namespace`, `name`) whose
/// Service or EndpointSlices the edits since it did not carry over.
type DownstreamBase = (Arc<Downstream>, Arc<HashSet<(String, String)>>);

// Past this many touched Services, the whole `Downstream` is computed again (the bound of
// kube-proxy's listings, `proxy::chunks`).
use crate::proxy::chunks::MAX_TOUCHED_SERVICES;

impl std::fmt::Debug for DownstreamCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Computed or not, from a base or not, it is the same for the same objects.
        f.write_str("DownstreamCache")
    }
}

/// The kube-proxy renderings an analysis keeps: the last few nodes' whole rulesets (a
/// node and mode each) and the last few packets' paths. A clone starts empty (it may be
/// changed, and the renderings would no longer match).
#[derive(Default)]
struct ProxyCache(Mutex<CacheEntries>);

#[derive(Default)]
struct CacheEntries {
    /// Most recently used last.
    nodes: Vec<((String, ProxyMode), Arc<NodeProxy>)>,
    paths: Vec<((String, ProxyMode, Packet), Arc<Proxier>)>,
}

// How many nodes' rulesets an analysis keeps: as many as their listings (`proxy::chunks`).
use crate::proxy::chunks::CACHED_NODES;
/// How many packets' paths an analysis keeps.
const CACHED_PATHS: usize = 8;

impl Clone for ProxyCache {
    fn clone(&self) -> ProxyCache {
        ProxyCache::default()
    }
}

impl std::fmt::Debug for ProxyCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ProxyCache")
    }
}

impl ProxyCache {
    fn entries(&self) -> std::sync::MutexGuard<'_, CacheEntries> {
        // Nothing panics while holding the lock; a poisoned one still holds valid data.
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Finds `key` in a most-recently-used-last list, moving it to the end.
fn touch<K: PartialEq, V: Clone>(list: &mut Vec<(K, V)>, key: &K) -> Option<V> {
    let at = list.iter().position(|(k, _)| k == key)?;
    let entry = list.remove(at);
    let value = entry.1.clone();
    list.push(entry);
    Some(value)
}

/// Adds an entry to a most-recently-used-last list of at most `cap` entries.
fn remember<K, V>(list: &mut Vec<(K, V)>, key: K, value: V, cap: usize) {
    if list.len() >= cap {
        list.remove(0);
    }
    list.push((key, value));
}

/// Runs the pipeline. Never fails and never panics: problems are diagnostics.
pub fn analyze(text: &str, options: Options) -> Analysis {
    analyze_manifest(
        manifest::parse(text),
        options,
        Before::default(),
        &mut |_| {},
    )
}

/// What [`Analysis::edit`] hands the pipeline of the analysis before (all `None` for a
/// fresh analysis).
#[derive(Default)]
struct Before {
    /// What it admitted.
    previous: Option<apiserver::replay::Previous>,
    downstream_base: Option<DownstreamBase>,
    listings: Option<crate::proxy::chunks::Base>,
    hints: Option<KeptHints>,
}

/// The pipeline after parsing, given what the analysis before an edit hands over
/// (see [`Analysis::edit`]).
fn analyze_manifest(
    manifest: Manifest,
    options: Options,
    before: Before,
    mark: &mut dyn FnMut(&'static str),
) -> Analysis {
    let Before {
        previous,
        downstream_base,
        listings,
        hints,
    } = before;
    let mut diagnostics = manifest.diagnostics.clone();
    let session = crate::session::read(&manifest);
    diagnostics.extend(session.diagnostics.iter().cloned());
    let (objects, admissions, admission_journal, edited) = if options.stored {
        let (objects, d) = model::build(&manifest);
        diagnostics.extend(d);
        (
            objects,
            Vec::new(),
            apiserver::replay::Journal::default(),
            None,
        )
    } else {
        let admitted = apiserver::admit_edited(&manifest, previous);
        diagnostics.extend(admitted.diagnostics);
        (
            admitted.objects,
            admitted.admissions,
            admitted.journal,
            admitted.edited,
        )
    };
    mark("admission");
    // The Services and EndpointSlices as admitted (the controllers and the cluster add
    // theirs after them).
    let admitted = (objects.services.len(), objects.endpoint_slices.len());
    let carried_over = admission_journal.carried_over();
    let mut objects = objects;
    objects.retired_pod_ips = session.session.retired_pod_ips.clone();
    let mut objects = controllers::run(objects);
    mark("controllers");
    if !options.stored {
        let slice = kubernetes_endpoint_slice(&objects);
        objects.endpoints.push(kubernetes_endpoints(&slice));
        objects.endpoint_slices.push(slice);
        // The API server creates the default ServiceCIDR from its service range when no
        // ServiceCIDR exists (kube-proxy's nftables mode reads it).
        if objects.service_cidrs.is_empty() {
            objects.service_cidrs.push(model::ServiceCidr {
                meta: ObjectMeta::new("kubernetes", "", Origin::Builtin),
                cidrs: vec![crate::apiserver::alloc::DEFAULT_SERVICE_CIDR.to_string()],
            });
        }
    }
    // Learner warnings (controllers::hints), placed at the field they are about.
    let edit = edited.as_ref().filter(|_| carried_over);
    let hints = KeptHints::after(hints, edit, &objects, admitted, &manifest);
    match &hints {
        Some(hints) => hints.warnings(&objects, admitted, &manifest, &mut diagnostics),
        None => diagnostics.extend(
            (controllers::hints::warnings(&objects).into_iter())
                .map(|(object, diagnostic)| manifest.locate(object, diagnostic)),
        ),
    }
    mark("hints and budgets");
    if !options.stored {
        // What a kubeadm cluster runs in kube-system (kube-proxy, CoreDNS, kube-dns).
        let dns_ip = objects
            .service_cidrs
            .iter()
            .flat_map(|c| c.cidrs.iter())
            .find_map(|c| crate::model::ip::Cidr::parse_sloppy(c))
            .and_then(|c| c.nth(10))
            .map(|ip| ip.to_string());
        // A dump holds none (known without reading its 10,000 objects).
        let journal = &admission_journal;
        let written = (!journal.only_carried_kinds())
            .then(|| {
                (manifest.objects.iter().rev())
                    .find(|o| o.kind == manifest::Kind::KubeProxyConfiguration)
                    .map(|o| o.node())
            })
            .flatten();
        let config_conf = controllers::kubeadm::kube_proxy_config_conf(written.as_deref());
        controllers::kubeadm::add(
            &mut objects,
            &session.session.restarts,
            &session.session.restart_times,
            dns_ip.as_deref(),
            config_conf,
            journal.may_hold(manifest::Kind::Service, "kube-system", "kube-dns"),
        );
    }
    // Written DaemonSets (workloads whose controller made their Pods) are listed with
    // kubeadm's built-in ones (`kubectl get ds`).
    let written_daemon_sets: Vec<model::DaemonSet> = objects
        .workloads
        .iter()
        .filter(|w| w.kind == manifest::Kind::DaemonSet)
        .map(|w| model::DaemonSet {
            meta: w.meta.clone(),
            selector: w.selector.match_labels.clone(),
            template: w.template.clone(),
            image: w
                .template
                .spec
                .containers
                .first()
                .and_then(|c| c.image.clone())
                .unwrap_or_default(),
        })
        .collect();
    objects.daemon_sets.splice(0..0, written_daemon_sets);
    mark("kubeadm's objects");
    let (proxy_config, d) = ProxyConfig::resolve(objects.kube_proxy_configuration.as_ref());
    let config_object = objects
        .kube_proxy_configuration
        .as_ref()
        .and_then(|c| c.origin);
    for diag in d {
        diagnostics.push(match config_object {
            Some(id) => manifest.locate(id, diag),
            None => diag,
        });
    }
    // The Services this edit may have changed, measured once for both caches below.
    let edit_touched = (listings.is_some() || downstream_base.is_some())
        .then(|| edited.as_ref().map(|e| touched_services(&objects, e)))
        .flatten();
    // The Services whose listings' chunks may differ from those of the analysis before.
    let listings = crate::proxy::chunks::ListingCache::after_edit(listings, edit_touched.as_ref());
    // The Services whose endpoints and records may differ from the analysis before.
    let downstream_base =
        downstream_base
            .zip(edit_touched)
            .and_then(|((before, touched), edit_touched)| {
                let mut touched = Arc::unwrap_or_clone(touched);
                touched.extend(edit_touched);
                (touched.len() <= MAX_TOUCHED_SERVICES).then(|| (before, Arc::new(touched)))
            });
    mark("configuration and caches");
    // Whether every Service fits in the budgets, from the counts kept over edits and
    // those of the few objects added after admission (kubeadm's among them).
    let fits = hints
        .as_ref()
        .filter(|h| {
            let added = controllers::budget::Tally::of(
                &objects.services[admitted.0..],
                &objects.endpoint_slices[admitted.1..],
            );
            h.admitted.within_with(&added)
        })
        .map(|_| (objects.services.len(), objects.endpoint_slices.len()));
    let configured_proxy_config = proxy_config.clone();
    let proxy_config = session
        .session
        .kube_proxy
        .configuration
        .as_deref()
        .map_or(proxy_config, running_configuration);
    crate::sort::sort_by_key(&mut diagnostics, |d| (d.span.map(|s| s.start), d.severity));
    // The stages are done with the objects' trees: what reads one later parses its
    // document again (the analysis keeps the text, not trees ten times its size).
    let mut manifest = manifest;
    manifest.release_trees();
    objects.shrink_to_fit();
    let mut admissions = admissions;
    admissions.shrink_to_fit();
    diagnostics.shrink_to_fit();
    mark("the rest");
    Analysis {
        options,
        manifest,
        objects,
        admissions,
        proxy_config,
        configured_proxy_config,
        session,
        diagnostics,
        proxies: ProxyCache::default(),
        admission_journal,
        hints,
        downstream: DownstreamCache {
            computed: OnceLock::new(),
            base: Mutex::new(downstream_base),
        },
        listings,
        fits,
    }
}

/// What an analysis keeps of its learner warnings ([`controllers::hints`]) and budget
/// counts ([`controllers::budget::Tally`]) for the next edit, so that an edit whose
/// admission was carried over in bulk ([`apiserver::carry`]) counts again only the
/// Services and EndpointSlices it changed, and warns again only about those, instead of
/// reading all of them.
///
/// The rules (each is a case of `tests/incremental.rs`):
/// 1. The counts are those of the Services and EndpointSlices as admitted (not those
///    the controllers and the cluster add after them, which are counted afresh on
///    every analysis). After an edit they lose the written objects admission retired
///    and gain the written objects it did not carry over (`Edited::replayed`); the
///    objects carried over are the same ones.
/// 2. A written Service's warnings read only the Service and the Pods; with no Pods
///    and no workloads (a dump has none; an analysis with some keeps nothing), those
///    of a Service carried over are kept, moved with its object's lines, and only the
///    others are made afresh.
/// 3. Only when the counts say some Service does not fit ([`Tally::within_with`]) are
///    the budgets' warnings made whole ([`controllers::budget::service_warnings`]).
/// 4. Any other edit makes the warnings and the counts afresh.
///
/// [`Tally::within_with`]: controllers::budget::Tally::within_with
#[derive(Clone, Debug)]
struct KeptHints {
    /// The written Services' warnings, placed, in the order of the Services (by object
    /// id, after an edit carried over).
    services: Vec<ServiceHints>,
    /// The budget counts of the Services and EndpointSlices as admitted.
    admitted: controllers::budget::Tally,
}

/// One written Service's warnings, placed while its object started at `line`.
#[derive(Clone, Debug)]
struct ServiceHints {
    id: usize,
    line: u32,
    diagnostics: Vec<Diagnostic>,
}

impl KeptHints {
    /// The warnings and counts of `objects` (admitted up to `admitted`: the lengths of
    /// their Services and EndpointSlices after admission), from those `before` kept when
    /// `edit` carried admission over (see the rules); `None` when the text has Pods or
    /// workloads (the warnings are made whole, [`controllers::hints::warnings`]).
    fn after(
        before: Option<KeptHints>,
        edit: Option<&apiserver::Edited>,
        objects: &Objects,
        admitted: (usize, usize),
        manifest: &Manifest,
    ) -> Option<KeptHints> {
        if !objects.pods.is_empty() || !objects.workloads.is_empty() {
            return None;
        }
        let services = &objects.services[..admitted.0];
        let slices = &objects.endpoint_slices[..admitted.1];
        let carried = (before.zip(edit)).filter(|(b, _)| b.services.is_sorted_by_key(|s| s.id));
        let Some((before, edit)) = carried else {
            let hints = (objects.services.iter())
                .filter_map(|s| ServiceHints::of(s, &objects.pods, manifest))
                .collect();
            return Some(KeptHints {
                services: hints,
                admitted: controllers::budget::Tally::of(services, slices),
            });
        };
        let fresh = |origin: &Origin| match origin {
            Origin::Written(id) => !edit.replayed.get(*id).copied().unwrap_or(false),
            _ => false,
        };
        // Rule 1.
        let mut tally = before.admitted;
        let written = |origin: &Origin| matches!(origin, Origin::Written(_));
        for s in edit
            .retired_services
            .iter()
            .filter(|s| written(&s.meta.origin))
        {
            tally.remove_service(s);
        }
        for s in (edit.retired_endpoint_slices.iter()).filter(|s| written(&s.meta.origin)) {
            tally.remove_slice(s);
        }
        let mut made: Vec<ServiceHints> = Vec::new();
        for s in services.iter().filter(|s| fresh(&s.meta.origin)) {
            tally.add_service(s);
            made.extend(ServiceHints::of(s, &objects.pods, manifest));
        }
        for s in slices.iter().filter(|s| fresh(&s.meta.origin)) {
            tally.add_slice(s);
        }
        // Rule 2: the warnings kept, at their objects' new ids and lines.
        let mut kept = Vec::with_capacity(before.services.len());
        if !before.services.is_empty() {
            let mut new_id =
                vec![usize::MAX; edit.moved.iter().flatten().max().map_or(0, |m| m + 1)];
            for (new, old) in edit.moved.iter().enumerate() {
                if let Some(old) = old {
                    new_id[*old] = new;
                }
            }
            for mut hints in before.services {
                let id = new_id.get(hints.id).copied().unwrap_or(usize::MAX);
                if !edit.replayed.get(id).copied().unwrap_or(false) {
                    continue;
                }
                let Some(raw) = manifest.objects.get(id) else {
                    continue;
                };
                let delta = i64::from(raw.span.start.line) - i64::from(hints.line);
                for d in &mut hints.diagnostics {
                    d.document = Some(raw.document);
                    d.span = d.span.map(|s| manifest::yaml::shift_span(s, delta));
                }
                hints.id = id;
                hints.line = raw.span.start.line;
                kept.push(hints);
            }
        }
        // Both in object order.
        let mut services = Vec::with_capacity(kept.len() + made.len());
        let (mut kept, mut made) = (kept.into_iter().peekable(), made.into_iter().peekable());
        while let (Some(k), Some(m)) = (kept.peek(), made.peek()) {
            let next = if k.id < m.id {
                kept.next()
            } else {
                made.next()
            };
            services.extend(next);
        }
        services.extend(kept);
        services.extend(made);
        Some(KeptHints {
            services,
            admitted: tally,
        })
    }

    /// Adds every learner warning, placed, to `diagnostics`, in the order
    /// [`controllers::hints::warnings`] gives them.
    fn warnings(
        &self,
        objects: &Objects,
        admitted: (usize, usize),
        manifest: &Manifest,
        diagnostics: &mut Vec<Diagnostic>,
    ) {
        for hints in &self.services {
            diagnostics.extend(hints.diagnostics.iter().cloned());
        }
        let placed = |(object, diagnostic)| manifest.locate(object, diagnostic);
        diagnostics.extend(
            controllers::hints::workload_warnings(objects)
                .into_iter()
                .map(placed),
        );
        // Rule 3: what the controllers and the cluster added, counted afresh.
        let added = controllers::budget::Tally::of(
            &objects.services[admitted.0..],
            &objects.endpoint_slices[admitted.1..],
        );
        if !self.admitted.within_with(&added) {
            let cut = controllers::budget::service_warnings(objects);
            diagnostics.extend(cut.into_iter().map(placed));
        }
        diagnostics.extend(
            controllers::budget::pod_warnings(objects)
                .into_iter()
                .map(placed),
        );
    }
}

impl ServiceHints {
    /// The warnings of a written Service, placed; `None` when it has none.
    fn of(
        service: &model::Service,
        pods: &[model::Pod],
        manifest: &Manifest,
    ) -> Option<ServiceHints> {
        let id = controllers::hints::written(service)?;
        let made = controllers::hints::service_warnings(service, pods);
        if made.is_empty() {
            return None;
        }
        Some(ServiceHints {
            id,
            line: manifest.object(id).map_or(0, |o| o.span.start.line),
            diagnostics: made.into_iter().map(|d| manifest.locate(id, d)).collect(),
        })
    }
}

/// The Services (`namespace`, `name`) an edit's admission did not carry over whole: those
/// of every Service and EndpointSlice not replayed from the analysis before (admitted
/// afresh, made by the controllers or the cluster), and of those it left behind.
fn touched_services(objects: &Objects, edited: &apiserver::Edited) -> HashSet<(String, String)> {
    let replayed = |origin: &Origin| match origin {
        Origin::Written(id) => edited.replayed.get(*id).copied().unwrap_or(false),
        Origin::Generated(_) | Origin::Builtin => false,
    };
    let mut out = HashSet::new();
    let services = objects
        .services
        .iter()
        .filter(|s| !replayed(&s.meta.origin));
    for s in services.chain(&edited.retired_services) {
        out.insert((s.meta.namespace.clone(), s.meta.name.clone()));
    }
    let slices = objects
        .endpoint_slices
        .iter()
        .filter(|s| !replayed(&s.meta.origin));
    for s in slices.chain(&edited.retired_endpoint_slices) {
        if let Some(service) = s.service_name() {
            out.insert((s.meta.namespace.clone(), service.to_string()));
        }
    }
    out
}

/// The configuration a kube-proxy that started before the ConfigMap changed still runs
/// (the session's copy of the KubeProxyConfiguration document it read then).
fn running_configuration(document: &str) -> ProxyConfig {
    let (objects, _) = model::build(&manifest::parse(document));
    ProxyConfig::resolve(objects.kube_proxy_configuration.as_ref()).0
}

/// The API server's own EndpointSlice for `default/kubernetes`: the control plane's
/// InternalIPs on 6443 (control-plane Nodes, else the first Node, else the default node).
fn kubernetes_endpoint_slice(objects: &Objects) -> EndpointSlice {
    let control_plane: Vec<&str> = objects
        .nodes
        .iter()
        .filter(|n| {
            n.meta
                .labels
                .contains_key("node-role.kubernetes.io/control-plane")
        })
        .filter_map(|n| n.internal_ip())
        .collect();
    let addresses: Vec<String> = if !control_plane.is_empty() {
        control_plane.iter().map(|s| s.to_string()).collect()
    } else if let Some(ip) = objects.nodes.first().and_then(|n| n.internal_ip()) {
        vec![ip.to_string()]
    } else {
        vec![DEFAULT_NODE_IP.to_string()]
    };
    let mut meta = ObjectMeta::new("kubernetes", "default", Origin::Builtin);
    meta.labels
        .insert("kubernetes.io/service-name".into(), "kubernetes".into());
    EndpointSlice {
        meta,
        address_type: "IPv4".into(),
        endpoints: addresses
            .into_iter()
            .map(|a| Endpoint {
                addresses: vec![a].into(),
                ready: Some(true),
                ..Endpoint::default()
            })
            .collect(),
        ports: Some(vec![EndpointPort {
            name: Some("https".into()),
            port: Some(6443),
            protocol: Some("TCP".into()),
            app_protocol: None,
        }]),
    }
}

/// The API server's own legacy Endpoints for `default/kubernetes` (the same addresses as
/// its slice; labelled so the mirroring controller leaves it alone).
fn kubernetes_endpoints(slice: &EndpointSlice) -> model::Endpoints {
    let mut meta = ObjectMeta::new("kubernetes", "default", Origin::Builtin);
    meta.labels.insert(
        "endpointslice.kubernetes.io/skip-mirror".into(),
        "true".into(),
    );
    model::Endpoints {
        meta,
        subsets: vec![model::EndpointSubset {
            addresses: slice
                .endpoints
                .iter()
                .flat_map(|e| e.addresses.iter())
                .map(|ip| model::EndpointAddress {
                    ip: ip.clone(),
                    ..model::EndpointAddress::default()
                })
                .collect(),
            not_ready_addresses: Vec::new(),
            ports: slice.ports.clone().unwrap_or_default(),
        }],
    }
}

impl Analysis {
    /// The analysis of `text`, the text `self` was made from (`previous_text`) having
    /// been edited into it: equal to `analyze(text, self.options)`, computed with less work
    /// (the worker calls it on every keystroke in a large scenario). Only the documents
    /// whose text changed are parsed again ([`manifest::reparse`]), and the API server
    /// replays its admission of every object whose document did not change and whose
    /// reads answer the same ([`apiserver::replay`]).
    pub fn edit(self, previous_text: &str, text: &str) -> Analysis {
        self.edit_marked(previous_text, text, &mut |_| {})
    }

    /// [`Analysis::edit`], calling `mark` with the name of each of its stages as it ends
    /// (`benches/dump.rs` times them; the core reads no clock).
    pub fn edit_marked(
        self,
        previous_text: &str,
        text: &str,
        mark: &mut dyn FnMut(&'static str),
    ) -> Analysis {
        self.edit_at(previous_text, text, None, mark)
    }

    /// [`Analysis::edit_marked`], told where the texts differ when the caller knows it
    /// (`at`: the page's worker applies the edits it is sent), so that the two texts are
    /// not compared ([`manifest::reparse_moved_at`]).
    pub fn edit_at(
        self,
        previous_text: &str,
        text: &str,
        at: Option<manifest::TextEdit>,
        mark: &mut dyn FnMut(&'static str),
    ) -> Analysis {
        let options = self.options;
        let (manifest, moved) = manifest::reparse_moved_at(self.manifest, previous_text, text, at);
        mark("reparse");
        let downstream = match self.downstream.computed.into_inner() {
            Some(computed) => Some((computed, Arc::default())),
            None => (self.downstream.base.into_inner()).unwrap_or_else(|e| e.into_inner()),
        };
        // The listings' provenance names objects by id: kept only when no object moved.
        let ids_kept = (moved.iter().enumerate()).all(|(i, old)| old.is_none_or(|o| o == i));
        let listings = self.listings.into_base().filter(|_| ids_kept);
        let previous = (!options.stored).then(|| {
            apiserver::replay::Previous::new(
                self.admission_journal,
                self.objects,
                self.admissions,
                moved,
            )
        });
        mark("the analysis before taken apart");
        let before = Before {
            previous,
            downstream_base: downstream,
            listings,
            hints: self.hints,
        };
        analyze_manifest(manifest, options, before, mark)
    }

    /// What "what changed" compares of this analysis besides kube-proxy: the endpoints
    /// of every Service and the DNS records ([`Downstream`]), computed once. After
    /// [`Analysis::edit`], only the Services the edit touched are measured again when the
    /// analysis it was edited from (or one before) had measured its own: what the page's
    /// worker keeps of an analysis an edit consumes and compares the next one with
    /// (`crate::changes::diff_from`).
    pub fn downstream(&self) -> Arc<Downstream> {
        self.downstream
            .computed
            .get_or_init(|| {
                // Taken: nothing reads it again once this is made.
                let base = (self.downstream.base.lock())
                    .unwrap_or_else(|e| e.into_inner())
                    .take();
                let patched = base.and_then(|(before, touched)| {
                    Downstream::patched(&before, &self.objects, &touched)
                });
                Arc::new(patched.unwrap_or_else(|| Downstream::of(&self.objects)))
            })
            .clone()
    }

    /// The Services svcplay's budgets leave out of kube-proxy's outputs, `(namespace,
    /// name)` sorted, as [`controllers::budget::over_budget`] of [`Analysis::objects`]
    /// gives them: empty without reading the objects when the budget counts the analysis
    /// keeps over edits ([`controllers::budget::Tally`], see `KeptHints`) say every
    /// Service fits, which is what a dump's keystroke asks on every listing; counted whole
    /// otherwise (the text has Pods or workloads, some Service is over, or `objects` no
    /// longer holds as many Services and EndpointSlices as the analysis made).
    pub fn over_budget(&self) -> Vec<crate::proxy::chunks::ServiceKey> {
        let objects = &self.objects;
        if self.fits == Some((objects.services.len(), objects.endpoint_slices.len())) {
            return Vec::new();
        }
        crate::proxy::chunks::over_budget(objects)
    }

    /// How many of the API server's admissions this analysis replayed from the one it
    /// was edited from (0 after [`analyze`]): what [`Analysis::edit`] saved.
    pub fn admissions_replayed(&self) -> usize {
        self.admission_journal.replayed()
    }

    /// Whether [`Analysis::edit`] carried this analysis' admissions over from the one
    /// before in bulk (the objects the edit did not touch left in place,
    /// `apiserver::carry`) rather than replaying them one by one.
    pub fn admissions_carried_over(&self) -> bool {
        self.admission_journal.carried_over()
    }

    /// The analysis as kube-proxy on `node` sees it: the same, unless that node's
    /// kube-proxy was restarted since the session changed its ConfigMap (then it runs the
    /// configuration the scenario holds now).
    pub fn on_node(&self, node: &str) -> std::borrow::Cow<'_, Analysis> {
        let state = &self.session.session.kube_proxy;
        if state.configuration.is_some()
            && state.restarted.iter().any(|n| n == node)
            && self.proxy_config != self.configured_proxy_config
        {
            let mut copy = self.clone();
            copy.proxy_config = self.configured_proxy_config.clone();
            std::borrow::Cow::Owned(copy)
        } else {
            std::borrow::Cow::Borrowed(self)
        }
    }

    /// Whether any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.severity == Severity::Error)
    }

    /// The names of the cluster's nodes (the default node when there are none).
    pub fn node_names(&self) -> Vec<String> {
        if self.objects.nodes.is_empty() {
            vec![NodeContext::default_node_name(
                &self.objects,
                &self.proxy_config,
            )]
        } else {
            self.objects
                .nodes
                .iter()
                .map(|n| n.meta.name.clone())
                .collect()
        }
    }

    /// The node kube-proxy's outputs are shown for when none is chosen.
    pub fn default_node(&self) -> String {
        NodeContext::default_node_name(&self.objects, &self.proxy_config)
    }

    /// kube-proxy's context on `node`.
    pub fn node_context(&self, node: &str) -> NodeContext {
        let mut families: Vec<IpFamily> = self
            .objects
            .services
            .iter()
            .flat_map(|s| s.spec.ip_families.iter().filter_map(|f| IpFamily::parse(f)))
            .collect();
        crate::sort::sort(&mut families);
        families.dedup();
        NodeContext::resolve(&self.objects, node, &families)
    }

    /// kube-proxy's facts on `node`, one per IP family it runs (IPv4 first).
    pub fn proxy_facts(&self, node: &str) -> Vec<ProxyFacts> {
        let context = self.node_context(node);
        let over_budget = self.over_budget();
        context
            .families
            .iter()
            .map(|family| {
                proxy::facts_leaving_out(
                    &self.objects,
                    &over_budget,
                    &self.proxy_config,
                    &context,
                    *family,
                )
            })
            .collect()
    }

    /// kube-proxy on `node` in the scenario's mode (see [`Analysis::proxy_in`]).
    pub fn proxy(&self, node: &str) -> Arc<NodeProxy> {
        self.proxy_in(node, self.proxy_config.mode)
    }

    /// kube-proxy on `node` in `mode` (the page may show another mode than the
    /// configured one): one proxier per family it runs, built once and kept.
    pub fn proxy_in(&self, node: &str, mode: ProxyMode) -> Arc<NodeProxy> {
        let key = (node.to_string(), mode);
        if let Some(found) = touch(&mut self.proxies.entries().nodes, &key) {
            return found;
        }
        let config = self.config_in(mode);
        let context = self.node_context(node);
        let over_budget = self.over_budget();
        let facts = context
            .families
            .iter()
            .map(|family| {
                proxy::facts_leaving_out(&self.objects, &over_budget, &config, &context, *family)
            })
            .collect();
        let built = Arc::new(NodeProxy::new(node, mode, facts));
        remember(
            &mut self.proxies.entries().nodes,
            key,
            built.clone(),
            CACHED_NODES,
        );
        built
    }

    /// kube-proxy on `node` in `mode` when it was built already ([`Analysis::proxy_in`]),
    /// without building it: what the page's worker keeps of an analysis an edit consumes,
    /// to say what the edit changed.
    pub fn cached_proxy(&self, node: &str, mode: ProxyMode) -> Option<Arc<NodeProxy>> {
        let key = (node.to_string(), mode);
        self.proxies
            .entries()
            .nodes
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, p)| p.clone())
    }

    /// The configuration with `mode` instead of the configured one (the rest as
    /// resolved for the configured mode).
    fn config_in(&self, mode: ProxyMode) -> ProxyConfig {
        let mut config = self.proxy_config.clone();
        config.mode = mode;
        config
    }

    /// The proxier `packet` meets on `node` in `mode`: the node's own when its rules are
    /// rendered already, else one built from the facts of this packet's path
    /// ([`proxy::facts_for_packet`]), which ends every walk where the whole ruleset
    /// would. An error says why there is none.
    pub fn proxier_for(
        &self,
        node: &str,
        mode: ProxyMode,
        packet: &Packet,
    ) -> Result<Arc<Proxier>, String> {
        let key = (node.to_string(), mode);
        let whole = self
            .proxies
            .entries()
            .nodes
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, p)| p.clone());
        if let Some(whole) = whole {
            let proxier = whole.for_packet(packet)?;
            if proxier.is_rendered() {
                return Ok(proxier.clone());
            }
        }
        let path_key = (node.to_string(), mode, *packet);
        if let Some(found) = touch(&mut self.proxies.entries().paths, &path_key) {
            return Ok(found);
        }
        let context = self.node_context(node);
        let config = self.config_in(mode);
        let families: Vec<ProxyFacts> = context
            .families
            .iter()
            .map(|family| ProxyFacts {
                family: *family,
                node: context.clone(),
                config: config.clone(),
                service_ports: Vec::new(),
                total_endpoints: 0,
                service_cidrs: Vec::new(),
            })
            .collect();
        // Which family runs (and the error when none does) as for the whole node.
        let shape = NodeProxy::new(node, mode, families);
        let family = shape.for_packet(packet)?.family();
        let over_budget = self.over_budget();
        let facts = proxy::facts_for_packet_leaving_out(
            &self.objects,
            &over_budget,
            &config,
            &context,
            family,
            packet,
        );
        let built = Arc::new(Proxier::new(facts));
        remember(
            &mut self.proxies.entries().paths,
            path_key,
            built.clone(),
            CACHED_PATHS,
        );
        Ok(built)
    }

    /// Walks `packet` through kube-proxy's rules on `node` in `mode`, every random branch
    /// followed (`svcplay trace`).
    pub fn trace(&self, node: &str, mode: ProxyMode, packet: Packet) -> Result<Trace, String> {
        Ok(self.proxier_for(node, mode, &packet)?.trace(packet))
    }

    /// Sends seeded requests of `packet` through kube-proxy's rules on `node` in `mode`.
    pub fn simulate(
        &self,
        node: &str,
        mode: ProxyMode,
        packet: &Packet,
        requests: &Requests,
    ) -> Result<EngineOutput, String> {
        Ok(self
            .proxier_for(node, mode, packet)?
            .simulate(packet, requests))
    }

    /// A problem of the command line or the scenario as a whole, as a diagnostic.
    pub fn note(message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(Severity::Info, Stage::Hint, message)
    }
}
