//! Code shared by integration tests (and, through `#[path]`, the fuzz targets).
#![allow(dead_code)]

pub mod fuzz_checks;
