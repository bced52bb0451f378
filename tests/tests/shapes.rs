//! Where the code is, and the values beside it (issue 16, "shape"): small
//! catalogs of real APIs in `tests/specs/valid/`, expanded with
//! `errspec::catalog!`, decode those APIs' documented example responses.

use errspec::{ApiError, RetryClass};
use http::{HeaderMap, HeaderValue, StatusCode};

mod expanded {
    errspec::catalog!("specs/valid/stripe-extras.yaml");
    errspec::catalog!("specs/valid/aws-json.yaml");
    errspec::catalog!("specs/valid/openai-code-or-type.yaml");
    errspec::catalog!("specs/valid/google-canonical.yaml");
    errspec::catalog!("specs/valid/mandrill-name-and-code.yaml");
}

use expanded::*;

fn status(n: u16) -> StatusCode {
    StatusCode::from_u16(n).unwrap()
}

fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in pairs {
        map.append(*name, HeaderValue::from_static(value));
    }
    map
}

#[test]
fn stripe_extras_have_typed_accessors() {
    use stripe_extras::{Code, Error};
    // https://docs.stripe.com/declines/codes: a card error with its decline code.
    let body = br#"{"error": {"charge": "ch_3O8", "code": "card_declined",
        "decline_code": "insufficient_funds",
        "doc_url": "https://stripe.com/docs/error-codes/card-declined",
        "message": "Your card has insufficient funds.", "param": "",
        "type": "card_error"}}"#;
    let err = Error::decode(status(402), &headers(&[("request-id", "req_9")]), body);
    assert_eq!(err.code(), Some(&Code::CardDeclined));
    assert_eq!(err.extras().error_type(), Some("card_error"));
    assert_eq!(err.extras().decline_code(), Some("insufficient_funds"));
    assert_eq!(
        err.extras().doc_url(),
        Some("https://stripe.com/docs/error-codes/card-declined")
    );
    assert_eq!(err.extras().charge(), Some("ch_3O8"));
    assert_eq!(err.request_id(), Some("req_9"));
    assert_eq!(err.retry_class(), RetryClass::Never);
    let json = serde_json::to_value(&err).unwrap();
    assert_eq!(json["extras"]["decline_code"], "insufficient_funds");
    assert_eq!(json["extras"]["error_type"], "card_error");
    // An error without them: absent, never a failure.
    let body = br#"{"error": {"type": "api_error", "message": "Something went wrong"}}"#;
    let err = Error::decode(status(500), &HeaderMap::new(), body);
    assert_eq!(err.extras().decline_code(), None);
    assert_eq!(err.extras().error_type(), Some("api_error"));
    assert!(err.extras().by_name("doc_url").is_none());
    assert_eq!(err.retry_class(), RetryClass::Backoff);
}

#[test]
fn aws_code_from_header_else_body_normalised() {
    use aws_json::{Code, Error};
    // https://smithy.io/2.0/aws/protocols/aws-json-1_0-protocol.html#operation-error-serialization
    let header = headers(&[(
        "x-amzn-errortype",
        "ValidationException:http://internal.amazon.com/coral/com.amazon.coral.validate/",
    )]);
    let err = Error::decode(status(400), &header, br#"{"message":"1 validation error"}"#);
    assert_eq!(err.code(), Some(&Code::ValidationException));
    assert_eq!(err.retry_class(), RetryClass::Never);
    // DynamoDB: no header, `__type` with a namespace.
    let body = br#"{"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException","message":"Rate of requests exceeds the allowed throughput."}"#;
    let err = Error::decode(status(400), &HeaderMap::new(), body);
    assert_eq!(
        err.code(),
        Some(&Code::ProvisionedThroughputExceededException)
    );
    assert_eq!(err.retry_class(), RetryClass::Backoff);
    // A `code` member wins over `__type`.
    let body = br#"{"code":"ThrottlingException","__type":"x#Other","message":"Rate exceeded"}"#;
    let err = Error::decode(status(400), &HeaderMap::new(), body);
    assert_eq!(err.code(), Some(&Code::ThrottlingException));
    assert_eq!(err.retry_class(), RetryClass::Backoff);
}

#[test]
fn openai_type_when_code_is_null() {
    use openai_code_or_type::{Code, Error};
    // https://platform.openai.com/docs/guides/error-codes
    let body = br#"{"error":{"message":"The server had an error while processing your request.","type":"server_error","param":null,"code":null}}"#;
    let err = Error::decode(status(500), &HeaderMap::new(), body);
    assert_eq!(err.code(), Some(&Code::ServerError));
    assert_eq!(err.extras().param(), None);
    let body = br#"{"error":{"message":"You exceeded your current quota.","type":"insufficient_quota","param":null,"code":"insufficient_quota"}}"#;
    let err = Error::decode(status(429), &HeaderMap::new(), body);
    assert_eq!(err.code(), Some(&Code::InsufficientQuota));
    assert_eq!(err.retry_class(), RetryClass::Never);
    let body = br#"{"error":{"message":"Rate limit reached","type":"requests","param":"model","code":"rate_limit_exceeded"}}"#;
    let err = Error::decode(status(429), &HeaderMap::new(), body);
    assert_eq!(err.code(), Some(&Code::RateLimitExceeded));
    assert_eq!(err.extras().param(), Some("model"));
    assert_eq!(err.retry_class(), RetryClass::Throttled);
}

#[test]
fn google_unknown_is_a_code_of_its_own() {
    use google_canonical::{Code, Error};
    let body = br#"{"error":{"code":500,"message":"Unknown error.","status":"UNKNOWN"}}"#;
    let err = Error::decode(status(500), &HeaderMap::new(), body);
    assert_eq!(err.code(), Some(&Code::UnknownError));
    assert!(err.is_known());
    assert_eq!(err.variant_name(), "UnknownError");
    assert_eq!(Code::UnknownError.statuses(), &[] as &[u16]);
    assert_eq!(err.retry_class(), RetryClass::Backoff);
    // A code the catalog does not list is still `Unknown(..)`.
    let body = br#"{"error":{"code":409,"message":"x","status":"ABORTED"}}"#;
    let err = Error::decode(status(409), &HeaderMap::new(), body);
    assert_eq!(err.code(), Some(&Code::Unknown("ABORTED".into())));
    assert!(!err.is_known());
}

#[test]
fn mandrill_name_and_negative_integer_code() {
    use mandrill_name_and_code::{Code, Error};
    // https://mailchimp.com/developer/transactional/docs/fundamentals/#errors
    let body = br#"{"status":"error","code":-1,"name":"Invalid_Key","message":"Invalid API key"}"#;
    let err = Error::decode(status(500), &HeaderMap::new(), body);
    assert_eq!(err.code(), Some(&Code::InvalidKey));
    assert_eq!(err.extras().mandrill_code(), Some(-1));
    assert_eq!(err.retry_class(), RetryClass::Never);
    let body = br#"{"status":"error","code":-2,"name":"GeneralError","message":"?"}"#;
    let err = Error::decode(status(500), &HeaderMap::new(), body);
    assert_eq!(err.extras().mandrill_code(), Some(-2));
    assert_eq!(err.retry_class(), RetryClass::Backoff);
    assert_eq!(<Error as ApiError>::PROVIDER, "mandrill_name_and_code");
}

mod field_maps {
    errspec::catalog!("specs/valid/shopify-field-map.yaml");
    errspec::catalog!("specs/valid/discord-nested-errors.yaml");
}

#[test]
fn shopify_field_errors_keyed_by_field() {
    use field_maps::shopify_field_map::Error;
    // https://shopify.dev/docs/api/admin-rest/usage/response-codes (422)
    let body = br#"{"errors":{"email":["is invalid"],"password":["is too short (minimum is 5 characters)"]}}"#;
    let err = Error::decode(status(422), &HeaderMap::new(), body);
    let fields: Vec<(&str, Option<&str>)> = err
        .field_errors()
        .iter()
        .map(|f| (f.field.as_str(), f.message.as_deref()))
        .collect();
    assert_eq!(
        fields,
        [
            ("email", Some("is invalid")),
            ("password", Some("is too short (minimum is 5 characters)"))
        ]
    );
    assert_eq!(err.retry_class(), RetryClass::Never);
    let err = Error::decode(status(404), &HeaderMap::new(), br#"{"errors":"Not Found"}"#);
    assert!(err.field_errors().is_empty());
}

#[test]
fn discord_nested_errors_with_leaves() {
    use field_maps::discord_nested_errors::{Code, Error};
    // https://discord.com/developers/docs/reference#error-messages
    let body = br#"{"code": 50035, "errors": {"activities": {"0": {"platform": {"_errors": [{"code": "BASE_TYPE_CHOICES", "message": "Value must be one of ('desktop', 'android', 'ios')."}]}, "type": {"_errors": [{"code": "BASE_TYPE_CHOICES", "message": "Value must be one of (0, 1, 2, 3, 4, 5)."}]}}}}, "message": "Invalid Form Body"}"#;
    let err = Error::decode(status(400), &HeaderMap::new(), body);
    assert_eq!(err.code(), Some(&Code::Code50035));
    assert_eq!(err.message(), Some("Invalid Form Body"));
    let fields: Vec<&str> = err
        .field_errors()
        .iter()
        .map(|f| f.field.as_str())
        .collect();
    assert_eq!(fields, ["activities.0.platform", "activities.0.type"]);
    assert_eq!(
        err.field_errors()[1].message.as_deref(),
        Some("Value must be one of (0, 1, 2, 3, 4, 5).")
    );
}
