//! Realistic error responses: every seed API in a few shapes, one
//! documented response per shipped provider, one per construct of the spec
//! language.
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
    /// One of [`SHAPES`] for a seed API; `documented` for a provider's
    /// documented example; the construct's name otherwise.
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

/// When the realistic cases' responses arrive (the `date` header), in
/// Unix seconds: delays given as timestamps are measured from here.
pub const NOW: u64 = 1_795_515_342;

/// Every case: the seed cases, one documented response per shipped
/// provider, one response per construct of the spec language.
pub fn all() -> Vec<Case> {
    let mut all = seeds();
    all.extend(providers());
    all.extend(constructs());
    all
}

/// Whether a case is one of the seed cases, which the `serde_json::Value`
/// contender also decodes.
pub fn is_seed(case: &Case) -> bool {
    SEED_APIS.contains(&case.api)
}

/// The seed APIs.
pub const SEED_APIS: [&str; 4] = [
    "topmail/api",
    "artmail/api",
    "qboxmail/management",
    "qboxmail/send",
];

/// One documented example response per shipped provider (the bodies and
/// headers of the examples in `spec/`), with ordinary headers around them.
pub fn providers() -> Vec<Case> {
    vec![
        // Postmark: an integer code that is not an HTTP status.
        case(
            "postmark/api",
            "documented",
            422,
            &[],
            r#"{"ErrorCode":406,"Message":"You tried to send to a recipient that has been marked as inactive. Found inactive addresses: example@example.com. Inactive recipients are ones that have generated a hard bounce, a spam complaint, or a manual suppression. "}"#,
        ),
        // SendGrid: no code, an array of field errors.
        case(
            "sendgrid/api",
            "documented",
            400,
            &[
                ("x-ratelimit-limit", "600"),
                ("x-ratelimit-remaining", "598"),
                ("x-ratelimit-reset", "1795515360"),
            ],
            r#"{"errors":[{"field":"identifier1","message":"error message explained"},{"field":"identifier2","message":"error message explained"},{"field":"identifier3","message":"error message explained"}]}"#,
        ),
        // Mailgun: no code, one message.
        case(
            "mailgun/api",
            "documented",
            400,
            &[],
            r#"{"message":"'from' parameter is missing"}"#,
        ),
        // Resend: a rate limit with the IETF draft headers and retry-after.
        case(
            "resend/api",
            "documented",
            429,
            &[
                ("ratelimit-limit", "2"),
                ("ratelimit-remaining", "0"),
                ("ratelimit-reset", "1"),
                ("retry-after", "1"),
            ],
            r#"{"statusCode":429,"message":"Too many requests. You can only make 2 requests per second.","name":"rate_limit_exceeded"}"#,
        ),
        // SES v2: the code in a header, the request id in another.
        case(
            "ses/api",
            "documented",
            400,
            &[
                ("x-amzn-requestid", "2c8a9a87-3d0e-4c57-bd3a-1f0c0b6b6c55"),
                ("x-amzn-errortype", "MessageRejected"),
            ],
            r#"{"message":"Email address is not verified."}"#,
        ),
        // Brevo: a flat string code.
        case(
            "brevo/api",
            "documented",
            400,
            &[],
            r#"{"code":"invalid_parameter","message":"Invalid email address"}"#,
        ),
        // SparkPost: an array of errors, a numeric code as a string.
        case(
            "sparkpost/api",
            "documented",
            422,
            &[],
            r#"{"errors":[{"message":"required field is missing","description":"content object or template_id required","code":"1400"}]}"#,
        ),
        // Mandrill: a name and a negative integer code (an extra), at 500.
        case(
            "mandrill/api",
            "documented",
            500,
            &[],
            r#"{"status":"error","code":-1,"name":"Invalid_Key","message":"Invalid API key"}"#,
        ),
        // Stripe: a card decline; rules on `type`, six extras, a directive header.
        case(
            "stripe/api",
            "documented",
            402,
            &[("request-id", "req_8Lt2QxYpVn3c4J")],
            r#"{"error":{"charge":"ch_3QnZ1R2eZvKYlo2C0Xb7vQ4k","code":"card_declined","decline_code":"generic_decline","doc_url":"https://stripe.com/docs/error-codes/card-declined","message":"Your card was declined.","param":"","request_log_url":"https://dashboard.stripe.com/test/logs/req_8Lt2QxYpVn3c4J?t=1795515342","type":"card_error"}}"#,
        ),
    ]
}

/// One response per construct of the spec language, decoded by the
/// catalogs in `tests/specs/valid/` (through `errspec::catalog!`).
pub fn constructs() -> Vec<Case> {
    vec![
        // Rules: GitHub's primary rate limit is a 403 with no requests left.
        case(
            "github_rules/api",
            "rules",
            403,
            &[
                ("x-github-request-id", "CC1C:3B5A:1A2B3C:1B2C3D:6743F0AE"),
                ("x-ratelimit-limit", "5000"),
                ("x-ratelimit-remaining", "0"),
                ("x-ratelimit-reset", "1795515402"),
                ("x-ratelimit-used", "5000"),
            ],
            r#"{"message":"API rate limit exceeded for user ID 1.","documentation_url":"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api","status":"403"}"#,
        ),
        // A server directive, rate-limit dimensions in Go durations, a
        // millisecond delay header: OpenAI's 429.
        case(
            "openai_directives/api",
            "directive",
            429,
            &[
                ("x-request-id", "req_5b8a2f0e9c1d4e7f"),
                ("x-should-retry", "true"),
                ("x-ratelimit-limit-requests", "500"),
                ("x-ratelimit-remaining-requests", "0"),
                ("x-ratelimit-reset-requests", "6m0s"),
                ("x-ratelimit-limit-tokens", "150000"),
                ("x-ratelimit-remaining-tokens", "149984"),
                ("x-ratelimit-reset-tokens", "6ms"),
                ("retry-after-ms", "1500"),
            ],
            r#"{"error":{"message":"Rate limit reached for requests","type":"requests","param":null,"code":"rate_limit_exceeded"}}"#,
        ),
        // A delay in the body (a float) and a rule on a body field: Discord.
        case(
            "discord_body_delay/api",
            "body_delay",
            429,
            &[
                ("x-ratelimit-reset-after", "64.57"),
                ("x-ratelimit-global", "true"),
            ],
            r#"{"message":"You are being rate limited.","retry_after":64.57,"global":true,"code":0}"#,
        ),
        // A delay in one item of an array, picked by its `@type`: Google.
        case(
            "google_retry_info/api",
            "item_delay",
            429,
            &[],
            r#"{"error":{"code":429,"message":"Quota exceeded for quota metric 'Requests' and limit 'Requests per minute'.","status":"RESOURCE_EXHAUSTED","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"RATE_LIMIT_EXCEEDED","domain":"googleapis.com"},{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"30s"}]}}"#,
        ),
        // A code from a header, else the body, normalised: AWS JSON.
        case(
            "aws_json/api",
            "code_chain",
            400,
            &[("x-amzn-requestid", "5c6a9b1e-0f3d-4a7b-9e2c-8d1f0a3b4c5d")],
            r#"{"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException","message":"The level of configured provisioned throughput for the table was exceeded."}"#,
        ),
        // Extras beside the code: Stripe's type, decline code, links.
        case(
            "stripe_extras/api",
            "extras",
            402,
            &[("request-id", "req_8Lt2QxYpVn3c4J")],
            r#"{"error":{"type":"card_error","code":"card_declined","decline_code":"insufficient_funds","doc_url":"https://stripe.com/docs/error-codes/card-declined","message":"Your card has insufficient funds.","param":"","charge":"ch_3QnZ1R2eZvKYlo2C0Xb7vQ4k"}}"#,
        ),
        // Field errors keyed by field: Shopify.
        case(
            "shopify_field_map/api",
            "field_map",
            422,
            &[("x-request-id", "9f3c2b1a-7e6d-4c5b-8a9f-0e1d2c3b4a59")],
            r#"{"errors":{"email":["is invalid"],"password":["is too short (minimum is 5 characters)"]}}"#,
        ),
        // A failure inside a 200 (a success predicate): Slack's
        // `ok: false`, judged and decoded as a client does.
        case(
            "slack_success_body/api",
            "success_body",
            200,
            &[("x-slack-req-id", "8a1f0c7e2d3b4a5968776655")],
            r#"{"ok":false,"error":"ratelimited","response_metadata":{"messages":["[WARN] A method was called too often"]}}"#,
        ),
        // Per-item results of a batch send: Postmark's /email/batch, one
        // result per message, two of three refused.
        case(
            "postmark/batch",
            "batch_items",
            200,
            &[],
            r#"[{"ErrorCode":0,"Message":"OK","MessageID":"b7bc2f4a-e38e-4336-af7d-e6c392c2f817","SubmittedAt":"2010-11-26T12:01:05.1794748-05:00","To":"receiver1@example.com"},{"ErrorCode":406,"Message":"You tried to send to a recipient that has been marked as inactive. Found inactive addresses: example@example.com. Inactive recipients are ones that have generated a hard bounce, a spam complaint, or a manual suppression. "},{"ErrorCode":300,"Message":"Invalid 'To' address: 'receiver2'."}]"#,
        ),
        // A code read through an item of an array: Google Drive's reason.
        case(
            "google_reason_rule/api",
            "item_capture",
            403,
            &[],
            r#"{"error":{"errors":[{"domain":"usageLimits","reason":"userRateLimitExceeded","message":"User Rate Limit Exceeded"}],"code":403,"message":"User Rate Limit Exceeded"}}"#,
        ),
        // Several layouts in one API, chosen by which one matches: Twilio's
        // RFC 9457 body (the first layout, for a body with a `type`), with a
        // field error and its `type` kept as an extra.
        case(
            "twilio_layouts/api",
            "layouts",
            400,
            &[("content-type", "application/problem+json")],
            r##"{"type":"https://www.twilio.com/docs/api/errors/20001","title":"Invalid parameter","status":400,"code":20001,"detail":"Some detail","instance":"/api/v1/test","errors":[{"detail":"must be E.164","pointer":"#/To"}]}"##,
        ),
        // The same API's legacy body: the first layout does not match.
        case(
            "twilio_layouts/api",
            "legacy_layout",
            404,
            &[("content-type", "application/json")],
            r#"{"code":20404,"message":"The requested resource /2010-04-01/Accounts/AC123/Messages/SM123.json was not found","more_info":"https://www.twilio.com/docs/errors/20404","status":404}"#,
        ),
    ]
}

/// The seed cases: five shapes for each of the four seed APIs.
pub fn seeds() -> Vec<Case> {
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
