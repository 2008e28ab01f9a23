//! ClusterIP and NodePort allocation, deterministic.
//!
//! The real allocators pick a random free value, from the upper ("dynamic") band first and
//! then from the lower ("static") band (defaults.md §2.4, §2.5). svcplay starts the search
//! at a value derived from the object's identity (FNV-1a of `namespace/name`, plus the IP
//! family for ClusterIPs or the port number for NodePorts) and probes forward to the next
//! free value inside the same bands. Values some Service of the scenario requests
//! explicitly are skipped while others are free, so writing `nodePort: 31000` in one
//! Service never steals a port another Service was given. The same text therefore always
//! gives the same values, and editing one Service never moves another Service's IP or
//! port (unless two identities collide on the same start, which a real cluster would
//! resolve at random too).
//!
//! Every value taken while admitting one object is journaled, so a rejected object gives
//! its values back ([`Allocators::rollback`]), as the registry's transactions do.
//!
//! While an admission is recorded ([`Allocators::record`]) every question it asks the
//! allocators (is this address taken? is this port requested?) is kept with its answer,
//! and every value it keeps: after an edit, an unchanged object whose questions all get
//! the same answers again would be allocated the same values, so the API server replays
//! its admission instead of running it ([`super::admit_edited`]).

use crate::hash::fnv32a;
use crate::manifest::yaml::Node;
use crate::manifest::{Kind, Manifest, RawObject};
use crate::model::ip::{Cidr, IpFamily, parse_ip_sloppy};
use std::fmt;
use std::net::IpAddr;

/// kubeadm's `--service-cluster-ip-range`.
pub const DEFAULT_SERVICE_CIDR: &str = "10.96.0.0/12";
/// The name of the ServiceCIDR object the API server makes from its flags.
pub const DEFAULT_SERVICE_CIDR_NAME: &str = "kubernetes";
/// The default `--service-node-port-range`.
pub const NODE_PORT_MIN: i64 = 30000;
pub const NODE_PORT_MAX: i64 = 32767;

/// Why a requested ClusterIP cannot be reserved (the allocators' error texts).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IpError {
    /// No service CIDR contains the address (`ErrMismatchedNetwork` of the MultiCIDR
    /// allocator, GA in v1.33).
    MismatchedNetwork,
    /// The network or broadcast address of a range.
    NotInRange {
        ip: IpAddr,
        range: Cidr,
    },
    Allocated,
    Full,
}

impl fmt::Display for IpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IpError::MismatchedNetwork => {
                f.write_str("the provided network does not match the current range")
            }
            IpError::NotInRange { ip, range } => write!(
                f,
                "the provided IP ({ip}) is not in the valid range. The range of valid IPs is {range}"
            ),
            IpError::Allocated => f.write_str("provided IP is already allocated"),
            IpError::Full => f.write_str("range is full"),
        }
    }
}

/// Why a NodePort cannot be reserved (portallocator's error texts).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PortError {
    NotInRange { min: i64, max: i64 },
    Allocated,
    Full,
}

impl fmt::Display for PortError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PortError::NotInRange { min, max } => write!(
                f,
                "provided port is not in the valid range. The range of valid ports is {min}-{max}"
            ),
            PortError::Allocated => f.write_str("provided port is already allocated"),
            PortError::Full => f.write_str("range is full"),
        }
    }
}

/// A value taken from the allocators (also what a [`Read`] asks about: [`Read::value`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Taken {
    Ip(IpAddr),
    Port(i64),
}

/// A question an allocation asks about the allocators' state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Read {
    IpTaken(IpAddr),
    IpRequested(IpAddr),
    PortTaken(i64),
    PortRequested(i64),
}

impl Read {
    /// The value the question is about.
    pub fn value(self) -> Taken {
        match self {
            Read::IpTaken(ip) | Read::IpRequested(ip) => Taken::Ip(ip),
            Read::PortTaken(port) | Read::PortRequested(port) => Taken::Port(port),
        }
    }
}

/// What one recorded admission read from the allocators (each question with its answer)
/// and the values it kept.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Recording {
    pub reads: Vec<(Read, bool)>,
    pub taken: Vec<Taken>,
}

/// The ClusterIPs and NodePorts one Service asks for by writing them (`spec.clusterIP`,
/// `spec.clusterIPs`, each port's `nodePort`, `spec.healthCheckNodePort`): every
/// Service's are set aside before any is admitted, so that no allocation hands them out.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Requests {
    pub ips: Vec<IpAddr>,
    pub ports: Vec<i64>,
}

impl Requests {
    /// The requests a Service's written node makes.
    pub fn of(service: &Node) -> Requests {
        let Some(spec) = service.get("spec") else {
            return Requests::default();
        };
        let mut ips: Vec<&str> = spec
            .get("clusterIPs")
            .and_then(|c| c.items())
            .unwrap_or(&[])
            .iter()
            .filter_map(|n| n.as_str())
            .collect();
        ips.extend(spec.get("clusterIP").and_then(|n| n.as_str()));
        let ports = spec.get("ports").and_then(|p| p.items()).unwrap_or(&[]);
        Requests {
            ips: ips.into_iter().filter_map(parse_ip_sloppy).collect(),
            ports: ports
                .iter()
                .filter_map(|p| p.get("nodePort").and_then(|n| n.as_int()))
                .chain(spec.get("healthCheckNodePort").and_then(|n| n.as_int()))
                .collect(),
        }
    }
}

/// The allocated values, each with the position of the admission that holds it
/// ([`Allocators::at`]; 0 for the built-in Services').
type Holders<T> = std::collections::HashMap<T, u32, crate::hash::FnvBuild>;
/// The requested values, each with how many Services request it.
type Counts<T> = std::collections::HashMap<T, u32, crate::hash::FnvBuild>;

/// Adds one request of `value`; true when nothing requested it before.
fn count_up<T: std::hash::Hash + Eq>(counts: &mut Counts<T>, value: T) -> bool {
    let count = counts.entry(value).or_insert(0);
    *count += 1;
    *count == 1
}

/// Takes one request of `value` back; true when nothing requests it any more.
fn count_down<T: std::hash::Hash + Eq>(counts: &mut Counts<T>, value: T) -> bool {
    match counts.get_mut(&value) {
        Some(count) if *count > 1 => {
            *count -= 1;
            false
        }
        Some(_) => {
            counts.remove(&value);
            true
        }
        None => false,
    }
}

/// The cluster's allocators: service CIDRs and the values taken so far.
#[derive(Clone, Debug)]
pub struct Allocators {
    /// The service CIDRs, the primary range (the `kubernetes` ServiceCIDR) first.
    pub service_cidrs: Vec<Cidr>,
    // Hash maps, only looked up (a dump's 5,000 Services fill them). A value is taken for
    // the admission at position `now` when its holder's position is at most `now`: in a
    // run from the first object to the last that is every value held, and an edit's
    // carry-over (`super::carry`) asks about the values as they were at an object's
    // place in the text, before the objects after it took theirs.
    ips: Holders<IpAddr>,
    node_ports: Holders<i64>,
    requested_ips: Counts<IpAddr>,
    requested_ports: Counts<i64>,
    /// The values taken since `begin`, each with the holder it replaced (given back by
    /// `rollback`).
    journal: Vec<(Taken, Option<u32>)>,
    /// The position of the admission in progress: [`RawObject::id`] + 1 (0 is the
    /// built-in Services', `u32::MAX` every value held).
    now: u32,
    /// The admission being recorded, if one is.
    recording: std::cell::RefCell<Option<Recording>>,
}

/// `calculateRangeOffset`: the size of the static band of a range.
fn static_band(size: u128, min: u128, max: u128, step: u128) -> u128 {
    if size < min {
        return 0;
    }
    (size / step).clamp(min, max)
}

/// The values the allocators hold and the values requested, without the rest of their
/// state: what an analysis keeps for the next edit's carry-over (`super::carry`).
#[derive(Clone, Debug, Default)]
pub struct Values {
    ips: Holders<IpAddr>,
    node_ports: Holders<i64>,
    requested_ips: Counts<IpAddr>,
    requested_ports: Counts<i64>,
}

impl Default for Allocators {
    fn default() -> Self {
        Allocators::with_cidrs(Vec::new())
    }
}

impl Allocators {
    /// The service CIDRs of the scenario's `ServiceCIDR` objects (one named `kubernetes`
    /// replaces the default range; others add ranges), with kubeadm's default otherwise,
    /// and every ClusterIP and NodePort some Service requests explicitly.
    pub fn new(manifest: &Manifest) -> Allocators {
        Allocators::new_reusing(manifest, |_| None).0
    }

    /// [`Allocators::new`], with each Service's requests taken from `known` when it knows
    /// them (after an edit: the previous analysis' requests of a Service whose document
    /// was not parsed again, which an analysis keeps instead of the Service's tree), and
    /// every Service's requests by [`RawObject::id`], for the next edit.
    pub fn new_reusing(
        manifest: &Manifest,
        mut known: impl FnMut(&RawObject) -> Option<Requests>,
    ) -> (Allocators, Vec<Option<Requests>>) {
        let mut primary = Vec::new();
        let mut extra = Vec::new();
        for raw in manifest
            .objects
            .iter()
            .filter(|o| o.kind == Kind::ServiceCIDR)
        {
            let cidrs: Vec<Cidr> = raw
                .node()
                .get("spec")
                .and_then(|s| s.get("cidrs"))
                .and_then(|c| c.items())
                .unwrap_or(&[])
                .iter()
                .filter_map(|n| n.as_str())
                .filter_map(Cidr::parse_sloppy)
                .collect();
            if raw.name == DEFAULT_SERVICE_CIDR_NAME {
                primary = cidrs;
            } else {
                extra.extend(cidrs);
            }
        }
        if primary.is_empty() {
            primary.push(Cidr::parse_sloppy(DEFAULT_SERVICE_CIDR).expect("constant CIDR"));
        }
        primary.extend(extra);
        let mut allocators = Allocators::with_cidrs(primary);
        let services = manifest.objects.len();
        allocators.ips.reserve(services);
        allocators.requested_ips.reserve(services);
        let mut all = vec![None; manifest.objects.len()];
        for raw in manifest.objects.iter().filter(|o| o.kind == Kind::Service) {
            let requests = known(raw).unwrap_or_else(|| Requests::of(&raw.node()));
            allocators.request(&requests);
            if let Some(slot) = all.get_mut(raw.id) {
                *slot = Some(requests);
            }
        }
        (allocators, all)
    }

    pub fn with_cidrs(service_cidrs: Vec<Cidr>) -> Allocators {
        let service_cidrs = if service_cidrs.is_empty() {
            vec![Cidr::parse_sloppy(DEFAULT_SERVICE_CIDR).expect("constant CIDR")]
        } else {
            service_cidrs
        };
        Allocators {
            service_cidrs,
            ips: Holders::default(),
            node_ports: Holders::default(),
            requested_ips: Counts::default(),
            requested_ports: Counts::default(),
            journal: Vec::new(),
            now: u32::MAX,
            recording: std::cell::RefCell::new(None),
        }
    }

    /// The values held and requested, the allocators done.
    pub fn into_values(self) -> Values {
        Values {
            ips: self.ips,
            node_ports: self.node_ports,
            requested_ips: self.requested_ips,
            requested_ports: self.requested_ports,
        }
    }

    /// Allocators over `service_cidrs` holding `values` (answering with every value held).
    pub fn from_values(service_cidrs: Vec<Cidr>, values: Values) -> Allocators {
        let mut allocators = Allocators::with_cidrs(service_cidrs);
        allocators.ips = values.ips;
        allocators.node_ports = values.node_ports;
        allocators.requested_ips = values.requested_ips;
        allocators.requested_ports = values.requested_ports;
        allocators
    }

    /// Sets aside the values one Service requests (see [`Requests`]).
    pub fn request(&mut self, requests: &Requests) {
        self.request_noting(requests, &mut |_| {});
    }

    /// [`Allocators::request`], calling `changed` with each value nothing requested before.
    pub fn request_noting(&mut self, requests: &Requests, changed: &mut dyn FnMut(Taken)) {
        for &ip in &requests.ips {
            if count_up(&mut self.requested_ips, ip) {
                changed(Taken::Ip(ip));
            }
        }
        for &port in &requests.ports {
            if count_up(&mut self.requested_ports, port) {
                changed(Taken::Port(port));
            }
        }
    }

    /// Takes back the values one Service requested (it is gone or changed), calling
    /// `changed` with each value nothing requests any more.
    pub fn unrequest_noting(&mut self, requests: &Requests, changed: &mut dyn FnMut(Taken)) {
        for &ip in &requests.ips {
            if count_down(&mut self.requested_ips, ip) {
                changed(Taken::Ip(ip));
            }
        }
        for &port in &requests.ports {
            if count_down(&mut self.requested_ports, port) {
                changed(Taken::Port(port));
            }
        }
    }

    /// Answers from now on as the admission of object `id` (the values held by objects
    /// after it are not taken yet).
    pub fn at(&mut self, id: usize) {
        self.now = u32::try_from(id).map_or(u32::MAX - 1, |id| id.saturating_add(1));
    }

    /// Answers from now on with every value held.
    pub fn at_the_end(&mut self) {
        self.now = u32::MAX;
    }

    /// The position ([`Allocators::at`]) of the admission holding `value`, if one does.
    pub fn holder(&self, value: Taken) -> Option<u32> {
        match value {
            Taken::Ip(ip) => self.ips.get(&ip).copied(),
            Taken::Port(port) => self.node_ports.get(&port).copied(),
        }
    }

    /// Gives `value` back when the admission at `position` holds it.
    pub fn release_held(&mut self, value: Taken, position: u32) {
        if self.holder(value) == Some(position) {
            match value {
                Taken::Ip(ip) => self.ips.remove(&ip),
                Taken::Port(port) => self.node_ports.remove(&port),
            };
        }
    }

    /// Moves every holder at position `from` or later by `by` (objects were added or
    /// removed before them).
    pub fn shift_holders(&mut self, from: u32, by: i64) {
        let shift = |h: &mut u32| {
            if *h >= from {
                *h = (i64::from(*h) + by).clamp(0, i64::from(u32::MAX - 1)) as u32;
            }
        };
        self.ips.values_mut().for_each(shift);
        self.node_ports.values_mut().for_each(shift);
    }

    /// Starts recording what the next admission reads and keeps.
    pub fn record(&mut self) {
        *self.recording.get_mut() = Some(Recording::default());
    }

    /// Stops recording and returns what was recorded.
    pub fn recorded(&mut self) -> Recording {
        self.recording.get_mut().take().unwrap_or_default()
    }

    /// Whether every recorded question gets the same answer now.
    pub fn answers_again(&self, reads: &[(Read, bool)]) -> bool {
        reads.iter().all(|&(read, answer)| self.ask(read) == answer)
    }

    /// Whether every question the admission of object `id` recorded gets the same answer
    /// at its place in the text, that admission's own values aside: they are held by `id`
    /// (taken after the question, or before it by the same admission, which answers the
    /// same when every earlier question does), not by an object before it.
    pub fn answers_again_at(&self, id: usize, reads: &[(Read, bool)]) -> bool {
        let own = u32::try_from(id).map_or(u32::MAX - 1, |id| id.saturating_add(1));
        let taken = |holder: Option<&u32>, answer: bool| match holder {
            Some(&h) if h == own => true,
            Some(&h) => (h < own) == answer,
            None => !answer,
        };
        reads.iter().all(|&(read, answer)| match read {
            Read::IpTaken(ip) => taken(self.ips.get(&ip), answer),
            Read::PortTaken(port) => taken(self.node_ports.get(&port), answer),
            Read::IpRequested(ip) => self.requested_ips.contains_key(&ip) == answer,
            Read::PortRequested(port) => self.requested_ports.contains_key(&port) == answer,
        })
    }

    /// Keeps the values a replayed admission kept.
    pub fn take_again(&mut self, taken: &[Taken]) {
        for taken in taken {
            match *taken {
                Taken::Ip(ip) => self.ips.insert(ip, self.now),
                Taken::Port(port) => self.node_ports.insert(port, self.now),
            };
        }
    }

    fn ask(&self, read: Read) -> bool {
        let now = self.now;
        match read {
            Read::IpTaken(ip) => self.ips.get(&ip).is_some_and(|&h| h <= now),
            Read::IpRequested(ip) => self.requested_ips.contains_key(&ip),
            Read::PortTaken(port) => self.node_ports.get(&port).is_some_and(|&h| h <= now),
            Read::PortRequested(port) => self.requested_ports.contains_key(&port),
        }
    }

    /// Answers `read`, noting the question and its answer while recording.
    fn read(&self, read: Read) -> bool {
        let answer = self.ask(read);
        if let Some(recording) = self.recording.borrow_mut().as_mut() {
            recording.reads.push((read, answer));
        }
        answer
    }

    /// Whether `other` allocates from the same service ranges (admissions recorded
    /// against other ranges are not replayed: the ranges decide more than the questions
    /// recorded).
    pub fn same_ranges(&self, other: &Allocators) -> bool {
        self.service_cidrs == other.service_cidrs
    }

    /// The primary range (the first `--service-cluster-ip-range`).
    pub fn primary_cidr(&self) -> Cidr {
        self.service_cidrs[0]
    }

    /// The address of `default/kubernetes`: the first usable address of the primary range.
    pub fn kubernetes_ip(&self) -> Option<IpAddr> {
        self.primary_cidr().nth(1)
    }

    /// kubeadm pins kube-dns to the tenth address of the primary range.
    pub fn dns_ip(&self) -> Option<IpAddr> {
        self.primary_cidr().nth(10)
    }

    /// Marks an address as taken outside any transaction (the built-in Services').
    pub fn reserve_builtin_ip(&mut self, ip: IpAddr) {
        self.ips.insert(ip, 0);
    }

    /// The primary family of the cluster (the first service CIDR's).
    pub fn primary_family(&self) -> IpFamily {
        self.primary_cidr().family()
    }

    pub fn serves(&self, family: IpFamily) -> bool {
        self.service_cidrs.iter().any(|c| c.family() == family)
    }

    pub fn is_dual_stack(&self) -> bool {
        self.serves(IpFamily::IPv4) && self.serves(IpFamily::IPv6)
    }

    /// Starts a transaction: values taken from now on can be given back with `rollback`.
    pub fn begin(&mut self) {
        self.journal.clear();
    }

    /// Keeps the values taken since `begin`.
    pub fn commit(&mut self) {
        self.journal.clear();
    }

    /// Gives back every value taken since `begin`.
    pub fn rollback(&mut self) {
        if let Some(recording) = self.recording.get_mut() {
            recording
                .taken
                .retain(|t| !self.journal.iter().any(|(j, _)| j == t));
        }
        // Most recent first, so that each value gets back the holder it had before.
        for (taken, before) in self.journal.drain(..).rev() {
            match (taken, before) {
                (Taken::Ip(ip), Some(h)) => {
                    self.ips.insert(ip, h);
                }
                (Taken::Ip(ip), None) => {
                    self.ips.remove(&ip);
                }
                (Taken::Port(p), Some(h)) => {
                    self.node_ports.insert(p, h);
                }
                (Taken::Port(p), None) => {
                    self.node_ports.remove(&p);
                }
            }
        }
    }

    /// Releases an address (an update that drops it, once the update succeeded).
    pub fn release_ip(&mut self, ip: IpAddr) {
        self.ips.remove(&ip);
    }

    pub fn release_node_port(&mut self, port: i64) {
        self.node_ports.remove(&port);
    }

    pub fn is_ip_taken(&self, ip: &IpAddr) -> bool {
        self.read(Read::IpTaken(*ip))
    }

    pub fn is_node_port_taken(&self, port: i64) -> bool {
        self.read(Read::PortTaken(port))
    }

    fn take_ip(&mut self, ip: IpAddr) {
        let before = self.ips.insert(ip, self.now);
        self.journal.push((Taken::Ip(ip), before));
        if let Some(recording) = self.recording.get_mut() {
            recording.taken.push(Taken::Ip(ip));
        }
    }

    fn take_port(&mut self, port: i64) {
        let before = self.node_ports.insert(port, self.now);
        self.journal.push((Taken::Port(port), before));
        if let Some(recording) = self.recording.get_mut() {
            recording.taken.push(Taken::Port(port));
        }
    }

    /// Reserves a requested ClusterIP (`AllocateService` of the MetaAllocator).
    pub fn reserve_ip(&mut self, ip: IpAddr) -> Result<(), IpError> {
        let Some(cidr) = self.service_cidrs.iter().copied().find(|c| c.contains(&ip)) else {
            return Err(IpError::MismatchedNetwork);
        };
        let offset = cidr.offset_of(&ip).unwrap_or(0);
        let broadcast = cidr.family() == IpFamily::IPv4 && offset + 1 == cidr.size();
        if offset == 0 || broadcast {
            return Err(IpError::NotInRange { ip, range: cidr });
        }
        if self.read(Read::IpTaken(ip)) {
            return Err(IpError::Allocated);
        }
        self.take_ip(ip);
        Ok(())
    }

    /// Allocates a ClusterIP of `family` for `seed` (`namespace/name`).
    pub fn allocate_ip(&mut self, family: IpFamily, seed: &str) -> Result<IpAddr, IpError> {
        let cidrs: Vec<Cidr> = self
            .service_cidrs
            .iter()
            .copied()
            .filter(|c| c.family() == family)
            .collect();
        let seed = match family {
            IpFamily::IPv4 => seed.to_string(),
            IpFamily::IPv6 => format!("{seed}/IPv6"),
        };
        let start = u128::from(fnv32a(seed.as_bytes()));
        for avoid_requested in [true, false] {
            for cidr in &cidrs {
                if let Some(ip) = self.probe_ip(*cidr, start, avoid_requested) {
                    self.take_ip(ip);
                    return Ok(ip);
                }
            }
        }
        Err(IpError::Full)
    }

    fn probe_ip(&self, cidr: Cidr, start: u128, avoid_requested: bool) -> Option<IpAddr> {
        let size = cidr.size();
        // Usable offsets: 1 ..= size-2 for IPv4 (network and broadcast excluded),
        // 1 ..= size-1 for IPv6.
        let last = match cidr.family() {
            IpFamily::IPv4 => size.saturating_sub(2),
            IpFamily::IPv6 => size.saturating_sub(1),
        };
        if last < 1 {
            return None;
        }
        let band = static_band(size, 16, 256, 16).min(last);
        for (lo, hi) in [(band + 1, last), (1, band)] {
            if lo > hi {
                continue;
            }
            let span = hi - lo + 1;
            let first = start % span;
            // A huge IPv6 range is never probed exhaustively: a million misses means full.
            for k in 0..span.min(1 << 20) {
                let offset = lo + (first + k) % span;
                let Some(ip) = cidr.nth(offset) else { continue };
                if self.read(Read::IpTaken(ip))
                    || (avoid_requested && self.read(Read::IpRequested(ip)))
                {
                    continue;
                }
                return Some(ip);
            }
        }
        None
    }

    /// Reserves a requested NodePort (or healthCheckNodePort).
    pub fn reserve_node_port(&mut self, port: i64) -> Result<(), PortError> {
        if !(NODE_PORT_MIN..=NODE_PORT_MAX).contains(&port) {
            return Err(PortError::NotInRange {
                min: NODE_PORT_MIN,
                max: NODE_PORT_MAX,
            });
        }
        if self.read(Read::PortTaken(port)) {
            return Err(PortError::Allocated);
        }
        self.take_port(port);
        Ok(())
    }

    /// Allocates a NodePort for `seed` (`namespace/name/<port>` or `.../healthCheck`).
    pub fn allocate_node_port(&mut self, seed: &str) -> Result<i64, PortError> {
        let size = NODE_PORT_MAX - NODE_PORT_MIN + 1;
        let band = static_band(size as u128, 16, 128, 32) as i64;
        let start = i64::from(fnv32a(seed.as_bytes()));
        for avoid_requested in [true, false] {
            for (lo, hi) in [
                (NODE_PORT_MIN + band, NODE_PORT_MAX),
                (NODE_PORT_MIN, NODE_PORT_MIN + band - 1),
            ] {
                if lo > hi {
                    continue;
                }
                let span = hi - lo + 1;
                let first = start % span;
                for k in 0..span {
                    let port = lo + (first + k) % span;
                    if self.read(Read::PortTaken(port))
                        || (avoid_requested && self.read(Read::PortRequested(port)))
                    {
                        continue;
                    }
                    self.take_port(port);
                    return Ok(port);
                }
            }
        }
        Err(PortError::Full)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dynamic_bands_come_first_and_values_are_stable() {
        let mut a = Allocators::default();
        let ip = a.allocate_ip(IpFamily::IPv4, "default/web").unwrap();
        let cidr = Cidr::parse_sloppy(DEFAULT_SERVICE_CIDR).unwrap();
        assert!(
            cidr.offset_of(&ip).unwrap() > 256,
            "{ip} is in the static band"
        );
        let mut b = Allocators::default();
        b.allocate_ip(IpFamily::IPv4, "default/other").unwrap();
        assert_eq!(b.allocate_ip(IpFamily::IPv4, "default/web"), Ok(ip));
        let port = a.allocate_node_port("default/web/80").unwrap();
        assert!((30086..=32767).contains(&port));
    }

    #[test]
    fn requests_and_rollback() {
        let mut a = Allocators::default();
        let ip: IpAddr = "10.96.0.0".parse().unwrap();
        assert!(matches!(a.reserve_ip(ip), Err(IpError::NotInRange { .. })));
        assert_eq!(
            a.reserve_ip("192.168.1.10".parse().unwrap()),
            Err(IpError::MismatchedNetwork)
        );
        a.begin();
        a.reserve_ip("10.96.0.50".parse().unwrap()).unwrap();
        a.reserve_node_port(30007).unwrap();
        assert_eq!(a.reserve_node_port(30007), Err(PortError::Allocated));
        a.rollback();
        assert!(a.reserve_ip("10.96.0.50".parse().unwrap()).is_ok());
        assert!(a.reserve_node_port(30007).is_ok());
        assert_eq!(
            a.reserve_node_port(80).unwrap_err().to_string(),
            "provided port is not in the valid range. The range of valid ports is 30000-32767"
        );
    }

    #[test]
    fn small_ranges_have_no_static_band_below_sixteen_addresses() {
        assert_eq!(static_band(8, 16, 256, 16), 0);
        assert_eq!(static_band(256, 16, 256, 16), 16);
        assert_eq!(static_band(1 << 20, 16, 256, 16), 256);
        assert_eq!(static_band(2768, 16, 128, 32), 86);
        let mut a = Allocators::with_cidrs(vec![Cidr::parse_sloppy("10.0.0.0/29").unwrap()]);
        let mut got = std::collections::BTreeSet::new();
        while let Ok(ip) = a.allocate_ip(IpFamily::IPv4, "x") {
            got.insert(ip.to_string());
        }
        assert_eq!(got.len(), 6, "{got:?}");
    }
}
