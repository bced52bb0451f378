//! The API's classifier: its server directive and rules as a constant
//! `::errspec::__private::rules::Classifier`.

use proc_macro2::TokenStream;
use quote::{ToTokens, quote};

use super::layout::capture_index;
use super::tokens::{option, retry_class};
use crate::model::{Api, Capture, CodeType, Condition, Test};

/// Whether the API's class depends on more than its code and status: rules
/// or a server directive, evaluated once, at decode.
pub fn has_classifier(api: &Api) -> bool {
    !api.rules.is_empty() || api.headers.should_retry.is_some()
}

/// The API's rules and directive as a constant
/// `::errspec::__private::rules::Classifier { … }` expression.
pub fn classifier_expr(api: &Api) -> TokenStream {
    let should_retry = option(
        api.headers
            .should_retry
            .as_ref()
            .map(|h| resolved_header(&h.value)),
    );
    let integer_codes = api.body.code_type == CodeType::Integer;
    let rules = api.rules.iter().map(|r| {
        let name = option(r.name.as_ref().map(|n| n.value.to_token_stream()));
        let retry = retry_class(r.retry);
        let when = r
            .conditions
            .iter()
            .map(|c| condition(c, integer_codes, &api.body.captures));
        quote! {
            ::errspec::__private::rules::Rule {
                name: #name,
                when: &[#(#when),*],
                retry: #retry,
            }
        }
    });
    quote! {
        ::errspec::__private::rules::Classifier {
            should_retry: #should_retry,
            rules: &[#(#rules),*],
        }
    }
}

/// One `::errspec::__private::rules::Condition` (body-value conditions are read
/// through the layout's captures).
pub(super) fn condition(c: &Condition, integer_codes: bool, captures: &[Capture]) -> TokenStream {
    match c {
        Condition::Status(ranges) => {
            let ranges = ranges.iter().map(|(first, last)| {
                quote!(::errspec::__private::rules::StatusRange { first: #first, last: #last })
            });
            quote!(::errspec::__private::rules::Condition::Status(&[#(#ranges),*]))
        }
        Condition::Code(t) => {
            // Integer codes are compared in decimal, as decoded codes are written.
            let t = value_test(t, |v| {
                if integer_codes && let Ok(i) = v.trim().parse::<i64>() {
                    i.to_string()
                } else {
                    v.to_owned()
                }
            });
            quote!(::errspec::__private::rules::Condition::Code(#t))
        }
        Condition::Header(name, t) => {
            let header = resolved_header(&name.value);
            let t = value_test(t, str::to_owned);
            quote!(::errspec::__private::rules::Condition::Header(#header, #t))
        }
        Condition::Message(t) => {
            let t = value_test(t, str::to_owned);
            quote!(::errspec::__private::rules::Condition::Message(#t))
        }
        Condition::Field(p, t) => {
            let index = capture_index(captures, &Capture::At(p.clone()));
            let t = value_test(t, str::to_owned);
            quote!(::errspec::__private::rules::Condition::Field(#index, #t))
        }
    }
}

/// A `&'static LayoutHeader` of `name`, resolved at compile time in a
/// `static` of its own (a temporary holding a `HeaderName` cannot be
/// borrowed for `'static`).
fn resolved_header(name: &str) -> TokenStream {
    quote!({
        static HEADER: ::errspec::__private::hints::LayoutHeader =
            ::errspec::__private::hints::LayoutHeader::resolved(#name);
        &HEADER
    })
}

fn value_test(t: &Test, value: impl Fn(&str) -> String) -> TokenStream {
    match t {
        Test::Equals(v) => {
            let v = value(v);
            quote!(::errspec::__private::rules::Test::Equals(#v))
        }
        Test::NotEquals(v) => {
            let v = value(v);
            quote!(::errspec::__private::rules::Test::NotEquals(#v))
        }
        Test::In(vs) => {
            let vs = vs.iter().map(|v| value(v));
            quote!(::errspec::__private::rules::Test::In(&[#(#vs),*]))
        }
        Test::Present(p) => quote!(::errspec::__private::rules::Test::Present(#p)),
        Test::Contains(v) => quote!(::errspec::__private::rules::Test::Contains(#v)),
    }
}
