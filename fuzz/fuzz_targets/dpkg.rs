//! cargo-fuzz target `dpkg`: see `harness::dpkg`.
#![no_main]

#[path = "../harness.rs"]
#[allow(dead_code)]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::dpkg(data));
