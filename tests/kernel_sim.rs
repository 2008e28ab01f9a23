//! The kernel agrees with the simulator: real connections through kube-proxy's iptables
//! rules, loaded into a fresh network namespace, land on the endpoints with the
//! probabilities `svcplay::simulate` computes, and ClientIP affinity keeps each client on
//! one endpoint.
//!
//! Setup, in one network namespace (this kernel has no dummy devices, so every address
//! lives on `lo`): the node's address 192.168.0.11, the endpoints' addresses
//! 10.250.0.1–4 and a second client address 192.168.0.12, all /32 on `lo`, and a route
//! for the Service CIDR (ClusterIPs live on no interface). kube-proxy's
//! start is replayed as `tests/kernel.rs` does (`startup_steps`: chains, jumps, then
//! `iptables-restore --noflush` with `svcplay kube-proxy --stored`'s output). A Python
//! server answers on every endpoint address with that address; a Python client inside the
//! namespace makes the connections (locally generated: nat OUTPUT → KUBE-SERVICES, the
//! path the simulator walks for a client on the node itself) and prints who answered.
//!
//! Checks:
//! - 1000 connections to the ClusterIP and 1000 to the NodePort (on the node's address):
//!   Pearson's chi-square of the observed counts against the simulator's analytical
//!   probabilities, at significance α = 0.001 (critical value χ²(k−1) from a table);
//!   the statistic and critical value are printed;
//! - a Service with ClientIP affinity: 40 connections from each of two client addresses,
//!   each client's connections all answered by one endpoint (as the simulator says).
//!
//! The same runs again with kube-proxy in nftables mode (the transaction loaded with
//! `nft -f`): `numgen random mod 4` and the affinity sets against the simulator.
//!
//! It needs root, `ip netns`, iptables and python3 (and `nft` for the nftables part);
//! elsewhere it prints why it was skipped and passes.

#[path = "support/netns.rs"]
mod netns;

use netns::{Netns, run, unavailable};
use std::collections::BTreeMap;
use std::process::Command;
use svcplay::model::ip::IpFamily;
use svcplay::proxy::iptables::node::{Step, startup_steps};
use svcplay::scenario::{Options, analyze};
use svcplay::simulate::{SimRequest, run as simulate};

const SCENARIO: &str = "\
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
mode: iptables
---
apiVersion: v1
kind: Node
metadata: {name: node-a}
status:
  addresses: [{type: InternalIP, address: 192.168.0.11}]
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: default}
spec:
  type: NodePort
  clusterIP: 10.96.0.20
  ports: [{name: http, port: 80, nodePort: 30080, protocol: TCP}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: web-1
  namespace: default
  labels: {kubernetes.io/service-name: web}
addressType: IPv4
ports: [{name: http, port: 8080, protocol: TCP}]
endpoints:
- addresses: [10.250.0.1]
- addresses: [10.250.0.2]
- addresses: [10.250.0.3]
- addresses: [10.250.0.4]
---
apiVersion: v1
kind: Service
metadata: {name: sticky, namespace: default}
spec:
  clusterIP: 10.96.0.21
  sessionAffinity: ClientIP
  ports: [{name: http, port: 80, protocol: TCP}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: sticky-1
  namespace: default
  labels: {kubernetes.io/service-name: sticky}
addressType: IPv4
ports: [{name: http, port: 8080, protocol: TCP}]
endpoints:
- addresses: [10.250.0.1]
- addresses: [10.250.0.2]
- addresses: [10.250.0.3]
";

const ENDPOINTS: [&str; 4] = ["10.250.0.1", "10.250.0.2", "10.250.0.3", "10.250.0.4"];
const NODE_IP: &str = "192.168.0.11";
const OTHER_CLIENT: &str = "192.168.0.12";

/// χ² critical values at α = 0.001 for 1–10 degrees of freedom.
const CHI2_CRITICAL_0_001: [f64; 10] = [
    10.828, 13.816, 16.266, 18.467, 20.515, 22.458, 24.322, 26.124, 27.877, 29.588,
];

const SERVER: &str = r#"
import socket, sys, threading
def serve(ip):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((ip, 8080)); s.listen(128)
    while True:
        c, _ = s.accept(); c.sendall((ip + "\n").encode()); c.close()
for ip in sys.argv[1:]:
    threading.Thread(target=serve, args=(ip,), daemon=True).start()
print("ready", flush=True)
threading.Event().wait()
"#;

const CLIENT: &str = r#"
import socket, sys
src, dst, port, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
for _ in range(n):
    s = socket.create_connection((dst, port), timeout=5, source_address=(src, 0))
    data = b""
    while not data.endswith(b"\n"):
        chunk = s.recv(64)
        if not chunk: break
        data += chunk
    s.close()
    print(data.decode().strip() or "-")
"#;

fn svcplay(args: &[&str]) -> Result<String, String> {
    let out = Command::new(env!("CARGO_BIN_EXE_svcplay"))
        .args(args)
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(format!(
            "svcplay {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Who answered each of `n` connections from `src` to `dst:port`.
fn connect(
    netns: &Netns,
    src: &str,
    dst: &str,
    port: u16,
    n: usize,
) -> Result<Vec<String>, String> {
    let port = port.to_string();
    let n = n.to_string();
    let out = netns.exec(&["python3", "-c", CLIENT, src, dst, &port, &n], "")?;
    Ok(out.lines().map(str::to_string).collect())
}

/// Pearson's statistic of `answers` against the simulator's probabilities for
/// `src → dst:port`; prints it with the critical value and fails above it.
fn chi_square(
    what: &str,
    analysis: &svcplay::scenario::Analysis,
    answers: &[String],
    src: &str,
    dst: &str,
    port: u16,
) -> Result<(), String> {
    let result = simulate(
        analysis,
        &SimRequest {
            node: Some("node-a".into()),
            src: Some(src.parse().unwrap()),
            dst: Some((dst.parse().unwrap(), port)),
            requests: answers.len() as u64,
            seed: 1,
            ..SimRequest::default()
        },
    )?;
    let mut observed: BTreeMap<String, u64> = BTreeMap::new();
    for a in answers {
        *observed.entry(a.clone()).or_default() += 1;
    }
    let n = answers.len() as f64;
    let mut statistic = 0.0;
    let mut cells = 0;
    for e in &result.endpoints {
        let p = e.probability.ok_or("no analytical probability")?;
        let expected = n * p;
        let o = observed.remove(&e.ip.to_string()).unwrap_or(0) as f64;
        statistic += (o - expected).powi(2) / expected;
        cells += 1;
        eprintln!(
            "  {what}: {} observed {o}, expected {expected:.2} (p = {p:.11}, simulator {} of {})",
            e.address(),
            e.count,
            result.requests
        );
    }
    if !observed.is_empty() {
        return Err(format!(
            "{what}: answers from unexpected endpoints: {observed:?}"
        ));
    }
    let critical = CHI2_CRITICAL_0_001[cells - 2];
    eprintln!(
        "{what}: chi-square = {statistic:.3} with {} degrees of freedom; critical value at alpha = 0.001: {critical}",
        cells - 1
    );
    if statistic > critical {
        return Err(format!(
            "{what}: chi-square {statistic:.3} > {critical} (alpha = 0.001)"
        ));
    }
    Ok(())
}

/// Loads the scenario's rules in `mode` (`iptables` or `nftables`) into a fresh
/// namespace, connects, and compares with the simulator.
fn check(mode: &str) -> Result<(), String> {
    let scenario = SCENARIO.replace("mode: iptables", &format!("mode: {mode}"));
    let analysis = analyze(&scenario, Options { stored: true });
    let facts = analysis.proxy_facts("node-a");
    let context = &facts.first().ok_or("no IPv4 proxier")?.node;
    let dir = std::env::temp_dir().join(format!("svcplay-kernel-sim-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let input = dir.join("input.yaml");
    std::fs::write(&input, &scenario).map_err(|e| e.to_string())?;
    let restore = svcplay(&[
        "kube-proxy",
        "--stored",
        "--node",
        "node-a",
        input.to_str().unwrap(),
    ])?;
    let _ = std::fs::remove_dir_all(&dir);

    let mut netns = Netns::create(&format!("svcplay-sim-{mode}"))?;
    netns.exec(&["ip", "link", "set", "lo", "up"], "")?;
    for ip in ENDPOINTS.iter().chain(&[NODE_IP, OTHER_CLIENT]) {
        netns.exec(&["ip", "addr", "add", &format!("{ip}/32"), "dev", "lo"], "")?;
    }
    // ClusterIPs are bound to no interface: the first route lookup (before nat OUTPUT
    // rewrites the destination) needs a route, as a node's default route gives it.
    netns.exec(&["ip", "route", "add", "10.96.0.0/16", "dev", "lo"], "")?;
    if mode == "nftables" {
        // kube-proxy's nftables transaction, as `nft -f` takes it.
        netns.exec(&["nft", "-f", "-"], &restore)?;
    } else {
        for step in startup_steps(context) {
            let argv = step.argv(IpFamily::IPv4);
            let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
            let stdin = if step == Step::Restore {
                restore.as_str()
            } else {
                ""
            };
            if let Step::NfacctAdd(_) = step {
                continue;
            }
            netns.exec(&argv, stdin)?;
        }
    }
    let mut argv = vec!["python3", "-c", SERVER];
    argv.extend(ENDPOINTS);
    let server = netns.spawn(&argv)?;
    let mut ready = [0u8; 6];
    let stdout = server.stdout.as_mut().ok_or("no server stdout")?;
    std::io::Read::read_exact(stdout, &mut ready).map_err(|e| format!("server: {e}"))?;

    let cluster_ip = connect(&netns, NODE_IP, "10.96.0.20", 80, 1000)?;
    chi_square(
        &format!("{mode}: ClusterIP 10.96.0.20:80"),
        &analysis,
        &cluster_ip,
        NODE_IP,
        "10.96.0.20",
        80,
    )?;
    let node_port = connect(&netns, NODE_IP, NODE_IP, 30080, 1000)?;
    chi_square(
        &format!("{mode}: NodePort 192.168.0.11:30080"),
        &analysis,
        &node_port,
        NODE_IP,
        NODE_IP,
        30080,
    )?;

    for client in [NODE_IP, OTHER_CLIENT] {
        let answers = connect(&netns, client, "10.96.0.21", 80, 40)?;
        let first = answers.first().ok_or("no answers")?;
        if answers.iter().any(|a| a != first) {
            return Err(format!(
                "affinity: client {client} reached several endpoints: {answers:?}"
            ));
        }
        let sim = simulate(
            &analysis,
            &SimRequest {
                node: Some("node-a".into()),
                src: Some(client.parse().unwrap()),
                dst: Some(("10.96.0.21".parse().unwrap(), 80)),
                requests: 40,
                ..SimRequest::default()
            },
        )?;
        let hit = sim.endpoints.iter().filter(|e| e.count > 0).count();
        eprintln!(
            "{mode}: affinity: all 40 connections from {client} answered by {first}; the simulator pins it too ({hit} endpoint)"
        );
        if hit != 1 {
            return Err(format!(
                "the simulator spread client {client} over {hit} endpoints"
            ));
        }
    }
    Ok(())
}

#[test]
fn the_kernel_lands_connections_where_the_simulator_says() {
    if let Some(why) = unavailable(&["ip", "iptables", "iptables-restore", "python3"]) {
        eprintln!("kernel simulation test skipped: {why}");
        return;
    }
    match Netns::create("svcplay-sim-probe") {
        Ok(_probe) => {}
        Err(e) => {
            eprintln!("kernel simulation test skipped: cannot create a network namespace: {e}");
            return;
        }
    }
    if let Err(e) = check("iptables") {
        panic!("iptables: {e}");
    }
    let nft = run(&["sh", "-c", "command -v nft"]).is_ok_and(|o| o.status.success());
    if !nft {
        eprintln!("nftables part skipped: `nft` is not installed");
        return;
    }
    if let Err(e) = check("nftables") {
        panic!("nftables: {e}");
    }
}
