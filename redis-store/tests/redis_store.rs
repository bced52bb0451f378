//! The Redis store against a real `redis-server` on a loopback port,
//! started here and stopped by its PID: the scripts' arithmetic, sharing
//! between independent clients, absurd limits, and Redis killed and
//! restarted in the middle of a run (no request lost, none sent twice).
#![allow(missing_docs)]

#[path = "../../runtime/tests/support/test_api.rs"]
mod test_api;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use errspec::RetryPolicy;
use errspec::client::{Client, SendOptions};
use errspec::pacing::{Cell, LimitScope, LocalStore, Pacing, PacingStore, RateLimit};
use errspec_redis::RedisStore;
use errspec_redis::server::RedisServer;
use reqwest::Method;
use test_api::KeyedError;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

fn policy(max_server_delay: Duration) -> RetryPolicy {
    RetryPolicy::builder()
        .max_attempts(5)
        .base_delay(Duration::from_millis(1))
        .max_backoff(Duration::from_millis(5))
        .max_server_delay(max_server_delay)
        .build()
        .unwrap()
}

fn shared(server: &RedisServer) -> Pacing {
    let store = RedisStore::open(&server.url()).unwrap();
    // Generous: a busy CI machine must not turn a healthy Redis into a fallback.
    Pacing::shared(Arc::new(store)).store_timeout(Duration::from_secs(2))
}

fn client(pacing: Pacing, max_server_delay: Duration) -> Client<KeyedError> {
    Client::builder(reqwest::Client::new())
        .policy(policy(max_server_delay))
        .pacing(pacing)
        .build()
}

async fn send(client: &Client<KeyedError>, server: &MockServer) -> Result<u16, String> {
    let request = client
        .request(Method::POST, format!("{}/v1/widgets", server.uri()))
        .bearer_auth("sk_test_secret")
        .body("{}");
    client
        .send(request, SendOptions::default())
        .await
        .map(|response| response.status().as_u16())
        .map_err(|failure| failure.to_string())
}

/// The Lua script and the in-process store give the same waits for the same
/// calls (the cells' intervals are long, so the calls' own time is noise).
#[tokio::test]
async fn the_script_reserves_as_the_local_store_does() {
    let redis = RedisServer::start().unwrap();
    let store = RedisStore::open(&redis.url()).unwrap();
    let local = LocalStore::new();
    let cells = [
        Cell {
            key: "test:{s}:fast".into(),
            interval: Duration::from_secs(10),
        },
        Cell {
            key: "test:{s}:slow".into(),
            interval: Duration::from_secs(25),
        },
    ];
    let mut remote_waits = Vec::new();
    let mut local_waits = Vec::new();
    for _ in 0..4 {
        remote_waits.push(store.reserve("test:{s}:block", &cells).await.unwrap());
        local_waits.push(local.reserve_now("test:{s}:block", &cells));
    }
    store
        .block("test:{s}:block", Duration::from_secs(500))
        .await
        .unwrap();
    local.block_now("test:{s}:block", Duration::from_secs(500));
    remote_waits.push(store.reserve("test:{s}:block", &cells).await.unwrap());
    local_waits.push(local.reserve_now("test:{s}:block", &cells));
    // The slow cell decides: 0, 25, 50, 75 s; then the 500 s block.
    let expected = [0, 25, 50, 75, 500];
    for ((remote, local), secs) in remote_waits.iter().zip(&local_waits).zip(expected) {
        let near = |d: &Duration| d.as_secs_f64() > secs as f64 - 5.0 && d.as_secs() <= secs;
        assert!(
            near(remote) && near(local),
            "{remote_waits:?} vs {local_waits:?}"
        );
    }
}

/// The budget scripts take and give back tokens as the in-process store
/// does: absent is full, a refusal takes nothing, a deposit stops at the
/// capacity (and a full bucket leaves no key).
#[tokio::test]
async fn the_budget_scripts_count_as_the_local_store_does() {
    let redis = RedisServer::start().unwrap();
    let store = RedisStore::open(&redis.url()).unwrap();
    let local = LocalStore::new();
    let key = "test:{a}:budget";
    let mut remote = Vec::new();
    let mut here = Vec::new();
    for cost in [5, 10, 10] {
        remote.push(store.spend(key, cost, 20).await.unwrap());
        here.push(local.spend_now(key, cost, 20));
    }
    assert_eq!(remote, [Some(15), Some(5), None]);
    assert_eq!(remote, here);
    assert_eq!(store.deposit(key, 10, 20).await.unwrap(), 15);
    assert_eq!(local.deposit_now(key, 10, 20), 15);
    assert_eq!(store.deposit(key, 10, 20).await.unwrap(), 20);
    assert_eq!(local.deposit_now(key, 10, 20), 20);
    let mut connection = redis::Client::open(redis.url())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    let exists: i64 = redis::cmd("EXISTS")
        .arg(key)
        .query_async(&mut connection)
        .await
        .unwrap();
    assert_eq!(exists, 0, "a full bucket keeps no key");
}

/// Two clients sharing nothing but Redis (as two processes would), each
/// with its own client budget, spend one 10-token account budget: the
/// first takes it (two retries), the second gives up at its first failure.
#[tokio::test]
async fn the_fleet_spends_one_retry_budget() {
    let redis = RedisServer::start().unwrap();
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let first = client(shared(&redis).retry_budget(10), Duration::from_secs(60));
    let second = client(shared(&redis).retry_budget(10), Duration::from_secs(60));
    let failure = send(&first, &server).await.unwrap_err();
    assert!(failure.contains("budget"), "{failure}");
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
    let failure = send(&second, &server).await.unwrap_err();
    assert!(failure.contains("budget"), "{failure}");
    assert_eq!(server.received_requests().await.unwrap().len(), 4);
    let stats = second.pacing().unwrap().stats();
    assert_eq!(stats.store_failures, 0, "{stats:?}");
}

/// Two clients that share nothing but the Redis server (as two processes
/// would): one sees a spent window, the other is held.
#[tokio::test]
async fn a_spent_window_seen_by_one_client_holds_another() {
    let redis = RedisServer::start().unwrap();
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("x-ratelimit-remaining", "0")
                .insert_header("x-ratelimit-reset", "1"),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let first = client(shared(&redis), Duration::from_secs(60));
    let second = client(shared(&redis), Duration::from_secs(60));
    assert_eq!(send(&first, &server).await, Ok(200));
    assert_eq!(send(&second, &server).await, Ok(200));
    let stats = second.pacing().unwrap().stats();
    assert_eq!((stats.held, stats.store_failures), (1, 0), "{stats:?}");
    assert!(stats.held_for > Duration::from_millis(500), "{stats:?}");
}

/// A reset a year away blocks the scope in Redis for the policy's maximum
/// server delay, not a year: the key's time to live says so.
#[tokio::test]
async fn an_absurd_reset_is_stored_bounded() {
    let redis = RedisServer::start().unwrap();
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("x-ratelimit-remaining", "0")
                .insert_header("x-ratelimit-reset", (365 * 24 * 3600).to_string().as_str()),
        )
        .mount(&server)
        .await;
    let client = client(shared(&redis), Duration::from_secs(3));
    assert_eq!(send(&client, &server).await, Ok(200));

    let mut connection = redis::Client::open(redis.url())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg("errspec:*")
        .query_async(&mut connection)
        .await
        .unwrap();
    assert_eq!(keys.len(), 1, "{keys:?}");
    assert!(
        keys[0].ends_with(":block") && !keys[0].contains("sk_test_secret"),
        "{keys:?}"
    );
    let ttl: i64 = redis::cmd("PTTL")
        .arg(&keys[0])
        .query_async(&mut connection)
        .await
        .unwrap();
    assert!(ttl > 0 && ttl <= 3_001, "{ttl} ms");
}

/// Redis is killed after a third of the sends and restarted after two
/// thirds: every request is delivered, each exactly once (its idempotency
/// key seen once by the server), pacing falls back and comes back.
#[tokio::test]
async fn redis_killed_and_restarted_mid_run_loses_and_repeats_nothing() {
    let mut redis = RedisServer::start().unwrap();
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let pacing = shared(&redis)
        .store_timeout(Duration::from_millis(200))
        .limit(RateLimit::new(
            1000,
            Duration::from_secs(1),
            LimitScope::Account,
        ));
    let client = client(pacing.clone(), Duration::from_secs(60));
    let sends = 60;
    let mut keys = Vec::new();
    for i in 0..sends {
        if i == sends / 3 {
            redis.stop();
        }
        if i == 2 * sends / 3 {
            redis.restart().unwrap();
            // Past the store's one-second cooldown: the next send asks Redis.
            tokio::time::sleep(Duration::from_millis(1100)).await;
        }
        let request = client
            .request(Method::POST, format!("{}/v1/widgets", server.uri()))
            .bearer_auth("sk_test_secret")
            .body("{}");
        let delivered = client
            .send_recorded(request, SendOptions::default())
            .await
            .unwrap();
        assert_eq!(delivered.response.status(), 200);
        keys.push(delivered.idempotency_key.unwrap());
    }
    let stats = pacing.stats();
    assert!(stats.store_failures > 0, "{stats:?}");
    assert!(
        !pacing.is_degraded(),
        "pacing did not come back to Redis: {stats:?}"
    );

    let mut seen: HashMap<String, usize> = HashMap::new();
    for request in server.received_requests().await.unwrap() {
        let key = request
            .headers
            .get("idempotency-key")
            .unwrap()
            .to_str()
            .unwrap();
        *seen.entry(key.to_owned()).or_default() += 1;
    }
    assert_eq!(seen.len(), sends, "requests lost");
    assert!(seen.values().all(|&n| n == 1), "a request was sent twice");
    assert!(keys.iter().all(|k| seen.get(k) == Some(&1)));
}
