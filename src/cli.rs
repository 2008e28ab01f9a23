//! The `svcplay` command: argument parsing and I/O around the core.
//!
//! Every subcommand reads the scenario files, calls [`svcplay::scenario::analyze`] and prints
//! a `Display` of a core value. stdout carries the output, stderr the diagnostics; exit 0
//! means fine, 1 that the input has errors, 2 a usage error (PRODUCT.md, "Command-line
//! contract").

use clap::{Args, Parser, Subcommand};
use std::io::{Read, Write};
use std::process::ExitCode;
use svcplay::diag::Severity;
use svcplay::scenario::{self, Analysis, Options};

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
    /// How many requests to send.
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
}

/// Exit statuses of the command-line contract.
const OK: u8 = 0;
const INPUT_ERRORS: u8 = 1;
const USAGE: u8 = 2;

/// The scenario text of the given files, and where each file starts (for line numbers).
struct Sources {
    text: String,
    /// (file name, first line of the file in `text`).
    files: Vec<(String, u32)>,
}

impl Sources {
    fn read(files: &[String]) -> Result<Sources, String> {
        let mut text = String::new();
        let mut starts = Vec::new();
        for file in files {
            let content = if file == "-" {
                let mut buf = String::new();
                std::io::stdin()
                    .read_to_string(&mut buf)
                    .map_err(|e| format!("error: reading standard input: {e}"))?;
                buf
            } else {
                let bytes = std::fs::read(file)
                    .map_err(|e| format!("error: the path {file:?} cannot be read: {e}"))?;
                String::from_utf8(bytes).map_err(|e| {
                    format!(
                        "error: {file:?} is not UTF-8 text (invalid byte at offset {})",
                        e.utf8_error().valid_up_to()
                    )
                })?
            };
            if !text.is_empty() {
                if !text.ends_with('\n') {
                    text.push('\n');
                }
                text.push_str("---\n");
            }
            let first_line = text.matches('\n').count() as u32 + 1;
            starts.push((file.clone(), first_line));
            text.push_str(&content);
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
fn report(analysis: &Analysis, sources: &Sources, stderr: &mut impl Write) -> bool {
    for d in &analysis.diagnostics {
        if d.severity == Severity::Info {
            continue;
        }
        let mut plain = d.clone();
        plain.span = None;
        let _ = match d.span {
            Some(span) => writeln!(
                stderr,
                "{}: {plain}",
                sources.place(span.start.line, span.start.column)
            ),
            None => writeln!(stderr, "{plain}"),
        };
    }
    analysis.has_errors()
}

pub fn main() -> ExitCode {
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
    let sources = Sources::read(&input.files).map_err(|e| {
        let _ = writeln!(stderr, "{e}");
        INPUT_ERRORS
    })?;
    let analysis = scenario::analyze(&sources.text, Options { stored });
    Ok((analysis, sources))
}

fn not_implemented(what: &str, stderr: &mut impl Write) -> u8 {
    let _ = writeln!(stderr, "svcplay: {what} is not implemented yet");
    USAGE
}

/// The node chosen with `--node` (or the default one), if the scenario has it.
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

/// The packet of `svcplay trace`.
fn packet(args: &TraceArgs, err: &mut impl Write) -> Result<svcplay::proxy::trace::Packet, u8> {
    let ip = |text: &str, what: &str, err: &mut dyn Write| {
        svcplay::model::ip::parse_ip_sloppy(text).ok_or_else(|| {
            let _ = writeln!(err, "error: invalid {what} address {text:?}");
            USAGE
        })
    };
    let src = ip(&args.src, "--src", err)?;
    let dst = ip(&args.dst, "--dst", err)?;
    let Some(protocol) = svcplay::proxy::Protocol::parse(&args.protocol.to_ascii_uppercase())
    else {
        let _ = writeln!(
            err,
            "error: invalid --protocol {:?}: must be TCP, UDP or SCTP",
            args.protocol
        );
        return Err(USAGE);
    };
    Ok(svcplay::proxy::trace::Packet {
        src,
        dst,
        dport: args.dport,
        protocol,
    })
}

fn run(command: Command, out: &mut impl Write, err: &mut impl Write) -> u8 {
    match command {
        Command::Apply(args) => {
            if let Some(format) = args.output.as_deref() {
                if format != "yaml" {
                    let _ = writeln!(
                        err,
                        "error: unable to match a printer suitable for the output format {format:?}, allowed formats are: yaml"
                    );
                    return USAGE;
                }
                return not_implemented("apply -o yaml", err);
            }
            let (analysis, sources) = match load(&args.input, false, err) {
                Ok(x) => x,
                Err(code) => return code,
            };
            let file_of = |document: usize| {
                let line = analysis
                    .manifest
                    .documents
                    .get(document)
                    .map_or(1, |d| d.first_line);
                sources
                    .files
                    .iter()
                    .rev()
                    .find(|(_, s)| *s <= line)
                    .map(|(f, _)| f.clone())
                    .unwrap_or_default()
            };
            let mut failed = false;
            for a in &analysis.admissions {
                for w in &a.warnings {
                    let _ = writeln!(err, "Warning: {w}");
                }
                match a.success_line() {
                    Some(line) => {
                        let _ = writeln!(out, "{line}");
                    }
                    None => {
                        failed = true;
                        let document = analysis.manifest.object(a.object).map_or(0, |o| o.document);
                        if let Some(text) = a.error_text(&file_of(document)) {
                            let _ = writeln!(err, "{text}");
                        }
                    }
                }
            }
            let syntax = analysis
                .diagnostics
                .iter()
                .any(|d| d.is_error() && d.stage == svcplay::diag::Stage::Syntax);
            if syntax {
                report(&analysis, &sources, err);
            }
            if failed || syntax { INPUT_ERRORS } else { OK }
        }
        Command::KubeProxy(args) => {
            let (analysis, sources) = match load(&args.input, args.cluster.stored, err) {
                Ok(x) => x,
                Err(code) => return code,
            };
            let errors = report(&analysis, &sources, err);
            let node = args
                .cluster
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
                return USAGE;
            }
            match analysis.proxy_config.mode {
                svcplay::proxy::config::ProxyMode::Iptables => {
                    let rulesets = analysis.iptables(&node);
                    let many = rulesets.len() > 1;
                    for ruleset in rulesets {
                        if many {
                            let tool = if ruleset.family == svcplay::model::ip::IpFamily::IPv4 {
                                "iptables"
                            } else {
                                "ip6tables"
                            };
                            let _ = writeln!(out, "# {tool}-restore input ({})", ruleset.family);
                        }
                        let _ = write!(out, "{ruleset}");
                    }
                }
                svcplay::proxy::config::ProxyMode::Ipvs => {
                    // IPVS mode's iptables part (the virtual servers are `run -- ipvsadm -Ln`).
                    let states = analysis.ipvs(&node);
                    let many = states.len() > 1;
                    for state in states {
                        if many {
                            let tool = if state.family == svcplay::model::ip::IpFamily::IPv4 {
                                "iptables"
                            } else {
                                "ip6tables"
                            };
                            let _ = writeln!(out, "# {tool}-restore input ({})", state.family);
                        }
                        let _ = write!(out, "{}", state.restore_input());
                    }
                }
                mode => {
                    return not_implemented(&format!("kube-proxy in {} mode", mode.as_str()), err);
                }
            }
            if errors { INPUT_ERRORS } else { OK }
        }
        Command::Run(args) => {
            let (analysis, sources) = match load(&args.input, args.cluster.stored, err) {
                Ok(x) => x,
                Err(code) => return code,
            };
            report(&analysis, &sources, err);
            let node = match chosen_node(&analysis, &args.cluster, err) {
                Ok(node) => node,
                Err(code) => return code,
            };
            let context = svcplay::views::Context { node };
            let output = svcplay::views::run(&analysis, &context, &args.command);
            let _ = write!(out, "{}", output.stdout);
            let _ = write!(err, "{}", output.stderr);
            u8::try_from(output.status).unwrap_or(1)
        }
        Command::Trace(args) => {
            let (analysis, sources) = match load(&args.input, args.cluster.stored, err) {
                Ok(x) => x,
                Err(code) => return code,
            };
            let errors = report(&analysis, &sources, err);
            let node = match chosen_node(&analysis, &args.cluster, err) {
                Ok(node) => node,
                Err(code) => return code,
            };
            let packet = match packet(&args, err) {
                Ok(p) => p,
                Err(code) => return code,
            };
            match analysis.proxy_config.mode {
                svcplay::proxy::config::ProxyMode::Ipvs => {
                    let family = svcplay::model::ip::IpFamily::of(&packet.dst);
                    let facts = analysis
                        .proxy_facts(&node)
                        .into_iter()
                        .find(|f| f.family == family);
                    let Some(facts) = facts else {
                        let _ =
                            writeln!(err, "error: kube-proxy on {node} runs no {family} proxier");
                        return USAGE;
                    };
                    let state = svcplay::proxy::ipvs::render(&facts);
                    let trace = svcplay::proxy::ipvs::trace(&facts, &state, &packet);
                    let _ = write!(out, "{trace}");
                }
                mode => {
                    return not_implemented(&format!("trace in {} mode", mode.as_str()), err);
                }
            }
            if errors { INPUT_ERRORS } else { OK }
        }
        Command::Simulate(args) => {
            let _ = (
                &args.cluster,
                &args.input,
                args.requests,
                args.seed,
                &args.src,
                &args.dst,
                args.dport,
            );
            let _ = (&args.protocol, &args.format);
            not_implemented("simulate", err)
        }
    }
}
