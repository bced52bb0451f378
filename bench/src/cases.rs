//! Realistic error responses of every seed API, a few shapes each.
//!
//! Bodies follow each provider's documented layout (the same layouts
//! `tests/tests/decode_seeds.rs` checks); headers are what a real response
//! carries besides the ones errspec reads (date, server, content type…), so
//! header lookups search a map of realistic size.

use http::{HeaderMap, HeaderValue, StatusCode};

/// The shapes every API is measured with.
pub const SHAPES: [&str; 5] = ["known", "unknown", "fields", "ratelimit", "html502"];

/// One error response.
#[derive(Clone, Debug)]
pub struct Case {
    /// `provider/api`, as in `errspec_providers::APIS`.
    pub api: &'static str,
    /// One of [`SHAPES`].
    pub shape: &'static str,
    /// The status.
    pub status: StatusCode,
    /// The headers.
    pub headers: HeaderMap,
    /// The body.
    pub body: Vec<u8>,
}

impl Case {
    /// `provider/api shape`, the case's name in tables.
    pub fn name(&self) -> String {
        format!("{} {}", self.api, self.shape)
    }
}

const HTML_502: &str = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n\
    <center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx/1.25.3</center>\r\n\
    </body>\r\n</html>\r\n";

/// Headers every response has, plus `extra`.
fn headers(content_type: &'static str, extra: &[(&'static str, &'static str)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in [
        ("date", "Tue, 24 Nov 2026 10:15:42 GMT"),
        ("content-type", content_type),
        ("connection", "keep-alive"),
        ("server", "nginx"),
        ("cache-control", "no-store"),
        ("strict-transport-security", "max-age=31536000"),
        ("vary", "Accept-Encoding"),
    ]
    .iter()
    .chain(extra)
    {
        map.append(*name, HeaderValue::from_static(value));
    }
    map
}

fn case(
    api: &'static str,
    shape: &'static str,
    status: u16,
    extra: &[(&'static str, &'static str)],
    body: &str,
) -> Case {
    let content_type = if shape == "html502" {
        "text/html"
    } else {
        "application/json"
    };
    Case {
        api,
        shape,
        status: StatusCode::from_u16(status).expect("valid status"),
        headers: headers(content_type, extra),
        body: body.as_bytes().to_vec(),
    }
}

/// Every case: five shapes for each of the four seed APIs.
pub fn all() -> Vec<Case> {
    let retry_after = [("retry-after", "30")];
    vec![
        // TopMail: {"error":{"code","message","path"}}, Retry-After.
        case(
            "topmail/api",
            "known",
            404,
            &[],
            r#"{"error":{"code":"template_not_found","message":"No template with id tmpl_8fd2 exists in this workspace."}}"#,
        ),
        case(
            "topmail/api",
            "unknown",
            400,
            &[],
            r#"{"error":{"code":"attachment_too_large","message":"Attachments may not exceed 10 MB in total."}}"#,
        ),
        case(
            "topmail/api",
            "fields",
            400,
            &[],
            r#"{"error":{"code":"validation_error","message":"must be a valid email address","path":"to[0].email"}}"#,
        ),
        case(
            "topmail/api",
            "ratelimit",
            429,
            &retry_after,
            r#"{"error":{"code":"rate_limited","message":"Too many requests; retry after 30 seconds."}}"#,
        ),
        case("topmail/api", "html502", 502, &[], HTML_502),
        // Artmail: {"error": message, "code", "details"}, X-RateLimit-*.
        case(
            "artmail/api",
            "known",
            404,
            &[],
            r#"{"error":"Template 'welcome-v2' not found.","code":"template_not_found"}"#,
        ),
        case(
            "artmail/api",
            "unknown",
            403,
            &[],
            r#"{"error":"This account is suspended.","code":"ACCOUNT_SUSPENDED"}"#,
        ),
        case(
            "artmail/api",
            "fields",
            400,
            &[],
            r#"{"error":"Validation failed.","code":"validation_error","details":[{"field":"to","message":"is required"},{"field":"subject","message":"is too long"}]}"#,
        ),
        case(
            "artmail/api",
            "ratelimit",
            429,
            &[
                ("x-ratelimit-limit", "100"),
                ("x-ratelimit-remaining", "0"),
                ("x-ratelimit-reset", "1795515372"),
                ("retry-after", "30"),
            ],
            r#"{"error":"Too many requests.","code":"RATE_LIMITED"}"#,
        ),
        case("artmail/api", "html502", 502, &[], HTML_502),
        // Qboxmail Management: {"message", "errors":[{"field","description"}]}, no codes.
        case(
            "qboxmail/management",
            "known",
            404,
            &[],
            r#"{"message":"Resource not found."}"#,
        ),
        case(
            "qboxmail/management",
            "unknown",
            418,
            &[],
            r#"{"message":"The server refuses to brew coffee."}"#,
        ),
        case(
            "qboxmail/management",
            "fields",
            422,
            &[],
            r#"{"message":"The given data was invalid.","errors":[{"field":"name","description":"The name field is required."},{"field":"password","description":"The password must be at least 12 characters."}]}"#,
        ),
        case(
            "qboxmail/management",
            "ratelimit",
            429,
            &retry_after,
            r#"{"message":"Too Many Attempts."}"#,
        ),
        case("qboxmail/management", "html502", 502, &[], HTML_502),
        // Qboxmail Send: {"error": code, "error_code", "message", "request_id"}.
        case(
            "qboxmail/send",
            "known",
            400,
            &[],
            r#"{"error":"missing_send_payload","error_code":400,"message":"The request has no messages to send.","request_id":"7c1e4b9a-2f3d-4e8a-9b61-0d5f3c2a1e77"}"#,
        ),
        case(
            "qboxmail/send",
            "unknown",
            403,
            &[],
            r#"{"error":"ip_not_allowed","error_code":403,"message":"The IP 203.0.113.9 is not allowed.","request_id":"1f0a3c5e-8b7d-4a26-9e14-6c2b0d9f8a31"}"#,
        ),
        case(
            "qboxmail/send",
            "fields",
            400,
            &[],
            r#"{"error":"invalid_message","error_code":400,"message":"messages[0].to: invalid address","request_id":"e3b1c2d4-5a6f-4b7c-8d9e-0f1a2b3c4d5e"}"#,
        ),
        case(
            "qboxmail/send",
            "ratelimit",
            429,
            &retry_after,
            r#"{"error":"rate_limited","error_code":429,"message":"Quota exceeded.","request_id":"9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"}"#,
        ),
        case("qboxmail/send", "html502", 502, &[], HTML_502),
    ]
}
