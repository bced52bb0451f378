//! Enums whose catalog is written in-line: a JSON:API-style body with an
//! array of errors, field errors, rate-limit headers and request ids; and
//! a text API whose integer codes come in a header.
#![deny(warnings)]

use errspec::{ApiError, DelayHints, FieldError, RateLimitReset, RetryClass};
use http::{HeaderMap, HeaderValue, StatusCode};

#[derive(Debug, PartialEq, ApiError)]
#[errspec(
    provider = "acme",
    api = "billing",
    errors = "/errors",
    code = "/code",
    message = "/detail",
    request_id = "/meta/request_id",
    field_errors(field = "/source/pointer", message = "/detail"),
    retry_after = "Retry-After",
    request_id_header = "X-Request-Id",
    rate_limit(
        limit = "X-RateLimit-Limit",
        remaining = "X-RateLimit-Remaining",
        reset = "X-RateLimit-Reset",
        reset_unit = "seconds"
    ),
    idempotency_header = "Idempotency-Key",
    defaults(client_error = "never", server_error = "ambiguous")
)]
enum BillingError {
    #[errspec(status = 429, retry = "throttled")]
    RateLimited {
        delay_hints: DelayHints,
        request_id: Option<String>,
    },
    #[errspec(code = "card_declined", code = "insufficient_funds", retry = "never")]
    Declined {
        code: Option<String>,
        message: Option<String>,
    },
    /// No `retry`: the class of status 422 under the defaults, `never`.
    #[errspec(code = "invalid_field", status = 422)]
    Invalid { field_errors: Vec<FieldError> },
    #[errspec(statuses(502, 503), retry = "backoff")]
    Unavailable,
    #[errspec(other)]
    Other {
        status: StatusCode,
        raw: Option<String>,
    },
}

#[derive(Debug, PartialEq, ApiError)]
#[errspec(
    provider = "legacy",
    format = "text",
    code_header = "X-Error-Code",
    code_type = "integer"
)]
enum LegacyError {
    #[errspec(code = 1001, code = -7, retry = "backoff")]
    Busy { code: Option<String> },
    #[errspec(code = "2002", retry = "never")]
    Denied,
    #[errspec(other, retry = "never")]
    Other { raw: Option<String> },
}

fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in pairs {
        map.insert(*name, HeaderValue::from_static(value));
    }
    map
}

fn main() {
    let e = BillingError::decode(
        StatusCode::TOO_MANY_REQUESTS,
        &headers(&[
            ("x-ratelimit-limit", "100"),
            ("x-ratelimit-remaining", "0"),
            ("x-ratelimit-reset", "30"),
            ("x-request-id", "req_h"),
        ]),
        b"",
    );
    assert_eq!(
        e,
        BillingError::RateLimited {
            delay_hints: DelayHints {
                rate_limit_limit: Some(100),
                rate_limit_remaining: Some(0),
                rate_limit_reset: Some(RateLimitReset::After(30)),
                ..DelayHints::default()
            },
            request_id: Some("req_h".into()),
        }
    );
    assert_eq!(e.retry_class(), RetryClass::Throttled);
    assert_eq!(e.request_id(), Some("req_h"));
    assert_eq!(e.delay_hints().rate_limit_limit, Some(100));
    assert_eq!(e.status(), Some(StatusCode::TOO_MANY_REQUESTS));

    let body = br#"{"errors":[{"code":"insufficient_funds","detail":"Not enough money"}],"meta":{"request_id":"req_1"}}"#;
    let e = BillingError::decode(StatusCode::PAYMENT_REQUIRED, &HeaderMap::new(), body);
    assert_eq!(
        e,
        BillingError::Declined {
            code: Some("insufficient_funds".into()),
            message: Some("Not enough money".into()),
        }
    );
    assert_eq!(e.retry_class(), RetryClass::Never);
    assert_eq!(
        e.to_string(),
        "Declined [insufficient_funds]: Not enough money"
    );

    let body = br#"{"errors":[
        {"code":"invalid_field","detail":"must be positive","source":{"pointer":"/amount"}},
        {"code":"invalid_field","detail":"unknown currency","source":{"pointer":"/currency"}}
    ]}"#;
    let e = BillingError::decode(StatusCode::UNPROCESSABLE_ENTITY, &HeaderMap::new(), body);
    let BillingError::Invalid { field_errors } = &e else {
        panic!("{e:?}");
    };
    let fields: Vec<&str> = field_errors.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(fields, ["/amount", "/currency"]);
    assert_eq!(e.retry_class(), RetryClass::Never);
    assert_eq!(e.code().as_deref(), Some("invalid_field"));

    let e = BillingError::decode(StatusCode::BAD_GATEWAY, &HeaderMap::new(), b"<html/>");
    assert_eq!(e, BillingError::Unavailable);
    assert_eq!(e.retry_class(), RetryClass::Backoff);

    // Unlisted 5xx: the defaults say `ambiguous`.
    let e = BillingError::decode(
        StatusCode::INTERNAL_SERVER_ERROR,
        &HeaderMap::new(),
        b"boom",
    );
    assert_eq!(e.retry_class(), RetryClass::Ambiguous);
    assert!(!e.is_known());
    let BillingError::Other { raw, .. } = &e else {
        panic!("{e:?}");
    };
    assert_eq!(raw.as_deref(), Some("boom"));
    assert_eq!(BillingError::IDEMPOTENCY_HEADER, Some("idempotency-key"));
    assert_eq!(
        (BillingError::PROVIDER, BillingError::API),
        ("acme", "billing")
    );

    let e = LegacyError::decode(
        StatusCode::SERVICE_UNAVAILABLE,
        &headers(&[("x-error-code", "-7")]),
        b"busy, try later",
    );
    assert_eq!(
        e,
        LegacyError::Busy {
            code: Some("-7".into())
        }
    );
    assert_eq!(e.retry_class(), RetryClass::Backoff);
    let e = LegacyError::decode(
        StatusCode::FORBIDDEN,
        &headers(&[("x-error-code", "2002")]),
        b"no",
    );
    assert_eq!(e, LegacyError::Denied);
    assert_eq!(e.code().as_deref(), Some("2002"));
    let e = LegacyError::decode(StatusCode::FORBIDDEN, &HeaderMap::new(), b"who knows");
    assert_eq!(
        e,
        LegacyError::Other {
            raw: Some("who knows".into())
        }
    );
    assert_eq!(e.retry_class(), RetryClass::Never);
    assert_eq!(LegacyError::API, "default");
}
