//! End-to-end test of lessons (issue 16) in headless Chromium: a learner opens a lesson
//! from the list, fails a check whose message names what it saw, takes a hint, runs the
//! command, passes, reloads and finds the progress kept; "show solution" and "reset step"
//! keep the learner's text in Recent; a link opens a lesson at a step; the presenter mode
//! at 1280×720 in both languages (screenshots `lessons-presenter-*.png` in test-output/),
//! with PageDown changing step and a QR code that zbarimg (when installed) reads back as
//! the step's link; axe-core finds nothing serious or critical in the lesson pane, the
//! lesson list or the presenter mode.

use std::io::Write;
use std::path::Path;

use crate::page::{Page, UPDATE_TIMEOUT, walk};
use crate::support::json::Json;

#[test]
fn lessons() {
    walk(
        "e2e_page lessons",
        "chromedriver-lessons",
        "1366,900",
        "lessons-failure",
        "lessons",
        story,
    );
}

fn until(page: &Page, what: &str, script: &str) -> Result<(), String> {
    page.wait(what, UPDATE_TIMEOUT, || {
        Ok((page.exec(script, vec![])? == Json::Bool(true)).then_some(()))
    })
}

/// The page with this origin's local storage emptied first.
fn fresh(page: &Page, query: &str) -> Result<(), String> {
    page.session.navigate("about:blank")?;
    page.session.devtools(
        "Storage.clearDataForOrigin",
        Json::object([
            ("origin", Json::from(page.url.trim_end_matches('/'))),
            ("storageTypes", Json::from("local_storage")),
        ]),
    )?;
    page.open(query)
}

fn viewport(page: &Page, width: f64, height: f64) -> Result<(), String> {
    page.session.devtools(
        "Emulation.setDeviceMetricsOverride",
        Json::object([
            ("width", Json::from(width)),
            ("height", Json::from(height)),
            ("deviceScaleFactor", Json::from(1.0)),
            ("mobile", Json::from(false)),
        ]),
    )?;
    until(
        page,
        "the viewport's width",
        &format!("return innerWidth === {width};"),
    )
}

fn axe(page: &Page, what: &str, failures: &mut Vec<String>) -> Result<(), String> {
    // A view being recomputed is dimmed on purpose: judge the page once it is current.
    until(
        page,
        "the view to be current",
        "const v = document.getElementById('view-panel'); return !v || v.getAttribute('aria-busy') === 'false';",
    )?;
    let found = page.axe_violations()?;
    let _ = writeln!(std::io::stderr(), "lessons axe {what}: {found}");
    if found != "[]" {
        failures.push(format!("{what}: {found}"));
    }
    Ok(())
}

fn story(page: &Page) -> Result<(), String> {
    let mut axe_failures = Vec::new();
    fresh(page, "")?;
    // The learner's own text, which no lesson step may lose.
    let mine = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: my-own-work\n";
    page.set_editor(mine)?;
    page.saved(mine)?;

    // The list, then the first lesson: its first step starts failing, saying what it saw.
    page.click("#lessons-button")?;
    until(
        page,
        "the lesson list",
        "return !!document.querySelector('#lessons li[data-lesson=\"clusterip\"] button');",
    )?;
    axe(page, "lesson list (en)", &mut axe_failures)?;
    page.click("#lessons li[data-lesson=\"clusterip\"] button")?;
    until(
        page,
        "the lesson pane at step 1 with a failed check",
        "const l = document.getElementById('lesson');
         return !!l && l.dataset.step === '1' && document.querySelectorAll('#lesson-outcomes li.fail').length > 0;",
    )?;
    let failed = page.text_of("#lesson-outcomes li.fail")?;
    if !failed.contains("saw") {
        return Err(format!(
            "the failed check does not say what it saw: {failed}"
        ));
    }
    let kept = page.exec(
        "return (localStorage.getItem('svcplay.history') || '').includes('my-own-work');",
        vec![],
    )?;
    if kept != Json::Bool(true) {
        return Err("opening the lesson did not keep the learner's text in Recent".into());
    }
    axe(page, "lesson pane (en)", &mut axe_failures)?;

    // A hint, then the command; the step passes and is kept.
    page.click("#lesson-hint")?;
    until(
        page,
        "one hint",
        "return document.querySelectorAll('#lesson-hints li').length === 1;",
    )?;
    page.screenshot("lessons-step-failing")?;
    page.type_in_terminal("kubectl create -f deployment.yaml")?;
    until(
        page,
        "the step to pass",
        "return document.getElementById('lesson').dataset.passed === 'true';",
    )?;
    page.screenshot("lessons-step-passed")?;
    until(
        page,
        "the progress to be saved",
        "return (localStorage.getItem('svcplay.lessons') || '').includes('clusterip create-pods');",
    )?;

    // After a reload the list shows the progress.
    page.open("")?;
    page.click("#lessons-button")?;
    until(
        page,
        "the list to show 1 step done",
        "const p = document.querySelector('#lessons li[data-lesson=\"clusterip\"] .lesson-list-progress');
         return !!p && p.textContent.startsWith('1 of');",
    )?;
    // Continue opens the first step not passed yet.
    page.click("#lessons li[data-lesson=\"clusterip\"] button")?;
    until(
        page,
        "step 2",
        "const l = document.getElementById('lesson'); return !!l && l.dataset.step === '2';",
    )?;

    // Show solution keeps the text it replaces (Bring back), and passes the step.
    let edited = page.string(
        "return document.getElementById('editor').value + '# my note\\n';",
        vec![],
    )?;
    page.set_editor(&edited)?;
    page.click("#lesson-solve")?;
    until(
        page,
        "the solution to pass the step",
        "return document.getElementById('lesson').dataset.passed === 'true';",
    )?;
    until(
        page,
        "a way back",
        "return !!document.getElementById('bring-back');",
    )?;
    let back = page.exec(
        "return (localStorage.getItem('svcplay.history') || '').includes('# my note');",
        vec![],
    )?;
    if back != Json::Bool(true) {
        return Err("show solution did not keep the learner's text in Recent".into());
    }
    page.click("#lesson-reset")?;
    until(
        page,
        "reset to fail again",
        "return document.getElementById('lesson').dataset.passed === 'false';",
    )?;

    // Presenter mode at 1280×720 from a link to step 2, in both languages.
    viewport(page, 1280.0, 720.0)?;
    for lang in ["en", "zh-CN"] {
        page.exec(
            "localStorage.setItem('svcplay.lang', arguments[0]);",
            vec![Json::from(lang)],
        )?;
        page.session.navigate("about:blank")?;
        page.open("#lesson=clusterip&step=2")?;
        until(
            page,
            "step 2 from the link",
            "const l = document.getElementById('lesson'); return !!l && l.dataset.step === '2';",
        )?;
        page.click("#presenter-button")?;
        until(
            page,
            "the presenter mode with its QR code",
            "return !!document.querySelector('.app.presenter #presenter-qr svg path')
                && getComputedStyle(document.querySelector('.top')).display === 'none';",
        )?;
        // The view current (not dimmed while the worker analyses), the terminal drawn.
        until(
            page,
            "the presenter's view to be current",
            "return document.getElementById('view-panel').getAttribute('aria-busy') === 'false'
                && !document.querySelector('.view.stale') && !document.querySelector('.top .busy[role=status]')
                && !!document.querySelector('#view-panel .term-welcome');",
        )?;
        let name = format!(
            "lessons-presenter-{}-1280x720",
            if lang == "en" { "en" } else { "zh" }
        );
        page.screenshot(&name)?;
        axe(page, &format!("presenter ({lang})"), &mut axe_failures)?;
        if let Some(read) = zbar(&page.out.join(format!("{name}.png"))) {
            let want = format!(
                "{}#lesson=clusterip&step=2",
                page.url.trim_end_matches('/').to_string() + "/"
            );
            if read.trim() != want {
                return Err(format!("the QR code reads {read:?}, not {want:?}"));
            }
            let _ = writeln!(
                std::io::stderr(),
                "lessons: zbarimg read the presenter's QR code: {read}"
            );
        }
        page.session.keys(&["\u{E00F}"])?; // PageDown
        until(
            page,
            "PageDown to step 3",
            "return document.getElementById('lesson').dataset.step === '3';",
        )?;
        page.session.keys(&["\u{E00E}"])?; // PageUp
        until(
            page,
            "PageUp to step 2",
            "return document.getElementById('lesson').dataset.step === '2';",
        )?;
        page.session.keys(&["\u{E00C}"])?; // Escape
        until(
            page,
            "Escape to leave",
            "return !document.querySelector('.app.presenter');",
        )?;
    }
    page.exec("localStorage.clear();", vec![])?;
    if axe_failures.is_empty() {
        Ok(())
    } else {
        Err(format!("axe-core: {}", axe_failures.join("\n")))
    }
}

/// What zbarimg reads in a screenshot, or `None` without zbarimg.
fn zbar(png: &Path) -> Option<String> {
    let output = std::process::Command::new("zbarimg")
        .args(["--quiet", "--raw"])
        .arg(png)
        .output()
        .ok()?;
    Some(String::from_utf8_lossy(&output.stdout).into_owned())
}
