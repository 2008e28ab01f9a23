//! IPVS's per-protocol connection states: the transition tables of
//! `ip_vs_proto_tcp.c` (`tcp_states`, `tcp_state_active_table`, `tcp_timeouts`),
//! `ip_vs_proto_sctp.c` (`sctp_states`, `sctp_timeouts`) and `ip_vs_proto_udp.c`, as
//! read in a mainline 6.17 tree (the `Kingxukai/linux` mirror at 0291023e; the tables
//! have not changed since Linux 5.x).
//!
//! They decide the two things a scheduler sees of a connection: whether it counts in a
//! destination's ActiveConn or InActConn, and how long it stays in the connection table.
//! Every connection is created inactive (`__ip_vs_update_dest` gives every destination
//! `IP_VS_CONN_F_INACTIVE` in its `conn_flags`, which `ip_vs_bind_dest` copies); each
//! packet then moves it through its protocol's table:
//!
//! - TCP (`set_tcp_state`): active in SYN_RECV, SYN_SENT, ESTABLISHED and SYNACK, so the
//!   client's SYN already makes it active; a closed connection waits in TIME_WAIT (120 s).
//! - SCTP (`set_sctp_state`): active only in ESTABLISHED, which the server's COOKIE ACK
//!   reaches; an INIT alone leaves it inactive in INIT1 (4 s). A finished association
//!   ends in CLOSED, whose timeout is `IP_VS_SCTP_MAX_RTO` = (60 + 1) s.
//! - UDP (`udp_state_transition`): one state, NORMAL, never active, 300 s after the
//!   last packet.
//!
//! `ipvsadm --set TCP TCPFIN UDP` (kube-proxy's `ipvs.tcpTimeout`, `tcpFinTimeout`,
//! `udpTimeout`) changes the ESTABLISHED and FIN_WAIT entries of TCP's table and UDP's
//! NORMAL entry; nothing changes SCTP's.

use super::kernel::Timeouts;

/// The direction of a packet (`IP_VS_DIR_*`): from the client, from the real server, or
/// from the client on a connection that never sees the replies (any forwarding method
/// but NAT sets `IP_VS_CONN_F_NOOUTPUT`; kube-proxy always uses NAT).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    Input,
    Output,
    InputOnly,
}

impl Direction {
    fn index(self) -> usize {
        match self {
            Direction::Input => 0,
            Direction::Output => 1,
            Direction::InputOnly => 2,
        }
    }
}

/// `IP_VS_TCP_S_*`, in the kernel's order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TcpState {
    None,
    Established,
    SynSent,
    SynRecv,
    FinWait,
    TimeWait,
    Close,
    CloseWait,
    LastAck,
    Listen,
    SynAck,
}

/// Which row of the table a TCP segment selects (`tcp_state_idx`: RST first, then SYN,
/// FIN, ACK).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TcpFlag {
    Syn,
    Fin,
    Ack,
    Rst,
}

impl TcpState {
    /// `tcp_state_active_table`.
    pub fn active(self) -> bool {
        matches!(
            self,
            TcpState::Established | TcpState::SynSent | TcpState::SynRecv | TcpState::SynAck
        )
    }

    /// `tcp_timeouts`, with `ipvsadm --set`'s ESTABLISHED and FIN_WAIT, in seconds.
    pub fn timeout(self, timeouts: &Timeouts) -> u64 {
        match self {
            TcpState::None => 2,
            TcpState::Established => timeouts.tcp,
            TcpState::SynSent => 120,
            TcpState::SynRecv => 60,
            TcpState::FinWait => timeouts.tcp_fin,
            TcpState::TimeWait => 120,
            TcpState::Close => 10,
            TcpState::CloseWait => 60,
            TcpState::LastAck => 30,
            TcpState::Listen => 120,
            TcpState::SynAck => 120,
        }
    }

    /// `tcp_states` (the table without `secure_tcp`): the state after a segment.
    pub fn next(self, direction: Direction, flag: TcpFlag) -> TcpState {
        use TcpState::{
            Close as CL, CloseWait as CW, Established as ES, FinWait as FW, LastAck as LA,
            Listen as LI, SynRecv as SR, SynSent as SS, TimeWait as TW,
        };
        // Columns: sNO, sES, sSS, sSR, sFW, sTW, sCL, sCW, sLA, sLI, sSA (SYNACK is only
        // reached through the `secure_tcp` table, which kube-proxy does not enable).
        const TABLE: [[[TcpState; 11]; 4]; 3] = [
            // INPUT
            [
                [SR, ES, ES, SR, SR, SR, SR, SR, SR, SR, SR], // syn
                [CL, CW, SS, TW, TW, TW, CL, CW, LA, LI, TW], // fin
                [ES, ES, SS, ES, FW, TW, CL, CW, CL, LI, ES], // ack
                [CL, CL, CL, SR, CL, CL, CL, CL, LA, LI, SR], // rst
            ],
            // OUTPUT
            [
                [SS, ES, SS, SR, SS, SS, SS, SS, SS, LI, SR], // syn
                [TW, FW, SS, TW, FW, TW, CL, TW, LA, LI, TW], // fin
                [ES, ES, SS, ES, FW, TW, CL, CW, LA, ES, ES], // ack
                [CL, CL, SS, CL, CL, TW, CL, CL, CL, CL, CL], // rst
            ],
            // INPUT-ONLY
            [
                [SR, ES, ES, SR, SR, SR, SR, SR, SR, SR, SR], // syn
                [CL, FW, SS, TW, FW, TW, CL, CW, LA, LI, TW], // fin
                [ES, ES, SS, ES, FW, TW, CL, CW, CL, LI, ES], // ack
                [CL, CL, CL, SR, CL, CL, CL, CL, LA, LI, CL], // rst
            ],
        ];
        let row = match flag {
            TcpFlag::Syn => 0,
            TcpFlag::Fin => 1,
            TcpFlag::Ack => 2,
            TcpFlag::Rst => 3,
        };
        TABLE[direction.index()][row][self as usize]
    }
}

/// `IP_VS_SCTP_S_*`, in the kernel's order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SctpState {
    None,
    Init1,
    Init,
    CookieSent,
    CookieReplied,
    CookieWait,
    Cookie,
    CookieEchoed,
    Established,
    ShutdownSent,
    ShutdownReceived,
    ShutdownAckSent,
    Rejected,
    Closed,
}

/// `enum ipvs_sctp_event_t`: the chunk a packet starts with (`sctp_events`; DATA, SACK,
/// HEARTBEAT and the ECN chunks are all `Data`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SctpEvent {
    Data,
    Init,
    InitAck,
    CookieEcho,
    CookieAck,
    Shutdown,
    ShutdownAck,
    ShutdownComplete,
    Error,
    Abort,
}

/// `IP_VS_SCTP_MAX_RTO` = (60 + 1) s.
pub const SCTP_MAX_RTO_SECS: u64 = 61;

impl SctpState {
    /// `set_sctp_state`: only ESTABLISHED counts as active.
    pub fn active(self) -> bool {
        self == SctpState::Established
    }

    /// `sctp_timeouts`, in seconds (`ipvsadm --set` does not change them).
    pub fn timeout(self) -> u64 {
        match self {
            SctpState::None => 2,
            SctpState::Init1 | SctpState::Rejected => 3 + 1,
            SctpState::Established => 15 * 60,
            _ => SCTP_MAX_RTO_SECS,
        }
    }

    /// `sctp_states`: the state after a packet.
    pub fn next(self, direction: Direction, event: SctpEvent) -> SctpState {
        use SctpState::{
            Closed as CL, Cookie as CO, CookieEchoed as CE, CookieReplied as CR, CookieSent as CS,
            CookieWait as CW, Established as ES, Init as IN, Init1 as I1, Rejected as RJ,
            ShutdownAckSent as SA, ShutdownReceived as SR, ShutdownSent as SS,
        };
        // Columns: sNO, sI1, sIN, sCS, sCR, sCW, sCO, sCE, sES, sSS, sSR, sSA, sRJ, sCL.
        const TABLE: [[[SctpState; 14]; 10]; 3] = [
            // INPUT
            [
                [ES, I1, IN, CS, CR, CW, CO, CE, ES, SS, SR, SA, RJ, CL], // d
                [I1, IN, IN, CS, CR, CW, CO, CE, ES, SS, SR, SA, IN, IN], // i
                [CW, CW, CW, CS, CR, CO, CO, CE, ES, SS, SR, SA, RJ, CL], // i_a
                [CR, IN, IN, CR, CR, CW, CO, CE, ES, SS, SR, SA, RJ, CL], // c_e
                [ES, I1, IN, CS, CR, CW, CO, ES, ES, SS, SR, SA, RJ, CL], // c_a
                [SR, I1, IN, CS, CR, CW, CO, CE, SR, SS, SR, SA, RJ, CL], // s
                [CL, IN, IN, CS, CR, CW, CO, CE, ES, CL, SR, CL, RJ, CL], // s_a
                [CL, CL, CL, CS, CR, CW, CO, CE, ES, SS, SR, CL, RJ, CL], // s_c
                [CL, I1, IN, CS, CR, CW, CO, CL, ES, SS, SR, SA, RJ, CL], // err
                [CL, CL, CL, CL, CL, RJ, CL, CL, CL, CL, CL, CL, CL, CL], // ab
            ],
            // OUTPUT
            [
                [ES, I1, IN, CS, CR, CW, CO, CE, ES, SS, SR, SA, RJ, CL], // d
                [CW, CW, CW, CW, CW, CW, CW, CW, ES, CW, CW, CW, CW, CW], // i
                [CS, CS, CS, CS, CR, CW, CO, CE, ES, SS, SR, SA, RJ, CL], // i_a
                [CE, CE, CE, CE, CE, CE, CE, CE, ES, SS, SR, SA, RJ, CL], // c_e
                [ES, ES, ES, ES, ES, ES, ES, ES, ES, SS, SR, SA, RJ, CL], // c_a
                [SS, SS, SS, SS, SS, SS, SS, SS, SS, SS, SR, SA, RJ, CL], // s
                [SA, SA, SA, SA, SA, CW, CO, CE, ES, SA, SA, SA, RJ, CL], // s_a
                [CL, I1, IN, CS, CR, CW, CO, CE, ES, SS, SR, SA, RJ, CL], // s_c
                [CL, CL, CL, CL, CL, CW, CO, CE, ES, SS, SR, SA, RJ, CL], // err
                [CL, RJ, CL, CL, CL, CL, CL, CL, CL, CL, CL, CL, CL, CL], // ab
            ],
            // INPUT-ONLY
            [
                [ES, I1, IN, CS, CR, ES, CO, CE, ES, SS, SR, SA, RJ, CL], // d
                [I1, IN, IN, IN, IN, IN, CO, CE, ES, SS, SR, SA, IN, IN], // i
                [CE, CE, CE, CE, CE, CE, CO, CE, ES, SS, SR, SA, RJ, CL], // i_a
                [ES, ES, ES, ES, ES, ES, CO, CE, ES, SS, SR, SA, RJ, CL], // c_e
                [ES, I1, IN, ES, ES, CW, ES, ES, ES, SS, SR, SA, RJ, CL], // c_a
                [SR, I1, IN, CS, CR, CW, CO, CE, SR, SS, SR, SA, RJ, CL], // s
                [CL, IN, IN, CS, CR, CW, CO, CE, CL, CL, SR, CL, RJ, CL], // s_a
                [CL, CL, CL, CL, CL, CW, CO, CE, ES, SS, CL, CL, RJ, CL], // s_c
                [CL, I1, IN, CS, CR, CW, CO, CE, ES, SS, SR, SA, RJ, CL], // err
                [CL, CL, CL, CL, CL, RJ, CL, CL, CL, CL, CL, CL, CL, CL], // ab
            ],
        ];
        TABLE[direction.index()][event as usize][self as usize]
    }
}

/// A connection's protocol state (`cp->state`, read per protocol).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProtoState {
    Tcp(TcpState),
    Sctp(SctpState),
    /// UDP's single state, `IP_VS_UDP_S_NORMAL`.
    Udp,
}

/// One packet as the state tables read it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Segment {
    Tcp(Direction, TcpFlag),
    Sctp(Direction, SctpEvent),
    Udp,
}

impl ProtoState {
    /// The state after `segment` (a segment of another protocol changes nothing).
    pub fn next(self, segment: Segment) -> ProtoState {
        match (self, segment) {
            (ProtoState::Tcp(s), Segment::Tcp(d, f)) => ProtoState::Tcp(s.next(d, f)),
            (ProtoState::Sctp(s), Segment::Sctp(d, e)) => ProtoState::Sctp(s.next(d, e)),
            (state, _) => state,
        }
    }

    /// Whether the state counts in ActiveConn.
    pub fn active(self) -> bool {
        match self {
            ProtoState::Tcp(s) => s.active(),
            ProtoState::Sctp(s) => s.active(),
            ProtoState::Udp => false,
        }
    }

    /// How long a connection in this state lives after its last packet, in seconds.
    pub fn timeout(self, timeouts: &Timeouts) -> u64 {
        match self {
            ProtoState::Tcp(s) => s.timeout(timeouts),
            ProtoState::Sctp(s) => s.timeout(),
            ProtoState::Udp => timeouts.udp,
        }
    }

    /// `is_new_conn_expected` (`ip_vs_core.c`): a finished connection whose tuple a new
    /// SYN or INIT may take over (TCP in TIME_WAIT or CLOSE, SCTP in CLOSED).
    pub fn finished(self) -> bool {
        matches!(
            self,
            ProtoState::Tcp(TcpState::TimeWait | TcpState::Close)
                | ProtoState::Sctp(SctpState::Closed)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The packets of a TCP connection through a NAT director, client closing first.
    #[test]
    fn tcp_handshake_and_close() {
        let t = Timeouts::default();
        let mut s = TcpState::None;
        let mut seen = Vec::new();
        for (d, f) in [
            (Direction::Input, TcpFlag::Syn),
            (Direction::Output, TcpFlag::Syn),
            (Direction::Input, TcpFlag::Ack),
            (Direction::Input, TcpFlag::Fin),
            (Direction::Output, TcpFlag::Fin),
            (Direction::Input, TcpFlag::Ack),
        ] {
            s = s.next(d, f);
            seen.push((s, s.active(), s.timeout(&t)));
        }
        assert_eq!(
            seen,
            [
                (TcpState::SynRecv, true, 60),
                (TcpState::SynRecv, true, 60),
                (TcpState::Established, true, 900),
                (TcpState::CloseWait, false, 60),
                (TcpState::TimeWait, false, 120),
                (TcpState::TimeWait, false, 120),
            ]
        );
    }

    /// `set_sctp_state` over an association: active only once the COOKIE ACK arrives, and
    /// CLOSED (61 s) whichever side shuts down.
    #[test]
    fn sctp_association_and_shutdown() {
        let mut s = SctpState::None;
        let mut seen = Vec::new();
        for (d, e) in [
            (Direction::Input, SctpEvent::Init),
            (Direction::Output, SctpEvent::InitAck),
            (Direction::Input, SctpEvent::CookieEcho),
            (Direction::Output, SctpEvent::CookieAck),
            (Direction::Input, SctpEvent::Data),
            (Direction::Input, SctpEvent::Shutdown),
            (Direction::Output, SctpEvent::ShutdownAck),
            (Direction::Input, SctpEvent::ShutdownComplete),
        ] {
            s = s.next(d, e);
            seen.push((s, s.active(), s.timeout()));
        }
        assert_eq!(
            seen,
            [
                (SctpState::Init1, false, 4),
                (SctpState::CookieSent, false, 61),
                (SctpState::CookieReplied, false, 61),
                (SctpState::Established, true, 900),
                (SctpState::Established, true, 900),
                (SctpState::ShutdownReceived, false, 61),
                (SctpState::ShutdownAckSent, false, 61),
                (SctpState::Closed, false, 61),
            ]
        );
        // The server shutting down first: SHUTDOWN out, SHUTDOWN ACK in, COMPLETE out.
        let s = SctpState::Established
            .next(Direction::Output, SctpEvent::Shutdown)
            .next(Direction::Input, SctpEvent::ShutdownAck);
        assert_eq!(s, SctpState::Closed);
        assert_eq!(
            s.next(Direction::Output, SctpEvent::ShutdownComplete),
            SctpState::Closed
        );
        // An INIT answered by an ABORT: REJECTED, 4 s.
        let s = SctpState::None
            .next(Direction::Input, SctpEvent::Init)
            .next(Direction::Output, SctpEvent::Abort);
        assert_eq!((s, s.timeout()), (SctpState::Rejected, 4));
    }
}
