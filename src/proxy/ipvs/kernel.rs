//! One IPVS virtual service as the kernel runs it: the destination list, the connection
//! table, the counters `ipvsadm` shows, persistence templates, and the scheduler.
//!
//! This is the simulator's side of IPVS mode (the rules side is [`super::IpvsState`]). An
//! [`IpvsService`] is driven with explicit time: [`IpvsService::schedule`] opens a
//! connection (using a persistence template or asking the [`Scheduler`]),
//! [`IpvsService::close`] ends one, [`IpvsService::expire`] lets the timers run. It follows
//! `ip_vs_core.c` / `ip_vs_conn.c` / `ip_vs_ctl.c` (Linux 6.1):
//!
//! - a new destination is inserted at the head of the list (`list_add_rcu`), so the list
//!   is walked newest first;
//! - a TCP connection counts as active from its first packet (IPVS state SYN_RECV), moves
//!   to inactive when it closes (TIME_WAIT, 120 s) and is forgotten when that expires; an
//!   idle established connection expires after 900 s; UDP connections are always
//!   inactive and expire 300 s after their last packet;
//! - a persistent service (sessionAffinity ClientIP) keeps one template per client
//!   address; a valid template (its destination still there and, with kube-proxy's
//!   `expire_quiescent_template=1`, not at weight 0) bypasses the scheduler; each new
//!   connection through it restarts its timer; a template that expires while it still
//!   controls connections is postponed by 60 s at a time.

use super::schedulers::{
    Dest, DestList, RealServerIndex, SchedPacket, Scheduler, SchedulerName, flags,
};
use crate::proxy::Protocol;
use std::collections::BTreeMap;
use std::net::IpAddr;

pub use crate::time::SimTime;

/// IPVS's protocol timeouts, in seconds (`ipvsadm --set`, kube-proxy's
/// `ipvs.tcpTimeout` / `tcpFinTimeout` / `udpTimeout`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timeouts {
    /// ESTABLISHED (kernel default 900 s).
    pub tcp: u64,
    /// FIN_WAIT (kernel default 120 s).
    pub tcp_fin: u64,
    /// UDP (kernel default 300 s).
    pub udp: u64,
}

impl Default for Timeouts {
    fn default() -> Timeouts {
        Timeouts {
            tcp: 900,
            tcp_fin: 120,
            udp: 300,
        }
    }
}

impl Timeouts {
    /// The timeouts kube-proxy sets (`ipvs.tcpTimeout`, `tcpFinTimeout`, `udpTimeout`);
    /// an unset one keeps the kernel's value, as `ipvsadm --set` with 0 does.
    pub fn of(config: &crate::proxy::config::IpvsConfig) -> Timeouts {
        let d = Timeouts::default();
        Timeouts {
            tcp: config.tcp_timeout.unwrap_or(d.tcp),
            tcp_fin: config.tcp_fin_timeout.unwrap_or(d.tcp_fin),
            udp: config.udp_timeout.unwrap_or(d.udp),
        }
    }
}

/// TIME_WAIT, which `ipvsadm --set` cannot change.
const TCP_TIME_WAIT_SECS: u64 = 120;
/// How far an expiring template that still controls connections is postponed.
const TEMPLATE_POSTPONE_SECS: u64 = 60;

/// A connection to the virtual service, identified by its client end.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Connection {
    pub client: IpAddr,
    pub client_port: u16,
}

/// Where a connection is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConnState {
    /// Counted in ActiveConn (TCP from its first packet until it closes).
    Active,
    /// Counted in InActConn (UDP always; TCP after it closed).
    Inactive,
}

/// An entry of the connection table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnEntry {
    pub dest: RealServerIndex,
    pub state: ConnState,
    /// TCP after close: waits for TIME_WAIT to run out and cannot be reused.
    pub closed: bool,
    pub expires: SimTime,
    /// The persistence template that controls it, keyed by client address.
    pub template: Option<IpAddr>,
}

/// A persistence template: client address → destination.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Template {
    pub dest: RealServerIndex,
    pub expires: SimTime,
    /// Seconds a use restarts the timer with (the persistence timeout, 60 s once
    /// postponed, as the kernel overwrites it).
    pub timeout: u64,
    /// Connections it controls.
    pub n_control: u32,
}

/// How a connection got its destination.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// The scheduler chose.
    Scheduled(RealServerIndex),
    /// A valid persistence template chose.
    Persistent(RealServerIndex),
    /// The connection already existed.
    Existing(RealServerIndex),
    /// No destination available: the kernel drops the packet (TCP gets an ICMP error).
    NoDestination,
}

impl Decision {
    pub fn dest(self) -> Option<RealServerIndex> {
        match self {
            Decision::Scheduled(d) | Decision::Persistent(d) | Decision::Existing(d) => Some(d),
            Decision::NoDestination => None,
        }
    }
}

/// One virtual service in the kernel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IpvsService {
    pub protocol: Protocol,
    pub address: IpAddr,
    pub port: u16,
    pub flags: u32,
    /// The persistence timeout in seconds (meaningful with [`flags::PERSISTENT`]).
    pub timeout: u32,
    pub timeouts: Timeouts,
    pub scheduler: Scheduler,
    /// Every destination ever added (removed ones stay, unavailable, like the kernel's
    /// trash), indexed by [`RealServerIndex`].
    pub dests: Vec<Dest>,
    /// The destination list in the kernel's walk order.
    pub order: Vec<RealServerIndex>,
    pub conns: BTreeMap<Connection, ConnEntry>,
    pub templates: BTreeMap<IpAddr, Template>,
    /// The latest time the service has seen.
    pub now: SimTime,
}

impl IpvsService {
    /// An empty virtual service, as kube-proxy creates it (real servers come after).
    pub fn new(
        protocol: Protocol,
        address: IpAddr,
        port: u16,
        scheduler: SchedulerName,
        flags: u32,
        timeout: u32,
        now: SimTime,
    ) -> IpvsService {
        let list = DestList {
            order: &[],
            dests: &[],
        };
        IpvsService {
            protocol,
            address,
            port,
            flags,
            timeout,
            timeouts: Timeouts::default(),
            scheduler: Scheduler::new(scheduler, &list, now),
            dests: Vec::new(),
            order: Vec::new(),
            conns: BTreeMap::new(),
            templates: BTreeMap::new(),
            now,
        }
    }

    pub fn list(&self) -> DestList<'_> {
        DestList {
            order: &self.order,
            dests: &self.dests,
        }
    }

    pub fn dest(&self, index: RealServerIndex) -> &Dest {
        &self.dests[index.0]
    }

    /// The destinations in the kernel's walk order.
    pub fn real_servers(&self) -> impl Iterator<Item = (RealServerIndex, &Dest)> {
        self.order.iter().map(|&i| (i, &self.dests[i.0]))
    }

    /// `ipvsadm -a`: adds a destination at the head of the list.
    pub fn add_real_server(&mut self, addr: IpAddr, port: u16, weight: i32) -> RealServerIndex {
        let index = RealServerIndex(self.dests.len());
        self.dests.push(Dest::new(addr, port, weight));
        self.order.insert(0, index);
        let list = DestList {
            order: &self.order,
            dests: &self.dests,
        };
        self.scheduler.dest_added(&list);
        index
    }

    /// `ipvsadm -e -w`: changes a destination's weight (it keeps its place in the list).
    pub fn set_weight(&mut self, index: RealServerIndex, weight: i32) {
        let Some(dest) = self.dests.get_mut(index.0) else {
            return;
        };
        if weight != 0 {
            dest.last_weight = weight;
        }
        dest.weight = weight;
        let list = DestList {
            order: &self.order,
            dests: &self.dests,
        };
        self.scheduler.dest_updated(&list);
    }

    /// `ipvsadm -d`: unlinks a destination. Its connections live on until they expire.
    pub fn remove_real_server(&mut self, index: RealServerIndex) {
        let Some(position) = self.order.iter().position(|&i| i == index) else {
            return;
        };
        self.order.remove(position);
        self.dests[index.0].available = false;
        let list = DestList {
            order: &self.order,
            dests: &self.dests,
        };
        self.scheduler.dest_removed(&list, index, position);
    }

    fn persistent(&self) -> bool {
        self.flags & flags::PERSISTENT != 0
    }

    /// Whether a template may still be used (`ip_vs_check_template` with
    /// `expire_quiescent_template=1`).
    fn template_valid(&self, template: &Template) -> bool {
        let d = &self.dests[template.dest.0];
        d.available && d.weight != 0
    }

    /// A new connection arrives at `now`: its destination, and how it was chosen.
    pub fn connect(&mut self, conn: &Connection, now: SimTime) -> Decision {
        self.expire(now);
        if let Some(entry) = self.conns.get(conn) {
            if !entry.closed && self.dests[entry.dest.0].available {
                let dest = entry.dest;
                self.touch(conn, now);
                return Decision::Existing(dest);
            }
            // A new connection on the tuple of a closed (or orphaned) one: the old entry
            // is expired at once and the new one scheduled (`conn_reuse_mode`).
            self.drop_conn(conn);
        }
        let packet = SchedPacket {
            saddr: conn.client,
            sport: conn.client_port,
            daddr: self.address,
            svc_flags: self.flags,
        };
        let mut template_key = None;
        let decision = if self.persistent() {
            let key = conn.client;
            let valid = self
                .templates
                .get(&key)
                .is_some_and(|t| self.template_valid(t));
            if !valid {
                if let Some(old) = self.templates.remove(&key) {
                    self.release_template(&old);
                }
            }
            if valid {
                let template = self.templates.get_mut(&key).expect("checked above");
                template.expires = now.plus_secs(template.timeout);
                template_key = Some(key);
                Decision::Persistent(template.dest)
            } else {
                let list = self.list();
                let mut scheduler = self.scheduler.clone();
                let chosen = scheduler.schedule(&list, &packet, now);
                self.scheduler = scheduler;
                match chosen {
                    Some(dest) => {
                        let timeout = u64::from(self.timeout);
                        self.templates.insert(
                            key,
                            Template {
                                dest,
                                expires: now.plus_secs(timeout),
                                timeout,
                                n_control: 0,
                            },
                        );
                        self.dests[dest.0].persist_conns += 1;
                        template_key = Some(key);
                        Decision::Scheduled(dest)
                    }
                    None => Decision::NoDestination,
                }
            }
        } else {
            let list = self.list();
            let mut scheduler = self.scheduler.clone();
            let chosen = scheduler.schedule(&list, &packet, now);
            self.scheduler = scheduler;
            chosen.map_or(Decision::NoDestination, Decision::Scheduled)
        };
        let Some(dest) = decision.dest() else {
            return decision;
        };
        if let Some(key) = template_key {
            if let Some(t) = self.templates.get_mut(&key) {
                t.n_control += 1;
            }
        }
        let (state, expires) = match self.protocol {
            Protocol::Udp => (ConnState::Inactive, now.plus_secs(self.timeouts.udp)),
            Protocol::Tcp | Protocol::Sctp => (ConnState::Active, now.plus_secs(self.timeouts.tcp)),
        };
        match state {
            ConnState::Active => self.dests[dest.0].active_conns += 1,
            ConnState::Inactive => self.dests[dest.0].inactive_conns += 1,
        }
        self.conns.insert(
            *conn,
            ConnEntry {
                dest,
                state,
                closed: false,
                expires,
                template: template_key,
            },
        );
        decision
    }

    /// [`IpvsService::connect`], returning only the destination: the simulator's entry
    /// point.
    pub fn schedule(&mut self, conn: &Connection, now: SimTime) -> Option<RealServerIndex> {
        self.connect(conn, now).dest()
    }

    /// A packet of an existing connection at `now`: restarts its idle timer. A
    /// connection whose destination was deleted is expired at once
    /// (`expire_nodest_conn=1`). Returns whether the connection still exists.
    pub fn touch(&mut self, conn: &Connection, now: SimTime) -> bool {
        self.expire(now);
        let Some(entry) = self.conns.get(conn) else {
            return false;
        };
        if !self.dests[entry.dest.0].available {
            self.drop_conn(conn);
            return false;
        }
        let seconds = match (self.protocol, entry.closed) {
            (_, true) => return true,
            (Protocol::Udp, _) => self.timeouts.udp,
            _ => self.timeouts.tcp,
        };
        if let Some(entry) = self.conns.get_mut(conn) {
            entry.expires = now.plus_secs(seconds);
        }
        true
    }

    /// The connection ends at `now`. TCP (and SCTP) moves to InActConn for TIME_WAIT;
    /// UDP has no end and simply waits for its timeout.
    pub fn close(&mut self, conn: &Connection, now: SimTime) {
        self.expire(now);
        if self.protocol == Protocol::Udp {
            return;
        }
        let Some(entry) = self.conns.get_mut(conn) else {
            return;
        };
        if entry.closed {
            return;
        }
        entry.closed = true;
        entry.expires = now.plus_secs(TCP_TIME_WAIT_SECS);
        if entry.state == ConnState::Active {
            entry.state = ConnState::Inactive;
            let d = &mut self.dests[entry.dest.0];
            d.active_conns = d.active_conns.saturating_sub(1);
            d.inactive_conns += 1;
        }
    }

    fn drop_conn(&mut self, conn: &Connection) {
        let Some(entry) = self.conns.remove(conn) else {
            return;
        };
        let d = &mut self.dests[entry.dest.0];
        match entry.state {
            ConnState::Active => d.active_conns = d.active_conns.saturating_sub(1),
            ConnState::Inactive => d.inactive_conns = d.inactive_conns.saturating_sub(1),
        }
        if let Some(key) = entry.template {
            if let Some(t) = self.templates.get_mut(&key) {
                t.n_control = t.n_control.saturating_sub(1);
            }
        }
    }

    fn release_template(&mut self, template: &Template) {
        let d = &mut self.dests[template.dest.0];
        d.persist_conns = d.persist_conns.saturating_sub(1);
    }

    /// Lets the timers run up to `now`, in time order: connections end before templates
    /// due at the same instant.
    pub fn expire(&mut self, now: SimTime) {
        if now > self.now {
            self.now = now;
        }
        loop {
            let conn = self
                .conns
                .iter()
                .filter(|(_, e)| e.expires <= now)
                .min_by_key(|(_, e)| e.expires)
                .map(|(k, e)| (*k, e.expires));
            let template = self
                .templates
                .iter()
                .filter(|(_, t)| t.expires <= now)
                .min_by_key(|(_, t)| t.expires)
                .map(|(k, t)| (*k, t.expires));
            match (conn, template) {
                (Some((c, ct)), Some((_, tt))) if ct <= tt => self.drop_conn(&c),
                (Some((c, _)), None) => self.drop_conn(&c),
                (_, Some((key, at))) => {
                    let Some(t) = self.templates.get_mut(&key) else {
                        continue;
                    };
                    if t.n_control > 0 {
                        t.timeout = TEMPLATE_POSTPONE_SECS;
                        t.expires = at.plus_secs(TEMPLATE_POSTPONE_SECS);
                    } else if let Some(old) = self.templates.remove(&key) {
                        self.release_template(&old);
                    }
                }
                (None, None) => break,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service(protocol: Protocol, flags: u32) -> IpvsService {
        let mut svc = IpvsService::new(
            protocol,
            "10.96.0.10".parse().unwrap(),
            80,
            SchedulerName::Rr,
            flags,
            10800,
            SimTime(0),
        );
        for n in 1..=3u8 {
            svc.add_real_server(IpAddr::from([10, 0, 0, n]), 80, 1);
        }
        svc
    }

    fn conn(c: u8, port: u16) -> Connection {
        Connection {
            client: IpAddr::from([192, 168, 0, c]),
            client_port: port,
        }
    }

    fn counters(svc: &IpvsService) -> Vec<(u32, u32)> {
        svc.real_servers()
            .map(|(_, d)| (d.active_conns, d.inactive_conns))
            .collect()
    }

    #[test]
    fn new_real_servers_go_to_the_head_of_the_list() {
        let svc = service(Protocol::Tcp, 0);
        let order: Vec<String> = svc
            .real_servers()
            .map(|(_, d)| d.addr.to_string())
            .collect();
        assert_eq!(order, ["10.0.0.3", "10.0.0.2", "10.0.0.1"]);
    }

    #[test]
    fn tcp_connections_are_active_until_closed_then_time_wait() {
        let mut svc = service(Protocol::Tcp, 0);
        let c = conn(1, 1000);
        let d = svc.schedule(&c, SimTime::from_secs(1)).unwrap();
        assert_eq!(svc.dest(d).active_conns, 1);
        // The same connection is not scheduled again.
        assert_eq!(
            svc.connect(&c, SimTime::from_secs(2)),
            Decision::Existing(d)
        );
        svc.close(&c, SimTime::from_secs(3));
        assert_eq!(
            (svc.dest(d).active_conns, svc.dest(d).inactive_conns),
            (0, 1)
        );
        svc.expire(SimTime::from_secs(3 + 119));
        assert_eq!(svc.dest(d).inactive_conns, 1);
        svc.expire(SimTime::from_secs(3 + 120));
        assert_eq!(counters(&svc), [(0, 0); 3]);
        assert!(svc.conns.is_empty());
    }

    #[test]
    fn idle_connections_expire() {
        let mut svc = service(Protocol::Tcp, 0);
        svc.schedule(&conn(1, 1), SimTime(0));
        svc.expire(SimTime::from_secs(899));
        assert_eq!(svc.conns.len(), 1);
        svc.expire(SimTime::from_secs(900));
        assert!(svc.conns.is_empty());
        let mut svc = service(Protocol::Udp, 0);
        let c = conn(1, 53);
        let d = svc.schedule(&c, SimTime(0)).unwrap();
        assert_eq!(
            (svc.dest(d).active_conns, svc.dest(d).inactive_conns),
            (0, 1)
        );
        svc.touch(&c, SimTime::from_secs(200));
        svc.expire(SimTime::from_secs(499));
        assert_eq!(svc.conns.len(), 1);
        svc.expire(SimTime::from_secs(500));
        assert!(svc.conns.is_empty());
    }

    #[test]
    fn a_reused_tuple_after_close_is_scheduled_again() {
        let mut svc = service(Protocol::Tcp, 0);
        let c = conn(1, 1000);
        let first = svc.schedule(&c, SimTime(0)).unwrap();
        svc.close(&c, SimTime(1));
        let second = svc.connect(&c, SimTime(2));
        assert!(matches!(second, Decision::Scheduled(d) if d != first));
        assert_eq!(counters(&svc).iter().map(|(a, i)| a + i).sum::<u32>(), 1);
    }

    #[test]
    fn templates_outlive_their_timeout_while_they_control_connections() {
        let mut svc = service(Protocol::Tcp, flags::PERSISTENT);
        svc.timeout = 100;
        let a = conn(1, 1);
        let d = svc.schedule(&a, SimTime(0)).unwrap();
        // Long-lived connection, kept alive by packets.
        for t in (50..=300).step_by(50) {
            svc.touch(&a, SimTime::from_secs(t));
        }
        assert!(svc.templates.contains_key(&a.client));
        // A new connection of the same client still uses the template.
        assert_eq!(
            svc.connect(&conn(1, 2), SimTime::from_secs(301)),
            Decision::Persistent(d)
        );
        svc.close(&a, SimTime::from_secs(302));
        svc.close(&conn(1, 2), SimTime::from_secs(302));
        // TIME_WAIT ends at 422; the template (postponed by 60 s steps) goes after that.
        svc.expire(SimTime::from_secs(500));
        assert!(svc.templates.is_empty());
        assert_eq!(svc.dest(d).persist_conns, 0);
        // The client is scheduled afresh (rr moved on).
        assert!(matches!(
            svc.connect(&conn(1, 3), SimTime::from_secs(501)),
            Decision::Scheduled(x) if x != d
        ));
    }

    #[test]
    fn a_quiesced_real_server_loses_its_sticky_clients() {
        let mut svc = service(Protocol::Tcp, flags::PERSISTENT);
        let a = conn(1, 1);
        let d = svc.schedule(&a, SimTime(0)).unwrap();
        svc.set_weight(d, 0);
        let again = svc.connect(&conn(1, 2), SimTime(1));
        assert!(matches!(again, Decision::Scheduled(x) if x != d));
        // The old connection still runs on the quiesced server.
        assert_eq!(svc.dest(d).active_conns, 1);
    }

    #[test]
    fn connections_to_a_deleted_real_server_end_on_their_next_packet() {
        let mut svc = service(Protocol::Tcp, 0);
        let a = conn(1, 1);
        let d = svc.schedule(&a, SimTime(0)).unwrap();
        svc.remove_real_server(d);
        assert_eq!(svc.order.len(), 2);
        assert!(!svc.touch(&a, SimTime(1)));
        assert_eq!(svc.dest(d).active_conns, 0);
    }
}
