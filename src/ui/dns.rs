//! The names cluster DNS answers for the scenario's Services, with dig's answer lines.

use super::i18n::{Lang, Msg};
use super::snapshot::DnsRow;
use std::rc::Rc;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct DnsProps {
    pub rows: Rc<Vec<DnsRow>>,
    pub lang: Lang,
}

#[function_component]
pub fn Dns(props: &DnsProps) -> Html {
    let t = |m: Msg| m.text(props.lang);
    html! {
        <section class="panel dns" aria-labelledby="dns-title">
            <header class="panel-head"><h2 id="dns-title">{ t(Msg::TabDns) }</h2></header>
            <p class="explain">{ t(Msg::DnsExplain) }</p>
            if props.rows.is_empty() {
                <p class="note">{ t(Msg::NoDnsNames) }</p>
            } else {
                <table>
                    <thead><tr>
                        <th scope="col">{ t(Msg::Name) }</th>
                        <th scope="col">{ t(Msg::DnsType) }</th>
                        <th scope="col">{ t(Msg::DnsAnswer) }</th>
                    </tr></thead>
                    <tbody>
                        { for props.rows.iter().take(1000).map(|r| html! {
                            <tr>
                                <th scope="row"><code>{ r.name.clone() }</code></th>
                                <td>{ r.record_type.clone() }</td>
                                <td><pre class="inline">{ r.answers.join("\n") }</pre></td>
                            </tr>
                        }) }
                    </tbody>
                </table>
            }
        </section>
    }
}
