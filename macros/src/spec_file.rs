//! Spec files named in a macro: found relative to the calling crate, read,
//! and run through the codegen pipeline (load → model → check).

use std::path::{Path, PathBuf};

use errspec_codegen::source::SourceFile;
use errspec_codegen::{Loaded, load_catalog};
use proc_macro2::{Span, TokenStream};
use quote::quote;

/// A spec file that loaded and passed every check.
pub(crate) struct SpecFile {
    /// The absolute path, for `include_str!`.
    pub path: PathBuf,
    /// The catalog and its warnings.
    pub loaded: Loaded,
}

impl SpecFile {
    /// `const _: &str = include_str!("<absolute path>");`: makes the
    /// compiler track the file, so editing it expands the macro again.
    pub(crate) fn include(&self) -> TokenStream {
        let path = self.path.to_string_lossy();
        quote! {
            const _: &str = ::core::include_str!(#path);
        }
    }
}

/// The directory of the calling crate's `Cargo.toml`: what spec paths are
/// relative to.
pub(crate) fn manifest_dir() -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR").map_or_else(PathBuf::new, PathBuf::from)
}

/// Reads and checks the spec file `written` (as the user wrote it,
/// relative to `manifest_dir`). Errors are located at `span`, the path
/// literal: one error for an unreadable file, one per spec error otherwise,
/// each carrying `file:line:col` and the rendered diagnostic.
pub(crate) fn load(written: &str, span: Span, manifest_dir: &Path) -> syn::Result<SpecFile> {
    let path = manifest_dir.join(written);
    let text = errspec_codegen::read_spec_file(&path).map_err(|e| {
        syn::Error::new(
            span,
            format!(
                "cannot read spec file `{written}`: {e}; spec paths are relative to \
                 CARGO_MANIFEST_DIR, the directory of the crate's Cargo.toml"
            ),
        )
    })?;
    // Diagnostics show the path as written: it is what the user recognises.
    let file = SourceFile::new(written, text);
    let loaded = load_catalog(&file).map_err(|diags| {
        let mut errors = diags
            .sorted()
            .into_iter()
            .filter(|d| d.is_error())
            .map(|d| {
                // Rendered, a diagnostic reads `error: <message>` then the
                // location and snippet; the compiler prints the `error:` part.
                let rendered = d.render(&file);
                let body = rendered.split_once('\n').map_or("", |(_, rest)| rest);
                syn::Error::new(span, format!("{}\n{}", d.message, body.trim_end()))
            });
        let mut combined = errors
            .next()
            .unwrap_or_else(|| syn::Error::new(span, format!("invalid spec file `{written}`")));
        for e in errors {
            combined.combine(e);
        }
        combined
    })?;
    Ok(SpecFile {
        // `include_str!` resolves relative paths against the source file,
        // not the manifest: give it an absolute one.
        path: path.canonicalize().unwrap_or(path),
        loaded,
    })
}
