//! Stage 3: rules that relate several parts of a catalog.
//!
//! Each rule is one `check_*` function whose comment states it. Every rule
//! runs; all problems are reported together.

use std::collections::HashMap;

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::load::suggestion;
use crate::model::{
    Api, BodyFormat, BodyLayout, Catalog, CodeSource, CodeType, Condition, DelayFrom, Pointer,
    RetryClass, Test,
};
use crate::source::Span;
use crate::spec::{ApiSpec, Spec, Text};
use crate::text;

/// Runs every rule over a lowered catalog.
pub fn check(spec: &Spec, catalog: &Catalog, diags: &mut Diagnostics) {
    check_provider_identifier(catalog, diags);
    check_as_of_date(catalog, diags);
    check_docs_urls(spec, diags);
    check_no_empty_text(spec, diags);
    check_text_characters(spec, diags);
    check_api_identifiers(catalog, diags);
    for (api, (_, api_spec)) in catalog.apis.iter().zip(&spec.apis) {
        check_api_lists_something(api, api_spec, diags);
        check_codes_have_a_source(api, api_spec, diags);
        check_text_bodies_have_no_pointers(api, diags);
        check_layout_order(api, diags);
        check_xml_pointers(api, diags);
        check_code_count(api, diags);
        check_pointers_into_item_arrays(api, diags);
        check_extra_names(api, diags);
        check_capture_count(api, diags);
        check_duplicate_codes(api, diags);
        check_variant_collisions(api, diags);
        check_error_statuses(api, api_spec, diags);
        check_code_statuses_listed(api, api_spec, diags);
        check_throttled_has_delay_source(api, api_spec, diags);
        check_rate_limit_headers(api_spec, diags);
        check_rule_names(api_spec, diags);
        check_rules_reachable(api, diags);
        check_rule_codes(api, diags);
        check_rules_have_conditions(api, diags);
        check_duplicate_limits(api, diags);
    }
}

/// A documented limit is stated once: the same requests, interval and
/// scope twice is a copy-paste slip (the runtime would pace to it once).
fn check_duplicate_limits(api: &Api, diags: &mut Diagnostics) {
    for (i, limit) in api.limits.iter().enumerate() {
        let same = |l: &&crate::model::Limit| {
            (l.requests, l.per, l.scope) == (limit.requests, limit.per, limit.scope)
        };
        if let Some(first) = api.limits[..i].iter().find(same) {
            diags.push(
                Diagnostic::error(
                    limit.span,
                    format!(
                        "limit {} per {:?} ({}) is listed twice",
                        limit.requests,
                        limit.per,
                        limit.scope.as_str()
                    ),
                )
                .with_label("listed again here")
                .with_note(first.span, "first listed here"),
            );
        }
    }
}

/// The provider becomes a module and file name: lower snake_case, not a keyword.
fn check_provider_identifier(catalog: &Catalog, diags: &mut Diagnostics) {
    let p = &catalog.provider;
    if let Some(problem) = identifier_problem(&p.value) {
        diags.push(
            Diagnostic::error(p.span, format!("provider `{}` {problem}", p.value))
                .with_label("used as a module and file name")
                .with_help("use lower-case ASCII letters, digits and `_`, starting with a letter"),
        );
    }
}

/// API names become module names: lower snake_case, not a keyword.
fn check_api_identifiers(catalog: &Catalog, diags: &mut Diagnostics) {
    for api in &catalog.apis {
        if let Some(problem) = identifier_problem(&api.name.value) {
            diags.push(
                Diagnostic::error(
                    api.name.span,
                    format!("API name `{}` {problem}", api.name.value),
                )
                .with_label("used as a module name")
                .with_help(
                    "use lower-case ASCII letters, digits and `_`, starting with a letter (`api`, `send`)",
                ),
            );
        }
    }
}

/// Why `s` cannot be a module name, if it cannot.
fn identifier_problem(s: &str) -> Option<&'static str> {
    let snake = s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if !snake {
        Some("is not a lower snake_case identifier")
    } else if RUST_KEYWORDS.contains(&s) {
        Some("is a Rust keyword")
    } else {
        None
    }
}

const RUST_KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut",
    "pub", "ref", "return", "self", "static", "struct", "super", "trait", "true", "type", "unsafe",
    "use", "where", "while", "abstract", "become", "box", "do", "final", "macro", "override",
    "priv", "try", "typeof", "unsized", "virtual", "yield",
];

/// `as_of` is a calendar date, YYYY-MM-DD: catalogs drift, readers need to know when it was true.
fn check_as_of_date(catalog: &Catalog, diags: &mut Diagnostics) {
    let d = &catalog.as_of;
    if !is_date(&d.value) {
        diags.push(
            Diagnostic::error(
                d.span,
                format!(
                    "`as_of` must be a date like 2026-11-24, found `{}`",
                    d.value
                ),
            )
            .with_label("expected a real date, YYYY-MM-DD"),
        );
    }
}

/// Whether `s` is a valid proleptic Gregorian date written `YYYY-MM-DD`.
fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' || !digits(0..4) {
        return false;
    }
    if !digits(5..7) || !digits(8..10) {
        return false;
    }
    let num = |r: std::ops::Range<usize>| s[r].parse::<u32>().unwrap_or(0);
    let (year, month, day) = (num(0..4), num(5..7), num(8..10));
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&day)
}

/// Documentation links are absolute `http(s)` URLs: they end up in rustdoc and Markdown.
fn check_docs_urls(spec: &Spec, diags: &mut Diagnostics) {
    let urls = std::iter::once(spec.docs_url.as_ref())
        .chain(spec.apis.iter().map(|(_, a)| a.docs_url.as_ref()))
        .flatten();
    for url in urls {
        let rest = url
            .value
            .strip_prefix("https://")
            .or_else(|| url.value.strip_prefix("http://"));
        // RFC 3986 characters only: no `<`, `>`, `"`, backticks, spaces or
        // controls, which would end an autolink or inject markup.
        let ok = rest.is_some_and(|r| {
            !r.is_empty()
                && !r.starts_with(['/', '?', '#'])
                && r.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || URL_PUNCTUATION.contains(&b))
        });
        if !ok {
            diags.push(
                Diagnostic::error(
                    url.span,
                    format!("`docs_url` is not an http(s) URL: `{}`", url.value),
                )
                .with_label("expected https://…"),
            );
        }
    }
}

/// The punctuation RFC 3986 allows in a URL (with `%` for escapes).
const URL_PUNCTUATION: &[u8] = b"-._~:/?#[]@!$&'()*+,;=%";

/// Free text (titles, meanings, descriptions, hints) is never blank: it
/// becomes rustdoc and `Display` output. Leave an optional key out instead.
fn check_no_empty_text(spec: &Spec, diags: &mut Diagnostics) {
    let mut texts: Vec<(&str, &Text)> = vec![("title", &spec.title)];
    texts.extend(spec.description.iter().map(|t| ("description", t)));
    for (_, api) in &spec.apis {
        texts.extend(api.title.iter().map(|t| ("title", t)));
        texts.extend(api.description.iter().map(|t| ("description", t)));
        for (_, s) in &api.statuses {
            texts.extend(s.meaning.iter().map(|t| ("meaning", t)));
            texts.extend(s.hint.iter().map(|t| ("hint", t)));
        }
        for (_, c) in &api.codes {
            texts.extend(c.description.iter().map(|t| ("description", t)));
            texts.extend(c.hint.iter().map(|t| ("hint", t)));
        }
    }
    for (key, text) in texts {
        if text.value.trim().is_empty() {
            diags.push(
                Diagnostic::error(text.span, format!("`{key}` is empty"))
                    .with_label("write a few words here")
                    .with_help(
                        "optional keys (`hint`, an API's `title`, …) can be left out instead",
                    ),
            );
        }
    }
}

/// Text that ends up in generated code, rustdoc or Markdown holds no
/// control characters, bidi controls or Unicode line breaks
/// ([`text::forbidden_char`]): they break builds (a lone CR in a doc
/// comment), hide what code does (bidi overrides) or break tables. Line
/// feeds and tabs are allowed only in multi-line text (descriptions,
/// meanings, hints); titles, codes, URLs and pointers are one line.
fn check_text_characters(spec: &Spec, diags: &mut Diagnostics) {
    let mut texts: Vec<(&str, &Text, bool)> = vec![("`title`", &spec.title, false)];
    texts.extend(spec.description.iter().map(|t| ("`description`", t, true)));
    texts.extend(spec.docs_url.iter().map(|t| ("`docs_url`", t, false)));
    for (name, source) in &spec.sources {
        texts.push(("a source name", name, false));
        texts.extend(source.url.iter().map(|t| ("`url`", t, false)));
        texts.extend(source.note.iter().map(|t| ("`note`", t, true)));
    }
    for (_, api) in &spec.apis {
        for example in &api.examples {
            texts.extend(
                example
                    .name
                    .iter()
                    .map(|t| ("an example's `name`", t, false)),
            );
            if let Some(r) = &example.response {
                for (name, value) in &r.headers {
                    texts.push(("a header name", name, false));
                    texts.push(("a header value", value, false));
                }
            }
        }
        texts.extend(api.title.iter().map(|t| ("`title`", t, false)));
        texts.extend(api.description.iter().map(|t| ("`description`", t, true)));
        texts.extend(api.docs_url.iter().map(|t| ("`docs_url`", t, false)));
        for b in &api.body {
            texts.extend(b.content_type.iter().map(|t| ("a media type", t, false)));
            let code = b.code.as_ref().and_then(|c| c.pointer.as_ref());
            let fields = b.field_errors.as_ref();
            let pointers = [
                b.errors.as_ref(),
                code,
                b.message.as_ref(),
                b.request_id.as_ref(),
                fields.and_then(|f| f.items.as_ref()),
                fields.and_then(|f| f.field.as_ref()),
                fields.and_then(|f| f.message.as_ref()),
            ];
            texts.extend(
                pointers
                    .into_iter()
                    .flatten()
                    .map(|t| ("a JSON pointer", t, false)),
            );
        }
        for (_, s) in &api.statuses {
            texts.extend(s.meaning.iter().map(|t| ("`meaning`", t, true)));
            texts.extend(s.hint.iter().map(|t| ("`hint`", t, true)));
        }
        for (code, c) in &api.codes {
            texts.push(("a code", code, false));
            texts.extend(c.description.iter().map(|t| ("`description`", t, true)));
            texts.extend(c.hint.iter().map(|t| ("`hint`", t, true)));
        }
    }
    for (what, t, multiline) in texts {
        if let Some((_, c, why)) = text::find_forbidden_char(&t.value, multiline) {
            diags.push(
                Diagnostic::error(t.span, text::forbidden_char_message(what, c, why))
                    .with_label("in this text")
                    .with_help(if multiline {
                        "remove it; only line feeds and tabs may break text"
                    } else {
                        "remove it; this text is one line"
                    }),
            );
        }
    }
}

/// An API with neither statuses nor codes generates nothing useful.
fn check_api_lists_something(api: &Api, written: &ApiSpec, diags: &mut Diagnostics) {
    if written.statuses.is_empty() && written.codes.is_empty() {
        diags.push(
            Diagnostic::error(
                api.span,
                format!("API `{}` lists no statuses and no codes", api.name.value),
            )
            .with_label("empty API")
            .with_help("add a `statuses` table (status → meaning, retry) or a `codes` table"),
        );
    }
}

/// A code table needs `body.code` to say where codes are read from.
fn check_codes_have_a_source(api: &Api, written: &ApiSpec, diags: &mut Diagnostics) {
    if written
        .body
        .iter()
        .all(|b| b.code.is_none() && !b.malformed)
        && let Some((first, _)) = written.codes.first()
    {
        diags.push(
            Diagnostic::error(
                first.span,
                format!(
                    "API `{}` lists codes but `body.code` does not say where they are",
                    api.name.value
                ),
            )
            .with_label("code without a source")
            .with_help(
                "add `body: { code: { pointer: /error/code } }` (or `header: X-Error-Code`)",
            ),
        );
    }
}

/// Text bodies are not parsed: body pointers there would never match. A
/// layout's own pointers are checked in each text layout; the API's
/// (extras, rules, delays) when every layout is text.
fn check_text_bodies_have_no_pointers(api: &Api, diags: &mut Diagnostics) {
    let mut pointers: Vec<Option<&Pointer>> = Vec::new();
    for b in api.layouts().filter(|b| b.format == BodyFormat::Text) {
        pointers.extend(b.own_pointers().into_iter().map(|(_, p)| Some(p)));
    }
    if api.layouts().any(|b| b.format != BodyFormat::Text) {
        return report_text_pointers(pointers, diags);
    }
    let b = &api.body;
    pointers.extend(b.extras.iter().flat_map(|e| e.sources.iter().map(Some)));
    let success = api.success.iter().flat_map(|s| &s.failure_when);
    for c in api.rules.iter().flat_map(|r| &r.conditions).chain(success) {
        if let Condition::Field(p, _) = c {
            pointers.push(Some(p));
        }
    }
    for d in &api.headers.delays {
        match &d.from {
            DelayFrom::Body(p) | DelayFrom::Item { array: p, .. } => pointers.push(Some(p)),
            DelayFrom::Header(_) => {}
        }
    }
    report_text_pointers(pointers, diags);
}

fn report_text_pointers(pointers: Vec<Option<&Pointer>>, diags: &mut Diagnostics) {
    for p in pointers.into_iter().flatten() {
        diags.push(
            Diagnostic::error(
                p.span,
                format!("JSON pointer `{}` in a `text` body", p.text),
            )
            .with_label("text bodies are not parsed")
            .with_help("remove the pointer, or set `format: json`"),
        );
    }
}

/// Layouts are tried in order and the first that fits a response decodes
/// it. A layout without `content_type` or `when` fits every response, so it
/// must be the last (an error: the layouts after it are never used); a
/// layout that an earlier one always takes the place of is unreachable (a
/// warning).
fn check_layout_order(api: &Api, diags: &mut Diagnostics) {
    let layouts: Vec<&BodyLayout> = api.layouts().collect();
    for (i, pair) in layouts.windows(2).enumerate() {
        if !pair[0].chooses() {
            diags.push(
                Diagnostic::error(
                    pair[0].span,
                    "a layout without `content_type` or `when` must be the last",
                )
                .with_label("fits every response: the layouts after it are never tried")
                .with_note(pair[1].span, format!("layout {} is never tried", i + 2))
                .with_help("move this layout to the end of the list (it is the fallback), or give it a `content_type` or a `when`"),
            );
        }
    }
    // A `content_type` or `when` with an error is reported where it is;
    // its layout is left out here rather than taken for a fallback.
    let whole = |b: &BodyLayout| !b.chooses() || !b.content_types.is_empty() || !b.when.is_empty();
    for (i, later) in layouts.iter().enumerate().filter(|(_, b)| whole(b)) {
        if let Some(earlier) = layouts[..i]
            .iter()
            .find(|e| whole(e) && e.chooses() && covers(e, later))
        {
            diags.push(
                Diagnostic::warning(later.span, "this layout is never used")
                    .with_label("an earlier layout fits every response this one fits")
                    .with_note(earlier.span, "this layout is tried first")
                    .with_help("give it a `content_type` or a `when` of its own, or remove it"),
            );
        }
    }
}

/// Whether every response `later` fits is taken by `earlier` first: its
/// media types include `later`'s (or it has none), and its conditions are
/// none or the same.
fn covers(earlier: &BodyLayout, later: &BodyLayout) -> bool {
    let types = |b: &BodyLayout| -> Vec<String> {
        b.content_types.iter().map(|t| t.value.clone()).collect()
    };
    let (e, l) = (types(earlier), types(later));
    let media = e.is_empty() || (!l.is_empty() && l.iter().all(|t| e.contains(t)));
    let conditions = earlier.when.is_empty()
        || (earlier.when.len() == later.when.len()
            && earlier
                .when
                .iter()
                .all(|c| later.when.iter().any(|d| same_condition(c, d))));
    media && conditions
}

/// Two conditions test the same value the same way (wherever written).
fn same_condition(a: &Condition, b: &Condition) -> bool {
    match (a, b) {
        (Condition::Field(p, t), Condition::Field(q, u)) => p.segments == q.segments && t == u,
        _ => a == b,
    }
}

/// An XML layout's pointers name elements: every segment must be an XML
/// name (so never an array index), and the arrays of `errors`,
/// `field_errors.items` and `field_errors.map` do not exist in XML.
fn check_xml_pointers(api: &Api, diags: &mut Diagnostics) {
    for b in api.layouts().filter(|b| b.format == BodyFormat::Xml) {
        for (what, p) in b.own_pointers() {
            if matches!(what, "errors" | "field_errors.items" | "field_errors.map") {
                diags.push(
                    Diagnostic::error(p.span, format!("`{what}` in an `xml` body"))
                        .with_label("XML has elements, not arrays")
                        .with_help("point `code` and `message` at the first error's elements, e.g. `/Response/Errors/Error/Code`"),
                );
                continue;
            }
            if p.segments.is_empty() {
                diags.push(
                    Diagnostic::error(p.span, "the empty pointer in an `xml` body")
                        .with_label("names the document, not an element")
                        .with_help("name the elements from the root down, e.g. `/Error/Code`"),
                );
            }
            if let Some(segment) = p.segments.iter().find(|s| !is_xml_name(s)) {
                diags.push(
                    Diagnostic::error(
                        p.span,
                        format!("`{segment}` in `{}` cannot name an XML element", p.text),
                    )
                    .with_label("not an XML element name")
                    .with_help("in an `xml` body a pointer names elements from the root down, e.g. `/Error/Code`; there are no array indexes"),
                );
            }
        }
    }
}

/// Whether `s` is an XML element name (ASCII subset of the `Name`
/// production, a namespace prefix allowed).
fn is_xml_name(s: &str) -> bool {
    let start = |c: char| c.is_alphabetic() || c == '_' || c == ':';
    s.chars().next().is_some_and(start)
        && s.chars()
            .all(|c| start(c) || c.is_alphanumeric() || matches!(c, '-' | '.'))
}

/// An API lists at most [`crate::MAX_CODES_PER_API`] codes: generated
/// code and docs grow with every code.
fn check_code_count(api: &Api, diags: &mut Diagnostics) {
    if let Some(c) = api.codes.get(crate::MAX_CODES_PER_API) {
        diags.push(
            Diagnostic::error(
                c.span,
                format!(
                    "API `{}` lists {} codes, more than the {} an API may have",
                    api.name.value,
                    api.codes.len(),
                    crate::MAX_CODES_PER_API
                ),
            )
            .with_label("the first code over the limit"),
        );
    }
}

/// A pointer that goes into the array of `errors` or `field_errors.items`
/// names an item by its index (`/errors/0/id`): the decoder reads the
/// array's items one by one, so `/errors/id` would never match.
fn check_pointers_into_item_arrays(api: &Api, diags: &mut Diagnostics) {
    for b in api.layouts() {
        check_pointers_into_layout_arrays(api, b, diags);
    }
}

fn check_pointers_into_layout_arrays(api: &Api, b: &BodyLayout, diags: &mut Diagnostics) {
    // Pointers from the document's root, and pointers in each error object
    // (the root too when there is no errors array).
    let mut root: Vec<&Pointer> = b.request_id.iter().collect();
    root.extend(api.body.extras.iter().flat_map(|e| &e.sources));
    let mut item: Vec<&Pointer> = b.message.iter().collect();
    for source in b.code.iter().chain(&b.code_fallbacks) {
        if let CodeSource::Body(p) = source {
            item.push(p);
        }
    }
    let field_items = b.field_errors.as_ref().and_then(|f| f.items.as_ref());
    let (root_arrays, item_arrays) = match &b.errors {
        Some(errors) => (vec![errors], field_items.into_iter().collect()),
        None => {
            root.append(&mut item);
            (field_items.into_iter().collect(), Vec::new())
        }
    };
    for (pointers, arrays) in [(root, root_arrays), (item, item_arrays)] {
        for p in pointers {
            for array in &arrays {
                let inside = p.segments.len() > array.segments.len()
                    && p.segments.starts_with(&array.segments);
                let index = p.segments.get(array.segments.len());
                if inside && !index.is_some_and(|i| is_index(i)) {
                    diags.push(
                        Diagnostic::error(
                            p.span,
                            format!(
                                "JSON pointer `{}` goes into the array `{}` without an item index",
                                p.text, array.text
                            ),
                        )
                        .with_label("the array's items are read one by one")
                        .with_help(format!(
                            "name the item: `{}/0{}` for the first",
                            array.text,
                            &p.text[p.text.len().min(array.text.len())..]
                        )),
                    );
                }
            }
        }
    }
}

/// An extra becomes a method of the API's generated `Extras`
/// (`err.extras().decline_code()`): a lower snake_case name, not a
/// keyword, not one of the error's own methods (which would read as the
/// same thing) nor one of `Extras`' (which it would hide).
fn check_extra_names(api: &Api, diags: &mut Diagnostics) {
    for extra in &api.body.extras {
        let name = &extra.name;
        let problem = identifier_problem(&name.value).or_else(|| {
            let name = name.value.as_str();
            if ERROR_METHODS.contains(&name) {
                Some("is already a method of the generated error")
            } else if EXTRAS_METHODS.contains(&name) {
                Some("is already a method of `errspec::Extras`")
            } else {
                None
            }
        });
        if let Some(problem) = problem {
            diags.push(
                Diagnostic::error(name.span, format!("extra `{}` {problem}", name.value))
                    .with_label("becomes a method of the API's `Extras`")
                    .with_help(
                        "rename the extra (e.g. add the provider's word for it: `error_type`)",
                    ),
            );
        }
    }
}

/// The methods a generated error has; an extra may not take their names.
pub const ERROR_METHODS: &[&str] = &[
    "decode",
    "status",
    "http_status",
    "code",
    "message",
    "request_id",
    "field_errors",
    "delay_hints",
    "retry_after",
    "raw",
    "details",
    "retry_class",
    "variant_name",
    "is_known",
    "extras",
    "decided_by",
    "check_success",
    "batch_failures",
    "read_delay_hints",
    "spent_window_reset",
    "serialize",
    "clone",
    "fmt",
    "eq",
    "to_string",
    "source",
];

/// The methods of `errspec::Extras`, which the generated `Extras` derefs
/// to; an extra may not hide them.
pub const EXTRAS_METHODS: &[&str] = &[
    "get",
    "by_name",
    "str",
    "int",
    "number",
    "boolean",
    "iter",
    "is_empty",
    "deref",
    "from_captures",
    "as_extras",
];

/// The decoder reads at most `errspec_core::decode::MAX_CAPTURE_SLOTS` body
/// values besides code, message, request id and field errors.
fn check_capture_count(api: &Api, diags: &mut Diagnostics) {
    let used = api
        .layouts()
        .map(|b| b.capture_slots())
        .max()
        .unwrap_or_default();
    if used > errspec_core::decode::MAX_CAPTURE_SLOTS {
        diags.push(
            Diagnostic::error(
                api.span,
                format!(
                    "API `{}` reads {used} body values besides code and message; the decoder reads at most {}",
                    api.name.value,
                    errspec_core::decode::MAX_CAPTURE_SLOTS
                ),
            )
            .with_label("too many extras, body conditions, body delays and code fallbacks")
            .with_plain_note("a `select` (an item picked by a field) counts three"),
        );
    }
}

/// Whether a pointer segment is an array index (RFC 6901: decimal, no
/// leading zeros).
fn is_index(segment: &str) -> bool {
    (segment == "0" || !segment.starts_with('0'))
        && !segment.is_empty()
        && segment.len() <= 9
        && segment.bytes().all(|b| b.is_ascii_digit())
}

/// Two rows must not name the same code (integer codes compare by value: `1` and `01` clash).
fn check_duplicate_codes(api: &Api, diags: &mut Diagnostics) {
    let mut seen = HashMap::new();
    for c in &api.codes {
        if let Some(first) = seen.insert(&c.value, c.span) {
            seen.insert(&c.value, first);
            diags.push(
                Diagnostic::error(c.span, format!("duplicate code `{}`", c.value))
                    .with_label("defined again here")
                    .with_note(first, format!("`{}` first defined here", c.value)),
            );
        }
    }
}

/// Two codes must not become the same Rust variant (`RATE_LIMITED` and
/// `rate_limited`), nor take a name the generated enum reserves.
fn check_variant_collisions(api: &Api, diags: &mut Diagnostics) {
    let mut seen: HashMap<&str, &crate::model::Code> = HashMap::new();
    for c in &api.codes {
        // `Unknown` is the catch-all variant; `Self` is a keyword.
        if matches!(c.variant.as_str(), "Unknown" | "Self") {
            diags.push(
                Diagnostic::error(
                    c.span,
                    format!(
                        "code `{}` becomes the variant `{}`, which is reserved",
                        c.value, c.variant
                    ),
                )
                .with_label(if c.variant == "Unknown" {
                    "clashes with the catch-all variant `Unknown`"
                } else {
                    "`Self` is a Rust keyword"
                })
                .with_help(format!(
                    "name the variant yourself: `variant: {}Code`",
                    c.variant
                )),
            );
            continue;
        }
        match seen.get(c.variant.as_str()) {
            Some(first) if first.value != c.value => diags.push(
                Diagnostic::error(
                    c.span,
                    format!(
                        "codes `{}` and `{}` both become the Rust variant `{}`",
                        first.value, c.value, c.variant
                    ),
                )
                .with_label("same identifier")
                .with_note(first.span, format!("`{}` first defined here", first.value))
                .with_help("name one variant yourself with `variant: …`"),
            ),
            Some(_) => {}
            None => {
                seen.insert(&c.variant, c);
            }
        }
    }
}

/// The tables describe error responses: a 1xx, 2xx or 3xx row is almost
/// certainly a typo or a success copied from the docs (a warning), except
/// a 2xx in an API whose `success` says failures arrive in one.
fn check_error_statuses(api: &Api, written: &ApiSpec, diags: &mut Diagnostics) {
    let rows = api.statuses.iter().map(|s| (s.status, s.span));
    let codes = api
        .codes
        .iter()
        .flat_map(|c| c.statuses.iter().map(move |s| (*s, c.span)));
    for (status, span) in rows.chain(codes) {
        // An API whose failures arrive in a 2xx lists that status on
        // purpose (as written: a `success` with its own error says so too).
        let carries_failures = written.success.is_some() && (200..300).contains(&status);
        if status < 400 && !carries_failures {
            diags.push(
                Diagnostic::warning(span, format!("status {status} is not an error status"))
                    .with_label("expected 4xx or 5xx")
                    .with_help("error catalogs list 4xx and 5xx responses; successes and redirects are not decoded as errors"),
            );
        }
    }
}

/// A code's status should be in the status table, so its meaning and class are documented
/// (a warning: the defaults still classify it).
fn check_code_statuses_listed(api: &Api, written: &ApiSpec, diags: &mut Diagnostics) {
    // Compare with the rows as written, so a row with its own error does
    // not also make every code at its status "unlisted".
    if written.statuses.is_empty() {
        return;
    }
    let rows: Vec<u16> = written
        .statuses
        .iter()
        .filter_map(|(key, _)| key.value.trim().parse().ok())
        .collect();
    let listed = |status: u16| rows.contains(&status);
    for c in &api.codes {
        for s in &c.statuses {
            if !listed(*s) {
                diags.push(
                    Diagnostic::warning(
                        c.span,
                        format!(
                            "code `{}` comes with status {s}, which the status table does not list",
                            c.value
                        ),
                    )
                    .with_label(format!(
                        "status {s} falls back to the defaults ({})",
                        api.defaults.for_status(*s).as_str()
                    )),
                );
            }
        }
    }
}

/// `throttled` waits for a server delay; without a Retry-After or rate-limit
/// reset header the client can only back off (a warning, once per API, at
/// the first `throttled`). A 429 is exempt: it is plainly throttled whether
/// or not a delay comes with it (the client backs off, then honours any
/// delay that does come).
fn check_throttled_has_delay_source(api: &Api, written: &ApiSpec, diags: &mut Diagnostics) {
    // The headers as written: a misspelt header name is its own error.
    let headers = written.headers.as_ref();
    let declared = headers.is_some_and(|h| {
        h.retry_after.is_some() || h.rate_limit.as_ref().is_some_and(|r| r.reset.is_some())
    });
    if declared || api.headers.has_delay_source() {
        return;
    }
    let defaults = written
        .defaults
        .iter()
        .filter(|(_, class)| class.value == RetryClass::Throttled.as_str())
        .map(|(_, class)| class.span);
    let statuses = api
        .statuses
        .iter()
        .filter(|s| s.retry == RetryClass::Throttled && s.status != 429)
        .map(|s| s.span);
    let codes = api
        .codes
        .iter()
        .filter(|c| c.retry == Some(RetryClass::Throttled) && c.statuses != [429])
        .map(|c| c.span);
    let only_429 = |r: &crate::model::Rule| {
        r.conditions.iter().any(
            |c| matches!(c, Condition::Status(ranges) if ranges.iter().all(|r| *r == (429, 429))),
        )
    };
    let rules = api
        .rules
        .iter()
        .filter(|r| r.retry == RetryClass::Throttled && !only_429(r))
        .map(|r| r.span);
    let first: Option<Span> = defaults.chain(statuses).chain(codes).chain(rules).min();
    if let Some(span) = first {
        diags.push(
            Diagnostic::warning(
                span,
                format!(
                    "`throttled` in API `{}`, which declares no delay header",
                    api.name.value
                ),
            )
            .with_label("clients will fall back to backoff")
            .with_help(
                "declare `headers.retry_after`, `headers.rate_limit.reset` or a source under `delays`",
            ),
        );
    }
}

/// `headers.rate_limit` names at least one header, and `reset_unit` only
/// means something with a `reset` header (warnings).
fn check_rate_limit_headers(written: &ApiSpec, diags: &mut Diagnostics) {
    let Some(r) = written.headers.as_ref().and_then(|h| h.rate_limit.as_ref()) else {
        return;
    };
    if r.limit.is_none() && r.remaining.is_none() && r.reset.is_none() {
        diags.push(
            Diagnostic::warning(r.span, "`rate_limit` names no header")
                .with_label("declares nothing")
                .with_help(
                    "name the `limit`, `remaining` and `reset` headers, or remove `rate_limit`",
                ),
        );
    } else if let (Some(unit), None) = (&r.reset_unit, &r.reset) {
        diags.push(
            Diagnostic::warning(unit.span, "`reset_unit` without a `reset` header")
                .with_label("has no effect")
                .with_help(
                    "name the header that carries the reset time, e.g. `reset: X-RateLimit-Reset`",
                ),
        );
    }
}

/// Rule names label `decided_by` and docs: lower snake_case, each used once.
fn check_rule_names(written: &ApiSpec, diags: &mut Diagnostics) {
    let mut seen: HashMap<&str, Span> = HashMap::new();
    for name in written.rules.iter().filter_map(|r| r.name.as_ref()) {
        if identifier_problem(&name.value) == Some("is not a lower snake_case identifier") {
            diags.push(
                Diagnostic::error(
                    name.span,
                    format!(
                        "rule name `{}` is not a lower snake_case identifier",
                        name.value
                    ),
                )
                .with_label("shown in docs and `decided_by`")
                .with_help("use lower-case ASCII letters, digits and `_` (`primary_rate_limit`)"),
            );
        }
        if let Some(first) = seen.insert(&name.value, name.span) {
            diags.push(
                Diagnostic::error(name.span, format!("duplicate rule name `{}`", name.value))
                    .with_label("named again here")
                    .with_note(first, format!("`{}` first used here", name.value)),
            );
        }
    }
}

/// The first matching rule decides: a rule whose conditions include all of
/// an earlier rule's can never decide (a warning at the later rule).
fn check_rules_reachable(api: &Api, diags: &mut Diagnostics) {
    for (j, later) in api.rules.iter().enumerate() {
        let shadow = api.rules[..j].iter().find(|earlier| {
            earlier
                .conditions
                .iter()
                .all(|c| later.conditions.contains(c))
        });
        if let Some(earlier) = shadow {
            diags.push(
                Diagnostic::warning(later.span, "this rule never decides")
                    .with_label("an earlier rule matches every response this one does")
                    .with_note(earlier.span, "the earlier rule")
                    .with_help("move the narrower rule first, or remove it"),
            );
        }
    }
}

/// A rule on the code needs an API with codes; a code the table does not
/// list is likely a typo (a warning, with the closest listed code).
fn check_rule_codes(api: &Api, diags: &mut Diagnostics) {
    for rule in &api.rules {
        check_condition_codes(
            api,
            &rule.conditions,
            rule.span,
            "a rule",
            api.has_codes(),
            diags,
        );
    }
    if let Some(success) = &api.success {
        check_condition_codes(
            api,
            &success.failure_when,
            success.span,
            "`success.failure_when`",
            api.has_codes(),
            diags,
        );
    }
    if let Some(batch) = &api.batch {
        // `failed_when.code` without `batch.code` is the model's error.
        let has_code = batch.item.code.is_some();
        check_condition_codes(
            api,
            &batch.failed_when,
            batch.span,
            "`batch.failed_when`",
            has_code,
            diags,
        );
    }
}

/// The code conditions of a rule, a success predicate or a batch's
/// `failed_when`: codes must exist, and a tested code should be listed.
fn check_condition_codes(
    api: &Api,
    conditions: &[Condition],
    span: crate::source::Span,
    what: &str,
    has_codes: bool,
    diags: &mut Diagnostics,
) {
    let listed: Vec<String> = api.codes.iter().map(|c| c.value.to_string()).collect();
    let listed_refs: Vec<&str> = listed.iter().map(String::as_str).collect();
    {
        for c in conditions {
            let Condition::Code(test) = c else { continue };
            if !has_codes {
                diags.push(
                    Diagnostic::error(
                        span,
                        format!("{what} tests the code, but the API has no codes"),
                    )
                    .with_label("`when.code` never holds")
                    .with_help("say where codes are with `body.code`, or test the status"),
                );
                continue;
            }
            let values: Vec<&str> = match test {
                Test::Equals(v) | Test::NotEquals(v) => vec![v.as_str()],
                Test::In(vs) => vs.iter().map(String::as_str).collect(),
                Test::Present(_) | Test::Contains(_) => Vec::new(),
            };
            for v in values {
                let normalised = match api.body.code_type {
                    CodeType::Integer => v
                        .trim()
                        .parse::<i64>()
                        .map_or(v.to_owned(), |i| i.to_string()),
                    CodeType::String => v.to_owned(),
                };
                if listed.is_empty() || listed.contains(&normalised) {
                    continue;
                }
                let d = Diagnostic::warning(
                    span,
                    format!("{what} tests the code `{v}`, which the code table does not list"),
                )
                .with_label("an unlisted code");
                diags.push(match suggestion(v, &listed_refs) {
                    Some(help) => d.with_help(help),
                    None => d.with_help("list the code under `codes`, or check its spelling"),
                });
            }
        }
    }
}

/// A rule without conditions matches every response: its `retry` replaces
/// the whole status and code tables (a warning).
fn check_rules_have_conditions(api: &Api, diags: &mut Diagnostics) {
    for rule in api.rules.iter().filter(|r| r.conditions.is_empty()) {
        diags.push(
            Diagnostic::warning(
                rule.span,
                "this rule has no conditions and matches every response",
            )
            .with_label("overrides every code and status")
            .with_help("add conditions under `when`, or use `defaults`"),
        );
    }
}
