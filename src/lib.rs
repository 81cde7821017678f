//! scangate: a container and repository security scanner for CI.
//!
//! The modules follow the data: `source` (where the image comes from) →
//! `image` (layers into one file view) → `inventory` (packages found) →
//! `report` (what the user reads).

pub mod inventory;
