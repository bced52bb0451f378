//! Section 2 under criterion: the whole generator pipeline (load, check,
//! expand, format) on a synthetic catalog of 1k codes, and each stage.
//!
//! `cargo bench -p errspec-bench --bench generate`. The `errspec-bench
//! generate` table covers 100 to 50k codes and reports the scaling.
#![allow(missing_docs)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use errspec_bench::synth;
use errspec_codegen::expand::{expand_catalog, render_file};
use errspec_codegen::load_catalog;
use errspec_codegen::source::SourceFile;

fn generate(c: &mut Criterion) {
    let file = SourceFile::new("spec/synth.yaml", synth::spec("synth", 1_000));
    let catalog = match load_catalog(&file) {
        Ok(loaded) => loaded.catalog,
        Err(diags) => panic!("{}", diags.render(&file)),
    };
    let mut group = c.benchmark_group("generate/1k");
    group.sample_size(20);
    group.bench_function("load+check", |b| {
        b.iter(|| load_catalog(black_box(&file)).map(drop))
    });
    group.bench_function("expand", |b| b.iter(|| expand_catalog(black_box(&catalog))));
    group.bench_function("expand+format", |b| {
        b.iter(|| render_file(expand_catalog(black_box(&catalog))))
    });
    group.bench_function("all", |b| {
        b.iter(|| {
            let loaded = load_catalog(black_box(&file)).map_err(drop).expect("loads");
            render_file(expand_catalog(&loaded.catalog))
        })
    });
    group.finish();
}

criterion_group!(benches, generate);
criterion_main!(benches);
