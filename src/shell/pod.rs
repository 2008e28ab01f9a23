//! Inside a Pod: what `kubectl exec -it POD -- sh` gives, and `kubectl exec POD -- CMD`.
//!
//! The Pod's shell runs `curl`, `wget -qO-`, `nslookup`, `dig`, `ping`, `cat`,
//! `hostname`, `ip addr`, `ls`, `env` and the shell's builtins, as the Pod: its own
//! address is the client, names resolve through CoreDNS with the Pod's search list
//! (`/etc/resolv.conf` as the kubelet writes it), and the Pod's node's rules carry its
//! requests. Files the shell writes (`echo 10.244.1.2 > /usr/share/nginx/html/index.html`,
//! the seeds' way of telling the Pods apart) live in the session document, so `curl`
//! shows which Pod answered, and they go away with the Pod. svcplay gives every image
//! these tools (the real nginx image has `curl` but no `nslookup` or `ping`).

use super::PodShell;
use super::exec::{Ctx, absolute};
use super::net;
use crate::dns::resolv::lookup;
use crate::dns::{Cluster, RData, RecordType};
use crate::model::ip::{IpFamily, parse_ip_sloppy};
use crate::session::PodFile;
use crate::views::CommandOutput;

/// The commands a Pod's shell knows (Tab completion).
pub const COMMANDS: &[&str] = &[
    "cat", "cd", "curl", "dig", "echo", "env", "exit", "hostname", "ip", "ls", "nslookup", "ping",
    "pwd", "sleep", "wget",
];

fn pod_key(shell: &PodShell) -> String {
    format!("{}/{}", shell.namespace, shell.pod)
}

/// Reads a file of the Pod's container.
pub fn read_file(ctx: &mut Ctx, shell: &PodShell, path: &str) -> Result<String, String> {
    let full = absolute(&shell.cwd, path);
    let session = ctx.session();
    if let Some(content) = session.pod_file(&pod_key(shell), &full) {
        return Ok(content.to_string());
    }
    let analysis = ctx.analysis();
    let pod = net::pod(&analysis.objects.pods, &shell.namespace, &shell.pod);
    match full.as_str() {
        "/etc/resolv.conf" => {
            let cluster = Cluster::new(&analysis.objects);
            Ok(crate::dns::resolv::resolv_conf(&cluster, &shell.namespace))
        }
        "/etc/hostname" => Ok(format!("{}\n", shell.pod)),
        "/etc/hosts" => {
            let ip = pod
                .and_then(|p| p.ips().first().map(|s| s.to_string()))
                .unwrap_or_default();
            Ok(format!(
                "# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nfe00::0\tip6-mcastprefix\nfe00::1\tip6-allnodes\nfe00::2\tip6-allrouters\n{ip}\t{}\n",
                shell.pod
            ))
        }
        "/usr/share/nginx/html/index.html" if is_nginx(pod) => Ok(net::NGINX_WELCOME.into()),
        _ => Err(format!("{path}: No such file or directory")),
    }
}

fn is_nginx(pod: Option<&crate::model::Pod>) -> bool {
    pod.and_then(|p| p.spec.containers.first())
        .and_then(|c| c.image.as_deref())
        .is_some_and(|i| i.rsplit('/').next().unwrap_or("").starts_with("nginx"))
}

/// Writes a file of the Pod's container (kept in the session).
pub fn write_file(
    ctx: &mut Ctx,
    shell: &PodShell,
    path: &str,
    data: &str,
    append: bool,
) -> Result<(), String> {
    let full = absolute(&shell.cwd, path);
    let directory = full.rsplit_once('/').map_or("/", |(d, _)| d);
    let known_dirs = [
        "",
        "/",
        "/tmp",
        "/root",
        "/usr/share/nginx/html",
        "/usr/local/apache2/htdocs",
        "/var/www/html",
        "/etc",
        "/home",
    ];
    if !known_dirs.contains(&directory) {
        return Err(format!("{path}: No such file or directory"));
    }
    let mut content = if append {
        read_file(ctx, shell, path).unwrap_or_default()
    } else {
        String::new()
    };
    content.push_str(data);
    let mut session = ctx.session();
    let key = pod_key(shell);
    session
        .pod_files
        .retain(|f| !(f.pod == key && f.path == full));
    session.pod_files.push(PodFile {
        pod: key,
        path: full,
        content,
    });
    ctx.set_session(session);
    Ok(())
}

fn shell_of(ctx: &Ctx) -> PodShell {
    ctx.terminal.pod.clone().unwrap_or(PodShell {
        namespace: "default".into(),
        pod: String::new(),
        container: String::new(),
        program: "sh".into(),
        cwd: "/".into(),
        remove_on_exit: false,
        busybox: false,
    })
}

/// Runs a command inside the Pod.
pub fn run(ctx: &mut Ctx, argv: &[String], stdin: Option<String>) -> CommandOutput {
    let shell = shell_of(ctx);
    let program = argv[0].as_str();
    match program {
        "curl" => super::node::curl(ctx, argv),
        "wget" => wget(ctx, argv),
        "nslookup" => nslookup(ctx, argv),
        "ping" => ping(ctx, argv),
        "dig" => {
            let analysis = ctx.analysis();
            let out = crate::views::dig::dig(
                &analysis,
                &crate::views::dig::Client {
                    namespace: shell.namespace.clone(),
                },
                &argv[1..],
            );
            super::node::dig_waited(ctx, out, &argv[1..])
        }
        "hostname" => {
            if argv.iter().any(|a| a == "-i" || a == "-I") {
                let analysis = ctx.analysis();
                let ip = net::pod(&analysis.objects.pods, &shell.namespace, &shell.pod)
                    .map(|p| p.ips().join(" "))
                    .unwrap_or_default();
                CommandOutput::ok(format!("{ip}\n"))
            } else {
                CommandOutput::ok(format!("{}\n", shell.pod))
            }
        }
        "cat" => {
            let paths: Vec<&String> = argv
                .iter()
                .skip(1)
                .filter(|a| !a.starts_with('-'))
                .collect();
            if paths.is_empty() {
                return CommandOutput::ok(stdin.unwrap_or_default());
            }
            let mut out = CommandOutput::ok("");
            for p in paths {
                match read_file(ctx, &shell, p) {
                    Ok(c) => out.stdout.push_str(&c),
                    Err(e) => {
                        out.stderr.push_str(&format!("cat: {e}\n"));
                        out.status = 1;
                    }
                }
            }
            out
        }
        "ls" => {
            let dir = argv
                .iter()
                .skip(1)
                .find(|a| !a.starts_with('-'))
                .map(|d| absolute(&shell.cwd, d))
                .unwrap_or_else(|| shell.cwd.clone());
            let session = ctx.session();
            let key = pod_key(&shell);
            let mut names: Vec<String> = session
                .pod_files
                .iter()
                .filter(|f| f.pod == key)
                .filter_map(|f| {
                    f.path
                        .rsplit_once('/')
                        .filter(|(d, _)| *d == dir)
                        .map(|(_, n)| n.to_string())
                })
                .collect();
            if dir == "/usr/share/nginx/html" {
                names.push("50x.html".into());
                names.push("index.html".into());
            }
            if dir == "/" {
                names.extend(
                    [
                        "bin", "boot", "dev", "etc", "home", "lib", "media", "mnt", "opt", "proc",
                        "root", "run", "sbin", "srv", "sys", "tmp", "usr", "var",
                    ]
                    .iter()
                    .map(|s| s.to_string()),
                );
            }
            names.sort();
            names.dedup();
            CommandOutput::ok(names.iter().map(|n| format!("{n}\n")).collect::<String>())
        }
        "env" | "printenv" => {
            let analysis = ctx.analysis();
            let mut out = format!(
                "HOSTNAME={}\nHOME=/root\nPATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\nKUBERNETES_SERVICE_HOST={}\nKUBERNETES_SERVICE_PORT=443\n",
                shell.pod,
                analysis
                    .objects
                    .service("default", "kubernetes")
                    .and_then(|s| s.spec.cluster_ip.clone())
                    .unwrap_or_default()
            );
            // Service links of the Pod's namespace (enableServiceLinks defaults to true).
            for svc in analysis
                .objects
                .services
                .iter()
                .filter(|s| s.meta.namespace == shell.namespace)
            {
                let Some(ip) = svc
                    .spec
                    .cluster_ip
                    .as_deref()
                    .filter(|ip| parse_ip_sloppy(ip).is_some())
                else {
                    continue;
                };
                let name = svc.meta.name.to_uppercase().replace('-', "_");
                if let Some(port) = svc.spec.ports.first() {
                    out.push_str(&format!(
                        "{name}_SERVICE_HOST={ip}\n{name}_SERVICE_PORT={}\n",
                        port.port.unwrap_or(0)
                    ));
                }
            }
            CommandOutput::ok(out)
        }
        "ip" => ip(ctx, &shell, argv),
        "kubectl" | "k" | "iptables" | "iptables-save" | "ipvsadm" | "ipset" | "nft"
        | "conntrack" | "vi" | "vim" | "yum" | "ssh" | "modprobe" | "lsmod" => {
            CommandOutput::error(
                format!(
                    "{}: {program}: not found\n",
                    if shell.program.ends_with("bash") {
                        "bash"
                    } else {
                        "sh"
                    }
                ),
                127,
            )
        }
        _ => CommandOutput::error(
            if shell.program.ends_with("bash") {
                format!("bash: {program}: command not found\n")
            } else {
                format!("sh: 1: {program}: not found\n")
            },
            127,
        ),
    }
}

/// `wget -qO- URL` (and `-O FILE`): curl's request, printed as wget prints it.
pub fn wget(ctx: &mut Ctx, argv: &[String]) -> CommandOutput {
    let quiet = argv
        .iter()
        .any(|a| a.starts_with('-') && !a.starts_with("--") && a.contains('q'));
    let to_stdout = argv.iter().enumerate().any(|(i, a)| {
        a == "-O-" || a == "-qO-" || (a == "-O" && argv.get(i + 1).map(String::as_str) == Some("-"))
    });
    let Some(url) = argv
        .iter()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .find(|a| *a != "-")
        .cloned()
    else {
        return CommandOutput::error(
            "wget: missing URL\nUsage: wget [OPTION]... [URL]...\n\nTry `wget --help' for more options.\n",
            1,
        );
    };
    let mut curl_argv = vec!["curl".to_string(), "-s".to_string(), url.clone()];
    let out = super::node::curl(ctx, &curl_argv);
    curl_argv.clear();
    if out.status != 0 {
        let host = net::parse_url(&url)
            .map(|(h, p, _)| format!("{h}:{p}"))
            .unwrap_or(url.clone());
        let message = match out.status {
            6 => format!(
                "wget: bad address '{}'\n",
                host.split(':').next().unwrap_or("")
            ),
            7 => format!(
                "wget: can't connect to remote host ({}): Connection refused\n",
                host.split(':').next().unwrap_or("")
            ),
            _ => "wget: download timed out\n".to_string(),
        };
        return CommandOutput::error(message, 1);
    }
    if to_stdout {
        let mut o = CommandOutput::ok(out.stdout);
        if !quiet {
            o.stderr = format!(
                "Connecting to {url}\nwriting to stdout\n-                    100% |********************************|   bytes  0:00:00 ETA\nwritten to stdout\n"
            );
        }
        return o;
    }
    match super::exec::write_file(ctx, "index.html", &out.stdout, false) {
        Ok(()) => CommandOutput {
            interleaved: Vec::new(),
            stdout: String::new(),
            stderr: if quiet {
                String::new()
            } else {
                format!(
                    "Connecting to {url}\nsaving to 'index.html'\nindex.html           100% |********************************|   bytes  0:00:00 ETA\n'index.html' saved\n"
                )
            },
            status: 0,
        },
        Err(e) => CommandOutput::error(format!("wget: {e}\n"), 1),
    }
}

/// `nslookup NAME [SERVER]`: BIND 9.18's nslookup through the client's resolver.
pub fn nslookup(ctx: &mut Ctx, argv: &[String]) -> CommandOutput {
    let args: Vec<&String> = argv
        .iter()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let Some(name) = args.first() else {
        return CommandOutput::error(
            "svcplay: nslookup's interactive mode is not simulated; give a name\n",
            1,
        );
    };
    let analysis = ctx.analysis();
    let cluster = Cluster::new(&analysis.objects);
    let server = cluster.dns_service_ip();
    let namespace = match &ctx.terminal.pod {
        Some(shell) => shell.namespace.clone(),
        None => {
            if args.get(1).map(|s| s.as_str()) != Some(server.as_str())
                && !name.ends_with(".cluster.local")
            {
                return CommandOutput::error(
                    format!(
                        "svcplay: the node's own resolver is not simulated; ask CoreDNS: nslookup {name} {server}\n"
                    ),
                    1,
                );
            }
            "default".to_string()
        }
    };
    let mut out = format!("Server:\t\t{server}\nAddress:\t{server}#53\n\n");
    if let Some(ip) = parse_ip_sloppy(name) {
        let reverse = crate::dns::reverse_name(&ip);
        let r = crate::dns::resolve(&cluster, &reverse, RecordType::Ptr);
        if r.answer.is_empty() {
            return CommandOutput {
                interleaved: Vec::new(),
                stdout: out,
                stderr: format!("** server can't find {reverse}: NXDOMAIN\n\n"),
                status: 1,
            };
        }
        for record in &r.answer {
            out.push_str(&format!(
                "{}\tname = {}\n",
                record.name.trim_end_matches('.'),
                record.rdata_text()
            ));
        }
        out.push('\n');
        return CommandOutput::ok(out);
    }
    let tries = lookup(&cluster, name, RecordType::A, &namespace);
    let Some(answer) = tries.last() else {
        return CommandOutput::error(format!("** server can't find {name}: NXDOMAIN\n"), 1);
    };
    if answer.is_forwarded() {
        return CommandOutput {
            interleaved: Vec::new(),
            stdout: out,
            stderr: format!(
                ";; svcplay: {} goes to CoreDNS's upstream servers, which svcplay does not reach\n",
                answer.upstream.clone().unwrap_or_default()
            ),
            status: 1,
        };
    }
    let addresses: Vec<&crate::dns::Record> = answer
        .answer
        .iter()
        .filter(|r| matches!(r.data, RData::A(_) | RData::Aaaa(_)))
        .collect();
    let mut canonical = false;
    for record in &answer.answer {
        if let RData::Cname(target) = &record.data {
            canonical = true;
            out.push_str(&format!(
                "{}\tcanonical name = {target}\n",
                record.name.trim_end_matches('.')
            ));
        }
    }
    if addresses.is_empty() {
        // An ExternalName's target outside the cluster: the CNAME, and what is not shown.
        if canonical && let Some(target) = &answer.upstream {
            out.push_str(&format!(
                ";; svcplay: {target} is outside the cluster: CoreDNS asks the node's resolver (forward . /etc/resolv.conf) for it, which svcplay cannot reach offline, so no upstream records are shown\n\n"
            ));
            return CommandOutput::ok(out);
        }
        return CommandOutput {
            interleaved: Vec::new(),
            stdout: out,
            stderr: format!("** server can't find {name}: NXDOMAIN\n\n"),
            status: 1,
        };
    }
    for record in addresses {
        out.push_str(&format!(
            "Name:\t{}\nAddress: {}\n",
            record.name.trim_end_matches('.'),
            record.rdata_text()
        ));
    }
    out.push('\n');
    CommandOutput::ok(out)
}

/// `ping [-c N] HOST`: ICMP echo. A Pod or a node answers; a ClusterIP does not (no
/// rule carries ICMP to a Service), unless the node binds it to kube-ipvs0 (IPVS
/// mode), where the node itself answers. Without `-c`, ping runs until Ctrl+C: svcplay
/// sends four and interrupts it.
pub fn ping(ctx: &mut Ctx, argv: &[String]) -> CommandOutput {
    let mut count: Option<u64> = None;
    let mut host: Option<String> = None;
    let mut i = 1;
    while i < argv.len() {
        let a = &argv[i];
        if a == "-c" {
            count = argv.get(i + 1).and_then(|v| v.parse().ok());
            i += 1;
        } else if let Some(v) = a.strip_prefix("-c") {
            count = v.parse().ok();
        } else if a == "-W" || a == "-w" || a == "-i" {
            i += 1;
        } else if !a.starts_with('-') {
            host = Some(a.clone());
        }
        i += 1;
    }
    let Some(host) = host else {
        return CommandOutput::error("ping: usage error: Destination address required\n", 2);
    };
    let client = net::client(ctx, IpFamily::IPv4);
    let ip = match net::resolve(ctx, &client, &host) {
        Ok(ip) => ip,
        Err(_) => {
            return CommandOutput::error(format!("ping: {host}: Name or service not known\n"), 2);
        }
    };
    let analysis = ctx.analysis();
    let text = ip.to_string();
    let is_pod = analysis
        .objects
        .pods
        .iter()
        .any(|p| p.ips().contains(&text.as_str()));
    let is_node = analysis
        .node_names()
        .iter()
        .any(|n| analysis.node_context(n).node_ips.contains(&ip));
    let on_node = analysis.on_node(&client.node);
    let bound_in_ipvs = on_node.proxy_config.mode == crate::proxy::config::ProxyMode::Ipvs
        && analysis
            .objects
            .services
            .iter()
            .any(|s| s.spec.cluster_ips.iter().any(|c| c == &text));
    let answers = is_pod || is_node || ip.is_loopback() || bound_in_ipvs;
    let n = count.unwrap_or(4).clamp(1, 20);
    let mut out = format!("PING {host} ({ip}) 56(84) bytes of data.\n");
    let ttl = if is_pod && client.pod.is_none() {
        63
    } else {
        64
    };
    let mut times = Vec::new();
    for seq in 1..=n {
        if answers {
            let t = 0.040 + 0.011 * ((seq * 7) % 5) as f64;
            times.push(t);
            out.push_str(&format!(
                "64 bytes from {ip}: icmp_seq={seq} ttl={ttl} time={t:.3} ms\n"
            ));
        }
        if seq < n {
            ctx.sleep(1);
        }
    }
    if count.is_none() {
        out.push_str("^C\n");
    }
    let received = times.len() as u64;
    let loss = 100 - received * 100 / n;
    out.push_str(&format!(
        "\n--- {host} ping statistics ---\n{n} packets transmitted, {received} received, {loss}% packet loss, time {}ms\n",
        (n - 1) * 1000 + 3
    ));
    if received > 0 {
        let min = times.iter().cloned().fold(f64::MAX, f64::min);
        let max = times.iter().cloned().fold(0.0, f64::max);
        let avg = times.iter().sum::<f64>() / times.len() as f64;
        let mdev =
            (times.iter().map(|t| (t - avg) * (t - avg)).sum::<f64>() / times.len() as f64).sqrt();
        out.push_str(&format!(
            "rtt min/avg/max/mdev = {min:.3}/{avg:.3}/{max:.3}/{mdev:.3} ms\n"
        ));
    }
    CommandOutput {
        interleaved: Vec::new(),
        stdout: out,
        stderr: String::new(),
        status: if received > 0 { 0 } else { 1 },
    }
}

/// `ip addr` inside the Pod: its loopback and its end of the veth pair.
fn ip(ctx: &mut Ctx, shell: &PodShell, argv: &[String]) -> CommandOutput {
    let analysis = ctx.analysis();
    let Some(pod) = net::pod(&analysis.objects.pods, &shell.namespace, &shell.pod) else {
        return CommandOutput::ok("");
    };
    let words: Vec<&str> = argv
        .iter()
        .skip(1)
        .map(String::as_str)
        .filter(|w| !w.starts_with('-'))
        .collect();
    let object = words.first().copied().unwrap_or("");
    if !"address".starts_with(object) || object.is_empty() {
        if "route".starts_with(object) && !object.is_empty() {
            let ip = pod.ips().first().and_then(|s| parse_ip_sloppy(s));
            let gateway = ip
                .and_then(|ip| match ip {
                    std::net::IpAddr::V4(v4) => {
                        let o = v4.octets();
                        Some(format!("{}.{}.{}.1", o[0], o[1], o[2]))
                    }
                    _ => None,
                })
                .unwrap_or_default();
            let net = gateway
                .rsplit_once('.')
                .map(|(p, _)| format!("{p}.0/24"))
                .unwrap_or_default();
            return CommandOutput::ok(format!(
                "default via {gateway} dev eth0 \n10.244.0.0/16 via {gateway} dev eth0 \n{net} dev eth0 proto kernel scope link src {} \n",
                pod.ips().first().copied().unwrap_or("")
            ));
        }
        return CommandOutput::error(
            format!("Object \"{object}\" is unknown, try \"ip help\".\n"),
            255,
        );
    }
    let mac =
        crate::controllers::uid::sha1(format!("{}/{}", shell.namespace, shell.pod).as_bytes());
    let mut out = String::from(
        "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000\n    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n    inet 127.0.0.1/8 scope host lo\n       valid_lft forever preferred_lft forever\n    inet6 ::1/128 scope host \n       valid_lft forever preferred_lft forever\n",
    );
    let peer = 5 + (mac[3] % 20) as u32;
    out.push_str(&format!(
        "2: eth0@if{peer}: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1450 qdisc noqueue state UP group default \n    link/ether {:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x} brd ff:ff:ff:ff:ff:ff link-netnsid 0\n",
        mac[0] & 0xfe | 0x02, mac[1], mac[2], mac[3], mac[4], mac[5]
    ));
    for ip in pod.ips() {
        if let Some(std::net::IpAddr::V4(v4)) = parse_ip_sloppy(ip) {
            let o = v4.octets();
            out.push_str(&format!(
                "    inet {ip}/24 brd {}.{}.{}.255 scope global eth0\n       valid_lft forever preferred_lft forever\n",
                o[0], o[1], o[2]
            ));
        } else {
            out.push_str(&format!(
                "    inet6 {ip}/64 scope global \n       valid_lft forever preferred_lft forever\n"
            ));
        }
    }
    CommandOutput::ok(out)
}
