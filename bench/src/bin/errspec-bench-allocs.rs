//! Allocations per decode, for every case and contender: one line each,
//! `CASE<TAB>CONTENDER<TAB>ALLOCATIONS<TAB>BYTES` (per call).
//!
//! A separate binary because counting needs a counting global allocator
//! (`stats_alloc`, which needs no `unsafe` here), and the timing binary
//! must not pay for the counting.
#![forbid(unsafe_code)]

use std::alloc::System;
use std::hint::black_box;

use errspec_bench::cases;
use errspec_bench::contenders::{Contender, decoder, has};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

const CALLS: usize = 100;

fn main() {
    for case in cases::all() {
        for contender in Contender::ALL.into_iter().filter(|c| has(case.api, *c)) {
            let decode = decoder(case.api, contender);
            let call = || decode(black_box(case.status), &case.headers, &case.body);
            // Warm up: lazily initialised statics are not the decoder's.
            black_box(call());
            let region = Region::new(GLOBAL);
            for _ in 0..CALLS {
                black_box(call());
            }
            let stats = region.change();
            let allocations = (stats.allocations + stats.reallocations) as f64 / CALLS as f64;
            let bytes = stats.bytes_allocated as f64 / CALLS as f64;
            println!(
                "{}\t{}\t{allocations}\t{bytes}",
                case.name(),
                contender.name()
            );
        }
    }
}
