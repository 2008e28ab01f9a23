//! Clients spread over the nodes: the same destination asked from every node at once.
//!
//! A Service's traffic rarely comes from one place. [`run`] sends the requests of a
//! [`SimRequest`] from one client on each node of the scenario — the node's first running
//! Pod with an address of the destination's family (not on the host network), else the
//! node itself — splitting them evenly (the first nodes take the remainder), and walks
//! each share through *that* node's rules, as kube-proxy on each node programs them. So
//! `internalTrafficPolicy: Local`, topology hints and node-local endpoints show their
//! effect per client node. Each node's share is an ordinary [`super::run`] with the seed
//! `seed + index` (index in node order), so the whole is as reproducible as one run.

use super::{EndpointShare, SimRequest, SimResult};
use crate::model::ip::IpFamily;
use crate::scenario::Analysis;
use std::fmt;
use std::net::IpAddr;

/// The requests of every client node, and their sum per endpoint.
#[derive(Clone, Debug, PartialEq)]
pub struct Spread {
    /// One result per client node, in node order.
    pub per_node: Vec<SimResult>,
    /// Every endpoint reached or reachable from any node: counts summed, the probability
    /// the requests-weighted mean of the nodes' (unknown if any node's is).
    pub endpoints: Vec<EndpointShare>,
    pub requests: u64,
    pub dropped: u64,
    pub rejected: u64,
}

/// The client on `node`: its first running Pod of the family (of the scenario's own: the
/// cluster's add-ons in kube-system are not clients), else the node itself.
fn client_on(analysis: &Analysis, node: &str, family: IpFamily) -> Option<IpAddr> {
    let pod = analysis
        .objects
        .pods
        .iter()
        .filter(|p| p.spec.node_name.as_deref() == Some(node) && !p.spec.host_network)
        .filter(|p| p.meta.origin != crate::model::Origin::Builtin)
        .filter(|p| !p.is_terminating())
        .flat_map(|p| p.status.pod_ip.iter().chain(&p.status.pod_ips))
        .filter_map(|ip| crate::model::ip::parse_ip_sloppy(ip))
        .find(|ip| IpFamily::of(ip) == family);
    pod.or_else(|| super::clients::node_address(analysis, node, family))
}

/// Sends `request.requests` requests from a client on every node (see the module
/// documentation); `request.src` and `request.node` are ignored.
pub fn run(analysis: &Analysis, request: &SimRequest) -> Result<Spread, String> {
    let (_, packet, _) = super::resolve(analysis, request)?;
    let family = IpFamily::of(&packet.dst);
    let nodes = analysis.node_names();
    if nodes.is_empty() {
        return Err("the scenario has no Node to send requests from".into());
    }
    let n = nodes.len() as u64;
    let mut per_node = Vec::new();
    for (index, node) in nodes.iter().enumerate() {
        let share = request.requests / n + u64::from((index as u64) < request.requests % n);
        let Some(src) = client_on(analysis, node, family) else {
            continue;
        };
        let one = SimRequest {
            node: Some(node.clone()),
            src: Some(src),
            dst: Some((packet.dst, packet.dport)),
            requests: share,
            seed: request.seed.wrapping_add(index as u64),
            ..request.clone()
        };
        per_node.push(super::run(analysis, &one)?);
    }
    Ok(sum(per_node))
}

fn sum(per_node: Vec<SimResult>) -> Spread {
    let requests: u64 = per_node.iter().map(|r| r.requests).sum();
    let mut endpoints: Vec<EndpointShare> = Vec::new();
    // Requests-weighted probabilities, `None` once any node's is unknown.
    let mut weighted: Vec<Option<f64>> = Vec::new();
    for r in &per_node {
        let weight = if requests == 0 {
            0.0
        } else {
            r.requests as f64 / requests as f64
        };
        for e in &r.endpoints {
            let at = match endpoints
                .iter()
                .position(|s| s.ip == e.ip && s.port == e.port)
            {
                Some(at) => at,
                None => {
                    endpoints.push(EndpointShare {
                        count: 0,
                        probability: None,
                        ..e.clone()
                    });
                    weighted.push(Some(0.0));
                    endpoints.len() - 1
                }
            };
            endpoints[at].count += e.count;
            weighted[at] = match (weighted[at], e.probability) {
                (Some(sum), Some(p)) => Some(sum + weight * p),
                _ => None,
            };
        }
    }
    // An endpoint one node cannot reach has probability 0 there, which the sum already
    // reflects; the total is exact once every node is counted.
    for (e, p) in endpoints.iter_mut().zip(weighted) {
        e.probability = p;
    }
    Spread {
        requests,
        dropped: per_node.iter().map(|r| r.dropped).sum(),
        rejected: per_node.iter().map(|r| r.rejected).sum(),
        endpoints,
        per_node,
    }
}

impl fmt::Display for Spread {
    /// `svcplay simulate --spread`: one line per client node and endpoint, then the sum.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Some(first) = self.per_node.first() else {
            return writeln!(f, "no node has a client to send from");
        };
        writeln!(
            f,
            "{} requests to {}:{} from a client on each of {} nodes ({} mode, seeds {}..)",
            self.requests,
            first.packet.dst,
            first.packet.dport,
            self.per_node.len(),
            first.mode.as_str(),
            first.seed
        )?;
        let mut rows: Vec<[String; 7]> = vec![
            [
                "CLIENT NODE",
                "CLIENT",
                "ENDPOINT",
                "POD",
                "COUNT",
                "SHARE",
                "EXPECTED",
            ]
            .map(str::to_string),
        ];
        let expected =
            |p: Option<f64>| p.map_or_else(|| "-".to_string(), |p| format!("{:.4}%", p * 100.0));
        let share = |count: u64, total: u64| {
            if total == 0 {
                "-".to_string()
            } else {
                format!("{:.2}%", count as f64 * 100.0 / total as f64)
            }
        };
        for r in &self.per_node {
            let client = r.packet.src.to_string();
            for e in &r.endpoints {
                rows.push([
                    r.node.clone(),
                    client.clone(),
                    e.address(),
                    e.pod.clone().unwrap_or_else(|| "<none>".into()),
                    e.count.to_string(),
                    share(e.count, r.requests),
                    expected(e.probability),
                ]);
            }
            for (what, count, p) in [
                ("dropped", r.dropped, r.dropped_probability),
                ("rejected", r.rejected, r.rejected_probability),
            ] {
                if count > 0 || p > 0.0 {
                    rows.push([
                        r.node.clone(),
                        client.clone(),
                        format!("({what})"),
                        String::new(),
                        count.to_string(),
                        share(count, r.requests),
                        expected(Some(p)),
                    ]);
                }
            }
        }
        for e in &self.endpoints {
            rows.push([
                "(all)".into(),
                String::new(),
                e.address(),
                e.pod.clone().unwrap_or_else(|| "<none>".into()),
                e.count.to_string(),
                share(e.count, self.requests),
                expected(e.probability),
            ]);
        }
        let mut widths = [0usize; 7];
        for row in &rows {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(cell.chars().count());
            }
        }
        for row in &rows {
            let mut line = String::new();
            for (i, cell) in row.iter().enumerate() {
                line.push_str(cell);
                if i + 1 < row.len() {
                    line.push_str(&" ".repeat(widths[i] - cell.chars().count() + 3));
                }
            }
            writeln!(f, "{}", line.trim_end())?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{Options, analyze};

    #[test]
    fn every_node_sends_and_the_sum_adds_up() {
        let analysis = analyze(crate::examples::DEFAULT, Options::default());
        let request = SimRequest {
            requests: 1001,
            seed: 7,
            ..SimRequest::default()
        };
        let spread = run(&analysis, &request).expect("runs");
        assert_eq!(spread.per_node.len(), analysis.node_names().len());
        assert_eq!(spread.requests, 1001);
        let counted: u64 = spread.endpoints.iter().map(|e| e.count).sum::<u64>()
            + spread.dropped
            + spread.rejected;
        assert_eq!(counted, 1001);
        let p: f64 = spread.endpoints.iter().filter_map(|e| e.probability).sum();
        assert!((p - 1.0).abs() < 1e-9, "{p}");
        assert_eq!(run(&analysis, &request), Ok(spread.clone()));
        let table = spread.to_string();
        assert!(table.contains("CLIENT NODE"), "{table}");
        assert!(table.contains("(all)"), "{table}");
    }
}
