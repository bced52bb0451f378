//! Section 2: generator scaling. For synthetic catalogs of growing size,
//! the time of each stage of `load → check → expand → format`, as
//! `cargo xtask gen` and `catalog!` run them, plus the Markdown page.

use std::time::Duration;

use errspec_codegen::docs::{self, DocSource};
use errspec_codegen::source::SourceFile;
use errspec_codegen::{check, expand, load, model, node};

use crate::measure::time;
use crate::synth;
use crate::table::Table;

/// The stages, in pipeline order.
pub const STAGES: [&str; 7] = ["load", "lower", "check", "tokens", "syn", "unparse", "docs"];

/// One catalog size: seconds per stage (best of `repeats`).
#[derive(Clone, Debug)]
pub struct Row {
    /// Codes in the catalog.
    pub codes: usize,
    /// Bytes of YAML.
    pub yaml_bytes: usize,
    /// Bytes of generated Rust.
    pub rust_bytes: usize,
    /// Time per stage, in [`STAGES`] order.
    pub stages: Vec<Duration>,
    /// The YAML parser alone (part of `load`), measured apart.
    pub yaml: Duration,
}

impl Row {
    /// load + check + expand + format: what `cargo xtask gen` needs for
    /// the code (every stage but the docs).
    pub fn code_total(&self) -> Duration {
        self.stages[..6].iter().sum()
    }

    /// Every stage, docs included.
    pub fn total(&self) -> Duration {
        self.stages.iter().sum()
    }
}

/// Runs the pipeline on synthetic catalogs of each size, `repeats` times
/// each, keeping each stage's best time.
///
/// # Panics
///
/// If a synthetic catalog does not load or check (a bug in [`synth`]).
pub fn run(sizes: &[usize], repeats: usize) -> Vec<Row> {
    let files: Vec<SourceFile> = sizes
        .iter()
        .map(|&codes| SourceFile::new("spec/synth.yaml", synth::spec("synth", codes)))
        .collect();
    let mut best: Vec<Option<Row>> = vec![None; sizes.len()];
    // Repeats interleaved across sizes, so a busy spell on the machine does
    // not fall on one size only.
    for _ in 0..repeats.max(1) {
        for ((file, &codes), best) in files.iter().zip(sizes).zip(&mut best) {
            let row = run_once(file, codes);
            *best = Some(match best.take() {
                None => row,
                Some(mut b) => {
                    for (b, t) in b.stages.iter_mut().zip(&row.stages) {
                        *b = (*b).min(*t);
                    }
                    b.yaml = b.yaml.min(row.yaml);
                    b
                }
            });
        }
    }
    best.into_iter().flatten().collect()
}

fn run_once(file: &SourceFile, codes: usize) -> Row {
    let text = &file.text;
    // `load::load` parses YAML into nodes and loads the spec from them;
    // timed separately here to see what the YAML parser alone costs.
    let (_, yaml) = time(|| node::parse(text).expect("synthetic YAML parses"));
    let ((spec, mut diags), load) = time(|| load::load(text));
    let spec = spec.unwrap_or_else(|| panic!("{}", diags.render(file)));
    let (catalog, lower) = time(|| model::lower(&spec, &mut diags));
    let ((), check) = time(|| check::check(&spec, &catalog, &mut diags));
    assert!(!diags.has_errors(), "{}", diags.render(file));
    let (tokens, expand) = time(|| expand::expand_catalog(&catalog));
    let (parsed, syn) =
        time(|| syn::parse2::<syn::File>(tokens).expect("generated tokens parse as a file"));
    let (rust, unparse) = time(|| prettyplease::unparse(&parsed));
    let (page, docs) = time(|| {
        docs::render_provider(
            DocSource {
                catalog: &catalog,
                file,
            },
            "errspec_providers",
        )
    });
    drop(page);
    Row {
        codes,
        yaml_bytes: text.len(),
        rust_bytes: rust.len(),
        stages: vec![load, lower, check, expand, syn, unparse, docs],
        yaml,
    }
}

fn ms(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1000.0)
}

/// The section's table: milliseconds per stage, and the scaling factor of
/// each size's total over the previous size's (the size ratio is shown).
pub fn table(rows: &[Row]) -> Table {
    let mut header = vec!["codes", "YAML KB", "Rust KB"];
    let stage_headers: Vec<String> = STAGES.iter().map(|s| format!("{s} ms")).collect();
    header.extend(stage_headers.iter().map(String::as_str));
    header.insert(4, "(YAML parse ms)");
    header.extend(["code total ms", "with docs ms", "growth (size ×)"]);
    let mut table = Table::new(&header);
    let mut previous: Option<&Row> = None;
    for row in rows {
        let mut cells = vec![
            row.codes.to_string(),
            format!("{:.0}", row.yaml_bytes as f64 / 1024.0),
            format!("{:.0}", row.rust_bytes as f64 / 1024.0),
        ];
        cells.extend(row.stages.iter().copied().map(ms));
        cells.insert(4, ms(row.yaml));
        cells.push(ms(row.code_total()));
        cells.push(ms(row.total()));
        cells.push(match previous {
            Some(p) => format!(
                "{:.2} ({}×)",
                row.code_total().as_secs_f64() / p.code_total().as_secs_f64(),
                row.codes / p.codes.max(1)
            ),
            None => String::from("–"),
        });
        table.row(cells);
        previous = Some(row);
    }
    table
}
