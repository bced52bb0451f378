//! An API's `Code` enum: one variant per catalog code, the per-code
//! tables it reads (text, name, description, statuses, class, hint) and
//! its `CatalogCode` impl.

use proc_macro2::TokenStream;
use quote::quote;

use super::source_text::SourceText;
use super::status::status_label;
use super::tokens::{allow_variant_names, class_variant, doc_attrs, option_imports};
use crate::model::{Api, Code, CodeSource, CodeType};
use crate::text;

/// Where the code is read, in words: the first source of each layout's
/// chain (`/error/code in the body`, or several joined by "or").
fn code_places(api: &Api) -> String {
    let mut places: Vec<String> = Vec::new();
    for source in api.layouts().filter_map(|b| b.code.as_ref()) {
        let place = match source {
            CodeSource::Header(h) => format!("the {} header", text::code_span(&h.value)),
            CodeSource::Body(p) if p.text.is_empty() => String::from("the body"),
            CodeSource::Body(p) => format!("{} in the body", text::code_span(&p.text)),
        };
        if !places.contains(&place) {
            places.push(place);
        }
    }
    if places.is_empty() {
        String::from("nowhere")
    } else {
        places.join(" or ")
    }
}

pub(super) fn expand_code(api: &Api) -> TokenStream {
    let integer = api.body.code_type == CodeType::Integer;
    let count = api.codes.len();
    // Everything that repeats per code is written as source text and lexed
    // once (see `PerCode`); the rest is built with `quote!`.
    let per_code = PerCode::new(api);
    let variants = per_code.variants.splice();
    let names = per_code.names.splice();
    let descriptions = per_code.descriptions.splice();
    let statuses = per_code.statuses.splice();
    let texts = per_code.texts.splice();
    let index_arms = per_code.index_arms.splice();
    // Per-code data lives in tables indexed by `Code::index`: one `match`
    // over the codes instead of one per accessor, which keeps the compile
    // time of large catalogs near linear (rustc lowers a `match` in
    // super-linear time in its arms).
    let overrides_table = api.codes.iter().any(|c| c.retry.is_some()).then(|| {
        let overrides = per_code.overrides.splice();
        let uses = option_imports(api.codes.iter().map(|c| c.retry.is_some()));
        quote! {
            /// Per known code, in [`Code::index`] order: its own retry class, if the
            /// catalog gives one.
            static CODE_RETRY: [::core::option::Option<::errspec::RetryClass>; #count] = {
                #uses
                [#overrides]
            };
        }
    });
    let overrides = if overrides_table.is_some() {
        quote!(self.index().and_then(|i| CODE_RETRY[i]))
    } else {
        quote!(::core::option::Option::None)
    };
    let hints_table = api.codes.iter().any(|c| c.hint.is_some()).then(|| {
        let hints = per_code.hints.splice();
        let uses = option_imports(api.codes.iter().map(|c| c.hint.is_some()));
        quote! {
            /// Per known code, in [`Code::index`] order: what to check or do about it.
            static CODE_HINTS: [::core::option::Option<&str>; #count] = {
                #uses
                [#hints]
            };
        }
    });
    let hints = if hints_table.is_some() {
        quote!(self.index().and_then(|i| CODE_HINTS[i]))
    } else {
        quote!(::core::option::Option::None)
    };
    let allow = allow_variant_names("Code", api.codes.iter().map(|c| c.variant.as_str()));
    let doc = doc_attrs(&format!(
        "A machine code of the {}, read from {} of an error response.\n\n\
         Known codes are variants; any other code is kept, exactly as sent, in \
         [`Code::Unknown`]. [`as_str`](Code::as_str), [`FromStr`](::core::str::FromStr) \
         and [`Display`](::core::fmt::Display) round-trip the provider's text.",
        text::inline(&api.title),
        code_places(api)
    ));
    let unknown_doc = if integer {
        " A code the catalog does not list, as the provider sent it (integers in decimal)."
    } else {
        " A code the catalog does not list, as the provider sent it."
    };

    let known_fn = if integer {
        let mut arms = SourceText::default();
        for code in &api.codes {
            arms.push(&format!("{} => Code::{},", code.value, code.variant));
        }
        let arms = arms.splice();
        quote! {
            /// The code for an integer, [`Code::Unknown`] if the catalog does not list it.
            pub fn from_i64(code: i64) -> Self {
                match Self::known_i64(code) {
                    ::core::option::Option::Some(known) => known,
                    ::core::option::Option::None => {
                        Code::Unknown(::errspec::__private::ToCompactString::to_compact_string(&code))
                    }
                }
            }

            /// The code as an integer, if it is one.
            pub fn as_i64(&self) -> ::core::option::Option<i64> {
                self.as_str().parse().ok()
            }

            fn known_i64(code: i64) -> ::core::option::Option<Self> {
                ::core::option::Option::Some(match code {
                    #arms
                    _ => return ::core::option::Option::None,
                })
            }

            fn known(code: &str) -> ::core::option::Option<Self> {
                code.parse().ok().and_then(Self::known_i64)
            }
        }
    } else {
        let mut buckets = SourceText::default();
        for (len, codes) in by_length(api) {
            push_length_arm(&mut buckets, len, &codes);
        }
        let buckets = buckets.splice();
        quote! {
            /// The known code sent as `code`. By length first: the code is
            /// compared only with codes of its length (more than eight of one
            /// length are told apart by one byte first).
            fn known(code: &str) -> ::core::option::Option<Self> {
                ::core::option::Option::Some(match code.len() {
                    #buckets
                    _ => return ::core::option::Option::None,
                })
            }
        }
    };
    let from_raw = if integer {
        quote! {
            match raw {
                ::errspec::__private::decode::RawCode::Int(code) => Code::from_i64(code),
                ::errspec::__private::decode::RawCode::Str(code) => match Code::known(&code) {
                    ::core::option::Option::Some(known) => known,
                    ::core::option::Option::None => {
                        Code::Unknown(::core::convert::From::from(code))
                    }
                },
            }
        }
    } else {
        quote! {
            match raw {
                ::errspec::__private::decode::RawCode::Str(code) => match Code::known(&code) {
                    ::core::option::Option::Some(known) => known,
                    ::core::option::Option::None => {
                        Code::Unknown(::core::convert::From::from(code))
                    }
                },
                ::errspec::__private::decode::RawCode::Int(code) => {
                    let code = ::errspec::__private::ToCompactString::to_compact_string(&code);
                    match Code::known(&code) {
                        ::core::option::Option::Some(known) => known,
                        ::core::option::Option::None => Code::Unknown(code),
                    }
                }
            }
        }
    };

    quote! {
        #doc
        #allow
        #[derive(
            ::core::cmp::PartialEq,
            ::core::cmp::Eq,
            ::core::hash::Hash,
        )]
        #[non_exhaustive]
        pub enum Code {
            #variants
            #[doc = #unknown_doc]
            Unknown(::errspec::CompactString),
        }

        /// Per known code, in [`Code::index`] order: the code as the provider
        /// sends it.
        static CODE_TEXTS: [&str; #count] = [#texts];

        /// Per known code, in [`Code::index`] order: the variant's name.
        static CODE_NAMES: [&str; #count] = [#names];

        /// Per known code, in [`Code::index`] order: what it means.
        static CODE_DESCRIPTIONS: [&str; #count] = [#descriptions];

        /// Per known code, in [`Code::index`] order: the statuses it comes with.
        static CODE_STATUSES: [&[u16]; #count] = [#statuses];

        #overrides_table
        #hints_table

        impl Code {
            /// The code exactly as the provider sends it.
            pub fn as_str(&self) -> &str {
                match self {
                    Code::Unknown(code) => code,
                    // Every known code has an index; `""` is never returned.
                    known => known.index().map_or("", |i| CODE_TEXTS[i]),
                }
            }

            /// The variant's name, e.g. `"RateLimited"`.
            pub fn variant_name(&self) -> &'static str {
                self.index().map_or("Unknown", |i| CODE_NAMES[i])
            }

            /// Whether the catalog lists this code.
            pub fn is_known(&self) -> bool {
                !::core::matches!(self, Code::Unknown(_))
            }

            /// What the code means; `None` for an unknown code.
            pub fn description(&self) -> ::core::option::Option<&'static str> {
                self.index().map(|i| CODE_DESCRIPTIONS[i])
            }

            /// The statuses the code comes with; empty for an unknown code.
            pub fn statuses(&self) -> &'static [u16] {
                self.index().map_or(&[], |i| CODE_STATUSES[i])
            }

            /// The retry class the catalog gives this code over its status's, if any.
            pub fn retry_override(&self) -> ::core::option::Option<::errspec::RetryClass> {
                #overrides
            }

            /// What to check or do about this code, if the catalog says.
            pub fn hint(&self) -> ::core::option::Option<&'static str> {
                #hints
            }

            /// The code's position in the catalog and in its tables; `None`
            /// for an unknown code.
            fn index(&self) -> ::core::option::Option<usize> {
                ::core::option::Option::Some(match self {
                    #index_arms
                    Code::Unknown(_) => return ::core::option::Option::None,
                })
            }

            #known_fn
        }

        impl ::core::fmt::Debug for Code {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                match self {
                    Code::Unknown(code) => f.debug_tuple("Unknown").field(code).finish(),
                    known => f.write_str(known.variant_name()),
                }
            }
        }

        // Not derived: a derived `clone` matches every code (see
        // `push_length_arm` on what such a `match` costs to compile). A known
        // code is looked up again by its text, which round-trips.
        impl ::core::clone::Clone for Code {
            fn clone(&self) -> Self {
                match self {
                    Code::Unknown(code) => Code::Unknown(::core::clone::Clone::clone(code)),
                    known => known.as_str().parse().unwrap_or_else(|never| match never {}),
                }
            }
        }

        impl ::core::str::FromStr for Code {
            type Err = ::core::convert::Infallible;

            // Not `Self::Err`: a code `err` becomes the variant `Code::Err`.
            fn from_str(code: &str) -> ::core::result::Result<Self, ::core::convert::Infallible> {
                ::core::result::Result::Ok(match Self::known(code) {
                    ::core::option::Option::Some(known) => known,
                    ::core::option::Option::None => {
                        Code::Unknown(::errspec::CompactString::new(code))
                    }
                })
            }
        }

        impl ::core::fmt::Display for Code {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::errspec::CatalogCode for Code {
            fn from_raw(raw: ::errspec::__private::decode::RawCode<'_>) -> ::core::option::Option<Self> {
                ::core::option::Option::Some(#from_raw)
            }

            fn as_str(&self) -> &str {
                Code::as_str(self)
            }

            fn variant_name(&self) -> &'static str {
                Code::variant_name(self)
            }

            fn is_known(&self) -> bool {
                Code::is_known(self)
            }

            fn retry_override(&self) -> ::core::option::Option<::errspec::RetryClass> {
                Code::retry_override(self)
            }
        }
    }
}

/// The parts of the `Code` items that repeat once per code, as Rust
/// source text.
///
/// They are written as text and lexed once ([`SourceText::tokens`]) rather
/// than built token by token with `quote!`: in a dev build `catalog!` runs
/// the generator unoptimised inside rustc, and creating every token of a
/// large catalog one at a time was most of its expansion time. Both
/// callers (`cargo xtask gen` and the macro) go through here, so the
/// checked-in files and the expansion stay identical.
struct PerCode {
    /// `#[doc = "…"] Variant,` per code.
    variants: SourceText,
    /// `"Variant",` per code.
    names: SourceText,
    /// `"description",` per code.
    descriptions: SourceText,
    /// `&[400, 422],` per code.
    statuses: SourceText,
    /// `Some(::errspec::RetryClass::…),` or `None,` per code (the table
    /// imports `Some` and `None`).
    overrides: SourceText,
    /// `Some("hint"),` or `None,` per code (likewise).
    hints: SourceText,
    /// `"text",` per code: the code as sent (integers in decimal).
    texts: SourceText,
    /// `Code::Variant => index,` per code.
    index_arms: SourceText,
}

impl PerCode {
    fn new(api: &Api) -> PerCode {
        let mut out = PerCode {
            variants: SourceText::default(),
            names: SourceText::default(),
            descriptions: SourceText::default(),
            statuses: SourceText::default(),
            overrides: SourceText::default(),
            hints: SourceText::default(),
            texts: SourceText::default(),
            index_arms: SourceText::default(),
        };
        for (index, code) in api.codes.iter().enumerate() {
            let variant = &code.variant;
            out.variants.push_doc_attrs(&code_doc(api, code));
            out.variants.push(&format!("{variant},"));
            out.names.push_str_literal(variant);
            out.names.push(",");
            out.descriptions.push_str_literal(&code.description);
            out.descriptions.push(",");
            let statuses: Vec<String> = code.statuses.iter().map(u16::to_string).collect();
            out.statuses.push(&format!("&[{}],", statuses.join(",")));
            // The tables import `None` and `Some`: most entries are `None`,
            // and the full path is six tokens more per code.
            match code.retry {
                Some(class) => out.overrides.push(&format!(
                    "Some(::errspec::RetryClass::{}),",
                    class_variant(class)
                )),
                None => out.overrides.push("None,"),
            }
            match &code.hint {
                Some(hint) => {
                    out.hints.push("Some(");
                    out.hints.push_str_literal(hint);
                    out.hints.push("),");
                }
                None => out.hints.push("None,"),
            }
            out.texts.push_str_literal(&code.value.to_string());
            out.texts.push(",");
            out.index_arms.push(&format!("Code::{variant} => {index},"));
        }
        out
    }
}

/// The codes of a string API grouped by the byte length of their text,
/// shortest first, each group in catalog order: `(text, variant)`.
fn by_length(api: &Api) -> Vec<(usize, Vec<(String, &str)>)> {
    let mut groups: std::collections::BTreeMap<usize, Vec<(String, &str)>> = Default::default();
    for code in &api.codes {
        let text = code.value.to_string();
        groups
            .entry(text.len())
            .or_default()
            .push((text, code.variant.as_str()));
    }
    groups.into_iter().collect()
}

/// The most codes of one length that the lookup compares in turn.
const COMPARED_IN_TURN: usize = 8;

/// The arm of `Code::known`'s `match code.len()` for the codes of length
/// `len`: their texts compared in turn, or for more than
/// [`COMPARED_IN_TURN`] a `match` on the byte that splits them into the
/// smallest groups first, and each group's texts compared in turn.
///
/// rustc checks a `match` in time quadratic in its arms (each arm against
/// the others): one `match` over the thousands of codes a large catalog
/// has of one length cost more to compile than everything else per code.
/// At run time the byte is one jump, and fewer texts are compared.
fn push_length_arm(out: &mut SourceText, len: usize, codes: &[(String, &str)]) {
    let split = (codes.len() > COMPARED_IN_TURN)
        .then(|| split_byte(codes))
        .flatten();
    let Some(at) = split else {
        push_texts_arm(out, &len.to_string(), codes.iter());
        return;
    };
    let mut groups: std::collections::BTreeMap<u8, Vec<&(String, &str)>> = Default::default();
    for code in codes {
        groups.entry(code.0.as_bytes()[at]).or_default().push(code);
    }
    // Every code here is longer than `at`: the index is in bounds.
    out.push(&format!("{len} => match code.as_bytes()[{at}] {{"));
    for (byte, group) in groups {
        push_texts_arm(
            out,
            &format!("b'{}'", byte.escape_ascii()),
            group.into_iter(),
        );
    }
    out.push("_ => return ::core::option::Option::None, },");
}

/// A `match` arm for `pattern` that compares `code` with `codes`' texts in
/// turn: `pattern => match code { "text" => Code::Variant, …, _ => return
/// None },`, or for one code `pattern if code == "text" => Code::Variant,`
/// (the `match` it is in ends with `_ => return None`).
fn push_texts_arm<'a>(
    out: &mut SourceText,
    pattern: &str,
    codes: impl ExactSizeIterator<Item = &'a (String, &'a str)>,
) {
    if codes.len() == 1 {
        for (text, variant) in codes {
            out.push(&format!("{pattern} if code =="));
            out.push_str_literal(text);
            out.push(&format!(" => Code::{variant},"));
        }
        return;
    }
    out.push(&format!("{pattern} => match code {{"));
    for (text, variant) in codes {
        out.push_str_literal(text);
        out.push(&format!(" => Code::{variant},"));
    }
    out.push("_ => return ::core::option::Option::None, },");
}

/// The byte position that splits `codes` (distinct texts of one length)
/// into the smallest groups: the least sum of squared group sizes, the
/// first such position on a tie. `None` if no position splits them.
fn split_byte(codes: &[(String, &str)]) -> Option<usize> {
    let len = codes.first()?.0.len();
    // One group of all of them: no split.
    let mut best = (None, codes.len() * codes.len());
    for at in 0..len {
        let mut counts = [0usize; 256];
        for (text, _) in codes {
            counts[usize::from(text.as_bytes()[at])] += 1;
        }
        let cost = counts.iter().map(|n| n * n).sum();
        if cost < best.1 {
            best = (Some(at), cost);
        }
    }
    best.0
}

fn code_doc(api: &Api, code: &Code) -> String {
    let statuses: Vec<String> = code.statuses.iter().map(|s| status_label(*s)).collect();
    let class = code.effective_class(api);
    let mut doc = if statuses.is_empty() {
        let class = match code.retry {
            Some(class) => format!("retry class `{}` (set by the code)", class.as_str()),
            None => String::from("the retry class of the status it comes with"),
        };
        format!(
            "{}: {}\n\nStatus not documented; {class}.",
            text::code_span(&code.value.to_string()),
            text::markdown(&code.description),
        )
    } else {
        format!(
            "{}: {}\n\nStatus {}; retry class `{}`{}.",
            text::code_span(&code.value.to_string()),
            text::markdown(&code.description),
            statuses.join(", "),
            class.as_str(),
            if code.retry.is_some() {
                " (set by the code)"
            } else {
                ""
            }
        )
    };
    if let Some(hint) = &code.hint {
        doc.push_str("\n\nHint: ");
        doc.push_str(&text::markdown(hint));
    }
    doc
}
