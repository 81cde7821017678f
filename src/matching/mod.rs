//! Matching: packages × advisories → findings.

pub mod severity;
