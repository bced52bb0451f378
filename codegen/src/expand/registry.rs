//! The crate root of a generated providers crate: its docs and example,
//! one module per provider, and the registry of every API (`APIS`,
//! `visit_api`, `default_api`).

use proc_macro2::TokenStream;
use quote::quote;

use super::provider_doc;
use super::tokens::{class_variant, doc_attrs, doc_lines, ident, inner_doc_attrs};
use crate::model::{Api, BodyFormat, Catalog, Code, CodeSource, RetryClass};
use crate::text;

/// The crate root of a generated providers crate: crate docs, one
/// `pub mod` per provider (its items live in `src/PROVIDER.rs`) and
/// `APIS`, the registry of every API. `catalogs` must be sorted by provider.
///
/// Each provider's module is behind a cargo feature of its name, and so is
/// what the crate docs say of it (its rows of the table, the code of the
/// example that uses it): a build with some providers off has no links to
/// missing modules (`rustdoc::broken_intra_doc_links`) and no doc-test
/// that cannot compile.
pub fn expand_registry(catalogs: &[Catalog], crate_name: &str) -> TokenStream {
    let crate_head = String::from(
        "Typed errors, decoders and retry classes for the providers in errspec's `spec/` \
         directory.\n\nEach provider module holds, per API, a `Code` enum (the provider's \
         machine codes), a `Status` enum (its documented statuses) and an `Error` type that \
         decodes any error response and says how to retry it. [`APIS`] lists every API for \
         tools that pick one by name at run time.\n\n\
         | Provider | API | Error type | Codes | Statuses |\n|---|---|---|---|---|\n",
    );
    let mut crate_docs = inner_doc_attrs(&crate_head);
    for catalog in catalogs {
        let mut rows = String::new();
        for api in &catalog.apis {
            let path = api_path(catalog, api);
            rows.push_str(&format!(
                "| {} | {} | [`{path}::Error`] | {} | {} |\n",
                text::table_cell(&catalog.title),
                text::table_cell(&api.title),
                api.codes.len(),
                api.statuses.len()
            ));
        }
        crate_docs.extend(feature_inner_doc_attrs(catalog, &rows));
    }
    if let Some(example) = crate_example(catalogs, crate_name) {
        crate_docs.extend(inner_doc_attrs(&format!("\n# Example\n\n{example}")));
    }
    // One cargo feature per provider (all on by default): a user who needs
    // one provider compiles only its module.
    let feature = |catalog: &Catalog| {
        let name = &catalog.provider.value;
        quote!(#[cfg(feature = #name)])
    };
    let modules = catalogs.iter().map(|catalog| {
        let docs = doc_attrs(&provider_doc(catalog));
        let name = ident(&catalog.provider.value);
        let cfg = feature(catalog);
        quote! {
            #docs
            #cfg
            pub mod #name;
        }
    });
    let entries = catalogs.iter().flat_map(|catalog| {
        catalog.apis.iter().map(move |api| {
            let path = api_path_tokens(catalog, api);
            let cfg = feature(catalog);
            quote!(#cfg ::errspec::registry::ApiEntry::of::<#path::Error>())
        })
    });
    let arms = catalogs.iter().flat_map(|catalog| {
        catalog.apis.iter().map(move |api| {
            let path = api_path_tokens(catalog, api);
            let provider = &catalog.provider.value;
            let name = &api.name.value;
            let cfg = feature(catalog);
            quote!(#cfg (#provider, #name) => ::core::result::Result::Ok(visitor.visit::<#path::Error>()))
        })
    });
    let defaults = catalogs.iter().filter_map(|catalog| {
        let provider = &catalog.provider.value;
        let api = catalog.default_api.as_ref()?;
        let cfg = feature(catalog);
        Some(quote!(#cfg #provider => ::core::option::Option::Some(#api)))
    });
    quote! {
        #crate_docs
        #![forbid(unsafe_code)]

        #(#modules)*

        /// Every API of every provider, in provider order, for tools that
        /// pick an API by name at run time.
        pub static APIS: &[::errspec::registry::ApiEntry] = &[#(#entries),*];

        /// Calls `visitor` with the concrete error type of `provider`/`api`
        /// (names as in [`APIS`]), for tools that need the type itself, such
        /// as a retrying client; gives the visitor back for an unknown API.
        pub fn visit_api<V: ::errspec::registry::ApiVisitor>(
            provider: &str,
            api: &str,
            visitor: V,
        ) -> ::core::result::Result<V::Output, V> {
            match (provider, api) {
                #(#arms,)*
                _ => ::core::result::Result::Err(visitor),
            }
        }

        /// The API the bare provider name stands for (`cargo xtask classify
        /// stripe …`): the catalog's `default_api`, else its only API;
        /// `None` for an unknown provider or one with several APIs and no
        /// default.
        pub fn default_api(provider: &str) -> ::core::option::Option<&'static str> {
            match provider {
                #(#defaults,)*
                _ => ::core::option::Option::None,
            }
        }
    }
}

/// Like [`inner_doc_attrs`], for a build with `catalog`'s feature on.
fn feature_inner_doc_attrs(catalog: &Catalog, markdown: &str) -> TokenStream {
    let feature = &catalog.provider.value;
    doc_lines(markdown)
        .map(|line| quote!(#![cfg_attr(feature = #feature, doc = #line)]))
        .collect()
}

/// `provider` or `provider::api`, as text.
fn api_path(catalog: &Catalog, api: &Api) -> String {
    if catalog.apis.len() == 1 {
        catalog.provider.value.clone()
    } else {
        format!("{}::{}", catalog.provider.value, api.name.value)
    }
}

fn api_path_tokens(catalog: &Catalog, api: &Api) -> TokenStream {
    let provider = ident(&catalog.provider.value);
    if catalog.apis.len() == 1 {
        quote!(crate::#provider)
    } else {
        let api = ident(&api.name.value);
        quote!(crate::#provider::#api)
    }
}

/// A doc-test for the crate root: decoding the first throttled code of the
/// first API with codes (or its first code) and asking how to retry it.
/// Only codes the example can carry are picked (see [`exampleable`]), so
/// the doc-test passes for any catalog that passes the checks.
/// Its code is in a block that only a build with the provider's feature
/// compiles (hidden lines, `# #[cfg(feature = …)] {`).
fn crate_example(catalogs: &[Catalog], crate_name: &str) -> Option<String> {
    let (catalog, api, code) = catalogs
        .iter()
        .flat_map(|c| c.apis.iter().map(move |a| (c, a)))
        .find_map(|(c, a)| {
            let mut codes = a.codes.iter().filter(|code| exampleable(a, code));
            let first = codes.clone().next()?;
            let code = codes
                .find(|code| code.effective_class(a) == RetryClass::Throttled)
                .unwrap_or(first);
            Some((c, a, code))
        })?;
    let status = *code.statuses.first()?;
    let example = crate::example::example_response(api, Some(code), status);
    let path = format!(
        "{}::{}",
        crate_name.replace('-', "_"),
        api_path(catalog, api)
    );
    let mut out = format!(
        "# #[cfg(feature = {:?})] {{\nuse {path}::{{Code, Error}};\n",
        catalog.provider.value
    );
    out.push_str("use errspec::RetryClass;\nuse http::{HeaderMap, HeaderValue, StatusCode};\n\n");
    out.push_str("let mut headers = HeaderMap::new();\n");
    for (name, value) in &example.headers {
        out.push_str(&format!(
            "headers.insert({:?}, HeaderValue::from_static({value:?}));\n",
            name.to_ascii_lowercase()
        ));
    }
    let json = crate::example::example_layout(api).is_some_and(|b| b.format == BodyFormat::Json);
    if example.body.contains('\n') && json {
        // Our own pretty JSON: readable as a raw string, and no line of it
        // can start a Markdown fence.
        let hashes = "#".repeat(text::raw_string_hashes(&example.body));
        out.push_str(&format!(
            "let body = r{hashes}\"{}\"{hashes};\n\n",
            example.body
        ));
    } else {
        // Spec text (a text body): an escaped one-line literal.
        out.push_str(&format!("let body = {:?};\n\n", example.body));
    }
    out.push_str(&format!(
        "let error = Error::decode(StatusCode::from_u16({status}).unwrap(), &headers, body.as_bytes());\n"
    ));
    out.push_str(&format!(
        "assert_eq!(error.code(), Some(&Code::{}));\n",
        code.variant
    ));
    out.push_str(&format!(
        "assert_eq!(error.retry_class(), RetryClass::{});\n",
        class_variant(code.effective_class(api))
    ));
    out.push_str("println!(\"{error}\");\n# }\n");
    Some(text::fenced("", &out))
}

/// Whether the crate example can show `code`: a code read from a header
/// must be a header value the decoder reads back as it is (visible ASCII,
/// no spaces), and the code must have a status.
fn exampleable(api: &Api, code: &Code) -> bool {
    let Some(body) = crate::example::example_layout(api) else {
        return false;
    };
    let text = code.value.to_string();
    let base = body.errors.as_ref().map_or(0, |p| p.segments.len() + 1);
    let readable = match &body.code {
        Some(CodeSource::Header(_)) => {
            !text.is_empty() && text.bytes().all(|b| b.is_ascii_graphic())
        }
        Some(CodeSource::Body(p)) => base + p.segments.len() <= crate::example::EXAMPLE_MAX_DEPTH,
        None => false,
    };
    readable && !code.statuses.is_empty()
}
