//! Packet walks, the same shape for every proxy mode.
//!
//! A [`Trace`] is the list of [`Hop`]s a packet takes through a node's rules (iptables
//! chains, IPVS virtual servers, nftables chains), and where it ends up. Its `Display` ends
//! with the two lines of the command-line contract: `result: <R>` and `masquerade: <bool>`,
//! where `<R>` is every DNAT destination the packet can reach in rule order joined by `, `,
//! or `ACCEPT`, `DROP`, `REJECT`, or nothing.
//!
//! A hop says which rule matched ([`RuleRef`]: table, chain, position, and the Service
//! port and endpoint the rule was written for), what it did ([`HopKind`] and a verdict in
//! words), and which written object produced it (`object`, a raw object id), so the page
//! can link every step to the rule and the rule to the YAML. The verdicts are written in
//! English (the CLI and the golden traces read them); [`verdict_words`] says them in the
//! page's language.

use super::Protocol;
use crate::lang::Lang;
use std::fmt;
use std::net::IpAddr;

/// A packet to walk: the first packet of a connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Packet {
    pub src: IpAddr,
    pub dst: IpAddr,
    pub dport: u16,
    pub protocol: Protocol,
}

impl fmt::Display for Packet {
    /// `TCP 10.0.0.2 -> 172.30.0.41:80`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} -> {}",
            self.protocol.as_str(),
            self.src,
            crate::model::ip::join_host_port(&self.dst, self.dport)
        )
    }
}

/// What a hop did to the packet.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum HopKind {
    /// The rule matched and the walk went on (a counting rule, a mark, a random branch
    /// not taken).
    #[default]
    Match,
    /// Into another chain (or virtual server).
    Jump,
    /// The packet was marked for masquerading.
    Masquerade,
    /// The destination was rewritten.
    Dnat,
    /// A final verdict: accepted, dropped or rejected.
    Verdict,
    /// Back to the calling chain.
    Return,
}

/// Where the rule of a hop lives in the mode's typed rules.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct RuleRef {
    /// `nat`, `filter`, … (for IPVS: `ipvs`).
    pub table: String,
    pub chain: String,
    /// The rule's position, from 0, among the rules of its chain written for the same
    /// service port and endpoint (the same [`RuleSource`](super::RuleSource)): a name
    /// for the rule that no other Service's rules can shift, so it stays the same in a
    /// walk through the rules one packet needs and in one through the node's whole set.
    pub index: usize,
    /// The service port the rule was written for (an index into
    /// [`ProxyFacts::service_ports`](super::ProxyFacts)).
    pub service_port: Option<usize>,
    /// The endpoint (an index into that service port's `endpoints`).
    pub endpoint: Option<usize>,
}

/// One step of a walk.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Hop {
    /// Nesting depth (a jump into a chain adds one).
    pub depth: usize,
    /// Where the rule is: `nat KUBE-SERVICES`, `ipvs TCP 10.96.0.10:53 rr`, ...
    pub location: String,
    /// The rule as the mode's own tool prints it.
    pub rule: String,
    /// What the rule did to the packet: `jump to KUBE-SVC-…`, `DNAT to 10.0.1.2:80`, ...
    pub verdict: String,
    /// The written object (raw object id) the rule was made for, if any.
    pub object: Option<usize>,
    pub kind: HopKind,
    /// The rule, for links; `None` for hops that are not rules.
    pub rule_ref: Option<RuleRef>,
}

/// Where a walk ends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// DNAT to these destinations (several when a random choice was followed both ways).
    Dnat(Vec<String>),
    Accept,
    Drop,
    Reject,
    /// No kube-proxy rule applied.
    Nothing,
    /// Several ends of different kinds, in order (a DNAT, then a filter verdict on the
    /// rewritten packet).
    Several(Vec<String>),
}

impl Outcome {
    /// The outcome of a walk's outputs in order: `ip:port` destinations or the words
    /// `ACCEPT`, `DROP`, `REJECT`.
    pub fn from_outputs(outputs: Vec<String>) -> Outcome {
        let is_verdict = |o: &str| matches!(o, "ACCEPT" | "DROP" | "REJECT");
        match outputs.as_slice() {
            [] => Outcome::Nothing,
            [one] if one == "ACCEPT" => Outcome::Accept,
            [one] if one == "DROP" => Outcome::Drop,
            [one] if one == "REJECT" => Outcome::Reject,
            all if all.iter().all(|o| !is_verdict(o)) => Outcome::Dnat(outputs),
            _ => Outcome::Several(outputs),
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Dnat(to) | Outcome::Several(to) => f.write_str(&to.join(", ")),
            Outcome::Accept => f.write_str("ACCEPT"),
            Outcome::Drop => f.write_str("DROP"),
            Outcome::Reject => f.write_str("REJECT"),
            Outcome::Nothing => Ok(()),
        }
    }
}

/// A whole walk.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Trace {
    pub packet: Packet,
    pub hops: Vec<Hop>,
    pub outcome: Outcome,
    /// The packet is marked for masquerading on some branch.
    pub masquerade: bool,
}

impl fmt::Display for Trace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for hop in &self.hops {
            writeln!(
                f,
                "{:indent$}{}: {}",
                "",
                hop.location,
                hop.rule,
                indent = hop.depth * 2
            )?;
            if !hop.verdict.is_empty() {
                writeln!(
                    f,
                    "{:indent$}  => {}",
                    "",
                    hop.verdict,
                    indent = hop.depth * 2
                )?;
            }
        }
        writeln!(f, "result: {}", self.outcome)?;
        writeln!(f, "masquerade: {}", self.masquerade)
    }
}

/// A hop's verdict ([`Hop::verdict`]) in `lang`: svcplay's own words translated, the
/// tools' words (targets, chains, addresses, nft's verdicts) kept as they print.
///
/// The walks write their verdicts in English (the CLI and the golden traces read them);
/// each phrasing they use is one of [`VERDICT_WORDS`], with the random choice
/// of iptables mode and IPVS's persistence as suffixes.
pub fn verdict_words(verdict: &str, lang: Lang) -> String {
    match lang {
        Lang::En => verdict.to_string(),
        Lang::Zh => verdict_zh(verdict).unwrap_or_else(|| verdict.to_string()),
    }
}

/// The phrasings of the walks' verdicts: English with `{}` for each value in order, and
/// Chinese with `{0}`, `{1}`… (more specific phrasings before the ones they contain).
pub const VERDICT_WORDS: &[(&str, &str)] = &[
    // iptables mode (proxy::iptables::trace) and IPVS mode's iptables rules.
    ("jump to {}", "跳转到 {0}"),
    ("jump {}", "跳转到 {0}"),
    (
        "MASQUERADE: marked for masquerading (KUBE-MARK-MASQ)",
        "MASQUERADE：标记为需要伪装（KUBE-MARK-MASQ）",
    ),
    ("DNAT to {}", "DNAT 到 {0}"),
    ("return", "返回"),
    ("continue", "继续"),
    ("mark {} (masquerade later)", "打上标记 {0}（之后伪装）"),
    ("clear mark {}", "清除标记 {0}"),
    // IPVS (proxy::ipvs::trace, proxy::sim::ipvs).
    (
        "no destination available: ICMP port unreachable",
        "没有可用的目的地：ICMP 端口不可达",
    ),
    (
        "{} (mh-port) hashes the source address and port: one of {}, depending on the connection's source port",
        "{0}（mh-port）对源地址和端口做哈希：{1} 之一，取决于连接的源端口",
    ),
    ("{} hashes the packet to {}", "{0} 按哈希把数据包送往 {1}"),
    (
        "{} chooses among {} (list order); a first connection goes to {}",
        "{0} 在 {1} 中选择（按列表顺序）；第一个连接去往 {2}",
    ),
    ("{} schedules the connection to {}", "{0} 把连接调度到 {1}"),
    (
        "persistence template of {}: the connection goes to {} again",
        "{0} 的持久化模板：连接再次去往 {1}",
    ),
    ("existing connection to {}", "已有连接，去往 {0}"),
    (
        "the connection's real server is gone: dropped",
        "连接的真实服务器已不存在：丢弃",
    ),
    // nftables mode (proxy::nftables::trace).
    ("every branch of {}", "{0} 个分支全部走一遍"),
    (
        "branch {} of {}: goto {}",
        "{1} 个分支中的分支 {0}：goto {2}",
    ),
    ("remember {} in @{}", "在 @{1} 中记下 {0}"),
    // The userspace proxier (proxy::userspace, proxy::sim::userspace).
    (
        "REDIRECT to kube-proxy's port {}",
        "REDIRECT 到 kube-proxy 的端口 {0}",
    ),
    (
        "no endpoints: the connection is accepted and closed",
        "没有端点：连接被接受后随即关闭",
    ),
    (
        "connect from the node to one of {} endpoints",
        "从节点连接到 {0} 个端点之一",
    ),
    (
        "ClientIP affinity: the connection goes to {} again",
        "ClientIP 亲和性：连接再次去往 {0}",
    ),
    (
        "round robin: the connection goes to {}",
        "轮询：连接去往 {0}",
    ),
];

/// The verdict in Chinese, `None` when it is the tools' own words (or no phrasing fits).
fn verdict_zh(verdict: &str) -> Option<String> {
    // iptables mode's random choice: `… (random, probability P: HOW)`.
    if let Some((head, tail)) = verdict.split_once(" (random, probability ") {
        let (p, how) = tail.strip_suffix(')')?.split_once(": ")?;
        let how = match how {
            "taken" => "命中",
            "not taken" => "未命中",
            "both branches followed" => "两个分支都走",
            _ => return None,
        };
        let head = verdict_zh(head).unwrap_or_else(|| head.to_string());
        return Some(format!("{head}（随机，概率 {p}：{how}）"));
    }
    // IPVS's persistence after the scheduler's choice.
    if let Some((head, tail)) = verdict.split_once("; persistent: later connections from ") {
        let (client, seconds) = tail
            .strip_suffix(" s reuse its real server")?
            .split_once(" within ")?;
        let head = verdict_zh(head).unwrap_or_else(|| head.to_string());
        return Some(format!(
            "{head}；持久：{client} 在 {seconds} 秒内的后续连接沿用同一个真实服务器"
        ));
    }
    VERDICT_WORDS.iter().find_map(|(en, zh)| {
        let values = template_values(en, verdict)?;
        let mut out = zh.to_string();
        for (i, v) in values.iter().enumerate() {
            out = out.replace(&format!("{{{i}}}"), v);
        }
        Some(out)
    })
}

/// The values of `text` in the places of `template`'s `{}`, if it has that form (each
/// value non-empty).
fn template_values<'t>(template: &str, text: &'t str) -> Option<Vec<&'t str>> {
    let mut literals = template.split("{}");
    let mut rest = text.strip_prefix(literals.next()?)?;
    let literals: Vec<&str> = literals.collect();
    let mut values = Vec::new();
    for (i, literal) in literals.iter().enumerate() {
        let value = if i + 1 == literals.len() {
            let value = rest.strip_suffix(literal)?;
            rest = "";
            value
        } else {
            let at = rest.find(literal)?;
            let value = &rest[..at];
            rest = &rest[at + literal.len()..];
            value
        };
        if value.is_empty() {
            return None;
        }
        values.push(value);
    }
    rest.is_empty().then_some(values)
}
