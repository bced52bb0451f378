//! Classifies one error response with a generated provider's types:
//!
//! ```sh
//! cargo run -p errspec-examples --bin classify -- 429 \
//!     '{"error":{"code":"rate_limited","message":"Slow down"}}' Retry-After=30
//! ```
//!
//! The arguments are `STATUS BODY [HEADER=VALUE ...]`: a response as your
//! HTTP client would hand it over. It is decoded with TopMail's generated
//! error type (`errspec_providers::topmail::Error`, from
//! `spec/topmail.yaml`), which prints what it read (code, message, request
//! id, field errors, the server's delay), the retry class the catalog
//! gives it and what [`RetryPolicy`] decides after a first attempt.

use std::fmt::Write as _;
use std::process::ExitCode;
use std::time::SystemTime;

use errspec::RetryPolicy;
use errspec::policy::{Decision, Outcome, RetryContext};
use errspec_providers::topmail;
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args, SystemTime::now()) {
        Ok(report) => {
            print!("{report}");
            ExitCode::SUCCESS
        }
        Err(problem) => {
            eprintln!("classify: {problem}\nusage: classify STATUS BODY [HEADER=VALUE ...]");
            ExitCode::from(2)
        }
    }
}

/// The report on `STATUS BODY [HEADER=VALUE ...]` at `now`, or what is
/// wrong with the arguments.
fn run(args: &[String], now: SystemTime) -> Result<String, String> {
    let [status, body, headers @ ..] = args else {
        return Err("expected a status and a body".to_owned());
    };
    let status = status
        .parse::<u16>()
        .ok()
        .and_then(|s| StatusCode::from_u16(s).ok())
        .ok_or_else(|| format!("`{status}` is not an HTTP status"))?;
    let mut map = HeaderMap::new();
    for header in headers {
        let (name, value) = header
            .split_once('=')
            .ok_or_else(|| format!("`{header}` is not HEADER=VALUE"))?;
        let name = HeaderName::try_from(name.trim())
            .map_err(|_| format!("`{name}` is not a header name"))?;
        let value = HeaderValue::try_from(value.trim())
            .map_err(|_| format!("`{value}` is not a header value"))?;
        map.append(name, value);
    }
    Ok(classify(status, &map, body.as_bytes(), now))
}

/// What TopMail's error type and the default retry policy make of one
/// response.
fn classify(status: StatusCode, headers: &HeaderMap, body: &[u8], now: SystemTime) -> String {
    // Never fails: an unknown code, an unlisted status or a body that is
    // not TopMail's JSON still decode to an error value.
    let error = topmail::Error::decode(status, headers, body);
    let mut out = String::new();
    // Writing to a String cannot fail.
    let mut line = |label: &str, value: &dyn std::fmt::Display| {
        let _ = writeln!(out, "{label:<12} {value}");
    };
    line("error", &error);
    match error.code() {
        Some(code) if code.is_known() => {
            line("code", &code);
            if let Some(hint) = code.hint() {
                line("advice", &hint);
            }
        }
        Some(code) => line("code", &format_args!("{code} (not in the catalog)")),
        None => line("code", &"none"),
    }
    if let Some(request_id) = error.request_id() {
        line("request id", &request_id);
    }
    for field in error.field_errors() {
        let message = field.message.as_deref().unwrap_or("invalid");
        line("field", &format_args!("{}: {message}", field.field));
    }
    if let Some(delay) = error.delay_hints().server_delay(now) {
        line("server delay", &format_args!("{delay:?}"));
    }
    line(
        "retry class",
        &format_args!(
            "{} (decided by {})",
            error.retry_class(),
            error.decided_by()
        ),
    );
    // The decision after a first attempt of a request that is not
    // idempotent; `.retry_safe(true)` when it is, or carries a key.
    let outcome = Outcome::api_with_headers(&error, headers);
    let decision = RetryPolicy::default().decide(&RetryContext::new(&outcome, 1).now(now));
    match decision {
        Decision::Retry { after, reason } => {
            line("decision", &format_args!("retry in {after:?}: {reason}"));
        }
        Decision::GiveUp { reason, .. } => line("decision", &format_args!("give up: {reason}")),
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn a_rate_limited_response_waits_for_the_server() {
        let report = run(
            &args(&[
                "429",
                r#"{"error":{"code":"rate_limited","message":"Slow down"}}"#,
                "Retry-After=30",
            ]),
            SystemTime::UNIX_EPOCH,
        )
        .expect("valid arguments");
        assert!(report.contains("code         rate_limited\n"), "{report}");
        assert!(report.contains("server delay 30s\n"), "{report}");
        assert!(report.contains("retry class  throttled"), "{report}");
        assert!(
            report.contains("decision     retry in 30s: throttled, waiting as the server asked\n"),
            "{report}"
        );
    }

    #[test]
    fn an_unknown_code_and_a_field_error_are_reported() {
        let body = r#"{"error":{"code":"brand_new","message":"bad","path":"to[0]"}}"#;
        let report = run(&args(&["422", body]), SystemTime::UNIX_EPOCH).expect("valid arguments");
        assert!(
            report.contains("brand_new (not in the catalog)"),
            "{report}"
        );
        assert!(report.contains("field        to[0]: bad\n"), "{report}");
        assert!(
            report.contains("give up: the error is not retryable\n"),
            "{report}"
        );
    }

    #[test]
    fn bad_arguments_are_explained() {
        let now = SystemTime::UNIX_EPOCH;
        assert_eq!(
            run(&args(&["429"]), now),
            Err("expected a status and a body".to_owned())
        );
        assert_eq!(
            run(&args(&["4299", "{}"]), now),
            Err("`4299` is not an HTTP status".to_owned())
        );
        assert_eq!(
            run(&args(&["429", "{}", "Retry-After"]), now),
            Err("`Retry-After` is not HEADER=VALUE".to_owned())
        );
    }
}
