//! `svcplay`, the command-line tool: a thin shell around the core (see `cli.rs`).

#[cfg(not(target_arch = "wasm32"))]
mod cli;
#[cfg(not(target_arch = "wasm32"))]
mod lesson_cli;
#[cfg(not(target_arch = "wasm32"))]
mod serve_cli;
#[cfg(not(target_arch = "wasm32"))]
mod shell_cli;

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    cli::main()
}

#[cfg(target_arch = "wasm32")]
fn main() {}
