//! The spec language as written: typed, every value located.
//!
//! These types mirror the YAML one to one (see `spec/README.md`); [`crate::load`]
//! fills them from a node tree and [`crate::schema`] derives `spec/schema.json`
//! from them. Semantic rules live in [`crate::check`]; the normalized form the
//! generator uses is [`crate::model`].

use schemars::JsonSchema;

use crate::source::{Located, Span};

/// A located string.
pub type Text = Located<String>;

/// One provider's catalog: one YAML file.
#[derive(Clone, Debug, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields, title = "errspec catalog")]
pub struct Spec {
    /// The provider's identifier: lower snake_case, used for module and file names (`topmail`).
    pub provider: Text,
    /// The provider's display name (`TopMail`).
    pub title: Text,
    /// Where the provider documents its errors.
    #[schemars(default)]
    pub docs_url: Option<Text>,
    /// The date (YYYY-MM-DD) the catalog was last checked against the provider's docs.
    pub as_of: Text,
    /// A paragraph about the provider, in your own words.
    #[schemars(default)]
    pub description: Option<Text>,
    /// The provider's APIs, by name (lower snake_case). One submodule each when there are several.
    #[schemars(with = "std::collections::BTreeMap<String, ApiSpec>")]
    pub apis: Keyed<ApiSpec>,
    /// Where the whole document is (for file-level diagnostics).
    #[schemars(skip)]
    pub span: Span,
}

/// Entries of a YAML mapping, in order, each with its located key.
pub type Keyed<T> = Vec<(Text, T)>;

/// One API of a provider.
#[derive(Clone, Debug, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct ApiSpec {
    /// The API's display name.
    #[schemars(default)]
    pub title: Option<Text>,
    /// A paragraph about the API.
    #[schemars(default)]
    pub description: Option<Text>,
    /// Where this API's errors are documented, if not the provider's `docs_url`.
    #[schemars(default)]
    pub docs_url: Option<Text>,
    /// Where code, message, request id and field errors live in an error body.
    #[schemars(default)]
    pub body: Option<BodySpec>,
    /// Delay, rate-limit and request-id headers.
    #[schemars(default)]
    pub headers: Option<HeadersSpec>,
    /// How an idempotency key is sent, where the API supports one.
    #[schemars(default)]
    pub idempotency: Option<IdempotencySpec>,
    /// Retry classes for statuses the catalog does not list, by status class (`4xx`, `5xx`).
    #[schemars(
        default,
        with = "std::collections::BTreeMap<StatusClassKey, RetryClassName>"
    )]
    pub defaults: Keyed<Text>,
    /// The status table, by HTTP status.
    #[schemars(default, with = "std::collections::BTreeMap<u16, StatusSpec>")]
    pub statuses: Keyed<StatusSpec>,
    /// The code table, by machine code as the provider sends it.
    #[schemars(default, with = "std::collections::BTreeMap<String, CodeSpec>")]
    pub codes: Keyed<CodeSpec>,
    /// Where the API's mapping is.
    #[schemars(skip)]
    pub span: Span,
}

/// A status class key in `defaults`.
#[derive(JsonSchema)]
#[allow(dead_code)]
pub enum StatusClassKey {
    /// Any 4xx status the catalog does not list.
    #[serde(rename = "4xx")]
    ClientError,
    /// Any 5xx status the catalog does not list.
    #[serde(rename = "5xx")]
    ServerError,
}

/// One of the four retry classes.
#[derive(JsonSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum RetryClassName {
    /// Do not retry without changing the request.
    Never,
    /// Transient: retry with exponential backoff and jitter.
    Backoff,
    /// Wait for the server's delay (Retry-After, rate-limit reset), else back off.
    Throttled,
    /// The request may have been processed: retry only when idempotent or keyed.
    Ambiguous,
}

/// The layout of an error body.
#[derive(Clone, Debug, Default, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct BodySpec {
    /// `json` (default) or `text` (not JSON: every error is status-level).
    #[schemars(default, with = "Option<BodyFormatName>")]
    pub format: Option<Text>,
    /// JSON pointer to an array of error objects. When set, `code`, `message`
    /// and `field_errors` are relative to each item; the first item is primary.
    #[schemars(default, with = "Option<String>")]
    pub errors: Option<Text>,
    /// Where the machine code lives. Leave out when the API has no codes.
    #[schemars(default)]
    pub code: Option<CodeLocationSpec>,
    /// JSON pointer to the human-readable message.
    #[schemars(default, with = "Option<String>")]
    pub message: Option<Text>,
    /// JSON pointer to the request id (absolute, even with `errors`).
    #[schemars(default, with = "Option<String>")]
    pub request_id: Option<Text>,
    /// Where field-level errors live.
    #[schemars(default)]
    pub field_errors: Option<FieldErrorsSpec>,
    /// Where the mapping is.
    #[schemars(skip)]
    pub span: Span,
}

/// `json` or `text`.
#[derive(JsonSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum BodyFormatName {
    /// A JSON document.
    Json,
    /// Anything else.
    Text,
}

/// Where the machine code lives: a body pointer or a header.
#[derive(Clone, Debug, Default, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct CodeLocationSpec {
    /// JSON pointer to the code in the body.
    #[schemars(default, with = "Option<String>")]
    pub pointer: Option<Text>,
    /// A response header that carries the code.
    #[schemars(default, with = "Option<String>")]
    pub header: Option<Text>,
    /// `string` (default) or `integer`.
    #[schemars(default, with = "Option<CodeTypeName>")]
    pub r#type: Option<Text>,
    /// Where the mapping is.
    #[schemars(skip)]
    pub span: Span,
}

/// `string` or `integer`.
#[derive(JsonSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum CodeTypeName {
    /// A string code.
    String,
    /// An integer code.
    Integer,
}

/// Where field-level errors live.
#[derive(Clone, Debug, Default, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct FieldErrorsSpec {
    /// JSON pointer to an array of field errors. Leave out for one field error
    /// per error object.
    #[schemars(default, with = "Option<String>")]
    pub items: Option<Text>,
    /// JSON pointer, relative to an item, to the field's name.
    #[schemars(with = "String")]
    pub field: Option<Text>,
    /// JSON pointer, relative to an item, to the field's message.
    #[schemars(default, with = "Option<String>")]
    pub message: Option<Text>,
    /// Where the mapping is.
    #[schemars(skip)]
    pub span: Span,
}

/// Delay, rate-limit and request-id headers.
#[derive(Clone, Debug, Default, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct HeadersSpec {
    /// The header carrying a delay in seconds or an HTTP-date (usually `Retry-After`).
    #[schemars(default, with = "Option<String>")]
    pub retry_after: Option<Text>,
    /// A header carrying the provider's request id.
    #[schemars(default, with = "Option<String>")]
    pub request_id: Option<Text>,
    /// Rate-limit headers.
    #[schemars(default)]
    pub rate_limit: Option<RateLimitSpec>,
    /// Where the mapping is.
    #[schemars(skip)]
    pub span: Span,
}

/// Rate-limit headers.
#[derive(Clone, Debug, Default, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RateLimitSpec {
    /// The window's request quota.
    #[schemars(default, with = "Option<String>")]
    pub limit: Option<Text>,
    /// Requests left in the window.
    #[schemars(default, with = "Option<String>")]
    pub remaining: Option<Text>,
    /// When the window resets.
    #[schemars(default, with = "Option<String>")]
    pub reset: Option<Text>,
    /// The unit of `reset`: `unix_seconds` (a timestamp) or `seconds` (until reset).
    #[schemars(default, with = "Option<ResetUnitName>")]
    pub reset_unit: Option<Text>,
    /// Where the mapping is.
    #[schemars(skip)]
    pub span: Span,
}

/// `unix_seconds` or `seconds`.
#[derive(JsonSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum ResetUnitName {
    /// A Unix timestamp in seconds.
    UnixSeconds,
    /// Seconds until the window resets.
    Seconds,
}

/// How an idempotency key is sent.
#[derive(Clone, Debug, Default, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct IdempotencySpec {
    /// The request header that carries the key (e.g. `Idempotency-Key`).
    #[schemars(with = "String")]
    pub header: Option<Text>,
    /// Where the mapping is.
    #[schemars(skip)]
    pub span: Span,
}

/// One row of the status table.
#[derive(Clone, Debug, Default, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct StatusSpec {
    /// What the status means for this API, in a few words.
    #[schemars(with = "String")]
    pub meaning: Option<Text>,
    /// How to retry it.
    #[schemars(with = "RetryClassName")]
    pub retry: Option<Text>,
    /// What a user should check or do.
    #[schemars(default, with = "Option<String>")]
    pub hint: Option<Text>,
    /// Where the mapping is.
    #[schemars(skip)]
    pub span: Span,
}

/// One row of the code table.
#[derive(Clone, Debug, Default, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct CodeSpec {
    /// The status (or statuses) the code comes with.
    #[schemars(with = "StatusOrStatuses")]
    pub status: Vec<Located<i128>>,
    /// What the code means, in your own words.
    #[schemars(with = "String")]
    pub description: Option<Text>,
    /// A retry class that overrides the status's.
    #[schemars(default, with = "Option<RetryClassName>")]
    pub retry: Option<Text>,
    /// What a user should check or do.
    #[schemars(default, with = "Option<String>")]
    pub hint: Option<Text>,
    /// Where the `status` value is.
    #[schemars(skip)]
    pub status_span: Span,
    /// Where the mapping is.
    #[schemars(skip)]
    pub span: Span,
}

/// One status, or a list of them.
#[derive(JsonSchema)]
#[serde(untagged)]
#[allow(dead_code)]
pub enum StatusOrStatuses {
    /// One status.
    One(u16),
    /// Several statuses.
    Several(Vec<u16>),
}
