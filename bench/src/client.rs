//! Section 4: the runtime client against a local server.
//!
//! - Overhead: successful requests through `errspec::Client` vs the same
//!   `reqwest::Client` used directly, in alternating batches, each request
//!   awaited and its body read. Once for an API without idempotency keys
//!   (Artmail) and once for one with them (TopMail), where plain reqwest
//!   sends the same kind of key (a fresh UUID v4 header) so both do the
//!   same work on the wire.
//! - Timing accuracy: a server that answers the first request of a trial
//!   with `429` and `Retry-After: 1` and the next with `200`; the gap
//!   between the two requests' arrivals, measured by the server.
//!
//! The server is a few lines of tokio on a raw socket (HTTP/1.1,
//! keep-alive, fixed responses) on its own thread, so it costs both sides
//! the same and as little as possible.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use errspec::client::Client;
use errspec::{RetryPolicy, SendOptions};
use errspec_providers::{artmail, topmail};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::measure::median;
use crate::report::Report;
use crate::table::Table;

/// When each request of each throttle trial arrived, by trial.
type Arrivals = Arc<Mutex<HashMap<String, Vec<Instant>>>>;

/// The TopMail body of a 429.
const THROTTLED_BODY: &str =
    r#"{"error":{"code":"rate_limited","message":"Too many requests; retry after 1 second."}}"#;

/// Runs the section.
pub fn run(full: bool) -> Result<Report> {
    let (addr, arrivals) = start_server()?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let (requests, rounds) = if full { (50_000, 250) } else { (10_000, 100) };
    let (plain_a, client_a) =
        runtime.block_on(overhead::<artmail::Error>(addr, requests, rounds))?;
    let (plain_t, client_t) =
        runtime.block_on(overhead::<topmail::Error>(addr, requests, rounds))?;
    let trials = 50;
    let concurrent = if full { 1 } else { 10 };
    let gaps = runtime.block_on(retry_after_gaps(addr, &arrivals, trials, concurrent))?;

    let mut report = Report::default();
    let mut table = Table::new(&[
        "API",
        "requests each",
        "reqwest µs/req",
        "errspec::Client µs/req",
        "client/reqwest",
    ]);
    for (api, plain, client) in [
        ("artmail (no idempotency key)", plain_a, client_a),
        ("topmail (idempotency key on both)", plain_t, client_t),
    ] {
        table.row(vec![
            api.into(),
            requests.to_string(),
            format!("{:.1}", plain * 1e6),
            format!("{:.1}", client * 1e6),
            format!("{:.3}", client / plain),
        ]);
    }
    let mut gap_ms: Vec<f64> = gaps.iter().map(|g| g.as_secs_f64() * 1000.0).collect();
    let min = gap_ms.iter().copied().fold(f64::INFINITY, f64::min);
    let max = gap_ms.iter().copied().fold(0.0, f64::max);
    let med = median(&mut gap_ms);
    let _ = write!(
        report.text,
        "## 4. Client overhead and Retry-After accuracy\n\n\
         Successful `GET`s to a local HTTP/1.1 server (raw tokio socket, keep-alive), \
         sequential, in {rounds} alternating batches per side; time per request is the best \
         batch's (each request awaited and its body read). Both sides use one \
         `reqwest::Client` with default settings.\n\n{table}\n\
         `Retry-After: 1` on a 429, then 200: gap between the two requests' arrival at the \
         server over {trials} trials ({concurrent} at a time): median {med:.1} ms, min \
         {min:.1} ms, max {max:.1} ms.\n"
    );
    report.figure(
        "client: errspec::Client / reqwest (no key)",
        format!("{:.3}", client_a / plain_a),
        "≤ 1.05",
    );
    report.figure(
        "client: errspec::Client / reqwest (idempotency key)",
        format!("{:.3}", client_t / plain_t),
        "≤ 1.05",
    );
    report.figure(
        format!("client: Retry-After: 1 gap, median / max of {trials}"),
        format!("{med:.1} / {max:.1} ms"),
        "1000–1050 ms",
    );
    Ok(report)
}

/// Seconds per request for plain reqwest and for `Client<E>`, each the
/// best of `rounds` alternating batches, `requests` in all per side.
async fn overhead<E: errspec::ApiError>(
    addr: SocketAddr,
    requests: usize,
    rounds: usize,
) -> Result<(f64, f64)> {
    let http = reqwest::Client::new();
    let client = Client::<E>::builder(http.clone())
        .policy(RetryPolicy::default())
        .build();
    let url = format!("http://{addr}/ok");
    let key_header = E::IDEMPOTENCY_HEADER;
    let batch = (requests / rounds).max(1);
    let plain = || async {
        let mut request = http.get(&url);
        if let Some(header) = key_header {
            request = request.header(header, new_key());
        }
        let response = request.send().await.context("plain request")?;
        anyhow::ensure!(
            response.status().is_success(),
            "plain: {}",
            response.status()
        );
        response.bytes().await.context("plain body")?;
        Ok(())
    };
    let ours = || async {
        let response = client
            .send(
                client.request(reqwest::Method::GET, &url),
                SendOptions::idempotent(),
            )
            .await
            .map_err(|e| anyhow::anyhow!("client request: {e}"))?;
        response.bytes().await.context("client body")?;
        Ok::<(), anyhow::Error>(())
    };
    // Warm up: connections and lazily initialised state.
    for _ in 0..200 {
        plain().await?;
        ours().await?;
    }
    let (mut best_plain, mut best_ours) = (f64::INFINITY, f64::INFINITY);
    for round in 0..rounds {
        for side in [round % 2, 1 - round % 2] {
            let start = Instant::now();
            for _ in 0..batch {
                if side == 0 {
                    plain().await?;
                } else {
                    ours().await?;
                }
            }
            let per = start.elapsed().as_secs_f64() / batch as f64;
            if side == 0 {
                best_plain = best_plain.min(per);
            } else {
                best_ours = best_ours.min(per);
            }
        }
    }
    Ok((best_plain, best_ours))
}

/// A random UUID v4 as text, as the client makes idempotency keys.
fn new_key() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// `trials` throttle trials, `concurrent` at a time: the gap between each
/// trial's first (429) and second (200) request at the server.
async fn retry_after_gaps(
    addr: SocketAddr,
    arrivals: &Arrivals,
    trials: usize,
    concurrent: usize,
) -> Result<Vec<Duration>> {
    let policy = RetryPolicy::builder()
        .max_attempts(2)
        .max_server_delay(Duration::from_secs(5))
        .build()
        .context("policy")?;
    let client = Client::<topmail::Error>::builder(reqwest::Client::new())
        .policy(policy)
        .without_budget()
        .build();
    let mut gaps = Vec::with_capacity(trials);
    for chunk in (0..trials).collect::<Vec<_>>().chunks(concurrent.max(1)) {
        let mut set = tokio::task::JoinSet::new();
        for trial in chunk {
            let url = format!("http://{addr}/throttle/{trial}");
            let client = client.clone();
            set.spawn(async move {
                client
                    .send(
                        client.request(reqwest::Method::GET, url),
                        SendOptions::idempotent(),
                    )
                    .await
                    .map(drop)
                    .map_err(|e| anyhow::anyhow!("throttle trial: {e}"))
            });
        }
        while let Some(result) = set.join_next().await {
            result.context("throttle trial task")??;
        }
    }
    let arrivals = arrivals.lock().unwrap_or_else(|e| e.into_inner());
    for trial in 0..trials {
        let times = arrivals
            .get(&format!("/throttle/{trial}"))
            .with_context(|| format!("trial {trial} never reached the server"))?;
        anyhow::ensure!(times.len() == 2, "trial {trial}: {} requests", times.len());
        gaps.push(times[1] - times[0]);
    }
    Ok(gaps)
}

/// Starts the server on its own thread; returns its address and the
/// record of throttle-trial arrivals.
fn start_server() -> Result<(SocketAddr, Arrivals)> {
    let arrivals: Arrivals = Arc::default();
    let std_listener = std::net::TcpListener::bind("127.0.0.1:0").context("binding")?;
    std_listener.set_nonblocking(true)?;
    let addr = std_listener.local_addr()?;
    let record = arrivals.clone();
    std::thread::Builder::new()
        .name("bench-server".into())
        .spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("server runtime");
            runtime.block_on(async move {
                let listener = TcpListener::from_std(std_listener).expect("listener");
                loop {
                    let Ok((stream, _)) = listener.accept().await else {
                        continue;
                    };
                    let _ = stream.set_nodelay(true);
                    tokio::spawn(serve(stream, record.clone()));
                }
            });
        })?;
    Ok((addr, arrivals))
}

/// Serves one keep-alive connection: `/ok` gets 200, `/throttle/N` gets
/// 429 with `Retry-After: 1` the first time and 200 after.
async fn serve(mut stream: TcpStream, arrivals: Arrivals) {
    let mut buf = Vec::with_capacity(4096);
    let mut chunk = [0u8; 4096];
    loop {
        // Requests have no body (GETs): a request ends at the blank line.
        let end = loop {
            if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break end + 4;
            }
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        };
        let arrived = Instant::now();
        let path = std::str::from_utf8(&buf[..end])
            .ok()
            .and_then(|head| head.split(' ').nth(1))
            .unwrap_or("/")
            .to_owned();
        buf.drain(..end);
        let throttled = path.starts_with("/throttle/") && {
            let mut arrivals = arrivals.lock().unwrap_or_else(|e| e.into_inner());
            let times = arrivals.entry(path).or_default();
            times.push(arrived);
            times.len() == 1
        };
        let response = if throttled {
            format!(
                "HTTP/1.1 429 Too Many Requests\r\ncontent-type: application/json\r\n\
                 retry-after: 1\r\ncontent-length: {}\r\n\r\n{THROTTLED_BODY}",
                THROTTLED_BODY.len()
            )
        } else {
            String::from(
                "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 2\r\n\r\nok",
            )
        };
        if stream.write_all(response.as_bytes()).await.is_err() {
            return;
        }
    }
}
