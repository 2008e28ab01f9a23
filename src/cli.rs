//! The `svcplay` command: argument parsing and I/O around the core.
//!
//! Every subcommand reads the scenario files, calls [`svcplay::scenario::analyze`] and prints
//! a `Display` of a core value. stdout carries the output, stderr the diagnostics; exit 0
//! means fine, 1 that the input has errors, 2 a usage error (PRODUCT.md, "Command-line
//! contract").

use clap::{Args, Parser, Subcommand};
use std::io::{Read, Write};
use std::process::ExitCode;
use svcplay::diag::{Severity, escape_controls};
use svcplay::manifest::yaml::count_line_breaks;
use svcplay::manifest::{MAX_SCENARIO_BYTES, too_large};
use svcplay::scenario::{self, Analysis, Options};
use svcplay::views::kubectl::apply;

#[derive(Parser, Debug)]
#[command(
    name = "svcplay",
    version,
    about = "A Kubernetes Service playground: manifests in, what the cluster does with them out",
    long_about = "Reads scenario files (multi-document YAML: Services, Deployments, Pods, Nodes, \
EndpointSlices, a KubeProxyConfiguration, a NodeRuntime) and prints what the real components would: \
kubectl's words, kube-proxy's rules, packet walks and request distributions.\n\n\
Exit status: 0 fine, 1 the input has errors, 2 usage error."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Like `kubectl apply -f FILE` against a fresh simulated cluster.
    Apply(ApplyArgs),
    /// Run one simulated command against the scenario: svcplay run FILE... -- COMMAND [ARGS...].
    Run(RunArgs),
    /// Print what kube-proxy writes on the scenario's node in the configured mode.
    #[command(name = "kube-proxy")]
    KubeProxy(KubeProxyArgs),
    /// Walk one packet through the generated rules, hop by hop.
    Trace(TraceArgs),
    /// Distribute N requests over the endpoints, walking the generated rules.
    Simulate(SimulateArgs),
    /// A terminal session over the scenario: commands from stdin (or --script), one per
    /// line, each echoed after the prompt and followed by what the real tool prints.
    ///
    /// kubectl (get, describe, explain, create/apply/delete -f, run, expose, scale, label,
    /// annotate, patch, set selector, edit, rollout restart, exec -it POD -- sh, logs), the
    /// node's tools (iptables -L/-S, iptables-save, ipvsadm, ipset, nft, ip, conntrack,
    /// modprobe, lsmod, yum), curl/wget/ping/dig/nslookup, ls/cat/vi, ssh NODE, loops and
    /// sleep (a session clock). Commands that change the cluster edit the scenario; --save
    /// writes it (format v2). Exit status: 0 every command succeeded, 1 a command failed
    /// (or the scenario has errors), 2 usage error.
    Shell(crate::shell_cli::ShellArgs),
    /// Lessons: `svcplay lesson check FILE... | --builtin` validates them (format, both
    /// languages, each step's solution passes its checks and its start does not).
    Lesson(crate::lesson_cli::LessonArgs),
    /// Serve the built page (dist/) over HTTP on 127.0.0.1, for a workshop laptop with no
    /// web server (the page does not work from file://). Prints the URL first.
    Serve(crate::serve_cli::ServeArgs),
    /// Compare a real node's dumps with what kube-proxy should have programmed there.
    #[command(
        name = "check-node",
        long_about = "Compare a real node's dumps (iptables-save / ip6tables-save, ipvsadm -Ln with \
ipset list, nft list ruleset; each recognised from its content, several may be pasted into one file) \
with what kube-proxy should have programmed on the node for the scenario. Only kube-proxy's own rules \
are compared: its KUBE-* chains and its jumps from the built-in chains, its kube-proxy nftables tables, \
the IPVS virtual servers on Service addresses and its KUBE-* ipsets; kubelet's and the CNI plugin's \
rules are ignored.\n\n\
Output: one line per finding, `missing|extra|stale <table> <chain> <rule>`, the rule in its tool's own \
syntax (iptables -S, nft list, ipvsadm -S, ipset save). stale: the rule belongs to a Service port the \
scenario does not have (left behind by a crashed or stopped kube-proxy, or by kube-proxy in another \
mode). Differences that only another Kubernetes release or the node's kernel explain are listed apart as \
`version` / `runtime` lines and are not drift; `#` lines name hash chains' Services and say what was \
compared.\n\n\
Exit status: 0 the node matches, 1 drift or scenario errors (the last line says which), 2 usage error."
    )]
    CheckNode(CheckNodeArgs),
    /// Node by node, what each NodePort/LoadBalancer Service does with outside traffic.
    #[command(
        name = "per-node",
        long_about = "For every NodePort and LoadBalancer service port: node by node, what kube-proxy does \
with a connection from an outside client (203.0.113.7) to the node's IP and NodePort, and to the load \
balancer's IP: accept (a Pod on this node), forward (Pods on other nodes), drop or reject; the Pods it can \
reach; whether the client IP is preserved; the rule that decides. For LoadBalancer Services with \
externalTrafficPolicy: Local, what the health-check NodePort answers on each node (kube-proxy's /healthz \
JSON with localEndpoints).\n\nExit status: 0 fine, 1 the input has errors, 2 usage error."
    )]
    PerNode(PerNodeArgs),
}

#[derive(Args, Debug)]
struct Input {
    /// Scenario files (multi-document YAML); `-` reads standard input.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<String>,
}

#[derive(Args, Debug)]
struct Cluster {
    /// Take the objects as already stored: no defaulting, allocation or validation
    /// (what kube-proxy's own unit tests do).
    #[arg(long)]
    stored: bool,
    /// The node whose kube-proxy to show (default: the NodeRuntime's node, else
    /// hostnameOverride, else the first worker Node).
    #[arg(long, value_name = "NAME")]
    node: Option<String>,
}

#[derive(Args, Debug)]
struct ApplyArgs {
    /// Output format of the stored objects: yaml.
    #[arg(short = 'o', long = "output", value_name = "FORMAT")]
    output: Option<String>,
    #[command(flatten)]
    input: Input,
}

#[derive(Args, Debug)]
struct RunArgs {
    #[command(flatten)]
    cluster: Cluster,
    #[command(flatten)]
    input: Input,
    /// The command to run, after `--`: kubectl, iptables-save, ipvsadm, ipset, nft, dig, curl.
    #[arg(last = true, required = true, value_name = "COMMAND")]
    command: Vec<String>,
}

#[derive(Args, Debug)]
struct KubeProxyArgs {
    #[command(flatten)]
    cluster: Cluster,
    #[command(flatten)]
    input: Input,
    /// Follow each rule with two comments: where it comes from (the Service port,
    /// endpoint and configuration fields, or the kube-proxy function of a fixed rule)
    /// and what it does, in plain language.
    #[arg(long)]
    explain: bool,
    /// The language of the explanations: en or zh-CN.
    #[arg(long, value_name = "LANG", default_value = "en")]
    lang: String,
}

#[derive(Args, Debug)]
struct TraceArgs {
    #[command(flatten)]
    cluster: Cluster,
    #[command(flatten)]
    input: Input,
    /// Source IP of the packet.
    #[arg(long, value_name = "IP")]
    src: String,
    /// Destination IP of the packet.
    #[arg(long, value_name = "IP")]
    dst: String,
    /// Destination port.
    #[arg(long, value_name = "N")]
    dport: u16,
    /// TCP, UDP or SCTP.
    #[arg(long, value_name = "P", default_value = "TCP")]
    protocol: String,
}

#[derive(Args, Debug)]
struct SimulateArgs {
    #[command(flatten)]
    cluster: Cluster,
    #[command(flatten)]
    input: Input,
    /// How many requests to send (at most 10,000,000: the shares have long settled, and
    /// the exact probabilities are printed beside the counts).
    #[arg(long, value_name = "N")]
    requests: u64,
    /// The seed of the simulation's random choices.
    #[arg(long, value_name = "S")]
    seed: u64,
    /// Source IP of the requests.
    #[arg(long, value_name = "IP")]
    src: Option<String>,
    /// Destination IP.
    #[arg(long, value_name = "IP", requires = "dport")]
    dst: Option<String>,
    /// Destination port.
    #[arg(long, value_name = "N", requires = "dst")]
    dport: Option<u16>,
    /// TCP, UDP or SCTP.
    #[arg(long, value_name = "P", default_value = "TCP")]
    protocol: String,
    /// table or json.
    #[arg(long, value_name = "FORMAT", default_value = "table")]
    format: String,
    /// Send from a client on every node (its first Pod, else the node), the requests split
    /// evenly, each through its own node's rules: a table per client node and the sum.
    #[arg(long, conflicts_with_all = ["src", "node"])]
    spread: bool,
}

#[derive(Args, Debug)]
struct CheckNodeArgs {
    #[command(flatten)]
    cluster: Cluster,
    #[command(flatten)]
    input: Input,
    /// A dump of the node: the output of iptables-save, ip6tables-save, ipvsadm -Ln,
    /// ipset list or nft list ruleset (`-` reads standard input). Repeatable.
    #[arg(long = "dump", value_name = "DUMP", required = true)]
    dumps: Vec<String>,
}

#[derive(Args, Debug)]
struct PerNodeArgs {
    /// Take the objects as already stored: no defaulting, allocation or validation.
    #[arg(long)]
    stored: bool,
    #[command(flatten)]
    input: Input,
}

/// Exit statuses of the command-line contract.
const OK: u8 = 0;
const INPUT_ERRORS: u8 = 1;
const USAGE: u8 = 2;

/// The scenario text of the given files, and where each file starts (for line numbers).
pub(crate) struct Sources {
    pub(crate) text: String,
    /// (file name, first line of the file in `text`).
    pub(crate) files: Vec<(String, u32)>,
}

impl Sources {
    /// Reads the files (`-` is standard input) as one scenario, reading no more than
    /// [`MAX_SCENARIO_BYTES`] in all and one byte (so `/dev/zero` is refused at once).
    pub(crate) fn read(files: &[String]) -> Result<Sources, String> {
        let mut text = String::new();
        let mut starts = Vec::new();
        for file in files {
            // The room left, and one byte to tell a longer input.
            let room = (MAX_SCENARIO_BYTES + 1).saturating_sub(text.len()) as u64;
            let mut bytes = Vec::new();
            let read = if file == "-" {
                std::io::stdin().lock().take(room).read_to_end(&mut bytes)
            } else {
                std::fs::File::open(file).and_then(|f| f.take(room).read_to_end(&mut bytes))
            };
            let name = if file == "-" {
                "standard input".to_string()
            } else {
                format!("{file:?}")
            };
            read.map_err(|e| match file.as_str() {
                "-" => format!("error: reading standard input: {e}"),
                _ => format!("error: the path {file:?} cannot be read: {e}"),
            })?;
            if let Some(message) = too_large(text.len() + bytes.len()) {
                return Err(format!("error: {name}: {message}"));
            }
            let content = String::from_utf8(bytes).map_err(|e| {
                format!(
                    "error: {name} is not UTF-8 text (invalid byte at offset {})",
                    e.utf8_error().valid_up_to()
                )
            })?;
            if !text.is_empty() {
                if !text.ends_with(['\n', '\r']) {
                    text.push('\n');
                }
                text.push_str("---\n");
            }
            // Lines as the parser counts them (a lone CR breaks a line too).
            let first_line = count_line_breaks(&text) as u32 + 1;
            starts.push((file.clone(), first_line));
            text.push_str(&content);
        }
        if let Some(message) = too_large(text.len()) {
            return Err(format!("error: {message}"));
        }
        Ok(Sources {
            text,
            files: starts,
        })
    }

    /// `file:line:column` for a line of the concatenated text.
    fn place(&self, line: u32, column: u32) -> String {
        let (name, start) = self
            .files
            .iter()
            .rev()
            .find(|(_, start)| *start <= line)
            .cloned()
            .unwrap_or_default();
        format!("{name}:{}:{column}", line - start + 1)
    }
}

/// Prints the diagnostics to stderr as `file:line:col: severity: ...`; returns whether
/// any is an error.
pub(crate) fn report(analysis: &Analysis, sources: &Sources, stderr: &mut impl Write) -> bool {
    for d in &analysis.diagnostics {
        if d.severity == Severity::Info {
            continue;
        }
        let mut plain = d.clone();
        plain.span = None;
        // The message may quote the scenario: no raw control character reaches the terminal.
        let line = match d.span {
            Some(span) => format!(
                "{}: {plain}",
                sources.place(span.start.line, span.start.column)
            ),
            None => plain.to_string(),
        };
        let _ = writeln!(stderr, "{}", escape_controls(&line));
    }
    analysis.has_errors()
}

/// `svcplay --version [--lang zh-CN]`: svcplay's version, then which Kubernetes it
/// models and how it differs from a real cluster (`svcplay::fidelity`).
fn version(args: &[String]) -> Option<String> {
    if !matches!(args.get(1).map(String::as_str), Some("--version" | "-V")) {
        return None;
    }
    let mut lang = svcplay::lang::Lang::En;
    let mut rest = args.iter().skip(2);
    while let Some(a) = rest.next() {
        let code = match a.strip_prefix("--lang=") {
            Some(code) => Some(code.to_string()),
            None if a == "--lang" => rest.next().cloned(),
            None => None,
        };
        if let Some(l) = code.as_deref().and_then(svcplay::lang::Lang::parse) {
            lang = l;
        }
    }
    Some(format!(
        "svcplay {}\n{}",
        env!("CARGO_PKG_VERSION"),
        svcplay::fidelity::version_text(lang)
    ))
}

pub fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    if let Some(text) = version(&args) {
        let _ = std::io::stdout().lock().write_all(text.as_bytes());
        return ExitCode::from(OK);
    }
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { USAGE } else { OK });
        }
    };
    let mut stdout = std::io::stdout().lock();
    let mut stderr = std::io::stderr().lock();
    let code = run(cli.command, &mut stdout, &mut stderr);
    let _ = stdout.flush();
    ExitCode::from(code)
}

fn load(input: &Input, stored: bool, stderr: &mut impl Write) -> Result<(Analysis, Sources), u8> {
    let (analysis, sources) = load_quiet(input, stored, stderr)?;
    // An empty scenario is a fresh cluster (only `default/kubernetes`), which the views
    // show; but an empty file or standard input is usually a mistake, so say so.
    // (`apply` says kubectl's `error: no objects passed to apply` instead.)
    if analysis.manifest.documents.is_empty() && analysis.diagnostics.is_empty() {
        let _ = writeln!(
            stderr,
            "warning: the scenario holds no objects: showing a fresh cluster"
        );
    }
    Ok((analysis, sources))
}

/// [`load`] without the warning for an empty scenario.
fn load_quiet(
    input: &Input,
    stored: bool,
    stderr: &mut impl Write,
) -> Result<(Analysis, Sources), u8> {
    let sources = Sources::read(&input.files).map_err(|e| {
        let _ = writeln!(stderr, "{e}");
        INPUT_ERRORS
    })?;
    let analysis = scenario::analyze(&sources.text, Options { stored });
    Ok((analysis, sources))
}

/// The node `--node` names, or the scenario's default node; a usage error for a node
/// the scenario does not have.
fn chosen_node(analysis: &Analysis, cluster: &Cluster, err: &mut impl Write) -> Result<String, u8> {
    let node = cluster
        .node
        .clone()
        .unwrap_or_else(|| analysis.default_node());
    if !analysis.node_names().contains(&node)
        && !analysis
            .objects
            .node_runtimes
            .iter()
            .any(|r| r.name == node)
    {
        let _ = writeln!(
            err,
            "error: node {node:?} is not in the scenario (nodes: {})",
            analysis.node_names().join(", ")
        );
        return Err(USAGE);
    }
    Ok(node)
}

fn run(command: Command, out: &mut impl Write, err: &mut impl Write) -> u8 {
    match command {
        Command::Apply(args) => {
            let format = match args.output.as_deref() {
                None => apply::Format::Default,
                Some("yaml") => apply::Format::Yaml,
                Some(format) => {
                    let _ = writeln!(
                        err,
                        "error: unable to match a printer suitable for the output format {format:?}, allowed formats are: yaml"
                    );
                    return USAGE;
                }
            };
            let (analysis, sources) = match load_quiet(&args.input, false, err) {
                Ok(x) => x,
                Err(code) => return code,
            };
            let files: Vec<apply::SourceFile> = sources
                .files
                .iter()
                .map(|(name, first_line)| apply::SourceFile {
                    name: name.clone(),
                    first_line: *first_line,
                })
                .collect();
            let output = apply::apply(&analysis, &files, format);
            let _ = write!(out, "{}", output.stdout);
            let _ = write!(err, "{}", output.stderr);
            if output.status == 0 { OK } else { INPUT_ERRORS }
        }
        Command::KubeProxy(args) => {
            let (analysis, sources) = match load(&args.input, args.cluster.stored, err) {
                Ok(x) => x,
                Err(code) => return code,
            };
            let errors = report(&analysis, &sources, err);
            let node = match chosen_node(&analysis, &args.cluster, err) {
                Ok(node) => node,
                Err(code) => return code,
            };
            let Some(lang) = svcplay::lang::Lang::parse(&args.lang) else {
                let _ = writeln!(
                    err,
                    "error: invalid value {:?} for '--lang <LANG>': the languages are en and zh-CN",
                    args.lang
                );
                return USAGE;
            };
            let proxy = analysis.proxy(&node);
            if args.explain {
                let _ = write!(
                    out,
                    "{}",
                    svcplay::proxy::explain::annotate(&proxy.lines(), lang)
                );
            } else {
                let _ = write!(out, "{}", proxy.output());
            }
            if errors { INPUT_ERRORS } else { OK }
        }
        Command::Run(args) => {
            let (analysis, sources) = match load(&args.input, args.cluster.stored, err) {
                Ok(x) => x,
                Err(code) => return code,
            };
            let errors = report(&analysis, &sources, err);
            let node = match chosen_node(&analysis, &args.cluster, err) {
                Ok(node) => node,
                Err(code) => return code,
            };
            let context = svcplay::views::Context::new(node);
            let output = svcplay::views::run(&analysis, &context, &args.command);
            let _ = out.write_all(output.stdout.as_bytes());
            let _ = err.write_all(output.stderr.as_bytes());
            if output.status != 0 {
                u8::try_from(output.status).unwrap_or(1)
            } else if errors {
                INPUT_ERRORS
            } else {
                OK
            }
        }
        Command::Trace(args) => {
            let parse_ip = |flag: &str, text: &str| {
                svcplay::model::ip::parse_ip_sloppy(text)
                    .ok_or_else(|| format!("error: invalid IP address {text:?} for --{flag}"))
            };
            let packet = (|| {
                Ok::<_, String>(svcplay::proxy::trace::Packet {
                    src: parse_ip("src", &args.src)?,
                    dst: parse_ip("dst", &args.dst)?,
                    dport: args.dport,
                    protocol: svcplay::proxy::Protocol::parse(&args.protocol.to_ascii_uppercase())
                        .ok_or_else(|| {
                            format!(
                                "error: invalid protocol {:?} for --protocol: must be TCP, UDP or SCTP",
                                args.protocol
                            )
                        })?,
                })
            })();
            let packet = match packet {
                Ok(p) => p,
                Err(e) => {
                    let _ = writeln!(err, "{e}");
                    return USAGE;
                }
            };
            let (analysis, sources) = match load(&args.input, args.cluster.stored, err) {
                Ok(x) => x,
                Err(code) => return code,
            };
            let errors = report(&analysis, &sources, err);
            let node = match chosen_node(&analysis, &args.cluster, err) {
                Ok(node) => node,
                Err(code) => return code,
            };
            match analysis.trace(&node, analysis.proxy_config.mode, packet) {
                Ok(trace) => {
                    let _ = write!(out, "{trace}");
                }
                Err(e) => {
                    let _ = writeln!(err, "error: {e}");
                    return USAGE;
                }
            }
            if errors { INPUT_ERRORS } else { OK }
        }
        Command::Simulate(args) => simulate(args, out, err),
        Command::Shell(args) => crate::shell_cli::run(args, out, err),
        Command::Lesson(args) => crate::lesson_cli::run(args, out, err),
        Command::Serve(args) => crate::serve_cli::run(args, out, err),
        Command::CheckNode(args) => check_node(args, out, err),
        Command::PerNode(args) => {
            let (analysis, sources) = match load(&args.input, args.stored, err) {
                Ok(x) => x,
                Err(code) => return code,
            };
            let errors = report(&analysis, &sources, err);
            let table = svcplay::pernode::table(&analysis, analysis.proxy_config.mode);
            if table.is_empty() {
                let _ = writeln!(err, "no NodePort or LoadBalancer Service in the scenario");
            }
            for (i, service) in table.iter().enumerate() {
                if i > 0 {
                    let _ = writeln!(out);
                }
                let _ = write!(out, "{service}");
            }
            if errors { INPUT_ERRORS } else { OK }
        }
    }
}

/// `svcplay check-node`: the node's dumps against the scenario.
fn check_node(args: CheckNodeArgs, out: &mut impl Write, err: &mut impl Write) -> u8 {
    if args.input.files.iter().any(|f| f == "-") && args.dumps.iter().any(|d| d == "-") {
        let _ = writeln!(
            err,
            "error: standard input can be the scenario or a dump, not both"
        );
        return USAGE;
    }
    let mut dumps = Vec::new();
    for name in &args.dumps {
        let text = if name == "-" {
            let mut buf = String::new();
            if let Err(e) = std::io::stdin().read_to_string(&mut buf) {
                let _ = writeln!(err, "error: reading standard input: {e}");
                return USAGE;
            }
            buf
        } else {
            match std::fs::read(name) {
                Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
                Err(e) => {
                    let _ = writeln!(err, "error: the dump {name:?} cannot be read: {e}");
                    return USAGE;
                }
            }
        };
        dumps.push(svcplay::checknode::Dump {
            name: name.clone(),
            text,
        });
    }
    let (analysis, sources) = match load(&args.input, args.cluster.stored, err) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let errors = report(&analysis, &sources, err);
    let node = match chosen_node(&analysis, &args.cluster, err) {
        Ok(node) => node,
        Err(code) => return code,
    };
    let report =
        match svcplay::checknode::check(&analysis, &node, analysis.proxy_config.mode, &dumps) {
            Ok(report) => report,
            Err(e) => {
                let _ = writeln!(err, "error: {e}");
                return USAGE;
            }
        };
    let _ = write!(out, "{report}");
    let errors_count = analysis
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    if errors {
        let _ = writeln!(
            out,
            "# the scenario has {errors_count} error(s) (on standard error): what kube-proxy should have programmed may be incomplete"
        );
    }
    if errors || !report.matches() {
        INPUT_ERRORS
    } else {
        OK
    }
}

/// `svcplay simulate`: the distribution of N seeded requests, as a table or JSON.
fn simulate(args: SimulateArgs, out: &mut impl Write, err: &mut impl Write) -> u8 {
    let json = match args.format.as_str() {
        "table" => false,
        "json" => true,
        other => {
            let _ = writeln!(
                err,
                "error: invalid format {other:?} for --format: must be table or json"
            );
            return USAGE;
        }
    };
    let parse_ip = |flag: &str, text: &str| {
        svcplay::model::ip::parse_ip_sloppy(text)
            .ok_or_else(|| format!("error: invalid IP address {text:?} for --{flag}"))
    };
    let request = (|| {
        let src = args
            .src
            .as_deref()
            .map(|s| parse_ip("src", s))
            .transpose()?;
        let dst = match (&args.dst, args.dport) {
            (Some(d), Some(port)) => Some((parse_ip("dst", d)?, port)),
            _ => None,
        };
        let protocol = svcplay::proxy::Protocol::parse(&args.protocol.to_ascii_uppercase())
            .ok_or_else(|| {
                format!(
                    "error: invalid protocol {:?} for --protocol: must be TCP, UDP or SCTP",
                    args.protocol
                )
            })?;
        Ok::<_, String>(svcplay::simulate::SimRequest {
            node: args.cluster.node.clone(),
            src,
            dst,
            protocol,
            requests: args.requests,
            seed: args.seed,
            ..svcplay::simulate::SimRequest::default()
        })
    })();
    let request = match request {
        Ok(r) => r,
        Err(e) => {
            let _ = writeln!(err, "{e}");
            return USAGE;
        }
    };
    // Refused before the scenario is read.
    if let Err(e) = svcplay::simulate::check_requests(request.requests) {
        let _ = writeln!(err, "error: {e}");
        return USAGE;
    }
    let (analysis, sources) = match load(&args.input, args.cluster.stored, err) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let errors = report(&analysis, &sources, err);
    // A node given by name must exist; without one, the client's node is used.
    if args.cluster.node.is_some() {
        if let Err(code) = chosen_node(&analysis, &args.cluster, err) {
            return code;
        }
    }
    if args.spread {
        if json {
            let _ = writeln!(err, "error: --spread prints a table only");
            return USAGE;
        }
        return match svcplay::simulate::spread::run(&analysis, &request) {
            Ok(spread) => {
                let _ = write!(out, "{spread}");
                if errors { INPUT_ERRORS } else { OK }
            }
            Err(e) => {
                let _ = writeln!(err, "error: {e}");
                USAGE
            }
        };
    }
    match svcplay::simulate::run(&analysis, &request) {
        Ok(result) => {
            if json {
                let _ = write!(out, "{}", result.to_json());
            } else {
                let _ = write!(out, "{result}");
            }
        }
        Err(e) => {
            let _ = writeln!(err, "error: {e}");
            return USAGE;
        }
    }
    if errors { INPUT_ERRORS } else { OK }
}
