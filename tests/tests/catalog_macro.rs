//! `catalog!` expands each seed spec into the same module `cargo xtask gen`
//! checked in (`errspec-providers`): the expanded types decode every
//! response to the same value, field for field.
//!
//! (That the tokens are the same is a unit test of `errspec-macros`; this
//! checks the expanded code compiles and runs as a user's crate sees it.)

use errspec::ApiError;
use http::{HeaderMap, HeaderValue, StatusCode};

mod expanded {
    errspec::catalog!("../spec/artmail.yaml");
    errspec::catalog!("../spec/qboxmail.yaml");
    errspec::catalog!("../spec/topmail.yaml");
}

/// Responses every API must decode: documented bodies of each seed, and
/// what a proxy or a truncated read sends.
const BODIES: &[&str] = &[
    r#"{"error":{"code":"rate_limited","message":"slow down","path":"to"}}"#,
    r#"{"error":{"code":"validation_error","message":"bad","path":"to[0]"}}"#,
    r#"{"error":{"code":"brand_new","message":"?"}}"#,
    r#"{"code":"RATE_LIMITED","error":"Too many requests"}"#,
    r#"{"code":"validation_error","error":"bad input"}"#,
    r#"{"error":"missing_send_payload","message":"no messages","request_id":"r1"}"#,
    r#"{"message":"invalid","errors":[{"field":"name","description":"required"}]}"#,
    "<html><body>502 Bad Gateway</body></html>",
    r#"{"error":{"code":"rate_lim"#,
    "",
];

const STATUSES: &[u16] = &[400, 401, 403, 404, 409, 413, 422, 429, 500, 502, 503, 504];

fn headers() -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert("retry-after", HeaderValue::from_static("12"));
    headers.insert("x-ratelimit-remaining", HeaderValue::from_static("0"));
    headers.insert("x-ratelimit-reset", HeaderValue::from_static("1795521600"));
    headers
}

/// Decodes every response with both types and compares everything a
/// caller can see: the value itself (`Debug`), the trait's answers and
/// `Display`.
fn assert_same<A: ApiError, B: ApiError>() {
    assert_eq!((A::PROVIDER, A::API), (B::PROVIDER, B::API));
    assert_eq!(A::IDEMPOTENCY_HEADER, B::IDEMPOTENCY_HEADER);
    let headers = headers();
    assert_eq!(A::read_delay_hints(&headers), B::read_delay_hints(&headers));
    for &status in STATUSES {
        let status = StatusCode::from_u16(status).unwrap();
        for body in BODIES {
            let a = A::decode(status, &headers, body.as_bytes());
            let b = B::decode(status, &headers, body.as_bytes());
            let what = format!("{}/{} {status} {body:?}", A::PROVIDER, A::API);
            assert_eq!(format!("{a:?}"), format!("{b:?}"), "{what}");
            assert_eq!(a.to_string(), b.to_string(), "{what}");
            assert_eq!(a.retry_class(), b.retry_class(), "{what}");
            assert_eq!(a.code(), b.code(), "{what}");
            assert_eq!(a.variant_name(), b.variant_name(), "{what}");
            assert_eq!(a.is_known(), b.is_known(), "{what}");
            assert_eq!(a.field_errors(), b.field_errors(), "{what}");
            assert_eq!(a.delay_hints(), b.delay_hints(), "{what}");
        }
    }
}

#[test]
fn expanded_modules_decode_like_the_generated_crate() {
    use errspec_providers as generated;
    assert_same::<expanded::artmail::Error, generated::artmail::Error>();
    assert_same::<expanded::qboxmail::management::Error, generated::qboxmail::management::Error>();
    assert_same::<expanded::qboxmail::send::Error, generated::qboxmail::send::Error>();
    assert_same::<expanded::topmail::Error, generated::topmail::Error>();
}

#[test]
fn expanded_types_are_usable_directly() {
    let body = br#"{"error":{"code":"rate_limited","message":"slow down"}}"#;
    let e = expanded::topmail::Error::decode(StatusCode::TOO_MANY_REQUESTS, &headers(), body);
    assert_eq!(e.code(), Some(&expanded::topmail::Code::RateLimited));
    assert_eq!(e.retry_class(), errspec::RetryClass::Throttled);
    assert_eq!(e.message(), Some("slow down"));
}
