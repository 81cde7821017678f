//! Where an image (or a root filesystem) comes from. A [`Source`] hands the
//! inventory stage the wanted files of every layer; registries and the
//! Docker daemon are further implementations of the same trait.

mod archive;
mod layout;
mod rootfs;
mod select;

pub use archive::Archive;
pub use layout::LayoutDir;
pub use rootfs::RootFs;

use crate::error::{Error, Result};
use crate::image::LayerScan;
use crate::inventory::Want;
use std::io::Read;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// What was scanned, as the reports name it.
#[derive(Debug, Clone)]
pub struct Artifact {
    /// The input as the user gave it.
    pub name: String,
    pub kind: ArtifactKind,
    /// The image ID: `sha256:` of the image config, the same whichever way
    /// the image was exported. `None` for a filesystem.
    pub digest: Option<String>,
    pub layers: Vec<LayerInfo>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArtifactKind {
    Image,
    Filesystem,
}

#[derive(Debug, Clone)]
pub struct LayerInfo {
    pub diff_id: String,
    /// The build step that made the layer (`RUN apt-get install …`).
    pub created_by: Option<String>,
}

/// A source's result: the artifact and, per layer in order, the files the
/// analyzers want.
pub struct Collected {
    pub artifact: Artifact,
    pub layers: Vec<LayerScan>,
}

/// Somewhere an image or tree can be read from.
pub trait Source {
    /// Reads every layer once, keeping only files matching `wants`.
    fn collect(&self, wants: &[Want]) -> Result<Collected>;
}

/// Picks the source for a local `--input` path by looking at it: a
/// directory with `index.json` or `manifest.json` is an image layout; a tar
/// (plain, gzip or zstd) is a docker-archive or OCI archive.
pub fn for_input(path: &Path, reference: Option<&str>) -> Result<Box<dyn Source>> {
    let meta = std::fs::metadata(path).map_err(|e| Error::io(path.display(), e))?;
    if meta.is_dir() {
        if !path.join("index.json").is_file() && !path.join("manifest.json").is_file() {
            return Err(Error::input(
                path.display(),
                "not an image layout (no index.json or manifest.json); to scan an unpacked root filesystem use `scangate fs`",
            ));
        }
        return Ok(Box::new(LayoutDir::new(path, reference)));
    }
    Ok(Box::new(Archive::open(path, reference)?))
}

/// Opens a layer blob by its path inside the image bundle.
type OpenBlob<'a> = dyn Fn(&str) -> Result<Box<dyn Read + Send>> + Sync + 'a;

/// Scans the layers at `paths` concurrently (one worker per core), checking
/// each against its expected diff ID. Results come back in layer order; the
/// first failing layer (in that order) is the error reported.
fn scan_layers_parallel(
    paths: &[String],
    diff_ids: &[String],
    wants: &[Want],
    open: &OpenBlob<'_>,
) -> Result<Vec<LayerScan>> {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Result<LayerScan>>>> =
        Mutex::new((0..paths.len()).map(|_| None).collect());
    let workers = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
        .min(paths.len().max(1));
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= paths.len() {
                    break;
                }
                let diff_id = diff_ids.get(i).map(String::as_str);
                let scanned = open(&paths[i]).and_then(|reader| {
                    crate::image::scan_layer(reader, wants, diff_id).map_err(|e| Error::Layer {
                        layer: diff_id.unwrap_or(&paths[i]).to_string(),
                        message: e.to_string(),
                    })
                });
                if let Ok(mut slots) = results.lock() {
                    slots[i] = Some(scanned);
                }
            });
        }
    });
    // A worker that panicked has already re-raised its panic at the end of
    // the scope, so a poisoned lock here still holds complete results.
    let slots = results.into_inner().unwrap_or_else(|p| p.into_inner());
    slots
        .into_iter()
        .zip(paths)
        .map(|(slot, path)| {
            slot.unwrap_or_else(|| {
                Err(Error::Layer {
                    layer: path.clone(),
                    message: "was not scanned".into(),
                })
            })
        })
        .collect()
}
