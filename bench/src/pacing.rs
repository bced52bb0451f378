//! Section 6: what pacing costs the client, per request: `errspec::Client`
//! without pacing, with today's default in-process pacing (no documented
//! limit: the scope's lookup and the rate-limit headers read on each
//! success), and with a documented limit that never binds (a GCRA
//! reservation under the store's lock on every send), side by side in one
//! run, by the [`client_cpu`](crate::client_cpu) method (client thread CPU
//! time, the server in another process).

use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result};
use errspec::client::Client;
use errspec::pacing::{LimitScope, Pacing, RateLimit};
use errspec::{RetryPolicy, SendOptions};
use errspec_providers::topmail;

use crate::client_cpu::{Contender, ServerProcess, compare};
use crate::report::Report;
use crate::table::Table;

/// Runs the section.
pub fn run(exe: &Path, full: bool) -> Result<Report> {
    let server = ServerProcess::start(exe)?;
    let url = format!("http://{}/ok", server.addr);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let (rounds, batch) = if full { (200, 500) } else { (40, 250) };
    let http = reqwest::Client::new();
    let build = |pacing: Option<Pacing>| {
        let builder =
            Client::<topmail::Error>::builder(http.clone()).policy(RetryPolicy::default());
        match pacing {
            Some(pacing) => builder.pacing(pacing).build(),
            None => builder.without_pacing().build(),
        }
    };
    let unpaced = build(None);
    let paced = build(Some(Pacing::new()));
    // A million per second: a reservation on every send, never a wait.
    let limited = build(Some(Pacing::new().limit(RateLimit::new(
        1_000_000,
        Duration::from_secs(1),
        LimitScope::Account,
    ))));
    let send = |client: &Client<topmail::Error>| {
        let client = client.clone();
        let url = url.clone();
        Box::new(move || {
            let client = client.clone();
            let url = url.clone();
            Box::pin(async move {
                let request = client
                    .request(reqwest::Method::GET, &url)
                    .bearer_auth("tm_bench_key");
                let response = client
                    .send(request, SendOptions::idempotent())
                    .await
                    .map_err(|e| anyhow::anyhow!("client request: {e}"))?;
                response.bytes().await.context("body")?;
                Ok(())
            }) as std::pin::Pin<Box<dyn std::future::Future<Output = Result<()>>>>
        }) as crate::client_cpu::SendFn<'static>
    };
    let mut contenders = [
        Contender {
            name: "without pacing",
            send: send(&unpaced),
        },
        Contender {
            name: "in-process pacing (default)",
            send: send(&paced),
        },
        Contender {
            name: "in-process pacing, a documented limit",
            send: send(&limited),
        },
    ];
    let figures = runtime.block_on(compare(&mut contenders, 300, rounds, batch))?;
    let base = figures[0].median_us;
    let mut table = Table::new(&[
        "client",
        "CPU µs/request (median)",
        "best",
        "/ without pacing",
    ]);
    for f in &figures {
        table.row(vec![
            f.name.into(),
            format!("{:.2}", f.median_us),
            format!("{:.2}", f.best_us),
            format!("{:.3}", f.median_us / base),
        ]);
    }
    let mut report = Report::default();
    let _ = write!(
        report.text,
        "## 6. What pacing costs the client\n\n\
         `errspec::Client` (TopMail, an idempotency key per request, a bearer credential) \
         sending `GET`s to `errspec-bench serve` in another process; this thread's CPU time \
         per request, {rounds} alternating rounds of {batch} requests per client, median and \
         best round.\n\n{table}\n"
    );
    report.figure(
        "pacing: in-process / without, client CPU per request",
        format!("{:.3}", figures[1].median_us / base),
        "≈ 1 (no measurable cost)",
    );
    report.figure(
        "pacing: with a documented limit / without",
        format!("{:.3}", figures[2].median_us / base),
        "",
    );
    Ok(report)
}
