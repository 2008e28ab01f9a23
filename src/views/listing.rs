//! Every listing of a node's kube-proxy with the provenance of each line.
//!
//! The page's kube-proxy panel and `svcplay kube-proxy --explain` show a listing
//! ([`Listing`]) with every line linked to where it comes from. [`lines`] writes the
//! listing through the same printers the simulated commands use ([`super::run`]:
//! `iptables-save`, `ipvsadm -Ln`, `ipset list`, `ip addr show kube-ipvs0`, `nft list
//! table ip kube-proxy`) into a sink that keeps each line's typed source, and resolves the
//! sources against the facts of the family each line is for. The text is therefore the
//! command's output exactly (`tests/golden.rs` checks it for every case).

use super::Context;
use super::ipvs::{AddrFilter, DummyDevice, IpAddrShow, IpsetList, IpvsadmListing, ListFormat};
use crate::model::ip::IpFamily;
use crate::proxy::chunks::{self, Form};
use crate::proxy::config::ProxyMode;
use crate::proxy::iptables::node::SaveOptions;
use crate::proxy::ipvs::IpvsState;
use crate::proxy::lines::{LineSink, Recorded};
use crate::proxy::mode_chunks;
use crate::proxy::{Lines, Listing, ProxyFacts};
use crate::scenario::Analysis;

/// `listing` of kube-proxy on the context's node, each line with its provenance; `None`
/// when the listing has nothing to show in the node's mode (the command would fail). In
/// iptables mode, the restore input and `iptables-save` are kept in per-Service chunks
/// ([`crate::proxy::chunks`]): after an edit, only the Services it touched are rendered
/// again.
pub fn lines(analysis: &Analysis, context: &Context, listing: Listing) -> Option<Lines> {
    // In iptables mode, through the per-Service chunks an edit reuses (before the node's
    // kube-proxy is built: that computes the facts of every Service).
    if context.mode(analysis) == ProxyMode::Iptables {
        let form = match listing {
            Listing::RestoreInput => Some(Form::Restore),
            // Unless the node keeps rules another mode left (`super::iptables::node_tables`).
            Listing::IptablesSave
                if context.mode.is_some()
                    || !(analysis.session.session.leftovers)
                        .iter()
                        .any(|l| l.node == context.node) =>
            {
                Some(Form::Save)
            }
            _ => None,
        };
        if let Some(lines) = form.and_then(|form| chunked(analysis, &context.node, form)) {
            return Some(lines);
        }
    }
    // In nftables mode, through the per-Service pieces an edit reuses
    // ([`crate::proxy::mode_chunks`]).
    if context.mode(analysis) == ProxyMode::Nftables {
        let form = match listing {
            Listing::NftTransaction => Some(mode_chunks::Form::NftTransaction),
            Listing::NftList => Some(mode_chunks::Form::NftList),
            _ => None,
        };
        if let Some(lines) = form.and_then(|form| in_pieces(analysis, &context.node, form)) {
            return Some(lines);
        }
    }
    made_whole(analysis, context, listing)
}

/// The listing of `form` on `node` in nftables mode through the analysis' pieces.
fn in_pieces(analysis: &Analysis, node: &str, form: mode_chunks::Form) -> Option<Lines> {
    let mut config = analysis.proxy_config.clone();
    config.mode = ProxyMode::Nftables;
    let inputs = chunks::Inputs {
        objects: &analysis.objects,
        config,
        context: &|| analysis.node_context(node),
        proxy: &|| analysis.proxy_in(node, ProxyMode::Nftables),
        stamp: String::new(),
    };
    mode_chunks::listing(&analysis.listings.modes, node, form, &inputs)
}

/// The listing of `form` on `node` in iptables mode through the analysis' chunks.
fn chunked(analysis: &Analysis, node: &str, form: Form) -> Option<Lines> {
    let mut config = analysis.proxy_config.clone();
    config.mode = ProxyMode::Iptables;
    let inputs = chunks::Inputs {
        objects: &analysis.objects,
        config,
        context: &|| analysis.node_context(node),
        proxy: &|| analysis.proxy_in(node, ProxyMode::Iptables),
        stamp: crate::session::clock::ctime(analysis.session.session.time),
    };
    chunks::listing(&analysis.listings, node, form, &inputs)
}

/// [`lines`] made whole from kube-proxy's rendering, without the per-Service chunks an
/// edit reuses: what the chunks are checked against (`tests/incremental.rs`).
pub fn made_whole(analysis: &Analysis, context: &Context, listing: Listing) -> Option<Lines> {
    let proxy = context.proxy(analysis);
    let facts: Vec<&ProxyFacts> = proxy.proxiers.iter().map(|p| p.facts()).collect();
    let states: Vec<&IpvsState> = proxy.proxiers.iter().filter_map(|p| p.ipvs()).collect();
    let mut recorded = Recorded::default();
    match listing {
        Listing::RestoreInput | Listing::NftTransaction | Listing::Userspace => {
            return Some(proxy.lines());
        }
        Listing::IptablesSave => {
            let tables = super::iptables::node_tables(analysis, context, IpFamily::IPv4)?;
            let (reader, jumps) = proxy.save_reader();
            recorded.family(IpFamily::IPv4);
            let _ = tables
                .save(SaveOptions::default())
                .write_lines(&mut recorded, reader, jumps);
        }
        Listing::Ipvsadm => {
            if states.is_empty() {
                return None;
            }
            let _ = IpvsadmListing {
                services: super::ipvs::listing_order(&states, true),
                format: ListFormat::Default,
                banner: true,
                numeric: true,
            }
            .write_lines(&mut recorded);
        }
        Listing::Ipset => {
            if states.is_empty() {
                return None;
            }
            let sets = states
                .iter()
                .flat_map(|s| {
                    s.ipsets
                        .iter()
                        .map(move |set| (set, s.references(&set.name)))
                })
                .collect();
            let _ = IpsetList { sets }.write_lines(&mut recorded);
        }
        Listing::KubeIpvs0 => {
            if states.is_empty() {
                return None;
            }
            let device = DummyDevice::new(analysis, &context.node, &states);
            let _ = IpAddrShow {
                device: &device,
                filter: AddrFilter::All,
            }
            .write_lines(&mut recorded);
        }
        Listing::NftList => {
            let proxier = proxy.family(IpFamily::IPv4)?;
            let table = &proxier.nftables()?.table;
            recorded.family(IpFamily::IPv4);
            let _ = table.write_lines(&mut recorded);
        }
    }
    let mut lines = Lines::resolve_families(recorded, &facts);
    if listing == Listing::IptablesSave {
        // The command stamps its `# Generated by` lines with the session clock; the
        // listing is the command's output, so it does too (the lines stay where they are).
        lines.text = super::iptables::stamped(lines.text, analysis);
    }
    Some(lines)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Options;

    #[test]
    fn every_listing_of_every_lab_is_the_commands_output() {
        for e in crate::examples::EXAMPLES {
            let analysis = crate::scenario::analyze(e.text, Options::default());
            for mode in ProxyMode::ALL {
                let context = Context {
                    node: analysis.default_node(),
                    mode: Some(mode),
                };
                for &listing in context.proxy(&analysis).listings() {
                    let Some(lines) = lines(&analysis, &context, listing) else {
                        continue;
                    };
                    if let Some(argv) = listing.command() {
                        let argv: Vec<String> = argv.iter().map(|s| s.to_string()).collect();
                        let out = super::super::run(&analysis, &context, &argv);
                        assert_eq!(lines.text, out.stdout, "{} {mode:?} {listing:?}", e.id);
                    }
                    assert_eq!(lines.line_sources.len(), lines.text.lines().count());
                    assert!(lines.line_sources.iter().all(|s| *s > 0));
                }
            }
        }
    }
}
