//! The errspec code generator.
#![forbid(unsafe_code)]
