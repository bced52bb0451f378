//! Section 3: what generated code costs to compile.
//!
//! A scratch workspace under `target/errspec-bench/compile` holds small
//! crates that each contain one catalog's generated code, either as the
//! checked-in files `cargo xtask gen` writes (`pub mod topmail;` and
//! `src/topmail.rs`) or through the macro (`errspec_macros::catalog!`) on
//! the same spec. The dependencies (the runtime, the macro crate) are built
//! once, untimed; each measurement cleans one crate (`cargo clean -p`),
//! builds it (`cargo build -p`) and takes the time of its one `rustc`
//! invocation, as `errspec-bench` itself, set as `RUSTC_WRAPPER`, records
//! it ([`rustc_wrapper`]): cargo's own work is left out. The figure is
//! rustc's CPU time (user + system, all its threads), which other load on
//! the machine disturbs far less than wall time; wall time is shown too.
//! Repeats are interleaved across crates, and the best is kept. Builds are
//! dev builds with `CARGO_INCREMENTAL=0`, as in CI. In a dev build the proc-macro (and the generator it runs) is
//! unoptimised; the full version also measures the macro path with
//! `[profile.dev.build-override] opt-level = 3` (a custom profile here),
//! which is what a crate with a large `catalog!` should set.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use errspec_codegen::expand::{expand_catalog, render_file};
use errspec_codegen::load_catalog;
use errspec_codegen::source::SourceFile;

use crate::report::Report;
use crate::synth;
use crate::table::Table;

/// The seed providers, as in `spec/`.
const SEEDS: [&str; 3] = ["artmail", "qboxmail", "topmail"];

/// How a crate gets its generated code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Source {
    /// Checked-in files, as `cargo xtask gen` writes them.
    Files,
    /// `errspec_macros::catalog!` on the spec.
    Macro,
}

/// One crate of the scratch workspace.
struct Crate {
    name: String,
    /// The catalogs: provider and spec text.
    catalogs: Vec<(String, String)>,
    /// Codes over all catalogs (one copy).
    codes: usize,
    source: Source,
    /// How many times the catalogs are compiled, each copy in a module of
    /// its own: enough code that the 10 ms resolution of the CPU time does
    /// not blur the seed catalogs' ratio.
    copies: usize,
}

/// Copies of the seed catalogs in the crates that compare the two paths.
const SEED_COPIES: usize = 10;

/// The profile with optimised proc-macros (and build scripts).
const MACRO_OPT: &str = "macro-opt";

/// One measurement: a crate, in a profile.
struct Build<'a> {
    krate: &'a Crate,
    profile: &'static str,
}

/// Runs the section.
pub fn run(root: &Path, full: bool) -> Result<Report> {
    let work = root.join("target/errspec-bench/compile");
    let seeds: Vec<(String, String)> = SEEDS
        .iter()
        .map(|p| {
            let text = std::fs::read_to_string(root.join(format!("spec/{p}.yaml")))
                .with_context(|| format!("reading spec/{p}.yaml"))?;
            Ok((p.to_string(), text))
        })
        .collect::<Result<_>>()?;
    let seed_codes = seeds
        .iter()
        .map(|(p, text)| codes_in(p, text))
        .sum::<Result<usize>>()?;
    let (small, big) = (1_000, 10_000);
    let synth = |n: usize| vec![(String::from("synth"), synth::spec("synth", n))];
    let krate = |name: String, catalogs: &[(String, String)], codes, source, copies| Crate {
        name,
        catalogs: catalogs.to_vec(),
        codes,
        source,
        copies,
    };
    // Indexes into `crates`, for the figures.
    const SEEDS_FILES: usize = 0;
    const SEEDS_X_FILES: usize = 2;
    const SEEDS_X_MACRO: usize = 3;
    const SMALL_FILES: usize = 4;
    const BIG_FILES: usize = 5;
    const BIG_MACRO: usize = 6;
    let x = SEED_COPIES;
    let crates = vec![
        krate("seeds-files".into(), &seeds, seed_codes, Source::Files, 1),
        krate("seeds-macro".into(), &seeds, seed_codes, Source::Macro, 1),
        krate(
            format!("seeds-x{x}-files"),
            &seeds,
            seed_codes,
            Source::Files,
            x,
        ),
        krate(
            format!("seeds-x{x}-macro"),
            &seeds,
            seed_codes,
            Source::Macro,
            x,
        ),
        krate(
            format!("synth{small}-files"),
            &synth(small),
            small,
            Source::Files,
            1,
        ),
        krate(
            format!("synth{big}-files"),
            &synth(big),
            big,
            Source::Files,
            1,
        ),
        krate(
            format!("synth{big}-macro"),
            &synth(big),
            big,
            Source::Macro,
            1,
        ),
    ];
    write_workspace(root, &work, &crates)?;
    let mut builds: Vec<Build<'_>> = crates
        .iter()
        .map(|krate| Build {
            krate,
            profile: "dev",
        })
        .collect();
    // Indexes into `builds` of the optimised-macro builds (full only).
    const SEEDS_X_MACRO_OPT: usize = 7;
    const BIG_MACRO_OPT: usize = 8;
    if full {
        builds.extend([SEEDS_X_MACRO, BIG_MACRO].map(|i| Build {
            krate: &crates[i],
            profile: MACRO_OPT,
        }));
    }
    let cargo = Cargo::new(&work)?;
    // Dependencies, untimed.
    cargo.run(&["build", "--quiet", "--workspace"])?;
    if full {
        cargo.run(&["build", "--quiet", "--workspace", "--profile", MACRO_OPT])?;
    }
    let repeats = if full { 5 } else { 3 };
    let mut times = vec![RustcTime::MAX; builds.len()];
    for _ in 0..repeats {
        for (build, best) in builds.iter().zip(&mut times) {
            let (name, profile) = (build.krate.name.as_str(), build.profile);
            cargo.run(&["clean", "--quiet", "--profile", profile, "-p", name])?;
            let args = ["build", "--quiet", "--profile", profile, "-p", name];
            let t = cargo.rustc_time(&args, name)?;
            best.cpu = best.cpu.min(t.cpu);
            best.wall = best.wall.min(t.wall);
        }
    }
    let wall: Vec<Duration> = times.iter().map(|t| t.wall).collect();
    let times: Vec<Duration> = times.iter().map(|t| t.cpu).collect();

    let secs = |d: Duration| d.as_secs_f64();
    let mut table = Table::new(&["crate", "codes", "Rust KB", "how", "rustc CPU s", "wall s"]);
    for ((build, t), w) in builds.iter().zip(&times).zip(&wall) {
        let krate = build.krate;
        let how = match (krate.source, build.profile) {
            (Source::Files, _) => "checked-in files",
            (Source::Macro, "dev") => "catalog! macro",
            (Source::Macro, _) => "catalog!, optimised proc-macro",
        };
        table.row(vec![
            krate.name.clone(),
            (krate.codes * krate.copies).to_string(),
            format!(
                "{:.0}",
                (rust_bytes(&work, krate)? * krate.copies as u64) as f64 / 1024.0
            ),
            how.into(),
            format!("{:.2}", secs(*t)),
            format!("{:.2}", secs(*w)),
        ]);
    }
    let per_1k =
        (secs(times[BIG_FILES]) - secs(times[SMALL_FILES])) / ((big - small) as f64 / 1000.0);
    let seeds_ratio = secs(times[SEEDS_X_MACRO]) / secs(times[SEEDS_X_FILES]);
    let big_ratio = secs(times[BIG_MACRO]) / secs(times[BIG_FILES]);
    let mut report = Report::default();
    let _ = write!(
        report.text,
        "## 3. Compile cost of generated code\n\n\
         Dev builds (`CARGO_INCREMENTAL=0`) of one crate holding the generated code, its \
         dependencies already built: the CPU time of its `rustc` run (macro expansion \
         included; all threads), best of {repeats} interleaved runs; wall time beside it. Scratch workspace: `target/errspec-bench/compile`.\n\n{table}\n\
         Marginal cost: {per_1k:.2} s per 1k codes (from {small} to {big} codes). \
         `catalog!` / checked-in: {seeds_ratio:.2} on the seed catalogs ({x} copies), \
         {big_ratio:.2} on {big} codes.\n"
    );
    if full {
        let _ = writeln!(
            report.text,
            "With an optimised proc-macro: {:.2} on the seed catalogs, {:.2} on {big} codes.",
            secs(times[SEEDS_X_MACRO_OPT]) / secs(times[SEEDS_X_FILES]),
            secs(times[BIG_MACRO_OPT]) / secs(times[BIG_FILES])
        );
    }
    report.figure(
        "compile: seed catalogs, checked-in files",
        format!("{:.2} s", secs(times[SEEDS_FILES])),
        "",
    );
    report.figure(
        format!("compile: synthetic {big} codes, checked-in files"),
        format!(
            "{:.1} s ({per_1k:.2} s per 1k codes)",
            secs(times[BIG_FILES])
        ),
        "",
    );
    report.figure(
        "compile: catalog! / checked-in, seeds",
        format!("{seeds_ratio:.2}"),
        "≤ 1.1",
    );
    report.figure(
        format!("compile: catalog! / checked-in, {big} codes"),
        format!("{big_ratio:.2}"),
        "≤ 1.1",
    );
    if full {
        report.figure(
            format!("compile: catalog! (optimised proc-macro) / checked-in, {big} codes"),
            format!("{:.2}", secs(times[BIG_MACRO_OPT]) / secs(times[BIG_FILES])),
            "≤ 1.1",
        );
    }
    Ok(report)
}

/// The number of codes in a spec.
fn codes_in(provider: &str, text: &str) -> Result<usize> {
    let file = SourceFile::new(format!("spec/{provider}.yaml"), text);
    match load_catalog(&file) {
        Ok(loaded) => Ok(loaded.catalog.apis.iter().map(|a| a.codes.len()).sum()),
        Err(diags) => bail!("{}", diags.render(&file)),
    }
}

/// The bytes of Rust the crate compiles (for the macro path, what the
/// files path would hold).
fn rust_bytes(work: &Path, krate: &Crate) -> Result<u64> {
    let mut total = 0;
    for (provider, text) in &krate.catalogs {
        total += match krate.source {
            Source::Files => {
                std::fs::metadata(work.join(&krate.name).join(format!("src/{provider}.rs")))?.len()
            }
            Source::Macro => render(provider, text)?.len() as u64,
        };
    }
    Ok(total)
}

/// A catalog's module file, as `cargo xtask gen` writes it.
fn render(provider: &str, text: &str) -> Result<String> {
    let file = SourceFile::new(format!("spec/{provider}.yaml"), text);
    match load_catalog(&file) {
        Ok(loaded) => Ok(render_file(expand_catalog(&loaded.catalog))),
        Err(diags) => bail!("{}", diags.render(&file)),
    }
}

/// Writes the scratch workspace; files are rewritten only when they
/// change, so cargo's fingerprints of unchanged crates stay fresh.
fn write_workspace(root: &Path, work: &Path, crates: &[Crate]) -> Result<()> {
    let members: Vec<String> = crates.iter().map(|c| format!("{:?}", c.name)).collect();
    let runtime = root.join("runtime");
    let macros = root.join("macros");
    write(
        &work.join("Cargo.toml"),
        &format!(
            "# Written by errspec-bench (compile section); rewritten on every run.\n\
             [workspace]\nresolver = \"3\"\nmembers = [{}]\n\n\
             [workspace.dependencies]\n\
             errspec = {{ path = {:?}, default-features = false }}\n\
             errspec-macros = {{ path = {:?} }}\n\n\
             [profile.dev.package.\"*\"]\ndebug = false\n\n\
             [profile.{MACRO_OPT}]\ninherits = \"dev\"\n\n\
             [profile.{MACRO_OPT}.build-override]\nopt-level = 3\n",
            members.join(", "),
            runtime.display().to_string(),
            macros.display().to_string()
        ),
    )?;
    // One lock file for every run: the versions the workspace itself uses.
    if !work.join("Cargo.lock").exists() {
        std::fs::copy(root.join("Cargo.lock"), work.join("Cargo.lock"))
            .context("copying Cargo.lock")?;
    }
    for krate in crates {
        let dir = work.join(&krate.name);
        let macro_dep = match krate.source {
            Source::Macro => "errspec-macros.workspace = true\n",
            Source::Files => "",
        };
        write(
            &dir.join("Cargo.toml"),
            &format!(
                "[package]\nname = {:?}\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
                 [dependencies]\nerrspec.workspace = true\n{macro_dep}",
                krate.name
            ),
        )?;
        let mut lib = String::from("//! Generated code, for measuring its compile time.\n");
        for (provider, text) in &krate.catalogs {
            match krate.source {
                Source::Files => write(
                    &dir.join(format!("src/{provider}.rs")),
                    &render(provider, text)?,
                )?,
                Source::Macro => write(&dir.join(format!("spec/{provider}.yaml")), text)?,
            }
        }
        for copy in 0..krate.copies {
            // Each copy in a module of its own, naming the one file.
            if krate.copies > 1 {
                let _ = writeln!(lib, "pub mod copy{copy} {{");
            }
            for (provider, _) in &krate.catalogs {
                let _ = match krate.source {
                    Source::Files => {
                        let file = dir.join(format!("src/{provider}.rs"));
                        writeln!(
                            lib,
                            "#[path = {:?}]\npub mod {provider};",
                            file.display().to_string()
                        )
                    }
                    Source::Macro => {
                        writeln!(lib, "errspec_macros::catalog!(\"spec/{provider}.yaml\");")
                    }
                };
            }
            if krate.copies > 1 {
                lib.push_str("}\n");
            }
        }
        write(&dir.join("src/lib.rs"), &lib)?;
    }
    Ok(())
}

fn write(path: &Path, contents: &str) -> Result<()> {
    if std::fs::read_to_string(path).is_ok_and(|old| old == contents) {
        return Ok(());
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, contents).with_context(|| format!("writing {}", path.display()))
}

/// The environment variable that puts `errspec-bench` in `rustc` wrapper
/// mode: the file it appends `CRATE<TAB>SECONDS` lines to.
pub const RUSTC_LOG: &str = "ERRSPEC_BENCH_RUSTC_LOG";

/// `RUSTC_WRAPPER` mode: runs `rustc` with its arguments (`args[0]` is
/// rustc itself), appends the crate's name and how long rustc took to the
/// file named by [`RUSTC_LOG`], and returns rustc's exit code.
pub fn rustc_wrapper(args: &[std::ffi::OsString], log: &Path) -> i32 {
    let Some((rustc, rest)) = args.split_first() else {
        return 2;
    };
    let start = Instant::now();
    let status = Command::new(rustc).args(rest).status();
    let elapsed = start.elapsed();
    // rustc has been waited for: its CPU time is in ours, as a child's.
    let cpu = children_cpu_seconds().unwrap_or(f64::NAN);
    let crate_name = rest
        .iter()
        .position(|a| a == "--crate-name")
        .and_then(|i| rest.get(i + 1))
        .and_then(|name| name.to_str());
    if let Some(name) = crate_name {
        let line = format!("{name}\t{}\t{cpu}\n", elapsed.as_secs_f64());
        let appended = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
            .and_then(|mut file| std::io::Write::write_all(&mut file, line.as_bytes()));
        if let Err(e) = appended {
            eprintln!("errspec-bench: cannot write {}: {e}", log.display());
        }
    }
    match status {
        Ok(status) => status.code().unwrap_or(1),
        Err(e) => {
            eprintln!("errspec-bench: cannot run {}: {e}", rustc.to_string_lossy());
            1
        }
    }
}

/// The CPU time (user + system) of this process's waited-for children,
/// from `/proc/self/stat` (Linux; in clock ticks of 1/100 s).
fn children_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name, which is in parentheses: state is
    // field 3, cutime and cstime are fields 16 and 17.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i)?.parse::<f64>().ok();
    Some((ticks(13)? + ticks(14)?) / 100.0)
}

/// A crate's rustc run: wall and CPU time.
#[derive(Clone, Copy, Debug)]
struct RustcTime {
    wall: Duration,
    cpu: Duration,
}

impl RustcTime {
    const MAX: RustcTime = RustcTime {
        wall: Duration::MAX,
        cpu: Duration::MAX,
    };
}

/// Runs cargo in the scratch workspace, with its own target directory and
/// `errspec-bench` as the rustc wrapper.
struct Cargo {
    dir: PathBuf,
    cargo: std::ffi::OsString,
    wrapper: PathBuf,
    log: PathBuf,
}

impl Cargo {
    fn new(dir: &Path) -> Result<Cargo> {
        Ok(Cargo {
            dir: dir.to_path_buf(),
            cargo: std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()),
            wrapper: std::env::current_exe().context("finding errspec-bench's own path")?,
            log: dir.join("rustc-times.log"),
        })
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(&self.cargo);
        command
            .args(args)
            .current_dir(&self.dir)
            .env("CARGO_TARGET_DIR", self.dir.join("target"))
            .env("CARGO_INCREMENTAL", "0")
            .env("RUSTC_WRAPPER", &self.wrapper)
            .env(RUSTC_LOG, &self.log)
            .env_remove("RUSTC_WORKSPACE_WRAPPER")
            .env_remove("RUSTFLAGS");
        command
    }

    fn run(&self, args: &[&str]) -> Result<()> {
        let status = self
            .command(args)
            .status()
            .with_context(|| format!("running cargo {}", args.join(" ")))?;
        if !status.success() {
            bail!(
                "`cargo {}` failed in {}",
                args.join(" "),
                self.dir.display()
            );
        }
        Ok(())
    }

    /// Runs cargo; the times of the rustc run that built crate `name`.
    fn rustc_time(&self, args: &[&str], name: &str) -> Result<RustcTime> {
        let _ = std::fs::remove_file(&self.log);
        self.run(args)?;
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        let crate_name = name.replace('-', "_");
        log.lines()
            .filter_map(|line| {
                let mut cells = line.split('\t');
                let krate = cells.next()?;
                let wall = cells.next()?.parse::<f64>().ok()?;
                let cpu = cells.next()?.parse::<f64>().ok()?;
                (krate == crate_name).then(|| RustcTime {
                    wall: Duration::from_secs_f64(wall),
                    cpu: Duration::try_from_secs_f64(cpu).unwrap_or(Duration::MAX),
                })
            })
            .next_back()
            .with_context(|| format!("rustc never built `{name}`"))
    }
}
