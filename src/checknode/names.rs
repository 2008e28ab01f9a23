//! Which Service a kube-proxy name belongs to.
//!
//! kube-proxy's iptables chains are named by a hash (`KUBE-SVC-` + the first 16 base32
//! characters of SHA-256 of `namespace/name:port` and the protocol; `KUBE-SEP-` adds the
//! endpoint's `ip:port`), so a name alone does not say which Service it is for.
//! [`Names::from_proxy`] reads them off kube-proxy's own output in iptables mode, each line
//! with its typed source (the seam's [`Proxier::lines`](crate::proxy::Proxier::lines)),
//! which names every chain svcplay expects; a chain the scenario does not explain
//! (a Service deleted while kube-proxy was not running) is named from its own rules'
//! comments (`"ns/svc:p80 -> 10.0.1.2:80"`), and the comment's name is checked against
//! the hash. nftables chains carry the Service's name in clear
//! (`service-ULMVA6XW-ns1/svc1/tcp/p80`).

use crate::proxy::{NodeProxy, Protocol, chain_hash};
use std::collections::HashMap;

/// What a name stands for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Named {
    /// kube-proxy's `ServicePortName`: `namespace/name:port` (or `namespace/name`).
    pub service_port: String,
    /// The endpoint (`ip:port`) of a KUBE-SEP chain or an endpoint's nft chain.
    pub endpoint: Option<String>,
    /// The service port is one the node's kube-proxy programs for the scenario.
    pub in_scenario: bool,
    /// The name was read from comments and matched the hash (`false`: from comments
    /// only, large clusters and old releases aside).
    pub verified: bool,
    /// The written object the Service comes from.
    pub object: Option<usize>,
}

/// The hash-named chain prefixes of kube-proxy's iptables mode (`KUBE-XLB-` is the
/// name of `KUBE-SVL-`/`KUBE-EXT-` before v1.24, still found on old nodes).
pub const HASH_PREFIXES: [&str; 6] = [
    "KUBE-SVC-",
    "KUBE-SVL-",
    "KUBE-EXT-",
    "KUBE-FW-",
    "KUBE-SEP-",
    "KUBE-XLB-",
];

/// The prefix of a hash-named chain (`KUBE-SVC-` + 16 base32 characters).
pub fn hash_prefix(chain: &str) -> Option<&'static str> {
    HASH_PREFIXES.into_iter().find(|p| {
        chain.strip_prefix(p).is_some_and(|h| {
            h.len() == 16
                && h.bytes()
                    .all(|b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b))
        })
    })
}

/// The Service ports and endpoints of the scenario on one node, by every name kube-proxy
/// gives them.
#[derive(Clone, Debug, Default)]
pub struct Names {
    by_chain: HashMap<String, Named>,
    /// `ns/name:port` → the written object, for every service port the node programs.
    service_ports: HashMap<String, Option<usize>>,
}

impl Names {
    /// The names in the output of `proxy` (kube-proxy in iptables mode on the node): every
    /// line with a typed source names the chain it declares or appends to, and the chain
    /// it jumps to, for its Service port (and, for a `KUBE-SEP-` chain, its endpoint).
    pub fn from_proxy(proxy: &NodeProxy) -> Names {
        let mut names = Names::default();
        for proxier in &proxy.proxiers {
            for sp in &proxier.facts().service_ports {
                names
                    .service_ports
                    .insert(sp.info.name.to_string(), sp.info.origin.object());
            }
            let lines = proxier.lines();
            for (line, provenance) in lines.iter() {
                let Some(port) = provenance.and_then(|p| p.service_port.as_ref()) else {
                    continue;
                };
                let endpoint = provenance
                    .and_then(|p| p.endpoint.as_ref())
                    .map(|e| e.address.clone());
                let words: Vec<&str> = line.split_whitespace().collect();
                let mut chains: Vec<&str> = Vec::new();
                match words.first() {
                    Some(&"-A") => chains.extend(words.get(1)),
                    Some(w) if w.starts_with(':') => chains.push(&w[1..]),
                    _ => {}
                }
                if let Some(j) = words.iter().position(|w| *w == "-j") {
                    chains.extend(words.get(j + 1));
                }
                for chain in chains {
                    let Some(prefix) = hash_prefix(chain) else {
                        continue;
                    };
                    let named = Named {
                        service_port: port.name.to_string(),
                        endpoint: (prefix == "KUBE-SEP-").then(|| endpoint.clone()).flatten(),
                        in_scenario: true,
                        verified: true,
                        object: port.origin.object(),
                    };
                    let better = names
                        .by_chain
                        .get(chain)
                        .is_none_or(|old| old.endpoint.is_none() && named.endpoint.is_some());
                    if better {
                        names.by_chain.insert(chain.to_string(), named);
                    }
                }
            }
        }
        names
    }

    /// Whether the node's kube-proxy programs this service port for the scenario.
    pub fn has_service_port(&self, spn: &str) -> bool {
        self.service_ports.contains_key(spn)
    }

    /// The written object of a service port.
    pub fn object_of(&self, spn: &str) -> Option<usize> {
        self.service_ports.get(spn).copied().flatten()
    }

    /// What a hash-named iptables chain stands for, if the scenario names it.
    pub fn chain(&self, chain: &str) -> Option<&Named> {
        self.by_chain.get(chain)
    }

    /// Names a chain the scenario does not know from the comments of its rules and of
    /// the rules that jump to it (`comments`), the endpoint its DNAT goes to and its
    /// protocol, checking the name against the hash.
    pub fn learn(
        &mut self,
        chain: &str,
        comments: &[&str],
        dnat: Option<&str>,
        protocol: Option<Protocol>,
    ) -> Option<&Named> {
        if self.by_chain.contains_key(chain) {
            return self.by_chain.get(chain);
        }
        let prefix = hash_prefix(chain)?;
        let hash = &chain[prefix.len()..];
        let protocols: Vec<Protocol> = match protocol {
            Some(p) => vec![p],
            None => vec![Protocol::Tcp, Protocol::Udp, Protocol::Sctp],
        };
        let mut first: Option<String> = None;
        for comment in comments {
            for candidate in service_ports_in(comment) {
                first.get_or_insert_with(|| candidate.clone());
                let verified = protocols.iter().any(|p| {
                    let pieces: Vec<&str> = match (prefix, dnat) {
                        ("KUBE-SEP-", Some(e)) => vec![&candidate, p.lower(), e],
                        ("KUBE-SEP-", None) => return false,
                        _ => vec![&candidate, p.lower()],
                    };
                    chain_hash(&pieces) == hash
                });
                if verified {
                    let named = Named {
                        in_scenario: self.has_service_port(&candidate),
                        object: self.object_of(&candidate),
                        service_port: candidate,
                        endpoint: dnat.map(str::to_string),
                        verified: true,
                    };
                    self.by_chain.insert(chain.to_string(), named);
                    return self.by_chain.get(chain);
                }
            }
        }
        let candidate = first?;
        let named = Named {
            in_scenario: self.has_service_port(&candidate),
            object: self.object_of(&candidate),
            service_port: candidate,
            endpoint: dnat.map(str::to_string),
            verified: false,
        };
        self.by_chain.insert(chain.to_string(), named);
        self.by_chain.get(chain)
    }
}

/// The `namespace/name[:port]` words of a kube-proxy comment: `ns1/svc1:p80 cluster IP`,
/// `masquerade traffic for ns1/svc1:p80 external destinations`, `ns1/svc1:p80 -> 10.0.0.1:80`.
pub fn service_ports_in(comment: &str) -> Vec<String> {
    comment
        .split_whitespace()
        .filter(|w| {
            let Some((ns, rest)) = w.split_once('/') else {
                return false;
            };
            !ns.is_empty()
                && !rest.is_empty()
                && !rest.contains('/')
                && ns
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        })
        .map(|w| w.trim_end_matches([',', ';', '"']).to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_read_from_comments_and_checked_against_the_hash() {
        assert_eq!(
            service_ports_in("masquerade traffic for ns1/svc1:p80 external destinations"),
            ["ns1/svc1:p80"]
        );
        assert_eq!(
            service_ports_in("ns1/svc1:p80 -> 10.0.0.1:80"),
            ["ns1/svc1:p80"]
        );
        assert!(service_ports_in("block incoming localnet connections").is_empty());
        let mut names = Names::default();
        let named = names
            .learn(
                "KUBE-SVC-XPGD46QRK7WJZT7O",
                &["ns1/svc1:p80 cluster IP"],
                None,
                None,
            )
            .unwrap();
        assert!(named.verified && !named.in_scenario);
        assert_eq!(named.service_port, "ns1/svc1:p80");
        let named = names
            .learn(
                "KUBE-SEP-SXIVWICOYRO3J4NJ",
                &["ns1/svc1:p80"],
                Some("10.180.0.1:80"),
                Some(Protocol::Tcp),
            )
            .unwrap();
        assert!(named.verified);
        assert_eq!(hash_prefix("KUBE-SEP-SXIVWICOYRO3J4NJ"), Some("KUBE-SEP-"));
        assert_eq!(hash_prefix("KUBE-SERVICES"), None);
    }
}
