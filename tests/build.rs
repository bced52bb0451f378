//! Writes `$OUT_DIR/derived.rs`: for every API of every catalog in `spec/`
//! and in `tests/specs/valid/`, enums that `#[derive(ApiError)]` binds to
//! it, so `tests/derive_parity.rs` runs each catalog's documented examples
//! through the derived enums and the generated type alike (the
//! `errspec-providers` type for `spec/`, `catalog!`'s for the fixtures). A
//! catalog added to either directory gets its enums here, with no test edit.
//!
//! Per API, `Full`: one variant per code and one per listed status, plus
//! the catch-all, each keeping every part (the decided class included);
//! and, for an API whose class depends only on its code and status
//! tables, `Lean`: the same variants keeping no decision, so their
//! classes come from the derive's own per-variant rules.

use std::fmt::Write as _;
use std::path::Path;

use errspec_codegen::expand::has_classifier;
use errspec_codegen::model::{Api, CodeValue};

const DECIDED: &str = "retry_class: ::errspec::RetryClass, decided_by: ::errspec::DecidedBy,";
const PARTS: &str = "status: ::http::StatusCode, code: ::core::option::Option<::std::string::String>, \
     message: ::core::option::Option<::std::string::String>, \
     request_id: ::core::option::Option<::std::string::String>, \
     field_errors: ::std::vec::Vec<::errspec::FieldError>, hints: ::errspec::DelayHints, \
     raw: ::core::option::Option<::std::string::String>, extras: ::errspec::Extras,";

fn main() {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out = String::new();
    let mut entries = String::new();
    // (directory from the workspace root, whether `errspec-providers` has its types)
    for (dir, shipped) in [("spec", true), ("tests/specs/valid", false)] {
        let spec_dir = manifest.join("..").join(dir);
        println!("cargo::rerun-if-changed={}", spec_dir.display());
        let files = errspec_codegen::project::read_specs(&spec_dir).expect("read specs");
        for file in &files {
            let loaded = errspec_codegen::load_catalog(file)
                .unwrap_or_else(|d| panic!("{}", d.render(file)));
            let catalog = loaded.catalog;
            let provider = &catalog.provider.value;
            let path = format!(
                "../{dir}/{}",
                file.name.rsplit('/').next().unwrap_or_default()
            );
            let root = if shipped {
                "::errspec_providers".to_owned()
            } else {
                let module = format!("catalog__{provider}");
                writeln!(
                    out,
                    "#[allow(non_snake_case)] mod {module} {{ ::errspec::catalog!({path:?}); }}"
                )
                .unwrap();
                module
            };
            for api in &catalog.apis {
                let module = format!("{provider}__{}", api.name.value);
                writeln!(out, "#[allow(non_snake_case, dead_code)] mod {module} {{").unwrap();
                write_enum(&mut out, "Full", &path, api, &format!("{PARTS} {DECIDED}"));
                let lean = !has_classifier(api);
                if lean {
                    write_enum(&mut out, "Lean", &path, api, PARTS);
                }
                writeln!(out, "}}").unwrap();
                let lean = if lean {
                    format!(
                        "::core::option::Option::Some(::errspec::registry::ApiEntry::of::<{module}::Lean>())"
                    )
                } else {
                    "::core::option::Option::None".to_owned()
                };
                // The generated type: in the provider's module, or in the
                // API's submodule when the provider has several.
                let generated = if catalog.apis.len() == 1 {
                    format!("{root}::{provider}::Error")
                } else {
                    format!("{root}::{provider}::{}::Error", api.name.value)
                };
                writeln!(
                    entries,
                    "    Derived {{ file: {:?}, api: {:?}, \
                     generated: ::errspec::registry::ApiEntry::of::<{generated}>(), \
                     full: ::errspec::registry::ApiEntry::of::<{module}::Full>(), lean: {lean}, \
                     idempotency: (<{module}::Full as ::errspec::ApiError>::IDEMPOTENCY, \
                     <{generated} as ::errspec::ApiError>::IDEMPOTENCY) }},",
                    format!("{dir}/{}", file.name.rsplit('/').next().unwrap_or_default()),
                    api.name.value,
                )
                .unwrap();
            }
        }
    }
    writeln!(
        out,
        "/// Every API's derived enums.\nstatic DERIVED: &[Derived] = &[\n{entries}];"
    )
    .unwrap();
    let dest = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("derived.rs");
    std::fs::write(dest, out).expect("write derived.rs");
}

fn write_enum(out: &mut String, name: &str, spec: &str, api: &Api, fields: &str) {
    writeln!(
        out,
        "#[derive(Debug, ::errspec::ApiError)]\n#[errspec(spec = {spec:?}, api = {:?})]\npub enum {name} {{",
        api.name.value
    )
    .unwrap();
    for (i, code) in api.codes.iter().enumerate() {
        let text = match &code.value {
            CodeValue::Str(s) => s.clone(),
            CodeValue::Int(n) => n.to_string(),
        };
        writeln!(out, "    #[errspec(code = {text:?})] C{i} {{ {fields} }},").unwrap();
    }
    for (i, status) in api.statuses.iter().enumerate() {
        writeln!(
            out,
            "    #[errspec(status = {})] S{i} {{ {fields} }},",
            status.status
        )
        .unwrap();
    }
    writeln!(out, "    #[errspec(other)] Other {{ {fields} }},\n}}").unwrap();
}
