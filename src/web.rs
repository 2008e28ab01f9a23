//! The page's entry point, built by Trunk for wasm32: mounts the Yew app of `src/ui/`.
//!
//! Natively this binary only exists so that `src/ui/` compiles and its reducer tests run
//! under `cargo test`; running it natively just says so.

mod ui;

#[cfg(target_arch = "wasm32")]
fn main() {
    ui::start();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    let _ = ui::start;
    eprintln!("svcplay-web is the page; build it with Trunk (see README.md)");
}
