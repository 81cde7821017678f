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
