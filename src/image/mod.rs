//! Layers → one file view. A layer is read once, as a stream, keeping only
//! what analyzers found in the files they asked for ([`layer::LayerScan`]);
//! the scans are then stacked ([`view::FileView`]) applying whiteouts, so
//! the image is never unpacked to disk.

pub mod config;
pub mod dockerfile_map;
pub mod layer;
pub mod tar_guard;
pub mod view;
pub mod walk;

pub use layer::{scan_layer, LayerFiles, LayerScan, Link};
pub use view::FileView;
