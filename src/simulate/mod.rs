//! Traffic simulation: where N requests land, walked through the rules each proxy mode
//! generates, with every random choice drawn from a seeded generator.
//!
//! [`run`] takes an [`Analysis`] and a [`SimRequest`] (client, destination, number of
//! requests, seed, spacing of the requests on a simulated clock) and returns a
//! [`SimResult`]: per endpoint the count, and the exact probability computed from the
//! same rules. Nothing here models a mode a second time: each engine drives the mode's
//! own walker through its seam.
//!
//! - iptables ([`iptables`]): the compiled [`Program`](crate::proxy::iptables::trace::Program)
//!   walked once per request; its `statistic` choices are drawn like xt_statistic (31
//!   random bits against the probability stored as `p · 2³¹`), its `recent` lists are kept
//!   with their timestamps on the simulated clock. The analytical probabilities come from
//!   enumerating every branch sequence of the same walk, multiplying the stored
//!   probabilities along it.
//! - nftables ([`nftables`]): the table's tracer with a chooser that draws `numgen random
//!   mod n` like the kernel and keeps the affinity sets with their timeouts; analytically,
//!   every `numgen` branch has probability 1/n.
//! - IPVS ([`ipvs`]): the IPVS walk (its iptables rules and the virtual server) decides
//!   whether the request reaches a virtual server; the kernel's scheduler state machine
//!   ([`IpvsService`](crate::proxy::ipvs::kernel::IpvsService)) then picks the real server
//!   for each connection, with connection and persistence state. Each request is one
//!   short connection (opened and closed at its time).
//! - userspace ([`userspace`]): the portal rules, then kube-proxy v1.25's round robin with
//!   ClientIP affinity.
//!
//! [`spread`] sends the requests from a client on every node at once, each walking its
//! own node's rules, with the result per client node and summed.
//!
//! Affinity (ClientIP) pins a client until its timeout; the analytical probability is
//! then the distribution of a new client's first request.

pub mod curl;
pub mod iptables;
pub mod ipvs;
pub mod nftables;
pub mod rng;
pub mod spread;
pub mod userspace;

use crate::model::ip::{IpFamily, join_host_port};
use crate::proxy::config::ProxyMode;
use crate::proxy::trace::{Outcome, Packet};
use crate::proxy::{Protocol, ProxyFacts};
use crate::scenario::Analysis;
use std::collections::HashMap;
use std::fmt;
use std::net::IpAddr;

/// The default spacing of requests on the simulated clock.
pub const DEFAULT_INTERVAL_MS: u64 = 1000;

/// The most requests one simulation sends (10 million): each walks the rules, so 10¹²
/// would run for hours, while the counts' shares settle long before (at 10⁷ within
/// 0.05 % of the exact probabilities the table prints beside them). More is refused.
pub const MAX_REQUESTS: u64 = 10_000_000;

/// Refuses a number of requests over [`MAX_REQUESTS`].
pub fn check_requests(requests: u64) -> Result<(), String> {
    if requests > MAX_REQUESTS {
        return Err(format!(
            "{requests} requests are more than svcplay simulates at once (at most {MAX_REQUESTS}); the exact probabilities beside the counts do not depend on the number"
        ));
    }
    Ok(())
}

/// What to simulate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SimRequest {
    /// The client's node (default: the node of the client's address, else the
    /// scenario's default node). The requests walk its rules — or, when the destination
    /// is another node's own address (a NodePort there), that node's rules.
    pub node: Option<String>,
    /// The client's address (default: the node's own first address).
    pub src: Option<IpAddr>,
    /// Destination address and port (default: the first Service port with a ClusterIP,
    /// `default/kubernetes` last).
    pub dst: Option<(IpAddr, u16)>,
    pub protocol: Protocol,
    pub requests: u64,
    pub seed: u64,
    /// Milliseconds between two requests on the simulated clock.
    pub interval_ms: u64,
    /// How many of the first requests to list in order in [`SimResult::sequence`] (for
    /// an animation of arrivals, or the terminal's `curl` loop).
    pub record: usize,
}

impl Default for SimRequest {
    fn default() -> SimRequest {
        SimRequest {
            node: None,
            src: None,
            dst: None,
            protocol: Protocol::Tcp,
            requests: 1000,
            seed: 1,
            interval_ms: DEFAULT_INTERVAL_MS,
            record: 0,
        }
    }
}

/// Who sends the requests.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Client {
    /// A Pod (namespace/name) on a node.
    Pod { pod: String, node: Option<String> },
    /// The node itself (one of its own addresses).
    Node(String),
    /// Something outside the cluster (a NodePort, externalIP or load-balancer client).
    External,
}

impl Client {
    /// What `src` is in the scenario.
    pub fn of(analysis: &Analysis, src: &IpAddr) -> Client {
        let text = src.to_string();
        for pod in &analysis.objects.pods {
            let has = pod.status.pod_ip.as_deref() == Some(text.as_str())
                || pod.status.pod_ips.contains(&text);
            if has && !pod.spec.host_network {
                return Client::Pod {
                    pod: format!("{}/{}", pod.meta.namespace, pod.meta.name),
                    node: pod.spec.node_name.clone(),
                };
            }
        }
        for name in analysis.node_names() {
            let context = analysis.node_context(&name);
            if !src.is_loopback() && context.is_local_address(src) {
                return Client::Node(name);
            }
        }
        Client::External
    }
}

impl fmt::Display for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Client::Pod {
                pod,
                node: Some(node),
            } => write!(f, "pod {pod} on {node}"),
            Client::Pod { pod, node: None } => write!(f, "pod {pod}"),
            Client::Node(node) => write!(f, "node {node}"),
            Client::External => f.write_str("external client"),
        }
    }
}

/// One endpoint's share of the requests.
#[derive(Clone, Debug, PartialEq)]
pub struct EndpointShare {
    pub ip: IpAddr,
    pub port: i64,
    /// `namespace/name` of the Pod behind the endpoint, when the scenario knows it.
    pub pod: Option<String>,
    pub node: Option<String>,
    pub count: u64,
    /// The exact probability of a new client's request landing here, from the rules;
    /// `None` when the mode's choice has no closed form (some IPVS schedulers).
    pub probability: Option<f64>,
}

impl EndpointShare {
    /// `ip:port` (`[ip]:port` for IPv6).
    pub fn address(&self) -> String {
        join_host_port(&self.ip, self.port)
    }
}

/// Where requests went.
#[derive(Clone, Debug, PartialEq)]
pub struct SimResult {
    pub mode: ProxyMode,
    pub node: String,
    pub packet: Packet,
    pub client: Client,
    pub requests: u64,
    pub seed: u64,
    pub interval_ms: u64,
    /// Every endpoint a request can reach (in rule order), then any other reached.
    pub endpoints: Vec<EndpointShare>,
    pub dropped: u64,
    pub rejected: u64,
    /// Requests no proxy rule handled (accepted as addressed, or no rule matched).
    pub unhandled: u64,
    pub dropped_probability: f64,
    pub rejected_probability: f64,
    pub unhandled_probability: f64,
    /// Requests the endpoint sees from a masqueraded (node) address.
    pub masqueraded: u64,
    /// The ClientIP affinity timeout in seconds, when the destination has affinity.
    pub affinity_seconds: Option<i64>,
    /// Why some probabilities are unknown, or other caveats.
    pub note: Option<String>,
    /// Where each of the first [`SimRequest::record`] requests landed, in order.
    pub sequence: Vec<Landed>,
}

/// What happened to one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Landed {
    Endpoint(IpAddr, i64),
    Drop,
    Reject,
    Unhandled,
}

impl Landed {
    /// The first end of a walk's outputs: a drop or reject anywhere wins, then the first
    /// DNAT destination, else nothing handled the packet.
    pub fn of_outcome(outcome: &Outcome) -> Landed {
        let strings: Vec<&str> = match outcome {
            Outcome::Dnat(v) | Outcome::Several(v) => v.iter().map(String::as_str).collect(),
            Outcome::Accept | Outcome::Nothing => return Landed::Unhandled,
            Outcome::Drop => return Landed::Drop,
            Outcome::Reject => return Landed::Reject,
        };
        if strings.contains(&"DROP") {
            return Landed::Drop;
        }
        if strings.contains(&"REJECT") {
            return Landed::Reject;
        }
        strings
            .iter()
            .find_map(|s| parse_host_port(s))
            .map_or(Landed::Unhandled, |(ip, port)| Landed::Endpoint(ip, port))
    }
}

/// `ip:port` or `[ip]:port`.
pub fn parse_host_port(text: &str) -> Option<(IpAddr, i64)> {
    let (host, port) = text.rsplit_once(':')?;
    let ip = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse()
        .ok()?;
    Some((ip, port.parse().ok()?))
}

/// The exact distribution over ends, in the order the rules list them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Analytic {
    pub ends: Vec<(Landed, f64)>,
    /// Probability that a request is masqueraded (informational).
    pub masquerade: f64,
}

impl Analytic {
    pub fn add(&mut self, landed: Landed, p: f64) {
        if let Some(e) = self.ends.iter_mut().find(|(l, _)| *l == landed) {
            e.1 += p;
        } else {
            self.ends.push((landed, p));
        }
    }

    pub fn of(&self, landed: Landed) -> f64 {
        self.ends
            .iter()
            .find(|(l, _)| *l == landed)
            .map_or(0.0, |(_, p)| *p)
    }
}

/// Counts per end, kept while the requests run.
#[derive(Clone, Debug, Default)]
pub struct Tally {
    pub index: HashMap<Landed, usize>,
    pub counts: Vec<(Landed, u64)>,
    pub masqueraded: u64,
    /// How many requests [`Tally::add`] lists in `sequence`.
    pub record: usize,
    pub sequence: Vec<Landed>,
}

impl Tally {
    /// A tally that lists the first `record` requests in order.
    pub fn recording(record: usize) -> Tally {
        Tally {
            record,
            ..Tally::default()
        }
    }

    #[inline]
    pub fn add(&mut self, landed: Landed, masquerade: bool) {
        if self.sequence.len() < self.record {
            self.sequence.push(landed);
        }
        let counts = &mut self.counts;
        let at = *self.index.entry(landed).or_insert_with(|| {
            counts.push((landed, 0));
            counts.len() - 1
        });
        self.counts[at].1 += 1;
        if masquerade {
            self.masqueraded += 1;
        }
    }

    /// `count` requests at once (nothing is added for 0, so unreached ends stay unlisted).
    pub fn add_many(&mut self, landed: Landed, masquerade: bool, count: u64) {
        if count == 0 {
            return;
        }
        let counts = &mut self.counts;
        let at = *self.index.entry(landed).or_insert_with(|| {
            counts.push((landed, 0));
            counts.len() - 1
        });
        self.counts[at].1 += count;
        if masquerade {
            self.masqueraded += count;
        }
    }

    pub fn count(&self, landed: Landed) -> u64 {
        self.index.get(&landed).map_or(0, |&i| self.counts[i].1)
    }
}

/// What one engine produced.
pub struct EngineOutput {
    pub tally: Tally,
    /// `None`: the mode's choice has no closed form (some IPVS schedulers).
    pub analytic: Option<Analytic>,
    pub affinity_seconds: Option<i64>,
    pub note: Option<String>,
}

/// Resolves the request's defaults against the scenario: (node, packet, client).
pub fn resolve(
    analysis: &Analysis,
    request: &SimRequest,
) -> Result<(String, Packet, Client), String> {
    check_requests(request.requests)?;
    let dst = match request.dst {
        Some(d) => d,
        None => default_destination(analysis).ok_or_else(|| {
            "the scenario has no Service with a ClusterIP to send requests to".to_string()
        })?,
    };
    let src_given = request.src;
    let client_node_of = |client: &Client| match client {
        Client::Pod { node, .. } => node.clone(),
        Client::Node(n) => Some(n.clone()),
        Client::External => None,
    };
    let (node, src) = match src_given {
        Some(src) => {
            let client = Client::of(analysis, &src);
            let node = request
                .node
                .clone()
                .or_else(|| client_node_of(&client))
                .unwrap_or_else(|| analysis.default_node());
            (node, src)
        }
        None => {
            let node = request
                .node
                .clone()
                .unwrap_or_else(|| analysis.default_node());
            let family = IpFamily::of(&dst.0);
            let context = analysis.node_context(&node);
            let src = context
                .interfaces
                .iter()
                .map(|(_, ip, _)| *ip)
                .find(|ip| !ip.is_loopback() && IpFamily::of(ip) == family)
                .ok_or_else(|| {
                    format!("node {node:?} has no {family} address to send from; give --src")
                })?;
            (node, src)
        }
    };
    if IpFamily::of(&src) != IpFamily::of(&dst.0) {
        return Err(format!(
            "the source {src} and the destination {} are of different IP families",
            dst.0
        ));
    }
    let client = Client::of(analysis, &src);
    // A request to another node's own address (its NodePort) crosses the network and
    // meets that node's rules, as a packet from outside.
    let node = match Client::of(analysis, &dst.0) {
        Client::Node(dst_node) if dst_node != node => dst_node,
        _ => node,
    };
    let packet = Packet {
        src,
        dst: dst.0,
        dport: dst.1,
        protocol: request.protocol,
    };
    Ok((node, packet, client))
}

/// The first Service port with a ClusterIP, `default/kubernetes` last.
fn default_destination(analysis: &Analysis) -> Option<(IpAddr, u16)> {
    let mut services: Vec<_> = analysis.objects.services.iter().collect();
    services.sort_by_key(|s| s.meta.namespace == "default" && s.meta.name == "kubernetes");
    services.iter().find_map(|s| {
        let ip: IpAddr = s.spec.cluster_ip.as_deref()?.parse().ok()?;
        let port = s.spec.ports.first()?.port?;
        Some((ip, u16::try_from(port).ok()?))
    })
}

/// Runs the simulation; an `Err` says why it cannot run (in words for people).
pub fn run(analysis: &Analysis, request: &SimRequest) -> Result<SimResult, String> {
    let (node, packet, client) = resolve(analysis, request)?;
    let family = IpFamily::of(&packet.dst);
    let all = analysis.proxy_facts(&node);
    let Some(facts) = all.iter().find(|f| f.family == family) else {
        return Err(format!(
            "kube-proxy on node {node:?} runs no {family} proxier"
        ));
    };
    let mode = analysis.proxy_config.mode;
    let output = match mode {
        ProxyMode::Iptables => iptables::simulate(facts, &packet, request),
        ProxyMode::Nftables => nftables::simulate(facts, &packet, request),
        ProxyMode::Ipvs => ipvs::simulate(facts, &packet, request),
        ProxyMode::Userspace => userspace::simulate(facts, &packet, request),
    };
    Ok(assemble(mode, node, packet, client, request, facts, output))
}

fn assemble(
    mode: ProxyMode,
    node: String,
    packet: Packet,
    client: Client,
    request: &SimRequest,
    facts: &ProxyFacts,
    output: EngineOutput,
) -> SimResult {
    let lookup = |ip: IpAddr, port: i64| {
        facts
            .service_ports
            .iter()
            .flat_map(|sp| sp.endpoints.iter())
            .find(|e| e.ip == ip && e.port == port)
            .map(|e| (e.pod.clone(), e.node_name.clone()))
            .unwrap_or((None, None))
    };
    let mut endpoints: Vec<EndpointShare> = Vec::new();
    let push = |ip: IpAddr, port: i64, endpoints: &mut Vec<EndpointShare>| {
        if !endpoints.iter().any(|e| e.ip == ip && e.port == port) {
            let (pod, node) = lookup(ip, port);
            endpoints.push(EndpointShare {
                ip,
                port,
                pod,
                node,
                count: output.tally.count(Landed::Endpoint(ip, port)),
                probability: None,
            });
        }
    };
    if let Some(analytic) = &output.analytic {
        for (landed, _) in &analytic.ends {
            if let Landed::Endpoint(ip, port) = landed {
                push(*ip, *port, &mut endpoints);
            }
        }
    }
    for (landed, _) in &output.tally.counts {
        if let Landed::Endpoint(ip, port) = landed {
            push(*ip, *port, &mut endpoints);
        }
    }
    if let Some(analytic) = &output.analytic {
        for e in &mut endpoints {
            e.probability = Some(analytic.of(Landed::Endpoint(e.ip, e.port)));
        }
    }
    let p = |l: Landed| output.analytic.as_ref().map_or(0.0, |a| a.of(l));
    SimResult {
        mode,
        node,
        packet,
        client,
        requests: request.requests,
        seed: request.seed,
        interval_ms: request.interval_ms,
        endpoints,
        dropped: output.tally.count(Landed::Drop),
        rejected: output.tally.count(Landed::Reject),
        unhandled: output.tally.count(Landed::Unhandled),
        dropped_probability: p(Landed::Drop),
        rejected_probability: p(Landed::Reject),
        unhandled_probability: p(Landed::Unhandled),
        masqueraded: output.tally.masqueraded,
        affinity_seconds: output.affinity_seconds,
        note: output.note,
        sequence: output.tally.sequence,
    }
}

/// A share as a percentage with two decimals.
fn percent(count: u64, total: u64) -> String {
    if total == 0 {
        return "-".to_string();
    }
    format!("{:.2}%", count as f64 * 100.0 / total as f64)
}

fn percent_p(p: Option<f64>) -> String {
    p.map_or_else(|| "-".to_string(), |p| format!("{:.4}%", p * 100.0))
}

impl fmt::Display for SimResult {
    /// The table `svcplay simulate` prints.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} requests {} on node {} ({} mode, seed {}, one every {} ms)",
            self.requests,
            self.packet,
            self.node,
            self.mode.as_str(),
            self.seed,
            self.interval_ms
        )?;
        writeln!(f, "client: {}", self.client)?;
        if let Some(t) = self.affinity_seconds {
            writeln!(
                f,
                "session affinity: ClientIP, {t} s (a client stays on one endpoint until it is idle that long; EXPECTED is a new client's first request)"
            )?;
        }
        let header = ["ENDPOINT", "POD", "NODE", "COUNT", "SHARE", "EXPECTED"];
        let mut rows: Vec<[String; 6]> = vec![header.map(str::to_string)];
        for e in &self.endpoints {
            rows.push([
                e.address(),
                e.pod.clone().unwrap_or_else(|| "<none>".into()),
                e.node.clone().unwrap_or_else(|| "<none>".into()),
                e.count.to_string(),
                percent(e.count, self.requests),
                percent_p(e.probability),
            ]);
        }
        let mut others = vec![
            ("dropped", self.dropped, self.dropped_probability),
            ("rejected", self.rejected, self.rejected_probability),
        ];
        if self.unhandled > 0 || self.unhandled_probability > 0.0 {
            others.push(("not proxied", self.unhandled, self.unhandled_probability));
        }
        for (what, count, p) in others {
            rows.push([
                format!("({what})"),
                String::new(),
                String::new(),
                count.to_string(),
                percent(count, self.requests),
                percent_p(Some(p)),
            ]);
        }
        let mut widths = [0usize; 6];
        for row in &rows {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(cell.chars().count());
            }
        }
        for row in &rows {
            let mut line = String::new();
            for (i, cell) in row.iter().enumerate() {
                if i + 1 == row.len() {
                    line.push_str(cell);
                } else {
                    line.push_str(cell);
                    let pad = widths[i] - cell.chars().count() + 3;
                    line.extend(std::iter::repeat_n(' ', pad));
                }
            }
            writeln!(f, "{}", line.trim_end())?;
        }
        let reached: u64 = self.endpoints.iter().map(|e| e.count).sum();
        let client_ip = if reached == 0 {
            "no request reached an endpoint".to_string()
        } else if self.masqueraded == 0 {
            format!("preserved ({} seen by the endpoints)", self.packet.src)
        } else if self.masqueraded >= reached {
            "masqueraded (the endpoints see the node's address)".to_string()
        } else {
            format!("masqueraded for {} of {reached} requests", self.masqueraded)
        };
        writeln!(f, "client IP: {client_ip}")?;
        if let Some(note) = &self.note {
            writeln!(f, "note: {note}")?;
        }
        Ok(())
    }
}

/// JSON string literal.
fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn json_opt_string(s: &Option<String>) -> String {
    s.as_deref().map_or_else(|| "null".to_string(), json_string)
}

/// A probability as a JSON number: Rust's shortest round-trip form, the same on every
/// platform.
fn json_number(p: f64) -> String {
    if p.is_finite() {
        format!("{p:?}")
    } else {
        "null".to_string()
    }
}

impl SimResult {
    /// The `--format json` object of the command-line contract.
    pub fn to_json(&self) -> String {
        let mut out = String::new();
        out.push_str("{\n");
        out.push_str(&format!(
            "  \"mode\": {},\n",
            json_string(self.mode.as_str())
        ));
        out.push_str(&format!("  \"node\": {},\n", json_string(&self.node)));
        out.push_str(&format!(
            "  \"src\": {},\n",
            json_string(&self.packet.src.to_string())
        ));
        out.push_str(&format!(
            "  \"dst\": {},\n",
            json_string(&join_host_port(
                &self.packet.dst,
                i64::from(self.packet.dport)
            ))
        ));
        out.push_str(&format!(
            "  \"protocol\": {},\n",
            json_string(self.packet.protocol.as_str())
        ));
        out.push_str(&format!("  \"seed\": {},\n", self.seed));
        out.push_str(&format!("  \"requests\": {},\n", self.requests));
        out.push_str("  \"endpoints\": [");
        for (i, e) in self.endpoints.iter().enumerate() {
            out.push_str(if i == 0 { "\n" } else { ",\n" });
            out.push_str(&format!(
                "    {{\"address\": {}, \"pod\": {}, \"node\": {}, \"count\": {}, \"probability\": {}}}",
                json_string(&e.address()),
                json_opt_string(&e.pod),
                json_opt_string(&e.node),
                e.count,
                e.probability.map_or_else(|| "null".to_string(), json_number)
            ));
        }
        out.push_str(if self.endpoints.is_empty() {
            "],\n"
        } else {
            "\n  ],\n"
        });
        out.push_str(&format!("  \"dropped\": {},\n", self.dropped));
        out.push_str(&format!("  \"rejected\": {},\n", self.rejected));
        out.push_str(&format!("  \"unhandled\": {},\n", self.unhandled));
        out.push_str(&format!("  \"masqueraded\": {}\n", self.masqueraded));
        out.push_str("}\n");
        out
    }
}

/// The ClientIP affinity timeout of the Service port `packet` is addressed to (by
/// ClusterIP, externalIP, load-balancer IP or NodePort), if that port has affinity.
pub fn affinity_of(facts: &ProxyFacts, packet: &Packet) -> Option<i64> {
    let dport = i64::from(packet.dport);
    facts
        .service_ports
        .iter()
        .map(|sp| &sp.info)
        .find(|info| {
            info.protocol == packet.protocol
                && ((info.port == dport
                    && (info.cluster_ip == packet.dst
                        || info.external_ips.contains(&packet.dst)
                        || info.load_balancer_vips.contains(&packet.dst)))
                    || (info.node_port != 0 && info.node_port == dport))
        })
        .and_then(|info| info.session_affinity_timeout)
}

#[cfg(test)]
mod tests;
