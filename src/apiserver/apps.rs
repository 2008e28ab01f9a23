//! Workload validation: `pkg/apis/apps/validation` (v1.35) for Deployments, ReplicaSets,
//! StatefulSets and DaemonSets, with unversioned `ValidateLabelSelector`.
//!
//! Ported: `ValidateDeploymentSpec`, `ValidateReplicaSetSpec`, `ValidateStatefulSetSpec`
//! and `ValidateDaemonSetSpec` in their order, with `ValidatePodTemplateSpecForReplicaSet`,
//! `ValidatePodTemplateSpecForStatefulSet` (which, upstream, checks only the template's
//! labels and annotations, not its pod spec) and the selector rules
//! (`ValidateLabelSelector`, `LabelSelectorAsSelector`'s failure, the empty selector, and
//! the template labels the selector must match: the learners' most common mistake).
//!
//! Also ported: `ValidateDeploymentStrategy` with `ValidateRollingUpdateDeployment`
//! (`ValidatePositiveIntOrPercent`, `IsNotMoreThan100Percent`).
//!
//! Not ported: the other update strategies (StatefulSet `updateStrategy`/`ordinals`/PVC
//! retention policy, DaemonSet `updateStrategy`), read-only persistent disks, and `status` (which a create
//! discards). The fields the defaults fill in (`replicas: 1`, the strategies,
//! `podManagementPolicy`, `progressDeadlineSeconds: 600`) are validated as defaulted.

use super::field::{BadValue, ErrorList, FieldError};
use super::meta::validate_labels;
use super::names;
use super::pod::{
    int, json_map, list, string_map, text, validate_nonnegative, validate_pod_template_spec,
};
use crate::manifest::Kind;
use crate::manifest::yaml::Node;
use crate::quote;

/// `ValidateDeployment`/`ReplicaSet`/`StatefulSet`/`DaemonSet`'s spec part (the caller
/// validated the metadata first).
pub fn validate_workload_spec(kind: Kind, object: &Node) -> ErrorList {
    let spec = object.get("spec");
    match kind {
        Kind::Deployment => validate_deployment_spec(spec),
        Kind::ReplicaSet => validate_replica_set_spec(spec),
        Kind::StatefulSet => validate_stateful_set_spec(spec),
        Kind::DaemonSet => validate_daemon_set_spec(spec),
        _ => ErrorList::new(),
    }
}

/// A written `metav1.LabelSelector`, as far as validation looks at it.
struct Selector<'a> {
    match_labels: std::collections::BTreeMap<String, String>,
    /// `(key, operator, values)` of each `matchExpressions` item.
    expressions: Vec<(&'a str, &'a str, Vec<&'a str>)>,
}

impl<'a> Selector<'a> {
    fn read(spec: Option<&'a Node>) -> Option<Selector<'a>> {
        let node = spec?.get("selector").filter(|n| !n.is_null())?;
        let expressions = list(Some(node), "matchExpressions")
            .iter()
            .map(|e| {
                (
                    text(Some(e), "key").unwrap_or(""),
                    text(Some(e), "operator").unwrap_or(""),
                    list(Some(e), "values")
                        .iter()
                        .map(|v| v.as_str().unwrap_or(""))
                        .collect(),
                )
            })
            .collect();
        Some(Selector {
            match_labels: string_map(Some(node), "matchLabels").unwrap_or_default(),
            expressions,
        })
    }

    fn is_empty(&self) -> bool {
        self.match_labels.is_empty() && self.expressions.is_empty()
    }

    /// `json.Marshal` of the selector (`matchLabels`, `matchExpressions`, omitempty).
    fn json(&self) -> String {
        let mut parts = Vec::new();
        if !self.match_labels.is_empty() {
            parts.push(format!(
                "\"matchLabels\":{}",
                json_map(Some(&self.match_labels))
            ));
        }
        if !self.expressions.is_empty() {
            let items: Vec<String> = self
                .expressions
                .iter()
                .map(|(key, op, values)| {
                    let mut s = format!(
                        "{{\"key\":{},\"operator\":{}",
                        quote::json(key),
                        quote::json(op)
                    );
                    if !values.is_empty() {
                        let v: Vec<String> = values.iter().map(|v| quote::json(v)).collect();
                        s.push_str(&format!(",\"values\":[{}]", v.join(",")));
                    }
                    s.push('}');
                    s
                })
                .collect();
            parts.push(format!("\"matchExpressions\":[{}]", items.join(",")));
        }
        format!("{{{}}}", parts.join(","))
    }

    /// `ValidateLabelSelector` (strict label values).
    fn validate(&self, path: &str) -> ErrorList {
        let mut errs = validate_labels(&self.match_labels, &format!("{path}.matchLabels"));
        for (i, (key, op, values)) in self.expressions.iter().enumerate() {
            let at = format!("{path}.matchExpressions[{i}]");
            match *op {
                "In" | "NotIn" if values.is_empty() => errs.push(FieldError::required(
                    format!("{at}.values"),
                    "must be specified when `operator` is 'In' or 'NotIn'",
                )),
                "Exists" | "DoesNotExist" if !values.is_empty() => {
                    errs.push(FieldError::forbidden(
                        format!("{at}.values"),
                        "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
                    ))
                }
                "In" | "NotIn" | "Exists" | "DoesNotExist" => {}
                other => errs.push(FieldError::invalid(
                    format!("{at}.operator"),
                    BadValue::named_string(other),
                    "not a valid selector operator",
                )),
            }
            for msg in names::is_label_key(key) {
                errs.push(FieldError::invalid(
                    format!("{at}.key"),
                    BadValue::go_string(key),
                    msg,
                ));
            }
            for (j, value) in values.iter().enumerate() {
                for msg in names::is_valid_label_value(value) {
                    errs.push(FieldError::invalid(
                        format!("{at}.values[{j}]"),
                        BadValue::go_string(value),
                        msg,
                    ));
                }
            }
        }
        errs
    }

    /// Whether `LabelSelectorAsSelector` accepts it: every `labels.NewRequirement` it
    /// builds checks the key, the operator, the number of values and each value.
    fn converts(&self) -> bool {
        let key_ok = |k: &str| names::is_label_key(k).is_empty();
        let value_ok = |v: &str| names::is_valid_label_value(v).is_empty();
        self.match_labels
            .iter()
            .all(|(k, v)| key_ok(k) && value_ok(v))
            && self.expressions.iter().all(|(key, op, values)| {
                key_ok(key)
                    && values.iter().all(|v| value_ok(v))
                    && match *op {
                        "In" | "NotIn" => !values.is_empty(),
                        "Exists" | "DoesNotExist" => values.is_empty(),
                        _ => false,
                    }
            })
    }

    /// `selector.Matches(labels.Set(template.Labels))`.
    fn matches(&self, labels: &std::collections::BTreeMap<String, String>) -> bool {
        self.match_labels
            .iter()
            .all(|(k, v)| labels.get(k) == Some(v))
            && self.expressions.iter().all(|(key, op, values)| {
                let value = labels.get(*key).map(String::as_str);
                match *op {
                    "In" => value.is_some_and(|v| values.contains(&v)),
                    "NotIn" => value.is_none_or(|v| !values.contains(&v)),
                    "Exists" => value.is_some(),
                    "DoesNotExist" => value.is_none(),
                    _ => false,
                }
            })
    }
}

/// What `metav1.LabelSelectorAsSelector` made of `spec.selector`.
enum AsSelector {
    /// A nil selector: `labels.Nothing()`, which is not empty and matches nothing.
    Nothing,
    /// No requirements: `labels.Everything()` (empty, so no template check).
    Everything,
    Requirements,
    Error,
}

fn as_selector(selector: Option<&Selector>) -> AsSelector {
    match selector {
        None => AsSelector::Nothing,
        Some(s) if s.is_empty() => AsSelector::Everything,
        Some(s) if s.converts() => AsSelector::Requirements,
        Some(_) => AsSelector::Error,
    }
}

/// The selector rules the Deployment, ReplicaSet and StatefulSet specs share: required,
/// valid, not empty.
fn validate_required_selector(selector: Option<&Selector>, noun: &str) -> ErrorList {
    let mut errs = ErrorList::new();
    match selector {
        None => errs.push(FieldError::required("spec.selector", "")),
        Some(s) => {
            errs.extend(s.validate("spec.selector"));
            if s.is_empty() {
                errs.push(FieldError::invalid(
                    "spec.selector",
                    BadValue::Json(s.json()),
                    format!("empty selector is invalid for {noun}"),
                ));
            }
        }
    }
    errs
}

/// The template's labels must be selected by the workload's own selector.
fn template_labels_error(template: Option<&Node>) -> FieldError {
    let labels = string_map(template.and_then(|t| t.get("metadata")), "labels");
    FieldError::invalid(
        "spec.template.metadata.labels",
        BadValue::Json(json_map(labels.as_ref())),
        "`selector` does not match template `labels`",
    )
}

fn template_labels(template: Option<&Node>) -> std::collections::BTreeMap<String, String> {
    string_map(template.and_then(|t| t.get("metadata")), "labels").unwrap_or_default()
}

/// `ValidatePodTemplateSpecForReplicaSet` (Deployments and ReplicaSets).
fn validate_template_for_replica_set(
    template: Option<&Node>,
    selector: Option<&Selector>,
) -> ErrorList {
    let mut errs = ErrorList::new();
    let selected = match as_selector(selector) {
        AsSelector::Nothing => false,
        AsSelector::Everything => true,
        _ => selector.is_some_and(|s| s.matches(&template_labels(template))),
    };
    if !selected {
        errs.push(template_labels_error(template));
    }
    errs.extend(validate_pod_template_spec(template, "spec.template"));
    errs.extend(template_restart_policy_and_deadline(template, "ReplicaSet"));
    errs
}

/// The template's `restartPolicy` must be `Always` and `activeDeadlineSeconds` unset.
fn template_restart_policy_and_deadline(template: Option<&Node>, kind: &str) -> ErrorList {
    let mut errs = ErrorList::new();
    let spec = template.and_then(|t| t.get("spec"));
    let policy = text(spec, "restartPolicy")
        .filter(|p| !p.is_empty())
        .unwrap_or("Always");
    if policy != "Always" {
        errs.push(FieldError::not_supported(
            "spec.template.spec.restartPolicy",
            BadValue::named_string(policy),
            &["Always"],
        ));
    }
    if spec
        .and_then(|s| s.get("activeDeadlineSeconds"))
        .is_some_and(|n| !n.is_null())
    {
        errs.push(FieldError::forbidden(
            "spec.template.spec.activeDeadlineSeconds",
            &format!("activeDeadlineSeconds in {kind} is not Supported"),
        ));
    }
    errs
}

/// `replicas` after defaulting (1 when unset).
fn replicas(spec: Option<&Node>) -> i64 {
    int(spec, "replicas").unwrap_or(1)
}

/// `ValidateDeploymentSpec`.
fn validate_deployment_spec(spec: Option<&Node>) -> ErrorList {
    let mut errs = validate_nonnegative(Some(replicas(spec)), "spec.replicas");
    let selector = Selector::read(spec);
    errs.extend(validate_required_selector(selector.as_ref(), "deployment"));
    let template = spec.and_then(|s| s.get("template"));
    match as_selector(selector.as_ref()) {
        AsSelector::Error => errs.push(FieldError::invalid(
            "spec.selector",
            BadValue::Json(selector.as_ref().map_or("null".into(), Selector::json)),
            "invalid label selector",
        )),
        _ => errs.extend(validate_template_for_replica_set(
            template,
            selector.as_ref(),
        )),
    }
    errs.extend(validate_deployment_strategy(
        spec.and_then(|s| s.get("strategy")),
    ));
    let min_ready = int(spec, "minReadySeconds").unwrap_or(0);
    errs.extend(validate_nonnegative(
        Some(min_ready),
        "spec.minReadySeconds",
    ));
    errs.extend(validate_nonnegative(
        int(spec, "revisionHistoryLimit"),
        "spec.revisionHistoryLimit",
    ));
    let deadline = int(spec, "progressDeadlineSeconds").unwrap_or(600);
    errs.extend(validate_nonnegative(
        Some(deadline),
        "spec.progressDeadlineSeconds",
    ));
    if deadline <= min_ready {
        errs.push(FieldError::invalid(
            "spec.progressDeadlineSeconds",
            BadValue::int(deadline),
            "must be greater than minReadySeconds",
        ));
    }
    errs
}

/// An `intstr.IntOrString` as written: an int, or a string.
enum IntOrPercent<'a> {
    Int(i64),
    Str(&'a str),
}

impl IntOrPercent<'_> {
    fn read<'n>(node: Option<&'n Node>, key: &str) -> Option<IntOrPercent<'n>> {
        let value = node?.get(key)?;
        match value.as_str() {
            Some(s) => Some(IntOrPercent::Str(s)),
            None => value.as_int().map(IntOrPercent::Int),
        }
    }

    /// `json.Marshal` of the value (`IntOrString.MarshalJSON`), how errors print it.
    fn json(&self) -> String {
        match self {
            IntOrPercent::Int(i) => i.to_string(),
            IntOrPercent::Str(s) => quote::json(s),
        }
    }

    /// `getPercentValue`: the number of a valid percentage.
    fn percent(&self) -> Option<i64> {
        match self {
            IntOrPercent::Str(s) if is_valid_percent(s) => s[..s.len() - 1].parse().ok(),
            _ => None,
        }
    }

    /// `getIntOrPercentValue`: the percentage, else `IntValue()` (a string that is no
    /// number counts as 0).
    fn value(&self) -> i64 {
        match (self.percent(), self) {
            (Some(p), _) => p,
            (None, IntOrPercent::Int(i)) => *i,
            (None, IntOrPercent::Str(s)) => s.parse().unwrap_or(0),
        }
    }
}

/// `IsValidPercent`: `[0-9]+%`.
fn is_valid_percent(s: &str) -> bool {
    s.strip_suffix('%')
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// `ValidatePositiveIntOrPercent`.
fn validate_positive_int_or_percent(value: &IntOrPercent, path: &str) -> ErrorList {
    match value {
        IntOrPercent::Str(s) if !is_valid_percent(s) => vec![FieldError::invalid(
            path,
            BadValue::Json(value.json()),
            names::regex_error(
                "a valid percent string must be a numeric string followed by an ending '%'",
                "[0-9]+%",
                &["1%", "93%"],
            ),
        )],
        IntOrPercent::Str(_) => Vec::new(),
        IntOrPercent::Int(i) => validate_nonnegative(Some(*i), path),
    }
}

/// `IsNotMoreThan100Percent`.
fn not_more_than_100_percent(value: &IntOrPercent, path: &str) -> ErrorList {
    match value.percent() {
        Some(p) if p > 100 => vec![FieldError::invalid(
            path,
            BadValue::Json(value.json()),
            "must not be greater than 100%",
        )],
        _ => Vec::new(),
    }
}

/// `ValidateDeploymentStrategy` on the defaulted strategy (`SetDefaults_Deployment`:
/// `RollingUpdate` with 25% and 25% unless written otherwise).
fn validate_deployment_strategy(strategy: Option<&Node>) -> ErrorList {
    let mut errs = ErrorList::new();
    let kind = text(strategy, "type")
        .filter(|t| !t.is_empty())
        .unwrap_or("RollingUpdate");
    let rolling = strategy
        .and_then(|s| s.get("rollingUpdate"))
        .filter(|r| !r.is_null());
    let path = "spec.strategy.rollingUpdate";
    match kind {
        "Recreate" => {
            if rolling.is_some() {
                errs.push(FieldError::forbidden(
                    path,
                    "may not be specified when strategy `type` is 'Recreate'",
                ));
            }
        }
        "RollingUpdate" => {
            // ValidateRollingUpdateDeployment.
            let unavailable =
                IntOrPercent::read(rolling, "maxUnavailable").unwrap_or(IntOrPercent::Str("25%"));
            let surge = IntOrPercent::read(rolling, "maxSurge").unwrap_or(IntOrPercent::Str("25%"));
            let unavailable_path = format!("{path}.maxUnavailable");
            errs.extend(validate_positive_int_or_percent(
                &unavailable,
                &unavailable_path,
            ));
            errs.extend(validate_positive_int_or_percent(
                &surge,
                &format!("{path}.maxSurge"),
            ));
            if unavailable.value() == 0 && surge.value() == 0 {
                errs.push(FieldError::invalid(
                    &unavailable_path,
                    BadValue::Json(unavailable.json()),
                    "may not be 0 when `maxSurge` is 0",
                ));
            }
            errs.extend(not_more_than_100_percent(&unavailable, &unavailable_path));
        }
        other => {
            // The value is the internal struct, which has no json tags.
            let rolling_json = match rolling {
                Some(_) => {
                    let field = |key: &str| {
                        IntOrPercent::read(rolling, key).map_or("0".to_string(), |v| v.json())
                    };
                    format!(
                        "{{\"MaxUnavailable\":{},\"MaxSurge\":{}}}",
                        field("maxUnavailable"),
                        field("maxSurge")
                    )
                }
                None => "null".to_string(),
            };
            errs.push(FieldError::not_supported(
                "spec.strategy",
                BadValue::Json(format!(
                    "{{\"Type\":{},\"RollingUpdate\":{rolling_json}}}",
                    quote::json(other)
                )),
                &["Recreate", "RollingUpdate"],
            ));
        }
    }
    errs
}

/// `ValidateReplicaSetSpec` (its empty-selector message says "deployment" upstream too).
fn validate_replica_set_spec(spec: Option<&Node>) -> ErrorList {
    let mut errs = validate_nonnegative(Some(replicas(spec)), "spec.replicas");
    errs.extend(validate_nonnegative(
        int(spec, "minReadySeconds"),
        "spec.minReadySeconds",
    ));
    let selector = Selector::read(spec);
    errs.extend(validate_required_selector(selector.as_ref(), "deployment"));
    let template = spec.and_then(|s| s.get("template"));
    match as_selector(selector.as_ref()) {
        AsSelector::Error => errs.push(FieldError::invalid(
            "spec.selector",
            BadValue::Json(selector.as_ref().map_or("null".into(), Selector::json)),
            "invalid label selector",
        )),
        _ => errs.extend(validate_template_for_replica_set(
            template,
            selector.as_ref(),
        )),
    }
    errs
}

/// `ValidateStatefulSetSpec`. Upstream does not validate a StatefulSet template's pod
/// spec (`ValidatePodTemplateSpecForStatefulSet` keeps that call commented out).
fn validate_stateful_set_spec(spec: Option<&Node>) -> ErrorList {
    let mut errs = ErrorList::new();
    if let Some(policy) = text(spec, "podManagementPolicy").filter(|p| !p.is_empty()) {
        if !matches!(policy, "OrderedReady" | "Parallel") {
            errs.push(FieldError::invalid(
                "spec.podManagementPolicy",
                BadValue::named_string(policy),
                "must be 'OrderedReady' or 'Parallel'",
            ));
        }
    }
    errs.extend(validate_nonnegative(Some(replicas(spec)), "spec.replicas"));
    errs.extend(validate_nonnegative(
        int(spec, "minReadySeconds"),
        "spec.minReadySeconds",
    ));
    let selector = Selector::read(spec);
    errs.extend(validate_required_selector(selector.as_ref(), "statefulset"));
    let template = spec.and_then(|s| s.get("template"));
    match as_selector(selector.as_ref()) {
        AsSelector::Error => errs.push(FieldError::invalid(
            "spec.selector",
            BadValue::Json(selector.as_ref().map_or("null".into(), Selector::json)),
            "",
        )),
        how => {
            let selected = match how {
                AsSelector::Nothing => false,
                AsSelector::Everything => true,
                _ => selector
                    .as_ref()
                    .is_some_and(|s| s.matches(&template_labels(template))),
            };
            if !selected {
                errs.push(template_labels_error(template));
            }
            if let Some(labels) = string_map(template.and_then(|t| t.get("metadata")), "labels") {
                errs.extend(validate_labels(&labels, "spec.template.labels"));
            }
        }
    }
    errs.extend(template_restart_policy_and_deadline(
        template,
        "StatefulSet",
    ));
    errs
}

/// `ValidateDaemonSetSpec`: no `replicas`; a nil selector is not "Required" here, but
/// (as `labels.Nothing()`) it matches no template.
fn validate_daemon_set_spec(spec: Option<&Node>) -> ErrorList {
    let selector = Selector::read(spec);
    let mut errs = selector
        .as_ref()
        .map(|s| s.validate("spec.selector"))
        .unwrap_or_default();
    let template = spec.and_then(|s| s.get("template"));
    let matched = match as_selector(selector.as_ref()) {
        AsSelector::Error => true,
        AsSelector::Nothing => false,
        AsSelector::Everything => true,
        AsSelector::Requirements => selector
            .as_ref()
            .is_some_and(|s| s.matches(&template_labels(template))),
    };
    if !matched {
        errs.push(template_labels_error(template));
    }
    if let Some(s) = selector.as_ref().filter(|s| s.is_empty()) {
        errs.push(FieldError::invalid(
            "spec.selector",
            BadValue::Json(s.json()),
            "empty selector is invalid for daemonset",
        ));
    }
    errs.extend(validate_pod_template_spec(template, "spec.template"));
    errs.extend(template_restart_policy_and_deadline(template, "DaemonSet"));
    errs.extend(validate_nonnegative(
        int(spec, "minReadySeconds"),
        "spec.minReadySeconds",
    ));
    errs.extend(validate_nonnegative(
        int(spec, "revisionHistoryLimit"),
        "spec.revisionHistoryLimit",
    ));
    errs
}
