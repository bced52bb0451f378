//! `generate` over a whole spec directory: the file set, every diagnostic
//! of every spec on failure, warnings on success, and cross-spec rules.

use std::fs;
use std::path::{Path, PathBuf};

use errspec_codegen::generate;
use errspec_codegen::output::{self, FileUpdate};
use errspec_codegen::project::{FileKind, GenerateError};

const GOOD: &str = "provider: good
title: Good
as_of: 2026-01-02
apis:
  api:
    body:
      code:
        pointer: /code
    statuses:
      400:
        meaning: Bad.
        retry: never
    codes:
      oops:
        status: 400
        description: Oops.
";

/// A fresh `…/spec` directory holding `files`.
fn project(name: &str, files: &[(&str, &str)]) -> PathBuf {
    let root = std::env::temp_dir().join(format!("errspec-gen-{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&root);
    fs::create_dir_all(root.join("spec")).unwrap();
    for (file, text) in files {
        fs::write(root.join("spec").join(file), text).unwrap();
    }
    root
}

fn run(root: &Path) -> Result<errspec_codegen::project::Generated, GenerateError> {
    generate(&root.join("spec"), &root.join("out"))
}

#[test]
fn generates_the_crate_docs_and_schema_and_writes_only_changes() {
    let root = project("ok", &[("good.yaml", GOOD)]);
    let generated = run(&root).unwrap();
    let mut paths: Vec<String> = generated
        .files
        .iter()
        .map(|(_, f)| f.path.strip_prefix(&root).unwrap().display().to_string())
        .collect();
    paths.sort();
    assert_eq!(
        paths,
        [
            "out/Cargo.toml",
            "out/docs/README.md",
            "out/docs/good.md",
            "out/src/good.rs",
            "out/src/lib.rs",
            "spec/schema.json"
        ]
    );
    assert_eq!(generated.files_of(&[FileKind::Docs]).len(), 2);
    for (_, f) in &generated.files {
        assert!(
            f.contents.starts_with("// @generated")
                || f.contents.starts_with("<!-- @generated")
                || f.contents.starts_with("# @generated")
                || f.path.ends_with("schema.json"),
            "{}",
            f.path.display()
        );
        assert_eq!(
            output::ensure_file_contents(&f.path, &f.contents).unwrap(),
            FileUpdate::Created
        );
        assert_eq!(
            output::ensure_file_contents(&f.path, &f.contents).unwrap(),
            FileUpdate::Unchanged
        );
    }
    let files: Vec<_> = generated.files.into_iter().map(|(_, f)| f).collect();
    assert!(output::drift(&files, &root.join("out")).unwrap().is_empty());

    // Deleting the spec leaves its files stale.
    fs::remove_file(root.join("spec/good.yaml")).unwrap();
    fs::write(root.join("spec/other.yaml"), GOOD.replace("good", "other")).unwrap();
    let files: Vec<_> = run(&root)
        .unwrap()
        .files
        .into_iter()
        .map(|(_, f)| f)
        .collect();
    let stale = output::stale_files(&files, &root.join("out")).unwrap();
    assert_eq!(
        stale,
        [root.join("out/docs/good.md"), root.join("out/src/good.rs")]
    );
    fs::remove_dir_all(&root).unwrap();
}

#[test]
fn reports_every_error_of_every_spec_with_warnings() {
    let bad = GOOD.replace("retry: never", "retry: sometimes");
    let warned = GOOD.replace("good", "warned").replace(
        "status: 400\n        description",
        "status: 404\n        description",
    );
    let root = project(
        "errors",
        &[
            ("bad.yaml", &bad),
            ("worse.yaml", "provider: [\n"),
            ("warned.yaml", &warned),
        ],
    );
    let Err(GenerateError::Spec { rendered, errors }) = run(&root) else {
        panic!("expected spec errors");
    };
    assert!(errors >= 2, "{rendered}");
    assert!(
        rendered.contains("unknown retry class `sometimes`"),
        "{rendered}"
    );
    assert!(rendered.contains("--> spec/bad.yaml:"), "{rendered}");
    assert!(rendered.contains("spec/worse.yaml"), "{rendered}");
    assert!(
        rendered.contains("warning:") && rendered.contains("spec/warned.yaml"),
        "{rendered}"
    );
    fs::remove_dir_all(&root).unwrap();
}

#[test]
fn warnings_alone_do_not_fail() {
    let warned = GOOD.replace(
        "status: 400\n        description",
        "status: 404\n        description",
    );
    let root = project("warnings", &[("good.yaml", &warned)]);
    let generated = run(&root).unwrap();
    assert!(
        generated.warnings.contains("warning:"),
        "{}",
        generated.warnings
    );
    fs::remove_dir_all(&root).unwrap();
}

#[test]
fn two_specs_may_not_name_the_same_provider() {
    let root = project(
        "dup",
        &[
            ("a.yaml", GOOD),
            ("b.yaml", GOOD),
            ("lib.yaml", &GOOD.replace("good", "lib")),
        ],
    );
    let Err(GenerateError::Spec { rendered, errors }) = run(&root) else {
        panic!("expected spec errors");
    };
    assert_eq!(errors, 2, "{rendered}");
    assert!(
        rendered.contains("provider `good` is defined by two specs"),
        "{rendered}"
    );
    assert!(
        rendered.contains("first defined in spec/a.yaml"),
        "{rendered}"
    );
    assert!(
        rendered.contains("provider name `lib` is reserved"),
        "{rendered}"
    );
    fs::remove_dir_all(&root).unwrap();
}

#[test]
fn a_missing_spec_directory_is_a_read_error() {
    let err = generate(
        Path::new("/nonexistent/spec"),
        Path::new("/nonexistent/out"),
    )
    .unwrap_err();
    assert!(matches!(err, GenerateError::Read { .. }));
    assert!(
        err.to_string()
            .starts_with("cannot read `/nonexistent/spec`"),
        "{err}"
    );
}
