//! Stage 4 (docs): one Markdown page per checked catalog, and an index.
//!
//! The pages are rendered with minijinja from templates embedded in the
//! crate (`codegen/templates/*.md.j2`). Everything a template shows is
//! computed here, so the templates only lay it out; output is
//! deterministic.

use minijinja::syntax::SyntaxConfig;
use minijinja::value::Serde;
use minijinja::{Environment, UndefinedBehavior, Value};
use serde::Serialize;

use crate::example::example_response;
use crate::expand::status_label;
use crate::model::{
    Api, BodyFormat, BodyLayout, Catalog, Code, CodeSource, CodeType, Condition, Pointer,
    ResetUnit, RetryClass, SourceKind, Test,
};
use crate::source::{Located, SourceFile};
use crate::text::{self, table_cell};

const PROVIDER_TEMPLATE: &str = include_str!("../templates/provider.md.j2");
const INDEX_TEMPLATE: &str = include_str!("../templates/index.md.j2");

/// A catalog with the file it was loaded from (for its name and for header
/// names as written).
#[derive(Clone, Copy, Debug)]
pub struct DocSource<'a> {
    /// The checked catalog.
    pub catalog: &'a Catalog,
    /// Its spec file.
    pub file: &'a SourceFile,
}

/// The Markdown page of one provider: per API the status and code tables,
/// the retry classes, the body layout, the headers and an example response
/// for each error. `crate_name` is the Rust crate the types live in (e.g.
/// `errspec_providers`).
pub fn render_provider(source: DocSource<'_>, crate_name: &str) -> String {
    let page = ProviderPage::new(source, crate_name);
    render(PROVIDER_TEMPLATE, Value::from(Serde(&page)))
}

/// The index of every provider page. `sources` must be sorted by provider.
pub fn render_index(sources: &[DocSource<'_>]) -> String {
    let providers: Vec<IndexRow> = sources
        .iter()
        .map(|s| IndexRow {
            provider: s.catalog.provider.value.clone(),
            title: table_cell(&s.catalog.title),
            apis: s
                .catalog
                .apis
                .iter()
                .map(|a| table_cell(&a.title))
                .collect::<Vec<_>>()
                .join(", "),
            codes: s.catalog.apis.iter().map(|a| a.codes.len()).sum(),
            statuses: s.catalog.apis.iter().map(|a| a.statuses.len()).sum(),
            as_of: s.catalog.as_of.value.clone(),
            spec: code_cell(&s.file.name),
        })
        .collect();
    render(
        INDEX_TEMPLATE,
        Value::from(Serde(IndexPage {
            providers,
            classes: classes(),
        })),
    )
}

fn render(template: &str, ctx: Value) -> String {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    match SyntaxConfig::builder()
        .trim_blocks(true)
        .lstrip_blocks(true)
        .keep_trailing_newline(true)
        .build()
    {
        Ok(syntax) => env.set_syntax(syntax),
        Err(e) => panic!("bug: invalid minijinja syntax config: {e}"),
    }
    let rendered = env.template_from_str(template).and_then(|t| t.render(ctx));
    match rendered {
        // Templates may leave runs of blank lines; Markdown wants at most one.
        Ok(text) => collapse_blank_lines(&text),
        Err(e) => panic!("bug: a docs template failed to render: {e:#}"),
    }
}

fn collapse_blank_lines(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank = 0;
    for line in text.trim_start_matches('\n').lines() {
        let line = line.trim_end();
        if line.is_empty() {
            blank += 1;
            if blank > 1 {
                continue;
            }
        } else {
            blank = 0;
        }
        out.push_str(line);
        out.push('\n');
    }
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

#[derive(Serialize)]
struct IndexPage {
    providers: Vec<IndexRow>,
    classes: Vec<ClassRow>,
}

#[derive(Serialize)]
struct IndexRow {
    provider: String,
    title: String,
    apis: String,
    codes: usize,
    statuses: usize,
    as_of: String,
    spec: String,
}

#[derive(Serialize)]
struct ClassRow {
    name: &'static str,
    meaning: &'static str,
}

fn classes() -> Vec<ClassRow> {
    RetryClass::ALL
        .iter()
        .map(|c| ClassRow {
            name: c.as_str(),
            meaning: c.meaning(),
        })
        .collect()
}

#[derive(Serialize)]
struct ProviderPage {
    provider: String,
    title: String,
    description: Option<String>,
    docs_url: Option<String>,
    as_of: String,
    spec: String,
    classes: Vec<ClassRow>,
    sources: Vec<SourceRow>,
    apis: Vec<ApiPage>,
}

#[derive(Serialize)]
struct SourceRow {
    name: String,
    kind: &'static str,
    url: String,
    note: String,
}

#[derive(Serialize)]
struct DocumentedExample {
    name: String,
    cites: String,
    response: String,
    expect: String,
}

#[derive(Serialize)]
struct ApiPage {
    name: String,
    title: String,
    description: Option<String>,
    docs_url: Option<String>,
    rust_path: String,
    statuses: Vec<StatusRow>,
    default_client: &'static str,
    default_server: &'static str,
    has_codes: bool,
    codes: Vec<CodeRow>,
    /// `rules`, in the order they are tried.
    rules: Vec<RuleRow>,
    /// Whether a server retry directive header decides after the rules.
    has_directive: bool,
    layout: Vec<Row>,
    headers: Vec<Row>,
    /// Documented limits: the limit, and its sources.
    limits: Vec<Row>,
    examples: Vec<ExampleSection>,
    /// Whether any status or code row cites a source (adds a column).
    cites: bool,
    documented: Vec<DocumentedExample>,
}

#[derive(Serialize)]
struct StatusRow {
    status: String,
    meaning: String,
    class: &'static str,
    hint: String,
    cites: String,
}

#[derive(Serialize)]
struct CodeRow {
    code: String,
    variant: String,
    statuses: String,
    description: String,
    class: String,
    hint: String,
    cites: String,
}

#[derive(Serialize)]
struct RuleRow {
    name: String,
    when: String,
    class: &'static str,
    description: String,
    cites: String,
}

#[derive(Serialize)]
struct Row {
    name: String,
    value: String,
}

#[derive(Serialize)]
struct ExampleSection {
    title: String,
    response: String,
}

impl ProviderPage {
    fn new(source: DocSource<'_>, crate_name: &str) -> Self {
        let catalog = source.catalog;
        let several = catalog.apis.len() > 1;
        ProviderPage {
            provider: catalog.provider.value.clone(),
            title: text::inline(&catalog.title),
            description: catalog.description.as_deref().map(text::markdown),
            docs_url: catalog.docs_url.clone(),
            as_of: catalog.as_of.value.clone(),
            spec: text::code_span(&source.file.name),
            classes: classes(),
            sources: catalog
                .sources
                .iter()
                .map(|s| SourceRow {
                    name: s.name.clone(),
                    kind: match s.kind {
                        SourceKind::Official => "official documentation",
                        SourceKind::Sdk => "the provider's SDK or API description",
                        SourceKind::ThirdParty => "**third party** (unverified)",
                    },
                    url: autolink(&s.url),
                    note: s.note.as_deref().map(table_cell).unwrap_or_default(),
                })
                .collect(),
            apis: catalog
                .apis
                .iter()
                .map(|api| {
                    let rust_path = if several {
                        format!(
                            "{crate_name}::{}::{}",
                            catalog.provider.value, api.name.value
                        )
                    } else {
                        format!("{crate_name}::{}", catalog.provider.value)
                    };
                    ApiPage::new(catalog, api, source.file, rust_path)
                })
                .collect(),
        }
    }
}

impl ApiPage {
    fn new(catalog: &Catalog, api: &Api, file: &SourceFile, rust_path: String) -> Self {
        let statuses = api
            .statuses
            .iter()
            .map(|s| StatusRow {
                status: status_label(s.status),
                meaning: table_cell(&s.meaning),
                class: s.retry.as_str(),
                hint: s.hint.as_deref().map(table_cell).unwrap_or_default(),
                cites: citations(catalog, &s.sources),
            })
            .collect();
        let codes = api
            .codes
            .iter()
            .map(|c| CodeRow {
                code: code_cell(&c.value.to_string()),
                variant: c.variant.clone(),
                statuses: if c.statuses.is_empty() {
                    String::from("not documented")
                } else {
                    c.statuses
                        .iter()
                        .map(u16::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                },
                description: table_cell(&c.description),
                class: code_class_cell(api, c),
                hint: c.hint.as_deref().map(table_cell).unwrap_or_default(),
                cites: citations(catalog, &c.sources),
            })
            .collect();
        let cites = api.statuses.iter().any(|s| !s.sources.is_empty())
            || api.codes.iter().any(|c| !c.sources.is_empty());
        let rules = api
            .rules
            .iter()
            .enumerate()
            .map(|(i, r)| RuleRow {
                name: r
                    .name
                    .as_ref()
                    .map_or_else(|| format!("#{}", i + 1), |n| code_cell(&n.value)),
                when: rule_conditions(&r.conditions, file),
                class: r.retry.as_str(),
                description: r.description.as_deref().map(table_cell).unwrap_or_default(),
                cites: citations(catalog, &r.sources),
            })
            .collect();
        ApiPage {
            name: api.name.value.clone(),
            title: text::inline(&api.title),
            description: api.description.as_deref().map(text::markdown),
            docs_url: api.docs_url.clone(),
            rust_path,
            statuses,
            default_client: api.defaults.client_error.as_str(),
            default_server: api.defaults.server_error.as_str(),
            has_codes: api.has_codes(),
            codes,
            rules,
            has_directive: api.headers.should_retry.is_some(),
            layout: layout_rows(api, file),
            headers: header_rows(catalog, api, file),
            limits: api
                .limits
                .iter()
                .map(|l| Row {
                    name: format!(
                        "{} per {:?}, per {}",
                        l.requests,
                        l.per,
                        match l.scope {
                            crate::model::LimitScope::ApiKey => "API key",
                            _ => "account",
                        }
                    ),
                    value: citations(catalog, &l.sources),
                })
                .collect(),
            examples: examples(api, file),
            cites,
            documented: api
                .examples
                .iter()
                .map(|e| DocumentedExample {
                    name: text::inline(&e.name),
                    cites: citations(catalog, &e.sources),
                    response: documented_response(e),
                    expect: expectation(&e.expect),
                })
                .collect(),
        }
    }
}

/// `[name](#sources)` per cited source, third-party ones marked.
fn citations(catalog: &Catalog, names: &[String]) -> String {
    names
        .iter()
        .map(|n| {
            let third = catalog
                .source(n)
                .is_some_and(|s| s.kind == SourceKind::ThirdParty);
            if third {
                format!("[{n}](#source-{n}) (third party)")
            } else {
                format!("[{n}](#source-{n})")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// A URL as a Markdown autolink; `<`, `>` and `|` are percent-encoded so
/// the link cannot end early or break a table.
fn autolink(url: &str) -> String {
    let url = url
        .replace('<', "%3C")
        .replace('>', "%3E")
        .replace('|', "%7C");
    format!("<{url}>")
}

/// A documented example as HTTP/1.1 text, the body exactly as sent.
fn documented_response(e: &crate::model::Example) -> String {
    let mut out = format!("HTTP/1.1 {}\n", status_label(e.status));
    for (name, value) in &e.headers {
        out.push_str(&format!("{name}: {value}\n"));
    }
    if !e.body.is_empty() {
        out.push('\n');
        out.push_str(&e.body);
        out.push('\n');
    }
    // Fenced here: the fence outgrows any backticks the body holds.
    text::fenced("http", &out)
}

/// What an example decodes to, as one Markdown line.
fn expectation(x: &crate::model::Expect) -> String {
    let text = |v: &Option<String>| match v {
        Some(t) => text::code_span(t),
        None => String::from("none"),
    };
    let mut parts = Vec::new();
    if let Some(c) = &x.code {
        parts.push(format!("code {}", text(c)));
    }
    if let Some(r) = x.retry {
        parts.push(format!("retry `{}`", r.as_str()));
    }
    if let Some(d) = &x.delay {
        parts.push(match d {
            Some(d) => format!("server delay {d:?}"),
            None => String::from("no server delay"),
        });
    }
    if let Some(m) = &x.message {
        parts.push(format!("message {}", text(m)));
    }
    if let Some(r) = &x.request_id {
        parts.push(format!("request id {}", text(r)));
    }
    if let Some(success) = x.success {
        parts.push(String::from(if success {
            "a success"
        } else {
            "a failure"
        }));
    }
    if let Some(items) = &x.batch_failures {
        let list: Vec<String> = items
            .iter()
            .map(|i| {
                let mut item = Vec::new();
                if let Some(index) = i.index {
                    item.push(format!("item {index}"));
                }
                if let Some(code) = &i.code {
                    item.push(format!("code {}", text(code)));
                }
                if let Some(retry) = i.retry {
                    item.push(format!("retry `{}`", retry.as_str()));
                }
                item.join(" ")
            })
            .collect();
        parts.push(if list.is_empty() {
            String::from("no failed batch items")
        } else {
            format!("failed batch items: {}", list.join(", "))
        });
    }
    if let Some(f) = &x.field_errors {
        let list: Vec<String> = f
            .iter()
            .map(|(field, m)| match m {
                Some(m) => format!("{} ({})", text(&Some(field.clone())), text::inline(m)),
                None => text(&Some(field.clone())),
            })
            .collect();
        parts.push(if list.is_empty() {
            String::from("no field errors")
        } else {
            format!("field errors {}", list.join(", "))
        });
    }
    parts.join("; ")
}

fn layout_rows(api: &Api, file: &SourceFile) -> Vec<Row> {
    let mut rows = Vec::new();
    let count = api.alternatives.len() + 1;
    for (i, body) in api.layouts().enumerate() {
        if api.chooses_layout() {
            rows.push(Row {
                name: format!("Layout {} of {count}", i + 1),
                value: layout_choice(body),
            });
        }
        body_rows(body, file, &mut rows);
    }
    for extra in &api.body.extras {
        let from: Vec<String> = extra.sources.iter().map(pointer_cell).collect();
        rows.push(Row {
            name: format!("Extra `{}`", extra.name.value),
            value: format!("{}, {}", from.join(", else "), extra.ty.as_str()),
        });
    }
    if let Some(success) = &api.success {
        rows.push(Row {
            name: String::from("Failure inside a 2xx"),
            value: format!(
                "a 2xx response with {} is an error of this API, decoded and classified as one",
                rule_conditions(&success.failure_when, file)
            ),
        });
    }
    if let Some(batch) = &api.batch {
        let items = if batch.items.segments.is_empty() {
            String::from("the body (an array)")
        } else {
            pointer_cell(&batch.items)
        };
        rows.push(Row {
            name: String::from("Batch items"),
            value: format!("one result per item of the request, at {items}"),
        });
        let failed = if batch.failed_when.is_empty() {
            String::from("every item listed")
        } else {
            format!(
                "an item with {} (pointers from the item)",
                rule_conditions(&batch.failed_when, file)
            )
        };
        rows.push(Row {
            name: String::from("Batch item failed"),
            value: failed,
        });
        rows.push(Row {
            name: String::from("Batch item index"),
            value: batch.index.as_ref().map_or_else(
                || String::from("its position in the array"),
                |p| format!("{} in the item", pointer_cell(p)),
            ),
        });
        if let Some(CodeSource::Body(p)) = &batch.item.code {
            rows.push(Row {
                name: String::from("Batch item code"),
                value: format!(
                    "{} in the item, looked up in the code table",
                    pointer_cell(p)
                ),
            });
        }
        if let Some(p) = &batch.item.message {
            rows.push(Row {
                name: String::from("Batch item message"),
                value: format!("{} in the item", pointer_cell(p)),
            });
        }
        rows.push(Row {
            name: String::from("Batch item class"),
            value: format!(
                "its code's class; `{}` for an item without a listed code (a failed item is retried alone, never the whole batch)",
                batch.retry.as_str()
            ),
        });
    }
    rows
}

/// Which responses a layout decodes, for its row.
fn layout_choice(body: &BodyLayout) -> String {
    let mut parts = Vec::new();
    if !body.content_types.is_empty() {
        let types: Vec<String> = body
            .content_types
            .iter()
            .map(|t| code_cell(&t.value))
            .collect();
        parts.push(format!("content type {}", types.join(" or ")));
    }
    for c in &body.when {
        if let Condition::Field(p, test) = c {
            parts.push(format!("{} {}", pointer_cell(p), test_words(test)));
        }
    }
    if parts.is_empty() {
        String::from("every other response")
    } else {
        format!("responses with {}", parts.join(" and "))
    }
}

/// A code's class column: its own class, else the class of each status it
/// is documented at (one class when they agree).
fn code_class_cell(api: &Api, c: &crate::model::Code) -> String {
    if let Some(class) = c.retry {
        return format!("`{}` (code)", class.as_str());
    }
    let classes: Vec<(u16, RetryClass)> = c
        .statuses
        .iter()
        .map(|s| (*s, api.status_class(*s)))
        .collect();
    match classes.first() {
        None => String::from("the status's"),
        Some((_, first)) if classes.iter().all(|(_, class)| class == first) => {
            format!("`{}`", first.as_str())
        }
        Some(_) => classes
            .iter()
            .map(|(status, class)| format!("`{}` at {status}", class.as_str()))
            .collect::<Vec<_>>()
            .join(", "),
    }
}

/// A rule's conditions, in words, for a table cell.
fn rule_conditions(conditions: &[Condition], file: &SourceFile) -> String {
    if conditions.is_empty() {
        return String::from("every response");
    }
    let parts: Vec<String> = conditions
        .iter()
        .map(|c| match c {
            Condition::Status(ranges) => {
                let ranges: Vec<String> = ranges
                    .iter()
                    .map(|&(lo, hi)| match (lo, hi) {
                        (lo, hi) if lo == hi => lo.to_string(),
                        (lo, hi) if lo % 100 == 0 && hi == lo + 99 => format!("{}xx", lo / 100),
                        (lo, hi) => format!("{lo}–{hi}"),
                    })
                    .collect();
                format!("status {}", ranges.join(" or "))
            }
            Condition::Code(test) => format!("code {}", test_words(test)),
            Condition::Header(h, test) => {
                format!(
                    "header {} {}",
                    code_cell(&written(h, file)),
                    test_words(test)
                )
            }
            Condition::Field(p, test) => format!("body {} {}", pointer_cell(p), test_words(test)),
            Condition::Message(test) => format!("message {}", test_words(test)),
        })
        .collect();
    parts.join(" and ")
}

/// A test, in words, for a table cell.
fn test_words(test: &Test) -> String {
    match test {
        Test::Equals(v) => format!("equal to {}", code_cell(v)),
        Test::NotEquals(v) => format!("not equal to {}", code_cell(v)),
        Test::In(vs) => {
            let vs: Vec<String> = vs.iter().map(|v| code_cell(v)).collect();
            format!("one of {}", vs.join(", "))
        }
        Test::Present(true) => String::from("present"),
        Test::Present(false) => String::from("absent"),
        Test::Contains(v) => format!("containing {}", code_cell(v)),
    }
}

/// The rows of one body layout.
fn body_rows(body: &BodyLayout, file: &SourceFile, rows: &mut Vec<Row>) {
    let row = |name: &str, value: String| Row {
        name: name.to_owned(),
        value,
    };
    rows.push(row(
        "Format",
        match body.format {
            BodyFormat::Json => String::from("JSON"),
            BodyFormat::Xml => String::from("XML: pointers name elements from the root element down"),
            BodyFormat::Text => String::from(
                "text: not parsed; every error is a status-level error and a snippet of the body is kept",
            ),
        },
    ));
    if let Some(p) = &body.errors {
        rows.push(row(
            "Errors",
            format!(
                "{}: an array of error objects; the first is the primary error, and the \
                 pointers below are relative to each item",
                pointer_cell(p)
            ),
        ));
    }
    let code_type = match body.code_type {
        CodeType::String => "a string",
        CodeType::Integer => "an integer",
    };
    let source_cell = |source: &CodeSource| match source {
        CodeSource::Body(p) => pointer_cell(p),
        CodeSource::Header(h) => format!("the {} header", code_cell(&written(h, file))),
    };
    match &body.code {
        Some(first) => {
            let mut value = std::iter::once(first)
                .chain(&body.code_fallbacks)
                .map(source_cell)
                .collect::<Vec<_>>()
                .join(", else ");
            value.push_str(&format!(", {code_type}"));
            let norm = &body.code_normalize;
            if let Some(cut) = &norm.drop_after {
                value.push_str(&format!("; cut from the first {}", code_cell(&cut.value)));
            }
            if let Some(cut) = &norm.drop_through {
                value.push_str(&format!("; cut through the last {}", code_cell(&cut.value)));
            }
            rows.push(row("Code", value));
        }
        None => rows.push(row(
            "Code",
            String::from("none: errors are told apart by status"),
        )),
    }
    if let Some(p) = &body.message {
        rows.push(row("Message", pointer_cell(p)));
    }
    if let Some(p) = &body.request_id {
        rows.push(row(
            "Request id",
            format!("{} (from the document root)", pointer_cell(p)),
        ));
    }
    if let Some(f) = &body.field_errors {
        let mut value = match &f.items {
            Some(items) => format!(
                "array {}; in each item, field {}",
                pointer_cell(items),
                pointer_cell(&f.field)
            ),
            None if body.errors.is_some() => format!(
                "at most one per error item: field {}",
                pointer_cell(&f.field)
            ),
            None => format!("at most one: field {}", pointer_cell(&f.field)),
        };
        if let Some(m) = &f.message {
            value.push_str(&format!(", message {}", pointer_cell(m)));
        }
        rows.push(row("Field errors", value));
    }
    if let Some(f) = &body.field_map {
        let mut value = format!(
            "object {} keyed by field (nested keys joined with `.`)",
            pointer_cell(&f.map)
        );
        if let Some(leaf) = &f.leaf {
            value.push_str(&format!("; messages under `{}`", table_cell(&leaf.value)));
        }
        if let Some(m) = &f.message {
            value.push_str(&format!(", text {}", pointer_cell(m)));
        }
        rows.push(row("Field errors", value));
    }
}

/// A code span in a table cell.
fn code_cell(text: &str) -> String {
    text::escape_pipes(&text::code_span(text))
}

fn pointer_cell(p: &Pointer) -> String {
    if p.text.is_empty() {
        String::from("the whole document")
    } else {
        code_cell(&p.text)
    }
}

fn header_rows(catalog: &Catalog, api: &Api, file: &SourceFile) -> Vec<Row> {
    let mut rows = Vec::new();
    let mut push = |h: &Located<String>, value: String| {
        rows.push(Row {
            name: code_cell(&written(h, file)),
            value,
        });
    };
    let headers = &api.headers;
    if let Some(h) = &headers.retry_after {
        push(
            h,
            String::from("response: seconds, or an HTTP date, to wait before retrying"),
        );
    }
    if let Some(r) = &headers.rate_limit {
        if let Some(h) = &r.limit {
            push(
                h,
                String::from("response: requests allowed in the rate-limit window"),
            );
        }
        if let Some(h) = &r.remaining {
            push(h, String::from("response: requests left in the window"));
        }
        if let Some(h) = &r.reset {
            push(
                h,
                String::from(match r.reset_unit {
                    ResetUnit::UnixSeconds => {
                        "response: when the window resets, as a Unix timestamp in seconds"
                    }
                    ResetUnit::Seconds => "response: seconds until the window resets",
                }),
            );
        }
    }
    for d in &headers.delays {
        let what = match &d.when {
            crate::model::WhenSpent::Always => String::new(),
            crate::model::WhenSpent::Header(h) => format!(", when `{}` is 0", written(h, file)),
            crate::model::WhenSpent::Param(p) => format!(", for the members whose `{p}` is 0"),
        };
        let mut value = format!(
            "response: a delay, written as `{}`{what}; the longest delay wins",
            d.format.as_str()
        );
        if !d.sources.is_empty() {
            value.push_str(&format!(" (source: {})", citations(catalog, &d.sources)));
        }
        match &d.from {
            crate::model::DelayFrom::Header(h) => push(h, value),
            // A body pointer: shown as written.
            _ => push(&Located::new(d.name.clone(), Default::default()), value),
        }
    }
    if let Some(h) = &headers.should_retry {
        push(
            h,
            String::from(
                "response: `true` or `false`, the server's word on retrying; decides over every table",
            ),
        );
    }
    if let Some(h) = &headers.request_id {
        push(
            h,
            String::from("response: the request's id (used when the body has none); log it"),
        );
    }
    if let Some(CodeSource::Header(h)) = &api.body.code {
        push(h, String::from("response: the machine code"));
    }
    if let Some(h) = &api.idempotency_header {
        push(
            h,
            String::from(
                "request: a unique key per operation, so a retried request is carried out at most once",
            ),
        );
    }
    rows
}

/// A header name as the spec wrote it (`X-RateLimit-Reset`), else as the
/// model holds it (lower-case).
fn written(h: &Located<String>, file: &SourceFile) -> String {
    file.text
        .get(h.span.start..h.span.end)
        .map(|t| t.trim_matches(|c| c == '"' || c == '\''))
        .filter(|t| t.eq_ignore_ascii_case(&h.value))
        .map_or_else(|| h.value.clone(), str::to_owned)
}

fn examples(api: &Api, file: &SourceFile) -> Vec<ExampleSection> {
    let section = |title: String, code: Option<&Code>, status: u16| ExampleSection {
        title,
        // Fenced here: the fence outgrows any backticks the text holds.
        response: text::fenced(
            "http",
            &example_response(api, code, status).to_http(&|name| header_spelling(api, file, name)),
        ),
    };
    // One per code (at its first status), then one per status no code
    // comes with: a status-level error.
    let mut out: Vec<ExampleSection> = api
        .codes
        .iter()
        .filter_map(|c| {
            let status = *c.statuses.first()?;
            Some(section(
                format!(
                    "{} ({})",
                    text::code_span(&c.value.to_string()),
                    status_label(status)
                ),
                Some(c),
                status,
            ))
        })
        .collect();
    for s in &api.statuses {
        if !api.codes.iter().any(|c| c.statuses.contains(&s.status)) {
            let title = if api.has_codes() {
                format!("{} (no code listed)", status_label(s.status))
            } else {
                status_label(s.status)
            };
            out.push(section(title, None, s.status));
        }
    }
    out
}

fn header_spelling(api: &Api, file: &SourceFile, lower: &str) -> String {
    if lower == "content-type" {
        return String::from("Content-Type");
    }
    let h = &api.headers;
    let rate = h.rate_limit.as_ref();
    let code = match &api.body.code {
        Some(CodeSource::Header(c)) => Some(c),
        _ => None,
    };
    [
        h.retry_after.as_ref(),
        h.request_id.as_ref(),
        rate.and_then(|r| r.limit.as_ref()),
        rate.and_then(|r| r.remaining.as_ref()),
        rate.and_then(|r| r.reset.as_ref()),
        code,
    ]
    .into_iter()
    .flatten()
    .find(|l| l.value == lower)
    .map_or_else(|| lower.to_owned(), |l| written(l, file))
}
