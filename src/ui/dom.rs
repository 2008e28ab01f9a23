//! The page's side effects: the browser services of `static/glue.js`, local storage, the
//! URL. Only the app shell and event handlers call these; natively they are never called
//! (the reducers and snapshots are what the native tests exercise).
//!
//! Timers and event listeners are gloo's (`gloo::timers`, `gloo::events`), already in the
//! build through Yew. Local storage stays here: gloo's `LocalStorage` stores values as
//! JSON through serde (a saved draft would no longer read back as the text it is, and
//! serde_json would join the wasm), and its `raw()` throws where the browser forbids
//! storage (a sandboxed embed), where these functions do without it.

use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/static/glue.js")]
extern "C" {
    #[wasm_bindgen(js_name = deflate)]
    fn deflate_js(text: &str) -> js_sys::Promise;
    #[wasm_bindgen(js_name = inflate)]
    fn inflate_js(text: &str, max_bytes: f64) -> js_sys::Promise;
    #[wasm_bindgen(js_name = copyText)]
    fn copy_text_js(text: &str) -> js_sys::Promise;
    pub fn download(name: &str, text: &str);
    #[wasm_bindgen(js_name = pickFile)]
    pub fn pick_file(on_text: &js_sys::Function, max_bytes: f64);
    #[wasm_bindgen(js_name = insertText)]
    pub fn insert_text(area: &web_sys::HtmlTextAreaElement, text: &str);
    #[wasm_bindgen(js_name = replaceAll)]
    pub fn replace_all(area: &web_sys::HtmlTextAreaElement, text: &str);
    #[wasm_bindgen(js_name = editCommand)]
    pub fn edit_command(area: &web_sys::HtmlTextAreaElement, command: &str);
    #[wasm_bindgen(js_name = startWorker)]
    pub fn start_worker(
        module: JsValue,
        on_message: &js_sys::Function,
        on_ready: &js_sys::Function,
    ) -> JsValue;
    #[wasm_bindgen(js_name = postToWorker)]
    pub fn post_to_worker(worker: &JsValue, bytes: &js_sys::Uint8Array);
    #[wasm_bindgen(js_name = registerServiceWorker)]
    pub fn register_service_worker();
    #[wasm_bindgen(js_name = exportSvg)]
    pub fn export_svg(svg: &web_sys::Element, name: &str, width: f64, height: f64);
    #[wasm_bindgen(js_name = exportPng)]
    pub fn export_png(svg: &web_sys::Element, name: &str, width: f64, height: f64);
    #[wasm_bindgen(js_name = fetchText)]
    fn fetch_text_js(url: &str, max_bytes: f64) -> js_sys::Promise;
    #[wasm_bindgen(js_name = afterPaint)]
    pub fn after_paint(callback: &js_sys::Function);
    #[wasm_bindgen(js_name = prerenderHandover)]
    pub fn prerender_handover() -> Option<String>;
    #[wasm_bindgen(js_name = prerenderLive)]
    pub fn prerender_live();
}

async fn string_of(promise: js_sys::Promise) -> Option<String> {
    wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .ok()
        .and_then(|v| v.as_string())
}

/// DEFLATE + base64url of `text` (the browser's CompressionStream).
pub async fn deflate(text: &str) -> Option<String> {
    string_of(deflate_js(text)).await
}

/// Why a link's data could not be inflated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InflateError {
    /// Damaged, cut short, or not UTF-8.
    Damaged,
    /// It inflates to more than the limit: `glue.js` stopped reading there.
    TooLarge,
}

/// The text of a DEFLATE + base64url string, read as a stream that stops once it passes
/// `max_bytes` (so a DEFLATE bomb never becomes a string).
pub async fn inflate(text: &str, max_bytes: usize) -> Result<String, InflateError> {
    match wasm_bindgen_futures::JsFuture::from(inflate_js(text, max_bytes as f64)).await {
        Ok(v) => v.as_string().ok_or(InflateError::Damaged),
        Err(e) => {
            let too_large = js_sys::Reflect::get(&e, &JsValue::from_str("name"))
                .ok()
                .and_then(|n| n.as_string())
                .is_some_and(|n| n == "TooLarge");
            Err(if too_large {
                InflateError::TooLarge
            } else {
                InflateError::Damaged
            })
        }
    }
}

pub async fn copy_text(text: &str) -> bool {
    wasm_bindgen_futures::JsFuture::from(copy_text_js(text))
        .await
        .ok()
        .and_then(|v| v.as_bool())
        .unwrap_or(false)
}

pub fn window() -> Option<web_sys::Window> {
    web_sys::window()
}

/// Milliseconds on the page's monotonic clock (`performance.now()`; 0 where there is none),
/// or the worker's in the worker.
pub fn now_ms() -> f64 {
    // Natively (the page's and the worker's unit tests) there is no clock to read.
    if !cfg!(target_arch = "wasm32") {
        return 0.0;
    }
    match window() {
        Some(w) => w.performance().map(|p| p.now()).unwrap_or_default(),
        None if cfg!(target_arch = "wasm32") => {
            js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("performance"))
                .ok()
                .and_then(|p| p.dyn_into::<web_sys::Performance>().ok())
                .map(|p| p.now())
                .unwrap_or_default()
        }
        None => 0.0,
    }
}

/// Where one keystroke's time goes, phase by phase: while a value made by [`timed`] lives
/// (a reduce, a panel, a component's view), its time is measured, and when it goes it is
/// appended as `[name, ms, when it ended]` to `window.__svcplayMarks` — only when a tool set that to an
/// array (the end-to-end timing report does); otherwise it costs one property read. In the
/// worker, `static/worker.js` sets it for each request and sends the marks to the page,
/// which hands them to the same tool (`window.__svcplayWorkerMarks`).
pub struct Timed {
    name: &'static str,
    start: f64,
    marks: Option<js_sys::Array>,
}

/// Starts timing the phase `name` (see [`Timed`]).
pub fn timed(name: &'static str) -> Timed {
    let marks = recording();
    let start = if marks.is_some() { now_ms() } else { 0.0 };
    Timed { name, start, marks }
}

/// The marks a tool set to record ([`Timed`]), if any.
fn recording() -> Option<js_sys::Array> {
    if cfg!(target_arch = "wasm32") {
        js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("__svcplayMarks"))
            .ok()
            .and_then(|m| m.dyn_into::<js_sys::Array>().ok())
    } else {
        None
    }
}

impl Drop for Timed {
    fn drop(&mut self) {
        if let Some(marks) = &self.marks {
            let now = now_ms();
            marks.push(&js_sys::Array::of3(
                &JsValue::from_str(self.name),
                &JsValue::from_f64(now - self.start),
                &JsValue::from_f64(now),
            ));
        }
    }
}

/// The stages of one phase, each timed from the end of the one before ([`Stages::mark`]),
/// appended to the same marks as [`timed`]'s as `"{phase}: {stage}"`: how the worker's
/// "analysis" splits, with [`svcplay::scenario::Analysis::edit_marked`]'s stages (the core
/// names them, the worker reads the clock). Costs one property read when nothing records.
pub struct Stages {
    phase: &'static str,
    last: f64,
    marks: Option<js_sys::Array>,
}

/// Starts the stages of the phase `phase` (see [`Stages`]).
pub fn stages(phase: &'static str) -> Stages {
    let marks = recording();
    let last = if marks.is_some() { now_ms() } else { 0.0 };
    Stages { phase, last, marks }
}

impl Stages {
    /// Ends the stage `stage`, begun at the last mark (or when these stages began).
    pub fn mark(&mut self, stage: impl std::fmt::Display) {
        if let Some(marks) = &self.marks {
            let now = now_ms();
            marks.push(&js_sys::Array::of3(
                &JsValue::from_str(&format!("{}: {stage}", self.phase)),
                &JsValue::from_f64(now - self.last),
                &JsValue::from_f64(now),
            ));
            self.last = now;
        }
    }
}

pub fn document() -> Option<web_sys::Document> {
    window()?.document()
}

fn storage() -> Option<web_sys::Storage> {
    window()?.local_storage().ok().flatten()
}

pub fn load(key: &str) -> Option<String> {
    storage()?.get_item(key).ok().flatten()
}

/// Saves a value; `false` when the storage is full, forbidden or missing (the caller tells
/// the user when what failed to save is their work).
pub fn save(key: &str, value: &str) -> bool {
    storage().is_some_and(|s| s.set_item(key, value).is_ok())
}

pub fn remove(key: &str) {
    if let Some(s) = storage() {
        let _ = s.remove_item(key);
    }
}

/// Milliseconds since the epoch (`Date.now()`): when a scenario went into the history.
pub fn epoch_ms() -> f64 {
    js_sys::Date::now()
}

/// `location.search` without the `?`, and `location.hash` without the `#`.
pub fn location() -> (String, String) {
    let Some(location) = window().map(|w| w.location()) else {
        return (String::new(), String::new());
    };
    let search = location.search().unwrap_or_default();
    let hash = location.hash().unwrap_or_default();
    (
        search.trim_start_matches('?').to_string(),
        hash.trim_start_matches('#').to_string(),
    )
}

/// Replaces the URL's query and fragment without reloading or adding history.
pub fn replace_url(search: &str, hash: &str) {
    let Some(window) = window() else { return };
    let path = window.location().pathname().unwrap_or_default();
    let mut url = path;
    if !search.is_empty() {
        url.push('?');
        url.push_str(search);
    }
    if !hash.is_empty() {
        url.push('#');
        url.push_str(hash);
    }
    if let Ok(history) = window.history() {
        let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&url));
    }
}

/// The page's own address without query and fragment.
/// Fetches a text file of this site (a self-hosted lesson), up to `max_bytes`; the error
/// says why not, in the browser's words.
pub async fn fetch_text(url: &str, max_bytes: usize) -> Result<String, String> {
    match wasm_bindgen_futures::JsFuture::from(fetch_text_js(url, max_bytes as f64)).await {
        Ok(v) => v.as_string().ok_or_else(|| "not text".to_string()),
        Err(e) => Err(js_sys::Error::from(e).message().into()),
    }
}

/// The page's origin (`https://host:port`).
pub fn origin() -> String {
    window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default()
}

pub fn page_url() -> String {
    window()
        .and_then(|w| {
            let l = w.location();
            Some(format!("{}{}", l.origin().ok()?, l.pathname().ok()?))
        })
        .unwrap_or_default()
}

pub fn set_root_attribute(name: &str, value: &str) {
    if let Some(root) = document().and_then(|d| d.document_element()) {
        let _ = root.set_attribute(name, value);
    }
}

pub fn focus(id: &str) {
    if let Some(element) = document()
        .and_then(|d| d.get_element_by_id(id))
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    {
        let _ = element.focus();
    }
}

/// The browser's preferred languages, best first.
pub fn browser_languages() -> Vec<String> {
    window()
        .map(|w| {
            w.navigator()
                .languages()
                .iter()
                .filter_map(|v| v.as_string())
                .collect()
        })
        .unwrap_or_default()
}

pub fn prefers_dark() -> bool {
    window()
        .and_then(|w| w.match_media("(prefers-color-scheme: dark)").ok().flatten())
        .is_some_and(|m| m.matches())
}

/// Runs `f` after `ms` milliseconds (a gloo timeout that nothing cancels).
pub fn after(ms: u32, f: impl FnOnce() + 'static) {
    gloo::timers::callback::Timeout::new(ms, f).forget();
}

/// Runs `f` when the page goes away or out of sight (`pagehide`; `visibilitychange` to
/// hidden, after which a phone may discard the tab without any other event): a page that
/// gets there was not frozen, and must save what is not saved yet.
pub fn on_page_hide(f: impl Fn() + 'static) {
    let Some(window) = window() else { return };
    let f = std::rc::Rc::new(f);
    let on_hide = {
        let f = f.clone();
        Closure::<dyn Fn()>::new(move || f())
    };
    let _ = window.add_event_listener_with_callback("pagehide", on_hide.as_ref().unchecked_ref());
    on_hide.forget();
    if let Some(doc) = document() {
        let on_visibility = Closure::<dyn Fn()>::new(move || {
            if document().is_some_and(|d| d.hidden()) {
                f();
            }
        });
        let _ = doc.add_event_listener_with_callback(
            "visibilitychange",
            on_visibility.as_ref().unchecked_ref(),
        );
        on_visibility.forget();
    }
}

/// Runs `f` on every fragment navigation (`hashchange`; `history.replaceState` fires none).
pub fn on_hash_change(f: impl Fn() + 'static) {
    let Some(window) = window() else { return };
    let callback = Closure::<dyn Fn()>::new(f);
    let _ =
        window.add_event_listener_with_callback("hashchange", callback.as_ref().unchecked_ref());
    callback.forget();
}
