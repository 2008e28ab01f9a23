//! The page: a Yew app around the core.
//!
//! The app shell ([`App`]) owns the state ([`state::State`], changed only through
//! [`state::reduce`]) and the side effects: the URL and share links, local storage, the
//! Web Worker, keyboard shortcuts, messages with an embedding page ([`embed`]: the
//! options of `?embed=1` and the postMessage protocol of `docs/embedding.md`). Components are small,
//! one per file, and only map props to HTML; the data they show comes from
//! [`snapshot`], computed on the main thread for small scenarios and in the worker for
//! large ones. Nothing here computes Kubernetes behaviour: that is the core's job.

pub mod diagram;
pub mod dns;
pub mod dom;
pub mod editor;
pub mod embed;
pub mod endpoints;
pub mod gallery;
pub mod help;
pub mod highlight;
pub mod i18n;
pub mod objects;
pub mod output;
pub mod problems;
pub mod rules;
pub mod selectors;
pub mod share;
pub mod snapshot;
pub mod state;
pub mod terminal;
pub mod traffic;
pub mod wire;
pub mod worker;

use i18n::{Lang, Msg};
use snapshot::{Panel, Tab};
use state::{Action, Embed, Notice, Overlay, State, Theme, reduce};
use std::cell::Cell;
use std::rc::Rc;
use svcplay::scenario::Analysis;
use wasm_bindgen::JsCast;
use wire::{Request, Response};
use yew::prelude::*;

/// What makes a scenario large, in bytes: the editor shows it through a window of lines
/// and its analysis runs in the Web Worker, so typing never waits for it. The seeds' labs
/// are 2–3 KB; a 5,000-Service dump is megabytes.
pub const LARGE_TEXT: usize = 100_000;

/// Yew's reducer hook around the plain [`reduce`] function.
#[derive(Clone, Debug)]
struct Store(State);

impl Reducible for Store {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        // In the page, how long an edit takes to recompute on the main thread (analysis and
        // summary), for the end-to-end test's timing report (PRODUCT.md: ≤ 4 ms in wasm for
        // a 10-Service scenario).
        let timed = cfg!(target_arch = "wasm32") && matches!(action, Action::SetText(_));
        let start = if timed { dom::now_ms() } else { 0.0 };
        let next = reduce(&self.0, action);
        if timed && next.analysis.is_some() && next.rev != self.0.rev {
            let ms = dom::now_ms() - start;
            dom::set_root_attribute("data-recompute-ms", &format!("{ms:.2}"));
        }
        Rc::new(Store(next))
    }
}

/// A callback that dispatches the action made from its argument.
fn on<T: 'static>(
    dispatch: &UseReducerDispatcher<Store>,
    f: impl Fn(T) -> Action + 'static,
) -> Callback<T> {
    let dispatch = dispatch.clone();
    Callback::from(move |v| dispatch.dispatch(f(v)))
}

/// An analysis compared by identity (it is recomputed, never mutated).
#[derive(Clone)]
struct Same(Rc<Analysis>);

impl PartialEq for Same {
    fn eq(&self, other: &Same) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

fn tab_label(tab: Tab) -> Msg {
    match tab {
        Tab::Rules => Msg::TabRules,
        Tab::Objects => Msg::TabObjects,
        Tab::Selectors => Msg::TabSelectors,
        Tab::Endpoints => Msg::TabEndpoints,
        Tab::Dns => Msg::TabDns,
        Tab::Traffic => Msg::TabTraffic,
        Tab::Diagram => Msg::TabDiagram,
        Tab::Terminal => Msg::TabTerminal,
    }
}

/// Local storage keys.
const LANG_KEY: &str = "svcplay.lang";
const THEME_KEY: &str = "svcplay.theme";
const TEXT_KEY: &str = "svcplay.text";

/// The share-link settings of the current state.
fn shared_of(state: &State) -> share::Shared {
    share::Shared {
        settings: share::Settings {
            lang: Some(state.lang),
            theme: Some(state.theme),
            tab: Some(state.tab),
            mode: state.mode,
            node: state.node.clone(),
            rules_view: state.rules_view,
        },
        text: state.text.to_string(),
    }
}

/// The query string for the page's settings (kept in the URL so a reload keeps them).
fn query_of(state: &State) -> String {
    let mut pairs = vec![
        format!("lang={}", state.lang.code()),
        format!("theme={}", state.theme.id()),
        format!("view={}", state.tab.id()),
    ];
    if state.embed.enabled {
        for (i, pair) in state.embed.query().into_iter().enumerate() {
            pairs.insert(i, pair);
        }
        if let Some(m) = state.mode {
            pairs.push(format!("mode={}", m.as_str()));
        }
    }
    pairs.join("&")
}

/// Settings to actions.
fn settings_actions(settings: &share::Settings) -> Vec<Action> {
    let mut out = Vec::new();
    if let Some(l) = settings.lang {
        out.push(Action::SetLang(l));
    }
    if let Some(t) = settings.theme {
        out.push(Action::SetTheme(t));
    }
    if let Some(t) = settings.tab {
        out.push(Action::SelectTab(t));
    }
    if settings.mode.is_some() {
        out.push(Action::SelectMode(settings.mode));
    }
    if let Some(n) = &settings.node {
        out.push(Action::SelectNode(n.clone()));
    }
    if let Some(v) = settings.rules_view {
        out.push(Action::SelectRulesView(v));
    }
    out
}

/// Makes a share link of the state, puts it in the address bar and on the clipboard.
fn share_link(state: State, dispatch: UseReducerDispatcher<Store>) {
    yew::platform::spawn_local(async move {
        let payload = share::payload(&shared_of(&state));
        let Some(data) = dom::deflate(&payload).await else {
            dispatch.dispatch(Action::Notify(Some(Notice::Msg(Msg::ShareFailed))));
            return;
        };
        let fragment = share::fragment(&data);
        let url = format!("{}?{}#{}", dom::page_url(), query_of(&state), fragment);
        dom::replace_url(&query_of(&state), &fragment);
        let copied = dom::copy_text(&url).await;
        let notice = if url.len() > share::LONG_LINK {
            Notice::Text(Msg::ShareLong, url.len().to_string())
        } else if copied {
            Notice::Msg(Msg::ShareCopied)
        } else {
            Notice::Msg(Msg::ShareInAddressBar)
        };
        dispatch.dispatch(Action::Notify(Some(notice)));
    });
}

/// Reads the URL and local storage once, at start.
fn initial_actions(dispatch: UseReducerDispatcher<Store>) {
    let (query, fragment) = dom::location();
    settings_from_url(&dispatch, &query);
    load_fragment(dispatch, &query, &fragment, true);
}

/// The query's settings (language, theme, view…) and embedding options.
fn settings_from_url(dispatch: &UseReducerDispatcher<Store>, query: &str) {
    let mut settings = share::Settings::default();
    let mut embed = Embed::default();
    for (k, v) in share::query_pairs(query) {
        if !embed.apply(&k, &v) {
            share::apply_setting(&mut settings, &k, &v);
        }
    }
    if embed.enabled {
        embed.waits_for_text = !dom::location().1.is_empty();
        settings.tab = embed.first_view(settings.tab);
    }
    // Language: the URL, else what was chosen before, else the browser's.
    let lang = settings
        .lang
        .or_else(|| dom::load(LANG_KEY).and_then(|l| Lang::parse(&l)))
        .or_else(|| dom::browser_languages().iter().find_map(|l| Lang::parse(l)))
        .unwrap_or(Lang::En);
    let theme = settings
        .theme
        .or_else(|| dom::load(THEME_KEY).and_then(|t| Theme::parse(&t)))
        .unwrap_or(if dom::prefers_dark() {
            Theme::Dark
        } else {
            Theme::Light
        });
    settings.lang = Some(lang);
    settings.theme = Some(theme);
    if embed.enabled {
        dispatch.dispatch(Action::SetEmbed(embed.clone()));
    }
    for a in settings_actions(&settings) {
        dispatch.dispatch(a);
    }
}

/// The fragment's scenario: a share link (`#s1.…`) or an example (`#example=ID`, also
/// `?example=ID`); at start, else the text saved in this browser.
fn load_fragment(
    dispatch: UseReducerDispatcher<Store>,
    query: &str,
    fragment: &str,
    at_start: bool,
) {
    let pairs = share::query_pairs(query);
    let embedded = pairs
        .iter()
        .any(|(k, v)| k == "embed" && (v == "1" || v == "true"));
    let example = pairs
        .iter()
        .find(|(k, _)| k == "example")
        .map(|(_, v)| v.clone());
    if let Some(e) = fragment
        .strip_prefix("example=")
        .map(str::to_string)
        .or(example)
        .and_then(|id| svcplay::examples::find(&id))
    {
        dispatch.dispatch(Action::Load(e.text.to_string()));
        return;
    }
    match share::split_fragment(fragment) {
        Some(Ok((_, data))) => {
            let data = data.to_string();
            yew::platform::spawn_local(async move {
                let shared = match dom::inflate(&data).await {
                    Some(payload) => share::parse_payload(&payload),
                    None => Err(share::Refusal::Damaged),
                };
                match shared {
                    Ok(shared) => {
                        for a in settings_actions(&shared.settings) {
                            dispatch.dispatch(a);
                        }
                        dispatch.dispatch(Action::Load(shared.text));
                    }
                    Err(refusal) => {
                        dispatch.dispatch(Action::Notify(Some(Notice::Msg(match refusal {
                            share::Refusal::Damaged => Msg::LinkDamaged,
                            share::Refusal::Future => Msg::LinkFuture,
                        }))))
                    }
                }
            });
        }
        Some(Err(refusal)) => dispatch.dispatch(Action::Notify(Some(Notice::Msg(match refusal {
            share::Refusal::Damaged => Msg::LinkDamaged,
            share::Refusal::Future => Msg::LinkFuture,
        })))),
        None => {
            if at_start && !embedded {
                if let Some(text) = dom::load(TEXT_KEY).filter(|t| !t.trim().is_empty()) {
                    dispatch.dispatch(Action::Load(text));
                }
            }
        }
    }
}

/// Whether a key event comes from a field where letters are text.
fn typing_in_a_field(e: &KeyboardEvent) -> bool {
    e.target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .is_some_and(|el| {
            let tag = el.tag_name().to_ascii_lowercase();
            tag == "textarea"
                || tag == "input"
                || tag == "select"
                || el.has_attribute("contenteditable")
        })
}

#[function_component]
pub fn App() -> Html {
    let store = use_reducer(|| Store(State::new(svcplay::examples::DEFAULT)));
    let state = &store.0;
    let dispatch = store.dispatcher();
    // The latest state, for handlers installed once (keyboard, worker).
    let latest = use_mut_ref(|| state.clone());
    *latest.borrow_mut() = state.clone();
    let worker = use_mut_ref(|| None::<worker::Worker>);
    let worker_rev = use_mut_ref(|| Rc::new(Cell::new(0u64)));
    let last_panel = use_mut_ref(|| None::<Rc<Panel>>);
    let lang = state.lang;
    let t = |m: Msg| m.text(lang);

    // Start: read the URL and storage, install the keyboard shortcuts, the worker, the
    // service worker and (when embedded) the messages with the parent page.
    {
        let dispatch = dispatch.clone();
        let latest = latest.clone();
        let worker = worker.clone();
        use_effect_with((), move |_| {
            initial_actions(dispatch.clone());
            if let Some(d) = dom::document() {
                let dispatch = dispatch.clone();
                let latest = latest.clone();
                // The shortcuts live as long as the page.
                gloo::events::EventListener::new(&d, "keydown", move |e: &web_sys::Event| {
                    let Some(e) = e.dyn_ref::<KeyboardEvent>() else {
                        return;
                    };
                    let s = latest.borrow().clone();
                    if e.key() == "Escape" && s.overlay.is_some() {
                        dispatch.dispatch(Action::Open(None));
                        return;
                    }
                    if typing_in_a_field(e) || e.ctrl_key() || e.meta_key() || e.alt_key() {
                        return;
                    }
                    let action = match e.key().as_str() {
                        "?" => Some(Action::Open(Some(Overlay::Help))),
                        "g" if !s.embed.enabled => Some(Action::Open(Some(Overlay::Gallery))),
                        "l" => Some(Action::SetLang(s.lang.other())),
                        "d" => Some(Action::SetTheme(if s.theme == Theme::Dark {
                            Theme::Light
                        } else {
                            Theme::Dark
                        })),
                        "e" => {
                            dom::focus("editor");
                            None
                        }
                        "t" => {
                            dom::after(0, || dom::focus("terminal-input"));
                            Some(Action::SelectTab(Tab::Terminal))
                        }
                        "s" if !s.embed.enabled => {
                            share_link(s.clone(), dispatch.clone());
                            None
                        }
                        k => k
                            .parse::<usize>()
                            .ok()
                            .and_then(|n| s.embed.tabs().get(n.wrapping_sub(1)).copied())
                            .map(Action::SelectTab),
                    };
                    if let Some(a) = action {
                        e.prevent_default();
                        dispatch.dispatch(a);
                    }
                })
                .forget();
            }
            // The worker starts once the page has painted: it is only needed for big texts.
            {
                let dispatch = dispatch.clone();
                dom::after(500, move || {
                    let on_response = {
                        let dispatch = dispatch.clone();
                        move |r: Response| match r {
                            Response::Summary { rev, summary } => {
                                dispatch.dispatch(Action::WorkerSummary(rev, summary))
                            }
                            Response::Panel {
                                rev,
                                selection,
                                panel,
                            } => dispatch.dispatch(Action::WorkerPanel(rev, selection, panel)),
                            Response::Simulated { id, answer } => {
                                dispatch.dispatch(Action::Simulated(id, answer))
                            }
                            Response::Output { index, output } => {
                                dispatch.dispatch(Action::TerminalOutput(index, output))
                            }
                        }
                    };
                    let on_ready = {
                        let dispatch = dispatch.clone();
                        move |up: bool| dispatch.dispatch(Action::WorkerReady(up))
                    };
                    *worker.borrow_mut() = worker::Worker::start(on_response, on_ready);
                });
            }
            // An embed is not a visit to the playground: no offline copy for it.
            if !share::query_pairs(&dom::location().0)
                .iter()
                .any(|(k, v)| k == "embed" && (v == "1" || v == "true"))
            {
                dom::register_service_worker();
            }
        });
    }

    // The embedding page's protocol, when framed (src/ui/embed.rs).
    embed::use_embed(state, &dispatch);

    // Language and theme: on the document, in storage and in the URL.
    {
        let query = query_of(state);
        use_effect_with((lang, state.theme, query), move |(lang, theme, query)| {
            dom::set_root_attribute("lang", lang.code());
            dom::set_root_attribute("data-theme", theme.id());
            dom::save(LANG_KEY, lang.code());
            dom::save(THEME_KEY, theme.id());
            let (_, fragment) = dom::location();
            dom::replace_url(query, &fragment);
        });
    }

    // The text: saved locally (debounced); a share link in the URL no longer describes it
    // once edited. (An embedding page hears about it through `embed::use_embed`.)
    {
        let latest = latest.clone();
        let rev = state.rev;
        use_effect_with(rev, move |rev| {
            let rev = *rev;
            if rev > 0 {
                dom::after(400, move || {
                    let s = latest.borrow().clone();
                    if s.rev != rev {
                        return;
                    }
                    if !s.embed.enabled && s.text.len() < 2_000_000 {
                        dom::save(TEXT_KEY, &s.text);
                    }
                });
            }
        });
    }

    // Large scenarios: send the text to the worker once typing pauses.
    {
        let worker = worker.clone();
        let latest = latest.clone();
        let sent = worker_rev.borrow().clone();
        let waiting = state.analysis.is_none();
        use_effect_with(
            (state.rev, waiting, state.worker),
            move |(rev, waiting, up)| {
                if *waiting && *up {
                    let rev = *rev;
                    dom::after(120, move || {
                        let s = latest.borrow().clone();
                        if s.rev != rev || sent.get() == rev {
                            return;
                        }
                        if let Some(w) = worker.borrow().as_ref() {
                            sent.set(rev);
                            w.send(&Request::Analyze {
                                rev,
                                text: s.text.to_string(),
                            });
                        }
                    });
                }
            },
        );
    }
    // ... and ask it for the panel on show.
    {
        let worker = worker.clone();
        let selection = state.selection();
        let needed = state.analysis.is_none()
            && !state.computing()
            && state
                .worker_panel
                .as_ref()
                .is_none_or(|(r, s, _)| *r != state.rev || *s != selection);
        use_effect_with(
            (state.summary_rev, selection, needed),
            move |(rev, selection, needed)| {
                if *needed {
                    if let Some(w) = worker.borrow().as_ref() {
                        w.send(&Request::Panel {
                            rev: *rev,
                            selection: selection.clone(),
                        });
                    }
                }
            },
        );
    }
    // ... and terminal commands.
    {
        let worker = worker.clone();
        let pending: Vec<(usize, String, String)> = state
            .terminal
            .iter()
            .enumerate()
            .filter(|(_, e)| e.output.is_none())
            .map(|(i, e)| (i, e.node.clone(), e.command.clone()))
            .collect();
        let mode = state.mode;
        use_effect_with(pending, move |pending| {
            if let Some(w) = worker.borrow().as_ref() {
                for (index, node, line) in pending {
                    w.send(&Request::Run {
                        index: *index,
                        node: node.clone(),
                        mode,
                        line: line.clone(),
                    });
                }
            }
        });
    }

    // ... and the traffic panel's simulation, once it has analysed its revision.
    {
        let worker = worker.clone();
        let pending = state
            .simulation
            .as_ref()
            .filter(|s| s.answer.is_none() && s.rev == state.summary_rev)
            .map(|s| (s.rev, s.id, s.request.clone()));
        use_effect_with(pending, move |pending| {
            if let (Some((rev, id, request)), Some(w)) = (pending, worker.borrow().as_ref()) {
                w.send(&Request::Simulate {
                    rev: *rev,
                    id: *id,
                    request: request.clone(),
                });
            }
        });
    }

    // The panel on show: computed here, or the worker's answer.
    let selection = state.selection();
    let local = state.analysis.clone().map(Same);
    let computed = use_memo((local, selection.clone()), |(analysis, selection)| {
        analysis
            .as_ref()
            .map(|a| Rc::new(snapshot::panel(&a.0, selection)))
    });
    let panel: Option<Rc<Panel>> = (*computed).clone().or_else(|| {
        state
            .worker_panel
            .as_ref()
            .filter(|(r, s, _)| *r == state.rev && *s == selection)
            .map(|(_, _, p)| p.clone())
    });
    let stale = panel.is_none();
    let panel = match panel {
        Some(p) => {
            *last_panel.borrow_mut() = Some(p.clone());
            Some(p)
        }
        None => last_panel.borrow().clone(),
    };

    let on_text = on(&dispatch, Action::SetText);
    let on_reveal = on(&dispatch, Action::Reveal);
    let on_rules = on(&dispatch, |o: usize| Action::ShowRulesOf(Some(o)));
    let node = state.node();
    let diagnostics = Rc::new(state.summary.diagnostics.clone());

    let panel_html = match (state.tab, panel.as_deref()) {
        (Tab::Terminal, _) => html! {
            <terminal::Terminal entries={state.terminal.clone()} node={node.clone()} lang={lang}
                on_run={on(&dispatch, Action::RunCommand)} />
        },
        (_, Some(Panel::Rules(p))) => {
            let object = state
                .rules_object
                .and_then(|o| {
                    p.sources.iter().find(|s| s.object == o).map(|s| {
                        let label = s.label.split(':').next().unwrap_or(&s.label).to_string();
                        (o, label)
                    })
                })
                .or_else(|| state.rules_object.map(|o| (o, format!("#{o}"))));
            html! {
                <rules::Rules panel={Rc::new(p.clone())} nodes={state.summary.nodes.clone()} node={node.clone()}
                    chosen_mode={state.mode} configured_mode={state.summary.configured_mode}
                    filter={state.rules_filter.clone()} object={object} lang={lang}
                    on_node={on(&dispatch, Action::SelectNode)}
                    on_mode={on(&dispatch, Action::SelectMode)}
                    on_view={on(&dispatch, Action::SelectRulesView)}
                    on_filter={on(&dispatch, Action::FilterRules)}
                    on_clear_object={on(&dispatch, |_| Action::ShowRulesOf(None))}
                    on_reveal={on_reveal.clone()} />
            }
        }
        (_, Some(Panel::Objects(rows))) => html! {
            <objects::Objects rows={Rc::new(rows.clone())} readonly={state.embed.readonly} lang={lang}
                on_action={on(&dispatch, Action::Act)} on_reveal={on_reveal.clone()} on_rules={on_rules.clone()} />
        },
        (_, Some(Panel::Selectors(rows))) => html! {
            <selectors::Selectors rows={Rc::new(rows.clone())} lang={lang} on_rules={on_rules.clone()} />
        },
        (_, Some(Panel::Endpoints(p))) => {
            html! { <endpoints::Endpoints panel={Rc::new(p.clone())} lang={lang} /> }
        }
        (_, Some(Panel::Dns(rows))) => {
            html! { <dns::Dns rows={Rc::new(rows.clone())} lang={lang} /> }
        }
        (_, Some(Panel::Traffic(p))) => {
            html! {
                <traffic::Traffic panel={Rc::new(p.clone())} node={node.clone()} lang={lang}
                    mode={state.mode} configured_mode={state.summary.configured_mode}
                    simulation={state.simulation.clone()}
                    readonly={state.embed.readonly} text={state.text.clone()}
                    on_simulate={on(&dispatch, Action::Simulate)}
                    on_action={on(&dispatch, Action::Act)}
                    on_mode={on(&dispatch, Action::SelectMode)} />
            }
        }
        (_, Some(Panel::Diagram(d))) => {
            html! { <diagram::Diagram diagram={Rc::new(d.clone())} lang={lang} /> }
        }
        _ => html! { <p class="note">{ t(Msg::NotComputed) }</p> },
    };

    // The views on offer: all of them, or those an embed was asked to show.
    let shown = state.embed.tabs();
    let tabs = shown.iter().enumerate().map(|(i, tab)| {
        let selected = *tab == state.tab;
        let tab = *tab;
        html! {
            <button role="tab" id={format!("tab-{}", tab.id())} aria-selected={selected.to_string()}
                aria-controls="view-panel" tabindex={if selected { "0" } else { "-1" }}
                class={classes!("tab", selected.then_some("active"))}
                title={format!("{}", i + 1)}
                onclick={on(&dispatch, move |_| Action::SelectTab(tab))}>{ t(tab_label(tab)) }</button>
        }
    });
    let on_tab_keys = {
        let dispatch = dispatch.clone();
        let current = state.tab;
        let shown = shown.clone();
        Callback::from(move |e: KeyboardEvent| {
            let i = shown.iter().position(|t| *t == current).unwrap_or(0);
            let next = match e.key().as_str() {
                "ArrowRight" => shown[(i + 1) % shown.len()],
                "ArrowLeft" => shown[(i + shown.len() - 1) % shown.len()],
                _ => return,
            };
            e.prevent_default();
            dispatch.dispatch(Action::SelectTab(next));
            dom::after(0, move || dom::focus(&format!("tab-{}", next.id())));
        })
    };

    let on_share = {
        let latest = latest.clone();
        let dispatch = dispatch.clone();
        Callback::from(move |_| share_link(latest.borrow().clone(), dispatch.clone()))
    };
    let on_export = {
        let latest = latest.clone();
        Callback::from(move |_| dom::download("scenario.yaml", &latest.borrow().text))
    };
    let on_import = {
        let dispatch = dispatch.clone();
        Callback::from(move |_| {
            let dispatch = dispatch.clone();
            let on_text = wasm_bindgen::prelude::Closure::once_into_js(move |text: String| {
                dispatch.dispatch(Action::Load(text));
            });
            dom::pick_file(on_text.unchecked_ref());
        })
    };
    let open_in_playground = {
        let latest = latest.clone();
        Callback::from(move |e: MouseEvent| {
            e.prevent_default();
            let s = latest.borrow().clone();
            yew::platform::spawn_local(async move {
                let mut plain = s.clone();
                plain.embed = Embed::default();
                let fragment = dom::deflate(&share::payload(&shared_of(&s)))
                    .await
                    .map(|d| share::fragment(&d))
                    .unwrap_or_default();
                let url = format!("{}?{}#{}", dom::page_url(), query_of(&plain), fragment);
                if let Some(w) = dom::window() {
                    let _ = w.open_with_url_and_target(&url, "_blank");
                }
            });
        })
    };
    let notice = state.notice.as_ref().map(|n| {
        let text = match n {
            Notice::Msg(m) => t(*m).to_string(),
            Notice::Text(m, arg) => m.fill(lang, &[arg]),
        };
        html! {
            <div class="notice" role="status">
                <span>{ text }</span>
                <button class="icon" aria-label={t(Msg::Close)} onclick={on(&dispatch, |_| Action::Notify(None))}>{ "×" }</button>
            </div>
        }
    });
    let embed = state.embed.enabled;
    let next_theme = if state.theme == Theme::Dark {
        Theme::Light
    } else {
        Theme::Dark
    };

    html! {
        <div class={classes!("app", embed.then_some("embed"))}>
            <a class="skip" href="#views">{ t(Msg::SkipToViews) }</a>
            <header class="top">
                <h1>{ "svcplay" }</h1>
                if !embed {
                    <p class="tagline">{ t(Msg::Tagline) }</p>
                }
                <span class="spacer"></span>
                if state.computing() {
                    <span class="busy" role="status">{ t(Msg::Computing) }</span>
                } else if state.uses_worker() {
                    <span class="busy idle">{ t(Msg::LargeScenario) }</span>
                }
                if embed {
                    <a class="button" href="#" onclick={open_in_playground}>{ t(Msg::OpenInPlayground) }{ " ↗" }</a>
                } else {
                    <button id="gallery-button" class="primary" onclick={on(&dispatch, |_| Action::Open(Some(Overlay::Gallery)))}>{ t(Msg::Gallery) }</button>
                    <button id="share-button" onclick={on_share}>{ t(Msg::Share) }</button>
                    <button onclick={on_export}>{ t(Msg::Export) }</button>
                    <button onclick={on_import}>{ t(Msg::Import) }</button>
                }
                <button id="lang-button" lang={lang.other().code()} title={t(Msg::SwitchLanguageLabel)}
                    onclick={on(&dispatch, move |_| Action::SetLang(lang.other()))}>{ t(Msg::SwitchLanguage) }</button>
                <button id="theme-button" title={t(Msg::ThemeLabel)} aria-label={t(Msg::ThemeLabel)}
                    onclick={on(&dispatch, move |_| Action::SetTheme(next_theme))}>
                    { if state.theme == Theme::Dark { t(Msg::ThemeLight) } else { t(Msg::ThemeDark) } }
                </button>
                if !embed {
                    <button id="help-button" class="icon" title={t(Msg::Shortcuts)} aria-label={t(Msg::Shortcuts)}
                        onclick={on(&dispatch, |_| Action::Open(Some(Overlay::Help)))}>{ "?" }</button>
                }
            </header>
            <main class="panes">
                <section class="left" aria-label={t(Msg::EditorLabel)}>
                    <editor::Editor text={state.text.clone()} loads={state.loads} diagnostics={diagnostics.clone()}
                        reveal={state.reveal} readonly={state.embed.readonly} lang={lang} on_change={on_text} />
                    <problems::Problems diagnostics={diagnostics} lang={lang} on_reveal={on_reveal.clone()} />
                </section>
                <section class="right" id="views" aria-label={t(Msg::Views)}>
                    if shown.len() > 1 {
                        <nav class="tabs" role="tablist" aria-label={t(Msg::Views)} onkeydown={on_tab_keys}>{ for tabs }</nav>
                    }
                    <div id="view-panel" role="tabpanel" aria-labelledby={format!("tab-{}", state.tab.id())}
                        class={classes!("view", stale.then_some("stale"))} aria-busy={stale.to_string()}>
                        { panel_html }
                    </div>
                </section>
            </main>
            { for notice }
            { match state.overlay {
                Some(Overlay::Gallery) => html! {
                    <gallery::Gallery lang={lang} on_close={on(&dispatch, |_| Action::Open(None))}
                        on_load={{
                            let dispatch = dispatch.clone();
                            Callback::from(move |e: &'static svcplay::examples::Example| {
                                dispatch.dispatch(Action::Open(None));
                                dispatch.dispatch(Action::Load(e.text.to_string()));
                            })
                        }} />
                },
                Some(Overlay::Help) => html! { <help::Help lang={lang} on_close={on(&dispatch, |_| Action::Open(None))} /> },
                None => html! {},
            } }
        </div>
    }
}

/// Mounts the app on the page's body (in a window; in the Web Worker there is none, and the
/// worker only answers requests through [`worker::worker_handle`]).
pub fn start() {
    if web_sys::window().is_none() {
        return;
    }
    yew::Renderer::<App>::new().render();
}
