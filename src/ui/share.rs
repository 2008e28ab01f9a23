//! Share links (C1): the scenario in the URL fragment, and the page's URL parameters.
//!
//! A link is `#s1.` followed by the DEFLATE (zlib) + base64url of a small text: a header
//! line, `key=value` settings, a blank line, then the scenario. The `1` is the format's
//! version: a link from a newer format is refused with a message instead of being
//! misread, and a damaged or cut-short link fails zlib's checksum and is refused too.
//! Compression is the browser's (`CompressionStream`, `static/glue.js`, which also stops
//! inflating at [`super::limits::MAX_SCENARIO_BYTES`]); this module only builds and reads
//! the text inside, so it is tested natively.
//!
//! A link carries the scenario, the view, the proxy mode, the node and the output: what the
//! sender wants the reader to look at. It never carries the sender's language or theme
//! (PRODUCT.md C1): those stay the reader's. Links made before this rule wrote `lang=` and
//! `theme=` lines; [`parse_payload`] ignores them. Only the page's URL query may ask for a
//! language explicitly (`?lang=zh-CN`, e.g. a lesson in Chinese), and even then the page
//! shows it without making it the reader's saved choice.

use super::i18n::Lang;
use super::snapshot::{RulesView, Tab};
use super::state::Theme;
use svcplay::proxy::config::ProxyMode;

/// The version this page writes and reads.
pub const VERSION: u32 = 1;
const HEADER: &str = "svcplay-share 1";
/// Links longer than this may be cut by chat tools and mail clients: the page warns.
pub const LONG_LINK: usize = 8000;

/// What a link or the URL's query carries besides the text. `lang` and `theme` come only
/// from the query, never from a link's payload.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Settings {
    pub lang: Option<Lang>,
    pub theme: Option<Theme>,
    pub tab: Option<Tab>,
    pub mode: Option<ProxyMode>,
    pub node: Option<String>,
    pub rules_view: Option<RulesView>,
}

/// The state in a link.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Shared {
    pub settings: Settings,
    pub text: String,
}

/// Why a link was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Cut short, edited, or not a link of this page.
    Damaged,
    /// Made by a newer version of the format.
    Future,
}

/// The text that goes into the link (before compression).
pub fn payload(shared: &Shared) -> String {
    let s = &shared.settings;
    let mut out = format!("{HEADER}\n");
    let mut line = |k: &str, v: Option<&str>| {
        if let Some(v) = v {
            // Values are single-line identifiers; a newline would end the header early.
            out.push_str(&format!("{k}={}\n", v.replace('\n', " ")));
        }
    };
    line("view", s.tab.map(Tab::id));
    line("mode", s.mode.map(ProxyMode::as_str));
    line("node", s.node.as_deref());
    line("output", s.rules_view.map(RulesView::id));
    out.push('\n');
    out.push_str(&shared.text);
    out
}

/// Reads the text of a link back; unknown settings are ignored (a newer minor addition), and
/// so are the `lang=` and `theme=` that links of earlier versions carried.
pub fn parse_payload(payload: &str) -> Result<Shared, Refusal> {
    let (header, rest) = payload.split_once('\n').ok_or(Refusal::Damaged)?;
    if header != HEADER {
        return Err(Refusal::Damaged);
    }
    // No settings at all (embed.js writes none): the blank line follows the header at once,
    // and a blank line inside the scenario must not be taken for it.
    let (settings_text, text) = match rest.strip_prefix('\n') {
        Some(text) => ("", text),
        None => rest
            .split_once("\n\n")
            .unwrap_or((rest.trim_end_matches('\n'), "")),
    };
    let mut settings = Settings::default();
    for line in settings_text.lines().filter(|l| !l.is_empty()) {
        let (k, v) = line.split_once('=').ok_or(Refusal::Damaged)?;
        if k != "lang" && k != "theme" {
            apply_setting(&mut settings, k, v);
        }
    }
    Ok(Shared {
        settings,
        text: text.to_string(),
    })
}

/// One `key=value` of a link or of the URL's query.
pub fn apply_setting(settings: &mut Settings, key: &str, value: &str) {
    match key {
        "lang" => settings.lang = Lang::parse(value).or(settings.lang),
        "theme" => settings.theme = Theme::parse(value).or(settings.theme),
        "view" => settings.tab = Tab::parse(value).or(settings.tab),
        "mode" => settings.mode = ProxyMode::parse(value).or(settings.mode),
        "node" if !value.is_empty() => settings.node = Some(value.to_string()),
        "output" => settings.rules_view = RulesView::parse(value).or(settings.rules_view),
        _ => {}
    }
}

/// A fragment's version and compressed data: `s1.DATA` → (1, DATA).
pub fn split_fragment(fragment: &str) -> Option<Result<(u32, &str), Refusal>> {
    let rest = fragment.strip_prefix('s')?;
    let (version, data) = rest.split_once('.')?;
    let Ok(version) = version.parse::<u32>() else {
        return Some(Err(Refusal::Damaged));
    };
    if version > VERSION {
        return Some(Err(Refusal::Future));
    }
    if version == 0 {
        return Some(Err(Refusal::Damaged));
    }
    Some(Ok((version, data)))
}

/// The fragment for compressed data.
pub fn fragment(data: &str) -> String {
    format!("s{VERSION}.{data}")
}

/// `a=1&b=two%20words` → pairs, percent-decoded.
pub fn query_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                match u8::from_str_radix(
                    std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or(""),
                    16,
                ) {
                    Ok(b) => {
                        out.push(b);
                        i += 2;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_round_trip() {
        let shared = Shared {
            settings: Settings {
                lang: None,
                theme: None,
                tab: Some(Tab::Terminal),
                mode: Some(ProxyMode::Ipvs),
                node: Some("k8s-worker02".into()),
                rules_view: Some(RulesView::Ipset),
            },
            text: "apiVersion: v1\n\nkind: Service\n# 服务\n".into(),
        };
        assert_eq!(parse_payload(&payload(&shared)), Ok(shared));
        let empty = Shared::default();
        assert_eq!(parse_payload(&payload(&empty)), Ok(empty));
        // Only a text, with blank lines in it (what embed.js writes).
        let bare = Shared {
            settings: Settings::default(),
            text: "kind: Service\n\n\nmetadata:\n  name: web\n".into(),
        };
        assert_eq!(parse_payload(&payload(&bare)), Ok(bare));
    }

    #[test]
    fn foreign_future_and_damaged_links_are_refused() {
        assert_eq!(parse_payload("hello\n\ntext"), Err(Refusal::Damaged));
        assert_eq!(
            parse_payload("svcplay-share 1\nnonsense\n\nx"),
            Err(Refusal::Damaged)
        );
        assert_eq!(split_fragment("s2.abc"), Some(Err(Refusal::Future)));
        assert_eq!(split_fragment("s1.abc"), Some(Ok((1, "abc"))));
        assert_eq!(split_fragment("sx.abc"), Some(Err(Refusal::Damaged)));
        assert_eq!(split_fragment("example=nodeport"), None);
        // Unknown settings from a newer page are ignored, not fatal.
        let shared = parse_payload("svcplay-share 1\nfuture=1\nview=dns\n\nx").unwrap_or_default();
        assert_eq!(shared.settings.tab, Some(Tab::Dns));
    }

    #[test]
    fn links_never_carry_the_senders_language_or_theme() {
        let shared = Shared {
            settings: Settings {
                lang: Some(Lang::Zh),
                theme: Some(Theme::Dark),
                tab: Some(Tab::Dns),
                ..Settings::default()
            },
            text: "x".into(),
        };
        let text = payload(&shared);
        assert!(
            !text.contains("lang=") && !text.contains("theme="),
            "{text}"
        );
        // A link of an earlier version said both: the reader's own stay.
        let old = parse_payload("svcplay-share 1\nlang=en\ntheme=light\nview=traffic\n\nx")
            .unwrap_or_default();
        assert_eq!(
            (old.settings.lang, old.settings.theme, old.settings.tab),
            (None, None, Some(Tab::Traffic))
        );
    }

    #[test]
    fn queries_decode() {
        assert_eq!(
            query_pairs("embed=1&view=rules&lang=zh-CN&node=a%2Db+c"),
            [
                ("embed".into(), "1".into()),
                ("view".into(), "rules".into()),
                ("lang".into(), "zh-CN".into()),
                ("node".into(), "a-b c".into()),
            ]
        );
        assert_eq!(
            query_pairs("x=%zz&y=%4"),
            [("x".into(), "%zz".into()), ("y".into(), "%4".into())]
        );
    }
}
