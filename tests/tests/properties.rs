//! Properties of the generated decoders, the retry policy and error values,
//! over generated inputs, for every API of `errspec_providers::APIS` (the
//! expected classes come from the specs, through the generator's loader):
//!
//! - decoding never panics, and an unknown (or absent) code takes the class
//!   the spec gives the status; a known code takes its own class;
//! - a throttled retry waits within [server delay, `max_server_delay`], a
//!   backoff within [0, `max_backoff`], and no request makes more attempts
//!   than `max_attempts`;
//! - `Display`, `Debug` and the serialized error never contain a header
//!   value marked sensitive, nor any header the layout does not read;
//! - the fuzz targets' seeds and regressions (`fuzz/`) still pass, and
//!   every catalog (`spec/`, the generator's fixtures) passes the
//!   whole-pipeline checks of target `pipeline`.

#[path = "../../fuzz/src/lib.rs"]
mod fuzz;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use errspec::__private::decode::decode_parts;
use errspec::__private::layout::{
    ApiLayout, BodyFormat, BodyLayout, CodeSource, CodeType, HeaderLayout, Pointer,
};
use errspec::policy::{Decision, Outcome, RetryContext, RetryPolicy, RetryReason};
use errspec::registry::{ApiEntry, DynApiError};
use errspec::{ApiError, RetryClass};
use errspec_codegen::model::{self, Api, CodeValue};
use errspec_providers::{APIS, artmail, qboxmail, topmail};
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use proptest::prelude::*;
use serde_json::{Value, json};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// One API of the providers crate with its catalog entry from the spec.
struct Case {
    entry: &'static ApiEntry,
    api: Api,
}

/// Every API of `APIS`, each matched with its spec.
fn cases() -> &'static [Case] {
    static CASES: OnceLock<Vec<Case>> = OnceLock::new();
    CASES.get_or_init(|| {
        let specs = errspec_codegen::project::read_specs(&root().join("spec")).expect("spec/");
        let catalogs: Vec<_> = specs
            .iter()
            .map(|file| match errspec_codegen::load_catalog(file) {
                Ok(loaded) => loaded.catalog,
                Err(diags) => panic!("{}", diags.render(file)),
            })
            .collect();
        APIS.iter()
            .map(|entry| {
                let api = catalogs
                    .iter()
                    .filter(|c| c.provider.value == entry.provider)
                    .flat_map(|c| &c.apis)
                    .find(|a| a.name.value == entry.api)
                    .unwrap_or_else(|| panic!("{}/{} has no spec", entry.provider, entry.api))
                    .clone();
                Case { entry, api }
            })
            .collect()
    })
}

fn class(c: model::RetryClass) -> RetryClass {
    c.as_str()
        .parse()
        .expect("the model's classes are the runtime's")
}

/// `value` placed at `segments` inside objects: `["a","b"]` → `{"a":{"b":value}}`.
fn nest(segments: &[String], value: Value) -> Value {
    segments
        .iter()
        .rev()
        .fold(value, |inner, seg| json!({ seg.as_str(): inner }))
}

/// A body in the API's layout with `code` where the code lives (in the first
/// item of the errors array, when the API has one).
fn body_with_code(api: &Api, code: Value) -> Vec<u8> {
    let Some(model::CodeSource::Body(pointer)) = &api.body.code else {
        return serde_json::to_vec(&json!({ "code": code })).unwrap();
    };
    let mut item = nest(&pointer.segments, code);
    if let Some(message) = &api.body.message {
        merge(&mut item, nest(&message.segments, json!("a message")));
    }
    let doc = match &api.body.errors {
        Some(errors) => nest(&errors.segments, json!([item])),
        None => item,
    };
    serde_json::to_vec(&doc).unwrap()
}

/// The headers of a response whose code is `code`: the code's header for
/// an API that reads it from one (SES's `x-amzn-ErrorType`), else none.
fn headers_with_code(api: &Api, code: &Value) -> HeaderMap {
    let mut headers = HeaderMap::new();
    if let Some(model::CodeSource::Header(h)) = &api.body.code {
        let text = match code {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        headers.insert(
            HeaderName::from_bytes(h.value.as_bytes()).unwrap(),
            HeaderValue::from_str(&text).unwrap(),
        );
    }
    headers
}

/// Merges object `b` into object `a`, recursively.
fn merge(a: &mut Value, b: Value) {
    match (a, b) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in b {
                match a.get_mut(&k) {
                    Some(slot) => merge(slot, v),
                    None => {
                        a.insert(k, v);
                    }
                }
            }
        }
        (a, b) => *a = b,
    }
}

/// Small arbitrary JSON values, for codes of the wrong type and whole bodies.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        "[a-z_]{0,12}".prop_map(Value::from),
        ".{0,8}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map("[a-z_]{0,6}|error|code|message|errors", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A code for `api`: one of its known codes, an unknown one, or a value of
/// any JSON type.
fn code_value(api: &Api) -> BoxedStrategy<Value> {
    let known: Vec<Value> = api
        .codes
        .iter()
        .map(|c| match &c.value {
            CodeValue::Str(s) => Value::from(s.as_str()),
            CodeValue::Int(i) => Value::from(*i),
        })
        .collect();
    let unknown = prop_oneof![
        "[a-z_]{1,16}".prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        json_value(),
    ];
    if known.is_empty() {
        unknown.boxed()
    } else {
        prop_oneof![prop::sample::select(known), unknown].boxed()
    }
}

/// A response for one API: its index in [`cases`], a status (listed or
/// any), headers and a body.
fn response() -> impl Strategy<Value = (usize, u16, Vec<u8>)> {
    (0..cases().len()).prop_flat_map(|i| {
        let api = &cases()[i].api;
        let listed: Vec<u16> = api
            .statuses
            .iter()
            .map(|s| s.status)
            .chain(api.codes.iter().flat_map(|c| c.statuses.clone()))
            .collect();
        let status = prop_oneof![prop::sample::select(listed), 100u16..1000];
        let body = prop_oneof![
            code_value(api).prop_map(move |code| body_with_code(&cases()[i].api, code)),
            json_value().prop_map(|v| serde_json::to_vec(&v).unwrap()),
            prop::collection::vec(any::<u8>(), 0..64),
            Just(b"<html><body><h1>502 Bad Gateway</h1></body></html>".to_vec()),
        ];
        (Just(i), status, body)
    })
}

fn retry_after() -> impl Strategy<Value = String> {
    prop_oneof![
        (0u64..200).prop_map(|n| n.to_string()),
        Just("99999999999999999999999".to_owned()),
        (-100_000i64..100_000).prop_map(|offset| httpdate::fmt_http_date(at(offset))),
        Just("Fri, 31 Dec 9999 23:59:59 GMT".to_owned()),
        "-[0-9]{1,4}|[0-9]{1,3}\\.[0-9]|soon|[ -~]{0,12}",
    ]
}

fn rate_limit_reset() -> impl Strategy<Value = String> {
    prop_oneof![
        (-1_000i64..1_000).prop_map(|offset| secs_since_epoch(at(offset)).to_string()),
        (0u64..1_000).prop_map(|n| (secs_since_epoch(at(0)) * 1000 + n).to_string()),
        Just("99999999999999999999999".to_owned()),
        "[0-9]{1,12}|-[0-9]{1,3}|[ -~]{0,12}",
    ]
}

/// The "now" every delay is computed from.
const NOW: u64 = 1_700_000_000;

fn at(offset: i64) -> SystemTime {
    let now = UNIX_EPOCH + Duration::from_secs(NOW);
    if offset >= 0 {
        now + Duration::from_secs(offset.unsigned_abs())
    } else {
        now - Duration::from_secs(offset.unsigned_abs())
    }
}

fn secs_since_epoch(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).unwrap().as_secs()
}

/// Delay headers, each present or not.
fn delay_headers() -> impl Strategy<Value = HeaderMap> {
    (
        prop::option::of(retry_after()),
        prop::option::of(0u64..3),
        prop::option::of(rate_limit_reset()),
    )
        .prop_map(|(retry_after, remaining, reset)| {
            let mut headers = HeaderMap::new();
            let mut put = |name: &'static str, value: String| {
                if let Ok(value) = HeaderValue::from_str(&value) {
                    headers.append(name, value);
                }
            };
            if let Some(v) = retry_after {
                put("retry-after", v);
            }
            if let Some(n) = remaining {
                put("x-ratelimit-remaining", n.to_string());
            }
            if let Some(v) = reset {
                put("x-ratelimit-reset", v);
            }
            headers
        })
}

fn policy() -> impl Strategy<Value = RetryPolicy> {
    (1u32..8, 0u64..2_000, 1.0f64..4.0, 0u64..30_000, 0u64..120).prop_map(
        |(attempts, base, multiplier, cap, max_server)| {
            RetryPolicy::builder()
                .max_attempts(attempts)
                .base_delay(Duration::from_millis(base))
                .multiplier(multiplier)
                .max_backoff(Duration::from_millis(cap))
                .max_server_delay(Duration::from_secs(max_server))
                .build()
                .unwrap()
        },
    )
}

/// The class the spec gives a decoded error: a known code's own class (its
/// override, else its status's), else the status's.
fn expected_class(api: &Api, error: &dyn DynApiError, status: u16) -> RetryClass {
    let known = error
        .is_known()
        .then(|| error.code())
        .flatten()
        .and_then(|text| {
            api.codes
                .iter()
                .find(|c| c.value.to_string() == text.as_ref())
        });
    match known {
        Some(code) => class(code.retry.unwrap_or_else(|| api.status_class(status))),
        None => class(api.status_class(status)),
    }
}

/// The bodies the properties build put the code where each API reads it, so
/// the properties are not vacuous: a known code decodes as known, another
/// as unknown, for every API with codes.
#[test]
fn generated_bodies_carry_the_code_where_the_api_reads_it() {
    for Case { entry, api } in cases() {
        let Some(first) = api.codes.first() else {
            continue;
        };
        let (known, unknown) = match &first.value {
            CodeValue::Str(s) => (Value::from(s.as_str()), Value::from("zz_not_listed")),
            CodeValue::Int(i) => (Value::from(*i), Value::from(i64::MIN)),
        };
        // A code without a documented status is tried at 400.
        let status = StatusCode::from_u16(first.statuses.first().copied().unwrap_or(400)).unwrap();
        let e = (entry.decode)(
            status,
            &headers_with_code(api, &known),
            &body_with_code(api, known),
        );
        assert!(e.is_known(), "{}/{}: {e:?}", entry.provider, entry.api);
        let e = (entry.decode)(
            status,
            &headers_with_code(api, &unknown),
            &body_with_code(api, unknown),
        );
        assert!(
            e.code().is_some() && !e.is_known(),
            "{}/{}: {e:?}",
            entry.provider,
            entry.api
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn decode_never_panics_and_unknown_codes_take_the_status_class(
        (i, status, body) in response(),
        headers in delay_headers(),
    ) {
        let Case { entry, api } = &cases()[i];
        let code = StatusCode::from_u16(status).unwrap();
        let error = (entry.decode)(code, &headers, &body);
        prop_assert_eq!(error.status(), Some(code));
        if errspec_codegen::expand::has_classifier(api) {
            // Rules and directives decide before the tables: the interpreter
            // (what `cargo xtask check` runs) is the reference.
            let layouts = errspec_codegen::interpret::layout(api);
            let decoded = errspec_codegen::interpret::decode_response(api, layouts, code, &headers, &body);
            prop_assert_eq!(error.retry_class(), class(decoded.retry));
        } else {
            prop_assert_eq!(error.retry_class(), expected_class(api, &*error, status));
            if error.code().is_none() || !error.is_known() {
                prop_assert_eq!(error.retry_class(), class(api.status_class(status)));
            }
        }
        let _ = format!("{error} {error:?}");
    }

    #[test]
    fn delays_stay_within_the_policy(
        (i, status, body) in response(),
        headers in delay_headers(),
        policy in policy(),
        attempts in 1u32..10,
        seed: u64,
    ) {
        let Case { entry, .. } = &cases()[i];
        let error = (entry.decode)(StatusCode::from_u16(status).unwrap(), &headers, &body);
        let hints = (entry.read_delay_hints)(&headers);
        let outcome = Outcome::Api { class: error.retry_class(), delay_hints: hints };
        let now = at(0);
        let mut rng = fastrand::Rng::with_seed(seed);
        let decision = policy.decide_with_rng(&RetryContext::new(&outcome, attempts).retry_safe(true).now(now), &mut rng);
        let server_delay = hints.server_delay(now);
        if let Decision::Retry { after, reason } = decision {
            prop_assert!(attempts < policy.max_attempts());
            match (error.retry_class(), server_delay) {
                (RetryClass::Throttled, Some(asked)) => {
                    prop_assert_eq!(reason, RetryReason::ServerDelay);
                    prop_assert!(after >= asked, "{after:?} < {asked:?}");
                    prop_assert!(after <= policy.max_server_delay());
                }
                (RetryClass::Never, _) => prop_assert!(false, "retried a `never` error"),
                // Never sooner than the server asked, whatever the class.
                (_, Some(asked)) => {
                    prop_assert!(after >= asked, "{after:?} < {asked:?}");
                    prop_assert!(after <= policy.max_backoff().max(policy.max_server_delay()));
                }
                _ => prop_assert!(after <= policy.max_backoff(), "{after:?}"),
            }
        }
    }

    #[test]
    fn attempts_never_exceed_the_cap(
        responses in prop::collection::vec((response(), delay_headers()), 1..12),
        policy in policy(),
        safe: bool,
        seed: u64,
    ) {
        let mut rng = fastrand::Rng::with_seed(seed);
        let mut attempts = 1;
        let mut waited = Duration::ZERO;
        for ((i, status, body), headers) in responses.iter().cycle().take(50) {
            let entry = cases()[*i].entry;
            let error = (entry.decode)(StatusCode::from_u16(*status).unwrap(), headers, body);
            let outcome = Outcome::Api { class: error.retry_class(), delay_hints: (entry.read_delay_hints)(headers) };
            match policy.decide_with_rng(&RetryContext::new(&outcome, attempts).retry_safe(safe).now(at(0)).elapsed(waited), &mut rng) {
                Decision::Retry { after, .. } => {
                    attempts += 1;
                    waited += after;
                }
                Decision::GiveUp { .. } => break,
            }
            prop_assert!(attempts <= policy.max_attempts());
        }
        let longest = policy.max_backoff().max(policy.max_server_delay());
        prop_assert!(waited <= longest * (policy.max_attempts() - 1));
    }

    #[test]
    fn errors_never_show_sensitive_or_unread_headers(
        (i, status, body) in response(),
        secrets in prop::collection::vec(("[A-Za-z0-9]{16,24}", any::<bool>()), 4),
    ) {
        // Every header a layout might read as text, and some none reads.
        let names = ["x-request-id", "x-error-code", "authorization", "x-api-key"];
        let mut headers = HeaderMap::new();
        let mut hidden = Vec::new();
        for (name, (secret, sensitive)) in names.iter().zip(&secrets) {
            let secret = format!("secret-{secret}");
            let mut value = HeaderValue::from_str(&secret).unwrap();
            value.set_sensitive(*sensitive);
            headers.insert(HeaderName::from_static(name), value);
            // Text headers a layout reads may show, unless marked sensitive.
            if *sensitive || ["authorization", "x-api-key"].contains(name) {
                hidden.push(secret);
            }
        }
        let status = StatusCode::from_u16(status).unwrap();
        let entry = cases()[i].entry;
        let shown = shown(entry, status, &headers, &body);
        // A layout that reads code and request id from those headers.
        let parts = decode_parts(&HEADER_LAYOUT, status, &headers, &body);
        let (code, details) = parts.into_details(status);
        let shown = format!(
            "{shown} {code:?} {details:?} {}",
            serde_json::to_string(&details).unwrap()
        );
        for secret in &hidden {
            prop_assert!(!shown.contains(secret.as_str()), "{secret} in {shown}");
        }
    }
}

static HEADER_LAYOUT: ApiLayout = ApiLayout {
    body: BodyLayout {
        format: BodyFormat::Json,
        errors: None,
        code: Some(CodeSource::Header("x-error-code")),
        code_type: CodeType::String,
        message: Some(Pointer(&["message"])),
        request_id: None,
        field_errors: None,
        ..BodyLayout::JSON
    },
    headers: HeaderLayout {
        retry_after: Some("retry-after"),
        request_id: Some("x-request-id"),
        rate_limit: None,
        ..HeaderLayout::NONE
    },
};

/// `Display`, `Debug` and the serialized form of the API's error type.
/// (A seed's type is named so its `Serialize` impl is exercised too.)
fn shown(entry: &ApiEntry, status: StatusCode, headers: &HeaderMap, body: &[u8]) -> String {
    fn render<E: ApiError + serde::Serialize>(s: StatusCode, h: &HeaderMap, b: &[u8]) -> String {
        let e = E::decode(s, h, b);
        format!("{e} {e:?} {}", serde_json::to_string(&e).unwrap())
    }
    match (entry.provider, entry.api) {
        ("artmail", "api") => render::<artmail::Error>(status, headers, body),
        ("qboxmail", "management") => render::<qboxmail::management::Error>(status, headers, body),
        ("qboxmail", "send") => render::<qboxmail::send::Error>(status, headers, body),
        ("topmail", "api") => render::<topmail::Error>(status, headers, body),
        // Any other catalog: `Display` and `Debug` through the registry (the
        // serialized form is the seeds' to show; it is the same code).
        _ => {
            let e = (entry.decode)(status, headers, body);
            format!("{e} {e:?}")
        }
    }
}

/// Every committed seed and regression of every fuzz target still passes.
#[test]
fn fuzz_seeds_and_regressions_pass() {
    type Target = fn(&[u8]);
    let targets: [(&str, Target); 6] = [
        ("decode", fuzz::decode_generated),
        ("decode_layout", fuzz::decode_layout),
        ("load_spec", fuzz::load_spec),
        ("delays", fuzz::delays),
        ("json_reader", fuzz::json_reader),
        ("pipeline", fuzz::pipeline),
    ];
    let mut replayed = 0;
    for (target, run) in targets {
        for dir in ["seeds", "regressions"] {
            let Ok(entries) = std::fs::read_dir(root().join("fuzz").join(dir).join(target)) else {
                continue;
            };
            for entry in entries {
                let path = entry.unwrap().path();
                let data = std::fs::read(&path).unwrap();
                let result = std::panic::catch_unwind(|| run(&data));
                assert!(result.is_ok(), "{} fails again", path.display());
                replayed += 1;
            }
        }
    }
    assert!(replayed >= 20, "only {replayed} fuzz inputs found");
}

/// Every catalog in `spec/` and every generator fixture (among them
/// `hostile_text.yaml`: fences, HTML, pipes, backticks, a code `err`) goes
/// through the whole pipeline with the `pipeline` target's checks: code
/// that parses, no control characters, no doc test from spec text, inert
/// Markdown, one table row per code.
#[test]
fn every_catalog_passes_the_pipeline_checks() {
    let mut checked = 0;
    for dir in ["spec", "codegen/tests/fixtures"] {
        for entry in std::fs::read_dir(root().join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "yaml") {
                let text = std::fs::read_to_string(&path).unwrap();
                assert!(
                    fuzz::check_pipeline(&text),
                    "{} does not load",
                    path.display()
                );
                checked += 1;
            }
        }
    }
    assert!(checked >= 10, "only {checked} catalogs found");
}

/// The oracle itself: it sees the doc tests rustdoc would run.
#[test]
fn the_doc_test_oracle_sees_every_kind_of_fence() {
    for runs in [
        "```\nx\n```",
        "```rust\nx\n```",
        "~~~\nx\n~~~",
        "````\nx\n````",
        "```compile_fail\nx\n```",
        "a\n\n    indented\n",
        "- ```rust\n  x\n  ```",
        ">     x",
    ] {
        assert_eq!(fuzz::doc_tests(runs).len(), 1, "{runs:?}");
    }
    for inert in [
        "```text\nx\n```",
        "```http\nx\n```",
        "\\`\\`\\`rust",
        "```x``y```: z",
    ] {
        assert_eq!(fuzz::doc_tests(inert), Vec::<String>::new(), "{inert:?}");
    }
}
