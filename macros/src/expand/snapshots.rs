//! Snapshot tests of the derive's expansion: each `tests/expand/NAME.rs`
//! holds one enum, and `tests/expand/NAME.expanded.rs` what it expands to,
//! formatted. `UPDATE_SNAPSHOTS=1 cargo test -p errspec-macros` rewrites
//! the expected files.

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
    let update = std::env::var_os("UPDATE_SNAPSHOTS").is_some();
    let mut stale = Vec::new();
    for input in inputs {
        let actual = expand_file(&input);
        let expected_path = input.with_extension("expanded.rs");
        let expected = fs::read_to_string(&expected_path).unwrap_or_default();
        if actual == expected {
            continue;
        }
        if update {
            fs::write(&expected_path, &actual).expect("write snapshot");
        } else {
            let diff = similar::TextDiff::from_lines(&expected, &actual)
                .unified_diff()
                .header("expected", "actual")
                .to_string();
            stale.push(format!("{}:\n{diff}", expected_path.display()));
        }
    }
    assert!(
        stale.is_empty(),
        "stale snapshots (UPDATE_SNAPSHOTS=1 cargo test -p errspec-macros rewrites them):\n{}",
        stale.join("\n")
    );
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
