//! Controllers: what the cluster's control loops add to the stored objects.
//!
//! Stage four of the pipeline, run in both the API-server and the `--stored` paths:
//! workloads become Pods ([`workloads`]), Services with selectors get EndpointSlices
//! ([`endpointslice`]). Everything generated carries [`Origin::Generated`] pointing at
//! the written object it comes from.
//!
//! [`Origin::Generated`]: crate::model::Origin::Generated

pub mod endpointslice;
pub mod workloads;

use crate::model::Objects;

/// Runs the controllers to a steady state: Pods for every workload, then slices.
pub fn run(mut objects: Objects) -> Objects {
    let pods = workloads::generate_pods(&objects);
    objects.pods.extend(pods);
    let slices = endpointslice::reconcile(&objects);
    objects.endpoint_slices.extend(slices);
    objects
}
