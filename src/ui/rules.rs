//! The kube-proxy panel: what kube-proxy programs on the chosen node, in the chosen mode,
//! one output at a time (restore input, iptables-save, ipvsadm, ipset, nft), with links
//! from each rule to the YAML it comes from.

use super::i18n::{Lang, Msg};
use super::output::OutputActions;
use super::snapshot::{RulesPanel, RulesView};
use std::collections::BTreeSet;
use std::rc::Rc;
use svcplay::diag::Span;
use svcplay::proxy::config::ProxyMode;
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// At most this many lines are drawn; the rest are a filter or a download away.
pub const MAX_LINES: usize = 3000;

#[derive(Properties)]
pub struct RulesProps {
    /// Compared by pointer: the page keeps one `Rc` per panel, and a new panel that reads
    /// as the last one keeps the last one's (src/ui/mod.rs), so a new `Rc` is a change and
    /// comparing its lines and sources again would find the difference at a price.
    pub panel: Rc<RulesPanel>,
    pub nodes: Vec<String>,
    pub node: AttrValue,
    /// The mode chosen on the page (`None`: the scenario's).
    pub chosen_mode: Option<ProxyMode>,
    pub configured_mode: Option<ProxyMode>,
    pub filter: AttrValue,
    /// Only the rules of this written object (and its label).
    pub object: Option<(usize, String)>,
    pub lang: Lang,
    /// Long lines wrap (the reader's preference).
    #[prop_or_default]
    pub wrap: bool,
    #[prop_or_default]
    pub on_wrap: Callback<bool>,
    pub on_node: Callback<String>,
    pub on_mode: Callback<Option<ProxyMode>>,
    pub on_view: Callback<RulesView>,
    pub on_filter: Callback<String>,
    pub on_clear_object: Callback<()>,
    pub on_reveal: Callback<Span>,
    /// The editor's cursor: the rules that come from the YAML there are lit.
    #[prop_or_default]
    pub cursor: Option<(u32, u32)>,
    /// The YAML ranges of the rule pointed at or chosen, for the editor to highlight.
    #[prop_or_default]
    pub on_highlight: Callback<Vec<Span>>,
    /// Asks for the whole listing (the panel holds only the lines shown): the callback
    /// given gets its text, or `None` when the scenario changed since the panel on show.
    #[prop_or_default]
    pub on_whole: Callback<Callback<Option<String>>>,
}

impl PartialEq for RulesProps {
    fn eq(&self, other: &RulesProps) -> bool {
        Rc::ptr_eq(&self.panel, &other.panel)
            && self.nodes == other.nodes
            && self.node == other.node
            && self.chosen_mode == other.chosen_mode
            && self.configured_mode == other.configured_mode
            && self.filter == other.filter
            && self.object == other.object
            && self.lang == other.lang
            && self.wrap == other.wrap
            && self.on_wrap == other.on_wrap
            && self.on_node == other.on_node
            && self.on_mode == other.on_mode
            && self.on_view == other.on_view
            && self.on_filter == other.on_filter
            && self.on_clear_object == other.on_clear_object
            && self.on_reveal == other.on_reveal
            && self.cursor == other.cursor
            && self.on_highlight == other.on_highlight
            && self.on_whole == other.on_whole
    }
}

pub fn view_label(view: RulesView) -> Msg {
    match view {
        RulesView::RestoreInput => Msg::RestoreInput,
        RulesView::IptablesSave => Msg::IptablesSave,
        RulesView::Ipvsadm => Msg::Ipvsadm,
        RulesView::Ipset => Msg::Ipset,
        RulesView::KubeIpvs0 => Msg::KubeIpvs0,
        RulesView::NftTransaction => Msg::NftTransaction,
        RulesView::NftList => Msg::NftList,
        RulesView::Userspace => Msg::Userspace,
    }
}

fn explanation(view: RulesView) -> Msg {
    match view {
        RulesView::RestoreInput => Msg::RulesExplainIptables,
        RulesView::IptablesSave => Msg::RulesExplainSave,
        RulesView::NftTransaction => Msg::RulesExplainNft,
        RulesView::Userspace => Msg::RulesExplainUserspace,
        _ => Msg::RulesExplainCommand,
    }
}

/// One iptables rule (`-A CHAIN …`) in columns: the parts a learner compares across rules
/// (the chain, what it matches, the probability of the random choice, where it jumps or
/// DNATs to) aligned, instead of at different places of long lines.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RuleRow {
    pub chain: String,
    pub matches: String,
    pub probability: String,
    pub target: String,
    pub comment: String,
}

/// Splits an iptables rule into its words, a `"…"` (with `\"` inside) being one word.
fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = line.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c == ' ' {
            chars.next();
            continue;
        }
        let mut word = String::new();
        if c == '"' {
            chars.next();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => word.extend(chars.next()),
                    '"' => break,
                    c => word.push(c),
                }
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c == ' ' {
                    break;
                }
                word.push(c);
                chars.next();
            }
        }
        out.push(word);
    }
    out
}

/// The columns of an `-A` line of iptables-restore input or iptables-save; `None` for the
/// other lines (tables, chain declarations, COMMIT).
pub fn rule_row(line: &str) -> Option<RuleRow> {
    let w = words(line);
    if w.first().map(String::as_str) != Some("-A") || w.len() < 2 {
        return None;
    }
    let mut row = RuleRow {
        chain: w[1].clone(),
        ..RuleRow::default()
    };
    let mut matches: Vec<&str> = Vec::new();
    let mut i = 2;
    while i < w.len() {
        match (w[i].as_str(), w.get(i + 1).map(String::as_str)) {
            ("-m", Some("comment")) if w.get(i + 2).map(String::as_str) == Some("--comment") => {
                row.comment = w.get(i + 3).cloned().unwrap_or_default();
                i += 4;
            }
            ("-m", Some("statistic")) => i += 2,
            ("--mode", Some("random")) => i += 2,
            ("--probability", Some(p)) => {
                row.probability = p.to_string();
                i += 2;
            }
            ("-j", Some(_)) => {
                row.target = w[i + 1..].join(" ");
                break;
            }
            (word, _) => {
                matches.push(word);
                i += 1;
            }
        }
    }
    row.matches = matches.join(" ");
    Some(row)
}

/// The lines of a rules panel (or, as a table, its rows): the panel holds only the lines
/// its filters kept ([`super::snapshot::rules_shown`]).
#[derive(Properties)]
pub struct RuleLinesProps {
    pub panel: Rc<RulesPanel>,
    /// Rows of the aligned table instead of the lines of the text.
    pub table: bool,
    /// The lines the editor's cursor lights.
    pub lit: Rc<BTreeSet<usize>>,
    /// The line chosen (clicked).
    pub chosen: Option<usize>,
    pub lang: Lang,
}

impl PartialEq for RuleLinesProps {
    /// Equal when they draw the same: the lines, which lines link to which written object
    /// and under which label, the lines lit and chosen — not where in the YAML the links
    /// point (those spans move whenever a line is typed above them, and only the handlers
    /// of [`Rules`], which always have the current panel, read them). A keystroke that
    /// leaves the rules as they were (most of them) then skips drawing thousands of lines
    /// again.
    fn eq(&self, other: &RuleLinesProps) -> bool {
        let (a, b) = (&*self.panel, &*other.panel);
        let same_lines = Rc::ptr_eq(&self.panel, &other.panel)
            || (a.text == b.text
                && a.numbers == b.numbers
                && a.status == b.status
                && a.line_sources == b.line_sources
                && a.sources.len() == b.sources.len()
                && a.sources.iter().zip(&b.sources).all(|(x, y)| {
                    x.object == y.object
                        && x.label == y.label
                        && x.spans.is_empty() == y.spans.is_empty()
                }));
        same_lines
            && self.table == other.table
            && self.lit == other.lit
            && self.chosen == other.chosen
            && self.lang == other.lang
    }
}

#[function_component]
pub fn RuleLines(props: &RuleLinesProps) -> Html {
    let _timed = super::dom::timed("view:RuleLines");
    let lang = props.lang;
    let panel = &props.panel;
    let (lit, chosen) = (&props.lit, props.chosen);
    if props.table {
        return html! {
            { for panel.shown().filter_map(|(i, line, source)| rule_row(line).map(|r| (r, i, source))).map(|(r, i, source)| html! {
                <tr class={classes!((source > 0).then_some("linked"), lit.contains(&i).then_some("lit"), (chosen == Some(i)).then_some("chosen"))} data-line={i.to_string()}>
                    <th scope="row"><code>{ r.chain }</code></th>
                    <td><code>{ r.matches }</code></td>
                    <td class="num"><code>{ r.probability }</code></td>
                    <td><code>{ r.target }</code></td>
                    <td>{ r.comment }</td>
                </tr>
            }) }
        };
    }
    html! {
        { for panel.shown().map(|(i, line, source)| {
            let source = panel.sources.get((source as usize).wrapping_sub(1));
            let linked = source.is_some_and(|s| !s.spans.is_empty());
            let class = classes!(
                "rl",
                linked.then_some("linked"),
                lit.contains(&i).then_some("lit"),
                (chosen == Some(i)).then_some("chosen"),
            );
            let label = source.filter(|_| linked).map(|s| Msg::RuleFrom.fill(lang, &[&s.label]));
            html! { <span class={class} data-line={i.to_string()} title={label}>{ line }{ "\n" }</span> }
        }) }
    }
}

#[function_component]
pub fn Rules(props: &RulesProps) -> Html {
    let _timed = super::dom::timed("view:Rules");
    let lang = props.lang;
    let t = |m: Msg| m.text(lang);
    let panel = &props.panel;
    let on_node = {
        let cb = props.on_node.clone();
        Callback::from(move |e: Event| {
            let select: web_sys::HtmlSelectElement = e.target_unchecked_into();
            cb.emit(select.value());
        })
    };
    let on_mode = {
        let cb = props.on_mode.clone();
        Callback::from(move |e: Event| {
            let select: web_sys::HtmlSelectElement = e.target_unchecked_into();
            cb.emit(ProxyMode::parse(&select.value()));
        })
    };
    let on_filter = {
        let cb = props.on_filter.clone();
        Callback::from(move |e: InputEvent| {
            let input: web_sys::HtmlInputElement = e.target_unchecked_into();
            cb.emit(input.value());
        })
    };
    let cut = panel.cut;
    // The aligned form: only for iptables' own outputs, whose rules are `-A` lines.
    let table = use_state(|| false);
    // Provenance both ways: the line chosen (clicked) or pointed at shows its source and
    // explanation and lights its YAML; the editor's cursor lights the lines it made.
    let chosen = use_state(|| None::<usize>);
    let pointed = use_state(|| None::<usize>);
    // A line number means nothing in another listing: a new text, node, mode, view or
    // filter (the lines shown, and their numbers in the listing) forgets the line chosen,
    // and the YAML it lit.
    {
        let chosen = chosen.clone();
        let pointed = pointed.clone();
        let highlight = props.on_highlight.clone();
        use_effect_with((panel.text.clone(), panel.numbers.clone()), move |_| {
            if chosen.is_some() || pointed.is_some() {
                highlight.emit(Vec::new());
            }
            chosen.set(None);
            pointed.set(None);
        });
    }
    let lit = Rc::new(
        props
            .cursor
            .map(|c| super::provenance::lines_at(panel, c))
            .unwrap_or_default(),
    );
    let line_at = |e: &MouseEvent| -> Option<usize> {
        let target = e.target()?.dyn_into::<web_sys::Element>().ok()?;
        target
            .closest("[data-line]")
            .ok()??
            .get_attribute("data-line")?
            .parse()
            .ok()
    };
    let on_line = {
        let panel = panel.clone();
        let cb = props.on_reveal.clone();
        let highlight = props.on_highlight.clone();
        let chosen = chosen.clone();
        Callback::from(move |e: MouseEvent| {
            let Some(i) = line_at(&e) else { return };
            chosen.set(Some(i));
            highlight.emit(super::provenance::spans_of_line(&panel, i));
            let first = super::provenance::sources_of(&panel, i)
                .into_iter()
                .find_map(|s| panel.sources.get(s as usize - 1)?.span);
            if let Some(span) = first {
                cb.emit(span);
            }
        })
    };
    let on_point = {
        let panel = panel.clone();
        let highlight = props.on_highlight.clone();
        let pointed = pointed.clone();
        Callback::from(move |e: MouseEvent| {
            let i = line_at(&e);
            if i != *pointed {
                pointed.set(i);
                if let Some(i) = i {
                    highlight.emit(super::provenance::spans_of_line(&panel, i));
                }
            }
        })
    };
    let on_leave = {
        let panel = panel.clone();
        let highlight = props.on_highlight.clone();
        let pointed = pointed.clone();
        let chosen = chosen.clone();
        Callback::from(move |_: MouseEvent| {
            pointed.set(None);
            highlight.emit(
                (*chosen)
                    .map(|i| super::provenance::spans_of_line(&panel, i))
                    .unwrap_or_default(),
            );
        })
    };
    // The first line the cursor lights is brought into view.
    {
        let first = lit.iter().next().copied();
        use_effect_with(first, move |first| {
            if let Some(i) = first {
                let found = super::dom::document().and_then(|d| {
                    d.query_selector(&format!("#rules [data-line=\"{i}\"]"))
                        .ok()
                        .flatten()
                });
                if let Some(el) = found {
                    let options = web_sys::ScrollIntoViewOptions::new();
                    options.set_block(web_sys::ScrollLogicalPosition::Nearest);
                    el.scroll_into_view_with_scroll_into_view_options(&options);
                }
            }
        });
    }
    let readout_line = (*pointed)
        .or(*chosen)
        .filter(|i| panel.position(*i).is_some());
    let configured = props.configured_mode.unwrap_or(ProxyMode::Iptables);
    let view = panel.view.unwrap_or(RulesView::RestoreInput);
    let tabular = matches!(view, RulesView::RestoreInput | RulesView::IptablesSave);
    let as_table = *table && tabular;
    // What Copy and Download take: the whole listing, whatever the filters keep. The panel
    // holds it when it shows every line; else it is asked for when a button is pressed.
    let text: Rc<str> = if panel.is_whole() {
        Rc::from(panel.text.as_str())
    } else {
        Rc::from("")
    };
    let fetch = (!panel.is_whole()).then(|| props.on_whole.clone());
    let modes = ProxyMode::ALL;
    html! {
        <section class="panel rules" aria-labelledby="rules-title">
            <header class="panel-head">
                <h2 id="rules-title">{ format!("kube-proxy · {}", t(view_label(view))) }</h2>
                <label>
                    { t(Msg::Node) }
                    <select id="node" onchange={on_node}>
                        { for props.nodes.iter().map(|n| html! {
                            <option value={n.clone()} selected={*n == *props.node}>{ n.clone() }</option>
                        }) }
                    </select>
                </label>
                <label>
                    { t(Msg::Mode) }
                    <select id="mode" onchange={on_mode}>
                        <option value="" selected={props.chosen_mode.is_none()}>
                            { Msg::ModeConfigured.fill(lang, &[configured.as_str()]) }
                        </option>
                        { for modes.iter().map(|m| html! {
                            <option value={m.as_str()} selected={props.chosen_mode == Some(*m)}>{ m.as_str() }</option>
                        }) }
                    </select>
                </label>
            </header>
            <div class="subviews" role="group" aria-label={t(Msg::Views)}>
                { for panel.views.iter().map(|v| {
                    let cb = props.on_view.clone();
                    let v = *v;
                    html! {
                        <button class={classes!("subview", (v == view).then_some("active"))}
                            aria-pressed={(v == view).to_string()}
                            onclick={Callback::from(move |_| cb.emit(v))}>{ t(view_label(v)) }</button>
                    }
                }) }
                if tabular {
                    <button id="rules-table" class={classes!("subview", as_table.then_some("active"))}
                        aria-pressed={as_table.to_string()}
                        onclick={{ let table = table.clone(); Callback::from(move |_| table.set(!*table)) }}>
                        { t(Msg::RulesAsTable) }
                    </button>
                }
                <label class="check wrap-toggle">
                    <input id="wrap-lines" type="checkbox" checked={props.wrap}
                        onchange={props.on_wrap.reform(|e: Event| e.target_unchecked_into::<web_sys::HtmlInputElement>().checked())} />
                    { t(Msg::WrapLines) }
                </label>
                <input type="search" class="filter" value={props.filter.clone()} oninput={on_filter}
                    aria-label={t(Msg::FilterRules)} placeholder={t(Msg::FilterRules)} />
                <OutputActions text={text} fetch={fetch} file={view.file_name()} lang={lang} />
            </div>
            <p class="explain">{ t(explanation(view)) }</p>
            if let Some((_, label)) = &props.object {
                <p class="object-filter">
                    { Msg::FilterObject.fill(lang, &[label]) }
                    { " " }
                    <button onclick={props.on_clear_object.reform(|_| ())}>{ t(Msg::ClearFilter) }</button>
                </p>
            }
            if as_table {
                <div class="table-wrap">
                    <table id="rules-columns" class="rule-table" onclick={on_line.clone()}
                        onmouseover={on_point.clone()} onmouseleave={on_leave.clone()}>
                        <thead><tr>
                            <th scope="col">{ t(Msg::RuleChain) }</th>
                            <th scope="col">{ t(Msg::RuleMatch) }</th>
                            <th scope="col">{ t(Msg::RuleProbability) }</th>
                            <th scope="col">{ t(Msg::RuleTarget) }</th>
                            <th scope="col">{ t(Msg::RuleComment) }</th>
                        </tr></thead>
                        <tbody>
                            <RuleLines panel={panel.clone()} table=true
                                lit={lit.clone()} chosen={*chosen} lang={lang} />
                        </tbody>
                    </table>
                </div>
            }
            // Focusable: its long lines scroll sideways, which keyboard users do from here.
            <pre id="rules" tabindex="0" aria-label={t(view_label(view))} hidden={as_table} class={classes!("output", (panel.status != 0).then_some("failed"))}
                onclick={on_line} onmouseover={on_point} onmouseleave={on_leave}>
                <RuleLines panel={panel.clone()} table=false
                    lit={lit.clone()} chosen={*chosen} lang={lang} />
            </pre>
            if cut > 0 {
                <p class="note">{ Msg::MoreLines.fill(lang, &[&cut.to_string()]) }</p>
            } else if panel.numbers.is_empty() && panel.total > 0 {
                <p class="note">{ t(Msg::NoLines) }</p>
            }
            // Below the rules and held at the bottom of the view: as it grows or shrinks
            // with the rule pointed at, the rules above do not move under the pointer.
            <super::provenance::Readout panel={panel.clone()} line={readout_line} lit={lit.len()} lang={lang} />
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::snapshot::rules;
    use svcplay::scenario::{Options, analyze};

    #[test]
    fn rules_split_into_aligned_columns() {
        let row = rule_row(
            "-A KUBE-SVC-NPX46M4PTMTKRN6Y -m comment --comment \"dev/service-clusterip -> 10.244.1.2:80\" -m statistic --mode random --probability 0.3333333333 -j KUBE-SEP-UXQYEOUUCB4375GQ",
        );
        assert_eq!(
            row,
            Some(RuleRow {
                chain: "KUBE-SVC-NPX46M4PTMTKRN6Y".into(),
                matches: String::new(),
                probability: "0.3333333333".into(),
                target: "KUBE-SEP-UXQYEOUUCB4375GQ".into(),
                comment: "dev/service-clusterip -> 10.244.1.2:80".into(),
            })
        );
        let dnat = rule_row(
            "-A KUBE-SEP-X -m comment --comment dev/s -m tcp -p tcp -j DNAT --to-destination 10.244.1.2:80",
        );
        assert_eq!(
            dnat.map(|r| (r.matches, r.target)),
            Some((
                "-m tcp -p tcp".into(),
                "DNAT --to-destination 10.244.1.2:80".into()
            ))
        );
        assert_eq!(rule_row(":KUBE-SERVICES - [0:0]"), None);
        assert_eq!(rule_row("COMMIT"), None);
        // Every rule of every lab splits, each with a target.
        for e in svcplay::examples::EXAMPLES {
            let analysis = analyze(e.text, Options::default());
            let panel = rules(&analysis, &analysis.default_node(), None, None);
            for line in panel.text.lines().filter(|l| l.starts_with("-A ")) {
                let row = rule_row(line).unwrap_or_default();
                assert!(
                    !row.chain.is_empty() && !row.target.is_empty(),
                    "{}: {line}",
                    e.id
                );
            }
        }
    }

    #[test]
    fn filters_keep_the_lines_of_an_object_or_a_text() {
        use crate::ui::snapshot::{Listings, rules_shown};
        let analysis = analyze(svcplay::examples::DEFAULT, Options::default());
        let node = "k8s-worker01";
        let shown = |filter: &str, object: Option<usize>| {
            rules_shown(
                &analysis,
                node,
                None,
                None,
                filter,
                object,
                &mut Listings::default(),
            )
        };
        let all = rules(&analysis, node, None, None);
        assert!(all.is_whole() && all.cut == 0);
        assert_eq!(all.numbers.len(), all.text.lines().count());
        let dnat = shown("dnat", None);
        assert!(!dnat.numbers.is_empty() && dnat.text.lines().all(|l| l.contains("DNAT")));
        assert!(!dnat.is_whole() && dnat.total == all.total);
        let service = all
            .sources
            .iter()
            .find_map(|s| s.object)
            .expect("a written Service");
        let own = shown("", Some(service));
        assert!(!own.numbers.is_empty());
        assert!(
            own.shown()
                .all(|(_, _, s)| own.sources[s as usize - 1].object == Some(service))
        );
        // The lines keep their numbers in the listing.
        for (i, line, _) in own.shown() {
            assert_eq!(all.line(i), Some(line));
        }
        assert!(shown("", Some(service + 100)).numbers.is_empty());
    }
}
