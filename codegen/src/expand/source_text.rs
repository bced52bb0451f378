//! Rust source text the generator writes itself and lexes once, for the
//! parts of a catalog that repeat per code.

extern crate proc_macro;

use proc_macro2::TokenStream;
use quote::{ToTokens, quote};

use super::tokens::doc_lines;

/// A token stream that `quote!` moves into its output instead of cloning.
///
/// `quote!` interpolates by reference, and outside a proc-macro (`cargo
/// xtask gen`) splicing a cloned stream into another copies every token, an
/// allocation for each identifier and literal: for the per-code streams of
/// a large catalog, a good part of the generator's time and memory. Each
/// `Moved` is spliced once; a second `#moved` would be empty.
pub(super) struct Moved(std::cell::Cell<Option<TokenStream>>);

impl Moved {
    pub(super) fn new(tokens: TokenStream) -> Moved {
        Moved(std::cell::Cell::new(Some(tokens)))
    }
}

impl ToTokens for Moved {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        tokens.extend(self.0.take());
    }
}

/// Rust source text the generator writes itself, turned into tokens in one
/// step.
#[derive(Default)]
pub(super) struct SourceText(String);

impl SourceText {
    pub(super) fn push(&mut self, source: &str) {
        self.0.push_str(source);
        self.0.push(' ');
    }

    /// A string literal holding `text`. `{:?}` of a `str` is valid Rust
    /// literal syntax (`\"`, `\\`, `\n`, `\u{…}`).
    pub(super) fn push_str_literal(&mut self, text: &str) {
        use std::fmt::Write as _;
        let _ = write!(self.0, "{text:?}");
    }

    /// One `#[doc = " line"]` per line, as [`doc_attrs`](super::tokens::doc_attrs) writes them.
    pub(super) fn push_doc_attrs(&mut self, markdown: &str) {
        for line in doc_lines(markdown) {
            self.0.push_str("#[doc = ");
            self.push_str_literal(&line);
            self.0.push_str("] ");
        }
    }

    /// The tokens, for splicing into `quote!` output once ([`Moved`]).
    pub(super) fn splice(&self) -> Moved {
        Moved::new(self.tokens())
    }

    /// The tokens. Inside a proc-macro the compiler lexes the text
    /// directly: `proc_macro2`'s `FromStr` would first lex it again with its
    /// own lexer, unoptimised in a dev build, which costs more than the
    /// tokens it saves. Elsewhere (`cargo xtask gen`, tests) `proc_macro2`
    /// lexes it.
    ///
    /// The text is the generator's own, made of identifiers the model
    /// validated and escaped literals, so it always lexes; if it ever did
    /// not, the expansion says so at compile time instead of panicking.
    pub(super) fn tokens(&self) -> TokenStream {
        let lexed = if proc_macro::is_available() {
            self.0
                .parse::<proc_macro::TokenStream>()
                .map(TokenStream::from)
                .map_err(|e| e.to_string())
        } else {
            self.0.parse::<TokenStream>().map_err(|e| e.to_string())
        };
        lexed.unwrap_or_else(|e| {
            let message =
                format!("errspec generated source that does not lex ({e}); please report it");
            quote!(::core::compile_error!(#message);)
        })
    }
}
