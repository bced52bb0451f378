//! Located diagnostics, accumulated and rendered in rustc's shape.

use std::fmt::Write as _;

use annotate_snippets::renderer::DecorStyle;
use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};

use crate::source::{SourceFile, Span};

/// How bad a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// The spec cannot be used.
    Error,
    /// The spec can be used, but something is probably wrong.
    Warning,
}

/// A secondary location: where a clashing item was first defined, say.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    /// What the note says.
    pub message: String,
    /// Where, if anywhere.
    pub span: Option<Span>,
}

/// One problem in a spec file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// The headline, e.g. ``duplicate code `rate_limited` ``.
    pub message: String,
    /// Where.
    pub span: Span,
    /// A short label under the caret.
    pub label: Option<String>,
    /// Notes, each with an optional location.
    pub notes: Vec<Note>,
    /// A suggestion such as "did you mean `retry`?".
    pub help: Option<String>,
}

impl Diagnostic {
    /// An error at `span`.
    pub fn error(span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            message: message.into(),
            span,
            label: None,
            notes: Vec::new(),
            help: None,
        }
    }

    /// A warning at `span`.
    pub fn warning(span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(span, message)
        }
    }

    /// Adds a label under the caret.
    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    /// Adds a note pointing at `span`.
    pub fn with_note(mut self, span: Span, message: impl Into<String>) -> Self {
        self.notes.push(Note {
            message: message.into(),
            span: Some(span),
        });
        self
    }

    /// Adds a note without a location.
    pub fn with_plain_note(mut self, message: impl Into<String>) -> Self {
        self.notes.push(Note {
            message: message.into(),
            span: None,
        });
        self
    }

    /// Adds a help line.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Whether this is an error (not a warning).
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// Renders this diagnostic in rustc's shape, without colours:
    /// `error: …`, `--> file:line:col`, the source line with a caret, notes.
    pub fn render(&self, file: &SourceFile) -> String {
        let level = match self.severity {
            Severity::Error => Level::ERROR,
            Severity::Warning => Level::WARNING,
        };
        let span = clamp(self.span, &file.text);
        let snippet = Snippet::source(file.text.as_str())
            .path(file.name.as_str())
            .annotation(
                AnnotationKind::Primary
                    .span(span.start..span.end)
                    .label(self.label.as_deref()),
            );
        let mut group = level.primary_title(self.message.as_str()).element(snippet);
        for note in &self.notes {
            if note.span.is_none() {
                group = group.element(Level::NOTE.message(note.message.as_str()));
            }
        }
        if let Some(help) = &self.help {
            group = group.element(Level::HELP.message(help.as_str()));
        }
        let mut report: Vec<Group<'_>> = vec![group];
        // Located notes get their own `note:` with a `-->` line, as rustc does.
        for note in &self.notes {
            if let Some(s) = note.span {
                let s = clamp(s, &file.text);
                report.push(
                    Level::NOTE.secondary_title(note.message.as_str()).element(
                        Snippet::source(file.text.as_str())
                            .path(file.name.as_str())
                            .annotation(AnnotationKind::Primary.span(s.start..s.end)),
                    ),
                );
            }
        }
        let mut out = Renderer::plain()
            .decor_style(DecorStyle::Ascii)
            .render(&report);
        out.push('\n');
        out
    }

    /// `file:line:col` of the primary location.
    pub fn location(&self, file: &SourceFile) -> String {
        let (line, col) = file.line_col(self.span.start);
        format!("{}:{line}:{col}", file.name)
    }
}

fn clamp(span: Span, text: &str) -> Span {
    let start = span.start.min(text.len());
    let end = span.end.clamp(start, text.len());
    let mut s = Span::new(start, end);
    while s.start > 0 && !text.is_char_boundary(s.start) {
        s.start -= 1;
    }
    while s.end < text.len() && !text.is_char_boundary(s.end) {
        s.end += 1;
    }
    s
}

/// Every diagnostic for one file, in source order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    /// No diagnostics yet.
    pub fn new() -> Self {
        Diagnostics::default()
    }

    /// Records one.
    pub fn push(&mut self, d: Diagnostic) {
        self.items.push(d);
    }

    /// Whether any is an error.
    pub fn has_errors(&self) -> bool {
        self.items.iter().any(Diagnostic::is_error)
    }

    /// The diagnostics, sorted by position then severity.
    pub fn sorted(&self) -> Vec<&Diagnostic> {
        let mut v: Vec<&Diagnostic> = self.items.iter().collect();
        v.sort_by(|a, b| {
            (a.span.start, a.severity, &a.message).cmp(&(b.span.start, b.severity, &b.message))
        });
        v
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// How many.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Iterates in insertion order.
    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter()
    }

    /// Renders them all, sorted, followed by a summary line.
    pub fn render(&self, file: &SourceFile) -> String {
        let mut out = String::new();
        for d in self.sorted() {
            out.push_str(&d.render(file));
            out.push('\n');
        }
        let errors = self.items.iter().filter(|d| d.is_error()).count();
        let warnings = self.items.len() - errors;
        if errors > 0 {
            let _ = writeln!(
                out,
                "error: {} has {errors} error{}{}",
                file.name,
                plural(errors),
                if warnings > 0 {
                    format!(" and {warnings} warning{}", plural(warnings))
                } else {
                    String::new()
                }
            );
        } else if warnings > 0 {
            let _ = writeln!(
                out,
                "warning: {} has {warnings} warning{}",
                file.name,
                plural(warnings)
            );
        }
        out
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

impl Extend<Diagnostic> for Diagnostics {
    fn extend<I: IntoIterator<Item = Diagnostic>>(&mut self, iter: I) {
        self.items.extend(iter);
    }
}
