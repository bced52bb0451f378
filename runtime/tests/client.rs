//! The retrying client against real HTTP servers: wiremock, and a raw TCP
//! server where a test needs to cut a connection.
#![allow(missing_docs)]

#[path = "support/test_api.rs"]
mod test_api;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use errspec::client::{Client, LastError, SendOptions, TransportError};
use errspec::policy::{GiveUpReason, Jitter, TransportFailure};
use errspec::{ApiError, RetryBudget, RetryClass, RetryPolicy};
use errspec_testkit::{Request, closed_port, hang, read_request, reply, response, serve};
use reqwest::Method;
use test_api::{KeyedError, UnkeyedError, error_body};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Millisecond backoffs so real-time tests stay fast.
fn fast_policy(max_attempts: u32) -> RetryPolicy {
    RetryPolicy::builder()
        .max_attempts(max_attempts)
        .base_delay(Duration::from_millis(1))
        .max_backoff(Duration::from_millis(5))
        .build()
        .unwrap()
}

fn client<E: ApiError>(policy: RetryPolicy) -> Client<E> {
    Client::builder(reqwest::Client::new())
        .policy(policy)
        .jitter_seed(7)
        .build()
}

async fn mount(server: &MockServer, template: ResponseTemplate, times: Option<u64>) {
    let mock = Mock::given(method("POST"))
        .and(path("/v1/widgets"))
        .respond_with(template);
    match times {
        Some(n) => mock.up_to_n_times(n).mount(server).await,
        None => mock.mount(server).await,
    }
}

fn json_error(status: u16, code: &str) -> ResponseTemplate {
    ResponseTemplate::new(status)
        .insert_header("content-type", "application/json")
        .set_body_string(error_body(code, "something went wrong", "req_1"))
}

async fn requests(server: &MockServer) -> Vec<wiremock::Request> {
    server.received_requests().await.unwrap_or_default()
}

fn post<E: ApiError>(client: &Client<E>, base: &str) -> reqwest::RequestBuilder {
    client
        .request(Method::POST, format!("{base}/v1/widgets"))
        .body(r#"{"name":"gizmo"}"#)
}

#[tokio::test]
async fn retries_a_503_then_succeeds() {
    let server = MockServer::start().await;
    mount(&server, json_error(503, "unavailable"), Some(1)).await;
    mount(
        &server,
        ResponseTemplate::new(200).set_body_string("ok"),
        None,
    )
    .await;

    let client = client::<UnkeyedError>(fast_policy(3));
    let response = client
        .send(post(&client, &server.uri()), SendOptions::default())
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.unwrap(), "ok");
    assert_eq!(requests(&server).await.len(), 2);
    // The success after one retry gave back the retry's tokens.
    assert_eq!(client.budget().unwrap().available(), 500);
}

#[tokio::test(start_paused = true)]
async fn waits_as_long_as_retry_after_asks() {
    let server = MockServer::start().await;
    mount(
        &server,
        json_error(429, "rate_limited").insert_header("retry-after", "30"),
        Some(1),
    )
    .await;
    mount(&server, ResponseTemplate::new(201), None).await;

    let client = client::<KeyedError>(RetryPolicy::default());
    let start = tokio::time::Instant::now();
    let response = client
        .send(post(&client, &server.uri()), SendOptions::default())
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    assert!(
        start.elapsed() >= Duration::from_secs(30),
        "retried after {:?}",
        start.elapsed()
    );
    assert_eq!(requests(&server).await.len(), 2);
}

#[tokio::test]
async fn does_not_retry_a_400() {
    let server = MockServer::start().await;
    mount(&server, json_error(400, "invalid_widget"), None).await;

    let client = client::<KeyedError>(fast_policy(5));
    let failure = client
        .send(post(&client, &server.uri()), SendOptions::idempotent())
        .await
        .unwrap_err();
    assert_eq!(failure.reason(), GiveUpReason::NotRetryable);
    let error = failure.api_error().expect("an API error");
    assert_eq!(error.variant_name(), "InvalidWidget");
    assert_eq!(error.message(), Some("something went wrong"));
    assert_eq!(error.request_id(), Some("req_1"));
    assert_eq!(failure.attempts().len(), 1);
    let attempt = &failure.attempts()[0];
    assert_eq!(attempt.status, Some(http::StatusCode::BAD_REQUEST));
    assert_eq!(attempt.code.as_deref(), Some("invalid_widget"));
    assert_eq!(attempt.class, RetryClass::Never);
    assert_eq!(attempt.delay, None);
    assert_eq!(requests(&server).await.len(), 1);
    assert_eq!(
        failure.to_string(),
        "400 Bad Request [invalid_widget]: something went wrong (request req_1); \
         1 attempt, the error is not retryable"
    );
}

#[tokio::test]
async fn ambiguous_504_without_a_key_is_not_retried() {
    let server = MockServer::start().await;
    mount(&server, json_error(504, "gateway_timeout"), None).await;

    let client = client::<UnkeyedError>(fast_policy(3));
    let failure = client
        .send(post(&client, &server.uri()), SendOptions::default())
        .await
        .unwrap_err();
    assert_eq!(failure.reason(), GiveUpReason::NotRetrySafe);
    assert!(failure.to_string().contains("neither idempotent nor keyed"));
    assert_eq!(failure.idempotency_key(), None);
    assert_eq!(requests(&server).await.len(), 1);
}

#[tokio::test]
async fn ambiguous_504_of_an_idempotent_request_is_retried() {
    let server = MockServer::start().await;
    mount(&server, json_error(504, "gateway_timeout"), Some(1)).await;
    mount(&server, ResponseTemplate::new(200), None).await;

    let client = client::<UnkeyedError>(fast_policy(3));
    let response = client
        .send(post(&client, &server.uri()), SendOptions::idempotent())
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(requests(&server).await.len(), 2);
}

fn keys_seen(requests: &[wiremock::Request]) -> Vec<String> {
    requests
        .iter()
        .map(|r| {
            r.headers
                .get("idempotency-key")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("<none>")
                .to_owned()
        })
        .collect()
}

#[tokio::test]
async fn ambiguous_504_with_a_key_is_retried_with_the_same_key() {
    let server = MockServer::start().await;
    mount(&server, json_error(504, "gateway_timeout"), Some(2)).await;
    mount(&server, ResponseTemplate::new(200), None).await;

    let client = client::<KeyedError>(fast_policy(3));
    let response = client
        .send(post(&client, &server.uri()), SendOptions::default())
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let keys = keys_seen(&requests(&server).await);
    assert_eq!(keys.len(), 3);
    assert!(uuid::Uuid::parse_str(&keys[0]).is_ok(), "{keys:?}");
    assert!(keys.iter().all(|k| *k == keys[0]), "{keys:?}");
}

#[tokio::test]
async fn callers_key_is_sent_and_reported() {
    let server = MockServer::start().await;
    mount(&server, json_error(504, "gateway_timeout"), None).await;

    let client = client::<KeyedError>(fast_policy(2));
    let failure = client
        .send(
            post(&client, &server.uri()),
            SendOptions::with_idempotency_key("job-42"),
        )
        .await
        .unwrap_err();
    assert_eq!(
        failure.reason(),
        GiveUpReason::AttemptsExhausted { attempts: 2 }
    );
    assert_eq!(failure.idempotency_key(), Some("job-42"));
    assert_eq!(keys_seen(&requests(&server).await), ["job-42", "job-42"]);
    // A key already on the request is kept as is.
    let request = post(&client, &server.uri()).header("idempotency-key", "preset");
    let failure = client
        .send(request, SendOptions::default())
        .await
        .unwrap_err();
    assert_eq!(failure.idempotency_key(), Some("preset"));
}

#[tokio::test]
async fn invalid_key_is_reported_without_sending() {
    let server = MockServer::start().await;
    let client = client::<KeyedError>(fast_policy(2));
    let failure = client
        .send(
            post(&client, &server.uri()),
            SendOptions::with_idempotency_key("bad\nkey"),
        )
        .await
        .unwrap_err();
    assert_eq!(failure.reason(), GiveUpReason::InvalidRequest);
    assert!(matches!(
        failure.transport_error(),
        Some(TransportError::InvalidIdempotencyKey { .. })
    ));
    assert!(failure.attempts().is_empty());
    assert!(requests(&server).await.is_empty());
}

#[tokio::test]
async fn sustained_outage_stops_at_the_attempt_cap() {
    let server = MockServer::start().await;
    mount(&server, json_error(503, "unavailable"), None).await;

    let client = client::<KeyedError>(fast_policy(4));
    let failure = client
        .send(post(&client, &server.uri()), SendOptions::default())
        .await
        .unwrap_err();
    assert_eq!(
        failure.reason(),
        GiveUpReason::AttemptsExhausted { attempts: 4 }
    );
    let attempts = failure.attempts();
    assert_eq!(attempts.len(), 4);
    assert_eq!(
        attempts.iter().map(|a| a.number).collect::<Vec<_>>(),
        [1, 2, 3, 4]
    );
    assert!(attempts[..3].iter().all(|a| a.delay.is_some()));
    assert!(
        attempts[..3]
            .iter()
            .all(|a| a.delay <= Some(Duration::from_millis(5)))
    );
    assert_eq!(attempts[3].delay, None);
    assert!(attempts.iter().all(|a| a.class == RetryClass::Backoff));
    assert_eq!(requests(&server).await.len(), 4);
}

#[tokio::test]
async fn sustained_outage_stops_when_the_budget_runs_out() {
    let server = MockServer::start().await;
    mount(&server, json_error(503, "unavailable"), None).await;

    // Two retries' worth of tokens, shared by two clients.
    let budget = RetryBudget::new(12);
    let first = Client::<KeyedError>::builder(reqwest::Client::new())
        .policy(fast_policy(10))
        .budget(budget.clone())
        .build();
    let second = first.clone();
    let failure = first
        .send(post(&first, &server.uri()), SendOptions::default())
        .await
        .unwrap_err();
    assert_eq!(failure.reason(), GiveUpReason::BudgetExhausted);
    assert_eq!(failure.attempts().len(), 3);
    assert_eq!(budget.available(), 2);
    // The bucket is shared: the other client cannot retry either.
    let failure = second
        .send(post(&second, &server.uri()), SendOptions::default())
        .await
        .unwrap_err();
    assert_eq!(failure.reason(), GiveUpReason::BudgetExhausted);
    assert_eq!(failure.attempts().len(), 1);
    assert_eq!(requests(&server).await.len(), 4);
}

#[tokio::test]
async fn huge_retry_after_fails_at_once_with_the_delay() {
    let server = MockServer::start().await;
    mount(
        &server,
        json_error(429, "rate_limited").insert_header("retry-after", "99999"),
        None,
    )
    .await;

    let client = client::<KeyedError>(RetryPolicy::default());
    let start = std::time::Instant::now();
    let failure = client
        .send(post(&client, &server.uri()), SendOptions::default())
        .await
        .unwrap_err();
    assert!(start.elapsed() < Duration::from_secs(5), "it slept");
    assert_eq!(failure.server_delay(), Some(Duration::from_secs(99_999)));
    assert_eq!(
        failure.reason(),
        GiveUpReason::ServerDelayTooLong {
            delay: Duration::from_secs(99_999),
            max: Duration::from_secs(60)
        }
    );
    let error = failure.api_error().unwrap();
    assert_eq!(error.retry_class(), RetryClass::Throttled);
    assert_eq!(error.variant_name(), "RateLimited");
    assert_eq!(failure.attempts().len(), 1);
    assert_eq!(requests(&server).await.len(), 1);
}

#[tokio::test]
async fn error_bodies_are_read_up_to_the_limit() {
    let server = MockServer::start().await;
    let big = format!(
        r#"{{"error":{{"code":"invalid_widget","message":"{}"}}}}"#,
        "x".repeat(10_000)
    );
    mount(
        &server,
        ResponseTemplate::new(400).set_body_string(big),
        None,
    )
    .await;

    let client = Client::<KeyedError>::builder(reqwest::Client::new())
        .max_error_body(64)
        .build();
    let failure = client
        .send(post(&client, &server.uri()), SendOptions::default())
        .await
        .unwrap_err();
    let error = failure.api_error().unwrap();
    // Cut at 64 bytes the JSON is truncated: a status-level error with a snippet.
    assert_eq!(error.code, None);
    let raw = error.details.raw.as_deref().unwrap();
    assert_eq!(raw.len(), 64);
    assert!(raw.starts_with(r#"{"error":{"code":"invalid_widget""#));
}

#[tokio::test]
async fn a_stream_body_is_sent_once() {
    let server = MockServer::start().await;
    mount(&server, json_error(503, "unavailable"), None).await;

    let client = client::<KeyedError>(fast_policy(3));
    let request = client
        .request(Method::POST, format!("{}/v1/widgets", server.uri()))
        .body(reqwest::Body::wrap(String::from("streamed")));
    let failure = client
        .send(request, SendOptions::default())
        .await
        .unwrap_err();
    assert_eq!(failure.reason(), GiveUpReason::NotReplayable);
    assert!(failure.to_string().contains("cannot be sent again"));
    assert_eq!(requests(&server).await.len(), 1);
}

/// What the raw server does with each connection, in turn.
#[derive(Clone, Copy, Debug)]
enum Script {
    /// Read the request, then close the connection without answering.
    Cut,
    /// Read the request and answer 200.
    Ok,
    /// Read the request and never answer.
    Hang,
}

/// A raw HTTP/1.1 server following `script` (the last step repeats);
/// returns its address and the requests it read.
async fn raw_server(script: Vec<Script>) -> (SocketAddr, Arc<Mutex<Vec<Request>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    let addr = serve(move |n, mut stream| {
        let step = script[usize::try_from(n)
            .unwrap_or(usize::MAX)
            .min(script.len() - 1)];
        let log = Arc::clone(&log);
        Box::pin(async move {
            let Some(request) = read_request(&mut stream).await else {
                return;
            };
            log.lock().unwrap().push(request);
            match step {
                Script::Cut => drop(stream),
                Script::Ok => reply(stream, &response(200, &[], b"ok")).await,
                Script::Hang => hang(stream).await,
            }
        })
    })
    .await;
    (addr, seen)
}

#[tokio::test]
async fn connection_cut_after_the_request_is_ambiguous() {
    let (addr, seen) = raw_server(vec![Script::Cut]).await;
    let client = client::<UnkeyedError>(fast_policy(3));
    let failure = client
        .send(
            post(&client, &format!("http://{addr}")),
            SendOptions::default(),
        )
        .await
        .unwrap_err();
    assert_eq!(failure.reason(), GiveUpReason::NotRetrySafe);
    let Some(LastError::Transport(error)) = Some(failure.error()) else {
        panic!("{failure:?}");
    };
    assert_eq!(error.failure(), Some(TransportFailure::MaybeSent));
    assert_eq!(failure.attempts()[0].class, RetryClass::Ambiguous);
    assert_eq!(
        failure.attempts()[0].transport,
        Some(TransportFailure::MaybeSent)
    );
    assert_eq!(
        seen.lock().unwrap().len(),
        1,
        "the server read the request once"
    );
}

#[tokio::test]
async fn connection_cut_of_a_keyed_request_is_retried_with_the_same_key() {
    let (addr, seen) = raw_server(vec![Script::Cut, Script::Ok]).await;
    let client = client::<KeyedError>(fast_policy(3));
    let response = client
        .send(
            post(&client, &format!("http://{addr}")),
            SendOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let read = seen.lock().unwrap().clone();
    assert_eq!(read.len(), 2);
    let keys: Vec<_> = read.iter().map(|r| r.header("idempotency-key")).collect();
    assert!(keys[0].is_some());
    assert_eq!(keys[0], keys[1]);
}

#[tokio::test]
async fn refused_connection_is_not_sent_and_retried() {
    // A port nobody listens on any more.
    let addr = closed_port();
    let client = client::<UnkeyedError>(fast_policy(3));
    let failure = client
        .send(
            post(&client, &format!("http://{addr}")),
            SendOptions::default(),
        )
        .await
        .unwrap_err();
    assert_eq!(
        failure.reason(),
        GiveUpReason::AttemptsExhausted { attempts: 3 }
    );
    assert!(
        failure
            .attempts()
            .iter()
            .all(|a| a.transport == Some(TransportFailure::NotSent))
    );
    assert_eq!(
        failure.transport_error().and_then(TransportError::failure),
        Some(TransportFailure::NotSent)
    );
    // Transport failures cost 10 tokens per retry.
    assert_eq!(client.budget().unwrap().available(), 480);
}

#[tokio::test]
async fn attempt_timeout_is_ambiguous() {
    let (addr, seen) = raw_server(vec![Script::Hang]).await;
    let policy = RetryPolicy::builder()
        .max_attempts(2)
        .base_delay(Duration::from_millis(1))
        .attempt_timeout(Duration::from_millis(200))
        .jitter(Jitter::None)
        .build()
        .unwrap();
    let client = client::<UnkeyedError>(policy);
    let failure = client
        .send(
            post(&client, &format!("http://{addr}")),
            SendOptions::default(),
        )
        .await
        .unwrap_err();
    assert_eq!(failure.reason(), GiveUpReason::NotRetrySafe);
    assert!(matches!(
        failure.transport_error(),
        Some(TransportError::Timeout(_))
    ));
    // Idempotent: retried, then out of attempts.
    let failure = client
        .send(
            post(&client, &format!("http://{addr}")),
            SendOptions::idempotent(),
        )
        .await
        .unwrap_err();
    assert_eq!(
        failure.reason(),
        GiveUpReason::AttemptsExhausted { attempts: 2 }
    );
    assert_eq!(seen.lock().unwrap().len(), 3);
}

#[tokio::test]
async fn deadline_ends_the_request() {
    let server = MockServer::start().await;
    mount(&server, json_error(503, "unavailable"), None).await;
    let policy = RetryPolicy::builder()
        .max_attempts(100)
        .base_delay(Duration::from_millis(50))
        .max_backoff(Duration::from_millis(50))
        .jitter(Jitter::None)
        .deadline(Duration::from_millis(300))
        .build()
        .unwrap();
    let client = client::<KeyedError>(policy);
    let failure = client
        .send(post(&client, &server.uri()), SendOptions::default())
        .await
        .unwrap_err();
    assert!(
        matches!(failure.reason(), GiveUpReason::DeadlineExceeded { .. }),
        "{failure}"
    );
    assert!(failure.attempts().len() < 10);
}

#[tokio::test]
async fn invalid_request_is_not_sent() {
    let client = client::<KeyedError>(fast_policy(3));
    let request = client.request(Method::GET, "not a url");
    let failure = client
        .send(request, SendOptions::default())
        .await
        .unwrap_err();
    assert_eq!(failure.reason(), GiveUpReason::InvalidRequest);
    assert!(matches!(
        failure.transport_error(),
        Some(TransportError::Invalid(_))
    ));
}

#[test]
fn send_future_is_send() {
    fn assert_send<T: Send>(_: &T) {}
    let client = client::<KeyedError>(RetryPolicy::default());
    let request = client.request(Method::GET, "http://localhost/");
    let future = client.send(request, SendOptions::default());
    assert_send(&future);
}

#[test]
fn debug_output_hides_secrets() {
    let mut headers = http::HeaderMap::new();
    headers.insert(
        "x-api-key",
        http::HeaderValue::from_static("secret-key-456"),
    );
    let http = reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .unwrap();
    let client = Client::<KeyedError>::new(http, RetryPolicy::default());
    let shown = format!("{client:?}");
    assert!(!shown.contains("secret-key-456"), "{shown}");
    assert!(shown.contains("widgets"), "{shown}");
    let options = SendOptions::with_idempotency_key("secret-key-789");
    let shown = format!("{options:?}");
    assert!(!shown.contains("secret-key-789"), "{shown}");
}

#[tokio::test]
async fn a_custom_decider_replaces_the_policy_decision() {
    use errspec::policy::{self, Decision, RetryContext};
    let server = MockServer::start().await;
    // A 400 is `never` under the policy; this decider retries it once.
    mount(&server, json_error(400, "invalid_widget"), Some(1)).await;
    mount(&server, ResponseTemplate::new(200), None).await;
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    let client = Client::<KeyedError>::builder(reqwest::Client::new())
        .decider(policy::from_fn(
            move |context: &RetryContext<'_>, _: &mut policy::Rng| {
                log.lock().unwrap().push((
                    context.attempts,
                    context.retry_safe,
                    context.outcome.class(),
                ));
                Decision::Retry {
                    after: Duration::from_millis(1),
                    reason: errspec::policy::RetryReason::Transient,
                }
            },
        ))
        .build();
    let delivered = client
        .send_recorded(post(&client, &server.uri()), SendOptions::default())
        .await
        .unwrap();
    assert_eq!(delivered.response.status(), 200);
    assert_eq!(delivered.retried.len(), 1);
    // Keyed API: the request counts as retry-safe.
    assert_eq!(*seen.lock().unwrap(), [(1, true, RetryClass::Never)]);
}

#[tokio::test]
async fn the_observer_sees_every_attempt_and_the_give_up() {
    use errspec::observe::{Action, Event};
    let server = MockServer::start().await;
    mount(&server, json_error(503, "unavailable"), Some(1)).await;
    mount(&server, json_error(400, "invalid_widget"), None).await;
    type Seen = (
        u32,
        Option<u16>,
        Option<String>,
        Option<RetryClass>,
        Action,
        Option<String>,
    );
    let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
    let log = Arc::clone(&seen);
    let client = Client::<KeyedError>::builder(reqwest::Client::new())
        .policy(fast_policy(3))
        .jitter_seed(7)
        .observer(move |event: &Event<'_>| {
            assert_eq!((event.provider, event.api), ("test", "widgets"));
            assert_eq!((event.method.as_str(), event.path), ("POST", "/v1/widgets"));
            assert_eq!(event.resend_count(), event.attempt - 1);
            log.lock().unwrap().push((
                event.attempt,
                event.status.map(|s| s.as_u16()),
                event.code.map(str::to_owned),
                event.class,
                event.action,
                event.error_type().map(|t| t.into_owned()),
            ));
        })
        .build();
    let failure = client
        .send(post(&client, &server.uri()), SendOptions::default())
        .await
        .unwrap_err();
    let delay = failure.attempts()[0].delay.unwrap();
    assert_eq!(
        *seen.lock().unwrap(),
        [
            (
                1,
                Some(503),
                Some("unavailable".to_owned()),
                Some(RetryClass::Backoff),
                Action::Retry {
                    after: delay,
                    reason: errspec::policy::RetryReason::Transient
                },
                Some("unavailable".to_owned()),
            ),
            (
                2,
                Some(400),
                Some("invalid_widget".to_owned()),
                Some(RetryClass::Never),
                Action::GiveUp {
                    reason: GiveUpReason::NotRetryable,
                    server_delay: None
                },
                Some("invalid_widget".to_owned()),
            ),
        ]
    );

    // A success is an event too, with no class and no error type.
    let server = MockServer::start().await;
    mount(&server, ResponseTemplate::new(204), None).await;
    type Brief = (u32, Option<u16>, Action, bool);
    let seen: Arc<Mutex<Vec<Brief>>> = Arc::default();
    let log = Arc::clone(&seen);
    let client = Client::<KeyedError>::builder(reqwest::Client::new())
        .observer(move |event: &Event<'_>| {
            log.lock().unwrap().push((
                event.attempt,
                event.status.map(|s| s.as_u16()),
                event.action,
                event.class.is_none() && event.error_type().is_none(),
            ));
        })
        .build();
    client
        .send(post(&client, &server.uri()), SendOptions::default())
        .await
        .unwrap();
    assert_eq!(
        *seen.lock().unwrap(),
        [(1, Some(204), Action::Succeeded, true)]
    );
}

#[tokio::test]
async fn without_idempotency_key_sends_none_and_does_not_retry_ambiguous() {
    let server = MockServer::start().await;
    mount(&server, json_error(504, "gateway_timeout"), None).await;
    let client = client::<KeyedError>(fast_policy(3));
    let failure = client
        .send(
            post(&client, &server.uri()),
            SendOptions::without_idempotency_key(),
        )
        .await
        .unwrap_err();
    assert_eq!(failure.reason(), GiveUpReason::NotRetrySafe);
    assert_eq!(failure.idempotency_key(), None);
    assert_eq!(keys_seen(&requests(&server).await), ["<none>"]);

    // Marked idempotent, the same request is retried, still without a key.
    let server = MockServer::start().await;
    mount(&server, json_error(504, "gateway_timeout"), None).await;
    let mut options = SendOptions::without_idempotency_key();
    options.idempotent = true;
    let failure = client
        .send(post(&client, &server.uri()), options)
        .await
        .unwrap_err();
    assert_eq!(
        failure.reason(),
        GiveUpReason::AttemptsExhausted { attempts: 3 }
    );
    assert_eq!(
        keys_seen(&requests(&server).await),
        ["<none>", "<none>", "<none>"]
    );
}
