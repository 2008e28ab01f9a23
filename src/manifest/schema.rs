//! Field schemas of the kinds svcplay reads, for strict decoding.
//!
//! The API server decodes a manifest into Go structs: a field it does not know is a
//! "strict decoding error", a value of the wrong JSON type is a `json: cannot unmarshal`
//! error. These tables list each struct's JSON fields with their Go types so that
//! [`super::decode`] can report both in the API server's exact words.
//!
//! The Kubernetes kinds' tables are [`generated`] from the v1.35 OpenAPI document (see
//! `schema/` at the repository's root and `tests/schema_gen.rs`, which regenerates them and
//! checks the committed file): complete, down to probes, volumes and affinity. Written by
//! hand here: kube-proxy's `KubeProxyConfiguration` (a component's configuration, not in
//! the OpenAPI document; from `k8s.io/kube-proxy/config/v1alpha1/types.go`) and svcplay's
//! own `NodeRuntime`.

#[rustfmt::skip]
pub mod generated;

/// The Go type of a field, as `encoding/json` names it in its errors.
#[derive(Clone, Copy, Debug)]
pub enum Ty {
    /// A string-valued Go type; the name is what errors print (`string`, `v1.Protocol`).
    Str(&'static str),
    /// A signed integer of the named width (`int32`, `int64`).
    Int(&'static str),
    Bool,
    /// `float64`.
    Float,
    /// `[]byte`: a base64 string.
    Bytes,
    /// `intstr.IntOrString`: a number or a string, decoded by its own `UnmarshalJSON`.
    IntOrString,
    /// `resource.Quantity`: a number or a string, parsed by `ParseQuantity`.
    Quantity,
    /// `metav1.Time` (and `MicroTime`): an RFC 3339 string, decoded by its own
    /// `UnmarshalJSON`.
    Time,
    /// A map with string keys. The name is the Go type's when it has one
    /// (`v1.ResourceList`, `map[v1.ResourceName]v1.ClaimResourceStatus`); empty for a
    /// plain `map[string]V`.
    Map(&'static str, &'static Ty),
    /// `[]T`.
    Array(&'static Ty),
    Struct(&'static Struct),
    /// Anything: not checked (`FieldsV1`, free-form objects).
    Any,
}

/// A Go struct: its package-qualified type name and its JSON fields, sorted by name.
#[derive(Debug)]
pub struct Struct {
    /// `v1.ServicePort` (errors print the part after the dot as the struct name).
    pub go_type: &'static str,
    pub fields: Fields,
}

/// A struct's fields, sorted by name.
#[derive(Debug)]
pub enum Fields {
    /// Written by hand: each field's name and type.
    Plain(&'static [(&'static str, Ty)]),
    /// Generated, packed to keep the page small: each `u32` holds the field name's offset
    /// in [`generated::NAMES`] (bits 0-15), its length (bits 16-21) and the index of its
    /// type in [`generated::TYPES`] (bits 22-31).
    Packed(&'static [u32]),
}

/// The name and type of a packed field.
fn unpack(packed: u32) -> (&'static str, Ty) {
    let offset = (packed & 0xffff) as usize;
    let len = ((packed >> 16) & 0x3f) as usize;
    let ty = generated::TYPES[(packed >> 22) as usize];
    (generated::NAMES.get(offset..offset + len).unwrap_or(""), ty)
}

impl Struct {
    pub fn field(&self, name: &str) -> Option<Ty> {
        match self.fields {
            Fields::Plain(fields) => fields
                .binary_search_by(|(n, _)| (*n).cmp(name))
                .ok()
                .map(|i| fields[i].1),
            Fields::Packed(fields) => fields
                .binary_search_by(|p| unpack(*p).0.cmp(name))
                .ok()
                .map(|i| unpack(fields[i]).1),
        }
    }

    /// Every field, sorted by name.
    pub fn fields(&self) -> Vec<(&'static str, Ty)> {
        match self.fields {
            Fields::Plain(fields) => fields.to_vec(),
            Fields::Packed(fields) => fields.iter().map(|p| unpack(*p)).collect(),
        }
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
            Ty::Bytes => "[]uint8".into(),
            Ty::IntOrString => "intstr.IntOrString".into(),
            Ty::Quantity => "resource.Quantity".into(),
            Ty::Time => "v1.Time".into(),
            Ty::Map("", v) => format!("map[string]{}", v.go_name()),
            Ty::Map(name, _) => (*name).to_string(),
            Ty::Array(t) => format!("[]{}", t.go_name()),
            Ty::Struct(s) => s.go_type.to_string(),
            Ty::Any => "interface {}".into(),
        }
    }
}

/// The schema of a Kubernetes kind, from the generated table.
pub fn kind(api_version: &str, kind: &str) -> Option<&'static Struct> {
    generated::KINDS
        .iter()
        .find(|(v, k, _)| *v == api_version && *k == kind)
        .map(|(_, _, s)| *s)
}

const STRING: Ty = Ty::Str("string");
const INT32: Ty = Ty::Int("int32");
const STRINGS: Ty = Ty::Array(&STRING);
/// `metav1.Duration`: a Go duration string (`5s`, `1m`).
const DURATION: Ty = Ty::Str("v1.Duration");

// ---- kube-proxy's configuration and svcplay's NodeRuntime ------------------------------

/// `KubeProxyConfiguration` v1alpha1, from `k8s.io/kube-proxy/config/v1alpha1/types.go`
/// (kubernetes/kubernetes staging, read at ce3490900116). `logging` (component-base's
/// `LoggingConfiguration`) is not checked.
///
/// Not v1alpha1 fields, accepted anyway: the top-level `masqueradeAll`, `syncPeriod`,
/// `minSyncPeriod`, the `linux`/`windows` sections and `detectLocal.clusterCIDRs`. They are
/// fields of kube-proxy's internal configuration (and its v1alpha2 layout), not of
/// v1alpha1, where `masqueradeAll` and the sync periods live under `iptables`, `ipvs` and
/// `nftables`. The real kube-proxy would not refuse them: `Options.loadConfig`
/// (cmd/kube-proxy/app/options.go) decodes strictly, and on a strict decoding error
/// decodes again leniently (v1alpha1 only), logging `"Using lenient decoding as strict
/// decoding failed" err="strict decoding error: unknown field ..."` and ignoring the
/// field. svcplay applies them instead, because the reference corpus's kube-proxy inputs
/// (translated from upstream proxier tests, which set these values on the proxier
/// directly) write them at the top level.
pub static KUBE_PROXY_CONFIGURATION: Struct = Struct {
    go_type: "v1alpha1.KubeProxyConfiguration",
    fields: Fields::Plain(&[
        ("apiVersion", STRING),
        ("bindAddress", STRING),
        ("bindAddressHardFail", Ty::Bool),
        ("clientConnection", Ty::Struct(&CLIENT_CONNECTION)),
        ("clusterCIDR", STRING),
        ("configSyncPeriod", DURATION),
        ("conntrack", Ty::Struct(&KUBE_PROXY_CONNTRACK)),
        ("detectLocal", Ty::Struct(&DETECT_LOCAL)),
        ("detectLocalMode", Ty::Str("v1alpha1.LocalMode")),
        ("enableProfiling", Ty::Bool),
        ("featureGates", Ty::Map("", &Ty::Bool)),
        ("healthzBindAddress", STRING),
        ("hostnameOverride", STRING),
        ("iptables", Ty::Struct(&KUBE_PROXY_IPTABLES)),
        ("ipvs", Ty::Struct(&KUBE_PROXY_IPVS)),
        ("kind", STRING),
        ("linux", Ty::Struct(&KUBE_PROXY_LINUX)),
        ("logging", Ty::Any),
        ("masqueradeAll", Ty::Bool),
        ("metricsBindAddress", STRING),
        ("minSyncPeriod", DURATION),
        ("mode", Ty::Str("v1alpha1.ProxyMode")),
        ("nftables", Ty::Struct(&KUBE_PROXY_NFTABLES)),
        ("nodePortAddresses", STRINGS),
        ("oomScoreAdj", INT32),
        ("portRange", STRING),
        ("showHiddenMetricsForVersion", STRING),
        ("syncPeriod", DURATION),
        ("windows", Ty::Any),
        ("windowsRunAsService", Ty::Bool),
        ("winkernel", Ty::Struct(&KUBE_PROXY_WINKERNEL)),
    ]),
};

/// component-base's `ClientConnectionConfiguration` v1alpha1.
pub static CLIENT_CONNECTION: Struct = Struct {
    go_type: "v1alpha1.ClientConnectionConfiguration",
    fields: Fields::Plain(&[
        ("acceptContentTypes", STRING),
        ("burst", INT32),
        ("contentType", STRING),
        ("kubeconfig", STRING),
        ("qps", Ty::Float),
    ]),
};

pub static KUBE_PROXY_CONNTRACK: Struct = Struct {
    go_type: "v1alpha1.KubeProxyConntrackConfiguration",
    fields: Fields::Plain(&[
        ("maxPerCore", INT32),
        ("min", INT32),
        ("tcpBeLiberal", Ty::Bool),
        ("tcpCloseWaitTimeout", DURATION),
        ("tcpEstablishedTimeout", DURATION),
        ("udpStreamTimeout", DURATION),
        ("udpTimeout", DURATION),
    ]),
};

pub static KUBE_PROXY_IPTABLES: Struct = Struct {
    go_type: "v1alpha1.KubeProxyIPTablesConfiguration",
    fields: Fields::Plain(&[
        ("localhostNodePorts", Ty::Bool),
        ("masqueradeAll", Ty::Bool),
        ("masqueradeBit", INT32),
        ("minSyncPeriod", DURATION),
        ("syncPeriod", DURATION),
    ]),
};

pub static KUBE_PROXY_IPVS: Struct = Struct {
    go_type: "v1alpha1.KubeProxyIPVSConfiguration",
    fields: Fields::Plain(&[
        ("excludeCIDRs", STRINGS),
        ("minSyncPeriod", DURATION),
        ("scheduler", STRING),
        ("strictARP", Ty::Bool),
        ("syncPeriod", DURATION),
        ("tcpFinTimeout", DURATION),
        ("tcpTimeout", DURATION),
        ("udpTimeout", DURATION),
    ]),
};

pub static KUBE_PROXY_NFTABLES: Struct = Struct {
    go_type: "v1alpha1.KubeProxyNFTablesConfiguration",
    fields: Fields::Plain(&[
        ("masqueradeAll", Ty::Bool),
        ("masqueradeBit", INT32),
        ("minSyncPeriod", DURATION),
        ("syncPeriod", DURATION),
    ]),
};

pub static KUBE_PROXY_WINKERNEL: Struct = Struct {
    go_type: "v1alpha1.KubeProxyWinkernelConfiguration",
    fields: Fields::Plain(&[
        ("enableDSR", Ty::Bool),
        ("forwardHealthCheckVip", Ty::Bool),
        ("networkName", STRING),
        ("rootHnsEndpointName", STRING),
        ("sourceVip", STRING),
    ]),
};

pub static DETECT_LOCAL: Struct = Struct {
    go_type: "v1alpha1.DetectLocalConfiguration",
    fields: Fields::Plain(&[
        ("bridgeInterface", STRING),
        ("clusterCIDRs", STRINGS),
        ("interfaceNamePrefix", STRING),
    ]),
};

pub static KUBE_PROXY_LINUX: Struct = Struct {
    go_type: "v1alpha1.KubeProxyLinuxConfiguration",
    fields: Fields::Plain(&[
        ("conntrack", Ty::Struct(&KUBE_PROXY_CONNTRACK)),
        ("masqueradeAll", Ty::Bool),
        ("oomScoreAdj", INT32),
    ]),
};

/// svcplay's own kind: the host facts kube-proxy discovers at run time.
pub static NODE_RUNTIME: Struct = Struct {
    go_type: "v1alpha1.NodeRuntime",
    fields: Fields::Plain(&[
        ("apiVersion", STRING),
        ("conntrackTCPBeLiberal", Ty::Bool),
        (
            "interfaces",
            Ty::Array(&Ty::Struct(&NODE_RUNTIME_INTERFACE)),
        ),
        ("ipFamilies", STRINGS),
        ("kind", STRING),
        ("metadata", Ty::Struct(&generated::META_V1_OBJECT_META)),
        ("nfacct", Ty::Bool),
        ("randomFully", Ty::Bool),
    ]),
};

pub static NODE_RUNTIME_INTERFACE: Struct = Struct {
    go_type: "v1alpha1.Interface",
    fields: Fields::Plain(&[("addresses", STRINGS), ("name", STRING)]),
};

#[cfg(test)]
mod tests {
    use super::*;

    /// [`Struct::field`] searches by name: every table must be sorted.
    #[test]
    fn hand_written_tables_are_sorted() {
        for s in [
            &KUBE_PROXY_CONFIGURATION,
            &CLIENT_CONNECTION,
            &KUBE_PROXY_CONNTRACK,
            &KUBE_PROXY_IPTABLES,
            &KUBE_PROXY_IPVS,
            &KUBE_PROXY_NFTABLES,
            &KUBE_PROXY_WINKERNEL,
            &DETECT_LOCAL,
            &KUBE_PROXY_LINUX,
            &NODE_RUNTIME,
            &NODE_RUNTIME_INTERFACE,
        ] {
            assert!(
                s.fields().windows(2).all(|w| w[0].0 < w[1].0),
                "{}",
                s.go_type
            );
        }
    }
}
