//! What each fuzz target runs, as plain functions of the fuzz input, so the
//! same code replays the committed regressions and seeds under
//! `cargo test --workspace` (`tests/tests/properties.rs` includes this file).
//!
//! Every function is total: it turns any bytes into a call of the code under
//! test and checks the invariants that must hold whatever came in. A panic
//! (from the code under test or from a failed check) is a finding.
//!
//! Only `errspec`, `errspec-providers`, `errspec-codegen`, `http`, `syn`, `pulldown-cmark`,
//! `fastrand`, `serde` and `serde_json` are used, all dependencies of the
//! workspace's test crate.
#![forbid(unsafe_code)]

use std::sync::OnceLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use errspec::__private::batch::{BatchFailure, BatchLayout, CodeClasses, MAX_BATCH_ITEMS};
use errspec::__private::decode::{
    Alternative, Captured, Decoder, Layouts, MAX_RAW_SNIPPET, Parts, RawCode, decode_parts,
};
use errspec::__private::delay::{
    Delay, DelayFormat, DelayFrom, DelaySource, WhenSpent, delay_from_number, parse_delay,
};
use errspec::__private::hints::{
    LayoutHeader, MAX_PLAUSIBLE_RESET, parse_rate_limit_reset, parse_retry_after,
};
use errspec::__private::layout::{
    ApiLayout, BodyFormat, BodyLayout, Capture, CodeNormalize, CodeSource, CodeType,
    FieldErrorsLayout, FieldMapLayout, HeaderLayout, Pointer, RateLimitLayout, ResetUnit,
};
use errspec::__private::rules::{Condition, Facts, Test};
use errspec::__private::success::{BodyDecoder, SuccessCheck};
use errspec::policy::{
    Decision, GiveUpReason, Jitter, Outcome, RetryContext, RetryPolicy, RetryReason,
};
use errspec::{DelayHints, DelayOrigin, RetryAfter, RetryClass};
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use serde_json::Value;

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
    "retry-after-ms",
    "x-ratelimit-reset-tokens",
    "x-ratelimit-remaining-tokens",
    "ratelimit",
    "x-should-retry",
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
    assert_eq!(error.delay_hints(), (entry.read_delay_hints)(&headers));
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
        "error", "errors", "code", "message", "0", "1", "details", "field", "", "id", "Error",
        "Code",
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

/// Lists of captures, built once from the pointer pool (layouts hold
/// `'static` slices; building them per input would leak): short lists of
/// plain and `Select` captures, and a few longer than the decoder's slots.
fn capture_pool() -> &'static [&'static [Capture]] {
    static POOL: OnceLock<Vec<&'static [Capture]>> = OnceLock::new();
    const EQUALS: &[&str] = &[
        "x",
        "0",
        "code",
        "",
        "type.googleapis.com/google.rpc.RetryInfo",
    ];
    POOL.get_or_init(|| {
        let pool = pointer_pool();
        let at = |k: usize| pool[k.wrapping_mul(2_654_435_761) % pool.len()];
        (0..256usize)
            .map(|i| {
                let len = match i % 16 {
                    15 => 12,
                    14 => 40,
                    n => n % 6,
                };
                let list: Vec<Capture> = (0..len)
                    .map(|j| {
                        let k = i * 64 + j * 7;
                        if (i + j) % 3 == 0 {
                            Capture::Select {
                                array: at(k + 1),
                                key: at(k + 2),
                                equals: EQUALS[(i + j) % EQUALS.len()],
                                value: at(k + 3),
                            }
                        } else {
                            Capture::At(at(k))
                        }
                    })
                    .collect();
                &*Box::leak(list.into_boxed_slice())
            })
            .collect()
    })
}

/// Code fallback chains, built once (see [`capture_pool`]).
fn fallback_pool() -> &'static [&'static [CodeSource]] {
    static POOL: OnceLock<Vec<&'static [CodeSource]>> = OnceLock::new();
    POOL.get_or_init(|| {
        let pool = pointer_pool();
        (0..64usize)
            .map(|i| {
                let list: Vec<CodeSource> = (0..i % 4)
                    .map(|j| match (i + j) % 4 {
                        0 => CodeSource::Header("x-amzn-errortype"),
                        _ => CodeSource::Body(pool[(i * 31 + j * 17) % pool.len()]),
                    })
                    .collect();
                &*Box::leak(list.into_boxed_slice())
            })
            .collect()
    })
}

/// An arbitrary layout: any combination of pointers, formats and headers
/// the layout types can express, including ones no spec would pass the
/// checks with (the decoder must still be total).
pub fn layout(input: &mut Input<'_>) -> ApiLayout {
    let format = match input.u8() % 8 {
        0 => BodyFormat::Text,
        1 | 2 => BodyFormat::Xml,
        _ => BodyFormat::Json,
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
    const CUTS: &[Option<&str>] = &[None, None, Some(":"), Some("#"), Some(""), Some("o")];
    let code_normalize = CodeNormalize {
        drop_after: CUTS[usize::from(input.u8()) % CUTS.len()],
        drop_through: CUTS[usize::from(input.u8()) % CUTS.len()],
    };
    let code_fallbacks = {
        let pool = fallback_pool();
        pool[usize::from(input.u8()) % pool.len()]
    };
    let captures = {
        let pool = capture_pool();
        pool[usize::from(input.u8()) % pool.len()]
    };
    const LEAVES: &[Option<&str>] = &[None, Some("_errors"), Some("0"), Some("")];
    let field_map = input.u8().is_multiple_of(4).then(|| FieldMapLayout {
        map: pointer(input),
        leaf: LEAVES[usize::from(input.u8()) % LEAVES.len()],
        message: maybe_pointer(input),
    });
    ApiLayout {
        body: BodyLayout {
            format,
            errors,
            code,
            code_type,
            message,
            request_id,
            field_errors,
            code_fallbacks,
            code_normalize,
            captures,
            field_map,
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
            ..HeaderLayout::NONE
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
        assert!(parts.captures.is_empty(), "a text body has no captures");
    }
    // Captures are reported at the layout's positions only.
    for i in layout.body.captures.len()..layout.body.captures.len() + 8 {
        assert_eq!(parts.captures.get(i), None, "capture {i} beyond the layout");
    }
    if let Some(RawCode::Str(code)) = &parts.code
        && !layout.body.code_normalize.is_none()
    {
        assert_eq!(
            layout.body.code_normalize.apply(code),
            &**code,
            "a normalised code is normalised"
        );
    }
    if std::str::from_utf8(body).is_err() && layout.body.format == BodyFormat::Json {
        assert_eq!(parts.message, None, "invalid UTF-8 is not decoded");
    }
    if std::str::from_utf8(body).is_err() && layout.body.format == BodyFormat::Xml {
        assert_eq!(parts.message, None, "invalid UTF-8 is not decoded");
    }
    let (code, details) = parts.clone().into_details(status);
    assert_eq!(code, parts.code.clone().map(|c| c.into_owned()));
    assert_eq!(details.status, status);
    same_as_tree_lookup(&layout, &headers, body, &parts);
    success_predicate(
        &layout,
        &mut input_for_success(data),
        status,
        &headers,
        body,
    );
    batch_results(&mut input_for_success(data), status, &headers, body);
    several_layouts(layout, &mut input_for_layouts(data), status, body);
}

/// A third reader over the same input, for the success predicate and the
/// batch layout (so the cases above read the input as they always have).
fn input_for_success(data: &[u8]) -> Input<'_> {
    Input::new(data.get(data.len() * 2 / 3..).unwrap_or_default())
}

/// A success predicate over `layout` (`success.failure_when`): only a 2xx
/// can fail, and one fails exactly when every condition holds on what the
/// layout decodes, whether the API has one layout or several.
fn success_predicate(
    layout: &ApiLayout,
    input: &mut Input<'_>,
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
) {
    static X_ERROR_CODE: LayoutHeader = LayoutHeader::resolved("x-error-code");
    static WHEN: &[&[Condition]] = &[
        &[Condition::Field(0, Test::Present(true))],
        &[Condition::Field(0, Test::Equals("false"))],
        &[Condition::Field(1, Test::NotEquals("0"))],
        &[Condition::Code(Test::Present(true))],
        &[
            Condition::Message(Test::Contains("e")),
            Condition::Status(&[errspec::__private::rules::StatusRange::class(2)]),
        ],
        &[Condition::Header(&X_ERROR_CODE, Test::Present(true))],
    ];
    let when = WHEN[usize::from(input.u8()) % WHEN.len()];
    let decoder = Decoder::new(layout);
    let one = SuccessCheck {
        failure_when: when,
        decoder: BodyDecoder::One(&decoder),
    };
    let alternatives = [Alternative {
        content_types: &[],
        when: &[],
        decoder: &decoder,
    }];
    let set = Layouts::new(&alternatives);
    let several = SuccessCheck {
        failure_when: when,
        decoder: BodyDecoder::Several(&set),
    };
    let fails = one.fails(status, headers, body);
    assert_eq!(fails, several.fails(status, headers, body));
    let parts = decoder.decode(status, headers, body);
    let code = parts.code.as_ref().map(RawCode::to_text);
    let facts = Facts::new(status.as_u16(), headers)
        .code(code.as_deref())
        .message(parts.message.as_deref())
        .captures(&parts.captures);
    let holds = when.iter().all(|c| c.holds(&facts));
    assert_eq!(
        fails,
        status.is_success() && holds,
        "fails only as a 2xx whose conditions hold"
    );
    assert_eq!(fails, one.fails_parts(status, headers, &parts));
}

/// Batch results (`batch:`) on a fixed family of item layouts (the items at
/// one of a few pointers; code, message and index at item pointers; a
/// `failed_when` from a list), against a tree parse of the body: the same
/// failures, in order, with the same index, code, message and class; none
/// for a status that is not 2xx or a body that is not one JSON document.
fn batch_results(input: &mut Input<'_>, status: StatusCode, headers: &HeaderMap, body: &[u8]) {
    const ITEMS: &[&[&str]] = &[&[], &["errors"], &["results"], &["data", "0", "errors"]];
    const CODES: &[&[&str]] = &[&["code"], &["ErrorCode"], &["extensions", "code"], &["0"]];
    const MESSAGES: &[&[&str]] = &[&["message"], &["Message"], &["error", "message"]];
    const FAILED_WHEN: &[&[Condition]] = &[
        &[],
        &[Condition::Field(0, Test::NotEquals("0"))],
        &[Condition::Field(0, Test::Present(true))],
        &[Condition::Field(1, Test::Present(false))],
        &[Condition::Message(Test::Contains("e"))],
        &[Condition::Code(Test::Equals("1"))],
    ];
    // Per code pointer: the captures, the code and the item's index.
    const CAPTURES: &[&[Capture]] = &[
        &[
            Capture::At(Pointer(&["code"])),
            Capture::At(Pointer(&["index"])),
        ],
        &[
            Capture::At(Pointer(&["ErrorCode"])),
            Capture::At(Pointer(&["index"])),
        ],
        &[
            Capture::At(Pointer(&["extensions", "code"])),
            Capture::At(Pointer(&["index"])),
        ],
        &[
            Capture::At(Pointer(&["0"])),
            Capture::At(Pointer(&["index"])),
        ],
    ];
    let items = ITEMS[usize::from(input.u8()) % ITEMS.len()];
    let which = usize::from(input.u8()) % CODES.len();
    let code = CODES[which];
    let message = MESSAGES[usize::from(input.u8()) % MESSAGES.len()];
    let failed_when = FAILED_WHEN[usize::from(input.u8()) % FAILED_WHEN.len()];
    let integer = input.bool();
    let item = ApiLayout {
        body: BodyLayout {
            code: Some(CodeSource::Body(Pointer(code))),
            code_type: if integer {
                CodeType::Integer
            } else {
                CodeType::String
            },
            message: Some(Pointer(message)),
            captures: CAPTURES[which],
            ..BodyLayout::JSON
        },
        headers: HeaderLayout::NONE,
    };
    let decoder = Decoder::new(&item);
    let batch = BatchLayout {
        items: Pointer(items),
        item: &decoder,
        failed_when,
        index: Some(1),
        classes: if integer {
            CodeClasses::Int(&[(1, RetryClass::Backoff), (7, RetryClass::Ambiguous)])
        } else {
            CodeClasses::Str(&[("1", RetryClass::Backoff), ("x", RetryClass::Throttled)])
        },
        retry: RetryClass::Never,
    };
    let failures = batch.failures(status, headers, body);
    assert!(failures.len() <= MAX_BATCH_ITEMS);
    if !status.is_success() {
        assert!(failures.is_empty(), "a non-2xx has no item results");
        return;
    }
    let Some(text) = std::str::from_utf8(body).ok() else {
        assert!(failures.is_empty(), "invalid UTF-8 has no item results");
        return;
    };
    let Ok(doc) = serde_json::from_str::<Value>(text) else {
        assert!(failures.is_empty(), "a malformed body has no item results");
        return;
    };
    if has_duplicate_keys(text) {
        return;
    }
    let Some(Value::Array(list)) = lookup(&doc, items) else {
        assert!(failures.is_empty(), "no items array, no item results");
        return;
    };
    let mut expected = Vec::new();
    for (position, value) in list.iter().take(MAX_BATCH_ITEMS).enumerate() {
        let at = |path: &[&str]| lookup(value, path);
        let code_text = at(code).and_then(|v| match v {
            Value::String(s) if integer => Some(
                s.parse::<i64>()
                    .map_or_else(|_| s.clone(), |n| n.to_string()),
            ),
            Value::String(s) => Some(s.clone()),
            Value::Number(n) if n.is_i64() || n.is_u64() => Some(n.to_string()),
            _ => None,
        });
        let message = at(message).and_then(Value::as_str);
        let captured = [at(code).map(captured), at(&["index"]).map(captured)];
        let holds = failed_when.iter().all(|c| match *c {
            Condition::Field(i, test) => test.holds_captured(captured[i].as_ref()),
            Condition::Message(test) => test.holds(message),
            Condition::Code(test) => test.holds(code_text.as_deref()),
            _ => unreachable!("items are tested on their own values"),
        });
        if !holds {
            continue;
        }
        let index = match &captured[1] {
            Some(Captured::Int(n)) => usize::try_from(*n).ok(),
            Some(Captured::Str(s)) => s.trim().parse().ok(),
            _ => None,
        }
        .unwrap_or(position);
        let class = code_text.as_deref().and_then(|c| match (integer, c) {
            (true, "1") | (false, "1") => Some(RetryClass::Backoff),
            (true, "7") => Some(RetryClass::Ambiguous),
            (false, "x") => Some(RetryClass::Throttled),
            _ => None,
        });
        // An integer API's code that is not an integer is unlisted.
        let class = class.filter(|_| {
            !integer
                || code_text
                    .as_deref()
                    .is_some_and(|c| c.parse::<i64>().is_ok())
        });
        let mut failure = BatchFailure::new(index, class.unwrap_or(RetryClass::Never));
        if let Some(c) = &code_text {
            failure = failure.with_code(c.as_str(), class.is_some());
        }
        if let Some(m) = message {
            failure = failure.with_message(m);
        }
        expected.push(failure);
    }
    assert_eq!(failures, expected, "items at {items:?}, code at {code:?}");
}

/// A tree value as the decoder captures it.
fn captured(v: &Value) -> Captured<'static> {
    match v {
        Value::String(s) => Captured::Str(s.clone().into()),
        Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => Captured::Int(i),
            (None, Some(u), _) => Captured::Float(u as f64),
            (_, _, Some(x)) => Captured::Float(x),
            _ => Captured::Null,
        },
        Value::Bool(b) => Captured::Bool(*b),
        Value::Null => Captured::Null,
        Value::Object(_) => Captured::Object,
        Value::Array(items) => Captured::Array(items.len()),
    }
}

/// A second reader over the same input, for the layouts [`several_layouts`]
/// adds (so the single-layout case above reads the input as it always has).
fn input_for_layouts(data: &[u8]) -> Input<'_> {
    Input::new(data.get(data.len() / 2..).unwrap_or_default())
}

/// Several layouts of one API ([`Layouts`]): `layout` and one more, with
/// content types and body conditions from the input, on a response whose
/// `Content-Type` comes from the input. The layout chosen is the first whose
/// content types and conditions hold, and it decodes exactly as its own
/// decoder does; a response none fits is a status-level error.
fn several_layouts(first: ApiLayout, input: &mut Input<'_>, status: StatusCode, body: &[u8]) {
    const MEDIA: &[&[&str]] = &[
        &[],
        &["application/xml", "text/xml"],
        &["application/json"],
        &["application/problem+json"],
    ];
    const WHEN: &[&[Condition]] = &[
        &[],
        &[Condition::Field(0, Test::Present(true))],
        &[Condition::Field(1, Test::Equals("x"))],
        &[Condition::Field(0, Test::Present(false))],
    ];
    const CONTENT_TYPES: &[&str] = &[
        "application/xml; charset=utf-8",
        "TEXT/XML",
        "application/json",
        "application/problem+json",
        "text/html",
        "",
    ];
    let mut second = layout(input);
    if input.bool() {
        // As generated code lists them: the API's captures in every layout
        // (a rider then takes them where the walk left them).
        second.body.captures = first.body.captures;
    }
    let mut headers = HeaderMap::new();
    let content_type = CONTENT_TYPES[usize::from(input.u8()) % CONTENT_TYPES.len()];
    if let Ok(value) = HeaderValue::from_str(content_type) {
        headers.insert(http::header::CONTENT_TYPE, value);
    }
    let layouts: Vec<(ApiLayout, &[&str], &[Condition])> = vec![
        (
            first,
            MEDIA[usize::from(input.u8()) % MEDIA.len()],
            WHEN[usize::from(input.u8()) % WHEN.len()],
        ),
        (
            second,
            MEDIA[usize::from(input.u8()) % MEDIA.len()],
            WHEN[usize::from(input.u8()) % WHEN.len()],
        ),
    ];
    let decoders: Vec<Decoder> = layouts
        .iter()
        .map(|(layout, _, _)| Decoder::new(layout))
        .collect();
    let alternatives: Vec<Alternative<'_>> = layouts
        .iter()
        .zip(&decoders)
        .map(|((_, content_types, when), decoder)| Alternative {
            content_types,
            when,
            decoder,
        })
        .collect();
    let set = Layouts::new(&alternatives);
    let (chosen, parts) = set.choose(status, &headers, body);
    let media = content_type.split(';').next().unwrap_or_default().trim();
    for (i, (layout, content_types, when)) in layouts.iter().enumerate() {
        let fits_type =
            content_types.is_empty() || content_types.iter().any(|t| t.eq_ignore_ascii_case(media));
        let own = decoders[i].decode(status, &headers, body);
        let facts = Facts::new(status.as_u16(), &headers).captures(&own.captures);
        let fits = fits_type && when.iter().all(|c| c.holds(&facts));
        match chosen {
            Some(c) if c == i => {
                assert!(fits, "layout {i} chosen but does not fit");
                assert_eq!(parts, own, "the chosen layout decodes as its own decoder");
                let _ = layout;
                return;
            }
            _ => assert!(
                !fits,
                "layout {i} fits but a later one (or none) was chosen"
            ),
        }
    }
    assert_eq!(chosen, None);
    assert_eq!(parts.code, None, "no layout fits: a status-level error");
    assert_eq!(parts.message, None);
    assert!(parts.captures.is_empty());
}

/// The streaming decoder against the obvious implementation: parse the
/// whole body into a `serde_json::Value` and follow each pointer. Compared
/// for layouts without errors arrays or field errors (whose rules are the
/// decoder's own) and bodies a tree parse accepts without duplicate keys
/// (with duplicates, RFC 8259 leaves the meaning open).
fn same_as_tree_lookup(layout: &ApiLayout, headers: &HeaderMap, body: &[u8], parts: &Parts<'_>) {
    let b = &layout.body;
    if b.format != BodyFormat::Json
        || b.errors.is_some()
        || b.field_errors.is_some()
        || b.field_map.is_some()
    {
        return;
    }
    let Ok(text) = std::str::from_utf8(body) else {
        return;
    };
    let Ok(doc) = serde_json::from_str::<Value>(text) else {
        return;
    };
    if has_duplicate_keys(text) {
        return;
    }
    let find = |p: Option<Pointer>| p.and_then(|Pointer(path)| lookup(&doc, path));
    let code = match b.code {
        Some(CodeSource::Body(p)) => find(Some(p)).and_then(|v| match v {
            Value::String(s) => Some(match b.code_type {
                CodeType::Integer => s
                    .parse::<i64>()
                    .map_or(RawCode::Str(s.into()), RawCode::Int),
                CodeType::String => RawCode::Str(s.into()),
            }),
            Value::Number(n) => {
                let n = n.as_i64().map(i128::from).or(n.as_u64().map(i128::from))?;
                Some(match (b.code_type, i64::try_from(n)) {
                    (CodeType::Integer, Ok(n)) => RawCode::Int(n),
                    _ => RawCode::Str(n.to_string().into()),
                })
            }
            _ => None,
        }),
        Some(CodeSource::Header(_)) => parts.code.clone(),
        None => None,
    };
    let message = find(b.message).and_then(|v| v.as_str().map(str::to_owned));
    let request_id = find(b.request_id)
        .and_then(|v| match v {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) if n.is_i64() || n.is_u64() => Some(n.to_string()),
            _ => None,
        })
        .or_else(|| {
            let name = layout.headers.request_id?;
            let value = errspec::__private::hints::single_value(headers, name)?;
            let text = value.to_str().ok()?.trim_ascii();
            (!value.is_sensitive() && !text.is_empty()).then(|| text.to_owned())
        });
    if b.code_fallbacks.is_empty() && b.code_normalize.is_none() {
        assert_eq!(parts.code, code, "code of {text}");
    }
    same_captures(b, &doc, parts, text);
    assert_eq!(
        parts.message.as_deref(),
        message.as_deref(),
        "message of {text}"
    );
    assert_eq!(
        parts.request_id.as_deref(),
        request_id.as_deref(),
        "request id of {text}"
    );
}

/// Plain captures find what a tree lookup finds (a capture that goes into
/// a `Select`'s array by a key rather than an index is the decoder's own
/// rule: the array's items are read one by one).
fn same_captures(b: &BodyLayout, doc: &Value, parts: &Parts<'_>, text: &str) {
    let arrays: Vec<&[&str]> = b
        .captures
        .iter()
        .filter_map(|c| match c {
            Capture::Select { array, .. } => Some(array.0),
            Capture::At(_) => None,
        })
        .collect();
    let mut slots = 0;
    for (i, capture) in b.captures.iter().enumerate() {
        slots += match capture {
            Capture::At(_) => 1,
            Capture::Select { .. } => 3,
        };
        if slots + usize::from(b.field_map.is_some())
            > errspec::__private::decode::MAX_CAPTURE_SLOTS
        {
            return;
        }
        let Capture::At(Pointer(path)) = capture else {
            continue;
        };
        let through_array = arrays
            .iter()
            .any(|a| path.len() > a.len() && path.starts_with(a));
        if through_array {
            continue;
        }
        let expected = lookup(doc, path).map(|v| match v {
            Value::String(s) => Captured::Str(s.clone().into()),
            Value::Bool(b) => Captured::Bool(*b),
            Value::Null => Captured::Null,
            Value::Object(_) => Captured::Object,
            Value::Array(items) => Captured::Array(items.len()),
            Value::Number(n) => match n.as_i64() {
                Some(n) => Captured::Int(n),
                None => Captured::Float(n.as_f64().unwrap_or(f64::NAN)),
            },
        });
        let found = parts.captures.get(i).cloned();
        let same = match (&found, &expected) {
            (Some(Captured::Float(a)), Some(Captured::Float(b))) => {
                a == b || (a.is_nan() && b.is_nan())
            }
            _ => found == expected,
        };
        assert!(same, "capture {i} of {text}: {found:?} != {expected:?}");
    }
}

/// RFC 6901 evaluation over unescaped segments.
fn lookup<'v>(doc: &'v Value, path: &[&str]) -> Option<&'v Value> {
    path.iter().try_fold(doc, |v, seg| match v {
        Value::Object(map) => map.get(*seg),
        Value::Array(items) => {
            let canonical = *seg == "0" || !seg.starts_with('0');
            let index = seg.bytes().all(|b| b.is_ascii_digit()) && canonical && !seg.is_empty();
            index
                .then(|| seg.parse::<usize>().ok())
                .flatten()
                .and_then(|i| items.get(i))
        }
        _ => None,
    })
}

/// Whether any object in the document repeats a key.
fn has_duplicate_keys(text: &str) -> bool {
    struct Check;
    impl<'de> serde::de::DeserializeSeed<'de> for Check {
        type Value = ();
        fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            d.deserialize_any(Check)
        }
    }
    impl<'de> serde::de::Visitor<'de> for Check {
        type Value = ();
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("JSON")
        }
        fn visit_bool<E>(self, _: bool) -> Result<(), E> {
            Ok(())
        }
        fn visit_i64<E>(self, _: i64) -> Result<(), E> {
            Ok(())
        }
        fn visit_u64<E>(self, _: u64) -> Result<(), E> {
            Ok(())
        }
        fn visit_f64<E>(self, _: f64) -> Result<(), E> {
            Ok(())
        }
        fn visit_str<E>(self, _: &str) -> Result<(), E> {
            Ok(())
        }
        fn visit_unit<E>(self) -> Result<(), E> {
            Ok(())
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
            while seq.next_element_seed(Check)?.is_some() {}
            Ok(())
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
            let mut seen = std::collections::HashSet::new();
            while let Some(key) = map.next_key::<String>()? {
                if !seen.insert(key) {
                    return Err(serde::de::Error::custom("duplicate key"));
                }
                map.next_value_seed(Check)?;
            }
            Ok(())
        }
    }
    let mut de = serde_json::Deserializer::from_str(text);
    serde::de::DeserializeSeed::deserialize(Check, &mut de).is_err()
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

/// `json_reader`: the decoders' JSON reader (`errspec_core::json`) reads
/// any text as `serde_json` does: the same values seen by a visitor, the
/// same documents refused, read or skipped. Bytes that are not UTF-8 are
/// read lossily (the decoders only read UTF-8 bodies as JSON).
pub fn json_reader(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    if let Some(difference) = errspec::__private::json::differential::disagreement(&text) {
        panic!("the JSON reader and serde_json disagree: {difference}");
    }
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
    let min_delay = input
        .bool()
        .then(|| Duration::from_millis(input.u64() % 10_000));
    let number = f64::from_bits(input.u64());
    let headers = headers(&mut input);

    // The parsers on each value alone, in every format.
    for value in headers.values() {
        if let Some(RetryAfter::Seconds(_)) = parse_retry_after(value) {
            let text = value.to_str().expect("seconds are ASCII").trim_ascii();
            assert!(
                text.bytes().all(|b| b.is_ascii_digit() || b == b'.'),
                "{text:?}"
            );
        }
        for unit in [ResetUnit::Seconds, ResetUnit::UnixSeconds] {
            if let Some(delay) = parse_rate_limit_reset(value, unit).and_then(|r| r.delay(now)) {
                assert!(delay <= MAX_PLAUSIBLE_RESET);
            }
        }
        let Ok(text) = value.to_str() else { continue };
        for format in DelayFormat::ALL {
            let parsed = parse_delay(text, format, Some("t"), Some("r"));
            let absolute = matches!(parsed, Some(Delay::At(_)));
            match format {
                DelayFormat::HttpDate | DelayFormat::UnixSeconds | DelayFormat::Rfc3339 => {
                    assert!(parsed.is_none() || absolute, "{format:?} {text:?}");
                }
                DelayFormat::SecondsOrDate => {}
                _ => assert!(!absolute, "{format:?} {text:?}"),
            }
            if let Some(delay) = parsed {
                let _ = delay.from_now(now);
            }
        }
    }
    for format in DelayFormat::ALL {
        if let Some(Delay::After(d)) = delay_from_number(number, format) {
            assert!(number >= 0.0, "{number}");
            let _ = d;
        }
    }

    static SOURCES: [DelaySource; 4] = [
        DelaySource {
            from: DelayFrom::Header("retry-after-ms"),
            format: DelayFormat::Milliseconds,
            param: None,
            when: WhenSpent::Always,
            name: "retry-after-ms",
        },
        DelaySource {
            from: DelayFrom::Header("x-ratelimit-reset-tokens"),
            format: DelayFormat::Duration,
            param: None,
            when: WhenSpent::Header("x-ratelimit-remaining-tokens"),
            name: "x-ratelimit-reset-tokens",
        },
        DelaySource {
            from: DelayFrom::Header("ratelimit"),
            format: DelayFormat::Structured,
            param: Some("t"),
            when: WhenSpent::Param("r"),
            name: "RateLimit",
        },
        DelaySource {
            from: DelayFrom::Header("x-request-id"),
            format: DelayFormat::Rfc3339,
            param: None,
            when: WhenSpent::Always,
            name: "x-request-id",
        },
    ];
    let layout = HeaderLayout {
        retry_after: Some("retry-after"),
        request_id: None,
        rate_limit: Some(RateLimitLayout {
            limit: Some("x-ratelimit-limit"),
            remaining: Some("x-ratelimit-remaining"),
            reset: Some("x-ratelimit-reset"),
            reset_unit: unit,
        }),
        delays: &SOURCES,
        min_delay,
    };
    let hints = DelayHints::from_headers(&layout, &headers);
    let server = hints.server_delay_with_source(now);
    let server_delay = server.map(|(d, _)| d);
    // The longest source wins: never shorter than `Retry-After`, nor than
    // the floor when anything was sent.
    if let Some(retry_after) = hints.retry_after {
        assert!(server_delay >= Some(retry_after.delay(now)));
    }
    if let (Some(delay), Some(min)) = (server_delay, min_delay) {
        assert!(delay >= min);
    }
    if server.is_some_and(|(_, origin)| origin == DelayOrigin::RateLimitReset) {
        assert!(hints.rate_limit_remaining.is_none_or(|left| left == 0));
    }
    let _ = serde_json::to_string(&hints).expect("hints serialize");

    let outcome = Outcome::Api {
        class,
        delay_hints: hints,
    };
    let mut rng = fastrand::Rng::with_seed(seed);
    let decision = policy.decide_with_rng(
        &RetryContext::new(&outcome, attempts)
            .retry_safe(retry_safe)
            .now(now)
            .elapsed(elapsed),
        &mut rng,
    );
    match decision {
        Decision::Retry { after, reason } => {
            assert!(attempts < policy.max_attempts(), "retry past the cap");
            assert_ne!(class, RetryClass::Never);
            assert!(class != RetryClass::Ambiguous || retry_safe);
            // Never sooner than the server asked, whatever the class.
            if let Some(asked) = server_delay {
                assert!(after >= asked, "{after:?} < {asked:?}");
            }
            match (class, server_delay) {
                (RetryClass::Throttled, Some(asked)) => {
                    assert_eq!(reason, RetryReason::ServerDelay);
                    assert_eq!(after, asked, "waits exactly as long as asked");
                }
                (_, _) if reason == RetryReason::ServerDelay => {
                    assert_eq!(Some(after), server_delay);
                    assert!(after <= policy.max_server_delay());
                }
                _ => {
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
                assert_eq!(Some(delay), server_delay);
            }
            if !matches!(
                reason,
                GiveUpReason::NotRetryable | GiveUpReason::NotRetrySafe
            ) {
                assert_eq!(reported, server_delay);
            }
            let _ = reason.to_string();
        }
    }
}

/// Pieces of spec text that have broken generated code or docs before
/// (issue 13): fences, HTML, table and code-span syntax, control and bidi
/// characters, URLs, names that clash with Rust. Target `pipeline` builds
/// its text from these and from raw input bytes.
const TEXT_PIECES: &[&str] = &[
    "```",
    "````",
    "~~~",
    "~~~~",
    "rust",
    "compile_fail",
    "compile-fail",
    "should_panic",
    "text",
    "\n",
    "\n\n",
    "\r",
    "\r\n",
    "\t",
    "    ",
    "  ",
    "- ",
    "> ",
    "1. ",
    "* ",
    "|",
    "`",
    "``",
    "\\",
    "\"",
    "'",
    "#",
    "\"#",
    "<",
    ">",
    "<script>",
    "</script>",
    "<!--",
    "-->",
    "&lt;",
    "[x]",
    "(y)",
    "[a]: b",
    "http://",
    "https://a",
    "https://a.b/c?d=e",
    "javascript:",
    "err",
    "ERR",
    "err_",
    "ok",
    "some",
    "none",
    "unknown",
    "self",
    "café",
    "é",
    "\u{202e}",
    "\u{202c}",
    "\u{2028}",
    "\u{85}",
    "\u{0}",
    "\u{7f}",
    "fn main() { panic!() }",
    "std::process::exit(1);",
    "/",
    "~0",
    "~1",
    "16",
    "0",
    "01",
    "+1",
    "{",
    "}",
    "*/",
    "/*",
    "//",
    "#[",
    "]",
];

/// Text for a spec field: pieces of [`TEXT_PIECES`] and raw (lossy UTF-8)
/// bytes, chosen by the input.
fn fuzz_text(input: &mut Input<'_>) -> String {
    let mut out = String::new();
    for _ in 0..input.u8() % 12 {
        let pick = usize::from(input.u8());
        match TEXT_PIECES.get(pick) {
            Some(piece) => out.push_str(piece),
            None => out.push_str(&String::from_utf8_lossy(input.bytes())),
        }
    }
    out
}

/// `s` as a YAML double-quoted scalar that holds exactly `s`.
fn yaml_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            ' '..='~' => out.push(c),
            c if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push_str(&format!("\\U{:08X}", c as u32)),
        }
    }
    out.push('"');
    out
}

/// A catalog with fuzzed text in every free-text field, code, pointer and
/// URL, and a fuzzed layout (body or header codes, string or integer codes,
/// errors arrays, one or two APIs).
pub fn fuzz_spec(input: &mut Input<'_>) -> String {
    let mut spec = String::from("provider: fuzzed\n");
    spec.push_str(&format!("title: {}\n", yaml_str(&fuzz_text(input))));
    spec.push_str("as_of: 2026-01-02\n");
    if input.bool() {
        let url = format!("https://{}", fuzz_text(input));
        spec.push_str(&format!("docs_url: {}\n", yaml_str(&url)));
    }
    if input.bool() {
        spec.push_str(&format!("description: {}\n", yaml_str(&fuzz_text(input))));
    }
    spec.push_str("apis:\n");
    let apis = if input.bool() {
        &["api", "other"][..]
    } else {
        &["api"][..]
    };
    for name in apis {
        spec.push_str(&format!("  {name}:\n"));
        for key in ["title", "description"] {
            if input.bool() {
                spec.push_str(&format!("    {key}: {}\n", yaml_str(&fuzz_text(input))));
            }
        }
        let integer = input.u8().is_multiple_of(4);
        let pointer = |input: &mut Input<'_>| yaml_str(&format!("/{}", fuzz_text(input)));
        spec.push_str("    body:\n");
        if input.bool() {
            spec.push_str(&format!("      errors: {}\n", pointer(input)));
        }
        if input.bool() {
            spec.push_str("      code: { header: X-Error-Code");
        } else {
            spec.push_str(&format!("      code: {{ pointer: {}", pointer(input)));
        }
        spec.push_str(if integer {
            ", type: integer }\n"
        } else {
            " }\n"
        });
        spec.push_str(&format!("      message: {}\n", pointer(input)));
        spec.push_str("    headers: { retry_after: Retry-After }\n    statuses:\n");
        for (status, class) in [(400, "never"), (429, "throttled"), (503, "ambiguous")] {
            spec.push_str(&format!(
                "      {status}: {{ meaning: {}, retry: {class}",
                yaml_str(&fuzz_text(input))
            ));
            if input.bool() {
                spec.push_str(&format!(", hint: {}", yaml_str(&fuzz_text(input))));
            }
            spec.push_str(" }\n");
        }
        spec.push_str("    codes:\n");
        for _ in 0..1 + input.u8() % 4 {
            let code = if integer {
                (i64::from(input.u16()) - 1000).to_string()
            } else {
                yaml_str(&fuzz_text(input))
            };
            let status = [400, 429, 503][usize::from(input.u8() % 3)];
            spec.push_str(&format!(
                "      {code}: {{ status: {status}, description: {}",
                yaml_str(&fuzz_text(input))
            ));
            if input.bool() {
                spec.push_str(&format!(", hint: {}", yaml_str(&fuzz_text(input))));
            }
            spec.push_str(" }\n");
        }
    }
    spec
}

/// Target `pipeline`: a fuzzed catalog ([`fuzz_spec`]) through the whole
/// generator, checked by [`check_pipeline`].
pub fn pipeline(data: &[u8]) {
    let spec = fuzz_spec(&mut Input::new(data));
    check_pipeline(&spec);
}

/// Load → check → expand → render → parse with `syn` → docs, for one
/// spec: a spec that fails the checks gives located diagnostics; one that
/// passes gives Rust that parses (the provider file, the `catalog!`
/// module and the crate root), Markdown, and no text anywhere that holds a
/// control character or a code block rustdoc would run, other than the
/// crate example. Code tables keep one row per code, with the code as the
/// first cell. Returns whether the spec passed the checks.
pub fn check_pipeline(spec: &str) -> bool {
    use errspec_codegen::docs::{DocSource, render_index, render_provider};
    use errspec_codegen::expand::{
        expand_catalog, expand_provider_module, expand_registry, render_file,
    };

    let file = errspec_codegen::source::SourceFile::new("spec/fuzzed.yaml", spec);
    let loaded = match errspec_codegen::load_catalog(&file) {
        Ok(loaded) => loaded,
        Err(diags) => {
            let rendered = diags.render(&file);
            assert!(rendered.contains("--> spec/fuzzed.yaml:"), "{rendered}");
            return false;
        }
    };
    let catalog = &loaded.catalog;
    let files = [
        render_file(expand_catalog(catalog)),
        render_file(expand_provider_module(catalog)),
        render_file(expand_registry(
            std::slice::from_ref(catalog),
            "errspec_providers",
        )),
    ];
    for (i, code) in files.iter().enumerate() {
        assert_clean_text(code);
        if let Err(e) = syn::parse_file(code) {
            panic!("generated code does not parse: {e}\n{code}");
        }
        // `Self::NAME` where NAME is also a variant is ambiguous (a code
        // `err` becomes `Code::Err`, and `Self::Err` named `FromStr::Err`):
        // generated code must name associated items another way.
        for (at, _) in code.match_indices("Self::") {
            let name: String = code[at + 6..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            let clash = catalog.apis.iter().any(|api| {
                api.codes.iter().any(|c| c.variant == name)
                    || api.statuses.iter().any(|s| s.variant == name)
            });
            assert!(
                !clash,
                "`Self::{name}` is ambiguous with a variant:\n{code}"
            );
        }
        // Only the crate root has a doc test: its example.
        let examples = if i == 2 {
            usize::from(catalog.apis.iter().any(|a| !a.codes.is_empty()))
        } else {
            0
        };
        let mut tested = 0;
        for doc in doc_comments(code) {
            tested += doc_tests(&doc).len();
        }
        assert!(tested <= examples, "spec text became a doc test:\n{code}");
    }
    let source = DocSource {
        catalog,
        file: &file,
    };
    let page = render_provider(source, "errspec_providers");
    let index = render_index(&[source]);
    for md in [&page, &index] {
        assert_clean_text(md);
        assert_markdown_is_inert(md);
    }
    let tables = markdown_tables(&page);
    let code_tables: Vec<_> = tables.iter().filter(|t| t[0][0] == "Code").collect();
    let apis_with_codes: Vec<_> = catalog
        .apis
        .iter()
        .filter(|a| !a.codes.is_empty())
        .collect();
    assert_eq!(code_tables.len(), apis_with_codes.len(), "{page}");
    for (table, api) in code_tables.iter().zip(apis_with_codes) {
        assert_eq!(
            table.len(),
            api.codes.len() + 1,
            "one row per code:\n{page}"
        );
        for (row, code) in table[1..].iter().zip(&api.codes) {
            assert_eq!(row[0], code.value.to_string(), "the code cell:\n{page}");
            assert_eq!(
                row[5],
                format!("Code::{}", code.variant),
                "the Rust cell:\n{page}"
            );
        }
    }
    true
}

/// No control character (but line feeds and tabs), bidi control or Unicode
/// line break in generated text.
fn assert_clean_text(text: &str) {
    if let Some((at, c, why)) = errspec_codegen::text::find_forbidden_char(text, true) {
        panic!("generated text holds {why} {c:?} at byte {at}:\n{text}");
    }
}

/// The doc comments of a rendered file, one string per item (consecutive
/// `///` or `//!` lines).
fn doc_comments(code: &str) -> Vec<String> {
    let mut docs = Vec::new();
    let mut current: Option<String> = None;
    for line in code.lines() {
        let trimmed = line.trim_start();
        assert!(
            !trimmed.starts_with("#[doc"),
            "a doc attribute not printed as a comment: {line}"
        );
        let doc = trimmed
            .strip_prefix("///")
            .or_else(|| trimmed.strip_prefix("//!"));
        match (doc, &mut current) {
            (Some(text), Some(cur)) => {
                cur.push('\n');
                cur.push_str(text.strip_prefix(' ').unwrap_or(text));
            }
            (Some(text), None) => current = Some(text.strip_prefix(' ').unwrap_or(text).to_owned()),
            (None, _) => docs.extend(current.take()),
        }
    }
    docs.extend(current);
    docs
}

/// The code blocks of a doc comment that rustdoc would run as doc tests:
/// indented blocks, and fenced blocks whose info string does not name
/// another language (`text`, `http`, …) or `ignore`.
pub fn doc_tests(markdown: &str) -> Vec<String> {
    use pulldown_cmark::{CodeBlockKind, Event, Parser, Tag};
    Parser::new(markdown)
        .filter_map(|event| match event {
            Event::Start(Tag::CodeBlock(CodeBlockKind::Indented)) => Some(String::from("indented")),
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))) => {
                let tokens: Vec<&str> = info
                    .split(|c: char| c == ',' || c.is_whitespace())
                    .filter(|t| !t.is_empty())
                    .collect();
                let not_rust = tokens
                    .iter()
                    .any(|t| matches!(*t, "text" | "http" | "ignore"));
                (!not_rust).then(|| info.to_string())
            }
            _ => None,
        })
        .collect()
}

/// A docs page runs nothing and injects no markup: its only code blocks
/// are `text` and `http`, and its only HTML is the generator's own (the
/// `@generated` comment and API anchors).
fn assert_markdown_is_inert(md: &str) {
    use pulldown_cmark::{CodeBlockKind, Event, Options, Parser, Tag};
    for event in Parser::new_ext(md, Options::ENABLE_TABLES) {
        match event {
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))) => {
                assert!(matches!(&*info, "text" | "http"), "a `{info}` block:\n{md}");
            }
            Event::Start(Tag::CodeBlock(CodeBlockKind::Indented)) => {
                panic!("an indented code block:\n{md}")
            }
            Event::Html(html) | Event::InlineHtml(html) => {
                let ours = html.starts_with("<!-- @generated")
                    || html.starts_with("<a id=\"")
                    || html.trim() == "</a>";
                assert!(ours, "raw HTML `{html}`:\n{md}");
            }
            _ => {}
        }
    }
}

/// Every table of a Markdown page: rows of cells, each cell's text.
fn markdown_tables(md: &str) -> Vec<Vec<Vec<String>>> {
    use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
    let mut tables = Vec::new();
    let mut table: Vec<Vec<String>> = Vec::new();
    for event in Parser::new_ext(md, Options::ENABLE_TABLES) {
        match event {
            Event::Start(Tag::Table(_)) => table = Vec::new(),
            Event::Start(Tag::TableHead | Tag::TableRow) => table.push(Vec::new()),
            Event::Start(Tag::TableCell) => {
                if let Some(row) = table.last_mut() {
                    row.push(String::new());
                }
            }
            Event::Text(t) | Event::Code(t) => {
                if let Some(cell) = table.last_mut().and_then(|r| r.last_mut()) {
                    cell.push_str(&t);
                }
            }
            Event::End(TagEnd::Table) => tables.push(std::mem::take(&mut table)),
            _ => {}
        }
    }
    tables
}
