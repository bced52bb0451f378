//! Rules that relate several parts of the input, or the input and its
//! catalog. Each rule is one `check_*` function whose comment states it;
//! every rule runs and records into the [`Ctxt`], so all mistakes are
//! reported together.

use std::collections::HashMap;

use errspec_codegen::model::{BodyFormat, CodeValue};
use quote::ToTokens;

use crate::ast::{FILLABLE, Input, Style, Unfillable};
use crate::attr::CodeLit;
use crate::bind::{self, Bound};
use crate::class::{self, ClassRule};
use crate::ctxt::Ctxt;
use errspec_codegen::load::{suggestion, unknown_message};

/// The rules that need only the input.
pub(crate) fn check_input(cx: &Ctxt, input: &Input) {
    check_no_generics(cx, input);
    check_named_fields(cx, input);
    check_fields_fillable(cx, input);
    check_one_catch_all(cx, input);
    check_catch_all_maps_nothing(cx, input);
    check_variants_map_something(cx, input);
    check_duplicate_codes(cx, input);
    check_duplicate_statuses(cx, input);
    check_spec_or_inline(cx, input);
    if input.attrs.spec.is_none() {
        check_inline_provider(cx, input);
        check_inline_code_source(cx, input);
        check_inline_text_body(cx, input);
    }
}

/// The rules that need the catalog and the retry-class rules.
pub(crate) fn check_bound(cx: &Ctxt, input: &Input, bound: &Bound, rules: &[ClassRule]) {
    check_codes_in_catalog(cx, input, bound);
    check_decision_kept(cx, input, bound, rules);
    check_exhaustive(cx, input, bound);
    check_retry_determined(cx, input, bound, rules);
}

/// Generic enums are not supported: the decoder builds values from a
/// response alone, with nothing to fill a type parameter.
fn check_no_generics(cx: &Ctxt, input: &Input) {
    let generics = &input.original.generics;
    if !generics.params.is_empty() {
        cx.error_spanned_by(generics, "`ApiError` cannot be derived for a generic enum");
    }
}

/// Variants are unit or have named fields: the decoder fills fields by name.
fn check_named_fields(cx: &Ctxt, input: &Input) {
    for v in &input.variants {
        if v.style == Style::Tuple {
            cx.error_spanned_by(
                &v.original.fields,
                format!(
                    "`{}` has unnamed fields; the decoder fills fields by name: write \
                     `{} {{ message: Option<String>, .. }}` or make it a unit variant",
                    v.ident, v.ident
                ),
            );
        }
    }
}

/// Every field is one the decoder can fill: a known name with its type.
fn check_fields_fillable(cx: &Ctxt, input: &Input) {
    let names: Vec<&str> = FILLABLE.iter().map(|(n, _)| *n).collect();
    for v in &input.variants {
        for f in &v.fields {
            match f.fill {
                Ok(_) => {}
                Err(Unfillable::UnknownName) => {
                    let name = f.ident.to_string();
                    let hint = match suggestion(&name, &names) {
                        Some(help) => help,
                        None => format!("it fills fields named {}", names.join(", ")),
                    };
                    cx.error_spanned_by(
                        f.ident,
                        format!("the decoder cannot fill field `{name}`; {hint}"),
                    );
                }
                Err(Unfillable::WrongType { expected }) => cx.error_spanned_by(
                    &f.original.ty,
                    format!(
                        "the decoder cannot fill `{}: {}`; `{}` must be `{expected}`",
                        f.ident,
                        f.original.ty.to_token_stream(),
                        f.ident
                    ),
                ),
            }
        }
    }
}

/// Exactly one variant is the catch-all (`#[errspec(other)]`): decoding is
/// total, so every response that matches no code or status lands there.
fn check_one_catch_all(cx: &Ctxt, input: &Input) {
    let all: Vec<_> = input.catch_alls().collect();
    match all.as_slice() {
        [] => cx.error_at(
            input.span(),
            format!(
                "`{}` has no catch-all variant: mark the variant that receives every other \
                 response with `#[errspec(other)]`, e.g. `#[errspec(other)] Other {{ status: \
                 http::StatusCode, message: Option<String> }}`",
                input.ident
            ),
        ),
        [_] => {}
        [first, rest @ ..] => {
            for v in rest {
                cx.error_at(
                    v.attrs.other.unwrap_or_else(|| v.ident.span()),
                    format!(
                        "a second catch-all variant: `{}` is already `#[errspec(other)]`; \
                         only one variant can receive everything else",
                        first.ident
                    ),
                );
            }
        }
    }
}

/// The catch-all maps no code or status: it receives what the others do not.
fn check_catch_all_maps_nothing(cx: &Ctxt, input: &Input) {
    for v in input.catch_alls() {
        let a = &v.attrs;
        for span in a
            .codes
            .iter()
            .map(|c| c.span)
            .chain(a.statuses.iter().map(|s| s.span))
        {
            cx.error_at(
                span,
                format!(
                    "the catch-all `{}` receives every response the other variants do not; \
                     it maps no code or status of its own",
                    v.ident
                ),
            );
        }
    }
}

/// Every other variant maps at least one code or status, or it could never
/// be decoded.
fn check_variants_map_something(cx: &Ctxt, input: &Input) {
    for v in &input.variants {
        let a = &v.attrs;
        if !v.is_catch_all() && a.codes.is_empty() && a.statuses.is_empty() && !a.had_errors {
            let message = format!(
                "variant `{}` maps no code or status, so no response decodes to it: add \
                 `#[errspec(code = \"...\")]` or `#[errspec(status = ...)]`, or make it the \
                 catch-all with `#[errspec(other)]`",
                v.ident
            );
            match &a.tokens {
                Some(tokens) => cx.error_spanned_by(tokens, message),
                None => cx.error_spanned_by(v.ident, message),
            }
        }
    }
}

/// A code maps to one variant only, once.
fn check_duplicate_codes(cx: &Ctxt, input: &Input) {
    let mut seen: HashMap<&CodeLit, &syn::Ident> = HashMap::new();
    for v in &input.variants {
        for c in &v.attrs.codes {
            if let Some(first) = seen.insert(&c.value, v.ident) {
                seen.insert(&c.value, first);
                let code = match &c.value {
                    CodeLit::Str(s) => s.clone(),
                    CodeLit::Int(i) => i.to_string(),
                };
                cx.error_at(
                    c.span,
                    format!("code `{code}` is mapped twice: `{first}` already maps it"),
                );
            }
        }
    }
}

/// A status maps to one variant only, once.
fn check_duplicate_statuses(cx: &Ctxt, input: &Input) {
    let mut seen: HashMap<u16, &syn::Ident> = HashMap::new();
    for v in &input.variants {
        for s in &v.attrs.statuses {
            if let Some(first) = seen.insert(s.value, v.ident) {
                seen.insert(s.value, first);
                cx.error_at(
                    s.span,
                    format!(
                        "status {} is mapped twice: `{first}` already maps it",
                        s.value
                    ),
                );
            }
        }
    }
}

/// An enum is bound to a spec file or writes its catalog in-line, not
/// both: with `spec`, the layout, headers and retry classes come from the
/// file; `exhaustive` needs a file to be exhaustive about.
fn check_spec_or_inline(cx: &Ctxt, input: &Input) {
    let a = &input.attrs;
    if let Some(spec) = &a.spec {
        for key in &a.layout.written {
            cx.error_spanned_by(
                key,
                format!(
                    "`{}` is part of an in-line catalog; with `spec = \"{}\"` it comes from the \
                     spec file",
                    key.to_token_stream(),
                    spec.value
                ),
            );
        }
        for v in &input.variants {
            if let Some(retry) = &v.attrs.retry {
                cx.error_at(
                    retry.span,
                    format!(
                        "retry classes come from `{}`; change the catalog rather than override \
                         it here",
                        spec.value
                    ),
                );
            }
        }
    } else if let Some(span) = a.exhaustive {
        cx.error_at(
            span,
            "`exhaustive` requires every code of a spec file to be mapped; it needs \
             `spec = \"...\"`",
        );
    }
}

/// An in-line catalog names its provider (`ApiError::PROVIDER`).
fn check_inline_provider(cx: &Ctxt, input: &Input) {
    if input.attrs.provider.is_none() {
        cx.error_at(
            input.span(),
            format!(
                "`{}` needs a catalog: bind it to a spec file with `#[errspec(spec = \
                 \"spec/provider.yaml\")]`, or write one in-line starting with \
                 `#[errspec(provider = \"...\")]`",
                input.ident
            ),
        );
    }
}

/// Codes need a source: a body pointer (`code = "/error/code"`) or a
/// header (`code_header = "X-Error-Code"`), one of them; and code literals
/// must have the API's code type.
fn check_inline_code_source(cx: &Ctxt, input: &Input) {
    let l = &input.attrs.layout;
    if let (Some(_), Some(header)) = (&l.code, &l.code_header) {
        cx.error_at(
            header.span,
            "codes are read from the body (`code`) or a header (`code_header`), not both",
        );
    }
    // A source written with a mistake (reported) still counts.
    let has_source = l
        .written
        .iter()
        .any(|key| key.is_ident("code") || key.is_ident("code_header"));
    let code_type = l
        .code_type
        .as_ref()
        .map_or(errspec_codegen::model::CodeType::String, |t| t.value);
    let mut reported_source = false;
    for v in &input.variants {
        for c in &v.attrs.codes {
            if !has_source && !reported_source {
                reported_source = true;
                cx.error_at(
                    c.span,
                    format!(
                        "`{}` maps a code, but the enum does not say where codes are: add \
                         `#[errspec(code = \"/error/code\")]` (a JSON pointer) or \
                         `#[errspec(code_header = \"X-Error-Code\")]` to the enum",
                        v.ident
                    ),
                );
            }
            if let Err(why) = bind::code_value(&c.value, code_type) {
                cx.error_at(c.span, why);
            }
        }
    }
}

/// A `text` body is not parsed: body pointers would never match.
fn check_inline_text_body(cx: &Ctxt, input: &Input) {
    let l = &input.attrs.layout;
    if l.format
        .as_ref()
        .is_none_or(|f| f.value != BodyFormat::Text)
    {
        return;
    }
    let pointers = [
        ("errors", l.errors.as_ref().map(|p| p.span)),
        ("code", l.code.as_ref().map(|p| p.span)),
        ("message", l.message.as_ref().map(|p| p.span)),
        ("request_id", l.request_id.as_ref().map(|p| p.span)),
        ("field_errors", l.field_errors.as_ref().map(|p| p.span)),
    ];
    for (key, span) in pointers {
        if let Some(span) = span {
            cx.error_at(
                span,
                format!(
                    "`{key}` points into the body, but `format = \"text\"` bodies are not parsed"
                ),
            );
        }
    }
}

/// Every code a variant maps is in the catalog (spec files only: an
/// in-line catalog is made of the mapped codes).
fn check_codes_in_catalog(cx: &Ctxt, input: &Input, bound: &Bound) {
    let Some(spec) = &input.attrs.spec else {
        return;
    };
    let api = &bound.api;
    if api.body.code.is_none() {
        for c in input.variants.iter().flat_map(|v| &v.attrs.codes) {
            cx.error_at(
                c.span,
                format!(
                    "API `{}` of `{}` has no codes; map statuses with `status = ...`",
                    api.name.value, spec.value
                ),
            );
        }
        return;
    }
    let known: Vec<String> = api.codes.iter().map(|c| c.value.to_string()).collect();
    let known: Vec<&str> = known.iter().map(String::as_str).collect();
    for c in input.variants.iter().flat_map(|v| &v.attrs.codes) {
        let value = match bind::code_value(&c.value, api.body.code_type) {
            Ok(value) => value,
            Err(why) => {
                cx.error_at(c.span, why);
                continue;
            }
        };
        if bound.code(&value).is_none() {
            let text = value.to_string();
            let hint = suggestion(&text, &known).map_or_else(String::new, |h| format!("; {h}"));
            cx.error_at(
                c.span,
                format!(
                    "{}: API `{}` of `{}` does not list it{hint}",
                    unknown_message("code", &text),
                    api.name.value,
                    spec.value
                ),
            );
        }
    }
}

/// A variant whose class the API's rules or retry directive can decide per
/// response keeps that decision in a `retry_class` field: the variant alone
/// does not say which class the generated type would give.
fn check_decision_kept(cx: &Ctxt, input: &Input, bound: &Bound, rules: &[ClassRule]) {
    let reasons = class::per_response(input, bound, rules);
    for (v, reason) in input.variants.iter().zip(reasons) {
        let Some(reason) = reason else { continue };
        if v.keeps_decision() || v.attrs.had_errors {
            continue;
        }
        let span = v.attrs.other.unwrap_or_else(|| v.ident.span());
        cx.error_at(
            span,
            format!(
                "{reason} of API `{}` can decide the retry class of a response that \
                 `{}` receives; keep the decision with a field \
                 `retry_class: errspec::RetryClass`",
                bound.api.name.value, v.ident
            ),
        );
    }
}

/// With `exhaustive`, every code of the catalog is mapped to a variant, so
/// a code added to the spec is a compile error until it is handled.
fn check_exhaustive(cx: &Ctxt, input: &Input, bound: &Bound) {
    let Some(span) = input.attrs.exhaustive else {
        return;
    };
    let mapped: Vec<&CodeValue> = bound.variants.iter().flat_map(|v| &v.codes).collect();
    let unmapped: Vec<String> = bound
        .api
        .codes
        .iter()
        .filter(|c| !mapped.contains(&&c.value))
        .map(|c| format!("`{}`", c.value))
        .collect();
    if !unmapped.is_empty() {
        let spec = input.attrs.spec.as_ref().map_or("", |s| s.value.as_str());
        cx.error_at(
            span,
            format!(
                "`exhaustive`, but {} of `{spec}` {} no variant: {}; map {}, or drop \
                 `exhaustive` to let the catch-all receive {}",
                match unmapped.len() {
                    1 => "a code".to_owned(),
                    n => format!("{n} codes"),
                },
                if unmapped.len() == 1 {
                    "maps to"
                } else {
                    "map to"
                },
                unmapped.join(", "),
                if unmapped.len() == 1 { "it" } else { "them" },
                if unmapped.len() == 1 { "it" } else { "them" },
            ),
        );
    }
}

/// A variant that can receive responses of different retry classes keeps
/// what tells them apart: the `code` when the class depends on the code,
/// the `status` when it depends on the status.
fn check_retry_determined(cx: &Ctxt, input: &Input, bound: &Bound, rules: &[ClassRule]) {
    let inline = bound.spec.is_none();
    for ((v, b), rule) in input.variants.iter().zip(&bound.variants).zip(rules) {
        // A variant that keeps the decided class needs nothing else.
        if v.keeps_decision() {
            continue;
        }
        // A mapping with mistakes (already reported) has no rule worth
        // asking fields for.
        let complete = !v.attrs.had_errors
            && b.codes.len() == v.attrs.codes.len()
            && b.statuses.len() == v.attrs.statuses.len()
            && (v.is_catch_all() || !b.codes.is_empty() || !b.statuses.is_empty());
        if !complete {
            continue;
        }
        let mut missing = Vec::new();
        if rule.needs_code() && !v.keeps_code() {
            missing.push("`code: Option<String>`");
        }
        if rule.needs_status() && v.status_repr().is_none() {
            missing.push("`status: http::StatusCode`");
        }
        if missing.is_empty() {
            continue;
        }
        let depends = match (rule.needs_code(), rule.needs_status()) {
            (true, true) => "the code and status",
            (true, false) => "the code",
            _ => "the status",
        };
        let mut message = format!(
            "the retry class of `{}` depends on {depends} it receives ({}); keep {} with a \
             field {}",
            v.ident,
            rule.describe(),
            if missing.len() == 1 { "it" } else { "them" },
            missing.join(" and ")
        );
        if inline {
            message.push_str(", or give the variant one class with `retry = \"...\"`");
        }
        let span = v.attrs.other.unwrap_or_else(|| v.ident.span());
        cx.error_at(span, message);
    }
}
