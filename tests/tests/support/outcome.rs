//! What a generated (or derived, or `catalog!`) error type decoded, in the
//! interpreter's terms: one definition for every test that compares them,
//! and one loop that runs a catalog's documented examples through it.

// Each test crate that includes this file uses part of it.
#![allow(dead_code)]

use std::path::Path;

use errspec::registry::{ApiEntry, DynApiError};
use errspec_codegen::interpret::{Outcome, is_success, mismatches};
use errspec_codegen::model::{Api, Catalog};

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
        retry: e.retry_class(),
        delay: e.delay_hints().server_delay(now),
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

/// Loads a catalog, panicking with its rendered diagnostics if it does not.
pub fn load(path: &Path) -> Catalog {
    let text =
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    let file = errspec_codegen::source::SourceFile::new(path.to_string_lossy(), text);
    match errspec_codegen::load_catalog(&file) {
        Ok(loaded) => loaded.catalog,
        Err(diags) => panic!("{}", diags.render(&file)),
    }
}

/// Every catalog in the workspace's `spec/`.
pub fn spec_catalogs() -> Vec<Catalog> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec");
    let specs = errspec_codegen::project::read_specs(&root).expect("read spec/");
    specs
        .iter()
        .map(|file| match errspec_codegen::load_catalog(file) {
            Ok(loaded) => loaded.catalog,
            Err(diags) => panic!("{}", diags.render(file)),
        })
        .collect()
}

/// Decodes every documented example of `api` through `entry` (a generated,
/// derived or `catalog!` error type) and through the interpreter, and
/// pushes a line to `failures` for each way either misses the example's
/// `expect` or the two disagree. Returns how many examples ran.
pub fn check_examples(
    label: &str,
    api: &Api,
    entry: &ApiEntry,
    failures: &mut Vec<String>,
) -> usize {
    let layouts = errspec_codegen::interpret::layout(api);
    for example in &api.examples {
        let what = format!("{label} example `{}`", example.name);
        let (status, headers, body) = errspec_codegen::interpret::response(example);
        let now = errspec_codegen::interpret::now(example);
        let generated = outcome(entry, status, &headers, &body, now);
        let interpreted = errspec_codegen::interpret::decode(api, layouts, example);
        for (how, o) in [("generated", &generated), ("interpreted", &interpreted)] {
            for m in mismatches(&example.expect, o) {
                failures.push(format!("{what} ({how}): {m}"));
            }
        }
        // Whatever the example checks, both paths agree on all of it.
        if generated != interpreted {
            failures.push(format!(
                "{what}: generated {generated:?} but interpreted {interpreted:?}"
            ));
        }
    }
    api.examples.len()
}
