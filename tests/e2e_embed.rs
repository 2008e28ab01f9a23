//! Embedding in docs pages (issue 18), end to end in headless Chromium.
//!
//! The docs page is the plain-HTML recipe, `docs/examples/plain.html`: three embeds (a
//! `<pre class="svcplay">`, a `<code class="language-yaml" data-svcplay>` and a group of two
//! blocks that run a terminal command), served from one origin, with `embed.js` and the
//! playground (`dist/`) under a sub-path of another origin, where a second folder stands for
//! an older svcplay version. The test checks, in order: nothing but `embed.js` is fetched
//! before a click (the playground server's request log and the page's performance entries);
//! a click loads the frame with the block's YAML; the frame's height follows its content;
//! `theme=auto` follows the host's dark mode (the system's, then the page's own switch);
//! `set-lang`, `load` and `set-view` work, a bad message gets an `error`; a third origin's
//! messages are ignored both ways; "open in playground" carries the edited state to a new
//! window; the group's frame holds both blocks and shows the command's output exactly as
//! `svcplay run` prints it; a block too large for the URL travels in a `load` message to the
//! version folder it names. Then the Hugo shortcode and the MkDocs recipe, when `hugo` and
//! `mkdocs` are installed (scripts/test.sh installs both): each site is built and its block
//! runs. It writes `test-output/embed-bytes.txt` (bytes fetched before and after a click) and
//! screenshots. Runs only when `SVCPLAY_E2E_DIST` names a built `dist/`.

// Tests may read the clock (timeouts, measurements); only the core may not.
#![allow(clippy::disallowed_methods)]

mod support;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use support::http::StaticServer;
use support::json::Json;
use support::webdriver::{ChromeDriver, Session};
use support::{TempDir, binary, chromium_args};

const RECIPE: &str = include_str!("../docs/examples/plain.html");
const VERSION: &str = env!("CARGO_PKG_VERSION");
/// The folder of the "older version" the large block asks for.
const OLD_VERSION: &str = "0.0.9";
const LOAD_TIMEOUT: Duration = Duration::from_secs(90);
const UPDATE_TIMEOUT: Duration = Duration::from_secs(30);

#[test]
fn docs_pages_embed_the_playground() {
    let Some(dist) = support::e2e_dist("e2e_embed") else {
        return;
    };
    if let Err(message) = run(&dist) {
        panic!("end-to-end test of embedding failed: {message}");
    }
}

fn run(dist: &Path) -> Result<(), String> {
    let dist = dist
        .canonicalize()
        .map_err(|e| format!("{}: {e}", dist.display()))?;
    if !dist.join("embed.js").is_file() {
        return Err(format!("{} has no embed.js", dist.display()));
    }
    let out = support::out_dir()?;
    // The playground's origin: dist/ at /svcplay/VERSION/, and the same build again as an
    // "older" version beside it.
    let playground = TempDir::new("svcplay-e2e-embed-pg").map_err(|e| e.to_string())?;
    let folder = playground.path().join("svcplay");
    std::fs::create_dir_all(&folder).map_err(|e| e.to_string())?;
    for version in [VERSION, OLD_VERSION] {
        std::os::unix::fs::symlink(&dist, folder.join(version)).map_err(|e| e.to_string())?;
    }
    let pg = StaticServer::start(playground.path()).map_err(|e| e.to_string())?;
    // Another site than the docs page's (localhost, not 127.0.0.1), as a docs site and a
    // playground host usually are: the browser gives the frames their own process.
    let pg_origin = pg.url().replace("127.0.0.1", "localhost");
    let pg_origin = pg_origin.trim_end_matches('/').to_string();
    let embed_js = format!("{pg_origin}/svcplay/{VERSION}/embed.js");
    // The docs site's origin, and a third one that tries to talk to the frames.
    let host = TempDir::new("svcplay-e2e-embed-host").map_err(|e| e.to_string())?;
    let page = RECIPE.replace("src=\"/svcplay/embed.js\"", &format!("src=\"{embed_js}\""));
    if page == RECIPE {
        return Err("docs/examples/plain.html has no <script src=\"/svcplay/embed.js\">".into());
    }
    write(&host.path().join("index.html"), &page)?;
    let docs = StaticServer::start(host.path()).map_err(|e| e.to_string())?;
    let stranger_dir = TempDir::new("svcplay-e2e-embed-evil").map_err(|e| e.to_string())?;
    write(&stranger_dir.path().join("index.html"), STRANGER)?;
    let stranger = StaticServer::start(stranger_dir.path()).map_err(|e| e.to_string())?;

    let profile = TempDir::new("svcplay-e2e-embed").map_err(|e| e.to_string())?;
    let driver = ChromeDriver::start(
        &binary("CHROMEDRIVER", "/usr/bin/chromedriver"),
        &out.join("chromedriver-embed.log"),
    )?;
    let session = Session::new(
        &driver,
        &binary("CHROMIUM", "/usr/bin/chromium"),
        &chromium_args(profile.path(), "1100,1300")?,
    )?;
    let test = Test {
        session: &session,
        pg: &pg,
        pg_origin,
        docs: &docs,
        stranger: stranger.url(),
        out,
        report: std::cell::RefCell::new(String::new()),
    };
    let result = test.story().and_then(|()| test.recipes(&embed_js));
    if result.is_err() {
        let _ = session.leave_frames();
        let _ = test.screenshot("e2e-embed-failure");
    }
    let report = test.report.borrow().clone();
    let _ = std::fs::write(test.out.join("embed-bytes.txt"), &report);
    let _ = writeln!(std::io::stderr(), "{report}");
    result
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// A page of a third origin, framed by the docs page: it sends the playground frame svcplay
/// messages (which must be ignored: it is not the frame's parent), and the docs page a
/// `resize` in svcplay's name (which embed.js must ignore: not its frame, not its origin).
const STRANGER: &str = "<!doctype html><script>
const target = parent.frames[0];
target.postMessage({type: 'svcplay:load', protocol: 1, value: 'kind: Stranger\\n'}, '*');
target.postMessage({type: 'svcplay:set-lang', value: 'zh-CN'}, '*');
target.postMessage({type: 'svcplay:run', value: 'kubectl get pods'}, '*');
parent.postMessage({type: 'svcplay:resize', protocol: 1, value: 4321}, '*');
parent.postMessage({type: 'svcplay:state', protocol: 1, value: 'kind: Stranger\\n'}, '*');
parent.postMessage({stranger: 'done'}, '*');
</script>";

/// One step of the story, named in its error.
type Step<'t> = fn(&Test<'t>) -> Result<(), String>;

struct Test<'s> {
    session: &'s Session<'s>,
    pg: &'s StaticServer,
    pg_origin: String,
    docs: &'s StaticServer,
    stranger: String,
    out: PathBuf,
    report: std::cell::RefCell<String>,
}

/// Gzip -9 size of a file of dist/ (what a host that compresses would send).
fn gzip_size(path: &Path) -> Option<usize> {
    let out = Command::new("gzip").arg("-9c").arg(path).output().ok()?;
    out.status.success().then_some(out.stdout.len())
}

impl Test<'_> {
    fn story(&self) -> Result<(), String> {
        let steps: [(&str, Step<'_>); 11] = [
            ("before a click", Self::before_a_click),
            ("the first click", Self::first_click),
            ("auto-height", Self::auto_height),
            ("theme=auto", Self::theme_follows_the_host),
            ("messages", Self::messages),
            ("a stranger's messages", Self::strangers_are_ignored),
            ("open in playground", Self::open_in_playground),
            ("the reader's work", Self::the_readers_work_is_kept),
            ("the other blocks", Self::the_other_blocks),
            ("a large block", Self::a_large_block_in_a_message),
            ("a lesson step", Self::a_lesson_step),
        ];
        for (name, step) in steps {
            step(self).map_err(|e| format!("{name}: {e}"))?;
        }
        Ok(())
    }

    fn exec(&self, script: &str, args: Vec<Json>) -> Result<Json, String> {
        self.session.execute(script, args)
    }

    fn string(&self, script: &str, args: Vec<Json>) -> Result<String, String> {
        self.session.string(script, args)
    }

    fn number(&self, script: &str, args: Vec<Json>) -> Result<f64, String> {
        match self.exec(script, args)? {
            Json::Number(n) => Ok(n),
            other => Err(format!("{script}: not a number: {other}")),
        }
    }

    fn wait<T>(
        &self,
        what: &str,
        timeout: Duration,
        check: impl FnMut() -> Result<Option<T>, String>,
    ) -> Result<T, String> {
        let messages = "return JSON.stringify((window.__m || []).map(m => [m.frame, m.data.type, m.data.value && String(m.data.value).slice(0, 60)]));";
        self.session
            .wait(what, timeout, &[("messages", messages)], check)
    }

    fn screenshot(&self, name: &str) -> Result<(), String> {
        self.session.save_screenshot(&self.out, name, "e2e_embed")
    }

    fn note(&self, line: &str) {
        let mut report = self.report.borrow_mut();
        report.push_str(line);
        report.push('\n');
    }

    /// Runs `script` inside the n-th svcplay frame of the docs page and returns its result.
    fn in_frame(&self, n: usize, script: &str, args: Vec<Json>) -> Result<Json, String> {
        let frame = self.frame_element(n)?;
        self.session.enter_frame(frame)?;
        let result = self.session.execute(script, args);
        self.session.leave_frames()?;
        result
    }

    fn in_frame_string(&self, n: usize, script: &str) -> Result<String, String> {
        Ok(self
            .in_frame(n, script, vec![])?
            .as_str()
            .unwrap_or_default()
            .to_string())
    }

    /// The element reference of the n-th embed's iframe (embeds in document order).
    fn frame_element(&self, n: usize) -> Result<Json, String> {
        self.exec(
            "const box = document.querySelectorAll('.svcplay-embed')[arguments[0]];
             return box ? box.querySelector('iframe') : null;",
            vec![Json::from(n as f64)],
        )
        .and_then(|e| match e {
            Json::Null => Err(format!("embed {n} has no frame")),
            e => Ok(e),
        })
    }

    /// What the playground's server has sent: (requests, bytes, gzip bytes, paths); with
    /// `distinct`, each file once (the test server forbids caching, so the Web Worker fetches
    /// the page's scripts again; a host that lets them be cached sends them once).
    fn fetched(&self, distinct: bool) -> (usize, usize, usize, Vec<String>) {
        let mut served = self.pg.served();
        if distinct {
            let mut seen = std::collections::HashSet::new();
            served.retain(|(p, _)| seen.insert(p.clone()));
        }
        let dist = PathBuf::from(std::env::var_os("SVCPLAY_E2E_DIST").unwrap_or_default());
        let mut gz = 0;
        for (path, _) in &served {
            // /svcplay/VERSION/file → dist/file
            let relative = path.splitn(4, '/').nth(3).unwrap_or("");
            let file = if relative.is_empty() {
                dist.join("index.html")
            } else {
                dist.join(relative)
            };
            gz += gzip_size(&file).unwrap_or(0);
        }
        let bytes = served.iter().map(|(_, b)| b).sum();
        let paths = served.iter().map(|(p, b)| format!("{p} ({b} B)")).collect();
        (served.len(), bytes, gz, paths)
    }

    fn before_a_click(&self) -> Result<(), String> {
        self.session.navigate(&self.docs.url())?;
        self.wait("three Run buttons on a loaded page", LOAD_TIMEOUT, || {
            let n = self.number(
                "return document.readyState === 'complete' ? document.querySelectorAll('.svcplay-embed button.svcplay-run').length : -1;",
                vec![],
            )?;
            Ok((n == 3.0).then_some(()))
        })?;
        // The network log: the playground's server, and what the page itself saw.
        let (requests, bytes, gz, paths) = self.fetched(false);
        let expected = format!("/svcplay/{VERSION}/embed.js");
        if requests != 1 || !paths[0].starts_with(&expected) {
            return Err(format!(
                "before any click the docs page fetched from the playground: {paths:?}; wanted only {expected}"
            ));
        }
        // (The docs page's own files, its favicon say, are not svcplay's.)
        let resources = self.string(
            "return performance.getEntriesByType('resource').map(e => e.name).join(' ');",
            vec![],
        )?;
        if resources
            .split(' ')
            .any(|r| !r.starts_with(&self.pg_origin) || !r.ends_with("/embed.js"))
            && resources
                .split(' ')
                .any(|r| !r.starts_with(&self.docs.url()) && !r.ends_with("/embed.js"))
        {
            return Err(format!(
                "the docs page's resources before a click: {resources}"
            ));
        }
        let frames = self.number("return document.querySelectorAll('iframe').length;", vec![])?;
        if frames != 0.0 {
            return Err(format!("{frames} frames before a click"));
        }
        let page_bytes: usize = self.docs.served().iter().map(|(_, b)| b).sum();
        self.note(&format!(
            "Bytes fetched by the docs page with three embedded blocks (docs/examples/plain.html; \
             uncompressed as served, gzip -9 as a compressing host would send):\n  before a click: \
             the page {page_bytes} B + embed.js {bytes} B (gzip {gz} B); nothing else"
        ));
        self.screenshot("embed-docs-before-click")?;
        // Record every message the page gets from now on, with the frame it came from.
        self.exec(
            "window.__m = [];
             addEventListener('message', e => window.__m.push({origin: e.origin, data: e.data,
               frame: [...document.querySelectorAll('iframe')].findIndex(f => f.contentWindow === e.source)}));",
            vec![],
        )?;
        Ok(())
    }

    /// The block's text as embed.js sends it: without the blank lines around it, one newline.
    fn block_text(&self, selector: &str) -> Result<String, String> {
        let raw = self.string(
            "return [...document.querySelectorAll(arguments[0])].map(b => b.textContent).join('\\u0000');",
            vec![Json::from(selector)],
        )?;
        let parts: Vec<String> = raw
            .split('\0')
            .map(|t| {
                let t = t.trim_end();
                // Leading blank lines go; the first line's indentation stays.
                let start = t
                    .char_indices()
                    .take_while(|(_, c)| c.is_whitespace())
                    .filter(|(_, c)| *c == '\n')
                    .last()
                    .map_or(0, |(i, _)| i + 1);
                t[start..].to_string()
            })
            .collect();
        Ok(format!("{}\n", parts.join("\n---\n")))
    }

    fn click_run(&self, n: usize) -> Result<(), String> {
        let clicked = self.exec(
            "const box = document.querySelectorAll('.svcplay-embed')[arguments[0]];
             const b = box && box.querySelector('button.svcplay-run'); if (!b) return false; b.click(); return true;",
            vec![Json::from(n as f64)],
        )?;
        if clicked != Json::Bool(true) {
            return Err(format!("embed {n} has no Run button"));
        }
        self.wait(&format!("embed {n} to be ready"), LOAD_TIMEOUT, || {
            let state = self.string(
                "return document.querySelectorAll('.svcplay-embed')[arguments[0]].dataset.svcplayState;",
                vec![Json::from(n as f64)],
            )?;
            Ok((state == "ready").then_some(()))
        })
    }

    /// Waits for a `state` message from frame `n` whose text is `text`.
    fn wait_for_state(&self, n: usize, text: &str, what: &str) -> Result<(), String> {
        self.wait_for_state_since(0, n, text, what)
    }

    /// How many messages the page has heard so far (for [`Test::wait_for_state_since`]).
    fn heard(&self) -> Result<usize, String> {
        Ok(self.number("return window.__m.length;", vec![])? as usize)
    }

    /// Waits for such a message among those heard after the first `since`.
    fn wait_for_state_since(
        &self,
        since: usize,
        n: usize,
        text: &str,
        what: &str,
    ) -> Result<(), String> {
        self.wait(what, UPDATE_TIMEOUT, || {
            let seen = self.exec(
                "return window.__m.slice(arguments[2]).some(m => m.frame === arguments[0] && m.data.type === 'svcplay:state' && m.data.value === arguments[1]);",
                vec![Json::from(n as f64), Json::from(text), Json::from(since as f64)],
            )?;
            Ok((seen == Json::Bool(true)).then_some(()))
        })
    }

    fn first_click(&self) -> Result<(), String> {
        let text = self.block_text("pre.svcplay")?;
        let clicked = Instant::now();
        self.click_run(0)?;
        let ready = clicked.elapsed();
        self.wait_for_state(0, &text, "frame 0 to report the block's YAML")?;
        let editor = self.in_frame_string(0, "return document.getElementById('editor').value;")?;
        if editor != text {
            return Err(format!(
                "frame 0's editor holds\n{editor}\nnot the block's\n{text}"
            ));
        }
        let src = self.string("return document.querySelector('iframe').src;", vec![])?;
        if !src.starts_with(&format!(
            "{}/svcplay/{VERSION}/index.html?embed=1",
            self.pg_origin
        )) || !src.contains("view=rules")
            || !src.contains("height=auto")
            || !src.contains("#s1.")
        {
            return Err(format!("frame 0's URL: {src}"));
        }
        // The frame's own address keeps its options (a reload of the frame keeps them too).
        let own = self.in_frame_string(0, "return location.search;")?;
        if !own.contains("embed=1") || !own.contains("height=auto") || !own.contains("view=rules") {
            return Err(format!("frame 0's own address lost its options: {own}"));
        }
        let hidden = self.string(
            "return getComputedStyle(document.querySelector('pre.svcplay')).display;",
            vec![],
        )?;
        if hidden != "none" {
            return Err(format!("the block stays shown beside its frame ({hidden})"));
        }
        let rules = self.wait("frame 0's rules", UPDATE_TIMEOUT, || {
            let rules = self.in_frame_string(
                0,
                "const r = document.getElementById('rules'); return r ? r.textContent : '';",
            )?;
            Ok(rules.contains("30080").then_some(rules))
        })?;
        let shown = clicked.elapsed();
        if !rules.contains("KUBE-NODEPORTS") {
            return Err(format!("frame 0's rules have no KUBE-NODEPORTS:\n{rules}"));
        }
        // What the click fetched, once the page's worker is up too.
        self.wait("the frame's worker script", UPDATE_TIMEOUT, || {
            Ok(self
                .pg
                .served()
                .iter()
                .any(|(p, _)| p.ends_with("/worker.js"))
                .then_some(()))
        })?;
        let (requests, bytes, gz, paths) = self.fetched(false);
        let (files, file_bytes, file_gz, _) = self.fetched(true);
        self.note(&format!(
            "  after clicking one block: {files} files, {file_bytes} B from the playground \
             (gzip {file_gz} B), embed.js included; {requests} requests, {bytes} B (gzip {gz} B) \
             with the worker's second fetch of the scripts, which this test server forbids \
             caching:"
        ));
        for p in &paths {
            self.note(&format!("    {p}"));
        }
        // Measured, not asserted: what the reader waits for after the click (the test's
        // polling adds up to 0.1 s to each; CI is a loaded 2-core machine).
        self.note(&format!(
            "  click → frame ready (svcplay:ready): {:.2} s; click → the block's rules shown: {:.2} s",
            ready.as_secs_f64(),
            shown.as_secs_f64()
        ));
        self.screenshot("embed-docs-after-click")
    }

    /// The frame is as tall as its content, and follows it.
    fn auto_height(&self) -> Result<(), String> {
        let check = |what: &str| -> Result<f64, String> {
            self.wait(what, UPDATE_TIMEOUT, || {
                let outer = self.number(
                    "return document.querySelector('iframe').getBoundingClientRect().height;",
                    vec![],
                )?;
                let content = match self.in_frame(
                    0,
                    "return Math.ceil(document.body.getBoundingClientRect().height);",
                    vec![],
                )? {
                    Json::Number(n) => n,
                    _ => return Ok(None),
                };
                // The frame is the content's height plus its 1px border, top and bottom.
                Ok(((outer - content - 2.0).abs() < 1.0).then_some(outer))
            })
        };
        let rules = check("frame 0 to be as tall as its content (rules)")?;
        // A short text: the view is the taller column, and a shorter view a shorter frame.
        let short = "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector: {app: web}\n  ports:\n  - port: 80\n";
        self.post(0, "load", short)?;
        let short_rules = self.wait("frame 0 to follow a short text", UPDATE_TIMEOUT, || {
            let h = check("frame 0 to be as tall as its content (short)")?;
            Ok((h < rules - 20.0).then_some(h))
        })?;
        self.post(0, "set-view", "dns")?;
        let dns = self.wait("frame 0 to shrink for the DNS view", UPDATE_TIMEOUT, || {
            let h = check("frame 0 to be as tall as its content (dns)")?;
            Ok((h < short_rules - 20.0).then_some(h))
        })?;
        // A longer text makes a taller editor.
        let long = format!("{short}{}", "# a comment\n".repeat(30));
        self.post(0, "load", &long)?;
        let longer = self.wait("frame 0 to grow with a longer text", UPDATE_TIMEOUT, || {
            let h = check("frame 0 to be as tall as its content (long text)")?;
            Ok((h > dns + 100.0).then_some(h))
        })?;
        self.post(0, "set-view", "rules")?;
        self.post(0, "load", &self.block_text("pre.svcplay")?)?;
        let back = self.wait("frame 0 to shrink back", UPDATE_TIMEOUT, || {
            let h = check("frame 0 to be as tall as its content (back)")?;
            Ok(((h - rules).abs() < 1.0).then_some(h))
        })?;
        self.note(&format!(
            "Auto-height (frame 0, px; its content's height, followed): the block (33 lines), rules view {rules:.0}; \
             an 8-line text: rules view {short_rules:.0}, DNS view {dns:.0}; 38 lines, DNS view {longer:.0}; the block again {back:.0}"
        ));
        Ok(())
    }

    /// Sends frame `n` a message from the docs page (its parent), as a host script would.
    fn post(&self, n: usize, kind: &str, value: &str) -> Result<(), String> {
        self.exec(
            "const f = document.querySelectorAll('.svcplay-embed')[arguments[0]].querySelector('iframe');
             f.contentWindow.postMessage({type: 'svcplay:' + arguments[1], protocol: 1, value: arguments[2]}, arguments[3]);",
            vec![
                Json::from(n as f64),
                Json::from(kind),
                Json::from(value),
                Json::from(self.pg_origin.as_str()),
            ],
        )
        .map(drop)
    }

    fn frame_theme(&self, n: usize) -> Result<String, String> {
        self.in_frame_string(n, "return document.documentElement.dataset.theme || '';")
    }

    fn wait_for_theme(&self, theme: &str, what: &str) -> Result<(), String> {
        self.wait(what, UPDATE_TIMEOUT, || {
            Ok((self.frame_theme(0)? == theme).then_some(()))
        })
    }

    fn theme_follows_the_host(&self) -> Result<(), String> {
        if self.frame_theme(0)? != "light" {
            return Err("frame 0 does not start light on a light page".into());
        }
        let media = |value: &str| {
            self.session.devtools(
                "Emulation.setEmulatedMedia",
                Json::object([(
                    "features",
                    Json::from(vec![Json::object([
                        ("name", Json::from("prefers-color-scheme")),
                        ("value", Json::from(value)),
                    ])]),
                )]),
            )
        };
        media("dark")?;
        self.wait_for_theme("dark", "frame 0 to follow the system's dark mode")?;
        self.screenshot("embed-docs-dark")?;
        // The page's own switch wins over the system's.
        self.exec(
            "document.documentElement.setAttribute('data-theme', 'light');",
            vec![],
        )?;
        self.wait_for_theme("light", "frame 0 to follow the page's data-theme=light")?;
        self.exec(
            "document.documentElement.removeAttribute('data-theme'); document.documentElement.classList.add('dark');",
            vec![],
        )?;
        media("light")?;
        self.wait_for_theme("dark", "frame 0 to follow the page's `dark` class")?;
        self.exec("document.documentElement.classList.remove('dark');", vec![])?;
        self.wait_for_theme("light", "frame 0 to follow the page back to light")
    }

    fn messages(&self) -> Result<(), String> {
        self.post(0, "set-lang", "zh-CN")?;
        self.wait("frame 0 to switch to Chinese", UPDATE_TIMEOUT, || {
            let lang = self.in_frame_string(
                0,
                "return document.documentElement.lang + '|' + (document.getElementById('tab-rules') || {}).textContent;",
            )?;
            Ok(lang.starts_with("zh-CN|").then_some(()))
        })?;
        self.screenshot("embed-docs-zh-CN")?;
        self.post(0, "set-lang", "en")?;
        let example = svcplay::examples::find("externalname")
            .ok_or("no externalname example")?
            .text;
        self.post(0, "load", example)?;
        self.wait_for_state(0, example, "frame 0 to report the loaded text")?;
        let editor = self.in_frame_string(0, "return document.getElementById('editor').value;")?;
        if editor != example {
            return Err("frame 0's editor does not hold the loaded text".into());
        }
        // A bad value is refused with an error, and changes nothing.
        self.post(0, "set-view", "nosuch")?;
        self.wait("an error for set-view nosuch", UPDATE_TIMEOUT, || {
            let seen = self.exec(
                "return window.__m.some(m => m.frame === 0 && m.data.type === 'svcplay:error' && m.data.value === 'bad-value');",
                vec![],
            )?;
            Ok((seen == Json::Bool(true)).then_some(()))
        })?;
        self.post(0, "load", &self.block_text("pre.svcplay")?)
    }

    /// A page of a third origin sends svcplay messages to the frame and to the docs page.
    fn strangers_are_ignored(&self) -> Result<(), String> {
        let text = self.block_text("pre.svcplay")?;
        self.wait_for_state(0, &text, "frame 0 back on the block's text")?;
        let height = self.number(
            "return document.querySelector('iframe').getBoundingClientRect().height;",
            vec![],
        )?;
        self.exec(
            "const f = document.createElement('iframe'); f.id = 'stranger'; f.src = arguments[0];
             document.body.appendChild(f);",
            vec![Json::from(self.stranger.as_str())],
        )?;
        self.wait(
            "the stranger to have sent its messages",
            UPDATE_TIMEOUT,
            || {
                let done = self.exec(
                    "return window.__m.some(m => m.data && m.data.stranger === 'done');",
                    vec![],
                )?;
                Ok((done == Json::Bool(true)).then_some(()))
            },
        )?;
        // Then the parent speaks: once the frame has answered it, the stranger's messages
        // (sent before) have been handled too.
        self.post(0, "set-view", "objects")?;
        self.wait("frame 0 to answer its parent", UPDATE_TIMEOUT, || {
            let seen = self.exec(
                "return window.__m.some(m => m.frame === 0 && m.data.type === 'svcplay:state' && m.data.view === 'objects');",
                vec![],
            )?;
            Ok((seen == Json::Bool(true)).then_some(()))
        })?;
        let inside = self
            .in_frame(
                0,
                "return [document.getElementById('editor').value === arguments[0], document.documentElement.lang,
                         document.querySelectorAll('.term-entry').length].join('|');",
                vec![Json::from(text.as_str())],
            )?
            .as_str()
            .unwrap_or_default()
            .to_string();
        if inside != "true|en|0" {
            return Err(format!(
                "the stranger's messages reached frame 0 (text kept|lang|terminal entries = {inside})"
            ));
        }
        let after = self.number(
            "return document.querySelector('iframe').getBoundingClientRect().height;",
            vec![],
        )?;
        let text_now = self.string("return window.svcplay.embeds[0].text;", vec![])?;
        if (after - 4323.0).abs() < 1.0 || text_now.contains("Stranger") {
            return Err(format!(
                "embed.js heard the stranger (frame height {height} → {after}, text {text_now:?})"
            ));
        }
        self.post(0, "set-view", "rules")?;
        self.exec("document.getElementById('stranger').remove();", vec![])?;
        Ok(())
    }

    /// "Open in playground" opens the full page in a new window with the embed's state.
    fn open_in_playground(&self) -> Result<(), String> {
        let edited = self
            .block_text("pre.svcplay")?
            .replace("replicas: 3", "replicas: 5");
        let main = self.session.window()?;
        let before = self.session.windows()?;
        self.in_frame(
            0,
            "const e = document.getElementById('editor'); e.value = arguments[0];
             e.dispatchEvent(new Event('input', {bubbles: true}));",
            vec![Json::from(edited.as_str())],
        )?;
        self.wait_for_state(0, &edited, "frame 0 to report the reader's edit")?;
        self.in_frame(
            0,
            "document.querySelector('.top a.button').click();",
            vec![],
        )?;
        let new = self.wait("a new window", UPDATE_TIMEOUT, || {
            let now = self.session.windows()?;
            Ok(now.into_iter().find(|h| !before.contains(h)))
        })?;
        self.session.switch_to_window(&new)?;
        let result = self.wait("the full playground with the edited text", LOAD_TIMEOUT, || {
            let state = self.string(
                "const e = document.getElementById('editor'); const t = document.querySelector('.tab.active');
                 const r = document.getElementById('rules');
                 return e && t && !document.documentElement.hasAttribute('data-embed-height') && !document.querySelector('.embed')
                   ? [e.value === arguments[0], t.id, !document.querySelector('.busy:not(.idle)'),
                      !!r && r.textContent.includes('30080')].join('|') : '';",
                vec![Json::from(edited.as_str())],
            )?;
            // The text, the view, and its rules computed (not the old scenario's, greyed).
            Ok((state == "true|tab-rules|true|true").then_some(()))
        });
        let shot = self.screenshot("embed-opened-in-playground");
        self.session.close_window()?;
        self.session.switch_to_window(&main)?;
        result.and(shot)
    }

    /// What the reader typed in an embed is theirs: a `load` from the page keeps it one click
    /// away, a reload of the frame gets it back from embed.js, and the frame neither reads nor
    /// writes the main site's storage (its draft, recent scenarios, language, theme).
    fn the_readers_work_is_kept(&self) -> Result<(), String> {
        // Frame 0 holds the reader's edit of the previous step.
        let edited = self
            .block_text("pre.svcplay")?
            .replace("replicas: 3", "replicas: 5");
        let editor =
            |n: usize| self.in_frame_string(n, "return document.getElementById('editor').value;");
        if editor(0)? != edited {
            return Err("frame 0 does not hold the reader's edit".into());
        }
        // The frame's local storage (the playground's origin, as the frame sees it), before.
        const STORAGE: &str = "return JSON.stringify(Object.keys(localStorage).filter(k => k.startsWith('svcplay.')).sort().map(k => [k, localStorage.getItem(k)]));";
        let storage = self.in_frame_string(0, STORAGE)?;
        let page = "apiVersion: v1\nkind: Service\nmetadata:\n  name: from-the-page\nspec:\n  ports:\n  - port: 80\n";
        self.post(0, "load", page)?;
        self.wait(
            "frame 0 to take the page's text and offer the reader's back",
            UPDATE_TIMEOUT,
            || {
                let seen = self.in_frame(
                    0,
                    "const b = document.getElementById('bring-back');
                 const r = document.getElementById('recent-button');
                 return [document.getElementById('editor').value === arguments[0], !!b,
                         r ? r.textContent : ''].join('|');",
                    vec![Json::from(page)],
                )?;
                Ok((seen.as_str() == Some("true|true|Recent (1)")).then_some(()))
            },
        )?;
        self.exec(
            "document.querySelectorAll('.svcplay-embed')[0].scrollIntoView();",
            vec![],
        )?;
        self.screenshot("embed-load-keeps-the-readers-edit")?;
        let since = self.heard()?;
        self.in_frame(0, "document.getElementById('bring-back').click();", vec![])?;
        self.wait_for_state_since(since, 0, &edited, "frame 0 to bring the reader's edit back")?;
        if editor(0)? != edited {
            return Err("Bring back did not put the reader's edit in the editor".into());
        }
        // Nothing of that (nor of the typing, set-lang and set-theme before) was saved.
        let after = self.in_frame_string(0, STORAGE)?;
        if after != storage {
            return Err(format!(
                "frame 0 changed the local storage: {storage} → {after}"
            ));
        }
        // The main site's settings and draft, there before a reload of the frame, are not read.
        self.in_frame(
            0,
            "localStorage.setItem('svcplay.lang', 'zh-CN'); localStorage.setItem('svcplay.theme', 'dark');
             localStorage.setItem('svcplay.text', 'kind: TheMainSitesDraft\\n');",
            vec![],
        )?;
        let seeded = self.in_frame_string(0, STORAGE)?;
        let readies = |n: usize| {
            self.number(
                "return window.__m.filter(m => m.frame === arguments[0] && m.data.type === 'svcplay:ready').length;",
                vec![Json::from(n as f64)],
            )
        };
        let before = readies(0)?;
        self.in_frame(0, "location.reload();", vec![])?;
        self.wait("frame 0 to start again", LOAD_TIMEOUT, || {
            Ok((readies(0)? > before).then_some(()))
        })?;
        self.wait(
            "the reloaded frame to get the reader's edit back",
            UPDATE_TIMEOUT,
            || Ok((editor(0)? == edited).then_some(())),
        )?;
        // …as the reader's own (`edited` in its `state`): a later load keeps it again.
        self.wait("the reloaded frame to call the text the reader's", UPDATE_TIMEOUT, || {
            let last = self.exec(
                "const s = window.__m.filter(m => m.frame === 0 && m.data.type === 'svcplay:state').pop();
                 return !!s && s.data.value === arguments[0] && s.data.edited === true;",
                vec![Json::from(edited.as_str())],
            )?;
            Ok((last == Json::Bool(true)).then_some(()))
        })?;
        let looks = self.in_frame_string(
            0,
            "return document.documentElement.lang + '|' + document.documentElement.dataset.theme;",
        )?;
        if looks != "en|light" {
            return Err(format!(
                "the reloaded frame took the main site's settings: lang|theme = {looks}"
            ));
        }
        let after = self.in_frame_string(0, STORAGE)?;
        self.in_frame(
            0,
            "['svcplay.lang', 'svcplay.theme', 'svcplay.text'].forEach(k => localStorage.removeItem(k));",
            vec![],
        )?;
        if after != seeded {
            return Err(format!(
                "the reloaded frame changed the local storage: {seeded} → {after}"
            ));
        }
        self.note("The reader's work: a load kept their edit (Recent, Bring back); a reload of the frame got it back; the frame read and wrote no svcplay.* storage");
        Ok(())
    }

    /// The readonly block, and the group with its terminal command.
    fn the_other_blocks(&self) -> Result<(), String> {
        let api = self.block_text("code[data-svcplay-readonly]")?;
        self.click_run(1)?;
        self.wait_for_state(1, &api, "frame 1 to report its block")?;
        let inside = self.in_frame_string(
            1,
            "return [document.getElementById('editor').readOnly,
                     [...document.querySelectorAll('.tabs .tab')].map(t => t.id).join(','),
                     document.querySelector('.tab.active').id].join('|');",
        )?;
        if inside != "true|tab-endpoints,tab-rules|tab-endpoints" {
            return Err(format!("frame 1: readonly|tabs|active = {inside}"));
        }
        let shop = self.block_text("code[data-svcplay-group]")?;
        self.click_run(2)?;
        self.wait_for_state(2, &shop, "frame 2 to report both blocks of its group")?;
        let command = "kubectl get endpointslices";
        let expected = svcplay_run(&shop, command)?;
        let output = self.wait("frame 2's terminal output", UPDATE_TIMEOUT, || {
            let out = self.in_frame_string(
                2,
                "const e = document.querySelector('.term-entry');
                 return e ? [...e.querySelectorAll('.term-out, .term-err')].map(p => p.textContent).join('') : '';",
            )?;
            Ok((!out.is_empty()).then_some(out))
        })?;
        if output != expected {
            return Err(format!(
                "frame 2's terminal printed\n{output}\nbut `svcplay run` prints\n{expected}"
            ));
        }
        // The command ran on the group's scenario, at its node's prompt.
        let prompt = self.in_frame_string(
            2,
            "const p = document.querySelector('.term-entry .prompt'); return p ? p.textContent : '';",
        )?;
        if !prompt.contains("@node-1 ") {
            return Err(format!(
                "frame 2's command ran at the prompt {prompt:?}, not node-1's"
            ));
        }
        // The page runs another command with a `run` message.
        let command = "kubectl get services";
        let expected = svcplay_run(&shop, command)?;
        self.post(2, "run", command)?;
        let output = self.wait("frame 2's answer to a run message", UPDATE_TIMEOUT, || {
            let out = self.in_frame_string(
                2,
                "const e = document.querySelectorAll('.term-entry')[1];
                 return e ? [...e.querySelectorAll('.term-out, .term-err')].map(p => p.textContent).join('') : '';",
            )?;
            Ok((!out.is_empty()).then_some(out))
        })?;
        if output != expected {
            return Err(format!(
                "frame 2 ran the page's `{command}` and printed\n{output}\nbut `svcplay run` prints\n{expected}"
            ));
        }
        // The full playground keeps a scenario's command history in local storage; an embed
        // does not.
        let kept = self.in_frame_string(
            2,
            "return Object.keys(localStorage).filter(k => k.startsWith('svcplay.commands.')).join(' ');",
        )?;
        if !kept.is_empty() {
            return Err(format!(
                "frame 2 saved its commands in local storage: {kept}"
            ));
        }
        // Both blocks of the group stay on the page, the frame after the second.
        let shown = self.string(
            "return [...document.querySelectorAll('code[data-svcplay-group]')].map(c => getComputedStyle(c.parentElement).display).join(',');",
            vec![],
        )?;
        if shown != "block,block" {
            return Err(format!("the group's blocks: {shown}"));
        }
        self.exec(
            "document.querySelectorAll('.svcplay-embed')[2].scrollIntoView();",
            vec![],
        )?;
        self.screenshot("embed-docs-group-terminal")
    }

    /// A frame about a lesson step (`lesson=ID&step=N`, embed.js's `data-svcplay-lesson`)
    /// opens that built-in lesson at that step, and keeps no progress.
    fn a_lesson_step(&self) -> Result<(), String> {
        let url = format!(
            "{}/svcplay/{VERSION}/index.html?embed=1&lesson=clusterip&step=2",
            self.pg_origin
        );
        // The full playground opened earlier on this origin saved its draft: start clean.
        self.session
            .navigate(&format!("{}/svcplay/{VERSION}/embed.js", self.pg_origin))?;
        self.exec("localStorage.clear();", vec![])?;
        self.session.navigate(&url)?;
        let shown = self.wait("the lesson pane at step 2", UPDATE_TIMEOUT, || {
            let s = self.string(
                "const l = document.getElementById('lesson');
                 return l ? l.dataset.lesson + '/' + l.dataset.step : '';",
                vec![],
            )?;
            Ok((!s.is_empty()).then_some(s))
        })?;
        if shown != "clusterip/2" {
            return Err(format!(
                "the embed opened lesson step {shown}, not clusterip/2"
            ));
        }
        let kept = self.string(
            "return Object.keys(localStorage).filter(k => k.startsWith('svcplay.')).join(' ');",
            vec![],
        )?;
        if !kept.is_empty() {
            return Err(format!("the lesson embed wrote local storage: {kept}"));
        }
        self.screenshot("embed-lesson-step")
    }

    /// A block too long for a URL goes in a `load` message, to the version folder it names;
    /// `svcplay.scan()` finds blocks added later, and `eager` loads without a click.
    fn a_large_block_in_a_message(&self) -> Result<(), String> {
        // A generated dump compresses too well to outgrow a link: comments of pseudo-random
        // digits (a fixed linear congruential sequence) do not.
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let mut big = svcplay::examples::find("nodeport")
            .ok_or("no nodeport example")?
            .text
            .to_string();
        for _ in 0..300 {
            big.push('#');
            for _ in 0..4 {
                seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                big.push_str(&format!(" {:016x}", seed >> 1));
            }
            big.push('\n');
        }
        self.exec(
            "const pre = document.createElement('pre'); pre.className = 'svcplay';
             pre.dataset.svcplayLoad = 'eager'; pre.dataset.svcplayVersion = arguments[1];
             pre.dataset.svcplayViews = 'objects'; pre.dataset.svcplayHeight = '480';
             pre.dataset.svcplayVeiw = 'dns';
             pre.textContent = arguments[0]; document.body.appendChild(pre); window.svcplay.scan();",
            vec![Json::from(big.as_str()), Json::from(OLD_VERSION)],
        )?;
        let n = 3;
        // The misspelt option is named in the console, for the docs author.
        let mut console = Vec::new();
        self.wait("a warning about data-svcplay-veiw", UPDATE_TIMEOUT, || {
            console.extend(self.session.console_messages()?);
            Ok(console
                .iter()
                .any(|m| m.contains("unknown option data-svcplay-veiw (ignored)"))
                .then_some(()))
        })?;
        self.wait("the large block's frame to be ready", LOAD_TIMEOUT, || {
            let state = self.string(
                "const b = document.querySelectorAll('.svcplay-embed')[3]; return b ? b.dataset.svcplayState : '';",
                vec![],
            )?;
            Ok((state == "ready").then_some(()))
        })?;
        let src = self.string(
            "return document.querySelectorAll('.svcplay-embed')[3].querySelector('iframe').src;",
            vec![],
        )?;
        if src.contains('#')
            || !src.starts_with(&format!(
                "{}/svcplay/{OLD_VERSION}/index.html?",
                self.pg_origin
            ))
        {
            return Err(format!(
                "the large block's frame URL ({} characters): {}…",
                src.len(),
                &src[..src.len().min(300)]
            ));
        }
        let expected = format!("{}\n", big.trim_end());
        self.wait_for_state(n, &expected, "the large block's text, by message")?;
        let height = self.number(
            "return document.querySelectorAll('.svcplay-embed')[3].querySelector('iframe').getBoundingClientRect().height;",
            vec![],
        )?;
        // 480 px inside, and its 1 px border.
        if height != 482.0 {
            return Err(format!(
                "data-svcplay-height=480 gave a frame of {height} px"
            ));
        }
        self.note(&format!(
            "A block of {} bytes (URL over the link limit) travelled in a load message to /svcplay/{OLD_VERSION}/",
            big.len()
        ));
        Ok(())
    }

    /// The Hugo shortcode and the MkDocs recipe: each site builds, and its block runs.
    fn recipes(&self, embed_js: &str) -> Result<(), String> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs");
        let site = TempDir::new("svcplay-e2e-embed-sites").map_err(|e| e.to_string())?;
        let mut built = Vec::new();
        if has_command("hugo") {
            let out = site.path().join("hugo");
            let status = Command::new("hugo")
                .args(["--quiet", "--source"])
                .arg(root.join("hugo/example"))
                .arg("--destination")
                .arg(&out)
                .arg("--baseURL")
                .arg("/")
                .env("HUGO_PARAMS_SVCPLAYEMBEDJS", embed_js)
                .status()
                .map_err(|e| format!("hugo: {e}"))?;
            if !status.success() {
                return Err(format!("hugo failed: {status}"));
            }
            let source = read(&root.join("hugo/example/content/_index.md"))?;
            built.push((
                "hugo",
                out,
                between(&source, "{{< svcplay", "{{< /svcplay >}}")?,
            ));
        } else {
            self.note("Hugo recipe: skipped (no hugo; scripts/test.sh installs it)");
        }
        if has_command_args("python3", &["-m", "mkdocs", "--version"]) {
            let out = site.path().join("mkdocs");
            let status = Command::new("python3")
                .args(["-m", "mkdocs", "build", "--quiet", "--config-file"])
                .arg(root.join("mkdocs/example/mkdocs.yml"))
                .arg("--site-dir")
                .arg(&out)
                .env("SVCPLAY_EMBED_JS", embed_js)
                .status()
                .map_err(|e| format!("mkdocs: {e}"))?;
            if !status.success() {
                return Err(format!("mkdocs failed: {status}"));
            }
            let source = read(&root.join("mkdocs/example/docs/index.md"))?;
            built.push(("mkdocs", out, between(&source, "```{", "```")?));
        } else {
            self.note("MkDocs recipe: skipped (no mkdocs; scripts/test.sh installs it)");
        }
        for (name, dir, expected) in built {
            let server = StaticServer::start(&dir).map_err(|e| e.to_string())?;
            self.session.navigate(&server.url())?;
            self.wait(
                &format!("the {name} page's Run button"),
                LOAD_TIMEOUT,
                || {
                    let n = self.number(
                    "return document.querySelectorAll('.svcplay-embed button.svcplay-run').length;",
                    vec![],
                )?;
                    Ok((n >= 1.0).then_some(()))
                },
            )?;
            self.exec(
                "window.__m = [];
                 addEventListener('message', e => window.__m.push({origin: e.origin, data: e.data,
                   frame: [...document.querySelectorAll('iframe')].findIndex(f => f.contentWindow === e.source)}));",
                vec![],
            )?;
            let text = self.string("return window.svcplay.embeds[0].text;", vec![])?;
            if text != expected {
                return Err(format!(
                    "the {name} page's block reads\n{text}\nnot its source's\n{expected}"
                ));
            }
            self.click_run(0)?;
            self.wait_for_state(0, &expected, &format!("the {name} page's frame"))?;
            let view = self.string("return document.querySelector('iframe').src;", vec![])?;
            if !view.contains("view=rules") {
                return Err(format!("the {name} block's frame: {view}"));
            }
            self.screenshot(&format!("embed-recipe-{name}"))?;
            self.note(&format!("{name} recipe: built, its block ran in svcplay"));
        }
        Ok(())
    }
}

fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

/// The lines of a recipe's source between the line that starts with `open` and the next that
/// starts with `close`, as embed.js reads the block they make (ending in one newline).
fn between(source: &str, open: &str, close: &str) -> Result<String, String> {
    let mut lines = source.lines().skip_while(|l| !l.starts_with(open));
    lines
        .next()
        .ok_or_else(|| format!("no line starting with {open}"))?;
    let block: Vec<&str> = lines.take_while(|l| !l.starts_with(close)).collect();
    Ok(format!("{}\n", block.join("\n").trim_end()))
}

fn has_command(name: &str) -> bool {
    has_command_args(name, &["version"])
}

fn has_command_args(name: &str, args: &[&str]) -> bool {
    Command::new(name)
        .args(args)
        .output()
        .is_ok_and(|o| o.status.success())
}

/// What `svcplay run FILE -- COMMAND` prints (stdout then stderr).
fn svcplay_run(scenario: &str, command: &str) -> Result<String, String> {
    let dir = TempDir::new("svcplay-e2e-embed-run").map_err(|e| e.to_string())?;
    let file = dir.path().join("scenario.yaml");
    std::fs::write(&file, scenario).map_err(|e| e.to_string())?;
    let out = Command::new(env!("CARGO_BIN_EXE_svcplay"))
        .arg("run")
        .arg(&file)
        .arg("--")
        .args(svcplay::views::split_command_line(command))
        .output()
        .map_err(|e| format!("cannot run svcplay: {e}"))?;
    Ok(format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    ))
}
