//! The bottom layer: the types every stage shares (severity, finding,
//! ecosystem names, time) and nothing else. It imports nothing from the
//! rest of the crate, so the stages above can depend on it without
//! depending on each other (`finding` no longer needs `matching`, nor
//! `report` and `policy` each other for these types).

pub mod ecosystem;
pub mod finding;
pub mod rule_entry;
pub mod schema;
pub mod severity;
pub mod time;
