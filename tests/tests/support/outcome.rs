//! What a generated (or derived, or `catalog!`) error type decoded, in the
//! interpreter's terms: one definition for every test that compares them.

use errspec::registry::{ApiEntry, DynApiError};
use errspec_codegen::interpret::{Outcome, is_success};
use errspec_codegen::model::RetryClass;

/// What the API of `entry` makes of a response, as an example's `expect`
/// names it: the error it decodes to (for a 2xx the success predicate
/// calls a failure, that one), whether it is a success, and its failed
/// batch items; delays read at `now`.
pub fn outcome(
    entry: &ApiEntry,
    status: http::StatusCode,
    headers: &http::HeaderMap,
    body: &[u8],
    now: std::time::SystemTime,
) -> Outcome {
    let failed_2xx = (entry.check_success)(status, headers, body);
    let success = is_success(status, failed_2xx.is_some());
    let e = failed_2xx.unwrap_or_else(|| (entry.decode)(status, headers, body));
    Outcome {
        success,
        batch_failures: (entry.batch_failures)(status, headers, body),
        ..error_outcome(&*e, now)
    }
}

/// The parts of `e` an example's `expect` can name, with delays read at `now`.
fn error_outcome(e: &dyn DynApiError, now: std::time::SystemTime) -> Outcome {
    Outcome {
        success: false,
        batch_failures: Vec::new(),
        code: e.code().map(|c| c.into_owned()),
        retry: RetryClass::ALL
            .into_iter()
            .find(|c| c.as_str() == e.retry_class().as_str())
            .expect("the runtime's classes are the model's"),
        delay: e.hints().server_delay(now),
        message: e.message().map(str::to_owned),
        request_id: e.request_id().map(str::to_owned),
        field_errors: e
            .field_errors()
            .iter()
            .map(|f| {
                (
                    f.field.to_string(),
                    f.message.as_ref().map(|m| m.to_string()),
                )
            })
            .collect(),
        decided_by: e
            .decided_by()
            .map_or_else(|| String::from("(unknown)"), |d| d.to_string()),
        extras: e
            .extras()
            .map(errspec_codegen::interpret::extras_by_name)
            .unwrap_or_default(),
    }
}
