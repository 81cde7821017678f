//! The vulnerability database: OSV advisories in SQLite.

pub mod fetch;
