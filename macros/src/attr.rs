//! `#[errspec(...)]` attributes, parsed into typed values.
//!
//! Every value keeps the span it was written at, so later errors point at
//! it. Mistakes a value shows on its own (an unknown key, a malformed JSON
//! pointer, an unknown retry class, a status outside 100–599) are recorded
//! here and parsing carries on; rules that relate several values live in
//! [`crate::check`].

use errspec_codegen::model::{self, BodyFormat, CodeType, ResetUnit, RetryClass};
use errspec_codegen::source::Span as SpecSpan;
use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use syn::meta::ParseNestedMeta;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned as _;
use syn::{Attribute, Expr, Lit, Token, UnOp};

use crate::ctxt::Ctxt;
use errspec_codegen::load::{suggestion, unknown_message};

/// A value and where it was written.
#[derive(Clone, Debug)]
pub(crate) struct Spanned<T> {
    pub value: T,
    pub span: Span,
}

impl<T> Spanned<T> {
    fn new(value: T, span: Span) -> Self {
        Spanned { value, span }
    }
}

/// The keys `#[errspec(...)]` takes on the enum.
const CONTAINER_KEYS: &[&str] = &[
    "spec",
    "api",
    "exhaustive",
    "provider",
    "format",
    "errors",
    "code",
    "code_header",
    "code_type",
    "message",
    "request_id",
    "request_id_header",
    "field_errors",
    "retry_after",
    "rate_limit",
    "idempotency_header",
    "defaults",
];

/// The keys `#[errspec(...)]` takes on a variant.
const VARIANT_KEYS: &[&str] = &["code", "codes", "status", "statuses", "retry", "other"];

const FIELD_ERRORS_KEYS: &[&str] = &["items", "field", "message"];
const RATE_LIMIT_KEYS: &[&str] = &["limit", "remaining", "reset", "reset_unit"];
const DEFAULTS_KEYS: &[&str] = &["client_error", "server_error"];

/// Attributes on the enum.
#[derive(Default)]
pub(crate) struct Container {
    /// `spec = "spec/topmail.yaml"`: bind to a catalog file.
    pub spec: Option<Spanned<String>>,
    /// `api = "send"`: which API of the catalog (or the in-line API's name).
    pub api: Option<Spanned<String>>,
    /// `exhaustive`: every code of the catalog must be mapped.
    pub exhaustive: Option<Span>,
    /// `provider = "acme"`: the in-line catalog's provider.
    pub provider: Option<Spanned<String>>,
    /// The in-line body layout and headers.
    pub layout: Layout,
}

/// The body layout and headers of an in-line catalog, as the spec
/// language's `body`, `headers`, `idempotency` and `defaults` describe them.
#[derive(Default)]
pub(crate) struct Layout {
    pub format: Option<Spanned<BodyFormat>>,
    pub errors: Option<Spanned<model::Pointer>>,
    pub code: Option<Spanned<model::Pointer>>,
    pub code_header: Option<Spanned<String>>,
    pub code_type: Option<Spanned<CodeType>>,
    pub message: Option<Spanned<model::Pointer>>,
    pub request_id: Option<Spanned<model::Pointer>>,
    pub request_id_header: Option<Spanned<String>>,
    pub field_errors: Option<Spanned<FieldErrors>>,
    pub retry_after: Option<Spanned<String>>,
    pub rate_limit: Option<Spanned<RateLimit>>,
    pub idempotency_header: Option<Spanned<String>>,
    pub client_error: Option<Spanned<RetryClass>>,
    pub server_error: Option<Spanned<RetryClass>>,
    /// Every in-line catalog key written (`provider` included), valid or
    /// not, for "not with `spec`" errors.
    pub written: Vec<syn::Path>,
}

/// `field_errors(items = "...", field = "...", message = "...")`.
#[derive(Default)]
pub(crate) struct FieldErrors {
    pub items: Option<model::Pointer>,
    pub field: Option<model::Pointer>,
    pub message: Option<model::Pointer>,
}

/// `rate_limit(limit = "...", remaining = "...", reset = "...", reset_unit = "...")`.
#[derive(Default)]
pub(crate) struct RateLimit {
    pub limit: Option<String>,
    pub remaining: Option<String>,
    pub reset: Option<String>,
    pub reset_unit: Option<ResetUnit>,
}

/// A machine code as written on a variant: `code = "rate_limited"` or `code = 1001`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum CodeLit {
    Str(String),
    Int(i64),
}

/// Attributes on a variant.
#[derive(Default)]
pub(crate) struct Variant {
    /// `code = ...` (repeatable) and `codes(...)`, in order.
    pub codes: Vec<Spanned<CodeLit>>,
    /// `status = ...` (repeatable) and `statuses(...)`, in order; only valid ones.
    pub statuses: Vec<Spanned<u16>>,
    /// `retry = "throttled"`.
    pub retry: Option<Spanned<RetryClass>>,
    /// `other`: the catch-all.
    pub other: Option<Span>,
    /// Where the variant's `#[errspec]` attributes are, for errors about them.
    pub tokens: Option<TokenStream>,
    /// Whether they had mistakes (already reported): rules that would
    /// only repeat them skip the variant.
    pub had_errors: bool,
}

impl Container {
    /// Parses the enum's `#[errspec(...)]` attributes.
    pub(crate) fn from_attrs(cx: &Ctxt, attrs: &[Attribute]) -> Self {
        let mut c = Container::default();
        for_each_meta(cx, attrs, |meta| {
            let key = key_of(&meta.path);
            match key.as_str() {
                "spec" => set(cx, &mut c.spec, &meta, string(cx, &meta)?),
                "api" => set(cx, &mut c.api, &meta, string(cx, &meta)?),
                "provider" => {
                    c.layout.written.push(meta.path.clone());
                    set(cx, &mut c.provider, &meta, string(cx, &meta)?);
                }
                "exhaustive" => {
                    flag(cx, &meta)?;
                    let span = meta.path.span();
                    set(cx, &mut c.exhaustive, &meta, Some(span));
                }
                _ if CONTAINER_KEYS.contains(&key.as_str()) => {
                    c.layout.written.push(meta.path.clone());
                    c.layout.parse_key(cx, &key, &meta)?;
                }
                _ => unknown_key(cx, &meta, &key, Place::Enum)?,
            }
            Ok(())
        });
        c
    }
}

impl Layout {
    fn parse_key(&mut self, cx: &Ctxt, key: &str, meta: &ParseNestedMeta) -> syn::Result<()> {
        let l = self;
        match key {
            "format" => {
                let v = string(cx, meta)?.and_then(|s| {
                    named(
                        cx,
                        &s,
                        "body format",
                        &[("json", BodyFormat::Json), ("text", BodyFormat::Text)],
                    )
                });
                set(cx, &mut l.format, meta, v);
            }
            "errors" => set(cx, &mut l.errors, meta, pointer(cx, meta)?),
            "code" => set(cx, &mut l.code, meta, pointer(cx, meta)?),
            "code_header" => set(cx, &mut l.code_header, meta, header(cx, meta)?),
            "code_type" => {
                let v = string(cx, meta)?.and_then(|s| {
                    named(
                        cx,
                        &s,
                        "code type",
                        &[("string", CodeType::String), ("integer", CodeType::Integer)],
                    )
                });
                set(cx, &mut l.code_type, meta, v);
            }
            "message" => set(cx, &mut l.message, meta, pointer(cx, meta)?),
            "request_id" => set(cx, &mut l.request_id, meta, pointer(cx, meta)?),
            "request_id_header" => set(cx, &mut l.request_id_header, meta, header(cx, meta)?),
            "retry_after" => set(cx, &mut l.retry_after, meta, header(cx, meta)?),
            "idempotency_header" => set(cx, &mut l.idempotency_header, meta, header(cx, meta)?),
            "field_errors" => {
                let span = meta.path.span();
                let mut f = FieldErrors::default();
                meta.parse_nested_meta(|inner| {
                    let key = key_of(&inner.path);
                    match key.as_str() {
                        "items" => set(
                            cx,
                            &mut f.items,
                            &inner,
                            pointer(cx, &inner)?.map(|p| p.value),
                        ),
                        "field" => set(
                            cx,
                            &mut f.field,
                            &inner,
                            pointer(cx, &inner)?.map(|p| p.value),
                        ),
                        "message" => {
                            set(
                                cx,
                                &mut f.message,
                                &inner,
                                pointer(cx, &inner)?.map(|p| p.value),
                            );
                        }
                        _ => unknown_key(
                            cx,
                            &inner,
                            &key,
                            Place::Nested("field_errors", FIELD_ERRORS_KEYS),
                        )?,
                    }
                    Ok(())
                })?;
                if f.field.is_none() {
                    cx.error_at(span, "`field_errors(...)` needs `field = \"/pointer\"`: where an item names its field");
                }
                set(cx, &mut l.field_errors, meta, Some(Spanned::new(f, span)));
            }
            "rate_limit" => {
                let span = meta.path.span();
                let mut r = RateLimit::default();
                meta.parse_nested_meta(|inner| {
                    let key = key_of(&inner.path);
                    let header = |r: &mut Option<String>| -> syn::Result<()> {
                        set(cx, r, &inner, header(cx, &inner)?.map(|h| h.value));
                        Ok(())
                    };
                    match key.as_str() {
                        "limit" => header(&mut r.limit)?,
                        "remaining" => header(&mut r.remaining)?,
                        "reset" => header(&mut r.reset)?,
                        "reset_unit" => {
                            let v = string(cx, &inner)?.and_then(|s| {
                                named(
                                    cx,
                                    &s,
                                    "reset unit",
                                    &[
                                        ("unix_seconds", ResetUnit::UnixSeconds),
                                        ("seconds", ResetUnit::Seconds),
                                    ],
                                )
                            });
                            set(cx, &mut r.reset_unit, &inner, v.map(|v| v.value));
                        }
                        _ => unknown_key(
                            cx,
                            &inner,
                            &key,
                            Place::Nested("rate_limit", RATE_LIMIT_KEYS),
                        )?,
                    }
                    Ok(())
                })?;
                set(cx, &mut l.rate_limit, meta, Some(Spanned::new(r, span)));
            }
            "defaults" => {
                meta.parse_nested_meta(|inner| {
                    let key = key_of(&inner.path);
                    match key.as_str() {
                        "client_error" => {
                            set(cx, &mut l.client_error, &inner, retry_class(cx, &inner)?)
                        }
                        "server_error" => {
                            set(cx, &mut l.server_error, &inner, retry_class(cx, &inner)?)
                        }
                        _ => {
                            unknown_key(cx, &inner, &key, Place::Nested("defaults", DEFAULTS_KEYS))?
                        }
                    }
                    Ok(())
                })?;
            }
            _ => unreachable!("layout key `{key}` not handled"),
        }
        Ok(())
    }
}

impl Variant {
    /// Parses a variant's `#[errspec(...)]` attributes.
    pub(crate) fn from_attrs(cx: &Ctxt, attrs: &[Attribute]) -> Self {
        let errors_before = cx.error_count();
        let mut v = Variant::default();
        let ours: Vec<&Attribute> = attrs
            .iter()
            .filter(|a| a.path().is_ident("errspec"))
            .collect();
        if !ours.is_empty() {
            v.tokens = Some(ours.iter().map(|a| a.to_token_stream()).collect());
        }
        for_each_meta(cx, attrs, |meta| {
            let key = key_of(&meta.path);
            match key.as_str() {
                "code" => {
                    let expr: Expr = meta.value()?.parse()?;
                    v.codes.extend(code_lit(cx, &expr));
                }
                "codes" => {
                    for expr in list(&meta)? {
                        v.codes.extend(code_lit(cx, &expr));
                    }
                }
                "status" => {
                    let expr: Expr = meta.value()?.parse()?;
                    v.statuses.extend(status(cx, &expr));
                }
                "statuses" => {
                    for expr in list(&meta)? {
                        v.statuses.extend(status(cx, &expr));
                    }
                }
                "retry" => set(cx, &mut v.retry, &meta, retry_class(cx, &meta)?),
                "other" => {
                    flag(cx, &meta)?;
                    let span = meta.path.span();
                    set(cx, &mut v.other, &meta, Some(span));
                }
                _ => unknown_key(cx, &meta, &key, Place::Variant)?,
            }
            Ok(())
        });
        v.had_errors = cx.error_count() > errors_before;
        v
    }
}

/// Rejects `#[errspec]` on fields: the decoder fills fields by name.
pub(crate) fn reject_field_attrs(cx: &Ctxt, attrs: &[Attribute]) {
    for attr in attrs.iter().filter(|a| a.path().is_ident("errspec")) {
        cx.error_spanned_by(
            attr,
            "`#[errspec]` goes on the enum and its variants; fields are filled by their name \
             (status, code, message, request_id, field_errors, retry_after, delay_hints, raw)",
        );
    }
}

/// Runs `f` on every `key ...` inside every `#[errspec(...)]`, recording
/// syntax errors (which end that one attribute) in `cx`.
fn for_each_meta(
    cx: &Ctxt,
    attrs: &[Attribute],
    mut f: impl FnMut(ParseNestedMeta) -> syn::Result<()>,
) {
    for attr in attrs.iter().filter(|a| a.path().is_ident("errspec")) {
        if let Err(e) = attr.parse_nested_meta(&mut f) {
            cx.syn_error(e);
        }
    }
}

fn key_of(path: &syn::Path) -> String {
    path.to_token_stream().to_string().replace(' ', "")
}

/// Stores a value, reporting a key written twice.
fn set<T>(cx: &Ctxt, slot: &mut Option<T>, meta: &ParseNestedMeta, value: Option<T>) {
    let Some(value) = value else { return };
    if slot.is_some() {
        cx.error_spanned_by(
            &meta.path,
            format!("`{}` is given twice", key_of(&meta.path)),
        );
    } else {
        *slot = Some(value);
    }
}

/// Where a key was found, for "unknown key" messages.
enum Place {
    Enum,
    Variant,
    Nested(&'static str, &'static [&'static str]),
}

/// Reports an unknown key (with a suggestion, or where it belongs) and
/// skips its value so the keys after it are still read.
fn unknown_key(cx: &Ctxt, meta: &ParseNestedMeta, key: &str, place: Place) -> syn::Result<()> {
    let (here, keys, other_place, other_keys): (&str, &[&str], &str, &[&str]) = match place {
        Place::Enum => ("on the enum", CONTAINER_KEYS, "on a variant", VARIANT_KEYS),
        Place::Variant => ("on a variant", VARIANT_KEYS, "on the enum", CONTAINER_KEYS),
        Place::Nested(name, keys) => (name, keys, "", &[]),
    };
    let message = if other_keys.contains(&key) {
        format!("`{key}` goes {other_place}, not {here}")
    } else {
        let mut m = match place {
            Place::Nested(name, _) => format!("{} in `{name}(...)`", unknown_message("key", key)),
            _ => format!("unknown errspec attribute `{key}` {here}"),
        };
        match suggestion(key, keys) {
            Some(help) => m.push_str(&format!("; {help}")),
            None => m.push_str(&format!("; expected one of: {}", keys.join(", "))),
        }
        m
    };
    cx.error_spanned_by(&meta.path, message);
    skip_value(meta)
}

fn skip_value(meta: &ParseNestedMeta) -> syn::Result<()> {
    if meta.input.peek(Token![=]) {
        meta.value()?.parse::<Expr>()?;
    } else if meta.input.peek(syn::token::Paren) {
        meta.input.parse::<proc_macro2::Group>()?;
    }
    Ok(())
}

/// A key without a value: `other`, `exhaustive`.
fn flag(cx: &Ctxt, meta: &ParseNestedMeta) -> syn::Result<()> {
    if meta.input.peek(Token![=]) || meta.input.peek(syn::token::Paren) {
        cx.error_spanned_by(
            &meta.path,
            format!("`{}` takes no value", key_of(&meta.path)),
        );
        skip_value(meta)?;
    }
    Ok(())
}

/// `key = "text"`.
fn string(cx: &Ctxt, meta: &ParseNestedMeta) -> syn::Result<Option<Spanned<String>>> {
    let expr: Expr = meta.value()?.parse()?;
    match &expr {
        Expr::Lit(syn::ExprLit {
            lit: Lit::Str(s), ..
        }) => Ok(Some(Spanned::new(s.value(), s.span()))),
        _ => {
            cx.error_spanned_by(
                &expr,
                format!("expected a string literal for `{}`", key_of(&meta.path)),
            );
            Ok(None)
        }
    }
}

/// `(a, b, c)` after a key.
fn list(meta: &ParseNestedMeta) -> syn::Result<Punctuated<Expr, Token![,]>> {
    let content;
    syn::parenthesized!(content in meta.input);
    Punctuated::parse_terminated(&content)
}

/// One of a fixed set of names: `format = "json"`.
fn named<T: Copy>(
    cx: &Ctxt,
    s: &Spanned<String>,
    what: &str,
    names: &[(&str, T)],
) -> Option<Spanned<T>> {
    if let Some((_, v)) = names.iter().find(|(n, _)| *n == s.value) {
        return Some(Spanned::new(*v, s.span));
    }
    let expected: Vec<&str> = names.iter().map(|(n, _)| *n).collect();
    cx.error_at(s.span, unknown_name(what, &s.value, &expected));
    None
}

fn unknown_name(what: &str, name: &str, expected: &[&str]) -> String {
    let unknown = unknown_message(what, name);
    match suggestion(name, expected) {
        Some(help) => format!("{unknown}; {help}"),
        None => format!("{unknown}; expected one of: {}", expected.join(", ")),
    }
}

/// `retry = "throttled"`: one of the four classes.
fn retry_class(cx: &Ctxt, meta: &ParseNestedMeta) -> syn::Result<Option<Spanned<RetryClass>>> {
    let Some(s) = string(cx, meta)? else {
        return Ok(None);
    };
    let names: Vec<(&str, RetryClass)> = RetryClass::ALL.iter().map(|c| (c.as_str(), *c)).collect();
    Ok(named(cx, &s, "retry class", &names))
}

/// `key = "/json/pointer"`, parsed as the spec language parses pointers.
fn pointer(cx: &Ctxt, meta: &ParseNestedMeta) -> syn::Result<Option<Spanned<model::Pointer>>> {
    let Some(s) = string(cx, meta)? else {
        return Ok(None);
    };
    match model::parse_pointer(&s.value) {
        Ok(segments) => Ok(Some(Spanned::new(
            model::Pointer {
                text: s.value,
                segments,
                span: SpecSpan::default(),
            },
            s.span,
        ))),
        Err(why) => {
            cx.error_at(
                s.span,
                format!(
                    "malformed JSON pointer `{}`: {why}; a pointer is empty or starts with `/`, \
                     e.g. \"/error/code\" (write `~0` for `~` and `~1` for `/`)",
                    s.value
                ),
            );
            Ok(None)
        }
    }
}

/// `key = "Header-Name"`: an HTTP header name, kept lower-case.
fn header(cx: &Ctxt, meta: &ParseNestedMeta) -> syn::Result<Option<Spanned<String>>> {
    let Some(s) = string(cx, meta)? else {
        return Ok(None);
    };
    match http::HeaderName::from_bytes(s.value.as_bytes()) {
        Ok(name) => Ok(Some(Spanned::new(name.as_str().to_owned(), s.span))),
        Err(_) => {
            cx.error_at(
                s.span,
                format!(
                    "invalid header name `{}`: header names are ASCII letters, digits and !#$%&'*+-.^_`|~",
                    s.value
                ),
            );
            Ok(None)
        }
    }
}

/// An integer literal, possibly negated.
fn int_lit(expr: &Expr) -> Option<(syn::Result<i128>, Span)> {
    match expr {
        Expr::Lit(syn::ExprLit {
            lit: Lit::Int(i), ..
        }) => Some((i.base10_parse::<i128>(), i.span())),
        Expr::Unary(syn::ExprUnary {
            op: UnOp::Neg(_),
            expr,
            ..
        }) => {
            let (v, _) = int_lit(expr)?;
            Some((v.map(|v| -v), expr.span()))
        }
        _ => None,
    }
}

/// `code = "rate_limited"` or `code = 1001`.
fn code_lit(cx: &Ctxt, expr: &Expr) -> Option<Spanned<CodeLit>> {
    if let Expr::Lit(syn::ExprLit {
        lit: Lit::Str(s), ..
    }) = expr
    {
        return Some(Spanned::new(CodeLit::Str(s.value()), s.span()));
    }
    match int_lit(expr) {
        Some((Ok(v), _)) if i64::try_from(v).is_ok() => {
            Some(Spanned::new(CodeLit::Int(v as i64), expr.span()))
        }
        Some(_) => {
            cx.error_spanned_by(expr, "integer code out of range for i64");
            None
        }
        None => {
            cx.error_spanned_by(
                expr,
                "expected a code as the provider sends it: a string such as \"rate_limited\" or an integer",
            );
            None
        }
    }
}

/// `status = 429`: an HTTP status, 100–599.
fn status(cx: &Ctxt, expr: &Expr) -> Option<Spanned<u16>> {
    match int_lit(expr) {
        Some((Ok(v), _)) if (100..=599).contains(&v) => Some(Spanned::new(v as u16, expr.span())),
        Some((Ok(v), _)) => {
            cx.error_spanned_by(expr, format!("invalid HTTP status {v}: expected 100–599"));
            None
        }
        Some((Err(e), _)) => {
            cx.syn_error(e);
            None
        }
        None => {
            cx.error_spanned_by(
                expr,
                "expected an HTTP status: an integer from 100 to 599, such as 429",
            );
            None
        }
    }
}
