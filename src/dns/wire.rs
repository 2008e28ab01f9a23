//! The reply CoreDNS sends, on the wire: what `dig` receives and measures (`MSG SIZE`).
//!
//! CoreDNS answers through its `ScrubWriter` (`request/writer.go`), which first calls
//! `Request.SizeAndDo` (`request/request.go`): the client's OPT record is put back on the
//! reply with version 0, the flags cleared but for DO (`Hdr.Ttl &= 0xff00`), the client's
//! UDP size, and only the options CoreDNS supports (`request/edns0.go`
//! `supportedOptions`: NSID, EXPIRE, COOKIE, TCP-KEEPALIVE, PADDING — so dig's client
//! COOKIE comes back as sent). Then `Request.Scrub` fits the reply to the client's buffer
//! (`Request.Size`: the advertised UDP size, at least 512, or 65535 over TCP) with
//! miekg/dns's `Msg.Truncate`: a reply that fits uncompressed is sent uncompressed; one
//! that does not is compressed and, if still too big, cut record by record (the OPT record
//! kept) with the TC bit set. A UDP reply that fits but is larger than 1480 bytes (IPv4
//! client) or 1220 (IPv6) is compressed anyway, against fragmentation.
//!
//! The header follows miekg/dns's `Msg.SetReply`: the id, RD and CD are copied from the
//! query, AA is set by the kubernetes plugin, RA and AD are never set.
//!
//! Compression is miekg/dns's (`packDomainName`, `compressionLenSearch`): the longest
//! suffix already written (case-sensitively, at an offset below 16384) becomes a
//! pointer; owner names and the names inside CNAME, NS, PTR, MX and SOA data are
//! compressed, SRV targets are written in full (RFC 2782) but still offered to later
//! names.

use super::{RData, Rcode, Record, Response};
use std::collections::BTreeMap;

/// EDNS(0) as the query carried it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edns {
    /// The advertised UDP payload size (dig 9.18: 1232, `+bufsize=N`).
    pub udp_size: u16,
    /// The DO bit (`+dnssec`).
    pub dnssec_ok: bool,
    /// The client COOKIE option's bytes (`+cookie`, dig's default; `+nocookie` sends none).
    pub cookie: Option<Vec<u8>>,
}

/// What of the query shapes the reply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Query {
    pub id: u16,
    /// RD (dig's default; `+norecurse` clears it).
    pub recursion_desired: bool,
    /// CD (`+cdflag`).
    pub checking_disabled: bool,
    /// The OPT record (`+noedns`: none).
    pub edns: Option<Edns>,
    /// Asked over TCP (`+tcp`, or dig's retry after a truncated UDP reply).
    pub tcp: bool,
    /// The client's address family is IPv6 (the 1220-byte rule instead of 1480).
    pub ipv6: bool,
}

/// The reply as sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reply {
    pub bytes: Vec<u8>,
    /// The records kept, section by section (a truncated reply keeps a prefix).
    pub answer: usize,
    pub authority: usize,
    pub additional: usize,
    pub truncated: bool,
    pub compressed: bool,
}

/// miekg/dns's `headerSize`.
const HEADER_SIZE: usize = 12;
/// miekg/dns's `maxCompressionOffset`: pointers hold 14 bits.
const MAX_COMPRESSION_OFFSET: usize = 1 << 14;
/// `dns.MinMsgSize`.
const MIN_MSG_SIZE: usize = 512;
/// `dns.MaxMsgSize`.
const MAX_MSG_SIZE: usize = 65535;
/// EDNS0 option code of COOKIE.
const OPTION_COOKIE: u16 = 10;

/// A message being packed, with miekg/dns's compression map.
struct Packer {
    out: Vec<u8>,
    compression: Option<BTreeMap<String, usize>>,
}

impl Packer {
    fn new(compress: bool) -> Packer {
        Packer {
            out: Vec::new(),
            compression: compress.then(BTreeMap::new),
        }
    }

    fn u16(&mut self, v: u16) {
        self.out.extend_from_slice(&v.to_be_bytes());
    }

    fn u32(&mut self, v: u32) {
        self.out.extend_from_slice(&v.to_be_bytes());
    }

    /// `packDomainName`: each suffix is looked up (when `compress`) and offered to later
    /// names (when it starts below 16384).
    fn name(&mut self, name: &str, compress: bool) {
        let trimmed = name.trim_end_matches('.');
        if trimmed.is_empty() {
            self.out.push(0);
            return;
        }
        let labels: Vec<&str> = trimmed.split('.').collect();
        for i in 0..labels.len() {
            let suffix = format!("{}.", labels[i..].join("."));
            let off = self.out.len();
            if let Some(map) = &mut self.compression {
                if let Some(&p) = map.get(&suffix)
                    && compress
                {
                    self.u16(0xC000 | p as u16);
                    return;
                }
                if off < MAX_COMPRESSION_OFFSET {
                    map.entry(suffix).or_insert(off);
                }
            }
            let label = labels[i].as_bytes();
            self.out.push(label.len().min(63) as u8);
            self.out.extend_from_slice(&label[..label.len().min(63)]);
        }
        self.out.push(0);
    }

    fn record(&mut self, r: &Record) {
        self.name(&r.name, true);
        self.u16(r.record_type().code());
        self.u16(1);
        self.u32(r.ttl);
        let length_at = self.out.len();
        self.u16(0);
        match &r.data {
            RData::A(ip) => self.out.extend_from_slice(&ip.octets()),
            RData::Aaaa(ip) => self.out.extend_from_slice(&ip.octets()),
            RData::Cname(n) | RData::Ptr(n) | RData::Ns(n) => self.name(n, true),
            RData::Txt(t) => {
                for chunk in t.as_bytes().chunks(255) {
                    self.out.push(chunk.len() as u8);
                    self.out.extend_from_slice(chunk);
                }
                if t.is_empty() {
                    self.out.push(0);
                }
            }
            RData::Srv {
                priority,
                weight,
                port,
                target,
            } => {
                self.u16(*priority);
                self.u16(*weight);
                self.u16(*port);
                self.name(target, false);
            }
            RData::Soa {
                mname,
                rname,
                serial,
                refresh,
                retry,
                expire,
                minimum,
            } => {
                self.name(mname, true);
                self.name(rname, true);
                for v in [*serial, *refresh, *retry, *expire, *minimum] {
                    self.u32(v);
                }
            }
        }
        let rdlength = (self.out.len() - length_at - 2) as u16;
        self.out[length_at..length_at + 2].copy_from_slice(&rdlength.to_be_bytes());
    }
}

/// The OPT record `SizeAndDo` puts on the reply.
fn opt_record(edns: &Edns) -> Vec<u8> {
    let mut out = vec![0u8];
    out.extend_from_slice(&41u16.to_be_bytes());
    out.extend_from_slice(&edns.udp_size.to_be_bytes());
    let flags: u32 = if edns.dnssec_ok { 0x8000 } else { 0 };
    out.extend_from_slice(&flags.to_be_bytes());
    let mut rdata = Vec::new();
    if let Some(cookie) = &edns.cookie {
        rdata.extend_from_slice(&OPTION_COOKIE.to_be_bytes());
        rdata.extend_from_slice(&(cookie.len() as u16).to_be_bytes());
        rdata.extend_from_slice(cookie);
    }
    out.extend_from_slice(&(rdata.len() as u16).to_be_bytes());
    out.extend_from_slice(&rdata);
    out
}

fn rcode_bits(rcode: Rcode) -> u16 {
    match rcode {
        Rcode::NoError => 0,
        Rcode::ServFail => 2,
        Rcode::NxDomain => 3,
    }
}

/// Packs header, question and the first `counts` records of each section.
fn pack(
    response: &Response,
    query: &Query,
    counts: [usize; 3],
    truncated: bool,
    compress: bool,
) -> Vec<u8> {
    let opt = query.edns.as_ref().map(opt_record);
    let mut p = Packer::new(compress);
    p.u16(query.id);
    let mut flags: u16 = 0x8000 | 0x0400; // QR, AA
    if truncated {
        flags |= 0x0200;
    }
    if query.recursion_desired {
        flags |= 0x0100;
    }
    if query.checking_disabled {
        flags |= 0x0010;
    }
    flags |= rcode_bits(response.rcode);
    p.u16(flags);
    p.u16(1);
    p.u16(counts[0] as u16);
    p.u16(counts[1] as u16);
    p.u16((counts[2] + usize::from(opt.is_some())) as u16);
    p.name(&response.name, true);
    p.u16(response.qtype.code());
    p.u16(1);
    let sections = [&response.answer, &response.authority, &response.additional];
    for (records, n) in sections.iter().zip(counts) {
        for r in records.iter().take(n) {
            p.record(r);
        }
    }
    if let Some(opt) = opt {
        p.out.extend_from_slice(&opt);
    }
    p.out
}

/// The reply CoreDNS writes for `response` to `query` (`SizeAndDo`, then `Scrub`).
pub fn reply(response: &Response, query: &Query) -> Reply {
    let full = [
        response.answer.len(),
        response.authority.len(),
        response.additional.len(),
    ];
    // `Request.Size` with `edns.Size`: 65535 over TCP, else the advertised size (512
    // without EDNS), never below 512.
    let size = if query.tcp {
        MAX_MSG_SIZE
    } else {
        query
            .edns
            .as_ref()
            .map_or(MIN_MSG_SIZE, |e| usize::from(e.udp_size))
            .max(MIN_MSG_SIZE)
    };
    let uncompressed = pack(response, query, full, false, false);
    let (counts, truncated, compress) = if uncompressed.len() <= size {
        // `Truncate` leaves it alone; `Scrub`'s fragmentation rule for UDP.
        let limit = if query.ipv6 { 1220 } else { 1480 };
        (full, false, !query.tcp && uncompressed.len() > limit)
    } else {
        // `Truncate`: compressed, the OPT record's length set aside, records kept while
        // the running compressed length stays within the budget (`truncateLoop`).
        let budget = size - query.edns.as_ref().map_or(0, |e| opt_record(e).len());
        let mut p = Packer::new(true);
        p.out.resize(HEADER_SIZE, 0);
        p.name(&response.name, true);
        p.out.extend_from_slice(&[0; 4]);
        let mut counts = [0usize; 3];
        let mut full_stop = p.out.len() >= budget;
        let sections = [&response.answer, &response.authority, &response.additional];
        for (k, records) in sections.iter().enumerate() {
            if full_stop {
                break;
            }
            for r in records.iter() {
                p.record(r);
                if p.out.len() > budget {
                    full_stop = true;
                    break;
                }
                counts[k] += 1;
                if p.out.len() == budget {
                    full_stop = true;
                    break;
                }
            }
        }
        (counts, counts != full, true)
    };
    let bytes = if compress || truncated {
        pack(response, query, counts, truncated, true)
    } else {
        uncompressed
    };
    Reply {
        bytes,
        answer: counts[0],
        authority: counts[1],
        additional: counts[2],
        truncated,
        compressed: compress,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dns::RecordType;

    fn srv_response(n: usize) -> Response {
        let name = "_http._tcp.web.default.svc.cluster.local.".to_string();
        let mut r = Response {
            name: name.clone(),
            qtype: RecordType::Srv,
            rcode: Rcode::NoError,
            answer: Vec::new(),
            authority: Vec::new(),
            additional: Vec::new(),
            upstream: None,
        };
        for i in 0..n {
            let target = format!("10-244-0-{i}.web.default.svc.cluster.local.");
            r.answer.push(Record {
                name: name.clone(),
                ttl: 30,
                data: RData::Srv {
                    priority: 0,
                    weight: 10,
                    port: 80,
                    target: target.clone(),
                },
            });
            r.additional.push(Record {
                name: target,
                ttl: 30,
                data: RData::A(format!("10.244.0.{i}").parse().unwrap()),
            });
        }
        r
    }

    fn dig_query() -> Query {
        Query {
            id: 1,
            recursion_desired: true,
            checking_disabled: false,
            edns: Some(Edns {
                udp_size: 1232,
                dnssec_ok: false,
                cookie: Some(vec![1, 2, 3, 4, 5, 6, 7, 8]),
            }),
            tcp: false,
            ipv6: false,
        }
    }

    /// A reply that fits is sent uncompressed: its size is the sum of the parts (header
    /// 12, question, records, OPT 11 + the 12-byte COOKIE option).
    #[test]
    fn a_reply_that_fits_is_not_compressed() {
        let r = srv_response(2);
        let reply = reply(&r, &dig_query());
        let question = crate::dns::wire_name_len(&r.name) + 4;
        let records: usize = r
            .answer
            .iter()
            .chain(&r.additional)
            .map(Record::wire_len)
            .sum();
        assert_eq!(reply.bytes.len(), 12 + question + records + 11 + 12);
        assert!(!reply.compressed && !reply.truncated);
    }

    /// `Msg.Truncate`: above the client's 1232 bytes the reply is compressed; the owner
    /// names of the answers become 2-byte pointers to the question, the additional
    /// owners pointers to the SRV targets written in full.
    #[test]
    fn a_reply_over_the_buffer_is_compressed_then_cut() {
        let r = srv_response(12);
        let q = dig_query();
        let plain = pack(&r, &q, [12, 0, 12], false, false);
        assert!(plain.len() > 1232);
        let reply = reply(&r, &q);
        assert!(reply.compressed && !reply.truncated);
        // Question 42 + 4; each SRV: pointer 2 + 10 + 6 + the full target (42 bytes, 43
        // for the two two-digit ones); each A: pointer 2 + 10 + 4; OPT with COOKIE 23.
        assert_eq!(
            reply.bytes.len(),
            12 + 46 + 12 * 18 + 10 * 42 + 2 * 43 + 12 * 16 + 23
        );
        // Without EDNS the budget is 512: cut, TC set.
        let q = Query { edns: None, ..q };
        let cut = super::reply(&r, &q);
        assert!(cut.truncated);
        assert!(cut.bytes.len() <= 512);
        assert_eq!(cut.bytes[2] & 0x02, 0x02);
    }
}
