//! Token fragments every item module builds: identifiers, options, retry
//! classes and doc attributes.

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

use crate::model::RetryClass;

/// `::errspec::RetryClass::Never` and so on.
pub fn retry_class(class: RetryClass) -> TokenStream {
    let v = ident(&class_variant(class));
    quote!(::errspec::RetryClass::#v)
}

/// The variant name of `errspec::RetryClass` (`Never`): its `Debug` form.
pub(super) fn class_variant(class: RetryClass) -> String {
    format!("{class:?}")
}

/// The `use` of `None` and `Some` for a table of options, naming only those
/// the table holds: an unused import is a warning in the user's build.
pub(super) fn option_imports(present: impl Iterator<Item = bool>) -> TokenStream {
    let (mut some, mut none) = (false, false);
    for p in present {
        some |= p;
        none |= !p;
    }
    match (none, some) {
        (true, true) => quote!(
            use ::core::option::Option::{None, Some};
        ),
        (false, _) => quote!(
            use ::core::option::Option::Some;
        ),
        (true, false) => quote!(
            use ::core::option::Option::None;
        ),
    }
}

pub(super) fn option(value: Option<TokenStream>) -> TokenStream {
    match value {
        Some(v) => quote!(::core::option::Option::Some(#v)),
        None => quote!(::core::option::Option::None),
    }
}

pub(crate) fn ident(name: &str) -> Ident {
    Ident::new(name, Span::call_site())
}

/// Clippy's `enum_variant_names` objects to `Code::Code1001` and
/// `Status::Status599`; the names come from the provider, so allow it there.
pub(super) fn allow_variant_names<'a>(
    enum_name: &str,
    mut variants: impl Iterator<Item = &'a str>,
) -> TokenStream {
    if variants.any(|v| v.starts_with(enum_name) || v.ends_with(enum_name)) {
        quote!(#[allow(clippy::enum_variant_names)])
    } else {
        quote!()
    }
}

/// One `#[doc = " line"]` per line, so the file shows `/// line`.
pub(crate) fn doc_attrs(markdown: &str) -> TokenStream {
    doc_lines(markdown)
        .map(|line| quote!(#[doc = #line]))
        .collect()
}

/// Like [`doc_attrs`], as inner attributes (`//! line`).
pub(super) fn inner_doc_attrs(markdown: &str) -> TokenStream {
    doc_lines(markdown)
        .map(|line| quote!(#![doc = #line]))
        .collect()
}

pub(super) fn doc_lines(markdown: &str) -> impl Iterator<Item = String> {
    markdown.lines().map(|l| {
        if l.is_empty() {
            String::new()
        } else {
            format!(" {l}")
        }
    })
}
