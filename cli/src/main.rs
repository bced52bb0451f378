//! `errspec`: generate, check and document any directory of specs; classify
//! an error response, or run a request with retries, for any API in the
//! generated catalogs. `cargo xtask classify` and `cargo xtask request` call
//! this binary; `cargo install --path cli` installs it.
#![forbid(unsafe_code)]

mod args;
mod classify;
mod generate;
mod request;

use std::process::ExitCode;

use errspec::registry::ApiEntry;

use args::{Command, Target, USAGE, Usage};

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(Usage(message)) => {
            eprintln!("error: {message}\n\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<ExitCode, Usage> {
    match args::parse(std::env::args_os().skip(1))? {
        Command::Help => {
            println!("{USAGE}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Generate(g) => Ok(generate::run(&g)),
        Command::List => {
            for entry in errspec_providers::APIS {
                println!("{}/{}", entry.provider, entry.api);
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Classify(c) => {
            let entry = find_api(&c.target)?;
            print_json(&classify::classify(entry, &c));
            Ok(ExitCode::SUCCESS)
        }
        Command::Request(r) => {
            let entry = find_api(&r.target)?;
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .map_err(|e| Usage(format!("cannot start the async runtime: {e}")))?;
            let report = runtime.block_on(request::request(entry, r))?;
            print_json(&report);
            Ok(if report.ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
    }
}

fn print_json(value: &impl serde::Serialize) {
    match serde_json::to_string_pretty(value) {
        Ok(text) => println!("{text}"),
        Err(e) => eprintln!("error: cannot print the result: {e}"),
    }
}

/// The API named by `PROVIDER[/API]`; the API may be left out where the
/// provider has exactly one, or names a default one (`default_api`).
fn find_api(target: &Target) -> Result<&'static ApiEntry, Usage> {
    let apis = errspec_providers::APIS;
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
        None => errspec_providers::default_api(&target.provider)
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

fn dedup<'a>(names: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut out: Vec<&str> = Vec::new();
    for n in names {
        if !out.contains(&n) {
            out.push(n);
        }
    }
    out
}
