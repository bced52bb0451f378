//! The API's `Extras`: the values `body.extras` names, read from the
//! layout's captures, with a typed accessor each.

use proc_macro2::TokenStream;
use quote::quote;

use super::tokens::{doc_attrs, ident};
use crate::model::{Api, ExtraType};
use crate::text;

/// `static EXTRAS: [ExtraLayout; N] = …`, the API's extras read from the
/// layout's captures (`None` when it has none).
pub fn extras_static(api: &Api) -> Option<TokenStream> {
    let extras = &api.body.extras;
    if extras.is_empty() {
        return None;
    }
    let count = extras.len();
    let rows = extras.iter().map(|e| {
        let name = &e.name.value;
        let sources = &e.captures;
        let ty = ident(match e.ty {
            ExtraType::String => "String",
            ExtraType::Integer => "Integer",
            ExtraType::Number => "Number",
            ExtraType::Boolean => "Boolean",
        });
        quote! {
            ::errspec::__private::extras::ExtraLayout {
                name: #name,
                sources: &[#(#sources),*],
                ty: ::errspec::__private::extras::ExtraType::#ty,
            }
        }
    });
    Some(quote! {
        /// The API's extras: named values read from the body.
        static EXTRAS: [::errspec::__private::extras::ExtraLayout; #count] = [#(#rows),*];
    })
}

/// `EXTRAS` and the API's `Extras`: the values `body.extras` names, one
/// typed accessor each.
pub(super) fn expand_extras(api: &Api) -> TokenStream {
    let table = extras_static(api);
    let accessors = api.body.extras.iter().enumerate().map(|(i, e)| {
        let name = ident(&e.name.value);
        let (ty, getter) = match e.ty {
            ExtraType::String => (quote!(::core::option::Option<&str>), quote!(str)),
            ExtraType::Integer => (quote!(::core::option::Option<i64>), quote!(int)),
            ExtraType::Number => (quote!(::core::option::Option<f64>), quote!(number)),
            ExtraType::Boolean => (quote!(::core::option::Option<bool>), quote!(boolean)),
        };
        let from: Vec<String> = e.sources.iter().map(|p| text::code_span(&p.text)).collect();
        let doc = format!(
            " The extra `{}`, read from {} in the body ({}), if the response had it.",
            e.name.value,
            from.join(", else "),
            e.ty.as_str()
        );
        quote! {
            #[doc = #doc]
            pub fn #name(&self) -> #ty {
                self.0.#getter(#i)
            }
        }
    });
    let doc = doc_attrs(&format!(
        "The extras of an error of the {}: values read from the body, one accessor each \
         ([`Error::extras`](::errspec::DecodedError::extras)). Every extra by name: \
         [`by_name`](::errspec::Extras::by_name), through `Deref`.",
        text::inline(&api.title)
    ));
    quote! {
        #table

        #doc
        #[derive(
            ::core::clone::Clone,
            ::core::fmt::Debug,
            ::core::cmp::PartialEq,
            ::core::cmp::Eq,
        )]
        pub struct Extras(::errspec::Extras);

        impl Extras {
            #(#accessors)*
        }

        impl ::core::ops::Deref for Extras {
            type Target = ::errspec::Extras;

            fn deref(&self) -> &::errspec::Extras {
                &self.0
            }
        }

        impl ::errspec::CatalogExtras for Extras {
            fn from_captures(captures: &::errspec::__private::decode::Captures<'_>) -> Self {
                Extras(::errspec::Extras::from_captures(&EXTRAS, captures))
            }

            fn as_extras(&self) -> ::core::option::Option<&::errspec::Extras> {
                ::core::option::Option::Some(&self.0)
            }
        }
    }
}
