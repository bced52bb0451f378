//! `errspec gen`, `check` and `docs` on a spec directory outside this
//! repository's `spec/` (the examples crate's own).
#![allow(missing_docs)]

use std::path::{Path, PathBuf};
use std::process::Command;

fn errspec(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_errspec"))
        .args(args)
        .output()
        .expect("run errspec");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("errspec-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn gen_check_and_docs_on_any_spec_directory() {
    let spec = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/spec");
    let spec = spec.to_str().unwrap();
    let root = scratch("gen");
    let out = root.join("errors");
    let docs = root.join("docs");
    let (out_s, docs_s) = (out.to_str().unwrap(), docs.to_str().unwrap());

    let (code, stdout, stderr) = errspec(&["check", spec, "--out", out_s]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(stderr.contains("error: missing:"), "{stderr}");

    let (code, stdout, stderr) = errspec(&["gen", spec, "--out", out_s]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("acme.rs") && stdout.contains("mod.rs"),
        "{stdout}"
    );
    let (code, stdout, _) = errspec(&["gen", spec, "--out", out_s]);
    assert_eq!(code, 0);
    assert!(stdout.starts_with("nothing changed"), "{stdout}");
    let (code, stdout, stderr) = errspec(&["check", spec, "--out", out_s]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.starts_with("ok: "), "{stdout}");

    std::fs::write(out.join("acme.rs"), "// @generated, then edited\n").unwrap();
    let (code, _, stderr) = errspec(&["check", spec, "--out", out_s]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("error: stale:") && stderr.contains("acme.rs"),
        "{stderr}"
    );

    let (code, _, stderr) = errspec(&["docs", spec, "--docs", docs_s]);
    assert_eq!(code, 0, "{stderr}");
    assert!(docs.join("acme.md").is_file() && docs.join("README.md").is_file());

    let (code, _, stderr) = errspec(&["gen", spec]);
    assert_eq!(code, 2);
    assert!(stderr.contains("missing --out DIR"), "{stderr}");
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn spec_errors_are_printed_located() {
    let root = scratch("broken");
    let spec = root.join("spec");
    std::fs::create_dir_all(&spec).unwrap();
    std::fs::write(spec.join("broken.yaml"), "provider: broken\napis: 3\n").unwrap();
    let out = root.join("out");
    let (code, _, stderr) = errspec(&[
        "gen",
        spec.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 1);
    assert!(stderr.contains("--> spec/broken.yaml:"), "{stderr}");
    assert!(!out.exists());
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn check_deny_warnings_fails_on_a_warning_that_check_lets_pass() {
    let root = scratch("warning");
    let spec = root.join("spec");
    std::fs::create_dir_all(&spec).unwrap();
    let warned = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/specs/invalid/reset-unit-without-reset.yaml");
    std::fs::copy(warned, spec.join("acme.yaml")).unwrap();
    let out = root.join("out");
    let (spec_s, out_s) = (spec.to_str().unwrap(), out.to_str().unwrap());
    let (code, _, stderr) = errspec(&["gen", spec_s, "--out", out_s]);
    assert_eq!(code, 0, "{stderr}");

    let (code, stdout, stderr) = errspec(&["check", spec_s, "--out", out_s]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("warning: `reset_unit` without a `reset` header"),
        "{stderr}"
    );
    assert!(stdout.starts_with("ok: "), "{stdout}");

    let (code, stdout, stderr) = errspec(&["check", spec_s, "--out", out_s, "--deny-warnings"]);
    assert_eq!(code, 1, "{stdout}");
    assert!(
        stderr.contains("warning: `reset_unit` without a `reset` header"),
        "{stderr}"
    );
    assert!(stderr.contains("--deny-warnings denies them"), "{stderr}");
    assert!(!stdout.contains("ok: "), "{stdout}");

    let (code, _, stderr) = errspec(&["gen", spec_s, "--out", out_s, "--deny-warnings"]);
    assert_eq!(code, 2, "only check takes --deny-warnings: {stderr}");
    let _ = std::fs::remove_dir_all(&root);
}
