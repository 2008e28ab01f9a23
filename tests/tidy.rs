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
    "src/lesson_cli.rs",
    "src/serve_cli.rs",
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

/// Every Rust file under `src/`, with its path from the repository root (`src/a/b.rs`).
fn source_files() -> Vec<(String, PathBuf)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    files
        .into_iter()
        .map(|file| {
            let relative = file
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            (relative, file)
        })
        .collect()
}

#[test]
fn the_core_is_pure() {
    let mut problems = Vec::new();
    for (relative, file) in source_files() {
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

/// The layers of the crate map: the ```` ```text ```` block after `## Layers` in
/// `src/lib.rs`, one layer per line, top first; a line's words up to a `—` are the
/// top-level modules of that layer.
fn layers(lib: &str) -> Vec<Vec<String>> {
    let doc: Vec<&str> = lib
        .lines()
        .filter_map(|l| l.strip_prefix("//!"))
        .map(|l| l.strip_prefix(' ').unwrap_or(l))
        .collect();
    let start = doc
        .iter()
        .position(|l| l.trim() == "## Layers")
        .expect("src/lib.rs has a `## Layers` section");
    let fence = start
        + doc[start..]
            .iter()
            .position(|l| l.starts_with("```"))
            .expect("a fenced diagram after `## Layers`");
    doc[fence + 1..]
        .iter()
        .take_while(|l| !l.starts_with("```"))
        .map(|l| {
            l.split('—')
                .next()
                .unwrap_or("")
                .split_whitespace()
                .map(str::to_string)
                .collect::<Vec<String>>()
        })
        .filter(|l| !l.is_empty())
        .collect()
}

/// The top-level modules a file's code (not its tests, not its comments) names:
/// `crate::m`, `use crate::{m, …}`, and `super::m` where `super` is the crate root.
fn imports(relative: &str, text: &str) -> Vec<(usize, String)> {
    let code = match text.find("\n#[cfg(test)]") {
        Some(at) => &text[..at],
        None => text,
    };
    // How many `super::` lead from this file to the crate root.
    let depth = relative.trim_start_matches("src/").matches('/').count()
        + usize::from(!relative.ends_with("/mod.rs"));
    let root_super = "super::".repeat(depth.saturating_sub(1));
    let mut out = Vec::new();
    for (n, line) in code.lines().enumerate() {
        let line = line.split("//").next().unwrap_or("");
        let mut add = |rest: &str| {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                out.push((n + 1, name));
            }
        };
        for (i, _) in line.match_indices("crate::") {
            let rest = &line[i + "crate::".len()..];
            match rest.strip_prefix('{') {
                Some(group) => {
                    for item in group.split([',', '}']) {
                        add(item.trim());
                    }
                }
                None => add(rest),
            }
        }
        if depth >= 2 {
            for (i, _) in line.match_indices(&root_super) {
                let before = &line[..i];
                if before.ends_with("super::") {
                    continue;
                }
                add(&line[i + root_super.len()..]);
            }
        }
    }
    out
}

#[test]
fn each_module_imports_only_the_layers_below_it() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let lib = std::fs::read_to_string(root.join("src/lib.rs")).unwrap();
    let layers = layers(&lib);
    let layer_of = |m: &str| layers.iter().position(|l| l.iter().any(|x| x == m));
    let modules: Vec<String> = lib
        .lines()
        .filter_map(|l| l.strip_prefix("pub mod "))
        .map(|l| l.trim_end_matches(';').to_string())
        .collect();
    let mut problems = Vec::new();
    for m in &modules {
        if layer_of(m).is_none() {
            problems.push(format!("`{m}` is in no layer of the lib.rs map"));
        }
    }
    for (relative, file) in source_files() {
        let top = relative
            .trim_start_matches("src/")
            .split('/')
            .next()
            .unwrap_or("")
            .trim_end_matches(".rs")
            .to_string();
        let Some(own) = layer_of(&top) else {
            continue; // lib.rs, the edges (main, cli, web, ui)
        };
        if relative.ends_with("/tests.rs") {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap();
        for (line, name) in imports(&relative, &text) {
            if name == top || !modules.contains(&name) {
                continue;
            }
            match layer_of(&name) {
                Some(layer) if layer > own => {}
                Some(layer) if layer == own => problems.push(format!(
                    "{relative}:{line}: `{top}` imports `{name}`, which is beside it in the lib.rs layers (modules of one layer do not import each other)"
                )),
                _ => problems.push(format!(
                    "{relative}:{line}: `{top}` imports `{name}`, which is above it in the lib.rs layers: move what it needs down, or the import up"
                )),
            }
        }
    }
    assert!(
        problems.is_empty(),
        "the layering of src/lib.rs is broken:\n{}",
        problems.join("\n")
    );
}
