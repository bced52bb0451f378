//! Section 1, deterministic: instructions per decode, counted by
//! `valgrind --tool=callgrind` (which must be installed). Timings on a
//! shared machine move by tens of percent; instruction counts do not move
//! at all, so they show what a change to the decoder did.
//!
//! For each case and contender, `errspec-bench loop CASE CONTENDER N` runs
//! under callgrind with N = 1 and N = 1 + [`CALLS`]; the difference over
//! [`CALLS`] is the cost of one decode, setup and process start excluded.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::cases;
use crate::contenders::{Contender, has};
use crate::report::Report;
use crate::table::Table;

/// Decodes per measurement.
pub const CALLS: u64 = 1000;

/// Instructions of `N` decodes of one case, counted by callgrind.
fn count(exe: &Path, case: &str, contender: &str, n: u64) -> Result<u64> {
    let output = Command::new("valgrind")
        .args(["--tool=callgrind", "--callgrind-out-file=/dev/null"])
        .arg(exe)
        .args(["loop", case, contender, &n.to_string()])
        .output()
        .context("running valgrind (is it installed?)")?;
    if !output.status.success() {
        bail!(
            "valgrind failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    collected(&String::from_utf8_lossy(&output.stderr))
}

/// The instruction count in callgrind's report on stderr
/// (`==PID== Collected : 123456`).
pub fn collected(stderr: &str) -> Result<u64> {
    stderr
        .lines()
        .find_map(|line| line.split("Collected :").nth(1))
        .and_then(|n| n.trim().parse().ok())
        .context("no instruction count in valgrind's output")
}

/// Runs the section for the cases whose name contains `filter`.
pub fn run(exe: &Path, filter: Option<&str>) -> Result<Report> {
    let mut table = Table::new(&[
        "case",
        "errspec instr",
        "floor instr",
        "value instr",
        "errspec/floor",
    ]);
    let mut ratios = Vec::new();
    for case in cases::all() {
        let name = case.name();
        if filter.is_some_and(|f| !name.contains(f)) {
            continue;
        }
        let per_call = Contender::ALL
            .iter()
            .filter(|c| has(case.api, **c))
            .map(|c| {
                let base = count(exe, &name, c.name(), 1)?;
                let many = count(exe, &name, c.name(), CALLS + 1)?;
                Ok(many.saturating_sub(base) as f64 / CALLS as f64)
            })
            .collect::<Result<Vec<f64>>>()?;
        let ratio = per_call[0] / per_call[1];
        ratios.push(ratio);
        table.row(vec![
            name,
            format!("{:.0}", per_call[0]),
            format!("{:.0}", per_call[1]),
            per_call
                .get(2)
                .map_or_else(|| String::from("–"), |v| format!("{v:.0}")),
            format!("{ratio:.2}"),
        ]);
    }
    let geomean = crate::decode::geomean(ratios.iter().copied());
    let mut report = Report {
        text: format!(
            "## 1b. Decode + classify: instructions per call (callgrind)\n\n\
             Deterministic: the same binary gives the same counts on any load.\n\n{table}\n\
             Geometric mean errspec/floor: {geomean:.2}.\n"
        ),
        ..Report::default()
    };
    report.figure(
        "decode: errspec / floor, instructions (geomean)",
        format!("{geomean:.2}"),
        "",
    );
    Ok(report)
}
