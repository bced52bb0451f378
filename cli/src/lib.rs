//! The `errspec` command as a library: generate, check and document any
//! directory of specs; classify an error response, or run a request with
//! retries, for a built-in provider or any spec directory (`--spec-dir`).
//!
//! The `errspec` binary (`cargo install --path cli`) and this repository's
//! `cargo xtask` are thin callers of [`run`]. Features: `client`
//! (`classify`, `request`) and `providers` (the built-in catalogs), both on
//! by default; `cargo xtask` links neither, so it builds whatever state
//! `generated/` is in.
#![forbid(unsafe_code)]

mod args;
#[cfg(feature = "client")]
mod classify;
mod generate;
#[cfg(feature = "client")]
mod request;
#[cfg(feature = "client")]
mod spec_api;

use std::ffi::OsString;
use std::io::Write as _;
use std::process::ExitCode;

#[cfg(feature = "client")]
use errspec::registry::ApiEntry;

#[cfg(feature = "client")]
use args::Target;
use args::{Command, USAGE, Usage};

/// Runs the command line `args` (without the program name): parses it,
/// prints results on stdout and diagnostics on stderr, and returns the
/// exit code (2 for a usage error, printed with the usage text).
pub fn run(args: impl IntoIterator<Item = OsString>) -> ExitCode {
    match dispatch(args) {
        Ok(code) => code,
        Err(Usage(message)) => {
            eprintln!("error: {message}\n\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

/// Writes `text` and a line break to stdout. A reader that went away (a
/// closed pipe: `errspec list | head -1`) is not an error: the rest of the
/// output is simply not wanted. Any other write error is reported, and
/// turns the exit code into 1.
fn print_line(text: &str) -> Result<(), ExitCode> {
    let mut out = std::io::stdout().lock();
    match writeln!(out, "{text}").and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => {
            eprintln!("error: cannot write the output: {e}");
            Err(ExitCode::FAILURE)
        }
    }
}

fn dispatch(args: impl IntoIterator<Item = OsString>) -> Result<ExitCode, Usage> {
    match args::parse(args)? {
        Command::Help => Ok(print_line(USAGE).err().unwrap_or(ExitCode::SUCCESS)),
        Command::Generate(g) => Ok(generate::run(&g)),
        #[cfg(feature = "client")]
        Command::List => {
            for entry in built_in() {
                if let Err(code) = print_line(&format!("{}/{}", entry.provider, entry.api)) {
                    return Ok(code);
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        #[cfg(feature = "client")]
        Command::Classify(c) => {
            let entry = match resolve(&c.target, c.spec_dir.as_deref())? {
                Ok(entry) => entry,
                Err(code) => return Ok(code),
            };
            Ok(print_json(&classify::classify(entry, &c))
                .err()
                .unwrap_or(ExitCode::SUCCESS))
        }
        #[cfg(feature = "client")]
        Command::Request(r) => {
            let entry = match resolve(&r.target, r.spec_dir.as_deref())? {
                Ok(entry) => entry,
                Err(code) => return Ok(code),
            };
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .map_err(|e| Usage(format!("cannot start the async runtime: {e}")))?;
            let report = runtime.block_on(request::request(entry, r))?;
            let printed = print_json(&report);
            Ok(match printed {
                Err(code) => code,
                Ok(()) if report.ok => ExitCode::SUCCESS,
                Ok(()) => ExitCode::from(1),
            })
        }
    }
}

#[cfg(feature = "client")]
fn print_json(value: &impl serde::Serialize) -> Result<(), ExitCode> {
    match serde_json::to_string_pretty(value) {
        Ok(text) => print_line(&text),
        Err(e) => {
            eprintln!("error: cannot print the result: {e}");
            Err(ExitCode::FAILURE)
        }
    }
}

/// The built-in providers' APIs (none without the `providers` feature).
#[cfg(feature = "client")]
fn built_in() -> &'static [ApiEntry] {
    #[cfg(feature = "providers")]
    return errspec_providers::APIS;
    #[cfg(not(feature = "providers"))]
    return &[];
}

/// The API `target` names: in the specs of `spec_dir` when given, else
/// among the built-in providers. A spec with errors has its diagnostics
/// printed, and gives exit code 1.
#[cfg(feature = "client")]
fn resolve(
    target: &Target,
    spec_dir: Option<&std::path::Path>,
) -> Result<Result<&'static ApiEntry, ExitCode>, Usage> {
    match spec_dir {
        Some(dir) => match spec_api::load(dir, target) {
            Ok(entry) => Ok(Ok(entry)),
            Err(spec_api::LoadError::Usage(usage)) => Err(usage),
            Err(spec_api::LoadError::Spec(rendered)) => {
                eprint!("{rendered}");
                Ok(Err(ExitCode::FAILURE))
            }
        },
        None => find_api(target, built_in(), default_api).map(Ok),
    }
}

#[cfg(feature = "client")]
fn default_api(provider: &str) -> Option<&'static str> {
    #[cfg(feature = "providers")]
    return errspec_providers::default_api(provider);
    #[cfg(not(feature = "providers"))]
    return {
        let _ = provider;
        None
    };
}

/// The API named by `PROVIDER[/API]` among `apis`; the API may be left out
/// where the provider has exactly one, or names a default one
/// (`default_api`).
#[cfg(feature = "client")]
fn find_api<'a>(
    target: &Target,
    apis: &'a [ApiEntry],
    default_api: impl Fn(&str) -> Option<&'a str>,
) -> Result<&'a ApiEntry, Usage> {
    let of_provider: Vec<&ApiEntry> = apis
        .iter()
        .filter(|e| e.provider == target.provider)
        .collect();
    if of_provider.is_empty() {
        let providers: Vec<&str> = dedup(apis.iter().map(|e| e.provider));
        return Err(Usage(format!(
            "unknown provider `{}`; known providers: {}",
            target.provider,
            providers.join(", ")
        )));
    }
    let names = || {
        of_provider
            .iter()
            .map(|e| format!("{}/{}", e.provider, e.api))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match &target.api {
        Some(api) => of_provider
            .iter()
            .copied()
            .find(|e| e.api == api)
            .ok_or_else(|| {
                Usage(format!(
                    "unknown API `{}/{api}`; known: {}",
                    target.provider,
                    names()
                ))
            }),
        None if of_provider.len() == 1 => Ok(of_provider[0]),
        None => default_api(&target.provider)
            .and_then(|api| of_provider.iter().copied().find(|e| e.api == api))
            .ok_or_else(|| {
                Usage(format!(
                    "provider `{}` has several APIs and no default; name one: {}",
                    target.provider,
                    names()
                ))
            }),
    }
}

#[cfg(feature = "client")]
fn dedup<'a>(names: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut out: Vec<&str> = Vec::new();
    for n in names {
        if !out.contains(&n) {
            out.push(n);
        }
    }
    out
}
