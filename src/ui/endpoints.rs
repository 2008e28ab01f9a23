//! EndpointSlices and the legacy Endpoints, as the controllers wrote them: one table per
//! slice (addresses and their conditions), then what kubectl prints for them.

use super::i18n::{Lang, Msg};
use super::output::OutputActions;
use super::snapshot::EndpointsPanel;
use std::rc::Rc;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct EndpointsProps {
    pub panel: Rc<EndpointsPanel>,
    pub lang: Lang,
}

fn flag(value: Option<bool>) -> &'static str {
    match value {
        Some(true) => "true",
        Some(false) => "false",
        None => "-",
    }
}

#[function_component]
pub fn Endpoints(props: &EndpointsProps) -> Html {
    let lang = props.lang;
    let t = |m: Msg| m.text(lang);
    let p = &props.panel;
    html! {
        <section class="panel endpoints" aria-labelledby="endpoints-title">
            <header class="panel-head"><h2 id="endpoints-title">{ t(Msg::EndpointSlices) }</h2></header>
            if p.slices.is_empty() {
                <p class="note">{ t(Msg::NoEndpointSlices) }</p>
            }
            { for p.slices.iter().take(200).map(|s| html! {
                <table class="slice">
                    <caption>
                        <strong>{ format!("{}/{}", s.namespace, s.name) }</strong>
                        { " · " }{ Msg::ForService.fill(lang, &[&s.service]) }
                        { " · " }{ s.address_type.clone() }
                        { " · " }{ t(Msg::Ports) }{ ": " }{ s.ports.clone() }
                    </caption>
                    <thead><tr>
                        <th scope="col">{ t(Msg::Address) }</th>
                        <th scope="col">{ t(Msg::Ready) }</th>
                        <th scope="col">{ t(Msg::Serving) }</th>
                        <th scope="col">{ t(Msg::Terminating) }</th>
                        <th scope="col">{ t(Msg::NodeColumn) }</th>
                        <th scope="col">{ t(Msg::Zone) }</th>
                        <th scope="col">{ t(Msg::Pod) }</th>
                    </tr></thead>
                    <tbody>
                        { for s.endpoints.iter().map(|e| html! {
                            <tr class={if e.ready == Some(false) { "not-ready" } else { "" }}>
                                <th scope="row">{ e.addresses.clone() }</th>
                                <td>{ flag(e.ready) }</td>
                                <td>{ flag(e.serving) }</td>
                                <td>{ flag(e.terminating) }</td>
                                <td>{ e.node.clone() }</td>
                                <td>{ e.zone.clone() }</td>
                                <td>{ e.target.clone() }</td>
                            </tr>
                        }) }
                    </tbody>
                </table>
            }) }
            <h2>{ t(Msg::LegacyEndpoints) }</h2>
            <table>
                <thead><tr>
                    <th scope="col">{ t(Msg::Name) }</th>
                    <th scope="col">{ t(Msg::Address) }</th>
                    <th scope="col">{ t(Msg::NotReadyAddresses) }</th>
                    <th scope="col">{ t(Msg::Ports) }</th>
                </tr></thead>
                <tbody>
                    { for p.legacy.iter().take(200).map(|e| html! {
                        <tr>
                            <th scope="row">{ format!("{}/{}", e.namespace, e.name) }</th>
                            <td>{ e.addresses.join(", ") }</td>
                            <td>{ e.not_ready.join(", ") }</td>
                            <td>{ e.ports.clone() }</td>
                        </tr>
                    }) }
                </tbody>
            </table>
            <h2>{ t(Msg::AsKubectl) }{ " " }<OutputActions text={Rc::<str>::from(p.kubectl.as_str())} file="kubectl-get-endpoints.txt" lang={lang} /></h2>
            // Focusable, so that a keyboard can scroll it when it is wider than the pane.
            <pre class="output" tabindex="0" aria-label={t(Msg::AsKubectl)}>{ p.kubectl.clone() }</pre>
        </section>
    }
}
