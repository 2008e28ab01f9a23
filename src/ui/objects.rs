//! The objects as stored: what `kubectl apply` said about each written object, the fields
//! the API server defaulted or allocated, what the controllers made, and one-click actions
//! (scale, readiness, deletion, node loss) that edit the text.

use super::i18n::{Lang, Msg};
use super::snapshot::{How, ObjectRow, OriginKind, Panel, UiAction};
use std::rc::Rc;
use svcplay::diag::Span;
use yew::prelude::*;

/// At most this many objects are listed (a dump can hold tens of thousands): only their
/// rows are made ([`super::snapshot::objects_upto`]).
pub const MAX_ROWS: usize = 400;

#[derive(Properties)]
pub struct ObjectsProps {
    /// The panel on show: its Objects rows are listed (another panel lists none). Shared
    /// with the page, not cloned out of it, and compared by pointer: it is made once per
    /// analysis or answer, while the page renders at every keystroke (two copies of the
    /// 400 rows of a dump and a comparison of them at each render cost milliseconds).
    pub panel: Rc<Panel>,
    pub readonly: bool,
    pub lang: Lang,
    pub on_action: Callback<UiAction>,
    pub on_reveal: Callback<Span>,
    pub on_rules: Callback<usize>,
}

impl PartialEq for ObjectsProps {
    fn eq(&self, other: &ObjectsProps) -> bool {
        Rc::ptr_eq(&self.panel, &other.panel)
            && self.readonly == other.readonly
            && self.lang == other.lang
            && self.on_action == other.on_action
            && self.on_reveal == other.on_reveal
            && self.on_rules == other.on_rules
    }
}

/// The rows of an Objects panel, and how many objects there are past them (none for
/// another panel).
fn rows_of(panel: &Panel) -> (&[ObjectRow], u32) {
    match panel {
        Panel::Objects(p) => (&p.rows, p.more),
        _ => (&[], 0),
    }
}

pub fn action_label(action: &UiAction) -> Msg {
    match action {
        UiAction::Scale { replicas, .. } if *replicas > 0 => Msg::ScaleUp,
        UiAction::Scale { .. } => Msg::ScaleDown,
        UiAction::PodReady { ready: true, .. } => Msg::MakeReady,
        UiAction::PodReady { ready: false, .. } => Msg::MakeNotReady,
        UiAction::PodDelete { delete: true, .. } => Msg::DeletePod,
        UiAction::PodDelete { delete: false, .. } => Msg::RestorePod,
        UiAction::PodGone { .. } => Msg::PodGone,
        UiAction::NodeReady { ready: false, .. } => Msg::NodeDown,
        UiAction::NodeReady { ready: true, .. } => Msg::NodeUp,
    }
}

fn how(h: How) -> Option<Msg> {
    match h {
        How::Written => Some(Msg::HowWritten),
        How::Defaulted => Some(Msg::HowDefaulted),
        How::Allocated => Some(Msg::HowAllocated),
        How::Observed => None,
    }
}

/// One object's row: drawn again only when the row changed (an edit in a dump changes a
/// few of the 400 rows listed, and the panel comes anew after each). It reads its row in
/// the shared panel (row `index`), so that listing the rows copies none.
#[derive(Properties)]
pub struct RowProps {
    pub panel: Rc<Panel>,
    pub index: usize,
    pub readonly: bool,
    pub lang: Lang,
    pub on_action: Callback<UiAction>,
    pub on_reveal: Callback<Span>,
    pub on_rules: Callback<usize>,
}

impl RowProps {
    fn row(&self) -> Option<&ObjectRow> {
        rows_of(&self.panel).0.get(self.index)
    }
}

impl PartialEq for RowProps {
    /// The row's content, not the panel's identity: a new panel redraws only the rows that
    /// changed.
    fn eq(&self, other: &RowProps) -> bool {
        self.row() == other.row()
            && self.readonly == other.readonly
            && self.lang == other.lang
            && self.on_action == other.on_action
            && self.on_reveal == other.on_reveal
            && self.on_rules == other.on_rules
    }
}

#[function_component]
pub fn Row(props: &RowProps) -> Html {
    let lang = props.lang;
    let t = |m: Msg| m.text(lang);
    let Some(row) = props.row() else {
        return html! {};
    };
    let origin = match row.origin {
        OriginKind::Written => Msg::Written,
        OriginKind::Generated => Msg::Generated,
        OriginKind::Builtin => Msg::Builtin,
    };
    let name = match row.span {
        Some(span) => {
            let cb = props.on_reveal.clone();
            html! {
                <button class="link" title={t(Msg::ShowInEditor)} onclick={Callback::from(move |_| cb.emit(span))}>
                    { row.name.clone() }
                </button>
            }
        }
        None => html! { { row.name.clone() } },
    };
    let admission = row.admission.as_ref().map(|(ok, line)| {
        html! {
            <span class={if *ok { "ok-line" } else { "error-line" }}>{ line.clone() }</span>
        }
    });
    // A Scale action whose target is below the current count scales down.
    let current = row
        .fields
        .iter()
        .find(|f| f.field == "spec.replicas")
        .and_then(|f| f.value.parse::<i64>().ok());
    html! {
        <tr>
            <td>{ row.kind.clone() }</td>
            <td>{ row.namespace.clone() }</td>
            <th scope="row">{ name }</th>
            <td>{ t(origin) }</td>
            <td>{ for admission }</td>
            <td>
                if !row.fields.is_empty() {
                    <dl class="fields">
                        { for row.fields.iter().map(|f| html! {
                            <div class={classes!("field", format!("how-{:?}", f.how).to_lowercase())}>
                                <dt>{ f.field.clone() }</dt>
                                <dd>
                                    { f.value.clone() }
                                    if let Some(h) = how(f.how) { <span class="how">{ t(h) }</span> }
                                </dd>
                            </div>
                        }) }
                    </dl>
                }
            </td>
            <td class="actions">
                if !props.readonly {
                    { for row.actions.iter().map(|a| {
                        let label = match (a, current) {
                            (UiAction::Scale { replicas, .. }, Some(c)) if *replicas < c => Msg::ScaleDown,
                            (UiAction::Scale { .. }, _) => Msg::ScaleUp,
                            _ => action_label(a),
                        };
                        let cb = props.on_action.clone();
                        let a = a.clone();
                        html! { <button onclick={Callback::from(move |_| cb.emit(a.clone()))}>{ t(label) }</button> }
                    }) }
                }
                if let (true, Some(object)) = (row.has_rules, row.object) {
                    <button onclick={props.on_rules.reform(move |_| object)}>{ t(Msg::ShowRules) }</button>
                }
            </td>
        </tr>
    }
}

#[function_component]
pub fn Objects(props: &ObjectsProps) -> Html {
    let _timed = super::dom::timed("view:Objects");
    let lang = props.lang;
    let t = |m: Msg| m.text(lang);
    let (rows, more) = rows_of(&props.panel);
    let rows = (0..rows.len().min(MAX_ROWS)).map(|index| {
        html! {
            <Row key={index} panel={props.panel.clone()} index={index} readonly={props.readonly} lang={lang}
                on_action={props.on_action.clone()} on_reveal={props.on_reveal.clone()}
                on_rules={props.on_rules.clone()} />
        }
    });
    html! {
        <section class="panel objects" aria-labelledby="objects-title">
            <header class="panel-head"><h2 id="objects-title">{ t(Msg::TabObjects) }</h2></header>
            <div class="table-wrap">
                <table id="objects">
                    <thead>
                        <tr>
                            <th scope="col">{ t(Msg::Kind) }</th>
                            <th scope="col">{ t(Msg::Namespace) }</th>
                            <th scope="col">{ t(Msg::Name) }</th>
                            <th scope="col">{ t(Msg::Origin) }</th>
                            <th scope="col">{ t(Msg::ApiServer) }</th>
                            <th scope="col">{ t(Msg::StoredFields) }</th>
                            <th scope="col">{ t(Msg::Actions) }</th>
                        </tr>
                    </thead>
                    <tbody>{ for rows }</tbody>
                </table>
            </div>
            if more > 0 {
                <p class="note">{ Msg::MoreLines.fill(lang, &[&more.to_string()]) }</p>
            }
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::snapshot::objects_upto;
    use svcplay::scenario::{Options, analyze};

    /// The rows are read in the shared panel, and a row's props are equal when its content
    /// is (a new panel redraws only the rows that changed), whichever panel holds it.
    #[test]
    fn rows_read_in_the_shared_panel_compare_by_content() {
        let analysis = analyze(svcplay::examples::DEFAULT, Options::default());
        let listed = objects_upto(&analysis, MAX_ROWS);
        assert!(listed.rows.len() > 2);
        let first = Rc::new(Panel::Objects(listed.clone()));
        let mut changed = listed.clone();
        changed.rows[1].name.push('x');
        let second = Rc::new(Panel::Objects(changed));
        let (on_action, on_reveal, on_rules) =
            (Callback::noop(), Callback::noop(), Callback::noop());
        let row = |panel: &Rc<Panel>, index: usize| RowProps {
            panel: panel.clone(),
            index,
            readonly: false,
            lang: Lang::En,
            on_action: on_action.clone(),
            on_reveal: on_reveal.clone(),
            on_rules: on_rules.clone(),
        };
        assert_eq!(rows_of(&first), (listed.rows.as_slice(), listed.more));
        assert!(row(&first, 0) == row(&second, 0));
        assert!(row(&first, 1) != row(&second, 1));
        assert!(row(&first, 2) == row(&second, 2));
        // A row past the panel's rows is none, in either.
        assert!(row(&first, listed.rows.len()).row().is_none());
        // Another panel lists no row.
        assert_eq!(rows_of(&Panel::Empty).0.len(), 0);
        let props = |panel: &Rc<Panel>| ObjectsProps {
            panel: panel.clone(),
            readonly: false,
            lang: Lang::En,
            on_action: on_action.clone(),
            on_reveal: on_reveal.clone(),
            on_rules: on_rules.clone(),
        };
        // The view's props: the same panel, by pointer.
        assert!(props(&first) == props(&first));
        assert!(props(&first) != props(&Rc::new(Panel::Objects(listed.clone()))));
    }
}
