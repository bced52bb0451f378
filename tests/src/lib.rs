//! Workspace-level tests live under `tests/tests/`.
//!
//! This library holds what only a library shows: [`hostile_text`] is
//! `errspec::catalog!` over the generator's hostile-text fixture (fences of
//! every kind holding code that fails when run, raw HTML, pipes and
//! backticks in codes, a code `err`). `cargo test --workspace` runs this
//! crate's doc tests, so a fence in spec text that became a doc test fails
//! the suite; `cargo doc` with `-D warnings` and clippy check the docs and
//! code it expands to.

errspec::catalog!("../codegen/tests/fixtures/hostile_text.yaml");
