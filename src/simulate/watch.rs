//! Watching the traffic: the first requests of a seeded simulation one at a time, each
//! with its own walk through the rules of the node it meets ([`Proxier::watch`]).
//!
//! [`run`] resolves the client and the node exactly as [`super::run`] does and asks the
//! same proxier for the same seeded requests, so request `i` of a [`Watch`] is request
//! `i` of the [`SimResult`](super::SimResult) (the same seed gives the same animation).
//! Each [`Journey`] says where its request went: the client, the kube-proxy of the node
//! that handled it and the hop that chose (the chain, `numgen` verdict map entry,
//! virtual server or round robin), whether it crossed to another node, whether its
//! source was masqueraded, whether ClientIP affinity pinned it, and the Pod it landed
//! on — or the drop or reject and the rule that made it. Requests that took the same
//! walk share one [`Walk`], so a watch of many requests holds a handful of traces.
//!
//! [`Proxier::watch`]: crate::proxy::Proxier::watch

use super::{Client, Landed, SimRequest, endpoint_owner, resolve};
use crate::proxy::config::ProxyMode;
use crate::proxy::sim::Requests;
use crate::proxy::trace::{Packet, Trace};
use crate::scenario::Analysis;

/// The most requests a watch follows one by one (each keeps its walk).
pub const MAX_WATCHED: u64 = 500;

/// One distinct walk through the rules, and where it ended.
#[derive(Clone, Debug, PartialEq)]
pub struct Walk {
    pub trace: Trace,
    pub landed: Landed,
    /// The hop that chose (an index into `trace.hops`); see
    /// [`Watched::decided_by`](crate::proxy::sim::Watched::decided_by).
    pub decided_by: Option<usize>,
    /// The Pod behind the endpoint (its EndpointSlice `targetRef` name), when the
    /// scenario knows it.
    pub pod: Option<String>,
    /// The node that Pod runs on.
    pub pod_node: Option<String>,
}

/// One request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Journey {
    /// Its walk, an index into [`Watch::walks`].
    pub walk: usize,
    /// ClientIP affinity chose, not a fresh draw.
    pub pinned: bool,
    /// When it was sent on the simulated clock, in milliseconds.
    pub at_ms: u64,
}

/// The first requests of a seeded run, one by one.
#[derive(Clone, Debug, PartialEq)]
pub struct Watch {
    pub mode: ProxyMode,
    /// The node whose kube-proxy handles the requests.
    pub node: String,
    pub client: Client,
    pub packet: Packet,
    pub seed: u64,
    pub interval_ms: u64,
    pub walks: Vec<Walk>,
    pub journeys: Vec<Journey>,
}

impl Client {
    /// The node the client sends from (`None` outside the cluster or unscheduled).
    pub fn node(&self) -> Option<&str> {
        match self {
            Client::Pod { node, .. } => node.as_deref(),
            Client::Node(n) => Some(n),
            Client::External => None,
        }
    }
}

impl Watch {
    /// The walk of a journey.
    pub fn walk(&self, journey: &Journey) -> &Walk {
        &self.walks[journey.walk]
    }

    /// Whether the client's packet crosses the network to reach the node that handles
    /// it (an external client, or a NodePort of another node).
    pub fn enters_from_outside(&self) -> bool {
        self.client.node() != Some(self.node.as_str())
    }

    /// Whether, after kube-proxy chose, the packet goes on to another node: the Pod
    /// behind the endpoint runs elsewhere.
    pub fn crosses(&self, journey: &Journey) -> bool {
        matches!(self.walk(journey).landed, Landed::Endpoint(..))
            && self
                .walk(journey)
                .pod_node
                .as_deref()
                .is_some_and(|n| n != self.node)
    }

    /// How many of the first `n` requests ended at each end, in the order the ends
    /// first appeared: the counters of the animation after `n` requests.
    pub fn counts(&self, n: usize) -> Vec<(Landed, u64)> {
        let mut out: Vec<(Landed, u64)> = Vec::new();
        for j in self.journeys.iter().take(n) {
            let landed = self.walk(j).landed;
            match out.iter_mut().find(|(l, _)| *l == landed) {
                Some(e) => e.1 += 1,
                None => out.push((landed, 1)),
            }
        }
        out
    }

    /// The landings in order (the first requests of [`SimResult::sequence`](super::SimResult::sequence)).
    pub fn sequence(&self) -> Vec<Landed> {
        self.journeys.iter().map(|j| self.walk(j).landed).collect()
    }
}

/// Follows the first `count` (at most [`MAX_WATCHED`]) of `request`'s requests; an
/// `Err` says why the simulation cannot run, as [`super::run`] would.
pub fn run(analysis: &Analysis, request: &SimRequest, count: u64) -> Result<Watch, String> {
    let (node, packet, client) = resolve(analysis, request)?;
    let mode = request.mode.unwrap_or(analysis.proxy_config.mode);
    let proxier = analysis.proxier_for(&node, mode, &packet)?;
    let count = count.min(request.requests).min(MAX_WATCHED);
    let requests = Requests {
        count,
        seed: request.seed,
        interval_ms: request.interval_ms,
        record: usize::try_from(count).unwrap_or(usize::MAX),
    };
    let mut walks: Vec<Walk> = Vec::new();
    let mut journeys = Vec::new();
    for (i, watched) in proxier.watch(&packet, &requests).into_iter().enumerate() {
        let walk = match walks.iter().position(|w| w.trace == watched.trace) {
            Some(at) => at,
            None => {
                let (pod, pod_node) = match watched.landed {
                    Landed::Endpoint(ip, port) => {
                        endpoint_owner(proxier.facts(), &packet, ip, port)
                    }
                    _ => (None, None),
                };
                walks.push(Walk {
                    trace: watched.trace,
                    landed: watched.landed,
                    decided_by: watched.decided_by,
                    pod,
                    pod_node,
                });
                walks.len() - 1
            }
        };
        journeys.push(Journey {
            walk,
            pinned: watched.pinned,
            at_ms: (i as u64).saturating_mul(request.interval_ms),
        });
    }
    Ok(Watch {
        mode,
        node,
        client,
        packet,
        seed: request.seed,
        interval_ms: request.interval_ms,
        walks,
        journeys,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::examples::find;
    use crate::proxy::trace::HopKind;
    use crate::scenario::{Options, analyze};
    use crate::simulate::clients::{ClientChoice, DestinationKind, destinations, request};

    const MODES: [ProxyMode; 4] = [
        ProxyMode::Iptables,
        ProxyMode::Ipvs,
        ProxyMode::Nftables,
        ProxyMode::Userspace,
    ];

    fn lab(id: &str) -> Analysis {
        analyze(find(id).expect("a lab").text, Options::default())
    }

    /// The lab's first destination of `kind` (a NodePort on the client's node), from
    /// `client`, `n` requests.
    fn sim(
        analysis: &Analysis,
        client: ClientChoice,
        kind: DestinationKind,
        mode: ProxyMode,
        n: u64,
        seed: u64,
    ) -> SimRequest {
        let at = match &client {
            ClientChoice::Node(n) | ClientChoice::External(n) => Some(n.clone()),
            ClientChoice::Pod { node, .. } => Some(node.clone()),
        };
        let destination = destinations(analysis)
            .into_iter()
            .find(|d| d.kind == kind && (kind != DestinationKind::NodePort || d.node == at))
            .expect("a destination of that kind");
        SimRequest {
            mode: Some(mode),
            record: n as usize,
            ..request(&client, &destination, n, seed)
        }
    }

    /// `n` requests from node k8s-worker01 itself to the lab's first ClusterIP.
    fn from_worker(analysis: &Analysis, mode: ProxyMode, n: u64, seed: u64) -> SimRequest {
        sim(
            analysis,
            ClientChoice::Node("k8s-worker01".into()),
            DestinationKind::ClusterIp,
            mode,
            n,
            seed,
        )
    }

    #[test]
    fn every_watched_request_is_the_simulations_request() {
        for id in ["clusterip", "session-affinity"] {
            let analysis = lab(id);
            for mode in MODES {
                for seed in [1, 7, 123_456] {
                    let req = from_worker(&analysis, mode, 300, seed);
                    let result = super::super::run(&analysis, &req).expect("runs");
                    let watch = run(&analysis, &req, 300).expect("watches");
                    assert_eq!(watch.journeys.len(), 300, "{id} {mode:?}");
                    assert_eq!(
                        watch.sequence(),
                        result.sequence,
                        "{id} {mode:?} seed {seed}"
                    );
                    // The same seed, the same animation.
                    assert_eq!(run(&analysis, &req, 300).expect("watches"), watch);
                    // Distinct walks are few: one per endpoint and way of choosing it.
                    assert!(
                        watch.walks.len() <= 8,
                        "{id} {mode:?}: {}",
                        watch.walks.len()
                    );
                    for j in &watch.journeys {
                        let walk = watch.walk(j);
                        let Landed::Endpoint(..) = walk.landed else {
                            panic!("{id} {mode:?}: {walk:?}");
                        };
                        let hop = &walk.trace.hops[walk.decided_by.expect("a deciding hop")];
                        match mode {
                            ProxyMode::Iptables => {
                                let chain = &hop.rule_ref.as_ref().expect("typed").chain;
                                assert!(chain.starts_with("KUBE-SVC-"), "{hop:?}");
                                assert_eq!(hop.kind, HopKind::Jump);
                            }
                            ProxyMode::Nftables => {
                                assert!(hop.location.starts_with("service-"), "{hop:?}");
                                assert_eq!(hop.kind, HopKind::Jump);
                            }
                            ProxyMode::Ipvs => {
                                assert_eq!(
                                    hop.rule_ref.as_ref().expect("typed").table,
                                    crate::proxy::ipvs::IPVS_TABLE
                                );
                                assert_eq!(hop.kind, HopKind::Dnat);
                            }
                            ProxyMode::Userspace => {
                                assert!(hop.location.starts_with("kube-proxy "), "{hop:?}");
                                assert!(walk.trace.masquerade, "the proxy connects from the node");
                            }
                        }
                        assert!(walk.pod.is_some() && walk.pod_node.is_some(), "{walk:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn affinity_pins_every_request_after_the_first() {
        let analysis = lab("session-affinity");
        for mode in MODES {
            let req = from_worker(&analysis, mode, 50, 3);
            let watch = run(&analysis, &req, 50).expect("watches");
            assert!(!watch.journeys[0].pinned, "{mode:?}");
            assert!(watch.journeys[1..].iter().all(|j| j.pinned), "{mode:?}");
            let first = watch.walk(&watch.journeys[0]).landed;
            assert!(watch.sequence().iter().all(|l| *l == first), "{mode:?}");
            assert_eq!(watch.counts(50), vec![(first, 50)]);
        }
        // Without affinity, nothing is pinned and the requests spread.
        let analysis = lab("clusterip");
        let req = from_worker(&analysis, ProxyMode::Iptables, 50, 3);
        let watch = run(&analysis, &req, 50).expect("watches");
        assert!(watch.journeys.iter().all(|j| !j.pinned));
        assert_eq!(watch.counts(50).len(), 3);
        assert_eq!(watch.counts(50).iter().map(|(_, n)| n).sum::<u64>(), 50);
        assert_eq!(watch.counts(1), vec![(watch.sequence()[0], 1)]);
    }

    #[test]
    fn a_nodeport_from_outside_crosses_and_is_masqueraded_or_dropped_where_local() {
        // Cluster policy: any node forwards, the source is masqueraded, and a Pod on
        // another node means a crossing.
        let analysis = lab("nodeport");
        for mode in MODES {
            let req = sim(
                &analysis,
                ClientChoice::External("k8s-master01".into()),
                DestinationKind::NodePort,
                mode,
                40,
                5,
            );
            let watch = run(&analysis, &req, 40).expect("watches");
            assert_eq!(watch.client, Client::External);
            assert!(watch.enters_from_outside());
            for j in &watch.journeys {
                let walk = watch.walk(j);
                assert!(
                    matches!(walk.landed, Landed::Endpoint(..)),
                    "{mode:?} {walk:?}"
                );
                assert!(walk.trace.masquerade, "{mode:?}");
                assert!(
                    watch.crosses(j),
                    "{mode:?}: no Pod runs on the control plane"
                );
            }
        }
        // Local policy: the control plane has no Pod, so its kube-proxy drops, and says
        // which rule did.
        let analysis = lab("local-traffic-policy");
        for mode in [ProxyMode::Iptables, ProxyMode::Nftables] {
            let master = sim(
                &analysis,
                ClientChoice::External("k8s-master01".into()),
                DestinationKind::NodePort,
                mode,
                10,
                5,
            );
            let watch = run(&analysis, &master, 10).expect("watches");
            assert_eq!(watch.node, "k8s-master01");
            assert_eq!(watch.walks.len(), 1, "{mode:?}");
            let walk = &watch.walks[0];
            assert_eq!(walk.landed, Landed::Drop, "{mode:?}");
            let hop = &walk.trace.hops[walk.decided_by.expect("the dropping rule")];
            assert!(
                hop.verdict.ends_with("DROP") || hop.verdict.ends_with(": drop"),
                "{mode:?}: {hop:?}"
            );
            assert!(!watch.crosses(&watch.journeys[0]));
        }
    }

    #[test]
    fn a_service_without_endpoints_is_rejected_at_the_node() {
        let text = find("clusterip")
            .unwrap()
            .text
            .replace("replicas: 3", "replicas: 0");
        let analysis = analyze(&text, Options::default());
        for mode in MODES {
            let req = from_worker(&analysis, mode, 5, 1);
            let watch = run(&analysis, &req, 5).expect("watches");
            let walk = &watch.walks[0];
            assert_eq!(walk.landed, Landed::Reject, "{mode:?}");
            assert!(walk.decided_by.is_some(), "{mode:?}: {}", walk.trace);
        }
    }

    #[test]
    fn a_watch_follows_at_most_its_limit_and_the_runs_requests() {
        let analysis = lab("clusterip");
        let req = from_worker(&analysis, ProxyMode::Iptables, 10, 1);
        assert_eq!(run(&analysis, &req, 100).unwrap().journeys.len(), 10);
        let req = SimRequest {
            requests: 100_000,
            ..req
        };
        assert_eq!(
            run(&analysis, &req, u64::MAX).unwrap().journeys.len(),
            MAX_WATCHED as usize
        );
        let bad = SimRequest {
            requests: crate::simulate::MAX_REQUESTS + 1,
            ..req
        };
        assert!(run(&analysis, &bad, 10).is_err());
    }
}
