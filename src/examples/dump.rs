//! A generated cluster dump, for measuring the page and the pipeline at scale.
//!
//! [`large_dump`] writes what an engineer pastes from a big cluster: Nodes, and Services
//! without selectors, each with an EndpointSlice of ready endpoints spread over the nodes
//! (the shape `kubectl get nodes,svc,endpointslices -A -o yaml` gives, as documents). The
//! addresses are fixed by the indexes, so the same call always gives the same text. 5,000
//! Services with 10 endpoints each is PRODUCT.md's "5,000 Services / 50,000 endpoints".

use std::fmt::Write;

/// `services` Services in 10 namespaces, each with `endpoints` endpoints, on 50 Nodes.
pub fn large_dump(services: usize, endpoints: usize) -> String {
    const NODES: usize = 50;
    let mut out = String::with_capacity(services * (420 + endpoints * 110));
    let _ = writeln!(
        out,
        "# A generated dump: {services} Services, {} endpoints, {NODES} nodes.",
        services * endpoints
    );
    for n in 0..NODES {
        let _ = write!(
            out,
            "---\napiVersion: v1\nkind: Node\nmetadata:\n  name: node-{n:02}\n  labels:\n    kubernetes.io/hostname: node-{n:02}\nspec:\n  podCIDR: 10.{}.{}.0/20\nstatus:\n  addresses:\n  - type: InternalIP\n    address: 192.168.{}.{}\n",
            200 + n / 16,
            (n % 16) * 16,
            n / 250,
            n % 250 + 1,
        );
    }
    // The namespaces exist before anything is created in them (as in a real dump).
    for t in 0..services.min(10) {
        let _ = write!(
            out,
            "---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: team-{t}\n"
        );
    }
    let mut pod = 0usize;
    for s in 0..services {
        let namespace = format!("team-{}", s % 10);
        // ClusterIPs from 10.96.16.0 up, inside kubeadm's 10.96.0.0/12.
        let ip = 16 * 256 + s;
        let _ = write!(
            out,
            "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: svc-{s:05}\n  namespace: {namespace}\nspec:\n  clusterIP: 10.{}.{}.{}\n  ports:\n  - name: http\n    port: 80\n    targetPort: 8080\n    protocol: TCP\n",
            96 + ip / 65536,
            (ip / 256) % 256,
            ip % 256,
        );
        let _ = write!(
            out,
            "---\napiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata:\n  name: svc-{s:05}-abcde\n  namespace: {namespace}\n  labels:\n    kubernetes.io/service-name: svc-{s:05}\naddressType: IPv4\nports:\n- name: http\n  port: 8080\n  protocol: TCP\nendpoints:\n",
        );
        for _ in 0..endpoints {
            // Each node's /20 holds its Pods: 4,094 addresses, enough for 80,000 endpoints.
            let node = pod % NODES;
            let host = pod / NODES % 4094 + 1;
            let _ = write!(
                out,
                "- addresses: [10.{}.{}.{}]\n  conditions: {{ready: true}}\n  nodeName: node-{node:02}\n",
                200 + node / 16,
                (node % 16) * 16 + host / 256,
                host % 256,
            );
            pod += 1;
        }
    }
    out
}

/// `dump` (a [`large_dump`] of at least 2,501 Services) with one digit typed after Service
/// `svc-02500`'s `port: 80`: the keystroke the benches and timings edit the dump with.
pub fn with_a_keystroke(dump: &str) -> String {
    let service = dump
        .find("name: svc-02500\n")
        .expect("the dump has svc-02500");
    let port = service + dump[service..].find("port: 80").expect("a port") + "port: 80".len();
    let mut edited = dump.to_string();
    edited.insert(port, '1');
    edited
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{Options, analyze};

    #[test]
    fn a_small_dump_is_accepted_and_programmed() {
        let text = large_dump(30, 4);
        assert_eq!(text, large_dump(30, 4));
        let analysis = analyze(&text, Options::default());
        let errors: Vec<String> = analysis
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .map(|d| d.to_string())
            .collect();
        assert!(errors.is_empty(), "{errors:#?}");
        let rules = analysis.proxy("node-00").output().to_string();
        assert!(
            rules.contains("team-9/svc-00029:http cluster IP"),
            "{rules}"
        );
        // Plus default/kubernetes's one endpoint and kube-dns's three ports on its two
        // CoreDNS Pods (the dump has no kube-dns of its own).
        assert_eq!(rules.matches("-j DNAT").count(), 30 * 4 + 1 + 3 * 2);
    }
}
