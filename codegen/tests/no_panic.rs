//! No input makes the loader panic, and every diagnostic it returns points
//! inside the file: arbitrary text, mutated seed catalogs and a list of
//! known-awkward YAML all go through `load_catalog` and rendering.

use std::path::{Path, PathBuf};

use errspec_codegen::diagnostic::Diagnostics;
use errspec_codegen::load_catalog;
use errspec_codegen::source::{SourceFile, Span};
use proptest::prelude::*;

/// Loads `text`, renders what comes back and checks every span.
fn check(text: &str) {
    let file = SourceFile::new("fuzz.yaml", text);
    let (diags, is_err) = match load_catalog(&file) {
        Ok(loaded) => (loaded.warnings, false),
        Err(diags) => (diags, true),
    };
    assert!(
        !is_err || diags.has_errors(),
        "an Err must carry at least one error"
    );
    assert_spans_within(&diags, text);
    let rendered = diags.render(&file);
    assert!(
        rendered.matches("--> fuzz.yaml:").count() >= diags.len(),
        "every diagnostic is located:\n{rendered}"
    );
    assert_eq!(rendered, diags.render(&file), "rendering is deterministic");
}

fn assert_spans_within(diags: &Diagnostics, text: &str) {
    let within = |s: Span| s.start <= s.end && s.end <= text.len();
    for d in diags.iter() {
        assert!(
            within(d.span),
            "span {:?} of `{}` is outside the text ({} bytes)",
            d.span,
            d.message,
            text.len()
        );
        for note in &d.notes {
            if let Some(s) = note.span {
                assert!(within(s), "note span {s:?} of `{}` is outside", d.message);
            }
        }
    }
}

fn seeds() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut paths: Vec<PathBuf> = ["spec", "tests/specs/valid"]
        .iter()
        .filter_map(|dir| std::fs::read_dir(root.join(dir)).ok())
        .flatten()
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    paths.sort();
    assert!(paths.len() >= 3, "expected the seed catalogs");
    paths
        .iter()
        .map(|p| std::fs::read_to_string(p).expect("read seed"))
        .collect()
}

/// One edit to a text; indices are taken modulo the text's size.
#[derive(Clone, Debug)]
enum Mutation {
    DeleteLine(usize),
    DuplicateLine(usize),
    SwapLines(usize, usize),
    Indent(usize),
    Dedent(usize),
    DeleteChars(usize, usize),
    InsertText(usize, String),
    DuplicateChars(usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let idx = any::<usize>();
    prop_oneof![
        idx.prop_map(Mutation::DeleteLine),
        idx.prop_map(Mutation::DuplicateLine),
        (idx, idx).prop_map(|(a, b)| Mutation::SwapLines(a, b)),
        idx.prop_map(Mutation::Indent),
        idx.prop_map(Mutation::Dedent),
        (idx, 1..20usize).prop_map(|(a, n)| Mutation::DeleteChars(a, n)),
        (
            idx,
            prop_oneof![
                Just(":".to_owned()),
                Just("\t".to_owned()),
                Just("\n".to_owned()),
                Just("- ".to_owned()),
                Just("&a ".to_owned()),
                Just("*a".to_owned()),
                Just("~".to_owned()),
                Just("\"".to_owned()),
                Just("{".to_owned()),
                Just("]".to_owned()),
                Just("é".to_owned()),
                Just("99999999999999999999999".to_owned()),
                "[ -~]{1,8}",
            ]
        )
            .prop_map(|(a, s)| Mutation::InsertText(a, s)),
        (idx, 1..40usize).prop_map(|(a, n)| Mutation::DuplicateChars(a, n)),
    ]
}

fn apply(text: &str, m: &Mutation) -> String {
    let mut lines: Vec<String> = text.split_inclusive('\n').map(str::to_owned).collect();
    if lines.is_empty() {
        lines.push(String::new());
    }
    let n = lines.len();
    // Byte offsets snapped to character boundaries.
    let at = |i: usize| {
        let mut i = i % (text.len() + 1);
        while !text.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    match m {
        Mutation::DeleteLine(i) => {
            lines.remove(i % n);
        }
        Mutation::DuplicateLine(i) => {
            let line = lines[i % n].clone();
            lines.insert(i % n, line);
        }
        Mutation::SwapLines(a, b) => lines.swap(a % n, b % n),
        Mutation::Indent(i) => lines[i % n].insert_str(0, "  "),
        Mutation::Dedent(i) => {
            let line = &mut lines[i % n];
            let spaces = line.len() - line.trim_start_matches(' ').len();
            line.drain(..spaces.min(2));
        }
        Mutation::DeleteChars(a, len) => {
            let start = at(*a);
            let end = at(start + len).max(start);
            return format!("{}{}", &text[..start], &text[end..]);
        }
        Mutation::InsertText(a, s) => {
            let i = at(*a);
            return format!("{}{s}{}", &text[..i], &text[i..]);
        }
        Mutation::DuplicateChars(a, len) => {
            let start = at(*a);
            let end = at(start + len).max(start);
            return format!("{}{}", &text[..end], &text[start..]);
        }
    }
    lines.concat()
}

/// `cases` runs, unless `PROPTEST_CASES` asks for another number.
fn config(cases: u32) -> ProptestConfig {
    if std::env::var_os("PROPTEST_CASES").is_some() {
        ProptestConfig::default()
    } else {
        ProptestConfig::with_cases(cases)
    }
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn arbitrary_text_never_panics(text in any::<String>()) {
        check(&text);
    }

    #[test]
    fn yaml_like_text_never_panics(text in "[a-z0-9_:{}\\[\\],'\"#&*!|>~/. \t\n-]{0,300}") {
        check(&text);
    }
}

proptest! {
    #![proptest_config(config(1024))]

    #[test]
    fn mutated_seed_specs_never_panic(
        seed in any::<prop::sample::Index>(),
        mutations in prop::collection::vec(mutation(), 1..6),
    ) {
        let seeds = seeds();
        let mut text = seeds[seed.index(seeds.len())].clone();
        for m in &mutations {
            text = apply(&text, m);
        }
        check(&text);
    }
}

/// Inputs that have broken YAML loaders before.
#[test]
fn awkward_yaml_never_panics() {
    let deep = format!("a: {}{}", "[".repeat(10_000), "]".repeat(10_000));
    let laughs = {
        let mut s = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for (prev, name) in ('a'..='i').zip('b'..='j') {
            s.push_str(&format!(
                "{name}: &{name} [{}]\n",
                vec![format!("*{prev}"); 10].join(", ")
            ));
        }
        s
    };
    let cases = [
        String::new(),
        "\u{feff}".to_owned(),
        "\u{feff}provider: x\n".to_owned(),
        "---\n---\n".to_owned(),
        "--- a\n--- b\n".to_owned(),
        "%YAML 1.2\n---\n{}\n".to_owned(),
        "provider: x\r\ntitle: X\r\nas_of: 2026-01-01\r\napis: {a: {statuses: {600: {}}}}\r\n"
            .to_owned(),
        "? [complex, key]\n: value\n".to_owned(),
        "provider: !!binary aGVsbG8=\n".to_owned(),
        "provider: !custom x\n".to_owned(),
        "base: &b {meaning: m, retry: never}\nprovider: x\ntitle: X\nas_of: 2026-01-01\napis: {a: {statuses: {400: {<<: *b}}}}\n".to_owned(),
        "provider: x\ntitle: X\nas_of: 2026-01-01\napis: {a: {statuses: {99999999999999999999999999999999999999999: {meaning: m, retry: never}}}}\n".to_owned(),
        "provider: x\ntitle: X\nas_of: 2026-01-01\napis: {a: {body: {code: {pointer: /c}}, codes: {x: {status: [.nan, -.inf, 1e400, 0x1F4, 0o777, -429], description: d}}}}\n".to_owned(),
        "provider: x\ntitle: X\nas_of: 2026-01-01\napis: {a: {body: {code: {pointer: /c, type: integer}}, codes: {99999999999999999999: {status: 400, description: d}, -9223372036854775808: {status: 400, description: d}}}}\n".to_owned(),
        "provider: x\ntitle: X\nas_of: 2026-01-01\napis: {a: {statuses: {400: {meaning: \"\u{1F600}\u{301}\", retry: \"\u{0}\"}}}}\n".to_owned(),
        "{a: 1, a: 2, a: 3}\n".to_owned(),
        "[[[[[]]]]]\n".to_owned(),
        "\"unterminated\n".to_owned(),
        "\t\t\tprovider: x\n".to_owned(),
        "provider: x\ntitle: X\nas_of: 2026-01-01\napis:\n  é: {statuses: {400: {meaning: m, retry: never}}}\n".to_owned(),
        deep,
        laughs,
    ];
    for text in &cases {
        check(text);
    }
}
