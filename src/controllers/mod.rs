//! Controllers: what the cluster's control loops add to the stored objects.
//!
//! Stage four of the pipeline, run in both the API-server and the `--stored` paths, in the
//! order the real loops settle:
//!
//! 1. [`workloads`]: Deployments/ReplicaSets/StatefulSets → Pods (deterministic names,
//!    nodes, IPs), then the node lifecycle controller marks Pods on lost Nodes not ready;
//! 2. [`endpointslice`]: Services with selectors → EndpointSlices;
//! 3. [`mirroring`]: selector-less Services with a written Endpoints → mirrored slices;
//! 4. [`endpoints`]: the legacy Endpoints object of every Service with a selector.
//!
//! Everything generated carries [`Origin::Generated`] pointing at the written object it
//! comes from, and a UID derived from its identity ([`uid`]). [`hints`] holds the learner
//! warnings about selectors and ports, [`selection`] the page's selector view, [`budget`]
//! svcplay's cluster-wide budgets (Pods, kube-proxy's entries) and their warnings.
//!
//! Time does not pass in svcplay: every object is taken as created at [`SCENARIO_START`]
//! and observed [`SCENARIO_AGE_SECONDS`] later (what `AGE` columns print); Pods deleted with the
//! `svcplay.dev/terminating` annotation were deleted at [`DELETION_TIME`].
//!
//! [`Origin::Generated`]: crate::model::Origin::Generated

pub mod budget;
pub mod endpoints;
pub mod endpointslice;
pub mod hints;
pub mod kubeadm;
pub mod mirroring;
pub mod selection;
pub mod uid;
pub mod workloads;

use crate::model::Objects;

/// When every object of the scenario was created (the value of the trigger-time
/// annotations and of `creationTimestamp` on generated objects).
pub const SCENARIO_START: &str = "2025-01-01T00:00:00Z";
/// How long ago [`SCENARIO_START`] was when the scenario is looked at, in seconds: every
/// `AGE` column prints it (`10s`, through `views::kubectl::age`).
pub const SCENARIO_AGE_SECONDS: i64 = 10;
/// The `deletionTimestamp` of a Pod deleted through the `svcplay.dev/terminating`
/// annotation (deletion started 5s after creation; the default 30s grace has not run out).
pub const DELETION_TIME: &str = "2025-01-01T00:00:05Z";
/// Workload annotation: generated Pods (by name) whose readiness probe fails.
pub const NOT_READY_ANNOTATION: &str = "svcplay.dev/not-ready";
/// Workload annotation: generated Pods (by name) that are being deleted.
pub const TERMINATING_ANNOTATION: &str = "svcplay.dev/terminating";
/// Workload annotation: generated Pods (by name) that were deleted and have finished
/// terminating: they no longer exist (a ReplicaSet's replacement does; a StatefulSet
/// recreates the same ordinal, so there the annotation changes nothing).
pub const DELETED_ANNOTATION: &str = "svcplay.dev/deleted";

/// Runs the controllers to a steady state.
pub fn run(mut objects: Objects) -> Objects {
    let pods = workloads::generate_pods(&objects);
    objects.pods.extend(pods);
    // The API server gives every object a UID; written Pods and Services without one get
    // the derived one, so targetRefs and ownerReferences always carry one.
    for pod in &mut objects.pods {
        if pod.meta.uid.is_none() {
            pod.meta.uid = Some(uid::object_uid("Pod", &pod.meta.namespace, &pod.meta.name));
        }
    }
    for service in &mut objects.services {
        if service.meta.uid.is_none() {
            service.meta.uid = Some(uid::object_uid(
                "Service",
                &service.meta.namespace,
                &service.meta.name,
            ));
        }
    }
    workloads::mark_pods_on_lost_nodes(&mut objects);
    let slices = endpointslice::reconcile(&objects);
    let mirrored = mirroring::reconcile(&objects);
    objects.endpoint_slices.extend(slices);
    objects.endpoint_slices.extend(mirrored);
    objects.endpoints = endpoints::reconcile(&objects);
    objects
}
