//! The editor with a long text, end to end in headless Chromium: a text of more lines than
//! the editor's textarea holds at once (the 10-Service scenario, 1,272 lines) is edited
//! through a window of its lines (src/ui/editor.rs), and what a learner expects of an editor
//! still works on the whole text: select-all then copy, cut, or typing over it; Ctrl+End and
//! Ctrl+Home; undo and redo across moves of the window (Ctrl+Z, Ctrl+Shift+Z, Ctrl+Y, the
//! Undo button, the browser's own undo command); a value set by a script is the whole text.
//! Keys are WebDriver's (real key events). The whole text is read through the clipboard's
//! `copy` event (Ctrl+A, Ctrl+C), as a learner would take it away. Runs only with
//! `SVCPLAY_E2E_DIST` set to a built `dist/`.

// Tests may read the clock (timeouts); only the core may not.
#![allow(clippy::disallowed_methods)]

mod support;

use std::time::Duration;

use support::json::Json;
use support::webdriver::Session;

const TIMEOUT: Duration = Duration::from_secs(60);
/// WebDriver's key codes (see `support::webdriver::keys`).
const CONTROL: &str = "\u{E009}";
const SHIFT: &str = "\u{E008}";
const HOME: &str = "\u{E011}";
const END: &str = "\u{E010}";

#[test]
fn a_long_text_keeps_undo_copy_and_select_all() {
    let Some(dist) = support::e2e_dist("e2e_editor") else {
        return;
    };
    let result = support::with_browser(
        "chromedriver-editor",
        &dist,
        "1366,900",
        |session, server, _out| Editor { s: session }.story(&server.url()),
    );
    if let Err(message) = result {
        panic!("end-to-end test of the editor's long texts failed: {message}");
    }
}

struct Editor<'s> {
    s: &'s Session<'s>,
}

impl Editor<'_> {
    fn story(&self, url: &str) -> Result<(), String> {
        self.s.navigate(url)?;
        self.until(
            "the app to render the editor",
            "return !!document.getElementById('editor') && !document.documentElement.hasAttribute('data-prerender')
                && document.getElementById('editor').value.length > 100;",
            vec![],
        )?;
        // What a copy put on the clipboard (the page's handler runs first, on the textarea).
        self.s.execute(
            "for (const kind of ['copy', 'cut']) document.addEventListener(kind, e => {
                 window.__clipboard = e.clipboardData.getData('text/plain');
             });",
            vec![],
        )?;
        let ten = svcplay::examples::dump::large_dump(10, 10);
        // Pasted as a script sets a value: the whole text.
        self.s.execute(
            "const e = document.getElementById('editor');
             e.value = arguments[0];
             e.dispatchEvent(new Event('input', {bubbles: true}));",
            vec![Json::from(ten.as_str())],
        )?;
        let held = self.number("return document.getElementById('editor').value.length;")?;
        if held as usize >= ten.len() {
            return Err(format!(
                "the textarea holds all {} bytes of the 10-Service scenario, not a window",
                ten.len()
            ));
        }
        self.expect_whole("the pasted text", &ten)?;

        // A key at the end of the first line and two at the end of the text: the window
        // moves between them (Ctrl+Home and Ctrl+End go to the text's ends).
        self.keys(&[&chord(CONTROL, HOME), END, "a", "b", "c"])?;
        let first = ten.replacen('\n', "abc\n", 1);
        self.keys(&[&chord(CONTROL, END)])?;
        let at_end = self.s.execute(
            "const e = document.getElementById('editor');
             return e.selectionStart === e.value.length && e.selectionEnd === e.value.length;",
            vec![],
        )?;
        if at_end != Json::Bool(true) {
            return Err("Ctrl+End did not put the caret at the end of the window".into());
        }
        self.keys(&["z", "z"])?;
        let both = format!("{first}zz");
        self.expect_whole("typed at both ends", &both)?;

        // Undo and redo across the window's moves.
        self.keys(&[&chord(CONTROL, "z")])?;
        self.expect_whole("one undo (the keys at the end)", &first)?;
        self.keys(&[&chord(CONTROL, "z")])?;
        self.expect_whole(
            "two undos (the keys at the start, far from the window)",
            &ten,
        )?;
        self.keys(&[&format!("{CONTROL}+{SHIFT}+z")])?;
        self.expect_whole("redo with Ctrl+Shift+Z", &first)?;
        self.keys(&[&chord(CONTROL, "y")])?;
        self.expect_whole("redo with Ctrl+Y", &both)?;

        // Select-all, then cut: the clipboard has the whole text, the editor nothing.
        self.keys(&[&chord(CONTROL, "a"), &chord(CONTROL, "x")])?;
        self.until(
            "the cut's clipboard to hold the whole text and the editor nothing",
            "return window.__clipboard === arguments[0] && document.getElementById('editor').value === '';",
            vec![Json::from(both.as_str())],
        )?;
        self.keys(&[&chord(CONTROL, "z")])?;
        self.expect_whole("the cut undone", &both)?;

        // Select-all, then a key: the whole text is that key.
        self.keys(&[&chord(CONTROL, "a"), "q"])?;
        self.until(
            "the editor to hold the key typed over the whole text",
            "return document.getElementById('editor').value === 'q';",
            vec![],
        )?;
        self.keys(&[&chord(CONTROL, "z")])?;
        self.expect_whole("the replacement undone", &both)?;

        // The toolbar's Undo button.
        self.s.execute(
            "[...document.querySelectorAll('.editor-toolbar button')].find(b => b.title === 'Ctrl+Z').click();",
            vec![],
        )?;
        self.expect_whole("the Undo button", &first)?;

        // The browser's own undo command (the context menu's Undo) after a key typed.
        self.keys(&[&chord(CONTROL, END), "w"])?;
        self.expect_whole("a key typed at the end", &format!("{first}w"))?;
        self.s.execute(
            "const e = document.getElementById('editor'); e.focus(); document.execCommand('undo');",
            vec![],
        )?;
        self.expect_whole("the browser's undo command", &first)?;

        // A new text set by a script while the editor holds a window is the whole text
        // (the window's lines edited by a script stay an edit of the window).
        let other = svcplay::examples::dump::large_dump(12, 10);
        self.s.execute(
            "const e = document.getElementById('editor');
             e.value = arguments[0];
             e.dispatchEvent(new Event('input', {bubbles: true}));",
            vec![Json::from(other.as_str())],
        )?;
        self.expect_whole("a new text set by a script", &other)?;
        self.keys(&[&chord(CONTROL, HOME)])?;
        self.s.execute(
            "const e = document.getElementById('editor');
             e.value = e.value.replace('\\n', ' # by script\\n');
             e.dispatchEvent(new Event('input', {bubbles: true}));",
            vec![],
        )?;
        self.expect_whole(
            "the window's first line edited by a script",
            &other.replacen('\n', " # by script\n", 1),
        )?;
        Ok(())
    }

    /// Select-all and copy give `text` (read from the `copy` event), waited for.
    fn expect_whole(&self, what: &str, text: &str) -> Result<(), String> {
        let mut last = String::new();
        let found = self.s.wait(
            &format!("select-all + copy to give the whole text ({what})"),
            TIMEOUT,
            &[],
            || {
                self.s.execute("window.__clipboard = null;", vec![])?;
                self.keys(&[&chord(CONTROL, "a"), &chord(CONTROL, "c")])?;
                last = self.s.string(
                    "return window.__clipboard === null ? '(no copy event)' : window.__clipboard;",
                    vec![],
                )?;
                Ok((last == text).then_some(()))
            },
        );
        // Ctrl+A selected everything: a caret goes back to the end, as before.
        self.keys(&[&chord(CONTROL, END)])?;
        found.map_err(|e| {
            format!(
                "{e}\nlast copied: {} bytes, starting {:?}; expected {} bytes",
                last.len(),
                last.chars().take(80).collect::<String>(),
                text.len()
            )
        })
    }

    fn keys(&self, presses: &[&str]) -> Result<(), String> {
        self.s.execute(
            "const e = document.getElementById('editor'); if (document.activeElement !== e) e.focus();",
            vec![],
        )?;
        self.s.keys(presses)
    }

    fn number(&self, script: &str) -> Result<f64, String> {
        match self.s.execute(script, vec![])? {
            Json::Number(n) => Ok(n),
            other => Err(format!("{script} gave {other:?}")),
        }
    }

    fn until(&self, what: &str, script: &str, args: Vec<Json>) -> Result<(), String> {
        self.s.wait(what, TIMEOUT, &[], || {
            Ok((self.s.execute(script, args.clone())? == Json::Bool(true)).then_some(()))
        })
    }
}

/// `modifier` held while `key` is pressed.
fn chord(modifier: &str, key: &str) -> String {
    format!("{modifier}+{key}")
}

/// WebDriver's Tab key.
const TAB: &str = "\u{E004}";

/// The editor's whole text, as a learner takes it away (Ctrl+A, Ctrl+C: the page's copy
/// handler gives the whole text even when the textarea holds a window of it), once it
/// equals `want` (waited for) or as it last was.
fn copied(s: &support::webdriver::Session<'_>, want: &str) -> Result<String, String> {
    let mut last = String::new();
    let found = s.wait(
        "select-all + copy to give the text expected",
        std::time::Duration::from_secs(20),
        &[],
        || {
            s.execute(
                "window.__clipboard = null; const e = document.getElementById('editor'); if (document.activeElement !== e) e.focus();",
                vec![],
            )?;
            s.keys(&[&format!("{CONTROL}+a"), &format!("{CONTROL}+c")])?;
            last = s.string(
                "return window.__clipboard === null ? '(no copy event)' : window.__clipboard;",
                vec![],
            )?;
            Ok((last == want).then_some(()))
        },
    );
    Ok(match found {
        Ok(()) => want.to_string(),
        Err(_) => last,
    })
}

/// Ctrl+A then Tab (and Shift+Tab) in a text the editor holds through a window (the
/// 10-Service scenario, 1,272 lines): the editor indents the lines selected, and Ctrl+A
/// selected the whole text, so every line of it is indented, and none is lost. Runs only
/// with `SVCPLAY_E2E_DIST` set to a built `dist/`.
/// (The review of this round found Ctrl+A, Tab indenting only the lines the textarea
/// held: 23,188 bytes where 25,132 were due.)
#[test]
fn select_all_then_tab_keeps_the_whole_text() {
    let Some(dist) = support::e2e_dist("e2e_editor select_all_then_tab") else {
        return;
    };
    let ten = svcplay::examples::dump::large_dump(10, 10);
    let indented: String = ten
        .split('\n')
        .map(|l| format!("  {l}"))
        .collect::<Vec<_>>()
        .join("\n");
    let result = support::with_browser(
        "chromedriver-editor-tab",
        &dist,
        "1366,900",
        |s, server, _| {
            s.navigate(&server.url())?;
            s.wait("the editor", std::time::Duration::from_secs(60), &[], || {
            Ok((s.execute(
                "return !!document.getElementById('editor') && !document.documentElement.hasAttribute('data-prerender') && document.getElementById('editor').value.length > 100;",
                vec![],
            )? == support::json::Json::Bool(true))
            .then_some(()))
        })?;
            s.execute(
            "for (const kind of ['copy', 'cut']) document.addEventListener(kind, e => { window.__clipboard = e.clipboardData.getData('text/plain'); });
             const e = document.getElementById('editor');
             e.value = arguments[0];
             e.dispatchEvent(new Event('input', {bubbles: true}));",
            vec![support::json::Json::from(ten.as_str())],
        )?;
            let held = copied(s, &ten)?;
            if held != ten {
                return Err(format!(
                    "the text set is not the editor's: {} bytes, want {}",
                    held.len(),
                    ten.len()
                ));
            }
            s.keys(&[&format!("{CONTROL}+{HOME}"), &format!("{CONTROL}+a"), TAB])?;
            let got = copied(s, &indented)?;
            let mut problems = Vec::new();
            if got != indented {
                problems.push(format!(
                "Ctrl+A, Tab: the whole text is {} bytes and {} lines, want {} bytes and {} lines (every line indented); its last line {:?}",
                got.len(),
                got.split('\n').count(),
                indented.len(),
                indented.split('\n').count(),
                got.rsplit('\n').nth(1).unwrap_or_default()
            ));
            }
            s.keys(&[&format!("{CONTROL}+a"), &format!("{SHIFT}+{TAB}")])?;
            let back = copied(s, &ten)?;
            if back != ten {
                problems.push(format!(
                    "then Ctrl+A, Shift+Tab: {} bytes and {} lines, want {} bytes and {} lines",
                    back.len(),
                    back.split('\n').count(),
                    ten.len(),
                    ten.split('\n').count()
                ));
            }
            if problems.is_empty() {
                Ok(())
            } else {
                Err(problems.join("\n"))
            }
        },
    );
    if let Err(message) = result {
        panic!("{message}");
    }
}
