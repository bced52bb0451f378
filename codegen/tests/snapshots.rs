//! Snapshot tests of the generator over a fixture matrix.
//!
//! Each `fixtures/NAME.yaml` is a small spec exercising one layout feature;
//! beside it, `NAME.rs` is the expanded code and `NAME.md` the docs page.
//! Run with `UPDATE_SNAPSHOTS=1` to rewrite them after an intended change
//! (then review the diff). `fixtures_compile.rs` compiles every `NAME.rs`.

use std::path::{Path, PathBuf};

use errspec_codegen::docs::{self, DocSource};
use errspec_codegen::expand::{expand_catalog, render_file};
use errspec_codegen::load_catalog;
use errspec_codegen::source::SourceFile;

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn fixtures() -> Vec<PathBuf> {
    let mut specs: Vec<PathBuf> = std::fs::read_dir(fixtures_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    specs.sort();
    specs
}

/// Compares `actual` with the snapshot at `path`, or rewrites the snapshot
/// when `UPDATE_SNAPSHOTS` is set. Returns a failure message.
fn check_snapshot(path: &Path, actual: &str) -> Option<String> {
    let expected = std::fs::read_to_string(path).ok();
    if expected.as_deref() == Some(actual) {
        return None;
    }
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(path, actual).unwrap();
        return None;
    }
    let name = path.file_name().unwrap().to_string_lossy();
    let Some(expected) = expected else {
        return Some(format!("{name}: snapshot missing"));
    };
    let (line, want, got) = expected
        .lines()
        .map(Some)
        .chain(std::iter::repeat(None))
        .zip(actual.lines().map(Some).chain(std::iter::repeat(None)))
        .enumerate()
        .find(|(_, (a, b))| a != b)
        .map(|(i, (a, b))| (i + 1, a.unwrap_or("<end>"), b.unwrap_or("<end>")))
        .unwrap_or((0, "", ""));
    Some(format!(
        "{name}: differs from line {line}\n  snapshot: {want}\n  now:      {got}"
    ))
}

#[test]
fn fixtures_match_their_snapshots() {
    let specs = fixtures();
    assert!(specs.len() >= 8, "the fixture matrix is missing");
    let mut failures = Vec::new();
    for spec in &specs {
        let name = spec.file_name().unwrap().to_string_lossy().into_owned();
        let file = SourceFile::new(
            format!("fixtures/{name}"),
            std::fs::read_to_string(spec).unwrap(),
        );
        let loaded = match load_catalog(&file) {
            Ok(loaded) => loaded,
            Err(diags) => panic!("{}", diags.render(&file)),
        };
        let code = render_file(expand_catalog(&loaded.catalog));
        let page = docs::render_provider(
            DocSource {
                catalog: &loaded.catalog,
                file: &file,
            },
            "fixtures",
        );
        failures.extend(check_snapshot(&spec.with_extension("rs"), &code));
        failures.extend(check_snapshot(&spec.with_extension("md"), &page));
    }
    assert!(
        failures.is_empty(),
        "{}\n\nIf the change is intended, run `UPDATE_SNAPSHOTS=1 cargo test -p errspec-codegen --test snapshots` and review the diff.",
        failures.join("\n")
    );
}

#[test]
fn generation_is_deterministic() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let run = || {
        errspec_codegen::generate(&root.join("spec"), &root.join("generated"))
            .unwrap()
            .files
    };
    let first = run();
    assert!(first.len() >= 9);
    assert_eq!(first, run());
}
