//! The pod side of DNS: the `/etc/resolv.conf` the kubelet writes and how the stub
//! resolver expands short names with it (`dns.md` §6).
//!
//! svcplay models `dnsPolicy: ClusterFirst` (the default) on a node whose own resolv.conf
//! has no search domains: `search <ns>.svc.<domain> svc.<domain> <domain>`, the cluster
//! DNS Service as the only nameserver, `options ndots:5`.

use super::{Cluster, Rcode, RecordType, Response, resolve};

/// The `ndots` option the kubelet writes.
pub const NDOTS: usize = 5;

/// The search list of a Pod in `namespace`.
pub fn search_list(namespace: &str, domain: &str) -> Vec<String> {
    vec![
        format!("{namespace}.svc.{domain}"),
        format!("svc.{domain}"),
        domain.to_string(),
    ]
}

/// The text of `/etc/resolv.conf` in a Pod of `namespace`.
pub fn resolv_conf(cluster: &Cluster, namespace: &str) -> String {
    format!(
        "search {}\nnameserver {}\noptions ndots:{NDOTS}\n",
        search_list(namespace, &cluster.domain).join(" "),
        cluster.dns_service_ip()
    )
}

/// The absolute names a stub resolver tries for `name`, in order: a trailing dot means
/// only the name itself; fewer than `ndots` dots means every search suffix first, then
/// the name; otherwise the name first, then the suffixes.
pub fn expansions(name: &str, namespace: &str, domain: &str) -> Vec<String> {
    if name.ends_with('.') {
        return vec![name.to_string()];
    }
    let suffixed: Vec<String> = search_list(namespace, domain)
        .iter()
        .map(|s| format!("{name}.{s}."))
        .collect();
    let itself = format!("{name}.");
    if name.matches('.').count() < NDOTS {
        suffixed.into_iter().chain([itself]).collect()
    } else {
        [itself].into_iter().chain(suffixed).collect()
    }
}

/// Looks `name` up as a Pod's resolver would: each expansion in turn until one has
/// records (NXDOMAIN, and with glibc an empty NOERROR, move on). Returns every try; the
/// last is the one that answered, or the last that failed. A try that goes upstream
/// stops the walk (svcplay cannot know what the upstream resolver says).
pub fn lookup(cluster: &Cluster, name: &str, qtype: RecordType, namespace: &str) -> Vec<Response> {
    let mut tries = Vec::new();
    for candidate in expansions(name, namespace, &cluster.domain) {
        let response = resolve(cluster, &candidate, qtype);
        let done = (response.rcode == Rcode::NoError && !response.answer.is_empty())
            || response.is_forwarded();
        tries.push(response);
        if done {
            break;
        }
    }
    tries
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_names_walk_the_search_list_first() {
        assert_eq!(
            expansions("nginx", "dev", "cluster.local"),
            [
                "nginx.dev.svc.cluster.local.",
                "nginx.svc.cluster.local.",
                "nginx.cluster.local.",
                "nginx."
            ]
        );
        // Four dots are still fewer than five.
        assert_eq!(
            expansions("nginx.dev.svc.cluster.local", "dev", "cluster.local")[3],
            "nginx.dev.svc.cluster.local."
        );
        assert_eq!(
            expansions("a.b.c.d.e.f", "dev", "cluster.local")[0],
            "a.b.c.d.e.f."
        );
        assert_eq!(
            expansions("nginx.dev.svc.cluster.local.", "dev", "cluster.local"),
            ["nginx.dev.svc.cluster.local."]
        );
    }
}

#[cfg(test)]
mod lookup_tests {
    use super::*;
    use crate::scenario::{Options, analyze};

    #[test]
    fn a_short_name_from_another_namespace_needs_the_namespace() {
        let text = "\
apiVersion: v1
kind: Service
metadata: {name: data, namespace: prod}
spec:
  clusterIP: 10.96.45.160
  clusterIPs: [10.96.45.160]
  ipFamilies: [IPv4]
  ports: [{name: pg, port: 5432}]
---
apiVersion: v1
kind: Namespace
metadata: {name: test}
";
        let analysis = analyze(text, Options { stored: true });
        let cluster = Cluster::new(&analysis.objects);
        let tries = lookup(&cluster, "data", RecordType::A, "test");
        let names: Vec<(&str, Rcode)> = tries.iter().map(|r| (r.name.as_str(), r.rcode)).collect();
        assert_eq!(
            names,
            [
                ("data.test.svc.cluster.local.", Rcode::NxDomain),
                ("data.svc.cluster.local.", Rcode::NxDomain),
                ("data.cluster.local.", Rcode::NxDomain),
                ("data.", Rcode::NoError),
            ]
        );
        assert!(tries[3].is_forwarded(), "the bare name goes upstream");
        let tries = lookup(&cluster, "data.prod", RecordType::A, "test");
        assert_eq!(tries.len(), 2);
        assert_eq!(
            tries[1].answer[0].to_string(),
            "data.prod.svc.cluster.local. 30 IN A 10.96.45.160"
        );
        assert_eq!(
            resolv_conf(&cluster, "test"),
            "search test.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n"
        );
    }
}
