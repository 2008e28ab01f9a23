//! Reading typed objects out of the spanned YAML trees.

use super::labels::{LabelSelector, Operator, Requirement};
use super::*;
use crate::manifest::yaml::{Node as Yaml, Scalar};
use crate::sort::CollectBTree;
use std::fmt::Write as _;

fn at<'a>(node: &'a Yaml, path: &[&str]) -> Option<&'a Yaml> {
    let mut n = node;
    for key in path {
        n = n.get(key)?;
    }
    Some(n)
}

fn string(node: &Yaml, path: &[&str]) -> Option<String> {
    at(node, path).and_then(Yaml::as_str).map(str::to_string)
}

fn int(node: &Yaml, path: &[&str]) -> Option<i64> {
    at(node, path).and_then(Yaml::as_int)
}

fn boolean(node: &Yaml, path: &[&str]) -> Option<bool> {
    at(node, path).and_then(Yaml::as_bool)
}

fn items<'a>(node: &'a Yaml, path: &[&str]) -> &'a [Yaml] {
    at(node, path).and_then(Yaml::items).unwrap_or(&[])
}

fn strings(node: &Yaml, path: &[&str]) -> Vec<String> {
    let mut strings: Vec<String> = items(node, path)
        .iter()
        .filter_map(Yaml::as_str)
        .map(str::to_string)
        .collect();
    // A filtered collect starts at room for four: an endpoint's one address would keep
    // three empty slots (a dump has 50,000 of them).
    strings.shrink_to_fit();
    strings
}

fn string_map(node: &Yaml, path: &[&str]) -> Option<StringMap> {
    let entries = at(node, path)?.entries()?;
    Some(
        entries
            .iter()
            .filter_map(|e| Some((e.key.key_string()?, e.value.as_str()?.to_string())))
            .collect_btree(),
    )
}

fn int_or_string(node: &Yaml, path: &[&str]) -> Option<IntOrString> {
    match at(node, path)?.scalar()? {
        Scalar::Str(s) => Some(IntOrString::Str(s.to_string())),
        Scalar::Int(i) => i64::try_from(i).ok().map(IntOrString::Int),
        _ => None,
    }
}

fn meta(node: &Yaml, kind: Kind, origin: Origin) -> ObjectMeta {
    let namespace = if kind.namespaced() {
        string(node, &["metadata", "namespace"])
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "default".into())
    } else {
        String::new()
    };
    ObjectMeta {
        name: string(node, &["metadata", "name"]).unwrap_or_default(),
        namespace,
        generate_name: string(node, &["metadata", "generateName"]),
        uid: string(node, &["metadata", "uid"]),
        labels: string_map(node, &["metadata", "labels"]).unwrap_or_default(),
        annotations: string_map(node, &["metadata", "annotations"]).unwrap_or_default(),
        owner_references: items(node, &["metadata", "ownerReferences"])
            .iter()
            .map(|o| OwnerReference {
                api_version: string(o, &["apiVersion"]).unwrap_or_default(),
                kind: string(o, &["kind"]).unwrap_or_default(),
                name: string(o, &["name"]).unwrap_or_default(),
                uid: string(o, &["uid"]).unwrap_or_default(),
                controller: boolean(o, &["controller"]),
                block_owner_deletion: boolean(o, &["blockOwnerDeletion"]),
            })
            .collect(),
        creation_timestamp: string(node, &["metadata", "creationTimestamp"]),
        deletion_timestamp: string(node, &["metadata", "deletionTimestamp"]),
        origin,
    }
}

fn conditions(node: &Yaml, path: &[&str]) -> Vec<Condition> {
    items(node, path)
        .iter()
        .map(|c| Condition {
            type_: string(c, &["type"]).unwrap_or_default(),
            status: string(c, &["status"]).unwrap_or_default(),
        })
        .collect()
}

fn object_reference(node: &Yaml) -> ObjectReference {
    ObjectReference {
        kind: string(node, &["kind"]),
        namespace: string(node, &["namespace"]),
        name: string(node, &["name"]),
        uid: string(node, &["uid"]),
    }
}

fn endpoint_port(p: &Yaml) -> EndpointPort {
    EndpointPort {
        name: string(p, &["name"]),
        port: int(p, &["port"]),
        protocol: string(p, &["protocol"]),
        app_protocol: string(p, &["appProtocol"]),
    }
}

/// Reads one raw object into its typed value.
pub fn read_object(raw: &RawObject) -> Object {
    let node = &raw.node();
    let origin = Origin::Written(raw.id);
    match raw.kind {
        Kind::Namespace => Object::Namespace(Namespace {
            meta: meta(node, raw.kind, origin),
        }),
        Kind::Service => Object::Service(read_service(node, meta(node, raw.kind, origin))),
        Kind::Pod => Object::Pod(Pod {
            meta: meta(node, raw.kind, origin),
            spec: pod_spec(node.get("spec")),
            status: PodStatus {
                phase: string(node, &["status", "phase"]),
                conditions: conditions(node, &["status", "conditions"]),
                pod_ip: string(node, &["status", "podIP"]),
                pod_ips: items(node, &["status", "podIPs"])
                    .iter()
                    .filter_map(|p| string(p, &["ip"]))
                    .collect(),
                host_ip: string(node, &["status", "hostIP"]),
            },
        }),
        Kind::Deployment | Kind::ReplicaSet | Kind::StatefulSet | Kind::DaemonSet => {
            let spec = node.get("spec");
            let template = spec.and_then(|s| s.get("template"));
            Object::Workload(Workload {
                kind: raw.kind,
                meta: meta(node, raw.kind, origin),
                replicas: int(node, &["spec", "replicas"]),
                selector: spec
                    .and_then(|s| s.get("selector"))
                    .map(label_selector)
                    .unwrap_or_default(),
                template: PodTemplate {
                    labels: template
                        .and_then(|t| string_map(t, &["metadata", "labels"]))
                        .unwrap_or_default(),
                    annotations: template
                        .and_then(|t| string_map(t, &["metadata", "annotations"]))
                        .unwrap_or_default(),
                    spec: pod_spec(template.and_then(|t| t.get("spec"))),
                    fingerprint: template.map(canonical).unwrap_or_default(),
                },
                service_name: string(node, &["spec", "serviceName"]),
            })
        }
        Kind::Node => Object::Node(Node {
            meta: meta(node, raw.kind, origin),
            pod_cidrs: {
                let list = strings(node, &["spec", "podCIDRs"]);
                if list.is_empty() {
                    string(node, &["spec", "podCIDR"]).into_iter().collect()
                } else {
                    list
                }
            },
            unschedulable: boolean(node, &["spec", "unschedulable"]).unwrap_or(false),
            taints: items(node, &["spec", "taints"])
                .iter()
                .map(|t| Taint {
                    key: string(t, &["key"]).unwrap_or_default(),
                    value: string(t, &["value"]),
                    effect: string(t, &["effect"]).unwrap_or_default(),
                })
                .collect(),
            addresses: items(node, &["status", "addresses"])
                .iter()
                .map(|a| NodeAddress {
                    type_: string(a, &["type"]).unwrap_or_default(),
                    address: string(a, &["address"]).unwrap_or_default(),
                })
                .collect(),
            conditions: conditions(node, &["status", "conditions"]),
        }),
        Kind::EndpointSlice => Object::EndpointSlice(EndpointSlice {
            meta: meta(node, raw.kind, origin),
            address_type: string(node, &["addressType"]).unwrap_or_default(),
            endpoints: items(node, &["endpoints"])
                .iter()
                .map(|e| Endpoint {
                    addresses: strings(e, &["addresses"]).into(),
                    ready: boolean(e, &["conditions", "ready"]),
                    serving: boolean(e, &["conditions", "serving"]),
                    terminating: boolean(e, &["conditions", "terminating"]),
                    hostname: string(e, &["hostname"]).map(Into::into),
                    node_name: string(e, &["nodeName"]).map(Box::from),
                    zone: string(e, &["zone"]).map(Into::into),
                    target_ref: e
                        .get("targetRef")
                        .filter(|t| !t.is_null())
                        .map(|t| Box::new(object_reference(t))),
                    hints: EndpointHints::of(
                        items(e, &["hints", "forZones"])
                            .iter()
                            .filter_map(|z| string(z, &["name"]))
                            .collect(),
                        items(e, &["hints", "forNodes"])
                            .iter()
                            .filter_map(|z| string(z, &["name"]))
                            .collect(),
                    ),
                })
                .collect(),
            ports: node
                .get("ports")
                .filter(|p| !p.is_null())
                .map(|p| p.items().unwrap_or(&[]).iter().map(endpoint_port).collect()),
        }),
        Kind::Endpoints => Object::Endpoints(Endpoints {
            meta: meta(node, raw.kind, origin),
            subsets: items(node, &["subsets"])
                .iter()
                .map(|s| {
                    let addresses = |key: &str| {
                        items(s, &[key])
                            .iter()
                            .map(|a| EndpointAddress {
                                ip: string(a, &["ip"]).unwrap_or_default(),
                                hostname: string(a, &["hostname"]),
                                node_name: string(a, &["nodeName"]),
                                target_ref: a
                                    .get("targetRef")
                                    .filter(|t| !t.is_null())
                                    .map(object_reference),
                            })
                            .collect()
                    };
                    EndpointSubset {
                        addresses: addresses("addresses"),
                        not_ready_addresses: addresses("notReadyAddresses"),
                        ports: items(s, &["ports"]).iter().map(endpoint_port).collect(),
                    }
                })
                .collect(),
        }),
        Kind::ConfigMap => Object::ConfigMap(ConfigMap {
            meta: meta(node, raw.kind, origin),
            data: string_map(node, &["data"]).unwrap_or_default(),
        }),
        Kind::ServiceCIDR => Object::ServiceCidr(ServiceCidr {
            meta: meta(node, raw.kind, origin),
            cidrs: strings(node, &["spec", "cidrs"]),
        }),
        Kind::KubeProxyConfiguration => Object::KubeProxyConfiguration(KubeProxyConfiguration {
            origin: Some(raw.id),
            mode: string(node, &["mode"]),
            hostname_override: string(node, &["hostnameOverride"]),
            cluster_cidr: string(node, &["clusterCIDR"]),
            detect_local_mode: string(node, &["detectLocalMode"]),
            bridge_interface: string(node, &["detectLocal", "bridgeInterface"]),
            interface_name_prefix: string(node, &["detectLocal", "interfaceNamePrefix"]),
            detect_local_cluster_cidrs: strings(node, &["detectLocal", "clusterCIDRs"]),
            node_port_addresses: at(node, &["nodePortAddresses"])
                .filter(|n| !n.is_null())
                .map(|_| strings(node, &["nodePortAddresses"])),
            masquerade_all: boolean(node, &["masqueradeAll"])
                .or(boolean(node, &["linux", "masqueradeAll"])),
            iptables_masquerade_bit: int(node, &["iptables", "masqueradeBit"]),
            iptables_masquerade_all: boolean(node, &["iptables", "masqueradeAll"]),
            iptables_localhost_node_ports: boolean(node, &["iptables", "localhostNodePorts"]),
            nftables_masquerade_bit: int(node, &["nftables", "masqueradeBit"]),
            nftables_masquerade_all: boolean(node, &["nftables", "masqueradeAll"]),
            ipvs_scheduler: string(node, &["ipvs", "scheduler"]),
            ipvs_strict_arp: boolean(node, &["ipvs", "strictARP"]),
            ipvs_exclude_cidrs: strings(node, &["ipvs", "excludeCIDRs"]),
            ipvs_tcp_timeout: string(node, &["ipvs", "tcpTimeout"]),
            ipvs_tcp_fin_timeout: string(node, &["ipvs", "tcpFinTimeout"]),
            ipvs_udp_timeout: string(node, &["ipvs", "udpTimeout"]),
            feature_gates: at(node, &["featureGates"])
                .and_then(Yaml::entries)
                .map(|es| {
                    es.iter()
                        .filter_map(|e| Some((e.key.key_string()?, e.value.as_bool()?)))
                        .collect()
                })
                .unwrap_or_default(),
        }),
        Kind::NodeRuntime => Object::NodeRuntime(NodeRuntime {
            origin: Some(raw.id),
            name: string(node, &["metadata", "name"]).unwrap_or_default(),
            ip_families: strings(node, &["ipFamilies"])
                .iter()
                .filter_map(|f| ip::IpFamily::parse(f))
                .collect(),
            interfaces: items(node, &["interfaces"])
                .iter()
                .map(|i| Interface {
                    name: string(i, &["name"]).unwrap_or_default(),
                    addresses: strings(i, &["addresses"]),
                })
                .collect(),
            nfacct: boolean(node, &["nfacct"]),
            random_fully: boolean(node, &["randomFully"]),
            conntrack_tcp_be_liberal: boolean(node, &["conntrackTCPBeLiberal"]),
        }),
    }
}

fn read_service(node: &Yaml, meta: ObjectMeta) -> Service {
    fn spec<'a>(path: &[&'a str]) -> Vec<&'a str> {
        let mut full = vec!["spec"];
        full.extend_from_slice(path);
        full
    }
    Service {
        meta,
        spec: ServiceSpec {
            type_: string(node, &spec(&["type"])),
            selector: string_map(node, &spec(&["selector"])),
            cluster_ip: string(node, &spec(&["clusterIP"])),
            cluster_ips: strings(node, &spec(&["clusterIPs"])),
            ip_families: strings(node, &spec(&["ipFamilies"])),
            ip_family_policy: string(node, &spec(&["ipFamilyPolicy"])),
            ports: items(node, &spec(&["ports"]))
                .iter()
                .map(|p| ServicePort {
                    name: string(p, &["name"]).unwrap_or_default(),
                    protocol: string(p, &["protocol"]),
                    app_protocol: string(p, &["appProtocol"]),
                    port: int(p, &["port"]),
                    target_port: int_or_string(p, &["targetPort"]),
                    node_port: int(p, &["nodePort"]),
                })
                .collect(),
            external_ips: strings(node, &spec(&["externalIPs"])),
            session_affinity: string(node, &spec(&["sessionAffinity"])),
            session_affinity_config: at(node, &spec(&["sessionAffinityConfig"]))
                .is_some_and(|n| !n.is_null()),
            session_affinity_timeout: int(
                node,
                &spec(&["sessionAffinityConfig", "clientIP", "timeoutSeconds"]),
            ),
            external_traffic_policy: string(node, &spec(&["externalTrafficPolicy"])),
            internal_traffic_policy: string(node, &spec(&["internalTrafficPolicy"])),
            health_check_node_port: int(node, &spec(&["healthCheckNodePort"])),
            load_balancer_ip: string(node, &spec(&["loadBalancerIP"])),
            load_balancer_source_ranges: strings(node, &spec(&["loadBalancerSourceRanges"])),
            load_balancer_class: string(node, &spec(&["loadBalancerClass"])),
            external_name: string(node, &spec(&["externalName"])),
            publish_not_ready_addresses: boolean(node, &spec(&["publishNotReadyAddresses"])),
            allocate_load_balancer_node_ports: boolean(
                node,
                &spec(&["allocateLoadBalancerNodePorts"]),
            ),
            traffic_distribution: string(node, &spec(&["trafficDistribution"])),
        },
        status: ServiceStatus {
            load_balancer_ingress: items(node, &["status", "loadBalancer", "ingress"])
                .iter()
                .map(|i| LoadBalancerIngress {
                    ip: string(i, &["ip"]),
                    hostname: string(i, &["hostname"]),
                    ip_mode: string(i, &["ipMode"]),
                })
                .collect(),
        },
    }
}

fn container(c: &Yaml) -> Container {
    Container {
        name: string(c, &["name"]).unwrap_or_default(),
        image: string(c, &["image"]),
        ports: items(c, &["ports"])
            .iter()
            .filter_map(|p| {
                Some(ContainerPort {
                    name: string(p, &["name"]),
                    container_port: int(p, &["containerPort"])?,
                    protocol: string(p, &["protocol"]),
                })
            })
            .collect(),
        restart_policy: string(c, &["restartPolicy"]),
    }
}

fn pod_spec(spec: Option<&Yaml>) -> PodSpec {
    let Some(spec) = spec else {
        return PodSpec::default();
    };
    PodSpec {
        node_name: string(spec, &["nodeName"]),
        hostname: string(spec, &["hostname"]),
        subdomain: string(spec, &["subdomain"]),
        host_network: boolean(spec, &["hostNetwork"]).unwrap_or(false),
        containers: items(spec, &["containers"]).iter().map(container).collect(),
        init_containers: items(spec, &["initContainers"])
            .iter()
            .map(container)
            .collect(),
        readiness_gates: items(spec, &["readinessGates"])
            .iter()
            .filter_map(|g| string(g, &["conditionType"]))
            .collect(),
        node_selector: string_map(spec, &["nodeSelector"]).unwrap_or_default(),
        tolerations: items(spec, &["tolerations"])
            .iter()
            .map(|t| Toleration {
                key: string(t, &["key"]).unwrap_or_default(),
                operator: string(t, &["operator"]).unwrap_or_default(),
                value: string(t, &["value"]).unwrap_or_default(),
                effect: string(t, &["effect"]).unwrap_or_default(),
            })
            .collect(),
    }
}

fn label_selector(node: &Yaml) -> LabelSelector {
    LabelSelector {
        match_labels: string_map(node, &["matchLabels"]).unwrap_or_default(),
        match_expressions: items(node, &["matchExpressions"])
            .iter()
            .map(|r| Requirement {
                key: string(r, &["key"]).unwrap_or_default(),
                operator: match string(r, &["operator"]).as_deref() {
                    Some("In") => Operator::In,
                    Some("NotIn") => Operator::NotIn,
                    Some("Exists") => Operator::Exists,
                    Some("DoesNotExist") => Operator::DoesNotExist,
                    other => Operator::Invalid(other.unwrap_or("").to_string()),
                },
                values: strings(r, &["values"]),
            })
            .collect(),
    }
}

/// A canonical text of a YAML tree (keys sorted, scalars resolved): the same template
/// written with other spacing, key order or quoting gives the same text.
pub fn canonical(node: &Yaml) -> String {
    let mut out = String::new();
    write_canonical(node, &mut out);
    out
}

fn write_canonical(node: &Yaml, out: &mut String) {
    use crate::manifest::yaml::Value;
    match &node.value {
        Value::Scalar(..) => match node.scalar() {
            Some(Scalar::Null) | None => out.push_str("null"),
            Some(Scalar::Bool(b)) => {
                let _ = write!(out, "{b}");
            }
            Some(Scalar::Int(i)) => {
                let _ = write!(out, "{i}");
            }
            Some(Scalar::Float(f)) => {
                let _ = write!(out, "{f}");
            }
            Some(Scalar::Str(s)) => {
                let _ = write!(out, "{s:?}");
            }
        },
        Value::Seq(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        Value::Map(entries) => {
            let mut sorted: Vec<_> = entries
                .iter()
                .map(|e| (e.key.key_string().unwrap_or_default(), &e.value))
                .collect();
            crate::sort::sort_by(&mut sorted, |a, b| a.0.cmp(&b.0));
            out.push('{');
            for (i, (k, v)) in sorted.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                let _ = write!(out, "{k:?}:");
                write_canonical(v, out);
            }
            out.push('}');
        }
    }
}
