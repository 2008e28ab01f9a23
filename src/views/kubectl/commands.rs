//! `kubectl exec`, and `kubectl get` of the resources with their own printers
//! ([`super::endpoints`] for Endpoints and EndpointSlices, [`super::pods`]).
//!
//! Flags may come anywhere after `kubectl`, as kubectl's own parser (cobra) allows:
//! `-n NS`, `--namespace NS`, `--namespace=NS`, `-nNS`, `-A`/`--all-namespaces`,
//! `-o yaml|wide` (also `-oyaml`, `--output=yaml`), `--show-labels`.

use super::endpoints::{self, Output, Query};
use super::pods;
use crate::scenario::Analysis;
use crate::views::{CommandOutput, Context, NOT_IMPLEMENTED};

/// A parsed `kubectl` command line.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Args {
    /// Words that are not flags: verb, resource, names.
    pub words: Vec<String>,
    pub namespace: Option<String>,
    pub all_namespaces: bool,
    pub output: Option<String>,
    pub show_labels: bool,
}

/// Splits kubectl's flags from its words; `Err` is kubectl's message for a flag it lacks
/// a value for or does not know.
pub fn parse(argv: &[String]) -> Result<Args, String> {
    let mut args = Args::default();
    let mut i = 0;
    while i < argv.len() {
        let a = argv[i].as_str();
        let mut value = |flag: &str| -> Result<String, String> {
            i += 1;
            argv.get(i)
                .cloned()
                .ok_or_else(|| format!("error: flag needs an argument: {flag}"))
        };
        match a {
            "-n" | "--namespace" => args.namespace = Some(value(a)?),
            "-o" | "--output" => args.output = Some(value(a)?),
            "-A" | "--all-namespaces" => args.all_namespaces = true,
            "--show-labels" => args.show_labels = true,
            _ if a.starts_with("--namespace=") => {
                args.namespace = Some(a["--namespace=".len()..].to_string())
            }
            _ if a.starts_with("--output=") => {
                args.output = Some(a["--output=".len()..].to_string())
            }
            _ if a.starts_with("-n") && a.len() > 2 && !a.starts_with("--") => {
                args.namespace = Some(a[2..].trim_start_matches('=').to_string())
            }
            _ if a.starts_with("-o") && a.len() > 2 && !a.starts_with("--") => {
                args.output = Some(a[2..].trim_start_matches('=').to_string())
            }
            _ if a.starts_with('-') && a.len() > 1 => {
                return Err(format!("error: unknown flag: {a}"));
            }
            _ => args.words.push(a.to_string()),
        }
        i += 1;
    }
    Ok(args)
}

/// The canonical name of a resource as typed (`ep`, `endpointslice`, `po`...).
pub fn resource(word: &str) -> Option<&'static str> {
    Some(match word {
        "endpoints" | "endpoint" | "ep" => "endpoints",
        "endpointslices"
        | "endpointslice"
        | "endpointslices.discovery.k8s.io"
        | "endpointslice.discovery.k8s.io" => "endpointslices",
        "pods" | "pod" | "po" => "pods",
        _ => return None,
    })
}

/// `kubectl exec [-it] POD [-n NS] [-c C] -- COMMAND...`: the commands svcplay can run
/// inside a Pod are `cat /etc/resolv.conf` and `dig`, answered for that Pod's namespace.
fn exec(analysis: &Analysis, argv: &[String]) -> CommandOutput {
    let split = argv.iter().position(|a| a == "--");
    let (before, command) = match split {
        Some(i) => (&argv[..i], &argv[i + 1..]),
        None => (argv, &argv[argv.len()..]),
    };
    let flags: Vec<String> = before
        .iter()
        .filter(|a| {
            !matches!(
                a.as_str(),
                "-i" | "-t" | "-it" | "-ti" | "--stdin" | "--tty"
            )
        })
        .cloned()
        .collect();
    let mut cleaned = Vec::new();
    let mut i = 0;
    while i < flags.len() {
        if flags[i] == "-c" || flags[i] == "--container" {
            i += 2;
            continue;
        }
        cleaned.push(flags[i].clone());
        i += 1;
    }
    let args = match parse(&cleaned) {
        Ok(a) => a,
        Err(e) => return CommandOutput::error(format!("{e}\n"), 1),
    };
    let namespace = args.namespace.clone().unwrap_or_else(|| "default".into());
    let Some(pod) = args.words.get(1) else {
        return CommandOutput::error(
            "error: expected 'exec POD_NAME COMMAND [ARG1] [ARG2] ... [ARGN]'.\nPOD_NAME and COMMAND are required arguments for the exec command\n",
            1,
        );
    };
    if !analysis
        .objects
        .pods
        .iter()
        .any(|p| &p.meta.name == pod && p.meta.namespace == namespace)
    {
        return CommandOutput::error(
            format!("Error from server (NotFound): pods \"{pod}\" not found\n"),
            1,
        );
    }
    let client = crate::views::dig::Client { namespace };
    match command.first().map(String::as_str) {
        Some("cat") if command.get(1).map(String::as_str) == Some("/etc/resolv.conf") => {
            crate::views::dig::resolv_conf_of(analysis, &client)
        }
        Some("dig") => crate::views::dig::dig(analysis, &client, &command[1..]),
        _ => CommandOutput::error(
            format!(
                "svcplay: only `cat /etc/resolv.conf` and `dig` run inside a Pod, not {:?}\n",
                command.join(" ")
            ),
            NOT_IMPLEMENTED,
        ),
    }
}

/// Whether this command line is one [`run`] answers: `exec`, or `get` of Endpoints,
/// EndpointSlices or Pods.
pub fn handles(argv: &[String]) -> bool {
    let before: Vec<String> = argv.iter().take_while(|a| *a != "--").cloned().collect();
    if before.iter().any(|a| a == "exec") {
        return true;
    }
    match parse(&before) {
        Ok(args) => {
            args.words.first().map(String::as_str) == Some("get")
                && args.words.get(1).and_then(|w| resource(w)).is_some()
        }
        Err(_) => false,
    }
}

/// Runs `kubectl ARGS...` (without the program name).
pub fn run(analysis: &Analysis, context: &Context, argv: &[String]) -> CommandOutput {
    let _ = context;
    if argv.iter().take_while(|a| *a != "--").any(|a| a == "exec") {
        return exec(analysis, argv);
    }
    let args = match parse(argv) {
        Ok(a) => a,
        Err(e) => {
            return CommandOutput::error(format!("{e}\nSee 'kubectl --help' for usage.\n"), 1);
        }
    };
    let output = match args.output.as_deref() {
        None => Output::Table,
        Some("wide") => Output::Wide,
        Some("yaml") => Output::Yaml,
        Some(other) => {
            return CommandOutput::error(
                format!(
                    "error: unable to match a printer suitable for the output format \"{other}\", allowed formats are: wide,yaml\n"
                ),
                1,
            );
        }
    };
    let verb = args.words.first().map(String::as_str);
    let kind = args.words.get(1).map(String::as_str);
    match (verb, kind.and_then(resource)) {
        (Some("get"), Some(kind)) => {
            let names = &args.words[2..];
            let query = Query {
                namespace: args.namespace.as_deref(),
                all_namespaces: args.all_namespaces,
                names,
            };
            match kind {
                "endpoints" => endpoints::get_endpoints(analysis, &query, output),
                "endpointslices" => endpoints::get_endpoint_slices(analysis, &query, output),
                _ => pods::get_pods(analysis, &query, output, args.show_labels),
            }
        }
        _ => CommandOutput::error(
            format!(
                "svcplay: kubectl {} is not simulated\n",
                args.words.join(" ")
            ),
            NOT_IMPLEMENTED,
        ),
    }
}
