//! The cluster diagram as SVG: Services on top, one column per Node with its Pods, arrows
//! from each Service to the Pods it selects (dashed when the Pod gets no traffic). Drag to
//! pan, wheel or buttons to zoom, "Fit" to see it all (the default on a narrow screen);
//! export it as SVG or PNG. The layout, the arrows' routes and the shortened names are the
//! core's ([`svcplay::diagram`]); a label that would still overflow its box is squeezed
//! to fit (SVG `textLength`) once the browser has measured it.

use super::dom;
use super::i18n::{Lang, Msg};
use std::rc::Rc;
use svcplay::diagram::{Diagram as Layout, route, short_name};
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// Characters of a title (12 px) and of a mono sub-line (11 px) that fit a box's width.
const TITLE_CHARS: usize = 24;
const SUB_CHARS: usize = 26;

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
    let svg = use_node_ref();
    let d = &props.diagram;
    // The scale at which the whole picture fits the panel's width (never above 1).
    let fit_scale = {
        let svg = svg.clone();
        let width = f64::from(d.width.max(1) + 20);
        move || {
            svg.cast::<web_sys::Element>()
                .map(|e| (f64::from(e.client_width()) / width).min(1.0))
                .filter(|s| *s > 0.0)
                .unwrap_or(1.0)
        }
    };
    // Labels the browser measures wider than their box are squeezed into it; on a narrow
    // screen the picture starts fitted to the width.
    {
        let svg = svg.clone();
        let view = view.clone();
        let fit_scale = fit_scale.clone();
        use_effect_with(props.diagram.clone(), move |_| {
            if let Some(root) = svg.cast::<web_sys::Element>() {
                squeeze_labels(&root);
                let scale = fit_scale();
                if scale < 1.0 {
                    view.set(View {
                        scale,
                        x: 0.0,
                        y: 0.0,
                    });
                }
            }
        });
    }
    let fit = {
        let view = view.clone();
        let fit_scale = fit_scale.clone();
        Callback::from(move |_: MouseEvent| {
            view.set(View {
                scale: fit_scale(),
                x: 0.0,
                y: 0.0,
            })
        })
    };
    let export = |png: bool| {
        let svg = svg.clone();
        let (w, h) = (d.width + 20, d.height.max(200) + 20);
        Callback::from(move |_: MouseEvent| {
            if let Some(root) = svg.cast::<web_sys::Element>() {
                if png {
                    dom::export_png(&root, "svcplay-diagram.png", f64::from(w), f64::from(h));
                } else {
                    dom::export_svg(&root, "svcplay-diagram.svg", f64::from(w), f64::from(h));
                }
            }
        })
    };

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
        // Down from the Service, along the gap left of the Pod's column (never across the
        // node's label), then into the Pod's left side.
        let r = route(d, e)?;
        let ((x1, y1), (x2, y2), gx, gt) = (r.start, r.end, r.gap_x, r.gap_top);
        let path = format!(
            "M{x1},{y1} C{x1},{} {gx},{} {gx},{gt} L{gx},{} Q{gx},{y2} {x2},{y2}",
            y1 + 30,
            gt - 30,
            y2 - 6
        );
        Some(html! { <path class={if e.serving { "edge" } else { "edge idle" }} d={path} marker-end="url(#arrow)" /> })
    });
    let nodes = d.nodes.iter().map(|n| {
        let r = n.rect;
        let title = if n.name.is_empty() { t(Msg::Unscheduled).to_string() } else { n.name.clone() };
        html! {
            <g class={classes!("node", (!n.ready && !n.name.is_empty()).then_some("down"))}>
                <rect x={r.x.to_string()} y={r.y.to_string()} width={r.width.to_string()} height={r.height.to_string()} rx="8" />
                <text x={(r.x + 10).to_string()} y={(r.y + 18).to_string()} class="title" data-max={(r.width - 18).to_string()}>{ short_name(&title, TITLE_CHARS) }</text>
                <text x={(r.x + 10).to_string()} y={(r.y + 34).to_string()} class="sub" data-max={(r.width - 18).to_string()}>
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
                <text x={(r.x + 8).to_string()} y={(r.y + 19).to_string()} class="title" data-max={(r.width - 14).to_string()}>{ short_name(&p.name, TITLE_CHARS) }</text>
                <text x={(r.x + 8).to_string()} y={(r.y + 37).to_string()} class="sub" data-max={(r.width - 14).to_string()}>{ format!("{} · {}", p.ip.clone().unwrap_or_default(), status) }</text>
            </g>
        }
    });
    let services = d.services.iter().map(|s| {
        let r = s.rect;
        html! {
            <g class="service">
                <title>{ format!("{}/{} · {} · {}", s.namespace, s.name, s.type_, s.ports) }</title>
                <rect x={r.x.to_string()} y={r.y.to_string()} width={r.width.to_string()} height={r.height.to_string()} rx="6" />
                <text x={(r.x + 8).to_string()} y={(r.y + 18).to_string()} class="title" data-max={(r.width - 14).to_string()}>{ short_name(&s.name, TITLE_CHARS) }</text>
                <text x={(r.x + 8).to_string()} y={(r.y + 34).to_string()} class="sub" data-max={(r.width - 14).to_string()}>{ format!("{} {}", s.type_, s.cluster_ip.clone().unwrap_or_default()) }</text>
                <text x={(r.x + 8).to_string()} y={(r.y + 50).to_string()} class="sub" data-max={(r.width - 14).to_string()}>{ short(&s.ports, SUB_CHARS) }</text>
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
                    <button id="diagram-fit" onclick={fit}>{ t(Msg::FitDiagram) }</button>
                    <button onclick={reset} title={t(Msg::ResetView)} aria-label={t(Msg::ResetView)}>{ "⟲" }</button>
                    <button id="diagram-svg" onclick={export(false)} title={t(Msg::ExportSvg)}>{ "SVG" }</button>
                    <button id="diagram-png" onclick={export(true)} title={t(Msg::ExportPng)}>{ "PNG" }</button>
                </span>
            </header>
            <p class="explain">{ t(Msg::DiagramHint) }</p>
            if d.omitted_services + d.omitted_pods > 0 {
                <p class="note">{ Msg::Omitted.fill(lang, &[&d.omitted_services.to_string(), &d.omitted_pods.to_string()]) }</p>
            }
            <div class="svg-wrap">
                <svg id="diagram" ref={svg} role="img" aria-label={t(Msg::DiagramLabel)}
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

/// Squeezes every label (`text[data-max]`) the browser measures wider than its box into
/// that width, so that no label leaves its box whatever the font.
fn squeeze_labels(root: &web_sys::Element) {
    let Ok(texts) = root.query_selector_all("text[data-max]") else {
        return;
    };
    for text in (0..texts.length()).filter_map(|i| texts.item(i)) {
        let Ok(text) = text.dyn_into::<web_sys::SvgTextContentElement>() else {
            continue;
        };
        let max: f32 = text
            .get_attribute("data-max")
            .and_then(|m| m.parse().ok())
            .unwrap_or(f32::MAX);
        let _ = text.remove_attribute("textLength");
        if text.get_computed_text_length() > max {
            let _ = text.set_attribute("textLength", &max.to_string());
            let _ = text.set_attribute("lengthAdjust", "spacingAndGlyphs");
        }
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
