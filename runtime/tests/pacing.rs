//! Pacing in one process: rate-limit headers on successes, throttled
//! responses blocking their scope, documented limits, bounds, and a shared
//! store that fails. Tokio's clock is paused: waits are exact and instant.
#![allow(missing_docs)]

#[path = "support/test_api.rs"]
mod test_api;

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use errspec::client::{Client, SendOptions};
use errspec::pacing::{Cell, LimitScope, Pacing, PacingStore, RateLimit, StoreError, StoreFuture};
use errspec::{ApiError, RetryPolicy};
use reqwest::Method;
use test_api::{KeyedError, error_body};
use tokio::time::Instant;
use wiremock::matchers::{header, method};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn policy(max_attempts: u32, max_server_delay: Duration) -> RetryPolicy {
    RetryPolicy::builder()
        .max_attempts(max_attempts)
        .base_delay(Duration::from_millis(1))
        .max_backoff(Duration::from_millis(5))
        .max_server_delay(max_server_delay)
        .build()
        .unwrap()
}

fn client<E: ApiError>(policy: RetryPolicy, pacing: Pacing) -> Client<E> {
    Client::builder(reqwest::Client::new())
        .policy(policy)
        .pacing(pacing)
        .jitter_seed(7)
        .build()
}

fn spent_window(reset_secs: u64) -> ResponseTemplate {
    ResponseTemplate::new(200)
        .insert_header("x-ratelimit-limit", "10")
        .insert_header("x-ratelimit-remaining", "0")
        .insert_header("x-ratelimit-reset", reset_secs.to_string().as_str())
}

fn throttled(retry_after: u64) -> ResponseTemplate {
    ResponseTemplate::new(429)
        .insert_header("content-type", "application/json")
        .insert_header("retry-after", retry_after.to_string().as_str())
        .set_body_string(error_body("rate_limited", "slow down", "req_1"))
}

async fn send(client: &Client<KeyedError>, server: &MockServer, key: &str) -> Result<u16, String> {
    let request = client
        .request(Method::POST, format!("{}/v1/widgets", server.uri()))
        .bearer_auth(key)
        .body("{}");
    client
        .send(request, SendOptions::default())
        .await
        .map(|response| response.status().as_u16())
        .map_err(|failure| failure.to_string())
}

#[tokio::test(start_paused = true)]
async fn a_spent_window_on_a_success_holds_the_next_request_until_the_reset() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(spent_window(20))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let client = client::<KeyedError>(policy(3, Duration::from_secs(60)), Pacing::new());

    assert_eq!(send(&client, &server, "k1").await, Ok(200));
    let start = Instant::now();
    // A clone shares the state.
    assert_eq!(send(&client.clone(), &server, "k1").await, Ok(200));
    assert!(
        start.elapsed() >= Duration::from_secs(20),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test(start_paused = true)]
async fn a_window_with_requests_left_holds_nothing() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("x-ratelimit-remaining", "3")
                .insert_header("x-ratelimit-reset", "20"),
        )
        .mount(&server)
        .await;
    let client = client::<KeyedError>(policy(3, Duration::from_secs(60)), Pacing::new());
    for _ in 0..3 {
        assert_eq!(send(&client, &server, "k1").await, Ok(200));
    }
    let stats = client.pacing().unwrap().stats();
    assert_eq!((stats.held, stats.blocks), (0, 0));
}

#[tokio::test(start_paused = true)]
async fn a_throttled_response_blocks_the_whole_scope_not_other_keys() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(header("authorization", "Bearer k1"))
        .respond_with(throttled(30))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    // No retries: the throttled request itself gives up at once.
    let client = client::<KeyedError>(policy(1, Duration::from_secs(60)), Pacing::new());

    assert!(send(&client, &server, "k1").await.is_err());
    // Another key is another scope: not held.
    let start = Instant::now();
    assert_eq!(send(&client, &server, "k2").await, Ok(200));
    assert_eq!(client.pacing().unwrap().stats().held, 0);
    // The same key is held for the 30 s the 429 asked for.
    assert_eq!(send(&client, &server, "k1").await, Ok(200));
    assert!(
        start.elapsed() >= Duration::from_secs(30),
        "{:?}",
        start.elapsed()
    );
}

/// A client keeps the scope of the first credentials it sees; requests
/// with other credentials are still paced in their own scope, and a
/// header that is not a credential does not change the scope. (Only lower
/// bounds on time: with the clock paused, tokio jumps it to the HTTP
/// client's idle timers while the mock server answers.)
#[tokio::test(start_paused = true)]
async fn two_credentials_on_one_client_never_share_a_block() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(header("authorization", "Bearer k2"))
        .respond_with(throttled(3600))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(header("x-test-throttle", "yes"))
        .respond_with(throttled(60))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let policy = policy(1, Duration::from_secs(7200));
    let client = client::<KeyedError>(policy, Pacing::new());
    let send_as = |key: &'static str, throttle: bool| {
        let mut request = client
            .request(Method::POST, format!("{}/v1/widgets", server.uri()))
            .bearer_auth(key)
            .body("{}");
        if throttle {
            request = request.header("x-test-throttle", "yes");
        }
        let client = client.clone();
        async move {
            client
                .send(request, SendOptions::default())
                .await
                .map(|response| response.status().as_u16())
                .map_err(|failure| failure.to_string())
        }
    };
    let held = || client.pacing().unwrap().stats().held;
    let start = Instant::now();
    // k1 first: its scope is the one the client keeps.
    assert_eq!(send_as("k1", false).await, Ok(200));
    // k2's 429 blocks k2 for an hour, not k1.
    assert!(send_as("k2", false).await.is_err());
    assert_eq!(send_as("k1", false).await, Ok(200));
    assert_eq!(held(), 0);
    // k1's own 429 (the extra header is no credential: the same scope)
    // holds k1's next request.
    assert!(send_as("k1", true).await.is_err());
    assert_eq!(send_as("k1", false).await, Ok(200));
    assert_eq!(held(), 1);
    // k2 is still held for its own hour.
    assert_eq!(send_as("k2", false).await, Ok(200));
    assert_eq!(held(), 2);
    assert!(
        start.elapsed() >= Duration::from_secs(3600),
        "{:?}",
        start.elapsed()
    );
}

#[tokio::test(start_paused = true)]
async fn an_account_label_joins_keys_into_one_scope() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(header("authorization", "Bearer k1"))
        .respond_with(throttled(30))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let pacing = Pacing::new().account("team-42");
    let client = client::<KeyedError>(policy(1, Duration::from_secs(60)), pacing);
    assert!(send(&client, &server, "k1").await.is_err());
    let start = Instant::now();
    assert_eq!(send(&client, &server, "k2").await, Ok(200));
    assert!(
        start.elapsed() >= Duration::from_secs(30),
        "{:?}",
        start.elapsed()
    );
}

#[tokio::test(start_paused = true)]
async fn an_absurd_reset_is_bounded_by_the_policys_max_server_delay() {
    let server = MockServer::start().await;
    // Remaining 0 with a reset a year away.
    Mock::given(method("POST"))
        .respond_with(spent_window(365 * 24 * 3600))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let client = client::<KeyedError>(policy(3, Duration::from_secs(5)), Pacing::new());
    assert_eq!(send(&client, &server, "k1").await, Ok(200));
    let start = Instant::now();
    assert_eq!(send(&client, &server, "k1").await, Ok(200));
    assert!(
        start.elapsed() >= Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
    let stats = client.pacing().unwrap().stats();
    assert_eq!(stats.held, 1);
    assert!(stats.held_for <= Duration::from_secs(5), "{stats:?}");
}

#[tokio::test(start_paused = true)]
async fn a_huge_retry_after_is_bounded_too() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(throttled(10_000_000))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let client = client::<KeyedError>(policy(3, Duration::from_secs(5)), Pacing::new());
    // Too long to wait for: given up at once, as without pacing.
    assert!(send(&client, &server, "k1").await.is_err());
    let start = Instant::now();
    assert_eq!(send(&client, &server, "k1").await, Ok(200));
    assert!(
        start.elapsed() >= Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
    let stats = client.pacing().unwrap().stats();
    assert_eq!(stats.held, 1);
    assert!(stats.held_for <= Duration::from_secs(5), "{stats:?}");
}

#[tokio::test(start_paused = true)]
async fn a_documented_limit_spaces_the_sends() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let pacing = Pacing::new().limit(RateLimit::new(
        2,
        Duration::from_secs(1),
        LimitScope::Account,
    ));
    let client = client::<KeyedError>(policy(3, Duration::from_secs(60)), pacing);
    let start = Instant::now();
    let sends: Vec<_> = (0..5).map(|_| send(&client, &server, "k1")).collect();
    for result in futures_join(sends).await {
        assert_eq!(result, Ok(200));
    }
    // Five sends at 2 per second: the fifth goes at 2 s, four were held
    // (0.5 + 1 + 1.5 + 2 s).
    assert!(
        start.elapsed() >= Duration::from_secs(2),
        "{:?}",
        start.elapsed()
    );
    let stats = client.pacing().unwrap().stats();
    assert_eq!(stats.held, 4);
    assert!(stats.held_for <= Duration::from_secs(5), "{stats:?}");
    assert_eq!(server.received_requests().await.unwrap().len(), 5);
}

#[tokio::test(start_paused = true)]
async fn without_pacing_nothing_is_held() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(spent_window(20))
        .mount(&server)
        .await;
    let client: Client<KeyedError> = Client::builder(reqwest::Client::new())
        .policy(policy(3, Duration::from_secs(60)))
        .without_pacing()
        .build();
    assert_eq!(send(&client, &server, "k1").await, Ok(200));
    assert_eq!(send(&client, &server, "k1").await, Ok(200));
    assert!(client.pacing().is_none());
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

/// A shared store that is down: every call fails.
#[derive(Debug, Default)]
struct DownStore {
    calls: AtomicU32,
}

impl PacingStore for DownStore {
    fn reserve<'a>(
        &'a self,
        _scope: &'a str,
        _cells: &'a [Cell],
    ) -> StoreFuture<'a, Result<Duration, StoreError>> {
        self.calls.fetch_add(1, Ordering::Relaxed);
        Box::pin(async { Err(StoreError::new("connection refused")) })
    }

    fn block<'a>(
        &'a self,
        _scope: &'a str,
        _delay: Duration,
    ) -> StoreFuture<'a, Result<(), StoreError>> {
        self.calls.fetch_add(1, Ordering::Relaxed);
        Box::pin(async { Err(StoreError::new("connection refused")) })
    }

    fn spend<'a>(
        &'a self,
        _key: &'a str,
        _cost: u32,
        _capacity: u32,
    ) -> StoreFuture<'a, Result<Option<u32>, StoreError>> {
        self.calls.fetch_add(1, Ordering::Relaxed);
        Box::pin(async { Err(StoreError::new("connection refused")) })
    }

    fn deposit<'a>(
        &'a self,
        _key: &'a str,
        _tokens: u32,
        _capacity: u32,
    ) -> StoreFuture<'a, Result<u32, StoreError>> {
        self.calls.fetch_add(1, Ordering::Relaxed);
        Box::pin(async { Err(StoreError::new("connection refused")) })
    }
}

#[tokio::test(start_paused = true)]
async fn a_failing_shared_store_falls_back_to_in_process_state() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(spent_window(20))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let store = Arc::new(DownStore::default());
    let pacing = Pacing::shared(store.clone());
    let client = client::<KeyedError>(policy(3, Duration::from_secs(60)), pacing.clone());
    assert_eq!(send(&client, &server, "k1").await, Ok(200));
    assert!(pacing.is_degraded());
    let start = Instant::now();
    // Held by the in-process state, and sent once.
    assert_eq!(send(&client, &server, "k1").await, Ok(200));
    assert!(
        start.elapsed() >= Duration::from_secs(20),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
    // Asked again after the cooldown (the 20 s hold outlasted it).
    assert_eq!(send(&client, &server, "k1").await, Ok(200));
    assert!(store.calls.load(Ordering::Relaxed) >= 2);
    assert!(pacing.stats().store_failures >= 2);
}

/// Two clients with budgets of their own but one `Pacing` keeping a
/// 10-token account budget: the first spends it (two retries of 5), the
/// second's first failure finds it empty and gives up at once.
#[tokio::test(start_paused = true)]
async fn the_account_budget_in_the_store_is_one_for_every_client() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let pacing = Pacing::new().retry_budget(10);
    let first = client::<KeyedError>(policy(5, Duration::from_secs(60)), pacing.clone());
    let second = client::<KeyedError>(policy(5, Duration::from_secs(60)), pacing.clone());
    let failure = send(&first, &server, "k1").await.unwrap_err();
    assert!(failure.contains("budget"), "{failure}");
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
    let failure = send(&second, &server, "k1").await.unwrap_err();
    assert!(failure.contains("budget"), "{failure}");
    assert_eq!(server.received_requests().await.unwrap().len(), 4);
    // Each client's own budget is nearly full: the account's decided.
    assert_eq!(second.budget().unwrap().available(), 500);
}

/// Tokens a retry took come back when its request succeeds; a failure that
/// is not retried keeps no token.
#[tokio::test(start_paused = true)]
async fn the_account_budget_refills_on_success() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(2)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let pacing = Pacing::new().retry_budget(10);
    let client = client::<KeyedError>(policy(5, Duration::from_secs(60)), pacing.clone());
    // Two retries take all 10 tokens; the success gives them back.
    assert_eq!(send(&client, &server, "k1").await, Ok(200));
    let failing = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&failing)
        .await;
    let failure = send(&client, &failing, "k1").await.unwrap_err();
    assert!(failure.contains("budget"), "{failure}");
    assert_eq!(failing.received_requests().await.unwrap().len(), 3);
}

/// The sans-IO loop paces too: a `Retry-After` seen by one request holds
/// the next request of the same scope, by this process's state.
#[test]
fn a_blocking_loop_is_held_by_a_throttled_response() {
    use errspec::retry::Retrier;
    let retrier = Retrier::<KeyedError>::builder()
        .policy(policy(3, Duration::from_secs(60)))
        .build();
    let mut headers = http::HeaderMap::new();
    headers.insert("authorization", "Bearer k1".parse().unwrap());
    let mut first = retrier.start(&http::Method::POST, "/v1/widgets", SendOptions::default());
    assert_eq!(first.hold(&headers), Duration::ZERO);
    let mut response = http::HeaderMap::new();
    response.insert("retry-after", "7".parse().unwrap());
    let status = http::StatusCode::TOO_MANY_REQUESTS;
    let error = KeyedError::decode(status, &response, b"");
    let _ = first.failed_response(&error, &response);
    let mut second = retrier.start(&http::Method::POST, "/v1/widgets", SendOptions::default());
    let hold = second.hold(&headers);
    assert!(
        hold > Duration::from_secs(6) && hold <= Duration::from_secs(7),
        "{hold:?}"
    );
    // Another key is another scope.
    let mut other = http::HeaderMap::new();
    other.insert("authorization", "Bearer k2".parse().unwrap());
    let mut third = retrier.start(&http::Method::POST, "/v1/widgets", SendOptions::default());
    assert_eq!(third.hold(&other), Duration::ZERO);
}

/// The same through the sans-IO loop, with exact waits: the retrier keeps
/// the scope of the first credentials (k1); a block of the other (k2)
/// holds k2 only, and k1's own block holds k1 only.
#[test]
fn a_blocking_loop_paces_each_credential_in_its_own_scope() {
    use errspec::retry::Retrier;
    let retrier = Retrier::<KeyedError>::builder()
        .policy(policy(3, Duration::from_secs(60)))
        .build();
    let credential = |key: &str| {
        let mut headers = http::HeaderMap::new();
        let mut value = http::HeaderValue::from_str(&format!("Bearer {key}")).unwrap();
        value.set_sensitive(true);
        headers.insert("authorization", value);
        headers.insert("content-type", "application/json".parse().unwrap());
        headers
    };
    let throttled = |seconds: &str| {
        let mut response = http::HeaderMap::new();
        response.insert("retry-after", seconds.parse().unwrap());
        response
    };
    let hold = |key: &str| {
        retrier
            .start(&http::Method::POST, "/v1/widgets", SendOptions::default())
            .hold(&credential(key))
    };
    let block = |key: &str, seconds: &str| {
        let mut attempts =
            retrier.start(&http::Method::POST, "/v1/widgets", SendOptions::default());
        assert_eq!(attempts.hold(&credential(key)), Duration::ZERO);
        let response = throttled(seconds);
        let error = KeyedError::decode(http::StatusCode::TOO_MANY_REQUESTS, &response, b"");
        let _ = attempts.failed_response(&error, &response);
    };
    let within = |hold: Duration, seconds: u64| {
        hold > Duration::from_secs(seconds - 1) && hold <= Duration::from_secs(seconds)
    };
    assert_eq!(hold("k1"), Duration::ZERO);
    block("k2", "30");
    assert_eq!(hold("k1"), Duration::ZERO);
    let k2 = hold("k2");
    assert!(within(k2, 30), "{k2:?}");
    block("k1", "7");
    let k1 = hold("k1");
    assert!(within(k1, 7), "{k1:?}");
    let k2 = hold("k2");
    assert!(within(k2, 30), "{k2:?}");
}

/// Runs futures concurrently on the current task, in order of results.
async fn futures_join<F: std::future::Future>(futures: Vec<F>) -> Vec<F::Output> {
    let mut set = Vec::new();
    for future in futures {
        set.push(Box::pin(future));
    }
    let mut results: Vec<Option<F::Output>> = set.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (slot, future) in results.iter_mut().zip(set.iter_mut()) {
            if slot.is_none() {
                match future.as_mut().poll(cx) {
                    std::task::Poll::Ready(value) => *slot = Some(value),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    results.into_iter().map(|r| r.expect("ready")).collect()
}

/// The tower layer paces too: a 429 with `Retry-After: 30` on one request
/// (not retried: one attempt) holds the next request's first send 30 s.
#[cfg(feature = "tower")]
#[tokio::test(start_paused = true)]
async fn through_tower_a_throttled_response_holds_the_next_request() {
    use errspec::retry::Retrier;
    use errspec::tower::RetryLayer;
    use tower::{Layer, ServiceExt};

    let calls = Arc::new(AtomicU32::new(0));
    let counted = calls.clone();
    let service = tower::service_fn(move |_request: http::Request<String>| {
        let n = counted.fetch_add(1, Ordering::Relaxed);
        async move {
            let mut response = http::Response::new(Vec::<u8>::new());
            if n == 0 {
                *response.status_mut() = http::StatusCode::TOO_MANY_REQUESTS;
                response
                    .headers_mut()
                    .insert("retry-after", "30".parse().unwrap());
            }
            Ok::<_, std::convert::Infallible>(response)
        }
    });
    let retrier = Retrier::<KeyedError>::builder()
        .policy(policy(1, Duration::from_secs(60)))
        .build();
    let layer = RetryLayer::new(retrier);
    let request = || {
        http::Request::post("http://api.test/v1/widgets")
            .header("authorization", "Bearer k1")
            .body("{}".to_owned())
            .unwrap()
    };
    let first = layer
        .layer(service.clone())
        .oneshot(request())
        .await
        .unwrap();
    assert_eq!(first.status(), 429);
    let start = Instant::now();
    let second = layer.layer(service).oneshot(request()).await.unwrap();
    assert_eq!(second.status(), 200);
    assert!(
        start.elapsed() >= Duration::from_secs(29),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(calls.load(Ordering::Relaxed), 2);
}

/// A reqwest-middleware client on reqwest-retry's loop with errspec's
/// scope, strategy and policy.
#[cfg(feature = "reqwest-middleware")]
fn reqwest_retry_client(
    retrier: errspec::retry::Retrier<KeyedError>,
) -> reqwest_middleware::ClientWithMiddleware {
    use errspec::middleware::{ErrspecStrategy, RetryScope, ScopedPolicy};
    reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
        .with(RetryScope::new(retrier))
        .with(
            reqwest_retry::RetryTransientMiddleware::new_with_policy_and_strategy(
                ScopedPolicy,
                ErrspecStrategy::<KeyedError>::new(),
            ),
        )
        .build()
}

#[cfg(feature = "reqwest-middleware")]
async fn send_through(
    http: &reqwest_middleware::ClientWithMiddleware,
    server: &MockServer,
    key: &str,
) -> u16 {
    http.post(format!("{}/v1/widgets", server.uri()))
        .bearer_auth(key)
        .body("{}")
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// reqwest-retry's loop paces too: a 429 with `Retry-After: 30` (not
/// retried: one attempt) holds the next request's first send 30 s, in this
/// process and, through a shared store, in another one.
#[cfg(feature = "reqwest-middleware")]
#[tokio::test(start_paused = true)]
async fn through_reqwest_retry_a_throttled_response_holds_the_scope() {
    use errspec::pacing::LocalStore;
    use errspec::retry::Retrier;

    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(throttled(30))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    // Two "processes" sharing one store.
    let store: Arc<dyn PacingStore> = Arc::new(LocalStore::new());
    let retrier = |pacing: Pacing| {
        Retrier::<KeyedError>::builder()
            .policy(policy(1, Duration::from_secs(60)))
            .pacing(pacing)
            .build()
    };
    let here = Pacing::shared(store.clone());
    let http = reqwest_retry_client(retrier(here.clone()));
    let there = Pacing::shared(store);
    let other = reqwest_retry_client(retrier(there.clone()));

    assert_eq!(send_through(&http, &server, "k1").await, 429);
    assert_eq!(here.stats().blocks, 1);
    // The strategy tells the shared store from a task of its own.
    tokio::task::yield_now().await;
    let start = Instant::now();
    assert_eq!(send_through(&other, &server, "k1").await, 200);
    assert!(
        start.elapsed() >= Duration::from_secs(29),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(there.stats().held, 1, "{:?}", there.stats());
    // The block has passed: this process does not hold the send either.
    // Counted by pacing rather than timed: with the clock paused, tokio
    // jumps it to the next timer whenever the runtime waits on the mock
    // server's real socket, so elapsed time here can include such a jump
    // (seen once in CI: 180 s) without any hold.
    let held = here.stats().held;
    assert_eq!(send_through(&http, &server, "k1").await, 200);
    assert_eq!(here.stats().held, held, "{:?}", here.stats());
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
}

/// A resend through reqwest-retry waits for its scope's turn: at 1 request
/// per second, the retry of a 503 goes 1 s after the first send, not after
/// the 1–5 ms backoff.
#[cfg(feature = "reqwest-middleware")]
#[tokio::test(start_paused = true)]
async fn through_reqwest_retry_a_documented_limit_spaces_the_resends() {
    use errspec::retry::Retrier;

    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(503)
                .insert_header("content-type", "application/json")
                .set_body_string(error_body("unavailable", "try again", "req_1")),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let pacing = Pacing::new().limit(RateLimit::new(
        1,
        Duration::from_secs(1),
        LimitScope::Account,
    ));
    let retrier = Retrier::<KeyedError>::builder()
        .policy(policy(3, Duration::from_secs(60)))
        .pacing(pacing.clone())
        .build();
    let http = reqwest_retry_client(retrier);

    let start = Instant::now();
    assert_eq!(send_through(&http, &server, "k1").await, 200);
    assert!(
        start.elapsed() >= Duration::from_secs(1),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
    assert_eq!(pacing.stats().held, 1);
}

/// The same through a generated error type, whose prepared layout answers
/// `spent_window_reset` by looking only for its `remaining` header.
#[cfg(feature = "macros")]
mod generated {
    use super::*;

    errspec::catalog!("tests/support/paced.yaml");

    async fn send_paced(client: &Client<paced::Error>, server: &MockServer) -> u16 {
        let request = client.request(Method::GET, format!("{}/v1/items", server.uri()));
        client
            .send(request, SendOptions::default())
            .await
            .map(|response| response.status().as_u16())
            .unwrap_or_else(|failure| panic!("{failure}"))
    }

    /// What pacing held back after `first`, then a plain 200: (sends
    /// held, for how long in all, blocks recorded).
    async fn held_after(first: ResponseTemplate) -> (u64, Duration, u64) {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(first)
            .up_to_n_times(1)
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(200))
            .mount(&server)
            .await;
        let client = client::<paced::Error>(policy(3, Duration::from_secs(60)), Pacing::new());
        assert_eq!(send_paced(&client, &server).await, 200);
        assert_eq!(send_paced(&client, &server).await, 200);
        let stats = client.pacing().unwrap().stats();
        (stats.held, stats.held_for, stats.blocks)
    }

    #[tokio::test(start_paused = true)]
    async fn a_spent_window_read_from_the_prepared_layout_holds_the_next_request() {
        let spent = ResponseTemplate::new(200)
            .insert_header("content-type", "text/plain")
            .insert_header("x-other-count", "0")
            .insert_header("X-RateLimit-Remaining", " 00 ")
            .insert_header("x-ratelimit-reset", "20");
        let (held, held_for, blocks) = held_after(spent).await;
        assert_eq!((held, blocks), (1, 1));
        assert!(
            held_for > Duration::from_secs(19) && held_for <= Duration::from_secs(20),
            "{held_for:?}"
        );

        // Requests left, or a 0 in another header: nothing to wait for.
        for first in [
            ResponseTemplate::new(200)
                .insert_header("x-ratelimit-remaining", "10")
                .insert_header("x-ratelimit-reset", "20"),
            ResponseTemplate::new(200)
                .insert_header("x-other-count", "0")
                .insert_header("x-ratelimit-reset", "20"),
        ] {
            assert_eq!(held_after(first).await, (0, Duration::ZERO, 0));
        }
    }
}
