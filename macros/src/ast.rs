//! The derive's input as a typed tree that keeps the original syntax nodes
//! (for spans): the enum, its variants and the fields the decoder fills.

use proc_macro2::Span;
use syn::{DeriveInput, GenericArgument, Ident, PathArguments, Type};

use crate::attr;
use crate::ctxt::Ctxt;

/// The enum `#[derive(ApiError)]` is on.
pub(crate) struct Input<'a> {
    pub original: &'a DeriveInput,
    pub ident: &'a Ident,
    pub attrs: attr::Container,
    pub variants: Vec<Variant<'a>>,
}

/// One variant.
pub(crate) struct Variant<'a> {
    pub original: &'a syn::Variant,
    pub ident: &'a Ident,
    pub attrs: attr::Variant,
    pub style: Style,
    /// The named fields (empty for unit and tuple variants).
    pub fields: Vec<Field<'a>>,
}

/// How a variant holds its fields.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Style {
    Unit,
    Named,
    Tuple,
}

/// A named field and what the decoder fills it with.
pub(crate) struct Field<'a> {
    pub original: &'a syn::Field,
    pub ident: &'a Ident,
    /// What it is filled with, or why it cannot be.
    pub fill: Result<Fill, Unfillable>,
}

/// The parts of a response a field can hold; the field's name says which.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Fill {
    /// `status: http::StatusCode` or `status: u16`.
    Status(StatusRepr),
    /// `code: Option<String>`: the code as text (integers in decimal).
    Code,
    /// `message: Option<String>`.
    Message,
    /// `request_id: Option<String>`.
    RequestId,
    /// `field_errors: Vec<errspec::FieldError>`.
    FieldErrors,
    /// `retry_after: Option<std::time::Duration>`: the server's requested delay.
    RetryAfter,
    /// `delay_hints: errspec::DelayHints` (or `hints`, its older name).
    Hints,
    /// `raw: Option<String>`: a snippet of a body that did not decode.
    Raw,
    /// `retry_class: errspec::RetryClass`: the class decided for this
    /// response, as the generated type decides it (directive, rules,
    /// code, status, defaults).
    RetryClass,
    /// `decided_by: errspec::DecidedBy`: what decided that class.
    DecidedBy,
    /// `extras: errspec::Extras`: the catalog's `extras`, read by name.
    Extras,
}

/// How a `status` field holds the status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum StatusRepr {
    StatusCode,
    U16,
}

/// Why the decoder cannot fill a field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Unfillable {
    /// No part of a response has this name.
    UnknownName,
    /// The name is known but the type is not one the decoder produces.
    WrongType { expected: &'static str },
}

/// Every field name the decoder fills, with the types it accepts.
pub(crate) const FILLABLE: &[(&str, &str)] = &[
    ("status", "http::StatusCode` or `u16"),
    ("code", "Option<String>"),
    ("message", "Option<String>"),
    ("request_id", "Option<String>"),
    ("field_errors", "Vec<errspec::FieldError>"),
    ("retry_after", "Option<std::time::Duration>"),
    ("delay_hints", "errspec::DelayHints"),
    ("hints", "errspec::DelayHints"),
    ("raw", "Option<String>"),
    ("retry_class", "errspec::RetryClass"),
    ("decided_by", "errspec::DecidedBy"),
    ("extras", "errspec::Extras"),
];

impl<'a> Input<'a> {
    /// Parses the input, recording problems in `cx`. `None` when it is not
    /// an enum (nothing else can be checked then).
    pub(crate) fn from_syn(cx: &Ctxt, input: &'a DeriveInput) -> Option<Self> {
        let syn::Data::Enum(data) = &input.data else {
            cx.error_spanned_by(
                &input.ident,
                "`ApiError` can only be derived for an enum: one variant per kind of error, \
                 plus a catch-all `#[errspec(other)]` variant",
            );
            return None;
        };
        let attrs = attr::Container::from_attrs(cx, &input.attrs);
        let variants = data
            .variants
            .iter()
            .map(|v| Variant::from_syn(cx, v))
            .collect();
        Some(Input {
            original: input,
            ident: &input.ident,
            attrs,
            variants,
        })
    }

    /// The catch-all variants (there should be exactly one).
    pub(crate) fn catch_alls(&self) -> impl Iterator<Item = &Variant<'a>> {
        self.variants.iter().filter(|v| v.attrs.other.is_some())
    }

    /// Where to point errors about the enum as a whole.
    pub(crate) fn span(&self) -> Span {
        self.ident.span()
    }
}

impl<'a> Variant<'a> {
    fn from_syn(cx: &Ctxt, variant: &'a syn::Variant) -> Self {
        let attrs = attr::Variant::from_attrs(cx, &variant.attrs);
        let (style, fields) = match &variant.fields {
            syn::Fields::Unit => (Style::Unit, Vec::new()),
            syn::Fields::Unnamed(_) => (Style::Tuple, Vec::new()),
            syn::Fields::Named(named) => (
                Style::Named,
                named
                    .named
                    .iter()
                    .filter_map(|f| {
                        attr::reject_field_attrs(cx, &f.attrs);
                        let ident = f.ident.as_ref()?;
                        Some(Field {
                            original: f,
                            ident,
                            fill: Fill::of(&ident.to_string(), &f.ty),
                        })
                    })
                    .collect(),
            ),
        };
        Variant {
            original: variant,
            ident: &variant.ident,
            attrs,
            style,
            fields,
        }
    }

    /// The field filled with `fill`'s part, if the variant keeps it.
    pub(crate) fn field(&self, wanted: impl Fn(Fill) -> bool) -> Option<&Field<'a>> {
        self.fields.iter().find(|f| f.fill.is_ok_and(&wanted))
    }

    /// Whether the variant keeps the code.
    pub(crate) fn keeps_code(&self) -> bool {
        self.field(|f| f == Fill::Code).is_some()
    }

    /// How the variant keeps the status, if it does.
    pub(crate) fn status_repr(&self) -> Option<StatusRepr> {
        self.fields.iter().find_map(|f| match f.fill {
            Ok(Fill::Status(repr)) => Some(repr),
            _ => None,
        })
    }

    /// Whether the variant keeps the class decided for its response.
    pub(crate) fn keeps_decision(&self) -> bool {
        self.field(|f| f == Fill::RetryClass).is_some()
    }

    /// Whether this is the catch-all.
    pub(crate) fn is_catch_all(&self) -> bool {
        self.attrs.other.is_some()
    }
}

impl Fill {
    /// What a field named `name` of type `ty` is filled with. Types are
    /// matched by their last path segment (`StatusCode`, `http::StatusCode`
    /// and `::errspec::__private::http::StatusCode` all work); the compiler
    /// checks the rest when the generated constructor assigns the value.
    fn of(name: &str, ty: &Type) -> Result<Fill, Unfillable> {
        let expected = FILLABLE
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, t)| *t)
            .ok_or(Unfillable::UnknownName)?;
        let fill = match name {
            "status" if last_segment(ty).is_some_and(|(s, _)| s == "StatusCode") => {
                Some(Fill::Status(StatusRepr::StatusCode))
            }
            "status" if last_segment(ty).is_some_and(|(s, _)| s == "u16") => {
                Some(Fill::Status(StatusRepr::U16))
            }
            "code" => wrapped(ty, "Option", "String").then_some(Fill::Code),
            "message" => wrapped(ty, "Option", "String").then_some(Fill::Message),
            "request_id" => wrapped(ty, "Option", "String").then_some(Fill::RequestId),
            "raw" => wrapped(ty, "Option", "String").then_some(Fill::Raw),
            "field_errors" => wrapped(ty, "Vec", "FieldError").then_some(Fill::FieldErrors),
            "retry_after" => wrapped(ty, "Option", "Duration").then_some(Fill::RetryAfter),
            "delay_hints" | "hints" => plain(ty, "DelayHints").then_some(Fill::Hints),
            "retry_class" => plain(ty, "RetryClass").then_some(Fill::RetryClass),
            "decided_by" => plain(ty, "DecidedBy").then_some(Fill::DecidedBy),
            "extras" => plain(ty, "Extras").then_some(Fill::Extras),
            _ => None,
        };
        fill.ok_or(Unfillable::WrongType { expected })
    }
}

/// The last segment of a path type and its generic arguments.
fn last_segment(ty: &Type) -> Option<(String, Option<&syn::AngleBracketedGenericArguments>)> {
    let Type::Path(p) = ty else { return None };
    if p.qself.is_some() {
        return None;
    }
    let last = p.path.segments.last()?;
    let args = match &last.arguments {
        PathArguments::None => None,
        PathArguments::AngleBracketed(a) => Some(a),
        PathArguments::Parenthesized(_) => return None,
    };
    Some((last.ident.to_string(), args))
}

/// Whether `ty` is `name`, without generic arguments (by last path segment).
fn plain(ty: &Type, name: &str) -> bool {
    last_segment(ty).is_some_and(|(s, args)| s == name && args.is_none())
}

/// Whether `ty` is `outer<inner>` (by last path segments).
fn wrapped(ty: &Type, outer: &str, inner: &str) -> bool {
    let Some((name, Some(args))) = last_segment(ty) else {
        return false;
    };
    name == outer
        && args.args.len() == 1
        && matches!(
            args.args.first(),
            Some(GenericArgument::Type(t)) if last_segment(t).is_some_and(|(n, a)| n == inner && a.is_none())
        )
}
