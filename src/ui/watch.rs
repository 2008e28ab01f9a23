//! Watching the traffic on the cluster diagram: the first requests of the traffic
//! panel's run, one at a time ([`svcplay::simulate::watch`]), drawn on the diagram's
//! layout with the core's ways ([`svcplay::diagram::watch`]).
//!
//! Each request leaves its client, stops at the kube-proxy of the node that handles it
//! (the rule that chose, the masquerade, a drop or reject, affinity pinning are shown
//! there), crosses to the Pod's node when the Pod runs elsewhere, and lands on its Pod,
//! whose counter grows. Nothing here decides anything: every way, hop and count is the
//! watch's. The player ([`Player`], a pure reducer) plays, pauses, steps one request at
//! a time (its walk listed below the picture), goes back, and changes speed; the keys
//! Space, → and ← work on the picture. With `prefers-reduced-motion` the player starts
//! paused and the dot jumps from stop to stop instead of gliding (the CSS drops the
//! transition).

use super::i18n::{Lang, Msg};
use super::provenance::core_lang;
use super::snapshot::Watching;
use std::rc::Rc;
use std::time::Duration;
use svcplay::diagram::short_name;
use svcplay::diagram::watch::{ClientSpot, Scene, Stop, Waypoint, scene, way};
use svcplay::model::ip::join_host_port;
use svcplay::proxy::trace::verdict_words;
use svcplay::simulate::Landed;
use yew::prelude::*;

/// The speeds offered, as multiples of the base pace.
pub const SPEEDS: [f64; 5] = [0.25, 0.5, 1.0, 2.0, 4.0];
/// The speed the player starts at (an index into [`SPEEDS`]).
pub const DEFAULT_SPEED: usize = 2;
/// Milliseconds from one stop of a way to the next at speed 1.
const LEG_MS: f64 = 420.0;

/// Where the player is: request `request` (from 0) at stop `stop` of its way. `stop`
/// equal to the way's last index means the request has arrived.
#[derive(Clone, Debug, PartialEq)]
pub struct Player {
    /// How many stops each request's way has.
    pub stops: Rc<[usize]>,
    pub request: usize,
    pub stop: usize,
    pub playing: bool,
    pub speed: usize,
    /// No request shown yet (before the first Play or Step).
    pub fresh: bool,
}

/// What the player can be asked to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PlayerAction {
    /// A new watch: its ways' numbers of stops, and whether to start playing.
    Load {
        stops: Rc<[usize]>,
        autoplay: bool,
    },
    Play,
    Pause,
    Toggle,
    /// Show the next request whole, paused (or finish the current one if mid-way).
    Step,
    /// The previous request whole, paused.
    Back,
    Restart,
    Speed(usize),
    /// The timer: the next stop, or the next request.
    Tick,
}

impl Player {
    pub fn new(stops: Rc<[usize]>, autoplay: bool) -> Player {
        Player {
            playing: autoplay && !stops.is_empty(),
            stops,
            request: 0,
            stop: 0,
            speed: DEFAULT_SPEED,
            fresh: true,
        }
    }

    fn last_stop(&self, request: usize) -> usize {
        self.stops.get(request).map_or(0, |n| n.saturating_sub(1))
    }

    /// Whether the current request has arrived (its way is drawn whole).
    pub fn arrived(&self) -> bool {
        !self.fresh && self.stop >= self.last_stop(self.request)
    }

    /// How many requests have arrived: the Pods' counters count these.
    pub fn done(&self) -> usize {
        if self.fresh {
            0
        } else {
            self.request + usize::from(self.arrived())
        }
    }

    /// The last request has arrived.
    pub fn finished(&self) -> bool {
        self.arrived() && self.request + 1 >= self.stops.len()
    }

    /// Milliseconds until the next tick.
    pub fn tick_ms(&self) -> u64 {
        (LEG_MS / SPEEDS[self.speed.min(SPEEDS.len() - 1)]) as u64
    }

    pub fn reduce(&self, action: PlayerAction) -> Player {
        if let PlayerAction::Load { stops, autoplay } = action {
            let mut next = Player::new(stops, autoplay);
            next.speed = self.speed;
            return next;
        }
        let mut next = self.clone();
        if self.stops.is_empty() {
            next.playing = false;
            return next;
        }
        match action {
            PlayerAction::Load { .. } => {}
            PlayerAction::Play if self.finished() => {
                next = Player::new(self.stops.clone(), true);
                next.speed = self.speed;
            }
            PlayerAction::Play => next.playing = true,
            PlayerAction::Pause => next.playing = false,
            PlayerAction::Toggle => {
                let action = if self.playing {
                    PlayerAction::Pause
                } else {
                    PlayerAction::Play
                };
                return self.reduce(action);
            }
            PlayerAction::Step => {
                next.playing = false;
                if self.fresh {
                    next.fresh = false;
                } else if self.arrived() && self.request + 1 < self.stops.len() {
                    next.request += 1;
                }
                next.stop = next.last_stop(next.request);
            }
            PlayerAction::Back => {
                next.playing = false;
                next.fresh = false;
                next.request = self.request.saturating_sub(1);
                next.stop = next.last_stop(next.request);
            }
            PlayerAction::Restart => {
                next = Player::new(self.stops.clone(), false);
                next.speed = self.speed;
            }
            PlayerAction::Speed(i) => next.speed = i.min(SPEEDS.len() - 1),
            PlayerAction::Tick if !self.playing => {}
            PlayerAction::Tick => {
                if self.fresh {
                    next.fresh = false;
                } else if self.stop < self.last_stop(self.request) {
                    next.stop += 1;
                } else if self.request + 1 < self.stops.len() {
                    next.request += 1;
                    next.stop = 0;
                } else {
                    next.playing = false;
                }
            }
        }
        next
    }
}

/// The player as a Yew reducer.
#[derive(Clone, Debug, PartialEq)]
struct PlayerState(Player);

impl Reducible for PlayerState {
    type Action = PlayerAction;
    fn reduce(self: Rc<Self>, action: PlayerAction) -> Rc<Self> {
        Rc::new(PlayerState(self.0.reduce(action)))
    }
}

#[derive(Properties, PartialEq)]
pub struct WatchProps {
    pub watching: Rc<Watching>,
    /// Which simulation this is (a new one reloads the player).
    pub id: u64,
    /// Start playing when a new watch arrives (the panel's "Animate", off with reduced
    /// motion).
    pub autoplay: bool,
    pub lang: Lang,
}

/// The words of an end.
fn end_text(watching: &Watching, walk: usize, lang: Lang) -> String {
    let w = &watching.watch;
    let walk = &w.walks[walk];
    match walk.landed {
        Landed::Endpoint(ip, port) => match (&walk.pod, &walk.pod_node) {
            (Some(pod), Some(node)) => Msg::WatchLanded.fill(lang, &[pod, node]),
            _ => Msg::WatchLandedEndpoint.fill(lang, &[&join_host_port(&ip, port)]),
        },
        Landed::Drop => Msg::WatchDroppedAt.fill(lang, &[&w.node]),
        Landed::Reject => Msg::WatchRejectedAt.fill(lang, &[&w.node]),
        Landed::Unhandled => Msg::WatchNotProxiedAt.fill(lang, &[&w.node]),
    }
}

fn xy(p: &Waypoint) -> String {
    format!("{},{}", p.x, p.y)
}

#[function_component]
pub fn WatchView(props: &WatchProps) -> Html {
    let lang = props.lang;
    let t = |m: Msg| m.text(lang);
    let watching = &props.watching;
    let watch = &watching.watch;
    let diagram = &watching.diagram;
    let scene: Rc<Scene> = use_memo(props.watching.clone(), |w| scene(&w.diagram, &w.watch));
    let ways: Rc<Vec<Vec<Waypoint>>> =
        use_memo((props.watching.clone(), scene.clone()), |(w, scene)| {
            w.watch
                .journeys
                .iter()
                .map(|j| way(&w.diagram, scene, &w.watch, j))
                .collect()
        });
    let stops: Rc<[usize]> = ways.iter().map(Vec::len).collect();
    let player = {
        let stops = stops.clone();
        let autoplay = props.autoplay;
        use_reducer(move || PlayerState(Player::new(stops, autoplay)))
    };
    // A new simulation starts the player again (through the reducer: never a copy of
    // the state of an earlier render).
    // The first render's player is already the mounted watch's.
    {
        let player = player.clone();
        let autoplay = props.autoplay;
        let stops = stops.clone();
        let mounted = use_mut_ref(|| props.id);
        use_effect_with(props.id, move |id| {
            if *mounted.borrow() != *id {
                *mounted.borrow_mut() = *id;
                player.dispatch(PlayerAction::Load { stops, autoplay });
            }
        });
    }
    let p = &player.0;
    // The clock: one tick after each change while playing.
    {
        let dispatcher = player.dispatcher();
        let deps = (p.playing, p.request, p.stop, p.fresh, p.speed, props.id);
        let ms = p.tick_ms();
        use_effect_with(deps, move |deps| {
            let alive = Rc::new(std::cell::Cell::new(true));
            if deps.0 {
                let alive = alive.clone();
                yew::platform::spawn_local(async move {
                    yew::platform::time::sleep(Duration::from_millis(ms)).await;
                    if alive.get() {
                        dispatcher.dispatch(PlayerAction::Tick);
                    }
                });
            }
            move || alive.set(false)
        });
    }
    let on = |action: PlayerAction| {
        let player = player.clone();
        Callback::from(move |_: MouseEvent| player.dispatch(action.clone()))
    };
    let on_speed = {
        let player = player.clone();
        Callback::from(move |e: Event| {
            let select: web_sys::HtmlSelectElement = e.target_unchecked_into();
            if let Ok(i) = select.value().parse() {
                player.dispatch(PlayerAction::Speed(i));
            }
        })
    };
    let on_key = {
        let player = player.clone();
        Callback::from(move |e: KeyboardEvent| {
            let action = match e.key().as_str() {
                " " | "k" => PlayerAction::Toggle,
                "ArrowRight" | "." => PlayerAction::Step,
                "ArrowLeft" | "," => PlayerAction::Back,
                "Home" => PlayerAction::Restart,
                _ => return,
            };
            e.prevent_default();
            player.dispatch(action);
        })
    };

    let total = watch.journeys.len();
    let current = (!p.fresh).then(|| watch.journeys.get(p.request)).flatten();
    let counts = watch.counts(p.done());
    let count_of = |pod: usize| -> u64 {
        watch
            .walks
            .iter()
            .enumerate()
            .filter(|(i, _)| scene.pods.get(*i).copied().flatten() == Some(pod))
            .map(|(_, w)| w.landed)
            .filter_map(|l| counts.iter().find(|(c, _)| *c == l).map(|(_, n)| *n))
            .sum()
    };

    // The picture.
    let shift = |r: &svcplay::diagram::Rect| scene.shift(r);
    let current_pod = current.and_then(|j| scene.pods.get(j.walk).copied().flatten());
    let client_pod = match scene.client {
        ClientSpot::Pod(i) => Some(i),
        _ => None,
    };
    let services = diagram.services.iter().map(|s| {
        let r = shift(&s.rect);
        let addressed = s.cluster_ip.as_deref() == Some(watch.packet.dst.to_string().as_str());
        html! {
            <g class={classes!("service", addressed.then_some("addressed"))}>
                <rect x={r.x.to_string()} y={r.y.to_string()} width={r.width.to_string()} height={r.height.to_string()} rx="6" />
                <text x={(r.x + 8).to_string()} y={(r.y + 18).to_string()} class="title">{ short_name(&s.name, 24) }</text>
                <text x={(r.x + 8).to_string()} y={(r.y + 34).to_string()} class="sub">{ format!("{} {}", s.type_, s.cluster_ip.clone().unwrap_or_default()) }</text>
            </g>
        }
    });
    let nodes = diagram.nodes.iter().enumerate().map(|(i, n)| {
        let r = shift(&n.rect);
        let title = if n.name.is_empty() { t(Msg::Unscheduled).to_string() } else { n.name.clone() };
        let handling = scene.node == Some(i);
        let badge = scene.kube_proxies[i];
        html! {
            <g class={classes!("node", handling.then_some("handling"))}>
                <rect x={r.x.to_string()} y={r.y.to_string()} width={r.width.to_string()} height={r.height.to_string()} rx="8" />
                <text x={(r.x + 10).to_string()} y={(r.y + 18).to_string()} class="title">{ short_name(&title, 24) }</text>
                <text x={(r.x + 10).to_string()} y={(r.y + 34).to_string()} class="sub">{ n.internal_ip.clone().unwrap_or_default() }</text>
                if !n.name.is_empty() {
                    <g class="kube-proxy">
                        <rect x={badge.x.to_string()} y={badge.y.to_string()} width={badge.width.to_string()} height={badge.height.to_string()} rx="4" />
                        <text x={(badge.x + badge.width / 2).to_string()} y={(badge.y + 15).to_string()} text-anchor="middle">{ t(Msg::KubeProxy) }</text>
                    </g>
                }
            </g>
        }
    });
    let pods = diagram.pods.iter().enumerate().map(|(i, pod)| {
        let r = shift(&pod.rect);
        let count = count_of(i);
        let state = if pod.terminating { "terminating" } else if pod.ready { "ready" } else { "not-ready" };
        html! {
            <g class={classes!("pod", state, (current_pod == Some(i) && p.arrived()).then_some("hit"), (client_pod == Some(i)).then_some("client"))}
                id={format!("watch-pod-{}-{}", pod.namespace, pod.name)}>
                <rect x={r.x.to_string()} y={r.y.to_string()} width={r.width.to_string()} height={r.height.to_string()} rx="6" />
                <text x={(r.x + 8).to_string()} y={(r.y + 19).to_string()} class="title">{ short_name(&pod.name, 19) }</text>
                <text x={(r.x + 8).to_string()} y={(r.y + 37).to_string()} class="sub">{ pod.ip.clone().unwrap_or_default() }</text>
                if count > 0 {
                    <g class="counter">
                        <rect x={(r.x + r.width - 54).to_string()} y={(r.y + 27).to_string()} width="38" height="18" rx="9" />
                        <text x={(r.x + r.width - 35).to_string()} y={(r.y + 40).to_string()} text-anchor="middle" class="count">{ count }</text>
                    </g>
                }
            </g>
        }
    });
    let client_box = match scene.client {
        ClientSpot::Outside(r) => html! {
            <g class="outside-client">
                <rect x={r.x.to_string()} y={r.y.to_string()} width={r.width.to_string()} height={r.height.to_string()} rx="20" />
                <text x={(r.x + r.width / 2).to_string()} y={(r.y + 25).to_string()} text-anchor="middle">
                    { Msg::WatchOutside.fill(lang, &[&watch.packet.src.to_string()]) }
                </text>
            </g>
        },
        _ => html! {},
    };
    // The current request's way so far, the moving dot, and the marks at kube-proxy.
    let way_html = match current {
        None => html! {},
        Some(j) => {
            let way = &ways[p.request];
            let reached = p.stop.min(way.len().saturating_sub(1));
            let drawn: Vec<String> = way[..=reached].iter().map(xy).collect();
            let dot = way[reached];
            let walk = watch.walk(j);
            let at_proxy = way
                .iter()
                .position(|w| w.stop == Stop::KubeProxy)
                .filter(|k| reached >= *k);
            let badge = scene.node.map(|n| scene.kube_proxies[n]);
            let tags = match (at_proxy, badge) {
                (Some(_), Some(b)) => {
                    let mut tags: Vec<(Msg, &str)> = Vec::new();
                    match walk.landed {
                        Landed::Drop => tags.push((Msg::WatchDropTag, "drop")),
                        Landed::Reject => tags.push((Msg::WatchRejectTag, "reject")),
                        _ => {}
                    }
                    if walk.trace.masquerade {
                        tags.push((Msg::WatchMasqTag, "masq"));
                    }
                    if j.pinned {
                        tags.push((Msg::WatchPinTag, "pin"));
                    }
                    let rule = walk
                        .decided_by
                        .and_then(|h| walk.trace.hops.get(h))
                        .map(|h| short_name(&h.location, 34))
                        .unwrap_or_default();
                    html! {
                        <g class="proxy-marks">
                            { for tags.iter().enumerate().map(|(k, (m, class))| {
                                let x = b.x - 4 - 62 * (k as i32 + 1);
                                html! {
                                    <g class={classes!("tag", *class)}>
                                        <rect x={x.to_string()} y={b.y.to_string()} width="58" height={b.height.to_string()} rx="4" />
                                        <text x={(x + 29).to_string()} y={(b.y + 15).to_string()} text-anchor="middle">{ t(*m) }</text>
                                    </g>
                                }
                            }) }
                            if !rule.is_empty() {
                                <text class="chose" x={(b.x + b.width).to_string()} y={(b.y - 6).to_string()} text-anchor="end">{ rule }</text>
                            }
                        </g>
                    }
                }
                _ => html! {},
            };
            let ended = matches!(walk.landed, Landed::Drop | Landed::Reject) && at_proxy.is_some();
            html! {
                <g class="flight">
                    <polyline class={classes!("way", ended.then_some("stopped"))} points={drawn.join(" ")} />
                    { tags }
                    // A new element per request: the dot glides along one request's way,
                    // never back from the last Pod to the next client; stepped or paused,
                    // it stands still at its stop.
                    <g class="packet-layer">
                        <circle key={p.request.to_string()} class={classes!("packet", ended.then_some("stopped"), (!p.playing).then_some("still"))} r="8" cx="0" cy="0"
                            style={format!("transform: translate({}px, {}px)", dot.x, dot.y)} />
                    </g>
                </g>
            }
        }
    };

    // The words: where the current request is, what happened to it, and its walk.
    let summary = match current {
        None => html! { <p id="watch-position">{ t(Msg::WatchNotStarted) }</p> },
        Some(j) => {
            let walk = watch.walk(j);
            let seconds = format!("{:.1}", j.at_ms as f64 / 1000.0);
            let mut lines = Vec::new();
            if let Some(hop) = walk.decided_by.and_then(|h| walk.trace.hops.get(h)) {
                lines.push(Msg::WatchChose.fill(
                    lang,
                    &[&hop.location, &verdict_words(&hop.verdict, core_lang(lang))],
                ));
            }
            if j.pinned {
                lines.push(t(Msg::WatchPinned).to_string());
            }
            if watch.crosses(j) {
                lines.push(Msg::WatchCrossed.fill(
                    lang,
                    &[&watch.node, walk.pod_node.as_deref().unwrap_or_default()],
                ));
            }
            if matches!(walk.landed, Landed::Endpoint(..)) {
                lines.push(
                    t(if walk.trace.masquerade {
                        Msg::WatchMasquerade
                    } else {
                        Msg::WatchPreserved
                    })
                    .to_string(),
                );
            }
            lines.push(end_text(watching, j.walk, lang));
            html! {
                <>
                    <p id="watch-position">{ Msg::WatchPosition.fill(lang, &[&(p.request + 1).to_string(), &total.to_string(), &seconds]) }</p>
                    <ul class="watch-facts" id="watch-facts">
                        { for lines.into_iter().map(|l| html! { <li>{ l }</li> }) }
                    </ul>
                </>
            }
        }
    };
    let walk_html = match current.filter(|_| !p.playing) {
        None => html! {},
        Some(j) => {
            let walk = watch.walk(j);
            html! {
                <details class="watch-walk" id="watch-walk" open=true>
                    <summary>{ Msg::WatchWalkTitle.fill(lang, &[&(p.request + 1).to_string(), &watch.node]) }</summary>
                    <ol class="hops">
                        { for walk.trace.hops.iter().enumerate().map(|(k, h)| {
                            let chose = walk.decided_by == Some(k);
                            html! {
                                <li class={classes!(chose.then_some("chose"))} style={format!("margin-left:{}em", h.depth)}>
                                    <code class="where">{ h.location.clone() }</code>{ ": " }<code>{ h.rule.clone() }</code>
                                    if !h.verdict.is_empty() {
                                        <div class="verdict">{ "⇒ " }{ verdict_words(&h.verdict, core_lang(lang)) }</div>
                                    }
                                </li>
                            }
                        }) }
                    </ol>
                    <pre class="output"><code>{ format!("result: {}\nmasquerade: {}", walk.trace.outcome, walk.trace.masquerade) }</code></pre>
                </details>
            }
        }
    };
    html! {
        <section class="watch" aria-labelledby="watch-title" id="traffic-watch">
            <h3 id="watch-title">{ t(Msg::WatchTitle) }</h3>
            <p class="explain">{ Msg::WatchExplain.fill(lang, &[&total.to_string()]) }</p>
            <div class="player" role="group" aria-labelledby="watch-title">
                if p.playing {
                    <button type="button" id="watch-play" onclick={on(PlayerAction::Pause)} aria-pressed="true">{ t(Msg::WatchPause) }</button>
                } else {
                    <button type="button" id="watch-play" class="primary" onclick={on(PlayerAction::Play)} aria-pressed="false">{ t(Msg::WatchPlay) }</button>
                }
                <button type="button" id="watch-back" onclick={on(PlayerAction::Back)} title={t(Msg::WatchBackLabel)} disabled={p.fresh || p.request == 0}>{ "← " }{ t(Msg::WatchBack) }</button>
                <button type="button" id="watch-step" onclick={on(PlayerAction::Step)} title={t(Msg::WatchStepLabel)} disabled={p.finished()}>{ t(Msg::WatchStep) }{ " →" }</button>
                <button type="button" id="watch-restart" onclick={on(PlayerAction::Restart)}>{ t(Msg::WatchRestart) }</button>
                <label>
                    { t(Msg::WatchSpeed) }
                    <select id="watch-speed" onchange={on_speed}>
                        { for SPEEDS.iter().enumerate().map(|(i, s)| html! {
                            <option value={i.to_string()} selected={i == p.speed}>{ format!("{s}×") }</option>
                        }) }
                    </select>
                </label>
            </div>
            // Announced when paused or stepped; while playing, a change every second
            // would drown a screen reader, so the region is quiet then.
            <div class="watch-status" aria-live={if p.playing { "off" } else { "polite" }} aria-atomic="true">
                if !p.playing { { summary } } else {
                    <p id="watch-position">{ Msg::WatchPosition.fill(lang, &[&(p.request + 1).to_string(), &total.to_string(), &format!("{:.1}", current.map_or(0, |j| j.at_ms) as f64 / 1000.0)]) }</p>
                }
            </div>
            <div class="svg-wrap watch-wrap">
                <svg id="watch-diagram" class="diagram watch" role="img" tabindex="0"
                    aria-label={format!("{} {}", t(Msg::WatchDiagramLabel), t(Msg::WatchKeys))}
                    viewBox={format!("0 0 {} {}", scene.width + 10, scene.height + 10)}
                    style={format!("min-width:{}px", (scene.width * 3 / 4).min(900))}
                    onkeydown={on_key}>
                    { client_box }
                    { for services }
                    { for nodes }
                    { for pods }
                    { way_html }
                </svg>
            </div>
            <p class="explain">{ t(Msg::WatchKeys) }</p>
            { walk_html }
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn player(stops: &[usize]) -> Player {
        Player::new(stops.iter().copied().collect(), false)
    }

    #[test]
    fn stepping_shows_one_whole_request_at_a_time() {
        let p = player(&[3, 4, 3]);
        assert_eq!(p.done(), 0);
        let p = p.reduce(PlayerAction::Step);
        assert_eq!((p.request, p.stop, p.done(), p.playing), (0, 2, 1, false));
        let p = p.reduce(PlayerAction::Step);
        assert_eq!((p.request, p.stop, p.done()), (1, 3, 2));
        let p = p.reduce(PlayerAction::Step).reduce(PlayerAction::Step);
        assert_eq!((p.request, p.done()), (2, 3));
        assert!(p.finished());
        let p = p.reduce(PlayerAction::Back);
        assert_eq!((p.request, p.stop, p.done()), (1, 3, 2));
    }

    #[test]
    fn playing_ticks_through_every_stop_and_stops_at_the_end() {
        let mut p = player(&[3, 4]).reduce(PlayerAction::Play);
        let mut seen = Vec::new();
        for _ in 0..20 {
            p = p.reduce(PlayerAction::Tick);
            seen.push((p.request, p.stop, p.done()));
        }
        assert_eq!(
            seen[..8],
            [
                (0, 0, 0),
                (0, 1, 0),
                (0, 2, 1),
                (1, 0, 1),
                (1, 1, 1),
                (1, 2, 1),
                (1, 3, 2),
                (1, 3, 2)
            ]
        );
        assert!(!p.playing && p.finished());
        // Play again from the end starts over.
        let p = p.reduce(PlayerAction::Play);
        assert!(p.playing && p.fresh && p.request == 0);
        // A new watch replaces the ways and keeps the speed.
        let loaded = p.reduce(PlayerAction::Speed(3)).reduce(PlayerAction::Load {
            stops: Rc::from(vec![4, 4, 4]),
            autoplay: false,
        });
        assert_eq!(
            (loaded.stops.len(), loaded.speed, loaded.playing),
            (3, 3, false)
        );
        assert!(p.playing && p.fresh && p.request == 0);
        // A paused player ignores a late tick; pausing mid-way keeps the place.
        let q = p
            .reduce(PlayerAction::Tick)
            .reduce(PlayerAction::Tick)
            .reduce(PlayerAction::Pause);
        assert_eq!(q.reduce(PlayerAction::Tick), q);
        // Step mid-way finishes the current request first.
        let q = q.reduce(PlayerAction::Step);
        assert_eq!((q.request, q.stop), (0, 2));
    }

    #[test]
    fn speed_sets_the_pace_and_an_empty_watch_never_plays() {
        let p = player(&[3]).reduce(PlayerAction::Speed(4));
        assert_eq!(p.tick_ms(), 105);
        assert_eq!(p.reduce(PlayerAction::Speed(99)).speed, SPEEDS.len() - 1);
        let empty = Player::new(Rc::from(Vec::new()), true);
        assert!(!empty.playing);
        assert!(!empty.reduce(PlayerAction::Play).playing);
    }
}
