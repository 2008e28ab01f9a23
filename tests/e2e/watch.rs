//! Watching the traffic on the cluster diagram, end to end in headless Chromium (issue
//! 23, item 1): the traffic panel's run played request by request on the diagram, a
//! frame mid-run with 50 Pods on 5 nodes, one request stepped with its walk, the same
//! seed giving the same requests as the core, keys on the picture, affinity pinning,
//! a NodePort from outside masqueraded and crossing nodes, a drop at the node that made
//! it, Chinese, prefers-reduced-motion, and axe at 0 serious or critical violations.
//! Screenshots go to `test-output/page-watch-*.png`.
//!
//! A module of the `e2e_page` test crate; runs only with `SVCPLAY_E2E_DIST` set.

use std::io::Write;

use crate::page::{Page, UPDATE_TIMEOUT, example, walk};
use crate::support::json::Json;
use svcplay::scenario::{Options, analyze};
use svcplay::simulate::clients::{ClientChoice, DestinationKind, destinations, request};
use svcplay::simulate::{Landed, SimRequest};

#[test]
fn watching_the_traffic() {
    walk(
        "e2e_page watching_the_traffic",
        "chromedriver-watch",
        // Wide enough for five node columns beside the editor.
        "1920,1200",
        "e2e-watch-failure",
        "watching the traffic",
        watch_story,
    );
}

/// 50 Pods of one Deployment on 5 worker nodes behind one ClusterIP Service.
fn fifty_pods() -> String {
    let mut text = String::new();
    for i in 1..=5 {
        text.push_str(&format!(
            "apiVersion: v1\nkind: Node\nmetadata:\n  name: worker-{i}\nstatus:\n  addresses:\n  - {{type: InternalIP, address: 192.168.10.{i}}}\n---\n"
        ));
    }
    text.push_str(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 50\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n      - name: web\n        image: nginx\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  clusterIP: 10.96.50.50\n  selector: {app: web}\n  ports:\n  - port: 80\n",
    );
    text
}

fn watch_story(page: &Page<'_>) -> Result<(), String> {
    page.open("")?;
    page.default_rules()?;

    // 50 Pods on 5 nodes: the run plays by itself; a frame mid-run.
    let fifty = fifty_pods();
    page.set_editor(&fifty)?;
    open_traffic(page)?;
    select(page, "#traffic-requests", "1000")?;
    set_seed(page, 11)?;
    page.click("#traffic-run")?;
    wait_watch(page, 100)?;
    // A frame mid-run: past the 8th request, the current one on its way between its
    // kube-proxy and another node's Pod.
    page.wait("the run to play past its 8th request, mid-way", UPDATE_TIMEOUT, || {
        let points = page.string(
            "const w = document.querySelector('#watch-diagram .way'); return w ? w.getAttribute('points') : '';",
            vec![],
        )?;
        Ok((position(page)? >= 8 && points.split(' ').count() >= 3).then_some(()))
    })?;
    let drawn = page.exec(
        "return [document.querySelectorAll('#watch-diagram .pod').length,
                 document.querySelectorAll('#watch-diagram .kube-proxy').length];",
        vec![],
    )?;
    if drawn.to_string() != "[50,5]" {
        return Err(format!("50 Pods and 5 kube-proxies drawn, not {drawn}"));
    }
    scroll_to(page, "#watch-position")?;
    page.screenshot("page-watch-running")?;
    // Pause: the counters then add up to the requests that arrived.
    page.click("#watch-play")?;
    page.wait("the player to pause", UPDATE_TIMEOUT, || {
        Ok((page.text_of("#watch-play")? == "Play").then_some(()))
    })?;
    let (shown, counted) = (position(page)? as u64, counters(page)?);
    if counted > shown || counted + 1 < shown {
        return Err(format!(
            "request {shown} shown, {counted} counted on the Pods"
        ));
    }

    // The default lab, stepped with the keys: each request is the core's.
    page.set_editor(example("clusterip")?)?;
    open_traffic(page)?;
    select(page, "#traffic-requests", "100")?;
    set_seed(page, 5)?;
    page.click("#traffic-run")?;
    wait_watch(page, 100)?;
    page.click("#watch-restart")?;
    page.exec("document.getElementById('watch-diagram').focus();", vec![])?;
    page.session.keys(&["\u{E014}", "\u{E014}", "\u{E014}"])?; // → three times
    page.wait("request 3 stepped with its walk", UPDATE_TIMEOUT, || {
        Ok(
            (position(page)? == 3 && page.text_of("#watch-walk")?.contains("KUBE-SVC-"))
                .then_some(()),
        )
    })?;
    let analysis = analyze(example("clusterip")?, Options::default());
    let core = core_watch(&analysis, "k8s-worker01", 5, 100)?;
    let third = &core.walks[core.journeys[2].walk];
    let facts = page.text_of("#watch-facts")?;
    let pod = third.pod.clone().unwrap_or_default();
    if !facts.contains(&format!("Landed on Pod {pod}")) {
        return Err(format!(
            "request 3 landed on {pod} in the core; the page says {facts}"
        ));
    }
    let chose = page.text_of("#watch-walk li.chose")?;
    let hop = &third.trace.hops[third.decided_by.unwrap_or_default()];
    if !chose.contains(&hop.rule) {
        return Err(format!(
            "the hop that chose is {}, the page marks {chose}",
            hop.rule
        ));
    }
    // The counters after three requests are the core's.
    let counts = core.counts(3);
    if counters(page)? != counts.iter().map(|(_, n)| *n).sum::<u64>() {
        return Err("the Pods' counters differ from the core's".into());
    }
    page.screenshot("page-watch-step")?;
    // ← goes back one; Space plays; Space pauses.
    page.session.keys(&["\u{E012}"])?;
    page.wait("request 2 after ←", UPDATE_TIMEOUT, || {
        Ok((position(page)? == 2).then_some(()))
    })?;
    page.session.keys(&["\u{E00D}"])?;
    page.wait("Space to play", UPDATE_TIMEOUT, || {
        Ok((page.text_of("#watch-play")? == "Pause").then_some(()))
    })?;
    page.session.keys(&["\u{E00D}"])?;
    page.wait("Space to pause", UPDATE_TIMEOUT, || {
        Ok((page.text_of("#watch-play")? == "Play").then_some(()))
    })?;

    // The same seed again: the same requests, whatever ran in between.
    set_seed(page, 6)?;
    page.click("#traffic-run")?;
    wait_watch(page, 100)?;
    set_seed(page, 5)?;
    page.click("#traffic-run")?;
    wait_watch(page, 100)?;
    page.click("#watch-restart")?;
    let sequence = step_through(page, 12)?;
    let expected: Vec<String> = core.journeys[..12]
        .iter()
        .map(|j| core.walks[j.walk].pod.clone().unwrap_or_default())
        .collect();
    if sequence != expected {
        return Err(format!(
            "seed 5 again: {sequence:?}, the core: {expected:?}"
        ));
    }

    // Session affinity: every request after the first is pinned, on the same Pod.
    page.set_editor(example("session-affinity")?)?;
    open_traffic(page)?;
    page.click("#traffic-run")?;
    wait_watch(page, 100)?;
    page.click("#watch-restart")?;
    step_through(page, 2)?;
    if !page
        .text_of("#watch-facts")?
        .contains("Pinned by ClientIP affinity")
    {
        return Err(format!(
            "request 2 is not pinned: {}",
            page.text_of("#watch-facts")?
        ));
    }

    // A NodePort from outside, Cluster policy: masqueraded, crossing to the Pod's node.
    page.set_editor(example("nodeport")?)?;
    open_traffic(page)?;
    select_matching(page, "#traffic-client", "external:k8s-master01")?;
    select_kind(page, "NodePort", "k8s-master01")?;
    page.click("#traffic-run")?;
    wait_watch(page, 100)?;
    page.click("#watch-restart")?;
    step_through(page, 1)?;
    let facts = page.text_of("#watch-facts")?;
    for want in ["masquerade", "Crossed from node k8s-master01"] {
        if !facts.contains(want) {
            return Err(format!("a NodePort from outside: no {want:?} in {facts}"));
        }
    }
    if page.exec(
        "return !!document.querySelector('#watch-diagram .outside-client');",
        vec![],
    )? != Json::Bool(true)
    {
        return Err("the external client is not drawn".into());
    }
    scroll_to(page, "#traffic-watch")?;
    page.screenshot("page-watch-nodeport")?;

    // externalTrafficPolicy: Local on the node without Pods: dropped there.
    page.set_editor(example("local-traffic-policy")?)?;
    open_traffic(page)?;
    select_matching(page, "#traffic-client", "external:k8s-master01")?;
    select_kind(page, "NodePort", "k8s-master01")?;
    page.click("#traffic-run")?;
    wait_watch(page, 100)?;
    page.click("#watch-restart")?;
    step_through(page, 1)?;
    let facts = page.text_of("#watch-facts")?;
    if !facts.contains("Dropped by kube-proxy's rules on node k8s-master01") {
        return Err(format!("Local policy on the control plane: {facts}"));
    }
    if page.exec(
        "return !!document.querySelector('#watch-diagram .tag.drop');",
        vec![],
    )? != Json::Bool(true)
    {
        return Err("no DROP mark at the node".into());
    }
    page.screenshot("page-watch-drop")?;

    // Axe: no serious or critical violation on the panel with the watch.
    axe_clean(page, "en")?;

    // Chinese.
    page.exec("localStorage.setItem('svcplay.lang', 'zh-CN');", vec![])?;
    page.open("")?;
    page.set_editor(example("clusterip")?)?;
    open_traffic(page)?;
    page.click("#traffic-run")?;
    wait_watch(page, 100)?;
    page.click("#watch-restart")?;
    step_through(page, 3)?;
    let title = page.text_of("#watch-title")?;
    if title != "在集群图上观看请求" {
        return Err(format!("the Chinese title is {title:?}"));
    }
    if !page.text_of("#watch-facts")?.contains("落在") {
        return Err(format!("Chinese facts: {}", page.text_of("#watch-facts")?));
    }
    scroll_to(page, "#traffic-watch")?;
    page.screenshot("page-watch-step-zh")?;
    axe_clean(page, "zh-CN")?;
    page.exec("localStorage.removeItem('svcplay.lang');", vec![])?;

    // prefers-reduced-motion: the run does not start by itself, and the dot jumps.
    page.session.devtools(
        "Emulation.setEmulatedMedia",
        Json::object([(
            "features",
            Json::Array(vec![Json::object([
                ("name", Json::from("prefers-reduced-motion")),
                ("value", Json::from("reduce")),
            ])]),
        )]),
    )?;
    page.open("")?;
    page.set_editor(example("clusterip")?)?;
    open_traffic(page)?;
    page.click("#traffic-run")?;
    wait_watch(page, 100)?;
    if page.text_of("#watch-play")? != "Play" || position(page)? != 0 {
        return Err("with reduced motion the run started by itself".into());
    }
    step_through(page, 1)?;
    let transition = page.string(
        "return getComputedStyle(document.querySelector('#watch-diagram .packet')).transitionDuration;",
        vec![],
    )?;
    if transition != "0s" {
        return Err(format!("with reduced motion the dot glides ({transition})"));
    }
    let _ = writeln!(std::io::stderr(), "e2e_page: watching the traffic: ok");
    Ok(())
}

/// The traffic tab, its panel up to date.
fn open_traffic(page: &Page<'_>) -> Result<(), String> {
    page.tab("traffic")?;
    page.panel_shown("traffic")?;
    page.wait("the traffic controls", UPDATE_TIMEOUT, || {
        Ok((page.exec(
            "return !!document.querySelector('#traffic-run:not([disabled])');",
            vec![],
        )? == Json::Bool(true))
        .then_some(()))
    })
}

fn select(page: &Page<'_>, selector: &str, value: &str) -> Result<(), String> {
    page.exec(
        "const s = document.querySelector(arguments[0]); s.value = arguments[1];
         s.dispatchEvent(new Event('change', {bubbles: true}));",
        vec![Json::from(selector), Json::from(value)],
    )?;
    Ok(())
}

fn select_matching(page: &Page<'_>, selector: &str, value: &str) -> Result<(), String> {
    select(page, selector, value)?;
    page.wait(&format!("{selector} = {value}"), UPDATE_TIMEOUT, || {
        Ok((page.string(
            "return document.querySelector(arguments[0]).value;",
            vec![Json::from(selector)],
        )? == value)
            .then_some(()))
    })
}

/// Chooses the destination of `kind` whose label names `node`.
fn select_kind(page: &Page<'_>, kind: &str, node: &str) -> Result<(), String> {
    let value = page.string(
        "const o = [...document.querySelectorAll('#traffic-destination option')]
             .find(o => o.textContent.includes(arguments[0]) && o.textContent.includes(arguments[1]));
         return o ? o.value : '';",
        vec![Json::from(kind), Json::from(node)],
    )?;
    if value.is_empty() {
        return Err(format!("no {kind} destination on {node}"));
    }
    select_matching(page, "#traffic-destination", &value)
}

fn set_seed(page: &Page<'_>, seed: u64) -> Result<(), String> {
    page.exec(
        "const s = document.getElementById('traffic-seed'); s.value = arguments[0];
         s.dispatchEvent(new Event('change', {bubbles: true}));",
        vec![Json::from(seed.to_string().as_str())],
    )?;
    Ok(())
}

/// Waits for a watch of `n` requests whose run used the seed now in the inputs.
fn wait_watch(page: &Page<'_>, n: u64) -> Result<(), String> {
    page.wait("the watched requests", UPDATE_TIMEOUT, || {
        let explain = page.text_of("#traffic-watch .explain")?;
        let caption = page.text_of(".traffic table.simulation caption")?;
        let seed = page.string(
            "return document.getElementById('traffic-seed').value;",
            vec![],
        )?;
        // The caption ends with the seed: `seed 5)` in English, `种子 5）` in Chinese.
        let seeded = [")", "）"]
            .iter()
            .any(|close| caption.contains(&format!(" {seed}{close}")));
        Ok((explain.contains(&n.to_string()) && seeded).then_some(()))
    })
}

/// The number of the request shown (0 before the first).
fn position(page: &Page<'_>) -> Result<usize, String> {
    let text = page.text_of("#watch-position")?;
    Ok(text
        .split(|c: char| !c.is_ascii_digit())
        .find(|w| !w.is_empty())
        .and_then(|w| w.parse().ok())
        .filter(|_| text.contains('/') || text.contains(" of "))
        .unwrap_or(0))
}

/// The sum of the Pods' counters.
fn counters(page: &Page<'_>) -> Result<u64, String> {
    let sum = page.exec(
        "return [...document.querySelectorAll('#watch-diagram .counter text')]
             .reduce((a, t) => a + Number(t.textContent), 0);",
        vec![],
    )?;
    match sum {
        Json::Number(n) => Ok(n as u64),
        other => Err(format!("counters: {other}")),
    }
}

/// Steps `n` requests with the Step button; the Pod each landed on, in order.
fn step_through(page: &Page<'_>, n: usize) -> Result<Vec<String>, String> {
    let mut pods = Vec::new();
    for k in 1..=n {
        page.click("#watch-step")?;
        page.wait(&format!("request {k} stepped"), UPDATE_TIMEOUT, || {
            Ok((position(page)? == k
                && page.exec("return !!document.getElementById('watch-walk');", vec![])?
                    == Json::Bool(true))
            .then_some(()))
        })?;
        let facts = page.text_of("#watch-facts")?;
        pods.push(
            facts
                .split("Landed on Pod ")
                .nth(1)
                .and_then(|rest| rest.split(" on node").next())
                .unwrap_or_default()
                .to_string(),
        );
    }
    Ok(pods)
}

fn scroll_to(page: &Page<'_>, selector: &str) -> Result<(), String> {
    page.exec(
        "document.querySelector(arguments[0]).scrollIntoView({block: 'start'});",
        vec![Json::from(selector)],
    )?;
    Ok(())
}

/// The core's watch of the panel's default request: node `node` itself to the first
/// ClusterIP.
fn core_watch(
    analysis: &svcplay::scenario::Analysis,
    node: &str,
    seed: u64,
    requests: u64,
) -> Result<svcplay::simulate::watch::Watch, String> {
    let destination = destinations(analysis)
        .into_iter()
        .find(|d| d.kind == DestinationKind::ClusterIp)
        .ok_or("no ClusterIP")?;
    let req = SimRequest {
        record: requests as usize,
        ..request(
            &ClientChoice::Node(node.into()),
            &destination,
            requests,
            seed,
        )
    };
    let watch = svcplay::simulate::watch::run(analysis, &req, 100)?;
    if watch
        .walks
        .iter()
        .any(|w| !matches!(w.landed, Landed::Endpoint(..)))
    {
        return Err("the default lab's requests all land".into());
    }
    Ok(watch)
}

/// axe-core on the page as it is: no serious or critical violation.
fn axe_clean(page: &Page<'_>, lang: &str) -> Result<(), String> {
    let found = page.axe_violations()?;
    let _ = writeln!(
        std::io::stderr(),
        "e2e_page: axe on the watch ({lang}): {found}"
    );
    if found != "[]" {
        return Err(format!("axe-core ({lang}) on the watch: {found}"));
    }
    Ok(())
}
