//! Image archives: `docker save` output (optionally gzip- or
//! zstd-compressed) and OCI archives (a tar of an OCI layout).
//!
//! A plain tar is indexed once (headers only, seeking past data) and its
//! layers are then read concurrently straight from their offsets. A
//! compressed archive cannot be read at an offset, so it is read once as a
//! stream, scanning each layer as it passes by.

use super::layout::{image_artifact, read_bounded, MAX_META_SIZE};
use super::select::{select_image, MetaFiles, SelectedImage};
use super::{scan_layers_parallel, Collected, Source};
use crate::cache::LayerCache;
use crate::error::{Error, Result};
use crate::image::layer::normalize;
use crate::image::layer::HeldBytes;
use crate::image::tar_guard::{tar_problem, ExtensionGuard};
use crate::inventory::Wants;
use crate::inventory::{scan_layer, LayerScan};
use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// All the non-layer members kept in memory while streaming a compressed
/// archive, at most: real archives have a few kilobytes of JSON, and a
/// hostile one must not fill memory with members that are neither.
const MAX_META_TOTAL: u64 = 64 * 1024 * 1024;

/// Docker's older `docker save` links repeated layers to their first copy;
/// following more links than this means a loop.
const MAX_MEMBER_LINKS: usize = 8;

pub struct Archive {
    path: PathBuf,
    reference: Option<String>,
    compressed: bool,
    cache: Option<Arc<LayerCache>>,
}

impl Archive {
    /// Opens an archive, telling plain tar from compressed by magic bytes.
    pub fn open(path: &Path, reference: Option<&str>) -> Result<Self> {
        let mut head = [0u8; 512];
        let mut file = open_input(path)?;
        let n = read_up_to(&mut file, &mut head).map_err(|e| Error::io(path.display(), e))?;
        let head = &head[..n];
        let compressed =
            head.starts_with(&[0x1f, 0x8b]) || head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]);
        if !compressed && !looks_like_tar(head) {
            return Err(Error::input(
                path.display(),
                "not an image archive (expected a docker-archive or OCI archive tar, optionally gzip/zstd-compressed)",
            ));
        }
        Ok(Archive {
            path: path.to_path_buf(),
            reference: reference.map(str::to_string),
            compressed,
            cache: None,
        })
    }

    /// Reads layers the cache holds from the cache instead.
    pub fn with_cache(mut self, cache: Option<Arc<LayerCache>>) -> Self {
        self.cache = cache;
        self
    }

    fn name(&self) -> String {
        self.path.display().to_string()
    }
}

impl Source for Archive {
    fn collect(&self, wants: &Wants) -> Result<Collected> {
        if self.compressed {
            self.collect_streaming(wants)
        } else {
            self.collect_seeking(wants)
        }
    }
}

/// A member of a plain tar archive: its data's offset and size, or a link.
#[derive(Debug, Clone)]
enum Member {
    Data { offset: u64, size: u64 },
    Link(String),
}

/// The member table of a plain tar archive.
struct TarIndex {
    archive: PathBuf,
    members: HashMap<String, Member>,
}

impl TarIndex {
    fn build(path: &Path) -> Result<Self> {
        let file = open_input(path)?;
        Self::index(path, file).map_err(|e| {
            Error::input(
                path.display(),
                format!("unreadable tar archive: {}", tar_problem(&e)),
            )
        })
    }

    fn index(path: &Path, file: File) -> io::Result<Self> {
        let mut archive = tar::Archive::new(ExtensionGuard::new(file));
        let mut members = HashMap::new();
        for entry in archive.entries_with_seek()? {
            let entry = entry?;
            let Some(name) = normalize(&entry.path_bytes()) else {
                continue;
            };
            let kind = entry.header().entry_type();
            let member = if kind.is_symlink() || kind.is_hard_link() {
                let Some(target) = entry.link_name_bytes() else {
                    continue;
                };
                let target = String::from_utf8_lossy(&target).into_owned();
                let target = if kind.is_symlink() {
                    relative_to(&name, &target)
                } else {
                    target
                };
                match normalize(target.as_bytes()) {
                    Some(t) => Member::Link(t),
                    None => continue,
                }
            } else if kind.is_file() {
                Member::Data {
                    offset: entry.raw_file_position(),
                    size: entry.size(),
                }
            } else {
                continue;
            };
            members.insert(name, member);
        }
        Ok(TarIndex {
            archive: path.to_path_buf(),
            members,
        })
    }

    /// The data of a member, following member links.
    fn locate(&self, path: &str) -> Option<(u64, u64)> {
        let mut current = path.to_string();
        for _ in 0..MAX_MEMBER_LINKS {
            match self.members.get(&current)? {
                Member::Data { offset, size } => return Some((*offset, *size)),
                Member::Link(target) => current = target.clone(),
            }
        }
        None
    }

    fn open(&self, path: &str) -> Result<Option<io::Take<File>>> {
        let Some((offset, size)) = self.locate(path) else {
            return Ok(None);
        };
        let io_err = |e| Error::io(self.archive.display(), e);
        let mut file = open_input(&self.archive)?;
        file.seek(SeekFrom::Start(offset)).map_err(io_err)?;
        Ok(Some(file.take(size)))
    }
}

impl MetaFiles for TarIndex {
    fn read_meta(&self, path: &str) -> Result<Option<Vec<u8>>> {
        let Some(reader) = self.open(path)? else {
            return Ok(None);
        };
        read_bounded(reader, MAX_META_SIZE)
            .map_err(|e| Error::io(self.archive.display(), e))?
            .ok_or_else(|| {
                Error::input(
                    format!("{}: {path}", self.archive.display()),
                    format!(
                        "larger than {} MiB: not image metadata",
                        MAX_META_SIZE >> 20
                    ),
                )
            })
            .map(Some)
    }
}

impl Archive {
    fn collect_seeking(&self, wants: &Wants) -> Result<Collected> {
        let index = TarIndex::build(&self.path)?;
        let image = select_image(&index, &self.name(), self.reference.as_deref())?;
        check_layer_count(&self.name(), &image)?;
        let open = |path: &str| -> Result<Box<dyn Read + Send>> {
            match index.open(path)? {
                Some(reader) => Ok(Box::new(reader)),
                None => Err(Error::input(
                    self.name(),
                    format!("layer {path} is referenced but missing"),
                )),
            }
        };
        let layers = scan_layers_parallel(
            &image.layer_paths,
            &image.config.rootfs.diff_ids,
            wants,
            &open,
            self.cache.as_deref(),
        )?;
        Ok(Collected {
            artifact: image_artifact(
                self.name(),
                image.reference,
                &image.config,
                image.config_digest,
            ),
            layers,
        })
    }

    fn collect_streaming(&self, wants: &Wants) -> Result<Collected> {
        let name = self.name();
        let file = open_input(&self.path)?;
        let stream = Stream {
            name,
            reference: self.reference.as_deref(),
            cache: self.cache.as_deref(),
        };
        stream.collect(BufReader::new(file), wants)
    }
}

/// An image archive read once as a stream: a compressed archive file, or
/// the Docker daemon's export.
pub(super) struct Stream<'a> {
    /// How the input is named in the report and in errors.
    pub name: String,
    pub reference: Option<&'a str>,
    pub cache: Option<&'a LayerCache>,
}

impl Stream<'_> {
    /// One pass over the archive (plain, gzip or zstd): small JSON members
    /// are kept, members that look like layer tars are scanned as they
    /// stream past. The manifest (often the last member) then says which
    /// scans belong to the image, in which order; each is checked against
    /// its diff ID. A layer stored under its own digest
    /// (`blobs/sha256/<diff ID>`, as `docker save` writes uncompressed
    /// layers) that the cache holds is skipped over, not scanned.
    pub(super) fn collect(&self, reader: impl BufRead, wants: &Wants) -> Result<Collected> {
        let name = self.name.clone();
        let decompressed = decompress_outer(reader).map_err(|e| Error::io(&name, e))?;
        let mut archive = tar::Archive::new(ExtensionGuard::new(decompressed));
        let mut small: HashMap<String, Vec<u8>> = HashMap::new();
        let mut scans: HashMap<String, LayerScan> = HashMap::new();
        let mut links: HashMap<String, String> = HashMap::new();
        let mut kept = 0u64;
        let held = HeldBytes::default();
        let (mut hits, mut scanned) = (0usize, 0usize);
        let fingerprint = crate::inventory::fingerprint(wants);
        let broken =
            |e: io::Error| Error::input(&name, format!("unreadable archive: {}", tar_problem(&e)));
        for entry in archive.entries().map_err(broken)? {
            let mut entry = entry.map_err(broken)?;
            let Some(member) = normalize(&entry.path_bytes()) else {
                continue;
            };
            let kind = entry.header().entry_type();
            if kind.is_symlink() || kind.is_hard_link() {
                if let Some(target) = entry.link_name_bytes() {
                    let target = String::from_utf8_lossy(&target).into_owned();
                    let target = if kind.is_symlink() {
                        relative_to(&member, &target)
                    } else {
                        target
                    };
                    if let Some(t) = normalize(target.as_bytes()) {
                        links.insert(member, t);
                    }
                }
                continue;
            }
            if !kind.is_file() {
                continue;
            }
            if let Some(scan) = self.cached_blob(&member, &fingerprint) {
                held.take(scan.read_bytes).map_err(|e| Error::Layer {
                    layer: member.clone(),
                    message: e.to_string(),
                })?;
                io::copy(&mut entry, &mut io::sink()).map_err(broken)?;
                scans.insert(member, scan);
                hits += 1;
                continue;
            }
            let mut head = vec![0u8; 512];
            let n = read_up_to(&mut entry, &mut head).map_err(broken)?;
            head.truncate(n);
            let is_layer = looks_like_tar(&head)
                || head.starts_with(&[0x1f, 0x8b])
                || head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]);
            if is_layer {
                let scan = scan_layer(io::Cursor::new(head).chain(&mut entry), wants, None, &held)
                    .map_err(|e| Error::Layer {
                        layer: member.clone(),
                        message: e.to_string(),
                    })?;
                scanned += 1;
                scans.insert(member, scan);
            } else if entry.size() <= MAX_META_SIZE && kept + entry.size() <= MAX_META_TOTAL {
                kept += entry.size();
                let mut content = head;
                entry.read_to_end(&mut content).map_err(broken)?;
                small.insert(member, content);
            } else {
                tracing::warn!(
                    member,
                    "skipping an archive member that is neither a layer nor small metadata"
                );
            }
        }
        if self.cache.is_some() {
            tracing::info!("{hits} layers from the layer cache, {scanned} read");
        }
        let files = StreamedFiles {
            small,
            links: &links,
        };
        let image = select_image(&files, &name, self.reference)?;
        check_layer_count(&name, &image)?;
        let mut layers: Vec<LayerScan> = Vec::with_capacity(image.layer_paths.len());
        // Where each member's scan went, for a layer listed twice: scans are
        // moved, not copied, so the image's files are held once.
        let mut placed: HashMap<String, usize> = HashMap::new();
        for (path, expected) in image.layer_paths.iter().zip(&image.config.rootfs.diff_ids) {
            let member = files.follow(path);
            let scan = match (scans.remove(&member), placed.get(&member)) {
                (Some(scan), _) => scan,
                (None, Some(&i)) => layers[i].clone(),
                (None, None) => {
                    return Err(Error::input(
                        &name,
                        format!("layer {path} is referenced but missing"),
                    ))
                }
            };
            if scan.diff_id.as_deref() != Some(expected.as_str()) {
                return Err(Error::Layer {
                    layer: expected.clone(),
                    message: format!(
                        "content digest is {}, expected {expected} (corrupt or truncated layer)",
                        scan.diff_id.as_deref().unwrap_or("unknown")
                    ),
                });
            }
            if let Some(cache) = self.cache {
                cache.put(expected, &fingerprint, &scan);
            }
            placed.insert(member, layers.len());
            layers.push(scan);
        }
        Ok(Collected {
            artifact: image_artifact(name, image.reference, &image.config, image.config_digest),
            layers,
        })
    }

    /// The cached scan of a member named by its digest, if the cache has it.
    fn cached_blob(&self, member: &str, fingerprint: &str) -> Option<LayerScan> {
        let hex = member.strip_prefix("blobs/sha256/")?;
        if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let diff_id = format!("sha256:{hex}");
        let mut scan: LayerScan = self.cache?.get(&diff_id, fingerprint)?;
        scan.diff_id = Some(diff_id);
        Some(scan)
    }
}

/// The small members of a streamed archive, kept in memory.
struct StreamedFiles<'a> {
    small: HashMap<String, Vec<u8>>,
    links: &'a HashMap<String, String>,
}

impl StreamedFiles<'_> {
    fn follow(&self, path: &str) -> String {
        let mut current = path.to_string();
        for _ in 0..MAX_MEMBER_LINKS {
            match self.links.get(&current) {
                Some(t) => current = t.clone(),
                None => break,
            }
        }
        current
    }
}

impl MetaFiles for StreamedFiles<'_> {
    fn read_meta(&self, path: &str) -> Result<Option<Vec<u8>>> {
        Ok(self.small.get(&self.follow(path)).cloned())
    }
}

/// Opens the archive file: a regular file only (see [`super::safe_open`]).
fn open_input(path: &Path) -> Result<File> {
    super::safe_open::open_regular(path)?
        .ok_or_else(|| Error::io(path.display(), io::Error::from(io::ErrorKind::NotFound)))
}

fn check_layer_count(input: &str, image: &SelectedImage) -> Result<()> {
    let (layers, diff_ids) = (image.layer_paths.len(), image.config.rootfs.diff_ids.len());
    if layers == diff_ids {
        Ok(())
    } else {
        Err(Error::input(
            input,
            format!("the image has {layers} layers but its config lists {diff_ids} diff IDs"),
        ))
    }
}

fn decompress_outer<'a>(mut reader: impl BufRead + 'a) -> io::Result<Box<dyn Read + 'a>> {
    let head = reader.fill_buf()?;
    Ok(if head.starts_with(&[0x1f, 0x8b]) {
        Box::new(flate2::bufread::MultiGzDecoder::new(reader))
    } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        Box::new(zstd::stream::read::Decoder::with_buffer(reader)?)
    } else {
        Box::new(reader)
    })
}

/// A symlink target inside the archive as a path from the archive root
/// (`..` stops at the root).
fn relative_to(link: &str, target: &str) -> String {
    let mut parts: Vec<&str> = match link.rsplit_once('/') {
        Some((dir, _)) if !target.starts_with('/') => dir.split('/').collect(),
        _ => Vec::new(),
    };
    for part in target.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    parts.join("/")
}

/// A POSIX (ustar) or GNU tar header has its magic at offset 257; an empty
/// layer is a tar with no entries: only zero blocks.
fn looks_like_tar(head: &[u8]) -> bool {
    (head.len() >= 263 && &head[257..262] == b"ustar")
        || (head.len() == 512 && head.iter().all(|b| *b == 0))
}

fn read_up_to(reader: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..])? {
            0 => break,
            n => filled += n,
        }
    }
    Ok(filled)
}
