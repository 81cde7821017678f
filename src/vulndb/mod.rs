//! The vulnerability database: OSV advisories in one SQLite file, imported
//! from OSV's JSON (files, directories, the bulk `all.zip` exports) and read
//! back per (ecosystem, package) for matching.
//!
//! - [`osv`]: the OSV record as serde types.
//! - [`schema`]: the file's layout and its versioning (rebuild on change).
//! - [`VulnDb`]: open, query ([`VulnDb::affecting`]), bookkeeping for the
//!   updater ([`SourceState`]).
//! - [`Importer`]: one import, one transaction; rules in [`import`].
//! - [`vendor`]: Amazon's, Oracle's and Photon's own feeds as OSV records.

pub mod fetch;
pub mod freshness;
pub mod import;
pub mod oci;
pub mod osv;
pub mod schema;
pub mod scores;
pub(crate) mod store;
/// Kept at its old path: the time helpers moved to the bottom layer.
pub use crate::core::time;
pub mod update;
pub mod vendor;

pub use import::{ImportStats, Importer};
pub use osv::Record;
pub use store::{normalize_package_name, Advisory, DbInfo, EcosystemCount, SourceState, VulnDb};

#[cfg(test)]
mod tests;
#[cfg(test)]
pub(crate) mod testutil;
