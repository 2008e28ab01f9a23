//! End-to-end test of the built page in real headless Chromium.
//!
//! It serves a Trunk `dist/` directory, drives the page through ChromeDriver, types a scenario
//! into the editor and checks kube-proxy's rules and the diagnostics that the page shows. It runs
//! only when `SVCPLAY_E2E_DIST` names a built `dist/` (scripts/test.sh builds one and sets it), so
//! a plain `cargo test` on a developer's machine stays fast and needs no browser.
//!
//! The page contract this test relies on:
//! - `<textarea id="editor">` holds the scenario YAML, and the app recomputes on its `input` event;
//! - `<pre id="rules">` shows kube-proxy's iptables-restore input for the scenario;
//! - the element `id="diagnostics"` lists the problems found in the scenario, with line numbers.
//!
//! Environment: `CHROMEDRIVER` (default /usr/bin/chromedriver) and `CHROMIUM` (default
//! /usr/bin/chromium) name the binaries; screenshots and ChromeDriver's log go to test-output/.

// Tests may read the clock (timeouts, measurements); only the core may not.
#![allow(clippy::disallowed_methods)]

mod support;

use std::io::Write;
use std::path::Path;
use std::thread;
use std::time::{Duration, Instant};

use support::json::Json;
use support::webdriver::Session;

/// The seeds' ClusterIP lab: 4 replicas behind one ClusterIP Service.
const SCENARIO: &str = include_str!("e2e/scale-four.yaml");
/// kube-proxy's probability cascade for 4 endpoints, in the order the rules list them.
const CASCADE: [&str; 3] = [
    "--probability 0.2500000000",
    "--probability 0.3333333333",
    "--probability 0.5000000000",
];
/// A line that no YAML parser accepts: an unclosed flow sequence.
const BROKEN_LINE: &str = "metadata: {name: broken, labels: [unclosed";

/// How long the app may take to start: fetching and compiling the wasm on a busy machine.
const RENDER_TIMEOUT: Duration = Duration::from_secs(60);
/// How long the app may take to recompute after an edit.
const UPDATE_TIMEOUT: Duration = Duration::from_secs(30);

#[test]
fn page_recomputes_rules_and_diagnostics_as_the_user_types() {
    let Some(dist) = support::e2e_dist("e2e") else {
        return;
    };
    let result = support::with_browser(
        "chromedriver",
        &dist,
        "1280,1024",
        |session, server, out| {
            let result = check_page(session, &server.url(), out);
            if result.is_err() {
                // A picture of the failure helps more than any message; losing it must
                // not hide the error.
                let _ = session
                    .screenshot()
                    .map(|png| std::fs::write(out.join("e2e-failure.png"), png));
            }
            result
        },
    );
    if let Err(message) = result {
        panic!("end-to-end test failed: {message}");
    }
}

/// The user's story: open the page, paste the scenario, read the rules, then break the YAML.
fn check_page(session: &Session, url: &str, out: &Path) -> Result<(), String> {
    session.navigate(url)?;
    wait_for(
        session,
        "the app to render #editor, #rules and #diagnostics",
        RENDER_TIMEOUT,
        || {
            // The app itself, not the pre-rendered lab a fresh visit shows until the app
            // takes over (static/loader.js).
            let script =
                "return ['editor', 'rules', 'diagnostics'].every(id => document.getElementById(id))
                && !document.documentElement.hasAttribute('data-prerender');";
            Ok((session.execute(script, vec![])? == Json::Bool(true)).then_some(()))
        },
    )?;

    // Empty the editor first, so that a default scenario cannot pass the check below for us.
    set_editor(session, "")?;
    wait_for(
        session,
        "#rules to drop the cascade for an empty scenario",
        UPDATE_TIMEOUT,
        || Ok((!text_of(session, "rules")?.contains(CASCADE[0])).then_some(())),
    )?;

    set_editor(session, SCENARIO)?;
    let rules = wait_for(
        session,
        "#rules to show the cascade 1/4, 1/3, 1/2",
        UPDATE_TIMEOUT,
        || {
            let rules = text_of(session, "rules")?;
            Ok(CASCADE.iter().all(|p| rules.contains(p)).then_some(rules))
        },
    )?;
    let positions: Vec<usize> = CASCADE.iter().filter_map(|p| rules.find(p)).collect();
    if !positions.is_sorted() {
        return Err(format!(
            "the cascade is out of order (want {CASCADE:?} in this order); #rules:\n{rules}"
        ));
    }
    save_screenshot(session, &out.join("e2e-scale-four.png"))?;

    // The valid scenario may have warnings of its own, so wait for the diagnostics to change.
    let before = text_of(session, "diagnostics")?;
    set_editor(session, &format!("{SCENARIO}---\n{BROKEN_LINE}\n"))?;
    wait_for(
        session,
        "#diagnostics to name a line (\"line N\") for the broken YAML",
        UPDATE_TIMEOUT,
        || {
            let diagnostics = text_of(session, "diagnostics")?;
            Ok((diagnostics != before && mentions_a_line(&diagnostics)).then_some(()))
        },
    )?;
    save_screenshot(session, &out.join("e2e-broken-yaml.png"))
}

/// Replaces the editor's text as a paste would, firing the `input` event the app listens to.
fn set_editor(session: &Session, text: &str) -> Result<(), String> {
    let script = "const editor = document.getElementById('editor');
        editor.value = arguments[0];
        editor.dispatchEvent(new Event('input', {bubbles: true}));";
    session.execute(script, vec![Json::from(text)]).map(drop)
}

/// The text content of the element with this id (empty when it does not exist).
fn text_of(session: &Session, id: &str) -> Result<String, String> {
    let script = "const element = document.getElementById(arguments[0]);
        return element ? element.textContent : '';";
    let value = session.execute(script, vec![Json::from(id)])?;
    Ok(value.as_str().unwrap_or_default().to_string())
}

/// Polls `check` until it yields a value. On timeout the error shows what the user would see:
/// the page's text and the browser console, where a panicking wasm app leaves its message.
fn wait_for<T>(
    session: &Session,
    what: &str,
    timeout: Duration,
    mut check: impl FnMut() -> Result<Option<T>, String>,
) -> Result<T, String> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(value) = check()? {
            return Ok(value);
        }
        if Instant::now() > deadline {
            let page = session
                .execute("return document.body ? document.body.innerText : document.documentElement.outerHTML;", vec![])
                .map(|v| v.as_str().unwrap_or_default().chars().take(4000).collect::<String>())
                .unwrap_or_else(|e| format!("(cannot read the page: {e})"));
            let console = session
                .console_messages()
                .map(|m| m.join("\n"))
                .unwrap_or_else(|e| format!("(unavailable: {e})"));
            return Err(format!(
                "timed out after {}s waiting for {what}\n--- page text ---\n{page}\n--- browser console ---\n{console}",
                timeout.as_secs()
            ));
        }
        thread::sleep(Duration::from_millis(100));
    }
}

fn save_screenshot(session: &Session, path: &Path) -> Result<(), String> {
    let png = session.screenshot()?;
    std::fs::write(path, png).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    let _ = writeln!(std::io::stderr(), "e2e: screenshot {}", path.display());
    Ok(())
}

/// True when the text says `line ` followed by a digit, as in "line 42: ...".
fn mentions_a_line(text: &str) -> bool {
    text.match_indices("line ")
        .any(|(i, m)| text[i + m.len()..].starts_with(|c: char| c.is_ascii_digit()))
}

#[test]
fn finds_line_numbers_in_diagnostics() {
    assert!(mentions_a_line("error at line 42, column 3"));
    assert!(!mentions_a_line("no line here; line x"));
}
