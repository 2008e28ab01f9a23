//! Output lines with their typed source: how every mode prints what it writes.
//!
//! Each mode's output (the iptables-restore input, the nft transaction, the userspace
//! proxier's description) is written line by line into a [`LineSink`], each line with the
//! [`LineSource`] of the typed value it prints: the service port and endpoint it was
//! written for ([`RuleSource`]) and the configuration fields that shaped it
//! ([`ConfigFields`]). The `Display` of an output is the same writer with a sink that
//! drops the sources ([`FmtSink`]), so the text and its provenance cannot disagree;
//! [`Proxier::lines`](super::Proxier::lines) keeps them.

use super::RuleSource;
use std::fmt;

/// Configuration fields a line depends on, as a set of bits.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct ConfigFields(u16);

/// One field of the KubeProxyConfiguration or the NodeRuntime that shapes rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ConfigField {
    /// `iptables.masqueradeBit` / `nftables.masqueradeBit`: the mark value.
    MasqueradeBit,
    /// `detectLocalMode` with `clusterCIDR` (or the node's podCIDR, the bridge or the
    /// interface prefix): the local-traffic match.
    DetectLocal,
    /// The NodeRuntime's `randomFully`: `MASQUERADE --random-fully`.
    RandomFully,
    /// The NodeRuntime's `nfacct`: the `-m nfacct` counters.
    Nfacct,
}

impl ConfigField {
    pub const ALL: [ConfigField; 4] = [
        ConfigField::MasqueradeBit,
        ConfigField::DetectLocal,
        ConfigField::RandomFully,
        ConfigField::Nfacct,
    ];

    fn bit(self) -> u16 {
        1 << (self as u16)
    }

    /// The field path in its document.
    pub fn path(self) -> &'static str {
        match self {
            ConfigField::MasqueradeBit => "iptables.masqueradeBit",
            ConfigField::DetectLocal => "detectLocalMode",
            ConfigField::RandomFully => "randomFully",
            ConfigField::Nfacct => "nfacct",
        }
    }

    /// Whether the field is the NodeRuntime's (else the KubeProxyConfiguration's).
    pub fn of_node_runtime(self) -> bool {
        matches!(self, ConfigField::RandomFully | ConfigField::Nfacct)
    }
}

impl ConfigFields {
    pub const NONE: ConfigFields = ConfigFields(0);

    pub fn with(self, field: ConfigField) -> ConfigFields {
        ConfigFields(self.0 | field.bit())
    }

    pub fn contains(self, field: ConfigField) -> bool {
        self.0 & field.bit() != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn iter(self) -> impl Iterator<Item = ConfigField> {
        ConfigField::ALL
            .into_iter()
            .filter(move |f| self.contains(*f))
    }
}

/// What one line of output was written for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct LineSource {
    pub rule: RuleSource,
    pub config: ConfigFields,
}

impl LineSource {
    /// A line written for nothing in particular (a table header, a fixed comment).
    pub const NONE: LineSource = LineSource {
        rule: RuleSource {
            service_port: None,
            endpoint: None,
        },
        config: ConfigFields::NONE,
    };

    pub fn of(rule: RuleSource) -> LineSource {
        LineSource {
            rule,
            config: ConfigFields::NONE,
        }
    }
}

/// Receives an output line by line.
pub trait LineSink {
    /// One line, without its newline, and what it was written for.
    fn line(&mut self, source: LineSource, text: fmt::Arguments<'_>) -> fmt::Result;

    /// Whether the sink keeps the sources (a writer may skip working them out when it
    /// does not: printing a large cluster's rules is a hot path).
    fn records_sources(&self) -> bool {
        true
    }
}

/// A sink that prints the lines (each with its newline) and forgets their sources: the
/// `Display` of every output.
pub struct FmtSink<'a, 'b>(pub &'a mut fmt::Formatter<'b>);

impl LineSink for FmtSink<'_, '_> {
    fn line(&mut self, _source: LineSource, text: fmt::Arguments<'_>) -> fmt::Result {
        self.0.write_fmt(text)?;
        self.0.write_str("\n")
    }

    fn records_sources(&self) -> bool {
        false
    }
}

/// A sink that keeps the text and one source per line.
#[derive(Clone, Debug, Default)]
pub struct Recorded {
    pub text: String,
    pub sources: Vec<LineSource>,
}

impl LineSink for Recorded {
    fn line(&mut self, source: LineSource, text: fmt::Arguments<'_>) -> fmt::Result {
        fmt::Write::write_fmt(&mut self.text, text)?;
        self.text.push('\n');
        self.sources.push(source);
        Ok(())
    }
}
