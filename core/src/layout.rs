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

/// Whether error bodies are JSON, XML or opaque text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BodyFormat {
    /// A JSON document; the pointers of [`BodyLayout`] apply.
    Json,
    /// An XML document (Azure Storage, S3). A pointer names elements from
    /// the root element down (`/Error/Code`); an element's value is its
    /// text, trimmed, with character references and the five predefined
    /// entities replaced. Attributes, comments and the DTD are ignored, and
    /// no other entity is expanded. An element name that repeats among
    /// siblings is read each time, so the last one wins (as a repeated JSON
    /// key does).
    Xml,
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

/// A body value the decoder captures besides code, message, request id and
/// field errors: what extras, body conditions and body delay sources read.
/// Pointers are absolute (from the body's root), and may pass through the
/// array of [`BodyLayout::errors`] or [`FieldErrorsLayout::items`]
/// (`/errors/0/id`).
///
/// The decoder returns the values in [`crate::decode::Parts::captures`], in
/// the order of [`BodyLayout::captures`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Capture {
    /// The value at this pointer.
    At(Pointer),
    /// In the array at `array`, the first item whose value at `key` is the
    /// string `equals`: its value at `value` (`key` and `value` relative to
    /// the item). Google's `error.details[]` item of `@type`
    /// `type.googleapis.com/google.rpc.RetryInfo`, for its `retryDelay`.
    Select {
        /// The array of items.
        array: Pointer,
        /// The item's field that picks it.
        key: Pointer,
        /// The text that field must have.
        equals: &'static str,
        /// The value taken from the picked item.
        value: Pointer,
    },
}

/// How a code's text is normalised before it is looked up (AWS sends
/// `ValidationException:http://…` in a header and
/// `com.amazonaws.dynamodb.v20120810#ThrottlingException` in a body).
/// Applied to string codes from every source; an empty result is no code.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CodeNormalize {
    /// Cut the text from the first occurrence of this string.
    pub drop_after: Option<&'static str>,
    /// Cut the text up to and including the last occurrence of this string.
    pub drop_through: Option<&'static str>,
}

impl CodeNormalize {
    /// No normalisation.
    pub const NONE: CodeNormalize = CodeNormalize {
        drop_after: None,
        drop_through: None,
    };

    /// The normalised part of `text` (a sub-slice: no copy).
    ///
    /// ```
    /// use errspec::__private::layout::CodeNormalize;
    ///
    /// let aws = CodeNormalize { drop_after: Some(":"), drop_through: Some("#") };
    /// assert_eq!(aws.apply("ValidationException:http://internal.amazon.com/coral/"), "ValidationException");
    /// assert_eq!(aws.apply("com.amazonaws.dynamodb.v20120810#ThrottlingException"), "ThrottlingException");
    /// assert_eq!(aws.apply("ThrottlingException"), "ThrottlingException");
    /// ```
    pub fn apply<'t>(&self, text: &'t str) -> &'t str {
        &text[self.kept(text)]
    }

    /// The byte range of `text` that [`apply`](CodeNormalize::apply) keeps.
    pub(crate) fn kept(&self, text: &str) -> std::ops::Range<usize> {
        if self.is_none() {
            return 0..text.len();
        }
        let mut range = 0..text.len();
        if let Some(sep) = self.drop_after.filter(|sep| !sep.is_empty())
            && let Some(at) = find(text, sep)
        {
            range.end = at;
        }
        if let Some(sep) = self.drop_through.filter(|sep| !sep.is_empty())
            && let Some(at) = rfind(&text[range.clone()], sep)
        {
            range.start = at + sep.len();
        }
        let kept = &text[range.clone()];
        let trimmed = kept.trim_ascii_start();
        range.start += kept.len() - trimmed.len();
        range.end = range.start + trimmed.trim_ascii_end().len();
        range
    }

    /// Whether this normalisation changes nothing.
    pub const fn is_none(&self) -> bool {
        self.drop_after.is_none() && self.drop_through.is_none()
    }
}

// Separators are usually one ASCII byte (`:`, `#`): searched as a `char`
// (a byte scan), which costs a fraction of a substring search's setup.

/// `text.find(sep)`.
fn find(text: &str, sep: &str) -> Option<usize> {
    match sep.as_bytes() {
        &[byte] if byte.is_ascii() => text.find(char::from(byte)),
        _ => text.find(sep),
    }
}

/// `text.rfind(sep)`.
fn rfind(text: &str, sep: &str) -> Option<usize> {
    match sep.as_bytes() {
        &[byte] if byte.is_ascii() => text.rfind(char::from(byte)),
        _ => text.rfind(sep),
    }
}

/// Where code, message, request id and field errors live in the body.
///
/// Hand-written layouts can start from [`BodyLayout::JSON`] and set what
/// they need (`BodyLayout { message: Some(..), ..BodyLayout::JSON }`), so
/// they keep compiling when fields are added.
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
    /// Where to look for the code when [`code`](BodyLayout::code) gives
    /// none, in order (a fallback chain: AWS's header, then `code`, then
    /// `__type`). Body pointers are relative to each item, as `code`'s.
    pub code_fallbacks: &'static [CodeSource],
    /// How a string code is normalised.
    pub code_normalize: CodeNormalize,
    /// Further body values to capture.
    pub captures: &'static [Capture],
    /// Field errors as an object keyed by field (besides or instead of
    /// [`field_errors`](BodyLayout::field_errors)).
    pub field_map: Option<FieldMapLayout>,
}

/// Field errors as an object keyed by field path: Shopify's
/// `{"errors": {"email": ["is invalid"]}}`, Discord's nested
/// `{"errors": {"embeds": {"0": {"title": {"_errors": [{"message": "…"}]}}}}}`.
///
/// A value that is a string, or an array of strings, gives one field error
/// per string for the path of keys that led to it, joined with `.`
/// (`embeds.0.title`). An object inside is walked further; with `leaf`, the
/// key `leaf` holds the messages of the path that leads to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FieldMapLayout {
    /// The object keyed by field (absolute, or relative to each item with
    /// [`BodyLayout::errors`]).
    pub map: Pointer,
    /// The key that holds a path's messages in a nested map (`_errors`).
    pub leaf: Option<&'static str>,
    /// Where the text is in a message that is an object (`/message`);
    /// `None`: such a message gives a field error without text.
    pub message: Option<Pointer>,
}

impl BodyLayout {
    /// A JSON body with nothing to find: the base for hand-written layouts.
    pub const JSON: BodyLayout = BodyLayout {
        format: BodyFormat::Json,
        errors: None,
        code: None,
        code_type: CodeType::String,
        message: None,
        request_id: None,
        field_errors: None,
        code_fallbacks: &[],
        code_normalize: CodeNormalize::NONE,
        captures: &[],
        field_map: None,
    };
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_byte_separators_are_found_as_substrings_are() {
        let texts = ["", "a:b:c", "ns#A#B", "é:ü#x", "::", "no separator", "a::b"];
        for text in texts {
            for sep in [":", "#", "::", "ü", "é:"] {
                assert_eq!(find(text, sep), text.find(sep), "{text:?} {sep:?}");
                assert_eq!(rfind(text, sep), text.rfind(sep), "{text:?} {sep:?}");
            }
        }
    }
}
