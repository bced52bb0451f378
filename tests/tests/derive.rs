//! `#[derive(ApiError)]` on users' enums, end to end: a spec-bound enum
//! classifies every TopMail response exactly as the generated type does,
//! and derived enums (both styles) drive the runtime client.

use std::time::Duration;

use errspec::client::{Client, SendOptions};
use errspec::policy::GiveUpReason;
use errspec::{ApiError, FieldError, RetryClass, RetryPolicy};
use errspec_codegen::source::SourceFile;
use errspec_providers::topmail;
use http::{HeaderMap, HeaderValue, StatusCode};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// TopMail errors as an application sees them: a few codes it handles,
/// the rest in the catch-all.
#[derive(Debug, PartialEq, ApiError)]
#[errspec(spec = "../spec/topmail.yaml")]
enum TopMailError {
    #[errspec(code = "rate_limited")]
    RateLimited {
        message: Option<String>,
        retry_after: Option<Duration>,
    },
    #[errspec(codes("validation_error", "missing_from_email", "no_content"))]
    Invalid {
        code: Option<String>,
        message: Option<String>,
        field_errors: Vec<FieldError>,
    },
    #[errspec(codes("not_found", "template_not_found", "contact_not_found"))]
    NotFound { request_id: Option<String> },
    #[errspec(status = 500)]
    ServerError {
        status: u16,
        message: Option<String>,
    },
    #[errspec(other)]
    Other {
        status: StatusCode,
        code: Option<String>,
        message: Option<String>,
    },
}

/// A billing API the application describes itself.
#[derive(Debug, PartialEq, ApiError)]
#[errspec(
    provider = "acme",
    api = "billing",
    code = "/error/code",
    message = "/error/message",
    request_id = "/request_id",
    retry_after = "Retry-After",
    idempotency_header = "Idempotency-Key"
)]
enum BillingError {
    #[errspec(status = 429, retry = "throttled")]
    RateLimited { retry_after: Option<Duration> },
    #[errspec(code = "card_declined", retry = "never")]
    CardDeclined {
        message: Option<String>,
        request_id: Option<String>,
    },
    #[errspec(statuses(502, 503), retry = "backoff")]
    Unavailable,
    #[errspec(other)]
    Other { status: StatusCode },
}

fn topmail_body(code: &str, message: &str) -> String {
    format!(r#"{{"error":{{"code":"{code}","message":"{message}"}}}}"#)
}

/// Every response, decoded by the derived enum and by the generated type,
/// gets the same retry class and delay hints, and the same code and
/// message where the derived variant keeps them.
fn assert_like_generated(status: u16, headers: &HeaderMap, body: &[u8]) {
    let status = StatusCode::from_u16(status).unwrap();
    let derived = TopMailError::decode(status, headers, body);
    let generated = topmail::Error::decode(status, headers, body);
    let what = format!("{status} {:?}", String::from_utf8_lossy(body));
    assert_eq!(
        derived.retry_class(),
        ApiError::retry_class(&generated),
        "{what}"
    );
    assert_eq!(
        TopMailError::read_delay_hints(headers),
        topmail::Error::read_delay_hints(headers),
        "{what}"
    );
    if let Some(code) = derived.code() {
        assert_eq!(Some(code), ApiError::code(&generated), "{what}");
    }
    if let Some(message) = derived.message() {
        assert_eq!(Some(message), ApiError::message(&generated), "{what}");
    }
}

#[test]
fn classifies_every_topmail_response_like_the_generated_type() {
    let text = std::fs::read_to_string("../spec/topmail.yaml").unwrap();
    let loaded = errspec_codegen::load_catalog(&SourceFile::new("spec/topmail.yaml", text))
        .expect("the seed loads");
    let api = &loaded.catalog.apis[0];
    let mut headers = HeaderMap::new();
    headers.insert("retry-after", HeaderValue::from_static("5"));
    for code in &api.codes {
        for status in &code.statuses {
            let body = topmail_body(&code.value.to_string(), "m");
            assert_like_generated(*status, &headers, body.as_bytes());
        }
    }
    for status in [400, 401, 403, 404, 409, 418, 422, 429, 500, 502, 503, 504] {
        assert_like_generated(status, &headers, topmail_body("brand_new", "hm").as_bytes());
        assert_like_generated(status, &headers, b"<html>Bad Gateway</html>");
        assert_like_generated(status, &headers, b"");
        assert_like_generated(status, &headers, br#"{"error":{"code":"rate_lim"#);
    }
}

#[test]
fn fills_fields_by_name() {
    let mut headers = HeaderMap::new();
    headers.insert("retry-after", HeaderValue::from_static("7"));
    let e = TopMailError::decode(
        StatusCode::BAD_REQUEST,
        &headers,
        br#"{"error":{"code":"validation_error","message":"bad address","path":"to"}}"#,
    );
    assert_eq!(
        e,
        TopMailError::Invalid {
            code: Some("validation_error".into()),
            message: Some("bad address".into()),
            field_errors: vec![FieldError::new("to").with_message("bad address")],
        }
    );
    let e = TopMailError::decode(
        StatusCode::TOO_MANY_REQUESTS,
        &headers,
        topmail_body("rate_limited", "slow down").as_bytes(),
    );
    assert_eq!(
        e,
        TopMailError::RateLimited {
            message: Some("slow down".into()),
            retry_after: Some(Duration::from_secs(7)),
        }
    );
    assert_eq!(e.to_string(), "RateLimited [rate_limited]: slow down");
}

fn fast_policy(max_attempts: u32) -> RetryPolicy {
    RetryPolicy::builder()
        .max_attempts(max_attempts)
        .base_delay(Duration::from_millis(1))
        .max_backoff(Duration::from_millis(5))
        .build()
        .unwrap()
}

async fn mount(server: &MockServer, template: ResponseTemplate, times: Option<u64>) {
    let mock = Mock::given(method("POST"))
        .and(path("/v1/send"))
        .respond_with(template);
    match times {
        Some(n) => mock.up_to_n_times(n).mount(server).await,
        None => mock.mount(server).await,
    }
}

fn json(status: u16, body: String) -> ResponseTemplate {
    ResponseTemplate::new(status)
        .insert_header("content-type", "application/json")
        .set_body_string(body)
}

#[tokio::test(start_paused = true)]
async fn client_waits_for_a_throttled_derived_error() {
    let server = MockServer::start().await;
    let throttled = json(429, topmail_body("rate_limited", "slow down"));
    mount(
        &server,
        throttled.insert_header("retry-after", "30"),
        Some(1),
    )
    .await;
    mount(&server, ResponseTemplate::new(202), None).await;

    let client = Client::<TopMailError>::new(reqwest::Client::new(), RetryPolicy::default());
    let start = tokio::time::Instant::now();
    let request = client.request(reqwest::Method::POST, format!("{}/v1/send", server.uri()));
    let response = client.send(request, SendOptions::default()).await.unwrap();
    assert_eq!(response.status(), 202);
    assert!(
        start.elapsed() >= Duration::from_secs(30),
        "{:?}",
        start.elapsed()
    );
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 2);
    // TopMail takes idempotency keys: both attempts carry the same one.
    let keys: Vec<_> = requests
        .iter()
        .map(|r| r.headers.get("idempotency-key").cloned())
        .collect();
    assert!(keys[0].is_some());
    assert_eq!(keys[0], keys[1]);
}

#[tokio::test]
async fn client_gives_up_on_a_never_derived_error_with_its_fields() {
    let server = MockServer::start().await;
    let body = topmail_body("no_content", "give html, text or a template");
    mount(&server, json(400, body), None).await;

    let client = Client::<TopMailError>::new(reqwest::Client::new(), fast_policy(3));
    let request = client.request(reqwest::Method::POST, format!("{}/v1/send", server.uri()));
    let failure = client
        .send(request, SendOptions::idempotent())
        .await
        .unwrap_err();
    assert_eq!(failure.reason(), GiveUpReason::NotRetryable);
    assert_eq!(failure.attempts().len(), 1);
    assert_eq!(failure.attempts()[0].class, RetryClass::Never);
    assert_eq!(failure.attempts()[0].code.as_deref(), Some("no_content"));
    assert_eq!(
        failure.api_error(),
        Some(&TopMailError::Invalid {
            code: Some("no_content".into()),
            message: Some("give html, text or a template".into()),
            field_errors: Vec::new(),
        })
    );
}

#[tokio::test]
async fn client_backs_off_an_inline_derived_error() {
    let server = MockServer::start().await;
    mount(&server, ResponseTemplate::new(503), Some(2)).await;
    mount(&server, ResponseTemplate::new(200), None).await;

    let client = Client::<BillingError>::new(reqwest::Client::new(), fast_policy(3));
    let request = client.request(reqwest::Method::POST, format!("{}/v1/send", server.uri()));
    let delivered = client
        .send_recorded(request, SendOptions::default())
        .await
        .unwrap();
    assert_eq!(delivered.response.status(), 200);
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
}

#[tokio::test]
async fn client_reports_an_inline_derived_error() {
    let server = MockServer::start().await;
    let body = r#"{"error":{"code":"card_declined","message":"declined"},"request_id":"req_9"}"#;
    mount(&server, json(402, body.into()), None).await;

    let client = Client::<BillingError>::new(reqwest::Client::new(), fast_policy(3));
    let request = client.request(reqwest::Method::POST, format!("{}/v1/send", server.uri()));
    let failure = client
        .send(request, SendOptions::idempotent())
        .await
        .unwrap_err();
    assert_eq!(
        failure.api_error(),
        Some(&BillingError::CardDeclined {
            message: Some("declined".into()),
            request_id: Some("req_9".into()),
        })
    );
    assert_eq!(failure.attempts().len(), 1);
    assert_eq!(failure.attempts()[0].request_id.as_deref(), Some("req_9"));
}
