//! A user's enum bound to TopMail's catalog, decoding TopMail's documented
//! bodies: variants, fields, retry classes, accessors and `Display`.
#![deny(warnings)]

use std::time::Duration;

use errspec::{ApiError, FieldError, RetryClass};
use http::{HeaderMap, HeaderValue, StatusCode};

/// The TopMail errors this application tells apart.
#[derive(Debug, PartialEq, ApiError)]
#[errspec(spec = "spec/topmail.yaml")]
enum TopMailError {
    #[errspec(code = "rate_limited")]
    RateLimited {
        message: Option<String>,
        retry_after: Option<Duration>,
    },
    #[errspec(
        code = "validation_error",
        code = "missing_from_email",
        code = "no_content"
    )]
    Invalid {
        code: Option<String>,
        message: Option<String>,
        field_errors: Vec<FieldError>,
    },
    #[errspec(codes("not_found", "template_not_found", "contact_not_found"))]
    NotFound,
    #[errspec(status = 500)]
    ServerError { status: u16 },
    #[errspec(other)]
    Other {
        status: StatusCode,
        code: Option<String>,
        message: Option<String>,
    },
}

fn decode(status: u16, headers: &[(&'static str, &'static str)], body: &str) -> TopMailError {
    let mut map = HeaderMap::new();
    for (name, value) in headers {
        map.insert(*name, HeaderValue::from_static(value));
    }
    TopMailError::decode(StatusCode::from_u16(status).unwrap(), &map, body.as_bytes())
}

fn main() {
    let e = decode(
        429,
        &[("retry-after", "7")],
        r#"{"error":{"code":"rate_limited","message":"slow down"}}"#,
    );
    assert_eq!(
        e,
        TopMailError::RateLimited {
            message: Some("slow down".into()),
            retry_after: Some(Duration::from_secs(7)),
        }
    );
    assert_eq!(e.retry_class(), RetryClass::Throttled);
    assert_eq!(e.code().as_deref(), Some("rate_limited"));
    assert_eq!(e.message(), Some("slow down"));
    assert_eq!(e.variant_name(), "RateLimited");
    assert!(e.is_known());
    assert_eq!(e.status(), None);
    assert_eq!(e.to_string(), "RateLimited [rate_limited]: slow down");

    let e = decode(
        400,
        &[],
        r#"{"error":{"code":"validation_error","message":"invalid address","path":"to[0]"}}"#,
    );
    assert_eq!(
        e,
        TopMailError::Invalid {
            code: Some("validation_error".into()),
            message: Some("invalid address".into()),
            field_errors: vec![FieldError::new("to[0]").with_message("invalid address")],
        }
    );
    assert_eq!(e.retry_class(), RetryClass::Never);
    assert_eq!(e.field_errors().len(), 1);
    assert_eq!(e.code().as_deref(), Some("validation_error"));

    let e = decode(
        404,
        &[],
        r#"{"error":{"code":"template_not_found","message":"no"}}"#,
    );
    assert_eq!(e, TopMailError::NotFound);
    assert_eq!(e.retry_class(), RetryClass::Never);
    // Several codes and no `code` field: which one is not kept.
    assert_eq!(e.code(), None);

    // `internal_error` is not mapped; its status is.
    let e = decode(
        500,
        &[],
        r#"{"error":{"code":"internal_error","message":"oops"}}"#,
    );
    assert_eq!(e, TopMailError::ServerError { status: 500 });
    assert_eq!(e.retry_class(), RetryClass::Backoff);
    assert_eq!(e.status(), Some(StatusCode::INTERNAL_SERVER_ERROR));
    assert_eq!(e.to_string(), "500 Internal Server Error");

    // A proxy's HTML page: the catch-all, classified by its status.
    let e = decode(503, &[], "<html>Service Unavailable</html>");
    assert_eq!(
        e,
        TopMailError::Other {
            status: StatusCode::SERVICE_UNAVAILABLE,
            code: None,
            message: None,
        }
    );
    assert_eq!(e.retry_class(), RetryClass::Backoff);
    assert!(!e.is_known());

    // A code TopMail added after the catalog was written.
    let e = decode(403, &[], r#"{"error":{"code":"brand_new","message":"hm"}}"#);
    assert_eq!(e.code().as_deref(), Some("brand_new"));
    assert_eq!(e.retry_class(), RetryClass::Never);
    assert_eq!(e.to_string(), "403 Forbidden [brand_new]: hm");

    // The delay headers, read whatever variant a response decodes to.
    let mut headers = HeaderMap::new();
    headers.insert("retry-after", HeaderValue::from_static("3"));
    let hints = TopMailError::read_delay_hints(&headers);
    assert_eq!(hints.retry_after, Some(errspec::RetryAfter::Seconds(3)));
    assert_eq!(TopMailError::PROVIDER, "topmail");
    assert_eq!(TopMailError::API, "api");
    assert_eq!(TopMailError::IDEMPOTENCY_HEADER, Some("idempotency-key"));

    let boxed: Box<dyn std::error::Error + Send + Sync> = Box::new(e);
    assert_eq!(boxed.to_string(), "403 Forbidden [brand_new]: hm");
}
