//! `spec/schema.json` is fresh, agrees with the loader's key lists, and
//! accepts every catalog the loader accepts (the seeds and the valid corpus).

use std::path::{Path, PathBuf};

use errspec_codegen::load::KEYS;
use errspec_codegen::node::{self, Node, NodeKind};
use errspec_codegen::schema::schema_json;
use serde_json::{Map, Value};

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ is inside the workspace")
        .to_path_buf()
}

fn schema() -> Value {
    serde_json::from_str(&schema_json()).expect("schema_json() is JSON")
}

/// Written by `cargo xtask gen`; `UPDATE_EXPECT=1` rewrites it too.
#[test]
fn schema_file_is_fresh() {
    expect_test::expect_file![workspace_root().join("spec/schema.json")].assert_eq(&schema_json());
}

#[test]
fn schema_is_deterministic_and_valid_draft_07() {
    assert_eq!(schema_json(), schema_json());
    let schema = schema();
    assert_eq!(schema["$schema"], "http://json-schema.org/draft-07/schema#");
    if let Err(e) = jsonschema::meta::validate(&schema) {
        panic!("spec/schema.json is not a valid draft-07 schema: {e}");
    }
}

/// The properties of every object definition (the root is `Spec`).
fn definitions_with_properties(schema: &Value) -> Vec<(String, Vec<String>)> {
    let keys = |def: &Value| -> Option<Vec<String>> {
        let mut keys: Vec<String> = def
            .get("properties")?
            .as_object()?
            .keys()
            .cloned()
            .collect();
        keys.sort();
        Some(keys)
    };
    let mut out = vec![(
        "Spec".to_owned(),
        keys(schema).expect("the root has properties"),
    )];
    for (name, def) in schema["definitions"].as_object().expect("definitions") {
        if let Some(k) = keys(def) {
            out.push((name.clone(), k));
        }
    }
    out.sort();
    out
}

#[test]
fn loader_keys_match_schema_properties() {
    let in_schema = definitions_with_properties(&schema());
    let mut in_loader: Vec<(String, Vec<String>)> = KEYS
        .iter()
        .map(|(name, keys)| {
            let mut keys: Vec<String> = keys.iter().map(|k| (*k).to_owned()).collect();
            keys.sort();
            ((*name).to_owned(), keys)
        })
        .collect();
    in_loader.sort();
    assert_eq!(
        in_loader, in_schema,
        "errspec_codegen::load::KEYS (left) and the schema's definitions (right) disagree"
    );
}

/// A YAML node as the JSON an editor's validator sees (keys are strings).
fn to_json(n: &Node) -> Value {
    match &n.kind {
        NodeKind::Null => Value::Null,
        NodeKind::Bool(b) => Value::Bool(*b),
        NodeKind::Int(i) => i64::try_from(*i).map_or_else(|_| Value::from(*i as f64), Value::from),
        NodeKind::Float(f) => Value::from(*f),
        NodeKind::Str(s) => Value::String(s.clone()),
        NodeKind::Seq(items) => Value::Array(items.iter().map(to_json).collect()),
        NodeKind::Map(entries) => {
            let mut map = Map::new();
            for (k, v) in entries {
                map.insert(k.scalar_text().unwrap_or_default(), to_json(v));
            }
            Value::Object(map)
        }
    }
}

fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    files
}

#[test]
fn seed_and_valid_specs_validate_against_the_schema() {
    let validator = jsonschema::draft7::new(&schema()).expect("the schema compiles");
    let root = workspace_root();
    let mut files = yaml_files(&root.join("spec"));
    assert!(files.len() >= 3, "expected the three seed catalogs");
    files.extend(yaml_files(&root.join("tests/specs/valid")));
    let mut specs: Vec<(String, String)> = files
        .iter()
        .map(|path| {
            let name = path
                .strip_prefix(&root)
                .unwrap_or(path)
                .display()
                .to_string();
            (name, std::fs::read_to_string(path).expect("read spec"))
        })
        .collect();
    specs.push((
        "spec/README.md (complete example)".to_owned(),
        readme_complete_example(),
    ));
    let mut failures = String::new();
    for (name, text) in &specs {
        let tree = node::parse(text).expect("valid YAML");
        let instance = to_json(&tree);
        for e in validator.iter_errors(&instance) {
            failures.push_str(&format!("{name}: at `{}`: {e}\n", e.instance_path()));
        }
    }
    assert!(failures.is_empty(), "{failures}");
}

/// The one complete catalog in `spec/README.md`.
fn readme_complete_example() -> String {
    let readme =
        std::fs::read_to_string(workspace_root().join("spec/README.md")).expect("spec/README.md");
    let start = readme
        .find("```yaml\n# yaml-language-server: $schema=./schema.json\nprovider: ")
        .expect("a complete example in spec/README.md")
        + "```yaml\n".len();
    let len = readme[start..].find("```\n").expect("closed fence");
    readme[start..start + len].to_owned()
}

/// Editors flag the common mistakes as you type: the schema rejects these
/// fixtures of the invalid corpus too.
#[test]
fn schema_rejects_common_mistakes() {
    let validator = jsonschema::draft7::new(&schema()).expect("the schema compiles");
    let dir = workspace_root().join("tests/specs/invalid");
    let mistakes = [
        "unknown-key",
        "misplaced-key",
        "missing-provider",
        "missing-required-keys",
        "status-out-of-range",
        "status-not-a-number",
        "wrong-type-for-status",
        "empty-status-list",
        "status-listed-twice",
        "unknown-retry-class",
        "unknown-status-class",
        "unknown-code-type",
        "unknown-body-format",
        "unknown-reset-unit",
        "bad-pointer",
        "bad-pointer-escape",
        "bad-header-name",
        "code-pointer-and-header",
        "code-needs-a-source",
        "code-not-a-mapping",
        "field-errors-without-field",
        "idempotency-without-header",
        "provider-not-snake-case",
        "no-apis",
        "empty-mapping",
        "number-for-text",
        "empty-description",
        "bad-docs-url",
        "body-not-a-mapping",
    ];
    let accepted: Vec<&str> = mistakes
        .into_iter()
        .filter(|name| {
            let text = std::fs::read_to_string(dir.join(format!("{name}.yaml"))).expect("fixture");
            let tree = node::parse(&text).expect("valid YAML");
            validator.is_valid(&to_json(&tree))
        })
        .collect();
    assert!(accepted.is_empty(), "the schema accepts {accepted:?}");
}

#[test]
fn seed_specs_point_editors_at_the_schema() {
    for path in yaml_files(&workspace_root().join("spec")) {
        let text = std::fs::read_to_string(&path).expect("read spec");
        assert!(
            text.starts_with("# yaml-language-server: $schema=./schema.json\n"),
            "{} must start with `# yaml-language-server: $schema=./schema.json`",
            path.display()
        );
    }
}
