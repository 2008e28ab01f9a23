//! Invariants of the code base, checked like rust-analyzer's tidy test.
//!
//! The core (everything under `src/` except the edges: `main.rs`, `cli.rs`, `shell_cli.rs`,
//! `web.rs` and `src/ui/`) must stay pure: no UI or I/O crates, no file system, no clock, no randomness.
//! A pure core is what lets the same code run in the browser, in the CLI and in tests, and
//! what makes every output reproducible from the scenario text alone.

use std::path::{Path, PathBuf};

/// Files of the edges, which may do I/O.
const EDGES: &[&str] = &[
    "src/main.rs",
    "src/cli.rs",
    "src/shell_cli.rs",
    "src/web.rs",
    "src/ui",
];

/// What the core must not mention, and why.
const FORBIDDEN: &[(&str, &str)] = &[
    ("yew", "the UI framework belongs to src/ui"),
    ("web_sys", "browser APIs belong to src/ui"),
    (
        "wasm_bindgen",
        "JavaScript bindings belong to src/web.rs and src/ui",
    ),
    (
        "js_sys",
        "JavaScript bindings belong to src/web.rs and src/ui",
    ),
    ("gloo", "browser APIs belong to src/ui"),
    ("clap", "argument parsing belongs to src/cli.rs"),
    ("std::fs", "the core does no I/O"),
    ("std::net::TcpStream", "the core does no I/O"),
    ("std::io::stdin", "the core does no I/O"),
    ("std::env", "the core reads no environment"),
    ("SystemTime", "the core reads no clock; time is an input"),
    ("Instant::now", "the core reads no clock; time is an input"),
    (
        "thread_rng",
        "the core draws no randomness; seeds are inputs",
    ),
    ("rand::", "the core draws no randomness; seeds are inputs"),
    ("println!", "the core prints nothing; it returns values"),
    (
        "eprintln!",
        "the core prints nothing; it returns diagnostics",
    ),
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().filter_map(Result::ok) {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn the_core_is_pure() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    let mut problems = Vec::new();
    for file in files {
        let relative = file
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        if EDGES
            .iter()
            .any(|e| relative == *e || relative.starts_with(&format!("{e}/")))
        {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap();
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            for (word, why) in FORBIDDEN {
                if code.contains(word) {
                    problems.push(format!("{relative}:{}: `{word}`: {why}", n + 1));
                }
            }
        }
    }
    assert!(
        problems.is_empty(),
        "the core must stay pure:\n{}",
        problems.join("\n")
    );
}

#[test]
fn every_module_has_a_doc_comment() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    let missing: Vec<String> = files
        .iter()
        .filter(|f| {
            let text = std::fs::read_to_string(f).unwrap();
            !text.trim_start().starts_with("//!")
        })
        .map(|f| f.strip_prefix(root).unwrap().display().to_string())
        .collect();
    assert!(
        missing.is_empty(),
        "modules without a `//!` doc comment: {missing:?}"
    );
}
