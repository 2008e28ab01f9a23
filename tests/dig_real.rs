//! svcplay's `dig` against the real one (BIND 9.18's `dig`, Debian's bind9-dnsutils).
//!
//! A tiny DNS server on 127.0.0.1 (UDP and TCP) answers each query the real dig sends with
//! the bytes svcplay builds for it (`svcplay::dns::wire::reply`, from the query's own
//! id, RD, CD, EDNS size, DO bit and COOKIE, over the transport it came on). The real
//! dig's output must then equal what svcplay's `dig` view prints for the same options,
//! apart from what varies per run: the message id, dig's random client cookie, the
//! query time, `WHEN`, the server's address and the command line. Without `dig` on the
//! machine the test says so and passes (CI installs it: `scripts/lib/tools.sh`).

use std::io::{Read, Write};
use std::net::{TcpListener, UdpSocket};
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use svcplay::dns::wire::{Edns, Query, reply};
use svcplay::dns::{Cluster, RecordType, resolve};

/// The parts of a query the reply depends on, and the question.
fn parse_query(q: &[u8], tcp: bool) -> Option<(Query, String, RecordType)> {
    let id = u16::from_be_bytes([q[0], q[1]]);
    let flags = u16::from_be_bytes([q[2], q[3]]);
    let arcount = u16::from_be_bytes([q[10], q[11]]);
    let mut i = 12;
    let mut labels = Vec::new();
    while *q.get(i)? != 0 {
        let n = q[i] as usize;
        labels.push(String::from_utf8_lossy(q.get(i + 1..i + 1 + n)?).to_string());
        i += n + 1;
    }
    i += 1;
    let qtype = u16::from_be_bytes([q[i], q[i + 1]]);
    i += 4;
    let mut edns = None;
    if arcount > 0 && q.get(i) == Some(&0) && u16::from_be_bytes([q[i + 1], q[i + 2]]) == 41 {
        let udp_size = u16::from_be_bytes([q[i + 3], q[i + 4]]);
        let ttl = u32::from_be_bytes([q[i + 5], q[i + 6], q[i + 7], q[i + 8]]);
        let rdlen = u16::from_be_bytes([q[i + 9], q[i + 10]]) as usize;
        let rdata = &q[i + 11..i + 11 + rdlen];
        let mut cookie = None;
        let mut k = 0;
        while k + 4 <= rdata.len() {
            let code = u16::from_be_bytes([rdata[k], rdata[k + 1]]);
            let len = u16::from_be_bytes([rdata[k + 2], rdata[k + 3]]) as usize;
            if code == 10 {
                cookie = Some(rdata[k + 4..k + 4 + len].to_vec());
            }
            k += 4 + len;
        }
        edns = Some(Edns {
            udp_size,
            dnssec_ok: ttl & 0x8000 != 0,
            cookie,
        });
    }
    let qtype = match qtype {
        1 => RecordType::A,
        2 => RecordType::Ns,
        5 => RecordType::Cname,
        6 => RecordType::Soa,
        12 => RecordType::Ptr,
        16 => RecordType::Txt,
        28 => RecordType::Aaaa,
        33 => RecordType::Srv,
        n => RecordType::Other(n),
    };
    let query = Query {
        id,
        recursion_desired: flags & 0x0100 != 0,
        checking_disabled: flags & 0x0010 != 0,
        edns,
        tcp,
        ipv6: false,
    };
    Some((query, format!("{}.", labels.join(".")), qtype))
}

/// Lines that vary between runs, made comparable.
fn normalise(text: &str) -> String {
    text.lines()
        .filter(|l| !l.starts_with("; <<>> DiG") && *l != "; (1 server found)")
        .map(|l| {
            if let Some(rest) = l.strip_prefix(";; ->>HEADER<<-") {
                let cut = rest.rfind("id: ").map_or(rest.len(), |p| p + 4);
                format!(";; ->>HEADER<<-{}<id>", &rest[..cut])
            } else if l.starts_with("; COOKIE: ") {
                let verdict = l.rsplit(' ').next().unwrap_or("");
                format!("; COOKIE: <cookie> {verdict}")
            } else if l.starts_with(";; Query time:") {
                ";; Query time: <t>".into()
            } else if let Some(rest) = l.strip_prefix(";; SERVER: ") {
                format!(
                    ";; SERVER: <server> {}",
                    rest.rsplit(' ').next().unwrap_or("")
                )
            } else if l.starts_with(";; WHEN:") {
                ";; WHEN: <when>".into()
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn svcplay_dig_prints_what_the_real_dig_prints() {
    if Command::new("dig").arg("-v").output().is_err() {
        eprintln!("skipped: no `dig` on this machine (Debian package bind9-dnsutils)");
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/dig");
    let text = std::fs::read_to_string(root.join("srv-compression/input.yaml")).unwrap();
    let analysis = Arc::new(svcplay::scenario::analyze(
        &text,
        svcplay::scenario::Options { stored: false },
    ));
    let (udp, tcp, port) = udp_and_tcp_on_one_port();
    let stop = Arc::new(AtomicBool::new(false));
    let answer = {
        let analysis = Arc::clone(&analysis);
        move |q: &[u8], over_tcp: bool| -> Vec<u8> {
            let cluster = Cluster::new(&analysis.objects);
            let (query, name, qtype) = parse_query(q, over_tcp).expect("a query");
            reply(&resolve(&cluster, &name, qtype), &query).bytes
        }
    };
    udp.set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    tcp.set_nonblocking(true).unwrap();
    let server = {
        let stop = Arc::clone(&stop);
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while !stop.load(Ordering::Relaxed) {
                if let Ok((n, from)) = udp.recv_from(&mut buf) {
                    let _ = udp.send_to(&answer(&buf[..n], false), from);
                }
                if let Ok((mut conn, _)) = tcp.accept() {
                    conn.set_nonblocking(false).unwrap();
                    let mut len = [0u8; 2];
                    if conn.read_exact(&mut len).is_ok() {
                        let mut q = vec![0u8; u16::from_be_bytes(len) as usize];
                        if conn.read_exact(&mut q).is_ok() {
                            let r = answer(&q, true);
                            let _ = conn.write_all(&(r.len() as u16).to_be_bytes());
                            let _ = conn.write_all(&r);
                        }
                    }
                }
            }
        })
    };
    let questions = std::fs::read_to_string(root.join("real-dig-questions.txt")).unwrap();
    let mut agree = 0;
    let mut failures = Vec::new();
    let mut asked = 0;
    for line in questions
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
    {
        asked += 1;
        let args: Vec<String> = line.split_whitespace().map(String::from).collect();
        let real = Command::new("dig")
            .arg("@127.0.0.1")
            .arg("-p")
            .arg(port.to_string())
            .args(["+tries=1", "+time=5"])
            .args(&args)
            .output()
            .unwrap();
        let mut argv = vec!["@10.96.0.10".to_string()];
        argv.extend(args.iter().cloned());
        let ours = svcplay::views::dig::run(
            &analysis,
            &svcplay::views::Context::new(String::new()),
            &argv,
        );
        let (real, ours) = (
            normalise(&String::from_utf8_lossy(&real.stdout)),
            normalise(&ours.stdout),
        );
        if real == ours {
            agree += 1;
        } else {
            failures.push(format!("dig {line}\n--- real\n{real}\n--- svcplay\n{ours}"));
        }
    }
    stop.store(true, Ordering::Relaxed);
    server.join().unwrap();
    eprintln!("real dig agrees with svcplay on {agree} of {asked} questions");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// A UDP socket and a TCP listener on the same free local port (dig falls back to TCP on
/// the port it was given). The kernel picks a free UDP port; the same TCP port may be
/// taken by another program (other test runs share this machine), so another UDP port is
/// tried until both are free.
fn udp_and_tcp_on_one_port() -> (UdpSocket, TcpListener, u16) {
    let mut last = None;
    for _ in 0..100 {
        let udp = UdpSocket::bind("127.0.0.1:0").unwrap();
        let port = udp.local_addr().unwrap().port();
        match TcpListener::bind(("127.0.0.1", port)) {
            Ok(tcp) => return (udp, tcp, port),
            Err(e) => last = Some(e),
        }
    }
    panic!("no local port free for both UDP and TCP in 100 tries: {last:?}");
}
