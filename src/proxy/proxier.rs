//! The proxier seam: one value per node, IP family and mode, as kube-proxy's own
//! `Provider` interface is one per backend.
//!
//! A [`Proxier`] is built from the [`ProxyFacts`] of one node and family (whose
//! configuration names the mode) and renders its mode's rules once, on first use. It
//! answers everything a caller asks of kube-proxy on that node:
//!
//! - [`Proxier::output`]: what the mode writes (the iptables-restore input, the
//!   `nft -f` transaction, the userspace proxier's sockets and portal rules);
//! - [`Proxier::lines`]: the same text line by line, each line with its
//!   [`Provenance`] — the Service port (object and `spec.ports[i]`), the endpoint
//!   (EndpointSlice object and `endpoints[j]`) and the configuration fields it was
//!   written for, read from the typed rules, never from the printed text;
//! - [`Proxier::trace`]: a packet walked through the rules, every random branch followed;
//! - [`Proxier::simulate`]: N seeded requests through the same rules ([`super::sim`]);
//! - the mode's own state for the tools that list it ([`Proxier::node_tables`] for
//!   `iptables-save`, [`Proxier::nftables`], [`Proxier::ipvs`], [`Proxier::userspace`]).
//!
//! [`NodeProxy`] holds the proxiers of one node in one mode (one per IP family, IPv4
//! first) and composes their outputs the way `svcplay kube-proxy` prints them. Nobody
//! outside `proxy` switches on the mode: the CLI, the page, the views and the simulator
//! all go through these two types. The analysis caches them
//! ([`crate::scenario::Analysis::proxy`]); a walk or a simulation of one packet on a
//! node whose whole ruleset was never asked for uses a proxier built from
//! [`super::facts_for_packet`] instead, which renders only what the packet can meet.

use super::config::ProxyMode;
use super::iptables::node::{NodeTables, Step};
use super::lines::{ConfigField, FmtSink, LineSink, LineSource, Recorded};
use super::sim::{EngineOutput, Requests, Watched};
use super::trace::{Packet, Trace};
use super::{ProxyFacts, RuleSource, ServicePortName, iptables, ipvs, nftables, userspace};
use crate::model::Origin;
use crate::model::ip::IpFamily;
use std::fmt;
use std::sync::{Arc, OnceLock};

/// kube-proxy on one node, for one IP family, in one mode.
#[derive(Debug)]
pub struct Proxier {
    facts: ProxyFacts,
    rules: OnceLock<Rules>,
    tables: OnceLock<NodeTables>,
}

/// What a mode renders.
#[derive(Debug)]
enum Rules {
    Iptables(iptables::Ruleset),
    Ipvs(Box<ipvs::IpvsState>),
    Nftables(nftables::Ruleset),
    Userspace(userspace::Proxier),
}

impl Proxier {
    /// The proxier of the facts' node and family, in the mode of the facts'
    /// configuration. Nothing is rendered until something is asked.
    pub fn new(facts: ProxyFacts) -> Proxier {
        Proxier {
            facts,
            rules: OnceLock::new(),
            tables: OnceLock::new(),
        }
    }

    pub fn mode(&self) -> ProxyMode {
        self.facts.config.mode
    }

    pub fn family(&self) -> IpFamily {
        self.facts.family
    }

    pub fn facts(&self) -> &ProxyFacts {
        &self.facts
    }

    /// Whether the rules were rendered already.
    pub fn is_rendered(&self) -> bool {
        self.rules.get().is_some()
    }

    fn rules(&self) -> &Rules {
        self.rules.get_or_init(|| match self.mode() {
            ProxyMode::Iptables => Rules::Iptables(iptables::render(&self.facts)),
            ProxyMode::Ipvs => Rules::Ipvs(Box::new(ipvs::render(&self.facts))),
            ProxyMode::Nftables => Rules::Nftables(nftables::ruleset(&self.facts)),
            ProxyMode::Userspace => Rules::Userspace(userspace::render(&self.facts)),
        })
    }

    /// The iptables mode's ruleset (iptables mode only).
    pub fn iptables(&self) -> Option<&iptables::Ruleset> {
        match self.rules() {
            Rules::Iptables(r) => Some(r),
            _ => None,
        }
    }

    /// The IPVS state: virtual servers, ipsets, kube-ipvs0 and the iptables part (IPVS
    /// mode only).
    pub fn ipvs(&self) -> Option<&ipvs::IpvsState> {
        match self.rules() {
            Rules::Ipvs(s) => Some(s),
            _ => None,
        }
    }

    /// The nftables transaction and the table it leaves (nftables mode only).
    pub fn nftables(&self) -> Option<&nftables::Ruleset> {
        match self.rules() {
            Rules::Nftables(r) => Some(r),
            _ => None,
        }
    }

    /// The userspace proxier's sockets and portal rules (userspace mode only).
    pub fn userspace(&self) -> Option<&userspace::Proxier> {
        match self.rules() {
            Rules::Userspace(p) => Some(p),
            _ => None,
        }
    }

    /// The node's iptables tables after kube-proxy started and synced, as
    /// `iptables-save` lists them: in iptables mode its restore on top of the base
    /// chains, in IPVS mode the rules IPVS mode keeps; `None` in the modes that leave
    /// iptables alone (nftables, and userspace whose rules are not modelled in tables).
    pub fn node_tables(&self) -> Option<&NodeTables> {
        let tables = match self.rules() {
            Rules::Iptables(ruleset) => self
                .tables
                .get_or_init(|| NodeTables::after_sync(ruleset, &self.facts.node)),
            Rules::Ipvs(state) => self.tables.get_or_init(|| {
                let mut tables = NodeTables::new(self.facts.family);
                tables.apply(&Step::Restore, &state.save_ruleset());
                tables
            }),
            Rules::Nftables(_) | Rules::Userspace(_) => return None,
        };
        Some(tables)
    }

    /// What the mode writes for this family: the iptables-restore input (iptables mode;
    /// IPVS mode's iptables part, nat first), the `nft -f` transaction, or the userspace
    /// proxier's description and portal rules.
    pub fn output(&self) -> Output<'_> {
        Output(self)
    }

    /// [`Proxier::output`] line by line with the source of each line.
    pub fn write_lines(&self, sink: &mut dyn LineSink) -> fmt::Result {
        match self.rules() {
            Rules::Iptables(ruleset) => ruleset.write_lines(sink),
            Rules::Ipvs(state) => state.restore_input().write_lines(sink),
            Rules::Nftables(ruleset) => ruleset.transaction.write_lines(sink),
            Rules::Userspace(proxier) => proxier.write_lines(sink),
        }
    }

    /// [`Proxier::output`] with the provenance of every line.
    pub fn lines(&self) -> Lines {
        let mut recorded = Recorded::default();
        // Writing into a String cannot fail.
        let _ = self.write_lines(&mut recorded);
        Lines::resolve(recorded, &self.facts)
    }

    /// Walks `packet` through the rules, every random branch followed: the command-line
    /// contract's trace.
    pub fn trace(&self, packet: Packet) -> Trace {
        match self.rules() {
            Rules::Iptables(_) => {
                let tables = self.node_tables().expect("iptables mode has tables");
                iptables::trace::trace(&self.facts, tables, packet)
            }
            Rules::Ipvs(state) => ipvs::trace(&self.facts, state, &packet),
            Rules::Nftables(ruleset) => nftables::trace(
                &ruleset.table,
                &self.facts,
                packet,
                &mut nftables::AllBranches,
            ),
            Rules::Userspace(proxier) => userspace::trace(proxier, &self.facts, packet),
        }
    }

    /// Sends `requests` seeded requests of `packet` through the rules.
    pub fn simulate(&self, packet: &Packet, requests: &Requests) -> EngineOutput {
        let facts = &self.facts;
        match self.rules() {
            Rules::Iptables(_) => {
                let tables = self.node_tables().expect("iptables mode has tables");
                super::sim::iptables::simulate(facts, tables, packet, requests)
            }
            Rules::Ipvs(state) => super::sim::ipvs::simulate(facts, state, packet, requests),
            Rules::Nftables(ruleset) => {
                super::sim::nftables::simulate(facts, &ruleset.table, packet, requests)
            }
            Rules::Userspace(proxier) => {
                super::sim::userspace::simulate(facts, proxier, packet, requests)
            }
        }
    }
}

impl Proxier {
    /// The first `requests.record` requests of [`Proxier::simulate`]'s seeded run, each
    /// walked hop by hop with the choices it drew (the page's animation and its step
    /// through one request).
    pub fn watch(&self, packet: &Packet, requests: &Requests) -> Vec<Watched> {
        let facts = &self.facts;
        match self.rules() {
            Rules::Iptables(_) => {
                let tables = self.node_tables().expect("iptables mode has tables");
                super::sim::iptables::watch(facts, tables, packet, requests)
            }
            Rules::Ipvs(state) => super::sim::ipvs::watch(facts, state, packet, requests),
            Rules::Nftables(ruleset) => {
                super::sim::nftables::watch(facts, &ruleset.table, packet, requests)
            }
            Rules::Userspace(proxier) => {
                super::sim::userspace::watch(facts, proxier, packet, requests)
            }
        }
    }

    /// [`Proxier::simulate`] for several packets at once (the rules prepared once for
    /// all of them).
    pub fn simulate_many(&self, packets: &[Packet], requests: &Requests) -> Vec<EngineOutput> {
        match self.rules() {
            Rules::Iptables(_) => {
                let tables = self.node_tables().expect("iptables mode has tables");
                super::sim::iptables::simulate_many(&self.facts, tables, packets, requests)
            }
            _ => packets
                .iter()
                .map(|packet| self.simulate(packet, requests))
                .collect(),
        }
    }
}

/// What a proxier writes ([`Proxier::output`]).
pub struct Output<'a>(&'a Proxier);

impl fmt::Display for Output<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.write_lines(&mut FmtSink(f))
    }
}

/// kube-proxy on one node in one mode: a proxier per IP family it runs, IPv4 first.
#[derive(Debug)]
pub struct NodeProxy {
    pub node: String,
    pub mode: ProxyMode,
    pub proxiers: Vec<Arc<Proxier>>,
}

impl NodeProxy {
    /// The proxiers for the facts of each family (IPv4 first). The userspace proxier of
    /// v1.25 ran the node's primary family only.
    pub fn new(node: &str, mode: ProxyMode, facts: Vec<ProxyFacts>) -> NodeProxy {
        let mut proxiers: Vec<Arc<Proxier>> = facts
            .into_iter()
            .map(|f| Arc::new(Proxier::new(f)))
            .collect();
        if mode == ProxyMode::Userspace {
            proxiers.truncate(1);
        }
        NodeProxy {
            node: node.to_string(),
            mode,
            proxiers,
        }
    }

    /// The proxier of a family, if kube-proxy runs one.
    pub fn family(&self, family: IpFamily) -> Option<&Arc<Proxier>> {
        self.proxiers.iter().find(|p| p.family() == family)
    }

    /// The proxier a packet meets: its destination's family. An error says why there is
    /// none (in words for people).
    pub fn for_packet(&self, packet: &Packet) -> Result<&Arc<Proxier>, String> {
        let family = IpFamily::of(&packet.dst);
        if IpFamily::of(&packet.src) != family {
            return Err(format!(
                "the source {} and the destination {} are of different IP families",
                packet.src, packet.dst
            ));
        }
        self.family(family).ok_or_else(|| {
            // The userspace proxier ran one family only, so say why the other is missing.
            let why = if self.mode == ProxyMode::Userspace {
                " (the userspace mode runs one IP family)"
            } else {
                ""
            };
            format!(
                "kube-proxy on node {:?} runs no {family} proxier{why}",
                self.node
            )
        })
    }

    /// The outputs a page or a terminal offers for the mode, the first being what
    /// kube-proxy itself writes (or, in IPVS mode, the virtual servers it programs).
    pub fn listings(&self) -> &'static [Listing] {
        Listing::of_mode(self.mode)
    }

    /// What kube-proxy writes on the node, every family: `svcplay kube-proxy`'s output.
    /// Several iptables-restore inputs (iptables and IPVS mode) each get a `#
    /// iptables-restore input (IPv4)` heading; nftables transactions are separated by a
    /// blank line.
    pub fn output(&self) -> NodeOutput<'_> {
        NodeOutput(self)
    }

    /// [`NodeProxy::output`] line by line with the source of each line.
    pub fn write_lines(&self, sink: &mut dyn LineSink) -> fmt::Result {
        let many = self.proxiers.len() > 1;
        for (i, p) in self.proxiers.iter().enumerate() {
            match self.mode {
                ProxyMode::Iptables | ProxyMode::Ipvs if many => sink.line(
                    LineSource::NONE,
                    format_args!(
                        "# {}-restore input ({})",
                        iptables::tool(p.family()),
                        p.family()
                    ),
                )?,
                ProxyMode::Nftables if i > 0 => sink.line(LineSource::NONE, format_args!(""))?,
                _ => {}
            }
            p.write_lines(sink)?;
        }
        Ok(())
    }

    /// [`NodeProxy::output`] with the provenance of every line (a line's service port
    /// and endpoint indexes are those of its own family's facts).
    pub fn lines(&self) -> Lines {
        let mut lines = Lines::default();
        let many = self.proxiers.len() > 1;
        for (i, p) in self.proxiers.iter().enumerate() {
            let mut header = Recorded::default();
            match self.mode {
                ProxyMode::Iptables | ProxyMode::Ipvs if many => {
                    let _ = header.line(
                        LineSource::NONE,
                        format_args!(
                            "# {}-restore input ({})",
                            iptables::tool(p.family()),
                            p.family()
                        ),
                    );
                }
                ProxyMode::Nftables if i > 0 => {
                    let _ = header.line(LineSource::NONE, format_args!(""));
                }
                _ => {}
            }
            lines.append(Lines::resolve(header, p.facts()));
            lines.append(p.lines());
        }
        lines
    }
}

/// What a node's kube-proxy writes ([`NodeProxy::output`]).
pub struct NodeOutput<'a>(&'a NodeProxy);

impl fmt::Display for NodeOutput<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.write_lines(&mut FmtSink(f))
    }
}

/// The listings of a mode's state: what kube-proxy writes, and what the node's tools
/// print of it (the page's kube-proxy panel offers them, the first by default).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Listing {
    /// iptables mode's iptables-restore input ([`NodeProxy::output`]).
    RestoreInput,
    /// `iptables-save`.
    IptablesSave,
    /// `ipvsadm -Ln`.
    Ipvsadm,
    /// `ipset list`.
    Ipset,
    /// nftables mode's `nft -f` transaction ([`NodeProxy::output`]).
    NftTransaction,
    /// `nft list table ip kube-proxy`.
    NftList,
    /// The userspace proxier's sockets and portal rules ([`NodeProxy::output`]).
    Userspace,
}

impl Listing {
    pub const ALL: [Listing; 7] = [
        Listing::RestoreInput,
        Listing::IptablesSave,
        Listing::Ipvsadm,
        Listing::Ipset,
        Listing::NftTransaction,
        Listing::NftList,
        Listing::Userspace,
    ];

    /// The listings of a mode, the first being the one to show first.
    pub fn of_mode(mode: ProxyMode) -> &'static [Listing] {
        match mode {
            ProxyMode::Iptables => &[Listing::RestoreInput, Listing::IptablesSave],
            // IPVS mode's iptables part differs from iptables mode's rules: it is shown
            // through iptables-save, never as iptables mode's restore input.
            ProxyMode::Ipvs => &[Listing::Ipvsadm, Listing::Ipset, Listing::IptablesSave],
            ProxyMode::Nftables => &[Listing::NftTransaction, Listing::NftList],
            ProxyMode::Userspace => &[Listing::Userspace],
        }
    }

    /// The name used in URLs (`rules=`).
    pub fn id(self) -> &'static str {
        match self {
            Listing::RestoreInput => "restore",
            Listing::IptablesSave => "iptables-save",
            Listing::Ipvsadm => "ipvsadm",
            Listing::Ipset => "ipset",
            Listing::NftTransaction => "nft",
            Listing::NftList => "nft-list",
            Listing::Userspace => "userspace",
        }
    }

    pub fn parse(id: &str) -> Option<Listing> {
        Listing::ALL.into_iter().find(|v| v.id() == id)
    }

    /// The simulated command that prints the listing; `None` for what kube-proxy itself
    /// writes ([`NodeProxy::output`]).
    pub fn command(self) -> Option<&'static [&'static str]> {
        match self {
            Listing::IptablesSave => Some(&["iptables-save"]),
            Listing::Ipvsadm => Some(&["ipvsadm", "-Ln"]),
            Listing::Ipset => Some(&["ipset", "list"]),
            Listing::NftList => Some(&["nft", "list", "table", "ip", "kube-proxy"]),
            Listing::RestoreInput | Listing::NftTransaction | Listing::Userspace => None,
        }
    }

    /// The file name a download of the listing gets.
    pub fn file_name(self) -> &'static str {
        match self {
            Listing::RestoreInput => "iptables-restore.txt",
            Listing::IptablesSave => "iptables-save.txt",
            Listing::Ipvsadm => "ipvsadm-Ln.txt",
            Listing::Ipset => "ipset-list.txt",
            Listing::NftTransaction => "kube-proxy.nft",
            Listing::NftList => "nft-list-table.txt",
            Listing::Userspace => "userspace.txt",
        }
    }
}

/// Where a line of output comes from, resolved to objects and field paths.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Provenance {
    pub service_port: Option<PortProvenance>,
    pub endpoint: Option<EndpointProvenance>,
    /// Configuration fields the line depends on, each with its document.
    pub config: Vec<ConfigProvenance>,
}

/// The Service port a line was written for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PortProvenance {
    /// Index into the facts' `service_ports`.
    pub index: usize,
    /// `namespace/name:port`, as kube-proxy names it.
    pub name: ServicePortName,
    /// The Service: written in the scenario, or made by the cluster.
    pub origin: Origin,
    /// The port's field in the written Service: `spec.ports[0]`.
    pub path: String,
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

/// An output with the provenance of each line ([`Proxier::lines`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Lines {
    /// The output, exactly as [`Proxier::output`] prints it.
    pub text: String,
    /// Per line of `text`: 0, or 1 + an index into `sources`.
    pub line_sources: Vec<u32>,
    /// The distinct provenances, in order of first use.
    pub sources: Vec<Provenance>,
}

impl Lines {
    /// Resolves recorded line sources against the facts they index.
    fn resolve(recorded: Recorded, facts: &ProxyFacts) -> Lines {
        let mut index: std::collections::HashMap<LineSource, u32> =
            std::collections::HashMap::new();
        let mut sources = Vec::new();
        let line_sources = recorded
            .sources
            .iter()
            .map(|source| {
                *index
                    .entry(*source)
                    .or_insert_with(|| match provenance(facts, *source) {
                        Some(p) => {
                            sources.push(p);
                            sources.len() as u32
                        }
                        None => 0,
                    })
            })
            .collect();
        Lines {
            text: recorded.text,
            line_sources,
            sources,
        }
    }

    /// Appends another output's lines.
    pub fn append(&mut self, other: Lines) {
        let offset = self.sources.len() as u32;
        self.text.push_str(&other.text);
        self.line_sources.extend(
            other
                .line_sources
                .into_iter()
                .map(|s| if s == 0 { 0 } else { s + offset }),
        );
        self.sources.extend(other.sources);
    }

    /// Every line with its provenance, if it has one.
    pub fn iter(&self) -> impl Iterator<Item = (&str, Option<&Provenance>)> {
        self.text.lines().zip(&self.line_sources).map(|(line, s)| {
            let source = match *s {
                0 => None,
                n => self.sources.get(n as usize - 1),
            };
            (line, source)
        })
    }
}

/// A line source resolved against the facts; `None` for a line written for nothing in
/// particular.
fn provenance(facts: &ProxyFacts, source: LineSource) -> Option<Provenance> {
    let RuleSource {
        service_port,
        endpoint,
    } = source.rule;
    let sp = service_port.and_then(|i| Some((i, facts.service_ports.get(i)?)));
    let port = sp.map(|(index, sp)| PortProvenance {
        index,
        name: sp.info.name.clone(),
        origin: sp.info.origin.clone(),
        path: format!("spec.ports[{}]", sp.info.port_index),
    });
    let endpoint = sp.and_then(|(_, sp)| {
        let index = endpoint?;
        let e = sp.endpoints.get(index)?;
        Some(EndpointProvenance {
            index,
            address: e.endpoint_string(),
            pod: e.pod.clone(),
            origin: e.slice.clone(),
            path: matches!(e.slice, Origin::Written(_))
                .then(|| format!("endpoints[{}]", e.slice_index)),
        })
    });
    let config: Vec<ConfigProvenance> = source
        .config
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
    if port.is_none() && endpoint.is_none() && config.is_empty() {
        return None;
    }
    Some(Provenance {
        service_port: port,
        endpoint,
        config,
    })
}
