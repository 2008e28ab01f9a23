//! The lesson format: one Markdown file, front matter between `---` lines, then steps.
//!
//! ```text
//! ---                                   front matter (YAML): id, title, summary, level,
//! id: clusterip                         minutes, docs
//! ...
//! ---
//! ## step create-service                a step (its id)
//! ### en: Create the Service            the step's text in English, with its title
//! ### zh: 创建 Service                  … and in Chinese
//! ### start                             ```yaml blocks, ```yaml file=NAME, `example: ID`
//! ### check                             a ```check block, one check per line
//! ### hint                              `en: …` and `zh: …` (one hint per section)
//! ### solution                          ```sh, ```ex, ```yaml, ```yaml file=NAME blocks
//! ```
//!
//! Every problem is a [`Diagnostic`] with its line and column; parsing goes on after one,
//! so a trainer sees all of them at once.

use super::{
    Action, Block, Body, Check, CheckKind, Cmp, Count, Diagnostic, From, Lang, Lesson, Level,
    MAX_LESSON_BYTES, ObjectName, Snippet, SnippetKind, Start, Step, Text, To,
};
use crate::manifest::yaml::{Node, Value, parse_documents};
use crate::proxy::Protocol;
use crate::proxy::config::ProxyMode;
use crate::session::File;

/// Reads a lesson: the lesson, or every problem found (all of them, in line order).
pub fn parse(source: &str) -> Result<Lesson, Vec<Diagnostic>> {
    let mut p = Parser::default();
    if source.len() > MAX_LESSON_BYTES {
        p.error(
            1,
            1,
            format!(
                "the lesson is larger than {} bytes, the most svcplay reads",
                MAX_LESSON_BYTES
            ),
        );
        return Err(p.diagnostics);
    }
    let lines: Vec<&str> = source
        .split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .collect();
    let lesson = p.lesson(&lines);
    if p.diagnostics.is_empty() {
        Ok(lesson)
    } else {
        p.diagnostics.sort_by_key(|d| (d.line, d.column));
        Err(p.diagnostics)
    }
}

#[derive(Default)]
struct Parser {
    diagnostics: Vec<Diagnostic>,
}

/// A line of a section with its 1-based number.
type Line<'a> = (u32, &'a str);

/// What a section holds: prose lines and fenced blocks.
enum Item<'a> {
    Prose(Vec<Line<'a>>),
    Fence {
        line: u32,
        info: String,
        text: String,
    },
}

/// The section of a step being read.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Section {
    Text(Lang),
    Start,
    Check,
    Hint,
    Solution,
    /// After an unknown section heading: its lines are not reported again.
    Skip,
}

#[derive(Default)]
struct StepBuilder<'a> {
    id: String,
    line: u32,
    titles: [Option<String>; 2],
    bodies: [Option<Vec<Line<'a>>>; 2],
    start: Option<Vec<Line<'a>>>,
    start_line: u32,
    check: Vec<Line<'a>>,
    check_line: Option<u32>,
    hints: Vec<(u32, Vec<Line<'a>>)>,
    solution: Option<Vec<Line<'a>>>,
}

const FRONT_MATTER_KEYS: &[&str] = &["id", "title", "summary", "level", "minutes", "docs"];
const SECTIONS: &str =
    "`### en: TITLE`, `### zh: TITLE`, `### start`, `### check`, `### hint`, `### solution`";

fn is_id(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 63
        && text
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !text.starts_with('-')
        && !text.ends_with('-')
}

/// A fence line: its marker character, length and info string.
fn fence_open(line: &str) -> Option<(char, usize, &str)> {
    let trimmed = line.trim_start();
    if line.len() - trimmed.len() > 3 {
        return None;
    }
    let c = trimmed.chars().next()?;
    if c != '`' && c != '~' {
        return None;
    }
    let n = trimmed.chars().take_while(|x| *x == c).count();
    if n < 3 {
        return None;
    }
    let info = trimmed[n..].trim();
    if c == '`' && info.contains('`') {
        return None;
    }
    Some((c, n, info))
}

fn fence_closes(line: &str, c: char, n: usize) -> bool {
    let trimmed = line.trim();
    trimmed.chars().count() >= n && trimmed.chars().all(|x| x == c)
}

impl Parser {
    fn error(&mut self, line: u32, column: u32, message: impl Into<String>) {
        self.diagnostics.push(Diagnostic {
            line,
            column,
            message: message.into(),
        });
    }

    fn lesson(&mut self, lines: &[&str]) -> Lesson {
        let mut lesson = Lesson {
            id: String::new(),
            title: Text::default(),
            summary: Text::default(),
            level: Level::Beginner,
            minutes: 0,
            docs: Vec::new(),
            steps: Vec::new(),
        };
        if lines.first().map(|l| l.trim_end()) != Some("---") {
            self.error(
                1,
                1,
                "a lesson starts with its front matter: a line `---`, the fields id, title, summary, level, minutes, docs, and a line `---`",
            );
            return lesson;
        }
        let Some(end) = lines.iter().skip(1).position(|l| l.trim_end() == "---") else {
            self.error(1, 1, "the front matter has no closing `---` line");
            return lesson;
        };
        let end = end + 1;
        self.front_matter(&lines[1..end].join("\n"), &mut lesson);
        let body = &lines[end + 1..];
        let first = end as u32 + 2;
        self.steps(body, first, &mut lesson);
        lesson
    }

    fn front_matter(&mut self, text: &str, lesson: &mut Lesson) {
        // The front matter starts on the file's line 2.
        let offset = 1;
        let (documents, errors) = parse_documents(text);
        let broken = !errors.is_empty();
        for e in errors {
            self.error(
                e.span.start.line + offset,
                e.span.start.column,
                format!("front matter: {}", e.message),
            );
        }
        let Some(root) = documents.into_iter().next().and_then(|d| d.root) else {
            if broken {
                return;
            }
            self.error(
                2,
                1,
                "the front matter is empty: it needs id, title, summary, level, minutes and docs",
            );
            return;
        };
        let at = |node: &Node| (node.span.start.line + offset, node.span.start.column);
        let Some(entries) = root.entries() else {
            let (l, c) = at(&root);
            self.error(l, c, "the front matter must be a mapping of fields");
            return;
        };
        for entry in entries {
            let key = entry.key.key_string().unwrap_or_default();
            if !FRONT_MATTER_KEYS.contains(&key.as_str()) {
                let (l, c) = at(&entry.key);
                self.error(
                    l,
                    c,
                    format!(
                        "unknown front matter field \"{key}\" (the fields are {})",
                        FRONT_MATTER_KEYS.join(", ")
                    ),
                );
            }
        }
        let (root_line, root_col) = at(&root);
        let missing = |p: &mut Parser, key: &str| {
            p.error(
                root_line,
                root_col,
                format!("the front matter has no \"{key}\""),
            )
        };
        match root.get("id") {
            Some(n) => match n.as_str() {
                Some(id) if is_id(id) => lesson.id = id.to_string(),
                _ => {
                    let (l, c) = at(n);
                    self.error(l, c, "id: a lesson's id is lowercase letters, digits and `-` (at most 63), as in `clusterip-endpoints`");
                }
            },
            None => missing(self, "id"),
        }
        for (key, field) in [
            ("title", &mut lesson.title),
            ("summary", &mut lesson.summary),
        ] {
            match root.get(key) {
                Some(n) => *field = self.both_languages(n, key, offset),
                None => missing(self, key),
            }
        }
        match root.get("level") {
            Some(n) => match n.as_str().and_then(Level::parse) {
                Some(level) => lesson.level = level,
                None => {
                    let (l, c) = at(n);
                    self.error(l, c, "level: one of beginner, intermediate, advanced");
                }
            },
            None => missing(self, "level"),
        }
        match root.get("minutes") {
            Some(n) => match n.as_int().filter(|m| (1..=600).contains(m)) {
                Some(m) => lesson.minutes = m as u32,
                None => {
                    let (l, c) = at(n);
                    self.error(l, c, "minutes: a whole number of minutes, 1 to 600");
                }
            },
            None => missing(self, "minutes"),
        }
        match root.get("docs") {
            Some(n) => {
                let items: Vec<&Node> = match n.items() {
                    Some(items) => items.iter().collect(),
                    None => vec![n],
                };
                for item in items {
                    match item.as_str() {
                        Some(url) if url.starts_with("https://kubernetes.io/") => {
                            lesson.docs.push(url.to_string())
                        }
                        _ => {
                            let (l, c) = at(item);
                            self.error(l, c, "docs: the upstream page the lesson follows, a URL starting with https://kubernetes.io/ (or a list of them)");
                        }
                    }
                }
            }
            None => missing(self, "docs"),
        }
    }

    /// `{en: …, zh: …}`: both are required.
    fn both_languages(&mut self, node: &Node, key: &str, offset: u32) -> Text {
        let mut text = Text::default();
        let line = node.span.start.line + offset;
        let column = node.span.start.column;
        if !matches!(node.value, Value::Map(_)) {
            self.error(
                line,
                column,
                format!("{key}: give it in both languages, as `{key}: {{en: …, zh: …}}` or on two indented lines `en:` and `zh:`"),
            );
            return text;
        }
        for lang in Lang::ALL {
            match node.get(lang.key()).and_then(Node::as_str) {
                Some(s) if !s.trim().is_empty() => match lang {
                    Lang::En => text.en = s.trim().to_string(),
                    Lang::Zh => text.zh = s.trim().to_string(),
                },
                _ => self.error(
                    line,
                    column,
                    format!("{key}: the {} text ({}) is missing", name(lang), lang.key()),
                ),
            }
        }
        text
    }

    fn steps<'a>(&mut self, lines: &[&'a str], first: u32, lesson: &mut Lesson) {
        let mut step: Option<StepBuilder<'a>> = None;
        let mut section: Option<Section> = None;
        let mut fence: Option<(char, usize, u32)> = None;
        for (i, raw) in lines.iter().enumerate() {
            let n = first + i as u32;
            if let Some((c, len, _)) = fence {
                if fence_closes(raw, c, len) {
                    fence = None;
                }
                push(&mut step, section, (n, raw));
                continue;
            }
            if let Some((c, len, _)) = fence_open(raw) {
                fence = Some((c, len, n));
                if step.is_none() || section.is_none() {
                    if step.is_some() {
                        self.error(n, 1, format!("a code block before the step's first section; the sections are {SECTIONS}"));
                    }
                } else {
                    push(&mut step, section, (n, raw));
                }
                continue;
            }
            if let Some(rest) = raw.strip_prefix("## ") {
                if let Some(done) = step.take() {
                    self.finish_step(done, lesson);
                }
                section = None;
                let rest = rest.trim();
                let id = rest
                    .strip_prefix("step ")
                    .or_else(|| rest.strip_prefix("Step "))
                    .map(str::trim);
                match id {
                    Some(id) if is_id(id) => {
                        step = Some(StepBuilder {
                            id: id.to_string(),
                            line: n,
                            ..StepBuilder::default()
                        })
                    }
                    Some(_) => {
                        self.error(n, 9, "a step's id is lowercase letters, digits and `-`, as in `## step create-service`");
                        step = Some(StepBuilder {
                            line: n,
                            ..StepBuilder::default()
                        });
                    }
                    None => self.error(n, 1, "a level-2 heading starts a step: `## step ID`"),
                }
                continue;
            }
            if let Some(rest) = raw.strip_prefix("### ") {
                let Some(s) = step.as_mut() else {
                    self.error(
                        n,
                        1,
                        "a section outside a step: start one with `## step ID`",
                    );
                    continue;
                };
                let rest = rest.trim();
                let (word, title) = match rest.split_once(':') {
                    Some((w, t)) => (w.trim(), Some(t.trim())),
                    None => (rest, None),
                };
                section = match (word, title) {
                    ("en" | "zh", title) => {
                        let lang = Lang::parse(word).unwrap_or_default();
                        let idx = lang as usize;
                        if s.bodies[idx].is_some() {
                            self.error(
                                n,
                                5,
                                format!("the step already has its {} text", name(lang)),
                            );
                        }
                        match title {
                            Some(t) if !t.is_empty() => s.titles[idx] = Some(t.to_string()),
                            _ => self.error(
                                n,
                                5,
                                format!(
                                    "the {} section needs the step's title: `### {}: TITLE`",
                                    name(lang),
                                    lang.key()
                                ),
                            ),
                        }
                        s.bodies[idx] = Some(Vec::new());
                        Some(Section::Text(lang))
                    }
                    ("start", None) => {
                        if s.start.is_some() {
                            self.error(n, 5, "the step already has a start section");
                        }
                        s.start = Some(Vec::new());
                        s.start_line = n;
                        Some(Section::Start)
                    }
                    ("check" | "checks", None) => {
                        s.check_line.get_or_insert(n);
                        Some(Section::Check)
                    }
                    ("hint", None) => {
                        s.hints.push((n, Vec::new()));
                        Some(Section::Hint)
                    }
                    ("solution", None) => {
                        if s.solution.is_some() {
                            self.error(n, 5, "the step already has a solution section");
                        }
                        s.solution = Some(Vec::new());
                        Some(Section::Solution)
                    }
                    _ => {
                        self.error(
                            n,
                            5,
                            format!("unknown section \"{rest}\"; the sections are {SECTIONS}"),
                        );
                        Some(Section::Skip)
                    }
                };
                continue;
            }
            if step.is_some() {
                if section.is_none() && !raw.trim().is_empty() {
                    self.error(
                        n,
                        1,
                        format!(
                            "text before the step's first section; the sections are {SECTIONS}"
                        ),
                    );
                }
                push(&mut step, section, (n, raw));
            }
            // Before the first step: notes for whoever reads the file (a `# Title`, a
            // paragraph); the page shows the front matter's title and summary.
        }
        if let Some((_, _, line)) = fence {
            self.error(line, 1, "this code block is never closed");
        }
        if let Some(done) = step.take() {
            self.finish_step(done, lesson);
        }
        if lesson.steps.is_empty() {
            self.error(
                first.saturating_sub(1).max(1),
                1,
                "the lesson has no steps: add `## step ID` sections",
            );
        }
    }

    fn finish_step(&mut self, b: StepBuilder, lesson: &mut Lesson) {
        if !b.id.is_empty() && lesson.steps.iter().any(|s| s.id == b.id) {
            self.error(
                b.line,
                9,
                format!(
                    "a second step \"{}\" (step ids are unique in a lesson)",
                    b.id
                ),
            );
        }
        let mut title = Text::default();
        let mut body = Body::default();
        for lang in Lang::ALL {
            let idx = lang as usize;
            match &b.bodies[idx] {
                Some(lines) => {
                    let blocks = self.text_blocks(lines);
                    if blocks.is_empty() {
                        self.error(
                            b.line,
                            1,
                            format!("step \"{}\": its {} text is empty", b.id, name(lang)),
                        );
                    }
                    match lang {
                        Lang::En => body.en = blocks,
                        Lang::Zh => body.zh = blocks,
                    }
                }
                None => self.error(
                    b.line,
                    1,
                    format!(
                        "step \"{}\" has no {} text: add `### {}: TITLE` and its text",
                        b.id,
                        name(lang),
                        lang.key()
                    ),
                ),
            }
            let t = b.titles[idx].clone().unwrap_or_default();
            match lang {
                Lang::En => title.en = t,
                Lang::Zh => title.zh = t,
            }
        }
        let start = b
            .start
            .as_ref()
            .map(|lines| self.start(lines, b.start_line));
        if lesson.steps.is_empty() && start.is_none() {
            self.error(b.line, 1, format!("step \"{}\" is the first: it needs a `### start` section (the scenario it starts from)", b.id));
        }
        let checks = self.checks(&b.check);
        if checks.is_empty() {
            self.error(
                b.check_line.unwrap_or(b.line),
                1,
                format!(
                    "step \"{}\" has no checks: add `### check` with a ```check block",
                    b.id
                ),
            );
        }
        let hints = b
            .hints
            .iter()
            .map(|(line, lines)| self.hint(*line, lines))
            .collect();
        let solution = match &b.solution {
            Some(lines) => self.solution(lines),
            None => Vec::new(),
        };
        if solution.is_empty() {
            self.error(b.line, 1, format!("step \"{}\" has no solution: add `### solution` with ```sh commands or ```yaml edits", b.id));
        }
        lesson.steps.push(Step {
            id: b.id,
            title,
            body,
            start,
            checks,
            hints,
            solution,
            line: b.line,
        });
    }

    /// A section's prose and fenced blocks.
    fn items<'a>(&mut self, lines: &[Line<'a>]) -> Vec<Item<'a>> {
        let mut items = Vec::new();
        let mut prose: Vec<Line<'a>> = Vec::new();
        let mut i = 0;
        while i < lines.len() {
            let (n, raw) = lines[i];
            if let Some((c, len, info)) = fence_open(raw) {
                if !prose.is_empty() {
                    items.push(Item::Prose(std::mem::take(&mut prose)));
                }
                let indent = raw.len() - raw.trim_start().len();
                let mut text = String::new();
                i += 1;
                while i < lines.len() && !fence_closes(lines[i].1, c, len) {
                    let l = lines[i].1;
                    // Indented fences (in a list) drop their indentation from each line.
                    let strip = l.len() - l.trim_start().len();
                    text.push_str(&l[strip.min(indent)..]);
                    text.push('\n');
                    i += 1;
                }
                items.push(Item::Fence {
                    line: n,
                    info: info.to_string(),
                    text,
                });
                i += 1;
                continue;
            }
            prose.push((n, raw));
            i += 1;
        }
        if !prose.is_empty() {
            items.push(Item::Prose(prose));
        }
        items
    }

    fn text_blocks(&mut self, lines: &[Line]) -> Vec<Block> {
        let mut blocks = Vec::new();
        for item in self.items(lines) {
            match item {
                Item::Prose(lines) => {
                    let mut paragraph: Vec<&str> = Vec::new();
                    for (_, l) in lines.iter().chain(std::iter::once(&(0, ""))) {
                        if l.trim().is_empty() {
                            if !paragraph.is_empty() {
                                blocks.push(Block::Markdown(paragraph.join("\n")));
                                paragraph.clear();
                            }
                        } else {
                            paragraph.push(l.trim_end());
                        }
                    }
                }
                Item::Fence { line, info, text } => {
                    let (lang, attrs) = info_string(&info);
                    let kind = match lang.as_str() {
                        "sh" | "bash" | "shell" | "console" => SnippetKind::Command,
                        "yaml" | "yml" => SnippetKind::Manifest,
                        _ => SnippetKind::Text,
                    };
                    let mut file = None;
                    for (k, v) in attrs {
                        match k.as_str() {
                            "file" if kind == SnippetKind::Manifest => file = Some(v),
                            _ => self.error(line, 1, format!("unknown attribute \"{k}\" of a code block in a step's text (a ```yaml block may say file=NAME)")),
                        }
                    }
                    blocks.push(Block::Snippet(Snippet {
                        kind,
                        lang,
                        file,
                        text,
                    }));
                }
            }
        }
        blocks
    }

    fn start(&mut self, lines: &[Line], line: u32) -> Start {
        let mut start = Start {
            example: None,
            scenario: String::new(),
            files: Vec::new(),
        };
        for item in self.items(lines) {
            match item {
                Item::Prose(lines) => {
                    for (n, l) in lines {
                        let t = l.trim();
                        if t.is_empty() {
                            continue;
                        }
                        match t.strip_prefix("example:") {
                            Some(id) => {
                                let id = id.trim();
                                if crate::examples::EXAMPLES.iter().any(|e| e.id == id) {
                                    start.example = Some(id.to_string());
                                } else {
                                    let ids: Vec<&str> = crate::examples::EXAMPLES.iter().map(|e| e.id).collect();
                                    self.error(n, 10, format!("no built-in example \"{id}\" (the examples are {})", ids.join(", ")));
                                }
                            }
                            None => self.error(n, 1, "a start section holds ```yaml blocks (the scenario), ```yaml file=NAME blocks (files on the node) and `example: ID` lines"),
                        }
                    }
                }
                Item::Fence { line, info, text } => {
                    match self.file_or_yaml(line, &info, text, "start") {
                        Some(Ok(file)) => start.files.push(file),
                        Some(Err(yaml)) => {
                            if !start.scenario.is_empty() && !start.scenario.ends_with("---\n") {
                                start.scenario.push_str("---\n");
                            }
                            start.scenario.push_str(&yaml);
                        }
                        None => {}
                    }
                }
            }
        }
        if start.example.is_none() && start.scenario.trim().is_empty() && start.files.is_empty() {
            self.error(line, 1, "the start section is empty: give the scenario in ```yaml blocks (or `example: ID`)");
        }
        start
    }

    /// A ```yaml block: `Ok(file)` with `file=NAME [node=NODE]`, else `Err(text)`;
    /// `None` after a diagnostic.
    fn file_or_yaml(
        &mut self,
        line: u32,
        info: &str,
        text: String,
        section: &str,
    ) -> Option<Result<File, String>> {
        let (lang, attrs) = info_string(info);
        if lang != "yaml" && lang != "yml" {
            self.error(
                line,
                1,
                format!(
                    "a ```{lang} block in a {section} section (it takes ```yaml blocks{})",
                    if section == "solution" {
                        ", ```sh commands and ```ex editor scripts"
                    } else {
                        ""
                    }
                ),
            );
            return None;
        }
        let mut name = None;
        let mut node = None;
        for (k, v) in attrs {
            match k.as_str() {
                "file" => name = Some(v),
                "node" => node = Some(v),
                _ => {
                    self.error(line, 1, format!("unknown attribute \"{k}\" of a ```yaml block (it may say file=NAME and node=NODE)"));
                    return None;
                }
            }
        }
        match name {
            Some(name) if !name.is_empty() => Some(Ok(File {
                name,
                node,
                content: text,
            })),
            Some(_) => {
                self.error(line, 1, "file= needs the file's name");
                None
            }
            None if node.is_some() => {
                self.error(
                    line,
                    1,
                    "node= goes with file=NAME (the node whose disk holds the file)",
                );
                None
            }
            None => Some(Err(text)),
        }
    }

    fn checks(&mut self, lines: &[Line]) -> Vec<Check> {
        let mut checks = Vec::new();
        for item in self.items(lines) {
            match item {
                Item::Prose(lines) => {
                    for (n, l) in lines {
                        if !l.trim().is_empty() {
                            self.error(n, 1, "checks go in a ```check block, one per line");
                        }
                    }
                }
                Item::Fence { line, info, text } => {
                    if info.trim() != "check" {
                        self.error(
                            line,
                            1,
                            format!(
                                "a ```{} block in a check section: checks go in a ```check block",
                                info.trim()
                            ),
                        );
                        continue;
                    }
                    for (i, l) in text.lines().enumerate() {
                        let t = l.trim();
                        if t.is_empty() || t.starts_with('#') {
                            continue;
                        }
                        let n = line + 1 + i as u32;
                        let column = (l.len() - l.trim_start().len()) as u32 + 1;
                        match parse_check(t) {
                            Ok(kind) => checks.push(Check {
                                kind,
                                source: t.to_string(),
                                line: n,
                            }),
                            Err((col, message)) => self.error(n, column + col, message),
                        }
                    }
                }
            }
        }
        checks
    }

    fn hint(&mut self, line: u32, lines: &[Line]) -> Text {
        let mut parts: [Vec<&str>; 2] = [Vec::new(), Vec::new()];
        let mut current: Option<usize> = None;
        let mut fence: Option<(char, usize)> = None;
        for (n, l) in lines {
            if fence.is_none() {
                if let Some(rest) = l.strip_prefix("en:").or_else(|| l.strip_prefix("zh:")) {
                    let idx = if l.starts_with("en:") { 0 } else { 1 };
                    if !parts[idx].is_empty() {
                        self.error(*n, 1, "the hint already has this language's text (one hint per `### hint` section)");
                    }
                    current = Some(idx);
                    parts[idx].push(rest.trim_start());
                    continue;
                }
            }
            match fence {
                Some((c, len)) if fence_closes(l, c, len) => fence = None,
                None => {
                    if let Some((c, len, _)) = fence_open(l) {
                        fence = Some((c, len));
                    }
                }
                _ => {}
            }
            match current {
                Some(idx) => parts[idx].push(l),
                None if !l.trim().is_empty() => {
                    self.error(*n, 1, "a hint's text starts with `en:` or `zh:`");
                }
                None => {}
            }
        }
        let mut text = Text::default();
        for lang in Lang::ALL {
            let t = parts[lang as usize].join("\n").trim().to_string();
            if t.is_empty() {
                self.error(
                    line,
                    1,
                    format!("the hint has no {} text (`{}: …`)", name(lang), lang.key()),
                );
            }
            match lang {
                Lang::En => text.en = t,
                Lang::Zh => text.zh = t,
            }
        }
        text
    }

    fn solution(&mut self, lines: &[Line]) -> Vec<Action> {
        let mut actions: Vec<Action> = Vec::new();
        for item in self.items(lines) {
            match item {
                Item::Prose(lines) => {
                    for (n, l) in lines {
                        if !l.trim().is_empty() {
                            self.error(n, 1, "a solution holds ```sh commands, ```ex editor scripts and ```yaml edits (explanations go in the step's text or a hint)");
                        }
                    }
                }
                Item::Fence { line, info, text } => {
                    let (lang, attrs) = info_string(&info);
                    match lang.as_str() {
                        "sh" | "bash" | "shell" => {
                            if let Some((k, _)) = attrs.first() {
                                self.error(line, 1, format!("unknown attribute \"{k}\" of a ```sh block"));
                            }
                            actions.push(Action::Commands {
                                lines: text,
                                editor: String::new(),
                            });
                        }
                        "ex" | "vi" | "vim" => match actions.last_mut() {
                            Some(Action::Commands { editor, .. }) => editor.push_str(&text),
                            _ => self.error(line, 1, "an ```ex block answers the editors of the ```sh block just before it (`vi FILE`, `kubectl edit`); there is none"),
                        },
                        _ => match self.file_or_yaml(line, &info, text, "solution") {
                            Some(Ok(file)) => actions.push(Action::File(file)),
                            Some(Err(yaml)) => actions.push(Action::Edit { yaml }),
                            None => {}
                        },
                    }
                }
            }
        }
        actions
    }
}

fn name(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "English",
        Lang::Zh => "Chinese",
    }
}

fn push<'a>(step: &mut Option<StepBuilder<'a>>, section: Option<Section>, line: Line<'a>) {
    let Some(s) = step.as_mut() else { return };
    let target = match section {
        Some(Section::Text(lang)) => s.bodies[lang as usize].as_mut(),
        Some(Section::Start) => s.start.as_mut(),
        Some(Section::Check) => Some(&mut s.check),
        Some(Section::Hint) => s.hints.last_mut().map(|(_, l)| l),
        Some(Section::Solution) => s.solution.as_mut(),
        Some(Section::Skip) | None => None,
    };
    if let Some(t) = target {
        t.push(line);
    }
}

/// ```` ```yaml file=a.yaml node=n1 ````: the language word and the attributes.
fn info_string(info: &str) -> (String, Vec<(String, String)>) {
    let mut words = info.split_whitespace();
    let lang = words.next().unwrap_or("").to_ascii_lowercase();
    let attrs = words
        .map(|w| match w.split_once('=') {
            Some((k, v)) => (k.to_string(), v.trim_matches('"').to_string()),
            None => (w.to_string(), String::new()),
        })
        .collect();
    (lang, attrs)
}

/// One word of a check: `key`, `key=value`, `key>=3`, `key="a value"`.
#[derive(Debug)]
struct Word {
    column: u32,
    key: String,
    cmp: Option<Cmp>,
    value: String,
}

/// Splits a check line into words; `Err((column, message))` (0-based column).
fn words(line: &str) -> Result<Vec<Word>, (u32, String)> {
    let chars: Vec<(usize, char)> = line.char_indices().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let col = |i: usize| {
        line[..chars.get(i).map_or(line.len(), |c| c.0)]
            .chars()
            .count() as u32
    };
    while i < chars.len() {
        if chars[i].1.is_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        let mut key = String::new();
        while i < chars.len() && !chars[i].1.is_whitespace() && !"=!<>".contains(chars[i].1) {
            key.push(chars[i].1);
            i += 1;
        }
        let mut op = String::new();
        while i < chars.len() && "=!<>".contains(chars[i].1) {
            op.push(chars[i].1);
            i += 1;
        }
        let cmp = match op.as_str() {
            "" => None,
            "=" | "==" => Some(Cmp::Eq),
            "!=" => Some(Cmp::Ne),
            ">=" => Some(Cmp::Ge),
            ">" => Some(Cmp::Gt),
            "<=" => Some(Cmp::Le),
            "<" => Some(Cmp::Lt),
            _ => {
                return Err((
                    col(start),
                    format!("\"{op}\" is not a comparison (use =, !=, >=, >, <=, <)"),
                ));
            }
        };
        let mut value = String::new();
        if cmp.is_some() {
            if i < chars.len() && chars[i].1 == '"' {
                let open = i;
                i += 1;
                let mut closed = false;
                while i < chars.len() {
                    match chars[i].1 {
                        '\\' if i + 1 < chars.len() => {
                            value.push(chars[i + 1].1);
                            i += 2;
                        }
                        '"' => {
                            closed = true;
                            i += 1;
                            break;
                        }
                        c => {
                            value.push(c);
                            i += 1;
                        }
                    }
                }
                if !closed {
                    return Err((col(open), "this quoted value is never closed".into()));
                }
            } else {
                while i < chars.len() && !chars[i].1.is_whitespace() {
                    value.push(chars[i].1);
                    i += 1;
                }
            }
        }
        if key.is_empty() {
            return Err((col(start), "a comparison without a name before it".into()));
        }
        out.push(Word {
            column: col(start),
            key,
            cmp,
            value,
        });
    }
    Ok(out)
}

/// The checks' names and what each takes (for messages).
const CHECKS: &[(&str, &str)] = &[
    ("endpoints", "service=NS/NAME ready=N [not-ready=N]"),
    ("selector", "service=NS/NAME nodes>=N [pods=N]"),
    (
        "traffic",
        "from=pod:NS/NAME|node:NAME|external|IP to=IP:PORT|svc:NS/NAME:PORT|node:NAME:PORT pods>=N [answered=N] [requests=N] [seed=N] [protocol=TCP|UDP|SCTP]",
    ),
    ("chain", "port=N present|absent [node=NODE]"),
    ("dig", "name=NAME records=N [type=A] [namespace=NS]"),
    ("mode", "is=iptables|ipvs|nftables [node=NODE]"),
    ("ran", "pattern=REGEX"),
    (
        "field",
        "object=KIND/NAME [namespace=NS] path=JSONPATH value=V|value!=V",
    ),
    ("output", "command=CMD contains=TEXT|lacks=TEXT [node=NODE]"),
];

/// Reads one check line; `Err((column, message))` with a 0-based column.
pub(super) fn parse_check(line: &str) -> Result<CheckKind, (u32, String)> {
    let words = words(line)?;
    let Some(first) = words.first() else {
        return Err((0, "an empty check".into()));
    };
    let known: Vec<&str> = CHECKS.iter().map(|c| c.0).collect();
    let Some((kind, usage)) = CHECKS
        .iter()
        .find(|c| c.0 == first.key && first.cmp.is_none())
    else {
        return Err((
            first.column,
            format!(
                "unknown check \"{}\" (the checks are {})",
                first.key,
                known.join(", ")
            ),
        ));
    };
    let mut args = Args {
        kind,
        usage,
        words: &words[1..],
        used: vec![false; words.len() - 1],
    };
    let result = match *kind {
        "endpoints" => {
            let service = args.object("service")?;
            let ready = args.count("ready")?;
            let not_ready = args.count("not-ready")?;
            if ready.is_none() && not_ready.is_none() {
                return Err((
                    first.column,
                    format!("endpoints needs ready=N or not-ready=N ({kind} {usage})"),
                ));
            }
            CheckKind::Endpoints {
                service,
                ready,
                not_ready,
            }
        }
        "selector" => {
            let service = args.object("service")?;
            let nodes = args.count("nodes")?;
            let pods = args.count("pods")?;
            if nodes.is_none() && pods.is_none() {
                return Err((
                    first.column,
                    format!("selector needs nodes=N or pods=N ({kind} {usage})"),
                ));
            }
            CheckKind::Selector {
                service,
                nodes,
                pods,
            }
        }
        "traffic" => {
            let (fc, from) = args.required("from")?;
            let from = parse_from(&from).map_err(|m| (fc, m))?;
            let (tc, to) = args.required("to")?;
            let to = parse_to(&to).map_err(|m| (tc, m))?;
            let pods = args.count("pods")?;
            let answered = args.count("answered")?;
            if pods.is_none() && answered.is_none() {
                return Err((
                    first.column,
                    format!("traffic needs pods=N or answered=N ({kind} {usage})"),
                ));
            }
            let requests = args.number("requests")?.unwrap_or(100);
            if !(1..=100_000).contains(&requests) {
                return Err((first.column, "requests= is 1 to 100000".into()));
            }
            let seed = args.number("seed")?.unwrap_or(1);
            let protocol = match args.value("protocol")? {
                Some((c, p)) => {
                    Protocol::parse(&p).ok_or((c, format!("protocol \"{p}\": TCP, UDP or SCTP")))?
                }
                None => Protocol::Tcp,
            };
            CheckKind::Traffic {
                from,
                to,
                pods,
                answered,
                requests,
                seed,
                protocol,
            }
        }
        "chain" => {
            let (pc, port) = args.required("port")?;
            let port = port
                .parse::<u16>()
                .ok()
                .filter(|p| *p > 0)
                .ok_or((pc, format!("port \"{port}\": a port number, 1 to 65535")))?;
            let present = args.flag("present");
            let absent = args.flag("absent");
            if present == absent {
                return Err((
                    first.column,
                    format!("chain needs one of present or absent ({kind} {usage})"),
                ));
            }
            let node = args.value("node")?.map(|v| v.1);
            CheckKind::Chain {
                node,
                port,
                present,
            }
        }
        "dig" => {
            let name = args.required("name")?.1;
            let records = args.count("records")?.ok_or((
                first.column,
                format!("dig needs records=N ({kind} {usage})"),
            ))?;
            let record_type = args
                .value("type")?
                .map_or("A".to_string(), |v| v.1.to_ascii_uppercase());
            let namespace = args
                .value("namespace")?
                .map_or("default".to_string(), |v| v.1);
            CheckKind::Dig {
                name,
                record_type,
                namespace,
                records,
            }
        }
        "mode" => {
            let (mc, m) = args.required("is")?;
            let mode = ProxyMode::parse(&m).ok_or((
                mc,
                format!("mode \"{m}\": iptables, ipvs, nftables or userspace"),
            ))?;
            let node = args.value("node")?.map(|v| v.1);
            CheckKind::Mode { mode, node }
        }
        "ran" => {
            let pattern = args.required("pattern")?.1;
            CheckKind::Ran { pattern }
        }
        "field" => {
            let (oc, object) = args.required("object")?;
            let Some((resource, name)) = object
                .split_once('/')
                .filter(|(r, n)| !r.is_empty() && !n.is_empty() && !n.contains('/'))
            else {
                return Err((
                    oc,
                    format!(
                        "object \"{object}\": KIND/NAME as kubectl takes it (svc/web, deploy/web, cm/kube-proxy)"
                    ),
                ));
            };
            let namespace = args.value("namespace")?.map(|v| v.1);
            let mut path = args.required("path")?.1;
            if !path.starts_with('.') {
                path.insert(0, '.');
            }
            let (equal, value) = match args.find("value") {
                Some(w) => match w.cmp {
                    Some(Cmp::Eq) => (true, w.value.clone()),
                    Some(Cmp::Ne) => (false, w.value.clone()),
                    _ => return Err((w.column, "value= or value!=".into())),
                },
                None => {
                    return Err((
                        first.column,
                        format!("field needs value=V ({kind} {usage})"),
                    ));
                }
            };
            CheckKind::Field {
                resource: resource.to_string(),
                name: name.to_string(),
                namespace,
                path,
                value,
                equal,
            }
        }
        "output" => {
            let command = args.required("command")?.1;
            let node = args.value("node")?.map(|v| v.1);
            let contains = args.value("contains")?;
            let lacks = args.value("lacks")?;
            let (text, contains) = match (contains, lacks) {
                (Some(c), None) => (c.1, true),
                (None, Some(l)) => (l.1, false),
                _ => {
                    return Err((
                        first.column,
                        format!("output needs one of contains= or lacks= ({kind} {usage})"),
                    ));
                }
            };
            CheckKind::Output {
                command,
                node,
                text,
                contains,
            }
        }
        _ => unreachable!("every name of CHECKS is handled"),
    };
    args.finish()?;
    Ok(result)
}

struct Args<'a> {
    kind: &'a str,
    usage: &'a str,
    words: &'a [Word],
    used: Vec<bool>,
}

type ArgResult<T> = Result<T, (u32, String)>;

impl Args<'_> {
    fn find(&mut self, key: &str) -> Option<&Word> {
        let i = self.words.iter().position(|w| w.key == key)?;
        self.used[i] = true;
        Some(&self.words[i])
    }

    fn value(&mut self, key: &str) -> ArgResult<Option<(u32, String)>> {
        match self.find(key) {
            Some(w) if w.cmp == Some(Cmp::Eq) && !w.value.is_empty() => {
                Ok(Some((w.column, w.value.clone())))
            }
            Some(w) => Err((w.column, format!("{key}= needs a value"))),
            None => Ok(None),
        }
    }

    fn required(&mut self, key: &str) -> ArgResult<(u32, String)> {
        let (kind, usage) = (self.kind, self.usage);
        self.value(key)?
            .ok_or_else(|| (0, format!("{kind} needs {key}= ({kind} {usage})")))
    }

    fn object(&mut self, key: &str) -> ArgResult<ObjectName> {
        let (c, v) = self.required(key)?;
        object_name(&v).ok_or((
            c,
            format!("{key} \"{v}\": NAMESPACE/NAME, or NAME in default"),
        ))
    }

    fn count(&mut self, key: &str) -> ArgResult<Option<Count>> {
        match self.find(key) {
            Some(w) => match (w.cmp, w.value.parse::<i64>()) {
                (Some(cmp), Ok(value)) if value >= 0 => Ok(Some(Count { cmp, value })),
                _ => Err((
                    w.column,
                    format!("{key} needs a comparison and a whole number, as {key}>=2"),
                )),
            },
            None => Ok(None),
        }
    }

    fn number(&mut self, key: &str) -> ArgResult<Option<u64>> {
        match self.value(key)? {
            Some((c, v)) => v
                .parse()
                .map(Some)
                .map_err(|_| (c, format!("{key} \"{v}\": a whole number"))),
            None => Ok(None),
        }
    }

    fn flag(&mut self, key: &str) -> bool {
        match self
            .words
            .iter()
            .position(|w| w.key == key && w.cmp.is_none())
        {
            Some(i) => {
                self.used[i] = true;
                true
            }
            None => false,
        }
    }

    fn finish(self) -> ArgResult<()> {
        for (w, used) in self.words.iter().zip(&self.used) {
            if !used {
                return Err((
                    w.column,
                    format!(
                        "{} does not take \"{}\" ({} {})",
                        self.kind, w.key, self.kind, self.usage
                    ),
                ));
            }
        }
        Ok(())
    }
}

fn object_name(text: &str) -> Option<ObjectName> {
    let (namespace, name) = match text.split_once('/') {
        Some((ns, n)) => (ns, n),
        None => ("default", text),
    };
    if namespace.is_empty() || name.is_empty() || name.contains('/') {
        return None;
    }
    Some(ObjectName {
        namespace: namespace.to_string(),
        name: name.to_string(),
    })
}

fn parse_from(text: &str) -> Result<From, String> {
    if text == "external" {
        return Ok(From::External);
    }
    if let Some(pod) = text.strip_prefix("pod:") {
        return object_name(pod)
            .map(From::Pod)
            .ok_or_else(|| format!("from \"{text}\": pod:NAMESPACE/NAME"));
    }
    if let Some(node) = text.strip_prefix("node:") {
        return if node.is_empty() {
            Err("from \"node:\": node:NAME".into())
        } else {
            Ok(From::Node(node.to_string()))
        };
    }
    if text.parse::<std::net::IpAddr>().is_ok() {
        return Ok(From::Address(text.to_string()));
    }
    Err(format!(
        "from \"{text}\": pod:NS/NAME, node:NAME, external or an IP address"
    ))
}

fn parse_to(text: &str) -> Result<To, String> {
    let bad = || format!("to \"{text}\": IP:PORT, svc:NS/NAME:PORT or node:NAME:PORT");
    let (host, port) = text.rsplit_once(':').ok_or_else(bad)?;
    let port = port
        .parse::<u16>()
        .ok()
        .filter(|p| *p > 0)
        .ok_or_else(bad)?;
    if let Some(svc) = host.strip_prefix("svc:") {
        return object_name(svc)
            .map(|o| To::Service(o, port))
            .ok_or_else(bad);
    }
    if let Some(node) = host.strip_prefix("node:") {
        return if node.is_empty() {
            Err(bad())
        } else {
            Ok(To::Node(node.to_string(), port))
        };
    }
    let ip = host.trim_start_matches('[').trim_end_matches(']');
    if ip.parse::<std::net::IpAddr>().is_ok() {
        return Ok(To::Address(ip.to_string(), port));
    }
    Err(bad())
}
