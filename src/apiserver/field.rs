//! Field errors as apimachinery's `field.Error` renders them.
//!
//! Every validation and allocation error of the API server is a [`FieldError`]: a field
//! path (`spec.ports[0].name`), a type (`Required value`, `Invalid value`, ...), the bad
//! value and a detail. kubectl prints `<path>: <body>`, and the body's exact shape depends
//! on the Go type of the bad value: numbers plain, Go `string`s with `strconv.Quote`,
//! everything else (named string types, pointers, lists, structs) as JSON since v1.34
//! (validation.md §2). [`BadValue`] records which rendering applies, so each rule states
//! the Go type it passes, as the real code does.
//!
//! The error also carries an optional *editor path*: where the page should underline when
//! the printed path is not a place in the text (`spec.selector` names the map, the editor
//! points at the offending key).

use std::fmt::Write as _;

/// `field.ErrorType`, with the words `ErrorBody` prints for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorType {
    Required,
    Forbidden,
    Invalid,
    NotSupported,
    Duplicate,
    TooLong,
    TooMany,
    NotFound,
    Internal,
}

impl ErrorType {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorType::Required => "Required value",
            ErrorType::Forbidden => "Forbidden",
            ErrorType::Invalid => "Invalid value",
            ErrorType::NotSupported => "Unsupported value",
            ErrorType::Duplicate => "Duplicate value",
            ErrorType::TooLong => "Too long",
            ErrorType::TooMany => "Too many",
            ErrorType::NotFound => "Not found",
            ErrorType::Internal => "Internal error",
        }
    }
}

/// The bad value of an error, rendered as `ErrorBody` renders the Go value it stands for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BadValue {
    /// No value is printed (Required, Forbidden, TooLong, Internal).
    Omitted,
    /// An `int32`/`int64`/`bool`: printed plain (`%v`).
    Plain(String),
    /// A Go `string`: printed with `strconv.Quote` (`"tcp"`).
    GoString(String),
    /// Anything else: `json.Marshal`ed (`"Local"`, `["10.96.0.5"]`, `{"Name":"",...}`).
    Json(String),
}

impl BadValue {
    pub fn int(v: i64) -> BadValue {
        BadValue::Plain(v.to_string())
    }

    pub fn go_string(s: &str) -> BadValue {
        BadValue::GoString(s.to_string())
    }

    /// A value of a named string type (`core.ServiceType`, `*core.IPFamilyPolicy`...).
    pub fn named_string(s: &str) -> BadValue {
        BadValue::Json(crate::quote::json(s))
    }

    /// A `[]string`.
    pub fn string_list(items: &[String]) -> BadValue {
        BadValue::Json(crate::quote::json_list(items))
    }

    fn render(&self) -> Option<String> {
        match self {
            BadValue::Omitted => None,
            BadValue::Plain(s) | BadValue::Json(s) => Some(s.clone()),
            BadValue::GoString(s) => Some(crate::quote::go(s)),
        }
    }
}

/// One field error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    /// The path as the API server prints it.
    pub path: String,
    pub kind: ErrorType,
    pub value: BadValue,
    pub detail: String,
    /// Where the editor should underline, when that differs from `path`.
    pub locate: Option<String>,
}

impl FieldError {
    fn new(path: impl Into<String>, kind: ErrorType, value: BadValue, detail: String) -> Self {
        FieldError {
            path: path.into(),
            kind,
            value,
            detail,
            locate: None,
        }
    }

    pub fn required(path: impl Into<String>, detail: &str) -> Self {
        Self::new(
            path,
            ErrorType::Required,
            BadValue::Omitted,
            detail.to_string(),
        )
    }

    pub fn forbidden(path: impl Into<String>, detail: &str) -> Self {
        Self::new(
            path,
            ErrorType::Forbidden,
            BadValue::Omitted,
            detail.to_string(),
        )
    }

    pub fn invalid(path: impl Into<String>, value: BadValue, detail: impl Into<String>) -> Self {
        Self::new(path, ErrorType::Invalid, value, detail.into())
    }

    /// `field.NotSupported`: the supported values are quoted and joined in the order given
    /// (callers pass `sets.List` order, i.e. sorted, where the real code does).
    pub fn not_supported(path: impl Into<String>, value: BadValue, supported: &[&str]) -> Self {
        let detail = if supported.is_empty() {
            String::new()
        } else {
            let quoted: Vec<String> = supported.iter().map(|s| crate::quote::go(s)).collect();
            format!("supported values: {}", quoted.join(", "))
        };
        Self::new(path, ErrorType::NotSupported, value, detail)
    }

    pub fn duplicate(path: impl Into<String>, value: BadValue) -> Self {
        Self::new(path, ErrorType::Duplicate, value, String::new())
    }

    /// `field.TooLong(path, _, max)`: the value is never printed.
    pub fn too_long(path: impl Into<String>, max: usize) -> Self {
        Self::new(
            path,
            ErrorType::TooLong,
            BadValue::Omitted,
            format!("may not be more than {max} bytes"),
        )
    }

    pub fn too_many(path: impl Into<String>, actual: usize, max: usize) -> Self {
        Self::new(
            path,
            ErrorType::TooMany,
            BadValue::Plain(actual.to_string()),
            format!("must have at most {max} items"),
        )
    }

    pub fn internal(path: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::new(path, ErrorType::Internal, BadValue::Omitted, detail.into())
    }

    /// Sets where the editor underlines.
    pub fn at(mut self, locate: impl Into<String>) -> Self {
        self.locate = Some(locate.into());
        self
    }

    /// `field.Error.ErrorBody()`.
    pub fn body(&self) -> String {
        let mut s = self.kind.as_str().to_string();
        if let Some(v) = self.value.render() {
            let _ = write!(s, ": {v}");
        }
        if !self.detail.is_empty() {
            let _ = write!(s, ": {}", self.detail);
        }
        s
    }

    /// The path the editor underlines.
    pub fn editor_path(&self) -> &str {
        self.locate.as_deref().unwrap_or(&self.path)
    }
}

/// `<path>: <body>`, what kubectl prints for a status cause.
impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.body())
    }
}

pub type ErrorList = Vec<FieldError>;

/// The error lines of a list as kubectl prints them: `<path>: <body>`, identical lines
/// dropped, order kept (`statusCausesToAggrError`).
pub fn dedup_lines(errors: &[FieldError]) -> Vec<String> {
    let mut seen = std::collections::BTreeSet::new();
    errors
        .iter()
        .map(ToString::to_string)
        .filter(|line| seen.insert(line.clone()))
        .collect()
}

pub use crate::quote::go as go_quote;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_render_like_apimachinery() {
        assert_eq!(
            FieldError::required("spec.ports", "").to_string(),
            "spec.ports: Required value"
        );
        assert_eq!(
            FieldError::invalid(
                "spec.ports[0].port",
                BadValue::int(0),
                "must be between 1 and 65535, inclusive"
            )
            .to_string(),
            "spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive"
        );
        assert_eq!(
            FieldError::not_supported(
                "spec.ports[0].protocol",
                BadValue::named_string("tcp"),
                &["SCTP", "TCP", "UDP"]
            )
            .to_string(),
            "spec.ports[0].protocol: Unsupported value: \"tcp\": supported values: \"SCTP\", \"TCP\", \"UDP\""
        );
        assert_eq!(
            FieldError::invalid(
                "spec.clusterIPs",
                BadValue::string_list(&["10.96.0.1".into()]),
                "x"
            )
            .body(),
            "Invalid value: [\"10.96.0.1\"]: x"
        );
        assert_eq!(
            FieldError::too_long("metadata.annotations", 262144).body(),
            "Too long: may not be more than 262144 bytes"
        );
    }
}
