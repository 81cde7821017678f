//! An unpacked root filesystem on the host (`scangate fs DIR`). Only the
//! wanted paths are looked at, and symlinks are resolved by scangate against
//! DIR, never by the host: an absolute link inside DIR means DIR's own root.

use super::{Artifact, ArtifactKind, Collected, Source};
use crate::error::{Error, Result};
use crate::image::{LayerScan, Link};
use crate::inventory::{Want, MAX_FILE_SIZE};
use std::collections::VecDeque;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Linux gives up after 40 links in one lookup; so do we.
const MAX_LINK_HOPS: usize = 40;

pub struct RootFs {
    root: PathBuf,
}

impl RootFs {
    pub fn new(root: &Path) -> Result<Self> {
        let meta = fs::metadata(root).map_err(|e| Error::io(root.display(), e))?;
        if !meta.is_dir() {
            return Err(Error::input(root.display(), "not a directory"));
        }
        Ok(RootFs {
            root: root.to_path_buf(),
        })
    }

    /// Walks `path` component by component inside the root, recording every
    /// link met on the way (so the file view resolves it the same way) and,
    /// if the walk ends on a regular file, its content. Returns the real
    /// relative path reached.
    fn walk(&self, path: &str, scan: &mut LayerScan) -> Option<(String, fs::Metadata)> {
        let mut pending: VecDeque<String> = path.split('/').map(str::to_string).collect();
        let mut current: Vec<String> = Vec::new();
        let mut hops = 0;
        while let Some(part) = pending.pop_front() {
            match part.as_str() {
                "" | "." => continue,
                ".." => {
                    current.pop();
                    continue;
                }
                _ => current.push(part),
            }
            let rel = current.join("/");
            let meta = fs::symlink_metadata(self.root.join(&rel)).ok()?;
            if meta.file_type().is_symlink() {
                hops += 1;
                if hops > MAX_LINK_HOPS {
                    return None;
                }
                let target = fs::read_link(self.root.join(&rel)).ok()?;
                let target = target.to_string_lossy().into_owned();
                scan.add_link(rel, Link::Symbolic(target.clone()));
                current.pop();
                if target.starts_with('/') {
                    current.clear();
                }
                for p in target.split('/').rev() {
                    pending.push_front(p.to_string());
                }
            } else if pending.iter().all(|p| p.is_empty() || p == ".") {
                return Some((rel, meta));
            } else if !meta.is_dir() {
                return None;
            }
        }
        None
    }

    fn read_file(&self, rel: String, meta: &fs::Metadata, scan: &mut LayerScan) {
        if !meta.is_file() {
            return;
        }
        if meta.len() > MAX_FILE_SIZE {
            tracing::warn!(
                path = rel,
                size = meta.len(),
                limit = MAX_FILE_SIZE,
                "skipping file larger than the size limit"
            );
            return;
        }
        let full = self.root.join(&rel);
        let mut content = Vec::new();
        match fs::File::open(&full).and_then(|f| f.take(MAX_FILE_SIZE).read_to_end(&mut content)) {
            Ok(_) => scan.add_file(rel, content),
            Err(e) => tracing::warn!(path = %full.display(), error = %e, "cannot read file"),
        }
    }
}

impl Source for RootFs {
    fn collect(&self, wants: &[Want]) -> Result<Collected> {
        let mut scan = LayerScan::unlayered();
        for want in wants {
            match want {
                Want::File(path) => {
                    if let Some((rel, meta)) = self.walk(path, &mut scan) {
                        self.read_file(rel, &meta, &mut scan);
                    }
                }
                Want::DirEntries(dir) => {
                    let Some((rel, meta)) = self.walk(dir, &mut scan) else {
                        continue;
                    };
                    if !meta.is_dir() {
                        continue;
                    }
                    let Ok(entries) = fs::read_dir(self.root.join(&rel)) else {
                        continue;
                    };
                    for entry in entries.flatten() {
                        let Ok(meta) = entry.metadata() else { continue };
                        let name = entry.file_name().to_string_lossy().into_owned();
                        self.read_file(format!("{rel}/{name}"), &meta, &mut scan);
                    }
                }
            }
        }
        Ok(Collected {
            artifact: Artifact {
                name: self.root.display().to_string(),
                kind: ArtifactKind::Filesystem,
                digest: None,
                layers: Vec::new(),
            },
            layers: vec![scan],
        })
    }
}
