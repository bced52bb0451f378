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

#[cfg(test)]
mod tests {
    use std::fs;
    use std::path::{Path, PathBuf};

    use errspec_codegen::expand::render_file;
    use quote::{ToTokens, quote};

    use super::expand;

    fn workspace() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("macros/ is in the workspace")
            .to_owned()
    }

    /// `catalog!` emits what `cargo xtask gen` checked in, for every seed:
    /// the module's items are `generated/src/<provider>.rs` byte for byte
    /// (rendered the same way, preamble included), and its docs are those
    /// of `pub mod <provider>;` in `generated/src/lib.rs`.
    #[test]
    fn expansion_is_the_checked_in_generated_module() {
        let workspace = workspace();
        let lib = fs::read_to_string(workspace.join("generated/src/lib.rs")).expect("lib.rs");
        let lib = syn::parse_file(&lib).expect("lib.rs parses");
        let mut specs: Vec<PathBuf> = fs::read_dir(workspace.join("spec"))
            .expect("spec/")
            .map(|e| e.expect("entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
            .collect();
        specs.sort();
        assert!(!specs.is_empty());
        for spec in specs {
            let name = spec.file_name().and_then(|n| n.to_str()).expect("a name");
            let written = format!("spec/{name}");
            let expanded: syn::File =
                syn::parse2(expand(quote!(#written), &workspace)).expect("expansion parses");
            let [syn::Item::Const(include), syn::Item::Mod(module)] = expanded.items.as_slice()
            else {
                panic!("{written}: expected `const _ = include_str!(..)` and a module");
            };
            let path = spec.canonicalize().expect("canonical path");
            assert!(
                include
                    .to_token_stream()
                    .to_string()
                    .contains(&format!("{:?}", path.to_string_lossy())),
                "{written}: the expansion includes the spec by absolute path"
            );

            let provider = module.ident.to_string();
            let items = &module.content.as_ref().expect("an inline module").1;
            let generated = workspace.join(format!("generated/src/{provider}.rs"));
            let checked_in = fs::read_to_string(&generated).expect("generated file");
            assert!(
                render_file(quote!(#(#items)*)) == checked_in,
                "{written}: catalog! differs from {}; run `cargo xtask gen`",
                generated.display()
            );

            let declared = lib
                .items
                .iter()
                .find_map(|item| match item {
                    syn::Item::Mod(m) if m.ident == provider => Some(m),
                    _ => None,
                })
                .expect("lib.rs declares the provider");
            // Doc attributes only: lib.rs also puts each provider behind
            // its cargo feature.
            let docs = |attrs: &[syn::Attribute]| -> Vec<String> {
                attrs
                    .iter()
                    .filter(|a| a.path().is_ident("doc"))
                    .map(|a| a.to_token_stream().to_string())
                    .collect()
            };
            assert_eq!(
                docs(&module.attrs),
                docs(&declared.attrs),
                "{written}: module docs"
            );
        }
    }

    #[test]
    fn errors_are_at_the_path_literal() {
        let workspace = workspace();
        let tokens = expand(quote!("spec/nope.yaml"), &workspace).to_string();
        assert!(tokens.contains("compile_error"), "{tokens}");
        assert!(
            tokens.contains("cannot read spec file `spec/nope.yaml`"),
            "{tokens}"
        );
        let tokens = expand(quote!(spec / topmail), &workspace).to_string();
        assert!(
            tokens.contains("expected the path of a spec file"),
            "{tokens}"
        );
    }
}
