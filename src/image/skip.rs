//! `--skip-dirs` and `--skip-files`: paths of a tree or an image that are
//! not read, with Trivy's meaning. Patterns are globs (`*` within one path
//! segment, `**` across segments), relative to the scanned tree; a leading
//! `/` or `./` is dropped, so `/usr/lib/ruby` names that directory inside an
//! image. A skipped directory skips everything below it.

use crate::error::{Error, Result};
use globset::{Glob, GlobBuilder, GlobSet, GlobSetBuilder};
use std::path::Path;

/// The compiled patterns.
#[derive(Debug, Clone, Default)]
pub struct Skip {
    dirs: Option<GlobSet>,
    files: Option<GlobSet>,
}

impl Skip {
    /// Compiles the patterns; a pattern that is not a glob is a usage
    /// error naming it.
    pub fn new(dirs: &[String], files: &[String]) -> Result<Skip> {
        Ok(Skip {
            dirs: compile("--skip-dirs", dirs)?,
            files: compile("--skip-files", files)?,
        })
    }

    /// Whether nothing is skipped.
    pub fn is_empty(&self) -> bool {
        self.dirs.is_none() && self.files.is_none()
    }

    /// Whether the directory at `path` (relative, `/`-separated) is
    /// skipped, itself or through a parent.
    pub fn skips_dir(&self, path: &str) -> bool {
        let Some(dirs) = &self.dirs else {
            return false;
        };
        let path = normalize(path);
        ancestors(path).any(|dir| dirs.is_match(dir))
    }

    /// Whether the file at `path` (relative, `/`-separated) is skipped:
    /// it matches `--skip-files` or lies under a skipped directory.
    pub fn skips_file(&self, path: &str) -> bool {
        let path = normalize(path);
        self.files.as_ref().is_some_and(|f| f.is_match(path))
            || path
                .rsplit_once('/')
                .is_some_and(|(parent, _)| self.skips_dir(parent))
    }
}

fn compile(flag: &str, patterns: &[String]) -> Result<Option<GlobSet>> {
    let patterns: Vec<&str> = patterns
        .iter()
        .map(|p| normalize(p.trim()).trim_end_matches('/'))
        .filter(|p| !p.is_empty())
        .collect();
    if patterns.is_empty() {
        return Ok(None);
    }
    let mut set = GlobSetBuilder::new();
    for pattern in patterns {
        set.add(glob(pattern).map_err(|e| Error::Usage(format!("{flag} {pattern:?}: {e}")))?);
    }
    set.build()
        .map(Some)
        .map_err(|e| Error::Usage(format!("{flag}: {e}")))
}

fn glob(pattern: &str) -> std::result::Result<Glob, globset::Error> {
    GlobBuilder::new(pattern).literal_separator(true).build()
}

/// `path` without a leading `/` or `./`.
fn normalize(path: &str) -> &str {
    let path = path.trim_start_matches("./");
    path.trim_start_matches('/')
}

/// `a/b/c`, `a/b`, `a`.
fn ancestors(path: &str) -> impl Iterator<Item = &str> {
    std::iter::successors(Some(path).filter(|p| !p.is_empty()), |p| {
        p.rsplit_once('/').map(|(parent, _)| parent)
    })
}

/// `path` of a walked tree as the skip patterns and reports name it:
/// relative to `root` with `/` separators; the file name when the root is
/// the file itself.
pub fn relative(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    let rel = if rel.as_os_str().is_empty() {
        path.file_name().map(Path::new).unwrap_or(path)
    } else {
        rel
    };
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::Skip;

    fn skip(dirs: &[&str], files: &[&str]) -> Skip {
        let own = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        Skip::new(&own(dirs), &own(files)).unwrap()
    }

    #[test]
    fn directories_skip_everything_below_them() {
        let s = skip(&["node_modules", "/usr/lib/ruby", "**/testdata"], &[]);
        assert!(s.skips_file("node_modules/a/package.json"));
        assert!(s.skips_file("usr/lib/ruby/gems/x.gemspec"));
        assert!(s.skips_file("src/pkg/testdata/Dockerfile"));
        assert!(s.skips_dir("./node_modules"));
        assert!(
            !s.skips_file("web/node_modules/a.json"),
            "not anchored anywhere"
        );
        assert!(!s.skips_file("usr/lib/rubyx/a"));
        assert!(!s.skips_file("Dockerfile"));
    }

    #[test]
    fn file_globs_stay_within_a_segment_unless_doubled() {
        let s = skip(&[], &["*.tf", "**/*.yaml", "deploy/Dockerfile"]);
        assert!(s.skips_file("main.tf"));
        assert!(!s.skips_file("infra/main.tf"), "* does not cross /");
        assert!(s.skips_file("k8s/a/b.yaml"));
        assert!(s.skips_file("./deploy/Dockerfile"));
        assert!(!s.skips_file("Dockerfile"));
        assert!(skip(&[], &[]).is_empty());
    }

    #[test]
    fn a_bad_glob_names_the_flag() {
        let err = Skip::new(&["a[".to_string()], &[]).unwrap_err();
        assert!(err.to_string().starts_with("--skip-dirs \"a[\""), "{err}");
    }
}
