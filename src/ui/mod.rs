//! The page: a Yew app around the core.
//!
//! The app shell owns the state ([`state::State`], changed only through
//! [`state::reduce`]); components are small, one per file, and only map props to HTML.
//! Nothing here computes Kubernetes behaviour: that is the core's job.

pub mod diagnostics;
pub mod editor;
pub mod rules;
pub mod state;

use diagnostics::Diagnostics;
use editor::Editor;
use rules::Rules;
use state::{Action, State, kube_proxy_text, reduce};
use std::rc::Rc;
use yew::prelude::*;

/// Yew's reducer hook around the plain [`reduce`] function.
#[derive(Clone, Debug)]
struct Store(State);

impl Reducible for Store {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        Rc::new(Store(reduce(&self.0, action)))
    }
}

#[function_component]
pub fn App() -> Html {
    let store = use_reducer(|| Store(State::new(svcplay::examples::DEFAULT)));
    let state = &store.0;
    let on_text = {
        let store = store.dispatcher();
        Callback::from(move |text: String| store.dispatch(Action::SetText(text)))
    };
    let on_node = {
        let store = store.dispatcher();
        Callback::from(move |node: String| store.dispatch(Action::SelectNode(node)))
    };
    html! {
        <div class="app">
            <header class="top">
                <h1>{ "svcplay" }</h1>
                <p class="tagline">{ "Kubernetes Services, from manifests to kube-proxy's rules" }</p>
            </header>
            <main class="panes">
                <section class="left" aria-label="Scenario">
                    <Editor text={AttrValue::from(state.text.clone())} on_change={on_text} />
                </section>
                <section class="right">
                    <Diagnostics diagnostics={state.analysis.diagnostics.clone()} />
                    <Rules
                        text={AttrValue::from(kube_proxy_text(state))}
                        nodes={state.analysis.node_names()}
                        node={AttrValue::from(state.node())}
                        on_node={on_node}
                    />
                </section>
            </main>
        </div>
    }
}

/// Mounts the app on the page's body.
pub fn start() {
    yew::Renderer::<App>::new().render();
}
