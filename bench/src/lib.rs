//! errspec's benchmarks, as a library shared by the `errspec-bench` binary
//! (quick and full tables, run by `cargo xtask bench`), the
//! `errspec-bench-allocs` binary (allocations per decode) and the criterion
//! benches (`cargo bench -p errspec-bench`). `BENCHMARKS.md` has the figures
//! and the commands that reproduce them.
#![forbid(unsafe_code)]

pub mod cases;
pub mod client;
pub mod compile;
pub mod contenders;
pub mod decode;
pub mod generate;
pub mod instructions;
pub mod measure;
pub mod report;
pub mod synth;
pub mod table;
