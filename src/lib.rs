//! scangate: a container and repository security scanner for CI.
//!
//! The modules follow the data, in order: [`core`] (the shared types) →
//! [`image`] (layers stacked into one file view) → [`inventory`] (the
//! packages found, and the layer that brought each) → [`source`] (where
//! the image comes from) → [`vulndb`] → [`matching`] → [`policy`] →
//! [`report`] (what the user reads) → [`publish`] → [`cmd`]. Imports
//! point down that order only; `src/layering.rs` holds the full tier list
//! and a test that fails on any import against it, so no module cycle
//! comes back.

pub mod cache;
pub mod ci;
pub mod cli;
pub mod cmd;
pub mod config;
pub mod core;
pub mod dockerfile;
pub mod error;
pub mod image;
pub mod inventory;
#[cfg(test)]
mod layering;
pub mod manifests;
pub mod matching;
pub mod policy;
pub mod publish;
pub mod redact;
pub mod registry;
pub mod report;
pub mod run;
pub mod secret;
pub mod settings;
pub mod source;
pub mod text_file;
pub mod version;
pub mod vulndb;

/// Shared types live in [`core`]; these paths stay for the stages that
/// name them.
pub use crate::core::{ecosystem, finding};
