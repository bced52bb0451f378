//! Proc-macros for errspec: [`catalog!`] expands a spec file in place, and
//! [`derive(ApiError)`](derive@ApiError) makes a user's own enum an
//! [`errspec::ApiError`].
//!
//! Both are thin callers of the `errspec-codegen` library: the same
//! loader, checks and generator as `cargo xtask gen`. Use them through the
//! `errspec` crate, which re-exports them.
//!
//! [`errspec::ApiError`]: https://docs.rs/errspec/latest/errspec/trait.ApiError.html
#![forbid(unsafe_code)]

mod ast;
mod attr;
mod bind;
mod catalog;
mod check;
mod class;
mod ctxt;
mod expand;
mod spec_file;
mod suggest;

use proc_macro::TokenStream;

/// Expands a spec file into the provider module `cargo xtask gen` writes
/// for it.
#[proc_macro]
pub fn catalog(input: TokenStream) -> TokenStream {
    catalog::expand(input.into(), &spec_file::manifest_dir()).into()
}

/// Implements `errspec::ApiError`, `Display` and `std::error::Error` for
/// an enum of API errors.
#[proc_macro_derive(ApiError, attributes(errspec))]
pub fn derive_api_error(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    expand::derive(&input, &spec_file::manifest_dir()).into()
}
