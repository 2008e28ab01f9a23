//! The languages svcplay's own words come in: English and Simplified Chinese.
//!
//! What the real components print (kubectl, iptables-save, dig…) is never translated;
//! what svcplay says about it — a rule's plain-language explanation, what an edit
//! changed, how the modes differ, what svcplay does not model — comes in both languages,
//! chosen by the caller (the page's language, the CLI's `--lang`). Chinese texts use
//! full-width punctuation between Chinese characters.

/// A language of svcplay's explanations.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Lang {
    #[default]
    En,
    /// Simplified Chinese (`zh-CN`).
    Zh,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Zh];

    /// `en` or `zh-CN`, as URLs, `<html lang>` and `--lang` spell it.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Zh => "zh-CN",
        }
    }

    /// `en` or `zh`: the key a lesson file writes each language's text under.
    pub fn key(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Zh => "zh",
        }
    }

    /// `en`, `en-US`, `zh`, `zh-CN`, `zh_CN`, `zh-Hans-CN`…; anything else is not a
    /// language svcplay has.
    pub fn parse(code: &str) -> Option<Lang> {
        let lower = code.to_ascii_lowercase();
        if lower == "en" || lower.starts_with("en-") || lower.starts_with("en_") {
            Some(Lang::En)
        } else if lower == "zh" || lower.starts_with("zh-") || lower.starts_with("zh_") {
            Some(Lang::Zh)
        } else {
            None
        }
    }

    /// The text of this language out of a pair.
    pub fn pick(self, en: &'static str, zh: &'static str) -> &'static str {
        match self {
            Lang::En => en,
            Lang::Zh => zh,
        }
    }
}

/// A text in both languages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Text {
    pub en: &'static str,
    pub zh: &'static str,
}

impl Text {
    pub fn get(self, lang: Lang) -> &'static str {
        lang.pick(self.en, self.zh)
    }
}

/// Whether a Chinese text uses a half-width punctuation mark (`,` `.` `:` `;` `(` `)` `!`
/// `?`) right next to a Chinese character, which zh-CN typography writes full-width.
pub fn has_half_width_punctuation(text: &str) -> bool {
    let chars: Vec<char> = text.chars().collect();
    let cjk =
        |c: char| ('\u{4e00}'..='\u{9fff}').contains(&c) || ('\u{3400}'..='\u{4dbf}').contains(&c);
    chars.iter().enumerate().any(|(i, c)| {
        matches!(c, ',' | '.' | ':' | ';' | '(' | ')' | '!' | '?')
            && (i > 0 && cjk(chars[i - 1]) || chars.get(i + 1).is_some_and(|n| cjk(*n)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for lang in Lang::ALL {
            assert_eq!(Lang::parse(lang.code()), Some(lang));
        }
        assert_eq!(Lang::parse("zh-Hans-CN"), Some(Lang::Zh));
        assert_eq!(Lang::parse("en_GB"), Some(Lang::En));
        assert_eq!(Lang::parse("fr"), None);
    }

    #[test]
    fn half_width_punctuation_next_to_chinese_is_found() {
        assert!(has_half_width_punctuation("规则,链"));
        assert!(has_half_width_punctuation("规则:"));
        assert!(!has_half_width_punctuation("规则，链：10.96.0.1:80"));
        assert!(!has_half_width_punctuation("rule, chain: x"));
    }
}
