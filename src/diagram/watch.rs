//! A watched simulation ([`crate::simulate::watch`]) on the cluster diagram: where the
//! page draws the client and each node's kube-proxy, and the way of every request —
//! from its client to the kube-proxy of the node that handles it, across to the Pod's
//! node when the Pod runs elsewhere, and into the Pod; a dropped or rejected request
//! stops at the kube-proxy that made the verdict.
//!
//! The diagram is drawn [`Scene::offset`] lower, leaving a lane on top for a client
//! outside the cluster. Every coordinate here is in the scene's units (the diagram's,
//! shifted down by the offset), so the page draws the ways as they are.

use super::{Diagram, Rect};
use crate::simulate::watch::{Journey, Watch};
use crate::simulate::{Client, Landed};

/// How far the diagram is moved down to leave room for an outside client.
const LANE: i32 = 72;
/// A kube-proxy badge, over the top right corner of its node.
const BADGE_WIDTH: i32 = 92;
const BADGE_HEIGHT: i32 = 22;

/// Where the client is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClientSpot {
    /// A Pod of the diagram (an index into [`Diagram::pods`]).
    Pod(usize),
    /// A node itself (an index into [`Diagram::nodes`]).
    Node(usize),
    /// A box in the lane on top: a client outside the cluster, or one the diagram does
    /// not draw.
    Outside(Rect),
}

/// The watched run placed on the diagram.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scene {
    /// The diagram is drawn this much lower.
    pub offset: i32,
    pub width: i32,
    pub height: i32,
    pub client: ClientSpot,
    /// Each node's kube-proxy badge (per [`Diagram::nodes`]; the column of unscheduled
    /// Pods has none and gets an empty rectangle).
    pub kube_proxies: Vec<Rect>,
    /// The node whose kube-proxy handles the requests, if drawn.
    pub node: Option<usize>,
    /// The Pod that the Service port's requests can land on, per walk of the watch
    /// (an index into [`Diagram::pods`]; `None` when not drawn or not an endpoint).
    pub pods: Vec<Option<usize>>,
}

/// What a point of a way is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stop {
    Client,
    /// The kube-proxy of the handling node chooses (or drops, rejects).
    KubeProxy,
    /// The packet enters the Pod's node from another.
    Crossing,
    /// The Pod.
    Pod,
}

/// A point of a way.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Waypoint {
    pub x: i32,
    pub y: i32,
    pub stop: Stop,
}

fn center(r: &Rect) -> (i32, i32) {
    (r.x + r.width / 2, r.y + r.height / 2)
}

impl Scene {
    /// A diagram rectangle in the scene's units.
    pub fn shift(&self, r: &Rect) -> Rect {
        Rect {
            y: r.y + self.offset,
            ..*r
        }
    }
}

/// Places `watch` on `diagram`.
pub fn scene(diagram: &Diagram, watch: &Watch) -> Scene {
    let offset = LANE;
    let node_at = |name: &str| {
        diagram
            .nodes
            .iter()
            .position(|n| !n.name.is_empty() && n.name == name)
    };
    let pod_named = |full: &str| {
        let (namespace, name) = full.split_once('/')?;
        diagram
            .pods
            .iter()
            .position(|p| p.namespace == namespace && p.name == name)
    };
    // An endpoint names its Pod by `targetRef` name only: the Pod of that name with the
    // endpoint's address, else the one Pod with that address.
    let endpoint_pod = |name: Option<&str>, ip: std::net::IpAddr| {
        let ip = ip.to_string();
        let has_ip = |p: &super::PodBox| p.ip.as_deref() == Some(ip.as_str());
        diagram
            .pods
            .iter()
            .position(|p| has_ip(p) && name.is_none_or(|n| n == p.name))
            .or_else(|| diagram.pods.iter().position(has_ip))
    };
    let outside = Rect {
        x: super::MARGIN,
        y: 14,
        width: 200,
        height: 40,
    };
    let client = match &watch.client {
        Client::Pod { pod, .. } => {
            pod_named(pod).map_or(ClientSpot::Outside(outside), ClientSpot::Pod)
        }
        Client::Node(n) => node_at(n).map_or(ClientSpot::Outside(outside), ClientSpot::Node),
        Client::External => ClientSpot::Outside(outside),
    };
    let kube_proxies = diagram
        .nodes
        .iter()
        .map(|n| {
            if n.name.is_empty() {
                return Rect::default();
            }
            Rect {
                x: n.rect.x + n.rect.width - BADGE_WIDTH - 6,
                y: n.rect.y + offset - BADGE_HEIGHT - 4,
                width: BADGE_WIDTH,
                height: BADGE_HEIGHT,
            }
        })
        .collect();
    Scene {
        offset,
        width: diagram.width,
        height: diagram.height.max(200) + offset,
        client,
        kube_proxies,
        node: node_at(&watch.node),
        pods: watch
            .walks
            .iter()
            .map(|w| match w.landed {
                Landed::Endpoint(ip, _) => endpoint_pod(w.pod.as_deref(), ip),
                _ => None,
            })
            .collect(),
    }
}

/// The way of one request: from the client, to the handling node's kube-proxy, then
/// (for an endpoint) across to the Pod's node if it runs elsewhere, and into the Pod.
/// A request dropped, rejected or left alone ends at the kube-proxy.
pub fn way(diagram: &Diagram, scene: &Scene, watch: &Watch, journey: &Journey) -> Vec<Waypoint> {
    let mut way = Vec::new();
    let point = |(x, y): (i32, i32), stop| Waypoint { x, y, stop };
    let start = match scene.client {
        ClientSpot::Pod(p) => {
            let r = scene.shift(&diagram.pods[p].rect);
            (r.x + r.width, r.y + r.height / 2)
        }
        ClientSpot::Node(n) => {
            let r = scene.shift(&diagram.nodes[n].rect);
            (r.x + 60, r.y + 22)
        }
        ClientSpot::Outside(r) => (r.x + r.width / 2, r.y + r.height),
    };
    way.push(point(start, Stop::Client));
    let Some(node) = scene.node else {
        return way;
    };
    way.push(point(center(&scene.kube_proxies[node]), Stop::KubeProxy));
    let Some(pod) = scene.pods.get(journey.walk).copied().flatten() else {
        return way;
    };
    let pod_box = &diagram.pods[pod];
    let target = scene.shift(&pod_box.rect);
    if watch.crosses(journey) {
        let n = scene.shift(&diagram.nodes[pod_box.node].rect);
        way.push(point((n.x + n.width / 2, n.y), Stop::Crossing));
    }
    way.push(point(
        (target.x + target.width - 10, target.y + target.height / 2),
        Stop::Pod,
    ));
    way
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::examples::find;
    use crate::proxy::config::ProxyMode;
    use crate::scenario::{Options, analyze};
    use crate::simulate::SimRequest;
    use crate::simulate::clients::{ClientChoice, DestinationKind, destinations, request};

    fn watched(id: &str, client: ClientChoice, kind: DestinationKind, n: u64) -> (Diagram, Watch) {
        let analysis = analyze(find(id).unwrap().text, Options::default());
        let destination = destinations(&analysis)
            .into_iter()
            .find(|d| d.kind == kind)
            .unwrap();
        let req = SimRequest {
            mode: Some(ProxyMode::Iptables),
            ..request(&client, &destination, n, 9)
        };
        let watch = crate::simulate::watch::run(&analysis, &req, n).unwrap();
        (super::super::layout(&analysis.objects), watch)
    }

    #[test]
    fn a_request_goes_from_its_client_through_kube_proxy_to_its_pod() {
        let (diagram, watch) = watched(
            "clusterip",
            ClientChoice::Node("k8s-worker01".into()),
            DestinationKind::ClusterIp,
            60,
        );
        let scene = scene(&diagram, &watch);
        let node = scene.node.expect("the handling node is drawn");
        assert_eq!(diagram.nodes[node].name, "k8s-worker01");
        assert_eq!(scene.client, ClientSpot::Node(node));
        let mut crossed = 0;
        for j in &watch.journeys {
            let way = way(&diagram, &scene, &watch, j);
            let stops: Vec<Stop> = way.iter().map(|w| w.stop).collect();
            let pod = scene.pods[j.walk].expect("every endpoint is a drawn Pod");
            let on_other_node = diagram.nodes[diagram.pods[pod].node].name != "k8s-worker01";
            assert_eq!(watch.crosses(j), on_other_node);
            if on_other_node {
                crossed += 1;
                assert_eq!(
                    stops,
                    [Stop::Client, Stop::KubeProxy, Stop::Crossing, Stop::Pod]
                );
            } else {
                assert_eq!(stops, [Stop::Client, Stop::KubeProxy, Stop::Pod]);
            }
            // The way ends inside the Pod's box, drawn lower by the offset.
            let last = way.last().unwrap();
            let r = scene.shift(&diagram.pods[pod].rect);
            assert!(r.contains(&Rect {
                x: last.x,
                y: last.y,
                width: 0,
                height: 0
            }));
        }
        // One Pod of three runs on the other worker: about a third of the requests cross.
        assert!((10..=35).contains(&crossed), "{crossed}");
        // Badges sit above their nodes and never on another box.
        for (i, badge) in scene.kube_proxies.iter().enumerate() {
            let node = scene.shift(&diagram.nodes[i].rect);
            assert!(badge.y + badge.height <= node.y);
            for s in &diagram.services {
                assert!(!scene.shift(&s.rect).overlaps(badge));
            }
        }
    }

    #[test]
    fn an_outside_client_is_drawn_in_the_lane_on_top() {
        let (diagram, watch) = watched(
            "nodeport",
            ClientChoice::External("k8s-worker01".into()),
            DestinationKind::NodePort,
            5,
        );
        let scene = scene(&diagram, &watch);
        let ClientSpot::Outside(r) = scene.client else {
            panic!("{:?}", scene.client);
        };
        assert!(r.y + r.height <= scene.offset);
        let way = way(&diagram, &scene, &watch, &watch.journeys[0]);
        assert_eq!(way[0].stop, Stop::Client);
        assert_eq!(way[1].stop, Stop::KubeProxy);
    }

    #[test]
    fn fifty_pods_on_five_nodes_stay_apart() {
        let mut text = String::new();
        for i in 1..=5 {
            text.push_str(&format!("apiVersion: v1\nkind: Node\nmetadata: {{name: node-{i}}}\nstatus:\n  addresses: [{{type: InternalIP, address: 192.168.0.{i}}}]\n---\n"));
        }
        text.push_str("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: 50\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec: {containers: [{name: web, image: nginx}]}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  selector: {app: web}\n  ports: [{port: 80}]\n");
        let analysis = analyze(&text, Options::default());
        let diagram = super::super::layout(&analysis.objects);
        assert_eq!(diagram.pods.len(), 50);
        let destination = destinations(&analysis)
            .into_iter()
            .find(|d| d.kind == DestinationKind::ClusterIp)
            .unwrap();
        let req = request(&ClientChoice::Node("node-1".into()), &destination, 200, 4);
        let watch = crate::simulate::watch::run(&analysis, &req, 200).unwrap();
        let scene = scene(&diagram, &watch);
        // Every endpoint is a drawn Pod; Pods and badges never overlap.
        assert!(scene.pods.iter().all(Option::is_some));
        for (i, a) in diagram.pods.iter().enumerate() {
            for b in &diagram.pods[i + 1..] {
                assert!(!a.rect.overlaps(&b.rect));
            }
            for badge in &scene.kube_proxies {
                assert!(!scene.shift(&a.rect).overlaps(badge));
            }
        }
        let landed: std::collections::HashSet<_> = watch.walks.iter().map(|w| w.landed).collect();
        assert!(
            landed.len() > 30,
            "200 requests reach most of 50 Pods: {}",
            landed.len()
        );
    }
}
