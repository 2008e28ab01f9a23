//! The regular expressions `grep` reads: POSIX basic (BRE) and extended (ERE, `grep -E`,
//! `egrep`) syntax, matched by backtracking over a line.
//!
//! Supported: literals, `.`, bracket expressions (`[a-z]`, `[^0-9]`, `[[:digit:]]` and the
//! other POSIX classes), anchors `^` and `$`, `*`; in ERE also `+`, `?`, `{m,n}`, `|` and
//! `( )` groups; in BRE their GNU spellings `\+`, `\?`, `\{m,n\}`, `\|` and `\( \)`. A
//! pattern that does not parse is matched as a literal string (GNU grep reports an error;
//! the terminal keeps going).

#[derive(Clone, Debug, PartialEq)]
enum Node {
    Char(char),
    Any,
    Class(Vec<(char, char)>, bool),
    Start,
    End,
    Group(Vec<Vec<Node>>),
    Repeat(Box<Node>, usize, Option<usize>),
}

/// A compiled pattern.
#[derive(Clone, Debug)]
pub struct Regex {
    alternatives: Vec<Vec<Node>>,
    ignore_case: bool,
}

struct Parser<'a> {
    chars: &'a [char],
    at: usize,
    extended: bool,
}

impl Parser<'_> {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.at).copied()
    }

    /// Whether the next token is the operator `op` (`\op` in BRE for the GNU ones).
    fn operator(&self, op: char) -> bool {
        if self.extended {
            self.peek() == Some(op)
        } else {
            self.peek() == Some('\\') && self.chars.get(self.at + 1) == Some(&op)
        }
    }

    fn eat_operator(&mut self) {
        self.at += if self.extended { 1 } else { 2 };
    }

    fn alternatives(&mut self) -> Option<Vec<Vec<Node>>> {
        let mut out = vec![self.sequence()?];
        while self.operator('|') {
            self.eat_operator();
            out.push(self.sequence()?);
        }
        Some(out)
    }

    fn sequence(&mut self) -> Option<Vec<Node>> {
        let mut out: Vec<Node> = Vec::new();
        while let Some(c) = self.peek() {
            if self.operator('|') || self.operator(')') {
                break;
            }
            let atom = if self.operator('(') {
                self.eat_operator();
                let inner = self.alternatives()?;
                if !self.operator(')') {
                    return None;
                }
                self.eat_operator();
                Node::Group(inner)
            } else {
                self.at += 1;
                match c {
                    '.' => Node::Any,
                    '^' if out.is_empty() => Node::Start,
                    '$' if self.peek().is_none() || self.operator('|') || self.operator(')') => {
                        Node::End
                    }
                    '[' => self.class()?,
                    '\\' => {
                        let n = self.peek()?;
                        self.at += 1;
                        match n {
                            'w' => Node::Class(
                                vec![('a', 'z'), ('A', 'Z'), ('0', '9'), ('_', '_')],
                                false,
                            ),
                            's' => Node::Class(vec![(' ', ' '), ('\t', '\t')], false),
                            _ => Node::Char(n),
                        }
                    }
                    '*' if out.is_empty() => Node::Char('*'),
                    _ => Node::Char(c),
                }
            };
            out.push(atom);
            // Postfix repetitions.
            loop {
                let (min, max) = if self.peek() == Some('*') {
                    self.at += 1;
                    (0, None)
                } else if self.operator('+') {
                    self.eat_operator();
                    (1, None)
                } else if self.operator('?') {
                    self.eat_operator();
                    (0, Some(1))
                } else if self.operator('{') {
                    self.eat_operator();
                    let mut text = String::new();
                    while !self.operator('}') {
                        text.push(self.peek()?);
                        self.at += 1;
                    }
                    self.eat_operator();
                    let (a, b) = match text.split_once(',') {
                        Some((a, b)) => (
                            a.trim().parse().ok()?,
                            if b.trim().is_empty() {
                                None
                            } else {
                                Some(b.trim().parse().ok()?)
                            },
                        ),
                        None => {
                            let n = text.trim().parse().ok()?;
                            (n, Some(n))
                        }
                    };
                    (a, b)
                } else {
                    break;
                };
                let last = out.pop()?;
                out.push(Node::Repeat(Box::new(last), min, max));
            }
        }
        Some(out)
    }

    fn class(&mut self) -> Option<Node> {
        let mut negated = false;
        if self.peek() == Some('^') {
            negated = true;
            self.at += 1;
        }
        let mut ranges = Vec::new();
        let mut first = true;
        loop {
            let c = self.peek()?;
            self.at += 1;
            if c == ']' && !first {
                break;
            }
            first = false;
            if c == '[' && self.peek() == Some(':') {
                let rest: String = self.chars[self.at..].iter().collect();
                let end = rest.find(":]")?;
                let name = &rest[1..end];
                self.at += end + 2;
                ranges.extend(match name {
                    "digit" => vec![('0', '9')],
                    "alpha" => vec![('a', 'z'), ('A', 'Z')],
                    "alnum" => vec![('a', 'z'), ('A', 'Z'), ('0', '9')],
                    "upper" => vec![('A', 'Z')],
                    "lower" => vec![('a', 'z')],
                    "space" => vec![(' ', ' '), ('\t', '\t'), ('\n', '\n'), ('\r', '\r')],
                    "blank" => vec![(' ', ' '), ('\t', '\t')],
                    "xdigit" => vec![('0', '9'), ('a', 'f'), ('A', 'F')],
                    "punct" => vec![('!', '/'), (':', '@'), ('[', '`'), ('{', '~')],
                    _ => return None,
                });
                continue;
            }
            if self.peek() == Some('-') && self.chars.get(self.at + 1).is_some_and(|n| *n != ']') {
                self.at += 1;
                let end = self.peek()?;
                self.at += 1;
                ranges.push((c, end));
            } else {
                ranges.push((c, c));
            }
        }
        Some(Node::Class(ranges, negated))
    }
}

impl Regex {
    /// Compiles `pattern` (ERE when `extended`).
    pub fn new(pattern: &str, extended: bool, ignore_case: bool) -> Regex {
        let chars: Vec<char> = pattern.chars().collect();
        let mut parser = Parser {
            chars: &chars,
            at: 0,
            extended,
        };
        let alternatives = match parser.alternatives() {
            Some(a) if parser.at == chars.len() => a,
            _ => vec![chars.iter().map(|c| Node::Char(*c)).collect()],
        };
        Regex {
            alternatives,
            ignore_case,
        }
    }

    /// Whether the pattern matches somewhere in `line`.
    pub fn is_match(&self, line: &str) -> bool {
        let text: Vec<char> = if self.ignore_case {
            line.to_lowercase().chars().collect()
        } else {
            line.chars().collect()
        };
        (0..=text.len()).any(|start| {
            self.alternatives
                .iter()
                .any(|seq| self.matches(seq, &text, start, &mut |_| true))
        })
    }

    fn one(&self, node: &Node, c: char) -> bool {
        let eq = |a: char, b: char| {
            if self.ignore_case {
                a.to_lowercase().eq(b.to_lowercase())
            } else {
                a == b
            }
        };
        match node {
            Node::Char(x) => eq(*x, c),
            Node::Any => true,
            Node::Class(ranges, negated) => {
                let inside = ranges.iter().any(|(a, b)| {
                    (*a..=*b).contains(&c)
                        || (self.ignore_case
                            && ((*a..=*b).contains(&c.to_ascii_uppercase())
                                || (*a..=*b).contains(&c.to_ascii_lowercase())))
                });
                inside != *negated
            }
            _ => false,
        }
    }

    /// Matches `seq` at `at`, then calls `rest` with where it ended (backtracking).
    fn matches(
        &self,
        seq: &[Node],
        text: &[char],
        at: usize,
        rest: &mut dyn FnMut(usize) -> bool,
    ) -> bool {
        let Some((first, tail)) = seq.split_first() else {
            return rest(at);
        };
        match first {
            Node::Start => at == 0 && self.matches(tail, text, at, rest),
            Node::End => at == text.len() && self.matches(tail, text, at, rest),
            Node::Group(alternatives) => alternatives.iter().any(|alt| {
                self.matches(alt, text, at, &mut |end| {
                    self.matches(tail, text, end, rest)
                })
            }),
            Node::Repeat(node, min, max) => self.repeat(node, *min, *max, 0, tail, text, at, rest),
            _ => {
                at < text.len()
                    && self.one(first, text[at])
                    && self.matches(tail, text, at + 1, rest)
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn repeat(
        &self,
        node: &Node,
        min: usize,
        max: Option<usize>,
        count: usize,
        tail: &[Node],
        text: &[char],
        at: usize,
        rest: &mut dyn FnMut(usize) -> bool,
    ) -> bool {
        // Greedy: one more first, then stop here.
        if max.is_none_or(|m| count < m) {
            let once = std::slice::from_ref(node);
            let more = self.matches(once, text, at, &mut |end| {
                end > at && self.repeat(node, min, max, count + 1, tail, text, end, rest)
            });
            if more {
                return true;
            }
        }
        count >= min && self.matches(tail, text, at, rest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_like_grep() {
        let ere = |p: &str, l: &str| Regex::new(p, true, false).is_match(l);
        let bre = |p: &str, l: &str| Regex::new(p, false, false).is_match(l);
        assert!(ere("^mode|^clusterCIDR", "mode: \"\""));
        assert!(ere("^mode|^clusterCIDR", "clusterCIDR: \"\""));
        assert!(!ere("^mode|^clusterCIDR", "  mode: x"));
        assert!(bre("ip_vs", "ip_vs_rr  12600"));
        assert!(bre("KUBE-SVC-[A-Z0-9]*$", "-j KUBE-SVC-ABC123"));
        assert!(bre("a\\|b", "xbx"));
        assert!(ere("(ab)+c", "xababc"));
        assert!(!ere("^(ab)+c$", "xababc"));
        assert!(ere("[[:digit:]]{3}", "port 443"));
        assert!(ere("colou?r", "color"));
        assert!(Regex::new("KUBE", false, true).is_match("kube-proxy"));
        assert!(bre("a.c", "abc") && !bre("a.c", "ac"));
        assert!(bre("10\\.96", "10.96.0.1") && !bre("10\\.96", "10x96"));
    }
}
