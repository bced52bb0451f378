//! `#[derive(ApiError)]`: parse → check → bind → expand. On any error, the
//! errors plus stub impls, so the user sees the mistakes and not a cascade
//! of "`ApiError` is not implemented" after them.

use std::path::Path;

use errspec_codegen::expand::{
    classifier_expr, decoder_items, extras_static, has_classifier, idempotency_const, retry_class,
    success_batch_methods, success_batch_statics,
};
use errspec_codegen::model::{CodeType, CodeValue, RetryClass};
use proc_macro2::TokenStream;
use quote::{ToTokens, format_ident, quote};
use syn::DeriveInput;

use crate::ast::{Fill, Input, StatusRepr, Variant};
use crate::bind::{self, Bound};
use crate::check;
use crate::class::{self, ClassRule};
use crate::ctxt::Ctxt;

#[cfg(test)]
mod snapshots;

/// Expands `#[derive(ApiError)]` on `input`; spec paths are relative to
/// `manifest_dir`.
pub(crate) fn derive(input: &DeriveInput, manifest_dir: &Path) -> TokenStream {
    let cx = Ctxt::new();
    let Some(ast) = Input::from_syn(&cx, input) else {
        return fallback(input, cx.check());
    };
    check::check_input(&cx, &ast);
    let bound = bind::bind(&cx, &ast, manifest_dir);
    let rules = bound.as_ref().map(|b| {
        let rules = class::rules(&ast, b);
        check::check_bound(&cx, &ast, b, &rules);
        rules
    });
    match (cx.check(), bound, rules) {
        (Ok(()), Some(bound), Some(rules)) => expand(&ast, &bound, &rules),
        // Binding fails only after recording why.
        (result, _, _) => fallback(input, result),
    }
}

/// The errors, then impls whose bodies are never run, so code that uses
/// the enum as an `ApiError` still type-checks.
fn fallback(input: &DeriveInput, errors: syn::Result<()>) -> TokenStream {
    let errors = errors.err().map(|e| e.to_compile_error());
    if !input.generics.params.is_empty() {
        return errors.unwrap_or_default();
    }
    let ty = &input.ident;
    quote! {
        #errors

        #[automatically_derived]
        impl ::errspec::ApiError for #ty {
            const PROVIDER: &'static str = "";
            const API: &'static str = "";
            const IDEMPOTENCY_HEADER: ::core::option::Option<&'static str> = ::core::option::Option::None;

            fn decode(
                _: ::errspec::__private::http::StatusCode,
                _: &::errspec::__private::http::HeaderMap,
                _: &[u8],
            ) -> Self {
                ::core::unreachable!()
            }

            fn read_delay_hints(_: &::errspec::__private::http::HeaderMap) -> ::errspec::DelayHints {
                ::core::unreachable!()
            }

            fn retry_class(&self) -> ::errspec::RetryClass {
                ::core::unreachable!()
            }

            fn code(&self) -> ::core::option::Option<::std::borrow::Cow<'_, str>> {
                ::core::unreachable!()
            }

            fn variant_name(&self) -> &'static str {
                ::core::unreachable!()
            }

            fn is_known(&self) -> bool {
                ::core::unreachable!()
            }
        }

        #[automatically_derived]
        impl ::core::fmt::Display for #ty {
            fn fmt(&self, _: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                ::core::unreachable!()
            }
        }

        #[automatically_derived]
        impl ::std::error::Error for #ty {}
    }
}

/// Everything generated for a checked input.
struct Expander<'a> {
    input: &'a Input<'a>,
    bound: &'a Bound,
    rules: &'a [ClassRule],
}

fn expand(input: &Input, bound: &Bound, rules: &[ClassRule]) -> TokenStream {
    Expander {
        input,
        bound,
        rules,
    }
    .expand()
}

impl Expander<'_> {
    fn expand(&self) -> TokenStream {
        let ty = self.input.ident;
        let include = self.bound.spec.as_ref().map(|s| s.include());
        let decoder = decoder_items(&self.bound.api);
        let success_batch = success_batch_statics(&self.bound.api);
        let success_batch_methods = success_batch_methods(&self.bound.api);
        let provider = &self.bound.provider;
        let api = &self.bound.api.name.value;
        let idempotency = option(
            self.bound
                .api
                .idempotency_header
                .as_ref()
                .map(|h| h.value.to_token_stream()),
        );
        let idempotency_more = idempotency_const(&self.bound.api);
        let decides = self.decides();
        let classifier = (decides && has_classifier(&self.bound.api)).then(|| {
            let classifier = classifier_expr(&self.bound.api);
            quote! {
                /// The API's server directive and rules.
                static CLASSIFIER: ::errspec::__private::rules::Classifier = #classifier;
            }
        });
        let table_classes = decides.then(|| self.table_classes());
        let extras = self
            .input
            .variants
            .iter()
            .any(|v| v.field(|f| f == Fill::Extras).is_some())
            .then(|| extras_static(&self.bound.api))
            .flatten();
        let decode = self.decode();
        let retry_class = self.retry_class();
        let code = self.code();
        let variant_name = self.variant_name();
        let is_known = self.is_known();
        let accessors = self.accessors();
        quote! {
            const _: () = {
                #include

                // The layout prepared once, as generated types do, so a
                // decode does not rebuild it.
                #decoder
                #success_batch
                #classifier
                #table_classes
                #extras

                #[automatically_derived]
                impl ::errspec::ApiError for #ty {
                    const PROVIDER: &'static str = #provider;
                    const API: &'static str = #api;
                    const IDEMPOTENCY_HEADER: ::core::option::Option<&'static str> = #idempotency;
                    #idempotency_more

                    #decode

                    fn read_delay_hints(
                        headers: &::errspec::__private::http::HeaderMap,
                    ) -> ::errspec::DelayHints {
                        DECODER.read_delay_hints(headers)
                    }

                    fn spent_window_reset(
                        headers: &::errspec::__private::http::HeaderMap,
                    ) -> ::core::option::Option<::errspec::RateLimitReset> {
                        DECODER.spent_window_reset(headers)
                    }

                    #retry_class
                    #code
                    #variant_name
                    #is_known
                    #accessors
                    #success_batch_methods
                }

                #[automatically_derived]
                impl ::core::fmt::Display for #ty {
                    fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                        ::errspec::__private::display(self, f)
                    }
                }

                #[automatically_derived]
                impl ::std::error::Error for #ty {}
            };
        }
    }

    /// `decode`: the layout-driven decoder finds the parts; the code picks
    /// a variant, else the status, else the catch-all.
    fn decode(&self) -> TokenStream {
        let variants = &self.input.variants;
        let index = |i: usize| proc_macro2::Literal::usize_suffixed(i);
        let code_arms = variants
            .iter()
            .zip(&self.bound.variants)
            .enumerate()
            .filter(|(_, (_, b))| !b.codes.is_empty())
            .map(|(i, (_, b))| {
                let texts = b.codes.iter().map(CodeValue::to_string);
                let i = index(i);
                quote!(::core::option::Option::Some(#(#texts)|*) => #i,)
            });
        let status_arms = variants
            .iter()
            .zip(&self.bound.variants)
            .enumerate()
            .filter(|(_, (_, b))| !b.statuses.is_empty())
            .map(|(i, (_, b))| {
                let statuses = b.statuses.iter().map(|s| status_literal(*s));
                let i = index(i);
                quote!(#(#statuses)|* => #i,)
            });
        let catch_all = variants
            .iter()
            .position(Variant::is_catch_all)
            .unwrap_or_default();
        let catch_all = index(catch_all);
        let by_status = quote! {
            match status.as_u16() {
                #(#status_arms)*
                _ => #catch_all,
            }
        };
        let has_code_arms = self.bound.variants.iter().any(|b| !b.codes.is_empty());
        let which = if has_code_arms {
            quote! {
                match code.as_deref() {
                    #(#code_arms)*
                    _ => #by_status,
                }
            }
        } else {
            by_status
        };
        let decides = self.decides();
        let uses_parts = has_code_arms || decides || variants.iter().any(|v| !v.fields.is_empty());
        let uses_code = has_code_arms || decides || variants.iter().any(Variant::keeps_code);
        let arms = variants.iter().enumerate().map(|(i, v)| {
            let ident = v.ident;
            let fields = v.fields.iter().filter_map(|f| {
                let name = f.ident;
                let value = match f.fill.ok()? {
                    // Shorthand: `status` is the parameter's name too.
                    Fill::Status(StatusRepr::StatusCode) => return Some(quote!(status,)),
                    Fill::Status(StatusRepr::U16) => quote!(status.as_u16()),
                    Fill::Code => quote!(code.as_deref().map(::std::borrow::ToOwned::to_owned)),
                    Fill::Message => quote!(parts.message.map(::std::borrow::Cow::into_owned)),
                    Fill::RequestId => {
                        quote!(parts.request_id.map(::std::borrow::Cow::into_owned))
                    }
                    Fill::FieldErrors => quote!(parts.field_errors),
                    Fill::RetryAfter => {
                        quote!(parts.hints.server_delay(::std::time::SystemTime::now()))
                    }
                    Fill::Hints => quote!(parts.hints),
                    Fill::Raw => quote!(parts.raw),
                    Fill::RetryClass => quote!(decided.0),
                    Fill::DecidedBy => quote!(decided.1),
                    Fill::Extras => {
                        if self.bound.api.body.extras.is_empty() {
                            quote!(::errspec::Extras::EMPTY)
                        } else {
                            quote!(::errspec::Extras::from_captures(&EXTRAS, &parts.captures))
                        }
                    }
                };
                Some(quote!(#name: #value,))
            });
            let constructor = if v.fields.is_empty() {
                quote!(Self::#ident)
            } else {
                quote!(Self::#ident { #(#fields)* })
            };
            if v.is_catch_all() {
                quote!(_ => #constructor,)
            } else {
                let i = index(i);
                quote!(#i => #constructor,)
            }
        });
        // The catch-all's arm is `_`, so it goes last.
        let mut arms: Vec<TokenStream> = arms.collect();
        if let Some(pos) = variants.iter().position(Variant::is_catch_all) {
            let catch_all = arms.remove(pos);
            arms.push(catch_all);
        }
        let parts = if uses_parts {
            let code = uses_code.then(|| self.code_text());
            let decided = decides.then(|| {
                let decide = if has_classifier(&self.bound.api) {
                    quote! {
                        let facts = ::errspec::__private::rules::Facts::new(status.as_u16(), headers)
                            .code(code.as_deref())
                            .message(parts.message.as_deref())
                            .captures(&parts.captures);
                        CLASSIFIER.decide(&facts, code_class, status_class, default_class)
                    }
                } else {
                    quote!(::errspec::__private::rules::by_tables(
                        code_class,
                        status_class,
                        default_class
                    ))
                };
                quote! {
                    let decided = {
                        let (code_class, status_class, default_class) =
                            table_classes(status.as_u16(), code.as_deref());
                        #decide
                    };
                }
            });
            quote! {
                let parts = DECODER.decode(status, headers, body);
                #code
                #decided
            }
        } else {
            quote! {
                let _ = (headers, body);
            }
        };
        quote! {
            fn decode(
                status: ::errspec::__private::http::StatusCode,
                headers: &::errspec::__private::http::HeaderMap,
                body: &[u8],
            ) -> Self {
                #parts
                let variant: usize = #which;
                match variant {
                    #(#arms)*
                }
            }
        }
    }

    /// Whether some variant keeps the decided class or what decided it:
    /// then `decode` decides as the generated type does.
    fn decides(&self) -> bool {
        self.input.variants.iter().any(|v| {
            v.field(|f| matches!(f, Fill::RetryClass | Fill::DecidedBy))
                .is_some()
        })
    }

    /// `let code = …;`: the code's text as the generated type writes it:
    /// an integer in decimal, and in an integer-coded API a string that
    /// reads as a listed code in decimal too (`"007"` is `7`).
    fn code_text(&self) -> TokenStream {
        let api = &self.bound.api;
        let listed: Vec<i64> = api
            .codes
            .iter()
            .filter_map(|c| match c.value {
                CodeValue::Int(n) => Some(n),
                CodeValue::Str(_) => None,
            })
            .collect();
        if api.body.code_type != CodeType::Integer || listed.is_empty() {
            return quote! {
                let code = parts.code.as_ref().map(::errspec::__private::decode::RawCode::to_text);
            };
        }
        let listed = listed
            .iter()
            .map(|n| proc_macro2::Literal::i64_unsuffixed(*n));
        quote! {
            let code = parts.code.as_ref().map(|raw| {
                let int = raw
                    .as_int()
                    .or_else(|| raw.as_str().and_then(|s| s.parse::<i64>().ok()));
                match int {
                    ::core::option::Option::Some(n) if ::core::matches!(n, #(#listed)|*) => {
                        ::std::borrow::Cow::Owned(::std::string::ToString::to_string(&n))
                    }
                    _ => raw.to_text(),
                }
            });
        }
    }

    /// `fn table_classes(status, code)`: the classes the catalog's tables
    /// give, the code's own `retry`, the listed status's and the defaults',
    /// for `Classifier::decide`.
    fn table_classes(&self) -> TokenStream {
        let api = &self.bound.api;
        let some = |class: RetryClass| {
            let class = retry_class(class);
            quote!(::core::option::Option::Some(#class))
        };
        let code_rows: Vec<TokenStream> = RetryClass::ALL
            .into_iter()
            .filter_map(|class| {
                let texts: Vec<String> = api
                    .codes
                    .iter()
                    .filter(|c| c.retry == Some(class))
                    .map(|c| c.value.to_string())
                    .collect();
                let value = some(class);
                (!texts.is_empty())
                    .then(|| quote!(::core::option::Option::Some(#(#texts)|*) => #value,))
            })
            .collect();
        let code_class = if code_rows.is_empty() {
            quote!({
                let _ = code;
                ::core::option::Option::None
            })
        } else {
            quote! {
                match code {
                    #(#code_rows)*
                    _ => ::core::option::Option::None,
                }
            }
        };
        let status_rows: Vec<TokenStream> = api
            .statuses
            .iter()
            .map(|s| {
                let status = status_literal(s.status);
                let value = some(s.retry);
                quote!(#status => #value,)
            })
            .collect();
        let status_class = if status_rows.is_empty() {
            quote!(::core::option::Option::None)
        } else {
            quote! {
                match status {
                    #(#status_rows)*
                    _ => ::core::option::Option::None,
                }
            }
        };
        let client = retry_class(api.defaults.client_error);
        let server = retry_class(api.defaults.server_error);
        quote! {
            /// The classes the catalog's tables give a response: the
            /// code's own, the listed status's and the defaults'.
            fn table_classes(
                status: u16,
                code: ::core::option::Option<&str>,
            ) -> (
                ::core::option::Option<::errspec::RetryClass>,
                ::core::option::Option<::errspec::RetryClass>,
                ::errspec::RetryClass,
            ) {
                let code_class = #code_class;
                let status_class = #status_class;
                let default_class = if status >= 500 { #server } else { #client };
                (code_class, status_class, default_class)
            }
        }
    }

    fn retry_class(&self) -> TokenStream {
        let arms = self.input.variants.iter().zip(self.rules).map(|(v, rule)| {
            let ident = v.ident;
            if v.keeps_decision() {
                return quote!(Self::#ident { retry_class, .. } => *retry_class,);
            }
            let code = rule.needs_code().then(|| quote!(code,));
            let status = rule.needs_status().then(|| quote!(status,));
            let body = rule_expr(rule, v.status_repr().unwrap_or(StatusRepr::StatusCode));
            quote!(Self::#ident { #code #status .. } => #body,)
        });
        quote! {
            fn retry_class(&self) -> ::errspec::RetryClass {
                match self {
                    #(#arms)*
                }
            }
        }
    }

    /// `code()`: the kept code, else the variant's one code.
    fn code(&self) -> TokenStream {
        let arms = self
            .input
            .variants
            .iter()
            .zip(&self.bound.variants)
            .map(|(v, b)| {
                let ident = v.ident;
                if v.keeps_code() {
                    quote! {
                        Self::#ident { code, .. } => code.as_deref().map(::std::borrow::Cow::Borrowed),
                    }
                } else if let [only] = b.codes.as_slice() {
                    let text = only.to_string();
                    quote! {
                        Self::#ident { .. } => ::core::option::Option::Some(::std::borrow::Cow::Borrowed(#text)),
                    }
                } else {
                    quote!(Self::#ident { .. } => ::core::option::Option::None,)
                }
            });
        quote! {
            fn code(&self) -> ::core::option::Option<::std::borrow::Cow<'_, str>> {
                match self {
                    #(#arms)*
                }
            }
        }
    }

    fn variant_name(&self) -> TokenStream {
        let arms = self.input.variants.iter().map(|v| {
            let ident = v.ident;
            let name = ident.to_string();
            quote!(Self::#ident { .. } => #name,)
        });
        quote! {
            fn variant_name(&self) -> &'static str {
                match self {
                    #(#arms)*
                }
            }
        }
    }

    /// `is_known()`: false exactly for the catch-all.
    fn is_known(&self) -> TokenStream {
        let catch_all = self
            .input
            .variants
            .iter()
            .find(|v| v.is_catch_all())
            .map(|v| v.ident);
        quote! {
            fn is_known(&self) -> bool {
                !::core::matches!(self, Self::#catch_all { .. })
            }
        }
    }

    /// The defaulted accessors, for the parts some variant keeps.
    fn accessors(&self) -> TokenStream {
        let variants = &self.input.variants;
        let bound = &self.bound.variants;
        let mut out = TokenStream::new();

        // `status()`: the kept status, else the variant's one status.
        let any_status = variants.iter().zip(bound).any(|(v, b)| {
            v.status_repr().is_some() || (b.statuses.len() == 1 && b.codes.is_empty())
        });
        if any_status {
            let arms = variants.iter().zip(bound).map(|(v, b)| {
                let ident = v.ident;
                match (v.status_repr(), b.statuses.as_slice(), b.codes.is_empty()) {
                    (Some(StatusRepr::StatusCode), _, _) => quote! {
                        Self::#ident { status, .. } => ::core::option::Option::Some(*status),
                    },
                    (Some(StatusRepr::U16), _, _) => quote! {
                        Self::#ident { status, .. } =>
                            ::errspec::__private::http::StatusCode::from_u16(*status).ok(),
                    },
                    (None, [only], true) => {
                        let only = status_literal(*only);
                        quote! {
                        Self::#ident { .. } =>
                            ::errspec::__private::http::StatusCode::from_u16(#only).ok(),
                        }
                    }
                    _ => quote!(Self::#ident { .. } => ::core::option::Option::None,),
                }
            });
            out.extend(quote! {
                fn status(&self) -> ::core::option::Option<::errspec::__private::http::StatusCode> {
                    match self {
                        #(#arms)*
                    }
                }
            });
        }

        // `name` is the accessor's and the binding `kept` reads; the
        // variant's field may have another name the decoder fills the same
        // way (`hints` for `delay_hints`).
        let field =
            |fill: Fill, name: &str, ret: TokenStream, kept: TokenStream, absent: TokenStream| {
                if !variants.iter().any(|v| v.field(|f| f == fill).is_some()) {
                    return TokenStream::new();
                }
                let method = format_ident!("{name}");
                let arms = variants.iter().map(|v| {
                    let ident = v.ident;
                    match v.field(|f| f == fill) {
                        Some(f) if *f.ident == method => {
                            quote!(Self::#ident { #method, .. } => #kept,)
                        }
                        Some(f) => {
                            let actual = f.ident;
                            quote!(Self::#ident { #actual: #method, .. } => #kept,)
                        }
                        None => quote!(Self::#ident { .. } => #absent,),
                    }
                });
                quote! {
                    fn #method(&self) -> #ret {
                        match self {
                            #(#arms)*
                        }
                    }
                }
            };
        out.extend(field(
            Fill::Message,
            "message",
            quote!(::core::option::Option<&str>),
            quote!(message.as_deref()),
            quote!(::core::option::Option::None),
        ));
        out.extend(field(
            Fill::RequestId,
            "request_id",
            quote!(::core::option::Option<&str>),
            quote!(request_id.as_deref()),
            quote!(::core::option::Option::None),
        ));
        out.extend(field(
            Fill::FieldErrors,
            "field_errors",
            quote!(&[::errspec::FieldError]),
            quote!(field_errors),
            quote!(&[]),
        ));
        out.extend(field(
            Fill::DecidedBy,
            "decided_by",
            quote!(::core::option::Option<::errspec::DecidedBy>),
            quote!(::core::option::Option::Some(*decided_by)),
            quote!(::core::option::Option::None),
        ));
        out.extend(field(
            Fill::Hints,
            "delay_hints",
            quote!(::errspec::DelayHints),
            quote!(*delay_hints),
            quote!(<::errspec::DelayHints as ::core::default::Default>::default()),
        ));
        out
    }
}

/// The expression a [`ClassRule`] stands for, with `code` and `status`
/// bound to the variant's fields.
fn rule_expr(rule: &ClassRule, repr: StatusRepr) -> TokenStream {
    match rule {
        ClassRule::Fixed(class) => retry_class(*class),
        ClassRule::ByStatus { rows, defaults } => {
            let status = match repr {
                StatusRepr::StatusCode => quote!(status.as_u16()),
                StatusRepr::U16 => quote!(*status),
            };
            let rows = rows.iter().map(|(s, c)| {
                let s = status_literal(*s);
                let c = retry_class(*c);
                quote!(#s => #c,)
            });
            let client = retry_class(defaults.client_error);
            let server = retry_class(defaults.server_error);
            let fallback = if defaults.client_error == defaults.server_error {
                quote!(_ => #client,)
            } else {
                quote!(500.. => #server, _ => #client,)
            };
            quote! {
                match #status {
                    #(#rows)*
                    #fallback
                }
            }
        }
        ClassRule::ByCode { rows, then } => {
            // Without `then`, the variant is reached by its codes only: the
            // last code's arm becomes `_`, which also covers a value built
            // by hand with some other code.
            let (rows, then) = match then {
                Some(then) => (rows.as_slice(), rule_expr(then, repr)),
                None => match rows.split_last() {
                    Some(((_, last), rest)) => (rest, rule_expr(last, repr)),
                    None => (rows.as_slice(), retry_class(RetryClass::Never)),
                },
            };
            let rows = rows.iter().map(|(code, rule)| {
                let text = code.to_string();
                let body = rule_expr(rule, repr);
                quote!(::core::option::Option::Some(#text) => #body,)
            });
            quote! {
                match code.as_deref() {
                    #(#rows)*
                    _ => #then,
                }
            }
        }
    }
}

fn status_literal(status: u16) -> proc_macro2::Literal {
    proc_macro2::Literal::u16_unsuffixed(status)
}

fn option(value: Option<TokenStream>) -> TokenStream {
    match value {
        Some(v) => quote!(::core::option::Option::Some(#v)),
        None => quote!(::core::option::Option::None),
    }
}
