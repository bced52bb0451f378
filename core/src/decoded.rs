//! The error type every generated API shares.
//!
//! A generated API module holds data and the types a user names: its
//! `Code` and `Status` enums, its decoder `static`s, and a [`CatalogApi`]
//! impl on a marker type `Api` that ties them together. Its `Error` is
//! `pub type Error = errspec::DecodedError<Api>;`: the decoding,
//! classification, accessors, `Display`, `Serialize` and the [`ApiError`]
//! impl are written once, here, for every API.
//!
//! ```
//! use errspec::{ApiError, DecodedError, RetryClass};
//!
//! // What `cargo xtask gen` writes for a catalog, reduced to one code.
//! mod shop {
//!     use errspec::__private::decode::RawCode;
//!     use errspec::__private::layout::*;
//!     use errspec::{CatalogCode, CatalogStatus, RetryClass};
//!
//!     #[derive(Clone, Debug, PartialEq, Eq)]
//!     pub enum Code { SoldOut, Unknown(errspec::CompactString) }
//!     impl CatalogCode for Code {
//!         fn from_raw(raw: RawCode<'_>) -> Option<Code> {
//!             Some(match raw.to_text().as_ref() {
//!                 "sold_out" => Code::SoldOut,
//!                 other => Code::Unknown(other.into()),
//!             })
//!         }
//!         fn as_str(&self) -> &str {
//!             match self { Code::SoldOut => "sold_out", Code::Unknown(c) => c }
//!         }
//!         fn variant_name(&self) -> &'static str {
//!             match self { Code::SoldOut => "SoldOut", Code::Unknown(_) => "Unknown" }
//!         }
//!         fn is_known(&self) -> bool { matches!(self, Code::SoldOut) }
//!         fn retry_override(&self) -> Option<RetryClass> { None }
//!     }
//!
//!     #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
//!     pub enum Status { Conflict, Other(u16) }
//!     impl CatalogStatus for Status {
//!         fn from_u16(s: u16) -> Status { if s == 409 { Status::Conflict } else { Status::Other(s) } }
//!         fn as_u16(self) -> u16 { match self { Status::Conflict => 409, Status::Other(s) => s } }
//!         fn variant_name(self) -> &'static str {
//!             match self { Status::Conflict => "Conflict", Status::Other(_) => "Other" }
//!         }
//!         fn retry_class(self) -> RetryClass {
//!             match self {
//!                 Status::Conflict => RetryClass::Never,
//!                 Status::Other(s) => Status::default_class(s),
//!             }
//!         }
//!         fn is_listed(self) -> bool { !matches!(self, Status::Other(_)) }
//!         fn default_class(s: u16) -> RetryClass {
//!             if s >= 500 { RetryClass::Backoff } else { RetryClass::Never }
//!         }
//!     }
//!
//!     static LAYOUT: ApiLayout = ApiLayout {
//!         body: BodyLayout { code: Some(CodeSource::Body(Pointer(&["code"]))), ..BodyLayout::JSON },
//!         headers: HeaderLayout::NONE,
//!     };
//!     static HEADER_NAMES: errspec::__private::hints::HeaderNames =
//!         errspec::__private::hints::HeaderNames::new(&LAYOUT);
//!     const DECODER: &errspec::__private::decode::Decoder =
//!         &errspec::__private::decode::Decoder::resolved(&LAYOUT, &HEADER_NAMES);
//!
//!     pub enum Api {}
//!     impl errspec::CatalogApi for Api {
//!         type Code = Code;
//!         type Status = Status;
//!         type Extras = ();
//!         type Decoder = errspec::__private::decode::Decoder;
//!         const PROVIDER: &'static str = "shop";
//!         const API: &'static str = "api";
//!         const DECODER: &'static errspec::__private::decode::Decoder = DECODER;
//!     }
//!
//!     pub type Error = errspec::DecodedError<Api>;
//! }
//!
//! let headers = http::HeaderMap::new();
//! let err = shop::Error::decode(http::StatusCode::CONFLICT, &headers, br#"{"code":"sold_out"}"#);
//! assert_eq!(err.code(), Some(&shop::Code::SoldOut));
//! assert_eq!(err.retry_class(), RetryClass::Never);
//! assert_eq!(err.to_string(), "409 Conflict [sold_out]");
//! assert_eq!(<shop::Error as ApiError>::PROVIDER, "shop");
//! ```

use std::borrow::Cow;
use std::fmt;
use std::hash::Hash;

use serde::ser::{Serialize, SerializeStruct, Serializer};

use crate::batch::BatchLayout;
use crate::decode::{Captures, Decode, Found, RawCode};
use crate::extras::Extras;
use crate::idempotency::IdempotencyLayout;
use crate::rules::{Classifier, DecidedBy, Facts, by_tables};
use crate::success::SuccessCheck;
use crate::{
    ApiError, DelayHints, ErrorDetails, FieldError, RateLimit, RateLimitReset, RetryAfter,
    RetryClass,
};

/// One API of a catalog, as generated code describes it to
/// [`DecodedError`]: its code and status types, its decoder and the
/// constants of [`ApiError`].
///
/// Generated code implements it on an uninhabited marker type (`Api`);
/// a type that implements it by hand must keep the rules the generator
/// keeps (see the module example).
pub trait CatalogApi: Sized + Send + Sync + 'static {
    /// The machine codes: the generated `Code` enum, or
    /// [`Infallible`](std::convert::Infallible) for an API without codes.
    type Code: CatalogCode;
    /// The statuses: the generated `Status` enum.
    type Status: CatalogStatus;
    /// The extras read from the body: a generated `Extras`, or `()` for
    /// an API without extras (which then keeps nothing for them).
    type Extras: CatalogExtras;
    /// The decoder's type: [`Decoder`](crate::decode::Decoder) or
    /// [`Layouts`](crate::decode::Layouts).
    type Decoder: Decode;

    /// The provider's identifier, e.g. `"topmail"`.
    const PROVIDER: &'static str;
    /// The API's name within the provider, e.g. `"send"`.
    const API: &'static str;
    /// The API's decoder, prepared at compile time.
    const DECODER: &'static Self::Decoder;
    /// See [`ApiError::IDEMPOTENCY_HEADER`].
    const IDEMPOTENCY_HEADER: Option<&'static str> = None;
    /// See [`ApiError::IDEMPOTENCY`].
    const IDEMPOTENCY: IdempotencyLayout = IdempotencyLayout::NONE;
    /// See [`ApiError::RATE_LIMITS`].
    const RATE_LIMITS: &'static [RateLimit] = &[];
    /// The API's server directive and rules, when it has either: then the
    /// class is decided at decode, from the response. `None`: the code's
    /// class, else the status table's, else the defaults.
    const CLASSIFIER: Option<&'static Classifier> = None;
    /// See [`ApiError::success_check`]. Its decoder must be
    /// [`DECODER`](CatalogApi::DECODER): [`ApiError::check_success`] decodes
    /// once, with that, for the predicate and the error.
    const SUCCESS_CHECK: Option<&'static SuccessCheck<'static>> = None;
    /// See [`ApiError::batch_layout`].
    const BATCH_LAYOUT: Option<&'static BatchLayout<'static>> = None;
}

/// A machine-code type of a catalog (the generated `Code`).
pub trait CatalogCode: Clone + fmt::Debug + Eq + Send + Sync + 'static {
    /// Whether the API has codes (`false` only for `Infallible`).
    const HAS_CODES: bool = true;
    /// The code a decode found; `None` only for a type without codes.
    fn from_raw(raw: RawCode<'_>) -> Option<Self>;
    /// The code exactly as the provider sends it.
    fn as_str(&self) -> &str;
    /// The variant's name, e.g. `"RateLimited"`.
    fn variant_name(&self) -> &'static str;
    /// Whether the catalog lists this code.
    fn is_known(&self) -> bool;
    /// The retry class the catalog gives this code over its status's.
    fn retry_override(&self) -> Option<RetryClass>;
}

/// No codes: the code type of an API whose responses carry none.
impl CatalogCode for std::convert::Infallible {
    const HAS_CODES: bool = false;
    fn from_raw(_: RawCode<'_>) -> Option<Self> {
        None
    }
    fn as_str(&self) -> &str {
        match *self {}
    }
    fn variant_name(&self) -> &'static str {
        match *self {}
    }
    fn is_known(&self) -> bool {
        match *self {}
    }
    fn retry_override(&self) -> Option<RetryClass> {
        match *self {}
    }
}

/// A status type of a catalog (the generated `Status`).
pub trait CatalogStatus: Copy + fmt::Debug + Eq + Hash + Send + Sync + 'static {
    /// The variant for a status number.
    fn from_u16(status: u16) -> Self;
    /// The status number.
    fn as_u16(self) -> u16;
    /// The variant's name, e.g. `"TooManyRequests"`.
    fn variant_name(self) -> &'static str;
    /// The status table's class, else the defaults'.
    fn retry_class(self) -> RetryClass;
    /// Whether the status table lists this status.
    fn is_listed(self) -> bool;
    /// The class of the API's defaults for a status, listed or not.
    fn default_class(status: u16) -> RetryClass;
}

/// The extras type of a catalog: a generated `Extras` (typed accessors
/// over [`Extras`]), or `()` for an API without extras.
pub trait CatalogExtras: Clone + fmt::Debug + Eq + Send + Sync + 'static {
    /// The extras of a decode, from its captures.
    fn from_captures(captures: &Captures<'_>) -> Self;
    /// Every extra by name; `None` for an API without extras.
    fn as_extras(&self) -> Option<&Extras>;
}

/// No extras.
impl CatalogExtras for () {
    #[inline]
    fn from_captures(_: &Captures<'_>) -> Self {}
    fn as_extras(&self) -> Option<&Extras> {
        None
    }
}

/// An error response of one API (`A`): its status, code, message, request
/// id, field errors, delay hints, and how to retry it.
///
/// Each generated API names it as its `Error`
/// (`pub type Error = errspec::DecodedError<Api>;`). Build one with
/// [`decode`](Self::decode), which never fails and never panics; ask
/// [`retry_class`](Self::retry_class) how to retry it.
pub struct DecodedError<A: CatalogApi> {
    status: A::Status,
    code: Option<A::Code>,
    details: ErrorDetails,
    decided: (RetryClass, DecidedBy),
    extras: A::Extras,
}

impl<A: CatalogApi> DecodedError<A> {
    /// Decodes an error response. Never fails and never panics: unknown
    /// codes become `Unknown`, unlisted statuses `Status::Other`, and a body
    /// that is not the documented format leaves a status-level error with
    /// a snippet in [`raw`](Self::raw).
    ///
    /// The retry class is decided here, once: by the API's server
    /// directive and rules when it has them (they read the headers and
    /// body), else by its tables.
    pub fn decode(status: http::StatusCode, headers: &http::HeaderMap, body: &[u8]) -> Self {
        let mut hints = DelayHints::default();
        let mut captures = Captures::default();
        let found = A::DECODER.find(status, headers, body, &mut hints, &mut captures);
        Self::of_found(status, headers, found, &captures, &hints)
    }

    /// The error of what [`Decode::find`] found in a response.
    #[inline(always)]
    fn of_found(
        status: http::StatusCode,
        headers: &http::HeaderMap,
        found: Found<'_>,
        captures: &Captures<'_>,
        // By reference: copied once, straight into the error.
        hints: &DelayHints,
    ) -> Self {
        // Taken apart in place: moving the whole `Found` costs a copy.
        let Found {
            code,
            message,
            request_id,
            field_errors,
            raw,
        } = found;
        let extras = A::Extras::from_captures(captures);
        // The code stays borrowed from the body: only an unknown code is copied.
        let code = code.and_then(A::Code::from_raw);
        let documented = A::Status::from_u16(status.as_u16());
        let code_class = code.as_ref().and_then(A::Code::retry_override);
        let status_class = documented.is_listed().then(|| documented.retry_class());
        let default_class = A::Status::default_class(status.as_u16());
        let decided = match A::CLASSIFIER {
            Some(classifier) => {
                let facts = Facts::new(status.as_u16(), headers)
                    .code(code.as_ref().map(A::Code::as_str))
                    .message(message.as_deref())
                    .captures(captures);
                classifier.decide(&facts, code_class, status_class, default_class)
            }
            None => by_tables(code_class, status_class, default_class),
        };
        DecodedError {
            status: documented,
            code,
            details: ErrorDetails {
                status,
                message: message.map(crate::Text::from),
                request_id: request_id.map(crate::Text::from),
                field_errors,
                delay_hints: *hints,
                raw,
            },
            decided,
            extras,
        }
    }

    /// The status, as this API documents it.
    pub fn status(&self) -> A::Status {
        self.status
    }

    /// The HTTP status.
    pub fn http_status(&self) -> http::StatusCode {
        self.details.status
    }

    /// The machine code, if the response carried one.
    pub fn code(&self) -> Option<&A::Code> {
        self.code.as_ref()
    }

    /// The human-readable message, if the response had one.
    pub fn message(&self) -> Option<&str> {
        self.details.message.as_deref()
    }

    /// The provider's request id (body first, then header); log it.
    pub fn request_id(&self) -> Option<&str> {
        self.details.request_id.as_deref()
    }

    /// Field-level errors, in body order.
    pub fn field_errors(&self) -> &[FieldError] {
        &self.details.field_errors
    }

    /// The delay hints from the headers: `Retry-After` and rate limits.
    pub fn delay_hints(&self) -> &DelayHints {
        &self.details.delay_hints
    }

    /// The `Retry-After` header, if the response had a valid one.
    pub fn retry_after(&self) -> Option<RetryAfter> {
        self.details.delay_hints.retry_after
    }

    /// A bounded snippet of a body that was not JSON or did not decode.
    pub fn raw(&self) -> Option<&str> {
        self.details.raw.as_deref()
    }

    /// Everything but the status and code, as every API has it.
    pub fn details(&self) -> &ErrorDetails {
        &self.details
    }

    /// The extras read from the body: the API's typed accessors (Stripe's
    /// `decline_code()`), or `()` for an API without extras.
    pub fn extras(&self) -> &A::Extras {
        &self.extras
    }

    /// How to retry this error: the server's directive, else the first
    /// rule that matches, else the code's own class, else the status
    /// table's, else the defaults (an API has the steps its catalog gives).
    pub fn retry_class(&self) -> RetryClass {
        self.decided.0
    }

    /// What decided [`retry_class`](Self::retry_class): the server's
    /// directive, a rule, the code, the status table or the defaults.
    pub fn decided_by(&self) -> DecidedBy {
        self.decided.1
    }

    /// The name of the variant this error decoded to: the code's
    /// (`"RateLimited"`), else the status's (`"TooManyRequests"`).
    pub fn variant_name(&self) -> &'static str {
        match &self.code {
            Some(code) => code.variant_name(),
            None => self.status.variant_name(),
        }
    }

    /// Whether the response carried a code the catalog lists; for an API
    /// without codes, whether the status is in the catalog's status table.
    pub fn is_known(&self) -> bool {
        match &self.code {
            Some(code) => code.is_known(),
            None => !A::Code::HAS_CODES && self.status.is_listed(),
        }
    }
}

impl<A: CatalogApi> Clone for DecodedError<A> {
    fn clone(&self) -> Self {
        DecodedError {
            status: self.status,
            code: self.code.clone(),
            details: self.details.clone(),
            decided: self.decided,
            extras: self.extras.clone(),
        }
    }
}

impl<A: CatalogApi> PartialEq for DecodedError<A> {
    fn eq(&self, other: &Self) -> bool {
        self.status == other.status
            && self.code == other.code
            && self.details == other.details
            && self.decided == other.decided
            && self.extras == other.extras
    }
}

impl<A: CatalogApi> Eq for DecodedError<A> {}

impl<A: CatalogApi> fmt::Debug for DecodedError<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = f.debug_struct("Error");
        out.field("status", &self.status)
            .field("code", &self.code)
            .field("details", &self.details)
            .field("decided", &self.decided);
        if let Some(extras) = self.extras.as_extras() {
            out.field("extras", extras);
        }
        out.finish()
    }
}

/// `429 Too Many Requests [rate_limited]: Slow down. (request id r-1)`:
/// status and reason, code, message and request id, each when present.
impl<A: CatalogApi> fmt::Display for DecodedError<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        display(self, f)
    }
}

impl<A: CatalogApi> std::error::Error for DecodedError<A> {}

/// The fields of `cargo xtask classify`'s JSON, a contract: fields may be
/// added, never renamed or removed.
impl<A: CatalogApi> Serialize for DecodedError<A> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        static NO_EXTRAS: Extras = Extras::EMPTY;
        let mut out = serializer.serialize_struct("Error", 14)?;
        out.serialize_field("provider", A::PROVIDER)?;
        out.serialize_field("api", A::API)?;
        out.serialize_field("status", &self.details.status.as_u16())?;
        out.serialize_field("code", &self.code.as_ref().map(A::Code::as_str))?;
        out.serialize_field("variant", self.variant_name())?;
        out.serialize_field("known", &self.is_known())?;
        out.serialize_field("message", &self.details.message.as_deref())?;
        out.serialize_field("request_id", &self.details.request_id.as_deref())?;
        out.serialize_field("field_errors", &self.details.field_errors)?;
        out.serialize_field("retry_class", &self.retry_class())?;
        out.serialize_field("decided_by", &self.decided_by())?;
        out.serialize_field("hints", &self.details.delay_hints)?;
        out.serialize_field("raw", &self.details.raw)?;
        out.serialize_field("extras", self.extras.as_extras().unwrap_or(&NO_EXTRAS))?;
        out.end()
    }
}

impl<A: CatalogApi> ApiError for DecodedError<A> {
    const PROVIDER: &'static str = A::PROVIDER;
    const API: &'static str = A::API;
    const IDEMPOTENCY_HEADER: Option<&'static str> = A::IDEMPOTENCY_HEADER;
    const IDEMPOTENCY: IdempotencyLayout = A::IDEMPOTENCY;
    const RATE_LIMITS: &'static [RateLimit] = A::RATE_LIMITS;

    fn decode(status: http::StatusCode, headers: &http::HeaderMap, body: &[u8]) -> Self {
        DecodedError::decode(status, headers, body)
    }

    fn read_delay_hints(headers: &http::HeaderMap) -> DelayHints {
        A::DECODER.read_delay_hints(headers)
    }

    #[inline]
    fn spent_window_reset(headers: &http::HeaderMap) -> Option<RateLimitReset> {
        A::DECODER.spent_window_reset(headers)
    }

    fn success_check() -> Option<&'static SuccessCheck<'static>> {
        A::SUCCESS_CHECK
    }

    /// One decode for the predicate and the error: the check's decoder is
    /// the API's ([`CatalogApi::SUCCESS_CHECK`]).
    fn check_success(
        status: http::StatusCode,
        headers: &http::HeaderMap,
        body: &[u8],
    ) -> Option<Self> {
        let check = A::SUCCESS_CHECK?;
        if !status.is_success() || check.failure_when.is_empty() {
            return None;
        }
        let mut hints = DelayHints::default();
        let mut captures = Captures::default();
        let found = A::DECODER.find(status, headers, body, &mut hints, &mut captures);
        if !check.fails_found(status, headers, &found, &captures) {
            return None;
        }
        Some(Self::of_found(status, headers, found, &captures, &hints))
    }

    fn batch_layout() -> Option<&'static BatchLayout<'static>> {
        A::BATCH_LAYOUT
    }

    fn retry_class(&self) -> RetryClass {
        self.decided.0
    }

    fn decided_by(&self) -> Option<DecidedBy> {
        Some(self.decided.1)
    }

    fn extras(&self) -> Option<&Extras> {
        self.extras.as_extras()
    }

    fn code(&self) -> Option<Cow<'_, str>> {
        self.code.as_ref().map(|code| Cow::Borrowed(code.as_str()))
    }

    fn variant_name(&self) -> &'static str {
        DecodedError::variant_name(self)
    }

    fn is_known(&self) -> bool {
        DecodedError::is_known(self)
    }

    fn status(&self) -> Option<http::StatusCode> {
        Some(self.details.status)
    }

    fn message(&self) -> Option<&str> {
        DecodedError::message(self)
    }

    fn request_id(&self) -> Option<&str> {
        DecodedError::request_id(self)
    }

    fn field_errors(&self) -> &[FieldError] {
        DecodedError::field_errors(self)
    }

    fn delay_hints(&self) -> DelayHints {
        self.details.delay_hints
    }
}

/// The `Display` of every API error, generated or derived: the status and
/// its reason (else the variant's name, for a type that keeps no status),
/// then ` [code]`, `: message` and ` (request id …)` when present.
#[doc(hidden)]
pub fn display<E: ApiError>(error: &E, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    match error.status() {
        Some(status) => {
            f.write_str(status.as_str())?;
            if let Some(reason) = status.canonical_reason() {
                write!(f, " {reason}")?;
            }
        }
        None => f.write_str(error.variant_name())?,
    }
    if let Some(code) = error.code() {
        write!(f, " [{code}]")?;
    }
    if let Some(message) = error.message() {
        write!(f, ": {message}")?;
    }
    if let Some(id) = error.request_id() {
        write!(f, " (request id {id})")?;
    }
    Ok(())
}
