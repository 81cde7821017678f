//! Secrets in a directory tree (`scangate fs`): every regular file, one
//! reader per core. Unlike the config checks, `.gitignore` is not
//! honoured: an ignored `.env` is still on the disk that is scanned (Trivy
//! does the same). `--skip-dirs`/`--skip-files` and the engine's skip
//! patterns (`.git`, `node_modules`, lockfiles, media) are.

use super::engine::Engine;
use super::sniff::read_text;
use super::SecretFile;
use crate::image::skip::{relative, Skip};
use ignore::{WalkBuilder, WalkState};
use std::path::Path;
use std::sync::Mutex;

/// The files under `root` with secrets, sorted by path. An unreadable file
/// is a warning naming it; the scan goes on.
pub fn scan_tree(root: &Path, engine: &Engine, skip: &Skip) -> Vec<SecretFile> {
    let found = Mutex::new(Vec::new());
    WalkBuilder::new(root)
        .standard_filters(false)
        .follow_links(false)
        .filter_entry({
            let (root, skip) = (root.to_path_buf(), skip.clone());
            move |e| {
                e.depth() == 0 || {
                    let rel = relative(&root, e.path());
                    if e.file_type().is_some_and(|t| t.is_dir()) {
                        e.file_name() != ".git" && !skip.skips_dir(&rel)
                    } else {
                        !skip.skips_file(&rel)
                    }
                }
            }
        })
        .build_parallel()
        .run(|| {
            let found = &found;
            Box::new(move |entry| {
                match entry {
                    Ok(entry) if entry.file_type().is_some_and(|t| t.is_file()) => {
                        let rel = relative(root, entry.path());
                        if let Some(file) = scan_file(entry.path(), rel, engine) {
                            if let Ok(mut all) = found.lock() {
                                all.push(file);
                            }
                        }
                    }
                    Ok(_) => {}
                    Err(e) => tracing::warn!("{e}"),
                }
                WalkState::Continue
            })
        });
    let mut files = found.into_inner().unwrap_or_else(|p| p.into_inner());
    files.sort_by(|a, b| a.path.cmp(&b.path));
    files
}

fn scan_file(full: &Path, rel: String, engine: &Engine) -> Option<SecretFile> {
    if !engine.wants(&rel) {
        return None;
    }
    let read = std::fs::File::open(full).and_then(|mut f| {
        let size = f.metadata()?.len();
        read_text(&rel, size, &mut f)
    });
    let content = match read {
        Ok(content) => content?,
        Err(e) => {
            tracing::warn!(path = %full.display(), error = %e, "cannot read file for secrets");
            return None;
        }
    };
    let hits = engine.scan(&rel, &content);
    (!hits.is_empty()).then_some(SecretFile { path: rel, hits })
}
