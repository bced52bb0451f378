//! Error types of this crate's own catalogs (`spec/acme.yaml`: [`acme`]),
//! generated at build time by `build.rs` with `errspec_codegen::Config`.

include!(concat!(env!("OUT_DIR"), "/errspec/mod.rs"));
