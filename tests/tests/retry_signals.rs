//! Spec language 2, the decision half: catalogs in `tests/specs/valid/` for
//! real APIs' retry signals (rules, server directives, delay sources),
//! expanded with `catalog!`, classify the example responses those APIs
//! document as their docs say, and the retry policy waits as long as the
//! server asked.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use errspec::policy::{Decision, Outcome, RetryContext, RetryReason};
use errspec::{ApiError, DecidedBy, DelayOrigin, RetryClass, RetryPolicy};
use http::{HeaderMap, HeaderValue, StatusCode};

mod catalogs {
    errspec::catalog!("specs/valid/github-rules.yaml");
    errspec::catalog!("specs/valid/openai-directives.yaml");
    errspec::catalog!("specs/valid/anthropic-resets.yaml");
    errspec::catalog!("specs/valid/ietf-ratelimit.yaml");
    errspec::catalog!("specs/valid/stripe-should-retry.yaml");
    errspec::catalog!("specs/valid/google-reason-rule.yaml");
    errspec::catalog!("specs/valid/discord-body-delay.yaml");
    errspec::catalog!("specs/valid/google-retry-info.yaml");
}
use catalogs::*;

const NOW: u64 = 1_795_521_600; // 2026-11-24T12:00:00Z

fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(NOW)
}

fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
    let mut h = HeaderMap::new();
    for (k, v) in pairs {
        h.append(*k, HeaderValue::from_str(v).expect("header value"));
    }
    h
}

fn status(n: u16) -> StatusCode {
    StatusCode::from_u16(n).expect("status")
}

/// The default policy's decision after a first attempt, with jitter off
/// so the wait is the backoff ceiling (1 s) or the server's delay.
fn decide<E: ApiError>(error: &E, safe: bool) -> Decision {
    let outcome = Outcome::api(error);
    let policy = RetryPolicy::builder()
        .jitter(errspec::policy::Jitter::None)
        .build()
        .expect("policy");
    policy.decide(&RetryContext::new(&outcome, 1).retry_safe(safe).now(now()))
}

#[test]
fn github_primary_rate_limit_is_a_403_with_no_requests_left() {
    // https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api
    let reset = (NOW + 42).to_string();
    let h = headers(&[
        ("x-ratelimit-limit", "5000"),
        ("x-ratelimit-remaining", "0"),
        ("x-ratelimit-reset", &reset),
    ]);
    let body = br#"{"message":"API rate limit exceeded for user ID 1.","documentation_url":"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"}"#;
    let e = github_rules::Error::decode(status(403), &h, body);
    assert_eq!(e.retry_class(), RetryClass::Throttled);
    assert_eq!(
        e.decided_by(),
        DecidedBy::Rule {
            index: 0,
            name: Some("primary_rate_limit")
        }
    );
    assert_eq!(
        e.delay_hints().server_delay_with_source(now()),
        Some((Duration::from_secs(42), DelayOrigin::RateLimitReset))
    );
    assert_eq!(
        decide(&e, false),
        Decision::Retry {
            after: Duration::from_secs(42),
            reason: RetryReason::ServerDelay
        }
    );

    // The same 403 with requests left is a permission error.
    let h = headers(&[("x-ratelimit-remaining", "4999")]);
    let e = github_rules::Error::decode(
        status(403),
        &h,
        br#"{"message":"Resource not accessible by integration"}"#,
    );
    assert_eq!(e.retry_class(), RetryClass::Never);
    assert_eq!(e.decided_by(), DecidedBy::Status);
}

#[test]
fn github_secondary_rate_limit_is_in_the_message() {
    let h = headers(&[("retry-after", "60"), ("x-ratelimit-remaining", "4990")]);
    let body = br#"{"message":"You have exceeded a secondary rate limit and have been temporarily blocked from content creation. Please retry your request again later."}"#;
    let e = github_rules::Error::decode(status(403), &h, body);
    assert_eq!(e.retry_class(), RetryClass::Throttled);
    assert_eq!(e.decided_by().to_string(), "rule secondary_rate_limit");
    assert_eq!(
        e.delay_hints().server_delay(now()),
        Some(Duration::from_secs(60))
    );
}

#[test]
fn openai_directive_and_go_duration_resets() {
    // https://platform.openai.com/docs/guides/rate-limits: `x-ratelimit-reset-requests: 6m0s`.
    let h = headers(&[
        ("x-ratelimit-remaining-requests", "0"),
        ("x-ratelimit-reset-requests", "6m0s"),
        ("x-ratelimit-remaining-tokens", "149984"),
        ("x-ratelimit-reset-tokens", "6ms"),
        ("retry-after-ms", "1500"),
    ]);
    let body = br#"{"error":{"message":"Rate limit reached for requests","type":"requests","param":null,"code":"rate_limit_exceeded"}}"#;
    let e = openai_directives::Error::decode(status(429), &h, body);
    assert_eq!(e.retry_class(), RetryClass::Throttled);
    assert_eq!(e.decided_by(), DecidedBy::Status);
    // The spent dimension (requests) gives the longest delay; the tokens
    // dimension has tokens left and does not apply.
    assert_eq!(
        e.delay_hints().server_delay_with_source(now()),
        Some((
            Duration::from_secs(360),
            DelayOrigin::Source("x-ratelimit-reset-requests")
        ))
    );

    // Only the millisecond header: 1.5 s.
    let h = headers(&[("retry-after-ms", "1500")]);
    let e = openai_directives::Error::decode(status(429), &h, body);
    assert_eq!(
        e.delay_hints().server_delay(now()),
        Some(Duration::from_millis(1500))
    );

    // `x-should-retry: false` on a 500: not retried; `true` on a 409: backoff.
    let e = openai_directives::Error::decode(
        status(500),
        &headers(&[("x-should-retry", "false")]),
        br#"{"error":{"message":"The server had an error","type":"server_error","code":null}}"#,
    );
    assert_eq!(
        (e.retry_class(), e.decided_by()),
        (RetryClass::Never, DecidedBy::Directive)
    );
    let e = openai_directives::Error::decode(
        status(409),
        &headers(&[("x-should-retry", "true")]),
        br#"{"error":{"message":"conflict","code":null}}"#,
    );
    assert_eq!(
        (e.retry_class(), e.decided_by()),
        (RetryClass::Backoff, DecidedBy::Directive)
    );
    // A quota that will not renew soon stays `never` without a directive.
    let e = openai_directives::Error::decode(
        status(429),
        &HeaderMap::new(),
        br#"{"error":{"message":"You exceeded your current quota","type":"insufficient_quota","code":"insufficient_quota"}}"#,
    );
    assert_eq!(
        (e.retry_class(), e.decided_by()),
        (RetryClass::Never, DecidedBy::Code)
    );
}

#[test]
fn anthropic_rfc3339_resets_with_a_floor() {
    // https://docs.anthropic.com/en/api/rate-limits: resets are RFC 3339 times.
    let h = headers(&[
        ("anthropic-ratelimit-requests-remaining", "0"),
        ("anthropic-ratelimit-requests-reset", "2026-11-24T12:00:20Z"),
        ("anthropic-ratelimit-tokens-remaining", "0"),
        (
            "anthropic-ratelimit-tokens-reset",
            "2026-11-24T14:00:30+02:00",
        ),
        ("retry-after", "5"),
    ]);
    let body = br#"{"type":"error","error":{"type":"rate_limit_error","message":"Number of request tokens has exceeded your per-minute rate limit"}}"#;
    let e = anthropic_resets::Error::decode(status(429), &h, body);
    assert_eq!(e.retry_class(), RetryClass::Throttled);
    // Both dimensions are spent: the later reset (30 s) wins over 20 s and over Retry-After.
    assert_eq!(
        e.delay_hints().server_delay_with_source(now()),
        Some((
            Duration::from_secs(30),
            DelayOrigin::Source("anthropic-ratelimit-tokens-reset")
        ))
    );
    // `retry-after: 0` alone: the API's `min_delay` (1 s) is the floor.
    let e = anthropic_resets::Error::decode(status(429), &headers(&[("retry-after", "0")]), body);
    assert_eq!(
        e.delay_hints().server_delay_with_source(now()),
        Some((Duration::from_secs(1), DelayOrigin::MinDelay))
    );
    // Overloaded (529) with `x-should-retry: true`: backoff, and a server
    // delay is not undercut by a shorter backoff.
    let e = anthropic_resets::Error::decode(
        status(529),
        &headers(&[("x-should-retry", "true"), ("retry-after", "7")]),
        br#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#,
    );
    assert_eq!(
        (e.retry_class(), e.decided_by()),
        (RetryClass::Backoff, DecidedBy::Directive)
    );
    assert_eq!(
        decide(&e, false),
        Decision::Retry {
            after: Duration::from_secs(7),
            reason: RetryReason::ServerDelay
        }
    );
}

#[test]
fn ietf_ratelimit_structured_field() {
    let body = br#"{"title":"Too Many Requests","detail":"Quota exhausted"}"#;
    let e = ietf_ratelimit::Error::decode(
        status(429),
        &headers(&[("ratelimit", r#""default";r=0;t=20"#)]),
        body,
    );
    assert_eq!(
        e.delay_hints().server_delay(now()),
        Some(Duration::from_secs(20))
    );
    // A policy with quota left gives no delay; the throttled 429 backs off.
    let e = ietf_ratelimit::Error::decode(
        status(429),
        &headers(&[("ratelimit", r#""default";r=50;t=20"#)]),
        body,
    );
    assert_eq!(e.delay_hints().server_delay(now()), None);
    assert_eq!(
        decide(&e, false),
        Decision::Retry {
            after: Duration::from_secs(1),
            reason: RetryReason::ThrottledWithoutDelay
        }
    );
}

#[test]
fn stripe_should_retry_overrides_the_tables() {
    // https://docs.stripe.com/error-low-level: `Stripe-Should-Retry`.
    let body = br#"{"error":{"code":"lock_timeout","message":"This object cannot be accessed right now because another API request or Stripe process is currently accessing it.","type":"invalid_request_error"}}"#;
    let e = stripe_should_retry::Error::decode(
        status(429),
        &headers(&[("stripe-should-retry", "true")]),
        body,
    );
    assert_eq!(
        (e.retry_class(), e.decided_by()),
        (RetryClass::Throttled, DecidedBy::Directive)
    );
    // A 500 is `ambiguous`; `Stripe-Should-Retry: false` says not to repeat it.
    let e = stripe_should_retry::Error::decode(
        status(500),
        &headers(&[("stripe-should-retry", "false")]),
        br#"{"error":{"message":"An unknown error occurred","type":"api_error"}}"#,
    );
    assert_eq!(e.retry_class(), RetryClass::Never);
    // `true` on a 409 makes it a plain backoff retry.
    let e = stripe_should_retry::Error::decode(
        status(409),
        &headers(&[("stripe-should-retry", "true")]),
        br#"{"error":{"code":"idempotency_key_in_use","message":"There is currently another in-progress request using this Idempotent Key","type":"idempotency_error"}}"#,
    );
    assert_eq!(e.retry_class(), RetryClass::Backoff);
    // No directive: the tables decide.
    let e = stripe_should_retry::Error::decode(status(409), &HeaderMap::new(), b"{}");
    assert_eq!(
        (e.retry_class(), e.decided_by()),
        (RetryClass::Never, DecidedBy::Status)
    );
}

#[test]
fn google_drive_rate_limit_reasons_on_403() {
    // https://developers.google.com/drive/api/guides/handle-errors#resolve_a_403_error_usage_limit_exceeded
    let body = br#"{"error":{"errors":[{"domain":"usageLimits","reason":"userRateLimitExceeded","message":"User Rate Limit Exceeded"}],"code":403,"message":"User Rate Limit Exceeded"}}"#;
    let e = google_reason_rule::Error::decode(status(403), &HeaderMap::new(), body);
    assert_eq!(
        e.code(),
        Some(&google_reason_rule::Code::UserRateLimitExceeded)
    );
    assert_eq!(e.retry_class(), RetryClass::Backoff);
    assert_eq!(e.decided_by().to_string(), "rule rate_limited_403");
    let body = br#"{"error":{"errors":[{"domain":"global","reason":"insufficientFilePermissions","message":"The user does not have sufficient permissions for file."}],"code":403,"message":"The user does not have sufficient permissions for file."}}"#;
    let e = google_reason_rule::Error::decode(status(403), &HeaderMap::new(), body);
    assert_eq!(
        (e.retry_class(), e.decided_by()),
        (RetryClass::Never, DecidedBy::Status)
    );
}

#[test]
fn discord_float_retry_after_in_the_body() {
    // https://discord.com/developers/docs/topics/rate-limits#exceeding-a-rate-limit
    let body =
        br#"{"message": "You are being rate limited.", "retry_after": 64.57, "global": false}"#;
    let h = headers(&[("retry-after", "65"), ("x-ratelimit-reset-after", "64.57")]);
    let e = discord_body_delay::Error::decode(status(429), &h, body);
    assert_eq!(
        (e.retry_class(), e.decided_by()),
        (RetryClass::Throttled, DecidedBy::Status)
    );
    // The longest of 65 s (Retry-After) and 64.57 s (body, header).
    assert_eq!(
        e.delay_hints().server_delay_with_source(now()),
        Some((Duration::from_secs(65), DelayOrigin::RetryAfter))
    );
    // The body alone: 0.317 s, from the float.
    let body =
        br#"{"message": "You are being rate limited.", "retry_after": 0.317, "global": true}"#;
    let e = discord_body_delay::Error::decode(status(429), &HeaderMap::new(), body);
    assert_eq!(
        e.delay_hints().server_delay_with_source(now()),
        Some((
            Duration::from_secs_f64(0.317),
            DelayOrigin::Source("/retry_after")
        ))
    );
    assert_eq!(e.decided_by().to_string(), "rule global_rate_limit");
    // Hostile bodies give no delay and never panic.
    for body in [
        &br#"{"retry_after": -5}"#[..],
        br#"{"retry_after": "soon"}"#,
        br#"{"retry_after": 1e400}"#,
        br#"{"retry_after": null}"#,
        b"<html>",
    ] {
        let e = discord_body_delay::Error::decode(status(429), &HeaderMap::new(), body);
        assert!(
            e.delay_hints()
                .server_delay(now())
                .is_none_or(|d| d >= Duration::ZERO)
        );
    }
}

#[test]
fn google_retry_info_item_in_error_details() {
    // https://cloud.google.com/apis/design/errors: `google.rpc.RetryInfo`.
    let body = br#"{"error":{"code":429,"message":"Quota exceeded for quota metric 'Requests'.","status":"RESOURCE_EXHAUSTED","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"RATE_LIMIT_EXCEEDED"},{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"30s"}]}}"#;
    let e = google_retry_info::Error::decode(status(429), &HeaderMap::new(), body);
    assert_eq!(e.code(), Some(&google_retry_info::Code::ResourceExhausted));
    assert_eq!(
        e.delay_hints().server_delay_with_source(now()),
        Some((
            Duration::from_secs(30),
            DelayOrigin::Source("/error/details")
        ))
    );
    // A 503 with a RetryInfo of 2.5 s: backoff, never sooner than asked.
    let body = br#"{"error":{"code":503,"status":"UNAVAILABLE","message":"The service is currently unavailable.","details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"2.500s"}]}}"#;
    let e = google_retry_info::Error::decode(status(503), &HeaderMap::new(), body);
    assert_eq!(e.retry_class(), RetryClass::Backoff);
    assert_eq!(
        decide(&e, true),
        Decision::Retry {
            after: Duration::from_millis(2500),
            reason: RetryReason::ServerDelay
        }
    );
}

#[test]
fn stripe_card_error_by_body_type() {
    let body = br#"{"error":{"code":"card_declined","decline_code":"insufficient_funds","message":"Your card has insufficient funds.","type":"card_error"}}"#;
    let e = stripe_should_retry::Error::decode(status(402), &HeaderMap::new(), body);
    assert_eq!(e.retry_class(), RetryClass::Never);
    assert_eq!(e.decided_by().to_string(), "rule card_error");
}

#[test]
fn decided_by_is_serialized() {
    let e = github_rules::Error::decode(
        status(404),
        &HeaderMap::new(),
        br#"{"message":"Not Found"}"#,
    );
    let json = serde_json::to_value(&e).expect("json");
    assert_eq!(json["decided_by"], "status");
    assert_eq!(ApiError::decided_by(&e), Some(DecidedBy::Status));
}
