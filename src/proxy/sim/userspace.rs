//! userspace mode: the portal rules, then kube-proxy v1.25's round robin.
//!
//! The walk ([`crate::proxy::userspace::trace`]) finds the proxy socket the portal or
//! NodePort rule redirects to; the socket's
//! [`RoundRobin`] then hands each
//! connection the next endpoint, or the client's remembered one under ClientIP affinity
//! while it is younger than the timeout. The proxy opens its own connection to the
//! endpoint, so the endpoint always sees the node's address. The long-run share of each
//! endpoint is 1/n; a client with affinity stays on one.

use super::{Analytic, EngineOutput, Landed, Requests, Tally, Watched};
use crate::proxy::ProxyFacts;
use crate::proxy::trace::{HopKind, Outcome, Packet};
use crate::proxy::userspace::roundrobin::RoundRobin;
use crate::proxy::userspace::{Proxier, trace};

/// Runs the requests through the userspace proxier on the node.
pub fn simulate(
    facts: &ProxyFacts,
    proxier: &Proxier,
    packet: &Packet,
    request: &Requests,
) -> EngineOutput {
    let walked = trace(proxier, facts, *packet);
    let landed = Landed::of_outcome(&walked.outcome);
    let mut tally = Tally::recording(request.record);
    let socket = proxier.socket_for(packet.dst, packet.dport, packet.protocol);
    let (Landed::Endpoint(..), Some(socket)) = (landed, socket) else {
        let masquerade = walked.masquerade && matches!(landed, Landed::Endpoint(..));
        return EngineOutput::alike(landed, masquerade, facts, packet, request);
    };
    let affinity = socket
        .affinity_timeout
        .map(|t| u64::try_from(t).unwrap_or(0));
    let mut balancer = RoundRobin::new(socket.endpoints.clone(), affinity);
    let mut analytic = Analytic::default();
    let n = socket.endpoints.len() as f64;
    for e in &socket.endpoints {
        if let Some((ip, port)) = super::parse_host_port(e) {
            analytic.add(Landed::Endpoint(ip, port), 1.0 / n);
        }
    }
    for i in 0..request.count {
        let now_ms = i.saturating_mul(request.interval_ms);
        let landed = balancer
            .next(packet.src, now_ms)
            .and_then(|e| super::parse_host_port(&e))
            .map_or(Landed::Reject, |(ip, port)| Landed::Endpoint(ip, port));
        tally.add(landed, matches!(landed, Landed::Endpoint(..)));
    }
    EngineOutput {
        tally,
        analytic: Some(analytic),
        affinity_seconds: socket.affinity_timeout,
        note: None,
    }
}

/// The first `request.record` requests of [`simulate`]'s run, each with the portal
/// walk and, at the proxy socket's hop, the endpoint the round robin (or the client's
/// remembered one) gave this connection.
pub fn watch(
    facts: &ProxyFacts,
    proxier: &Proxier,
    packet: &Packet,
    request: &Requests,
) -> Vec<Watched> {
    let walked = trace(proxier, facts, *packet);
    let count = request.count.min(request.record as u64);
    let landed = Landed::of_outcome(&walked.outcome);
    let socket = proxier.socket_for(packet.dst, packet.dport, packet.protocol);
    let (Landed::Endpoint(..), Some(socket)) = (landed, socket) else {
        let one = Watched::of_walk(walked, false);
        return (0..count).map(|_| one.clone()).collect();
    };
    let affinity = socket
        .affinity_timeout
        .map(|t| u64::try_from(t).unwrap_or(0));
    let mut balancer = RoundRobin::new(socket.endpoints.clone(), affinity);
    // The proxy socket's hop is the walk's last.
    let at = walked.hops.len().checked_sub(1);
    (0..count)
        .map(|i| {
            let now_ms = i.saturating_mul(request.interval_ms);
            let pinned = balancer.remembers(packet.src, now_ms);
            let chosen = balancer.next(packet.src, now_ms);
            let landed = chosen
                .as_deref()
                .and_then(super::parse_host_port)
                .map_or(Landed::Reject, |(ip, port)| Landed::Endpoint(ip, port));
            let mut trace = walked.clone();
            let to = chosen.unwrap_or_default();
            trace.outcome = Outcome::Dnat(vec![to.clone()]);
            // The proxy connects to the endpoint itself: the endpoint sees the node.
            trace.masquerade = true;
            if let Some(hop) = at.and_then(|at| trace.hops.get_mut(at)) {
                hop.kind = HopKind::Dnat;
                hop.verdict = if pinned {
                    format!("ClientIP affinity: the connection goes to {to} again")
                } else {
                    format!("round robin: the connection goes to {to}")
                };
            }
            Watched {
                trace,
                landed,
                decided_by: at,
                pinned,
            }
        })
        .collect()
}
