//! Per-node truth for NodePort and LoadBalancer Services: what each node's kube-proxy does
//! with a connection from outside the cluster.
//!
//! A NodePort (and a load balancer's VIP) is open on every node, but the nodes do not all
//! do the same with it: with `externalTrafficPolicy: Local` a node without a ready Pod of
//! the Service drops the connection and the others deliver it to their own Pods, keeping
//! the client's address; with `Cluster` every node forwards to any Pod, masquerading the
//! source; with no endpoints at all every node rejects. [`table`] answers, node by node,
//! for every NodePort/LoadBalancer service port: it walks the first packet of a
//! connection from an outside client ([`EXTERNAL_CLIENT`]) to the node's IP and NodePort
//! (and to the load balancer's IP on that node) through that node's rules in the
//! scenario's mode ([`walk`], the same tracers `svcplay trace` uses), and reads off the
//! [`Verdict`], the Pods it can reach, whether the client IP is preserved, and the rule
//! that decided. For a LoadBalancer with `externalTrafficPolicy: Local` it also gives
//! what the health-check NodePort answers ([`HealthCheck`]): kube-proxy's service health
//! server's JSON, whose `localEndpoints` tell the load balancer which nodes to use.
//!
//! [`walk`] takes any packet and node (through the analysis's proxier for that packet's
//! path, [`Analysis::proxier_for`]), so a traffic animation can replay its requests
//! through it: each [`Walk`] holds the full [`Trace`] (every hop, rule and object), the
//! destinations with their nodes, and where the source was rewritten.

use crate::model::ip::{IpFamily, join_host_port};
use crate::proxy::config::ProxyMode;
use crate::proxy::trace::{Hop, HopKind, Outcome, Packet, Trace};
use crate::proxy::{NodeProxy, ProxyFacts};
use crate::scenario::Analysis;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// The outside client of the walks: an address of TEST-NET-3 (RFC 5737), outside every
/// cluster range.
pub const EXTERNAL_CLIENT: IpAddr = IpAddr::V4(Ipv4Addr::new(203, 0, 113, 7));
/// The IPv6 outside client (the documentation prefix, RFC 3849).
pub const EXTERNAL_CLIENT_V6: IpAddr =
    IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0xffff, 0, 0, 0, 0, 7));

/// What a node does with the connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Verdict {
    /// Delivered to a Pod on this node (every possible destination is local).
    Accept,
    /// Sent on to Pods on other nodes (some or all possible destinations are elsewhere).
    Forward,
    /// Dropped silently (the client times out).
    Drop,
    /// Rejected (the client gets an ICMP port unreachable: "connection refused").
    Reject,
    /// No kube-proxy rule matched (the port is not open on this address).
    NoRule,
}

impl Verdict {
    /// `accept`, `forward`, `drop`, `reject`, `no rule`.
    pub fn word(self) -> &'static str {
        match self {
            Verdict::Accept => "accept",
            Verdict::Forward => "forward",
            Verdict::Drop => "drop",
            Verdict::Reject => "reject",
            Verdict::NoRule => "no rule",
        }
    }
}

/// One Pod a connection can end at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Destination {
    /// `ip:port` after DNAT.
    pub endpoint: String,
    /// The Pod, when the EndpointSlice names it.
    pub pod: Option<String>,
    /// The node it runs on, when known.
    pub node: Option<String>,
    /// It runs on the node that received the connection.
    pub local: bool,
}

/// One packet walked through one node's kube-proxy, and what it means.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Walk {
    pub node: String,
    pub packet: Packet,
    pub verdict: Verdict,
    /// Every Pod the connection can end at (each equally likely for a new client).
    pub destinations: Vec<Destination>,
    /// The Pod sees the client's own address (no masquerade on the way).
    pub client_ip_preserved: bool,
    /// Forwarded to another node without masquerading: the Pod answers the client
    /// directly from its own address, which the client does not expect (IPVS mode's
    /// Local virtual servers without local endpoints).
    pub reply_bypasses_node: bool,
    /// The rule that decided: for a DNAT the jump that chose the set of endpoints
    /// (`KUBE-EXT-… -j KUBE-SVL-…`, `goto local-…`, the virtual server), else the rule
    /// that dropped or rejected.
    pub decided_by: Option<Hop>,
    /// The rule that marked the connection for masquerading, if one did.
    pub masqueraded_by: Option<Hop>,
    /// The whole walk, every random branch followed.
    pub trace: Trace,
}

/// What kube-proxy's service health server answers on a health-check NodePort
/// (`pkg/proxy/healthcheck`, `hcHandler.ServeHTTP`): 200 when the node has a ready
/// endpoint of the Service (and kube-proxy is healthy, which svcplay assumes), else 503.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HealthCheck {
    pub port: i64,
    pub namespace: String,
    pub name: String,
    /// Distinct IPs of ready endpoints on this node, over every port of the Service
    /// (`EndpointsMap.LocalReadyEndpoints`: terminating endpoints do not count).
    pub local_endpoints: usize,
}

impl HealthCheck {
    /// The HTTP status code.
    pub fn status(&self) -> u16 {
        if self.local_endpoints > 0 { 200 } else { 503 }
    }

    /// The status line's reason phrase.
    pub fn reason(&self) -> &'static str {
        if self.local_endpoints > 0 {
            "OK"
        } else {
            "Service Unavailable"
        }
    }

    /// The body, byte for byte: kube-proxy formats it with `%q`, `%d` and `%v` inside a
    /// dedented template and trims the newlines around it.
    pub fn body(&self) -> String {
        format!(
            "{{\n\t\"service\": {{\n\t\t\"namespace\": {},\n\t\t\"name\": {}\n\t}},\n\t\"localEndpoints\": {},\n\t\"serviceProxyHealthy\": true\n}}",
            crate::quote::go(&self.namespace),
            crate::quote::go(&self.name),
            self.local_endpoints
        )
    }
}

impl fmt::Display for HealthCheck {
    /// What `curl -i http://NODE:PORT/healthz` prints (Go's net/http adds Date, fixed
    /// here at the scenario's time, and Content-Length).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let body = self.body();
        write!(
            f,
            "HTTP/1.1 {} {}\r\nContent-Type: application/json\r\nX-Content-Type-Options: nosniff\r\nDate: Wed, 01 Jan 2025 00:00:10 GMT\r\nContent-Length: {}\r\n\r\n{body}",
            self.status(),
            self.reason(),
            body.len()
        )
    }
}

/// One node's row of the table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeRow {
    pub node: String,
    /// The node's IP the NodePort walk goes to (its primary IP of the Service's family).
    pub node_ip: Option<IpAddr>,
    /// An outside client to `node_ip:nodePort`.
    pub node_port: Option<Walk>,
    /// An outside client to the load balancer's first IP and the Service port, as the
    /// node receives it from the load balancer.
    pub load_balancer: Option<Walk>,
    /// The health-check NodePort's answer on this node.
    pub health: Option<HealthCheck>,
}

/// One NodePort/LoadBalancer service port, node by node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceTruth {
    /// kube-proxy's `namespace/name:port`.
    pub service_port: String,
    /// `NodePort` or `LoadBalancer`.
    pub service_type: String,
    /// `Cluster` or `Local`.
    pub external_traffic_policy: &'static str,
    pub protocol: crate::proxy::Protocol,
    pub port: i64,
    /// 0 when the port has none (`allocateLoadBalancerNodePorts: false`).
    pub node_port: i64,
    /// The load balancer's first VIP, if the Service has one.
    pub load_balancer_ip: Option<IpAddr>,
    /// 0 when the Service has none.
    pub health_check_node_port: i64,
    /// The written Service.
    pub object: Option<usize>,
    pub rows: Vec<NodeRow>,
}

/// kube-proxy on one node (the proxier seam, [`crate::proxy::NodeProxy`]) with only the
/// service ports the table walks: the rules of the others do not change where an outside
/// packet to these goes, and a large cluster's whole ruleset is not rendered per node.
struct Walker {
    proxy: NodeProxy,
}

impl Walker {
    fn new(
        analysis: &Analysis,
        node: &str,
        mode: ProxyMode,
        keep: impl Fn(&crate::proxy::ServicePortInfo) -> bool,
    ) -> Walker {
        let mut facts: Vec<ProxyFacts> = analysis
            .proxy_in(node, mode)
            .proxiers
            .iter()
            .map(|p| p.facts().clone())
            .collect();
        for f in &mut facts {
            // `total_endpoints` stays the whole node's: large-cluster mode is kept.
            f.service_ports.retain(|sp| keep(&sp.info));
        }
        Walker {
            proxy: NodeProxy::new(node, mode, facts),
        }
    }

    fn facts(&self, family: IpFamily) -> Option<&ProxyFacts> {
        self.proxy.family(family).map(|p| p.facts())
    }

    fn walk(&self, packet: Packet) -> Result<Walk, String> {
        let proxier = self.proxy.for_packet(&packet)?;
        Ok(read_walk(
            &self.proxy.node,
            proxier.facts(),
            proxier.trace(packet),
        ))
    }
}

/// Reads a trace: the verdict, the destinations with their nodes, the deciding rule.
fn read_walk(node: &str, facts: &ProxyFacts, trace: Trace) -> Walk {
    let outputs: Vec<String> = match &trace.outcome {
        Outcome::Dnat(to) | Outcome::Several(to) => to.clone(),
        Outcome::Accept => vec!["ACCEPT".into()],
        Outcome::Drop => vec!["DROP".into()],
        Outcome::Reject => vec!["REJECT".into()],
        Outcome::Nothing => Vec::new(),
    };
    let destinations: Vec<Destination> = outputs
        .iter()
        .filter(|o| !matches!(o.as_str(), "ACCEPT" | "DROP" | "REJECT"))
        .map(|endpoint| {
            let known = facts
                .service_ports
                .iter()
                .flat_map(|sp| sp.endpoints.iter())
                .find(|e| e.endpoint_string() == *endpoint);
            Destination {
                endpoint: endpoint.clone(),
                pod: known.and_then(|e| e.pod.clone()),
                node: known.and_then(|e| e.node_name.clone()),
                local: known.is_some_and(|e| e.local),
            }
        })
        .collect();
    let verdict = if outputs.iter().any(|o| o == "DROP") {
        Verdict::Drop
    } else if outputs.iter().any(|o| o == "REJECT") {
        Verdict::Reject
    } else if destinations.is_empty() {
        if outputs.iter().any(|o| o == "ACCEPT") {
            Verdict::Accept
        } else {
            Verdict::NoRule
        }
    } else if destinations.iter().all(|d| d.local) {
        Verdict::Accept
    } else {
        Verdict::Forward
    };
    let first_dnat = trace
        .hops
        .iter()
        .position(|h| h.kind == HopKind::Dnat)
        .unwrap_or(trace.hops.len());
    // A hop that picks one endpoint (the probability cascade, the numgen map, the
    // endpoint's own chain) comes after the decision.
    let endpoint_level = |h: &Hop| {
        [&h.verdict, &h.rule]
            .iter()
            .any(|t| t.contains("KUBE-SEP-") || t.contains("endpoint-"))
            || h.rule_ref.as_ref().is_some_and(|r| r.endpoint.is_some())
    };
    // In IPVS mode the virtual server decides (its real servers, or none).
    let virtual_server = trace
        .hops
        .iter()
        .rev()
        .find(|h| h.location.starts_with("ipvs "))
        .cloned();
    let decided_by = virtual_server.or_else(|| match verdict {
        // The rule that dropped or rejected (nftables decides through a verdict map
        // element: `@no-endpoint-nodeports: tcp . 30080 : drop`).
        Verdict::Drop | Verdict::Reject => trace
            .hops
            .iter()
            .rev()
            .find(|h| {
                let v = h.verdict.to_ascii_lowercase();
                h.kind == HopKind::Verdict
                    || v.ends_with("drop")
                    || v.ends_with("reject")
                    || v.ends_with("goto reject-chain")
            })
            .cloned(),
        Verdict::Accept | Verdict::Forward => trace.hops[..first_dnat]
            .iter()
            .rev()
            .find(|h| h.kind == HopKind::Jump && !endpoint_level(h))
            .or_else(|| trace.hops.get(first_dnat))
            .cloned(),
        Verdict::NoRule => None,
    });
    let masqueraded_by = trace
        .hops
        .iter()
        .find(|h| h.kind == HopKind::Masquerade)
        .cloned();
    let client_ip_preserved = !trace.masquerade && !destinations.is_empty();
    let reply_bypasses_node = client_ip_preserved
        && !facts.node.is_local_address(&trace.packet.src)
        && destinations.iter().any(|d| !d.local && d.node.is_some());
    Walk {
        node: node.to_string(),
        packet: trace.packet,
        verdict,
        destinations,
        client_ip_preserved,
        reply_bypasses_node,
        decided_by,
        masqueraded_by,
        trace,
    }
}

/// Walks `packet` through `node`'s kube-proxy in `mode` (every random branch followed,
/// through the proxier the analysis keeps for that packet's path) and reads what the node
/// does with it.
pub fn walk(
    analysis: &Analysis,
    node: &str,
    mode: ProxyMode,
    packet: Packet,
) -> Result<Walk, String> {
    let proxier = analysis.proxier_for(node, mode, &packet)?;
    Ok(read_walk(node, proxier.facts(), proxier.trace(packet)))
}

/// At most this many service ports are walked (a large dump has thousands; the table is
/// for reading).
pub const MAX_SERVICE_PORTS: usize = 100;

/// Every NodePort and LoadBalancer service port of the scenario, node by node, kube-proxy
/// in `mode`.
pub fn table(analysis: &Analysis, mode: ProxyMode) -> Vec<ServiceTruth> {
    let nodes = analysis.node_names();
    let Some(first_node) = nodes.first() else {
        return Vec::new();
    };
    // The service ports to walk (the same on every node: only their endpoints' locality
    // differs), at most MAX_SERVICE_PORTS of them.
    let mut wanted: Vec<crate::proxy::ServicePortName> = Vec::new();
    for p in &analysis.proxy_in(first_node, mode).proxiers {
        for sp in &p.facts().service_ports {
            let info = &sp.info;
            let external = info.node_port != 0 || !info.load_balancer_vips.is_empty();
            if external && !wanted.contains(&info.name) && wanted.len() < MAX_SERVICE_PORTS {
                wanted.push(info.name.clone());
            }
        }
    }
    if wanted.is_empty() {
        return Vec::new();
    }
    let proxies: Vec<Walker> = nodes
        .iter()
        .map(|n| Walker::new(analysis, n, mode, |info| wanted.contains(&info.name)))
        .collect();
    let Some(first) = proxies.first() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for facts in first.proxy.proxiers.iter().map(|p| p.facts()) {
        for sp in &facts.service_ports {
            let info = &sp.info;
            if info.node_port == 0 && info.load_balancer_vips.is_empty() {
                continue;
            }
            if out.len() >= MAX_SERVICE_PORTS {
                return out;
            }
            let service =
                analysis.objects.services.iter().find(|s| {
                    s.meta.namespace == info.name.namespace && s.meta.name == info.name.name
                });
            let service_type = service
                .and_then(|s| s.spec.type_.clone())
                .unwrap_or_else(|| "NodePort".into());
            let client = match facts.family {
                IpFamily::IPv4 => EXTERNAL_CLIENT,
                IpFamily::IPv6 => EXTERNAL_CLIENT_V6,
            };
            let port16 = |p: i64| u16::try_from(p).ok();
            let rows = proxies
                .iter()
                .map(|proxy| {
                    let node_facts = proxy.facts(facts.family);
                    let node_ip = node_facts.map(|f| f.node.proxier_node_ip(facts.family));
                    let walk_to = |dst: IpAddr, port: i64| {
                        let packet = Packet {
                            src: client,
                            dst,
                            dport: port16(port)?,
                            protocol: info.protocol,
                        };
                        proxy.walk(packet).ok()
                    };
                    let node_port = match (node_ip, info.node_port) {
                        (Some(ip), p) if p != 0 => walk_to(ip, p),
                        _ => None,
                    };
                    let load_balancer = info
                        .load_balancer_vips
                        .first()
                        .and_then(|vip| walk_to(*vip, info.port));
                    let health = (info.health_check_node_port != 0)
                        .then(|| node_facts.map(|f| health_check(f, info)))
                        .flatten();
                    NodeRow {
                        node: proxy.proxy.node.clone(),
                        node_ip,
                        node_port,
                        load_balancer,
                        health,
                    }
                })
                .collect();
            out.push(ServiceTruth {
                service_port: info.name.to_string(),
                service_type,
                external_traffic_policy: if info.external_policy_local {
                    "Local"
                } else {
                    "Cluster"
                },
                protocol: info.protocol,
                port: info.port,
                node_port: info.node_port,
                load_balancer_ip: info.load_balancer_vips.first().copied(),
                health_check_node_port: info.health_check_node_port,
                object: info.origin.object(),
                rows,
            });
        }
    }
    out
}

/// kube-proxy's service health server on the node of `facts` for the Service of `info`.
fn health_check(facts: &ProxyFacts, info: &crate::proxy::ServicePortInfo) -> HealthCheck {
    let mut ips: Vec<IpAddr> = Vec::new();
    for sp in facts.service_ports.iter().filter(|sp| {
        sp.info.name.namespace == info.name.namespace && sp.info.name.name == info.name.name
    }) {
        for e in sp.endpoints.iter().filter(|e| e.local && e.ready) {
            if !ips.contains(&e.ip) {
                ips.push(e.ip);
            }
        }
    }
    HealthCheck {
        port: info.health_check_node_port,
        namespace: info.name.namespace.clone(),
        name: info.name.name.clone(),
        local_endpoints: ips.len(),
    }
}

impl fmt::Display for Walk {
    /// `forward to 10.244.1.2:80 (web-1 on k8s-worker01), …; client IP masqueraded`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.verdict.word())?;
        if !self.destinations.is_empty() {
            f.write_str(" to ")?;
            for (i, d) in self.destinations.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                f.write_str(&d.endpoint)?;
                if let Some(n) = &d.node {
                    write!(f, " ({})", if d.local { "this node" } else { n })?;
                }
            }
            f.write_str(if self.client_ip_preserved {
                "; client IP preserved"
            } else {
                "; client IP masqueraded"
            })?;
        }
        Ok(())
    }
}

impl fmt::Display for ServiceTruth {
    /// A table, one line per node (`svcplay per-node`), then the health-check answers.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}  {}  externalTrafficPolicy: {}  {} {}",
            self.service_port,
            self.service_type,
            self.external_traffic_policy,
            self.protocol.as_str(),
            self.port
        )?;
        if self.node_port != 0 {
            write!(f, "  nodePort {}", self.node_port)?;
        }
        if let Some(ip) = self.load_balancer_ip {
            write!(f, "  load balancer {ip}")?;
        }
        if self.health_check_node_port != 0 {
            write!(f, "  healthCheckNodePort {}", self.health_check_node_port)?;
        }
        writeln!(f)?;
        let mut text = String::from("NODE\tDESTINATION\tTRAFFIC\tPODS\tCLIENT IP\tDECIDED BY\n");
        let mut line = |row: &NodeRow, to: String, walk: &Walk| {
            let pods = if walk.destinations.is_empty() {
                "-".to_string()
            } else {
                walk.destinations
                    .iter()
                    .map(|d| match (&d.node, d.local) {
                        (_, true) => format!("{} (here)", d.endpoint),
                        (Some(n), false) => format!("{} ({n})", d.endpoint),
                        (None, false) => d.endpoint.clone(),
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let client = match (walk.destinations.is_empty(), walk.client_ip_preserved) {
                (true, _) => "-",
                (false, true) if walk.reply_bypasses_node => "preserved (reply bypasses node)",
                (false, true) => "preserved",
                (false, false) => "masqueraded",
            };
            let decided = walk.decided_by.as_ref().map_or("-".to_string(), |h| {
                format!("{}: {}  => {}", h.location, h.rule, h.verdict)
            });
            text.push_str(&format!(
                "{}\t{to}\t{}\t{pods}\t{client}\t{decided}\n",
                row.node,
                walk.verdict.word()
            ));
        };
        for row in &self.rows {
            if let (Some(ip), Some(w)) = (row.node_ip, &row.node_port) {
                line(row, join_host_port(&ip, self.node_port), w);
            }
            if let (Some(ip), Some(w)) = (self.load_balancer_ip, &row.load_balancer) {
                line(row, join_host_port(&ip, self.port), w);
            }
        }
        f.write_str(&crate::views::tabwriter::format(&text, 0, 2))?;
        for row in &self.rows {
            if let Some(h) = &row.health {
                writeln!(
                    f,
                    "{}: GET /healthz on :{} -> {} {}",
                    row.node,
                    h.port,
                    h.status(),
                    h.reason()
                )?;
                for l in h.body().lines() {
                    writeln!(f, "  {l}")?;
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{Options, analyze};

    const LOCAL: &str = concat!(
        include_str!("examples/local-traffic-policy.yaml"),
        include_str!("examples/pc-deployment.yaml"),
        include_str!("examples/cluster.yaml")
    );

    fn rows(text: &str) -> Vec<ServiceTruth> {
        let analysis = analyze(text, Options::default());
        table(&analysis, analysis.proxy_config.mode)
    }

    #[test]
    fn local_policy_drops_on_nodes_without_pods_and_keeps_the_client_ip() {
        let truth = rows(LOCAL);
        assert_eq!(truth.len(), 1);
        let t = &truth[0];
        assert_eq!(t.service_port, "dev/my-service");
        assert_eq!(t.external_traffic_policy, "Local");
        let by_node: Vec<(&str, Verdict, usize, bool)> = t
            .rows
            .iter()
            .map(|r| {
                let w = r.node_port.as_ref().unwrap();
                (
                    r.node.as_str(),
                    w.verdict,
                    w.destinations.len(),
                    w.client_ip_preserved,
                )
            })
            .collect();
        assert_eq!(
            by_node,
            [
                ("k8s-master01", Verdict::Drop, 0, false),
                ("k8s-worker01", Verdict::Accept, 2, true),
                ("k8s-worker02", Verdict::Accept, 1, true),
            ]
        );
        let master = t.rows[0].node_port.as_ref().unwrap();
        let rule = master.decided_by.as_ref().unwrap();
        assert_eq!(rule.location, "filter KUBE-EXTERNAL-SERVICES");
        assert!(
            rule.rule.contains("has no local endpoints"),
            "{}",
            rule.rule
        );
        let worker = t.rows[1].node_port.as_ref().unwrap();
        assert!(
            worker
                .decided_by
                .as_ref()
                .unwrap()
                .rule
                .contains("-j KUBE-SVL-"),
            "{t}"
        );
        assert!(t.rows.iter().all(|r| r.health.is_none()));
    }

    #[test]
    fn cluster_policy_forwards_and_masquerades() {
        let text = LOCAL.replace(
            "externalTrafficPolicy: Local   # Cluster (the default) or Local",
            "externalTrafficPolicy: Cluster",
        );
        let truth = rows(&text);
        for row in &truth[0].rows {
            let w = row.node_port.as_ref().unwrap();
            assert_eq!(w.verdict, Verdict::Forward, "{}", truth[0]);
            assert_eq!(w.destinations.len(), 3);
            assert!(!w.client_ip_preserved);
            assert!(w.masqueraded_by.is_some());
            assert!(w.decided_by.as_ref().unwrap().rule.contains("-j KUBE-SVC-"));
        }
        // No Pods at all: every node rejects.
        let none = text.replace("replicas: 3", "replicas: 0");
        for row in &rows(&none)[0].rows {
            assert_eq!(row.node_port.as_ref().unwrap().verdict, Verdict::Reject);
        }
    }

    #[test]
    fn every_mode_gives_the_same_answers() {
        for mode in ["nftables", "ipvs"] {
            let text = format!(
                "apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\nmode: {mode}\n---\n{LOCAL}"
            );
            let truth = rows(&text);
            let verdicts: Vec<Verdict> = truth[0]
                .rows
                .iter()
                .map(|r| r.node_port.as_ref().unwrap().verdict)
                .collect();
            let expected = if mode == "ipvs" {
                // IPVS mode gives a Local virtual server without local endpoints the
                // cluster's (kube-proxy PR 97081), unmasqueraded: the Pod answers the
                // client directly, and the client drops the reply.
                vec![Verdict::Forward, Verdict::Accept, Verdict::Accept]
            } else {
                vec![Verdict::Drop, Verdict::Accept, Verdict::Accept]
            };
            assert_eq!(verdicts, expected, "{mode}: {}", truth[0]);
            let master = truth[0].rows[0].node_port.as_ref().unwrap();
            assert_eq!(master.reply_bypasses_node, mode == "ipvs", "{mode}");
            let decided = master.decided_by.as_ref().unwrap();
            if mode == "ipvs" {
                assert_eq!(decided.location, "ipvs LOCAL_IN", "{}", truth[0]);
                assert_eq!(decided.rule, "TCP  192.168.115.160:30080 rr");
            } else {
                assert!(
                    decided.rule.contains("DROP") || decided.verdict.ends_with(": drop"),
                    "{}",
                    truth[0]
                );
            }
        }
    }

    #[test]
    fn the_health_check_answers_with_kube_proxy_s_json() {
        let text = LOCAL.replace(
            "type: NodePort",
            "type: LoadBalancer\n  healthCheckNodePort: 32000",
        );
        let truth = rows(&text);
        let t = &truth[0];
        assert_eq!(t.health_check_node_port, 32000, "{t}");
        let answers: Vec<(u16, usize)> = t
            .rows
            .iter()
            .map(|r| {
                let h = r.health.as_ref().unwrap();
                (h.status(), h.local_endpoints)
            })
            .collect();
        assert_eq!(answers, [(503, 0), (200, 2), (200, 1)]);
        let worker = t.rows[1].health.as_ref().unwrap();
        assert_eq!(
            worker.body(),
            "{\n\t\"service\": {\n\t\t\"namespace\": \"dev\",\n\t\t\"name\": \"my-service\"\n\t},\n\t\"localEndpoints\": 2,\n\t\"serviceProxyHealthy\": true\n}"
        );
        let response = t.rows[0].health.as_ref().unwrap().to_string();
        assert!(
            response.starts_with("HTTP/1.1 503 Service Unavailable\r\n"),
            "{response}"
        );
        assert!(response.contains("\"localEndpoints\": 0,"), "{response}");
    }

    #[test]
    fn a_load_balancer_ip_is_walked_too() {
        // kube-proxy's own nftables test of a LoadBalancer with externalTrafficPolicy:
        // Local (one local endpoint of two), as stored objects.
        let text =
            include_str!("../tests/fixtures/kube-proxy-nftables/nft-12-etp-local/input.yaml");
        let analysis = analyze(text, Options { stored: true });
        let truth = table(&analysis, analysis.proxy_config.mode);
        let t = &truth[0];
        assert_eq!(t.load_balancer_ip, Some("1.2.3.4".parse().unwrap()), "{t}");
        let row = &t.rows[0];
        for walk in [
            row.node_port.as_ref().unwrap(),
            row.load_balancer.as_ref().unwrap(),
        ] {
            assert_eq!(walk.verdict, Verdict::Accept, "{t}");
            assert_eq!(walk.destinations.len(), 1);
            assert_eq!(walk.destinations[0].endpoint, "10.180.2.1:80");
            assert!(walk.client_ip_preserved);
            assert!(
                walk.decided_by
                    .as_ref()
                    .unwrap()
                    .rule
                    .contains("goto local-"),
                "{t}"
            );
        }
        let health = row.health.as_ref().unwrap();
        assert_eq!(
            (health.port, health.status(), health.local_endpoints),
            (30000, 200, 1)
        );
    }

    #[test]
    fn terminating_endpoints_serve_but_do_not_count_for_the_health_check() {
        // A Service without a selector, its EndpointSlice written out: on k8s-worker02
        // the only endpoint is terminating but still serving.
        let text = concat!(
            "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: default}\n",
            "spec:\n  type: LoadBalancer\n  externalTrafficPolicy: Local\n  healthCheckNodePort: 32000\n",
            "  ports: [{port: 80, nodePort: 30080}]\n---\n",
            "apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\n",
            "metadata: {name: web-1, namespace: default, labels: {kubernetes.io/service-name: web}}\n",
            "addressType: IPv4\nports: [{name: \"\", port: 80}]\nendpoints:\n",
            "- addresses: [10.244.1.9]\n  nodeName: k8s-worker01\n",
            "- addresses: [10.244.2.9]\n  nodeName: k8s-worker02\n",
            "  conditions: {ready: false, serving: true, terminating: true}\n",
        )
        .to_string()
            + include_str!("examples/cluster.yaml");
        let truth = rows(&text);
        let t = &truth[0];
        let worker02 = &t.rows[2];
        let health = worker02.health.as_ref().unwrap();
        assert_eq!((health.status(), health.local_endpoints), (503, 0), "{t}");
        // kube-proxy still sends the node's traffic to its terminating endpoint.
        let walk = worker02.node_port.as_ref().unwrap();
        assert_eq!(walk.verdict, Verdict::Accept, "{t}");
        assert_eq!(walk.destinations[0].endpoint, "10.244.2.9:80");
        let worker01 = t.rows[1].health.as_ref().unwrap();
        assert_eq!((worker01.status(), worker01.local_endpoints), (200, 1));
    }
}
