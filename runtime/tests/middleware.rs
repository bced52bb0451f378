//! The reqwest-middleware integration beyond the shared scenarios: what it
//! hands back when it gives up, and the reqwest-retry strategy.
#![cfg(feature = "reqwest-middleware")]
#![allow(missing_docs)]

#[path = "support/test_api.rs"]
mod test_api;

use errspec::middleware::{ErrspecStrategy, RetryMiddleware};
use errspec::retry::Retrier;
use reqwest_retry::{Retryable, RetryableStrategy};
use test_api::{KeyedError, UnkeyedError, error_body};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test]
async fn gives_back_the_last_error_response_whole() {
    let server = MockServer::start().await;
    let body = error_body("invalid_widget", &"x".repeat(5000), "req_1");
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(400)
                .insert_header("x-request-id", "req_h")
                .set_body_string(body.clone()),
        )
        .mount(&server)
        .await;
    // The decoder reads 16 bytes; the caller still gets all of them.
    let http = reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
        .with(RetryMiddleware::new(Retrier::<KeyedError>::default()).max_error_body(16))
        .build();
    let url = format!("{}/v1/widgets", server.uri());
    let response = http.post(&url).body("{}").send().await.unwrap();
    assert_eq!(response.status(), 400);
    assert_eq!(response.headers()["x-request-id"], "req_h");
    assert_eq!(response.url().as_str(), url);
    assert_eq!(response.text().await.unwrap(), body);
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn the_strategy_classifies_by_status_and_retry_safety() {
    let server = MockServer::start().await;
    for status in [400u16, 429, 503, 504] {
        Mock::given(wiremock::matchers::path(format!("/{status}")))
            .respond_with(ResponseTemplate::new(status))
            .mount(&server)
            .await;
    }
    let get = |status: u16| {
        let url = format!("{}/{status}", server.uri());
        async move { Ok(reqwest::get(url).await.unwrap()) }
    };
    let strict = ErrspecStrategy::<UnkeyedError>::new();
    let safe = ErrspecStrategy::<UnkeyedError>::retry_safe();
    for (status, expect_strict, expect_safe) in [
        (400, Retryable::Fatal, Retryable::Fatal),
        (429, Retryable::Transient, Retryable::Transient),
        (503, Retryable::Transient, Retryable::Transient),
        (504, Retryable::Fatal, Retryable::Transient),
    ] {
        let result = get(status).await;
        assert!(strict.handle(&result) == Some(expect_strict), "{status}");
        assert!(safe.handle(&result) == Some(expect_safe), "{status}");
    }
    let not_found = Ok(reqwest::get(server.uri()).await.unwrap());
    // wiremock answers an unmatched path with 404: `never`.
    assert!(strict.handle(&not_found) == Some(Retryable::Fatal));
}
