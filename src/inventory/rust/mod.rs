//! Rust: `Cargo.lock` files, in source trees and in images (where a
//! build stage may leave one), matched in OSV's `crates.io` ecosystem.

pub mod cargo_lock;
