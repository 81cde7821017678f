//! .NET: the `*.deps.json` the SDK writes beside every built application
//! (what the app loads at run time), and the NuGet lockfiles of a source
//! tree: `packages.lock.json` (PackageReference with locking) and the
//! older `packages.config`. Every set is matched in OSV's `NuGet`
//! ecosystem, whose ids the vulnerability database compares
//! case-insensitively and whose versions `version::nuget` orders.

pub mod deps_json;
pub mod packages_config;
pub mod packages_lock;
