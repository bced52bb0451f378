//! Snapshot tests of the derive's expansion: each `tests/expand/NAME.rs`
//! holds one enum, and `tests/expand/NAME.expanded.rs` what it expands to,
//! formatted (`expect_file!`). `UPDATE_EXPECT=1 cargo test -p
//! errspec-macros` rewrites the expected files.

use std::fs;
use std::path::{Path, PathBuf};

use super::derive;

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn expansions_match_their_snapshots() {
    let dir = manifest_dir().join("tests/expand");
    let mut inputs: Vec<PathBuf> = fs::read_dir(&dir)
        .expect("tests/expand")
        .map(|e| e.expect("entry").path())
        .filter(|p| {
            p.extension().is_some_and(|e| e == "rs")
                && !p.to_string_lossy().ends_with(".expanded.rs")
        })
        .collect();
    inputs.sort();
    assert!(!inputs.is_empty());
    for input in inputs {
        expect_test::expect_file![input.with_extension("expanded.rs")]
            .assert_eq(&expand_file(&input));
    }
}

/// The expansion of the one enum in `path`, formatted, with the workspace
/// path (in `include_str!`) made machine-independent.
fn expand_file(path: &Path) -> String {
    let text = fs::read_to_string(path).expect("read input");
    let file = syn::parse_file(&text).expect("input parses");
    let input = file
        .items
        .into_iter()
        .find_map(|item| match item {
            syn::Item::Enum(e) => Some(syn::DeriveInput::from(e)),
            syn::Item::Struct(s) => Some(syn::DeriveInput::from(s)),
            _ => None,
        })
        .expect("an enum");
    let tokens = derive(&input, manifest_dir());
    let expanded = syn::parse2::<syn::File>(tokens).expect("expansion parses");
    let workspace = manifest_dir()
        .parent()
        .expect("workspace")
        .canonicalize()
        .expect("canonical workspace");
    prettyplease::unparse(&expanded).replace(&*workspace.to_string_lossy(), "$WORKSPACE")
}
