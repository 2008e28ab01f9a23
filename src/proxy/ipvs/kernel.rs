//! One IPVS virtual service as the kernel runs it: the destination list, the connection
//! table, the counters `ipvsadm` shows, persistence templates, and the scheduler.
//!
//! This is the simulator's side of IPVS mode (the rules side is [`super::IpvsState`]). An
//! [`IpvsService`] is driven with explicit time: [`IpvsService::connect`] opens a
//! connection (using a persistence template or asking the [`Scheduler`]),
//! [`IpvsService::close`] ends one, [`IpvsService::expire`] lets the timers run. It follows
//! `ip_vs_core.c` / `ip_vs_conn.c` / `ip_vs_ctl.c` (read in a mainline 6.17 tree):
//!
//! - a new destination is inserted at the head of the list (`list_add_rcu`), so the list
//!   is walked newest first;
//! - every connection is created inactive and then moved by its protocol's state table
//!   ([`super::proto`]): TCP counts as active from the client's SYN (SYN_RECV) until it
//!   closes, then waits 120 s in TIME_WAIT; SCTP counts as active only in ESTABLISHED
//!   and a finished association waits 61 s in CLOSED; UDP is never active and expires
//!   300 s after its last packet; an idle TCP or SCTP connection expires after 900 s;
//! - a destination with an upper connection threshold is overloaded while it holds that
//!   many connections (`ip_vs_bind_dest` / `ip_vs_unbind_dest`);
//! - a persistent service (sessionAffinity ClientIP) keeps one template per client
//!   address; a valid template (its destination still there and, with kube-proxy's
//!   `expire_quiescent_template=1`, not at weight 0) bypasses the scheduler; each new
//!   connection through it restarts its timer; a template that expires while it still
//!   controls connections is postponed by 60 s at a time;
//! - when the scheduler finds no destination, `ip_vs_leave` answers with ICMP port
//!   unreachable ([`Decision::NoDestination`]).

use super::proto::{Direction, ProtoState, SctpEvent, SctpState, Segment, TcpFlag, TcpState};
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

/// How far an expiring template that still controls connections is postponed
/// (`ip_vs_conn_expire`'s `expire_later`: `cp->timeout = 60*HZ`).
const TEMPLATE_POSTPONE_SECS: u64 = 60;

/// A connection to the virtual service, identified by its client end.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Connection {
    pub client: IpAddr,
    pub client_port: u16,
}

/// Which of a destination's counters a connection is in (`IP_VS_CONN_F_INACTIVE`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConnState {
    /// Counted in ActiveConn.
    Active,
    /// Counted in InActConn.
    Inactive,
}

/// An entry of the connection table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnEntry {
    pub dest: RealServerIndex,
    /// The counter it is in.
    pub state: ConnState,
    /// Its protocol state ([`super::proto`]).
    pub proto: ProtoState,
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
    /// No destination available: `ip_vs_leave` answers with ICMP port unreachable and
    /// drops the packet (the client sees its connection refused).
    NoDestination,
    /// The packet belongs to a connection whose destination was deleted: `ip_vs_in_hook`
    /// expires the connection and silently drops the packet (the client's retransmission
    /// is then scheduled afresh).
    Dropped,
}

impl Decision {
    pub fn dest(self) -> Option<RealServerIndex> {
        match self {
            Decision::Scheduled(d) | Decision::Persistent(d) | Decision::Existing(d) => Some(d),
            Decision::NoDestination | Decision::Dropped => None,
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

    /// Seeds the generator that stands for the kernel's `get_random_u32()` (twos).
    pub fn seed_random(&mut self, seed: u64) {
        self.scheduler.seed_random(seed);
    }

    /// The destination of an existing connection.
    pub fn dest_of(&self, conn: &Connection) -> Option<RealServerIndex> {
        self.conns.get(conn).map(|e| e.dest)
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

    /// `ipvsadm -e -x UPPER -y LOWER`: the connection thresholds (`__ip_vs_update_dest`:
    /// the overload flag is cleared when the new upper threshold is 0 or above the
    /// destination's connections).
    pub fn set_thresholds(&mut self, index: RealServerIndex, upper: u32, lower: u32) {
        let Some(dest) = self.dests.get_mut(index.0) else {
            return;
        };
        if upper == 0 || upper > dest.total_conns() {
            dest.overloaded = false;
        }
        dest.u_threshold = upper;
        dest.l_threshold = lower;
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

    /// The packet that opens a connection: TCP's SYN, SCTP's INIT, a UDP datagram.
    fn first_segment(&self) -> Segment {
        match self.protocol {
            Protocol::Tcp => Segment::Tcp(Direction::Input, TcpFlag::Syn),
            Protocol::Sctp => Segment::Sctp(Direction::Input, SctpEvent::Init),
            Protocol::Udp => Segment::Udp,
        }
    }

    /// A new connection arrives at `now` and the server accepts it: the client's first
    /// packet ([`IpvsService::open`]) and, for TCP and SCTP, the rest of the handshake
    /// ([`IpvsService::handshake`]) at the same instant. Returns its destination, and how
    /// it was chosen.
    pub fn connect(&mut self, conn: &Connection, now: SimTime) -> Decision {
        let decision = self.open(conn, now);
        if matches!(decision, Decision::Scheduled(_) | Decision::Persistent(_)) {
            self.handshake(conn, now);
        }
        decision
    }

    /// The client's first packet of a connection at `now` (`ip_vs_in_hook`, then the
    /// protocol's `conn_schedule` and `ip_vs_schedule`).
    ///
    /// A SYN or INIT on the tuple of an existing connection takes it over when that one
    /// is finished (`conn_reuse_mode=1`, `is_new_conn_expected`) or its destination was
    /// quiesced (`expire_nodest_conn=1`, which kube-proxy sets), unless a persistence
    /// template controls it; otherwise the packet joins the existing connection.
    pub fn open(&mut self, conn: &Connection, now: SimTime) -> Decision {
        self.expire(now);
        if let Some(entry) = self.conns.get(conn) {
            let dest = &self.dests[entry.dest.0];
            let is_new_conn = self.protocol != Protocol::Udp;
            let resched = is_new_conn
                && entry.template.is_none()
                && (dest.weight == 0 || entry.proto.finished());
            if resched {
                self.drop_conn(conn);
            } else if !dest.available {
                self.drop_conn(conn);
                return Decision::Dropped;
            } else {
                let dest = entry.dest;
                let segment = self.first_segment();
                self.segment(conn, segment, now);
                return Decision::Existing(dest);
            }
        }
        let packet = SchedPacket {
            saddr: conn.client,
            sport: conn.client_port,
            daddr: self.address,
            svc_flags: self.flags,
        };
        let mut template_key = None;
        let decision = if self.persistent() {
            // `ip_vs_sched_persist`: a valid template of the client's address decides;
            // otherwise the scheduler, and a new template.
            let key = conn.client;
            let valid = self
                .templates
                .get(&key)
                .is_some_and(|t| self.template_valid(t));
            if !valid && let Some(old) = self.templates.remove(&key) {
                self.release_template(&old);
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
                        // `ip_vs_bind_dest` of a template: PersistConn, and the overload
                        // check (templates are not counted in it).
                        let d = &mut self.dests[dest.0];
                        d.persist_conns += 1;
                        d.update_overload_on_bind();
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
        if let Some(key) = template_key
            && let Some(t) = self.templates.get_mut(&key)
        {
            t.n_control += 1;
        }
        // `ip_vs_conn_new` → `ip_vs_bind_dest`: every connection starts inactive.
        let d = &mut self.dests[dest.0];
        d.inactive_conns += 1;
        d.update_overload_on_bind();
        let proto = match self.protocol {
            Protocol::Tcp => ProtoState::Tcp(TcpState::None),
            Protocol::Sctp => ProtoState::Sctp(SctpState::None),
            Protocol::Udp => ProtoState::Udp,
        };
        self.conns.insert(
            *conn,
            ConnEntry {
                dest,
                state: ConnState::Inactive,
                proto,
                expires: now.plus_secs(3),
                template: template_key,
            },
        );
        let segment = self.first_segment();
        self.segment(conn, segment, now);
        decision
    }

    /// The rest of the handshake after the client's first packet, all at `now`: TCP's
    /// SYN-ACK out and ACK in; SCTP's INIT ACK out, COOKIE ECHO in, COOKIE ACK out. UDP
    /// has none.
    pub fn handshake(&mut self, conn: &Connection, now: SimTime) {
        let segments: &[Segment] = match self.protocol {
            Protocol::Tcp => &[
                Segment::Tcp(Direction::Output, TcpFlag::Syn),
                Segment::Tcp(Direction::Input, TcpFlag::Ack),
            ],
            Protocol::Sctp => &[
                Segment::Sctp(Direction::Output, SctpEvent::InitAck),
                Segment::Sctp(Direction::Input, SctpEvent::CookieEcho),
                Segment::Sctp(Direction::Output, SctpEvent::CookieAck),
            ],
            Protocol::Udp => &[],
        };
        for &segment in segments {
            self.segment(conn, segment, now);
        }
    }

    /// [`IpvsService::connect`], returning only the destination: the simulator's entry
    /// point.
    pub fn schedule(&mut self, conn: &Connection, now: SimTime) -> Option<RealServerIndex> {
        self.connect(conn, now).dest()
    }

    /// One packet of an existing connection at `now`: the protocol's state transition
    /// (`set_tcp_state` / `set_sctp_state` / `udp_state_transition`) with the counters
    /// it moves, then `ip_vs_conn_put` restarts the timer with the new state's timeout.
    pub fn segment(&mut self, conn: &Connection, segment: Segment, now: SimTime) {
        let Some(entry) = self.conns.get_mut(conn) else {
            return;
        };
        let next = entry.proto.next(segment);
        if next != entry.proto {
            let d = &mut self.dests[entry.dest.0];
            match (entry.state, next.active()) {
                (ConnState::Active, false) => {
                    d.active_conns = d.active_conns.saturating_sub(1);
                    d.inactive_conns += 1;
                    entry.state = ConnState::Inactive;
                }
                (ConnState::Inactive, true) => {
                    d.inactive_conns = d.inactive_conns.saturating_sub(1);
                    d.active_conns += 1;
                    entry.state = ConnState::Active;
                }
                _ => {}
            }
            entry.proto = next;
        }
        entry.expires = now.plus_secs(entry.proto.timeout(&self.timeouts));
    }

    /// A data packet from the client of an existing connection at `now` (restarts its
    /// timer). A connection whose destination was deleted is expired at once and the
    /// packet dropped (`expire_nodest_conn=1`). Returns whether the connection still
    /// exists.
    pub fn touch(&mut self, conn: &Connection, now: SimTime) -> bool {
        self.expire(now);
        let Some(entry) = self.conns.get(conn) else {
            return false;
        };
        if !self.dests[entry.dest.0].available {
            self.drop_conn(conn);
            return false;
        }
        let segment = match self.protocol {
            Protocol::Tcp => Segment::Tcp(Direction::Input, TcpFlag::Ack),
            Protocol::Sctp => Segment::Sctp(Direction::Input, SctpEvent::Data),
            Protocol::Udp => Segment::Udp,
        };
        self.segment(conn, segment, now);
        true
    }

    /// The client ends the connection at `now`: TCP's FIN in, FIN out, ACK in (TIME_WAIT,
    /// 120 s); SCTP's SHUTDOWN in, SHUTDOWN ACK out, SHUTDOWN COMPLETE in (CLOSED,
    /// 61 s). UDP has no end and simply waits for its timeout.
    pub fn close(&mut self, conn: &Connection, now: SimTime) {
        self.expire(now);
        let segments: &[Segment] = match self.protocol {
            Protocol::Tcp => &[
                Segment::Tcp(Direction::Input, TcpFlag::Fin),
                Segment::Tcp(Direction::Output, TcpFlag::Fin),
                Segment::Tcp(Direction::Input, TcpFlag::Ack),
            ],
            Protocol::Sctp => &[
                Segment::Sctp(Direction::Input, SctpEvent::Shutdown),
                Segment::Sctp(Direction::Output, SctpEvent::ShutdownAck),
                Segment::Sctp(Direction::Input, SctpEvent::ShutdownComplete),
            ],
            Protocol::Udp => &[],
        };
        if self.conns.get(conn).is_none_or(|e| e.proto.finished()) {
            return;
        }
        for &segment in segments {
            self.segment(conn, segment, now);
        }
    }

    /// `ip_vs_conn_expire` → `ip_vs_unbind_dest` of a connection.
    fn drop_conn(&mut self, conn: &Connection) {
        let Some(entry) = self.conns.remove(conn) else {
            return;
        };
        let d = &mut self.dests[entry.dest.0];
        match entry.state {
            ConnState::Active => d.active_conns = d.active_conns.saturating_sub(1),
            ConnState::Inactive => d.inactive_conns = d.inactive_conns.saturating_sub(1),
        }
        d.update_overload_on_unbind();
        if let Some(key) = entry.template
            && let Some(t) = self.templates.get_mut(&key)
        {
            t.n_control = t.n_control.saturating_sub(1);
        }
    }

    /// `ip_vs_unbind_dest` of a template.
    fn release_template(&mut self, template: &Template) {
        let d = &mut self.dests[template.dest.0];
        d.persist_conns = d.persist_conns.saturating_sub(1);
        d.update_overload_on_unbind();
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

    /// `set_sctp_state`: an INIT alone leaves the association inactive in INIT1 (4 s);
    /// the COOKIE ACK makes it active (ESTABLISHED, 900 s); a finished association is
    /// inactive in CLOSED for `IP_VS_SCTP_MAX_RTO` = 61 s. TCP's SYN alone is already
    /// active (SYN_RECV, 60 s).
    #[test]
    fn sctp_counts_as_active_only_when_established() {
        let mut svc = service(Protocol::Sctp, 0);
        let c = conn(1, 1000);
        let d = svc.open(&c, SimTime(0)).dest().unwrap();
        assert_eq!(
            (svc.dest(d).active_conns, svc.dest(d).inactive_conns),
            (0, 1)
        );
        assert_eq!(svc.conns[&c].proto, ProtoState::Sctp(SctpState::Init1));
        // Unanswered, it is gone after 4 s.
        svc.expire(SimTime::from_secs(4));
        assert!(svc.conns.is_empty());
        let d = svc.connect(&c, SimTime::from_secs(5)).dest().unwrap();
        assert_eq!(
            (svc.dest(d).active_conns, svc.dest(d).inactive_conns),
            (1, 0)
        );
        svc.close(&c, SimTime::from_secs(10));
        assert_eq!(svc.conns[&c].proto, ProtoState::Sctp(SctpState::Closed));
        assert_eq!(
            (svc.dest(d).active_conns, svc.dest(d).inactive_conns),
            (0, 1)
        );
        svc.expire(SimTime::from_secs(10 + 60));
        assert_eq!(svc.conns.len(), 1);
        svc.expire(SimTime::from_secs(10 + 61));
        assert!(svc.conns.is_empty());
        assert_eq!(counters(&svc), [(0, 0); 3]);

        let mut svc = service(Protocol::Tcp, 0);
        let d = svc.open(&c, SimTime(0)).dest().unwrap();
        assert_eq!(
            (svc.dest(d).active_conns, svc.dest(d).inactive_conns),
            (1, 0)
        );
        svc.expire(SimTime::from_secs(60));
        assert!(svc.conns.is_empty());
    }

    /// `is_new_conn_expected`: an INIT on the tuple of a CLOSED association is a new
    /// association, scheduled afresh; on an ESTABLISHED one it joins it.
    #[test]
    fn a_new_sctp_init_takes_over_a_closed_association() {
        let mut svc = service(Protocol::Sctp, 0);
        let c = conn(1, 1000);
        let first = svc.schedule(&c, SimTime(0)).unwrap();
        assert_eq!(svc.connect(&c, SimTime(1)), Decision::Existing(first));
        svc.close(&c, SimTime(2));
        assert!(matches!(svc.connect(&c, SimTime(3)), Decision::Scheduled(d) if d != first));
    }

    /// `ip_vs_in_hook` with `expire_nodest_conn=1`: a SYN on the tuple of a connection
    /// whose real server was quiesced is rescheduled; one whose real server was deleted
    /// is dropped and its connection expired.
    #[test]
    fn reused_tuples_of_quiesced_and_deleted_servers() {
        let mut svc = service(Protocol::Tcp, 0);
        let c = conn(1, 1000);
        let first = svc.schedule(&c, SimTime(0)).unwrap();
        svc.set_weight(first, 0);
        assert!(matches!(svc.connect(&c, SimTime(1)), Decision::Scheduled(d) if d != first));
        let second = svc.dest_of(&c).unwrap();
        svc.remove_real_server(second);
        assert_eq!(svc.connect(&c, SimTime(2)), Decision::Dropped);
        assert!(svc.conns.is_empty());
        assert!(matches!(
            svc.connect(&c, SimTime(3)),
            Decision::Scheduled(_)
        ));
    }
}
