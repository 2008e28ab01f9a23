//! The share of new connections each endpoint gets, read off kube-proxy's typed rules.
//!
//! This is the page's traffic panel until the request simulator lands: an analytical
//! split, not a sample. It walks the same typed values the views print, so it shows what
//! the rules say and nothing else: in iptables mode the `KUBE-SVC-…`/`KUBE-SVL-…` chains'
//! probability cascade (rule *i* of *n* matches with probability `1/(n-i)` of what reaches
//! it, so each endpoint ends up with `1/n`); in nftables mode the `numgen random mod N`
//! verdict map of each service chain (each of the N targets `1/N`). Session affinity does
//! not change the split of *new* clients, only which endpoint a returning client gets.

use crate::proxy::ProxyFacts;
use crate::proxy::iptables::{self, Arg, Target};
use crate::proxy::nftables::{self, Expr};

/// One endpoint's share of the new connections a chain distributes.
#[derive(Clone, Debug, PartialEq)]
pub struct EndpointShare {
    /// `ip:port`.
    pub endpoint: String,
    /// The Pod behind the endpoint, when the EndpointSlice names one.
    pub pod: Option<String>,
    /// The node the endpoint runs on, when known.
    pub node: Option<String>,
    /// A fraction in [0, 1].
    pub share: f64,
}

/// One chain that picks an endpoint, and how it splits the connections it sees.
#[derive(Clone, Debug, PartialEq)]
pub struct ChainShares {
    /// Index into [`ProxyFacts::service_ports`].
    pub service_port: usize,
    /// kube-proxy's name for the service port: `namespace/name:port`.
    pub service: String,
    /// The chain that makes the choice (`KUBE-SVC-…`, `KUBE-SVL-…`, `service-…`).
    pub chain: String,
    /// The endpoints in rule order.
    pub shares: Vec<EndpointShare>,
}

fn endpoint_share(
    facts: &ProxyFacts,
    service_port: usize,
    endpoint: usize,
    share: f64,
) -> Option<EndpointShare> {
    let e = facts
        .service_ports
        .get(service_port)?
        .endpoints
        .get(endpoint)?;
    Some(EndpointShare {
        endpoint: e.endpoint_string(),
        pod: e.pod.clone(),
        node: e.node_name.clone(),
        share,
    })
}

/// The splits of an iptables ruleset's service chains (`KUBE-SVC-…` for cluster-wide
/// traffic, `KUBE-SVL-…` for node-local traffic), in the nat table's chain order.
pub fn iptables(ruleset: &iptables::Ruleset, facts: &ProxyFacts) -> Vec<ChainShares> {
    let nat = &ruleset.nat;
    let mut out = Vec::new();
    for chain in nat
        .chains
        .iter()
        .filter(|c| c.starts_with("KUBE-SVC-") || c.starts_with("KUBE-SVL-"))
    {
        let mut remaining = 1.0_f64;
        let mut shares = Vec::new();
        let mut service_port = None;
        for rule in nat.chain(chain) {
            let jumps_to_endpoint =
                matches!(&rule.target, Some(Target::Jump(c)) if c.starts_with("KUBE-SEP-"));
            // Affinity checks (`-m recent --rcheck`) only send returning clients back;
            // they do not take part in the split of new connections.
            let affinity = rule
                .args
                .iter()
                .any(|a| matches!(a, Arg::RecentCheck { .. }));
            if !jumps_to_endpoint || affinity {
                continue;
            }
            let (Some(sp), Some(e)) = (rule.source.service_port, rule.source.endpoint) else {
                continue;
            };
            let probability = rule
                .args
                .iter()
                .find_map(|a| match a {
                    Arg::Probability(p) => Some(*p),
                    _ => None,
                })
                .unwrap_or(1.0);
            let share = remaining * probability;
            remaining -= share;
            service_port = Some(sp);
            shares.extend(endpoint_share(facts, sp, e, share));
        }
        if let Some(sp) = service_port {
            out.push(ChainShares {
                service_port: sp,
                service: facts.service_ports[sp].info.name.to_string(),
                chain: chain.to_string(),
                shares,
            });
        }
    }
    out
}

/// The splits of an nftables table's service chains: each `numgen random mod N` map
/// gives each of its N endpoint chains `1/N`.
pub fn nftables(table: &nftables::Table, facts: &ProxyFacts) -> Vec<ChainShares> {
    // Which endpoint each endpoint chain stands for, from its rules' provenance.
    let endpoint_of = |name: &str| {
        table
            .chains
            .iter()
            .find(|c| c.name == name)
            .and_then(|c| c.rules.iter().find_map(|r| r.source.endpoint))
    };
    let mut out = Vec::new();
    for chain in &table.chains {
        for rule in &chain.rules {
            let Some(sp) = rule.source.service_port else {
                continue;
            };
            for expr in &rule.exprs {
                let Expr::Numgen { targets } = expr else {
                    continue;
                };
                let share = 1.0 / targets.len().max(1) as f64;
                let shares = targets
                    .iter()
                    .filter_map(|t| endpoint_share(facts, sp, endpoint_of(t)?, share))
                    .collect();
                out.push(ChainShares {
                    service_port: sp,
                    service: facts.service_ports[sp].info.name.to_string(),
                    chain: chain.name.clone(),
                    shares,
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{Options, analyze};

    fn default_analysis(text: &str) -> (crate::scenario::Analysis, String) {
        let analysis = analyze(text, Options::default());
        let node = analysis.default_node();
        (analysis, node)
    }

    #[test]
    fn the_iptables_cascade_gives_every_endpoint_the_same_share() {
        let text = crate::examples::DEFAULT.replace("replicas: 3", "replicas: 4");
        let (analysis, node) = default_analysis(&text);
        let facts = &analysis.proxy_facts(&node)[0];
        let ruleset = iptables::render(facts);
        let splits = iptables(&ruleset, facts);
        let split = splits
            .iter()
            .find(|s| s.service == "dev/service-clusterip")
            .expect("the lab's Service has a KUBE-SVC chain");
        assert!(split.chain.starts_with("KUBE-SVC-"));
        assert_eq!(split.shares.len(), 4);
        for s in &split.shares {
            assert!((s.share - 0.25).abs() < 1e-9, "{s:?}");
            assert!(s.pod.as_deref().unwrap_or("").starts_with("pc-deployment-"));
        }
    }

    #[test]
    fn affinity_checks_do_not_change_the_split() {
        let text = crate::examples::DEFAULT.replace(
            "  type: ClusterIP\n",
            "  type: ClusterIP\n  sessionAffinity: ClientIP\n",
        );
        let (analysis, node) = default_analysis(&text);
        let facts = &analysis.proxy_facts(&node)[0];
        let ruleset = iptables::render(facts);
        assert!(ruleset.to_string().contains("--rcheck"));
        let split = iptables(&ruleset, facts)
            .into_iter()
            .find(|s| s.service == "dev/service-clusterip")
            .unwrap_or_else(|| panic!("no split"));
        assert_eq!(split.shares.len(), 3);
        let total: f64 = split.shares.iter().map(|s| s.share).sum();
        assert!((total - 1.0).abs() < 1e-9);
    }

    #[test]
    fn nftables_numgen_splits_evenly() {
        let text = format!(
            "apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\nmode: nftables\n---\n{}",
            crate::examples::DEFAULT
        );
        let (analysis, node) = default_analysis(&text);
        let facts = &analysis.proxy_facts(&node)[0];
        let ruleset = nftables::ruleset(facts);
        let splits = nftables(&ruleset.table, facts);
        let split = splits
            .iter()
            .find(|s| s.service == "dev/service-clusterip")
            .expect("the lab's Service has a service chain");
        assert_eq!(split.shares.len(), 3);
        for s in &split.shares {
            assert!((s.share - 1.0 / 3.0).abs() < 1e-9, "{s:?}");
        }
    }
}
