//! Views: the simulated commands of `svcplay run` and the page's terminal.
//!
//! [`run`] takes a command line (`kubectl get svc -n dev`, `iptables-save`, `dig NAME`...)
//! and answers it from an [`Analysis`] exactly as the real command prints, as a
//! [`CommandOutput`] (stdout, stderr, exit status). The CLI's `run` subcommand and the
//! page's terminal both call it, so they cannot differ. Each family of commands lives in
//! its own module; this one only dispatches.

pub mod curl;
pub mod dig;
pub mod etc_services;
pub mod iptables;
pub mod iptables_list;
pub mod iptables_nft;
pub mod ipvs;
pub mod kubectl;
pub mod listing;
pub mod nft;
pub mod tabwriter;

use crate::proxy::NodeProxy;
use crate::proxy::config::ProxyMode;
use crate::scenario::Analysis;
use std::sync::Arc;

/// What a simulated command prints, and its exit status.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CommandOutput {
    pub stdout: String,
    pub stderr: String,
    pub status: i32,
    /// Where the program wrote stderr while writing stdout, for a terminal that shows
    /// both in order (nft writes its warnings between tables): `(stdout offset, stderr
    /// offset)` pairs, each saying the stderr text up to the second offset was written
    /// when stdout held the first. Empty: stderr comes as the terminal orders it.
    pub interleaved: Vec<(usize, usize)>,
}

impl CommandOutput {
    pub fn ok(stdout: impl Into<String>) -> CommandOutput {
        CommandOutput {
            stdout: stdout.into(),
            stderr: String::new(),
            status: 0,
            interleaved: Vec::new(),
        }
    }

    /// Stdout and stderr in the order the program wrote them (`true`: stderr), when it
    /// says so ([`CommandOutput::interleaved`]); `None` when it does not, or when the
    /// offsets no longer fit the texts.
    pub fn in_order(&self) -> Option<Vec<(bool, &str)>> {
        if self.interleaved.is_empty() {
            return None;
        }
        let mut chunks = Vec::new();
        let (mut out_at, mut err_at) = (0, 0);
        for &(out_to, err_to) in &self.interleaved {
            chunks.push((false, self.stdout.get(out_at..out_to)?));
            chunks.push((true, self.stderr.get(err_at..err_to)?));
            (out_at, err_at) = (out_to, err_to);
        }
        chunks.push((false, self.stdout.get(out_at..)?));
        chunks.push((true, self.stderr.get(err_at..)?));
        chunks.retain(|(_, text)| !text.is_empty());
        Some(chunks)
    }

    pub fn error(stderr: impl Into<String>, status: i32) -> CommandOutput {
        CommandOutput {
            stdout: String::new(),
            stderr: stderr.into(),
            status,
            interleaved: Vec::new(),
        }
    }
}

/// The status svcplay uses for "this command exists but svcplay cannot answer it yet".
pub const NOT_IMPLEMENTED: i32 = 2;

/// Where a command runs: the node whose tables it reads (and, for `curl` and `dig`, the
/// client's address), and the proxy mode when the page shows another one than the
/// configured.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Context {
    pub node: String,
    pub mode: Option<ProxyMode>,
}

impl Context {
    /// Commands on `node`, kube-proxy in its configured mode.
    pub fn new(node: impl Into<String>) -> Context {
        Context {
            node: node.into(),
            mode: None,
        }
    }

    /// The proxy mode the node's kube-proxy runs in.
    pub fn mode(&self, analysis: &Analysis) -> ProxyMode {
        self.mode.unwrap_or(analysis.proxy_config.mode)
    }

    /// kube-proxy on the node (cached by the analysis).
    pub fn proxy(&self, analysis: &Analysis) -> Arc<NodeProxy> {
        analysis.proxy_in(&self.node, self.mode(analysis))
    }
}

/// Splits a command line the way a shell would for simple commands: blanks separate
/// words, single and double quotes group them.
pub fn split_command_line(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    for c in line.chars() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => word.push(c),
            None if c == '\'' || c == '"' => {
                quote = Some(c);
                in_word = true;
            }
            None if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            None => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(word);
    }
    words
}

/// Runs one simulated command.
pub fn run(analysis: &Analysis, context: &Context, argv: &[String]) -> CommandOutput {
    let Some(program) = argv.first() else {
        return CommandOutput::default();
    };
    match program.as_str() {
        "nft" => nft::run(analysis, context, argv),
        "kubectl" => kubectl::run(analysis, context, &argv[1..]),
        "dig" => dig::run(analysis, context, &argv[1..]),
        "cat" if argv.get(1).map(String::as_str) == Some("/etc/resolv.conf") => {
            dig::cat_resolv_conf(analysis, context)
        }
        "iptables-save" => {
            iptables::save(analysis, context, crate::model::ip::IpFamily::IPv4, argv)
        }
        "ip6tables-save" => {
            iptables::save(analysis, context, crate::model::ip::IpFamily::IPv6, argv)
        }
        "iptables" => iptables::iptables(analysis, context, crate::model::ip::IpFamily::IPv4, argv),
        "ip6tables" => {
            iptables::iptables(analysis, context, crate::model::ip::IpFamily::IPv6, argv)
        }
        "ipvsadm" => ipvs::ipvsadm(analysis, context, argv),
        "ipset" => ipvs::ipset(analysis, context, argv),
        "ip" => ipvs::ip(analysis, context, argv),
        "curl" => curl::run(analysis, context, argv),
        p if p == "while" || p.starts_with("while ") => curl::while_loop(analysis, context, argv),
        "nslookup" | "cat" => {
            let _ = (analysis, context);
            CommandOutput::error(
                format!("svcplay: {program} is not simulated\n"),
                NOT_IMPLEMENTED,
            )
        }
        other => CommandOutput::error(format!("bash: {other}: command not found\n"), 127),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_like_a_shell() {
        assert_eq!(
            split_command_line("kubectl get svc -n dev"),
            ["kubectl", "get", "svc", "-n", "dev"]
        );
        assert_eq!(split_command_line("dig 'a b' \"c\"d"), ["dig", "a b", "cd"]);
        assert!(split_command_line("   ").is_empty());
    }
}
