//! The node's tools: what root on a cluster node runs.
//!
//! The rules' tools read the node's tables as kube-proxy left them, through the views
//! (the same printers as `svcplay run`): `iptables-save`, `iptables -L|-S`, the
//! `ip6tables` pair, `ipvsadm`, `ipset`, `nft`, `ip addr|route`, `conntrack -L` (the
//! session's connections). The analysis they read is the node's own
//! ([`crate::scenario::Analysis::on_node`]: a kube-proxy not yet restarted runs the
//! configuration it started with), and a mode the node ran before leaves its rules
//! ([`crate::session::Leftover`]).
//!
//! Files: the node's disk holds the scenario's `File` documents ([`crate::session`]);
//! `ls`, `cat`, `vi`/`vim`, `rm`, `cp`, `mv`, `touch` and redirections read and edit them.
//! Preparation the seeds run answers as on their CentOS 7 nodes: `modprobe ip_vs`,
//! `lsmod | grep ip_vs` (what the session loaded, and what kube-proxy's IPVS mode loads),
//! `yum install -y ipvsadm` (already installed: svcplay's nodes have the tools).
//! Anything else is bash's `command not found`.

use super::exec::{Ctx, absolute};
use super::net;
use super::{EditTarget, Editor};
use crate::model::ip::IpFamily;
use crate::proxy::Protocol;
use crate::proxy::config::ProxyMode;
use crate::session::File;
use crate::views::{CommandOutput, Context};

/// The commands the node knows (Tab completion, `type`, `which`).
pub const COMMANDS: &[&str] = &[
    "cat",
    "cd",
    "clear",
    "conntrack",
    "cp",
    "curl",
    "date",
    "dig",
    "echo",
    "exit",
    "grep",
    "head",
    "help",
    "history",
    "hostname",
    "ip",
    "ip6tables",
    "ip6tables-save",
    "ipset",
    "iptables",
    "iptables-save",
    "ipvsadm",
    "kubectl",
    "ls",
    "lsmod",
    "modprobe",
    "mv",
    "nft",
    "nslookup",
    "ping",
    "pwd",
    "rm",
    "seq",
    "sleep",
    "sort",
    "ssh",
    "tail",
    "touch",
    "uname",
    "vi",
    "vim",
    "wc",
    "wget",
    "yum",
];

/// Whether `name` is a command of the node.
pub fn is_command(name: &str) -> bool {
    COMMANDS.contains(&name) || matches!(name, "bash" | "sh" | "true" | "false" | "test")
}

/// `help`: the commands, a short line each (it fits a narrow pane).
pub const HELP: &str =
    "svcplay's lab terminal: a node of the scenario's cluster. One command per line:

kubectl get|describe|explain          the cluster's objects
kubectl create|apply|delete -f FILE   change the cluster from a file
kubectl run|expose|scale|label        change the cluster from flags
kubectl annotate|patch|set selector   change an object's fields
kubectl edit KIND NAME                edit an object in the editor
kubectl rollout restart KIND NAME     replace a workload's Pods
kubectl exec -it POD -- sh            a shell inside a Pod
iptables-save                         kube-proxy's iptables rules
iptables -t nat -L|-S [CHAIN] [-n]    one table or chain
ipvsadm -Ln                           the IPVS virtual servers
ipset list                            the IPVS mode's ipsets
nft list ruleset                      the nftables rules
conntrack -L                          the connection table
ip addr | ip route                    the node's addresses and routes
curl URL                              one request through kube-proxy
ping IP                               an ICMP echo
dig @10.96.0.10 NAME                  a DNS query to CoreDNS
while true; do curl URL; sleep 1; done   a loop (Ctrl+C stops it)
ls | cat FILE | vi FILE               the node's files
echo TEXT > FILE                      write a file
ssh NODE                              another node of the cluster
modprobe ip_vs | lsmod                the kernel's IPVS modules
yum install PACKAGE                   install a package
history | clear | sleep N | exit      the shell itself
Tab completes; Up/Down walk the history; Ctrl+L clears; Ctrl+R searches the history.
";
fn not_found(program: &str) -> CommandOutput {
    CommandOutput::error(format!("bash: {program}: command not found\n"), 127)
}

/// The path of a file as the scenario names it: relative to root's home when it is in
/// it, absolute otherwise.
fn scenario_name(path: &str) -> String {
    path.strip_prefix("/root/").unwrap_or(path).to_string()
}

/// The files of the node the terminal is on.
fn files(ctx: &mut Ctx) -> Vec<File> {
    let analysis = ctx.analysis();
    let node = ctx.node();
    let home = crate::controllers::kubeadm::home_node(&analysis.objects);
    analysis
        .session
        .files
        .iter()
        .filter(|f| f.node.as_deref().unwrap_or(&home) == node)
        .cloned()
        .collect()
}

fn cwd(ctx: &Ctx) -> String {
    ctx.terminal.cwd.clone().unwrap_or_else(|| "/root".into())
}

/// Reads a file of the node.
pub fn read_file(ctx: &mut Ctx, path: &str) -> Result<String, String> {
    let full = absolute(&cwd(ctx), path);
    let name = scenario_name(&full);
    if let Some(f) = files(ctx).into_iter().find(|f| f.name == name) {
        return Ok(f.content);
    }
    match full.as_str() {
        "/etc/hostname" => Ok(format!("{}\n", ctx.node())),
        "/etc/redhat-release" | "/etc/centos-release" => {
            Ok("CentOS Linux release 7.9.2009 (Core)\n".into())
        }
        "/proc/sys/net/ipv4/ip_forward" => Ok("1\n".into()),
        _ => Err(format!("{path}: No such file or directory")),
    }
}

/// Writes a file of the node (a `File` document of the scenario).
pub fn write_file(ctx: &mut Ctx, path: &str, data: &str, append: bool) -> Result<(), String> {
    let full = absolute(&cwd(ctx), path);
    let name = scenario_name(&full);
    if full.starts_with("/proc") || full.starts_with("/sys") {
        return Err(format!("{path}: Permission denied"));
    }
    let analysis = ctx.analysis();
    let node = ctx.node();
    let home = crate::controllers::kubeadm::home_node(&analysis.objects);
    let mut content = if append {
        read_file(ctx, path).unwrap_or_default()
    } else {
        String::new()
    };
    content.push_str(data);
    let file = File {
        name,
        node: (node != home).then_some(node),
        content,
    };
    let text = crate::session::set_file(ctx.text(), &file);
    ctx.set_text(text);
    Ok(())
}

/// Runs a node command.
pub fn run(ctx: &mut Ctx, argv: &[String], stdin: Option<String>) -> CommandOutput {
    let program = argv[0].as_str();
    let analysis = ctx.analysis();
    let node = ctx.node();
    let on_node = analysis.on_node(&node).into_owned();
    let context = Context::new(node.clone());
    match program {
        "iptables-save" => crate::views::iptables::save(&on_node, &context, IpFamily::IPv4, argv),
        "ip6tables-save" => crate::views::iptables::save(&on_node, &context, IpFamily::IPv6, argv),
        "iptables" | "iptables-nft" => {
            crate::views::iptables::iptables(&on_node, &context, IpFamily::IPv4, argv)
        }
        "ip6tables" | "ip6tables-nft" => {
            crate::views::iptables::iptables(&on_node, &context, IpFamily::IPv6, argv)
        }
        "ipvsadm" => ipvsadm(ctx, &on_node, &context, argv),
        "ipset" => crate::views::ipvs::ipset(&on_node, &context, argv),
        "nft" => crate::views::nft::run(&on_node, &context, argv),
        "ip" => ip(ctx, &on_node, &context, argv),
        "conntrack" => conntrack(ctx, &node, argv),
        "curl" => curl(ctx, argv),
        "wget" => super::pod::wget(ctx, argv),
        "ping" => super::pod::ping(ctx, argv),
        "dig" => {
            let out = crate::views::dig::run(&on_node, &context, &argv[1..]);
            dig_waited(ctx, out, &argv[1..])
        }
        "nslookup" => super::pod::nslookup(ctx, argv),
        "hostname" => CommandOutput::ok(format!("{node}\n")),
        "uname" => {
            if argv.iter().any(|a| a == "-r") {
                CommandOutput::ok(format!(
                    "{}\n",
                    crate::views::kubectl::resources::KERNEL_VERSION
                ))
            } else if argv.iter().any(|a| a == "-a") {
                CommandOutput::ok(format!(
                    "Linux {node} {} #1 SMP Tue Nov 3 19:32:56 UTC 2020 x86_64 x86_64 x86_64 GNU/Linux\n",
                    crate::views::kubectl::resources::KERNEL_VERSION
                ))
            } else {
                CommandOutput::ok("Linux\n")
            }
        }
        "modprobe" => modprobe(ctx, argv),
        "lsmod" => lsmod(ctx, &on_node),
        "yum" | "dnf" => yum(argv),
        "ls" | "ll" => ls(ctx, argv),
        "cat" => cat(ctx, argv, stdin),
        "vi" | "vim" => vi(ctx, argv),
        "rm" => {
            let mut out = CommandOutput::ok("");
            for path in argv.iter().skip(1).filter(|a| !a.starts_with('-')) {
                let full = absolute(&cwd(ctx), path);
                let name = scenario_name(&full);
                let node_field = {
                    let analysis = ctx.analysis();
                    let home = crate::controllers::kubeadm::home_node(&analysis.objects);
                    (node != home).then(|| node.clone())
                };
                if files(ctx).iter().any(|f| f.name == name) {
                    let text =
                        crate::session::remove_file(ctx.text(), &name, node_field.as_deref());
                    ctx.set_text(text);
                } else if !argv.iter().any(|a| a == "-f" || a == "-rf") {
                    out.stderr.push_str(&format!(
                        "rm: cannot remove '{path}': No such file or directory\n"
                    ));
                    out.status = 1;
                }
            }
            out
        }
        "touch" => {
            for path in argv.iter().skip(1) {
                if read_file(ctx, path).is_err() {
                    if let Err(e) = write_file(ctx, path, "", false) {
                        return CommandOutput::error(format!("touch: cannot touch {e}\n"), 1);
                    }
                }
            }
            CommandOutput::ok("")
        }
        "cp" | "mv" => {
            let args: Vec<&String> = argv
                .iter()
                .skip(1)
                .filter(|a| !a.starts_with('-'))
                .collect();
            let [from, to] = args.as_slice() else {
                return CommandOutput::error(
                    format!(
                        "{program}: missing destination file operand after '{}'\nTry '{program} --help' for more information.\n",
                        args.first().map_or("", |s| s.as_str())
                    ),
                    1,
                );
            };
            match read_file(ctx, from) {
                Ok(content) => {
                    if let Err(e) = write_file(ctx, to, &content, false) {
                        return CommandOutput::error(format!("{program}: {e}\n"), 1);
                    }
                    if program == "mv" {
                        let full = absolute(&cwd(ctx), from);
                        let text =
                            crate::session::remove_file(ctx.text(), &scenario_name(&full), None);
                        ctx.set_text(text);
                    }
                    CommandOutput::ok("")
                }
                Err(_) => CommandOutput::error(
                    format!("{program}: cannot stat '{from}': No such file or directory\n"),
                    1,
                ),
            }
        }
        "ssh" => ssh(ctx, argv),
        "systemctl" => CommandOutput::error(
            "svcplay: kube-proxy runs as a Pod of the kube-proxy DaemonSet here; restart it with `kubectl delete pod -n kube-system -l k8s-app=kube-proxy`\n",
            1,
        ),
        "bash" | "sh" => CommandOutput::ok(""),
        _ => not_found(program),
    }
}

/// `ipvsadm`: the node's virtual servers; a node back in iptables mode still has the
/// ones IPVS mode made.
fn ipvsadm(
    ctx: &mut Ctx,
    analysis: &crate::scenario::Analysis,
    context: &Context,
    argv: &[String],
) -> CommandOutput {
    let leftover_ipvs = analysis
        .session
        .session
        .leftovers
        .iter()
        .any(|l| l.node == context.node && l.mode == "ipvs");
    if analysis.proxy_config.mode != ProxyMode::Ipvs && leftover_ipvs {
        let mut old = analysis.clone();
        old.proxy_config.mode = ProxyMode::Ipvs;
        return crate::views::ipvs::ipvsadm(&old, context, argv);
    }
    // `ipvsadm -Lc` / `-Lnc` / `--connection`: IPVS's connection table, from the
    // connections the session's requests made to virtual services of this node (the
    // session clock gives each its remaining TIME_WAIT, two minutes as IPVS's default).
    let listing = argv.iter().skip(1).any(|a| {
        a == "-c"
            || a == "--connection"
            || (a.starts_with('-') && !a.starts_with("--") && a.contains('c') && a.contains('L'))
    });
    if listing && analysis.proxy_config.mode == ProxyMode::Ipvs {
        let now = ctx.session().time;
        let mut out = String::from(
            "IPVS connection entries\npro expire state       source             virtual            destination\n",
        );
        let virtuals: Vec<String> = analysis
            .proxy_facts(&context.node)
            .iter()
            .flat_map(|f| crate::proxy::ipvs::render(f).virtual_servers)
            .map(|v| {
                let a = v.address;
                match a {
                    std::net::IpAddr::V4(_) => format!("{a}:{}", v.port),
                    std::net::IpAddr::V6(_) => format!("[{a}]:{}", v.port),
                }
            })
            .collect();
        for c in ctx.session().connections.iter().rev() {
            if c.node != context.node || !virtuals.contains(&c.dst) {
                continue;
            }
            let left = (super::net::CONNTRACK_TIME_WAIT - (now - c.time)).max(0);
            let _ = std::fmt::Write::write_fmt(
                &mut out,
                format_args!(
                    "{:<3} {:02}:{:02}  {:<11} {:<18} {:<18} {}\n",
                    c.protocol.to_uppercase(),
                    left / 60,
                    left % 60,
                    "TIME_WAIT",
                    c.src,
                    c.dst,
                    c.reply_src
                ),
            );
        }
        return CommandOutput::ok(out);
    }
    crate::views::ipvs::ipvsadm(analysis, context, argv)
}

/// `ip`: `addr` (every interface of the node, kube-ipvs0 through the IPVS view),
/// `route`, `link`.
fn ip(
    ctx: &mut Ctx,
    analysis: &crate::scenario::Analysis,
    context: &Context,
    argv: &[String],
) -> CommandOutput {
    let words: Vec<&str> = argv
        .iter()
        .skip(1)
        .map(String::as_str)
        .filter(|w| !w.starts_with('-'))
        .collect();
    let object = words.first().copied().unwrap_or("");
    let is = |full: &str| !object.is_empty() && full.starts_with(object);
    if is("address") && words.contains(&crate::proxy::ipvs::DUMMY_DEVICE) {
        return crate::views::ipvs::ip(analysis, context, argv);
    }
    let node_context = analysis.node_context(&context.node);
    if is("address") || is("link") {
        let device = match words.as_slice() {
            [_, "show" | "s" | "list", "dev", d] | [_, "show" | "s" | "list", d] => Some(*d),
            _ => None,
        };
        let mut out = String::new();
        let mut index = 0;
        let mut interfaces: Vec<(String, Vec<(std::net::IpAddr, u8)>)> = Vec::new();
        for (name, ip, prefix) in &node_context.interfaces {
            match interfaces.iter_mut().find(|(n, _)| n == name) {
                Some((_, list)) => list.push((*ip, *prefix)),
                None => interfaces.push((name.clone(), vec![(*ip, *prefix)])),
            }
        }
        if !interfaces.iter().any(|(n, _)| n == "lo") {
            interfaces.insert(
                0,
                (
                    "lo".into(),
                    vec![(std::net::IpAddr::from([127, 0, 0, 1]), 8)],
                ),
            );
        }
        if let Some(d) = device {
            if !interfaces.iter().any(|(n, _)| n == d) {
                return CommandOutput::error(format!("Device \"{d}\" does not exist.\n"), 1);
            }
        }
        for (name, addresses) in &interfaces {
            index += 1;
            if device.is_some_and(|d| d != name) {
                continue;
            }
            let mac = crate::controllers::uid::sha1(format!("{}/{name}", context.node).as_bytes());
            if name == "lo" {
                out.push_str(&format!("{index}: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000\n    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n"));
            } else {
                out.push_str(&format!(
                    "{index}: {name}: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc pfifo_fast state UP group default qlen 1000\n    link/ether 00:0c:29:{:02x}:{:02x}:{:02x} brd ff:ff:ff:ff:ff:ff\n",
                    mac[0], mac[1], mac[2]
                ));
            }
            if is("address") {
                for (ip, prefix) in addresses {
                    if ip.is_ipv4() {
                        let scope = if ip.is_loopback() { "host" } else { "global" };
                        out.push_str(&format!("    inet {ip}/{prefix} scope {scope} {name}\n       valid_lft forever preferred_lft forever\n"));
                    } else {
                        out.push_str(&format!("    inet6 {ip}/{prefix} scope host \n       valid_lft forever preferred_lft forever\n"));
                    }
                }
            }
        }
        if device.is_none() && analysis.proxy_config.mode == ProxyMode::Ipvs {
            let dummy = crate::views::ipvs::ip(
                analysis,
                context,
                &[
                    "ip".into(),
                    "addr".into(),
                    "show".into(),
                    crate::proxy::ipvs::DUMMY_DEVICE.into(),
                ],
            );
            let text = dummy.stdout.replacen("1: ", &format!("{}: ", index + 1), 1);
            out.push_str(&text);
        }
        let _ = ctx;
        return CommandOutput::ok(out);
    }
    if is("route") {
        let mut out = String::new();
        let primary = node_context.node_ips.first().copied();
        let device = node_context
            .interfaces
            .iter()
            .find(|(_, ip, _)| Some(*ip) == primary)
            .map(|(n, _, _)| n.clone())
            .unwrap_or_else(|| "eth0".into());
        if let Some(std::net::IpAddr::V4(ip)) = primary {
            let o = ip.octets();
            out.push_str(&format!(
                "default via {}.{}.{}.2 dev {device} proto static metric 100 \n",
                o[0], o[1], o[2]
            ));
        }
        for name in analysis.node_names() {
            let other = analysis.node_context(&name);
            for cidr in other
                .pod_cidrs
                .iter()
                .filter(|c| c.family() == IpFamily::IPv4)
            {
                if name == context.node {
                    out.push_str(&format!(
                        "{cidr} dev cni0 proto kernel scope link src {} \n",
                        cidr.nth(1).map(|i| i.to_string()).unwrap_or_default()
                    ));
                } else {
                    out.push_str(&format!(
                        "{cidr} via {} dev flannel.1 onlink \n",
                        cidr.nth(0).map(|i| i.to_string()).unwrap_or_default()
                    ));
                }
            }
        }
        if let Some(std::net::IpAddr::V4(ip)) = primary {
            let o = ip.octets();
            out.push_str(&format!(
                "{}.{}.{}.0/24 dev {device} proto kernel scope link src {ip} metric 100 \n",
                o[0], o[1], o[2]
            ));
        }
        return CommandOutput::ok(out);
    }
    CommandOutput::error(
        format!("Object \"{object}\" is unknown, try \"ip help\".\n"),
        255,
    )
}

/// `conntrack -L` (`-p tcp`, `-d IP`): the connections the session's requests made
/// from this node, as conntrack-tools 1.4.7 lists them, the count on stderr.
fn conntrack(ctx: &mut Ctx, node: &str, argv: &[String]) -> CommandOutput {
    let list = argv.iter().any(|a| a == "-L" || a == "--dump");
    if !list {
        return CommandOutput::error(
            "conntrack v1.4.7 (conntrack-tools): no command specified. Please, use -L, -G, -D, -I, -U, -E, -F, -C, -S or -R\nTry `conntrack -h' or 'conntrack --help' for more information.\n",
            2,
        );
    }
    let value_of = |flag: &str| {
        argv.iter()
            .position(|a| a == flag)
            .and_then(|i| argv.get(i + 1))
            .cloned()
    };
    let protocol = value_of("-p");
    let dst = value_of("--orig-dst").or_else(|| value_of("-d"));
    let session = ctx.session();
    let mut out = String::new();
    let mut n = 0;
    for c in session.connections.iter().rev() {
        if c.node != node {
            continue;
        }
        if protocol.as_deref().is_some_and(|p| p != c.protocol) {
            continue;
        }
        let host = |s: &str| -> (String, String) {
            match s.rsplit_once(':') {
                Some((h, p)) => (h.trim_matches(['[', ']']).to_string(), p.to_string()),
                None => (s.to_string(), String::new()),
            }
        };
        let (src, sport) = host(&c.src);
        let (odst, dport) = host(&c.dst);
        if dst.as_deref().is_some_and(|d| d != odst) {
            continue;
        }
        let (rsrc, rsport) = host(&c.reply_src);
        let (rdst, rdport) = host(&c.reply_dst);
        let left = (super::net::CONNTRACK_TIME_WAIT - (session.time - c.time)).max(0);
        let number = if c.protocol == "udp" { 17 } else { 6 };
        let state = if c.protocol == "udp" {
            ""
        } else {
            "TIME_WAIT "
        };
        out.push_str(&format!(
            "{:<8} {number} {left} {state}src={src} dst={odst} sport={sport} dport={dport} src={rsrc} dst={rdst} sport={rsport} dport={rdport} [ASSURED] mark=0 use=1\n",
            c.protocol
        ));
        n += 1;
    }
    CommandOutput {
        interleaved: Vec::new(),
        stdout: out,
        stderr: format!("conntrack v1.4.7 (conntrack-tools): {n} flow entries have been shown.\n"),
        status: 0,
    }
}

/// `curl` from the node (or, through [`super::pod`], from a Pod).
pub fn curl(ctx: &mut Ctx, argv: &[String]) -> CommandOutput {
    let mut silent = false;
    let mut show_error = false;
    let mut include = false;
    let mut head = false;
    let mut url: Option<String> = None;
    let mut output: Option<String> = None;
    let mut connect_timeout: Option<f64> = None;
    let mut max_time: Option<f64> = None;
    let mut i = 1;
    // The options that take a value, by their short letter and long name.
    let takes_value =
        |c: char| matches!(c, 'm' | 'H' | 'X' | 'A' | 'o' | 'd' | 'u' | 'w' | 'e' | 'x');
    while i < argv.len() {
        let a = argv[i].clone();
        i += 1;
        if let Some(long) = a.strip_prefix("--") {
            let (name, inline) = match long.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (long, None),
            };
            let mut value = || {
                inline.clone().or_else(|| {
                    let v = argv.get(i).cloned();
                    i += 1;
                    v
                })
            };
            match name {
                "silent" => silent = true,
                "show-error" => show_error = true,
                "include" => include = true,
                "head" => head = true,
                "output" => output = value(),
                "max-time" => max_time = value().and_then(|v| v.parse().ok()),
                "connect-timeout" => connect_timeout = value().and_then(|v| v.parse().ok()),
                "header" | "request" | "user-agent" | "data" | "user" | "write-out" | "referer"
                | "proxy" | "resolve" | "retry" => {
                    let _ = value();
                }
                _ => {}
            }
        } else if a.len() > 1 && a.starts_with('-') {
            let chars: Vec<char> = a[1..].chars().collect();
            let mut k = 0;
            while k < chars.len() {
                let c = chars[k];
                k += 1;
                if takes_value(c) {
                    let rest: String = chars[k..].iter().collect();
                    let v = if rest.is_empty() {
                        let v = argv.get(i).cloned();
                        i += 1;
                        v
                    } else {
                        Some(rest)
                    };
                    match c {
                        'o' => output = v,
                        'm' => max_time = v.and_then(|v| v.parse().ok()),
                        _ => {}
                    }
                    break;
                }
                match c {
                    's' => silent = true,
                    'S' => show_error = true,
                    'i' => include = true,
                    'I' => head = true,
                    _ => {}
                }
            }
        } else {
            url = Some(a);
        }
    }
    // -s hides curl's error messages, unless -S shows them again.
    let quiet = silent && !show_error;
    let fail = |message: String, status: i32| {
        CommandOutput::error(if quiet { String::new() } else { message }, status)
    };
    let Some(url) = url else {
        return CommandOutput::error(
            "curl: try 'curl --help' or 'curl --manual' for more information\n",
            2,
        );
    };
    let (host, port, path) = match net::parse_url(&url) {
        Ok(x) => x,
        Err(e) => return fail(format!("{e}\n"), 3),
    };
    let family = if host.contains(':') {
        IpFamily::IPv6
    } else {
        IpFamily::IPv4
    };
    let client = net::client(ctx, family);
    let ip = match net::resolve(ctx, &client, &host) {
        Ok(ip) => ip,
        Err(net::Unresolved::Unknown) => {
            return fail(format!("curl: (6) Could not resolve host: {host}\n"), 6);
        }
        Err(net::Unresolved::Upstream(name)) => {
            let mut out = fail(format!("curl: (6) Could not resolve host: {host}\n"), 6);
            out.stderr.push_str(&format!(
                "svcplay: {name} is resolved by CoreDNS's upstream servers, which svcplay does not reach\n"
            ));
            return out;
        }
    };
    let target = format!("{ip} port {port}");
    match net::request(ctx, &client, (ip, port), Protocol::Tcp) {
        net::Landing::Endpoint(ep, ep_port) => match net::page(ctx, ep, ep_port, &path) {
            Some((code, body)) => {
                let reason = if code == 200 { "OK" } else { "Not Found" };
                let headers = format!(
                    "HTTP/1.1 {code} {reason}\r\nServer: nginx/{}\r\nDate: {}\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: keep-alive\r\n\r\n",
                    net::NGINX_VERSION,
                    http_date(ctx.session().time),
                    body.len()
                );
                let text = if head {
                    headers
                } else if include {
                    format!("{headers}{body}")
                } else {
                    body
                };
                if let Some(file) = output.filter(|f| f != "-") {
                    if let Err(e) = super::exec::write_file(ctx, &file, &text, false) {
                        return CommandOutput::error(format!("curl: (23) {e}\n"), 23);
                    }
                    return CommandOutput::ok("");
                }
                CommandOutput::ok(text)
            }
            None => fail(
                format!(
                    "curl: (7) Failed to connect to {ep} port {ep_port} after 0 ms: Couldn't connect to server\n"
                ),
                7,
            ),
        },
        net::Landing::Refused => fail(
            format!(
                "curl: (7) Failed to connect to {target} after 0 ms: Couldn't connect to server\n"
            ),
            7,
        ),
        net::Landing::Timeout => {
            // Nothing answers: curl's own limits (curl 7.88's messages), else the
            // kernel's SYN retries (about 130 s).
            let limit =
                |t: Option<f64>| t.filter(|t| *t > 0.0).map(|t| (t * 1000.0).round() as i64);
            match (limit(max_time), limit(connect_timeout)) {
                (Some(m), c) if c.is_none_or(|c| m <= c) => {
                    ctx.sleep((m + 999) / 1000);
                    fail(
                        format!("curl: (28) Connection timed out after {m} milliseconds\n"),
                        28,
                    )
                }
                (_, Some(c)) => {
                    ctx.sleep((c + 999) / 1000);
                    fail(
                        format!(
                            "curl: (28) Failed to connect to {target} after {} ms: Timeout was reached\n",
                            c + 1
                        ),
                        28,
                    )
                }
                _ => {
                    ctx.sleep(130);
                    fail(
                        format!(
                            "curl: (28) Failed to connect to {target} after 130000 ms: Connection timed out\n"
                        ),
                        28,
                    )
                }
            }
        }
    }
}

/// An HTTP `Date:` header.
pub fn http_date(epoch: i64) -> String {
    crate::views::kubectl::describe::rfc1123z(epoch).replace("+0000", "GMT")
}

fn modprobe(ctx: &mut Ctx, argv: &[String]) -> CommandOutput {
    let modules: Vec<&String> = argv
        .iter()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    if modules.is_empty() {
        return CommandOutput::error("modprobe: ERROR: missing parameters. See -h.\n", 1);
    }
    let known = [
        "ip_vs",
        "ip_vs_rr",
        "ip_vs_wrr",
        "ip_vs_sh",
        "ip_vs_lc",
        "ip_vs_wlc",
        "ip_vs_lblc",
        "ip_vs_lblcr",
        "ip_vs_dh",
        "ip_vs_sed",
        "ip_vs_nq",
        "ip_vs_mh",
        "ip_vs_fo",
        "ip_vs_ovf",
        "nf_conntrack",
        "nf_conntrack_ipv4",
        "br_netfilter",
        "overlay",
        "ip_tables",
        "iptable_nat",
        "nf_nat",
        "xt_conntrack",
        "xt_comment",
        "xt_statistic",
        "xt_recent",
        "xt_mark",
        "xt_set",
        "ip_set",
        "nfnetlink_acct",
    ];
    let mut session = ctx.session();
    for m in modules {
        let m = m.replace('-', "_");
        if !known.contains(&m.as_str()) {
            return CommandOutput::error(format!("modprobe: FATAL: Module {m} not found.\n"), 1);
        }
        if !session.modules.contains(&m) {
            session.modules.push(m);
        }
    }
    ctx.set_session(session);
    CommandOutput::ok("")
}

/// `lsmod`: the kernel's IPVS and conntrack modules that are loaded (by `modprobe`, or
/// by kube-proxy's IPVS mode), with the sizes of CentOS 7's 3.10.0-1160 kernel.
fn lsmod(ctx: &mut Ctx, analysis: &crate::scenario::Analysis) -> CommandOutput {
    let session = ctx.session();
    let mut loaded: Vec<String> = session.modules.clone();
    if analysis.proxy_config.mode == ProxyMode::Ipvs
        || session.leftovers.iter().any(|l| l.mode == "ipvs")
    {
        for m in ["ip_vs", "ip_vs_rr", "ip_vs_wrr", "ip_vs_sh", "nf_conntrack"] {
            if !loaded.iter().any(|l| l == m) {
                loaded.push(m.into());
            }
        }
    }
    let schedulers: Vec<&str> = ["ip_vs_sh", "ip_vs_wrr", "ip_vs_rr", "ip_vs_lc", "ip_vs_wlc"]
        .into_iter()
        .filter(|m| loaded.iter().any(|l| l == m))
        .collect();
    let mut out = String::from("Module                  Size  Used by\n");
    for (name, size) in [
        ("ip_vs_sh", 12688),
        ("ip_vs_wrr", 12697),
        ("ip_vs_rr", 12600),
        ("ip_vs_lc", 12516),
        ("ip_vs_wlc", 12519),
    ] {
        if schedulers.contains(&name) {
            out.push_str(&format!("{name:<20}{size:>8}  0 \n"));
        }
    }
    if loaded.iter().any(|l| l.starts_with("ip_vs")) {
        let users = schedulers
            .iter()
            .rev()
            .copied()
            .collect::<Vec<_>>()
            .join(",");
        let count = schedulers.len() * 2;
        out.push_str(&format!("{:<20}{:>8}  {count} {users}\n", "ip_vs", 145458));
    }
    if loaded
        .iter()
        .any(|l| l.starts_with("ip_vs") || l.starts_with("nf_conntrack"))
    {
        out.push_str(&format!("{:<20}{:>8}  7 ip_vs,nf_nat,nf_nat_ipv4,xt_conntrack,nf_nat_masquerade_ipv4,nf_conntrack_netlink,nf_conntrack_ipv4\n", "nf_conntrack", 139264));
        out.push_str(&format!(
            "{:<20}{:>8}  4 xfs,ip_vs,nf_nat,nf_conntrack\n",
            "libcrc32c", 12644
        ));
    }
    CommandOutput::ok(out)
}

/// `yum install -y ipvsadm` and friends: the seeds' CentOS 7 node already has them.
fn yum(argv: &[String]) -> CommandOutput {
    let packages: Vec<&String> = argv
        .iter()
        .skip(2)
        .filter(|a| !a.starts_with('-'))
        .collect();
    if argv.get(1).map(String::as_str) != Some("install") {
        return CommandOutput::ok("Loaded plugins: fastestmirror\n");
    }
    let versions = [
        ("ipvsadm", "ipvsadm-1.27-8.el7.x86_64"),
        ("ipset", "ipset-7.1-1.el7.x86_64"),
        ("conntrack-tools", "conntrack-tools-1.4.4-7.el7.x86_64"),
        ("conntrack", "conntrack-tools-1.4.4-7.el7.x86_64"),
        ("iptables", "iptables-1.4.21-35.el7.x86_64"),
        ("curl", "curl-7.29.0-59.el7_9.2.x86_64"),
        ("bind-utils", "32:bind-utils-9.11.4-26.P2.el7_9.16.x86_64"),
        ("nftables", "1:nftables-0.8-14.el7.x86_64"),
        ("net-tools", "net-tools-2.0-0.25.20131004git.el7.x86_64"),
    ];
    let mut out =
        String::from("Loaded plugins: fastestmirror\nLoading mirror speeds from cached hostfile\n");
    for p in &packages {
        match versions.iter().find(|(n, _)| n == p) {
            Some((_, v)) => out.push_str(&format!(
                "Package {v} already installed and latest version\n"
            )),
            None => out.push_str(&format!("No package {p} available.\n")),
        }
    }
    out.push_str("Nothing to do\n");
    CommandOutput::ok(out)
}

fn ls(ctx: &mut Ctx, argv: &[String]) -> CommandOutput {
    let long = argv.iter().any(|a| a.starts_with('-') && a.contains('l')) || argv[0] == "ll";
    let paths: Vec<&String> = argv
        .iter()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let dir = cwd(ctx);
    let all = files(ctx);
    let listed: Vec<File> = if paths.is_empty() {
        all.into_iter()
            .filter(|f| {
                let full = absolute("/root", &f.name);
                full.rsplit_once('/')
                    .map(|(d, _)| if d.is_empty() { "/" } else { d })
                    == Some(dir.as_str())
            })
            .collect()
    } else {
        let mut out = Vec::new();
        for p in &paths {
            let full = absolute(&dir, p);
            let name = scenario_name(&full);
            match all.iter().find(|f| f.name == name) {
                Some(f) => out.push(f.clone()),
                None => {
                    if full == "/root" || full == dir {
                        continue;
                    }
                    return CommandOutput::error(
                        format!("ls: cannot access '{p}': No such file or directory\n"),
                        2,
                    );
                }
            }
        }
        out
    };
    let mut names: Vec<(String, usize)> = listed
        .iter()
        .map(|f| {
            (
                f.name.rsplit('/').next().unwrap_or(&f.name).to_string(),
                f.content.len(),
            )
        })
        .collect();
    names.sort();
    if long {
        let now = crate::session::clock::civil(ctx.session().time);
        const MONTHS: [&str; 12] = [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ];
        let stamp = format!(
            "{} {:>2} {:02}:{:02}",
            MONTHS[(now.month - 1) as usize],
            now.day,
            now.hour,
            now.minute
        );
        let width = names
            .iter()
            .map(|(_, s)| s.to_string().len())
            .max()
            .unwrap_or(1);
        let total: usize = names.iter().map(|(_, s)| s.div_ceil(4096) * 4).sum();
        let mut out = format!("total {total}\n");
        for (name, size) in names {
            out.push_str(&format!(
                "-rw-r--r--. 1 root root {size:>width$} {stamp} {name}\n"
            ));
        }
        CommandOutput::ok(out)
    } else {
        CommandOutput::ok(
            names
                .iter()
                .map(|(n, _)| format!("{n}\n"))
                .collect::<String>(),
        )
    }
}

fn cat(ctx: &mut Ctx, argv: &[String], stdin: Option<String>) -> CommandOutput {
    let paths: Vec<&String> = argv
        .iter()
        .skip(1)
        .filter(|a| !a.starts_with('-') || *a == "-")
        .collect();
    if paths.is_empty() {
        return CommandOutput::ok(stdin.unwrap_or_default());
    }
    let mut out = CommandOutput::ok("");
    for p in paths {
        if p == "-" {
            out.stdout.push_str(stdin.as_deref().unwrap_or(""));
            continue;
        }
        match read_file(ctx, p) {
            Ok(content) => out.stdout.push_str(&content),
            Err(e) => {
                out.stderr.push_str(&format!("cat: {e}\n"));
                out.status = 1;
            }
        }
    }
    out
}

/// `vi FILE`: opens the editor on the file (new or existing).
fn vi(ctx: &mut Ctx, argv: &[String]) -> CommandOutput {
    let Some(path) = argv
        .iter()
        .skip(1)
        .find(|a| !a.starts_with('-') && !a.starts_with('+'))
    else {
        return CommandOutput::error("svcplay: vi needs a file name here (vi FILE)\n", 1);
    };
    let content = read_file(ctx, path).unwrap_or_default();
    let full = absolute(&cwd(ctx), path);
    let analysis = ctx.analysis();
    let node = ctx.node();
    let home = crate::controllers::kubeadm::home_node(&analysis.objects);
    ctx.open_editor(Editor {
        title: path.clone(),
        content,
        target: EditTarget::File {
            name: scenario_name(&full),
            node: (node != home).then_some(node),
        },
        program: argv[0].clone(),
    });
    CommandOutput::ok("")
}

/// After `vi`: the saved text becomes the file (`:q!` leaves it as it was).
pub fn finish_vi(
    ctx: &mut Ctx,
    name: &str,
    node: Option<&str>,
    saved: Option<&str>,
) -> CommandOutput {
    if let Some(content) = saved {
        let file = File {
            name: name.to_string(),
            node: node.map(str::to_string),
            content: content.to_string(),
        };
        let text = crate::session::set_file(ctx.text(), &file);
        ctx.set_text(text);
    }
    CommandOutput::ok("")
}

/// `ssh NODE`: the terminal moves to another node of the cluster.
fn ssh(ctx: &mut Ctx, argv: &[String]) -> CommandOutput {
    let Some(target) = argv.iter().skip(1).find(|a| !a.starts_with('-')) else {
        return CommandOutput::error(
            "usage: ssh [-46AaCfGgKkMNnqsTtVvXxYy] [-B bind_interface]\n           [-b bind_address] [-c cipher_spec] [-D [bind_address:]port]\n           [-E log_file] [-e escape_char] [-F configfile] [-I pkcs11]\n           [-i identity_file] [-J destination] [-L address]\n           [-l login_name] [-m mac_spec] [-O ctl_cmd] [-o option] [-p port]\n           [-Q query_option] [-R address] [-S ctl_path] [-W host:port]\n           [-w local_tun[:remote_tun]] destination [command [argument ...]]\n",
            255,
        );
    };
    let host = target.rsplit('@').next().unwrap_or(target);
    let analysis = ctx.analysis();
    let nodes = analysis.node_names();
    let by_ip = analysis
        .objects
        .nodes
        .iter()
        .find(|n| n.internal_ip() == Some(host))
        .map(|n| n.meta.name.clone());
    let Some(name) = nodes.iter().find(|n| *n == host).cloned().or(by_ip) else {
        return CommandOutput::error(
            format!("ssh: Could not resolve hostname {host}: Name or service not known\n"),
            255,
        );
    };
    let current = ctx.node();
    if name == current {
        return CommandOutput::ok(format!(
            "Last login: {} from {}\n",
            crate::session::clock::ctime(ctx.session().time),
            analysis
                .objects
                .node(&current)
                .and_then(|n| n.internal_ip())
                .unwrap_or("127.0.0.1")
        ));
    }
    ctx.terminal.ssh.push(current.clone());
    ctx.terminal.cwd = None;
    let mut session = ctx.session();
    session.node = Some(name.clone());
    let now = session.time;
    ctx.set_session(session);
    let from = analysis
        .objects
        .node(&current)
        .and_then(|n| n.internal_ip())
        .unwrap_or("127.0.0.1")
        .to_string();
    CommandOutput::ok(format!(
        "Last login: {} from {from}\n",
        crate::session::clock::ctime(now - 3600)
    ))
}

/// A `dig` that got no answer waited for one (`+tries` × `+time`): the session clock
/// advances by that much.
pub(crate) fn dig_waited(ctx: &mut Ctx, out: CommandOutput, args: &[String]) -> CommandOutput {
    if out.status == 9 && out.stdout.ends_with(";; no servers could be reached\n") {
        if let Some(seconds) = crate::views::dig::timeout_seconds(args) {
            ctx.sleep(seconds);
        }
    }
    out
}
