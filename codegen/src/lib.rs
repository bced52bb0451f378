//! The errspec code generator: one library behind `cargo xtask gen`, the
//! proc-macros and the tests.
//!
//! The pipeline, one module per stage: [`load`] (YAML → [`spec::Spec`], with
//! spans) → [`model`] (typed, normalized) → [`check`] (every cross-cutting
//! rule) → [`expand`] (Rust tokens) and [`docs`] (Markdown) → [`output`]
//! (write what changed). [`generate`] runs it over a whole `spec/`
//! directory; `errspec::catalog!` calls [`expand::expand_catalog`] on one.
//! [`interpret`] runs a catalog's documented examples through the
//! runtime's decoder (`cargo xtask check`, the tests).
//!
//! For your own specs, from your `build.rs` or `xtask`: [`Config`]
//! (`Config::new().out_dir(…).generate("spec")`), with the same
//! diagnostics and drift check.
#![forbid(unsafe_code)]

pub mod check;
pub mod config;
pub mod diagnostic;
pub mod docs;
pub mod expand;
pub mod interpret;
pub mod load;
pub mod model;
pub mod node;
pub mod output;
pub mod project;
pub mod schema;
pub mod source;
pub mod spec;

pub use config::Config;
use diagnostic::Diagnostics;
use model::Catalog;
use source::SourceFile;

/// A catalog that loaded and passed every check, with its warnings.
#[derive(Clone, Debug)]
pub struct Loaded {
    /// The catalog.
    pub catalog: Catalog,
    /// Warnings (never errors).
    pub warnings: Diagnostics,
}

/// Runs load → model → check over one spec file. On any error, returns
/// every diagnostic (errors and warnings) for rendering.
pub fn load_catalog(file: &SourceFile) -> Result<Loaded, Diagnostics> {
    let (spec, mut diags) = load::load(&file.text);
    let Some(spec) = spec else {
        return Err(diags);
    };
    let catalog = model::lower(&spec, &mut diags);
    check::check(&spec, &catalog, &mut diags);
    if diags.has_errors() {
        Err(diags)
    } else {
        Ok(Loaded {
            catalog,
            warnings: diags,
        })
    }
}

/// Generates every file the specs in `spec_dir` produce, in memory: the
/// providers crate under `out_dir` (`src/lib.rs`, `src/PROVIDER.rs`), its
/// docs (`docs/README.md`, `docs/PROVIDER.md`) and `spec_dir/schema.json`.
/// On any spec error, returns every diagnostic of every spec, rendered.
///
/// Write the result with [`output::ensure_file_contents`], or compare it
/// with what is on disk with [`output::drift`].
pub fn generate(
    spec_dir: &std::path::Path,
    out_dir: &std::path::Path,
) -> Result<project::Generated, project::GenerateError> {
    let specs = project::read_specs(spec_dir)?;
    project::generate_from(&specs, spec_dir, out_dir)
}
