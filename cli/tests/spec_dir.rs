//! `classify` and `request` with `--spec-dir`: an API read from a directory
//! of specs, through its model, with no generated code.
#![allow(missing_docs)]

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

fn errspec(args: &[String]) -> (i32, Value, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_errspec"))
        .args(args)
        .output()
        .expect("run errspec");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let json = serde_json::from_str(&stdout).unwrap_or(Value::Null);
    (out.status.code().unwrap_or(-1), json, stderr)
}

fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|a| a.to_string()).collect()
}

fn repo_specs() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec")
}

/// Every documented example of every checked-in catalog classifies the same
/// through the model (`--spec-dir spec`) as through the generated crate:
/// every field of the JSON.
#[test]
fn spec_dir_classify_matches_the_generated_crate_on_every_example() {
    let dir = repo_specs();
    let mut compared = 0;
    for file in errspec_codegen::project::read_specs(&dir).unwrap() {
        let Ok(loaded) = errspec_codegen::load_catalog(&file) else {
            panic!("{} does not load", file.name);
        };
        let provider = &loaded.catalog.provider.value;
        for api in &loaded.catalog.apis {
            for example in &api.examples {
                let mut args = strings(&[
                    "classify",
                    &format!("{provider}/{}", api.name.value),
                    "--status",
                    &example.status.to_string(),
                    "--now",
                    &example.now.to_string(),
                    "--body",
                    &example.body,
                ]);
                for (name, value) in &example.headers {
                    args.extend(["--header".into(), format!("{name}: {value}")]);
                }
                let (code, built_in, stderr) = errspec(&args);
                assert_eq!(code, 0, "{stderr}");
                args.extend(["--spec-dir".into(), dir.display().to_string()]);
                let (code, from_spec, stderr) = errspec(&args);
                assert_eq!(code, 0, "{stderr}");
                assert_eq!(
                    from_spec, built_in,
                    "{provider}/{} example `{}`",
                    api.name.value, example.name
                );
                compared += 1;
            }
        }
    }
    assert!(compared >= 20, "only {compared} examples");
}

/// A failure inside a 200 (`success.failure_when`) classifies as the
/// error it is, through the model.
#[test]
fn spec_dir_classify_says_a_failure_inside_a_200_is_one() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/specs/valid");
    let classify = |body: &str| {
        let args = strings(&[
            "classify",
            "slack_success_body",
            "--status",
            "200",
            "--body",
            body,
            "--spec-dir",
            &dir.display().to_string(),
        ]);
        let (code, json, stderr) = errspec(&args);
        assert_eq!(code, 0, "{stderr}");
        json
    };
    let json = classify(r#"{"ok":false,"error":"ratelimited"}"#);
    assert_eq!(json["success"], false);
    assert_eq!(json["code"], "ratelimited");
    assert_eq!(json["retry"], "throttled");
    assert_eq!(json["decided_by"], "code");
    let json = classify(r#"{"ok":true}"#);
    assert_eq!(json["success"], true);
}

/// A spec of its own in a temporary directory: gen, check, docs, classify
/// and request all run on it.
#[tokio::test]
async fn every_command_runs_on_a_spec_directory_of_its_own() {
    let root = std::env::temp_dir().join(format!("errspec-spec-dir-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let specs = root.join("myspecs");
    std::fs::create_dir_all(&specs).unwrap();
    std::fs::write(specs.join("widgets.yaml"), WIDGETS).unwrap();
    let dir = specs.display().to_string();
    let out = root.join("errors").display().to_string();
    let docs = root.join("docs").display().to_string();

    let run = |args: Vec<String>| async move {
        tokio::task::spawn_blocking(move || errspec(&args))
            .await
            .unwrap()
    };
    let (code, _, stderr) = run(strings(&["gen", &dir, "--out", &out])).await;
    assert_eq!(code, 0, "{stderr}");
    assert!(Path::new(&out).join("widgets.rs").is_file());
    let (code, _, stderr) = run(strings(&["check", &dir, "--out", &out])).await;
    assert_eq!(code, 0, "{stderr}");
    let (code, _, stderr) = run(strings(&["docs", &dir, "--docs", &docs])).await;
    assert_eq!(code, 0, "{stderr}");
    assert!(Path::new(&docs).join("widgets.md").is_file());

    let (code, json, stderr) = run(strings(&[
        "classify",
        "widgets",
        "--spec-dir",
        &dir,
        "--status",
        "429",
        "--header",
        "Retry-After: 2",
        "--body",
        r#"{"error":{"code":"slow_down","message":"later"}}"#,
    ]))
    .await;
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(json["provider"], "widgets");
    assert_eq!(json["api"], "api");
    assert_eq!(json["code"], "slow_down");
    assert_eq!(json["variant"], "SlowDown");
    assert_eq!(json["known"], true);
    assert_eq!(json["retry"], "throttled");
    assert_eq!(json["decision"]["delay_ms"], 2000);

    // Not a built-in provider: without --spec-dir it is unknown.
    let (code, _, stderr) = run(strings(&["classify", "widgets", "--status", "429"])).await;
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("unknown provider `widgets`"), "{stderr}");

    // request: 503 then 200, one key on both attempts.
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(503)
                .set_body_string(r#"{"error":{"code":"down","message":"down"}}"#),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_string("{}"))
        .mount(&server)
        .await;
    let (code, json, stderr) = run(strings(&[
        "request",
        "widgets/api",
        "--spec-dir",
        &dir,
        "--url",
        &format!("{}/v1/widgets", server.uri()),
        "--method",
        "POST",
        "--body",
        "{}",
    ]))
    .await;
    assert_eq!(code, 0, "{json} {stderr}");
    assert_eq!(json["ok"], true);
    assert_eq!(json["attempts"][0]["status"], 503);
    assert_eq!(json["attempts"][0]["code"], "down");
    assert_eq!(json["attempts"][0]["retry"], "backoff");
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 2);
    let keys: Vec<_> = requests
        .iter()
        .map(|r| r.headers.get("idempotency-key").cloned())
        .collect();
    assert!(keys[0].is_some() && keys[0] == keys[1], "{keys:?}");
    assert_eq!(
        json["idempotency_key"].as_str(),
        keys[0].as_ref().and_then(|k| k.to_str().ok())
    );

    // A spec with an error: its diagnostics, exit 1.
    std::fs::write(
        specs.join("widgets.yaml"),
        WIDGETS.replace("retry: throttled", "retry: soon"),
    )
    .unwrap();
    let (code, _, stderr) = run(strings(&[
        "classify",
        "widgets",
        "--spec-dir",
        &dir,
        "--status",
        "429",
    ]))
    .await;
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("widgets.yaml"), "{stderr}");
    let _ = std::fs::remove_dir_all(&root);
}

const WIDGETS: &str = "\
provider: widgets
title: Widgets
as_of: 2026-12-01
apis:
  api:
    title: Widgets API
    body:
      code:
        pointer: /error/code
      message: /error/message
    headers:
      retry_after: Retry-After
    idempotency:
      header: Idempotency-Key
    defaults:
      4xx: never
      5xx: backoff
    statuses:
      429:
        meaning: Too many requests.
        retry: throttled
      503:
        meaning: Down for a moment.
        retry: backoff
    codes:
      slow_down:
        status: 429
        description: Slow down.
      down:
        status: 503
        description: Down for a moment.
";
