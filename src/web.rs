//! The page's entry point, built by Trunk for wasm32: mounts the Yew app of `src/ui/`.
//!
//! Natively this binary only exists so that `src/ui/` compiles and its reducer tests run
//! under `cargo test`; running it natively just says so.

mod ui;

#[cfg(target_arch = "wasm32")]
fn main() {
    ui::start();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    let _ = ui::start;
    eprintln!("svcplay-web is the page; build it with Trunk (see README.md)");
}

/// Browser tests of the page (`cargo test --target wasm32-unknown-unknown --bin svcplay-web`
/// runs them in headless Chromium): the app mounts, shows the default lab's rules, and keeps
/// hostile text as text; the traffic simulation; a share link's inflating stops at the size
/// limit. They wait for conditions (polling with a deadline), never for a fixed time: a
/// loaded two-core machine renders late.
#[cfg(all(test, target_arch = "wasm32"))]
mod browser_tests {
    use std::time::Duration;
    use wasm_bindgen::JsCast;
    use wasm_bindgen_test::*;

    wasm_bindgen_test_configure!(run_in_browser);

    /// How long a condition may take to come true on a busy machine.
    const DEADLINE_MS: f64 = 30_000.0;

    /// Polls `check` every 20 ms until it yields a value; panics after [`DEADLINE_MS`]
    /// saying what it waited for.
    async fn wait_for<T>(what: &str, mut check: impl FnMut() -> Option<T>) -> T {
        let start = crate::ui::dom::now_ms();
        loop {
            if let Some(value) = check() {
                return value;
            }
            if crate::ui::dom::now_ms() - start > DEADLINE_MS {
                let root = document().document_element().expect("<html>");
                let attribute = |n: &str| root.get_attribute(n).unwrap_or_default();
                panic!(
                    "waited {DEADLINE_MS} ms for {what} (analysis: {:?}, cost {:?} ms; busy: {:?}; problems: {:?}; editor: {:?})",
                    attribute("data-analysis"),
                    attribute("data-analysis-ms"),
                    document()
                        .query_selector(".busy")
                        .ok()
                        .flatten()
                        .and_then(|b| b.text_content()),
                    text("diagnostics"),
                    document()
                        .get_element_by_id("editor")
                        .and_then(|e| e.dyn_into::<web_sys::HtmlTextAreaElement>().ok())
                        .map(|e| e.value().chars().take(80).collect::<String>())
                );
            }
            yew::platform::time::sleep(Duration::from_millis(20)).await;
        }
    }

    fn document() -> web_sys::Document {
        web_sys::window()
            .and_then(|w| w.document())
            .expect("a document")
    }

    async fn mount() {
        let root = document().create_element("div").expect("a div");
        document()
            .body()
            .expect("a body")
            .append_child(&root)
            .expect("appended");
        yew::Renderer::<crate::ui::App>::with_root(root.clone()).render();
        // Started: the first visit's lab is on show beside its rules.
        wait_for("the app's start", || {
            let started = root.query_selector("#lab").ok().flatten().is_some()
                && text("rules").contains("KUBE-SERVICES");
            started.then_some(())
        })
        .await;
    }

    fn text(id: &str) -> String {
        document()
            .get_element_by_id(id)
            .and_then(|e| e.text_content())
            .unwrap_or_default()
    }

    #[wasm_bindgen_test]
    async fn the_app_shows_the_default_labs_rules_and_keeps_hostile_text_as_text() {
        let body = document().body().expect("a body");
        let scripts = body.get_elements_by_tag_name("script").length();
        mount().await;
        let rules = text("rules");
        assert!(rules.contains("KUBE-SERVICES"), "{rules}");
        assert!(rules.contains("--probability 0.3333333333"), "{rules}");
        let editor: web_sys::HtmlTextAreaElement = document()
            .get_element_by_id("editor")
            .expect("#editor")
            .dyn_into()
            .expect("a textarea");
        editor.set_value(
            "apiVersion: v1\nkind: Service\nmetadata:\n  name: \"<script>window.__pwned=1</script>\"\n  labels: {a: \"<img src=x onerror=window.__pwned=2>\"}\nspec:\n  ports: [{port: 80}]\n",
        );
        // Bubbling, as a real input event does: Yew listens at the root.
        let init = web_sys::EventInit::new();
        init.set_bubbles(true);
        let input = web_sys::Event::new_with_event_init_dict("input", &init).expect("an event");
        let _ = editor.dispatch_event(&input);
        // The API server refuses the name, and its message quotes it, as text.
        let problems = wait_for("the API server's refusal", || {
            let t = text("diagnostics");
            t.contains("DNS-1035").then_some(t)
        })
        .await;
        assert!(
            problems.contains("\"<script>window.__pwned=1</script>\": a DNS-1035 label"),
            "{problems}"
        );
        assert_eq!(body.get_elements_by_tag_name("script").length(), scripts);
        assert_eq!(body.get_elements_by_tag_name("img").length(), 0);
    }

    /// Mounts a fresh app in its own root (after forgetting what earlier apps saved), for
    /// tests that look only inside it.
    async fn mount_fresh() -> web_sys::Element {
        if let Some(storage) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
            let _ = storage.clear();
        }
        let root = document().create_element("div").expect("a div");
        document()
            .body()
            .expect("a body")
            .append_child(&root)
            .expect("appended");
        yew::Renderer::<crate::ui::App>::with_root(root.clone()).render();
        wait_for("the app's start in its root", || {
            root.query_selector("#lab").ok().flatten()?;
            root.query_selector("#view-panel #rules").ok().flatten()
        })
        .await;
        root
    }

    /// Waits for the browser's next frame: by then the app has rendered what the events
    /// before it changed (Yew renders in a microtask), so its handlers see the new values.
    async fn next_frame() {
        let promise = js_sys::Promise::new(&mut |resolve, _| {
            if let Some(w) = web_sys::window() {
                let _ = w.request_animation_frame(&resolve);
            }
        });
        let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
    }

    fn exists(root: &web_sys::Element, selector: &str) -> Option<()> {
        root.query_selector(selector).ok().flatten().map(drop)
    }

    fn find<T: JsCast>(root: &web_sys::Element, selector: &str) -> T {
        root.query_selector(selector)
            .ok()
            .flatten()
            .unwrap_or_else(|| panic!("no {selector}"))
            .dyn_into()
            .unwrap_or_else(|_| panic!("{selector} is not of the expected type"))
    }

    fn change(target: &web_sys::EventTarget) {
        let init = web_sys::EventInit::new();
        init.set_bubbles(true);
        let event = web_sys::Event::new_with_event_init_dict("change", &init).expect("an event");
        let _ = target.dispatch_event(&event);
    }

    #[wasm_bindgen_test]
    async fn the_traffic_tab_shows_the_simulators_counts_for_a_fixed_seed() {
        let root = mount_fresh().await;
        find::<web_sys::HtmlElement>(&root, "#tab-traffic").click();
        wait_for("the traffic view", || exists(&root, "#traffic-run")).await;
        // Animation off, 1,000 requests, seed 42: one change per rendered frame, since each
        // control's handler starts from the controls of the last render (two changes before
        // a render would keep only the second).
        let animate: web_sys::HtmlInputElement = find(&root, "#traffic-animate");
        if animate.checked() {
            animate.click();
        }
        next_frame().await;
        let requests: web_sys::HtmlSelectElement = find(&root, "#traffic-requests");
        requests.set_value("1000");
        change(&requests);
        next_frame().await;
        let seed: web_sys::HtmlInputElement = find(&root, "#traffic-seed");
        seed.set_value("42");
        change(&seed);
        next_frame().await;
        find::<web_sys::HtmlElement>(&root, "#traffic-run").click();
        // Finished: the curl loop is listed and no progress bar is left.
        wait_for("the simulation to finish", || {
            let done = exists(&root, "#traffic-curl").is_some()
                && exists(&root, "#traffic-progress progress").is_none()
                && exists(&root, ".traffic table.simulation tbody tr").is_some();
            done.then_some(())
        })
        .await;

        let analysis = svcplay::scenario::analyze(
            svcplay::examples::DEFAULT,
            svcplay::scenario::Options::default(),
        );
        let request = svcplay::simulate::SimRequest {
            node: Some("k8s-worker01".into()),
            dst: Some(("10.97.97.97".parse().expect("an IP"), 80)),
            requests: 1000,
            seed: 42,
            ..svcplay::simulate::SimRequest::default()
        };
        let expected = svcplay::simulate::run(&analysis, &request).expect("the simulation runs");
        assert_eq!(expected.endpoints.len(), 3);
        let shown = |id: String| {
            root.query_selector(&format!("[id=\"{id}\"]"))
                .ok()
                .flatten()
                .and_then(|e| e.text_content())
                .unwrap_or_else(|| panic!("no #{id}"))
        };
        let caption = root
            .query_selector(".traffic table.simulation caption")
            .ok()
            .flatten()
            .and_then(|c| c.text_content())
            .unwrap_or_default();
        for e in &expected.endpoints {
            assert_eq!(
                shown(format!("traffic-count-{}", e.address())),
                e.count.to_string(),
                "{} ({caption})",
                e.address()
            );
        }
        assert_eq!(
            shown("traffic-dropped".into()),
            expected.dropped.to_string()
        );
        assert_eq!(
            shown("traffic-rejected".into()),
            expected.rejected.to_string()
        );
        // The curl loop lists the first ten requests after its command line.
        let curl = shown("traffic-curl".into());
        assert!(
            curl.starts_with("$ while true; do curl -s 10.97.97.97:80; done\n"),
            "{curl}"
        );
        assert_eq!(curl.lines().count(), 11, "{curl}");
        // An event edits the text and runs the same requests again: a fourth Pod appears
        // on the "after" side.
        let scale_up = format!(
            "{} dev/pc-deployment",
            crate::ui::i18n::Msg::ScaleUp.text(crate::ui::i18n::Lang::En)
        );
        let buttons = root
            .query_selector_all(".sim-events button")
            .expect("buttons");
        let button = (0..buttons.length())
            .filter_map(|i| buttons.item(i))
            .find(|b| b.text_content().as_deref() == Some(scale_up.as_str()))
            .unwrap_or_else(|| panic!("no button {scale_up:?}"));
        button
            .dyn_into::<web_sys::HtmlElement>()
            .expect("a button")
            .click();
        wait_for("the before/after table with a fourth Pod", || {
            let compare = root.query_selector("#traffic-compare").ok().flatten()?;
            let rows = compare.query_selector_all("tbody tr").ok()?.length();
            (rows == 4 + 2).then_some(())
        })
        .await;
        let compare: web_sys::Element = find(&root, "#traffic-compare");
        let rows = compare
            .query_selector_all("tbody tr")
            .expect("rows")
            .length();
        assert_eq!(rows, 4 + 2, "{:?}", compare.text_content());
        let scaled = svcplay::examples::DEFAULT.replace("replicas: 3", "replicas: 4");
        let analysis = svcplay::scenario::analyze(&scaled, svcplay::scenario::Options::default());
        let after = svcplay::simulate::run(&analysis, &request).expect("the simulation runs");
        assert_eq!(after.endpoints.len(), 4);
        for e in &after.endpoints {
            assert_eq!(
                shown(format!("traffic-count-{}", e.address())),
                e.count.to_string(),
                "{}",
                e.address()
            );
        }
        // The scaled text is saved after a pause: wait for it, then forget it, for the
        // tests after this one.
        let storage = web_sys::window()
            .and_then(|w| w.local_storage().ok().flatten())
            .expect("local storage");
        wait_for("the scaled text to be saved", || {
            storage
                .get_item("svcplay.text")
                .ok()
                .flatten()
                .filter(|t| t.contains("replicas: 4"))
        })
        .await;
        let _ = storage.clear();
        // The app keeps its view in the URL: leave it on the kube-proxy view for the tests
        // that mount after this one.
        find::<web_sys::HtmlElement>(&root, "#tab-rules").click();
        wait_for("the kube-proxy view", || exists(&root, "#rules")).await;
        root.remove();
    }

    /// Issue 21, item 12: a share link's data is inflated as a stream that stops at the
    /// size limit; a link under the limit still opens.
    #[wasm_bindgen_test]
    async fn inflating_a_link_stops_at_the_size_limit() {
        use crate::ui::dom::{InflateError, deflate, inflate};
        // 8 MB of one byte: about 8 KB once compressed.
        let big = "#".repeat(8 << 20);
        let data = deflate(&big).await.expect("compressed");
        assert!(data.len() < 100_000, "{}", data.len());
        assert_eq!(inflate(&data, 1 << 20).await, Err(InflateError::TooLarge));
        assert_eq!(
            inflate(&data, 16 << 20).await.map(|t| t.len()),
            Ok(big.len())
        );
        let small = deflate("svcplay-share 1\n\nkind: Service\n")
            .await
            .expect("compressed");
        assert_eq!(
            inflate(&small, 1 << 20).await.as_deref(),
            Ok("svcplay-share 1\n\nkind: Service\n")
        );
        assert_eq!(
            inflate("not base64!", 1 << 20).await,
            Err(InflateError::Damaged)
        );
        let cut = &small[..small.len() / 2];
        assert_eq!(inflate(cut, 1 << 20).await, Err(InflateError::Damaged));
    }
}
