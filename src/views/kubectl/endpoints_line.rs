//! The `Endpoints:` line of `kubectl describe service`, one per Service port: the
//! Service's EndpointSlices (labelled `kubernetes.io/service-name`, in API list order)
//! through [`super::endpoints::describe_endpoints_line`] (`formatEndpointSlices`).

use crate::model::Service;
use crate::scenario::Analysis;

/// `formatEndpointSlices(slices, {port_name})` for one port of `service`.
pub fn endpoints_line(analysis: &Analysis, service: &Service, port_name: &str) -> String {
    let slices =
        super::endpoints::service_slices(analysis, &service.meta.namespace, &service.meta.name);
    super::endpoints::describe_endpoints_line(&slices, port_name)
}
