//! `spec/schema.json`: the JSON Schema of the spec language, derived from
//! the [`crate::spec`] types so the editor's view and the loader's agree.
//!
//! Editors pick it up from the first line of each spec,
//! `# yaml-language-server: $schema=./schema.json`. It is draft-07, the
//! draft every YAML language server understands.

use schemars::generate::SchemaSettings;
use serde_json::{Map, Value};

use crate::spec::Spec;

/// The JSON Schema of a spec file, pretty-printed with a trailing newline.
///
/// The output is byte-for-byte deterministic: property and definition names
/// are sorted whatever `serde_json` features the build enables, so the file
/// can be checked in and compared.
///
/// ```
/// let schema = errspec_codegen::schema::schema_json();
/// assert!(schema.contains("\"provider\""));
/// assert!(schema.ends_with("}\n"));
/// assert_eq!(schema, errspec_codegen::schema::schema_json());
/// ```
pub fn schema_json() -> String {
    let generator = SchemaSettings::draft07().into_generator();
    let schema = generator.into_root_schema_for::<Spec>();
    // Serializing a `Schema` puts the well-known keywords first (`$schema`,
    // `title`, `description`, `type`, …); the rest is sorted by `canonical`.
    let schema = schemars::Schema::try_from(canonical(schema.to_value()))
        .expect("a root schema is an object");
    let mut out = serde_json::to_string_pretty(&schema).expect("a schema always serializes");
    out.push('\n');
    out
}

/// Sorts object keys and unwraps doc-comment line breaks in descriptions
/// (editors render a description as one paragraph).
fn canonical(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            let mut out = Map::new();
            for (key, value) in entries {
                let value = match (key.as_str(), value) {
                    ("description", Value::String(s)) => Value::String(unwrap_lines(&s)),
                    (_, v) => canonical(v),
                };
                out.insert(key, value);
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.into_iter().map(canonical).collect()),
        other => other,
    }
}

/// Joins wrapped lines with spaces; keeps blank-line paragraph breaks.
fn unwrap_lines(s: &str) -> String {
    s.split("\n\n")
        .map(|paragraph| {
            paragraph
                .lines()
                .map(str::trim)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect::<Vec<_>>()
        .join("\n\n")
}
