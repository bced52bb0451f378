//! Hostile responses, through the real client and generated types against a
//! raw local server: each gives a typed result without a panic, and no wait
//! is longer than the policy allows (each attempt's recorded delay is
//! checked, and the wall clock).
//!
//! Policy: 3 attempts, backoff ≤ 20 ms, server delays ≤ 2 s. The only test
//! that waits a server delay above 0 s runs in paused time, so the file
//! takes about a second.

use std::net::SocketAddr;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use errspec::__private::decode::MAX_RAW_SNIPPET;
use errspec::client::{Attempt, Client, Failure, SendOptions};
use errspec::policy::{GiveUpReason, Jitter};
use errspec::{ApiError, RetryClass, RetryPolicy};
use errspec_providers::{artmail, topmail};
use errspec_testkit::{read_request, reply, response, response_head, serve, serve_bytes};
use tokio::io::AsyncWriteExt;

const MAX_BACKOFF: Duration = Duration::from_millis(20);
const MAX_SERVER_DELAY: Duration = Duration::from_secs(2);
const ATTEMPTS: u32 = 3;

fn policy() -> RetryPolicy {
    RetryPolicy::builder()
        .max_attempts(ATTEMPTS)
        .base_delay(Duration::from_millis(5))
        .max_backoff(MAX_BACKOFF)
        .max_server_delay(MAX_SERVER_DELAY)
        .jitter(Jitter::None)
        .build()
        .unwrap()
}

fn client<E: ApiError>() -> Client<E> {
    Client::builder(reqwest::Client::new())
        .policy(policy())
        .jitter_seed(1)
        .build()
}

/// Sends one POST through `client` and checks what every hostile response
/// must respect: attempts within the cap, every delay within the policy,
/// and the wall clock within the sum of the delays plus slack.
async fn send<E: ApiError>(
    client: &Client<E>,
    addr: SocketAddr,
) -> Result<Vec<Attempt>, Failure<E>> {
    let start = Instant::now();
    let request = client
        .request(reqwest::Method::POST, format!("http://{addr}/v1/send"))
        .body(r#"{"to":"a@example.com"}"#);
    let result = client.send_recorded(request, SendOptions::default()).await;
    let elapsed = start.elapsed();
    let attempts: Vec<Attempt> = match &result {
        Ok(delivered) => delivered.retried.clone(),
        Err(failure) => failure.attempts().to_vec(),
    };
    assert!(attempts.len() <= ATTEMPTS as usize, "{attempts:?}");
    let mut slept = Duration::ZERO;
    for attempt in &attempts {
        let delay = attempt.delay.unwrap_or_default();
        // Any class waits for a server delay when it is the longer wait.
        let cap = if attempt.class == RetryClass::Never {
            Duration::ZERO
        } else {
            MAX_SERVER_DELAY.max(MAX_BACKOFF)
        };
        assert!(delay <= cap, "attempt {} waited {delay:?}", attempt.number);
        slept += delay;
    }
    assert!(
        elapsed < slept + Duration::from_secs(5),
        "took {elapsed:?} for {slept:?} of waits"
    );
    result.map(|d| d.retried)
}

const RATE_LIMITED: &[u8] = br#"{"error":{"code":"rate_limited","message":"slow down"}}"#;

// ---- bodies -------------------------------------------------------------

/// An error body that never ends: the server streams chunks until the
/// client hangs up. The client must stop at its limit (1 MiB by default),
/// decode what it has, and return.
#[tokio::test]
async fn endless_body_is_not_read_past_the_limit() {
    let written = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let count = std::sync::Arc::clone(&written);
    let addr = serve(move |_, mut stream| {
        let count = std::sync::Arc::clone(&count);
        Box::pin(async move {
            if read_request(&mut stream).await.is_none() {
                return;
            }
            let mut head = response_head(400, &[("content-type", "application/json")]);
            head.extend_from_slice(b"transfer-encoding: chunked\r\n\r\n");
            let chunk = format!("{:x}\r\n{}\r\n", 64 * 1024, "x".repeat(64 * 1024));
            if stream.write_all(&head).await.is_err() {
                return;
            }
            // At most 1 GiB, far past any limit; stops when the client hangs up.
            for _ in 0..16 * 1024 {
                if stream.write_all(chunk.as_bytes()).await.is_err() {
                    return;
                }
                count.fetch_add(64 * 1024, std::sync::atomic::Ordering::Relaxed);
            }
        })
    })
    .await;
    let client = client::<topmail::Error>();
    let failure = send(&client, addr).await.unwrap_err();
    assert_eq!(failure.reason(), GiveUpReason::NotRetryable);
    let error = failure.api_error().unwrap();
    assert_eq!(error.code(), None);
    assert_eq!(error.raw().map(str::len), Some(MAX_RAW_SNIPPET));
    // What the server managed to write before the client hung up: the
    // limit plus what the kernel's socket buffers absorbed, nowhere near 1 GiB.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let sent = written.load(std::sync::atomic::Ordering::Relaxed);
    eprintln!("the server wrote {sent} bytes before the client hung up");
    assert!(sent < 16 * 1024 * 1024, "the server wrote {sent} bytes");
}

/// The limit is exact: a code just inside the first `max_error_body` bytes
/// is found; one byte more and the cut JSON is a status-level error.
#[tokio::test]
async fn body_limit_is_exact_and_configurable() {
    let body = |pad: usize| {
        format!(
            r#"{{"pad":"{}","error":{{"code":"rate_limited","message":"m"}}}}"#,
            "x".repeat(pad)
        )
    };
    let limit = 4096;
    let fits = body(limit - body(0).len());
    assert_eq!(fits.len(), limit);
    for (text, decoded) in [
        (fits.clone(), true),
        (format!("{fits} "), true),
        (body(limit), false),
    ] {
        let addr = serve_bytes(response(400, &[], text.as_bytes())).await;
        let client = Client::<topmail::Error>::builder(reqwest::Client::new())
            .policy(policy())
            .max_error_body(limit)
            .build();
        let failure = send(&client, addr).await.unwrap_err();
        let error = failure.api_error().unwrap();
        assert_eq!(
            error.code() == Some(&topmail::Code::RateLimited),
            decoded,
            "body of {} bytes",
            text.len()
        );
    }
}

/// JSON nested far deeper than any parser should follow: at the top, and
/// inside the code's object. The decoder descends only along the layout's
/// pointers and skips the rest without recursing, so neither overflows the
/// stack: the arrays are a status-level error, and the object around the
/// code is skipped (no code) while the message beside it is read.
#[tokio::test]
async fn deeply_nested_json() {
    let depth = 100_000;
    let arrays = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    let objects = format!(
        r#"{{"error":{{"code":{}1{},"message":"deep"}}}}"#,
        r#"{"a":"#.repeat(depth),
        "}".repeat(depth)
    );
    for (body, message) in [(arrays, None), (objects, Some("deep"))] {
        let addr = serve_bytes(response(500, &[], body.as_bytes())).await;
        let failure = send(&client::<topmail::Error>(), addr).await.unwrap_err();
        let error = failure.api_error().unwrap();
        assert_eq!(error.code(), None);
        assert_eq!(error.message(), message);
        assert_eq!(error.retry_class(), RetryClass::Backoff, "500's class");
        assert_eq!(failure.attempts().len(), ATTEMPTS as usize);
    }
}

/// Invalid UTF-8 inside an otherwise well-formed body: not decoded (a
/// status-level error), shown lossily in the snippet.
#[tokio::test]
async fn invalid_utf8_body() {
    let body = b"{\"error\":{\"code\":\"rate_\xff\xfelimited\",\"message\":\"\xc3\x28\"}}";
    let addr = serve_bytes(response(429, &[("retry-after", "0")], body)).await;
    let failure = send(&client::<topmail::Error>(), addr).await.unwrap_err();
    let error = failure.api_error().unwrap();
    assert_eq!(error.code(), None);
    assert_eq!(error.retry_class(), RetryClass::Throttled, "429's class");
    assert!(
        error.raw().unwrap().contains('\u{fffd}'),
        "{:?}",
        error.raw()
    );
    assert_eq!(failure.attempts().len(), ATTEMPTS as usize);
    assert!(
        failure.attempts()[..2]
            .iter()
            .all(|a| a.delay == Some(Duration::ZERO))
    );
}

/// A proxy's HTML error page: the status decides, the page is kept as a
/// snippet.
#[tokio::test]
async fn html_error_page() {
    // Blank lines first, more than the snippet holds (found by fuzzing:
    // the snippet used to be all whitespace).
    let page = format!(
        "{}<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>{}</body></html>",
        "\r\n".repeat(300),
        "<p>nginx</p>".repeat(200)
    );
    let addr = serve_bytes(response(
        502,
        &[("content-type", "text/html")],
        page.as_bytes(),
    ))
    .await;
    let failure = send(&client::<topmail::Error>(), addr).await.unwrap_err();
    let error = failure.api_error().unwrap();
    assert_eq!(error.status(), topmail::Status::Other(502));
    assert_eq!(error.retry_class(), RetryClass::Backoff);
    let raw = error.raw().unwrap();
    assert!(raw.starts_with("<!DOCTYPE html>") && raw.len() <= MAX_RAW_SNIPPET);
    assert_eq!(
        failure.reason(),
        GiveUpReason::AttemptsExhausted { attempts: ATTEMPTS }
    );
}

/// `Content-Type: application/json` with nothing after it.
#[tokio::test]
async fn empty_body_with_json_content_type() {
    let addr = serve_bytes(response(503, &[("content-type", "application/json")], b"")).await;
    let failure = send(&client::<topmail::Error>(), addr).await.unwrap_err();
    let error = failure.api_error().unwrap();
    assert_eq!(error.code(), None);
    assert_eq!(error.message(), None);
    assert_eq!(error.raw(), None);
    assert_eq!(error.variant_name(), "Other");
    assert_eq!(error.retry_class(), RetryClass::Backoff);
}

/// A code that is an object, then an array: no code, the message is still
/// read, and the status's class applies.
#[tokio::test]
async fn code_is_an_object_or_an_array() {
    for code in [r#"{"id":"rate_limited"}"#, r#"["rate_limited"]"#] {
        let body = format!(r#"{{"error":{{"code":{code},"message":"odd code"}}}}"#);
        let addr = serve_bytes(response(400, &[], body.as_bytes())).await;
        let failure = send(&client::<topmail::Error>(), addr).await.unwrap_err();
        let error = failure.api_error().unwrap();
        assert_eq!(error.code(), None, "{code}");
        assert_eq!(error.message(), Some("odd code"));
        assert_eq!(error.retry_class(), RetryClass::Never, "400's class");
        assert_eq!(failure.attempts().len(), 1);
    }
}

// ---- headers ------------------------------------------------------------

/// `Retry-After` twice with different values (`0` and `100`): the longest
/// is honoured, bounded by the policy, so the 429 is not retried after a
/// short backoff; 100 s is over the policy's 2 s, so the client gives up at
/// once and reports the delay. Twice the same value is honoured.
#[tokio::test]
async fn contradictory_retry_after_headers() {
    let headers = [("retry-after", "0"), ("retry-after", "100")];
    let addr = serve_bytes(response(429, &headers, RATE_LIMITED)).await;
    let failure = send(&client::<topmail::Error>(), addr).await.unwrap_err();
    let error = failure.api_error().unwrap();
    assert_eq!(error.retry_after(), Some(errspec::RetryAfter::Seconds(100)));
    assert_eq!(error.code(), Some(&topmail::Code::RateLimited));
    assert_eq!(failure.server_delay(), Some(Duration::from_secs(100)));
    assert!(matches!(
        failure.reason(),
        GiveUpReason::ServerDelayTooLong { .. }
    ));
    assert_eq!(failure.attempts().len(), 1);

    let headers = [("retry-after", "0"), ("retry-after", "0")];
    let addr = serve_bytes(response(429, &headers, RATE_LIMITED)).await;
    let failure = send(&client::<topmail::Error>(), addr).await.unwrap_err();
    assert_eq!(failure.server_delay(), Some(Duration::ZERO));
}

/// Two different `Content-Length` headers: the HTTP client refuses the
/// response; a typed transport error, which a keyed send retries.
#[tokio::test]
async fn contradictory_content_lengths() {
    let mut bytes = response_head(500, &[("content-length", "5"), ("content-length", "7")]);
    bytes.extend_from_slice(b"\r\nhello!!");
    let addr = serve_bytes(bytes).await;
    let failure = send(&client::<topmail::Error>(), addr).await.unwrap_err();
    let transport = failure.transport_error().expect("a transport error");
    assert!(transport.failure().is_some(), "{transport}");
    assert_eq!(failure.attempts().len(), ATTEMPTS as usize);
}

/// Repeated, conflicting content types and request ids next to a good body.
#[tokio::test]
async fn duplicate_headers_of_other_kinds() {
    let headers = [
        ("content-type", "application/json"),
        ("content-type", "text/html"),
        ("x-request-id", "a"),
        ("x-request-id", "b"),
        ("retry-after", "0"),
    ];
    let addr = serve_bytes(response(429, &headers, RATE_LIMITED)).await;
    let failure = send(&client::<topmail::Error>(), addr).await.unwrap_err();
    let error = failure.api_error().unwrap();
    assert_eq!(error.code(), Some(&topmail::Code::RateLimited));
    assert_eq!(failure.server_delay(), Some(Duration::ZERO));
}

/// A 429 with `Retry-After: value`: the failure after every attempt.
async fn retry_after(value: &str) -> Failure<topmail::Error> {
    let addr = serve_bytes(response(429, &[("retry-after", value)], RATE_LIMITED)).await;
    let failure = send(&client::<topmail::Error>(), addr).await.unwrap_err();
    let error = failure.api_error().unwrap();
    assert_eq!(error.code(), Some(&topmail::Code::RateLimited));
    failure
}

/// Not a delay: the 429 backs off as a throttled error without a usable delay.
fn backed_off(failure: &Failure<topmail::Error>) {
    assert_eq!(failure.api_error().unwrap().retry_after(), None);
    assert_eq!(failure.server_delay(), None);
    assert_eq!(
        failure.reason(),
        GiveUpReason::AttemptsExhausted { attempts: ATTEMPTS }
    );
    assert!(
        failure.attempts()[..2]
            .iter()
            .all(|a| a.delay <= Some(MAX_BACKOFF))
    );
}

/// Longer than the policy waits: given up at once, the delay reported.
fn refused(failure: &Failure<topmail::Error>, at_least: Duration) {
    assert!(matches!(
        failure.reason(),
        GiveUpReason::ServerDelayTooLong { .. }
    ));
    assert!(failure.server_delay().unwrap() >= at_least);
    assert_eq!(failure.attempts().len(), 1, "no retry, no wait");
}

#[tokio::test]
async fn retry_after_negative() {
    backed_off(&retry_after("-5").await);
}

#[tokio::test]
async fn retry_after_non_numeric() {
    backed_off(&retry_after("soon").await);
}

#[tokio::test]
async fn retry_after_float() {
    // A fraction is rounded up to whole seconds (never sooner than asked):
    // 2.5 s reads as 3 s, more than the policy waits for.
    let failure = retry_after("2.5").await;
    assert_eq!(
        failure.api_error().unwrap().retry_after(),
        Some(errspec::RetryAfter::Seconds(3))
    );
    refused(&failure, Duration::from_secs(3));
}

#[tokio::test]
async fn retry_after_huge() {
    let failure = retry_after("99999999999999999999999999").await;
    refused(&failure, Duration::from_secs(u64::MAX));
}

#[tokio::test]
async fn retry_after_far_future_date() {
    let failure = retry_after("Fri, 31 Dec 9999 23:59:59 GMT").await;
    refused(&failure, Duration::from_secs(100 * 365 * 24 * 3600));
}

#[tokio::test]
async fn retry_after_past_date() {
    let failure = retry_after("Wed, 21 Oct 2015 07:28:00 GMT").await;
    // A date in the past means "now": retried at once, without backoff.
    assert_eq!(failure.server_delay(), Some(Duration::ZERO));
    assert!(
        failure.attempts()[..2]
            .iter()
            .all(|a| a.delay == Some(Duration::ZERO))
    );
    assert_eq!(
        failure.reason(),
        GiveUpReason::AttemptsExhausted { attempts: ATTEMPTS }
    );
}

/// `Retry-After` exactly at the policy's cap is waited out, exactly, and no
/// longer; one second more is refused at once. In paused time (the runtime
/// jumps the clock when only timers are left), so the 4 s of waits cost
/// nothing, while the sockets stay real.
#[tokio::test(start_paused = true)]
async fn retry_after_at_the_cap_is_waited_exactly() {
    let cap = MAX_SERVER_DELAY.as_secs().to_string();
    let start = tokio::time::Instant::now();
    let failure = retry_after(&cap).await;
    let waited = start.elapsed();
    assert_eq!(failure.server_delay(), Some(MAX_SERVER_DELAY));
    assert!(
        failure.attempts()[..2]
            .iter()
            .all(|a| a.delay == Some(MAX_SERVER_DELAY))
    );
    assert!(waited >= 2 * MAX_SERVER_DELAY, "{waited:?}");

    let over = (MAX_SERVER_DELAY.as_secs() + 1).to_string();
    refused(&retry_after(&over).await, MAX_SERVER_DELAY);
}

/// An Artmail 429 with a spent window and `X-RateLimit-Reset: value` (Unix
/// seconds), no `Retry-After`.
async fn rate_limit_reset(value: &str) -> Failure<artmail::Error> {
    let headers = [
        ("x-ratelimit-limit", "100"),
        ("x-ratelimit-remaining", "0"),
        ("x-ratelimit-reset", value),
    ];
    let body = br#"{"code":"RATE_LIMITED","error":"Too many requests"}"#;
    let addr = serve_bytes(response(429, &headers, body)).await;
    let failure = send(&client::<artmail::Error>(), addr).await.unwrap_err();
    let error = failure.api_error().unwrap();
    assert_eq!(error.code(), Some(&artmail::Code::RateLimited));
    assert_eq!(error.retry_class(), RetryClass::Throttled);
    assert_eq!(
        failure.reason(),
        GiveUpReason::AttemptsExhausted { attempts: ATTEMPTS }
    );
    failure
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

#[tokio::test]
async fn rate_limit_reset_in_the_past() {
    let failure = rate_limit_reset(&(unix_now() - 3600).to_string()).await;
    assert_eq!(failure.server_delay(), Some(Duration::ZERO));
    assert!(
        failure.attempts()[..2]
            .iter()
            .all(|a| a.delay == Some(Duration::ZERO))
    );
}

#[tokio::test]
async fn rate_limit_reset_in_milliseconds_by_mistake() {
    let failure = rate_limit_reset(&(unix_now() * 1000 + 30_000).to_string()).await;
    // Decades ahead: taken for a unit mistake and ignored, so it backs off.
    assert_eq!(failure.server_delay(), None);
    assert!(
        failure.attempts()[..2]
            .iter()
            .all(|a| a.delay <= Some(MAX_BACKOFF))
    );
}

#[tokio::test]
async fn rate_limit_reset_overflowing() {
    let failure = rate_limit_reset("340282366920938463463374607431768211456").await;
    assert_eq!(failure.server_delay(), None);
    assert_eq!(
        failure.api_error().unwrap().delay_hints().rate_limit_reset,
        None
    );
    assert!(
        failure.attempts()[..2]
            .iter()
            .all(|a| a.delay <= Some(MAX_BACKOFF))
    );
}

/// The body after a response cut mid-way: the client keeps what arrived.
#[tokio::test]
async fn body_cut_short() {
    let addr = serve(|_, mut stream| {
        Box::pin(async move {
            if read_request(&mut stream).await.is_some() {
                let mut bytes = response_head(400, &[("content-length", "1000")]);
                bytes.extend_from_slice(b"\r\n{\"error\":{\"code\":\"validation_error\"");
                reply(stream, &bytes).await;
            }
        })
    })
    .await;
    let failure = send(&client::<topmail::Error>(), addr).await.unwrap_err();
    let error = failure.api_error().unwrap();
    assert_eq!(error.code(), None);
    assert!(error.raw().unwrap().starts_with("{\"error\""));
    assert_eq!(failure.attempts().len(), 1, "400 is not retried");
}
