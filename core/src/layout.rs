//! Static descriptions of where an API puts the parts of an error response.
//!
//! Generated code builds one [`ApiLayout`] per API as a `static`; the
//! decoder in [`crate::decode`] walks a response along it.

use std::time::Duration;

pub use crate::delay::{DelayFormat, DelayFrom, DelaySource, WhenSpent};

/// A JSON pointer (RFC 6901), stored as its unescaped reference tokens.
/// The empty pointer (`""`) refers to the whole document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pointer(pub &'static [&'static str]);

/// Whether error bodies are JSON or opaque text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BodyFormat {
    /// A JSON document; the pointers of [`BodyLayout`] apply.
    Json,
    /// Not JSON: every error is a status-level error; a snippet of the body is kept.
    Text,
}

/// The type of an API's machine-readable error code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodeType {
    /// A string such as `"rate_limited"`.
    String,
    /// An integer such as `1001`.
    Integer,
}

/// Where the machine-readable error code lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodeSource {
    /// In the body, at this pointer (relative to each item when
    /// [`BodyLayout::errors`] is set).
    Body(Pointer),
    /// In a response header with this (lower-case) name.
    Header(&'static str),
}

/// Where field-level errors live.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FieldErrorsLayout {
    /// A pointer to an array of field errors. `None`: a single field error
    /// read from the error object itself (or from each item of
    /// [`BodyLayout::errors`]).
    pub items: Option<Pointer>,
    /// The field name, relative to an item.
    pub field: Pointer,
    /// The field's message, relative to an item.
    pub message: Option<Pointer>,
}

/// Where code, message, request id and field errors live in the body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BodyLayout {
    /// JSON or text.
    pub format: BodyFormat,
    /// A pointer to an array of error objects. When set, `code`, `message`
    /// and `field_errors` are relative to each item; the first item is the
    /// primary error and every item's field error is kept.
    pub errors: Option<Pointer>,
    /// The machine code, if the API has one.
    pub code: Option<CodeSource>,
    /// The code's type.
    pub code_type: CodeType,
    /// The human-readable message.
    pub message: Option<Pointer>,
    /// The request id in the body (absolute pointer).
    pub request_id: Option<Pointer>,
    /// Field-level errors.
    pub field_errors: Option<FieldErrorsLayout>,
}

/// Rate-limit headers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimitLayout {
    /// The request quota of the window (lower-case header name).
    pub limit: Option<&'static str>,
    /// Requests left in the window.
    pub remaining: Option<&'static str>,
    /// When the window resets.
    pub reset: Option<&'static str>,
    /// The unit of `reset`.
    pub reset_unit: ResetUnit,
}

/// The unit of a rate-limit reset header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResetUnit {
    /// A Unix timestamp in seconds.
    UnixSeconds,
    /// Seconds until the window resets.
    Seconds,
}

/// Headers an API uses for delays and correlation (all names lower-case).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HeaderLayout {
    /// `Retry-After` (seconds, fractional seconds or HTTP-date).
    pub retry_after: Option<&'static str>,
    /// A request-id header; used when the body has none.
    pub request_id: Option<&'static str>,
    /// Rate-limit headers.
    pub rate_limit: Option<RateLimitLayout>,
    /// Further delay sources (`delays:` and rate-limit dimensions): every
    /// one present gives a delay; the longest wins.
    pub delays: &'static [DelaySource],
    /// A floor on any server delay (`min_delay`).
    pub min_delay: Option<Duration>,
}

impl HeaderLayout {
    /// No headers at all; a base for `HeaderLayout { retry_after: …, ..HeaderLayout::NONE }`.
    pub const NONE: HeaderLayout = HeaderLayout {
        retry_after: None,
        request_id: None,
        rate_limit: None,
        delays: &[],
        min_delay: None,
    };
}

/// Everything the decoder needs to know about one API's error responses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ApiLayout {
    /// The body.
    pub body: BodyLayout,
    /// The headers.
    pub headers: HeaderLayout,
}
