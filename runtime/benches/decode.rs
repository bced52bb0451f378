//! Compares [`errspec::decode::decode_parts`] with the hand-written baseline
//! it must stay within 1.2x of: `serde_json::from_slice` into a minimal
//! borrowed `#[derive(Deserialize)]` struct, then a `match` on the code.
//!
//! Run with `cargo bench -p errspec --bench decode`. Plain `Instant` timing
//! keeps the workspace free of a benchmark framework; each case reports the
//! best of several rounds to damp noise.
#![forbid(unsafe_code)]
#![allow(missing_docs)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use errspec::decode::{RawCode, decode_parts};
use errspec::layout::*;
use http::{HeaderMap, StatusCode};

static LAYOUT: ApiLayout = ApiLayout {
    body: BodyLayout {
        format: BodyFormat::Json,
        errors: None,
        code: Some(CodeSource::Body(Pointer(&["error", "code"]))),
        code_type: CodeType::String,
        message: Some(Pointer(&["error", "message"])),
        request_id: Some(Pointer(&["request_id"])),
        field_errors: None,
    },
    headers: HeaderLayout {
        retry_after: None,
        request_id: None,
        rate_limit: None,
    },
};

#[derive(serde::Deserialize)]
struct Body<'a> {
    #[serde(borrow)]
    error: Option<Inner<'a>>,
    #[serde(borrow)]
    request_id: Option<&'a str>,
}

#[derive(serde::Deserialize)]
struct Inner<'a> {
    #[serde(borrow)]
    code: Option<&'a str>,
    #[serde(borrow)]
    message: Option<&'a str>,
}

fn classify(code: Option<&str>) -> u8 {
    match code {
        Some("rate_limited") => 1,
        Some("invalid_request") => 2,
        Some("card_declined") => 3,
        _ => 0,
    }
}

fn baseline(body: &[u8]) -> (u8, usize) {
    match serde_json::from_slice::<Body<'_>>(body) {
        Ok(b) => {
            let (code, message) = b.error.map_or((None, None), |e| (e.code, e.message));
            (
                classify(code),
                message.map_or(0, str::len) + b.request_id.map_or(0, str::len),
            )
        }
        Err(_) => (0, 0),
    }
}

fn streaming(body: &[u8], headers: &HeaderMap) -> (u8, usize) {
    let parts = decode_parts(&LAYOUT, StatusCode::BAD_REQUEST, headers, body);
    let code = parts.code.as_ref().and_then(RawCode::as_str);
    (
        classify(code),
        parts.message.as_deref().map_or(0, str::len)
            + parts.request_id.as_deref().map_or(0, str::len),
    )
}

fn time(mut f: impl FnMut()) -> Duration {
    let iterations = 20_000;
    (0..25)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..iterations {
                f();
            }
            start.elapsed() / iterations
        })
        .min()
        .unwrap_or_default()
}

fn main() {
    let small = br#"{"error":{"type":"invalid_request_error","code":"rate_limited","message":"Too many requests, slow down.","param":null},"request_id":"req_8f1c2b"}"#.to_vec();
    let filler: Vec<String> = (0..40)
        .map(|i| format!(r#"{{"id":{i},"name":"item {i}","tags":["a","b","c"],"nested":{{"x":1.5,"y":[true,false,null]}}}}"#))
        .collect();
    let large = format!(
        r#"{{"meta":{{"items":[{}]}},"error":{{"code":"card_declined","message":"Your card was declined.","doc_url":"https://example.com/docs/card_declined","extra":{{"decline_code":"insufficient_funds"}}}},"request_id":"req_1234567890"}}"#,
        filler.join(",")
    )
    .into_bytes();
    let headers = HeaderMap::new();
    let tiny = br#"{"error":{"code":"x"}}"#.to_vec();
    for (name, body) in [("tiny", &tiny), ("small", &small), ("large", &large)] {
        assert_eq!(baseline(body), streaming(body, &headers));
        let base = time(|| {
            black_box(baseline(black_box(body)));
        });
        let ours = time(|| {
            black_box(streaming(black_box(body), &headers));
        });
        println!(
            "{name:>5} ({:>5} B): baseline {base:>10.2?}  decode_parts {ours:>10.2?}  ratio {:.2}",
            body.len(),
            ours.as_secs_f64() / base.as_secs_f64()
        );
    }
}
