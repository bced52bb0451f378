//! The retry loop without I/O ("sans-IO"), for any HTTP client.
//!
//! [`Client`](crate::Client) and the reqwest-middleware and tower
//! integrations all run this loop; with it, any client — blocking or async,
//! on any runtime — retries exactly as they do. Per logical request:
//!
//! 1. [`Retrier::start`] gives an [`Attempts`]; send the request, with
//!    [`Attempts::idempotency_header`] if it returns one.
//! 2. A response below 400: [`Attempts::succeeded`], done.
//! 3. An error response: decode it (`E::decode`) and ask
//!    [`Attempts::failed_response`]; no response:
//!    [`Attempts::failed_transport`], saying whether the request may have
//!    been sent.
//! 4. [`Decision::Retry`]: wait `after`, send the same request again (step
//!    2). [`Decision::GiveUp`]: report the error;
//!    [`Attempts::into_attempts`] says what every attempt saw.
//!
//! With pacing (feature `pacing`, on with `client` and `tower`), the
//! retrier also carries a [`Pacing`]: before each send, an async loop
//! awaits [`Attempts::wait_turn`] (a blocking one sleeps
//! [`Attempts::hold`]); after a response, the `_paced` methods
//! ([`Attempts::succeeded_paced`], [`Attempts::failed_response_paced`],
//! [`Attempts::failed_transport_paced`]) tell the pacing store what the
//! provider said, and charge the account's retry budget where
//! [`Pacing::retry_budget`] keeps one. The plain methods update this
//! process's pacing state only.
//!
//! The decision is the [`RetryPolicy`]'s (or a custom [`RetryDecider`]'s),
//! then the loop's own limits: the shared [`RetryBudget`] and whether the
//! request can be sent again ([`Attempts::set_replayable`]). Every attempt
//! is reported to the [`Observer`] and as a `tracing` event
//! ([`observe`](crate::observe)).
//!
//! ```
//! use errspec::ApiError;
//! use errspec::policy::{Decision, TransportFailure};
//! use errspec::retry::{Retrier, SendOptions};
//!
//! /// What a blocking HTTP client returns, reduced to what the loop needs.
//! enum Sent { Status(http::StatusCode, http::HeaderMap, Vec<u8>), ConnectFailed, TimedOut }
//!
//! fn send_with_retries<E: ApiError>(
//!     retrier: &Retrier<E>,
//!     mut send: impl FnMut(Option<(&str, &str)>) -> Sent,
//! ) -> Result<http::StatusCode, E> {
//!     let mut attempts = retrier.start(&http::Method::POST, "/v1/send", SendOptions::default());
//!     loop {
//!         let decision = match send(attempts.idempotency_header()) {
//!             Sent::Status(status, _, _) if status.as_u16() < 400 => {
//!                 attempts.succeeded(status);
//!                 return Ok(status);
//!             }
//!             Sent::Status(status, headers, body) => {
//!                 let error = E::decode(status, &headers, &body);
//!                 match attempts.failed_response(&error, &headers) {
//!                     Decision::GiveUp { .. } => return Err(error),
//!                     retry => retry,
//!                 }
//!             }
//!             Sent::ConnectFailed => attempts.failed_transport(TransportFailure::NotSent),
//!             Sent::TimedOut => attempts.failed_transport(TransportFailure::MaybeSent),
//!         };
//!         match decision {
//!             Decision::Retry { after, .. } => std::thread::sleep(after),
//!             Decision::GiveUp { reason, .. } => panic!("no response: {reason}"),
//!         }
//!     }
//! }
//! ```
//!
//! `examples/` holds the same loop on a real blocking client (`ureq`).

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use compact_str::CompactString;
use http::{HeaderMap, Method, StatusCode};

use crate::budget::RetryBudget;
use crate::observe::{Action, Event, Observer, Opaque};
#[cfg(feature = "pacing")]
use crate::pacing::{self, Pacing, Scope};
use crate::policy::{
    Decision, GiveUpReason, Outcome, RetryContext, RetryDecider, RetryPolicy, RetryReason, Rng,
    TransportFailure,
};
use crate::{ApiError, RetryClass};

/// Per-request settings: whether the operation is idempotent, and its
/// idempotency key.
///
/// `Debug` does not show the idempotency key. The integrations read these
/// from the request's extensions (`http::Extensions`) when one is there.
///
/// ```
/// use errspec::retry::SendOptions;
///
/// let get = SendOptions::idempotent();
/// let job = SendOptions::with_idempotency_key("job-42");
/// // This API's keys expire too soon for our retries: send none.
/// let unkeyed = SendOptions::without_idempotency_key();
/// assert!(get.idempotent && !job.idempotent && unkeyed.omit_idempotency_key);
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SendOptions {
    /// The operation is idempotent (repeating it has no further effect), so
    /// an ambiguous failure may be retried. `GET`, `PUT` and `DELETE` usually
    /// are; the caller decides.
    pub idempotent: bool,
    /// The idempotency key to send when the API takes one
    /// ([`ApiError::IDEMPOTENCY_HEADER`]). `None`: a random UUID v4 per
    /// logical request, unless [`omit_idempotency_key`](Self::omit_idempotency_key).
    /// Ignored by APIs without an idempotency header.
    pub idempotency_key: Option<String>,
    /// Send no idempotency key of our own (when
    /// [`idempotency_key`](Self::idempotency_key) is `None`). A key already
    /// on the request is still honoured. Without a key, an ambiguous failure
    /// is retried only when [`idempotent`](Self::idempotent).
    pub omit_idempotency_key: bool,
}

impl SendOptions {
    /// Options for an idempotent operation.
    pub fn idempotent() -> SendOptions {
        SendOptions {
            idempotent: true,
            ..SendOptions::default()
        }
    }

    /// Options carrying a caller-chosen idempotency key, e.g. one stored
    /// with the job so that a retry after a crash reuses it.
    pub fn with_idempotency_key(key: impl Into<String>) -> SendOptions {
        SendOptions {
            idempotency_key: Some(key.into()),
            ..SendOptions::default()
        }
    }

    /// Options that send no automatic idempotency key.
    pub fn without_idempotency_key() -> SendOptions {
        SendOptions {
            omit_idempotency_key: true,
            ..SendOptions::default()
        }
    }

    /// The key to send for an API of error type `E`: none when the API
    /// takes none; else the caller's, else a new UUID v4 unless omitted.
    pub(crate) fn key_for<E: ApiError>(&self) -> Option<String> {
        let more = E::IDEMPOTENCY;
        if E::IDEMPOTENCY_HEADER.is_none() && more.body.is_none() && more.also_headers.is_empty() {
            return None;
        }
        match &self.idempotency_key {
            Some(key) => Some(key.clone()),
            None if self.omit_idempotency_key => None,
            None => Some(new_key(&more)),
        }
    }
}

/// A new key for an API: a UUID v4 (36 bytes); under a shorter
/// `max_length` (and no UUID requirement) its 32 hex digits, cut to fit.
fn new_key(layout: &errspec_core::idempotency::IdempotencyLayout) -> String {
    let uuid = uuid::Uuid::new_v4();
    match layout.max_length {
        Some(max) if max < 36 && !layout.uuid => {
            let mut key = uuid.simple().to_string();
            key.truncate(max);
            key
        }
        _ => uuid.to_string(),
    }
}

impl fmt::Debug for SendOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SendOptions")
            .field("idempotent", &self.idempotent)
            .field(
                "idempotency_key",
                &self.idempotency_key.as_ref().map(|_| Redacted),
            )
            .field("omit_idempotency_key", &self.omit_idempotency_key)
            .finish()
    }
}

/// Stands in for a secret in `Debug` output.
pub(crate) struct Redacted;

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// One failed attempt, as recorded by [`Attempts`] (and in
/// [`Failure::attempts`](crate::Failure::attempts)).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Attempt {
    /// 1 for the first attempt.
    pub number: u32,
    /// The response status, if there was a response.
    pub status: Option<StatusCode>,
    /// The error code, if the response carried one.
    pub code: Option<String>,
    /// The request id, if the response carried one.
    pub request_id: Option<String>,
    /// The retry class the outcome behaved as.
    pub class: RetryClass,
    /// For a failure without a response: whether it may have been sent.
    pub transport: Option<TransportFailure>,
    /// The wait before the next attempt; `None` for the last one.
    pub delay: Option<Duration>,
}

/// The retry settings and shared state of the requests to one API, whose
/// error type is `E`: the [`RetryPolicy`] (or a custom [`RetryDecider`]),
/// the [`RetryBudget`], an [`Observer`] and the jitter generator.
///
/// Cloning is cheap and shares everything, budget included.
pub struct Retrier<E> {
    inner: Arc<Inner>,
    _error: PhantomData<fn() -> E>,
}

struct Inner {
    policy: RetryPolicy,
    decider: Option<Box<dyn RetryDecider>>,
    budget: Option<RetryBudget>,
    observer: Option<Box<dyn Observer>>,
    rng: Mutex<Rng>,
    #[cfg(feature = "pacing")]
    pacing: Option<Pacing>,
    /// The scope of the credentials this retrier's requests carry.
    #[cfg(feature = "pacing")]
    scopes: pacing::ScopeCache,
}

impl<E> Clone for Retrier<E> {
    fn clone(&self) -> Self {
        Retrier {
            inner: Arc::clone(&self.inner),
            _error: PhantomData,
        }
    }
}

impl<E: ApiError> fmt::Debug for Retrier<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Retrier")
            .field("provider", &E::PROVIDER)
            .field("api", &E::API)
            .field("policy", &self.inner.policy)
            .field("decider", &self.inner.decider)
            .field("budget", &self.inner.budget)
            .field("observer", &self.inner.observer.as_ref().map(|_| Opaque))
            .finish_non_exhaustive()
    }
}

impl<E: ApiError> Default for Retrier<E> {
    fn default() -> Self {
        Retrier::builder().build()
    }
}

impl<E: ApiError> Retrier<E> {
    /// A retrier with `policy` and a fresh retry budget.
    pub fn new(policy: RetryPolicy) -> Retrier<E> {
        Retrier::builder().policy(policy).build()
    }

    /// A builder with the defaults.
    pub fn builder() -> RetrierBuilder<E> {
        RetrierBuilder {
            policy: RetryPolicy::default(),
            decider: None,
            budget: Some(RetryBudget::default()),
            observer: None,
            seed: None,
            #[cfg(feature = "pacing")]
            pacing: Some(Pacing::new()),
            _error: PhantomData,
        }
    }

    /// The retry policy.
    pub fn policy(&self) -> &RetryPolicy {
        &self.inner.policy
    }

    /// The retry budget, if any.
    pub fn budget(&self) -> Option<&RetryBudget> {
        self.inner.budget.as_ref()
    }

    /// The pacing settings and state, if pacing is on.
    #[cfg(feature = "pacing")]
    pub fn pacing(&self) -> Option<&Pacing> {
        self.inner.pacing.as_ref()
    }

    /// The pacing scope of a request with these headers, if pacing is on.
    #[cfg(feature = "pacing")]
    pub(crate) fn scope(&self, request_headers: &HeaderMap) -> Option<Arc<Scope>> {
        let pacing = self.inner.pacing.as_ref()?;
        Some(pacing.scope::<E>(&self.inner.scopes, request_headers, E::IDEMPOTENCY_HEADER))
    }

    /// Starts one logical request: `method` and the URL's `path` (never its
    /// query) label its events; `options` say whether it is idempotent and
    /// which idempotency key it carries.
    pub fn start(&self, method: &Method, path: &str, options: SendOptions) -> Attempts<E> {
        let idempotency_key = options.key_for::<E>();
        Attempts {
            retry_safe: options.idempotent || idempotency_key.is_some(),
            idempotency_key,
            retrier: self.clone(),
            method: method.clone(),
            path: CompactString::from(path),
            records: Vec::new(),
            spent: 0,
            started: Instant::now(),
            replayable: true,
            #[cfg(feature = "pacing")]
            paced: PacedState::default(),
        }
    }

    fn lock_rng(&self) -> MutexGuard<'_, Rng> {
        // A panic elsewhere cannot leave a random generator inconsistent.
        self.inner
            .rng
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

/// Builds a [`Retrier`]; every setter documents its default.
#[must_use]
pub struct RetrierBuilder<E> {
    policy: RetryPolicy,
    decider: Option<Box<dyn RetryDecider>>,
    budget: Option<RetryBudget>,
    observer: Option<Box<dyn Observer>>,
    seed: Option<u64>,
    #[cfg(feature = "pacing")]
    pacing: Option<Pacing>,
    _error: PhantomData<fn() -> E>,
}

impl<E> fmt::Debug for RetrierBuilder<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RetrierBuilder")
            .field("policy", &self.policy)
            .field("decider", &self.decider)
            .field("budget", &self.budget)
            .field("observer", &self.observer.as_ref().map(|_| Opaque))
            .field("seed", &self.seed)
            .finish_non_exhaustive()
    }
}

impl<E: ApiError> RetrierBuilder<E> {
    /// The retry policy (default [`RetryPolicy::default`]).
    pub fn policy(mut self, policy: RetryPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Replaces the policy's retry decision with `decider`'s (default: the
    /// [`policy`](Self::policy) decides). The policy's
    /// [`attempt_timeout`](RetryPolicy::attempt_timeout) and
    /// [`deadline`](RetryPolicy::deadline) still cut attempts, and the loop
    /// still refuses to resend a request it cannot copy and charges the
    /// budget.
    ///
    /// ```
    /// use errspec::ApiError;
    /// use errspec::policy::{self, Decision, GiveUpReason, RetryContext, RetryPolicy};
    /// use errspec::retry::Retrier;
    ///
    /// // The standard decision, but never more than one retry.
    /// fn retrier<E: ApiError>() -> Retrier<E> {
    ///     let standard = RetryPolicy::default();
    ///     Retrier::builder()
    ///         .decider(policy::from_fn(move |context: &RetryContext<'_>, rng: &mut policy::Rng| {
    ///             if context.attempts >= 2 {
    ///                 return Decision::GiveUp {
    ///                     reason: GiveUpReason::AttemptsExhausted { attempts: context.attempts },
    ///                     server_delay: None,
    ///                 };
    ///             }
    ///             standard.decide_with_rng(context, rng)
    ///         }))
    ///         .build()
    /// }
    /// ```
    pub fn decider(mut self, decider: impl RetryDecider + 'static) -> Self {
        self.decider = Some(Box::new(decider));
        self
    }

    /// The retry budget, e.g. one shared by several retriers (default: a
    /// new [`RetryBudget::default`] for this retrier and its clones).
    pub fn budget(mut self, budget: RetryBudget) -> Self {
        self.budget = Some(budget);
        self
    }

    /// No retry budget: only the policy limits retries.
    pub fn without_budget(mut self) -> Self {
        self.budget = None;
        self
    }

    /// Called on every attempt and give-up (default none); see
    /// [`observe`](crate::observe).
    pub fn observer(mut self, observer: impl Observer + 'static) -> Self {
        self.observer = Some(Box::new(observer));
        self
    }

    /// Seeds the jitter generator, making delays reproducible (for tests).
    pub fn jitter_seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// How requests are paced (default: a new in-process [`Pacing`] for
    /// this retrier and its clones). Give several retriers the same
    /// `Pacing` to pace them together; [`Pacing::shared`] paces a fleet.
    #[cfg(feature = "pacing")]
    pub fn pacing(mut self, pacing: Pacing) -> Self {
        self.pacing = Some(pacing);
        self
    }

    /// No pacing: requests go out as soon as they are sent or retried.
    #[cfg(feature = "pacing")]
    pub fn without_pacing(mut self) -> Self {
        self.pacing = None;
        self
    }

    /// The retrier.
    pub fn build(self) -> Retrier<E> {
        let rng = match self.seed {
            Some(seed) => Rng::with_seed(seed),
            None => Rng::new(),
        };
        Retrier {
            inner: Arc::new(Inner {
                policy: self.policy,
                decider: self.decider,
                budget: self.budget,
                observer: self.observer,
                rng: Mutex::new(rng),
                #[cfg(feature = "pacing")]
                pacing: self.pacing,
                #[cfg(feature = "pacing")]
                scopes: pacing::ScopeCache::default(),
            }),
            _error: PhantomData,
        }
    }
}

/// The attempts of one logical request: records what each saw, decides
/// after each failure, and reports each to the observer and `tracing`.
/// From [`Retrier::start`]; see the [module docs](self) for the loop.
///
/// A clone continues the same request independently: same key and
/// records, same shared budget.
pub struct Attempts<E> {
    retrier: Retrier<E>,
    method: Method,
    path: CompactString,
    records: Vec<Attempt>,
    /// Budget tokens the retries took, given back on success.
    spent: u32,
    started: Instant,
    retry_safe: bool,
    idempotency_key: Option<String>,
    replayable: bool,
    #[cfg(feature = "pacing")]
    paced: PacedState,
}

/// What [`Attempts`] keeps for pacing.
#[cfg(feature = "pacing")]
#[derive(Clone, Default)]
struct PacedState {
    /// The request's scope, from its headers on the first wait.
    scope: Option<Arc<Scope>>,
    /// The block the last error response asked for, for the shared store.
    block: Option<Duration>,
    /// The account's budget refused the next retry.
    refused: bool,
    /// Tokens the retries took from the account's budget.
    spent: u32,
}

impl<E> Clone for Attempts<E> {
    fn clone(&self) -> Self {
        Attempts {
            retrier: self.retrier.clone(),
            method: self.method.clone(),
            path: self.path.clone(),
            records: self.records.clone(),
            spent: self.spent,
            started: self.started,
            retry_safe: self.retry_safe,
            idempotency_key: self.idempotency_key.clone(),
            replayable: self.replayable,
            #[cfg(feature = "pacing")]
            paced: self.paced.clone(),
        }
    }
}

impl<E: ApiError> fmt::Debug for Attempts<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Attempts")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("records", &self.records)
            .field("retry_safe", &self.retry_safe)
            .field(
                "idempotency_key",
                &self.idempotency_key.as_ref().map(|_| Redacted),
            )
            .finish_non_exhaustive()
    }
}

impl<E: ApiError> Attempts<E> {
    /// The header to send on every attempt, name and value, when the API
    /// takes idempotency keys ([`ApiError::IDEMPOTENCY_HEADER`]) and the
    /// options did not omit it.
    pub fn idempotency_header(&self) -> Option<(&'static str, &str)> {
        E::IDEMPOTENCY_HEADER.zip(self.idempotency_key.as_deref())
    }

    /// The idempotency key every attempt carries, if any.
    pub fn idempotency_key(&self) -> Option<&str> {
        self.idempotency_key.as_deref()
    }

    /// Replaces the idempotency key, e.g. with one already on the request,
    /// which wins over the options'. Makes the request retry-safe.
    pub fn set_idempotency_key(&mut self, key: String) {
        self.idempotency_key = Some(key);
        self.retry_safe = true;
    }

    /// Whether an ambiguous failure may be retried: the request is
    /// idempotent or keyed.
    pub fn retry_safe(&self) -> bool {
        self.retry_safe
    }

    /// The number of the attempt being made: 1 before the first failure.
    pub fn number(&self) -> u32 {
        u32::try_from(self.records.len())
            .unwrap_or(u32::MAX)
            .saturating_add(1)
    }

    /// Says whether the request can be sent again (default `true`). A
    /// request that cannot (a streamed body) is never retried: a failure
    /// that would have been gives up with [`GiveUpReason::NotReplayable`].
    pub fn set_replayable(&mut self, replayable: bool) {
        self.replayable = replayable;
    }

    /// The request's method, as given to [`Retrier::start`].
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// Time since the request started.
    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    /// The failed attempts so far, each with its delay.
    pub fn attempts(&self) -> &[Attempt] {
        &self.records
    }

    /// The failed attempts, owned.
    pub fn into_attempts(self) -> Vec<Attempt> {
        self.records
    }

    /// The failed attempts and the idempotency key, owned.
    pub fn into_parts(self) -> (Vec<Attempt>, Option<String>) {
        (self.records, self.idempotency_key)
    }

    /// The attempt got a response that is not an error: the request is
    /// done. Gives the retries' budget tokens back.
    pub fn succeeded(&mut self, status: StatusCode) {
        if let Some(budget) = &self.retrier.inner.budget {
            budget.record_success(self.spent);
        }
        self.spent = 0;
        self.report(&Event {
            provider: E::PROVIDER,
            api: E::API,
            method: &self.method,
            path: &self.path,
            attempt: self.number(),
            status: Some(status),
            code: None,
            request_id: None,
            class: None,
            transport: None,
            action: Action::Succeeded,
        });
    }

    /// The attempt got an error response, decoded into `error`; `headers`
    /// are the response's (for the API's delay headers). Records it and
    /// decides.
    pub fn failed_response(&mut self, error: &E, headers: &HeaderMap) -> Decision {
        let outcome = Outcome::api_with_headers(error, headers);
        let record = Attempt {
            number: self.number(),
            status: error.status(),
            code: error.code().map(Cow::into_owned),
            request_id: error.request_id().map(str::to_owned),
            class: outcome.class(),
            transport: None,
            delay: None,
        };
        #[cfg(feature = "pacing")]
        let class = record.class;
        let decision = self.failed(record, Some(outcome));
        #[cfg(feature = "pacing")]
        self.block_after_failure(class, headers, &decision);
        decision
    }

    /// The attempt got no response: `failure` says whether the request may
    /// have reached the server. Records it and decides.
    pub fn failed_transport(&mut self, failure: TransportFailure) -> Decision {
        let record = Attempt {
            number: self.number(),
            status: None,
            code: None,
            request_id: None,
            class: failure.retry_class(),
            transport: Some(failure),
            delay: None,
        };
        self.failed(record, Some(Outcome::Transport(failure)))
    }

    /// The HTTP client refused the request as given (an invalid URL, a
    /// redirect loop): sending it again would not help. Records it and
    /// gives up with [`GiveUpReason::InvalidRequest`].
    pub fn failed_invalid(&mut self) -> Decision {
        let record = Attempt {
            number: self.number(),
            status: None,
            code: None,
            request_id: None,
            class: RetryClass::Never,
            transport: None,
            delay: None,
        };
        self.failed(record, None)
    }

    fn failed(&mut self, mut record: Attempt, outcome: Option<Outcome>) -> Decision {
        let decision = match &outcome {
            Some(outcome) => self.decide(outcome, record.number),
            None => Decision::GiveUp {
                reason: GiveUpReason::InvalidRequest,
                server_delay: None,
            },
        };
        let action = match decision {
            Decision::Retry { after, reason } => {
                record.delay = Some(after);
                Action::Retry { after, reason }
            }
            Decision::GiveUp {
                reason,
                server_delay,
            } => Action::GiveUp {
                reason,
                server_delay,
            },
        };
        self.report(&Event {
            provider: E::PROVIDER,
            api: E::API,
            method: &self.method,
            path: &self.path,
            attempt: record.number,
            status: record.status,
            code: record.code.as_deref(),
            request_id: record.request_id.as_deref(),
            class: Some(record.class),
            transport: record.transport,
            action,
        });
        self.records.push(record);
        decision
    }

    /// The policy's (or decider's) decision, then the loop's own limits: a
    /// request that cannot be sent again, and the retry budget (charged
    /// here).
    fn decide(&mut self, outcome: &Outcome, number: u32) -> Decision {
        let inner = &*self.retrier.inner;
        let context = RetryContext::new(outcome, number)
            .retry_safe(self.retry_safe)
            .elapsed(self.started.elapsed());
        let decider: &dyn RetryDecider = match &inner.decider {
            Some(decider) => decider.as_ref(),
            None => &inner.policy,
        };
        let decision = decider.decide(&context, &mut self.retrier.lock_rng());
        let Decision::Retry { after, reason } = decision else {
            return decision;
        };
        let server_delay = (reason == RetryReason::ServerDelay).then_some(after);
        if !self.replayable {
            return Decision::GiveUp {
                reason: GiveUpReason::NotReplayable,
                server_delay,
            };
        }
        #[cfg(feature = "pacing")]
        if self.paced.refused {
            return Decision::GiveUp {
                reason: GiveUpReason::BudgetExhausted,
                server_delay,
            };
        }
        if let Some(budget) = &inner.budget {
            match budget.try_acquire(outcome) {
                Some(cost) => self.spent += cost,
                None => {
                    return Decision::GiveUp {
                        reason: GiveUpReason::BudgetExhausted,
                        server_delay,
                    };
                }
            }
        }
        decision
    }

    fn report(&self, event: &Event<'_>) {
        if let Some(observer) = &self.retrier.inner.observer {
            observer.observe(event);
        }
        event.trace();
    }
}

/// Pacing: waiting for the scope's turn, and telling the store what each
/// response said (see the [module docs](self)).
#[cfg(feature = "pacing")]
impl<E: ApiError> Attempts<E> {
    /// The retrier's pacing and this request's scope (from `headers` the
    /// first time).
    fn scope_for(&mut self, headers: Option<&HeaderMap>) -> Option<(Pacing, Arc<Scope>)> {
        let pacing = self.retrier.inner.pacing.clone()?;
        if self.paced.scope.is_none() {
            self.paced.scope = Some(self.retrier.scope(headers?)?);
        }
        let scope = self.paced.scope.clone()?;
        Some((pacing, scope))
    }

    /// The longest a send is held for its scope's turn: the policy's
    /// maximum server delay, and what is left before its deadline.
    fn pacing_bound(&self) -> Duration {
        let policy = &self.retrier.inner.policy;
        let max = policy.max_server_delay();
        match policy.deadline() {
            Some(deadline) => max.min(deadline.saturating_sub(self.elapsed())),
            None => max,
        }
    }

    /// Names the request's scope from its headers, without taking a slot
    /// (for a loop whose first send was paced elsewhere).
    #[cfg(feature = "tower")]
    pub(crate) fn set_scope(&mut self, request_headers: &HeaderMap) {
        let _ = self.scope_for(Some(request_headers));
    }

    /// Tells the shared store of the block the last error response asked
    /// for (this process's state has it already).
    pub(crate) async fn share_block(&mut self) {
        if let (Some(delay), Some((pacing, scope))) =
            (self.paced.block.take(), self.scope_for(None))
        {
            pacing.block_shared(&scope, delay).await;
        }
    }

    /// For a loop that records results synchronously inside a tokio
    /// runtime (reqwest-retry's strategy): [`succeeded_with`](Self::succeeded_with),
    /// a spent window also told to the shared store by a task of its own.
    #[cfg(feature = "reqwest-middleware")]
    pub(crate) fn succeeded_detached(&mut self, status: StatusCode, headers: &HeaderMap) {
        self.succeeded(status);
        let max = self.retrier.inner.policy.max_server_delay();
        if let Some((pacing, scope)) = self.scope_for(None)
            && let Some(delay) = pacing::success_block::<E>(headers, max)
        {
            pacing.block_local(&scope, delay);
            pacing.block_shared_detached(&scope, delay);
        }
    }

    /// For the same loop, after a failure: tells the shared store of the
    /// block the response asked for (this process's state has it already)
    /// by a task of its own.
    #[cfg(feature = "reqwest-middleware")]
    pub(crate) fn share_block_detached(&mut self) {
        if let (Some(delay), Some((pacing, scope))) =
            (self.paced.block.take(), self.scope_for(None))
        {
            pacing.block_shared_detached(&scope, delay);
        }
    }

    /// For the same loop, after a [`Decision::Retry`] to wait `after`: the
    /// wait before the retry, `after` or longer if its scope's turn in this
    /// process's state comes later (the slot is taken), at most the
    /// pacing bound past `after`.
    #[cfg(feature = "reqwest-middleware")]
    pub(crate) fn retry_turn(&mut self, after: Duration) -> Duration {
        let bound = self.pacing_bound();
        match self.scope_for(None) {
            Some((pacing, scope)) => pacing.hold_local_after(&scope, after, bound),
            None => after,
        }
    }

    /// For a blocking loop: how long to sleep before sending, with the
    /// request's headers (their credentials name its scope; never kept).
    /// Reads and takes this process's pacing state only.
    pub fn hold(&mut self, request_headers: &HeaderMap) -> Duration {
        let bound = self.pacing_bound();
        match self.scope_for(Some(request_headers)) {
            Some((pacing, scope)) => pacing.hold_local(&scope, bound),
            None => Duration::ZERO,
        }
    }

    /// For an async loop: waits for the scope's turn before sending, with
    /// the request's headers, asking the shared store if there is one.
    pub async fn wait_turn(&mut self, request_headers: &HeaderMap) {
        let Some(pacing) = self.retrier.inner.pacing.as_ref() else {
            return;
        };
        if self.paced.scope.is_none() {
            self.paced.scope = self.retrier.scope(request_headers);
        }
        let Some(scope) = &self.paced.scope else {
            return;
        };
        if pacing.is_shared() {
            pacing.wait_turn(scope, self.pacing_bound()).await;
        } else if !pacing.is_free_locally(scope) {
            // This process's state alone: the turn is known without
            // polling the store's future.
            let wait = pacing.hold_local(scope, self.pacing_bound());
            if !wait.is_zero() {
                tokio::time::sleep(wait).await;
            }
        }
    }

    /// [`succeeded`](Self::succeeded), reading the response's rate-limit
    /// headers into this process's pacing state (a spent window blocks the
    /// scope until its reset).
    pub fn succeeded_with(&mut self, status: StatusCode, headers: &HeaderMap) {
        self.succeeded(status);
        let max = self.retrier.inner.policy.max_server_delay();
        if let Some((pacing, scope)) = self.scope_for(None)
            && let Some(delay) = pacing::success_block::<E>(headers, max)
        {
            pacing.block_local(&scope, delay);
        }
    }

    /// [`succeeded_with`](Self::succeeded_with), also telling the shared
    /// store, and giving the account's budget back what the retries took.
    pub async fn succeeded_paced(&mut self, status: StatusCode, headers: &HeaderMap) {
        self.succeeded(status);
        let spent = std::mem::take(&mut self.paced.spent);
        let inner = &*self.retrier.inner;
        let (Some(pacing), Some(scope)) = (&inner.pacing, &self.paced.scope) else {
            return;
        };
        let max = inner.policy.max_server_delay();
        if let Some(delay) = pacing::success_block::<E>(headers, max) {
            pacing.block_local(scope, delay);
            pacing.block_shared(scope, delay).await;
        }
        if !pacing.has_budget() {
            return;
        }
        let refund = match spent {
            0 if pacing.budget_low() => RetryBudget::SUCCESS_REFUND,
            0 => 0,
            spent => spent,
        };
        if refund > 0 {
            pacing.deposit(scope, refund).await;
        }
    }

    /// [`failed_response`](Self::failed_response), first taking the
    /// retry's tokens from the account's budget (a refusal gives up with
    /// [`GiveUpReason::BudgetExhausted`]), then telling the shared store
    /// of the block the response asked for.
    pub async fn failed_response_paced(&mut self, error: &E, headers: &HeaderMap) -> Decision {
        let class = error.retry_class();
        let charged = self.charge(class, RetryBudget::RETRY_COST).await;
        let decision = self.failed_response(error, headers);
        self.settle(charged, RetryBudget::RETRY_COST, &decision)
            .await;
        self.share_block().await;
        decision
    }

    /// [`failed_transport`](Self::failed_transport), first taking the
    /// retry's tokens from the account's budget.
    pub async fn failed_transport_paced(&mut self, failure: TransportFailure) -> Decision {
        let cost = RetryBudget::TRANSPORT_FAILURE_COST;
        let charged = self.charge(failure.retry_class(), cost).await;
        let decision = self.failed_transport(failure);
        self.settle(charged, cost, &decision).await;
        decision
    }

    /// Takes a retry's `cost` from the account's budget before deciding,
    /// when the failure may be retried at all; whether it was granted.
    async fn charge(&mut self, class: RetryClass, cost: u32) -> Option<bool> {
        let retryable = match class {
            RetryClass::Never => false,
            RetryClass::Ambiguous => self.retry_safe,
            RetryClass::Backoff | RetryClass::Throttled => true,
        };
        if !retryable || self.number() >= self.retrier.inner.policy.max_attempts() {
            return None;
        }
        let (pacing, scope) = self.scope_for(None)?;
        if !pacing.has_budget() {
            return None;
        }
        let granted = pacing.spend(&scope, cost).await;
        self.paced.refused = !granted;
        Some(granted)
    }

    /// Keeps granted tokens for a retry, or puts them back.
    async fn settle(&mut self, charged: Option<bool>, cost: u32, decision: &Decision) {
        self.paced.refused = false;
        if charged != Some(true) {
            return;
        }
        if matches!(decision, Decision::Retry { .. }) {
            self.paced.spent += cost;
        } else if let Some((pacing, scope)) = self.scope_for(None) {
            pacing.deposit(&scope, cost).await;
        }
    }

    /// Blocks the scope in this process for what an error response asked
    /// (kept for [`failed_response_paced`](Self::failed_response_paced)
    /// to tell the shared store).
    fn block_after_failure(&mut self, class: RetryClass, headers: &HeaderMap, decision: &Decision) {
        self.paced.block = None;
        let Some((pacing, scope)) = self.scope_for(None) else {
            return;
        };
        let hints = E::read_delay_hints(headers);
        let max = self.retrier.inner.policy.max_server_delay();
        if let Some(delay) = pacing::failure_block(class, &hints, decision, max) {
            pacing.block_local(&scope, delay);
            self.paced.block = Some(delay);
        }
    }
}
