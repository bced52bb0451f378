//! The spec language as written: typed, every value located.
//!
//! These types mirror the YAML one to one (see `spec/README.md`); [`crate::load`]
//! fills them from a node tree and [`crate::schema`] derives `spec/schema.json`
//! from them, so the doc comments here are what an editor shows on hover.
//! Semantic rules live in [`crate::check`]; the normalized form the
//! generator uses is [`crate::model`].

#[cfg(feature = "schema")]
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};

use crate::source::{Located, Span};

/// A located string.
pub type Text = Located<String>;

/// Entries of a YAML mapping, in order, each with its located key.
pub type Keyed<T> = Vec<(Text, T)>;

/// An RFC 6901 JSON pointer: empty (the whole document) or `/`-separated
/// tokens, with `~0` for `~` and `~1` for `/`.
pub const POINTER_PATTERN: &str = "^(/([^~]|~[01])*)*$";
/// An HTTP header name (an RFC 9110 token).
pub const HEADER_PATTERN: &str = "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$";
/// A lower snake_case identifier.
pub const IDENTIFIER_PATTERN: &str = "^[a-z][a-z0-9_]*$";
/// A Rust variant name (UpperCamelCase ASCII).
pub const VARIANT_PATTERN: &str = "^[A-Z][A-Za-z0-9]*$";
/// A status in an error table.
pub const STATUS_PATTERN: &str = "^[1-5][0-9][0-9]$";
/// A date, `YYYY-MM-DD`.
pub const DATE_PATTERN: &str = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$";
/// An absolute http(s) URL, of the characters RFC 3986 allows.
pub const URL_PATTERN: &str =
    "^https?://[A-Za-z0-9._~:@!$&'()*+,;=%\\[\\]-][A-Za-z0-9._~:/?#@!$&'()*+,;=%\\[\\]-]*$";

/// One provider's catalog: one YAML file.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[cfg_attr(
    feature = "schema",
    schemars(deny_unknown_fields, title = "errspec catalog")
)]
pub struct Spec {
    /// The provider's identifier: lower snake_case, used for module and file
    /// names (`topmail`). Required.
    #[cfg_attr(
        feature = "schema",
        schemars(with = "String", pattern(IDENTIFIER_PATTERN))
    )]
    pub provider: Text,
    /// The provider's display name (`TopMail`). Required.
    #[cfg_attr(feature = "schema", schemars(with = "String", length(min = 1)))]
    pub title: Text,
    /// Where the provider documents its errors: an http(s) URL.
    #[cfg_attr(
        feature = "schema",
        schemars(default, with = "String", pattern(URL_PATTERN))
    )]
    pub docs_url: Option<Text>,
    /// The date (YYYY-MM-DD) the catalog was last checked against the
    /// provider's docs. Required: catalogs drift.
    #[cfg_attr(feature = "schema", schemars(with = "String", pattern(DATE_PATTERN)))]
    pub as_of: Text,
    /// A paragraph about the provider, in your own words.
    #[cfg_attr(
        feature = "schema",
        schemars(default, with = "String", length(min = 1))
    )]
    pub description: Option<Text>,
    /// The documents the catalog's facts come from, by name (lower
    /// snake_case). Statuses, codes and examples cite them with `source:`.
    #[cfg_attr(feature = "schema", schemars(default, schema_with = "sources_schema"))]
    pub sources: Keyed<SourceSpec>,
    /// The API that the bare provider name stands for in the tools
    /// (`cargo xtask classify stripe …`) when the provider has several.
    /// Default: the only API.
    #[cfg_attr(
        feature = "schema",
        schemars(default, with = "String", pattern(IDENTIFIER_PATTERN))
    )]
    pub default_api: Option<Text>,
    /// The provider's APIs, by name (lower snake_case; `api` when there is
    /// only one). At least one. Each becomes a module of the generated crate.
    #[cfg_attr(feature = "schema", schemars(schema_with = "apis_schema"))]
    pub apis: Keyed<ApiSpec>,
    /// Where the `apis` key is (the whole document when it is missing).
    #[cfg_attr(feature = "schema", schemars(skip))]
    pub apis_span: Span,
    /// Where the whole document is (for file-level diagnostics).
    #[cfg_attr(feature = "schema", schemars(skip))]
    pub span: Span,
}

/// One API of a provider.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[cfg_attr(feature = "schema", schemars(deny_unknown_fields))]
pub struct ApiSpec {
    /// The API's display name. Default: the provider's title and the API's name.
    #[cfg_attr(
        feature = "schema",
        schemars(default, with = "String", length(min = 1))
    )]
    pub title: Option<Text>,
    /// A paragraph about the API.
    #[cfg_attr(
        feature = "schema",
        schemars(default, with = "String", length(min = 1))
    )]
    pub description: Option<Text>,
    /// Where this API's errors are documented. Default: the provider's `docs_url`.
    #[cfg_attr(
        feature = "schema",
        schemars(default, with = "String", pattern(URL_PATTERN))
    )]
    pub docs_url: Option<Text>,
    /// Where code, message, request id and field errors live in an error
    /// body: one layout (a mapping), or several (a list, tried in order:
    /// each response is decoded with the first whose `content_type` and
    /// `when` hold). Default: a JSON body with no code, message or request id.
    #[cfg_attr(feature = "schema", schemars(default, schema_with = "body_schema"))]
    pub body: Vec<BodySpec>,
    /// Whether `body` was written as a list of layouts.
    #[cfg_attr(feature = "schema", schemars(skip))]
    pub body_list: bool,
    /// Delay, rate-limit and request-id headers. Default: none.
    #[cfg_attr(feature = "schema", schemars(default, with = "HeadersSpec"))]
    pub headers: Option<HeadersSpec>,
    /// How an idempotency key is sent, where the API supports one.
    #[cfg_attr(feature = "schema", schemars(default, with = "IdempotencySpec"))]
    pub idempotency: Option<IdempotencySpec>,
    /// Retry classes for statuses the status table does not list, by status
    /// class. Default: `4xx: never`, `5xx: backoff`.
    #[cfg_attr(feature = "schema", schemars(default, schema_with = "defaults_schema"))]
    pub defaults: Keyed<Text>,
    /// The status table: HTTP status → meaning, retry class, hint.
    #[cfg_attr(feature = "schema", schemars(default, schema_with = "statuses_schema"))]
    pub statuses: Keyed<StatusSpec>,
    /// The code table: machine code, as the provider sends it → status(es),
    /// description, optional retry class and hint. Needs `body.code`.
    #[cfg_attr(feature = "schema", schemars(default, schema_with = "codes_schema"))]
    pub codes: Keyed<CodeSpec>,
    /// Rules that set the class from a header, a body value, the code or
    /// the message, on top of the status and code tables. The first rule
    /// whose conditions all hold decides.
    #[cfg_attr(feature = "schema", schemars(default))]
    pub rules: Vec<RuleSpec>,
    /// Further places a server says how long to wait: every one present
    /// gives a delay, and the longest wins.
    #[cfg_attr(feature = "schema", schemars(default))]
    pub delays: Vec<DelaySpec>,
    /// A floor on any delay the server sends, as a duration (`1s`, `500ms`).
    #[cfg_attr(feature = "schema", schemars(default, with = "String"))]
    pub min_delay: Option<Text>,
    /// The rate limits the provider documents (requests per interval, per
    /// account or API key); clients pace their sends to them.
    #[cfg_attr(feature = "schema", schemars(default))]
    pub limits: Vec<LimitSpec>,
    /// When a 2xx response is a failure (Slack's `{"ok": false}`, a
    /// GraphQL `errors` array): such a response decodes as this API's
    /// error. Default: every 2xx is a success.
    #[cfg_attr(feature = "schema", schemars(default, with = "SuccessSpec"))]
    pub success: Option<SuccessSpec>,
    /// Where a batch send's 2xx response keeps one result per item, and
    /// which items failed. Default: none.
    #[cfg_attr(feature = "schema", schemars(default, with = "BatchSpec"))]
    pub batch: Option<BatchSpec>,
    /// Documented example responses with the outcome each must decode to;
    /// `cargo xtask check` and the test suite run them.
    #[cfg_attr(feature = "schema", schemars(default, with = "Vec<ExampleSpec>"))]
    pub examples: Vec<ExampleSpec>,
    /// Where the API's mapping is.
    #[cfg_attr(feature = "schema", schemars(skip))]
    pub span: Span,
}

/// An API's success predicate: which 2xx responses are failures.
#[derive(Clone, Debug, Default, PartialEq)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[cfg_attr(feature = "schema", schemars(deny_unknown_fields))]
pub struct SuccessSpec {
    /// The conditions (those of a rule's `when`), all of which must hold
    /// for a 2xx to be a failure: `{field: {pointer: /ok, equals: false}}`.
    /// Required.
    #[cfg_attr(feature = "schema", schemars(with = "WhenSpec"))]
    pub failure_when: Option<WhenSpec>,
    /// The source or sources documenting it.
    #[cfg_attr(
        feature = "schema",
        schemars(default, schema_with = "source_refs_schema")
    )]
    pub source: Vec<Text>,
    /// Where `success:` is (its key).
    #[cfg_attr(feature = "schema", schemars(skip))]
    pub span: Span,
}

/// Per-item results of a batch send.
#[derive(Clone, Debug, Default, PartialEq)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[cfg_attr(feature = "schema", schemars(deny_unknown_fields))]
pub struct BatchSpec {
    /// A JSON pointer to the array of per-item results; the empty pointer
    /// when the body is the array. Required.
    #[cfg_attr(
        feature = "schema",
        schemars(with = "String", pattern(POINTER_PATTERN))
    )]
    pub items: Option<Text>,
    /// Conditions on an item (`field` pointers relative to the item,
    /// `code`, `message`), all of which must hold for it to have failed.
    /// Default: every item is a failure.
    #[cfg_attr(feature = "schema", schemars(default, with = "WhenSpec"))]
    pub failed_when: Option<WhenSpec>,
    /// A pointer, relative to an item, to its index in the request.
    /// Default: its position in the array.
    #[cfg_attr(
        feature = "schema",
        schemars(default, with = "String", pattern(POINTER_PATTERN))
    )]
    pub index: Option<Text>,
    /// A pointer, relative to an item, to its code, looked up in the API's
    /// `codes` (of the API's code type).
    #[cfg_attr(
        feature = "schema",
        schemars(default, with = "String", pattern(POINTER_PATTERN))
    )]
    pub code: Option<Text>,
    /// A pointer, relative to an item, to its message.
    #[cfg_attr(
        feature = "schema",
        schemars(default, with = "String", pattern(POINTER_PATTERN))
    )]
    pub message: Option<Text>,
    /// The retry class of a failed item whose code is absent or unlisted.
    /// Default: `never`.
    #[cfg_attr(feature = "schema", schemars(default, with = "RetryClassName"))]
    pub retry: Option<Text>,
    /// The source or sources documenting it.
    #[cfg_attr(
        feature = "schema",
        schemars(default, schema_with = "source_refs_schema")
    )]
    pub source: Vec<Text>,
    /// Where `batch:` is (its key).
    #[cfg_attr(feature = "schema", schemars(skip))]
    pub span: Span,
}

/// A retry class's name, in the schema: one of
/// [`RetryClass::ALL`](errspec_core::RetryClass::ALL), each with its
/// [`meaning`](errspec_core::RetryClass::meaning), so that a class added
/// to the runtime is in the schema too.
#[cfg(feature = "schema")]
pub struct RetryClassName;

#[cfg(feature = "schema")]
impl JsonSchema for RetryClassName {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "RetryClassName".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        let classes: Vec<serde_json::Value> = errspec_core::RetryClass::ALL
            .into_iter()
            .map(|class| {
                // "never": "Do not retry without changing the request."
                let mut meaning = class.meaning().chars();
                let description: String = meaning
                    .next()
                    .into_iter()
                    .flat_map(char::to_uppercase)
                    .chain(meaning)
                    .chain(['.'])
                    .collect();
                serde_json::json!({
                    "description": description,
                    "type": "string",
                    "const": class.as_str(),
                })
            })
            .collect();
        json_schema!({ "description": "One of the retry classes.", "oneOf": classes })
    }
}

/// The layout of an error body.
#[derive(Clone, Debug, Default, PartialEq)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[cfg_attr(feature = "schema", schemars(deny_unknown_fields))]
pub struct BodySpec {
    /// The media types this layout is for (`application/xml`, or a list),
    /// compared with the response's `Content-Type` without parameters,
    /// ignoring case. Default: any. For an API with several layouts.
    #[cfg_attr(
        feature = "schema",
        schemars(default, schema_with = "media_types_schema")
    )]
    pub content_type: Vec<Text>,
    /// Body conditions this layout is for (`field: {pointer: /type,
    /// present: true}`), tested on what the layout decodes. Default: none.
    /// For an API with several layouts.
    #[cfg_attr(feature = "schema", schemars(default, with = "LayoutWhenSpec"))]
    pub when: Option<WhenSpec>,
    /// `json` (default), `xml` (pointers name elements from the root
    /// element down: `/Error/Code`) or `text` (not parsed: every error is
    /// status-level and no pointer applies).
    #[cfg_attr(feature = "schema", schemars(default, with = "BodyFormatName"))]
    pub format: Option<Text>,
    /// JSON pointer to an array of error objects. When set, `code`, `message`
    /// and `field_errors` are relative to each item; the first item is the
    /// primary error and every item's field errors are kept.
    #[cfg_attr(
        feature = "schema",
        schemars(default, with = "String", pattern(POINTER_PATTERN))
    )]
    pub errors: Option<Text>,
    /// Where the machine code lives. Leave out when the API has no codes
    /// (the status is the key).
    #[cfg_attr(feature = "schema", schemars(default, with = "CodeLocationSpec"))]
    pub code: Option<CodeLocationSpec>,
    /// JSON pointer to the human-readable message.
    #[cfg_attr(
        feature = "schema",
        schemars(default, with = "String", pattern(POINTER_PATTERN))
    )]
    pub message: Option<Text>,
    /// JSON pointer to the request id (absolute, even with `errors`).
    #[cfg_attr(
        feature = "schema",
        schemars(default, with = "String", pattern(POINTER_PATTERN))
    )]
    pub request_id: Option<Text>,
    /// Where field-level errors live.
    #[cfg_attr(feature = "schema", schemars(default, with = "FieldErrorsSpec"))]
    pub field_errors: Option<FieldErrorsSpec>,
    /// Named values read from the body, each with a typed accessor on the
    /// generated error (`decline_code: /error/decline_code`). A value is a
    /// JSON pointer (absolute), a list of pointers (the first present
    /// wins), or a mapping with `pointer` and `type`.
    #[cfg_attr(feature = "schema", schemars(default, schema_with = "extras_schema"))]
    pub extras: Keyed<ExtraSpec>,
    /// Whether `body` or `body.code` was written but could not be read: its
    /// errors are reported, and rules that depend on it stay quiet.
    #[cfg_attr(feature = "schema", schemars(skip))]
    pub malformed: bool,
    /// Where the mapping's key is (`body:`).
    #[cfg_attr(feature = "schema", schemars(skip))]
    pub span: Span,
}

/// `json` or `text`.
#[cfg(feature = "schema")]
#[derive(JsonSchema)]
#[cfg_attr(feature = "schema", serde(rename_all = "snake_case"))]
#[allow(dead_code)] // only its schema is used
pub enum BodyFormatName {
    /// A JSON document (the default).
    Json,
    /// An XML document: pointers name elements from the root element down.
    Xml,
    /// Anything else: HTML, plain text. Decoded as a status-level error.
    Text,
}

/// The conditions that choose a layout: body values only (choose by
/// header with `content_type`).
#[cfg(feature = "schema")]
#[derive(JsonSchema)]
#[cfg_attr(feature = "schema", schemars(deny_unknown_fields))]
#[allow(dead_code)] // only its schema is used
pub struct LayoutWhenSpec {
    /// A body value: a pointer (absolute, from the body's root) and a test.
    field: FieldTestSpec,
}

/// One `item`, or a list of at least one (`unique`: none twice): the shape
/// of every value the language takes as one item or a list of them.
#[cfg(feature = "schema")]
fn one_or_list(item: impl Into<serde_json::Value>, unique: bool) -> Schema {
    let item = item.into();
    let mut list = serde_json::json!({ "type": "array", "items": item.clone(), "minItems": 1 });
    if unique {
        list["uniqueItems"] = true.into();
    }
    json_schema!({ "anyOf": [item, list] })
}

/// One layout (a mapping) or several (a list, tried in order).
#[cfg(feature = "schema")]
fn body_schema(generator: &mut SchemaGenerator) -> Schema {
    one_or_list(generator.subschema_for::<BodySpec>(), false)
}

/// An RFC 9110 media type without parameters (`application/problem+json`).
pub const MEDIA_TYPE_PATTERN: &str = "^[!#$%&'*+.^_`|~0-9A-Za-z-]+/[!#$%&'*+.^_`|~0-9A-Za-z-]+$";

#[cfg(feature = "schema")]
fn media_types_schema(_: &mut SchemaGenerator) -> Schema {
    one_or_list(
        serde_json::json!({ "type": "string", "pattern": MEDIA_TYPE_PATTERN }),
        false,
    )
}

/// Where the machine code lives: a body pointer, a header, or a fallback
/// chain of them in `from` (exactly one of the three).
#[derive(Clone, Debug, Default, PartialEq)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[cfg_attr(feature = "schema", schemars(
    deny_unknown_fields,
    extend("oneOf" = [{ "required": ["pointer"] }, { "required": ["header"] }, { "required": ["from"] }])
))]
pub struct CodeLocationSpec {
    /// JSON pointer to the code in the body (relative to each item with `body.errors`).
    #[cfg_attr(
        feature = "schema",
        schemars(default, with = "String", pattern(POINTER_PATTERN))
    )]
    pub pointer: Option<Text>,
    /// A response header that carries the code.
    #[cfg_attr(
        feature = "schema",
        schemars(default, with = "String", pattern(HEADER_PATTERN))
    )]
    pub header: Option<Text>,
    /// A fallback chain: sources tried in order, the first that gives a
    /// code wins. Each is a JSON pointer (relative to each item with
    /// `body.errors`), `{pointer: …}` or `{header: …}`.
    #[cfg_attr(
        feature = "schema",
        schemars(default, schema_with = "value_sources_schema")
    )]
    pub from: Option<Vec<ValueSourceSpec>>,
    /// Normalisation: cut the code from the first occurrence of this text
    /// (`":"` for AWS's `ValidationException:http://…`).
    #[cfg_attr(
        feature = "schema",
        schemars(default, with = "String", length(min = 1))
    )]
    pub drop_after: Option<Text>,
    /// Normalisation: cut the code up to and including the last occurrence
    /// of this text (`"#"` for AWS's `com.amazonaws…#ThrottlingException`).
    #[cfg_attr(
        feature = "schema",
        schemars(default, with = "String", length(min = 1))
    )]
    pub drop_through: Option<Text>,
    /// `string` (default) or `integer`: how the provider sends the code, and
    /// how the keys of `codes` are read.
    #[cfg_attr(feature = "schema", schemars(default, with = "CodeTypeName"))]
    pub r#type: Option<Text>,
    /// Where the mapping's key is (`code:`).
    #[cfg_attr(feature = "schema", schemars(skip))]
    pub span: Span,
}

/// Where a value is read: a JSON pointer, `{pointer: …}` or `{header: …}`.
#[derive(Clone, Debug, PartialEq)]
pub enum ValueSourceSpec {
    /// A JSON pointer into the body.
    Pointer(Text),
    /// A JSON pointer into the body, written as a mapping.
    BodyPointer(Text),
    /// A response header.
    Header(Text),
}

impl ValueSourceSpec {
    /// The text as written (a pointer or a header name).
    pub fn text(&self) -> &Text {
        match self {
            ValueSourceSpec::Pointer(t)
            | ValueSourceSpec::BodyPointer(t)
            | ValueSourceSpec::Header(t) => t,
        }
    }
}

/// `{pointer: /code}`.
#[cfg(feature = "schema")]
#[derive(JsonSchema)]
#[cfg_attr(feature = "schema", schemars(deny_unknown_fields))]
#[allow(dead_code)] // only its schema is used
pub struct PointerSourceSpec {
    /// A JSON pointer into the body.
    #[cfg_attr(
        feature = "schema",
        schemars(with = "String", pattern(POINTER_PATTERN))
    )]
    pointer: String,
}

/// `{header: X-Amzn-ErrorType}`.
#[cfg(feature = "schema")]
#[derive(JsonSchema)]
#[cfg_attr(feature = "schema", schemars(deny_unknown_fields))]
#[allow(dead_code)] // only its schema is used
pub struct HeaderSourceSpec {
    /// A response header's name.
    #[cfg_attr(feature = "schema", schemars(with = "String", pattern(HEADER_PATTERN)))]
    header: String,
}

/// One extra: where it is read and its type.
#[derive(Clone, Debug, Default, PartialEq)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[cfg_attr(feature = "schema", schemars(deny_unknown_fields))]
pub struct ExtraSpec {
    /// An absolute JSON pointer, or a list of them: a fallback chain (the
    /// first that gives a value of the type wins). Required.
    #[cfg_attr(
        feature = "schema",
        schemars(schema_with = "pointer_or_pointers_schema")
    )]
    pub pointer: Vec<Text>,
    /// `string` (default), `integer`, `number` or `boolean`: the
    /// accessor's type.
    #[cfg_attr(feature = "schema", schemars(default, with = "ExtraTypeName"))]
    pub r#type: Option<Text>,
    /// Where the extra's value is.
    #[cfg_attr(feature = "schema", schemars(skip))]
    pub span: Span,
}

/// The type of an extra.
#[cfg(feature = "schema")]
#[derive(JsonSchema)]
#[cfg_attr(feature = "schema", serde(rename_all = "snake_case"))]
#[allow(dead_code)] // only its schema is used
pub enum ExtraTypeName {
    /// Text: `Option<&str>` (a number is kept as its text). The default.
    String,
    /// An integer: `Option<i64>` (a string of digits counts).
    Integer,
    /// A number: `Option<f64>`.
    Number,
    /// `true` or `false`: `Option<bool>`.
    Boolean,
}

/// `string` or `integer`.
#[cfg(feature = "schema")]
#[derive(JsonSchema)]
#[cfg_attr(feature = "schema", serde(rename_all = "snake_case"))]
#[allow(dead_code)] // only its schema is used
pub enum CodeTypeName {
    /// A string code such as `"rate_limited"` (the default).
    String,
    /// An integer code such as `1001`.
    Integer,
}

/// Where field-level errors live: a list (`items`, `field`) or an object
/// keyed by field (`map`).
#[derive(Clone, Debug, Default, PartialEq)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[cfg_attr(feature = "schema", schemars(
    deny_unknown_fields,
    extend("anyOf" = [{ "required": ["field"] }, { "required": ["map"] }])
))]
pub struct FieldErrorsSpec {
    /// JSON pointer to an array of field errors. Leave out for one field
    /// error per error object.
    #[cfg_attr(
        feature = "schema",
        schemars(default, with = "String", pattern(POINTER_PATTERN))
    )]
    pub items: Option<Text>,
    /// JSON pointer, relative to an item, to the field's name. Required,
    /// unless `map` is given.
    #[cfg_attr(
        feature = "schema",
        schemars(default, with = "String", pattern(POINTER_PATTERN))
    )]
    pub field: Option<Text>,
    /// JSON pointer to an object keyed by field (Shopify's
    /// `{"errors": {"email": ["is invalid"]}}`): each string, or string in
    /// a list, is a field error; nested objects join their keys with `.`.
    /// Instead of `items` and `field`.
    #[cfg_attr(
        feature = "schema",
        schemars(default, with = "String", pattern(POINTER_PATTERN))
    )]
    pub map: Option<Text>,
    /// With `map`: the key that holds a field's messages in a nested map
    /// (Discord's `_errors`).
    #[cfg_attr(
        feature = "schema",
        schemars(default, with = "String", length(min = 1))
    )]
    pub leaf: Option<Text>,
    /// JSON pointer, relative to an item, to the field's message.
    #[cfg_attr(
        feature = "schema",
        schemars(default, with = "String", pattern(POINTER_PATTERN))
    )]
    pub message: Option<Text>,
    /// Where the mapping's key is (`field_errors:`).
    #[cfg_attr(feature = "schema", schemars(skip))]
    pub span: Span,
}

/// Delay, rate-limit and request-id headers.
#[derive(Clone, Debug, Default, PartialEq)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[cfg_attr(feature = "schema", schemars(deny_unknown_fields))]
pub struct HeadersSpec {
    /// The header carrying a delay in seconds or an HTTP-date (usually `Retry-After`).
    #[cfg_attr(
        feature = "schema",
        schemars(default, with = "String", pattern(HEADER_PATTERN))
    )]
    pub retry_after: Option<Text>,
    /// A header carrying the provider's request id (used when the body has none).
    #[cfg_attr(
        feature = "schema",
        schemars(default, with = "String", pattern(HEADER_PATTERN))
    )]
    pub request_id: Option<Text>,
    /// Rate-limit headers: one mapping, or a list of dimensions (requests,
    /// tokens), where the dimension with no requests left gives the reset.
    #[cfg_attr(
        feature = "schema",
        schemars(default, schema_with = "rate_limit_schema")
    )]
    pub rate_limit: Option<RateLimitSpec>,
    /// The dimensions of a `rate_limit` written as a list.
    #[cfg_attr(feature = "schema", schemars(skip))]
    pub rate_limit_dimensions: Vec<RateLimitSpec>,
    /// A header by which the server says whether to retry: `true` or
    /// `false` (`x-should-retry`, `Stripe-Should-Retry`). Decides before rules.
    #[cfg_attr(
        feature = "schema",
        schemars(default, with = "String", pattern(HEADER_PATTERN))
    )]
    pub should_retry: Option<Text>,
    /// Where the mapping's key is (`headers:`).
    #[cfg_attr(feature = "schema", schemars(skip))]
    pub span: Span,
}

/// Rate-limit headers.
#[derive(Clone, Debug, Default, PartialEq)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[cfg_attr(feature = "schema", schemars(deny_unknown_fields))]
pub struct RateLimitSpec {
    /// The dimension's name (`requests`, `tokens`), in a list of dimensions.
    #[cfg_attr(
        feature = "schema",
        schemars(default, with = "String", pattern(IDENTIFIER_PATTERN))
    )]
    pub name: Option<Text>,
    /// The header with the window's request quota.
    #[cfg_attr(
        feature = "schema",
        schemars(default, with = "String", pattern(HEADER_PATTERN))
    )]
    pub limit: Option<Text>,
    /// The header with the requests left in the window.
    #[cfg_attr(
        feature = "schema",
        schemars(default, with = "String", pattern(HEADER_PATTERN))
    )]
    pub remaining: Option<Text>,
    /// The header saying when the window resets (a delay source for `throttled`).
    #[cfg_attr(
        feature = "schema",
        schemars(default, with = "String", pattern(HEADER_PATTERN))
    )]
    pub reset: Option<Text>,
    /// How `reset` is written: `unix_seconds` (a timestamp, the default),
    /// `seconds` (until the reset), or any delay format (`duration`,
    /// `rfc3339`, `milliseconds`, …).
    #[cfg_attr(feature = "schema", schemars(default, with = "DelayFormatName"))]
    pub reset_unit: Option<Text>,
    /// Where the mapping's key is (`rate_limit:`).
    #[cfg_attr(feature = "schema", schemars(skip))]
    pub span: Span,
}

/// `unix_seconds` or `seconds`.
#[cfg(feature = "schema")]
#[derive(JsonSchema)]
#[cfg_attr(feature = "schema", serde(rename_all = "snake_case"))]
#[allow(dead_code)] // only its schema is used
pub enum ResetUnitName {
    /// A Unix timestamp in seconds (the default).
    UnixSeconds,
    /// Seconds until the window resets.
    Seconds,
}

/// How an idempotency key is sent: in a header, in the body, or both.
#[derive(Clone, Debug, Default, PartialEq)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[cfg_attr(feature = "schema", schemars(
    deny_unknown_fields,
    extend("anyOf" = [{ "required": ["header"] }, { "required": ["body"] }])
))]
pub struct IdempotencySpec {
    /// The request header that carries the key (e.g. `Idempotency-Key`), or
    /// a list of headers that each carry it. This or `body`.
    #[cfg_attr(
        feature = "schema",
        schemars(default, schema_with = "header_or_headers_schema")
    )]
    pub header: Option<Text>,
    /// Further headers, when `header` is a list.
    #[cfg_attr(feature = "schema", schemars(skip))]
    pub also_headers: Vec<Text>,
    /// A JSON pointer in a JSON request body where the key goes
    /// (`/headers/idempotencyKey`). This or `header`.
    #[cfg_attr(
        feature = "schema",
        schemars(default, with = "String", pattern(POINTER_PATTERN))
    )]
    pub body: Option<Text>,
    /// The longest key the API accepts, in bytes.
    #[cfg_attr(feature = "schema", schemars(default, with = "u32", range(min = 1)))]
    pub max_length: Option<Located<i128>>,
    /// `uuid`: the API accepts only UUIDs.
    #[cfg_attr(feature = "schema", schemars(default, with = "KeyFormatName"))]
    pub format: Option<Text>,
    /// Where the mapping is.
    #[cfg_attr(feature = "schema", schemars(skip))]
    pub span: Span,
}

/// One documented rate limit: `requests` per `per`, counted per `scope`.
#[derive(Clone, Debug, Default, PartialEq)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[cfg_attr(feature = "schema", schemars(deny_unknown_fields))]
pub struct LimitSpec {
    /// How many requests the provider allows per interval. Required.
    #[cfg_attr(feature = "schema", schemars(with = "u32", range(min = 1)))]
    pub requests: Option<Located<i128>>,
    /// The interval, as a duration (`1s`, `1m`, `1h`). Required.
    #[cfg_attr(feature = "schema", schemars(with = "String"))]
    pub per: Option<Text>,
    /// What the provider counts the requests against: `account` (every
    /// key of the account together; the default) or `api_key`.
    #[cfg_attr(feature = "schema", schemars(default, with = "LimitScopeName"))]
    pub scope: Option<Text>,
    /// The source (a name under the top-level `sources`) or sources that
    /// document the limit.
    #[cfg_attr(
        feature = "schema",
        schemars(default, schema_with = "source_refs_schema")
    )]
    pub source: Vec<Text>,
    /// Where the mapping is.
    #[cfg_attr(feature = "schema", schemars(skip))]
    pub span: Span,
}

/// `account` or `api_key`.
#[cfg(feature = "schema")]
#[derive(JsonSchema)]
#[cfg_attr(feature = "schema", serde(rename_all = "snake_case"))]
#[allow(dead_code)] // only its schema is used
pub enum LimitScopeName {
    /// The account: all its API keys together (the default).
    Account,
    /// One API key.
    ApiKey,
}

/// One row of the status table.
#[derive(Clone, Debug, Default, PartialEq)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[cfg_attr(feature = "schema", schemars(deny_unknown_fields))]
pub struct StatusSpec {
    /// What the status means for this API, in a few words. Required.
    #[cfg_attr(feature = "schema", schemars(with = "String", length(min = 1)))]
    pub meaning: Option<Text>,
    /// How to retry it. Required.
    #[cfg_attr(feature = "schema", schemars(with = "RetryClassName"))]
    pub retry: Option<Text>,
    /// What a user should check or do.
    #[cfg_attr(
        feature = "schema",
        schemars(default, with = "String", length(min = 1))
    )]
    pub hint: Option<Text>,
    /// The source (a name under the top-level `sources`) or sources the
    /// row's facts come from.
    #[cfg_attr(
        feature = "schema",
        schemars(default, schema_with = "source_refs_schema")
    )]
    pub source: Vec<Text>,
    /// Where the mapping is.
    #[cfg_attr(feature = "schema", schemars(skip))]
    pub span: Span,
}

/// One row of the code table.
#[derive(Clone, Debug, Default, PartialEq)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[cfg_attr(feature = "schema", schemars(deny_unknown_fields))]
pub struct CodeSpec {
    /// The status the code comes with, or a list where the provider sends
    /// it with several. Leave it out when the docs give none: the code's
    /// class is then its `retry`, else the class of the status it arrives
    /// with.
    #[cfg_attr(
        feature = "schema",
        schemars(default, schema_with = "status_or_statuses_schema")
    )]
    pub status: Vec<Located<i128>>,
    /// What the code means, in your own words. Required.
    #[cfg_attr(feature = "schema", schemars(with = "String", length(min = 1)))]
    pub description: Option<Text>,
    /// A retry class that overrides the (first) status's class.
    #[cfg_attr(feature = "schema", schemars(default, with = "RetryClassName"))]
    pub retry: Option<Text>,
    /// What a user should check or do.
    #[cfg_attr(
        feature = "schema",
        schemars(default, with = "String", length(min = 1))
    )]
    pub hint: Option<Text>,
    /// The Rust variant's name, where the one made from the code would
    /// clash (`UNKNOWN` → `UnknownCode`): UpperCamelCase.
    #[cfg_attr(
        feature = "schema",
        schemars(default, with = "String", pattern(VARIANT_PATTERN))
    )]
    pub variant: Option<Text>,
    /// The source (a name under the top-level `sources`) or sources the
    /// row's facts come from.
    #[cfg_attr(
        feature = "schema",
        schemars(default, schema_with = "source_refs_schema")
    )]
    pub source: Vec<Text>,
    /// Whether the code was written as a YAML integer (`1001:`, not `"1001":`).
    #[cfg_attr(feature = "schema", schemars(skip))]
    pub key_is_integer: bool,
    /// Where the `status` value is (the code's key when it is missing).
    #[cfg_attr(feature = "schema", schemars(skip))]
    pub status_span: Span,
    /// Where the mapping is.
    #[cfg_attr(feature = "schema", schemars(skip))]
    pub span: Span,
}

/// A document the catalog's facts come from.
#[derive(Clone, Debug, Default, PartialEq)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[cfg_attr(feature = "schema", schemars(deny_unknown_fields))]
pub struct SourceSpec {
    /// Where it is: an http(s) URL (a docs page, or an SDK file on GitHub). Required.
    #[cfg_attr(feature = "schema", schemars(with = "String", pattern(URL_PATTERN)))]
    pub url: Option<Text>,
    /// `official` (the provider's docs), `sdk` (the provider's own SDK or
    /// API description) or `third_party` (anyone else: unverified). Required.
    #[cfg_attr(feature = "schema", schemars(with = "SourceKindName"))]
    pub kind: Option<Text>,
    /// What it is or says, in a few words.
    #[cfg_attr(
        feature = "schema",
        schemars(default, with = "String", length(min = 1))
    )]
    pub note: Option<Text>,
    /// Where the mapping is.
    #[cfg_attr(feature = "schema", schemars(skip))]
    pub span: Span,
}

/// `official`, `sdk` or `third_party`.
#[cfg(feature = "schema")]
#[derive(JsonSchema)]
#[cfg_attr(feature = "schema", serde(rename_all = "snake_case"))]
#[allow(dead_code)] // only its schema is used
pub enum SourceKindName {
    /// The provider's own documentation.
    Official,
    /// The provider's own SDK source or machine-readable API description.
    Sdk,
    /// Anyone else: a blog, a client library, an observed response. Unverified.
    ThirdParty,
}

/// A documented example response and what it must decode to.
#[derive(Clone, Debug, Default, PartialEq)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[cfg_attr(feature = "schema", schemars(deny_unknown_fields))]
pub struct ExampleSpec {
    /// What the example shows, in a few words. Required.
    #[cfg_attr(feature = "schema", schemars(with = "String", length(min = 1)))]
    pub name: Option<Text>,
    /// The source or sources the example comes from.
    #[cfg_attr(
        feature = "schema",
        schemars(default, schema_with = "source_refs_schema")
    )]
    pub source: Vec<Text>,
    /// The clock when the response arrives, in Unix seconds, for delays
    /// given as timestamps or dates. Default: the Unix epoch.
    #[cfg_attr(feature = "schema", schemars(default, with = "u64"))]
    pub now: Option<Located<i128>>,
    /// The response. Required.
    #[cfg_attr(feature = "schema", schemars(with = "ExampleResponseSpec"))]
    pub response: Option<ExampleResponseSpec>,
    /// What the response must decode to. Required.
    #[cfg_attr(feature = "schema", schemars(with = "ExampleExpectSpec"))]
    pub expect: Option<ExampleExpectSpec>,
    /// Where the example's `name` is (the item when it has none).
    #[cfg_attr(feature = "schema", schemars(skip))]
    pub span: Span,
}

/// An example response.
#[derive(Clone, Debug, Default, PartialEq)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[cfg_attr(feature = "schema", schemars(deny_unknown_fields))]
pub struct ExampleResponseSpec {
    /// The HTTP status. Required.
    #[cfg_attr(
        feature = "schema",
        schemars(with = "u16", range(min = 100, max = 599))
    )]
    pub status: Option<Located<i128>>,
    /// Response headers: name → value.
    #[cfg_attr(
        feature = "schema",
        schemars(default, with = "std::collections::BTreeMap<String, String>")
    )]
    pub headers: Keyed<Text>,
    /// The body: a mapping or list (sent as JSON) or a string (sent as written).
    #[cfg_attr(feature = "schema", schemars(default, with = "serde_json::Value"))]
    pub body: Option<ExampleBody>,
    /// Where the mapping's key is (`response:`).
    #[cfg_attr(feature = "schema", schemars(skip))]
    pub span: Span,
}

/// An example body, as it is sent.
#[derive(Clone, Debug, PartialEq)]
pub enum ExampleBody {
    /// A YAML mapping or list, serialized as JSON text.
    Json(Text),
    /// A string, sent byte for byte.
    Text(Text),
}

/// What an example must decode to. Keys left out are not checked.
#[derive(Clone, Debug, Default, PartialEq)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[cfg_attr(feature = "schema", schemars(deny_unknown_fields))]
pub struct ExampleExpectSpec {
    /// The machine code as sent (`null`: no code).
    #[cfg_attr(
        feature = "schema",
        schemars(default, with = "Option<serde_json::Value>")
    )]
    pub code: Option<Located<Option<String>>>,
    /// The retry class.
    #[cfg_attr(feature = "schema", schemars(default, with = "RetryClassName"))]
    pub retry: Option<Text>,
    /// The server-requested delay: `3s`, `500ms`, `2m`, `0s` (`null`: none).
    #[cfg_attr(feature = "schema", schemars(default, with = "Option<String>"))]
    pub delay: Option<Located<Option<String>>>,
    /// The decoded message (`null`: none).
    #[cfg_attr(feature = "schema", schemars(default, with = "Option<String>"))]
    pub message: Option<Located<Option<String>>>,
    /// The decoded request id (`null`: none).
    #[cfg_attr(feature = "schema", schemars(default, with = "Option<String>"))]
    pub request_id: Option<Located<Option<String>>>,
    /// The field errors, in order: `{field, message}`.
    #[cfg_attr(
        feature = "schema",
        schemars(default, with = "Vec<ExampleFieldErrorSpec>")
    )]
    pub field_errors: Option<Located<Vec<ExpectedFieldError>>>,
    /// What decided the class: `directive`, `rule NAME` (`rule #N` for a
    /// rule without a name), `code`, `status` or `default`.
    #[cfg_attr(feature = "schema", schemars(default, with = "String"))]
    pub decided_by: Option<Text>,
    /// Extras by name, each with the value it must have (a string, number
    /// or boolean; `null`: absent). Extras left out are not checked.
    #[cfg_attr(
        feature = "schema",
        schemars(
            default,
            with = "std::collections::BTreeMap<String, Option<ExpectedExtraSpec>>"
        )
    )]
    pub extras: Option<Keyed<Located<Option<serde_json::Value>>>>,
    /// Whether the response is a success: `false` for a 2xx that the API's
    /// `success.failure_when` calls a failure (the other keys then check
    /// the error it decodes to), `true` for a real success.
    #[cfg_attr(feature = "schema", schemars(default, with = "bool"))]
    pub success: Option<Located<bool>>,
    /// The failed items of a batch response, in order: `{index, code,
    /// message, retry}` (keys left out of an item are not checked).
    #[cfg_attr(
        feature = "schema",
        schemars(default, with = "Vec<ExampleBatchFailureSpec>")
    )]
    pub batch_failures: Option<Located<Vec<ExpectedBatchFailure>>>,
    /// Where the mapping's key is (`expect:`).
    #[cfg_attr(feature = "schema", schemars(skip))]
    pub span: Span,
}

/// An expected failed batch item as written.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ExpectedBatchFailure {
    /// The item's index in the request.
    pub index: Option<Located<i128>>,
    /// Its code as sent (`null`: none).
    pub code: Option<Located<Option<String>>>,
    /// Its message (`null`: none).
    pub message: Option<Located<Option<String>>>,
    /// Its retry class.
    pub retry: Option<Text>,
    /// Where the item is.
    pub span: Span,
}

/// One expected failed batch item.
#[cfg(feature = "schema")]
#[derive(JsonSchema)]
#[cfg_attr(feature = "schema", schemars(deny_unknown_fields))]
#[allow(dead_code)] // only its schema is used
pub struct ExampleBatchFailureSpec {
    /// The item's index in the request.
    #[cfg_attr(feature = "schema", schemars(default))]
    index: Option<u64>,
    /// Its code as sent (`null`: none).
    #[cfg_attr(
        feature = "schema",
        schemars(default, with = "Option<serde_json::Value>")
    )]
    code: Option<String>,
    /// Its message (`null`: none).
    #[cfg_attr(feature = "schema", schemars(default))]
    message: Option<String>,
    /// Its retry class.
    #[cfg_attr(feature = "schema", schemars(default, with = "RetryClassName"))]
    retry: Option<String>,
}

/// The value an extra must have: a string, a number or a boolean.
#[cfg(feature = "schema")]
#[derive(JsonSchema)]
#[cfg_attr(feature = "schema", serde(untagged))]
#[allow(dead_code)] // only its schema is used
pub enum ExpectedExtraSpec {
    /// A string extra (or an integer one's decimal text).
    Text(String),
    /// An integer or number extra.
    Number(f64),
    /// A boolean extra.
    Boolean(bool),
}

/// An expected field error as written: the field, and its message if given.
pub type ExpectedFieldError = (Text, Option<Text>);

/// One expected field error.
#[cfg(feature = "schema")]
#[derive(JsonSchema)]
#[cfg_attr(feature = "schema", schemars(deny_unknown_fields))]
#[allow(dead_code)] // only its schema is used
pub struct ExampleFieldErrorSpec {
    /// The field's name or path.
    pub field: String,
    /// Its message, if the response gives one.
    #[cfg_attr(feature = "schema", schemars(default))]
    pub message: Option<String>,
}

// Tables keyed by data get hand-written schemas: YAML keys reach the
// editor's validator as strings, so their shape is a pattern.

#[cfg(feature = "schema")]
fn apis_schema(generator: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "type": "object",
        "minProperties": 1,
        "patternProperties": { IDENTIFIER_PATTERN: generator.subschema_for::<ApiSpec>() },
        "additionalProperties": false,
    })
}

#[cfg(feature = "schema")]
fn sources_schema(generator: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "type": "object",
        "patternProperties": { IDENTIFIER_PATTERN: generator.subschema_for::<SourceSpec>() },
        "additionalProperties": false,
    })
}

#[cfg(feature = "schema")]
fn source_refs_schema(_: &mut SchemaGenerator) -> Schema {
    one_or_list(
        serde_json::json!({ "type": "string", "pattern": IDENTIFIER_PATTERN }),
        true,
    )
}

#[cfg(feature = "schema")]
fn defaults_schema(generator: &mut SchemaGenerator) -> Schema {
    let class = generator.subschema_for::<RetryClassName>();
    json_schema!({
        "type": "object",
        "properties": {
            "4xx": class.clone(),
            "5xx": class,
        },
        "additionalProperties": false,
    })
}

#[cfg(feature = "schema")]
fn statuses_schema(generator: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "type": "object",
        "patternProperties": { STATUS_PATTERN: generator.subschema_for::<StatusSpec>() },
        "additionalProperties": false,
    })
}

#[cfg(feature = "schema")]
fn codes_schema(generator: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "type": "object",
        "additionalProperties": generator.subschema_for::<CodeSpec>(),
    })
}

#[cfg(feature = "schema")]
fn value_sources_schema(generator: &mut SchemaGenerator) -> Schema {
    let pointer = serde_json::json!({ "type": "string", "pattern": POINTER_PATTERN });
    let body = generator.subschema_for::<PointerSourceSpec>();
    let header = generator.subschema_for::<HeaderSourceSpec>();
    json_schema!({
        "type": "array",
        "minItems": 1,
        "items": { "anyOf": [pointer, body, header] },
    })
}

#[cfg(feature = "schema")]
fn pointer_or_pointers_schema(_: &mut SchemaGenerator) -> Schema {
    one_or_list(
        serde_json::json!({ "type": "string", "pattern": POINTER_PATTERN }),
        false,
    )
}

#[cfg(feature = "schema")]
fn extras_schema(generator: &mut SchemaGenerator) -> Schema {
    let pointer = serde_json::json!({ "type": "string", "pattern": POINTER_PATTERN });
    let extra = generator.subschema_for::<ExtraSpec>();
    json_schema!({
        "type": "object",
        "patternProperties": {
            IDENTIFIER_PATTERN: {
                "anyOf": [
                    pointer.clone(),
                    { "type": "array", "items": pointer.clone(), "minItems": 1 },
                    extra,
                ],
            },
        },
        "additionalProperties": false,
    })
}

#[cfg(feature = "schema")]
fn status_or_statuses_schema(_: &mut SchemaGenerator) -> Schema {
    one_or_list(
        serde_json::json!({ "type": "integer", "minimum": 100, "maximum": 599 }),
        true,
    )
}

#[cfg(feature = "schema")]
fn rate_limit_schema(generator: &mut SchemaGenerator) -> Schema {
    one_or_list(generator.subschema_for::<RateLimitSpec>(), false)
}

// Spec language 2: rules, server directives and delay sources.

/// How a delay value is written.
#[cfg(feature = "schema")]
#[derive(JsonSchema)]
#[cfg_attr(feature = "schema", serde(rename_all = "snake_case"))]
#[allow(dead_code)] // only its schema is used
pub enum DelayFormatName {
    /// Seconds, integer or fractional (`30`, `2.0`).
    Seconds,
    /// Milliseconds (`1500`).
    Milliseconds,
    /// An HTTP-date.
    HttpDate,
    /// Seconds or an HTTP-date, as `Retry-After` allows.
    SecondsOrDate,
    /// A Unix timestamp in seconds.
    UnixSeconds,
    /// A Go or protobuf duration (`6m0s`, `1.5s`, `20ms`).
    Duration,
    /// An RFC 3339 timestamp (`2026-11-24T07:28:00Z`).
    Rfc3339,
    /// A parameter of a structured-field list (`"default";r=0;t=20`), in seconds.
    Structured,
}

/// One rule: when every condition holds, the error has this class.
#[derive(Clone, Debug, Default, PartialEq)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[cfg_attr(feature = "schema", schemars(deny_unknown_fields))]
pub struct RuleSpec {
    /// A name for the rule (lower snake_case), shown in docs and in
    /// `classify`'s `decided_by`.
    #[cfg_attr(
        feature = "schema",
        schemars(default, with = "String", pattern(IDENTIFIER_PATTERN))
    )]
    pub name: Option<Text>,
    /// The conditions, all of which must hold. Required.
    #[cfg_attr(feature = "schema", schemars(with = "WhenSpec"))]
    pub when: Option<WhenSpec>,
    /// The class the rule sets. Required.
    #[cfg_attr(feature = "schema", schemars(with = "RetryClassName"))]
    pub retry: Option<Text>,
    /// Why, in your own words.
    #[cfg_attr(
        feature = "schema",
        schemars(default, with = "String", length(min = 1))
    )]
    pub description: Option<Text>,
    /// The source (a name under the top-level `sources`) or sources that
    /// document the rule.
    #[cfg_attr(
        feature = "schema",
        schemars(default, schema_with = "source_refs_schema")
    )]
    pub source: Vec<Text>,
    /// Where the rule's mapping is.
    #[cfg_attr(feature = "schema", schemars(skip))]
    pub span: Span,
}

/// The conditions of a rule (all must hold).
#[derive(Clone, Debug, Default, PartialEq)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[cfg_attr(feature = "schema", schemars(deny_unknown_fields))]
pub struct WhenSpec {
    /// The status: an integer, a list, or a class (`4xx`, `5xx`).
    #[cfg_attr(
        feature = "schema",
        schemars(default, schema_with = "status_match_schema")
    )]
    pub status: Vec<Text>,
    /// The decoded code: a value, a list of values, or a test.
    #[cfg_attr(
        feature = "schema",
        schemars(default, schema_with = "value_or_test_schema")
    )]
    pub code: Option<TestSpec>,
    /// A response header's value.
    #[cfg_attr(feature = "schema", schemars(default, with = "HeaderTestSpec"))]
    pub header: Option<TestSpec>,
    /// A body value: a pointer (absolute, from the body's root).
    #[cfg_attr(feature = "schema", schemars(default, with = "FieldTestSpec"))]
    pub field: Option<TestSpec>,
    /// The decoded message (`contains` ignores ASCII case).
    #[cfg_attr(
        feature = "schema",
        schemars(default, schema_with = "value_or_test_schema")
    )]
    pub message: Option<TestSpec>,
    /// Where `status` is, when given.
    #[cfg_attr(feature = "schema", schemars(skip))]
    pub status_span: Option<Span>,
    /// Where the mapping's key is (`when:`).
    #[cfg_attr(feature = "schema", schemars(skip))]
    pub span: Span,
}

/// A test on a value: exactly one of `equals`, `not_equals`, `in`,
/// `present`, `contains`. For `header` it also takes `name`, for `field`
/// `pointer`.
#[derive(Clone, Debug, Default, PartialEq)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[cfg_attr(feature = "schema", schemars(deny_unknown_fields))]
pub struct TestSpec {
    /// The value is exactly this.
    #[cfg_attr(feature = "schema", schemars(default, schema_with = "scalar_schema"))]
    pub equals: Option<Text>,
    /// The value is present and not this.
    #[cfg_attr(feature = "schema", schemars(default, schema_with = "scalar_schema"))]
    pub not_equals: Option<Text>,
    /// The value is one of these.
    #[cfg_attr(feature = "schema", schemars(default, schema_with = "scalars_schema"))]
    pub r#in: Option<Vec<Text>>,
    /// The value is present (`true`) or absent (`false`).
    #[cfg_attr(feature = "schema", schemars(default, with = "bool"))]
    pub present: Option<Located<bool>>,
    /// The value contains this text, ignoring ASCII case.
    #[cfg_attr(
        feature = "schema",
        schemars(default, with = "String", length(min = 1))
    )]
    pub contains: Option<Text>,
    /// For `header`: the header's name.
    #[cfg_attr(feature = "schema", schemars(skip))]
    pub name: Option<Text>,
    /// For `field`: the body pointer.
    #[cfg_attr(feature = "schema", schemars(skip))]
    pub pointer: Option<Text>,
    /// Where the test is (its key).
    #[cfg_attr(feature = "schema", schemars(skip))]
    pub span: Span,
}

/// A header test: `name` and one test.
#[cfg(feature = "schema")]
#[derive(JsonSchema)]
#[cfg_attr(feature = "schema", schemars(deny_unknown_fields))]
#[allow(dead_code)] // only its schema is used
pub struct HeaderTestSpec {
    /// The header's name. Required.
    #[cfg_attr(feature = "schema", schemars(with = "String", pattern(HEADER_PATTERN)))]
    name: String,
    #[cfg_attr(feature = "schema", schemars(flatten))]
    test: TestSpec,
}

/// A body-value test: `pointer` and one test.
#[cfg(feature = "schema")]
#[derive(JsonSchema)]
#[cfg_attr(feature = "schema", schemars(deny_unknown_fields))]
#[allow(dead_code)] // only its schema is used
pub struct FieldTestSpec {
    /// A JSON pointer from the body's root. Required.
    #[cfg_attr(
        feature = "schema",
        schemars(with = "String", pattern(POINTER_PATTERN))
    )]
    pointer: String,
    #[cfg_attr(feature = "schema", schemars(flatten))]
    test: TestSpec,
}

/// One delay source.
#[derive(Clone, Debug, Default, PartialEq)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[cfg_attr(feature = "schema", schemars(deny_unknown_fields, extend("oneOf" = [{ "required": ["header"] }, { "required": ["pointer"] }])))]
pub struct DelaySpec {
    /// A response header that carries the delay.
    #[cfg_attr(
        feature = "schema",
        schemars(default, with = "String", pattern(HEADER_PATTERN))
    )]
    pub header: Option<Text>,
    /// A JSON pointer (from the body's root) to the delay, or to an array
    /// of items with `item`.
    #[cfg_attr(
        feature = "schema",
        schemars(default, with = "String", pattern(POINTER_PATTERN))
    )]
    pub pointer: Option<Text>,
    /// In the array at `pointer`, which item holds the delay, and where.
    #[cfg_attr(feature = "schema", schemars(default, with = "DelayItemSpec"))]
    pub item: Option<DelayItemSpec>,
    /// How the value is written. Default: `seconds_or_date` for
    /// `Retry-After`; required otherwise.
    #[cfg_attr(feature = "schema", schemars(default, with = "DelayFormatName"))]
    pub format: Option<Text>,
    /// For `format: structured`: the parameter with the seconds (`t`).
    #[cfg_attr(
        feature = "schema",
        schemars(default, with = "String", length(min = 1))
    )]
    pub param: Option<Text>,
    /// The delay applies only when this header says no requests remain
    /// (0); for `format: structured`, the parameter that must be 0 (`r`).
    #[cfg_attr(
        feature = "schema",
        schemars(default, with = "String", length(min = 1))
    )]
    pub when_zero: Option<Text>,
    /// The source (a name under the top-level `sources`) or sources that
    /// document the delay.
    #[cfg_attr(
        feature = "schema",
        schemars(default, schema_with = "source_refs_schema")
    )]
    pub source: Vec<Text>,
    /// Where the mapping is.
    #[cfg_attr(feature = "schema", schemars(skip))]
    pub span: Span,
}

/// Which item of an array holds the delay.
#[derive(Clone, Debug, Default, PartialEq)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[cfg_attr(feature = "schema", schemars(deny_unknown_fields))]
pub struct DelayItemSpec {
    /// The item whose value at `pointer` equals `equals`.
    #[cfg_attr(feature = "schema", schemars(rename = "where", with = "ItemWhereSpec"))]
    pub where_: Option<ItemWhereSpec>,
    /// The pointer, relative to the item, to the delay. Required.
    #[cfg_attr(
        feature = "schema",
        schemars(with = "String", pattern(POINTER_PATTERN))
    )]
    pub value: Option<Text>,
    /// Where the mapping is.
    #[cfg_attr(feature = "schema", schemars(skip))]
    pub span: Span,
}

/// Picks an item by one of its values.
#[derive(Clone, Debug, Default, PartialEq)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[cfg_attr(feature = "schema", schemars(deny_unknown_fields))]
pub struct ItemWhereSpec {
    /// A pointer relative to the item. Required.
    #[cfg_attr(
        feature = "schema",
        schemars(with = "String", pattern(POINTER_PATTERN))
    )]
    pub pointer: Option<Text>,
    /// The text it must have. Required.
    #[cfg_attr(feature = "schema", schemars(with = "String"))]
    pub equals: Option<Text>,
    /// Where the mapping is.
    #[cfg_attr(feature = "schema", schemars(skip))]
    pub span: Span,
}

#[cfg(feature = "schema")]
fn status_match_schema(_: &mut SchemaGenerator) -> Schema {
    let one = serde_json::json!({ "anyOf": [
        { "type": "integer", "minimum": 100, "maximum": 599 },
        { "type": "string", "pattern": "^[1-5]xx$" },
    ]});
    one_or_list(one, false)
}

#[cfg(feature = "schema")]
fn scalar_schema(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": ["string", "integer", "number", "boolean"] })
}

#[cfg(feature = "schema")]
fn scalars_schema(_: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "type": "array",
        "items": { "type": ["string", "integer", "number", "boolean"] },
        "minItems": 1,
    })
}

#[cfg(feature = "schema")]
fn value_or_test_schema(generator: &mut SchemaGenerator) -> Schema {
    let test = generator.subschema_for::<TestSpec>();
    json_schema!({
        "anyOf": [
            { "type": ["string", "integer", "number", "boolean"] },
            { "type": "array", "items": { "type": ["string", "integer", "number", "boolean"] }, "minItems": 1 },
            test,
        ],
    })
}

#[cfg(feature = "schema")]
fn header_or_headers_schema(_: &mut SchemaGenerator) -> Schema {
    one_or_list(
        serde_json::json!({ "type": "string", "pattern": HEADER_PATTERN }),
        true,
    )
}

/// The format an API requires of idempotency keys.
#[cfg(feature = "schema")]
#[derive(JsonSchema)]
#[cfg_attr(feature = "schema", serde(rename_all = "snake_case"))]
#[allow(dead_code)] // only its schema is used
pub enum KeyFormatName {
    /// A UUID (`8-4-4-4-12` hex digits).
    Uuid,
}
