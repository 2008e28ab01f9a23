//! Diagnostics: user mistakes as data.
//!
//! Every stage of the pipeline reports problems as [`Diagnostic`] values instead of failing:
//! a YAML syntax error, an unknown field, an API-server validation error, a learner warning
//! ("this selector matches no pod"). Each one names the Kubernetes field path it is about
//! and, once [`crate::manifest::Manifest::locate`] has resolved that path against the text,
//! the line and column the editor underlines.

use std::fmt;

/// A position in the scenario text. Lines and columns are 1-based; columns count
/// Unicode scalar values (what a person counts), not bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pos {
    pub line: u32,
    pub column: u32,
}

/// A range of the scenario text, `start` inclusive and `end` exclusive.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    pub start: Pos,
    pub end: Pos,
}

impl Span {
    pub fn at(line: u32, column: u32) -> Span {
        let p = Pos { line, column };
        Span { start: p, end: p }
    }
}

/// How bad a diagnostic is. Errors mean the object (or document) was not accepted;
/// warnings are what kubectl prints as `Warning:` or what a teacher would point out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Error,
    Warning,
    Info,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

/// Which stage of the pipeline found the problem.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Stage {
    /// YAML syntax and document structure.
    Syntax,
    /// Decoding a document into an object of a known kind (strict decoding).
    Decode,
    /// The simulated API server: defaulting, allocation, validation.
    ApiServer,
    /// Controllers: Deployments, EndpointSlices, Endpoints.
    Controller,
    /// kube-proxy's reading of the objects.
    Proxy,
    /// Learner hints that no real component prints.
    Hint,
}

/// One problem found in the scenario.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub stage: Stage,
    /// Index of the YAML document (0-based) the problem is in, if any.
    pub document: Option<usize>,
    /// The object the problem is about, as `Kind namespace/name` (or `Kind name`).
    pub object: Option<String>,
    /// The Kubernetes field path, e.g. `spec.ports[0].targetPort`; empty for the whole document.
    pub path: String,
    /// Where in the text; `None` until resolved (or when the text has no such place).
    pub span: Option<Span>,
    /// The message, in the words of the component that would print it.
    pub message: String,
}

impl Diagnostic {
    pub fn new(severity: Severity, stage: Stage, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity,
            stage,
            document: None,
            object: None,
            path: String::new(),
            span: None,
            message: message.into(),
        }
    }

    pub fn error(stage: Stage, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(Severity::Error, stage, message)
    }

    pub fn warning(stage: Stage, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(Severity::Warning, stage, message)
    }

    pub fn with_path(mut self, path: impl Into<String>) -> Diagnostic {
        self.path = path.into();
        self
    }

    pub fn with_span(mut self, span: Span) -> Diagnostic {
        self.span = Some(span);
        self
    }

    pub fn in_document(mut self, document: usize) -> Diagnostic {
        self.document = Some(document);
        self
    }

    pub fn about(mut self, object: impl Into<String>) -> Diagnostic {
        self.object = Some(object.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// `text` with every control character except newline and tab written as an escape
/// (`\x1b`, `\r`, `\u0085`, the way Go's `%q` writes them), so that a diagnostic quoting
/// the scenario never sends a raw terminal escape sequence to the user's terminal.
pub fn escape_controls(text: &str) -> std::borrow::Cow<'_, str> {
    if !text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' | '\t' => out.push(c),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x80 && c.is_control() => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}

/// `line 7, column 3: error: spec.ports[0].port: Required value` — the one-line form the CLI
/// prints on stderr and the page's problem list shows.
impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(span) = self.span {
            write!(
                f,
                "line {}, column {}: ",
                span.start.line, span.start.column
            )?;
        }
        write!(f, "{}: ", self.severity.as_str())?;
        if let Some(object) = &self.object {
            write!(f, "{object}: ")?;
        }
        if !self.path.is_empty() {
            write!(f, "{}: ", self.path)?;
        }
        f.write_str(&self.message)
    }
}
