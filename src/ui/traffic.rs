//! The traffic panel: N requests sent through the simulator ([`svcplay::simulate`]) from a
//! chosen client to a chosen Service address, watched as they arrive, the exact shares
//! the rules give every Service from this node, the first requests of the seeds' `curl`
//! loop in order, and events (scale, delete, readiness, node loss) that edit the text and
//! show the distribution before and after.
//!
//! Nothing here decides where a request lands, and nothing here runs the simulator: the
//! panel sends [`SimRequest`]s through `on_simulate` and shows the answers the state
//! holds ([`super::state::Simulation`]), computed on the page for small scenarios and by
//! the Web Worker for large ones; the lists it offers come in its
//! [`TrafficPanel`](super::snapshot::TrafficPanel). The seed is an input: the page draws
//! a random one only when the user asks for a new seed. The animation is honest: the
//! simulator records where every request landed, and each frame shows the first `n` of
//! them ([`SimResult::prefix`], the run of `n` requests), so the bars fill exactly as the
//! requests arrive. The state re-runs the same requests after every edit of the text, so
//! an event's "after" is the simulator's answer for the edited scenario.

use super::i18n::{Lang, Msg};
use super::snapshot::{Simulated, TrafficPanel, UiAction};
use super::state::Simulation;
use std::rc::Rc;
use std::time::Duration;
use svcplay::model::ip::join_host_port;
use svcplay::proxy::config::ProxyMode;
use svcplay::simulate::clients::{ClientChoice, Destination, DestinationKind, request};
use svcplay::simulate::spread::Spread;
use svcplay::simulate::{Landed, SimRequest, SimResult};
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
/// The label of a client in the page's language.
fn client_label(client: &ClientChoice, lang: Lang) -> String {
    match client {
        ClientChoice::Node(n) => Msg::ClientNode.fill(lang, &[n]),
        ClientChoice::Pod { pod, node, .. } => Msg::ClientPod.fill(lang, &[pod, node]),
        ClientChoice::External(n) => Msg::ClientExternal.fill(lang, &[n]),
    }
}

/// The label of a destination in the page's language.
fn destination_label(destination: &Destination, lang: Lang) -> String {
    let address = format!(
        "{} {}",
        destination.address(),
        destination.protocol.as_str()
    );
    let s = destination.service.as_str();
    match destination.kind {
        DestinationKind::ClusterIp => Msg::DestClusterIp.fill(lang, &[s, &address]),
        DestinationKind::NodePort => Msg::DestNodePort.fill(
            lang,
            &[s, &address, destination.node.as_deref().unwrap_or_default()],
        ),
        DestinationKind::ExternalIp => Msg::DestExternalIp.fill(lang, &[s, &address]),
        DestinationKind::LoadBalancer => Msg::DestLoadBalancer.fill(lang, &[s, &address]),
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

/// The first `k` requests of a run, in order, from the sequence the simulator recorded.
pub fn curl_loop(result: &SimResult, k: usize) -> Vec<Landing> {
    result
        .sequence
        .iter()
        .take(k)
        .map(|landed| match *landed {
            Landed::Endpoint(ip, port) => {
                let address = join_host_port(&ip, port);
                let pod = result
                    .endpoints
                    .iter()
                    .find(|e| e.ip == ip && e.port == port)
                    .and_then(|e| e.pod.clone());
                Landing::Endpoint(address, pod)
            }
            Landed::Drop => Landing::Dropped,
            Landed::Reject => Landing::Rejected,
            Landed::Unhandled => Landing::NotProxied,
        })
        .collect()
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
    /// The simulation the event was recorded on: a later one is "after".
    before_id: u64,
}

#[derive(Properties, PartialEq)]
pub struct TrafficProps {
    pub panel: Rc<TrafficPanel>,
    pub node: AttrValue,
    pub lang: Lang,
    /// The mode chosen on the page, if any.
    pub mode: Option<ProxyMode>,
    /// The mode the scenario configures.
    pub configured_mode: Option<ProxyMode>,
    /// The last simulation and its answer.
    pub simulation: Option<Simulation>,
    pub readonly: bool,
    /// The scenario text, to check that an event applies before recording "before".
    pub text: Rc<str>,
    pub on_simulate: Callback<SimRequest>,
    pub on_action: Callback<UiAction>,
    pub on_mode: Callback<Option<ProxyMode>>,
}

/// The same requests from a client on every node (`simulate::spread`), each through its
/// own node's rules: one row per client node and endpoint, then the sum.
fn spread_view(spread: &Spread, lang: Lang) -> Html {
    let t = |m: Msg| m.text(lang);
    let row = |node: String, client: String, e: &svcplay::simulate::EndpointShare, total: u64| {
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
fn compare_table(c: &Compare, after: Option<&Result<SimResult, String>>, lang: Lang) -> Html {
    let t = |m: Msg| m.text(lang);
    let after = match after {
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

/// The label of an event: a workload's first Scale scales up, its second down; the
/// other actions are labelled as in the objects panel.
fn event_label(position: u32, action: &UiAction) -> Msg {
    match action {
        UiAction::Scale { .. } if position == 0 => Msg::ScaleUp,
        UiAction::Scale { .. } => Msg::ScaleDown,
        _ => super::objects::action_label(action),
    }
}

/// The exact shares of a new request from the node to every ClusterIP: the simulator's
/// EXPECTED column, computed from the same rules.
fn expected_tables(expected: &[SimResult], lang: Lang) -> Html {
    let t = |m: Msg| m.text(lang);
    html! {
        <details class="chains" open=true>
            <summary>{ t(Msg::TrafficChainsTitle) }</summary>
            <p class="explain">{ t(Msg::TrafficExplain) }</p>
            if expected.is_empty() {
                <p class="note">{ t(Msg::NoTraffic) }</p>
            }
            { for expected.iter().map(|r| {
                let others = [
                    (Msg::Dropped, r.dropped_probability),
                    (Msg::Rejected, r.rejected_probability),
                    (Msg::NotProxied, r.unhandled_probability),
                ];
                html! {
                    <table class="shares">
                        <caption><code>{ join_host_port(&r.packet.dst, i64::from(r.packet.dport)) }</code>{ " " }{ r.packet.protocol.as_str() }</caption>
                        <thead><tr>
                            <th scope="col">{ t(Msg::Endpoint) }</th>
                            <th scope="col">{ t(Msg::Pod) }</th>
                            <th scope="col">{ t(Msg::NodeColumn) }</th>
                            <th scope="col">{ t(Msg::ShareOfTraffic) }</th>
                        </tr></thead>
                        <tbody>
                            { for r.endpoints.iter().map(|e| {
                                let share = e.probability.map(|p| p * 100.0);
                                html! {
                                    <tr>
                                        <th scope="row"><code>{ e.address() }</code></th>
                                        <td>{ e.pod.clone().unwrap_or_default() }</td>
                                        <td>{ e.node.clone().unwrap_or_default() }</td>
                                        <td class="share">
                                            <span class="bar" aria-hidden="true"><span style={format!("width:{:.1}%", share.unwrap_or(0.0))}></span></span>
                                            { percent_p(e.probability) }
                                        </td>
                                    </tr>
                                }
                            }) }
                            { for others.iter().filter(|(_, p)| *p > 0.0).map(|(m, p)| html! {
                                <tr class="other">
                                    <th scope="row">{ t(*m) }</th>
                                    <td></td>
                                    <td></td>
                                    <td class="share">{ percent_p(Some(*p)) }</td>
                                </tr>
                            }) }
                        </tbody>
                    </table>
                }
            }) }
            if let Some(note) = expected.iter().find_map(|r| r.note.clone()) {
                <p class="note">{ note }</p>
            }
        </details>
    }
}

/// What the panel's inputs can be asked to change. Every handler dispatches one of
/// these: the reducer applies it to the current inputs, never to a copy taken when the
/// handler was made, so two changes in a row both count.
#[derive(Clone, Debug, PartialEq)]
enum ControlsAction {
    Client(String),
    Destination(String),
    Requests(String),
    Seed(String),
    Animate(bool),
    NewSeed(u64),
    /// Send the requests the inputs describe (an effect sends them once the inputs are
    /// rendered).
    Run,
    /// An event is about to edit the text: keep the current answer as "before".
    Record(Box<Compare>),
}

/// The panel's own state: its inputs, how many runs were asked, and the event whose
/// before and after are compared.
#[derive(Clone, Debug, PartialEq)]
struct PanelState {
    controls: Controls,
    runs: u64,
    compare: Option<Compare>,
}

impl Reducible for PanelState {
    type Action = ControlsAction;
    fn reduce(self: Rc<Self>, action: ControlsAction) -> Rc<Self> {
        let mut next = (*self).clone();
        let c = &mut next.controls;
        match action {
            ControlsAction::Client(v) => c.client = Some(v),
            ControlsAction::Destination(v) => c.destination = Some(v),
            ControlsAction::Requests(v) => {
                if let Ok(n) = v.parse() {
                    c.requests = n;
                }
            }
            ControlsAction::Seed(v) => {
                if let Ok(n) = v.trim().parse() {
                    c.seed = n;
                }
            }
            ControlsAction::Animate(on) => c.animate = on,
            ControlsAction::NewSeed(seed) => c.seed = seed,
            ControlsAction::Run => {
                next.runs += 1;
                next.compare = None;
            }
            ControlsAction::Record(compare) => next.compare = Some(*compare),
        }
        Rc::new(next)
    }
}

#[function_component]
pub fn Traffic(props: &TrafficProps) -> Html {
    let lang = props.lang;
    let t = |m: Msg| m.text(lang);
    let p = &props.panel;
    let state = use_reducer(|| PanelState {
        controls: Controls {
            client: None,
            destination: None,
            requests: DEFAULT_REQUESTS,
            seed: DEFAULT_SEED,
            animate: !prefers_reduced_motion(),
        },
        runs: 0,
        compare: None,
    });
    let controls = &state.controls;
    let compare = &state.compare;
    // The animation: how many of the answer's requests are shown, for which simulation.
    let frame = use_state(|| None::<(u64, u64)>);
    let generation = use_mut_ref(|| 0u64);

    let client_list = &p.clients;
    let destination_list = &p.destinations;
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
        (Some(c), Some(d)) => Some(SimRequest {
            mode: props.mode,
            // Every request is recorded: the animation and the curl loop read them.
            record: usize::try_from(controls.requests).unwrap_or(usize::MAX),
            ..request(c, d, controls.requests, controls.seed)
        }),
        _ => None,
    };
    // A Run asked through the reducer sends the request of the inputs as rendered after
    // it: whatever changed just before the click is in it.
    {
        let on_simulate = props.on_simulate.clone();
        let request = sim_request.clone();
        use_effect_with(state.runs, move |runs| {
            if *runs > 0 {
                if let Some(request) = request {
                    on_simulate.emit(request);
                }
            }
        });
    }

    // A new answer is shown at once, or in frames of growing prefixes.
    let answer: Option<(u64, Rc<Simulated>)> = props
        .simulation
        .as_ref()
        .and_then(|s| Some((s.id, s.answer.clone()?)));
    {
        let frame = frame.clone();
        let generation = generation.clone();
        let animate = controls.animate;
        let id = answer.as_ref().map(|(id, _)| *id);
        let total = answer
            .as_ref()
            .and_then(|(_, a)| a.result.as_ref().ok())
            .map_or(0, |r| r.requests);
        use_effect_with(id, move |id| {
            *generation.borrow_mut() += 1;
            let current = *generation.borrow();
            match id {
                Some(id) if animate && total >= FRAMES => {
                    let id = *id;
                    let generation = generation.clone();
                    yew::platform::spawn_local(async move {
                        for k in 1..=FRAMES {
                            if *generation.borrow() != current {
                                return;
                            }
                            frame.set((k < FRAMES).then(|| (id, (total * k).div_ceil(FRAMES))));
                            if k < FRAMES {
                                yew::platform::time::sleep(Duration::from_millis(FRAME_MS)).await;
                            }
                        }
                    });
                }
                _ => frame.set(None),
            }
            // Leaving the tab (or a newer answer) stops an animation in flight.
            move || *generation.borrow_mut() += 1
        });
    }
    let sent = frame
        .filter(|(id, _)| Some(*id) == answer.as_ref().map(|(id, _)| *id))
        .map(|(_, n)| n);

    let run_now = {
        let dispatcher = state.dispatcher();
        Callback::from(move |_: MouseEvent| dispatcher.dispatch(ControlsAction::Run))
    };
    let set = |f: fn(String) -> ControlsAction| {
        let dispatcher = state.dispatcher();
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
            dispatcher.dispatch(f(value));
        })
    };
    let on_client = set(ControlsAction::Client);
    let on_destination = set(ControlsAction::Destination);
    let on_requests = set(ControlsAction::Requests);
    let on_seed = set(ControlsAction::Seed);
    let on_animate = set(|v| ControlsAction::Animate(v == "true"));
    let on_new_seed = {
        let dispatcher = state.dispatcher();
        Callback::from(move |_: MouseEvent| {
            dispatcher.dispatch(ControlsAction::NewSeed(random_seed()));
        })
    };
    let on_mode = {
        let cb = props.on_mode.clone();
        Callback::from(move |e: Event| {
            let select: web_sys::HtmlSelectElement = e.target_unchecked_into();
            cb.emit(ProxyMode::parse(&select.value()));
        })
    };
    let configured = props.configured_mode.unwrap_or(ProxyMode::Iptables);
    let modes = ProxyMode::ALL;

    let controls_html = html! {
        <form class="sim-controls" onsubmit={Callback::from(|e: SubmitEvent| e.prevent_default())}>
            <label>
                { t(Msg::TrafficClient) }
                <select id="traffic-client" onchange={on_client}>
                    { for client_list.iter().map(|c| html! {
                        <option value={c.id()} selected={Some(c) == client.as_ref()}>{ client_label(c, lang) }</option>
                    }) }
                </select>
            </label>
            <label>
                { t(Msg::TrafficDestination) }
                <select id="traffic-destination" onchange={on_destination}>
                    { for destination_list.iter().map(|d| html! {
                        <option value={d.id()} selected={Some(d) == destination.as_ref()}>{ destination_label(d, lang) }</option>
                    }) }
                </select>
            </label>
            <label>
                { t(Msg::TrafficMode) }
                <select id="traffic-mode" onchange={on_mode}>
                    <option value="" selected={props.mode.is_none()}>
                        { Msg::ModeConfigured.fill(lang, &[configured.as_str()]) }
                    </option>
                    { for modes.iter().map(|m| html! {
                        <option value={m.as_str()} selected={props.mode == Some(*m)}>{ m.as_str() }</option>
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

    let full = answer.as_ref().map(|(_, a)| &a.result);
    let results_html = match full {
        None if props.simulation.is_some() => html! { <p class="note">{ t(Msg::Computing) }</p> },
        None => html! { <p class="note">{ t(Msg::TrafficPressRun) }</p> },
        Some(Err(e)) => html! { <p class="error-line" role="alert">{ e.clone() }</p> },
        Some(Ok(full)) => {
            let shown = sent
                .and_then(|n| full.prefix(n))
                .unwrap_or_else(|| full.clone());
            let r = &shown;
            let total = full.requests;
            let client_label_text = client
                .as_ref()
                .map(|c| client_label(c, lang))
                .unwrap_or_else(|| r.client.to_string());
            let caption = Msg::TrafficRunCaption.fill(
                lang,
                &[
                    &total.to_string(),
                    &client_label_text,
                    &join_host_port(&r.packet.dst, i64::from(r.packet.dport)),
                    &r.node,
                    r.mode.as_str(),
                    &r.seed.to_string(),
                ],
            );
            html! {
                <>
                    <p class="progress" aria-live="polite" aria-busy={sent.is_some().to_string()} id="traffic-progress">
                        if let Some(n) = sent {
                            <progress max={total.to_string()} value={n.to_string()}></progress>
                            { " " }{ Msg::TrafficProgress.fill(lang, &[&n.to_string(), &total.to_string()]) }
                        } else {
                            { Msg::TrafficDone.fill(lang, &[&total.to_string()]) }
                        }
                    </p>
                    { results_table(r, lang, caption) }
                    <p class="legend" aria-hidden="true">
                        <span class="simbar key"><span class="observed" style="width:100%"></span></span>{ t(Msg::Observed) }
                        { " · " }
                        <span class="simbar key"><span class="expected" style="left:50%"></span></span>{ t(Msg::Expected) }
                    </p>
                    if sent.is_none() {
                        <p id="traffic-client-ip">{ client_ip(r, lang) }</p>
                    }
                    if let Some(s) = r.affinity_seconds {
                        <p class="note">{ Msg::TrafficAffinity.fill(lang, &[&s.to_string()]) }</p>
                    }
                    if let Some(note) = &r.note {
                        <p class="note">{ note.clone() }</p>
                    }
                    if sent.is_none() {
                        if let Some(spread) = answer.as_ref().and_then(|(_, a)| a.spread.as_ref()) {
                            { spread_view(spread, lang) }
                        }
                    }
                </>
            }
        }
    };

    // The curl loop: the first requests of the run in order, appearing with the frames.
    let curl: Vec<Landing> = match full {
        Some(Ok(r)) => {
            let shown = sent.map_or(CURL_LOOP, |n| {
                usize::try_from(n).unwrap_or(usize::MAX).min(CURL_LOOP)
            });
            curl_loop(r, CURL_LOOP.min(shown))
        }
        _ => Vec::new(),
    };
    let curl_address = props
        .simulation
        .as_ref()
        .and_then(|s| s.request.dst)
        .map(|(ip, port)| join_host_port(&ip, i64::from(port)))
        .unwrap_or_default();
    let curl_html = if curl.is_empty() {
        html! {}
    } else {
        html! {
            <section class="curl-loop" aria-labelledby="curl-title">
                <h3 id="curl-title">{ t(Msg::CurlTitle) }</h3>
                <p class="explain">{ Msg::CurlExplain.fill(lang, &[&CURL_LOOP.to_string()]) }</p>
                <pre class="output" id="traffic-curl"><code>
                    { format!("$ while true; do curl -s {curl_address}; done\n") }
                    { for curl.iter().enumerate().map(|(i, l)| {
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

    // The first requests one at a time on the cluster diagram.
    let watch_html = match answer
        .as_ref()
        .and_then(|(id, a)| Some((*id, a.watch.clone()?)))
    {
        Some((id, watching)) => html! {
            <super::watch::WatchView watching={watching} {id} autoplay={controls.animate} lang={lang} />
        },
        None => html! {},
    };

    // "After" an event: the first answer of a later simulation (the state runs the same
    // requests again once the event has edited the text).
    let after: Option<&Result<SimResult, String>> = compare.as_ref().and_then(|c| {
        answer
            .as_ref()
            .filter(|(id, _)| *id > c.before_id)
            .map(|(_, a)| &a.result)
    });
    let events_html = if props.readonly {
        html! {}
    } else {
        html! {
            <section class="sim-events" aria-labelledby="events-title">
                <h3 id="events-title">{ t(Msg::EventsTitle) }</h3>
                <p class="explain">{ t(Msg::EventsExplain) }</p>
                <div class="actions" role="group" aria-labelledby="events-title">
                    { for p.events.iter().take(40).map(|(name, position, action)| {
                        let text = format!("{} {name}", t(event_label(*position, action)));
                        let on_action = props.on_action.clone();
                        let dispatcher = state.dispatcher();
                        let label_text = text.clone();
                        // The props of this render are the newest the panel has: a new
                        // text or answer renders the panel again before the next click.
                        let scenario = props.text.clone();
                        let before = answer.as_ref().and_then(|(id, a)| Some((*id, a.result.clone().ok()?)));
                        let action = action.clone();
                        let onclick = Callback::from(move |_: MouseEvent| {
                            // An event that cannot edit the text changes nothing (the page
                            // says why): no comparison then.
                            if super::state::act(&scenario, &action).is_err() {
                                on_action.emit(action.clone());
                                return;
                            }
                            // "Before" is the whole run of the current requests (the
                            // shown one may be mid-animation).
                            if let Some((before_id, before)) = &before {
                                dispatcher.dispatch(ControlsAction::Record(Box::new(Compare {
                                    label: label_text.clone(),
                                    before: before.clone(),
                                    before_id: *before_id,
                                })));
                            }
                            on_action.emit(action.clone());
                        });
                        html! { <button type="button" {onclick}>{ text }</button> }
                    }) }
                </div>
                if let Some(c) = compare.as_ref() {
                    { compare_table(c, after, lang) }
                }
            </section>
        }
    };

    html! {
        <section class="panel traffic" aria-labelledby="traffic-title">
            <header class="panel-head">
                <h2 id="traffic-title">{ t(Msg::TabTraffic) }{ " · " }{ t(Msg::Node) }{ " " }{ props.node.clone() }</h2>
            </header>
            <h3>{ t(Msg::TrafficSimTitle) }</h3>
            <p class="explain">{ t(Msg::TrafficSimExplain) }</p>
            { controls_html }
            { results_html }
            { watch_html }
            { curl_html }
            { events_html }
            { expected_tables(&p.expected, lang) }
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use svcplay::scenario::{Analysis, Options, analyze};
    use svcplay::simulate::clients::destinations;

    fn default_analysis() -> Analysis {
        analyze(svcplay::examples::DEFAULT, Options::default())
    }

    /// The panel's request for the default lab's ClusterIP from its node, recorded.
    fn recorded(analysis: &Analysis, requests: u64, seed: u64) -> SimRequest {
        let destination = destinations(analysis)[0].clone();
        SimRequest {
            record: usize::try_from(requests).unwrap_or(usize::MAX),
            ..request(
                &ClientChoice::Node("k8s-worker01".into()),
                &destination,
                requests,
                seed,
            )
        }
    }

    #[test]
    fn the_curl_loop_is_the_first_requests_of_the_run() {
        let analysis = default_analysis();
        let req = recorded(&analysis, 1000, DEFAULT_SEED);
        let result = svcplay::simulate::run(&analysis, &req).expect("runs");
        assert_eq!(result.endpoints.len(), 3);
        assert_eq!(result.endpoints.iter().map(|e| e.count).sum::<u64>(), 1000);
        let curl = curl_loop(&result, CURL_LOOP);
        assert_eq!(curl.len(), CURL_LOOP);
        let ten = svcplay::simulate::run(
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
        let req = recorded(&analysis, 100, 7);
        let ipvs = SimRequest {
            mode: Some(ProxyMode::Ipvs),
            ..req.clone()
        };
        let curl = curl_loop(&svcplay::simulate::run(&analysis, &ipvs).expect("runs"), 6);
        // Round robin: three pods in turn.
        assert_eq!(curl[0], curl[3], "{curl:?}");
        assert_eq!(curl[1], curl[4], "{curl:?}");
        assert_ne!(curl[0], curl[1], "{curl:?}");
        let sticky = svcplay::examples::DEFAULT.replace(
            "  clusterIP: 10.97.97.97",
            "  sessionAffinity: ClientIP\n  clusterIP: 10.97.97.97",
        );
        let sticky = analyze(&sticky, Options::default());
        let curl = curl_loop(
            &svcplay::simulate::run(&sticky, &req).expect("runs"),
            CURL_LOOP,
        );
        assert!(curl.iter().all(|l| *l == curl[0]), "{curl:?}");
        assert!(matches!(curl[0], Landing::Endpoint(..)));
    }

    #[test]
    fn events_cover_every_kind() {
        let panel = super::super::snapshot::traffic(&default_analysis(), "k8s-worker01", None);
        let labels: Vec<Msg> = panel
            .events
            .iter()
            .map(|(_, position, action)| event_label(*position, action))
            .collect();
        for label in [
            Msg::ScaleUp,
            Msg::ScaleDown,
            Msg::MakeNotReady,
            Msg::DeletePod,
        ] {
            assert!(labels.contains(&label), "{label:?}");
        }
        // The exact shares of the lab's Service: a third each.
        let lab = panel
            .expected
            .iter()
            .find(|r| r.packet.dst.to_string() == "10.97.97.97")
            .expect("the lab's ClusterIP");
        assert_eq!(lab.endpoints.len(), 3);
        for e in &lab.endpoints {
            assert_eq!(percent_p(e.probability), "33.3 %");
        }
    }
}
