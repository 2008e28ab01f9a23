//! `ipvsadm`, `ipset` and `ip addr show kube-ipvs0` on a node in IPVS mode, printed as
//! the real tools print them.
//!
//! - `ipvsadm -Ln` (and `--stats`, `--rate`, `-S`, `-c`, `--timeout`, `-t ADDR:PORT`):
//!   ipvsadm 1.31's `list_all` / `print_service_entry`, with the kernel's banner
//!   (`IP_VS_VERSION_CODE` 1.2.1, connection table size 4096) and libipvs's sort, whose
//!   IPv4 comparator subtracts addresses as unsigned 32-bit numbers and reads the result
//!   as signed (so 172.16/12 and 192.168/16 addresses sort before 10/8 ones), run through
//!   glibc's merge sort on the order the kernel enumerates its service hash table.
//! - `ipset list [NAME]`, `ipset list -n`, `ipset save [NAME]`: ipset 7.17's plain and
//!   save output. The random `initval` of a hash set is derived from the set's name, and
//!   `Size in memory` is Linux 6.1's accounting for an empty set plus one hash bucket per
//!   member (the real figure depends on how the random hash spreads the members).
//! - `ip addr show kube-ipvs0`: iproute2's listing of the dummy interface kube-proxy
//!   creates (never set up: `state DOWN`), with every bound service address.

use super::{CommandOutput, Context, NOT_IMPLEMENTED};
use crate::model::ip::{IpFamily, join_host_port};
use crate::proxy::ipvs::kernel::Timeouts;
use crate::proxy::ipvs::schedulers::flags;
use crate::proxy::ipvs::{DUMMY_DEVICE, IpSet, IpvsState, RealServer, SetType, VirtualServer};
use crate::proxy::lines::{
    By, ConfigField, ConfigFields, FmtSink, LineSink, LineSource, SetRole, What,
};
use crate::proxy::{Protocol, RuleSource};
use crate::scenario::Analysis;
use std::fmt;
use std::net::IpAddr;

/// The kernel's `IP_VS_VERSION_CODE` (0x010201).
pub const IPVS_VERSION: &str = "1.2.1";
/// The connection hash table size with the default `CONFIG_IP_VS_TAB_BITS=12`.
pub const IPVS_CONN_TAB_SIZE: u32 = 4096;
/// The ipset version svcplay's node runs (Debian bookworm).
pub const IPSET_VERSION: &str = "7.17";

// ---- sorting as ipvsadm does ---------------------------------------------------------

/// glibc's `qsort` for small arrays: `msort_with_tmp`, a top-down merge sort that
/// splits at `n / 2` and takes from the left run while `cmp <= 0`. With a comparator
/// that is not transitive (libipvs's), only this exact algorithm gives ipvsadm's order.
pub fn glibc_msort<T: Clone>(items: &mut [T], cmp: &impl Fn(&T, &T) -> i32) {
    let n = items.len();
    if n <= 1 {
        return;
    }
    let n1 = n / 2;
    {
        let (b1, b2) = items.split_at_mut(n1);
        glibc_msort(b1, cmp);
        glibc_msort(b2, cmp);
    }
    let mut merged = Vec::with_capacity(n);
    let (mut i, mut j) = (0, n1);
    while i < n1 && j < n {
        if cmp(&items[i], &items[j]) <= 0 {
            merged.push(items[i].clone());
            i += 1;
        } else {
            merged.push(items[j].clone());
            j += 1;
        }
    }
    merged.extend_from_slice(&items[i..n1]);
    merged.extend_from_slice(&items[j..n]);
    items.clone_from_slice(&merged);
}

/// The 32-bit words of an address in host order (one for IPv4, four for IPv6).
fn words(ip: &IpAddr) -> Vec<u32> {
    match ip {
        IpAddr::V4(a) => vec![u32::from(*a)],
        IpAddr::V6(a) => {
            let o = a.octets();
            (0..4)
                .map(|i| u32::from_be_bytes([o[4 * i], o[4 * i + 1], o[4 * i + 2], o[4 * i + 3]]))
                .collect()
        }
    }
}

/// libipvs's address comparison: `(int)(ntohl(a) - ntohl(b))`, word by word.
fn cmp_addr(a: &IpAddr, b: &IpAddr) -> i32 {
    for (x, y) in words(a).iter().zip(words(b).iter()) {
        let r = x.wrapping_sub(*y) as i32;
        if r != 0 {
            return r;
        }
    }
    0
}

fn af(ip: &IpAddr) -> i32 {
    match ip {
        IpAddr::V4(_) => 2,
        IpAddr::V6(_) => 10,
    }
}

fn protocol_number(p: Protocol) -> i32 {
    match p {
        Protocol::Tcp => 6,
        Protocol::Udp => 17,
        Protocol::Sctp => 132,
    }
}

/// libipvs's `ipvs_cmp_services` (no firewall-mark services here).
fn cmp_services(a: &VirtualServer, b: &VirtualServer) -> i32 {
    let r = af(&a.address) - af(&b.address);
    if r != 0 {
        return r;
    }
    let r = protocol_number(a.protocol) - protocol_number(b.protocol);
    if r != 0 {
        return r;
    }
    let r = cmp_addr(&a.address, &b.address);
    if r != 0 {
        return r;
    }
    i32::from(a.port) - i32::from(b.port)
}

/// libipvs's `ipvs_cmp_dests`.
fn cmp_dests(a: &RealServer, b: &RealServer) -> i32 {
    let r = cmp_addr(&a.address, &b.address);
    if r != 0 {
        return r;
    }
    i32::from(a.port) - i32::from(b.port)
}

/// The bucket of the kernel's service table (`ip_vs_svc_hashkey`, with the netns
/// pointer's contribution taken as 0).
fn service_bucket(vs: &VirtualServer) -> u32 {
    let fold = words(&vs.address).iter().fold(0, |acc, w| acc ^ w);
    let port = u32::from(vs.port);
    (protocol_number(vs.protocol) as u32 ^ fold ^ (port >> 8) ^ port) & 0xff
}

/// The virtual servers as the kernel enumerates them: bucket by bucket, the newest
/// first within a bucket.
fn kernel_enumeration<'a>(states: &[&'a IpvsState]) -> Vec<&'a VirtualServer> {
    let created: Vec<&VirtualServer> = states
        .iter()
        .flat_map(|s| s.virtual_servers.iter())
        .collect();
    let mut indexed: Vec<(usize, &VirtualServer)> = created.into_iter().enumerate().collect();
    crate::sort::sort_by_key(&mut indexed, |(i, vs)| {
        (service_bucket(vs), std::cmp::Reverse(*i))
    });
    indexed.into_iter().map(|(_, vs)| vs).collect()
}

/// The services (and each one's real servers) in the order `ipvsadm -L` prints them.
pub fn listing_order<'a>(
    states: &[&'a IpvsState],
    sort: bool,
) -> Vec<(&'a VirtualServer, Vec<&'a RealServer>)> {
    let mut services = kernel_enumeration(states);
    if sort {
        glibc_msort(&mut services, &|a, b| cmp_services(a, b));
    }
    services
        .into_iter()
        .map(|vs| {
            // The kernel lists a service's destinations newest first.
            let mut dests: Vec<&RealServer> = vs.real_servers.iter().rev().collect();
            if sort {
                glibc_msort(&mut dests, &|a, b| cmp_dests(a, b));
            }
            (vs, dests)
        })
        .collect()
}

// ---- ipvsadm -------------------------------------------------------------------------

/// ipvsadm's output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ListFormat {
    Default,
    Stats,
    Rate,
    /// `-S`: the commands that recreate the table.
    Rule,
}

/// An `ipvsadm -L` listing.
pub struct IpvsadmListing<'a> {
    pub services: Vec<(&'a VirtualServer, Vec<&'a RealServer>)>,
    pub format: ListFormat,
    /// `list_all` prints the version banner; listing one service (`-t`) does not.
    pub banner: bool,
    /// `-n`: numeric ports (else names from `/etc/services`).
    pub numeric: bool,
}

fn protocol_name(p: Protocol) -> &'static str {
    p.as_str()
}

/// `addrport_to_anyname`: `addr:port`, or without `-n` the port's name from
/// `/etc/services` (TCP and UDP only). Addresses stay numeric: the node's resolver has no
/// reverse records for service and pod addresses.
fn addr_port(address: &IpAddr, port: u16, protocol: Protocol, numeric: bool) -> String {
    let name = match (numeric, protocol) {
        (false, Protocol::Tcp) => super::etc_services::port_name(port, false),
        (false, Protocol::Udp) => super::etc_services::port_name(port, true),
        _ => None,
    };
    match name {
        Some(name) => join_host_port(address, name),
        None => join_host_port(address, port),
    }
}

/// `%-4s %s` of protocol and address, cut at 33 characters for IPv4.
fn service_name(vs: &VirtualServer, numeric: bool) -> String {
    let mut name = format!(
        "{:<4} {}",
        protocol_name(vs.protocol),
        addr_port(&vs.address, vs.port, vs.protocol, numeric)
    );
    if vs.address.is_ipv4() {
        name.truncate(33);
    }
    name
}

fn dest_name(vs: &VirtualServer, rs: &RealServer, numeric: bool) -> String {
    let mut name = addr_port(&rs.address, rs.port, vs.protocol, numeric);
    if vs.address.is_ipv4() {
        name.truncate(28);
    }
    name
}

/// The names of the scheduler flags set on a service (`print_sched_flags`).
fn sched_flags(vs: &VirtualServer) -> Vec<&'static str> {
    let names = vs.scheduler.flag_names();
    [flags::SCHED1, flags::SCHED2, flags::SCHED3]
        .iter()
        .zip(names)
        .filter(|(bit, _)| vs.flags & **bit != 0)
        .map(|(_, name)| name)
        .collect()
}

/// ipvsadm's `print_largenum` for the counters that fit (all of svcplay's).
fn largenum(n: u64) -> String {
    format!("{n:>9}")
}

impl IpvsadmListing<'_> {
    /// The listing line by line: the banner and headings by ipvsadm, each virtual
    /// server with its service port (and the scheduler's configuration), each real
    /// server with its endpoint.
    pub fn write_lines(&self, sink: &mut dyn LineSink) -> fmt::Result {
        use fmt::Write as _;
        let layout = LineSource::layout(By::Ipvsadm);
        if self.banner && self.format != ListFormat::Rule {
            sink.line(
                layout,
                format_args!(
                    "IP Virtual Server version {IPVS_VERSION} (size={IPVS_CONN_TAB_SIZE})"
                ),
            )?;
        }
        match self.format {
            ListFormat::Default => {
                sink.line(
                    layout,
                    format_args!("Prot LocalAddress:Port Scheduler Flags"),
                )?;
                sink.line(
                    layout,
                    format_args!(
                        "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn"
                    ),
                )?;
            }
            ListFormat::Stats => {
                sink.line(
                    layout,
                    format_args!(
                        "{:<33} {:>8} {:>8} {:>8} {:>8} {:>8}",
                        "Prot LocalAddress:Port",
                        "Conns",
                        "InPkts",
                        "OutPkts",
                        "InBytes",
                        "OutBytes"
                    ),
                )?;
                sink.line(layout, format_args!("  -> RemoteAddress:Port"))?;
            }
            ListFormat::Rate => {
                sink.line(
                    layout,
                    format_args!(
                        "{:<33} {:>8} {:>8} {:>8} {:>8} {:>8}",
                        "Prot LocalAddress:Port", "CPS", "InPPS", "OutPPS", "InBPS", "OutBPS"
                    ),
                )?;
                sink.line(layout, format_args!("  -> RemoteAddress:Port"))?;
            }
            ListFormat::Rule => {}
        }
        for (vs, dests) in &self.services {
            sink.family(IpFamily::of(&vs.address));
            let port_source = RuleSource {
                service_port: Some(vs.service_port),
                endpoint: None,
            };
            let vs_source = LineSource::of(
                By::IpvsSync,
                port_source,
                What::VirtualServer(vs.entry.entry(vs.address)),
            )
            .with_config(ConfigFields::NONE.with(ConfigField::IpvsScheduler));
            let rs_source = |rs: &RealServer| {
                LineSource::of(
                    By::IpvsSync,
                    RuleSource {
                        service_port: Some(vs.service_port),
                        endpoint: rs.endpoint,
                    },
                    What::RealServer,
                )
            };
            let name = service_name(vs, self.numeric);
            match self.format {
                ListFormat::Default => {
                    let mut line = format!("{name} {}", vs.scheduler);
                    let flag_names = sched_flags(vs);
                    if !flag_names.is_empty() {
                        let _ = write!(line, " ({})", flag_names.join(","));
                    }
                    if vs.persistent() {
                        let _ = write!(line, " persistent {}", vs.timeout);
                        let host = if vs.address.is_ipv4() { 32 } else { 128 };
                        if vs.netmask != host {
                            if vs.address.is_ipv4() {
                                let mask = u32::MAX
                                    .checked_shl(u32::from(32 - vs.netmask))
                                    .unwrap_or(0);
                                let _ = write!(line, " mask {}", std::net::Ipv4Addr::from(mask));
                            } else {
                                let _ = write!(line, " mask {}", vs.netmask);
                            }
                        }
                    }
                    if vs.flags & flags::ONEPACKET != 0 {
                        line.push_str(" ops");
                    }
                    sink.line(vs_source, format_args!("{line}"))?;
                    for rs in dests {
                        sink.line(
                            rs_source(rs),
                            format_args!(
                                "  -> {:<28} {:<7} {:<6} {:<10} {:<10}",
                                dest_name(vs, rs, self.numeric),
                                rs.forward.name(),
                                rs.weight,
                                rs.active_conns,
                                rs.inactive_conns
                            ),
                        )?;
                    }
                }
                ListFormat::Stats | ListFormat::Rate => {
                    sink.line(
                        vs_source,
                        format_args!("{name:<33}{}", largenum(0).repeat(5)),
                    )?;
                    for rs in dests {
                        sink.line(
                            rs_source(rs),
                            format_args!(
                                "  -> {:<28}{}",
                                dest_name(vs, rs, self.numeric),
                                largenum(0).repeat(5)
                            ),
                        )?;
                    }
                }
                ListFormat::Rule => {
                    let switch = match vs.protocol {
                        Protocol::Tcp => "-t",
                        Protocol::Udp => "-u",
                        Protocol::Sctp => "--sctp-service",
                    };
                    let svc = format!(
                        "{switch} {}",
                        addr_port(&vs.address, vs.port, vs.protocol, self.numeric)
                    );
                    let mut line = format!("-A {svc} -s {}", vs.scheduler);
                    let flag_names = sched_flags(vs);
                    if !flag_names.is_empty() {
                        let _ = write!(line, " -b {}", flag_names.join(","));
                    }
                    if vs.persistent() {
                        let _ = write!(line, " -p {}", vs.timeout);
                    }
                    sink.line(vs_source, format_args!("{line}"))?;
                    for rs in dests {
                        let switch = match rs.forward {
                            crate::proxy::ipvs::ForwardMethod::Masq => "-m",
                            crate::proxy::ipvs::ForwardMethod::Tunnel => "-i",
                            _ => "-g",
                        };
                        sink.line(
                            rs_source(rs),
                            format_args!(
                                "-a {svc} -r {} {switch} -w {}",
                                addr_port(&rs.address, rs.port, vs.protocol, self.numeric),
                                rs.weight
                            ),
                        )?;
                    }
                }
            }
        }
        Ok(())
    }
}

impl fmt::Display for IpvsadmListing<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_lines(&mut FmtSink(f))
    }
}

/// The IPVS protocol timeouts on the node: kube-proxy's settings in IPVS mode, else
/// the kernel's defaults.
fn timeouts(analysis: &Analysis, context: &Context) -> Timeouts {
    context
        .proxy(analysis)
        .proxiers
        .iter()
        .find_map(|p| p.ipvs())
        .map_or(Timeouts::default(), |s| s.timeouts)
}

/// `ADDR:PORT` or `[ADDR]:PORT` of `-t`, `-u`, `--sctp-service`.
fn parse_service_address(text: &str) -> Option<(IpAddr, u16)> {
    let (host, port) = text.rsplit_once(':')?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    Some((host.parse().ok()?, port.parse().ok()?))
}

const IPVSADM_TRY: &str = "Try `ipvsadm -h' or 'ipvsadm --help' for more information.\n";

/// `ipvsadm ARGS...`.
pub fn ipvsadm(analysis: &Analysis, context: &Context, argv: &[String]) -> CommandOutput {
    #[derive(PartialEq)]
    enum Command {
        None,
        List,
        Save,
    }
    let mut command = Command::None;
    let mut format = ListFormat::Default;
    let mut sort = true;
    let mut connections = false;
    let mut numeric = false;
    let mut timeout = false;
    let mut service: Option<(Protocol, String)> = None;
    let mut args = argv.iter().skip(1).peekable();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--list" => command = Command::List,
            "--save" => command = Command::Save,
            "--numeric" => numeric = true,
            "--exact" | "--sort" => {}
            "--nosort" => sort = false,
            "--stats" => format = ListFormat::Stats,
            "--rate" => format = ListFormat::Rate,
            "--connection" => connections = true,
            "--timeout" => timeout = true,
            "--tcp-service" | "--udp-service" | "--sctp-service" => {
                let Some(value) = args.next() else {
                    return CommandOutput::error(
                        format!("ipvsadm: {arg}: missing argument\n{IPVSADM_TRY}"),
                        2,
                    );
                };
                let p = match arg.as_str() {
                    "--tcp-service" => Protocol::Tcp,
                    "--udp-service" => Protocol::Udp,
                    _ => Protocol::Sctp,
                };
                service = Some((p, value.clone()));
            }
            short if short.starts_with('-') && !short.starts_with("--") && short.len() > 1 => {
                let letters: Vec<char> = short[1..].chars().collect();
                let mut k = 0;
                while k < letters.len() {
                    match letters[k] {
                        'L' | 'l' => command = Command::List,
                        'S' => command = Command::Save,
                        'n' => numeric = true,
                        'c' => connections = true,
                        't' | 'u' => {
                            let p = if letters[k] == 't' {
                                Protocol::Tcp
                            } else {
                                Protocol::Udp
                            };
                            let inline: String = letters[k + 1..].iter().collect();
                            let value = if inline.is_empty() {
                                match args.next() {
                                    Some(v) => v.clone(),
                                    None => {
                                        return CommandOutput::error(
                                            format!(
                                                "ipvsadm: -{}: missing argument\n{IPVSADM_TRY}",
                                                letters[k]
                                            ),
                                            2,
                                        );
                                    }
                                }
                            } else {
                                inline
                            };
                            service = Some((p, value));
                            k = letters.len();
                            continue;
                        }
                        other => {
                            return CommandOutput::error(
                                format!(
                                    "svcplay: ipvsadm -{other} is not simulated (supported: -L/-l, -n, -c, -S, -t, -u, --stats, --rate, --timeout, --nosort)\n"
                                ),
                                NOT_IMPLEMENTED,
                            );
                        }
                    }
                    k += 1;
                }
            }
            other => {
                return CommandOutput::error(
                    format!(
                        "svcplay: ipvsadm {other} is not simulated (supported: -L/-l, -n, -c, -S, -t, -u, --stats, --rate, --timeout, --nosort)\n"
                    ),
                    NOT_IMPLEMENTED,
                );
            }
        }
    }
    if command == Command::None {
        if argv.len() > 1 {
            return CommandOutput::error(
                format!("ipvsadm: no command specified\n{IPVSADM_TRY}"),
                2,
            );
        }
        command = Command::List;
    }
    if timeout {
        let t = timeouts(analysis, context);
        return CommandOutput::ok(format!(
            "Timeout (tcp tcpfin udp): {} {} {}\n",
            t.tcp, t.tcp_fin, t.udp
        ));
    }
    if connections {
        // Nothing has flowed through the simulated node: the table is empty.
        return CommandOutput::ok(format!(
            "IPVS connection entries\npro expire {:<11} {:<18} {:<18} {}\n",
            "state", "source", "virtual", "destination"
        ));
    }
    let proxy = context.proxy(analysis);
    let states: Vec<&IpvsState> = proxy.proxiers.iter().filter_map(|p| p.ipvs()).collect();
    let mut services = listing_order(&states, sort);
    if command == Command::Save {
        format = ListFormat::Rule;
    }
    let mut banner = true;
    if let Some((protocol, text)) = service {
        let Some((address, port)) = parse_service_address(&text) else {
            return CommandOutput::error(
                format!("ipvsadm: illegal virtual server address[:port] specified\n{IPVSADM_TRY}"),
                2,
            );
        };
        services
            .retain(|(vs, _)| vs.protocol == protocol && vs.address == address && vs.port == port);
        if services.is_empty() {
            return CommandOutput::error("No such service\n", 1);
        }
        banner = false;
    }
    CommandOutput::ok(
        IpvsadmListing {
            services,
            format,
            banner,
            numeric,
        }
        .to_string(),
    )
}

// ---- ipset ---------------------------------------------------------------------------

/// The kernel's `Size in memory` of a set: an empty set's bookkeeping plus, for hash
/// types, one bucket (two element slots) per member; bitmap sets are allocated whole.
pub fn size_in_memory(set: &IpSet) -> usize {
    let v6 = set.family == IpFamily::IPv6;
    let (empty, per_entry) = match (set.set_type, v6) {
        (SetType::BitmapPort, _) => return 8268,
        (SetType::HashIp, false) => (200, 40),
        (SetType::HashIp, true) => (208, 64),
        (SetType::HashIpPort, false) => (200, 48),
        (SetType::HashIpPort, true) => (216, 72),
        (SetType::HashIpPortIp, false) => (208, 56),
        (SetType::HashIpPortIp, true) => (232, 104),
        (SetType::HashIpPortNet, false) => (464, 56),
        (SetType::HashIpPortNet, true) => (1256, 104),
    };
    empty + per_entry * set.entries.len()
}

/// A hash set's `initval` (random in the kernel), derived from the set's name.
pub fn initval(set: &IpSet) -> u32 {
    crate::hash::fnv32a(set.name.as_bytes())
}

/// The create options the kernel reports for a set (`Header:` / `ipset save`).
fn header(set: &IpSet) -> String {
    match set.set_type {
        SetType::BitmapPort => "range 0-65535".into(),
        _ => format!(
            "family {} hashsize 1024 maxelem 65536 bucketsize 12 initval {:#010x}",
            match set.family {
                IpFamily::IPv4 => "inet",
                IpFamily::IPv6 => "inet6",
            },
            initval(set)
        ),
    }
}

/// `ipset list` of some sets (plain output).
pub struct IpsetList<'a> {
    /// Each set with its `References:` count.
    pub sets: Vec<(&'a IpSet, usize)>,
}

impl IpsetList<'_> {
    /// The listing line by line: each set's header lines by kube-proxy's set, each
    /// member with the service port (and endpoint) it was added for.
    pub fn write_lines(&self, sink: &mut dyn LineSink) -> fmt::Result {
        for (i, (set, references)) in self.sets.iter().enumerate() {
            sink.family(set.family);
            if i > 0 {
                sink.line(LineSource::layout(By::Ipset), format_args!(""))?;
            }
            let role = crate::proxy::ipvs::set_purpose(&set.name)
                .map_or(What::Layout, |p| What::Set(SetRole::Ipvs(p)));
            let head = LineSource::fixed(By::IpvsSets, role);
            let tool = LineSource::layout(By::Ipset);
            sink.line(head, format_args!("Name: {}", set.name))?;
            sink.line(head, format_args!("Type: {}", set.set_type.as_str()))?;
            sink.line(tool, format_args!("Revision: {}", set.set_type.revision()))?;
            sink.line(head, format_args!("Header: {}", header(set)))?;
            sink.line(
                tool,
                format_args!("Size in memory: {}", size_in_memory(set)),
            )?;
            sink.line(tool, format_args!("References: {references}"))?;
            sink.line(
                tool,
                format_args!("Number of entries: {}", set.entries.len()),
            )?;
            sink.line(tool, format_args!("Members:"))?;
            let member = match role {
                What::Set(r) => What::Member(r),
                other => other,
            };
            for (k, e) in set.entries.iter().enumerate() {
                let source = set.sources.get(k).copied().unwrap_or_default();
                sink.line(
                    LineSource::of(By::IpvsSync, source, member),
                    format_args!("{e}"),
                )?;
            }
        }
        Ok(())
    }
}

impl fmt::Display for IpsetList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_lines(&mut FmtSink(f))
    }
}

/// `ipset save` of some sets.
pub struct IpsetSave<'a> {
    pub sets: Vec<&'a IpSet>,
}

impl fmt::Display for IpsetSave<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for set in &self.sets {
            writeln!(
                f,
                "create {} {} {}",
                set.name,
                set.set_type.as_str(),
                header(set)
            )?;
            for e in &set.entries {
                writeln!(f, "add {} {e}", set.name)?;
            }
        }
        Ok(())
    }
}

/// `ipset ARGS...`: `list`/`-L` (`-n` for names only), `save`/`-S`, optionally of one set.
pub fn ipset(analysis: &Analysis, context: &Context, argv: &[String]) -> CommandOutput {
    let mut command: Option<&str> = None;
    let mut names_only = false;
    let mut output_save = false;
    let mut name: Option<&str> = None;
    let mut args = argv.iter().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "list" | "-L" | "-list" | "--list" => command = Some("list"),
            "save" | "-S" | "-save" | "--save" => command = Some("save"),
            "-n" | "-name" | "--name" => names_only = true,
            "-s" | "-sorted" | "--sorted" => {}
            "-o" | "-output" | "--output" => match args.next().map(String::as_str) {
                Some("plain") => {}
                Some("save") => output_save = true,
                other => {
                    return CommandOutput::error(
                        format!(
                            "svcplay: ipset -o {} is not simulated\n",
                            other.unwrap_or("")
                        ),
                        NOT_IMPLEMENTED,
                    );
                }
            },
            other if !other.starts_with('-') && command.is_some() && name.is_none() => {
                name = Some(other)
            }
            other => {
                return CommandOutput::error(
                    format!(
                        "svcplay: ipset {other} is not simulated (supported: list [-n] [NAME], save [NAME])\n"
                    ),
                    NOT_IMPLEMENTED,
                );
            }
        }
    }
    let Some(command) = command else {
        return CommandOutput::error(
            format!(
                "ipset v{IPSET_VERSION}: No command specified: unknown argument {}\nTry `ipset help' for more information.\n",
                argv.get(1).map_or("", String::as_str)
            ),
            1,
        );
    };
    let proxy = context.proxy(analysis);
    let states: Vec<&IpvsState> = proxy.proxiers.iter().filter_map(|p| p.ipvs()).collect();
    let mut sets: Vec<(&IpSet, usize)> = states
        .iter()
        .flat_map(|s| {
            s.ipsets
                .iter()
                .map(move |set| (set, s.references(&set.name)))
        })
        .collect();
    if let Some(name) = name {
        sets.retain(|(s, _)| s.name == name);
        if sets.is_empty() {
            return CommandOutput::error(
                format!("ipset v{IPSET_VERSION}: The set with the given name does not exist\n"),
                1,
            );
        }
    }
    if names_only {
        let mut out = String::new();
        for (s, _) in &sets {
            out.push_str(&s.name);
            out.push('\n');
        }
        return CommandOutput::ok(out);
    }
    if command == "save" || output_save {
        return CommandOutput::ok(
            IpsetSave {
                sets: sets.iter().map(|(s, _)| *s).collect(),
            }
            .to_string(),
        );
    }
    CommandOutput::ok(IpsetList { sets }.to_string())
}

// ---- ip addr show kube-ipvs0 ---------------------------------------------------------

/// The dummy interface kube-proxy creates, as `ip addr show` lists it.
pub struct DummyDevice {
    pub index: usize,
    pub mac: [u8; 6],
    /// IPv4 addresses in the order they were bound.
    pub ipv4: Vec<IpAddr>,
    /// IPv6 addresses, the kernel's order (the newest first).
    pub ipv6: Vec<IpAddr>,
    /// Per address, the service port that bound it.
    pub ipv4_sources: Vec<RuleSource>,
    pub ipv6_sources: Vec<RuleSource>,
}

impl DummyDevice {
    /// kube-ipvs0 on `node`: numbered after the node's other interfaces, with a
    /// locally administered MAC address derived from the node's name.
    pub fn new(analysis: &Analysis, node: &str, states: &[&IpvsState]) -> DummyDevice {
        let context = analysis.node_context(node);
        let mut names: Vec<&str> = Vec::new();
        for (name, _, _) in &context.interfaces {
            if !names.contains(&name.as_str()) && name != DUMMY_DEVICE {
                names.push(name);
            }
        }
        let hash = crate::hash::fnv32a(format!("{node}/{DUMMY_DEVICE}").as_bytes()).to_be_bytes();
        let hash2 = crate::hash::fnv32a(node.as_bytes()).to_be_bytes();
        let mac = [
            (hash[0] & 0xfe) | 0x02,
            hash[1],
            hash[2],
            hash[3],
            hash2[0],
            hash2[1],
        ];
        let mut ipv4: Vec<(IpAddr, RuleSource)> = Vec::new();
        let mut ipv6: Vec<(IpAddr, RuleSource)> = Vec::new();
        for state in states {
            for (k, ip) in state.bound_addresses.iter().enumerate() {
                let source = state.bound_sources.get(k).copied().unwrap_or_default();
                match ip {
                    IpAddr::V4(_) if !ipv4.iter().any(|(a, _)| a == ip) => ipv4.push((*ip, source)),
                    IpAddr::V6(_) if !ipv6.iter().any(|(a, _)| a == ip) => ipv6.push((*ip, source)),
                    _ => {}
                }
            }
        }
        // IPv6 addresses of one scope are listed newest first.
        ipv6.reverse();
        let (ipv4, ipv4_sources) = ipv4.into_iter().unzip();
        let (ipv6, ipv6_sources) = ipv6.into_iter().unzip();
        DummyDevice {
            index: names.len() + 1,
            mac,
            ipv4,
            ipv6,
            ipv4_sources,
            ipv6_sources,
        }
    }
}

/// Which address families `ip -4` / `ip -6` show.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AddrFilter {
    All,
    V4,
    V6,
}

/// `ip addr show kube-ipvs0` of one device.
pub struct IpAddrShow<'a> {
    pub device: &'a DummyDevice,
    pub filter: AddrFilter,
}

impl IpAddrShow<'_> {
    /// The listing line by line: the device's lines by iproute2 (kube-proxy created the
    /// device), each address (and its lifetime line) with the service port that bound it.
    pub fn write_lines(&self, sink: &mut dyn LineSink) -> fmt::Result {
        let d = self.device;
        let v4 = self.filter != AddrFilter::V6;
        let v6 = self.filter != AddrFilter::V4;
        if (!v4 || d.ipv4.is_empty())
            && (!v6 || d.ipv6.is_empty())
            && self.filter != AddrFilter::All
        {
            return Ok(());
        }
        let device = LineSource::fixed(By::IpvsSync, What::Layout);
        sink.line(
            device,
            format_args!(
                "{}: {DUMMY_DEVICE}: <BROADCAST,NOARP> mtu 1500 qdisc noop state DOWN group default ",
                d.index
            ),
        )?;
        if self.filter == AddrFilter::All {
            let mac: Vec<String> = d.mac.iter().map(|b| format!("{b:02x}")).collect();
            sink.line(
                LineSource::layout(By::IpAddr),
                format_args!("    link/ether {} brd ff:ff:ff:ff:ff:ff", mac.join(":")),
            )?;
        }
        let bound = |source: &RuleSource| LineSource::of(By::IpvsSync, *source, What::BoundAddress);
        if v4 {
            sink.family(IpFamily::IPv4);
            for (ip, source) in d.ipv4.iter().zip(&d.ipv4_sources) {
                sink.line(
                    bound(source),
                    format_args!("    inet {ip}/32 scope global {DUMMY_DEVICE}"),
                )?;
                sink.line(
                    bound(source),
                    format_args!("       valid_lft forever preferred_lft forever"),
                )?;
            }
        }
        if v6 {
            sink.family(IpFamily::IPv6);
            for (ip, source) in d.ipv6.iter().zip(&d.ipv6_sources) {
                // The device is never set up, so duplicate address detection never runs.
                sink.line(
                    bound(source),
                    format_args!("    inet6 {ip}/128 scope global tentative "),
                )?;
                sink.line(
                    bound(source),
                    format_args!("       valid_lft forever preferred_lft forever"),
                )?;
            }
        }
        Ok(())
    }
}

impl fmt::Display for IpAddrShow<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_lines(&mut FmtSink(f))
    }
}

/// `ip [-4|-6] addr|a|address show|list|s [dev] kube-ipvs0`.
pub fn ip(analysis: &Analysis, context: &Context, argv: &[String]) -> CommandOutput {
    let mut filter = AddrFilter::All;
    let mut words: Vec<&str> = Vec::new();
    for arg in argv.iter().skip(1) {
        match arg.as_str() {
            "-4" => filter = AddrFilter::V4,
            "-6" => filter = AddrFilter::V6,
            other => words.push(other),
        }
    }
    let is_addr = matches!(
        words.first().copied(),
        Some("a" | "ad" | "add" | "addr" | "addre" | "addres" | "address")
    );
    let rest: Vec<&str> = words.iter().skip(1).copied().collect();
    let device = match rest.as_slice() {
        [show, "dev", dev] | [show, dev]
            if matches!(*show, "s" | "sh" | "sho" | "show" | "l" | "ls" | "list") =>
        {
            Some(*dev)
        }
        _ => None,
    };
    let (true, Some(device)) = (is_addr, device) else {
        return CommandOutput::error(
            format!(
                "svcplay: {} is not simulated (supported: ip addr show kube-ipvs0)\n",
                argv.join(" ")
            ),
            NOT_IMPLEMENTED,
        );
    };
    let proxy = context.proxy(analysis);
    let states: Vec<&IpvsState> = proxy.proxiers.iter().filter_map(|p| p.ipvs()).collect();
    if device != DUMMY_DEVICE || states.is_empty() {
        let exists = analysis
            .node_context(&context.node)
            .interfaces
            .iter()
            .any(|(name, _, _)| name == device);
        if exists {
            return CommandOutput::error(
                format!(
                    "svcplay: ip addr show {device} is not simulated (supported: kube-ipvs0)\n"
                ),
                NOT_IMPLEMENTED,
            );
        }
        return CommandOutput::error(format!("Device \"{device}\" does not exist.\n"), 1);
    }
    let dummy = DummyDevice::new(analysis, &context.node, &states);
    CommandOutput::ok(
        IpAddrShow {
            device: &dummy,
            filter,
        }
        .to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ipv4_comparator_wraps_around() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        // 192.168.0.2 - 10.96.0.1 does not fit in an int: it reads as negative.
        assert!(cmp_addr(&ip("192.168.0.2"), &ip("10.96.0.1")) < 0);
        assert!(cmp_addr(&ip("172.16.0.1"), &ip("192.168.0.2")) < 0);
        assert!(cmp_addr(&ip("10.0.0.1"), &ip("10.0.0.2")) < 0);
        assert!(cmp_addr(&ip("172.20.1.1"), &ip("1.2.3.4")) < 0);
    }

    #[test]
    fn msort_is_glibcs_merge_sort() {
        let mut v = vec![5, 3, 9, 1, 1, 7, 2];
        glibc_msort(&mut v, &|a: &i32, b: &i32| a - b);
        assert_eq!(v, [1, 1, 2, 3, 5, 7, 9]);
        // Stable: equal keys keep their order.
        let mut v = vec![(1, 'a'), (0, 'b'), (1, 'c'), (0, 'd')];
        glibc_msort(&mut v, &|a: &(i32, char), b: &(i32, char)| a.0 - b.0);
        assert_eq!(v, [(0, 'b'), (0, 'd'), (1, 'a'), (1, 'c')]);
    }

    use crate::scenario::{Options, analyze};

    fn run(text: &str, line: &str) -> CommandOutput {
        let analysis = analyze(text, Options { stored: true });
        let context = Context::new(analysis.default_node());
        super::super::run(&analysis, &context, &super::super::split_command_line(line))
    }

    const SERVICE: &str = "apiVersion: v1
kind: Service
metadata: {namespace: ns, name: web}
spec:
  clusterIP: 10.96.5.5
  ports: [{name: http, port: 80, protocol: TCP}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {namespace: ns, name: web-1, labels: {kubernetes.io/service-name: web}}
addressType: IPv4
ports: [{name: http, port: 8080, protocol: TCP}]
endpoints: [{addresses: [10.244.0.5]}]
";

    #[test]
    fn an_iptables_mode_node_has_an_empty_ipvs_table_and_no_kube_ipvs0() {
        let out = run(SERVICE, "ipvsadm -Ln");
        assert_eq!(
            out.stdout,
            "IP Virtual Server version 1.2.1 (size=4096)\nProt LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n"
        );
        assert_eq!(run(SERVICE, "ipset list"), CommandOutput::ok(""));
        let out = run(SERVICE, "ip addr show kube-ipvs0");
        assert_eq!(
            (out.stderr.as_str(), out.status),
            ("Device \"kube-ipvs0\" does not exist.\n", 1)
        );
    }

    #[test]
    fn persistence_and_scheduler_flags_print_as_ipvsadm_does() {
        let text = format!(
            "apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
mode: ipvs
ipvs: {{scheduler: mh}}
---
{}",
            SERVICE.replace("  clusterIP: 10.96.5.5\n", "  clusterIP: 10.96.5.5\n  sessionAffinity: ClientIP\n  sessionAffinityConfig: {clientIP: {timeoutSeconds: 60}}\n")
        );
        let out = run(&text, "ipvsadm -Ln");
        assert!(
            out.stdout.contains("\nTCP  10.96.5.5:80 mh (mh-port) persistent 60\n  -> 10.244.0.5:8080              Masq    1      0          0         \n"),
            "{}",
            out.stdout
        );
        let out = run(&text, "ipvsadm -Sn");
        assert_eq!(
            out.stdout,
            "-A -t 10.96.5.5:80 -s mh -b mh-port -p 60\n-a -t 10.96.5.5:80 -r 10.244.0.5:8080 -m -w 1\n"
        );
        let out = run(&text, "ipvsadm -Ln --rate");
        assert!(out.stdout.contains(
            "Prot LocalAddress:Port                 CPS    InPPS   OutPPS    InBPS   OutBPS\n  -> RemoteAddress:Port\nTCP  10.96.5.5:80                        0        0        0        0        0\n"
        ), "{}", out.stdout);
        assert_eq!(
            run(&text, "ipvsadm -Ln -t 10.96.5.6:80").stderr,
            "No such service\n"
        );
        // Without -n, ports print as /etc/services names where it has one.
        let out = run(&text, "ipvsadm -L");
        assert!(
            out.stdout.contains(
                "\nTCP  10.96.5.5:http mh (mh-port) persistent 60\n  -> 10.244.0.5:http-alt "
            ),
            "{}",
            out.stdout
        );
        assert_eq!(
            run(&text, "ipvsadm -L --timeout").stdout,
            "Timeout (tcp tcpfin udp): 900 120 300\n"
        );
        let with_timeouts = text.replace(
            "ipvs: {scheduler: mh}",
            "ipvs: {scheduler: mh, tcpTimeout: 1h, udpTimeout: 60s}",
        );
        assert_eq!(
            run(&with_timeouts, "ipvsadm -L --timeout").stdout,
            "Timeout (tcp tcpfin udp): 3600 120 60\n"
        );
        let out = run(&text, "ipset list -n");
        assert_eq!(out.stdout.lines().count(), 17);
        let out = run(&text, "ipset save KUBE-CLUSTER-IP");
        assert!(
            out.stdout
                .ends_with("add KUBE-CLUSTER-IP 10.96.5.5,tcp:80\n")
        );
    }
}
