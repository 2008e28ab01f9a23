//! Requests from the terminal: `curl`, `wget`, `ping`, and the names they use.
//!
//! A request has a client (the node the terminal is on, or the Pod it is in) and a
//! destination. A name is resolved the way the client would: from a Pod through CoreDNS
//! with the Pod's search list ([`crate::dns::resolv::lookup`]), from the node with its
//! own hosts (the cluster's node names, `localhost`; the node's resolver does not know
//! `cluster.local`). A Pod's own address is reached directly; any other destination goes
//! through the client node's rules, walked by [`crate::simulate::run`]: the k-th request
//! from this client to this destination in the session is the k-th of one seeded
//! simulation, so a scheduler's rotation (IPVS `rr`) and ClientIP affinity continue from
//! one `curl` to the next, as on a real node. The session counts the requests and keeps
//! each connection as the conntrack entry it leaves (TIME_WAIT, 120 s).
//!
//! What answers: the Pod's web server, if its image has one — nginx serves
//! `/usr/share/nginx/html/index.html` (the file the seeds' `echo IP > index.html`
//! writes, kept in the session) or its welcome page; httpd its "It works!". A Pod whose
//! image serves nothing refuses the connection.

use super::exec::Ctx;
use crate::dns::resolv::lookup;
use crate::dns::{Cluster, RData, RecordType};
use crate::model::Pod;
use crate::model::ip::{IpFamily, parse_ip_sloppy};
use crate::proxy::Protocol;
use crate::session::Connection;
use crate::simulate::{Landed, SimRequest};
use std::net::IpAddr;

/// How long a closed TCP connection stays in conntrack (`nf_conntrack_tcp_timeout_time_wait`).
pub const CONNTRACK_TIME_WAIT: i64 = 120;

/// The seed of the terminal's simulations.
const SEED: u64 = 1;

/// The nginx version whose pages the `nginx` image serves.
pub const NGINX_VERSION: &str = "1.29.4";

/// nginx's welcome page (`/usr/share/nginx/html/index.html` of the image).
pub const NGINX_WELCOME: &str = "<!DOCTYPE html>
<html>
<head>
<title>Welcome to nginx!</title>
<style>
html { color-scheme: light dark; }
body { width: 35em; margin: 0 auto;
font-family: Tahoma, Verdana, Arial, sans-serif; }
</style>
</head>
<body>
<h1>Welcome to nginx!</h1>
<p>If you see this page, the nginx web server is successfully installed and
working. Further configuration is required.</p>

<p>For online documentation and support please refer to
<a href=\"http://nginx.org/\">nginx.org</a>.<br/>
Commercial support is available at
<a href=\"http://nginx.com/\">nginx.com</a>.</p>

<p><em>Thank you for using nginx.</em></p>
</body>
</html>
";

/// Where the nginx image serves from.
pub const NGINX_ROOT: &str = "/usr/share/nginx/html";

/// Who sends a request.
#[derive(Clone, Debug)]
pub struct Client {
    pub ip: IpAddr,
    pub node: String,
    /// The Pod (`namespace`, `name`) the request comes from; `None` on the node.
    pub pod: Option<(String, String)>,
}

/// The client of a command run where the terminal is.
pub fn client(ctx: &mut Ctx, family: IpFamily) -> Client {
    let analysis = ctx.analysis();
    let node = ctx.node();
    if let Some(shell) = &ctx.terminal.pod {
        if let Some(p) = pod(&analysis.objects.pods, &shell.namespace, &shell.pod) {
            let ip = p
                .ips()
                .into_iter()
                .filter_map(parse_ip_sloppy)
                .find(|ip| IpFamily::of(ip) == family)
                .or_else(|| p.ips().into_iter().find_map(parse_ip_sloppy));
            if let Some(ip) = ip {
                return Client {
                    ip,
                    node: p.spec.node_name.clone().unwrap_or(node),
                    pod: Some((shell.namespace.clone(), shell.pod.clone())),
                };
            }
        }
    }
    let context = analysis.node_context(&node);
    let ip = context
        .node_ips
        .iter()
        .copied()
        .find(|ip| IpFamily::of(ip) == family)
        .or_else(|| context.node_ips.first().copied())
        .unwrap_or(IpAddr::from([127, 0, 0, 1]));
    Client {
        ip,
        node,
        pod: None,
    }
}

pub fn pod<'a>(pods: &'a [Pod], namespace: &str, name: &str) -> Option<&'a Pod> {
    pods.iter()
        .find(|p| p.meta.namespace == namespace && p.meta.name == name)
}

/// Why a name did not resolve.
pub enum Unresolved {
    /// Nobody knows the name.
    Unknown,
    /// The name goes to the upstream resolver, which svcplay does not reach.
    Upstream(String),
}

/// Resolves a host as the client would: an address, the node's hosts, or (from a Pod)
/// cluster DNS through the search list.
pub fn resolve(ctx: &mut Ctx, client: &Client, host: &str) -> Result<IpAddr, Unresolved> {
    if let Some(ip) = parse_ip_sloppy(host.trim_start_matches('[').trim_end_matches(']')) {
        return Ok(ip);
    }
    let analysis = ctx.analysis();
    if host == "localhost" {
        return Ok(IpAddr::from([127, 0, 0, 1]));
    }
    if let Some(node) = analysis.objects.node(host) {
        if let Some(ip) = node.internal_ip().and_then(parse_ip_sloppy) {
            return Ok(ip);
        }
    }
    let Some((namespace, _)) = &client.pod else {
        return Err(Unresolved::Unknown);
    };
    let cluster = Cluster::new(&analysis.objects);
    let tries = lookup(&cluster, host, RecordType::A, namespace);
    let last = tries.last();
    if let Some(r) = last {
        for record in &r.answer {
            if let RData::A(ip) = &record.data {
                return Ok(IpAddr::V4(*ip));
            }
        }
        if let Some(up) = &r.upstream {
            return Err(Unresolved::Upstream(up.clone()));
        }
    }
    Err(Unresolved::Unknown)
}

/// Where a request ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Landing {
    /// A Pod (or a host-network endpoint) at this address and port.
    Endpoint(IpAddr, u16),
    /// The rules rejected it, or nothing listens (connection refused).
    Refused,
    /// The rules dropped it, or nothing answers (time-out).
    Timeout,
}

/// Sends one request and records its connection in the session.
pub fn request(ctx: &mut Ctx, client: &Client, dst: (IpAddr, u16), protocol: Protocol) -> Landing {
    let analysis = ctx.analysis();
    let dst_text = dst.0.to_string();
    // A Pod's own address: no NAT.
    let direct = analysis
        .objects
        .pods
        .iter()
        .any(|p| !p.spec.host_network && p.ips().contains(&dst_text.as_str()));
    let node_ip = analysis
        .node_names()
        .iter()
        .any(|n| analysis.node_context(n).node_ips.contains(&dst.0))
        || dst.0.is_loopback();
    let key = format!(
        "{} {}/{}",
        client.node,
        crate::model::ip::join_host_port(&dst.0, i64::from(dst.1)),
        protocol.as_str()
    );
    let landing = if direct {
        Landing::Endpoint(dst.0, dst.1)
    } else {
        let mut session = ctx.session();
        let k = session.requests.get(&key).copied().unwrap_or(0);
        let on_node = analysis.on_node(&client.node);
        let request = SimRequest {
            mode: None,
            node: Some(client.node.clone()),
            src: Some(client.ip),
            dst: Some(dst),
            protocol,
            requests: k + 1,
            seed: SEED,
            interval_ms: crate::simulate::DEFAULT_INTERVAL_MS,
            record: usize::try_from(k + 1).unwrap_or(usize::MAX),
        };
        let landing = match crate::simulate::run(&on_node, &request) {
            Ok(result) => match result.sequence.last() {
                Some(Landed::Endpoint(ip, port)) => {
                    Landing::Endpoint(*ip, u16::try_from(*port).unwrap_or(0))
                }
                Some(Landed::Drop) => Landing::Timeout,
                Some(Landed::Reject) => Landing::Refused,
                Some(Landed::Unhandled) | None => {
                    if node_ip {
                        Landing::Refused
                    } else {
                        Landing::Timeout
                    }
                }
            },
            Err(_) => Landing::Timeout,
        };
        session.requests.insert(key.clone(), k + 1);
        ctx.set_session_time(session);
        landing
    };
    if let Landing::Endpoint(ip, port) = landing {
        let mut session = ctx.session();
        let n = session.connections.len() as u64 + session.time as u64;
        let sport = 32768 + (crate::hash::fnv32a(format!("{key}#{n}").as_bytes()) % 28232) as u16;
        let now = session.time;
        session.connections.push(Connection {
            time: now,
            node: client.node.clone(),
            protocol: protocol.as_str().to_ascii_lowercase(),
            src: crate::model::ip::join_host_port(&client.ip, i64::from(sport)),
            dst: crate::model::ip::join_host_port(&dst.0, i64::from(dst.1)),
            reply_src: crate::model::ip::join_host_port(&ip, i64::from(port)),
            reply_dst: crate::model::ip::join_host_port(&client.ip, i64::from(sport)),
        });
        session
            .connections
            .retain(|c| now - c.time < CONNTRACK_TIME_WAIT);
        ctx.set_session_time(session);
    }
    landing
}

/// What a Pod's web server answers for `path`, or `None` when nothing listens there.
pub fn page(ctx: &mut Ctx, ip: IpAddr, port: u16, path: &str) -> Option<(u16, String)> {
    let analysis = ctx.analysis();
    let text = ip.to_string();
    let p = analysis
        .objects
        .pods
        .iter()
        .find(|p| !p.spec.host_network && p.ips().contains(&text.as_str()))?;
    let image = p
        .spec
        .containers
        .first()
        .and_then(|c| c.image.clone())
        .unwrap_or_default();
    let base = image
        .rsplit('/')
        .next()
        .unwrap_or("")
        .split(':')
        .next()
        .unwrap_or("");
    let declared: Vec<i64> = p
        .spec
        .containers
        .iter()
        .flat_map(|c| c.ports.iter().map(|p| p.container_port))
        .collect();
    let serves = match base {
        "nginx" | "httpd" => port == 80,
        _ => declared.contains(&i64::from(port)) && base != "busybox",
    };
    if !serves {
        return None;
    }
    let key = format!("{}/{}", p.meta.namespace, p.meta.name);
    let session = ctx.session();
    let root = if base == "httpd" {
        "/usr/local/apache2/htdocs"
    } else {
        NGINX_ROOT
    };
    let file = if path == "/" || path.is_empty() {
        format!("{root}/index.html")
    } else {
        format!("{root}{path}")
    };
    if let Some(content) = session.pod_file(&key, &file) {
        return Some((200, content.to_string()));
    }
    match (base, path) {
        ("httpd", "/" | "" | "/index.html") => {
            Some((200, "<html><body><h1>It works!</h1></body></html>\n".into()))
        }
        ("nginx", "/" | "" | "/index.html") => Some((200, NGINX_WELCOME.into())),
        ("nginx", _) => Some((
            404,
            format!(
                "<html>\r\n<head><title>404 Not Found</title></head>\r\n<body>\r\n<center><h1>404 Not Found</h1></center>\r\n<hr><center>nginx/{NGINX_VERSION}</center>\r\n</body>\r\n</html>\r\n"
            ),
        )),
        _ => Some((200, String::new())),
    }
}

/// `URL` → (host, port, path), as curl reads it (`http://` when no scheme is given).
pub fn parse_url(url: &str) -> Result<(String, u16, String), String> {
    let (scheme, rest) = match url.split_once("://") {
        Some((s, r)) => (s.to_ascii_lowercase(), r),
        None => ("http".to_string(), url),
    };
    let default_port = match scheme.as_str() {
        "http" => 80,
        "https" => 443,
        other => {
            return Err(format!("curl: (1) Protocol \"{other}\" not supported"));
        }
    };
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], rest[i..].to_string()),
        None => (rest, "/".to_string()),
    };
    let authority = authority.rsplit('@').next().unwrap_or(authority);
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        match v6.split_once(']') {
            Some((h, p)) => (h.to_string(), p.strip_prefix(':').unwrap_or("").to_string()),
            None => (v6.to_string(), String::new()),
        }
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h.to_string(), p.to_string()),
            None => (authority.to_string(), String::new()),
        }
    };
    if host.is_empty() {
        return Err("curl: (3) URL rejected: No host part in the URL".into());
    }
    let port = if port.is_empty() {
        default_port
    } else {
        port.parse().map_err(|_| {
            "curl: (3) URL rejected: Port number was not a decimal number between 0 and 65535"
                .to_string()
        })?
    };
    Ok((host, port, path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_read_as_curl_reads_them() {
        assert_eq!(
            parse_url("10.97.97.97:8001").unwrap(),
            ("10.97.97.97".into(), 8001, "/".into())
        );
        assert_eq!(
            parse_url("http://web.dev/x").unwrap(),
            ("web.dev".into(), 80, "/x".into())
        );
        assert_eq!(parse_url("https://[fd00::1]/").unwrap().1, 443);
        assert!(parse_url("gopher://x").is_err());
    }
}
