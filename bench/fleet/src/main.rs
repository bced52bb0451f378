//! `errspec-fleet` (`cargo xtask bench fleet`): a fleet of K worker
//! processes sends N requests each, C at a time, through one account of a
//! fake provider on loopback that allows R requests per second (a token
//! bucket of R per second holding at most R, full at the start, as after a
//! quiet spell) and answers `429` with `Retry-After`
//! and Resend's rate-limit headers past it. Four configurations, one after
//! the other, against a fresh provider each:
//!
//! - `independent`: `errspec::Client` without pacing (the behaviour before
//!   pacing): each worker learns alone, from its own 429s;
//! - `in-process`: the default in-process pacing, told the limit R in
//!   place of the catalog's (Resend documents 5/s; this provider allows R):
//!   each worker paces itself to R and blocks on what it hears;
//! - `redis`: pacing shared through `errspec-redis` (a `redis-server`
//!   started here, on loopback, stopped by PID), told the limit R in place
//!   of the catalog's;
//! - `backoff`: plain reqwest with exponential backoff and full jitter that
//!   ignores `Retry-After` (what `reqwest-retry`'s default policy does).
//!
//! Every configuration retries until delivered (30 attempts at most, no
//! retry budget), so all deliver the same requests and the figures compare
//! their cost. Workers are this binary, run with `worker`.
#![forbid(unsafe_code)]

use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use errspec::RetryPolicy;
use errspec::client::{Client, SendOptions};
use errspec::pacing::{Cell, LimitScope, Pacing, PacingStore, RateLimit, StoreError, StoreFuture};
use errspec_providers::resend;
use errspec_redis::RedisStore;
use errspec_redis::server::RedisServer;
use reqwest::StatusCode;
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const USAGE: &str = "\
usage: errspec-fleet [--workers K] [--requests N] [--concurrency C] [--rate R] [--modes LIST]

  --workers K       worker processes (default 8)
  --requests N      requests per worker (default 100)
  --concurrency C   requests in flight per worker (default 4)
  --rate R          the provider's limit, requests per second (default 50)
  --modes LIST      comma-separated, of independent,in-process,redis,backoff (default all)";

const MODES: [&str; 4] = ["independent", "in-process", "redis", "backoff"];

/// What one worker reports, as one JSON line on stdout.
#[derive(Debug, Default, Serialize, Deserialize)]
struct WorkerReport {
    delivered: u64,
    failed: u64,
    sends: u64,
    throttled: u64,
    /// Time to delivery of each delivered request, in milliseconds.
    latencies_ms: Vec<f64>,
    /// Each call to the shared store, in microseconds.
    store_us: Vec<f64>,
    store_failures: u64,
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("worker") {
        return worker(&args[2..]);
    }
    let options = match parse_args() {
        Ok(options) => options,
        Err(e) => {
            eprintln!("error: {e}\n\n{USAGE}");
            std::process::exit(2);
        }
    };
    run(&options)
}

#[derive(Debug)]
struct Options {
    workers: usize,
    requests: usize,
    concurrency: usize,
    rate: u32,
    modes: Vec<String>,
}

fn parse_args() -> Result<Options, lexopt::Error> {
    use lexopt::prelude::*;
    let mut options = Options {
        workers: 8,
        requests: 100,
        concurrency: 4,
        rate: 50,
        modes: MODES.iter().map(|m| (*m).to_owned()).collect(),
    };
    let mut parser = lexopt::Parser::from_env();
    while let Some(arg) = parser.next()? {
        match arg {
            Long("workers") => options.workers = parser.value()?.parse()?,
            Long("requests") => options.requests = parser.value()?.parse()?,
            Long("concurrency") => options.concurrency = parser.value()?.parse()?,
            Long("rate") => options.rate = parser.value()?.parse()?,
            Long("modes") => {
                options.modes = parser
                    .value()?
                    .string()?
                    .split(',')
                    .map(str::to_owned)
                    .collect();
            }
            // `cargo xtask bench fleet` passes the section name on.
            Value(v) if v == "fleet" => {}
            Long("full") | Long("quick") => {}
            Short('h') | Long("help") => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            _ => return Err(arg.unexpected()),
        }
    }
    if let Some(unknown) = options.modes.iter().find(|m| !MODES.contains(&m.as_str())) {
        return Err(lexopt::Error::Custom(
            format!("unknown mode `{unknown}`").into(),
        ));
    }
    if options.workers == 0
        || options.requests == 0
        || options.concurrency == 0
        || options.rate == 0
    {
        return Err(lexopt::Error::Custom(
            "every count must be at least 1".into(),
        ));
    }
    Ok(options)
}

fn run(options: &Options) -> Result<()> {
    let exe = std::env::current_exe().context("finding errspec-fleet's own path")?;
    let redis = if options.modes.iter().any(|m| m == "redis") {
        Some(RedisServer::start().context("starting redis-server")?)
    } else {
        None
    };
    println!(
        "## Fleet: {} workers × {} requests ({} in flight each) against a limit of R = {}/s\n",
        options.workers, options.requests, options.concurrency, options.rate
    );
    println!(
        "| configuration | goodput / R | 429s per 1,000 sends | attempts per delivered | total s | \
         p50 / p99 to delivery ms | store call p50 / p99 µs |"
    );
    println!("|---|---|---|---|---|---|---|");
    for mode in &options.modes {
        let provider = Provider::start(options.rate)?;
        let mut children = Vec::new();
        for _ in 0..options.workers {
            let child = Command::new(&exe)
                .arg("worker")
                .arg(mode)
                .arg(provider.addr.to_string())
                .arg(options.requests.to_string())
                .arg(options.concurrency.to_string())
                .arg(options.rate.to_string())
                .arg(
                    redis
                        .as_ref()
                        .map_or_else(|| "-".to_owned(), RedisServer::url),
                )
                .stdout(Stdio::piped())
                .stderr(Stdio::inherit())
                .spawn()
                .context("starting a worker")?;
            children.push(child);
        }
        let mut total = WorkerReport::default();
        for child in children {
            let output = child.wait_with_output().context("waiting for a worker")?;
            if !output.status.success() {
                bail!("a worker failed: {}", output.status);
            }
            let report: WorkerReport =
                serde_json::from_slice(&output.stdout).context("reading a worker's report")?;
            total.delivered += report.delivered;
            total.failed += report.failed;
            total.sends += report.sends;
            total.throttled += report.throttled;
            total.store_failures += report.store_failures;
            total.latencies_ms.extend(report.latencies_ms);
            total.store_us.extend(report.store_us);
        }
        let seen = provider.seen();
        let span = seen.span.as_secs_f64();
        let goodput = if span > 0.0 {
            seen.ok.saturating_sub(1) as f64 / span / f64::from(options.rate)
        } else {
            0.0
        };
        let store = if total.store_us.is_empty() {
            "–".to_owned()
        } else {
            format!(
                "{:.0} / {:.0}",
                percentile(&mut total.store_us, 0.50),
                percentile(&mut total.store_us, 0.99)
            )
        };
        println!(
            "| {mode} | {goodput:.3} | {:.1} | {:.2} | {span:.1} | {:.0} / {:.0} | {store} |",
            1000.0 * total.throttled as f64 / total.sends.max(1) as f64,
            total.sends as f64 / total.delivered.max(1) as f64,
            percentile(&mut total.latencies_ms, 0.50),
            percentile(&mut total.latencies_ms, 0.99),
        );
        if total.failed > 0 || total.store_failures > 0 {
            println!(
                "\n({mode}: {} requests not delivered, {} store failures)\n",
                total.failed, total.store_failures
            );
        }
        if seen.ok != total.delivered {
            bail!(
                "{mode}: the provider accepted {} requests, the workers saw {} delivered",
                seen.ok,
                total.delivered
            );
        }
    }
    println!(
        "\ngoodput = requests accepted by the provider ÷ the time from its first arrival to its \
         last acceptance, ÷ R. Goals for `redis`: goodput ≥ 0.95 R, ≤ 10 429s per 1,000 sends."
    );
    Ok(())
}

fn percentile(values: &mut [f64], p: f64) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.sort_by(f64::total_cmp);
    let rank = ((values.len() - 1) as f64 * p).round() as usize;
    values[rank]
}

// ---------------------------------------------------------------- provider

/// The fake provider: one account, a token bucket of `rate` per second.
struct Provider {
    addr: SocketAddr,
    state: Arc<Mutex<Bucket>>,
}

struct Bucket {
    rate: f64,
    tokens: f64,
    refilled: Instant,
    first: Option<Instant>,
    last_ok: Option<Instant>,
    ok: u64,
}

/// What the provider saw.
struct Seen {
    ok: u64,
    span: Duration,
}

impl Provider {
    fn start(rate: u32) -> Result<Provider> {
        let std_listener = std::net::TcpListener::bind("127.0.0.1:0").context("binding")?;
        std_listener.set_nonblocking(true)?;
        let addr = std_listener.local_addr()?;
        let state = Arc::new(Mutex::new(Bucket {
            rate: f64::from(rate),
            tokens: f64::from(rate),
            refilled: Instant::now(),
            first: None,
            last_ok: None,
            ok: 0,
        }));
        let shared = state.clone();
        std::thread::Builder::new()
            .name("fake-provider".into())
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("provider runtime");
                runtime.block_on(async move {
                    let listener = TcpListener::from_std(std_listener).expect("listener");
                    loop {
                        let Ok((stream, _)) = listener.accept().await else {
                            continue;
                        };
                        let _ = stream.set_nodelay(true);
                        tokio::spawn(serve(stream, shared.clone()));
                    }
                });
            })?;
        Ok(Provider { addr, state })
    }

    fn seen(&self) -> Seen {
        let bucket = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let span = match (bucket.first, bucket.last_ok) {
            (Some(first), Some(last)) => last.duration_since(first),
            _ => Duration::ZERO,
        };
        Seen {
            ok: bucket.ok,
            span,
        }
    }
}

const OK_BODY: &str = r#"{"id":"49a3999c-0ce1-4ea6-ab68-afcd6dc2e794"}"#;
const THROTTLED_BODY: &str =
    r#"{"statusCode":429,"name":"rate_limit_exceeded","message":"Too many requests."}"#;

/// Answers one connection's requests (HTTP/1.1, keep-alive).
async fn serve(mut stream: TcpStream, state: Arc<Mutex<Bucket>>) {
    let mut buf = Vec::with_capacity(4096);
    let mut chunk = [0u8; 4096];
    loop {
        let end = loop {
            if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break end + 4;
            }
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        };
        let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
        let length: usize = head
            .lines()
            .find_map(|line| line.strip_prefix("content-length:"))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0);
        while buf.len() < end + length {
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
        buf.drain(..end + length);
        let (accepted, remaining, wait) = {
            let mut bucket = state.lock().unwrap_or_else(|e| e.into_inner());
            let now = Instant::now();
            bucket.first.get_or_insert(now);
            let refill = now.duration_since(bucket.refilled).as_secs_f64() * bucket.rate;
            bucket.tokens = (bucket.tokens + refill).min(bucket.rate);
            bucket.refilled = now;
            if bucket.tokens >= 1.0 {
                bucket.tokens -= 1.0;
                bucket.ok += 1;
                bucket.last_ok = Some(now);
                (true, bucket.tokens.floor() as u64, 0.0)
            } else {
                (false, 0, (1.0 - bucket.tokens) / bucket.rate)
            }
        };
        // Header values in whole seconds, as Resend sends them.
        let wait_secs = wait.ceil().max(1.0) as u64;
        let response = if accepted {
            let reset = if remaining == 0 { 1 } else { 0 };
            format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nratelimit-remaining: {remaining}\r\n\
                 ratelimit-reset: {reset}\r\ncontent-length: {}\r\n\r\n{OK_BODY}",
                OK_BODY.len()
            )
        } else {
            format!(
                "HTTP/1.1 429 Too Many Requests\r\ncontent-type: application/json\r\n\
                 retry-after: {wait_secs}\r\nratelimit-remaining: 0\r\nratelimit-reset: {wait_secs}\r\n\
                 content-length: {}\r\n\r\n{THROTTLED_BODY}",
                THROTTLED_BODY.len()
            )
        };
        if stream.write_all(response.as_bytes()).await.is_err() {
            return;
        }
    }
}

// ------------------------------------------------------------------ worker

/// A store that times every call of the one it wraps.
#[derive(Debug)]
struct Timed<S> {
    inner: S,
    calls_us: Mutex<Vec<f64>>,
}

impl<S: PacingStore> PacingStore for Timed<S> {
    fn reserve<'a>(
        &'a self,
        scope: &'a str,
        cells: &'a [Cell],
    ) -> StoreFuture<'a, Result<Duration, StoreError>> {
        Box::pin(async move {
            let start = Instant::now();
            let result = self.inner.reserve(scope, cells).await;
            self.record(start);
            result
        })
    }

    fn block<'a>(
        &'a self,
        scope: &'a str,
        delay: Duration,
    ) -> StoreFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            let start = Instant::now();
            let result = self.inner.block(scope, delay).await;
            self.record(start);
            result
        })
    }

    fn spend<'a>(
        &'a self,
        key: &'a str,
        cost: u32,
        capacity: u32,
    ) -> StoreFuture<'a, Result<Option<u32>, StoreError>> {
        Box::pin(async move {
            let start = Instant::now();
            let result = self.inner.spend(key, cost, capacity).await;
            self.record(start);
            result
        })
    }

    fn deposit<'a>(
        &'a self,
        key: &'a str,
        tokens: u32,
        capacity: u32,
    ) -> StoreFuture<'a, Result<u32, StoreError>> {
        Box::pin(async move {
            let start = Instant::now();
            let result = self.inner.deposit(key, tokens, capacity).await;
            self.record(start);
            result
        })
    }
}

impl<S> Timed<S> {
    fn record(&self, start: Instant) {
        let us = start.elapsed().as_secs_f64() * 1e6;
        self.calls_us
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(us);
    }
}

fn worker(args: &[String]) -> Result<()> {
    let [mode, addr, requests, concurrency, rate, redis_url] = args else {
        bail!("usage: errspec-fleet worker MODE ADDR N C R REDIS_URL");
    };
    let requests: usize = requests.parse()?;
    let concurrency: usize = concurrency.parse()?;
    let rate: u32 = rate.parse()?;
    let url = format!("http://{addr}/emails");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let report = runtime.block_on(async move {
        let http = reqwest::Client::new();
        let policy = RetryPolicy::builder()
            .max_attempts(30)
            .base_delay(Duration::from_millis(50))
            .max_backoff(Duration::from_secs(5))
            .build()?;
        let limit = RateLimit::new(rate, Duration::from_secs(1), LimitScope::Account);
        let timed = Arc::new(Timed {
            inner: RedisStore::open(if redis_url == "-" {
                "redis://127.0.0.1:1/"
            } else {
                redis_url
            })?,
            calls_us: Mutex::new(Vec::new()),
        });
        if mode == "redis" {
            // Connect before timing: the first call's connection setup is
            // a one-off, not a per-request cost. A read-only reservation.
            let _ = timed
                .inner
                .reserve("errspec:{fleet-warmup}:block", &[])
                .await;
        }
        let builder = Client::<resend::Error>::builder(http.clone())
            .policy(policy)
            .without_budget();
        // The fake provider's limit is R, not the 5/s Resend documents:
        // the paced configurations pace to R alone, as a user whose plan
        // raised the limit would (`catalog_limits(false)` and their own).
        let client = match mode.as_str() {
            "independent" | "backoff" => builder.without_pacing().build(),
            "in-process" => builder
                .pacing(Pacing::new().catalog_limits(false).limit(limit))
                .build(),
            "redis" => builder
                .pacing(
                    Pacing::shared(timed.clone())
                        .catalog_limits(false)
                        .limit(limit),
                )
                .build(),
            other => bail!("unknown mode `{other}`"),
        };
        let next = Arc::new(AtomicUsize::new(0));
        let sends = Arc::new(AtomicU64::new(0));
        let throttled = Arc::new(AtomicU64::new(0));
        let mut tasks = Vec::new();
        for _ in 0..concurrency {
            let (client, http, url, next, sends, throttled) = (
                client.clone(),
                http.clone(),
                url.clone(),
                next.clone(),
                sends.clone(),
                throttled.clone(),
            );
            let backoff = mode == "backoff";
            tasks.push(tokio::spawn(async move {
                let mut latencies = Vec::new();
                let mut failed = 0u64;
                while next.fetch_add(1, Ordering::Relaxed) < requests {
                    let start = Instant::now();
                    let delivered = if backoff {
                        plain_backoff(&http, &url, &sends, &throttled).await
                    } else {
                        let request = client
                            .request(reqwest::Method::POST, &url)
                            .bearer_auth("re_bench_key")
                            .body(r#"{"to":"a@example.com"}"#);
                        match client.send_recorded(request, SendOptions::default()).await {
                            Ok(delivered) => {
                                count(&delivered.retried, &sends, &throttled);
                                sends.fetch_add(1, Ordering::Relaxed);
                                true
                            }
                            Err(failure) => {
                                count(failure.attempts(), &sends, &throttled);
                                false
                            }
                        }
                    };
                    if delivered {
                        latencies.push(start.elapsed().as_secs_f64() * 1000.0);
                    } else {
                        failed += 1;
                    }
                }
                (latencies, failed)
            }));
        }
        let mut report = WorkerReport::default();
        for task in tasks {
            let (latencies, failed) = task.await?;
            report.delivered += latencies.len() as u64;
            report.failed += failed;
            report.latencies_ms.extend(latencies);
        }
        report.sends = sends.load(Ordering::Relaxed);
        report.throttled = throttled.load(Ordering::Relaxed);
        report.store_us =
            std::mem::take(&mut *timed.calls_us.lock().unwrap_or_else(|e| e.into_inner()));
        report.store_failures = client.pacing().map_or(0, |p| p.stats().store_failures);
        anyhow::Ok(report)
    })?;
    println!("{}", serde_json::to_string(&report)?);
    Ok(())
}

/// Counts failed attempts: every one was a send; 429s are counted apart.
fn count(attempts: &[errspec::client::Attempt], sends: &AtomicU64, throttled: &AtomicU64) {
    sends.fetch_add(attempts.len() as u64, Ordering::Relaxed);
    let refused = attempts
        .iter()
        .filter(|a| a.status == Some(StatusCode::TOO_MANY_REQUESTS))
        .count();
    throttled.fetch_add(refused as u64, Ordering::Relaxed);
}

/// Plain reqwest with exponential backoff (50 ms base, ×2, 5 s cap, full
/// jitter), blind to `Retry-After`; 30 attempts at most.
async fn plain_backoff(
    http: &reqwest::Client,
    url: &str,
    sends: &AtomicU64,
    throttled: &AtomicU64,
) -> bool {
    for attempt in 0..30u32 {
        sends.fetch_add(1, Ordering::Relaxed);
        let response = http
            .post(url)
            .bearer_auth("re_bench_key")
            .header("idempotency-key", format!("{:x}", fastrand::u128(..)))
            .body(r#"{"to":"a@example.com"}"#)
            .send()
            .await;
        match response {
            Ok(response) if response.status().is_success() => {
                let _ = response.bytes().await;
                return true;
            }
            Ok(response) => {
                if response.status() == StatusCode::TOO_MANY_REQUESTS {
                    throttled.fetch_add(1, Ordering::Relaxed);
                }
                let _ = response.bytes().await;
            }
            Err(_) => {}
        }
        let ceiling = (50.0 * 2f64.powi(attempt.min(16) as i32)).min(5000.0);
        tokio::time::sleep(Duration::from_secs_f64(fastrand::f64() * ceiling / 1000.0)).await;
    }
    false
}
