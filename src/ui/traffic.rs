//! The traffic panel: N requests sent through the simulator ([`svcplay::simulate`]) from a
//! chosen client to a chosen Service address, watched as they arrive, compared with the
//! exact shares the rules give, the first requests of the seeds' `curl` loop in order, and
//! events (scale, delete, readiness, node loss) that edit the text and show the
//! distribution before and after.
//!
//! Nothing here decides where a request lands: [`svcplay::simulate::run`] does. The panel
//! only chooses its inputs (client, destination, count, seed) and shows its answers. The
//! seed is an input: the page draws a random one only when the user asks for a new seed.
//! The animation is honest: each frame shows the simulator's result for the first `n`
//! requests of the same seeded run (the simulation of `n` requests is a prefix of the
//! simulation of `N`), so the bars fill exactly as the requests arrive.

use super::i18n::{Lang, Msg};
use super::snapshot::{self, TrafficPanel, UiAction, mode_id, parse_mode};
use std::cell::Cell;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::rc::Rc;
use std::time::Duration;
use svcplay::model::ip::{IpFamily, join_host_port};
use svcplay::proxy::Protocol;
use svcplay::proxy::config::ProxyMode;
use svcplay::scenario::Analysis;
use svcplay::simulate::{self, SimRequest, SimResult};
use yew::prelude::*;

/// The request counts offered.
pub const REQUEST_COUNTS: [u64; 4] = [10, 100, 1000, 10000];
/// The default number of requests.
pub const DEFAULT_REQUESTS: u64 = 1000;
/// The seed the panel starts with (the simulator's own default), so that a fresh page
/// shows the same numbers as `svcplay simulate` without `--seed`.
pub const DEFAULT_SEED: u64 = 1;
/// How many requests of the curl loop are listed.
pub const CURL_LOOP: usize = 10;
/// Frames of the arrival animation, and the pause between two.
const FRAMES: u64 = 24;
const FRAME_MS: u64 = 40;
/// The address an external client sends from (TEST-NET-3 and the IPv6 documentation
/// prefix: never a cluster address).
const EXTERNAL_V4: IpAddr = IpAddr::V4(Ipv4Addr::new(203, 0, 113, 10));
const EXTERNAL_V6: IpAddr = IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0x10));

/// An analysis compared by identity (it is recomputed, never mutated).
#[derive(Clone)]
pub struct Scenario(pub Rc<Analysis>);

impl PartialEq for Scenario {
    fn eq(&self, other: &Scenario) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

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
    /// The `<option>` value.
    pub fn id(&self) -> String {
        match self {
            ClientChoice::Node(n) => format!("node:{n}"),
            ClientChoice::Pod { pod, .. } => format!("pod:{pod}"),
            ClientChoice::External(n) => format!("external:{n}"),
        }
    }

    pub fn label(&self, lang: Lang) -> String {
        match self {
            ClientChoice::Node(n) => Msg::ClientNode.fill(lang, &[n]),
            ClientChoice::Pod { pod, node, .. } => Msg::ClientPod.fill(lang, &[pod, node]),
            ClientChoice::External(n) => Msg::ClientExternal.fill(lang, &[n]),
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

    /// The `<option>` value.
    pub fn id(&self) -> String {
        format!(
            "{:?}|{}|{}",
            self.kind,
            self.address(),
            self.protocol.as_str()
        )
    }

    pub fn label(&self, lang: Lang) -> String {
        let address = format!("{} {}", self.address(), self.protocol.as_str());
        let s = self.service.as_str();
        match self.kind {
            DestinationKind::ClusterIp => Msg::DestClusterIp.fill(lang, &[s, &address]),
            DestinationKind::NodePort => Msg::DestNodePort.fill(
                lang,
                &[s, &address, self.node.as_deref().unwrap_or_default()],
            ),
            DestinationKind::ExternalIp => Msg::DestExternalIp.fill(lang, &[s, &address]),
            DestinationKind::LoadBalancer => Msg::DestLoadBalancer.fill(lang, &[s, &address]),
        }
    }
}

/// The clients a user can pick: every node, every Pod with an address of its own (not
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

/// A node's own address of `family` (the one NodePorts are reached at).
fn node_address(analysis: &Analysis, node: &str, family: IpFamily) -> Option<IpAddr> {
    analysis
        .node_context(node)
        .interfaces
        .iter()
        .map(|(_, ip, _)| *ip)
        .find(|ip| !ip.is_loopback() && IpFamily::of(ip) == family)
}

/// Every address of every Service port: ClusterIPs first (in the simulator's default
/// order, `default/kubernetes` last), then externalIPs, load-balancer IPs and NodePorts
/// on each node.
pub fn destinations(analysis: &Analysis) -> Vec<Destination> {
    let mut services: Vec<_> = analysis.objects.services.iter().collect();
    services.sort_by_key(|s| s.meta.namespace == "default" && s.meta.name == "kubernetes");
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

/// Where one request of the curl loop landed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Landing {
    /// `ip:port` and the Pod behind it.
    Endpoint(String, Option<String>),
    Dropped,
    Rejected,
    NotProxied,
}

/// The first `k` requests of the run, in order. The simulator reports counts, not a
/// sequence; since the run of `i` requests is a prefix of the run of `i + 1` (same seed,
/// same clock), request `i + 1` landed wherever the counts grew by one.
pub fn curl_loop(analysis: &Analysis, request: &SimRequest, k: usize) -> Vec<Landing> {
    let mut out = Vec::new();
    let mut previous: Option<SimResult> = None;
    for i in 1..=k.min(usize::try_from(request.requests).unwrap_or(usize::MAX)) {
        let step = SimRequest {
            requests: i as u64,
            ..request.clone()
        };
        let Ok(result) = simulate::run(analysis, &step) else {
            break;
        };
        let before = |address: &str| {
            previous.as_ref().map_or(0, |p| {
                p.endpoints
                    .iter()
                    .find(|e| e.address() == address)
                    .map_or(0, |e| e.count)
            })
        };
        let grew = result
            .endpoints
            .iter()
            .find(|e| e.count > before(&e.address()));
        let landing = match grew {
            Some(e) => Landing::Endpoint(e.address(), e.pod.clone()),
            None if result.dropped > previous.as_ref().map_or(0, |p| p.dropped) => Landing::Dropped,
            None if result.rejected > previous.as_ref().map_or(0, |p| p.rejected) => {
                Landing::Rejected
            }
            None => Landing::NotProxied,
        };
        out.push(landing);
        previous = Some(result);
    }
    out
}

/// The analysis with the page's chosen mode.
fn in_mode(analysis: &Rc<Analysis>, mode: Option<ProxyMode>) -> Rc<Analysis> {
    match snapshot::with_mode(analysis, mode) {
        std::borrow::Cow::Borrowed(_) => analysis.clone(),
        std::borrow::Cow::Owned(a) => Rc::new(a),
    }
}

/// Whether the user asked the system for less motion.
fn prefers_reduced_motion() -> bool {
    web_sys::window()
        .and_then(|w| {
            w.match_media("(prefers-reduced-motion: reduce)")
                .ok()
                .flatten()
        })
        .is_some_and(|m| m.matches())
}

/// A fresh seed, only when the user asks for one (the core never draws randomness).
fn random_seed() -> u64 {
    let high = (js_sys::Math::random() * 4_294_967_296.0) as u64;
    let low = (js_sys::Math::random() * 4_294_967_296.0) as u64;
    ((high << 32) | low) % 1_000_000_000
}

/// The panel's inputs.
#[derive(Clone, Debug, PartialEq)]
struct Controls {
    /// `None`: the page's node itself.
    client: Option<String>,
    /// `None`: the first destination.
    destination: Option<String>,
    requests: u64,
    seed: u64,
    animate: bool,
}

/// An event's distributions before and after.
#[derive(Clone, Debug, PartialEq)]
struct Compare {
    label: String,
    before: SimResult,
    after: Option<Result<SimResult, String>>,
}

/// What a run shows.
#[derive(Clone, Debug, Default, PartialEq)]
struct Shown {
    result: Option<Result<SimResult, String>>,
    /// Requests sent so far, while the animation runs.
    sent: Option<(u64, u64)>,
    curl: Vec<Landing>,
    curl_address: String,
}

/// The setters a run needs (held by an animation across frames).
#[derive(Clone)]
struct Runner {
    shown: UseStateSetter<Shown>,
    generation: Rc<Cell<u64>>,
}

impl Runner {
    /// Runs `request` on `analysis`: at once, or in frames of growing prefixes.
    fn start(&self, analysis: Rc<Analysis>, request: SimRequest, animate: bool) {
        let generation = self.generation.get() + 1;
        self.generation.set(generation);
        let curl = curl_loop(&analysis, &request, CURL_LOOP);
        let curl_address = request
            .dst
            .map(|(ip, port)| join_host_port(&ip, i64::from(port)))
            .unwrap_or_default();
        if !animate || request.requests < FRAMES {
            self.shown.set(Shown {
                result: Some(simulate::run(&analysis, &request)),
                sent: None,
                curl,
                curl_address,
            });
            return;
        }
        let runner = self.clone();
        yew::platform::spawn_local(async move {
            for k in 1..=FRAMES {
                if runner.generation.get() != generation {
                    return;
                }
                let n = (request.requests * k).div_ceil(FRAMES);
                let partial = SimRequest {
                    requests: n,
                    ..request.clone()
                };
                runner.shown.set(Shown {
                    result: Some(simulate::run(&analysis, &partial)),
                    sent: (k < FRAMES).then_some((n, request.requests)),
                    // The curl loop appears line by line with the first frames.
                    curl: curl
                        .iter()
                        .take(usize::try_from(k).unwrap_or(usize::MAX))
                        .cloned()
                        .collect(),
                    curl_address: curl_address.clone(),
                });
                if k < FRAMES {
                    yew::platform::time::sleep(Duration::from_millis(FRAME_MS)).await;
                }
            }
        });
    }
}

#[derive(Properties, PartialEq)]
pub struct TrafficProps {
    pub panel: Rc<TrafficPanel>,
    pub node: AttrValue,
    pub lang: Lang,
    /// The analysis, when it was computed on the page (not for scenarios left to the
    /// worker).
    pub analysis: Option<Scenario>,
    /// The mode chosen on the page, if any.
    pub mode: Option<ProxyMode>,
    pub readonly: bool,
    /// The scenario text, to check that an event applies before recording "before".
    pub text: Rc<str>,
    pub on_action: Callback<UiAction>,
    pub on_mode: Callback<Option<ProxyMode>>,
}

/// The same requests from a client on every node (`simulate::spread`), each through its
/// own node's rules: one row per client node and endpoint, then the sum.
fn spread_view(latest: Option<&(Rc<Analysis>, SimRequest, bool)>, lang: Lang) -> Html {
    let t = |m: Msg| m.text(lang);
    let Some((analysis, request, _)) = latest else {
        return html! {};
    };
    let Ok(spread) = simulate::spread::run(analysis, request) else {
        return html! {};
    };
    if spread.per_node.len() < 2 {
        return html! {};
    }
    let row = |node: String, client: String, e: &simulate::EndpointShare, total: u64| {
        html! {
            <tr>
                <td>{ node }</td>
                <td><code>{ client }</code></td>
                <td><code>{ e.address() }</code>{ " " }{ e.pod.clone().unwrap_or_default() }</td>
                <td class="num">{ e.count }</td>
                <td class="num">{ percent(e.count, total) }</td>
                <td class="num">{ e.probability.map_or_else(|| "-".to_string(), |p| format!("{:.1} %", p * 100.0)) }</td>
            </tr>
        }
    };
    html! {
        <details class="spread" id="traffic-spread">
            <summary>{ Msg::TrafficSpreadTitle.fill(lang, &[&spread.per_node.len().to_string()]) }</summary>
            <p class="explain">{ t(Msg::TrafficSpreadExplain) }</p>
            <table>
                <thead><tr>
                    <th scope="col">{ t(Msg::TrafficClientNode) }</th>
                    <th scope="col">{ t(Msg::TrafficClient) }</th>
                    <th scope="col">{ t(Msg::Endpoint) }</th>
                    <th scope="col" class="num">{ t(Msg::Count) }</th>
                    <th scope="col" class="num">{ t(Msg::Observed) }</th>
                    <th scope="col" class="num">{ t(Msg::Expected) }</th>
                </tr></thead>
                <tbody>
                    { for spread.per_node.iter().flat_map(|r| r.endpoints.iter().map(move |e| (r, e))).map(|(r, e)| {
                        row(r.node.clone(), r.packet.src.to_string(), e, r.requests)
                    }) }
                    { for spread.endpoints.iter().map(|e| row(t(Msg::TrafficAllNodes).to_string(), String::new(), e, spread.requests)) }
                </tbody>
            </table>
        </details>
    }
}

fn percent(count: u64, total: u64) -> String {
    if total == 0 {
        return "—".into();
    }
    format!("{:.1} %", count as f64 * 100.0 / total as f64)
}

fn percent_p(p: Option<f64>) -> String {
    p.map_or_else(|| "—".into(), |p| format!("{:.1} %", p * 100.0))
}

/// The results table with its bars.
fn results_table(r: &SimResult, lang: Lang, caption: String) -> Html {
    let t = |m: Msg| m.text(lang);
    let total = r.requests;
    let bar = |count: u64, p: Option<f64>| {
        let observed = if total == 0 {
            0.0
        } else {
            count as f64 * 100.0 / total as f64
        };
        html! {
            <span class="simbar" aria-hidden="true">
                <span class="observed" style={format!("width:{observed:.2}%")}></span>
                if let Some(p) = p {
                    <span class="expected" style={format!("left:{:.2}%", p * 100.0)}></span>
                }
            </span>
        }
    };
    let others = [
        (Msg::Dropped, "dropped", r.dropped, r.dropped_probability),
        (
            Msg::Rejected,
            "rejected",
            r.rejected,
            r.rejected_probability,
        ),
        (
            Msg::NotProxied,
            "unhandled",
            r.unhandled,
            r.unhandled_probability,
        ),
    ];
    html! {
        <table class="shares simulation">
            <caption>{ caption }</caption>
            <thead><tr>
                <th scope="col">{ t(Msg::Endpoint) }</th>
                <th scope="col">{ t(Msg::Pod) }</th>
                <th scope="col">{ t(Msg::NodeColumn) }</th>
                <th scope="col">{ t(Msg::Count) }</th>
                <th scope="col">{ t(Msg::Observed) }</th>
                <th scope="col">{ t(Msg::Expected) }</th>
            </tr></thead>
            <tbody>
                { for r.endpoints.iter().map(|e| html! {
                    <tr>
                        <th scope="row"><code>{ e.address() }</code></th>
                        <td>{ e.pod.clone().unwrap_or_default() }</td>
                        <td>{ e.node.clone().unwrap_or_default() }</td>
                        <td class="num" id={format!("traffic-count-{}", e.address())}>{ e.count }</td>
                        <td class="share">{ bar(e.count, e.probability) }{ percent(e.count, total) }</td>
                        <td class="num">{ percent_p(e.probability) }</td>
                    </tr>
                }) }
                { for others.iter().filter(|(m, _, c, p)| *m != Msg::NotProxied || *c > 0 || *p > 0.0).map(|(m, id, c, p)| html! {
                    <tr class="other">
                        <th scope="row">{ t(*m) }</th>
                        <td></td>
                        <td></td>
                        <td class="num" id={format!("traffic-{id}")}>{ *c }</td>
                        <td class="share">{ bar(*c, Some(*p)) }{ percent(*c, total) }</td>
                        <td class="num">{ percent_p(Some(*p)) }</td>
                    </tr>
                }) }
            </tbody>
        </table>
    }
}

/// What the endpoints see as the client's address.
fn client_ip(r: &SimResult, lang: Lang) -> String {
    let reached: u64 = r.endpoints.iter().map(|e| e.count).sum();
    if reached == 0 {
        Msg::ClientIpNone.text(lang).to_string()
    } else if r.masqueraded == 0 {
        Msg::ClientIpPreserved.fill(lang, &[&r.packet.src.to_string()])
    } else if r.masqueraded >= reached {
        Msg::ClientIpMasqueraded.text(lang).to_string()
    } else {
        Msg::ClientIpPartly.fill(lang, &[&r.masqueraded.to_string(), &reached.to_string()])
    }
}

/// Before and after an event, per endpoint.
fn compare_table(c: &Compare, lang: Lang) -> Html {
    let t = |m: Msg| m.text(lang);
    let after = match &c.after {
        None => return html! { <p class="note">{ t(Msg::Computing) }</p> },
        Some(Err(e)) => return html! { <p class="error-line">{ e.clone() }</p> },
        Some(Ok(a)) => a,
    };
    let before = &c.before;
    let mut rows: Vec<(String, Option<String>)> = Vec::new();
    for e in before.endpoints.iter().chain(&after.endpoints) {
        if !rows.iter().any(|(a, _)| *a == e.address()) {
            rows.push((e.address(), e.pod.clone()));
        }
    }
    let cell = |r: &SimResult, address: &str| {
        let e = r.endpoints.iter().find(|e| e.address() == address);
        let count = e.map_or(0, |e| e.count);
        (
            format!("{count} · {}", percent(count, r.requests)),
            percent_p(e.and_then(|e| e.probability).or(Some(0.0))),
        )
    };
    let other = |count: u64, p: f64, r: &SimResult| {
        (
            format!("{count} · {}", percent(count, r.requests)),
            percent_p(Some(p)),
        )
    };
    // Per row: the endpoint's cells, then (count, share) before and after the event.
    type Side = (String, String);
    let mut lines: Vec<(Html, Side, Side)> = rows
        .iter()
        .map(|(address, pod)| {
            (
                html! { <><code>{ address.clone() }</code>{ " " }{ pod.clone().unwrap_or_default() }</> },
                cell(before, address),
                cell(after, address),
            )
        })
        .collect();
    lines.push((
        html! { { t(Msg::Dropped) } },
        other(before.dropped, before.dropped_probability, before),
        other(after.dropped, after.dropped_probability, after),
    ));
    lines.push((
        html! { { t(Msg::Rejected) } },
        other(before.rejected, before.rejected_probability, before),
        other(after.rejected, after.rejected_probability, after),
    ));
    html! {
        <table class="shares compare" id="traffic-compare">
            <caption>{ Msg::CompareCaption.fill(lang, &[&c.label]) }</caption>
            <thead>
                <tr>
                    <th scope="col" rowspan="2">{ t(Msg::Endpoint) }</th>
                    <th scope="colgroup" colspan="2">{ t(Msg::Before) }</th>
                    <th scope="colgroup" colspan="2">{ t(Msg::After) }</th>
                </tr>
                <tr>
                    <th scope="col">{ t(Msg::Observed) }</th>
                    <th scope="col">{ t(Msg::Expected) }</th>
                    <th scope="col">{ t(Msg::Observed) }</th>
                    <th scope="col">{ t(Msg::Expected) }</th>
                </tr>
            </thead>
            <tbody>
                { for lines.into_iter().map(|(head, (bo, be), (ao, ae))| html! {
                    <tr>
                        <th scope="row">{ head }</th>
                        <td class="num">{ bo }</td>
                        <td class="num">{ be }</td>
                        <td class="num">{ ao }</td>
                        <td class="num">{ ae }</td>
                    </tr>
                }) }
            </tbody>
        </table>
    }
}

/// The events offered: scale each workload, flip and delete each Pod, lose each node,
/// as the objects panel offers them (the same [`UiAction`]s, run through
/// `svcplay::actions`).
fn events(analysis: &Analysis) -> Vec<(String, Msg, UiAction)> {
    let mut out = Vec::new();
    for row in snapshot::objects(analysis) {
        let name = if row.namespace.is_empty() {
            row.name.clone()
        } else {
            format!("{}/{}", row.namespace, row.name)
        };
        for (i, a) in row.actions.iter().enumerate() {
            let label = match a {
                UiAction::Scale { .. } if i == 0 => Msg::ScaleUp,
                UiAction::Scale { .. } => Msg::ScaleDown,
                _ => super::objects::action_label(a),
            };
            out.push((name.clone(), label, a.clone()));
        }
    }
    out
}

#[function_component]
pub fn Traffic(props: &TrafficProps) -> Html {
    let lang = props.lang;
    let t = |m: Msg| m.text(lang);
    let p = &props.panel;
    let controls = use_state(|| Controls {
        client: None,
        destination: None,
        requests: DEFAULT_REQUESTS,
        seed: DEFAULT_SEED,
        animate: !prefers_reduced_motion(),
    });
    let shown = use_state(Shown::default);
    let compare = use_state(|| None::<Compare>);
    let generation = use_mut_ref(|| Rc::new(Cell::new(0u64)));
    let runner = Runner {
        shown: shown.setter(),
        generation: generation.borrow().clone(),
    };

    {
        // Leaving the tab stops an animation in flight.
        let generation = generation.borrow().clone();
        use_effect_with((), move |_| move || generation.set(generation.get() + 1));
    }

    let analysis = props.analysis.as_ref().map(|s| in_mode(&s.0, props.mode));
    let client_list = analysis.as_deref().map(clients).unwrap_or_default();
    let destination_list = analysis.as_deref().map(destinations).unwrap_or_default();
    let default_client = format!("node:{}", props.node);
    let client = client_list
        .iter()
        .find(|c| c.id() == *controls.client.as_ref().unwrap_or(&default_client))
        .or_else(|| client_list.iter().find(|c| c.id() == default_client))
        .or(client_list.first())
        .cloned();
    let destination = destination_list
        .iter()
        .find(|d| Some(d.id()) == controls.destination)
        .or(destination_list.first())
        .cloned();
    let sim_request = match (&client, &destination) {
        (Some(c), Some(d)) => Some(request(c, d, controls.requests, controls.seed)),
        _ => None,
    };

    // The latest inputs, for the re-run after the scenario changes.
    let latest = use_mut_ref(|| None::<(Rc<Analysis>, SimRequest, bool)>);
    *latest.borrow_mut() = analysis
        .clone()
        .zip(sim_request.clone())
        .map(|(a, r)| (a, r, controls.animate));
    let has_run = shown.result.is_some();
    let waiting_compare = compare.as_ref().is_some_and(|c| c.after.is_none());
    {
        // When the scenario (or mode) changes after a run, the same requests run again;
        // after an event, that run is the "after" side.
        let latest = latest.clone();
        let runner = runner.clone();
        let compare = compare.clone();
        let identity = props.analysis.clone();
        use_effect_with((identity, props.mode), move |_| {
            if has_run {
                if let Some((analysis, request, animate)) = latest.borrow().clone() {
                    if waiting_compare {
                        if let Some(c) = (*compare).clone() {
                            compare.set(Some(Compare {
                                after: Some(simulate::run(&analysis, &request)),
                                ..c
                            }));
                        }
                    }
                    runner.start(analysis, request, animate);
                }
            }
        });
    }

    let run_now = {
        let latest = latest.clone();
        let runner = runner.clone();
        let compare = compare.clone();
        Callback::from(move |_: MouseEvent| {
            if let Some((analysis, request, animate)) = latest.borrow().clone() {
                compare.set(None);
                runner.start(analysis, request, animate);
            }
        })
    };
    let set = |f: fn(&mut Controls, String)| {
        let controls = controls.clone();
        Callback::from(move |e: Event| {
            let value = e
                .target_dyn_into::<web_sys::HtmlInputElement>()
                .map(|i| {
                    if i.type_() == "checkbox" {
                        i.checked().to_string()
                    } else {
                        i.value()
                    }
                })
                .or_else(|| {
                    e.target_dyn_into::<web_sys::HtmlSelectElement>()
                        .map(|s| s.value())
                })
                .unwrap_or_default();
            let mut next = (*controls).clone();
            f(&mut next, value);
            controls.set(next);
        })
    };
    let on_client = set(|c, v| c.client = Some(v));
    let on_destination = set(|c, v| c.destination = Some(v));
    let on_requests = set(|c, v| {
        if let Ok(n) = v.parse() {
            c.requests = n;
        }
    });
    let on_seed = set(|c, v| {
        if let Ok(n) = v.trim().parse() {
            c.seed = n;
        }
    });
    let on_animate = set(|c, v| c.animate = v == "true");
    let on_new_seed = {
        let controls = controls.clone();
        Callback::from(move |_: MouseEvent| {
            controls.set(Controls {
                seed: random_seed(),
                ..(*controls).clone()
            });
        })
    };
    let on_mode = {
        let cb = props.on_mode.clone();
        Callback::from(move |e: Event| {
            let select: web_sys::HtmlSelectElement = e.target_unchecked_into();
            cb.emit(parse_mode(&select.value()));
        })
    };
    let configured = props
        .analysis
        .as_ref()
        .map_or(ProxyMode::Iptables, |a| a.0.proxy_config.mode);
    let modes = [
        ProxyMode::Iptables,
        ProxyMode::Ipvs,
        ProxyMode::Nftables,
        ProxyMode::Userspace,
    ];

    let controls_html = html! {
        <form class="sim-controls" onsubmit={Callback::from(|e: SubmitEvent| e.prevent_default())}>
            <label>
                { t(Msg::TrafficClient) }
                <select id="traffic-client" onchange={on_client}>
                    { for client_list.iter().map(|c| html! {
                        <option value={c.id()} selected={Some(c) == client.as_ref()}>{ c.label(lang) }</option>
                    }) }
                </select>
            </label>
            <label>
                { t(Msg::TrafficDestination) }
                <select id="traffic-destination" onchange={on_destination}>
                    { for destination_list.iter().map(|d| html! {
                        <option value={d.id()} selected={Some(d) == destination.as_ref()}>{ d.label(lang) }</option>
                    }) }
                </select>
            </label>
            <label>
                { t(Msg::TrafficMode) }
                <select id="traffic-mode" onchange={on_mode}>
                    <option value="" selected={props.mode.is_none()}>
                        { Msg::ModeConfigured.fill(lang, &[mode_id(configured)]) }
                    </option>
                    { for modes.iter().map(|m| html! {
                        <option value={mode_id(*m)} selected={props.mode == Some(*m)}>{ mode_id(*m) }</option>
                    }) }
                </select>
            </label>
            <label>
                { t(Msg::TrafficRequests) }
                <select id="traffic-requests" onchange={on_requests}>
                    { for REQUEST_COUNTS.iter().map(|n| html! {
                        <option value={n.to_string()} selected={*n == controls.requests}>{ n.to_string() }</option>
                    }) }
                </select>
            </label>
            <label>
                { t(Msg::TrafficSeed) }
                <input id="traffic-seed" type="number" min="0" step="1" value={controls.seed.to_string()} onchange={on_seed} />
            </label>
            <button type="button" id="traffic-new-seed" onclick={on_new_seed}>{ t(Msg::TrafficNewSeed) }</button>
            <label class="check">
                <input id="traffic-animate" type="checkbox" checked={controls.animate} onchange={on_animate} />
                { t(Msg::TrafficAnimate) }
            </label>
            <button type="button" id="traffic-run" class="primary" onclick={run_now}
                disabled={sim_request.is_none()}>{ t(Msg::Run) }</button>
        </form>
    };

    let results_html = match &shown.result {
        None => html! { <p class="note">{ t(Msg::TrafficPressRun) }</p> },
        Some(Err(e)) => html! { <p class="error-line" role="alert">{ e.clone() }</p> },
        Some(Ok(r)) => {
            let total = shown.sent.map_or(r.requests, |(_, n)| n);
            let client_label = client
                .as_ref()
                .map(|c| c.label(lang))
                .unwrap_or_else(|| r.client.to_string());
            let caption = Msg::TrafficRunCaption.fill(
                lang,
                &[
                    &total.to_string(),
                    &client_label,
                    &join_host_port(&r.packet.dst, i64::from(r.packet.dport)),
                    &r.node,
                    r.mode.as_str(),
                    &r.seed.to_string(),
                ],
            );
            html! {
                <>
                    <p class="progress" aria-live="polite" aria-busy={shown.sent.is_some().to_string()} id="traffic-progress">
                        if let Some((sent, total)) = shown.sent {
                            <progress max={total.to_string()} value={sent.to_string()}></progress>
                            { " " }{ Msg::TrafficProgress.fill(lang, &[&sent.to_string(), &total.to_string()]) }
                        } else {
                            { Msg::TrafficDone.fill(lang, &[&r.requests.to_string()]) }
                        }
                    </p>
                    { results_table(r, lang, caption) }
                    <p class="legend" aria-hidden="true">
                        <span class="simbar key"><span class="observed" style="width:100%"></span></span>{ t(Msg::Observed) }
                        { " · " }
                        <span class="simbar key"><span class="expected" style="left:50%"></span></span>{ t(Msg::Expected) }
                    </p>
                    <p id="traffic-client-ip">{ client_ip(r, lang) }</p>
                    if let Some(s) = r.affinity_seconds {
                        <p class="note">{ Msg::TrafficAffinity.fill(lang, &[&s.to_string()]) }</p>
                    }
                    if let Some(note) = &r.note {
                        <p class="note">{ note.clone() }</p>
                    }
                    if shown.sent.is_none() {
                        { spread_view(latest.borrow().as_ref(), lang) }
                    }
                </>
            }
        }
    };

    let curl_html = if shown.curl.is_empty() {
        html! {}
    } else {
        html! {
            <section class="curl-loop" aria-labelledby="curl-title">
                <h3 id="curl-title">{ t(Msg::CurlTitle) }</h3>
                <p class="explain">{ Msg::CurlExplain.fill(lang, &[&CURL_LOOP.to_string()]) }</p>
                <pre class="output" id="traffic-curl"><code>
                    { format!("$ while true; do curl -s {}; done\n", shown.curl_address) }
                    { for shown.curl.iter().enumerate().map(|(i, l)| {
                        let what = match l {
                            Landing::Endpoint(address, pod) => format!(
                                "{}  ({address})",
                                pod.as_deref().map_or(address.as_str(), |p| p.rsplit('/').next().unwrap_or(p))
                            ),
                            Landing::Dropped => t(Msg::Dropped).to_string(),
                            Landing::Rejected => t(Msg::Rejected).to_string(),
                            Landing::NotProxied => t(Msg::NotProxied).to_string(),
                        };
                        format!("{:>2}  {what}\n", i + 1)
                    }) }
                </code></pre>
            </section>
        }
    };

    let events_html = match (&analysis, props.readonly) {
        (Some(a), false) => {
            let list = events(a);
            html! {
                <section class="sim-events" aria-labelledby="events-title">
                    <h3 id="events-title">{ t(Msg::EventsTitle) }</h3>
                    <p class="explain">{ t(Msg::EventsExplain) }</p>
                    <div class="actions" role="group" aria-labelledby="events-title">
                        { for list.into_iter().take(40).map(|(name, label, action)| {
                            let text = format!("{} {name}", t(label));
                            let on_action = props.on_action.clone();
                            let compare = compare.clone();
                            let latest = latest.clone();
                            let label_text = text.clone();
                            let scenario = props.text.clone();
                            let onclick = Callback::from(move |_: MouseEvent| {
                                // An event that cannot edit the text changes nothing (the
                                // page says why): no comparison then.
                                if super::state::act(&scenario, &action).is_err() {
                                    on_action.emit(action.clone());
                                    return;
                                }
                                // "Before" is the full run of the current inputs (the
                                // shown one may be mid-animation).
                                let before = latest.borrow().as_ref().and_then(|(a, r, _)| {
                                    simulate::run(a, r).ok()
                                });
                                if let Some(before) = before {
                                    compare.set(Some(Compare {
                                        label: label_text.clone(),
                                        before,
                                        after: None,
                                    }));
                                }
                                on_action.emit(action.clone());
                            });
                            html! { <button type="button" {onclick}>{ text }</button> }
                        }) }
                    </div>
                    if let Some(c) = compare.as_ref() {
                        { compare_table(c, lang) }
                    }
                </section>
            }
        }
        _ => html! {},
    };

    html! {
        <section class="panel traffic" aria-labelledby="traffic-title">
            <header class="panel-head">
                <h2 id="traffic-title">{ t(Msg::TabTraffic) }{ " · " }{ t(Msg::Node) }{ " " }{ props.node.clone() }</h2>
            </header>
            <h3>{ t(Msg::TrafficSimTitle) }</h3>
            <p class="explain">{ t(Msg::TrafficSimExplain) }</p>
            if analysis.is_none() {
                <p class="note">{ t(Msg::TrafficSimUnavailable) }</p>
            } else {
                { controls_html }
                { results_html }
                { curl_html }
                { events_html }
            }
            <details class="chains">
                <summary>{ t(Msg::TrafficChainsTitle) }</summary>
                <p class="explain">{ t(Msg::TrafficExplain) }</p>
                if !p.supported {
                    <p class="note">{ t(Msg::TrafficNotInMode) }</p>
                } else if p.chains.is_empty() {
                    <p class="note">{ t(Msg::NoTraffic) }</p>
                }
                { for p.chains.iter().take(200).map(|c| html! {
                    <table class="shares">
                        <caption><strong>{ c.service.clone() }</strong>{ " · " }<code>{ c.chain.clone() }</code></caption>
                        <thead><tr>
                            <th scope="col">{ t(Msg::Endpoint) }</th>
                            <th scope="col">{ t(Msg::Pod) }</th>
                            <th scope="col">{ t(Msg::NodeColumn) }</th>
                            <th scope="col">{ t(Msg::ShareOfTraffic) }</th>
                        </tr></thead>
                        <tbody>
                            { for c.shares.iter().map(|s| {
                                let percent = s.share * 100.0;
                                html! {
                                    <tr>
                                        <th scope="row"><code>{ s.endpoint.clone() }</code></th>
                                        <td>{ s.pod.clone().unwrap_or_default() }</td>
                                        <td>{ s.node.clone().unwrap_or_default() }</td>
                                        <td class="share">
                                            <span class="bar" aria-hidden="true"><span style={format!("width:{percent:.1}%")}></span></span>
                                            { format!("{percent:.1} %") }
                                        </td>
                                    </tr>
                                }
                            }) }
                        </tbody>
                    </table>
                }) }
            </details>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use svcplay::scenario::{Options, analyze};

    fn default_analysis() -> Analysis {
        analyze(svcplay::examples::DEFAULT, Options::default())
    }

    #[test]
    fn the_default_lab_offers_its_clients_and_the_cluster_ip_first() {
        let analysis = default_analysis();
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
    fn the_panels_request_is_the_simulators_and_the_curl_loop_is_its_prefix() {
        let analysis = default_analysis();
        let client = ClientChoice::Node("k8s-worker01".into());
        let destination = destinations(&analysis)[0].clone();
        let req = request(&client, &destination, 1000, DEFAULT_SEED);
        let result = simulate::run(&analysis, &req).expect("runs");
        assert_eq!(result.endpoints.len(), 3);
        assert_eq!(result.endpoints.iter().map(|e| e.count).sum::<u64>(), 1000);
        let curl = curl_loop(&analysis, &req, CURL_LOOP);
        assert_eq!(curl.len(), CURL_LOOP);
        let ten = simulate::run(
            &analysis,
            &SimRequest {
                requests: CURL_LOOP as u64,
                ..req.clone()
            },
        )
        .expect("runs");
        for e in &ten.endpoints {
            let seen = curl
                .iter()
                .filter(|l| matches!(l, Landing::Endpoint(a, _) if *a == e.address()))
                .count() as u64;
            assert_eq!(seen, e.count, "{curl:?}");
        }
    }

    #[test]
    fn ipvs_round_robin_and_affinity_show_in_the_curl_loop() {
        let analysis = default_analysis();
        let destination = destinations(&analysis)[0].clone();
        let req = request(
            &ClientChoice::Node("k8s-worker01".into()),
            &destination,
            100,
            7,
        );
        let mut ipvs = analysis.clone();
        ipvs.proxy_config.mode = ProxyMode::Ipvs;
        let curl = curl_loop(&ipvs, &req, 6);
        // Round robin: three pods in turn.
        assert_eq!(curl[0], curl[3], "{curl:?}");
        assert_eq!(curl[1], curl[4], "{curl:?}");
        assert_ne!(curl[0], curl[1], "{curl:?}");
        let sticky = svcplay::examples::DEFAULT.replace(
            "  clusterIP: 10.97.97.97",
            "  sessionAffinity: ClientIP\n  clusterIP: 10.97.97.97",
        );
        let sticky = analyze(&sticky, Options::default());
        let curl = curl_loop(&sticky, &req, CURL_LOOP);
        assert!(curl.iter().all(|l| *l == curl[0]), "{curl:?}");
        assert!(matches!(curl[0], Landing::Endpoint(..)));
    }

    #[test]
    fn external_clients_reach_node_ports_and_events_cover_every_kind() {
        let analysis = analyze(
            svcplay::examples::EXAMPLES
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
        let r = simulate::run(&analysis, &req).expect("runs");
        assert_eq!(
            r.endpoints.iter().map(|e| e.count).sum::<u64>() + r.dropped + r.rejected,
            100
        );
        let e = events(&default_analysis());
        for label in [
            Msg::ScaleUp,
            Msg::ScaleDown,
            Msg::MakeNotReady,
            Msg::DeletePod,
        ] {
            assert!(e.iter().any(|(_, l, _)| *l == label), "{label:?}");
        }
    }
}
