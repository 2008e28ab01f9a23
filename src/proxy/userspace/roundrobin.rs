//! The userspace proxy's load balancer (`LoadBalancerRR`, kube-proxy v1.25
//! `pkg/proxy/userspace/roundrobin.go`), with time as an input.
//!
//! Per Service port: a list of endpoints and an index. A new client gets
//! `endpoints[index]` and the index moves on by one. With ClientIP affinity the proxy
//! remembers each client's endpoint and when it last used it; a client coming back while
//! `now - lastUsed` (whole seconds) is below the timeout gets the same endpoint, refreshing
//! `lastUsed`, and the index does not move. An endpoint update resets the index to 0 and
//! forgets the clients of endpoints that went away; kube-proxy also shuffled the new list
//! ([`shuffle`] does that from a seed).

use std::collections::BTreeMap;
use std::net::IpAddr;

/// The default ClientIP affinity timeout (`DefaultClientIPServiceAffinitySeconds`).
pub const DEFAULT_AFFINITY_SECONDS: u64 = 10800;

/// A client's remembered endpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Affinity {
    endpoint: String,
    last_used_ms: u64,
}

/// One Service port's round-robin state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoundRobin {
    endpoints: Vec<String>,
    index: usize,
    /// The affinity timeout in seconds, if the Service has ClientIP affinity.
    affinity_seconds: Option<u64>,
    clients: BTreeMap<IpAddr, Affinity>,
}

impl RoundRobin {
    /// A balancer over `endpoints` (in round-robin order). A timeout of 0 means the
    /// default of 3 hours, as in kube-proxy.
    pub fn new(endpoints: Vec<String>, affinity_seconds: Option<u64>) -> RoundRobin {
        RoundRobin {
            endpoints,
            index: 0,
            affinity_seconds: affinity_seconds
                .map(|s| if s == 0 { DEFAULT_AFFINITY_SECONDS } else { s }),
            clients: BTreeMap::new(),
        }
    }

    pub fn endpoints(&self) -> &[String] {
        &self.endpoints
    }

    /// Whether [`next`](Self::next) at `now_ms` would hand `client` its remembered
    /// endpoint (ClientIP affinity younger than the timeout) rather than the next in turn.
    pub fn remembers(&self, client: IpAddr, now_ms: u64) -> bool {
        self.affinity_seconds.is_some_and(|ttl| {
            self.clients
                .get(&client)
                .is_some_and(|a| now_ms.saturating_sub(a.last_used_ms) / 1000 < ttl)
        })
    }

    /// `NextEndpoint(svc, client, false)` at `now_ms`: the endpoint for a new connection
    /// from `client`, or `None` without endpoints (kube-proxy then closes the connection).
    pub fn next(&mut self, client: IpAddr, now_ms: u64) -> Option<String> {
        if self.endpoints.is_empty() {
            return None;
        }
        if let Some(ttl) = self.affinity_seconds {
            if let Some(a) = self.clients.get_mut(&client) {
                let elapsed_seconds = now_ms.saturating_sub(a.last_used_ms) / 1000;
                if elapsed_seconds < ttl {
                    a.last_used_ms = now_ms;
                    return Some(a.endpoint.clone());
                }
            }
        }
        let endpoint = self.endpoints[self.index % self.endpoints.len()].clone();
        self.index = (self.index + 1) % self.endpoints.len();
        if self.affinity_seconds.is_some() {
            self.clients.insert(
                client,
                Affinity {
                    endpoint: endpoint.clone(),
                    last_used_ms: now_ms,
                },
            );
        }
        Some(endpoint)
    }

    /// `OnEndpointsUpdate` when the set of endpoints changed: forget clients of removed
    /// endpoints, take the new list (already shuffled by the caller, as kube-proxy did)
    /// and restart at its first endpoint.
    pub fn set_endpoints(&mut self, endpoints: Vec<String>) {
        let mut old = self.endpoints.clone();
        let mut new = endpoints.clone();
        crate::sort::sort(&mut old);
        crate::sort::sort(&mut new);
        if old == new {
            return;
        }
        self.clients.retain(|_, a| endpoints.contains(&a.endpoint));
        self.endpoints = endpoints;
        self.index = 0;
    }

    /// `CleanupStaleStickySessions` at `now_ms`: forget clients idle for the timeout.
    pub fn cleanup(&mut self, now_ms: u64) {
        if let Some(ttl) = self.affinity_seconds {
            self.clients
                .retain(|_, a| now_ms.saturating_sub(a.last_used_ms) / 1000 < ttl);
        }
    }

    /// The remembered clients: (client, endpoint, last used).
    pub fn clients(&self) -> impl Iterator<Item = (IpAddr, &str, u64)> {
        self.clients
            .iter()
            .map(|(c, a)| (*c, a.endpoint.as_str(), a.last_used_ms))
    }
}

/// A deterministic stand-in for kube-proxy's `ShuffleStrings`: a Fisher–Yates shuffle
/// driven by SplitMix64 from `seed`.
pub fn shuffle(mut items: Vec<String>, seed: u64) -> Vec<String> {
    let mut state = seed;
    let mut next = || {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    for i in (1..items.len()).rev() {
        let j = (next() % (i as u64 + 1)) as usize;
        items.swap(i, j);
    }
    items
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn endpoints() -> Vec<String> {
        vec![
            "10.0.0.1:80".into(),
            "10.0.0.2:80".into(),
            "10.0.0.3:80".into(),
        ]
    }

    #[test]
    fn cycles_without_affinity() {
        let mut rr = RoundRobin::new(endpoints(), None);
        let picks: Vec<String> = (0..4).filter_map(|_| rr.next(ip("1.1.1.1"), 0)).collect();
        assert_eq!(
            picks,
            ["10.0.0.1:80", "10.0.0.2:80", "10.0.0.3:80", "10.0.0.1:80"]
        );
        assert_eq!(
            RoundRobin::new(Vec::new(), None).next(ip("1.1.1.1"), 0),
            None
        );
    }

    #[test]
    fn affinity_keeps_a_client_until_the_timeout() {
        let mut rr = RoundRobin::new(endpoints(), Some(10));
        assert_eq!(rr.next(ip("1.1.1.1"), 0).unwrap(), "10.0.0.1:80");
        assert_eq!(rr.next(ip("2.2.2.2"), 0).unwrap(), "10.0.0.2:80");
        // 9.999 s later: still within 10 whole seconds; the use refreshes the entry.
        assert_eq!(rr.next(ip("1.1.1.1"), 9_999).unwrap(), "10.0.0.1:80");
        assert_eq!(rr.next(ip("1.1.1.1"), 19_998).unwrap(), "10.0.0.1:80");
        // 10 s idle: expired, the client gets the next endpoint in turn.
        assert_eq!(rr.next(ip("1.1.1.1"), 29_998).unwrap(), "10.0.0.3:80");
    }

    #[test]
    fn updates_reset_the_index_and_forget_gone_endpoints() {
        let mut rr = RoundRobin::new(endpoints(), Some(0));
        rr.next(ip("1.1.1.1"), 0);
        rr.next(ip("2.2.2.2"), 0);
        rr.set_endpoints(vec!["10.0.0.2:80".into(), "10.0.0.4:80".into()]);
        let clients: Vec<_> = rr.clients().map(|(c, e, _)| (c, e.to_string())).collect();
        assert_eq!(clients, [(ip("2.2.2.2"), "10.0.0.2:80".to_string())]);
        assert_eq!(rr.next(ip("3.3.3.3"), 1).unwrap(), "10.0.0.2:80");
        rr.cleanup(DEFAULT_AFFINITY_SECONDS * 1000);
        assert_eq!(rr.clients().count(), 1, "3.3.3.3 used it 1 ms later");
        rr.cleanup(DEFAULT_AFFINITY_SECONDS * 1000 + 1);
        assert_eq!(rr.clients().count(), 0);
    }

    #[test]
    fn shuffles_deterministically() {
        let a = shuffle(endpoints(), 7);
        assert_eq!(a, shuffle(endpoints(), 7));
        let mut sorted = a.clone();
        crate::sort::sort(&mut sorted);
        assert_eq!(sorted, endpoints());
    }
}
