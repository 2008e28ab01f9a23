//! The kernel's IPVS schedulers (`net/netfilter/ipvs/ip_vs_*.c`) as deterministic state
//! machines.
//!
//! Ported from the reference's Linux 6.1 reading and checked again, function by function,
//! against a mainline 6.17 tree (the `Kingxukai/linux` mirror at 0291023e; `ip_vs_twos.c`
//! there draws with `get_random_u32_below`). Where `kube-proxy-ipvs/schedulers.md`
//! disagrees with the C code the C code is followed. The disagreements found:
//!
//! - wrr: after a walk that fails past the last pass, `ip_vs_wrr_schedule` leaves its
//!   mark at the list head (`err_over`: `mark->cl = dest`, the cursor back at the head);
//!   the note's pseudo-code leaves `cl` where it was.
//! - twos: the note says the lower `overhead / weight` wins; the C code keeps the first
//!   draw on a tie, and because both draws fall in `[0, total]` (`total_weight += 1`)
//!   the first server of the list gets one value more than its weight (with weights
//!   1, 1, 1: 2/4, 1/4, 1/4 before the load comparison).
//! - lblcr: the note only says "similar, with server sets"; the set's own rules
//!   (`ip_vs_dest_set_min` skips unavailable members, the most loaded member leaves a
//!   set unmodified for `lblcr_expiration`, even the one just chosen) are here.
//! - counters: the note has SCTP flows counted like UDP; `set_sctp_state` counts them as
//!   active in ESTABLISHED only, and a finished association waits 61 s in CLOSED
//!   ([`super::proto`]).
//!
//! Each [`Scheduler`] keeps exactly the state its kernel module keeps — rr's pointer into the
//! destination list, wrr's current weight, sh's and dh's 256-bucket tables, mh's 4093-slot
//! Maglev table, lblc's per-destination-address cache, lblcr's per-address server sets,
//! twos' random generator — and is told about every change of
//! the destination list through the same hooks the kernel calls (`add_dest`, `del_dest`,
//! `upd_dest`). Given the same list and the same sequence of connections, it picks the
//! real servers the kernel picks. The list itself (the order the kernel walks, newest
//! first), the connection counters and persistence live in [`super::kernel`]; the
//! schedulers only read them through a [`DestList`].
//!
//! Hashes are the kernel's: `hash_32` (multiplicative, golden ratio) for sh and dh, and
//! `hsiphash` (SipHash-1-3 on 64-bit kernels) with mh's fixed keys.

pub use crate::proxy::config::SchedulerName;
use crate::proxy::sim::rng::Rng;
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
    /// `IP_VS_DEST_F_OVERLOAD`: set by `ip_vs_bind_dest` once the destination holds
    /// `u_threshold` connections, cleared by `ip_vs_unbind_dest` (see
    /// [`Dest::update_overload_on_unbind`]). Only an upper threshold sets it, and
    /// kube-proxy never configures one (`ipvsadm -x` does).
    pub overloaded: bool,
    /// The upper connection threshold (`ipvsadm -x`, 0 = none).
    pub u_threshold: u32,
    /// The lower connection threshold (`ipvsadm -y`, 0 = three quarters of the upper).
    pub l_threshold: u32,
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
            u_threshold: 0,
            l_threshold: 0,
        }
    }

    /// `ip_vs_dest_totalconns`: what the thresholds count (templates are not counted).
    pub fn total_conns(&self) -> u32 {
        self.active_conns + self.inactive_conns
    }

    /// The end of `ip_vs_bind_dest`: a destination reaching its upper threshold is
    /// overloaded.
    pub fn update_overload_on_bind(&mut self) {
        if self.u_threshold != 0 && self.total_conns() >= self.u_threshold {
            self.overloaded = true;
        }
    }

    /// The end of `ip_vs_unbind_dest`: below the lower threshold (or, without one, below
    /// three quarters of the upper) the destination takes new connections again.
    pub fn update_overload_on_unbind(&mut self) {
        let total = u64::from(self.total_conns());
        if self.l_threshold != 0 {
            if total < u64::from(self.l_threshold) {
                self.overloaded = false;
            }
        } else if self.u_threshold != 0 {
            if total * 4 < u64::from(self.u_threshold) * 3 {
                self.overloaded = false;
            }
        } else {
            self.overloaded = false;
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
                    // `err_over` after a full traversal: `mark->cl = dest` with `dest` back
                    // at the list head, so the next walk starts from the head.
                    self.cl = None;
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

/// How long an lblcr server set may go unmodified before its most loaded member is
/// dropped, and an entry unused before the full check removes it (`lblcr_expiration`,
/// 24 hours, the same default as lblc's).
pub const LBLCR_EXPIRATION_MS: u64 = 24 * 60 * 60 * 1000;

/// One entry of lblcr's cache (`struct ip_vs_lblcr_entry`): the server set of one
/// destination address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LblcrEntry {
    pub addr: IpAddr,
    /// The server set in the kernel's order: `ip_vs_dest_set_insert` adds at the head
    /// (`list_add_rcu`), so the newest member comes first. A member may be a deleted
    /// destination (the set holds a reference; it is skipped as unavailable).
    pub set: Vec<RealServerIndex>,
    /// `set.lastmod`: when a member was last added or removed.
    pub lastmod: SimTime,
    pub lastuse: SimTime,
}

/// lblcr's cache (`struct ip_vs_lblcr_table`), keyed by the packet's destination address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LblcrTable {
    pub entries: Vec<LblcrEntry>,
    /// When the next full expiration check runs (every 30 minutes, as lblc's).
    pub next_full_check: SimTime,
}

impl LblcrTable {
    /// `ip_vs_lblcr_full_check`, run every 30 minutes by `ip_vs_lblcr_check_expire`: an
    /// entry survives while `lastuse + expiration` is after the check (`time_after`).
    fn expire(&mut self, now: SimTime) {
        while self.next_full_check <= now {
            let check = self.next_full_check;
            self.entries
                .retain(|e| e.lastuse.0.saturating_add(LBLCR_EXPIRATION_MS) > check.0);
            self.next_full_check = SimTime(check.0 + LBLC_FULL_CHECK_MS);
        }
    }

    /// `ip_vs_dest_set_min`: the weighted least-connection member. The first stage takes
    /// the first member that is not overloaded, has a weight and is available; the second
    /// replaces it by a later available, not overloaded member with a strictly smaller
    /// `overhead / weight`.
    fn set_min(list: &DestList, set: &[RealServerIndex]) -> Option<RealServerIndex> {
        let mut members = set.iter();
        let (mut least, mut loh) = loop {
            let &i = members.next()?;
            let d = list.dest(i);
            if d.overloaded {
                continue;
            }
            if d.weight > 0 && d.available {
                break (i, d.conn_overhead());
            }
        };
        for &i in members {
            let d = list.dest(i);
            if d.overloaded {
                continue;
            }
            let doh = d.conn_overhead();
            if loh * i64::from(d.weight) > doh * i64::from(list.dest(least).weight) && d.available {
                least = i;
                loh = doh;
            }
        }
        Some(least)
    }

    /// `ip_vs_dest_set_max`: the weighted most-connection member with a weight (it does
    /// not look at overload or availability).
    fn set_max(list: &DestList, set: &[RealServerIndex]) -> Option<RealServerIndex> {
        let mut members = set.iter();
        let (mut most, mut moh) = loop {
            let &i = members.next()?;
            let d = list.dest(i);
            if d.weight > 0 {
                break (i, d.conn_overhead());
            }
        };
        for &i in members {
            let d = list.dest(i);
            let doh = d.conn_overhead();
            if moh * i64::from(d.weight) < doh * i64::from(list.dest(most).weight) && d.weight > 0 {
                most = i;
                moh = doh;
            }
        }
        Some(most)
    }

    /// `ip_vs_lblcr_schedule`.
    fn schedule(
        &mut self,
        list: &DestList,
        daddr: &IpAddr,
        now: SimTime,
    ) -> Option<RealServerIndex> {
        self.expire(now);
        if let Some(en) = self.entries.iter_mut().find(|e| e.addr == *daddr) {
            en.lastuse = now;
            let dest = LblcrTable::set_min(list, &en.set);
            // More than one member and the set unmodified for longer than the expiration:
            // the most loaded member leaves (`ip_vs_dest_set_erase`).
            if en.set.len() > 1
                && now.0 > en.lastmod.0.saturating_add(LBLCR_EXPIRATION_MS)
                && let Some(m) = LblcrTable::set_max(list, &en.set)
            {
                en.set.retain(|&i| i != m);
                en.lastmod = now;
            }
            if let Some(dest) = dest
                && !LblcTable::is_overloaded(list, list.dest(dest))
            {
                return Some(dest);
            }
            // The cache entry is invalid: schedule, and add the choice to the set
            // (`ip_vs_dest_set_insert` with `check`: no duplicate, newest first).
            let dest = weighted_least(list, Dest::conn_overhead)?;
            if !en.set.contains(&dest) {
                en.set.insert(0, dest);
                en.lastmod = now;
            }
            return Some(dest);
        }
        // No cache entry: schedule (`__ip_vs_lblcr_schedule`, the wlc rule over the
        // service's list) and create one (`ip_vs_lblcr_new`).
        let dest = weighted_least(list, Dest::conn_overhead)?;
        self.entries.push(LblcrEntry {
            addr: *daddr,
            set: vec![dest],
            lastmod: now,
            lastuse: now,
        });
        Some(dest)
    }
}

/// The seed of twos' generator until [`Scheduler::seed_random`] gives another: svcplay
/// draws the kernel's `get_random_u32()` from its own seeded generator
/// ([`crate::proxy::sim::rng::Rng`], xoshiro256++), so a run is reproducible.
pub const TWOS_DEFAULT_SEED: u64 = 0;

/// `get_random_u32_below(ceil)` (`drivers/char/random.c` `__get_random_u32_below`):
/// Lemire's multiply-and-reject on 32-bit draws, so the result is exactly uniform. The
/// kernel's `get_random_u32()` is the simulator's seeded generator here.
pub fn get_random_u32_below(rng: &mut Rng, ceil: u32) -> u32 {
    let rand = rng.next_u32();
    if ceil == 0 {
        return rand;
    }
    let mut mult = u64::from(ceil) * u64::from(rand);
    if (mult as u32) < ceil {
        let bound = ceil.wrapping_neg() % ceil;
        while (mult as u32) < bound {
            mult = u64::from(ceil) * u64::from(rng.next_u32());
        }
    }
    (mult >> 32) as u32
}

/// `ip_vs_twos_schedule`: two random draws in `[0, total weight]` pick two destinations
/// by their weight intervals in list order; the one with the smaller
/// `overhead / weight` wins, the first draw on a tie. Returns NULL only when no
/// destination has a weight (and is not overloaded).
fn twos_schedule(list: &DestList, rng: &mut Rng) -> Option<RealServerIndex> {
    let usable = |d: &Dest| !d.overloaded && d.weight > 0;
    let total_weight: i64 = list
        .iter()
        .filter(|(_, d)| usable(d))
        .map(|(_, d)| i64::from(d.weight))
        .sum();
    // `choice1` starts as the last usable destination (the first loop's leftover).
    let mut choice1 = list.iter().filter(|(_, d)| usable(d)).last()?.0;
    // "Add 1 to total_weight so that the random weights are inclusive from 0 to
    // total_weight": both draws come before the walk, in this order.
    let ceil = u32::try_from(total_weight + 1).unwrap_or(u32::MAX);
    let mut rweight1 = i64::from(get_random_u32_below(rng, ceil));
    let mut rweight2 = i64::from(get_random_u32_below(rng, ceil));
    let (mut weight1, mut weight2) = (-1i64, -1i64);
    let (mut overhead1, mut overhead2) = (0i64, 0i64);
    let mut choice2 = None;
    for (i, d) in list.iter() {
        if !usable(d) {
            continue;
        }
        let weight = i64::from(d.weight);
        rweight1 -= weight;
        rweight2 -= weight;
        if rweight1 <= 0 && weight1 == -1 {
            choice1 = i;
            weight1 = weight;
            overhead1 = d.conn_overhead();
        }
        if rweight2 <= 0 && weight2 == -1 {
            choice2 = Some(i);
            weight2 = weight;
            overhead2 = d.conn_overhead();
        }
        if weight1 != -1 && weight2 != -1 {
            break;
        }
    }
    match choice2 {
        Some(c2) if weight2 * overhead1 > weight1 * overhead2 => Some(c2),
        _ => Some(choice1),
    }
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
    Lblcr(LblcrTable),
    /// twos keeps no state of its own in the kernel; svcplay keeps the generator that
    /// stands for the kernel's `get_random_u32()`.
    Twos {
        random: Rng,
    },
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
            SchedulerName::Lblcr => SchedulerState::Lblcr(LblcrTable {
                entries: Vec::new(),
                next_full_check: SimTime(now.0 + LBLC_FULL_CHECK_MS),
            }),
            SchedulerName::Twos => SchedulerState::Twos {
                random: Rng::new(TWOS_DEFAULT_SEED),
            },
        };
        Scheduler { name, state }
    }

    /// Seeds the generator that stands for the kernel's `get_random_u32()` (only twos
    /// draws random numbers; the other schedulers ignore it).
    pub fn seed_random(&mut self, seed: u64) {
        if let SchedulerState::Twos { random } = &mut self.state {
            *random = Rng::new(seed);
        }
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
            SchedulerState::Lblcr(table) => table.schedule(list, &packet.daddr, now),
            SchedulerState::Twos { random } => twos_schedule(list, random),
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
            .filter(|n| *n != SchedulerName::Dh)
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

    /// `ip_vs_lblcr_schedule` on weight-1 servers (order .3 .2 .1), 8 long-lived TCP
    /// connections to one VIP, derived by hand: `__ip_vs_lblcr_schedule` (the wlc rule)
    /// fills the set .3, then .2 when .3 holds 2 connections while .2 is idle
    /// (`is_overloaded`), then .1; once nobody is idle the set's least loaded member
    /// (`ip_vs_dest_set_min`) takes the connection: .1 (first of three at 512), then .2
    /// (.1 is at 768). lblc would have kept .1.
    #[test]
    fn lblcr_example() {
        let mut svc = service(
            SchedulerName::Lblcr,
            Protocol::Tcp,
            &[(1, 1), (2, 1), (3, 1)],
        );
        assert_eq!(picks(&mut svc, 8), ".3 .3 .2 .2 .1 .1 .1 .2");
        let SchedulerState::Lblcr(table) = &svc.scheduler.state else {
            panic!()
        };
        let set: Vec<String> = table.entries[0]
            .set
            .iter()
            .map(|&i| last_octet(&svc, i))
            .collect();
        // `ip_vs_dest_set_insert` adds at the head.
        assert_eq!(set.join(" "), ".1 .2 .3");
        assert_eq!(table.entries[0].lastmod, SimTime(5));
    }

    /// lblcr's set shrinks once it has gone unmodified for `lblcr_expiration` (24 h): the
    /// most loaded member (`ip_vs_dest_set_max`, the first on a tie) is erased, though
    /// `ip_vs_dest_set_min` already chose it for this connection, which still goes there.
    #[test]
    fn lblcr_drops_the_most_loaded_member_after_a_day() {
        let mut svc = service(
            SchedulerName::Lblcr,
            Protocol::Tcp,
            &[(1, 1), (2, 1), (3, 1)],
        );
        picks(&mut svc, 8);
        let day = SimTime::from_secs(86_401);
        let conn = |n: u8| Connection {
            client: IpAddr::from([192, 168, 200, n]),
            client_port: 1,
        };
        // Every connection has been idle for more than 900 s and is gone: all at 0.
        let first = svc.schedule(&conn(1), day).unwrap();
        assert_eq!(last_octet(&svc, first), ".1");
        let SchedulerState::Lblcr(table) = &svc.scheduler.state else {
            panic!()
        };
        let set: Vec<String> = table.entries[0]
            .set
            .iter()
            .map(|&i| last_octet(&svc, i))
            .collect();
        assert_eq!(set.join(" "), ".2 .3");
        assert_eq!(table.entries[0].lastmod, day);
        let next = svc.schedule(&conn(2), SimTime(day.0 + 1)).unwrap();
        assert_eq!(last_octet(&svc, next), ".2");
    }

    /// `ip_vs_lblcr_schedule` returns NULL only when no server has a weight; a cached set
    /// whose members are all quiesced falls back to the whole list.
    #[test]
    fn lblcr_reschedules_when_its_set_is_quiesced() {
        let mut svc = service(
            SchedulerName::Lblcr,
            Protocol::Tcp,
            &[(1, 1), (2, 1), (3, 1)],
        );
        assert_eq!(picks(&mut svc, 1), ".3");
        let three = index_of(&svc, 3);
        svc.set_weight(three, 0);
        assert_eq!(picks(&mut svc, 1), ".2");
        for octet in [1, 2] {
            let i = index_of(&svc, octet);
            svc.set_weight(i, 0);
        }
        assert_eq!(picks(&mut svc, 1), "-");
    }

    /// `get_random_u32_below` (`__get_random_u32_below`): the high half of `ceil · rand`,
    /// redrawn only while the low half is below `2^32 mod ceil`.
    #[test]
    fn get_random_u32_below_is_lemires_method() {
        let mut rng = Rng::new(7);
        for ceil in [1u32, 2, 7, 1000, 0x8000_0001] {
            for _ in 0..200 {
                let mut probe = rng.clone();
                let bound = ceil.wrapping_neg() % ceil;
                let mut mult = u64::from(ceil) * u64::from(probe.next_u32());
                while (mult as u32) < bound {
                    mult = u64::from(ceil) * u64::from(probe.next_u32());
                }
                let got = get_random_u32_below(&mut rng, ceil);
                assert_eq!(got, (mult >> 32) as u32);
                assert!(got < ceil);
                assert_eq!(rng, probe);
            }
        }
    }

    /// `ip_vs_twos_schedule` with weights .1=1 .2=2 .3=3 (order .3 .2 .1): the total is 6,
    /// the draws fall in [0, 6] (`total_weight += 1`), and a draw r picks the first
    /// server whose running sum reaches it: .3 for 0–3, .2 for 4–5, .1 for 6. With every
    /// server idle the first draw's server wins (`weight2 * overhead1 > weight1 *
    /// overhead2` is 0 > 0). The draws are the simulator's generator standing for
    /// `get_random_u32()`.
    #[test]
    fn twos_picks_by_weight_intervals() {
        let mut svc = service(
            SchedulerName::Twos,
            Protocol::Udp,
            &[(1, 1), (2, 2), (3, 3)],
        );
        svc.seed_random(42);
        let mut draws = Rng::new(42);
        for k in 0..200u32 {
            let r1 = get_random_u32_below(&mut draws, 7);
            let _r2 = get_random_u32_below(&mut draws, 7);
            let expected = match r1 {
                0..=3 => ".3",
                4..=5 => ".2",
                _ => ".1",
            };
            let SchedulerState::Twos { random } = &mut svc.scheduler.state else {
                panic!()
            };
            let list = DestList {
                order: &svc.order,
                dests: &svc.dests,
            };
            // Idle servers: nothing counted (the scheduler alone, no connection made).
            let got = twos_schedule(&list, random).unwrap();
            assert_eq!(last_octet(&svc, got), expected, "draw {k}: r1={r1}");
        }
        // The "+1" gives the first server in the list one extra value: 4/7, 2/7, 1/7.
        let mut counts = [0u32; 3];
        let list = svc.list();
        let mut rng = Rng::new(1);
        for _ in 0..70_000 {
            let got = twos_schedule(&list, &mut rng).unwrap();
            counts[got.0] += 1;
        }
        let (one, two, three) = (counts[0], counts[1], counts[2]);
        assert!((9_500..10_500).contains(&one), "{counts:?}");
        assert!((19_300..20_700).contains(&two), "{counts:?}");
        assert!((39_000..41_000).contains(&three), "{counts:?}");
    }

    /// `ip_vs_twos_schedule`'s second stage: the second draw's server wins when its
    /// `overhead / weight` is strictly smaller. .3 holds three active connections (768),
    /// .1 none: whichever is drawn second, the idle one wins.
    #[test]
    fn twos_prefers_the_less_loaded_of_its_two_draws() {
        let mut svc = service(SchedulerName::Twos, Protocol::Tcp, &[(1, 1), (3, 1)]);
        let (one, three) = (index_of(&svc, 1), index_of(&svc, 3));
        svc.dests[three.0].active_conns = 3;
        let mut draws = Rng::new(9);
        let mut rng = Rng::new(9);
        for _ in 0..100 {
            // Order .3 .1, total 2, draws in [0, 2]: .3 for 0–1, .1 for 2.
            let r1 = get_random_u32_below(&mut draws, 3);
            let r2 = get_random_u32_below(&mut draws, 3);
            let pick = |r: u32| if r <= 1 { three } else { one };
            let (c1, c2) = (pick(r1), pick(r2));
            let expected = if c2 == one && c1 == three { one } else { c1 };
            assert_eq!(twos_schedule(&svc.list(), &mut rng), Some(expected));
        }
        // All quiesced: no destination.
        for i in [one, three] {
            svc.set_weight(i, 0);
        }
        assert_eq!(twos_schedule(&svc.list(), &mut rng), None);
    }

    /// `ip_vs_wrr_schedule`'s `err_over` after a full traversal leaves `mark->cl` at the
    /// list head (the walk's cursor is back at the head), so the next walk starts there.
    /// Order .3(w2) .2(w2) .1(w1), mark at .3 with cw 2, everything overloaded.
    #[test]
    fn wrr_starts_from_the_head_after_a_failed_walk() {
        let mut svc = service(SchedulerName::Wrr, Protocol::Tcp, &[(1, 1), (2, 2), (3, 2)]);
        let three = index_of(&svc, 3);
        for i in svc.order.clone() {
            svc.dests[i.0].overloaded = true;
        }
        let SchedulerState::Wrr(mark) = &mut svc.scheduler.state else {
            panic!()
        };
        assert_eq!((mark.di, mark.mw), (1, 2));
        mark.cl = Some(three);
        mark.cw = 2;
        assert_eq!(picks(&mut svc, 1), "-");
        let SchedulerState::Wrr(mark) = &svc.scheduler.state else {
            panic!()
        };
        assert_eq!((mark.cl, mark.cw), (None, 2));
        for i in svc.order.clone() {
            svc.dests[i.0].overloaded = false;
        }
        // From the head with cw 2: .3 (had the mark stayed at .3, .2 would come first).
        assert_eq!(picks(&mut svc, 1), ".3");
    }

    /// `ip_vs_bind_dest` / `ip_vs_unbind_dest`: with `ipvsadm -x 1` on .3, .3 is
    /// `IP_VS_DEST_F_OVERLOAD` from its first connection until that connection leaves the
    /// table (TIME_WAIT included: 120 s after the close), and rr walks past it.
    #[test]
    fn an_upper_threshold_overloads_a_server_until_its_connections_expire() {
        let mut svc = service(SchedulerName::Rr, Protocol::Tcp, &[(1, 1), (2, 1), (3, 1)]);
        let three = index_of(&svc, 3);
        svc.set_thresholds(three, 1, 0);
        let conn = |n: u8| Connection {
            client: IpAddr::from([192, 168, 5, n]),
            client_port: 1,
        };
        let mut got = Vec::new();
        for n in 1..=4 {
            let d = svc.schedule(&conn(n), SimTime(u64::from(n))).unwrap();
            got.push(last_octet(&svc, d));
        }
        assert_eq!(got.join(" "), ".3 .2 .1 .2");
        assert!(svc.dest(three).overloaded);
        svc.close(&conn(1), SimTime(10));
        svc.expire(SimTime(10 + 119_999));
        assert!(svc.dest(three).overloaded);
        svc.expire(SimTime(10 + 120_000));
        assert!(!svc.dest(three).overloaded);
        // rr's pointer is at .2: .1, then .3 again.
        assert_eq!(picks(&mut svc, 2), ".1 .3");
    }

    /// Every scheduler's C function returns NULL when no server has a weight, and only
    /// then for the schedulers that do not hash (sh, dh and mh without fallback also
    /// return NULL when the hashed server is quiesced). With short connections (ovf only
    /// counts active ones), one server with a weight is always found.
    #[test]
    fn no_scheduler_refuses_while_a_server_has_a_weight() {
        for name in SchedulerName::ALL {
            let mut svc = service(name, Protocol::Tcp, &[(1, 1), (2, 1), (3, 1)]);
            let hashing = matches!(
                name,
                SchedulerName::Sh | SchedulerName::Dh | SchedulerName::Mh
            );
            for k in 0..50u32 {
                let conn = Connection {
                    client: IpAddr::from(std::net::Ipv4Addr::from(0x0A00_0000 + k)),
                    client_port: 1,
                };
                let now = SimTime(u64::from(k));
                let got = svc.schedule(&conn, now);
                assert!(got.is_some(), "{name:?}");
                svc.close(&conn, now);
            }
            for octet in [1, 3] {
                let i = index_of(&svc, octet);
                svc.set_weight(i, 0);
            }
            let two = index_of(&svc, 2);
            for k in 50..100u32 {
                let conn = Connection {
                    client: IpAddr::from(std::net::Ipv4Addr::from(0x0A00_0000 + k)),
                    client_port: 1,
                };
                let now = SimTime(u64::from(k));
                let got = svc.schedule(&conn, now);
                if hashing {
                    assert!(got.is_none() || got == Some(two), "{name:?}");
                } else {
                    assert_eq!(got, Some(two), "{name:?}");
                }
                svc.close(&conn, now);
            }
            svc.set_weight(two, 0);
            let conn = Connection {
                client: IpAddr::from([10, 1, 1, 1]),
                client_port: 1,
            };
            assert_eq!(
                svc.connect(&conn, SimTime(1000)),
                super::super::kernel::Decision::NoDestination,
                "{name:?}"
            );
        }
    }

    /// Issue 20 item 3, derived from `set_sctp_state` and `sctp_timeouts`: lc over SCTP
    /// and TCP with two servers (order .2 .1), three short connections at 0, 1 and 2 s.
    /// At 61.5 s SCTP's first association has left CLOSED (61 s after its close; the
    /// others leave at 62 and 63) while TCP keeps all three in TIME_WAIT (120 s): SCTP
    /// counts .2:1 .1:1 and picks .2 (the first on a tie), TCP counts .2:2 .1:1 and picks
    /// .1.
    #[test]
    fn lc_over_sctp_counts_closed_associations_for_61_seconds() {
        let mut picks_at = Vec::new();
        for protocol in [Protocol::Sctp, Protocol::Tcp] {
            let mut svc = service(SchedulerName::Lc, protocol, &[(1, 1), (2, 1)]);
            let conn = |n: u8| Connection {
                client: IpAddr::from([192, 168, 6, n]),
                client_port: 1,
            };
            let mut got = Vec::new();
            for n in 0..3u8 {
                let now = SimTime::from_secs(u64::from(n));
                let d = svc.schedule(&conn(n), now).unwrap();
                svc.close(&conn(n), now);
                got.push(last_octet(&svc, d));
            }
            assert_eq!(got.join(" "), ".2 .1 .2");
            let d = svc.schedule(&conn(9), SimTime(61_500)).unwrap();
            picks_at.push(last_octet(&svc, d));
        }
        assert_eq!(picks_at, [".2", ".1"]);
    }
}
