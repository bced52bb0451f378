//! `catalog!` expands TopMail's catalog in place: the same module
//! `cargo xtask gen` writes.
#![deny(warnings)]

errspec::catalog!("spec/topmail.yaml");

fn main() {
    use errspec::RetryClass;
    use http::{HeaderMap, HeaderValue, StatusCode};

    let mut headers = HeaderMap::new();
    headers.insert("retry-after", HeaderValue::from_static("7"));
    let body = br#"{"error":{"code":"rate_limited","message":"slow down"}}"#;
    let e = topmail::Error::decode(StatusCode::TOO_MANY_REQUESTS, &headers, body);
    assert_eq!(e.code(), Some(&topmail::Code::RateLimited));
    assert_eq!(e.retry_class(), RetryClass::Throttled);
    assert_eq!(e.message(), Some("slow down"));
    assert_eq!(e.delay_hints().retry_after, Some(errspec::RetryAfter::Seconds(7)));
}
