//! Small hostile inputs (issue 21): each must give a clear answer with bounded work and
//! memory, never a hang. PRODUCT.md's budget for the CLI on hostile input is ≤ 10 s and
//! ≤ 2 GB; speed is not asserted here (a loaded 2-core CI machine would make that
//! flaky), the work is: keys compared, alias nodes built, Pods generated, rules written,
//! counted by the core, and memory, counted by this binary's allocator (the peak of
//! live bytes) or capped for a child process with `ulimit -v`. Every test prints its
//! figures and time (`--show-output` keeps them in the log); only a loose guard of
//! minutes stops a hang.

// Tests may read the clock (timeouts, measurements); only the core may not.
#![allow(clippy::disallowed_methods)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::fmt::Write as _;
use std::io::Write as _;
use std::process::{Command, Output, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use svcplay::controllers::budget::{MAX_ENDPOINTS_PER_SERVICE, MAX_PODS, MAX_PROXY_ENTRIES};
use svcplay::diag::Severity;
use svcplay::scenario::{Analysis, Options, analyze};

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's layout goes to the system allocator unchanged.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(live, Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `alloc` above with this layout.
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// One measurement at a time: the peak counter is shared by the whole binary.
static MEASURING: Mutex<()> = Mutex::new(());

const MB: usize = 1 << 20;

/// Runs `f`, returning its value, the peak of live bytes above what was live before,
/// and the time it took (printed, never asserted).
fn measure<T>(label: &str, f: impl FnOnce() -> T) -> (T, usize) {
    let _one = MEASURING.lock().unwrap_or_else(|e| e.into_inner());
    let before = LIVE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let start = Instant::now();
    let value = f();
    let took = start.elapsed();
    let peak = PEAK.load(Ordering::Relaxed).saturating_sub(before);
    println!(
        "{label}: peak {:.1} MB above the start, {:.2} s",
        peak as f64 / MB as f64,
        took.as_secs_f64()
    );
    (value, peak)
}

// ---- The reproducers of issue 21, generated (the same text on every run) ---------------

/// A ConfigMap with `n` numeric keys (10,000: 99 KB, which took 15 s).
fn numeric_keys(n: usize) -> String {
    let mut text = String::from("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n");
    for i in 0..n {
        let _ = writeln!(text, "  {i}: v");
    }
    text
}

/// A mapping with `n` merge keys (10,000 took 23 s).
fn merge_keys(n: usize) -> String {
    let mut text = String::from("m:\n");
    for i in 0..n {
        let _ = writeln!(text, "  <<: {{k{i}: 1}}");
    }
    text
}

/// `depth` anchors nested around `items` items, no alias (250 around 50,000: 1.2 GB).
fn nested_anchors(depth: usize, items: usize) -> String {
    let mut inner = format!("[{}]", vec!["x"; items].join(","));
    for i in 0..depth {
        inner = format!("&a{i} [{inner}]");
    }
    format!("a: {inner}\n")
}

/// `workloads` Deployments of `replicas` each on one Node with room for them all
/// (200 × 5,000 in 56 KB: 31 s and 3.4 GB).
fn deployments(workloads: usize, replicas: usize) -> String {
    let mut text = node();
    for i in 0..workloads {
        let _ = write!(
            text,
            "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d{i}\nspec:\n  replicas: {replicas}\n  selector:\n    matchLabels:\n      app: a{i}\n  template:\n    metadata:\n      labels:\n        app: a{i}\n    spec:\n      containers:\n      - name: c\n        image: nginx\n"
        );
    }
    text
}

fn node() -> String {
    "apiVersion: v1\nkind: Node\nmetadata:\n  name: n1\nspec:\n  podCIDR: 10.0.0.0/8\n".into()
}

/// One Service with `ports` ports over one Deployment of `replicas` Pods (200 × 5,000
/// in 9.7 KB: kube-proxy 41 s and 1.2 GB, simulate 45 s and 2.3 GB).
fn service_ports(ports: usize, replicas: usize) -> String {
    let mut text = node();
    text.push_str("---\napiVersion: v1\nkind: Service\nmetadata:\n  name: s\nspec:\n  clusterIP: 10.96.0.50\n  selector:\n    app: a\n  ports:\n");
    for i in 0..ports {
        let _ = write!(
            text,
            "  - name: p{i}\n    port: {}\n    targetPort: {}\n",
            1000 + i,
            2000 + i
        );
    }
    let _ = write!(
        text,
        "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\nspec:\n  replicas: {replicas}\n  selector:\n    matchLabels:\n      app: a\n  template:\n    metadata:\n      labels:\n        app: a\n    spec:\n      containers:\n      - name: c\n        image: nginx\n"
    );
    text
}

fn warnings(analysis: &Analysis) -> Vec<String> {
    analysis
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Warning)
        .map(|d| d.message.clone())
        .collect()
}

// ---- Library: work counted, memory measured ----------------------------------------------

#[test]
fn numeric_keys_are_compared_through_a_set() {
    for n in [10_000, 30_000] {
        let text = numeric_keys(n);
        let (analysis, peak) = measure(
            &format!("{n} numeric keys ({} KB)", text.len() / 1000),
            || analyze(&text, Options::default()),
        );
        let work = analysis.manifest.work;
        println!("  keys compared: {}", work.key_comparisons);
        assert!(work.key_comparisons <= 3 * n as u64, "{work:?}");
        assert!(peak < 64 * MB, "{peak}");
    }
}

#[test]
fn merge_keys_are_compared_through_a_set() {
    let n = 10_000;
    let text = merge_keys(n);
    let ((docs, errors, work), peak) = measure("10,000 merge keys", || {
        svcplay::manifest::yaml::parse_documents_counted(&text)
    });
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(
        docs[0]
            .root
            .as_ref()
            .unwrap()
            .get("m")
            .unwrap()
            .entries()
            .unwrap()
            .len(),
        n
    );
    println!("  keys compared: {}", work.key_comparisons);
    assert!(work.key_comparisons <= 4 * n as u64, "{work:?}");
    assert!(peak < 64 * MB, "{peak}");
}

#[test]
fn nested_anchors_copy_nothing_without_an_alias() {
    let text = nested_anchors(250, 50_000);
    let (analysis, peak) = measure(
        &format!(
            "250 nested anchors around 50,000 items ({} KB)",
            text.len() / 1000
        ),
        || analyze(&text, Options::default()),
    );
    assert_eq!(analysis.manifest.work.alias_nodes, 0);
    // The parsed tree (50,000 scalars) and the anchors' events, not 250 copies.
    assert!(peak < 64 * MB, "{peak}");
    // With aliases, expansion is charged to the budget and refused past it.
    let bomb = format!(
        "{}b: [{}]\n",
        nested_anchors(250, 50_000),
        ["*a249"; 10].join(", ")
    );
    let (analysis, peak) = measure("the same, aliased ten times", || {
        analyze(&bomb, Options::default())
    });
    assert!(
        analysis
            .diagnostics
            .iter()
            .any(|d| d.message.contains("excessive aliasing")),
        "{:?}",
        analysis.diagnostics
    );
    println!(
        "  alias nodes built: {}",
        analysis.manifest.work.alias_nodes
    );
    assert!(analysis.manifest.work.alias_nodes <= 10_000 + 4 * bomb.len() as u64);
    assert!(peak < 256 * MB, "{peak}");
}

#[test]
fn pods_stop_at_the_cluster_budget_with_a_warning() {
    let text = deployments(200, 5000);
    let (analysis, peak) = measure(
        &format!(
            "200 Deployments × 5,000 replicas ({} KB)",
            text.len() / 1000
        ),
        || analyze(&text, Options::default()),
    );
    println!("  Pods generated: {}", analysis.objects.pods.len());
    // The workload controllers stop at the budget; kubeadm's kube-system Pods (CoreDNS,
    // kube-proxy, built in) come on top of it.
    let generated = analysis
        .objects
        .pods
        .iter()
        .filter(|p| p.meta.origin != svcplay::model::Origin::Builtin)
        .count();
    assert_eq!(generated, MAX_PODS);
    let warned = warnings(&analysis);
    assert!(
        warned.iter().any(|w| w.contains(&format!(
            "svcplay simulates at most {MAX_PODS} Pods in the whole cluster: this workload got 0 of its 5000"
        ))),
        "{warned:?}"
    );
    // Every Pod has its own address: the search for free ones did not start over.
    let mut ips: Vec<&str> = analysis
        .objects
        .pods
        .iter()
        .map(|p| p.status.pod_ip.as_deref().unwrap_or(""))
        .collect();
    ips.sort_unstable();
    ips.dedup();
    assert_eq!(ips.len(), analysis.objects.pods.len());
    assert!(peak < 1024 * MB, "{peak}");
}

#[test]
fn a_service_past_the_entry_budget_is_left_out_of_kube_proxy() {
    let text = service_ports(200, 5000);
    let (rules, peak) = measure(
        &format!(
            "one Service, 200 ports × 5,000 Pods ({} KB): analysis + iptables",
            text.len() / 1000
        ),
        || {
            let analysis = analyze(&text, Options::default());
            let warned = warnings(&analysis);
            let rules: usize = analysis
                .proxy_in(
                    &analysis.default_node(),
                    svcplay::proxy::config::ProxyMode::Iptables,
                )
                .output()
                .to_string()
                .lines()
                .count();
            (warned, rules)
        },
    );
    let (warned, rules) = rules;
    println!("  rules written: {rules}");
    assert!(
        warned.iter().any(
            |w| w.starts_with("this Service needs 1000200 of kube-proxy's entries")
                && w.ends_with("kube-proxy's rules, traces and simulations leave it out")
        ),
        "{warned:?}"
    );
    // The cut Service writes nothing: the rules are the fixed chains and default/kubernetes.
    assert!(rules < 200, "{rules}");
    assert!(peak < 1024 * MB, "{peak}");
    // Just inside the budget (19 ports × 5,000 endpoints) everything is written.
    let text = service_ports(19, 5000);
    let ((warned, rules), peak) = measure(
        "one Service, 19 ports × 5,000 Pods: analysis + iptables",
        || {
            let analysis = analyze(&text, Options::default());
            let rules: usize = analysis
                .proxy_in(
                    &analysis.default_node(),
                    svcplay::proxy::config::ProxyMode::Iptables,
                )
                .output()
                .to_string()
                .lines()
                .count();
            (warnings(&analysis), rules)
        },
    );
    println!("  rules written: {rules}");
    assert!(warned.is_empty(), "{warned:?}");
    assert!(rules > 19 * 5000 * 2, "{rules}");
    assert!(rules < 5 * MAX_PROXY_ENTRIES, "{rules}");
    assert!(peak < 1024 * MB, "{peak}");
}

#[test]
fn a_service_with_more_endpoints_than_kubernetes_tests_is_left_out() {
    // Two Deployments behind one Service: 10,000 endpoints.
    let mut text = deployments(2, 5000).replace("app: a1", "app: a0");
    text.push_str("---\napiVersion: v1\nkind: Service\nmetadata:\n  name: s\nspec:\n  selector:\n    app: a0\n  ports:\n  - port: 80\n");
    let (analysis, _) = measure("one Service over 10,000 Pods", || {
        analyze(&text, Options::default())
    });
    let warned = warnings(&analysis);
    assert!(
        warned.iter().any(|w| w.starts_with(&format!(
            "this Service has 10000 endpoints, more than the {MAX_ENDPOINTS_PER_SERVICE} per Service"
        ))),
        "{warned:?}"
    );
}

#[test]
fn the_5000_service_dump_is_inside_every_budget() {
    let text = svcplay::examples::dump::large_dump(5000, 10);
    let (analysis, _) = measure("the 5,000-Service / 50,000-endpoint dump", || {
        analyze(&text, Options::default())
    });
    assert!(
        svcplay::controllers::budget::over_budget(&analysis.objects).is_empty(),
        "the dump must not be cut"
    );
    assert_eq!(warnings(&analysis), Vec::<String>::new());
}

#[test]
fn apply_of_many_objects_is_linear() {
    // 20,000 Namespaces: every object is looked up once (this was a search through all
    // objects and admissions for each: 151,000 objects took 132 s).
    let mut text = String::new();
    for i in 0..20_000 {
        let _ = write!(
            text,
            "---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: n{i}\n"
        );
    }
    let (output, peak) = measure("kubectl apply of 20,000 Namespaces", || {
        let analysis = analyze(&text, Options::default());
        let files = [svcplay::views::kubectl::apply::SourceFile {
            name: "f.yaml".into(),
            first_line: 1,
        }];
        svcplay::views::kubectl::apply::apply(
            &analysis,
            &files,
            svcplay::views::kubectl::apply::Format::Default,
        )
    });
    assert_eq!(output.status, 0, "{}", output.stderr);
    assert_eq!(output.stdout.lines().count(), 20_000);
    assert!(output.stdout.ends_with("namespace/n19999 created\n"));
    assert!(peak < 512 * MB, "{peak}");
}

#[test]
fn requests_above_the_cap_are_refused() {
    use svcplay::simulate::{MAX_REQUESTS, check_requests};
    assert!(check_requests(MAX_REQUESTS).is_ok());
    assert_eq!(
        check_requests(1_000_000_000_000),
        Err("1000000000000 requests are more than svcplay simulates at once (at most 10000000); the exact probabilities beside the counts do not depend on the number".into())
    );
}

#[test]
fn a_scenario_over_the_size_limit_is_refused_by_the_core() {
    use svcplay::manifest::MAX_SCENARIO_BYTES;
    let text = format!("# {}\n", "x".repeat(MAX_SCENARIO_BYTES));
    let analysis = analyze(&text, Options::default());
    assert!(analysis.manifest.documents.is_empty());
    assert_eq!(
        analysis.diagnostics[0].message,
        "the scenario is larger than 16 MiB (16777216 bytes), the most svcplay reads"
    );
}

// ---- The command line, in a child process with a memory cap ------------------------------

/// PRODUCT.md's memory budget for the CLI on hostile input, as `ulimit -v` (KiB).
const MEMORY_CAP_KIB: usize = 2 * 1024 * 1024;

/// Runs svcplay under `ulimit -v` with `stdin` as its standard input; a loose deadline
/// of minutes stops a hang (the time is printed, not asserted).
fn svcplay_capped(label: &str, args: &[&str], stdin: &[u8]) -> Output {
    let mut script = format!("ulimit -v {MEMORY_CAP_KIB} && exec \"$0\"");
    for i in 1..=args.len() {
        let _ = write!(script, " \"${{{i}}}\"");
    }
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(&script)
        .arg(env!("CARGO_BIN_EXE_svcplay"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run svcplay");
    let start = Instant::now();
    let mut input = child.stdin.take().unwrap();
    let stdin = stdin.to_vec();
    let feeder = std::thread::spawn(move || {
        let _ = input.write_all(&stdin);
    });
    // The output is read while the child runs (a full pipe would stop it).
    let pid = child.id();
    let (done, finished) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = done.send(child.wait_with_output());
    });
    let deadline = Duration::from_secs(300);
    let out = match finished.recv_timeout(deadline) {
        Ok(out) => out.expect("output"),
        Err(_) => {
            let _ = Command::new("kill").arg("-9").arg(pid.to_string()).status();
            panic!("{label}: still running after {deadline:?}");
        }
    };
    let _ = feeder.join();
    println!(
        "{label}: exit {:?} in {:.2} s under ulimit -v {MEMORY_CAP_KIB} KiB",
        out.status.code(),
        start.elapsed().as_secs_f64()
    );
    out
}

fn temp_file(name: &str, text: &str) -> String {
    let dir = std::env::temp_dir().join(format!("svcplay-hostile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_string_lossy().into_owned()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn cli_refuses_dev_zero_at_the_size_limit() {
    let out = svcplay_capped("svcplay apply /dev/zero", &["apply", "/dev/zero"], b"");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr),
        "error: \"/dev/zero\": the scenario is larger than 16 MiB (16777216 bytes), the most svcplay reads\n"
    );
    // Standard input too, and the files of one scenario together.
    let big = vec![b'#'; svcplay::manifest::MAX_SCENARIO_BYTES + 10];
    let out = svcplay_capped("svcplay apply - (16 MiB + 10 bytes)", &["apply", "-"], &big);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).starts_with("error: standard input: the scenario is larger"));
}

#[test]
fn cli_kube_proxy_on_the_replica_and_port_bombs() {
    let path = temp_file("deployments.yaml", &deployments(200, 5000));
    let out = svcplay_capped(
        "kube-proxy, 200 Deployments × 5,000",
        &["kube-proxy", &path],
        b"",
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("svcplay simulates at most 50000 Pods in the whole cluster")
    );
    let path = temp_file("ports.yaml", &service_ports(200, 5000));
    let out = svcplay_capped(
        "kube-proxy, 200 ports × 5,000 Pods",
        &["kube-proxy", &path],
        b"",
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("leave it out"));
    let out = svcplay_capped(
        "simulate 10 requests, 200 ports × 5,000 Pods",
        &[
            "simulate",
            &path,
            "--requests",
            "10",
            "--seed",
            "1",
            "--src",
            "10.0.0.5",
        ],
        b"",
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

#[test]
fn cli_refuses_a_trillion_requests_before_reading() {
    let out = svcplay_capped(
        "simulate --requests 10^12 /dev/zero",
        &[
            "simulate",
            "/dev/zero",
            "--requests",
            "1000000000000",
            "--seed",
            "1",
        ],
        b"",
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).starts_with("error: 1000000000000 requests are more than"));
}

#[test]
fn cli_hostile_yaml_answers_quickly() {
    for (name, yaml) in [
        ("30,000 numeric keys", numeric_keys(30_000)),
        ("10,000 merge keys", merge_keys(10_000)),
        ("250 nested anchors", nested_anchors(250, 50_000)),
    ] {
        let out = svcplay_capped(&format!("apply, {name}"), &["apply", "-"], yaml.as_bytes());
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "{name}: {}",
            text(&out.stderr)
        );
    }
}

#[test]
fn cli_a_service_with_20000_ports() {
    // Each port was checked against every other (validation, kube-proxy's port map):
    // 30,000 ports in 1.5 MB took 87 s.
    let mut yaml = String::from(
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: s\nspec:\n  clusterIP: 10.96.0.50\n  ports:\n",
    );
    for i in 0..20_000 {
        let _ = write!(yaml, "  - name: p{i}\n    port: {}\n", i + 1);
    }
    let out = svcplay_capped(
        "kube-proxy, 20,000 ports",
        &["kube-proxy", "-"],
        yaml.as_bytes(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("\"default/s:p19999 has no endpoints\""));
}

#[test]
fn cli_reads_old_mac_line_endings() {
    let out = svcplay_capped(
        "apply, CR-only",
        &["apply", "-"],
        b"# c\rapiVersion: v1\rkind: Namespace\rmetadata:\r  name: x\r",
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "namespace/x created\n");
}

#[test]
fn cli_empty_input_is_no_objects() {
    for input in [
        &b""[..],
        b"---\n",
        b"# only a comment\n---\n---\n",
        b"apiVersion: v1\nkind: List\nitems: []\n",
    ] {
        let out = svcplay_capped("apply, empty", &["apply", "-"], input);
        assert_eq!(out.status.code(), Some(1));
        assert_eq!(text(&out.stderr), "error: no objects passed to apply\n");
        assert_eq!(text(&out.stdout), "");
    }
    // The other subcommands show the fresh cluster, and say the scenario is empty.
    let out = svcplay_capped(
        "run, empty",
        &["run", "-", "--", "kubectl", "get", "svc"],
        b"",
    );
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        text(&out.stderr),
        "warning: the scenario holds no objects: showing a fresh cluster\n"
    );
    assert!(text(&out.stdout).contains("kubernetes   ClusterIP   10.96.0.1"));
}

#[test]
fn no_raw_escape_reaches_the_terminal() {
    // A name is quoted as Go's %q quotes it, once.
    let scenario = "apiVersion: v1\nkind: Service\nmetadata:\n  name: \"\\e[31mred\"\nspec:\n  ports:\n  - port: 80\n";
    let out = svcplay_capped("apply, ESC in a name", &["apply", "-"], scenario.as_bytes());
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.starts_with("The Service \"\\x1b[31mred\" is invalid: metadata.name: Invalid value: \"\\x1b[31mred\": "),
        "{stderr}"
    );
    assert!(!stderr.contains('\x1b'));
    // kubectl's own (client-side) errors quote the same way.
    let scenario = "apiVersion: v1\nkind: \"\\e[31mService\"\nmetadata:\n  name: web\n";
    let out = svcplay_capped("apply, ESC in a kind", &["apply", "-"], scenario.as_bytes());
    assert_eq!(
        text(&out.stderr),
        "error: resource mapping not found for name: \"web\" namespace: \"\" from \"STDIN\": no matches for kind \"\\x1b[31mService\" in version \"v1\"\nensure CRDs are installed first\n"
    );
    // An annotation reaches describe through kubectl's terminal escaper.
    let scenario = "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  annotations:\n    note: \"\\e[2J\\rgone\"\nspec:\n  ports:\n  - port: 80\n";
    let out = svcplay_capped(
        "describe, ESC in an annotation",
        &["run", "-", "--", "kubectl", "describe", "svc", "web"],
        scenario.as_bytes(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("Annotations:              note: ^[[2J\\rgone\n"),
        "{stdout}"
    );
    assert!(!stdout.contains(['\x1b', '\r']));
    // --stored takes any name; the CLI's diagnostics escape what they quote.
    let scenario = "apiVersion: v1\nkind: Service\nmetadata:\n  name: \"\\e]0;owned\\a\"\nspec:\n  selector:\n    app: none\n  ports:\n  - port: 80\n";
    let out = svcplay_capped(
        "kube-proxy --stored, ESC in a name",
        &["kube-proxy", "--stored", "-"],
        scenario.as_bytes(),
    );
    let stderr = text(&out.stderr);
    assert!(!stderr.contains(['\x1b', '\x07']), "{stderr}");
}

#[test]
fn trace_in_userspace_mode_names_the_missing_family() {
    let path = format!(
        "{}/tests/fixtures/kube-proxy-userspace/portals-and-nodeports/input.yaml",
        env!("CARGO_MANIFEST_DIR")
    );
    let out = svcplay_capped(
        "trace, userspace, IPv6",
        &[
            "trace", "--stored", &path, "--src", "fd00::5", "--dst", "fd00::1", "--dport", "80",
        ],
        b"",
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr)
            .ends_with("runs no IPv6 proxier (the userspace mode runs one IP family)\n"),
        "{}",
        text(&out.stderr)
    );
    let out = svcplay_capped(
        "trace, userspace, IPv4",
        &[
            "trace",
            "--stored",
            &path,
            "--src",
            "10.0.0.5",
            "--dst",
            "10.10.0.10",
            "--dport",
            "53",
            "--protocol",
            "UDP",
        ],
        b"",
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("\nresult: "));
}

/// `replicas: -1` was created; the real API server refuses it (the Deployment validation
/// of helper "schema", `apiserver::apps`, now does too).
#[test]
fn negative_replicas_are_refused() {
    let scenario = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: -1\n  selector:\n    matchLabels:\n      app: web\n  template:\n    metadata:\n      labels:\n        app: web\n    spec:\n      containers:\n      - name: c\n        image: nginx\n";
    let out = svcplay_capped("apply, replicas -1", &["apply", "-"], scenario.as_bytes());
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr),
        "The Deployment \"web\" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0\n"
    );
}
