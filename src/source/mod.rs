//! Where an image (or a root filesystem) comes from. A [`Source`] hands the
//! inventory stage the wanted files of every layer; registries and the
//! Docker daemon are further implementations of the same trait.

mod archive;
mod daemon;
mod layout;
mod registry;
mod rootfs;
mod safe_open;
mod select;
/// Moved below the sources, where the secret scanner's tree walk reads it
/// too; still named here for the stages that knew it as a source option.
pub use crate::image::skip;

pub use archive::Archive;
pub use daemon::Daemon;
pub use layout::LayoutDir;
pub use registry::Registry;
pub use rootfs::RootFs;

use crate::cache::LayerCache;
use crate::error::{Error, Result};
use crate::image::layer::HeldBytes;
use crate::inventory::LayerScan;
use crate::inventory::Wants;
use std::io::Read;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// What was scanned, as the reports name it.
#[derive(Debug, Clone)]
pub struct Artifact {
    /// The input as the user gave it.
    pub name: String,
    /// The image's reference: the one pulled (registry, daemon), or the
    /// tag of the image chosen in an archive or layout (`--ref`, else its
    /// first tag). GitLab's report names the image by it, not by the
    /// archive's file name. `None` for a filesystem or an untagged image.
    pub reference: Option<String>,
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

pub use crate::image::config::LayerInfo;

/// A source's result: the artifact and, per layer in order, the files the
/// analyzers want.
pub struct Collected {
    pub artifact: Artifact,
    pub layers: Vec<LayerScan>,
}

/// Somewhere an image or tree can be read from.
pub trait Source {
    /// Reads every layer once, keeping only files matching `wants`.
    fn collect(&self, wants: &Wants) -> Result<Collected>;
}

/// Picks the source for a local `--input` path by looking at it: a
/// directory with `index.json` or `manifest.json` is an image layout; a tar
/// (plain, gzip or zstd) is a docker-archive or OCI archive.
pub fn for_input(
    path: &Path,
    reference: Option<&str>,
    cache: Option<Arc<LayerCache>>,
) -> Result<Box<dyn Source>> {
    let meta = std::fs::metadata(path).map_err(|e| Error::io(path.display(), e))?;
    if meta.is_dir() {
        if !path.join("index.json").is_file() && !path.join("manifest.json").is_file() {
            return Err(Error::input(
                path.display(),
                "not an image layout (no index.json or manifest.json); to scan an unpacked root filesystem use `scangate fs`",
            ));
        }
        return Ok(Box::new(LayoutDir::new(path, reference).with_cache(cache)));
    }
    Ok(Box::new(Archive::open(path, reference)?.with_cache(cache)))
}

/// Picks the source for an image reference: `docker-daemon:NAME` is the
/// local daemon; a reference naming a registry host (`ghcr.io/…`,
/// `host:5000/…`, `localhost/…`) is that registry; a bare name (`app:dev`,
/// `org/app`) is the daemon's image when the daemon is reachable and has
/// it, else Docker Hub's. Which one was used is logged.
pub fn for_image(
    image: &str,
    platform: &str,
    docker_host: Option<&str>,
    options: crate::registry::Options,
    cache: Option<Arc<LayerCache>>,
) -> Result<Box<dyn Source>> {
    if let Some(name) = image.strip_prefix("docker-daemon:") {
        if name.is_empty() {
            return Err(Error::Usage(
                "docker-daemon: needs an image name, e.g. docker-daemon:app:dev".into(),
            ));
        }
        let socket = Daemon::sockets(docker_host)?.remove(0);
        return Ok(Box::new(Daemon::new(socket, name, image, cache)));
    }
    // As Trivy: any reference, `docker.io/org/app:sha` right after
    // `docker build` included, is the local daemon's when it has it
    // (Docker's, then podman's), else the registry's.
    let sockets = Daemon::sockets(docker_host)?;
    if let Some(socket) = sockets.iter().find(|s| Daemon::has_image(s, image)) {
        tracing::info!(
            "{image}: scanning the image of the daemon at {}",
            socket.display()
        );
        return Ok(Box::new(Daemon::new(socket.clone(), image, image, cache)));
    }
    let tried: Vec<String> = sockets.iter().map(|s| s.display().to_string()).collect();
    if names_registry(image) {
        tracing::info!(
            "{image}: not in a local daemon ({}); pulling it from its registry",
            tried.join(", ")
        );
    } else {
        tracing::warn!(
            "{image}: not in a reachable Docker/podman daemon ({}); pulling it from Docker Hub",
            tried.join(", ")
        );
    }
    Ok(Box::new(Registry::new(image, platform, options, cache)?))
}

/// Whether a reference starts with a registry host, as Docker decides it:
/// the part before the first `/` has a `.` or a `:`, or is `localhost`.
fn names_registry(image: &str) -> bool {
    match image.split_once('/') {
        Some((first, _)) => first.contains('.') || first.contains(':') || first == "localhost",
        None => false,
    }
}

/// Opens a layer blob by its path inside the image bundle.
type OpenBlob<'a> = dyn Fn(&str) -> Result<Box<dyn Read + Send>> + Sync + 'a;

/// Scans the layers at `paths` concurrently (one worker per core), checking
/// each against its expected diff ID. Results come back in layer order; the
/// first failing layer (in that order) is the error reported.
fn scan_layers_parallel(
    paths: &[String],
    diff_ids: &[String],
    wants: &Wants,
    open: &OpenBlob<'_>,
    cache: Option<&LayerCache>,
) -> Result<Vec<LayerScan>> {
    let held = HeldBytes::default();
    scan_layers_holding(paths, diff_ids, wants, open, cache, &held)
}

/// [`scan_layers_parallel`] with the image's total of held bytes given,
/// so a test can show the total bound at a small size.
fn scan_layers_holding(
    paths: &[String],
    diff_ids: &[String],
    wants: &Wants,
    open: &OpenBlob<'_>,
    cache: Option<&LayerCache>,
    held: &HeldBytes,
) -> Result<Vec<LayerScan>> {
    let workers = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2);
    let scan_one = |i: usize| {
        let diff_id = diff_ids.get(i).map(String::as_str);
        open(&paths[i]).and_then(|reader| {
            crate::inventory::scan_layer(reader, wants, diff_id, held).map_err(|e| Error::Layer {
                layer: diff_id.unwrap_or(&paths[i]).to_string(),
                message: e.to_string(),
            })
        })
    };
    let layers = LayerJobs {
        names: paths,
        diff_ids,
        wants,
        cache,
        held,
    };
    layers.scan(workers, &scan_one)
}

/// The layers of one image to scan, and where their cached scans are.
struct LayerJobs<'a> {
    /// How each layer is named when it cannot be scanned.
    names: &'a [String],
    /// The expected diff ID of each layer: the cache key.
    diff_ids: &'a [String],
    wants: &'a Wants,
    cache: Option<&'a LayerCache>,
    /// The image's total of wanted-file bytes read; layers from the cache
    /// count what their analysis read.
    held: &'a HeldBytes,
}

impl LayerJobs<'_> {
    /// Scans every layer with `scan_one(index)` on `workers` threads,
    /// except those the cache holds (which are not read at all), and
    /// stores the new scans in the cache. Results come back in layer order;
    /// the first failing layer (in that order) is the error reported.
    fn scan(
        &self,
        workers: usize,
        scan_one: &(dyn Fn(usize) -> Result<LayerScan> + Sync),
    ) -> Result<Vec<LayerScan>> {
        let count = self.names.len();
        let fingerprint = crate::inventory::fingerprint(self.wants);
        let mut slots: Vec<Option<Result<LayerScan>>> = (0..count)
            .map(|i| {
                let (cache, diff_id) = self.cache.zip(self.diff_ids.get(i))?;
                let mut scan: LayerScan = cache.get(diff_id, &fingerprint)?;
                scan.diff_id = Some(diff_id.clone());
                Some(
                    self.held
                        .take(scan.read_bytes)
                        .map(|()| scan)
                        .map_err(|e| Error::Layer {
                            layer: self.names[i].clone(),
                            message: e.to_string(),
                        }),
                )
            })
            .collect();
        let hits = slots.iter().filter(|s| s.is_some()).count();
        if self.cache.is_some() {
            tracing::info!("{hits} of {count} layers from the layer cache");
        }
        let todo: Vec<usize> = (0..count).filter(|i| slots[*i].is_none()).collect();
        let next = AtomicUsize::new(0);
        let results: Mutex<Vec<(usize, Result<LayerScan>)>> = Mutex::new(Vec::new());
        std::thread::scope(|scope| {
            for _ in 0..workers.clamp(1, todo.len().max(1)) {
                scope.spawn(|| {
                    while let Some(&i) = todo.get(next.fetch_add(1, Ordering::Relaxed)) {
                        let scanned = self.scan_claimed(i, &fingerprint, scan_one);
                        if let Ok(mut done) = results.lock() {
                            done.push((i, scanned));
                        }
                    }
                });
            }
        });
        // A worker that panicked has already re-raised its panic at the end
        // of the scope, so a poisoned lock here still holds complete results.
        let done = results.into_inner().unwrap_or_else(|p| p.into_inner());
        for (i, scanned) in done {
            slots[i] = Some(scanned);
        }
        slots
            .into_iter()
            .zip(self.names)
            .map(|(slot, name)| {
                slot.unwrap_or_else(|| {
                    Err(Error::Layer {
                        layer: name.clone(),
                        message: "was not scanned".into(),
                    })
                })
            })
            .collect()
    }

    /// Scans layer `i` and stores it in the cache, holding the cache's
    /// claim on its diff ID: another image of the same run that got there
    /// first has stored it meanwhile, and then it is read, not scanned.
    fn scan_claimed(
        &self,
        i: usize,
        fingerprint: &str,
        scan_one: &(dyn Fn(usize) -> Result<LayerScan> + Sync),
    ) -> Result<LayerScan> {
        let (Some(cache), Some(diff_id)) = (self.cache, self.diff_ids.get(i)) else {
            return scan_one(i);
        };
        let claim = cache.claim(diff_id);
        let _held = claim.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(mut scan) = cache.get::<LayerScan>(diff_id, fingerprint) {
            scan.diff_id = Some(diff_id.clone());
            return self
                .held
                .take(scan.read_bytes)
                .map(|()| scan)
                .map_err(|e| Error::Layer {
                    layer: self.names[i].clone(),
                    message: e.to_string(),
                });
        }
        let scanned = scan_one(i);
        if let Ok(scan) = &scanned {
            if let Some(diff_id) = &scan.diff_id {
                cache.put(diff_id, fingerprint, scan);
            }
        }
        scanned
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A layer tar holding a dpkg status file of `size` bytes.
    fn status_layer(size: usize) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        let mut h = tar::Header::new_gnu();
        h.set_size(size as u64);
        h.set_mode(0o644);
        h.set_cksum();
        b.append_data(&mut h, "var/lib/dpkg/status", &vec![b'#'; size][..])
            .unwrap();
        b.into_inner().unwrap()
    }

    /// Issue 18, case 5: eight layers each rewriting a 250 MB status held
    /// 2.5 GB, the limit being per file. The total now counts every layer:
    /// shown at 1/1024 of the real sizes (a 1 MiB total, 250 kB files), as
    /// the limit is the only difference.
    #[test]
    fn held_bytes_are_bounded_across_layers_not_per_file() {
        let layer = status_layer(250_000);
        let open: &OpenBlob<'_> = &|_| Ok(Box::new(std::io::Cursor::new(layer.clone())));
        let wants = crate::inventory::all_wants();
        let scan = |count: usize| {
            let names: Vec<String> = (0..count).map(|i| format!("layer{i}")).collect();
            let held = HeldBytes::new(1 << 20);
            scan_layers_holding(&names, &[], wants, open, None, &held)
        };
        // Four copies (1,000,000 bytes) fit in 1 MiB.
        assert_eq!(scan(4).unwrap().len(), 4);
        // Eight do not: refused, naming the total, though each is small.
        let err = scan(8).unwrap_err().to_string();
        assert!(err.contains("more than 1 MiB across its layers"), "{err}");
    }

    #[test]
    fn a_registry_host_has_a_dot_a_port_or_is_localhost() {
        assert!(names_registry("ghcr.io/org/app:1"));
        assert!(names_registry("127.0.0.1:5000/app@sha256:abc"));
        assert!(names_registry("localhost/app"));
        assert!(!names_registry("app:dev"));
        assert!(!names_registry("org/app:dev"));
    }
}
