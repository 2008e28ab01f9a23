//! `dig` (BIND 9.18) asking the cluster's CoreDNS, and `cat /etc/resolv.conf`, as a Pod
//! sees them.
//!
//! The format was checked against dig 9.18.49 (Debian 12) talking to a test server: a
//! blank line, the `; <<>> DiG ... <<>> ARGS` banner, the mDNS warning for `.local` names,
//! the header (`flags: qr aa rd`, CoreDNS sets no `ra`, hence the recursion warning), the
//! EDNS pseudo-section (the client's size, DO and COOKIE echoed by CoreDNS), then the
//! sections. Record lines are aligned the way BIND's `masterdump` does: the TTL at column
//! 24, the class at 32, the type at 40 and the data at 48, with tabs of 8, and a single
//! space when a field already passed its column. `tests/dig_real.rs` keeps checking it:
//! the real dig, asked through a server that answers with svcplay's reply bytes, prints
//! what this view prints.
//!
//! The reply is the one CoreDNS sends for the query the options make
//! ([`crate::dns::wire`]): `+[no]recurse`, `+[no]dnssec`, `+[no]cdflag`, `+bufsize=N`,
//! `+[no]edns`, `+[no]cookie[=HEX]`, `+[no]tcp`/`+vc` and `+[no]ignore` change it; a reply
//! truncated over UDP makes dig retry over TCP, as the real one does.
//!
//! What varies in a real run is fixed here: the message id is [`DIG_ID`], the client
//! COOKIE is [`DIG_CLIENT_COOKIE`], the query time 0 msec, `WHEN` is the session clock
//! ([`crate::session`]; [`WHEN`] in a fresh scenario), and `MSG SIZE` is the size of the
//! reply built.
//!
//! Where it runs: `svcplay run FILE -- dig ...` and `cat /etc/resolv.conf` run in a client
//! Pod of the `default` namespace; `kubectl exec POD -- dig ...` runs them in that Pod's
//! namespace. Without `@server`, dig asks the nameserver of the Pod's resolv.conf. An
//! `@server` that is not the cluster DNS answers nothing: dig times out as the real one
//! does (`+tries`/`+retry` times `+time` seconds, [`timeout_seconds`]) — svcplay only
//! simulates CoreDNS. Names CoreDNS forwards upstream, and ExternalName targets outside
//! the cluster, are not invented: a `;; svcplay:` comment says what would be asked.

use crate::dns::resolv::{expansions, resolv_conf};
use crate::dns::wire::{self, Edns, Query};
use crate::dns::{Cluster, Rcode, Record, RecordType, Response, resolve, reverse_name};
use crate::model::ip::parse_ip_sloppy;
use crate::scenario::Analysis;
use crate::views::{CommandOutput, Context};
use std::fmt::Write as _;

/// The dig version svcplay prints.
pub const DIG_VERSION: &str = "9.18.49-1~deb12u3-Debian";
/// The message id svcplay prints (a real dig picks one at random).
pub const DIG_ID: u16 = 4242;
/// `;; WHEN:` — [`crate::controllers::SCENARIO_START`] plus [`crate::controllers::SCENARIO_AGE_SECONDS`].
pub const WHEN: &str = "Wed Jan 01 00:00:10 UTC 2025";
/// The namespace of the client Pod when the command does not run in a named Pod.
pub const DEFAULT_CLIENT_NAMESPACE: &str = "default";

/// Where a dig runs: the client Pod's namespace.
#[derive(Clone, Debug)]
pub struct Client {
    pub namespace: String,
}

/// Parsed dig options.
#[derive(Clone, Debug)]
struct Options {
    server: Option<String>,
    name: Option<String>,
    qtype: Option<RecordType>,
    short: bool,
    search: bool,
    cmd: bool,
    comments: bool,
    question: bool,
    answer: bool,
    authority: bool,
    additional: bool,
    stats: bool,
    /// RD in the query (`+[no]recurse`).
    recurse: bool,
    /// DO in the query's OPT record (`+[no]dnssec`).
    dnssec: bool,
    /// CD in the query (`+[no]cdflag`).
    cdflag: bool,
    /// The query carries an OPT record (`+noedns` removes it).
    edns: bool,
    /// The advertised UDP size (`+bufsize=N`).
    bufsize: u16,
    /// The COOKIE option: `None` with `+nocookie`, else the cookie sent.
    cookie: Option<Vec<u8>>,
    /// Ask over TCP (`+tcp`, `+vc`).
    tcp: bool,
    /// Keep a truncated UDP reply instead of retrying over TCP (`+ignore`).
    ignore: bool,
    /// `+tries=N` (`+retry=N` is N+1): how many times a UDP query is sent.
    tries: u32,
    /// `+time=N`: seconds to wait for each try.
    time: u32,
}

/// The client COOKIE svcplay's dig sends: the ASCII bytes of `svcplay!`. A real dig 9.18
/// sends 8 random bytes (`dig.c` `compute_cookie` copies its random `cookie_secret`),
/// which CoreDNS echoes unchanged.
pub const DIG_CLIENT_COOKIE: [u8; 8] = *b"svcplay!";
/// dig 9.18's default EDNS UDP size (`+bufsize`).
pub const DIG_BUFSIZE: u16 = 1232;

fn hex_bytes(text: &str) -> Option<Vec<u8>> {
    if text.len() % 2 != 0 || text.is_empty() {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

/// A dig option dig refuses: what it prints on stdout and stderr, and its exit status.
struct Refusal {
    stdout: String,
    stderr: String,
    status: i32,
}

/// dig's `parse_uint` failure (`dig.c`): the reason on stdout, "Couldn't parse" on stderr,
/// exit status 10.
fn invalid_number(what: &str, value: &str, range: bool) -> Refusal {
    let why = if range {
        "out of range"
    } else {
        "not a valid number"
    };
    Refusal {
        stdout: format!("invalid {what} '{value}': {why}\n"),
        stderr: format!("dig: Couldn't parse {what}\n"),
        status: 10,
    }
}

fn parse_number<T: std::str::FromStr>(what: &str, value: &str) -> Result<T, Refusal> {
    value.parse().map_err(|_| {
        let range = !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit());
        invalid_number(what, value, range)
    })
}

fn parse(args: &[String]) -> Result<Options, Refusal> {
    let mut o = Options {
        server: None,
        name: None,
        qtype: None,
        short: false,
        search: false,
        cmd: true,
        comments: true,
        question: true,
        answer: true,
        authority: true,
        additional: true,
        stats: true,
        recurse: true,
        dnssec: false,
        cdflag: false,
        edns: true,
        bufsize: DIG_BUFSIZE,
        cookie: Some(DIG_CLIENT_COOKIE.to_vec()),
        tcp: false,
        ignore: false,
        tries: 3,
        time: 5,
    };
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_str();
        if let Some(server) = a.strip_prefix('@') {
            o.server = Some(server.to_string());
        } else if a == "-x" {
            i += 1;
            let ip = args
                .get(i)
                .and_then(|s| parse_ip_sloppy(s))
                .ok_or_else(|| Refusal {
                    stdout: String::new(),
                    stderr: "dig: Invalid IP address\n".into(),
                    status: 1,
                })?;
            o.name = Some(reverse_name(&ip));
            o.qtype = Some(RecordType::Ptr);
        } else if a == "-t" {
            i += 1;
            o.qtype = args.get(i).and_then(|t| RecordType::parse(t));
        } else if a == "-p" || a == "-c" || a == "-b" {
            i += 1;
        } else if a.starts_with('-') {
            // -4, -6 and the like do not change what CoreDNS answers.
        } else if let Some(option) = a.strip_prefix('+') {
            let (negated, word) = match option.strip_prefix("no") {
                Some(rest) => (true, rest),
                None => (false, option),
            };
            let on = !negated;
            let (word, value) = match word.split_once('=') {
                Some((w, v)) => (w, Some(v)),
                None => (word, None),
            };
            match word {
                "recurse" | "rec" => o.recurse = on,
                "dnssec" => o.dnssec = on,
                "cdflag" | "cd" => o.cdflag = on,
                "tcp" | "vc" => o.tcp = on,
                "ignore" => o.ignore = on,
                "edns" => {
                    o.edns = on;
                    if let Some(v) = value {
                        parse_number::<u8>("edns", v)?;
                    }
                }
                "bufsize" | "buf" => match value {
                    Some(v) => {
                        o.bufsize = parse_number("buffer size", v)?;
                        o.edns = true;
                    }
                    None => o.bufsize = DIG_BUFSIZE,
                },
                "cookie" => {
                    o.cookie = if on {
                        match value {
                            Some(v) => {
                                Some(hex_bytes(v).filter(|b| (8..=40).contains(&b.len())).ok_or(
                                    Refusal {
                                        stdout: String::new(),
                                        stderr:
                                            "dig: isc_hex_decodestring: bad hex encoding\n".into(),
                                        status: 1,
                                    },
                                )?)
                            }
                            None => Some(DIG_CLIENT_COOKIE.to_vec()),
                        }
                    } else {
                        None
                    };
                }
                "tries" => {
                    if let Some(v) = value {
                        o.tries = parse_number::<u32>("tries", v)?.max(1);
                    }
                }
                "retry" => {
                    if let Some(v) = value {
                        o.tries = parse_number::<u32>("retry", v)?.saturating_add(1);
                    }
                }
                "time" => {
                    if let Some(v) = value {
                        o.time = parse_number::<u32>("time", v)?.max(1);
                    }
                }
                "short" => o.short = on,
                "search" => o.search = on,
                "cmd" => o.cmd = on,
                "comments" => o.comments = on,
                "question" => o.question = on,
                "answer" => o.answer = on,
                "authority" => o.authority = on,
                "additional" => o.additional = on,
                "stats" => o.stats = on,
                "all" => {
                    o.cmd = on;
                    o.comments = on;
                    o.question = on;
                    o.answer = on;
                    o.authority = on;
                    o.additional = on;
                    o.stats = on;
                }
                _ => {}
            }
        } else if o.name.is_some() && o.qtype.is_none() && RecordType::parse(a).is_some() {
            o.qtype = RecordType::parse(a);
        } else if a.eq_ignore_ascii_case("IN") && o.name.is_some() {
            // The class; only IN exists in the cluster.
        } else if o.name.is_none() {
            o.name = Some(a.to_string());
        } else if RecordType::parse(a).is_some() {
            o.qtype = RecordType::parse(a);
        }
        i += 1;
    }
    Ok(o)
}

/// BIND's `indent`: move from `column` to `to` with tabs of 8, or one space when past it.
fn indent(out: &mut String, column: &mut usize, to: usize) {
    let to = to.max(*column + 1);
    let tabs = to / 8 - *column / 8;
    if tabs > 0 {
        out.push_str(&"\t".repeat(tabs));
        let from = (to / 8) * 8;
        out.push_str(&" ".repeat(to - from));
    } else {
        out.push_str(&" ".repeat(to - *column));
    }
    *column = to;
}

/// One record line as dig prints it.
pub fn record_line(record: &Record) -> String {
    let mut out = String::new();
    let mut column = 0;
    out.push_str(&record.name);
    column += record.name.chars().count();
    indent(&mut out, &mut column, 24);
    let ttl = record.ttl.to_string();
    out.push_str(&ttl);
    column += ttl.len();
    indent(&mut out, &mut column, 32);
    out.push_str("IN");
    column += 2;
    indent(&mut out, &mut column, 40);
    let t = record.record_type().to_string();
    out.push_str(&t);
    column += t.len();
    indent(&mut out, &mut column, 48);
    out.push_str(&record.rdata_text());
    out
}

/// The question line (`;name.<tabs>IN<tab>A`); the `;` is not counted for alignment.
pub fn question_line(name: &str, qtype: RecordType) -> String {
    let mut out = format!(";{name}");
    let mut column = name.chars().count();
    indent(&mut out, &mut column, 32);
    out.push_str("IN");
    column += 2;
    indent(&mut out, &mut column, 40);
    out.push_str(&qtype.to_string());
    out
}

fn upstream_note(name: &str) -> String {
    format!(
        ";; svcplay: {name} is outside the cluster: CoreDNS asks the node's resolver (forward . /etc/resolv.conf) for it, which svcplay cannot reach offline, so no upstream records are shown\n"
    )
}

/// The query dig sends for these options (`dig.c` `setup_lookup`).
fn query_of(o: &Options, tcp: bool, ipv6: bool) -> Query {
    Query {
        id: DIG_ID,
        recursion_desired: o.recurse,
        checking_disabled: o.cdflag,
        edns: o.edns.then(|| Edns {
            udp_size: o.bufsize,
            dnssec_ok: o.dnssec,
            cookie: o.cookie.clone(),
        }),
        tcp,
        ipv6,
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Prints a full dig response: CoreDNS's reply to the query the options make
/// ([`crate::dns::wire::reply`]); a truncated UDP reply makes dig say so and ask again
/// over TCP, unless `+ignore`.
fn render(response: &Response, o: &Options, argv: &[String], server: &str, when: &str) -> String {
    let mut out = String::new();
    let ipv6 = server.contains(':');
    let mut query = query_of(o, o.tcp, ipv6);
    let mut reply = wire::reply(response, &query);
    if reply.truncated && !query.tcp && !o.ignore {
        // A comment: `+short` and `+nocomments` keep it quiet.
        if o.comments && !o.short {
            out.push_str(";; Truncated, retrying in TCP mode.\n");
        }
        query = query_of(o, true, ipv6);
        reply = wire::reply(response, &query);
    }
    let answer = &response.answer[..reply.answer];
    let authority = &response.authority[..reply.authority];
    let additional = &response.additional[..reply.additional];
    if o.short {
        for r in answer {
            let _ = writeln!(out, "{}", r.rdata_text());
        }
        if let Some(name) = &response.upstream {
            out.push_str(&upstream_note(name));
        }
        return out;
    }
    if o.cmd {
        out.push('\n');
        let _ = writeln!(out, "; <<>> DiG {DIG_VERSION} <<>> {}", argv.join(" "));
        if o.server.is_some() {
            out.push_str("; (1 server found)\n");
        }
        out.push_str(";; global options: +cmd\n");
    }
    if response.is_forwarded() {
        out.push_str(&upstream_note(&response.name));
        return out;
    }
    if o.comments {
        out.push_str(";; Got answer:\n");
        if response.name.to_ascii_lowercase().ends_with(".local.") {
            out.push_str(";; WARNING: .local is reserved for Multicast DNS\n");
            out.push_str(
                ";; You are currently testing what happens when an mDNS query is leaked to DNS\n",
            );
        }
        let _ = writeln!(
            out,
            ";; ->>HEADER<<- opcode: QUERY, status: {}, id: {DIG_ID}",
            response.rcode
        );
        // `dns_message_headertotext`: qr aa tc rd ra ad cd, the ones set.
        let mut flags = String::from("qr aa");
        if reply.truncated {
            flags.push_str(" tc");
        }
        if query.recursion_desired {
            flags.push_str(" rd");
        }
        if query.checking_disabled {
            flags.push_str(" cd");
        }
        let _ = writeln!(
            out,
            ";; flags: {flags}; QUERY: 1, ANSWER: {}, AUTHORITY: {}, ADDITIONAL: {}",
            reply.answer,
            reply.authority,
            reply.additional + usize::from(query.edns.is_some())
        );
        // CoreDNS never sets RA.
        if query.recursion_desired {
            out.push_str(";; WARNING: recursion requested but not available\n");
        }
        out.push('\n');
        if let Some(edns) = &query.edns {
            // `SizeAndDo` echoes the client's OPT record: its size, DO, and the COOKIE,
            // which dig calls "echoed" when only its own 8 bytes come back.
            let _ = writeln!(
                out,
                ";; OPT PSEUDOSECTION:\n; EDNS: version: 0, flags:{}; udp: {}",
                if edns.dnssec_ok { " do" } else { "" },
                edns.udp_size
            );
            if let Some(cookie) = &edns.cookie {
                let verdict = if cookie.len() >= 16 { "good" } else { "echoed" };
                let _ = writeln!(out, "; COOKIE: {} ({verdict})", hex(cookie));
            }
        }
    }
    if o.question {
        if o.comments {
            out.push_str(";; QUESTION SECTION:\n");
        }
        let _ = writeln!(out, "{}", question_line(&response.name, response.qtype));
        if o.comments {
            out.push('\n');
        }
    }
    let sections: [(&str, &[Record], bool); 3] = [
        ("ANSWER", answer, o.answer),
        ("AUTHORITY", authority, o.authority),
        ("ADDITIONAL", additional, o.additional),
    ];
    for (title, records, shown) in sections {
        if !shown || records.is_empty() {
            continue;
        }
        if o.comments {
            let _ = writeln!(out, ";; {title} SECTION:");
        }
        for r in records.iter() {
            let _ = writeln!(out, "{}", record_line(r));
        }
        if title == "ANSWER"
            && let Some(name) = &response.upstream
        {
            out.push_str(&upstream_note(name));
        }
        if o.comments {
            out.push('\n');
        }
    }
    if o.stats {
        out.push_str(";; Query time: 0 msec\n");
        let transport = if query.tcp { "TCP" } else { "UDP" };
        let _ = writeln!(out, ";; SERVER: {server}#53({server}) ({transport})");
        let _ = writeln!(out, ";; WHEN: {when}");
        let _ = writeln!(out, ";; MSG SIZE  rcvd: {}\n", reply.bytes.len());
    }
    out
}

/// `dig ARGS...` from a client Pod.
pub fn dig(analysis: &Analysis, client: &Client, argv: &[String]) -> CommandOutput {
    let cluster = Cluster::new(&analysis.objects);
    let o = match parse(argv) {
        Ok(o) => o,
        Err(r) => {
            return CommandOutput {
                interleaved: Vec::new(),
                stdout: r.stdout,
                stderr: r.stderr,
                status: r.status,
            };
        }
    };
    let nameserver = cluster.dns_service_ip();
    let server = o.server.clone().unwrap_or_else(|| nameserver.clone());
    let is_cluster_dns = parse_ip_sloppy(&server).is_some()
        && parse_ip_sloppy(&server) == parse_ip_sloppy(&nameserver);
    if !is_cluster_dns {
        // Nothing answers there: each try times out, then the banner and the verdict.
        let mut out = String::new();
        for _ in 0..o.tries {
            let _ = writeln!(out, ";; communications error to {server}#53: timed out");
        }
        if o.cmd {
            let _ = writeln!(out, "\n; <<>> DiG {DIG_VERSION} <<>> {}", argv.join(" "));
            out.push_str("; (1 server found)\n;; global options: +cmd\n");
        }
        out.push_str(";; no servers could be reached\n");
        return CommandOutput {
            interleaved: Vec::new(),
            stdout: out,
            stderr: String::new(),
            status: 9,
        };
    }
    let name = o.name.clone().unwrap_or_else(|| ".".to_string());
    let qtype = o.qtype.unwrap_or(if name == "." {
        RecordType::Ns
    } else {
        RecordType::A
    });
    let response = if o.search && !name.ends_with('.') {
        let mut last = None;
        for candidate in expansions(&name, &client.namespace, &cluster.domain) {
            let r = resolve(&cluster, &candidate, qtype);
            let stop = r.rcode != Rcode::NxDomain;
            last = Some(r);
            if stop {
                break;
            }
        }
        last.unwrap_or_else(|| resolve(&cluster, &name, qtype))
    } else {
        resolve(&cluster, &name, qtype)
    };
    let status = if response.is_forwarded() { 9 } else { 0 };
    CommandOutput {
        interleaved: Vec::new(),
        stdout: render(
            &response,
            &o,
            argv,
            &server,
            &crate::session::clock::dig_when(analysis.session.session.time),
        ),
        stderr: String::new(),
        status,
    }
}

/// The seconds a dig waits before it gives up on a server that does not answer
/// (`+tries` × `+time`; 15 by default), `None` when its arguments do not parse.
pub fn timeout_seconds(argv: &[String]) -> Option<i64> {
    let o = parse(argv).ok()?;
    Some(i64::from(o.tries) * i64::from(o.time))
}

/// `dig` from the default client Pod (namespace `default`).
pub fn run(analysis: &Analysis, context: &Context, argv: &[String]) -> CommandOutput {
    let _ = context;
    dig(
        analysis,
        &Client {
            namespace: DEFAULT_CLIENT_NAMESPACE.into(),
        },
        argv,
    )
}

/// `cat /etc/resolv.conf` in a client Pod.
pub fn resolv_conf_of(analysis: &Analysis, client: &Client) -> CommandOutput {
    let cluster = Cluster::new(&analysis.objects);
    CommandOutput::ok(resolv_conf(&cluster, &client.namespace))
}

/// `cat /etc/resolv.conf` in the default client Pod.
pub fn cat_resolv_conf(analysis: &Analysis, context: &Context) -> CommandOutput {
    let _ = context;
    resolv_conf_of(
        analysis,
        &Client {
            namespace: DEFAULT_CLIENT_NAMESPACE.into(),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dns::RData;

    #[test]
    fn lines_are_aligned_like_bind() {
        let r = Record {
            name: "nginx.dev.svc.cluster.local.".into(),
            ttl: 30,
            data: RData::A("10.96.45.10".parse().unwrap()),
        };
        assert_eq!(
            record_line(&r),
            "nginx.dev.svc.cluster.local. 30\tIN\tA\t10.96.45.10"
        );
        let r = Record {
            name: "x.y.".into(),
            ttl: 30,
            data: RData::Aaaa("fd00:10:96::2d14".parse().unwrap()),
        };
        assert_eq!(record_line(&r), "x.y.\t\t\t30\tIN\tAAAA\tfd00:10:96::2d14");
        let r = Record {
            name: "_http._tcp.nginx.dev.svc.cluster.local.".into(),
            ttl: 30,
            data: RData::Srv {
                priority: 0,
                weight: 100,
                port: 80,
                target: "nginx.dev.svc.cluster.local.".into(),
            },
        };
        assert_eq!(
            record_line(&r),
            "_http._tcp.nginx.dev.svc.cluster.local.\t30 IN SRV 0 100 80 nginx.dev.svc.cluster.local."
        );
        assert_eq!(
            question_line("_http._tcp.nginx.dev.svc.cluster.local.", RecordType::Srv),
            ";_http._tcp.nginx.dev.svc.cluster.local.\tIN SRV"
        );
        assert_eq!(
            question_line("x.y.", RecordType::Aaaa),
            ";x.y.\t\t\t\tIN\tAAAA"
        );
        assert_eq!(
            question_line("nginx.dev.svc.cluster.local.", RecordType::A),
            ";nginx.dev.svc.cluster.local.\tIN\tA"
        );
    }
}
