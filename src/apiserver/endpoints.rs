//! Validation of hand-written endpoints: `ValidateEndpointSlice` of
//! `pkg/apis/discovery/validation` and `ValidateEndpoints` of `pkg/apis/core/validation`
//! (v1.35), with their messages, field paths and order. Learners write these for
//! selector-less Services.
//!
//! Ported: `validateAddressType`, `validateEndpoints` (addresses required, each checked
//! against the slice's address type with `IsValidIPv4Address` / `IsValidIPv6Address` /
//! `IsFullyQualifiedDomainName`, and IP addresses then always with `ValidateEndpointIP`;
//! `nodeName`; `hostname`),
//! `validatePorts` (names, duplicates, protocols, `appProtocol`); `validateEndpointSubsets`,
//! `validateEndpointAddress` and `validateEndpointPort`.
//!
//! Not ported: the limits on counts (1,000 endpoints, 100 addresses, 20,000 ports), the
//! topology hints and `deprecatedTopology`, and the Endpoints annotations rule.

use super::field::{BadValue, ErrorList, FieldError};
use super::meta::validate_labels;
use super::names;
use super::pod::{PORT_PROTOCOLS, list, string_map, text, validate_dns1123_label};
use crate::manifest::yaml::Node;
use crate::model::ip::parse_ip_sloppy;
use std::collections::BTreeSet;

/// `ValidateEndpointSlice`'s part after the metadata.
pub fn validate_endpoint_slice(slice: &Node) -> ErrorList {
    let mut errs = ErrorList::new();
    let address_type = text(Some(slice), "addressType").unwrap_or("");
    match address_type {
        "" => errs.push(FieldError::required("addressType", "")),
        "IPv4" | "IPv6" | "FQDN" => {}
        other => errs.push(FieldError::not_supported(
            "addressType",
            BadValue::named_string(other),
            &["FQDN", "IPv4", "IPv6"],
        )),
    }
    for (i, endpoint) in list(Some(slice), "endpoints").iter().enumerate() {
        let at = format!("endpoints[{i}]");
        let addresses = list(Some(endpoint), "addresses");
        if addresses.is_empty() {
            errs.push(FieldError::required(
                format!("{at}.addresses"),
                "must contain at least 1 address",
            ));
        }
        for (j, address) in addresses.iter().enumerate() {
            let path = format!("{at}.addresses[{j}]");
            let address = address.as_str().unwrap_or("");
            let family_error = match address_type {
                "IPv4" => parse_ip_sloppy(address)
                    .filter(|ip| ip.is_ipv4() || is_v4_mapped(ip))
                    .is_none()
                    .then_some("must be a valid IPv4 address"),
                "IPv6" => parse_ip_sloppy(address)
                    .filter(|ip| ip.is_ipv6() && !is_v4_mapped(ip))
                    .is_none()
                    .then_some("must be a valid IPv6 address"),
                "FQDN" => {
                    errs.extend(fully_qualified_domain_name(&path, address));
                    continue;
                }
                _ => continue,
            };
            // Both checks run, whatever the first found: `validateEndpoints` appends
            // `IsValidIPv4Address` (or `IsValidIPv6Address`) and then `ValidateEndpointIP`,
            // so an unparsable address is reported twice and `::1` in an IPv4 slice as
            // both the wrong family and loopback.
            if let Some(msg) = family_error {
                errs.push(FieldError::invalid(
                    &path,
                    BadValue::go_string(address),
                    msg,
                ));
            }
            errs.extend(validate_endpoint_ip(address, &path));
        }
        if let Some(node_name) = text(Some(endpoint), "nodeName") {
            for msg in names::is_dns1123_subdomain(node_name) {
                errs.push(FieldError::invalid(
                    format!("{at}.nodeName"),
                    BadValue::go_string(node_name),
                    msg,
                ));
            }
        }
        if let Some(topology) = string_map(Some(endpoint), "deprecatedTopology") {
            errs.extend(validate_labels(
                &topology,
                &format!("{at}.deprecatedTopology"),
            ));
        }
        if let Some(hostname) = text(Some(endpoint), "hostname") {
            errs.extend(validate_dns1123_label(hostname, &format!("{at}.hostname")));
        }
    }
    let mut port_names = BTreeSet::new();
    for (i, port) in list(Some(slice), "ports").iter().enumerate() {
        let at = format!("ports[{i}]");
        // `name` and `protocol` are defaulted to "" and TCP.
        let name = text(Some(port), "name").unwrap_or("");
        if !name.is_empty() {
            errs.extend(validate_dns1123_label(name, &format!("{at}.name")));
        }
        if !port_names.insert(name) {
            errs.push(FieldError::duplicate(
                format!("{at}.name"),
                BadValue::go_string(name),
            ));
        }
        let protocol = text(Some(port), "protocol").unwrap_or("TCP");
        if !PORT_PROTOCOLS.contains(&protocol) {
            errs.push(FieldError::not_supported(
                format!("{at}.protocol"),
                BadValue::named_string(protocol),
                &PORT_PROTOCOLS,
            ));
        }
        if let Some(app_protocol) = text(Some(port), "appProtocol") {
            for msg in names::is_qualified_name(app_protocol) {
                errs.push(FieldError::invalid(
                    format!("{at}.appProtocol"),
                    BadValue::go_string(app_protocol),
                    msg,
                ));
            }
        }
    }
    errs
}

fn is_v4_mapped(ip: &std::net::IpAddr) -> bool {
    matches!(ip, std::net::IpAddr::V6(v6) if v6.to_ipv4_mapped().is_some())
}

/// `ValidateEndpointIP`: no unspecified, loopback or link-local address.
fn validate_endpoint_ip(address: &str, path: &str) -> ErrorList {
    names::non_special_ip(address)
        .into_iter()
        .map(|msg| FieldError::invalid(path, BadValue::go_string(address), msg))
        .collect()
}

/// `IsFullyQualifiedDomainName`: after a trailing dot is dropped, a DNS subdomain (its
/// messages joined by commas) of at least two labels, each a DNS label; the first
/// failing check is the only error.
fn fully_qualified_domain_name(path: &str, name: &str) -> ErrorList {
    if name.is_empty() {
        return vec![FieldError::required(path, "")];
    }
    let name = name.strip_suffix('.').unwrap_or(name);
    let invalid =
        |value: &str, msg: String| vec![FieldError::invalid(path, BadValue::go_string(value), msg)];
    let errs = names::is_dns1123_subdomain(name);
    if !errs.is_empty() {
        return invalid(name, errs.join(","));
    }
    if name.split('.').count() < 2 {
        return invalid(
            name,
            "should be a domain with at least two segments separated by dots".into(),
        );
    }
    for label in name.split('.') {
        let errs = names::is_dns1123_label(label);
        if !errs.is_empty() {
            return invalid(label, errs.join(","));
        }
    }
    Vec::new()
}

/// `ValidateEndpoints`' part after the metadata: `validateEndpointSubsets`.
pub fn validate_endpoints(endpoints: &Node) -> ErrorList {
    let mut errs = ErrorList::new();
    for (i, subset) in list(Some(endpoints), "subsets").iter().enumerate() {
        let at = format!("subsets[{i}]");
        let addresses = list(Some(subset), "addresses");
        let not_ready = list(Some(subset), "notReadyAddresses");
        if addresses.is_empty() && not_ready.is_empty() {
            errs.push(FieldError::required(
                &at,
                "must specify `addresses` or `notReadyAddresses`",
            ));
        }
        for (field, items) in [("addresses", addresses), ("notReadyAddresses", not_ready)] {
            for (j, address) in items.iter().enumerate() {
                errs.extend(validate_endpoint_address(
                    address,
                    &format!("{at}.{field}[{j}]"),
                ));
            }
        }
        let ports = list(Some(subset), "ports");
        for (j, port) in ports.iter().enumerate() {
            errs.extend(validate_endpoint_port(
                port,
                ports.len() > 1,
                &format!("{at}.ports[{j}]"),
            ));
        }
    }
    errs
}

/// `validateEndpointAddress`: a valid IP (the special ranges checked only when nothing
/// else failed), a DNS-label hostname, a valid node name.
fn validate_endpoint_address(address: &Node, path: &str) -> ErrorList {
    let mut errs = ErrorList::new();
    let ip = text(Some(address), "ip").unwrap_or("");
    for msg in names::is_valid_ip(ip) {
        errs.push(FieldError::invalid(
            format!("{path}.ip"),
            BadValue::go_string(ip),
            msg,
        ));
    }
    if let Some(hostname) = text(Some(address), "hostname").filter(|h| !h.is_empty()) {
        errs.extend(validate_dns1123_label(
            hostname,
            &format!("{path}.hostname"),
        ));
    }
    if let Some(node_name) = text(Some(address), "nodeName") {
        for msg in names::is_dns1123_subdomain(node_name) {
            errs.push(FieldError::invalid(
                format!("{path}.nodeName"),
                BadValue::go_string(node_name),
                msg,
            ));
        }
    }
    if errs.is_empty() {
        errs.extend(validate_endpoint_ip(ip, &format!("{path}.ip")));
    }
    errs
}

/// `validateEndpointPort`: a name (required when the subset has several ports), a port
/// number in range, a supported protocol (TCP by default), a qualified `appProtocol`.
fn validate_endpoint_port(port: &Node, require_name: bool, path: &str) -> ErrorList {
    let mut errs = ErrorList::new();
    let name = text(Some(port), "name").unwrap_or("");
    if require_name && name.is_empty() {
        errs.push(FieldError::required(format!("{path}.name"), ""));
    } else if !name.is_empty() {
        errs.extend(validate_dns1123_label(name, &format!("{path}.name")));
    }
    let number = super::pod::int(Some(port), "port").unwrap_or(0);
    for msg in names::is_valid_port_num(number) {
        errs.push(FieldError::invalid(
            format!("{path}.port"),
            BadValue::int(number),
            msg,
        ));
    }
    let protocol = text(Some(port), "protocol").unwrap_or("TCP");
    if !PORT_PROTOCOLS.contains(&protocol) {
        errs.push(FieldError::not_supported(
            format!("{path}.protocol"),
            BadValue::named_string(protocol),
            &PORT_PROTOCOLS,
        ));
    }
    if let Some(app_protocol) = text(Some(port), "appProtocol") {
        for msg in names::is_qualified_name(app_protocol) {
            errs.push(FieldError::invalid(
                format!("{path}.appProtocol"),
                BadValue::go_string(app_protocol),
                msg,
            ));
        }
    }
    errs
}
