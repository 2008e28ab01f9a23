//! `kubectl`: the simulated command's `get` and `describe`, and `apply`'s printing.
//!
//! [`run`] parses a kubectl command line the way kubectl's flags read it and answers
//! from the [`Analysis`], printing exactly what kubectl v1.35 prints: tables through Go's
//! text/tabwriter ([`crate::views::tabwriter`]), describe blocks, `-o yaml` through
//! go-yaml's emitter ([`yaml`]). Each resource kubectl knows is one [`Resource`] entry in
//! [`RESOURCES`] with its own module (a table, a describer, a YAML form); adding a
//! resource is one entry there and one file.
//!
//! Time: svcplay has no clock. Every object is [`AGE_SECONDS`] old, printed with
//! apimachinery's `HumanDuration` (`10s`), so outputs never depend on when they were made.

pub mod apply;
pub mod commands;
pub mod endpoints;
pub mod endpoints_line;
pub mod objects_yaml;
pub mod pods;
pub mod service;
pub mod yaml;

use super::CommandOutput;
use super::tabwriter;
use crate::apiserver::field::go_quote;
use crate::scenario::Analysis;
use crate::sort::CollectBTree;
use std::collections::BTreeMap;

/// How long ago every object of a scenario was created, in seconds: the AGE column.
pub const AGE_SECONDS: i64 = crate::controllers::SCENARIO_AGE_SECONDS;

/// The AGE every object shows (`10s`).
pub fn age() -> String {
    human_duration(AGE_SECONDS)
}

/// apimachinery's `duration.HumanDuration`: values are truncated, not rounded.
pub fn human_duration(seconds: i64) -> String {
    if seconds < -1 {
        return "<invalid>".into();
    }
    if seconds < 0 {
        return "0s".into();
    }
    if seconds < 60 * 2 {
        return format!("{seconds}s");
    }
    let minutes = seconds / 60;
    if minutes < 10 {
        let s = seconds % 60;
        return if s == 0 {
            format!("{minutes}m")
        } else {
            format!("{minutes}m{s}s")
        };
    }
    if minutes < 60 * 3 {
        return format!("{minutes}m");
    }
    let hours = seconds / 3600;
    if hours < 8 {
        let m = minutes % 60;
        return if m == 0 {
            format!("{hours}h")
        } else {
            format!("{hours}h{m}m")
        };
    }
    if hours < 48 {
        return format!("{hours}h");
    }
    if hours < 24 * 8 {
        let h = hours % 24;
        return if h == 0 {
            format!("{}d", hours / 24)
        } else {
            format!("{}d{h}h", hours / 24)
        };
    }
    if hours < 24 * 365 * 2 {
        return format!("{}d", hours / 24);
    }
    if hours < 24 * 365 * 8 {
        let d = (hours / 24) % 365;
        return if d == 0 {
            format!("{}y", hours / 24 / 365)
        } else {
            format!("{}y{d}d", hours / 24 / 365)
        };
    }
    format!("{}y", hours / 24 / 365)
}

/// `labels.FormatLabels`: `k=v,k2=v2` sorted by key, `<none>` when empty.
pub fn format_labels(labels: &BTreeMap<String, String>) -> String {
    if labels.is_empty() {
        "<none>".into()
    } else {
        crate::model::labels::format_map(labels)
    }
}

/// One row of a `kubectl get` table.
#[derive(Clone, Debug, Default)]
pub struct Row {
    pub namespace: String,
    pub name: String,
    /// The cells after NAME, in the header's order.
    pub cells: Vec<String>,
    /// The `-o wide` cells, after those.
    pub wide: Vec<String>,
    /// The object's labels (`--show-labels`, `-l`).
    pub labels: BTreeMap<String, String>,
}

/// Lists a resource's objects as table rows: `(analysis, namespace or all, wide)`.
pub type RowsFn = fn(&Analysis, Option<&str>, bool) -> Vec<Row>;
/// Describes one object: `(analysis, namespace, name)`.
pub type DescribeFn = fn(&Analysis, &str, &str) -> Option<String>;
/// One object as the server returns it: `(analysis, namespace, name)`.
pub type YamlFn = fn(&Analysis, &str, &str) -> Option<yaml::Yaml>;

/// A resource kubectl knows: how to list, print, describe and serialise it.
pub struct Resource {
    /// The names kubectl accepts for it (`svc`, `service`, `services`).
    pub names: &'static [&'static str],
    /// Its plural, as messages name it (`services "web" not found`).
    pub plural: &'static str,
    /// The prefix of names in multi-resource tables and `-o name` (`service`).
    pub singular: &'static str,
    pub namespaced: bool,
    /// The column names after NAME, and the `-o wide` ones.
    pub header: &'static [&'static str],
    pub wide_header: &'static [&'static str],
    /// Every object as a row, sorted as the server lists them (namespace, then name);
    /// `namespace` None means all namespaces.
    pub rows: RowsFn,
    /// `kubectl describe` of one object.
    pub describe: Option<DescribeFn>,
    /// `-o yaml` of one object.
    pub yaml: Option<YamlFn>,
    /// A warning the server sends with every read of this resource.
    pub warning: Option<&'static str>,
}

/// The resources svcplay answers for. One entry per resource.
pub const RESOURCES: &[&Resource] = &[&service::RESOURCE];

/// kubectl resource names svcplay knows of but does not answer yet.
const KNOWN_ELSEWHERE: &[&str] = &[
    "no",
    "node",
    "nodes",
    "ns",
    "namespace",
    "namespaces",
    "deploy",
    "deployment",
    "deployments",
    "rs",
    "replicaset",
    "replicasets",
    "sts",
    "statefulset",
    "statefulsets",
    "all",
];

fn find_resource(word: &str) -> Option<&'static Resource> {
    let lower = word.to_lowercase();
    let base = lower.split('.').next().unwrap_or(&lower).to_string();
    RESOURCES
        .iter()
        .copied()
        .find(|r| r.names.contains(&lower.as_str()) || r.names.contains(&base.as_str()))
}

/// A parsed `kubectl get|describe` command line.
#[derive(Clone, Debug, Default)]
struct Args {
    positional: Vec<String>,
    namespace: Option<String>,
    all_namespaces: bool,
    output: Option<String>,
    show_labels: bool,
    selector: Option<String>,
}

fn usage_error(message: &str, verb: &str) -> CommandOutput {
    CommandOutput::error(
        format!("error: {message}\nSee 'kubectl {verb} -h' for help and examples\n"),
        1,
    )
}

fn parse_args(args: &[String], verb: &str) -> Result<Args, CommandOutput> {
    let mut out = Args::default();
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        let mut value = |flag: &str| -> Result<String, CommandOutput> {
            i += 1;
            args.get(i)
                .cloned()
                .ok_or_else(|| usage_error(&format!("flag needs an argument: {flag}"), verb))
        };
        match a.as_str() {
            "-n" | "--namespace" => out.namespace = Some(value(a)?),
            "-o" | "--output" => out.output = Some(value(a)?),
            "-l" | "--selector" => out.selector = Some(value(a)?),
            "-A" | "--all-namespaces" => out.all_namespaces = true,
            "--show-labels" => out.show_labels = true,
            "--show-events" | "--show-events=true" | "--show-events=false" => {}
            _ => {
                if let Some(v) = a.strip_prefix("--namespace=") {
                    out.namespace = Some(v.into());
                } else if let Some(v) = a.strip_prefix("--output=") {
                    out.output = Some(v.into());
                } else if let Some(v) = a.strip_prefix("--selector=") {
                    out.selector = Some(v.into());
                } else if let Some(v) = a
                    .strip_prefix("-n")
                    .filter(|v| !v.is_empty() && !a.starts_with("--"))
                {
                    out.namespace = Some(v.trim_start_matches('=').into());
                } else if let Some(v) = a
                    .strip_prefix("-o")
                    .filter(|v| !v.is_empty() && !a.starts_with("--"))
                {
                    out.output = Some(v.trim_start_matches('=').into());
                } else if let Some(v) = a
                    .strip_prefix("-l")
                    .filter(|v| !v.is_empty() && !a.starts_with("--"))
                {
                    out.selector = Some(v.trim_start_matches('=').into());
                } else if a.starts_with("--") {
                    let flag = a.split('=').next().unwrap_or(a);
                    return Err(usage_error(&format!("unknown flag: {flag}"), verb));
                } else if a.starts_with('-') && a.len() > 1 {
                    let c = a.chars().nth(1).unwrap_or('-');
                    return Err(usage_error(
                        &format!("unknown shorthand flag: '{c}' in {a}"),
                        verb,
                    ));
                } else {
                    out.positional.push(a.clone());
                }
            }
        }
        i += 1;
    }
    Ok(out)
}

/// `-l` selectors of equality form: `k=v`, `k==v`, `k!=v`, `k`, `!k`, comma-separated.
fn selector_matches(selector: &str, labels: &BTreeMap<String, String>) -> bool {
    selector
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .all(|req| {
            if let Some((k, v)) = req.split_once("!=") {
                labels.get(k.trim()).map(String::as_str) != Some(v.trim())
            } else if let Some((k, v)) = req.split_once("==").or_else(|| req.split_once('=')) {
                labels.get(k.trim()).map(String::as_str) == Some(v.trim())
            } else if let Some(k) = req.strip_prefix('!') {
                !labels.contains_key(k.trim())
            } else {
                labels.contains_key(req)
            }
        })
}

fn not_implemented(what: &str) -> CommandOutput {
    CommandOutput::error(
        format!("svcplay: kubectl {what} is not simulated\n"),
        super::NOT_IMPLEMENTED,
    )
}

/// `No resources found in dev namespace.` / `No resources found` (all namespaces).
fn no_resources(namespace: Option<&str>) -> String {
    match namespace {
        Some(ns) => format!("No resources found in {ns} namespace.\n"),
        None => "No resources found\n".into(),
    }
}

/// Splits `svc,ep` and `svc/web` forms into resources and names.
type Targets = Vec<(&'static Resource, Option<String>)>;

fn targets(positional: &[String], verb: &str) -> Result<(Targets, bool), CommandOutput> {
    let Some(first) = positional.first() else {
        return Err(CommandOutput::error(
            format!(
                "You must specify the type of resource to {verb}. Use \"kubectl api-resources\" for a complete list of supported resources.\n\nerror: Required resource not specified.\nUse \"kubectl explain <resource>\" for a detailed description of that resource (e.g. kubectl explain pods).\nSee 'kubectl {verb} -h' for help and examples\n"
            ),
            1,
        ));
    };
    let resolve = |word: &str| -> Result<&'static Resource, CommandOutput> {
        match find_resource(word) {
            Some(r) => Ok(r),
            None if KNOWN_ELSEWHERE.contains(&word.to_lowercase().as_str()) => {
                Err(not_implemented(&format!("{verb} {word}")))
            }
            None => Err(CommandOutput::error(
                format!("error: the server doesn't have a resource type {word:?}\n"),
                1,
            )),
        }
    };
    let mut out = Vec::new();
    if positional.iter().any(|p| p.contains('/')) {
        for p in positional {
            let Some((kind, name)) = p.split_once('/') else {
                return Err(CommandOutput::error(
                    format!(
                        "error: there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'kubectl {verb} resource/<resource_name>' instead of 'kubectl {verb} resource resource/<resource_name>'\n"
                    ),
                    1,
                ));
            };
            out.push((resolve(kind)?, Some(name.to_string())));
        }
        // Names are prefixed with their kind only when several kinds are listed.
        let kinds = out
            .iter()
            .map(|(r, _)| r.plural)
            .collect_btree::<std::collections::BTreeSet<_>>();
        return Ok((out, kinds.len() > 1));
    }
    let kinds: Vec<&str> = first.split(',').filter(|s| !s.is_empty()).collect();
    let names = &positional[1..];
    for kind in &kinds {
        let r = resolve(kind)?;
        if names.is_empty() {
            out.push((r, None));
        } else {
            for n in names {
                out.push((r, Some(n.clone())));
            }
        }
    }
    Ok((out, kinds.len() > 1))
}

/// Runs `kubectl ARGS...` (`argv` without the program name). `exec`, and `get` of
/// Endpoints, EndpointSlices and Pods, are answered by [`commands`].
pub fn run(analysis: &Analysis, context: &super::Context, argv: &[String]) -> CommandOutput {
    if commands::handles(argv) {
        return commands::run(analysis, context, argv);
    }
    match argv.first().map(String::as_str) {
        Some("get") => get(analysis, &argv[1..]),
        Some("describe") => describe(analysis, &argv[1..]),
        Some(other) => not_implemented(other),
        None => not_implemented("without a command"),
    }
}

fn get(analysis: &Analysis, args: &[String]) -> CommandOutput {
    let args = match parse_args(args, "get") {
        Ok(a) => a,
        Err(e) => return e,
    };
    let (targets, multi) = match targets(&args.positional, "get") {
        Ok(t) => t,
        Err(e) => return e,
    };
    let namespace = if args.all_namespaces {
        None
    } else {
        Some(args.namespace.clone().unwrap_or_else(|| "default".into()))
    };
    if args.all_namespaces && targets.iter().any(|(_, n)| n.is_some()) {
        return CommandOutput::error(
            "error: a resource cannot be retrieved by name across all namespaces\n",
            1,
        );
    }
    let output = args.output.clone().unwrap_or_default();
    if !matches!(output.as_str(), "" | "wide" | "yaml" | "name") {
        return not_implemented(&format!("get -o {output}"));
    }
    let mut stdout = String::new();
    let mut stderr = String::new();
    let mut errors = Vec::new();
    let mut warned = Vec::new();
    let mut yaml_items = Vec::new();
    let mut tables: Vec<(&Resource, Vec<Row>)> = Vec::new();
    for (resource, name) in &targets {
        if let Some(w) = resource.warning {
            if !warned.contains(&w) {
                stderr.push_str(&format!("Warning: {w}\n"));
                warned.push(w);
            }
        }
        let ns = if resource.namespaced {
            namespace.as_deref()
        } else {
            None
        };
        let mut rows = (resource.rows)(analysis, ns, output == "wide");
        if let Some(sel) = &args.selector {
            rows.retain(|r| selector_matches(sel, &r.labels));
        }
        if let Some(name) = name {
            rows.retain(|r| &r.name == name);
            if rows.is_empty() {
                errors.push(format!(
                    "Error from server (NotFound): {} {} not found",
                    resource.plural,
                    go_quote(name)
                ));
                continue;
            }
        }
        match tables.iter_mut().find(|(r, _)| std::ptr::eq(*r, *resource)) {
            Some((_, existing)) => existing.extend(rows),
            None => tables.push((resource, rows)),
        }
    }
    let any = tables.iter().any(|(_, rows)| !rows.is_empty());
    // kubectl's "single item implied": exactly one named object was asked for.
    let single_named = targets.len() == 1 && targets[0].1.is_some();
    match output.as_str() {
        "yaml" => {
            for (resource, rows) in &tables {
                let Some(to_yaml) = resource.yaml else {
                    return not_implemented(&format!("get {} -o yaml", resource.plural));
                };
                for row in rows {
                    if let Some(y) = to_yaml(analysis, &row.namespace, &row.name) {
                        yaml_items.push(y);
                    }
                }
            }
            if single_named && yaml_items.len() == 1 {
                stdout.push_str(&yaml::to_string(&yaml_items[0]));
            } else if any || errors.is_empty() {
                stdout.push_str(&yaml::to_string(&yaml::list(yaml_items)));
            }
        }
        "name" => {
            for (resource, rows) in &tables {
                for row in rows {
                    stdout.push_str(&format!("{}/{}\n", resource.singular, row.name));
                }
            }
        }
        _ => {
            let mut first = true;
            for (resource, rows) in &tables {
                if rows.is_empty() {
                    continue;
                }
                if !first {
                    stdout.push('\n');
                }
                first = false;
                stdout.push_str(&table(resource, rows, &args, output == "wide", multi));
            }
        }
    }
    if !any && errors.is_empty() && output != "yaml" {
        stderr.push_str(&no_resources(namespace.as_deref()));
    }
    for e in &errors {
        stderr.push_str(e);
        stderr.push('\n');
    }
    CommandOutput {
        stdout,
        stderr,
        status: if errors.is_empty() { 0 } else { 1 },
    }
}

/// One `kubectl get` table, aligned like kubectl (tabwriter minwidth 6, padding 3).
fn table(resource: &Resource, rows: &[Row], args: &Args, wide: bool, prefixed: bool) -> String {
    let mut text = String::new();
    let mut header: Vec<String> = Vec::new();
    if args.all_namespaces && resource.namespaced {
        header.push("NAMESPACE".into());
    }
    header.push("NAME".into());
    header.extend(resource.header.iter().map(|s| s.to_string()));
    if wide {
        header.extend(resource.wide_header.iter().map(|s| s.to_string()));
    }
    if args.show_labels {
        header.push("LABELS".into());
    }
    text.push_str(&header.join("\t"));
    text.push('\n');
    for row in rows {
        let mut cells: Vec<String> = Vec::new();
        if args.all_namespaces && resource.namespaced {
            cells.push(row.namespace.clone());
        }
        cells.push(if prefixed {
            format!("{}/{}", resource.singular, row.name)
        } else {
            row.name.clone()
        });
        cells.extend(row.cells.iter().cloned());
        if wide {
            cells.extend(row.wide.iter().cloned());
        }
        if args.show_labels {
            cells.push(format_labels(&row.labels));
        }
        text.push_str(&cells.join("\t"));
        text.push('\n');
    }
    tabwriter::format(&text, 6, 3)
}

fn describe(analysis: &Analysis, args: &[String]) -> CommandOutput {
    let args = match parse_args(args, "describe") {
        Ok(a) => a,
        Err(e) => return e,
    };
    let (targets, _) = match targets(&args.positional, "describe") {
        Ok(t) => t,
        Err(e) => return e,
    };
    let namespace = if args.all_namespaces {
        None
    } else {
        Some(args.namespace.clone().unwrap_or_else(|| "default".into()))
    };
    let mut blocks: Vec<String> = Vec::new();
    let mut errors: Vec<String> = Vec::new();
    let mut stderr = String::new();
    for (resource, name) in &targets {
        let Some(describer) = resource.describe else {
            return not_implemented(&format!("describe {}", resource.plural));
        };
        if let Some(w) = resource.warning {
            stderr.push_str(&format!("Warning: {w}\n"));
        }
        let ns = if resource.namespaced {
            namespace.as_deref()
        } else {
            None
        };
        let mut rows = (resource.rows)(analysis, ns, false);
        if let Some(sel) = &args.selector {
            rows.retain(|r| selector_matches(sel, &r.labels));
        }
        let chosen: Vec<&Row> = match name {
            None => rows.iter().collect(),
            Some(name) => {
                // An exact name first; else every object whose name starts with it.
                let exact: Vec<&Row> = rows.iter().filter(|r| &r.name == name).collect();
                if exact.is_empty() {
                    rows.iter()
                        .filter(|r| r.name.starts_with(name.as_str()))
                        .collect()
                } else {
                    exact
                }
            }
        };
        if chosen.is_empty() {
            match name {
                Some(name) => errors.push(format!(
                    "Error from server (NotFound): {} {} not found",
                    resource.plural,
                    go_quote(name)
                )),
                None => stderr.push_str(&no_resources(namespace.as_deref())),
            }
            continue;
        }
        for row in chosen {
            if let Some(text) = describer(analysis, &row.namespace, &row.name) {
                blocks.push(escape_terminal(&text));
            }
        }
    }
    for e in &errors {
        stderr.push_str(e);
        stderr.push('\n');
    }
    CommandOutput {
        stdout: blocks.join("\n\n"),
        stderr,
        status: if errors.is_empty() { 0 } else { 1 },
    }
}

/// What kubectl's describe writes goes through cli-runtime's `printers.WriteEscaped`
/// (`terminalEscaper`: ESC becomes `^[`, CR becomes `\r`), so an annotation holding a
/// terminal escape sequence is shown, not obeyed (kubernetes issue 101695).
pub fn escape_terminal(text: &str) -> String {
    text.replace('\x1b', "^[").replace('\r', "\\r")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_duration_matches_apimachinery() {
        for (s, want) in [
            (-5, "<invalid>"),
            (0, "0s"),
            (10, "10s"),
            (119, "119s"),
            (120, "2m"),
            (265, "4m25s"),
            (366, "6m6s"),
            (6720, "112m"),
            (3 * 3600 + 300, "3h5m"),
            (26 * 3600, "26h"),
            (3 * 86400 + 4 * 3600, "3d4h"),
            (380 * 86400, "380d"),
            (3 * 365 * 86400, "3y"),
        ] {
            assert_eq!(human_duration(s), want, "{s}");
        }
        assert_eq!(age(), "10s");
    }

    #[test]
    fn selectors() {
        let labels: BTreeMap<String, String> = [("app".to_string(), "web".to_string())]
            .into_iter()
            .collect();
        assert!(selector_matches("app=web", &labels));
        assert!(selector_matches("app==web,!tier", &labels));
        assert!(!selector_matches("app!=web", &labels));
        assert!(!selector_matches("tier", &labels));
    }
}
