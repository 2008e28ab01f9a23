//! Which Kubernetes svcplay models ([`svcplay::fidelity`]): every component's version and
//! what of it is reproduced, and the known differences from a real cluster — the same
//! table `svcplay --version` prints.

use super::i18n::{Lang, Msg};
use super::provenance::core_lang;
use svcplay::fidelity::{DIFFERENCES, KUBERNETES, MODELLED};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct VersionsProps {
    pub lang: Lang,
}

#[function_component]
pub fn Versions(props: &VersionsProps) -> Html {
    let lang = props.lang;
    let core = core_lang(lang);
    let t = |m: Msg| m.text(lang);
    html! {
        <section class="panel versions" aria-labelledby="versions-title">
            <header class="panel-head"><h2 id="versions-title">{ t(Msg::TabVersions) }</h2></header>
            <p class="explain">{ Msg::VersionsExplain.fill(lang, &[KUBERNETES, env!("CARGO_PKG_VERSION")]) }</p>
            <div class="table-wrap"><table id="modelled">
                <thead><tr>
                    <th scope="col">{ t(Msg::Component) }</th>
                    <th scope="col">{ t(Msg::Version) }</th>
                    <th scope="col">{ t(Msg::WhatIsModelled) }</th>
                </tr></thead>
                <tbody>
                    { for MODELLED.iter().map(|m| html! {
                        <tr>
                            <th scope="row">{ m.component.get(core) }</th>
                            <td><code>{ m.version }</code></td>
                            <td>{ m.what.get(core) }</td>
                        </tr>
                    }) }
                </tbody>
            </table></div>
            <h3>{ t(Msg::KnownDifferences) }</h3>
            <ul id="differences">
                { for DIFFERENCES.iter().map(|d| html! { <li>{ d.get(core) }</li> }) }
            </ul>
        </section>
    }
}
