//! Spec language 2, failures inside a 2xx: catalogs in `tests/specs/valid/`
//! for Slack (`200 {"ok": false, "error": …}`) and Shopify's GraphQL Admin
//! API (`200 {"errors": [{"extensions": {"code": …}}]}`), expanded with
//! `catalog!`, decode their documented responses as the catalogs say and
//! as the interpreter does; the shipped Postmark and Resend catalogs read
//! their batch results into classified item failures.

use std::path::Path;

use errspec::registry::ApiEntry;
use errspec::{ApiError, BatchFailure, RetryClass};
use http::{HeaderMap, StatusCode};

#[path = "support/outcome.rs"]
mod outcome;
use outcome::{check_examples, load};

mod catalogs {
    errspec::catalog!("specs/valid/slack-success-body.yaml");
    errspec::catalog!("specs/valid/shopify-graphql-errors.yaml");
}
use catalogs::*;

const EXPANDED: &[(&str, ApiEntry)] = &[
    (
        "slack-success-body",
        ApiEntry::of::<slack_success_body::Error>(),
    ),
    (
        "shopify-graphql-errors",
        ApiEntry::of::<shopify_graphql_errors::Error>(),
    ),
];

#[test]
fn every_example_decodes_as_documented_through_catalog_and_interpreter() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("specs/valid");
    let mut ran = 0;
    let mut failures = Vec::new();
    for (name, entry) in EXPANDED {
        let catalog = load(&root.join(format!("{name}.yaml")));
        let api = &catalog.apis[0];
        ran += check_examples(name, api, entry, &mut failures);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(ran >= 8, "{ran} examples");
}

#[test]
fn a_slack_failure_inside_a_200_is_that_apis_error() {
    use slack_success_body::{Code, Error};
    let none = HeaderMap::new();
    let e = Error::check_success(
        StatusCode::OK,
        &none,
        br#"{"ok":false,"error":"ratelimited"}"#,
    )
    .expect("a failure");
    assert_eq!(e.code(), Some(&Code::Ratelimited));
    assert_eq!(e.retry_class(), RetryClass::Throttled);
    assert_eq!(e.http_status(), StatusCode::OK);
    // A code the catalog does not list takes the listed 200's class.
    let e = Error::check_success(StatusCode::OK, &none, br#"{"ok":false,"error":"no_text"}"#)
        .expect("a failure");
    assert!(matches!(e.code(), Some(Code::Unknown(c)) if c == "no_text"));
    assert_eq!(e.retry_class(), RetryClass::Never);
    // Successes, and bodies that say nothing, are not failures.
    for body in [
        &br#"{"ok":true,"ts":"1503435956.000247"}"#[..],
        b"{}",
        b"",
        b"<html>",
        br#"{"ok":null,"error":"x"}"#,
    ] {
        assert!(Error::check_success(StatusCode::OK, &none, body).is_none());
    }
    // An error status is decoded as such, not judged as a 2xx.
    let body = br#"{"ok":false,"error":"ratelimited"}"#;
    assert!(Error::check_success(StatusCode::TOO_MANY_REQUESTS, &none, body).is_none());
}

#[test]
fn a_graphql_errors_array_is_a_failure_whatever_else_the_body_has() {
    use shopify_graphql_errors::{Code, Error};
    let none = HeaderMap::new();
    let partial = br#"{"data":{"shop":null},"errors":[{"message":"Internal error","extensions":{"code":"INTERNAL_SERVER_ERROR"}}]}"#;
    let e = Error::check_success(StatusCode::OK, &none, partial).expect("a failure");
    assert_eq!(e.code(), Some(&Code::InternalServerError));
    assert_eq!(e.retry_class(), RetryClass::Ambiguous);
    assert_eq!(e.message(), Some("Internal error"));
    let data = br#"{"data":{"shop":{"name":"x"}},"errors":null}"#;
    assert!(Error::check_success(StatusCode::OK, &none, data).is_none());
}

#[test]
fn postmark_batch_results_are_classified_item_failures() {
    use errspec_providers::postmark::Error;
    let body = br#"[
        {"ErrorCode":0,"Message":"OK","MessageID":"b7bc2f4a","To":"a@example.com"},
        {"ErrorCode":300,"Message":"Invalid 'To' address: 'nope'."},
        {"ErrorCode":429,"Message":"Rate limit exceeded."},
        {"ErrorCode":424242,"Message":"Something new."}
    ]"#;
    let failures = Error::batch_failures(StatusCode::OK, &HeaderMap::new(), body);
    let expected = vec![
        BatchFailure::new(1, RetryClass::Never)
            .with_code("300", true)
            .with_message("Invalid 'To' address: 'nope'."),
        BatchFailure::new(2, RetryClass::Throttled)
            .with_code("429", true)
            .with_message("Rate limit exceeded."),
        BatchFailure::new(3, RetryClass::Never)
            .with_code("424242", false)
            .with_message("Something new."),
    ];
    assert_eq!(failures, expected);
    // The whole request's error (a 422) has no per-item results.
    let one = br#"{"ErrorCode":410,"Message":"Too many batch messages."}"#;
    assert!(
        Error::batch_failures(StatusCode::UNPROCESSABLE_ENTITY, &HeaderMap::new(), one).is_empty()
    );
    // Postmark has no success predicate: a batch is delivered.
    assert!(Error::check_success(StatusCode::OK, &HeaderMap::new(), body).is_none());
}

#[test]
fn resend_permissive_batch_errors_keep_their_request_index() {
    use errspec_providers::resend::Error;
    let body = br#"{"data":[{"id":"a"},{"id":"b"}],"errors":[{"index":2,"message":"Invalid `to` field."},{"index":4,"message":"Missing `subject`."}]}"#;
    let failures = Error::batch_failures(StatusCode::OK, &HeaderMap::new(), body);
    let indexes: Vec<(usize, RetryClass)> =
        failures.iter().map(|f| (f.index, f.retry_class)).collect();
    assert_eq!(indexes, [(2, RetryClass::Never), (4, RetryClass::Never)]);
    assert_eq!(failures[1].message.as_deref(), Some("Missing `subject`."));
    let all_sent = br#"{"data":[{"id":"a"}]}"#;
    assert!(Error::batch_failures(StatusCode::OK, &HeaderMap::new(), all_sent).is_empty());
}
