//! Generating code for your own specs, from your `build.rs` or `xtask`, in
//! the style of prost-build.
//!
//! ```no_run
//! // build.rs
//! fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     errspec_codegen::Config::new().generate("spec")?; // into $OUT_DIR/errspec/
//!     Ok(())
//! }
//! ```
//!
//! ```ignore
//! // src/lib.rs: one module per provider (`errors::topmail::Error`, …)
//! pub mod errors {
//!     include!(concat!(env!("OUT_DIR"), "/errspec/mod.rs"));
//! }
//! ```
//!
//! The output directory holds `PROVIDER.rs` per spec (what `catalog!` and
//! `cargo xtask gen` produce for it) and `mod.rs`, which declares each
//! provider's module around an `include!` of its file. With an
//! [`out_dir`](Config::out_dir) inside `src/`, the same files are checked in
//! and used as an ordinary module (`mod errors;`); [`Config::check`] then
//! fails when they drift from the specs, with a diff, as `cargo xtask check`
//! does. Spec errors are every diagnostic of every spec in rustc's shape,
//! with `file:line:col` and a snippet: the [`Error`]'s `Display`.
//!
//! The generated code names `::errspec`: depend on
//! `errspec = { version = "0.1", default-features = false }` (and `http`).

use std::path::{Path, PathBuf};

use crate::interpret;
pub use crate::output::describe_drift;
use crate::output::{self, GeneratedFile};
use crate::project::{self, FileKind, GenerateError, Generated, Index, Plan};

/// Settings for generating Rust (and optionally Markdown docs) from a
/// directory of spec files; every setter documents its default.
#[derive(Clone, Debug, Default)]
#[must_use]
pub struct Config {
    out_dir: Option<PathBuf>,
    docs_dir: Option<PathBuf>,
    crate_path: Option<String>,
    rerun_if_changed: Option<bool>,
}

/// What [`Config::generate`] and [`Config::check`] found.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct Report {
    /// The files the specs produce.
    pub files: Vec<PathBuf>,
    /// The files written (created or changed) or, for `check`, none.
    pub written: Vec<PathBuf>,
    /// Files of specs that no longer exist, removed (by `generate`).
    pub removed: Vec<PathBuf>,
    /// Documented examples decoded as written (by `check`).
    pub examples: usize,
    /// Warnings, rendered in rustc's shape (empty when there are none).
    pub warnings: String,
}

/// Why generation or a check failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A spec has errors: every diagnostic of every spec, rendered.
    #[error("{rendered}error: {errors} error(s) in the specs")]
    Spec {
        /// All diagnostics, in rustc's shape.
        rendered: String,
        /// How many errors.
        errors: usize,
    },
    /// Documented examples do not decode as their catalog says.
    #[error(
        "{rendered}error: {failures} of {examples} documented examples do not decode as written"
    )]
    Examples {
        /// The failures, in rustc's shape.
        rendered: String,
        /// How many failed.
        failures: usize,
        /// How many there are.
        examples: usize,
    },
    /// Generated files differ from what the specs produce (`check`).
    #[error("{rendered}error: {count} generated file(s) out of date; regenerate them")]
    Drift {
        /// Each file with a short diff.
        rendered: String,
        /// How many files.
        count: usize,
    },
    /// [`Config::generate_docs`] without a [`Config::docs_dir`].
    #[error("no docs directory: call Config::docs_dir")]
    NoDocsDir,
    /// No output directory: neither [`Config::out_dir`] nor `OUT_DIR`.
    #[error("no output directory: call Config::out_dir, or run from a build script (OUT_DIR)")]
    NoOutDir,
    /// A file or directory could not be read or written.
    #[error("cannot access `{}`: {source}", path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

impl From<GenerateError> for Error {
    fn from(e: GenerateError) -> Error {
        match e {
            GenerateError::Spec { rendered, errors } => Error::Spec { rendered, errors },
            GenerateError::Read { path, source } => Error::Io { path, source },
        }
    }
}

impl Config {
    /// The defaults: output to `$OUT_DIR/errspec`, no docs, doc links to
    /// `crate`, `cargo:rerun-if-changed` lines when run by a build script.
    pub fn new() -> Config {
        Config::default()
    }

    /// Where the Rust files go (default `$OUT_DIR/errspec`, for a build
    /// script).
    pub fn out_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.out_dir = Some(dir.into());
        self
    }

    /// Also write one Markdown page per provider and an index there
    /// (default: no docs).
    pub fn docs_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.docs_dir = Some(dir.into());
        self
    }

    /// The path of the module holding the generated modules, as the docs'
    /// examples should name it (default `crate`), e.g. `my_api::errors`.
    pub fn crate_path(mut self, path: impl Into<String>) -> Self {
        self.crate_path = Some(path.into());
        self
    }

    /// Whether to print `cargo:rerun-if-changed` for the spec directory and
    /// each spec (default: when `OUT_DIR` is set, i.e. in a build script).
    pub fn emit_rerun_if_changed(mut self, emit: bool) -> Self {
        self.rerun_if_changed = Some(emit);
        self
    }

    /// Every file the specs in `spec_dir` produce, in memory, and the
    /// warnings; nothing is written.
    pub fn files(&self, spec_dir: impl AsRef<Path>) -> Result<(Vec<GeneratedFile>, String), Error> {
        let generated = self.generated(spec_dir.as_ref(), self.resolved_out_dir()?)?;
        Ok((
            generated.files_of(&[FileKind::Code, FileKind::Docs]),
            generated.warnings,
        ))
    }

    /// The pipeline `cargo xtask gen` runs, with this configuration's plan:
    /// the Rust files in `out_dir` around a `mod.rs`, the docs if asked for.
    fn generated(&self, spec_dir: &Path, out_dir: PathBuf) -> Result<Generated, Error> {
        let specs = project::read_specs(spec_dir)?;
        if self
            .rerun_if_changed
            .unwrap_or_else(|| std::env::var_os("OUT_DIR").is_some())
        {
            println!("cargo:rerun-if-changed={}", spec_dir.display());
            for spec in &specs {
                println!(
                    "cargo:rerun-if-changed={}",
                    spec_dir.join(file_name(&spec.name)).display()
                );
            }
        }
        let plan = Plan {
            code_dir: out_dir,
            index: Index::Modules,
            docs: self
                .docs_dir
                .clone()
                .map(|dir| (dir, self.crate_path.as_deref().unwrap_or("crate"))),
            schema: None,
        };
        Ok(plan.generate(&specs)?)
    }

    /// Generates the files for the specs in `spec_dir` and writes those
    /// whose content changed; removes the files of specs that are gone
    /// (only `PROVIDER.rs`/`PROVIDER.md` files this generator could have
    /// written). Warnings are in the report, not printed.
    pub fn generate(&self, spec_dir: impl AsRef<Path>) -> Result<Report, Error> {
        let generated = self.generated(spec_dir.as_ref(), self.resolved_out_dir()?)?;
        write(generated, &[FileKind::Code, FileKind::Docs])
    }

    /// Like [`generate`](Self::generate), for the Markdown docs only (in
    /// [`docs_dir`](Self::docs_dir), which this requires): no Rust is
    /// written.
    pub fn generate_docs(&self, spec_dir: impl AsRef<Path>) -> Result<Report, Error> {
        if self.docs_dir.is_none() {
            return Err(Error::NoDocsDir);
        }
        // The Rust files are produced in memory only, under any directory.
        let out_dir = self.out_dir.clone().unwrap_or_default();
        write(
            self.generated(spec_dir.as_ref(), out_dir)?,
            &[FileKind::Docs],
        )
    }

    /// Checks the specs in `spec_dir` (every diagnostic), decodes their
    /// documented examples, and fails if the files on disk differ from what
    /// the specs produce (missing, stale, or of a spec that is gone).
    pub fn check(&self, spec_dir: impl AsRef<Path>) -> Result<Report, Error> {
        let spec_dir = spec_dir.as_ref();
        let generated = self.generated(spec_dir, self.resolved_out_dir()?)?;
        let kinds = [FileKind::Code, FileKind::Docs];
        let files = generated.files_of(&kinds);
        let examples = interpret::check_dir(spec_dir)?;
        if examples.failures > 0 {
            return Err(Error::Examples {
                rendered: examples.rendered,
                failures: examples.failures,
                examples: examples.examples,
            });
        }
        let drift = output::drift(&files, &generated.leftovers(&kinds)?)?;
        if !drift.is_empty() {
            let mut rendered = String::new();
            for d in &drift {
                rendered.push_str(&describe_drift(None, d));
            }
            return Err(Error::Drift {
                rendered,
                count: drift.len(),
            });
        }
        Ok(Report {
            files: files.into_iter().map(|f| f.path).collect(),
            examples: examples.examples,
            warnings: generated.warnings,
            ..Report::default()
        })
    }

    fn resolved_out_dir(&self) -> Result<PathBuf, Error> {
        match &self.out_dir {
            Some(dir) => Ok(dir.clone()),
            None => std::env::var_os("OUT_DIR")
                .map(|dir| PathBuf::from(dir).join("errspec"))
                .ok_or(Error::NoOutDir),
        }
    }
}

/// Writes the `kinds` of `generated` that changed, and removes their
/// leftovers.
fn write(generated: Generated, kinds: &[FileKind]) -> Result<Report, Error> {
    let files = generated.files_of(kinds);
    let synced = output::sync(&files, &generated.leftovers(kinds)?)?;
    Ok(Report {
        files: files.into_iter().map(|f| f.path).collect(),
        written: synced.written.into_iter().map(|(path, _)| path).collect(),
        removed: synced.removed,
        warnings: generated.warnings,
        ..Report::default()
    })
}

impl From<output::IoError> for Error {
    fn from(e: output::IoError) -> Error {
        Error::Io {
            path: e.path,
            source: e.source,
        }
    }
}

/// `DIR/FILE` → `FILE` (spec sources are named with their directory).
fn file_name(name: &str) -> &str {
    name.rsplit('/').next().unwrap_or(name)
}
