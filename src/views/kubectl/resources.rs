//! The workload and cluster resources of kubectl's table: Deployments, ReplicaSets,
//! StatefulSets, DaemonSets, Nodes, Namespaces, ConfigMaps and Events — their `get`
//! tables (the server's table printers in `pkg/printers/internalversion/printers.go`),
//! their objects as the server returns them, and the Events the controllers and the
//! kubelet would have written.
//!
//! ReplicaSets are what the Deployment controller keeps: one per Deployment, named
//! `<deployment>-<pod-template-hash>`, plus the ones a Deployment left behind when a
//! rollout replaced its template (the session remembers them,
//! [`crate::session::Session::replica_sets`]), and the written ones.
//!
//! Events are derived from the objects, as the components write them when the objects
//! appear: the Deployment controller's `ScalingReplicaSet`, the ReplicaSet and DaemonSet
//! controllers' `SuccessfulCreate`, the scheduler's `Scheduled` and the kubelet's
//! `Pulled`, `Created`, `Started` for each Pod (the image is taken as already present on
//! the node: svcplay does not invent pull durations and image sizes).

use super::describe;
use super::yaml::{Yaml, map, object_meta, opt_map, opt_str};
use super::{Resource, Row, View, created, format_labels};
use super::{in_list_order, named};
use crate::manifest::Kind;
use crate::model::{ObjectMeta, Pod, Workload};
use crate::session::clock;
use std::collections::BTreeMap;

// ---- metadata --------------------------------------------------------------------------

/// `metadata` as the server returns it: with the server's `creationTimestamp` and `uid`.
pub fn server_meta(meta: &ObjectMeta) -> Yaml {
    let mut m = object_meta(meta);
    if let Yaml::Map(entries) = &mut m {
        entries.push((
            "creationTimestamp".into(),
            Yaml::str(clock::rfc3339(created(meta))),
        ));
        if let Some(uid) = &meta.uid {
            entries.push(("uid".into(), Yaml::str(uid.clone())));
        }
    }
    m
}

fn with_meta(meta: &ObjectMeta, extra: Vec<(&str, Option<Yaml>)>) -> Yaml {
    let mut m = server_meta(meta);
    if let Yaml::Map(entries) = &mut m {
        for (k, v) in extra {
            if let Some(v) = v {
                entries.retain(|(e, _)| e != k);
                entries.push((k.to_string(), v));
            }
        }
    }
    m
}

// ---- workloads ---------------------------------------------------------------------------

/// The workload `kind` `namespace/name` (written or built-in).
pub fn workload<'a>(
    view: &View<'a>,
    kind: &str,
    namespace: &str,
    name: &str,
) -> Option<&'a Workload> {
    view.analysis
        .objects
        .workloads
        .iter()
        .find(|w| w.kind.name() == kind && w.meta.namespace == namespace && w.meta.name == name)
}

fn workloads<'a>(view: &View<'a>, kind: Kind, namespace: Option<&str>) -> Vec<&'a Workload> {
    let of_kind = view
        .analysis
        .objects
        .workloads
        .iter()
        .filter(|w| w.kind == kind);
    in_list_order(of_kind, namespace)
}

/// The Pods a workload controls (through its ReplicaSet for a Deployment).
pub fn pods_of<'a>(view: &View<'a>, w: &Workload) -> Vec<&'a Pod> {
    let rs = (w.kind == Kind::Deployment).then(|| {
        crate::controllers::workloads::deployment_replica_set(w, &view.analysis.objects.pods)
    });
    view.analysis
        .objects
        .pods
        .iter()
        .filter(|p| p.meta.namespace == w.meta.namespace)
        .filter(|p| {
            p.meta.owner_references.iter().any(|o| match &rs {
                Some(rs) => o.kind == "ReplicaSet" && &o.name == rs,
                None => o.kind == w.kind.name() && o.name == w.meta.name,
            }) || (p.meta.owner_references.is_empty()
                && !w.selector.is_empty()
                && w.selector.matches(&p.meta.labels))
        })
        .collect()
}

fn images(spec: &crate::model::PodSpec) -> (String, String) {
    (
        spec.containers
            .iter()
            .map(|c| c.name.clone())
            .collect::<Vec<_>>()
            .join(","),
        spec.containers
            .iter()
            .map(|c| c.image.clone().unwrap_or_default())
            .collect::<Vec<_>>()
            .join(","),
    )
}

/// The Deployment's revision: one more for each rollout (`kubectl rollout restart`
/// writes `kubectl.kubernetes.io/restartedAt` into the template).
pub fn revision(w: &Workload) -> usize {
    1 + usize::from(
        w.template
            .annotations
            .contains_key("kubectl.kubernetes.io/restartedAt"),
    )
}

/// The ReplicaSet a Deployment left behind on its last rollout, if the session saw one.
pub fn old_replica_set(view: &View, w: &Workload) -> Option<String> {
    view.analysis
        .session
        .session
        .replica_sets
        .get(&format!("{}/{}", w.meta.namespace, w.meta.name))
        .and_then(|old| old.last().cloned())
}

fn counts(pods: &[&Pod]) -> (usize, usize) {
    let active: Vec<&&Pod> = pods.iter().filter(|p| !p.is_terminating()).collect();
    let ready = active.iter().filter(|p| p.is_ready()).count();
    (active.len(), ready)
}

fn deployment_rows(view: &View, namespace: Option<&str>, _wide: bool) -> Vec<Row> {
    workloads(view, Kind::Deployment, namespace)
        .into_iter()
        .map(|w| {
            let pods = pods_of(view, w);
            let (total, ready) = counts(&pods);
            let replicas = w.replicas.unwrap_or(1);
            let (containers, images) = images(&w.template.spec);
            Row {
                namespace: w.meta.namespace.clone(),
                name: w.meta.name.clone(),
                cells: vec![
                    format!("{ready}/{replicas}"),
                    total.to_string(),
                    ready.to_string(),
                    view.age(&w.meta),
                ],
                wide: vec![containers, images, w.selector.to_string()],
                labels: w.meta.labels.clone(),
            }
        })
        .collect()
}

fn template_yaml(w: &Workload, labels: &crate::model::StringMap) -> Yaml {
    map(vec![
        (
            "metadata",
            Some(map(vec![
                ("annotations", opt_map(&w.template.annotations)),
                ("labels", opt_map(labels)),
            ])),
        ),
        ("spec", Some(pod_spec_yaml(&w.template.spec, None))),
    ])
}

fn selector_yaml(w: &Workload) -> Yaml {
    map(vec![("matchLabels", opt_map(&w.selector.match_labels))])
}

fn deployment_object(view: &View, namespace: &str, name: &str) -> Option<Yaml> {
    let w = workload(view, "Deployment", namespace, name)?;
    let pods = pods_of(view, w);
    let (total, ready) = counts(&pods);
    let mut annotations = w.meta.annotations.clone();
    annotations.insert(
        "deployment.kubernetes.io/revision".into(),
        revision(w).to_string(),
    );
    let n = |v: usize| Some(Yaml::Int(v as i64));
    Some(map(vec![
        ("apiVersion", Some(Yaml::str("apps/v1"))),
        ("kind", Some(Yaml::str("Deployment"))),
        (
            "metadata",
            Some(with_meta(
                &w.meta,
                vec![
                    ("annotations", opt_map(&annotations)),
                    ("generation", n(revision(w))),
                ],
            )),
        ),
        (
            "spec",
            Some(map(vec![
                ("progressDeadlineSeconds", Some(Yaml::Int(600))),
                ("replicas", Some(Yaml::Int(w.replicas.unwrap_or(1)))),
                ("revisionHistoryLimit", Some(Yaml::Int(10))),
                ("selector", Some(selector_yaml(w))),
                (
                    "strategy",
                    Some(map(vec![
                        (
                            "rollingUpdate",
                            Some(map(vec![
                                ("maxSurge", Some(Yaml::str("25%"))),
                                ("maxUnavailable", Some(Yaml::str("25%"))),
                            ])),
                        ),
                        ("type", Some(Yaml::str("RollingUpdate"))),
                    ])),
                ),
                ("template", Some(template_yaml(w, &w.template.labels))),
            ])),
        ),
        (
            "status",
            Some(map(vec![
                (
                    "availableReplicas",
                    (ready > 0).then_some(Yaml::Int(ready as i64)),
                ),
                ("observedGeneration", n(revision(w))),
                (
                    "readyReplicas",
                    (ready > 0).then_some(Yaml::Int(ready as i64)),
                ),
                ("replicas", (total > 0).then_some(Yaml::Int(total as i64))),
                (
                    "updatedReplicas",
                    (total > 0).then_some(Yaml::Int(total as i64)),
                ),
            ])),
        ),
    ]))
}

pub const DEPLOYMENTS: Resource = Resource {
    names: &["deploy", "deployment", "deployments"],
    kind: "Deployment",
    group: "apps",
    version: "v1",
    plural: "deployments",
    namespaced: true,
    header: &["READY", "UP-TO-DATE", "AVAILABLE", "AGE"],
    wide_header: &["CONTAINERS", "IMAGES", "SELECTOR"],
    rows: deployment_rows,
    describe: Some(describe::deployment),
    object: Some(deployment_object),
    warning: None,
    field_labels: &[],
    short_names: &["deploy"],
};

/// One ReplicaSet as kubectl lists it.
pub struct ReplicaSetInfo<'a> {
    pub namespace: String,
    pub name: String,
    pub owner: Option<&'a Workload>,
    /// Whether it is its Deployment's current one (the old ones have no Pods).
    pub current: bool,
    pub desired: i64,
    pub current_count: usize,
    pub ready: usize,
    pub selector: String,
    pub labels: crate::model::StringMap,
    pub annotations: crate::model::StringMap,
    pub template_labels: crate::model::StringMap,
    pub template_annotations: crate::model::StringMap,
    pub created: i64,
}

/// Every ReplicaSet of a namespace (or all), sorted by namespace and name.
pub fn replica_set_rows<'a>(view: &View<'a>, namespace: Option<&str>) -> Vec<ReplicaSetInfo<'a>> {
    let mut out = Vec::new();
    for w in workloads(view, Kind::Deployment, namespace) {
        let rs =
            crate::controllers::workloads::deployment_replica_set(w, &view.analysis.objects.pods);
        let hash = rs
            .strip_prefix(&format!("{}-", w.meta.name))
            .unwrap_or_default()
            .to_string();
        let pods = pods_of(view, w);
        let (total, ready) = counts(&pods);
        let mut labels = w.template.labels.clone();
        labels.insert("pod-template-hash".into(), hash.clone());
        let mut selector = w.selector.clone();
        selector
            .match_labels
            .insert("pod-template-hash".into(), hash.clone());
        let mut annotations = crate::model::StringMap::new();
        annotations.insert(
            "deployment.kubernetes.io/desired-replicas".to_string(),
            w.replicas.unwrap_or(1).to_string(),
        );
        annotations.insert("deployment.kubernetes.io/max-replicas".to_string(), {
            let r = w.replicas.unwrap_or(1);
            (r + (r + 3) / 4).to_string()
        });
        annotations.insert(
            "deployment.kubernetes.io/revision".to_string(),
            revision(w).to_string(),
        );
        let info = |name: String, current: bool| ReplicaSetInfo {
            namespace: w.meta.namespace.clone(),
            name,
            owner: Some(w),
            current,
            desired: if current { w.replicas.unwrap_or(1) } else { 0 },
            current_count: if current { total } else { 0 },
            ready: if current { ready } else { 0 },
            selector: selector.to_string(),
            labels: labels.clone(),
            annotations: annotations.clone(),
            template_labels: labels.clone(),
            template_annotations: w.template.annotations.clone(),
            created: created(&w.meta),
        };
        out.push(info(rs.clone(), true));
        if let Some(old) = view
            .analysis
            .session
            .session
            .replica_sets
            .get(&format!("{}/{}", w.meta.namespace, w.meta.name))
        {
            for name in old.iter().filter(|n| **n != rs) {
                out.push(info(name.clone(), false));
            }
        }
    }
    for w in workloads(view, Kind::ReplicaSet, namespace) {
        let pods = pods_of(view, w);
        let (total, ready) = counts(&pods);
        out.push(ReplicaSetInfo {
            namespace: w.meta.namespace.clone(),
            name: w.meta.name.clone(),
            owner: Some(w),
            current: true,
            desired: w.replicas.unwrap_or(1),
            current_count: total,
            ready,
            selector: w.selector.to_string(),
            labels: w.meta.labels.clone(),
            annotations: w.meta.annotations.clone(),
            template_labels: w.template.labels.clone(),
            template_annotations: w.template.annotations.clone(),
            created: created(&w.meta),
        });
    }
    crate::sort::sort_by(&mut out, |a, b| {
        (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name))
    });
    out
}

fn replica_set_table(view: &View, namespace: Option<&str>, _wide: bool) -> Vec<Row> {
    replica_set_rows(view, namespace)
        .into_iter()
        .map(|rs| {
            let (containers, images) = rs
                .owner
                .map(|w| images(&w.template.spec))
                .unwrap_or_default();
            Row {
                namespace: rs.namespace.clone(),
                name: rs.name.clone(),
                cells: vec![
                    rs.desired.to_string(),
                    rs.current_count.to_string(),
                    rs.ready.to_string(),
                    view.since(rs.created),
                ],
                wide: vec![containers, images, rs.selector.clone()],
                labels: rs.labels.clone(),
            }
        })
        .collect()
}

fn replica_set_object(view: &View, namespace: &str, name: &str) -> Option<Yaml> {
    let rs = replica_set_rows(view, Some(namespace))
        .into_iter()
        .find(|r| r.name == name)?;
    let w = rs.owner?;
    let mut meta = ObjectMeta::new(&rs.name, &rs.namespace, w.meta.origin.clone());
    meta.labels = rs.labels.clone();
    meta.annotations = rs.annotations.clone();
    meta.uid = Some(crate::controllers::uid::object_uid(
        "ReplicaSet",
        &rs.namespace,
        &rs.name,
    ));
    meta.creation_timestamp = Some(clock::rfc3339(rs.created));
    if w.kind == Kind::Deployment {
        meta.owner_references.push(crate::model::OwnerReference {
            api_version: "apps/v1".into(),
            kind: "Deployment".into(),
            name: w.meta.name.clone(),
            uid: w.meta.uid.clone().unwrap_or_else(|| {
                crate::controllers::uid::object_uid("Deployment", &w.meta.namespace, &w.meta.name)
            }),
            controller: Some(true),
            block_owner_deletion: Some(true),
        });
    }
    let mut selector = w.selector.match_labels.clone();
    if let Some(h) = rs.labels.get("pod-template-hash") {
        selector.insert("pod-template-hash".into(), h.clone());
    }
    let count = |v: usize| (v > 0).then_some(Yaml::Int(v as i64));
    Some(map(vec![
        ("apiVersion", Some(Yaml::str("apps/v1"))),
        ("kind", Some(Yaml::str("ReplicaSet"))),
        ("metadata", Some(server_meta(&meta))),
        (
            "spec",
            Some(map(vec![
                ("replicas", Some(Yaml::Int(rs.desired))),
                (
                    "selector",
                    Some(map(vec![("matchLabels", opt_map(&selector))])),
                ),
                ("template", Some(template_yaml(w, &rs.template_labels))),
            ])),
        ),
        (
            "status",
            Some(map(vec![
                ("availableReplicas", count(rs.ready)),
                ("fullyLabeledReplicas", count(rs.current_count)),
                ("observedGeneration", Some(Yaml::Int(1))),
                ("readyReplicas", count(rs.ready)),
                ("replicas", Some(Yaml::Int(rs.current_count as i64))),
            ])),
        ),
    ]))
}

pub const REPLICA_SETS: Resource = Resource {
    names: &["rs", "replicaset", "replicasets"],
    kind: "ReplicaSet",
    group: "apps",
    version: "v1",
    plural: "replicasets",
    namespaced: true,
    header: &["DESIRED", "CURRENT", "READY", "AGE"],
    wide_header: &["CONTAINERS", "IMAGES", "SELECTOR"],
    rows: replica_set_table,
    describe: Some(describe::replica_set),
    object: Some(replica_set_object),
    warning: None,
    field_labels: &[],
    short_names: &["rs"],
};

fn stateful_set_rows(view: &View, namespace: Option<&str>, _wide: bool) -> Vec<Row> {
    workloads(view, Kind::StatefulSet, namespace)
        .into_iter()
        .map(|w| {
            let pods = pods_of(view, w);
            let (_, ready) = counts(&pods);
            let (containers, images) = images(&w.template.spec);
            Row {
                namespace: w.meta.namespace.clone(),
                name: w.meta.name.clone(),
                cells: vec![
                    format!("{ready}/{}", w.replicas.unwrap_or(1)),
                    view.age(&w.meta),
                ],
                wide: vec![containers, images],
                labels: w.meta.labels.clone(),
            }
        })
        .collect()
}

fn stateful_set_object(view: &View, namespace: &str, name: &str) -> Option<Yaml> {
    let w = workload(view, "StatefulSet", namespace, name)?;
    let pods = pods_of(view, w);
    let (total, ready) = counts(&pods);
    Some(map(vec![
        ("apiVersion", Some(Yaml::str("apps/v1"))),
        ("kind", Some(Yaml::str("StatefulSet"))),
        ("metadata", Some(server_meta(&w.meta))),
        (
            "spec",
            Some(map(vec![
                ("podManagementPolicy", Some(Yaml::str("OrderedReady"))),
                ("replicas", Some(Yaml::Int(w.replicas.unwrap_or(1)))),
                ("revisionHistoryLimit", Some(Yaml::Int(10))),
                ("selector", Some(selector_yaml(w))),
                ("serviceName", opt_str(w.service_name.as_deref())),
                ("template", Some(template_yaml(w, &w.template.labels))),
            ])),
        ),
        (
            "status",
            Some(map(vec![
                ("availableReplicas", Some(Yaml::Int(ready as i64))),
                (
                    "readyReplicas",
                    (ready > 0).then_some(Yaml::Int(ready as i64)),
                ),
                ("replicas", Some(Yaml::Int(total as i64))),
            ])),
        ),
    ]))
}

pub const STATEFUL_SETS: Resource = Resource {
    names: &["sts", "statefulset", "statefulsets"],
    kind: "StatefulSet",
    group: "apps",
    version: "v1",
    plural: "statefulsets",
    namespaced: true,
    header: &["READY", "AGE"],
    wide_header: &["CONTAINERS", "IMAGES"],
    rows: stateful_set_rows,
    describe: Some(describe::stateful_set),
    object: Some(stateful_set_object),
    warning: None,
    field_labels: &[],
    short_names: &["sts"],
};

/// The Pods a DaemonSet owns (owner references name an owner in the Pod's namespace).
pub(crate) fn daemon_set_pods<'a>(
    objects: &'a crate::model::Objects,
    daemon_set: &crate::model::DaemonSet,
) -> Vec<&'a Pod> {
    objects
        .pods
        .iter()
        .filter(|p| {
            p.meta.namespace == daemon_set.meta.namespace
                && p.meta
                    .owner_references
                    .iter()
                    .any(|o| o.kind == "DaemonSet" && o.name == daemon_set.meta.name)
        })
        .collect()
}

fn daemon_set_rows(view: &View, namespace: Option<&str>, _wide: bool) -> Vec<Row> {
    let list: Vec<&crate::model::DaemonSet> =
        in_list_order(&view.analysis.objects.daemon_sets, namespace);
    list.into_iter()
        .map(|d| {
            let pods = daemon_set_pods(&view.analysis.objects, d);
            let n = pods.len().to_string();
            let ready = pods.iter().filter(|p| p.is_ready()).count().to_string();
            let (containers, images) = images(&d.template.spec);
            Row {
                namespace: d.meta.namespace.clone(),
                name: d.meta.name.clone(),
                cells: vec![
                    n.clone(),
                    n.clone(),
                    ready.clone(),
                    n,
                    ready,
                    "kubernetes.io/os=linux".into(),
                    view.age(&d.meta),
                ],
                wide: vec![containers, images, format_labels(&d.selector)],
                labels: d.meta.labels.clone(),
            }
        })
        .collect()
}

fn daemon_set_object(view: &View, namespace: &str, name: &str) -> Option<Yaml> {
    let d = named(&view.analysis.objects.daemon_sets, namespace, name)?;
    let n = daemon_set_pods(&view.analysis.objects, d).len() as i64;
    let mut annotations = d.meta.annotations.clone();
    annotations.insert(
        "deprecated.daemonset.template.generation".into(),
        "1".into(),
    );
    Some(map(vec![
        ("apiVersion", Some(Yaml::str("apps/v1"))),
        ("kind", Some(Yaml::str("DaemonSet"))),
        (
            "metadata",
            Some(with_meta(
                &d.meta,
                vec![
                    ("annotations", opt_map(&annotations)),
                    ("generation", Some(Yaml::Int(1))),
                ],
            )),
        ),
        (
            "spec",
            Some(map(vec![
                ("revisionHistoryLimit", Some(Yaml::Int(10))),
                (
                    "selector",
                    Some(map(vec![("matchLabels", opt_map(&d.selector))])),
                ),
                (
                    "template",
                    Some(map(vec![
                        (
                            "metadata",
                            Some(map(vec![("labels", opt_map(&d.template.labels))])),
                        ),
                        ("spec", Some(pod_spec_yaml(&d.template.spec, None))),
                    ])),
                ),
                (
                    "updateStrategy",
                    Some(map(vec![
                        (
                            "rollingUpdate",
                            Some(map(vec![
                                ("maxSurge", Some(Yaml::Int(0))),
                                ("maxUnavailable", Some(Yaml::Int(1))),
                            ])),
                        ),
                        ("type", Some(Yaml::str("RollingUpdate"))),
                    ])),
                ),
            ])),
        ),
        (
            "status",
            Some(map(vec![
                ("currentNumberScheduled", Some(Yaml::Int(n))),
                ("desiredNumberScheduled", Some(Yaml::Int(n))),
                ("numberAvailable", Some(Yaml::Int(n))),
                ("numberMisscheduled", Some(Yaml::Int(0))),
                ("numberReady", Some(Yaml::Int(n))),
                ("observedGeneration", Some(Yaml::Int(1))),
                ("updatedNumberScheduled", Some(Yaml::Int(n))),
            ])),
        ),
    ]))
}

pub const DAEMON_SETS: Resource = Resource {
    names: &["ds", "daemonset", "daemonsets"],
    kind: "DaemonSet",
    group: "apps",
    version: "v1",
    plural: "daemonsets",
    namespaced: true,
    header: &[
        "DESIRED",
        "CURRENT",
        "READY",
        "UP-TO-DATE",
        "AVAILABLE",
        "NODE SELECTOR",
        "AGE",
    ],
    wide_header: &["CONTAINERS", "IMAGES", "SELECTOR"],
    rows: daemon_set_rows,
    describe: Some(describe::daemon_set),
    object: Some(daemon_set_object),
    warning: None,
    field_labels: &[],
    short_names: &["ds"],
};

// ---- Pods' spec ---------------------------------------------------------------------------

/// A PodSpec as the API server stores it, with its defaults.
pub fn pod_spec_yaml(spec: &crate::model::PodSpec, pod: Option<&Pod>) -> Yaml {
    let containers: Vec<Yaml> = spec
        .containers
        .iter()
        .map(|c| {
            let image = c.image.clone().unwrap_or_default();
            let latest =
                !image.rsplit('/').next().unwrap_or("").contains(':') || image.ends_with(":latest");
            let ports = (!c.ports.is_empty()).then(|| {
                Yaml::Seq(
                    c.ports
                        .iter()
                        .map(|p| {
                            map(vec![
                                ("containerPort", Some(Yaml::Int(p.container_port))),
                                ("name", opt_str(p.name.as_deref())),
                                (
                                    "protocol",
                                    Some(Yaml::str(
                                        p.protocol.clone().unwrap_or_else(|| "TCP".into()),
                                    )),
                                ),
                            ])
                        })
                        .collect(),
                )
            });
            let mounts = pod.filter(|p| !p.spec.host_network).map(|p| {
                Yaml::Seq(vec![map(vec![
                    (
                        "mountPath",
                        Some(Yaml::str("/var/run/secrets/kubernetes.io/serviceaccount")),
                    ),
                    ("name", Some(Yaml::str(describe::token_volume(p)))),
                    ("readOnly", Some(Yaml::Bool(true))),
                ])])
            });
            map(vec![
                ("image", Some(Yaml::str(image))),
                (
                    "imagePullPolicy",
                    Some(Yaml::str(if latest { "Always" } else { "IfNotPresent" })),
                ),
                ("name", Some(Yaml::str(c.name.clone()))),
                ("ports", ports),
                ("resources", Some(Yaml::Map(Vec::new()))),
                (
                    "terminationMessagePath",
                    Some(Yaml::str("/dev/termination-log")),
                ),
                ("terminationMessagePolicy", Some(Yaml::str("File"))),
                ("volumeMounts", mounts),
            ])
        })
        .collect();
    let tolerations = pod.filter(|p| !p.spec.host_network).map(|_| {
        Yaml::Seq(
            [
                "node.kubernetes.io/not-ready",
                "node.kubernetes.io/unreachable",
            ]
            .iter()
            .map(|k| {
                map(vec![
                    ("effect", Some(Yaml::str("NoExecute"))),
                    ("key", Some(Yaml::str(*k))),
                    ("operator", Some(Yaml::str("Exists"))),
                    ("tolerationSeconds", Some(Yaml::Int(300))),
                ])
            })
            .collect(),
        )
    });
    let volumes = pod.filter(|p| !p.spec.host_network).map(|p| {
        Yaml::Seq(vec![map(vec![
            ("name", Some(Yaml::str(describe::token_volume(p)))),
            (
                "projected",
                Some(map(vec![
                    ("defaultMode", Some(Yaml::Int(420))),
                    (
                        "sources",
                        Some(Yaml::Seq(vec![
                            map(vec![(
                                "serviceAccountToken",
                                Some(map(vec![
                                    ("expirationSeconds", Some(Yaml::Int(3607))),
                                    ("path", Some(Yaml::str("token"))),
                                ])),
                            )]),
                            map(vec![(
                                "configMap",
                                Some(map(vec![
                                    (
                                        "items",
                                        Some(Yaml::Seq(vec![map(vec![
                                            ("key", Some(Yaml::str("ca.crt"))),
                                            ("path", Some(Yaml::str("ca.crt"))),
                                        ])])),
                                    ),
                                    ("name", Some(Yaml::str("kube-root-ca.crt"))),
                                ])),
                            )]),
                            map(vec![(
                                "downwardAPI",
                                Some(map(vec![(
                                    "items",
                                    Some(Yaml::Seq(vec![map(vec![
                                        (
                                            "fieldRef",
                                            Some(map(vec![
                                                ("apiVersion", Some(Yaml::str("v1"))),
                                                (
                                                    "fieldPath",
                                                    Some(Yaml::str("metadata.namespace")),
                                                ),
                                            ])),
                                        ),
                                        ("path", Some(Yaml::str("namespace"))),
                                    ])])),
                                )])),
                            )]),
                        ])),
                    ),
                ])),
            ),
        ])])
    });
    map(vec![
        ("containers", Some(Yaml::Seq(containers))),
        ("dnsPolicy", Some(Yaml::str("ClusterFirst"))),
        ("enableServiceLinks", Some(Yaml::Bool(true))),
        ("hostNetwork", spec.host_network.then_some(Yaml::Bool(true))),
        ("hostname", opt_str(spec.hostname.as_deref())),
        ("nodeName", opt_str(spec.node_name.as_deref())),
        ("nodeSelector", opt_map(&spec.node_selector)),
        ("preemptionPolicy", Some(Yaml::str("PreemptLowerPriority"))),
        ("priority", Some(Yaml::Int(0))),
        ("restartPolicy", Some(Yaml::str("Always"))),
        ("schedulerName", Some(Yaml::str("default-scheduler"))),
        ("securityContext", Some(Yaml::Map(Vec::new()))),
        ("serviceAccount", pod.map(|_| Yaml::str("default"))),
        ("serviceAccountName", pod.map(|_| Yaml::str("default"))),
        ("subdomain", opt_str(spec.subdomain.as_deref())),
        ("terminationGracePeriodSeconds", Some(Yaml::Int(30))),
        ("tolerations", tolerations),
        ("volumes", volumes),
    ])
}

// ---- Nodes --------------------------------------------------------------------------------

/// The labels the kubelet puts on every Node, and the written ones.
pub fn node_labels(meta: &ObjectMeta) -> crate::model::StringMap {
    let mut labels = meta.labels.clone();
    for (k, v) in [
        ("beta.kubernetes.io/arch", "amd64"),
        ("beta.kubernetes.io/os", "linux"),
        ("kubernetes.io/arch", "amd64"),
        ("kubernetes.io/os", "linux"),
    ] {
        labels.entry(k.into()).or_insert_with(|| v.into());
    }
    labels
        .entry("kubernetes.io/hostname".into())
        .or_insert_with(|| meta.name.clone());
    labels
}

/// The OS, kernel and runtime `kubectl get nodes -o wide` shows: the seeds' CentOS 7
/// nodes (the terminal's prompt and `yum` are theirs; the tables' printers are the
/// versions svcplay's rules were checked against, see `views::iptables`).
pub const OS_IMAGE: &str = "CentOS Linux 7 (Core)";
pub const KERNEL_VERSION: &str = "3.10.0-1160.el7.x86_64";
pub const CONTAINER_RUNTIME: &str = "containerd://1.6.33";

fn nodes_of(view: &View) -> Vec<ObjectMeta> {
    if view.analysis.objects.nodes.is_empty() {
        let mut meta = ObjectMeta::new(
            crate::model::DEFAULT_NODE_NAME,
            "",
            crate::model::Origin::Builtin,
        );
        meta.creation_timestamp = Some(crate::controllers::SCENARIO_START.into());
        return vec![meta];
    }
    let mut out: Vec<ObjectMeta> = view
        .analysis
        .objects
        .nodes
        .iter()
        .map(|n| n.meta.clone())
        .collect();
    crate::sort::sort_by(&mut out, |a, b| a.name.cmp(&b.name));
    out
}

fn node_rows(view: &View, _namespace: Option<&str>, _wide: bool) -> Vec<Row> {
    nodes_of(view)
        .into_iter()
        .map(|meta| {
            let node = view.analysis.objects.node(&meta.name);
            let mut status = if node.is_none_or(|n| n.is_ready()) {
                "Ready".to_string()
            } else {
                "NotReady".to_string()
            };
            if node.is_some_and(|n| n.unschedulable) {
                status.push_str(",SchedulingDisabled");
            }
            let roles: Vec<String> = meta
                .labels
                .keys()
                .filter_map(|k| k.strip_prefix("node-role.kubernetes.io/"))
                .map(str::to_string)
                .collect();
            let internal = node
                .and_then(|n| n.internal_ip())
                .unwrap_or(if node.is_none() {
                    crate::model::DEFAULT_NODE_IP
                } else {
                    "<none>"
                })
                .to_string();
            let external = node
                .and_then(|n| n.addresses.iter().find(|a| a.type_ == "ExternalIP"))
                .map_or("<none>".to_string(), |a| a.address.clone());
            Row {
                namespace: String::new(),
                name: meta.name.clone(),
                cells: vec![
                    status,
                    if roles.is_empty() {
                        "<none>".into()
                    } else {
                        roles.join(",")
                    },
                    view.age(&meta),
                    crate::controllers::kubeadm::KUBERNETES_VERSION.into(),
                ],
                wide: vec![
                    internal,
                    external,
                    OS_IMAGE.into(),
                    KERNEL_VERSION.into(),
                    CONTAINER_RUNTIME.into(),
                ],
                labels: node_labels(&meta),
            }
        })
        .collect()
}

fn node_object(view: &View, _namespace: &str, name: &str) -> Option<Yaml> {
    let meta = nodes_of(view).into_iter().find(|m| m.name == name)?;
    let node = view.analysis.objects.node(name);
    let mut meta_with_labels = meta.clone();
    meta_with_labels.labels = node_labels(&meta);
    let addresses: Vec<Yaml> = node
        .map(|n| {
            n.addresses
                .iter()
                .map(|a| {
                    map(vec![
                        ("address", Some(Yaml::str(a.address.clone()))),
                        ("type", Some(Yaml::str(a.type_.clone()))),
                    ])
                })
                .collect()
        })
        .unwrap_or_default();
    let cidrs = node.map(|n| n.pod_cidrs.clone()).unwrap_or_default();
    let ready = node.is_none_or(|n| n.is_ready());
    Some(map(vec![
        ("apiVersion", Some(Yaml::str("v1"))),
        ("kind", Some(Yaml::str("Node"))),
        ("metadata", Some(server_meta(&meta_with_labels))),
        (
            "spec",
            Some(map(vec![
                ("podCIDR", cidrs.first().map(|c| Yaml::str(c.clone()))),
                (
                    "podCIDRs",
                    (!cidrs.is_empty()).then(|| Yaml::strings(&cidrs)),
                ),
                (
                    "taints",
                    node.filter(|n| !n.taints.is_empty()).map(|n| {
                        Yaml::Seq(
                            n.taints
                                .iter()
                                .map(|t| {
                                    map(vec![
                                        ("effect", Some(Yaml::str(t.effect.clone()))),
                                        ("key", Some(Yaml::str(t.key.clone()))),
                                        ("value", opt_str(t.value.as_deref())),
                                    ])
                                })
                                .collect(),
                        )
                    }),
                ),
                (
                    "unschedulable",
                    node.filter(|n| n.unschedulable).map(|_| Yaml::Bool(true)),
                ),
            ])),
        ),
        (
            "status",
            Some(map(vec![
                (
                    "addresses",
                    (!addresses.is_empty()).then_some(Yaml::Seq(addresses)),
                ),
                (
                    "conditions",
                    Some(Yaml::Seq(vec![map(vec![
                        (
                            "reason",
                            Some(Yaml::str(if ready {
                                "KubeletReady"
                            } else {
                                "NodeStatusUnknown"
                            })),
                        ),
                        (
                            "status",
                            Some(Yaml::str(if ready { "True" } else { "Unknown" })),
                        ),
                        ("type", Some(Yaml::str("Ready"))),
                    ])])),
                ),
                (
                    "nodeInfo",
                    Some(map(vec![
                        ("architecture", Some(Yaml::str("amd64"))),
                        (
                            "containerRuntimeVersion",
                            Some(Yaml::str(CONTAINER_RUNTIME)),
                        ),
                        ("kernelVersion", Some(Yaml::str(KERNEL_VERSION))),
                        (
                            "kubeProxyVersion",
                            Some(Yaml::str(crate::controllers::kubeadm::KUBERNETES_VERSION)),
                        ),
                        (
                            "kubeletVersion",
                            Some(Yaml::str(crate::controllers::kubeadm::KUBERNETES_VERSION)),
                        ),
                        ("operatingSystem", Some(Yaml::str("linux"))),
                        ("osImage", Some(Yaml::str(OS_IMAGE))),
                    ])),
                ),
            ])),
        ),
    ]))
}

pub const NODES: Resource = Resource {
    names: &["no", "node", "nodes"],
    kind: "Node",
    group: "",
    version: "v1",
    plural: "nodes",
    namespaced: false,
    header: &["STATUS", "ROLES", "AGE", "VERSION"],
    wide_header: &[
        "INTERNAL-IP",
        "EXTERNAL-IP",
        "OS-IMAGE",
        "KERNEL-VERSION",
        "CONTAINER-RUNTIME",
    ],
    rows: node_rows,
    describe: Some(describe::node),
    object: Some(node_object),
    warning: None,
    field_labels: &["spec.unschedulable"],
    short_names: &["no"],
};

// ---- Namespaces ---------------------------------------------------------------------------

fn namespace_names(view: &View) -> Vec<(String, i64)> {
    let mut out: BTreeMap<String, i64> = BTreeMap::new();
    for ns in &view.analysis.objects.namespaces {
        out.insert(ns.meta.name.clone(), created(&ns.meta));
    }
    for ns in crate::apiserver::BUILTIN_NAMESPACES {
        out.entry(ns.to_string())
            .or_insert(clock::SCENARIO_START_EPOCH);
    }
    out.into_iter().collect()
}

fn namespace_rows(view: &View, _namespace: Option<&str>, _wide: bool) -> Vec<Row> {
    namespace_names(view)
        .into_iter()
        .map(|(name, at)| {
            let mut labels = crate::model::StringMap::new();
            labels.insert("kubernetes.io/metadata.name".to_string(), name.clone());
            Row {
                namespace: String::new(),
                cells: vec!["Active".into(), view.since(at)],
                wide: Vec::new(),
                labels,
                name,
            }
        })
        .collect()
}

fn namespace_object(view: &View, _namespace: &str, name: &str) -> Option<Yaml> {
    let (_, at) = namespace_names(view).into_iter().find(|(n, _)| n == name)?;
    let mut meta = ObjectMeta::new(name, "", crate::model::Origin::Builtin);
    meta.labels
        .insert("kubernetes.io/metadata.name".into(), name.into());
    meta.creation_timestamp = Some(clock::rfc3339(at));
    meta.uid = Some(crate::controllers::uid::object_uid("Namespace", "", name));
    Some(map(vec![
        ("apiVersion", Some(Yaml::str("v1"))),
        ("kind", Some(Yaml::str("Namespace"))),
        ("metadata", Some(server_meta(&meta))),
        (
            "spec",
            Some(map(vec![(
                "finalizers",
                Some(Yaml::Seq(vec![Yaml::str("kubernetes")])),
            )])),
        ),
        (
            "status",
            Some(map(vec![("phase", Some(Yaml::str("Active")))])),
        ),
    ]))
}

pub const NAMESPACES: Resource = Resource {
    names: &["ns", "namespace", "namespaces"],
    kind: "Namespace",
    group: "",
    version: "v1",
    plural: "namespaces",
    namespaced: false,
    header: &["STATUS", "AGE"],
    wide_header: &[],
    rows: namespace_rows,
    describe: Some(describe::namespace),
    object: Some(namespace_object),
    warning: None,
    field_labels: &["status.phase"],
    short_names: &["ns"],
};

// ---- ConfigMaps ---------------------------------------------------------------------------

fn config_map_rows(view: &View, namespace: Option<&str>, _wide: bool) -> Vec<Row> {
    let list: Vec<&crate::model::ConfigMap> =
        in_list_order(&view.analysis.objects.config_maps, namespace);
    list.into_iter()
        .map(|c| Row {
            namespace: c.meta.namespace.clone(),
            name: c.meta.name.clone(),
            cells: vec![c.data.len().to_string(), view.age(&c.meta)],
            wide: Vec::new(),
            labels: c.meta.labels.clone(),
        })
        .collect()
}

fn config_map_object(view: &View, namespace: &str, name: &str) -> Option<Yaml> {
    let c = named(&view.analysis.objects.config_maps, namespace, name)?;
    Some(map(vec![
        ("apiVersion", Some(Yaml::str("v1"))),
        (
            "data",
            Some(Yaml::Map(
                c.data
                    .iter()
                    .map(|(k, v)| (k.clone(), Yaml::str(v.clone())))
                    .collect(),
            )),
        ),
        ("kind", Some(Yaml::str("ConfigMap"))),
        ("metadata", Some(server_meta(&c.meta))),
    ]))
}

pub const CONFIG_MAPS: Resource = Resource {
    names: &["cm", "configmap", "configmaps"],
    kind: "ConfigMap",
    group: "",
    version: "v1",
    plural: "configmaps",
    namespaced: true,
    header: &["DATA", "AGE"],
    wide_header: &[],
    rows: config_map_rows,
    describe: Some(describe::config_map),
    object: Some(config_map_object),
    warning: None,
    field_labels: &[],
    short_names: &["cm"],
};

// ---- Events -------------------------------------------------------------------------------

/// An Event a component wrote.
#[derive(Clone, Debug)]
pub struct Event {
    pub namespace: String,
    pub name: String,
    pub type_: &'static str,
    pub reason: &'static str,
    /// `Pod`, `ReplicaSet`...
    pub kind: String,
    pub object: String,
    pub message: String,
    pub source: &'static str,
    pub time: i64,
}

#[allow(clippy::too_many_arguments)]
fn event(
    meta_ns: &str,
    kind: &str,
    object: &str,
    reason: &'static str,
    source: &'static str,
    message: String,
    time: i64,
    n: usize,
) -> Event {
    let digest =
        crate::controllers::uid::sha1(format!("{meta_ns}/{kind}/{object}/{reason}/{n}").as_bytes());
    let suffix: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    Event {
        namespace: meta_ns.to_string(),
        name: format!("{object}.{suffix}"),
        type_: "Normal",
        reason,
        kind: kind.to_string(),
        object: object.to_string(),
        message,
        source,
        time,
    }
}

/// Every Event of the cluster, in the order they happened.
pub fn all_events(view: &View) -> Vec<Event> {
    let objects = &view.analysis.objects;
    let mut out = Vec::new();
    for w in &objects.workloads {
        let at = created(&w.meta);
        match w.kind {
            Kind::Deployment => {
                let rs = crate::controllers::workloads::deployment_replica_set(w, &objects.pods);
                out.push(event(
                    &w.meta.namespace,
                    "Deployment",
                    &w.meta.name,
                    "ScalingReplicaSet",
                    "deployment-controller",
                    format!(
                        "Scaled up replica set {rs} from 0 to {}",
                        w.replicas.unwrap_or(1)
                    ),
                    at,
                    0,
                ));
                for (i, p) in pods_of(view, w)
                    .iter()
                    .filter(|p| {
                        p.meta.origin != crate::model::Origin::Builtin
                            || w.meta.namespace == "kube-system"
                    })
                    .enumerate()
                {
                    out.push(event(
                        &w.meta.namespace,
                        "ReplicaSet",
                        &rs,
                        "SuccessfulCreate",
                        "replicaset-controller",
                        format!("Created pod: {}", p.meta.name),
                        created(&p.meta),
                        i,
                    ));
                }
            }
            Kind::StatefulSet => {
                for (i, p) in pods_of(view, w).iter().enumerate() {
                    out.push(event(
                        &w.meta.namespace,
                        "StatefulSet",
                        &w.meta.name,
                        "SuccessfulCreate",
                        "statefulset-controller",
                        format!(
                            "create Pod {} in StatefulSet {} successful",
                            p.meta.name, w.meta.name
                        ),
                        created(&p.meta),
                        i,
                    ));
                }
            }
            _ => {}
        }
    }
    for d in &objects.daemon_sets {
        for (i, p) in daemon_set_pods(objects, d).into_iter().enumerate() {
            out.push(event(
                &d.meta.namespace,
                "DaemonSet",
                &d.meta.name,
                "SuccessfulCreate",
                "daemonset-controller",
                format!("Created pod: {}", p.meta.name),
                created(&p.meta),
                i,
            ));
        }
    }
    for p in &objects.pods {
        if p.meta.origin == crate::model::Origin::Builtin
            && p.meta.owner_references.iter().any(|o| o.kind == "Node")
        {
            continue;
        }
        let at = created(&p.meta);
        if let Some(node) = &p.spec.node_name {
            out.push(event(
                &p.meta.namespace,
                "Pod",
                &p.meta.name,
                "Scheduled",
                "default-scheduler",
                format!(
                    "Successfully assigned {}/{} to {node}",
                    p.meta.namespace, p.meta.name
                ),
                at,
                0,
            ));
            if p.status.phase.as_deref() == Some("Running") {
                for c in &p.spec.containers {
                    let image = c.image.clone().unwrap_or_default();
                    out.push(event(
                        &p.meta.namespace,
                        "Pod",
                        &p.meta.name,
                        "Pulled",
                        "kubelet",
                        format!("Container image \"{image}\" already present on machine"),
                        at,
                        1,
                    ));
                    out.push(event(
                        &p.meta.namespace,
                        "Pod",
                        &p.meta.name,
                        "Created",
                        "kubelet",
                        format!("Created container: {}", c.name),
                        at,
                        2,
                    ));
                    out.push(event(
                        &p.meta.namespace,
                        "Pod",
                        &p.meta.name,
                        "Started",
                        "kubelet",
                        format!("Started container {}", c.name),
                        at,
                        3,
                    ));
                }
            }
        }
    }
    crate::sort::sort_by_key(&mut out, |e| e.time);
    out
}

/// The Events about one object.
pub fn events_for(view: &View, kind: &str, namespace: &str, name: &str) -> Vec<Event> {
    all_events(view)
        .into_iter()
        .filter(|e| {
            e.kind == kind && e.object == name && (namespace.is_empty() || e.namespace == namespace)
        })
        .collect()
}

fn event_rows(view: &View, namespace: Option<&str>, _wide: bool) -> Vec<Row> {
    all_events(view)
        .into_iter()
        .filter(|e| namespace.is_none_or(|ns| e.namespace == ns))
        .map(|e| Row {
            namespace: e.namespace.clone(),
            name: e.name.clone(),
            cells: vec![
                view.since(e.time),
                e.type_.into(),
                e.reason.into(),
                format!("{}/{}", e.kind.to_lowercase(), e.object),
                e.message.clone(),
            ],
            wide: Vec::new(),
            labels: crate::model::StringMap::new(),
        })
        .collect()
}

fn event_object(view: &View, namespace: &str, name: &str) -> Option<Yaml> {
    let e = all_events(view)
        .into_iter()
        .find(|e| e.namespace == namespace && e.name == name)?;
    let at = Yaml::str(clock::rfc3339(e.time));
    let mut meta = ObjectMeta::new(&e.name, &e.namespace, crate::model::Origin::Builtin);
    meta.creation_timestamp = Some(clock::rfc3339(e.time));
    Some(map(vec![
        ("apiVersion", Some(Yaml::str("v1"))),
        ("count", Some(Yaml::Int(1))),
        ("firstTimestamp", Some(at.clone())),
        (
            "involvedObject",
            Some(map(vec![
                ("kind", Some(Yaml::str(e.kind.clone()))),
                ("name", Some(Yaml::str(e.object.clone()))),
                ("namespace", Some(Yaml::str(e.namespace.clone()))),
            ])),
        ),
        ("kind", Some(Yaml::str("Event"))),
        ("lastTimestamp", Some(at)),
        ("message", Some(Yaml::str(e.message.clone()))),
        ("metadata", Some(server_meta(&meta))),
        ("reason", Some(Yaml::str(e.reason))),
        (
            "source",
            Some(map(vec![("component", Some(Yaml::str(e.source)))])),
        ),
        ("type", Some(Yaml::str(e.type_))),
    ]))
}

/// `kubectl get events` lists rows without an AGE column: LAST SEEN first.
pub const EVENTS: Resource = Resource {
    names: &["ev", "event", "events"],
    kind: "Event",
    group: "",
    version: "v1",
    plural: "events",
    namespaced: true,
    header: &["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"],
    wide_header: &[],
    rows: event_rows,
    describe: None,
    object: Some(event_object),
    warning: None,
    field_labels: &[
        "involvedObject.kind",
        "involvedObject.namespace",
        "involvedObject.name",
        "involvedObject.uid",
        "involvedObject.apiVersion",
        "involvedObject.resourceVersion",
        "involvedObject.fieldPath",
        "reason",
        "reportingComponent",
        "source",
        "type",
    ],
    short_names: &["ev"],
};
