//! Tags scangate reads (rpm's `rpmTag` numbers). Also the test encoders'
//! tags (`tests/support/rpmdb.rs` includes this file), so unit and
//! end-to-end tests name tags the way the decoder does; the cross-check
//! against the real `rpm` keeps the numbers honest.

pub const NAME: u32 = 1000;
pub const VERSION: u32 = 1001;
pub const RELEASE: u32 = 1002;
pub const EPOCH: u32 = 1003;
pub const LICENSE: u32 = 1014;
pub const ARCH: u32 = 1022;
pub const SOURCERPM: u32 = 1044;
pub const MODULARITYLABEL: u32 = 5096;
