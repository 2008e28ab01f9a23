//! kubectl's command line as cobra and pflag read it.
//!
//! The first word that is not a flag is the verb (`kubectl -n dev get svc`: global
//! flags may come before it); after it, the verb's own flags and the global ones may come
//! anywhere among the arguments, in every pflag form: `--namespace dev`,
//! `--namespace=dev`, `-n dev`, `-ndev`, `-n=dev`, bool flags grouped (`-it`), `--flag=false`.
//! `--` ends the flags (what follows is the command of `exec` and `run`). A flag the
//! verb does not have is cobra's error, printed by kubectl as `error: unknown flag:
//! --image` and `See 'kubectl get --help' for usage.` ([`usage_error`]).

use std::collections::BTreeMap;

/// One flag of a command: long name, shorthand, whether it takes a value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Flag {
    pub long: &'static str,
    pub short: Option<char>,
    pub value: bool,
}

const fn value(long: &'static str, short: Option<char>) -> Flag {
    Flag {
        long,
        short,
        value: true,
    }
}

const fn boolean(long: &'static str, short: Option<char>) -> Flag {
    Flag {
        long,
        short,
        value: false,
    }
}

/// kubectl's persistent (global) flags: allowed before the verb and after it.
pub const GLOBAL: &[Flag] = &[
    value("namespace", Some('n')),
    value("context", None),
    value("cluster", None),
    value("user", None),
    value("kubeconfig", None),
    value("server", Some('s')),
    value("request-timeout", None),
    value("v", Some('v')),
    value("as", None),
    value("token", None),
    value("cache-dir", None),
    boolean("insecure-skip-tls-verify", None),
    boolean("warnings-as-errors", None),
    boolean("match-server-version", None),
    boolean("help", Some('h')),
];

/// The printing flags `get` and the verbs that print objects share.
pub const OUTPUT: Flag = value("output", Some('o'));
pub const SELECTOR: Flag = value("selector", Some('l'));
pub const ALL_NAMESPACES: Flag = boolean("all-namespaces", Some('A'));
pub const FILENAME: Flag = value("filename", Some('f'));
pub const RECURSIVE: Flag = boolean("recursive", Some('R'));
pub const DRY_RUN: Flag = value("dry-run", None);
pub const FIELD_MANAGER: Flag = value("field-manager", None);
pub const SHOW_MANAGED_FIELDS: Flag = boolean("show-managed-fields", None);
pub const TEMPLATE: Flag = value("template", None);
pub const ALLOW_MISSING: Flag = boolean("allow-missing-template-keys", None);
pub const VALIDATE: Flag = value("validate", None);

/// `kubectl get`.
pub const GET: &[Flag] = &[
    OUTPUT,
    SELECTOR,
    ALL_NAMESPACES,
    FILENAME,
    RECURSIVE,
    value("field-selector", None),
    boolean("show-labels", None),
    boolean("no-headers", None),
    value("label-columns", Some('L')),
    boolean("show-kind", None),
    boolean("ignore-not-found", None),
    value("sort-by", None),
    boolean("watch", Some('w')),
    boolean("watch-only", None),
    value("chunk-size", None),
    value("subresource", None),
    SHOW_MANAGED_FIELDS,
    TEMPLATE,
    ALLOW_MISSING,
];

/// `kubectl describe`.
pub const DESCRIBE: &[Flag] = &[
    SELECTOR,
    ALL_NAMESPACES,
    FILENAME,
    RECURSIVE,
    value("show-events", None),
    value("chunk-size", None),
];

/// `kubectl explain`.
pub const EXPLAIN: &[Flag] = &[
    boolean("recursive", None),
    value("api-version", None),
    value("output", Some('o')),
];

/// A parsed command line.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Parsed {
    /// The verb (first word that is not a flag), if any.
    pub verb: Option<String>,
    /// Words that are not flags, after the verb.
    pub args: Vec<String>,
    /// Every flag given with a value, by long name, in order (a repeated flag keeps
    /// every value).
    pub values: Vec<(String, String)>,
    /// Bool flags given, by long name, with their value.
    pub bools: BTreeMap<String, bool>,
    /// What came after `--`.
    pub command: Option<Vec<String>>,
}

impl Parsed {
    /// The last value of a flag.
    pub fn value(&self, long: &str) -> Option<&str> {
        self.values
            .iter()
            .rev()
            .find(|(k, _)| k == long)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of a repeated flag.
    pub fn all(&self, long: &str) -> Vec<&str> {
        self.values
            .iter()
            .filter(|(k, _)| k == long)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    pub fn bool(&self, long: &str) -> bool {
        self.bools.get(long).copied().unwrap_or(false)
    }

    pub fn has(&self, long: &str) -> bool {
        self.bools.contains_key(long) || self.values.iter().any(|(k, _)| k == long)
    }

    pub fn namespace(&self) -> Option<&str> {
        self.value("namespace")
    }
}

/// kubectl's flag error: `error: MESSAGE` and where to read more.
pub fn usage_error(message: &str, verb: Option<&str>) -> String {
    let path = match verb {
        Some(v) => format!("kubectl {v}"),
        None => "kubectl".to_string(),
    };
    format!("error: {message}\nSee '{path} --help' for usage.\n")
}

fn parse_bool(text: &str) -> Option<bool> {
    match text {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => Some(true),
        "0" | "f" | "F" | "false" | "FALSE" | "False" => Some(false),
        _ => None,
    }
}

/// Reads a kubectl command line (without `kubectl`). `verb_flags` gives each verb's own
/// flags. `Err` is the whole text kubectl prints.
pub fn parse(
    argv: &[String],
    verb_flags: &dyn Fn(&str) -> Option<&'static [Flag]>,
) -> Result<Parsed, String> {
    let mut out = Parsed::default();
    let mut own: &[Flag] = &[];
    let find_long = |own: &[Flag], name: &str| -> Option<Flag> {
        own.iter()
            .chain(GLOBAL.iter())
            .find(|f| f.long == name)
            .copied()
    };
    let find_short = |own: &[Flag], c: char| -> Option<Flag> {
        own.iter()
            .chain(GLOBAL.iter())
            .find(|f| f.short == Some(c))
            .copied()
    };
    let mut i = 0;
    while i < argv.len() {
        let arg = &argv[i];
        let verb = out.verb.as_deref();
        if arg == "--" {
            out.command = Some(argv[i + 1..].to_vec());
            break;
        }
        if let Some(long) = arg.strip_prefix("--") {
            let (name, inline) = match long.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (long, None),
            };
            let Some(flag) = find_long(own, name) else {
                return Err(usage_error(&format!("unknown flag: --{name}"), verb));
            };
            if flag.value {
                let v = match inline {
                    Some(v) => v,
                    None => {
                        i += 1;
                        match argv.get(i) {
                            Some(v) => v.clone(),
                            None => {
                                return Err(usage_error(
                                    &format!("flag needs an argument: --{name}"),
                                    verb,
                                ));
                            }
                        }
                    }
                };
                out.values.push((flag.long.to_string(), v));
            } else {
                let b = match inline {
                    Some(v) => parse_bool(&v).ok_or_else(|| {
                        usage_error(
                            &format!(
                                "invalid argument {v:?} for \"--{name}\" flag: strconv.ParseBool: parsing {v:?}: invalid syntax"
                            ),
                            verb,
                        )
                    })?,
                    None => true,
                };
                out.bools.insert(flag.long.to_string(), b);
            }
        } else if arg.len() > 1 && arg.starts_with('-') {
            let shorthands = &arg[1..];
            let chars: Vec<(usize, char)> = shorthands.char_indices().collect();
            let mut k = 0;
            while k < chars.len() {
                let (at, c) = chars[k];
                let Some(flag) = find_short(own, c) else {
                    return Err(usage_error(
                        &format!("unknown shorthand flag: '{c}' in -{shorthands}"),
                        verb,
                    ));
                };
                if flag.value {
                    let rest = &shorthands[at + c.len_utf8()..];
                    let v = if !rest.is_empty() {
                        rest.strip_prefix('=').unwrap_or(rest).to_string()
                    } else {
                        i += 1;
                        match argv.get(i) {
                            Some(v) => v.clone(),
                            None => {
                                return Err(usage_error(
                                    &format!("flag needs an argument: '{c}' in -{shorthands}"),
                                    verb,
                                ));
                            }
                        }
                    };
                    out.values.push((flag.long.to_string(), v));
                    break;
                }
                let rest = &shorthands[at + c.len_utf8()..];
                if let Some(v) = rest.strip_prefix('=') {
                    let b = parse_bool(v).ok_or_else(|| {
                        usage_error(
                            &format!(
                                "invalid argument {v:?} for \"-{c}, --{}\" flag: strconv.ParseBool: parsing {v:?}: invalid syntax",
                                flag.long
                            ),
                            verb,
                        )
                    })?;
                    out.bools.insert(flag.long.to_string(), b);
                    break;
                }
                out.bools.insert(flag.long.to_string(), true);
                k += 1;
            }
        } else if out.verb.is_none() {
            out.verb = Some(arg.clone());
            own = verb_flags(arg).unwrap_or(&[]);
        } else {
            out.args.push(arg.clone());
        }
        i += 1;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_string).collect()
    }

    fn p(s: &str) -> Result<Parsed, String> {
        parse(&words(s), &|v| (v == "get").then_some(GET))
    }

    #[test]
    fn reads_flags_anywhere_in_every_form() {
        let a = p("-n dev get svc -o wide --show-labels").unwrap();
        assert_eq!(a.verb.as_deref(), Some("get"));
        assert_eq!(a.args, ["svc"]);
        assert_eq!(a.namespace(), Some("dev"));
        assert_eq!(a.value("output"), Some("wide"));
        assert!(a.bool("show-labels"));
        let b = p("get svc,ep -ndev -owide -A").unwrap();
        assert_eq!(b.namespace(), Some("dev"));
        assert_eq!(b.value("output"), Some("wide"));
        assert!(b.bool("all-namespaces"));
        assert_eq!(
            p("get po --namespace=kube-system").unwrap().namespace(),
            Some("kube-system")
        );
    }

    #[test]
    fn errors_are_cobras() {
        assert_eq!(
            p("get pods -a").unwrap_err(),
            "error: unknown shorthand flag: 'a' in -a\nSee 'kubectl get --help' for usage.\n"
        );
        assert_eq!(
            p("get pods --image=nginx").unwrap_err(),
            "error: unknown flag: --image\nSee 'kubectl get --help' for usage.\n"
        );
        assert_eq!(
            p("get pods -n").unwrap_err(),
            "error: flag needs an argument: 'n' in -n\nSee 'kubectl get --help' for usage.\n"
        );
        assert_eq!(
            p("-o wide get pods").unwrap_err(),
            "error: unknown shorthand flag: 'o' in -o\nSee 'kubectl --help' for usage.\n"
        );
    }
}
