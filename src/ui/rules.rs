//! The kube-proxy panel: the rules kube-proxy writes on the chosen node.

use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct RulesProps {
    pub text: AttrValue,
    pub nodes: Vec<String>,
    pub node: AttrValue,
    pub on_node: Callback<String>,
}

#[function_component]
pub fn Rules(props: &RulesProps) -> Html {
    let on_change = {
        let on_node = props.on_node.clone();
        Callback::from(move |e: Event| {
            let select: web_sys::HtmlSelectElement = e.target_unchecked_into();
            on_node.emit(select.value());
        })
    };
    html! {
        <section class="rules" aria-label="kube-proxy rules">
            <header class="panel-head">
                <h2>{ "kube-proxy: iptables-restore input" }</h2>
                <label>
                    { "node " }
                    <select id="node" onchange={on_change}>
                        { for props.nodes.iter().map(|n| html! {
                            <option value={n.clone()} selected={*n == *props.node}>{ n.clone() }</option>
                        }) }
                    </select>
                </label>
            </header>
            <pre id="rules" class="output">{ props.text.clone() }</pre>
        </section>
    }
}
