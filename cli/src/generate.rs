//! `errspec gen`, `check` and `docs` on any spec directory: thin callers of
//! `errspec_codegen::Config`, the same library a build script uses.

use std::process::ExitCode;

use errspec_codegen::Config;

use crate::args::{Generate, GenerateKind};

/// Runs `g`; diagnostics and drift go to stderr, written files to stdout.
/// Exit 0 on success, 1 on spec errors, failing examples, drift or I/O
/// errors.
pub fn run(g: &Generate) -> ExitCode {
    let mut config = Config::new().emit_rerun_if_changed(false);
    if let Some(out) = &g.out {
        config = config.out_dir(out);
    }
    if let Some(docs) = &g.docs {
        config = config.docs_dir(docs);
    }
    if let Some(path) = &g.crate_path {
        config = config.crate_path(path);
    }
    let result = match g.kind {
        GenerateKind::Gen => config.generate(&g.spec_dir),
        GenerateKind::Check => config.check(&g.spec_dir),
        GenerateKind::Docs => config.generate_docs(&g.spec_dir),
    };
    match result {
        Ok(report) => {
            eprint!("{}", report.warnings);
            for path in &report.written {
                println!("wrote {}", path.display());
            }
            for path in &report.removed {
                println!("removed {}", path.display());
            }
            if g.kind == GenerateKind::Check {
                println!(
                    "ok: specs check, {} documented examples decode as written and {} generated files are up to date",
                    report.examples,
                    report.files.len()
                );
            } else if report.written.is_empty() && report.removed.is_empty() {
                println!("nothing changed: {} files up to date", report.files.len());
            }
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("{error}");
            ExitCode::FAILURE
        }
    }
}
