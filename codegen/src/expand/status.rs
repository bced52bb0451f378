//! An API's `Status` enum: one variant per documented status, its
//! meaning and retry class, and its `CatalogStatus` impl.

use proc_macro2::{Ident, Literal, TokenStream};
use quote::quote;

use super::tokens::{allow_variant_names, doc_attrs, ident, retry_class};
use crate::model::Api;
use crate::text;

/// `429 Too Many Requests`, or `599` where there is no standard reason.
pub(crate) fn status_label(status: u16) -> String {
    match http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
    {
        Some(reason) => format!("{status} {reason}"),
        None => status.to_string(),
    }
}

pub(super) fn expand_status(api: &Api) -> TokenStream {
    let variants: Vec<Ident> = api.statuses.iter().map(|s| ident(&s.variant)).collect();
    let numbers: Vec<Literal> = api
        .statuses
        .iter()
        .map(|s| Literal::u16_unsuffixed(s.status))
        .collect();
    let variant_docs = api.statuses.iter().map(|s| {
        let mut doc = format!(
            "{}: {}\n\nRetry class `{}`.",
            status_label(s.status),
            text::markdown(&s.meaning),
            s.retry.as_str()
        );
        if let Some(hint) = &s.hint {
            doc.push_str("\n\nHint: ");
            doc.push_str(&text::markdown(hint));
        }
        doc_attrs(&doc)
    });
    let names = api.statuses.iter().map(|s| &s.variant);
    let meanings = api.statuses.iter().map(|s| &s.meaning);
    let classes = api.statuses.iter().map(|s| retry_class(s.retry));
    let hints = partial_match(api.statuses.iter().filter_map(|s| {
        let hint = s.hint.as_ref()?;
        let v = ident(&s.variant);
        Some(quote!(Status::#v => #hint,))
    }));
    let client = retry_class(api.defaults.client_error);
    let server = retry_class(api.defaults.server_error);
    let other_class = if api.defaults.client_error == api.defaults.server_error {
        quote!(#client)
    } else {
        quote!(if status >= 500 { #server } else { #client })
    };
    // With an empty table `Other` is the only variant and a `match` on it is
    // a lint; destructure instead.
    let exhaustive = |arms: TokenStream, other: TokenStream, binds: bool| {
        let binding = if binds { quote!(status) } else { quote!(_) };
        match (api.statuses.is_empty(), binds) {
            (true, true) => quote! {
                let Status::Other(status) = self;
                #other
            },
            (true, false) => other,
            (false, _) => quote! {
                match self {
                    #arms
                    Status::Other(#binding) => #other,
                }
            },
        }
    };
    let binds_status = api.defaults.client_error != api.defaults.server_error;
    let as_u16 = exhaustive(
        quote!(#(Status::#variants => #numbers,)*),
        quote!(status),
        true,
    );
    let variant_name = exhaustive(
        quote!(#(Status::#variants => #names,)*),
        quote!("Other"),
        false,
    );
    let class = exhaustive(
        quote!(#(Status::#variants => #classes,)*),
        other_class,
        binds_status,
    );
    let meaning = if api.statuses.is_empty() {
        quote!(::core::option::Option::None)
    } else {
        quote! {
            ::core::option::Option::Some(match self {
                #(Status::#variants => #meanings,)*
                Status::Other(_) => return ::core::option::Option::None,
            })
        }
    };
    let from_u16 = if api.statuses.is_empty() {
        quote!(Status::Other(status))
    } else {
        quote! {
            match status {
                #(#numbers => Status::#variants,)*
                other => Status::Other(other),
            }
        }
    };
    let allow = allow_variant_names("Status", api.statuses.iter().map(|s| s.variant.as_str()));
    let doc = doc_attrs(&format!(
        "An HTTP status of the {}: the status table, and [`Status::Other`] for the rest.\n\n\
         Unlisted statuses retry as the defaults say: `{}` below 500, `{}` from 500.",
        text::inline(&api.title),
        api.defaults.client_error.as_str(),
        api.defaults.server_error.as_str()
    ));
    quote! {
        #doc
        #allow
        #[derive(
            ::core::clone::Clone,
            ::core::marker::Copy,
            ::core::fmt::Debug,
            ::core::cmp::PartialEq,
            ::core::cmp::Eq,
            ::core::hash::Hash,
        )]
        #[non_exhaustive]
        pub enum Status {
            #(#variant_docs #variants,)*
            /// A status the table does not list.
            Other(u16),
        }

        impl Status {
            /// The variant for a status number.
            pub const fn from_u16(status: u16) -> Self {
                #from_u16
            }

            /// The status number.
            pub const fn as_u16(self) -> u16 {
                #as_u16
            }

            /// The variant's name, e.g. `"TooManyRequests"`.
            pub const fn variant_name(self) -> &'static str {
                #variant_name
            }

            /// How to retry a response with this status and no code of its own class.
            pub const fn retry_class(self) -> ::errspec::RetryClass {
                #class
            }

            /// What the status means for this API; `None` for an unlisted status.
            pub const fn meaning(self) -> ::core::option::Option<&'static str> {
                #meaning
            }

            /// What to check or do about this status, if the catalog says.
            pub const fn hint(self) -> ::core::option::Option<&'static str> {
                #hints
            }
        }

        impl ::errspec::CatalogStatus for Status {
            fn from_u16(status: u16) -> Self {
                Status::from_u16(status)
            }

            fn as_u16(self) -> u16 {
                Status::as_u16(self)
            }

            fn variant_name(self) -> &'static str {
                Status::variant_name(self)
            }

            fn retry_class(self) -> ::errspec::RetryClass {
                Status::retry_class(self)
            }

            // `matches!`, not a `match`: an API without a status table
            // has only `Other`, and a second arm would be unreachable.
            fn is_listed(self) -> bool {
                !::core::matches!(self, Status::Other(_))
            }

            fn default_class(status: u16) -> ::errspec::RetryClass {
                Status::Other(status).retry_class()
            }
        }
    }
}

/// `Some(match self { arms, _ => return None })`, or just `None` when
/// there are no arms (a lone `_` arm is a lint).
fn partial_match(arms: impl Iterator<Item = TokenStream>) -> TokenStream {
    let arms: Vec<TokenStream> = arms.collect();
    if arms.is_empty() {
        quote!(::core::option::Option::None)
    } else {
        quote! {
            ::core::option::Option::Some(match self {
                #(#arms)*
                _ => return ::core::option::Option::None,
            })
        }
    }
}
