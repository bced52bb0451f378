//! `#[derive(ApiError)]` bound to a catalog answers as the generated type
//! does, for every API of every catalog in `spec/` and
//! `tests/specs/valid/` (the enums come from `build.rs`; no line here names
//! a provider). Each documented example, and the same response at every
//! status the API lists, goes through the generated type and the derived
//! enums; they must agree on the status, code, message, request id, field
//! errors, delay hints, the retry class and what decided it, and the
//! generated type must decode each example as its `expect` says.

use std::path::Path;

use errspec::__private::idempotency::IdempotencyLayout;
use errspec::registry::{ApiEntry, DynApiError};
use errspec_codegen::interpret::mismatches;
use errspec_codegen::source::SourceFile;
use http::StatusCode;

#[path = "support/outcome.rs"]
mod outcome;
use outcome::outcome;

/// One API's types.
struct Derived {
    /// Its catalog, from the workspace root.
    file: &'static str,
    /// The API's name.
    api: &'static str,
    /// The generated type (`errspec-providers`, or `catalog!`).
    generated: ApiEntry,
    /// Every variant keeps every part, the decided class included.
    full: ApiEntry,
    /// No variant keeps the decision (only for APIs whose class depends on
    /// the code and status tables alone).
    lean: Option<ApiEntry>,
    /// Where the derived and the generated type take idempotency keys.
    idempotency: (IdempotencyLayout, IdempotencyLayout),
}

include!(concat!(env!("OUT_DIR"), "/derived.rs"));

/// What both must agree on.
#[derive(Debug, PartialEq)]
struct Answer {
    status: Option<StatusCode>,
    code: Option<String>,
    message: Option<String>,
    request_id: Option<String>,
    field_errors: Vec<errspec::FieldError>,
    hints: errspec::DelayHints,
    retry_class: errspec::RetryClass,
    decided_by: Option<errspec::DecidedBy>,
}

fn answer(e: &dyn DynApiError, decided_by: bool) -> Answer {
    Answer {
        status: e.status(),
        code: e.code().map(|c| c.into_owned()),
        message: e.message().map(str::to_owned),
        request_id: e.request_id().map(str::to_owned),
        field_errors: e.field_errors().to_vec(),
        hints: e.delay_hints(),
        retry_class: e.retry_class(),
        decided_by: if decided_by { e.decided_by() } else { None },
    }
}

#[test]
fn derived_enums_answer_as_the_generated_types_do() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut compared = 0;
    let mut failures = Vec::new();
    for derived in DERIVED {
        let text = std::fs::read_to_string(root.join(derived.file)).expect("catalog");
        let file = SourceFile::new(derived.file, text);
        let catalog = errspec_codegen::load_catalog(&file)
            .unwrap_or_else(|d| panic!("{}", d.render(&file)))
            .catalog;
        let api = catalog
            .apis
            .iter()
            .find(|a| a.name.value == derived.api)
            .expect("build.rs named an API of the catalog");
        let name = format!("{}/{}", catalog.provider.value, derived.api);
        assert_eq!(
            derived.full.idempotency_header, derived.generated.idempotency_header,
            "{name}"
        );
        assert_eq!(derived.idempotency.0, derived.idempotency.1, "{name}");
        let mut statuses: Vec<u16> = api.statuses.iter().map(|s| s.status).collect();
        statuses.extend([400, 418, 500, 599]);
        for example in &api.examples {
            let (status, headers, body) = errspec_codegen::interpret::response(example);
            let what = format!("{name} example `{}`", example.name);
            let now = errspec_codegen::interpret::now(example);
            let generated = outcome(&derived.generated, status, &headers, &body, now);
            for m in mismatches(&example.expect, &generated) {
                failures.push(format!("{what}: {m}"));
            }
            // A 2xx failure and batch items: the derived enum reads them
            // with the same tables.
            let full = outcome(&derived.full, status, &headers, &body, now);
            if (full.success, &full.batch_failures)
                != (generated.success, &generated.batch_failures)
            {
                failures.push(format!(
                    "{what}: derived success {} {:?}, generated success {} {:?}",
                    full.success, full.batch_failures, generated.success, generated.batch_failures
                ));
            }
            let with_status = std::iter::once(status).chain(
                statuses
                    .iter()
                    .filter_map(|s| StatusCode::from_u16(*s).ok()),
            );
            for status in with_status {
                let want = answer(&*(derived.generated.decode)(status, &headers, &body), true);
                let full = answer(&*(derived.full.decode)(status, &headers, &body), true);
                if full != want {
                    failures.push(format!(
                        "{what} at {status}: derived {full:#?}\ngenerated {want:#?}"
                    ));
                }
                if let Some(lean) = &derived.lean {
                    let lean = answer(&*(lean.decode)(status, &headers, &body), false);
                    let want = Answer {
                        decided_by: None,
                        ..want
                    };
                    if lean != want {
                        failures.push(format!(
                            "{what} at {status} (no decision kept): derived {lean:#?}\ngenerated {want:#?}"
                        ));
                    }
                }
                compared += 1;
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(compared > 0, "no catalog has examples");
}
