//! How fast the simulator sends requests (PRODUCT.md budget: ≥ 50 M simulated requests/s
//! for a uniform choice, ≥ 5 M/s walking iptables' probability cascade at 100 endpoints).
//!
//! - `uniform choice`: one request = one draw of `numgen random mod 100` from the seeded
//!   xoshiro256++ generator (the kernel's `reciprocal_scale`) and one count, through the
//!   nftables walk compiled into its tree of `numgen` choices
//!   (`proxy::sim::nftables::NumgenTree`, built from walks of the real table: same draws,
//!   same ends) — the simulator's nftables path without affinity;
//! - `uniform draw`: the bare generator and a count (the floor under the above);
//! - `iptables walk, 100 endpoints`: one request = one walk of the compiled node tables
//!   (nat PREROUTING → KUBE-SERVICES → KUBE-SVC cascade → KUBE-SEP DNAT, then the filter
//!   chains) with xt_statistic's draws, and its count — the simulator's path with
//!   ClientIP affinity (the `recent` lists make each walk depend on state);
//! - `iptables cascade tree, 100 endpoints`: the same walk compiled into its decision
//!   tree (`proxy::sim::iptables::Cascade`, built from walks of the program; same draws in
//!   the same order, same ends) — the simulator's path without affinity;
//! - `simulate::run`: the whole call for 10,000 requests (render, compile, analytical
//!   enumeration and the walks).
//!
//! Run with `cargo bench --bench simulate` (`-- --quick` for a short run).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::fmt::Write as _;
use std::hint::black_box;
use svcplay::proxy::iptables;
use svcplay::proxy::sim::Tally;
use svcplay::proxy::sim::iptables::{Seeded, landed};
use svcplay::proxy::sim::rng::Rng;
use svcplay::scenario::{Options, analyze};
use svcplay::simulate::SimRequest;

/// One Service with `n` endpoints, as kube-proxy's tests write it (stored objects).
fn scenario(n: usize) -> String {
    let mut text = String::from(
        "apiVersion: v1
kind: Service
metadata: {name: web, namespace: default}
spec:
  clusterIP: 10.96.0.20
  ports: [{name: http, port: 80, protocol: TCP}]
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
",
    );
    for i in 0..n {
        let _ = writeln!(text, "- addresses: [10.250.{}.{}]", i / 250, i % 250 + 1);
    }
    text
}

const BATCH: u64 = 10_000;

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("simulate");
    group.throughput(Throughput::Elements(BATCH));
    let mut rng = Rng::new(1);
    let mut counts = [0u64; 100];
    group.bench_function("uniform draw", |b| {
        b.iter(|| {
            for _ in 0..BATCH {
                counts[rng.below(100) as usize] += 1;
            }
            black_box(&counts);
        })
    });

    let nft = analyze(
        &format!(
            "apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\nmode: nftables\n---\n{}",
            scenario(100)
        ),
        Options { stored: true },
    );
    let nft_facts = nft.proxy_facts(&nft.default_node()).remove(0);
    let table = svcplay::proxy::nftables::ruleset(&nft_facts).table;
    let nft_packet = svcplay::proxy::trace::Packet {
        src: "10.244.7.7".parse().expect("constant IP"),
        dst: "10.96.0.20".parse().expect("constant IP"),
        dport: 80,
        protocol: svcplay::proxy::Protocol::Tcp,
    };
    let (nft_paths, affinity) =
        svcplay::proxy::sim::nftables::paths(&table, &nft_facts, &nft_packet);
    let tree = svcplay::proxy::sim::nftables::NumgenTree::compile(&nft_paths, affinity)
        .expect("no affinity");
    assert_eq!(tree.leaves.len(), 100);
    let mut nft_leaves = vec![0u64; 100];
    let mut nft_rng = Rng::new(1);
    group.bench_function("uniform choice", |b| {
        b.iter(|| {
            for _ in 0..BATCH {
                nft_leaves[tree.request(&mut nft_rng)] += 1;
            }
            black_box(&nft_leaves);
        })
    });

    let analysis = analyze(&scenario(100), Options { stored: true });
    let facts = analysis.proxy_facts(&analysis.default_node()).remove(0);
    let tables = iptables::node::NodeTables::after_sync(&iptables::render(&facts), &facts.node);
    let program = iptables::trace::Program::compile(&tables, &facts);
    let packet = svcplay::proxy::trace::Packet {
        src: "10.244.7.7".parse().expect("constant IP"),
        dst: "10.96.0.20".parse().expect("constant IP"),
        dport: 80,
        protocol: svcplay::proxy::Protocol::Tcp,
    };
    let mut choices = Seeded::new(1);
    let mut walked = iptables::trace::Walked::default();
    let mut tally = Tally::default();
    group.bench_function("iptables walk, 100 endpoints", |b| {
        b.iter(|| {
            for _ in 0..BATCH {
                program.walk_into(black_box(&packet), &mut choices, &mut (), &mut walked);
                tally.add(landed(&walked), walked.masquerade);
            }
        })
    });
    // The simulator's fast path for a destination without affinity: the same walk
    // compiled into its decision tree (proxy::sim::iptables::Cascade), same draws.
    let (paths, recent) = svcplay::proxy::sim::iptables::paths(&program, &packet);
    let cascade =
        svcplay::proxy::sim::iptables::Cascade::compile(&paths, recent).expect("no affinity");
    let mut leaves = vec![0u64; cascade.leaves.len()];
    let mut tree_rng = Rng::new(1);
    group.bench_function("iptables cascade tree, 100 endpoints", |b| {
        b.iter(|| {
            for _ in 0..BATCH {
                leaves[cascade.request(&mut tree_rng)] += 1;
            }
            black_box(&leaves);
        })
    });
    group.finish();
    assert_eq!(tally.counts.len(), 100, "every endpoint reached");

    let mut group = c.benchmark_group("simulate::run");
    group.throughput(Throughput::Elements(BATCH));
    group.sample_size(20);
    let request = SimRequest {
        requests: BATCH,
        ..SimRequest::default()
    };
    group.bench_function("iptables, 100 endpoints, 10k requests", |b| {
        b.iter(|| svcplay::simulate::run(black_box(&analysis), &request))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
