//! Label selectors: `matchLabels` and `matchExpressions`, and Service selectors (a plain
//! map, where an empty map selects nothing... for Services; everything for workloads).

use super::StringMap;
use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Operator {
    In,
    NotIn,
    Exists,
    DoesNotExist,
    /// An operator the API server would reject; kept so it can be reported.
    Invalid(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Requirement {
    pub key: String,
    pub operator: Operator,
    pub values: Vec<String>,
}

/// A `metav1.LabelSelector`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LabelSelector {
    pub match_labels: StringMap,
    pub match_expressions: Vec<Requirement>,
}

impl Requirement {
    pub fn matches(&self, labels: &StringMap) -> bool {
        let value = labels.get(&self.key);
        match &self.operator {
            Operator::In => value.is_some_and(|v| self.values.contains(v)),
            Operator::NotIn => value.is_none_or(|v| !self.values.contains(v)),
            Operator::Exists => value.is_some(),
            Operator::DoesNotExist => value.is_none(),
            Operator::Invalid(_) => false,
        }
    }
}

impl LabelSelector {
    /// Whether `labels` satisfy every requirement. An empty selector matches everything,
    /// as `metav1.LabelSelectorAsSelector` makes it.
    pub fn matches(&self, labels: &StringMap) -> bool {
        self.match_labels
            .iter()
            .all(|(k, v)| labels.get(k) == Some(v))
            && self.match_expressions.iter().all(|r| r.matches(labels))
    }

    pub fn is_empty(&self) -> bool {
        self.match_labels.is_empty() && self.match_expressions.is_empty()
    }
}

/// A Service's selector matches a pod when every key/value is among the pod's labels.
/// Callers must treat an absent or empty Service selector as "selects nothing" (the
/// EndpointSlice controller skips such Services).
pub fn selector_matches(selector: &StringMap, labels: &StringMap) -> bool {
    selector.iter().all(|(k, v)| labels.get(k) == Some(v))
}

/// `app=nginx,tier=web`, the way kubectl prints a map selector (sorted by key).
pub fn format_map(map: &StringMap) -> String {
    map.iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",")
}

impl fmt::Display for LabelSelector {
    /// The string form of `metav1.LabelSelectorAsSelector(...).String()`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts: Vec<(String, String)> = Vec::new();
        for (k, v) in &self.match_labels {
            parts.push((k.clone(), format!("{k}={v}")));
        }
        for r in &self.match_expressions {
            let mut values = r.values.clone();
            crate::sort::sort(&mut values);
            let text = match &r.operator {
                Operator::In => format!("{} in ({})", r.key, values.join(",")),
                Operator::NotIn => format!("{} notin ({})", r.key, values.join(",")),
                Operator::Exists => r.key.clone(),
                Operator::DoesNotExist => format!("!{}", r.key),
                Operator::Invalid(op) => format!("{} {op} ({})", r.key, values.join(",")),
            };
            parts.push((r.key.clone(), text));
        }
        crate::sort::sort_by(&mut parts, |a, b| a.0.cmp(&b.0));
        let joined: Vec<String> = parts.into_iter().map(|p| p.1).collect();
        f.write_str(&joined.join(","))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> StringMap {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn selectors_match_like_apimachinery() {
        let sel = LabelSelector {
            match_labels: labels(&[("app", "web")]),
            match_expressions: vec![Requirement {
                key: "tier".into(),
                operator: Operator::NotIn,
                values: vec!["db".into()],
            }],
        };
        assert!(sel.matches(&labels(&[("app", "web")])));
        assert!(sel.matches(&labels(&[("app", "web"), ("tier", "fe")])));
        assert!(!sel.matches(&labels(&[("app", "web"), ("tier", "db")])));
        assert!(!sel.matches(&labels(&[("app", "db")])));
        assert_eq!(sel.to_string(), "app=web,tier notin (db)");
        assert!(LabelSelector::default().matches(&labels(&[])));
    }
}
