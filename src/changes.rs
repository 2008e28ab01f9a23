//! What an edit did downstream: the difference between two analyses of a scenario.
//!
//! [`diff`] compares the analysis before an edit with the one after, on one node and in
//! one proxy mode, and says what changed where a person would look: the endpoints of each
//! Service (added, removed, turned ready or not), what kube-proxy programs (rules added,
//! removed or changed per chain, per nft chain or set, per IPVS virtual server or ipset),
//! the DNS records CoreDNS serves, and the share of new connections each endpoint gets.
//!
//! It also says which service ports a real kube-proxy would resync, modelled on its own
//! change tracking: kube-proxy's `ServiceChangeTracker` and `EndpointsChangeTracker`
//! (`pkg/proxy/servicechangetracker.go`, `endpointschangetracker.go`) record which
//! service ports changed since the last sync, and a partial sync of the iptables and
//! nftables proxiers rewrites only those ports' chains (`syncProxyRules`, "partial sync"
//! since the `MinimizeIPTablesRestore` work; the fixed chains are written every time),
//! while the IPVS proxier updates the virtual servers that differ. [`SyncedPort`] lists
//! them with the reason. The function is pure: the page keeps the last few results.

pub use crate::dns::downstream::Downstream;
use crate::lang::Lang;
use crate::proxy::config::ProxyMode;
use crate::proxy::{
    EndpointInfo, Group, GroupKind, NodeProxy, ProxyFacts, ServicePortFacts, ServicePortInfo,
};
use crate::scenario::Analysis;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

/// How many edits the page keeps.
pub const KEPT: usize = 5;

/// Everything one edit changed.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Changes {
    pub node: String,
    pub mode: Option<ProxyMode>,
    /// Per Service (`namespace/name`), its endpoints' changes.
    pub endpoints: Vec<EndpointChange>,
    /// Per chain, set or virtual server, its lines' changes.
    pub groups: Vec<GroupChange>,
    pub dns: DnsChange,
    /// Per service port, the share of new connections of each endpoint, before and after.
    pub shares: Vec<ShareChange>,
    /// The service ports kube-proxy's change tracking would sync.
    pub synced: Vec<SyncedPort>,
}

/// A Service's endpoints before and after.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EndpointChange {
    /// `namespace/name`.
    pub service: String,
    pub added: Vec<String>,
    pub removed: Vec<String>,
    pub now_ready: Vec<String>,
    pub now_not_ready: Vec<String>,
}

/// One chain, set or virtual server before and after.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupChange {
    pub kind: GroupKind,
    pub name: String,
    /// The service port it belongs to (`namespace/name:port`), if one.
    pub service: Option<String>,
    /// Lines only after, only before (a changed line is in both lists too).
    pub added: Vec<String>,
    pub removed: Vec<String>,
    /// Lines rewritten in place: as many as a removed line has an added partner.
    pub changed: usize,
    pub before: usize,
    pub after: usize,
}

impl GroupChange {
    pub fn created(&self) -> bool {
        self.before == 0 && self.after > 0
    }

    pub fn deleted(&self) -> bool {
        self.after == 0 && self.before > 0
    }

    /// Added lines that are not rewrites of removed ones.
    pub fn net_added(&self) -> usize {
        self.added.len() - self.changed
    }

    pub fn net_removed(&self) -> usize {
        self.removed.len() - self.changed
    }
}

/// DNS records before and after (`name TYPE data`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DnsChange {
    pub added: Vec<String>,
    pub removed: Vec<String>,
}

/// A service port's traffic shares before and after: (endpoint, Pod, share).
#[derive(Clone, Debug, PartialEq)]
pub struct ShareChange {
    pub service_port: String,
    pub before: Vec<(String, Option<String>, f64)>,
    pub after: Vec<(String, Option<String>, f64)>,
}

/// Why kube-proxy syncs a service port.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SyncReason {
    Added,
    Removed,
    ServiceChanged,
    EndpointsChanged,
}

/// A service port kube-proxy's change trackers mark as changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyncedPort {
    /// `namespace/name:port`.
    pub name: String,
    pub reason: SyncReason,
}

impl Changes {
    /// Whether the edit changed nothing downstream.
    pub fn is_empty(&self) -> bool {
        self.endpoints.is_empty()
            && self.groups.is_empty()
            && self.dns.added.is_empty()
            && self.dns.removed.is_empty()
            && self.shares.is_empty()
            && self.synced.is_empty()
    }

    /// Rules (lines of chains) added, removed and changed in all.
    pub fn rule_counts(&self) -> (usize, usize, usize) {
        self.groups
            .iter()
            .filter(|g| g.kind.holds_rules())
            .fold((0, 0, 0), |(a, r, c), g| {
                (a + g.net_added(), r + g.net_removed(), c + g.changed)
            })
    }

    /// The edit in one line: `+2 rules in KUBE-SVC-…, 1 endpoint removed, …`.
    pub fn summary(&self, lang: Lang) -> String {
        let mut parts: Vec<String> = Vec::new();
        let mut groups: Vec<&GroupChange> = self.groups.iter().collect();
        // The busiest units first, the per-service ones before the fixed ones.
        crate::sort::sort_by_key(&mut groups, |g| {
            (
                g.service.is_none(),
                std::cmp::Reverse(g.added.len() + g.removed.len()),
            )
        });
        for g in groups.iter().take(3) {
            parts.push(group_summary(g, lang));
        }
        if groups.len() > 3 {
            parts.push(match lang {
                Lang::En => format!("{} more units changed", groups.len() - 3),
                Lang::Zh => format!("另有 {} 处变化", groups.len() - 3),
            });
        }
        let (added, removed) = self
            .endpoints
            .iter()
            .fold((0, 0), |(a, r), e| (a + e.added.len(), r + e.removed.len()));
        let readiness: usize = self
            .endpoints
            .iter()
            .map(|e| e.now_ready.len() + e.now_not_ready.len())
            .sum();
        let count = |n: usize, en: &str, ens: &str, zh: &str| match lang {
            Lang::En => format!("{n} {}", if n == 1 { en } else { ens }),
            Lang::Zh => format!("{n} 个{zh}"),
        };
        if added > 0 {
            parts.push(match lang {
                Lang::En => format!("{} added", count(added, "endpoint", "endpoints", "")),
                Lang::Zh => format!("新增 {}", count(added, "", "", "端点")),
            });
        }
        if removed > 0 {
            parts.push(match lang {
                Lang::En => format!("{} removed", count(removed, "endpoint", "endpoints", "")),
                Lang::Zh => format!("移除 {}", count(removed, "", "", "端点")),
            });
        }
        if readiness > 0 {
            parts.push(match lang {
                Lang::En => format!(
                    "{} changed readiness",
                    count(readiness, "endpoint", "endpoints", "")
                ),
                Lang::Zh => format!("{}就绪状态变化", count(readiness, "", "", "端点")),
            });
        }
        if !self.dns.added.is_empty() || !self.dns.removed.is_empty() {
            parts.push(match lang {
                Lang::En => format!("DNS +{} −{}", self.dns.added.len(), self.dns.removed.len()),
                Lang::Zh => format!(
                    "DNS 记录 +{} −{}",
                    self.dns.added.len(),
                    self.dns.removed.len()
                ),
            });
        }
        if !self.shares.is_empty() {
            parts.push(match lang {
                Lang::En => format!(
                    "traffic shares of {} changed",
                    self.shares
                        .iter()
                        .map(|s| s.service_port.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                Lang::Zh => format!(
                    "{} 的流量比例变化",
                    self.shares
                        .iter()
                        .map(|s| s.service_port.as_str())
                        .collect::<Vec<_>>()
                        .join("、")
                ),
            });
        }
        if parts.is_empty() {
            return lang
                .pick("nothing changed downstream", "下游没有变化")
                .to_string();
        }
        match lang {
            Lang::En => parts.join(", "),
            Lang::Zh => parts.join("，"),
        }
    }

    /// What kube-proxy's change tracking does with the edit, in one sentence.
    pub fn sync_summary(&self, lang: Lang) -> String {
        let mode = self.mode.unwrap_or(ProxyMode::Iptables);
        if self.synced.is_empty() {
            return lang
                .pick(
                    "kube-proxy sees no Service or endpoint change: a sync rewrites only its fixed chains.",
                    "kube-proxy 没有看到 Service 或端点的变化：同步时只重写它的固定链。",
                )
                .to_string();
        }
        let names: Vec<String> = self
            .synced
            .iter()
            .map(|s| match lang {
                Lang::En => format!("{} ({})", s.name, reason(s.reason, lang)),
                Lang::Zh => format!("{}（{}）", s.name, reason(s.reason, lang)),
            })
            .collect();
        match (mode, lang) {
            (ProxyMode::Iptables | ProxyMode::Nftables, Lang::En) => format!(
                "kube-proxy's partial sync rewrites the chains of {} service port(s): {}; the fixed chains are written on every sync.",
                names.len(),
                names.join(", ")
            ),
            (ProxyMode::Iptables | ProxyMode::Nftables, Lang::Zh) => format!(
                "kube-proxy 的部分同步只重写 {} 个 Service 端口的链：{}；固定链每次同步都会写入。",
                names.len(),
                names.join("、")
            ),
            (ProxyMode::Ipvs, Lang::En) => format!(
                "kube-proxy updates the virtual servers, ipsets and addresses of {} service port(s): {}.",
                names.len(),
                names.join(", ")
            ),
            (ProxyMode::Ipvs, Lang::Zh) => format!(
                "kube-proxy 更新 {} 个 Service 端口的虚拟服务、ipset 和地址：{}。",
                names.len(),
                names.join("、")
            ),
            (ProxyMode::Userspace, Lang::En) => format!(
                "kube-proxy (v1.25 userspace) reopens the proxy sockets and portals of {} service port(s): {}.",
                names.len(),
                names.join(", ")
            ),
            (ProxyMode::Userspace, Lang::Zh) => format!(
                "kube-proxy（v1.25 userspace 模式）重新打开 {} 个 Service 端口的代理套接字和入口规则：{}。",
                names.len(),
                names.join("、")
            ),
        }
    }
}

fn reason(r: SyncReason, lang: Lang) -> &'static str {
    match r {
        SyncReason::Added => lang.pick("added", "新增"),
        SyncReason::Removed => lang.pick("removed", "移除"),
        SyncReason::ServiceChanged => lang.pick("Service changed", "Service 变化"),
        SyncReason::EndpointsChanged => lang.pick("endpoints changed", "端点变化"),
    }
}

/// `+2 rules in KUBE-SVC-…`, `new chain KUBE-SEP-… (2 rules)`, `~3 +1 in …`.
fn group_summary(g: &GroupChange, lang: Lang) -> String {
    let word = g.kind.word(lang);
    let unit = |n: usize| match (g.kind.holds_rules(), lang) {
        (true, Lang::En) => {
            if n == 1 {
                "rule"
            } else {
                "rules"
            }
        }
        (false, Lang::En) => {
            if n == 1 {
                "line"
            } else {
                "lines"
            }
        }
        (true, Lang::Zh) => "条规则",
        (false, Lang::Zh) => "行",
    };
    if g.created() {
        return match lang {
            Lang::En => format!("new {word} {} ({} {})", g.name, g.after, unit(g.after)),
            Lang::Zh => format!("新{word} {}（{} {}）", g.name, g.after, unit(g.after)),
        };
    }
    if g.deleted() {
        return match lang {
            Lang::En => format!("{word} {} gone ({} {})", g.name, g.before, unit(g.before)),
            Lang::Zh => format!(
                "{word} {} 已删除（{} {}）",
                g.name,
                g.before,
                unit(g.before)
            ),
        };
    }
    let mut counts = Vec::new();
    if g.net_added() > 0 {
        counts.push(format!("+{}", g.net_added()));
    }
    if g.net_removed() > 0 {
        counts.push(format!("−{}", g.net_removed()));
    }
    if g.changed > 0 {
        counts.push(format!("~{}", g.changed));
    }
    let n = g.net_added() + g.net_removed() + g.changed;
    match lang {
        Lang::En => format!("{} {} in {}", counts.join(" "), unit(n), g.name),
        Lang::Zh => format!("{} 中 {} {}", g.name, counts.join(" "), unit(n)),
    }
}

fn endpoint_changes(
    b: &BTreeMap<Arc<str>, Arc<BTreeMap<String, bool>>>,
    a: &BTreeMap<Arc<str>, Arc<BTreeMap<String, bool>>>,
) -> Vec<EndpointChange> {
    let empty = BTreeMap::new();
    let mut out = Vec::new();
    // Both sorted by Service: walked side by side, the Services an edit did not touch
    // share their endpoints (compared by pointer first).
    let mut before = b.iter().peekable();
    let mut after = a.iter().peekable();
    loop {
        let (service, old, new) = match (before.peek(), after.peek()) {
            (None, None) => break,
            (Some((kb, vb)), Some((ka, va))) => match kb.cmp(ka) {
                std::cmp::Ordering::Equal => {
                    let item = ((*ka).clone(), &***vb, &***va);
                    let same = Arc::ptr_eq(vb, va);
                    before.next();
                    after.next();
                    if same {
                        continue;
                    }
                    item
                }
                std::cmp::Ordering::Less => {
                    let item = ((*kb).clone(), &***vb, &empty);
                    before.next();
                    item
                }
                std::cmp::Ordering::Greater => {
                    let item = ((*ka).clone(), &empty, &***va);
                    after.next();
                    item
                }
            },
            (Some((kb, vb)), None) => {
                let item = ((*kb).clone(), &***vb, &empty);
                before.next();
                item
            }
            (None, Some((ka, va))) => {
                let item = ((*ka).clone(), &empty, &***va);
                after.next();
                item
            }
        };
        if old == new {
            continue;
        }
        let mut change = EndpointChange {
            service: service.to_string(),
            ..EndpointChange::default()
        };
        for (ip, ready) in new {
            match old.get(ip) {
                None => change.added.push(ip.clone()),
                Some(was) if was != ready => {
                    if *ready {
                        change.now_ready.push(ip.clone());
                    } else {
                        change.now_not_ready.push(ip.clone());
                    }
                }
                Some(_) => {}
            }
        }
        change.removed = old
            .keys()
            .filter(|ip| !new.contains_key(*ip))
            .cloned()
            .collect();
        if !(change.added.is_empty()
            && change.removed.is_empty()
            && change.now_ready.is_empty()
            && change.now_not_ready.is_empty())
        {
            out.push(change);
        }
    }
    out
}

/// The records only in `a` (of the two multisets' keys).
fn records_only_in(a: &BTreeMap<Arc<str>, u32>, b: &BTreeMap<Arc<str>, u32>) -> Vec<String> {
    a.keys()
        .filter(|r| !b.contains_key(&**r))
        .map(|r| r.to_string())
        .collect()
}

/// Compares two lists of lines as multisets.
fn line_changes(before: &[String], after: &[String]) -> (Vec<String>, Vec<String>) {
    let mut counts: HashMap<&str, isize> = HashMap::new();
    for l in before {
        *counts.entry(l).or_default() -= 1;
    }
    for l in after {
        *counts.entry(l).or_default() += 1;
    }
    let mut added = Vec::new();
    let mut removed = Vec::new();
    let mut left = counts.clone();
    for l in after {
        let c = left.entry(l).or_default();
        if *c > 0 {
            added.push(l.clone());
            *c -= 1;
        }
    }
    for l in before {
        let c = left.entry(l).or_default();
        if *c < 0 {
            removed.push(l.clone());
            *c += 1;
        }
    }
    (added, removed)
}

fn group_changes(before: &[&Group], after: &[&Group]) -> Vec<GroupChange> {
    let old: HashMap<(GroupKind, &str), &Group> = before.iter().map(|g| (g.key(), *g)).collect();
    let new: HashMap<(GroupKind, &str), &Group> = after.iter().map(|g| (g.key(), *g)).collect();
    let mut out = Vec::new();
    let none: Vec<String> = Vec::new();
    let mut visit = |key: (GroupKind, &str), b: Option<&&Group>, a: Option<&&Group>| {
        let bl = b.map_or(&none, |g| &g.lines);
        let al = a.map_or(&none, |g| &g.lines);
        // Most groups of a large node are the same before and after (kube-proxy's partial
        // sync would not write them): no multiset to compare.
        if bl == al && b.is_some() == a.is_some() {
            return;
        }
        let (added, removed) = line_changes(bl, al);
        // A chain that exists with no rules before and after is no change either.
        if added.is_empty() && removed.is_empty() && (b.is_some() == a.is_some()) {
            return;
        }
        let service = a
            .and_then(|g| g.service.as_ref())
            .or_else(|| b.and_then(|g| g.service.as_ref()))
            .map(|s| s.to_string());
        out.push(GroupChange {
            kind: key.0,
            name: key.1.to_string(),
            service,
            changed: if a.is_some() && b.is_some() {
                added.len().min(removed.len())
            } else {
                0
            },
            added,
            removed,
            before: bl.len(),
            after: al.len(),
        });
    };
    for g in after {
        visit(g.key(), old.get(&g.key()), Some(g));
    }
    for g in before {
        if !new.contains_key(&g.key()) {
            visit(g.key(), Some(g), None);
        }
    }
    out
}

/// The share of new connections to the ClusterIP each endpoint of a port gets (the
/// endpoints of its internal traffic policy, chosen uniformly in every mode with rr).
fn shares(sp: &ServicePortFacts) -> Vec<(String, Option<String>, f64)> {
    let chosen = if sp.info.internal_policy_local {
        &sp.local
    } else {
        &sp.cluster
    };
    let n = chosen.len();
    chosen
        .iter()
        .map(|&i| {
            let e = &sp.endpoints[i];
            (e.endpoint_string(), e.pod.clone(), 1.0 / n as f64)
        })
        .collect()
}

/// A service port as kube-proxy's change trackers compare it: its settings without where
/// it was written, its endpoints without the slice they came from.
fn same_service(a: &ServicePortInfo, b: &ServicePortInfo) -> bool {
    ServicePortInfo {
        origin: crate::model::Origin::Builtin,
        port_index: 0,
        ..a.clone()
    } == ServicePortInfo {
        origin: crate::model::Origin::Builtin,
        port_index: 0,
        ..b.clone()
    }
}

fn same_endpoints(a: &[EndpointInfo], b: &[EndpointInfo]) -> bool {
    let strip = |e: &EndpointInfo| EndpointInfo {
        slice: crate::model::Origin::Builtin,
        slice_index: 0,
        ..e.clone()
    };
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| strip(x) == strip(y))
}

fn port_changes(
    before: &[&ProxyFacts],
    after: &[&ProxyFacts],
) -> (Vec<SyncedPort>, Vec<ShareChange>) {
    fn index<'a>(facts: &[&'a ProxyFacts]) -> BTreeMap<String, &'a ServicePortFacts> {
        facts
            .iter()
            .flat_map(|f| f.service_ports.iter())
            .map(|sp| (format!("{} {}", sp.info.name, sp.info.cluster_ip), sp))
            .collect()
    }
    let b = index(before);
    let a = index(after);
    let keys: BTreeSet<&String> = b.keys().chain(a.keys()).collect();
    let mut synced = Vec::new();
    let mut share_changes = Vec::new();
    for key in keys {
        let (old, new) = (b.get(key), a.get(key));
        // Most ports of a large node are the same before and after: neither synced nor
        // with other shares (both follow from the facts alone), and not copied to be
        // compared without their origins.
        if let (Some(o), Some(n)) = (old, new)
            && o == n
        {
            continue;
        }
        let name = new
            .or(old)
            .map(|sp| sp.info.name.to_string())
            .unwrap_or_default();
        let reason = match (old, new) {
            (None, Some(_)) => Some(SyncReason::Added),
            (Some(_), None) => Some(SyncReason::Removed),
            (Some(o), Some(n)) if !same_service(&o.info, &n.info) => {
                Some(SyncReason::ServiceChanged)
            }
            (Some(o), Some(n)) if !same_endpoints(&o.endpoints, &n.endpoints) => {
                Some(SyncReason::EndpointsChanged)
            }
            _ => None,
        };
        if let Some(reason) = reason {
            if !synced
                .iter()
                .any(|s: &SyncedPort| s.name == name && s.reason == reason)
            {
                synced.push(SyncedPort {
                    name: name.clone(),
                    reason,
                });
            }
        }
        let (sb, sa) = (
            old.map(|sp| shares(sp)).unwrap_or_default(),
            new.map(|sp| shares(sp)).unwrap_or_default(),
        );
        if sb != sa && !(sb.is_empty() && sa.is_empty()) {
            share_changes.push(ShareChange {
                service_port: name,
                before: sb,
                after: sa,
            });
        }
    }
    (synced, share_changes)
}

/// What changed between `before` and `after`, on `node` with kube-proxy in `mode` (the
/// scenario's own mode when `None`).
pub fn diff(before: &Analysis, after: &Analysis, node: &str, mode: Option<ProxyMode>) -> Changes {
    between(before, after, node, mode, true)
}

/// [`diff`] comparing every group of both rulesets ([`Proxier::groups`]), never only the
/// chains whose typed rules differ ([`Proxier::changed_chains`]): the reference the
/// property test holds the partial comparison to.
///
/// [`Proxier::groups`]: crate::proxy::Proxier::groups
/// [`Proxier::changed_chains`]: crate::proxy::Proxier::changed_chains
pub fn diff_every_group(
    before: &Analysis,
    after: &Analysis,
    node: &str,
    mode: Option<ProxyMode>,
) -> Changes {
    between(before, after, node, mode, false)
}

/// [`diff`] or (not `partial`) [`diff_every_group`]: see [`compare`].
fn between(
    before: &Analysis,
    after: &Analysis,
    node: &str,
    mode: Option<ProxyMode>,
    partial: bool,
) -> Changes {
    let mode_of = |a: &Analysis| mode.unwrap_or(a.proxy_config.mode);
    let old = before.proxy_in(node, mode_of(before));
    let new = after.proxy_in(node, mode_of(after));
    if partial {
        // Each analysis measures its endpoints and DNS records once (patched after an
        // edit); the reference measures both whole.
        compare(&before.downstream(), &old, &after.downstream(), &new, true)
    } else {
        compare(
            &Downstream::of(&before.objects),
            &old,
            &Downstream::of(&after.objects),
            &new,
            false,
        )
    }
}

/// [`diff`] from what it compares of each analysis: its [`Downstream`] and kube-proxy on
/// the node on show (`old` and `new`, each in the mode [`diff`] picks for its analysis).
pub fn diff_from(
    before: &Downstream,
    old: &NodeProxy,
    after: &Downstream,
    new: &NodeProxy,
) -> Changes {
    compare(before, old, after, new, true)
}

/// [`diff_from`]; `partial`: only the chains whose rules differ are listed, when both
/// sides are one family in iptables mode.
fn compare(
    before: &Downstream,
    old: &NodeProxy,
    after: &Downstream,
    new: &NodeProxy,
    partial: bool,
) -> Changes {
    fn groups_of(p: &NodeProxy) -> Vec<&Group> {
        p.proxiers.iter().flat_map(|x| x.groups()).collect()
    }
    fn facts_of(p: &NodeProxy) -> Vec<&ProxyFacts> {
        p.proxiers.iter().map(|x| x.facts()).collect()
    }
    let (synced, shares) = port_changes(&facts_of(old), &facts_of(new));
    let (db, da) = (&before.dns, &after.dns);
    Changes {
        node: new.node.clone(),
        mode: Some(new.mode),
        endpoints: endpoint_changes(&before.endpoints, &after.endpoints),
        groups: match (old.proxiers.as_slice(), new.proxiers.as_slice()) {
            // One family in iptables mode on both sides: only the chains whose rules
            // differ are listed.
            ([o], [n]) if partial => match n.changed_chains(o) {
                Some((before, after)) => group_changes(
                    &before.iter().collect::<Vec<_>>(),
                    &after.iter().collect::<Vec<_>>(),
                ),
                None => group_changes(&groups_of(old), &groups_of(new)),
            },
            _ => group_changes(&groups_of(old), &groups_of(new)),
        },
        dns: DnsChange {
            added: records_only_in(da, db),
            removed: records_only_in(db, da),
        },
        shares,
        synced,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{Options, analyze};

    fn scaled(replicas: u32) -> String {
        crate::examples::DEFAULT.replacen("replicas: 3", &format!("replicas: {replicas}"), 1)
    }

    #[test]
    fn scaling_a_deployment_up_adds_an_endpoint_and_a_chain() {
        let before = analyze(&scaled(3), Options::default());
        let after = analyze(&scaled(4), Options::default());
        let node = before.default_node();
        let c = diff(&before, &after, &node, None);
        assert_eq!(c.endpoints.len(), 1, "{c:#?}");
        assert_eq!(c.endpoints[0].added.len(), 1);
        assert!(c.endpoints[0].removed.is_empty());
        // The cascade of the Service's chain: three rules rewritten (their
        // probabilities), one more rule; a new endpoint chain with its two rules.
        let svc = c
            .groups
            .iter()
            .find(|g| {
                g.name.starts_with("KUBE-SVC-")
                    && g.service.as_deref() == Some("dev/service-clusterip")
            })
            .expect("the Service's chain changed");
        assert_eq!(
            (svc.changed, svc.net_added(), svc.net_removed()),
            (3, 1, 0),
            "{svc:#?}"
        );
        let sep = c
            .groups
            .iter()
            .find(|g| g.created() && g.name.starts_with("KUBE-SEP-"))
            .expect("a new endpoint chain");
        assert_eq!(sep.after, 2);
        assert_eq!(
            c.synced,
            vec![SyncedPort {
                name: "dev/service-clusterip".into(),
                reason: SyncReason::EndpointsChanged
            }]
        );
        assert_eq!(c.shares.len(), 1);
        assert_eq!(c.shares[0].after.len(), 4);
        assert!((c.shares[0].after[0].2 - 0.25).abs() < 1e-9);
        let summary = c.summary(Lang::En);
        assert!(summary.contains("in KUBE-SVC-"), "{summary}");
        assert!(summary.contains("1 endpoint added"), "{summary}");
        assert!(!crate::lang::has_half_width_punctuation(
            &c.summary(Lang::Zh)
        ));
        assert!(!crate::lang::has_half_width_punctuation(
            &c.sync_summary(Lang::Zh)
        ));
    }

    #[test]
    fn scaling_down_removes_and_the_same_text_changes_nothing() {
        let before = analyze(&scaled(3), Options::default());
        let same = analyze(&scaled(3), Options::default());
        let node = before.default_node();
        assert!(diff(&before, &same, &node, None).is_empty());
        let after = analyze(&scaled(2), Options::default());
        for mode in ProxyMode::ALL {
            let c = diff(&before, &after, &node, Some(mode));
            assert_eq!(c.endpoints[0].removed.len(), 1, "{mode:?}");
            assert!(!c.groups.is_empty(), "{mode:?}");
            assert_eq!(c.synced.len(), 1, "{mode:?}");
        }
    }

    #[test]
    fn a_new_service_adds_dns_records_and_is_synced_as_added() {
        let before = analyze(crate::examples::DEFAULT, Options::default());
        let text = format!(
            "{}\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: extra\n  namespace: dev\nspec:\n  selector:\n    app: nothing\n  ports:\n  - port: 8080\n",
            crate::examples::DEFAULT
        );
        let after = analyze(&text, Options::default());
        let c = diff(&before, &after, &before.default_node(), None);
        assert!(
            c.dns
                .added
                .iter()
                .any(|r| r.starts_with("extra.dev.svc.cluster.local. A ")),
            "{:?}",
            c.dns
        );
        assert!(
            c.synced
                .iter()
                .any(|s| s.name == "dev/extra" && s.reason == SyncReason::Added)
        );
        // No endpoints: a REJECT rule in the filter table's KUBE-SERVICES.
        assert!(c.groups.iter().any(|g| {
            g.kind == GroupKind::FilterChain
                && g.added
                    .iter()
                    .any(|l| l.contains("dev/extra has no endpoints"))
        }));
    }
}
