//! scangate: a container and repository security scanner for CI.
//!
//! The modules follow the data, in order: [`source`] (where the image comes
//! from) → [`image`] (layers stacked into one file view) → [`inventory`]
//! (the packages found, and the layer that brought each) → [`report`]
//! (what the user reads). [`cli`] and [`error`] frame them for the binary.

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
pub mod version;
pub mod vulndb;

/// Shared types live in [`core`]; these paths stay for the stages that
/// name them.
pub use crate::core::{ecosystem, finding};
