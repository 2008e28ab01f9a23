//! Rules grouped by chain, with provenance, for the page's kube-proxy panel.
//!
//! [`Panel::of_ruleset`] (kube-proxy's restore input) and [`Panel::of_node`] (the node's
//! tables as `iptables-save` lists them) give the same shape: tables, chains in display
//! order, and per rule the typed [`Rule`] plus its [`Provenance`] — the Service port and
//! endpoint it was written for and the written objects (raw object ids) behind them, so
//! each rule links to the YAML that produced it. [`Panel::search`] finds rules by Service,
//! IP or chain. The panel borrows the rules; nothing is copied or re-rendered.

use super::node::NodeTables;
use super::{Arg, Neg, Rule, RuleSource, Ruleset, TableName, Target};
use crate::model::ip::parse_ip_sloppy;
use crate::proxy::{ProxyFacts, ServicePortName};

/// Where a rule comes from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Provenance {
    /// The Service port the rule was written for (`None` for kube-proxy's fixed rules).
    pub service_port: Option<ServicePortName>,
    /// The Service object (raw object id), if it was written in the scenario.
    pub service_object: Option<usize>,
    /// The endpoint, `ip:port`, for per-endpoint rules.
    pub endpoint: Option<String>,
    /// The object the endpoint came from (the EndpointSlice, or what generated it).
    pub endpoint_object: Option<usize>,
    /// The endpoint's Pod (`targetRef`), if the slice names one.
    pub pod: Option<String>,
}

impl Provenance {
    /// The provenance of a rule written from `source`, resolved against the facts the
    /// ruleset was rendered from.
    pub fn of(facts: &ProxyFacts, source: RuleSource) -> Provenance {
        let Some(sp) = source.service_port.and_then(|i| facts.service_ports.get(i)) else {
            return Provenance::default();
        };
        let endpoint = source.endpoint.and_then(|e| sp.endpoints.get(e));
        Provenance {
            service_port: Some(sp.info.name.clone()),
            service_object: sp.info.origin.object(),
            endpoint: endpoint.map(|e| e.endpoint_string()),
            endpoint_object: endpoint.and_then(|e| e.slice.object()),
            pod: endpoint.and_then(|e| e.pod.clone()),
        }
    }

    /// The written object to link to: the endpoint's, else the Service's.
    pub fn object(&self) -> Option<usize> {
        self.endpoint_object.or(self.service_object)
    }
}

/// One rule of the panel.
#[derive(Clone, Debug)]
pub struct PanelRule<'a> {
    pub rule: &'a Rule,
    pub provenance: Provenance,
}

/// One chain: its name, its policy for a built-in chain, its rules in order.
#[derive(Clone, Debug)]
pub struct PanelChain<'a> {
    pub name: &'a str,
    pub policy: Option<&'static str>,
    pub rules: Vec<PanelRule<'a>>,
    /// The Service port the chain belongs to, when all its rules come from one
    /// (`KUBE-SVC-…`, `KUBE-SEP-…`); for folding and search.
    pub service_port: Option<ServicePortName>,
}

/// One table of the panel.
#[derive(Clone, Debug)]
pub struct PanelTable<'a> {
    pub name: TableName,
    pub chains: Vec<PanelChain<'a>>,
}

/// The panel: tables of chains of rules with provenance.
#[derive(Clone, Debug)]
pub struct Panel<'a> {
    pub tables: Vec<PanelTable<'a>>,
}

/// A search hit: table, chain and rule positions in the panel (`rule` is `None` when the
/// chain itself matched by name).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hit {
    pub table: usize,
    pub chain: usize,
    pub rule: Option<usize>,
}

fn chain<'a>(
    facts: &ProxyFacts,
    name: &'a str,
    policy: Option<&'static str>,
    rules: &'a [Rule],
) -> PanelChain<'a> {
    let rules: Vec<PanelRule<'a>> = rules
        .iter()
        .map(|rule| PanelRule {
            rule,
            provenance: Provenance::of(facts, rule.source),
        })
        .collect();
    let first = rules
        .first()
        .and_then(|r| r.provenance.service_port.clone());
    let service_port = first.filter(|spn| {
        rules
            .iter()
            .all(|r| r.provenance.service_port.as_ref() == Some(spn))
    });
    PanelChain {
        name,
        policy,
        rules,
        service_port,
    }
}

impl<'a> Panel<'a> {
    /// kube-proxy's restore input, in its canonical order.
    pub fn of_ruleset(ruleset: &'a Ruleset, facts: &ProxyFacts) -> Panel<'a> {
        let tables = [&ruleset.filter, &ruleset.nat]
            .into_iter()
            .map(|table| PanelTable {
                name: table.name,
                chains: table
                    .chain_slices()
                    .into_iter()
                    .map(|(name, range)| chain(facts, name, None, &table.rules[range]))
                    .collect(),
            })
            .collect();
        Panel { tables }
    }

    /// The node's tables, in `iptables-save` order.
    pub fn of_node(tables: &'a NodeTables, facts: &ProxyFacts) -> Panel<'a> {
        let tables = tables
            .tables
            .iter()
            .map(|table| PanelTable {
                name: table.name,
                chains: table
                    .chains()
                    .map(|c| chain(facts, &c.name, c.policy, &c.rules))
                    .collect(),
            })
            .collect();
        Panel { tables }
    }

    /// Rules and chains matching `query`: an IP (rules whose addresses contain it, DNAT
    /// targets and endpoints at it), else text found, ignoring case, in a chain's name, a
    /// rule's comment, or the Service port a rule was written for (`ns/name`, `ns/name:port`).
    pub fn search(&self, query: &str) -> Vec<Hit> {
        let query = query.trim();
        let mut hits = Vec::new();
        if query.is_empty() {
            return hits;
        }
        let ip = parse_ip_sloppy(query);
        let needle = query.to_ascii_lowercase();
        let contains = |text: &str| text.to_ascii_lowercase().contains(&needle);
        for (t, table) in self.tables.iter().enumerate() {
            for (c, chain) in table.chains.iter().enumerate() {
                if ip.is_none() && contains(chain.name) {
                    hits.push(Hit {
                        table: t,
                        chain: c,
                        rule: None,
                    });
                }
                for (r, rule) in chain.rules.iter().enumerate() {
                    let matched = match ip {
                        Some(ip) => {
                            rule.rule.args.iter().any(|a| match a {
                                // A negated match (`! -s 10.0.0.0/8`) is about every
                                // other address: it does not point at this one.
                                Arg::Source(Neg::Is, addr) | Arg::Destination(Neg::Is, addr) => {
                                    addr.contains(&ip)
                                }
                                _ => false,
                            }) || matches!(rule.rule.target, Some(Target::Dnat { ip: to, .. }) if to == ip)
                        }
                        None => {
                            rule.rule.comment().is_some_and(contains)
                                || rule
                                    .provenance
                                    .service_port
                                    .as_ref()
                                    .is_some_and(|spn| contains(&spn.to_string()))
                        }
                    };
                    if matched {
                        hits.push(Hit {
                            table: t,
                            chain: c,
                            rule: Some(r),
                        });
                    }
                }
            }
        }
        hits
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{Options, analyze};

    const SCENARIO: &str = "\
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  clusterIP: 10.96.0.20
  ports: [{name: http, port: 80, protocol: TCP}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: web-1
  namespace: shop
  labels: {kubernetes.io/service-name: web}
addressType: IPv4
endpoints:
- addresses: [10.244.1.5]
  targetRef: {kind: Pod, name: web-0, namespace: shop}
ports: [{name: http, port: 8080, protocol: TCP}]
";

    #[test]
    fn rules_link_to_their_objects_and_can_be_found() {
        let analysis = analyze(SCENARIO, Options { stored: true });
        let node = analysis.default_node();
        let facts = analysis.proxy_facts(&node).remove(0);
        let ruleset = crate::proxy::iptables::render(&facts);
        let panel = Panel::of_ruleset(&ruleset, &facts);
        let nat = &panel.tables[1];
        let sep = nat
            .chains
            .iter()
            .find(|c| c.name.starts_with("KUBE-SEP-"))
            .expect("an endpoint chain");
        let dnat = &sep.rules[1].provenance;
        assert_eq!(dnat.endpoint.as_deref(), Some("10.244.1.5:8080"));
        assert_eq!(dnat.pod.as_deref(), Some("web-0"));
        assert_eq!(dnat.endpoint_object, Some(1));
        assert_eq!(dnat.service_object, Some(0));
        assert_eq!(
            sep.service_port.as_ref().map(|s| s.to_string()).as_deref(),
            Some("shop/web:http")
        );
        // By Service, by IP, by chain.
        assert!(!panel.search("shop/web").is_empty());
        let by_ip = panel.search("10.244.1.5");
        assert_eq!(by_ip.len(), 2, "{by_ip:?}");
        assert!(
            panel
                .search("kube-mark-masq")
                .iter()
                .any(|h| h.rule.is_none())
        );
        // The node view has the same provenance.
        let tables = NodeTables::after_sync(&ruleset, &facts.node);
        let node_panel = Panel::of_node(&tables, &facts);
        assert_eq!(node_panel.search("10.244.1.5").len(), 2);
    }
}
