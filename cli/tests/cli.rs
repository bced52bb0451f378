//! End-to-end tests of the `errspec` binary (what `cargo xtask classify` and
//! `cargo xtask request` run).

use std::process::Command;

use serde_json::Value;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

fn errspec(args: &[&str]) -> (i32, Value, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_errspec"))
        .args(args)
        .output()
        .expect("run errspec");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let json = serde_json::from_str(&stdout).unwrap_or(Value::Null);
    (out.status.code().unwrap_or(-1), json, stderr)
}

async fn errspec_async(args: Vec<String>) -> (i32, Value, String) {
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        errspec(&args)
    })
    .await
    .unwrap()
}

#[test]
fn classify_prints_every_field() {
    let (code, json, _) = errspec(&[
        "classify",
        "qboxmail/send",
        "--status",
        "400",
        "--body",
        r#"{"error_code":400,"message":"no messages","error":"missing_send_payload","request_id":"f43e"}"#,
    ]);
    assert_eq!(code, 0);
    assert_eq!(json["provider"], "qboxmail");
    assert_eq!(json["api"], "send");
    assert_eq!(json["status"], 400);
    assert_eq!(json["code"], "missing_send_payload");
    assert_eq!(json["variant"], "MissingSendPayload");
    assert_eq!(json["known"], true);
    assert_eq!(json["message"], "no messages");
    assert_eq!(json["request_id"], "f43e");
    assert_eq!(json["field_errors"], serde_json::json!([]));
    assert_eq!(json["retry"], "never");
    assert_eq!(json["decision"]["retry"], false);
    assert_eq!(json["decision"]["delay_ms"], Value::Null);
    assert_eq!(json["success"], false);
    assert_eq!(json["batch_failures"], serde_json::json!([]));
    assert_eq!(json["extras"], serde_json::json!({}));
}

#[test]
fn classify_prints_the_extras() {
    let (code, json, stderr) = errspec(&[
        "classify",
        "stripe",
        "--status",
        "402",
        "--body",
        r#"{"error":{"type":"card_error","code":"card_declined","decline_code":"insufficient_funds","message":"Your card has insufficient funds."}}"#,
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(json["decided_by"], "rule card_error");
    assert_eq!(
        json["extras"],
        serde_json::json!({"error_type": "card_error", "decline_code": "insufficient_funds"})
    );
}

#[test]
fn classify_reports_the_failed_items_of_a_batch() {
    let (code, json, _) = errspec(&[
        "classify",
        "postmark",
        "--status",
        "200",
        "--body",
        r#"[{"ErrorCode":0,"Message":"OK"},{"ErrorCode":406,"Message":"Inactive recipient."},{"ErrorCode":429,"Message":"Rate limit exceeded."}]"#,
    ]);
    assert_eq!(code, 0);
    assert_eq!(json["success"], true);
    assert_eq!(
        json["batch_failures"],
        serde_json::json!([
            {"index": 1, "code": "406", "message": "Inactive recipient.", "retry_class": "never", "known": true},
            {"index": 2, "code": "429", "message": "Rate limit exceeded.", "retry_class": "throttled", "known": true},
        ])
    );
}

#[test]
fn classify_throttled_uses_the_reset_header_and_the_given_clock() {
    let (code, json, _) = errspec(&[
        "classify",
        "artmail",
        "--status",
        "429",
        "--header",
        "X-RateLimit-Remaining: 0",
        "--header",
        "X-RateLimit-Reset: 1700000045",
        "--now",
        "1700000000",
        "--body",
        r#"{"error":"Too many requests","code":"RATE_LIMITED"}"#,
    ]);
    assert_eq!(code, 0);
    assert_eq!(json["retry"], "throttled");
    assert_eq!(json["decision"]["retry"], true);
    assert_eq!(json["decision"]["delay_ms"], 45_000);
    assert_eq!(json["delay_source"], "rate_limit_reset");
    assert!(
        ["code", "status"].contains(&json["decided_by"].as_str().unwrap_or_default()),
        "{json}"
    );
}

#[test]
fn classify_refuses_to_sleep_on_a_hostile_retry_after() {
    let (_, json, _) = errspec(&[
        "classify",
        "topmail",
        "--status",
        "429",
        "--header",
        "Retry-After: 99999",
    ]);
    assert_eq!(json["decision"]["retry"], false);
    assert_eq!(json["decision"]["delay_ms"], 99_999_000);
}

#[test]
fn classify_ambiguous_depends_on_idempotency_and_attempts() {
    let base = ["classify", "qboxmail/send", "--status", "504"];
    let (_, json, _) = errspec(&base);
    assert_eq!(json["retry"], "ambiguous");
    assert_eq!(json["decision"]["retry"], false);
    let (_, json, _) = errspec(&[&base[..], &["--idempotent"]].concat());
    assert_eq!(json["decision"]["retry"], true);
    let (_, json, _) = errspec(&[&base[..], &["--idempotent", "--attempt", "3"]].concat());
    assert_eq!(
        json["decision"]["retry"], false,
        "3 attempts is the default cap"
    );
}

#[test]
fn classify_unknown_code_and_status_and_html() {
    let (_, json, _) = errspec(&[
        "classify",
        "topmail",
        "--status",
        "418",
        "--body",
        "<html>teapot</html>",
    ]);
    assert_eq!(json["code"], Value::Null);
    assert_eq!(json["known"], false);
    assert_eq!(json["retry"], "never");
    let (_, json, _) = errspec(&[
        "classify",
        "topmail",
        "--status",
        "400",
        "--body",
        r#"{"error":{"code":"brand_new","message":"m"}}"#,
    ]);
    assert_eq!(json["code"], "brand_new");
    assert_eq!(json["variant"], "Unknown");
    assert_eq!(json["known"], false);
}

#[test]
fn usage_errors_exit_2_with_a_message() {
    for args in [
        &["classify", "nope", "--status", "400"][..],
        &["classify", "qboxmail", "--status", "400"],
        &["classify", "topmail/nope", "--status", "400"],
        &["classify", "topmail"],
        &["classify", "topmail", "--status", "400", "--frob"],
        &["request", "topmail"],
        &["nonsense"],
    ] {
        let (code, _, stderr) = errspec(args);
        assert_eq!(code, 2, "{args:?}");
        assert!(stderr.starts_with("error: "), "{args:?}: {stderr}");
    }
}

/// Answers with the given statuses in turn (the last one repeats), recording
/// the idempotency keys it saw.
struct Sequence {
    responses: Vec<ResponseTemplate>,
    seen: std::sync::Arc<std::sync::Mutex<Vec<Option<String>>>>,
}

impl Respond for Sequence {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut seen = self.seen.lock().unwrap();
        seen.push(
            request
                .headers
                .get("idempotency-key")
                .map(|v| v.to_str().unwrap_or_default().to_owned()),
        );
        let i = (seen.len() - 1).min(self.responses.len() - 1);
        self.responses[i].clone()
    }
}

async fn server(responses: Vec<ResponseTemplate>) -> (MockServer, Sequence) {
    let server = MockServer::start().await;
    let seen = std::sync::Arc::default();
    let seq = Sequence {
        responses: responses.clone(),
        seen: std::sync::Arc::clone(&seen),
    };
    Mock::given(method("POST"))
        .and(path("/send"))
        .respond_with(Sequence { responses, seen })
        .mount(&server)
        .await;
    (server, seq)
}

fn topmail_error(status: u16, code: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(
        format!(r#"{{"error":{{"code":"{code}","message":"m"}}}}"#),
        "application/json",
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn request_retries_a_500_with_one_idempotency_key_then_succeeds() {
    let (server, seq) = server(vec![
        topmail_error(500, "internal_error"),
        ResponseTemplate::new(200).set_body_string("{}"),
    ])
    .await;
    let url = format!("{}/send", server.uri());
    let (code, json, stderr) = errspec_async(
        [
            "request", "topmail", "--url", &url, "--method", "POST", "--body", "{}",
        ]
        .map(String::from)
        .to_vec(),
    )
    .await;
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(json["ok"], true);
    assert_eq!(json["status"], 200);
    let attempts = json["attempts"].as_array().unwrap();
    assert_eq!(attempts.len(), 2);
    assert_eq!(attempts[0]["status"], 500);
    assert_eq!(attempts[0]["code"], "internal_error");
    assert_eq!(attempts[0]["retry"], "backoff");
    assert!(attempts[0]["delay_ms"].as_u64().is_some());
    let key = json["idempotency_key"].as_str().unwrap().to_owned();
    let seen = seq.seen.lock().unwrap().clone();
    assert_eq!(seen, vec![Some(key.clone()), Some(key)]);
    assert!(json["error"].is_null());
}

#[tokio::test(flavor = "multi_thread")]
async fn request_without_an_idempotency_key_sends_none() {
    let (server, seq) = server(vec![
        topmail_error(500, "internal_error"),
        ResponseTemplate::new(200).set_body_string("{}"),
    ])
    .await;
    let url = format!("{}/send", server.uri());
    let (code, json, stderr) = errspec_async(
        [
            "request",
            "topmail",
            "--url",
            &url,
            "--method",
            "POST",
            "--no-idempotency-key",
        ]
        .map(String::from)
        .to_vec(),
    )
    .await;
    // A 500 is `backoff`: retried with or without a key.
    assert_eq!(code, 0, "{stderr}");
    assert!(json["idempotency_key"].is_null(), "{json}");
    assert_eq!(*seq.seen.lock().unwrap(), vec![None, None]);
}

#[tokio::test(flavor = "multi_thread")]
async fn request_does_not_retry_a_400_and_exits_1() {
    let (server, seq) = server(vec![topmail_error(400, "validation_error")]).await;
    let url = format!("{}/send", server.uri());
    let (code, json, _) = errspec_async(
        ["request", "topmail", "--url", &url, "--method", "POST"]
            .map(String::from)
            .to_vec(),
    )
    .await;
    assert_eq!(code, 1);
    assert_eq!(json["ok"], false);
    assert_eq!(json["status"], 400);
    assert_eq!(json["attempts"].as_array().unwrap().len(), 1);
    assert!(json["error"].as_str().unwrap().contains("not retryable"));
    assert_eq!(seq.seen.lock().unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn request_gives_up_at_once_on_a_long_retry_after() {
    let (server, seq) = server(vec![
        topmail_error(429, "rate_limited").insert_header("Retry-After", "99999"),
    ])
    .await;
    let url = format!("{}/send", server.uri());
    let started = std::time::Instant::now();
    let (code, json, _) = errspec_async(
        ["request", "topmail", "--url", &url, "--method", "POST"]
            .map(String::from)
            .to_vec(),
    )
    .await;
    assert_eq!(code, 1);
    assert!(started.elapsed() < std::time::Duration::from_secs(30));
    assert_eq!(json["attempts"].as_array().unwrap().len(), 1);
    assert_eq!(seq.seen.lock().unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn request_without_key_does_not_repeat_an_ambiguous_504() {
    let (server, seq) = server(vec![ResponseTemplate::new(504).set_body_raw(
        r#"{"error_code":504,"error":"timeout","message":"m","request_id":"r"}"#,
        "application/json",
    )])
    .await;
    let url = format!("{}/send", server.uri());
    let (code, json, _) = errspec_async(
        [
            "request",
            "qboxmail/send",
            "--url",
            &url,
            "--method",
            "POST",
            "--max-attempts",
            "5",
        ]
        .map(String::from)
        .to_vec(),
    )
    .await;
    assert_eq!(code, 1);
    assert_eq!(json["idempotency_key"], Value::Null);
    assert_eq!(json["attempts"][0]["retry"], "ambiguous");
    assert_eq!(seq.seen.lock().unwrap().len(), 1);
}

/// A closed output pipe (`errspec list | head -1`) ends the program quietly:
/// no panic, the exit code it would have had.
#[test]
fn a_closed_output_pipe_is_not_a_panic() {
    for args in [
        &["list"][..],
        &["help"],
        &["classify", "topmail", "--status", "429"],
    ] {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let out = Command::new(env!("CARGO_BIN_EXE_errspec"))
            .args(args)
            .stdout(writer)
            .stderr(std::process::Stdio::piped())
            .output()
            .expect("run errspec");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
        assert!(stderr.is_empty(), "{args:?}: {stderr}");
    }
}

/// A server that accepts the connection and never answers: the attempt is
/// cut at `--timeout`, reported as possibly sent, and a POST without a key
/// is not sent again.
#[tokio::test(flavor = "multi_thread")]
async fn request_times_out_on_a_server_that_never_answers() {
    let accepted = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let count = std::sync::Arc::clone(&accepted);
    let addr = errspec_testkit::serve(move |_, socket| {
        count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Box::pin(errspec_testkit::hang(socket))
    })
    .await;
    let (code, json, stderr) = errspec_async(vec![
        "request".into(),
        "qboxmail/send".into(),
        "--url".into(),
        format!("http://{addr}/send"),
        "--method".into(),
        "POST".into(),
        "--timeout".into(),
        "0.3".into(),
    ])
    .await;
    assert_eq!(code, 1, "{stderr}");
    let error = json["error"].as_str().unwrap_or_default();
    assert!(
        error.contains("timed out") && error.contains("may have been sent"),
        "{json}"
    );
    assert_eq!(json["attempts"].as_array().map(Vec::len), Some(1), "{json}");
    assert_eq!(accepted.load(std::sync::atomic::Ordering::SeqCst), 1);
}

/// `request` follows no redirect: a 307 to another origin comes back as the
/// result, and the other origin sees nothing (no API key, no idempotency
/// key, no `Referer` with the query).
#[tokio::test(flavor = "multi_thread")]
async fn request_does_not_follow_redirects() {
    let elsewhere = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&elsewhere)
        .await;
    let origin = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/send"))
        .respond_with(
            ResponseTemplate::new(307).insert_header("location", format!("{}/x", elsewhere.uri())),
        )
        .mount(&origin)
        .await;
    let (code, json, stderr) = errspec_async(vec![
        "request".into(),
        "topmail".into(),
        "--url".into(),
        format!("{}/send?api_key=sk_query", origin.uri()),
        "--method".into(),
        "POST".into(),
        "--header".into(),
        "X-Api-Key: sk_header".into(),
        "--body".into(),
        "{}".into(),
    ])
    .await;
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(json["status"], 307, "{json}");
    assert_eq!(origin.received_requests().await.unwrap().len(), 1);
    assert!(elsewhere.received_requests().await.unwrap().is_empty());
}

/// `RUST_LOG` turns on log events, on stderr only (stdout stays one JSON
/// value), and they hold no secret: not the API key header, not the query.
#[tokio::test(flavor = "multi_thread")]
async fn rust_log_writes_redacted_events_to_stderr() {
    let (server, _) = server(vec![
        topmail_error(500, "internal"),
        ResponseTemplate::new(200),
    ])
    .await;
    let run = |rust_log: Option<&'static str>| {
        let url = format!("{}/send?api_key=sk_query_7Hq2", server.uri());
        tokio::task::spawn_blocking(move || {
            let mut command = Command::new(env!("CARGO_BIN_EXE_errspec"));
            command.args([
                "request",
                "topmail",
                "--url",
                &url,
                "--method",
                "POST",
                "--header",
                "X-Api-Key: sk_header_9Zx",
                "--header",
                "Authorization: Bearer sk_bearer_4Rt",
                "--body",
                "{}",
            ]);
            command.env_remove("RUST_LOG");
            if let Some(value) = rust_log {
                command.env("RUST_LOG", value);
            }
            let out = command.output().unwrap();
            (
                String::from_utf8_lossy(&out.stdout).into_owned(),
                String::from_utf8_lossy(&out.stderr).into_owned(),
            )
        })
    };
    let (stdout, quiet) = run(None).await.unwrap();
    assert!(quiet.is_empty(), "no events without RUST_LOG: {quiet}");
    assert!(serde_json::from_str::<Value>(&stdout).is_ok());
    let (stdout, logged) = run(Some("trace")).await.unwrap();
    assert!(
        serde_json::from_str::<Value>(&stdout).is_ok(),
        "stdout is only JSON: {stdout}"
    );
    assert!(logged.contains("errspec::client"), "{logged}");
    for secret in ["sk_query_7Hq2", "sk_header_9Zx", "sk_bearer_4Rt"] {
        assert!(!logged.contains(secret), "{secret} in the log:\n{logged}");
    }
}
