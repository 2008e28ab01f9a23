//! Traffic simulation: where N requests from a client of the scenario land.
//!
//! [`run`] takes an [`Analysis`] and a [`SimRequest`] (client, destination, number of
//! requests, seed, spacing of the requests on a simulated clock), resolves who the client
//! is and which node's rules the requests meet, and sends them through that node's
//! [`Proxier`](crate::proxy::Proxier) ([`Analysis::simulate`], the engines of
//! [`crate::proxy::sim`]). It returns a [`SimResult`]: per endpoint the count and the
//! exact probability computed from the same rules, with the Pod and node behind it;
//! `Display` is the `svcplay simulate` table, [`SimResult::to_json`] its JSON.
//!
//! [`spread`] sends the requests from a client on every node at once, each walking its
//! own node's rules, with the result per client node and summed; [`clients`] lists who
//! can send requests and where to.

pub mod clients;
pub mod spread;
pub mod watch;

pub use crate::proxy::sim::{DEFAULT_INTERVAL_MS, Landed, parse_host_port};

use crate::model::ip::{IpFamily, join_host_port};
use crate::proxy::config::ProxyMode;
use crate::proxy::sim::{EngineOutput, Requests};
use crate::proxy::trace::Packet;
use crate::proxy::{Protocol, ProxyFacts};
use crate::quote;
use crate::scenario::Analysis;
use std::fmt;
use std::net::IpAddr;

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
    /// The proxy mode (default: the scenario's configured one; the page may choose
    /// another).
    pub mode: Option<ProxyMode>,
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
            mode: None,
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
            let src = clients::node_address(analysis, &node, family).ok_or_else(|| {
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

/// The first Service port with a ClusterIP, `default/kubernetes` last (the first
/// ClusterIP of [`clients::destinations`]).
fn default_destination(analysis: &Analysis) -> Option<(IpAddr, u16)> {
    clients::destinations(analysis)
        .into_iter()
        .find(|d| d.kind == clients::DestinationKind::ClusterIp)
        .map(|d| (d.ip, d.port))
}

/// Runs the simulation; an `Err` says why it cannot run (in words for people).
pub fn run(analysis: &Analysis, request: &SimRequest) -> Result<SimResult, String> {
    let (node, packet, client) = resolve(analysis, request)?;
    let mode = request.mode.unwrap_or(analysis.proxy_config.mode);
    let proxier = analysis.proxier_for(&node, mode, &packet)?;
    let requests = Requests {
        count: request.requests,
        seed: request.seed,
        interval_ms: request.interval_ms,
        record: request.record,
    };
    let output = proxier.simulate(&packet, &requests);
    Ok(assemble(
        mode,
        node,
        packet,
        client,
        request,
        proxier.facts(),
        output,
    ))
}

/// The exact shares of a new request from `node` itself to each ClusterIP of the
/// scenario (the first `limit`, in [`clients::destinations`] order): the simulator's
/// EXPECTED column for every Service at once, computed from the node's rules rendered
/// once (no request is sent: the counts are zero).
pub fn expected(
    analysis: &Analysis,
    node: &str,
    mode: Option<ProxyMode>,
    limit: usize,
) -> Vec<SimResult> {
    let mode = mode.unwrap_or(analysis.proxy_config.mode);
    let proxy = analysis.proxy_in(node, mode);
    let destinations: Vec<clients::Destination> = clients::destinations(analysis)
        .into_iter()
        .filter(|d| d.kind == clients::DestinationKind::ClusterIp)
        .take(limit)
        .collect();
    let none = Requests {
        count: 0,
        seed: 1,
        interval_ms: DEFAULT_INTERVAL_MS,
        record: 0,
    };
    let mut out = Vec::new();
    for proxier in &proxy.proxiers {
        let family = proxier.family();
        let Some(src) = clients::node_address(analysis, node, family) else {
            continue;
        };
        let packets: Vec<Packet> = destinations
            .iter()
            .filter(|d| IpFamily::of(&d.ip) == family)
            .map(|d| Packet {
                src,
                dst: d.ip,
                dport: d.port,
                protocol: d.protocol,
            })
            .collect();
        let client = Client::of(analysis, &src);
        for (packet, output) in packets.iter().zip(proxier.simulate_many(&packets, &none)) {
            let request = SimRequest {
                node: Some(node.to_string()),
                src: Some(src),
                dst: Some((packet.dst, packet.dport)),
                protocol: packet.protocol,
                requests: 0,
                mode: Some(mode),
                ..SimRequest::default()
            };
            out.push(assemble(
                mode,
                node.to_string(),
                *packet,
                client.clone(),
                &request,
                proxier.facts(),
                output,
            ));
        }
    }
    out
}

/// The Pod (`namespace/name`) and node behind an endpoint, from the service ports the
/// packet is addressed to first (the same ones whether the facts hold the whole node or
/// only this packet's path).
pub fn endpoint_owner(
    facts: &ProxyFacts,
    packet: &Packet,
    ip: IpAddr,
    port: i64,
) -> (Option<String>, Option<String>) {
    let addressed = |info: &crate::proxy::ServicePortInfo| {
        info.addressed_by(packet.dst, i64::from(packet.dport), packet.protocol)
    };
    let in_ports = |first: bool| {
        facts
            .service_ports
            .iter()
            .filter(|sp| addressed(&sp.info) == first)
            .flat_map(|sp| sp.endpoints.iter())
            .find(|e| e.ip == ip && e.port == port)
            .map(|e| (e.pod.clone(), e.node_name.clone()))
    };
    in_ports(true)
        .or_else(|| in_ports(false))
        .unwrap_or((None, None))
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
    let lookup = |ip: IpAddr, port: i64| endpoint_owner(facts, &packet, ip, port);
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

impl SimResult {
    /// The result of the first `n` requests of this run, from its recorded sequence
    /// (the run of `n` requests is a prefix of the run of all of them: same seed, same
    /// clock). The masqueraded count is the run's own, scaled; `None` when the run did
    /// not record `n` requests.
    pub fn prefix(&self, n: u64) -> Option<SimResult> {
        let n_usize = usize::try_from(n).ok()?;
        if n_usize > self.sequence.len() {
            return None;
        }
        let landed = &self.sequence[..n_usize];
        let count = |l: Landed| landed.iter().filter(|x| **x == l).count() as u64;
        let mut result = self.clone();
        result.requests = n;
        for e in &mut result.endpoints {
            e.count = count(Landed::Endpoint(e.ip, e.port));
        }
        result.dropped = count(Landed::Drop);
        result.rejected = count(Landed::Reject);
        result.unhandled = count(Landed::Unhandled);
        result.masqueraded = self
            .masqueraded
            .saturating_mul(n)
            .checked_div(self.requests)
            .unwrap_or(0);
        result.sequence.truncate(n_usize);
        Some(result)
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
            quote::json(self.mode.as_str())
        ));
        out.push_str(&format!("  \"node\": {},\n", quote::json(&self.node)));
        out.push_str(&format!(
            "  \"src\": {},\n",
            quote::json(&self.packet.src.to_string())
        ));
        out.push_str(&format!(
            "  \"dst\": {},\n",
            quote::json(&join_host_port(
                &self.packet.dst,
                i64::from(self.packet.dport)
            ))
        ));
        out.push_str(&format!(
            "  \"protocol\": {},\n",
            quote::json(self.packet.protocol.as_str())
        ));
        out.push_str(&format!("  \"seed\": {},\n", self.seed));
        out.push_str(&format!("  \"requests\": {},\n", self.requests));
        out.push_str("  \"endpoints\": [");
        for (i, e) in self.endpoints.iter().enumerate() {
            out.push_str(if i == 0 { "\n" } else { ",\n" });
            out.push_str(&format!(
                "    {{\"address\": {}, \"pod\": {}, \"node\": {}, \"count\": {}, \"probability\": {}}}",
                quote::json(&e.address()),
                quote::json_or_null(e.pod.as_deref()),
                quote::json_or_null(e.node.as_deref()),
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

#[cfg(test)]
mod tests;
