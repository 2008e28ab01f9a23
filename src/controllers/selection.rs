//! The page's selector view (PRODUCT.md A6): for each Service, the Pods its selector
//! picks and, for every other Pod of its namespace, the selector entries that Pod misses.
//! Pods of other namespaces that carry matching labels are listed apart: a Service never
//! selects them, and that is a common surprise.

use super::endpointslice::{has_selector, selected_pods};
use super::hints::{LabelDifference, label_differences};
use crate::model::labels::selector_matches;
use crate::model::{Objects, Pod, Service};

/// What one Service's selector does.
#[derive(Clone, Debug)]
pub struct ServiceSelection<'a> {
    pub service: &'a Service,
    /// Whether the controllers act on the selector (present, not empty, not ExternalName).
    pub active: bool,
    pub selected: Vec<&'a Pod>,
    /// Pods of the Service's namespace the selector misses, with what differs.
    pub not_selected: Vec<(&'a Pod, Vec<LabelDifference>)>,
    /// Pods of other namespaces whose labels match the selector.
    pub other_namespaces: Vec<&'a Pod>,
}

/// The selector view of every Service, in the scenario's order.
pub fn selections(objects: &Objects) -> Vec<ServiceSelection<'_>> {
    objects
        .services
        .iter()
        .map(|service| {
            let selector = service.spec.selector.clone().unwrap_or_default();
            let active = has_selector(service) && service.type_or_default() != "ExternalName";
            let selected = selected_pods(service, &objects.pods);
            let not_selected = objects
                .pods
                .iter()
                .filter(|p| p.meta.namespace == service.meta.namespace)
                .filter(|p| !selected.iter().any(|s| std::ptr::eq(*s, *p)))
                .map(|p| (p, label_differences(&selector, &p.meta.labels)))
                .collect();
            let other_namespaces = if selector.is_empty() {
                Vec::new()
            } else {
                objects
                    .pods
                    .iter()
                    .filter(|p| {
                        p.meta.namespace != service.meta.namespace
                            && selector_matches(&selector, &p.meta.labels)
                    })
                    .collect()
            };
            ServiceSelection {
                service,
                active,
                selected,
                not_selected,
                other_namespaces,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{Options, analyze};

    #[test]
    fn lists_selected_pods_and_what_the_others_miss() {
        let text = "\
apiVersion: v1
kind: Pod
metadata: {name: a, namespace: dev, labels: {app: web, tier: fe}}
---
apiVersion: v1
kind: Pod
metadata: {name: b, namespace: dev, labels: {app: api}}
---
apiVersion: v1
kind: Pod
metadata: {name: c, namespace: prod, labels: {app: web, tier: fe}}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: dev}
spec:
  selector: {app: web, tier: fe}
  ports: [{port: 80}]
";
        let analysis = analyze(text, Options { stored: true });
        let views = selections(&analysis.objects);
        assert_eq!(views.len(), 1);
        let v = &views[0];
        assert!(v.active);
        assert_eq!(
            v.selected
                .iter()
                .map(|p| p.meta.name.as_str())
                .collect::<Vec<_>>(),
            ["a"]
        );
        assert_eq!(v.not_selected.len(), 1);
        let (pod, differences) = &v.not_selected[0];
        assert_eq!(pod.meta.name, "b");
        assert_eq!(
            differences
                .iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>(),
            [
                "app=api (selector wants web)",
                "no label tier (selector wants tier=fe)"
            ]
        );
        assert_eq!(v.other_namespaces[0].meta.name, "c");
    }
}
