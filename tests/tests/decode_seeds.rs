//! Every code of every seed catalog decodes to its variant, with message,
//! request id, field errors and retry class, from a body in the provider's
//! documented layout. Each API also survives an unknown code, an unknown
//! status, an empty body, an HTML body and truncated JSON.
//!
//! The codes are enumerated from the specs (through the generator's
//! loader), so a code added to a spec is tested without touching this file;
//! for the seed catalogs the bodies are written here by hand, from each
//! provider's documentation, so a wrong pointer in a spec fails. Any other
//! catalog gets the response its docs page shows for each code (built from
//! its layout), and the generated type must decode it to the code's
//! variant and class, and to what the interpreter (the runtime decoder
//! over the model) finds; its documented examples are checked in
//! `examples.rs`.

use std::time::{Duration, UNIX_EPOCH};

use errspec::registry::{ApiEntry, DynApiError};
use errspec::{FieldError, RateLimitReset, RetryAfter, RetryClass};
use errspec_codegen::model::{self, Api};
use errspec_providers::{APIS, artmail, qboxmail, topmail};

#[path = "support/outcome.rs"]
mod outcome;
use http::{HeaderMap, HeaderValue, StatusCode};
use outcome::spec_catalogs;

fn entry(provider: &str, api: &str) -> &'static ApiEntry {
    APIS.iter()
        .find(|e| e.provider == provider && e.api == api)
        .unwrap_or_else(|| panic!("{provider}/{api} is not in errspec_providers::APIS"))
}

fn status(n: u16) -> StatusCode {
    StatusCode::from_u16(n).unwrap()
}

fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in pairs {
        map.insert(*name, HeaderValue::from_str(value).unwrap());
    }
    map
}

fn field(name: &str, message: &str) -> FieldError {
    FieldError::new(name).with_message(message)
}

/// What one decoded response must show.
struct Expect<'a> {
    variant: &'a str,
    code: Option<&'a str>,
    message: Option<&'a str>,
    request_id: Option<&'a str>,
    field_errors: Vec<FieldError>,
    class: RetryClass,
    known: bool,
}

fn check(what: &str, e: &dyn DynApiError, want: Expect<'_>) {
    assert_eq!(e.variant_name(), want.variant, "{what}: variant");
    assert_eq!(e.code().as_deref(), want.code, "{what}: code");
    assert_eq!(e.message(), want.message, "{what}: message");
    assert_eq!(e.request_id(), want.request_id, "{what}: request id");
    assert_eq!(e.field_errors(), want.field_errors, "{what}: field errors");
    assert_eq!(e.retry_class(), want.class, "{what}: retry class");
    assert_eq!(e.is_known(), want.known, "{what}: known");
}

/// A response in the API's documented layout for one code (or, for an API
/// without codes, one status), with what it must decode to.
struct Case {
    headers: HeaderMap,
    body: String,
    message: String,
    request_id: Option<String>,
    field_errors: Vec<FieldError>,
}

const RESET: u64 = 1_795_521_600;

/// A hand-written case for the seed catalogs; `None` for any other catalog.
fn case(provider: &str, api: &Api, code: Option<&str>, status: u16, message: &str) -> Option<Case> {
    let json = |v: &str| serde_json::to_string(v).unwrap();
    let mut c = Case {
        headers: HeaderMap::new(),
        body: String::new(),
        message: message.to_owned(),
        request_id: None,
        field_errors: Vec::new(),
    };
    match (provider, api.name.value.as_str()) {
        // {"error": {"code", "message", "path"}}; `path` only on validation errors.
        ("topmail", "api") => {
            let code = code.unwrap();
            c.body = if status == 400 {
                c.field_errors = vec![field("from_email", message)];
                format!(
                    r#"{{"error":{{"code":{},"message":{},"path":"from_email"}}}}"#,
                    json(code),
                    json(message)
                )
            } else {
                format!(
                    r#"{{"error":{{"code":{},"message":{}}}}}"#,
                    json(code),
                    json(message)
                )
            };
        }
        // {"error": message, "code", "details"}; rate limits in headers.
        ("artmail", "api") => {
            c.body = format!(
                r#"{{"error":{},"code":{},"details":[{{"field":"to","issue":"invalid"}}]}}"#,
                json(message),
                json(code.unwrap())
            );
            if status == 429 {
                c.headers = headers(&[
                    ("retry-after", "7"),
                    ("x-ratelimit-limit", "100"),
                    ("x-ratelimit-remaining", "0"),
                    ("x-ratelimit-reset", &RESET.to_string()),
                ]);
            }
        }
        // {"error_code": status, "message", "error": code, "request_id"}.
        ("qboxmail", "send") => {
            let id = format!("req-{status}-{}", code.unwrap());
            c.body = format!(
                r#"{{"error_code":{status},"message":{},"error":{},"request_id":{}}}"#,
                json(message),
                json(code.unwrap()),
                json(&id)
            );
            c.request_id = Some(id);
        }
        // {"message", "errors": [{"field", "description"}]}, no code.
        ("qboxmail", "management") => {
            c.body = format!(
                r#"{{"message":{},"errors":[{{"field":"name","description":"is required"}},{{"field":"quota","description":"must be positive"}}]}}"#,
                json(message)
            );
            c.field_errors = vec![
                field("name", "is required"),
                field("quota", "must be positive"),
            ];
        }
        _ => return None,
    }
    Some(c)
}

/// For a catalog without a hand-written case: the docs page's response for
/// `code` (or a status-level error) at `status`, decoded by the generated
/// type and by the interpreter; they must agree on every part, and the
/// generated type must give `variant` and `class`.
fn check_like_interpreter(
    what: &str,
    entry: &ApiEntry,
    api: &Api,
    code: Option<&model::Code>,
    s: u16,
    variant: &str,
    expected: RetryClass,
) {
    let response = errspec_codegen::example::example_response(api, code, s);
    let example = model::Example {
        name: what.to_owned(),
        sources: Vec::new(),
        now: 0,
        status: s,
        headers: response.headers.clone(),
        body: response.body.clone(),
        body_is_json: false,
        expect: model::Expect::default(),
        span: api.span,
    };
    let (st, headers, body) = errspec_codegen::interpret::response(&example);
    let e = (entry.decode)(st, &headers, &body);
    let interpreted =
        errspec_codegen::interpret::decode(api, errspec_codegen::interpret::layout(api), &example);
    assert_eq!(e.variant_name(), variant, "{what}: variant");
    assert_eq!(e.retry_class(), expected, "{what}: retry class");
    assert!(e.is_known(), "{what}: known");
    assert_eq!(
        e.code().map(|c| c.into_owned()),
        interpreted.code,
        "{what}: code"
    );
    assert_eq!(
        e.message(),
        interpreted.message.as_deref(),
        "{what}: message"
    );
    assert_eq!(
        e.request_id(),
        interpreted.request_id.as_deref(),
        "{what}: request id"
    );
    let fields: Vec<(String, Option<String>)> = e
        .field_errors()
        .iter()
        .map(|f| {
            (
                f.field.to_string(),
                f.message.as_ref().map(|m| m.to_string()),
            )
        })
        .collect();
    assert_eq!(fields, interpreted.field_errors, "{what}: field errors");
    let readable = api.body.format == model::BodyFormat::Json
        || matches!(api.body.code, Some(model::CodeSource::Header(_)));
    if let (Some(c), true) = (code, readable) {
        assert_eq!(
            e.code().as_deref(),
            Some(c.value.to_string().as_str()),
            "{what}: code text"
        );
    }
}

#[test]
fn every_seed_code_decodes_to_its_variant() {
    let mut checked = 0;
    for catalog in spec_catalogs() {
        let provider = catalog.provider.value.as_str();
        for api in &catalog.apis {
            let entry = entry(provider, &api.name.value);
            for code in &api.codes {
                let text = code.value.to_string();
                for &s in &code.statuses {
                    let message = format!("{} ({s})", code.description);
                    let expected = code.retry.unwrap_or_else(|| api.status_class(s));
                    let Some(c) = case(provider, api, Some(&text), s, &message) else {
                        check_like_interpreter(
                            &format!("{provider}/{} code {text} at {s}", api.name.value),
                            entry,
                            api,
                            Some(code),
                            s,
                            &code.variant,
                            expected,
                        );
                        checked += 1;
                        continue;
                    };
                    let e = (entry.decode)(status(s), &c.headers, c.body.as_bytes());
                    check(
                        &format!("{provider}/{} code {text} at {s}", api.name.value),
                        &*e,
                        Expect {
                            variant: &code.variant,
                            code: Some(&text),
                            message: Some(&c.message),
                            request_id: c.request_id.as_deref(),
                            field_errors: c.field_errors,
                            class: expected,
                            known: true,
                        },
                    );
                    checked += 1;
                }
            }
            if !api.has_codes() {
                for row in &api.statuses {
                    let Some(c) = case(provider, api, None, row.status, &row.meaning) else {
                        check_like_interpreter(
                            &format!("{provider}/{} status {}", api.name.value, row.status),
                            entry,
                            api,
                            None,
                            row.status,
                            &row.variant,
                            row.retry,
                        );
                        checked += 1;
                        continue;
                    };
                    let e = (entry.decode)(status(row.status), &c.headers, c.body.as_bytes());
                    check(
                        &format!("{provider}/{} status {}", api.name.value, row.status),
                        &*e,
                        Expect {
                            variant: &row.variant,
                            code: None,
                            message: Some(&c.message),
                            request_id: None,
                            field_errors: c.field_errors,
                            class: row.retry,
                            known: true,
                        },
                    );
                    checked += 1;
                }
            }
        }
    }
    // 15 TopMail + 13 Artmail + 1 Qboxmail send codes, 5 Qboxmail management statuses.
    assert!(checked >= 34, "only {checked} cases");
}

#[test]
fn every_api_survives_unknown_codes_statuses_and_bad_bodies() {
    for catalog in spec_catalogs() {
        let provider = catalog.provider.value.as_str();
        for api in &catalog.apis {
            let name = format!("{provider}/{}", api.name.value);
            let entry = entry(provider, &api.name.value);
            let listed = api.statuses.first().map_or(400, |s| s.status);

            // An unknown code at a listed status: `Unknown`, the status's class.
            if let Some(c) = api
                .has_codes()
                .then(|| case(provider, api, Some("no_such_code_42"), listed, "new"))
                .flatten()
            {
                let e = (entry.decode)(status(listed), &c.headers, c.body.as_bytes());
                check(
                    &format!("{name}: unknown code"),
                    &*e,
                    Expect {
                        variant: "Unknown",
                        code: Some("no_such_code_42"),
                        message: Some("new"),
                        request_id: c.request_id.as_deref(),
                        field_errors: c.field_errors,
                        class: api.status_class(listed),
                        known: false,
                    },
                );
            }

            // Unknown statuses: the defaults.
            for (s, default) in [
                (418, api.defaults.client_error),
                (599, api.defaults.server_error),
            ] {
                assert!(api.statuses.iter().all(|row| row.status != s));
                let e = (entry.decode)(status(s), &HeaderMap::new(), b"");
                assert_eq!(e.status(), Some(status(s)), "{name}: {s}");
                assert_eq!(e.variant_name(), "Other", "{name}: {s}");
                assert_eq!(e.retry_class(), default, "{name}: {s}");
                assert!(!e.is_known(), "{name}: {s}");
            }

            // Bodies that are not the documented JSON: a status-level error.
            let html = b"<html><body><h1>502 Bad Gateway</h1></body></html>";
            for (what, body) in [
                ("empty body", &b""[..]),
                ("HTML body", &html[..]),
                ("truncated JSON", &br#"{"error":{"code":"rate_lim"#[..]),
            ] {
                let e = (entry.decode)(status(listed), &HeaderMap::new(), body);
                let row = api.statuses.iter().find(|r| r.status == listed).unwrap();
                check(
                    &format!("{name}: {what}"),
                    &*e,
                    Expect {
                        variant: &row.variant,
                        code: None,
                        message: None,
                        request_id: None,
                        field_errors: Vec::new(),
                        class: row.retry,
                        known: !api.has_codes(),
                    },
                );
                let raw = e.to_string();
                assert!(
                    raw.starts_with(&listed.to_string()),
                    "{name}: {what}: {raw}"
                );
            }
        }
    }
}

#[test]
fn typed_errors_of_each_provider() {
    // TopMail: validation error with the offending path.
    let body = br#"{"error":{"code":"missing_from_email","message":"from_email is required","path":"from_email"}}"#;
    let e = topmail::Error::decode(status(400), &HeaderMap::new(), body);
    assert_eq!(e.code(), Some(&topmail::Code::MissingFromEmail));
    assert_eq!(e.status(), topmail::Status::BadRequest);
    assert_eq!(
        e.field_errors(),
        [field("from_email", "from_email is required")]
    );
    assert_eq!(e.retry_class(), RetryClass::Never);
    assert_eq!(
        e.to_string(),
        "400 Bad Request [missing_from_email]: from_email is required"
    );
    let e = topmail::Error::decode(
        status(429),
        &headers(&[("retry-after", "30")]),
        br#"{"error":{"code":"rate_limited","message":"slow down"}}"#,
    );
    assert_eq!(e.code(), Some(&topmail::Code::RateLimited));
    assert_eq!(e.retry_after(), Some(RetryAfter::Seconds(30)));
    assert_eq!(e.retry_class(), RetryClass::Throttled);

    // Artmail: rate limited, with every rate-limit header.
    let e = artmail::Error::decode(
        status(429),
        &headers(&[
            ("retry-after", "7"),
            ("x-ratelimit-limit", "100"),
            ("x-ratelimit-remaining", "0"),
            ("x-ratelimit-reset", &RESET.to_string()),
        ]),
        br#"{"error":"Too many requests","code":"RATE_LIMITED"}"#,
    );
    assert_eq!(e.code(), Some(&artmail::Code::RateLimited));
    assert_eq!(e.message(), Some("Too many requests"));
    let hints = e.delay_hints();
    assert_eq!(hints.retry_after, Some(RetryAfter::Seconds(7)));
    assert_eq!(hints.rate_limit_limit, Some(100));
    assert_eq!(hints.rate_limit_remaining, Some(0));
    assert_eq!(
        hints.rate_limit_reset,
        Some(RateLimitReset::At(UNIX_EPOCH + Duration::from_secs(RESET)))
    );
    assert_eq!(e.retry_class(), RetryClass::Throttled);
    assert_eq!(
        "INVALID_KEY".parse::<artmail::Code>(),
        Ok(artmail::Code::InvalidKey)
    );
    assert_eq!(artmail::Code::InvalidKey.as_str(), "INVALID_KEY");

    // Qboxmail send: the request id from the body; 504 is ambiguous.
    let e = qboxmail::send::Error::decode(
        status(400),
        &HeaderMap::new(),
        br#"{"error_code":400,"message":"no messages","error":"missing_send_payload","request_id":"r-9"}"#,
    );
    assert_eq!(e.code(), Some(&qboxmail::send::Code::MissingSendPayload));
    assert_eq!(e.request_id(), Some("r-9"));
    assert_eq!(
        e.to_string(),
        "400 Bad Request [missing_send_payload]: no messages (request id r-9)"
    );
    let e = qboxmail::send::Error::decode(status(504), &HeaderMap::new(), b"");
    assert_eq!(e.status(), qboxmail::send::Status::GatewayTimeout);
    assert_eq!(e.retry_class(), RetryClass::Ambiguous);

    // Qboxmail management: no codes; field errors from `errors`.
    let e = qboxmail::management::Error::decode(
        status(422),
        &HeaderMap::new(),
        br#"{"message":"invalid","errors":[{"field":"name","description":"is required"}]}"#,
    );
    assert_eq!(
        e.status(),
        qboxmail::management::Status::UnprocessableEntity
    );
    assert_eq!(e.field_errors(), [field("name", "is required")]);
    assert_eq!(e.variant_name(), "UnprocessableEntity");
    let e = qboxmail::management::Error::decode(status(500), &HeaderMap::new(), b"oops");
    assert_eq!(e.retry_class(), RetryClass::Ambiguous);
    assert_eq!(e.raw(), Some("oops"));
}

#[test]
fn errors_serialize_for_structured_logs() {
    let e = topmail::Error::decode(
        status(429),
        &headers(&[("retry-after", "30")]),
        br#"{"error":{"code":"rate_limited","message":"slow down"}}"#,
    );
    let json = serde_json::to_value(&e).unwrap();
    assert_eq!(json["provider"], "topmail");
    assert_eq!(json["status"], 429);
    assert_eq!(json["code"], "rate_limited");
    assert_eq!(json["variant"], "RateLimited");
    assert_eq!(json["message"], "slow down");
    assert_eq!(json["retry_class"], "throttled");
    assert_eq!(json["hints"]["retry_after"]["seconds"], 30);
}
