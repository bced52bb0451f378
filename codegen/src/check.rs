//! Stage 3: rules that relate several parts of a catalog.
//!
//! Each rule is one `check_*` function whose comment states it. Every rule
//! runs; all problems are reported together.

use std::collections::HashMap;

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::model::{Api, BodyFormat, Catalog, RetryClass};
use crate::spec::Spec;

/// Runs every rule over a lowered catalog.
pub fn check(spec: &Spec, catalog: &Catalog, diags: &mut Diagnostics) {
    check_not_empty(spec, catalog, diags);
    check_provider_identifier(catalog, diags);
    check_as_of_date(catalog, diags);
    check_api_identifiers(catalog, diags);
    for (api, (_, api_spec)) in catalog.apis.iter().zip(&spec.apis) {
        check_api_lists_something(api, api_spec, diags);
        check_codes_have_a_source(api, api_spec, diags);
        check_text_bodies_have_no_pointers(api, diags);
        check_duplicate_codes(api, diags);
        check_variant_collisions(api, diags);
        check_code_statuses_listed(api, diags);
        check_throttled_has_delay_source(api, diags);
    }
}

/// A catalog must describe at least one API.
fn check_not_empty(spec: &Spec, catalog: &Catalog, diags: &mut Diagnostics) {
    if catalog.apis.is_empty() {
        diags.push(
            Diagnostic::error(spec.span, "the catalog is empty: `apis` lists no API")
                .with_help("add an API under `apis`, e.g. `apis: { default: { statuses: … } }`"),
        );
    }
}

/// The provider becomes a module and file name: lower snake_case.
fn check_provider_identifier(catalog: &Catalog, diags: &mut Diagnostics) {
    let p = &catalog.provider;
    if !is_snake_identifier(&p.value) {
        diags.push(
            Diagnostic::error(
                p.span,
                format!(
                    "provider `{}` is not a lower snake_case identifier",
                    p.value
                ),
            )
            .with_label("used as a module and file name")
            .with_help("use lower-case ASCII letters, digits and `_`, starting with a letter"),
        );
    }
}

/// API names become module names: lower snake_case.
fn check_api_identifiers(catalog: &Catalog, diags: &mut Diagnostics) {
    for api in &catalog.apis {
        if !is_snake_identifier(&api.name.value) {
            diags.push(
                Diagnostic::error(
                    api.name.span,
                    format!(
                        "API name `{}` is not a lower snake_case identifier",
                        api.name.value
                    ),
                )
                .with_label("used as a module name"),
            );
        }
    }
}

fn is_snake_identifier(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        && !RUST_KEYWORDS.contains(&s)
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
    let parts: Vec<&str> = d.value.split('-').collect();
    let ok = matches!(parts.as_slice(), [y, m, day]
        if y.len() == 4 && m.len() == 2 && day.len() == 2
        && y.parse::<u16>().is_ok()
        && m.parse::<u8>().is_ok_and(|m| (1..=12).contains(&m))
        && day.parse::<u8>().is_ok_and(|d| (1..=31).contains(&d)));
    if !ok {
        diags.push(
            Diagnostic::error(
                d.span,
                format!(
                    "`as_of` must be a date like 2026-11-24, found `{}`",
                    d.value
                ),
            )
            .with_label("expected YYYY-MM-DD"),
        );
    }
}

/// An API with neither statuses nor codes generates nothing useful.
fn check_api_lists_something(api: &Api, written: &crate::spec::ApiSpec, diags: &mut Diagnostics) {
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
fn check_codes_have_a_source(api: &Api, written: &crate::spec::ApiSpec, diags: &mut Diagnostics) {
    if written
        .body
        .as_ref()
        .and_then(|b| b.code.as_ref())
        .is_none()
        && let Some(first) = api.codes.first()
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

/// Text bodies are not parsed: body pointers there would never match.
fn check_text_bodies_have_no_pointers(api: &Api, diags: &mut Diagnostics) {
    let b = &api.body;
    if b.format != BodyFormat::Text {
        return;
    }
    let pointers = [
        b.errors.as_ref(),
        b.message.as_ref(),
        b.request_id.as_ref(),
        match &b.code {
            Some(crate::model::CodeSource::Body(p)) => Some(p),
            _ => None,
        },
    ];
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
/// `rate_limited`), nor take the catch-all's name.
fn check_variant_collisions(api: &Api, diags: &mut Diagnostics) {
    let mut seen: HashMap<&str, &crate::model::Code> = HashMap::new();
    for c in &api.codes {
        if c.variant == "Unknown" {
            diags.push(
                Diagnostic::error(
                    c.span,
                    format!(
                        "code `{}` becomes the variant `Unknown`, which is reserved",
                        c.value
                    ),
                )
                .with_label("clashes with the catch-all variant"),
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
                .with_note(first.span, format!("`{}` defined here", first.value)),
            ),
            Some(_) => {}
            None => {
                seen.insert(&c.variant, c);
            }
        }
    }
}

/// A code's status should be in the status table, so its meaning and class are documented
/// (a warning: the defaults still classify it).
fn check_code_statuses_listed(api: &Api, diags: &mut Diagnostics) {
    if api.statuses.is_empty() {
        return;
    }
    for c in &api.codes {
        for s in &c.statuses {
            if !api.statuses.iter().any(|st| st.status == *s) {
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
/// reset header the client can only back off (a warning).
fn check_throttled_has_delay_source(api: &Api, diags: &mut Diagnostics) {
    if api.headers.has_delay_source() {
        return;
    }
    let status = api
        .statuses
        .iter()
        .find(|s| s.retry == RetryClass::Throttled)
        .map(|s| s.span);
    let code = api
        .codes
        .iter()
        .find(|c| c.retry == Some(RetryClass::Throttled))
        .map(|c| c.span);
    if let Some(span) = status.or(code) {
        diags.push(
            Diagnostic::warning(
                span,
                format!(
                    "`throttled` in API `{}`, which declares no delay header",
                    api.name.value
                ),
            )
            .with_label("clients will fall back to backoff")
            .with_help("declare `headers.retry_after` or `headers.rate_limit.reset`"),
        );
    }
}
