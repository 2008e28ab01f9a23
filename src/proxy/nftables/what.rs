//! What an nftables rule or element does, read off its typed expressions.
//!
//! kube-proxy's nftables mode writes a small set of rule shapes (`setupNFTables`,
//! `syncProxyRules`, `writeServiceToEndpointRules` in `pkg/proxy/nftables/proxier.go`)
//! and fills its verdict maps with one element per Service address; each is recognised
//! here by its chain's role and its expressions, never by the printed text.

use super::render::REJECT_CHAIN;
use super::{Dir, Element, Expr, Key, Op, Rule, Verdict};
use crate::proxy::lines::{Action, ChainRole, Entry, SetRole, What};

impl Rule {
    /// What the rule does, in chain `chain`.
    pub fn what(&self, chain: &str) -> What {
        let role = ChainRole::of_nft(chain);
        let verdict = self.exprs.iter().rev().find_map(|e| match e {
            Expr::Verdict(v) => Some(v),
            _ => None,
        });
        let to = verdict.and_then(|v| match v {
            Verdict::Jump(c) | Verdict::Goto(c) => Some(ChainRole::of_nft(c)),
            _ => None,
        });
        let has = |f: &dyn Fn(&Expr) -> bool| self.exprs.iter().any(f);
        let fib_src = has(&|e| matches!(e, Expr::FibLocal(Dir::Src)));
        let local_match = has(&|e| {
            matches!(
                e,
                Expr::Addr {
                    dir: Dir::Src,
                    op: Op::Eq,
                    value: super::AddrValue::Prefix(_),
                    ..
                } | Expr::Iif { op: Op::Eq, .. }
            )
        });
        let not_local_match = has(&|e| {
            matches!(
                e,
                Expr::Addr {
                    dir: Dir::Src,
                    op: Op::Ne,
                    ..
                } | Expr::Iif { op: Op::Ne, .. }
            )
        });
        for e in &self.exprs {
            match e {
                Expr::DestVmap { map, .. } | Expr::PortVmap { map } => {
                    return What::Lookup(SetRole::of_nft(map));
                }
                Expr::Numgen { targets } => {
                    return What::PickUniform {
                        n: u32::try_from(targets.len()).unwrap_or(u32::MAX),
                        local: role == ChainRole::ServiceLocal,
                    };
                }
                Expr::MarkSetOr(_) => return What::MarkForMasquerade,
                Expr::MarkSetXor(_) => return What::ClearMark,
                Expr::MarkUnset(_) => return What::SkipUnmarked,
                Expr::MasqueradeFullyRandom => return What::Masquerade,
                Expr::Dnat { .. } => return What::Dnat { affinity: false },
                Expr::Update { .. } => return What::AffinityRecord,
                _ => {}
            }
        }
        match (role, verdict, to) {
            (ChainRole::Builtin, _, Some(target)) => What::Jump(target),
            (_, Some(Verdict::Reject), _) if has(&|e| matches!(e, Expr::AddrLookup { .. })) => {
                What::RejectInvalidPort
            }
            (_, Some(Verdict::Drop), _) if role == ChainRole::LoadBalancerFirewall => {
                What::FirewallDrop
            }
            (_, Some(Verdict::Drop), _) if has(&|e| matches!(e, Expr::AddrSet { .. })) => {
                What::DropUnallocated
            }
            (_, Some(Verdict::Reject), _) => What::RejectHelper,
            (ChainRole::ServiceCluster | ChainRole::ServiceLocal, _, Some(ChainRole::MarkMasq)) => {
                if not_local_match {
                    What::MasqueradeOffCluster
                } else {
                    What::MasqueradeAll
                }
            }
            (ChainRole::ServiceCluster | ChainRole::ServiceLocal, _, Some(ChainRole::Endpoint)) => {
                What::AffinityHit
            }
            (ChainRole::External, _, Some(ChainRole::MarkMasq)) if fib_src => What::MasqueradeHost,
            (ChainRole::External, _, Some(ChainRole::MarkMasq)) => What::MasqueradeExternal,
            (ChainRole::External, _, Some(_)) if fib_src => What::HostShortCircuit,
            (ChainRole::External, _, Some(_)) if local_match => What::PodShortCircuit,
            (ChainRole::External, _, Some(target)) => What::ExternalDispatch {
                local: target == ChainRole::ServiceLocal,
            },
            (ChainRole::Endpoint, _, Some(ChainRole::MarkMasq)) => What::Hairpin,
            (_, Some(v), _) => What::Rule(action(v)),
            _ => What::Rule(Action::Count),
        }
    }
}

/// What a verdict does, in general terms.
fn action(verdict: &Verdict) -> Action {
    match verdict {
        Verdict::Accept => Action::Accept,
        Verdict::Drop => Action::Drop,
        Verdict::Reject => Action::Reject,
        Verdict::Return => Action::Return,
        Verdict::Jump(c) | Verdict::Goto(c) => match ChainRole::of_nft(c) {
            ChainRole::MarkMasq => Action::MarkMasq,
            role => Action::Jump(role),
        },
    }
}

impl Element {
    /// What the element does in set or map `set`.
    pub fn what(&self, set: &str) -> What {
        let role = SetRole::of_nft(set);
        let entry = match self.key {
            Key::AddrProtoPort(ip, _, _) | Key::Addr(ip) => Entry::Address(ip),
            Key::ProtoPort(..) => Entry::NodePort,
        };
        let to = match &self.verdict {
            Some(Verdict::Goto(c) | Verdict::Jump(c)) => Some(c.as_str()),
            _ => None,
        };
        match role {
            SetRole::ServiceIps | SetRole::ServiceNodePorts | SetRole::FirewallIps => What::Entry {
                entry,
                to: to.map_or(ChainRole::Other, ChainRole::of_nft),
            },
            SetRole::NoEndpointServices | SetRole::NoEndpointNodePorts => What::NoEndpoints {
                entry,
                reject: to == Some(REJECT_CHAIN),
            },
            other => What::Member(other),
        }
    }
}
