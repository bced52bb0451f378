//! Client-side CPU per request, with the server in another process: the
//! method for figures of the form "what does this client path add".
//!
//! The server is `errspec-bench serve` ([`ServerProcess`]), a child
//! process on loopback, stopped by its PID. The client runs on a
//! current-thread tokio runtime in the calling thread, so everything it
//! does for a request (building it, reqwest and hyper's connection task,
//! reading the response, errspec's own work) runs on this thread. The
//! figure is this thread's CPU time (`CLOCK_THREAD_CPUTIME_ID`, the
//! [`Stopwatch`]) per request: neither the server's work nor the time the
//! thread waits for it or is descheduled while other processes run is
//! counted. [`compare`] runs the contenders in alternating batches, the
//! order rotating every round, and reports per contender the median and the
//! best over the rounds; ratios are taken between medians, measured in the
//! same run.
//!
//! Each request goes through one boxed future, the same for every
//! contender, so the comparison is fair; the absolute figure includes it.

use std::future::Future;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::pin::Pin;
use std::process::{Child, Command, Stdio};

use anyhow::{Context, Result};

use crate::measure::{Stopwatch, median};

/// `errspec-bench serve` in a child process, killed (by its PID) on drop.
#[derive(Debug)]
pub struct ServerProcess {
    child: Child,
    /// Where it listens.
    pub addr: SocketAddr,
}

impl ServerProcess {
    /// Starts `exe serve` and reads the address it prints.
    pub fn start(exe: &Path) -> Result<ServerProcess> {
        let mut child = Command::new(exe)
            .arg("serve")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .context("starting `errspec-bench serve`")?;
        let mut line = String::new();
        let stdout = child.stdout.take().context("the server's stdout")?;
        BufReader::new(stdout)
            .read_line(&mut line)
            .context("reading the server's address")?;
        match line.trim().parse() {
            Ok(addr) => Ok(ServerProcess { child, addr }),
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                anyhow::bail!("the server printed `{}`, not its address", line.trim())
            }
        }
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One request of a contender, as a boxed future.
pub type SendFn<'a> = Box<dyn FnMut() -> Pin<Box<dyn Future<Output = Result<()>> + 'a>> + 'a>;

/// A client path to measure.
pub struct Contender<'a> {
    /// Its name in the table.
    pub name: &'static str,
    /// Sends one request and reads its response.
    pub send: SendFn<'a>,
}

/// A contender's figures: CPU µs per request.
#[derive(Clone, Debug)]
pub struct Figures {
    /// The contender.
    pub name: &'static str,
    /// The median over the rounds.
    pub median_us: f64,
    /// The best round.
    pub best_us: f64,
}

/// Runs every contender `batch` requests per round for `rounds` rounds,
/// alternating (after `warmup` requests each), on the calling thread's
/// runtime; CPU µs per request.
pub async fn compare(
    contenders: &mut [Contender<'_>],
    warmup: usize,
    rounds: usize,
    batch: usize,
) -> Result<Vec<Figures>> {
    for contender in contenders.iter_mut() {
        for _ in 0..warmup {
            (contender.send)().await?;
        }
    }
    let n = contenders.len();
    let mut per_request: Vec<Vec<f64>> = vec![Vec::with_capacity(rounds); n];
    for round in 0..rounds {
        for k in 0..n {
            let i = (round + k) % n;
            let start = Stopwatch::start();
            for _ in 0..batch {
                (contenders[i].send)().await?;
            }
            per_request[i].push(start.elapsed().as_secs_f64() * 1e6 / batch as f64);
        }
    }
    Ok(contenders
        .iter()
        .zip(per_request)
        .map(|(c, mut samples)| Figures {
            name: c.name,
            best_us: samples.iter().copied().fold(f64::INFINITY, f64::min),
            median_us: median(&mut samples),
        })
        .collect())
}
