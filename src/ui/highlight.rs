//! YAML highlighting for the editor: one line at a time into classed ranges.
//!
//! The editor draws the text twice: a transparent textarea the user types into, over a
//! layer with these tokens coloured. The tokenizer only needs to look right for the YAML
//! people write for Kubernetes (block mappings and sequences, flow mappings, quoted
//! strings, comments, document markers); parsing proper is the core's job. Ranges are in
//! characters (Unicode scalar values), like the core's diagnostic columns.

/// What a range of a line is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    Plain,
    Key,
    String,
    Number,
    /// `true`, `false`, `null`, `~`.
    Literal,
    Comment,
    /// `-`, `:`, `,`, `{`, `}`, `[`, `]`, `|`, `>`.
    Punct,
    /// `---` and `...`.
    Document,
    /// `&anchor`, `*alias`, `!tag`.
    Meta,
}

impl Class {
    pub fn css(self) -> &'static str {
        match self {
            Class::Plain => "t-plain",
            Class::Key => "t-key",
            Class::String => "t-str",
            Class::Number => "t-num",
            Class::Literal => "t-lit",
            Class::Comment => "t-com",
            Class::Punct => "t-pun",
            Class::Document => "t-doc",
            Class::Meta => "t-meta",
        }
    }
}

/// One classed range, `start..end` in characters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Token {
    pub class: Class,
    pub start: usize,
    pub end: usize,
}

fn scalar_class(word: &str) -> Class {
    let w = word.trim();
    match w {
        "true" | "false" | "True" | "False" | "TRUE" | "FALSE" | "null" | "Null" | "NULL" | "~"
        | "yes" | "no" => return Class::Literal,
        _ => {}
    }
    let digits = w.strip_prefix(['-', '+']).unwrap_or(w);
    let numeric = !digits.is_empty()
        && (digits
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == '_')
            && digits.matches('.').count() <= 1
            && digits.chars().next().is_some_and(|c| c.is_ascii_digit())
            || digits.starts_with("0x") && digits.len() > 2
            || digits.starts_with("0o") && digits.len() > 2);
    if numeric { Class::Number } else { Class::Plain }
}

struct Lexer<'a> {
    chars: &'a [char],
    pos: usize,
    tokens: Vec<Token>,
    /// Depth of `{`/`[` nesting: inside flow collections `,` ends scalars.
    flow: usize,
}

impl Lexer<'_> {
    fn push(&mut self, class: Class, start: usize, end: usize) {
        if end > start {
            self.tokens.push(Token { class, start, end });
        }
    }

    fn peek(&self, offset: usize) -> Option<char> {
        self.chars.get(self.pos + offset).copied()
    }

    fn skip_blanks(&mut self) {
        while self.peek(0).is_some_and(|c| c == ' ' || c == '\t') {
            self.pos += 1;
        }
    }

    fn at_comment(&self) -> bool {
        self.peek(0) == Some('#')
            && (self.pos == 0
                || self.chars[self.pos - 1] == ' '
                || self.chars[self.pos - 1] == '\t')
    }

    /// A quoted string from the current quote to its closing quote (or the line's end).
    fn quoted(&mut self) -> (usize, usize) {
        let start = self.pos;
        let quote = self.chars[self.pos];
        self.pos += 1;
        while let Some(c) = self.peek(0) {
            self.pos += 1;
            if c == '\\' && quote == '"' {
                self.pos += 1;
            } else if c == quote {
                if quote == '\'' && self.peek(0) == Some('\'') {
                    self.pos += 1;
                    continue;
                }
                break;
            }
        }
        self.pos = self.pos.min(self.chars.len());
        (start, self.pos)
    }

    /// A plain scalar: up to `: `, ` #`, the line's end, or (in flow) `,]}`.
    fn plain(&mut self) -> (usize, usize) {
        let start = self.pos;
        while let Some(c) = self.peek(0) {
            if c == ':' && matches!(self.peek(1), None | Some(' ') | Some('\t')) {
                break;
            }
            if c == ':' && self.flow > 0 && matches!(self.peek(1), Some(',' | ']' | '}')) {
                break;
            }
            if (c == ' ' || c == '\t') && self.peek(1) == Some('#') {
                break;
            }
            if self.flow > 0 && matches!(c, ',' | ']' | '}' | '[' | '{') {
                break;
            }
            self.pos += 1;
        }
        let mut end = self.pos;
        while end > start && matches!(self.chars[end - 1], ' ' | '\t') {
            end -= 1;
        }
        (start, end)
    }

    /// A key or a value, deciding by what follows (`:` makes it a key).
    fn node(&mut self) {
        self.skip_blanks();
        let Some(c) = self.peek(0) else { return };
        if self.at_comment() {
            let len = self.chars.len();
            self.push(Class::Comment, self.pos, len);
            self.pos = len;
            return;
        }
        match c {
            '&' | '*' | '!' => {
                let start = self.pos;
                while self
                    .peek(0)
                    .is_some_and(|c| !matches!(c, ' ' | '\t' | ',' | ']' | '}'))
                {
                    self.pos += 1;
                }
                self.push(Class::Meta, start, self.pos);
            }
            '{' | '[' => {
                self.flow += 1;
                self.push(Class::Punct, self.pos, self.pos + 1);
                self.pos += 1;
            }
            '}' | ']' => {
                self.flow = self.flow.saturating_sub(1);
                self.push(Class::Punct, self.pos, self.pos + 1);
                self.pos += 1;
            }
            ',' => {
                self.push(Class::Punct, self.pos, self.pos + 1);
                self.pos += 1;
            }
            '-' if matches!(self.peek(1), None | Some(' ') | Some('\t')) => {
                self.push(Class::Punct, self.pos, self.pos + 1);
                self.pos += 1;
            }
            '|' | '>' if self.flow == 0 => {
                let start = self.pos;
                while self
                    .peek(0)
                    .is_some_and(|c| matches!(c, '|' | '>' | '-' | '+' | '0'..='9'))
                {
                    self.pos += 1;
                }
                self.push(Class::Punct, start, self.pos);
            }
            ':' => {
                self.push(Class::Punct, self.pos, self.pos + 1);
                self.pos += 1;
            }
            '"' | '\'' => {
                let (start, end) = self.quoted();
                let key = self.colon_follows();
                self.push(if key { Class::Key } else { Class::String }, start, end);
            }
            _ => {
                let (start, end) = self.plain();
                if end == start {
                    // Not a scalar start (e.g. a stray `:`): take one character.
                    self.pos = self.pos.max(start + 1);
                    self.push(Class::Plain, start, self.pos);
                    return;
                }
                let key = self.colon_follows();
                let word: String = self.chars[start..end].iter().collect();
                self.push(
                    if key { Class::Key } else { scalar_class(&word) },
                    start,
                    end,
                );
            }
        }
    }

    fn colon_follows(&self) -> bool {
        let mut i = self.pos;
        while self.chars.get(i).is_some_and(|c| *c == ' ' || *c == '\t') {
            i += 1;
        }
        self.chars.get(i) == Some(&':')
            && matches!(
                self.chars.get(i + 1),
                None | Some(' ' | '\t' | ',' | ']' | '}')
            )
    }
}

/// The tokens of one line (no `\n`). Whitespace between tokens is left out.
pub fn line(text: &str) -> Vec<Token> {
    let chars: Vec<char> = text.chars().collect();
    let mut lexer = Lexer {
        chars: &chars,
        pos: 0,
        tokens: Vec::new(),
        flow: 0,
    };
    let marker: String = chars.iter().take(3).collect();
    if (marker == "---" || marker == "...") && matches!(chars.get(3), None | Some(' ' | '\t')) {
        lexer.push(Class::Document, 0, 3);
        lexer.pos = 3;
    }
    while lexer.pos < chars.len() {
        let before = lexer.pos;
        lexer.node();
        if lexer.pos == before {
            lexer.pos += 1;
        }
    }
    lexer.tokens
}

#[cfg(test)]
mod tests {
    use super::*;

    fn classes(text: &str) -> Vec<(Class, String)> {
        let chars: Vec<char> = text.chars().collect();
        line(text)
            .into_iter()
            .map(|t| (t.class, chars[t.start..t.end].iter().collect()))
            .collect()
    }

    #[test]
    fn keys_values_and_comments() {
        assert_eq!(
            classes("  clusterIP: 10.97.97.97   # the Service's IP"),
            [
                (Class::Key, "clusterIP".into()),
                (Class::Punct, ":".into()),
                (Class::Plain, "10.97.97.97".into()),
                (Class::Comment, "# the Service's IP".into()),
            ]
        );
        assert_eq!(
            classes("- port: 80"),
            [
                (Class::Punct, "-".into()),
                (Class::Key, "port".into()),
                (Class::Punct, ":".into()),
                (Class::Number, "80".into()),
            ]
        );
        assert_eq!(classes("---"), [(Class::Document, "---".into())]);
        assert_eq!(
            classes("image: nginx:1.26"),
            [
                (Class::Key, "image".into()),
                (Class::Punct, ":".into()),
                (Class::Plain, "nginx:1.26".into()),
            ]
        );
    }

    #[test]
    fn flow_mappings_quotes_and_chinese() {
        assert_eq!(
            classes("metadata: {name: a, labels: [\"x\", 'y''s']}"),
            [
                (Class::Key, "metadata".into()),
                (Class::Punct, ":".into()),
                (Class::Punct, "{".into()),
                (Class::Key, "name".into()),
                (Class::Punct, ":".into()),
                (Class::Plain, "a".into()),
                (Class::Punct, ",".into()),
                (Class::Key, "labels".into()),
                (Class::Punct, ":".into()),
                (Class::Punct, "[".into()),
                (Class::String, "\"x\"".into()),
                (Class::Punct, ",".into()),
                (Class::String, "'y''s'".into()),
                (Class::Punct, "]".into()),
                (Class::Punct, "}".into()),
            ]
        );
        // Columns count characters, so CJK text keeps later tokens in place.
        let tokens = line("# 服务 x: y");
        assert_eq!(
            tokens,
            [Token {
                class: Class::Comment,
                start: 0,
                end: 9
            }]
        );
        assert_eq!(classes("ready: true")[2], (Class::Literal, "true".into()));
    }

    #[test]
    fn never_loops_or_panics_on_odd_lines() {
        for text in [
            "::",
            "- - -",
            "{[}]",
            "\"unterminated",
            "'",
            "a: b: c",
            ": x",
            "#",
            "&a *b !c",
        ] {
            let tokens = line(text);
            let len = text.chars().count();
            assert!(
                tokens.iter().all(|t| t.start < t.end && t.end <= len),
                "{text}: {tokens:?}"
            );
        }
    }
}
