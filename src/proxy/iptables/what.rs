//! What an iptables rule does, read off its typed arguments and target.
//!
//! kube-proxy writes a small set of rule shapes (proxier.go's `syncProxyRules`,
//! `writeServiceToEndpointRules`): each is recognised here by its chain's role, its
//! target and the arguments it matches on, never by its printed text. The result is a
//! [`What`], which [`crate::proxy::explain`] words in plain language.

use super::{Address, Arg, Neg, Rule, Target, is_last_rule};
use crate::proxy::lines::{Action, ChainRole, Entry, What};

impl Rule {
    /// What the rule does.
    pub fn what(&self) -> What {
        let chain = ChainRole::of_iptables(&self.chain);
        let target = self.target.as_ref();
        let to = self.jump().map(ChainRole::of_iptables);
        let has = |f: &dyn Fn(&Arg) -> bool| self.args.iter().any(f);
        let destination = self.args.iter().find_map(|a| match a {
            Arg::Destination(Neg::Is, Address::Ip(ip)) => Some(*ip),
            _ => None,
        });
        let src_local = has(&|a| matches!(a, Arg::SrcTypeLocal(Neg::Is)));
        let local_match = has(&|a| {
            matches!(
                a,
                Arg::Source(Neg::Is, Address::Cidr(_)) | Arg::InInterface(Neg::Is, _)
            )
        });
        let not_local_match = has(&|a| {
            matches!(
                a,
                Arg::Source(Neg::Not, Address::Cidr(_)) | Arg::InInterface(Neg::Not, _)
            )
        });
        let entry = || match destination {
            Some(ip) => Entry::Address(ip),
            None if has(
                &|a| matches!(a, Arg::Destination(Neg::Is, Address::Cidr(c)) if c.addr.is_loopback()),
            ) =>
            {
                Entry::LocalhostNodePort
            }
            None => Entry::NodePort,
        };
        match (chain, target, to) {
            (ChainRole::Builtin, _, Some(role)) => What::Jump(role),
            (ChainRole::Services, _, Some(ChainRole::NodePorts)) => What::ToNodePorts,
            _ if is_last_rule(self) => What::ToNodePorts,
            (ChainRole::Services | ChainRole::NodePorts, _, Some(role))
                if role.is_per_service() =>
            {
                What::Entry {
                    entry: entry(),
                    to: role,
                }
            }
            (ChainRole::Services | ChainRole::ExternalServices, Some(Target::Reject), _) => {
                What::NoEndpoints {
                    entry: entry(),
                    reject: true,
                }
            }
            (ChainRole::Services | ChainRole::ExternalServices, Some(Target::Drop), _) => {
                What::NoEndpoints {
                    entry: entry(),
                    reject: false,
                }
            }
            (ChainRole::NodePorts, Some(Target::Accept), _) => What::HealthCheck,
            (ChainRole::ProxyFirewall, Some(Target::Drop), _) => What::FirewallDrop,
            (ChainRole::ServiceCluster | ChainRole::ServiceLocal, _, Some(ChainRole::MarkMasq)) => {
                if not_local_match {
                    What::MasqueradeOffCluster
                } else {
                    What::MasqueradeAll
                }
            }
            (ChainRole::ServiceCluster | ChainRole::ServiceLocal, _, Some(ChainRole::Endpoint)) => {
                let local = chain == ChainRole::ServiceLocal;
                if has(&|a| matches!(a, Arg::RecentCheck { .. })) {
                    What::AffinityHit
                } else if let Some(p) = self.args.iter().find_map(|a| match a {
                    Arg::Probability(p) => Some(*p),
                    _ => None,
                }) {
                    What::Pick {
                        remaining: remaining(p),
                        local,
                    }
                } else {
                    What::PickRest { local }
                }
            }
            (ChainRole::External, _, Some(ChainRole::MarkMasq)) if src_local => {
                What::MasqueradeHost
            }
            (ChainRole::External, _, Some(ChainRole::MarkMasq)) => What::MasqueradeExternal,
            (ChainRole::External, _, Some(_)) if src_local => What::HostShortCircuit,
            (ChainRole::External, _, Some(_)) if local_match => What::PodShortCircuit,
            (ChainRole::External, _, Some(role)) => What::ExternalDispatch {
                local: role == ChainRole::ServiceLocal,
            },
            (ChainRole::LoadBalancerFirewall, None, _) => What::FirewallRest,
            (ChainRole::LoadBalancerFirewall, _, Some(_)) => What::AllowSourceRange,
            (ChainRole::Endpoint, _, Some(ChainRole::MarkMasq)) => What::Hairpin,
            (ChainRole::Endpoint, Some(Target::Dnat { .. }), _) => What::Dnat {
                affinity: has(&|a| matches!(a, Arg::RecentSet { .. })),
            },
            (ChainRole::Postrouting, Some(Target::Return), _) => What::SkipUnmarked,
            (ChainRole::Postrouting, Some(Target::MarkXor(_)), _) => What::ClearMark,
            (ChainRole::Postrouting, Some(Target::Masquerade { .. }), _) => What::Masquerade,
            (_, Some(Target::MarkOr(_)), _) => What::MarkForMasquerade,
            (ChainRole::Forward, Some(Target::Drop), _) => What::DropInvalid,
            (ChainRole::Forward, Some(Target::Accept), _)
                if has(&|a| matches!(a, Arg::Mark { .. })) =>
            {
                What::AcceptMarked
            }
            (ChainRole::Forward, Some(Target::Accept), _) => What::AcceptEstablished,
            (ChainRole::Firewall, Some(Target::Drop), _) => What::BlockLocalnet,
            _ => What::Rule(self.action()),
        }
    }

    /// What the rule does when it matches, in general terms.
    pub fn action(&self) -> Action {
        match &self.target {
            None => Action::Count,
            Some(Target::Accept) => Action::Accept,
            Some(Target::Drop) => Action::Drop,
            Some(Target::Reject) => Action::Reject,
            Some(Target::Return) => Action::Return,
            Some(Target::Masquerade { .. }) => Action::Masquerade,
            Some(Target::MarkOr(_) | Target::MarkXor(_)) => Action::MarkMasq,
            Some(Target::Dnat { .. }) => Action::Jump(ChainRole::Endpoint),
            Some(Target::Jump(c)) => match ChainRole::of_iptables(c) {
                ChainRole::MarkMasq => Action::MarkMasq,
                role => Action::Jump(role),
            },
        }
    }
}

/// `n` for a probability of `1/n` (kube-proxy writes `1/(endpoints left)`).
fn remaining(p: f64) -> u32 {
    if p <= 0.0 {
        return 0;
    }
    (1.0 / p).round().clamp(1.0, u32::MAX as f64) as u32
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proxy::iptables::Args;

    fn rule(chain: &str, args: Vec<Arg>, target: Option<Target>) -> Rule {
        Rule {
            chain: chain.into(),
            args: Args::from(args),
            target,
            source: Default::default(),
        }
    }

    #[test]
    fn the_cascade_reads_as_steps() {
        let sep = Some(Target::Jump("KUBE-SEP-AAAAAAAAAAAAAAAA".into()));
        assert_eq!(
            rule(
                "KUBE-SVC-AAAAAAAAAAAAAAAA",
                vec![Arg::Probability(1.0 / 3.0)],
                sep.clone()
            )
            .what(),
            What::Pick {
                remaining: 3,
                local: false
            }
        );
        assert_eq!(
            rule("KUBE-SVL-AAAAAAAAAAAAAAAA", vec![], sep).what(),
            What::PickRest { local: true }
        );
        let dnat = Some(Target::Dnat {
            ip: "10.0.0.1".parse().unwrap(),
            port: 80,
        });
        assert_eq!(
            rule("KUBE-SEP-AAAAAAAAAAAAAAAA", vec![], dnat).what(),
            What::Dnat { affinity: false }
        );
    }
}
