//! `catalog!("spec/provider.yaml")`: the provider module `cargo xtask gen`
//! writes for a spec, expanded in place by the same generator.

use std::path::Path;

use proc_macro2::TokenStream;
use quote::quote;
use syn::LitStr;

use crate::spec_file;

/// Expands `catalog!(<input>)`; the spec path is relative to `manifest_dir`.
pub(crate) fn expand(input: TokenStream, manifest_dir: &Path) -> TokenStream {
    let path: LitStr = match syn::parse2(input) {
        Ok(path) => path,
        Err(e) => {
            return syn::Error::new(
                e.span(),
                "expected the path of a spec file, relative to the crate's Cargo.toml: \
                 `catalog!(\"spec/provider.yaml\")`",
            )
            .to_compile_error();
        }
    };
    match spec_file::load(&path.value(), path.span(), manifest_dir) {
        Ok(spec) => {
            let include = spec.include();
            let items = errspec_codegen::expand::expand_provider_module(&spec.loaded.catalog);
            quote! {
                #include
                #items
            }
        }
        Err(e) => e.to_compile_error(),
    }
}
