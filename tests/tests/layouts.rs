//! Spec language 2, several body layouts in one API: catalogs in
//! `tests/specs/valid/` for Azure Storage (XML, JSON and header-only bodies,
//! chosen by content type), Twilio (legacy and RFC 9457 bodies) and Google
//! (legacy `error.errors[]` and canonical bodies), both chosen by which one
//! matches. Expanded with `catalog!`, they decode the example responses
//! their docs show as the catalogs say, as the interpreter does, and as
//! the layouts' own rules say.

use std::path::Path;

use errspec::registry::ApiEntry;

#[path = "support/outcome.rs"]
mod outcome;
use http::{HeaderMap, HeaderValue, StatusCode};
use outcome::{check_examples, load};

mod catalogs {
    errspec::catalog!("specs/valid/azure-storage-layouts.yaml");
    errspec::catalog!("specs/valid/twilio-layouts.yaml");
    errspec::catalog!("specs/valid/google-legacy-layouts.yaml");
}
use catalogs::*;

/// The catalogs of this file, by spec file, with their expanded error type.
const EXPANDED: &[(&str, ApiEntry)] = &[
    (
        "azure-storage-layouts",
        ApiEntry::of::<azure_storage_layouts::Error>(),
    ),
    ("twilio-layouts", ApiEntry::of::<twilio_layouts::Error>()),
    (
        "google-legacy-layouts",
        ApiEntry::of::<google_legacy_layouts::Error>(),
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
        assert_eq!(
            errspec_codegen::interpret::layout(api).alternatives().len(),
            api.layouts().count()
        );
        ran += check_examples(name, api, entry, &mut failures);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(ran >= 10, "{ran} examples");
}

fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
    let mut h = HeaderMap::new();
    for (k, v) in pairs {
        h.append(*k, HeaderValue::from_str(v).expect("header value"));
    }
    h
}

#[test]
fn azure_layouts_follow_the_content_type() {
    use azure_storage_layouts::{Code, Error};
    let xml = "<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>AuthenticationFailed</Code>\
               <Message>Server failed to authenticate the request.</Message>\
               <AuthenticationErrorDetail>Signature did not match.</AuthenticationErrorDetail></Error>";
    let e = Error::decode(
        StatusCode::FORBIDDEN,
        &headers(&[("content-type", "application/xml")]),
        xml.as_bytes(),
    );
    assert_eq!(e.code(), Some(&Code::AuthenticationFailed));
    assert_eq!(
        e.extras().authentication_error_detail(),
        Some("Signature did not match.")
    );
    // The header comes first in the code's chain.
    let e = Error::decode(
        StatusCode::SERVICE_UNAVAILABLE,
        &headers(&[
            ("content-type", "text/xml"),
            ("x-ms-error-code", "ServerBusy"),
        ]),
        xml.as_bytes(),
    );
    assert_eq!(e.code(), Some(&Code::ServerBusy));
    assert_eq!(e.retry_class(), errspec::RetryClass::Backoff);
    // The same XML under another content type is not read as XML: the
    // fallback layout reads the header only and keeps a snippet.
    let e = Error::decode(
        StatusCode::FORBIDDEN,
        &headers(&[("content-type", "text/html")]),
        xml.as_bytes(),
    );
    assert_eq!(e.code(), None);
    assert_eq!(e.message(), None);
    assert!(e.raw().is_some_and(|r| r.starts_with("<?xml")));
}

#[test]
fn twilio_layouts_follow_which_one_matches() {
    use twilio_layouts::{Code, Error};
    let problem = br#"{"type":"https://www.twilio.com/docs/api/errors/20429","title":"Too many requests","status":429,"code":20429}"#;
    let e = Error::decode(StatusCode::TOO_MANY_REQUESTS, &HeaderMap::new(), problem);
    assert_eq!(e.code(), Some(&Code::Code20429));
    assert_eq!(e.message(), Some("Too many requests"));
    // An extra written in both layouts reads the pointer of whichever is there.
    assert_eq!(
        e.extras().more_info(),
        Some("https://www.twilio.com/docs/api/errors/20429")
    );
    let legacy = br#"{"code":20429,"message":"Too Many Requests","more_info":"https://www.twilio.com/docs/errors/20429","status":429}"#;
    let e = Error::decode(StatusCode::TOO_MANY_REQUESTS, &HeaderMap::new(), legacy);
    assert_eq!(e.message(), Some("Too Many Requests"));
    assert_eq!(
        e.extras().more_info(),
        Some("https://www.twilio.com/docs/errors/20429")
    );
}

#[test]
fn google_legacy_reason_outranks_the_canonical_status() {
    use google_legacy_layouts::{Code, Error};
    // Both shapes in one body: the legacy layout matches first.
    let both = br#"{"error":{"code":403,"message":"Rate Limit Exceeded","status":"PERMISSION_DENIED","errors":[{"domain":"usageLimits","reason":"userRateLimitExceeded","message":"Rate Limit Exceeded"}]}}"#;
    let e = Error::decode(StatusCode::FORBIDDEN, &HeaderMap::new(), both);
    assert_eq!(e.code(), Some(&Code::UserRateLimitExceeded));
    assert_eq!(e.extras().domain(), Some("usageLimits"));
    assert_eq!(e.retry_class(), errspec::RetryClass::Backoff);
    let canonical = br#"{"error":{"code":403,"message":"denied","status":"PERMISSION_DENIED"}}"#;
    let e = Error::decode(StatusCode::FORBIDDEN, &HeaderMap::new(), canonical);
    assert_eq!(e.code(), Some(&Code::PermissionDenied));
    assert_eq!(e.extras().domain(), None);
    assert_eq!(e.retry_class(), errspec::RetryClass::Never);
}
