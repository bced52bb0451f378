//! Every seed code's generated accessors (kept in tables indexed by the
//! code's position) say what its spec says: variant name, description,
//! statuses, hint, retry override, `Debug`, and the text round trip. And
//! codes of every length are found, as are no near misses.

use std::path::Path;

use errspec::RetryClass;
use errspec_codegen::model::{self, Catalog};
use errspec_providers::{artmail, qboxmail, topmail};

fn catalog(provider: &str) -> Catalog {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let path = root.join(format!("spec/{provider}.yaml"));
    let text = std::fs::read_to_string(&path).expect("read spec");
    let file = errspec_codegen::source::SourceFile::new(path.display().to_string(), text);
    match errspec_codegen::load_catalog(&file) {
        Ok(loaded) => loaded.catalog,
        Err(diags) => panic!("{}", diags.render(&file)),
    }
}

fn class(c: model::RetryClass) -> RetryClass {
    c.as_str()
        .parse()
        .expect("the model's classes are the runtime's")
}

macro_rules! check_codes {
    ($provider:literal, $api:literal, $code:ty) => {{
        let catalog = catalog($provider);
        let api = catalog
            .apis
            .iter()
            .find(|a| a.name.value == $api)
            .expect("API in spec");
        assert!(!api.codes.is_empty());
        for c in &api.codes {
            let text = c.value.to_string();
            let code: $code = text.parse().unwrap();
            let what = format!("{}/{} {text}", $provider, $api);
            assert!(code.is_known(), "{what}");
            assert_eq!(code.as_str(), text, "{what}");
            assert_eq!(code.variant_name(), c.variant, "{what}");
            assert_eq!(format!("{code:?}"), c.variant, "{what}");
            assert_eq!(code.description(), Some(c.description.as_str()), "{what}");
            assert_eq!(code.statuses(), c.statuses.as_slice(), "{what}");
            assert_eq!(code.hint(), c.hint.as_deref(), "{what}");
            assert_eq!(code.retry_override(), c.retry.map(class), "{what}");
            // Near misses are unknown: one byte longer, shorter, or changed.
            for near in [
                format!("{text}x"),
                text[..text.len() - 1].to_owned(),
                format!("{}~", &text[..text.len() - 1]),
            ] {
                let code: $code = near.parse().unwrap();
                assert_eq!(
                    code,
                    <$code>::Unknown(near.as_str().into()),
                    "{what}: {near}"
                );
            }
        }
        let unknown = <$code>::Unknown("brand_new".into());
        assert_eq!(unknown.variant_name(), "Unknown");
        assert_eq!(format!("{unknown:?}"), r#"Unknown("brand_new")"#);
        assert_eq!(format!("{unknown:#?}"), "Unknown(\n    \"brand_new\",\n)");
        assert_eq!(unknown.description(), None);
        assert_eq!(unknown.statuses(), &[] as &[u16]);
        assert_eq!(unknown.hint(), None);
        assert_eq!(unknown.retry_override(), None);
    }};
}

#[test]
fn topmail_codes() {
    check_codes!("topmail", "api", topmail::Code);
}

#[test]
fn artmail_codes() {
    check_codes!("artmail", "api", artmail::Code);
}

#[test]
fn qboxmail_send_codes() {
    check_codes!("qboxmail", "send", qboxmail::send::Code);
}
