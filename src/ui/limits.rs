//! The page's limits on what enters it, in one place.
//!
//! [`MAX_SCENARIO_BYTES`] is the core's one documented size limit of a scenario
//! ([`svcplay::manifest::MAX_SCENARIO_BYTES`], which the command-line tool applies to its
//! input), applied wherever a scenario enters the page: the text a share link inflates to
//! (`static/glue.js` stops inflating there, so a DEFLATE bomb never becomes a string), an
//! embedding page's `load` message, an imported file and the draft saved in this browser.

/// The largest scenario the page takes, in bytes of UTF-8 (16 MiB).
pub use svcplay::manifest::MAX_SCENARIO_BYTES;

/// What makes a scenario large, in bytes: the editor shows it through a window of lines
/// and its analysis always runs in the Web Worker, whatever its last cost, so typing never
/// waits for it. The seeds' labs are 2–3 KB; a 5,000-Service dump is megabytes.
pub const LARGE_TEXT: usize = 100_000;

/// Analyses that took longer than this (ms, on the main thread or in the worker) move the
/// next ones to the Web Worker: the main thread only analyses what is known to be cheap,
/// so that typing never waits (PRODUCT.md: a keystroke is painted within a frame).
pub const MAIN_THREAD_BUDGET_MS: f64 = 25.0;

/// How long (ms, as last measured) an analysis may take on the main thread when a terminal
/// command needs it (the shell changes the cluster, so it needs the analysis here): the
/// user asked for the command and waits for its answer anyway.
pub const COMMAND_BUDGET_MS: f64 = 1_000.0;

/// An edit that changes the text's length by more than this (bytes) is a paste or a
/// replacement, not typing: its cost is not known from the last analysis, so it goes to
/// the worker first.
pub const SMALL_EDIT_BYTES: usize = 256;

/// The history of recent scenarios keeps at most this many…
pub const HISTORY_ENTRIES: usize = 10;
/// …and at most this many bytes in all, so that it always fits in local storage beside the
/// draft. A text bigger than this is never replaced without asking first.
pub const HISTORY_BYTES: usize = 1_000_000;
