//! The data and evaluators behind [errspec](https://docs.rs/errspec): retry
//! classes, API layouts, the layout-driven decoder and delay hints.
//!
//! Use it through `errspec`, which re-exports all of it. It is a crate of
//! its own so that the generator (`errspec-codegen`) can build the very
//! tables generated code holds and run the same evaluators over them: the
//! generator cannot depend on `errspec`, whose proc-macros depend on the
//! generator.
#![forbid(unsafe_code)]

pub mod batch;
mod class;
pub mod decode;
mod decoded;
pub mod delay;
mod details;
pub mod extras;
pub mod hints;
pub mod idempotency;
#[doc(hidden)]
pub mod json;
pub mod layout;
pub mod limits;
pub mod rules;
pub mod success;
mod text;

pub use batch::BatchFailure;
pub use class::{ParseRetryClassError, RetryClass};
/// The small-string type of field names, batch items' codes, extras and
/// unknown codes, from the `compact_str` crate: up to 24 bytes in place,
/// longer text on the heap. Messages and request ids are [`Text`].
pub use compact_str::CompactString;
#[doc(hidden)]
pub use decoded::display;
pub use decoded::{CatalogApi, CatalogCode, CatalogExtras, CatalogStatus, DecodedError};
pub use details::{ApiError, ErrorDetails, FieldError};
pub use extras::{ExtraValue, Extras};
pub use hints::{DelayHints, DelayOrigin, RateLimitReset, RetryAfter};
pub use limits::{LimitScope, RateLimit};
pub use rules::DecidedBy;
pub use text::Text;
