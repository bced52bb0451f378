//! The errspec code generator: one library behind `cargo xtask gen`, the
//! proc-macros and the tests.
//!
//! The pipeline, one module per stage: [`load`] (YAML → [`spec::Spec`], with
//! spans) → [`model`] (typed, normalized) → [`check`] (every cross-cutting
//! rule).
#![forbid(unsafe_code)]

pub mod check;
pub mod diagnostic;
pub mod load;
pub mod model;
pub mod node;
pub mod schema;
pub mod source;
pub mod spec;

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
