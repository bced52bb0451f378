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
    let leftovers = generated
        .leftovers(&[FileKind::Code, FileKind::Docs])
        .unwrap();
    assert_eq!(leftovers, Vec::<PathBuf>::new());
    let files: Vec<_> = generated.files.into_iter().map(|(_, f)| f).collect();
    assert!(output::drift(&files, &leftovers).unwrap().is_empty());

    // Deleting the spec leaves its files stale.
    fs::remove_file(root.join("spec/good.yaml")).unwrap();
    fs::write(root.join("spec/other.yaml"), GOOD.replace("good", "other")).unwrap();
    let stale = run(&root)
        .unwrap()
        .leftovers(&[FileKind::Code, FileKind::Docs])
        .unwrap();
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

/// A `*.yaml` entry that cannot be read as a spec (a directory, a dangling
/// symlink, a symlink loop, a name that is not plain ASCII) is an error,
/// never skipped: skipped, its provider would vanish and `cargo xtask gen`
/// would delete its generated files.
#[cfg(unix)]
#[test]
fn unreadable_spec_entries_are_errors_not_skipped() {
    type Make = fn(&Path);
    let cases: [(&str, Make); 4] = [
        ("dir", |spec| {
            fs::create_dir(spec.join("other.yaml")).unwrap()
        }),
        ("dangling", |spec| {
            std::os::unix::fs::symlink(spec.join("gone.yaml"), spec.join("other.yaml")).unwrap()
        }),
        ("loop", |spec| {
            std::os::unix::fs::symlink(spec.join("other.yaml"), spec.join("other.yaml")).unwrap()
        }),
        ("name", |spec| {
            fs::write(spec.join("a b.yaml"), GOOD).unwrap()
        }),
    ];
    for (name, make) in cases {
        let root = project(&format!("entry-{name}"), &[("good.yaml", GOOD)]);
        make(&root.join("spec"));
        let err = run(&root).unwrap_err();
        assert!(matches!(err, GenerateError::Read { .. }), "{name}: {err}");
        fs::remove_dir_all(&root).unwrap();
    }
}

/// A spec larger than the limit is refused without reading it whole: an
/// endless device (`/dev/zero`) too.
#[cfg(unix)]
#[test]
fn spec_files_are_read_up_to_the_limit() {
    let err = errspec_codegen::read_spec_file(Path::new("/dev/zero")).unwrap_err();
    assert!(err.to_string().contains("larger than the 10 MiB"), "{err}");
    let root = project("big", &[("good.yaml", GOOD)]);
    let big = format!("{GOOD}# {}\n", "x".repeat(errspec_codegen::MAX_SPEC_BYTES));
    fs::write(root.join("spec/big.yaml"), &big).unwrap();
    assert!(matches!(
        run(&root).unwrap_err(),
        GenerateError::Read { .. }
    ));
    fs::remove_dir_all(&root).unwrap();
    // Text handed over directly is checked too, with a located error.
    let file = errspec_codegen::source::SourceFile::new("spec/big.yaml", big);
    let diags = errspec_codegen::load_catalog(&file).unwrap_err();
    assert!(diags.render(&file).contains("--> spec/big.yaml:1:1"));
}

/// More codes than an API may have is a located error.
#[test]
fn code_count_is_capped() {
    let mut spec = String::from(GOOD);
    for i in 0..errspec_codegen::MAX_CODES_PER_API {
        spec.push_str(&format!("      c{i}: {{ status: 400, description: C. }}\n"));
    }
    let file = errspec_codegen::source::SourceFile::new("spec/many.yaml", spec);
    let rendered = errspec_codegen::load_catalog(&file)
        .unwrap_err()
        .render(&file);
    assert!(
        rendered.contains("lists 100001 codes, more than the 100000"),
        "{rendered}"
    );
}

/// The crate example only shows a code it can carry: a header code must be
/// a header value the decoder reads back (`café` is not, even though it is
/// the throttled one), so the example uses another.
#[test]
fn the_crate_example_skips_codes_a_header_cannot_carry() {
    let spec = "provider: hdr
title: Hdr
as_of: 2026-01-02
apis:
  api:
    body: { code: { header: X-Error-Code } }
    headers: { retry_after: Retry-After }
    statuses:
      400: { meaning: Bad., retry: never }
      429: { meaning: Slow., retry: throttled }
    codes:
      café: { status: 429, description: Accented. }
      plain: { status: 400, description: Plain. }
";
    let file = errspec_codegen::source::SourceFile::new("spec/hdr.yaml", spec);
    let catalog = errspec_codegen::load_catalog(&file).unwrap().catalog;
    let lib = errspec_codegen::expand::render_file(errspec_codegen::expand::expand_registry(
        &[catalog],
        "errspec_providers",
    ));
    assert!(lib.contains("Some(&Code::Plain)"), "{lib}");
    assert!(!lib.contains("from_static(\"café\")"), "{lib}");
}

/// What the crate docs say of a provider is behind its feature: a build
/// with the provider off has no link to its missing module and no
/// doc-test that uses it.
#[test]
fn the_crate_docs_name_a_provider_only_under_its_feature() {
    let spec = |provider: &str| {
        format!(
            "provider: {provider}
title: T
as_of: 2026-01-02
apis:
  api:
    body: {{ code: {{ pointer: /code }} }}
    statuses:
      429: {{ meaning: Slow., retry: throttled }}
    codes:
      slow: {{ status: 429, description: Slow. }}
"
        )
    };
    let catalogs: Vec<_> = ["alpha", "beta"]
        .iter()
        .map(|p| {
            let file = errspec_codegen::source::SourceFile::new(format!("spec/{p}.yaml"), spec(p));
            errspec_codegen::load_catalog(&file).unwrap().catalog
        })
        .collect();
    let lib = errspec_codegen::expand::render_file(errspec_codegen::expand::expand_registry(
        &catalogs,
        "errspec_providers",
    ));
    for provider in ["alpha", "beta"] {
        // The table's row: a link, only with the feature.
        let link = format!("[`{provider}::Error`]");
        let row = lib
            .split("#![cfg_attr(")
            .find(|attr| attr.contains(&link))
            .unwrap_or_else(|| panic!("no gated row links {link}:\n{lib}"));
        assert!(
            row.trim_start()
                .starts_with(&format!("feature = \"{provider}\"")),
            "{row}"
        );
        assert!(
            !lib.lines()
                .any(|l| l.starts_with("//!") && l.contains(&link)),
            "{lib}"
        );
    }
    // The example's code compiles only with its provider.
    let gate = lib
        .lines()
        .position(|l| l == "//! # #[cfg(feature = \"alpha\")] {")
        .unwrap_or_else(|| panic!("no gated example:\n{lib}"));
    let uses = lib
        .lines()
        .position(|l| l.contains("use errspec_providers::alpha::"))
        .unwrap_or_else(|| panic!("no example:\n{lib}"));
    assert!(gate < uses, "{lib}");
}
