//! Command-line parsing.

use std::ffi::OsString;
use std::path::PathBuf;
#[cfg(feature = "client")]
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use lexopt::{Arg, Parser, ValueExt};

/// A usage error: printed with the usage text, exit code 2.
#[derive(Debug)]
pub struct Usage(pub String);

impl From<lexopt::Error> for Usage {
    fn from(e: lexopt::Error) -> Self {
        Usage(e.to_string())
    }
}

/// `PROVIDER[/API]`.
#[cfg(feature = "client")]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    /// Provider identifier.
    pub provider: String,
    /// API name, when given.
    pub api: Option<String>,
}

#[cfg(feature = "client")]
impl Target {
    fn parse(s: &str) -> Result<Self, Usage> {
        let (provider, api) = match s.split_once('/') {
            Some((p, a)) => (p, Some(a.to_owned())),
            None => (s, None),
        };
        if provider.is_empty() || api.as_deref() == Some("") {
            return Err(Usage(format!("`{s}` is not PROVIDER or PROVIDER/API")));
        }
        Ok(Target {
            provider: provider.to_owned(),
            api,
        })
    }
}

/// `classify` arguments.
#[cfg(feature = "client")]
#[derive(Debug)]
pub struct Classify {
    /// Which API.
    pub target: Target,
    /// Read the API from this directory of specs instead of the built-in
    /// providers.
    pub spec_dir: Option<PathBuf>,
    /// The response status.
    pub status: http::StatusCode,
    /// Response headers.
    pub headers: http::HeaderMap,
    /// Response body.
    pub body: Vec<u8>,
    /// Whether the request was idempotent (or carried an idempotency key).
    pub idempotent: bool,
    /// Attempts made so far, counting the one that got this response.
    pub attempt: u32,
    /// The clock, for HTTP-dates and reset timestamps.
    pub now: SystemTime,
}

/// `request` arguments.
#[cfg(feature = "client")]
#[derive(Debug)]
pub struct Request {
    /// Which API.
    pub target: Target,
    /// Read the API from this directory of specs instead of the built-in
    /// providers.
    pub spec_dir: Option<PathBuf>,
    /// Where to send it.
    pub url: reqwest::Url,
    /// The method.
    pub method: http::Method,
    /// Request headers.
    pub headers: http::HeaderMap,
    /// Request body.
    pub body: Option<String>,
    /// Whether the operation is idempotent.
    pub idempotent: bool,
    /// Send no automatic idempotency key.
    pub no_idempotency_key: bool,
    /// Attempt cap (counting the first).
    pub max_attempts: Option<u32>,
    /// How long one attempt may take, connecting included
    /// ([`DEFAULT_TIMEOUT`] unless `--timeout` says otherwise).
    pub timeout: std::time::Duration,
}

/// The per-attempt timeout of `request` without `--timeout`: 30 s.
#[cfg(feature = "client")]
pub const DEFAULT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// `gen`, `check` and `docs` on a directory of specs.
#[derive(Debug, PartialEq, Eq)]
pub struct Generate {
    /// Which of the three.
    pub kind: GenerateKind,
    /// The spec directory.
    pub spec_dir: std::path::PathBuf,
    /// Where the Rust modules go (`gen`, `check`).
    pub out: Option<std::path::PathBuf>,
    /// Where the Markdown docs go.
    pub docs: Option<std::path::PathBuf>,
    /// The Rust path of the generated modules, for the docs' examples.
    pub crate_path: Option<String>,
    /// Generate a whole providers crate there instead (`Cargo.toml`,
    /// `src/`, `docs/`) and `SPEC_DIR/schema.json`: this repository's
    /// `generated/`.
    pub crate_dir: Option<PathBuf>,
    /// `check --deny-warnings`: a spec warning fails the check (CI).
    pub deny_warnings: bool,
}

/// What [`Generate`] does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GenerateKind {
    /// Write the files that changed.
    Gen,
    /// Check the specs and fail on drift.
    Check,
    /// Write the docs only.
    Docs,
}

/// A parsed command line.
#[derive(Debug)]
pub enum Command {
    /// Generate, check or document a spec directory.
    Generate(Generate),
    /// Decode and classify one response.
    #[cfg(feature = "client")]
    Classify(Classify),
    /// Run one logical request through the retrying client.
    #[cfg(feature = "client")]
    Request(Request),
    /// List the APIs.
    #[cfg(feature = "client")]
    List,
    /// Print usage.
    Help,
}

/// The usage text.
pub const USAGE: &str = "\
usage:
  errspec classify PROVIDER[/API] --status N [--header 'Name: value']... [--body TEXT | --body-file PATH]
                   [--idempotent] [--attempt N] [--now UNIX_SECONDS] [--spec-dir DIR]
  errspec request  PROVIDER[/API] --url URL [--method M] [--header 'Name: value']... [--body TEXT]
                   [--idempotent] [--no-idempotency-key] [--max-attempts N] [--timeout SECONDS]
                   [--spec-dir DIR]
  errspec list
  errspec gen   SPEC_DIR (--out DIR [--docs DIR] | --crate DIR) [--crate-path PATH]
  errspec check SPEC_DIR (--out DIR [--docs DIR] | --crate DIR) [--crate-path PATH] [--deny-warnings]
  errspec docs  SPEC_DIR (--docs DIR | --crate DIR) [--crate-path PATH]

classify and request know the built-in providers by name; with --spec-dir they
read PROVIDER from that directory of specs instead (no generated code needed).
The API may be left out where the provider has one API, or names a default.
`request` gives each attempt 30 s (--timeout) and follows no redirects. Set
RUST_LOG (e.g. RUST_LOG=errspec=debug) for log events on stderr.
gen writes one module per spec (DIR/PROVIDER.rs) and DIR/mod.rs, only files
that changed; check prints every spec diagnostic, decodes the documented
examples and fails if a file is out of date (or, with --deny-warnings, if a
spec has a warning); docs writes Markdown pages.
--crate DIR: a whole providers crate instead (DIR/Cargo.toml, DIR/src,
DIR/docs, and SPEC_DIR/schema.json), as this repository's generated/.";

/// Parses the command line (without the program name).
pub fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Command, Usage> {
    let mut p = Parser::from_iter(std::iter::once(OsString::from("errspec")).chain(args));
    let sub = match p.next()? {
        Some(Arg::Value(v)) => v.string()?,
        Some(Arg::Long("help") | Arg::Short('h')) | None => return Ok(Command::Help),
        Some(other) => return Err(other.unexpected().into()),
    };
    match sub.as_str() {
        #[cfg(feature = "client")]
        "classify" => parse_classify(&mut p).map(Command::Classify),
        "gen" => parse_generate(&mut p, GenerateKind::Gen).map(Command::Generate),
        "check" => parse_generate(&mut p, GenerateKind::Check).map(Command::Generate),
        "docs" => parse_generate(&mut p, GenerateKind::Docs).map(Command::Generate),
        #[cfg(feature = "client")]
        "request" => parse_request(&mut p).map(Command::Request),
        #[cfg(not(feature = "client"))]
        "classify" | "request" | "list" => Err(Usage(format!(
            "`{sub}` needs the `client` feature of errspec-cli, which this build lacks"
        ))),
        #[cfg(feature = "client")]
        "list" => {
            if let Some(arg) = p.next()? {
                return Err(arg.unexpected().into());
            }
            Ok(Command::List)
        }
        "help" => Ok(Command::Help),
        other => Err(Usage(format!(
            "unknown command `{other}`; expected classify, request, list, gen, check or docs"
        ))),
    }
}

fn parse_generate(p: &mut Parser, kind: GenerateKind) -> Result<Generate, Usage> {
    let mut spec_dir = None;
    let mut out = None;
    let mut docs = None;
    let mut crate_path = None;
    let mut crate_dir = None;
    let mut deny_warnings = false;
    while let Some(arg) = p.next()? {
        match arg {
            Arg::Value(v) if spec_dir.is_none() => spec_dir = Some(v.into()),
            Arg::Long("crate") => crate_dir = Some(p.value()?.into()),
            Arg::Long("out") if kind != GenerateKind::Docs => out = Some(p.value()?.into()),
            Arg::Long("docs") => docs = Some(p.value()?.into()),
            Arg::Long("crate-path") => crate_path = Some(p.value()?.string()?),
            Arg::Long("deny-warnings") if kind == GenerateKind::Check => deny_warnings = true,
            other => return Err(other.unexpected().into()),
        }
    }
    let spec_dir = spec_dir.ok_or_else(|| Usage("missing SPEC_DIR".into()))?;
    match kind {
        _ if crate_dir.is_some() && (out.is_some() || docs.is_some()) => {
            return Err(Usage(
                "--crate DIR takes the place of --out and --docs".into(),
            ));
        }
        _ if crate_dir.is_some() => {}
        GenerateKind::Docs if docs.is_none() => return Err(Usage("missing --docs DIR".into())),
        GenerateKind::Gen | GenerateKind::Check if out.is_none() => {
            return Err(Usage("missing --out DIR".into()));
        }
        _ => {}
    }
    Ok(Generate {
        kind,
        spec_dir,
        out,
        docs,
        crate_path,
        crate_dir,
        deny_warnings,
    })
}

#[cfg(feature = "client")]
fn parse_classify(p: &mut Parser) -> Result<Classify, Usage> {
    let mut target = None;
    let mut spec_dir = None;
    let mut status = None;
    let mut headers = http::HeaderMap::new();
    let mut body: Option<Vec<u8>> = None;
    let mut idempotent = false;
    let mut attempt = 1u32;
    let mut now = None;
    while let Some(arg) = p.next()? {
        match arg {
            Arg::Value(v) if target.is_none() => target = Some(Target::parse(&v.string()?)?),
            Arg::Long("status") => status = Some(parse_status(&p.value()?.string()?)?),
            Arg::Long("header") | Arg::Short('H') => {
                add_header(&mut headers, &p.value()?.string()?)?;
            }
            Arg::Long("body") => set_once(&mut body, p.value()?.string()?.into_bytes(), "--body")?,
            Arg::Long("body-file") => {
                let path = p.value()?;
                let bytes = std::fs::read(&path).map_err(|e| {
                    Usage(format!(
                        "cannot read --body-file {}: {e}",
                        path.to_string_lossy()
                    ))
                })?;
                set_once(&mut body, bytes, "--body-file")?;
            }
            Arg::Long("idempotent") => idempotent = true,
            Arg::Long("attempt") => {
                attempt = p.value()?.parse()?;
                if attempt == 0 {
                    return Err(Usage(
                        "--attempt counts attempts made so far: at least 1".into(),
                    ));
                }
            }
            Arg::Long("now") => {
                let secs: u64 = p.value()?.parse()?;
                now = Some(UNIX_EPOCH + Duration::from_secs(secs));
            }
            Arg::Long("spec-dir") => spec_dir = Some(PathBuf::from(p.value()?)),
            other => return Err(other.unexpected().into()),
        }
    }
    Ok(Classify {
        target: target.ok_or_else(|| Usage("missing PROVIDER[/API]".into()))?,
        spec_dir,
        status: status.ok_or_else(|| Usage("missing --status".into()))?,
        headers,
        body: body.unwrap_or_default(),
        idempotent,
        attempt,
        now: now.unwrap_or_else(SystemTime::now),
    })
}

#[cfg(feature = "client")]
fn parse_request(p: &mut Parser) -> Result<Request, Usage> {
    let mut target = None;
    let mut spec_dir = None;
    let mut url = None;
    let mut method = http::Method::GET;
    let mut headers = http::HeaderMap::new();
    let mut body = None;
    let mut idempotent = false;
    let mut no_idempotency_key = false;
    let mut max_attempts = None;
    let mut timeout = DEFAULT_TIMEOUT;
    while let Some(arg) = p.next()? {
        match arg {
            Arg::Value(v) if target.is_none() => target = Some(Target::parse(&v.string()?)?),
            Arg::Long("url") => {
                let s = p.value()?.string()?;
                url = Some(
                    reqwest::Url::parse(&s)
                        .map_err(|e| Usage(format!("invalid --url `{s}`: {e}")))?,
                );
            }
            Arg::Long("method") | Arg::Short('X') => {
                let s = p.value()?.string()?;
                method = http::Method::from_bytes(s.to_ascii_uppercase().as_bytes())
                    .map_err(|_| Usage(format!("invalid --method `{s}`")))?;
            }
            Arg::Long("header") | Arg::Short('H') => {
                add_header(&mut headers, &p.value()?.string()?)?;
            }
            Arg::Long("body") => set_once(&mut body, p.value()?.string()?, "--body")?,
            Arg::Long("idempotent") => idempotent = true,
            Arg::Long("no-idempotency-key") => no_idempotency_key = true,
            Arg::Long("max-attempts") => {
                let n: u32 = p.value()?.parse()?;
                if n == 0 {
                    return Err(Usage("--max-attempts must be at least 1".into()));
                }
                max_attempts = Some(n);
            }
            Arg::Long("timeout") => {
                let s = p.value()?.string()?;
                timeout = s
                    .parse::<f64>()
                    .ok()
                    .filter(|t| t.is_finite() && *t > 0.0 && *t <= 86_400.0)
                    .map(std::time::Duration::from_secs_f64)
                    .ok_or_else(|| {
                        Usage(format!(
                            "invalid --timeout `{s}`: expected seconds, above 0 and at most 86400"
                        ))
                    })?;
            }
            Arg::Long("spec-dir") => spec_dir = Some(PathBuf::from(p.value()?)),
            other => return Err(other.unexpected().into()),
        }
    }
    Ok(Request {
        target: target.ok_or_else(|| Usage("missing PROVIDER[/API]".into()))?,
        spec_dir,
        url: url.ok_or_else(|| Usage("missing --url".into()))?,
        method,
        headers,
        body,
        idempotent,
        no_idempotency_key,
        max_attempts,
        timeout,
    })
}

#[cfg(feature = "client")]
fn set_once<T>(slot: &mut Option<T>, value: T, flag: &str) -> Result<(), Usage> {
    if slot.is_some() {
        return Err(Usage(format!("{flag}: the body was already given")));
    }
    *slot = Some(value);
    Ok(())
}

#[cfg(feature = "client")]
fn parse_status(s: &str) -> Result<http::StatusCode, Usage> {
    s.parse::<u16>()
        .ok()
        .and_then(|n| http::StatusCode::from_u16(n).ok())
        .ok_or_else(|| Usage(format!("invalid --status `{s}`: expected 100 to 999")))
}

#[cfg(feature = "client")]
fn add_header(headers: &mut http::HeaderMap, raw: &str) -> Result<(), Usage> {
    let (name, value) = raw
        .split_once(':')
        .ok_or_else(|| Usage(format!("invalid --header `{raw}`: expected 'Name: value'")))?;
    let name = http::HeaderName::from_bytes(name.trim().as_bytes())
        .map_err(|_| Usage(format!("invalid header name in `{raw}`")))?;
    let value = http::HeaderValue::from_str(value.trim())
        .map_err(|_| Usage(format!("invalid header value in `{raw}`")))?;
    headers.append(name, value);
    Ok(())
}

#[cfg(all(test, feature = "client"))]
mod tests {
    use super::*;

    fn args(s: &[&str]) -> Vec<OsString> {
        s.iter().map(OsString::from).collect()
    }

    #[test]
    fn classify_parses_every_flag() {
        let Command::Classify(c) = parse(args(&[
            "classify",
            "topmail/api",
            "--status",
            "429",
            "--header",
            "Retry-After: 3",
            "--body",
            "{}",
            "--idempotent",
            "--attempt",
            "2",
            "--now",
            "1700000000",
        ]))
        .unwrap() else {
            panic!("not classify");
        };
        assert_eq!(c.target.provider, "topmail");
        assert_eq!(c.target.api.as_deref(), Some("api"));
        assert_eq!(c.status, 429);
        assert_eq!(c.headers["retry-after"], "3");
        assert!(c.idempotent);
        assert_eq!(c.attempt, 2);
        assert_eq!(c.now, UNIX_EPOCH + Duration::from_secs(1_700_000_000));
    }

    #[test]
    fn request_has_a_timeout_by_default_and_takes_one() {
        let Command::Request(r) =
            parse(args(&["request", "topmail", "--url", "http://x"])).unwrap()
        else {
            panic!("not request");
        };
        assert_eq!(r.timeout, DEFAULT_TIMEOUT);
        let Command::Request(r) = parse(args(&[
            "request",
            "topmail",
            "--url",
            "http://x",
            "--timeout",
            "0.25",
        ]))
        .unwrap() else {
            panic!("not request");
        };
        assert_eq!(r.timeout, Duration::from_millis(250));
    }

    #[test]
    fn bad_flags_are_usage_errors() {
        for bad in [
            &["classify", "topmail"][..],
            &["classify", "topmail", "--status", "abc"],
            &["classify", "topmail", "--status", "99"],
            &[
                "classify", "topmail", "--status", "400", "--header", "nocolon",
            ],
            &[
                "classify", "topmail", "--status", "400", "--body", "a", "--body", "b",
            ],
            &["classify", "topmail", "--status", "400", "--attempt", "0"],
            &["classify", "/x", "--status", "400"],
            &["request", "topmail"],
            &["request", "topmail", "--url", "not a url"],
            &[
                "request",
                "topmail",
                "--url",
                "http://x",
                "--max-attempts",
                "0",
            ],
            &["request", "topmail", "--url", "http://x", "--timeout", "0"],
            &["request", "topmail", "--url", "http://x", "--timeout", "-1"],
            &[
                "request",
                "topmail",
                "--url",
                "http://x",
                "--timeout",
                "NaN",
            ],
            &["frobnicate"],
        ] {
            assert!(parse(args(bad)).is_err(), "{bad:?} should be a usage error");
        }
    }
}
