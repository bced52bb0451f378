//! The whole project at once: every spec in a directory → every generated
//! file, in memory. One pipeline (load, check, sort, expand, render docs)
//! serves two plans: the providers crate with its docs and the spec schema
//! ([`generate_from`], for `cargo xtask gen`), and a user's modules
//! ([`crate::Config`]).
//!
//! Writing is a separate step ([`crate::output`]), so `cargo xtask gen`,
//! `cargo xtask check` and the drift test share this.

use std::fmt::Write as _;
use std::io;
use std::path::{Path, PathBuf};

use quote::quote;

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::docs::{self, DocSource};
use crate::expand;
use crate::model::Catalog;
use crate::output::{self, GeneratedFile, IoError};
use crate::source::SourceFile;
use crate::{Loaded, load_catalog, schema};

/// The Rust name of the generated crate (`errspec-providers`), used in its
/// docs and doc-tests.
pub const PROVIDERS_CRATE: &str = "errspec_providers";

/// Provider names that would collide with the crate's own files.
/// Provider names that would collide with the crate's own files or
/// features.
const RESERVED_PROVIDERS: &[&str] = &["lib", "readme", "all", "default"];

/// What a generated file is, so callers can pick a subset (`cargo xtask docs`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FileKind {
    /// Rust source of the providers crate.
    Code,
    /// Markdown under `docs/`.
    Docs,
    /// `spec/schema.json`.
    Schema,
}

/// Every file the specs produce, and the warnings found on the way.
#[derive(Clone, Debug)]
pub struct Generated {
    /// The files, in a fixed order, each with its kind.
    pub files: Vec<(FileKind, GeneratedFile)>,
    /// Every warning, rendered in rustc's shape (empty when there are none).
    pub warnings: String,
    /// The directories the generator owns files in: of each kind, the
    /// directory and the extension of its files there.
    dirs: Vec<(FileKind, PathBuf, &'static str)>,
}

impl Generated {
    /// The files of some kinds.
    pub fn files_of(&self, kinds: &[FileKind]) -> Vec<GeneratedFile> {
        self.files
            .iter()
            .filter(|(k, _)| kinds.contains(k))
            .map(|(_, f)| f.clone())
            .collect()
    }

    /// Files of `kinds` a generator wrote before that these specs no
    /// longer produce (of a spec that is gone): see [`output::leftovers`].
    pub fn leftovers(&self, kinds: &[FileKind]) -> Result<Vec<PathBuf>, IoError> {
        let files: Vec<GeneratedFile> = self.files.iter().map(|(_, f)| f.clone()).collect();
        let dirs: Vec<(&Path, &str)> = self
            .dirs
            .iter()
            .filter(|(kind, ..)| kinds.contains(kind))
            .map(|(_, dir, ext)| (dir.as_path(), *ext))
            .collect();
        output::leftovers(&files, &dirs)
    }
}

/// Why nothing could be generated.
#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    /// A spec has errors. `rendered` holds every diagnostic of every spec
    /// (warnings too), sorted per file, in rustc's shape.
    #[error("{rendered}")]
    Spec {
        /// All diagnostics, rendered.
        rendered: String,
        /// How many errors.
        errors: usize,
    },
    /// A spec directory or file could not be read.
    #[error("cannot read `{}`", path.display())]
    Read {
        /// What could not be read.
        path: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
}

/// Reads every `*.yaml` in `spec_dir`, sorted by file name. Each file is
/// named `DIR/FILE` (e.g. `spec/topmail.yaml`) for diagnostics.
///
/// An entry named `*.yaml` that is not a readable file (a directory, a
/// dangling symlink, a symlink loop, a file over [`crate::MAX_SPEC_BYTES`])
/// or whose name is not plain ASCII (`[A-Za-z0-9._-]`) is an error, never
/// skipped: skipping it would drop its provider from the generated crate
/// and `cargo xtask gen` would delete its files.
pub fn read_specs(spec_dir: &Path) -> Result<Vec<SourceFile>, GenerateError> {
    let read_err = |path: &Path| {
        let path = path.to_path_buf();
        move |source| GenerateError::Read { path, source }
    };
    let mut paths = Vec::new();
    for entry in std::fs::read_dir(spec_dir).map_err(read_err(spec_dir))? {
        let path = entry.map_err(read_err(spec_dir))?.path();
        if path.extension().is_some_and(|e| e == "yaml") {
            paths.push(path);
        }
    }
    paths.sort();
    let dir_name = spec_dir
        .file_name()
        .map(|d| d.to_string_lossy().into_owned());
    paths
        .into_iter()
        .map(|path| {
            let file = path.file_name().map_or_else(
                || path.display().to_string(),
                |f| f.to_string_lossy().into_owned(),
            );
            if !file
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
            {
                return Err(read_err(&path)(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "a spec file name may hold only ASCII letters, digits, `.`, `_` and `-`",
                )));
            }
            let text = crate::read_spec_file(&path).map_err(read_err(&path))?;
            let name = match &dir_name {
                Some(dir) => format!("{dir}/{file}"),
                None => file,
            };
            Ok(SourceFile::new(name, text))
        })
        .collect()
}

/// Loads and checks every spec, then generates every file: `OUT/Cargo.toml`,
/// `OUT/src/lib.rs`, `OUT/src/PROVIDER.rs`, `OUT/docs/PROVIDER.md`,
/// `OUT/docs/README.md` and `SPEC/schema.json`. On any error, returns every
/// diagnostic of every spec.
pub fn generate_from(
    specs: &[SourceFile],
    spec_dir: &Path,
    out_dir: &Path,
) -> Result<Generated, GenerateError> {
    Plan {
        code_dir: out_dir.join("src"),
        index: Index::Crate {
            manifest_dir: out_dir,
        },
        docs: Some((out_dir.join("docs"), PROVIDERS_CRATE)),
        schema: Some(spec_dir.join("schema.json")),
    }
    .generate(specs)
}

/// Where the one pipeline puts its files: each provider's `PROVIDER.rs` in
/// `code_dir`, the [`Index`] around them, and optionally the Markdown docs
/// and the spec schema. `cargo xtask gen` ([`generate_from`]) and
/// [`crate::Config`] differ only in their plan.
#[derive(Clone, Debug)]
pub(crate) struct Plan<'a> {
    /// The directory of the `PROVIDER.rs` files.
    pub(crate) code_dir: PathBuf,
    /// What declares the providers' modules.
    pub(crate) index: Index<'a>,
    /// The docs directory and the Rust path the docs' examples name.
    pub(crate) docs: Option<(PathBuf, &'a str)>,
    /// Where `schema.json` goes, if anywhere.
    pub(crate) schema: Option<PathBuf>,
}

/// What declares the providers' modules.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Index<'a> {
    /// `mod.rs` in the code directory: each provider's module, documented,
    /// around an `include!` of its file (for a user's `OUT_DIR` or `src/`).
    Modules,
    /// The crate [`PROVIDERS_CRATE`]: `lib.rs` (the registry) in the code
    /// directory, and a `Cargo.toml` with a feature per provider.
    Crate {
        /// Where `Cargo.toml` goes.
        manifest_dir: &'a Path,
    },
}

impl Plan<'_> {
    /// The pipeline: loads and checks every spec (on error, every
    /// diagnostic of every spec, with the warnings of files without errors),
    /// sorts the catalogs by provider, and renders each file of the plan.
    pub(crate) fn generate(&self, specs: &[SourceFile]) -> Result<Generated, GenerateError> {
        let mut rendered = String::new();
        let mut warnings = String::new();
        let mut errors = 0;
        let mut loaded = Vec::new();
        for file in specs {
            match load_catalog(file) {
                Ok(l) => {
                    if !l.warnings.is_empty() {
                        warnings.push_str(&l.warnings.render(file));
                    }
                    loaded.push((file, l));
                }
                Err(diags) => {
                    errors += diags.iter().filter(|d| d.is_error()).count();
                    rendered.push_str(&diags.render(file));
                }
            }
        }
        errors += check_providers(&loaded, &mut rendered);
        if errors > 0 {
            // Warnings of files without errors still belong to the report.
            rendered.push_str(&warnings);
            return Err(GenerateError::Spec { rendered, errors });
        }
        loaded.sort_by(|a, b| a.1.catalog.provider.value.cmp(&b.1.catalog.provider.value));
        let catalogs: Vec<&Catalog> = loaded.iter().map(|(_, l)| &l.catalog).collect();

        let mut files = Vec::new();
        let mut push = |kind, path: PathBuf, contents| {
            files.push((kind, GeneratedFile { path, contents }));
        };
        if let Index::Crate { manifest_dir } = self.index {
            push(
                FileKind::Code,
                manifest_dir.join("Cargo.toml"),
                providers_manifest(&catalogs),
            );
            let owned: Vec<Catalog> = catalogs.iter().map(|&c| c.clone()).collect();
            push(
                FileKind::Code,
                self.code_dir.join("lib.rs"),
                expand::render_file(expand::expand_registry(&owned, PROVIDERS_CRATE)),
            );
        }
        for catalog in &catalogs {
            push(
                FileKind::Code,
                self.code_dir.join(format!("{}.rs", catalog.provider.value)),
                expand::render_file(expand::expand_catalog(catalog)),
            );
        }
        if let Index::Modules = self.index {
            push(
                FileKind::Code,
                self.code_dir.join("mod.rs"),
                expand::render_file(module_index(&catalogs)),
            );
        }
        if let Some((docs_dir, crate_path)) = &self.docs {
            let sources: Vec<DocSource<'_>> = loaded
                .iter()
                .map(|(file, l)| DocSource {
                    catalog: &l.catalog,
                    file,
                })
                .collect();
            push(
                FileKind::Docs,
                docs_dir.join("README.md"),
                docs::render_index(&sources),
            );
            for source in &sources {
                push(
                    FileKind::Docs,
                    docs_dir.join(format!("{}.md", source.catalog.provider.value)),
                    docs::render_provider(*source, crate_path),
                );
            }
        }
        if let Some(schema) = &self.schema {
            push(FileKind::Schema, schema.clone(), schema::schema_json());
        }
        let mut dirs = vec![(FileKind::Code, self.code_dir.clone(), "rs")];
        if let Some((docs_dir, _)) = &self.docs {
            dirs.push((FileKind::Docs, docs_dir.clone(), "md"));
        }
        Ok(Generated {
            files,
            warnings,
            dirs,
        })
    }
}

/// `mod.rs` for [`Index::Modules`]: each provider's module, with its
/// rustdoc, around an `include!` of its file.
fn module_index(catalogs: &[&Catalog]) -> proc_macro2::TokenStream {
    let mut index = proc_macro2::TokenStream::new();
    for catalog in catalogs {
        let provider = &catalog.provider.value;
        let file = format!("{provider}.rs");
        let docs = expand::doc_attrs(&expand::provider_doc(catalog));
        let name = expand::ident(provider);
        index.extend(quote! {
            #docs
            pub mod #name {
                include!(#file);
            }
        });
    }
    index
}

/// The providers crate's manifest: one feature per provider, all on by
/// default (`all`).
fn providers_manifest(catalogs: &[&Catalog]) -> String {
    let mut features = String::from("default = [\"all\"]\n## Every provider.\nall = [");
    let names: Vec<String> = catalogs
        .iter()
        .map(|c| format!("\"{}\"", c.provider.value))
        .collect();
    features.push_str(&names.join(", "));
    features.push_str("]\n");
    for catalog in catalogs {
        let title = catalog.title.replace(['\n', '\r'], " ");
        features.push_str(&format!(
            "## {title} (catalog as of {}).\n{} = []\n",
            catalog.as_of.value, catalog.provider.value
        ));
    }
    format!(
        r#"# @generated by `cargo xtask gen` from spec/*.yaml; do not edit.
[package]
name = "errspec-providers"
description = "Typed errors, decoders and retry classes for the providers in errspec's spec/ (generated)"
version.workspace = true
edition.workspace = true
rust-version.workspace = true
license.workspace = true
repository.workspace = true

# One feature per provider, all on by default: a crate that needs one
# provider depends on `errspec-providers` with `default-features = false,
# features = ["stripe"]` and compiles that provider's module only.
[features]
{features}
# The code in src/ is written by `cargo xtask gen` from spec/*.yaml; it
# reaches http and serde through `errspec::__private`.
# Only the decoding half of the runtime: no reqwest, tokio or proc-macros.
[dependencies]
errspec.workspace = true

[dev-dependencies]
http.workspace = true

[lints]
workspace = true
"#
    )
}

/// Providers become module and file names: no two specs may name the same
/// provider, and none may take a name the crate uses itself. Returns the
/// number of errors rendered into `out`.
fn check_providers(loaded: &[(&SourceFile, Loaded)], out: &mut String) -> usize {
    let mut errors = 0;
    for (i, (file, l)) in loaded.iter().enumerate() {
        let provider = &l.catalog.provider;
        let mut diags = Diagnostics::new();
        if let Some((first, _)) = loaded[..i]
            .iter()
            .find(|(_, other)| other.catalog.provider.value == provider.value)
        {
            diags.push(
                Diagnostic::error(
                    provider.span,
                    format!("provider `{}` is defined by two specs", provider.value),
                )
                .with_label("defined again here")
                .with_plain_note(format!("first defined in {}", first.name)),
            );
        }
        if RESERVED_PROVIDERS.contains(&provider.value.as_str()) {
            diags.push(
                Diagnostic::error(
                    provider.span,
                    format!("provider name `{}` is reserved", provider.value),
                )
                .with_label("the generated crate uses this file name itself"),
            );
        }
        if !diags.is_empty() {
            errors += diags.len();
            let _ = write!(out, "{}", diags.render(file));
        }
    }
    errors
}
