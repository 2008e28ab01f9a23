//! The first load (issue 19, item 1): a fresh visit shows the default lab as the app rendered
//! it at build time (`static/build/prerender.mjs`), with the rules on screen and a textarea
//! taking input, before the app's module is even asked for (`static/loader.js`); the app then
//! takes over without losing what the reader did meanwhile. The test server holds the app's
//! module back (`StaticServer::hold`) so that the test can act before it arrives; every wait
//! is a condition. Writes `test-output/first-load.txt`: what the browser fetched before the
//! page was interactive, with the gzip size of each file against the 300 KB budget, what it
//! fetched after, and how long the app took to be live.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

use crate::page::{Page, UPDATE_TIMEOUT, walk};
use crate::support::json::Json;

/// What the app's module files have in their names (the glue `svcplay-web-HASH.js` and the
/// wasm `svcplay-web-HASH_bg.wasm`): the test server holds these back.
const MODULE: &str = "svcplay-web-";

#[test]
fn the_prerendered_first_view() {
    walk(
        "e2e_prerender",
        "chromedriver-prerender",
        "1366,900",
        "prerender-failure",
        "the pre-rendered first view",
        |page| {
            let dist = crate::support::e2e_dist("e2e_prerender").ok_or("no dist")?;
            page.first_load(&dist)?;
            page.typed_before_the_app()?;
            page.clicked_before_the_app()?;
            page.chinese_reader()?;
            page.links_and_saved_work_bypass_it()
        },
    );
}

impl Page<'_> {
    fn hold(&self, part: &str) {
        if let Some(server) = self.server.borrow().as_ref() {
            server.hold(part);
        }
    }

    fn release(&self) {
        if let Some(server) = self.server.borrow().as_ref() {
            server.release();
        }
    }

    fn arrived(&self) -> Vec<String> {
        self.server
            .borrow()
            .as_ref()
            .map(|s| s.arrived())
            .unwrap_or_default()
    }

    fn truth(&self, script: &str) -> Result<bool, String> {
        Ok(self.exec(script, vec![])? == Json::Bool(true))
    }

    fn until_true(&self, what: &str, script: &str) -> Result<(), String> {
        self.wait(what, UPDATE_TIMEOUT, || {
            Ok(self.truth(script)?.then_some(()))
        })
    }

    /// A visit as a first-time reader makes it: nothing of this origin kept (local storage,
    /// the service worker and its cache, which would hand out the module at once).
    fn first_time(&self, url: &str) -> Result<(), String> {
        self.session.navigate("about:blank")?;
        self.session.devtools(
            "Storage.clearDataForOrigin",
            Json::object([
                ("origin", Json::from(self.url.trim_end_matches('/'))),
                (
                    "storageTypes",
                    Json::from("local_storage,service_workers,cache_storage"),
                ),
            ]),
        )?;
        self.session.navigate(url)
    }

    /// The pre-rendered lab on screen (its rules, its editor), the app not there yet.
    fn prerender_shown(&self) -> Result<(), String> {
        self.until_true(
            "the pre-rendered lab",
            "const r = document.getElementById('rules'); const e = document.getElementById('editor');
             return document.documentElement.hasAttribute('data-prerender')
                 && document.documentElement.hasAttribute('data-prerender-painted-ms')
                 && !!r && r.textContent.includes('-d 10.97.97.97')
                 && !!e && e.tagName === 'TEXTAREA' && !e.readOnly && e.value.includes('kind: Service');",
        )
    }

    fn app_live(&self) -> Result<(), String> {
        self.until_true(
            "the app to take over",
            "return !document.documentElement.hasAttribute('data-prerender')
                 && document.documentElement.hasAttribute('data-prerender-live-ms')
                 && !!document.getElementById('editor') && !!document.getElementById('view-panel');",
        )
    }

    /// A fresh visit untouched: the pre-render is painted before the module is asked for,
    /// the module comes when the page is idle, and the app takes over by itself. The files
    /// fetched until the pre-render's first paint are the first load.
    fn first_load(&self, dist: &Path) -> Result<(), String> {
        self.hold(MODULE);
        self.first_time(&self.url)?;
        self.prerender_shown()?;
        let early: Vec<String> = self.arrived();
        if let Some(f) = early.iter().position(|p| p.contains(MODULE)) {
            // Asked for once idle (held here): never before the page itself and its style.
            if !early[..f].iter().any(|p| p.ends_with(".css")) {
                return Err(format!(
                    "the module was asked for before the page's style: {early:?}"
                ));
            }
        }
        self.screenshot("prerender-en-first-paint")?;
        let axe = self.axe_violations()?;
        if axe != "[]" {
            return Err(format!("axe-core on the pre-rendered lab: {axe}"));
        }
        self.release();
        self.app_live()?;
        self.default_rules()?;
        let timings = self.exec(
            "const r = document.documentElement; const ms = n => +r.getAttribute('data-prerender-' + n + '-ms');
             const wasm = performance.getEntriesByType('resource').find(e => e.name.endsWith('.wasm'));
             return [ms('painted'), ms('requested'), wasm ? wasm.startTime : -1];",
            vec![],
        )?;
        let number = |i: usize| at(&timings, i).and_then(number).unwrap_or(-1.0);
        let (painted, requested, wasm) = (number(0), number(1), number(2));
        if !(painted > 0.0 && requested >= painted && wasm >= painted) {
            return Err(format!(
                "the module was asked for before the pre-render was painted: painted {painted} ms, requested {requested} ms, wasm fetched from {wasm} ms"
            ));
        }

        // The same visit, nothing held: what it costs and how soon the app is live.
        self.first_time(&self.url)?;
        self.prerender_shown()?;
        self.app_live()?;
        self.default_rules()?;
        self.screenshot("prerender-en-app-live")?;
        self.report(dist)
    }

    /// first-load.txt: the files the browser fetched before the pre-render's first paint
    /// (the page is interactive then: the lab's rules on screen, the editor taking input),
    /// from the page's performance entries, each with its gzip -9 size; the files fetched
    /// after, for the app; and the loader's timings.
    fn report(&self, dist: &Path) -> Result<(), String> {
        let entries = self.exec(
            "const r = document.documentElement; const ms = n => +r.getAttribute('data-prerender-' + n + '-ms');
             const nav = performance.getEntriesByType('navigation')[0];
             const files = [[nav.name, 0]].concat(performance.getEntriesByType('resource').map(e => [e.name, e.startTime]));
             return {files, painted: ms('painted'), requested: ms('requested'), live: ms('live'),
                     interactive: +r.getAttribute('data-interactive-ms')};",
            vec![],
        )?;
        let get = |k: &str| entries.get(k).and_then(number).unwrap_or(-1.0);
        let painted = get("painted");
        let Some(Json::Array(files)) = entries.get("files") else {
            return Err(format!("no performance entries: {entries:?}"));
        };
        let base = self.url.trim_end_matches('/');
        let mut first = String::new();
        let mut later = String::new();
        let (mut first_raw, mut first_gzip, mut later_gzip) = (0, 0, 0);
        let mut seen = Vec::new();
        for file in files {
            let (Some(url), Some(start)) = (
                at(file, 0).and_then(Json::as_str),
                at(file, 1).and_then(number),
            ) else {
                continue;
            };
            let Some(path) = url.strip_prefix(base) else {
                return Err(format!("the page fetched {url}, which is not its own"));
            };
            let path = match path
                .split(['?', '#'])
                .next()
                .unwrap_or("")
                .trim_start_matches('/')
            {
                "" => "index.html".to_string(),
                p => p.to_string(),
            };
            if seen.contains(&path) {
                continue;
            }
            seen.push(path.clone());
            let file = dist.join(&path);
            let raw = std::fs::metadata(&file)
                .map_err(|e| format!("the page fetched {path}, not in dist/: {e}"))?
                .len();
            let gzip = gzip_size(&file)?;
            let line = format!("  {path:<64} {raw:>10} {gzip:>10}  at {start:>6.0} ms\n");
            if start <= painted {
                first_raw += raw;
                first_gzip += gzip;
                first.push_str(&line);
            } else {
                later_gzip += gzip;
                later.push_str(&line);
            }
        }
        if first.contains(".wasm") {
            return Err(format!("the wasm module is in the first load:\n{first}"));
        }
        let mut report = String::new();
        let _ = writeln!(
            report,
            "First load: what headless Chromium (1366×900, fresh visit, nothing cached) fetched before the page \
             was interactive — the pre-rendered default lab painted at {painted:.0} ms with its rules on screen \
             and the editor taking input — from the page's performance entries; gzip -9 of each file"
        );
        let _ = writeln!(report, "  {:<64} {:>10} {:>10}", "file", "bytes", "gzip");
        report.push_str(&first);
        let _ = writeln!(report, "  {:<64} {first_raw:>10} {first_gzip:>10}", "total");
        let _ = writeln!(
            report,
            "  first load: {} KB gzip (budget 300 KB, ratio {:.2})",
            (first_gzip + 500) / 1000,
            first_gzip as f64 / 300_000.0
        );
        let _ = writeln!(
            report,
            "Fetched after the first paint, for the app (the loader asks when the page is idle, or at the first interaction):"
        );
        report.push_str(&later);
        let _ = writeln!(report, "  total gzip: {} KB", (later_gzip + 500) / 1000);
        let _ = writeln!(
            report,
            "Time (ms since navigation): pre-render painted {painted:.0}; app's module asked for {:.0}; \
             app live (took over the pre-render) {:.0}; the app's first panel {:.0}. Measured, not asserted.",
            get("requested"),
            get("live"),
            get("interactive")
        );
        let path = self.out.join("first-load.txt");
        std::fs::write(&path, &report)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        let _ = std::io::Write::write_all(&mut std::io::stderr(), report.as_bytes());
        Ok(())
    }

    /// Text typed into the pre-render before the module arrives is the reader's edit: kept,
    /// analysed by the app, saved like any edit; the caret and focus stay where they were.
    fn typed_before_the_app(&self) -> Result<(), String> {
        self.hold(MODULE);
        self.first_time(&self.url)?;
        self.prerender_shown()?;
        // The caret right after "replicas: 3", then Backspace and 5: 3 → 5 replicas.
        self.exec(
            "const e = document.getElementById('editor'); const at = e.value.indexOf('replicas: 3') + 'replicas: 3'.length;
             e.focus(); e.setSelectionRange(at, at);",
            vec![],
        )?;
        self.session.keys(&["\u{E003}", "5"])?;
        self.until_true(
            "the typed text in the pre-render's editor, shown plain",
            "const e = document.getElementById('editor');
             return e.value.includes('replicas: 5') && document.activeElement === e
                 && document.documentElement.getAttribute('data-prerender-editor') === 'plain';",
        )?;
        let caret = self.exec(
            "return document.getElementById('editor').selectionStart;",
            vec![],
        )?;
        self.screenshot("prerender-typed-before-the-app")?;
        if !self.arrived().iter().any(|p| p.contains(MODULE)) {
            return Err("typing did not ask for the app's module".into());
        }
        self.release();
        self.app_live()?;
        self.wait(
            "the app's analysis of the typed text",
            UPDATE_TIMEOUT,
            || {
                let rules = self.rules_text()?;
                Ok(rules.contains("--probability 0.2000000000").then_some(()))
            },
        )?;
        let expected = Json::from(vec![
            Json::Bool(true),
            Json::Bool(true),
            caret.clone(),
            Json::Bool(true),
        ]);
        // The take-over restores focus, caret and readout as it goes: polled, not read once.
        let mut state = Json::Null;
        self.wait(
            "the editor focused at the typed caret, its readout at line 60",
            UPDATE_TIMEOUT,
            || {
                state = self.exec(
                    "const e = document.getElementById('editor');
                     return [e.value.includes('replicas: 5'), document.activeElement === e, e.selectionStart,
                             document.querySelector('.cursor-pos').textContent.includes('line 60,')];",
                    vec![],
                )?;
                Ok((state == expected).then_some(()))
            },
        )
        .map_err(|e| {
            format!(
                "{e}: after the take-over the editor is [typed text kept, focused, caret, its readout at line 60] = {state:?}, not {expected:?}"
            )
        })?;
        self.wait("the typed text saved as the draft", UPDATE_TIMEOUT, || {
            let kept = self.string("return localStorage.getItem('svcplay.text') || '';", vec![])?;
            Ok(kept.contains("replicas: 5").then_some(()))
        })?;
        self.screenshot("prerender-typed-app-live")
    }

    /// A view's tab clicked before the module arrives: a loading line, then the app opens
    /// that view.
    fn clicked_before_the_app(&self) -> Result<(), String> {
        self.hold(MODULE);
        self.first_time(&self.url)?;
        self.prerender_shown()?;
        self.click("#tab-endpoints")?;
        self.until_true(
            "the loading line",
            "const s = document.querySelector('.prerender-status');
             return document.documentElement.getAttribute('data-prerender') === 'loading'
                 && !!s && getComputedStyle(s).display !== 'none' && s.textContent.includes('Loading');",
        )?;
        self.screenshot("prerender-clicked-before-the-app")?;
        self.release();
        self.app_live()?;
        self.panel_shown("endpoints")
    }

    /// A Chinese reader (their saved choice, and the browser's language through `?lang=`)
    /// gets the Chinese pre-render: the app's Chinese words and the lab's Chinese text.
    fn chinese_reader(&self) -> Result<(), String> {
        self.hold(MODULE);
        self.first_time(&self.url)?;
        self.exec("localStorage.setItem('svcplay.lang', 'zh');", vec![])?;
        self.session.navigate(&self.url)?;
        self.prerender_shown()?;
        self.until_true(
            "the Chinese pre-render",
            "return document.documentElement.lang === 'zh-CN'
                 && document.getElementById('tab-rules').textContent !== 'Rules'
                 && /[\\u4e00-\\u9fff]/.test(document.querySelector('header').textContent);",
        )?;
        self.screenshot("prerender-zh-first-paint")?;
        let axe = self.axe_violations()?;
        if axe != "[]" {
            return Err(format!("axe-core on the Chinese pre-render: {axe}"));
        }
        // The dark theme, asked for in the address bar.
        self.session
            .navigate(&format!("{}?lang=zh-CN&theme=dark", self.url))?;
        self.prerender_shown()?;
        self.until_true(
            "the Chinese pre-render in the dark theme",
            "return document.documentElement.lang === 'zh-CN'
                 && document.documentElement.getAttribute('data-theme') === 'dark'
                 && getComputedStyle(document.body).backgroundColor !== 'rgb(246, 247, 249)';",
        )?;
        self.screenshot("prerender-zh-dark-first-paint")?;
        self.release();
        self.app_live()?;
        self.until_true(
            "the app in Chinese",
            "return document.documentElement.lang === 'zh-CN' && document.getElementById('tab-rules').textContent !== 'Rules';",
        )
    }

    /// A link (a fragment), work saved in this browser, an embed: the app at once, never
    /// the lab (the loader never painted it; it asked for the module at once).
    fn links_and_saved_work_bypass_it(&self) -> Result<(), String> {
        let bypassed = "return !document.documentElement.hasAttribute('data-prerender-painted-ms')
                            && document.documentElement.hasAttribute('data-prerender-requested-ms');";
        self.first_time(&format!("{}#example=nodeport", self.url))?;
        self.app_live()?;
        self.until_true("a link to bypass the pre-render", bypassed)?;
        self.until_true(
            "the linked example",
            "const l = document.getElementById('lab'); return !!l && l.dataset.example === 'nodeport';",
        )?;
        // Saved work: the draft this browser kept.
        self.first_time("about:blank")?;
        self.session.navigate(&format!("{}?lang=en", self.url))?;
        self.exec(
            "localStorage.setItem('svcplay.text', 'apiVersion: v1\\nkind: Namespace\\nmetadata: {name: mine}\\n');",
            vec![],
        )?;
        self.session.navigate(&self.url)?;
        self.app_live()?;
        self.until_true("saved work to bypass the pre-render", bypassed)?;
        let kept = self.string("return document.getElementById('editor').value;", vec![])?;
        if !kept.contains("name: mine") {
            return Err(format!("the saved work did not open: {kept:?}"));
        }
        // An embed.
        self.first_time(&format!("{}?embed=1", self.url))?;
        self.app_live()?;
        self.until_true("an embed to bypass the pre-render", bypassed)
    }
}

fn at(json: &Json, i: usize) -> Option<&Json> {
    match json {
        Json::Array(items) => items.get(i),
        _ => None,
    }
}

fn number(json: &Json) -> Option<f64> {
    match json {
        Json::Number(n) => Some(*n),
        _ => None,
    }
}

/// The size of `file` compressed with `gzip -9`, as the size report measures.
fn gzip_size(file: &Path) -> Result<u64, String> {
    let out = Command::new("gzip")
        .arg("-9")
        .arg("-c")
        .arg(file)
        .output()
        .map_err(|e| format!("cannot run gzip: {e}"))?;
    if !out.status.success() {
        return Err(format!("gzip {} failed", file.display()));
    }
    Ok(out.stdout.len() as u64)
}
