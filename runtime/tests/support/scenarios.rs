//! One scenario set, run through every way of sending with errspec:
//! `errspec::Client`, the reqwest-middleware and tower integrations and the
//! sans-IO loop on a blocking client (`examples/`). Each path implements
//! [`Runner`]; [`run_all`] serves each scenario from a scripted HTTP server,
//! hands the runner a [`Retrier`] whose observer records every attempt, and
//! checks what the server saw and what the loop decided.
//!
//! Included with `#[path]` next to `test_api.rs` (which must be the crate's
//! `test_api` module), so there is one definition, not copies.
#![allow(dead_code)]

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use errspec::observe::{Action, Event};
use errspec::policy::{GiveUpReason, Jitter, RetryReason};
use errspec::retry::{Retrier, SendOptions};
use errspec::{ApiError, RetryBudget, RetryPolicy};

use crate::test_api::{KeyedError, UnkeyedError, error_body};

/// One scripted response.
#[derive(Clone, Copy, Debug)]
pub struct Canned {
    pub status: u16,
    pub code: &'static str,
    pub retry_after: Option<&'static str>,
}

const fn canned(status: u16, code: &'static str) -> Canned {
    Canned {
        status,
        code,
        retry_after: None,
    }
}

/// How a scenario must end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    /// The final response had this status (below 400).
    Delivered(u16),
    /// The loop gave up for this reason, the last response having this status.
    GaveUp(GiveUpReason, u16),
}

/// A scenario: what the server answers, in order (the last answer repeats),
/// and what the loop must do about it.
#[derive(Clone, Copy, Debug)]
pub struct Scenario {
    pub name: &'static str,
    /// Whether the API takes idempotency keys (`KeyedError`) or not.
    pub keyed: bool,
    pub responses: &'static [Canned],
    /// The retry budget's capacity.
    pub budget: u32,
    /// Requests the server must receive.
    pub requests: usize,
    /// The wait before each retry, in order.
    pub delays: &'static [Delay],
    pub end: End,
}

/// An expected wait before a retry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Delay {
    /// Exactly what the server asked for.
    Server(Duration),
    /// A backoff within the policy's cap.
    Backoff,
}

const OK: Canned = canned(200, "");

/// The scenario set of issue 15: 429 with `Retry-After`, 503 twice then 200,
/// an ambiguous failure (504) keyed and unkeyed, budget exhaustion.
pub const SCENARIOS: &[Scenario] = &[
    Scenario {
        name: "429 with Retry-After, then 200",
        keyed: true,
        responses: &[
            Canned {
                status: 429,
                code: "rate_limited",
                retry_after: Some("1"),
            },
            OK,
        ],
        budget: 500,
        requests: 2,
        delays: &[Delay::Server(Duration::from_secs(1))],
        end: End::Delivered(200),
    },
    Scenario {
        name: "503 twice, then 200",
        keyed: false,
        responses: &[canned(503, "unavailable"), canned(503, "unavailable"), OK],
        budget: 500,
        requests: 3,
        delays: &[Delay::Backoff, Delay::Backoff],
        end: End::Delivered(200),
    },
    Scenario {
        name: "ambiguous 504, keyed: retried with the same key",
        keyed: true,
        responses: &[canned(504, "gateway_timeout"), OK],
        budget: 500,
        requests: 2,
        delays: &[Delay::Backoff],
        end: End::Delivered(200),
    },
    Scenario {
        name: "ambiguous 504, unkeyed: not repeated",
        keyed: false,
        responses: &[canned(504, "gateway_timeout"), OK],
        budget: 500,
        requests: 1,
        delays: &[],
        end: End::GaveUp(GiveUpReason::NotRetrySafe, 504),
    },
    Scenario {
        name: "budget for one retry only",
        keyed: false,
        responses: &[canned(503, "unavailable"), canned(503, "unavailable"), OK],
        budget: RetryBudget::RETRY_COST,
        requests: 2,
        delays: &[Delay::Backoff],
        end: End::GaveUp(GiveUpReason::BudgetExhausted, 503),
    },
];

/// The attempt cap and the most a backoff may wait.
const MAX_ATTEMPTS: u32 = 3;
const MAX_BACKOFF: Duration = Duration::from_millis(5);

/// One way of sending with errspec.
pub trait Runner {
    /// Sends `POST {base}/v1/widgets` with a small JSON body through this
    /// path, retrying with `retrier` and `options`; returns the status of
    /// the response it ended with (success or last error), `None` if there
    /// was none.
    fn send<E: ApiError>(
        &self,
        retrier: Retrier<E>,
        base: &str,
        options: SendOptions,
    ) -> Option<u16>;
}

/// Runs every scenario through `runner`, panicking with the scenario's name
/// on the first difference.
pub fn run_all(runner: &impl Runner) {
    for scenario in SCENARIOS {
        if scenario.keyed {
            run::<KeyedError>(runner, scenario);
        } else {
            run::<UnkeyedError>(runner, scenario);
        }
    }
}

fn run<E: ApiError>(runner: &impl Runner, scenario: &Scenario) {
    let name = scenario.name;
    let server = Server::start(scenario.responses);
    let events: Arc<Mutex<Vec<(u32, Action)>>> = Arc::default();
    let log = Arc::clone(&events);
    let policy = RetryPolicy::builder()
        .max_attempts(MAX_ATTEMPTS)
        .base_delay(Duration::from_millis(1))
        .max_backoff(MAX_BACKOFF)
        .jitter(Jitter::Full)
        .build()
        .unwrap();
    let retrier = Retrier::<E>::builder()
        .policy(policy)
        .budget(RetryBudget::new(scenario.budget))
        .observer(move |event: &Event<'_>| log.lock().unwrap().push((event.attempt, event.action)))
        .build();
    let status = runner.send(retrier, &server.base, SendOptions::default());

    let seen = server.requests();
    assert_eq!(seen.len(), scenario.requests, "{name}: requests sent");
    let keys: Vec<_> = seen.iter().map(|r| r.idempotency_key.clone()).collect();
    if scenario.keyed {
        let first = keys[0]
            .as_deref()
            .unwrap_or_else(|| panic!("{name}: no key"));
        assert!(!first.is_empty(), "{name}");
        assert!(
            keys.iter().all(|k| k.as_deref() == Some(first)),
            "{name}: {keys:?}"
        );
    } else {
        assert!(keys.iter().all(Option::is_none), "{name}: {keys:?}");
    }

    let events = events.lock().unwrap().clone();
    assert_eq!(
        events.len(),
        scenario.requests,
        "{name}: one event per attempt: {events:?}"
    );
    for (i, (attempt, _)) in events.iter().enumerate() {
        assert_eq!(*attempt as usize, i + 1, "{name}: {events:?}");
    }
    let retries: Vec<_> = events
        .iter()
        .filter_map(|(_, action)| match action {
            Action::Retry { after, reason } => Some((*after, *reason)),
            _ => None,
        })
        .collect();
    assert_eq!(retries.len(), scenario.delays.len(), "{name}: {events:?}");
    for (i, ((after, reason), expected)) in retries.iter().zip(scenario.delays).enumerate() {
        match expected {
            Delay::Server(asked) => {
                assert_eq!(
                    (*after, *reason),
                    (*asked, RetryReason::ServerDelay),
                    "{name}"
                );
                // Decided and kept: the resend came no sooner.
                let waited = seen[i + 1].arrived - seen[i].arrived;
                assert!(waited >= *asked, "{name}: resent after {waited:?}");
            }
            Delay::Backoff => assert!(*after <= MAX_BACKOFF, "{name}: {after:?}"),
        }
    }
    let (_, last) = events.last().copied().unwrap();
    match scenario.end {
        End::Delivered(expected) => {
            assert_eq!(last, Action::Succeeded, "{name}");
            assert_eq!(status, Some(expected), "{name}");
        }
        End::GaveUp(reason, expected) => {
            assert!(
                matches!(last, Action::GiveUp { reason: r, .. } if r == reason),
                "{name}: {last:?}"
            );
            assert_eq!(status, Some(expected), "{name}");
        }
    }
}

/// What the server saw of one request.
#[derive(Clone, Debug)]
pub struct Seen {
    pub method: String,
    pub idempotency_key: Option<String>,
    /// When the request had fully arrived.
    pub arrived: Instant,
}

/// A scripted HTTP/1.1 server (the workspace's raw test server, on a
/// thread of its own, so blocking clients can use it): answers each
/// connection's one request with the next canned response (the last one
/// repeats), then closes it.
pub struct Server {
    pub base: String,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Server {
    pub fn start(responses: &'static [Canned]) -> Server {
        let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
        let log = Arc::clone(&seen);
        let addr = errspec_testkit::serve_on_thread(move |_, mut stream| {
            let log = Arc::clone(&log);
            Box::pin(async move {
                let Some(request) = errspec_testkit::read_request(&mut stream).await else {
                    return;
                };
                let n = {
                    let mut log = log.lock().unwrap();
                    log.push(Seen {
                        method: request.method().to_owned(),
                        idempotency_key: request.header("idempotency-key").map(str::to_owned),
                        arrived: request.arrived,
                    });
                    log.len()
                };
                let canned = responses[(n - 1).min(responses.len() - 1)];
                errspec_testkit::reply(stream, &render(canned)).await;
            })
        });
        Server {
            base: format!("http://{addr}"),
            seen,
        }
    }

    pub fn requests(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

fn render(canned: Canned) -> Vec<u8> {
    let body = if canned.status < 400 {
        "{}".to_owned()
    } else {
        error_body(canned.code, "scripted", "req_scenario")
    };
    let mut headers = vec![("content-type", "application/json")];
    if let Some(after) = canned.retry_after {
        headers.push(("retry-after", after));
    }
    errspec_testkit::response(canned.status, &headers, body.as_bytes())
}
