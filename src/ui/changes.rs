//! What the last edits changed downstream ([`svcplay::changes`]): compactly in a strip
//! above every view ([`LastChange`]), in full in the Changes view ([`Changes`]).
//!
//! The state keeps the last [`svcplay::changes::KEPT`] edits that changed something; the
//! diff is the core's, computed where the text was analysed (here or in the worker).

use super::i18n::{Lang, Msg};
use super::provenance::{after_colon, core_lang};
use std::rc::Rc;
use svcplay::changes::{Changes as Diff, GroupChange};
use yew::prelude::*;

#[derive(Properties)]
pub struct LastChangeProps {
    pub changes: Rc<Vec<Diff>>,
    /// The last edit changed nothing downstream.
    pub nothing: bool,
    pub lang: Lang,
    /// Opens the Changes view.
    pub on_open: Callback<()>,
}

/// The same kept edits, by pointer first: the state replaces them only when an edit
/// changed something, and they hold whole rule diffs (`Changes` holds floats, so an `Rc` of
/// it is not compared by pointer on its own). Compared by content at every render of the
/// page, the 5,000-Service dump's pasted edit cost ~20 ms per keystroke.
fn same_changes(a: &Rc<Vec<Diff>>, b: &Rc<Vec<Diff>>) -> bool {
    Rc::ptr_eq(a, b) || a == b
}

impl PartialEq for LastChangeProps {
    fn eq(&self, other: &LastChangeProps) -> bool {
        same_changes(&self.changes, &other.changes)
            && self.nothing == other.nothing
            && self.lang == other.lang
            && self.on_open == other.on_open
    }
}

/// One line after each edit: `+2 rules in KUBE-SVC-…, 1 endpoint removed`.
#[function_component]
pub fn LastChange(props: &LastChangeProps) -> Html {
    let lang = props.lang;
    let t = |m: Msg| m.text(lang);
    let Some(last) = props.changes.last() else {
        return html! {};
    };
    let text = if props.nothing {
        t(Msg::ChangedNothing).to_string()
    } else {
        last.summary(core_lang(lang))
    };
    html! {
        <p id="last-change" class="last-change" role="status">
            <strong>{ t(Msg::LastEdit) }</strong>{ after_colon(lang) }
            <span class="last-change-text">{ text }</span>{ " " }
            <button class="link" onclick={props.on_open.reform(|_| ())}>{ t(Msg::ShowChanges) }</button>
        </p>
    }
}

#[derive(Properties)]
pub struct ChangesProps {
    pub changes: Rc<Vec<Diff>>,
    pub lang: Lang,
}

impl PartialEq for ChangesProps {
    fn eq(&self, other: &ChangesProps) -> bool {
        same_changes(&self.changes, &other.changes) && self.lang == other.lang
    }
}

/// The kept edits, newest first, each in full.
#[function_component]
pub fn Changes(props: &ChangesProps) -> Html {
    let lang = props.lang;
    let t = |m: Msg| m.text(lang);
    html! {
        <section class="panel changes" aria-labelledby="changes-title">
            <header class="panel-head"><h2 id="changes-title">{ t(Msg::TabChanges) }</h2></header>
            <p class="explain">{ Msg::ChangesExplain.fill(lang, &[&svcplay::changes::KEPT.to_string()]) }</p>
            if props.changes.is_empty() {
                <p class="note">{ t(Msg::NoChangesYet) }</p>
            }
            { for props.changes.iter().rev().enumerate().map(|(k, c)| edit(c, k, lang)) }
        </section>
    }
}

/// One edit: its summary, opened for the newest.
fn edit(c: &Diff, k: usize, lang: Lang) -> Html {
    let t = |m: Msg| m.text(lang);
    let core = core_lang(lang);
    let mode = c.mode.map(|m| m.as_str()).unwrap_or("iptables");
    let heading = if k == 0 {
        t(Msg::LastEdit)
    } else {
        t(Msg::EarlierEdit)
    };
    html! {
        <details class="edit" open={k == 0} data-edit={k.to_string()}>
            <summary>
                <strong>{ heading }</strong>{ after_colon(lang) }
                <span class="edit-summary">{ c.summary(core) }</span>
            </summary>
            <p class="explain">{ Msg::ChangesWhere.fill(lang, &[&c.node, mode]) }</p>
            <p class="sync">{ c.sync_summary(core) }</p>
            if !c.endpoints.is_empty() {
                <h3>{ t(Msg::TabEndpoints) }</h3>
                <div class="table-wrap"><table class="change-endpoints">
                    <thead><tr>
                        <th scope="col">{ t(Msg::Service) }</th>
                        <th scope="col">{ t(Msg::Added) }</th>
                        <th scope="col">{ t(Msg::Removed) }</th>
                        <th scope="col">{ t(Msg::NowReady) }</th>
                        <th scope="col">{ t(Msg::NowNotReady) }</th>
                    </tr></thead>
                    <tbody>
                        { for c.endpoints.iter().map(|e| html! {
                            <tr>
                                <th scope="row"><code>{ e.service.clone() }</code></th>
                                <td class="plus"><code>{ e.added.join(", ") }</code></td>
                                <td class="minus"><code>{ e.removed.join(", ") }</code></td>
                                <td><code>{ e.now_ready.join(", ") }</code></td>
                                <td><code>{ e.now_not_ready.join(", ") }</code></td>
                            </tr>
                        }) }
                    </tbody>
                </table></div>
            }
            if !c.groups.is_empty() {
                <h3>{ Msg::ChangedUnits.fill(lang, &[&c.groups.len().to_string()]) }</h3>
                { for c.groups.iter().map(|g| group(g, lang)) }
            }
            if !c.dns.added.is_empty() || !c.dns.removed.is_empty() {
                <h3>{ t(Msg::TabDns) }</h3>
                <pre class="output diff">
                    { for c.dns.removed.iter().map(|r| html! { <span class="rl minus">{ "- " }{ r.clone() }{ "\n" }</span> }) }
                    { for c.dns.added.iter().map(|r| html! { <span class="rl plus">{ "+ " }{ r.clone() }{ "\n" }</span> }) }
                </pre>
            }
            if !c.shares.is_empty() {
                <h3>{ t(Msg::TrafficShares) }</h3>
                { for c.shares.iter().map(|s| html! {
                    <div class="table-wrap"><table class="change-shares">
                        <caption><code>{ s.service_port.clone() }</code></caption>
                        <thead><tr>
                            <th scope="col">{ t(Msg::Endpoint) }</th>
                            <th scope="col" class="num">{ t(Msg::Before) }</th>
                            <th scope="col" class="num">{ t(Msg::After) }</th>
                        </tr></thead>
                        <tbody>
                            { for share_rows(s).into_iter().map(|(endpoint, before, after)| html! {
                                <tr>
                                    <th scope="row"><code>{ endpoint }</code></th>
                                    <td class="num">{ before }</td>
                                    <td class="num">{ after }</td>
                                </tr>
                            }) }
                        </tbody>
                    </table></div>
                }) }
            }
        </details>
    }
}

/// A chain, set or virtual server: what it lost and gained, as a diff.
fn group(g: &GroupChange, lang: Lang) -> Html {
    let core = core_lang(lang);
    let title = format!(
        "{} {} ({} → {})",
        g.kind.word(core),
        g.name,
        g.before,
        g.after
    );
    html! {
        <div class="change-group">
            <h4><code>{ title }</code>
                if let Some(s) = &g.service { { " · " }<span class="muted">{ s.clone() }</span> }
            </h4>
            <pre class="output diff">
                { for g.removed.iter().map(|l| html! { <span class="rl minus">{ "- " }{ l.clone() }{ "\n" }</span> }) }
                { for g.added.iter().map(|l| html! { <span class="rl plus">{ "+ " }{ l.clone() }{ "\n" }</span> }) }
            </pre>
        </div>
    }
}

/// Every endpoint of a port before or after, with its share (`—` where it had none).
pub fn share_rows(s: &svcplay::changes::ShareChange) -> Vec<(String, String, String)> {
    let label = |(e, pod, _): &(String, Option<String>, f64)| match pod {
        Some(p) => format!("{e} ({p})"),
        None => e.clone(),
    };
    let percent = |v: f64| format!("{:.1}%", v * 100.0);
    let mut out: Vec<(String, String, String)> = Vec::new();
    for b in &s.before {
        let after = s.after.iter().find(|a| a.0 == b.0).map(|a| percent(a.2));
        out.push((label(b), percent(b.2), after.unwrap_or_else(|| "—".into())));
    }
    for a in s
        .after
        .iter()
        .filter(|a| !s.before.iter().any(|b| b.0 == a.0))
    {
        out.push((label(a), "—".into(), percent(a.2)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_line_up_before_and_after() {
        let s = svcplay::changes::ShareChange {
            service_port: "dev/web:80".into(),
            before: vec![
                ("10.0.0.1:80".into(), Some("web-a".into()), 0.5),
                ("10.0.0.2:80".into(), None, 0.5),
            ],
            after: vec![
                ("10.0.0.2:80".into(), None, 1.0 / 3.0),
                ("10.0.0.3:80".into(), None, 2.0 / 3.0),
            ],
        };
        assert_eq!(
            share_rows(&s),
            vec![
                ("10.0.0.1:80 (web-a)".into(), "50.0%".into(), "—".into()),
                ("10.0.0.2:80".into(), "50.0%".into(), "33.3%".into()),
                ("10.0.0.3:80".into(), "—".into(), "66.7%".into()),
            ]
        );
    }
}
