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
use crate::proxy::provenance::Provenance;
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
    if let Some(form) = chunked_form(analysis, context, listing) {
        let lines = with_inputs(analysis, &context.node, ProxyMode::Iptables, |inputs| {
            chunks::listing(&analysis.listings, &context.node, form, inputs)
        });
        if lines.is_some() {
            return lines;
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
        let node = &context.node;
        let lines = form.and_then(|form| {
            with_inputs(analysis, node, ProxyMode::Nftables, |inputs| {
                mode_chunks::listing(&analysis.listings.modes, node, form, inputs)
            })
        });
        if lines.is_some() {
            return lines;
        }
    }
    made_whole(analysis, context, listing)
}

/// The form `listing` is kept in per-Service chunks in ([`crate::proxy::chunks`]):
/// iptables mode's restore input and `iptables-save` (unless the node keeps rules another
/// mode left, `super::iptables::node_tables`).
fn chunked_form(analysis: &Analysis, context: &Context, listing: Listing) -> Option<Form> {
    if context.mode(analysis) != ProxyMode::Iptables {
        return None;
    }
    match listing {
        Listing::RestoreInput => Some(Form::Restore),
        Listing::IptablesSave
            if context.mode.is_some()
                || !(analysis.session.session.leftovers)
                    .iter()
                    .any(|l| l.node == context.node) =>
        {
            Some(Form::Save)
        }
        _ => None,
    }
}

/// Calls `f` with what node `node`'s listings in `mode` are made from (iptables mode's
/// `iptables-save` is stamped with the session's clock; nftables' listings have no stamp).
fn with_inputs<T>(
    analysis: &Analysis,
    node: &str,
    mode: ProxyMode,
    f: impl FnOnce(&chunks::Inputs) -> T,
) -> T {
    let mut config = analysis.proxy_config.clone();
    config.mode = mode;
    let inputs = chunks::Inputs {
        objects: &analysis.objects,
        config,
        context: &|| analysis.node_context(node),
        proxy: &|| analysis.proxy_in(node, mode),
        over_budget: &|| analysis.over_budget(),
        stamp: match mode {
            ProxyMode::Iptables => crate::session::clock::ctime(analysis.session.session.time),
            _ => String::new(),
        },
    };
    f(&inputs)
}

/// Which lines of a listing a window keeps ([`window`]).
pub struct Filters<'a> {
    /// Only the lines containing this text, any case ([`contains_any_case`]; empty: all).
    pub text: &'a str,
    /// Only the lines whose source `object_of` links to this written object.
    pub object: Option<usize>,
    pub object_of: &'a dyn Fn(&Provenance) -> Option<usize>,
    /// At most this many lines; the others kept are counted.
    pub limit: usize,
}

/// The lines of a listing its filters keep, at most `limit` of them (only theirs
/// sources, numbered in order of first use), each line's number in the listing, how many
/// more the filters keep, and how many lines the listing has: as if [`lines`] were
/// filtered line by line, without writing the whole listing out.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Window {
    pub lines: Lines,
    pub numbers: Vec<u32>,
    pub cut: u32,
    pub total: u32,
}

/// Whether `line` contains `needle` (given in lower case) in any case, as
/// `line.to_lowercase().contains(needle)` says, without a copy of an ASCII line.
pub fn contains_any_case(line: &str, needle: &str) -> bool {
    if needle.is_empty() {
        return true;
    }
    if !line.is_ascii() {
        return line.to_lowercase().contains(needle);
    }
    // An ASCII line in lower case is ASCII: it holds no other character.
    if !needle.is_ascii() {
        return false;
    }
    let needle = needle.as_bytes();
    line.as_bytes().windows(needle.len()).any(|w| {
        w.iter()
            .zip(needle)
            .all(|(a, b)| a.to_ascii_lowercase() == *b)
    })
}

/// The window of `listing` its `filters` keep (as [`Window`] says), read straight from
/// the per-Service chunks the listing is kept in ([`crate::proxy::chunks::Entry::runs`]):
/// the runs of lines past the window are counted, not written; with the object filter,
/// the chunks with no line from the object are skipped whole. `None` when the listing is
/// not kept in chunks (the caller filters [`lines`]).
pub fn window(
    analysis: &Analysis,
    context: &Context,
    listing: Listing,
    filters: &Filters,
) -> Option<Window> {
    window_marked(analysis, context, listing, filters, &mut |_| {})
}

/// [`window`], calling `mark` with the name of each of its stages as it ends (the page's
/// worker times them; the core reads no clock): the listing's chunks made, or patched
/// after an edit, then the window read.
pub fn window_marked(
    analysis: &Analysis,
    context: &Context,
    listing: Listing,
    filters: &Filters,
    mark: &mut dyn FnMut(&'static str),
) -> Option<Window> {
    let form = chunked_form(analysis, context, listing)?;
    let (entry, stamp) = with_inputs(analysis, &context.node, ProxyMode::Iptables, |inputs| {
        let entry = chunks::entry(&analysis.listings, &context.node, form, inputs);
        (entry, inputs.stamp.clone())
    });
    let entry = entry?;
    mark("chunks made or patched");
    let needle = filters.text.to_lowercase();
    let mut out = Window::default();
    // Each chunk's sources numbered in the window (only the lines kept are looked up),
    // and whether a chunk has a line of the object filtered for (0: not looked at yet).
    let mut numbered: std::collections::HashMap<(usize, u32), u32, crate::hash::FnvBuild> =
        Default::default();
    let mut of_object: Vec<u8> = vec![0; entry.chunk_count()];
    // A run in lower case (an ASCII run's copy, which a needle is searched in at once).
    let mut lower = String::new();
    // Once the window is full and nothing is filtered, the lines left are only counted:
    // the listing keeps its count, so the runs past the window are not walked (a dump's
    // listing has some 10^5 runs).
    let all = u32::try_from(entry.line_count()).unwrap_or(u32::MAX);
    entry.runs(&stamp, &mut |run| {
        let count = run.line_sources.len() as u32;
        let first = out.total;
        let full = out.numbers.len() >= filters.limit;
        if full && needle.is_empty() && filters.object.is_none() {
            debug_assert!(all >= first, "the listing counts {all} lines, read {first}");
            out.cut += all.saturating_sub(first);
            out.total = all;
            return false;
        }
        out.total += count;
        if let Some(o) = filters.object {
            let names = &mut of_object[run.chunk];
            if *names == 0 {
                let any = run
                    .sources
                    .iter()
                    .any(|p| (filters.object_of)(p) == Some(o));
                *names = if any { 1 } else { 2 };
            }
            if *names == 2 {
                return true;
            }
        }
        // The lines of an ASCII run are searched in its copy in lower case (what
        // `to_lowercase` makes of them), the run skipped when the copy has no match.
        let text = run.text();
        let ascii = !needle.is_empty() && text.is_ascii();
        if ascii {
            lower.clear();
            lower.push_str(&text);
            lower.make_ascii_lowercase();
            if !lower.contains(needle.as_str()) {
                return true;
            }
        }
        let mut lowered = lower.lines();
        for (k, (line, &s)) in text.lines().zip(run.line_sources).enumerate() {
            let matched = match ascii {
                true => lowered.next().is_some_and(|l| l.contains(needle.as_str())),
                false => contains_any_case(line, &needle),
            };
            let source = &run.sources[s as usize];
            if filters.object.is_some() && (filters.object_of)(source) != filters.object {
                continue;
            }
            if !matched {
                continue;
            }
            if out.numbers.len() >= filters.limit {
                out.cut += 1;
                continue;
            }
            out.numbers.push(first + k as u32);
            out.lines.text.push_str(line);
            out.lines.text.push('\n');
            let sources = &mut out.lines.sources;
            let n = *numbered.entry((run.chunk, s)).or_insert_with(|| {
                sources.push(source.clone());
                sources.len() as u32
            });
            out.lines.line_sources.push(n);
        }
        true
    });
    Some(out)
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

    /// A window with no filter and room for every line is the listing itself (every
    /// family's under its heading in a dual-stack lab), read from the chunks; a text
    /// filter keeps the lines `filtered` keeps of it.
    #[test]
    fn a_whole_window_is_the_listing() {
        let object_of = |_: &Provenance| None;
        let mut headed = 0;
        let dual_stack = include_str!(
            "../../tests/fixtures/kube-proxy-nftables-svcplay/dual-stack-match-all/input.yaml"
        );
        let texts = crate::examples::EXAMPLES
            .iter()
            .map(|e| (e.id, e.text))
            .chain([("dual-stack-match-all", dual_stack)]);
        for (id, text) in texts {
            let analysis = crate::scenario::analyze(text, Options::default());
            for node in analysis.node_names() {
                let context = Context {
                    node,
                    mode: Some(ProxyMode::Iptables),
                };
                for listing in [Listing::RestoreInput, Listing::IptablesSave] {
                    let Some(lines) = lines(&analysis, &context, listing) else {
                        continue;
                    };
                    for text in ["", "# IP", "restore input (IPv6)", "COMMIT", "Generated"] {
                        let filters = Filters {
                            text,
                            object: None,
                            object_of: &object_of,
                            limit: usize::MAX,
                        };
                        let window =
                            window(&analysis, &context, listing, &filters).expect("kept in chunks");
                        let kept: Vec<(usize, &str)> = lines
                            .text
                            .lines()
                            .enumerate()
                            .filter(|(_, l)| l.to_lowercase().contains(&text.to_lowercase()))
                            .collect();
                        let numbers: Vec<u32> = kept.iter().map(|(i, _)| *i as u32).collect();
                        assert_eq!(window.numbers, numbers, "{id} {listing:?} {text:?}");
                        let shown: Vec<&str> = kept.iter().map(|(_, l)| *l).collect();
                        assert_eq!(window.lines.text.lines().collect::<Vec<_>>(), shown);
                        assert_eq!(window.total as usize, lines.line_sources.len());
                        if text.is_empty() {
                            assert_eq!(window.lines, lines, "{id} {listing:?}");
                        }
                        if text == "restore input (IPv6)" && !numbers.is_empty() {
                            headed += 1;
                        }
                    }
                }
            }
        }
        assert!(headed > 0, "no lab lists two families");
    }

    #[test]
    fn any_case_is_what_lower_case_finds() {
        let lines = [
            "-A KUBE-SVC-X -j DNAT",
            "naïve DNAT",
            "İstanbul",
            "Kelvin \u{212a}",
            "",
            "dnat",
        ];
        let needles = [
            "", "dnat", "DNAT", "ï", "i", "i\u{307}", "k", "\u{212a}", "stan", "x",
        ];
        for line in lines {
            for needle in needles {
                let needle = needle.to_lowercase();
                assert_eq!(
                    contains_any_case(line, &needle),
                    line.to_lowercase().contains(&needle),
                    "{line:?} {needle:?}"
                );
            }
        }
    }
}
