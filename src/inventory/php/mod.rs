//! PHP: Composer's `composer.lock` in source trees and the
//! `vendor/composer/installed.json` it leaves next to installed packages,
//! in images and trees. Every set is matched in OSV's `Packagist`
//! ecosystem, whose versions `version::composer` orders.

pub mod composer_lock;
pub mod installed_json;

use crate::inventory::lockfile::{find_member, line_at};
use crate::inventory::Package;
use serde::Deserialize;

/// The line of the `{` opening the object whose `"name"` member is at
/// `at`: Composer writes `name` first, and Trivy places packages there.
/// The `"name"` line itself when something else precedes it.
fn object_line(text: &str, at: usize) -> u32 {
    let before = text[..at].trim_end();
    match before.strip_suffix('{') {
        Some(open) => line_at(text, open.len()),
        None => line_at(text, at),
    }
}

/// A package as both files describe it (the same shape: `installed.json`
/// entries are `composer.lock` entries plus install details).
#[derive(Deserialize)]
pub(crate) struct Locked {
    name: Option<String>,
    version: Option<String>,
    #[serde(default)]
    license: Licenses,
}

/// `license` is a string or a list of strings.
#[derive(Deserialize, Default)]
#[serde(untagged)]
enum Licenses {
    #[default]
    None,
    One(String),
    Many(Vec<serde_json::Value>),
}

/// The packages of `locked`, in order, each on the line where its object
/// opens (searched by its `"name"` member from `cursor` on, which then
/// moves past it). Entries
/// without a name or version are skipped: a Composer file always has both.
pub(crate) fn packages(
    text: &str,
    cursor: &mut usize,
    locked: &[Locked],
    dev: bool,
    out: &mut Vec<Package>,
) {
    for entry in locked {
        let (Some(name), Some(version)) = (&entry.name, &entry.version) else {
            continue;
        };
        let at = find_member(text, *cursor, "name", name);
        if let Some(at) = at {
            *cursor = at + 1;
        }
        let mut p = Package::language(name, version, at.map(|a| object_line(text, a)));
        p.dev = dev;
        p.licenses = match &entry.license {
            Licenses::None => Vec::new(),
            Licenses::One(l) => vec![l.clone()],
            Licenses::Many(ls) => ls
                .iter()
                .filter_map(|l| l.as_str().map(str::to_string))
                .collect(),
        };
        out.push(p);
    }
}
