//! Every documented example of every catalog in `spec/` decodes as its
//! catalog says, twice: through the generated crate (`errspec_providers`,
//! found by name in its registry) and through the interpreter (the runtime
//! decoder over tables built from the model, what `cargo xtask check`
//! runs). No line here names a provider: a catalog added to `spec/` is
//! tested as it is.

#[path = "support/outcome.rs"]
mod outcome;
use outcome::{check_examples, spec_catalogs};

#[test]
fn every_documented_example_decodes_as_its_catalog_says() {
    let mut ran = 0;
    let mut failures = Vec::new();
    for catalog in spec_catalogs() {
        let provider = catalog.provider.value.as_str();
        for api in &catalog.apis {
            let entry = errspec_providers::APIS
                .iter()
                .find(|e| e.provider == provider && e.api == api.name.value)
                .unwrap_or_else(|| {
                    panic!(
                        "{provider}/{} is not in the generated crate: run `cargo xtask gen`",
                        api.name.value
                    )
                });
            let label = format!("{provider}/{}", api.name.value);
            ran += check_examples(&label, api, entry, &mut failures);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(ran > 0, "no catalog in spec/ has examples");
}

/// A catalog whose example no longer matches fails `check` at the example.
#[test]
fn a_wrong_expectation_is_reported_at_its_example() {
    let text = r#"
provider: demo
title: Demo
as_of: 2026-12-01
sources:
  errors: {url: "https://docs.demo.example/errors", kind: official}
apis:
  api:
    body:
      code: {pointer: /error/code}
      message: /error/message
    headers:
      retry_after: Retry-After
    statuses:
      429: {meaning: Slow down., retry: throttled, source: errors}
    codes:
      rate_limited: {status: 429, description: Too many requests., source: errors}
    examples:
      - name: rate limited
        source: errors
        response:
          status: 429
          headers: {Retry-After: 3}
          body: {error: {code: rate_limited, message: Slow down}}
        expect: {code: rate_limited, retry: throttled, delay: 3s, message: Slow down}
      - name: wrong on purpose
        response:
          status: 429
          body: {error: {code: rate_limited}}
        expect: {code: other, retry: never, delay: 1s}
"#;
    let file = errspec_codegen::source::SourceFile::new("spec/demo.yaml", text);
    let loaded =
        errspec_codegen::load_catalog(&file).unwrap_or_else(|d| panic!("{}", d.render(&file)));
    let report = errspec_codegen::interpret::check_files(std::slice::from_ref(&file));
    assert_eq!(
        (report.examples, report.failures),
        (2, 1),
        "{}",
        report.rendered
    );
    let rendered = report.rendered;
    assert!(
        rendered.contains("error: example `wrong on purpose` no longer decodes as written"),
        "{rendered}"
    );
    assert!(rendered.contains("--> spec/demo.yaml:26:"), "{rendered}");
    assert!(
        rendered.contains("code: expected \"other\", decoded \"rate_limited\""),
        "{rendered}"
    );
    assert!(
        rendered.contains("retry: expected `never`, decoded `throttled`"),
        "{rendered}"
    );
    assert!(
        rendered.contains("delay: expected 1s, decoded none"),
        "{rendered}"
    );
    assert!(!rendered.contains("`rate limited`"), "{rendered}");
    assert_eq!(loaded.catalog.apis[0].examples.len(), 2);
}

/// An example can say what decided the class and which extras the body
/// carried; a wrong one is reported with both values, and an extra the API
/// does not have is a located error.
#[test]
fn examples_check_decided_by_and_extras() {
    let text = r#"
provider: demo
title: Demo
as_of: 2026-12-01
apis:
  api:
    body:
      code: {pointer: /error/code}
      extras:
        error_type: /error/type
        attempt: {pointer: /error/attempt, type: integer}
    rules:
      - name: card_error
        when: {field: {pointer: /error/type, equals: card_error}}
        retry: never
    statuses:
      402: {meaning: Declined., retry: backoff}
    examples:
      - name: as written
        response:
          status: 402
          body: {error: {code: card_declined, type: card_error, attempt: 2}}
        expect:
          retry: never
          decided_by: rule card_error
          extras: {error_type: card_error, attempt: 2}
      - name: wrong on purpose
        response:
          status: 402
          body: {error: {code: card_declined, attempt: 3}}
        expect:
          decided_by: rule card_error
          extras: {error_type: card_error, attempt: 2}
"#;
    let file = errspec_codegen::source::SourceFile::new("spec/demo.yaml", text);
    let report = errspec_codegen::interpret::check_files(std::slice::from_ref(&file));
    assert_eq!(
        (report.examples, report.failures),
        (2, 1),
        "{}",
        report.rendered
    );
    let rendered = report.rendered;
    for note in [
        "decided by: expected `rule card_error`, decoded `status`",
        "extra `error_type`: expected \"card_error\", decoded none",
        "extra `attempt`: expected 2, decoded 3",
    ] {
        assert!(rendered.contains(note), "{note}\n{rendered}");
    }

    let misspelt = text.replace(
        "extras: {error_type: card_error, attempt: 2}\n      - name: wrong",
        "extras: {error_typ: card_error}\n      - name: wrong",
    );
    let file = errspec_codegen::source::SourceFile::new("spec/demo.yaml", &misspelt);
    let diags = errspec_codegen::load_catalog(&file).expect_err("an unknown extra is an error");
    let rendered = diags.render(&file);
    assert!(
        rendered.contains("error: the API has no extra `error_typ`"),
        "{rendered}"
    );
    assert!(
        rendered.contains("did you mean `error_type`?"),
        "{rendered}"
    );
}

/// The bare provider name reaches the API the catalog makes its default
/// (its only API, or `default_api`), as `cargo xtask classify PROVIDER`
/// uses it; a provider with several APIs and no default has none.
#[test]
fn every_provider_has_its_default_api_in_the_registry() {
    for catalog in spec_catalogs() {
        let provider = catalog.provider.value.as_str();
        assert_eq!(
            errspec_providers::default_api(provider),
            catalog.default_api.as_deref(),
            "{provider}"
        );
    }
    assert_eq!(errspec_providers::default_api("stripe"), Some("api"));
    assert_eq!(errspec_providers::default_api("no_such_provider"), None);
}
