//! The traffic panel: how each chain splits new connections, read off the rules.

use super::i18n::{Lang, Msg};
use super::snapshot::TrafficPanel;
use std::rc::Rc;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct TrafficProps {
    pub panel: Rc<TrafficPanel>,
    pub node: AttrValue,
    pub lang: Lang,
}

#[function_component]
pub fn Traffic(props: &TrafficProps) -> Html {
    let lang = props.lang;
    let t = |m: Msg| m.text(lang);
    let p = &props.panel;
    html! {
        <section class="panel traffic" aria-labelledby="traffic-title">
            <header class="panel-head">
                <h2 id="traffic-title">{ t(Msg::TabTraffic) }{ " · " }{ t(Msg::Node) }{ " " }{ props.node.clone() }</h2>
            </header>
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
        </section>
    }
}
