//! What a generated (or derived, or `catalog!`) error type decoded, in the
//! interpreter's terms: one definition for every test that compares them.

use errspec::registry::DynApiError;
use errspec_codegen::interpret::Outcome;
use errspec_codegen::model::RetryClass;

/// The parts of `e` an example's `expect` can name, with delays read at `now`.
pub fn outcome(e: &dyn DynApiError, now: std::time::SystemTime) -> Outcome {
    Outcome {
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
