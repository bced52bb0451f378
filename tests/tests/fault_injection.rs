//! Fault injection, end to end: many logical sends through the retrying
//! client, from concurrent tasks, against a local raw HTTP/1.1 server that
//! injects faults from a fixed seed.
//!
//! The server delivers each idempotency key once and answers a replay with
//! the stored response. Per connection it draws one of: success; 503; 429
//! with `Retry-After` (0 s, or 1 s one time in five); 504 *after*
//! processing; a connection reset *before* reading the request; a reset
//! *after* processing.
//!
//! With TopMail (which takes an `Idempotency-Key`) the test asserts: no
//! send delivered twice; every send either delivered (its own stored
//! response) or a typed [`Failure`] with its attempts; attempts within the
//! policy's cap and the budget's tokens; the client's attempts are exactly
//! the server's connections; no attempt arrived before the delay the server
//! asked for. With Qboxmail's send API (no idempotency key) ambiguous
//! failures (504, resets) are not retried, still no send is delivered twice,
//! and the test reports how many sends end "outcome unknown".
//!
//! With pacing shared through Redis, Redis is killed and restarted in the
//! middle of the TopMail run: still no send delivered twice and none lost,
//! and pacing comes back to Redis.
//!
//! CI runs 200 sends. The full run is 2,000 sends (about 10 s):
//!
//! ```sh
//! ERRSPEC_FAULT_SENDS=2000 cargo test -p errspec-tests --test fault_injection -- --nocapture
//! ```

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use errspec::client::{Client, Failure, LastError, SendOptions};
use errspec::pacing::Pacing;
use errspec::policy::GiveUpReason;
use errspec::{ApiError, RetryBudget, RetryClass, RetryPolicy};
use errspec_providers::{qboxmail, topmail};
use errspec_testkit::{read_request, reply, reset, response, serve};

const SEED: u64 = 0x00e2_25ec_fa17;
const TASKS: usize = 8;
const MAX_ATTEMPTS: u32 = 5;

fn sends() -> usize {
    std::env::var("ERRSPEC_FAULT_SENDS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(200)
}

/// What the server does with one connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Fault {
    None,
    Unavailable,
    Throttled { retry_after: u64 },
    GatewayTimeoutAfterProcessing,
    ResetBeforeRead,
    ResetAfterProcessing,
}

impl Fault {
    /// Success `ok` percent of the time, else one of the five faults
    /// (equally likely); a 429 asks for 1 s one time in five, else 0 s.
    fn draw(rng: &mut fastrand::Rng, ok: u32) -> Fault {
        if rng.u32(0..100) < ok {
            return Fault::None;
        }
        match rng.u32(0..5) {
            0 => Fault::Unavailable,
            1 => Fault::Throttled {
                retry_after: u64::from(rng.u32(0..5) == 0),
            },
            2 => Fault::GatewayTimeoutAfterProcessing,
            3 => Fault::ResetBeforeRead,
            _ => Fault::ResetAfterProcessing,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Fault::None => "none",
            Fault::Unavailable => "503",
            Fault::Throttled { retry_after: 0 } => "429 Retry-After: 0",
            Fault::Throttled { .. } => "429 Retry-After: 1",
            Fault::GatewayTimeoutAfterProcessing => "504 after processing",
            Fault::ResetBeforeRead => "reset before reading",
            Fault::ResetAfterProcessing => "reset after processing",
        }
    }
}

/// The provider's error bodies.
#[derive(Clone, Copy)]
enum Provider {
    TopMail,
    Qboxmail,
}

impl Provider {
    fn error(self, status: u16, code: &str) -> Vec<u8> {
        let body = match self {
            Provider::TopMail => {
                format!(r#"{{"error":{{"code":"{code}","message":"injected {status}"}}}}"#)
            }
            Provider::Qboxmail => format!(
                r#"{{"error":"{code}","error_code":{status},"message":"injected","request_id":"req-{status}"}}"#
            ),
        };
        body.into_bytes()
    }
}

#[derive(Default)]
struct State {
    rng: Option<fastrand::Rng>,
    /// Idempotency key → the stored response.
    stored: HashMap<String, Vec<u8>>,
    /// Send id → deliveries.
    deliveries: HashMap<String, u32>,
    /// Send id → earliest time the next attempt may arrive (after a 429).
    not_before: HashMap<String, (Instant, u64)>,
    /// Attempts that arrived before the server's delay had passed.
    early: Vec<String>,
    connections: u64,
    faults: BTreeMap<&'static str, u64>,
    messages: u64,
}

struct FaultServer {
    provider: Provider,
    /// Percent of connections served without a fault.
    ok: u32,
    state: Mutex<State>,
}

impl FaultServer {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap()
    }

    async fn handle(self: Arc<Self>, mut stream: tokio::net::TcpStream) {
        let fault = {
            let mut state = self.lock();
            state.connections += 1;
            let fault = Fault::draw(state.rng.as_mut().unwrap(), self.ok);
            *state.faults.entry(fault.name()).or_default() += 1;
            fault
        };
        if fault == Fault::ResetBeforeRead {
            return reset(stream);
        }
        let Some(request) = read_request(&mut stream).await else {
            return;
        };
        let arrived = Instant::now();
        let send = send_id(&request.body);
        let key = request.header("idempotency-key").map(str::to_owned);
        {
            let mut state = self.lock();
            if let Some((not_before, asked)) = state.not_before.remove(&send)
                && arrived < not_before
            {
                let early = not_before - arrived;
                state
                    .early
                    .push(format!("{send}: {early:?} early of {asked} s"));
            }
        }
        let provider = self.provider;
        match fault {
            Fault::Unavailable => {
                let body = provider.error(503, "service_unavailable");
                reply(stream, &response(503, &[], &body)).await;
            }
            Fault::Throttled { retry_after } => {
                let body = provider.error(429, "rate_limited");
                let bytes = response(429, &[("retry-after", &retry_after.to_string())], &body);
                let not_before = Instant::now() + Duration::from_secs(retry_after);
                self.lock()
                    .not_before
                    .insert(send, (not_before, retry_after));
                reply(stream, &bytes).await;
            }
            Fault::None => {
                let bytes = self.process(&send, key);
                reply(stream, &bytes).await;
            }
            Fault::GatewayTimeoutAfterProcessing => {
                let _ = self.process(&send, key);
                let body = provider.error(504, "gateway_timeout");
                reply(stream, &response(504, &[], &body)).await;
            }
            Fault::ResetAfterProcessing => {
                let _ = self.process(&send, key);
                reset(stream);
            }
            Fault::ResetBeforeRead => unreachable!(),
        }
    }

    /// Delivers the send, or replays the response stored for its key.
    fn process(&self, send: &str, key: Option<String>) -> Vec<u8> {
        let mut state = self.lock();
        if let Some(stored) = key.as_ref().and_then(|k| state.stored.get(k)) {
            return stored.clone();
        }
        state.messages += 1;
        *state.deliveries.entry(send.to_owned()).or_default() += 1;
        let body = format!(r#"{{"id":"msg-{}","send":"{send}"}}"#, state.messages);
        let bytes = response(
            202,
            &[("content-type", "application/json")],
            body.as_bytes(),
        );
        if let Some(key) = key {
            state.stored.insert(key, bytes.clone());
        }
        bytes
    }
}

fn send_id(body: &[u8]) -> String {
    let value: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
    value["send"].as_str().unwrap_or("?").to_owned()
}

async fn start(provider: Provider, ok: u32) -> (Arc<FaultServer>, SocketAddr) {
    let server = Arc::new(FaultServer {
        provider,
        ok,
        state: Mutex::new(State {
            rng: Some(fastrand::Rng::with_seed(SEED)),
            ..State::default()
        }),
    });
    let handler = Arc::clone(&server);
    let addr = serve(move |_, stream| Box::pin(Arc::clone(&handler).handle(stream))).await;
    (server, addr)
}

/// How one logical send ended, as the client reported it.
enum Ended<E> {
    Delivered { attempts: u32 },
    Failed(Failure<E>),
}

/// Tokens the retries after these attempts took (5 after an error
/// response, 10 after a transport failure).
fn retry_tokens(attempts: &[errspec::client::Attempt]) -> u32 {
    attempts
        .iter()
        .filter(|a| a.delay.is_some())
        .map(|a| {
            if a.transport.is_some() {
                RetryBudget::TRANSPORT_FAILURE_COST
            } else {
                RetryBudget::RETRY_COST
            }
        })
        .sum()
}

async fn drive<E: ApiError>(
    addr: SocketAddr,
    budget: &RetryBudget,
    total: usize,
) -> Vec<(String, Ended<E>)> {
    drive_paced(addr, budget, total, Pacing::new()).await
}

fn fault_policy() -> RetryPolicy {
    RetryPolicy::builder()
        .max_attempts(MAX_ATTEMPTS)
        .base_delay(Duration::from_millis(2))
        .max_backoff(Duration::from_millis(20))
        .max_server_delay(Duration::from_secs(5))
        .build()
        .unwrap()
}

async fn drive_paced<E: ApiError>(
    addr: SocketAddr,
    budget: &RetryBudget,
    total: usize,
    pacing: Pacing,
) -> Vec<(String, Ended<E>)> {
    let client = Client::<E>::builder(reqwest::Client::new())
        .policy(fault_policy())
        .budget(budget.clone())
        .pacing(pacing)
        .jitter_seed(SEED)
        .build();
    let tasks: Vec<_> = (0..TASKS)
        .map(|task| {
            let client = client.clone();
            tokio::spawn(async move {
                let mut out = Vec::new();
                for n in (task..total).step_by(TASKS) {
                    let send = format!("s-{n:05}");
                    let request = client
                        .request(reqwest::Method::POST, format!("http://{addr}/v1/messages"))
                        .header("content-type", "application/json")
                        .body(format!(r#"{{"send":"{send}","to":"a@example.com"}}"#));
                    let ended = match client.send_recorded(request, SendOptions::default()).await {
                        Ok(delivered) => {
                            let attempts = delivered.retried.len() as u32 + 1;
                            assert!(delivered.response.status().is_success());
                            let body = delivered.response.bytes().await.expect("response body");
                            assert_eq!(send_id(&body), send, "another send's response");
                            Ended::Delivered { attempts }
                        }
                        Err(failure) => Ended::Failed(failure),
                    };
                    out.push((send, ended));
                }
                out
            })
        })
        .collect();
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.expect("a send task panicked"));
    }
    all
}

/// Figures of one run, printed for the record (read through `Debug`).
#[allow(dead_code)]
#[derive(Debug, Default)]
struct Figures {
    sends: usize,
    delivered: usize,
    failed: usize,
    failed_but_delivered: usize,
    outcome_unknown: usize,
    outcome_unknown_delivered: usize,
    duplicates: usize,
    attempts: u64,
    connections: u64,
    max_attempts_per_send: u32,
    reasons: BTreeMap<String, usize>,
    faults: BTreeMap<&'static str, u64>,
    budget_left: u32,
    elapsed: Duration,
}

/// Checks what holds whatever the API, and collects the figures.
fn check<E: ApiError>(
    server: &FaultServer,
    results: &[(String, Ended<E>)],
    budget: &RetryBudget,
    elapsed: Duration,
) -> Figures {
    let state = server.lock();
    let mut f = Figures {
        sends: results.len(),
        connections: state.connections,
        faults: state.faults.clone(),
        budget_left: budget.available(),
        elapsed,
        ..Figures::default()
    };
    assert!(
        state.early.is_empty(),
        "attempts before the server's delay: {:?}",
        state.early
    );
    f.duplicates = state.deliveries.values().filter(|&&n| n > 1).count();
    let mut unrefunded = 0;
    let mut first_try = 0;
    for (send, ended) in results {
        let deliveries = state.deliveries.get(send).copied().unwrap_or(0);
        let attempts = match ended {
            Ended::Delivered { attempts } => {
                f.delivered += 1;
                assert_eq!(deliveries, 1, "{send} was confirmed but not delivered once");
                if *attempts == 1 {
                    first_try += 1;
                }
                *attempts
            }
            Ended::Failed(failure) => {
                f.failed += 1;
                if deliveries > 0 {
                    f.failed_but_delivered += 1;
                }
                let attempts = failure.attempts();
                assert!(!attempts.is_empty(), "{send}: a failure without attempts");
                assert_eq!(
                    attempts.iter().map(|a| a.number).collect::<Vec<_>>(),
                    (1..=attempts.len() as u32).collect::<Vec<_>>()
                );
                // A typed error: the API's, for a response, or a transport error.
                match failure.error() {
                    LastError::Api(error) => {
                        let status = error.status().expect("generated types keep the status");
                        assert!([429, 503, 504].contains(&status.as_u16()), "{status}");
                    }
                    // A reset is "maybe sent"; or "not sent" when it beat the
                    // client's connect (`tcp connect error: connection reset`).
                    LastError::Transport(error) => {
                        assert!(error.failure().is_some(), "{error:?}");
                    }
                }
                let last = attempts.last().unwrap();
                if failure.reason() == GiveUpReason::NotRetrySafe {
                    assert_eq!(last.class, RetryClass::Ambiguous);
                    f.outcome_unknown += 1;
                    if deliveries > 0 {
                        f.outcome_unknown_delivered += 1;
                    }
                }
                unrefunded += retry_tokens(attempts);
                *f.reasons
                    .entry(format!("{:?}", failure.reason()))
                    .or_default() += 1;
                attempts.len() as u32
            }
        };
        assert!(attempts <= MAX_ATTEMPTS, "{send}: {attempts} attempts");
        f.max_attempts_per_send = f.max_attempts_per_send.max(attempts);
        f.attempts += u64::from(attempts);
    }
    // Only failed sends keep the tokens their retries took; first-try
    // successes add one back each. Whatever the order, the retries never
    // took more than the bucket held.
    assert!(
        unrefunded <= budget.capacity() + first_try,
        "retries took {unrefunded} tokens of {} (+{first_try} refills)",
        budget.capacity()
    );
    assert_eq!(
        f.attempts, f.connections,
        "every attempt the client reports reached the server, and no other"
    );
    f
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keyed_sends_are_delivered_once() {
    let (server, addr) = start(Provider::TopMail, 70).await;
    let budget = RetryBudget::default();
    let start = Instant::now();
    let results = drive::<topmail::Error>(addr, &budget, sends()).await;
    assert_eq!(results.len(), sends(), "every send ended");
    let figures = check(&server, &results, &budget, start.elapsed());
    eprintln!("TopMail (idempotency keys): {figures:#?}");
    assert_eq!(figures.duplicates, 0, "a send was delivered twice");
    assert_eq!(figures.outcome_unknown, 0, "keyed sends are retry-safe");
    for (send, ended) in &results {
        if let Ended::Failed(failure) = ended {
            assert!(
                failure.idempotency_key().is_some(),
                "{send}: the key to reuse"
            );
            assert!(
                matches!(
                    failure.reason(),
                    GiveUpReason::AttemptsExhausted { .. } | GiveUpReason::BudgetExhausted
                ),
                "{send}: {failure}"
            );
        }
    }
    // The seed makes faults frequent enough that each kind was injected.
    assert!(figures.faults.len() >= 6, "{:?}", figures.faults);
    assert!(figures.delivered * 100 >= figures.sends * 95, "{figures:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unkeyed_sends_do_not_retry_ambiguous_failures() {
    let (server, addr) = start(Provider::Qboxmail, 70).await;
    let budget = RetryBudget::default();
    let start = Instant::now();
    let results = drive::<qboxmail::send::Error>(addr, &budget, sends()).await;
    assert_eq!(results.len(), sends(), "every send ended");
    let figures = check(&server, &results, &budget, start.elapsed());
    eprintln!("Qboxmail send (no idempotency key): {figures:#?}");
    assert_eq!(figures.duplicates, 0, "an ambiguous failure was retried");
    assert!(figures.outcome_unknown > 0, "{figures:?}");
    for (send, ended) in &results {
        let Ended::Failed(failure) = ended else {
            continue;
        };
        // Never repeated after an attempt that may have been processed.
        let attempts = failure.attempts();
        for attempt in &attempts[..attempts.len() - 1] {
            assert_ne!(
                attempt.class,
                RetryClass::Ambiguous,
                "{send} retried: {failure}"
            );
        }
        assert_eq!(failure.idempotency_key(), None);
    }
}

/// A sustained outage (80 % faults) against a small shared budget: the
/// bucket, not the attempt cap, ends most sends, and the retries never take
/// more tokens than it held.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_budget_caps_retries_in_an_outage() {
    let (server, addr) = start(Provider::TopMail, 20).await;
    let budget = RetryBudget::new(100);
    let start = Instant::now();
    let results = drive::<topmail::Error>(addr, &budget, 100).await;
    let figures = check(&server, &results, &budget, start.elapsed());
    eprintln!("TopMail, outage, 100-token budget: {figures:#?}");
    assert_eq!(figures.duplicates, 0);
    let exhausted = figures
        .reasons
        .get(&format!("{:?}", GiveUpReason::BudgetExhausted))
        .copied()
        .unwrap_or(0);
    assert!(exhausted > 0, "{figures:?}");
    // 100 tokens pay for at most 20 retries, plus what successes refilled.
    assert!(
        figures.attempts < 100 + 20 + figures.delivered as u64 * 5,
        "{figures:?}"
    );
}

/// The keyed run with pacing shared through a real `redis-server` (on a
/// loopback port, stopped by PID), killed 50 ms into the run and restarted
/// 500 ms later: every send still ends once, none is delivered twice, the
/// client's attempts are the server's connections; pacing falls back to
/// this process and returns to Redis.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keyed_sends_survive_redis_killed_mid_run() {
    use errspec_redis::RedisStore;
    use errspec_redis::server::RedisServer;

    let redis = Arc::new(Mutex::new(RedisServer::start().expect("redis-server")));
    let url = redis.lock().unwrap().url();
    let store = RedisStore::open(&url).unwrap();
    let pacing = Pacing::shared(Arc::new(store)).store_timeout(Duration::from_millis(200));
    let (server, addr) = start(Provider::TopMail, 70).await;
    let budget = RetryBudget::default();
    let faults = {
        let redis = Arc::clone(&redis);
        tokio::task::spawn_blocking(move || {
            std::thread::sleep(Duration::from_millis(50));
            redis.lock().unwrap().stop();
            std::thread::sleep(Duration::from_millis(500));
            redis
                .lock()
                .unwrap()
                .restart()
                .expect("redis-server restarts");
        })
    };
    let start_at = Instant::now();
    let results = drive_paced::<topmail::Error>(addr, &budget, sends(), pacing.clone()).await;
    faults.await.unwrap();
    assert_eq!(results.len(), sends(), "every send ended");
    let figures = check(&server, &results, &budget, start_at.elapsed());
    eprintln!("TopMail, Redis killed and restarted: {figures:#?}");
    assert_eq!(figures.duplicates, 0, "a send was delivered twice");
    assert!(figures.delivered * 100 >= figures.sends * 95, "{figures:?}");
    assert!(pacing.stats().store_failures > 0, "{:?}", pacing.stats());
    // Past the one-second cooldown, the next send asks Redis again.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let client = Client::<topmail::Error>::builder(reqwest::Client::new())
        .policy(fault_policy())
        .pacing(pacing.clone())
        .build();
    let request = client
        .request(reqwest::Method::POST, format!("http://{addr}/v1/messages"))
        .header("content-type", "application/json")
        .body(r#"{"send":"after-restart","to":"a@example.com"}"#);
    let _ = client.send(request, SendOptions::default()).await;
    assert!(!pacing.is_degraded(), "pacing did not return to Redis");
}
