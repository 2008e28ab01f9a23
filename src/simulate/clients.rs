//! Who can send requests in a scenario, and where to.
//!
//! [`clients`] lists every node, every Pod with an address of its own and an external
//! client arriving at each node; [`destinations`] every address of every Service port
//! (ClusterIPs first, in the order the simulator picks its default destination, then
//! external and load-balancer IPs and the NodePorts on each node). [`request`] turns a
//! choice of both into the simulator's [`SimRequest`]. The page's traffic panel offers
//! these lists; the simulator's default destination is the first ClusterIP of them.

use super::SimRequest;
use crate::model::ip::{IpFamily, join_host_port};
use crate::proxy::Protocol;
use crate::scenario::Analysis;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// The address an external client sends from (TEST-NET-3 and the IPv6 documentation
/// prefix: never a cluster address).
pub const EXTERNAL_V4: IpAddr = IpAddr::V4(Ipv4Addr::new(203, 0, 113, 10));
pub const EXTERNAL_V6: IpAddr = IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0x10));

/// Who sends the requests.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClientChoice {
    /// The node itself, from its own address.
    Node(String),
    /// A Pod (`namespace/name`) on its node, from its own address(es).
    Pod {
        pod: String,
        node: String,
        ips: Vec<IpAddr>,
    },
    /// A client outside the cluster whose packets arrive at this node.
    External(String),
}

impl ClientChoice {
    /// A stable identifier (`node:NAME`, `pod:NS/NAME`, `external:NAME`).
    pub fn id(&self) -> String {
        match self {
            ClientChoice::Node(n) => format!("node:{n}"),
            ClientChoice::Pod { pod, .. } => format!("pod:{pod}"),
            ClientChoice::External(n) => format!("external:{n}"),
        }
    }
}

/// Which of a Service's addresses the requests go to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DestinationKind {
    ClusterIp,
    NodePort,
    ExternalIp,
    LoadBalancer,
}

/// A Service address and port.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Destination {
    pub kind: DestinationKind,
    /// `namespace/name` of the Service.
    pub service: String,
    pub ip: IpAddr,
    pub port: u16,
    pub protocol: Protocol,
    /// For a NodePort: the node whose address it is.
    pub node: Option<String>,
}

impl Destination {
    /// `ip:port`.
    pub fn address(&self) -> String {
        join_host_port(&self.ip, i64::from(self.port))
    }

    /// A stable identifier: kind, address and protocol.
    pub fn id(&self) -> String {
        format!(
            "{:?}|{}|{}",
            self.kind,
            self.address(),
            self.protocol.as_str()
        )
    }
}

/// The clients of a scenario: every node, every Pod with an address of its own (not
/// host-network), then an external client arriving at each node.
pub fn clients(analysis: &Analysis) -> Vec<ClientChoice> {
    let nodes = analysis.node_names();
    let mut out: Vec<ClientChoice> = nodes.iter().cloned().map(ClientChoice::Node).collect();
    for pod in &analysis.objects.pods {
        let Some(node) = pod.spec.node_name.clone() else {
            continue;
        };
        let ips: Vec<IpAddr> = pod.ips().iter().filter_map(|ip| ip.parse().ok()).collect();
        if pod.spec.host_network || ips.is_empty() {
            continue;
        }
        out.push(ClientChoice::Pod {
            pod: format!("{}/{}", pod.meta.namespace, pod.meta.name),
            node,
            ips,
        });
    }
    out.extend(nodes.into_iter().map(ClientChoice::External));
    out
}

/// A node's own address of `family` (the one it sends from, and NodePorts are reached
/// at): its first interface address of the family that is not loopback.
pub fn node_address(analysis: &Analysis, node: &str, family: IpFamily) -> Option<IpAddr> {
    analysis
        .node_context(node)
        .interfaces
        .iter()
        .map(|(_, ip, _)| *ip)
        .find(|ip| !ip.is_loopback() && IpFamily::of(ip) == family)
}

/// Every address of every Service port: ClusterIPs first (Services in the scenario's
/// order, `default/kubernetes` last), then externalIPs, load-balancer IPs and NodePorts
/// on each node.
pub fn destinations(analysis: &Analysis) -> Vec<Destination> {
    let mut services: Vec<_> = analysis.objects.services.iter().collect();
    crate::sort::sort_by_key(&mut services, |s| {
        s.meta.namespace == "default" && s.meta.name == "kubernetes"
    });
    let nodes = analysis.node_names();
    let mut out = Vec::new();
    for s in services {
        let service = format!("{}/{}", s.meta.namespace, s.meta.name);
        let cluster_ips: Vec<IpAddr> = if s.spec.cluster_ips.is_empty() {
            s.spec
                .cluster_ip
                .iter()
                .filter_map(|ip| ip.parse().ok())
                .collect()
        } else {
            s.spec
                .cluster_ips
                .iter()
                .filter_map(|ip| ip.parse().ok())
                .collect()
        };
        let externals: Vec<IpAddr> = s
            .spec
            .external_ips
            .iter()
            .filter_map(|ip| ip.parse().ok())
            .collect();
        let balancers: Vec<IpAddr> = s
            .status
            .load_balancer_ingress
            .iter()
            .filter_map(|i| i.ip.as_deref()?.parse().ok())
            .collect();
        let mut push = |kind, ip: IpAddr, port: i64, protocol, node: Option<String>| {
            if let Ok(port) = u16::try_from(port) {
                out.push(Destination {
                    kind,
                    service: service.clone(),
                    ip,
                    port,
                    protocol,
                    node,
                });
            }
        };
        for p in &s.spec.ports {
            let protocol = p
                .protocol
                .as_deref()
                .and_then(Protocol::parse)
                .unwrap_or(Protocol::Tcp);
            let Some(port) = p.port else { continue };
            for ip in &cluster_ips {
                push(DestinationKind::ClusterIp, *ip, port, protocol, None);
            }
            for ip in &externals {
                push(DestinationKind::ExternalIp, *ip, port, protocol, None);
            }
            for ip in &balancers {
                push(DestinationKind::LoadBalancer, *ip, port, protocol, None);
            }
            if let Some(node_port) = p.node_port.filter(|n| *n > 0) {
                for node in &nodes {
                    for family in [IpFamily::IPv4, IpFamily::IPv6] {
                        if let Some(ip) = node_address(analysis, node, family) {
                            push(
                                DestinationKind::NodePort,
                                ip,
                                node_port,
                                protocol,
                                Some(node.clone()),
                            );
                        }
                    }
                }
            }
        }
    }
    out
}

/// The simulator's request for a client, a destination, a count and a seed.
pub fn request(
    client: &ClientChoice,
    destination: &Destination,
    requests: u64,
    seed: u64,
) -> SimRequest {
    let family = IpFamily::of(&destination.ip);
    let (node, src) = match client {
        ClientChoice::Node(n) => (n.clone(), None),
        ClientChoice::Pod { node, ips, .. } => (
            node.clone(),
            ips.iter()
                .find(|ip| IpFamily::of(ip) == family)
                .or(ips.first())
                .copied(),
        ),
        ClientChoice::External(n) => (
            n.clone(),
            Some(if family == IpFamily::IPv6 {
                EXTERNAL_V6
            } else {
                EXTERNAL_V4
            }),
        ),
    };
    SimRequest {
        node: Some(node),
        src,
        dst: Some((destination.ip, destination.port)),
        protocol: destination.protocol,
        requests,
        seed,
        ..SimRequest::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{Options, analyze};

    #[test]
    fn the_default_lab_offers_its_clients_and_the_cluster_ip_first() {
        let analysis = analyze(crate::examples::DEFAULT, Options::default());
        let c = clients(&analysis);
        assert!(
            c.contains(&ClientChoice::Node("k8s-worker01".into())),
            "{c:?}"
        );
        assert!(c.iter().any(
            |c| matches!(c, ClientChoice::Pod { pod, .. } if pod.starts_with("dev/pc-deployment-"))
        ));
        assert!(c.iter().any(|c| matches!(c, ClientChoice::External(_))));
        let d = destinations(&analysis);
        assert_eq!(d[0].kind, DestinationKind::ClusterIp);
        assert_eq!(d[0].address(), "10.97.97.97:80");
        assert_eq!(d[0].service, "dev/service-clusterip");
    }

    #[test]
    fn external_clients_reach_node_ports() {
        let analysis = analyze(
            crate::examples::EXAMPLES
                .iter()
                .find(|e| e.text.contains("NodePort"))
                .map(|e| e.text)
                .unwrap_or_default(),
            Options::default(),
        );
        let d = destinations(&analysis);
        let node_port = d
            .iter()
            .find(|d| d.kind == DestinationKind::NodePort)
            .expect("a NodePort");
        let node = node_port.node.clone().unwrap_or_default();
        let req = request(&ClientChoice::External(node), node_port, 100, 1);
        assert_eq!(req.src, Some(EXTERNAL_V4));
        let r = super::super::run(&analysis, &req).expect("runs");
        assert_eq!(
            r.endpoints.iter().map(|e| e.count).sum::<u64>() + r.dropped + r.rejected,
            100
        );
    }
}
