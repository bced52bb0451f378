//! Every fixture's expanded code compiles (clippy lints it too), even in a
//! module without the prelude, and behaves: codes round-trip, statuses
//! classify, bodies decode.
#![allow(missing_docs)]

macro_rules! fixture {
    ($name:ident) => {
        #[no_implicit_prelude]
        pub mod $name {
            ::core::include!(::core::concat!(
                "fixtures/",
                ::core::stringify!($name),
                ".rs"
            ));
        }
    };
}

fixture!(code_in_header);
fixture!(defaults);
fixture!(errors_array);
fixture!(hostile_text);
fixture!(integer_codes);
fixture!(nested_envelope);
fixture!(no_code);
fixture!(same_length);
fixture!(success_batch);
fixture!(text_body);
fixture!(two_apis);
fixture!(two_statuses);

use errspec::{ApiError, RetryClass};
use http::{HeaderMap, HeaderValue, StatusCode};

fn status(n: u16) -> StatusCode {
    StatusCode::from_u16(n).unwrap()
}

#[test]
fn integer_codes_round_trip_and_decode() {
    use integer_codes::{Code, Error, Status};
    for (text, code) in [
        ("1001", Code::Code1001),
        ("1002", Code::Code1002),
        ("-1", Code::CodeMinus1),
    ] {
        assert_eq!(text.parse::<Code>().unwrap(), code);
        assert_eq!(code.as_str(), text);
        assert_eq!(code.to_string(), text);
    }
    assert_eq!(Code::from_i64(4290), Code::Code4290);
    assert_eq!(Code::from_i64(7), Code::Unknown("7".into()));
    assert_eq!(Code::Code1001.as_i64(), Some(1001));
    assert_eq!(Code::Code1002.retry_override(), Some(RetryClass::Backoff));

    let e = Error::decode(
        status(400),
        &HeaderMap::new(),
        br#"{"code":1002,"msg":"rebuilding"}"#,
    );
    assert_eq!(e.code(), Some(&Code::Code1002));
    assert_eq!(e.status(), Status::BadRequest);
    assert_eq!(e.message(), Some("rebuilding"));
    assert_eq!(
        e.retry_class(),
        RetryClass::Backoff,
        "the code overrides 400's never"
    );
    let e = Error::decode(status(400), &HeaderMap::new(), br#"{"code":9,"msg":"x"}"#);
    assert_eq!(e.code(), Some(&Code::Unknown("9".into())));
    assert_eq!(e.retry_class(), RetryClass::Never);
    assert!(!e.is_known());
}

#[test]
fn same_length_codes_are_told_apart_by_one_byte() {
    use same_length::Code;
    let known = [
        ("a'xyz", Code::Quote),
        ("a'xzz", Code::QuoteToo),
        ("a\\xyz", Code::Backslash),
        ("a\"xyz", Code::DoubleQuote),
        ("a\u{e9}yz", Code::Accent),
        ("a xyz", Code::Space),
        ("a-xyz", Code::Hyphen),
        ("a.xyz", Code::Dot),
        ("a_xyz", Code::Underscore),
        ("a/xyz", Code::Slash),
        ("short", Code::Short),
    ];
    for (text, code) in known {
        assert_eq!(text.parse::<Code>().unwrap(), code, "{text}");
        assert_eq!(code.as_str(), text);
        assert_eq!(code.clone(), code);
        assert_eq!(format!("{:?}", code.clone()), format!("{code:?}"));
    }
    // Same length, a byte the lookup matches on that no code has, one
    // that codes have with the rest different, and a first byte no code
    // of the matched byte has.
    for text in ["a#xyz", "a'xxx", "b'xyz", "s'xyz", "a\u{e9}zz", "a'xy"] {
        let code = text.parse::<Code>().unwrap();
        assert_eq!(code, Code::Unknown(text.into()), "{text}");
        assert_eq!(code.clone(), code);
    }
}

#[test]
fn code_in_header_decodes_from_the_header() {
    use code_in_header::{Code, Error};
    let mut headers = HeaderMap::new();
    headers.insert("x-error-code", HeaderValue::from_static("AUTH_EXPIRED"));
    let e = Error::decode(status(401), &headers, br#"{"message":"expired"}"#);
    assert_eq!(e.code(), Some(&Code::AuthExpired));
    assert_eq!(e.message(), Some("expired"));
    assert_eq!(Code::AuthExpired.hint(), Some("Refresh the token."));
    assert_eq!(
        <Error as ApiError>::IDEMPOTENCY_HEADER,
        Some("idempotency-key")
    );
}

#[test]
fn errors_array_keeps_the_first_code_and_every_field_error() {
    use errors_array::{Code, Error};
    let body = br#"{"errors":[
        {"code":"invalid","detail":"must be positive","source":{"pointer":"/data/amount"}},
        {"code":"required","detail":"is required","source":{"pointer":"/data/currency"}}
    ],"meta":{"request_id":"r-1"}}"#;
    let e = Error::decode(status(422), &HeaderMap::new(), body);
    assert_eq!(e.code(), Some(&Code::Invalid));
    assert_eq!(e.request_id(), Some("r-1"));
    let fields: Vec<&str> = e.field_errors().iter().map(|f| f.field.as_str()).collect();
    assert_eq!(fields, ["/data/amount", "/data/currency"]);
}

#[test]
fn nested_envelope_and_request_id_header() {
    use nested_envelope::{Code, Error};
    let body = br#"{"response":{"error":{"code":"slow_down","message":"wait"}},"meta":{"request/id":"b-7"}}"#;
    let mut headers = HeaderMap::new();
    headers.insert("retry-after", HeaderValue::from_static("12"));
    let e = Error::decode(status(429), &headers, body);
    assert_eq!(e.code(), Some(&Code::SlowDown));
    assert_eq!(e.request_id(), Some("b-7"));
    assert_eq!(e.retry_after(), Some(errspec::RetryAfter::Seconds(12)));
    assert_eq!(e.retry_class(), RetryClass::Throttled);
    assert_eq!(
        e.to_string(),
        "429 Too Many Requests [slow_down]: wait (request id b-7)"
    );
    headers.insert("x-request-id", HeaderValue::from_static("h-1"));
    let e = Error::decode(status(503), &headers, b"<html>down</html>");
    assert_eq!(e.code(), None);
    assert_eq!(e.request_id(), Some("h-1"));
    assert_eq!(e.variant_name(), "ServiceUnavailable");
    assert_eq!(e.raw(), Some("<html>down</html>"));
}

#[test]
fn statuses_without_codes_are_the_variants() {
    use no_code::{Error, Status};
    let body = br#"{"detail":"too short","field":"name"}"#;
    let e = Error::decode(status(422), &HeaderMap::new(), body);
    assert_eq!(e.status(), Status::UnprocessableEntity);
    assert_eq!(e.variant_name(), "UnprocessableEntity");
    assert!(e.is_known());
    assert_eq!(e.field_errors()[0].field, "name");
    assert_eq!(ApiError::code(&e), None);
    let e = Error::decode(status(418), &HeaderMap::new(), b"");
    assert_eq!(e.status(), Status::Other(418));
    assert!(!e.is_known());
    assert_eq!(e.retry_class(), RetryClass::Never);
    assert_eq!(Status::from_u16(500).retry_class(), RetryClass::Backoff);
}

#[test]
fn text_bodies_keep_a_snippet() {
    use text_body::{Error, Status};
    let e = Error::decode(status(504), &HeaderMap::new(), b"upstream timed out");
    assert_eq!(e.status(), Status::GatewayTimeout);
    assert_eq!(e.retry_class(), RetryClass::Ambiguous);
    assert_eq!(e.raw(), Some("upstream timed out"));
    assert_eq!(e.message(), None);
}

#[test]
fn one_code_at_two_statuses() {
    use two_statuses::{Code, Error};
    assert_eq!(Code::ResourceState.statuses(), &[409, 410]);
    assert_eq!(
        Code::CommitUnknown.retry_override(),
        Some(RetryClass::Ambiguous)
    );
    let e = Error::decode(
        status(410),
        &HeaderMap::new(),
        br#"{"error":"resource_state"}"#,
    );
    assert_eq!(e.code(), Some(&Code::ResourceState));
    assert_eq!(e.retry_class(), RetryClass::Never);
    let e = Error::decode(
        status(500),
        &HeaderMap::new(),
        br#"{"error":"commit_unknown"}"#,
    );
    assert_eq!(e.retry_class(), RetryClass::Ambiguous);
}

#[test]
fn defaults_classify_without_a_status_table() {
    use defaults::{Code, Error, Status};
    let e = Error::decode(
        status(409),
        &HeaderMap::new(),
        br#"{"type":"https://errors.example/busy","title":"Busy"}"#,
    );
    assert_eq!(e.code(), Some(&Code::HttpsErrorsExampleBusy));
    assert_eq!(e.status(), Status::Other(409));
    assert_eq!(e.retry_class(), RetryClass::Backoff);
    let e = Error::decode(
        status(418),
        &HeaderMap::new(),
        br#"{"type":"https://errors.example/teapot"}"#,
    );
    assert_eq!(e.retry_class(), RetryClass::Never);
}

#[test]
fn two_apis_are_two_modules() {
    assert_eq!(<two_apis::admin::Error as ApiError>::API, "admin");
    assert_eq!(<two_apis::events::Error as ApiError>::API, "events");
    let e = two_apis::events::Error::decode(status(429), &HeaderMap::new(), br#"{"code":"quota"}"#);
    assert_eq!(e.code(), Some(&two_apis::events::Code::Quota));
}

/// The example response the docs (and the crate example) show for a code
/// decodes to that code and class, through the generated decoder: for a
/// code in `/errors/16/code` (an object key in the example, which the
/// decoder matches) and codes with pipes and backticks.
#[test]
fn docs_examples_decode_to_their_code() {
    use errspec_codegen::example::example_response;
    use errspec_codegen::source::SourceFile;

    fn check<E: ApiError>(fixture: &str, variant_of: impl Fn(&E) -> Option<String>) {
        let path = format!(
            "{}/tests/fixtures/{fixture}.yaml",
            env!("CARGO_MANIFEST_DIR")
        );
        let file = SourceFile::new(fixture, std::fs::read_to_string(path).unwrap());
        let catalog = errspec_codegen::load_catalog(&file).unwrap().catalog;
        let api = &catalog.apis[0];
        for code in &api.codes {
            let status = code.statuses[0];
            let example = example_response(api, Some(code), status);
            let mut headers = HeaderMap::new();
            for (name, value) in &example.headers {
                headers.insert(
                    http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                    HeaderValue::from_str(value).unwrap(),
                );
            }
            let error = E::decode(
                StatusCode::from_u16(status).unwrap(),
                &headers,
                example.body.as_bytes(),
            );
            assert_eq!(
                variant_of(&error),
                Some(code.variant.clone()),
                "{fixture}: {}",
                code.value
            );
            assert_eq!(error.retry_class(), code.effective_class(api));
        }
    }
    check::<hostile_text::Error>("hostile_text", |e| {
        e.code().map(|c| c.variant_name().to_owned())
    });
    check::<code_in_header::Error>("code_in_header", |e| {
        e.code().map(|c| c.variant_name().to_owned())
    });
    check::<errors_array::Error>("errors_array", |e| {
        e.code().map(|c| c.variant_name().to_owned())
    });
    check::<nested_envelope::Error>("nested_envelope", |e| {
        e.code().map(|c| c.variant_name().to_owned())
    });
    check::<integer_codes::Error>("integer_codes", |e| {
        e.code().map(|c| c.variant_name().to_owned())
    });
}

/// A fixture's success predicate and batch layout, through the trait's
/// default methods: a 200 with `ok: false` is the error of its code; the
/// failed items come back with their index and class.
#[test]
fn success_batch_judges_2xx_and_reads_items() {
    use success_batch::{Code, Error};
    let none = HeaderMap::new();
    let e = Error::check_success(status(200), &none, br#"{"ok":false,"error":"ratelimited"}"#)
        .expect("a failure");
    assert_eq!(e.code(), Some(&Code::Ratelimited));
    assert_eq!(ApiError::retry_class(&e), RetryClass::Throttled);
    assert!(Error::check_success(status(200), &none, br#"{"ok":true}"#).is_none());
    let body = br#"{"ok":true,"results":[{"index":4,"ok":false,"error":"channel_not_found"},{"ok":true},{"ok":false,"error":"new"}]}"#;
    let failures = Error::batch_failures(status(200), &none, body);
    let got: Vec<(usize, RetryClass, bool)> = failures
        .iter()
        .map(|f| (f.index, f.retry_class, f.known))
        .collect();
    assert_eq!(
        got,
        [
            (4, RetryClass::Never, true),
            (2, RetryClass::Backoff, false)
        ]
    );
}
