//! The catalog this crate generates for itself in `build.rs` decodes and
//! classifies like any other.
#![allow(missing_docs)]

use errspec::{ApiError, RetryClass};
use errspec_examples::errors::acme;
use http::{HeaderMap, HeaderValue, StatusCode};

#[test]
fn the_build_script_catalog_decodes_and_classifies() {
    let mut headers = HeaderMap::new();
    headers.insert("retry-after", HeaderValue::from_static("7"));
    let body = br#"{"error":{"code":"rate_limited","message":"slow down"}}"#;
    let error = acme::Error::decode(StatusCode::TOO_MANY_REQUESTS, &headers, body);
    assert_eq!(error.code(), Some(&acme::Code::RateLimited));
    assert_eq!(error.retry_class(), RetryClass::Throttled);
    assert_eq!(acme::Error::IDEMPOTENCY_HEADER, Some("idempotency-key"));
    let other = acme::Error::decode(StatusCode::BAD_REQUEST, &HeaderMap::new(), b"<html>");
    assert_eq!(other.retry_class(), RetryClass::Never);
}
