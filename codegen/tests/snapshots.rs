//! Snapshot tests of the generator over a fixture matrix.
//!
//! Each `fixtures/NAME.yaml` is a small spec exercising one layout feature;
//! beside it, `NAME.rs` is the expanded code and `NAME.md` the docs page.
//! Run with `UPDATE_EXPECT=1` to rewrite them after an intended change
//! (then review the diff). `fixtures_compile.rs` compiles every `NAME.rs`.

use std::path::{Path, PathBuf};

use errspec_codegen::docs::{self, DocSource};
use errspec_codegen::expand::{expand_catalog, render_file};
use errspec_codegen::load_catalog;
use errspec_codegen::source::SourceFile;
use expect_test::expect_file;

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

#[test]
fn fixtures_match_their_snapshots() {
    let specs = fixtures();
    assert!(specs.len() >= 8, "the fixture matrix is missing");
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
        expect_file![spec.with_extension("rs")].assert_eq(&code);
        expect_file![spec.with_extension("md")].assert_eq(&page);
    }
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
