//! The cluster diagram as SVG: Services on top, one column per Node with its Pods, arrows
//! from each Service to the Pods it selects (dashed when the Pod gets no traffic). Drag to
//! pan, wheel or buttons to zoom. The layout is the core's ([`svcplay::diagram`]).

use super::i18n::{Lang, Msg};
use std::rc::Rc;
use svcplay::diagram::Diagram as Layout;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct DiagramProps {
    pub diagram: Rc<Layout>,
    pub lang: Lang,
}

#[derive(Clone, Copy, PartialEq)]
struct View {
    scale: f64,
    x: f64,
    y: f64,
}

const HOME: View = View {
    scale: 1.0,
    x: 0.0,
    y: 0.0,
};

#[function_component]
pub fn Diagram(props: &DiagramProps) -> Html {
    let lang = props.lang;
    let t = |m: Msg| m.text(lang);
    let view = use_state(|| HOME);
    let drag = use_mut_ref(|| None::<(f64, f64, View)>);
    let d = &props.diagram;

    let zoom = |factor: f64| {
        let view = view.clone();
        Callback::from(move |_: MouseEvent| {
            let v = *view;
            view.set(View {
                scale: (v.scale * factor).clamp(0.2, 5.0),
                ..v
            });
        })
    };
    let reset = {
        let view = view.clone();
        Callback::from(move |_: MouseEvent| view.set(HOME))
    };
    let on_wheel = {
        let view = view.clone();
        Callback::from(move |e: WheelEvent| {
            e.prevent_default();
            let v = *view;
            let factor = if e.delta_y() < 0.0 { 1.1 } else { 1.0 / 1.1 };
            let scale = (v.scale * factor).clamp(0.2, 5.0);
            // Zoom around the pointer.
            let (px, py) = (e.offset_x() as f64, e.offset_y() as f64);
            let k = scale / v.scale;
            view.set(View {
                scale,
                x: px - (px - v.x) * k,
                y: py - (py - v.y) * k,
            });
        })
    };
    let on_down = {
        let drag = drag.clone();
        let view = view.clone();
        Callback::from(move |e: PointerEvent| {
            *drag.borrow_mut() = Some((e.client_x() as f64, e.client_y() as f64, *view));
        })
    };
    let on_move = {
        let drag = drag.clone();
        let view = view.clone();
        Callback::from(move |e: PointerEvent| {
            if let Some((x0, y0, start)) = *drag.borrow() {
                view.set(View {
                    x: start.x + e.client_x() as f64 - x0,
                    y: start.y + e.client_y() as f64 - y0,
                    ..start
                });
            }
        })
    };
    let on_up = {
        let drag = drag.clone();
        Callback::from(move |_: PointerEvent| *drag.borrow_mut() = None)
    };

    let edges = d.edges.iter().filter_map(|e| {
        let s = d.services.get(e.service)?.rect;
        let p = d.pods.get(e.pod)?.rect;
        // From the Service's bottom into the Pod's left side, so that arrows to Pods lower
        // in a column are not hidden by the Pods above them.
        let (x1, y1) = (s.x + s.width / 2, s.y + s.height);
        let (x2, y2) = (p.x, p.y + p.height / 2);
        let path = format!("M{x1},{y1} C{x1},{} {},{y2} {x2},{y2}", y1 + (y2 - y1) / 2, x2 - 60);
        Some(html! { <path class={if e.serving { "edge" } else { "edge idle" }} d={path} marker-end="url(#arrow)" /> })
    });
    let nodes = d.nodes.iter().map(|n| {
        let r = n.rect;
        let title = if n.name.is_empty() { t(Msg::Unscheduled).to_string() } else { n.name.clone() };
        html! {
            <g class={classes!("node", (!n.ready && !n.name.is_empty()).then_some("down"))}>
                <rect x={r.x.to_string()} y={r.y.to_string()} width={r.width.to_string()} height={r.height.to_string()} rx="8" />
                <text x={(r.x + 10).to_string()} y={(r.y + 18).to_string()} class="title">{ title }</text>
                <text x={(r.x + 10).to_string()} y={(r.y + 34).to_string()} class="sub">
                    { n.internal_ip.clone().unwrap_or_default() }
                    { if !n.ready && !n.name.is_empty() { format!(" · {}", t(Msg::NodeNotReady)) } else { String::new() } }
                </text>
            </g>
        }
    });
    let pods = d.pods.iter().map(|p| {
        let r = p.rect;
        let state = if p.terminating { "terminating" } else if p.ready { "ready" } else { "not-ready" };
        let status = if p.terminating { t(Msg::Terminating) } else if p.ready { t(Msg::Ready) } else { t(Msg::NotReady) };
        html! {
            <g class={classes!("pod", state)}>
                <title>{ format!("{}/{} · {}", p.namespace, p.name, status) }</title>
                <rect x={r.x.to_string()} y={r.y.to_string()} width={r.width.to_string()} height={r.height.to_string()} rx="6" />
                <text x={(r.x + 8).to_string()} y={(r.y + 19).to_string()} class="title">{ short(&p.name, 26) }</text>
                <text x={(r.x + 8).to_string()} y={(r.y + 37).to_string()} class="sub">{ format!("{} · {}", p.ip.clone().unwrap_or_default(), status) }</text>
            </g>
        }
    });
    let services = d.services.iter().map(|s| {
        let r = s.rect;
        html! {
            <g class="service">
                <title>{ format!("{}/{} · {} · {}", s.namespace, s.name, s.type_, s.ports) }</title>
                <rect x={r.x.to_string()} y={r.y.to_string()} width={r.width.to_string()} height={r.height.to_string()} rx="6" />
                <text x={(r.x + 8).to_string()} y={(r.y + 18).to_string()} class="title">{ short(&s.name, 26) }</text>
                <text x={(r.x + 8).to_string()} y={(r.y + 34).to_string()} class="sub">{ format!("{} {}", s.type_, s.cluster_ip.clone().unwrap_or_default()) }</text>
                <text x={(r.x + 8).to_string()} y={(r.y + 50).to_string()} class="sub">{ short(&s.ports, 30) }</text>
            </g>
        }
    });
    let v = *view;
    html! {
        <section class="panel diagram" aria-labelledby="diagram-title">
            <header class="panel-head">
                <h2 id="diagram-title">{ t(Msg::TabDiagram) }</h2>
                <span class="zoom">
                    <button onclick={zoom(1.25)} title={t(Msg::ZoomIn)} aria-label={t(Msg::ZoomIn)}>{ "+" }</button>
                    <button onclick={zoom(0.8)} title={t(Msg::ZoomOut)} aria-label={t(Msg::ZoomOut)}>{ "−" }</button>
                    <button onclick={reset} title={t(Msg::ResetView)} aria-label={t(Msg::ResetView)}>{ "⟲" }</button>
                </span>
            </header>
            <p class="explain">{ t(Msg::DiagramHint) }</p>
            if d.omitted_services + d.omitted_pods > 0 {
                <p class="note">{ Msg::Omitted.fill(lang, &[&d.omitted_services.to_string(), &d.omitted_pods.to_string()]) }</p>
            }
            <div class="svg-wrap">
                <svg id="diagram" role="img" aria-label={t(Msg::DiagramLabel)}
                    width="100%" height={(d.height.max(200) + 20).to_string()}
                    onwheel={on_wheel} onpointerdown={on_down} onpointermove={on_move}
                    onpointerup={on_up.clone()} onpointerleave={on_up}>
                    <defs>
                        <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
                            <path d="M0,0 L10,5 L0,10 z" class="arrowhead" />
                        </marker>
                    </defs>
                    <g transform={format!("translate({:.1},{:.1}) scale({:.3})", v.x, v.y, v.scale)}>
                        { for nodes }
                        { for edges }
                        { for pods }
                        { for services }
                    </g>
                </svg>
            </div>
        </section>
    }
}

/// The first `n` characters, with an ellipsis if cut.
fn short(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        s.chars().take(n - 1).chain(['…']).collect()
    }
}
