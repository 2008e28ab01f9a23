//! The core off the main thread: the Web Worker's side and the page's handle on it.
//!
//! The worker runs this same wasm module (`static/worker.js` imports the page's JS glue
//! and instantiates the module the page already compiled), so nothing more is
//! downloaded. It keeps the last text it was sent and its analysis, and answers requests
//! about it ([`answer`]); the next text is analysed as an edit of that one
//! ([`Analysis::edit`], which re-does only what the edit changed). The page sends
//! [`Request`]s and turns [`Response`]s into actions ([`Worker`]). Every message is one
//! byte array ([`super::wire`]).

use super::snapshot;
use super::wire::{Request, Response, decode, encode};
use std::cell::RefCell;
use std::sync::Arc;
use svcplay::changes::{Changes, Downstream};
use svcplay::proxy::NodeProxy;
use svcplay::proxy::config::ProxyMode;
use svcplay::scenario::{Analysis, Options, analyze};

/// The worker's last analysis: its revision, the text it was made from, and the analysis.
struct Last {
    rev: u64,
    text: String,
    analysis: Analysis,
    /// What "what changed" compares of `analysis` besides kube-proxy's rules, once
    /// measured (when the page asked what this revision changed): the next edit is
    /// measured from it.
    downstream: Option<Downstream>,
    /// What is left of the text before, to say what this revision changed when the page
    /// asks ([`Request::Changes`]); `None` for the first text.
    before: Option<Before>,
}

/// What the worker keeps of the analysis an edit started from, which the edit consumed
/// ([`Analysis::edit`]): enough to say what the edit changed on the node and in the mode
/// the user was viewing, after the summary has gone (the visible views first).
struct Before {
    /// The node on show when the text was sent, and the mode (`None`: each analysis'
    /// configured mode).
    node: String,
    mode: Option<ProxyMode>,
    earlier: Earlier,
}

enum Earlier {
    /// A text the page analysed itself (sent along with the edit): analysed here whole.
    Analysis(Box<Analysis>),
    /// The worker's own last analysis: its endpoints and DNS records, kube-proxy on the
    /// node on show (built before the edit, rendered on demand from its own facts), its
    /// configured mode, and its text, analysed again whole only if the edit leaves another
    /// node on show (it removed the one the user was viewing).
    Kept {
        downstream: Downstream,
        proxy: Arc<NodeProxy>,
        configured_mode: ProxyMode,
        text: String,
    },
}

thread_local! {
    /// The worker's last analysis.
    static LAST: RefCell<Option<Last>> = const { RefCell::new(None) };
    /// The page's side: when it sent its last text to analyse, and which revision.
    static ANALYZE_SENT: std::cell::Cell<(u64, f64)> = const { std::cell::Cell::new((0, 0.0)) };
}

/// The node a revision's panels show: the chosen one if it still exists, else the
/// default ([`snapshot::Summary::node`]).
fn node_on_show(analysis: &Analysis, chosen: &str) -> String {
    if analysis.node_names().iter().any(|n| n == chosen) {
        chosen.to_string()
    } else {
        analysis.default_node()
    }
}

/// What the worker keeps of `last` for the changes of the edit that consumes it: kube-proxy
/// on the node on show as `last` has it (its facts, taken before the edit; rendered only
/// if it was not already), and its endpoints and DNS records (measured when the page
/// asked about `last`, else now).
fn keep_before(last: &mut Last, node: &str, mode: Option<ProxyMode>) -> Before {
    let analysis = &last.analysis;
    let configured_mode = analysis.proxy_config.mode;
    let shown = node_on_show(analysis, node);
    let proxy_mode = mode.unwrap_or(configured_mode);
    let proxy = analysis
        .cached_proxy(&shown, proxy_mode)
        .unwrap_or_else(|| analysis.proxy_in(&shown, proxy_mode));
    let downstream = last
        .downstream
        .take()
        .unwrap_or_else(|| Downstream::of(&analysis.objects));
    Before {
        node: node.to_string(),
        mode,
        earlier: Earlier::Kept {
            downstream,
            proxy,
            configured_mode,
            text: std::mem::take(&mut last.text),
        },
    }
}

/// What the last edit changed (`diff` of the analysis before and the last one), on the
/// node on show in the mode on show; keeps the last analysis' [`Downstream`] for the next.
fn changes_of(last: &mut Last) -> Option<Changes> {
    let before = last.before.take()?;
    let after = &last.analysis;
    let node = node_on_show(after, &before.node);
    let changes = match before.earlier {
        Earlier::Analysis(earlier) => svcplay::changes::diff(&earlier, after, &node, before.mode),
        Earlier::Kept {
            downstream,
            proxy,
            configured_mode,
            text,
        } => {
            let old_mode = before.mode.unwrap_or(configured_mode);
            if proxy.node == node && proxy.mode == old_mode {
                let new_mode = before.mode.unwrap_or(after.proxy_config.mode);
                let new = after.proxy_in(&node, new_mode);
                let now = last
                    .downstream
                    .get_or_insert_with(|| Downstream::of(&after.objects));
                svcplay::changes::diff_from(&downstream, &proxy, now, &new)
            } else {
                let earlier = analyze(&text, Options::default());
                svcplay::changes::diff(&earlier, after, &node, before.mode)
            }
        }
    };
    Some(changes)
}

/// The worker's answer to one request (`None` for a request it cannot read, or a panel of
/// a revision it has not analysed).
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
pub fn answer(request: Request) -> Option<Response> {
    match request {
        Request::Analyze {
            rev,
            text,
            before,
            node,
            mode,
        } => {
            // Every text the page sends is the last one edited (a keystroke, a paste, an
            // example opened): `edit` equals a full analysis whatever the change, and
            // costs only what the change touched. It consumes the analysis it starts
            // from: what "what changed" needs of it is kept aside first, and the changes
            // are measured when the page asks (after the summary and the view on show).
            // A text the page analysed itself comes along (`before`): the changes are
            // from it.
            let last = LAST.with(|last| last.borrow_mut().take());
            let (earlier, analysis) = match last {
                Some(mut last) => {
                    let kept = match before {
                        Some(b) => Before {
                            node,
                            mode,
                            earlier: Earlier::Analysis(Box::new(analyze(&b, Options::default()))),
                        },
                        None => keep_before(&mut last, &node, mode),
                    };
                    let previous_text = match &kept.earlier {
                        Earlier::Kept { text, .. } => text.as_str(),
                        Earlier::Analysis(_) => last.text.as_str(),
                    };
                    let analysis = last.analysis.edit(previous_text, &text);
                    (Some(kept), analysis)
                }
                None => (
                    before.map(|b| Before {
                        node,
                        mode,
                        earlier: Earlier::Analysis(Box::new(analyze(&b, Options::default()))),
                    }),
                    analyze(&text, Options::default()),
                ),
            };
            let summary = snapshot::summary(&analysis);
            LAST.with(|last| {
                *last.borrow_mut() = Some(Last {
                    rev,
                    text,
                    analysis,
                    downstream: None,
                    before: earlier,
                })
            });
            Some(Response::Summary { rev, summary })
        }
        Request::Changes { rev } => LAST.with(|last| {
            let mut last = last.borrow_mut();
            let last = last.as_mut().filter(|l| l.rev == rev)?;
            let changes = changes_of(last)?;
            Some(Response::Changes { rev, changes })
        }),
        Request::Panel { rev, selection } => LAST.with(|last| {
            let last = last.borrow();
            let Last {
                rev: analysed,
                analysis,
                ..
            } = last.as_ref()?;
            (*analysed == rev).then(|| Response::Panel {
                rev,
                panel: snapshot::panel(analysis, &selection),
                selection,
            })
        }),
        Request::Run { index, line } => LAST.with(|last| {
            let last = last.borrow();
            let analysis = &last.as_ref()?.analysis;
            // On the terminal's node, as the shell would run it (not the node a view shows).
            let node = svcplay::shell::node_of(analysis);
            let output = snapshot::run(analysis, &node, None, &line);
            Some(Response::Output { index, output })
        }),
        Request::Simulate { rev, id, request } => LAST.with(|last| {
            let last = last.borrow();
            let Last {
                rev: analysed,
                analysis,
                ..
            } = last.as_ref()?;
            (*analysed == rev).then(|| Response::Simulated {
                id,
                answer: snapshot::simulate(analysis, &request),
            })
        }),
    }
}

/// The worker's entry point, called by `static/worker.js` for each message: request
/// bytes in, response bytes out (empty when there is nothing to answer).
#[cfg_attr(target_arch = "wasm32", wasm_bindgen::prelude::wasm_bindgen)]
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
pub fn worker_handle(request: &[u8]) -> Vec<u8> {
    decode::<Request>(request)
        .and_then(answer)
        .map(|r| encode(&r))
        .unwrap_or_default()
}

/// The page's handle on the worker.
#[derive(Clone)]
pub struct Worker {
    inner: wasm_bindgen::JsValue,
}

impl PartialEq for Worker {
    fn eq(&self, other: &Worker) -> bool {
        self.inner == other.inner
    }
}

impl Worker {
    /// Starts the worker; `on_response` gets every answer, `on_ready` whether it started.
    pub fn start(
        on_response: impl Fn(Response) + 'static,
        on_ready: impl Fn(bool) + 'static,
    ) -> Option<Worker> {
        use wasm_bindgen::JsCast;
        use wasm_bindgen::prelude::Closure;
        let on_message =
            Closure::<dyn Fn(js_sys::Uint8Array)>::new(move |bytes: js_sys::Uint8Array| {
                if let Some(response) = decode::<Response>(&bytes.to_vec()) {
                    if let Response::Summary { rev, summary } = &response {
                        // The round trip of one analysis (send, analyse, summarise, answer),
                        // and the worker's wasm memory after it, read by the end-to-end
                        // test's timing report.
                        let (sent_rev, sent_at) = ANALYZE_SENT.with(|s| s.get());
                        if sent_rev == *rev {
                            let ms = super::dom::now_ms() - sent_at;
                            super::dom::set_root_attribute(
                                "data-worker-analysis-ms",
                                &format!("{ms:.0}"),
                            );
                        }
                        super::dom::set_root_attribute(
                            "data-worker-memory-bytes",
                            &summary.memory_bytes.to_string(),
                        );
                    }
                    if let Response::Changes { rev, .. } = &response {
                        // The worker has measured what an edit changed: the end-to-end
                        // test's timing report waits for it to time a keystroke that does not
                        // queue behind it.
                        super::dom::set_root_attribute("data-worker-changes-rev", &rev.to_string());
                    }
                    on_response(response);
                }
            });
        let on_ready = Closure::<dyn Fn(bool)>::new(on_ready);
        let inner = super::dom::start_worker(
            wasm_bindgen::module(),
            on_message.as_ref().unchecked_ref(),
            on_ready.as_ref().unchecked_ref(),
        );
        // The worker lives as long as the page: so do its callbacks.
        on_message.forget();
        on_ready.forget();
        (!inner.is_null() && !inner.is_undefined()).then_some(Worker { inner })
    }

    pub fn send(&self, request: &Request) {
        if let Request::Analyze { rev, .. } = request {
            let now = super::dom::now_ms();
            ANALYZE_SENT.with(|s| s.set((*rev, now)));
        }
        let bytes = encode(request);
        super::dom::post_to_worker(&self.inner, &js_sys::Uint8Array::from(&bytes[..]));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::snapshot::{Panel, Selection, Tab};

    /// What the worker says the edit that made `rev` changed, as the page asks it.
    fn changes(rev: u64) -> Option<Changes> {
        match decode(&worker_handle(&encode(&Request::Changes { rev })))? {
            Response::Changes { rev: r, changes } if r == rev => Some(changes),
            _ => None,
        }
    }

    #[test]
    fn the_worker_answers_about_the_revision_it_analysed() {
        let bytes = worker_handle(&encode(&Request::Analyze {
            rev: 3,
            text: svcplay::examples::DEFAULT.to_string(),
            before: None,
            node: String::new(),
            mode: None,
        }));
        let Some(Response::Summary { rev: 3, summary }) = decode(&bytes) else {
            panic!("no summary");
        };
        assert_eq!(summary.default_node, "k8s-worker01");
        let selection = Selection {
            tab: Tab::Rules,
            node: None,
            mode: None,
            rules_view: None,
            target: None,
            compare: Vec::new(),
            dump: String::new(),
        };
        let bytes = worker_handle(&encode(&Request::Panel {
            rev: 3,
            selection: selection.clone(),
        }));
        let Some(Response::Panel {
            panel: Panel::Rules(rules),
            ..
        }) = decode(&bytes)
        else {
            panic!("no panel");
        };
        assert!(rules.text.contains("KUBE-SERVICES"));
        // A panel of another revision is not answered: the page will ask again.
        assert!(worker_handle(&encode(&Request::Panel { rev: 2, selection })).is_empty());
        let bytes = worker_handle(&encode(&Request::Run {
            index: 0,
            line: "kubectl get pods -n dev".into(),
        }));
        let Some(Response::Output { index: 0, output }) = decode(&bytes) else {
            panic!("no output");
        };
        assert!(output.stdout.contains("pc-deployment-"));
        let request = svcplay::simulate::SimRequest {
            requests: 10,
            record: 10,
            ..Default::default()
        };
        let bytes = worker_handle(&encode(&Request::Simulate {
            rev: 3,
            id: 9,
            request: request.clone(),
        }));
        let Some(Response::Simulated { id: 9, answer }) = decode(&bytes) else {
            panic!("no simulation");
        };
        let watch = answer.watch.as_ref().expect("a watch").watch.clone();
        assert_eq!(answer.result.map(|r| r.sequence.len()), Ok(10));
        // The watch crossed whole, and its requests are the run's.
        assert_eq!(watch.journeys.len(), 10);
        assert!(!watch.walks.is_empty() && watch.walks.iter().all(|w| !w.trace.hops.is_empty()));
        assert!(
            worker_handle(&encode(&Request::Simulate {
                rev: 2,
                id: 10,
                request
            }))
            .is_empty()
        );
        assert!(worker_handle(b"garbage").is_empty());
        // The first text has nothing to compare with; the next says what it changed.
        assert_eq!(changes(3), None);
        let scaled = svcplay::examples::DEFAULT.replacen("replicas: 3", "replicas: 2", 1);
        let bytes = worker_handle(&encode(&Request::Analyze {
            rev: 4,
            text: scaled.clone(),
            before: None,
            node: String::new(),
            mode: None,
        }));
        let Some(Response::Summary { rev: 4, .. }) = decode(&bytes) else {
            panic!("no summary");
        };
        // Not of another revision; once only.
        assert_eq!(changes(5), None);
        let changes = super::tests::changes(4).expect("the changes");
        assert_eq!(super::tests::changes(4), None);
        assert_eq!(
            changes
                .endpoints
                .iter()
                .map(|e| e.removed.len())
                .sum::<usize>(),
            1,
            "{changes:?}"
        );
        assert!(!changes.synced.is_empty());
        // A text the page analysed comes along: the change is from it, not from rev 4.
        let bytes = worker_handle(&encode(&Request::Analyze {
            rev: 6,
            text: scaled.clone(),
            before: Some(svcplay::examples::DEFAULT.replacen("replicas: 3", "replicas: 1", 1)),
            node: String::new(),
            mode: None,
        }));
        let Some(Response::Summary { rev: 6, .. }) = decode(&bytes) else {
            panic!("no summary");
        };
        let changes = super::tests::changes(6).expect("the changes");
        let added: usize = changes.endpoints.iter().map(|e| e.added.len()).sum();
        assert_eq!(added, 1, "{changes:?}");
        assert_eq!(
            changes.node, "k8s-worker01",
            "an unknown node: the default one"
        );
    }

    /// The worker says what an edit changed on the node and in the mode the user is
    /// viewing, as the page does when it analyses the edit itself.
    #[test]
    fn the_workers_changes_are_of_the_node_and_mode_on_show() {
        use svcplay::proxy::config::ProxyMode;
        let before = svcplay::examples::DEFAULT.to_string();
        let after = svcplay::examples::DEFAULT.replacen("replicas: 3", "replicas: 4", 1);
        let a = analyze(&before, Options::default());
        let b = analyze(&after, Options::default());
        let node = a
            .node_names()
            .into_iter()
            .find(|n| *n != a.default_node())
            .expect("another node");
        for mode in [ProxyMode::Nftables, ProxyMode::Ipvs] {
            let bytes = worker_handle(&encode(&Request::Analyze {
                rev: 11,
                text: after.clone(),
                before: Some(before.clone()),
                node: node.clone(),
                mode: Some(mode),
            }));
            let Some(Response::Summary { .. }) = decode(&bytes) else {
                panic!("no summary");
            };
            let changes = super::tests::changes(11).expect("the changes");
            assert_eq!(changes.node, node);
            assert_eq!(changes.mode, Some(mode));
            assert_eq!(changes, svcplay::changes::diff(&a, &b, &node, Some(mode)));
            assert!(!changes.groups.is_empty(), "{changes:?}");
        }
    }

    #[test]
    fn the_next_text_is_analysed_as_an_edit_of_the_last() {
        let first = svcplay::examples::DEFAULT.to_string();
        // A Service's port typed over, then a document appended, then another text whole.
        let edited = first.replacen("port: 80", "port: 8081", 1);
        let appended =
            format!("{edited}---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: team-1\n");
        let other = svcplay::examples::dump::large_dump(3, 2);
        let mut before: Option<String> = None;
        for (rev, text) in [first, edited, appended, other].into_iter().enumerate() {
            let rev = rev as u64 + 10;
            let bytes = worker_handle(&encode(&Request::Analyze {
                rev,
                text: text.clone(),
                before: None,
                node: String::new(),
                mode: None,
            }));
            let Some(Response::Summary { summary, .. }) = decode(&bytes) else {
                panic!("no summary");
            };
            let full = analyze(&text, Options::default());
            // The changes are measured from the text before, as from a full analysis.
            let changes = before.map(|b| {
                let node = full.default_node();
                svcplay::changes::diff(&analyze(&b, Options::default()), &full, &node, None)
            });
            assert_eq!(super::tests::changes(rev), changes);
            assert_eq!(summary, snapshot::summary(&full));
            before = Some(text);
        }
    }
}
