//! IPVS mode: the IPVS walk decides whether a request reaches a virtual server; the
//! kernel's scheduler picks its real server.
//!
//! The walk ([`crate::proxy::ipvs::trace`]) evaluates the iptables rules IPVS mode keeps
//! (drops, rejects, the masquerade mark) and finds the virtual server. Each request is
//! then one short connection to that virtual server's
//! [`IpvsService`](crate::proxy::ipvs::kernel::IpvsService) — opened at its time on the
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
use super::{Analytic, EngineOutput, Landed, Requests, Tally};
use crate::proxy::ProxyFacts;
use crate::proxy::ipvs::kernel::{Connection, Decision};
use crate::proxy::ipvs::schedulers::SchedulerName;
use crate::proxy::ipvs::{IpvsState, VirtualServer, trace};
use crate::proxy::trace::Packet;
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
    let vs = state.virtual_servers.iter().find(|vs| {
        vs.address == packet.dst && vs.port == packet.dport && vs.protocol == packet.protocol
    });
    let (Landed::Endpoint(..), Some(vs)) = (landed, vs) else {
        // Dropped, rejected or not proxied: every request alike.
        return EngineOutput::alike(landed, false, facts, packet, request);
    };
    let mut service = vs.kernel_service(state.timeouts, SimTime(0));
    // The generator spreads the client ports' start, so that different seeds give
    // different (hash-scheduler) tuples, and then stands for the kernel's
    // `get_random_u32()` in twos (the other schedulers draw nothing).
    let mut rng = Rng::new(request.seed);
    let port_offset = rng.below(16384) as u16;
    service.seed_random(rng.next_u64());
    let mut port = FIRST_CLIENT_PORT.wrapping_add(port_offset);
    for i in 0..request.count {
        let now = SimTime(i.saturating_mul(request.interval_ms));
        let conn = Connection {
            client: packet.src,
            client_port: port,
        };
        port = if port == u16::MAX {
            FIRST_CLIENT_PORT
        } else {
            port + 1
        };
        let decision = service.connect(&conn, now);
        service.close(&conn, now);
        match decision.dest() {
            Some(index) => {
                let dest = service.dest(index);
                tally.add(
                    Landed::Endpoint(dest.addr, i64::from(dest.port)),
                    walked.masquerade,
                );
            }
            // No destination the scheduler may use: `ip_vs_leave` sends ICMP port
            // unreachable, so the client's connection is refused.
            None if decision == Decision::NoDestination => tally.add(Landed::Reject, false),
            // A packet of a connection whose real server was deleted: dropped silently.
            None => tally.add(Landed::Drop, false),
        }
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
