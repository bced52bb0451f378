//! The sans-IO loop (`errspec::retry`) on its own: no HTTP, no runtime.
#![allow(missing_docs)]

#[path = "support/test_api.rs"]
mod test_api;

use std::time::Duration;

use errspec::policy::{Decision, GiveUpReason, Jitter, RetryReason, TransportFailure};
use errspec::retry::{Retrier, SendOptions};
use errspec::{ApiError, RetryBudget, RetryPolicy};
use http::{HeaderMap, HeaderValue, Method, StatusCode};
use test_api::{KeyedError, UnkeyedError, error_body};

fn retrier<E: ApiError>(budget: RetryBudget) -> Retrier<E> {
    let policy = RetryPolicy::builder()
        .max_attempts(3)
        .jitter(Jitter::None)
        .build()
        .unwrap();
    Retrier::builder().policy(policy).budget(budget).build()
}

fn response<E: ApiError>(status: u16, code: &str, headers: &HeaderMap) -> E {
    let status = StatusCode::from_u16(status).unwrap();
    E::decode(status, headers, error_body(code, "m", "r").as_bytes())
}

#[test]
fn throttled_then_success_gives_the_tokens_back() {
    let budget = RetryBudget::new(100);
    let retrier = retrier::<KeyedError>(budget.clone());
    let mut attempts = retrier.start(&Method::POST, "/v1/widgets", SendOptions::default());
    let (name, key) = attempts.idempotency_header().expect("a keyed API");
    assert_eq!(name, "idempotency-key");
    assert!(uuid::Uuid::parse_str(key).is_ok());
    assert!(attempts.retry_safe());

    let mut headers = HeaderMap::new();
    headers.insert("retry-after", HeaderValue::from_static("3"));
    let error = response::<KeyedError>(429, "rate_limited", &headers);
    assert_eq!(
        attempts.failed_response(&error, &headers),
        Decision::Retry {
            after: Duration::from_secs(3),
            reason: RetryReason::ServerDelay
        }
    );
    assert_eq!(budget.available(), 95);
    assert_eq!(attempts.number(), 2);
    attempts.succeeded(StatusCode::OK);
    assert_eq!(budget.available(), 100);
    let (records, key) = attempts.into_parts();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].delay, Some(Duration::from_secs(3)));
    assert!(key.is_some());
}

#[test]
fn ambiguous_without_a_key_gives_up_and_with_one_retries() {
    let retrier = retrier::<UnkeyedError>(RetryBudget::default());
    let mut unkeyed = retrier.start(&Method::POST, "/", SendOptions::default());
    assert_eq!(unkeyed.idempotency_header(), None);
    assert_eq!(
        unkeyed.failed_transport(TransportFailure::MaybeSent),
        Decision::GiveUp {
            reason: GiveUpReason::NotRetrySafe,
            server_delay: None
        }
    );
    let mut idempotent = retrier.start(&Method::PUT, "/", SendOptions::idempotent());
    assert!(matches!(
        idempotent.failed_transport(TransportFailure::MaybeSent),
        Decision::Retry {
            reason: RetryReason::RetrySafe,
            ..
        }
    ));
}

#[test]
fn budget_exhaustion_and_streams_end_the_loop() {
    let retrier = retrier::<KeyedError>(RetryBudget::new(7));
    let headers = HeaderMap::new();
    let error = response::<KeyedError>(503, "unavailable", &headers);
    let mut attempts = retrier.start(&Method::POST, "/", SendOptions::default());
    assert!(matches!(
        attempts.failed_response(&error, &headers),
        Decision::Retry { .. }
    ));
    assert_eq!(
        attempts.failed_response(&error, &headers),
        Decision::GiveUp {
            reason: GiveUpReason::BudgetExhausted,
            server_delay: None
        }
    );
    let mut stream = retrier.start(&Method::POST, "/", SendOptions::default());
    stream.set_replayable(false);
    assert_eq!(
        stream.failed_response(&error, &headers),
        Decision::GiveUp {
            reason: GiveUpReason::NotReplayable,
            server_delay: None
        }
    );
    assert_eq!(
        stream.failed_invalid(),
        Decision::GiveUp {
            reason: GiveUpReason::InvalidRequest,
            server_delay: None
        }
    );
    assert_eq!(stream.attempts().len(), 2);
}

/// The `metrics` observer counts each attempt with its outcome, class and
/// error type, and records retry waits.
#[cfg(feature = "metrics")]
#[test]
fn the_metrics_observer_counts_attempts() {
    use std::sync::{Arc, Mutex};

    use errspec::observe::Metrics;
    use metrics::{Counter, Gauge, Histogram, Key, KeyName, Metadata, SharedString, Unit};

    type Log = Arc<Mutex<Vec<String>>>;
    struct Handle(Log, String);
    impl metrics::CounterFn for Handle {
        fn increment(&self, value: u64) {
            self.0.lock().unwrap().push(format!("{} +{value}", self.1));
        }
        fn absolute(&self, _: u64) {}
    }
    impl metrics::HistogramFn for Handle {
        fn record(&self, value: f64) {
            self.0.lock().unwrap().push(format!("{} {value}", self.1));
        }
    }
    struct Recorder(Log);
    fn describe(key: &Key) -> String {
        let labels: Vec<String> = key
            .labels()
            .map(|l| format!("{}={}", l.key(), l.value()))
            .collect();
        format!("{}{{{}}}", key.name(), labels.join(","))
    }
    impl metrics::Recorder for Recorder {
        fn describe_counter(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
        fn describe_gauge(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
        fn describe_histogram(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
        fn register_counter(&self, key: &Key, _: &Metadata<'_>) -> Counter {
            Counter::from_arc(Arc::new(Handle(Arc::clone(&self.0), describe(key))))
        }
        fn register_gauge(&self, _: &Key, _: &Metadata<'_>) -> Gauge {
            Gauge::noop()
        }
        fn register_histogram(&self, key: &Key, _: &Metadata<'_>) -> Histogram {
            Histogram::from_arc(Arc::new(Handle(Arc::clone(&self.0), describe(key))))
        }
    }

    let log: Log = Arc::default();
    let recorder = Recorder(Arc::clone(&log));
    let retrier = Retrier::<UnkeyedError>::builder()
        .policy(
            RetryPolicy::builder()
                .jitter(Jitter::None)
                .base_delay(Duration::from_millis(250))
                .build()
                .unwrap(),
        )
        .observer(Metrics)
        .build();
    metrics::with_local_recorder(&recorder, || {
        let mut attempts = retrier.start(&Method::GET, "/", SendOptions::idempotent());
        let headers = HeaderMap::new();
        let error = response::<UnkeyedError>(503, "unavailable", &headers);
        let _ = attempts.failed_response(&error, &headers);
        let _ = attempts.failed_transport(TransportFailure::MaybeSent);
        attempts.succeeded(StatusCode::OK);
    });
    let labels = "provider=test,api=widgets";
    assert_eq!(
        *log.lock().unwrap(),
        [
            format!(
                "errspec_attempts_total{{{labels},outcome=retry,class=backoff,error_type=unavailable}} +1"
            ),
            format!("errspec_retry_delay_seconds{{{labels}}} 0.25"),
            format!(
                "errspec_attempts_total{{{labels},outcome=retry,class=ambiguous,error_type=maybe_sent}} +1"
            ),
            format!("errspec_retry_delay_seconds{{{labels}}} 0.5"),
            format!("errspec_attempts_total{{{labels},outcome=success,class=,error_type=}} +1"),
        ]
    );
}
