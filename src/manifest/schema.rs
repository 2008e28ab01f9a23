//! Field schemas of the kinds svcplay reads, for strict decoding.
//!
//! The API server decodes a manifest into Go structs: a field it does not know is a
//! "strict decoding error", a value of the wrong JSON type is a `json: cannot unmarshal`
//! error. These tables list each struct's JSON fields with their Go types so that
//! [`super::decode`] can report both in the API server's exact words. Sub-structures that
//! svcplay does not model (probes, volumes, resources, ...) are [`Ty::Any`]: accepted as
//! written, never reported.

/// The Go type of a field, as `encoding/json` names it in its errors.
#[derive(Clone, Copy, Debug)]
pub enum Ty {
    /// A string-valued Go type; the name is what errors print (`string`, `v1.Protocol`).
    Str(&'static str),
    /// A signed integer of the named width (`int32`, `int64`).
    Int(&'static str),
    Bool,
    Float,
    /// `intstr.IntOrString`: a number or a string.
    IntOrString,
    /// `resource.Quantity`: a number or a string.
    Quantity,
    /// `map[string]V` with V of the given type.
    Map(&'static Ty),
    /// `[]T`.
    Array(&'static Ty),
    Struct(&'static Struct),
    /// Anything: not checked.
    Any,
}

/// A Go struct: its package-qualified type name and its JSON fields.
#[derive(Debug)]
pub struct Struct {
    /// `v1.ServicePort` (errors print the part after the dot as the struct name).
    pub go_type: &'static str,
    pub fields: &'static [(&'static str, Ty)],
}

impl Struct {
    pub fn field(&self, name: &str) -> Option<Ty> {
        self.fields
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, t)| *t)
    }

    /// The bare struct name, `ServicePort` for `v1.ServicePort`.
    pub fn name(&self) -> &'static str {
        self.go_type.rsplit('.').next().unwrap_or(self.go_type)
    }
}

impl Ty {
    /// The Go type as `encoding/json` spells it in "of type ..." (`[]v1.ServicePort`).
    pub fn go_name(&self) -> String {
        match self {
            Ty::Str(name) | Ty::Int(name) => (*name).to_string(),
            Ty::Bool => "bool".into(),
            Ty::Float => "float64".into(),
            Ty::IntOrString => "intstr.IntOrString".into(),
            Ty::Quantity => "resource.Quantity".into(),
            Ty::Map(v) => format!("map[string]{}", v.go_name()),
            Ty::Array(t) => format!("[]{}", t.go_name()),
            Ty::Struct(s) => s.go_type.to_string(),
            Ty::Any => "interface {}".into(),
        }
    }
}

const STRING: Ty = Ty::Str("string");
const INT32: Ty = Ty::Int("int32");
const INT64: Ty = Ty::Int("int64");
const TIME: Ty = Ty::Str("v1.Time");
const STRING_MAP: Ty = Ty::Map(&STRING);
const STRINGS: Ty = Ty::Array(&STRING);
const PROTOCOL: Ty = Ty::Str("v1.Protocol");
const ANY_LIST: Ty = Ty::Array(&Ty::Any);

pub static OBJECT_META: Struct = Struct {
    go_type: "v1.ObjectMeta",
    fields: &[
        ("name", STRING),
        ("generateName", STRING),
        ("namespace", STRING),
        ("selfLink", STRING),
        ("uid", Ty::Str("types.UID")),
        ("resourceVersion", STRING),
        ("generation", INT64),
        ("creationTimestamp", TIME),
        ("deletionTimestamp", TIME),
        ("deletionGracePeriodSeconds", INT64),
        ("labels", STRING_MAP),
        ("annotations", STRING_MAP),
        ("ownerReferences", Ty::Array(&Ty::Struct(&OWNER_REFERENCE))),
        ("finalizers", STRINGS),
        ("managedFields", ANY_LIST),
    ],
};

pub static OWNER_REFERENCE: Struct = Struct {
    go_type: "v1.OwnerReference",
    fields: &[
        ("apiVersion", STRING),
        ("kind", STRING),
        ("name", STRING),
        ("uid", Ty::Str("types.UID")),
        ("controller", Ty::Bool),
        ("blockOwnerDeletion", Ty::Bool),
    ],
};

pub static OBJECT_REFERENCE: Struct = Struct {
    go_type: "v1.ObjectReference",
    fields: &[
        ("kind", STRING),
        ("namespace", STRING),
        ("name", STRING),
        ("uid", Ty::Str("types.UID")),
        ("apiVersion", STRING),
        ("resourceVersion", STRING),
        ("fieldPath", STRING),
    ],
};

// ---- core/v1 Service ----------------------------------------------------------------

pub static SERVICE: Struct = Struct {
    go_type: "v1.Service",
    fields: &[
        ("apiVersion", STRING),
        ("kind", STRING),
        ("metadata", Ty::Struct(&OBJECT_META)),
        ("spec", Ty::Struct(&SERVICE_SPEC)),
        ("status", Ty::Struct(&SERVICE_STATUS)),
    ],
};

pub static SERVICE_SPEC: Struct = Struct {
    go_type: "v1.ServiceSpec",
    fields: &[
        ("ports", Ty::Array(&Ty::Struct(&SERVICE_PORT))),
        ("selector", STRING_MAP),
        ("clusterIP", STRING),
        ("clusterIPs", STRINGS),
        ("type", Ty::Str("v1.ServiceType")),
        ("externalIPs", STRINGS),
        ("sessionAffinity", Ty::Str("v1.ServiceAffinity")),
        ("loadBalancerIP", STRING),
        ("loadBalancerSourceRanges", STRINGS),
        ("externalName", STRING),
        (
            "externalTrafficPolicy",
            Ty::Str("v1.ServiceExternalTrafficPolicy"),
        ),
        ("healthCheckNodePort", INT32),
        ("publishNotReadyAddresses", Ty::Bool),
        (
            "sessionAffinityConfig",
            Ty::Struct(&SESSION_AFFINITY_CONFIG),
        ),
        ("ipFamilies", Ty::Array(&Ty::Str("v1.IPFamily"))),
        ("ipFamilyPolicy", Ty::Str("v1.IPFamilyPolicy")),
        ("allocateLoadBalancerNodePorts", Ty::Bool),
        ("loadBalancerClass", STRING),
        (
            "internalTrafficPolicy",
            Ty::Str("v1.ServiceInternalTrafficPolicy"),
        ),
        ("trafficDistribution", STRING),
    ],
};

pub static SERVICE_PORT: Struct = Struct {
    go_type: "v1.ServicePort",
    fields: &[
        ("name", STRING),
        ("protocol", PROTOCOL),
        ("appProtocol", STRING),
        ("port", INT32),
        ("targetPort", Ty::IntOrString),
        ("nodePort", INT32),
    ],
};

pub static SESSION_AFFINITY_CONFIG: Struct = Struct {
    go_type: "v1.SessionAffinityConfig",
    fields: &[("clientIP", Ty::Struct(&CLIENT_IP_CONFIG))],
};

pub static CLIENT_IP_CONFIG: Struct = Struct {
    go_type: "v1.ClientIPConfig",
    fields: &[("timeoutSeconds", INT32)],
};

pub static SERVICE_STATUS: Struct = Struct {
    go_type: "v1.ServiceStatus",
    fields: &[
        ("loadBalancer", Ty::Struct(&LOAD_BALANCER_STATUS)),
        ("conditions", ANY_LIST),
    ],
};

pub static LOAD_BALANCER_STATUS: Struct = Struct {
    go_type: "v1.LoadBalancerStatus",
    fields: &[("ingress", Ty::Array(&Ty::Struct(&LOAD_BALANCER_INGRESS)))],
};

pub static LOAD_BALANCER_INGRESS: Struct = Struct {
    go_type: "v1.LoadBalancerIngress",
    fields: &[
        ("ip", STRING),
        ("hostname", STRING),
        ("ipMode", Ty::Str("v1.LoadBalancerIPMode")),
        ("ports", ANY_LIST),
    ],
};

// ---- core/v1 Pod and workloads --------------------------------------------------------

pub static POD: Struct = Struct {
    go_type: "v1.Pod",
    fields: &[
        ("apiVersion", STRING),
        ("kind", STRING),
        ("metadata", Ty::Struct(&OBJECT_META)),
        ("spec", Ty::Struct(&POD_SPEC)),
        ("status", Ty::Struct(&POD_STATUS)),
    ],
};

pub static POD_SPEC: Struct = Struct {
    go_type: "v1.PodSpec",
    fields: &[
        ("volumes", ANY_LIST),
        ("initContainers", Ty::Array(&Ty::Struct(&CONTAINER))),
        ("containers", Ty::Array(&Ty::Struct(&CONTAINER))),
        ("ephemeralContainers", ANY_LIST),
        ("restartPolicy", Ty::Str("v1.RestartPolicy")),
        ("terminationGracePeriodSeconds", INT64),
        ("activeDeadlineSeconds", INT64),
        ("dnsPolicy", Ty::Str("v1.DNSPolicy")),
        ("nodeSelector", STRING_MAP),
        ("serviceAccountName", STRING),
        ("serviceAccount", STRING),
        ("automountServiceAccountToken", Ty::Bool),
        ("nodeName", STRING),
        ("hostNetwork", Ty::Bool),
        ("hostPID", Ty::Bool),
        ("hostIPC", Ty::Bool),
        ("shareProcessNamespace", Ty::Bool),
        ("securityContext", Ty::Any),
        ("imagePullSecrets", ANY_LIST),
        ("hostname", STRING),
        ("hostnameOverride", STRING),
        ("subdomain", STRING),
        ("affinity", Ty::Any),
        ("schedulerName", STRING),
        ("tolerations", ANY_LIST),
        ("hostAliases", ANY_LIST),
        ("priorityClassName", STRING),
        ("priority", INT32),
        ("dnsConfig", Ty::Any),
        (
            "readinessGates",
            Ty::Array(&Ty::Struct(&POD_READINESS_GATE)),
        ),
        ("runtimeClassName", STRING),
        ("enableServiceLinks", Ty::Bool),
        ("preemptionPolicy", Ty::Str("v1.PreemptionPolicy")),
        ("overhead", Ty::Any),
        ("topologySpreadConstraints", ANY_LIST),
        ("setHostnameAsFQDN", Ty::Bool),
        ("os", Ty::Any),
        ("hostUsers", Ty::Bool),
        ("schedulingGates", ANY_LIST),
        ("resourceClaims", ANY_LIST),
        ("resources", Ty::Any),
    ],
};

pub static POD_READINESS_GATE: Struct = Struct {
    go_type: "v1.PodReadinessGate",
    fields: &[("conditionType", Ty::Str("v1.PodConditionType"))],
};

pub static CONTAINER: Struct = Struct {
    go_type: "v1.Container",
    fields: &[
        ("name", STRING),
        ("image", STRING),
        ("command", STRINGS),
        ("args", STRINGS),
        ("workingDir", STRING),
        ("ports", Ty::Array(&Ty::Struct(&CONTAINER_PORT))),
        ("envFrom", ANY_LIST),
        ("env", ANY_LIST),
        ("resources", Ty::Any),
        ("resizePolicy", ANY_LIST),
        ("restartPolicy", Ty::Str("v1.ContainerRestartPolicy")),
        ("restartPolicyRules", ANY_LIST),
        ("volumeMounts", ANY_LIST),
        ("volumeDevices", ANY_LIST),
        ("livenessProbe", Ty::Any),
        ("readinessProbe", Ty::Any),
        ("startupProbe", Ty::Any),
        ("lifecycle", Ty::Any),
        ("terminationMessagePath", STRING),
        (
            "terminationMessagePolicy",
            Ty::Str("v1.TerminationMessagePolicy"),
        ),
        ("imagePullPolicy", Ty::Str("v1.PullPolicy")),
        ("securityContext", Ty::Any),
        ("stdin", Ty::Bool),
        ("stdinOnce", Ty::Bool),
        ("tty", Ty::Bool),
    ],
};

pub static CONTAINER_PORT: Struct = Struct {
    go_type: "v1.ContainerPort",
    fields: &[
        ("name", STRING),
        ("hostPort", INT32),
        ("containerPort", INT32),
        ("protocol", PROTOCOL),
        ("hostIP", STRING),
    ],
};

pub static POD_STATUS: Struct = Struct {
    go_type: "v1.PodStatus",
    fields: &[
        ("observedGeneration", INT64),
        ("phase", Ty::Str("v1.PodPhase")),
        ("conditions", Ty::Array(&Ty::Struct(&POD_CONDITION))),
        ("message", STRING),
        ("reason", STRING),
        ("nominatedNodeName", STRING),
        ("hostIP", STRING),
        ("hostIPs", Ty::Array(&Ty::Struct(&HOST_IP))),
        ("podIP", STRING),
        ("podIPs", Ty::Array(&Ty::Struct(&POD_IP))),
        ("startTime", TIME),
        ("initContainerStatuses", ANY_LIST),
        ("containerStatuses", ANY_LIST),
        ("qosClass", Ty::Str("v1.PodQOSClass")),
        ("ephemeralContainerStatuses", ANY_LIST),
        ("resize", Ty::Str("v1.PodResizeStatus")),
        ("resourceClaimStatuses", ANY_LIST),
        ("extendedResourceClaimStatus", Ty::Any),
    ],
};

pub static POD_CONDITION: Struct = Struct {
    go_type: "v1.PodCondition",
    fields: &[
        ("type", Ty::Str("v1.PodConditionType")),
        ("observedGeneration", INT64),
        ("status", Ty::Str("v1.ConditionStatus")),
        ("lastProbeTime", TIME),
        ("lastTransitionTime", TIME),
        ("reason", STRING),
        ("message", STRING),
    ],
};

pub static POD_IP: Struct = Struct {
    go_type: "v1.PodIP",
    fields: &[("ip", STRING)],
};
pub static HOST_IP: Struct = Struct {
    go_type: "v1.HostIP",
    fields: &[("ip", STRING)],
};

pub static LABEL_SELECTOR: Struct = Struct {
    go_type: "v1.LabelSelector",
    fields: &[
        ("matchLabels", STRING_MAP),
        (
            "matchExpressions",
            Ty::Array(&Ty::Struct(&LABEL_SELECTOR_REQUIREMENT)),
        ),
    ],
};

pub static LABEL_SELECTOR_REQUIREMENT: Struct = Struct {
    go_type: "v1.LabelSelectorRequirement",
    fields: &[
        ("key", STRING),
        ("operator", Ty::Str("v1.LabelSelectorOperator")),
        ("values", STRINGS),
    ],
};

pub static POD_TEMPLATE_SPEC: Struct = Struct {
    go_type: "v1.PodTemplateSpec",
    fields: &[
        ("metadata", Ty::Struct(&OBJECT_META)),
        ("spec", Ty::Struct(&POD_SPEC)),
    ],
};

pub static DEPLOYMENT: Struct = Struct {
    go_type: "v1.Deployment",
    fields: &[
        ("apiVersion", STRING),
        ("kind", STRING),
        ("metadata", Ty::Struct(&OBJECT_META)),
        ("spec", Ty::Struct(&DEPLOYMENT_SPEC)),
        ("status", Ty::Any),
    ],
};

pub static DEPLOYMENT_SPEC: Struct = Struct {
    go_type: "v1.DeploymentSpec",
    fields: &[
        ("replicas", INT32),
        ("selector", Ty::Struct(&LABEL_SELECTOR)),
        ("template", Ty::Struct(&POD_TEMPLATE_SPEC)),
        ("strategy", Ty::Any),
        ("minReadySeconds", INT32),
        ("revisionHistoryLimit", INT32),
        ("paused", Ty::Bool),
        ("progressDeadlineSeconds", INT32),
    ],
};

pub static REPLICA_SET: Struct = Struct {
    go_type: "v1.ReplicaSet",
    fields: &[
        ("apiVersion", STRING),
        ("kind", STRING),
        ("metadata", Ty::Struct(&OBJECT_META)),
        ("spec", Ty::Struct(&REPLICA_SET_SPEC)),
        ("status", Ty::Any),
    ],
};

pub static REPLICA_SET_SPEC: Struct = Struct {
    go_type: "v1.ReplicaSetSpec",
    fields: &[
        ("replicas", INT32),
        ("minReadySeconds", INT32),
        ("selector", Ty::Struct(&LABEL_SELECTOR)),
        ("template", Ty::Struct(&POD_TEMPLATE_SPEC)),
    ],
};

pub static STATEFUL_SET: Struct = Struct {
    go_type: "v1.StatefulSet",
    fields: &[
        ("apiVersion", STRING),
        ("kind", STRING),
        ("metadata", Ty::Struct(&OBJECT_META)),
        ("spec", Ty::Struct(&STATEFUL_SET_SPEC)),
        ("status", Ty::Any),
    ],
};

pub static STATEFUL_SET_SPEC: Struct = Struct {
    go_type: "v1.StatefulSetSpec",
    fields: &[
        ("replicas", INT32),
        ("selector", Ty::Struct(&LABEL_SELECTOR)),
        ("template", Ty::Struct(&POD_TEMPLATE_SPEC)),
        ("volumeClaimTemplates", ANY_LIST),
        ("serviceName", STRING),
        ("podManagementPolicy", Ty::Str("v1.PodManagementPolicyType")),
        ("updateStrategy", Ty::Any),
        ("revisionHistoryLimit", INT32),
        ("minReadySeconds", INT32),
        ("persistentVolumeClaimRetentionPolicy", Ty::Any),
        ("ordinals", Ty::Any),
    ],
};

// ---- core/v1 Node, Namespace, Endpoints ----------------------------------------------

pub static NODE: Struct = Struct {
    go_type: "v1.Node",
    fields: &[
        ("apiVersion", STRING),
        ("kind", STRING),
        ("metadata", Ty::Struct(&OBJECT_META)),
        ("spec", Ty::Struct(&NODE_SPEC)),
        ("status", Ty::Struct(&NODE_STATUS)),
    ],
};

pub static NODE_SPEC: Struct = Struct {
    go_type: "v1.NodeSpec",
    fields: &[
        ("podCIDR", STRING),
        ("podCIDRs", STRINGS),
        ("providerID", STRING),
        ("unschedulable", Ty::Bool),
        ("taints", Ty::Array(&Ty::Struct(&TAINT))),
        ("configSource", Ty::Any),
        ("externalID", STRING),
    ],
};

pub static TAINT: Struct = Struct {
    go_type: "v1.Taint",
    fields: &[
        ("key", STRING),
        ("value", STRING),
        ("effect", Ty::Str("v1.TaintEffect")),
        ("timeAdded", TIME),
    ],
};

pub static NODE_STATUS: Struct = Struct {
    go_type: "v1.NodeStatus",
    fields: &[
        ("capacity", Ty::Map(&Ty::Quantity)),
        ("allocatable", Ty::Map(&Ty::Quantity)),
        ("phase", Ty::Str("v1.NodePhase")),
        ("conditions", Ty::Array(&Ty::Struct(&NODE_CONDITION))),
        ("addresses", Ty::Array(&Ty::Struct(&NODE_ADDRESS))),
        ("daemonEndpoints", Ty::Any),
        ("nodeInfo", Ty::Any),
        ("images", ANY_LIST),
        ("volumesInUse", ANY_LIST),
        ("volumesAttached", ANY_LIST),
        ("config", Ty::Any),
        ("runtimeHandlers", ANY_LIST),
        ("features", Ty::Any),
        ("declaredFeatures", ANY_LIST),
    ],
};

pub static NODE_CONDITION: Struct = Struct {
    go_type: "v1.NodeCondition",
    fields: &[
        ("type", Ty::Str("v1.NodeConditionType")),
        ("status", Ty::Str("v1.ConditionStatus")),
        ("lastHeartbeatTime", TIME),
        ("lastTransitionTime", TIME),
        ("reason", STRING),
        ("message", STRING),
    ],
};

pub static NODE_ADDRESS: Struct = Struct {
    go_type: "v1.NodeAddress",
    fields: &[("type", Ty::Str("v1.NodeAddressType")), ("address", STRING)],
};

pub static NAMESPACE: Struct = Struct {
    go_type: "v1.Namespace",
    fields: &[
        ("apiVersion", STRING),
        ("kind", STRING),
        ("metadata", Ty::Struct(&OBJECT_META)),
        ("spec", Ty::Any),
        ("status", Ty::Any),
    ],
};

pub static ENDPOINTS: Struct = Struct {
    go_type: "v1.Endpoints",
    fields: &[
        ("apiVersion", STRING),
        ("kind", STRING),
        ("metadata", Ty::Struct(&OBJECT_META)),
        ("subsets", Ty::Array(&Ty::Struct(&ENDPOINT_SUBSET))),
    ],
};

pub static ENDPOINT_SUBSET: Struct = Struct {
    go_type: "v1.EndpointSubset",
    fields: &[
        ("addresses", Ty::Array(&Ty::Struct(&ENDPOINT_ADDRESS))),
        (
            "notReadyAddresses",
            Ty::Array(&Ty::Struct(&ENDPOINT_ADDRESS)),
        ),
        ("ports", Ty::Array(&Ty::Struct(&CORE_ENDPOINT_PORT))),
    ],
};

pub static ENDPOINT_ADDRESS: Struct = Struct {
    go_type: "v1.EndpointAddress",
    fields: &[
        ("ip", STRING),
        ("hostname", STRING),
        ("nodeName", STRING),
        ("targetRef", Ty::Struct(&OBJECT_REFERENCE)),
    ],
};

pub static CORE_ENDPOINT_PORT: Struct = Struct {
    go_type: "v1.EndpointPort",
    fields: &[
        ("name", STRING),
        ("port", INT32),
        ("protocol", PROTOCOL),
        ("appProtocol", STRING),
    ],
};

// ---- discovery/v1 EndpointSlice, networking/v1 ServiceCIDR -----------------------------

pub static ENDPOINT_SLICE: Struct = Struct {
    go_type: "v1.EndpointSlice",
    fields: &[
        ("apiVersion", STRING),
        ("kind", STRING),
        ("metadata", Ty::Struct(&OBJECT_META)),
        ("addressType", Ty::Str("v1.AddressType")),
        ("endpoints", Ty::Array(&Ty::Struct(&ENDPOINT))),
        ("ports", Ty::Array(&Ty::Struct(&DISCOVERY_ENDPOINT_PORT))),
    ],
};

pub static ENDPOINT: Struct = Struct {
    go_type: "v1.Endpoint",
    fields: &[
        ("addresses", STRINGS),
        ("conditions", Ty::Struct(&ENDPOINT_CONDITIONS)),
        ("hostname", STRING),
        ("targetRef", Ty::Struct(&OBJECT_REFERENCE)),
        ("deprecatedTopology", STRING_MAP),
        ("nodeName", STRING),
        ("zone", STRING),
        ("hints", Ty::Struct(&ENDPOINT_HINTS)),
    ],
};

pub static ENDPOINT_CONDITIONS: Struct = Struct {
    go_type: "v1.EndpointConditions",
    fields: &[
        ("ready", Ty::Bool),
        ("serving", Ty::Bool),
        ("terminating", Ty::Bool),
    ],
};

pub static ENDPOINT_HINTS: Struct = Struct {
    go_type: "v1.EndpointHints",
    fields: &[
        ("forZones", Ty::Array(&Ty::Struct(&FOR_ZONE))),
        ("forNodes", Ty::Array(&Ty::Struct(&FOR_NODE))),
    ],
};

pub static FOR_ZONE: Struct = Struct {
    go_type: "v1.ForZone",
    fields: &[("name", STRING)],
};
pub static FOR_NODE: Struct = Struct {
    go_type: "v1.ForNode",
    fields: &[("name", STRING)],
};

pub static DISCOVERY_ENDPOINT_PORT: Struct = Struct {
    go_type: "v1.EndpointPort",
    fields: &[
        ("name", STRING),
        ("protocol", PROTOCOL),
        ("port", INT32),
        ("appProtocol", STRING),
    ],
};

pub static SERVICE_CIDR: Struct = Struct {
    go_type: "v1.ServiceCIDR",
    fields: &[
        ("apiVersion", STRING),
        ("kind", STRING),
        ("metadata", Ty::Struct(&OBJECT_META)),
        ("spec", Ty::Struct(&SERVICE_CIDR_SPEC)),
        ("status", Ty::Any),
    ],
};

pub static SERVICE_CIDR_SPEC: Struct = Struct {
    go_type: "v1.ServiceCIDRSpec",
    fields: &[("cidrs", STRINGS)],
};

// ---- kube-proxy's configuration and svcplay's NodeRuntime ------------------------------

pub static KUBE_PROXY_CONFIGURATION: Struct = Struct {
    go_type: "v1alpha1.KubeProxyConfiguration",
    fields: &[
        ("apiVersion", STRING),
        ("kind", STRING),
        ("featureGates", Ty::Map(&Ty::Bool)),
        ("clientConnection", Ty::Any),
        ("logging", Ty::Any),
        ("hostnameOverride", STRING),
        ("bindAddress", STRING),
        ("healthzBindAddress", STRING),
        ("metricsBindAddress", STRING),
        ("bindAddressHardFail", Ty::Bool),
        ("enableProfiling", Ty::Bool),
        ("showHiddenMetricsForVersion", STRING),
        ("mode", Ty::Str("v1alpha1.ProxyMode")),
        ("iptables", Ty::Struct(&KUBE_PROXY_IPTABLES)),
        ("ipvs", Ty::Struct(&KUBE_PROXY_IPVS)),
        ("nftables", Ty::Struct(&KUBE_PROXY_NFTABLES)),
        ("winkernel", Ty::Any),
        ("linux", Ty::Struct(&KUBE_PROXY_LINUX)),
        ("windows", Ty::Any),
        ("detectLocalMode", Ty::Str("v1alpha1.LocalMode")),
        ("detectLocal", Ty::Struct(&DETECT_LOCAL)),
        ("clusterCIDR", STRING),
        ("nodePortAddresses", STRINGS),
        ("oomScoreAdj", INT32),
        ("conntrack", Ty::Any),
        ("configSyncPeriod", STRING),
        ("portRange", STRING),
        ("masqueradeAll", Ty::Bool),
        ("syncPeriod", STRING),
        ("minSyncPeriod", STRING),
    ],
};

pub static KUBE_PROXY_IPTABLES: Struct = Struct {
    go_type: "v1alpha1.KubeProxyIPTablesConfiguration",
    fields: &[
        ("masqueradeBit", INT32),
        ("masqueradeAll", Ty::Bool),
        ("localhostNodePorts", Ty::Bool),
        ("syncPeriod", STRING),
        ("minSyncPeriod", STRING),
    ],
};

pub static KUBE_PROXY_IPVS: Struct = Struct {
    go_type: "v1alpha1.KubeProxyIPVSConfiguration",
    fields: &[
        ("syncPeriod", STRING),
        ("minSyncPeriod", STRING),
        ("scheduler", STRING),
        ("excludeCIDRs", STRINGS),
        ("strictARP", Ty::Bool),
        ("tcpTimeout", STRING),
        ("tcpFinTimeout", STRING),
        ("udpTimeout", STRING),
    ],
};

pub static KUBE_PROXY_NFTABLES: Struct = Struct {
    go_type: "v1alpha1.KubeProxyNFTablesConfiguration",
    fields: &[
        ("masqueradeBit", INT32),
        ("masqueradeAll", Ty::Bool),
        ("syncPeriod", STRING),
        ("minSyncPeriod", STRING),
    ],
};

pub static KUBE_PROXY_LINUX: Struct = Struct {
    go_type: "v1alpha1.KubeProxyLinuxConfiguration",
    fields: &[
        ("conntrack", Ty::Any),
        ("masqueradeAll", Ty::Bool),
        ("oomScoreAdj", INT32),
    ],
};

pub static DETECT_LOCAL: Struct = Struct {
    go_type: "v1alpha1.DetectLocalConfiguration",
    fields: &[
        ("bridgeInterface", STRING),
        ("interfaceNamePrefix", STRING),
        ("clusterCIDRs", STRINGS),
    ],
};

pub static NODE_RUNTIME: Struct = Struct {
    go_type: "v1alpha1.NodeRuntime",
    fields: &[
        ("apiVersion", STRING),
        ("kind", STRING),
        ("metadata", Ty::Struct(&OBJECT_META)),
        ("ipFamilies", STRINGS),
        (
            "interfaces",
            Ty::Array(&Ty::Struct(&NODE_RUNTIME_INTERFACE)),
        ),
        ("nfacct", Ty::Bool),
        ("randomFully", Ty::Bool),
        ("conntrackTCPBeLiberal", Ty::Bool),
    ],
};

pub static NODE_RUNTIME_INTERFACE: Struct = Struct {
    go_type: "v1alpha1.Interface",
    fields: &[("name", STRING), ("addresses", STRINGS)],
};
