//! What a kubeadm cluster runs in `kube-system` before anyone applies anything: the
//! kube-proxy DaemonSet and its ConfigMap, the CoreDNS Deployment with its ConfigMap and
//! the `kube-dns` Service, and the control plane's static Pods.
//!
//! [`add`] puts them into the cluster after the workload controllers ran (so the Pods a
//! scenario's own workloads get, their names, nodes and IPs, are exactly what they are
//! without the add-ons), then lets the EndpointSlice and Endpoints controllers make
//! kube-dns's endpoints. kube-proxy then programs kube-dns like any other Service, as on
//! a real node. Nothing is added under `--stored` (the caller decides), so the reference
//! cases, which hold their own objects, do not change.
//!
//! - **CoreDNS**: a Deployment of 2 replicas (`registry.k8s.io/coredns/coredns:v1.13.1`,
//!   kubeadm v1.35's pin) whose Pods run on the first control-plane Node (they tolerate
//!   its taint; on a new kubeadm cluster they are scheduled before any worker joins),
//!   else on the first Node, with the next free addresses of that Node's pod CIDR.
//! - **kube-proxy**: a DaemonSet; one host-network Pod per Node, its IP the Node's. Its
//!   ConfigMap's `config.conf` is the scenario's KubeProxyConfiguration over kubeadm's
//!   defaults ([`kube_proxy_config_conf`]); editing it (`kubectl edit cm kube-proxy`)
//!   writes the fields that differ from those defaults back into the scenario
//!   ([`kube_proxy_document`]).
//! - **Static Pods** (etcd, kube-apiserver, kube-controller-manager, kube-scheduler) on
//!   every control-plane Node, on the host network.
//!
//! A written object of the same name (a `kube-system/kube-dns` Service in a dump, say)
//! wins over the add-on's. Pods replaced during a session (`kubectl delete pod -l
//! k8s-app=kube-proxy`) get new names from the session's restart counters.

use super::uid::object_uid;
use super::workloads::{free_pod_ips, name_suffix, pod_template_hash};
use super::{SCENARIO_START, endpoints, endpointslice};
use crate::manifest::Kind;
use crate::manifest::emit::{Yaml, to_string};
use crate::manifest::yaml::Node;
use crate::model::labels::LabelSelector;
use crate::model::{
    Condition, ConfigMap, Container, ContainerPort, DaemonSet, IntOrString, ObjectMeta, Objects,
    Origin, OwnerReference, Pod, PodSpec, PodStatus, PodTemplate, Service, ServicePort,
    ServiceSpec, ServiceStatus, Workload,
};
use crate::model::{DEFAULT_NODE_IP, DEFAULT_NODE_NAME};
use std::collections::BTreeMap;

/// The Kubernetes version of the simulated cluster.
pub const KUBERNETES_VERSION: &str = "v1.35.0";
/// kube-proxy's image.
pub const KUBE_PROXY_IMAGE: &str = "registry.k8s.io/kube-proxy:v1.35.0";
/// CoreDNS's image (kubeadm v1.35's `CoreDNSVersion`).
pub const COREDNS_IMAGE: &str = "registry.k8s.io/coredns/coredns:v1.13.1";
/// The namespace of the add-ons.
pub const KUBE_SYSTEM: &str = "kube-system";
/// The label the kube-proxy Pods carry (`kubectl delete pod -l k8s-app=kube-proxy`).
pub const KUBE_PROXY_LABEL: (&str, &str) = ("k8s-app", "kube-proxy");
/// The label the CoreDNS Pods carry, and kube-dns's selector.
pub const KUBE_DNS_LABEL: (&str, &str) = ("k8s-app", "kube-dns");
/// How many CoreDNS replicas kubeadm deploys.
const COREDNS_REPLICAS: usize = 2;

/// kubeadm's Corefile (`cmd/kubeadm/app/phases/addons/dns/manifests.go`, `CoreDNSConfigMap`).
pub const COREFILE: &str = ".:53 {
    errors
    health {
       lameduck 5s
    }
    ready
    kubernetes cluster.local in-addr.arpa ip6.arpa {
       pods insecure
       fallthrough in-addr.arpa ip6.arpa
       ttl 30
    }
    prometheus :9153
    forward . /etc/resolv.conf {
       max_concurrent 1000
    }
    cache 30 {
       disable success cluster.local
       disable denial cluster.local
    }
    loop
    reload
    loadbalance
}
";

/// The key under which the session counts replacements of a node's kube-proxy Pod.
pub fn kube_proxy_restart_key(node: &str) -> String {
    format!("kube-proxy/{node}")
}

/// The key under which the session counts replacements of the CoreDNS Pods.
pub const COREDNS_RESTART_KEY: &str = "coredns";

/// The name of the kube-proxy Pod on `node` after `restarts` replacements.
pub fn kube_proxy_pod_name(node: &str, restarts: u32) -> String {
    let seed = if restarts == 0 {
        format!("kube-system/kube-proxy/{node}")
    } else {
        format!("kube-system/kube-proxy/{node}#{restarts}")
    };
    format!("kube-proxy-{}", name_suffix(&seed))
}

/// The nodes of the cluster: the scenario's, or the default one.
fn node_names(objects: &Objects) -> Vec<(String, String, bool)> {
    if objects.nodes.is_empty() {
        return vec![(DEFAULT_NODE_NAME.into(), DEFAULT_NODE_IP.into(), false)];
    }
    objects
        .nodes
        .iter()
        .map(|n| {
            let control_plane = n
                .meta
                .labels
                .contains_key("node-role.kubernetes.io/control-plane")
                || n.taints
                    .iter()
                    .any(|t| t.key == "node-role.kubernetes.io/control-plane");
            (
                n.meta.name.clone(),
                n.internal_ip().unwrap_or(DEFAULT_NODE_IP).to_string(),
                control_plane,
            )
        })
        .collect()
}

/// The node the terminal starts on and that holds the lab's files: the first control-plane
/// Node (where kubeadm's admin kubeconfig is), else the first Node, else the default node.
pub fn home_node(objects: &Objects) -> String {
    let nodes = node_names(objects);
    nodes
        .iter()
        .find(|n| n.2)
        .or(nodes.first())
        .map_or_else(|| DEFAULT_NODE_NAME.to_string(), |n| n.0.clone())
}

fn labels(pairs: &[(&str, &str)]) -> crate::model::StringMap {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn running_status(ips: Vec<String>, host_ip: Option<String>) -> PodStatus {
    PodStatus {
        phase: Some("Running".into()),
        conditions: [
            "PodReadyToStartContainers",
            "Initialized",
            "Ready",
            "ContainersReady",
            "PodScheduled",
        ]
        .iter()
        .map(|t| Condition {
            type_: (*t).into(),
            status: "True".into(),
        })
        .collect(),
        pod_ip: ips.first().cloned(),
        pod_ips: ips,
        host_ip,
    }
}

fn meta(name: &str, labels_: crate::model::StringMap) -> ObjectMeta {
    let mut meta = ObjectMeta::new(name, KUBE_SYSTEM, Origin::Builtin);
    meta.uid = Some(object_uid("Pod", KUBE_SYSTEM, name));
    meta.labels = labels_;
    meta.creation_timestamp = Some(SCENARIO_START.into());
    meta
}

fn container(name: &str, image: &str, ports: &[(&str, i64, &str)]) -> Container {
    Container {
        name: name.into(),
        image: Some(image.into()),
        ports: ports
            .iter()
            .map(|(n, p, proto)| ContainerPort {
                name: Some((*n).into()),
                container_port: *p,
                protocol: Some((*proto).into()),
            })
            .collect(),
        restart_policy: None,
    }
}

/// kube-dns: `kube-system/kube-dns` at the tenth address of the service range.
fn kube_dns_service(cluster_ip: &str) -> Service {
    let mut meta = ObjectMeta::new("kube-dns", KUBE_SYSTEM, Origin::Builtin);
    meta.labels = labels(&[
        KUBE_DNS_LABEL,
        ("kubernetes.io/cluster-service", "true"),
        ("kubernetes.io/name", "CoreDNS"),
    ]);
    meta.annotations = labels(&[
        ("prometheus.io/port", "9153"),
        ("prometheus.io/scrape", "true"),
    ]);
    meta.uid = Some(object_uid("Service", KUBE_SYSTEM, "kube-dns"));
    meta.creation_timestamp = Some(SCENARIO_START.into());
    let port = |name: &str, protocol: &str, number: i64| ServicePort {
        name: name.into(),
        protocol: Some(protocol.into()),
        app_protocol: None,
        port: Some(number),
        target_port: Some(IntOrString::Int(number)),
        node_port: None,
    };
    let family = if cluster_ip.contains(':') {
        "IPv6"
    } else {
        "IPv4"
    };
    Service {
        meta,
        spec: ServiceSpec {
            type_: Some("ClusterIP".into()),
            selector: Some(labels(&[KUBE_DNS_LABEL])),
            cluster_ip: Some(cluster_ip.into()),
            cluster_ips: vec![cluster_ip.into()],
            ip_families: vec![family.into()],
            ip_family_policy: Some("SingleStack".into()),
            ports: vec![
                port("dns", "UDP", 53),
                port("dns-tcp", "TCP", 53),
                port("metrics", "TCP", 9153),
            ],
            session_affinity: Some("None".into()),
            internal_traffic_policy: Some("Cluster".into()),
            ..ServiceSpec::default()
        },
        status: ServiceStatus::default(),
    }
}

/// The CoreDNS Deployment's template (its fingerprint gives the pod-template-hash).
fn coredns_template() -> PodTemplate {
    PodTemplate {
        labels: labels(&[KUBE_DNS_LABEL]),
        annotations: Default::default(),
        spec: PodSpec {
            containers: vec![container(
                "coredns",
                COREDNS_IMAGE,
                &[
                    ("dns", 53, "UDP"),
                    ("dns-tcp", 53, "TCP"),
                    ("metrics", 9153, "TCP"),
                ],
            )],
            ..PodSpec::default()
        },
        fingerprint: format!("coredns {COREDNS_IMAGE} k8s-app=kube-dns"),
    }
}

fn kube_proxy_template() -> PodTemplate {
    PodTemplate {
        labels: labels(&[KUBE_PROXY_LABEL]),
        annotations: Default::default(),
        spec: PodSpec {
            host_network: true,
            containers: vec![container("kube-proxy", KUBE_PROXY_IMAGE, &[])],
            ..PodSpec::default()
        },
        fingerprint: format!("kube-proxy {KUBE_PROXY_IMAGE}"),
    }
}

/// The kube-system objects of a kubeadm cluster, added to `objects` (see the module
/// documentation). `restarts` counts the replacements of the built-in Pods (the
/// session's, [`crate::session::Session::restarts`]); `config_conf` is the kube-proxy
/// ConfigMap's `config.conf`; `may_hold_dns` is `false` when the text is known to hold
/// no Service `kube-system/kube-dns` (otherwise the Services are looked through).
pub fn add(
    objects: &mut Objects,
    restarts: &BTreeMap<String, u32>,
    restart_times: &BTreeMap<String, i64>,
    dns_ip: Option<&str>,
    config_conf: String,
    may_hold_dns: bool,
) {
    let restarts_of = |key: &str| restarts.get(key).copied().unwrap_or(0);
    let started = |key: &str| {
        restart_times
            .get(key)
            .map(|t| crate::session::clock::rfc3339(*t))
            .unwrap_or_else(|| SCENARIO_START.to_string())
    };
    let nodes = node_names(objects);
    let home = home_node(objects);
    let home_ip = nodes
        .iter()
        .find(|n| n.0 == home)
        .map_or(DEFAULT_NODE_IP.to_string(), |n| n.1.clone());
    // ConfigMaps.
    let mut kube_proxy_cm = ObjectMeta::new("kube-proxy", KUBE_SYSTEM, Origin::Builtin);
    kube_proxy_cm.labels = labels(&[("app", "kube-proxy")]);
    kube_proxy_cm.uid = Some(object_uid("ConfigMap", KUBE_SYSTEM, "kube-proxy"));
    kube_proxy_cm.creation_timestamp = Some(SCENARIO_START.into());
    objects.config_maps.push(ConfigMap {
        meta: kube_proxy_cm,
        data: [
            ("config.conf".to_string(), config_conf),
            (
                "kubeconfig.conf".to_string(),
                kube_proxy_kubeconfig(&home_ip),
            ),
        ]
        .into_iter()
        .collect(),
    });
    let mut coredns_cm = ObjectMeta::new("coredns", KUBE_SYSTEM, Origin::Builtin);
    coredns_cm.uid = Some(object_uid("ConfigMap", KUBE_SYSTEM, "coredns"));
    coredns_cm.creation_timestamp = Some(SCENARIO_START.into());
    objects.config_maps.push(ConfigMap {
        meta: coredns_cm,
        data: [("Corefile".to_string(), COREFILE.to_string())]
            .into_iter()
            .collect(),
    });
    // Static Pods of the control plane.
    for (node, ip, control_plane) in &nodes {
        if !control_plane {
            continue;
        }
        for (component, image) in [
            ("etcd", "registry.k8s.io/etcd:3.6.6-0"),
            ("kube-apiserver", "registry.k8s.io/kube-apiserver:v1.35.0"),
            (
                "kube-controller-manager",
                "registry.k8s.io/kube-controller-manager:v1.35.0",
            ),
            ("kube-scheduler", "registry.k8s.io/kube-scheduler:v1.35.0"),
        ] {
            let name = format!("{component}-{node}");
            if objects
                .pods
                .iter()
                .any(|p| p.meta.namespace == KUBE_SYSTEM && p.meta.name == name)
            {
                continue;
            }
            let mut m = meta(
                &name,
                labels(&[("component", component), ("tier", "control-plane")]),
            );
            m.owner_references.push(OwnerReference {
                api_version: "v1".into(),
                kind: "Node".into(),
                name: node.clone(),
                uid: object_uid("Node", "", node),
                controller: Some(true),
                block_owner_deletion: None,
            });
            objects.pods.push(Pod {
                meta: m,
                spec: PodSpec {
                    node_name: Some(node.clone()),
                    host_network: true,
                    containers: vec![container(component, image, &[])],
                    ..PodSpec::default()
                },
                status: running_status(vec![ip.clone()], Some(ip.clone())),
            });
        }
    }
    // kube-proxy: the DaemonSet and one Pod per Node.
    let template = kube_proxy_template();
    let mut ds = ObjectMeta::new("kube-proxy", KUBE_SYSTEM, Origin::Builtin);
    ds.labels = labels(&[KUBE_PROXY_LABEL]);
    ds.uid = Some(object_uid("DaemonSet", KUBE_SYSTEM, "kube-proxy"));
    ds.creation_timestamp = Some(SCENARIO_START.into());
    let revision = pod_template_hash(&template.fingerprint);
    for (node, ip, _) in &nodes {
        let restarts = restarts_of(&kube_proxy_restart_key(node));
        let name = kube_proxy_pod_name(node, restarts);
        let mut pod_labels = template.labels.clone();
        pod_labels.insert("controller-revision-hash".into(), revision.clone());
        pod_labels.insert("pod-template-generation".into(), "1".into());
        let mut m = meta(&name, pod_labels);
        m.creation_timestamp = Some(started(&kube_proxy_restart_key(node)));
        m.generate_name = Some("kube-proxy-".into());
        m.owner_references.push(OwnerReference {
            api_version: "apps/v1".into(),
            kind: "DaemonSet".into(),
            name: "kube-proxy".into(),
            uid: object_uid("DaemonSet", KUBE_SYSTEM, "kube-proxy"),
            controller: Some(true),
            block_owner_deletion: Some(true),
        });
        objects.pods.push(Pod {
            meta: m,
            spec: PodSpec {
                node_name: Some(node.clone()),
                ..template.spec.clone()
            },
            status: running_status(vec![ip.clone()], Some(ip.clone())),
        });
    }
    objects.daemon_sets.push(DaemonSet {
        meta: ds,
        selector: labels(&[KUBE_PROXY_LABEL]),
        template,
        image: KUBE_PROXY_IMAGE.into(),
    });
    // CoreDNS, unless the scenario wrote its own.
    let written_coredns = objects
        .workloads
        .iter()
        .any(|w| w.meta.namespace == KUBE_SYSTEM && w.meta.name == "coredns");
    if !written_coredns {
        let template = coredns_template();
        let hash = pod_template_hash(&template.fingerprint);
        let rs = format!("coredns-{hash}");
        let mut dm = ObjectMeta::new("coredns", KUBE_SYSTEM, Origin::Builtin);
        dm.labels = labels(&[KUBE_DNS_LABEL]);
        dm.uid = Some(object_uid("Deployment", KUBE_SYSTEM, "coredns"));
        dm.creation_timestamp = Some(SCENARIO_START.into());
        let restarts = restarts_of(COREDNS_RESTART_KEY);
        let ips = free_pod_ips(objects, &home, COREDNS_REPLICAS).unwrap_or_default();
        for (index, pod_ips) in ips.into_iter().enumerate() {
            let seed = if restarts == 0 {
                format!("{KUBE_SYSTEM}/{rs}/{index}")
            } else {
                format!("{KUBE_SYSTEM}/{rs}/{index}#{restarts}")
            };
            let name = format!("{rs}-{}", name_suffix(&seed));
            let mut pod_labels = template.labels.clone();
            pod_labels.insert("pod-template-hash".into(), hash.clone());
            let mut m = meta(&name, pod_labels);
            m.creation_timestamp = Some(started(COREDNS_RESTART_KEY));
            m.generate_name = Some(format!("{rs}-"));
            m.owner_references.push(OwnerReference {
                api_version: "apps/v1".into(),
                kind: "ReplicaSet".into(),
                name: rs.clone(),
                uid: object_uid("ReplicaSet", KUBE_SYSTEM, &rs),
                controller: Some(true),
                block_owner_deletion: Some(true),
            });
            objects.pods.push(Pod {
                meta: m,
                spec: PodSpec {
                    node_name: Some(home.clone()),
                    ..template.spec.clone()
                },
                status: running_status(pod_ips, Some(home_ip.clone())),
            });
        }
        objects.workloads.push(Workload {
            kind: Kind::Deployment,
            meta: dm,
            replicas: Some(COREDNS_REPLICAS as i64),
            selector: LabelSelector {
                match_labels: labels(&[KUBE_DNS_LABEL]),
                match_expressions: Vec::new(),
            },
            template,
            service_name: None,
        });
    }
    // kube-dns, unless written, and its endpoints.
    // Looked for only when the text may hold it (a dump's 5,000 Services are not read).
    let written_dns = may_hold_dns && objects.service(KUBE_SYSTEM, "kube-dns").is_some();
    if !written_dns {
        if let Some(ip) = dns_ip {
            let service = kube_dns_service(ip);
            let slices = endpointslice::slices_for(&service, objects);
            let legacy = endpoints::endpoints_for(&service, &objects.pods);
            objects.services.push(service);
            objects.endpoint_slices.extend(slices);
            objects.endpoints.push(legacy);
        }
    }
}

/// The `kubeconfig.conf` kubeadm writes into the kube-proxy ConfigMap.
fn kube_proxy_kubeconfig(control_plane_ip: &str) -> String {
    format!(
        "apiVersion: v1
kind: Config
clusters:
- cluster:
    certificate-authority: /var/run/secrets/kubernetes.io/serviceaccount/ca.crt
    server: https://{control_plane_ip}:6443
  name: default
contexts:
- context:
    cluster: default
    namespace: default
    user: default
  name: default
current-context: default
users:
- name: default
  user:
    tokenFile: /var/run/secrets/kubernetes.io/serviceaccount/token"
    )
}

/// kubeadm's KubeProxyConfiguration as it writes it into the ConfigMap: every field of
/// `kubeproxy.config.k8s.io/v1alpha1`, zero values included (kubeadm marshals the whole
/// struct), with the `kubeconfig` path kubeadm sets.
pub fn kubeadm_defaults() -> Yaml {
    let s = |v: &str| Some(Yaml::str(v));
    let null = Some(Yaml::Null);
    let int = |v: i64| Some(Yaml::Int(v));
    let f = Some(Yaml::Bool(false));
    use crate::manifest::emit::map;
    map(vec![
        ("apiVersion", s("kubeproxy.config.k8s.io/v1alpha1")),
        ("bindAddress", s("0.0.0.0")),
        ("bindAddressHardFail", f.clone()),
        (
            "clientConnection",
            Some(map(vec![
                ("acceptContentTypes", s("")),
                ("burst", int(0)),
                ("contentType", s("")),
                ("kubeconfig", s("/var/lib/kube-proxy/kubeconfig.conf")),
                ("qps", int(0)),
            ])),
        ),
        ("clusterCIDR", s("")),
        ("configSyncPeriod", s("0s")),
        (
            "conntrack",
            Some(map(vec![
                ("maxPerCore", null.clone()),
                ("min", null.clone()),
                ("tcpBeLiberal", f.clone()),
                ("tcpCloseWaitTimeout", null.clone()),
                ("tcpEstablishedTimeout", null.clone()),
                ("udpStreamTimeout", s("0s")),
                ("udpTimeout", s("0s")),
            ])),
        ),
        (
            "detectLocal",
            Some(map(vec![
                ("bridgeInterface", s("")),
                ("interfaceNamePrefix", s("")),
            ])),
        ),
        ("detectLocalMode", s("")),
        ("enableProfiling", f.clone()),
        ("healthzBindAddress", s("")),
        ("hostnameOverride", s("")),
        (
            "iptables",
            Some(map(vec![
                ("localhostNodePorts", null.clone()),
                ("masqueradeAll", f.clone()),
                ("masqueradeBit", null.clone()),
                ("minSyncPeriod", s("0s")),
                ("syncPeriod", s("0s")),
            ])),
        ),
        (
            "ipvs",
            Some(map(vec![
                ("excludeCIDRs", null.clone()),
                ("minSyncPeriod", s("0s")),
                ("scheduler", s("")),
                ("strictARP", f.clone()),
                ("syncPeriod", s("0s")),
                ("tcpFinTimeout", s("0s")),
                ("tcpTimeout", s("0s")),
                ("udpTimeout", s("0s")),
            ])),
        ),
        ("kind", s("KubeProxyConfiguration")),
        (
            "logging",
            Some(map(vec![
                ("flushFrequency", int(0)),
                (
                    "options",
                    Some(map(vec![
                        ("json", Some(map(vec![("infoBufferSize", s("0"))]))),
                        ("text", Some(map(vec![("infoBufferSize", s("0"))]))),
                    ])),
                ),
                ("verbosity", int(0)),
            ])),
        ),
        ("metricsBindAddress", s("")),
        ("mode", s("")),
        (
            "nftables",
            Some(map(vec![
                ("masqueradeAll", f.clone()),
                ("masqueradeBit", null.clone()),
                ("minSyncPeriod", s("0s")),
                ("syncPeriod", s("0s")),
            ])),
        ),
        ("nodePortAddresses", null.clone()),
        ("oomScoreAdj", null),
        ("portRange", s("")),
        ("showHiddenMetricsForVersion", s("")),
        (
            "winkernel",
            Some(map(vec![
                ("enableDSR", f.clone()),
                ("forwardHealthCheckVip", f.clone()),
                ("networkName", s("")),
                ("rootHnsEndpointName", s("")),
                ("sourceVip", s("")),
            ])),
        ),
    ])
}

pub use crate::manifest::emit::from_node as tree;

/// `base` with `over`'s values laid over it, maps merged key by key.
fn overlay(base: &Yaml, over: &Yaml) -> Yaml {
    match (base, over) {
        (Yaml::Map(b), Yaml::Map(o)) => {
            let mut out: Vec<(String, Yaml)> = b
                .iter()
                .map(|(k, v)| match o.iter().find(|(ok, _)| ok == k) {
                    Some((_, ov)) => (k.clone(), overlay(v, ov)),
                    None => (k.clone(), v.clone()),
                })
                .collect();
            for (k, v) in o {
                if !b.iter().any(|(bk, _)| bk == k) {
                    out.push((k.clone(), v.clone()));
                }
            }
            Yaml::Map(out)
        }
        (_, over) => over.clone(),
    }
}

/// What `over` has that differs from `base` (maps compared key by key); `None` when
/// nothing differs.
fn difference(base: &Yaml, over: &Yaml) -> Option<Yaml> {
    match (base, over) {
        (Yaml::Map(b), Yaml::Map(o)) => {
            let out: Vec<(String, Yaml)> = o
                .iter()
                .filter_map(|(k, v)| match b.iter().find(|(bk, _)| bk == k) {
                    Some((_, bv)) => difference(bv, v).map(|d| (k.clone(), d)),
                    None => Some((k.clone(), v.clone())),
                })
                .collect();
            (!out.is_empty()).then_some(Yaml::Map(out))
        }
        (b, o) if b == o => None,
        (_, o) => Some(o.clone()),
    }
}

/// The ConfigMap's `config.conf`: the scenario's KubeProxyConfiguration document (its
/// tree; `None` when the scenario has none) over kubeadm's defaults.
pub fn kube_proxy_config_conf(written: Option<&Node>) -> String {
    let base = kubeadm_defaults();
    let merged = match written {
        Some(node) => overlay(&base, &tree(node)),
        None => base,
    };
    to_string(&merged).trim_end_matches('\n').to_string()
}

/// The KubeProxyConfiguration document to keep in the scenario for an edited
/// `config.conf`: only the fields that differ from kubeadm's defaults. `Err` is why the
/// text is not a configuration (kubectl edit's own wording is the caller's).
pub fn kube_proxy_document(config_conf: &str) -> Result<String, String> {
    let (docs, errors) = crate::manifest::yaml::parse_documents(config_conf);
    if let Some(e) = errors.first() {
        return Err(format!("yaml: line {}: {}", e.span.start.line, e.message));
    }
    let edited = match docs.into_iter().find_map(|d| d.root) {
        Some(root) if root.entries().is_some() => tree(&root),
        Some(root) if !root.is_null() => return Err("config.conf must be a mapping".into()),
        _ => Yaml::Map(Vec::new()),
    };
    let diff = difference(&kubeadm_defaults(), &edited).unwrap_or(Yaml::Map(Vec::new()));
    let Yaml::Map(mut fields) = diff else {
        return Err("config.conf must be a mapping".into());
    };
    fields.retain(|(k, _)| k != "apiVersion" && k != "kind");
    let mut all = vec![
        (
            "apiVersion".to_string(),
            Yaml::str("kubeproxy.config.k8s.io/v1alpha1"),
        ),
        ("kind".to_string(), Yaml::str("KubeProxyConfiguration")),
    ];
    all.extend(fields);
    Ok(to_string(&Yaml::Map(all)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_conf_round_trips_to_the_fields_that_differ() {
        let conf = kube_proxy_config_conf(None);
        assert!(
            conf.starts_with(
                "apiVersion: kubeproxy.config.k8s.io/v1alpha1\nbindAddress: 0.0.0.0\n"
            ),
            "{conf}"
        );
        assert!(conf.contains("\nmode: \"\"\n"), "{conf}");
        let edited = conf.replace("mode: \"\"", "mode: \"ipvs\"");
        assert_eq!(
            kube_proxy_document(&edited).unwrap(),
            "apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\nmode: ipvs\n"
        );
        let (docs, _) = crate::manifest::yaml::parse_documents(
            "apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\nmode: ipvs\nipvs:\n  scheduler: wrr\n",
        );
        let written = docs[0].root.clone().unwrap();
        let conf = kube_proxy_config_conf(Some(&written));
        assert!(conf.contains("\n  scheduler: wrr\n"), "{conf}");
        assert!(conf.contains("\nmode: ipvs\n"), "{conf}");
        assert!(kube_proxy_document("a: [").is_err());
    }
}
