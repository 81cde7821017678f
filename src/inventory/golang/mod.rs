//! Go: `go.mod` files of a source tree and the build info of Go binaries
//! in images (see `inventory::binary`), matched in OSV's `Go` ecosystem.

pub mod buildinfo;
pub mod exe;
pub mod gomod;
