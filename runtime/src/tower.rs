//! errspec's retries for tower services (feature `tower`): hyper-, tonic-
//! or axum-based clients, any `Service<http::Request<B>>`.
//!
//! - [`RetryPolicy`] is a `tower::retry::Policy`: it runs the sans-IO loop
//!   of [`retry`](crate::retry) (classes, server delays, retry safety, the
//!   budget, the [`Observer`](crate::observe::Observer) and `tracing`) on
//!   each response. It decodes error bodies, so responses must be buffered:
//!   `http::Response<B>` with `B: AsRef<[u8]>` (`Bytes`, `Vec<u8>`,
//!   `String`); map a streaming body into one before this layer.
//! - [`RetryLayer`] wraps a service in tower's `Retry` with that policy and
//!   first puts the API's idempotency key on the request (a policy cannot:
//!   tower sends the caller's request first and only asks the policy for
//!   copies), per the request's [`SendOptions`] extension.
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
use std::task::{Context, Poll};

use ::tower::retry::{Policy, Retry};
use ::tower::{Layer, Service};
use http::{HeaderName, HeaderValue};

use crate::ApiError;
use crate::policy::{Decision, TransportFailure};
use crate::retry::{Attempts, Retrier, SendOptions};

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
    type Future = tokio::time::Sleep;

    fn retry(
        &mut self,
        _request: &mut http::Request<B>,
        result: &mut Result<http::Response<ResBody>, Err>,
    ) -> Option<Self::Future> {
        let attempts = self.attempts.as_mut()?;
        let decision = match result {
            Ok(response) if response.status().as_u16() < 400 => {
                attempts.succeeded(response.status());
                return None;
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
        match decision {
            Decision::Retry { after, .. } => Some(tokio::time::sleep(after)),
            Decision::GiveUp { .. } => None,
        }
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
            self.attempts = Some(self.retrier.start(
                request.method(),
                request.uri().path(),
                options,
            ));
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
        }
    }
}

/// The service [`RetryLayer`] makes.
pub struct KeyedRetry<E, S> {
    inner: Retry<RetryPolicy<E>, S>,
}

impl<E, S: Clone> Clone for KeyedRetry<E, S> {
    fn clone(&self) -> Self {
        KeyedRetry {
            inner: self.inner.clone(),
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
    type Future = <Retry<RetryPolicy<E>, S> as Service<http::Request<B>>>::Future;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: http::Request<B>) -> Self::Future {
        attach_key::<E, B>(&mut request);
        self.inner.call(request)
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
