//! The API's `Error`: a type alias of the runtime's `DecodedError` and
//! the `CatalogApi` impl that names the API's types, decoder and constants.

use proc_macro2::TokenStream;
use quote::quote;

use super::extras::expand_extras;
use super::layout::pointer;
use super::rules::has_classifier;
use super::tokens::{doc_attrs, option};
use crate::model::{Api, Catalog, LimitScope};
use crate::text;

/// `const IDEMPOTENCY: …` of `ApiError`, when the API takes its key in
/// more places than one header, or limits it (`None`: the default fits).
pub fn idempotency_const(api: &Api) -> Option<TokenStream> {
    let i = &api.idempotency;
    if i.is_plain() {
        return None;
    }
    let also = i.also_headers.iter().map(|h| &h.value);
    let body = option(i.body.as_ref().map(pointer));
    let max_length = option(i.max_length.map(|m| quote!(#m)));
    let uuid = i.uuid;
    Some(quote! {
        const IDEMPOTENCY: ::errspec::__private::idempotency::IdempotencyLayout =
            ::errspec::__private::idempotency::IdempotencyLayout {
                also_headers: &[#(#also),*],
                body: #body,
                max_length: #max_length,
                uuid: #uuid,
            };
    })
}

/// `const RATE_LIMITS` of an API with documented `limits` (nothing for
/// the others: the trait's default is none).
fn rate_limits(api: &Api) -> Option<TokenStream> {
    if api.limits.is_empty() {
        return None;
    }
    let limits = api.limits.iter().map(|l| {
        let requests = l.requests;
        let (secs, nanos) = (l.per.as_secs(), l.per.subsec_nanos());
        let scope = match l.scope {
            LimitScope::ApiKey => quote!(ApiKey),
            _ => quote!(Account),
        };
        quote! {
            ::errspec::RateLimit::new(
                #requests,
                ::core::time::Duration::new(#secs, #nanos),
                ::errspec::LimitScope::#scope,
            )
        }
    });
    Some(quote! {
        const RATE_LIMITS: &'static [::errspec::RateLimit] = &[#(#limits),*];
    })
}

/// The API's `Error`: a type alias of `::errspec::DecodedError` over the
/// marker `Api`, whose `CatalogApi` impl names the API's code and status
/// types, decoder and constants. Everything every API's error does lives
/// once in the runtime; what is generated here is data.
pub(super) fn expand_error(catalog: &Catalog, api: &Api) -> TokenStream {
    let has_codes = api.has_codes();
    let provider = &catalog.provider.value;
    let api_name = &api.name.value;
    let classified = has_classifier(api);
    let has_extras = !api.body.extras.is_empty();
    let mut doc = format!(
        "An error response of the {}: its status{}, message, request id, field errors \
         and delay hints.\n\n\
         Build one with [`decode`](::errspec::DecodedError::decode); ask \
         [`retry_class`](::errspec::DecodedError::retry_class) how to retry it: {}.",
        text::inline(&api.title),
        if has_codes { ", code" } else { "" },
        match (classified, has_codes) {
            (true, _) => {
                "the server's directive, else the first rule that matches, else the code's \
                 own class, else the status table's, else the defaults"
            }
            (false, true) => "the code's own class, else the status table's, else the defaults",
            (false, false) => "the status table's class, else the defaults",
        }
    );
    if has_extras {
        doc.push_str(" Its [`Extras`] have an accessor each.");
    }
    if let Some(description) = &api.description {
        doc.push_str("\n\n");
        doc.push_str(&text::markdown(description));
    }
    let doc = doc_attrs(&doc);
    let api_doc = doc_attrs(&format!(
        "The {} as [`Error`] decodes it: its codes, statuses, decoder and constants.",
        text::inline(&api.title)
    ));

    let code_type = if has_codes {
        quote!(Code)
    } else {
        quote!(::core::convert::Infallible)
    };
    let extras_type = if has_extras {
        quote!(Extras)
    } else {
        quote!(())
    };
    let decoder_type = if api.chooses_layout() {
        quote!(::errspec::__private::decode::Layouts<'static>)
    } else {
        quote!(::errspec::__private::decode::Decoder)
    };
    let idempotency = api.idempotency_header.as_ref().map(|h| {
        let h = &h.value;
        quote!(const IDEMPOTENCY_HEADER: ::core::option::Option<&'static str> = ::core::option::Option::Some(#h);)
    });
    let idempotency_more = idempotency_const(api);
    let rate_limits = rate_limits(api);
    let classifier = classified.then(|| {
        quote! {
            const CLASSIFIER: ::core::option::Option<&'static ::errspec::__private::rules::Classifier> =
                ::core::option::Option::Some(&CLASSIFIER);
        }
    });
    let extras = has_extras.then(|| expand_extras(api));
    let success = api.success.is_some().then(|| {
        quote! {
            const SUCCESS_CHECK: ::core::option::Option<&'static ::errspec::__private::success::SuccessCheck<'static>> =
                ::core::option::Option::Some(&SUCCESS);
        }
    });
    let batch = api.batch.is_some().then(|| {
        quote! {
            const BATCH_LAYOUT: ::core::option::Option<&'static ::errspec::__private::batch::BatchLayout<'static>> =
                ::core::option::Option::Some(&BATCH);
        }
    });

    quote! {
        #extras

        #doc
        pub type Error = ::errspec::DecodedError<Api>;

        #api_doc
        pub enum Api {}

        impl ::errspec::CatalogApi for Api {
            type Code = #code_type;
            type Status = Status;
            type Extras = #extras_type;
            type Decoder = #decoder_type;
            const PROVIDER: &'static str = #provider;
            const API: &'static str = #api_name;
            const DECODER: &'static Self::Decoder = DECODER;
            #idempotency
            #idempotency_more
            #rate_limits
            #classifier
            #success
            #batch
        }
    }
}
