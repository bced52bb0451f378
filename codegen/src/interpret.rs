//! Runs a checked catalog through the runtime, without generating code:
//! the runtime's tables ([`errspec_core::layout::ApiLayout`]) are built from
//! the model at run time and the runtime's own decoder walks them, so what a
//! catalog's documented examples decode to here is what the generated types
//! decode them to.
//!
//! `cargo xtask check` runs [`check_dir`] (every example of every catalog,
//! each failure located at its example), and the test suite runs the same
//! examples through the generated crate with [`Expect`]ations compared by
//! [`mismatches`].
//!
//! This is for tools: the tables it builds are leaked (`&'static`), once
//! per API per run. The proc-macros never call it.

use std::path::Path;
use std::time::{Duration, SystemTime};

use errspec_core::decode::{Alternative, Decoder, Layouts, RawCode};
use errspec_core::hints::LayoutHeader;
use errspec_core::{layout, rules};

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::model::{self, Api, Catalog, Example, Expect, RetryClass};
use crate::project::{self, GenerateError};
use crate::source::SourceFile;

/// The runtime layouts of an API, built from its model (leaked: a tool
/// builds them once per API): one [`Alternative`] per body layout, in the
/// order they are tried. The same mapping `cargo xtask gen` writes as
/// `static`s.
pub fn layout(api: &Api) -> &'static Layouts<'static> {
    let headers = header_layout(&api.headers, &api.body);
    let alternatives = api
        .layouts()
        .map(|body| {
            let layout: &'static layout::ApiLayout = Box::leak(Box::new(layout::ApiLayout {
                body: body_layout(body),
                headers,
            }));
            Alternative {
                content_types: leak_slice(
                    body.content_types.iter().map(|t| leak(&t.value)).collect(),
                ),
                when: leak_slice(body.when.iter().map(|c| condition(api, c)).collect()),
                decoder: Box::leak(Box::new(Decoder::new(layout))),
            }
        })
        .collect();
    Box::leak(Box::new(Layouts::new(leak_slice(alternatives))))
}

fn leak(s: &str) -> &'static str {
    Box::leak(s.to_owned().into_boxed_str())
}

fn pointer(p: &model::Pointer) -> layout::Pointer {
    let segments: Vec<&'static str> = p.segments.iter().map(|s| leak(s)).collect();
    layout::Pointer(Box::leak(segments.into_boxed_slice()))
}

fn code_source(c: &model::CodeSource) -> layout::CodeSource {
    match c {
        model::CodeSource::Body(p) => layout::CodeSource::Body(pointer(p)),
        model::CodeSource::Header(h) => layout::CodeSource::Header(leak(&h.value)),
    }
}

/// A header name, resolved (leaked, like the layout).
fn header(name: &str) -> &'static LayoutHeader {
    Box::leak(Box::new(LayoutHeader::resolved(leak(name))))
}

fn leak_slice<T>(items: Vec<T>) -> &'static [T] {
    Box::leak(items.into_boxed_slice())
}

fn body_layout(body: &model::BodyLayout) -> layout::BodyLayout {
    let captures: Vec<layout::Capture> = body
        .captures
        .iter()
        .map(|c| match c {
            model::Capture::At(p) => layout::Capture::At(pointer(p)),
            model::Capture::Select {
                array,
                key,
                equals,
                value,
            } => layout::Capture::Select {
                array: pointer(array),
                key: pointer(key),
                equals: leak(equals),
                value: pointer(value),
            },
        })
        .collect();
    let fallbacks: Vec<layout::CodeSource> = body.code_fallbacks.iter().map(code_source).collect();
    let normalize = |s: &Option<crate::source::Located<String>>| s.as_ref().map(|s| leak(&s.value));
    layout::BodyLayout {
        code_fallbacks: Box::leak(fallbacks.into_boxed_slice()),
        code_normalize: layout::CodeNormalize {
            drop_after: normalize(&body.code_normalize.drop_after),
            drop_through: normalize(&body.code_normalize.drop_through),
        },
        captures: Box::leak(captures.into_boxed_slice()),
        field_map: body.field_map.as_ref().map(|f| layout::FieldMapLayout {
            map: pointer(&f.map),
            leaf: f.leaf.as_ref().map(|l| leak(&l.value)),
            message: f.message.as_ref().map(pointer),
        }),
        format: match body.format {
            model::BodyFormat::Json => layout::BodyFormat::Json,
            model::BodyFormat::Xml => layout::BodyFormat::Xml,
            model::BodyFormat::Text => layout::BodyFormat::Text,
        },
        errors: body.errors.as_ref().map(pointer),
        code: body.code.as_ref().map(code_source),
        code_type: match body.code_type {
            model::CodeType::String => layout::CodeType::String,
            model::CodeType::Integer => layout::CodeType::Integer,
        },
        message: body.message.as_ref().map(pointer),
        request_id: body.request_id.as_ref().map(pointer),
        field_errors: body
            .field_errors
            .as_ref()
            .map(|f| layout::FieldErrorsLayout {
                items: f.items.as_ref().map(pointer),
                field: pointer(&f.field),
                message: f.message.as_ref().map(pointer),
            }),
    }
}

fn header_layout(headers: &model::Headers, body: &model::BodyLayout) -> layout::HeaderLayout {
    let name = |h: &Option<crate::source::Located<String>>| h.as_ref().map(|h| leak(&h.value));
    layout::HeaderLayout {
        retry_after: name(&headers.retry_after),
        request_id: name(&headers.request_id),
        rate_limit: headers
            .rate_limit
            .as_ref()
            .map(|r| layout::RateLimitLayout {
                limit: name(&r.limit),
                remaining: name(&r.remaining),
                reset: name(&r.reset),
                reset_unit: match r.reset_unit {
                    model::ResetUnit::UnixSeconds => layout::ResetUnit::UnixSeconds,
                    model::ResetUnit::Seconds => layout::ResetUnit::Seconds,
                },
            }),
        delays: leak_slice(
            headers
                .delays
                .iter()
                .map(|d| delay_source(d, &body.captures))
                .collect(),
        ),
        min_delay: headers.min_delay.as_ref().map(|m| m.value),
    }
}

fn capture_index(captures: &[model::Capture], capture: &model::Capture) -> usize {
    captures
        .iter()
        .position(|c| c.same_as(capture))
        .expect("the model registers every capture it uses")
}

fn delay_source(d: &model::DelaySource, captures: &[model::Capture]) -> layout::DelaySource {
    layout::DelaySource {
        from: match (&d.from, d.from.capture()) {
            (model::DelayFrom::Header(h), _) => layout::DelayFrom::Header(leak(&h.value)),
            (_, Some(c)) => layout::DelayFrom::Body(capture_index(captures, &c)),
            (_, None) => unreachable!("a body source is a capture"),
        },
        format: d.format,
        param: d.param.as_deref().map(leak),
        when: match &d.when {
            model::WhenSpent::Always => layout::WhenSpent::Always,
            model::WhenSpent::Header(h) => layout::WhenSpent::Header(leak(&h.value)),
            model::WhenSpent::Param(p) => layout::WhenSpent::Param(leak(p)),
        },
        name: leak(&d.name),
    }
}

/// The API's success predicate as the runtime's
/// [`SuccessCheck`](errspec_core::success::SuccessCheck) over `layouts`
/// (leaked, like the layout): what generated code holds as `SUCCESS`.
pub fn success_check(
    api: &Api,
    layouts: &'static Layouts<'static>,
) -> Option<&'static errspec_core::success::SuccessCheck<'static>> {
    let success = api.success.as_ref()?;
    Some(Box::leak(Box::new(errspec_core::success::SuccessCheck {
        failure_when: leak_slice(
            success
                .failure_when
                .iter()
                .map(|c| condition(api, c))
                .collect(),
        ),
        decoder: errspec_core::success::BodyDecoder::Several(layouts),
    })))
}

/// The API's batch layout as the runtime's
/// [`BatchLayout`](errspec_core::batch::BatchLayout) (leaked, like the
/// layout): what generated code holds as `BATCH`.
pub fn batch_layout(api: &Api) -> Option<&'static errspec_core::batch::BatchLayout<'static>> {
    use errspec_core::batch::{BatchLayout, CodeClasses};
    let batch = api.batch.as_ref()?;
    let item: &'static layout::ApiLayout = Box::leak(Box::new(layout::ApiLayout {
        body: body_layout(&batch.item),
        headers: layout::HeaderLayout::NONE,
    }));
    let codes = if batch.item.code.is_some() {
        api.codes.as_slice()
    } else {
        &[]
    };
    let mut classes: Vec<(&model::CodeValue, RetryClass)> = codes
        .iter()
        .map(|c| (&c.value, c.effective_class(api)))
        .collect();
    classes.sort_by(|a, b| a.0.cmp(b.0));
    let classes = match api.body.code_type {
        model::CodeType::Integer => CodeClasses::Int(leak_slice(
            classes
                .iter()
                .filter_map(|(v, c)| match v {
                    model::CodeValue::Int(i) => Some((*i, *c)),
                    model::CodeValue::Str(_) => None,
                })
                .collect(),
        )),
        model::CodeType::String => CodeClasses::Str(leak_slice(
            classes
                .iter()
                .filter_map(|(v, c)| match v {
                    model::CodeValue::Str(s) => Some((leak(s), *c)),
                    model::CodeValue::Int(_) => None,
                })
                .collect(),
        )),
    };
    let integer_codes = api.body.code_type == model::CodeType::Integer;
    Some(Box::leak(Box::new(BatchLayout {
        items: pointer(&batch.items),
        item: Box::leak(Box::new(Decoder::new(item))),
        failed_when: leak_slice(
            batch
                .failed_when
                .iter()
                .map(|c| lower_condition(c, integer_codes, &batch.item.captures))
                .collect(),
        ),
        index: batch
            .index
            .as_ref()
            .map(|p| capture_index(&batch.item.captures, &model::Capture::At(p.clone()))),
        classes,
        retry: batch.retry,
    })))
}

/// The API's directive and rules as the runtime's [`rules::Classifier`]
/// (leaked, like the layout): what generated code holds as `CLASSIFIER`.
pub fn classifier(api: &Api) -> &'static rules::Classifier {
    let rules = api
        .rules
        .iter()
        .map(|r| rules::Rule {
            name: r.name.as_ref().map(|n| leak(&n.value)),
            when: leak_slice(r.conditions.iter().map(|c| condition(api, c)).collect()),
            retry: r.retry,
        })
        .collect();
    Box::leak(Box::new(rules::Classifier {
        should_retry: api.headers.should_retry.as_ref().map(|h| header(&h.value)),
        rules: leak_slice(rules),
    }))
}

/// One condition of a rule or a layout, as the runtime evaluates it.
fn condition(api: &Api, c: &model::Condition) -> rules::Condition {
    let integer_codes = api.body.code_type == model::CodeType::Integer;
    lower_condition(c, integer_codes, &api.body.captures)
}

/// A condition whose body values are `captures` of one layout.
fn lower_condition(
    c: &model::Condition,
    integer_codes: bool,
    captures: &[model::Capture],
) -> rules::Condition {
    let test = |t: &model::Test, code: bool| {
        let text = |v: &str| {
            if code
                && integer_codes
                && let Ok(i) = v.trim().parse::<i64>()
            {
                leak(&i.to_string())
            } else {
                leak(v)
            }
        };
        match t {
            model::Test::Equals(v) => rules::Test::Equals(text(v)),
            model::Test::NotEquals(v) => rules::Test::NotEquals(text(v)),
            model::Test::In(vs) => {
                rules::Test::In(leak_slice(vs.iter().map(|v| text(v)).collect()))
            }
            model::Test::Present(p) => rules::Test::Present(*p),
            model::Test::Contains(v) => rules::Test::Contains(leak(v)),
        }
    };
    match c {
        model::Condition::Status(ranges) => rules::Condition::Status(leak_slice(
            ranges
                .iter()
                .map(|(first, last)| rules::StatusRange {
                    first: *first,
                    last: *last,
                })
                .collect(),
        )),
        model::Condition::Code(t) => rules::Condition::Code(test(t, true)),
        model::Condition::Header(h, t) => {
            rules::Condition::Header(header(&h.value), test(t, false))
        }
        model::Condition::Message(t) => rules::Condition::Message(test(t, false)),
        model::Condition::Field(p, t) => rules::Condition::Field(
            capture_index(captures, &model::Capture::At(p.clone())),
            test(t, false),
        ),
    }
}

/// What a response decoded to: the parts an example's `expect` can name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// The machine code as sent.
    pub code: Option<String>,
    /// The retry class.
    pub retry: RetryClass,
    /// The server-requested delay at the example's `now`.
    pub delay: Option<Duration>,
    /// The message.
    pub message: Option<String>,
    /// The request id.
    pub request_id: Option<String>,
    /// The field errors: (field, message).
    pub field_errors: Vec<(String, Option<String>)>,
    /// What decided the class (`directive`, `rule NAME`, `code`, …).
    pub decided_by: String,
    /// The extras the response had, by name, as JSON values.
    pub extras: std::collections::BTreeMap<String, serde_json::Value>,
    /// Whether the response is a success: a status below 400 that the
    /// API's success predicate does not call a failure.
    pub success: bool,
    /// The failed items of a batch response.
    pub batch_failures: Vec<errspec_core::BatchFailure>,
}

/// Whether a response is a success, given whether the API's success
/// predicate called it a failure: what a client returns as delivered.
pub fn is_success(status: http::StatusCode, failed_2xx: bool) -> bool {
    !(status.is_client_error() || status.is_server_error() || failed_2xx)
}

/// An API's extras as the runtime's table (leaked, like the layout): what
/// generated code holds as `EXTRAS`.
pub fn extras_layout(api: &Api) -> &'static [errspec_core::extras::ExtraLayout] {
    leak_slice(
        api.body
            .extras
            .iter()
            .map(|e| errspec_core::extras::ExtraLayout {
                name: leak(&e.name.value),
                sources: leak_slice(e.captures.clone()),
                ty: match e.ty {
                    model::ExtraType::String => errspec_core::extras::ExtraType::String,
                    model::ExtraType::Integer => errspec_core::extras::ExtraType::Integer,
                    model::ExtraType::Number => errspec_core::extras::ExtraType::Number,
                    model::ExtraType::Boolean => errspec_core::extras::ExtraType::Boolean,
                },
            })
            .collect(),
    )
}

/// Extras by name, as the JSON a generated error serializes them to.
pub fn extras_by_name(
    extras: &errspec_core::Extras,
) -> std::collections::BTreeMap<String, serde_json::Value> {
    match serde_json::to_value(extras) {
        Ok(serde_json::Value::Object(map)) => map.into_iter().collect(),
        _ => std::collections::BTreeMap::new(),
    }
}

/// An example's response as the runtime takes it: status, headers, body.
/// Header names and values the loader already reported invalid are left out.
pub fn response(example: &Example) -> (http::StatusCode, http::HeaderMap, Vec<u8>) {
    let status = http::StatusCode::from_u16(example.status)
        .unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
    let mut headers = http::HeaderMap::new();
    for (name, value) in &example.headers {
        if let (Ok(name), Ok(value)) = (
            http::HeaderName::from_bytes(name.as_bytes()),
            http::HeaderValue::from_str(value),
        ) {
            headers.append(name, value);
        }
    }
    (status, headers, example.body.as_bytes().to_vec())
}

/// The clock an example is decoded at.
pub fn now(example: &Example) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(example.now)
}

/// Decodes an example's response with the runtime decoder over `layout`,
/// and classifies it as generated code does (the code's `retry`, else the
/// status table, else the defaults).
pub fn decode(api: &Api, layouts: &'static Layouts<'static>, example: &Example) -> Outcome {
    let (status, headers, body) = response(example);
    let decoded = decode_response(api, layouts, status, &headers, &body);
    let failed_2xx =
        success_check(api, layouts).is_some_and(|check| check.fails(status, &headers, &body));
    Outcome {
        success: is_success(status, failed_2xx),
        batch_failures: batch_layout(api)
            .map(|b| b.failures(status, &headers, &body))
            .unwrap_or_default(),
        retry: decoded.retry,
        decided_by: decoded.decided_by.to_string(),
        extras: extras_by_name(&decoded.extras),
        delay: decoded.details.delay_hints.server_delay(now(example)),
        code: decoded.code,
        message: decoded.details.message.as_deref().map(str::to_owned),
        request_id: decoded.details.request_id.map(Into::into),
        field_errors: decoded
            .details
            .field_errors
            .into_iter()
            .map(|f| (f.field.into(), f.message.map(Into::into)))
            .collect(),
    }
}

/// Everything a generated error type answers about one response, from the
/// model: what `errspec classify --spec-dir` reports.
#[derive(Clone, Debug)]
pub struct Decoded<'a> {
    /// The machine code as sent.
    pub code: Option<String>,
    /// The variant generated code names: the code's (`Unknown` for an
    /// unlisted one), else the status's (`Other` for an unlisted one).
    pub variant: &'a str,
    /// Whether the code (for an API without codes, the status) is listed.
    pub known: bool,
    /// The retry class.
    pub retry: RetryClass,
    /// What decided [`retry`](Self::retry).
    pub decided_by: errspec_core::DecidedBy,
    /// Status, message, request id, field errors, delay hints, raw snippet.
    pub details: errspec_core::ErrorDetails,
    /// The API's extras the response had.
    pub extras: errspec_core::Extras,
}

/// Decodes one response with the runtime decoders over `layouts` (the API's,
/// from [`layout()`]) and classifies it as generated code does: directive,
/// rules, the code's `retry`, the status table, the defaults.
pub fn decode_response<'a>(
    api: &'a Api,
    layouts: &Layouts<'_>,
    status: http::StatusCode,
    headers: &http::HeaderMap,
    body: &[u8],
) -> Decoded<'a> {
    let parts = layouts.decode(status, headers, body);
    let code = parts.code.as_ref().map(|c| match c {
        RawCode::Str(s) => s.to_string(),
        RawCode::Int(i) => i.to_string(),
    });
    let listed = code.as_deref().and_then(|c| api.code_for(c));
    let facts = rules::Facts::new(status.as_u16(), headers)
        .code(code.as_deref())
        .message(parts.message.as_deref())
        .captures(&parts.captures);
    let status_row = api.statuses.iter().find(|s| s.status == status.as_u16());
    let (retry, decided_by) = classifier(api).decide(
        &facts,
        listed.and_then(|c| c.retry),
        status_row.map(|s| s.retry),
        api.defaults.for_status(status.as_u16()),
    );
    let extras = errspec_core::Extras::from_captures(extras_layout(api), &parts.captures);
    let status_variant = status_row.map_or("Other", |s| s.variant.as_str());
    let (variant, known) = match (&code, listed) {
        (_, Some(listed)) => (listed.variant.as_str(), true),
        (Some(_), None) => ("Unknown", false),
        (None, None) if api.codes.is_empty() => (status_variant, status_row.is_some()),
        (None, None) => (status_variant, false),
    };
    let (_, details) = parts.into_details(status);
    Decoded {
        extras,
        code,
        variant,
        known,
        retry,
        decided_by,
        details,
    }
}

/// Where an outcome differs from what the example expects, one line each
/// (`code: expected `a`, decoded `b``); empty when it matches.
pub fn mismatches(expect: &Expect, outcome: &Outcome) -> Vec<String> {
    fn shown<T: std::fmt::Debug>(v: &Option<T>) -> String {
        match v {
            Some(v) => format!("{v:?}"),
            None => String::from("none"),
        }
    }
    let mut out = Vec::new();
    let mut compare = |what: &str, want: String, got: String| {
        if want != got {
            out.push(format!("{what}: expected {want}, decoded {got}"));
        }
    };
    if let Some(code) = &expect.code {
        compare("code", shown(code), shown(&outcome.code));
    }
    if let Some(retry) = expect.retry {
        compare(
            "retry",
            format!("`{}`", retry.as_str()),
            format!("`{}`", outcome.retry.as_str()),
        );
    }
    if let Some(delay) = &expect.delay {
        compare("delay", shown(delay), shown(&outcome.delay));
    }
    if let Some(message) = &expect.message {
        compare("message", shown(message), shown(&outcome.message));
    }
    if let Some(request_id) = &expect.request_id {
        compare("request id", shown(request_id), shown(&outcome.request_id));
    }
    if let Some(fields) = &expect.field_errors {
        compare(
            "field errors",
            format!("{fields:?}"),
            format!("{:?}", outcome.field_errors),
        );
    }
    if let Some(decided_by) = &expect.decided_by {
        compare(
            "decided by",
            format!("`{decided_by}`"),
            format!("`{}`", outcome.decided_by),
        );
    }
    if let Some(success) = expect.success {
        compare("success", success.to_string(), outcome.success.to_string());
    }
    if let Some(items) = &expect.batch_failures {
        if items.len() != outcome.batch_failures.len() {
            compare(
                "batch failures",
                format!("{} failed item(s)", items.len()),
                format!(
                    "{}: {:?}",
                    outcome.batch_failures.len(),
                    outcome
                        .batch_failures
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                ),
            );
        }
        for (i, (want, got)) in items.iter().zip(&outcome.batch_failures).enumerate() {
            let what = |part: &str| format!("batch failure {} {part}", i + 1);
            if let Some(index) = want.index {
                compare(&what("index"), index.to_string(), got.index.to_string());
            }
            if let Some(code) = &want.code {
                let got_code = got.code.as_ref().map(ToString::to_string);
                compare(&what("code"), shown(code), shown(&got_code));
            }
            if let Some(message) = &want.message {
                let got_message = got.message.as_ref().map(ToString::to_string);
                compare(&what("message"), shown(message), shown(&got_message));
            }
            if let Some(retry) = want.retry {
                compare(
                    &what("retry"),
                    format!("`{}`", retry.as_str()),
                    format!("`{}`", got.retry_class.as_str()),
                );
            }
        }
    }
    for (name, value) in expect.extras.iter().flatten() {
        let shown_json = |v: Option<&serde_json::Value>| match v {
            Some(v) => v.to_string(),
            None => String::from("none"),
        };
        compare(
            &format!("extra `{name}`"),
            shown_json(value.as_ref()),
            shown_json(outcome.extras.get(name)),
        );
    }
    out
}

/// Runs every example of a catalog; one located error per example that
/// does not decode as written.
pub fn check_examples(catalog: &Catalog) -> Diagnostics {
    let mut diags = Diagnostics::new();
    for api in &catalog.apis {
        if api.examples.is_empty() {
            continue;
        }
        let layout = layout(api);
        for example in &api.examples {
            let outcome = decode(api, layout, example);
            let wrong = mismatches(&example.expect, &outcome);
            if wrong.is_empty() {
                continue;
            }
            let mut d = Diagnostic::error(
                example.span,
                format!(
                    "example `{}` no longer decodes as written",
                    example.name.replace('\n', " ")
                ),
            )
            .with_label(format!(
                "{} difference{}",
                wrong.len(),
                if wrong.len() == 1 { "" } else { "s" }
            ));
            for w in wrong {
                d = d.with_plain_note(w);
            }
            d = d.with_note(example.expect.span, "what it must decode to");
            diags.push(d);
        }
    }
    diags
}

/// What [`check_dir`] found.
#[derive(Clone, Debug, Default)]
pub struct ExamplesReport {
    /// Examples run.
    pub examples: usize,
    /// Examples that did not decode as written.
    pub failures: usize,
    /// The failures, rendered in rustc's shape.
    pub rendered: String,
}

/// Loads every catalog in `spec_dir` and runs every example. Catalogs that
/// do not load are skipped: their diagnostics are the generator's to print.
pub fn check_dir(spec_dir: &Path) -> Result<ExamplesReport, GenerateError> {
    let specs = project::read_specs(spec_dir)?;
    Ok(check_files(&specs))
}

/// [`check_dir`] over files already read.
pub fn check_files(specs: &[SourceFile]) -> ExamplesReport {
    let mut report = ExamplesReport::default();
    for file in specs {
        let Ok(loaded) = crate::load_catalog(file) else {
            continue;
        };
        report.examples += loaded
            .catalog
            .apis
            .iter()
            .map(|a| a.examples.len())
            .sum::<usize>();
        let diags = check_examples(&loaded.catalog);
        if !diags.is_empty() {
            report.failures += diags.len();
            report.rendered.push_str(&diags.render(file));
        }
    }
    report
}
