//! The invalid-spec corpus: every `tests/specs/invalid/NAME.yaml` holds one
//! mistake (named after it) and its expected diagnostics, rendered as
//! `cargo xtask check` prints them, sit beside it in `NAME.stderr`.
//!
//! Run with `UPDATE_EXPECT=1` to rewrite the `.stderr` files after a
//! deliberate change (`expect_file!`); otherwise a mismatch fails with a
//! diff.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use errspec_codegen::load_catalog;
use errspec_codegen::source::SourceFile;
use expect_test::expect_file;

const DIR: &str = "tests/specs/invalid";

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("specs/invalid")
}

fn files_with_extension(ext: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(corpus_dir())
        .expect("tests/specs/invalid exists")
        .map(|entry| entry.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .collect();
    files.sort();
    files
}

fn stem(path: &Path) -> String {
    path.file_stem()
        .expect("a file name")
        .to_string_lossy()
        .into_owned()
}

/// What `cargo xtask check` prints for one fixture: every diagnostic,
/// errors and warnings, sorted, then the summary line.
fn render(name: &str) -> (String, bool) {
    let path = corpus_dir().join(format!("{name}.yaml"));
    let text = std::fs::read_to_string(&path).expect("read fixture");
    let file = SourceFile::new(format!("{DIR}/{name}.yaml"), text);
    match load_catalog(&file) {
        Ok(loaded) => (loaded.warnings.render(&file), false),
        Err(diags) => (diags.render(&file), true),
    }
}

#[test]
fn every_invalid_spec_gets_its_located_diagnostics() {
    let fixtures = files_with_extension("yaml");
    let mut failures = String::new();
    let mut errors = 0;
    for path in &fixtures {
        let name = stem(path);
        let (actual, is_error) = render(&name);
        errors += usize::from(is_error);

        // Every fixture shows at least one located diagnostic, in its own file.
        let location = format!("--> {DIR}/{name}.yaml:");
        if !actual.contains(&location) {
            let _ = writeln!(
                failures,
                "{name}.yaml: no located diagnostic (`{location}…`); output:\n{actual}"
            );
            continue;
        }

        expect_file![path.with_extension("stderr")].assert_eq(&actual);
    }
    assert!(failures.is_empty(), "{failures}");
    assert!(
        fixtures.len() >= 30,
        "the corpus should hold at least 30 fixtures, found {}",
        fixtures.len()
    );
    assert!(
        errors * 5 >= fixtures.len() * 4,
        "most fixtures must be errors, not warnings ({errors} of {})",
        fixtures.len()
    );
}

#[test]
fn every_snapshot_has_its_spec() {
    let orphans: Vec<String> = files_with_extension("stderr")
        .iter()
        .filter(|p| !p.with_extension("yaml").exists())
        .map(|p| stem(p))
        .collect();
    assert!(
        orphans.is_empty(),
        "snapshots without a spec (delete them): {orphans:?}"
    );
}

#[test]
fn rendering_is_deterministic() {
    for path in files_with_extension("yaml") {
        let name = stem(&path);
        assert_eq!(render(&name), render(&name), "{name}.yaml");
    }
}
