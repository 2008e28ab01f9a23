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
pub use super::groups::{Group, GroupKind};
use super::iptables::node::{NodeTables, Step};
use super::lines::{By, FmtSink, LineSink, LineSource, Recorded, What};
pub use super::provenance::{
    AddressKind, ConfigProvenance, EndpointProvenance, Lines, PortProvenance, Provenance,
};
use super::sim::{EngineOutput, Requests, Watched};
use super::trace::{Packet, Trace};
use super::{ProxyFacts, iptables, ipvs, nftables, userspace};
use crate::model::ip::IpFamily;
use std::fmt;
use std::sync::{Arc, OnceLock};

/// kube-proxy on one node, for one IP family, in one mode.
#[derive(Debug)]
pub struct Proxier {
    facts: ProxyFacts,
    rules: OnceLock<Rules>,
    tables: OnceLock<NodeTables>,
    /// [`Proxier::groups`], listed once: what changed compares the groups of the sync
    /// before an edit, which the page's worker keeps, with the next sync's.
    groups: OnceLock<Vec<Group>>,
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
            groups: OnceLock::new(),
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
    /// What the proxier programs, unit by unit (chains, sets, virtual servers, sockets),
    /// each with its lines and the service port it was written for (listed on first use).
    pub fn groups(&self) -> &[Group] {
        self.groups.get_or_init(|| self.list_groups())
    }

    /// The group of one iptables chain of `table` and its rules.
    fn chain_group(&self, table: &iptables::Table, chain: &str, rules: &[iptables::Rule]) -> Group {
        let name_of = |i: Option<usize>| {
            i.and_then(|i| self.facts.service_ports.get(i))
                .map(|sp| sp.info.name.clone())
        };
        let kind = match table.name {
            iptables::TableName::Nat => GroupKind::NatChain,
            _ => GroupKind::FilterChain,
        };
        let role = super::lines::ChainRole::of_iptables(chain);
        Group {
            kind,
            name: chain.to_string(),
            service: name_of(iptables::chain_source(rules, role).service_port),
            lines: rules.iter().map(|r| r.to_string()).collect(),
            line_services: rules
                .iter()
                .map(|r| name_of(r.source.service_port))
                .collect(),
        }
    }

    /// Of the iptables chains of `before` and of `self` (both in iptables mode, else
    /// `None`), the groups a comparison of [`Proxier::groups`] by key could find changed,
    /// each list in its own order: every chain of `self` whose rules differ from those of
    /// the chain of `before` its key finds (the last of that name, as a map of the
    /// groups would), or that `before` lacks; of `before`, the chains so found and those
    /// `self` lacks. A chain whose rules are the same (compared as typed rules first: the
    /// chain, the arguments and the target a line prints) is not listed — what
    /// kube-proxy's partial sync leaves out of its restore input.
    pub fn changed_chains(&self, before: &Proxier) -> Option<(Vec<Group>, Vec<Group>)> {
        let (Rules::Iptables(new), Rules::Iptables(old)) = (self.rules(), before.rules()) else {
            return None;
        };
        let same = |a: &[iptables::Rule], b: &[iptables::Rule]| {
            a.len() == b.len()
                && a.iter()
                    .zip(b)
                    .all(|(x, y)| x.chain == y.chain && x.args == y.args && x.target == y.target)
        };
        let (mut earlier, mut later) = (Vec::new(), Vec::new());
        for (old, new) in [(&old.filter, &new.filter), (&old.nat, &new.nat)] {
            let old_chains = old.chain_slices();
            let new_chains = new.chain_slices();
            let old_index: std::collections::HashMap<&str, usize> = old_chains
                .iter()
                .enumerate()
                .map(|(i, (name, _))| (*name, i))
                .collect();
            let new_names: std::collections::HashSet<&str> =
                new_chains.iter().map(|(name, _)| *name).collect();
            let mut old_wanted = vec![false; old_chains.len()];
            for (name, range) in &new_chains {
                let rules = &new.rules[range.clone()];
                if let Some(&at) = old_index.get(name) {
                    if same(&old.rules[old_chains[at].1.clone()], rules) {
                        continue;
                    }
                    old_wanted[at] = true;
                }
                later.push(self.chain_group(new, name, rules));
            }
            for (at, (name, range)) in old_chains.iter().enumerate() {
                if old_wanted[at] || !new_names.contains(name) {
                    earlier.push(before.chain_group(old, name, &old.rules[range.clone()]));
                }
            }
        }
        Some((earlier, later))
    }

    fn list_groups(&self) -> Vec<Group> {
        let name_of = |i: Option<usize>| {
            i.and_then(|i| self.facts.service_ports.get(i))
                .map(|sp| sp.info.name.clone())
        };
        let mut out = Vec::new();
        let iptables_tables = |out: &mut Vec<Group>, ruleset: &iptables::Ruleset| {
            for table in [&ruleset.filter, &ruleset.nat] {
                for (chain, range) in table.chain_slices() {
                    out.push(self.chain_group(table, chain, &table.rules[range]));
                }
            }
        };
        match self.rules() {
            Rules::Iptables(ruleset) => iptables_tables(&mut out, ruleset),
            Rules::Ipvs(state) => {
                for vs in &state.virtual_servers {
                    let service = name_of(Some(vs.service_port));
                    let mut lines = vec![format!("{} {}", vs.identity(), vs.scheduler)];
                    lines.extend(vs.real_servers.iter().map(|rs| {
                        format!(
                            "-> {} {} {}",
                            rs.address_port(),
                            rs.forward.name(),
                            rs.weight
                        )
                    }));
                    out.push(Group {
                        kind: GroupKind::VirtualServer,
                        name: vs.identity(),
                        service: service.clone(),
                        line_services: vec![service; lines.len()],
                        lines,
                    });
                }
                for set in &state.ipsets {
                    out.push(Group {
                        kind: GroupKind::IpSet,
                        name: set.name.clone(),
                        service: None,
                        lines: set.entries.iter().map(|e| e.to_string()).collect(),
                        line_services: set
                            .sources
                            .iter()
                            .map(|s| name_of(s.service_port))
                            .collect(),
                    });
                }
                out.push(Group {
                    kind: GroupKind::KubeIpvs0,
                    name: ipvs::DUMMY_DEVICE.to_string(),
                    service: None,
                    lines: state
                        .bound_addresses
                        .iter()
                        .map(|a| a.to_string())
                        .collect(),
                    line_services: state
                        .bound_sources
                        .iter()
                        .map(|s| name_of(s.service_port))
                        .collect(),
                });
                iptables_tables(&mut out, &state.iptables);
            }
            Rules::Nftables(ruleset) => {
                let mut index: std::collections::HashMap<(GroupKind, String), usize> =
                    std::collections::HashMap::new();
                for op in ruleset.transaction.operations() {
                    let (kind, name, line, source) = match op {
                        nftables::Operation::AddChain(c) => {
                            (GroupKind::NftChain, c.name.clone(), None, None)
                        }
                        nftables::Operation::AddSet(s) => (
                            GroupKind::NftSet,
                            s.name.clone(),
                            None,
                            s.source.service_port,
                        ),
                        nftables::Operation::AddRule { chain, rule } => (
                            GroupKind::NftChain,
                            chain.clone(),
                            Some(rule.to_string()),
                            rule.source.service_port,
                        ),
                        nftables::Operation::AddElement { set, element } => (
                            GroupKind::NftSet,
                            set.clone(),
                            Some(element.to_string()),
                            element.source.service_port,
                        ),
                        nftables::Operation::AddTable { .. } => continue,
                    };
                    let at = *index.entry((kind, name.clone())).or_insert_with(|| {
                        out.push(Group {
                            kind,
                            name: name.clone(),
                            service: None,
                            lines: Vec::new(),
                            line_services: Vec::new(),
                        });
                        out.len() - 1
                    });
                    let group = &mut out[at];
                    let per_service = match kind {
                        GroupKind::NftChain => {
                            super::lines::ChainRole::of_nft(&name).is_per_service()
                        }
                        _ => {
                            super::lines::SetRole::of_nft(&name) == super::lines::SetRole::Affinity
                        }
                    };
                    if per_service && group.service.is_none() {
                        group.service = name_of(source);
                    }
                    if let Some(line) = line {
                        group.lines.push(line);
                        group.line_services.push(name_of(source));
                    }
                }
            }
            Rules::Userspace(proxier) => {
                let sockets: Vec<&userspace::ProxySocket> = proxier.sockets.iter().collect();
                out.push(Group {
                    kind: GroupKind::ProxySockets,
                    name: "proxy sockets".into(),
                    service: None,
                    lines: sockets.iter().map(|s| s.to_string()).collect(),
                    line_services: sockets
                        .iter()
                        .map(|s| name_of(Some(s.service_port)))
                        .collect(),
                });
                let mut chains: Vec<(GroupKind, String)> = Vec::new();
                for r in proxier.filter.iter().chain(&proxier.nat) {
                    let kind = match r.table {
                        iptables::TableName::Nat => GroupKind::NatChain,
                        _ => GroupKind::FilterChain,
                    };
                    let key = (kind, r.chain.clone());
                    let at = match chains.iter().position(|k| *k == key) {
                        Some(at) => at,
                        None => {
                            chains.push(key.clone());
                            out.push(Group {
                                kind,
                                name: r.chain.clone(),
                                service: None,
                                lines: Vec::new(),
                                line_services: Vec::new(),
                            });
                            chains.len() - 1
                        }
                    };
                    let group = &mut out[at + 1];
                    group.lines.push(r.to_string());
                    group.line_services.push(name_of(r.service_port));
                }
            }
        }
        out
    }

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

    /// How `iptables-save` reads the node's rules in this mode: the restored rules, and
    /// who ensured the jumps from the built-in chains.
    pub fn save_reader(&self) -> (iptables::Reader, By) {
        match self.mode {
            ProxyMode::Ipvs => (ipvs::READER, By::IpvsJumps),
            _ => (iptables::Reader::IPTABLES, By::IptablesJumps),
        }
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
                    LineSource::fixed(By::Svcplay, What::Note),
                    format_args!(
                        "# {}-restore input ({})",
                        iptables::tool(p.family()),
                        p.family()
                    ),
                )?,
                ProxyMode::Nftables if i > 0 => {
                    sink.line(LineSource::layout(By::Svcplay), format_args!(""))?
                }
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
                        LineSource::fixed(By::Svcplay, What::Note),
                        format_args!(
                            "# {}-restore input ({})",
                            iptables::tool(p.family()),
                            p.family()
                        ),
                    );
                }
                ProxyMode::Nftables if i > 0 => {
                    let _ = header.line(LineSource::layout(By::Svcplay), format_args!(""));
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
    /// `ip addr show kube-ipvs0`: the Service addresses IPVS mode binds to the node.
    KubeIpvs0,
    /// nftables mode's `nft -f` transaction ([`NodeProxy::output`]).
    NftTransaction,
    /// `nft list table ip kube-proxy`.
    NftList,
    /// The userspace proxier's sockets and portal rules ([`NodeProxy::output`]).
    Userspace,
}

impl Listing {
    pub const ALL: [Listing; 8] = [
        Listing::RestoreInput,
        Listing::IptablesSave,
        Listing::Ipvsadm,
        Listing::Ipset,
        Listing::KubeIpvs0,
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
            ProxyMode::Ipvs => &[
                Listing::Ipvsadm,
                Listing::Ipset,
                Listing::KubeIpvs0,
                Listing::IptablesSave,
            ],
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
            Listing::KubeIpvs0 => "kube-ipvs0",
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
            Listing::KubeIpvs0 => Some(&["ip", "addr", "show", "kube-ipvs0"]),
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
            Listing::KubeIpvs0 => "ip-addr-kube-ipvs0.txt",
            Listing::NftTransaction => "kube-proxy.nft",
            Listing::NftList => "nft-list-table.txt",
            Listing::Userspace => "userspace.txt",
        }
    }
}
