//! Stage 2: the typed, normalized catalog the generator and docs use.
//!
//! [`lower`] turns a loaded [`Spec`] into a [`Catalog`], validating each value
//! on the way (pointers, statuses, class names, header names) and reporting
//! every problem at its location. Rules that relate several values live in
//! [`crate::check`].

use std::time::Duration;

use errspec_core::delay::{DelayFormat, parse_go_duration};
use heck::ToUpperCamelCase;

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::load::{suggestion, unknown_message};
use crate::source::{Located, Span};
use crate::spec::{self, Spec, Text, ValueSourceSpec};

/// One provider: one spec file.
#[derive(Clone, Debug, PartialEq)]
pub struct Catalog {
    /// Identifier (`topmail`), used for module and file names.
    pub provider: Located<String>,
    /// Display name (`TopMail`).
    pub title: String,
    /// Where the provider documents its errors.
    pub docs_url: Option<String>,
    /// When the catalog was last checked (YYYY-MM-DD).
    pub as_of: Located<String>,
    /// About the provider.
    pub description: Option<String>,
    /// The documents the facts come from, in file order.
    pub sources: Vec<Source>,
    /// The API the bare provider name stands for: `default_api`, else the
    /// only API; `None` when there are several and none is named.
    pub default_api: Option<String>,
    /// The APIs, in file order.
    pub apis: Vec<Api>,
}

impl Catalog {
    /// The source named `name`.
    pub fn source(&self, name: &str) -> Option<&Source> {
        self.sources.iter().find(|s| s.name == name)
    }
}

/// A document the catalog's facts come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Source {
    /// Its name in the catalog (`api_errors`).
    pub name: String,
    /// Where it is.
    pub url: String,
    /// Who wrote it.
    pub kind: SourceKind,
    /// What it is or says.
    pub note: Option<String>,
}

/// Who wrote a source: how far its facts can be trusted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SourceKind {
    /// The provider's documentation.
    Official,
    /// The provider's own SDK or API description.
    Sdk,
    /// Anyone else; unverified.
    ThirdParty,
}

impl SourceKind {
    const ALL: [SourceKind; 3] = [
        SourceKind::Official,
        SourceKind::Sdk,
        SourceKind::ThirdParty,
    ];

    /// The name used in specs.
    pub const fn as_str(self) -> &'static str {
        match self {
            SourceKind::Official => "official",
            SourceKind::Sdk => "sdk",
            SourceKind::ThirdParty => "third_party",
        }
    }
}

/// A documented example response and what it must decode to.
#[derive(Clone, Debug, PartialEq)]
pub struct Example {
    /// What it shows.
    pub name: String,
    /// The sources it comes from.
    pub sources: Vec<String>,
    /// The clock when it arrives, in Unix seconds.
    pub now: u64,
    /// The status.
    pub status: u16,
    /// The headers, as written (name, value).
    pub headers: Vec<(String, String)>,
    /// The body, as sent.
    pub body: String,
    /// Whether the body was written as a YAML mapping or list (sent as JSON).
    pub body_is_json: bool,
    /// What it must decode to.
    pub expect: Expect,
    /// Where the example is.
    pub span: Span,
}

/// What an example must decode to; `None` fields are not checked.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Expect {
    /// The code as sent (`Some(None)`: no code).
    pub code: Option<Option<String>>,
    /// The retry class.
    pub retry: Option<RetryClass>,
    /// The server delay (`Some(None)`: none).
    pub delay: Option<Option<std::time::Duration>>,
    /// The message.
    pub message: Option<Option<String>>,
    /// The request id.
    pub request_id: Option<Option<String>>,
    /// The field errors: (field, message).
    pub field_errors: Option<Vec<(String, Option<String>)>>,
    /// What decided the class, as [`errspec_core::DecidedBy`] prints it.
    pub decided_by: Option<String>,
    /// Extras by name and the value each must have (`None`: absent).
    pub extras: Option<Vec<(String, Option<serde_json::Value>)>>,
    /// Whether the response is a success (`false`: a 2xx the success
    /// predicate calls a failure, or any error status).
    pub success: Option<bool>,
    /// The failed items of a batch response, in order.
    pub batch_failures: Option<Vec<ExpectedItem>>,
    /// Where `expect` is.
    pub span: Span,
}

/// An expected failed batch item; `None` fields are not checked.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExpectedItem {
    /// Its index in the request.
    pub index: Option<usize>,
    /// Its code as sent (`Some(None)`: none).
    pub code: Option<Option<String>>,
    /// Its message (`Some(None)`: none).
    pub message: Option<Option<String>>,
    /// Its class.
    pub retry: Option<RetryClass>,
}

/// The four retry classes: the runtime's own type, so the generator, the
/// generated code and the tools share one definition.
pub use errspec_core::RetryClass;

/// One API.
#[derive(Clone, Debug, PartialEq)]
pub struct Api {
    /// Identifier (`send`).
    pub name: Located<String>,
    /// Display name.
    pub title: String,
    /// About the API.
    pub description: Option<String>,
    /// Where its errors are documented.
    pub docs_url: Option<String>,
    /// Where the parts of an error body live: the API's only layout, or
    /// the first of several. It also holds what every layout shares: the
    /// code's type, the captures and the extras.
    pub body: BodyLayout,
    /// The layouts after the first, in the order they are tried, when
    /// `body` is a list (empty otherwise).
    pub alternatives: Vec<BodyLayout>,
    /// Delay, rate-limit and request-id headers.
    pub headers: Headers,
    /// The idempotency-key header, lower-case, as written.
    pub idempotency_header: Option<Located<String>>,
    /// Where else the key goes, and its rules.
    pub idempotency: Idempotency,
    /// Classes for unlisted statuses.
    pub defaults: Defaults,
    /// The status table, in file order.
    pub statuses: Vec<Status>,
    /// The code table, in file order.
    pub codes: Vec<Code>,
    /// Rules over headers, body values, code and message, in order.
    pub rules: Vec<Rule>,
    /// The rate limits the provider documents, in file order.
    pub limits: Vec<Limit>,
    /// When a 2xx is a failure, if the API says.
    pub success: Option<Success>,
    /// Per-item results of batch sends, if the API has them.
    pub batch: Option<Batch>,
    /// Documented example responses.
    pub examples: Vec<Example>,
    /// Where the API's mapping is.
    pub span: Span,
}

/// An API's success predicate (`success:`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Success {
    /// Conditions that all hold for a 2xx that is a failure (field
    /// pointers are captures of the API's layouts).
    pub failure_when: Vec<Condition>,
    /// The sources cited.
    pub sources: Vec<String>,
    /// Where `success:` is.
    pub span: Span,
}

/// Per-item results of batch sends (`batch:`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Batch {
    /// The array of items (absolute; empty: the body).
    pub items: Pointer,
    /// One item's layout: code, message and, as captures, the index and
    /// the values `failed_when` tests (pointers relative to the item).
    pub item: BodyLayout,
    /// Conditions that all hold for a failed item (empty: every item).
    pub failed_when: Vec<Condition>,
    /// Where the item's index is, relative to the item.
    pub index: Option<Pointer>,
    /// The class of a failed item whose code is absent or unlisted.
    pub retry: RetryClass,
    /// The sources cited.
    pub sources: Vec<String>,
    /// Where `batch:` is.
    pub span: Span,
}

impl Api {
    /// Whether the API has machine codes (in any of its layouts).
    pub fn has_codes(&self) -> bool {
        self.layouts().any(|b| b.code.is_some())
    }

    /// Every body layout, in the order they are tried.
    pub fn layouts(&self) -> impl Iterator<Item = &BodyLayout> {
        std::iter::once(&self.body).chain(&self.alternatives)
    }

    /// Whether decoding must choose among layouts: there are several, or
    /// the one there is applies only to some responses.
    pub fn chooses_layout(&self) -> bool {
        !self.alternatives.is_empty() || self.body.chooses()
    }

    /// The retry class of a status: the table, else the defaults.
    pub fn status_class(&self, status: u16) -> RetryClass {
        self.statuses
            .iter()
            .find(|s| s.status == status)
            .map_or_else(|| self.defaults.for_status(status), |s| s.retry)
    }

    /// The class of a response with this status and, if listed, this code:
    /// the code's `retry`, else the status's class (the order generated
    /// code follows).
    pub fn class_for(&self, code: Option<&Code>, status: u16) -> RetryClass {
        code.and_then(|c| c.retry)
            .unwrap_or_else(|| self.status_class(status))
    }

    /// The listed code whose text is `raw` (for integer codes, whose value).
    pub fn code_for(&self, raw: &str) -> Option<&Code> {
        let value = match self.body.code_type {
            CodeType::String => CodeValue::Str(raw.to_owned()),
            CodeType::Integer => CodeValue::Int(raw.trim().parse().ok()?),
        };
        self.codes.iter().find(|c| c.value == value)
    }
}

/// Retry classes for statuses the table does not list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Defaults {
    /// Unlisted 4xx (and anything below 500).
    pub client_error: RetryClass,
    /// Unlisted 5xx.
    pub server_error: RetryClass,
}

impl Defaults {
    /// The class for an unlisted status.
    pub fn for_status(self, status: u16) -> RetryClass {
        if status >= 500 {
            self.server_error
        } else {
            self.client_error
        }
    }
}

/// One row of the status table.
#[derive(Clone, Debug, PartialEq)]
pub struct Status {
    /// The HTTP status.
    pub status: u16,
    /// Its meaning for this API.
    pub meaning: String,
    /// How to retry it.
    pub retry: RetryClass,
    /// What to check or do.
    pub hint: Option<String>,
    /// The sources the row cites.
    pub sources: Vec<String>,
    /// The generated variant name (`TooManyRequests`, `Status599`).
    pub variant: String,
    /// Where the row's key is.
    pub span: Span,
}

/// A machine code's value.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CodeValue {
    /// A string code.
    Str(String),
    /// An integer code.
    Int(i64),
}

impl std::fmt::Display for CodeValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CodeValue::Str(s) => f.write_str(s),
            CodeValue::Int(i) => write!(f, "{i}"),
        }
    }
}

/// One row of the code table.
#[derive(Clone, Debug, PartialEq)]
pub struct Code {
    /// The code as the provider sends it.
    pub value: CodeValue,
    /// The generated variant name (`RateLimited`).
    pub variant: String,
    /// The statuses it comes with.
    pub statuses: Vec<u16>,
    /// What it means.
    pub description: String,
    /// A class that overrides the status's.
    pub retry: Option<RetryClass>,
    /// What to check or do.
    pub hint: Option<String>,
    /// The sources the row cites.
    pub sources: Vec<String>,
    /// Where the row's key is.
    pub span: Span,
}

impl Code {
    /// The code's class: its override, else its (first) status's class.
    pub fn effective_class(&self, api: &Api) -> RetryClass {
        self.retry.unwrap_or_else(|| {
            self.statuses
                .first()
                .map_or(RetryClass::Never, |s| api.status_class(*s))
        })
    }
}

/// A parsed JSON pointer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pointer {
    /// As written (`/error/code`).
    pub text: String,
    /// Unescaped reference tokens (`["error", "code"]`).
    pub segments: Vec<String>,
    /// Where it was written.
    pub span: Span,
}

/// JSON, XML or text bodies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BodyFormat {
    /// JSON.
    Json,
    /// XML: pointers name elements from the root element down.
    Xml,
    /// Not JSON.
    Text,
}

/// The code's type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodeType {
    /// Strings.
    String,
    /// Integers.
    Integer,
}

/// Where the code lives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CodeSource {
    /// In the body.
    Body(Pointer),
    /// In a header (lower-case name).
    Header(Located<String>),
}

/// Where field errors live.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldErrors {
    /// Pointer to an array of field errors, if any.
    pub items: Option<Pointer>,
    /// Field name, relative to an item.
    pub field: Pointer,
    /// Message, relative to an item.
    pub message: Option<Pointer>,
}

/// The layout of an error body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BodyLayout {
    /// JSON or text.
    pub format: BodyFormat,
    /// Pointer to an array of errors.
    pub errors: Option<Pointer>,
    /// Where the code lives, if the API has codes.
    pub code: Option<CodeSource>,
    /// The code's type.
    pub code_type: CodeType,
    /// The message.
    pub message: Option<Pointer>,
    /// The request id in the body.
    pub request_id: Option<Pointer>,
    /// Field errors.
    pub field_errors: Option<FieldErrors>,
    /// Where to look for the code when `code` gives none, in order.
    pub code_fallbacks: Vec<CodeSource>,
    /// How string codes are normalised.
    pub code_normalize: CodeNormalize,
    /// The body values the decoder captures (extras, body conditions, body
    /// delays), each once; users keep indexes into it ([`BodyLayout::capture`]).
    pub captures: Vec<Capture>,
    /// Named values read from the body, with typed accessors.
    pub extras: Vec<Extra>,
    /// Field errors as an object keyed by field.
    pub field_map: Option<FieldMap>,
    /// The media types this layout is for (lower-case, no parameters);
    /// empty: any.
    pub content_types: Vec<Located<String>>,
    /// The body conditions this layout is for (`Condition::Field` only);
    /// empty: none.
    pub when: Vec<Condition>,
    /// Whether the layout was written with a `content_type` or a `when`
    /// (even one with an error): it applies only to some responses.
    pub selective: bool,
    /// Where the layout is (`body:`, or its item in the list).
    pub span: Span,
}

/// Field errors as an object keyed by field (`errspec::__private::layout::FieldMapLayout`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldMap {
    /// The object.
    pub map: Pointer,
    /// The key holding a field's messages in a nested map.
    pub leaf: Option<Located<String>>,
    /// The text of a message that is an object.
    pub message: Option<Pointer>,
}

impl Default for BodyLayout {
    fn default() -> Self {
        BodyLayout {
            format: BodyFormat::Json,
            errors: None,
            code: None,
            code_type: CodeType::String,
            message: None,
            request_id: None,
            field_errors: None,
            code_fallbacks: Vec::new(),
            code_normalize: CodeNormalize::default(),
            captures: Vec::new(),
            extras: Vec::new(),
            field_map: None,
            content_types: Vec::new(),
            when: Vec::new(),
            selective: false,
            span: Span::default(),
        }
    }
}

impl BodyLayout {
    /// Whether the layout applies only to some responses (it has a
    /// `content_type` or a `when`).
    pub fn chooses(&self) -> bool {
        self.selective
    }

    /// Every body pointer of this layout's own (code, fallbacks, message,
    /// request id, field errors), each with what it is for.
    pub fn own_pointers(&self) -> Vec<(&'static str, &Pointer)> {
        let mut out: Vec<(&'static str, &Pointer)> = Vec::new();
        out.extend(self.errors.iter().map(|p| ("errors", p)));
        for source in self.code.iter().chain(&self.code_fallbacks) {
            if let CodeSource::Body(p) = source {
                out.push(("code", p));
            }
        }
        out.extend(self.message.iter().map(|p| ("message", p)));
        out.extend(self.request_id.iter().map(|p| ("request_id", p)));
        if let Some(f) = &self.field_errors {
            out.extend(f.items.iter().map(|p| ("field_errors.items", p)));
            out.push(("field_errors.field", &f.field));
            out.extend(f.message.iter().map(|p| ("field_errors.message", p)));
        }
        if let Some(f) = &self.field_map {
            out.push(("field_errors.map", &f.map));
            out.extend(f.message.iter().map(|p| ("field_errors.message", p)));
        }
        out
    }

    /// The index of `capture` in [`BodyLayout::captures`], added if new.
    pub fn capture(&mut self, capture: Capture) -> usize {
        match self.captures.iter().position(|c| c.same_as(&capture)) {
            Some(i) => i,
            None => {
                self.captures.push(capture);
                self.captures.len() - 1
            }
        }
    }

    /// How many decoder slots the captures and code fallbacks take
    /// (`errspec::__private::decode::MAX_CAPTURE_SLOTS` at most).
    pub fn capture_slots(&self) -> usize {
        let captures: usize = self.captures.iter().map(Capture::slots).sum();
        let fallbacks = self
            .code_fallbacks
            .iter()
            .filter(|c| matches!(c, CodeSource::Body(_)))
            .count();
        captures + fallbacks
    }
}

/// How a string code is normalised (`errspec::__private::layout::CodeNormalize`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CodeNormalize {
    /// Cut from the first occurrence.
    pub drop_after: Option<Located<String>>,
    /// Cut through the last occurrence.
    pub drop_through: Option<Located<String>>,
}

/// A body value the decoder captures (`errspec::__private::layout::Capture`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Capture {
    /// The value at an absolute pointer.
    At(Pointer),
    /// In an array, the first item whose `key` is `equals`: its `value`.
    Select {
        /// The array.
        array: Pointer,
        /// Relative to an item.
        key: Pointer,
        /// The text the key must have.
        equals: String,
        /// Relative to an item.
        value: Pointer,
    },
}

impl Capture {
    /// Whether two captures read the same value (wherever written).
    pub fn same_as(&self, other: &Capture) -> bool {
        match (self, other) {
            (Capture::At(a), Capture::At(b)) => a.segments == b.segments,
            (
                Capture::Select {
                    array: a1,
                    key: k1,
                    equals: e1,
                    value: v1,
                },
                Capture::Select {
                    array: a2,
                    key: k2,
                    equals: e2,
                    value: v2,
                },
            ) => {
                a1.segments == a2.segments
                    && k1.segments == k2.segments
                    && e1 == e2
                    && v1.segments == v2.segments
            }
            _ => false,
        }
    }

    /// The decoder slots it takes.
    pub fn slots(&self) -> usize {
        match self {
            Capture::At(_) => 1,
            Capture::Select { .. } => 3,
        }
    }
}

/// The type of an extra's value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExtraType {
    /// Text: `Option<&str>`.
    String,
    /// An integer: `Option<i64>` (a string of digits counts).
    Integer,
    /// A number: `Option<f64>`.
    Number,
    /// `true` or `false`: `Option<bool>`.
    Boolean,
}

impl ExtraType {
    /// Every type, by its name in specs.
    pub const ALL: [(&'static str, ExtraType); 4] = [
        ("string", ExtraType::String),
        ("integer", ExtraType::Integer),
        ("number", ExtraType::Number),
        ("boolean", ExtraType::Boolean),
    ];

    /// The name used in specs.
    pub fn as_str(self) -> &'static str {
        ExtraType::ALL
            .iter()
            .find(|(_, t)| *t == self)
            .map_or("string", |(n, _)| n)
    }
}

/// A named value read from the body (`body.extras`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Extra {
    /// The accessor's name (lower snake_case).
    pub name: Located<String>,
    /// Its sources, a fallback chain: pointers, as written.
    pub sources: Vec<Pointer>,
    /// Per source: its index in [`BodyLayout::captures`].
    pub captures: Vec<usize>,
    /// The value's type.
    pub ty: ExtraType,
}

/// Rate-limit headers (lower-case names).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RateLimit {
    /// Quota.
    pub limit: Option<Located<String>>,
    /// Remaining.
    pub remaining: Option<Located<String>>,
    /// Reset.
    pub reset: Option<Located<String>>,
    /// Unit of reset.
    pub reset_unit: ResetUnit,
}

/// Unit of a reset header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResetUnit {
    /// Unix timestamp in seconds.
    UnixSeconds,
    /// Seconds until reset.
    Seconds,
}

/// Headers (lower-case names; the spelling as written is kept for docs).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Headers {
    /// `Retry-After`.
    pub retry_after: Option<Located<String>>,
    /// Request id.
    pub request_id: Option<Located<String>>,
    /// Rate limits.
    pub rate_limit: Option<RateLimit>,
    /// Further delay sources: `delays`, and rate-limit dimensions.
    pub delays: Vec<DelaySource>,
    /// A floor on any server delay.
    pub min_delay: Option<Located<Duration>>,
    /// The server's retry directive header.
    pub should_retry: Option<Located<String>>,
}

impl Headers {
    /// Whether any header can tell a client how long to wait.
    pub fn has_delay_source(&self) -> bool {
        self.retry_after.is_some()
            || self.rate_limit.as_ref().is_some_and(|r| r.reset.is_some())
            || !self.delays.is_empty()
    }
}

/// A documented rate limit (`limits:`): the runtime's own scope type, so
/// the generator and the generated constant share one definition.
pub use errspec_core::LimitScope;

/// One documented rate limit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limit {
    /// Requests allowed per interval (at least 1).
    pub requests: u32,
    /// The interval.
    pub per: Duration,
    /// What the requests are counted against.
    pub scope: LimitScope,
    /// The sources cited.
    pub sources: Vec<String>,
    /// Where the limit is.
    pub span: Span,
}

/// Lowers one `limits` entry; `None` (with located errors) when a part is
/// missing or out of range.
fn lower_limit(spec: &Spec, l: &spec::LimitSpec, diags: &mut Diagnostics) -> Option<Limit> {
    let sources = source_refs(spec, &l.source, diags);
    let requests = l.requests.as_ref().and_then(|r| {
        let n = u32::try_from(r.value).ok().filter(|n| *n > 0);
        if n.is_none() {
            diags.push(
                Diagnostic::error(
                    r.span,
                    format!(
                        "`requests` must be from 1 to {}, found {}",
                        u32::MAX,
                        r.value
                    ),
                )
                .with_label("not a number of requests"),
            );
        }
        n
    });
    let per = l.per.as_ref().and_then(|t| {
        let per = parse_go_duration(t.value.trim()).filter(|d| !d.is_zero());
        if per.is_none() {
            diags.push(
                Diagnostic::error(
                    t.span,
                    format!("`per` is not a positive duration: `{}`", t.value),
                )
                .with_label("expected a duration such as `1s`, `1m` or `1h`")
                .with_help("write a number with a unit: `h`, `m`, `s`, `ms`"),
            );
        }
        per
    });
    let scope = match l.scope.as_ref() {
        None => Some(LimitScope::Account),
        Some(t) => match t.value.as_str() {
            "account" => Some(LimitScope::Account),
            "api_key" => Some(LimitScope::ApiKey),
            other => {
                diags.push(unknown_name(
                    t.span,
                    "limit scope",
                    other,
                    &["account", "api_key"],
                ));
                None
            }
        },
    };
    let (requests, per) = (requests?, per?);
    // Pacing spaces sends `per / requests` apart, in whole microseconds.
    if per / requests < Duration::from_micros(1) {
        let at = l.per.as_ref().map_or(l.span, |p| p.span);
        diags.push(
            Diagnostic::error(
                at,
                format!("{requests} requests per {per:?} is more than one per microsecond"),
            )
            .with_label("too fine to pace")
            .with_help("state the limit over a longer interval, or leave it out"),
        );
        return None;
    }
    Some(Limit {
        requests,
        per,
        scope: scope?,
        sources,
        span: l.span,
    })
}

/// Where an idempotency key goes besides its header, and its rules.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Idempotency {
    /// Further headers (lower-case).
    pub also_headers: Vec<Located<String>>,
    /// A pointer in a JSON request body.
    pub body: Option<Pointer>,
    /// The longest key, in bytes.
    pub max_length: Option<usize>,
    /// Whether keys must be UUIDs.
    pub uuid: bool,
}

impl Idempotency {
    /// Whether there is anything beyond the header.
    pub fn is_plain(&self) -> bool {
        *self == Idempotency::default()
    }
}

fn lower_idempotency(i: &spec::IdempotencySpec, diags: &mut Diagnostics) -> Idempotency {
    let uuid = match &i.format {
        None => false,
        Some(f) if f.value == "uuid" => true,
        Some(f) => {
            diags.push(unknown_name(f.span, "key format", &f.value, &["uuid"]));
            false
        }
    };
    let max_length = i.max_length.as_ref().and_then(|m| {
        let ok = usize::try_from(m.value).ok().filter(|n| *n > 0);
        if ok.is_none() {
            diags.push(
                Diagnostic::error(
                    m.span,
                    format!("`max_length` must be at least 1, found {}", m.value),
                )
                .with_label("no key fits"),
            );
        }
        if uuid && ok.is_some_and(|n| n < 36) {
            diags.push(
                Diagnostic::error(m.span, "`format: uuid` needs a `max_length` of at least 36")
                    .with_label("a UUID is 36 bytes")
                    .with_help("raise `max_length`, or drop `format: uuid`"),
            );
        }
        ok
    });
    Idempotency {
        also_headers: i
            .also_headers
            .iter()
            .filter_map(|h| header_name(h, diags))
            .collect(),
        body: i.body.as_ref().and_then(|p| pointer(p, diags)),
        max_length,
        uuid,
    }
}

/// Where a delay is read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DelayFrom {
    /// A header (lower-case name).
    Header(Located<String>),
    /// A body value at this pointer (from the root).
    Body(Pointer),
    /// In the array at `array`, the first item whose `key` is `equals`: its `value`.
    Item {
        /// The array.
        array: Pointer,
        /// The item's field that picks it.
        key: Pointer,
        /// The text it must have.
        equals: String,
        /// The delay, relative to the item.
        value: Pointer,
    },
}

impl DelayFrom {
    /// The body value it reads, as a capture (`None` for a header).
    pub fn capture(&self) -> Option<Capture> {
        match self {
            DelayFrom::Header(_) => None,
            DelayFrom::Body(p) => Some(Capture::At(p.clone())),
            DelayFrom::Item {
                array,
                key,
                equals,
                value,
            } => Some(Capture::Select {
                array: array.clone(),
                key: key.clone(),
                equals: equals.clone(),
                value: value.clone(),
            }),
        }
    }
}

/// When a delay applies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WhenSpent {
    /// Always.
    Always,
    /// Unless this header (lower-case) says requests remain.
    Header(Located<String>),
    /// For structured fields: members whose parameter is 0.
    Param(String),
}

/// One delay source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DelaySource {
    /// Where.
    pub from: DelayFrom,
    /// How it is written.
    pub format: DelayFormat,
    /// For structured fields: the parameter with the seconds.
    pub param: Option<String>,
    /// When it applies.
    pub when: WhenSpent,
    /// The header name or pointer as written, for reports.
    pub name: String,
    /// The sources cited (`source:`; only on `delays` entries).
    pub sources: Vec<String>,
    /// Where the source was written.
    pub span: Span,
}

/// A test on a value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Test {
    /// Exactly this.
    Equals(String),
    /// Present and not this.
    NotEquals(String),
    /// One of these.
    In(Vec<String>),
    /// Present or absent.
    Present(bool),
    /// Contains this, ignoring ASCII case.
    Contains(String),
}

/// One condition of a rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Condition {
    /// The status is in one of these inclusive ranges.
    Status(Vec<(u16, u16)>),
    /// The decoded code.
    Code(Test),
    /// A header (lower-case name).
    Header(Located<String>, Test),
    /// A body value (pointer from the root).
    Field(Pointer, Test),
    /// The decoded message.
    Message(Test),
}

/// A rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    /// Its name.
    pub name: Option<Located<String>>,
    /// Its conditions (all must hold).
    pub conditions: Vec<Condition>,
    /// The class it sets.
    pub retry: RetryClass,
    /// Why.
    pub description: Option<String>,
    /// The sources cited.
    pub sources: Vec<String>,
    /// Where the rule is.
    pub span: Span,
}

/// Lowers a loaded spec, reporting every invalid value; values with errors
/// are left out of the catalog.
pub fn lower(spec: &Spec, diags: &mut Diagnostics) -> Catalog {
    let sources: Vec<Source> = spec
        .sources
        .iter()
        .filter_map(|(name, s)| lower_source(name, s, diags))
        .collect();
    let apis: Vec<Api> = spec
        .apis
        .iter()
        .map(|(name, api)| lower_api(spec, name, api, diags))
        .collect();
    let default_api = match &spec.default_api {
        Some(d) => {
            if spec.apis.iter().all(|(name, _)| name.value != d.value) {
                let names: Vec<&str> = spec.apis.iter().map(|(n, _)| n.value.as_str()).collect();
                let diag = Diagnostic::error(d.span, unknown_message("API", &d.value))
                    .with_label("`default_api` must name one of the catalog's APIs");
                diags.push(match suggestion(&d.value, &names) {
                    Some(help) => diag.with_help(help),
                    None => diag.with_plain_note(format!("the APIs: {}", names.join(", "))),
                });
            }
            Some(d.value.clone())
        }
        None if spec.apis.len() == 1 => spec.apis.first().map(|(n, _)| n.value.clone()),
        None => None,
    };
    Catalog {
        provider: spec.provider.clone(),
        title: spec.title.value.clone(),
        docs_url: spec.docs_url.as_ref().map(|d| d.value.clone()),
        as_of: spec.as_of.clone(),
        description: spec.description.as_ref().map(|d| d.value.clone()),
        sources,
        default_api,
        apis,
    }
}

fn lower_source(name: &Text, s: &spec::SourceSpec, diags: &mut Diagnostics) -> Option<Source> {
    let kind = s.kind.as_ref().and_then(|k| {
        let kind = SourceKind::ALL.into_iter().find(|c| c.as_str() == k.value);
        if kind.is_none() {
            let names: Vec<&str> = SourceKind::ALL.iter().map(|c| c.as_str()).collect();
            diags.push(unknown_name(k.span, "source kind", &k.value, &names));
        }
        kind
    });
    let url = s.url.as_ref().and_then(|u| url(u, diags));
    if !is_identifier(&name.value) {
        diags.push(
            Diagnostic::error(
                name.span,
                format!("source name `{}` is not lower snake_case", name.value),
            )
            .with_label("expected a name such as `api_errors`"),
        );
        return None;
    }
    Some(Source {
        name: name.value.clone(),
        url: url?,
        kind: kind?,
        note: s.note.as_ref().map(|n| n.value.clone()),
    })
}

fn is_identifier(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// An absolute http(s) URL with no whitespace, as `docs_url` takes.
fn url(u: &Text, diags: &mut Diagnostics) -> Option<String> {
    let rest = u
        .value
        .strip_prefix("https://")
        .or_else(|| u.value.strip_prefix("http://"));
    match rest {
        Some(rest)
            if !rest.is_empty()
                && !rest.starts_with('/')
                && !u.value.chars().any(char::is_whitespace) =>
        {
            Some(u.value.clone())
        }
        _ => {
            diags.push(
                Diagnostic::error(u.span, format!("`{}` is not an http(s) URL", u.value))
                    .with_label("expected an absolute URL such as `https://docs.example/errors`"),
            );
            None
        }
    }
}

/// Checks that every cited source is listed under `sources`.
fn source_refs(spec: &Spec, refs: &[Text], diags: &mut Diagnostics) -> Vec<String> {
    let names: Vec<&str> = spec.sources.iter().map(|(n, _)| n.value.as_str()).collect();
    refs.iter()
        .filter_map(|r| {
            if names.contains(&r.value.as_str()) {
                Some(r.value.clone())
            } else {
                let d = Diagnostic::error(r.span, unknown_message("source", &r.value))
                    .with_label("not listed under `sources`");
                diags.push(match suggestion(&r.value, &names) {
                    Some(help) => d.with_help(help),
                    None => d.with_help(
                        "list it at the top level: `sources: { NAME: { url: …, kind: official } }`",
                    ),
                });
                None
            }
        })
        .collect()
}

fn lower_api(spec: &Spec, name: &Text, api: &spec::ApiSpec, diags: &mut Diagnostics) -> Api {
    let mut layouts: Vec<BodyLayout> = api
        .body
        .iter()
        .map(|b| lower_body(Some(b), diags))
        .collect();
    if layouts.is_empty() {
        layouts.push(lower_body(None, diags));
    }
    // An unknown `code.type` is its own error: its codes are not also
    // "integers in a string-coded API".
    let code_type_written_ok = api
        .body
        .iter()
        .filter_map(|b| b.code.as_ref()?.r#type.as_ref())
        .all(|t| matches!(t.value.as_str(), "string" | "integer"));
    let code_type = shared_code_type(&api.body, diags);
    for layout in &mut layouts {
        layout.code_type = code_type;
    }
    let mut body = layouts.remove(0);
    let mut alternatives = layouts;
    // Extras belong to the API, whichever layout wrote them.
    for alternative in &mut alternatives {
        for extra in std::mem::take(&mut alternative.extras) {
            merge_extra(&mut body, extra, diags);
        }
    }
    let mut headers = api
        .headers
        .as_ref()
        .map(|h| lower_headers(h, diags))
        .unwrap_or_default();
    headers.delays.extend(
        api.delays
            .iter()
            .filter_map(|d| lower_delay(spec, d, diags)),
    );
    headers.min_delay = api.min_delay.as_ref().and_then(|m| min_delay(m, diags));
    let rules: Vec<Rule> = api
        .rules
        .iter()
        .filter_map(|r| lower_rule(spec, r, diags))
        .collect();
    // Body conditions and body delays read values the decoder captures.
    for c in rules.iter().flat_map(|r| &r.conditions) {
        if let Condition::Field(p, _) = c {
            body.capture(Capture::At(p.clone()));
        }
    }
    for d in &headers.delays {
        if let Some(capture) = d.from.capture() {
            body.capture(capture);
        }
    }
    let success = api
        .success
        .as_ref()
        .and_then(|s| lower_success(spec, s, diags));
    for c in success.iter().flat_map(|s| &s.failure_when) {
        if let Condition::Field(p, _) = c {
            body.capture(Capture::At(p.clone()));
        }
    }
    let batch = api
        .batch
        .as_ref()
        .and_then(|b| lower_batch(spec, b, code_type, diags));
    // A layout's conditions are tested on what it captured; every layout
    // captures the same values, so an index means the same in each.
    let chosen_by: Vec<Pointer> = std::iter::once(&body)
        .chain(&alternatives)
        .flat_map(|l| &l.when)
        .filter_map(|c| match c {
            Condition::Field(p, _) => Some(p.clone()),
            _ => None,
        })
        .collect();
    for p in chosen_by {
        body.capture(Capture::At(p));
    }
    for alternative in &mut alternatives {
        alternative.captures = body.captures.clone();
    }
    let mut defaults = Defaults {
        client_error: RetryClass::Never,
        server_error: RetryClass::Backoff,
    };
    for (key, class) in &api.defaults {
        let Some(class) = retry_class(class, diags) else {
            continue;
        };
        match key.value.as_str() {
            "4xx" => defaults.client_error = class,
            "5xx" => defaults.server_error = class,
            other => diags.push(unknown_name(
                key.span,
                "status class",
                other,
                &["4xx", "5xx"],
            )),
        }
    }
    let statuses = api
        .statuses
        .iter()
        .filter_map(|(key, s)| {
            let status = status_key(key, diags);
            let retry = s.retry.as_ref().and_then(|r| retry_class(r, diags));
            Some(Status {
                status: status?,
                meaning: s.meaning.as_ref()?.value.clone(),
                retry: retry?,
                hint: s.hint.as_ref().map(|h| h.value.clone()),
                sources: source_refs(spec, &s.source, diags),
                variant: status_variant(status?),
                span: key.span,
            })
        })
        .collect();
    let codes = api
        .codes
        .iter()
        .filter_map(|(key, c)| {
            let sources = source_refs(spec, &c.source, diags);
            lower_code(&body, code_type_written_ok, key, c, diags)
                .map(|code| Code { sources, ..code })
        })
        .collect();
    let examples = api
        .examples
        .iter()
        .filter_map(|e| lower_example(spec, &body, e, diags))
        .collect();
    let limits = api
        .limits
        .iter()
        .filter_map(|l| lower_limit(spec, l, diags))
        .collect();
    Api {
        name: name.clone(),
        title: api.title.as_ref().map_or_else(
            || format!("{} {}", spec.title.value, name.value),
            |t| t.value.clone(),
        ),
        description: api.description.as_ref().map(|d| d.value.clone()),
        docs_url: api
            .docs_url
            .as_ref()
            .or(spec.docs_url.as_ref())
            .map(|d| d.value.clone()),
        body,
        alternatives,
        headers,
        idempotency_header: api
            .idempotency
            .as_ref()
            .and_then(|i| i.header.as_ref())
            .and_then(|h| header_name(h, diags)),
        idempotency: api
            .idempotency
            .as_ref()
            .map(|i| lower_idempotency(i, diags))
            .unwrap_or_default(),
        defaults,
        statuses,
        codes,
        rules,
        limits,
        success,
        batch,
        examples,
        span: name.span,
    }
}

/// Lowers `success:`; `None` (with located errors) when its conditions
/// have an error or there are none.
fn lower_success(spec: &Spec, s: &spec::SuccessSpec, diags: &mut Diagnostics) -> Option<Success> {
    let sources = source_refs(spec, &s.source, diags);
    let when = s.failure_when.as_ref()?;
    let failure_when = lower_when(when, diags)?;
    if failure_when.is_empty() {
        diags.push(
            Diagnostic::error(when.span, "`failure_when` has no condition")
                .with_label("every 2xx would be a failure")
                .with_help("test what a failed 2xx says: `failure_when: {field: {pointer: /ok, equals: false}}`"),
        );
        return None;
    }
    Some(Success {
        failure_when,
        sources,
        span: s.span,
    })
}

/// Lowers `batch:`; `None` (with located errors) when a part has an error.
fn lower_batch(
    spec: &Spec,
    b: &spec::BatchSpec,
    code_type: CodeType,
    diags: &mut Diagnostics,
) -> Option<Batch> {
    let sources = source_refs(spec, &b.source, diags);
    let mut ok = true;
    let mut relative = |p: &Option<Text>, diags: &mut Diagnostics| match p {
        None => None,
        Some(p) => {
            let lowered = pointer(p, diags);
            ok &= lowered.is_some();
            lowered
        }
    };
    let items = relative(&b.items, diags);
    let index = relative(&b.index, diags);
    let code = relative(&b.code, diags);
    let message = relative(&b.message, diags);
    let retry = match &b.retry {
        Some(r) => retry_class(r, diags),
        None => Some(RetryClass::Never),
    };
    let failed_when = match &b.failed_when {
        None => Vec::new(),
        Some(when) => {
            let conditions = lower_when(when, diags)?;
            for c in &conditions {
                let what = match c {
                    Condition::Field(..) | Condition::Message(_) => continue,
                    Condition::Code(_) if code.is_some() || b.code.is_some() => continue,
                    Condition::Code(_) => {
                        diags.push(
                            Diagnostic::error(when.span, "`failed_when` tests the code, but `batch` has no `code`")
                                .with_label("`code` never holds")
                                .with_help("say where an item's code is with `code: /ErrorCode`, or test it with `field`"),
                        );
                        ok = false;
                        continue;
                    }
                    Condition::Status(_) => "status",
                    Condition::Header(..) => "header",
                };
                ok = false;
                diags.push(
                    Diagnostic::error(
                        when.span,
                        format!("`failed_when` tests an item, not the {what}"),
                    )
                    .with_label(format!("`{what}` is the whole response's"))
                    .with_help("test the item's values with `field: {pointer: …}` (relative to the item), `code` or `message`"),
                );
            }
            if conditions.is_empty() {
                diags.push(
                    Diagnostic::error(when.span, "`failed_when` has no condition")
                        .with_label("nothing to test")
                        .with_help("leave `failed_when` out when every item is a failure"),
                );
                ok = false;
            }
            conditions
        }
    };
    let mut item = BodyLayout {
        code: code.map(CodeSource::Body),
        code_type,
        message,
        span: b.span,
        ..BodyLayout::default()
    };
    if let Some(p) = &index {
        item.capture(Capture::At(p.clone()));
    }
    for c in &failed_when {
        if let Condition::Field(p, _) = c {
            item.capture(Capture::At(p.clone()));
        }
    }
    if !ok {
        return None;
    }
    Some(Batch {
        items: items?,
        item,
        failed_when,
        index,
        retry: retry?,
        sources,
        span: b.span,
    })
}

/// The code's type every layout shares: the one written (`code.type`),
/// else `string`. Layouts that write different types are an error: one
/// `codes` table serves them all.
fn shared_code_type(bodies: &[spec::BodySpec], diags: &mut Diagnostics) -> CodeType {
    let mut first: Option<(CodeType, &Text)> = None;
    for t in bodies
        .iter()
        .filter_map(|b| b.code.as_ref()?.r#type.as_ref())
    {
        let ty = match t.value.as_str() {
            "string" => CodeType::String,
            "integer" => CodeType::Integer,
            _ => continue, // reported where the layout is lowered
        };
        match first {
            None => first = Some((ty, t)),
            Some((shared, at)) if shared != ty => diags.push(
                Diagnostic::error(
                    t.span,
                    format!(
                        "layouts disagree on the code's type: `{}` here, `{}` before",
                        t.value, at.value
                    ),
                )
                .with_label("a different type")
                .with_note(at.span, "the first layout's type")
                .with_help("every layout's code is looked up in the one `codes` table: write the same `type` (or leave it out where it is the first's)"),
            ),
            Some(_) => {}
        }
    }
    first.map_or(CodeType::String, |(ty, _)| ty)
}

/// Adds an extra written in a later layout to the API's: a new name is a
/// new extra; a name the API has already reads from its pointers too (the
/// first present wins), and must have the same type.
fn merge_extra(body: &mut BodyLayout, extra: Extra, diags: &mut Diagnostics) {
    let captures: Vec<usize> = extra
        .sources
        .iter()
        .map(|p| body.capture(Capture::At(p.clone())))
        .collect();
    match body
        .extras
        .iter_mut()
        .find(|e| e.name.value == extra.name.value)
    {
        None => body.extras.push(Extra { captures, ..extra }),
        Some(known) if known.ty != extra.ty => diags.push(
            Diagnostic::error(
                extra.name.span,
                format!(
                    "extra `{}` is a {} here and a {} in an earlier layout",
                    extra.name.value,
                    extra.ty.as_str(),
                    known.ty.as_str()
                ),
            )
            .with_label("a different type")
            .with_note(known.name.span, "first defined here")
            .with_help("an extra is one accessor of the API's error: give it one type"),
        ),
        Some(known) => {
            for (p, c) in extra.sources.into_iter().zip(captures) {
                if !known.captures.contains(&c) {
                    known.sources.push(p);
                    known.captures.push(c);
                }
            }
        }
    }
}

fn lower_headers(h: &spec::HeadersSpec, diags: &mut Diagnostics) -> Headers {
    let mut delays = Vec::new();
    let rate_limit = h.rate_limit.as_ref().map(|r| {
        let format = reset_format(r, diags);
        let remaining = r.remaining.as_ref().and_then(|n| header_name(n, diags));
        let reset = r.reset.as_ref().and_then(|n| header_name(n, diags));
        let legacy = match format {
            DelayFormat::UnixSeconds => Some(ResetUnit::UnixSeconds),
            DelayFormat::Seconds => Some(ResetUnit::Seconds),
            _ => None,
        };
        // A reset in another format is one more delay source.
        if legacy.is_none()
            && let (Some(reset), Some(written)) = (&reset, &r.reset)
        {
            delays.push(dimension_delay(reset, written, format, remaining.as_ref()));
        }
        RateLimit {
            limit: r.limit.as_ref().and_then(|n| header_name(n, diags)),
            remaining: remaining.clone(),
            reset: if legacy.is_some() { reset } else { None },
            reset_unit: legacy.unwrap_or(ResetUnit::UnixSeconds),
        }
    });
    for r in &h.rate_limit_dimensions {
        let format = reset_format(r, diags);
        let remaining = r.remaining.as_ref().and_then(|n| header_name(n, diags));
        let _ = r.limit.as_ref().and_then(|n| header_name(n, diags));
        if let Some(written) = &r.reset
            && let Some(reset) = header_name(written, diags)
        {
            delays.push(dimension_delay(&reset, written, format, remaining.as_ref()));
        }
    }
    Headers {
        retry_after: h.retry_after.as_ref().and_then(|n| header_name(n, diags)),
        request_id: h.request_id.as_ref().and_then(|n| header_name(n, diags)),
        rate_limit,
        delays,
        min_delay: None,
        should_retry: h.should_retry.as_ref().and_then(|n| header_name(n, diags)),
    }
}

/// A rate-limit dimension's reset as a delay source: it applies unless its
/// `remaining` header says requests remain.
fn dimension_delay(
    reset: &Located<String>,
    written: &Text,
    format: DelayFormat,
    remaining: Option<&Located<String>>,
) -> DelaySource {
    DelaySource {
        from: DelayFrom::Header(reset.clone()),
        format,
        param: None,
        when: remaining.map_or(WhenSpent::Always, |r| WhenSpent::Header(r.clone())),
        name: written.value.clone(),
        sources: Vec::new(),
        span: written.span,
    }
}

/// A rate limit's `reset_unit`: any delay format, `unix_seconds` by default.
fn reset_format(r: &spec::RateLimitSpec, diags: &mut Diagnostics) -> DelayFormat {
    r.reset_unit
        .as_ref()
        .and_then(|u| delay_format(u, "reset unit", diags))
        .unwrap_or(DelayFormat::UnixSeconds)
}

fn delay_format(t: &Text, what: &str, diags: &mut Diagnostics) -> Option<DelayFormat> {
    let format = DelayFormat::from_name(&t.value);
    if format.is_none() {
        let names: Vec<&str> = DelayFormat::ALL.iter().map(|f| f.as_str()).collect();
        diags.push(unknown_name(t.span, what, &t.value, &names));
    }
    format
}

/// `min_delay: 1s`: a duration.
fn min_delay(t: &Text, diags: &mut Diagnostics) -> Option<Located<Duration>> {
    match parse_go_duration(t.value.trim()) {
        Some(d) => Some(Located::new(d, t.span)),
        None => {
            diags.push(
                Diagnostic::error(
                    t.span,
                    format!("`min_delay` is not a duration: `{}`", t.value),
                )
                .with_label("expected a duration such as `1s` or `500ms`")
                .with_help("write a number with a unit: `h`, `m`, `s`, `ms`"),
            );
            None
        }
    }
}

fn lower_delay(spec: &Spec, d: &spec::DelaySpec, diags: &mut Diagnostics) -> Option<DelaySource> {
    let sources = source_refs(spec, &d.source, diags);
    let format = match &d.format {
        Some(f) => delay_format(f, "delay format", diags),
        None if d
            .header
            .as_ref()
            .is_some_and(|h| h.value.eq_ignore_ascii_case("retry-after")) =>
        {
            Some(DelayFormat::SecondsOrDate)
        }
        None => {
            diags.push(
                Diagnostic::error(d.span, "a delay source needs a `format`")
                    .with_label("how is this delay written?")
                    .with_plain_note(format!(
                        "formats: {}",
                        DelayFormat::ALL.map(|f| f.as_str()).join(", ")
                    )),
            );
            None
        }
    };
    let structured = format == Some(DelayFormat::Structured);
    let param = match (&d.param, structured) {
        (Some(p), true) => Some(p.value.clone()),
        (None, true) => {
            diags.push(
                Diagnostic::error(d.span, "a `structured` delay needs a `param`")
                    .with_label("which parameter holds the seconds?")
                    .with_help("the IETF `RateLimit` field's reset is `param: t`"),
            );
            None
        }
        (Some(p), false) => {
            diags.push(
                Diagnostic::error(p.span, "`param` applies only to `format: structured`")
                    .with_label("has no effect")
                    .with_help("remove `param`, or set `format: structured`"),
            );
            None
        }
        (None, false) => None,
    };
    let when = match &d.when_zero {
        None => WhenSpent::Always,
        Some(w) if structured => WhenSpent::Param(w.value.clone()),
        Some(w) => WhenSpent::Header(header_name(w, diags)?),
    };
    let (from, name) = match (&d.header, &d.pointer) {
        (Some(h), None) => {
            if let Some(item) = &d.item {
                diags.push(
                    Diagnostic::error(
                        item.span,
                        "`item` needs a body `pointer` to an array, not a `header`",
                    )
                    .with_label("an item of what?"),
                );
            }
            (DelayFrom::Header(header_name(h, diags)?), h.value.clone())
        }
        (None, Some(p)) => {
            let array = pointer(p, diags)?;
            let from = match &d.item {
                None => DelayFrom::Body(array),
                Some(item) => {
                    let w = item.where_.as_ref()?;
                    DelayFrom::Item {
                        array,
                        key: pointer(w.pointer.as_ref()?, diags)?,
                        equals: w.equals.as_ref()?.value.clone(),
                        value: pointer(item.value.as_ref()?, diags)?,
                    }
                }
            };
            (from, p.value.clone())
        }
        (Some(_), Some(p)) => {
            diags.push(
                Diagnostic::error(
                    p.span,
                    "a delay source takes either `header` or `pointer`, not both",
                )
                .with_label("second source"),
            );
            return None;
        }
        (None, None) => {
            diags.push(
                Diagnostic::error(d.span, "a delay source needs a `header` or a `pointer`")
                    .with_label("no place to read the delay"),
            );
            return None;
        }
    };
    Some(DelaySource {
        from,
        format: format?,
        param: if structured { Some(param?) } else { None },
        when,
        name,
        sources,
        span: d.span,
    })
}

fn lower_rule(spec: &Spec, r: &spec::RuleSpec, diags: &mut Diagnostics) -> Option<Rule> {
    let sources = source_refs(spec, &r.source, diags);
    let retry = r.retry.as_ref().and_then(|t| retry_class(t, diags));
    let conditions = lower_when(r.when.as_ref()?, diags)?;
    Some(Rule {
        name: r.name.clone(),
        conditions,
        retry: retry?,
        description: r.description.as_ref().map(|d| d.value.clone()),
        sources,
        span: r.span,
    })
}

/// A layout's `when`: body conditions only, since it is tested on what the
/// layout decoded (a header chooses with `content_type`).
fn layout_conditions(when: &spec::WhenSpec, diags: &mut Diagnostics) -> Option<Vec<Condition>> {
    let conditions = lower_when(when, diags)?;
    let mut ok = true;
    for c in &conditions {
        let what = match c {
            Condition::Field(..) => continue,
            Condition::Status(_) => "status",
            Condition::Code(_) => "code",
            Condition::Header(..) => "header",
            Condition::Message(_) => "message",
        };
        ok = false;
        diags.push(
            Diagnostic::error(
                when.span,
                format!("a layout's `when` tests the body, not the {what}"),
            )
            .with_label(format!("`{what}` chooses nothing here"))
            .with_help("test a body value with `field: {pointer: …, present: true}`; choose by header with `content_type`"),
        );
    }
    if conditions.is_empty() {
        ok = false;
        diags.push(
            Diagnostic::error(when.span, "a layout's `when` has no condition")
                .with_label("nothing to test")
                .with_help("test a body value: `when: {field: {pointer: /type, present: true}}`"),
        );
    }
    ok.then_some(conditions)
}

/// A `content_type`: a media type without parameters, kept lower-case.
fn media_type(t: &Text, diags: &mut Diagnostics) -> Option<Located<String>> {
    let token = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+.^_`|~-".contains(&b))
    };
    let well_formed = t
        .value
        .split_once('/')
        .is_some_and(|(ty, sub)| token(ty) && token(sub));
    if !well_formed {
        let d = Diagnostic::error(t.span, format!("malformed media type `{}`", t.value))
            .with_label("expected `type/subtype`");
        diags.push(if t.value.contains(';') {
            d.with_help("leave out parameters such as `; charset=utf-8`: only the media type is compared")
        } else {
            d.with_help("write the media type the API sends, e.g. `application/xml` or `application/problem+json`")
        });
        return None;
    }
    Some(Located::new(t.value.to_ascii_lowercase(), t.span))
}

/// A `when` mapping's conditions; `None` when one of them has an error.
fn lower_when(when: &spec::WhenSpec, diags: &mut Diagnostics) -> Option<Vec<Condition>> {
    let mut conditions = Vec::new();
    let mut ok = true;
    if when.status_span.is_some() {
        let mut ranges = Vec::new();
        for s in &when.status {
            match status_match(s, diags) {
                Some(range) => ranges.push(range),
                None => ok = false,
            }
        }
        // The loader reported an empty list, or the items it dropped.
        if ranges.is_empty() {
            ok = false;
        }
        conditions.push(Condition::Status(ranges));
    }
    if let Some((_, t)) = test_of(&when.code, "code", &mut ok, diags) {
        conditions.push(Condition::Code(t));
    }
    if let Some((spec, t)) = test_of(&when.header, "header", &mut ok, diags) {
        match spec.name.as_ref().and_then(|n| header_name(n, diags)) {
            Some(name) => conditions.push(Condition::Header(name, t)),
            None => ok = false,
        }
    }
    if let Some((spec, t)) = test_of(&when.field, "field", &mut ok, diags) {
        match spec.pointer.as_ref().and_then(|p| pointer(p, diags)) {
            Some(p) => conditions.push(Condition::Field(p, t)),
            None => ok = false,
        }
    }
    if let Some((_, t)) = test_of(&when.message, "message", &mut ok, diags) {
        conditions.push(Condition::Message(t));
    }
    ok.then_some(conditions)
}

/// A condition's test, lowered; `ok` becomes false when it has an error.
fn test_of<'t>(
    t: &'t Option<spec::TestSpec>,
    what: &str,
    ok: &mut bool,
    diags: &mut Diagnostics,
) -> Option<(&'t spec::TestSpec, Test)> {
    let t = t.as_ref()?;
    let lowered = lower_test(t, what, diags);
    *ok &= lowered.is_some();
    lowered.map(|l| (t, l))
}

/// `403` or `4xx`, as an inclusive range.
fn status_match(s: &Text, diags: &mut Diagnostics) -> Option<(u16, u16)> {
    let text = s.value.trim();
    if let [d @ b'1'..=b'5', b'x', b'x'] = text.as_bytes() {
        let hundreds = u16::from(d - b'0') * 100;
        return Some((hundreds, hundreds + 99));
    }
    match text.parse::<i128>() {
        Ok(v) => status_value(v, s.span, diags).map(|s| (s, s)),
        Err(_) => {
            diags.push(
                Diagnostic::error(
                    s.span,
                    format!("`{}` is not a status or a status class", s.value),
                )
                .with_label("expected `403`, `4xx` or `5xx`"),
            );
            None
        }
    }
}

/// The one operator of a test.
fn lower_test(t: &spec::TestSpec, what: &str, diags: &mut Diagnostics) -> Option<Test> {
    let mut found: Vec<(&str, Test)> = Vec::new();
    if let Some(v) = &t.equals {
        found.push(("equals", Test::Equals(v.value.clone())));
    }
    if let Some(v) = &t.not_equals {
        found.push(("not_equals", Test::NotEquals(v.value.clone())));
    }
    if let Some(v) = &t.r#in {
        found.push(("in", Test::In(v.iter().map(|v| v.value.clone()).collect())));
    }
    if let Some(v) = &t.present {
        found.push(("present", Test::Present(v.value)));
    }
    if let Some(v) = &t.contains {
        found.push(("contains", Test::Contains(v.value.clone())));
    }
    match found.len() {
        1 => found.pop().map(|(_, t)| t),
        0 => {
            diags.push(
                Diagnostic::error(t.span, format!("`{what}` needs a test"))
                    .with_label("nothing to test")
                    .with_help("give one of `equals`, `not_equals`, `in`, `present`, `contains`"),
            );
            None
        }
        _ => {
            let names: Vec<String> = found.iter().map(|(n, _)| format!("`{n}`")).collect();
            diags.push(
                Diagnostic::error(
                    t.span,
                    format!("`{what}` takes one test, found {}", names.join(" and ")),
                )
                .with_label("more than one test")
                .with_help("write a second rule, or use `in` for several values"),
            );
            None
        }
    }
}

fn lower_code(
    body: &BodyLayout,
    code_type_written_ok: bool,
    key: &Text,
    c: &spec::CodeSpec,
    diags: &mut Diagnostics,
) -> Option<Code> {
    let value = match body.code_type {
        CodeType::String => CodeValue::Str(key.value.clone()),
        CodeType::Integer => match key.value.trim().parse::<i64>() {
            Ok(i) => CodeValue::Int(i),
            Err(_) if key.value.trim().parse::<i128>().is_ok() => {
                diags.push(
                    Diagnostic::error(
                        key.span,
                        format!("integer code `{}` is out of range", key.value),
                    )
                    .with_label("integer codes are 64-bit signed integers"),
                );
                return None;
            }
            Err(_) => {
                diags.push(
                    Diagnostic::error(
                        key.span,
                        format!(
                            "code `{}` is not an integer, but the API's codes are",
                            key.value
                        ),
                    )
                    .with_label("expected an integer code")
                    .with_help("set `body.code.type: string`, or write the code as an integer"),
                );
                return None;
            }
        },
    };
    let variant = match &c.variant {
        Some(v) => {
            let valid = v.value.starts_with(|ch: char| ch.is_ascii_uppercase())
                && v.value.bytes().all(|b| b.is_ascii_alphanumeric());
            if !valid {
                diags.push(
                    Diagnostic::error(
                        v.span,
                        format!("variant `{}` is not an UpperCamelCase Rust name", v.value),
                    )
                    .with_label(
                        "expected ASCII letters and digits, starting with an upper-case letter",
                    )
                    .with_help("e.g. `variant: UnknownCode`"),
                );
                return None;
            }
            Some(v.value.clone())
        }
        None => code_variant(&value),
    };
    if variant.is_none() {
        diags.push(
            Diagnostic::error(
                key.span,
                format!(
                    "code `{}` cannot be turned into a Rust identifier",
                    key.value
                ),
            )
            .with_label("needs at least one ASCII letter or digit"),
        );
    }
    if c.key_is_integer
        && body.code_type == CodeType::String
        && body.code.is_some()
        && code_type_written_ok
    {
        diags.push(
            Diagnostic::warning(
                key.span,
                format!(
                    "code `{}` is written as an integer, but the API's codes are strings",
                    key.value
                ),
            )
            .with_label(format!("read as the string \"{}\"", key.value))
            .with_help(format!(
                "set `body.code.type: integer` if the provider sends a JSON number, or quote the code (`\"{}\":`) if it sends a string",
                key.value
            )),
        );
    }
    let mut statuses = Vec::new();
    for s in &c.status {
        if let Some(s) = status_value(s.value, s.span, diags) {
            statuses.push(s);
        }
    }
    // An empty list (`status: []`) was reported while loading; an absent
    // `status` is fine: the docs give none.
    if c.status.is_empty() && c.status_span != key.span {
        return None;
    }
    // An invalid class is reported here; the code stays, so the rules that
    // relate it to the rest (its status is listed, …) still run.
    let retry = c.retry.as_ref().and_then(|r| retry_class(r, diags));
    Some(Code {
        value,
        variant: variant?,
        statuses: (statuses.len() == c.status.len()).then_some(statuses)?,
        description: c.description.as_ref()?.value.clone(),
        retry,
        hint: c.hint.as_ref().map(|h| h.value.clone()),
        sources: Vec::new(),
        span: key.span,
    })
}

fn lower_example(
    spec: &Spec,
    layout: &BodyLayout,
    e: &spec::ExampleSpec,
    diags: &mut Diagnostics,
) -> Option<Example> {
    let sources = source_refs(spec, &e.source, diags);
    let response = e.response.as_ref()?;
    let status = response
        .status
        .as_ref()
        .and_then(|s| status_value(s.value, s.span, diags));
    let mut headers = Vec::new();
    for (name, value) in &response.headers {
        header_name(name, diags);
        if value
            .value
            .bytes()
            .any(|b| b.is_ascii_control() && b != b'\t')
        {
            diags.push(
                Diagnostic::error(value.span, "a header value cannot hold control characters")
                    .with_label("not a valid header value"),
            );
        }
        headers.push((name.value.clone(), value.value.clone()));
    }
    let (body, body_is_json) = match &response.body {
        None => (String::new(), false),
        Some(spec::ExampleBody::Json(j)) => (j.value.clone(), true),
        Some(spec::ExampleBody::Text(t)) => (t.value.clone(), false),
    };
    let x = e.expect.as_ref()?;
    let text = |v: &Option<Located<Option<String>>>| v.as_ref().map(|v| v.value.clone());
    let delay = match &x.delay {
        None => None,
        Some(Located { value: None, .. }) => Some(None),
        Some(Located {
            value: Some(d),
            span,
        }) => match parse_duration(d) {
            Some(d) => Some(Some(d)),
            None => {
                diags.push(
                    Diagnostic::error(*span, format!("`{d}` is not a duration")).with_label(
                        "expected a number and a unit: `3s`, `1.5s`, `500ms`, `2m`, `1h`",
                    ),
                );
                None
            }
        },
    };
    let retry = match &x.retry {
        Some(r) => Some(retry_class(r, diags)?),
        None => None,
    };
    let extras = x.extras.as_ref().map(|extras| {
        let names: Vec<&str> = layout
            .extras
            .iter()
            .map(|e| e.name.value.as_str())
            .collect();
        for (name, _) in extras {
            if !names.contains(&name.value.as_str()) {
                let mut d =
                    Diagnostic::error(name.span, format!("the API has no extra `{}`", name.value))
                        .with_label("not under `body.extras`");
                d = match suggestion(&name.value, &names) {
                    Some(help) => d.with_help(help),
                    None => d,
                };
                diags.push(d);
            }
        }
        extras
            .iter()
            .map(|(name, value)| (name.value.clone(), value.value.clone()))
            .collect()
    });
    Some(Example {
        name: e.name.as_ref()?.value.clone(),
        sources,
        now: e
            .now
            .as_ref()
            .map_or(0, |n| u64::try_from(n.value).unwrap_or(u64::MAX)),
        status: status?,
        headers,
        body,
        body_is_json,
        expect: Expect {
            code: text(&x.code),
            retry,
            delay,
            message: text(&x.message),
            request_id: text(&x.request_id),
            field_errors: x.field_errors.as_ref().map(|f| {
                f.value
                    .iter()
                    .map(|(field, message)| {
                        (
                            field.value.clone(),
                            message.as_ref().map(|m| m.value.clone()),
                        )
                    })
                    .collect()
            }),
            decided_by: x.decided_by.as_ref().map(|d| d.value.clone()),
            extras,
            success: x.success.as_ref().map(|s| s.value),
            batch_failures: match &x.batch_failures {
                None => None,
                Some(items) => Some(
                    items
                        .value
                        .iter()
                        .map(|i| {
                            Some(ExpectedItem {
                                index: i
                                    .index
                                    .as_ref()
                                    .map(|n| usize::try_from(n.value).unwrap_or(usize::MAX)),
                                code: text(&i.code),
                                message: text(&i.message),
                                retry: match &i.retry {
                                    Some(r) => Some(retry_class(r, diags)?),
                                    None => None,
                                },
                            })
                        })
                        .collect::<Option<Vec<_>>>()?,
                ),
            },
            span: x.span,
        },
        span: e.span,
    })
}

/// `3s`, `1.5s`, `500ms`, `2m`, `1h`, `0s`.
pub fn parse_duration(text: &str) -> Option<std::time::Duration> {
    let text = text.trim();
    let split = text.find(|c: char| !(c.is_ascii_digit() || c == '.'))?;
    let (number, unit) = text.split_at(split);
    let number: f64 = number.parse().ok()?;
    let seconds = match unit {
        "ms" => number / 1000.0,
        "s" => number,
        "m" => number * 60.0,
        "h" => number * 3600.0,
        _ => return None,
    };
    std::time::Duration::try_from_secs_f64(seconds).ok()
}

fn lower_body(body: Option<&spec::BodySpec>, diags: &mut Diagnostics) -> BodyLayout {
    let default = BodyLayout::default();
    let Some(b) = body else {
        return default;
    };
    let format = match b.format.as_ref() {
        None => BodyFormat::Json,
        Some(f) => match f.value.as_str() {
            "json" => BodyFormat::Json,
            "xml" => BodyFormat::Xml,
            "text" => BodyFormat::Text,
            other => {
                diags.push(unknown_name(
                    f.span,
                    "body format",
                    other,
                    &["json", "xml", "text"],
                ));
                BodyFormat::Json
            }
        },
    };
    let content_types = b
        .content_type
        .iter()
        .filter_map(|t| media_type(t, diags))
        .collect();
    let when = b
        .when
        .as_ref()
        .and_then(|w| layout_conditions(w, diags))
        .unwrap_or_default();
    let mut code_type = CodeType::String;
    let mut fallbacks = Vec::new();
    let mut normalize = CodeNormalize::default();
    let code = b.code.as_ref().and_then(|c| {
        if let Some(t) = &c.r#type {
            match t.value.as_str() {
                "string" => code_type = CodeType::String,
                "integer" => code_type = CodeType::Integer,
                other => diags.push(unknown_name(
                    t.span,
                    "code type",
                    other,
                    &["string", "integer"],
                )),
            }
        }
        let single = match (&c.pointer, &c.header) {
            (Some(p), None) => Some(ValueSourceSpec::Pointer(p.clone())),
            (None, Some(h)) => Some(ValueSourceSpec::Header(h.clone())),
            (Some(_), Some(h)) => {
                diags.push(
                    Diagnostic::error(h.span, "`code` takes one of `pointer`, `header` and `from`")
                        .with_label("second source"),
                );
                return None;
            }
            (None, None) => None,
        };
        let sources = match (single, &c.from) {
            (Some(_), Some(from)) => {
                let span = from.first().map_or(c.span, |s| s.text().span);
                diags.push(
                    Diagnostic::error(span, "`code` takes one of `pointer`, `header` and `from`")
                        .with_label("second source")
                        .with_help("put every source in `from`, in order"),
                );
                return None;
            }
            (Some(one), None) => vec![one],
            (None, Some(from)) => from.clone(),
            (None, None) => {
                diags.push(
                    Diagnostic::error(c.span, "`code` needs a `pointer`, a `header` or `from`")
                        .with_label("no source for the code"),
                );
                return None;
            }
        };
        let mut lowered = sources.iter().filter_map(|s| match s {
            ValueSourceSpec::Pointer(p) | ValueSourceSpec::BodyPointer(p) => {
                pointer(p, diags).map(CodeSource::Body)
            }
            ValueSourceSpec::Header(h) => header_name(h, diags).map(CodeSource::Header),
        });
        let first = lowered.next();
        fallbacks = lowered.collect();
        let cut = |t: &Option<Text>, diags: &mut Diagnostics| {
            let t = t.as_ref()?;
            if t.value.is_empty() {
                diags.push(
                    Diagnostic::error(t.span, "empty normalisation text")
                        .with_label("cuts nothing")
                        .with_help("give the text to cut at, e.g. `\":\"`, or remove the key"),
                );
                return None;
            }
            Some(Located::new(t.value.clone(), t.span))
        };
        normalize = CodeNormalize {
            drop_after: cut(&c.drop_after, diags),
            drop_through: cut(&c.drop_through, diags),
        };
        first
    });
    let mut layout = BodyLayout {
        format,
        errors: b.errors.as_ref().and_then(|p| pointer(p, diags)),
        code,
        code_type,
        message: b.message.as_ref().and_then(|p| pointer(p, diags)),
        request_id: b.request_id.as_ref().and_then(|p| pointer(p, diags)),
        field_errors: b.field_errors.as_ref().and_then(|f| {
            if f.map.is_some() {
                return None;
            }
            Some(FieldErrors {
                items: f.items.as_ref().and_then(|p| pointer(p, diags)),
                field: pointer(f.field.as_ref()?, diags)?,
                message: f.message.as_ref().and_then(|p| pointer(p, diags)),
            })
        }),
        code_fallbacks: fallbacks,
        code_normalize: normalize,
        content_types,
        when,
        selective: !b.content_type.is_empty() || b.when.is_some(),
        span: b.span,
        ..BodyLayout::default()
    };
    if let Some(f) = &b.field_errors {
        if let Some(map) = &f.map {
            for other in [&f.items, &f.field].into_iter().flatten() {
                diags.push(
                    Diagnostic::error(
                        other.span,
                        "`field_errors` takes `map` or `items` and `field`, not both",
                    )
                    .with_label("with `map`, the keys of the object are the fields")
                    .with_help("keep `map` (and `leaf`, `message`) for an object keyed by field, or `items` and `field` for a list"),
                );
            }
            layout.field_map = pointer(map, diags).map(|map| FieldMap {
                map,
                leaf: f
                    .leaf
                    .as_ref()
                    .map(|l| Located::new(l.value.clone(), l.span)),
                message: f.message.as_ref().and_then(|p| pointer(p, diags)),
            });
        } else if let Some(leaf) = &f.leaf {
            diags.push(
                Diagnostic::error(leaf.span, "`leaf` needs `map`")
                    .with_label("only a field map has leaves")
                    .with_help("give the object keyed by field: `map: /errors`"),
            );
        }
    }
    for (name, extra) in &b.extras {
        let ty = match &extra.r#type {
            None => ExtraType::String,
            Some(t) => match ExtraType::ALL.iter().find(|(n, _)| *n == t.value) {
                Some((_, ty)) => *ty,
                None => {
                    let names: Vec<&str> = ExtraType::ALL.iter().map(|(n, _)| *n).collect();
                    diags.push(unknown_name(t.span, "extra type", &t.value, &names));
                    continue;
                }
            },
        };
        let sources: Vec<Pointer> = extra
            .pointer
            .iter()
            .filter_map(|p| pointer(p, diags))
            .collect();
        if sources.len() != extra.pointer.len() || sources.is_empty() {
            continue;
        }
        let captures = sources
            .iter()
            .map(|p| layout.capture(Capture::At(p.clone())))
            .collect();
        layout.extras.push(Extra {
            name: name.clone(),
            sources,
            captures,
            ty,
        });
    }
    layout
}

/// Parses an RFC 6901 JSON pointer.
fn pointer(p: &Text, diags: &mut Diagnostics) -> Option<Pointer> {
    match parse_pointer(&p.value) {
        Ok(segments) => Some(Pointer {
            text: p.value.clone(),
            segments,
            span: p.span,
        }),
        Err(why) => {
            diags.push(
                Diagnostic::error(p.span, format!("malformed JSON pointer `{}`", p.value))
                    .with_label(why)
                    .with_help("a JSON pointer is empty or starts with `/`, e.g. `/error/code`; write `~0` for `~` and `~1` for `/`"),
            );
            None
        }
    }
}

/// Splits a JSON pointer into unescaped tokens, or says what is wrong.
pub fn parse_pointer(text: &str) -> Result<Vec<String>, &'static str> {
    if text.is_empty() {
        return Ok(Vec::new());
    }
    let Some(rest) = text.strip_prefix('/') else {
        return Err("must start with `/`");
    };
    rest.split('/')
        .map(|token| {
            let mut out = String::with_capacity(token.len());
            let mut chars = token.chars();
            while let Some(c) = chars.next() {
                if c == '~' {
                    match chars.next() {
                        Some('0') => out.push('~'),
                        Some('1') => out.push('/'),
                        _ => return Err("`~` must be followed by `0` or `1`"),
                    }
                } else {
                    out.push(c);
                }
            }
            Ok(out)
        })
        .collect()
}

/// Validates an HTTP header name (RFC 9110 token) and lower-cases it.
fn header_name(n: &Text, diags: &mut Diagnostics) -> Option<Located<String>> {
    let valid = !n.value.is_empty()
        && n.value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
    if valid {
        Some(Located::new(n.value.to_ascii_lowercase(), n.span))
    } else {
        diags.push(
            Diagnostic::error(n.span, format!("invalid header name `{}`", n.value))
                .with_label("header names are ASCII letters, digits and !#$%&'*+-.^_`|~"),
        );
        None
    }
}

fn retry_class(t: &Text, diags: &mut Diagnostics) -> Option<RetryClass> {
    let class = t.value.parse::<RetryClass>().ok();
    if class.is_none() {
        let names: Vec<&str> = RetryClass::ALL.iter().map(|c| c.as_str()).collect();
        diags.push(unknown_name(t.span, "retry class", &t.value, &names));
    }
    class
}

fn unknown_name(span: Span, what: &str, name: &str, expected: &[&str]) -> Diagnostic {
    let article = if what.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    let d = Diagnostic::error(span, unknown_message(what, name))
        .with_label(format!("not {article} {what}"));
    match suggestion(name, expected) {
        Some(help) => d.with_help(help),
        None => d.with_plain_note(format!("expected one of: {}", expected.join(", "))),
    }
}

fn status_key(key: &Text, diags: &mut Diagnostics) -> Option<u16> {
    match key.value.parse::<i128>() {
        Ok(v) => status_value(v, key.span, diags),
        Err(_) => {
            diags.push(
                Diagnostic::error(key.span, format!("`{}` is not an HTTP status", key.value))
                    .with_label("expected an integer from 100 to 599"),
            );
            None
        }
    }
}

fn status_value(v: i128, span: Span, diags: &mut Diagnostics) -> Option<u16> {
    match u16::try_from(v) {
        Ok(s) if (100..=599).contains(&s) => Some(s),
        _ => {
            diags.push(
                Diagnostic::error(span, format!("status {v} is outside 100–599"))
                    .with_label("not an HTTP status"),
            );
            None
        }
    }
}

/// `TooManyRequests` for 429; `Status599` where there is no standard reason.
pub fn status_variant(status: u16) -> String {
    http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .map(|r| r.replace('\'', "").to_upper_camel_case())
        .filter(|v| v.chars().all(|c| c.is_ascii_alphanumeric()) && !v.is_empty())
        .unwrap_or_else(|| format!("Status{status}"))
}

/// UpperCamelCase of a code whose words are each in one case
/// (`rate_limited`, `RATE_LIMITED`, `v2-error`), as `heck` writes it: words
/// split at anything but ASCII letters and digits, each capitalised. `None`
/// for a code with a word in mixed case (`rateLimited`, `HTTPError`), which
/// goes through `heck`.
///
/// Almost every real code is like this, and `catalog!` runs this function
/// for every code unoptimised in a dev build, where `heck`'s general word
/// splitting is most of the time spent building the model.
fn single_case_camel(code: &str) -> Option<String> {
    let mut out = String::with_capacity(code.len());
    for word in code.split(|c: char| !c.is_ascii_alphanumeric()) {
        let bytes = word.as_bytes();
        let lower = bytes.iter().all(|b| !b.is_ascii_uppercase());
        let upper = bytes.iter().all(|b| !b.is_ascii_lowercase());
        if !(lower || upper) {
            return None;
        }
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            out.push(first.to_ascii_uppercase());
            out.extend(chars.map(|c| c.to_ascii_lowercase()));
        }
    }
    Some(out)
}

/// The Rust variant name for a code, or `None` when it has no ASCII
/// letter or digit to build one from.
pub fn code_variant(value: &CodeValue) -> Option<String> {
    match value {
        CodeValue::Int(i) if *i < 0 => Some(format!("CodeMinus{}", i.unsigned_abs())),
        CodeValue::Int(i) => Some(format!("Code{i}")),
        CodeValue::Str(s) => {
            let v = single_case_camel(s).unwrap_or_else(|| {
                let ascii: String = s
                    .chars()
                    .map(|c| if c.is_ascii_alphanumeric() { c } else { ' ' })
                    .collect();
                ascii.to_upper_camel_case()
            });
            if v.is_empty() {
                None
            } else if v.starts_with(|c: char| c.is_ascii_digit()) {
                Some(format!("Code{v}"))
            } else {
                Some(v)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use heck::ToUpperCamelCase;
    use proptest::prelude::*;

    use super::single_case_camel;

    fn heck_variant(code: &str) -> String {
        let ascii: String = code
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { ' ' })
            .collect();
        ascii.to_upper_camel_case()
    }

    #[test]
    fn single_case_words_only() {
        assert_eq!(
            single_case_camel("rate_limited").as_deref(),
            Some("RateLimited")
        );
        assert_eq!(
            single_case_camel("RATE_LIMITED").as_deref(),
            Some("RateLimited")
        );
        assert_eq!(single_case_camel("v2-error.x").as_deref(), Some("V2ErrorX"));
        assert_eq!(single_case_camel("über_error").as_deref(), Some("BerError"));
        assert_eq!(single_case_camel("rateLimited"), None);
        assert_eq!(single_case_camel("HTTPError"), None);
    }

    proptest! {
        /// Wherever the fast path answers, it answers as `heck` does.
        #[test]
        fn single_case_camel_is_heck(code in "[a-zA-Z0-9_ .:/ü-]{0,24}") {
            if let Some(fast) = single_case_camel(&code) {
                prop_assert_eq!(fast, heck_variant(&code));
            }
        }
    }
}
