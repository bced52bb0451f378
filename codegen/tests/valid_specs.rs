//! The layouts `spec/README.md` documents load cleanly and mean what it says:
//! one small catalog per layout in `tests/specs/valid/`, and the README's
//! complete example itself.

use std::path::{Path, PathBuf};

use errspec_codegen::load_catalog;
use errspec_codegen::model::{BodyFormat, Catalog, CodeSource, CodeType, CodeValue, ResetUnit};
use errspec_codegen::source::SourceFile;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Loads a catalog that must have neither errors nor warnings.
fn load_clean(name: &str, text: &str) -> Catalog {
    let file = SourceFile::new(name, text);
    match load_catalog(&file) {
        Ok(loaded) if loaded.warnings.is_empty() => loaded.catalog,
        Ok(loaded) => panic!("{}", loaded.warnings.render(&file)),
        Err(diags) => panic!("{}", diags.render(&file)),
    }
}

fn valid(name: &str) -> Catalog {
    let path = format!("tests/specs/valid/{name}.yaml");
    let text = std::fs::read_to_string(root().join(&path)).expect("read valid spec");
    load_clean(&path, &text)
}

#[test]
fn every_valid_spec_loads_cleanly() {
    let mut count = 0;
    for entry in std::fs::read_dir(root().join("tests/specs/valid")).expect("corpus") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "yaml") {
            let name = path.file_stem().unwrap().to_string_lossy().into_owned();
            valid(&name);
            count += 1;
        }
    }
    assert!(
        count >= 8,
        "expected one valid spec per layout, found {count}"
    );
}

#[test]
fn layouts_lower_as_documented() {
    let api = |c: Catalog| c.apis.into_iter().next().expect("an API");

    let no_code = api(valid("no-code"));
    assert!(no_code.body.code.is_none() && no_code.codes.is_empty());

    let envelope = api(valid("nested-envelope"));
    match &envelope.body.code {
        Some(CodeSource::Body(p)) => assert_eq!(p.segments, ["error", "code"]),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        envelope.body.request_id.as_ref().unwrap().segments,
        ["meta", "request_id"]
    );

    let integer = api(valid("integer-code"));
    assert_eq!(integer.body.code_type, CodeType::Integer);
    let values: Vec<&CodeValue> = integer.codes.iter().map(|c| &c.value).collect();
    assert_eq!(
        values,
        [
            &CodeValue::Int(1001),
            &CodeValue::Int(1002),
            &CodeValue::Int(-1)
        ]
    );
    let variants: Vec<&str> = integer.codes.iter().map(|c| c.variant.as_str()).collect();
    assert_eq!(variants, ["Code1001", "Code1002", "CodeMinus1"]);

    let header = api(valid("header-code"));
    assert_eq!(header.body.format, BodyFormat::Text);
    match &header.body.code {
        Some(CodeSource::Header(h)) => assert_eq!(h.value, "x-error-code"),
        other => panic!("{other:?}"),
    }

    let array = api(valid("error-array"));
    assert_eq!(array.body.errors.as_ref().unwrap().segments, ["errors"]);
    let fields = array.body.field_errors.as_ref().unwrap();
    assert!(fields.items.is_none());
    assert_eq!(fields.field.segments, ["source", "pointer"]);

    let several = api(valid("several-statuses"));
    assert_eq!(several.codes[0].statuses, [400, 422]);
    assert_eq!(
        several.codes[1].effective_class(&several),
        errspec_codegen::model::RetryClass::Never
    );

    let rate = valid("rate-limit-seconds");
    let send = &rate.apis[0];
    let limit = send.headers.rate_limit.as_ref().unwrap();
    assert_eq!(limit.reset_unit, ResetUnit::Seconds);
    assert_eq!(
        send.idempotency_header.as_ref().unwrap().value,
        "idempotency-key"
    );
    assert_eq!(
        rate.apis[1].docs_url.as_deref(),
        Some("https://docs.ratelimited.example/admin/errors")
    );
    assert_eq!(rate.apis[1].title, "RateLimited admin");
}

#[test]
fn documented_limits_lower_to_requests_per_interval_and_scope() {
    use errspec_codegen::model::LimitScope;
    use std::time::Duration;
    let catalog = valid("documented-limits");
    let limits: Vec<_> = catalog.apis[0]
        .limits
        .iter()
        .map(|l| (l.requests, l.per, l.scope, l.sources.clone()))
        .collect();
    let cited = vec!["limits_page".to_owned()];
    assert_eq!(
        limits,
        [
            (
                10,
                Duration::from_secs(1),
                LimitScope::Account,
                cited.clone()
            ),
            (1000, Duration::from_secs(3600), LimitScope::ApiKey, cited),
        ]
    );
}

/// The fenced blocks of `spec/README.md` with the given info string.
fn readme_blocks(info: &str) -> Vec<String> {
    let readme = std::fs::read_to_string(root().join("spec/README.md")).expect("spec/README.md");
    let fence = format!("```{info}\n");
    let mut blocks = Vec::new();
    let mut rest = readme.as_str();
    while let Some(start) = rest.find(&fence) {
        let body = &rest[start + fence.len()..];
        let end = body.find("```\n").expect("closed fence");
        blocks.push(body[..end].to_owned());
        rest = &body[end..];
    }
    blocks
}

#[test]
fn readme_complete_example_loads_cleanly() {
    let complete: Vec<String> = readme_blocks("yaml")
        .into_iter()
        .filter(|b| {
            b.starts_with("# yaml-language-server: $schema=./schema.json\n")
                && b.contains("\nprovider: ")
        })
        .collect();
    assert_eq!(complete.len(), 1, "one complete example in spec/README.md");
    let catalog = load_clean("spec/README.md", &complete[0]);
    assert_eq!(catalog.provider.value, "nimbusmail");
}

#[test]
fn readme_diagnostic_example_is_real_output() {
    let shown = readme_blocks("text");
    let actual = std::fs::read_to_string(root().join("tests/specs/invalid/duplicate-code.stderr"))
        .expect("snapshot");
    assert!(
        shown.contains(&actual),
        "the diagnostic in spec/README.md must be tests/specs/invalid/duplicate-code.stderr, verbatim"
    );
}

/// The "How names become Rust" table of `spec/README.md`.
#[test]
fn readme_naming_table_holds() {
    use errspec_codegen::model::{code_variant, status_variant};
    let s = |v: &str| code_variant(&CodeValue::Str(v.to_owned())).unwrap();
    assert_eq!(s("rate_limited"), "RateLimited");
    assert_eq!(s("RateLimited"), "RateLimited");
    assert_eq!(s("rate-limited"), "RateLimited");
    assert_eq!(s("2fa_required"), "Code2faRequired");
    assert_eq!(code_variant(&CodeValue::Int(1001)).unwrap(), "Code1001");
    assert_eq!(code_variant(&CodeValue::Int(-1)).unwrap(), "CodeMinus1");
    assert_eq!(status_variant(429), "TooManyRequests");
    assert_eq!(status_variant(599), "Status599");
}
