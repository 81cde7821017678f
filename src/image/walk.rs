//! Path lookup with symlinks resolved by scangate, never by the host: the
//! one algorithm behind both an image's file view and a root filesystem on
//! disk.

use std::collections::VecDeque;

/// Linux gives up after 40 links in one lookup (ELOOP); so do we.
const MAX_LINK_HOPS: usize = 40;

/// What a lookup finds at one path prefix.
pub enum Step<T> {
    /// Nothing there, and the walk cannot continue.
    Missing,
    /// A directory (or, in an image view, a path that is only a prefix of
    /// wanted files): the walk goes on; if the path ends here, the walk
    /// returns what it carries (a directory on disk can be listed; a
    /// prefix in an image view is nothing).
    Dir(Option<T>),
    /// A regular file.
    File(T),
    /// A link; its target is relative to the link's directory, or to the
    /// root when it starts with `/`.
    Link(String),
}

/// Walks `path` one component at a time from the root, asking `lookup`
/// about each prefix and following links. `..` stops at the root, so no
/// link can reach outside it; more than 40 links is a loop and gives `None`.
/// Returns the real path reached and what `lookup` said of it.
pub fn walk<T>(path: &str, mut lookup: impl FnMut(&str) -> Step<T>) -> Option<(String, T)> {
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
        let here = current.join("/");
        match lookup(&here) {
            Step::Missing => return None,
            Step::Dir(found) => {
                if is_last(&pending) {
                    return found.map(|f| (here, f));
                }
            }
            Step::File(found) => return is_last(&pending).then_some((here, found)),
            Step::Link(target) => {
                hops += 1;
                if hops > MAX_LINK_HOPS {
                    return None;
                }
                current.pop();
                if target.starts_with('/') {
                    current.clear();
                }
                for part in target.split('/').rev() {
                    pending.push_front(part.to_string());
                }
            }
        }
    }
    None
}

/// Whether no real component is left to walk.
fn is_last(pending: &VecDeque<String>) -> bool {
    pending.iter().all(|p| p.is_empty() || p == ".")
}
