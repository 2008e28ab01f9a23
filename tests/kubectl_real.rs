//! svcplay's `kubectl explain` against the real kubectl.
//!
//! A tiny API server on 127.0.0.1 serves what `kubectl explain` reads: the discovery
//! documents (`/api`, `/api/v1` with the services resource, an empty `/apis`) and the
//! OpenAPI v3 index and `api/v1` document — svcplay's own schema,
//! `svcplay::views::kubectl::explain::OPENAPI_SERVICE`, the one svcplay's explain prints
//! from. The real kubectl's stdout, stderr and exit status for each `explain` line must
//! equal what `svcplay run` prints. Without `kubectl` on the machine the test says so
//! and passes.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::process::Command;

const EXPLAINS: &[&str] = &[
    "svc",
    "service",
    "services.spec",
    "svc.spec.ports",
    "svc.spec.ports.port",
    "svc.spec.ports.targetPort",
    "svc.spec.ports.appProtocol",
    "svc.spec.type",
    "svc.spec.sessionAffinity",
    "svc.spec.sessionAffinityConfig",
    "svc.spec.sessionAffinityConfig.clientIP",
    "svc.spec.sessionAffinityConfig.clientIP.timeoutSeconds",
    "svc.spec.selector",
    "svc.spec.clusterIP",
    "svc.spec.clusterIPs",
    "svc.spec.externalTrafficPolicy",
    "svc.spec.internalTrafficPolicy",
    "svc.spec.ipFamilies",
    "svc.spec.ipFamilyPolicy",
    "svc.spec.loadBalancerSourceRanges",
    "svc.spec.externalName",
    "svc.spec.healthCheckNodePort",
    "svc.spec.publishNotReadyAddresses",
    "svc.spec.trafficDistribution",
    "svc.status",
    "svc.status.conditions",
    "svc.status.loadBalancer",
    "svc.status.loadBalancer.ingress",
    "svc.status.loadBalancer.ingress.ports",
    "svc.status.loadBalancer.ingress.ports.error",
    "svc.metadata",
    "svc.apiVersion",
    "svc.spec.foo",
    "svc.spec.ports.port.x",
    "svc --recursive",
    "svc.spec --recursive",
    "svc.spec.ports --recursive",
    "svc.status --recursive",
    "svc --api-version=v1",
];

fn serve(listener: TcpListener, openapi: &'static str) {
    let api = r#"{"kind":"APIVersions","versions":["v1"],"serverAddressByClientCIDRs":[{"clientCIDR":"0.0.0.0/0","serverAddress":"127.0.0.1:6443"}]}"#;
    let apis = r#"{"kind":"APIGroupList","apiVersion":"v1","groups":[]}"#;
    let v1 = r#"{"kind":"APIResourceList","groupVersion":"v1","resources":[{"name":"services","singularName":"service","namespaced":true,"kind":"Service","verbs":["create","delete","get","list","patch","update","watch"],"shortNames":["svc"]}]}"#;
    let index = r#"{"paths":{"api/v1":{"serverRelativeURL":"/openapi/v3/api/v1?hash=svcplay"}}}"#;
    for stream in listener.incoming() {
        let Ok(mut stream) = stream else { continue };
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut request = String::new();
        if reader.read_line(&mut request).is_err() {
            continue;
        }
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                break;
            }
        }
        let path = request
            .split_whitespace()
            .nth(1)
            .unwrap_or("")
            .split('?')
            .next()
            .unwrap_or("")
            .to_string();
        let body = match path.as_str() {
            "/api" => Some(api),
            "/apis" => Some(apis),
            "/api/v1" => Some(v1),
            "/openapi/v3" => Some(index),
            "/openapi/v3/api/v1" => Some(openapi),
            _ => None,
        };
        let response = match body {
            Some(b) => format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{b}",
                b.len()
            ),
            None => "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                .to_string(),
        };
        let _ = stream.write_all(response.as_bytes());
    }
}

#[test]
fn explain_prints_what_the_real_kubectl_prints() {
    if Command::new("kubectl")
        .arg("version")
        .arg("--client")
        .output()
        .is_err()
    {
        eprintln!("kubectl_real: skipped, kubectl is not installed");
        return;
    }
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || serve(listener, svcplay::views::kubectl::explain::OPENAPI_SERVICE));
    let home = std::env::temp_dir().join(format!("svcplay-kubectl-real-{}", std::process::id()));
    std::fs::create_dir_all(&home).unwrap();
    let scenario = home.join("scenario.yaml");
    std::fs::write(
        &scenario,
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: dev\n",
    )
    .unwrap();
    let mut failures = Vec::new();
    for line in EXPLAINS {
        let args: Vec<&str> = line.split_whitespace().collect();
        let real = Command::new("kubectl")
            .env("KUBECONFIG", "/dev/null")
            .env("HOME", &home)
            .arg(format!("--server=http://127.0.0.1:{port}"))
            .arg(format!("--cache-dir={}", home.join("cache").display()))
            .arg("explain")
            .args(&args)
            .output()
            .unwrap();
        let ours = Command::new(env!("CARGO_BIN_EXE_svcplay"))
            .arg("run")
            .arg(&scenario)
            .arg("--")
            .arg("kubectl")
            .arg("explain")
            .args(&args)
            .output()
            .unwrap();
        let text = |o: &std::process::Output| {
            (
                String::from_utf8_lossy(&o.stdout).to_string(),
                String::from_utf8_lossy(&o.stderr).to_string(),
                o.status.code(),
            )
        };
        if text(&real) != text(&ours) {
            failures.push(format!(
                "kubectl explain {line}\n--- real kubectl: {:?}\n--- svcplay:      {:?}",
                text(&real),
                text(&ours)
            ));
        }
    }
    let _ = std::fs::remove_dir_all(&home);
    eprintln!(
        "kubectl_real: {}/{} explain lines equal the real kubectl's",
        EXPLAINS.len() - failures.len(),
        EXPLAINS.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Commands kubectl does not have: cobra's `unknown command` error and its suggestions
/// (`Command.SuggestionsFor`), as the real kubectl prints them without a cluster.
#[test]
fn unknown_commands_print_what_the_real_kubectl_prints() {
    if Command::new("kubectl")
        .arg("version")
        .arg("--client")
        .output()
        .is_err()
    {
        eprintln!("kubectl_real: skipped, kubectl is not installed");
        return;
    }
    let words = [
        "pf", "foo", "ge", "xx", "ex", "gte", "rollou", "DESCRIBE", "Get",
    ];
    let scenario = std::env::temp_dir().join(format!(
        "svcplay-kubectl-unknown-{}.yaml",
        std::process::id()
    ));
    std::fs::write(
        &scenario,
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: dev\n",
    )
    .unwrap();
    let mut failures = Vec::new();
    for word in words {
        let real = Command::new("kubectl")
            .env("KUBECONFIG", "/dev/null")
            .arg(word)
            .output()
            .unwrap();
        let ours = Command::new(env!("CARGO_BIN_EXE_svcplay"))
            .arg("run")
            .arg(&scenario)
            .arg("--")
            .arg("kubectl")
            .arg(word)
            .output()
            .unwrap();
        let text = |o: &std::process::Output| {
            (
                String::from_utf8_lossy(&o.stdout).to_string(),
                String::from_utf8_lossy(&o.stderr).to_string(),
                o.status.code(),
            )
        };
        if text(&real) != text(&ours) {
            failures.push(format!(
                "kubectl {word}\n--- real kubectl: {:?}\n--- svcplay:      {:?}",
                text(&real),
                text(&ours)
            ));
        }
    }
    let _ = std::fs::remove_file(&scenario);
    eprintln!(
        "kubectl_real: {}/{} unknown commands equal the real kubectl's",
        words.len() - failures.len(),
        words.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
