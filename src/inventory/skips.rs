//! Warnings about skipped entries of one package database, collapsed. A
//! damaged or hostile database can hold a million bad entries; one warning
//! line each would bury the CI log (and fill its storage). The first few
//! are shown, so a user can find them in the file, and the rest are
//! counted in one closing line.

/// Individual warnings shown per file before the rest are only counted.
const SHOWN: usize = 5;

/// Collects the skip warnings of one parse of one file.
pub(crate) struct Skips<'p> {
    path: &'p str,
    /// What is skipped, for the summary ("dpkg stanza").
    what: &'static str,
    count: usize,
}

impl<'p> Skips<'p> {
    pub(crate) fn new(path: &'p str, what: &'static str) -> Self {
        Skips {
            path,
            what,
            count: 0,
        }
    }

    /// Records one skipped entry; `why` is shown for the first few.
    pub(crate) fn skip(&mut self, why: impl std::fmt::Display) {
        self.count += 1;
        if self.count <= SHOWN {
            tracing::warn!(path = self.path, "skipping {}: {why}", self.what);
        }
    }
}

impl Drop for Skips<'_> {
    /// The closing line for the entries that were only counted.
    fn drop(&mut self) {
        if self.count > SHOWN {
            tracing::warn!(
                path = self.path,
                "skipping {}: {} more like the above ({} in all)",
                self.what,
                self.count - SHOWN,
                self.count
            );
        }
    }
}
