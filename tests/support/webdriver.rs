//! A minimal blocking W3C WebDriver client for ChromeDriver and headless Chromium.
//!
//! Only the handful of commands the end-to-end test needs: new session, navigate, execute a
//! script, take a screenshot, read the browser console, and quit. Both the driver process and the
//! session are guards, so they are cleaned up by `Drop` even when a test fails half way.

use std::fs::File;
use std::io::Write as _;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use super::http::{self, free_port};
use super::json::Json;

/// How long one WebDriver command may take. Generous: the machine may be busy compiling.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(120);
/// How long ChromeDriver may take to start listening.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// A running ChromeDriver process, killed when dropped.
pub struct ChromeDriver {
    child: Child,
    addr: SocketAddr,
    log: PathBuf,
}

impl ChromeDriver {
    /// Starts ChromeDriver on a free loopback port, with its output in `log`, and waits until it
    /// answers `/status`.
    pub fn start(binary: &Path, log: &Path) -> Result<ChromeDriver, String> {
        let port = free_port().map_err(|e| format!("no free port for ChromeDriver: {e}"))?;
        let out = File::create(log).map_err(|e| format!("cannot create {}: {e}", log.display()))?;
        let err = out.try_clone().map_err(|e| e.to_string())?;
        let child = Command::new(binary)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .map_err(|e| {
                format!(
                    "cannot start {}: {e} (install chromium-driver?)",
                    binary.display()
                )
            })?;
        let mut driver = ChromeDriver {
            child,
            addr: (Ipv4Addr::LOCALHOST, port).into(),
            log: log.to_path_buf(),
        };

        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            let ready = http::request(driver.addr, "GET", "/status", "", Duration::from_secs(2))
                .ok()
                .and_then(|r| Json::parse(&String::from_utf8_lossy(&r.body)).ok())
                .and_then(|j| j.get("value")?.get("ready").cloned());
            if ready == Some(Json::Bool(true)) {
                return Ok(driver);
            }
            if let Ok(Some(status)) = driver.child.try_wait() {
                return Err(format!(
                    "ChromeDriver exited with {status}; {}",
                    driver.log_text()
                ));
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "ChromeDriver not ready after {START_TIMEOUT:?}; {}",
                    driver.log_text()
                ));
            }
            thread::sleep(Duration::from_millis(100));
        }
    }

    fn log_text(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        format!("its log ({}):\n{}", self.log.display(), text.trim_end())
    }

    /// Sends one command and returns the reply's `value`, or the driver's error message.
    fn command(&self, method: &str, path: &str, body: Option<Json>) -> Result<Json, String> {
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        let response = http::request(self.addr, method, path, &body, COMMAND_TIMEOUT)
            .map_err(|e| format!("WebDriver {method} {path}: {e}"))?;
        let text = String::from_utf8_lossy(&response.body);
        let reply = Json::parse(&text).map_err(|e| format!("WebDriver {method} {path}: {e}"))?;
        let value = reply.get("value").cloned().unwrap_or(Json::Null);
        if response.status == 200 {
            return Ok(value);
        }
        let field = |name| {
            value
                .get(name)
                .and_then(Json::as_str)
                .unwrap_or("")
                .to_string()
        };
        Err(format!(
            "WebDriver {method} {path} failed with HTTP {}: {}: {}",
            response.status,
            field("error"),
            field("message").trim_end()
        ))
    }
}

impl Drop for ChromeDriver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A browser session, quit (closing Chromium) when dropped.
pub struct Session<'d> {
    driver: &'d ChromeDriver,
    id: String,
}

impl<'d> Session<'d> {
    /// Starts a headless Chromium from `binary` with the given command-line arguments.
    pub fn new(
        driver: &'d ChromeDriver,
        binary: &Path,
        args: &[String],
    ) -> Result<Session<'d>, String> {
        let chrome_options = Json::object([
            ("binary", Json::from(binary.to_string_lossy().as_ref())),
            (
                "args",
                Json::from(
                    args.iter()
                        .map(|a| Json::from(a.as_str()))
                        .collect::<Vec<_>>(),
                ),
            ),
        ]);
        let capabilities = Json::object([
            ("browserName", Json::from("chrome")),
            ("goog:chromeOptions", chrome_options),
            // Keep the page's console messages, so a failure can show what the app logged.
            (
                "goog:loggingPrefs",
                Json::object([("browser", Json::from("ALL"))]),
            ),
        ]);
        let body = Json::object([(
            "capabilities",
            Json::object([("alwaysMatch", capabilities)]),
        )]);
        let reply = driver.command("POST", "/session", Some(body))?;
        let id = reply
            .get("sessionId")
            .and_then(Json::as_str)
            .ok_or_else(|| format!("no sessionId in the new-session reply: {reply}"))?;
        Ok(Session {
            driver,
            id: id.to_string(),
        })
    }

    fn command(&self, method: &str, path: &str, body: Option<Json>) -> Result<Json, String> {
        self.driver
            .command(method, &format!("/session/{}{path}", self.id), body)
    }

    /// Loads a URL and waits for the page's load event.
    pub fn navigate(&self, url: &str) -> Result<(), String> {
        self.command(
            "POST",
            "/url",
            Some(Json::object([("url", Json::from(url))])),
        )
        .map(drop)
    }

    /// Runs a script as the body of a function (`arguments` holds `args`) and returns its result.
    pub fn execute(&self, script: &str, args: Vec<Json>) -> Result<Json, String> {
        let body = Json::object([("script", Json::from(script)), ("args", Json::from(args))]);
        self.command("POST", "/execute/sync", Some(body))
    }

    /// Sends a Chrome DevTools Protocol command through ChromeDriver (`goog/cdp/execute`).
    #[allow(dead_code)] // only the page's walk-through emulates devices
    pub fn devtools(&self, cmd: &str, params: Json) -> Result<Json, String> {
        let body = Json::object([("cmd", Json::from(cmd)), ("params", params)]);
        self.command("POST", "/goog/cdp/execute", Some(body))
    }

    /// Presses keys as a user does (WebDriver actions: real key events, so Tab moves focus):
    /// each string is one key, pressed and released in turn; WebDriver's key codes name the
    /// special keys ([`keys`]). A `+` between keys holds the first while pressing the second
    /// (`keys::SHIFT + "+" + keys::TAB`).
    #[allow(dead_code)] // only the page's walk-through types
    pub fn keys(&self, presses: &[&str]) -> Result<(), String> {
        let mut actions = Vec::new();
        for press in presses {
            let parts: Vec<&str> = if press.len() > 1 && press.contains('+') {
                press.split('+').collect()
            } else {
                vec![press]
            };
            for part in &parts {
                actions.push(Json::object([
                    ("type", Json::from("keyDown")),
                    ("value", Json::from(*part)),
                ]));
            }
            for part in parts.iter().rev() {
                actions.push(Json::object([
                    ("type", Json::from("keyUp")),
                    ("value", Json::from(*part)),
                ]));
            }
        }
        let body = Json::object([(
            "actions",
            Json::from(vec![Json::object([
                ("type", Json::from("key")),
                ("id", Json::from("keyboard")),
                ("actions", Json::from(actions)),
            ])]),
        )]);
        self.command("POST", "/actions", Some(body)).map(drop)
    }

    /// Presses (`keyDown`) or releases (`keyUp`) one key, as [`Session::keys`] does, on its
    /// own: a key held between two calls is released by the second (the keystroke
    /// measurement releases a key once its frame is painted, as a typist's finger lifts
    /// after the letter appeared).
    #[allow(dead_code)] // only the page's walk-through measures keystrokes
    pub fn key(&self, kind: &str, key: &str) -> Result<(), String> {
        let body = Json::object([(
            "actions",
            Json::from(vec![Json::object([
                ("type", Json::from("key")),
                ("id", Json::from("keyboard")),
                (
                    "actions",
                    Json::from(vec![Json::object([
                        ("type", Json::from(kind)),
                        ("value", Json::from(key)),
                    ])]),
                ),
            ])]),
        )]);
        self.command("POST", "/actions", Some(body)).map(drop)
    }

    /// A PNG of the current viewport.
    pub fn screenshot(&self) -> Result<Vec<u8>, String> {
        let value = self.command("GET", "/screenshot", None)?;
        let text = value
            .as_str()
            .ok_or("the screenshot reply is not a string")?;
        base64_decode(text).ok_or_else(|| "the screenshot is not valid base64".to_string())
    }

    /// The browser console messages since the last call (ChromeDriver's own log endpoint).
    pub fn console_messages(&self) -> Result<Vec<String>, String> {
        let value = self.command(
            "POST",
            "/se/log",
            Some(Json::object([("type", Json::from("browser"))])),
        )?;
        let Json::Array(entries) = value else {
            return Ok(Vec::new());
        };
        Ok(entries
            .iter()
            .map(|e| {
                let field = |name| e.get(name).and_then(Json::as_str).unwrap_or("");
                format!("{} {}", field("level"), field("message"))
            })
            .collect())
    }
}

/// Waiting for a page and keeping what it showed: the page's and the embedding tests' own
/// helpers (tests/e2e.rs has its simpler ones).
#[allow(dead_code)]
impl Session<'_> {
    /// What `script` returns, as a string ("" when it returns something else).
    pub fn string(&self, script: &str, args: Vec<Json>) -> Result<String, String> {
        Ok(self
            .execute(script, args)?
            .as_str()
            .unwrap_or_default()
            .to_string())
    }

    /// Polls `check` every 100 ms until it gives a value or `timeout` has passed. The
    /// error then names `what` and shows the page's text (of the top-level document), one
    /// section per `(title, script)` of `report` with what the script returns, and the
    /// browser's console.
    pub fn wait<T>(
        &self,
        what: &str,
        timeout: Duration,
        report: &[(&str, &str)],
        mut check: impl FnMut() -> Result<Option<T>, String>,
    ) -> Result<T, String> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(value) = check()? {
                return Ok(value);
            }
            if Instant::now() > deadline {
                let _ = self.leave_frames();
                let page = self
                    .string(
                        "return document.body ? document.body.innerText : '';",
                        vec![],
                    )
                    .map(|t| t.chars().take(3000).collect::<String>())
                    .unwrap_or_default();
                let mut sections = format!("--- page text ---\n{page}\n");
                for (title, script) in report {
                    let said = self.string(script, vec![]).unwrap_or_default();
                    sections.push_str(&format!("--- {title} ---\n{said}\n"));
                }
                let console = self
                    .console_messages()
                    .map(|m| m.join("\n"))
                    .unwrap_or_default();
                return Err(format!(
                    "timed out after {}s waiting for {what}\n{sections}--- browser console ---\n{console}",
                    timeout.as_secs()
                ));
            }
            thread::sleep(Duration::from_millis(100));
        }
    }

    /// Saves a PNG of the viewport as `dir/{name}.png` and says so on stderr, after
    /// `test`'s name.
    pub fn save_screenshot(&self, dir: &Path, name: &str, test: &str) -> Result<(), String> {
        let png = self.screenshot()?;
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        let _ = writeln!(std::io::stderr(), "{test}: screenshot {}", path.display());
        Ok(())
    }
}

/// Frames and windows, for pages that embed others or open new ones.
#[allow(dead_code)] // only the embedding test uses them
impl Session<'_> {
    /// Runs the next commands inside this iframe (an element reference, as a script that
    /// returns the element gives it).
    pub fn enter_frame(&self, frame: Json) -> Result<(), String> {
        self.command("POST", "/frame", Some(Json::object([("id", frame)])))
            .map(drop)
    }

    /// Back to the top-level document.
    pub fn leave_frames(&self) -> Result<(), String> {
        self.command("POST", "/frame", Some(Json::object([("id", Json::Null)])))
            .map(drop)
    }

    pub fn window(&self) -> Result<String, String> {
        let value = self.command("GET", "/window", None)?;
        Ok(value.as_str().unwrap_or_default().to_string())
    }

    pub fn windows(&self) -> Result<Vec<String>, String> {
        let Json::Array(handles) = self.command("GET", "/window/handles", None)? else {
            return Ok(Vec::new());
        };
        Ok(handles
            .iter()
            .filter_map(Json::as_str)
            .map(str::to_string)
            .collect())
    }

    pub fn switch_to_window(&self, handle: &str) -> Result<(), String> {
        let body = Json::object([("handle", Json::from(handle))]);
        self.command("POST", "/window", Some(body)).map(drop)
    }

    /// Closes the current window (switch to another one afterwards).
    pub fn close_window(&self) -> Result<(), String> {
        self.command("DELETE", "/window", None).map(drop)
    }
}

impl Drop for Session<'_> {
    fn drop(&mut self) {
        let _ = self.command("DELETE", "", None);
    }
}

/// WebDriver's codes for the special keys ([`Session::keys`]).
#[allow(dead_code)]
pub mod keys {
    pub const TAB: &str = "\u{E004}";
    pub const ENTER: &str = "\u{E007}";
    pub const SHIFT: &str = "\u{E008}";
    pub const ESCAPE: &str = "\u{E00C}";
    pub const END: &str = "\u{E010}";
    pub const HOME: &str = "\u{E011}";
    pub const LEFT: &str = "\u{E012}";
    pub const RIGHT: &str = "\u{E014}";
}

/// Decodes standard base64 (WebDriver's screenshot encoding), ignoring line breaks.
fn base64_decode(text: &str) -> Option<Vec<u8>> {
    fn sextet(c: u8) -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    }
    let digits: Vec<u8> = text
        .bytes()
        .filter(|c| !c.is_ascii_whitespace() && *c != b'=')
        .collect();
    let mut out = Vec::with_capacity(digits.len() * 3 / 4);
    for chunk in digits.chunks(4) {
        let mut group = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            group |= sextet(c)? << (18 - 6 * i);
        }
        // A chunk of n digits carries n - 1 whole bytes (a single digit cannot occur).
        let bytes = group.to_be_bytes();
        out.extend_from_slice(&bytes[1..chunk.len()]);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::base64_decode;

    #[test]
    fn decodes_base64_with_and_without_padding() {
        assert_eq!(
            base64_decode("aGVsbG8gd29ybGQ=").as_deref(),
            Some(&b"hello world"[..])
        );
        assert_eq!(
            base64_decode("iVBORw0KGgo=").as_deref(),
            Some(&b"\x89PNG\r\n\x1a\n"[..])
        );
        assert_eq!(base64_decode("YQ==").as_deref(), Some(&b"a"[..]));
        assert_eq!(base64_decode("Y*=="), None);
    }
}
