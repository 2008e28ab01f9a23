//! How fast kube-proxy's iptables rules are regenerated for a large cluster.
//!
//! The budget (PRODUCT.md): 5,000 Services with 50,000 endpoints, all iptables rules
//! regenerated in ≤ 150 ms natively. The cluster is generated in code (10 endpoints per
//! Service on 50 nodes; every fifth Service a NodePort, every tenth a LoadBalancer with
//! Local policy), so the render benchmarks measure the proxy alone:
//!
//! - `facts+render`: the per-node endpoint facts and the typed ruleset (what a change in
//!   the scenario costs);
//! - `render`: the ruleset from ready facts;
//! - `render+print`: the ruleset printed as the restore input;
//! - `walk`: one connection through a 100-endpoint cascade, as a simulator walks it;
//! - `parse dump`: the same cluster written as YAML (`kubectl get svc,endpointslices -A
//!   -o yaml`-like, one document per object) through the whole `--stored` pipeline.
//!
//! Run with `cargo bench --bench iptables`.

use criterion::{Criterion, criterion_group, criterion_main};
use std::fmt::Write as _;
use std::hint::black_box;
use svcplay::model::{
    Endpoint, EndpointPort, EndpointSlice, LoadBalancerIngress, ObjectMeta, Objects, Origin,
    Service, ServicePort, ServiceSpec, ServiceStatus,
};
use svcplay::proxy::config::{NodeContext, ProxyConfig};
use svcplay::proxy::{self, iptables};
use svcplay::scenario::{Options, analyze};

const SERVICES: usize = 5_000;
const ENDPOINTS_PER_SERVICE: usize = 10;
const NODES: usize = 50;

fn cluster_ip(i: usize) -> String {
    format!("10.96.{}.{}", i / 250, i % 250 + 1)
}

fn pod_ip(i: usize, e: usize) -> String {
    let n = i * ENDPOINTS_PER_SERVICE + e;
    format!("10.244.{}.{}", n / 250, n % 250 + 1)
}

fn node_name(n: usize) -> String {
    format!("node-{}", n % NODES + 1)
}

/// The generated cluster as objects.
fn objects() -> Objects {
    let mut objects = Objects::default();
    for i in 0..SERVICES {
        let name = format!("svc-{i}");
        let namespace = format!("ns-{}", i % 50);
        let mut spec = ServiceSpec {
            type_: Some("ClusterIP".into()),
            cluster_ip: Some(cluster_ip(i)),
            cluster_ips: vec![cluster_ip(i)],
            ip_families: vec!["IPv4".into()],
            ports: vec![ServicePort {
                name: "http".into(),
                protocol: Some("TCP".into()),
                port: Some(80),
                ..ServicePort::default()
            }],
            ..ServiceSpec::default()
        };
        let mut status = ServiceStatus::default();
        if i % 5 == 0 {
            spec.type_ = Some("NodePort".into());
            spec.ports[0].node_port = Some(30000 + (i % 2768) as i64);
        }
        if i % 10 == 0 {
            spec.type_ = Some("LoadBalancer".into());
            spec.external_traffic_policy = Some("Local".into());
            spec.health_check_node_port = Some(32000 + (i % 700) as i64);
            status.load_balancer_ingress.push(LoadBalancerIngress {
                ip: Some(format!("203.0.{}.{}", i / 250, i % 250 + 1)),
                ..LoadBalancerIngress::default()
            });
        }
        objects.services.push(Service {
            meta: ObjectMeta::new(name.clone(), namespace.clone(), Origin::Written(i)),
            spec,
            status,
        });
        let mut meta = ObjectMeta::new(format!("{name}-abcde"), namespace, Origin::Generated(i));
        meta.labels =
            svcplay::model::StringMap::from([("kubernetes.io/service-name".into(), name)]);
        objects.endpoint_slices.push(EndpointSlice {
            meta,
            address_type: "IPv4".into(),
            endpoints: (0..ENDPOINTS_PER_SERVICE)
                .map(|e| Endpoint {
                    addresses: vec![pod_ip(i, e)].into(),
                    ready: Some(true),
                    serving: Some(true),
                    terminating: Some(false),
                    node_name: Some(node_name(i + e).into()),
                    ..Endpoint::default()
                })
                .collect(),
            ports: Some(vec![EndpointPort {
                name: Some("http".into()),
                port: Some(8080),
                protocol: Some("TCP".into()),
                app_protocol: None,
            }]),
        });
    }
    objects
}

/// The same cluster as YAML, one document per object, as `--stored` reads it.
fn dump() -> String {
    let mut out = String::new();
    for i in 0..SERVICES {
        let ns = format!("ns-{}", i % 50);
        let _ = write!(
            out,
            "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: svc-{i}\n  namespace: {ns}\nspec:\n  type: ClusterIP\n  clusterIP: {ip}\n  clusterIPs: [{ip}]\n  ipFamilies: [IPv4]\n  ports:\n  - name: http\n    protocol: TCP\n    port: 80\n    targetPort: 8080\n",
            ip = cluster_ip(i)
        );
        let _ = write!(
            out,
            "---\napiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata:\n  name: svc-{i}-abcde\n  namespace: {ns}\n  labels:\n    kubernetes.io/service-name: svc-{i}\naddressType: IPv4\nports:\n- name: http\n  port: 8080\n  protocol: TCP\nendpoints:\n"
        );
        for e in 0..ENDPOINTS_PER_SERVICE {
            let _ = write!(
                out,
                "- addresses: [{}]\n  conditions: {{ready: true, serving: true, terminating: false}}\n  nodeName: {}\n",
                pod_ip(i, e),
                node_name(i + e)
            );
        }
    }
    out
}

/// This process's CPU time (user + system) in seconds, from `/proc/self/stat`, so a
/// report can tell the work from the waiting on a busy machine (10 ms resolution).
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let after_name = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = after_name.split(' ').collect();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

/// Median-free but load-independent: the mean CPU time of `runs` calls.
fn cpu_time_per_run<T>(runs: u32, mut f: impl FnMut() -> T) -> Option<f64> {
    let before = cpu_seconds()?;
    for _ in 0..runs {
        black_box(f());
    }
    Some((cpu_seconds()? - before) / f64::from(runs))
}

/// A simulator's random choices: xorshift64, one draw per random rule.
struct Xorshift(u64);

impl iptables::trace::Choices for Xorshift {
    fn statistic(&mut self, probability: f64) -> iptables::trace::Branch {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        if ((self.0 >> 11) as f64) < probability * (1u64 << 53) as f64 {
            iptables::trace::Branch::Taken
        } else {
            iptables::trace::Branch::Skipped
        }
    }
}

fn bench(c: &mut Criterion) {
    let objects = objects();
    let (config, _) = ProxyConfig::resolve(None);
    let node = NodeContext::resolve(&objects, "node-1", &[]);
    let family = svcplay::model::ip::IpFamily::IPv4;
    let facts = proxy::facts(&objects, &config, &node, family);
    let ruleset = iptables::render(&facts);
    eprintln!(
        "generated cluster: {} services, {} endpoints, {} nat rules, {} nat chains, {} filter rules",
        objects.services.len(),
        facts.total_endpoints,
        ruleset.nat.rules.len(),
        ruleset.nat.chains.len(),
        ruleset.filter.rules.len()
    );
    for (what, seconds) in [
        (
            "facts+render",
            cpu_time_per_run(20, || {
                iptables::render(&proxy::facts(&objects, &config, &node, family))
            }),
        ),
        ("render", cpu_time_per_run(20, || iptables::render(&facts))),
    ] {
        if let Some(s) = seconds {
            eprintln!(
                "CPU time per run, {what}: {:.1} ms ({:.2} of the 150 ms budget)",
                s * 1000.0,
                s / 0.150
            );
        }
    }
    let mut group = c.benchmark_group("iptables 5k services 50k endpoints");
    group.sample_size(20);
    group.bench_function("facts+render", |b| {
        b.iter(|| {
            let facts = proxy::facts(black_box(&objects), &config, &node, family);
            iptables::render(&facts)
        })
    });
    group.bench_function("facts+render, old result freed outside the timing", |b| {
        b.iter_with_large_drop(|| {
            let facts = proxy::facts(black_box(&objects), &config, &node, family);
            iptables::render(&facts)
        })
    });
    group.bench_function("facts", |b| {
        b.iter(|| proxy::facts(black_box(&objects), &config, &node, family))
    });
    group.bench_function("render", |b| b.iter(|| iptables::render(black_box(&facts))));
    group.bench_function("render+print", |b| {
        b.iter(|| iptables::render(black_box(&facts)).to_string())
    });
    group.finish();

    // The walker a simulator drives: one Service with 100 endpoints, one random choice
    // per cascade rule (budget: ≥ 5 M walks/s through the cascade at 100 endpoints).
    let mut small = Objects::default();
    small.services.push(objects.services[1].clone());
    let mut slice = objects.endpoint_slices[1].clone();
    slice.endpoints = (0..100)
        .map(|e| Endpoint {
            addresses: vec![format!("10.250.0.{}", e + 1)].into(),
            ..Endpoint::default()
        })
        .collect();
    small.endpoint_slices.push(slice);
    let small_node = NodeContext::resolve(&small, "node-1", &[]);
    let small_facts = proxy::facts(&small, &config, &small_node, family);
    let tables =
        iptables::node::NodeTables::after_sync(&iptables::render(&small_facts), &small_node);
    let program = iptables::trace::Program::compile(&tables, &small_facts);
    let packet = svcplay::proxy::trace::Packet {
        src: "10.244.7.7".parse().expect("constant IP"),
        dst: cluster_ip(1).parse().expect("constant IP"),
        dport: 80,
        protocol: svcplay::proxy::Protocol::Tcp,
    };
    let mut choices = Xorshift(0x9E37_79B9_7F4A_7C15);
    let mut group = c.benchmark_group("walk");
    let mut walked = iptables::trace::Walked::default();
    group.bench_function("one connection through a 100-endpoint cascade", |b| {
        b.iter(|| program.walk_into(black_box(&packet), &mut choices, &mut (), &mut walked))
    });
    group.finish();

    let text = dump();
    eprintln!("dump: {} bytes of YAML", text.len());
    let mut group = c.benchmark_group("dump 5k services 50k endpoints");
    group.sample_size(10);
    group.bench_function("parse dump", |b| {
        b.iter(|| analyze(black_box(&text), Options { stored: true }))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
