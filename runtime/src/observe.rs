//! Watching retries: an [`Observer`] sees every attempt and give-up.
//!
//! Whatever runs the retry loop ([`Client`](crate::Client), the sans-IO
//! [`Attempts`](crate::retry::Attempts), the reqwest-middleware and tower
//! integrations) reports each attempt once, as an [`Event`], to the
//! observer set on its [`Retrier`](crate::retry::Retrier), then as a
//! `tracing` event (target `errspec::client`). An observer is where retries
//! reach a metrics system:
//!
//! ```
//! use std::sync::Arc;
//! use std::sync::atomic::{AtomicU64, Ordering};
//! use errspec::ApiError;
//! use errspec::observe::{Action, Event};
//! use errspec::retry::Retrier;
//!
//! /// A retrier that counts retries into `retries`.
//! fn counting<E: ApiError>(retries: Arc<AtomicU64>) -> Retrier<E> {
//!     Retrier::builder()
//!         .observer(move |event: &Event<'_>| {
//!             if let Action::Retry { .. } = event.action {
//!                 retries.fetch_add(1, Ordering::Relaxed);
//!             }
//!         })
//!         .build()
//! }
//! ```
//!
//! The `tracing` events carry OpenTelemetry's HTTP attribute names where one
//! applies (`http.request.method`, `url.path`, `http.response.status_code`,
//! `http.request.resend_count`, `error.type`) and errspec's own for the rest
//! (`provider`, `api`, `attempt`, `code`, `class`, `request_id`, `reason`);
//! durations are whole milliseconds (`delay_ms`, `server_delay_ms`). They
//! never hold header values, bodies or the URL's query.

use std::borrow::Cow;
use std::fmt;
use std::time::Duration;

use http::{Method, StatusCode};

use crate::RetryClass;
use crate::policy::{GiveUpReason, RetryReason, TransportFailure};

/// What happened after one attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Action {
    /// The response was not an error: the request is done.
    Succeeded,
    /// The attempt failed and the request is sent again after `after`.
    Retry {
        /// The wait before the next attempt.
        after: Duration,
        /// Why it is retried.
        reason: RetryReason,
    },
    /// The attempt failed and the request ends with it.
    GiveUp {
        /// Why it is not retried.
        reason: GiveUpReason,
        /// The wait the server asked for, if it did.
        server_delay: Option<Duration>,
    },
}

/// One attempt, as an [`Observer`] sees it.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub struct Event<'a> {
    /// The API's provider ([`ApiError::PROVIDER`](crate::ApiError::PROVIDER)).
    pub provider: &'static str,
    /// The API ([`ApiError::API`](crate::ApiError::API)).
    pub api: &'static str,
    /// The request's method.
    pub method: &'a Method,
    /// The request URL's path (never its query).
    pub path: &'a str,
    /// The attempt's number: 1 for the first.
    pub attempt: u32,
    /// The response status, if there was a response.
    pub status: Option<StatusCode>,
    /// The error code, if an error response carried one.
    pub code: Option<&'a str>,
    /// The request id, if an error response carried one.
    pub request_id: Option<&'a str>,
    /// The retry class the failure behaved as; `None` for a success.
    pub class: Option<RetryClass>,
    /// For a failure without a response: whether it may have been sent.
    pub transport: Option<TransportFailure>,
    /// What follows.
    pub action: Action,
}

impl Event<'_> {
    /// How many times the request had been sent before this attempt:
    /// OpenTelemetry's `http.request.resend_count`.
    pub fn resend_count(&self) -> u32 {
        self.attempt.saturating_sub(1)
    }

    /// OpenTelemetry's `error.type` for a failed attempt: the error code
    /// when the response had one, else the status code (`"503"`), else
    /// `"not_sent"` or `"maybe_sent"` for a failure without a response, else
    /// `"invalid_request"`; `None` for a success.
    pub fn error_type(&self) -> Option<Cow<'_, str>> {
        if self.action == Action::Succeeded {
            return None;
        }
        Some(match (self.code, self.status, self.transport) {
            (Some(code), _, _) => Cow::Borrowed(code),
            (None, Some(status), _) => Cow::Owned(status.as_u16().to_string()),
            (None, None, Some(TransportFailure::NotSent)) => Cow::Borrowed("not_sent"),
            (None, None, Some(TransportFailure::MaybeSent)) => Cow::Borrowed("maybe_sent"),
            (None, None, _) => Cow::Borrowed("invalid_request"),
        })
    }

    /// Emits the event's `tracing` event (target `errspec::client`): debug
    /// for a success, info for a retry, warn for a give-up. Nothing without
    /// the `tracing` feature.
    #[cfg(not(feature = "tracing"))]
    pub(crate) fn trace(&self) {}

    /// Emits the event's `tracing` event (target `errspec::client`): debug
    /// for a success, info for a retry, warn for a give-up.
    #[cfg(feature = "tracing")]
    pub(crate) fn trace(&self) {
        let status = self.status.map(|s| s.as_u16());
        let resend_count = Some(self.resend_count()).filter(|&n| n > 0);
        let class = self.class.map(RetryClass::as_str);
        match self.action {
            Action::Succeeded => tracing::debug!(
                target: "errspec::client",
                provider = self.provider,
                api = self.api,
                http.request.method = %self.method,
                url.path = self.path,
                attempt = self.attempt,
                http.request.resend_count = resend_count,
                http.response.status_code = status,
                "attempt succeeded"
            ),
            Action::Retry { after, reason } => tracing::info!(
                target: "errspec::client",
                provider = self.provider,
                api = self.api,
                http.request.method = %self.method,
                url.path = self.path,
                attempt = self.attempt,
                http.request.resend_count = resend_count,
                http.response.status_code = status,
                error.type = self.error_type().as_deref(),
                code = self.code,
                class,
                request_id = self.request_id,
                delay_ms = millis(after),
                reason = %reason,
                "attempt failed, retrying"
            ),
            Action::GiveUp {
                reason,
                server_delay,
            } => tracing::warn!(
                target: "errspec::client",
                provider = self.provider,
                api = self.api,
                http.request.method = %self.method,
                url.path = self.path,
                attempt = self.attempt,
                http.request.resend_count = resend_count,
                http.response.status_code = status,
                error.type = self.error_type().as_deref(),
                code = self.code,
                class,
                request_id = self.request_id,
                server_delay_ms = server_delay.map(millis),
                reason = %reason,
                "attempt failed, giving up"
            ),
        }
    }
}

/// Whole milliseconds, saturating.
#[cfg(feature = "tracing")]
fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// Sees every attempt and give-up of the requests of a
/// [`Retrier`](crate::retry::Retrier) (and so of a [`Client`](crate::Client)).
///
/// Called synchronously in the retry loop, before the wait: keep it quick
/// (count, record, enqueue). Any `Fn(&Event<'_>) + Send + Sync` closure is
/// an observer.
pub trait Observer: Send + Sync {
    /// One attempt ended.
    fn observe(&self, event: &Event<'_>);
}

impl<F> Observer for F
where
    F: Fn(&Event<'_>) + Send + Sync,
{
    fn observe(&self, event: &Event<'_>) {
        self(event);
    }
}

/// An [`Observer`] that records every attempt with the `metrics` crate
/// (feature `metrics`), into whatever recorder the program installed
/// (Prometheus, StatsD, …):
///
/// - counter `errspec_attempts_total`, labels `provider`, `api`, `outcome`
///   (`success`, `retry`, `give_up`), `class` (the retry class; empty for a
///   success) and `error_type` (as [`Event::error_type`]; empty for a
///   success);
/// - histogram `errspec_retry_delay_seconds`, labels `provider`, `api`:
///   each wait before a retry.
///
/// Label values come from the catalog (codes, classes) and status codes:
/// a bounded set, except that unknown codes a server invents are kept as
/// sent.
///
/// ```
/// use errspec::observe::Metrics;
/// use errspec::retry::Retrier;
/// # fn build<E: errspec::ApiError>() -> Retrier<E> {
/// Retrier::builder().observer(Metrics).build()
/// # }
/// ```
#[cfg(feature = "metrics")]
#[derive(Clone, Copy, Debug, Default)]
pub struct Metrics;

#[cfg(feature = "metrics")]
impl Observer for Metrics {
    fn observe(&self, event: &Event<'_>) {
        let outcome = match event.action {
            Action::Succeeded => "success",
            Action::Retry { .. } => "retry",
            Action::GiveUp { .. } => "give_up",
        };
        let class = event.class.map_or("", RetryClass::as_str);
        let error_type = event.error_type().map(Cow::into_owned).unwrap_or_default();
        metrics::counter!(
            "errspec_attempts_total",
            "provider" => event.provider,
            "api" => event.api,
            "outcome" => outcome,
            "class" => class,
            "error_type" => error_type,
        )
        .increment(1);
        if let Action::Retry { after, .. } = event.action {
            metrics::histogram!(
                "errspec_retry_delay_seconds",
                "provider" => event.provider,
                "api" => event.api,
            )
            .record(after.as_secs_f64());
        }
    }
}

/// Shows that an observer is set, not what it is.
pub(crate) struct Opaque;

impl fmt::Debug for Opaque {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("..")
    }
}
