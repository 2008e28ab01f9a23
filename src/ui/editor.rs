//! The scenario editor: a transparent textarea over a highlighted copy of its text.
//!
//! The textarea (`#editor`) does the editing, so typing, selection and IME input are the
//! browser's own, and so are undo and redo until the textarea first holds a window of a
//! long text (see [`WINDOW_LINES`]; from then on the editor keeps its own [`History`]).
//! The layer under it shows YAML colours, every diagnostic underlined at its line and
//! column, and find matches. Only the lines in view are drawn, so a dump of thousands of
//! objects scrolls as fast as a lab; each is a component keyed by its number ([`Line`]),
//! so a keystroke draws the typed line again and Yew only compares the others' props (the
//! line numbers likewise, [`Gutter`]). The textarea is not bound to the state's text
//! (re-setting its value would wipe the undo history); replacements (examples, actions)
//! go through `insertText`, which keeps it, while the browser's history is in use.

use super::dom;
use super::highlight::{self, Class};
use super::i18n::{Lang, Msg};
use super::state::Splice;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;
use svcplay::diag::{Diagnostic, Severity, Span};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::HtmlTextAreaElement;
use yew::prelude::*;

/// The editor's line height in pixels at text size 100 % (the CSS says the same:
/// `.code { line-height: calc(20px * var(--scale)) }`); [`line_height`] scales it.
pub const LINE_HEIGHT: f64 = 20.0;

/// The line height at a text size in percent (the page's `Prefs::text_size`).
pub fn line_height(scale: u16) -> f64 {
    (LINE_HEIGHT * f64::from(scale) / 100.0).round()
}
/// The textarea's top padding in pixels (`.code textarea { padding-top: 8px }`).
pub const PAD_TOP: f64 = 8.0;
/// Lines drawn above and below the visible ones, so a fast scroll shows no gap.
const OVERSCAN: usize = 20;

#[derive(Properties)]
pub struct EditorProps {
    pub text: Rc<str>,
    /// Changes when the text was replaced by the page (the textarea must follow).
    pub loads: u64,
    pub diagnostics: Rc<Vec<Diagnostic>>,
    /// A range to select, counted so the same range twice selects again.
    pub reveal: (u64, Option<Span>),
    /// A line to show near the top without taking focus, counted like `reveal`.
    #[prop_or_default]
    pub scroll_to: (u64, u32),
    pub readonly: bool,
    pub lang: Lang,
    /// The text size in percent (100 = 13 px text on 20 px lines).
    #[prop_or(100)]
    pub scale: u16,
    /// Tab moves focus on instead of indenting.
    #[prop_or_default]
    pub tab_moves_focus: bool,
    /// The user switched what Tab does.
    #[prop_or_default]
    pub on_tab_mode: Callback<bool>,
    pub on_change: Callback<Typed>,
    /// YAML ranges to light up: where the rule pointed at in the kube-proxy view comes
    /// from (whole lines are lit).
    #[prop_or_default]
    pub highlight: Rc<Vec<Span>>,
    /// The caret moved by a click or a navigation key (1-based line and column), for the
    /// kube-proxy view to light up the rules that come from the YAML there. Typing is not
    /// reported: the text changes and everything is recomputed anyway.
    #[prop_or_default]
    pub on_cursor: Callback<(u32, u32)>,
}

impl PartialEq for EditorProps {
    /// The text, the diagnostics and the highlighted ranges by pointer: the page makes each
    /// once per change (a text per edit, diagnostics per summary), and comparing a 6 MB text
    /// or a dump's diagnostics with an equal copy cost milliseconds at every render of the
    /// page after a worker's answer. An equal copy only draws the editor again.
    fn eq(&self, other: &EditorProps) -> bool {
        Rc::ptr_eq(&self.text, &other.text)
            && self.loads == other.loads
            && Rc::ptr_eq(&self.diagnostics, &other.diagnostics)
            && self.reveal == other.reveal
            && self.scroll_to == other.scroll_to
            && self.readonly == other.readonly
            && self.lang == other.lang
            && self.scale == other.scale
            && self.tab_moves_focus == other.tab_moves_focus
            && self.on_tab_mode == other.on_tab_mode
            && self.on_change == other.on_change
            && Rc::ptr_eq(&self.highlight, &other.highlight)
            && self.on_cursor == other.on_cursor
    }
}

/// What typing did to the text: the editor's text `before` became `text` by `splice`
/// (found in the lines the textarea holds, not by comparing the whole texts).
#[derive(Clone, Debug, PartialEq)]
pub struct Typed {
    pub before: Rc<str>,
    pub text: Rc<str>,
    pub splice: Splice,
}

/// A diagnostic's underline on one line: columns `start..end` (0-based characters).
#[derive(Clone, Debug, PartialEq)]
pub struct Mark {
    pub start: usize,
    pub end: usize,
    pub severity: Severity,
    pub message: String,
}

/// The diagnostics by line (1-based), as underlines.
pub fn marks(diagnostics: &[Diagnostic], text: &str) -> BTreeMap<u32, Vec<Mark>> {
    marks_from(diagnostics, text, 0, u32::MAX)
}

/// The underlines of lines `first + 1..=first + limit` only (1-based), `text` holding those
/// lines (a large text's window: nothing outside it is drawn or pointed at, and the whole
/// text is not split at every keystroke).
fn marks_from(
    diagnostics: &[Diagnostic],
    text: &str,
    first: usize,
    limit: u32,
) -> BTreeMap<u32, Vec<Mark>> {
    let mut out: BTreeMap<u32, Vec<Mark>> = BTreeMap::new();
    let underlined = |d: &&Diagnostic| d.severity != Severity::Info;
    let inside = |d: &Diagnostic| {
        d.span.is_some_and(|s| {
            let line = s.start.line as usize;
            line > first && line - first <= limit as usize
        })
    };
    // The text is split only when something is underlined (it is at every keystroke).
    if !diagnostics.iter().any(|d| underlined(&d) && inside(d)) {
        return out;
    }
    let lines: Vec<&str> = text.split('\n').collect();
    for d in diagnostics.iter().filter(underlined).filter(|d| inside(d)) {
        let Some(span) = d.span else { continue };
        if span.start.line == 0 {
            continue;
        }
        let line = lines
            .get(span.start.line as usize - 1 - first)
            .copied()
            .unwrap_or_default();
        let len = line.chars().count();
        let start = (span.start.column.max(1) - 1) as usize;
        let end = if span.end.line == span.start.line && span.end.column > span.start.column {
            (span.end.column - 1) as usize
        } else {
            // A point: underline the word there (to the next blank), or the rest of the line.
            let rest: Vec<char> = line.chars().skip(start).collect();
            let word = rest.iter().take_while(|c| !c.is_whitespace()).count();
            start + if word > 0 { word } else { rest.len() }
        };
        let end = end.max(start + 1);
        let _ = len;
        let mut message = String::new();
        if let Some(o) = &d.object {
            message.push_str(o);
            message.push_str(": ");
        }
        if !d.path.is_empty() {
            message.push_str(&d.path);
            message.push_str(": ");
        }
        message.push_str(&d.message);
        out.entry(span.start.line).or_default().push(Mark {
            start,
            end,
            severity: d.severity,
            message,
        });
    }
    out
}

/// The UTF-16 offset (what textarea selections count) of a 1-based line and column.
pub fn utf16_offset(text: &str, line: u32, column: u32) -> u32 {
    let mut offset = 0u32;
    for (i, l) in text.split('\n').enumerate() {
        if i + 1 == line as usize {
            let col = l
                .chars()
                .take(column.max(1) as usize - 1)
                .map(|c| c.len_utf16() as u32)
                .sum::<u32>();
            return offset + col;
        }
        offset += l.chars().map(|c| c.len_utf16() as u32).sum::<u32>() + 1;
    }
    offset
}

/// The 1-based line and column of a UTF-16 offset.
pub fn position_of(text: &str, utf16: u32) -> (u32, u32) {
    let (mut line, mut column, mut at) = (1u32, 1u32, 0u32);
    for c in text.chars() {
        if at >= utf16 {
            break;
        }
        at += c.len_utf16() as u32;
        if c == '\n' {
            line += 1;
            column = 1;
        } else {
            column += 1;
        }
    }
    (line, column)
}

/// Every match of `query` (case-insensitive) as (line, start column, end column), 0-based
/// columns; at most `limit`.
pub fn find_all(text: &str, query: &str, limit: usize) -> Vec<(u32, usize, usize)> {
    if query.is_empty() {
        return Vec::new();
    }
    let needle: Vec<char> = query.to_lowercase().chars().collect();
    let mut out = Vec::new();
    for (i, line) in text.split('\n').enumerate() {
        let hay: Vec<char> = line.to_lowercase().chars().collect();
        if hay.len() != line.chars().count() {
            // Lower-casing changed the length (rare scripts): match case-sensitively.
            let hay: Vec<char> = line.chars().collect();
            let needle: Vec<char> = query.chars().collect();
            push_matches(&hay, &needle, i, &mut out, limit);
        } else {
            push_matches(&hay, &needle, i, &mut out, limit);
        }
        if out.len() >= limit {
            break;
        }
    }
    out
}

fn push_matches(
    hay: &[char],
    needle: &[char],
    line: usize,
    out: &mut Vec<(u32, usize, usize)>,
    limit: usize,
) {
    if needle.is_empty() || hay.len() < needle.len() {
        return;
    }
    let mut start = 0;
    while start + needle.len() <= hay.len() && out.len() < limit {
        if hay[start..start + needle.len()] == *needle {
            out.push((line as u32 + 1, start, start + needle.len()));
            start += needle.len();
        } else {
            start += 1;
        }
    }
}

/// The classes of each character range of a line: tokens, underlines, find matches.
fn segments(line: &str, marks: &[Mark], finds: &[(usize, usize, bool)]) -> Vec<(String, String)> {
    let chars: Vec<char> = line.chars().collect();
    let tokens = highlight::line(line);
    let len = chars.len();
    let marks_end = marks.iter().map(|m| m.end).max().unwrap_or(0);
    let total = len.max(marks_end);
    let mut cuts = vec![0, total];
    for t in &tokens {
        cuts.push(t.start);
        cuts.push(t.end);
    }
    for m in marks {
        cuts.push(m.start.min(total));
        cuts.push(m.end.min(total));
    }
    for (s, e, _) in finds {
        cuts.push(*s);
        cuts.push(*e);
    }
    cuts.sort_unstable();
    cuts.dedup();
    let mut out = Vec::new();
    for pair in cuts.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        if a >= b {
            continue;
        }
        let mut class = tokens
            .iter()
            .find(|t| t.start <= a && a < t.end)
            .map(|t| t.class)
            .unwrap_or(Class::Plain)
            .css()
            .to_string();
        if let Some(m) = marks
            .iter()
            .filter(|m| m.start <= a && a < m.end)
            .min_by_key(|m| m.severity)
        {
            class.push_str(if m.severity == Severity::Error {
                " u-error"
            } else {
                " u-warning"
            });
        }
        if let Some((_, _, current)) = finds.iter().find(|(s, e, _)| *s <= a && a < *e) {
            class.push_str(if *current { " f-current" } else { " f-match" });
        }
        // Past the line's end (an underline at the end of the line) draw a blank.
        let text: String = if a >= len {
            " ".repeat(b - a)
        } else {
            chars[a..b.min(len)].iter().collect::<String>() + &" ".repeat(b.saturating_sub(len))
        };
        out.push((class, text));
    }
    out
}

/// Lines `first..first + count` of `text` (0-based, with their numbers) and how many lines
/// it has: the lines after the view are only counted (a byte scan, not a split; this runs
/// at every keystroke).
fn lines_in_view(text: &str, first: usize, count: usize) -> (Vec<(usize, &str)>, usize) {
    let mut lines = Vec::with_capacity(count);
    let mut start = 0usize;
    let mut total = 0usize;
    loop {
        let end = text[start..].find('\n').map(|at| start + at);
        if total >= first && total < first + count {
            lines.push((total, &text[start..end.unwrap_or(text.len())]));
        }
        total += 1;
        let Some(end) = end else { break };
        start = end + 1;
        if total >= first + count {
            total += 1 + text[start..].bytes().filter(|b| *b == b'\n').count();
            break;
        }
    }
    (lines, total)
}

/// As [`lines_in_view`] for a text whose textarea holds window `w`: the lines are found in
/// the window's text and the count is the window's, so a keystroke in a 6 MB text scans
/// only the lines the textarea holds. The whole text is scanned when the view is not in
/// the window or the window's bounds are not of this text.
fn lines_in_window(
    text: &str,
    w: Option<Window>,
    first: usize,
    count: usize,
) -> (Vec<(usize, &str)>, usize) {
    let inside = w.and_then(|w| Some((w, w.text_in(text)?)));
    match inside {
        Some((w, held)) if first >= w.first => {
            let (lines, in_window) = lines_in_view(held, first - w.first, count);
            let lines = lines.into_iter().map(|(i, l)| (i + w.first, l)).collect();
            (lines, w.first + in_window + w.after)
        }
        _ => lines_in_view(text, first, count),
    }
}

/// Whether a highlighted range lights line `number`: a range ending at the start of a
/// line (a block's end, just past its last newline) does not light that line.
fn lights(span: &Span, number: u32) -> bool {
    let last = if span.end.line > span.start.line && span.end.column <= 1 {
        span.end.line - 1
    } else {
        span.end.line.max(span.start.line)
    };
    span.start.line <= number && number <= last
}

/// A text compared by identity: a memo of the editor's text is made again when the text
/// is another one, without comparing 6 MB to learn it.
#[derive(Clone)]
struct SameText(Rc<str>);

impl PartialEq for SameText {
    fn eq(&self, other: &SameText) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

/// Diagnostics compared by identity, as [`SameText`] (a dump's run to thousands).
#[derive(Clone)]
struct SameDiagnostics(Rc<Vec<Diagnostic>>);

impl PartialEq for SameDiagnostics {
    fn eq(&self, other: &SameDiagnostics) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

fn area(node: &NodeRef) -> Option<HtmlTextAreaElement> {
    node.cast::<HtmlTextAreaElement>()
}

/// Scrolls the textarea so that `line` is in view (a third from the top).
fn scroll_to_line(area: &HtmlTextAreaElement, line: u32, lh: f64) {
    let top = (line.saturating_sub(1)) as f64 * lh;
    let height = area.client_height() as f64;
    let current = area.scroll_top() as f64;
    if top < current || top + lh > current + height - 2.0 * PAD_TOP {
        area.set_scroll_top((top - height / 3.0).max(0.0) as i32);
    }
}

/// Texts longer than this (bytes, [`super::LARGE_TEXT`]), or of more lines than
/// [`WINDOWED_LINES`], are edited through a window of lines: a browser's textarea lays out
/// all its lines again whenever its value is set (about 8 µs a line in headless Chromium: 9
/// ms for the 10-Service scenario's 1,272 lines, seconds for a 6 MB dump; a script's
/// `setRangeText` sets it, typing does not), so it only ever holds [`WINDOW_LINES`] lines
/// of a long text, and the page splices edits back into the text. Moving the window resets
/// the browser's undo history, so the editor keeps its own ([`History`]) from the first time
/// it holds a window; Ctrl+A followed by copy, cut, typing or a paste takes the whole text;
/// Ctrl+Home and Ctrl+End go to the text's ends; its find bar searches the whole text.
pub use super::LARGE_TEXT;
/// Texts of more lines than this are held through a window too (the examples have under
/// 100).
pub const WINDOWED_LINES: usize = 500;
/// Lines the textarea holds when the text is long.
pub const WINDOW_LINES: usize = 300;
/// The window moves when the view comes this close (in lines) to one of its edges.
const WINDOW_MARGIN: usize = 75;
// A window leaves room for the view between its margins, and a text just long enough to
// be windowed does not fit in one.
const _: () = assert!(WINDOW_LINES > 2 * WINDOW_MARGIN && WINDOW_LINES < WINDOWED_LINES);

/// Whether `text` is edited through a window of lines (the byte test first: a 6 MB text's
/// lines are not counted).
pub fn windowed(text: &str) -> bool {
    text.len() > LARGE_TEXT || newlines(text) >= WINDOWED_LINES
}

/// Whether `value`, set by a script into a textarea that held window `w` of `text`, is a
/// whole text rather than the window's lines edited: when it kept less than half of the
/// window's text at its ends (a script that read the value and changed a few lines keeps
/// most of it; a test or a loader that sets a new scenario keeps next to nothing). Taken
/// for a whole text, the old one is one undo away ([`History`]).
pub fn sets_the_whole_text(text: &str, w: &Window, value: &str) -> bool {
    let Some(held) = w.text_in(text) else {
        return false;
    };
    let s = Splice::between(held, value);
    let kept = s.start + (held.len() - s.old_end);
    kept * 2 < held.len()
}

/// Whether a windowed text of `len` bytes and `lines` lines is short enough to be held
/// whole again (well under the thresholds, so that typing at the limit does not switch
/// back and forth).
fn whole_again(len: usize, lines: usize) -> bool {
    len < LARGE_TEXT / 2 && lines < WINDOWED_LINES * 7 / 10
}

fn newlines(text: &str) -> usize {
    text.bytes().filter(|b| *b == b'\n').count()
}

/// The part of a large text the textarea holds: lines `first..first + lines` (0-based),
/// and the bytes before and after them (each including the newline next to the window).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Window {
    pub first: usize,
    pub lines: usize,
    pub prefix: usize,
    pub suffix: usize,
    /// The lines after the window (the newlines in the bytes after it): typing in the
    /// window never changes them, so the text's line count needs no scan of the whole.
    pub after: usize,
}

impl Window {
    /// The window's text in `text` (the whole text it is a window of), when its bounds
    /// are of that text: lines start right after `prefix` and the suffix starts with the
    /// newline that ends the window's last line.
    fn text_in<'a>(&self, text: &'a str) -> Option<&'a str> {
        let end = text.len().checked_sub(self.suffix)?;
        let bounded = self.prefix <= end
            && text.is_char_boundary(self.prefix)
            && text.is_char_boundary(end)
            && (self.prefix == 0 || text.as_bytes()[self.prefix - 1] == b'\n')
            && (self.suffix == 0 || text.as_bytes()[end] == b'\n');
        bounded.then(|| &text[self.prefix..end])
    }
}

/// The window of at most `lines` lines from line `first` of `text`, and its text.
pub fn window(text: &str, first: usize, lines: usize) -> (Window, &str) {
    let mut starts = text.match_indices('\n').map(|(i, _)| i + 1);
    let start = if first == 0 {
        0
    } else {
        match starts.by_ref().nth(first - 1) {
            Some(start) => start,
            // Past the last line (a problem's line after many were deleted): the window
            // that ends with the text instead (rare, so counting its lines is no cost).
            None => {
                let last_line = text.bytes().filter(|&b| b == b'\n').count();
                return window(text, (last_line + 1).saturating_sub(lines), lines);
            }
        }
    };
    let mut count = 1;
    let mut end = text.len();
    for next in starts {
        if count == lines {
            // Stop before the newline that ends the window's last line.
            end = next - 1;
            break;
        }
        count += 1;
    }
    let w = Window {
        first,
        lines: count,
        prefix: start,
        suffix: text.len() - end,
        after: text.as_bytes()[end..]
            .iter()
            .filter(|b| **b == b'\n')
            .count(),
    };
    (w, &text[start..end.max(start)])
}

/// The whole text after the window's text became `value`.
pub fn splice(text: &str, w: &Window, value: &str) -> String {
    let prefix = &text[..w.prefix.min(text.len())];
    let suffix = &text[text.len().saturating_sub(w.suffix)..];
    let mut out = String::with_capacity(prefix.len() + value.len() + suffix.len());
    out.push_str(prefix);
    out.push_str(value);
    out.push_str(suffix);
    out
}

/// One edit in the editor's own undo history: bytes `at..at + removed.len()` of the text
/// before it became `inserted`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Step {
    pub at: usize,
    pub removed: String,
    pub inserted: String,
}

impl Step {
    /// Takes `next` (the edit right after this one) into this step when a browser would
    /// undo both at once: characters typed on, a composition updated, characters deleted
    /// on with Backspace or Delete. A new line starts a new step.
    fn absorb(&mut self, next: &Step) -> bool {
        let end = self.at + self.inserted.len();
        if next.inserted.contains('\n') {
            return false;
        }
        if next.removed.is_empty() && next.at == end && !self.inserted.ends_with('\n') {
            // Typed on.
            self.inserted.push_str(&next.inserted);
        } else if next.at == self.at && next.removed == self.inserted && !next.removed.is_empty() {
            // What this step inserted replaced again (an IME composition updated).
            self.inserted = next.inserted.clone();
        } else if self.inserted.is_empty() && next.inserted.is_empty() {
            if next.at + next.removed.len() == self.at && !next.removed.contains('\n') {
                // Backspace on.
                self.removed.insert_str(0, &next.removed);
                self.at = next.at;
            } else if next.at == self.at && !next.removed.contains('\n') {
                // Delete on.
                self.removed.push_str(&next.removed);
            } else {
                return false;
            }
        } else {
            return false;
        }
        true
    }
}

/// The editor's own undo and redo, in bytes of the whole text: a textarea that holds a
/// window of a long text loses the browser's history whenever the window moves, so from
/// the first time it holds one the editor records every edit here and answers Ctrl+Z,
/// Ctrl+Shift+Z, Ctrl+Y, the Undo and Redo buttons and the context menu's Undo and Redo
/// from it (the browser's history is never used again in that editor, so it cannot put a
/// window's old text back as if it were the whole text).
#[derive(Clone, Debug, Default)]
pub struct History {
    undo: Vec<Step>,
    redo: Vec<Step>,
    /// The caret moved since the last edit: the next one starts a step of its own.
    sealed: bool,
}

impl History {
    /// The bytes the history keeps at most (the oldest steps go first; the last one stays,
    /// even a 6 MB paste).
    const MAX_BYTES: usize = 64 << 20;
    /// The steps it keeps at most (as many as Chromium's own undo stack).
    const MAX_STEPS: usize = 1000;

    /// Records the edit `splice` that turned `before` into `after`.
    pub fn record(&mut self, before: &str, splice: Splice, after: &str) {
        let (Some(removed), Some(inserted)) = (
            before.get(splice.start..splice.old_end),
            after.get(splice.start..splice.new_end),
        ) else {
            return;
        };
        if removed.is_empty() && inserted.is_empty() {
            return;
        }
        let step = Step {
            at: splice.start,
            removed: removed.to_string(),
            inserted: inserted.to_string(),
        };
        self.redo.clear();
        let sealed = std::mem::take(&mut self.sealed);
        if let Some(last) = self.undo.last_mut().filter(|_| !sealed) {
            if last.absorb(&step) {
                return;
            }
        }
        self.undo.push(step);
        if self.undo.len() > Self::MAX_STEPS {
            self.undo.remove(0);
        }
        let mut bytes: usize = self
            .undo
            .iter()
            .map(|s| s.removed.len() + s.inserted.len())
            .sum();
        while bytes > Self::MAX_BYTES && self.undo.len() > 1 {
            let old = self.undo.remove(0);
            bytes -= old.removed.len() + old.inserted.len();
        }
    }

    /// The caret was moved: the next edit is a step of its own.
    pub fn seal(&mut self) {
        self.sealed = true;
    }

    /// The edit that undoes the last step, as (byte offset, bytes replaced, replacement)
    /// of the text now; the step goes to the redo list.
    pub fn undo(&mut self) -> Option<(usize, usize, String)> {
        let step = self.undo.pop()?;
        let edit = (step.at, step.inserted.len(), step.removed.clone());
        self.redo.push(step);
        self.sealed = true;
        Some(edit)
    }

    /// The edit that does the last undone step again, as [`History::undo`].
    pub fn redo(&mut self) -> Option<(usize, usize, String)> {
        let step = self.redo.pop()?;
        let edit = (step.at, step.removed.len(), step.inserted.clone());
        self.undo.push(step);
        self.sealed = true;
        Some(edit)
    }
}

/// `text` with bytes `at..at + len` replaced by `with`, and the splice that did it.
pub fn replaced(text: &str, at: usize, len: usize, with: &str) -> Option<(String, Splice)> {
    let end = at.checked_add(len)?;
    let (head, tail) = (text.get(..at)?, text.get(end..)?);
    let mut out = String::with_capacity(head.len() + with.len() + tail.len());
    out.push_str(head);
    out.push_str(with);
    out.push_str(tail);
    let splice = Splice {
        start: at,
        old_end: end,
        new_end: at + with.len(),
    };
    Some((out, splice))
}

/// The 0-based line and 1-based column (characters) of byte `at` of `text`.
fn line_column(text: &str, at: usize) -> (usize, u32) {
    let head = &text[..at.min(text.len())];
    let line_start = head.rfind('\n').map_or(0, |i| i + 1);
    (
        newlines(head),
        head[line_start..].chars().count() as u32 + 1,
    )
}

/// What the editor's textarea holds: the whole text, or a window of it.
#[derive(Clone, Debug, Default)]
struct Doc {
    text: Rc<str>,
    window: Option<Window>,
    /// The line height in pixels at the current text size.
    lh: f64,
    /// The editor's own undo history, in use (`own`) from the first time the textarea held
    /// a window.
    history: History,
    own: bool,
    /// Ctrl+A selected the whole text while the textarea holds a window of it: copy and cut
    /// take the whole text, and typing or pasting over the selection replaces it.
    all: bool,
    /// The input under way replaces the whole text (`all` at its `beforeinput`).
    replacing_all: bool,
    /// The text as the editor last made or was given it (`text` follows the page's at
    /// every render): what a replacement by the page replaced, for the history.
    shown: Rc<str>,
}

impl Doc {
    /// Whether the textarea's selection is all it holds (a window, with `all` set: the
    /// whole text).
    fn selects_all(&self, a: &HtmlTextAreaElement) -> bool {
        self.all
            && self.window.is_some()
            && a.selection_start().ok().flatten() == Some(0)
            && a.selection_end().ok().flatten() == Some(a.text_length())
    }
}

impl Doc {
    fn first(&self) -> usize {
        self.window.map(|w| w.first).unwrap_or(0)
    }

    /// Puts the window around `line` (0-based) into the textarea, keeping the view on the
    /// same absolute line and the caret where it was.
    fn move_window(&mut self, a: &HtmlTextAreaElement, center: usize) {
        let caret = a
            .selection_start()
            .ok()
            .flatten()
            .map(|at| position_of(&a.value(), at))
            .map(|(l, c)| (l as usize - 1 + self.first(), c));
        let top_line = self.first() + (a.scroll_top() as f64 / self.lh) as usize;
        self.show_window(a, center, caret, top_line);
    }

    /// After a big paste: the window around the caret (1-based line and column of the whole
    /// text), with a few lines above the caret in view. Unlike [`Doc::move_window`] it reads
    /// nothing from the textarea: while it holds the whole paste, its geometry would make
    /// the browser lay out every pasted line (seconds for a 6 MB dump) only to throw it away.
    fn window_after_paste(&mut self, a: &HtmlTextAreaElement, (line, column): (u32, u32)) {
        let line = line.max(1) as usize - 1;
        self.show_window(a, line, Some((line, column)), line.saturating_sub(5));
    }

    /// The window around `center` (0-based line) into the textarea, scrolled so that
    /// `top_line` is at the top, with the caret at `caret` (0-based line, 1-based column)
    /// when that is inside the window.
    fn show_window(
        &mut self,
        a: &HtmlTextAreaElement,
        center: usize,
        caret: Option<(usize, u32)>,
        top_line: usize,
    ) {
        let first = center.saturating_sub(WINDOW_LINES / 2);
        let (w, value) = window(&self.text, first, WINDOW_LINES);
        a.set_value(value);
        self.window = Some(w);
        self.own = true;
        a.set_scroll_top(((top_line.saturating_sub(w.first)) as f64 * self.lh) as i32);
        if let Some((line, column)) = caret.filter(|(l, _)| *l >= w.first && *l < w.first + w.lines)
        {
            let at = utf16_offset(value, (line - w.first + 1) as u32, column);
            let _ = a.set_selection_range(at, at);
        }
    }

    /// Makes sure `line` (1-based) is in the textarea; returns the line there (1-based).
    fn bring(&mut self, a: &HtmlTextAreaElement, line: u32) -> u32 {
        let l = line.max(1) as usize - 1;
        if let Some(w) = self.window {
            if l < w.first || l >= w.first + w.lines {
                self.move_window(a, l);
            }
        }
        (l - self.first() + 1) as u32
    }

    /// Selects from (line, column) to (line, column), 1-based and absolute.
    fn select(&mut self, a: &HtmlTextAreaElement, start: (u32, u32), end: (u32, u32)) {
        let line = self.bring(a, start.0);
        let value = a.value();
        let from = utf16_offset(&value, line, start.1);
        let shift = line as i64 - start.0 as i64;
        let to_line = (end.0 as i64 + shift).max(line as i64) as u32;
        let to = utf16_offset(&value, to_line, end.1).max(from);
        let _ = a.focus();
        let _ = a.set_selection_range(from, to);
        scroll_to_line(a, line, self.lh);
    }

    /// Replaces bytes `at..at + len` of the whole text with `with` (an undo, a redo, a cut
    /// of the whole text): the textarea gets the window around the edit (the one it holds
    /// when the edit is in it, at the same scroll), or the whole text when that is short,
    /// and the replacement is selected. Returns what changed, for the page.
    fn replace(
        &mut self,
        a: &HtmlTextAreaElement,
        at: usize,
        len: usize,
        with: &str,
    ) -> Option<Typed> {
        let before = self.text.clone();
        let (text, splice) = replaced(&before, at, len, with)?;
        let text: Rc<str> = Rc::from(text);
        self.text = text.clone();
        self.shown = text.clone();
        let (line, column) = line_column(&text, at);
        let end = line_column(&text, at + with.len());
        let top_line = self.first() + (a.scroll_top() as f64 / self.lh) as usize;
        let keep = match self.window {
            Some(_) => !whole_again(text.len(), newlines(&text) + 1),
            None => windowed(&text),
        };
        if keep {
            let first = match self.window {
                Some(w) if line >= w.first && line < w.first + w.lines => w.first,
                _ => line.saturating_sub(WINDOW_LINES / 2),
            };
            self.show_window(a, first + WINDOW_LINES / 2, None, top_line);
        } else {
            self.window = None;
            a.set_value(&text);
            a.set_scroll_top((top_line as f64 * self.lh) as i32);
        }
        self.select(a, (line as u32 + 1, column), (end.0 as u32 + 1, end.1));
        Some(Typed {
            before,
            text,
            splice,
        })
    }
}

/// The editor following the textarea's scroll. Where it is scrolled to vertically and how
/// high it is decide which lines are drawn (a render); how far it is scrolled sideways only
/// moves the highlighted layer, which a scroll does by the layer's transform alone: typing
/// past the right edge scrolls at every key, and drawing the editor again for it cost about
/// 0.6 ms of the keystroke's frame.
#[derive(Clone)]
struct Follow {
    /// The textarea's scrollTop and clientHeight as last drawn.
    view: UseStateHandle<(f64, f64)>,
    /// The textarea's scrollLeft, and the layer's vertical offset as last drawn (the
    /// transform's two parts).
    shift: Rc<RefCell<(f64, f64)>>,
    /// The layer's `<code>`, which the transform moves.
    code: NodeRef,
}

impl Follow {
    /// Follows the textarea `a`: draws again when it scrolled vertically or changed height,
    /// or when `redraw` (its window moved, or the caret was put somewhere else), and only
    /// moves the layer sideways otherwise.
    fn follow(&self, a: &HtmlTextAreaElement, redraw: bool) {
        let (top, left, height) = (
            a.scroll_top() as f64,
            a.scroll_left() as f64,
            a.client_height() as f64,
        );
        let mut shift = self.shift.borrow_mut();
        if redraw || (top, height) != *self.view {
            shift.0 = left;
            drop(shift);
            self.view.set((top, height));
        } else if left != shift.0 {
            shift.0 = left;
            // The same attribute the render writes (so its next write, if any, replaces it).
            if let Some(code) = self.code.cast::<web_sys::Element>() {
                let _ = code.set_attribute(
                    "style",
                    &format!("transform:translate({}px,{}px)", -shift.0, shift.1),
                );
            }
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
struct Find {
    open: bool,
    query: String,
    current: usize,
}

#[function_component]
pub fn Editor(props: &EditorProps) -> Html {
    let _timed = dom::timed("view:Editor");
    let textarea = use_node_ref();
    let find_input = use_node_ref();
    let code = use_node_ref();
    let scroll = Follow {
        view: use_state(|| (0.0f64, 800.0f64)),
        shift: use_mut_ref(|| (0.0f64, 0.0f64)),
        code: code.clone(),
    };
    let find = use_state(Find::default);
    let cursor = use_state(|| (1u32, 1u32));
    let hover = use_state(|| None::<(f64, f64, u32)>);
    // After Escape, Tab leaves the editor instead of indenting (keyboard users).
    let tab_leaves = use_mut_ref(|| false);
    let doc = use_mut_ref(Doc::default);
    // The page's text is the editor's own after typing (the same `Rc`); another one, even
    // of equal content, is taken (no 6 MB comparison to learn whether it is equal).
    if !Rc::ptr_eq(&doc.borrow().text, &props.text) {
        doc.borrow_mut().text = props.text.clone();
    }
    doc.borrow_mut().lh = line_height(props.scale);
    let lang = props.lang;
    let t = |m: Msg| m.text(lang);

    // Set the text at mount, and whenever the page replaces it; the caret (and its
    // readout) go back to the start.
    {
        let textarea = textarea.clone();
        let text = props.text.clone();
        let doc = doc.clone();
        let cursor = cursor.clone();
        use_effect_with(props.loads, move |loads| {
            cursor.set((1, 1));
            if let Some(a) = area(&textarea) {
                let large = windowed(&text);
                let own = {
                    let mut d = doc.borrow_mut();
                    // Replaced by the page (an example, an action): one step of the
                    // editor's own history, when it keeps one.
                    let shown = d.shown.clone();
                    if (d.own || large) && *loads > 0 && !Rc::ptr_eq(&shown, &text) {
                        d.history.seal();
                        d.history
                            .record(&shown, Splice::between(&shown, &text), &text);
                        d.history.seal();
                    }
                    d.text = text.clone();
                    d.shown = text.clone();
                    d.window = None;
                    d.all = false;
                    if large {
                        a.set_scroll_top(0);
                        d.move_window(&a, 0);
                    }
                    d.own
                };
                // Not while the document is borrowed: insertText fires an input event.
                if large {
                } else if *loads == 0 || a.value().is_empty() {
                    a.set_value(&text);
                } else if own {
                    // With the editor's own history the browser's must stay empty: the value
                    // is set, the caret and the scroll put back at the start as
                    // `replace_all` leaves them.
                    a.set_value(&text);
                    let _ = a.set_selection_range(0, 0);
                    a.set_scroll_top(0);
                } else {
                    dom::replace_all(&a, &text);
                }
            }
        });
    }
    // Select a range the page asks for (a problem, a rule's source, a lab's object); the
    // readout follows the caret there.
    {
        let textarea = textarea.clone();
        let doc = doc.clone();
        let scroll = scroll.clone();
        let cursor = cursor.clone();
        use_effect_with(props.reveal, move |(_, span)| {
            if let (Some(a), Some(span)) = (area(&textarea), span) {
                let start = (span.start.line, span.start.column);
                let end = if span.end.line > 0 && span.end >= span.start {
                    (span.end.line, span.end.column)
                } else {
                    start
                };
                doc.borrow_mut().select(&a, start, end);
                cursor.set(start);
                scroll.follow(&a, true);
            }
        });
    }

    // Show a line near the top (a lab's object), the caret at its start, focus left alone.
    {
        let textarea = textarea.clone();
        let doc = doc.clone();
        let scroll = scroll.clone();
        let cursor = cursor.clone();
        use_effect_with(props.scroll_to, move |(count, line)| {
            if let (Some(a), true) = (area(&textarea), *count > 0 && *line > 0) {
                let mut d = doc.borrow_mut();
                let local = d.bring(&a, *line);
                let at = utf16_offset(&a.value(), local, 1);
                let _ = a.set_selection_range(at, at);
                a.set_scroll_top(((local.saturating_sub(3)) as f64 * d.lh) as i32);
                cursor.set((*line, 1));
                scroll.follow(&a, true);
            }
        });
    }

    // Of a large text, the underlines of the lines in the textarea only (all that is drawn
    // or pointed at): the whole text is not split at every keystroke.
    let marks = {
        let diagnostics = SameDiagnostics(props.diagnostics.clone());
        let text = SameText(props.text.clone());
        let window = doc.borrow().window;
        use_memo((diagnostics, text, window), |(SameDiagnostics(d), t, w)| {
            let _timed = dom::timed("editor: underlines");
            match w.and_then(|w| Some((w, w.text_in(&t.0)?))) {
                Some((w, held)) => {
                    let lines = held.bytes().filter(|b| *b == b'\n').count() + 1;
                    marks_from(d, held, w.first, lines as u32)
                }
                None => marks(d, &t.0),
            }
        })
    };
    let matches = {
        let query = find.query.clone();
        let text = SameText(props.text.clone());
        let open = find.open;
        use_memo((query, text, open), |(q, SameText(t), open)| {
            if *open {
                find_all(t, q, 10_000)
            } else {
                Vec::new()
            }
        })
    };

    // Undo (`true`) or redo from the editor's own history; false when the browser's is in
    // use (a text that was never long). The latest closure is kept for the `beforeinput`
    // listener, which is added once.
    let step_history: Rc<dyn Fn(bool) -> bool> = {
        let textarea = textarea.clone();
        let doc = doc.clone();
        let on_change = props.on_change.clone();
        let cursor = cursor.clone();
        let scroll = scroll.clone();
        let readonly = props.readonly;
        Rc::new(move |undo: bool| {
            let Some(a) = area(&textarea) else {
                return false;
            };
            let mut d = doc.borrow_mut();
            if !d.own {
                return false;
            }
            let edit = if readonly {
                None
            } else if undo {
                d.history.undo()
            } else {
                d.history.redo()
            };
            let Some(typed) = edit.and_then(|(at, len, with)| d.replace(&a, at, len, &with)) else {
                return true;
            };
            let first = d.first() as u32;
            drop(d);
            if let Ok(Some(at)) = a.selection_start() {
                let (l, c) = position_of(&a.value(), at);
                cursor.set((l + first, c));
            }
            scroll.follow(&a, true);
            on_change.emit(typed);
            true
        })
    };
    let latest_step = use_mut_ref(|| None::<Rc<dyn Fn(bool) -> bool>>);
    *latest_step.borrow_mut() = Some(step_history.clone());
    // The context menu's Undo and Redo (and any other input) announce themselves with a
    // `beforeinput` event, which Yew does not listen to; an input over a whole text selected
    // with Ctrl+A replaces the whole text.
    {
        let textarea = textarea.clone();
        let doc = doc.clone();
        let latest = latest_step.clone();
        use_effect_with((), move |_| {
            let listener = area(&textarea).map(|a| {
                gloo::events::EventListener::new_with_options(
                    &a,
                    "beforeinput",
                    gloo::events::EventListenerOptions::enable_prevent_default(),
                    move |e| {
                        let Some(a) = e
                            .target()
                            .and_then(|t| t.dyn_into::<HtmlTextAreaElement>().ok())
                        else {
                            return;
                        };
                        let kind = js_sys::Reflect::get(e, &JsValue::from_str("inputType"))
                            .ok()
                            .and_then(|v| v.as_string())
                            .unwrap_or_default();
                        if kind == "historyUndo" || kind == "historyRedo" {
                            let step = latest.borrow().clone();
                            if step.is_some_and(|step| step(kind == "historyUndo")) {
                                e.prevent_default();
                            }
                            return;
                        }
                        let mut d = doc.borrow_mut();
                        if d.selects_all(&a) {
                            d.replacing_all = true;
                        }
                        d.all = false;
                    },
                )
            });
            move || drop(listener)
        });
    }
    // Copy and cut of a whole text selected with Ctrl+A while the textarea holds a window
    // of it: the clipboard gets the whole text (and a cut empties it, one undoable step).
    let clipboard = {
        let doc = doc.clone();
        let on_change = props.on_change.clone();
        let cursor = cursor.clone();
        let scroll = scroll.clone();
        let readonly = props.readonly;
        move |e: Event, cut: bool| {
            let a: HtmlTextAreaElement = e.target_unchecked_into();
            let mut d = doc.borrow_mut();
            if !d.selects_all(&a) {
                return;
            }
            let data = js_sys::Reflect::get(&e, &JsValue::from_str("clipboardData"))
                .ok()
                .filter(|v| v.is_object());
            let set = data.as_ref().and_then(|data| {
                js_sys::Reflect::get(data, &JsValue::from_str("setData"))
                    .ok()?
                    .dyn_into::<js_sys::Function>()
                    .ok()
            });
            let (Some(data), Some(set)) = (data, set) else {
                return;
            };
            let text = JsValue::from_str(&d.text);
            if set
                .call2(&data, &JsValue::from_str("text/plain"), &text)
                .is_err()
            {
                return;
            }
            e.prevent_default();
            if !cut || readonly {
                return;
            }
            let len = d.text.len();
            let Some(typed) = d.replace(&a, 0, len, "") else {
                return;
            };
            d.history.seal();
            d.history.record(&typed.before, typed.splice, &typed.text);
            d.history.seal();
            d.all = false;
            drop(d);
            cursor.set((1, 1));
            scroll.follow(&a, true);
            on_change.emit(typed);
        }
    };
    let on_copy = {
        let clipboard = clipboard.clone();
        Callback::from(move |e: Event| clipboard(e, false))
    };
    let on_cut = Callback::from(move |e: Event| clipboard(e, true));
    let on_mousedown = {
        let doc = doc.clone();
        Callback::from(move |_: MouseEvent| {
            let mut d = doc.borrow_mut();
            d.all = false;
            d.history.seal();
        })
    };

    let on_input = {
        let on_change = props.on_change.clone();
        let cursor = cursor.clone();
        let doc = doc.clone();
        let scroll = scroll.clone();
        Callback::from(move |e: InputEvent| {
            let a: HtmlTextAreaElement = e.target_unchecked_into();
            let spliced = dom::timed("editor: text read and spliced");
            let value = a.value();
            // A browser's edit says what it did (`inputType`); a bare input event follows a
            // value set by a script (the page's loader, a test, an extension).
            let scripted = js_sys::Reflect::get(&e, &JsValue::from_str("inputType"))
                .ok()
                .and_then(|t| t.as_string())
                .is_none_or(|t| t.is_empty());
            let mut d = doc.borrow_mut();
            let before = d.text.clone();
            let whole_value = std::mem::take(&mut d.replacing_all)
                || (scripted
                    && d.window
                        .is_some_and(|w| sets_the_whole_text(&before, &w, &value)));
            if whole_value && d.window.is_some() {
                // Ctrl+A selected the whole text and this input typed, pasted or deleted
                // over it, or a script set the value: the textarea's value is the whole
                // text now.
                d.window = None;
            }
            d.all = false;
            // What changed, found in the lines the textarea holds (the rest of the text is
            // the same by construction), or between the whole texts when it holds them all
            // (or the window's bounds are not of the text: the slow, always right way).
            let (full, edit) = match d.window {
                Some(w) => {
                    let full = splice(&before, &w, &value);
                    let edit = match w.text_in(&before) {
                        Some(held) => {
                            let s = Splice::between(held, &value);
                            Splice {
                                start: s.start + w.prefix,
                                old_end: s.old_end + w.prefix,
                                new_end: s.new_end + w.prefix,
                            }
                        }
                        None => Splice::between(&before, &full),
                    };
                    (full, edit)
                }
                None => {
                    let edit = Splice::between(&before, &value);
                    (value, edit)
                }
            };
            // An input that changed nothing (the same character typed over its selection,
            // the load's own replaceAll) keeps the very text on show, so that the next key
            // is still an edit of it (`Action::Typed`) and no render compares 6 MB.
            let unchanged = edit.start == edit.old_end
                && edit.old_end == edit.new_end
                && full.len() == before.len();
            d.text = if unchanged {
                before.clone()
            } else {
                Rc::from(full)
            };
            let full = d.text.clone();
            drop(spliced);
            // Whether the textarea's value changes below (a big paste puts a window in; a
            // text grown small again goes back whole).
            // Lines are counted only when they may have crossed a threshold: a window's
            // when the edit removed something from a text short enough, a whole text's when
            // the edit brought a newline (typing a character costs no scan).
            let lines = d
                .window
                .filter(|_| edit.old_end > edit.start && full.len() < LARGE_TEXT / 2)
                .and_then(|w| {
                    let held = full.get(w.prefix..full.len().checked_sub(w.suffix)?)?;
                    Some(w.first + newlines(held) + 1 + w.after)
                });
            let rewindowed = if d.window.is_none()
                && (full.len() > LARGE_TEXT
                    || ((whole_value || full[edit.start..edit.new_end].contains('\n'))
                        && windowed(&full)))
            {
                // A big paste: from now on the textarea holds a window around the caret. A
                // text a script set is shown from its start, as a text the page loads is
                // (setting a value leaves the caret at its end, where nobody put it).
                let caret = a
                    .selection_start()
                    .ok()
                    .flatten()
                    .filter(|_| !scripted)
                    .map(|at| position_of(&full, at))
                    .unwrap_or((1, 1));
                d.window_after_paste(&a, caret);
                true
            } else if lines.is_some_and(|lines| whole_again(full.len(), lines)) {
                let first = d.first();
                let caret = a
                    .selection_start()
                    .ok()
                    .flatten()
                    .map(|at| position_of(&a.value(), at));
                d.window = None;
                a.set_value(&full);
                if let Some((l, c)) = caret {
                    let at = utf16_offset(&full, l + first as u32, c);
                    let _ = a.set_selection_range(at, at);
                }
                true
            } else {
                false
            };
            // The textarea's value is the whole text unless a window is in it (read again
            // only then: copying a long text out of the textarea costs a keystroke time).
            if let Ok(Some(at)) = a.selection_start() {
                let (l, c) = if rewindowed || d.window.is_some() {
                    position_of(&a.value(), at)
                } else {
                    position_of(&d.text, at)
                };
                cursor.set((l + d.first() as u32, c));
            }
            // Reading the textarea's geometry makes the browser lay out all its lines at
            // once (~9 ms for 1,000 lines), and the frame does that anyway: only when the
            // window changed above is it read here. When typing scrolls the textarea, its
            // scroll event (on_scroll) moves the highlighted lines with it.
            if rewindowed {
                scroll.follow(&a, true);
            }
            if d.own {
                d.history.record(&before, edit, &full);
            }
            d.shown = full.clone();
            drop(d);
            on_change.emit(Typed {
                before,
                text: full,
                splice: edit,
            });
        })
    };
    let on_scroll = {
        let scroll = scroll.clone();
        let doc = doc.clone();
        Callback::from(move |e: Event| {
            let a: HtmlTextAreaElement = e.target_unchecked_into();
            let mut d = doc.borrow_mut();
            let mut moved = false;
            if let Some(w) = d.window {
                let top = (a.scroll_top() as f64 / d.lh) as usize;
                let bottom = top + (a.client_height() as f64 / d.lh) as usize;
                let more_above = w.first > 0 && top < WINDOW_MARGIN;
                let more_below = w.suffix > 0 && bottom + WINDOW_MARGIN > w.lines;
                if more_above || more_below {
                    let center = w.first + (top + bottom) / 2;
                    d.move_window(&a, center);
                    moved = true;
                }
            }
            drop(d);
            scroll.follow(&a, moved);
        })
    };
    let update_cursor = {
        let cursor = cursor.clone();
        let scroll = scroll.clone();
        let doc = doc.clone();
        let on_cursor = props.on_cursor.clone();
        move |a: &HtmlTextAreaElement, report: bool| {
            if let Ok(Some(at)) = a.selection_start() {
                let (l, c) = position_of(&a.value(), at);
                let at = (l + doc.borrow().first() as u32, c);
                if report {
                    on_cursor.emit(at);
                    doc.borrow_mut().history.seal();
                }
                cursor.set(at);
            }
            scroll.follow(a, false);
        }
    };
    let on_keyup = {
        let update = update_cursor.clone();
        Callback::from(move |e: KeyboardEvent| {
            let moves = matches!(
                e.key().as_str(),
                "ArrowUp"
                    | "ArrowDown"
                    | "ArrowLeft"
                    | "ArrowRight"
                    | "Home"
                    | "End"
                    | "PageUp"
                    | "PageDown"
            );
            update(&e.target_unchecked_into(), moves)
        })
    };
    let on_click = {
        let update = update_cursor.clone();
        Callback::from(move |e: MouseEvent| update(&e.target_unchecked_into(), true))
    };
    let open_find = {
        let find = find.clone();
        let find_input = find_input.clone();
        move |prefill: String| {
            let mut f = (*find).clone();
            f.open = true;
            if !prefill.is_empty() && !prefill.contains('\n') {
                f.query = prefill;
            }
            find.set(f);
            let find_input = find_input.clone();
            dom::after(0, move || {
                if let Some(input) = find_input.cast::<web_sys::HtmlInputElement>() {
                    let _ = input.focus();
                    input.select();
                }
            });
        }
    };
    let on_keydown = {
        let readonly = props.readonly || props.tab_moves_focus;
        let tab_leaves = tab_leaves.clone();
        let open_find = open_find.clone();
        let step_history = step_history.clone();
        let doc = doc.clone();
        let scroll = scroll.clone();
        let on_change = props.on_change.clone();
        let cursor = cursor.clone();
        Callback::from(move |e: KeyboardEvent| {
            let a: HtmlTextAreaElement = e.target_unchecked_into();
            let key = e.key();
            let command = e.ctrl_key() || e.meta_key();
            if command && !e.alt_key() {
                let handled = match key.as_str() {
                    "z" | "Z" => step_history(!e.shift_key()),
                    "y" | "Y" if !e.shift_key() => step_history(false),
                    _ => false,
                };
                if handled {
                    e.prevent_default();
                    return;
                }
            }
            {
                let mut d = doc.borrow_mut();
                if command && !e.alt_key() && (key == "a" || key == "A") {
                    // The browser selects what the textarea holds; copy, cut and typing
                    // over it take the whole text.
                    d.all = d.window.is_some();
                    return;
                }
                if matches!(
                    key.as_str(),
                    "ArrowUp"
                        | "ArrowDown"
                        | "ArrowLeft"
                        | "ArrowRight"
                        | "Home"
                        | "End"
                        | "PageUp"
                        | "PageDown"
                        | "Escape"
                ) {
                    d.all = false;
                }
                if let Some(w) = d.window.filter(|_| command && !e.shift_key()) {
                    // Ctrl+Home and Ctrl+End go to the text's start and end: the window
                    // moves there first, then the browser moves the caret to its edge.
                    let end = w.first + w.lines + w.after;
                    let moved = match key.as_str() {
                        "Home" if w.first > 0 => {
                            d.show_window(&a, 0, None, 0);
                            true
                        }
                        "End" if w.after > 0 => {
                            d.show_window(&a, end, None, end);
                            true
                        }
                        _ => false,
                    };
                    if moved {
                        drop(d);
                        scroll.follow(&a, true);
                        return;
                    }
                }
            }
            if command && !e.alt_key() && (key == "f" || key == "F") {
                e.prevent_default();
                let value = a.value();
                let (s, end) = (
                    a.selection_start().ok().flatten().unwrap_or(0),
                    a.selection_end().ok().flatten().unwrap_or(0),
                );
                let selected: String = String::from_utf16_lossy(
                    &value
                        .encode_utf16()
                        .skip(s as usize)
                        .take((end - s) as usize)
                        .collect::<Vec<u16>>(),
                );
                open_find(selected);
                return;
            }
            if key == "Escape" {
                *tab_leaves.borrow_mut() = true;
                return;
            }
            if key == "Tab" && !command && !e.alt_key() {
                if *tab_leaves.borrow() || readonly {
                    return;
                }
                e.prevent_default();
                let mut d = doc.borrow_mut();
                if d.selects_all(&a) {
                    // Ctrl+A stands for the whole text, not the window's lines: every
                    // line of it goes in or out, one undoable step, still all selected.
                    let whole = d.text.clone();
                    let changed = indented(&whole, e.shift_key());
                    if changed == *whole {
                        return;
                    }
                    let Some(typed) = d.replace(&a, 0, whole.len(), &changed) else {
                        return;
                    };
                    d.history.seal();
                    d.history.record(&typed.before, typed.splice, &typed.text);
                    d.history.seal();
                    let _ = a.set_selection_range(0, a.text_length());
                    d.all = true;
                    drop(d);
                    cursor.set((1, 1));
                    scroll.follow(&a, true);
                    on_change.emit(typed);
                    return;
                }
                drop(d);
                indent(&a, e.shift_key());
                return;
            }
            *tab_leaves.borrow_mut() = false;
            if key == "Enter" && !command && !e.shift_key() && !e.is_composing() && !readonly {
                // Keep the indentation; one level more after `key:`, and under a list item
                // (`- port: 80` continues at the column of `port`).
                let value = a.value();
                let at = a.selection_start().ok().flatten().unwrap_or(0);
                let before: Vec<u16> = value.encode_utf16().take(at as usize).collect();
                let before = String::from_utf16_lossy(&before);
                let line = before.rsplit('\n').next().unwrap_or_default();
                let mut indent: String = line.chars().take_while(|c| *c == ' ').collect();
                let trimmed = line.trim_end();
                if trimmed.trim_start().starts_with("- ") || trimmed.ends_with(':') {
                    indent.push_str("  ");
                }
                e.prevent_default();
                dom::insert_text(&a, &format!("\n{indent}"));
            }
        })
    };
    let on_mousemove = {
        let hover = hover.clone();
        let marks = marks.clone();
        let doc = doc.clone();
        Callback::from(move |e: MouseEvent| {
            let a: HtmlTextAreaElement = e.target_unchecked_into();
            let y = e.offset_y() as f64 + a.scroll_top() as f64 - PAD_TOP;
            let line = (y / doc.borrow().lh).floor() as i64 + 1 + doc.borrow().first() as i64;
            let over = (line > 0 && marks.contains_key(&(line as u32))).then_some(line as u32);
            let next = over.map(|l| (e.offset_x() as f64, e.offset_y() as f64, l));
            if next.map(|n| n.2) != hover.map(|h| h.2) {
                hover.set(next);
            }
        })
    };
    let on_mouseleave = {
        let hover = hover.clone();
        Callback::from(move |_| hover.set(None))
    };

    // What is in view.
    let text = &props.text;
    let (top, height) = *scroll.view;
    let left = scroll.shift.borrow().0;
    // In a large text the textarea starts at the window's first line.
    let base = doc.borrow().first();
    let lh = line_height(props.scale);
    let first = ((top - PAD_TOP) / lh).floor().max(0.0) as usize;
    let first = first.saturating_sub(OVERSCAN) + base;
    let visible = (height / lh).ceil() as usize + 2 * OVERSCAN;
    let window = doc.borrow().window;
    let (lines, total) = {
        let _timed = dom::timed("editor: lines in view");
        lines_in_window(text, window, first, visible)
    };
    let offset = (first - base) as f64 * lh;
    scroll.shift.borrow_mut().1 = offset - top;
    let current_match = find.current.min(matches.len().saturating_sub(1));

    // One component per line, keyed by its number: a keystroke changes one line's props,
    // so Yew draws that line again and compares the others' props only (drawing every line
    // in view cost ~1 ms a keystroke).
    let layer = lines.iter().map(|(i, l)| {
        let number = *i as u32 + 1;
        let line_marks: Vec<Mark> = marks.get(&number).cloned().unwrap_or_default();
        let finds: Vec<(usize, usize, bool)> = matches
            .iter()
            .enumerate()
            .filter(|(_, m)| m.0 == number)
            .map(|(k, m)| (m.1, m.2, k == current_match))
            .collect();
        let lit = props.highlight.iter().any(|s| lights(s, number));
        html! {
            <Line key={number} number={number} text={AttrValue::from(l.to_string())}
                marks={line_marks} finds={finds} lit={lit} />
        }
    });
    let gutter_marks: Vec<(u32, Severity, String)> = lines
        .iter()
        .filter_map(|(i, _)| {
            let number = *i as u32 + 1;
            let ms = marks.get(&number)?;
            let worst = ms
                .iter()
                .map(|m| m.severity)
                .min()
                .unwrap_or(Severity::Warning);
            let title = ms
                .iter()
                .map(|m| m.message.clone())
                .collect::<Vec<_>>()
                .join("\n");
            Some((number, worst, title))
        })
        .collect();
    let gutter_first = lines.first().map_or(1, |(i, _)| *i as u32 + 1);
    let gutter_count = lines.len() as u32;
    let tooltip = hover.and_then(|(x, y, line)| {
        let ms = marks.get(&line)?;
        Some(html! {
            <div class="tooltip" role="tooltip"
                style={format!("left:{}px;top:{}px", x.max(0.0) + 12.0, y + 18.0)}>
                { for ms.iter().map(|m| html! {
                    <div class={if m.severity == Severity::Error { "tip-error" } else { "tip-warning" }}>{ m.message.clone() }</div>
                }) }
            </div>
        })
    });
    let cursor_marks = marks.get(&cursor.0).cloned().unwrap_or_default();

    let undo = {
        let textarea = textarea.clone();
        let step_history = step_history.clone();
        Callback::from(move |_| {
            if let Some(a) = area(&textarea).filter(|_| !step_history(true)) {
                dom::edit_command(&a, "undo");
            }
        })
    };
    let redo = {
        let textarea = textarea.clone();
        let step_history = step_history.clone();
        Callback::from(move |_| {
            if let Some(a) = area(&textarea).filter(|_| !step_history(false)) {
                dom::edit_command(&a, "redo");
            }
        })
    };
    let toggle_find = {
        let find = find.clone();
        let open_find = open_find.clone();
        Callback::from(move |_| {
            if find.open {
                find.set(Find::default());
            } else {
                open_find(String::new());
            }
        })
    };
    let go_to_match = {
        let find = find.clone();
        let textarea = textarea.clone();
        let doc = doc.clone();
        let matches = matches.clone();
        let scroll = scroll.clone();
        let find_input = find_input.clone();
        move |index: usize| {
            let mut f = (*find).clone();
            f.current = index;
            find.set(f);
            if let (Some(a), Some(m)) = (area(&textarea), matches.get(index)) {
                doc.borrow_mut()
                    .select(&a, (m.0, m.1 as u32 + 1), (m.0, m.2 as u32 + 1));
                // Typing goes on in the find field.
                if let Some(input) = find_input.cast::<web_sys::HtmlInputElement>() {
                    let _ = input.focus();
                }
                scroll.follow(&a, true);
            }
        }
    };
    let find_bar = find.open.then(|| {
        let count = matches.len();
        let on_query = {
            let find = find.clone();
            Callback::from(move |e: InputEvent| {
                let input: web_sys::HtmlInputElement = e.target_unchecked_into();
                find.set(Find { open: true, query: input.value(), current: 0 });
            })
        };
        let on_find_key = {
            let go = go_to_match.clone();
            let find = find.clone();
            let textarea = textarea.clone();
            Callback::from(move |e: KeyboardEvent| match e.key().as_str() {
                "Enter" if count > 0 => {
                    e.prevent_default();
                    let next = if e.shift_key() {
                        (current_match + count - 1) % count
                    } else if find.current >= count {
                        0
                    } else {
                        (current_match + 1) % count
                    };
                    go(next);
                }
                "Escape" => {
                    e.prevent_default();
                    find.set(Find::default());
                    if let Some(a) = area(&textarea) {
                        let _ = a.focus();
                    }
                }
                _ => {}
            })
        };
        let next = {
            let go = go_to_match.clone();
            Callback::from(move |_| if count > 0 { go((current_match + 1) % count) })
        };
        let previous = {
            let go = go_to_match.clone();
            Callback::from(move |_| if count > 0 { go((current_match + count - 1) % count) })
        };
        let close = toggle_find.clone();
        let status = if find.query.is_empty() {
            String::new()
        } else if count == 0 {
            t(Msg::FindNone).to_string()
        } else {
            Msg::FindCount.fill(lang, &[&(current_match + 1).to_string(), &count.to_string()])
        };
        html! {
            <div class="find-bar" role="search">
                <input ref={find_input.clone()} type="search" class="find-input"
                    aria-label={t(Msg::FindPlaceholder)} placeholder={t(Msg::FindPlaceholder)}
                    value={find.query.clone()} oninput={on_query} onkeydown={on_find_key} />
                <span class="find-count" aria-live="polite">{ status }</span>
                <button class="icon" onclick={previous} title={t(Msg::FindPrevious)} aria-label={t(Msg::FindPrevious)}>{ "▲" }</button>
                <button class="icon" onclick={next} title={t(Msg::FindNext)} aria-label={t(Msg::FindNext)}>{ "▼" }</button>
                <button class="icon" onclick={close} title={t(Msg::Close)} aria-label={t(Msg::Close)}>{ "×" }</button>
            </div>
        }
    });

    html! {
        <div class="editor">
            <div class="editor-toolbar">
                if !props.readonly {
                    <button onclick={undo} title="Ctrl+Z">{ t(Msg::Undo) }</button>
                    <button onclick={redo} title="Ctrl+Shift+Z">{ t(Msg::Redo) }</button>
                } else {
                    <span class="badge">{ t(Msg::ReadOnly) }</span>
                }
                <button onclick={toggle_find} title="Ctrl+F" aria-pressed={find.open.to_string()}>{ t(Msg::Find) }</button>
                if !props.readonly {
                    <button id="tab-mode" aria-pressed={props.tab_moves_focus.to_string()}
                        title={t(Msg::TabModeExplain)}
                        onclick={props.on_tab_mode.reform({ let on = props.tab_moves_focus; move |_| !on })}>
                        { if props.tab_moves_focus { t(Msg::TabMovesFocus) } else { t(Msg::TabIndents) } }
                    </button>
                }
                <span class="cursor-pos" aria-live="off">
                    { Msg::CursorAt.fill(lang, &[&cursor.0.to_string(), &cursor.1.to_string()]) }
                </span>
            </div>
            { for find_bar }
            <div class="editor-body">
                <div class="gutter" aria-hidden="true">
                    <div class="gutter-lines" style={format!("transform:translateY({}px)", offset - top)}>
                        <Gutter first={gutter_first} count={gutter_count} marks={gutter_marks} />
                    </div>
                </div>
                <div class="code">
                    <pre class="layer" aria-hidden="true"><code ref={code} style={format!("transform:translate({}px,{}px)", -left, offset - top)}>{ for layer }</code></pre>
                    <textarea
                        id="editor"
                        ref={textarea}
                        spellcheck="false"
                        wrap="off"
                        autocapitalize="off"
                        autocomplete="off"
                        readonly={props.readonly}
                        aria-label={t(Msg::EditorLabel)}
                        aria-describedby="editor-status tab-hint"
                        data-lines={total.to_string()}
                        oninput={on_input}
                        oncopy={on_copy}
                        oncut={on_cut}
                        onmousedown={on_mousedown}
                        onscroll={on_scroll}
                        onkeydown={on_keydown}
                        onkeyup={on_keyup}
                        onclick={on_click}
                        onmousemove={on_mousemove}
                        onmouseleave={on_mouseleave}
                    />
                    { for tooltip }
                </div>
            </div>
            if !props.readonly && !props.tab_moves_focus {
                <p class="tab-hint" id="tab-hint">{ t(Msg::TabHint) }</p>
            }
            <div id="editor-status" class="editor-status" aria-live="polite">
                { for cursor_marks.iter().map(|m| html! {
                    <div class={if m.severity == Severity::Error { "tip-error" } else { "tip-warning" }}>
                        { format!("{}: {}", if m.severity == Severity::Error { t(Msg::Error) } else { t(Msg::Warning) }, m.message) }
                    </div>
                }) }
            </div>
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct LineProps {
    /// The line's number (1-based).
    number: u32,
    text: AttrValue,
    /// The underlines on this line.
    marks: Vec<Mark>,
    /// The find matches on this line: start and end columns, whether it is the current one.
    finds: Vec<(usize, usize, bool)>,
    /// Lit as the source of the rule pointed at in the kube-proxy view.
    lit: bool,
}

/// One line of the highlighted layer: its tokens, underlines and find matches.
#[function_component]
fn Line(props: &LineProps) -> Html {
    let class = match props.marks.iter().map(|m| m.severity).min() {
        Some(Severity::Error) => "ln has-error",
        Some(_) => "ln has-warning",
        None => "ln",
    };
    let class = classes!(class, props.lit.then_some("src-lit"));
    html! {
        <div class={class} data-line={props.number.to_string()}>
            { for segments(&props.text, &props.marks, &props.finds).into_iter().map(|(c, s)| html! { <span class={c}>{ s }</span> }) }
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct GutterProps {
    /// The first line drawn (1-based) and how many.
    first: u32,
    count: u32,
    /// The lines drawn that have underlines: number, worst severity, their messages.
    marks: Vec<(u32, Severity, String)>,
}

/// The line numbers beside the layer's lines, marked where a line has a problem. Its own
/// component, so that a keystroke that changes no line count nor problem draws none.
#[function_component]
fn Gutter(props: &GutterProps) -> Html {
    html! {
        { for (props.first..props.first + props.count).map(|number| {
            match props.marks.iter().find(|(n, _, _)| *n == number) {
                Some((_, worst, title)) => {
                    let class = if *worst == Severity::Error {
                        "g-line g-error"
                    } else {
                        "g-line g-warning"
                    };
                    html! { <div class={class} title={title.clone()}>{ number }</div> }
                }
                None => html! { <div class="g-line">{ number }</div> },
            }
        }) }
    }
}

/// `lines` with two spaces more at the start of every line, or (`outdent`) up to two
/// fewer: what Tab and Shift+Tab do to the selected lines.
fn indented(lines: &str, outdent: bool) -> String {
    let changed: Vec<String> = lines
        .split('\n')
        .map(|l| {
            if outdent {
                l.strip_prefix("  ")
                    .or_else(|| l.strip_prefix(' '))
                    .unwrap_or(l)
                    .to_string()
            } else {
                format!("  {l}")
            }
        })
        .collect();
    changed.join("\n")
}

/// Tab and Shift+Tab: two spaces in or out, on every selected line.
fn indent(area: &HtmlTextAreaElement, outdent: bool) {
    let value = area.value();
    let units: Vec<u16> = value.encode_utf16().collect();
    let start = area.selection_start().ok().flatten().unwrap_or(0) as usize;
    let end = area.selection_end().ok().flatten().unwrap_or(0) as usize;
    let newline = b'\n' as u16;
    let single_line = !units[start.min(units.len())..end.min(units.len())].contains(&newline);
    if single_line && !outdent {
        dom::insert_text(area, "  ");
        return;
    }
    // Select whole lines, then replace them indented.
    let line_start = units[..start.min(units.len())]
        .iter()
        .rposition(|u| *u == newline)
        .map(|i| i + 1)
        .unwrap_or(0);
    let line_end = units[end.min(units.len())..]
        .iter()
        .position(|u| *u == newline)
        .map(|i| end + i)
        .unwrap_or(units.len());
    let block = String::from_utf16_lossy(&units[line_start..line_end]);
    let replacement = indented(&block, outdent);
    if replacement == block {
        return;
    }
    let _ = area.set_selection_range(line_start as u32, line_end as u32);
    dom::insert_text(area, &replacement);
    let new_len = replacement.encode_utf16().count();
    let _ = area.set_selection_range(line_start as u32, (line_start + new_len) as u32);
}

#[cfg(test)]
mod tests {
    use super::*;
    use svcplay::diag::{Pos, Stage};

    #[test]
    fn tab_and_shift_tab_move_every_line_two_spaces() {
        // Ctrl+A, Tab over a windowed text indents the whole text with this.
        assert_eq!(indented("a:\n  b: 1\n", false), "  a:\n    b: 1\n  ");
        assert_eq!(indented("  a:\n    b: 1\n  ", true), "a:\n  b: 1\n");
        // One space is taken out when there are not two; no space, nothing.
        assert_eq!(indented(" a\nb\r", true), "a\nb\r");
    }

    #[test]
    fn offsets_count_utf16_like_the_textarea() {
        let text = "a: 服务\nb: 😀x\nc";
        assert_eq!(utf16_offset(text, 1, 1), 0);
        assert_eq!(utf16_offset(text, 2, 1), 6);
        // The emoji takes two UTF-16 units.
        assert_eq!(utf16_offset(text, 2, 5), 11);
        assert_eq!(utf16_offset(text, 3, 1), 13);
        assert_eq!(position_of(text, 11), (2, 5));
        assert_eq!(position_of(text, 13), (3, 1));
    }

    #[test]
    fn diagnostics_become_underlines_on_their_line() {
        let text = "kind: Service\nspec:\n  ports:\n  - port: 99999\n";
        let mut d = Diagnostic::error(Stage::ApiServer, "Invalid value: 99999");
        d.path = "spec.ports[0].port".into();
        d.span = Some(Span {
            start: Pos {
                line: 4,
                column: 11,
            },
            end: Pos {
                line: 4,
                column: 16,
            },
        });
        let mut point = Diagnostic::warning(Stage::Hint, "selector matches no pod");
        point.span = Some(Span::at(2, 1));
        let m = marks(&[d, point], text);
        assert_eq!(m[&4][0].start, 10);
        assert_eq!(m[&4][0].end, 15);
        assert!(m[&4][0].message.starts_with("spec.ports[0].port: "));
        // A point span underlines the word there.
        assert_eq!((m[&2][0].start, m[&2][0].end), (0, 5));
        let segs = segments("  - port: 99999", &m[&4], &[]);
        let underlined: String = segs
            .iter()
            .filter(|(c, _)| c.contains("u-error"))
            .map(|(_, s)| s.as_str())
            .collect();
        assert_eq!(underlined, "99999");
    }

    #[test]
    fn a_window_splices_back_into_the_whole_text() {
        let text = "l0\nl1\nl2\nl3\nl4";
        let (w, value) = window(text, 1, 2);
        assert_eq!(value, "l1\nl2");
        assert_eq!((w.first, w.lines, w.prefix, w.suffix), (1, 2, 3, 6));
        assert_eq!(splice(text, &w, "l1\nNEW\nl2"), "l0\nl1\nNEW\nl2\nl3\nl4");
        assert_eq!(splice(text, &w, value), text);
        let (w, value) = window(text, 3, 10);
        assert_eq!((value, w.lines, w.suffix), ("l3\nl4", 2, 0));
        let (w, value) = window(text, 0, 1);
        assert_eq!((value, w.prefix), ("l0", 0));
        assert_eq!(splice(text, &w, ""), "\nl1\nl2\nl3\nl4");
        let (_, value) = window("", 0, 5);
        assert_eq!(value, "");
    }

    #[test]
    fn the_lines_in_view_and_the_count_are_those_of_a_split() {
        for text in [
            "",
            "a",
            "a\n",
            "\n\n",
            "l0\nl1\nl2\nl3\nl4",
            "l0\nl1\nl2\nl3\nl4\n",
        ] {
            let all: Vec<(usize, &str)> = text.split('\n').enumerate().collect();
            for first in 0..7 {
                for count in 0..7 {
                    let want: Vec<(usize, &str)> = all
                        .iter()
                        .copied()
                        .filter(|(i, _)| *i >= first && *i < first + count)
                        .collect();
                    assert_eq!(
                        lines_in_view(text, first, count),
                        (want, all.len()),
                        "{text:?} {first} {count}"
                    );
                }
            }
        }
    }

    #[test]
    fn find_is_case_insensitive_and_counts_characters() {
        let text = "Port: 80\n# 端口 port\nPORT";
        assert_eq!(
            find_all(text, "port", 10),
            [(1, 0, 4), (2, 5, 9), (3, 0, 4)]
        );
        assert_eq!(find_all(text, "port", 2).len(), 2);
        assert!(find_all(text, "", 10).is_empty());
    }

    #[test]
    fn an_underline_past_the_end_of_a_line_draws_blanks() {
        let m = [Mark {
            start: 3,
            end: 4,
            severity: Severity::Warning,
            message: "m".into(),
        }];
        let segs = segments("ab", &m, &[]);
        assert_eq!(
            segs.last()
                .map(|(c, s)| (c.contains("u-warning"), s.as_str())),
            Some((true, " "))
        );
    }

    /// In a windowed text, typed into: the lines in view, the line count and the
    /// underlines found in the window alone are those of the whole text.
    #[test]
    fn a_window_asked_past_the_end_ends_with_the_text() {
        for text in ["a\nb\nc\n", "a\nb\nc", "", "one line"] {
            let lines = text.split('\n').count();
            for asked in [lines, lines + 1, lines + 600] {
                let (w, value) = window(text, asked, 2);
                let want = window(text, lines.saturating_sub(2), 2);
                assert_eq!((w, value), want, "{text:?} from line {asked}");
                assert_eq!(w.text_in(text), Some(value), "{text:?} from line {asked}");
            }
        }
    }

    #[test]
    fn a_windows_lines_and_underlines_are_those_of_the_whole_text() {
        use svcplay::diag::{Pos, Stage};
        let text: String = (0..60).map(|i| format!("line {i} word\n")).collect();
        let diagnostics: Vec<Diagnostic> = [3usize, 25, 30, 59]
            .iter()
            .map(|line| {
                let mut d = Diagnostic::error(Stage::Syntax, "bad");
                d.span = Some(Span {
                    start: Pos {
                        line: *line as u32,
                        column: 6,
                    },
                    end: Pos { line: 0, column: 0 },
                });
                d
            })
            .collect();
        for (first, lines) in [(0, 10), (20, 10), (50, 30), (0, 100)] {
            let (w, value) = window(&text, first, lines);
            for typed in [
                value.to_string(),
                format!("{value}\nnew"),
                value.replacen("word", "w", 1),
            ] {
                let whole = splice(&text, &w, &typed);
                let in_window = typed.split('\n').count();
                for view in [w.first, w.first + 3, w.first + 12] {
                    // The lines past the window are not in the textarea: not drawn.
                    let (lines, total) = lines_in_view(&whole, view, 8);
                    let lines: Vec<_> = lines
                        .into_iter()
                        .filter(|(i, _)| *i < w.first + in_window)
                        .collect();
                    assert_eq!(
                        lines_in_window(&whole, Some(w), view, 8),
                        (lines, total),
                        "{first} {view}"
                    );
                }
                let held = w.text_in(&whole).expect("the window's text");
                let count = held.split('\n').count() as u32;
                let all = marks(&diagnostics, &whole);
                let windowed = marks_from(&diagnostics, held, w.first, count);
                let shown = (w.first as u32 + 1)..=(w.first as u32 + count);
                let want: BTreeMap<u32, Vec<Mark>> =
                    all.into_iter().filter(|(l, _)| shown.contains(l)).collect();
                assert_eq!(windowed, want, "{first}");
            }
        }
        // Bounds that are not of the text: the whole text is scanned.
        let (w, _) = window(&text, 20, 10);
        let other = "short\ntext";
        assert_eq!(
            lines_in_window(other, Some(w), 20, 5),
            lines_in_view(other, 20, 5)
        );
    }

    /// The text after each edit of `edits` (byte offset, bytes replaced, replacement),
    /// recorded as typing records them, with the caret moved (`seal`) where `None` is.
    fn typed(
        history: &mut History,
        text: &str,
        edits: &[Option<(usize, usize, &str)>],
    ) -> Vec<String> {
        let mut texts = vec![text.to_string()];
        for edit in edits {
            let Some((at, len, with)) = edit else {
                history.seal();
                continue;
            };
            let before = texts.last().unwrap().clone();
            let (after, splice) = replaced(&before, *at, *len, with).unwrap();
            history.record(&before, splice, &after);
            texts.push(after);
        }
        texts
    }

    fn undone(text: &str, edit: Option<(usize, usize, String)>) -> String {
        let (at, len, with) = edit.expect("a step");
        replaced(text, at, len, &with).unwrap().0
    }

    #[test]
    fn undo_takes_back_typing_a_run_at_a_time_and_redo_does_it_again() {
        let mut h = History::default();
        let texts = typed(
            &mut h,
            "ab\ncd\n",
            &[
                Some((2, 0, "x")),
                Some((3, 0, "y")),
                // A new line is a step of its own, and so is what is typed after it.
                Some((4, 0, "\n")),
                Some((5, 0, "z")),
                None,
                // Backspace twice, after the caret moved.
                Some((8, 1, "")),
                Some((7, 1, "")),
            ],
        );
        assert_eq!(texts.last().unwrap(), "abxy\nz\n\n");
        let mut text = texts.last().unwrap().clone();
        text = undone(&text, h.undo());
        assert_eq!(text, "abxy\nz\ncd\n");
        text = undone(&text, h.undo());
        assert_eq!(text, "abxy\n\ncd\n");
        text = undone(&text, h.undo());
        assert_eq!(text, "abxy\ncd\n");
        text = undone(&text, h.undo());
        assert_eq!(text, "ab\ncd\n");
        assert_eq!(h.undo(), None);
        text = undone(&text, h.redo());
        assert_eq!(text, "abxy\ncd\n");
        // An edit after an undo drops what could be redone.
        let (after, splice) = replaced(&text, 0, 0, "#").unwrap();
        h.record(&text, splice, &after);
        assert_eq!(h.redo(), None);
        text = undone(&after, h.undo());
        assert_eq!(text, "abxy\ncd\n");
    }

    #[test]
    fn the_history_keeps_the_last_thousand_steps() {
        let mut h = History::default();
        let mut text = String::new();
        for _ in 0..1100 {
            h.seal();
            let (after, splice) = replaced(&text, 0, 0, "x").unwrap();
            h.record(&text, splice, &after);
            text = after;
        }
        let mut steps = 0;
        while let Some(edit) = h.undo() {
            text = undone(&text, Some(edit));
            steps += 1;
        }
        assert_eq!((steps, text.len()), (History::MAX_STEPS, 100));
    }

    #[test]
    fn a_replaced_composition_and_forward_deletes_are_one_step() {
        let mut h = History::default();
        let texts = typed(
            &mut h,
            "a: b\n",
            &[
                Some((3, 0, "n")),
                Some((3, 1, "ni")),
                Some((3, 2, "你")),
                None,
                Some((0, 1, "")),
                Some((0, 1, "")),
            ],
        );
        assert_eq!(texts.last().unwrap(), " 你b\n");
        let text = undone(texts.last().unwrap(), h.undo());
        assert_eq!(text, "a: 你b\n");
        assert_eq!(undone(&text, h.undo()), "a: b\n");
    }

    #[test]
    fn undo_and_redo_walk_any_edit_chain_back_and_forth() {
        // Edits anywhere in a long text (as typing in a window moved around it does): undo
        // all gives every text before in turn, redo all every text after.
        let mut text: String = (0..50).map(|i| format!("line {i}\n")).collect();
        let mut h = History::default();
        let mut texts = vec![text.clone()];
        // 64 bits on every target (the browser tests build this for wasm32).
        let mut seed = 7u64;
        let mut caret = 0usize;
        for k in 0..400 {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let pick = |bits: u32, n: usize| ((seed >> bits) % n as u64) as usize;
            // Mostly as a typist goes: on at the caret, Backspace or Delete there; now and
            // then somewhere else, over a selection.
            let (at, len, with) = match pick(20, 6) {
                0 | 1 => (caret, 0, ["x", "é", "ab", "\n"][pick(30, 4)]),
                2 => (caret.saturating_sub(1), 1, ""),
                3 => (caret, 1, ""),
                _ => (
                    pick(34, text.len() + 1),
                    pick(50, 4),
                    ["", "y", "\n"][pick(56, 3)],
                ),
            };
            let at = (0..=at.min(text.len()))
                .rev()
                .find(|i| text.is_char_boundary(*i))
                .unwrap();
            let len = len.min(text.len() - at);
            let len = (0..=len)
                .rev()
                .find(|l| text.is_char_boundary(at + l))
                .unwrap();
            if k % 13 == 0 {
                h.seal();
            }
            let (after, splice) = replaced(&text, at, len, with).unwrap();
            h.record(&text, splice, &after);
            if after != text {
                texts.push(after.clone());
            }
            caret = at + with.len();
            text = after;
        }
        let mut seen = vec![text.clone()];
        while let Some(edit) = h.undo() {
            text = undone(&text, Some(edit));
            seen.push(text.clone());
        }
        assert_eq!(&text, &texts[0]);
        // Every text undo showed was one the edits made (steps join some of them).
        assert!(seen.iter().all(|t| texts.contains(t)));
        while let Some(edit) = h.redo() {
            text = undone(&text, Some(edit));
        }
        assert_eq!(&text, texts.last().unwrap());
    }

    #[test]
    fn texts_of_many_lines_are_windowed_and_go_back_whole_well_under() {
        let lines = |n: usize| "a\n".repeat(n);
        assert!(!windowed(&lines(WINDOWED_LINES - 1)));
        assert!(windowed(&lines(WINDOWED_LINES)));
        assert!(windowed(&"x".repeat(LARGE_TEXT + 1)));
        assert!(windowed(&svcplay::examples::dump::large_dump(10, 10)));
        for example in svcplay::examples::EXAMPLES {
            assert!(!windowed(example.text), "{} would be windowed", example.id);
        }
        assert!(!whole_again(1000, WINDOWED_LINES - 1));
        assert!(whole_again(1000, WINDOWED_LINES / 2));
        assert!(!whole_again(LARGE_TEXT / 2, 10));
        assert_eq!(line_column("ab\ncé\n", 6), (1, 3));
        assert_eq!(line_column("ab", 0), (0, 1));
    }
}
