//! Runtime for errspec: the types and traits that generated error catalogs
//! implement, the retry policy their classification drives, and a thin
//! retrying client on top of `reqwest`.
//!
//! Generated crates (from `cargo xtask gen` or `errspec::catalog!`) implement
//! [`ApiError`]; this crate knows nothing of any provider.
//!
//! - [`DecodedError`]: the error type of every generated API, decoded from
//!   a response by a streaming decoder that is total on any input, and
//!   [`ErrorDetails`], what every error carries besides its code (status,
//!   message, request id, field errors, delay hints).
//! - [`DelayHints`]: `Retry-After` and rate-limit headers.
//! - [`policy`]: [`RetryPolicy`] turns a failed attempt into a retry or a
//!   reasoned give-up.
//! - [`budget`]: [`RetryBudget`] caps retries across requests.
//! - [`retry`]: the retry loop without I/O ([`Retrier`],
//!   [`retry::Attempts`]), for any HTTP client, blocking or async.
//! - [`observe`]: an [`Observer`](observe::Observer) called on every
//!   attempt and give-up, and the `tracing` events.
//! - [`client`]: [`Client`], a retrying wrapper over `reqwest`.
//! - `middleware` (feature `reqwest-middleware`): a reqwest-middleware
//!   `Middleware`, and a `RetryableStrategy` and `RetryPolicy` that run
//!   errspec's decisions inside reqwest-retry's loop.
//! - `tower` (feature `tower`): a `tower::retry::Policy` and a `Layer`.
//! - [`pacing`]: holding requests back before the provider refuses them
//!   (rate-limit headers, throttled responses, the documented
//!   [`RateLimit`]s), in-process or shared by a fleet (`errspec-redis`).
//!
//! Features: `client` (the reqwest client; without it the crate needs
//! neither reqwest nor tokio) is on by default. `macros` (`catalog!` and
//! `#[derive(ApiError)]`) is off: the proc-macros compile the spec loader
//! and checker into your build (about an eighth of a cold build of reqwest
//! itself; BENCHMARKS.md §6), which checked-in modules do without. Generated crates need
//! neither.
//! `pacing` (on with `client` and `tower`) adds [`pacing`] to every
//! [`Retrier`], for loops of your own too. `tracing` (on with `client`,
//! `pacing` and `tower`) emits a `tracing` event per attempt; without it
//! the crate does not depend on `tracing`. `reqwest-middleware` and
//! `tower` are off by default.
//!
//! What generated code needs besides (the layouts it declares, the decoder
//! and the header parsers) is `#[doc(hidden)]` plumbing, not part of this
//! API.
#![forbid(unsafe_code)]

pub mod budget;
#[cfg(feature = "client")]
pub mod client;
#[cfg(feature = "reqwest-middleware")]
pub mod middleware;
pub mod observe;
#[cfg(feature = "pacing")]
pub mod pacing;
pub mod policy;
pub mod registry;
pub mod retry;
#[cfg(feature = "tower")]
pub mod tower;

// Retry classes, layouts, the decoder and delay hints live in
// `errspec-core`, which the generator shares; this crate is their home for
// users.
pub use budget::RetryBudget;
#[cfg(feature = "client")]
pub use client::{Client, Failure};
#[doc(inline)]
pub use errspec_core::delay::Delay;
#[doc(inline)]
pub use errspec_core::hints::SourcedDelay;
#[doc(inline)]
pub use errspec_core::{
    ApiError, BatchFailure, CompactString, ErrorDetails, FieldError, ParseRetryClassError,
    RetryClass, Text,
};
#[doc(inline)]
pub use errspec_core::{CatalogApi, CatalogCode, CatalogExtras, CatalogStatus, DecodedError};
#[doc(inline)]
pub use errspec_core::{DecidedBy, DelayHints, DelayOrigin, RateLimitReset, RetryAfter};
#[doc(inline)]
pub use errspec_core::{ExtraValue, Extras};
#[doc(inline)]
pub use errspec_core::{LimitScope, RateLimit};
/// The proc-macros, from `errspec-macros`: `catalog!("spec/provider.yaml")`
/// expands a spec file into the module `cargo xtask gen` writes for it, and
/// `#[derive(ApiError)]` implements [`ApiError`](trait@ApiError) for your
/// own enum, bound to a spec file or with its catalog written in-line.
#[cfg(feature = "macros")]
pub use errspec_macros::{ApiError, catalog};
/// The `http` crate errspec's signatures use (`StatusCode`, `HeaderMap`):
/// name it through here and your version cannot silently differ.
pub use http;
#[cfg(feature = "pacing")]
pub use pacing::Pacing;
pub use policy::RetryPolicy;
/// The `reqwest` crate [`Client`] wraps (feature `client`): build the
/// `reqwest::Client` you hand to it through here.
#[cfg(feature = "client")]
pub use reqwest;
pub use retry::{Retrier, SendOptions};

/// Plumbing for generated code and the derive: the layouts they declare,
/// the decoder that walks them, the header and delay parsers. Not part of
/// the public API: it changes whenever the generator does. Everything a
/// user names (errors, classes, delay hints, extras, limits) is re-exported
/// at the crate root.
#[doc(hidden)]
pub mod __private {
    pub use compact_str::ToCompactString;
    pub use errspec_core::display;
    pub use errspec_core::{
        batch, decode, delay, extras, hints, idempotency, json, layout, limits, rules, success,
    };
    pub use http;
    pub use serde;
}
