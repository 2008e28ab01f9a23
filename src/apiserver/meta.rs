//! `metadata` checks every kind gets: `ValidateObjectMeta` (apimachinery v0.35) plus the
//! core package's finalizer rule.
//!
//! Run after a kind's own defaulting and allocation, as part of its create validation. The
//! map-valued fields (labels, annotations) report the map's path with the bad key or value
//! as the value, so each error also carries an editor path naming the key.

use super::field::{BadValue, ErrorList, FieldError};
use super::names::{self, NameRule};
use crate::manifest::yaml::Node;
use crate::model::ObjectMeta;

/// `TotalAnnotationSizeLimitB`: 256 KiB of keys and values together.
pub const TOTAL_ANNOTATION_SIZE_LIMIT: usize = 256 * 1024;

/// Finalizer names without a `/` that are still valid (`IsStandardFinalizerName`).
const STANDARD_FINALIZERS: &[&str] = &["kubernetes", "orphan", "foregroundDeletion"];

/// `ValidateObjectMeta(meta, requiresNamespace, nameFn, "metadata")`. `node` is the
/// object's YAML tree, for the fields the typed model does not keep (generation,
/// finalizers).
pub fn validate_object_meta(
    meta: &ObjectMeta,
    node: &Node,
    namespaced: bool,
    rule: NameRule,
) -> ErrorList {
    let mut errs = ErrorList::new();
    if let Some(generate) = meta.generate_name.as_deref().filter(|g| !g.is_empty()) {
        for msg in rule.check(generate, true) {
            errs.push(FieldError::invalid(
                "metadata.generateName",
                BadValue::go_string(generate),
                msg,
            ));
        }
    }
    if meta.name.is_empty() {
        errs.push(FieldError::required(
            "metadata.name",
            "name or generateName is required",
        ));
    } else {
        for msg in rule.check(&meta.name, false) {
            errs.push(FieldError::invalid(
                "metadata.name",
                BadValue::go_string(&meta.name),
                msg,
            ));
        }
    }
    if namespaced {
        if meta.namespace.is_empty() {
            errs.push(FieldError::required("metadata.namespace", ""));
        } else {
            for msg in names::is_dns1123_label(&meta.namespace) {
                errs.push(FieldError::invalid(
                    "metadata.namespace",
                    BadValue::go_string(&meta.namespace),
                    msg,
                ));
            }
        }
    } else if node
        .get("metadata")
        .and_then(|m| m.get("namespace"))
        .and_then(Node::as_str)
        .is_some_and(|ns| !ns.is_empty())
    {
        // kubectl drops a namespace on cluster-scoped objects before sending them, so this
        // is only reached by other clients; it is kept for completeness.
        errs.push(FieldError::forbidden(
            "metadata.namespace",
            "not allowed on this type",
        ));
    }
    if let Some(generation) = node
        .get("metadata")
        .and_then(|m| m.get("generation"))
        .and_then(Node::as_int)
        .filter(|g| *g < 0)
    {
        errs.push(FieldError::invalid(
            "metadata.generation",
            BadValue::int(generation),
            "must be greater than or equal to 0",
        ));
    }
    errs.extend(validate_labels(&meta.labels, "metadata.labels"));
    errs.extend(validate_annotations(&meta.annotations));
    errs.extend(validate_owner_references(meta));
    errs.extend(validate_finalizers(node));
    errs
}

/// `ValidateLabels`: every key (label-key rules) and value (label-value rules). Go walks
/// the map in random order; svcplay walks it sorted, so the order is stable (a stored
/// object's `StringMap` or a map read from the request).
pub fn validate_labels<'a>(
    labels: impl IntoIterator<Item = (&'a String, &'a String)>,
    path: &str,
) -> ErrorList {
    let mut errs = ErrorList::new();
    for (key, value) in labels {
        let at = format!("{path}[{key}]");
        for msg in names::is_label_key(key) {
            errs.push(FieldError::invalid(path, BadValue::go_string(key), msg).at(at.clone()));
        }
        for msg in names::is_valid_label_value(value) {
            errs.push(FieldError::invalid(path, BadValue::go_string(value), msg).at(at.clone()));
        }
    }
    errs
}

/// `ValidateAnnotations`: keys are checked lower-cased (upper case is allowed), the value
/// shown is the key as written; then the total size.
pub fn validate_annotations<'a>(
    annotations: impl IntoIterator<Item = (&'a String, &'a String)>,
) -> ErrorList {
    let path = "metadata.annotations";
    let mut errs = ErrorList::new();
    let mut total = 0usize;
    for (key, value) in annotations {
        total += key.len() + value.len();
        for msg in names::is_label_key(&key.to_lowercase()) {
            errs.push(
                FieldError::invalid(path, BadValue::go_string(key), msg)
                    .at(format!("{path}[{key}]")),
            );
        }
    }
    if total > TOTAL_ANNOTATION_SIZE_LIMIT {
        errs.push(FieldError::too_long(path, TOTAL_ANNOTATION_SIZE_LIMIT));
    }
    errs
}

/// `ValidateOwnerReferences`: the identifying fields must be set (paths without an
/// index, as upstream), and at most one reference may be the controller.
fn validate_owner_references(meta: &ObjectMeta) -> ErrorList {
    let mut errs = ErrorList::new();
    let path = "metadata.ownerReferences";
    let mut controller: Option<&str> = None;
    for (i, owner) in meta.owner_references.iter().enumerate() {
        let at = format!("{path}[{i}]");
        let version = owner.api_version.rsplit('/').next().unwrap_or("");
        if version.is_empty() {
            errs.push(
                FieldError::invalid(
                    format!("{path}.apiVersion"),
                    BadValue::go_string(&owner.api_version),
                    "version must not be empty",
                )
                .at(at.clone()),
            );
        }
        for (field, value, bad) in [
            ("kind", &owner.kind, BadValue::go_string(&owner.kind)),
            ("name", &owner.name, BadValue::go_string(&owner.name)),
            ("uid", &owner.uid, BadValue::named_string(&owner.uid)),
        ] {
            if value.is_empty() {
                errs.push(
                    FieldError::invalid(format!("{path}.{field}"), bad, "must not be empty")
                        .at(at.clone()),
                );
            }
        }
        if owner.controller == Some(true) {
            match controller {
                Some(first) => errs.push(
                    FieldError::invalid(
                        path,
                        BadValue::Json(owner_references_json(meta)),
                        format!(
                            "Only one reference can have Controller set to true. Found \"true\" in references for {first} and {}",
                            owner.name
                        ),
                    )
                    .at(at),
                ),
                None => controller = Some(&owner.name),
            }
        }
    }
    errs
}

/// `json.Marshal` of the `[]metav1.OwnerReference`.
fn owner_references_json(meta: &ObjectMeta) -> String {
    use crate::quote;
    let items: Vec<String> = meta
        .owner_references
        .iter()
        .map(|o| {
            let mut s = format!(
                "{{\"apiVersion\":{},\"kind\":{},\"name\":{},\"uid\":{}",
                quote::json(&o.api_version),
                quote::json(&o.kind),
                quote::json(&o.name),
                quote::json(&o.uid)
            );
            if let Some(c) = o.controller {
                s.push_str(&format!(",\"controller\":{c}"));
            }
            if let Some(b) = o.block_owner_deletion {
                s.push_str(&format!(",\"blockOwnerDeletion\":{b}"));
            }
            s.push('}');
            s
        })
        .collect();
    format!("[{}]", items.join(","))
}

/// `ValidateFinalizers` with the core package's extra rule: a name without `/` must be a
/// standard finalizer.
fn validate_finalizers(node: &Node) -> ErrorList {
    let path = "metadata.finalizers";
    let mut errs = ErrorList::new();
    let items = node
        .get("metadata")
        .and_then(|m| m.get("finalizers"))
        .and_then(Node::items)
        .unwrap_or(&[]);
    for (i, item) in items.iter().enumerate() {
        let Some(name) = item.as_str() else { continue };
        let at = format!("{path}[{i}]");
        for msg in names::is_qualified_name(name) {
            errs.push(FieldError::invalid(path, BadValue::go_string(name), msg).at(at.clone()));
        }
        if !name.contains('/') && !STANDARD_FINALIZERS.contains(&name) {
            errs.push(
                FieldError::invalid(
                    path,
                    BadValue::go_string(name),
                    "name is neither a standard finalizer name nor is it fully qualified",
                )
                .at(at),
            );
        }
    }
    errs
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn annotations_have_a_total_size_limit_and_case_free_keys() {
        let mut a = BTreeMap::new();
        a.insert("Example.COM/Owner".to_string(), "x".to_string());
        assert!(validate_annotations(&a).is_empty());
        a.insert("big".to_string(), "v".repeat(TOTAL_ANNOTATION_SIZE_LIMIT));
        let errs: Vec<String> = validate_annotations(&a)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            errs,
            vec!["metadata.annotations: Too long: may not be more than 262144 bytes"]
        );
    }
}
