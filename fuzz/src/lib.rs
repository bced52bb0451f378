//! What each fuzz target runs, as plain functions of the fuzz input, so the
//! same code replays the committed regressions and seeds under
//! `cargo test --workspace` (`tests/tests/properties.rs` includes this file).
//!
//! Every function is total: it turns any bytes into a call of the code under
//! test and checks the invariants that must hold whatever came in. A panic
//! (from the code under test or from a failed check) is a finding.
//!
//! Only `errspec`, `errspec-providers`, `errspec-codegen`, `http` and
//! `fastrand` are used, all dependencies of the workspace's test crate.
#![forbid(unsafe_code)]

use std::sync::OnceLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use errspec::decode::{MAX_RAW_SNIPPET, decode_parts};
use errspec::hints::{MAX_PLAUSIBLE_RESET, parse_rate_limit_reset, parse_retry_after};
use errspec::layout::{
    ApiLayout, BodyFormat, BodyLayout, CodeSource, CodeType, FieldErrorsLayout, HeaderLayout,
    Pointer, RateLimitLayout, ResetUnit,
};
use errspec::policy::{Decision, GiveUpReason, Jitter, Outcome, RetryPolicy, RetryReason};
use errspec::{DelayHints, RetryAfter, RetryClass};
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};

/// Reads fuzz input front to back; past the end every read gives zeros, so
/// any input, even empty, describes a complete case.
pub struct Input<'a> {
    data: &'a [u8],
}

impl<'a> Input<'a> {
    /// A reader over `data`.
    pub fn new(data: &'a [u8]) -> Self {
        Input { data }
    }

    /// One byte.
    pub fn u8(&mut self) -> u8 {
        match self.data.split_first() {
            Some((&b, rest)) => {
                self.data = rest;
                b
            }
            None => 0,
        }
    }

    /// Two bytes, big-endian.
    pub fn u16(&mut self) -> u16 {
        u16::from_be_bytes([self.u8(), self.u8()])
    }

    /// Eight bytes, big-endian.
    pub fn u64(&mut self) -> u64 {
        (0..8).fold(0, |acc, _| (acc << 8) | u64::from(self.u8()))
    }

    /// A flag.
    pub fn bool(&mut self) -> bool {
        self.u8() & 1 == 1
    }

    /// A length-prefixed (one byte) slice.
    pub fn bytes(&mut self) -> &'a [u8] {
        let len = usize::from(self.u8()).min(self.data.len());
        let (head, rest) = self.data.split_at(len);
        self.data = rest;
        head
    }

    /// Everything left.
    pub fn rest(&mut self) -> &'a [u8] {
        std::mem::take(&mut self.data)
    }
}

/// Header names every layout of the seed catalogs reads, plus a few that
/// none does (to check they are ignored).
const HEADER_NAMES: &[&str] = &[
    "retry-after",
    "x-ratelimit-limit",
    "x-ratelimit-remaining",
    "x-ratelimit-reset",
    "x-request-id",
    "request-id",
    "x-error-code",
    "content-type",
    "authorization",
    "set-cookie",
];

/// Up to eight headers: a known name (or one spelled by the input) with a
/// value of arbitrary bytes, appended so that names repeat.
pub fn headers(input: &mut Input<'_>) -> HeaderMap {
    let mut map = HeaderMap::new();
    for _ in 0..input.u8() % 9 {
        let pick = usize::from(input.u8());
        let name = match HEADER_NAMES.get(pick % (HEADER_NAMES.len() + 1)) {
            Some(name) => HeaderName::from_static(name),
            None => match HeaderName::from_bytes(input.bytes()) {
                Ok(name) => name,
                Err(_) => continue,
            },
        };
        if let Ok(value) = HeaderValue::from_bytes(input.bytes()) {
            map.append(name, value);
        }
    }
    map
}

/// A status in the range `http` accepts (100–999).
pub fn status(input: &mut Input<'_>) -> StatusCode {
    StatusCode::from_u16(100 + input.u16() % 900).expect("100..=999 is a valid status")
}

/// Target `decode`: one generated decoder of `errspec_providers::APIS`
/// (picked by the first byte, so a new spec is covered without touching
/// the target) on a status, headers and body from the input.
pub fn decode_generated(data: &[u8]) {
    let apis = errspec_providers::APIS;
    let mut input = Input::new(data);
    let entry = &apis[usize::from(input.u8()) % apis.len()];
    let status = status(&mut input);
    let headers = headers(&mut input);
    let body = input.rest();

    let error = (entry.decode)(status, &headers, body);
    assert_eq!(error.status(), Some(status), "the status is kept");
    assert_eq!(error.hints(), (entry.delay_hints)(&headers));
    // Every part is bounded by what came in.
    if let Some(message) = error.message() {
        assert!(
            message.len() <= body.len(),
            "a message longer than the body"
        );
    }
    for field in error.field_errors() {
        assert!(field.field.len() <= body.len());
    }
    // Every rendering works, and is deterministic.
    let shown = format!("{error} {error:?}");
    let again = (entry.decode)(status, &headers, body);
    assert_eq!(shown, format!("{again} {again:?}"));
    let _ = (error.retry_class(), error.variant_name(), error.is_known());
}

/// Target `load_spec`: the spec loader, checker and renderer on arbitrary
/// bytes read as (lossy) UTF-8. Errors must be located inside the text.
pub fn load_spec(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let file = errspec_codegen::source::SourceFile::new("fuzz.yaml", text.as_ref());
    let diags = match errspec_codegen::load_catalog(&file) {
        Ok(loaded) => loaded.warnings,
        Err(diags) => {
            assert!(diags.has_errors(), "an Err carries an error");
            diags
        }
    };
    for d in diags.iter() {
        assert!(
            d.span.start <= d.span.end && d.span.end <= text.len(),
            "span {:?} of `{}` outside {} bytes",
            d.span,
            d.message,
            text.len()
        );
    }
    let rendered = diags.render(&file);
    assert!(rendered.matches("--> fuzz.yaml:").count() >= diags.len());
}

/// The pointer pool of target `decode_layout`: every pointer of depth 0 to
/// 3 over a few segments, leaked once (layouts hold `&'static` pointers).
fn pointer_pool() -> &'static [Pointer] {
    static POOL: OnceLock<Vec<Pointer>> = OnceLock::new();
    const SEGMENTS: &[&str] = &[
        "error", "errors", "code", "message", "0", "1", "details", "field", "", "id",
    ];
    POOL.get_or_init(|| {
        let mut paths: Vec<Vec<&'static str>> = vec![vec![]];
        let mut frontier = paths.clone();
        for _ in 0..3 {
            let next: Vec<Vec<&'static str>> = frontier
                .iter()
                .flat_map(|p| {
                    SEGMENTS.iter().map(move |s| {
                        let mut p = p.clone();
                        p.push(s);
                        p
                    })
                })
                .collect();
            paths.extend(next.iter().cloned());
            frontier = next;
        }
        paths
            .into_iter()
            .map(|p| Pointer(Box::leak(p.into_boxed_slice())))
            .collect()
    })
}

fn pointer(input: &mut Input<'_>) -> Pointer {
    let pool = pointer_pool();
    pool[usize::from(input.u16()) % pool.len()]
}

fn maybe_pointer(input: &mut Input<'_>) -> Option<Pointer> {
    input.bool().then(|| pointer(input))
}

/// An arbitrary layout: any combination of pointers, formats and headers
/// the layout types can express, including ones no spec would pass the
/// checks with (the decoder must still be total).
pub fn layout(input: &mut Input<'_>) -> ApiLayout {
    let format = if input.u8().is_multiple_of(8) {
        BodyFormat::Text
    } else {
        BodyFormat::Json
    };
    let errors = maybe_pointer(input);
    let code = match input.u8() % 4 {
        0 => None,
        1 => Some(CodeSource::Header("x-error-code")),
        _ => Some(CodeSource::Body(pointer(input))),
    };
    let code_type = if input.bool() {
        CodeType::Integer
    } else {
        CodeType::String
    };
    let message = maybe_pointer(input);
    let request_id = maybe_pointer(input);
    let field_errors = input.bool().then(|| FieldErrorsLayout {
        items: maybe_pointer(input),
        field: pointer(input),
        message: maybe_pointer(input),
    });
    let reset_unit = if input.bool() {
        ResetUnit::Seconds
    } else {
        ResetUnit::UnixSeconds
    };
    ApiLayout {
        body: BodyLayout {
            format,
            errors,
            code,
            code_type,
            message,
            request_id,
            field_errors,
        },
        headers: HeaderLayout {
            retry_after: Some("retry-after"),
            request_id: input.bool().then_some("x-request-id"),
            rate_limit: Some(RateLimitLayout {
                limit: Some("x-ratelimit-limit"),
                remaining: Some("x-ratelimit-remaining"),
                reset: Some("x-ratelimit-reset"),
                reset_unit,
            }),
        },
    }
}

/// Target `decode_layout`: the decoder every generated (and derived)
/// `decode` calls, on an arbitrary layout, headers and body.
pub fn decode_layout(data: &[u8]) {
    let mut input = Input::new(data);
    let layout = layout(&mut input);
    let status = status(&mut input);
    let headers = headers(&mut input);
    let body = input.rest();

    let parts = decode_parts(&layout, status, &headers, body);
    assert_eq!(
        parts.hints,
        DelayHints::from_headers(&layout.headers, &headers)
    );
    if let Some(raw) = &parts.raw {
        assert!(raw.len() <= MAX_RAW_SNIPPET, "raw snippet of {}", raw.len());
        assert!(!raw.trim_ascii().is_empty());
    }
    if layout.body.format == BodyFormat::Text {
        assert_eq!(parts.message, None, "a text body has no message");
        assert!(parts.field_errors.is_empty());
    }
    if std::str::from_utf8(body).is_err() && layout.body.format == BodyFormat::Json {
        assert_eq!(parts.message, None, "invalid UTF-8 is not decoded");
    }
    let (code, details) = parts.clone().into_details(status);
    assert_eq!(code, parts.code.clone().map(|c| c.into_owned()));
    assert_eq!(details.status, status);
}

/// A time the delay target calls "now": anywhere from the epoch to a few
/// thousand years ahead (what `SystemTime` holds everywhere).
fn now(input: &mut Input<'_>) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(input.u64() % 100_000_000_000)
}

fn policy(input: &mut Input<'_>) -> RetryPolicy {
    let mut builder = RetryPolicy::builder()
        .max_attempts(1 + u32::from(input.u8() % 10))
        .base_delay(Duration::from_millis(input.u64() % 100_000_000))
        .multiplier(1.0 + f64::from(input.u8()) / 16.0)
        .max_backoff(Duration::from_millis(input.u64() % 100_000_000))
        .max_server_delay(Duration::from_secs(input.u64() % 1_000_000))
        .jitter(if input.bool() {
            Jitter::Full
        } else {
            Jitter::None
        });
    if input.bool() {
        builder = builder.deadline(Duration::from_millis(input.u64() % 100_000_000));
    }
    builder.build().expect("the settings above are valid")
}

/// Target `delays`: the `Retry-After` and rate-limit parsers on arbitrary
/// header values, [`DelayHints::server_delay`] at an arbitrary time, and
/// the policy's decision on the result, checking its bounds:
///
/// - a throttled retry waits exactly the server's delay, and never more
///   than `max_server_delay`;
/// - a backoff lies in `[0, max_backoff]`;
/// - no retry at or past `max_attempts`, nor past the deadline.
pub fn delays(data: &[u8]) {
    let mut input = Input::new(data);
    let unit = if input.bool() {
        ResetUnit::Seconds
    } else {
        ResetUnit::UnixSeconds
    };
    let now = now(&mut input);
    let policy = policy(&mut input);
    let attempts = 1 + u32::from(input.u8() % 12);
    let elapsed = Duration::from_millis(input.u64() % 100_000_000);
    let seed = input.u64();
    let class = RetryClass::ALL[usize::from(input.u8() % 4)];
    let retry_safe = input.bool();
    let headers = headers(&mut input);

    // The parsers on each value alone.
    for value in headers.values() {
        if let Some(RetryAfter::Seconds(_)) = parse_retry_after(value) {
            let text = value.to_str().expect("seconds are ASCII").trim_ascii();
            assert!(text.bytes().all(|b| b.is_ascii_digit()), "{text:?}");
        }
        for unit in [ResetUnit::Seconds, ResetUnit::UnixSeconds] {
            if let Some(delay) = parse_rate_limit_reset(value, unit).and_then(|r| r.delay(now)) {
                assert!(delay <= MAX_PLAUSIBLE_RESET);
            }
        }
    }

    let layout = HeaderLayout {
        retry_after: Some("retry-after"),
        request_id: None,
        rate_limit: Some(RateLimitLayout {
            limit: Some("x-ratelimit-limit"),
            remaining: Some("x-ratelimit-remaining"),
            reset: Some("x-ratelimit-reset"),
            reset_unit: unit,
        }),
    };
    let hints = DelayHints::from_headers(&layout, &headers);
    let server_delay = hints.server_delay(now);
    match (hints.retry_after, server_delay) {
        (Some(retry_after), delay) => assert_eq!(delay, Some(retry_after.delay(now))),
        (None, Some(delay)) => {
            assert!(delay <= MAX_PLAUSIBLE_RESET, "{delay:?}");
            assert!(hints.rate_limit_reset.is_some());
            assert!(hints.rate_limit_remaining.is_none_or(|left| left == 0));
        }
        (None, None) => {}
    }

    let outcome = Outcome::Api { class, hints };
    let mut rng = fastrand::Rng::with_seed(seed);
    let decision = policy.decide_with_rng(&outcome, attempts, retry_safe, now, elapsed, &mut rng);
    let throttled_delay = if class == RetryClass::Throttled {
        server_delay
    } else {
        None
    };
    match decision {
        Decision::Retry { after, reason } => {
            assert!(attempts < policy.max_attempts(), "retry past the cap");
            assert_ne!(class, RetryClass::Never);
            assert!(class != RetryClass::Ambiguous || retry_safe);
            match throttled_delay {
                Some(asked) => {
                    assert_eq!(reason, RetryReason::ServerDelay);
                    assert_eq!(after, asked, "waits exactly as long as asked");
                    assert!(after <= policy.max_server_delay());
                }
                None => {
                    assert_ne!(reason, RetryReason::ServerDelay);
                    assert!(after <= policy.max_backoff(), "{after:?}");
                    assert!(after <= policy.backoff_ceiling(attempts));
                }
            }
            if let Some(deadline) = policy.deadline() {
                assert!(elapsed + after < deadline, "a wait past the deadline");
            }
        }
        Decision::GiveUp {
            reason,
            server_delay: reported,
        } => {
            if let GiveUpReason::ServerDelayTooLong { delay, max } = reason {
                assert!(delay > max);
                assert_eq!(Some(delay), throttled_delay);
            }
            if !matches!(
                reason,
                GiveUpReason::NotRetryable | GiveUpReason::NotRetrySafe
            ) {
                assert_eq!(reported, throttled_delay);
            }
            let _ = reason.to_string();
        }
    }
}
