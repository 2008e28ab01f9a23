//! The proxy modes side by side ([`svcplay::compare`]): one scenario in two to four modes
//! in columns — what each programs, the lines per Service, what each does with the same
//! packet — and the differences a person migrating must know, each with its source.

use super::i18n::{Lang, Msg};
use super::provenance::core_lang;
use std::rc::Rc;
use svcplay::compare::{Column, Comparison, NOTES, result_words};
use svcplay::proxy::config::ProxyMode;
use svcplay::proxy::trace::verdict_words;
use wasm_bindgen::JsCast;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct CompareProps {
    pub comparison: Rc<Comparison>,
    /// The modes in columns, as chosen.
    pub modes: Vec<ProxyMode>,
    pub lang: Lang,
    pub on_target: Callback<usize>,
    pub on_modes: Callback<Vec<ProxyMode>>,
}

/// The modes a person can put in a column, in the order of the columns.
pub const MODES: [ProxyMode; 4] = [
    ProxyMode::Iptables,
    ProxyMode::Nftables,
    ProxyMode::Ipvs,
    ProxyMode::Userspace,
];

/// The chosen modes with `mode` switched on or off; at least two stay.
pub fn toggle(modes: &[ProxyMode], mode: ProxyMode) -> Vec<ProxyMode> {
    let on = !modes.contains(&mode);
    let next: Vec<ProxyMode> = MODES
        .iter()
        .copied()
        .filter(|m| if *m == mode { on } else { modes.contains(m) })
        .collect();
    if next.len() < 2 { modes.to_vec() } else { next }
}

#[function_component]
pub fn Compare(props: &CompareProps) -> Html {
    let lang = props.lang;
    let t = |m: Msg| m.text(lang);
    let c = &props.comparison;
    let on_target = {
        let cb = props.on_target.clone();
        Callback::from(move |e: Event| {
            let value = e
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlSelectElement>().ok())
                .and_then(|s| s.value().parse::<usize>().ok());
            if let Some(v) = value {
                cb.emit(v);
            }
        })
    };
    let packet = c
        .packet
        .map(|p| format!("{} → {}:{}/{}", p.src, p.dst, p.dport, p.protocol.as_str()));
    html! {
        <section class="panel compare" aria-labelledby="compare-title">
            <header class="panel-head"><h2 id="compare-title">{ t(Msg::TabCompare) }</h2></header>
            <p class="explain">{ Msg::CompareExplain.fill(lang, &[&c.node]) }</p>
            <div class="subviews" role="group" aria-label={t(Msg::CompareModes)}>
                { for MODES.iter().map(|m| {
                    let on = props.modes.contains(m);
                    let next = toggle(&props.modes, *m);
                    let cb = props.on_modes.clone();
                    html! {
                        <button class={classes!("subview", on.then_some("active"))} aria-pressed={on.to_string()}
                            data-mode={m.as_str()} onclick={Callback::from(move |_| cb.emit(next.clone()))}>{ m.as_str() }</button>
                    }
                }) }
            </div>
            if c.destinations.is_empty() {
                <p class="note">{ t(Msg::CompareNoDestination) }</p>
            } else {
                <label class="compare-target">{ t(Msg::TrafficDestination) }{ " " }
                    <select id="compare-target" onchange={on_target}>
                        { for c.destinations.iter().enumerate().map(|(i, d)| html! {
                            <option value={i.to_string()} selected={i == c.chosen}>{ d.clone() }</option>
                        }) }
                    </select>
                </label>
                if let Some(p) = packet {
                    <p class="explain">{ Msg::ComparePacket.fill(lang, &[&p]) }</p>
                }
            }
            <div class="columns" style={format!("--columns:{}", c.columns.len())}>
                { for c.columns.iter().map(|col| column(col, lang)) }
            </div>
            <h3>{ t(Msg::MigrationNotes) }</h3>
            { for c.notes.iter().filter_map(|i| NOTES.get(*i).map(|n| (i, n))).map(|(i, n)| {
                let applies = c.applying.contains(i);
                html! {
                    <details class={classes!("note-card", applies.then_some("applies"))} open={applies} data-note={n.id}>
                        <summary>
                            { n.title.get(core_lang(lang)) }
                            if applies { { " " }<span class="badge">{ t(Msg::AppliesHere) }</span> }
                        </summary>
                        <p>{ n.body.get(core_lang(lang)) }</p>
                        <ul class="sources">
                            { for n.sources.iter().map(|(what, place)| html! {
                                <li>{ *what }{ " — " }
                                    if place.starts_with("https://") {
                                        <a href={*place} target="_blank" rel="noopener">{ *place }</a>
                                    } else {
                                        <code>{ *place }</code>
                                    }
                                </li>
                            }) }
                        </ul>
                    </details>
                }
            }) }
        </section>
    }
}

/// One mode: its counts, the packet's walk, its lines per Service.
fn column(col: &Column, lang: Lang) -> Html {
    let t = |m: Msg| m.text(lang);
    let k = &col.counts;
    let mut counts: Vec<(Msg, usize)> =
        vec![(Msg::CountRules, k.rules), (Msg::CountChains, k.chains)];
    for (m, n) in [
        (Msg::CountSets, k.sets),
        (Msg::CountElements, k.elements),
        (Msg::CountVirtualServers, k.virtual_servers),
        (Msg::CountRealServers, k.real_servers),
        (Msg::CountBound, k.bound_addresses),
        (Msg::CountSockets, k.sockets),
    ] {
        if n > 0 {
            counts.push((m, n));
        }
    }
    html! {
        <div class="column" data-mode={col.mode.as_str()}>
            <h3>{ col.mode.as_str() }
                if col.mode == ProxyMode::Userspace { { " " }<span class="badge">{ t(Msg::RemovedMode) }</span> }
            </h3>
            <dl class="counts">
                { for counts.iter().map(|(m, n)| html! {
                    <div><dt>{ t(*m) }</dt><dd>{ n.to_string() }</dd></div>
                }) }
            </dl>
            <h4>{ t(Msg::ComparePacketWalk) }</h4>
            { match &col.walk {
                Ok(w) => html! {
                    <>
                        <p class="walk-result"><strong>{ result_words(w, core_lang(lang)) }</strong>
                            if w.masquerade { { " · " }{ t(Msg::ClientIpMasqueraded) } }
                        </p>
                        <ol class="walk">
                            { for w.hops.iter().map(|h| html! {
                                <li style={format!("--depth:{}", h.depth)}>
                                    <span class="where">{ h.location.clone() }</span>
                                    <code>{ h.rule.clone() }</code>
                                    <span class="hop-verdict">{ verdict_words(&h.verdict, core_lang(lang)) }</span>
                                </li>
                            }) }
                        </ol>
                    </>
                },
                Err(e) => html! { <p class="note">{ e.clone() }</p> },
            } }
            <h4>{ t(Msg::LinesPerService) }</h4>
            <table class="per-service">
                <tbody>
                    { for col.per_service.iter().map(|(s, n)| html! {
                        <tr><th scope="row"><code>{ s.clone() }</code></th><td class="num">{ n.to_string() }</td></tr>
                    }) }
                    <tr class="fixed"><th scope="row">{ t(Msg::FixedLines) }</th><td class="num">{ col.fixed.to_string() }</td></tr>
                </tbody>
            </table>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_modes_stay_chosen() {
        let three = [ProxyMode::Iptables, ProxyMode::Nftables, ProxyMode::Ipvs];
        assert_eq!(
            toggle(&three, ProxyMode::Nftables),
            vec![ProxyMode::Iptables, ProxyMode::Ipvs]
        );
        let two = [ProxyMode::Iptables, ProxyMode::Ipvs];
        assert_eq!(toggle(&two, ProxyMode::Ipvs), two.to_vec());
        assert_eq!(
            toggle(&two, ProxyMode::Userspace),
            vec![ProxyMode::Iptables, ProxyMode::Ipvs, ProxyMode::Userspace]
        );
    }
}
