//! What kube-proxy programs on a node, unit by unit: the pieces a person compares between
//! two syncs or two modes.
//!
//! A [`Group`] is one iptables chain, one nftables chain or set, one IPVS virtual server
//! or ipset, kube-ipvs0's addresses, or the userspace proxier's sockets — each with its
//! lines as the mode's own text prints them, and the service port it was written for
//! (from the typed rules' [`RuleSource`](super::RuleSource), never from the text).
//! [`Proxier::groups`](super::Proxier::groups) lists them; what an edit changed
//! (`crate::changes`) and the modes side by side (`crate::compare`) read them.

use super::ServicePortName;

/// Which kind of unit a group is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum GroupKind {
    /// An iptables chain of the `filter` table.
    FilterChain,
    /// An iptables chain of the `nat` table.
    NatChain,
    /// An nftables chain.
    NftChain,
    /// An nftables set or map.
    NftSet,
    /// An IPVS virtual server and its real servers.
    VirtualServer,
    /// An ipset.
    IpSet,
    /// The addresses bound to kube-ipvs0.
    KubeIpvs0,
    /// The userspace proxier's proxy sockets.
    ProxySockets,
}

impl GroupKind {
    /// `chain`, `set`, `virtual server`… as a person names it.
    pub fn word(self, lang: crate::lang::Lang) -> &'static str {
        use crate::lang::Lang;
        match (self, lang) {
            (GroupKind::FilterChain | GroupKind::NatChain | GroupKind::NftChain, Lang::En) => {
                "chain"
            }
            (GroupKind::FilterChain | GroupKind::NatChain | GroupKind::NftChain, Lang::Zh) => "链",
            (GroupKind::NftSet, Lang::En) => "set",
            (GroupKind::NftSet, Lang::Zh) => "集合",
            (GroupKind::VirtualServer, Lang::En) => "virtual server",
            (GroupKind::VirtualServer, Lang::Zh) => "虚拟服务",
            (GroupKind::IpSet, Lang::En) => "ipset",
            (GroupKind::IpSet, Lang::Zh) => "ipset",
            (GroupKind::KubeIpvs0, Lang::En) => "kube-ipvs0",
            (GroupKind::KubeIpvs0, Lang::Zh) => "kube-ipvs0",
            (GroupKind::ProxySockets, Lang::En) => "proxy sockets",
            (GroupKind::ProxySockets, Lang::Zh) => "代理套接字",
        }
    }

    /// Whether the group's lines are rules (else members, addresses or sockets).
    pub fn holds_rules(self) -> bool {
        matches!(
            self,
            GroupKind::FilterChain | GroupKind::NatChain | GroupKind::NftChain
        )
    }
}

/// One unit of what kube-proxy programs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Group {
    pub kind: GroupKind,
    /// The chain's, set's or virtual server's name (`KUBE-SVC-…`, `TCP 10.96.0.10:53`).
    pub name: String,
    /// The service port the group belongs to, if it belongs to one.
    pub service: Option<ServicePortName>,
    /// Its lines, in the mode's own text.
    pub lines: Vec<String>,
    /// Per line, the service port it was written for (a fixed chain holds the rules of
    /// many Services: KUBE-SERVICES).
    pub line_services: Vec<Option<ServicePortName>>,
}

impl Group {
    /// The group's identity across two syncs.
    pub fn key(&self) -> (GroupKind, &str) {
        (self.kind, &self.name)
    }
}
