//! Name, label, port and address checks with apimachinery's exact messages.
//!
//! Each function mirrors one of `k8s.io/apimachinery/pkg/util/validation` (v0.35): it
//! returns the list of messages for a value (empty when valid), and the caller wraps each
//! message in a field error for its path, as the Go code does. The regular expressions of
//! the originals are written out as small character scanners (the crate carries no regex
//! engine); the messages quote the original patterns.

use crate::model::ip::{Cidr, parse_ip_sloppy};
use std::net::IpAddr;

const DNS1123_LABEL_FMT: &str = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
const DNS1123_LABEL_MSG: &str = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character";
const DNS1123_SUBDOMAIN_FMT: &str =
    "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";
const DNS1123_SUBDOMAIN_MSG: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
const DNS1035_LABEL_FMT: &str = "[a-z]([-a-z0-9]*[a-z0-9])?";
const DNS1035_LABEL_MSG: &str = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character";
const QUALIFIED_NAME_FMT: &str = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
const QUALIFIED_NAME_MSG: &str = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const LABEL_VALUE_FMT: &str = "(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?";
const LABEL_VALUE_MSG: &str = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";

pub const DNS1123_LABEL_MAX: usize = 63;
pub const DNS1123_SUBDOMAIN_MAX: usize = 253;
pub const DNS1035_LABEL_MAX: usize = 63;
pub const QUALIFIED_NAME_MAX: usize = 63;
pub const LABEL_VALUE_MAX: usize = 63;

/// `MaxLenError`.
pub fn max_len_error(n: usize) -> String {
    format!("must be no more than {n} characters")
}

/// `RegexError(msg, fmt, examples...)`: note the two spaces after each example's comma.
pub fn regex_error(msg: &str, fmt: &str, examples: &[&str]) -> String {
    if examples.is_empty() {
        return format!("{msg} (regex used for validation is '{fmt}')");
    }
    let mut s = format!("{msg} (e.g. ");
    for (i, e) in examples.iter().enumerate() {
        if i > 0 {
            s.push_str(" or ");
        }
        s.push_str(&format!("'{e}', "));
    }
    s.push_str(&format!("regex used for validation is '{fmt}')"));
    s
}

fn is_lower_alnum(b: u8) -> bool {
    b.is_ascii_lowercase() || b.is_ascii_digit()
}

/// `[a-z0-9]([-a-z0-9]*[a-z0-9])?`
fn matches_dns1123_label(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && is_lower_alnum(b[0])
        && is_lower_alnum(b[b.len() - 1])
        && b.iter().all(|&c| is_lower_alnum(c) || c == b'-')
}

fn matches_dns1123_subdomain(s: &str) -> bool {
    s.split('.').all(matches_dns1123_label)
}

/// `[a-z]([-a-z0-9]*[a-z0-9])?`
fn matches_dns1035_label(s: &str) -> bool {
    let b = s.as_bytes();
    matches_dns1123_label(s) && b[0].is_ascii_lowercase()
}

/// `([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]`
fn matches_qualified_name_part(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
        && b.iter()
            .all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
}

/// `IsDNS1123Label`.
pub fn is_dns1123_label(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if value.len() > DNS1123_LABEL_MAX {
        errs.push(max_len_error(DNS1123_LABEL_MAX));
    }
    if !matches_dns1123_label(value) {
        if matches_dns1123_subdomain(value) {
            errs.push("must not contain dots".to_string());
        } else {
            errs.push(regex_error(
                DNS1123_LABEL_MSG,
                DNS1123_LABEL_FMT,
                &["my-name", "123-abc"],
            ));
        }
    }
    errs
}

/// `IsDNS1123Subdomain`.
pub fn is_dns1123_subdomain(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if value.len() > DNS1123_SUBDOMAIN_MAX {
        errs.push(max_len_error(DNS1123_SUBDOMAIN_MAX));
    }
    if !matches_dns1123_subdomain(value) {
        errs.push(regex_error(
            DNS1123_SUBDOMAIN_MSG,
            DNS1123_SUBDOMAIN_FMT,
            &["example.com"],
        ));
    }
    errs
}

/// `IsDNS1035Label`.
pub fn is_dns1035_label(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if value.len() > DNS1035_LABEL_MAX {
        errs.push(max_len_error(DNS1035_LABEL_MAX));
    }
    if !matches_dns1035_label(value) {
        errs.push(regex_error(
            DNS1035_LABEL_MSG,
            DNS1035_LABEL_FMT,
            &["my-name", "abc-123"],
        ));
    }
    errs
}

/// `maskTrailingDash`: a `generateName` may end in `-`, the random suffix follows it.
pub fn mask_trailing_dash(name: &str) -> String {
    if name.len() > 1 && name.ends_with('-') {
        // Go slices bytes: the two last bytes give way to an `a`, whatever they were.
        let bytes = name.as_bytes();
        format!("{}a", String::from_utf8_lossy(&bytes[..bytes.len() - 2]))
    } else {
        name.to_string()
    }
}

/// A name rule of a kind (`ValidateNameFunc`), `prefix` for a `generateName`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NameRule {
    /// Services: `NameIsDNS1035Label`.
    Dns1035Label,
    /// Namespaces: `NameIsDNSLabel`.
    Dns1123Label,
    /// Most kinds (Pods, Deployments, Nodes, EndpointSlices...): `NameIsDNSSubdomain`.
    Dns1123Subdomain,
}

impl NameRule {
    pub fn check(self, name: &str, prefix: bool) -> Vec<String> {
        let name = if prefix {
            mask_trailing_dash(name)
        } else {
            name.to_string()
        };
        match self {
            NameRule::Dns1035Label => is_dns1035_label(&name),
            NameRule::Dns1123Label => is_dns1123_label(&name),
            NameRule::Dns1123Subdomain => is_dns1123_subdomain(&name),
        }
    }
}

fn prefix_each(msgs: Vec<String>, prefix: &str) -> Vec<String> {
    msgs.into_iter().map(|m| format!("{prefix}{m}")).collect()
}

/// The shared body of `IsQualifiedName` and `IsLabelKey`; they differ only in the words
/// of the "too many slashes" message.
fn qualified(value: &str, whole: &str) -> Vec<String> {
    let mut errs = Vec::new();
    let parts: Vec<&str> = value.split('/').collect();
    let name = match parts.as_slice() {
        [name] => *name,
        [prefix, name] => {
            if prefix.is_empty() {
                errs.push("prefix part must be non-empty".to_string());
            } else {
                let msgs = is_dns1123_subdomain(prefix);
                errs.extend(prefix_each(msgs, "prefix part "));
            }
            *name
        }
        _ => {
            errs.push(format!(
                "{whole} {} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
                regex_error(
                    QUALIFIED_NAME_MSG,
                    QUALIFIED_NAME_FMT,
                    &["MyName", "my.name", "123-abc"]
                )
            ));
            return errs;
        }
    };
    if name.is_empty() {
        errs.push("name part must be non-empty".to_string());
    } else if name.len() > QUALIFIED_NAME_MAX {
        errs.push(format!("name part {}", max_len_error(QUALIFIED_NAME_MAX)));
    }
    if !matches_qualified_name_part(name) {
        errs.push(format!(
            "name part {}",
            regex_error(
                QUALIFIED_NAME_MSG,
                QUALIFIED_NAME_FMT,
                &["MyName", "my.name", "123-abc"]
            )
        ));
    }
    errs
}

/// `IsQualifiedName` (appProtocol, loadBalancerClass, finalizers).
pub fn is_qualified_name(value: &str) -> Vec<String> {
    qualified(value, "a qualified name")
}

/// `IsLabelKey` (label and annotation keys, selector keys).
pub fn is_label_key(value: &str) -> Vec<String> {
    qualified(value, "a valid label key")
}

/// `IsValidLabelValue`.
pub fn is_valid_label_value(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if value.len() > LABEL_VALUE_MAX {
        errs.push(max_len_error(LABEL_VALUE_MAX));
    }
    if !(value.is_empty() || matches_qualified_name_part(value)) {
        errs.push(regex_error(
            LABEL_VALUE_MSG,
            LABEL_VALUE_FMT,
            &["MyValue", "my_value", "12345"],
        ));
    }
    errs
}

/// `IsConfigMapKey`: at most 253 characters of `[-._a-zA-Z0-9]`, and not `.`, `..` or
/// a name starting with `..`.
pub fn is_config_map_key(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if value.len() > 253 {
        errs.push(max_len_error(253));
    }
    let charset = |c: u8| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_');
    if value.is_empty() || !value.bytes().all(charset) {
        errs.push(regex_error(
            "a valid config key must consist of alphanumeric characters, '-', '_' or '.'",
            "[-._a-zA-Z0-9]+",
            &["key.name", "KEY_NAME", "key-name"],
        ));
    }
    if value == "." {
        errs.push("must not be '.'".to_string());
    } else if value == ".." {
        errs.push("must not be '..'".to_string());
    } else if value.starts_with("..") {
        errs.push("must not start with '..'".to_string());
    }
    errs
}

/// `IsValidPortNum`.
pub fn is_valid_port_num(port: i64) -> Vec<String> {
    if (1..=65535).contains(&port) {
        Vec::new()
    } else {
        vec!["must be between 1 and 65535, inclusive".to_string()]
    }
}

/// `IsValidPortName` (IANA_SVC_NAME): each failing check is its own message.
pub fn is_valid_port_name(port: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if port.len() > 15 {
        errs.push(max_len_error(15));
    }
    let b = port.as_bytes();
    if b.is_empty() || !b.iter().all(|&c| is_lower_alnum(c) || c == b'-') {
        errs.push(
            "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)".to_string(),
        );
    }
    if !b.iter().any(u8::is_ascii_lowercase) {
        errs.push("must contain at least one letter (a-z)".to_string());
    }
    if port.contains("--") {
        errs.push("must not contain consecutive hyphens".to_string());
    }
    if !b.is_empty() && (b[0] == b'-' || b[b.len() - 1] == b'-') {
        errs.push("must not begin or end with a hyphen".to_string());
    }
    errs
}

/// `IsValidIP` with the legacy (sloppy) parser, StrictIPCIDRValidation being off in v1.35.
pub fn is_valid_ip(value: &str) -> Vec<String> {
    if parse_ip_sloppy(value).is_some() {
        Vec::new()
    } else {
        vec!["must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)".to_string()]
    }
}

/// `IsValidCIDR` with the legacy (sloppy) parser.
pub fn is_valid_cidr(value: &str) -> Vec<String> {
    if Cidr::parse_sloppy(value).is_some() {
        Vec::new()
    } else {
        vec!["must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)".to_string()]
    }
}

/// An address as Go's `net.IP` methods see it: IPv4-mapped IPv6 counts as IPv4.
fn unmap(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// `ValidateNonSpecialIP`'s messages, each that applies (the value was already checked to
/// be an IP).
pub fn non_special_ip(value: &str) -> Vec<String> {
    let Some(ip) = parse_ip_sloppy(value).map(unmap) else {
        return vec!["must be a valid IP address".to_string()];
    };
    let mut errs = Vec::new();
    if ip.is_unspecified() {
        errs.push(format!("may not be unspecified ({value})"));
    }
    if ip.is_loopback() {
        errs.push("may not be in the loopback range (127.0.0.0/8, ::1/128)".to_string());
    }
    let link_local_unicast = match ip {
        IpAddr::V4(a) => a.octets()[0] == 169 && a.octets()[1] == 254,
        IpAddr::V6(a) => a.segments()[0] & 0xffc0 == 0xfe80,
    };
    if link_local_unicast {
        errs.push("may not be in the link-local range (169.254.0.0/16, fe80::/10)".to_string());
    }
    let link_local_multicast = match ip {
        IpAddr::V4(a) => a.octets()[0] == 224 && a.octets()[1] == 0 && a.octets()[2] == 0,
        IpAddr::V6(a) => a.octets()[0] == 0xff && a.octets()[1] & 0x0f == 0x02,
    };
    if link_local_multicast {
        errs.push(
            "may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)".to_string(),
        );
    }
    errs
}

/// Go's `net.IP.String()` of a parsed address (IPv4-mapped shown as IPv4).
fn go_ip_string(ip: IpAddr) -> String {
    unmap(ip).to_string()
}

/// `GetWarningsForIP`: non-canonical IPs are accepted with a warning while
/// StrictIPCIDRValidation is off.
pub fn warnings_for_ip(path: &str, value: &str) -> Vec<String> {
    let Some(ip) = parse_ip_sloppy(value) else {
        return Vec::new();
    };
    // `netip.ParseAddr` rejects leading zeros; `Is4In6` catches mapped addresses.
    let strict = value.parse::<IpAddr>().ok();
    let mapped = matches!(strict, Some(IpAddr::V6(v6)) if v6.to_ipv4_mapped().is_some());
    if strict.is_none() || mapped {
        return vec![format!(
            "{path}: non-standard IP address {value:?} will be considered invalid in a future Kubernetes release: use {:?}",
            go_ip_string(ip)
        )];
    }
    if let Some(IpAddr::V6(v6)) = strict {
        let canonical = v6.to_string();
        if canonical != value {
            return vec![format!(
                "{path}: IPv6 address {value:?} should be in RFC 5952 canonical format ({canonical:?})"
            )];
        }
    }
    Vec::new()
}

/// `GetWarningsForCIDR`.
pub fn warnings_for_cidr(path: &str, value: &str) -> Vec<String> {
    let Some(cidr) = Cidr::parse_sloppy(value) else {
        return Vec::new();
    };
    let mut warnings = Vec::new();
    let (ip_text, _) = value.split_once('/').unwrap_or((value, ""));
    let written = parse_ip_sloppy(ip_text).map(unmap);
    let network = cidr.to_string();
    if let Some(ip) = written {
        if ip != cidr.addr {
            let bits = cidr.family().bits();
            warnings.push(format!(
                "{path}: CIDR value {value:?} is ambiguous in this context (should be {network:?} or {:?}?)",
                format!("{}/{bits}", go_ip_string(ip))
            ));
        }
    }
    let strict_ip = ip_text.parse::<IpAddr>().ok();
    let strict_prefix = value
        .split_once('/')
        .map(|(_, p)| {
            !p.is_empty()
                && p.bytes().all(|b| b.is_ascii_digit())
                && !(p.len() > 1 && p.starts_with('0'))
        })
        .unwrap_or(false);
    let mapped = matches!(strict_ip, Some(IpAddr::V6(v6)) if v6.to_ipv4_mapped().is_some());
    if strict_ip.is_none() || !strict_prefix || mapped {
        warnings.push(format!(
            "{path}: non-standard CIDR value {value:?} will be considered invalid in a future Kubernetes release: use {network:?}"
        ));
    } else if let Some(IpAddr::V6(v6)) = strict_ip {
        let prefix = value.split_once('/').map_or("", |(_, p)| p);
        let canonical = format!("{v6}/{prefix}");
        if canonical != value {
            warnings.push(format!(
                "{path}: IPv6 CIDR value {value:?} should be in RFC 5952 canonical format ({canonical:?})"
            ));
        }
    }
    warnings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(
            is_dns1123_label("HTTP"),
            vec![
                "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
            ]
        );
        assert_eq!(is_dns1123_label("a.b"), vec!["must not contain dots"]);
        assert_eq!(
            is_dns1035_label(&"a".repeat(64)),
            vec!["must be no more than 63 characters"]
        );
        assert!(is_dns1035_label("1-web")[0].starts_with("a DNS-1035 label"));
        assert!(is_dns1123_subdomain("foo.bar.example.com").is_empty());
        assert_eq!(is_label_key("a/b/c").len(), 1);
        assert!(is_label_key("a/b/c")[0].starts_with("a valid label key must consist"));
        assert!(
            is_qualified_name("Bad/LoadBalancerClass")[0]
                .starts_with("prefix part a lowercase RFC 1123 subdomain")
        );
        assert_eq!(is_label_key("/x"), vec!["prefix part must be non-empty"]);
        assert!(is_valid_label_value("").is_empty());
    }

    #[test]
    fn port_names() {
        assert_eq!(
            is_valid_port_name("Web_Server_Port_1"),
            vec![
                "must be no more than 15 characters",
                "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)"
            ]
        );
        assert_eq!(
            is_valid_port_name("8080"),
            vec!["must contain at least one letter (a-z)"]
        );
        assert_eq!(
            is_valid_port_name("-a--b"),
            vec![
                "must not contain consecutive hyphens",
                "must not begin or end with a hyphen"
            ]
        );
    }

    #[test]
    fn special_ips_and_warnings() {
        assert_eq!(
            non_special_ip("0.0.0.0"),
            vec!["may not be unspecified (0.0.0.0)"]
        );
        assert_eq!(non_special_ip("::ffff:127.0.0.1").len(), 1);
        assert!(non_special_ip("224.0.0.5")[0].contains("multicast"));
        assert!(non_special_ip("8.8.8.8").is_empty());
        assert_eq!(
            warnings_for_ip("spec.clusterIPs[0]", "010.096.000.010"),
            vec![
                "spec.clusterIPs[0]: non-standard IP address \"010.096.000.010\" will be considered invalid in a future Kubernetes release: use \"10.96.0.10\""
            ]
        );
        assert_eq!(
            warnings_for_ip("spec.externalIPs[0]", "2001:DB8::1"),
            vec![
                "spec.externalIPs[0]: IPv6 address \"2001:DB8::1\" should be in RFC 5952 canonical format (\"2001:db8::1\")"
            ]
        );
        assert_eq!(
            warnings_for_cidr("spec.loadBalancerSourceRanges[0]", "10.0.0.1/24"),
            vec![
                "spec.loadBalancerSourceRanges[0]: CIDR value \"10.0.0.1/24\" is ambiguous in this context (should be \"10.0.0.0/24\" or \"10.0.0.1/32\"?)"
            ]
        );
        assert!(warnings_for_cidr("x", "10.0.0.0/8").is_empty());
    }
}
