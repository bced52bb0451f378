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
    assert_eq!(removed, ["defaults.md", "defaults.rs"]);
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

/// `Config` and `cargo xtask gen` are one pipeline with two plans: over this
/// repository's `spec/`, every provider file and docs page is the same
/// text; only the files around them differ (`mod.rs` for a user's module,
/// `Cargo.toml`, `lib.rs` and `schema.json` for the providers crate).
#[test]
fn config_and_xtask_generate_the_same_files() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let spec = root.join("spec");
    let scratch = scratch("same");
    let (out, docs) = (scratch.join("out"), scratch.join("docs"));
    let (from_config, config_warnings) = Config::new()
        .out_dir(&out)
        .docs_dir(&docs)
        .crate_path(errspec_codegen::project::PROVIDERS_CRATE)
        .emit_rerun_if_changed(false)
        .files(&spec)
        .unwrap();
    let crate_dir = scratch.join("generated");
    let from_xtask = errspec_codegen::generate(&spec, &crate_dir).unwrap();
    assert_eq!(config_warnings, from_xtask.warnings);

    // Each path relative to its own root, with the crate's `src/` dropped.
    let by_name = |files: Vec<(PathBuf, String)>, roots: &[PathBuf]| {
        let mut named: Vec<(String, String)> = files
            .into_iter()
            .map(|(path, contents)| {
                let name = roots
                    .iter()
                    .find_map(|r| path.strip_prefix(r).ok())
                    .unwrap_or(&path)
                    .display()
                    .to_string();
                (name, contents)
            })
            .collect();
        named.sort();
        named
    };
    let config = by_name(
        from_config
            .into_iter()
            .map(|f| (f.path, f.contents))
            .collect(),
        &[out.clone(), scratch.clone()],
    );
    let xtask = by_name(
        from_xtask
            .files
            .into_iter()
            .map(|(_, f)| (f.path, f.contents))
            .collect(),
        &[crate_dir.join("src"), crate_dir.clone(), root.clone()],
    );
    let only = |of: &[(String, String)], not_in: &[(String, String)]| -> Vec<String> {
        of.iter()
            .filter(|(name, _)| !not_in.iter().any(|(n, _)| n == name))
            .map(|(name, _)| name.clone())
            .collect()
    };
    assert_eq!(only(&config, &xtask), ["mod.rs"]);
    assert_eq!(
        only(&xtask, &config),
        ["Cargo.toml", "lib.rs", "spec/schema.json"]
    );
    let mut shared = 0;
    for (name, contents) in &config {
        if let Some((_, other)) = xtask.iter().find(|(n, _)| n == name) {
            assert!(contents == other, "{name} differs between Config and xtask");
            shared += 1;
        }
    }
    // A provider file and a docs page per spec, and the docs index.
    let specs = fs::read_dir(&spec)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "yaml")
        })
        .count();
    assert_eq!(shared, 2 * specs + 1);
    let _ = fs::remove_dir_all(&scratch);
}
