//! JavaScript: the `package.json` of every package installed under a
//! `node_modules` directory in images, and the lockfiles of a source tree
//! (`package-lock.json` / `npm-shrinkwrap.json`, `yarn.lock`,
//! `pnpm-lock.yaml`, `bun.lock`). Every set is matched in OSV's `npm`
//! ecosystem.

pub mod bun;
pub mod node_modules;
pub mod npm_lock;
pub mod pnpm;
pub mod yarn;

/// Splits an npm package specifier `name@rest` where the name may be
/// scoped (`@babel/core@^7.0.0` → `@babel/core`, `^7.0.0`).
pub(crate) fn split_spec(spec: &str) -> Option<(&str, &str)> {
    let from = usize::from(spec.starts_with('@'));
    let at = spec.get(from..)?.find('@')? + from;
    Some((&spec[..at], &spec[at + 1..]))
}

/// A lockfile test's view of a package: name, version, line,
/// development-only.
#[cfg(test)]
pub(super) type Row = (String, String, Option<u32>, bool);

/// What `analyzer` reads from `text` (a file at `path`), as [`Row`]s.
#[cfg(test)]
pub(super) fn rows(
    analyzer: &dyn crate::inventory::PackageAnalyzer,
    path: &str,
    text: &str,
) -> Vec<Row> {
    analyzer
        .parse(path, text.as_bytes())
        .unwrap()
        .into_iter()
        .map(|p| (p.name, p.version, p.line, p.dev))
        .collect()
}

/// A [`Row`] on `line`.
#[cfg(test)]
pub(super) fn row(n: &str, v: &str, line: u32, dev: bool) -> Row {
    (n.into(), v.into(), Some(line), dev)
}

/// Asserts that `found` (name, version, line, development-only) are the
/// registry packages of the one workspace the npm and pnpm tests hold as
/// each tool writes it (`packages/*`, `apps/web`), in any order. Trivy
/// 0.76 lists the same production ones.
#[cfg(test)]
pub(super) fn assert_workspace_packages(found: Vec<Row>) {
    let mut found: Vec<(String, String, bool)> = found
        .into_iter()
        .map(|(n, v, _, dev)| (n, v, dev))
        .collect();
    found.sort();
    let expected: Vec<(String, String, bool)> = [
        ("debug", "4.3.4", false),
        ("is-number", "7.0.0", true),
        ("left-pad", "1.3.0", true),
        ("lodash", "4.17.20", false),
        ("minimist", "1.2.5", false),
        ("ms", "2.0.0", false),
        ("ms", "2.1.2", false),
    ]
    .iter()
    .map(|(n, v, dev)| (n.to_string(), v.to_string(), *dev))
    .collect();
    assert_eq!(found, expected);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_split_after_the_scope() {
        assert_eq!(split_spec("lodash@^4.17.21"), Some(("lodash", "^4.17.21")));
        assert_eq!(
            split_spec("@babel/core@npm:7.24.0"),
            Some(("@babel/core", "npm:7.24.0"))
        );
        assert_eq!(split_spec("lodash"), None);
        assert_eq!(split_spec("@scope/x"), None);
    }
}
