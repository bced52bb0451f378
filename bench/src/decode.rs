//! Section 1: decode + classify, errspec vs the floor vs `serde_json::Value`:
//! time per call (interleaved, best of many short batches) and allocations
//! per call (from the `errspec-bench-allocs` binary).

use std::collections::HashMap;
use std::hint::black_box;
use std::path::Path;
use std::process::Command;

use crate::cases::{self, Case};
use crate::contenders::{Contender, decoder, has};
use crate::measure::{self, Plan, Timing};
use crate::table::Table;

/// One case's timings and allocations, in [`Contender::ALL`] order.
#[derive(Clone, Debug)]
pub struct Row {
    /// `provider/api shape`.
    pub case: String,
    /// Body length in bytes.
    pub body_len: usize,
    /// errspec, floor and, for a seed case, value.
    pub timings: Vec<Timing>,
    /// Allocations per call, if counted: errspec, floor, value.
    pub allocations: Option<Vec<f64>>,
}

impl Row {
    /// errspec's best time over the floor's.
    pub fn errspec_over_floor(&self) -> f64 {
        self.timings[0].ratio(&self.timings[1])
    }

    /// errspec's best time over the `Value` path's, for a seed case.
    pub fn errspec_over_value(&self) -> Option<f64> {
        Some(self.timings[0].ratio(self.timings.get(2)?))
    }
}

/// Times every case whose name contains `filter`; counts allocations with
/// the `errspec-bench-allocs` binary next to `exe` when it is there.
pub fn run(plan: Plan, filter: Option<&str>, exe: &Path) -> Vec<Row> {
    let allocations = count_allocations(exe);
    cases::all()
        .iter()
        .filter(|case| filter.is_none_or(|f| case.name().contains(f)))
        .map(|case| Row {
            case: case.name(),
            body_len: case.body.len(),
            timings: time_case(case, plan),
            allocations: allocations.as_ref().map(|counts| {
                Contender::ALL
                    .iter()
                    .map(|c| {
                        counts
                            .get(&(case.name(), c.name().to_owned()))
                            .copied()
                            .unwrap_or(f64::NAN)
                    })
                    .collect()
            }),
        })
        .collect()
}

fn time_case(case: &Case, plan: Plan) -> Vec<Timing> {
    let mut batches: Vec<measure::Batch<'_>> = Contender::ALL
        .iter()
        .filter(|c| has(case.api, **c))
        .map(|&contender| {
            let decode = decoder(case.api, contender);
            measure::batch(move || {
                decode(
                    black_box(case.status),
                    black_box(&case.headers),
                    black_box(&case.body),
                )
            })
        })
        .collect();
    measure::compare(&mut batches, plan)
}

/// Runs `errspec-bench-allocs` (built next to `exe`); `None` when it is
/// missing or fails.
fn count_allocations(exe: &Path) -> Option<HashMap<(String, String), f64>> {
    let allocs = exe.with_file_name(format!(
        "errspec-bench-allocs{}",
        std::env::consts::EXE_SUFFIX
    ));
    let output = Command::new(allocs).output().ok()?;
    if !output.status.success() {
        return None;
    }
    let text = String::from_utf8(output.stdout).ok()?;
    text.lines()
        .map(|line| {
            let mut cells = line.split('\t');
            let case = cells.next()?.to_owned();
            let contender = cells.next()?.to_owned();
            let count = cells.next()?.parse().ok()?;
            Some(((case, contender), count))
        })
        .collect()
}

/// The geometric mean of `xs`.
pub fn geomean(xs: impl IntoIterator<Item = f64>) -> f64 {
    let (sum, n) = xs
        .into_iter()
        .fold((0.0, 0usize), |(s, n), x| (s + x.ln(), n + 1));
    (sum / n as f64).exp()
}

/// The section's table.
pub fn table(rows: &[Row]) -> Table {
    let mut table = Table::new(&[
        "case",
        "bytes",
        "errspec ns",
        "floor ns",
        "value ns",
        "errspec/floor",
        "errspec/value",
        "allocs errspec/floor/value",
    ]);
    for row in rows {
        let t = &row.timings;
        let allocs = match &row.allocations {
            Some(a) if a[2].is_nan() => format!("{} / {} / –", a[0], a[1]),
            Some(a) => format!("{} / {} / {}", a[0], a[1], a[2]),
            None => String::from("(not counted)"),
        };
        table.row(vec![
            row.case.clone(),
            row.body_len.to_string(),
            format!("{:.0}", t[0].best_ns),
            format!("{:.0}", t[1].best_ns),
            t.get(2)
                .map_or_else(|| String::from("–"), |v| format!("{:.0}", v.best_ns)),
            format!("{:.2}", row.errspec_over_floor()),
            row.errspec_over_value()
                .map_or_else(|| String::from("–"), |r| format!("{r:.2}")),
            allocs,
        ]);
    }
    table
}
