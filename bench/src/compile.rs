//! Section 3: what generated code costs to compile.
//!
//! A scratch workspace under `target/errspec-bench/compile` holds small
//! crates that each contain one catalog's generated code, either as the
//! checked-in files `cargo xtask gen` writes (`pub mod topmail;` and
//! `src/topmail.rs`) or through the macro (`errspec_macros::catalog!`) on
//! the same spec. The dependencies (the runtime, the macro crate) are built
//! once, untimed; each measurement cleans one crate (`cargo clean -p`) and
//! times `cargo build -p` of it alone, minus the time of a no-op build
//! (cargo's own overhead). Builds are dev builds with `CARGO_INCREMENTAL=0`,
//! as in CI.

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
    /// Codes over all catalogs.
    codes: usize,
    source: Source,
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
    let crates = vec![
        Crate {
            name: "seeds-files".into(),
            catalogs: seeds.clone(),
            codes: seed_codes,
            source: Source::Files,
        },
        Crate {
            name: "seeds-macro".into(),
            catalogs: seeds,
            codes: seed_codes,
            source: Source::Macro,
        },
        Crate {
            name: format!("synth{small}-files"),
            catalogs: synth(small),
            codes: small,
            source: Source::Files,
        },
        Crate {
            name: format!("synth{big}-files"),
            catalogs: synth(big),
            codes: big,
            source: Source::Files,
        },
        Crate {
            name: format!("synth{big}-macro"),
            catalogs: synth(big),
            codes: big,
            source: Source::Macro,
        },
    ];
    write_workspace(root, &work, &crates)?;
    let cargo = Cargo::new(&work);
    // Dependencies, untimed.
    cargo.run(&["build", "--quiet", "--workspace"])?;
    let repeats = if full { 5 } else { 2 };
    let noop = (0..3)
        .map(|_| cargo.time(&["build", "--quiet", "-p", &crates[0].name]))
        .collect::<Result<Vec<_>>>()?
        .into_iter()
        .min()
        .unwrap_or_default();
    let mut times = Vec::new();
    for krate in &crates {
        let mut best = Duration::MAX;
        for _ in 0..repeats {
            cargo.run(&["clean", "--quiet", "-p", &krate.name])?;
            let t = cargo.time(&["build", "--quiet", "-p", &krate.name])?;
            best = best.min(t.saturating_sub(noop));
        }
        times.push(best);
    }

    let secs = |d: Duration| d.as_secs_f64();
    let mut table = Table::new(&["crate", "codes", "Rust KB", "how", "build s"]);
    for (krate, t) in crates.iter().zip(&times) {
        table.row(vec![
            krate.name.clone(),
            krate.codes.to_string(),
            format!("{:.0}", rust_bytes(&work, krate)? as f64 / 1024.0),
            match krate.source {
                Source::Files => "checked-in files",
                Source::Macro => "catalog! macro",
            }
            .into(),
            format!("{:.2}", secs(*t)),
        ]);
    }
    let per_1k = (secs(times[3]) - secs(times[2])) / ((big - small) as f64 / 1000.0);
    let seeds_ratio = secs(times[1]) / secs(times[0]);
    let big_ratio = secs(times[4]) / secs(times[3]);
    let mut report = Report::default();
    let _ = write!(
        report.text,
        "## 3. Compile cost of generated code\n\n\
         Dev builds (`CARGO_INCREMENTAL=0`) of one crate holding the generated code, its \
         dependencies already built; best of {repeats}, minus cargo's no-op time ({:.2} s). \
         Scratch workspace: `target/errspec-bench/compile`.\n\n{table}\n\
         Marginal cost: {per_1k:.2} s per 1k codes (from {small} to {big} codes). \
         `catalog!` / checked-in: {seeds_ratio:.2} on the seed catalogs, {big_ratio:.2} on \
         {big} codes.\n",
        secs(noop)
    );
    report.figure(
        "compile: seed catalogs, checked-in files",
        format!("{:.2} s", secs(times[0])),
        "",
    );
    report.figure(
        format!("compile: synthetic {big} codes, checked-in files"),
        format!("{:.1} s ({per_1k:.2} s per 1k codes)", secs(times[3])),
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
             [profile.dev.package.\"*\"]\ndebug = false\n",
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
                Source::Files => {
                    let _ = writeln!(lib, "pub mod {provider};");
                    write(
                        &dir.join(format!("src/{provider}.rs")),
                        &render(provider, text)?,
                    )?;
                }
                Source::Macro => {
                    let _ = writeln!(lib, "errspec_macros::catalog!(\"spec/{provider}.yaml\");");
                    write(&dir.join(format!("spec/{provider}.yaml")), text)?;
                }
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

/// Runs cargo in the scratch workspace, with its own target directory.
struct Cargo {
    dir: PathBuf,
    cargo: std::ffi::OsString,
}

impl Cargo {
    fn new(dir: &Path) -> Cargo {
        Cargo {
            dir: dir.to_path_buf(),
            cargo: std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()),
        }
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(&self.cargo);
        command
            .args(args)
            .current_dir(&self.dir)
            .env("CARGO_TARGET_DIR", self.dir.join("target"))
            .env("CARGO_INCREMENTAL", "0")
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

    fn time(&self, args: &[&str]) -> Result<Duration> {
        let start = Instant::now();
        self.run(args)?;
        Ok(start.elapsed())
    }
}
