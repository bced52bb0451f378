//! Retry decisions: when to try again, how long to wait, and when to stop.
//!
//! A [`RetryPolicy`] is plain configuration; [`RetryPolicy::decide`] turns
//! one failed attempt ([`Outcome`], in a [`RetryContext`]) into a
//! [`Decision`]. A [`RetryDecider`] (a closure, through [`from_fn`]) replaces
//! that decision with the caller's own. The shared state
//! that limits retries across requests is a separate [`RetryBudget`](crate::RetryBudget).
//!
//! ```
//! use std::time::Duration;
//! use errspec::policy::{Decision, Outcome, RetryContext, RetryPolicy, TransportFailure};
//!
//! let policy = RetryPolicy::builder()
//!     .max_attempts(4)
//!     .max_backoff(Duration::from_secs(10))
//!     .build()?;
//! let outcome = Outcome::Transport(TransportFailure::NotSent);
//! match policy.decide(&RetryContext::new(&outcome, 1)) {
//!     Decision::Retry { after, .. } => assert!(after <= Duration::from_secs(1)),
//!     Decision::GiveUp { reason, .. } => panic!("unexpected: {reason}"),
//! }
//! # Ok::<(), errspec::policy::InvalidRetryPolicy>(())
//! ```

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use crate::{ApiError, DelayHints, RetryClass};

/// The random generator jitter is drawn from (`fastrand`'s), re-exported so
/// a [`RetryDecider`] can name it without depending on `fastrand`.
pub use fastrand::Rng;

/// How a transport-level failure (no HTTP response) bears on retrying.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransportFailure {
    /// The request never reached the server (connection refused, DNS
    /// failure, TLS handshake failure): safe to retry with backoff.
    NotSent,
    /// The request may have reached the server (timeout, connection lost
    /// after sending): retried only when idempotent or keyed.
    MaybeSent,
}

impl TransportFailure {
    /// The retry class a failure of this kind behaves as:
    /// [`RetryClass::Backoff`] or [`RetryClass::Ambiguous`].
    pub const fn retry_class(self) -> RetryClass {
        match self {
            TransportFailure::NotSent => RetryClass::Backoff,
            TransportFailure::MaybeSent => RetryClass::Ambiguous,
        }
    }
}

impl fmt::Display for TransportFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TransportFailure::NotSent => "the request was not sent",
            TransportFailure::MaybeSent => "the request may have been sent",
        })
    }
}

/// One failed attempt, as far as retrying is concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The server answered with an error response.
    Api {
        /// The error's retry class.
        class: RetryClass,
        /// The response's delay hints.
        delay_hints: DelayHints,
    },
    /// No response: the connection failed or timed out.
    Transport(TransportFailure),
}

impl Outcome {
    /// The outcome of a decoded API error, with the hints the error kept
    /// ([`ApiError::delay_hints`]). A type that keeps none reports none; when the
    /// response headers are at hand, prefer [`Outcome::api_with_headers`].
    pub fn api<E: ApiError>(error: &E) -> Outcome {
        Outcome::Api {
            class: error.retry_class(),
            delay_hints: error.delay_hints(),
        }
    }

    /// The outcome of a decoded API error, with delay hints read from the
    /// response headers by the API's own reader ([`ApiError::read_delay_hints`]),
    /// whatever fields the error type keeps.
    pub fn api_with_headers<E: ApiError>(error: &E, headers: &http::HeaderMap) -> Outcome {
        Outcome::Api {
            class: error.retry_class(),
            delay_hints: {
                // The headers as the API reads them, and any delay the
                // error found in its body.
                let mut hints = E::read_delay_hints(headers);
                let kept = error.delay_hints();
                for sourced in [kept.longest, kept.latest].into_iter().flatten() {
                    hints.offer(sourced.delay, sourced.source);
                }
                hints
            },
        }
    }

    /// The retry class this outcome behaves as.
    pub fn class(&self) -> RetryClass {
        match *self {
            Outcome::Api { class, .. } => class,
            Outcome::Transport(failure) => failure.retry_class(),
        }
    }
}

impl<E: ApiError> From<&E> for Outcome {
    fn from(error: &E) -> Outcome {
        Outcome::api(error)
    }
}

impl From<TransportFailure> for Outcome {
    fn from(failure: TransportFailure) -> Outcome {
        Outcome::Transport(failure)
    }
}

/// Why a request is retried.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RetryReason {
    /// A transient error: exponential backoff.
    Transient,
    /// The request never left: exponential backoff.
    NotSent,
    /// Waiting as long as the server asked (a throttled error, or one whose
    /// server delay is longer than the backoff).
    ServerDelay,
    /// Throttled without a usable delay: exponential backoff.
    ThrottledWithoutDelay,
    /// The request may have been processed, but repeating it is safe
    /// (idempotent or keyed): exponential backoff.
    RetrySafe,
}

impl fmt::Display for RetryReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RetryReason::Transient => "transient error, backing off",
            RetryReason::NotSent => "the request was not sent, backing off",
            RetryReason::ServerDelay => "throttled, waiting as the server asked",
            RetryReason::ThrottledWithoutDelay => "throttled without a usable delay, backing off",
            RetryReason::RetrySafe => {
                "the request may have been processed but is idempotent or keyed, backing off"
            }
        })
    }
}

/// Why a request is not retried.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum GiveUpReason {
    /// The error's class is [`RetryClass::Never`]: the request must change.
    NotRetryable,
    /// The request may have been processed, and it is neither idempotent
    /// nor carries an idempotency key: repeating it could do it twice.
    NotRetrySafe,
    /// The policy's maximum number of attempts was reached.
    AttemptsExhausted {
        /// Attempts made, counting the first.
        attempts: u32,
    },
    /// The server asked for a longer wait than the policy allows.
    ServerDelayTooLong {
        /// What the server asked for.
        delay: Duration,
        /// The policy's [`RetryPolicy::max_server_delay`].
        max: Duration,
    },
    /// Waiting would leave no time before the policy's total deadline.
    DeadlineExceeded {
        /// The wait before the next attempt.
        wait: Duration,
        /// Time left before the deadline.
        remaining: Duration,
    },
    /// The shared [`RetryBudget`](crate::RetryBudget) has no tokens left for a retry.
    BudgetExhausted,
    /// The request's body is a stream that cannot be sent again.
    NotReplayable,
    /// The request could not be built or is not valid as given; sending it
    /// again would not help.
    InvalidRequest,
}

impl fmt::Display for GiveUpReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            GiveUpReason::NotRetryable => f.write_str("the error is not retryable"),
            GiveUpReason::NotRetrySafe => f.write_str(
                "the request may have been processed and is neither idempotent nor keyed, \
                 so it was not repeated",
            ),
            GiveUpReason::AttemptsExhausted { attempts } => {
                write!(f, "gave up after {attempts} attempts (the maximum)")
            }
            GiveUpReason::ServerDelayTooLong { delay, max } => write!(
                f,
                "the server asked to wait {}, more than the {} allowed",
                Secs(delay),
                Secs(max)
            ),
            GiveUpReason::DeadlineExceeded { wait, remaining } => write!(
                f,
                "waiting {} would pass the deadline ({} left)",
                Secs(wait),
                Secs(remaining)
            ),
            GiveUpReason::BudgetExhausted => f.write_str("the retry budget is exhausted"),
            GiveUpReason::NotReplayable => {
                f.write_str("the request body is a stream and cannot be sent again")
            }
            GiveUpReason::InvalidRequest => f.write_str("the request is not valid as given"),
        }
    }
}

/// Formats a duration in seconds, briefly: `2s`, `1.5s`, `0.25s`.
struct Secs(Duration);

impl fmt::Display for Secs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.subsec_nanos() == 0 {
            write!(f, "{}s", self.0.as_secs())
        } else {
            write!(f, "{}s", self.0.as_secs_f64())
        }
    }
}

/// What to do after a failed attempt.
#[must_use]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Try again after waiting `after`.
    Retry {
        /// The wait before the next attempt.
        after: Duration,
        /// Why.
        reason: RetryReason,
    },
    /// Stop and report the error.
    GiveUp {
        /// Why.
        reason: GiveUpReason,
        /// The wait the server asked for, when it did (for a throttled
        /// error): callers may reschedule the work themselves.
        server_delay: Option<Duration>,
    },
}

/// Everything a retry decision is made from: the failed attempt's
/// [`Outcome`], how many attempts were made, whether repeating the request is
/// safe, the wall clock and the time spent so far.
///
/// The input of [`RetryPolicy::decide`] and of a custom [`RetryDecider`].
/// It is `#[non_exhaustive]`: build it with [`RetryContext::new`] and the
/// setters, read its fields directly. Inputs added later get a default in
/// `new`, so code that builds a context keeps compiling.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use errspec::policy::{Outcome, RetryContext, TransportFailure};
///
/// let outcome = Outcome::Transport(TransportFailure::MaybeSent);
/// let context = RetryContext::new(&outcome, 1)
///     .retry_safe(true)
///     .now(SystemTime::UNIX_EPOCH)
///     .elapsed(Duration::from_millis(250));
/// assert_eq!((context.attempts, context.retry_safe), (1, true));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryContext<'a> {
    /// How the attempt failed.
    pub outcome: &'a Outcome,
    /// Attempts made so far, counting the first: 1 after the first failure.
    pub attempts: u32,
    /// The operation is idempotent or carries an idempotency key, so an
    /// ambiguous failure may be retried (default `false`).
    pub retry_safe: bool,
    /// The wall clock, for `Retry-After` dates and rate-limit reset times
    /// (default: [`SystemTime::now`] when the context was made).
    pub now: SystemTime,
    /// Time since the first attempt started, for the deadline (default
    /// zero).
    pub elapsed: Duration,
}

impl<'a> RetryContext<'a> {
    /// The context of attempt number `attempts` (counting the first) that
    /// ended in `outcome`: not retry-safe, `now` read from the clock, no
    /// time elapsed.
    pub fn new(outcome: &'a Outcome, attempts: u32) -> RetryContext<'a> {
        RetryContext {
            outcome,
            attempts,
            retry_safe: false,
            now: SystemTime::now(),
            elapsed: Duration::ZERO,
        }
    }

    /// Whether repeating the request is safe: it is idempotent or carries
    /// an idempotency key.
    #[must_use]
    pub fn retry_safe(mut self, retry_safe: bool) -> Self {
        self.retry_safe = retry_safe;
        self
    }

    /// The wall clock to read dates against.
    #[must_use]
    pub fn now(mut self, now: SystemTime) -> Self {
        self.now = now;
        self
    }

    /// Time since the first attempt started.
    #[must_use]
    pub fn elapsed(mut self, elapsed: Duration) -> Self {
        self.elapsed = elapsed;
        self
    }
}

/// A retry decision a user supplies in place of [`RetryPolicy`]'s: the
/// same inputs ([`RetryContext`]), the same answer ([`Decision`]).
///
/// [`Client`](crate::Client) (and the other integrations) still enforce what
/// is not the decider's call: a request whose body cannot be sent again is
/// not retried, a retry takes tokens from the [`RetryBudget`](crate::RetryBudget), and the
/// [`RetryPolicy`]'s per-attempt timeout and deadline cut attempts.
///
/// A closure is a decider through [`from_fn`]; [`RetryPolicy`] is one
/// itself, so a custom decider can delegate to it:
///
/// ```
/// use std::time::Duration;
/// use errspec::policy::{self, Decision, GiveUpReason, Outcome, RetryContext, RetryDecider, RetryPolicy};
/// use errspec::RetryClass;
///
/// // The default policy, but a throttled response is never retried.
/// let standard = RetryPolicy::default();
/// let decider = policy::from_fn(move |context: &RetryContext<'_>, rng: &mut policy::Rng| {
///     if context.outcome.class() == RetryClass::Throttled {
///         return Decision::GiveUp { reason: GiveUpReason::NotRetryable, server_delay: None };
///     }
///     standard.decide_with_rng(context, rng)
/// });
/// let outcome = Outcome::Api { class: RetryClass::Throttled, delay_hints: Default::default() };
/// let context = RetryContext::new(&outcome, 1);
/// assert!(matches!(
///     decider.decide(&context, &mut policy::Rng::with_seed(1)),
///     Decision::GiveUp { reason: GiveUpReason::NotRetryable, .. }
/// ));
/// ```
pub trait RetryDecider: Send + Sync + fmt::Debug {
    /// What to do after the failed attempt `context` describes. Jitter, if
    /// any, is drawn from `rng` (seeded by
    /// [`ClientBuilder::jitter_seed`](crate::client::ClientBuilder::jitter_seed)
    /// for reproducible runs).
    fn decide(&self, context: &RetryContext<'_>, rng: &mut Rng) -> Decision;
}

impl RetryDecider for RetryPolicy {
    fn decide(&self, context: &RetryContext<'_>, rng: &mut Rng) -> Decision {
        self.decide_with_rng(context, rng)
    }
}

impl<D: RetryDecider + ?Sized> RetryDecider for Arc<D> {
    fn decide(&self, context: &RetryContext<'_>, rng: &mut Rng) -> Decision {
        (**self).decide(context, rng)
    }
}

/// A [`RetryDecider`] from a closure; see [`from_fn`].
#[derive(Clone, Copy)]
pub struct FromFn<F>(F);

impl<F> fmt::Debug for FromFn<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("FromFn(..)")
    }
}

impl<F> RetryDecider for FromFn<F>
where
    F: Fn(&RetryContext<'_>, &mut Rng) -> Decision + Send + Sync,
{
    fn decide(&self, context: &RetryContext<'_>, rng: &mut Rng) -> Decision {
        (self.0)(context, rng)
    }
}

/// A [`RetryDecider`] that calls `decide` with each failed attempt's
/// context and a random generator for jitter.
pub fn from_fn<F>(decide: F) -> FromFn<F>
where
    F: Fn(&RetryContext<'_>, &mut Rng) -> Decision + Send + Sync,
{
    FromFn(decide)
}

/// How much randomness to add to backoff delays.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Jitter {
    /// "Full jitter": a uniformly random delay between zero and the
    /// exponential ceiling. Spreads out clients that failed together.
    #[default]
    Full,
    /// The exponential ceiling itself, deterministic.
    None,
}

/// An invalid [`RetryPolicyBuilder`] setting.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum InvalidRetryPolicy {
    /// `max_attempts(0)`: the count includes the first attempt.
    ZeroAttempts,
    /// The multiplier is below 1, infinite or NaN.
    Multiplier(f64),
    /// `attempt_timeout(Duration::ZERO)`: every attempt would time out.
    ZeroAttemptTimeout,
}

impl fmt::Display for InvalidRetryPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InvalidRetryPolicy::ZeroAttempts => {
                f.write_str("max_attempts must be at least 1 (it counts the first attempt)")
            }
            InvalidRetryPolicy::Multiplier(m) => write!(
                f,
                "the backoff multiplier must be a finite number of at least 1, not {m}"
            ),
            InvalidRetryPolicy::ZeroAttemptTimeout => {
                f.write_str("the per-attempt timeout must be greater than zero")
            }
        }
    }
}

impl std::error::Error for InvalidRetryPolicy {}

/// When and how long to retry.
///
/// The defaults follow the AWS SDKs' *standard* retry mode, a widely
/// deployed, well-studied reference:
///
/// | knob | default | why |
/// |---|---|---|
/// | [`max_attempts`](RetryPolicyBuilder::max_attempts) | 3 | the first attempt and two retries: rides out a blip without tripling load for long |
/// | [`base_delay`](RetryPolicyBuilder::base_delay) | 1 s | the ceiling of the first backoff |
/// | [`multiplier`](RetryPolicyBuilder::multiplier) | 2 | doubling ceilings: 1 s, 2 s, 4 s, … |
/// | [`max_backoff`](RetryPolicyBuilder::max_backoff) | 20 s | no single backoff longer than this |
/// | [`jitter`](RetryPolicyBuilder::jitter) | [`Jitter::Full`] | de-synchronises clients that failed together |
/// | [`max_server_delay`](RetryPolicyBuilder::max_server_delay) | 60 s | a longer `Retry-After` is reported at once rather than waited out |
/// | [`deadline`](RetryPolicyBuilder::deadline) | none | |
/// | [`attempt_timeout`](RetryPolicyBuilder::attempt_timeout) | none | the HTTP client's own timeouts apply |
///
/// ```
/// use std::time::Duration;
/// use errspec::policy::{Jitter, RetryPolicy};
///
/// let policy = RetryPolicy::builder()
///     .max_attempts(5)
///     .base_delay(Duration::from_millis(200))
///     .max_backoff(Duration::from_secs(5))
///     .jitter(Jitter::Full)
///     .deadline(Duration::from_secs(30))
///     .attempt_timeout(Duration::from_secs(10))
///     .build()?;
/// assert_eq!(policy.max_attempts(), 5);
/// assert_eq!(RetryPolicy::default().max_attempts(), 3);
/// # Ok::<(), errspec::policy::InvalidRetryPolicy>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct RetryPolicy {
    max_attempts: u32,
    base_delay: Duration,
    multiplier: f64,
    max_backoff: Duration,
    jitter: Jitter,
    max_server_delay: Duration,
    deadline: Option<Duration>,
    attempt_timeout: Option<Duration>,
}

impl Default for RetryPolicy {
    fn default() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_secs(1),
            multiplier: 2.0,
            max_backoff: Duration::from_secs(20),
            jitter: Jitter::Full,
            max_server_delay: Duration::from_secs(60),
            deadline: None,
            attempt_timeout: None,
        }
    }
}

impl RetryPolicy {
    /// A builder starting from the defaults.
    pub fn builder() -> RetryPolicyBuilder {
        RetryPolicyBuilder {
            policy: RetryPolicy::default(),
        }
    }

    /// A policy that never retries: one attempt.
    pub fn no_retries() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// The most attempts per request, counting the first.
    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The ceiling of the first backoff.
    pub fn base_delay(&self) -> Duration {
        self.base_delay
    }

    /// The factor between successive backoff ceilings.
    pub fn multiplier(&self) -> f64 {
        self.multiplier
    }

    /// The longest single backoff.
    pub fn max_backoff(&self) -> Duration {
        self.max_backoff
    }

    /// The backoff jitter.
    pub fn jitter(&self) -> Jitter {
        self.jitter
    }

    /// The longest server-requested delay the policy waits for.
    pub fn max_server_delay(&self) -> Duration {
        self.max_server_delay
    }

    /// The total time budget of one request, retries and waits included.
    pub fn deadline(&self) -> Option<Duration> {
        self.deadline
    }

    /// The time limit of each attempt.
    pub fn attempt_timeout(&self) -> Option<Duration> {
        self.attempt_timeout
    }

    /// Decides what to do after the failed attempt `context` describes
    /// (see [`RetryContext`]).
    ///
    /// Rules, in order:
    /// 1. [`RetryClass::Never`]: give up.
    /// 2. [`RetryClass::Ambiguous`] (or [`TransportFailure::MaybeSent`])
    ///    when not [`retry_safe`](RetryContext::retry_safe): give up, saying so.
    /// 3. [`attempts`](RetryContext::attempts) reached
    ///    [`max_attempts`](Self::max_attempts): give up.
    /// 4. A server delay ([`DelayHints::server_delay`] at
    ///    [`now`](RetryContext::now)) longer than
    ///    [`max_server_delay`](Self::max_server_delay): give up at once,
    ///    carrying the delay.
    /// 5. [`RetryClass::Throttled`] with a server delay: wait exactly that
    ///    long (never less).
    /// 6. Otherwise exponential backoff: a ceiling of
    ///    `base_delay * multiplier^(attempts - 1)`, capped at
    ///    [`max_backoff`](Self::max_backoff), with the configured jitter —
    ///    but never shorter than a server delay: whatever the class, a
    ///    response that says how long to wait is not retried sooner
    ///    (`max(backoff, server delay)`).
    /// 7. A wait that reaches past the [`deadline`](Self::deadline), counted
    ///    from [`elapsed`](RetryContext::elapsed): give up at once (carrying
    ///    a server delay, if that was the wait).
    ///
    /// Jitter comes from a thread-local generator; see
    /// [`decide_with_rng`](Self::decide_with_rng) for a deterministic one.
    pub fn decide(&self, context: &RetryContext<'_>) -> Decision {
        self.decide_with_rng(context, &mut fastrand::Rng::new())
    }

    /// [`decide`](Self::decide) drawing jitter from `rng`; with a seeded
    /// generator (`fastrand::Rng::with_seed`) decisions are reproducible.
    pub fn decide_with_rng(&self, context: &RetryContext<'_>, rng: &mut Rng) -> Decision {
        let RetryContext {
            outcome,
            attempts,
            retry_safe,
            now,
            elapsed,
        } = *context;
        let class = outcome.class();
        let server_delay = match outcome {
            Outcome::Api { delay_hints, .. } => delay_hints.server_delay(now),
            Outcome::Transport(_) => None,
        };
        let give_up = |reason| Decision::GiveUp {
            reason,
            server_delay,
        };
        match class {
            RetryClass::Never => {
                return Decision::GiveUp {
                    reason: GiveUpReason::NotRetryable,
                    server_delay: None,
                };
            }
            RetryClass::Ambiguous if !retry_safe => {
                return Decision::GiveUp {
                    reason: GiveUpReason::NotRetrySafe,
                    server_delay: None,
                };
            }
            _ => {}
        }
        if attempts >= self.max_attempts {
            return give_up(GiveUpReason::AttemptsExhausted { attempts });
        }
        let (after, reason) = match server_delay {
            Some(delay) if delay > self.max_server_delay => {
                return give_up(GiveUpReason::ServerDelayTooLong {
                    delay,
                    max: self.max_server_delay,
                });
            }
            Some(delay) if class == RetryClass::Throttled => (delay, RetryReason::ServerDelay),
            _ => {
                let reason = match (outcome, class) {
                    (Outcome::Transport(TransportFailure::NotSent), _) => RetryReason::NotSent,
                    (_, RetryClass::Throttled) => RetryReason::ThrottledWithoutDelay,
                    (_, RetryClass::Ambiguous) => RetryReason::RetrySafe,
                    _ => RetryReason::Transient,
                };
                let backoff = self.backoff(attempts, rng);
                match server_delay {
                    // Never sooner than the server asked, whatever the class.
                    Some(delay) if delay >= backoff => (delay, RetryReason::ServerDelay),
                    _ => (backoff, reason),
                }
            }
        };
        if let Some(deadline) = self.deadline {
            let remaining = deadline.saturating_sub(elapsed);
            // Waiting until the deadline leaves no time for the attempt.
            if after >= remaining {
                return give_up(GiveUpReason::DeadlineExceeded {
                    wait: after,
                    remaining,
                });
            }
        }
        Decision::Retry { after, reason }
    }

    /// The exponential ceiling after `attempts` attempts, without jitter:
    /// `base_delay * multiplier^(attempts - 1)`, at most `max_backoff`.
    pub fn backoff_ceiling(&self, attempts: u32) -> Duration {
        if self.base_delay.is_zero() {
            return Duration::ZERO;
        }
        let exponent = i32::try_from(attempts.saturating_sub(1)).unwrap_or(i32::MAX);
        let secs = self.base_delay.as_secs_f64() * self.multiplier.powi(exponent);
        // NaN and infinity fail the comparison and take the cap.
        if secs < self.max_backoff.as_secs_f64() {
            Duration::try_from_secs_f64(secs).map_or(self.max_backoff, |d| d.min(self.max_backoff))
        } else {
            self.max_backoff
        }
    }

    fn backoff(&self, attempts: u32, rng: &mut fastrand::Rng) -> Duration {
        let ceiling = self.backoff_ceiling(attempts);
        match self.jitter {
            Jitter::None => ceiling,
            Jitter::Full => {
                let nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
                Duration::from_nanos(rng.u64(0..=nanos))
            }
        }
    }
}

/// Builds a [`RetryPolicy`]; every setter documents its default.
#[derive(Clone, Debug)]
#[must_use]
pub struct RetryPolicyBuilder {
    policy: RetryPolicy,
}

impl RetryPolicyBuilder {
    /// The most attempts per request, counting the first (default 3).
    /// `1` disables retries; `0` is rejected by [`build`](Self::build).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.policy.max_attempts = attempts;
        self
    }

    /// The ceiling of the first backoff (default 1 s).
    pub fn base_delay(mut self, delay: Duration) -> Self {
        self.policy.base_delay = delay;
        self
    }

    /// The factor between successive backoff ceilings (default 2); at
    /// least 1.
    pub fn multiplier(mut self, multiplier: f64) -> Self {
        self.policy.multiplier = multiplier;
        self
    }

    /// The longest single backoff (default 20 s).
    pub fn max_backoff(mut self, delay: Duration) -> Self {
        self.policy.max_backoff = delay;
        self
    }

    /// The backoff jitter (default [`Jitter::Full`]).
    pub fn jitter(mut self, jitter: Jitter) -> Self {
        self.policy.jitter = jitter;
        self
    }

    /// The longest server-requested delay (`Retry-After`, rate-limit reset)
    /// the policy waits for (default 60 s). A longer one ends the request
    /// at once with the delay in the error, so the caller can reschedule.
    pub fn max_server_delay(mut self, delay: Duration) -> Self {
        self.policy.max_server_delay = delay;
        self
    }

    /// The total time budget of one request, attempts and waits included
    /// (default none). A wait that would reach it ends the request instead.
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.policy.deadline = Some(deadline);
        self
    }

    /// The time limit of each attempt (default none). An attempt that runs
    /// out counts as [`TransportFailure::MaybeSent`].
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.policy.attempt_timeout = Some(timeout);
        self
    }

    /// Checks the settings.
    pub fn build(self) -> Result<RetryPolicy, InvalidRetryPolicy> {
        let policy = self.policy;
        if policy.max_attempts == 0 {
            return Err(InvalidRetryPolicy::ZeroAttempts);
        }
        if !(policy.multiplier.is_finite() && policy.multiplier >= 1.0) {
            return Err(InvalidRetryPolicy::Multiplier(policy.multiplier));
        }
        if policy.attempt_timeout == Some(Duration::ZERO) {
            return Err(InvalidRetryPolicy::ZeroAttemptTimeout);
        }
        Ok(policy)
    }
}

#[cfg(test)]
mod tests {
    use std::time::UNIX_EPOCH;

    use proptest::prelude::*;

    use super::*;
    use crate::{RateLimitReset, RetryAfter, RetryBudget};

    fn secs(n: u64) -> Duration {
        Duration::from_secs(n)
    }

    fn now() -> SystemTime {
        UNIX_EPOCH + secs(1_700_000_000)
    }

    fn api(class: RetryClass) -> Outcome {
        Outcome::Api {
            class,
            delay_hints: DelayHints::default(),
        }
    }

    fn throttled(retry_after: u64) -> Outcome {
        Outcome::Api {
            class: RetryClass::Throttled,
            delay_hints: DelayHints {
                retry_after: Some(RetryAfter::Seconds(retry_after)),
                ..DelayHints::default()
            },
        }
    }

    fn no_jitter() -> RetryPolicy {
        RetryPolicy::builder().jitter(Jitter::None).build().unwrap()
    }

    fn decide(policy: &RetryPolicy, outcome: &Outcome, attempts: u32, safe: bool) -> Decision {
        policy.decide_with_rng(
            &context(outcome, attempts, safe),
            &mut fastrand::Rng::with_seed(7),
        )
    }

    fn context(outcome: &Outcome, attempts: u32, safe: bool) -> RetryContext<'_> {
        RetryContext::new(outcome, attempts)
            .retry_safe(safe)
            .now(now())
    }

    #[test]
    fn a_server_delay_is_never_undercut_whatever_the_class() {
        let p = no_jitter();
        let with_delay = |class, secs_| Outcome::Api {
            class,
            delay_hints: DelayHints {
                retry_after: Some(RetryAfter::Seconds(secs_)),
                ..DelayHints::default()
            },
        };
        // Backoff ceiling after the first attempt is 1 s: a 5 s delay wins.
        for class in [RetryClass::Backoff, RetryClass::Ambiguous] {
            assert_eq!(
                decide(&p, &with_delay(class, 5), 1, true),
                Decision::Retry {
                    after: secs(5),
                    reason: RetryReason::ServerDelay
                },
                "{class}"
            );
        }
        // A shorter delay than the backoff: the backoff.
        assert_eq!(
            decide(&p, &with_delay(RetryClass::Backoff, 0), 2, true),
            Decision::Retry {
                after: secs(2),
                reason: RetryReason::Transient
            }
        );
        // Too long for the policy: reported, whatever the class.
        assert_eq!(
            decide(&p, &with_delay(RetryClass::Backoff, 600), 1, true),
            Decision::GiveUp {
                reason: GiveUpReason::ServerDelayTooLong {
                    delay: secs(600),
                    max: secs(60)
                },
                server_delay: Some(secs(600))
            }
        );
        // `never` still never retries.
        assert_eq!(
            decide(&p, &with_delay(RetryClass::Never, 5), 1, true),
            Decision::GiveUp {
                reason: GiveUpReason::NotRetryable,
                server_delay: None
            }
        );
    }

    #[test]
    fn defaults_follow_aws_standard_mode() {
        let p = RetryPolicy::default();
        assert_eq!(p.max_attempts(), 3);
        assert_eq!(p.base_delay(), secs(1));
        assert_eq!(p.multiplier(), 2.0);
        assert_eq!(p.max_backoff(), secs(20));
        assert_eq!(p.jitter(), Jitter::Full);
        assert_eq!(p.max_server_delay(), secs(60));
        assert_eq!(p.deadline(), None);
        assert_eq!(p.attempt_timeout(), None);
        assert_eq!(RetryPolicy::builder().build(), Ok(p));
        assert_eq!(RetryPolicy::no_retries().max_attempts(), 1);
    }

    #[test]
    fn builder_rejects_nonsense() {
        let b = RetryPolicy::builder;
        assert_eq!(
            b().max_attempts(0).build(),
            Err(InvalidRetryPolicy::ZeroAttempts)
        );
        assert_eq!(
            b().multiplier(0.5).build(),
            Err(InvalidRetryPolicy::Multiplier(0.5))
        );
        assert!(b().multiplier(f64::NAN).build().is_err());
        assert!(b().multiplier(f64::INFINITY).build().is_err());
        assert_eq!(
            b().attempt_timeout(Duration::ZERO).build(),
            Err(InvalidRetryPolicy::ZeroAttemptTimeout)
        );
        assert!(b().multiplier(1.0).max_attempts(1).build().is_ok());
    }

    #[test]
    fn never_gives_up() {
        let d = decide(
            &no_jitter(),
            &throttled(1).with_class(RetryClass::Never),
            1,
            true,
        );
        assert_eq!(
            d,
            Decision::GiveUp {
                reason: GiveUpReason::NotRetryable,
                server_delay: None
            }
        );
    }

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let p = no_jitter();
        let delays: Vec<_> = (1..=7).map(|n| p.backoff_ceiling(n)).collect();
        assert_eq!(delays, [1, 2, 4, 8, 16, 20, 20].map(secs));
        assert_eq!(p.backoff_ceiling(u32::MAX), secs(20));
        assert_eq!(p.backoff_ceiling(0), secs(1));
        let zero = RetryPolicy::builder()
            .base_delay(Duration::ZERO)
            .build()
            .unwrap();
        assert_eq!(zero.backoff_ceiling(50), Duration::ZERO);
        let d = decide(&p, &api(RetryClass::Backoff), 2, false);
        assert_eq!(
            d,
            Decision::Retry {
                after: secs(2),
                reason: RetryReason::Transient
            }
        );
    }

    #[test]
    fn full_jitter_is_deterministic_with_a_seed() {
        let p = RetryPolicy::default();
        let run = |seed| {
            let mut rng = fastrand::Rng::with_seed(seed);
            (1..3)
                .map(|n| p.decide_with_rng(&context(&api(RetryClass::Backoff), n, false), &mut rng))
                .collect::<Vec<_>>()
        };
        assert_eq!(run(42), run(42));
        for d in run(42) {
            let Decision::Retry { after, .. } = d else {
                panic!("{d:?}")
            };
            assert!(after <= secs(2));
        }
    }

    #[test]
    fn throttled_waits_as_asked() {
        let p = RetryPolicy::default();
        let d = decide(&p, &throttled(7), 1, false);
        assert_eq!(
            d,
            Decision::Retry {
                after: secs(7),
                reason: RetryReason::ServerDelay
            }
        );
        // Rate-limit reset, window spent.
        let reset = Outcome::Api {
            class: RetryClass::Throttled,
            delay_hints: DelayHints {
                rate_limit_remaining: Some(0),
                rate_limit_reset: Some(RateLimitReset::At(now() + secs(12))),
                ..DelayHints::default()
            },
        };
        assert_eq!(
            decide(&p, &reset, 1, false),
            Decision::Retry {
                after: secs(12),
                reason: RetryReason::ServerDelay
            }
        );
    }

    #[test]
    fn throttled_without_delay_backs_off() {
        let d = decide(&no_jitter(), &api(RetryClass::Throttled), 1, false);
        assert_eq!(
            d,
            Decision::Retry {
                after: secs(1),
                reason: RetryReason::ThrottledWithoutDelay
            }
        );
    }

    #[test]
    fn long_server_delay_gives_up_at_once_with_the_delay() {
        let d = decide(&RetryPolicy::default(), &throttled(99_999), 1, true);
        assert_eq!(
            d,
            Decision::GiveUp {
                reason: GiveUpReason::ServerDelayTooLong {
                    delay: secs(99_999),
                    max: secs(60)
                },
                server_delay: Some(secs(99_999)),
            }
        );
        let Decision::GiveUp { reason, .. } = d else {
            unreachable!()
        };
        assert_eq!(
            reason.to_string(),
            "the server asked to wait 99999s, more than the 60s allowed"
        );
    }

    #[test]
    fn ambiguous_needs_retry_safety() {
        let p = no_jitter();
        for outcome in [
            api(RetryClass::Ambiguous),
            Outcome::Transport(TransportFailure::MaybeSent),
        ] {
            assert_eq!(
                decide(&p, &outcome, 1, false),
                Decision::GiveUp {
                    reason: GiveUpReason::NotRetrySafe,
                    server_delay: None
                }
            );
            assert_eq!(
                decide(&p, &outcome, 1, true),
                Decision::Retry {
                    after: secs(1),
                    reason: RetryReason::RetrySafe
                }
            );
        }
        assert!(
            GiveUpReason::NotRetrySafe
                .to_string()
                .contains("neither idempotent nor keyed")
        );
    }

    #[test]
    fn not_sent_is_retried_without_retry_safety() {
        let d = decide(&no_jitter(), &TransportFailure::NotSent.into(), 1, false);
        assert_eq!(
            d,
            Decision::Retry {
                after: secs(1),
                reason: RetryReason::NotSent
            }
        );
    }

    #[test]
    fn attempts_cap() {
        let p = no_jitter();
        let d = decide(&p, &throttled(5), 3, true);
        assert_eq!(
            d,
            Decision::GiveUp {
                reason: GiveUpReason::AttemptsExhausted { attempts: 3 },
                server_delay: Some(secs(5))
            }
        );
        assert!(matches!(
            decide(
                &RetryPolicy::no_retries(),
                &api(RetryClass::Backoff),
                1,
                true
            ),
            Decision::GiveUp {
                reason: GiveUpReason::AttemptsExhausted { attempts: 1 },
                ..
            }
        ));
    }

    #[test]
    fn deadline() {
        let p = RetryPolicy::builder()
            .jitter(Jitter::None)
            .deadline(secs(10))
            .build()
            .unwrap();
        let at = |outcome: &Outcome, elapsed| {
            p.decide_with_rng(
                &context(outcome, 1, true).elapsed(elapsed),
                &mut fastrand::Rng::with_seed(1),
            )
        };
        assert!(matches!(
            at(&api(RetryClass::Backoff), secs(5)),
            Decision::Retry { .. }
        ));
        assert_eq!(
            at(&api(RetryClass::Backoff), secs(9)),
            Decision::GiveUp {
                reason: GiveUpReason::DeadlineExceeded {
                    wait: secs(1),
                    remaining: secs(1)
                },
                server_delay: None
            }
        );
        assert_eq!(
            at(&throttled(8), secs(5)),
            Decision::GiveUp {
                reason: GiveUpReason::DeadlineExceeded {
                    wait: secs(8),
                    remaining: secs(5)
                },
                server_delay: Some(secs(8))
            }
        );
        assert!(matches!(
            at(&api(RetryClass::Backoff), secs(60)),
            Decision::GiveUp {
                reason: GiveUpReason::DeadlineExceeded { .. },
                ..
            }
        ));
    }

    #[test]
    fn reasons_display() {
        let reasons = [
            GiveUpReason::NotRetryable,
            GiveUpReason::NotRetrySafe,
            GiveUpReason::AttemptsExhausted { attempts: 3 },
            GiveUpReason::ServerDelayTooLong {
                delay: Duration::from_millis(1500),
                max: secs(1),
            },
            GiveUpReason::DeadlineExceeded {
                wait: secs(2),
                remaining: Duration::from_millis(250),
            },
            GiveUpReason::BudgetExhausted,
            GiveUpReason::NotReplayable,
            GiveUpReason::InvalidRequest,
        ];
        let text: Vec<String> = reasons.iter().map(ToString::to_string).collect();
        assert_eq!(text[2], "gave up after 3 attempts (the maximum)");
        assert_eq!(
            text[3],
            "the server asked to wait 1.5s, more than the 1s allowed"
        );
        assert_eq!(text[4], "waiting 2s would pass the deadline (0.25s left)");
        assert!(text.iter().all(|t| !t.is_empty()));
        assert_eq!(
            RetryReason::ServerDelay.to_string(),
            "throttled, waiting as the server asked"
        );
        assert_eq!(
            TransportFailure::NotSent.to_string(),
            "the request was not sent"
        );
    }

    #[test]
    fn budget_accounting() {
        let budget = RetryBudget::new(12);
        let api = api(RetryClass::Backoff);
        let transport = Outcome::Transport(TransportFailure::MaybeSent);
        assert_eq!(budget.try_acquire(&api), Some(5));
        assert_eq!(budget.try_acquire(&transport), None, "7 left, 10 needed");
        assert_eq!(budget.available(), 7);
        assert_eq!(budget.try_acquire(&api), Some(5));
        assert_eq!(budget.try_acquire(&api), None);
        budget.record_success(10);
        assert_eq!(budget.available(), 12);
        budget.record_success(0);
        assert_eq!(budget.available(), 12, "never beyond capacity");
        let shared = budget.clone();
        assert_eq!(shared.try_acquire(&transport), Some(10));
        assert_eq!(budget.available(), 2);
        budget.record_success(0);
        assert_eq!(budget.available(), 3);
        assert_eq!(
            format!("{budget:?}"),
            "RetryBudget { available: 3, capacity: 12 }"
        );
    }

    #[test]
    fn budget_is_thread_safe() {
        let budget = RetryBudget::default();
        let outcome = api(RetryClass::Backoff);
        let acquired: u32 = std::thread::scope(|s| {
            let handles: Vec<_> = (0..8)
                .map(|_| {
                    s.spawn(|| {
                        let mut got = 0;
                        for _ in 0..100 {
                            if budget.try_acquire(&outcome).is_some() {
                                got += 1;
                            }
                        }
                        got
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).sum()
        });
        // 500 tokens at 5 apiece: exactly 100 retries, however interleaved.
        assert_eq!(acquired, 100);
        assert_eq!(budget.available(), 0);
        std::thread::scope(|s| {
            for _ in 0..8 {
                s.spawn(|| {
                    for _ in 0..100 {
                        budget.record_success(5);
                    }
                });
            }
        });
        assert_eq!(budget.available(), 500);
    }

    impl Outcome {
        fn with_class(self, class: RetryClass) -> Outcome {
            match self {
                Outcome::Api { delay_hints, .. } => Outcome::Api { class, delay_hints },
                other => other,
            }
        }
    }

    fn policy() -> impl Strategy<Value = RetryPolicy> {
        (
            1u32..10,
            0u64..5_000,
            1.0f64..10.0,
            0u64..60_000,
            prop_oneof![Just(Jitter::Full), Just(Jitter::None)],
            0u64..120,
        )
            .prop_map(|(attempts, base, mult, cap, jitter, max_server)| {
                RetryPolicy::builder()
                    .max_attempts(attempts)
                    .base_delay(Duration::from_millis(base))
                    .multiplier(mult)
                    .max_backoff(Duration::from_millis(cap))
                    .jitter(jitter)
                    .max_server_delay(secs(max_server))
                    .build()
                    .unwrap()
            })
    }

    fn outcome() -> impl Strategy<Value = Outcome> {
        let hints = (
            prop::option::of(0u64..200),
            prop::option::of(0u64..3),
            prop::option::of(0u64..200),
        )
            .prop_map(|(retry_after, remaining, reset)| DelayHints {
                retry_after: retry_after.map(RetryAfter::Seconds),
                rate_limit_remaining: remaining,
                rate_limit_reset: reset.map(RateLimitReset::After),
                ..DelayHints::default()
            });
        prop_oneof![
            (prop::sample::select(RetryClass::ALL.to_vec()), hints)
                .prop_map(|(class, delay_hints)| Outcome::Api { class, delay_hints }),
            Just(Outcome::Transport(TransportFailure::NotSent)),
            Just(Outcome::Transport(TransportFailure::MaybeSent)),
        ]
    }

    proptest! {
        #[test]
        fn backoff_delays_stay_within_the_cap(p in policy(), attempts in 1u32..200, seed: u64) {
            let mut rng = fastrand::Rng::with_seed(seed);
            let d = p.decide_with_rng(&context(&api(RetryClass::Backoff), attempts, false), &mut rng);
            match d {
                Decision::Retry { after, .. } => prop_assert!(after <= p.max_backoff()),
                Decision::GiveUp { reason, .. } => {
                    prop_assert_eq!(reason, GiveUpReason::AttemptsExhausted { attempts });
                    prop_assert!(attempts >= p.max_attempts());
                }
            }
        }

        #[test]
        fn throttled_delays_honour_the_server(p in policy(), retry_after in 0u64..200, seed: u64) {
            let mut rng = fastrand::Rng::with_seed(seed);
            let d = p.decide_with_rng(&context(&throttled(retry_after), 1, false), &mut rng);
            let asked = secs(retry_after);
            match d {
                Decision::Retry { after, reason } => {
                    prop_assert_eq!(reason, RetryReason::ServerDelay);
                    prop_assert!(after >= asked);
                    prop_assert!(after <= p.max_server_delay());
                }
                Decision::GiveUp { reason, server_delay } => {
                    prop_assert_eq!(server_delay, Some(asked));
                    prop_assert!(asked > p.max_server_delay() || p.max_attempts() == 1, "{reason}");
                }
            }
        }

        #[test]
        fn attempts_never_exceed_the_cap(
            p in policy(),
            outcomes in prop::collection::vec(outcome(), 1..30),
            safe: bool,
            seed: u64,
        ) {
            let mut rng = fastrand::Rng::with_seed(seed);
            let mut attempts = 1;
            for outcome in outcomes.iter().cycle().take(100) {
                match p.decide_with_rng(&context(outcome, attempts, safe), &mut rng) {
                    Decision::Retry { after, .. } => {
                        attempts += 1;
                        prop_assert!(after <= p.max_backoff().max(p.max_server_delay()));
                    }
                    Decision::GiveUp { .. } => break,
                }
                prop_assert!(attempts <= p.max_attempts());
            }
        }
    }
}
