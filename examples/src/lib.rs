//! Runnable examples of errspec's integration paths, tested in CI.
//!
//! [`send`] is errspec's sans-IO retry loop ([`errspec::retry`]) on `ureq`,
//! a blocking HTTP client: no async runtime, no reqwest. Its only errspec
//! dependency is `errspec = { default-features = false }`. The shared
//! scenario set runs through it in `tests/scenarios.rs`, as it runs through
//! `errspec::Client` and the middleware and tower integrations.
//!
//! `cargo run -p errspec-examples --bin ureq_topmail -- URL` sends one
//! TopMail request with it; `--bin classify -- STATUS BODY [HEADER=VALUE …]`
//! decodes one response with the generated TopMail type and prints its
//! retry class and the retry policy's decision.
//!
//! [`errors`] holds a catalog of this crate's own (`spec/acme.yaml`), generated
//! by `build.rs` with `errspec_codegen::Config`.
#![forbid(unsafe_code)]

pub mod errors;

use std::io::Read;

use errspec::ApiError;
use errspec::policy::{Decision, GiveUpReason, TransportFailure};
use errspec::retry::{Attempt, Retrier, SendOptions};

/// The most bytes of an error body read and decoded.
pub const MAX_ERROR_BODY: u64 = 1024 * 1024;

/// How a request sent with [`send`] failed.
#[derive(Debug)]
pub struct Failure<E> {
    /// The last error response, decoded; `None` when the last attempt got
    /// no response.
    pub error: Option<E>,
    /// The last transport error, when there was no response.
    pub transport: Option<ureq::Error>,
    /// Why the loop stopped.
    pub reason: GiveUpReason,
    /// Every attempt, in order.
    pub attempts: Vec<Attempt>,
}

/// Sends `body` to `url` with `method` on `agent`, retrying as `retrier`
/// decides for the API whose errors are `E`; returns the first response
/// below 400.
///
/// `agent` must return error statuses as responses
/// (`http_status_as_error(false)`, as [`agent`] does), so their bodies can
/// be decoded.
pub fn send<E: ApiError>(
    agent: &ureq::Agent,
    retrier: &Retrier<E>,
    method: http::Method,
    url: &str,
    body: &[u8],
    options: SendOptions,
) -> Result<http::Response<ureq::Body>, Failure<E>> {
    let uri: http::Uri = url.parse().map_err(|_| Failure {
        error: None,
        transport: Some(ureq::Error::BadUri(url.to_owned())),
        reason: GiveUpReason::InvalidRequest,
        attempts: Vec::new(),
    })?;
    // 1. One `Attempts` per logical request: it holds the idempotency key
    //    every attempt carries.
    let mut attempts = retrier.start(&method, uri.path(), options);
    loop {
        let mut request = http::Request::builder()
            .method(method.clone())
            .uri(uri.clone());
        if let Some((name, key)) = attempts.idempotency_header() {
            request = request.header(name, key);
        }
        // An idempotency key that is not a valid header value ends here.
        let request = request.body(body).map_err(|e| Failure {
            error: None,
            transport: Some(ureq::Error::Http(e)),
            reason: GiveUpReason::InvalidRequest,
            attempts: Vec::new(),
        })?;
        // 2. Send; 3. tell the loop what happened and get its decision.
        let (error, transport, decision) = match agent.run(request) {
            Ok(response) if response.status().as_u16() < 400 => {
                attempts.succeeded(response.status());
                return Ok(response);
            }
            Ok(mut response) => {
                let mut bytes = Vec::new();
                // What arrived before the limit or a broken body is decoded.
                let _ = response
                    .body_mut()
                    .as_reader()
                    .take(MAX_ERROR_BODY)
                    .read_to_end(&mut bytes);
                let error = E::decode(response.status(), response.headers(), &bytes);
                let decision = attempts.failed_response(&error, response.headers());
                (Some(error), None, decision)
            }
            Err(transport) => {
                let decision = match transport_failure(&transport) {
                    Some(failure) => attempts.failed_transport(failure),
                    None => attempts.failed_invalid(),
                };
                (None, Some(transport), decision)
            }
        };
        // 4. Wait and resend, or stop.
        match decision {
            Decision::Retry { after, .. } => std::thread::sleep(after),
            Decision::GiveUp { reason, .. } => {
                return Err(Failure {
                    error,
                    transport,
                    reason,
                    attempts: attempts.into_attempts(),
                });
            }
        }
    }
}

/// Whether a `ureq` error may have reached the server; `None` for a
/// request the client refused as given.
pub fn transport_failure(error: &ureq::Error) -> Option<TransportFailure> {
    use std::io::ErrorKind;
    match error {
        ureq::Error::HostNotFound | ureq::Error::ConnectionFailed => {
            Some(TransportFailure::NotSent)
        }
        ureq::Error::Io(io) if io.kind() == ErrorKind::ConnectionRefused => {
            Some(TransportFailure::NotSent)
        }
        ureq::Error::Io(_) | ureq::Error::Timeout(_) | ureq::Error::Protocol(_) => {
            Some(TransportFailure::MaybeSent)
        }
        _ => None,
    }
}

/// A `ureq` agent that returns error statuses as responses.
pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into()
}
