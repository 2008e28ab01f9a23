//! The page's end-to-end walk-through in headless Chromium (`tests/e2e/page.rs`), with the
//! shared WebDriver harness (`tests/support/`). Runs only with `SVCPLAY_E2E_DIST` set.

mod support;

#[path = "e2e/page.rs"]
mod page;
