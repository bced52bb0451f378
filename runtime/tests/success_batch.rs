//! Failures inside a 2xx and batch results through the retrying client,
//! the reqwest-middleware `Middleware` and the tower `Policy`: a 2xx that
//! the API's success predicate calls a failure is retried exactly as an
//! error response of its class (never, backoff, throttled, ambiguous only
//! when idempotent or keyed); batch item failures are returned, never
//! retried as a whole.
#![allow(missing_docs)]

use std::time::Duration;

use errspec::client::{Client, SendOptions};
use errspec::policy::GiveUpReason;
use errspec::{ApiError, RetryClass, RetryPolicy};
use reqwest::Method;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

errspec::catalog!("tests/support/chat.yaml");
use chat::{Code, Error};

fn fast_policy() -> RetryPolicy {
    RetryPolicy::builder()
        .max_attempts(3)
        .base_delay(Duration::from_millis(1))
        .max_backoff(Duration::from_millis(5))
        .build()
        .unwrap()
}

fn client() -> Client<Error> {
    Client::builder(reqwest::Client::new())
        .policy(fast_policy())
        .jitter_seed(7)
        .build()
}

fn ok_false(code: &str) -> ResponseTemplate {
    ResponseTemplate::new(200)
        .insert_header("content-type", "application/json")
        .set_body_string(format!(r#"{{"ok":false,"error":"{code}"}}"#))
}

const OK: &str = r#"{"ok":true,"ts":"1503435956.000247"}"#;

async fn mount(server: &MockServer, template: ResponseTemplate, times: Option<u64>) {
    let mock = Mock::given(method("POST"))
        .and(path("/api/chat.postMessage"))
        .respond_with(template);
    match times {
        Some(n) => mock.up_to_n_times(n).mount(server).await,
        None => mock.mount(server).await,
    }
}

fn post(client: &Client<Error>, base: &str) -> reqwest::RequestBuilder {
    client
        .request(Method::POST, format!("{base}/api/chat.postMessage"))
        .body(r#"{"channel":"C1","text":"hi"}"#)
}

async fn sent(server: &MockServer) -> usize {
    server.received_requests().await.unwrap_or_default().len()
}

#[tokio::test]
async fn a_transient_failure_inside_a_200_is_retried_and_the_success_returned_whole() {
    let server = MockServer::start().await;
    mount(&server, ok_false("service_unavailable"), Some(1)).await;
    mount(
        &server,
        ResponseTemplate::new(200).set_body_string(OK),
        None,
    )
    .await;
    let client = client();
    let delivered = client
        .send_recorded(post(&client, &server.uri()), SendOptions::default())
        .await
        .unwrap();
    assert_eq!(delivered.retried.len(), 1);
    assert!(delivered.batch_failures.is_empty());
    assert_eq!(delivered.response.text().await.unwrap(), OK);
    assert_eq!(sent(&server).await, 2);
}

#[tokio::test]
async fn a_failure_inside_a_200_of_class_never_is_not_retried() {
    let server = MockServer::start().await;
    mount(&server, ok_false("channel_not_found"), None).await;
    let client = client();
    let failure = client
        .send(post(&client, &server.uri()), SendOptions::default())
        .await
        .unwrap_err();
    let error = failure.api_error().expect("the 200's error");
    assert_eq!(error.code(), Some(&Code::ChannelNotFound));
    assert_eq!(error.http_status(), http::StatusCode::OK);
    assert_eq!(ApiError::retry_class(error), RetryClass::Never);
    assert_eq!(failure.reason(), GiveUpReason::NotRetryable);
    assert_eq!(sent(&server).await, 1);
}

#[tokio::test]
async fn an_ambiguous_failure_inside_a_200_is_retried_only_when_idempotent() {
    let server = MockServer::start().await;
    mount(&server, ok_false("fatal_error"), None).await;
    let client = client();
    // A POST without a key may have been done: never sent twice.
    let failure = client
        .send(post(&client, &server.uri()), SendOptions::default())
        .await
        .unwrap_err();
    assert_eq!(failure.reason(), GiveUpReason::NotRetrySafe);
    assert_eq!(sent(&server).await, 1);
    // The caller says the operation is idempotent: retried to the limit.
    let failure = client
        .send(post(&client, &server.uri()), SendOptions::idempotent())
        .await
        .unwrap_err();
    assert_eq!(failure.attempts().len(), 3);
    assert_eq!(sent(&server).await, 4);
}

#[tokio::test]
async fn a_rate_limited_200_waits_for_retry_after() {
    let server = MockServer::start().await;
    mount(
        &server,
        ok_false("ratelimited").insert_header("retry-after", "1"),
        Some(1),
    )
    .await;
    mount(
        &server,
        ResponseTemplate::new(200).set_body_string(OK),
        None,
    )
    .await;
    let client = client();
    let delivered = client
        .send_recorded(post(&client, &server.uri()), SendOptions::default())
        .await
        .unwrap();
    assert_eq!(delivered.retried.len(), 1);
    assert_eq!(delivered.retried[0].delay, Some(Duration::from_secs(1)));
    assert_eq!(sent(&server).await, 2);
}

#[tokio::test]
async fn batch_item_failures_are_returned_and_the_batch_is_not_resent() {
    let server = MockServer::start().await;
    let body = r#"{"ok":true,"results":[{"index":0,"ok":true},{"index":1,"ok":false,"error":"channel_not_found"},{"index":2,"ok":false,"error":"ratelimited"}]}"#;
    mount(
        &server,
        ResponseTemplate::new(200).set_body_string(body),
        None,
    )
    .await;
    let client = client();
    let delivered = client
        .send_recorded(post(&client, &server.uri()), SendOptions::default())
        .await
        .unwrap();
    let failed: Vec<(usize, Option<&str>, RetryClass)> = delivered
        .batch_failures
        .iter()
        .map(|f| (f.index, f.code.as_deref(), f.retry_class))
        .collect();
    assert_eq!(
        failed,
        [
            (1, Some("channel_not_found"), RetryClass::Never),
            (2, Some("ratelimited"), RetryClass::Throttled),
        ]
    );
    assert!(delivered.retried.is_empty());
    assert_eq!(delivered.response.text().await.unwrap(), body);
    assert_eq!(sent(&server).await, 1);
}

#[tokio::test]
async fn a_success_body_longer_than_the_judged_prefix_reaches_the_caller_whole() {
    let server = MockServer::start().await;
    let long = format!(r#"{{"ok":true,"text":"{}"}}"#, "x".repeat(200_000));
    mount(
        &server,
        ResponseTemplate::new(200).set_body_string(long.clone()),
        None,
    )
    .await;
    let client = Client::<Error>::builder(reqwest::Client::new())
        .policy(fast_policy())
        .max_error_body(1024)
        .build();
    let response = client
        .send(post(&client, &server.uri()), SendOptions::default())
        .await
        .unwrap();
    assert_eq!(response.text().await.unwrap(), long);
}

#[cfg(feature = "reqwest-middleware")]
#[tokio::test]
async fn the_middleware_retries_a_failure_inside_a_200_by_its_class() {
    use errspec::middleware::RetryMiddleware;
    use errspec::retry::Retrier;

    let server = MockServer::start().await;
    mount(&server, ok_false("service_unavailable"), Some(1)).await;
    mount(
        &server,
        ResponseTemplate::new(200).set_body_string(OK),
        Some(1),
    )
    .await;
    mount(&server, ok_false("channel_not_found"), None).await;
    let retrier = Retrier::<Error>::builder().policy(fast_policy()).build();
    let http = reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
        .with(RetryMiddleware::new(retrier))
        .build();
    let url = format!("{}/api/chat.postMessage", server.uri());
    // Backoff: retried, and the success comes back whole.
    let response = http.post(&url).body("{}").send().await.unwrap();
    assert_eq!(response.text().await.unwrap(), OK);
    assert_eq!(sent(&server).await, 2);
    // Never: not retried; the caller gets the 200 and its body.
    let response = http.post(&url).body("{}").send().await.unwrap();
    assert_eq!(response.status(), 200);
    let body = response.bytes().await.unwrap();
    assert!(Error::check_success(http::StatusCode::OK, &http::HeaderMap::new(), &body).is_some());
    assert_eq!(sent(&server).await, 3);
}

#[cfg(feature = "tower")]
#[tokio::test]
async fn the_tower_policy_retries_a_failure_inside_a_200_by_its_class() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU32, Ordering};

    use errspec::retry::Retrier;
    use errspec::tower::RetryLayer;
    use tower::{Layer, ServiceExt};

    // A transient failure, then a success; then a failure of class never.
    let calls = Arc::new(AtomicU32::new(0));
    let counted = calls.clone();
    let service = tower::service_fn(move |_request: http::Request<String>| {
        let n = counted.fetch_add(1, Ordering::Relaxed);
        async move {
            let body = match n {
                0 => r#"{"ok":false,"error":"service_unavailable"}"#,
                1 => OK,
                _ => r#"{"ok":false,"error":"channel_not_found"}"#,
            };
            Ok::<_, std::convert::Infallible>(http::Response::new(body.as_bytes().to_vec()))
        }
    });
    let retrier = Retrier::<Error>::builder().policy(fast_policy()).build();
    let layer = RetryLayer::new(retrier);
    let request = || {
        http::Request::post("http://chat.test/api/chat.postMessage")
            .body("{}".to_owned())
            .unwrap()
    };
    let response = layer
        .layer(service.clone())
        .oneshot(request())
        .await
        .unwrap();
    assert_eq!(response.body(), OK.as_bytes());
    assert_eq!(calls.load(Ordering::Relaxed), 2);
    let response = layer.layer(service).oneshot(request()).await.unwrap();
    assert!(Error::check_success(response.status(), response.headers(), response.body()).is_some());
    assert_eq!(calls.load(Ordering::Relaxed), 3);
}
