//! Project tasks, run as `cargo xtask <command>`.
//!
//! Depends on the generator only (not on `generated/` or the runtime), so it
//! builds even when the generated crate is stale or broken.
#![forbid(unsafe_code)]

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use errspec_codegen::config::describe_drift;
use errspec_codegen::output::{self, FileUpdate, GeneratedFile};
use errspec_codegen::project::{FileKind, GenerateError, Generated};

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  gen      generate generated/ (crate and docs) and spec/schema.json from spec/*.yaml;
           writes only files whose content changed
  check    check every spec, decode every documented example of every spec as it says,
           then fail if any generated file is stale
  docs     generate only the docs (generated/docs/)
  classify PROVIDER[/API] --status N [--header 'Name: value']... [--body TEXT | --body-file PATH]
           [--idempotent] [--attempt N] [--now UNIX_SECONDS]
           decode and classify one response; prints JSON
  request  PROVIDER[/API] --url URL [--method M] [--header 'Name: value']... [--body TEXT]
           [--idempotent] [--no-idempotency-key] [--max-attempts N] [--timeout SECONDS]
           run one request through the retrying client; prints JSON
  bench    [--full] [decode|generate|compile|client]...
           build and run the benchmarks (crate errspec-bench, release); quick versions
           of every section by default; prints tables (see BENCHMARKS.md)
  bench fleet [--workers K] [--requests N] [--concurrency C] [--rate R] [--modes LIST]
           K worker processes against one rate-limited fake provider: independent,
           in-process paced, Redis-shared and plain-backoff clients (needs redis-server)
  help     print this message

classify and request run the `errspec` binary (crate errspec-cli), and bench the
`errspec-bench` binary, both built from the generated catalogs; xtask itself does
not depend on them.";

/// A parsed command line. Add a variant (and a line in `USAGE`) per command.
#[derive(Debug, PartialEq, Eq)]
enum Command {
    Gen,
    Check,
    Docs,
    /// `classify` or `request`, with their arguments, run by the `errspec` binary.
    Tool(Vec<String>),
    /// `bench`, with its arguments, run by the `errspec-bench` binary.
    Bench(Vec<String>),
    Help,
}

fn parse_args(args: &[String]) -> Result<Command, String> {
    let Some((command, rest)) = args.split_first() else {
        return Err(String::from("no command given"));
    };
    let command = match command.as_str() {
        // The tool parses its own flags and reports usage errors (exit 2).
        "classify" | "request" => return Ok(Command::Tool(args.to_vec())),
        "bench" => return Ok(Command::Bench(rest.to_vec())),
        "gen" => Command::Gen,
        "check" => Command::Check,
        "docs" => Command::Docs,
        "help" | "-h" | "--help" => Command::Help,
        other => return Err(format!("unknown command `{other}`")),
    };
    match rest.first() {
        Some(extra) => Err(format!("unexpected argument `{extra}`")),
        None => Ok(command),
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = match parse_args(&args) {
        Ok(command) => command,
        Err(why) => {
            eprintln!("error: {why}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let result = match command {
        Command::Gen => generate_files(&[FileKind::Code, FileKind::Docs, FileKind::Schema]),
        Command::Docs => generate_files(&[FileKind::Docs]),
        Command::Check => check(),
        Command::Tool(args) => return run_tool(&args),
        Command::Bench(args) => return run_bench(&args),
        Command::Help => {
            println!("{USAGE}");
            Ok(true)
        }
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Runs the `errspec` binary with `args` through cargo (so it is built from
/// the current generated crate), passing its exit code on.
fn run_tool(args: &[String]) -> ExitCode {
    let run = [
        "run",
        "--quiet",
        "--package",
        "errspec-cli",
        "--bin",
        "errspec",
        "--",
    ];
    cargo(
        run.iter()
            .map(OsStr::new)
            .chain(args.iter().map(OsStr::new)),
    )
}

/// Builds the benchmark binaries in release mode (the allocation counter
/// too), then runs `errspec-bench` with `args`, passing its exit code on.
fn run_bench(args: &[String]) -> ExitCode {
    // The fleet benchmark is its own binary (worker processes, Redis), in
    // its own crate: `bench fleet [options]`.
    if args.iter().any(|a| a == "fleet") {
        let run = [
            "run",
            "--quiet",
            "--release",
            "--package",
            "errspec-fleet-bench",
            "--bin",
            "errspec-fleet",
            "--",
        ];
        return cargo(
            run.iter()
                .map(OsStr::new)
                .chain(args.iter().map(OsStr::new)),
        );
    }
    let build = [
        "build",
        "--quiet",
        "--release",
        "--package",
        "errspec-bench",
        "--bins",
    ];
    let built = cargo(build.map(OsStr::new));
    if built != ExitCode::SUCCESS {
        return built;
    }
    let run = [
        "run",
        "--quiet",
        "--release",
        "--package",
        "errspec-bench",
        "--bin",
        "errspec-bench",
        "--",
    ];
    cargo(
        run.iter()
            .map(OsStr::new)
            .chain(args.iter().map(OsStr::new)),
    )
}

/// Runs cargo in the workspace root with `args`; its exit code.
fn cargo<'a>(args: impl IntoIterator<Item = &'a OsStr>) -> ExitCode {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = std::process::Command::new(cargo)
        .current_dir(project_root())
        .args(args)
        .status();
    match status {
        Ok(status) => match status.code() {
            Some(code) => ExitCode::from(u8::try_from(code).unwrap_or(1)),
            None => ExitCode::FAILURE,
        },
        Err(e) => {
            eprintln!("error: cannot run cargo: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root: xtask lives in `ROOT/xtask`.
fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask is inside the workspace")
        .to_path_buf()
}

/// Runs the generator, printing warnings; `None` (diagnostics printed) when
/// a spec has errors.
fn generate(root: &Path) -> Result<Option<Generated>> {
    match errspec_codegen::generate(&root.join("spec"), &root.join("generated")) {
        Ok(generated) => {
            eprint!("{}", generated.warnings);
            Ok(Some(generated))
        }
        Err(GenerateError::Spec { rendered, .. }) => {
            eprint!("{rendered}");
            Ok(None)
        }
        Err(e) => Err(e.into()),
    }
}

fn generate_files(kinds: &[FileKind]) -> Result<bool> {
    let root = project_root();
    let Some(generated) = generate(&root)? else {
        return Ok(false);
    };
    let files = generated.files_of(kinds);
    let mut changed = 0;
    for file in &files {
        let update = output::ensure_file_contents(&file.path, &file.contents)
            .with_context(|| format!("writing {}", file.path.display()))?;
        let verb = match update {
            FileUpdate::Unchanged => continue,
            FileUpdate::Created => "created",
            FileUpdate::Updated => "updated",
        };
        println!("{verb} {}", relative(&root, &file.path));
        changed += 1;
    }
    // Files of deleted specs (only the kinds being generated).
    let all = generated.files_of(&[FileKind::Code, FileKind::Docs]);
    for path in output::stale_files(&all, &root.join("generated"))? {
        let is_docs = path.extension().is_some_and(|e| e == "md");
        if kinds.contains(&if is_docs {
            FileKind::Docs
        } else {
            FileKind::Code
        }) {
            std::fs::remove_file(&path).with_context(|| format!("removing {}", path.display()))?;
            println!("removed {}", relative(&root, &path));
            changed += 1;
        }
    }
    if changed == 0 {
        println!("nothing changed: {} files up to date", files.len());
    }
    Ok(true)
}

fn check() -> Result<bool> {
    let root = project_root();
    let Some(generated) = generate(&root)? else {
        return Ok(false);
    };
    // Every documented example, decoded by the runtime over tables built
    // from the model: an example that no longer decodes as its catalog
    // says is an error at the example.
    let examples = errspec_codegen::interpret::check_dir(&root.join("spec"))?;
    if examples.failures > 0 {
        eprint!("{}", examples.rendered);
        eprintln!(
            "error: {} of {} documented examples do not decode as written",
            examples.failures, examples.examples
        );
        return Ok(false);
    }
    let files: Vec<GeneratedFile> = generated.files.into_iter().map(|(_, f)| f).collect();
    let drift = output::drift(&files, &root.join("generated"))?;
    if drift.is_empty() {
        println!(
            "ok: specs check, {} documented examples decode as written and {} generated files are up to date",
            examples.examples,
            files.len()
        );
        return Ok(true);
    }
    for d in &drift {
        eprint!("{}", describe_drift(Some(&root), d));
    }
    eprintln!(
        "error: {} generated file{} out of date; run `cargo xtask gen`",
        drift.len(),
        if drift.len() == 1 { " is" } else { "s are" }
    );
    Ok(false)
}

fn relative(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &[&str]) -> Vec<String> {
        s.iter().map(|a| a.to_string()).collect()
    }

    #[test]
    fn parses_commands_and_rejects_the_rest() {
        assert_eq!(parse_args(&args(&["gen"])), Ok(Command::Gen));
        assert_eq!(parse_args(&args(&["check"])), Ok(Command::Check));
        assert_eq!(parse_args(&args(&["docs"])), Ok(Command::Docs));
        assert_eq!(parse_args(&args(&["--help"])), Ok(Command::Help));
        assert_eq!(
            parse_args(&args(&["bench", "--full", "decode"])),
            Ok(Command::Bench(args(&["--full", "decode"])))
        );
        assert_eq!(parse_args(&args(&["bench"])), Ok(Command::Bench(vec![])));
        assert!(parse_args(&args(&[])).is_err());
        assert!(parse_args(&args(&["gen", "--force"])).is_err());
        assert!(parse_args(&args(&["frobnicate"])).is_err());
    }
}
