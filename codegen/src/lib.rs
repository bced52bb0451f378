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

// The stages a proc-macro needs (load, model, check, expand) are always
// here; what writes files is behind features, so that `errspec::catalog!`
// and the derive compile no template engine, schema generator, diff or
// formatter (see `Cargo.toml`).
pub mod check;
#[cfg(feature = "files")]
pub mod config;
pub mod diagnostic;
#[cfg(feature = "docs")]
pub mod docs;
pub mod example;
pub mod expand;
#[cfg(feature = "files")]
pub mod interpret;
pub mod load;
pub mod model;
pub mod node;
#[cfg(feature = "files")]
pub mod output;
#[cfg(feature = "files")]
pub mod project;
#[cfg(feature = "schema")]
pub mod schema;
pub mod source;
pub mod spec;
pub mod text;

#[cfg(feature = "files")]
pub use config::Config;
use diagnostic::Diagnostics;
use model::Catalog;
use source::SourceFile;

/// The largest spec file the generator reads: 10 MiB. A catalog of ten
/// thousand codes is about 1 MiB; a larger file is a mistake or an attack
/// (a device that never ends), and is refused before it is read whole.
pub const MAX_SPEC_BYTES: usize = 10 * 1024 * 1024;

/// The most codes one API may list (a located error beyond): the largest
/// real catalogs have a few thousand.
pub const MAX_CODES_PER_API: usize = 100_000;

/// Reads a spec file, refusing one that is not a regular file (after
/// symlinks: a directory, a dangling link or a loop is an error) or that
/// holds more than [`MAX_SPEC_BYTES`] (without reading past that, so a
/// device that never ends is refused too).
pub fn read_spec_file(path: &std::path::Path) -> std::io::Result<String> {
    use std::io::{Error, ErrorKind, Read};
    let meta = std::fs::metadata(path)?;
    if meta.is_dir() {
        return Err(Error::new(
            ErrorKind::InvalidInput,
            "is a directory, not a spec file",
        ));
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)?
        .take(MAX_SPEC_BYTES as u64 + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() > MAX_SPEC_BYTES {
        return Err(Error::new(
            ErrorKind::InvalidData,
            format!(
                "larger than the {} MiB a spec file may hold",
                MAX_SPEC_BYTES >> 20
            ),
        ));
    }
    String::from_utf8(bytes).map_err(|e| Error::new(ErrorKind::InvalidData, e))
}

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
    if file.text.len() > MAX_SPEC_BYTES {
        let mut diags = Diagnostics::new();
        diags.push(diagnostic::Diagnostic::error(
            file.start(),
            format!(
                "the spec is {} bytes, more than the {} MiB a spec may hold",
                file.text.len(),
                MAX_SPEC_BYTES >> 20
            ),
        ));
        return Err(diags);
    }
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
/// Write the result, and remove the files of specs that are gone, with
/// [`output::sync`] and [`Generated::leftovers`](project::Generated::leftovers);
/// or compare it with what is on disk with [`output::drift`].
#[cfg(feature = "files")]
pub fn generate(
    spec_dir: &std::path::Path,
    out_dir: &std::path::Path,
) -> Result<project::Generated, project::GenerateError> {
    let specs = project::read_specs(spec_dir)?;
    project::generate_from(&specs, spec_dir, out_dir)
}
