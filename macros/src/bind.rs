//! Binds the enum to its catalog, as codegen's [`model::Api`]: an API of a
//! spec file (`#[errspec(spec = "...")]`), or the catalog the attributes
//! write in-line. Either way, what follows (checks, retry classes,
//! expansion) sees one shape.

use std::path::Path;

use errspec_codegen::model::{
    self, Api, BodyFormat, BodyLayout, CodeSource, CodeType, CodeValue, Defaults, Headers,
    RetryClass,
};
use errspec_codegen::source::{Located, Span as SpecSpan};

use crate::ast::Input;
use crate::attr::{CodeLit, Spanned};
use crate::ctxt::Ctxt;
use crate::spec_file::{self, SpecFile};
use errspec_codegen::load::suggestion;

/// The API name of an in-line catalog without `api = "..."`.
pub(crate) const DEFAULT_API: &str = "default";

/// The enum's catalog and what each variant receives.
pub(crate) struct Bound {
    /// The provider's identifier.
    pub provider: String,
    /// The API: layout, headers, status and code tables, defaults.
    pub api: Api,
    /// The spec file, when bound to one.
    pub spec: Option<SpecFile>,
    /// Per variant, in declaration order: the catalog's codes and the
    /// statuses it receives.
    pub variants: Vec<BoundVariant>,
}

/// What one variant receives.
#[derive(Default)]
pub(crate) struct BoundVariant {
    /// Codes of the catalog, as the provider sends them (unknown ones left out).
    pub codes: Vec<CodeValue>,
    /// Statuses.
    pub statuses: Vec<u16>,
}

impl Bound {
    /// The catalog's row for a code.
    pub(crate) fn code(&self, value: &CodeValue) -> Option<&model::Code> {
        self.api.codes.iter().find(|c| &c.value == value)
    }
}

/// Binds `input`. `None` when the catalog cannot be had (an unreadable or
/// invalid spec file, an unknown API); the reason is in `cx`.
pub(crate) fn bind(cx: &Ctxt, input: &Input, manifest_dir: &Path) -> Option<Bound> {
    match &input.attrs.spec {
        Some(spec) => bind_spec(cx, input, spec, manifest_dir),
        None => Some(bind_inline(input)),
    }
}

/// The codes and statuses claimed so far: a code or status mapped twice
/// is reported by the checks, and the first variant keeps it.
#[derive(Default)]
struct Claims {
    codes: Vec<CodeValue>,
    statuses: Vec<u16>,
}

impl Claims {
    fn variant(
        &mut self,
        codes: impl Iterator<Item = CodeValue>,
        statuses: impl Iterator<Item = u16>,
    ) -> BoundVariant {
        let mut bound = BoundVariant::default();
        for code in codes {
            if !self.codes.contains(&code) {
                self.codes.push(code.clone());
                bound.codes.push(code);
            }
        }
        for status in statuses {
            if !self.statuses.contains(&status) {
                self.statuses.push(status);
                bound.statuses.push(status);
            }
        }
        bound
    }
}

/// A code literal as the API's code type reads it.
pub(crate) fn code_value(lit: &CodeLit, code_type: CodeType) -> Result<CodeValue, String> {
    match (lit, code_type) {
        (CodeLit::Str(s), CodeType::String) => Ok(CodeValue::Str(s.clone())),
        (CodeLit::Int(i), CodeType::Integer) => Ok(CodeValue::Int(*i)),
        (CodeLit::Str(s), CodeType::Integer) => s
            .trim()
            .parse()
            .map(CodeValue::Int)
            .map_err(|_| format!("the API's codes are integers, and `{s}` is not one")),
        (CodeLit::Int(i), CodeType::String) => Err(format!(
            "the API's codes are strings: write the code as the provider sends it, `code = \"{i}\"`"
        )),
    }
}

fn bind_spec(
    cx: &Ctxt,
    input: &Input,
    spec: &Spanned<String>,
    manifest_dir: &Path,
) -> Option<Bound> {
    let file = spec_file::load(&spec.value, spec.span, manifest_dir)
        .map_err(|e| cx.syn_error(e))
        .ok()?;
    let catalog = &file.loaded.catalog;
    let names: Vec<&str> = catalog.apis.iter().map(|a| a.name.value.as_str()).collect();
    let api = match (&input.attrs.api, catalog.apis.as_slice()) {
        (None, [api]) => api,
        (None, _) => {
            cx.error_at(
                spec.span,
                format!(
                    "`{}` describes several APIs ({}): choose one with `api = \"{}\"`",
                    spec.value,
                    names.join(", "),
                    names.first().copied().unwrap_or_default()
                ),
            );
            return None;
        }
        (Some(wanted), apis) => match apis.iter().find(|a| a.name.value == wanted.value) {
            Some(api) => api,
            None => {
                let hint = match suggestion(&wanted.value, &names) {
                    Some(help) => help,
                    None => format!("it has: {}", names.join(", ")),
                };
                cx.error_at(
                    wanted.span,
                    format!("`{}` has no API `{}`; {hint}", spec.value, wanted.value),
                );
                return None;
            }
        },
    };
    let mut claims = Claims::default();
    let variants = input
        .variants
        .iter()
        .map(|v| {
            let codes = v
                .attrs
                .codes
                .iter()
                .filter_map(|c| code_value(&c.value, api.body.code_type).ok())
                .filter(|c| api.codes.iter().any(|known| &known.value == c));
            claims.variant(codes, v.attrs.statuses.iter().map(|s| s.value))
        })
        .collect();
    Some(Bound {
        provider: catalog.provider.value.clone(),
        api: api.clone(),
        variants,
        spec: Some(file),
    })
}

/// The in-line catalog: layout and headers from the enum's attributes, the
/// status and code tables from the variants'.
fn bind_inline(input: &Input) -> Bound {
    let a = &input.attrs;
    let l = &a.layout;
    let located = |s: &Spanned<String>| Located::new(s.value.clone(), SpecSpan::default());
    let code_type = l.code_type.as_ref().map_or(CodeType::String, |t| t.value);
    let body = BodyLayout {
        format: l.format.as_ref().map_or(BodyFormat::Json, |f| f.value),
        errors: l.errors.as_ref().map(|p| p.value.clone()),
        code: match (&l.code, &l.code_header) {
            (Some(p), _) => Some(CodeSource::Body(p.value.clone())),
            (None, Some(h)) => Some(CodeSource::Header(located(h))),
            (None, None) => None,
        },
        code_type,
        message: l.message.as_ref().map(|p| p.value.clone()),
        request_id: l.request_id.as_ref().map(|p| p.value.clone()),
        field_errors: l.field_errors.as_ref().and_then(|f| {
            Some(model::FieldErrors {
                items: f.value.items.clone(),
                field: f.value.field.clone()?,
                message: f.value.message.clone(),
            })
        }),
        ..BodyLayout::default()
    };
    let plain = |s: &Option<String>| {
        s.as_ref()
            .map(|s| Located::new(s.clone(), SpecSpan::default()))
    };
    let headers = Headers {
        retry_after: l.retry_after.as_ref().map(located),
        request_id: l.request_id_header.as_ref().map(located),
        rate_limit: l.rate_limit.as_ref().map(|r| model::RateLimit {
            limit: plain(&r.value.limit),
            remaining: plain(&r.value.remaining),
            reset: plain(&r.value.reset),
            reset_unit: r.value.reset_unit.unwrap_or(model::ResetUnit::UnixSeconds),
        }),
        ..Headers::default()
    };
    let defaults = Defaults {
        client_error: l
            .client_error
            .as_ref()
            .map_or(RetryClass::Never, |c| c.value),
        server_error: l
            .server_error
            .as_ref()
            .map_or(RetryClass::Backoff, |c| c.value),
    };
    let mut statuses: Vec<model::Status> = Vec::new();
    let mut codes: Vec<model::Code> = Vec::new();
    let mut claims = Claims::default();
    let mut variants = Vec::new();
    for v in &input.variants {
        let bound = claims.variant(
            v.attrs
                .codes
                .iter()
                .filter_map(|c| code_value(&c.value, code_type).ok()),
            v.attrs.statuses.iter().map(|s| s.value),
        );
        let name = v.ident.to_string();
        let retry = v.attrs.retry.as_ref().map(|r| r.value);
        statuses.extend(bound.statuses.iter().map(|&status| model::Status {
            status,
            meaning: name.clone(),
            retry: retry.unwrap_or_else(|| defaults.for_status(status)),
            hint: None,
            sources: Vec::new(),
            variant: name.clone(),
            span: SpecSpan::default(),
        }));
        codes.extend(bound.codes.iter().map(|value| model::Code {
            value: value.clone(),
            variant: name.clone(),
            statuses: bound.statuses.clone(),
            description: name.clone(),
            retry,
            hint: None,
            sources: Vec::new(),
            span: SpecSpan::default(),
        }));
        variants.push(bound);
    }
    let api_name = a.api.as_ref().map_or(DEFAULT_API, |n| n.value.as_str());
    let api = Api {
        name: Located::new(api_name.to_owned(), SpecSpan::default()),
        title: api_name.to_owned(),
        description: None,
        docs_url: None,
        body,
        alternatives: Vec::new(),
        headers,
        idempotency_header: l.idempotency_header.as_ref().map(located),
        idempotency: Default::default(),
        defaults,
        statuses,
        codes,
        rules: Vec::new(),
        limits: Vec::new(),
        success: None,
        batch: None,
        examples: Vec::new(),
        span: SpecSpan::default(),
    };
    Bound {
        provider: a
            .provider
            .as_ref()
            .map(|p| p.value.clone())
            .unwrap_or_default(),
        api,
        spec: None,
        variants,
    }
}
