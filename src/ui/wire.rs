//! The bytes the page and its Web Worker exchange.
//!
//! A request (analyse this text, compute that panel, run this command) and its answer
//! travel as one `Uint8Array` each. The encoding is deliberately simple — little-endian
//! numbers, length-prefixed strings and lists, a tag byte for enums — and written by hand:
//! a serialisation framework would cost more of the budgeted wasm than the few types here.
//! Decoding never panics: malformed bytes give `None`.

use super::snapshot::*;
use std::net::IpAddr;
use svcplay::changes::{
    Changes, DnsChange, EndpointChange, GroupChange, ShareChange, SyncReason, SyncedPort,
};
// Two walks cross the wire: a compare column's packet walk and a watched request's.
use svcplay::compare::{Column, Comparison, Counts, Step, Walk as ModeWalk};
use svcplay::diag::{Diagnostic, Pos, Severity, Span, Stage};
use svcplay::diagram::{Diagram, Edge, NodeBox, PodBox, Rect, ServiceBox};
use svcplay::lang::Lang;
use svcplay::proxy::config::ProxyMode;
use svcplay::proxy::trace::{Hop, HopKind, Outcome, Packet, RuleRef, Trace};
use svcplay::proxy::{GroupKind, Protocol};
use svcplay::simulate::clients::{ClientChoice, Destination, DestinationKind};
use svcplay::simulate::spread::Spread;
use svcplay::simulate::watch::{Journey, Walk, Watch};
use svcplay::simulate::{Client, EndpointShare, Landed, SimRequest, SimResult};
use svcplay::views::CommandOutput;

/// Reads values back in the order they were written.
pub struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    pub fn new(bytes: &'a [u8]) -> Reader<'a> {
        Reader { bytes }
    }

    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.bytes.len() < n {
            return None;
        }
        let (head, tail) = self.bytes.split_at(n);
        self.bytes = tail;
        Some(head)
    }

    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }
}

/// A value that crosses to and from the worker.
pub trait Wire: Sized {
    fn put(&self, out: &mut Vec<u8>);
    fn get(r: &mut Reader) -> Option<Self>;
}

/// Encodes one value.
pub fn encode<T: Wire>(value: &T) -> Vec<u8> {
    let mut out = Vec::new();
    value.put(&mut out);
    out
}

/// Decodes one value, which must use all the bytes.
pub fn decode<T: Wire>(bytes: &[u8]) -> Option<T> {
    let mut r = Reader::new(bytes);
    let value = T::get(&mut r)?;
    r.is_empty().then_some(value)
}

macro_rules! wire_number {
    ($($t:ty),*) => {$(
        impl Wire for $t {
            fn put(&self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.to_le_bytes());
            }
            fn get(r: &mut Reader) -> Option<Self> {
                let bytes = r.take(std::mem::size_of::<$t>())?;
                Some(<$t>::from_le_bytes(bytes.try_into().ok()?))
            }
        }
    )*};
}
wire_number!(u8, u16, u32, u64, i32, i64, f64);

impl Wire for usize {
    fn put(&self, out: &mut Vec<u8>) {
        (*self as u64).put(out)
    }
    fn get(r: &mut Reader) -> Option<Self> {
        usize::try_from(u64::get(r)?).ok()
    }
}

impl Wire for bool {
    fn put(&self, out: &mut Vec<u8>) {
        out.push(u8::from(*self))
    }
    fn get(r: &mut Reader) -> Option<Self> {
        match u8::get(r)? {
            0 => Some(false),
            1 => Some(true),
            _ => None,
        }
    }
}

impl Wire for String {
    fn put(&self, out: &mut Vec<u8>) {
        self.len().put(out);
        out.extend_from_slice(self.as_bytes());
    }
    fn get(r: &mut Reader) -> Option<Self> {
        let len = usize::get(r)?;
        String::from_utf8(r.take(len)?.to_vec()).ok()
    }
}

impl<T: Wire> Wire for Vec<T> {
    fn put(&self, out: &mut Vec<u8>) {
        self.len().put(out);
        for v in self {
            v.put(out);
        }
    }
    fn get(r: &mut Reader) -> Option<Self> {
        let len = usize::get(r)?;
        // Each element takes at least one byte: a bogus length cannot reserve memory.
        if len > r.bytes.len() {
            return None;
        }
        (0..len).map(|_| T::get(r)).collect()
    }
}

impl<T: Wire> Wire for Option<T> {
    fn put(&self, out: &mut Vec<u8>) {
        match self {
            None => out.push(0),
            Some(v) => {
                out.push(1);
                v.put(out);
            }
        }
    }
    fn get(r: &mut Reader) -> Option<Self> {
        match u8::get(r)? {
            0 => Some(None),
            1 => Some(Some(T::get(r)?)),
            _ => None,
        }
    }
}

impl Wire for IpAddr {
    fn put(&self, out: &mut Vec<u8>) {
        match self {
            IpAddr::V4(v4) => {
                out.push(4);
                out.extend_from_slice(&v4.octets());
            }
            IpAddr::V6(v6) => {
                out.push(6);
                out.extend_from_slice(&v6.octets());
            }
        }
    }
    fn get(r: &mut Reader) -> Option<Self> {
        Some(match u8::get(r)? {
            4 => IpAddr::from(<[u8; 4]>::try_from(r.take(4)?).ok()?),
            6 => IpAddr::from(<[u8; 16]>::try_from(r.take(16)?).ok()?),
            _ => return None,
        })
    }
}

impl<T: Wire, E: Wire> Wire for Result<T, E> {
    fn put(&self, out: &mut Vec<u8>) {
        match self {
            Ok(v) => {
                out.push(0);
                v.put(out);
            }
            Err(e) => {
                out.push(1);
                e.put(out);
            }
        }
    }
    fn get(r: &mut Reader) -> Option<Self> {
        match u8::get(r)? {
            0 => Some(Ok(T::get(r)?)),
            1 => Some(Err(E::get(r)?)),
            _ => None,
        }
    }
}

impl<A: Wire, B: Wire, C: Wire> Wire for (A, B, C) {
    fn put(&self, out: &mut Vec<u8>) {
        self.0.put(out);
        self.1.put(out);
        self.2.put(out);
    }
    fn get(r: &mut Reader) -> Option<Self> {
        Some((A::get(r)?, B::get(r)?, C::get(r)?))
    }
}

impl<T: Wire> Wire for std::rc::Rc<T> {
    fn put(&self, out: &mut Vec<u8>) {
        (**self).put(out)
    }
    fn get(r: &mut Reader) -> Option<Self> {
        T::get(r).map(std::rc::Rc::new)
    }
}

impl<T: Wire> Wire for std::sync::Arc<T> {
    fn put(&self, out: &mut Vec<u8>) {
        (**self).put(out)
    }
    fn get(r: &mut Reader) -> Option<Self> {
        T::get(r).map(std::sync::Arc::new)
    }
}

impl<A: Wire, B: Wire> Wire for (A, B) {
    fn put(&self, out: &mut Vec<u8>) {
        self.0.put(out);
        self.1.put(out);
    }
    fn get(r: &mut Reader) -> Option<Self> {
        Some((A::get(r)?, B::get(r)?))
    }
}

macro_rules! wire_struct {
    ($t:ident { $($f:ident),* $(,)? }) => {
        impl Wire for $t {
            fn put(&self, out: &mut Vec<u8>) {
                $(self.$f.put(out);)*
            }
            fn get(r: &mut Reader) -> Option<Self> {
                Some($t { $($f: Wire::get(r)?),* })
            }
        }
    };
}

/// An enum without data, as the index of its variant in a list.
macro_rules! wire_enum {
    ($t:ident [$($v:expr),* $(,)?]) => {
        impl Wire for $t {
            fn put(&self, out: &mut Vec<u8>) {
                let all = [$($v),*];
                let i = all.iter().position(|v| v == self).unwrap_or(0);
                out.push(i as u8);
            }
            fn get(r: &mut Reader) -> Option<Self> {
                let all = [$($v),*];
                all.get(u8::get(r)? as usize).copied()
            }
        }
    };
}

wire_enum!(Severity [Severity::Error, Severity::Warning, Severity::Info]);
wire_enum!(Stage [Stage::Syntax, Stage::Decode, Stage::ApiServer, Stage::Controller, Stage::Proxy, Stage::Hint]);
wire_enum!(Lang [Lang::En, Lang::Zh]);
wire_enum!(ProxyMode [ProxyMode::Iptables, ProxyMode::Ipvs, ProxyMode::Nftables, ProxyMode::Userspace]);
wire_enum!(Tab [Tab::Rules, Tab::Nodes, Tab::Check, Tab::Objects, Tab::Selectors, Tab::Endpoints, Tab::Dns, Tab::Traffic, Tab::Diagram, Tab::Terminal, Tab::Changes, Tab::Compare, Tab::Versions]);
wire_enum!(GroupKind [
    GroupKind::FilterChain,
    GroupKind::NatChain,
    GroupKind::NftChain,
    GroupKind::NftSet,
    GroupKind::VirtualServer,
    GroupKind::IpSet,
    GroupKind::KubeIpvs0,
    GroupKind::ProxySockets,
]);
wire_enum!(SyncReason [
    SyncReason::Added,
    SyncReason::Removed,
    SyncReason::ServiceChanged,
    SyncReason::EndpointsChanged,
]);
wire_enum!(RulesView [
    RulesView::RestoreInput,
    RulesView::IptablesSave,
    RulesView::Ipvsadm,
    RulesView::Ipset,
    RulesView::NftTransaction,
    RulesView::NftList,
    RulesView::Userspace,
    RulesView::KubeIpvs0,
]);
wire_enum!(How [How::Written, How::Defaulted, How::Allocated, How::Observed]);
wire_enum!(Protocol [Protocol::Tcp, Protocol::Udp, Protocol::Sctp]);
wire_enum!(DestinationKind [
    DestinationKind::ClusterIp,
    DestinationKind::NodePort,
    DestinationKind::ExternalIp,
    DestinationKind::LoadBalancer,
]);
wire_enum!(OriginKind [OriginKind::Written, OriginKind::Generated, OriginKind::Builtin]);
wire_enum!(HopKind [HopKind::Match, HopKind::Jump, HopKind::Masquerade, HopKind::Dnat, HopKind::Verdict, HopKind::Return]);

wire_struct!(Pos { line, column });
wire_struct!(Span { start, end });
wire_struct!(Diagnostic {
    severity,
    stage,
    document,
    object,
    path,
    span,
    message
});
wire_struct!(Selection {
    tab,
    node,
    mode,
    rules_view,
    target,
    compare,
    dump,
    filter,
    object,
    lang
});
wire_struct!(NodesRow {
    node,
    destination,
    verdict,
    pods,
    client,
    rule_location,
    rule,
    rule_verdict,
    health_status,
    health_body
});
wire_struct!(NodesService {
    service_port,
    service_type,
    policy,
    ports,
    object,
    rows
});
wire_struct!(CheckRow {
    kind,
    table,
    chain,
    rule,
    note,
    line,
    service
});
wire_struct!(CheckPanel {
    node,
    error,
    findings,
    legend,
    sections,
    summary,
    matches,
    text
});
wire_struct!(Summary {
    diagnostics,
    nodes,
    default_node,
    configured_mode,
    memory_bytes
});
wire_struct!(Source {
    object,
    span,
    label,
    spans,
    from,
    explain
});
wire_struct!(EndpointChange {
    service,
    added,
    removed,
    now_ready,
    now_not_ready
});
wire_struct!(GroupChange {
    kind,
    name,
    service,
    added,
    removed,
    changed,
    before,
    after
});
wire_struct!(DnsChange { added, removed });
wire_struct!(ShareChange {
    service_port,
    before,
    after
});
wire_struct!(SyncedPort { name, reason });
wire_struct!(Changes {
    node,
    mode,
    endpoints,
    groups,
    dns,
    shares,
    synced
});
wire_struct!(Counts {
    rules,
    chains,
    sets,
    elements,
    virtual_servers,
    real_servers,
    bound_addresses,
    sockets
});
wire_struct!(Step {
    depth,
    location,
    rule,
    verdict
});
wire_struct!(ModeWalk {
    hops,
    result,
    masquerade
});
wire_struct!(Column {
    mode,
    counts,
    per_service,
    fixed,
    walk
});
wire_struct!(Comparison {
    node,
    packet,
    destinations,
    chosen,
    columns,
    notes,
    applying
});
wire_struct!(RulesPanel {
    lang,
    mode,
    views,
    view,
    text,
    status,
    numbers,
    line_sources,
    sources,
    also,
    cut,
    total
});
wire_struct!(ObjectsPanel { rows, more });
wire_struct!(FieldRow { field, value, how });
wire_struct!(ObjectRow {
    kind,
    namespace,
    name,
    origin,
    object,
    span,
    admission,
    fields,
    actions,
    has_rules
});
wire_struct!(LabelMiss { key, wanted, found });
wire_struct!(SelectorRow {
    service,
    object,
    selector,
    active,
    selected,
    not_selected,
    other_namespaces
});
wire_struct!(EndpointRow {
    addresses,
    ready,
    serving,
    terminating,
    node,
    zone,
    target
});
wire_struct!(SliceRow {
    namespace,
    name,
    service,
    address_type,
    ports,
    endpoints
});
wire_struct!(LegacyRow {
    namespace,
    name,
    addresses,
    not_ready,
    ports
});
wire_struct!(EndpointsPanel {
    slices,
    legacy,
    kubectl
});
wire_struct!(DnsRow {
    name,
    record_type,
    answers
});
wire_struct!(Packet {
    src,
    dst,
    dport,
    protocol
});
wire_struct!(EndpointShare {
    ip,
    port,
    pod,
    node,
    count,
    probability
});
wire_struct!(SimResult {
    mode,
    node,
    packet,
    client,
    requests,
    seed,
    interval_ms,
    endpoints,
    dropped,
    rejected,
    unhandled,
    dropped_probability,
    rejected_probability,
    unhandled_probability,
    masqueraded,
    affinity_seconds,
    note,
    sequence
});
wire_struct!(SimRequest {
    node,
    src,
    dst,
    protocol,
    requests,
    seed,
    interval_ms,
    record,
    mode
});
wire_struct!(Spread {
    per_node,
    endpoints,
    requests,
    dropped,
    rejected
});
wire_struct!(Destination {
    kind,
    service,
    ip,
    port,
    protocol,
    node
});
wire_struct!(TrafficPanel {
    clients,
    destinations,
    events,
    expected
});
wire_struct!(Simulated {
    result,
    spread,
    watch
});
wire_struct!(Watching { watch, diagram });
wire_struct!(Watch {
    mode,
    node,
    client,
    packet,
    seed,
    interval_ms,
    walks,
    journeys
});
wire_struct!(Walk {
    trace,
    landed,
    decided_by,
    pod,
    pod_node
});
wire_struct!(Journey {
    walk,
    pinned,
    at_ms
});
wire_struct!(Trace {
    packet,
    hops,
    outcome,
    masquerade
});
wire_struct!(Hop {
    depth,
    location,
    rule,
    verdict,
    object,
    kind,
    rule_ref
});
wire_struct!(RuleRef {
    table,
    chain,
    index,
    service_port,
    endpoint
});
wire_struct!(Rect {
    x,
    y,
    width,
    height
});
wire_struct!(NodeBox {
    name,
    internal_ip,
    ready,
    rect,
    object
});
wire_struct!(PodBox {
    namespace,
    name,
    ip,
    ready,
    terminating,
    node,
    rect,
    object
});
wire_struct!(ServiceBox {
    namespace,
    name,
    type_,
    cluster_ip,
    ports,
    rect,
    object
});
wire_struct!(Edge {
    service,
    pod,
    serving
});
wire_struct!(Diagram {
    width,
    height,
    nodes,
    pods,
    services,
    edges,
    omitted_services,
    omitted_pods
});
wire_struct!(CommandOutput {
    stdout,
    stderr,
    status,
    interleaved
});

impl Wire for UiAction {
    fn put(&self, out: &mut Vec<u8>) {
        match self {
            UiAction::Scale {
                namespace,
                name,
                replicas,
            } => {
                out.push(0);
                (namespace.clone(), name.clone()).put(out);
                replicas.put(out);
            }
            UiAction::PodReady {
                namespace,
                name,
                ready,
            } => {
                out.push(1);
                (namespace.clone(), name.clone()).put(out);
                ready.put(out);
            }
            UiAction::PodDelete {
                namespace,
                name,
                delete,
            } => {
                out.push(2);
                (namespace.clone(), name.clone()).put(out);
                delete.put(out);
            }
            UiAction::NodeReady { name, ready } => {
                out.push(3);
                name.put(out);
                ready.put(out);
            }
            UiAction::PodGone { namespace, name } => {
                out.push(4);
                (namespace.clone(), name.clone()).put(out);
            }
        }
    }
    fn get(r: &mut Reader) -> Option<Self> {
        Some(match u8::get(r)? {
            0 => {
                let (namespace, name) = Wire::get(r)?;
                UiAction::Scale {
                    namespace,
                    name,
                    replicas: Wire::get(r)?,
                }
            }
            1 => {
                let (namespace, name) = Wire::get(r)?;
                UiAction::PodReady {
                    namespace,
                    name,
                    ready: Wire::get(r)?,
                }
            }
            2 => {
                let (namespace, name) = Wire::get(r)?;
                UiAction::PodDelete {
                    namespace,
                    name,
                    delete: Wire::get(r)?,
                }
            }
            3 => UiAction::NodeReady {
                name: Wire::get(r)?,
                ready: Wire::get(r)?,
            },
            4 => {
                let (namespace, name) = Wire::get(r)?;
                UiAction::PodGone { namespace, name }
            }
            _ => return None,
        })
    }
}

impl Wire for Outcome {
    fn put(&self, out: &mut Vec<u8>) {
        match self {
            Outcome::Dnat(to) => {
                out.push(0);
                to.put(out);
            }
            Outcome::Accept => out.push(1),
            Outcome::Drop => out.push(2),
            Outcome::Reject => out.push(3),
            Outcome::Nothing => out.push(4),
            Outcome::Several(ends) => {
                out.push(5);
                ends.put(out);
            }
        }
    }
    fn get(r: &mut Reader) -> Option<Self> {
        Some(match u8::get(r)? {
            0 => Outcome::Dnat(Wire::get(r)?),
            1 => Outcome::Accept,
            2 => Outcome::Drop,
            3 => Outcome::Reject,
            4 => Outcome::Nothing,
            5 => Outcome::Several(Wire::get(r)?),
            _ => return None,
        })
    }
}

impl Wire for Landed {
    fn put(&self, out: &mut Vec<u8>) {
        match self {
            Landed::Endpoint(ip, port) => {
                out.push(0);
                ip.put(out);
                port.put(out);
            }
            Landed::Drop => out.push(1),
            Landed::Reject => out.push(2),
            Landed::Unhandled => out.push(3),
        }
    }
    fn get(r: &mut Reader) -> Option<Self> {
        Some(match u8::get(r)? {
            0 => Landed::Endpoint(Wire::get(r)?, Wire::get(r)?),
            1 => Landed::Drop,
            2 => Landed::Reject,
            3 => Landed::Unhandled,
            _ => return None,
        })
    }
}

impl Wire for Client {
    fn put(&self, out: &mut Vec<u8>) {
        match self {
            Client::Pod { pod, node } => {
                out.push(0);
                pod.put(out);
                node.put(out);
            }
            Client::Node(n) => {
                out.push(1);
                n.put(out);
            }
            Client::External => out.push(2),
        }
    }
    fn get(r: &mut Reader) -> Option<Self> {
        Some(match u8::get(r)? {
            0 => Client::Pod {
                pod: Wire::get(r)?,
                node: Wire::get(r)?,
            },
            1 => Client::Node(Wire::get(r)?),
            2 => Client::External,
            _ => return None,
        })
    }
}

impl Wire for ClientChoice {
    fn put(&self, out: &mut Vec<u8>) {
        match self {
            ClientChoice::Node(n) => {
                out.push(0);
                n.put(out);
            }
            ClientChoice::Pod { pod, node, ips } => {
                out.push(1);
                pod.put(out);
                node.put(out);
                ips.put(out);
            }
            ClientChoice::External(n) => {
                out.push(2);
                n.put(out);
            }
        }
    }
    fn get(r: &mut Reader) -> Option<Self> {
        Some(match u8::get(r)? {
            0 => ClientChoice::Node(Wire::get(r)?),
            1 => ClientChoice::Pod {
                pod: Wire::get(r)?,
                node: Wire::get(r)?,
                ips: Wire::get(r)?,
            },
            2 => ClientChoice::External(Wire::get(r)?),
            _ => return None,
        })
    }
}

impl Wire for Panel {
    fn put(&self, out: &mut Vec<u8>) {
        match self {
            Panel::Rules(p) => {
                out.push(0);
                p.put(out)
            }
            Panel::Objects(p) => {
                out.push(1);
                p.put(out)
            }
            Panel::Selectors(p) => {
                out.push(2);
                p.put(out)
            }
            Panel::Endpoints(p) => {
                out.push(3);
                p.put(out)
            }
            Panel::Dns(p) => {
                out.push(4);
                p.put(out)
            }
            Panel::Traffic(p) => {
                out.push(5);
                p.put(out)
            }
            Panel::Diagram(p) => {
                out.push(6);
                p.put(out)
            }
            Panel::Empty => out.push(7),
            Panel::Compare(p) => {
                out.push(10);
                p.put(out)
            }
            Panel::Nodes(p) => {
                out.push(8);
                p.put(out);
            }
            Panel::Check(p) => {
                out.push(9);
                p.put(out);
            }
        }
    }
    fn get(r: &mut Reader) -> Option<Self> {
        Some(match u8::get(r)? {
            0 => Panel::Rules(Wire::get(r)?),
            1 => Panel::Objects(Wire::get(r)?),
            2 => Panel::Selectors(Wire::get(r)?),
            3 => Panel::Endpoints(Wire::get(r)?),
            4 => Panel::Dns(Wire::get(r)?),
            5 => Panel::Traffic(Wire::get(r)?),
            6 => Panel::Diagram(Wire::get(r)?),
            7 => Panel::Empty,
            8 => Panel::Nodes(Wire::get(r)?),
            9 => Panel::Check(Wire::get(r)?),
            10 => Panel::Compare(Wire::get(r)?),
            _ => return None,
        })
    }
}

/// When the worker answers a request, read from its bytes without decoding the rest (the
/// worker checks every message, and a text to analyse is large): 0 at once; 1 after the
/// messages already queued ([`Request::Changes`]: "what changed" must not hold up a
/// keystroke's text that arrived meanwhile); 2 after them, and only if no newer request
/// of its kind came meanwhile ([`Request::Panel`]: a keystroke's text goes first, which
/// makes the panel's revision old and its answer empty, and of panels asked one after
/// the other, as a filter is typed, the newest wins).
pub fn deferral(bytes: &[u8]) -> u8 {
    match bytes.first() {
        Some(&CHANGES_TAG) => 1,
        Some(&PANEL_TAG) => 2,
        _ => 0,
    }
}

/// The revision of a [`Response::Summary`], read from its bytes without decoding the rest
/// (its panel may be large): the page posts the text waiting before it decodes the answer,
/// and does not decode an answer that text has made old.
pub fn summary_rev(bytes: &[u8]) -> Option<u64> {
    match bytes {
        [SUMMARY_TAG, rest @ ..] => u64::get(&mut Reader::new(rest)),
        _ => None,
    }
}

/// The tag of [`Response::Summary`] on the wire.
const SUMMARY_TAG: u8 = 0;

/// The tags of [`Request::Changes`] and [`Request::Panel`] on the wire.
const CHANGES_TAG: u8 = 4;
const PANEL_TAG: u8 = 1;

/// What the page asks the worker.
#[derive(Clone, Debug, PartialEq)]
pub enum Request {
    /// Analyse revision `rev` of the text (and keep it for the requests that follow);
    /// `before` is the text analysed last when the worker does not hold it (the page
    /// analysed it), for the worker to say what changed from it, on `node` in `mode`
    /// (what the user is viewing; the scenario's own mode when `None`).
    Analyze {
        rev: u64,
        text: String,
        before: Option<String>,
        node: String,
        mode: Option<ProxyMode>,
        /// The text sent before this one was an edit too: if the page never heard what
        /// that edit changed (it was typed over), this edit's changes include it. Not
        /// after a text replaced whole (a link, an example): its changes are not an edit's.
        continues: bool,
        /// The panel on show when the text was sent: computed right after the summary and
        /// sent with it, so that the views need no second round trip.
        selection: Option<Selection>,
    },
    /// As `Analyze`, for a text that is an edit of the one the worker holds: revision
    /// `base` (of `base_len` bytes) with bytes `start..end` replaced by `replacement`. The
    /// worker checks that it holds exactly that revision and answers
    /// [`Response::Resend`] when it does not: a keystroke in a large text sends the
    /// keystroke, not the text.
    Edit {
        rev: u64,
        base: u64,
        base_len: usize,
        start: usize,
        end: usize,
        replacement: String,
        node: String,
        mode: Option<ProxyMode>,
        continues: bool,
        selection: Option<Selection>,
    },
    /// Compute a panel of the last analysed revision.
    Panel { rev: u64, selection: Selection },
    /// Run a terminal command (entry `index`) on the terminal's node, read-only: for a
    /// scenario too costly to analyse on the page (see `state::run_command`).
    Run { index: usize, line: String },
    /// Run simulation `id` on revision `rev`.
    Simulate {
        rev: u64,
        id: u64,
        request: SimRequest,
    },
    /// Say what the edit that made revision `rev` changed (asked once its summary and the
    /// view on show have come: the visible views first).
    Changes { rev: u64 },
    /// The whole listing a rules panel of revision `rev` shows a window of (its Copy and
    /// Download): request `id`.
    Listing {
        id: u64,
        rev: u64,
        selection: Selection,
    },
    /// A text newer than revision `rev`, which the worker is analysing, waits on the page:
    /// `rev`'s views will never be shown, so the worker answers its analysis without the
    /// panel on show (the newer text's summary and panel come first).
    Superseded { rev: u64 },
}

/// What the worker answers.
#[derive(Clone, Debug, PartialEq)]
pub enum Response {
    Summary {
        rev: u64,
        summary: Summary,
        /// [`svcplay::hash::text_hash`] of the text analysed: the end-to-end tests check
        /// that the worker analysed exactly what was typed. The worker keeps it in pieces
        /// and reads again only those an edit touched (not 6 MB per key).
        text_hash: u64,
        /// The panel asked for with the text (`selection` of the request), when it was.
        panel: Option<(Selection, Panel)>,
        /// How long the worker took to build that panel (ms, 0 without one): the page
        /// weighs the analysis' round trip without it.
        panel_ms: f64,
    },
    /// The worker does not hold the revision an [`Request::Edit`] of revision `rev` is an
    /// edit of: the page sends the whole text.
    Resend {
        rev: u64,
    },
    Panel {
        rev: u64,
        selection: Selection,
        panel: Panel,
    },
    Output {
        index: usize,
        output: CommandOutput,
    },
    Simulated {
        id: u64,
        answer: Simulated,
    },
    /// What the edit that made revision `rev` changed, on the node and in the mode on show
    /// when its text was sent.
    Changes {
        rev: u64,
        changes: svcplay::changes::Changes,
    },
    /// The whole listing asked for by request `id`; `None` when the worker holds
    /// another revision than the one asked for (the text changed since the panel shown).
    Listing {
        id: u64,
        text: Option<String>,
    },
}

impl Wire for Request {
    fn put(&self, out: &mut Vec<u8>) {
        match self {
            Request::Analyze {
                rev,
                text,
                before,
                node,
                mode,
                continues,
                selection,
            } => {
                out.push(0);
                rev.put(out);
                text.put(out);
                before.put(out);
                node.put(out);
                mode.put(out);
                continues.put(out);
                selection.put(out);
            }
            Request::Edit {
                rev,
                base,
                base_len,
                start,
                end,
                replacement,
                node,
                mode,
                continues,
                selection,
            } => {
                out.push(6);
                rev.put(out);
                base.put(out);
                base_len.put(out);
                start.put(out);
                end.put(out);
                replacement.put(out);
                node.put(out);
                mode.put(out);
                continues.put(out);
                selection.put(out);
            }
            Request::Panel { rev, selection } => {
                out.push(PANEL_TAG);
                rev.put(out);
                selection.put(out);
            }
            Request::Run { index, line } => {
                out.push(2);
                index.put(out);
                line.put(out);
            }
            Request::Simulate { rev, id, request } => {
                out.push(3);
                rev.put(out);
                id.put(out);
                request.put(out);
            }
            Request::Changes { rev } => {
                out.push(CHANGES_TAG);
                rev.put(out);
            }
            Request::Listing { id, rev, selection } => {
                out.push(5);
                id.put(out);
                rev.put(out);
                selection.put(out);
            }
            Request::Superseded { rev } => {
                out.push(7);
                rev.put(out);
            }
        }
    }
    fn get(r: &mut Reader) -> Option<Self> {
        Some(match u8::get(r)? {
            0 => Request::Analyze {
                rev: Wire::get(r)?,
                text: Wire::get(r)?,
                before: Wire::get(r)?,
                node: Wire::get(r)?,
                mode: Wire::get(r)?,
                continues: Wire::get(r)?,
                selection: Wire::get(r)?,
            },
            6 => Request::Edit {
                rev: Wire::get(r)?,
                base: Wire::get(r)?,
                base_len: Wire::get(r)?,
                start: Wire::get(r)?,
                end: Wire::get(r)?,
                replacement: Wire::get(r)?,
                node: Wire::get(r)?,
                mode: Wire::get(r)?,
                continues: Wire::get(r)?,
                selection: Wire::get(r)?,
            },
            PANEL_TAG => Request::Panel {
                rev: Wire::get(r)?,
                selection: Wire::get(r)?,
            },
            2 => Request::Run {
                index: Wire::get(r)?,
                line: Wire::get(r)?,
            },
            3 => Request::Simulate {
                rev: Wire::get(r)?,
                id: Wire::get(r)?,
                request: Wire::get(r)?,
            },
            CHANGES_TAG => Request::Changes { rev: Wire::get(r)? },
            5 => Request::Listing {
                id: Wire::get(r)?,
                rev: Wire::get(r)?,
                selection: Wire::get(r)?,
            },
            7 => Request::Superseded { rev: Wire::get(r)? },
            _ => return None,
        })
    }
}

impl Wire for Response {
    fn put(&self, out: &mut Vec<u8>) {
        match self {
            Response::Summary {
                rev,
                summary,
                text_hash,
                panel,
                panel_ms,
            } => {
                out.push(SUMMARY_TAG);
                rev.put(out);
                summary.put(out);
                text_hash.put(out);
                panel.put(out);
                panel_ms.put(out);
            }
            Response::Resend { rev } => {
                out.push(6);
                rev.put(out);
            }
            Response::Panel {
                rev,
                selection,
                panel,
            } => {
                out.push(1);
                rev.put(out);
                selection.put(out);
                panel.put(out);
            }
            Response::Output { index, output } => {
                out.push(2);
                index.put(out);
                output.put(out);
            }
            Response::Simulated { id, answer } => {
                out.push(3);
                id.put(out);
                answer.put(out);
            }
            Response::Changes { rev, changes } => {
                out.push(4);
                rev.put(out);
                changes.put(out);
            }
            Response::Listing { id, text } => {
                out.push(5);
                id.put(out);
                text.put(out);
            }
        }
    }
    fn get(r: &mut Reader) -> Option<Self> {
        Some(match u8::get(r)? {
            SUMMARY_TAG => Response::Summary {
                rev: Wire::get(r)?,
                summary: Wire::get(r)?,
                text_hash: Wire::get(r)?,
                panel: Wire::get(r)?,
                panel_ms: Wire::get(r)?,
            },
            6 => Response::Resend { rev: Wire::get(r)? },
            1 => Response::Panel {
                rev: Wire::get(r)?,
                selection: Wire::get(r)?,
                panel: Wire::get(r)?,
            },
            2 => Response::Output {
                index: Wire::get(r)?,
                output: Wire::get(r)?,
            },
            3 => Response::Simulated {
                id: Wire::get(r)?,
                answer: Wire::get(r)?,
            },
            4 => Response::Changes {
                rev: Wire::get(r)?,
                changes: Wire::get(r)?,
            },
            5 => Response::Listing {
                id: Wire::get(r)?,
                text: Wire::get(r)?,
            },
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use svcplay::scenario::{Options, analyze};

    #[test]
    fn a_watch_of_every_mode_survives_the_trip() {
        let analysis = analyze(svcplay::examples::DEFAULT, Options::default());
        for mode in ProxyMode::ALL {
            let request = SimRequest {
                requests: 40,
                record: 40,
                mode: Some(mode),
                ..SimRequest::default()
            };
            let answer = simulate(&analysis, &request);
            assert!(answer.watch.is_some(), "{mode:?}");
            assert_eq!(decode::<Simulated>(&encode(&answer)), Some(answer));
        }
    }

    #[test]
    fn every_panel_of_every_example_survives_the_trip() {
        let mut before: Option<svcplay::scenario::Analysis> = None;
        for example in svcplay::examples::EXAMPLES {
            let analysis = analyze(example.text, Options::default());
            let response = Response::Summary {
                rev: 7,
                summary: summary(&analysis),
                text_hash: svcplay::hash::text_hash(example.text.as_bytes()),
                panel: None,
                panel_ms: 1.5,
            };
            assert_eq!(decode::<Response>(&encode(&response)), Some(response));
            // What one example changed from the one before, as the worker reports an edit.
            if let Some(b) = &before {
                let response = Response::Changes {
                    rev: 7,
                    changes: svcplay::changes::diff(b, &analysis, &analysis.default_node(), None),
                };
                assert_eq!(decode::<Response>(&encode(&response)), Some(response));
                let request = Request::Changes { rev: 7 };
                assert_eq!(deferral(&encode(&request)), 1);
                assert_eq!(decode::<Request>(&encode(&request)), Some(request));
            }
            for tab in Tab::ALL {
                let selection = Selection {
                    node: Some("k8s-worker02".into()),
                    ..Selection::of(tab)
                };
                let response = Response::Panel {
                    rev: 1,
                    panel: panel(&analysis, &selection),
                    selection,
                };
                assert_eq!(
                    decode::<Response>(&encode(&response)),
                    Some(response),
                    "{}",
                    example.id
                );
            }
            before = Some(analysis);
        }
    }

    #[test]
    fn a_node_check_survives_the_trip() {
        let analysis = analyze(svcplay::examples::DEFAULT, Options::default());
        let node = analysis.default_node();
        let save = run(&analysis, &node, None, "iptables-save").stdout;
        let selection = Selection {
            node: Some(node),
            dump: save.replace("-j MASQUERADE", "-j MASQUERADE --random-fully"),
            ..Selection::of(Tab::Check)
        };
        let request = Request::Panel {
            rev: 3,
            selection: selection.clone(),
        };
        assert_eq!(deferral(&encode(&request)), 2);
        assert_eq!(decode::<Request>(&encode(&request)), Some(request));
        let request = Request::Listing {
            id: 4,
            rev: 3,
            selection: selection.clone(),
        };
        assert_eq!(deferral(&encode(&request)), 0);
        assert_eq!(decode::<Request>(&encode(&request)), Some(request));
        let response = Response::Listing {
            id: 4,
            text: Some("COMMIT\n".into()),
        };
        assert_eq!(decode::<Response>(&encode(&response)), Some(response));
        let response = Response::Panel {
            rev: 3,
            panel: panel(&analysis, &selection),
            selection,
        };
        assert_eq!(decode::<Response>(&encode(&response)), Some(response));
    }

    #[test]
    fn a_text_to_analyse_is_answered_at_once() {
        let analyse = Request::Analyze {
            rev: 1,
            text: "a".into(),
            before: None,
            node: String::new(),
            mode: None,
            continues: true,
            selection: None,
        };
        assert_eq!(deferral(&encode(&analyse)), 0);
        assert_eq!(decode::<Request>(&encode(&analyse)), Some(analyse));
    }

    #[test]
    fn malformed_bytes_decode_to_nothing() {
        let request = Request::Run {
            index: 3,
            line: "ipvsadm -Ln".into(),
        };
        let bytes = encode(&request);
        assert_eq!(decode::<Request>(&bytes), Some(request));
        for cut in 0..bytes.len() {
            assert_eq!(decode::<Request>(&bytes[..cut]), None);
        }
        assert_eq!(decode::<Request>(&[9]), None);
        // A huge length prefix is refused without allocating.
        let mut huge = vec![0u8];
        huge.extend_from_slice(&u64::MAX.to_le_bytes());
        assert_eq!(decode::<Request>(&huge), None);
    }
}
