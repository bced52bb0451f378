//! `errspec_codegen::Config`, the entry point for users' build scripts and
//! xtasks: generate, write-if-changed, check with drift, leftovers, errors.
#![allow(missing_docs)]

use std::fs;
use std::path::{Path, PathBuf};

use errspec_codegen::Config;
use errspec_codegen::config::Error;

/// A fresh directory under the target's temp dir.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("errspec-config-{}-{name}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

fn fixture_specs(dir: &Path) {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    for name in ["defaults.yaml", "two_statuses.yaml"] {
        fs::copy(fixtures.join(name), dir.join(name)).unwrap();
    }
}

#[test]
fn generates_checks_and_reports_drift() {
    let root = scratch("drift");
    let (spec, out, docs) = (root.join("spec"), root.join("out"), root.join("docs"));
    fs::create_dir_all(&spec).unwrap();
    fixture_specs(&spec);
    let config = Config::new()
        .out_dir(&out)
        .docs_dir(&docs)
        .emit_rerun_if_changed(false);

    let report = config.generate(&spec).unwrap();
    assert_eq!(report.written.len(), report.files.len());
    let index = fs::read_to_string(out.join("mod.rs")).unwrap();
    assert!(index.contains("pub mod defaults {"), "{index}");
    assert!(index.contains("include!(\"two_statuses.rs\")"), "{index}");
    assert!(docs.join("two_statuses.md").is_file());
    // The per-provider file is what `catalog!` and `cargo xtask gen` write.
    let two = fs::read_to_string(out.join("two_statuses.rs")).unwrap();
    assert!(two.contains("pub enum Code"), "{two}");

    // A second run writes nothing; a check passes.
    assert!(config.generate(&spec).unwrap().written.is_empty());
    let checked = config.check(&spec).unwrap();
    assert_eq!(checked.files.len(), report.files.len());

    // A hand edit is drift, with a diff that names the file.
    fs::write(out.join("defaults.rs"), "// edited\n").unwrap();
    let Err(Error::Drift { rendered, count }) = config.check(&spec) else {
        panic!("expected drift");
    };
    assert_eq!(count, 1);
    assert!(
        rendered.contains("error: stale:") && rendered.contains("defaults.rs"),
        "{rendered}"
    );

    assert_eq!(config.generate(&spec).unwrap().written.len(), 1);

    // A spec removed: its generated files are leftovers (drift for `check`,
    // removed by `generate`), a user's own file beside them is never touched.
    fs::write(out.join("mine.rs"), "// my own code\n").unwrap();
    fs::remove_file(spec.join("defaults.yaml")).unwrap();
    let Err(Error::Drift { rendered, .. }) = config.check(&spec) else {
        panic!("expected drift");
    };
    assert!(rendered.contains("no longer generated"), "{rendered}");
    let report = config.generate(&spec).unwrap();
    let removed: Vec<_> = report
        .removed
        .iter()
        .filter_map(|p| p.file_name())
        .collect();
    assert_eq!(removed, ["defaults.rs", "defaults.md"]);
    assert!(out.join("mine.rs").is_file());
    config.check(&spec).unwrap();
    let _ = fs::remove_dir_all(&root);
}

#[test]
fn spec_errors_are_located_and_nothing_is_written() {
    let root = scratch("errors");
    let (spec, out) = (root.join("spec"), root.join("out"));
    fs::create_dir_all(&spec).unwrap();
    fs::write(
        spec.join("broken.yaml"),
        "provider: broken\ntitle: Broken\nas_of: 2026-01-02\napis:\n  api:\n    statuses:\n      99:\n        meaning: no\n        retry: never\n",
    )
    .unwrap();
    let config = Config::new().out_dir(&out).emit_rerun_if_changed(false);
    let Err(error @ Error::Spec { .. }) = config.generate(&spec) else {
        panic!("expected spec errors");
    };
    let text = error.to_string();
    assert!(text.contains("--> spec/broken.yaml:"), "{text}");
    assert!(!out.exists());
    // Without out_dir and outside a build script there is nowhere to write.
    if std::env::var_os("OUT_DIR").is_none() {
        assert!(matches!(Config::new().files(&spec), Err(Error::NoOutDir)));
    }
    let _ = fs::remove_dir_all(&root);
}
