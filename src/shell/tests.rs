//! The terminal's own tests: a few lines as a learner types them.

use super::*;

fn lab() -> String {
    crate::examples::DEFAULT.to_string()
}

/// Runs lines one after the other, loops to their end; returns each line's output and
/// the final text.
fn session(text: &str, lines: &[&str]) -> (Vec<String>, String, Terminal) {
    let mut text = text.to_string();
    let mut terminal = Terminal::default();
    let mut outputs = Vec::new();
    for line in lines {
        let mut outcome = run(Request {
            text: &text,
            analysis: None,
            terminal: &terminal,
            line,
            interrupt_after: Some(3),
        });
        let mut printed = outcome.transcript();
        while let Some(p) = outcome.pending.take() {
            text = outcome.text.clone();
            terminal = outcome.terminal.clone();
            outcome = resume(
                Request {
                    text: &text,
                    analysis: None,
                    terminal: &terminal,
                    line: "",
                    interrupt_after: Some(3),
                },
                p,
            );
            printed.push_str(&outcome.transcript());
        }
        text = outcome.text.clone();
        terminal = outcome.terminal.clone();
        outputs.push(printed);
    }
    (outputs, text, terminal)
}

#[test]
fn curl_loops_rotate_and_sleep_moves_the_clock() {
    let (out, text, _) = session(
        &lab(),
        &["while true; do curl -s 10.97.97.97; sleep 5; done", "date"],
    );
    assert!(out[0].contains("Welcome to nginx!"), "{}", out[0]);
    assert!(out[0].ends_with("^C\n"), "{}", out[0]);
    assert_eq!(out[1], "Wed Jan  1 00:00:25 UTC 2025\n");
    assert!(text.contains("kind: Session"), "{text}");
}

/// `sleep` and `curl` change the text (the session's clock, its conntrack entries and
/// request counts) but no object or rule: not an edit for the page's "what changed".
#[test]
fn the_clock_and_traffic_are_no_edit() {
    let text = lab();
    let one = |line: &str| {
        run(Request {
            text: &text,
            analysis: None,
            terminal: &Terminal::default(),
            line,
            interrupt_after: Some(3),
        })
    };
    for line in [
        "sleep 5",
        "curl -s 10.97.97.97",
        "curl -s 10.97.97.97; sleep 1",
    ] {
        let o = one(line);
        assert!(o.changed && !o.edited, "{line}: {o:?}");
    }
    for line in [
        "kubectl scale deployment pc-deployment -n dev --replicas=4",
        "sleep 1; kubectl scale deployment pc-deployment -n dev --replicas=4",
    ] {
        let o = one(line);
        assert!(o.changed && o.edited, "{line}");
    }
    let o = one("echo hi");
    assert!(!o.changed && !o.edited);
}

#[test]
fn exec_writes_index_html_and_curl_shows_it() {
    let analysis = crate::scenario::analyze(&lab(), crate::scenario::Options::default());
    let pod = analysis
        .objects
        .pods
        .iter()
        .find(|p| p.meta.namespace == "dev")
        .unwrap()
        .clone();
    let ip = pod.status.pod_ip.clone().unwrap();
    let (out, _, terminal) = session(
        &lab(),
        &[
            &format!("kubectl exec -it {} -n dev -- /bin/sh", pod.meta.name),
            &format!("echo \"{ip}\" > /usr/share/nginx/html/index.html"),
            "exit",
            &format!("curl {ip}"),
        ],
    );
    assert_eq!(out[0], "");
    assert_eq!(out[2], "exit\n");
    assert_eq!(out[3], format!("{ip}\n"));
    assert!(terminal.pod.is_none());
}

#[test]
fn unknown_commands_are_bashs() {
    let (out, _, _) = session(&lab(), &["frobnicate", "echo a | grep b || echo none"]);
    assert_eq!(out[0], "bash: frobnicate: command not found\n");
    assert_eq!(out[1], "none\n");
}

#[test]
fn create_from_a_file_and_delete_it() {
    let text = crate::session::set_file(
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: dev}\n",
        &crate::session::File {
            name: "svc.yaml".into(),
            node: None,
            content: "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  namespace: dev\nspec:\n  selector: {app: web}\n  ports:\n  - port: 80\n".into(),
        },
    );
    let (out, text, _) = session(
        &text,
        &[
            "ls",
            "kubectl create -f svc.yaml",
            "kubectl create -f svc.yaml",
            "kubectl get svc -n dev -o name",
            "kubectl delete -f svc.yaml",
            "kubectl get svc -n dev",
        ],
    );
    assert_eq!(out[0], "svc.yaml\n");
    assert_eq!(out[1], "service/web created\n");
    assert!(out[2].contains("AlreadyExists"), "{}", out[2]);
    assert_eq!(out[3], "service/web\n");
    assert_eq!(out[4], "service \"web\" deleted from dev namespace\n");
    assert_eq!(out[5], "No resources found in dev namespace.\n");
    assert!(text.contains("kind: File"));
}
