//! A thin retrying wrapper over [`reqwest::Client`], driven by an API's
//! typed errors.
//!
//! [`Client::send`] sends a request, decodes error responses into `E`, asks
//! the [`RetryPolicy`] what to do, waits (with `tokio::time::sleep`), and
//! tries again, until success or a [`Failure`] that says why it stopped and
//! what every attempt saw.
//!
//! What it logs: one `tracing` event per attempt (target `errspec::client`)
//! with provider, API, method, URL path (never the query string), attempt
//! number, status, code, class, request id and delay. Never header values,
//! bodies, or the URL's query.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use http::{HeaderName, HeaderValue, StatusCode};

use crate::policy::{
    Decision, GiveUpReason, Outcome, RetryBudget, RetryContext, RetryDecider, RetryPolicy,
    RetryReason, TransportFailure,
};
use crate::{ApiError, RetryClass};

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

/// Per-request settings of [`Client::send`].
///
/// `Debug` does not show the idempotency key.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct SendOptions {
    /// The operation is idempotent (repeating it has no further effect), so
    /// an ambiguous failure may be retried. `GET`, `PUT` and `DELETE` usually
    /// are; the caller decides.
    pub idempotent: bool,
    /// The idempotency key to send when the API takes one
    /// ([`ApiError::IDEMPOTENCY_HEADER`]). `None`: a random UUID v4 per
    /// call. Ignored by APIs without an idempotency header.
    pub idempotency_key: Option<String>,
}

impl SendOptions {
    /// Options for an idempotent operation.
    pub fn idempotent() -> SendOptions {
        SendOptions {
            idempotent: true,
            idempotency_key: None,
        }
    }

    /// Options carrying a caller-chosen idempotency key, e.g. one stored
    /// with the job so that a retry after a crash reuses it.
    pub fn with_idempotency_key(key: impl Into<String>) -> SendOptions {
        SendOptions {
            idempotent: false,
            idempotency_key: Some(key.into()),
        }
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
            .finish()
    }
}

struct Redacted;

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// A failure without an HTTP response, or a request that could not be sent.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    /// Sending failed, or the response could not be received.
    #[error("{failure}")]
    Http {
        /// Whether the request may have reached the server.
        failure: TransportFailure,
        /// The HTTP client's error (its URL removed: it may hold secrets).
        #[source]
        source: reqwest::Error,
    },
    /// The attempt ran out of time (the policy's per-attempt timeout, or
    /// what was left before its deadline); the request may have been sent.
    #[error("the attempt timed out after {0:?}; the request may have been sent")]
    Timeout(Duration),
    /// The request could not be built, or the HTTP client refused it
    /// (invalid URL, redirect loop): sending it again would not help.
    #[error("the request is not valid as given")]
    Invalid(#[source] reqwest::Error),
    /// The idempotency key (or the API's header name) is not valid in a
    /// header.
    #[error("the idempotency key cannot be sent in the `{header}` header")]
    InvalidIdempotencyKey {
        /// The API's idempotency header.
        header: &'static str,
    },
}

impl TransportError {
    /// Whether the request may have reached the server; `None` when it was
    /// never valid.
    pub fn failure(&self) -> Option<TransportFailure> {
        match self {
            TransportError::Http { failure, .. } => Some(*failure),
            TransportError::Timeout(_) => Some(TransportFailure::MaybeSent),
            TransportError::Invalid(_) | TransportError::InvalidIdempotencyKey { .. } => None,
        }
    }

    /// Classifies an error of the HTTP client: connection failures (refused,
    /// DNS, TLS handshake) were not sent; builder and redirect errors are
    /// invalid requests; everything else (timeouts, connection lost, body
    /// errors) may have been sent.
    pub fn from_reqwest(error: reqwest::Error) -> TransportError {
        let error = error.without_url();
        if error.is_builder() || error.is_redirect() {
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

/// The last error of a failed request.
#[derive(Debug, thiserror::Error)]
pub enum LastError<E> {
    /// The server answered with an error, decoded.
    #[error(transparent)]
    Api(E),
    /// No (usable) response.
    #[error(transparent)]
    Transport(TransportError),
}

/// One attempt of a failed request, as recorded in [`Failure::attempts`].
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
}

impl fmt::Debug for Delivered {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Delivered")
            .field("status", &self.response.status())
            .field("retried", &self.retried)
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
/// # use errspec::layout::HeaderLayout;
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
/// #         MyApiError { status, hints: Self::delay_hints(headers) }
/// #     }
/// #     fn delay_hints(headers: &http::HeaderMap) -> DelayHints { DelayHints::from_headers(&HEADERS, headers) }
/// #     fn retry_class(&self) -> RetryClass {
/// #         match self.status.as_u16() { 429 => RetryClass::Throttled, 500.. => RetryClass::Backoff, _ => RetryClass::Never }
/// #     }
/// #     fn code(&self) -> Option<Cow<'_, str>> { None }
/// #     fn variant_name(&self) -> &'static str { "Status" }
/// #     fn is_known(&self) -> bool { false }
/// #     fn hints(&self) -> DelayHints { self.hints }
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
    policy: RetryPolicy,
    decider: Option<Arc<dyn RetryDecider>>,
    budget: Option<RetryBudget>,
    max_error_body: usize,
    rng: Mutex<fastrand::Rng>,
    _error: PhantomData<fn() -> E>,
}

impl<E> Clone for Client<E> {
    /// Shares the HTTP client and the retry budget; the clone draws jitter
    /// from a generator forked from this one.
    fn clone(&self) -> Self {
        let rng = self.lock_rng().fork();
        Client {
            http: self.http.clone(),
            policy: self.policy.clone(),
            decider: self.decider.clone(),
            budget: self.budget.clone(),
            max_error_body: self.max_error_body,
            rng: Mutex::new(rng),
            _error: PhantomData,
        }
    }
}

impl<E: ApiError> fmt::Debug for Client<E> {
    /// Shows the retry settings only: the inner `reqwest::Client`'s `Debug`
    /// lists its default headers, which may hold credentials.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("provider", &E::PROVIDER)
            .field("api", &E::API)
            .field("policy", &self.policy)
            .field("decider", &self.decider)
            .field("budget", &self.budget)
            .field("max_error_body", &self.max_error_body)
            .finish_non_exhaustive()
    }
}

/// Builds a [`Client`].
#[must_use]
pub struct ClientBuilder<E> {
    http: reqwest::Client,
    policy: RetryPolicy,
    decider: Option<Arc<dyn RetryDecider>>,
    budget: Option<RetryBudget>,
    max_error_body: usize,
    seed: Option<u64>,
    _error: PhantomData<fn() -> E>,
}

impl<E> fmt::Debug for ClientBuilder<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("policy", &self.policy)
            .field("decider", &self.decider)
            .field("budget", &self.budget)
            .field("max_error_body", &self.max_error_body)
            .field("seed", &self.seed)
            .finish_non_exhaustive()
    }
}

impl<E: ApiError> ClientBuilder<E> {
    /// The retry policy (default [`RetryPolicy::default`]).
    pub fn policy(mut self, policy: RetryPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Replaces the policy's retry decision with `decider`'s (default: the
    /// [`policy`](Self::policy) decides). The policy's
    /// [`attempt_timeout`](RetryPolicy::attempt_timeout) and
    /// [`deadline`](RetryPolicy::deadline) still cut attempts, and the
    /// client still refuses to resend a stream body and charges the budget.
    ///
    /// ```
    /// use errspec::client::Client;
    /// use errspec::policy::{self, Decision, GiveUpReason, RetryContext, RetryPolicy};
    /// use errspec::ApiError;
    ///
    /// // The standard decision, but never more than one retry.
    /// fn client<E: ApiError>() -> Client<E> {
    /// let standard = RetryPolicy::default();
    /// Client::builder(reqwest::Client::new())
    ///     .decider(policy::from_fn(move |context: &RetryContext<'_>, rng: &mut policy::Rng| {
    ///         if context.attempts >= 2 {
    ///             return Decision::GiveUp {
    ///                 reason: GiveUpReason::AttemptsExhausted { attempts: context.attempts },
    ///                 server_delay: None,
    ///             };
    ///         }
    ///         standard.decide_with_rng(context, rng)
    ///     }))
    ///     .build()
    /// }
    /// ```
    pub fn decider(mut self, decider: impl RetryDecider + 'static) -> Self {
        self.decider = Some(Arc::new(decider));
        self
    }

    /// The retry budget, e.g. one shared by several clients (default: a
    /// new [`RetryBudget::default`] for this client and its clones).
    pub fn budget(mut self, budget: RetryBudget) -> Self {
        self.budget = Some(budget);
        self
    }

    /// No retry budget: only the policy limits retries.
    pub fn without_budget(mut self) -> Self {
        self.budget = None;
        self
    }

    /// The most bytes of an error body read and decoded (default
    /// [`DEFAULT_MAX_ERROR_BODY`], 1 MiB). The rest is never read.
    pub fn max_error_body(mut self, bytes: usize) -> Self {
        self.max_error_body = bytes;
        self
    }

    /// Seeds the jitter generator, making delays reproducible (for tests).
    pub fn jitter_seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// The client.
    pub fn build(self) -> Client<E> {
        let rng = match self.seed {
            Some(seed) => fastrand::Rng::with_seed(seed),
            None => fastrand::Rng::new(),
        };
        Client {
            http: self.http,
            policy: self.policy,
            decider: self.decider,
            budget: self.budget,
            max_error_body: self.max_error_body,
            rng: Mutex::new(rng),
            _error: PhantomData,
        }
    }
}

/// What one attempt produced.
enum AttemptResult<E> {
    Success(reqwest::Response),
    Api { error: E, outcome: Outcome },
    Transport(TransportError),
}

/// A failed attempt: its error, what it means for retrying (`None`: the
/// request itself is invalid), and its record.
struct Failed<E> {
    error: LastError<E>,
    outcome: Option<Outcome>,
    record: Attempt,
}

impl<E: ApiError> Failed<E> {
    fn api(number: u32, error: E, outcome: Outcome) -> Failed<E> {
        let record = Attempt {
            number,
            status: error.status(),
            code: error.code().map(Cow::into_owned),
            request_id: error.request_id().map(str::to_owned),
            class: outcome.class(),
            transport: None,
            delay: None,
        };
        Failed {
            error: LastError::Api(error),
            outcome: Some(outcome),
            record,
        }
    }

    fn transport(number: u32, error: TransportError) -> Failed<E> {
        let failure = error.failure();
        let record = Attempt {
            number,
            status: None,
            code: None,
            request_id: None,
            class: failure.map_or(RetryClass::Never, TransportFailure::retry_class),
            transport: failure,
            delay: None,
        };
        Failed {
            error: LastError::Transport(error),
            outcome: failure.map(Outcome::Transport),
            record,
        }
    }
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
            policy: RetryPolicy::default(),
            decider: None,
            budget: Some(RetryBudget::default()),
            max_error_body: DEFAULT_MAX_ERROR_BODY,
            seed: None,
            _error: PhantomData,
        }
    }

    /// The underlying HTTP client.
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// The retry policy.
    pub fn policy(&self) -> &RetryPolicy {
        &self.policy
    }

    /// The retry budget, if any.
    pub fn budget(&self) -> Option<&RetryBudget> {
        self.budget.as_ref()
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
    /// 400), unread.
    ///
    /// - Error responses are decoded into `E` from at most
    ///   [`max_error_body`](ClientBuilder::max_error_body) bytes.
    /// - When the API takes idempotency keys, every attempt carries the same
    ///   key (the caller's, one already set on the request, or a new UUID v4)
    ///   and the request counts as retry-safe.
    /// - A request whose body cannot be cloned (a stream) is sent once; if
    ///   it should have been retried, the failure says so
    ///   ([`GiveUpReason::NotReplayable`]).
    /// - Each attempt is cut at the policy's per-attempt timeout (and at its
    ///   deadline): a cut attempt may have been sent.
    pub async fn send(
        &self,
        request: impl IntoRequest,
        options: SendOptions,
    ) -> Result<reqwest::Response, Failure<E>> {
        self.send_recorded(request, options)
            .await
            .map(|delivered| delivered.response)
    }

    /// [`send`](Self::send), also returning on success the failed attempts
    /// that came before it and the idempotency key that was sent.
    pub async fn send_recorded(
        &self,
        request: impl IntoRequest,
        options: SendOptions,
    ) -> Result<Delivered, Failure<E>> {
        // Only a deadline needs to know when the first attempt started.
        let start = self.policy.deadline().map(|_| tokio::time::Instant::now());
        // Nothing was sent: no attempts, no key worth reusing.
        let invalid = |error| Failure {
            error: LastError::Transport(error),
            attempts: Vec::new(),
            reason: GiveUpReason::InvalidRequest,
            server_delay: None,
            idempotency_key: None,
        };
        let mut request = request
            .into_request()
            .map_err(|e| invalid(TransportError::Invalid(e.without_url())))?;
        let idempotency_key =
            attach_idempotency_key::<E>(&mut request, options.idempotency_key).map_err(invalid)?;
        let retry_safe = options.idempotent || idempotency_key.is_some();
        let method = request.method().clone();
        // The log events' URL path is read from the spare copy of the
        // request; only a request without one (a stream body) copies it.
        let mut stream_path: Option<String> = None;
        let mut attempts: Vec<Attempt> = Vec::new();
        let mut spent = 0;
        let mut next = request;
        loop {
            let number = u32::try_from(attempts.len())
                .unwrap_or(u32::MAX)
                .saturating_add(1);
            // A copy for the next attempt; `None` for a stream body, sent once.
            let spare = next.try_clone();
            if spare.is_none() && stream_path.is_none() {
                stream_path = Some(next.url().path().to_owned());
            }
            let failed = match self.attempt(next, start).await {
                AttemptResult::Success(response) => {
                    if let Some(budget) = &self.budget {
                        budget.record_success(spent);
                    }
                    tracing::debug!(
                        target: "errspec::client",
                        provider = E::PROVIDER,
                        api = E::API,
                        method = %method,
                        path = %url_path(spare.as_ref(), stream_path.as_deref()),
                        attempt = number,
                        status = response.status().as_u16(),
                        "attempt succeeded"
                    );
                    return Ok(Delivered {
                        response,
                        retried: attempts,
                        idempotency_key,
                    });
                }
                AttemptResult::Api { error, outcome } => Failed::api(number, error, outcome),
                AttemptResult::Transport(error) => Failed::transport(number, error),
            };
            let decision = self.decide(&failed, retry_safe, start, spare.is_some(), &mut spent);
            match (decision, spare) {
                (Decision::Retry { after, reason }, Some(spare)) => {
                    let record = failed.record;
                    tracing::info!(
                        target: "errspec::client",
                        provider = E::PROVIDER,
                        api = E::API,
                        method = %method,
                        path = %spare.url().path(),
                        attempt = number,
                        status = record.status.map(|s| s.as_u16()),
                        code = record.code.as_deref(),
                        class = %record.class,
                        request_id = record.request_id.as_deref(),
                        delay_ms = millis(after),
                        reason = %reason,
                        "attempt failed, retrying"
                    );
                    attempts.push(Attempt {
                        delay: Some(after),
                        ..record
                    });
                    tokio::time::sleep(after).await;
                    next = spare;
                }
                (decision, spare) => {
                    let (reason, server_delay) = match decision {
                        Decision::GiveUp {
                            reason,
                            server_delay,
                        } => (reason, server_delay),
                        // `decide` retries only with a copy to send.
                        Decision::Retry { .. } => (GiveUpReason::NotReplayable, None),
                    };
                    attempts.push(failed.record);
                    let failure = Failure {
                        error: failed.error,
                        attempts,
                        reason,
                        server_delay,
                        idempotency_key,
                    };
                    let path = url_path(spare.as_ref(), stream_path.as_deref());
                    self.trace_give_up(&method, path, &failure);
                    return Err(failure);
                }
            }
        }
    }

    /// The policy's decision, then the client's own limits: a request that
    /// cannot be sent again, and the retry budget (charged here, into `spent`).
    fn decide(
        &self,
        failed: &Failed<E>,
        retry_safe: bool,
        start: Option<tokio::time::Instant>,
        replayable: bool,
        spent: &mut u32,
    ) -> Decision {
        let Some(outcome) = &failed.outcome else {
            // The HTTP client refused the request: sending it again would not help.
            return Decision::GiveUp {
                reason: GiveUpReason::InvalidRequest,
                server_delay: None,
            };
        };
        let context = RetryContext::new(outcome, failed.record.number)
            .retry_safe(retry_safe)
            .elapsed(start.map_or(Duration::ZERO, |start| start.elapsed()));
        let decider: &dyn RetryDecider = match &self.decider {
            Some(decider) => decider.as_ref(),
            None => &self.policy,
        };
        let decision = decider.decide(&context, &mut self.lock_rng());
        let Decision::Retry { after, reason } = decision else {
            return decision;
        };
        let server_delay = (reason == RetryReason::ServerDelay).then_some(after);
        if !replayable {
            return Decision::GiveUp {
                reason: GiveUpReason::NotReplayable,
                server_delay,
            };
        }
        if let Some(budget) = &self.budget {
            match budget.try_acquire(outcome) {
                Some(cost) => *spent += cost,
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

    /// One attempt: send, and read and decode an error response.
    async fn attempt(
        &self,
        request: reqwest::Request,
        start: Option<tokio::time::Instant>,
    ) -> AttemptResult<E> {
        let remaining = self
            .policy
            .deadline()
            .zip(start)
            .map(|(deadline, start)| deadline.saturating_sub(start.elapsed()));
        let limit = match (self.policy.attempt_timeout(), remaining) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let attempt = async {
            let mut response = match self.http.execute(request).await {
                Ok(response) => response,
                Err(error) => return AttemptResult::Transport(TransportError::from_reqwest(error)),
            };
            let status = response.status();
            if !(status.is_client_error() || status.is_server_error()) {
                return AttemptResult::Success(response);
            }
            let body = read_limited(&mut response, self.max_error_body).await;
            let headers = response.headers();
            let error = E::decode(status, headers, &body);
            let outcome = Outcome::api_with_headers(&error, headers);
            AttemptResult::Api { error, outcome }
        };
        match limit {
            Some(limit) => tokio::time::timeout(limit, attempt)
                .await
                .unwrap_or(AttemptResult::Transport(TransportError::Timeout(limit))),
            None => attempt.await,
        }
    }

    fn trace_give_up(&self, method: &reqwest::Method, path: &str, failure: &Failure<E>) {
        let Some(last) = failure.attempts.last() else {
            return;
        };
        tracing::warn!(
            target: "errspec::client",
            provider = E::PROVIDER,
            api = E::API,
            method = %method,
            path = %path,
            attempt = last.number,
            status = last.status.map(|s| s.as_u16()),
            code = last.code.as_deref(),
            class = %last.class,
            request_id = last.request_id.as_deref(),
            server_delay_ms = failure.server_delay.map(millis),
            reason = %failure.reason,
            "attempt failed, giving up"
        );
    }
}

impl<E> Client<E> {
    fn lock_rng(&self) -> std::sync::MutexGuard<'_, fastrand::Rng> {
        // A panic elsewhere cannot leave a random generator inconsistent.
        self.rng.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The URL path for log events: the spare copy's, else the copy kept for a
/// request that has none.
fn url_path<'a>(spare: Option<&'a reqwest::Request>, copy: Option<&'a str>) -> &'a str {
    spare.map_or(copy.unwrap_or_default(), |spare| spare.url().path())
}

/// Milliseconds with a fraction, so sub-millisecond waits do not log as 0.
fn millis(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Attaches the API's idempotency key; returns the key when the API takes one.
fn attach_idempotency_key<E: ApiError>(
    request: &mut reqwest::Request,
    key: Option<String>,
) -> Result<Option<String>, TransportError> {
    let Some(header) = E::IDEMPOTENCY_HEADER else {
        return Ok(None);
    };
    let invalid = || TransportError::InvalidIdempotencyKey { header };
    let name = HeaderName::try_from(header).map_err(|_| invalid())?;
    // A key the caller already put on the request is kept.
    if let Some(existing) = request.headers().get(&name) {
        return existing
            .to_str()
            .map(|k| Some(k.to_owned()))
            .map_err(|_| invalid());
    }
    let key = key.unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let mut value = HeaderValue::from_str(&key).map_err(|_| invalid())?;
    value.set_sensitive(true);
    request.headers_mut().insert(name, value);
    Ok(Some(key))
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
