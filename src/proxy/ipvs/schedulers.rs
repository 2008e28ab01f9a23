//! The kernel's IPVS schedulers (Linux 6.1, `net/netfilter/ipvs/ip_vs_*.c`) as deterministic
//! state machines.
//!
//! Each [`Scheduler`] keeps exactly the state its kernel module keeps — rr's pointer into the
//! destination list, wrr's current weight, sh's and dh's 256-bucket tables, mh's 4093-slot
//! Maglev table, lblc's per-destination-address cache — and is told about every change of
//! the destination list through the same hooks the kernel calls (`add_dest`, `del_dest`,
//! `upd_dest`). Given the same list and the same sequence of connections, it picks the
//! real servers the kernel picks. The list itself (the order the kernel walks, newest
//! first), the connection counters and persistence live in [`super::kernel`]; the
//! schedulers only read them through a [`DestList`].
//!
//! Hashes are the kernel's: `hash_32` (multiplicative, golden ratio) for sh and dh, and
//! `hsiphash` (SipHash-1-3 on 64-bit kernels) with mh's fixed keys.

pub use crate::proxy::config::SchedulerName;
use crate::time::SimTime;
use std::net::IpAddr;

/// A real server's stable index in its service (it never changes while the real server
/// exists, whatever is added or removed around it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RealServerIndex(pub usize);

/// The virtual-server flag bits the schedulers read (`IP_VS_SVC_F_*`).
pub mod flags {
    /// `IP_VS_SVC_F_PERSISTENT`.
    pub const PERSISTENT: u32 = 0x0001;
    /// `IP_VS_SVC_F_HASHED` (kernel-internal, never printed).
    pub const HASHED: u32 = 0x0002;
    /// `IP_VS_SVC_F_ONEPACKET`.
    pub const ONEPACKET: u32 = 0x0004;
    /// `IP_VS_SVC_F_SCHED1`: `sh-fallback` / `mh-fallback`.
    pub const SCHED1: u32 = 0x0008;
    /// `IP_VS_SVC_F_SCHED2`: `sh-port` / `mh-port` (kube-proxy's `FlagSourceHash`).
    pub const SCHED2: u32 = 0x0010;
    /// `IP_VS_SVC_F_SCHED3`.
    pub const SCHED3: u32 = 0x0020;
}

impl SchedulerName {
    /// Whether svcplay simulates this scheduler (lblcr keeps server sets and twos draws
    /// random numbers; neither is modelled yet).
    pub fn is_simulated(self) -> bool {
        !matches!(self, SchedulerName::Lblcr | SchedulerName::Twos)
    }
}

/// What the kernel knows about one destination (`struct ip_vs_dest`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dest {
    pub addr: IpAddr,
    pub port: u16,
    pub weight: i32,
    /// The latest weight set other than 0 (mh keeps a quiesced server's slots).
    pub last_weight: i32,
    pub active_conns: u32,
    pub inactive_conns: u32,
    /// Persistence templates pointing at this destination.
    pub persist_conns: u32,
    /// `IP_VS_DEST_F_AVAILABLE`: false once the destination was deleted (it then lingers
    /// in the kernel's trash while connections still use it).
    pub available: bool,
    /// `IP_VS_DEST_F_OVERLOAD`: only set with an upper connection threshold, which
    /// kube-proxy never configures.
    pub overloaded: bool,
}

impl Dest {
    pub fn new(addr: IpAddr, port: u16, weight: i32) -> Dest {
        Dest {
            addr,
            port,
            weight,
            last_weight: weight,
            active_conns: 0,
            inactive_conns: 0,
            persist_conns: 0,
            available: true,
            overloaded: false,
        }
    }

    /// `ip_vs_dest_conn_overhead`: active connections weigh 256 inactive ones.
    pub fn conn_overhead(&self) -> i64 {
        (i64::from(self.active_conns) << 8) + i64::from(self.inactive_conns)
    }
}

/// A service's destination list as the schedulers see it: the kernel's walk order (the
/// newest destination first) over the stored destinations.
#[derive(Clone, Copy, Debug)]
pub struct DestList<'a> {
    pub order: &'a [RealServerIndex],
    pub dests: &'a [Dest],
}

impl<'a> DestList<'a> {
    pub fn dest(&self, index: RealServerIndex) -> &'a Dest {
        &self.dests[index.0]
    }

    /// The destinations in walk order.
    pub fn iter(&self) -> impl Iterator<Item = (RealServerIndex, &'a Dest)> + '_ {
        self.order.iter().map(|&i| (i, &self.dests[i.0]))
    }

    fn position(&self, index: RealServerIndex) -> Option<usize> {
        self.order.iter().position(|&i| i == index)
    }
}

/// The packet that opens a connection, as the schedulers read it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SchedPacket {
    pub saddr: IpAddr,
    pub sport: u16,
    pub daddr: IpAddr,
    /// The virtual server's flags ([`flags`]).
    pub svc_flags: u32,
}

/// `hash_32`: the kernel's multiplicative hash (`GOLDEN_RATIO_32`), top `bits` bits.
pub fn hash_32(value: u32, bits: u32) -> u32 {
    value.wrapping_mul(0x61C8_8647) >> (32 - bits)
}

/// The 32-bit fold of an address the hashing schedulers use: the IPv4 address in host
/// order, or the XOR of an IPv6 address's four words.
pub fn addr_fold(addr: &IpAddr) -> u32 {
    match addr {
        IpAddr::V4(a) => u32::from(*a),
        IpAddr::V6(a) => {
            let o = a.octets();
            (0..4)
                .map(|i| u32::from_be_bytes([o[4 * i], o[4 * i + 1], o[4 * i + 2], o[4 * i + 3]]))
                .fold(0, |acc, w| acc ^ w)
        }
    }
}

fn sip_round(v: &mut [u64; 4]) {
    v[0] = v[0].wrapping_add(v[1]);
    v[1] = v[1].rotate_left(13);
    v[1] ^= v[0];
    v[0] = v[0].rotate_left(32);
    v[2] = v[2].wrapping_add(v[3]);
    v[3] = v[3].rotate_left(16);
    v[3] ^= v[2];
    v[0] = v[0].wrapping_add(v[3]);
    v[3] = v[3].rotate_left(21);
    v[3] ^= v[0];
    v[2] = v[2].wrapping_add(v[1]);
    v[1] = v[1].rotate_left(17);
    v[1] ^= v[2];
    v[2] = v[2].rotate_left(32);
}

/// The kernel's `hsiphash` on 64-bit machines: SipHash-1-3 with a 128-bit key (two u64
/// words), folded to 32 bits.
pub fn hsiphash(data: &[u8], key: [u64; 2]) -> u32 {
    let mut v = [
        0x736f_6d65_7073_6575 ^ key[0],
        0x646f_7261_6e64_6f6d ^ key[1],
        0x6c79_6765_6e65_7261 ^ key[0],
        0x7465_6462_7974_6573 ^ key[1],
    ];
    let mut b: u64 = (data.len() as u64) << 56;
    let mut chunks = data.chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let m = u64::from_le_bytes(word);
        v[3] ^= m;
        sip_round(&mut v);
        v[0] ^= m;
    }
    for (i, byte) in chunks.remainder().iter().enumerate() {
        b |= u64::from(*byte) << (8 * i);
    }
    v[3] ^= b;
    sip_round(&mut v);
    v[0] ^= b;
    v[2] ^= 0xff;
    sip_round(&mut v);
    sip_round(&mut v);
    sip_round(&mut v);
    ((v[0] ^ v[1]) ^ (v[2] ^ v[3])) as u32
}

/// Greatest common divisor (the kernel's `gcd`).
fn gcd(mut a: i32, mut b: i32) -> i32 {
    while b != 0 {
        let t = a % b;
        a = b;
        b = t;
    }
    a
}

/// wrr's `struct ip_vs_wrr_mark`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WrrMark {
    /// The current destination (`None`: the list head).
    pub cl: Option<RealServerIndex>,
    /// The current weight.
    pub cw: i32,
    /// The maximum weight, minus (gcd − 1).
    pub mw: i32,
    /// The decreasing interval: the gcd of the positive weights.
    pub di: i32,
}

impl WrrMark {
    fn gcd_weight(list: &DestList) -> i32 {
        let g = list
            .iter()
            .map(|(_, d)| d.weight)
            .filter(|w| *w > 0)
            .fold(0, |g, w| if g > 0 { gcd(w, g) } else { w });
        if g > 0 { g } else { 1 }
    }

    fn max_weight(list: &DestList) -> i32 {
        list.iter().map(|(_, d)| d.weight).fold(0, i32::max)
    }

    /// `ip_vs_wrr_init_svc`.
    fn new(list: &DestList) -> WrrMark {
        let di = WrrMark::gcd_weight(list);
        let mw = WrrMark::max_weight(list) - (di - 1);
        WrrMark {
            cl: None,
            cw: mw,
            mw,
            di,
        }
    }

    /// `ip_vs_wrr_dest_changed`: called on every add, delete and weight change.
    fn dest_changed(&mut self, list: &DestList) {
        self.cl = None;
        self.di = WrrMark::gcd_weight(list);
        self.mw = WrrMark::max_weight(list) - (self.di - 1);
        if self.cw > self.mw || self.cw == 0 {
            self.cw = self.mw;
        } else if self.di > 1 {
            self.cw = (self.cw / self.di) * self.di + 1;
        }
    }

    /// `ip_vs_wrr_schedule`.
    fn schedule(&mut self, list: &DestList) -> Option<RealServerIndex> {
        if self.mw == 0 {
            return None;
        }
        let last = self.cl;
        let mut start = self.cl.and_then(|c| list.position(c)).map_or(0, |p| p + 1);
        let mut stop: Option<RealServerIndex> = None;
        let mut last_pass = false;
        let mut restarted = false;
        loop {
            for &index in &list.order[start.min(list.order.len())..] {
                let d = list.dest(index);
                if !d.overloaded && d.weight >= self.cw {
                    self.cl = Some(index);
                    return Some(index);
                }
                if Some(index) == stop {
                    return None;
                }
            }
            self.cw -= self.di;
            if self.cw <= 0 {
                self.cw = self.mw;
                if last_pass || last.is_none() {
                    return None;
                }
                restarted = true;
            }
            last_pass = self.cw <= self.di;
            if last_pass && restarted && last.is_some() {
                stop = last;
            }
            start = 0;
        }
    }
}

/// The number of buckets of sh's and dh's tables (`CONFIG_IP_VS_{SH,DH}_TAB_BITS` = 8).
pub const HASH_TAB_BITS: u32 = 8;
pub const HASH_TAB_SIZE: usize = 1 << HASH_TAB_BITS;

/// sh's and dh's bucket table: 256 destinations (or none while the list is empty).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BucketTable {
    pub buckets: Vec<Option<RealServerIndex>>,
}

impl BucketTable {
    /// `ip_vs_sh_reassign` (with weights) and `ip_vs_dh_reassign` (one bucket each):
    /// the destinations fill the buckets cyclically in list order.
    fn assign(list: &DestList, weighted: bool) -> BucketTable {
        let mut buckets = vec![None; HASH_TAB_SIZE];
        if list.order.is_empty() {
            return BucketTable { buckets };
        }
        let mut p = 0;
        let mut count = 0;
        for bucket in buckets.iter_mut() {
            let index = list.order[p];
            *bucket = Some(index);
            if weighted {
                // A weight-0 destination still takes one bucket per cycle.
                count += 1;
                if count >= list.dest(index).weight {
                    p = (p + 1) % list.order.len();
                    count = 0;
                }
            } else {
                p = (p + 1) % list.order.len();
            }
        }
        BucketTable { buckets }
    }
}

/// `ip_vs_sh_hashkey` / the dh key: bucket of `hash_32(port + fold(addr), 8)` shifted by
/// `offset`.
pub fn sh_hashkey(addr: &IpAddr, port: u16, offset: u32) -> usize {
    (offset.wrapping_add(hash_32(
        u32::from(port).wrapping_add(addr_fold(addr)),
        HASH_TAB_BITS,
    )) as usize)
        & (HASH_TAB_SIZE - 1)
}

/// mh's table size: `primes[CONFIG_IP_VS_MH_TAB_INDEX - 8]` with the default index 12.
pub const MH_TAB_SIZE: usize = 4093;
/// `IP_VS_MH_TAB_BITS` = `CONFIG_IP_VS_MH_TAB_INDEX / 2`.
const MH_TAB_BITS: i32 = 6;
/// mh's fixed hash keys (`generate_hash_secret`): no randomness in the kernel either.
pub const MH_HASH1: [u64; 2] = [2_654_435_761, 2_654_435_761];
pub const MH_HASH2: [u64; 2] = [2_654_446_892, 2_654_446_892];

/// `ip_vs_mh_hashkey`: hsiphash of `offset + port + fold(addr)` as a host-order u32.
pub fn mh_hashkey(addr: &IpAddr, port: u16, key: [u64; 2], offset: u32) -> u32 {
    let v = offset
        .wrapping_add(u32::from(port))
        .wrapping_add(addr_fold(addr));
    hsiphash(&v.to_le_bytes(), key)
}

/// One destination's Maglev permutation (`struct ip_vs_mh_dest_setup`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MhDestSetup {
    pub offset: usize,
    pub skip: usize,
    pub perm: usize,
    pub turns: i32,
}

/// mh's state: the lookup table and the weight scaling.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MhState {
    pub lookup: Vec<Option<RealServerIndex>>,
    pub gcd: i32,
    pub rshift: i32,
}

impl MhState {
    fn new(list: &DestList) -> MhState {
        let mut s = MhState {
            lookup: vec![None; MH_TAB_SIZE],
            gcd: 0,
            rshift: 0,
        };
        s.dest_changed(list);
        s
    }

    /// `ip_vs_mh_dest_changed`: recompute gcd and shift, then rebuild the table.
    fn dest_changed(&mut self, list: &DestList) {
        self.gcd = list
            .iter()
            .map(|(_, d)| d.last_weight)
            .filter(|w| *w > 0)
            .fold(0, |g, w| if g > 0 { gcd(w, g) } else { w });
        self.rshift = if self.gcd < 1 {
            0
        } else {
            let max = list.iter().map(|(_, d)| d.last_weight).fold(0, i32::max);
            let mw = max / self.gcd;
            let fls = 32 - mw.leading_zeros() as i32;
            (fls - MH_TAB_BITS).max(0)
        };
        self.populate(list);
    }

    /// The permutations of `ip_vs_mh_permutate`.
    pub fn permutations(&self, list: &DestList) -> Vec<MhDestSetup> {
        list.iter()
            .map(|(_, d)| {
                let offset = mh_hashkey(&d.addr, d.port, MH_HASH1, 0) as usize % MH_TAB_SIZE;
                let skip =
                    mh_hashkey(&d.addr, d.port, MH_HASH2, 0) as usize % (MH_TAB_SIZE - 1) + 1;
                let lw = d.last_weight;
                let scaled = if self.gcd > 0 {
                    (lw / self.gcd) >> self.rshift
                } else {
                    0
                };
                MhDestSetup {
                    offset,
                    skip,
                    perm: offset,
                    turns: if scaled != 0 {
                        scaled
                    } else {
                        i32::from(lw != 0)
                    },
                }
            })
            .collect()
    }

    /// `ip_vs_mh_populate`: rounds over the destinations in list order, each taking
    /// `turns` slots per round along its own permutation, until every slot is taken.
    fn populate(&mut self, list: &DestList) {
        if self.gcd < 1 {
            self.lookup = vec![None; MH_TAB_SIZE];
            return;
        }
        let mut setup = self.permutations(list);
        // With gcd ≥ 1 some destination has turns ≥ 1, so the rounds always progress.
        let mut taken = vec![false; MH_TAB_SIZE];
        let mut n = 0;
        let mut dt_count = 0;
        while n < MH_TAB_SIZE {
            let mut p = 0;
            while p < setup.len() {
                let ds = &mut setup[p];
                if ds.turns < 1 {
                    p += 1;
                    continue;
                }
                let mut c = ds.perm;
                while taken[c] {
                    ds.perm += ds.skip;
                    if ds.perm >= MH_TAB_SIZE {
                        ds.perm -= MH_TAB_SIZE;
                    }
                    c = ds.perm;
                }
                taken[c] = true;
                self.lookup[c] = Some(list.order[p]);
                n += 1;
                if n == MH_TAB_SIZE {
                    return;
                }
                dt_count += 1;
                if dt_count >= ds.turns {
                    dt_count = 0;
                    p += 1;
                }
            }
        }
    }

    fn available(list: &DestList, index: RealServerIndex) -> bool {
        let d = list.dest(index);
        d.weight > 0 && !d.overloaded
    }

    /// `ip_vs_mh_get` / `ip_vs_mh_get_fallback`.
    fn schedule(
        &self,
        list: &DestList,
        addr: &IpAddr,
        port: u16,
        fallback: bool,
    ) -> Option<RealServerIndex> {
        let ihash = mh_hashkey(addr, port, MH_HASH1, 0) as usize % MH_TAB_SIZE;
        let dest = self.lookup[ihash]?;
        if MhState::available(list, dest) {
            return Some(dest);
        }
        if !fallback {
            return None;
        }
        for offset in 0..MH_TAB_SIZE {
            let roffset = (offset + ihash) % MH_TAB_SIZE;
            let hash = mh_hashkey(addr, port, MH_HASH1, roffset as u32) as usize % MH_TAB_SIZE;
            let dest = self.lookup[hash]?;
            if MhState::available(list, dest) {
                return Some(dest);
            }
        }
        None
    }
}

/// How long an lblc cache entry may stay unused (`lblc_expiration`, 24 hours).
pub const LBLC_EXPIRATION_MS: u64 = 24 * 60 * 60 * 1000;
/// How often lblc's timer runs the full expiration check (30 ticks of 60 s).
pub const LBLC_FULL_CHECK_MS: u64 = 30 * 60 * 1000;

/// One entry of lblc's cache: the destination last chosen for a destination address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LblcEntry {
    pub addr: IpAddr,
    pub dest: RealServerIndex,
    pub lastuse: SimTime,
}

/// lblc's cache (`struct ip_vs_lblc_table`), keyed by the packet's destination address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LblcTable {
    pub entries: Vec<LblcEntry>,
    /// When the next full expiration check runs.
    pub next_full_check: SimTime,
}

impl LblcTable {
    /// lblc's `is_overloaded`: more active connections than the weight while some
    /// destination is below half of its weight.
    fn is_overloaded(list: &DestList, dest: &Dest) -> bool {
        i64::from(dest.active_conns) > i64::from(dest.weight)
            && list
                .iter()
                .any(|(_, d)| i64::from(d.active_conns) * 2 < i64::from(d.weight))
    }

    /// The full expiration check of `ip_vs_lblc_check_expire`, run every 30 minutes
    /// (svcplay keeps far fewer entries than the table's size, so the partial checks
    /// never remove anything).
    fn expire(&mut self, now: SimTime) {
        while self.next_full_check <= now {
            let check = self.next_full_check;
            self.entries
                .retain(|e| check.0 < e.lastuse.0.saturating_add(LBLC_EXPIRATION_MS));
            self.next_full_check = SimTime(check.0 + LBLC_FULL_CHECK_MS);
        }
    }

    fn schedule(
        &mut self,
        list: &DestList,
        daddr: &IpAddr,
        now: SimTime,
    ) -> Option<RealServerIndex> {
        self.expire(now);
        if let Some(entry) = self.entries.iter_mut().find(|e| e.addr == *daddr) {
            entry.lastuse = now;
            let d = list.dest(entry.dest);
            if d.available && d.weight > 0 && !LblcTable::is_overloaded(list, d) {
                return Some(entry.dest);
            }
        }
        let dest = weighted_least(list, Dest::conn_overhead)?;
        match self.entries.iter_mut().find(|e| e.addr == *daddr) {
            Some(entry) if entry.dest == dest => {}
            Some(entry) => {
                entry.dest = dest;
                entry.lastuse = now;
            }
            None => self.entries.push(LblcEntry {
                addr: *daddr,
                dest,
                lastuse: now,
            }),
        }
        Some(dest)
    }
}

/// The two-stage choice of wlc, sed and lblc: the first usable destination, then any
/// later one with a strictly smaller `overhead / weight` (compared as 64-bit products).
fn weighted_least(list: &DestList, overhead: fn(&Dest) -> i64) -> Option<RealServerIndex> {
    let mut it = list.iter();
    let (mut least, mut loh) = loop {
        let (i, d) = it.next()?;
        if !d.overloaded && d.weight > 0 {
            break (i, overhead(d));
        }
    };
    for (i, d) in it {
        if d.overloaded {
            continue;
        }
        let doh = overhead(d);
        if loh * i64::from(d.weight) > doh * i64::from(list.dest(least).weight) {
            least = i;
            loh = doh;
        }
    }
    Some(least)
}

/// sed's and nq's overhead: the active connections plus the new one.
fn sed_overhead(d: &Dest) -> i64 {
    i64::from(d.active_conns) + 1
}

/// A scheduler's state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SchedulerState {
    /// rr: the destination chosen last (`None`: the list head).
    Rr {
        last: Option<RealServerIndex>,
    },
    Wrr(WrrMark),
    Lc,
    Wlc,
    Sed,
    Nq,
    Fo,
    Ovf,
    Sh(BucketTable),
    Dh(BucketTable),
    Mh(Box<MhState>),
    Lblc(LblcTable),
    /// A scheduler svcplay does not simulate: it never picks.
    Unsimulated,
}

/// One virtual server's scheduler: its name and the state its kernel module keeps.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scheduler {
    pub name: SchedulerName,
    pub state: SchedulerState,
}

impl Scheduler {
    /// `init_service`, on the (possibly empty) current list, at time `now`.
    pub fn new(name: SchedulerName, list: &DestList, now: SimTime) -> Scheduler {
        let state = match name {
            SchedulerName::Rr => SchedulerState::Rr { last: None },
            SchedulerName::Wrr => SchedulerState::Wrr(WrrMark::new(list)),
            SchedulerName::Lc => SchedulerState::Lc,
            SchedulerName::Wlc => SchedulerState::Wlc,
            SchedulerName::Sed => SchedulerState::Sed,
            SchedulerName::Nq => SchedulerState::Nq,
            SchedulerName::Fo => SchedulerState::Fo,
            SchedulerName::Ovf => SchedulerState::Ovf,
            SchedulerName::Sh => SchedulerState::Sh(BucketTable::assign(list, true)),
            SchedulerName::Dh => SchedulerState::Dh(BucketTable::assign(list, false)),
            SchedulerName::Mh => SchedulerState::Mh(Box::new(MhState::new(list))),
            SchedulerName::Lblc => SchedulerState::Lblc(LblcTable {
                entries: Vec::new(),
                next_full_check: SimTime(now.0 + LBLC_FULL_CHECK_MS),
            }),
            SchedulerName::Lblcr | SchedulerName::Twos => SchedulerState::Unsimulated,
        };
        Scheduler { name, state }
    }

    /// The `add_dest` hook: `list` already holds the new destination.
    pub fn dest_added(&mut self, list: &DestList) {
        self.dest_changed(list);
    }

    /// The `upd_dest` hook, after a weight change.
    pub fn dest_updated(&mut self, list: &DestList) {
        self.dest_changed(list);
    }

    /// The `del_dest` hook: `list` no longer holds `removed`, which sat at `position`.
    pub fn dest_removed(&mut self, list: &DestList, removed: RealServerIndex, position: usize) {
        if let SchedulerState::Rr { last } = &mut self.state {
            // rr keeps walking from where the removed destination was: its pointer moves
            // to the removed destination's predecessor (or the head).
            if *last == Some(removed) {
                *last = position.checked_sub(1).map(|p| list.order[p]);
            }
            return;
        }
        self.dest_changed(list);
    }

    fn dest_changed(&mut self, list: &DestList) {
        match &mut self.state {
            SchedulerState::Wrr(mark) => mark.dest_changed(list),
            SchedulerState::Sh(table) => *table = BucketTable::assign(list, true),
            SchedulerState::Dh(table) => *table = BucketTable::assign(list, false),
            SchedulerState::Mh(state) => state.dest_changed(list),
            _ => {}
        }
    }

    /// Picks the destination of a new connection, or `None` ("no destination
    /// available"), updating the scheduler's own state as the kernel does.
    pub fn schedule(
        &mut self,
        list: &DestList,
        packet: &SchedPacket,
        now: SimTime,
    ) -> Option<RealServerIndex> {
        let usable = |d: &Dest| !d.overloaded && d.weight > 0;
        match &mut self.state {
            SchedulerState::Rr { last } => {
                // The walk starts after the last chosen destination and wraps around,
                // ending with that destination itself (from the head: one pass).
                let n = list.order.len();
                let start = last.and_then(|l| list.position(l)).map_or(0, |p| p + 1);
                let candidates: Vec<usize> = (start..n).chain(0..start).collect();
                let chosen = candidates
                    .into_iter()
                    .map(|p| list.order[p])
                    .find(|&i| usable(list.dest(i)))?;
                *last = Some(chosen);
                Some(chosen)
            }
            SchedulerState::Wrr(mark) => mark.schedule(list),
            SchedulerState::Lc => {
                let mut least: Option<(RealServerIndex, i64)> = None;
                for (i, d) in list.iter() {
                    if d.overloaded || d.weight == 0 {
                        continue;
                    }
                    let doh = d.conn_overhead();
                    if least.is_none_or(|(_, loh)| doh < loh) {
                        least = Some((i, doh));
                    }
                }
                least.map(|(i, _)| i)
            }
            SchedulerState::Wlc => weighted_least(list, Dest::conn_overhead),
            SchedulerState::Sed => weighted_least(list, sed_overhead),
            SchedulerState::Nq => {
                let mut least: Option<(RealServerIndex, i64)> = None;
                for (i, d) in list.iter() {
                    if d.overloaded || d.weight == 0 {
                        continue;
                    }
                    let doh = sed_overhead(d);
                    if d.active_conns == 0 {
                        return Some(i);
                    }
                    let better = match least {
                        None => true,
                        Some((l, loh)) => {
                            loh * i64::from(d.weight) > doh * i64::from(list.dest(l).weight)
                        }
                    };
                    if better {
                        least = Some((i, doh));
                    }
                }
                least.map(|(i, _)| i)
            }
            SchedulerState::Fo => {
                let mut best: Option<RealServerIndex> = None;
                for (i, d) in list.iter() {
                    if !d.overloaded
                        && d.weight > 0
                        && best.is_none_or(|b| d.weight > list.dest(b).weight)
                    {
                        best = Some(i);
                    }
                }
                best
            }
            SchedulerState::Ovf => {
                let mut best: Option<RealServerIndex> = None;
                for (i, d) in list.iter() {
                    if usable(d)
                        && i64::from(d.active_conns) <= i64::from(d.weight)
                        && best.is_none_or(|b| d.weight > list.dest(b).weight)
                    {
                        best = Some(i);
                    }
                }
                best
            }
            SchedulerState::Sh(table) => {
                let port = if packet.svc_flags & flags::SCHED2 != 0 {
                    packet.sport
                } else {
                    0
                };
                let ihash = sh_hashkey(&packet.saddr, port, 0);
                let dest = table.buckets[ihash]?;
                if usable(list.dest(dest)) {
                    return Some(dest);
                }
                if packet.svc_flags & flags::SCHED1 == 0 {
                    return None;
                }
                for offset in 0..HASH_TAB_SIZE {
                    let roffset = (offset + ihash) % HASH_TAB_SIZE;
                    let dest = table.buckets[sh_hashkey(&packet.saddr, port, roffset as u32)]?;
                    if usable(list.dest(dest)) {
                        return Some(dest);
                    }
                }
                None
            }
            SchedulerState::Dh(table) => {
                let dest = table.buckets[sh_hashkey(&packet.daddr, 0, 0)]?;
                let d = list.dest(dest);
                (d.available && d.weight > 0 && !d.overloaded).then_some(dest)
            }
            SchedulerState::Mh(state) => {
                let port = if packet.svc_flags & flags::SCHED2 != 0 {
                    packet.sport
                } else {
                    0
                };
                state.schedule(
                    list,
                    &packet.saddr,
                    port,
                    packet.svc_flags & flags::SCHED1 != 0,
                )
            }
            SchedulerState::Lblc(table) => table.schedule(list, &packet.daddr, now),
            SchedulerState::Unsimulated => None,
        }
    }

    /// Which destinations a new connection could be sent to, in list order, without
    /// changing any state: the ones the scheduler would ever consider (for packet traces).
    pub fn candidates(&self, list: &DestList, packet: &SchedPacket) -> Vec<RealServerIndex> {
        let mut probe = self.clone();
        match &self.state {
            // The hashing schedulers decide from the packet alone (mh also from the
            // source port when `mh-port` is set, which a trace does not know).
            SchedulerState::Sh(_) | SchedulerState::Dh(_) => probe
                .schedule(list, packet, SimTime(0))
                .into_iter()
                .collect(),
            SchedulerState::Mh(_) if packet.svc_flags & flags::SCHED2 == 0 => probe
                .schedule(list, packet, SimTime(0))
                .into_iter()
                .collect(),
            SchedulerState::Unsimulated => list
                .iter()
                .filter(|(_, d)| d.weight > 0)
                .map(|(i, _)| i)
                .collect(),
            _ => list
                .iter()
                .filter(|(_, d)| d.weight > 0 && !d.overloaded)
                .map(|(i, _)| i)
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    //! The worked examples of `schedulers.md` (computed there with a model of the kernel
    //! sources) and property tests over many generated cases.

    use super::super::kernel::{Connection, IpvsService, SimTime};
    use super::*;
    use crate::proxy::Protocol;

    /// A service with real servers 10.0.0.N:80 added in the order given (so the kernel's
    /// list is the reverse).
    fn service(name: SchedulerName, protocol: Protocol, weights: &[(u8, i32)]) -> IpvsService {
        service_with_flags(name, protocol, weights, 0)
    }

    fn service_with_flags(
        name: SchedulerName,
        protocol: Protocol,
        weights: &[(u8, i32)],
        flags: u32,
    ) -> IpvsService {
        let mut svc = IpvsService::new(
            protocol,
            "10.96.0.10".parse().unwrap(),
            80,
            name,
            flags,
            10800,
            SimTime(0),
        );
        for (n, w) in weights {
            svc.add_real_server(format!("10.0.0.{n}").parse().unwrap(), 80, *w);
        }
        svc
    }

    fn last_octet(svc: &IpvsService, i: RealServerIndex) -> String {
        match svc.dest(i).addr {
            IpAddr::V4(a) => format!(".{}", a.octets()[3]),
            IpAddr::V6(a) => a.to_string(),
        }
    }

    /// `n` long-lived connections from distinct clients, as `.N` names.
    fn picks(svc: &mut IpvsService, n: usize) -> String {
        let mut out = Vec::new();
        for _ in 0..n {
            // Each connection comes from a new client, one millisecond after the last.
            let now = SimTime(svc.now.0 + 1);
            let conn = Connection {
                client: IpAddr::from(std::net::Ipv4Addr::from(0xC0A8_0000 + now.0 as u32)),
                client_port: 40000,
            };
            match svc.schedule(&conn, now) {
                Some(i) => out.push(last_octet(svc, i)),
                None => out.push("-".into()),
            }
        }
        out.join(" ")
    }

    fn index_of(svc: &IpvsService, octet: u8) -> RealServerIndex {
        svc.real_servers()
            .find(|(_, d)| d.addr == IpAddr::from([10, 0, 0, octet]))
            .map(|(i, _)| i)
            .unwrap()
    }

    #[test]
    fn rr_examples() {
        let mut svc = service(SchedulerName::Rr, Protocol::Tcp, &[(1, 1), (2, 1), (3, 1)]);
        assert_eq!(picks(&mut svc, 7), ".3 .2 .1 .3 .2 .1 .3");
        let two = index_of(&svc, 2);
        svc.set_weight(two, 0);
        assert_eq!(picks(&mut svc, 5), ".1 .3 .1 .3 .1");

        let mut svc = service(SchedulerName::Rr, Protocol::Tcp, &[(1, 1), (2, 1), (3, 1)]);
        assert_eq!(picks(&mut svc, 2), ".3 .2");
        let two = index_of(&svc, 2);
        svc.remove_real_server(two);
        assert_eq!(picks(&mut svc, 4), ".1 .3 .1 .3");
    }

    #[test]
    fn wrr_examples() {
        let mut svc = service(SchedulerName::Wrr, Protocol::Tcp, &[(1, 4), (2, 3), (3, 2)]);
        assert_eq!(
            picks(&mut svc, 20),
            ".3 .2 .1 .1 .2 .1 .3 .2 .1 .3 .2 .1 .1 .2 .1 .3 .2 .1 .3 .2"
        );
        let mut svc = service(SchedulerName::Wrr, Protocol::Tcp, &[(1, 1), (2, 1), (3, 1)]);
        assert_eq!(picks(&mut svc, 6), ".3 .2 .1 .3 .2 .1");
        let mut svc = service(SchedulerName::Wrr, Protocol::Tcp, &[(1, 2), (2, 4)]);
        match &svc.scheduler.state {
            SchedulerState::Wrr(mark) => assert_eq!((mark.di, mark.mw, mark.cw), (2, 3, 1)),
            other => panic!("{other:?}"),
        }
        assert_eq!(picks(&mut svc, 6), ".2 .1 .2 .2 .1 .2");
    }

    #[test]
    fn lc_examples() {
        let mut svc = service(SchedulerName::Lc, Protocol::Tcp, &[(1, 1), (2, 1), (3, 1)]);
        assert_eq!(picks(&mut svc, 6), ".3 .2 .1 .3 .2 .1");
        assert!(svc.real_servers().all(|(_, d)| d.active_conns == 2));
        let mut svc = service(SchedulerName::Lc, Protocol::Tcp, &[(1, 1), (2, 3)]);
        assert_eq!(picks(&mut svc, 8), ".2 .1 .2 .1 .2 .1 .2 .1");
        let mut svc = service(SchedulerName::Lc, Protocol::Udp, &[(1, 1), (2, 1), (3, 1)]);
        assert_eq!(picks(&mut svc, 6), ".3 .2 .1 .3 .2 .1");
        assert!(
            svc.real_servers()
                .all(|(_, d)| d.inactive_conns == 2 && d.active_conns == 0)
        );
        // One active TCP connection weighs as much as 256 inactive ones.
        let mut svc = service(SchedulerName::Lc, Protocol::Tcp, &[(1, 1), (2, 1)]);
        let (one, two) = (index_of(&svc, 1), index_of(&svc, 2));
        svc.dests[one.0].active_conns = 1;
        svc.dests[two.0].inactive_conns = 255;
        assert_eq!(picks(&mut svc, 1), ".2");
        // (.2 just took that connection: 256 + 255 now, against .1's 256.)
        assert_eq!(svc.dest(two).conn_overhead(), 511);
        svc.dests[two.0].active_conns = 0;
        svc.dests[two.0].inactive_conns = 256;
        // A tie goes to the first in list order.
        assert_eq!(picks(&mut svc, 1), ".2");
        svc.dests[two.0].active_conns = 0;
        svc.dests[two.0].inactive_conns = 257;
        assert_eq!(picks(&mut svc, 1), ".1");
    }

    #[test]
    fn wlc_examples() {
        let mut svc = service(SchedulerName::Wlc, Protocol::Tcp, &[(1, 1), (2, 1), (3, 1)]);
        assert_eq!(picks(&mut svc, 6), ".3 .2 .1 .3 .2 .1");
        let mut svc = service(SchedulerName::Wlc, Protocol::Tcp, &[(1, 1), (2, 3)]);
        assert_eq!(picks(&mut svc, 8), ".2 .1 .2 .2 .2 .1 .2 .2");
        assert_eq!(svc.dest(index_of(&svc, 1)).active_conns, 2);
        assert_eq!(svc.dest(index_of(&svc, 2)).active_conns, 6);
        let mut svc = service(SchedulerName::Wlc, Protocol::Tcp, &[(1, 1), (2, 2), (3, 4)]);
        let (two, three) = (index_of(&svc, 2), index_of(&svc, 3));
        svc.dests[two.0].active_conns = 1;
        svc.dests[three.0].active_conns = 3;
        assert_eq!(picks(&mut svc, 1), ".1");
    }

    #[test]
    fn sed_and_nq_examples() {
        for name in [SchedulerName::Sed, SchedulerName::Nq] {
            let mut svc = service(name, Protocol::Tcp, &[(1, 1), (2, 1), (3, 1)]);
            assert_eq!(picks(&mut svc, 6), ".3 .2 .1 .3 .2 .1", "{name:?}");
        }
        let mut svc = service(SchedulerName::Sed, Protocol::Tcp, &[(1, 1), (2, 3)]);
        assert_eq!(picks(&mut svc, 8), ".2 .2 .2 .1 .2 .2 .2 .1");
        let mut svc = service(SchedulerName::Sed, Protocol::Tcp, &[(1, 1), (2, 10)]);
        assert_eq!(picks(&mut svc, 3), ".2 .2 .2");
        let mut svc = service(SchedulerName::Nq, Protocol::Tcp, &[(1, 1), (2, 3)]);
        assert_eq!(picks(&mut svc, 8), ".2 .1 .2 .2 .2 .2 .2 .1");
        let mut svc = service(SchedulerName::Nq, Protocol::Tcp, &[(1, 1), (2, 10)]);
        assert_eq!(picks(&mut svc, 3), ".2 .1 .2");
    }

    #[test]
    fn fo_and_ovf_with_kube_proxy_weights() {
        let mut svc = service(SchedulerName::Fo, Protocol::Tcp, &[(1, 1), (2, 1), (3, 1)]);
        assert_eq!(picks(&mut svc, 3), ".3 .3 .3");
        let mut svc = service(SchedulerName::Ovf, Protocol::Tcp, &[(1, 1), (2, 1), (3, 1)]);
        assert_eq!(picks(&mut svc, 7), ".3 .3 .2 .2 .1 .1 -");
    }

    #[test]
    fn sh_examples() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert_eq!(sh_hashkey(&ip("192.168.1.10"), 0, 0), 248);
        assert_eq!(sh_hashkey(&ip("192.168.1.11"), 0, 0), 90);
        assert_eq!(sh_hashkey(&ip("10.244.1.5"), 0, 0), 115);
        assert_eq!(sh_hashkey(&ip("10.244.2.7"), 0, 0), 255);
        let mut svc = service(SchedulerName::Sh, Protocol::Tcp, &[(1, 1), (2, 1), (3, 1)]);
        for (client, expected) in [
            ("192.168.1.10", ".1"),
            ("192.168.1.11", ".3"),
            ("10.244.1.5", ".2"),
            ("10.244.2.7", ".3"),
        ] {
            for port in [1000, 2000] {
                let conn = Connection {
                    client: ip(client),
                    client_port: port,
                };
                let chosen = svc.schedule(&conn, SimTime(1)).unwrap();
                assert_eq!(last_octet(&svc, chosen), expected, "{client}");
            }
        }
        let svc = service(SchedulerName::Sh, Protocol::Tcp, &[(1, 2), (2, 1)]);
        let SchedulerState::Sh(table) = &svc.scheduler.state else {
            panic!()
        };
        let names: Vec<String> = table.buckets[..9]
            .iter()
            .map(|b| last_octet(&svc, b.unwrap()))
            .collect();
        assert_eq!(names.join(" "), ".2 .1 .1 .2 .1 .1 .2 .1 .1");
    }

    #[test]
    fn sh_fallback_and_port_flags() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let mut svc = service(SchedulerName::Sh, Protocol::Tcp, &[(1, 1), (2, 1), (3, 1)]);
        let one = index_of(&svc, 1);
        svc.set_weight(one, 0);
        let conn = Connection {
            client: ip("192.168.1.10"),
            client_port: 1,
        };
        // Without sh-fallback a client whose bucket is quiesced gets nothing.
        assert_eq!(svc.schedule(&conn, SimTime(1)), None);
        let mut svc = service_with_flags(
            SchedulerName::Sh,
            Protocol::Tcp,
            &[(1, 1), (2, 1), (3, 1)],
            flags::SCHED1,
        );
        let one = index_of(&svc, 1);
        svc.set_weight(one, 0);
        assert!(svc.schedule(&conn, SimTime(1)).is_some_and(|d| d != one));
    }

    #[test]
    fn dh_example() {
        let mut svc = service(SchedulerName::Dh, Protocol::Tcp, &[(1, 1), (2, 1), (3, 1)]);
        assert_eq!(sh_hashkey(&svc.address, 0, 0), 242);
        assert_eq!(picks(&mut svc, 5), ".1 .1 .1 .1 .1");
    }

    #[test]
    fn mh_examples() {
        let svc = service(SchedulerName::Mh, Protocol::Tcp, &[(1, 1), (2, 1), (3, 1)]);
        let list = svc.list();
        let SchedulerState::Mh(state) = &svc.scheduler.state else {
            panic!()
        };
        let perms: Vec<(usize, usize)> = state
            .permutations(&list)
            .iter()
            .map(|p| (p.offset, p.skip))
            .collect();
        assert_eq!(perms, [(1631, 3453), (1231, 3544), (3167, 700)]);
        let count = |octet| {
            let i = index_of(&svc, octet);
            state.lookup.iter().filter(|s| **s == Some(i)).count()
        };
        assert_eq!((count(3), count(1), count(2)), (1365, 1364, 1364));
        let first: Vec<String> = state.lookup[..10]
            .iter()
            .map(|s| last_octet(&svc, s.unwrap()))
            .collect();
        assert_eq!(first.join(" "), ".1 .2 .2 .3 .3 .1 .2 .3 .3 .1");

        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let mut svc = service_with_flags(
            SchedulerName::Mh,
            Protocol::Tcp,
            &[(1, 1), (2, 1), (3, 1)],
            flags::SCHED2,
        );
        for (client, port, slot, expected) in [
            ("192.168.1.10", 40000, 1622, ".1"),
            ("192.168.1.10", 40001, 1264, ".3"),
            ("192.168.1.11", 40000, 1264, ".3"),
            ("10.244.1.5", 51234, 3012, ".3"),
        ] {
            assert_eq!(
                mh_hashkey(&ip(client), port, MH_HASH1, 0) as usize % MH_TAB_SIZE,
                slot
            );
            let conn = Connection {
                client: ip(client),
                client_port: port,
            };
            let chosen = svc.schedule(&conn, SimTime(1)).unwrap();
            assert_eq!(last_octet(&svc, chosen), expected);
        }

        // Without mh-port every connection of a client hashes alike.
        let mut svc = service(SchedulerName::Mh, Protocol::Tcp, &[(1, 1), (2, 1), (3, 1)]);
        for port in [1, 40000, 40001, 65535] {
            let conn = Connection {
                client: ip("192.168.1.10"),
                client_port: port,
            };
            let chosen = svc.schedule(&conn, SimTime(1)).unwrap();
            assert_eq!(last_octet(&svc, chosen), ".1");
        }
        // Removing .2 changes its 1364 slots and 4 others: Maglev's minimal disruption.
        let SchedulerState::Mh(before) = svc.scheduler.state.clone() else {
            panic!()
        };
        let two = index_of(&svc, 2);
        svc.remove_real_server(two);
        let SchedulerState::Mh(after) = &svc.scheduler.state else {
            panic!()
        };
        let changed = before
            .lookup
            .iter()
            .zip(after.lookup.iter())
            .filter(|(a, b)| a != b)
            .count();
        assert_eq!(changed, 1368);
    }

    #[test]
    fn mh_keeps_a_quiesced_servers_slots() {
        let mut svc = service(SchedulerName::Mh, Protocol::Tcp, &[(1, 1), (2, 1), (3, 1)]);
        let SchedulerState::Mh(before) = svc.scheduler.state.clone() else {
            panic!()
        };
        let two = index_of(&svc, 2);
        svc.set_weight(two, 0);
        let SchedulerState::Mh(after) = &svc.scheduler.state else {
            panic!()
        };
        assert_eq!(before.lookup, after.lookup);
        // A connection hashing to the quiesced server gets no destination (kube-proxy sets
        // no mh-fallback).
        let slot_of_two = (0..MH_TAB_SIZE)
            .find(|&s| after.lookup[s] == Some(two))
            .unwrap();
        let client = (0u32..)
            .map(|n| IpAddr::from(std::net::Ipv4Addr::from(0xC0A8_0000 + n)))
            .find(|c| mh_hashkey(c, 0, MH_HASH1, 0) as usize % MH_TAB_SIZE == slot_of_two)
            .unwrap();
        let conn = Connection {
            client,
            client_port: 0,
        };
        assert_eq!(svc.schedule(&conn, SimTime(1)), None);
    }

    #[test]
    fn lblc_example() {
        let mut svc = service(
            SchedulerName::Lblc,
            Protocol::Tcp,
            &[(1, 1), (2, 1), (3, 1)],
        );
        assert_eq!(picks(&mut svc, 8), ".3 .3 .2 .2 .1 .1 .1 .1");
    }

    #[test]
    fn lblc_cache_expires_after_a_day_unused() {
        let mut svc = service(
            SchedulerName::Lblc,
            Protocol::Udp,
            &[(1, 1), (2, 1), (3, 1)],
        );
        let conn = |n: u8| Connection {
            client: IpAddr::from([192, 168, 0, n]),
            client_port: 1,
        };
        assert_eq!(svc.schedule(&conn(1), SimTime(0)), Some(index_of(&svc, 3)));
        // The cached .3 keeps the VIP while it is not overloaded.
        assert_eq!(
            svc.schedule(&conn(2), SimTime::from_secs(60)),
            Some(index_of(&svc, 3))
        );
        let SchedulerState::Lblc(table) = &svc.scheduler.state else {
            panic!()
        };
        assert_eq!(table.entries.len(), 1);
        // Unused for more than 24 hours, the entry is gone at the next full check.
        svc.schedule(&conn(3), SimTime::from_secs(2 * 24 * 3600));
        let SchedulerState::Lblc(table) = &svc.scheduler.state else {
            panic!()
        };
        assert_eq!(table.entries[0].lastuse, SimTime::from_secs(2 * 24 * 3600));
    }

    #[test]
    fn persistence_example() {
        let mut svc = service_with_flags(
            SchedulerName::Rr,
            Protocol::Tcp,
            &[(1, 1), (2, 1), (3, 1)],
            flags::PERSISTENT,
        );
        let client = |c: u8| IpAddr::from([192, 168, 9, c]);
        let mut out = Vec::new();
        for (k, c) in ["A", "B", "A", "C", "D", "B", "A"].iter().enumerate() {
            let conn = Connection {
                client: client(c.as_bytes()[0]),
                client_port: 50000 + k as u16,
            };
            let decision = svc.connect(&conn, SimTime::from_secs(k as u64));
            let how = match decision {
                super::super::kernel::Decision::Scheduled(_) => "scheduled",
                super::super::kernel::Decision::Persistent(_) => "template",
                other => panic!("{other:?}"),
            };
            out.push(format!(
                "{c}:{} ({how})",
                last_octet(&svc, decision.dest().unwrap())
            ));
        }
        assert_eq!(
            out.join(" "),
            "A:.3 (scheduled) B:.2 (scheduled) A:.3 (template) C:.1 (scheduled) D:.3 (scheduled) B:.2 (template) A:.3 (template)"
        );
    }

    /// A small deterministic generator for the property tests (no randomness in the
    /// core, and no extra crate: a 64-bit LCG is enough to vary the inputs).
    struct Lcg(u64);

    impl Lcg {
        fn next(&mut self) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            self.0 >> 33
        }

        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
    }

    fn pick_sequence(svc: &mut IpvsService, n: usize) -> Vec<RealServerIndex> {
        (0..n)
            .map(|_| {
                let now = SimTime(svc.now.0 + 1);
                let conn = Connection {
                    client: IpAddr::from(std::net::Ipv4Addr::from(0x0A00_0000 + now.0 as u32)),
                    client_port: 1,
                };
                svc.schedule(&conn, now).unwrap()
            })
            .collect()
    }

    #[test]
    fn property_wrr_gives_exact_proportions_over_a_full_cycle() {
        let mut rng = Lcg(1);
        for _ in 0..200 {
            let n = 1 + rng.below(6) as usize;
            let weights: Vec<(u8, i32)> = (0..n)
                .map(|i| (i as u8 + 1, 1 + rng.below(12) as i32))
                .collect();
            let g = weights.iter().fold(0, |g, (_, w)| gcd(*w, g));
            let cycle: usize = weights.iter().map(|(_, w)| (*w / g) as usize).sum();
            let mut svc = service(SchedulerName::Wrr, Protocol::Tcp, &weights);
            let seq = pick_sequence(&mut svc, 4 * cycle);
            // After at most one (partial) cycle the sequence is periodic, so every window
            // of one cycle holds each real server exactly weight/gcd times.
            for start in cycle..2 * cycle {
                for (octet, w) in &weights {
                    let i = index_of(&svc, *octet);
                    let got = seq[start..start + cycle]
                        .iter()
                        .filter(|x| **x == i)
                        .count();
                    assert_eq!(got as i32, w / g, "weights {weights:?} window at {start}");
                }
            }
        }
    }

    #[test]
    fn property_rr_cycles_in_list_order() {
        let mut rng = Lcg(2);
        for _ in 0..100 {
            let n = 1 + rng.below(8) as usize;
            let weights: Vec<(u8, i32)> = (0..n).map(|i| (i as u8 + 1, 1)).collect();
            let mut svc = service(SchedulerName::Rr, Protocol::Tcp, &weights);
            let order: Vec<RealServerIndex> = svc.order.clone();
            let seq = pick_sequence(&mut svc, 3 * n + 1);
            for (k, pick) in seq.iter().enumerate() {
                assert_eq!(*pick, order[k % n]);
            }
        }
    }

    #[test]
    fn property_sh_pins_a_client_while_the_set_is_unchanged() {
        let mut rng = Lcg(3);
        for _ in 0..50 {
            let n = 1 + rng.below(6) as usize;
            let weights: Vec<(u8, i32)> = (0..n)
                .map(|i| (i as u8 + 1, 1 + rng.below(4) as i32))
                .collect();
            let mut svc = service(SchedulerName::Sh, Protocol::Tcp, &weights);
            let clients: Vec<IpAddr> = (0..20)
                .map(|_| IpAddr::from(std::net::Ipv4Addr::from(rng.next() as u32)))
                .collect();
            let mut first = std::collections::BTreeMap::new();
            for round in 0..5u16 {
                for c in &clients {
                    let conn = Connection {
                        client: *c,
                        client_port: 1000 + round,
                    };
                    let d = svc.schedule(&conn, SimTime(u64::from(round))).unwrap();
                    assert_eq!(*first.entry(*c).or_insert(d), d);
                }
            }
            // The buckets are shared in proportion to the weights.
            let SchedulerState::Sh(table) = &svc.scheduler.state else {
                panic!()
            };
            let total: i32 = weights.iter().map(|(_, w)| *w).sum();
            for (octet, w) in &weights {
                let i = index_of(&svc, *octet);
                let got = table.buckets.iter().filter(|b| **b == Some(i)).count() as i32;
                let ideal = HASH_TAB_SIZE as i32 * w / total;
                assert!((got - ideal).abs() <= *w, "{weights:?}: {got} vs {ideal}");
            }
        }
    }

    #[test]
    fn property_lc_balances_long_lived_connections() {
        let mut rng = Lcg(4);
        for _ in 0..50 {
            let n = 1 + rng.below(7) as usize;
            let weights: Vec<(u8, i32)> = (0..n).map(|i| (i as u8 + 1, 1)).collect();
            for name in [SchedulerName::Lc, SchedulerName::Wlc, SchedulerName::Sed] {
                let mut svc = service(name, Protocol::Tcp, &weights);
                for _ in 0..rng.below(40) {
                    pick_sequence(&mut svc, 1);
                    let counts: Vec<u32> =
                        svc.real_servers().map(|(_, d)| d.active_conns).collect();
                    let (lo, hi) = (counts.iter().min().unwrap(), counts.iter().max().unwrap());
                    assert!(hi - lo <= 1, "{name:?} {counts:?}");
                }
            }
        }
    }

    #[test]
    fn property_mh_slots_follow_the_weights() {
        let mut rng = Lcg(5);
        for _ in 0..20 {
            let n = 1 + rng.below(5) as usize;
            let weights: Vec<(u8, i32)> = (0..n)
                .map(|i| (i as u8 + 1, 1 + rng.below(3) as i32))
                .collect();
            let svc = service(SchedulerName::Mh, Protocol::Tcp, &weights);
            let SchedulerState::Mh(state) = &svc.scheduler.state else {
                panic!()
            };
            assert!(state.lookup.iter().all(Option::is_some));
            let g = weights.iter().fold(0, |g, (_, w)| gcd(*w, g));
            let total: i32 = weights.iter().map(|(_, w)| *w / g).sum();
            for (octet, w) in &weights {
                let i = index_of(&svc, *octet);
                let got = state.lookup.iter().filter(|s| **s == Some(i)).count() as i32;
                let ideal = MH_TAB_SIZE as i32 * (w / g) / total;
                assert!(
                    (got - ideal).abs() <= total,
                    "{weights:?}: {got} vs {ideal}"
                );
            }
        }
    }

    #[test]
    fn property_dh_sends_a_vip_to_one_server() {
        let mut rng = Lcg(6);
        for _ in 0..30 {
            let n = 1 + rng.below(6) as usize;
            let weights: Vec<(u8, i32)> = (0..n).map(|i| (i as u8 + 1, 1)).collect();
            let mut svc = service(SchedulerName::Dh, Protocol::Tcp, &weights);
            svc.address = IpAddr::from(std::net::Ipv4Addr::from(rng.next() as u32));
            let seq = pick_sequence(&mut svc, 20);
            assert!(seq.iter().all(|d| *d == seq[0]));
        }
    }

    #[test]
    fn every_scheduler_skips_quiesced_servers() {
        for name in SchedulerName::ALL
            .into_iter()
            .filter(|n| n.is_simulated() && *n != SchedulerName::Dh)
        {
            let mut svc = service(name, Protocol::Tcp, &[(1, 1), (2, 1), (3, 1)]);
            for octet in [1, 3] {
                let i = index_of(&svc, octet);
                svc.set_weight(i, 0);
            }
            let two = index_of(&svc, 2);
            for k in 0..20u32 {
                let conn = Connection {
                    client: IpAddr::from(std::net::Ipv4Addr::from(0x0A00_0000 + k)),
                    client_port: 1,
                };
                let got = svc.schedule(&conn, SimTime(u64::from(k)));
                assert!(got.is_none() || got == Some(two), "{name:?}");
            }
        }
    }
}
