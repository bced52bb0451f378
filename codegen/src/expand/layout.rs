//! The items that decode an API's responses: its body and header
//! layouts (`LAYOUT`, `HEADER_NAMES`, `DECODER`), success predicate and batch layout.

use proc_macro2::TokenStream;
use quote::{ToTokens, format_ident, quote};

use super::rules::{classifier_expr, condition, has_classifier};
use super::tokens::{ident, option, retry_class};
use crate::model::{
    Api, BodyFormat, BodyLayout, Capture, CodeSource, CodeType, CodeValue, DelayFrom, DelaySource,
    Headers, Pointer, ResetUnit, WhenSpent,
};

pub(super) fn expand_layout(api: &Api) -> TokenStream {
    let decoder = decoder_items(api);
    let success_batch = success_batch_statics(api);
    let classifier = has_classifier(api).then(|| {
        let classifier = classifier_expr(api);
        quote! {
            /// This API's server directive and rules: what decides a class
            /// besides the code and status tables.
            static CLASSIFIER: ::errspec::__private::rules::Classifier = #classifier;
        }
    });
    quote! {
        #decoder

        #classifier
        #success_batch
    }
}

/// The `static`s of the API's success predicate (`SUCCESS`, over
/// `DECODER`) and batch layout (`BATCH_ITEM`, `BATCH_DECODER`, `BATCH`),
/// for an API that has them; they follow [`decoder_items`]. Generated
/// modules and the derive macro emit the same items.
pub fn success_batch_statics(api: &Api) -> TokenStream {
    let mut items = TokenStream::new();
    let integer_codes = api.body.code_type == CodeType::Integer;
    if let Some(success) = &api.success {
        let when = success
            .failure_when
            .iter()
            .map(|c| condition(c, integer_codes, &api.body.captures));
        let decoder = if api.chooses_layout() {
            quote!(::errspec::__private::success::BodyDecoder::Several(DECODER))
        } else {
            quote!(::errspec::__private::success::BodyDecoder::One(DECODER))
        };
        items.extend(quote! {
            /// When a 2xx response of this API is a failure.
            static SUCCESS: ::errspec::__private::success::SuccessCheck<'static> = ::errspec::__private::success::SuccessCheck {
                failure_when: &[#(#when),*],
                decoder: #decoder,
            };
        });
    }
    if let Some(batch) = &api.batch {
        let item = body_layout(&batch.item);
        let items_pointer = pointer(&batch.items);
        let when = batch
            .failed_when
            .iter()
            .map(|c| condition(c, integer_codes, &batch.item.captures));
        let index = option(batch.index.as_ref().map(|p| {
            capture_index(&batch.item.captures, &Capture::At(p.clone())).to_token_stream()
        }));
        let classes = code_classes(api);
        let retry = retry_class(batch.retry);
        items.extend(quote! {
            /// Where one item of a batch response keeps its result.
            static BATCH_ITEM: ::errspec::__private::layout::ApiLayout = ::errspec::__private::layout::ApiLayout {
                body: #item,
                headers: ::errspec::__private::layout::HeaderLayout::NONE,
            };
            /// [`BATCH_ITEM`] prepared for decoding, at compile time.
            static BATCH_DECODER: ::errspec::__private::decode::Decoder = ::errspec::__private::decode::Decoder::new(&BATCH_ITEM);
            /// Where this API's batch responses keep per-item results.
            static BATCH: ::errspec::__private::batch::BatchLayout<'static> = ::errspec::__private::batch::BatchLayout {
                items: #items_pointer,
                item: &BATCH_DECODER,
                failed_when: &[#(#when),*],
                index: #index,
                classes: #classes,
                retry: #retry,
            };
        });
    }
    items
}

/// The `ApiError` methods that hand out [`success_batch_statics`], for an
/// API that has them (empty: the trait's defaults, none): what the derive
/// emits (a generated API names them in its `CatalogApi` impl).
pub fn success_batch_methods(api: &Api) -> TokenStream {
    let success = api.success.is_some().then(|| {
        quote! {
            fn success_check() -> ::core::option::Option<&'static ::errspec::__private::success::SuccessCheck<'static>> {
                ::core::option::Option::Some(&SUCCESS)
            }
        }
    });
    let batch = api.batch.is_some().then(|| {
        quote! {
            fn batch_layout() -> ::core::option::Option<&'static ::errspec::__private::batch::BatchLayout<'static>> {
                ::core::option::Option::Some(&BATCH)
            }
        }
    });
    quote!(#success #batch)
}

/// The classes of the API's listed codes, sorted by code, as a
/// `::errspec::__private::batch::CodeClasses` expression.
fn code_classes(api: &Api) -> TokenStream {
    // Without an item code there is nothing to look up.
    let codes = match &api.batch {
        Some(batch) if batch.item.code.is_some() => api.codes.as_slice(),
        _ => &[],
    };
    let mut classes: Vec<(&CodeValue, TokenStream)> = codes
        .iter()
        .map(|c| (&c.value, retry_class(c.effective_class(api))))
        .collect();
    classes.sort_by(|a, b| a.0.cmp(b.0));
    if api.body.code_type == CodeType::Integer {
        let rows = classes.iter().filter_map(|(v, class)| match v {
            CodeValue::Int(i) => Some(quote!((#i, #class))),
            CodeValue::Str(_) => None,
        });
        quote!(::errspec::__private::batch::CodeClasses::Int(&[#(#rows),*]))
    } else {
        let rows = classes.iter().filter_map(|(v, class)| match v {
            CodeValue::Str(t) => Some(quote!((#t, #class))),
            CodeValue::Int(_) => None,
        });
        quote!(::errspec::__private::batch::CodeClasses::Str(&[#(#rows),*]))
    }
}

/// The items that decode the API's responses, ending with `DECODER`, a
/// constant reference: for one layout, its `LAYOUT`, its `HEADER_NAMES`
/// and a `::errspec::__private::decode::Decoder`; for several (or one that
/// applies only to some responses), `LAYOUT_0`, `HEADER_NAMES_0`,
/// `DECODER_0`, … and a `::errspec::__private::decode::Layouts` that
/// chooses among them. Either `DECODER` has `decode` and `read_delay_hints`.
/// Generated modules and the derive macro emit the same items.
///
/// A `Decoder` holds no header name, only references to its
/// `HEADER_NAMES` `static`: so each `DECODER…` is a constant, and so is a
/// `Layouts` of them, which the compiler folds into each API's decode (a
/// `static` in another crate is read at every decode: several layouts
/// read from `static`s cost Twilio's legacy body about 270 instructions a
/// decode more, callgrind).
pub fn decoder_items(api: &Api) -> TokenStream {
    if !api.chooses_layout() {
        let layout = layout_expr(api, &api.body);
        return quote! {
            /// Where this API puts the parts of an error response.
            static LAYOUT: ::errspec::__private::layout::ApiLayout = #layout;

            /// The header names of [`LAYOUT`], resolved at compile time.
            static HEADER_NAMES: ::errspec::__private::hints::HeaderNames = ::errspec::__private::hints::HeaderNames::new(&LAYOUT);

            /// [`LAYOUT`] prepared for decoding, at compile time.
            const DECODER: &::errspec::__private::decode::Decoder = &::errspec::__private::decode::Decoder::resolved(&LAYOUT, &HEADER_NAMES);
        };
    }
    let integer_codes = api.body.code_type == CodeType::Integer;
    let mut items = TokenStream::new();
    let mut alternatives = Vec::new();
    for (i, body) in api.layouts().enumerate() {
        let layout = layout_expr(api, body);
        let layout_name = format_ident!("LAYOUT_{i}");
        let names_name = format_ident!("HEADER_NAMES_{i}");
        let decoder_name = format_ident!("DECODER_{i}");
        let doc = format!(
            "Where this API puts the parts of an error response, in its layout {} of {}.",
            i + 1,
            api.alternatives.len() + 1
        );
        let names_doc = format!("The header names of [`{layout_name}`], resolved at compile time.");
        let decoder_doc = format!("[`{layout_name}`] prepared for decoding, at compile time.");
        items.extend(quote! {
            #[doc = #doc]
            static #layout_name: ::errspec::__private::layout::ApiLayout = #layout;
            #[doc = #names_doc]
            static #names_name: ::errspec::__private::hints::HeaderNames = ::errspec::__private::hints::HeaderNames::new(&#layout_name);
            #[doc = #decoder_doc]
            const #decoder_name: &::errspec::__private::decode::Decoder = &::errspec::__private::decode::Decoder::resolved(&#layout_name, &#names_name);
        });
        let content_types = body.content_types.iter().map(|t| &t.value);
        let when = body
            .when
            .iter()
            .map(|c| condition(c, integer_codes, &api.body.captures));
        alternatives.push(quote! {
            ::errspec::__private::decode::Alternative {
                content_types: &[#(#content_types),*],
                when: &[#(#when),*],
                decoder: #decoder_name,
            }
        });
    }
    items.extend(quote! {
        /// The API's layouts, tried in order: each response is decoded with
        /// the first whose content types and conditions hold.
        const DECODER: &::errspec::__private::decode::Layouts<'static> = &::errspec::__private::decode::Layouts::new(&[#(#alternatives),*]);
    });
    items
}

/// One layout of the API as a constant `::errspec::__private::layout::ApiLayout { … }`
/// expression: what the decoder walks.
fn layout_expr(api: &Api, body: &BodyLayout) -> TokenStream {
    let headers = header_layout(&api.headers, &api.body);
    let body = body_layout(body);
    quote! {
        ::errspec::__private::layout::ApiLayout {
            body: #body,
            headers: #headers,
        }
    }
}

fn body_layout(body: &BodyLayout) -> TokenStream {
    let format = match body.format {
        BodyFormat::Json => quote!(::errspec::__private::layout::BodyFormat::Json),
        BodyFormat::Xml => quote!(::errspec::__private::layout::BodyFormat::Xml),
        BodyFormat::Text => quote!(::errspec::__private::layout::BodyFormat::Text),
    };
    let errors = option(body.errors.as_ref().map(pointer));
    let code = option(body.code.as_ref().map(code_source));
    let code_fallbacks = body.code_fallbacks.iter().map(code_source);
    let normalize = |s: &Option<crate::source::Located<String>>| {
        option(s.as_ref().map(|s| s.value.to_token_stream()))
    };
    let drop_after = normalize(&body.code_normalize.drop_after);
    let drop_through = normalize(&body.code_normalize.drop_through);
    let field_map = option(body.field_map.as_ref().map(|f| {
        let map = pointer(&f.map);
        let leaf = option(f.leaf.as_ref().map(|l| l.value.to_token_stream()));
        let message = option(f.message.as_ref().map(pointer));
        quote! {
            ::errspec::__private::layout::FieldMapLayout {
                map: #map,
                leaf: #leaf,
                message: #message,
            }
        }
    }));
    let captures = body.captures.iter().map(|c| match c {
        Capture::At(p) => {
            let p = pointer(p);
            quote!(::errspec::__private::layout::Capture::At(#p))
        }
        Capture::Select {
            array,
            key,
            equals,
            value,
        } => {
            let (array, key, value) = (pointer(array), pointer(key), pointer(value));
            quote! {
                ::errspec::__private::layout::Capture::Select {
                    array: #array,
                    key: #key,
                    equals: #equals,
                    value: #value,
                }
            }
        }
    });
    let code_type = match body.code_type {
        CodeType::String => quote!(::errspec::__private::layout::CodeType::String),
        CodeType::Integer => quote!(::errspec::__private::layout::CodeType::Integer),
    };
    let message = option(body.message.as_ref().map(pointer));
    let request_id = option(body.request_id.as_ref().map(pointer));
    let field_errors = option(body.field_errors.as_ref().map(|f| {
        let items = option(f.items.as_ref().map(pointer));
        let field = pointer(&f.field);
        let message = option(f.message.as_ref().map(pointer));
        quote! {
            ::errspec::__private::layout::FieldErrorsLayout {
                items: #items,
                field: #field,
                message: #message,
            }
        }
    }));
    quote! {
        ::errspec::__private::layout::BodyLayout {
            format: #format,
            errors: #errors,
            code: #code,
            code_type: #code_type,
            message: #message,
            request_id: #request_id,
            field_errors: #field_errors,
            code_fallbacks: &[#(#code_fallbacks),*],
            code_normalize: ::errspec::__private::layout::CodeNormalize {
                drop_after: #drop_after,
                drop_through: #drop_through,
            },
            captures: &[#(#captures),*],
            field_map: #field_map,
        }
    }
}

fn code_source(source: &CodeSource) -> TokenStream {
    match source {
        CodeSource::Body(p) => {
            let p = pointer(p);
            quote!(::errspec::__private::layout::CodeSource::Body(#p))
        }
        CodeSource::Header(h) => {
            let h = &h.value;
            quote!(::errspec::__private::layout::CodeSource::Header(#h))
        }
    }
}

fn header_layout(headers: &Headers, body: &BodyLayout) -> TokenStream {
    let name = |h: &Option<crate::source::Located<String>>| {
        option(h.as_ref().map(|h| h.value.to_token_stream()))
    };
    let retry_after = name(&headers.retry_after);
    let request_id = name(&headers.request_id);
    let rate_limit = option(headers.rate_limit.as_ref().map(|r| {
        let limit = name(&r.limit);
        let remaining = name(&r.remaining);
        let reset = name(&r.reset);
        let unit = match r.reset_unit {
            ResetUnit::UnixSeconds => quote!(::errspec::__private::layout::ResetUnit::UnixSeconds),
            ResetUnit::Seconds => quote!(::errspec::__private::layout::ResetUnit::Seconds),
        };
        quote! {
            ::errspec::__private::layout::RateLimitLayout {
                limit: #limit,
                remaining: #remaining,
                reset: #reset,
                reset_unit: #unit,
            }
        }
    }));
    let delays = headers
        .delays
        .iter()
        .map(|d| delay_source(d, &body.captures));
    let min_delay = option(headers.min_delay.as_ref().map(|d| {
        let (secs, nanos) = (d.value.as_secs(), d.value.subsec_nanos());
        quote!(::core::time::Duration::new(#secs, #nanos))
    }));
    quote! {
        ::errspec::__private::layout::HeaderLayout {
            retry_after: #retry_after,
            request_id: #request_id,
            rate_limit: #rate_limit,
            delays: &[#(#delays),*],
            min_delay: #min_delay,
        }
    }
}

/// One `::errspec::__private::delay::DelaySource { … }` (header sources; body sources
/// are read through the layout's captures).
fn delay_source(d: &DelaySource, captures: &[Capture]) -> TokenStream {
    let from = match (&d.from, d.from.capture()) {
        (DelayFrom::Header(h), _) => {
            let h = &h.value;
            quote!(::errspec::__private::delay::DelayFrom::Header(#h))
        }
        (_, Some(capture)) => {
            let index = capture_index(captures, &capture);
            quote!(::errspec::__private::delay::DelayFrom::Body(#index))
        }
        (_, None) => unreachable!("a body source is a capture"),
    };
    let format = ident(&format!("{:?}", d.format));
    let param = option(d.param.as_ref().map(|p| p.to_token_stream()));
    let when = match &d.when {
        WhenSpent::Always => quote!(::errspec::__private::delay::WhenSpent::Always),
        WhenSpent::Header(h) => {
            let h = &h.value;
            quote!(::errspec::__private::delay::WhenSpent::Header(#h))
        }
        WhenSpent::Param(p) => quote!(::errspec::__private::delay::WhenSpent::Param(#p)),
    };
    let name = &d.name;
    quote! {
        ::errspec::__private::delay::DelaySource {
            from: #from,
            format: ::errspec::__private::delay::DelayFormat::#format,
            param: #param,
            when: #when,
            name: #name,
        }
    }
}

/// The index of a capture the model registered (`BodyLayout::capture`).
pub(super) fn capture_index(captures: &[Capture], capture: &Capture) -> usize {
    captures
        .iter()
        .position(|c| c.same_as(capture))
        .expect("the model registers every capture it uses")
}

pub(super) fn pointer(p: &Pointer) -> TokenStream {
    let segments = &p.segments;
    quote!(::errspec::__private::layout::Pointer(&[#(#segments),*]))
}
