//! errspec's retries for tower services (feature `tower`): hyper-, tonic-
//! or axum-based clients, any `Service<http::Request<B>>`.
//!
//! - [`RetryPolicy`] is a `tower::retry::Policy`: it runs the sans-IO loop
//!   of [`retry`](crate::retry) (classes, server delays, retry safety, the
//!   budget, the [`Observer`](crate::observe::Observer) and `tracing`) on
//!   each response. It decodes error bodies, so responses must be buffered:
//!   `http::Response<B>` with `B: AsRef<[u8]>` (`Bytes`, `Vec<u8>`,
//!   `String`); map a streaming body into one before this layer. A 2xx
//!   that the API's success predicate calls a failure
//!   ([`ApiError::check_success`]) is retried as the error it decodes to;
//!   when the policy gives up, the caller gets that 2xx response: check it
//!   with the same method.
//! - [`RetryLayer`] wraps a service in tower's `Retry` with that policy and
//!   first puts the API's idempotency key on the request (a policy cannot:
//!   tower sends the caller's request first and only asks the policy for
//!   copies), per the request's [`SendOptions`] extension.
//!
//! Pacing (the retrier's [`Pacing`]): each request
//! waits for its scope's turn before its first send (asking the shared
//! store, if there is one) and before each retry; error responses block the
//! scope (in the shared store too), successes' spent rate-limit windows
//! block it in this process. The account's retry budget of
//! [`Pacing::retry_budget`](crate::pacing::Pacing::retry_budget) is not
//! charged here (a tower policy decides synchronously): the retrier's own
//! budget applies.
//!
//! A service error (no response) counts as
//! [`TransportFailure::MaybeSent`]: retried only for idempotent or keyed
//! requests. The policy's per-attempt timeout and deadline are not applied
//! here: put tower's `Timeout` layer inside this one.
//!
//! ```
//! use errspec::ApiError;
//! use errspec::retry::Retrier;
//! use errspec::tower::RetryLayer;
//! use tower::{Layer, Service};
//!
//! fn with_retries<E, S>(service: S) -> impl Service<http::Request<String>>
//! where
//!     E: ApiError,
//!     S: Service<http::Request<String>, Response = http::Response<Vec<u8>>> + Clone,
//!     S::Error: std::fmt::Debug,
//! {
//!     RetryLayer::new(Retrier::<E>::default()).layer(service)
//! }
//! ```

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use ::tower::retry::{Policy, Retry};
use ::tower::{Layer, Service};
use http::{HeaderName, HeaderValue};

use crate::ApiError;
use crate::pacing::{Pacing, Scope};
use crate::policy::{Decision, TransportFailure};
use crate::retry::{Attempts, Retrier, SendOptions};

/// A wait for the scope's turn, owned (tower's futures are `'static`).
type Wait = Pin<Box<dyn Future<Output = ()> + Send>>;

/// A `tower::retry::Policy` for the API whose error type is `E`; see the
/// [module docs](self).
pub struct RetryPolicy<E> {
    retrier: Retrier<E>,
    /// The request's attempts, from its first copy on.
    attempts: Option<Attempts<E>>,
}

impl<E> Clone for RetryPolicy<E> {
    fn clone(&self) -> Self {
        RetryPolicy {
            retrier: self.retrier.clone(),
            attempts: self.attempts.clone(),
        }
    }
}

/// Marks the copies [`RetryPolicy`] makes: a request without it is a new
/// logical request. (tower asks the service's policy for the first copy,
/// then clones that policy into the request's future.)
#[derive(Clone, Copy, Debug)]
struct Started;

impl<E: ApiError> fmt::Debug for RetryPolicy<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RetryPolicy")
            .field("retrier", &self.retrier)
            .field("attempts", &self.attempts)
            .finish()
    }
}

impl<E: ApiError> RetryPolicy<E> {
    /// A policy retrying with `retrier`'s settings and shared state.
    pub fn new(retrier: Retrier<E>) -> RetryPolicy<E> {
        RetryPolicy {
            retrier,
            attempts: None,
        }
    }
}

impl<E, B, ResBody, Err> Policy<http::Request<B>, http::Response<ResBody>, Err> for RetryPolicy<E>
where
    E: ApiError,
    B: Clone,
    ResBody: AsRef<[u8]>,
{
    type Future = Wait;

    fn retry(
        &mut self,
        request: &mut http::Request<B>,
        result: &mut Result<http::Response<ResBody>, Err>,
    ) -> Option<Self::Future> {
        let attempts = self.attempts.as_mut()?;
        let decision = match result {
            Ok(response) if response.status().as_u16() < 400 => {
                // A 2xx that the API's success predicate calls a failure
                // is retried as the error it decodes to.
                let (status, headers) = (response.status(), response.headers());
                match E::check_success(status, headers, response.body().as_ref()) {
                    Some(error) => attempts.failed_response(&error, headers),
                    None => {
                        attempts.succeeded_with(status, headers);
                        return None;
                    }
                }
            }
            Ok(response) => {
                let error = E::decode(
                    response.status(),
                    response.headers(),
                    response.body().as_ref(),
                );
                attempts.failed_response(&error, response.headers())
            }
            Err(_) => attempts.failed_transport(TransportFailure::MaybeSent),
        };
        let Decision::Retry { after, .. } = decision else {
            return None;
        };
        // The block the response asked for is in this process's state;
        // the shared store hears of it, and the retry waits for its turn
        // there, after the backoff.
        let mut attempts = attempts.clone();
        let headers = request.headers().clone();
        Some(Box::pin(async move {
            attempts.share_block().await;
            tokio::time::sleep(after).await;
            attempts.wait_turn(&headers).await;
        }))
    }

    fn clone_request(&mut self, request: &http::Request<B>) -> Option<http::Request<B>> {
        if request.extensions().get::<Started>().is_none() {
            let mut options = request
                .extensions()
                .get::<SendOptions>()
                .cloned()
                .unwrap_or_default();
            // Only a key on the request counts: the first attempt is the
            // caller's request as it is ([`RetryLayer`] puts one there).
            options.idempotency_key = E::IDEMPOTENCY_HEADER
                .and_then(|name| request.headers().get(name))
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned);
            options.omit_idempotency_key = true;
            let mut attempts = self
                .retrier
                .start(request.method(), request.uri().path(), options);
            attempts.set_scope(request.headers());
            self.attempts = Some(attempts);
        }
        let mut copy = http::Request::new(request.body().clone());
        *copy.method_mut() = request.method().clone();
        *copy.uri_mut() = request.uri().clone();
        *copy.version_mut() = request.version();
        *copy.headers_mut() = request.headers().clone();
        if let Some(options) = request.extensions().get::<SendOptions>() {
            copy.extensions_mut().insert(options.clone());
        }
        copy.extensions_mut().insert(Started);
        Some(copy)
    }
}

/// A `tower::Layer`: the API's idempotency key on each request, then
/// tower's `Retry` with [`RetryPolicy`]; see the [module docs](self).
pub struct RetryLayer<E> {
    retrier: Retrier<E>,
}

impl<E> Clone for RetryLayer<E> {
    fn clone(&self) -> Self {
        RetryLayer {
            retrier: self.retrier.clone(),
        }
    }
}

impl<E: ApiError> fmt::Debug for RetryLayer<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RetryLayer")
            .field("retrier", &self.retrier)
            .finish()
    }
}

impl<E: ApiError> RetryLayer<E> {
    /// A layer retrying with `retrier`'s settings and shared state.
    pub fn new(retrier: Retrier<E>) -> RetryLayer<E> {
        RetryLayer { retrier }
    }
}

impl<E: ApiError, S> Layer<S> for RetryLayer<E> {
    type Service = KeyedRetry<E, S>;

    fn layer(&self, service: S) -> KeyedRetry<E, S> {
        KeyedRetry {
            inner: Retry::new(RetryPolicy::new(self.retrier.clone()), service),
            retrier: self.retrier.clone(),
        }
    }
}

/// The service [`RetryLayer`] makes.
pub struct KeyedRetry<E, S> {
    inner: Retry<RetryPolicy<E>, S>,
    /// For the first send's pacing.
    retrier: Retrier<E>,
}

impl<E, S: Clone> Clone for KeyedRetry<E, S> {
    fn clone(&self) -> Self {
        KeyedRetry {
            inner: self.inner.clone(),
            retrier: self.retrier.clone(),
        }
    }
}

impl<E: ApiError, S: fmt::Debug> fmt::Debug for KeyedRetry<E, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyedRetry")
            .field("inner", &self.inner)
            .finish()
    }
}

impl<E, S, B, ResBody> Service<http::Request<B>> for KeyedRetry<E, S>
where
    E: ApiError,
    B: Clone,
    ResBody: AsRef<[u8]>,
    S: Service<http::Request<B>, Response = http::Response<ResBody>> + Clone,
{
    type Response = http::Response<ResBody>;
    type Error = S::Error;
    type Future = PacedFuture<E, S, B, ResBody>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: http::Request<B>) -> Self::Future {
        attach_key::<E, B>(&mut request);
        let wait = self.retrier.pacing().and_then(|pacing| {
            let scope = self.retrier.scope(request.headers())?;
            // The longest wait: the policy's maximum server delay.
            let max_wait = self.retrier.policy().max_server_delay();
            first_wait(pacing, scope, max_wait)
        });
        let state = match wait {
            None => State::Sending(Box::pin(self.inner.call(request))),
            // The service readied by `poll_ready` is used after the wait:
            // a clone takes its place, readied again then.
            Some(wait) => {
                let clone = self.inner.clone();
                let service = std::mem::replace(&mut self.inner, clone);
                State::Waiting {
                    wait,
                    service: Box::new(service),
                    request: Some(Box::new(request)),
                }
            }
        };
        PacedFuture { state }
    }
}

/// The wait before a request's first send, if there may be one: always
/// with a shared store (only it knows), else when this process's state
/// says so (the slot is taken here).
fn first_wait(pacing: &Pacing, scope: Arc<Scope>, max: Duration) -> Option<Wait> {
    if pacing.is_shared() {
        let pacing = pacing.clone();
        return Some(Box::pin(async move { pacing.wait_turn(&scope, max).await }));
    }
    let hold = pacing.hold_local(&scope, max);
    (!hold.is_zero()).then(|| Box::pin(tokio::time::sleep(hold)) as Wait)
}

/// The future of [`KeyedRetry`]: the wait for the scope's turn, if any,
/// then tower's `Retry`.
pub struct PacedFuture<E, S, B, R>
where
    E: ApiError,
    B: Clone,
    R: AsRef<[u8]>,
    S: Service<http::Request<B>, Response = http::Response<R>> + Clone,
{
    state: State<E, S, B, R>,
}

type RetryFuture<E, S, B> =
    ::tower::retry::future::ResponseFuture<RetryPolicy<E>, S, http::Request<B>>;

// Every field is `Unpin` (boxed), so the future needs no pin projection.
enum State<E, S, B, R>
where
    E: ApiError,
    B: Clone,
    R: AsRef<[u8]>,
    S: Service<http::Request<B>, Response = http::Response<R>> + Clone,
{
    Waiting {
        wait: Wait,
        service: Box<Retry<RetryPolicy<E>, S>>,
        request: Option<Box<http::Request<B>>>,
    },
    Sending(Pin<Box<RetryFuture<E, S, B>>>),
}

impl<E, S, B, R> fmt::Debug for PacedFuture<E, S, B, R>
where
    E: ApiError,
    B: Clone,
    R: AsRef<[u8]>,
    S: Service<http::Request<B>, Response = http::Response<R>> + Clone,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match self.state {
            State::Waiting { .. } => "waiting for the scope's turn",
            State::Sending(_) => "sending",
        };
        f.debug_struct("PacedFuture")
            .field("state", &state)
            .finish()
    }
}

impl<E, S, B, R> Future for PacedFuture<E, S, B, R>
where
    E: ApiError,
    B: Clone,
    R: AsRef<[u8]>,
    S: Service<http::Request<B>, Response = http::Response<R>> + Clone,
{
    type Output = Result<http::Response<R>, S::Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        loop {
            match &mut this.state {
                State::Sending(future) => return future.as_mut().poll(cx),
                State::Waiting {
                    wait,
                    service,
                    request,
                } => {
                    if wait.as_mut().poll(cx).is_pending() {
                        return Poll::Pending;
                    }
                    if let Err(error) = std::task::ready!(service.poll_ready(cx)) {
                        return Poll::Ready(Err(error));
                    }
                    let Some(request) = request.take() else {
                        // Polled after it gave the request away: not reachable.
                        return Poll::Pending;
                    };
                    let future = service.call(*request);
                    this.state = State::Sending(Box::pin(future));
                }
            }
        }
    }
}

/// Puts the API's idempotency key on `request` unless one is there: the
/// [`SendOptions`] extension's, else a new one unless omitted. A key that is
/// not a valid header value is not sent (the request is then not keyed).
fn attach_key<E: ApiError, B>(request: &mut http::Request<B>) {
    let Some(header) = E::IDEMPOTENCY_HEADER else {
        return;
    };
    let Ok(name) = HeaderName::try_from(header) else {
        return;
    };
    if request.headers().contains_key(&name) {
        return;
    }
    let options = request
        .extensions()
        .get::<SendOptions>()
        .cloned()
        .unwrap_or_default();
    let Some(key) = options.key_for::<E>() else {
        return;
    };
    if let Ok(mut value) = HeaderValue::from_str(&key) {
        value.set_sensitive(true);
        request.headers_mut().insert(name, value);
    }
}
