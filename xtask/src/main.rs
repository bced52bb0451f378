//! Project tasks, run as `cargo xtask <command>`.
//!
//! `gen`, `check` and `docs` are the `errspec` command's (`errspec_cli::run`
//! with `spec/` and `--crate generated`); xtask links that library without
//! its `client` and `providers` features, so it depends on the generator
//! only (not on `generated/` or the runtime) and builds even when the
//! generated crate is stale or broken.
#![forbid(unsafe_code)]

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

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
  bench    [--full] [decode|generate|compile|client|instructions|overhead]...
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
    match command {
        Command::Gen => project_command("gen"),
        Command::Docs => project_command("docs"),
        Command::Check => project_command("check"),
        Command::Tool(args) => run_tool(&args),
        Command::Bench(args) => run_bench(&args),
        Command::Help => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
    }
}

/// `errspec COMMAND spec --crate generated`, from the workspace root.
fn project_command(command: &str) -> ExitCode {
    let root = project_root();
    errspec_cli::run([
        OsString::from(command),
        root.join("spec").into_os_string(),
        OsString::from("--crate"),
        root.join("generated").into_os_string(),
    ])
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
