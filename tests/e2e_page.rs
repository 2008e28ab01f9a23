//! The page's end-to-end walk-through in headless Chromium (`tests/e2e/page.rs`, with the
//! steps of a page a learner can work in in `tests/e2e/work.rs`, and watching the traffic
//! on the diagram in `tests/e2e/watch.rs`), with the shared WebDriver harness
//! (`tests/support/`), "seeing why" (`tests/e2e/insight.rs`), and the pre-rendered first view
//! with the first load's report (`tests/e2e/prerender.rs`). Runs only with
//! `SVCPLAY_E2E_DIST` set.

// Tests may read the clock (timeouts, measurements); only the core may not.
#![allow(clippy::disallowed_methods)]

mod support;

#[path = "e2e/page.rs"]
mod page;

#[path = "e2e/work.rs"]
mod work;

#[path = "e2e/insight.rs"]
mod insight;
#[path = "e2e/lessons.rs"]
mod lessons;
#[path = "e2e/prerender.rs"]
mod prerender;
#[path = "e2e/watch.rs"]
mod watch;
