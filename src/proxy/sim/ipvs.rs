//! IPVS mode: the IPVS walk decides whether a request reaches a virtual server; the
//! kernel's scheduler picks its real server.
//!
//! The walk ([`crate::proxy::ipvs::trace`]) evaluates the iptables rules IPVS mode keeps
//! (drops, rejects, the masquerade mark) and finds the virtual server. Each request is
//! then one short connection to that virtual server's
//! [`IpvsService`] — opened at its time on the
//! simulated clock with the next client port, and closed at once — so rr's pointer, wrr's
//! current weight, the connection counters and persistence templates (ClientIP affinity)
//! evolve as in the kernel.
//!
//! The analytical share is the scheduler's long-run share for a new client: 1/n of the
//! real servers with a weight for `rr`, weight over total weight for `wrr`. Other
//! schedulers depend on connection state, hashes or (twos) random draws and have no
//! closed form here. twos' draws come from the request's seeded generator
//! ([`IpvsService::seed_random`](crate::proxy::ipvs::kernel::IpvsService::seed_random)).
//! A request no real server may take is refused (`ip_vs_leave` answers ICMP port
//! unreachable): it counts as rejected, not dropped.

use super::rng::Rng;
use super::{Analytic, EngineOutput, Landed, Requests, Tally, Watched};
use crate::proxy::ProxyFacts;
use crate::proxy::ipvs::kernel::{Connection, Decision, IpvsService};
use crate::proxy::ipvs::schedulers::SchedulerName;
use crate::proxy::ipvs::{IpvsState, VirtualServer, trace};
use crate::proxy::trace::{HopKind, Outcome, Packet};
use crate::time::SimTime;

/// The first client port of the simulated connections (Linux's default ephemeral range
/// starts at 32768).
const FIRST_CLIENT_PORT: u16 = 32768;

/// The scheduler's share per real server, when it has a closed form.
fn shares(vs: &VirtualServer) -> Option<Vec<(usize, f64)>> {
    let live: Vec<(usize, f64)> = vs
        .real_servers
        .iter()
        .enumerate()
        .filter(|(_, rs)| rs.weight > 0)
        .map(|(i, rs)| (i, f64::from(rs.weight)))
        .collect();
    let total: f64 = live.iter().map(|(_, w)| w).sum();
    match vs.scheduler {
        SchedulerName::Rr => {
            let n = live.len() as f64;
            Some(live.iter().map(|&(i, _)| (i, 1.0 / n)).collect())
        }
        SchedulerName::Wrr => Some(live.iter().map(|&(i, w)| (i, w / total)).collect()),
        _ => None,
    }
}

/// The virtual server `packet` is addressed to.
fn virtual_server<'s>(state: &'s IpvsState, packet: &Packet) -> Option<&'s VirtualServer> {
    state.virtual_servers.iter().find(|vs| {
        vs.address == packet.dst && vs.port == packet.dport && vs.protocol == packet.protocol
    })
}

/// The seeded run's connections to one virtual server, one per request: the kernel's
/// service with its scheduler, connection and persistence state on the simulated clock.
struct Connections {
    service: IpvsService,
    client: std::net::IpAddr,
    port: u16,
    interval_ms: u64,
    /// The last connection's decision.
    decision: Decision,
}

impl Connections {
    fn new(
        state: &IpvsState,
        vs: &VirtualServer,
        packet: &Packet,
        request: &Requests,
    ) -> Connections {
        let mut service = vs.kernel_service(state.timeouts, SimTime(0));
        // The generator spreads the client ports' start, so that different seeds give
        // different (hash-scheduler) tuples, and then stands for the kernel's
        // `get_random_u32()` in twos (the other schedulers draw nothing).
        let mut rng = Rng::new(request.seed);
        let port_offset = rng.below(16384) as u16;
        service.seed_random(rng.next_u64());
        Connections {
            service,
            client: packet.src,
            port: FIRST_CLIENT_PORT.wrapping_add(port_offset),
            interval_ms: request.interval_ms,
            decision: Decision::NoDestination,
        }
    }

    /// Request `i`: one short connection, opened and closed at its time.
    fn next(&mut self, i: u64) -> Landed {
        let now = SimTime(i.saturating_mul(self.interval_ms));
        let conn = Connection {
            client: self.client,
            client_port: self.port,
        };
        self.port = if self.port == u16::MAX {
            FIRST_CLIENT_PORT
        } else {
            self.port + 1
        };
        let decision = self.service.connect(&conn, now);
        self.service.close(&conn, now);
        self.decision = decision;
        match decision.dest() {
            Some(index) => {
                let dest = self.service.dest(index);
                Landed::Endpoint(dest.addr, i64::from(dest.port))
            }
            // No destination the scheduler may use: `ip_vs_leave` sends ICMP port
            // unreachable, so the client's connection is refused.
            None if decision == Decision::NoDestination => Landed::Reject,
            // A packet of a connection whose real server was deleted: dropped silently.
            None => Landed::Drop,
        }
    }
}

/// Runs the requests through IPVS on the node.
pub fn simulate(
    facts: &ProxyFacts,
    state: &IpvsState,
    packet: &Packet,
    request: &Requests,
) -> EngineOutput {
    let walked = trace(facts, state, packet);
    let landed = Landed::of_outcome(&walked.outcome);
    let mut tally = Tally::recording(request.record);
    let (Landed::Endpoint(..), Some(vs)) = (landed, virtual_server(state, packet)) else {
        // Dropped, rejected or not proxied: every request alike.
        return EngineOutput::alike(landed, false, facts, packet, request);
    };
    let mut connections = Connections::new(state, vs, packet, request);
    for i in 0..request.count {
        let landed = connections.next(i);
        let reached = matches!(landed, Landed::Endpoint(..));
        tally.add(landed, reached && walked.masquerade);
    }
    let (analytic, note) = match shares(vs) {
        Some(shares) => {
            let mut analytic = Analytic::default();
            for (i, p) in shares {
                let rs = &vs.real_servers[i];
                analytic.add(Landed::Endpoint(rs.address, i64::from(rs.port)), p);
            }
            if analytic.ends.is_empty() {
                analytic.add(Landed::Reject, 1.0);
            }
            (Some(analytic), None)
        }
        None => (
            None,
            Some(format!(
                "the {} scheduler's choice depends on connection state, hashes or random draws; no closed-form probability",
                vs.scheduler
            )),
        ),
    };
    EngineOutput {
        tally,
        analytic,
        affinity_seconds: super::affinity_of(facts, packet),
        note,
    }
}

/// The first `request.record` requests of [`simulate`]'s run, each with the IPVS walk
/// and, at the virtual server's hop, what the scheduler (or a persistence template) did
/// with this request's connection.
pub fn watch(
    facts: &ProxyFacts,
    state: &IpvsState,
    packet: &Packet,
    request: &Requests,
) -> Vec<Watched> {
    let walked = trace(facts, state, packet);
    let count = request.count.min(request.record as u64);
    let landed = Landed::of_outcome(&walked.outcome);
    let (Landed::Endpoint(..), Some(vs)) = (landed, virtual_server(state, packet)) else {
        let one = Watched::of_walk(walked, false);
        return (0..count).map(|_| one.clone()).collect();
    };
    let at = walked.hops.iter().position(|h| {
        h.rule_ref
            .as_ref()
            .is_some_and(|r| r.table == crate::proxy::ipvs::IPVS_TABLE)
    });
    let mut connections = Connections::new(state, vs, packet, request);
    (0..count)
        .map(|i| {
            let landed = connections.next(i);
            let decision = connections.decision;
            let mut trace = walked.clone();
            let to = match landed {
                Landed::Endpoint(ip, port) => crate::model::ip::join_host_port(&ip, port),
                _ => String::new(),
            };
            let (kind, verdict) = match decision {
                Decision::Scheduled(_) => (
                    HopKind::Dnat,
                    format!("{} schedules the connection to {to}", vs.scheduler),
                ),
                Decision::Persistent(_) => (
                    HopKind::Dnat,
                    format!(
                        "persistence template of {}: the connection goes to {to} again",
                        packet.src
                    ),
                ),
                Decision::Existing(_) => (HopKind::Dnat, format!("existing connection to {to}")),
                Decision::NoDestination => (
                    HopKind::Verdict,
                    "no destination available: ICMP port unreachable".to_string(),
                ),
                Decision::Dropped => (
                    HopKind::Verdict,
                    "the connection's real server is gone: dropped".to_string(),
                ),
            };
            trace.outcome = match landed {
                Landed::Endpoint(..) => Outcome::Dnat(vec![to]),
                Landed::Reject => Outcome::Reject,
                Landed::Drop => Outcome::Drop,
                Landed::Unhandled => Outcome::Nothing,
            };
            trace.masquerade = walked.masquerade && matches!(landed, Landed::Endpoint(..));
            if let Some(hop) = at.and_then(|at| trace.hops.get_mut(at)) {
                hop.kind = kind;
                hop.verdict = verdict;
            }
            Watched {
                trace,
                landed,
                decided_by: at,
                pinned: matches!(decision, Decision::Persistent(_)),
            }
        })
        .collect()
}
