//! Proc-macros for errspec, re-exported by the `errspec` crate:
//!
//! - [`catalog!`]: expands a spec file in place into the module
//!   `cargo xtask gen` would write for it;
//! - [`derive(ApiError)`](derive@ApiError): makes your own enum an
//!   `errspec::ApiError`, bound to a spec file or with its catalog written
//!   in-line, so it decodes responses and drives `errspec::Client` like a
//!   generated type.
//!
//! Both are thin callers of `errspec-codegen`: the same loader, checks and
//! generator as `cargo xtask gen`. Spec paths are relative to the calling
//! crate's `Cargo.toml` (`CARGO_MANIFEST_DIR`), and the expansion includes
//! the spec with `include_str!`, so editing the YAML expands the macro
//! again. Mistakes are compile errors at the offending literal; spec errors
//! carry the YAML's `file:line:col` and the rendered diagnostic.
#![forbid(unsafe_code)]

mod ast;
mod attr;
mod bind;
mod catalog;
mod check;
mod class;
mod ctxt;
mod expand;
mod spec_file;

use proc_macro::TokenStream;

/// Expands a spec file into the provider module `cargo xtask gen` writes
/// for it: `pub mod <provider> { … }` with, per API, the `Code` and
/// `Status` enums and the `Error` type (a submodule per API when the
/// provider has several).
///
/// The path is relative to the calling crate's `Cargo.toml`. The expansion
/// is the generator's own output, so it is the same as the checked-in
/// `errspec-providers` module, docs included (a test compares them).
///
/// ```
/// // This example lives in errspec's `macros/` directory.
/// errspec::catalog!("../spec/topmail.yaml");
///
/// use errspec::RetryClass;
/// use http::{HeaderMap, HeaderValue, StatusCode};
///
/// fn main() {
///     let mut headers = HeaderMap::new();
///     headers.insert("retry-after", HeaderValue::from_static("7"));
///     let body = br#"{"error":{"code":"rate_limited","message":"slow down"}}"#;
///
///     let error = topmail::Error::decode(StatusCode::TOO_MANY_REQUESTS, &headers, body);
///     assert_eq!(error.code(), Some(&topmail::Code::RateLimited));
///     assert_eq!(error.retry_class(), RetryClass::Throttled);
///     assert_eq!(error.to_string(), "429 Too Many Requests [rate_limited]: slow down");
/// }
/// ```
///
/// A spec with errors fails to compile, every error shown at the path with
/// its location in the YAML:
///
/// ```text
/// error: unknown retry class `throttle`
///          --> spec/broken.yaml:13:16
///           |
///        13 |         retry: throttle
///           |                ^^^^^^^^ not a retry class
///           |
///           = help: did you mean `throttled`?
///  --> src/lib.rs:1:18
///   |
/// 1 | errspec::catalog!("spec/broken.yaml");
///   |                   ^^^^^^^^^^^^^^^^^^
/// ```
#[proc_macro]
pub fn catalog(input: TokenStream) -> TokenStream {
    catalog::expand(input.into(), &spec_file::manifest_dir()).into()
}

/// Implements `errspec::ApiError`, `Display` and `std::error::Error` for an
/// enum of API errors. Derive `Debug` yourself (the trait requires it).
///
/// Each variant says which responses it receives: machine codes
/// (`code = "..."`, repeatable, or `codes("a", "b")`) and/or HTTP statuses
/// (`status = 429`, repeatable, or `statuses(502, 503)`). Exactly one
/// variant is the catch-all, `#[errspec(other)]`, and receives everything
/// else. A response goes to the variant listing its code, else to the one
/// listing its status, else to the catch-all: decoding never fails.
///
/// # Bound to a spec file
///
/// `#[errspec(spec = "spec/topmail.yaml")]` takes the body layout, the
/// headers and every retry class from the catalog (add `api = "..."` when
/// the provider has several APIs). Codes must be in the catalog; with
/// `#[errspec(exhaustive)]` every code of the catalog must be mapped, so a
/// code added to the spec is a compile error until you handle it.
///
/// ```
/// use std::time::Duration;
///
/// use errspec::{ApiError, FieldError, RetryClass};
/// use http::{HeaderMap, HeaderValue, StatusCode};
///
/// #[derive(Debug, ApiError)]
/// #[errspec(spec = "../spec/topmail.yaml")] // relative to Cargo.toml
/// enum TopMailError {
///     #[errspec(code = "rate_limited")]
///     RateLimited {
///         message: Option<String>,
///         retry_after: Option<Duration>,
///     },
///     #[errspec(codes("validation_error", "missing_from_email"))]
///     Invalid {
///         code: Option<String>,
///         field_errors: Vec<FieldError>,
///     },
///     #[errspec(other)]
///     Other { status: StatusCode, code: Option<String> },
/// }
///
/// let mut headers = HeaderMap::new();
/// headers.insert("retry-after", HeaderValue::from_static("7"));
/// let body = br#"{"error":{"code":"rate_limited","message":"slow down"}}"#;
/// let error = TopMailError::decode(StatusCode::TOO_MANY_REQUESTS, &headers, body);
///
/// let TopMailError::RateLimited { message, retry_after } = &error else { panic!() };
/// assert_eq!(message.as_deref(), Some("slow down"));
/// assert_eq!(*retry_after, Some(Duration::from_secs(7)));
/// assert_eq!(error.retry_class(), RetryClass::Throttled);
/// assert_eq!(error.to_string(), "RateLimited [rate_limited]: slow down");
///
/// let error = TopMailError::decode(StatusCode::BAD_GATEWAY, &headers, b"<html>");
/// assert!(matches!(error, TopMailError::Other { status: StatusCode::BAD_GATEWAY, code: None }));
/// assert_eq!(error.retry_class(), RetryClass::Backoff);
/// ```
///
/// # With the catalog in-line
///
/// Without a spec file, the enum's attributes describe the API the way the
/// spec language does, and each mapped variant may give its retry class
/// (`retry = "never" | "backoff" | "throttled" | "ambiguous"`); without
/// one, its statuses' class under `defaults(...)` applies.
///
/// ```
/// use errspec::{ApiError, RetryClass};
/// use http::{HeaderMap, StatusCode};
///
/// #[derive(Debug, ApiError)]
/// #[errspec(
///     provider = "acme",
///     api = "billing",
///     code = "/error/code",
///     message = "/error/message",
///     request_id = "/request_id",
///     retry_after = "Retry-After",
///     idempotency_header = "Idempotency-Key",
/// )]
/// enum BillingError {
///     #[errspec(status = 429, retry = "throttled")]
///     RateLimited,
///     #[errspec(code = "card_declined", code = "insufficient_funds", retry = "never")]
///     Declined { code: Option<String>, message: Option<String> },
///     #[errspec(statuses(502, 503), retry = "backoff")]
///     Unavailable,
///     #[errspec(other)]
///     Other { status: StatusCode, request_id: Option<String> },
/// }
///
/// let body = br#"{"error":{"code":"card_declined","message":"Declined"},"request_id":"r1"}"#;
/// let error = BillingError::decode(StatusCode::PAYMENT_REQUIRED, &HeaderMap::new(), body);
/// assert_eq!(error.variant_name(), "Declined");
/// assert_eq!(error.code().as_deref(), Some("card_declined"));
/// assert_eq!(error.retry_class(), RetryClass::Never);
/// assert_eq!(BillingError::IDEMPOTENCY_HEADER, Some("idempotency-key"));
///
/// // Unlisted 5xx: the catch-all, classified by the defaults.
/// let error = BillingError::decode(StatusCode::INTERNAL_SERVER_ERROR, &HeaderMap::new(), b"");
/// assert_eq!(error.retry_class(), RetryClass::Backoff);
/// assert!(!error.is_known());
/// ```
///
/// The in-line attributes on the enum (pointers are JSON pointers, headers
/// are header names):
///
/// | attribute | spec language | |
/// |---|---|---|
/// | `provider = "acme"` | `provider` | required; `ApiError::PROVIDER` |
/// | `api = "billing"` | the API's name | `ApiError::API` (default `"default"`) |
/// | `format = "json"` | `body.format` | `json` (default) or `text` (not parsed) |
/// | `errors = "/errors"` | `body.errors` | an array of errors; the others are relative to each item |
/// | `code = "/error/code"` | `body.code.pointer` | where the code is |
/// | `code_header = "X-Error-Code"` | `body.code.header` | or in a header |
/// | `code_type = "integer"` | `body.code.type` | `string` (default) or `integer` |
/// | `message = "/error/message"` | `body.message` | |
/// | `request_id = "/request_id"` | `body.request_id` | |
/// | `field_errors(items = "/errors", field = "/field", message = "/message")` | `body.field_errors` | `field` required |
/// | `retry_after = "Retry-After"` | `headers.retry_after` | |
/// | `request_id_header = "X-Request-Id"` | `headers.request_id` | used when the body has none |
/// | `rate_limit(limit = "…", remaining = "…", reset = "…", reset_unit = "seconds")` | `headers.rate_limit` | `reset_unit`: `unix_seconds` (default) or `seconds` |
/// | `idempotency_header = "Idempotency-Key"` | `idempotency.header` | `ApiError::IDEMPOTENCY_HEADER` |
/// | `defaults(client_error = "never", server_error = "backoff")` | `defaults` | classes of unlisted statuses (these are the defaults) |
///
/// # Fields
///
/// Variants are unit variants or have named fields, which the decoder
/// fills by name:
///
/// | field | type | holds |
/// |---|---|---|
/// | `status` | `http::StatusCode` or `u16` | the HTTP status |
/// | `code` | `Option<String>` | the code as sent (an integer in decimal) |
/// | `message` | `Option<String>` | the message |
/// | `request_id` | `Option<String>` | the request id (body, else header) |
/// | `field_errors` | `Vec<errspec::FieldError>` | field-level errors |
/// | `retry_after` | `Option<std::time::Duration>` | the server's requested delay: `Retry-After`, else a spent rate-limit window's reset |
/// | `delay_hints` (or `hints`) | `errspec::DelayHints` | every delay header |
/// | `raw` | `Option<String>` | a snippet of a body that did not decode |
/// | `retry_class` | `errspec::RetryClass` | the class decided for the response, as the generated type decides it |
/// | `decided_by` | `errspec::DecidedBy` | what decided it: the directive, a rule, the code, the status, the defaults |
/// | `extras` | `errspec::Extras` | the catalog's `extras`, by name (`extras.by_name("decline_code")`) |
///
/// The accessors of `ApiError` answer from the fields: `message()` from
/// `message`, `status()` from `status` (or the variant's only status),
/// `code()` from `code` (or the variant's only code), and so on.
///
/// # Retry classes
///
/// `retry_class()` gives what a generated type gives for the same
/// response. A variant with a `retry_class` field keeps the class decided
/// when the response was decoded, exactly as the generated type decides it
/// (the server's retry directive, the catalog's `rules`, the code's class,
/// the status table, the defaults); `decided_by` keeps what decided it.
/// Without that field, the variant's class comes from the code and status
/// tables: the code's class when the catalog gives one, else the status's.
/// When a variant can receive responses of different classes, it must
/// keep what tells them apart, and the derive says so: the catch-all
/// usually needs a `status` field (or `retry_class`), and a variant mapping
/// codes of different classes a `code` field. A variant whose responses
/// the catalog's rules or retry directive can classify (a rule whose
/// `status` and `code` conditions it can meet) must keep `retry_class`.
///
/// ```
/// use errspec::{ApiError, DecidedBy, RetryClass};
/// use http::{HeaderMap, HeaderValue, StatusCode};
///
/// // Stripe sends `Stripe-Should-Retry`, which decides any response's class.
/// #[derive(Debug, ApiError)]
/// #[errspec(spec = "../spec/stripe.yaml", api = "api")]
/// enum StripeError {
///     #[errspec(code = "lock_timeout")]
///     LockTimeout { retry_class: RetryClass },
///     #[errspec(other)]
///     Other { code: Option<String>, retry_class: RetryClass, decided_by: DecidedBy },
/// }
///
/// let mut headers = HeaderMap::new();
/// headers.insert("stripe-should-retry", HeaderValue::from_static("false"));
/// let body = br#"{"error":{"code":"resource_missing","message":"No such customer"}}"#;
/// let error = StripeError::decode(StatusCode::CONFLICT, &headers, body);
/// assert_eq!(error.retry_class(), RetryClass::Never);
/// assert_eq!(error.decided_by(), Some(DecidedBy::Directive));
/// ```
///
/// # What else is generated
///
/// - `Display`: the status and reason (else the variant's name), then
///   `[code]`, `: message` and `(request id …)` when kept, as generated
///   types print: `429 Too Many Requests [rate_limited]: slow down`.
/// - `std::error::Error`, with no source.
/// - `is_known()` is false exactly for the catch-all.
///
/// # Compile-time checks
///
/// Every mistake is reported at the attribute that makes it, all at once:
/// an unknown code (with a suggestion), a code or status mapped twice, no
/// catch-all or two, a status outside 100–599, an unknown retry class, a
/// field the decoder cannot fill, an unreadable or invalid spec file, an
/// unmapped code under `exhaustive`, a malformed JSON pointer or header
/// name, a variant that must keep its code or status.
///
/// ```compile_fail
/// #[derive(Debug, errspec::ApiError)]
/// #[errspec(spec = "../spec/topmail.yaml")]
/// enum TopMailError {
///     #[errspec(code = "rate_limted")] // unknown code `rate_limted`; did you mean `rate_limited`?
///     RateLimited,
///     #[errspec(other)]
///     Other { status: http::StatusCode },
/// }
/// ```
#[proc_macro_derive(ApiError, attributes(errspec))]
pub fn derive_api_error(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    expand::derive(&input, &spec_file::manifest_dir()).into()
}
