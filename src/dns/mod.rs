//! Cluster DNS: what CoreDNS answers for Services and Pods, with the kubeadm Corefile.
//!
//! Written from `endpoints-dns/dns.md` and CoreDNS's kubernetes plugin (`parse.go`
//! parseRequest, `kubernetes.go` findServices/findPods/endpointHostname, `reverse.go`,
//! `handler.go`, `plugin/backend_lookup.go` A/AAAA/SRV/PTR/CNAME assembly). The Corefile is
//! the one kubeadm writes today (`cmd/kubeadm/app/phases/addons/dns/manifests.go`,
//! `CoreDNSConfigMap`):
//!
//! ```text
//! .:53 {
//!     errors
//!     health {
//!        lameduck 5s
//!     }
//!     ready
//!     kubernetes cluster.local in-addr.arpa ip6.arpa {
//!        pods insecure
//!        fallthrough in-addr.arpa ip6.arpa
//!        ttl 30
//!     }
//!     prometheus :9153
//!     forward . /etc/resolv.conf {
//!        max_concurrent 1000
//!     }
//!     cache 30 {
//!        disable success cluster.local
//!        disable denial cluster.local
//!     }
//!     loop
//!     reload
//!     loadbalance
//! }
//! ```
//!
//! The `disable` lines are why TTLs of `cluster.local` names never count down: those
//! answers are never cached, every query is answered afresh with the full TTL. The cache
//! plugin still caps every TTL it passes through at 30 s (`plugin/cache/cache.go`,
//! `ResponseWriter.WriteMsg`: `computeTTL` with `cache 30`'s maximum, applied to the
//! reply by `filterRRSlice`) before `set` checks the `disable` list, so even
//! `dns-version.cluster.local. TXT`, which the kubernetes plugin gives a TTL of 28800,
//! reaches the client with 30 ([`cache_ttl`]).
//!
//! [`resolve`] answers one question the way the server does: the rcode (NOERROR, NXDOMAIN),
//! the answer, authority (the SOA of a negative answer) and additional sections. Endpoints
//! are read from the EndpointSlices, as CoreDNS does ("ready" = `conditions.ready` true or
//! unset; a port-less slice becomes the port -1 sentinel, kept for A/AAAA and dropped from
//! SRV). Answers keep the scenario's order; the real `loadbalance` plugin shuffles A/AAAA.
//!
//! What svcplay cannot know: names outside the cluster domain and reverse names of IPs no
//! Service holds are forwarded to the node's resolver (`forward`, `fallthrough`), and
//! ExternalName targets outside the cluster are resolved the same way. svcplay never
//! invents those upstream answers: the [`Response::upstream`] note says what would be
//! asked, and views print it as a comment.
//!
//! Fixed values where the real server varies: the SOA serial is [`SOA_SERIAL`] (CoreDNS
//! uses the Unix time of the last change it saw; here the scenario's start), and TTLs are
//! the configured ones (a cached answer would count down).

pub mod downstream;
pub mod resolv;
pub mod wire;

use crate::controllers::endpointslice::has_selector;
use crate::model::ip::{IpFamily, parse_ip_sloppy};
use crate::model::{EndpointSlice, Objects, Service};
use crate::sort::CollectBTree;
use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// The cluster domain (kubelet `clusterDomain`, CoreDNS zone).
pub const CLUSTER_DOMAIN: &str = "cluster.local";
/// `ttl 30` in kubeadm's Corefile.
pub const TTL: u32 = 30;
/// The TTL the kubernetes plugin gives `dns-version` TXT (before the cache plugin caps
/// it, see [`cache_ttl`]).
pub const DNS_VERSION_TTL: u32 = 28800;
/// `cache 30` in kubeadm's Corefile: the cache plugin's maximum TTL for answers.
pub const CACHE_MAX_TTL: u32 = 30;
/// The cache plugin's default minimum TTL (`minTTL`, 5 s).
pub const CACHE_MIN_TTL: u32 = 5;

/// The TTL a record reaches the client with after the cache plugin
/// (`plugin/cache/cache.go` `computeTTL`: raised to the minimum, capped at the maximum),
/// whether or not the answer is then cached.
pub fn cache_ttl(ttl: u32) -> u32 {
    ttl.clamp(CACHE_MIN_TTL, CACHE_MAX_TTL)
}
/// `DNSSchemaVersion` CoreDNS reports.
pub const DNS_SCHEMA_VERSION: &str = "1.1.0";
/// The SOA serial svcplay prints: the Unix time of [`crate::controllers::SCENARIO_START`].
pub const SOA_SERIAL: u32 = 1_735_689_600;
/// kube-dns's address in a kubeadm cluster with the default service CIDR.
pub const DEFAULT_DNS_SERVICE_IP: &str = "10.96.0.10";

/// Record types svcplay knows by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RecordType {
    A,
    Ns,
    Cname,
    Soa,
    Ptr,
    Mx,
    Txt,
    Aaaa,
    Srv,
    Any,
    /// Any other type, by number (`TYPE65`).
    Other(u16),
}

impl RecordType {
    pub fn parse(s: &str) -> Option<RecordType> {
        Some(match s.to_ascii_uppercase().as_str() {
            "A" => RecordType::A,
            "NS" => RecordType::Ns,
            "CNAME" => RecordType::Cname,
            "SOA" => RecordType::Soa,
            "PTR" => RecordType::Ptr,
            "MX" => RecordType::Mx,
            "TXT" => RecordType::Txt,
            "AAAA" => RecordType::Aaaa,
            "SRV" => RecordType::Srv,
            "ANY" => RecordType::Any,
            other => {
                let n = other.strip_prefix("TYPE")?.parse().ok()?;
                RecordType::Other(n)
            }
        })
    }

    /// The type code on the wire.
    pub fn code(self) -> u16 {
        match self {
            RecordType::A => 1,
            RecordType::Ns => 2,
            RecordType::Cname => 5,
            RecordType::Soa => 6,
            RecordType::Ptr => 12,
            RecordType::Mx => 15,
            RecordType::Txt => 16,
            RecordType::Aaaa => 28,
            RecordType::Srv => 33,
            RecordType::Any => 255,
            RecordType::Other(n) => n,
        }
    }
}

impl fmt::Display for RecordType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecordType::A => f.write_str("A"),
            RecordType::Ns => f.write_str("NS"),
            RecordType::Cname => f.write_str("CNAME"),
            RecordType::Soa => f.write_str("SOA"),
            RecordType::Ptr => f.write_str("PTR"),
            RecordType::Mx => f.write_str("MX"),
            RecordType::Txt => f.write_str("TXT"),
            RecordType::Aaaa => f.write_str("AAAA"),
            RecordType::Srv => f.write_str("SRV"),
            RecordType::Any => f.write_str("ANY"),
            RecordType::Other(n) => write!(f, "TYPE{n}"),
        }
    }
}

/// The data of a record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RData {
    A(Ipv4Addr),
    Aaaa(Ipv6Addr),
    Cname(String),
    Ptr(String),
    Ns(String),
    Txt(String),
    Srv {
        priority: u16,
        weight: u16,
        port: u16,
        target: String,
    },
    Soa {
        mname: String,
        rname: String,
        serial: u32,
        refresh: u32,
        retry: u32,
        expire: u32,
        minimum: u32,
    },
}

/// One resource record; `name` is absolute (ends in a dot).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    pub name: String,
    pub ttl: u32,
    pub data: RData,
}

impl Record {
    pub fn record_type(&self) -> RecordType {
        match self.data {
            RData::A(_) => RecordType::A,
            RData::Aaaa(_) => RecordType::Aaaa,
            RData::Cname(_) => RecordType::Cname,
            RData::Ptr(_) => RecordType::Ptr,
            RData::Ns(_) => RecordType::Ns,
            RData::Txt(_) => RecordType::Txt,
            RData::Srv { .. } => RecordType::Srv,
            RData::Soa { .. } => RecordType::Soa,
        }
    }

    /// The record data in presentation form (what `dig +short` prints).
    pub fn rdata_text(&self) -> String {
        match &self.data {
            RData::A(ip) => ip.to_string(),
            RData::Aaaa(ip) => ip.to_string(),
            RData::Cname(n) | RData::Ptr(n) | RData::Ns(n) => n.clone(),
            RData::Txt(t) => format!("\"{t}\""),
            RData::Srv {
                priority,
                weight,
                port,
                target,
            } => format!("{priority} {weight} {port} {target}"),
            RData::Soa {
                mname,
                rname,
                serial,
                refresh,
                retry,
                expire,
                minimum,
            } => format!("{mname} {rname} {serial} {refresh} {retry} {expire} {minimum}"),
        }
    }

    /// The size of the record on the wire, uncompressed (CoreDNS does not compress
    /// answers that fit the client's buffer).
    pub fn wire_len(&self) -> usize {
        let rdata = match &self.data {
            RData::A(_) => 4,
            RData::Aaaa(_) => 16,
            RData::Cname(n) | RData::Ptr(n) | RData::Ns(n) => wire_name_len(n),
            RData::Txt(t) => 1 + t.len(),
            RData::Srv { target, .. } => 6 + wire_name_len(target),
            RData::Soa { mname, rname, .. } => wire_name_len(mname) + wire_name_len(rname) + 20,
        };
        wire_name_len(&self.name) + 10 + rdata
    }
}

impl fmt::Display for Record {
    /// The single-space presentation form (`name ttl IN type rdata`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} IN {} {}",
            self.name,
            self.ttl,
            self.record_type(),
            self.rdata_text()
        )
    }
}

/// Length of a domain name on the wire: one length byte per label plus the root byte.
pub fn wire_name_len(name: &str) -> usize {
    let trimmed = name.trim_end_matches('.');
    if trimmed.is_empty() {
        1
    } else {
        trimmed.len() + 2
    }
}

/// The response code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rcode {
    NoError,
    NxDomain,
    ServFail,
}

impl fmt::Display for Rcode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Rcode::NoError => "NOERROR",
            Rcode::NxDomain => "NXDOMAIN",
            Rcode::ServFail => "SERVFAIL",
        })
    }
}

/// What CoreDNS answers to one question.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response {
    /// The question name, absolute.
    pub name: String,
    pub qtype: RecordType,
    pub rcode: Rcode,
    pub answer: Vec<Record>,
    pub authority: Vec<Record>,
    pub additional: Vec<Record>,
    /// Set when (part of) the answer comes from the upstream resolver, which svcplay
    /// cannot reach: the name that would be asked upstream.
    pub upstream: Option<String>,
}

impl Response {
    /// Whether the whole question goes upstream (nothing of it is the cluster's to answer).
    pub fn is_forwarded(&self) -> bool {
        self.upstream.is_some() && self.answer.is_empty()
    }
}

/// The cluster facts CoreDNS answers from.
pub struct Cluster<'a> {
    pub objects: &'a Objects,
    pub domain: String,
    pub ttl: u32,
    namespaces: BTreeSet<String>,
    /// The Services of each (namespace, name), ASCII case folded as CoreDNS matches them,
    /// by position in `objects.services` (in order): a name is looked up, not searched
    /// for among 5,000 Services.
    services: HashMap<(String, String), Vec<usize>>,
    /// The EndpointSlices of each (namespace, Service name), by position (in order).
    slices: HashMap<(String, String), Vec<usize>>,
}

impl<'a> Cluster<'a> {
    pub fn new(objects: &'a Objects) -> Cluster<'a> {
        Cluster::indexing(objects, |_, _| true)
    }

    /// The cluster with only the Services whose ASCII case folded (namespace, name)
    /// `keep` keeps, and only the EndpointSlices of such a name, looked up: enough to
    /// answer for those Services' own names ([`service_names_of`]) without indexing
    /// 5,000 others (what an edit changed recomputes the records of the Services it
    /// touched).
    pub fn indexing(objects: &'a Objects, keep: impl Fn(&str, &str) -> bool) -> Cluster<'a> {
        let namespaces: BTreeSet<String> = namespace_names(objects)
            .into_iter()
            .map(str::to_string)
            .collect_btree();
        let mut services: HashMap<(String, String), Vec<usize>> = HashMap::new();
        for (i, s) in objects.services.iter().enumerate() {
            let key = (
                s.meta.namespace.to_ascii_lowercase(),
                s.meta.name.to_ascii_lowercase(),
            );
            if keep(&key.0, &key.1) {
                services.entry(key).or_default().push(i);
            }
        }
        let mut slices: HashMap<(String, String), Vec<usize>> = HashMap::new();
        for (i, s) in objects.endpoint_slices.iter().enumerate() {
            if let Some(service) = s.service_name() {
                if keep(
                    &s.meta.namespace.to_ascii_lowercase(),
                    &service.to_ascii_lowercase(),
                ) {
                    slices
                        .entry((s.meta.namespace.clone(), service.to_string()))
                        .or_default()
                        .push(i);
                }
            }
        }
        Cluster {
            objects,
            domain: CLUSTER_DOMAIN.into(),
            ttl: TTL,
            namespaces,
            services,
            slices,
        }
    }

    /// The Services named `name` in `namespace`, ASCII case folded (in order).
    fn services_named(&self, namespace: &str, name: &str) -> impl Iterator<Item = &'a Service> {
        let objects = self.objects;
        self.services
            .get(&(namespace.to_ascii_lowercase(), name.to_ascii_lowercase()))
            .into_iter()
            .flatten()
            .map(move |&i| &objects.services[i])
    }

    /// Whether a namespace exists (every namespace an object names does).
    pub fn namespace_exists(&self, name: &str) -> bool {
        self.namespaces.iter().any(|n| n.eq_ignore_ascii_case(name))
    }

    /// The address pods use as their nameserver: kube-system/kube-dns's cluster IP, else
    /// the tenth address of the first ServiceCIDR, else 10.96.0.10.
    pub fn dns_service_ip(&self) -> String {
        if let Some(ip) = self
            .objects
            .service("kube-system", "kube-dns")
            .and_then(|s| s.spec.cluster_ip.clone())
            .filter(|ip| parse_ip_sloppy(ip).is_some())
        {
            return ip;
        }
        self.objects
            .service_cidrs
            .iter()
            .flat_map(|c| c.cidrs.iter())
            .find_map(|c| crate::model::ip::Cidr::parse_sloppy(c))
            .and_then(|c| c.nth(10))
            .map(|ip| ip.to_string())
            .unwrap_or_else(|| DEFAULT_DNS_SERVICE_IP.to_string())
    }

    fn soa(&self) -> Record {
        Record {
            name: format!("{}.", self.domain),
            ttl: self.ttl.min(300),
            data: RData::Soa {
                mname: format!("ns.dns.{}.", self.domain),
                rname: format!("hostmaster.{}.", self.domain),
                serial: SOA_SERIAL,
                refresh: 7200,
                retry: 1800,
                expire: 86400,
                minimum: self.ttl,
            },
        }
    }
}

/// An entry CoreDNS's backend finds for a name (`msg.Service`).
#[derive(Clone, Debug)]
struct Entry {
    /// An IP, or a name (ExternalName).
    host: String,
    /// -1 for the port-less sentinel.
    port: i64,
    /// The target name of SRV records and the owner of additional records.
    domain: String,
}

/// The parsed question (`recordRequest`).
#[derive(Debug, Default)]
struct Request {
    port: String,
    protocol: String,
    endpoint: String,
    service: String,
    namespace: String,
    pod_or_svc: String,
}

enum Lookup {
    /// Found entries (possibly none: NODATA).
    Found(Vec<Entry>),
    /// NXDOMAIN.
    NameError,
}

fn absolute(name: &str) -> String {
    if name.ends_with('.') {
        name.to_string()
    } else {
        format!("{name}.")
    }
}

/// Strips `.zone.` from an absolute name, case-insensitively.
fn trim_zone<'n>(name: &'n str, zone: &str) -> Option<&'n str> {
    let name_l = name.to_ascii_lowercase();
    let zone_l = format!("{}.", zone.to_ascii_lowercase());
    if name_l == zone_l {
        return Some("");
    }
    if name_l.ends_with(&format!(".{zone_l}")) {
        Some(&name[..name.len() - zone_l.len() - 1])
    } else {
        None
    }
}

fn parse_request(labels: &[&str]) -> Result<Request, ()> {
    let mut r = Request::default();
    if labels.is_empty() {
        return Ok(r);
    }
    let mut last = labels.len() as isize - 1;
    let at = |i: isize| labels[i as usize].to_string();
    r.pod_or_svc = at(last).to_ascii_lowercase();
    if r.pod_or_svc != "pod" && r.pod_or_svc != "svc" {
        return Err(());
    }
    last -= 1;
    if last < 0 {
        return Ok(r);
    }
    r.namespace = at(last);
    last -= 1;
    if last < 0 {
        return Ok(r);
    }
    r.service = at(last);
    last -= 1;
    if last < 0 {
        return Ok(r);
    }
    let strip = |s: String| s.strip_prefix('_').map(str::to_string).unwrap_or(s);
    match last {
        0 => r.endpoint = at(0),
        1 => {
            r.protocol = strip(at(1));
            r.port = strip(at(0));
        }
        _ => return Err(()),
    }
    Ok(r)
}

/// CoreDNS's `endpointHostname`: the endpoint's hostname, else its IP with `.`/`:` → `-`
/// (a trailing `-` gets a `0`).
pub fn endpoint_hostname(hostname: Option<&str>, ip: &str) -> String {
    if let Some(h) = hostname.filter(|h| !h.is_empty()) {
        return h.to_string();
    }
    let mut dashed = ip.replace(['.', ':'], "-");
    if dashed.ends_with('-') {
        dashed.push('0');
    }
    dashed
}

/// The endpoints CoreDNS sees for a Service: one subset per slice, ready addresses only.
struct Subset {
    addresses: Vec<(String, Option<String>)>,
    /// (name, protocol, port); the sentinel (`"", "", -1`) for a port-less slice.
    ports: Vec<(String, String, i64)>,
}

fn subsets(cluster: &Cluster, service: &Service) -> Vec<Subset> {
    let objects = cluster.objects;
    let mut slices: Vec<&EndpointSlice> = cluster
        .slices
        .get(&(service.meta.namespace.clone(), service.meta.name.clone()))
        .into_iter()
        .flatten()
        .map(|&i| &objects.endpoint_slices[i])
        .filter(|s| s.address_type == "IPv4" || s.address_type == "IPv6")
        .collect();
    crate::sort::sort_by(&mut slices, |a, b| a.meta.name.cmp(&b.meta.name));
    slices
        .into_iter()
        .map(|s| {
            let addresses = s
                .endpoints
                .iter()
                .filter(|e| e.ready.unwrap_or(true))
                .flat_map(|e| {
                    e.addresses
                        .iter()
                        .map(|a| (a.clone(), e.hostname.as_deref().map(str::to_string)))
                        .collect::<Vec<_>>()
                })
                .collect();
            let mut ports: Vec<(String, String, i64)> = s
                .ports
                .iter()
                .flatten()
                .map(|p| {
                    (
                        p.name.clone().unwrap_or_default(),
                        p.protocol.clone().unwrap_or_else(|| "TCP".into()),
                        p.port.unwrap_or(-1),
                    )
                })
                .collect();
            if ports.is_empty() {
                ports.push((String::new(), String::new(), -1));
            }
            Subset { addresses, ports }
        })
        .collect()
}

fn matches(request: &str, value: &str) -> bool {
    request.is_empty() || request.eq_ignore_ascii_case(value)
}

fn service_domain(service: &Service, domain: &str) -> String {
    format!(
        "{}.{}.svc.{domain}.",
        service.meta.name, service.meta.namespace
    )
}

fn cluster_ips(service: &Service) -> Vec<String> {
    let mut ips: Vec<String> = service
        .spec
        .cluster_ips
        .iter()
        .filter(|ip| parse_ip_sloppy(ip).is_some())
        .cloned()
        .collect();
    if ips.is_empty() {
        ips.extend(
            service
                .spec
                .cluster_ip
                .iter()
                .filter(|ip| parse_ip_sloppy(ip).is_some())
                .cloned(),
        );
    }
    ips
}

/// `Records` → `findServices` / `findPods` for a name inside the zone.
fn records(cluster: &Cluster, labels: &[&str]) -> Lookup {
    let Ok(r) = parse_request(labels) else {
        return Lookup::NameError;
    };
    if r.pod_or_svc.is_empty() {
        return Lookup::Found(Vec::new());
    }
    if !r.namespace.is_empty() && !cluster.namespace_exists(&r.namespace) {
        return Lookup::NameError;
    }
    if r.pod_or_svc == "pod" {
        return find_pod(cluster, &r);
    }
    if r.namespace.is_empty() || r.service.is_empty() {
        return Lookup::Found(Vec::new());
    }
    let mut found = false;
    let mut entries = Vec::new();
    for service in cluster.services_named(&r.namespace, &r.service) {
        let domain = service_domain(service, &cluster.domain);
        if service.type_or_default() == "ExternalName" {
            if !r.endpoint.is_empty() || !r.port.is_empty() || !r.protocol.is_empty() {
                continue;
            }
            let Some(target) = service
                .spec
                .external_name
                .as_ref()
                .filter(|n| !n.is_empty())
            else {
                continue;
            };
            if parse_ip_sloppy(target).is_none() {
                found = true;
                entries.push(Entry {
                    host: absolute(target),
                    port: 0,
                    domain,
                });
            }
            continue;
        }
        if service.is_headless() || !r.endpoint.is_empty() {
            for subset in subsets(cluster, service) {
                for (ip, hostname) in &subset.addresses {
                    let name = endpoint_hostname(hostname.as_deref(), ip);
                    if !r.endpoint.is_empty() && !r.endpoint.eq_ignore_ascii_case(&name) {
                        continue;
                    }
                    for (port_name, protocol, port) in &subset.ports {
                        if !(matches(&r.port, port_name) && matches(&r.protocol, protocol)) {
                            continue;
                        }
                        found = true;
                        entries.push(Entry {
                            host: ip.clone(),
                            port: *port,
                            domain: format!("{name}.{domain}"),
                        });
                    }
                }
            }
            continue;
        }
        for port in &service.spec.ports {
            let protocol = port.protocol.as_deref().unwrap_or("TCP");
            if !(matches(&r.port, &port.name) && matches(&r.protocol, protocol)) {
                continue;
            }
            found = true;
            for ip in cluster_ips(service) {
                entries.push(Entry {
                    host: ip,
                    port: port.port.unwrap_or_default(),
                    domain: domain.clone(),
                });
            }
        }
    }
    if found {
        Lookup::Found(entries)
    } else {
        Lookup::NameError
    }
}

/// `findPods` with `pods insecure`: the dashed IP is echoed back without a lookup.
fn find_pod(cluster: &Cluster, r: &Request) -> Lookup {
    if r.service.is_empty() {
        return Lookup::Found(Vec::new());
    }
    if !r.endpoint.is_empty() || !r.port.is_empty() {
        return Lookup::NameError;
    }
    let name = &r.service;
    let ip = if name.matches('-').count() == 3 && !name.contains("--") {
        name.replace('-', ".")
    } else {
        name.replace('-', ":")
    };
    match ip.parse::<IpAddr>() {
        Ok(addr) => Lookup::Found(vec![Entry {
            host: addr.to_string(),
            port: 0,
            domain: format!("{name}.{}.pod.{}.", r.namespace, cluster.domain),
        }]),
        Err(_) => Lookup::NameError,
    }
}

/// The reverse-lookup name of an IP (`in-addr.arpa.` / `ip6.arpa.` nibbles).
pub fn reverse_name(ip: &IpAddr) -> String {
    match ip {
        IpAddr::V4(a) => {
            let o = a.octets();
            format!("{}.{}.{}.{}.in-addr.arpa.", o[3], o[2], o[1], o[0])
        }
        IpAddr::V6(a) => {
            let mut out = String::new();
            for byte in a.octets().iter().rev() {
                out.push_str(&format!("{:x}.{:x}.", byte & 0x0f, byte >> 4));
            }
            out.push_str("ip6.arpa.");
            out
        }
    }
}

/// The IP a reverse name stands for, if it is a complete one.
pub fn address_from_reverse(name: &str) -> Option<IpAddr> {
    let lower = name.trim_end_matches('.').to_ascii_lowercase();
    if let Some(rest) = lower.strip_suffix(".in-addr.arpa") {
        let parts: Vec<&str> = rest.split('.').collect();
        if parts.len() != 4 {
            return None;
        }
        let octets: Vec<u8> = parts.iter().rev().filter_map(|p| p.parse().ok()).collect();
        if octets.len() != 4 {
            return None;
        }
        return Some(IpAddr::V4(Ipv4Addr::new(
            octets[0], octets[1], octets[2], octets[3],
        )));
    }
    if let Some(rest) = lower.strip_suffix(".ip6.arpa") {
        let nibbles: Vec<&str> = rest.split('.').collect();
        if nibbles.len() != 32 {
            return None;
        }
        let mut bytes = [0u8; 16];
        for (i, pair) in nibbles
            .iter()
            .rev()
            .collect::<Vec<_>>()
            .chunks(2)
            .enumerate()
        {
            let hi = u8::from_str_radix(pair[0], 16).ok()?;
            let lo = u8::from_str_radix(pair[1], 16).ok()?;
            if pair[0].len() != 1 || pair[1].len() != 1 {
                return None;
            }
            bytes[i] = hi << 4 | lo;
        }
        return Some(IpAddr::V6(Ipv6Addr::from(bytes)));
    }
    None
}

/// `serviceRecordForIP`: the Service owning a cluster IP, else one name per Service whose
/// ready endpoints hold the IP.
fn ptr_targets(cluster: &Cluster, ip: &IpAddr) -> Vec<String> {
    for service in &cluster.objects.services {
        if cluster_ips(service)
            .iter()
            .any(|c| parse_ip_sloppy(c).as_ref() == Some(ip))
        {
            return vec![service_domain(service, &cluster.domain)];
        }
    }
    let mut out = Vec::new();
    for service in &cluster.objects.services {
        for subset in subsets(cluster, service) {
            for (address, hostname) in &subset.addresses {
                if parse_ip_sloppy(address).as_ref() == Some(ip) {
                    out.push(format!(
                        "{}.{}",
                        endpoint_hostname(hostname.as_deref(), address),
                        service_domain(service, &cluster.domain)
                    ));
                }
            }
        }
    }
    out
}

/// Answers one question as CoreDNS does.
pub fn resolve(cluster: &Cluster, name: &str, qtype: RecordType) -> Response {
    let name = absolute(name);
    let mut response = Response {
        name: name.clone(),
        qtype,
        rcode: Rcode::NoError,
        answer: Vec::new(),
        authority: Vec::new(),
        additional: Vec::new(),
        upstream: None,
    };
    let lower = name.to_ascii_lowercase();
    let reverse = lower.ends_with(".in-addr.arpa.") || lower.ends_with(".ip6.arpa.");
    let labels: Vec<&str> = match trim_zone(&name, &cluster.domain) {
        Some("") => Vec::new(),
        Some(rest) => rest.split('.').collect(),
        None if reverse => {
            let targets = if qtype == RecordType::Ptr {
                address_from_reverse(&name)
                    .map(|ip| ptr_targets(cluster, &ip))
                    .unwrap_or_default()
            } else {
                Vec::new()
            };
            if targets.is_empty() {
                // `fallthrough in-addr.arpa ip6.arpa`: the forward plugin asks upstream.
                response.upstream = Some(name);
                return response;
            }
            response.answer = targets
                .into_iter()
                .map(|t| Record {
                    name: name.clone(),
                    ttl: cluster.ttl,
                    data: RData::Ptr(t),
                })
                .collect();
            return response;
        }
        None => {
            response.upstream = Some(name);
            return response;
        }
    };
    let negative = |mut r: Response, rcode: Rcode| {
        r.rcode = rcode;
        r.authority = vec![cluster.soa()];
        r
    };
    // Zone apex, `dns-version`, `ns.dns`.
    let lower_labels: Vec<String> = labels.iter().map(|l| l.to_ascii_lowercase()).collect();
    if labels.is_empty() {
        match qtype {
            RecordType::Soa => response.answer.push(cluster.soa()),
            RecordType::Ns => {
                let ns = format!("ns.dns.{}.", cluster.domain);
                response.answer.push(Record {
                    name: name.clone(),
                    ttl: cluster.ttl,
                    data: RData::Ns(ns.clone()),
                });
                if let Some(IpAddr::V4(ip)) = parse_ip_sloppy(&cluster.dns_service_ip()) {
                    response.additional.push(Record {
                        name: ns,
                        ttl: cluster.ttl,
                        data: RData::A(ip),
                    });
                }
            }
            _ => return negative(response, Rcode::NoError),
        }
        return response;
    }
    if lower_labels == ["dns-version"] {
        if qtype == RecordType::Txt {
            response.answer.push(Record {
                name: name.clone(),
                ttl: cache_ttl(DNS_VERSION_TTL),
                data: RData::Txt(DNS_SCHEMA_VERSION.into()),
            });
            return response;
        }
        return negative(response, Rcode::NxDomain);
    }
    if lower_labels == ["ns", "dns"] {
        return match (qtype, parse_ip_sloppy(&cluster.dns_service_ip())) {
            (RecordType::A, Some(IpAddr::V4(ip))) => {
                response.answer.push(Record {
                    name: name.clone(),
                    ttl: cluster.ttl,
                    data: RData::A(ip),
                });
                response
            }
            _ => negative(response, Rcode::NoError),
        };
    }
    let entries = match records(cluster, &labels) {
        Lookup::NameError => return negative(response, Rcode::NxDomain),
        Lookup::Found(entries) => entries,
    };
    match qtype {
        RecordType::A | RecordType::Aaaa => {
            let want = if qtype == RecordType::A {
                IpFamily::IPv4
            } else {
                IpFamily::IPv6
            };
            let mut seen = BTreeSet::new();
            for entry in &entries {
                match parse_ip_sloppy(&entry.host) {
                    Some(ip) if IpFamily::of(&ip) == want => {
                        if seen.insert(ip) {
                            response.answer.push(address_record(&name, ip, cluster.ttl));
                        }
                    }
                    Some(_) => {}
                    None => {
                        // An ExternalName: CNAME, then the target's addresses.
                        if lower == entry.host.to_ascii_lowercase() {
                            continue;
                        }
                        let cname = Record {
                            name: name.clone(),
                            ttl: cluster.ttl,
                            data: RData::Cname(entry.host.clone()),
                        };
                        if trim_zone(&entry.host, &cluster.domain).is_some() {
                            let next = resolve(cluster, &entry.host, qtype);
                            if next.rcode == Rcode::NoError && !next.answer.is_empty() {
                                response.answer.push(cname);
                                response.answer.extend(next.answer);
                                if next.upstream.is_some() {
                                    response.upstream = next.upstream;
                                }
                            }
                        } else {
                            response.answer.push(cname);
                            response.upstream = Some(entry.host.clone());
                        }
                    }
                }
            }
        }
        RecordType::Cname => {
            if let Some(entry) = entries.first()
                && parse_ip_sloppy(&entry.host).is_none()
            {
                response.answer.push(Record {
                    name: name.clone(),
                    ttl: cluster.ttl,
                    data: RData::Cname(entry.host.clone()),
                });
            }
        }
        RecordType::Srv => {
            // SRV for ExternalName Services is not implemented in CoreDNS: dropped.
            let internal: Vec<&Entry> = entries
                .iter()
                .filter(|e| parse_ip_sloppy(&e.host).is_some())
                .collect();
            let n = internal.len().max(1) as u64;
            let weight = ((100 * 100) / (100 * n)).max(1) as u16;
            let mut seen_srv = BTreeSet::new();
            let mut seen_extra = BTreeSet::new();
            for entry in internal {
                if entry.port < 0 {
                    continue;
                }
                let port = u16::try_from(entry.port).unwrap_or(0);
                if seen_srv.insert((entry.domain.to_ascii_lowercase(), port)) {
                    response.answer.push(Record {
                        name: name.clone(),
                        ttl: cluster.ttl,
                        data: RData::Srv {
                            priority: 0,
                            weight,
                            port,
                            target: entry.domain.clone(),
                        },
                    });
                }
                if let Some(ip) = parse_ip_sloppy(&entry.host)
                    && seen_extra.insert((entry.domain.to_ascii_lowercase(), ip))
                {
                    response
                        .additional
                        .push(address_record(&entry.domain, ip, cluster.ttl));
                }
            }
        }
        RecordType::Txt => {}
        RecordType::Ptr => {}
        _ => {}
    }
    if response.answer.is_empty() {
        let forwarded = response.upstream.take();
        let mut r = negative(response, Rcode::NoError);
        // A CNAME whose target could not be looked up is not returned (CoreDNS drops it);
        // svcplay says the lookup is upstream instead of claiming it failed.
        r.upstream = forwarded;
        return r;
    }
    response
}

fn address_record(name: &str, ip: IpAddr, ttl: u32) -> Record {
    Record {
        name: name.to_string(),
        ttl,
        data: match ip {
            IpAddr::V4(a) => RData::A(a),
            IpAddr::V6(a) => RData::Aaaa(a),
        },
    }
}

/// Every name CoreDNS would answer for the scenario's Services, for the page's DNS view:
/// (name, type, records) of the A/AAAA, per-endpoint, SRV and CNAME names.
pub fn service_names(cluster: &Cluster) -> Vec<Response> {
    let mut out = Vec::new();
    for service in &cluster.objects.services {
        out.extend(service_names_of(cluster, service));
    }
    out
}

/// [`service_names`] of one Service (the names it makes CoreDNS answer for, in order).
pub fn service_names_of(cluster: &Cluster, service: &Service) -> Vec<Response> {
    let mut out = Vec::new();
    let domain = service_domain(service, &cluster.domain);
    let mut ask = |name: String, t: RecordType| {
        let r = resolve(cluster, &name, t);
        if !r.answer.is_empty() {
            out.push(r);
        }
    };
    if service.type_or_default() == "ExternalName" {
        ask(domain.clone(), RecordType::Cname);
        return out;
    }
    ask(domain.clone(), RecordType::A);
    ask(domain.clone(), RecordType::Aaaa);
    for port in service.spec.ports.iter().filter(|p| !p.name.is_empty()) {
        let protocol = port
            .protocol
            .as_deref()
            .unwrap_or("TCP")
            .to_ascii_lowercase();
        ask(
            format!("_{}._{protocol}.{domain}", port.name),
            RecordType::Srv,
        );
    }
    if service.is_headless() || has_selector(service) {
        let mut names = BTreeSet::new();
        for subset in subsets(cluster, service) {
            for (ip, hostname) in &subset.addresses {
                names.insert(endpoint_hostname(hostname.as_deref(), ip));
            }
        }
        if service.is_headless() {
            for n in names {
                ask(format!("{n}.{domain}"), RecordType::A);
                ask(format!("{n}.{domain}"), RecordType::Aaaa);
            }
        }
    }
    out
}

/// The namespaces CoreDNS's cluster knows: the built-in ones and every namespace an
/// object is created in or names.
pub fn namespace_names(objects: &Objects) -> BTreeSet<&str> {
    let mut namespaces: BTreeSet<&str> =
        ["default", "kube-system", "kube-public", "kube-node-lease"]
            .into_iter()
            .collect_btree();
    namespaces.extend(objects.namespaces.iter().map(|n| n.meta.name.as_str()));
    namespaces.extend(objects.services.iter().map(|s| s.meta.namespace.as_str()));
    namespaces.extend(objects.pods.iter().map(|p| p.meta.namespace.as_str()));
    namespaces.extend(objects.workloads.iter().map(|w| w.meta.namespace.as_str()));
    namespaces.extend(objects.endpoints.iter().map(|e| e.meta.namespace.as_str()));
    namespaces.extend(
        objects
            .endpoint_slices
            .iter()
            .map(|s| s.meta.namespace.as_str()),
    );
    namespaces.retain(|n| !n.is_empty());
    namespaces
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reverse_names_round_trip() {
        let v4: IpAddr = "10.96.45.10".parse().unwrap();
        assert_eq!(reverse_name(&v4), "10.45.96.10.in-addr.arpa.");
        assert_eq!(address_from_reverse("10.45.96.10.in-addr.arpa."), Some(v4));
        let v6: IpAddr = "fd00:10:244:1::c".parse().unwrap();
        let name = reverse_name(&v6);
        assert_eq!(
            name,
            "c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1.0.0.0.4.4.2.0.0.1.0.0.0.0.d.f.ip6.arpa."
        );
        assert_eq!(address_from_reverse(&name), Some(v6));
    }

    #[test]
    fn endpoint_names_dash_the_ip() {
        assert_eq!(endpoint_hostname(None, "10.244.1.12"), "10-244-1-12");
        assert_eq!(
            endpoint_hostname(None, "fd00:10:244:1::c"),
            "fd00-10-244-1--c"
        );
        assert_eq!(endpoint_hostname(None, "fd00::"), "fd00--0");
        assert_eq!(endpoint_hostname(Some("web-0"), "10.0.0.1"), "web-0");
    }
}
