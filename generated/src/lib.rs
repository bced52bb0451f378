//! Generated provider catalogs.
#![forbid(unsafe_code)]
