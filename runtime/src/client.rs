//! A thin retrying wrapper over [`reqwest::Client`], driven by an API's
//! typed errors.
//!
//! [`Client::send`] sends a request, decodes error responses into `E`, asks
//! the [`RetryPolicy`] what to do, waits (with `tokio::time::sleep`), and
//! tries again, until success or a [`Failure`] that says why it stopped and
//! what every attempt saw. The loop is the sans-IO one of
//! [`retry`](crate::retry), so an [`Observer`]
//! sees every attempt and the `tracing` events are those described in
//! [`observe`](crate::observe): never header values, bodies, or the URL's
//! query.
//!
//! Build the `reqwest::Client` it wraps with [`http_client`]: `reqwest`'s
//! own defaults follow redirects (resending a POST, forwarding API-key
//! headers to other origins) and never time out. Set a per-attempt timeout
//! on the policy as well.

use std::fmt;
use std::future::Future;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use futures_util::future::Either;
use futures_util::{FutureExt as _, StreamExt};
use http::{HeaderName, HeaderValue};
use reqwest::ResponseBuilderExt;

use crate::ApiError;
use crate::budget::RetryBudget;
use crate::observe::Observer;
use crate::pacing::Pacing;
use crate::policy::{Decision, GiveUpReason, RetryDecider, RetryPolicy, TransportFailure};
pub use crate::retry::{Attempt, SendOptions};
use crate::retry::{Attempts, Redacted, Retrier, RetrierBuilder};
use errspec_core::idempotency::{BodyKey, place_in_json};

/// The default limit on how much of an error body is read: 1 MiB.
pub const DEFAULT_MAX_ERROR_BODY: usize = 1024 * 1024;

/// Something [`Client::send`] can send: a [`reqwest::Request`] or a
/// [`reqwest::RequestBuilder`].
///
/// A builder is only used for the request it builds: the client it came from
/// is not, the [`Client`]'s own `reqwest::Client` sends it.
pub trait IntoRequest {
    /// Builds the request.
    fn into_request(self) -> Result<reqwest::Request, reqwest::Error>;
}

impl IntoRequest for reqwest::Request {
    fn into_request(self) -> Result<reqwest::Request, reqwest::Error> {
        Ok(self)
    }
}

impl IntoRequest for reqwest::RequestBuilder {
    fn into_request(self) -> Result<reqwest::Request, reqwest::Error> {
        self.build()
    }
}

/// A failure without an HTTP response, or a request that could not be sent.
#[derive(Debug)]
#[non_exhaustive]
pub enum TransportError {
    /// Sending failed, or the response could not be received.
    Http {
        /// Whether the request may have reached the server.
        failure: TransportFailure,
        /// The HTTP client's error (its URL removed: it may hold secrets).
        source: reqwest::Error,
    },
    /// The attempt ran out of time (the policy's per-attempt timeout, or
    /// what was left before its deadline); the request may have been sent.
    Timeout(Duration),
    /// The request could not be built, or the HTTP client refused it
    /// (invalid URL): sending it again would not help.
    Invalid(reqwest::Error),
    /// The idempotency key (or the API's header name) is not valid in a
    /// header.
    InvalidIdempotencyKey {
        /// The API's idempotency header.
        header: &'static str,
    },
    /// The idempotency key breaks the API's rules (too long, not a UUID),
    /// or the request body cannot carry it (not a JSON object, a stream).
    IdempotencyKeyRefused(&'static str),
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TransportError::Http { failure, .. } => fmt::Display::fmt(failure, f),
            TransportError::Timeout(after) => write!(
                f,
                "the attempt timed out after {after:?}; the request may have been sent"
            ),
            TransportError::Invalid(_) => f.write_str("the request is not valid as given"),
            TransportError::InvalidIdempotencyKey { header } => write!(
                f,
                "the idempotency key cannot be sent in the `{header}` header"
            ),
            TransportError::IdempotencyKeyRefused(why) => {
                write!(f, "the idempotency key cannot be sent: {why}")
            }
        }
    }
}

impl std::error::Error for TransportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            TransportError::Http { source, .. } | TransportError::Invalid(source) => Some(source),
            _ => None,
        }
    }
}

impl TransportError {
    /// Whether the request may have reached the server; `None` when it was
    /// never valid.
    pub fn failure(&self) -> Option<TransportFailure> {
        match self {
            TransportError::Http { failure, .. } => Some(*failure),
            TransportError::Timeout(_) => Some(TransportFailure::MaybeSent),
            TransportError::Invalid(_)
            | TransportError::InvalidIdempotencyKey { .. }
            | TransportError::IdempotencyKeyRefused(_) => None,
        }
    }

    /// Classifies an error of the HTTP client: connection failures (refused,
    /// DNS, TLS handshake) were not sent; builder errors are invalid
    /// requests; everything else (timeouts, connection lost, body errors,
    /// and redirect loops, where the request went out once per hop) may
    /// have been sent.
    pub fn from_reqwest(error: reqwest::Error) -> TransportError {
        let error = error.without_url();
        if error.is_builder() {
            TransportError::Invalid(error)
        } else if error.is_connect() {
            TransportError::Http {
                failure: TransportFailure::NotSent,
                source: error,
            }
        } else {
            TransportError::Http {
                failure: TransportFailure::MaybeSent,
                source: error,
            }
        }
    }
}

/// How long [`http_client`] waits for a connection: 10 s.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// A `reqwest` client builder set up for servers errspec cannot trust, to
/// pass to [`Client::new`] (add your own settings, then `build()`):
///
/// - **no redirects**: a 3xx comes back as the response. `reqwest` follows
///   up to ten by default, resending a 307/308's method and body (ten
///   possible deliveries of one POST) and forwarding every header but
///   `Authorization` and cookies to another origin (API keys in other
///   headers, the idempotency key). Follow a redirect yourself where you
///   know it is safe;
/// - **no `Referer`**, which would carry the URL (and any key in its query)
///   to wherever a redirect leads;
/// - a **connect timeout** of [`DEFAULT_CONNECT_TIMEOUT`].
///
/// It sets no overall timeout: set a per-attempt one on the policy
/// ([`RetryPolicyBuilder::attempt_timeout`](crate::policy::RetryPolicyBuilder::attempt_timeout)),
/// which the client turns into a "may have been sent" failure, or
/// `timeout` here. Without either, a server that accepts the connection and
/// never answers holds the request forever.
///
/// ```
/// let http = errspec::client::http_client()
///     .user_agent("my-app/1.0")
///     .build()
///     .unwrap();
/// # let _ = http;
/// ```
pub fn http_client() -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .referer(false)
        .connect_timeout(DEFAULT_CONNECT_TIMEOUT)
}

/// The last error of a failed request.
#[derive(Debug)]
pub enum LastError<E> {
    /// The server answered with an error, decoded.
    Api(E),
    /// No (usable) response.
    Transport(TransportError),
}

/// Transparent: the inner error's message and source.
impl<E: fmt::Display> fmt::Display for LastError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LastError::Api(e) => fmt::Display::fmt(e, f),
            LastError::Transport(e) => fmt::Display::fmt(e, f),
        }
    }
}

impl<E: std::error::Error> std::error::Error for LastError<E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            LastError::Api(e) => e.source(),
            LastError::Transport(e) => e.source(),
        }
    }
}

/// A request that succeeded, perhaps after retries.
///
/// `Debug` shows the response's status, not its URL (whose query may hold
/// a key) nor its headers, and hides the idempotency key: the same rule as
/// the client's `tracing` events.
#[non_exhaustive]
pub struct Delivered {
    /// The first response that was not an error, unread.
    pub response: reqwest::Response,
    /// The failed attempts before it, in order, each with its delay.
    pub retried: Vec<Attempt>,
    /// The idempotency key every attempt carried, if the API takes one.
    pub idempotency_key: Option<String>,
    /// The items of a batch send that failed
    /// ([`ApiError::batch_failures`]), each with its class; empty for an
    /// API without batch results. The request itself succeeded and is not
    /// retried for them: resend the failed items that their class allows,
    /// never the whole batch (that would send the others twice).
    pub batch_failures: Vec<crate::BatchFailure>,
}

impl fmt::Debug for Delivered {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Delivered")
            .field("status", &self.response.status())
            .field("retried", &self.retried)
            .field("batch_failures", &self.batch_failures)
            .field(
                "idempotency_key",
                &self.idempotency_key.as_ref().map(|_| Redacted),
            )
            .finish()
    }
}

/// A request that did not succeed: the last error, every attempt, and why
/// the client stopped.
///
/// `Display` shows the last error and the reason; `source()` is the last
/// error's own source (e.g. the I/O error), so error reporters do not print
/// the last error twice.
pub struct Failure<E> {
    error: LastError<E>,
    attempts: Vec<Attempt>,
    reason: GiveUpReason,
    server_delay: Option<Duration>,
    idempotency_key: Option<String>,
}

impl<E: ApiError> Failure<E> {
    /// The last error.
    pub fn error(&self) -> &LastError<E> {
        &self.error
    }

    /// The last error, owned.
    pub fn into_error(self) -> LastError<E> {
        self.error
    }

    /// The last error, if the server answered with one.
    pub fn api_error(&self) -> Option<&E> {
        match &self.error {
            LastError::Api(error) => Some(error),
            LastError::Transport(_) => None,
        }
    }

    /// The last error, if there was no usable response.
    pub fn transport_error(&self) -> Option<&TransportError> {
        match &self.error {
            LastError::Transport(error) => Some(error),
            LastError::Api(_) => None,
        }
    }

    /// Every attempt, in order (empty when the request was invalid).
    pub fn attempts(&self) -> &[Attempt] {
        &self.attempts
    }

    /// Why the client stopped.
    pub fn reason(&self) -> GiveUpReason {
        self.reason
    }

    /// The wait the server asked for, if it did: e.g. a `Retry-After`
    /// beyond the policy's [`max_server_delay`](RetryPolicy::max_server_delay).
    /// The caller may reschedule the work for then.
    pub fn server_delay(&self) -> Option<Duration> {
        self.server_delay
    }

    /// The idempotency key every attempt carried, if the API takes one:
    /// reuse it when trying the same operation again later.
    pub fn idempotency_key(&self) -> Option<&str> {
        self.idempotency_key.as_deref()
    }
}

impl<E: ApiError> fmt::Display for Failure<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.attempts.len();
        write!(f, "{}; ", self.error)?;
        if n > 0 {
            write!(f, "{n} attempt{}, ", if n == 1 { "" } else { "s" })?;
        }
        write!(f, "{}", self.reason)
    }
}

impl<E: ApiError> fmt::Debug for Failure<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Failure")
            .field("error", &self.error)
            .field("attempts", &self.attempts)
            .field("reason", &self.reason)
            .field("server_delay", &self.server_delay)
            .field(
                "idempotency_key",
                &self.idempotency_key.as_ref().map(|_| Redacted),
            )
            .finish()
    }
}

impl<E: ApiError> std::error::Error for Failure<E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.error {
            LastError::Api(error) => error.source(),
            LastError::Transport(error) => std::error::Error::source(error),
        }
    }
}

/// A retrying client for one API, whose error type is `E`.
///
/// ```
/// # use std::{borrow::Cow, fmt};
/// # use errspec::{ApiError, DelayHints, RetryClass};
/// # use errspec::__private::layout::HeaderLayout;
/// # #[derive(Debug)]
/// # struct MyApiError { status: http::StatusCode, hints: DelayHints }
/// # impl fmt::Display for MyApiError {
/// #     fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { write!(f, "{}", self.status) }
/// # }
/// # impl std::error::Error for MyApiError {}
/// # const HEADERS: HeaderLayout = HeaderLayout { retry_after: Some("retry-after"), ..HeaderLayout::NONE };
/// # impl ApiError for MyApiError {
/// #     const PROVIDER: &'static str = "example";
/// #     const API: &'static str = "demo";
/// #     const IDEMPOTENCY_HEADER: Option<&'static str> = Some("idempotency-key");
/// #     fn decode(status: http::StatusCode, headers: &http::HeaderMap, _: &[u8]) -> Self {
/// #         MyApiError { status, hints: Self::read_delay_hints(headers) }
/// #     }
/// #     fn read_delay_hints(headers: &http::HeaderMap) -> DelayHints { DelayHints::from_headers(&HEADERS, headers) }
/// #     fn retry_class(&self) -> RetryClass {
/// #         match self.status.as_u16() { 429 => RetryClass::Throttled, 500.. => RetryClass::Backoff, _ => RetryClass::Never }
/// #     }
/// #     fn code(&self) -> Option<Cow<'_, str>> { None }
/// #     fn variant_name(&self) -> &'static str { "Status" }
/// #     fn is_known(&self) -> bool { false }
/// #     fn delay_hints(&self) -> DelayHints { self.hints }
/// # }
/// use std::time::Duration;
/// use errspec::client::{Client, SendOptions};
/// use errspec::RetryPolicy;
/// use wiremock::{matchers::method, Mock, MockServer, ResponseTemplate};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// // A server that is unavailable once, then fine.
/// let server = MockServer::start().await;
/// Mock::given(method("POST"))
///     .respond_with(ResponseTemplate::new(503))
///     .up_to_n_times(1)
///     .mount(&server)
///     .await;
/// Mock::given(method("POST")).respond_with(ResponseTemplate::new(200)).mount(&server).await;
///
/// let policy = RetryPolicy::builder()
///     .max_attempts(3)
///     .base_delay(Duration::from_millis(10))
///     .build()?;
/// let client = Client::<MyApiError>::new(reqwest::Client::new(), policy);
/// let request = client.request(reqwest::Method::POST, format!("{}/messages", server.uri()));
/// // POST is not idempotent, but the API takes idempotency keys: the client
/// // sends one and reuses it on every retry.
/// let response = client.send(request, SendOptions::default()).await?;
/// assert_eq!(response.status(), 200);
/// # Ok(())
/// # }
/// ```
pub struct Client<E> {
    http: reqwest::Client,
    retrier: Retrier<E>,
    max_error_body: usize,
}

impl<E> Clone for Client<E> {
    /// Shares the HTTP client, the [`Retrier`] (policy, budget, observer
    /// and jitter generator) and the [`Pacing`] state.
    fn clone(&self) -> Self {
        Client {
            http: self.http.clone(),
            retrier: self.retrier.clone(),
            max_error_body: self.max_error_body,
        }
    }
}

impl<E: ApiError> fmt::Debug for Client<E> {
    /// Shows the retry settings only: the inner `reqwest::Client`'s `Debug`
    /// lists its default headers, which may hold credentials.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("retrier", &self.retrier)
            .field("max_error_body", &self.max_error_body)
            .finish_non_exhaustive()
    }
}

/// Builds a [`Client`]. The retry settings are a [`RetrierBuilder`]'s.
#[must_use]
pub struct ClientBuilder<E> {
    http: reqwest::Client,
    retrier: RetrierBuilder<E>,
    max_error_body: usize,
}

impl<E> fmt::Debug for ClientBuilder<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("retrier", &self.retrier)
            .field("max_error_body", &self.max_error_body)
            .finish_non_exhaustive()
    }
}

impl<E: ApiError> ClientBuilder<E> {
    /// The retry policy (default [`RetryPolicy::default`]).
    pub fn policy(mut self, policy: RetryPolicy) -> Self {
        self.retrier = self.retrier.policy(policy);
        self
    }

    /// Replaces the policy's retry decision with `decider`'s; see
    /// [`RetrierBuilder::decider`].
    pub fn decider(mut self, decider: impl RetryDecider + 'static) -> Self {
        self.retrier = self.retrier.decider(decider);
        self
    }

    /// Called on every attempt and give-up (default none); see
    /// [`observe`](crate::observe).
    pub fn observer(mut self, observer: impl Observer + 'static) -> Self {
        self.retrier = self.retrier.observer(observer);
        self
    }

    /// The retry budget, e.g. one shared by several clients (default: a
    /// new [`RetryBudget::default`] for this client and its clones).
    pub fn budget(mut self, budget: RetryBudget) -> Self {
        self.retrier = self.retrier.budget(budget);
        self
    }

    /// No retry budget: only the policy limits retries.
    pub fn without_budget(mut self) -> Self {
        self.retrier = self.retrier.without_budget();
        self
    }

    /// How requests are paced (default: a new in-process [`Pacing`] for
    /// this client and its clones). Give several clients the same `Pacing`
    /// to pace them together; [`Pacing::shared`] paces a fleet.
    pub fn pacing(mut self, pacing: Pacing) -> Self {
        self.retrier = self.retrier.pacing(pacing);
        self
    }

    /// No pacing: requests go out as soon as they are sent or retried, and
    /// rate-limit headers are read only on errors, for the retry's delay.
    pub fn without_pacing(mut self) -> Self {
        self.retrier = self.retrier.without_pacing();
        self
    }

    /// The most bytes of an error body read and decoded (default
    /// [`DEFAULT_MAX_ERROR_BODY`], 1 MiB). The rest is never read. For an
    /// API with a success predicate or batch results, a 2xx is judged, and
    /// its failed items read, on as many bytes (the caller still gets the
    /// whole body): a larger batch response is a success with no item
    /// failures reported, so raise it to hold the API's largest batch.
    pub fn max_error_body(mut self, bytes: usize) -> Self {
        self.max_error_body = bytes;
        self
    }

    /// Seeds the jitter generator, making delays reproducible (for tests).
    pub fn jitter_seed(mut self, seed: u64) -> Self {
        self.retrier = self.retrier.jitter_seed(seed);
        self
    }

    /// The client.
    pub fn build(self) -> Client<E> {
        Client {
            http: self.http,
            retrier: self.retrier.build(),
            max_error_body: self.max_error_body,
        }
    }
}

/// What one attempt produced.
enum AttemptResult<E> {
    /// A response that is not an error, with its failed batch items.
    Success(reqwest::Response, Vec<crate::BatchFailure>),
    /// Boxed: a decoded error is large, and rare.
    Failed(Box<Failed<E>>),
}

impl<E> AttemptResult<E> {
    fn failed(failed: Failed<E>) -> AttemptResult<E> {
        AttemptResult::Failed(Box::new(failed))
    }
}

/// An attempt that failed.
enum Failed<E> {
    /// An error response, decoded, and its headers.
    Api(E, http::HeaderMap),
    /// No (usable) response.
    Transport(TransportError),
}

impl<E: ApiError> Client<E> {
    /// A client with `policy` and a fresh retry budget.
    pub fn new(http: reqwest::Client, policy: RetryPolicy) -> Client<E> {
        Client::builder(http).policy(policy).build()
    }

    /// A builder with the defaults.
    pub fn builder(http: reqwest::Client) -> ClientBuilder<E> {
        ClientBuilder {
            http,
            retrier: Retrier::builder(),
            max_error_body: DEFAULT_MAX_ERROR_BODY,
        }
    }

    /// A client that retries with `retrier`'s settings and shares its
    /// budget, observer, jitter generator and pacing (e.g. with a
    /// reqwest-middleware or tower stack talking to the same API).
    pub fn with_retrier(http: reqwest::Client, retrier: Retrier<E>) -> Client<E> {
        Client {
            http,
            retrier,
            max_error_body: DEFAULT_MAX_ERROR_BODY,
        }
    }

    /// The underlying HTTP client.
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// The retry settings and shared state.
    pub fn retrier(&self) -> &Retrier<E> {
        &self.retrier
    }

    /// The retry policy.
    pub fn policy(&self) -> &RetryPolicy {
        self.retrier.policy()
    }

    /// The retry budget, if any.
    pub fn budget(&self) -> Option<&RetryBudget> {
        self.retrier.budget()
    }

    /// The pacing settings and state, if pacing is on.
    pub fn pacing(&self) -> Option<&Pacing> {
        self.retrier.pacing()
    }

    /// Starts a request on the underlying HTTP client.
    pub fn request(
        &self,
        method: reqwest::Method,
        url: impl reqwest::IntoUrl,
    ) -> reqwest::RequestBuilder {
        self.http.request(method, url)
    }

    /// Sends `request`, retrying as the policy and the API's error classes
    /// allow; returns the first response that is not an error (status below
    /// 400, and not a 2xx that the API's success predicate calls a
    /// failure), unread.
    ///
    /// - Error responses are decoded into `E` from at most
    ///   [`max_error_body`](ClientBuilder::max_error_body) bytes.
    /// - For an API with a success predicate (`success:` in its catalog:
    ///   Slack's `200 {"ok": false}`, GraphQL `errors`), a 2xx that it
    ///   calls a failure is that error, retried (or not) by its class
    ///   exactly as an error status would be; the response returned is
    ///   then the real success, its body whole.
    /// - For an API with batch results (`batch:`), the failed items of the
    ///   2xx are in [`Delivered::batch_failures`] (see
    ///   [`send_recorded`](Self::send_recorded)); item failures never make
    ///   the client resend the batch.
    /// - When the API takes idempotency keys, every attempt carries the same
    ///   key (one already set on the request, the caller's, or a new UUID v4
    ///   unless [`omit_idempotency_key`](SendOptions::omit_idempotency_key))
    ///   and the request counts as retry-safe.
    /// - A request whose body cannot be cloned (a stream) is sent once; if
    ///   it should have been retried, the failure says so
    ///   ([`GiveUpReason::NotReplayable`]).
    /// - Each attempt is cut at the policy's per-attempt timeout (and at its
    ///   deadline): a cut attempt may have been sent.
    pub fn send(
        &self,
        request: impl IntoRequest,
        options: SendOptions,
    ) -> impl Future<Output = Result<reqwest::Response, Failure<E>>> {
        self.run(request, options, |response, _, _| response)
    }

    /// [`send`](Self::send), also returning on success the failed attempts
    /// that came before it and the idempotency key that was sent.
    pub fn send_recorded(
        &self,
        request: impl IntoRequest,
        options: SendOptions,
    ) -> impl Future<Output = Result<Delivered, Failure<E>>> {
        self.run(request, options, |response, attempts, batch_failures| {
            let (retried, idempotency_key) = attempts.into_parts();
            Delivered {
                response,
                retried,
                idempotency_key,
                batch_failures,
            }
        })
    }

    /// The loop of [`send`](Self::send) and
    /// [`send_recorded`](Self::send_recorded); `done` makes the success's
    /// result. (`send` as `send_recorded` plus a `map_ok` moved the
    /// response, the records and the future once more: callgrind, about
    /// 100 instructions a send.)
    async fn run<T>(
        &self,
        request: impl IntoRequest,
        options: SendOptions,
        done: impl FnOnce(reqwest::Response, Attempts<E>, Vec<crate::BatchFailure>) -> T,
    ) -> Result<T, Failure<E>> {
        let mut next = request
            .into_request()
            .map_err(|e| invalid(TransportError::Invalid(e.without_url())))?;
        let mut attempts = self.prepare(&mut next, options).map_err(invalid)?;
        loop {
            // A copy for the next attempt; `None` for a stream body, sent once.
            let spare = next.try_clone();
            attempts.set_replayable(spare.is_some());
            attempts.wait_turn(next.headers()).await;
            let failed = match self.attempt(next, &attempts).await {
                AttemptResult::Success(response, batch_failures) => {
                    attempts
                        .succeeded_paced(response.status(), response.headers())
                        .await;
                    return Ok(done(response, attempts, batch_failures));
                }
                AttemptResult::Failed(failed) => failed,
            };
            // Boxed: a failure's decision and wait are no part of the
            // future every send carries.
            match Box::pin(self.after_failure(*failed, &mut attempts, spare)).await {
                Ok(spare) => next = spare,
                Err((error, reason, server_delay)) => {
                    let (attempts, idempotency_key) = attempts.into_parts();
                    return Err(Failure {
                        error,
                        attempts,
                        reason,
                        server_delay,
                        idempotency_key,
                    });
                }
            }
        }
    }

    /// Starts the attempts of `request`: the idempotency key (the
    /// request's, the body's, the caller's or a new one) on the request, in
    /// every header and body place the API takes it.
    ///
    /// The request is changed in place rather than moved in and out: each
    /// move of a `reqwest::Request` through a `Result` is a `memcpy`
    /// (callgrind: about 100 instructions a send).
    fn prepare(
        &self,
        request: &mut reqwest::Request,
        mut options: SendOptions,
    ) -> Result<Attempts<E>, TransportError> {
        let header = idempotency_header::<E>()?;
        // A key the caller already put on the request is kept.
        if let Some(existing) = header.as_ref().and_then(|h| request.headers().get(h)) {
            let key = existing.to_str().map_err(|_| invalid_key::<E>())?;
            options.idempotency_key = Some(key.to_owned());
        }
        let more = E::IDEMPOTENCY;
        // A key the caller already put in the body is kept too.
        let body_key = match (more.body, options.idempotency_key.as_deref()) {
            (Some(at), None) if !options.omit_idempotency_key => request
                .body()
                .and_then(|b| b.as_bytes())
                .and_then(|bytes| place_in_json(bytes, at, ""))
                .and_then(|found| match found {
                    BodyKey::Present(key) => Some(key),
                    BodyKey::Placed(_) => None,
                }),
            _ => None,
        };
        if body_key.is_some() {
            options.idempotency_key = body_key;
        }
        let attempts = self
            .retrier
            .start(request.method(), request.url().path(), options);
        if let Some(key) = attempts.idempotency_key() {
            if !more.accepts(key) {
                return Err(TransportError::IdempotencyKeyRefused(
                    "longer than the API's `max_length`, or not the UUID it requires",
                ));
            }
            let mut names: Vec<HeaderName> = header.into_iter().collect();
            for h in more.also_headers {
                names.push(HeaderName::try_from(*h).map_err(|_| invalid_key::<E>())?);
            }
            for name in names {
                let mut value = HeaderValue::from_str(key).map_err(|_| invalid_key::<E>())?;
                value.set_sensitive(true);
                request.headers_mut().insert(name, value);
            }
            if let Some(at) = more.body {
                let bytes = match request.body() {
                    None => &[][..],
                    Some(body) => body
                        .as_bytes()
                        .ok_or(TransportError::IdempotencyKeyRefused(
                            "the API takes it in the body, and this body is a stream",
                        ))?,
                };
                let body = match place_in_json(bytes, at, key) {
                    Some(BodyKey::Placed(body)) => body,
                    Some(BodyKey::Present(_)) => bytes.to_vec(),
                    None => {
                        return Err(TransportError::IdempotencyKeyRefused(
                            "the API takes it in a JSON object body, and this body is not one",
                        ));
                    }
                };
                *request.body_mut() = Some(body.into());
            }
        }
        Ok(attempts)
    }

    /// After a failed attempt: records it and decides; for a retry, waits
    /// and returns the request to send again, else why the client stops.
    async fn after_failure(
        &self,
        failed: Failed<E>,
        attempts: &mut Attempts<E>,
        spare: Option<reqwest::Request>,
    ) -> Result<reqwest::Request, (LastError<E>, GiveUpReason, Option<Duration>)> {
        let (error, decision) = match failed {
            Failed::Api(error, headers) => {
                let decision = attempts.failed_response_paced(&error, &headers).await;
                (LastError::Api(error), decision)
            }
            Failed::Transport(error) => {
                let decision = match error.failure() {
                    Some(failure) => attempts.failed_transport_paced(failure).await,
                    None => attempts.failed_invalid(),
                };
                (LastError::Transport(error), decision)
            }
        };
        match (decision, spare) {
            (Decision::Retry { after, .. }, Some(spare)) => {
                tokio::time::sleep(after).await;
                Ok(spare)
            }
            (Decision::Retry { .. }, None) => {
                // `Attempts` retries only what can be sent again.
                Err((error, GiveUpReason::NotReplayable, None))
            }
            (
                Decision::GiveUp {
                    reason,
                    server_delay,
                },
                _,
            ) => Err((error, reason, server_delay)),
        }
    }

    /// One attempt: send, then judge the response. An error status (400 and
    /// up) is read (at most `max_error_body` bytes) and decoded; a 2xx of an
    /// API whose failures may arrive in one, or that reports batch items,
    /// is judged by its start; both in boxed futures of their own, so the
    /// common success reads nothing and carries neither.
    fn attempt(
        &self,
        request: reqwest::Request,
        attempts: &Attempts<E>,
    ) -> impl Future<Output = AttemptResult<E>> + '_ {
        let policy = self.retrier.policy();
        let remaining = policy
            .deadline()
            .map(|deadline| deadline.saturating_sub(attempts.elapsed()));
        let limit = match (policy.attempt_timeout(), remaining) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        // Handed to the HTTP client now: the future holds what it returns,
        // not the request.
        let sent = self.http.execute(request);
        let attempt = async move {
            let response = match sent.await {
                Ok(response) => response,
                Err(error) => {
                    return AttemptResult::failed(Failed::Transport(TransportError::from_reqwest(
                        error,
                    )));
                }
            };
            // Judged here, not in a future of its own: the common success
            // reads nothing, and a future for it cost two moves of the
            // response and a poll (callgrind: about 290 instructions a send).
            let status = response.status();
            if status.is_client_error() || status.is_server_error() {
                return Box::pin(self.decode_error(response)).await;
            }
            let judged = E::success_check().is_some() || E::batch_layout().is_some();
            if !(status.is_success() && judged) {
                return AttemptResult::Success(response, Vec::new());
            }
            Box::pin(self.judge_success(response)).await
        };
        match limit {
            Some(limit) => Either::Left(tokio::time::timeout(limit, attempt).map(move |result| {
                result.unwrap_or_else(|_| {
                    AttemptResult::failed(Failed::Transport(TransportError::Timeout(limit)))
                })
            })),
            None => Either::Right(attempt),
        }
    }

    /// A 2xx of an API whose failures may arrive in one, or that reports
    /// batch items: its start decides, as an error body's does; the
    /// caller still gets the whole body.
    async fn judge_success(&self, response: reqwest::Response) -> AttemptResult<E> {
        let status = response.status();
        let (prefix, response) = read_prefix(response, self.max_error_body).await;
        if let Some(error) = E::check_success(status, response.headers(), &prefix) {
            return AttemptResult::failed(Failed::Api(error, response.headers().clone()));
        }
        let failures = E::batch_failures(status, response.headers(), &prefix);
        AttemptResult::Success(response, failures)
    }

    /// An error response, read (at most `max_error_body` bytes) and decoded.
    async fn decode_error(&self, mut response: reqwest::Response) -> AttemptResult<E> {
        let status = response.status();
        let body = read_limited(&mut response, self.max_error_body).await;
        let headers = std::mem::take(response.headers_mut());
        AttemptResult::failed(Failed::Api(E::decode(status, &headers, &body), headers))
    }
}

/// The failure of a request that could not be sent as given: nothing was
/// sent, so no attempts and no key worth reusing.
fn invalid<E>(error: TransportError) -> Failure<E> {
    Failure {
        error: LastError::Transport(error),
        attempts: Vec::new(),
        reason: GiveUpReason::InvalidRequest,
        server_delay: None,
        idempotency_key: None,
    }
}

/// The API's idempotency header, if it takes one.
fn idempotency_header<E: ApiError>() -> Result<Option<HeaderName>, TransportError> {
    E::IDEMPOTENCY_HEADER
        .map(|header| HeaderName::try_from(header).map_err(|_| invalid_key::<E>()))
        .transpose()
}

fn invalid_key<E: ApiError>() -> TransportError {
    TransportError::InvalidIdempotencyKey {
        header: E::IDEMPOTENCY_HEADER.unwrap_or_default(),
    }
}

/// Reads at most `limit` bytes of the body; stops at the limit without
/// reading further, and keeps what arrived if the body fails midway.
async fn read_limited(response: &mut reqwest::Response, limit: usize) -> Vec<u8> {
    let expected = response
        .content_length()
        .and_then(|n| usize::try_from(n).ok())
        .unwrap_or(0);
    let mut body = Vec::with_capacity(expected.min(limit).min(64 * 1024));
    while body.len() < limit {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                let take = chunk.len().min(limit - body.len());
                body.extend_from_slice(&chunk[..take]);
            }
            Ok(None) | Err(_) => break,
        }
    }
    body
}

/// Reads at most `limit` bytes of `response`'s body for the decoder, and
/// returns them with a response that still carries the whole body.
pub(crate) async fn read_prefix(
    mut response: reqwest::Response,
    limit: usize,
) -> (Bytes, reqwest::Response) {
    let mut prefix = BytesMut::new();
    let mut ended = false;
    while prefix.len() < limit {
        match response.chunk().await {
            Ok(Some(chunk)) => prefix.extend_from_slice(&chunk),
            // A body that fails midway is decoded as far as it arrived.
            Ok(None) | Err(_) => {
                ended = true;
                break;
            }
        }
    }
    let prefix = prefix.freeze();
    // Only the URL goes through the builder (reqwest keeps it in a private
    // extension); an extension insert cannot fail, and if it did the
    // response would merely lose its URL.
    let url_only = http::Response::builder()
        .url(response.url().clone())
        .body(())
        .unwrap_or_default();
    let (mut parts, ()) = url_only.into_parts();
    parts.status = response.status();
    parts.version = response.version();
    parts.headers = std::mem::take(response.headers_mut());
    let body = if ended {
        reqwest::Body::from(prefix.clone())
    } else {
        let head = futures_util::stream::iter([Ok::<_, reqwest::Error>(prefix.clone())]);
        reqwest::Body::wrap_stream(head.chain(response.bytes_stream()))
    };
    let rebuilt = reqwest::Response::from(http::Response::from_parts(parts, body));
    let decoded = prefix.slice(..prefix.len().min(limit));
    (decoded, rebuilt)
}
