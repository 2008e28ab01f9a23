//! `dig` (BIND 9.18) asking the cluster's CoreDNS, and `cat /etc/resolv.conf`, as a Pod
//! sees them.
//!
//! The format was checked against dig 9.18.49 (Debian 12) talking to a test server: a
//! blank line, the `; <<>> DiG ... <<>> ARGS` banner, the mDNS warning for `.local` names,
//! the header (`flags: qr aa rd`, CoreDNS sets no `ra`, hence the recursion warning), the
//! EDNS pseudo-section (dig offers 1232 bytes and CoreDNS echoes it), then the sections.
//! Record lines are aligned the way BIND's `masterdump` does: the TTL at column 24, the
//! class at 32, the type at 40 and the data at 48, with tabs of 8, and a single space when
//! a field already passed its column.
//!
//! What varies in a real run is fixed here: the message id is [`DIG_ID`], the query time
//! 0 msec, `WHEN` is [`WHEN`] (the scenario's start plus its age), and `MSG SIZE` is the
//! uncompressed size of the response (CoreDNS only compresses answers too big for the
//! client's buffer).
//!
//! Where it runs: `svcplay run FILE -- dig ...` and `cat /etc/resolv.conf` run in a client
//! Pod of the `default` namespace; `kubectl exec POD -- dig ...` runs them in that Pod's
//! namespace. Without `@server`, dig asks the nameserver of the Pod's resolv.conf. An
//! `@server` that is not the cluster DNS gets svcplay's note instead of an answer: svcplay
//! only simulates CoreDNS. Names CoreDNS forwards upstream, and ExternalName targets outside
//! the cluster, are not invented: a `;; svcplay:` comment says what would be asked.

use crate::dns::resolv::{expansions, resolv_conf};
use crate::dns::{
    Cluster, Rcode, Record, RecordType, Response, resolve, reverse_name, wire_name_len,
};
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
}

fn parse(args: &[String]) -> Result<Options, String> {
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
                .ok_or_else(|| "Invalid IP address".to_string())?;
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
            match word {
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

fn message_size(response: &Response) -> usize {
    12 + wire_name_len(&response.name)
        + 4
        + response
            .answer
            .iter()
            .chain(&response.authority)
            .chain(&response.additional)
            .map(Record::wire_len)
            .sum::<usize>()
        + 11
}

fn upstream_note(name: &str) -> String {
    format!(
        ";; svcplay: {name} is outside the cluster: CoreDNS asks the node's resolver (forward . /etc/resolv.conf) for it, which svcplay cannot reach offline, so no upstream records are shown\n"
    )
}

/// Prints a full dig response.
fn render(response: &Response, o: &Options, argv: &[String], server: &str) -> String {
    let mut out = String::new();
    if o.short {
        for r in &response.answer {
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
        let _ = writeln!(
            out,
            ";; flags: qr aa rd; QUERY: 1, ANSWER: {}, AUTHORITY: {}, ADDITIONAL: {}",
            response.answer.len(),
            response.authority.len(),
            response.additional.len() + 1
        );
        out.push_str(";; WARNING: recursion requested but not available\n\n");
        out.push_str(";; OPT PSEUDOSECTION:\n; EDNS: version: 0, flags:; udp: 1232\n");
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
    let sections: [(&str, &Vec<Record>, bool); 3] = [
        ("ANSWER", &response.answer, o.answer),
        ("AUTHORITY", &response.authority, o.authority),
        ("ADDITIONAL", &response.additional, o.additional),
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
        let _ = writeln!(out, ";; SERVER: {server}#53({server}) (UDP)");
        let _ = writeln!(out, ";; WHEN: {WHEN}");
        let _ = writeln!(out, ";; MSG SIZE  rcvd: {}\n", message_size(response));
    }
    out
}

/// `dig ARGS...` from a client Pod.
pub fn dig(analysis: &Analysis, client: &Client, argv: &[String]) -> CommandOutput {
    let cluster = Cluster::new(&analysis.objects);
    let o = match parse(argv) {
        Ok(o) => o,
        Err(e) => return CommandOutput::error(format!("dig: {e}\n"), 1),
    };
    let nameserver = cluster.dns_service_ip();
    let server = o.server.clone().unwrap_or_else(|| nameserver.clone());
    let is_cluster_dns = parse_ip_sloppy(&server).is_some()
        && parse_ip_sloppy(&server) == parse_ip_sloppy(&nameserver);
    if !is_cluster_dns {
        return CommandOutput::error(
            format!(
                "svcplay: {server} is not the cluster's DNS server ({nameserver}); svcplay only simulates CoreDNS\n"
            ),
            9,
        );
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
        stdout: render(&response, &o, argv, &server),
        stderr: String::new(),
        status,
    }
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
