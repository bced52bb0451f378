//! Proc-macros for errspec.
#![forbid(unsafe_code)]
