//! Generated files are fresh: regenerating from `spec/` in memory gives
//! exactly what is checked in under `generated/` (crate and docs) and
//! `spec/schema.json`, so plain `cargo test` catches a forgotten
//! `cargo xtask gen`.

use std::path::{Path, PathBuf};

use errspec_codegen::output::{GeneratedFile, describe_drift, drift};
use errspec_codegen::project::FileKind;

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ is inside the workspace")
        .to_path_buf()
}

#[test]
fn generated_files_match_the_specs() {
    let root = workspace_root();
    let generated = errspec_codegen::generate(&root.join("spec"), &root.join("generated"))
        .unwrap_or_else(|e| {
            let cause = std::error::Error::source(&e).map(|c| format!(": {c}"));
            panic!(
                "the specs do not generate:\n{e}{}",
                cause.unwrap_or_default()
            )
        });
    let leftovers = generated
        .leftovers(&[FileKind::Code, FileKind::Docs])
        .expect("read generated files");
    let files: Vec<GeneratedFile> = generated.files.into_iter().map(|(_, f)| f).collect();
    let stale = drift(&files, &leftovers).expect("read generated files");
    if stale.is_empty() {
        return;
    }
    let report: Vec<String> = stale
        .iter()
        .map(|d| describe_drift(Some(&root), d))
        .collect();
    panic!(
        "{}\n{} generated file(s) out of date; run `cargo xtask gen`",
        report.join("\n"),
        stale.len()
    );
}
