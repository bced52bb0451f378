//! `errspec-bench`: runs errspec's benchmarks and prints their tables.
//! `cargo xtask bench` runs the quick version of every section;
//! BENCHMARKS.md has the figures and how to run the full versions.
#![forbid(unsafe_code)]

use std::hint::black_box;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use errspec_bench::contenders::{Contender, decoder};
use errspec_bench::measure::Plan;
use errspec_bench::report::Report;
use errspec_bench::table::Table;
use errspec_bench::{cases, client, compile, decode, generate, instructions, overhead};

const USAGE: &str = "\
usage: errspec-bench [--full] [--filter TEXT] [SECTION...]

sections (default: all):
  decode    decode + classify: errspec vs hand-written floor vs serde_json::Value
  generate  generator scaling on synthetic catalogs (load, check, expand, format)
  compile   cold build of generated code; catalog! macro vs checked-in files
  client    CPU work per request in the client process (instructions under callgrind when
            valgrind is installed, and thread CPU time), errspec::Client and each integration
            over the bare stack it wraps, the server in another process; Retry-After accuracy
  instructions  decode instructions per call under valgrind's callgrind (not in
            `all`: slow, needs valgrind; deterministic on a busy machine)
  overhead  client-process instructions per request under callgrind only (not in `all`;
            needs valgrind): each stack over its bare one, and pacing's cost, as ratios
            that do not move with the machine's load

options:
  --full         the full versions (minutes); default is quick
  --filter TEXT  only decode cases whose name contains TEXT
  --sizes N,...  catalog sizes for generate (default 100,1000,10000,50000)
  --root DIR     the workspace (default: found from the current directory)

loop CASE CONTENDER N   decode one case N times (for valgrind --tool=callgrind)
serve                   the client section's server: prints its address, serves until stdin closes
send STACK ADDR WARMUP N  WARMUP then N requests through STACK (reqwest, client, client-unpaced,
                        client-limited, middleware-bare, middleware, reqwest-retry, tower-bare,
                        tower); prints the N's CPU nanoseconds";

#[derive(Debug)]
struct Args {
    full: bool,
    filter: Option<String>,
    sizes: Option<Vec<usize>>,
    root: Option<PathBuf>,
    sections: Vec<String>,
}

fn parse_args() -> Result<Args, lexopt::Error> {
    use lexopt::prelude::*;
    let mut args = Args {
        full: false,
        filter: None,
        sizes: None,
        root: None,
        sections: Vec::new(),
    };
    let mut parser = lexopt::Parser::from_env();
    while let Some(arg) = parser.next()? {
        match arg {
            Long("full") => args.full = true,
            Long("quick") => args.full = false,
            Long("filter") => args.filter = Some(parser.value()?.string()?),
            Long("root") => args.root = Some(parser.value()?.into()),
            Long("sizes") => {
                let sizes: Result<Vec<usize>, _> = parser
                    .value()?
                    .string()?
                    .split(',')
                    .map(str::parse)
                    .collect();
                args.sizes = Some(sizes.map_err(|e| lexopt::Error::Custom(Box::new(e)))?);
            }
            Short('h') | Long("help") => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            Value(v) => args.sections.push(v.string()?),
            _ => return Err(arg.unexpected()),
        }
    }
    Ok(args)
}

fn main() -> Result<()> {
    // As cargo's RUSTC_WRAPPER (the compile section): time rustc, nothing else.
    if let Some(log) = std::env::var_os(compile::RUSTC_LOG) {
        let args: Vec<std::ffi::OsString> = std::env::args_os().skip(1).collect();
        std::process::exit(compile::rustc_wrapper(&args, std::path::Path::new(&log)));
    }
    let raw: Vec<String> = std::env::args().collect();
    match raw.get(1).map(String::as_str) {
        Some("loop") => return decode_loop(&raw[2..]),
        Some("serve") => return overhead::serve_main(),
        Some("send") => return overhead::send_main(&raw[2..]),
        _ => {}
    }
    let args = match parse_args() {
        Ok(args) => args,
        Err(e) => {
            eprintln!("error: {e}\n\n{USAGE}");
            std::process::exit(2);
        }
    };
    let all = ["decode", "generate", "compile", "client"];
    let known = [
        "decode",
        "generate",
        "compile",
        "client",
        "instructions",
        "overhead",
    ];
    let sections: Vec<&str> =
        if args.sections.is_empty() || args.sections.iter().any(|s| s == "all") {
            all.to_vec()
        } else {
            args.sections.iter().map(String::as_str).collect()
        };
    if let Some(unknown) = sections.iter().find(|s| !known.contains(s)) {
        eprintln!("error: unknown section `{unknown}`\n\n{USAGE}");
        std::process::exit(2);
    }
    let mode = if args.full { "full" } else { "quick" };
    println!("# errspec benchmarks ({mode})\n");
    println!("{}\n", machine());
    let mut summary = Table::new(&["figure", "value", "target"]);
    let started = Instant::now();
    for section in sections {
        let t = Instant::now();
        match section {
            "decode" => run_decode(&args.filter, args.full, &mut summary)?,
            "generate" => run_generate(args.full, args.sizes.as_deref(), &mut summary),
            "compile" => {
                let root = match &args.root {
                    Some(root) => root.clone(),
                    None => find_root()?,
                };
                emit(compile::run(&root, args.full)?, &mut summary);
            }
            "client" => {
                let exe = std::env::current_exe().context("finding errspec-bench's own path")?;
                emit(client::run(&exe, args.full)?, &mut summary);
            }
            "instructions" => {
                let exe = std::env::current_exe().context("finding errspec-bench's own path")?;
                emit(
                    instructions::run(&exe, args.filter.as_deref())?,
                    &mut summary,
                );
            }
            "overhead" => {
                let exe = std::env::current_exe().context("finding errspec-bench's own path")?;
                emit(overhead::run_instructions(&exe, args.full)?, &mut summary);
            }
            _ => unreachable!("checked above"),
        }
        eprintln!("({section}: {:.0} s)", t.elapsed().as_secs_f64());
    }
    println!("## Summary\n\n{summary}");
    println!(
        "All sections took {:.0} s.",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn run_decode(filter: &Option<String>, full: bool, summary: &mut Table) -> Result<()> {
    let plan = if full { Plan::FULL } else { Plan::QUICK };
    let exe = std::env::current_exe().context("finding errspec-bench's own path")?;
    let rows = decode::run(plan, filter.as_deref(), &exe);
    println!(
        "## 1. Decode + classify\n\n\
         Best of {} interleaved batches of ~{} ms per contender ({}); ratios are of best times. \
         errspec = generated `Error::decode` + `retry_class()`; floor = hand-written \
         `serde_json::from_slice` into a borrowed struct + `match`; value = \
         `serde_json::Value` + pointer lookups.\n",
        plan.rounds,
        plan.batch.as_millis(),
        clock()
    );
    println!("{}", decode::table(&rows));
    if rows.is_empty() {
        return Ok(());
    }
    if rows[0].allocations.is_none() {
        println!(
            "Allocations not counted: build the `errspec-bench-allocs` binary too \
             (`cargo build --release -p errspec-bench --bins`).\n"
        );
    }
    let over_floor = decode::geomean(rows.iter().map(decode::Row::errspec_over_floor));
    let worst = rows
        .iter()
        .max_by(|a, b| a.errspec_over_floor().total_cmp(&b.errspec_over_floor()))
        .expect("rows");
    let over_value = decode::geomean(rows.iter().filter_map(decode::Row::errspec_over_value));
    let above = rows.iter().filter(|r| r.errspec_over_floor() > 1.2).count();
    summary.row(vec![
        "decode: errspec / floor (geomean over cases)".into(),
        format!("{over_floor:.2}"),
        "≤ 1.2".into(),
    ]);
    summary.row(vec![
        format!("decode: errspec / floor, worst ({})", worst.case),
        format!("{:.2}", worst.errspec_over_floor()),
        "".into(),
    ]);
    summary.row(vec![
        "decode: errspec / floor, cases above 1.2".into(),
        format!("{above} of {}", rows.len()),
        "0".into(),
    ]);
    summary.row(vec![
        "decode: errspec / serde_json::Value (geomean, seed cases)".into(),
        format!("{over_value:.2}"),
        "< 1".into(),
    ]);
    Ok(())
}

fn run_generate(full: bool, sizes: Option<&[usize]>, summary: &mut Table) {
    let sizes = sizes.unwrap_or(&[100, 1_000, 10_000, 50_000]);
    let repeats = if full { 5 } else { 1 };
    let rows = generate::run(sizes, repeats);
    println!(
        "## 2. Generator scaling\n\n\
         Synthetic catalogs; milliseconds per stage ({}), best of {repeats}. load = YAML text to \
         spec (the YAML parser alone, measured apart, in brackets); lower = spec to model; \
         check = every rule; tokens = `expand_catalog`; syn = tokens to a `syn::File`; \
         unparse = prettyplease; code total = all of these, what `cargo xtask gen` runs \
         (`catalog!` stops at tokens); docs = the Markdown page, apart.\n",
        clock()
    );
    println!("{}", generate::table(&rows));
    let total = |codes| {
        rows.iter()
            .find(|r| r.codes == codes)
            .map(|r| r.code_total().as_secs_f64())
    };
    if let (Some(t10), Some(t50)) = (total(10_000), total(50_000)) {
        summary.row(vec![
            "generate: 10k codes, load+check+expand+format".into(),
            format!("{t10:.2} s"),
            "< 1 s".into(),
        ]);
        summary.row(vec![
            "generate: 50k / 10k time".into(),
            format!("{:.2}", t50 / t10),
            "≤ 5.5".into(),
        ]);
    }
}

/// Prints a section's text and adds its figures to the summary.
fn emit(report: Report, summary: &mut Table) {
    println!("{}", report.text);
    for row in report.summary {
        summary.row(row);
    }
}

/// What the in-process timings measure.
fn clock() -> &'static str {
    if errspec_bench::measure::measures_cpu_time() {
        "thread CPU time"
    } else {
        "wall time"
    }
}

/// The workspace root: the nearest ancestor of the current directory with
/// `spec/` and `generated/`.
fn find_root() -> Result<PathBuf> {
    let cwd = std::env::current_dir()?;
    for dir in cwd.ancestors() {
        if dir.join("spec").is_dir() && dir.join("generated").is_dir() {
            return Ok(dir.to_path_buf());
        }
    }
    bail!("run from inside the errspec workspace, or pass --root")
}

/// `nproc` and the CPU model, for the tables' context.
fn machine() -> String {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_owned())
        })
        .unwrap_or_else(|| String::from("unknown CPU"));
    format!(
        "Machine: {cores} cores, {cpu}; {} {}.",
        std::env::consts::OS,
        std::env::consts::ARCH
    )
}

/// `loop CASE CONTENDER N`: decodes one case N times, for instruction
/// counts under `valgrind --tool=callgrind` (run with N and with 1; the
/// difference over N - 1 is the cost of one decode).
fn decode_loop(args: &[String]) -> Result<()> {
    let [case, contender, n] = args else {
        bail!("usage: errspec-bench loop CASE CONTENDER N");
    };
    let case = cases::all()
        .into_iter()
        .find(|c| &c.name() == case)
        .with_context(|| format!("no case `{case}`"))?;
    let contender = Contender::ALL
        .into_iter()
        .find(|c| c.name() == contender)
        .with_context(|| format!("no contender `{contender}`"))?;
    let n: u64 = n.parse().context("N is a number")?;
    let decode = decoder(case.api, contender);
    for _ in 0..n {
        black_box(decode(black_box(case.status), &case.headers, &case.body));
    }
    Ok(())
}
