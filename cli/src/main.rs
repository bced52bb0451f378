//! `errspec`: generate, check and document any directory of specs; classify
//! an error response, or run a request with retries, for a built-in provider
//! or any spec directory. `cargo install --path cli` installs it; the work
//! is [`errspec_cli::run`]'s.
#![forbid(unsafe_code)]

use std::process::ExitCode;

fn main() -> ExitCode {
    init_tracing();
    errspec_cli::run(std::env::args_os().skip(1))
}

/// Log events to stderr as `RUST_LOG` selects (none when it is unset; an
/// invalid directive is skipped). stdout keeps only the JSON result. What
/// the library logs never holds secrets (header values, bodies, query
/// strings; `tests/tests/secrets.rs` checks every target at TRACE), so no
/// filter is needed here.
fn init_tracing() {
    use tracing_subscriber::EnvFilter;
    use tracing_subscriber::filter::LevelFilter;
    let Some(directives) = std::env::var_os("RUST_LOG") else {
        return;
    };
    let filter = EnvFilter::builder()
        .with_default_directive(LevelFilter::OFF.into())
        .parse_lossy(directives.to_string_lossy());
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(filter)
        .with_ansi(false)
        .try_init();
}
