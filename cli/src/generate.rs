//! `errspec gen`, `check` and `docs` on any spec directory: thin callers of
//! `errspec_codegen::Config`, the same library a build script uses, or,
//! with `--crate DIR`, of the whole-project generator
//! (`errspec_codegen::project`) that writes this repository's `generated/`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use errspec_codegen::Config;
use errspec_codegen::config::describe_drift;
use errspec_codegen::output::{self, FileUpdate, GeneratedFile};
use errspec_codegen::project::{FileKind, GenerateError, Generated};

use crate::args::{Generate, GenerateKind};

/// Runs `g`; diagnostics and drift go to stderr, written files to stdout.
/// Exit 0 on success, 1 on spec errors, failing examples, drift or I/O
/// errors.
pub fn run(g: &Generate) -> ExitCode {
    if let Some(crate_dir) = &g.crate_dir {
        let result = match g.kind {
            GenerateKind::Gen => write_crate(
                g,
                crate_dir,
                &[FileKind::Code, FileKind::Docs, FileKind::Schema],
            ),
            GenerateKind::Docs => write_crate(g, crate_dir, &[FileKind::Docs]),
            GenerateKind::Check => check_crate(g, crate_dir),
        };
        return match result {
            Ok(true) => ExitCode::SUCCESS,
            Ok(false) => ExitCode::FAILURE,
            Err(error) => {
                eprintln!("error: {error}");
                ExitCode::FAILURE
            }
        };
    }
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
                if !warnings_allowed(g, &report.warnings) {
                    return ExitCode::FAILURE;
                }
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

/// Why a `--crate` run stopped.
#[derive(Debug)]
enum CrateError {
    Generate(GenerateError),
    Io(PathBuf, std::io::Error),
}

impl From<output::IoError> for CrateError {
    fn from(e: output::IoError) -> CrateError {
        CrateError::Io(e.path, e.source)
    }
}

impl std::fmt::Display for CrateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CrateError::Generate(e) => write!(f, "{e}"),
            CrateError::Io(path, e) => write!(f, "{}: {e}", path.display()),
        }
    }
}

/// The providers crate's files, warnings printed; `None` (diagnostics
/// printed) when a spec has errors.
fn generate_crate(g: &Generate, crate_dir: &Path) -> Result<Option<Generated>, CrateError> {
    match errspec_codegen::generate(&g.spec_dir, crate_dir) {
        Ok(generated) => {
            eprint!("{}", generated.warnings);
            Ok(Some(generated))
        }
        Err(GenerateError::Spec { rendered, .. }) => {
            eprint!("{rendered}");
            Ok(None)
        }
        Err(e) => Err(CrateError::Generate(e)),
    }
}

/// Writes the files of `kinds` that changed, and removes the files of
/// deleted specs (of those kinds), printing each path.
fn write_crate(g: &Generate, crate_dir: &Path, kinds: &[FileKind]) -> Result<bool, CrateError> {
    let Some(generated) = generate_crate(g, crate_dir)? else {
        return Ok(false);
    };
    let root = shown_root(crate_dir);
    let files = generated.files_of(kinds);
    let synced = output::sync(&files, &generated.leftovers(kinds)?)?;
    for (path, update) in &synced.written {
        let verb = match update {
            FileUpdate::Created => "created",
            FileUpdate::Updated | FileUpdate::Unchanged => "updated",
        };
        println!("{verb} {}", relative(&root, path));
    }
    for path in &synced.removed {
        println!("removed {}", relative(&root, path));
    }
    if synced.written.is_empty() && synced.removed.is_empty() {
        println!("nothing changed: {} files up to date", files.len());
    }
    Ok(true)
}

/// Every diagnostic, every documented example decoded, then drift.
fn check_crate(g: &Generate, crate_dir: &Path) -> Result<bool, CrateError> {
    let Some(generated) = generate_crate(g, crate_dir)? else {
        return Ok(false);
    };
    if !warnings_allowed(g, &generated.warnings) {
        return Ok(false);
    }
    let examples =
        errspec_codegen::interpret::check_dir(&g.spec_dir).map_err(CrateError::Generate)?;
    if examples.failures > 0 {
        eprint!("{}", examples.rendered);
        eprintln!(
            "error: {} of {} documented examples do not decode as written",
            examples.failures, examples.examples
        );
        return Ok(false);
    }
    let leftovers = generated.leftovers(&[FileKind::Code, FileKind::Docs])?;
    let files: Vec<GeneratedFile> = generated.files.into_iter().map(|(_, f)| f).collect();
    let drift = output::drift(&files, &leftovers)?;
    if drift.is_empty() {
        println!(
            "ok: specs check, {} documented examples decode as written and {} generated files are up to date",
            examples.examples,
            files.len()
        );
        return Ok(true);
    }
    let root = shown_root(crate_dir);
    for d in &drift {
        eprint!("{}", describe_drift(Some(&root), d));
    }
    eprintln!(
        "error: {} generated file{} out of date; run `errspec gen {} --crate {}`",
        drift.len(),
        if drift.len() == 1 { " is" } else { "s are" },
        g.spec_dir.display(),
        crate_dir.display(),
    );
    Ok(false)
}

/// Whether `check` may pass with `warnings` (already printed): always,
/// unless `--deny-warnings` was given and there are some.
fn warnings_allowed(g: &Generate, warnings: &str) -> bool {
    if g.deny_warnings && !warnings.is_empty() {
        eprintln!("error: the specs have warnings (above), and --deny-warnings denies them");
        return false;
    }
    true
}

/// Paths are printed relative to the directory that holds the crate (the
/// repository root for `generated/`).
fn shown_root(crate_dir: &Path) -> PathBuf {
    crate_dir
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

fn relative(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string()
}
