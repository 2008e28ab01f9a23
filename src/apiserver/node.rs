//! Node and ServiceCIDR validation (v1.35): `ValidateNode`'s spec checks from
//! `pkg/apis/core/validation` and `ValidateServiceCIDR` from
//! `pkg/apis/networking/validation`, with their messages, paths and order.
//!
//! Ported for Nodes: `validateNodeTaints` (key, value, effect, a key and effect pair
//! written twice; upstream reports them under `metadata.taints`, as its field path is
//! built from `metadata`) and the `podCIDRs` rules (valid CIDRs, one per family,
//! no duplicates). Not ported: the node's annotations rule, `ValidateNodeResources`
//! (capacity and allocatable), `configSource`.

use super::field::{BadValue, ErrorList, FieldError};
use super::names;
use super::pod::{list, text};
use crate::manifest::yaml::Node;
use crate::model::ip::{Cidr, IpFamily};
use crate::quote;
use std::collections::BTreeSet;

/// Whether a list of CIDRs holds exactly one of each family (`IsDualStackCIDRStrings`).
fn dual_stack(cidrs: &[&str]) -> bool {
    let families: Vec<Option<IpFamily>> = cidrs
        .iter()
        .map(|c| Cidr::parse_sloppy(c).map(|c| c.family()))
        .collect();
    families.len() == 2 && families.iter().all(Option::is_some) && families[0] != families[1]
}

/// `ValidateNode`'s part after the metadata.
pub fn validate_node(node: &Node) -> ErrorList {
    let mut errs = ErrorList::new();
    let spec = node.get("spec");
    let mut unique: BTreeSet<(&str, &str)> = BTreeSet::new();
    for (i, taint) in list(spec, "taints").iter().enumerate() {
        let at = format!("metadata.taints[{i}]");
        let key = text(Some(taint), "key").unwrap_or("");
        for msg in names::is_label_key(key) {
            errs.push(FieldError::invalid(
                format!("{at}.key"),
                BadValue::go_string(key),
                msg,
            ));
        }
        let value = text(Some(taint), "value").unwrap_or("");
        let value_errs = names::is_valid_label_value(value);
        if !value_errs.is_empty() {
            errs.push(FieldError::invalid(
                format!("{at}.value"),
                BadValue::go_string(value),
                value_errs.join(";"),
            ));
        }
        let effect = text(Some(taint), "effect").unwrap_or("");
        match effect {
            "" => errs.push(FieldError::required(format!("{at}.effect"), "")),
            "NoSchedule" | "PreferNoSchedule" | "NoExecute" => {}
            other => errs.push(FieldError::not_supported(
                format!("{at}.effect"),
                BadValue::named_string(other),
                &["NoSchedule", "PreferNoSchedule", "NoExecute"],
            )),
        }
        if !unique.insert((effect, key)) {
            let mut duplicate = FieldError::duplicate(
                at.clone(),
                BadValue::Json(format!(
                    "{{\"Key\":{},\"Value\":{},\"Effect\":{},\"TimeAdded\":null}}",
                    quote::json(key),
                    quote::json(value),
                    quote::json(effect)
                )),
            );
            duplicate.detail = "taints must be unique by key and effect pair".into();
            errs.push(duplicate);
        }
    }
    // The v1 → internal conversion makes `podCIDRs` from `podCIDR` when only that is set.
    let mut cidrs: Vec<&str> = list(spec, "podCIDRs")
        .iter()
        .map(|c| c.as_str().unwrap_or(""))
        .collect();
    if cidrs.is_empty() {
        cidrs.extend(text(spec, "podCIDR").filter(|c| !c.is_empty()));
    }
    for (i, cidr) in cidrs.iter().enumerate() {
        for msg in names::is_valid_cidr(cidr) {
            errs.push(FieldError::invalid(
                format!("spec.podCIDRs[{i}]"),
                BadValue::go_string(cidr),
                msg,
            ));
        }
    }
    if cidrs.len() > 1 {
        if !dual_stack(&cidrs) {
            let owned: Vec<String> = cidrs.iter().map(|c| c.to_string()).collect();
            errs.push(FieldError::invalid(
                "spec.podCIDRs",
                BadValue::Json(quote::json_list(&owned)),
                "may specify no more than one CIDR for each IP family",
            ));
        }
        let mut seen = BTreeSet::new();
        for (i, cidr) in cidrs.iter().enumerate() {
            if !seen.insert(*cidr) {
                errs.push(FieldError::duplicate(
                    format!("spec.podCIDRs[{i}]"),
                    BadValue::go_string(cidr),
                ));
            }
        }
    }
    errs
}

/// `ValidateServiceCIDR`'s part after the metadata: one or two CIDRs, one per family,
/// each valid.
pub fn validate_service_cidr(service_cidr: &Node) -> ErrorList {
    let spec = service_cidr.get("spec");
    let cidrs: Vec<&str> = list(spec, "cidrs")
        .iter()
        .map(|c| c.as_str().unwrap_or(""))
        .collect();
    let owned: Vec<String> = cidrs.iter().map(|c| c.to_string()).collect();
    // The value is the internal ServiceCIDRSpec, which has no json tags.
    let spec_json = || BadValue::Json(format!("{{\"CIDRs\":{}}}", quote::json_list(&owned)));
    if cidrs.is_empty() {
        return vec![FieldError::required(
            "spec.cidrs",
            "at least one CIDR required",
        )];
    }
    if cidrs.len() > 2 {
        return vec![FieldError::invalid(
            "spec.cidrs",
            spec_json(),
            "may only hold up to 2 values",
        )];
    }
    if cidrs.len() == 2 && !dual_stack(&cidrs) {
        return vec![FieldError::invalid(
            "spec.cidrs",
            spec_json(),
            "may specify no more than one IP for each IP family, i.e 192.168.0.0/24 and 2001:db8::/64",
        )];
    }
    let mut errs = ErrorList::new();
    for (i, cidr) in cidrs.iter().enumerate() {
        for msg in names::is_valid_cidr(cidr) {
            errs.push(FieldError::invalid(
                format!("spec.cidrs[{i}]"),
                BadValue::go_string(cidr),
                msg,
            ));
        }
    }
    errs
}
