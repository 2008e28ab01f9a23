//! ClusterIP and NodePort allocation, deterministic.
//!
//! The real allocators pick a random free value, from the upper ("dynamic") band first and
//! then from the lower ("static") band. svcplay starts the search at a value derived from
//! the object's identity (FNV of `namespace/name`, and the port index for NodePorts) and
//! probes forward to the next free one, inside the same bands. So the same text always
//! gives the same values, and editing one Service never moves another Service's IP or
//! port (unless the two collide, which a real cluster would resolve at random too).

use crate::controllers::workloads::fnv32a;
use crate::manifest::{Kind, Manifest};
use crate::model::Objects;
use crate::model::ip::{Cidr, IpFamily, parse_ip_sloppy};
use std::collections::BTreeSet;
use std::net::IpAddr;

/// kubeadm's `--service-cluster-ip-range`.
pub const DEFAULT_SERVICE_CIDR: &str = "10.96.0.0/12";
/// The default `--service-node-port-range`.
pub const NODE_PORT_MIN: i64 = 30000;
pub const NODE_PORT_MAX: i64 = 32767;

/// The cluster's allocators: service CIDRs and the values taken so far.
#[derive(Clone, Debug)]
pub struct Allocators {
    pub service_cidrs: Vec<Cidr>,
    pub ips: BTreeSet<IpAddr>,
    pub node_ports: BTreeSet<i64>,
}

impl Allocators {
    /// The service CIDRs of the scenario's `ServiceCIDR` objects, or kubeadm's default.
    pub fn new(manifest: &Manifest) -> Allocators {
        let mut service_cidrs = Vec::new();
        for raw in manifest
            .objects
            .iter()
            .filter(|o| o.kind == Kind::ServiceCIDR)
        {
            if let Some(items) = raw
                .node
                .get("spec")
                .and_then(|s| s.get("cidrs"))
                .and_then(|c| c.items())
            {
                service_cidrs.extend(
                    items
                        .iter()
                        .filter_map(|n| n.as_str())
                        .filter_map(Cidr::parse_sloppy),
                );
            }
        }
        if service_cidrs.is_empty() {
            service_cidrs.push(Cidr::parse_sloppy(DEFAULT_SERVICE_CIDR).expect("constant CIDR"));
        }
        Allocators {
            service_cidrs,
            ips: BTreeSet::new(),
            node_ports: BTreeSet::new(),
        }
    }

    /// Marks the built-in Services' values (and kube-dns's 10th address) as taken.
    pub fn reserve_builtins(&mut self, objects: &Objects) {
        for svc in &objects.services {
            for ip in svc
                .spec
                .cluster_ips
                .iter()
                .filter_map(|s| parse_ip_sloppy(s))
            {
                self.ips.insert(ip);
            }
        }
        if let Some(dns) = self.service_cidrs.first().and_then(|c| c.nth(10)) {
            self.ips.insert(dns);
        }
    }

    /// The primary family of the cluster (the first service CIDR's).
    pub fn primary_family(&self) -> IpFamily {
        self.service_cidrs
            .first()
            .map_or(IpFamily::IPv4, Cidr::family)
    }

    pub fn serves(&self, family: IpFamily) -> bool {
        self.service_cidrs.iter().any(|c| c.family() == family)
    }

    pub fn is_dual_stack(&self) -> bool {
        self.serves(IpFamily::IPv4) && self.serves(IpFamily::IPv6)
    }

    /// The CIDR of a family that contains `ip`, if any.
    pub fn cidr_containing(&self, ip: &IpAddr) -> Option<Cidr> {
        self.service_cidrs.iter().copied().find(|c| c.contains(ip))
    }

    /// Allocates a ClusterIP of `family` for `seed` (`namespace/name`).
    pub fn allocate_ip(&mut self, family: IpFamily, seed: &str) -> Option<IpAddr> {
        let cidr = *self.service_cidrs.iter().find(|c| c.family() == family)?;
        let size = cidr.size();
        // Usable offsets: 1 ..= size-2 for IPv4 (network and broadcast excluded), 1 ..= size-1 for IPv6.
        let last = match family {
            IpFamily::IPv4 => size.saturating_sub(2),
            IpFamily::IPv6 => size.saturating_sub(1).min(u128::from(u64::MAX)),
        };
        if last < 1 {
            return None;
        }
        let band = (size / 16).clamp(16, 256).min(last);
        let start = u128::from(fnv32a(seed.as_bytes()));
        let bands = [(band + 1, last), (1, band)];
        for (lo, hi) in bands {
            if lo > hi {
                continue;
            }
            let span = hi - lo + 1;
            let first = lo + start % span;
            for k in 0..span.min(1 << 20) {
                let offset = lo + (first - lo + k) % span;
                if let Some(ip) = cidr.nth(offset) {
                    if !self.ips.contains(&ip) {
                        self.ips.insert(ip);
                        return Some(ip);
                    }
                }
            }
        }
        None
    }

    /// Allocates a NodePort for `seed` (`namespace/name/port-index`).
    pub fn allocate_node_port(&mut self, seed: &str) -> Option<i64> {
        let size = NODE_PORT_MAX - NODE_PORT_MIN + 1;
        let band = (size / 32).clamp(16, 128);
        let start = i64::from(fnv32a(seed.as_bytes()));
        for (lo, hi) in [
            (NODE_PORT_MIN + band, NODE_PORT_MAX),
            (NODE_PORT_MIN, NODE_PORT_MIN + band - 1),
        ] {
            let span = hi - lo + 1;
            let first = lo + start % span;
            for k in 0..span {
                let port = lo + (first - lo + k) % span;
                if !self.node_ports.contains(&port) {
                    self.node_ports.insert(port);
                    return Some(port);
                }
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dynamic_bands_come_first_and_values_are_stable() {
        let mut a = Allocators::new(&Manifest::default());
        let ip = a.allocate_ip(IpFamily::IPv4, "default/web").unwrap();
        let cidr = Cidr::parse_sloppy(DEFAULT_SERVICE_CIDR).unwrap();
        assert!(
            cidr.offset_of(&ip).unwrap() > 256,
            "{ip} is in the static band"
        );
        let mut b = Allocators::new(&Manifest::default());
        b.allocate_ip(IpFamily::IPv4, "default/other");
        assert_eq!(b.allocate_ip(IpFamily::IPv4, "default/web"), Some(ip));
        let port = a.allocate_node_port("default/web/0").unwrap();
        assert!((30086..=32767).contains(&port));
    }
}
