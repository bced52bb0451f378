//! The client's `tracing` events say what happened without leaking
//! credentials, header values, query strings or bodies.
#![allow(missing_docs)]

#[path = "support/test_api.rs"]
mod test_api;

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use errspec::RetryPolicy;
use errspec::client::{Client, SendOptions};
use test_api::{KeyedError, error_body};
use tracing_subscriber::fmt::MakeWriter;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A `tracing-subscriber` writer into a shared buffer.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Captured {
    type Writer = Captured;

    fn make_writer(&'a self) -> Captured {
        self.clone()
    }
}

const SECRETS: [&str; 4] = [
    "secret-token-123",
    "secret-key-456",
    "secret-query-789",
    "secret-body-000",
];

#[tokio::test]
async fn attempts_are_traced_without_secrets() {
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(captured.clone())
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(503)
                .insert_header("x-request-id", "req_trace")
                .set_body_string(error_body("unavailable", "secret-body-000", "req_body")),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(400).set_body_string(error_body(
            "invalid_widget",
            "secret-body-000",
            "req_2",
        )))
        .mount(&server)
        .await;

    let policy = RetryPolicy::builder()
        .base_delay(Duration::from_millis(1))
        .build()
        .unwrap();
    let client = Client::<KeyedError>::new(reqwest::Client::new(), policy);
    let request = client
        .request(
            reqwest::Method::POST,
            format!("{}/v1/widgets?api_key=secret-query-789", server.uri()),
        )
        .header("authorization", "Bearer secret-token-123")
        .header("x-api-key", "secret-key-456")
        .body(r#"{"name":"secret-body-000"}"#);
    let failure = client
        .send(request, SendOptions::default())
        .await
        .unwrap_err();

    // The server did get the credentials.
    let seen = server.received_requests().await.unwrap();
    assert_eq!(seen[0].headers["authorization"], "Bearer secret-token-123");

    let logs = captured.text();
    for secret in SECRETS {
        assert!(!logs.contains(secret), "{secret} leaked into:\n{logs}");
    }
    // What should be there is.
    for expected in [
        "attempt failed, retrying",
        "attempt failed, giving up",
        // OpenTelemetry's HTTP attribute names.
        "http.request.method=POST",
        "url.path=\"/v1/widgets\"",
        "http.request.resend_count=1",
        "http.response.status_code=503",
        "http.response.status_code=400",
        "error.type=\"unavailable\"",
        "attempt=1",
        "attempt=2",
        "code=\"unavailable\"",
        "class=\"backoff\"",
        "request_id=\"req_body\"",
        "provider=\"test\"",
        "delay_ms=",
    ] {
        assert!(logs.contains(expected), "{expected} missing from:\n{logs}");
    }
    // Durations are whole milliseconds.
    assert!(!logs.contains("delay_ms=0."), "{logs}");
    // Neither do the failure's Display and the transport error's text
    // carry the credentials or the query string.
    let shown = format!("{failure} {failure:?}");
    for secret in &SECRETS[..3] {
        assert!(!shown.contains(secret), "{secret} leaked into {shown}");
    }
}

#[tokio::test]
async fn transport_errors_do_not_show_the_url() {
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(captured.clone())
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let addr = errspec_testkit::closed_port();
    let policy = RetryPolicy::builder()
        .max_attempts(2)
        .base_delay(Duration::from_millis(1))
        .build()
        .unwrap();
    let client = Client::<KeyedError>::new(reqwest::Client::new(), policy);
    let request = client
        .request(
            reqwest::Method::GET,
            format!("http://{addr}/v1/widgets?api_key=secret-query-789"),
        )
        .bearer_auth("secret-token-123");
    let failure = client
        .send(request, SendOptions::idempotent())
        .await
        .unwrap_err();
    let mut chain = format!("{failure} {failure:?}");
    let mut source = std::error::Error::source(&failure);
    while let Some(error) = source {
        chain.push_str(&format!(" / {error} {error:?}"));
        source = error.source();
    }
    let logs = captured.text();
    for text in [&chain, &logs] {
        assert!(!text.contains("secret-query-789"), "{text}");
        assert!(!text.contains("secret-token-123"), "{text}");
    }
    assert!(logs.contains("attempt=2"), "{logs}");
}
