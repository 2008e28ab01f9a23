//! The cluster diagram's layout: where the page draws each Node, Pod and Service, and the
//! arrows from each Service to the Pods its selector picks.
//!
//! A pure function of the objects ([`layout`]); the page only turns the boxes into SVG.
//! The picture reads top to bottom like the path of a request: Services in a band at the
//! top, then one column per Node holding its Pods (Pods that no known Node runs go to a
//! last, "unscheduled" column). Units are SVG user units (about a pixel at zoom 1).
//! Big dumps are cut to [`MAX_SERVICES`] and [`MAX_PODS`], with the counts left out.
//!
//! [`watch`] places a watched simulation on the same picture: each node's kube-proxy,
//! the client, and the way of every request.

pub mod watch;

use crate::controllers::endpointslice::selected_pods;
use crate::model::{Objects, Origin};

/// At most this many Services are drawn (the rest are counted in `omitted_services`).
pub const MAX_SERVICES: usize = 48;
/// At most this many Pods are drawn.
pub const MAX_PODS: usize = 160;

const MARGIN: i32 = 20;
const COLUMN: i32 = 224;
const BOX_WIDTH: i32 = 200;
const SERVICE_HEIGHT: i32 = 58;
const SERVICE_GAP: i32 = 16;
const BAND_GAP: i32 = 90;
const NODE_HEADER: i32 = 44;
const POD_HEIGHT: i32 = 50;
const POD_GAP: i32 = 10;

/// An axis-aligned box.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Rect {
    pub x: i32,
    pub y: i32,
    pub width: i32,
    pub height: i32,
}

impl Rect {
    pub fn contains(&self, inner: &Rect) -> bool {
        inner.x >= self.x
            && inner.y >= self.y
            && inner.x + inner.width <= self.x + self.width
            && inner.y + inner.height <= self.y + self.height
    }

    pub fn overlaps(&self, other: &Rect) -> bool {
        self.x < other.x + other.width
            && other.x < self.x + self.width
            && self.y < other.y + other.height
            && other.y < self.y + self.height
    }
}

/// A Node's column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeBox {
    /// The Node's name; empty for the column of Pods that no known Node runs.
    pub name: String,
    pub internal_ip: Option<String>,
    pub ready: bool,
    pub rect: Rect,
    /// The written object, for links into the editor.
    pub object: Option<usize>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PodBox {
    pub namespace: String,
    pub name: String,
    pub ip: Option<String>,
    pub ready: bool,
    pub terminating: bool,
    /// Index into [`Diagram::nodes`].
    pub node: usize,
    pub rect: Rect,
    /// The written object (the Pod, or the workload that made it).
    pub object: Option<usize>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceBox {
    pub namespace: String,
    pub name: String,
    /// `spec.type` as stored (`ClusterIP` when unset).
    pub type_: String,
    pub cluster_ip: Option<String>,
    /// `80/TCP`, `80:30002/TCP`… joined by commas.
    pub ports: String,
    pub rect: Rect,
    pub object: Option<usize>,
}

/// An arrow from a Service to a Pod its selector picks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Edge {
    /// Index into [`Diagram::services`].
    pub service: usize,
    /// Index into [`Diagram::pods`].
    pub pod: usize,
    /// The Pod is ready and not terminating: it receives traffic.
    pub serving: bool,
}

impl NodeBox {
    /// Where the node's name and address are written: arrows keep out of it.
    pub fn label(&self) -> Rect {
        Rect {
            x: self.rect.x + 8,
            y: self.rect.y + 4,
            width: self.rect.width - 16,
            height: NODE_HEADER - 8,
        }
    }
}

/// An arrow's way from a Service to a Pod: down from the Service's bottom, a curve to the
/// gap at the left of the Pod's column (between the node's edge and its Pods, so never
/// across the node's label), straight down that gap, then right into the Pod's left side.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Route {
    pub start: (i32, i32),
    /// The gap's x, and where the arrow enters it (just above the node's box).
    pub gap_x: i32,
    pub gap_top: i32,
    pub end: (i32, i32),
}

/// The way of an arrow (`None` for an edge whose ends are not drawn).
pub fn route(diagram: &Diagram, edge: &Edge) -> Option<Route> {
    let s = diagram.services.get(edge.service)?.rect;
    let p = diagram.pods.get(edge.pod)?;
    let node = diagram.nodes.get(p.node)?.rect;
    Some(Route {
        start: (s.x + s.width / 2, s.y + s.height),
        gap_x: node.x + (p.rect.x - node.x) / 2,
        gap_top: node.y - 12,
        end: (p.rect.x, p.rect.y + p.rect.height / 2),
    })
}

/// A name shortened to `max` characters keeping what tells it apart: its last
/// `-`-separated part (a Pod's random suffix), after an ellipsis: `pc-deployment-84b…-r54rn`.
pub fn short_name(name: &str, max: usize) -> String {
    let chars: Vec<char> = name.chars().collect();
    if chars.len() <= max {
        return name.to_string();
    }
    let suffix: Vec<char> = match name.rfind('-') {
        Some(at) if name[at..].chars().count() < max / 2 => name[at..].chars().collect(),
        _ => Vec::new(),
    };
    let keep = max.saturating_sub(1 + suffix.len());
    chars[..keep]
        .iter()
        .chain(['…'].iter())
        .chain(suffix.iter())
        .collect()
}

/// The whole picture.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Diagram {
    pub width: i32,
    pub height: i32,
    pub nodes: Vec<NodeBox>,
    pub pods: Vec<PodBox>,
    pub services: Vec<ServiceBox>,
    pub edges: Vec<Edge>,
    pub omitted_services: usize,
    pub omitted_pods: usize,
}

fn ports_cell(service: &crate::model::Service) -> String {
    service
        .spec
        .ports
        .iter()
        .map(|p| {
            let protocol = p.protocol.as_deref().unwrap_or("TCP");
            let port = p.port.unwrap_or_default();
            match p.node_port {
                Some(n) => format!("{port}:{n}/{protocol}"),
                None => format!("{port}/{protocol}"),
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// Lays the cluster out.
pub fn layout(objects: &Objects) -> Diagram {
    let mut diagram = Diagram::default();

    // Columns: the Nodes, then (if needed) the Pods no known Node runs.
    for node in &objects.nodes {
        diagram.nodes.push(NodeBox {
            name: node.meta.name.clone(),
            internal_ip: node.internal_ip().map(str::to_string),
            ready: node.is_ready(),
            rect: Rect::default(),
            object: node.meta.origin.object(),
        });
    }
    // The cluster's own Pods (kube-system's add-ons, [`crate::controllers::kubeadm`]) are
    // folded away, like the built-in Services: the diagram is about the scenario's.
    let pods: Vec<&crate::model::Pod> = objects
        .pods
        .iter()
        .filter(|p| p.meta.origin != Origin::Builtin)
        .collect();
    let drawn_pods: Vec<&crate::model::Pod> = pods.iter().copied().take(MAX_PODS).collect();
    diagram.omitted_pods = pods.len() - drawn_pods.len();
    let column_of = |pod: &crate::model::Pod| {
        pod.spec
            .node_name
            .as_deref()
            .and_then(|n| objects.nodes.iter().position(|node| node.meta.name == n))
    };
    if drawn_pods.iter().any(|p| column_of(p).is_none()) {
        diagram.nodes.push(NodeBox {
            name: String::new(),
            internal_ip: None,
            ready: false,
            rect: Rect::default(),
            object: None,
        });
    }
    let unscheduled = diagram.nodes.len().saturating_sub(1);
    let columns = diagram.nodes.len().max(1) as i32;

    // The Service band: as many per row as there are columns (at least three).
    let services: Vec<&crate::model::Service> = objects
        .services
        .iter()
        .filter(|s| s.meta.origin != Origin::Builtin)
        .collect();
    let drawn_services = &services[..services.len().min(MAX_SERVICES)];
    diagram.omitted_services = services.len() - drawn_services.len();
    let per_row = columns.max(3);
    for (i, service) in drawn_services.iter().enumerate() {
        let (row, col) = (i as i32 / per_row, i as i32 % per_row);
        diagram.services.push(ServiceBox {
            namespace: service.meta.namespace.clone(),
            name: service.meta.name.clone(),
            type_: service.type_or_default().to_string(),
            cluster_ip: service.spec.cluster_ip.clone(),
            ports: ports_cell(service),
            rect: Rect {
                x: MARGIN + col * COLUMN,
                y: MARGIN + row * (SERVICE_HEIGHT + SERVICE_GAP),
                width: BOX_WIDTH,
                height: SERVICE_HEIGHT,
            },
            object: service.meta.origin.object(),
        });
    }
    let rows = (drawn_services.len() as i32 + per_row - 1) / per_row;
    let band = rows * (SERVICE_HEIGHT + SERVICE_GAP);
    let nodes_top = MARGIN + band + if rows > 0 { BAND_GAP - SERVICE_GAP } else { 0 };

    // Pods stacked in their column.
    let mut filled = vec![0i32; diagram.nodes.len()];
    for pod in &drawn_pods {
        let column = column_of(pod).unwrap_or(unscheduled);
        let slot = filled[column];
        filled[column] += 1;
        diagram.pods.push(PodBox {
            namespace: pod.meta.namespace.clone(),
            name: pod.meta.name.clone(),
            ip: pod.ips().first().map(|s| s.to_string()),
            ready: pod.is_ready(),
            terminating: pod.is_terminating(),
            node: column,
            rect: Rect {
                x: MARGIN + column as i32 * COLUMN + 8,
                y: nodes_top + NODE_HEADER + slot * (POD_HEIGHT + POD_GAP),
                width: BOX_WIDTH - 16,
                height: POD_HEIGHT,
            },
            object: pod.meta.origin.object(),
        });
    }
    let deepest = filled.iter().copied().max().unwrap_or(0);
    let node_height = NODE_HEADER + deepest * (POD_HEIGHT + POD_GAP) + POD_GAP;
    for (i, node) in diagram.nodes.iter_mut().enumerate() {
        node.rect = Rect {
            x: MARGIN + i as i32 * COLUMN,
            y: nodes_top,
            width: BOX_WIDTH,
            height: node_height,
        };
    }

    // Arrows: every drawn Service to every drawn Pod its selector picks.
    for (s, service) in drawn_services.iter().enumerate() {
        if service.type_or_default() == "ExternalName" {
            continue;
        }
        for pod in selected_pods(service, &objects.pods) {
            if let Some(p) = drawn_pods.iter().position(|d| std::ptr::eq(*d, pod)) {
                diagram.edges.push(Edge {
                    service: s,
                    pod: p,
                    serving: pod.is_ready() && !pod.is_terminating(),
                });
            }
        }
    }

    let used_columns = columns.max(per_row.min(drawn_services.len() as i32));
    diagram.width = 2 * MARGIN + (used_columns - 1) * COLUMN + BOX_WIDTH;
    diagram.height = nodes_top
        + if diagram.nodes.is_empty() {
            0
        } else {
            node_height
        }
        + MARGIN;
    diagram
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{Options, analyze};

    fn diagram_of(text: &str) -> Diagram {
        layout(&analyze(text, Options::default()).objects)
    }

    #[test]
    fn the_default_lab_has_three_nodes_three_pods_and_three_arrows() {
        let d = diagram_of(crate::examples::DEFAULT);
        assert_eq!(d.nodes.len(), 3);
        assert_eq!(d.pods.len(), 3);
        assert_eq!(d.services.len(), 1);
        assert_eq!(d.services[0].name, "service-clusterip");
        assert_eq!(d.services[0].cluster_ip.as_deref(), Some("10.97.97.97"));
        assert_eq!(d.edges.len(), 3);
        assert!(d.edges.iter().all(|e| e.serving));
        // Pods sit inside their node's column; nothing overlaps.
        for pod in &d.pods {
            assert!(d.nodes[pod.node].rect.contains(&pod.rect), "{pod:?}");
            assert!(!d.nodes[pod.node].name.is_empty());
        }
        let mut boxes: Vec<Rect> = d.services.iter().map(|s| s.rect).collect();
        boxes.extend(d.nodes.iter().map(|n| n.rect));
        for (i, a) in boxes.iter().enumerate() {
            for b in &boxes[i + 1..] {
                assert!(!a.overlaps(b), "{a:?} {b:?}");
            }
            assert!(
                a.x + a.width <= d.width && a.y + a.height <= d.height,
                "{a:?} in {}x{}",
                d.width,
                d.height
            );
        }
    }

    #[test]
    fn pod_names_keep_their_suffix_and_arrows_keep_out_of_node_labels() {
        assert_eq!(
            short_name("pc-deployment-84b58d4547-r54rn", 24),
            "pc-deployment-84b…-r54rn"
        );
        assert_eq!(
            short_name("pc-deployment-84b58d4547-r54rn", 24)
                .chars()
                .count(),
            24
        );
        assert_eq!(short_name("short", 24), "short");
        assert_eq!(
            short_name("averyveryverylongnamewithoutdashes", 10),
            "averyvery…"
        );
        let d = diagram_of(crate::examples::DEFAULT);
        let names: Vec<String> = d.pods.iter().map(|p| short_name(&p.name, 24)).collect();
        let mut distinct = names.clone();
        distinct.dedup();
        assert_eq!(distinct.len(), names.len(), "{names:?}");
        for e in &d.edges {
            let r = route(&d, e).unwrap_or_else(|| panic!("no route for {e:?}"));
            for n in &d.nodes {
                let label = n.label();
                // The straight part runs down the gap, left of every label it passes.
                let beside = r.gap_x < label.x || r.gap_x > label.x + label.width;
                assert!(beside, "{r:?} crosses {}'s label {label:?}", n.name);
            }
            assert!(r.gap_top < d.nodes[d.pods[e.pod].node].rect.y);
        }
    }

    #[test]
    fn unready_and_unscheduled_pods_are_drawn_as_such() {
        let text = "\
apiVersion: v1
kind: Pod
metadata: {name: lost, labels: {app: web}}
spec:
  nodeName: nowhere
  containers: [{name: c, image: nginx}]
status:
  podIP: 10.244.9.9
  conditions: [{type: Ready, status: \"False\"}]
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80}]
";
        let d = layout(&analyze(text, Options { stored: true }).objects);
        assert_eq!(d.pods.len(), 1);
        let column = &d.nodes[d.pods[0].node];
        assert!(column.name.is_empty(), "{column:?}");
        assert_eq!(d.edges.len(), 1);
        assert!(!d.edges[0].serving);
    }

    #[test]
    fn big_dumps_are_cut() {
        let mut text = String::new();
        for i in 0..(MAX_SERVICES + 5) {
            text.push_str(&format!(
                "---\napiVersion: v1\nkind: Service\nmetadata: {{name: s{i}}}\nspec:\n  selector: {{app: a{i}}}\n  ports: [{{port: 80}}]\n"
            ));
        }
        let d = diagram_of(&text);
        assert_eq!(d.services.len(), MAX_SERVICES);
        assert_eq!(d.omitted_services, 5);
    }
}
