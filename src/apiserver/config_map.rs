//! `ValidateConfigMap` of `pkg/apis/core/validation` (v1.35): every key of `data` and
//! `binaryData` is a config key (`IsConfigMapKey`), no key is in both, and the values
//! together stay within 1 MiB (`MaxSecretSize`). Go walks the maps in random order;
//! svcplay walks them sorted, so the order is stable.

use super::field::{BadValue, ErrorList, FieldError};
use super::names;
use crate::manifest::yaml::Node;

/// `core.MaxSecretSize`, which ConfigMaps share.
const MAX_SIZE: usize = 1024 * 1024;

/// `ValidateConfigMap`'s part after the metadata.
pub fn validate_config_map(config_map: &Node) -> ErrorList {
    let mut errs = ErrorList::new();
    let entries = |field: &str| -> Vec<(String, &Node)> {
        let mut out: Vec<(String, &Node)> = config_map
            .get(field)
            .and_then(Node::entries)
            .unwrap_or(&[])
            .iter()
            .map(|e| (e.key.key_string().unwrap_or_default(), &e.value))
            .collect();
        crate::sort::sort_by_key(&mut out, |(k, _)| k.clone());
        out
    };
    let data = entries("data");
    let binary = entries("binaryData");
    let mut total = 0usize;
    for (key, value) in &data {
        for msg in names::is_config_map_key(key) {
            errs.push(FieldError::invalid(
                format!("data[{key}]"),
                BadValue::go_string(key),
                msg,
            ));
        }
        if binary.iter().any(|(k, _)| k == key) {
            errs.push(FieldError::invalid(
                format!("data[{key}]"),
                BadValue::go_string(key),
                "duplicate of key present in binaryData",
            ));
        }
        total += value.as_str().map_or(0, str::len);
    }
    for (key, value) in &binary {
        for msg in names::is_config_map_key(key) {
            errs.push(FieldError::invalid(
                format!("binaryData[{key}]"),
                BadValue::go_string(key),
                msg,
            ));
        }
        // The decoded length of the base64 text.
        let text = value.as_str().unwrap_or("");
        let padding = text.bytes().rev().take_while(|b| *b == b'=').count();
        total += (text.len() / 4 * 3).saturating_sub(padding);
    }
    if total > MAX_SIZE {
        errs.push(FieldError::too_long("", MAX_SIZE));
    }
    errs
}
