//! `errspec request`: one logical request through the retrying client.

use errspec::client::{Attempt, Client, LastError, SendOptions};
use errspec::registry::{ApiEntry, ApiVisitor};
use errspec::{ApiError, RetryPolicy};
use serde::Serialize;

use crate::args::{Request, Usage};
use crate::classify::millis;

/// The printed result.
#[derive(Debug, Serialize)]
pub struct Report {
    /// Whether a non-error response came back.
    pub ok: bool,
    status: Option<u16>,
    attempts: Vec<AttemptReport>,
    idempotency_key: Option<String>,
    error: Option<String>,
    /// The failed items of a delivered batch send, each classified (the
    /// batch itself is not resent for them).
    batch_failures: Vec<errspec::BatchFailure>,
}

#[derive(Debug, Serialize)]
struct AttemptReport {
    status: Option<u16>,
    code: Option<String>,
    retry: Option<&'static str>,
    delay_ms: Option<u64>,
}

impl From<&Attempt> for AttemptReport {
    fn from(a: &Attempt) -> Self {
        AttemptReport {
            status: a.status.map(|s| s.as_u16()),
            code: a.code.clone(),
            retry: Some(a.class.as_str()),
            delay_ms: a.delay.map(millis),
        }
    }
}

/// Runs `r` against `entry`'s API with the default policy (attempt cap
/// overridable) and `r.timeout` per attempt, on an HTTP client that
/// follows no redirects.
pub async fn request(entry: &ApiEntry, r: Request) -> Result<Report, Usage> {
    // Every attempt is cut at the timeout (a cut attempt may have been
    // sent); connecting alone gets at most as long.
    let mut builder = RetryPolicy::builder().attempt_timeout(r.timeout);
    if let Some(n) = r.max_attempts {
        builder = builder.max_attempts(n);
    }
    let policy = builder
        .build()
        .map_err(|e| Usage(format!("invalid policy: {e}")))?;
    // No redirects, no Referer (see `errspec::client::http_client`).
    let http = errspec::client::http_client()
        .connect_timeout(r.timeout.min(errspec::client::DEFAULT_CONNECT_TIMEOUT))
        .build()
        .map_err(|e| Usage(format!("cannot build the HTTP client: {e}")))?;
    let from_specs = r.spec_dir.is_some();
    let visitor = Run { http, policy, r };
    if from_specs {
        return Ok(crate::spec_api::visit(visitor)?.await);
    }
    #[cfg(feature = "providers")]
    return match errspec_providers::visit_api(entry.provider, entry.api, visitor) {
        Ok(fut) => Ok(fut.await),
        Err(_) => Err(Usage(format!(
            "no error type for {}/{}",
            entry.provider, entry.api
        ))),
    };
    #[cfg(not(feature = "providers"))]
    return Err(Usage(format!(
        "no error type for {}/{}: this build has no built-in providers; pass --spec-dir",
        entry.provider, entry.api
    )));
}

struct Run {
    http: reqwest::Client,
    policy: RetryPolicy,
    r: Request,
}

impl ApiVisitor for Run {
    type Output = std::pin::Pin<Box<dyn std::future::Future<Output = Report> + Send>>;

    fn visit<E: ApiError>(self) -> Self::Output {
        Box::pin(run::<E>(self))
    }
}

async fn run<E: ApiError>(run: Run) -> Report {
    let Run { http, policy, r } = run;
    let client: Client<E> = Client::new(http, policy);
    let mut builder = client.request(r.method, r.url).headers(r.headers);
    if let Some(body) = r.body {
        builder = builder.body(body);
    }
    let mut options = SendOptions::default();
    options.idempotent = r.idempotent;
    options.omit_idempotency_key = r.no_idempotency_key;
    match client.send_recorded(builder, options).await {
        Ok(delivered) => {
            let status = delivered.response.status().as_u16();
            let mut attempts: Vec<AttemptReport> =
                delivered.retried.iter().map(AttemptReport::from).collect();
            attempts.push(AttemptReport {
                status: Some(status),
                code: None,
                retry: None,
                delay_ms: None,
            });
            Report {
                ok: true,
                status: Some(status),
                attempts,
                idempotency_key: delivered.idempotency_key,
                error: None,
                batch_failures: delivered.batch_failures,
            }
        }
        Err(failure) => {
            let status = failure.attempts().last().and_then(|a| a.status);
            let error = match failure.error() {
                LastError::Api(e) => e.to_string(),
                LastError::Transport(t) => t.to_string(),
            };
            Report {
                ok: false,
                status: status.map(|s| s.as_u16()),
                attempts: failure.attempts().iter().map(AttemptReport::from).collect(),
                idempotency_key: failure.idempotency_key().map(str::to_owned),
                error: Some(format!("{error} ({})", failure.reason())),
                batch_failures: Vec::new(),
            }
        }
    }
}
