//! `errspec classify`: decode one response and say what the default policy does.

use std::time::Duration;

use errspec::ExtraValue;
use errspec::RetryPolicy;
use errspec::policy::{Decision, Outcome, RetryContext};
use errspec::registry::ApiEntry;
use serde::Serialize;

use crate::args::Classify;

/// The printed result.
#[derive(Debug, Serialize)]
pub struct Report {
    provider: &'static str,
    api: &'static str,
    status: u16,
    code: Option<String>,
    variant: &'static str,
    known: bool,
    message: Option<String>,
    request_id: Option<String>,
    field_errors: Vec<FieldError>,
    retry: &'static str,
    /// What decided `retry`: `directive`, `rule NAME` (or `rule #N`),
    /// `code`, `status`, `default`.
    decided_by: Option<String>,
    /// Which source gave the server delay, if any: `retry_after`,
    /// `rate_limit_reset`, `min_delay`, or a source's header or pointer.
    delay_source: Option<&'static str>,
    decision: DecisionReport,
    /// The API's extras (`body.extras`) the response carried, by name, in
    /// the catalog's order; `{}` for none.
    #[serde(serialize_with = "as_map")]
    extras: Vec<(&'static str, ExtraValue)>,
    /// Whether the response is a success: a status below 400 that the
    /// API's success predicate does not call a failure. For a 2xx it calls
    /// a failure, the fields above describe that error.
    success: bool,
    /// The failed items of a batch response (`index`, `code`, `message`,
    /// `retry_class`, `known`); empty for an API without batch results.
    batch_failures: Vec<errspec::BatchFailure>,
}

#[derive(Debug, Serialize)]
struct FieldError {
    field: String,
    message: Option<String>,
}

/// A policy decision as JSON.
#[derive(Debug, Serialize)]
pub struct DecisionReport {
    /// Whether to retry.
    pub retry: bool,
    /// The wait before retrying, or the server's requested wait when giving up.
    pub delay_ms: Option<u64>,
    /// Why, in words.
    pub reason: String,
}

impl DecisionReport {
    /// Converts a policy decision.
    pub fn from_decision(decision: Decision) -> Self {
        match decision {
            Decision::Retry { after, reason } => DecisionReport {
                retry: true,
                delay_ms: Some(millis(after)),
                reason: reason.to_string(),
            },
            Decision::GiveUp {
                reason,
                server_delay,
            } => DecisionReport {
                retry: false,
                delay_ms: server_delay.map(millis),
                reason: reason.to_string(),
            },
        }
    }
}

/// Milliseconds, saturating.
pub fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// Decodes and classifies `c` with `entry`'s decoder under the default policy.
///
/// Backoff jitter comes from a fixed seed so the output is reproducible; the
/// delay is one draw of full jitter below the exponential ceiling.
pub fn classify(entry: &ApiEntry, c: &Classify) -> Report {
    // A 2xx that the API's success predicate calls a failure is that error.
    let failed_2xx = (entry.check_success)(c.status, &c.headers, &c.body);
    let success = errspec_codegen::interpret::is_success(c.status, failed_2xx.is_some());
    let error = failed_2xx.unwrap_or_else(|| (entry.decode)(c.status, &c.headers, &c.body));
    // The hints the error kept: body delay sources included.
    let hints = error.delay_hints();
    let outcome = Outcome::Api {
        class: error.retry_class(),
        delay_hints: hints,
    };
    // Response headers cannot tell whether the request carried a key: the
    // caller says so with --idempotent.
    let retry_safe = c.idempotent;
    let decision = RetryPolicy::default().decide_with_rng(
        &RetryContext::new(&outcome, c.attempt)
            .retry_safe(retry_safe)
            .now(c.now),
        &mut fastrand_seeded(),
    );
    Report {
        provider: entry.provider,
        api: entry.api,
        status: c.status.as_u16(),
        code: error.code().map(|c| c.into_owned()),
        variant: error.variant_name(),
        known: error.is_known(),
        message: error.message().map(str::to_owned),
        request_id: error.request_id().map(str::to_owned),
        field_errors: error
            .field_errors()
            .iter()
            .map(|f| FieldError {
                field: f.field.to_string(),
                message: f.message.as_deref().map(str::to_owned),
            })
            .collect(),
        retry: error.retry_class().as_str(),
        decided_by: error.decided_by().map(|d| d.to_string()),
        delay_source: hints
            .server_delay_with_source(c.now)
            .map(|(_, origin)| origin.as_str()),
        decision: DecisionReport::from_decision(decision),
        extras: error
            .extras()
            .map(|extras| {
                extras
                    .iter()
                    .map(|(name, value)| (name, value.clone()))
                    .collect()
            })
            .unwrap_or_default(),
        success,
        batch_failures: (entry.batch_failures)(c.status, &c.headers, &c.body),
    }
}

/// Name-value pairs as a JSON object, in their order.
fn as_map<S: serde::Serializer>(
    pairs: &[(&'static str, ExtraValue)],
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_map(pairs.iter().map(|(name, value)| (name, value)))
}

fn fastrand_seeded() -> fastrand::Rng {
    fastrand::Rng::with_seed(0x5eed)
}
