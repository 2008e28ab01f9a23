//! End-to-end tests of a page a learner can work in (issue 22) and of the page's hostile
//! inputs (issue 21, items 12–17), in headless Chromium: edits survive reloads, links and
//! examples; links carry no language or theme; a poisoned draft opens paused; a DEFLATE
//! bomb is refused; texts from outside are analysed off the main thread; keyboard and
//! dialogs; axe-core; Chinese typography; the service worker's update. Screenshots at
//! 1440×900, 1280×720 and 390×844 go to `test-output/` (`work-*.png`).
//!
//! The steps are methods of the walk-through's [`Page`] (`tests/e2e/page.rs`), which calls
//! them in its story; [`first_paint_on_a_slow_network`] is a test of its own, in a fresh
//! browser, and also runs against an older build (`SVCPLAY_E2E_DIST`) for comparison.

use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

use crate::page::{BROWSER, Page, RENDER_TIMEOUT, UPDATE_TIMEOUT, example, out_dir};
use crate::support::TempDir;
use crate::support::http::StaticServer;
use crate::support::json::Json;
use crate::support::webdriver::{ChromeDriver, Session, keys};

/// The three sizes every point is pictured at: a laptop, a small laptop, a phone.
const SIZES: [(f64, f64); 3] = [(1440.0, 900.0), (1280.0, 720.0), (390.0, 844.0)];

/// Every view of the page (its tab's id) with its single-key shortcut, in the tabs' order
/// (`Tab::ALL` and `Tab::shortcut` in `src/ui/snapshot.rs`).
pub(crate) const VIEWS: [(&str, &str); 13] = [
    ("rules", "1"),
    ("nodes", "2"),
    ("check", "3"),
    ("objects", "4"),
    ("selectors", "5"),
    ("endpoints", "6"),
    ("dns", "7"),
    ("traffic", "8"),
    ("diagram", "9"),
    ("terminal", "0"),
    ("changes", "c"),
    ("compare", "m"),
    ("versions", "v"),
];

/// What `chinese_typography` in `src/ui/i18n.rs` checks, on the text the page shows:
/// half-width `, : ; ( )` next to a Chinese character.
fn half_width_next_to_chinese(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let cjk = |c: char| ('\u{4e00}'..='\u{9fff}').contains(&c);
    let near = |i: usize, step: isize| {
        let mut j = i as isize;
        loop {
            j += step;
            match usize::try_from(j).ok().and_then(|j| chars.get(j)) {
                Some(' ') => continue,
                other => return other.copied(),
            }
        }
    };
    chars
        .iter()
        .enumerate()
        .filter(|(i, c)| {
            ",:;()".contains(**c) && (near(*i, -1).is_some_and(cjk) || near(*i, 1).is_some_and(cjk))
        })
        .map(|(i, _)| {
            chars[i.saturating_sub(8)..(i + 8).min(chars.len())]
                .iter()
                .collect()
        })
        .collect()
}

impl Page<'_> {
    fn devtools(&self, cmd: &str, params: Json) -> Result<Json, String> {
        self.session.devtools(cmd, params)
    }

    fn bool(&self, script: &str, args: Vec<Json>) -> Result<bool, String> {
        Ok(self.exec(script, args)? == Json::Bool(true))
    }

    pub(crate) fn until(&self, what: &str, script: &str, args: Vec<Json>) -> Result<(), String> {
        self.wait(what, UPDATE_TIMEOUT, || {
            Ok(self.bool(script, args.clone())?.then_some(()))
        })
    }

    fn editor_value(&self) -> Result<String, String> {
        self.string(
            "const e = document.getElementById('editor'); return e ? e.value : '';",
            vec![],
        )
    }

    /// The page as a first visitor sees it: local storage emptied while no page of the
    /// origin is open (an open page would save its draft again as it goes).
    fn fresh(&self, query: &str) -> Result<(), String> {
        self.session.navigate("about:blank")?;
        self.devtools(
            "Storage.clearDataForOrigin",
            Json::object([
                ("origin", Json::from(self.url.trim_end_matches('/'))),
                ("storageTypes", Json::from("local_storage")),
            ]),
        )?;
        self.open(query)
    }

    /// The viewport at `width` × `height` CSS pixels (a phone when narrow).
    fn viewport(&self, width: f64, height: f64) -> Result<(), String> {
        self.devtools(
            "Emulation.setDeviceMetricsOverride",
            Json::object([
                ("width", Json::from(width)),
                ("height", Json::from(height)),
                (
                    "deviceScaleFactor",
                    Json::from(if width < 500.0 { 2.0 } else { 1.0 }),
                ),
                ("mobile", Json::from(width < 500.0)),
            ]),
        )?;
        self.until(
            "the viewport's new width",
            "return innerWidth === arguments[0];",
            vec![Json::from(width)],
        )
    }

    fn default_viewport(&self) -> Result<(), String> {
        self.devtools("Emulation.clearDeviceMetricsOverride", Json::object([]))
            .map(drop)
    }

    /// Screenshots `work-{name}-{w}x{h}.png` at the three sizes, scrolling `focus` (a
    /// selector) into view first when given.
    fn shots(&self, name: &str, focus: Option<&str>) -> Result<(), String> {
        let result = (|| {
            for (w, h) in SIZES {
                self.viewport(w, h)?;
                if let Some(selector) = focus {
                    self.exec(
                        "const e = document.querySelector(arguments[0]); if (e) e.scrollIntoView({block: 'nearest'});",
                        vec![Json::from(selector)],
                    )?;
                }
                // Two frames, so the new layout is painted.
                self.exec(
                    "return new Promise(done => requestAnimationFrame(() => requestAnimationFrame(() => done(true))));",
                    vec![],
                )?;
                self.screenshot(&format!("work-{name}-{w}x{h}"))?;
            }
            Ok(())
        })();
        self.default_viewport()?;
        result
    }

    fn replace_editor_text(&self, from: &str, to: &str) -> Result<String, String> {
        let text = self.editor_value()?.replacen(from, to, 1);
        self.set_editor(&text)?;
        Ok(text)
    }

    /// The caret's line in the editor (1-based, in the whole text).
    pub(crate) fn caret_line(&self) -> Result<usize, String> {
        let n = self.exec(
            "const e = document.getElementById('editor'); return e.value.slice(0, e.selectionStart).split('\\n').length;",
            vec![],
        )?;
        Ok(match n {
            Json::Number(n) => n as usize,
            _ => 0,
        })
    }

    /// Issue 22, item 4: a lab opens the view that shows its point, keeps its explanation
    /// beside the views, and the editor at the object it is about (the readout says where).
    pub(crate) fn lab_opens_its_point(&self, e: &svcplay::examples::Example) -> Result<(), String> {
        self.until(
            &format!("{} to open its view {} with its explanation", e.id, e.view),
            "const t = document.querySelector('.tab.active'); const l = document.getElementById('lab');
             return !!t && t.id === 'tab-' + arguments[0] && !!l && l.dataset.example === arguments[1];",
            vec![Json::from(e.view), Json::from(e.id)],
        )?;
        let line = svcplay::examples::focus_line(e.text, e.focus).ok_or("no focus line")? as usize;
        let caret = self.caret_line()?;
        let readout = self.text_of(".cursor-pos")?;
        if caret != line || !readout.contains(&format!("line {line},")) {
            return Err(format!(
                "{}: the editor is at line {caret} ({readout:?}), not at its {} (line {line})",
                e.id, e.focus
            ));
        }
        if e.id == "headless" {
            // The point of the lab: DNS answers with every ready Pod's address.
            self.until(
                "the headless Service's three A records",
                "return [...document.querySelectorAll('.dns tr')].some(r => r.textContent.includes('service-headliness')
                     && (r.textContent.match(/10\\.244\\./g) || []).length === 3);",
                vec![],
            )?;
            self.shots("lab-headless", Some(".dns"))?;
        }
        Ok(())
    }

    /// First visit: the default lab, its explanation beside the views, the editor at its
    /// Service, the cursor readout saying where the caret is.
    pub(crate) fn first_visit(&self) -> Result<(), String> {
        self.fresh("")?;
        self.until(
            "the lab's explanation",
            "const l = document.getElementById('lab'); return !!l && l.dataset.example === 'clusterip';",
            vec![],
        )?;
        let lab = svcplay::examples::find("clusterip").ok_or("no clusterip lab")?;
        let line =
            svcplay::examples::focus_line(lab.text, lab.focus).ok_or("no focus line")? as usize;
        self.wait("the editor at the Service", UPDATE_TIMEOUT, || {
            let top = self.exec(
                "return document.getElementById('editor').scrollTop;",
                vec![],
            )?;
            let readout = self.text_of(".cursor-pos")?;
            Ok((matches!(top, Json::Number(t) if t > 0.0)
                && readout.contains(&format!("line {line},")))
            .then_some(()))
        })?;
        self.shots("first-visit", None)
    }

    /// Issue 22, item 1: edits survive a reload after sharing, after opening a link, and a
    /// link or example opened over them keeps them one click away.
    pub(crate) fn data_loss(&self) -> Result<(), String> {
        self.fresh("")?;
        self.default_rules()?;
        self.click("#share-button")?;
        self.wait("the share link in the address bar", UPDATE_TIMEOUT, || {
            Ok(self
                .string("return location.hash;", vec![])?
                .starts_with("#s1.")
                .then_some(()))
        })?;
        let link = self.string("return location.href;", vec![])?;
        // Edit: replicas 3 → 7, type ClusterIP → NodePort.
        self.replace_editor_text("replicas: 3", "replicas: 7")?;
        let edited = self.replace_editor_text("type: ClusterIP", "type: NodePort")?;
        self.saved(&edited)?;
        let hash = self.string("return location.hash;", vec![])?;
        if !hash.is_empty() {
            return Err(format!(
                "after an edit the address still holds the link {hash}"
            ));
        }
        self.session.navigate("about:blank")?;
        self.open("")?;
        if self.editor_value()? != edited {
            return Err("a reload after sharing lost the edits".into());
        }
        // An edit right before a reload (no time for the page's pause before saving) stays.
        let quick = self.replace_editor_text("replicas: 7", "replicas: 8")?;
        self.session.navigate(&self.url)?;
        self.open("")?;
        if self.editor_value()? != quick {
            return Err("an edit made just before a reload was lost".into());
        }
        let edited = self.replace_editor_text("replicas: 8", "replicas: 7")?;
        self.saved(&edited)?;
        // Opening the link over the edits: the link's text comes in, the edits are one
        // click away, and a reload keeps whatever is in the editor then.
        self.session.navigate(&link)?;
        self.open_link_and_wait(svcplay::examples::DEFAULT)?;
        let notice = self.notice()?;
        if !notice.contains("Recent") {
            return Err(format!("opening a link over edits said {notice:?}"));
        }
        self.shots("link-over-edits", Some(".notice"))?;
        self.click("#bring-back")?;
        self.wait("the edits to come back", UPDATE_TIMEOUT, || {
            Ok((self.editor_value()? == edited).then_some(()))
        })?;
        // After opening a link: edit, reload, the edits stay.
        self.session.navigate(&link)?;
        self.open_link_and_wait(svcplay::examples::DEFAULT)?;
        let again = self.replace_editor_text("replicas: 3", "replicas: 9")?;
        self.saved(&again)?;
        self.session
            .navigate(&self.string("return location.href;", vec![])?)?;
        self.open("")?;
        if self.editor_value()? != again {
            return Err("a reload after opening a link lost the edits".into());
        }
        // The history lists what was replaced; opening an entry swaps it back.
        self.click("#recent-button")?;
        self.until(
            "the recent scenarios",
            "return !!document.querySelector('#recent .recent-list li');",
            vec![],
        )?;
        self.shots("recent", Some("#recent"))?;
        self.keys(&[keys::ESCAPE])?;
        // An example over edits: the same way back.
        self.load_example_over_edits("nodeport", &again)?;
        Ok(())
    }

    fn open_link_and_wait(&self, text: &str) -> Result<(), String> {
        self.wait("the link's scenario", RENDER_TIMEOUT, || {
            Ok((self.editor_value()? == text).then_some(()))
        })?;
        self.until(
            "the address without the link",
            "return location.hash === '';",
            vec![],
        )
    }

    fn load_example_over_edits(&self, id: &str, edited: &str) -> Result<(), String> {
        self.load_example(id)?;
        let notice = self.notice()?;
        if !notice.contains("Recent") {
            return Err(format!("an example over edits said {notice:?}"));
        }
        self.click("#bring-back")?;
        self.wait("the edits back after an example", UPDATE_TIMEOUT, || {
            Ok((self.editor_value()? == edited).then_some(()))
        })
    }

    fn keys(&self, presses: &[&str]) -> Result<(), String> {
        self.session.keys(presses)
    }

    /// Issue 22, item 2: a link made in English and light opens in the reader's Chinese and
    /// dark, and leaves both as the reader had them.
    pub(crate) fn links_keep_the_readers_settings(&self) -> Result<(), String> {
        self.fresh("")?;
        self.default_rules()?;
        self.click("#share-button")?;
        let link = self.wait("the share link", UPDATE_TIMEOUT, || {
            let href = self.string("return location.href;", vec![])?;
            Ok(href.contains("#s1.").then_some(href))
        })?;
        if link.contains("lang=") || link.contains("theme=") {
            return Err(format!("the link names a language or theme: {link}"));
        }
        let payload = self.string(
            "const data = arguments[0].split('#s1.')[1].replace(/-/g, '+').replace(/_/g, '/');
             const bytes = Uint8Array.from(atob(data), c => c.charCodeAt(0));
             return new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream('deflate'))).text();",
            vec![Json::from(link.as_str())],
        )?;
        if payload.contains("lang=") || payload.contains("theme=") {
            return Err(format!(
                "the link's payload names a language or theme: {payload:.200}"
            ));
        }
        // The reader: Chinese, dark.
        self.exec(
            "localStorage.clear(); localStorage.setItem('svcplay.lang', 'zh-CN'); localStorage.setItem('svcplay.theme', 'dark');",
            vec![],
        )?;
        self.session.navigate("about:blank")?;
        self.session.navigate(&link)?;
        self.open_link_and_wait(svcplay::examples::DEFAULT)?;
        let seen = self.string(
            "return [document.documentElement.lang, document.documentElement.dataset.theme,
                     localStorage.getItem('svcplay.lang'), localStorage.getItem('svcplay.theme')].join(',');",
            vec![],
        )?;
        if seen != "zh-CN,dark,zh-CN,dark" {
            return Err(format!("a link changed the reader's settings: {seen}"));
        }
        self.shots("link-in-readers-language", None)?;
        // A language asked for in the query is shown but not kept.
        self.session.navigate(&format!("{}?lang=en", self.url))?;
        self.open("?lang=en")?;
        let seen = self.string(
            "return document.documentElement.lang + ',' + localStorage.getItem('svcplay.lang');",
            vec![],
        )?;
        if seen != "en,zh-CN" {
            return Err(format!("?lang=en: {seen}"));
        }
        self.exec("localStorage.clear();", vec![])?;
        Ok(())
    }

    /// Issue 21, item 14: a draft whose analysis never finished opens paused; so does
    /// `?safe`; resuming analyses it.
    pub(crate) fn safe_start(&self) -> Result<(), String> {
        self.fresh("")?;
        let draft = example("nodeport")?.replace("replicas: 3", "replicas: 2");
        // A page that froze (or crashed) on its draft never runs its `pagehide`: the mark of
        // the unfinished analysis stays for the next start.
        self.exec(
            "const remove = Storage.prototype.removeItem;
             Storage.prototype.removeItem = function (key) { if (key !== 'svcplay.analysing') remove.call(this, key); };
             localStorage.setItem('svcplay.text', arguments[0]); localStorage.setItem('svcplay.analysing', '1');",
            vec![Json::from(draft.as_str())],
        )?;
        self.session.navigate("about:blank")?;
        self.open("")?;
        self.until(
            "the safe start",
            "return !!document.getElementById('resume-button');",
            vec![],
        )?;
        if self.editor_value()? != draft {
            return Err("the safe start does not show the draft".into());
        }
        if !self.notice()?.contains("Safe start") {
            return Err(format!("safe start notice: {:?}", self.notice()?));
        }
        self.shots("safe-start", None)?;
        self.click("#resume-button")?;
        self.tab("rules")?;
        self.wait("the rules after resuming", UPDATE_TIMEOUT, || {
            Ok(self.rules_text()?.contains("30002").then_some(()))
        })?;
        self.until(
            "the mark to be gone once the analysis finished",
            "return localStorage.getItem('svcplay.analysing') === null;",
            vec![],
        )?;
        self.session.navigate(&format!("{}?safe", self.url))?;
        self.open("?safe")?;
        self.until(
            "?safe to pause",
            "return !!document.getElementById('resume-button');",
            vec![],
        )?;
        self.exec("localStorage.clear();", vec![])?;
        Ok(())
    }

    /// Issue 21, item 14: a save the browser refuses is reported.
    pub(crate) fn failed_saves_are_reported(&self) -> Result<(), String> {
        self.fresh("")?;
        self.exec(
            "window.__setItem = Storage.prototype.setItem;
             Storage.prototype.setItem = function () { throw new DOMException('full', 'QuotaExceededError'); };",
            vec![],
        )?;
        self.replace_editor_text("replicas: 3", "replicas: 4")?;
        let notice = self.wait("the failed save to be reported", UPDATE_TIMEOUT, || {
            let n = self.notice()?;
            Ok(n.contains("could not be saved").then_some(n))
        })?;
        self.exec("Storage.prototype.setItem = window.__setItem;", vec![])?;
        let _ = writeln!(std::io::stderr(), "e2e_page: failed save: {notice}");
        Ok(())
    }

    /// Issue 21, item 12: a link that inflates to 300 MB is refused after reading at most
    /// the limit, and the page stays as it was.
    pub(crate) fn deflate_bomb(&self) -> Result<(), String> {
        self.fresh("")?;
        self.default_rules()?;
        let fragment = self.string(
            "const stream = new CompressionStream('deflate');
             const writer = stream.writable.getWriter();
             const result = new Response(stream.readable).arrayBuffer();
             const chunk = new TextEncoder().encode('#'.repeat(1 << 20));
             await writer.write(new TextEncoder().encode('svcplay-share 1\\n\\n'));
             for (let i = 0; i < 300; i++) await writer.write(chunk);
             await writer.close();
             const bytes = new Uint8Array(await result);
             let binary = '';
             for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
             return 's1.' + btoa(binary).replace(/\\+/g, '-').replace(/\\//g, '_').replace(/=+$/, '');",
            vec![],
        )?;
        let _ = writeln!(
            std::io::stderr(),
            "e2e_page: DEFLATE bomb: a {} KB fragment of 300 MB",
            fragment.len() / 1000
        );
        self.session.navigate("about:blank")?;
        self.session.navigate(&format!("{}#{fragment}", self.url))?;
        let notice = self.wait("the bomb to be refused", RENDER_TIMEOUT, || {
            let n = self.notice()?;
            Ok((!n.is_empty()).then_some(n))
        })?;
        if !notice.contains("larger than") {
            return Err(format!("the bomb gave {notice:?}"));
        }
        if self.editor_value()? != svcplay::examples::DEFAULT {
            return Err("the bomb replaced the text".into());
        }
        let heap = self.exec(
            "return performance.memory ? performance.memory.usedJSHeapSize : 0;",
            vec![],
        )?;
        if let Json::Number(bytes) = heap {
            let _ = writeln!(
                std::io::stderr(),
                "e2e_page: after the bomb the JS heap holds {:.1} MB",
                bytes / 1e6
            );
            if bytes > 200e6 {
                return Err(format!("the bomb left {:.0} MB on the heap", bytes / 1e6));
            }
        }
        Ok(())
    }

    /// Issue 21, item 13: a small text that is slow to analyse, opened from a link, is
    /// analysed in the worker: the page shows it and stays usable while it computes.
    pub(crate) fn outside_texts_are_analysed_off_the_main_thread(&self) -> Result<(), String> {
        self.fresh("")?;
        self.default_rules()?;
        // 40 Deployments of 5,000 replicas behind one Service: a few kilobytes, seconds of work.
        let mut slow = String::from(
            "apiVersion: v1\nkind: Service\nmetadata: {name: all, namespace: default}\nspec:\n  selector: {app: x}\n  ports: [{port: 80}]\n",
        );
        for i in 0..40 {
            slow.push_str(&format!(
                "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: d{i}, namespace: default}}\nspec:\n  replicas: 5000\n  selector: {{matchLabels: {{app: x}}}}\n  template:\n    metadata: {{labels: {{app: x}}}}\n    spec: {{containers: [{{name: c, image: nginx}}]}}\n"
            ));
        }
        let link = self.string(
            "const stream = new Blob([arguments[0]]).stream().pipeThrough(new CompressionStream('deflate'));
             const bytes = new Uint8Array(await new Response(stream).arrayBuffer());
             let binary = '';
             for (const b of bytes) binary += String.fromCharCode(b);
             return location.origin + location.pathname + '#s1.' + btoa(binary).replace(/\\+/g, '-').replace(/\\//g, '_').replace(/=+$/, '');",
            vec![Json::from(format!("svcplay-share 1\nview=objects\n\n{slow}").as_str())],
        )?;
        self.session.navigate("about:blank")?;
        self.session.navigate(&link)?;
        // The text is in the editor while the analysis runs: the main thread is free.
        self.wait(
            "the slow text shown while it is analysed",
            RENDER_TIMEOUT,
            || {
                let shown = self.editor_value()? == slow;
                Ok((shown && self.busy()?).then_some(()))
            },
        )?;
        self.click("#tab-dns")?;
        self.until(
            "a tab to switch while the worker computes",
            "return document.querySelector('.tab.active').id === 'tab-dns';",
            vec![],
        )?;
        self.wait("the worker's answer", Duration::from_secs(300), || {
            Ok((!self.busy()?).then_some(()))
        })?;
        // Typing in it goes to the worker too (its analysis was measured slow).
        self.set_editor(&format!("{slow}# typed\n"))?;
        self.until(
            "typing in a slow text to leave it to the worker",
            "return !!document.querySelector('.busy[role=status]');",
            vec![],
        )?;
        self.wait(
            "the worker's second answer",
            Duration::from_secs(300),
            || Ok((!self.busy()?).then_some(())),
        )?;
        self.exec("localStorage.clear();", vec![])?;
        Ok(())
    }

    /// Issue 22, item 2 and issue 21, item 16: an embed's `set-theme`/`set-lang` leave the
    /// main site's settings alone; a `load` over the size limit is refused.
    pub(crate) fn embeds_cannot_change_settings_or_send_too_much(&self) -> Result<(), String> {
        self.fresh("")?;
        self.exec(
            "localStorage.setItem('svcplay.lang', 'en'); localStorage.setItem('svcplay.theme', 'light');",
            vec![],
        )?;
        let host = TempDir::new("svcplay-e2e-host2").map_err(|e| e.to_string())?;
        let embed_url = format!("{}?embed=1&view=rules", self.url);
        std::fs::write(
            host.path().join("index.html"),
            format!(
                "<!doctype html><html><body><iframe id=f src=\"{embed_url}\" width=900 height=500></iframe>\
                 <script>window.__messages = []; addEventListener('message', e => window.__messages.push(e.data));</script></body></html>"
            ),
        )
        .map_err(|e| e.to_string())?;
        let server = StaticServer::start(host.path()).map_err(|e| e.to_string())?;
        self.session.navigate(&server.url())?;
        self.until(
            "the embed to be ready",
            "return window.__messages.some(m => m.type === 'svcplay:ready');",
            vec![],
        )?;
        self.exec(
            "const f = document.getElementById('f').contentWindow;
             f.postMessage({type: 'svcplay:set-theme', value: 'dark'}, '*');
             f.postMessage({type: 'svcplay:set-lang', value: 'zh-CN'}, '*');
             f.postMessage({type: 'svcplay:load', value: '#'.repeat(17 * 1024 * 1024)}, '*');",
            vec![],
        )?;
        self.until(
            "the embed to refuse the oversized load",
            "return window.__messages.some(m => m.type === 'svcplay:error' && m.value === 'too-large');",
            vec![],
        )?;
        // Back on the main site: its settings are the reader's.
        self.session.navigate(&self.url)?;
        self.open("")?;
        let seen = self.string(
            "return localStorage.getItem('svcplay.lang') + ',' + localStorage.getItem('svcplay.theme') + ',' + document.documentElement.lang;",
            vec![],
        )?;
        if seen != "en,light,en" {
            return Err(format!("an embed changed the main site's settings: {seen}"));
        }
        Ok(())
    }

    /// Issue 22, item 3: the rules wrap; the panes resize by keyboard; the Objects table fits.
    pub(crate) fn readable_rules_and_panes(&self) -> Result<(), String> {
        self.fresh("")?;
        self.default_rules()?;
        self.viewport(1440.0, 900.0)?;
        let overflow = "const v = document.getElementById('view-panel').getBoundingClientRect();
            const r = document.getElementById('rules');
            return r.scrollWidth > r.clientWidth + 1;";
        let wraps_off = self.bool(overflow, vec![])?;
        self.click("#wrap-lines")?;
        self.until(
            "the rules to wrap",
            &overflow.replace(
                "return r.scrollWidth > r.clientWidth + 1;",
                "return r.scrollWidth <= r.clientWidth + 1;",
            ),
            vec![],
        )?;
        let _ = writeln!(
            std::io::stderr(),
            "e2e_page: rules overflow before wrapping: {wraps_off}"
        );
        // The probability is visible inside the pane.
        self.until(
            "--probability inside the pane",
            "const v = document.getElementById('view-panel').getBoundingClientRect();
             const walker = document.createTreeWalker(document.getElementById('rules'), NodeFilter.SHOW_TEXT);
             const range = document.createRange();
             while (walker.nextNode()) {
               const at = walker.currentNode.textContent.indexOf('--probability');
               if (at < 0) continue;
               range.setStart(walker.currentNode, at); range.setEnd(walker.currentNode, at + 13);
               const b = range.getBoundingClientRect();
               return b.right <= v.right;
             }
             return false;",
            vec![],
        )?;
        self.shots("rules-wrapped", Some("#rules"))?;
        // The aligned form: one row per rule, the cascade's probabilities in one column.
        self.click("#rules-table")?;
        self.until(
            "the rules as a table",
            "const cells = [...document.querySelectorAll('#rules-columns tbody td.num')].map(c => c.textContent);
             return ['0.3333333333', '0.5000000000'].every(p => cells.includes(p));",
            vec![],
        )?;
        self.shots("rules-table", Some("#rules-columns"))?;
        // A rule's row selects the YAML it comes from; the readout follows the caret there.
        self.exec(
            "[...document.querySelectorAll('#rules-columns tr.linked')].find(r => r.textContent.includes('0.3333333333')).click();",
            vec![],
        )?;
        let line = self.caret_line()?;
        let readout = self.text_of(".cursor-pos")?;
        if !readout.contains(&format!("line {line},")) || line < 2 {
            return Err(format!(
                "after a rule's click the caret is at line {line}, the readout says {readout:?}"
            ));
        }
        self.click("#rules-table")?;
        self.viewport(1440.0, 900.0)?;
        // The splitter: focus it, arrows move it, a reload keeps it.
        let before = self.exec(
            "return document.querySelector('.left').getBoundingClientRect().width;",
            vec![],
        )?;
        self.exec("document.querySelector('.splitter').focus();", vec![])?;
        self.keys(&[keys::RIGHT, keys::RIGHT, keys::RIGHT])?;
        self.until(
            "the editor pane to grow",
            "return document.querySelector('.left').getBoundingClientRect().width > arguments[0] + 20;",
            vec![before.clone()],
        )?;
        self.open("")?;
        self.until(
            "the split to be kept",
            "return document.querySelector('.splitter').getAttribute('aria-valuenow') === '56';",
            vec![],
        )?;
        self.exec("document.querySelector('.splitter').focus();", vec![])?;
        self.keys(&[keys::LEFT, keys::LEFT, keys::LEFT])?;
        // The Objects table fits its pane.
        self.tab("objects")?;
        self.panel_shown("objects")?;
        self.until(
            "the Objects table to fit its pane",
            "const v = document.getElementById('view-panel').getBoundingClientRect();
             const cells = [...document.querySelectorAll('#objects td.actions')];
             return cells.length > 0 && cells.every(c => c.getBoundingClientRect().right <= v.right + 1);",
            vec![],
        )?;
        self.default_viewport()?;
        self.shots("objects", Some("#objects"))?;
        Ok(())
    }

    /// Issue 22, item 5: after a syntax error, the hints it may cause are folded under a
    /// line that says so, and not underlined in the editor.
    pub(crate) fn follow_on_warnings(&self) -> Result<(), String> {
        self.fresh("")?;
        self.default_rules()?;
        let broken = svcplay::examples::DEFAULT.replace(
            "    spec:\n      containers:",
            "   spec:\n      containers:",
        );
        self.set_editor(&broken)?;
        self.until(
            "the syntax error, with the hints after it folded",
            "const d = document.getElementById('diagnostics');
             return !!d.querySelector(':scope > ul .diagnostic.error') && !!d.querySelector('details.follow-on');",
            vec![],
        )?;
        self.exec(
            "document.querySelector('details.follow-on').open = true;",
            vec![],
        )?;
        self.shots("follow-on", Some("#diagnostics"))?;
        self.set_editor(svcplay::examples::DEFAULT)?;
        Ok(())
    }

    /// Issue 22, item 6: dialogs take and keep focus; Tab in the editor has a visible way
    /// out; single-key shortcuts can be turned off.
    pub(crate) fn keyboard_and_dialogs(&self) -> Result<(), String> {
        self.fresh("")?;
        self.default_rules()?;
        self.exec("document.getElementById('gallery-button').focus();", vec![])?;
        self.keys(&[keys::ENTER])?;
        self.until(
            "focus in the gallery",
            "return !!document.activeElement.closest('#gallery');",
            vec![],
        )?;
        let tabs: Vec<&str> = std::iter::repeat_n(keys::TAB, 40).collect();
        self.keys(&tabs)?;
        if !self.bool(
            "return !!document.activeElement.closest('#gallery');",
            vec![],
        )? {
            return Err("40 Tabs left the gallery dialog".into());
        }
        let back: Vec<String> =
            std::iter::repeat_n(format!("{}+{}", keys::SHIFT, keys::TAB), 7).collect();
        self.keys(&back.iter().map(String::as_str).collect::<Vec<_>>())?;
        if !self.bool(
            "return !!document.activeElement.closest('#gallery');",
            vec![],
        )? {
            return Err("Shift+Tab left the gallery dialog".into());
        }
        self.shots("gallery-focus", Some("#gallery"))?;
        self.keys(&[keys::ESCAPE])?;
        self.until(
            "focus back on the Examples button",
            "return !document.getElementById('gallery') && document.activeElement.id === 'gallery-button';",
            vec![],
        )?;
        // The editor: Tab indents, the hint says how to leave, Esc then Tab leaves.
        self.exec(
            "const e = document.getElementById('editor'); e.focus(); e.setSelectionRange(0, 0);",
            vec![],
        )?;
        let before = self.editor_value()?;
        self.keys(&[keys::TAB])?;
        self.wait("Tab to indent", UPDATE_TIMEOUT, || {
            Ok((self.editor_value()? == format!("  {before}")).then_some(()))
        })?;
        if !self.bool(
            "const h = document.getElementById('tab-hint'); return !!h && h.getBoundingClientRect().height > 0;",
            vec![],
        )? {
            return Err("no visible hint on how to leave the editor".into());
        }
        self.shots("editor-tab-hint", Some("#tab-hint"))?;
        self.keys(&[keys::ESCAPE, keys::TAB])?;
        self.until(
            "Esc, Tab to leave the editor",
            "return document.activeElement.id !== 'editor';",
            vec![],
        )?;
        self.set_editor(&before)?;
        // The toolbar's switch: Tab moves focus at once.
        self.click("#tab-mode")?;
        self.exec("document.getElementById('editor').focus();", vec![])?;
        self.keys(&[keys::TAB])?;
        self.until(
            "Tab to move on with the switch on",
            "return document.activeElement.id !== 'editor';",
            vec![],
        )?;
        self.click("#tab-mode")?;
        // Single-key shortcuts off: `g` does nothing; on again: it opens the gallery.
        self.click("#help-button")?;
        self.until(
            "the settings",
            "return !!document.getElementById('pref-shortcuts');",
            vec![],
        )?;
        self.click("#pref-shortcuts")?;
        self.keys(&[keys::ESCAPE])?;
        self.exec("document.activeElement.blur();", vec![])?;
        self.keys(&["g"])?;
        if self.bool("return !!document.getElementById('gallery');", vec![])? {
            return Err("`g` opened the gallery with single-key shortcuts off".into());
        }
        self.click("#help-button")?;
        self.until(
            "the settings",
            "return !!document.getElementById('pref-shortcuts');",
            vec![],
        )?;
        self.click("#pref-shortcuts")?;
        self.keys(&[keys::ESCAPE])?;
        self.exec("document.activeElement.blur();", vec![])?;
        self.keys(&["g"])?;
        self.until(
            "`g` to open the gallery",
            "return !!document.getElementById('gallery');",
            vec![],
        )?;
        self.keys(&[keys::ESCAPE])?;
        Ok(())
    }

    /// Every view is in reach: by its own key, by the tab list's arrows, Home and End, and
    /// in sight on every screen (the tabs wrap, none is behind a sideways scroll), in
    /// English and in Chinese.
    pub(crate) fn every_view_in_reach(&self) -> Result<(), String> {
        for lang in ["en", "zh-CN"] {
            self.fresh("")?;
            self.exec(
                "localStorage.setItem('svcplay.lang', arguments[0]);",
                vec![Json::from(lang)],
            )?;
            self.open("")?;
            self.default_rules()?;
            let active = "const t = document.querySelector('.tab.active'); return !!t && t.id === 'tab-' + arguments[0];";
            for (view, key) in VIEWS {
                self.exec("document.activeElement.blur();", vec![])?;
                self.keys(&[key])?;
                self.until(
                    &format!("`{key}` to show the {view} view"),
                    active,
                    vec![Json::from(view)],
                )?;
                let title = self.string(
                    "return document.getElementById('tab-' + arguments[0]).getAttribute('aria-keyshortcuts') || '';",
                    vec![Json::from(view)],
                )?;
                if title != key {
                    return Err(format!(
                        "the {view} tab names {title:?} as its key, not {key:?}"
                    ));
                }
            }
            // The tab list: End, Home, then the arrows through every tab, focus following.
            self.click("#tab-rules")?;
            self.exec("document.getElementById('tab-rules').focus();", vec![])?;
            let focused = "const t = document.querySelector('.tab.active'); return !!t && t.id === 'tab-' + arguments[0] && document.activeElement === t;";
            self.keys(&[keys::END])?;
            self.until("End to the last tab", focused, vec![Json::from("versions")])?;
            self.keys(&[keys::HOME])?;
            self.until("Home to the first tab", focused, vec![Json::from("rules")])?;
            for (view, _) in VIEWS.iter().skip(1) {
                self.keys(&[keys::RIGHT])?;
                self.until(
                    &format!("the right arrow to the {view} tab"),
                    focused,
                    vec![Json::from(*view)],
                )?;
            }
            self.keys(&[keys::RIGHT])?;
            self.until(
                "the right arrow round to the first tab",
                focused,
                vec![Json::from("rules")],
            )?;
            // In sight on every screen: each tab inside the window and inside the tab list.
            let result = (|| {
                for (w, h) in SIZES {
                    self.viewport(w, h)?;
                    let hidden = self.string(
                        "const bar = document.querySelector('.tabs').getBoundingClientRect();
                         return [...document.querySelectorAll('.tabs .tab')].filter(t => {
                             const r = t.getBoundingClientRect();
                             return r.width === 0 || r.left < Math.max(0, bar.left) - 1
                                 || r.right > Math.min(innerWidth, bar.right) + 1
                                 || r.top < bar.top - 1 || r.bottom > bar.bottom + 1;
                         }).map(t => t.id).join(' ');",
                        vec![],
                    )?;
                    if !hidden.is_empty() {
                        return Err(format!(
                            "at {w}×{h} ({lang}) these tabs are out of sight: {hidden}"
                        ));
                    }
                    self.exec(
                        "document.querySelector('.tabs').scrollIntoView({block: 'nearest'});
                         return new Promise(done => requestAnimationFrame(() => requestAnimationFrame(() => done(true))));",
                        vec![],
                    )?;
                    self.screenshot(&format!("work-tabs-{lang}-{w}x{h}"))?;
                }
                Ok(())
            })();
            self.default_viewport()?;
            result?;
        }
        self.exec("localStorage.clear();", vec![])?;
        Ok(())
    }

    /// Issue 22, item 6: the text size grows the page's text and the editor's lines.
    pub(crate) fn text_size(&self) -> Result<(), String> {
        self.fresh("")?;
        self.default_rules()?;
        self.click("#help-button")?;
        self.until(
            "the settings",
            "return !!document.getElementById('pref-size');",
            vec![],
        )?;
        self.exec(
            "const s = document.getElementById('pref-size'); s.value = '150'; s.dispatchEvent(new Event('change', {bubbles: true}));",
            vec![],
        )?;
        self.keys(&[keys::ESCAPE])?;
        self.until(
            "the text at 150 %",
            "return getComputedStyle(document.body).fontSize === '21px'
                 && getComputedStyle(document.getElementById('editor')).lineHeight === '30px';",
            vec![],
        )?;
        self.shots("text-150", None)?;
        self.exec("localStorage.removeItem('svcplay.prefs');", vec![])?;
        Ok(())
    }

    /// Issue 22, item 6: axe-core finds no serious or critical issue on any view, in
    /// English and in Chinese, light and dark.
    pub(crate) fn accessibility(&self) -> Result<(), String> {
        let axe_file = std::env::var_os("SVCPLAY_AXE").map_or_else(
            || {
                Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join(".tools/node_modules/axe-core/axe.min.js")
            },
            std::path::PathBuf::from,
        );
        let axe = std::fs::read_to_string(&axe_file).map_err(|e| {
            format!(
                "cannot read axe-core at {} ({e}); scripts/lib/tools.sh installs it",
                axe_file.display()
            )
        })?;
        let mut report = String::from("axe-core: serious and critical violations per view\n");
        let mut failures = Vec::new();
        for (lang, theme) in [("en", "light"), ("zh-CN", "dark")] {
            self.fresh("")?;
            self.exec(
                "localStorage.setItem('svcplay.lang', arguments[0]); localStorage.setItem('svcplay.theme', arguments[1]);",
                vec![Json::from(lang), Json::from(theme)],
            )?;
            self.open("")?;
            self.default_rules()?;
            self.exec(&axe, vec![])?;
            for (tab, _) in VIEWS {
                self.tab(tab)?;
                if tab != "terminal" {
                    self.panel_shown(tab)?;
                }
                let found = self.string(
                    "const r = await axe.run(document, {resultTypes: ['violations']});
                     return JSON.stringify(r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
                        .map(v => v.id + ' (' + v.impact + '): ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | ')));",
                    vec![],
                )?;
                report.push_str(&format!("{lang} {theme} {tab}: {found}\n"));
                if found != "[]" {
                    failures.push(format!("{lang} {tab}: {found}"));
                }
            }
        }
        std::fs::write(self.out.join("axe-report.txt"), &report).map_err(|e| e.to_string())?;
        let _ = writeln!(std::io::stderr(), "{report}");
        self.exec("localStorage.clear();", vec![])?;
        if failures.is_empty() {
            Ok(())
        } else {
            Err(format!("axe-core: {}", failures.join("\n")))
        }
    }

    /// Issue 22, item 7: in Chinese, the page's sentences use full-width punctuation.
    pub(crate) fn chinese_typography(&self) -> Result<(), String> {
        self.fresh("")?;
        self.exec("localStorage.setItem('svcplay.lang', 'zh-CN');", vec![])?;
        self.open("")?;
        self.default_rules()?;
        let mut problems = Vec::new();
        for tab in [
            "rules",
            "objects",
            "selectors",
            "endpoints",
            "dns",
            "traffic",
            "diagram",
            "terminal",
        ] {
            self.tab(tab)?;
            if tab != "terminal" {
                self.panel_shown(tab)?;
            }
            // The page's own words: not the scenario, the outputs or the code in them.
            let text = self.string(
                "const skip = 'textarea, pre, code, .output, .layer, .gutter, svg, kbd, #diagnostics .message, td, th';
                 const out = [];
                 const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
                 while (walker.nextNode()) {
                   const n = walker.currentNode;
                   if (n.parentElement && !n.parentElement.closest(skip)) out.push(n.textContent);
                 }
                 return out.join('\\n');",
                vec![],
            )?;
            for p in half_width_next_to_chinese(&text) {
                problems.push(format!("{tab}: {p:?}"));
            }
        }
        self.shots("zh-CN", None)?;
        self.exec("localStorage.clear();", vec![])?;
        if problems.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "half-width punctuation in Chinese text:\n{}",
                problems.join("\n")
            ))
        }
    }

    /// Issue 22, item 8: the diagram keeps pod names apart, labels inside their boxes,
    /// arrows off the node labels; it fits, zooms and exports.
    pub(crate) fn diagram_controls(&self) -> Result<(), String> {
        self.fresh("")?;
        self.default_rules()?;
        self.tab("diagram")?;
        self.panel_shown("diagram")?;
        let names = self.string(
            "return [...document.querySelectorAll('#diagram .pod text.title')].map(t => t.textContent).join('\\n');",
            vec![],
        )?;
        let distinct: std::collections::BTreeSet<&str> = names.lines().collect();
        if distinct.len() != names.lines().count() || names.lines().count() < 3 {
            return Err(format!("pod labels do not tell the Pods apart: {names}"));
        }
        self.until(
            "every label inside its box",
            "return [...document.querySelectorAll('#diagram g.pod, #diagram g.service, #diagram g.node')].every(g => {
               const r = g.querySelector('rect').getBBox();
               return [...g.querySelectorAll('text')].every(t => { const b = t.getBBox(); return b.x >= r.x && b.x + b.width <= r.x + r.width + 0.5; });
             });",
            vec![],
        )?;
        self.until(
            "no arrow across a node's label",
            "const labels = [...document.querySelectorAll('#diagram g.node text')].map(t => t.getBBox());
             return [...document.querySelectorAll('#diagram path.edge')].every(p => {
               const n = p.getTotalLength();
               for (let i = 0; i <= 200; i++) {
                 const pt = p.getPointAtLength(n * i / 200);
                 if (labels.some(b => pt.x >= b.x && pt.x <= b.x + b.width && pt.y >= b.y && pt.y <= b.y + b.height)) return false;
               }
               return true;
             });",
            vec![],
        )?;
        self.exec(
            "window.__downloads = []; addEventListener('svcplay:download', e => window.__downloads.push(e.detail));",
            vec![],
        )?;
        self.click("#diagram-svg")?;
        self.click("#diagram-png")?;
        self.until(
            "the SVG and PNG downloads",
            "return window.__downloads.some(d => d.name.endsWith('.svg') && d.size > 1000)
                 && window.__downloads.some(d => d.name.endsWith('.png') && d.size > 1000);",
            vec![],
        )?;
        self.viewport(390.0, 844.0)?;
        self.click("#diagram-fit")?;
        self.until(
            "the diagram to fit a phone",
            "const svg = document.getElementById('diagram'); const g = svg.querySelector('g');
             return g.getBoundingClientRect().width <= svg.getBoundingClientRect().width + 1;",
            vec![],
        )?;
        self.default_viewport()?;
        self.shots("diagram", Some("#diagram"))
    }

    /// Issue 22, items 9 and 10: on a phone nothing is clipped; one share format; one
    /// wording for unsupported commands; `help` fits its pane.
    pub(crate) fn consistency(&self) -> Result<(), String> {
        self.fresh("")?;
        self.default_rules()?;
        self.tab("traffic")?;
        self.panel_shown("traffic")?;
        self.click("#traffic-run")?;
        self.until(
            "the simulation",
            "return document.querySelectorAll('.traffic table.simulation tbody tr').length > 0;",
            vec![],
        )?;
        let shares = self.string(
            "return [...document.querySelectorAll('.traffic td, .traffic th')].map(c => c.textContent).filter(t => t.includes('%')).join('\\n');",
            vec![],
        )?;
        for share in shares.lines() {
            let ok = share
                .split_whitespace()
                .collect::<Vec<_>>()
                .windows(2)
                .any(|w| w[1] == "%" && w[0].split_once('.').is_some_and(|(_, d)| d.len() == 1));
            if !ok {
                return Err(format!("a share is not written as \"33.3 %\": {share:?}"));
            }
        }
        self.viewport(390.0, 844.0)?;
        self.until(
            "the traffic tables unclipped on a phone",
            "const v = document.getElementById('view-panel');
             return [...document.querySelectorAll('.traffic table')].every(t => t.scrollWidth <= t.clientWidth + 1
                     && t.getBoundingClientRect().right <= v.getBoundingClientRect().right + 1)
                 && document.documentElement.scrollWidth <= innerWidth + 1;",
            vec![],
        )?;
        self.shots("traffic", Some(".traffic table.simulation"))?;
        self.viewport(390.0, 844.0)?;
        self.tab("terminal")?;
        self.until(
            "the Run button on the phone's screen",
            "const b = document.querySelector('.term-input button'); return !!b && b.getBoundingClientRect().right <= innerWidth;",
            vec![],
        )?;
        self.default_viewport()?;
        let unsupported = [
            self.run_in_terminal(
                svcplay::examples::DEFAULT,
                "kubectl port-forward svc/x 8080:80",
            )?,
            self.run_in_terminal(svcplay::examples::DEFAULT, "ipvsadm -A -t 1.2.3.4:80")?,
            self.run_in_terminal(svcplay::examples::DEFAULT, "nft add table ip x")?,
        ];
        for out in &unsupported {
            if !out.contains("is not simulated") {
                return Err(format!("an unsupported command says {out:?}"));
            }
        }
        self.type_in_terminal("help")?;
        self.until(
            "help to fit its pane",
            "const es = document.querySelectorAll('.term-entry pre'); const p = es[es.length - 1];
             return !!p && p.scrollWidth <= p.clientWidth + 1;",
            vec![],
        )?;
        self.shots("terminal-help", Some(".term-input"))
    }

    /// Issue 21, item 15: old version cached → new version deployed → reload works online
    /// (the new build, no stale script) and offline (one build's cache, the old one gone).
    pub(crate) fn service_worker_update(&self) -> Result<(), String> {
        let dist = std::env::var_os("SVCPLAY_E2E_DIST").ok_or("no SVCPLAY_E2E_DIST")?;
        let site = TempDir::new("svcplay-e2e-site").map_err(|e| e.to_string())?;
        copy_dir(Path::new(&dist), site.path())?;
        let old = build_id(site.path())?;
        let server = StaticServer::start(site.path()).map_err(|e| e.to_string())?;
        let url = server.url();
        // The build's cache, whole: its service worker installed and activated (so every
        // file is in, and the older caches are deleted), nothing installing or waiting.
        // A cache merely present may be half filled, and the next build's files would
        // then race into it. A worker whose install failed (a fetch lost on a busy
        // machine) is tried again every 5 s, as the browser would at the next visit.
        let cached = |build: &str| {
            // Three minutes: on a loaded machine an install whose fetch was lost waits for
            // the next 5 s nudge, and the worker's 100 MB dump may still be in memory (one
            // run timed out at 60 s with the new build's page up and its cache not settled).
            self.wait(&format!("the offline cache of build {build}"), 3 * RENDER_TIMEOUT, || {
                let keys = self.string(
                    "navigator.serviceWorker.getRegistration().then(r => {
                       const settled = !!r && !!r.active && r.active.state === 'activated' && !r.installing && !r.waiting;
                       window.__swSettled = settled;
                       if (r && !r.installing && !r.waiting && !(Date.now() - (window.__swNudged || 0) < 5000)) {
                         window.__swNudged = Date.now();
                         r.update().catch(() => {});
                       }
                     });
                     caches.keys().then(async keys => { const out = [];
                       for (const k of keys) out.push(k + ':' + (await (await caches.open(k)).keys()).length);
                       window.__caches = out; });
                     return window.__swSettled ? (window.__caches || []).join(' ') : '';",
                    vec![],
                )?;
                Ok((keys.starts_with(&format!("svcplay-{build}:")) && !keys.contains(' ')
                    && !keys.ends_with(":0"))
                .then_some(keys))
            })
        };
        self.session.navigate(&url)?;
        self.open_at(&url)?;
        let first = cached(&old)?;
        // A new build: a different glue.js (its URL unchanged), restamped as the build does.
        let glue = find_file(site.path(), "glue.js")?;
        let mut js = std::fs::read_to_string(&glue).map_err(|e| e.to_string())?;
        js.push_str("\n// the next build\n");
        std::fs::write(&glue, js).map_err(|e| e.to_string())?;
        restamp_integrity(site.path(), &glue)?;
        let status = std::process::Command::new("node")
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("static/build/version.mjs"))
            .arg(site.path())
            .status()
            .map_err(|e| format!("cannot run node: {e}"))?;
        if !status.success() {
            return Err("version.mjs failed on the new build".into());
        }
        let new = build_id(site.path())?;
        if new == old {
            return Err("the new build has the old id".into());
        }
        // Online: the new page boots at once (its glue.js from the network, not the cache).
        self.session.navigate(&url)?;
        self.open_at(&url)?;
        self.until(
            "the new build's page",
            "const m = document.querySelector('meta[name=svcplay-build]'); return !!m && m.content === arguments[0];",
            vec![Json::from(new.as_str())],
        )?;
        let second = cached(&new)?;
        // A 404 online does not replace the cached page.
        self.session.navigate(&format!("{url}no-such-page"))?;
        drop(server);
        self.session.navigate(&url)?;
        self.open_at(&url)?;
        self.until(
            "the new build, offline",
            "const m = document.querySelector('meta[name=svcplay-build]'); return !!m && m.content === arguments[0];",
            vec![Json::from(new.as_str())],
        )?;
        self.wait("the rules, offline", UPDATE_TIMEOUT, || {
            Ok(self.rules_text()?.contains("KUBE-SERVICES").then_some(()))
        })?;
        let _ = writeln!(
            std::io::stderr(),
            "e2e_page: service worker: {first} → {second} (one cache per build, the old one deleted)"
        );
        self.screenshot("work-offline-after-update")
    }

    fn open_at(&self, url: &str) -> Result<(), String> {
        let _ = url;
        self.wait("the app at the new address", RENDER_TIMEOUT, || {
            Ok(self
                .bool("return !!document.getElementById('editor') && !!document.getElementById('view-panel')
                    && !document.documentElement.hasAttribute('data-prerender');", vec![])?
                .then_some(()))
        })
    }
}

fn copy_dir(from: &Path, to: &Path) -> Result<(), String> {
    std::fs::create_dir_all(to).map_err(|e| e.to_string())?;
    for entry in std::fs::read_dir(from).map_err(|e| e.to_string())? {
        let entry = entry.map_err(|e| e.to_string())?;
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target).map_err(|e| e.to_string())?;
        }
    }
    Ok(())
}

fn find_file(dir: &Path, name: &str) -> Result<std::path::PathBuf, String> {
    for entry in std::fs::read_dir(dir).map_err(|e| e.to_string())? {
        let path = entry.map_err(|e| e.to_string())?.path();
        if path.is_dir() {
            if let Ok(found) = find_file(&path, name) {
                return Ok(found);
            }
        } else if path.file_name().is_some_and(|n| n == name) {
            return Ok(path);
        }
    }
    Err(format!("no {name} under {}", dir.display()))
}

fn build_id(site: &Path) -> Result<String, String> {
    let html = std::fs::read_to_string(site.join("index.html")).map_err(|e| e.to_string())?;
    let at = html
        .find("name=\"svcplay-build\" content=\"")
        .ok_or("no build id in index.html")?;
    let rest = &html[at + "name=\"svcplay-build\" content=\"".len()..];
    Ok(rest[..rest.find('"').unwrap_or(0)].to_string())
}

/// Puts the SHA-384 of `file` into index.html's integrity attribute for it, as Trunk does.
fn restamp_integrity(site: &Path, file: &Path) -> Result<(), String> {
    use sha2::Digest;
    let bytes = std::fs::read(file).map_err(|e| e.to_string())?;
    let digest = sha2::Sha384::digest(&bytes);
    let integrity = format!("sha384-{}", data_encoding::BASE64.encode(&digest));
    let name = file
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    let index = site.join("index.html");
    let html = std::fs::read_to_string(&index).map_err(|e| e.to_string())?;
    let mut out = String::new();
    for tag in html.split_inclusive('>') {
        if tag.contains(name) && tag.contains("integrity=") {
            let start = tag.find("integrity=").unwrap_or(0) + "integrity=".len();
            let quoted = tag[start..].starts_with('"');
            let value_start = start + usize::from(quoted);
            let end = tag[value_start..]
                .find(|c: char| {
                    if quoted {
                        c == '"'
                    } else {
                        c == ' ' || c == '>'
                    }
                })
                .map_or(tag.len(), |e| value_start + e);
            out.push_str(&tag[..value_start]);
            out.push_str(&integrity);
            out.push_str(&tag[end..]);
        } else {
            out.push_str(tag);
        }
    }
    std::fs::write(&index, out).map_err(|e| e.to_string())
}

/// First paint and time to interactive on a slow network (1.6 Mbps down, 150 ms latency)
/// with the CPU slowed down 4×, as DevTools throttles them (through ChromeDriver's CDP
/// endpoint): three cold loads in a fresh browser, medians in `test-output/first-paint.txt`.
/// "Interactive" is the first moment the editor and the default lab's rules are on screen.
#[test]
fn first_paint_on_a_slow_network() {
    let _one = BROWSER.lock().unwrap_or_else(|e| e.into_inner());
    let Some(dist) = std::env::var_os("SVCPLAY_E2E_DIST") else {
        let _ = writeln!(
            std::io::stderr(),
            "e2e_page: first paint skipped; set SVCPLAY_E2E_DIST"
        );
        return;
    };
    if let Err(message) = measure_first_paint(Path::new(&dist)) {
        panic!("first paint on a slow network: {message}");
    }
}

fn measure_first_paint(dist: &Path) -> Result<(), String> {
    let out = out_dir();
    std::fs::create_dir_all(&out).map_err(|e| e.to_string())?;
    let mut firsts = Vec::new();
    let mut interactives = Vec::new();
    for run in 0..3 {
        let server = StaticServer::start(dist).map_err(|e| e.to_string())?;
        let profile = TempDir::new("svcplay-e2e-slow").map_err(|e| e.to_string())?;
        let driver = ChromeDriver::start(
            &crate::support::binary("CHROMEDRIVER", "/usr/bin/chromedriver"),
            &out.join("chromedriver-slow.log"),
        )?;
        let session = Session::new(
            &driver,
            &crate::support::binary("CHROMIUM", "/usr/bin/chromium"),
            &crate::support::chromium_args(profile.path(), "1366,900")?,
        )?;
        session.devtools("Network.enable", Json::object([]))?;
        session.devtools(
            "Network.emulateNetworkConditions",
            Json::object([
                ("offline", Json::Bool(false)),
                ("latency", Json::from(150.0)),
                ("downloadThroughput", Json::from(1.6e6 / 8.0)),
                ("uploadThroughput", Json::from(750e3 / 8.0)),
            ]),
        )?;
        session.devtools(
            "Emulation.setCPUThrottlingRate",
            Json::object([("rate", Json::from(4.0))]),
        )?;
        session.devtools(
            "Page.addScriptToEvaluateOnNewDocument",
            Json::object([(
                "source",
                Json::from(
                    "window.__interactive = null;
                     new MutationObserver(() => {
                       const r = document.getElementById('rules');
                       if (window.__interactive === null && document.getElementById('editor') && r
                           && r.textContent.includes('KUBE-SERVICES')) window.__interactive = performance.now();
                     }).observe(document, {subtree: true, childList: true, characterData: true});",
                ),
            )]),
        )?;
        let start = Instant::now();
        session.navigate(&server.url())?;
        let deadline = start + Duration::from_secs(180);
        let (first, interactive) = loop {
            let v = session.execute(
                "const p = performance.getEntriesByName('first-contentful-paint')[0];
                 return [p ? p.startTime : -1, window.__interactive === null ? -1 : window.__interactive];",
                vec![],
            )?;
            let nums: Vec<f64> = match v {
                Json::Array(a) => a
                    .iter()
                    .map(|x| if let Json::Number(n) = x { *n } else { -1.0 })
                    .collect(),
                _ => vec![],
            };
            if nums.len() == 2 && nums[0] >= 0.0 && nums[1] >= 0.0 {
                break (nums[0], nums[1]);
            }
            if Instant::now() > deadline {
                return Err(format!("run {run}: not interactive after 180 s ({nums:?})"));
            }
            std::thread::sleep(Duration::from_millis(200));
        };
        let png = session.screenshot()?;
        std::fs::write(out.join(format!("first-paint-run{run}.png")), png)
            .map_err(|e| e.to_string())?;
        firsts.push(first);
        interactives.push(interactive);
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let report = format!(
        "First paint on a slow network (1.6 Mbps down, 150 ms latency, CPU 4× slower; {} uncompressed as served here)\n\
         first contentful paint: median {:.0} ms ({:?})\n\
         interactive (editor and the default lab's rules on screen): median {:.0} ms ({:?})\n",
        dist.display(),
        median(&mut firsts.clone()),
        firsts.iter().map(|f| f.round()).collect::<Vec<_>>(),
        median(&mut interactives.clone()),
        interactives.iter().map(|f| f.round()).collect::<Vec<_>>(),
    );
    std::fs::write(out.join("first-paint.txt"), &report).map_err(|e| e.to_string())?;
    let _ = writeln!(std::io::stderr(), "{report}");
    Ok(())
}
