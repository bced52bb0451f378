//! Generated files are fresh: regenerating from `spec/` in memory gives
//! exactly what is checked in under `generated/` (crate and docs) and
//! `spec/schema.json`, so plain `cargo test` catches a forgotten
//! `cargo xtask gen`.

use std::path::{Path, PathBuf};

use errspec_codegen::output::{Drift, GeneratedFile, drift};

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
    let files: Vec<GeneratedFile> = generated.files.into_iter().map(|(_, f)| f).collect();
    let stale = drift(&files, &root.join("generated")).expect("read generated files");
    if stale.is_empty() {
        return;
    }
    let report: Vec<String> = stale.iter().map(|d| describe(&root, d)).collect();
    panic!(
        "{}\n{} generated file(s) out of date; run `cargo xtask gen`",
        report.join("\n"),
        stale.len()
    );
}

fn describe(root: &Path, d: &Drift) -> String {
    let path = d
        .path
        .strip_prefix(root)
        .unwrap_or(&d.path)
        .display()
        .to_string();
    let old = d.actual.as_deref().unwrap_or("");
    let new = d.expected.as_deref().unwrap_or("");
    let what = match (&d.actual, &d.expected) {
        (None, _) => "missing",
        (_, None) => "no longer generated",
        _ => "stale",
    };
    let diff = similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(2)
        .header(
            &format!("{path} (checked in)"),
            &format!("{path} (from specs)"),
        )
        .to_string();
    let short: Vec<&str> = diff.lines().take(30).collect();
    format!("{what}: {path}\n{}", short.join("\n"))
}
