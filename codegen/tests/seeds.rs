//! The seed catalogs load without errors or warnings.

use errspec_codegen::{load_catalog, source::SourceFile};

fn spec_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec")
}

#[test]
fn seed_specs_load_cleanly() {
    let mut names = Vec::new();
    for entry in std::fs::read_dir(spec_dir()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "yaml") {
            names.push(path);
        }
    }
    names.sort();
    assert!(names.len() >= 3, "expected the three seed catalogs");
    for path in names {
        let name = format!("spec/{}", path.file_name().unwrap().to_string_lossy());
        let file = SourceFile::new(name, std::fs::read_to_string(&path).unwrap());
        match load_catalog(&file) {
            Ok(loaded) => assert!(
                loaded.warnings.is_empty(),
                "{}",
                loaded.warnings.render(&file)
            ),
            Err(diags) => panic!("{}", diags.render(&file)),
        }
    }
}

#[test]
fn seed_catalogs_hold_every_seed_code() {
    let load = |name: &str| {
        let text = std::fs::read_to_string(spec_dir().join(name)).unwrap();
        load_catalog(&SourceFile::new(name, text)).unwrap().catalog
    };
    let count =
        |c: &errspec_codegen::model::Catalog| c.apis.iter().map(|a| a.codes.len()).sum::<usize>();
    assert_eq!(count(&load("topmail.yaml")), 15);
    assert_eq!(count(&load("artmail.yaml")), 13);
    let q = load("qboxmail.yaml");
    let names: Vec<&str> = q.apis.iter().map(|a| a.name.value.as_str()).collect();
    assert_eq!(names, ["management", "send"]);
}
