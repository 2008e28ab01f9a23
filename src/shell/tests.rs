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

/// The node read from a text without analysing all of it is the analysis' node: every
/// lab, every built-in lesson's step, after `ssh` to a worker, with a NodePort Service, a
/// broken document, a List of Nodes, a session naming a Node that does not exist.
#[test]
fn the_node_in_the_text_is_the_analysis_node() {
    let mut texts: Vec<String> = crate::examples::EXAMPLES
        .iter()
        .flat_map(|e| [e.text.to_string(), e.text_zh.to_string()])
        .collect();
    for lesson in crate::lesson::builtin() {
        for step in 0..lesson.steps.len() {
            if let Ok(text) = lesson.start(step, crate::lesson::Lang::En) {
                texts.push(text);
            }
        }
    }
    let (_, after_ssh, _) = session(&lab(), &["ssh k8s-worker02"]);
    texts.push(after_ssh.clone());
    texts.push(after_ssh.replace("node: k8s-worker02", "node: gone"));
    texts.push(format!("{after_ssh}---\nkind: [broken\n"));
    texts.push(String::new());
    texts.push("apiVersion: v1\nkind: Service\nmetadata: {name: a}\nspec: {type: NodePort, ports: [{port: 80}]}\n".into());
    texts.push(
        "apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Service, metadata: {name: s}, spec: {ports: [{port: 80}]}}\n---\napiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Node, metadata: {name: n1}}\n- apiVersion: v1\n  kind: Node\n  metadata: {name: cp, labels: {node-role.kubernetes.io/control-plane: \"\"}}\n"
            .into(),
    );
    texts.push("apiVersion: v1\nkind: NodeList\nitems:\n- {metadata: {name: listed}}\n".into());
    texts.push("apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\nhostnameOverride: edge\n".into());
    for (i, text) in texts.iter().enumerate() {
        let analysed = node_of(&crate::scenario::analyze(text, Default::default()));
        assert_eq!(node_in_text(text), analysed, "text {i}:\n{text}");
    }
    assert_eq!(node_in_text(&lab()), "k8s-master01");
    assert_eq!(node_in_text(&after_ssh), "k8s-worker02");
    assert_eq!(
        prompt_in_text(&after_ssh, &Terminal::default()),
        "[root@k8s-worker02 ~]# "
    );
}

/// A Pod shell's prompt is decided when it starts: busybox's shows the directory.
#[test]
fn a_pod_shells_prompt_needs_no_analysis() {
    let (_, text, terminal) = session(
        &lab(),
        &["kubectl run box --image=busybox:1.36 -it --restart=Never -- sh"],
    );
    assert!(terminal.pod.as_ref().is_some_and(|p| p.busybox));
    let analysis = crate::scenario::analyze(&text, Default::default());
    assert_eq!(prompt(&analysis, &terminal), "/ # ");
    assert_eq!(prompt_in_text(&text, &terminal), "/ # ");
}
