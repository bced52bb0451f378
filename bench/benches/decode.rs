//! Section 1 under criterion: decode + classify for every seed API and
//! shape, errspec vs the hand-written floor vs `serde_json::Value`.
//!
//! `cargo bench -p errspec-bench --bench decode [-- FILTER]`. The
//! `errspec-bench decode` table measures the same closures interleaved and
//! reports ratios; this gives criterion's statistics and history.
#![allow(missing_docs)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use errspec_bench::cases;
use errspec_bench::contenders::{Contender, decoder, has};

fn decode(c: &mut Criterion) {
    for case in cases::all() {
        let mut group = c.benchmark_group(case.name().replace(' ', "/"));
        for contender in Contender::ALL.into_iter().filter(|c| has(case.api, *c)) {
            let decode = decoder(case.api, contender);
            group.bench_function(contender.name(), |b| {
                b.iter(|| {
                    decode(
                        black_box(case.status),
                        black_box(&case.headers),
                        black_box(&case.body),
                    )
                })
            });
        }
        group.finish();
    }
}

criterion_group!(benches, decode);
criterion_main!(benches);
