//! The command-line contract (PRODUCT.md): subcommands, `--help`, exit statuses 0/1/2.

use std::process::{Command, Output};

fn svcplay(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_svcplay"))
        .args(args)
        .output()
        .expect("run svcplay")
}

fn fixture(path: &str) -> String {
    format!("{}/tests/fixtures/{path}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn every_subcommand_has_help() {
    for sub in [
        "apply",
        "run",
        "kube-proxy",
        "trace",
        "simulate",
        "check-node",
        "shell",
        "lesson",
        "serve",
    ] {
        let out = svcplay(&[sub, "--help"]);
        assert_eq!(out.status.code(), Some(0), "{sub} --help");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains("Usage: svcplay"),
            "{sub} --help printed:\n{text}"
        );
    }
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(svcplay(&["frobnicate"]).status.code(), Some(2));
    assert_eq!(svcplay(&["kube-proxy"]).status.code(), Some(2));
    assert_eq!(
        svcplay(&["trace", "x.yaml", "--src", "1.2.3.4"])
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn kube_proxy_prints_the_restore_input() {
    let out = svcplay(&[
        "kube-proxy",
        "--stored",
        &fixture("kube-proxy-iptables/v128-nodeport/input.yaml"),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("*filter\n"));
    assert!(text.contains("-A KUBE-NODEPORTS -m comment --comment ns1/svc1:p80 -m tcp -p tcp --dport 3001 -j KUBE-EXT-XPGD46QRK7WJZT7O\n"));
    // The real binary's spelling of the masquerade mark (Go's %#08x).
    assert!(text.contains("-A KUBE-MARK-MASQ -j MARK --or-mark 0x00004000\n"));
}

#[test]
fn kube_proxy_explain_follows_each_rule_with_its_source() {
    let file = fixture("kube-proxy-iptables/v128-nodeport/input.yaml");
    let plain = svcplay(&["kube-proxy", "--stored", &file]);
    let out = svcplay(&["kube-proxy", "--stored", "--explain", &file]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    // Without the comments, the output is kube-proxy's restore input unchanged.
    let bare: String = text
        .lines()
        .filter(|l| !l.starts_with("# "))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(bare, String::from_utf8_lossy(&plain.stdout));
    let lines: Vec<&str> = text.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.starts_with("-A KUBE-NODEPORTS -m comment --comment ns1/svc1:p80"))
        .expect("the NodePort rule");
    assert!(
        lines[at + 1]
            .starts_with("# source: Service ns1/svc1 spec.ports[0] (spec.ports[0].nodePort)"),
        "{}",
        lines[at + 1]
    );
    assert!(
        lines[at + 2].starts_with("# what: Sends traffic to NodePort 3001/TCP"),
        "{}",
        lines[at + 2]
    );
    // A fixed rule names kube-proxy's function.
    let mark = lines
        .iter()
        .position(|l| *l == "-A KUBE-MARK-MASQ -j MARK --or-mark 0x00004000")
        .expect("the mark rule");
    assert!(
        lines[mark + 1]
            .contains("kube-proxy's fixed rules: pkg/proxy/iptables/proxier.go: syncProxyRules")
    );
    let zh = svcplay(&[
        "kube-proxy",
        "--stored",
        "--explain",
        "--lang",
        "zh-CN",
        &file,
    ]);
    assert!(String::from_utf8_lossy(&zh.stdout).contains("# 作用："));
    let bad = svcplay(&["kube-proxy", "--stored", "--explain", "--lang", "fr", &file]);
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn version_says_which_kubernetes_is_modelled() {
    let out = svcplay(&["--version"]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("svcplay "), "{text}");
    assert!(text.contains("Models Kubernetes v1.35"), "{text}");
    assert!(text.contains("kube-proxy, nftables mode"), "{text}");
    assert!(
        text.contains("Known differences from a real cluster:"),
        "{text}"
    );
    let zh = svcplay(&["--version", "--lang", "zh-CN"]);
    assert!(String::from_utf8_lossy(&zh.stdout).contains("与真实集群的已知差异"));
}

#[test]
fn input_errors_exit_1_and_point_at_the_line() {
    let dir = std::env::temp_dir().join(format!("svcplay-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("broken.yaml");
    std::fs::write(
        &file,
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  ports: [80\n",
    )
    .unwrap();
    let out = svcplay(&["kube-proxy", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("broken.yaml:"), "{err}");
    let missing = svcplay(&["kube-proxy", dir.join("absent.yaml").to_str().unwrap()]);
    assert_eq!(missing.status.code(), Some(1));
}

#[test]
fn simulate_prints_a_table_or_json_and_the_same_seed_gives_the_same_numbers() {
    let input = fixture("kube-proxy-iptables/v128-nodeport/input.yaml");
    let args = |format: &str| {
        vec![
            "simulate".to_string(),
            input.clone(),
            "--stored".into(),
            "--requests".into(),
            "200".into(),
            "--seed".into(),
            "7".into(),
            "--format".into(),
            format.into(),
        ]
    };
    let run = |format: &str| {
        let a = args(format);
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        svcplay(&a)
    };
    let table = run("table");
    assert_eq!(table.status.code(), Some(0), "{table:?}");
    let text = String::from_utf8_lossy(&table.stdout).to_string();
    assert!(
        text.contains("ENDPOINT") && text.contains("EXPECTED"),
        "{text}"
    );
    let json = run("json");
    assert_eq!(json.status.code(), Some(0));
    let json = String::from_utf8_lossy(&json.stdout).to_string();
    for key in [
        "\"requests\": 200",
        "\"endpoints\": [",
        "\"address\"",
        "\"probability\"",
        "\"dropped\"",
        "\"rejected\"",
    ] {
        assert!(json.contains(key), "{key} missing in {json}");
    }
    assert_eq!(String::from_utf8_lossy(&run("json").stdout), json);
    let bad = run("yaml");
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn apply_prints_kubectls_words_and_exits_1_on_refusal() {
    let case = fixture("service-api/20-missing-port-names-two-ports");
    let out = Command::new(env!("CARGO_BIN_EXE_svcplay"))
        .current_dir(&case)
        .args(["apply", "20-missing-port-names-two-ports.yaml"])
        .output()
        .expect("run svcplay");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "The Service \"web\" is invalid: \n* spec.ports[0].name: Required value\n* spec.ports[1].name: Required value\n"
    );
    let ok = svcplay(&[
        "apply",
        &fixture("service-api/01-valid-minimal-clusterip/01-valid-minimal-clusterip.yaml"),
    ]);
    assert_eq!(ok.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&ok.stdout),
        "service/my-service created\n"
    );
    let yaml = svcplay(&[
        "apply",
        "-o",
        "yaml",
        &fixture("service-api/01-valid-minimal-clusterip/01-valid-minimal-clusterip.yaml"),
    ]);
    assert!(String::from_utf8_lossy(&yaml.stdout).starts_with("apiVersion: v1\nkind: Service\n"));
    assert_eq!(
        svcplay(&["apply", "-o", "json", "x.yaml"]).status.code(),
        Some(2)
    );
}

#[test]
fn run_answers_kubectl_get_svc() {
    let out = svcplay(&[
        "run",
        &fixture("service-api/01-valid-minimal-clusterip/01-valid-minimal-clusterip.yaml"),
        "--",
        "kubectl",
        "get",
        "svc",
        "kubernetes",
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "NAME         TYPE        CLUSTER-IP   EXTERNAL-IP   PORT(S)   AGE\nkubernetes   ClusterIP   10.96.0.1    <none>        443/TCP   10s\n"
    );
}

#[test]
fn trace_ends_with_result_and_masquerade() {
    let input = fixture("kube-proxy-iptables-flows/nodeports-1-ipv4-lnp/input.yaml");
    let out = svcplay(&[
        "trace",
        "--stored",
        &input,
        "--src",
        "203.0.113.2",
        "--dst",
        "192.168.0.2",
        "--dport",
        "3001",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let last: Vec<&str> = text.lines().rev().take(2).collect();
    assert_eq!(
        last,
        ["masquerade: true", "result: 10.180.0.1:80, 10.180.2.1:80"]
    );
    let bad = svcplay(&[
        "trace", "--stored", &input, "--src", "x", "--dst", "1.2.3.4", "--dport", "1",
    ]);
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn run_iptables_save_prints_the_nodes_tables() {
    let input = fixture("kube-proxy-iptables/v128-nodeport/input.yaml");
    let out = svcplay(&[
        "run",
        "--stored",
        &input,
        "--",
        "iptables-save",
        "-t",
        "nat",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("# Generated by iptables-save v1.8.9 (nf_tables) on "));
    assert!(text.contains("\n*nat\n:PREROUTING ACCEPT [0:0]\n"));
    assert!(text.contains("-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000\n"));
    let bad = svcplay(&[
        "run",
        "--stored",
        &input,
        "--",
        "iptables-save",
        "-t",
        "bogus",
    ]);
    assert_eq!(bad.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&bad.stderr),
        "Table `bogus' does not exist\n"
    );
}

#[test]
fn run_answers_ipvsadm_ipset_and_ip_in_ipvs_mode() {
    let input = fixture("kube-proxy-ipvs/ipvs-01-nodeport-ipv4-two-families/input.yaml");
    let out = svcplay(&["run", "--stored", &input, "--", "ipvsadm", "-Ln"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        std::fs::read_to_string(fixture(
            "kube-proxy-ipvs/ipvs-01-nodeport-ipv4-two-families/expected.ipvsadm"
        ))
        .unwrap()
    );
    let out = svcplay(&["run", "--stored", &input, "--", "ipset", "list", "NOPE"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "ipset v7.17: The set with the given name does not exist\n"
    );
    let out = svcplay(&[
        "run",
        "--stored",
        &input,
        "--",
        "ip",
        "addr",
        "show",
        "kube-ipvs0",
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .contains("    inet 10.20.30.41/32 scope global kube-ipvs0\n")
    );
    let out = svcplay(&["run", "--stored", &input, "--", "frobnicate"]);
    assert_eq!(out.status.code(), Some(127));
}

#[test]
fn kube_proxy_and_trace_in_ipvs_mode() {
    let input = fixture("kube-proxy-ipvs/ipvs-16-lb-source-ranges/input.yaml");
    let out = svcplay(&["kube-proxy", "--stored", &input]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("*nat\n:KUBE-SERVICES - [0:0]\n"));
    assert!(text.contains("-A KUBE-MARK-MASQ -j MARK --or-mark 0x00004000\n"));
    let out = svcplay(&[
        "trace", "--stored", &input, "--src", "1.1.1.1", "--dst", "1.2.3.4", "--dport", "80",
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).ends_with("result: DROP\nmasquerade: false\n"));
    let out = svcplay(&[
        "trace", "--stored", &input, "--src", "10.1.1.1", "--dst", "1.2.3.4", "--dport", "80",
    ]);
    assert!(
        String::from_utf8_lossy(&out.stdout).ends_with("result: 10.180.0.1:80\nmasquerade: true\n")
    );
}

#[test]
fn iptables_save_in_ipvs_mode_shows_the_rules_ipvs_mode_keeps() {
    let input = fixture("kube-proxy-ipvs/ipvs-16-lb-source-ranges/input.yaml");
    let out = svcplay(&[
        "run",
        "--stored",
        &input,
        "--",
        "iptables-save",
        "-t",
        "nat",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains(
        "\n-A PREROUTING -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES\n"
    ));
    assert!(text.contains(" -m set --match-set KUBE-CLUSTER-IP dst,dst -j ACCEPT\n"));
}

#[test]
fn simulate_spread_gives_a_table_per_client_node() {
    let input = fixture("simulate-seeds/ipvs-rr-clusterip/input.yaml");
    let out = svcplay(&[
        "simulate",
        "--stored",
        &input,
        "--requests",
        "30",
        "--seed",
        "1",
        "--spread",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("CLIENT NODE"), "{text}");
    assert!(text.contains("\n(all) "), "{text}");
    let both = svcplay(&[
        "simulate",
        "--stored",
        &input,
        "--requests",
        "3",
        "--seed",
        "1",
        "--spread",
        "--src",
        "10.0.0.1",
    ]);
    assert_eq!(both.status.code(), Some(2));
}

/// Runs `svcplay shell FILE --script` with these commands; (status, stdout, stderr).
fn shell(scenario: &str, commands: &str, extra: &[&str]) -> (Option<i32>, String, String) {
    let dir = std::env::temp_dir().join(format!(
        "svcplay-cli-shell-{}-{}",
        std::process::id(),
        commands.len()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let script = dir.join("script.sh");
    std::fs::write(&script, commands).unwrap();
    let mut args = vec!["shell", scenario, "--script", script.to_str().unwrap()];
    args.extend(extra);
    let out = svcplay(&args);
    let _ = std::fs::remove_dir_all(&dir);
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn shell_has_help_and_exits_1_when_a_command_fails_2_on_usage() {
    let out = svcplay(&["shell", "--help"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Exit status"));
    let lab = fixture("shell/kube-proxy-switch/scenario.yaml");
    let (status, out, _) = shell(&lab, "kubectl get nodes\n", &[]);
    assert_eq!(status, Some(0), "{out}");
    assert!(
        out.starts_with("[root@master ~]# kubectl get nodes\nNAME "),
        "{out}"
    );
    let (status, out, _) = shell(&lab, "kubectl get nodes\nnosuchcommand\nhostname\n", &[]);
    assert_eq!(status, Some(1), "{out}");
    assert!(
        out.ends_with("[root@master ~]# hostname\nmaster\n"),
        "a failure does not stop the session:\n{out}"
    );
    // The scenario from standard input needs the commands from a file.
    assert_eq!(svcplay(&["shell", "-"]).status.code(), Some(2));
    assert_eq!(svcplay(&["shell", &lab, "--bogus"]).status.code(), Some(2));
}

#[test]
fn shell_save_writes_the_changed_scenario_which_opens_where_it_left() {
    let lab = fixture("shell/kube-proxy-switch/scenario.yaml");
    let dir = std::env::temp_dir().join(format!("svcplay-cli-save-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let saved = dir.join("saved.yaml");
    let (status, out, _) = shell(
        &lab,
        "kubectl scale deployment web --replicas=2\nsleep 30\nssh worker1\n",
        &["--save", saved.to_str().unwrap()],
    );
    assert_eq!(status, Some(0), "{out}");
    let text = std::fs::read_to_string(&saved).unwrap();
    assert!(text.contains("replicas: 2"), "{text}");
    assert!(text.contains("kind: Session"), "{text}");
    assert!(text.contains("time: \"2025-01-01T00:00:40Z\""), "{text}");
    // Reopened, the session goes on where it stopped: on worker1, 30 s later.
    let (status, out, _) = shell(saved.to_str().unwrap(), "date\nkubectl get pods\n", &[]);
    assert_eq!(status, Some(0), "{out}");
    assert!(
        out.starts_with("[root@worker1 ~]# date\nWed Jan  1 00:00:40 UTC 2025\n"),
        "{out}"
    );
    assert_eq!(out.matches("web-").count(), 2, "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// `svcplay check-node`: 0 when the node matches, 1 on drift or scenario errors (the
/// output says which), 2 on usage errors.
#[test]
fn check_node_exit_statuses() {
    let dir = std::env::temp_dir().join(format!("svcplay-cli-check-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let scenario = fixture("check-node/scenario-a.yaml");
    let other = fixture("check-node/scenario-b.yaml");
    let save = svcplay(&["run", &scenario, "--", "iptables-save"]).stdout;
    let dump = dir.join("node.txt");
    std::fs::write(&dump, &save).unwrap();
    let dump = dump.to_str().unwrap();

    let out = svcplay(&["check-node", &scenario, "--dump", dump]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.ends_with("kube-proxy in iptables mode: no drift\n"),
        "{text}"
    );

    let out = svcplay(&[
        "check-node",
        &other,
        "--dump",
        dump,
        "--node",
        "k8s-worker01",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.lines()
            .any(|l| l.starts_with("stale nat KUBE-SERVICES -A KUBE-SERVICES -d 10.96.10.30/32 ")),
        "{text}"
    );
    assert!(text.contains(": drift: "), "{text}");

    // Scenario errors: exit 1, and the output says so.
    let broken = dir.join("broken.yaml");
    std::fs::write(
        &broken,
        std::fs::read_to_string(&scenario).unwrap() + "---\napiVersion: v1\nkind: Service\nmetadata: {name: bad}\nspec: {ports: [{port: 0}]}\n",
    )
    .unwrap();
    let out = svcplay(&["check-node", broken.to_str().unwrap(), "--dump", dump]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("# the scenario has 2 error(s)"), "{text}");

    // Usage errors.
    assert_eq!(svcplay(&["check-node", &scenario]).status.code(), Some(2));
    let notes = dir.join("notes.txt");
    std::fs::write(&notes, "just some notes\n").unwrap();
    let out = svcplay(&["check-node", &scenario, "--dump", notes.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not the output of iptables-save"));
    let out = svcplay(&[
        "check-node",
        &scenario,
        "--dump",
        dir.join("absent").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let out = svcplay(&["check-node", &scenario, "--dump", dump, "--node", "nowhere"]);
    assert_eq!(out.status.code(), Some(2));
}

/// `svcplay per-node`: the node-by-node table of a Local NodePort.
#[test]
fn per_node_prints_what_each_node_does() {
    let out = svcplay(&["per-node", &fixture("check-node/scenario-a.yaml")]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with(
            "shop/api  NodePort  externalTrafficPolicy: Local  TCP 80  nodePort 30080\nNODE "
        ),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.starts_with("k8s-master01  192.168.115.160:30080  drop ")),
        "{text}"
    );
    assert!(
        text.lines().any(
            |l| l.starts_with("k8s-worker01  192.168.115.161:30080  accept ")
                && l.contains("  preserved  ")
        ),
        "{text}"
    );
}

#[test]
fn lesson_check_builtin_passes_one_line_per_lesson() {
    // What CI runs: every built-in lesson parses, and each step's solution passes its
    // checks while its start does not.
    let out = svcplay(&["lesson", "check", "--builtin"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), svcplay::lesson::BUILTIN_SOURCES.len());
    assert!(lines.iter().all(|l| l.starts_with("ok  ")), "{stdout}");
    eprintln!("lesson check --builtin: {} lessons ok", lines.len());
}

#[test]
fn lesson_check_reports_what_failed_and_exits_1_or_2() {
    let good = fixture("lessons/ok/lesson.md");
    let bad = fixture("lessons/solution-fails/lesson.md");
    let broken = fixture("lessons/check-syntax/lesson.md");
    let out = svcplay(&["lesson", "check", &good, &bad, &broken]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines[0], "ok  selector-typo");
    assert!(
        lines[1].starts_with("fail  selector-typo: step fix-selector: line 81: its solution fails"),
        "{stdout}"
    );
    assert!(lines[2].starts_with("fail  "), "{stdout}");
    // Every problem on stderr, a parse problem as FILE:LINE:COLUMN.
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("{broken}:81:31: \"=>\" is not a comparison")),
        "{stderr}"
    );
    assert_eq!(svcplay(&["lesson", "check"]).status.code(), Some(2));
    assert_eq!(
        svcplay(&["lesson", "check", "--builtin", &good])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        svcplay(&["lesson", "check", "/nonexistent/lesson.md"])
            .status
            .code(),
        Some(2)
    );
}

/// Sends one HTTP/1.1 GET and returns the status line, the headers and the body.
fn http_get(address: &str, path: &str) -> (String, String, Vec<u8>) {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(address).expect("connect to svcplay serve");
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {address}\r\n\r\n").unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    let split = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a header block");
    let head = String::from_utf8_lossy(&response[..split]).to_string();
    let (status, headers) = head.split_once("\r\n").unwrap_or((&head, ""));
    (
        status.to_string(),
        headers.to_string(),
        response[split + 4..].to_vec(),
    )
}

#[test]
fn serve_answers_the_page_with_its_mime_types() {
    use std::io::BufRead;
    let dir = std::env::temp_dir().join(format!("svcplay-serve-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    std::fs::write(
        dir.join("index.html"),
        "<!doctype html><title>svcplay</title>",
    )
    .unwrap();
    std::fs::write(dir.join("svcplay-web_bg.wasm"), b"\0asm\x01\0\0\0").unwrap();
    std::fs::write(dir.join("sub/app.js"), "export {};").unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_svcplay"))
        .args(["serve", "--port", "0", "--dir", dir.to_str().unwrap()])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("start svcplay serve");
    // The first line is the URL (with the port the system chose); reading it waits
    // until the server listens.
    let mut url = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut url)
        .unwrap();
    let address = url
        .trim()
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    assert!(address.starts_with("127.0.0.1:"), "{url}");
    let (status, headers, body) = http_get(&address, "/");
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert!(
        headers.contains("Content-Type: text/html; charset=utf-8"),
        "{headers}"
    );
    assert_eq!(body, b"<!doctype html><title>svcplay</title>");
    let (status, headers, body) = http_get(&address, "/svcplay-web_bg.wasm");
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert!(
        headers.contains("Content-Type: application/wasm"),
        "{headers}"
    );
    assert_eq!(body, b"\0asm\x01\0\0\0");
    let (_, headers, _) = http_get(&address, "/sub/app.js?v=1");
    assert!(
        headers.contains("Content-Type: text/javascript"),
        "{headers}"
    );
    assert_eq!(
        http_get(&address, "/missing.js").0,
        "HTTP/1.1 404 Not Found"
    );
    assert_eq!(
        http_get(&address, "/../Cargo.toml").0,
        "HTTP/1.1 404 Not Found"
    );
    assert_eq!(
        http_get(&address, "/%2e%2e/Cargo.toml").0,
        "HTTP/1.1 404 Not Found"
    );
    child.kill().unwrap();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&dir);
    // Without a built page: a usage error that says how to build one.
    let out = svcplay(&["serve", "--dir", "/nonexistent/dist"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("trunk build --release"));
}
