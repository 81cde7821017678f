//! An unpacked root filesystem or source tree on the host (`scangate fs
//! DIR`). Exact wanted paths are looked up, and symlinks are resolved by
//! scangate against DIR, never by the host: an absolute link inside DIR
//! means DIR's own root. Files wanted anywhere (lockfiles) are found by one
//! walk of the tree that follows no links and skips `.git`.

use super::{Artifact, ArtifactKind, Collected, Source};
use crate::error::{Error, Result};
use crate::image::walk::{walk, Step};
use crate::image::Link;
use crate::inventory::LayerFiles;
use crate::inventory::{Scope, Want, Wants, MAX_FILE_SIZE};
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

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

    /// Walks `path` inside the root, recording every link met on the way
    /// (so the file view resolves it the same way). Returns the real
    /// relative path reached, if it exists.
    fn walk(&self, path: &str, scan: &mut LayerFiles) -> Option<(String, fs::Metadata)> {
        walk(path, |rel| {
            let full = self.root.join(rel);
            let Ok(meta) = fs::symlink_metadata(&full) else {
                return Step::Missing;
            };
            if meta.file_type().is_symlink() {
                let Ok(target) = fs::read_link(&full) else {
                    return Step::Missing;
                };
                let target = target.to_string_lossy().into_owned();
                scan.add_link(rel.to_string(), Link::Symbolic(target.clone()));
                Step::Link(target)
            } else if meta.is_dir() {
                Step::Dir(Some(meta))
            } else {
                Step::File(meta)
            }
        })
    }

    fn read_file(&self, rel: String, meta: &fs::Metadata, scan: &mut LayerFiles) {
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

impl RootFs {
    /// Reads every regular file under the root that `wants` matches and
    /// that an exact lookup has not read already.
    fn walk_tree(&self, wants: &Wants, scan: &mut LayerFiles) {
        let walker = ignore::WalkBuilder::new(&self.root)
            .standard_filters(false)
            .follow_links(false)
            .filter_entry(|e| e.file_name() != ".git")
            .build();
        for entry in walker {
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    tracing::warn!("{e}");
                    continue;
                }
            };
            if !entry.file_type().is_some_and(|t| t.is_file()) {
                continue;
            }
            let Ok(rel) = entry.path().strip_prefix(&self.root) else {
                continue;
            };
            let Some(rel) = rel.to_str().map(str::to_string) else {
                continue;
            };
            if scan.has_file(&rel) || !wants.matches(&rel) {
                continue;
            }
            for companion in wants
                .companions_of(&rel)
                .iter()
                .flat_map(|c| self.expand(c))
            {
                let full = self.root.join(&companion);
                match fs::symlink_metadata(&full) {
                    Ok(meta) if meta.is_file() && !scan.has_file(&companion) => {
                        self.read_file(companion, &meta, scan)
                    }
                    _ => {}
                }
            }
            if let Ok(meta) = entry.metadata() {
                self.read_file(rel, &meta, scan);
            }
        }
    }
}

/// The most paths one companion pattern expands to.
const MAX_COMPANIONS: usize = 10_000;

impl RootFs {
    /// The relative paths a companion pattern names: each `*` component
    /// is every directory there, and a `**` component every directory at
    /// any depth below (that one included), except `node_modules` and
    /// hidden ones, through no link (a workspace member's `package.json`,
    /// not an installed package's). At most [`MAX_COMPANIONS`] paths.
    fn expand(&self, pattern: &str) -> Vec<String> {
        let parts: Vec<&str> = pattern.split('/').collect();
        let mut paths = vec![String::new()];
        for (k, part) in parts.iter().enumerate() {
            let join = |dir: &str, name: &str| {
                if dir.is_empty() {
                    name.to_string()
                } else {
                    format!("{dir}/{name}")
                }
            };
            let subdirs = |dir: &str| -> Vec<String> {
                let Ok(entries) = fs::read_dir(self.root.join(dir)) else {
                    return Vec::new();
                };
                entries
                    .flatten()
                    .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .filter(|name| !name.starts_with('.') && name != "node_modules")
                    .map(|name| join(dir, &name))
                    .collect()
            };
            let mut next = Vec::new();
            for dir in &paths {
                match *part {
                    _ if k + 1 == parts.len() => next.push(join(dir, part)),
                    "*" => next.extend(subdirs(dir)),
                    "**" => {
                        // Breadth first, so a bound keeps the shallow ones.
                        let mut level = vec![dir.clone()];
                        while !level.is_empty() && next.len() < MAX_COMPANIONS {
                            next.extend(level.iter().cloned());
                            level = level.iter().flat_map(|d| subdirs(d)).collect();
                        }
                    }
                    _ => next.push(join(dir, part)),
                }
            }
            next.truncate(MAX_COMPANIONS);
            paths = next;
        }
        paths
    }
}

impl Source for RootFs {
    fn collect(&self, wants: &Wants) -> Result<Collected> {
        let mut scan = LayerFiles::default();
        for want in wants.list() {
            match want {
                Want::File(path) => {
                    if let Some((rel, meta)) = self.walk(path, &mut scan) {
                        scan.add_alias(&rel, path.to_string());
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
                        scan.add_alias(&format!("{rel}/{name}"), format!("{dir}/{name}"));
                        self.read_file(format!("{rel}/{name}"), &meta, &mut scan);
                    }
                }
                // Globs are found by one walk below; binaries are read in
                // images only (as Trivy reads them in images and root
                // filesystems, not in source trees).
                Want::Glob(_) | Want::Executable => {}
            }
        }
        if wants.list().iter().any(|w| matches!(w, Want::Glob(_))) {
            self.walk_tree(wants, &mut scan);
        }
        Ok(Collected {
            artifact: Artifact {
                name: self.root.display().to_string(),
                reference: None,
                kind: ArtifactKind::Filesystem,
                digest: None,
                layers: Vec::new(),
            },
            layers: vec![scan.analyze(Scope::Trees)],
        })
    }
}
