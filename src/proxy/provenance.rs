//! Where each line of a listing comes from, resolved to objects and field paths.
//!
//! A writer records a [`LineSource`] per line (indexes into the facts, a [`By`], a
//! [`What`]); [`Lines::resolve`] turns them into [`Provenance`]s a reader can use
//! without the facts: the Service port (object and `spec.ports[i]`), the endpoint
//! (EndpointSlice object and `endpoints[j]`, the Pod behind it), the Service fields the
//! line depends on (`spec.clusterIP`, `spec.ports[0].nodePort`,
//! `spec.externalTrafficPolicy`…), the configuration fields (KubeProxyConfiguration or
//! NodeRuntime), who writes the line (the upstream function, for kube-proxy's fixed
//! rules too) and what it does. [`super::explain`] words a provenance in plain language.

use super::config::ProxyMode;
use super::lines::{By, ConfigField, Entry, IpvsSet, LineSource, Recorded, SetRole, What};
use super::{Protocol, ProxyFacts, RuleSource, ServicePortFacts, ServicePortName};
use crate::model::Origin;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;

/// Where a line of output comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Provenance {
    pub service_port: Option<PortProvenance>,
    pub endpoint: Option<EndpointProvenance>,
    /// Configuration fields the line depends on, each with its document.
    pub config: Vec<ConfigProvenance>,
    /// Who writes the line.
    pub by: By,
    /// What the line does.
    pub what: What,
    /// Paths of the fields of the written Service the line depends on, beyond the port
    /// itself (`spec.clusterIP`, `spec.ports[0].nodePort`, `spec.sessionAffinity`…).
    pub fields: Vec<String>,
    /// Which of the Service's addresses the line is for, when it is for one.
    pub address: Option<AddressKind>,
}

impl Provenance {
    /// Whether the line belongs to no Service: one of kube-proxy's fixed lines (or a
    /// tool's layout).
    pub fn is_fixed(&self) -> bool {
        self.service_port.is_none()
    }
}

/// Which address of a Service.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AddressKind {
    ClusterIp,
    /// `spec.externalIPs[i]`.
    ExternalIp(usize),
    /// `status.loadBalancer.ingress[i]` (among the VIP-mode ingress addresses).
    LoadBalancer(usize),
    /// The NodePort.
    NodePort,
    /// The NodePort on localhost.
    LocalhostNodePort,
    /// An address the facts do not name (a node address of a NodePort virtual server).
    Node,
}

/// The Service port a line was written for, with what an explanation needs of it. It
/// names the port by its Service and field path, not by its place among the facts'
/// service ports, so it holds wherever the Service moves in kube-proxy's order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PortProvenance {
    /// `namespace/name:port`, as kube-proxy names it.
    pub name: ServicePortName,
    /// The Service: written in the scenario, or made by the cluster.
    pub origin: Origin,
    /// The port's field in the written Service: `spec.ports[0]`.
    pub path: String,
    pub cluster_ip: IpAddr,
    pub port: i64,
    pub protocol: Protocol,
    pub node_port: i64,
    /// The endpoints for cluster-wide traffic, and for node-local traffic.
    pub cluster_endpoints: usize,
    pub local_endpoints: usize,
    pub affinity_timeout: Option<i64>,
    pub external_policy_local: bool,
    pub internal_policy_local: bool,
}

/// The endpoint a line was written for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EndpointProvenance {
    /// Index into the service port's `endpoints`.
    pub index: usize,
    /// `ip:port`.
    pub address: String,
    /// The Pod behind it (`targetRef`), when the slice names one.
    pub pod: Option<String>,
    /// The node it runs on, when the slice says.
    pub node: Option<String>,
    /// On kube-proxy's node.
    pub local: bool,
    /// The EndpointSlice: written in the scenario, or made by a controller from a
    /// written object.
    pub origin: Origin,
    /// The endpoint's field in a written EndpointSlice: `endpoints[2]`.
    pub path: Option<String>,
}

/// A configuration field a line depends on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigProvenance {
    pub field: ConfigField,
    /// The written document holding it (the KubeProxyConfiguration or the NodeRuntime);
    /// `None` when kube-proxy's default applies.
    pub object: Option<usize>,
    /// The field path in that document.
    pub path: &'static str,
}

/// An output with the provenance of each line ([`super::Proxier::lines`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Lines {
    /// The output, exactly as the listing prints it.
    pub text: String,
    /// Per line of `text`: 0, or 1 + an index into `sources`.
    pub line_sources: Vec<u32>,
    /// The distinct provenances, in order of first use (shared: a listing made again
    /// after an edit reuses those of the Services the edit did not touch,
    /// [`super::chunks`]).
    pub sources: Vec<Arc<Provenance>>,
    /// Further sources of some lines: (line index, 1 + an index into `sources`).
    pub also: Vec<(u32, u32)>,
}

impl Lines {
    /// Resolves recorded line sources against the facts they index.
    pub fn resolve(recorded: Recorded, facts: &ProxyFacts) -> Lines {
        Lines::resolve_families(recorded, &[facts])
    }

    /// Resolves recorded line sources against the facts of each line's family (the
    /// first facts when the writer named none).
    pub fn resolve_families(recorded: Recorded, facts: &[&ProxyFacts]) -> Lines {
        let mut index: HashMap<(usize, LineSource), u32> = HashMap::new();
        let mut sources = Vec::new();
        let facts_of = |line: usize| {
            let family = recorded.family_of(line);
            facts
                .iter()
                .position(|f| Some(f.family) == family)
                .unwrap_or(0)
        };
        let mut intern = |which: usize, source: LineSource| {
            *index.entry((which, source)).or_insert_with(|| {
                let p = match facts.get(which) {
                    Some(f) => provenance(f, source),
                    None => provenance_without_facts(source),
                };
                sources.push(Arc::new(p));
                sources.len() as u32
            })
        };
        let line_sources = recorded
            .sources
            .iter()
            .enumerate()
            .map(|(line, s)| intern(facts_of(line), *s))
            .collect();
        let also = recorded
            .also
            .iter()
            .map(|(line, s)| (*line as u32, intern(facts_of(*line), *s)))
            .collect();
        Lines {
            text: recorded.text,
            line_sources,
            sources,
            also,
        }
    }

    /// Appends another output's lines.
    pub fn append(&mut self, other: Lines) {
        let offset = self.sources.len() as u32;
        let lines = self.line_sources.len() as u32;
        self.text.push_str(&other.text);
        self.line_sources.extend(
            other
                .line_sources
                .into_iter()
                .map(|s| if s == 0 { 0 } else { s + offset }),
        );
        self.also
            .extend(other.also.into_iter().map(|(l, s)| (l + lines, s + offset)));
        self.sources.extend(other.sources);
    }

    /// Every line with its provenance, if it has one.
    pub fn iter(&self) -> impl Iterator<Item = (&str, Option<&Provenance>)> {
        self.text.lines().zip(&self.line_sources).map(|(line, s)| {
            let source = match *s {
                0 => None,
                n => self.sources.get(n as usize - 1).map(|p| &**p),
            };
            (line, source)
        })
    }

    /// Every provenance of line `line` (its own, then the others it prints).
    pub fn sources_of(&self, line: usize) -> Vec<&Provenance> {
        let mut out: Vec<&Provenance> = Vec::new();
        let mut push = |s: u32| {
            if let Some(p) = s.checked_sub(1).and_then(|i| self.sources.get(i as usize)) {
                out.push(&**p);
            }
        };
        if let Some(s) = self.line_sources.get(line) {
            push(*s);
        }
        for (l, s) in &self.also {
            if *l as usize == line {
                push(*s);
            }
        }
        out
    }
}

/// Classifies an address of a service port.
fn address_kind(sp: &ServicePortFacts, ip: IpAddr) -> AddressKind {
    let info = &sp.info;
    if ip == info.cluster_ip {
        AddressKind::ClusterIp
    } else if let Some(i) = info.external_ips.iter().position(|a| *a == ip) {
        AddressKind::ExternalIp(i)
    } else if let Some(i) = info.load_balancer_vips.iter().position(|a| *a == ip) {
        AddressKind::LoadBalancer(i)
    } else {
        AddressKind::Node
    }
}

fn entry_kind(sp: &ServicePortFacts, entry: Entry) -> AddressKind {
    match entry {
        Entry::Address(ip) => address_kind(sp, ip),
        Entry::NodePort => AddressKind::NodePort,
        Entry::LocalhostNodePort => AddressKind::LocalhostNodePort,
    }
}

/// The Service fields behind an address.
fn address_fields(kind: AddressKind, port_path: &str, out: &mut Vec<String>) {
    match kind {
        AddressKind::ClusterIp => {
            out.push("spec.clusterIP".into());
            out.push(format!("{port_path}.port"));
        }
        AddressKind::ExternalIp(i) => {
            out.push(format!("spec.externalIPs[{i}]"));
            out.push(format!("{port_path}.port"));
        }
        AddressKind::LoadBalancer(_) => {
            out.push("status.loadBalancer.ingress".into());
            out.push(format!("{port_path}.port"));
        }
        AddressKind::NodePort | AddressKind::LocalhostNodePort | AddressKind::Node => {
            out.push(format!("{port_path}.nodePort"));
        }
    }
}

/// A line source of no service port, resolved without facts.
fn provenance_without_facts(source: LineSource) -> Provenance {
    Provenance {
        service_port: None,
        endpoint: None,
        config: Vec::new(),
        by: source.by,
        what: source.what,
        fields: Vec::new(),
        address: None,
    }
}

/// A line source resolved against the facts.
pub fn provenance(facts: &ProxyFacts, source: LineSource) -> Provenance {
    let RuleSource {
        service_port,
        endpoint,
    } = source.rule;
    let sp = service_port.and_then(|i| Some((i, facts.service_ports.get(i)?)));
    let port = sp.map(|(_, sp)| {
        let info = &sp.info;
        PortProvenance {
            name: info.name.clone(),
            origin: info.origin.clone(),
            path: format!("spec.ports[{}]", info.port_index),
            cluster_ip: info.cluster_ip,
            port: info.port,
            protocol: info.protocol,
            node_port: info.node_port,
            cluster_endpoints: sp.cluster.len(),
            local_endpoints: sp.local.len(),
            affinity_timeout: info.session_affinity_timeout,
            external_policy_local: info.external_policy_local,
            internal_policy_local: info.internal_policy_local,
        }
    });
    let endpoint = sp.and_then(|(_, sp)| {
        let index = endpoint?;
        let e = sp.endpoints.get(index)?;
        Some(EndpointProvenance {
            index,
            address: e.endpoint_string(),
            pod: e.pod.clone(),
            node: e.node_name.clone(),
            local: e.local,
            origin: e.slice.clone(),
            path: matches!(e.slice, Origin::Written(_))
                .then(|| format!("endpoints[{}]", e.slice_index)),
        })
    });
    let mut config = source.config;
    if matches!(source.what, What::MasqueradeAll) {
        config = config.with(ConfigField::MasqueradeAll);
    }
    if matches!(source.what, What::VirtualServer(_)) {
        config = config.with(ConfigField::IpvsScheduler);
    }
    if matches!(
        source.what,
        What::ToNodePorts | What::Member(SetRole::NodePortIps)
    ) {
        config = config.with(ConfigField::NodePortAddresses);
    }
    let config: Vec<ConfigProvenance> = config
        .iter()
        .map(|field| ConfigProvenance {
            field,
            object: if field.of_node_runtime() {
                facts.node.runtime_origin
            } else {
                facts.config.object
            },
            path: match (field, facts.config.mode) {
                (ConfigField::MasqueradeBit, ProxyMode::Nftables) => "nftables.masqueradeBit",
                _ => field.path(),
            },
        })
        .collect();
    let (fields, address) = match (&port, sp) {
        (Some(port), Some((_, sp))) => service_fields(sp, &port.path, source.what),
        _ => (Vec::new(), None),
    };
    Provenance {
        service_port: port,
        endpoint,
        config,
        by: source.by,
        what: source.what,
        fields,
        address,
    }
}

/// The Service fields a line depends on, read off what it does.
fn service_fields(
    sp: &ServicePortFacts,
    port_path: &str,
    what: What,
) -> (Vec<String>, Option<AddressKind>) {
    let info = &sp.info;
    let mut fields = Vec::new();
    let mut address = None;
    let policy = |fields: &mut Vec<String>, external: bool, internal: bool| {
        if external {
            fields.push("spec.externalTrafficPolicy".to_string());
        }
        if internal {
            fields.push("spec.internalTrafficPolicy".to_string());
        }
    };
    let affinity = |fields: &mut Vec<String>| {
        fields.push("spec.sessionAffinity".to_string());
        fields.push("spec.sessionAffinityConfig".to_string());
    };
    match what {
        What::Entry { entry, .. }
        | What::NoEndpoints { entry, .. }
        | What::VirtualServer(entry)
        | What::Portal { entry, .. } => {
            let kind = entry_kind(sp, entry);
            address_fields(kind, port_path, &mut fields);
            address = Some(kind);
        }
        What::BoundAddress => {
            // The first address bound for the port is its ClusterIP (then external and
            // load-balancer addresses): which one, the listing's line says.
            fields.push("spec.clusterIP".into());
        }
        What::FirewallDrop | What::AllowSourceRange | What::FirewallRest => {
            fields.push("spec.loadBalancerSourceRanges".into());
        }
        What::HealthCheck => fields.push("spec.healthCheckNodePort".into()),
        What::MasqueradeExternal => policy(&mut fields, true, false),
        What::PodShortCircuit
        | What::MasqueradeHost
        | What::HostShortCircuit
        | What::ExternalDispatch { .. } => policy(&mut fields, true, false),
        What::Pick { local: true, .. }
        | What::PickRest { local: true }
        | What::PickUniform { local: true, .. } => policy(
            &mut fields,
            info.external_policy_local,
            info.internal_policy_local,
        ),
        What::AffinityHit | What::AffinityRecord | What::Dnat { affinity: true } => {
            affinity(&mut fields);
            if matches!(what, What::Dnat { .. }) {
                fields.push(format!("{port_path}.targetPort"));
            }
        }
        What::Dnat { affinity: false } | What::RealServer | What::Hairpin => {
            fields.push(format!("{port_path}.targetPort"));
        }
        What::ProxySocket if info.session_affinity_timeout.is_some() => affinity(&mut fields),
        What::Member(SetRole::Ipvs(set)) => match set {
            IpvsSet::ClusterIp | IpvsSet::IpvsIps => {
                address_fields(AddressKind::ClusterIp, port_path, &mut fields)
            }
            IpvsSet::ExternalIp | IpvsSet::ExternalIpLocal => {
                fields.push("spec.externalIPs".into());
                if set == IpvsSet::ExternalIpLocal {
                    policy(&mut fields, true, false);
                }
            }
            IpvsSet::LoadBalancer | IpvsSet::LoadBalancerFw | IpvsSet::LoadBalancerLocal => {
                fields.push("status.loadBalancer.ingress".into());
                if set == IpvsSet::LoadBalancerLocal {
                    policy(&mut fields, true, false);
                }
            }
            IpvsSet::LoadBalancerSourceIp | IpvsSet::LoadBalancerSourceCidr => {
                fields.push("spec.loadBalancerSourceRanges".into());
            }
            IpvsSet::NodePort => fields.push(format!("{port_path}.nodePort")),
            IpvsSet::NodePortLocal => {
                fields.push(format!("{port_path}.nodePort"));
                policy(&mut fields, true, false);
            }
            IpvsSet::HealthCheckNodePort => fields.push("spec.healthCheckNodePort".into()),
            IpvsSet::LoopBack => fields.push(format!("{port_path}.targetPort")),
        },
        What::Member(SetRole::ClusterIps) => fields.push("spec.clusterIP".into()),
        _ => {}
    }
    (fields, address)
}
