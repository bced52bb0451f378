//! The proc-macros' UI tests, run by trybuild: each `tests/ui/*.rs` makes
//! one mistake (the file is named after it) and must fail to compile with
//! the errors in the `.stderr` beside it; each `tests/ui/pass/*.rs` must
//! compile and run.
//!
//! `TRYBUILD=overwrite cargo test -p errspec-ui --test compiletest`
//! rewrites the `.stderr` files (they depend on the pinned rustc).

use std::fs;
use std::path::{Path, PathBuf};

#[test]
fn ui() {
    stage_specs();
    let t = trybuild::TestCases::new();
    t.compile_fail("*.rs");
    t.pass("pass/*.rs");
}

/// trybuild builds the cases as a crate of its own, whose manifest is in
/// `<target>/tests/trybuild/errspec-ui/`; spec paths are relative to
/// the manifest. Copying the seed specs and the UI fixtures to `spec/`
/// there lets every case say `spec = "spec/topmail.yaml"`, as user code does.
fn stage_specs() {
    let target = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("CARGO_TARGET_TMPDIR is <target>/tmp");
    let dest = target.join("tests/trybuild/errspec-ui/spec");
    fs::create_dir_all(&dest).expect("create the trybuild project's spec/");
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    for dir in [manifest.join("../../spec"), manifest.join("spec")] {
        for yaml in yaml_files(&dir) {
            let name = yaml.file_name().expect("a file name");
            fs::copy(&yaml, dest.join(name)).expect("copy a spec");
        }
    }
}

fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    let entries = fs::read_dir(dir).unwrap_or_else(|e| panic!("read {}: {e}", dir.display()));
    entries
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect()
}
