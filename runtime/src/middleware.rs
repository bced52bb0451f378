//! errspec's retries inside a `reqwest_middleware::ClientWithMiddleware`
//! (feature `reqwest-middleware`).
//!
//! - [`RetryMiddleware`] runs the same loop as [`Client`](crate::Client) (it
//!   is [`retry`](crate::retry)'s): the API's error classes, server delays,
//!   idempotency keys, the retry budget, the policy's timeouts, the
//!   [`Observer`](crate::observe::Observer), the `tracing` events, and
//!   pacing (the retrier's [`Pacing`](crate::pacing::Pacing): each send
//!   waits for its scope's turn, each response's rate-limit headers and
//!   throttling hold the scope, for every request through it). A
//!   request's [`SendOptions`] are read from the middleware extensions
//!   (`RequestBuilder::with_extension`). A 2xx that the API's success
//!   predicate calls a failure ([`ApiError::check_success`], judged on at
//!   most [`max_error_body`](RetryMiddleware::max_error_body) bytes) is
//!   retried as the error it decodes to; when the loop gives up, the
//!   caller gets that 2xx response, its body whole.
//! - For code that keeps reqwest-retry's `RetryTransientMiddleware`:
//!   [`RetryScope`] before it, and inside it [`ErrspecStrategy`] as its
//!   `RetryableStrategy` and [`ScopedPolicy`] as its `RetryPolicy`. The
//!   scope starts each request's attempts (idempotency key,
//!   [`SendOptions`]); the strategy records each result there and asks
//!   errspec's loop, so server delays, retry safety, the budget, the
//!   observer and `tracing` apply as in [`Client`](crate::Client); the
//!   policy hands reqwest-retry the wait errspec decided. Pacing applies
//!   too, within what a synchronous strategy can do: the scope makes the
//!   first send wait for its scope's turn (asking the shared store, if
//!   any); the strategy records each response's spent window or block in
//!   this process and tells the shared store from a task of its own; each
//!   resend waits for the later of errspec's delay and its scope's turn in
//!   *this process's* state. Four limits, then: a strategy never sees the
//!   body (classes come from the status and headers, so a failure inside a
//!   2xx is not seen either); the policy's per-attempt timeout and deadline
//!   are not applied (reqwest's own timeouts are); resends do not ask the
//!   shared store (they do not take slots of a shared limit, and wait only
//!   for the blocks this process heard of); and the account's retry budget
//!   of [`Pacing::retry_budget`](crate::pacing::Pacing::retry_budget) is not
//!   charged (the retrier's own budget is). Prefer [`RetryMiddleware`]
//!   where you can: it paces every send through the store.
//!
//! ```no_run
//! use errspec::ApiError;
//! use errspec::middleware::RetryMiddleware;
//! use errspec::retry::{Retrier, SendOptions};
//!
//! async fn send<E: ApiError>() -> Result<(), reqwest_middleware::Error> {
//! let http = reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
//!     .with(RetryMiddleware::new(Retrier::<E>::default()))
//!     .build();
//! let response = http
//!     .post("https://api.example.com/v1/send")
//!     .with_extension(SendOptions::idempotent())
//!     .body("{}")
//!     .send()
//!     .await?;
//! // A response below 400, or the last error response as the server sent it.
//! # let _ = response;
//! # Ok(())
//! }
//! ```
//!
//! With reqwest-retry's loop:
//!
//! ```no_run
//! use errspec::ApiError;
//! use errspec::middleware::{ErrspecStrategy, RetryScope, ScopedPolicy};
//! use errspec::retry::Retrier;
//! use reqwest_retry::RetryTransientMiddleware;
//!
//! fn client<E: ApiError>() -> reqwest_middleware::ClientWithMiddleware {
//!     reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
//!         .with(RetryScope::new(Retrier::<E>::default()))
//!         .with(RetryTransientMiddleware::new_with_policy_and_strategy(
//!             ScopedPolicy,
//!             ErrspecStrategy::<E>::new(),
//!         ))
//!         .build()
//! }
//! ```

use std::any::Any;
use std::cell::RefCell;
use std::marker::PhantomData;
use std::time::{Duration, SystemTime};

use http::{Extensions, HeaderName, HeaderValue};
use reqwest_middleware::{Middleware, Next};
use reqwest_retry::{RetryDecision, RetryPolicy, Retryable, RetryableStrategy};

use crate::ApiError;
use crate::client::{DEFAULT_MAX_ERROR_BODY, TransportError, read_prefix};
use crate::policy::{Decision, TransportFailure};
use crate::retry::{Attempts, Retrier, SendOptions};

/// A reqwest-middleware `Middleware` that retries requests to the API whose
/// error type is `E`, exactly as [`Client`](crate::Client) does.
///
/// When it gives up on an error response, it returns that response, its
/// body intact (the decoder read at most
/// [`max_error_body`](Self::max_error_body) bytes; the rest streams on),
/// but with the URL reqwest reports for a built response
/// (`Response::url()`) set to the request's. A transport failure it gives
/// up on is returned as is.
pub struct RetryMiddleware<E> {
    retrier: Retrier<E>,
    max_error_body: usize,
}

impl<E: ApiError> std::fmt::Debug for RetryMiddleware<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RetryMiddleware")
            .field("retrier", &self.retrier)
            .field("max_error_body", &self.max_error_body)
            .finish()
    }
}

impl<E: ApiError> RetryMiddleware<E> {
    /// A middleware retrying with `retrier`'s policy, budget and observer.
    pub fn new(retrier: Retrier<E>) -> RetryMiddleware<E> {
        RetryMiddleware {
            retrier,
            max_error_body: DEFAULT_MAX_ERROR_BODY,
        }
    }

    /// The most bytes of an error body decoded (default
    /// [`DEFAULT_MAX_ERROR_BODY`], 1 MiB).
    #[must_use]
    pub fn max_error_body(mut self, bytes: usize) -> Self {
        self.max_error_body = bytes;
        self
    }
}

#[async_trait::async_trait]
impl<E: ApiError> Middleware for RetryMiddleware<E> {
    async fn handle(
        &self,
        mut request: reqwest::Request,
        extensions: &mut Extensions,
        next: Next<'_>,
    ) -> reqwest_middleware::Result<reqwest::Response> {
        let mut attempts = start(&self.retrier, &mut request, extensions)?;
        loop {
            let spare = request.try_clone();
            attempts.set_replayable(spare.is_some());
            let policy = self.retrier.policy();
            let remaining = policy
                .deadline()
                .map(|deadline| deadline.saturating_sub(attempts.elapsed()));
            let limit = match (policy.attempt_timeout(), remaining) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            attempts.wait_turn(request.headers()).await;
            let sent = next.clone().run(request, extensions);
            let result = match limit {
                Some(limit) => match tokio::time::timeout(limit, sent).await {
                    Ok(result) => result,
                    Err(_) => Err(reqwest_middleware::Error::middleware(
                        TransportError::Timeout(limit),
                    )),
                },
                None => sent.await,
            };
            // The common case: a response below 400 that no success
            // predicate has to judge.
            let result = match result {
                Ok(response)
                    if response.status().as_u16() < 400
                        && !(response.status().is_success() && E::success_check().is_some()) =>
                {
                    attempts
                        .succeeded_paced(response.status(), response.headers())
                        .await;
                    return Ok(response);
                }
                result => result,
            };
            // Boxed: reading and deciding on a failure is no part of the
            // future every request carries.
            match Box::pin(self.after_attempt(result, &mut attempts, spare)).await {
                Then::Resend(spare) => request = spare,
                Then::Return(result) => return result,
            }
        }
    }
}

/// What follows an attempt that was not a plain success.
enum Then {
    /// Send this copy of the request again (after the wait).
    Resend(reqwest::Request),
    /// The request is done: this is its result.
    Return(reqwest_middleware::Result<reqwest::Response>),
}

impl<E: ApiError> RetryMiddleware<E> {
    /// Judges a 2xx of an API with a success predicate, decodes an error
    /// response, records the attempt and decides; for a retry, waits.
    async fn after_attempt(
        &self,
        result: reqwest_middleware::Result<reqwest::Response>,
        attempts: &mut Attempts<E>,
        spare: Option<reqwest::Request>,
    ) -> Then {
        let (decision, result) = match result {
            // A 2xx of an API whose failures may arrive in one: its
            // start decides, as an error body's does.
            Ok(response) if response.status().is_success() && E::success_check().is_some() => {
                let (prefix, response) = read_prefix(response, self.max_error_body).await;
                match E::check_success(response.status(), response.headers(), &prefix) {
                    None => {
                        attempts
                            .succeeded_paced(response.status(), response.headers())
                            .await;
                        return Then::Return(Ok(response));
                    }
                    Some(error) => (
                        attempts
                            .failed_response_paced(&error, response.headers())
                            .await,
                        Ok(response),
                    ),
                }
            }
            Ok(response) if response.status().as_u16() < 400 => {
                attempts
                    .succeeded_paced(response.status(), response.headers())
                    .await;
                return Then::Return(Ok(response));
            }
            Ok(response) => {
                let (prefix, response) = read_prefix(response, self.max_error_body).await;
                let error = E::decode(response.status(), response.headers(), &prefix);
                (
                    attempts
                        .failed_response_paced(&error, response.headers())
                        .await,
                    Ok(response),
                )
            }
            Err(error) => {
                let decision = match transport_failure(&error) {
                    Some(failure) => attempts.failed_transport_paced(failure).await,
                    None => attempts.failed_invalid(),
                };
                (decision, Err(error))
            }
        };
        match (decision, spare) {
            (Decision::Retry { after, .. }, Some(spare)) => {
                tokio::time::sleep(after).await;
                Then::Resend(spare)
            }
            _ => Then::Return(result),
        }
    }
}

/// Starts `request`'s attempts with the [`SendOptions`] in `extensions`
/// and puts its idempotency key on it; a key the caller already put there
/// is kept.
fn start<E: ApiError>(
    retrier: &Retrier<E>,
    request: &mut reqwest::Request,
    extensions: &Extensions,
) -> reqwest_middleware::Result<Attempts<E>> {
    let mut options = extensions.get::<SendOptions>().cloned().unwrap_or_default();
    let invalid = || reqwest_middleware::Error::middleware(invalid_key::<E>());
    let header = E::IDEMPOTENCY_HEADER
        .map(HeaderName::try_from)
        .transpose()
        .map_err(|_| invalid())?;
    if let Some(existing) = header.as_ref().and_then(|h| request.headers().get(h)) {
        options.idempotency_key = Some(existing.to_str().map_err(|_| invalid())?.to_owned());
    }
    let attempts = retrier.start(request.method(), request.url().path(), options);
    if let (Some(name), Some(key)) = (header, attempts.idempotency_key()) {
        let mut value = HeaderValue::from_str(key).map_err(|_| invalid())?;
        value.set_sensitive(true);
        request.headers_mut().insert(name, value);
    }
    Ok(attempts)
}

/// Whether a middleware-chain error may have reached the server; `None`
/// for one that says the request is invalid.
fn transport_failure(error: &reqwest_middleware::Error) -> Option<TransportFailure> {
    match error {
        reqwest_middleware::Error::Reqwest(error) => {
            // `from_reqwest` takes ownership; classify by the same rules.
            if error.is_builder() || error.is_redirect() {
                None
            } else if error.is_connect() {
                Some(TransportFailure::NotSent)
            } else {
                Some(TransportFailure::MaybeSent)
            }
        }
        reqwest_middleware::Error::Middleware(error) => {
            match error.downcast_ref::<TransportError>() {
                Some(error) => error.failure(),
                // Another middleware failed: it may have sent the request.
                None => Some(TransportFailure::MaybeSent),
            }
        }
    }
}

fn invalid_key<E: ApiError>() -> TransportError {
    TransportError::InvalidIdempotencyKey {
        header: E::IDEMPOTENCY_HEADER.unwrap_or_default(),
    }
}

tokio::task_local! {
    /// The attempts of the request a [`RetryScope`] is running.
    static SCOPE: RefCell<Scope>;
}

/// One request's state inside a [`RetryScope`].
struct Scope {
    /// The request's `Attempts<E>`; [`ErrspecStrategy<E>`] downcasts it.
    attempts: Box<dyn Any + Send>,
    /// The wait errspec decided on the last failure, until [`ScopedPolicy`]
    /// takes it.
    retry_after: Option<Duration>,
}

/// A reqwest-middleware `Middleware` that gives each request the state
/// errspec's loop keeps across its attempts, for [`ErrspecStrategy`] and
/// [`ScopedPolicy`] inside reqwest-retry's `RetryTransientMiddleware`; put
/// it before (outside) that middleware. See the [module docs](self).
///
/// It starts the request's attempts with the [`SendOptions`] of the
/// request's extensions and puts the API's idempotency key on the request,
/// so every resend of reqwest-retry carries the same key.
pub struct RetryScope<E> {
    retrier: Retrier<E>,
}

impl<E: ApiError> std::fmt::Debug for RetryScope<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RetryScope")
            .field("retrier", &self.retrier)
            .finish()
    }
}

impl<E: ApiError> RetryScope<E> {
    /// A scope whose requests retry with `retrier`'s policy, budget and
    /// observer.
    pub fn new(retrier: Retrier<E>) -> RetryScope<E> {
        RetryScope { retrier }
    }
}

#[async_trait::async_trait]
impl<E: ApiError> Middleware for RetryScope<E> {
    async fn handle(
        &self,
        mut request: reqwest::Request,
        extensions: &mut Extensions,
        next: Next<'_>,
    ) -> reqwest_middleware::Result<reqwest::Response> {
        let mut attempts = start(&self.retrier, &mut request, extensions)?;
        // The first send waits for its scope's turn (the shared store's,
        // if any); reqwest-retry's resends wait in `ScopedPolicy`.
        attempts.wait_turn(request.headers()).await;
        let scope = Scope {
            attempts: Box::new(attempts),
            retry_after: None,
        };
        SCOPE
            .scope(RefCell::new(scope), next.run(request, extensions))
            .await
    }
}

/// A `reqwest_retry::RetryableStrategy` from errspec's decisions for the
/// API whose error type is `E`.
///
/// Inside a [`RetryScope<E>`] it records each result in the request's
/// attempts and asks errspec's loop: a retry is [`Retryable::Transient`]
/// (its wait left for [`ScopedPolicy`]), a give-up [`Retryable::Fatal`].
/// The status and headers are decoded (a strategy never sees the body, so
/// status-level classes apply). It paces as far as a synchronous call can
/// (see the [module docs](self)): blocks go into this process's state at
/// once and to a shared store from a spawned task, and a retry's wait is
/// the later of errspec's delay and the scope's turn in this process.
///
/// Outside a scope it only classifies, statelessly: `never` is
/// [`Retryable::Fatal`]; `backoff` and `throttled` are
/// [`Retryable::Transient`]; `ambiguous` (and a failure that may have been
/// sent) is transient only for a strategy made with
/// [`retry_safe`](Self::retry_safe), since without a scope the strategy
/// does not know which request failed. Waits and attempt counts are then
/// reqwest-retry's policy's: no `Retry-After`, no budget.
pub struct ErrspecStrategy<E> {
    retry_safe: bool,
    _error: PhantomData<fn() -> E>,
}

impl<E> std::fmt::Debug for ErrspecStrategy<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ErrspecStrategy")
            .field("retry_safe", &self.retry_safe)
            .finish()
    }
}

impl<E: ApiError> Default for ErrspecStrategy<E> {
    fn default() -> Self {
        ErrspecStrategy::new()
    }
}

impl<E: ApiError> ErrspecStrategy<E> {
    /// A strategy that, outside a [`RetryScope`], treats requests as neither
    /// idempotent nor keyed: ambiguous failures are fatal.
    pub fn new() -> ErrspecStrategy<E> {
        ErrspecStrategy {
            retry_safe: false,
            _error: PhantomData,
        }
    }

    /// A strategy that, outside a [`RetryScope`], treats every request as
    /// idempotent or keyed: ambiguous failures are transient. (Inside a
    /// scope, the request's own [`SendOptions`] and key decide.)
    pub fn retry_safe() -> ErrspecStrategy<E> {
        ErrspecStrategy {
            retry_safe: true,
            _error: PhantomData,
        }
    }

    fn class_retryable(&self, class: crate::RetryClass) -> Retryable {
        match class {
            crate::RetryClass::Never => Retryable::Fatal,
            crate::RetryClass::Ambiguous if !self.retry_safe => Retryable::Fatal,
            _ => Retryable::Transient,
        }
    }

    /// The stateless classification, outside a scope.
    fn classify(
        &self,
        result: &Result<reqwest::Response, reqwest_middleware::Error>,
    ) -> Option<Retryable> {
        match result {
            Ok(response) if response.status().as_u16() < 400 => None,
            Ok(response) => {
                let error = E::decode(response.status(), response.headers(), b"");
                Some(self.class_retryable(error.retry_class()))
            }
            Err(error) => Some(match transport_failure(error) {
                Some(failure) => self.class_retryable(failure.retry_class()),
                None => Retryable::Fatal,
            }),
        }
    }
}

/// Records `result` in `attempts` (and in pacing: a spent window or the
/// block an error response asked for holds the scope) and decides.
fn record<E: ApiError>(
    attempts: &mut Attempts<E>,
    result: &Result<reqwest::Response, reqwest_middleware::Error>,
) -> Option<Decision> {
    let decision = match result {
        Ok(response) if response.status().as_u16() < 400 => {
            attempts.succeeded_detached(response.status(), response.headers());
            return None;
        }
        Ok(response) => {
            let error = E::decode(response.status(), response.headers(), b"");
            attempts.failed_response(&error, response.headers())
        }
        Err(error) => match transport_failure(error) {
            Some(failure) => attempts.failed_transport(failure),
            None => attempts.failed_invalid(),
        },
    };
    attempts.share_block_detached();
    Some(decision)
}

impl<E: ApiError> RetryableStrategy for ErrspecStrategy<E> {
    fn handle(
        &self,
        result: &Result<reqwest::Response, reqwest_middleware::Error>,
    ) -> Option<Retryable> {
        let scoped = SCOPE.try_with(|scope| {
            let mut scope = scope.borrow_mut();
            let attempts = scope.attempts.downcast_mut::<Attempts<E>>()?;
            let decision = record(attempts, result);
            let retry_after = match decision {
                Some(Decision::Retry { after, .. }) => Some(attempts.retry_turn(after)),
                _ => None,
            };
            scope.retry_after = retry_after;
            Some(match decision {
                None => None,
                Some(Decision::Retry { .. }) => Some(Retryable::Transient),
                Some(Decision::GiveUp { .. }) => Some(Retryable::Fatal),
            })
        });
        match scoped {
            Ok(Some(retryable)) => retryable,
            // No scope, or one for another API.
            _ => self.classify(result),
        }
    }
}

/// A `reqwest_retry::RetryPolicy` that retries after the wait errspec
/// decided: with [`ErrspecStrategy`] inside a [`RetryScope`], the server's
/// delay (`Retry-After`, rate-limit headers) or errspec's backoff. Attempt
/// counts and give-ups are errspec's too.
///
/// Without a decision to hand on (outside a scope, or with another
/// strategy) it does not retry.
#[derive(Clone, Copy, Debug, Default)]
pub struct ScopedPolicy;

impl RetryPolicy for ScopedPolicy {
    fn should_retry(&self, _started: SystemTime, _past_retries: u32) -> RetryDecision {
        // reqwest-retry asks the policy right after the strategy, in the
        // same task: the scope holds the strategy's decision.
        let after = SCOPE
            .try_with(|scope| scope.borrow_mut().retry_after.take())
            .ok()
            .flatten();
        // A wait past the clock's range is not one to sleep through.
        match after.and_then(|after| SystemTime::now().checked_add(after)) {
            Some(execute_after) => RetryDecision::Retry { execute_after },
            None => RetryDecision::DoNotRetry,
        }
    }
}
