//! The runtime client against a local server for every seed API, through
//! the generated types (picked by name with `visit_api`, so a new spec is
//! covered without edits): whatever the catalog says a response's class is,
//! the client does what that class promises.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use errspec::client::{Client, SendOptions};
use errspec::policy::GiveUpReason;
use errspec::registry::ApiVisitor;
use errspec::{ApiError, RetryClass, RetryPolicy};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// Answers with `responses` in turn (the last repeats) and records the
/// idempotency key of every request.
struct Script {
    responses: Vec<ResponseTemplate>,
    keys: Arc<Mutex<Vec<Option<String>>>>,
    header: Option<&'static str>,
}

impl Respond for Script {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut keys = self.keys.lock().unwrap();
        keys.push(self.header.and_then(|h| {
            request
                .headers
                .get(h)
                .map(|v| v.to_str().unwrap_or_default().to_owned())
        }));
        self.responses[(keys.len() - 1).min(self.responses.len() - 1)].clone()
    }
}

struct Outcome {
    ok: bool,
    requests: usize,
    keys: Vec<Option<String>>,
    elapsed: Duration,
    reason: Option<GiveUpReason>,
    server_delay: Option<Duration>,
}

async fn run<E: ApiError>(responses: Vec<ResponseTemplate>, options: SendOptions) -> Outcome {
    let server = MockServer::start().await;
    let keys = Arc::default();
    Mock::given(method("POST"))
        .respond_with(Script {
            responses,
            keys: Arc::clone(&keys),
            header: E::IDEMPOTENCY_HEADER,
        })
        .mount(&server)
        .await;
    let policy = RetryPolicy::builder()
        .max_attempts(3)
        .base_delay(Duration::from_millis(5))
        .max_backoff(Duration::from_millis(20))
        .build()
        .unwrap();
    let client: Client<E> = Client::new(reqwest::Client::new(), policy);
    let started = Instant::now();
    let request = client.request(reqwest::Method::POST, format!("{}/send", server.uri()));
    let result = client.send(request, options).await;
    let elapsed = started.elapsed();
    let keys = keys.lock().unwrap().clone();
    match result {
        Ok(_) => Outcome {
            ok: true,
            requests: keys.len(),
            keys,
            elapsed,
            reason: None,
            server_delay: None,
        },
        Err(failure) => Outcome {
            ok: false,
            requests: keys.len(),
            keys,
            elapsed,
            reason: Some(failure.reason()),
            server_delay: failure.server_delay(),
        },
    }
}

/// The class the API's own decoder gives a bodiless response with `status`.
fn class_of<E: ApiError>(status: u16, headers: &[(&str, &str)]) -> RetryClass {
    let mut map = http::HeaderMap::new();
    for (name, value) in headers {
        map.insert(
            http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
            http::HeaderValue::from_str(value).unwrap(),
        );
    }
    E::decode(http::StatusCode::from_u16(status).unwrap(), &map, b"").retry_class()
}

struct Scenarios;

impl ApiVisitor for Scenarios {
    type Output = std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>;

    fn visit<E: ApiError>(self) -> Self::Output {
        Box::pin(scenarios::<E>())
    }
}

async fn scenarios<E: ApiError>() {
    let api = format!("{}/{}", E::PROVIDER, E::API);
    let ok = || ResponseTemplate::new(200).set_body_string("{}");
    // The client keys every send of an API that takes a key, in a header or in the body.
    let keyed = E::IDEMPOTENCY_HEADER.is_some()
        || E::IDEMPOTENCY.body.is_some()
        || !E::IDEMPOTENCY.also_headers.is_empty();

    // 503, then 200, for an idempotent request: retried unless the catalog says never.
    let out = run::<E>(
        vec![ResponseTemplate::new(503), ok()],
        SendOptions::idempotent(),
    )
    .await;
    if class_of::<E>(503, &[]) == RetryClass::Never {
        assert_eq!((out.ok, out.requests), (false, 1), "{api}: 503 is never");
    } else {
        assert_eq!((out.ok, out.requests), (true, 2), "{api}: 503 then 200");
    }

    // 400: never retried.
    let out = run::<E>(
        vec![ResponseTemplate::new(400), ok()],
        SendOptions::idempotent(),
    )
    .await;
    assert_eq!(class_of::<E>(400, &[]), RetryClass::Never, "{api}");
    assert_eq!((out.ok, out.requests), (false, 1), "{api}: 400");
    assert_eq!(out.reason, Some(GiveUpReason::NotRetryable), "{api}");

    // 429 with Retry-After: 1, then 200: a throttled API waits as asked.
    let retry_after = [("retry-after", "1")];
    let out = run::<E>(
        vec![
            ResponseTemplate::new(429).insert_header("Retry-After", "1"),
            ok(),
        ],
        SendOptions::default(),
    )
    .await;
    match class_of::<E>(429, &retry_after) {
        RetryClass::Throttled => {
            assert_eq!((out.ok, out.requests), (true, 2), "{api}: 429 then 200");
            assert!(
                out.elapsed >= Duration::from_secs(1),
                "{api}: waited {:?}",
                out.elapsed
            );
        }
        RetryClass::Never => assert_eq!(out.requests, 1, "{api}: 429 is never"),
        other => panic!("{api}: unexpected class {other} for 429"),
    }

    // Retry-After far beyond the policy's cap: a typed error at once, carrying the delay.
    let out = run::<E>(
        vec![
            ResponseTemplate::new(429).insert_header("Retry-After", "99999"),
            ok(),
        ],
        SendOptions::default(),
    )
    .await;
    assert_eq!(out.requests, 1, "{api}: no retry after Retry-After: 99999");
    assert!(out.elapsed < Duration::from_secs(5), "{api}: did not sleep");
    if class_of::<E>(429, &[("retry-after", "99999")]) == RetryClass::Throttled {
        assert_eq!(out.server_delay, Some(Duration::from_secs(99_999)), "{api}");
    }

    // 504 without idempotency: retried only where it is not ambiguous or the API keys sends.
    let out = run::<E>(
        vec![ResponseTemplate::new(504), ok()],
        SendOptions::default(),
    )
    .await;
    match (class_of::<E>(504, &[]), keyed) {
        (RetryClass::Ambiguous, false) => {
            assert_eq!((out.ok, out.requests), (false, 1), "{api}: 504 unkeyed");
            assert_eq!(out.reason, Some(GiveUpReason::NotRetrySafe), "{api}");
        }
        (RetryClass::Never, _) => assert_eq!(out.requests, 1, "{api}"),
        _ => assert_eq!((out.ok, out.requests), (true, 2), "{api}: 504 then 200"),
    }
    if E::IDEMPOTENCY_HEADER.is_some() {
        // One logical request, one key, on every attempt.
        assert!(out.keys[0].is_some(), "{api}: key attached");
        assert!(
            out.keys.iter().all(|k| *k == out.keys[0]),
            "{api}: {:?}",
            out.keys
        );
    }

    // A sustained outage stops at the attempt cap.
    let out = run::<E>(vec![ResponseTemplate::new(503)], SendOptions::idempotent()).await;
    if class_of::<E>(503, &[]) != RetryClass::Never {
        assert_eq!((out.ok, out.requests), (false, 3), "{api}: outage capped");
        assert_eq!(
            out.reason,
            Some(GiveUpReason::AttemptsExhausted { attempts: 3 }),
            "{api}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_seed_api_behaves_as_its_catalog_says() {
    assert!(errspec_providers::APIS.len() >= 4);
    for entry in errspec_providers::APIS {
        let Ok(run) = errspec_providers::visit_api(entry.provider, entry.api, Scenarios) else {
            panic!("no type for {}/{}", entry.provider, entry.api);
        };
        run.await;
    }
}
