//! Network namespaces for the real-kernel tests (`tests/kernel*.rs`): one per case, made
//! with `ip netns add`, commands run in it with `ip netns exec`, deleted (with any server
//! started in it) when dropped. Each kernel test includes this file as its `netns`
//! module, so the kernel tests share one implementation.

// Each kernel test uses part of it.
#![allow(dead_code)]

use std::io::Write;
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Runs a command outside any namespace.
pub fn run(argv: &[&str]) -> std::io::Result<Output> {
    Command::new(argv[0]).args(&argv[1..]).output()
}

/// Why a kernel test cannot run here, if it cannot: it needs root and `tools`.
pub fn unavailable(tools: &[&str]) -> Option<String> {
    match run(&["id", "-u"]) {
        Ok(o) if String::from_utf8_lossy(&o.stdout).trim() == "0" => {}
        Ok(_) => return Some("not running as root".into()),
        Err(e) => return Some(format!("cannot run `id -u`: {e}")),
    }
    for tool in tools {
        let found =
            run(&["sh", "-c", &format!("command -v {tool}")]).is_ok_and(|o| o.status.success());
        if !found {
            return Some(format!("`{tool}` is not installed"));
        }
    }
    None
}

static NAMESPACES: AtomicUsize = AtomicUsize::new(0);

/// A network namespace that is deleted when dropped, with the servers started in it.
pub struct Netns {
    pub name: String,
    servers: Vec<Child>,
}

impl Netns {
    /// A fresh namespace named `PREFIX-PID-N`.
    pub fn create(prefix: &str) -> Result<Netns, String> {
        let name = format!(
            "{prefix}-{}-{}",
            std::process::id(),
            NAMESPACES.fetch_add(1, Ordering::SeqCst)
        );
        let out = run(&["ip", "netns", "add", &name]).map_err(|e| e.to_string())?;
        if !out.status.success() {
            return Err(format!(
                "ip netns add {name}: {}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        Ok(Netns {
            name,
            servers: Vec::new(),
        })
    }

    /// Runs `argv` in the namespace with `stdin` as its input, whatever its status.
    pub fn output(&self, argv: &[&str], stdin: &str) -> Result<Output, String> {
        let mut child = Command::new("ip")
            .args(["netns", "exec", &self.name])
            .args(argv)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("{argv:?}: {e}"))?;
        if let Some(mut input) = child.stdin.take() {
            input
                .write_all(stdin.as_bytes())
                .map_err(|e| format!("{argv:?}: writing stdin: {e}"))?;
        }
        child
            .wait_with_output()
            .map_err(|e| format!("{argv:?}: {e}"))
    }

    /// Runs `argv` in the namespace; its stdout, or why it failed.
    pub fn exec(&self, argv: &[&str], stdin: &str) -> Result<String, String> {
        let out = self.output(argv, stdin)?;
        if !out.status.success() {
            return Err(format!(
                "{} failed ({}): {}",
                argv.join(" "),
                out.status,
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// Starts `argv` in the namespace in the background (its stdout piped to the caller,
    /// its stderr to the test's); it is killed with the namespace.
    pub fn spawn(&mut self, argv: &[&str]) -> Result<&mut Child, String> {
        let child = Command::new("ip")
            .args(["netns", "exec", &self.name])
            .args(argv)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("{argv:?}: {e}"))?;
        self.servers.push(child);
        Ok(self.servers.last_mut().expect("just pushed"))
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        for mut server in self.servers.drain(..) {
            let _ = server.kill();
            let _ = server.wait();
        }
        let _ = run(&["ip", "netns", "del", &self.name]);
    }
}
