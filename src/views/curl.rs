//! `curl` in the simulated terminal: a request answered by the endpoint the node's rules
//! pick, and the seeds' `while true; do curl IP:PORT; sleep N; done` loop.
//!
//! The answering Pod prints its own IP: the seeds' labs put each nginx Pod's address in
//! its `index.html` so that the loop shows where every request landed. A single `curl`
//! is the first request of a fresh simulation (the terminal keeps no state between
//! commands); the loop runs [`LOOP_REQUESTS`] iterations, `sleep N` apart on the
//! simulated clock, so the seeds' transcripts come out: rr order in IPVS mode, a random
//! order in iptables and nftables mode, one Pod under ClientIP affinity. The client is
//! the node the command runs on (its first address of the destination's family).
//!
//! A request that no endpoint takes prints curl's own error: `(7) … Couldn't connect to
//! server` when the rules reject it or nothing answers, `(28) … Connection timed out`
//! when they drop it.

use super::{CommandOutput, Context};
use crate::model::ip::parse_ip_sloppy;
use crate::scenario::Analysis;
use crate::simulate::{DEFAULT_INTERVAL_MS, Landed, SimRequest, run as simulate};
use std::net::IpAddr;

/// How many iterations of `while true; do curl …; done` are shown.
pub const LOOP_REQUESTS: u64 = 6;

/// The seed of the terminal's simulations (fixed: the same command prints the same).
const SEED: u64 = 1;

/// `curl [-s] [http://]IP[:PORT][/PATH]`: (address, port), or curl's error.
fn parse_url(argv: &[String]) -> Result<(IpAddr, u16), CommandOutput> {
    let Some(url) = argv.iter().skip(1).find(|a| !a.starts_with('-')) else {
        return Err(CommandOutput::error(
            "curl: try 'curl --help' or 'curl --manual' for more information\n",
            2,
        ));
    };
    let rest = url
        .strip_prefix("http://")
        .unwrap_or(url)
        .split('/')
        .next()
        .unwrap_or("");
    let (host, port) = if let Some(v6) = rest.strip_prefix('[') {
        match v6.split_once(']') {
            Some((h, p)) => (h, p.strip_prefix(':').unwrap_or("")),
            None => (v6, ""),
        }
    } else {
        match rest.rsplit_once(':') {
            Some((h, p)) => (h, p),
            None => (rest, ""),
        }
    };
    let port = if port.is_empty() {
        80
    } else {
        port.parse().map_err(|_| {
            CommandOutput::error(
                "curl: (3) URL rejected: Port number was not a decimal number between 0 and 65535\n",
                3,
            )
        })?
    };
    let ip = parse_ip_sloppy(host).ok_or_else(|| {
        CommandOutput::error(format!("curl: (6) Could not resolve host: {host}\n"), 6)
    })?;
    Ok((ip, port))
}

/// The answers of `requests` requests `interval_ms` apart, as the terminal prints them.
fn answers(
    analysis: &Analysis,
    context: &Context,
    dst: (IpAddr, u16),
    requests: u64,
    interval_ms: u64,
) -> CommandOutput {
    let request = SimRequest {
        node: Some(context.node.clone()),
        src: None,
        dst: Some(dst),
        requests,
        seed: SEED,
        interval_ms,
        record: usize::try_from(requests).unwrap_or(usize::MAX),
        mode: context.mode,
        ..SimRequest::default()
    };
    let result = match simulate(analysis, &request) {
        Ok(r) => r,
        Err(e) => return CommandOutput::error(format!("curl: {e}\n"), 7),
    };
    let mut out = CommandOutput::default();
    let target = format!("{} port {}", dst.0, dst.1);
    for landed in result.sequence {
        match landed {
            Landed::Endpoint(ip, _) => out.stdout.push_str(&format!("{ip}\n")),
            Landed::Drop => {
                out.stderr.push_str(&format!(
                    "curl: (28) Failed to connect to {target} after 130000 ms: Connection timed out\n"
                ));
                out.status = 28;
            }
            Landed::Reject | Landed::Unhandled => {
                out.stderr.push_str(&format!(
                    "curl: (7) Failed to connect to {target} after 0 ms: Couldn't connect to server\n"
                ));
                out.status = 7;
            }
        }
    }
    out
}

/// `curl URL`: one request from the node.
pub fn run(analysis: &Analysis, context: &Context, argv: &[String]) -> CommandOutput {
    match parse_url(argv) {
        Ok(dst) => answers(analysis, context, dst, 1, DEFAULT_INTERVAL_MS),
        Err(e) => e,
    }
}

/// `while true; do curl URL; sleep N; done` (the words of the seeds' loop, `;`-separated
/// however the shell split them): the first [`LOOP_REQUESTS`] answers.
pub fn while_loop(analysis: &Analysis, context: &Context, argv: &[String]) -> CommandOutput {
    let line = argv.join(" ");
    let words: Vec<&str> = line
        .split(|c: char| c == ';' || c.is_whitespace())
        .filter(|w| !w.is_empty())
        .collect();
    let curl_at = words.iter().position(|w| *w == "curl");
    let is_loop = words.starts_with(&["while", "true", "do"]) && words.last() == Some(&"done");
    let Some(curl_at) = curl_at.filter(|_| is_loop) else {
        return CommandOutput::error(
            "svcplay: only the loop `while true; do curl URL; sleep N; done` is simulated\n",
            crate::views::NOT_IMPLEMENTED,
        );
    };
    let curl_argv: Vec<String> = words[curl_at..]
        .iter()
        .take_while(|w| !matches!(**w, "sleep" | "done"))
        .map(|w| w.to_string())
        .collect();
    let sleep_secs = words
        .iter()
        .position(|w| *w == "sleep")
        .and_then(|i| words.get(i + 1))
        .and_then(|s| s.parse::<u64>().ok())
        .unwrap_or(0);
    match parse_url(&curl_argv) {
        Ok(dst) => answers(
            analysis,
            context,
            dst,
            LOOP_REQUESTS,
            sleep_secs.max(1).saturating_mul(1000),
        ),
        Err(e) => e,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{Options, analyze};

    fn scenario(mode: &str, affinity: bool) -> String {
        let mut text = format!(
            "apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
mode: {mode}
---
apiVersion: v1
kind: Service
metadata: {{name: web, namespace: default}}
spec:
  clusterIP: 10.96.0.20
  ports: [{{name: http, port: 80, protocol: TCP}}]
"
        );
        if affinity {
            text.push_str("  sessionAffinity: ClientIP\n");
        }
        text.push_str(
            "---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: web-1
  namespace: default
  labels: {kubernetes.io/service-name: web}
addressType: IPv4
ports: [{name: http, port: 80, protocol: TCP}]
endpoints:
- addresses: [10.244.1.5]
- addresses: [10.244.2.5]
- addresses: [10.244.3.5]
",
        );
        text
    }

    fn answers(mode: &str, affinity: bool, line: &str) -> Vec<String> {
        let analysis = analyze(&scenario(mode, affinity), Options { stored: true });
        let context = Context::new(analysis.default_node());
        let words = crate::views::split_command_line(line);
        let out = crate::views::run(&analysis, &context, &words);
        assert_eq!(out.status, 0, "{out:?}");
        out.stdout.lines().map(str::to_string).collect()
    }

    #[test]
    fn the_seeds_loop_cycles_in_ipvs_and_sticks_with_affinity() {
        let line = "while true;do curl 10.96.0.20:80; sleep 5; done;";
        let rr = answers("ipvs", false, line);
        assert_eq!(rr.len() as u64, LOOP_REQUESTS);
        assert_eq!(rr[0..3], rr[3..6], "rr repeats its cycle: {rr:?}");
        let mut cycle = rr[0..3].to_vec();
        cycle.sort();
        cycle.dedup();
        assert_eq!(cycle.len(), 3, "rr visits every Pod: {rr:?}");
        for mode in ["ipvs", "iptables", "nftables", "userspace"] {
            let sticky = answers(mode, true, line);
            assert!(sticky.iter().all(|a| *a == sticky[0]), "{mode}: {sticky:?}");
        }
        let one = answers("iptables", false, "curl -s http://10.96.0.20/");
        assert_eq!(one.len(), 1);
        assert!(one[0].starts_with("10.244."), "{one:?}");
    }
}
