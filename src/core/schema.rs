//! The JSON report's schema version: written by `report::json` and checked
//! by `policy::baseline` when it reads a report back as a baseline. Both
//! name it here, so neither stage imports the other.

/// Bumped on any incompatible change to the JSON report's shape.
pub const JSON_REPORT_SCHEMA_VERSION: u32 = 1;
