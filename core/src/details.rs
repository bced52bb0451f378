use std::borrow::Cow;
use std::fmt;

use compact_str::CompactString;

use crate::{DelayHints, RetryClass, Text};

/// One field-level error: which field, and what is wrong with it.
///
/// Its field is a [`CompactString`] (up to 24 bytes in place: most field
/// names), its message a [`Text`] (up to 56).
///
/// Read its fields directly; build one with [`FieldError::new`] (it is
/// `#[non_exhaustive]`, so fields can be added without a breaking change).
///
/// ```
/// use errspec::FieldError;
///
/// let e = FieldError::new("to[0]").with_message("invalid address");
/// assert_eq!((e.field.as_str(), e.message.as_deref()), ("to[0]", Some("invalid address")));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct FieldError {
    /// The field's name or path, as the provider sent it.
    pub field: CompactString,
    /// What is wrong with it, if the provider said.
    pub message: Option<Text>,
}

impl FieldError {
    /// An error of `field`, without a message.
    pub fn new(field: impl Into<CompactString>) -> FieldError {
        FieldError {
            field: field.into(),
            message: None,
        }
    }

    /// The same error with `message`.
    #[must_use]
    pub fn with_message(self, message: impl Into<Text>) -> FieldError {
        FieldError {
            message: Some(message.into()),
            ..self
        }
    }
}

/// The parts every decoded error has, whatever its API.
///
/// Message and request id are [`Text`]s: up to 56 bytes are kept in
/// place, so most cost no allocation. Read them as `&str` with
/// `as_deref()`. Read and set its fields directly; build one with
/// [`ErrorDetails::new`] (it is `#[non_exhaustive]`, so fields can be
/// added without a breaking change).
/// Serialized as an object of these fields, the status as a number.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ErrorDetails {
    /// The HTTP status.
    pub status: http::StatusCode,
    /// The human-readable message.
    pub message: Option<Text>,
    /// The provider's request id (body first, then header).
    pub request_id: Option<Text>,
    /// Field-level errors, in body order.
    pub field_errors: Vec<FieldError>,
    /// Delay hints from the headers (serialized as `hints`).
    pub delay_hints: DelayHints,
    /// A bounded snippet of a body that was not JSON or did not decode.
    pub raw: Option<String>,
}

impl ErrorDetails {
    /// The details of a response with `status` and nothing else known.
    ///
    /// ```
    /// let mut details = errspec::ErrorDetails::new(http::StatusCode::BAD_GATEWAY);
    /// details.raw = Some("<html>".into());
    /// assert_eq!(details.message, None);
    /// ```
    pub fn new(status: http::StatusCode) -> ErrorDetails {
        ErrorDetails {
            status,
            message: None,
            request_id: None,
            field_errors: Vec::new(),
            delay_hints: DelayHints::default(),
            raw: None,
        }
    }
}

// Written out rather than derived: the runtime's build needs no proc-macro
// crate (see `DelayHints`' implementation).
impl serde::Serialize for FieldError {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct as _;
        let mut st = s.serialize_struct("FieldError", 2)?;
        st.serialize_field("field", self.field.as_str())?;
        st.serialize_field("message", &self.message.as_deref())?;
        st.end()
    }
}

impl serde::Serialize for ErrorDetails {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct as _;
        let mut st = s.serialize_struct("ErrorDetails", 6)?;
        st.serialize_field("status", &self.status.as_u16())?;
        st.serialize_field("message", &self.message.as_deref())?;
        st.serialize_field("request_id", &self.request_id.as_deref())?;
        st.serialize_field("field_errors", &self.field_errors)?;
        st.serialize_field("hints", &self.delay_hints)?;
        st.serialize_field("raw", &self.raw)?;
        st.end()
    }
}

/// An API's typed error: what generated code and `#[derive(ApiError)]` implement.
///
/// Only what every implementation can answer is required; the accessors
/// with defaults are overridden where the type keeps that part (generated
/// types keep all of them, a user's derived enum only the fields it declares).
pub trait ApiError: std::error::Error + fmt::Debug + Send + Sync + Sized + 'static {
    /// The provider's identifier, e.g. `"topmail"`.
    const PROVIDER: &'static str;
    /// The API's name within the provider, e.g. `"send"`.
    const API: &'static str;
    /// The header that carries an idempotency key, if the API supports one.
    const IDEMPOTENCY_HEADER: Option<&'static str>;
    /// Where else the API takes the key, and the rules a key keeps
    /// (more headers, a JSON body pointer, a length limit, UUIDs only).
    /// Plumbing: generated code and the derive set it, the client reads it.
    #[doc(hidden)]
    const IDEMPOTENCY: crate::idempotency::IdempotencyLayout =
        crate::idempotency::IdempotencyLayout::NONE;
    /// The rate limits the catalog documents (`limits:`); the client paces
    /// to them ([`crate::limits`]). None by default.
    const RATE_LIMITS: &'static [crate::RateLimit] = &[];

    /// Decodes an error response. Never fails and never panics: unknown
    /// codes, unlisted statuses and malformed bodies still give an error value.
    fn decode(status: http::StatusCode, headers: &http::HeaderMap, body: &[u8]) -> Self;

    /// Reads the API's delay headers (`Retry-After`, rate-limit reset) from a
    /// response. The retry policy uses this, so delays are honoured whatever
    /// fields the error type keeps.
    fn read_delay_hints(headers: &http::HeaderMap) -> DelayHints;

    /// When a response says the API's rate-limit window is spent (its
    /// `remaining` header reads 0), the window's reset, if the response
    /// gives one: what [`read_delay_hints`](Self::read_delay_hints) gives
    /// as [`DelayHints::spent_window_reset`].
    ///
    /// The client's pacing asks this of every successful response, so
    /// generated types (and the catalog-bound derive) answer it from their
    /// prepared layout, looking only for the `remaining` header (by its
    /// resolved name) and for nothing when the API has none. This default
    /// reads every hint, and only when some header value could read 0.
    fn spent_window_reset(headers: &http::HeaderMap) -> Option<crate::RateLimitReset> {
        if !headers.values().any(crate::hints::could_read_zero) {
            return None;
        }
        Self::read_delay_hints(headers).spent_window_reset()
    }

    /// The API's success predicate (`success:` in its catalog), if it has
    /// one: which 2xx responses are failures. None by default. Plumbing:
    /// users call [`check_success`](Self::check_success).
    #[doc(hidden)]
    fn success_check() -> Option<&'static crate::success::SuccessCheck<'static>> {
        None
    }

    /// Where the API's batch responses keep per-item results (`batch:` in
    /// its catalog), if it has any. None by default. Plumbing: users call
    /// [`batch_failures`](Self::batch_failures).
    #[doc(hidden)]
    fn batch_layout() -> Option<&'static crate::batch::BatchLayout<'static>> {
        None
    }

    /// A 2xx response that the API's success predicate calls a failure
    /// (Slack's `200 {"ok": false, "error": "ratelimited"}`), decoded as
    /// this API's error, whose class says how to retry it; `None` for a
    /// real success, for any other status (decode those with
    /// [`decode`](Self::decode)) and for an API without a predicate.
    /// Never panics.
    fn check_success(
        status: http::StatusCode,
        headers: &http::HeaderMap,
        body: &[u8],
    ) -> Option<Self> {
        let check = Self::success_check()?;
        check
            .fails(status, headers, body)
            .then(|| Self::decode(status, headers, body))
    }

    /// The failed items of a 2xx batch response (Postmark's per-message
    /// `ErrorCode`, Resend's permissive `errors[]`), each classified; empty
    /// for an API without `batch`, for any other status and for a body
    /// that is not the documented JSON. The request itself succeeded:
    /// retry the failed items, never the whole batch. Never panics; reads
    /// at most [`MAX_BATCH_ITEMS`](crate::batch::MAX_BATCH_ITEMS) items.
    fn batch_failures(
        status: http::StatusCode,
        headers: &http::HeaderMap,
        body: &[u8],
    ) -> Vec<crate::BatchFailure> {
        match Self::batch_layout() {
            Some(batch) => batch.failures(status, headers, body),
            None => Vec::new(),
        }
    }

    /// How this error may be retried.
    fn retry_class(&self) -> RetryClass;

    /// What decided [`retry_class`](Self::retry_class), if the type knows
    /// (generated types do).
    fn decided_by(&self) -> Option<crate::DecidedBy> {
        None
    }

    /// The extras (`body.extras` in a spec) this error read from its body,
    /// if the API has any (generated types of such APIs do).
    fn extras(&self) -> Option<&crate::extras::Extras> {
        None
    }

    /// The machine code as the provider sent it, if any.
    fn code(&self) -> Option<Cow<'_, str>>;

    /// The name of the variant this error decoded to (e.g. `RateLimited`).
    fn variant_name(&self) -> &'static str;

    /// Whether the code (or, for an API without codes, the status) is in the catalog.
    fn is_known(&self) -> bool;

    /// The HTTP status, if the type keeps it.
    fn status(&self) -> Option<http::StatusCode> {
        None
    }

    /// The human-readable message, if the type keeps it.
    fn message(&self) -> Option<&str> {
        None
    }

    /// The provider's request id, if the type keeps it.
    fn request_id(&self) -> Option<&str> {
        None
    }

    /// Field-level errors, if the type keeps them.
    fn field_errors(&self) -> &[FieldError] {
        &[]
    }

    /// The delay hints read when this error was decoded, if the type keeps them.
    fn delay_hints(&self) -> DelayHints {
        DelayHints::default()
    }
}
