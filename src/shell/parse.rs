//! The shell language of the terminal: what bash reads from one command line (or a few,
//! for a loop typed over several lines).
//!
//! Words with single quotes, double quotes and backslashes; `$VAR`, `${VAR}`, `$?`,
//! `$(…)` and backticks; lists with `;`, `&&`, `||` and newlines; pipelines with `|` (and
//! `!`); redirections `>`, `>>`, `<`, `2>`, `2>&1`, `&>`, heredocs `<<EOF`; compound
//! commands `while`/`until … do … done`, `for NAME [in WORDS]; do … done`, `if … then …
//! [elif …] [else …] fi`, `{ …; }` and `( … )`; comments from an unquoted `#`. Errors are
//! bash's (`bash: syntax error near unexpected token 'done'`).

/// A piece of a word.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Part {
    /// Text that is not expanded (single quotes, escapes).
    Literal(String),
    /// Unquoted text: variables expanded, the result split into words.
    Bare(String),
    /// Double-quoted text: variables expanded, not split.
    Quoted(String),
    /// `$(…)` or backticks; `quoted` when inside double quotes.
    Command { source: String, quoted: bool },
}

/// A word as written.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Word(pub Vec<Part>);

impl Word {
    /// The word's text if it is one unquoted literal (how reserved words are recognised).
    pub fn bare(&self) -> Option<&str> {
        match self.0.as_slice() {
            [Part::Bare(s)] => Some(s),
            _ => None,
        }
    }

    /// The word as the user typed it, roughly (for messages).
    pub fn source(&self) -> String {
        self.0
            .iter()
            .map(|p| match p {
                Part::Literal(s) | Part::Bare(s) | Part::Quoted(s) => s.clone(),
                Part::Command { source, .. } => format!("$({source})"),
            })
            .collect()
    }
}

/// A redirection of a simple command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Redirect {
    /// `> FILE` / `>> FILE` (append) of stdout (fd 1) or stderr (fd 2); `&>` both.
    Out { fd: u8, target: Word, append: bool },
    /// `2>&1`.
    ErrToOut,
    /// `< FILE`.
    In(Word),
    /// `<<EOF` … `EOF`: the text.
    Heredoc(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    Simple {
        assignments: Vec<(String, Word)>,
        words: Vec<Word>,
        redirects: Vec<Redirect>,
    },
    While {
        until: bool,
        condition: List,
        body: List,
    },
    For {
        variable: String,
        /// `None`: `for x; do` (the positional parameters, none here).
        items: Option<Vec<Word>>,
        body: List,
    },
    If {
        branches: Vec<(List, List)>,
        otherwise: Option<List>,
    },
    Group(List),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pipeline {
    pub negate: bool,
    pub commands: Vec<Command>,
}

/// How a pipeline joins the previous one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Join {
    Then,
    And,
    Or,
}

/// Pipelines in order, each with how it joins the one before.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct List(pub Vec<(Join, Pipeline)>);

#[derive(Clone, Debug, PartialEq, Eq)]
enum Token {
    Word(Word),
    Op(&'static str),
    Newline,
    /// A redirection operator with its file descriptor (`2>`).
    Redirect(u8, &'static str),
    Heredoc(String),
}

/// bash's message for a token it did not expect.
fn unexpected(token: &str) -> String {
    format!("bash: syntax error near unexpected token `{token}'")
}

struct Lexer<'a> {
    chars: Vec<char>,
    at: usize,
    /// Heredoc delimiters waiting for the next newline: (delimiter, strip tabs, index of the token).
    pending: Vec<(String, bool, usize)>,
    tokens: Vec<Token>,
    _text: &'a str,
}

impl Lexer<'_> {
    fn peek(&self, n: usize) -> Option<char> {
        self.chars.get(self.at + n).copied()
    }

    /// Reads `$(...)` after the `$(`; returns the inner source.
    fn command_substitution(&mut self) -> Result<String, String> {
        let mut depth = 1;
        let mut out = String::new();
        let mut quote: Option<char> = None;
        while let Some(c) = self.peek(0) {
            self.at += 1;
            match quote {
                Some(q) if c == q => quote = None,
                Some(_) => {}
                None if c == '\'' || c == '"' => quote = Some(c),
                None if c == '(' => depth += 1,
                None if c == ')' => {
                    depth -= 1;
                    if depth == 0 {
                        return Ok(out);
                    }
                }
                None => {}
            }
            out.push(c);
        }
        Err("bash: unexpected EOF while looking for matching `)'".into())
    }

    fn word(&mut self) -> Result<Word, String> {
        let mut parts: Vec<Part> = Vec::new();
        let mut bare = String::new();
        let flush = |bare: &mut String, parts: &mut Vec<Part>| {
            if !bare.is_empty() {
                parts.push(Part::Bare(std::mem::take(bare)));
            }
        };
        while let Some(c) = self.peek(0) {
            match c {
                ' ' | '\t' | '\n' | ';' | '&' | '|' | '<' | '>' | '(' | ')' => break,
                '\\' => {
                    self.at += 1;
                    if let Some(n) = self.peek(0) {
                        self.at += 1;
                        if n != '\n' {
                            flush(&mut bare, &mut parts);
                            parts.push(Part::Literal(n.to_string()));
                        }
                    }
                }
                '\'' => {
                    self.at += 1;
                    flush(&mut bare, &mut parts);
                    let mut s = String::new();
                    loop {
                        match self.peek(0) {
                            Some('\'') => {
                                self.at += 1;
                                break;
                            }
                            Some(ch) => {
                                s.push(ch);
                                self.at += 1;
                            }
                            None => {
                                return Err(
                                    "bash: unexpected EOF while looking for matching `''".into()
                                );
                            }
                        }
                    }
                    parts.push(Part::Literal(s));
                }
                '"' => {
                    self.at += 1;
                    flush(&mut bare, &mut parts);
                    let mut s = String::new();
                    loop {
                        match self.peek(0) {
                            Some('"') => {
                                self.at += 1;
                                break;
                            }
                            Some('\\') => {
                                let next = self.peek(1);
                                match next {
                                    Some(n @ ('"' | '\\' | '$' | '`')) => {
                                        // An escaped character stays literal.
                                        if !s.is_empty() {
                                            parts.push(Part::Quoted(std::mem::take(&mut s)));
                                        }
                                        parts.push(Part::Literal(n.to_string()));
                                        self.at += 2;
                                    }
                                    Some('\n') => self.at += 2,
                                    _ => {
                                        s.push('\\');
                                        self.at += 1;
                                    }
                                }
                            }
                            Some('$') if self.peek(1) == Some('(') => {
                                self.at += 2;
                                if !s.is_empty() {
                                    parts.push(Part::Quoted(std::mem::take(&mut s)));
                                }
                                let source = self.command_substitution()?;
                                parts.push(Part::Command {
                                    source,
                                    quoted: true,
                                });
                            }
                            Some(ch) => {
                                s.push(ch);
                                self.at += 1;
                            }
                            None => {
                                return Err(
                                    "bash: unexpected EOF while looking for matching `\"'".into()
                                );
                            }
                        }
                    }
                    parts.push(Part::Quoted(s));
                }
                '$' if self.peek(1) == Some('(') => {
                    self.at += 2;
                    flush(&mut bare, &mut parts);
                    let source = self.command_substitution()?;
                    parts.push(Part::Command {
                        source,
                        quoted: false,
                    });
                }
                '`' => {
                    self.at += 1;
                    flush(&mut bare, &mut parts);
                    let mut source = String::new();
                    loop {
                        match self.peek(0) {
                            Some('`') => {
                                self.at += 1;
                                break;
                            }
                            Some(ch) => {
                                source.push(ch);
                                self.at += 1;
                            }
                            None => {
                                return Err(
                                    "bash: unexpected EOF while looking for matching ``'".into()
                                );
                            }
                        }
                    }
                    parts.push(Part::Command {
                        source,
                        quoted: false,
                    });
                }
                '$' if self.peek(1) == Some('{') => {
                    // `${VAR}` stays bare text for the expansion to read.
                    while let Some(ch) = self.peek(0) {
                        bare.push(ch);
                        self.at += 1;
                        if ch == '}' {
                            break;
                        }
                    }
                }
                c => {
                    bare.push(c);
                    self.at += 1;
                }
            }
        }
        flush(&mut bare, &mut parts);
        Ok(Word(parts))
    }

    fn run(mut self) -> Result<Vec<Token>, String> {
        while let Some(c) = self.peek(0) {
            match c {
                ' ' | '\t' => self.at += 1,
                '\n' => {
                    self.at += 1;
                    self.tokens.push(Token::Newline);
                    self.read_heredocs()?;
                }
                '#' => {
                    while self.peek(0).is_some_and(|c| c != '\n') {
                        self.at += 1;
                    }
                }
                ';' => {
                    self.at += 1;
                    if self.peek(0) == Some(';') {
                        return Err(unexpected(";;"));
                    }
                    self.tokens.push(Token::Op(";"));
                }
                '&' => {
                    self.at += 1;
                    if self.peek(0) == Some('&') {
                        self.at += 1;
                        self.tokens.push(Token::Op("&&"));
                    } else if self.peek(0) == Some('>') {
                        self.at += 1;
                        self.tokens.push(Token::Redirect(3, ">"));
                    } else {
                        self.tokens.push(Token::Op("&"));
                    }
                }
                '|' => {
                    self.at += 1;
                    if self.peek(0) == Some('|') {
                        self.at += 1;
                        self.tokens.push(Token::Op("||"));
                    } else {
                        self.tokens.push(Token::Op("|"));
                    }
                }
                '(' => {
                    self.at += 1;
                    self.tokens.push(Token::Op("("));
                }
                ')' => {
                    self.at += 1;
                    self.tokens.push(Token::Op(")"));
                }
                '>' => {
                    self.at += 1;
                    if self.peek(0) == Some('>') {
                        self.at += 1;
                        self.tokens.push(Token::Redirect(1, ">>"));
                    } else {
                        self.tokens.push(Token::Redirect(1, ">"));
                    }
                }
                '<' => {
                    self.at += 1;
                    if self.peek(0) == Some('<') {
                        self.at += 1;
                        let strip = self.peek(0) == Some('-');
                        if strip {
                            self.at += 1;
                        }
                        while self.peek(0).is_some_and(|c| c == ' ' || c == '\t') {
                            self.at += 1;
                        }
                        let delimiter = self.word()?;
                        let text: String = delimiter
                            .0
                            .iter()
                            .map(|p| match p {
                                Part::Literal(s) | Part::Bare(s) | Part::Quoted(s) => s.clone(),
                                Part::Command { source, .. } => source.clone(),
                            })
                            .collect();
                        if text.is_empty() {
                            return Err(unexpected("newline"));
                        }
                        self.pending.push((text, strip, self.tokens.len()));
                        self.tokens.push(Token::Heredoc(String::new()));
                    } else {
                        self.tokens.push(Token::Redirect(0, "<"));
                    }
                }
                '0'..='9'
                    if matches!(self.peek(1), Some('>') | Some('<'))
                        && self.tokens_end_word_boundary() =>
                {
                    let fd = c as u8 - b'0';
                    self.at += 1;
                    if self.peek(0) == Some('>') && self.peek(1) == Some('&') {
                        self.at += 2;
                        let target = self.word()?;
                        if fd == 2 && target.bare() == Some("1") {
                            self.tokens.push(Token::Op("2>&1"));
                        }
                        continue;
                    }
                    if self.peek(0) == Some('>') && self.peek(1) == Some('>') {
                        self.at += 2;
                        self.tokens.push(Token::Redirect(fd, ">>"));
                    } else if self.peek(0) == Some('>') {
                        self.at += 1;
                        self.tokens.push(Token::Redirect(fd, ">"));
                    } else {
                        self.at += 1;
                        self.tokens.push(Token::Redirect(fd, "<"));
                    }
                }
                _ => {
                    let w = self.word()?;
                    if !w.0.is_empty() {
                        self.tokens.push(Token::Word(w));
                    }
                }
            }
        }
        if let Some((delimiter, _, _)) = self.pending.first() {
            return Err(format!(
                "bash: warning: here-document delimited by end-of-file (wanted `{delimiter}')"
            ));
        }
        Ok(self.tokens)
    }

    /// A digit starts a redirection only at the start of a word.
    fn tokens_end_word_boundary(&self) -> bool {
        self.at == 0 || matches!(self.chars.get(self.at - 1), Some(' ' | '\t' | '\n' | ';'))
    }

    /// After a newline: the bodies of the heredocs started on the line.
    fn read_heredocs(&mut self) -> Result<(), String> {
        let pending = std::mem::take(&mut self.pending);
        for (delimiter, strip, index) in pending {
            let mut body = String::new();
            loop {
                if self.at >= self.chars.len() {
                    return Err(format!(
                        "bash: warning: here-document delimited by end-of-file (wanted `{delimiter}')"
                    ));
                }
                let mut line = String::new();
                while let Some(c) = self.peek(0) {
                    self.at += 1;
                    if c == '\n' {
                        break;
                    }
                    line.push(c);
                }
                let line = if strip {
                    line.trim_start_matches('\t').to_string()
                } else {
                    line
                };
                if line == delimiter {
                    break;
                }
                body.push_str(&line);
                body.push('\n');
            }
            self.tokens[index] = Token::Heredoc(body);
        }
        Ok(())
    }
}

fn tokenize(text: &str) -> Result<Vec<Token>, String> {
    Lexer {
        chars: text.chars().collect(),
        at: 0,
        pending: Vec::new(),
        tokens: Vec::new(),
        _text: text,
    }
    .run()
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
}

const RESERVED_END: [&str; 8] = ["do", "done", "then", "fi", "elif", "else", "}", "esac"];

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn peek_word(&self) -> Option<&str> {
        match self.peek() {
            Some(Token::Word(w)) => w.bare(),
            _ => None,
        }
    }

    fn skip_newlines(&mut self) {
        while matches!(self.peek(), Some(Token::Newline)) {
            self.at += 1;
        }
    }

    fn expect_word(&mut self, word: &str) -> Result<(), String> {
        self.skip_newlines();
        if self.peek_word() == Some(word) {
            self.at += 1;
            Ok(())
        } else {
            Err(match self.peek() {
                Some(t) => unexpected(&token_text(t)),
                None => "bash: syntax error: unexpected end of file".into(),
            })
        }
    }

    /// A list, up to a reserved word in `until` (not consumed) or the end.
    fn list(&mut self, until: &[&str]) -> Result<List, String> {
        let mut list = List::default();
        let mut join = Join::Then;
        loop {
            self.skip_newlines();
            match self.peek() {
                None => break,
                Some(Token::Op(")")) => break,
                Some(Token::Word(w)) if w.bare().is_some_and(|b| until.contains(&b)) => break,
                Some(Token::Word(w)) if w.bare().is_some_and(|b| RESERVED_END.contains(&b)) => {
                    return Err(unexpected(w.bare().unwrap_or_default()));
                }
                _ => {}
            }
            let pipeline = self.pipeline()?;
            list.0.push((join, pipeline));
            match self.peek() {
                Some(Token::Op(";")) | Some(Token::Op("&")) | Some(Token::Newline) => {
                    self.at += 1;
                    join = Join::Then;
                }
                Some(Token::Op("&&")) => {
                    self.at += 1;
                    join = Join::And;
                    self.skip_newlines();
                    if self.peek().is_none() {
                        return Err("bash: syntax error: unexpected end of file".into());
                    }
                }
                Some(Token::Op("||")) => {
                    self.at += 1;
                    join = Join::Or;
                    self.skip_newlines();
                    if self.peek().is_none() {
                        return Err("bash: syntax error: unexpected end of file".into());
                    }
                }
                None => break,
                Some(Token::Op(")")) => break,
                Some(Token::Word(w)) if w.bare().is_some_and(|b| until.contains(&b)) => break,
                Some(t) => return Err(unexpected(&token_text(t))),
            }
        }
        Ok(list)
    }

    fn pipeline(&mut self) -> Result<Pipeline, String> {
        let mut negate = false;
        if self.peek_word() == Some("!") {
            negate = true;
            self.at += 1;
        }
        let mut commands = vec![self.command()?];
        while matches!(self.peek(), Some(Token::Op("|"))) {
            self.at += 1;
            self.skip_newlines();
            commands.push(self.command()?);
        }
        Ok(Pipeline { negate, commands })
    }

    fn command(&mut self) -> Result<Command, String> {
        match self.peek() {
            Some(Token::Op("(")) => {
                self.at += 1;
                let body = self.list(&[])?;
                match self.peek() {
                    Some(Token::Op(")")) => {
                        self.at += 1;
                        Ok(Command::Group(body))
                    }
                    _ => Err("bash: syntax error: unexpected end of file".into()),
                }
            }
            Some(Token::Op(op)) => Err(unexpected(op)),
            None => Err("bash: syntax error: unexpected end of file".into()),
            _ => match self.peek_word() {
                Some("while") | Some("until") => {
                    let until = self.peek_word() == Some("until");
                    self.at += 1;
                    let condition = self.list(&["do"])?;
                    self.expect_word("do")?;
                    let body = self.list(&["done"])?;
                    self.expect_word("done")?;
                    Ok(Command::While {
                        until,
                        condition,
                        body,
                    })
                }
                Some("for") => {
                    self.at += 1;
                    let variable = match self.peek() {
                        Some(Token::Word(w)) => w.bare().unwrap_or("").to_string(),
                        Some(t) => return Err(unexpected(&token_text(t))),
                        None => return Err("bash: syntax error: unexpected end of file".into()),
                    };
                    if variable.is_empty()
                        || !variable
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '_')
                    {
                        return Err(format!("bash: `{variable}': not a valid identifier"));
                    }
                    self.at += 1;
                    let mut items = None;
                    self.skip_newlines();
                    if self.peek_word() == Some("in") {
                        self.at += 1;
                        let mut words = Vec::new();
                        while let Some(Token::Word(w)) = self.peek() {
                            words.push(w.clone());
                            self.at += 1;
                        }
                        items = Some(words);
                    }
                    if matches!(self.peek(), Some(Token::Op(";")) | Some(Token::Newline)) {
                        self.at += 1;
                    }
                    self.expect_word("do")?;
                    let body = self.list(&["done"])?;
                    self.expect_word("done")?;
                    Ok(Command::For {
                        variable,
                        items,
                        body,
                    })
                }
                Some("if") => {
                    self.at += 1;
                    let mut branches = Vec::new();
                    let mut otherwise = None;
                    loop {
                        let condition = self.list(&["then"])?;
                        self.expect_word("then")?;
                        let body = self.list(&["elif", "else", "fi"])?;
                        branches.push((condition, body));
                        self.skip_newlines();
                        match self.peek_word() {
                            Some("elif") => self.at += 1,
                            Some("else") => {
                                self.at += 1;
                                otherwise = Some(self.list(&["fi"])?);
                                self.expect_word("fi")?;
                                break;
                            }
                            _ => {
                                self.expect_word("fi")?;
                                break;
                            }
                        }
                    }
                    Ok(Command::If {
                        branches,
                        otherwise,
                    })
                }
                Some("{") => {
                    self.at += 1;
                    let body = self.list(&["}"])?;
                    self.expect_word("}")?;
                    Ok(Command::Group(body))
                }
                _ => self.simple(),
            },
        }
    }

    fn simple(&mut self) -> Result<Command, String> {
        let mut assignments = Vec::new();
        let mut words: Vec<Word> = Vec::new();
        let mut redirects = Vec::new();
        loop {
            match self.peek().cloned() {
                Some(Token::Word(w)) => {
                    self.at += 1;
                    if words.is_empty() {
                        if let Some(Part::Bare(first)) = w.0.first() {
                            if let Some((name, value)) = first.split_once('=') {
                                if !name.is_empty()
                                    && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                                    && !name.starts_with(|c: char| c.is_ascii_digit())
                                {
                                    let mut parts = vec![Part::Bare(value.to_string())];
                                    parts.extend(w.0[1..].iter().cloned());
                                    assignments.push((name.to_string(), Word(parts)));
                                    continue;
                                }
                            }
                        }
                    }
                    words.push(w);
                }
                Some(Token::Redirect(fd, op)) => {
                    self.at += 1;
                    let target = match self.peek().cloned() {
                        Some(Token::Word(w)) => {
                            self.at += 1;
                            w
                        }
                        Some(t) => return Err(unexpected(&token_text(&t))),
                        None => return Err(unexpected("newline")),
                    };
                    redirects.push(match op {
                        "<" => Redirect::In(target),
                        ">>" => Redirect::Out {
                            fd: if fd == 3 { 1 } else { fd },
                            target,
                            append: true,
                        },
                        _ => Redirect::Out {
                            fd,
                            target,
                            append: false,
                        },
                    });
                }
                Some(Token::Op("2>&1")) => {
                    self.at += 1;
                    redirects.push(Redirect::ErrToOut);
                }
                Some(Token::Heredoc(body)) => {
                    self.at += 1;
                    redirects.push(Redirect::Heredoc(body));
                }
                _ => break,
            }
        }
        if words.is_empty() && assignments.is_empty() && redirects.is_empty() {
            return match self.peek() {
                Some(t) => Err(unexpected(&token_text(t))),
                None => Err("bash: syntax error: unexpected end of file".into()),
            };
        }
        Ok(Command::Simple {
            assignments,
            words,
            redirects,
        })
    }
}

fn token_text(t: &Token) -> String {
    match t {
        Token::Word(w) => w.source(),
        Token::Op(op) => op.to_string(),
        Token::Newline => "newline".into(),
        Token::Redirect(_, op) => op.to_string(),
        Token::Heredoc(_) => "<<".into(),
    }
}

/// Parses a command line (possibly several lines).
pub fn parse(text: &str) -> Result<List, String> {
    let text = join_continued_lines(text);
    let tokens = tokenize(&text)?;
    let mut parser = Parser { tokens, at: 0 };
    let list = parser.list(&[])?;
    if let Some(t) = parser.peek() {
        return Err(unexpected(&token_text(t)));
    }
    Ok(list)
}

/// bash's line continuation: a backslash before a newline (outside single quotes)
/// joins the two lines.
fn join_continued_lines(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    let (mut single, mut double) = (false, false);
    while let Some(c) = chars.next() {
        match c {
            '"' if !single => {
                double = !double;
                out.push(c);
            }
            '\\' if !single => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                } else {
                    out.push(c);
                    if let Some(n) = chars.next() {
                        out.push(n);
                    }
                }
            }
            '\'' if !double => {
                single = !single;
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

/// Whether the text ends with a backslash that continues it on the next line.
fn ends_with_continuation(text: &str) -> bool {
    let (mut single, mut double) = (false, false);
    let mut chars = text.chars();
    let mut last_escape = false;
    while let Some(c) = chars.next() {
        last_escape = false;
        match c {
            '\\' if !single && chars.next().is_none() => last_escape = true,
            '\\' => {}
            '"' if !single => double = !double,
            '\'' if !double => single = !single,
            _ => {}
        }
    }
    last_escape
}

/// Whether a line is unfinished (an open quote, loop or heredoc), so that the terminal
/// asks for more with `> ` as bash does.
pub fn incomplete(text: &str) -> bool {
    if ends_with_continuation(text) {
        return true;
    }
    match parse(text) {
        Ok(_) => false,
        Err(e) => {
            e.contains("unexpected EOF")
                || e.contains("unexpected end of file")
                || e.contains("here-document")
                || text.trim_end().ends_with('\\')
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(c: &Command) -> Vec<String> {
        match c {
            Command::Simple { words, .. } => words.iter().map(Word::source).collect(),
            _ => Vec::new(),
        }
    }

    #[test]
    fn joins_continued_lines() {
        let text = "kubectl expose deployment my-app \\\n  --type=NodePort \\";
        assert!(incomplete(text));
        let text = format!("{text}\n  --port=80");
        assert!(!incomplete(&text));
        let list = parse(&text).unwrap();
        assert_eq!(
            words(&list.0[0].1.commands[0]),
            [
                "kubectl",
                "expose",
                "deployment",
                "my-app",
                "--type=NodePort",
                "--port=80"
            ]
        );
        assert!(!incomplete("echo 'a\\'"));
        assert!(incomplete("echo \"it's\" \\"));
    }

    #[test]
    fn reads_the_seeds_loop() {
        let list = parse("while true;do curl 10.97.97.97:80; sleep 5; done;").unwrap();
        assert_eq!(list.0.len(), 1);
        let Command::While {
            condition, body, ..
        } = &list.0[0].1.commands[0]
        else {
            panic!("{list:?}");
        };
        assert_eq!(words(&condition.0[0].1.commands[0]), ["true"]);
        assert_eq!(words(&body.0[0].1.commands[0]), ["curl", "10.97.97.97:80"]);
        assert_eq!(words(&body.0[1].1.commands[0]), ["sleep", "5"]);
    }

    #[test]
    fn reads_quotes_pipes_redirections_and_for() {
        let list = parse("echo \"172.16.79.83\" > /usr/share/nginx/html/index.html").unwrap();
        let Command::Simple {
            words, redirects, ..
        } = &list.0[0].1.commands[0]
        else {
            panic!();
        };
        assert_eq!(words.len(), 2);
        assert_eq!(redirects.len(), 1);
        let list = parse("lsmod | grep ip_vs && echo ok || echo no").unwrap();
        assert_eq!(list.0.len(), 3);
        assert_eq!(list.0[0].1.commands.len(), 2);
        assert_eq!(list.0[1].0, Join::And);
        let list = parse("for i in $(seq 3); do curl -s web; done").unwrap();
        assert!(matches!(list.0[0].1.commands[0], Command::For { .. }));
        let list = parse("cat <<EOF | kubectl apply -f -\nkind: X\nEOF\n").unwrap();
        let Command::Simple { redirects, .. } = &list.0[0].1.commands[0] else {
            panic!();
        };
        assert_eq!(redirects, &[Redirect::Heredoc("kind: X\n".into())]);
        assert!(parse("kubectl get pods 2>&1 | head -n 2").is_ok());
    }

    #[test]
    fn errors_and_unfinished_lines_are_bashs() {
        assert_eq!(
            parse("done").unwrap_err(),
            "bash: syntax error near unexpected token `done'"
        );
        assert!(incomplete("while true; do"));
        assert!(incomplete("echo \"abc"));
        assert!(incomplete("cat <<EOF"));
        assert!(!incomplete("echo hi"));
        assert_eq!(
            parse("echo a | | b").unwrap_err(),
            "bash: syntax error near unexpected token `|'"
        );
    }
}
