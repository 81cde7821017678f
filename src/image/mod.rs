//! Layers → one file view. A layer is read once, as a stream
//! ([`layer::walk_layer`]), offering each file to a visitor that keeps
//! what it needs (the inventory's per-layer scan); the layers are then
//! stacked ([`view::FileView`]) applying whiteouts, so the image is never
//! unpacked to disk. Nothing here knows of analyzers: `inventory` builds
//! on `image`, never the reverse.

pub mod config;
pub mod dockerfile_map;
pub mod layer;
pub mod skip;
pub mod tar_guard;
pub mod view;
pub mod walk;

pub use layer::{LayerTree, Link};
pub use view::FileView;
