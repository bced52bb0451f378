//! `node::parse` builds its tree from the YAML parser's events; this checks
//! it against the serde path it replaced (serde-saphyr deserializing
//! `Spanned<Raw>`, kept here as the oracle): the same tree, spans included,
//! or an error from both (or only from ours, for a tag outside the YAML
//! core schema, which specs may not use), over every spec and fixture in the repository,
//! awkward hand-written documents and generated ones.

use std::path::{Path, PathBuf};

use errspec_codegen::diagnostic::Diagnostic;
use errspec_codegen::node::{self, Node};
use proptest::prelude::*;

/// The serde-saphyr `Spanned<Raw>` loader `node::parse` used to be.
#[path = "support/yaml_oracle.rs"]
mod oracle;

/// How the two parsers' results differ, if they do.
fn difference(text: &str) -> Option<String> {
    let new = node::parse(text);
    let old = oracle::parse(text);
    match (&new, &old) {
        (Ok(a), Ok(b)) if a == b => None,
        (Err(_), Err(_)) => None,
        // By design: a tag outside the core schema (`!custom`, `!!binary`)
        // is an error here, where serde-saphyr ignores or decodes it.
        (Err(d), Ok(_)) if d.message.starts_with("invalid YAML: unsupported tag") => None,
        // By design: an alias inside the collection its anchor names
        // (`&a [*a]`) would make the tree infinite; it is a located error
        // here, where the reference loader builds something from it.
        (Err(d), Ok(_))
            if d.message
                .contains("this alias refers to a collection it is part of") =>
        {
            None
        }
        _ => Some(format!(
            "{text:?}\n--- events:\n{}\n--- serde:\n{}",
            show(&new),
            show(&old)
        )),
    }
}

fn show(result: &Result<Node, Diagnostic>) -> String {
    match result {
        Ok(node) => compact(node),
        Err(d) => format!("error at {:?}: {}", d.span, d.message),
    }
}

/// A tree on one line: each node with its span (and text as written).
fn compact(node: &Node) -> String {
    use errspec_codegen::node::NodeKind;
    let at = format!("@{}..{}", node.span.start, node.span.end);
    let written = node
        .written
        .as_deref()
        .map(|w| format!("={w:?}"))
        .unwrap_or_default();
    match &node.kind {
        NodeKind::Seq(items) => {
            let items: Vec<String> = items.iter().map(compact).collect();
            format!("[{}]{at}", items.join(", "))
        }
        NodeKind::Map(entries) => {
            let entries: Vec<String> = entries
                .iter()
                .map(|(k, v)| format!("{}: {}", compact(k), compact(v)))
                .collect();
            format!("{{{}}}{at}", entries.join(", "))
        }
        scalar => format!("{scalar:?}{at}{written}"),
    }
}

/// Every file of the spec corpus: catalogs, test specs (valid and
/// invalid, with their expected output), fixtures.
fn corpus() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut paths = Vec::new();
    for dir in [
        "spec",
        "tests/specs/valid",
        "tests/specs/invalid",
        "codegen/tests/fixtures",
    ] {
        for entry in std::fs::read_dir(root.join(dir)).expect("corpus directory") {
            let path = entry.expect("directory entry").path();
            if path.is_file() && (dir != "spec" || path.extension().is_some_and(|e| e == "yaml")) {
                paths.push(path);
            }
        }
    }
    paths.sort();
    paths
}

#[test]
fn same_trees_and_errors_over_the_corpus() {
    let paths = corpus();
    assert!(paths.len() > 100, "found {} corpus files", paths.len());
    let mut differences = Vec::new();
    for path in &paths {
        let text = std::fs::read_to_string(path).expect("read corpus file");
        if let Some(diff) = difference(&text) {
            differences.push(format!("{}: {diff}", path.display()));
        }
        // Syntax errors: the same diagnostic, message and place.
        if let (Err(new), Err(old)) = (node::parse(&text), oracle::parse(&text)) {
            assert_eq!(
                (new.span, &new.message),
                (old.span, &old.message),
                "{}",
                path.display()
            );
        }
    }
    assert!(differences.is_empty(), "{}", differences.join("\n\n"));
}

/// Documents exercising one YAML feature each.
const AWKWARD: &[&str] = &[
    "",
    "\n",
    "# only a comment\n",
    "---\n",
    "---\n...\n",
    "a: 1\n---\nb: 2\n",
    "a: 1\n...\n",
    "a: 1\n--- \n",
    "~",
    "null",
    "a:\nb: ~\nc: null\nd: Null\ne: NULL\nf: ''\n",
    "a: [1, -2, +3, 0x1F, 0o17, 0b101, 1_000, 0127, -0127, 007, 0, -0, 00]\n",
    "a: [18446744073709551615, 18446744073709551616, -9223372036854775808, -9223372036854775809]\n",
    "a: [99999999999999999999, 1e5, 1.5, -1.5, .5, 1., +1.5e-3, 1e999]\n",
    "a: .inf\n",
    "a: -.inf\n",
    "a: .nan\n",
    "a: [inf, nan, infinity, .Inf, 1_0.5]\n",
    "a: [yes, no, on, off, y, n, Y, N, true, false, TRUE, False, tRuE]\n",
    "a: ['1', \"2\", 'true', \"null\", '', \"~\"]\n",
    "a: |\n  line\n  next\nb: >\n  folded\n  text\nc: |-\n  12\n",
    "a: !!str 1\nb: !!int \"12\"\nc: !!bool 'yes'\nd: !!null x\ne: !!float 1\nf: !!str\ng: ! 12\nh: ! null\n",
    "a: !!int x\n",
    "a: !!int -0x10\n",
    "a: !!bool maybe\n",
    "a: !!float x\n",
    "a: !!float .inf\n",
    "a: !!str [1]\n",
    "a: !!map [1]\n",
    "a: !!seq [1]\nb: !!map {c: 1}\n",
    "a: !custom 5\nb: !custom [1]\nc: !int 7\n",
    "a: !!binary aGk=\n",
    "a: !!binary '!!!'\n",
    "a: !!timestamp 2001-12-14\n",
    "%YAML 1.2\n---\na: 1\n",
    "%TAG !e! tag:yaml.org,2002:\n---\na: !e!int 12\n",
    "a: &x 1\nb: *x\n",
    "a: &x 1.50\nb: *x\n",
    "a: &x {k: v, l: [1, 2]}\nb: *x\nc: [*x, *x]\n",
    "a: &x [1, 2]\nb: &x [3]\nc: *x\n",
    "a: *nope\n",
    "a: &x [1, *x]\n",
    "&r a: 1\n",
    "a: &k key\n*k : v\n",
    "? [1, 2]\n: v\n? {a: 1}\n: w\n",
    "a: 1\na: 2\nb: 3\na: 4\n",
    "{a: 1, b: [x, y], c: {d: e}}\n",
    "[a, b, [c, d], {e: f}, [], {}]\n",
    "- a\n- - b\n  - c\n- d: e\n  f: g\n",
    "a:\n  - b\n  -\n  - c\n",
    "a: {b: }\n",
    "a: [b, ]\n",
    "a: 'it''s'\nb: \"tab\\there\\u00e9\"\n",
    "é: ü\nñ: [日本, 語]\n\"🦀\": 'crab 🦀'\n",
    "key with spaces: value with spaces   \n",
    "a: b: c\n",
    "a: [1, 2\n",
    "a: {b: 1\n",
    "a: \"unclosed\n",
    "a:\n\t- 1\n",
    "a:\n  b: 1\n    c: 2\n",
    "- a\nb: c\n",
    "a: 1\n- b\n",
    "]\n",
    "a: @b\n",
    "a: `b\n",
    "\u{feff}a: 1\n",
    "base: &base {a: 1, b: 2}\nderived:\n  <<: *base\n  b: 3\n  c: 4\n",
    "x: &x {a: 1}\ny: &y {a: 2, b: 2}\nz:\n  <<: [*x, *y]\n  c: 3\n",
    "z:\n  <<: {a: 1}\n  a: 2\n",
    "z:\n  <<: ~\n  a: 2\n",
    "z:\n  <<: 5\n",
    "z:\n  <<: [5]\n",
    "z:\n  '<<': 5\n",
    "z:\n  !!merge <<: {a: 1}\n",
    "a: &a\n  b: &b\n    c: 1\n  d: *b\ne: *a\n",
    "a: [&s x, *s, &s y, *s]\n",
];

#[test]
fn same_trees_on_awkward_documents() {
    let differences: Vec<String> = AWKWARD.iter().filter_map(|t| difference(t)).collect();
    assert!(differences.is_empty(), "{}", differences.join("\n\n"));
}

#[test]
fn nesting_and_expansion_limits_hold() {
    // 64 nested lists load; 65 do not.
    let deep = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
    assert!(node::parse(&deep(64)).is_ok());
    assert!(node::parse(&deep(65)).is_err());
    let block = |n: usize| {
        (0..n)
            .map(|i| format!("{}k:\n", "  ".repeat(i)))
            .collect::<String>()
    };
    assert!(node::parse(&block(64)).is_ok());
    assert!(node::parse(&block(65)).is_err());
    // Through an alias too.
    let aliased = format!(
        "a: &x {}\nb: {}*x{}\n",
        deep(40),
        "[".repeat(30),
        "]".repeat(30)
    );
    assert!(node::parse(&aliased).is_err());
    // A billion laughs stops early.
    let mut laughs = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..9 {
        let p = i - 1;
        let refs = vec![format!("*a{p}"); 10].join(", ");
        laughs.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
    }
    assert!(node::parse(&laughs).is_err());
    // serde-saphyr agrees (its recursion needs a larger stack unoptimised).
    let texts = [deep(64), deep(65), block(64), block(65), aliased, laughs];
    std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(move || texts.iter().for_each(|t| assert_same(t)))
        .expect("spawn")
        .join()
        .expect("the parsers agree");
}

fn assert_same(text: &str) {
    if let Some(diff) = difference(text) {
        panic!("the parsers differ on {diff}");
    }
}

// --- generated documents -------------------------------------------------

fn scalar() -> impl Strategy<Value = String> {
    prop_oneof![
        20 => key(),
        1 => Just("null".to_owned()),
        1 => Just("".to_owned()),
        1 => Just("no".to_owned()),
        1 => Just("On".to_owned()),
    ]
}

/// Scalars for keys: one spelling of null and of each boolean. (Merging
/// treats `~` and `null`, or `yes` and `true`, as the same key, as YAML
/// does; serde-saphyr compared their spellings.)
fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("~".to_owned()),
        Just("true".to_owned()),
        Just("0x1f".to_owned()),
        Just("0o17".to_owned()),
        Just("0127".to_owned()),
        Just("-3".to_owned()),
        Just("1_000".to_owned()),
        Just("99999999999999999999".to_owned()),
        Just("1.5e3".to_owned()),
        Just(".5".to_owned()),
        Just("é".to_owned()),
        Just("日本語".to_owned()),
        Just("'quoted'".to_owned()),
        Just("'it''s é'".to_owned()),
        Just("\"dq \\u00e9 \\t\"".to_owned()),
        Just("\"\"".to_owned()),
        Just("!!str 12".to_owned()),
        Just("!!int '7'".to_owned()),
        Just("a b".to_owned()),
        Just("<<".to_owned()),
        (0i64..1000).prop_map(|i| i.to_string()),
        "[a-z][a-z0-9_]{0,6}",
    ]
}

/// A YAML-ish value: scalars, block and flow collections, anchors and
/// aliases (the names are few, so aliases often resolve).
#[derive(Clone, Debug)]
enum Doc {
    Scalar(String),
    Alias(u8),
    Anchored(u8, Box<Doc>),
    Seq(Vec<Doc>),
    Map(Vec<(String, Doc)>),
    FlowSeq(Vec<Doc>),
    FlowMap(Vec<(String, Doc)>),
}

fn doc() -> impl Strategy<Value = Doc> {
    let leaf = prop_oneof![
        4 => scalar().prop_map(Doc::Scalar),
        1 => prop_oneof![4 => Just(0u8), 1 => Just(1u8), 1 => Just(2u8)].prop_map(Doc::Alias),
    ];
    leaf.prop_recursive(4, 40, 5, |inner| {
        prop_oneof![
            (0u8..3, inner.clone()).prop_map(|(a, d)| Doc::Anchored(a, Box::new(d))),
            prop::collection::vec(inner.clone(), 0..4).prop_map(Doc::Seq),
            prop::collection::vec((key(), inner.clone()), 0..4).prop_map(Doc::Map),
            prop::collection::vec(inner.clone(), 0..4).prop_map(Doc::FlowSeq),
            prop::collection::vec((key(), inner), 0..4).prop_map(Doc::FlowMap),
        ]
    })
}

/// A document whose first entries define anchors, so that aliases after
/// them resolve.
fn anchored_doc() -> impl Strategy<Value = Doc> {
    (doc(), doc(), doc()).prop_map(|(a, b, root)| {
        Doc::Map(vec![
            ("a0".to_owned(), Doc::Anchored(0, Box::new(a))),
            ("a1".to_owned(), Doc::Anchored(1, Box::new(b))),
            ("root".to_owned(), root),
        ])
    })
}

fn is_block(d: &Doc) -> bool {
    match d {
        Doc::Seq(items) => !items.is_empty(),
        Doc::Map(entries) => !entries.is_empty(),
        Doc::Anchored(_, d) => is_block(d),
        _ => false,
    }
}

/// Writes `d` as the value after `- ` or `key: ` (or at the top).
fn write(d: &Doc, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    match d {
        Doc::Scalar(s) => out.push_str(s),
        Doc::Alias(a) => out.push_str(&format!("*a{a}")),
        // An alias or anchored node cannot take another anchor.
        Doc::Anchored(_, inner) if matches!(**inner, Doc::Alias(_) | Doc::Anchored(..)) => {
            write(inner, indent, out);
        }
        Doc::Anchored(a, inner) => {
            out.push_str(&format!("&a{a} "));
            if is_block(inner) {
                out.push('\n');
                out.push_str(&pad);
            }
            write(inner, indent, out);
        }
        Doc::Seq(items) if items.is_empty() => out.push_str("[]"),
        Doc::Map(entries) if entries.is_empty() => out.push_str("{}"),
        Doc::Seq(items) => {
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push('\n');
                    out.push_str(&pad);
                }
                out.push_str("- ");
                if is_block(item) && !matches!(item, Doc::Anchored(..)) {
                    out.push('\n');
                    out.push_str(&" ".repeat(indent + 2));
                }
                write(item, indent + 2, out);
            }
        }
        Doc::Map(entries) => {
            for (i, (k, v)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push('\n');
                    out.push_str(&pad);
                }
                out.push_str(k);
                out.push(':');
                if is_block(v) && !matches!(v, Doc::Anchored(..)) {
                    out.push('\n');
                    out.push_str(&" ".repeat(indent + 2));
                } else {
                    out.push(' ');
                }
                write(v, indent + 2, out);
            }
        }
        Doc::FlowSeq(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_flow(item, out);
            }
            out.push(']');
        }
        Doc::FlowMap(entries) => {
            out.push('{');
            for (i, (k, v)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(k);
                out.push_str(": ");
                write_flow(v, out);
            }
            out.push('}');
        }
    }
}

/// Inside flow collections everything is flow.
fn write_flow(d: &Doc, out: &mut String) {
    match d {
        Doc::Seq(items) => write(&Doc::FlowSeq(items.clone()), 0, out),
        Doc::Map(entries) => write(&Doc::FlowMap(entries.clone()), 0, out),
        Doc::Anchored(_, inner) if matches!(**inner, Doc::Alias(_) | Doc::Anchored(..)) => {
            write_flow(inner, out);
        }
        Doc::Anchored(a, inner) => {
            out.push_str(&format!("&a{a} "));
            write_flow(inner, out);
        }
        other => write(other, 0, out),
    }
}

fn render(d: &Doc) -> String {
    let mut out = String::new();
    write(d, 0, &mut out);
    out.push('\n');
    out
}

/// The generator mostly writes valid YAML with aliases that resolve (or
/// the comparison above would mostly be of two errors).
#[test]
fn generated_documents_are_mostly_valid() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let (mut valid, mut aliased) = (0, 0);
    for _ in 0..500 {
        let text = render(
            &anchored_doc()
                .new_tree(&mut runner)
                .expect("tree")
                .current(),
        );
        if let Err(e) = node::parse(&text) {
            if std::env::var("SHOW_INVALID").is_ok() {
                eprintln!("{text:?}: {}", e.message);
            }
        } else {
            valid += 1;
            aliased += usize::from(text.contains('*'));
        }
    }
    assert!(
        valid > 250 && aliased > 50,
        "{valid} valid, {aliased} with aliases"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn same_trees_on_generated_documents(d in prop_oneof![doc(), anchored_doc()]) {
        let text = render(&d);
        prop_assert!(difference(&text).is_none(), "{}", difference(&text).unwrap_or_default());
    }

    #[test]
    fn same_trees_on_arbitrary_text(text in "[-a-z0-9 :\\[\\]{},&*!'\"#|>\\n\t~.é]{0,60}") {
        prop_assert!(difference(&text).is_none(), "{}", difference(&text).unwrap_or_default());
    }

    #[test]
    fn same_trees_on_edited_catalogs(seed in 0usize..1000, at in any::<usize>(), len in 0usize..12,
            insert in prop_oneof![Just(""), Just(":"), Just("\n"), Just("- "), Just("&a "), Just("*a"),
                Just("\""), Just("{"), Just("]"), Just("é"), Just("  "), Just("\t"), Just("<<: ")]) {
        let paths: Vec<PathBuf> = corpus().into_iter()
            .filter(|p| p.extension().is_some_and(|e| e == "yaml")).collect();
        let text = std::fs::read_to_string(&paths[seed % paths.len()]).expect("read");
        let mut start = at % (text.len() + 1);
        while !text.is_char_boundary(start) { start -= 1; }
        let mut end = (start + len).min(text.len());
        while !text.is_char_boundary(end) { end += 1; }
        let edited = format!("{}{insert}{}", &text[..start], &text[end..]);
        prop_assert!(difference(&edited).is_none(), "{}", difference(&edited).unwrap_or_default());
    }
}
