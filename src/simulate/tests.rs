//! Properties of the simulator: shares converge to the analytical probabilities, the
//! probabilities account for every request, and affinity pins a client until its timeout.

use super::*;
use crate::scenario::{Options, analyze};

/// A Service `web` with `n` endpoints (on two nodes), optional ClientIP affinity with a
/// timeout, in the given kube-proxy mode.
fn scenario(mode: &str, n: usize, affinity_seconds: Option<u32>, extra: &str) -> String {
    let mut text = format!(
        "apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
mode: {mode}
clusterCIDR: 10.244.0.0/16
---
apiVersion: v1
kind: Node
metadata: {{name: node-a}}
spec: {{podCIDR: 10.244.1.0/24}}
status:
  addresses: [{{type: InternalIP, address: 192.168.0.11}}]
---
apiVersion: v1
kind: Node
metadata: {{name: node-b}}
spec: {{podCIDR: 10.244.2.0/24}}
status:
  addresses: [{{type: InternalIP, address: 192.168.0.12}}]
---
apiVersion: v1
kind: Service
metadata: {{name: web, namespace: default}}
spec:
  clusterIP: 10.96.0.20
  type: NodePort
{extra}  ports: [{{name: http, port: 80, nodePort: 30080, protocol: TCP}}]
"
    );
    if let Some(t) = affinity_seconds {
        text.push_str(&format!(
            "  sessionAffinity: ClientIP\n  sessionAffinityConfig: {{clientIP: {{timeoutSeconds: {t}}}}}\n"
        ));
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
ports: [{name: http, port: 8080, protocol: TCP}]
endpoints:
",
    );
    for i in 0..n {
        let node = if i % 2 == 0 { "node-a" } else { "node-b" };
        let subnet = if i % 2 == 0 { 1 } else { 2 };
        text.push_str(&format!(
            "- addresses: [10.244.{subnet}.{}]\n  nodeName: {node}\n",
            10 + i
        ));
    }
    text
}

fn request(src: &str, dst: &str, dport: u16, requests: u64, seed: u64) -> SimRequest {
    SimRequest {
        node: Some("node-a".into()),
        src: Some(src.parse().unwrap()),
        dst: Some((dst.parse().unwrap(), dport)),
        requests,
        seed,
        ..SimRequest::default()
    }
}

/// Every observed share is within `sigmas` standard deviations of its probability.
fn assert_converges(result: &SimResult, sigmas: f64) {
    let n = result.requests as f64;
    let mut rows: Vec<(String, u64, f64)> = result
        .endpoints
        .iter()
        .map(|e| (e.address(), e.count, e.probability.unwrap()))
        .collect();
    rows.push(("drop".into(), result.dropped, result.dropped_probability));
    rows.push((
        "reject".into(),
        result.rejected,
        result.rejected_probability,
    ));
    for (what, count, p) in rows {
        let sd = (n * p * (1.0 - p)).sqrt().max(1.0);
        let off = (count as f64 - n * p).abs();
        assert!(
            off <= sigmas * sd,
            "{what}: {count} of {n}, expected {:.1} (±{sd:.1})\n{result}",
            n * p
        );
    }
}

fn total(result: &SimResult) -> f64 {
    result
        .endpoints
        .iter()
        .filter_map(|e| e.probability)
        .sum::<f64>()
        + result.dropped_probability
        + result.rejected_probability
        + result.unhandled_probability
}

#[test]
fn iptables_shares_converge_to_the_cascade() {
    for seed in [1, 2, 3] {
        let analysis = analyze(&scenario("iptables", 7, None, ""), Options { stored: true });
        let result = run(
            &analysis,
            &request("10.244.1.200", "10.96.0.20", 80, 70_000, seed),
        )
        .unwrap();
        assert_eq!(result.endpoints.len(), 7);
        assert!((total(&result) - 1.0).abs() < 1e-12, "{}", total(&result));
        for e in &result.endpoints {
            // The cascade as the kernel stores it gives each endpoint 1/7 up to rounding.
            assert!((e.probability.unwrap() - 1.0 / 7.0).abs() < 1e-9);
        }
        assert_converges(&result, 4.5);
    }
}

#[test]
fn nftables_and_userspace_and_ipvs_shares_converge() {
    for mode in ["nftables", "userspace", "ipvs"] {
        let analysis = analyze(&scenario(mode, 5, None, ""), Options { stored: true });
        let result = run(
            &analysis,
            &request("10.244.1.200", "10.96.0.20", 80, 10_000, 9),
        )
        .unwrap();
        assert_eq!(result.endpoints.len(), 5, "{mode}\n{result}");
        assert!((total(&result) - 1.0).abs() < 1e-12, "{mode}");
        assert_converges(&result, 4.5);
    }
}

#[test]
fn probabilities_sum_to_one_minus_drop_and_reject() {
    // Local external policy: node-a has endpoints (kept), and a node without any local
    // endpoint drops; a Service without endpoints rejects.
    let text = scenario("iptables", 4, None, "  externalTrafficPolicy: Local\n");
    let analysis = analyze(&text, Options { stored: true });
    let on_a = run(
        &analysis,
        &request("203.0.113.9", "192.168.0.11", 30080, 20_000, 5),
    )
    .unwrap();
    let reached: f64 = on_a.endpoints.iter().filter_map(|e| e.probability).sum();
    assert!((reached - (1.0 - on_a.dropped_probability - on_a.rejected_probability)).abs() < 1e-12);
    // Only node-a's endpoints are reachable, and the client IP is kept.
    assert!(
        on_a.endpoints
            .iter()
            .all(|e| e.node.as_deref() == Some("node-a")),
        "{on_a}"
    );
    assert_eq!(on_a.masqueraded, 0, "{on_a}");
    assert_converges(&on_a, 4.5);
    let empty = scenario("iptables", 0, None, "");
    let analysis = analyze(&empty, Options { stored: true });
    let none = run(
        &analysis,
        &request("10.244.1.200", "10.96.0.20", 80, 100, 5),
    )
    .unwrap();
    assert_eq!(none.rejected, 100, "{none}");
    assert_eq!(none.rejected_probability, 1.0);
}

#[test]
fn affinity_pins_a_client_until_its_timeout() {
    for mode in ["iptables", "nftables", "ipvs", "userspace"] {
        let analysis = analyze(&scenario(mode, 5, Some(10), ""), Options { stored: true });
        // Requests 9 s apart: always within 10 s of the last, so one endpoint gets all.
        let mut pinned = request("10.244.1.200", "10.96.0.20", 80, 200, 11);
        pinned.interval_ms = 9_000;
        let result = run(&analysis, &pinned).unwrap();
        assert_eq!(result.affinity_seconds, Some(10), "{mode}");
        let hit: Vec<_> = result.endpoints.iter().filter(|e| e.count > 0).collect();
        assert_eq!(hit.len(), 1, "{mode}: pinned to one endpoint\n{result}");
        // 11 s apart: every request finds its entry expired and is balanced afresh. IPVS
        // keeps a persistence template alive while it controls connections, and a closed
        // TCP connection lingers in TIME_WAIT for 120 s: there the gap must exceed that.
        let mut expiring = pinned.clone();
        expiring.interval_ms = if mode == "ipvs" { 200_000 } else { 11_000 };
        let result = run(&analysis, &expiring).unwrap();
        let hit = result.endpoints.iter().filter(|e| e.count > 0).count();
        assert!(hit >= 4, "{mode}: expired entries spread again\n{result}");
    }
}

#[test]
fn the_same_seed_gives_the_same_numbers() {
    let analysis = analyze(&scenario("iptables", 6, None, ""), Options { stored: true });
    let a = run(
        &analysis,
        &request("10.244.1.200", "10.96.0.20", 80, 5_000, 42),
    )
    .unwrap();
    let b = run(
        &analysis,
        &request("10.244.1.200", "10.96.0.20", 80, 5_000, 42),
    )
    .unwrap();
    let c = run(
        &analysis,
        &request("10.244.1.200", "10.96.0.20", 80, 5_000, 43),
    )
    .unwrap();
    assert_eq!(a.to_json(), b.to_json());
    assert_ne!(a.to_json(), c.to_json());
}

#[test]
fn expected_shares_are_the_simulators_expected_column() {
    let analysis = analyze(crate::examples::DEFAULT, Options::default());
    let node = analysis.default_node();
    for mode in ProxyMode::ALL {
        let expected = expected(&analysis, &node, Some(mode), 200);
        assert!(!expected.is_empty(), "{mode:?}");
        for e in &expected {
            let request = SimRequest {
                node: Some(node.clone()),
                dst: Some((e.packet.dst, e.packet.dport)),
                protocol: e.packet.protocol,
                requests: 200,
                mode: Some(mode),
                ..SimRequest::default()
            };
            let run = run(&analysis, &request).expect("runs");
            let p = |r: &SimResult| -> Vec<(String, Option<f64>)> {
                r.endpoints
                    .iter()
                    .map(|e| (e.address(), e.probability))
                    .collect()
            };
            assert_eq!(p(e), p(&run), "{mode:?} {}", e.packet);
            assert_eq!(e.dropped_probability, run.dropped_probability);
            assert_eq!(e.rejected_probability, run.rejected_probability);
        }
    }
}

#[test]
fn a_prefix_of_a_recorded_run_is_the_shorter_run() {
    for mode in ["iptables", "nftables", "ipvs", "userspace"] {
        for affinity in [None, Some(30)] {
            let text = scenario(mode, 4, affinity, "");
            let analysis = analyze(&text, Options { stored: true });
            let long = SimRequest {
                requests: 300,
                seed: 5,
                record: 300,
                ..SimRequest::default()
            };
            let long = run(&analysis, &long).expect("runs");
            for n in [0, 1, 17, 100, 300] {
                let short = SimRequest {
                    requests: n,
                    seed: 5,
                    ..SimRequest::default()
                };
                let short = run(&analysis, &short).expect("runs");
                let prefix = long.prefix(n).expect("recorded");
                let counts = |r: &SimResult| -> Vec<(String, u64)> {
                    r.endpoints.iter().map(|e| (e.address(), e.count)).collect()
                };
                assert_eq!(counts(&prefix), counts(&short), "{mode} {affinity:?} {n}");
                assert_eq!(
                    (prefix.dropped, prefix.rejected, prefix.unhandled),
                    (short.dropped, short.rejected, short.unhandled)
                );
            }
            assert!(long.prefix(301).is_none());
        }
    }
}
