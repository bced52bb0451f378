//! A type-erased view of API errors, so tools can pick an API by name at run
//! time (`cargo xtask classify topmail …`).

use std::borrow::Cow;

use crate::{ApiError, DecidedBy, DelayHints, FieldError, RetryClass};

/// The object-safe part of [`ApiError`].
pub trait DynApiError: std::error::Error + Send + Sync + 'static {
    /// See [`ApiError::retry_class`].
    fn retry_class(&self) -> RetryClass;
    /// See [`ApiError::status`].
    fn status(&self) -> Option<http::StatusCode>;
    /// See [`ApiError::message`].
    fn message(&self) -> Option<&str>;
    /// See [`ApiError::request_id`].
    fn request_id(&self) -> Option<&str>;
    /// See [`ApiError::field_errors`].
    fn field_errors(&self) -> &[FieldError];
    /// See [`ApiError::delay_hints`].
    fn delay_hints(&self) -> DelayHints;
    /// See [`ApiError::code`].
    fn code(&self) -> Option<Cow<'_, str>>;
    /// See [`ApiError::variant_name`].
    fn variant_name(&self) -> &'static str;
    /// See [`ApiError::is_known`].
    fn is_known(&self) -> bool;
    /// See [`ApiError::decided_by`].
    fn decided_by(&self) -> Option<DecidedBy>;
    /// See [`ApiError::extras`].
    fn extras(&self) -> Option<&crate::Extras>;
}

impl<E: ApiError> DynApiError for E {
    fn retry_class(&self) -> RetryClass {
        ApiError::retry_class(self)
    }
    fn status(&self) -> Option<http::StatusCode> {
        ApiError::status(self)
    }
    fn message(&self) -> Option<&str> {
        ApiError::message(self)
    }
    fn request_id(&self) -> Option<&str> {
        ApiError::request_id(self)
    }
    fn field_errors(&self) -> &[FieldError] {
        ApiError::field_errors(self)
    }
    fn delay_hints(&self) -> DelayHints {
        ApiError::delay_hints(self)
    }
    fn code(&self) -> Option<Cow<'_, str>> {
        ApiError::code(self)
    }
    fn variant_name(&self) -> &'static str {
        ApiError::variant_name(self)
    }
    fn is_known(&self) -> bool {
        ApiError::is_known(self)
    }
    fn decided_by(&self) -> Option<DecidedBy> {
        ApiError::decided_by(self)
    }
    fn extras(&self) -> Option<&crate::Extras> {
        ApiError::extras(self)
    }
}

/// [`ApiError::check_success`], type-erased.
pub type CheckSuccess =
    fn(http::StatusCode, &http::HeaderMap, &[u8]) -> Option<Box<dyn DynApiError>>;

/// One API of a generated catalog, reachable by name.
#[derive(Clone, Copy, Debug)]
pub struct ApiEntry {
    /// The provider's identifier.
    pub provider: &'static str,
    /// The API's name.
    pub api: &'static str,
    /// The idempotency-key header, if the API supports one.
    pub idempotency_header: Option<&'static str>,
    /// The API's delay-header reader.
    pub read_delay_hints: fn(&http::HeaderMap) -> DelayHints,
    /// The API's decoder, type-erased.
    pub decode: fn(http::StatusCode, &http::HeaderMap, &[u8]) -> Box<dyn DynApiError>,
    /// [`ApiError::check_success`], type-erased: the error a 2xx decodes
    /// to when the API's success predicate calls it a failure.
    pub check_success: CheckSuccess,
    /// [`ApiError::batch_failures`]: the failed items of a batch response.
    pub batch_failures: fn(http::StatusCode, &http::HeaderMap, &[u8]) -> Vec<crate::BatchFailure>,
}

impl ApiEntry {
    /// The entry for an [`ApiError`] type.
    pub const fn of<E: ApiError>() -> Self {
        ApiEntry {
            provider: E::PROVIDER,
            api: E::API,
            idempotency_header: E::IDEMPOTENCY_HEADER,
            read_delay_hints: E::read_delay_hints,
            decode: |status, headers, body| Box::new(E::decode(status, headers, body)),
            check_success: |status, headers, body| {
                E::check_success(status, headers, body).map(|e| Box::new(e) as Box<dyn DynApiError>)
            },
            batch_failures: E::batch_failures,
        }
    }
}

/// Code that needs an API's concrete error type, picked by name at run
/// time: generated crates call [`visit`](ApiVisitor::visit) with it.
pub trait ApiVisitor {
    /// What the visit produces.
    type Output;

    /// Runs with `E` as the API's error type.
    fn visit<E: ApiError>(self) -> Self::Output;
}
