//! A hand-written `ApiError` for tests, shaped like generated code: a static
//! layout, `decode_parts`, then a classification by status.
//!
//! Body: `{"error":{"code":"..","message":".."},"request_id":".."}`.
//! Classes: 400 never, 429 throttled, 500/503 backoff, 504 ambiguous.
#![allow(dead_code)]

use std::borrow::Cow;
use std::fmt;

use errspec::__private::decode::{RawCode, decode_parts};
use errspec::__private::layout::{
    ApiLayout, BodyFormat, BodyLayout, CodeSource, CodeType, HeaderLayout, Pointer,
    RateLimitLayout, ResetUnit,
};
use errspec::{ApiError, DelayHints, ErrorDetails, FieldError, RetryClass};

pub static LAYOUT: ApiLayout = ApiLayout {
    body: BodyLayout {
        format: BodyFormat::Json,
        errors: None,
        code: Some(CodeSource::Body(Pointer(&["error", "code"]))),
        code_type: CodeType::String,
        message: Some(Pointer(&["error", "message"])),
        request_id: Some(Pointer(&["request_id"])),
        field_errors: None,
        ..BodyLayout::JSON
    },
    headers: HeaderLayout {
        retry_after: Some("retry-after"),
        request_id: Some("x-request-id"),
        rate_limit: Some(RateLimitLayout {
            limit: Some("x-ratelimit-limit"),
            remaining: Some("x-ratelimit-remaining"),
            reset: Some("x-ratelimit-reset"),
            reset_unit: ResetUnit::Seconds,
        }),
        ..HeaderLayout::NONE
    },
};

/// The test API's error. `KEYED`: whether the API takes idempotency keys.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TestError<const KEYED: bool> {
    pub code: Option<RawCode<'static>>,
    pub details: ErrorDetails,
}

/// An API that takes `idempotency-key`.
pub type KeyedError = TestError<true>;
/// An API without idempotency keys.
pub type UnkeyedError = TestError<false>;

impl<const KEYED: bool> fmt::Display for TestError<KEYED> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.details.status)?;
        if let Some(code) = &self.code {
            write!(f, " [{code}]")?;
        }
        if let Some(message) = &self.details.message {
            write!(f, ": {message}")?;
        }
        if let Some(id) = &self.details.request_id {
            write!(f, " (request {id})")?;
        }
        Ok(())
    }
}

impl<const KEYED: bool> std::error::Error for TestError<KEYED> {}

impl<const KEYED: bool> ApiError for TestError<KEYED> {
    const PROVIDER: &'static str = "test";
    const API: &'static str = "widgets";
    const IDEMPOTENCY_HEADER: Option<&'static str> =
        if KEYED { Some("idempotency-key") } else { None };

    fn decode(status: http::StatusCode, headers: &http::HeaderMap, body: &[u8]) -> Self {
        let (code, details) = decode_parts(&LAYOUT, status, headers, body).into_details(status);
        TestError { code, details }
    }

    fn read_delay_hints(headers: &http::HeaderMap) -> DelayHints {
        DelayHints::from_headers(&LAYOUT.headers, headers)
    }

    fn retry_class(&self) -> RetryClass {
        match self.details.status.as_u16() {
            429 => RetryClass::Throttled,
            504 => RetryClass::Ambiguous,
            500..=599 => RetryClass::Backoff,
            _ => RetryClass::Never,
        }
    }

    fn code(&self) -> Option<Cow<'_, str>> {
        self.code.as_ref().map(RawCode::to_text)
    }

    fn variant_name(&self) -> &'static str {
        match self.code.as_ref().and_then(RawCode::as_str) {
            Some("invalid_widget") => "InvalidWidget",
            Some("rate_limited") => "RateLimited",
            _ => "Unknown",
        }
    }

    fn is_known(&self) -> bool {
        self.variant_name() != "Unknown"
    }

    fn status(&self) -> Option<http::StatusCode> {
        Some(self.details.status)
    }

    fn message(&self) -> Option<&str> {
        self.details.message.as_deref()
    }

    fn request_id(&self) -> Option<&str> {
        self.details.request_id.as_deref()
    }

    fn field_errors(&self) -> &[FieldError] {
        &self.details.field_errors
    }

    fn delay_hints(&self) -> DelayHints {
        self.details.delay_hints
    }
}

/// A JSON error body in the test API's shape.
pub fn error_body(code: &str, message: &str, request_id: &str) -> String {
    format!(r#"{{"error":{{"code":"{code}","message":"{message}"}},"request_id":"{request_id}"}}"#)
}
