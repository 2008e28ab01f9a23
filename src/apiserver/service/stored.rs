//! How each field of a stored Service got its value: written by the user, defaulted by
//! the API server, or allocated by it.
//!
//! A learner reading a stored Service wants to know which values they chose and which
//! the cluster filled in. [`stored_fields`] lists the fields a learner looks for with
//! their stored value and [`How`] they got it: written when the field is in the
//! Service's YAML, else allocated for the values the allocators pick (ClusterIPs,
//! NodePorts, the health-check NodePort), else defaulted (`SetDefaults_Service` and the
//! IP family defaulting of the registry).

use crate::manifest::RawObject;
use crate::model::Service;

/// How a stored field got its value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum How {
    Written,
    Defaulted,
    Allocated,
}

/// One field of a stored Service.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredField {
    /// The field path: `spec.ports[0].nodePort`.
    pub field: String,
    pub value: String,
    pub how: How,
}

/// The fields of a stored Service a learner looks for, in the order `kubectl get -o
/// yaml` prints them, each with how it got its value. `raw` is the Service as written
/// (`None` for one the cluster made itself: everything is then defaulted or allocated).
pub fn stored_fields(raw: Option<&RawObject>, service: &Service) -> Vec<StoredField> {
    let written = |path: &str| raw.is_some_and(|r| r.node().locate_key(path).0);
    let mut rows = Vec::new();
    let mut row = |field: String, value: String, allocated: bool| {
        let how = if written(&field) {
            How::Written
        } else if allocated {
            How::Allocated
        } else {
            How::Defaulted
        };
        rows.push(StoredField { field, value, how });
    };
    let spec = &service.spec;
    row("spec.type".into(), service.type_or_default().into(), false);
    if let Some(ip) = &spec.cluster_ip {
        row("spec.clusterIP".into(), ip.clone(), ip != "None");
    }
    if !spec.cluster_ips.is_empty() {
        row(
            "spec.clusterIPs".into(),
            spec.cluster_ips.join(", "),
            spec.cluster_ip.as_deref() != Some("None"),
        );
    }
    if !spec.ip_families.is_empty() {
        row("spec.ipFamilies".into(), spec.ip_families.join(", "), false);
    }
    if let Some(p) = &spec.ip_family_policy {
        row("spec.ipFamilyPolicy".into(), p.clone(), false);
    }
    for (i, port) in spec.ports.iter().enumerate() {
        let base = format!("spec.ports[{i}]");
        if let Some(p) = port.port {
            row(format!("{base}.port"), p.to_string(), false);
        }
        if let Some(p) = &port.protocol {
            row(format!("{base}.protocol"), p.clone(), false);
        }
        if let Some(t) = &port.target_port {
            row(format!("{base}.targetPort"), t.to_string(), false);
        }
        if let Some(n) = port.node_port {
            row(format!("{base}.nodePort"), n.to_string(), true);
        }
    }
    if let Some(a) = &spec.session_affinity {
        row("spec.sessionAffinity".into(), a.clone(), false);
    }
    if let Some(t) = spec.session_affinity_timeout {
        row(
            "spec.sessionAffinityConfig.clientIP.timeoutSeconds".into(),
            t.to_string(),
            false,
        );
    }
    if let Some(p) = &spec.internal_traffic_policy {
        row("spec.internalTrafficPolicy".into(), p.clone(), false);
    }
    if let Some(p) = &spec.external_traffic_policy {
        row("spec.externalTrafficPolicy".into(), p.clone(), false);
    }
    if let Some(n) = spec.health_check_node_port {
        row("spec.healthCheckNodePort".into(), n.to_string(), true);
    }
    if let Some(a) = spec.allocate_load_balancer_node_ports {
        row(
            "spec.allocateLoadBalancerNodePorts".into(),
            a.to_string(),
            false,
        );
    }
    if let Some(n) = &spec.external_name {
        row("spec.externalName".into(), n.clone(), false);
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{Options, analyze};

    #[test]
    fn stored_fields_say_what_was_written_defaulted_and_allocated() {
        let text = crate::examples::DEFAULT.replace(
            "  clusterIP: 10.97.97.97   # the Service's IP; leave it out and one is allocated\n",
            "",
        );
        let analysis = analyze(&text, Options::default());
        let service = analysis
            .objects
            .services
            .iter()
            .find(|s| s.meta.name == "service-clusterip")
            .expect("the lab's Service");
        let raw = service
            .meta
            .origin
            .object()
            .and_then(|id| analysis.manifest.object(id));
        let fields = stored_fields(raw, service);
        let how = |f: &str| fields.iter().find(|r| r.field == f).map(|r| r.how);
        assert_eq!(how("spec.clusterIP"), Some(How::Allocated), "{fields:#?}");
        assert_eq!(how("spec.type"), Some(How::Written));
        assert_eq!(how("spec.sessionAffinity"), Some(How::Defaulted));
        assert_eq!(how("spec.ports[0].protocol"), Some(How::Defaulted));
        assert_eq!(how("spec.ports[0].targetPort"), Some(How::Written));
        // A Service the cluster made itself has nothing written.
        let kubernetes = analysis
            .objects
            .services
            .iter()
            .find(|s| s.meta.name == "kubernetes")
            .expect("the API server's own Service");
        assert!(
            stored_fields(None, kubernetes)
                .iter()
                .all(|f| f.how != How::Written)
        );
    }
}
