//! File selectors: which paths of an image or tree the analyzers read.
//!
//! Each analyzer declares its [`Want`]s; all of them are compiled once into
//! one [`Wants`] (a single `GlobSet`), which decides per tar entry or per
//! directory entry whether anything wants it. The layer walk therefore
//! keeps only wanted files, whatever the number of analyzers.

use globset::{Glob, GlobBuilder, GlobMatcher, GlobSet, GlobSetBuilder};
use std::collections::HashMap;

/// A path pattern an analyzer wants read. Paths are relative to the image
/// root, without a leading slash (`var/lib/dpkg/status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Want {
    /// Exactly this file. Symlinks on the way are resolved inside the image,
    /// to a file that some analyzer wants too (a layer is read once, keeping
    /// only wanted files, so list every real location, as `os.rs` does).
    File(&'static str),
    /// Every regular file directly inside this directory.
    DirEntries(&'static str),
    /// Every file whose path matches this glob, anywhere in the image or
    /// tree: `*` stays inside one path component, `**/` spans any number of
    /// directories (`**/*.dist-info/METADATA`, `**/poetry.lock`).
    Glob(&'static str),
    /// Every regular file with an execute bit, in image layers: read as a
    /// stream while the layer goes past and reduced to the packages it was
    /// built from (see `inventory::binary`), never kept.
    Executable,
}

impl Want {
    /// The glob this selector stands for.
    fn glob(&self) -> Option<Result<Glob, globset::Error>> {
        let pattern = match self {
            Want::File(p) => globset::escape(p),
            Want::DirEntries(dir) => format!("{}/*", globset::escape(dir)),
            Want::Glob(g) => g.to_string(),
            Want::Executable => return None,
        };
        Some(GlobBuilder::new(&pattern).literal_separator(true).build())
    }

    /// Whether a (normalised, relative) path is wanted by this one
    /// selector: how the inventory tells which analyzer a kept file is for.
    /// Globs are compiled once, with [`all_wants`](super::all_wants).
    pub fn matches(&self, path: &str) -> bool {
        match self {
            Want::File(p) => path == *p,
            Want::DirEntries(dir) => path
                .strip_prefix(dir)
                .and_then(|rest| rest.strip_prefix('/'))
                .is_some_and(|name| !name.is_empty() && !name.contains('/')),
            Want::Glob(g) => super::all_wants()
                .globs
                .get(g)
                .is_some_and(|m| m.is_match(path)),
            Want::Executable => false,
        }
    }
}

/// Every selector compiled into one matcher. Built once per scan.
#[derive(Debug, Clone)]
pub struct Wants {
    list: Vec<Want>,
    set: GlobSet,
    /// Each glob selector on its own, for [`Want::matches`].
    globs: HashMap<&'static str, GlobMatcher>,
    /// Files read beside the files of some selectors (see
    /// `PackageAnalyzer::companions`).
    companions: Vec<(Want, &'static [&'static str])>,
    /// The secret scanner every other text file goes through as the layer
    /// streams past, when secrets are looked for.
    secrets: Option<std::sync::Arc<crate::secret::Engine>>,
}

impl Wants {
    /// Compiles `list`. The selectors are static strings written in this
    /// crate, so a bad one is a bug caught by the tests below, not input.
    pub fn new(list: Vec<Want>) -> Wants {
        let mut builder = GlobSetBuilder::new();
        let mut globs = HashMap::new();
        for want in &list {
            let Some(glob) = want.glob() else { continue };
            match glob {
                Ok(glob) => {
                    if let Want::Glob(pattern) = want {
                        globs.insert(*pattern, glob.compile_matcher());
                    }
                    builder.add(glob);
                }
                Err(e) => tracing::error!("ignoring an invalid file selector {want:?}: {e}"),
            }
        }
        let set = builder.build().unwrap_or_else(|e| {
            tracing::error!("file selectors do not compile: {e}");
            GlobSet::empty()
        });
        Wants {
            list,
            set,
            globs,
            companions: Vec::new(),
            secrets: None,
        }
    }

    /// Whether some analyzer wants the file at this normalised relative path.
    pub fn matches(&self, path: &str) -> bool {
        self.set.is_match(path)
    }

    /// Adds the companion files of `selectors`' files.
    pub fn with_companions(mut self, selectors: Vec<(Want, &'static [&'static str])>) -> Wants {
        self.companions = selectors;
        self
    }

    /// The paths of the companions of the file at `path`, in its directory.
    pub fn companions_of(&self, path: &str) -> Vec<String> {
        let dir = path.rsplit_once('/').map(|(d, _)| d);
        self.companions
            .iter()
            .filter(|(want, _)| want.matches(path))
            .flat_map(|(_, names)| names.iter())
            .map(|name| match dir {
                Some(d) => format!("{d}/{name}"),
                None => name.to_string(),
            })
            .collect()
    }

    /// Also scans every file of every layer for secrets with `engine`.
    pub fn with_secrets(mut self, engine: std::sync::Arc<crate::secret::Engine>) -> Wants {
        self.secrets = Some(engine);
        self
    }

    /// The secret scanner, when secrets are looked for.
    pub fn secrets(&self) -> Option<&crate::secret::Engine> {
        self.secrets.as_deref()
    }

    /// Whether executables are analysed as the layer streams past.
    pub fn executables(&self) -> bool {
        self.list.contains(&Want::Executable)
    }

    /// The selectors, in the order given (part of the layer-cache key).
    pub fn list(&self) -> &[Want] {
        &self.list
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_directories_and_globs() {
        let wants = Wants::new(vec![
            Want::File("var/lib/dpkg/status"),
            Want::DirEntries("var/lib/dpkg/status.d"),
            Want::Glob("**/*.dist-info/METADATA"),
            Want::Glob("**/poetry.lock"),
        ]);
        for yes in [
            "var/lib/dpkg/status",
            "var/lib/dpkg/status.d/base",
            "usr/lib/python3/dist-packages/six-1.16.0.dist-info/METADATA",
            "a.dist-info/METADATA",
            "poetry.lock",
            "srv/app/poetry.lock",
        ] {
            assert!(wants.matches(yes), "{yes}");
        }
        for no in [
            "var/lib/dpkg/statusx",
            "var/lib/dpkg/status.d/sub/x",
            "var/lib/dpkg/status.d",
            "usr/lib/x.dist-info/sub/METADATA",
            "usr/lib/x.dist-info/METADATA.bak",
            "poetry.lock.orig",
            "xpoetry.lock",
        ] {
            assert!(!wants.matches(no), "{no}");
        }
    }

    #[test]
    fn exact_paths_are_literal() {
        let wants = Wants::new(vec![Want::File("etc/a[b]*")]);
        assert!(wants.matches("etc/a[b]*"));
        assert!(!wants.matches("etc/ab"));
    }

    #[test]
    fn every_registered_selector_compiles() {
        for want in super::super::all_wants().list() {
            assert!(want.glob().is_none_or(|g| g.is_ok()), "{want:?}");
        }
    }
}
