//! Interleaved timing for noisy machines.
//!
//! Two cores shared with other work make absolute times drift by tens of
//! percent within a minute, and a batch that loses the core to another
//! process for a time slice can take twice as long. What stays meaningful
//! is the ratio of two things measured side by side, so [`compare`] runs
//! the contenders in short alternating batches (rotating which goes first)
//! and reports, per contender, the best (least disturbed) time per call
//! over the rounds and the median; ratios are taken between best times.
//! Interference only ever adds time, so the best of many short batches is
//! the most reproducible estimate of what the code itself costs.
//!
//! Times are the calling thread's CPU time (`CLOCK_THREAD_CPUTIME_ID`, via
//! the `cpu-time` crate) where the platform has it, so time spent
//! descheduled while another process runs is not counted; elsewhere, wall
//! time ([`Stopwatch`]).

use std::hint::black_box;
use std::time::{Duration, Instant};

/// A batch runner: runs its code `n` times and returns the elapsed time.
pub type Batch<'a> = Box<dyn FnMut(u64) -> Duration + 'a>;

/// Wraps `f` as a [`Batch`]; the loop is monomorphised, so the only
/// indirection is one call per batch.
pub fn batch<'a, T>(mut f: impl FnMut() -> T + 'a) -> Batch<'a> {
    Box::new(move |n| {
        let start = Stopwatch::start();
        for _ in 0..n {
            black_box(f());
        }
        start.elapsed()
    })
}

/// Measures the calling thread's CPU time where the platform gives it,
/// else wall time.
#[derive(Clone, Copy, Debug)]
pub struct Stopwatch {
    wall: Instant,
    cpu: Option<cpu_time::ThreadTime>,
}

impl Stopwatch {
    /// Starts measuring.
    pub fn start() -> Stopwatch {
        Stopwatch {
            cpu: cpu_time::ThreadTime::try_now().ok(),
            wall: Instant::now(),
        }
    }

    /// CPU time since [`start`](Self::start), or wall time if the thread's
    /// CPU time cannot be read.
    pub fn elapsed(&self) -> Duration {
        match self.cpu.map(|start| start.try_elapsed()) {
            Some(Ok(cpu)) => cpu,
            _ => self.wall.elapsed(),
        }
    }
}

/// Whether [`Stopwatch`] measures CPU time here (else wall time).
pub fn measures_cpu_time() -> bool {
    cpu_time::ThreadTime::try_now().is_ok()
}

/// How long and how often to measure.
#[derive(Clone, Copy, Debug)]
pub struct Plan {
    /// Rounds; each runs every contender once.
    pub rounds: usize,
    /// The target duration of one batch.
    pub batch: Duration,
}

impl Plan {
    /// A few seconds for a whole table.
    pub const QUICK: Plan = Plan {
        rounds: 30,
        batch: Duration::from_millis(1),
    };
    /// About a minute for a whole table.
    pub const FULL: Plan = Plan {
        rounds: 300,
        batch: Duration::from_millis(2),
    };
}

/// What [`compare`] found for one contender.
#[derive(Clone, Copy, Debug)]
pub struct Timing {
    /// The best time per call over the rounds, in nanoseconds.
    pub best_ns: f64,
    /// The median time per call over the rounds, in nanoseconds.
    pub median_ns: f64,
}

impl Timing {
    /// This timing's best time over `reference`'s.
    pub fn ratio(&self, reference: &Timing) -> f64 {
        self.best_ns / reference.best_ns
    }
}

/// Times every batch runner, interleaved.
pub fn compare(batches: &mut [Batch<'_>], plan: Plan) -> Vec<Timing> {
    // Calibrate: iterations per batch so each lasts about `plan.batch`.
    let iters: Vec<u64> = batches
        .iter_mut()
        .map(|run| {
            let mut n = 1u64;
            loop {
                let t = run(n);
                if t >= plan.batch / 4 || n >= 1 << 30 {
                    let per = t.as_secs_f64() / n as f64;
                    break ((plan.batch.as_secs_f64() / per.max(1e-10)) as u64).max(1);
                }
                n *= 2;
            }
        })
        .collect();
    let k = batches.len();
    let mut per_call: Vec<Vec<f64>> = vec![Vec::with_capacity(plan.rounds); k];
    for round in 0..plan.rounds {
        for j in 0..k {
            let i = (round + j) % k;
            let t = batches[i](iters[i]);
            per_call[i].push(t.as_secs_f64() * 1e9 / iters[i] as f64);
        }
    }
    per_call
        .iter_mut()
        .map(|xs| Timing {
            best_ns: quantile(xs, 0.0),
            median_ns: median(xs),
        })
        .collect()
}

/// The median of `xs` (sorted in place).
pub fn median(xs: &mut [f64]) -> f64 {
    quantile(xs, 0.5)
}

/// The `q` quantile of `xs` (sorted in place), by linear interpolation.
pub fn quantile(xs: &mut [f64], q: f64) -> f64 {
    if xs.is_empty() {
        return f64::NAN;
    }
    xs.sort_by(f64::total_cmp);
    let pos = q * (xs.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    xs[lo] + (xs[hi] - xs[lo]) * (pos - lo as f64)
}

/// Times `f` once ([`Stopwatch`]: CPU time where available).
pub fn time<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let start = Stopwatch::start();
    let out = f();
    (out, start.elapsed())
}
