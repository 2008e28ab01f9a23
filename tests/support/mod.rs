//! Helpers for the end-to-end tests: HTTP (a client and a static file server), JSON, a
//! WebDriver client, a temporary directory, and the one set-up both browser tests share
//! ([`e2e_dist`], [`with_browser`]). All blocking std code, so the tests add no
//! dependencies. (The real-kernel tests' network namespaces are `netns.rs`, included by
//! those tests alone.)

pub mod http;
pub mod json;
pub mod webdriver;

use http::StaticServer;
use json::Json;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};
use std::{fs, io, process};
use webdriver::{ChromeDriver, Session};

/// A fresh directory under the system's temporary directory, removed when dropped.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(prefix: &str) -> io::Result<TempDir> {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let path = std::env::temp_dir().join(format!("{prefix}-{}-{nanos}", process::id()));
        fs::create_dir_all(&path)?;
        Ok(TempDir(path))
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// The same Chromium arguments as the wasm-bindgen browser tests use.
const WEBDRIVER_JSON: &str = include_str!("../../webdriver.json");

/// The built `dist/` an end-to-end test runs on (`SVCPLAY_E2E_DIST`), or `None` after
/// saying on stderr that `test` is skipped (a plain `cargo test` needs no browser).
pub fn e2e_dist(test: &str) -> Option<PathBuf> {
    match std::env::var_os("SVCPLAY_E2E_DIST") {
        Some(dist) => Some(PathBuf::from(dist)),
        None => {
            // Written to stderr directly: the harness hides `println!` of passing tests.
            let _ = writeln!(
                std::io::stderr(),
                "{test}: skipped; set SVCPLAY_E2E_DIST to a built dist/ directory to run it (scripts/test.sh does)"
            );
            None
        }
    }
}

/// Where the tests write logs and screenshots: `test-output/`, created if needed.
pub fn out_dir() -> Result<PathBuf, String> {
    let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("test-output");
    fs::create_dir_all(&out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    Ok(out)
}

/// A binary named by an environment variable, or its default path.
pub fn binary(variable: &str, default: &str) -> PathBuf {
    std::env::var_os(variable).map_or_else(|| PathBuf::from(default), PathBuf::from)
}

/// webdriver.json's Chromium arguments, plus a fresh profile and a fixed window size.
pub fn chromium_args(profile: &Path, window: &str) -> Result<Vec<String>, String> {
    let config = Json::parse(WEBDRIVER_JSON).map_err(|e| format!("webdriver.json: {e}"))?;
    let Some(Json::Array(args)) = config.get("goog:chromeOptions").and_then(|o| o.get("args"))
    else {
        return Err("webdriver.json has no goog:chromeOptions.args".to_string());
    };
    let mut args: Vec<String> = args
        .iter()
        .filter_map(Json::as_str)
        .map(str::to_string)
        .collect();
    args.push(format!("--user-data-dir={}", profile.display()));
    args.push(format!("--window-size={window}"));
    Ok(args)
}

/// Serves `dist`, starts ChromeDriver (its log in `test-output/{name}.log`) and a
/// headless Chromium with a fresh profile and a `window` size, and runs `test` with the
/// session, the server (the test may stop it) and the output directory. They stop in
/// reverse order of starting: Chromium quits before ChromeDriver is killed, and is gone
/// before its profile directory is removed. (`CHROMEDRIVER` and `CHROMIUM` name the
/// binaries; by default those of Debian's packages.)
#[allow(dead_code)] // e2e_embed.rs serves its own layout (the playground under a sub-path)
pub fn with_browser<T>(
    name: &str,
    dist: &Path,
    window: &str,
    test: impl FnOnce(&Session<'_>, StaticServer, &Path) -> Result<T, String>,
) -> Result<T, String> {
    if !dist.join("index.html").is_file() {
        return Err(format!(
            "{} has no index.html; build it with `trunk build --release`",
            dist.display()
        ));
    }
    let out = out_dir()?;
    let server =
        StaticServer::start(dist).map_err(|e| format!("cannot start the static server: {e}"))?;
    let profile = TempDir::new(&format!("svcplay-{name}"))
        .map_err(|e| format!("cannot create a profile dir: {e}"))?;
    let driver = ChromeDriver::start(
        &binary("CHROMEDRIVER", "/usr/bin/chromedriver"),
        &out.join(format!("{name}.log")),
    )?;
    let session = Session::new(
        &driver,
        &binary("CHROMIUM", "/usr/bin/chromium"),
        &chromium_args(profile.path(), window)?,
    )?;
    test(&session, server, &out)
}
