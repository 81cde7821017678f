//! Reading the files a user names (ignore files, VEX documents, baseline
//! reports, secret rules). They are configuration: a file that is missing or is
//! not UTF-8 text is a usage error (exit 2) naming it, not a failed scan.

use crate::error::{Error, Result};
use std::io::ErrorKind;
use std::path::Path;

/// The text of `path`; `flag` names the option that gave it, and `what` is
/// what it should be ("ignore file"), for the message.
pub fn read(path: &Path, flag: &str, what: &str) -> Result<String> {
    let name = path.display();
    let bytes = std::fs::read(path).map_err(|e| match e.kind() {
        ErrorKind::NotFound => Error::Usage(format!("{name}: no such {what} ({flag})")),
        _ => Error::io(&name, e),
    })?;
    String::from_utf8(bytes).map_err(|e| {
        Error::Usage(format!(
            "{name}: not a UTF-8 text file (invalid byte at offset {}); expected a {what} ({flag})",
            e.utf8_error().valid_up_to()
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::EXIT_USAGE;

    #[test]
    fn missing_and_non_utf8_files_are_usage_errors() {
        let dir = tempfile::tempdir().unwrap();
        let bad = dir.path().join("bad");
        std::fs::write(&bad, b"CVE-1\n\xff\xfe").unwrap();
        let err = read(&bad, "--ignorefile", "ignore file").unwrap_err();
        assert_eq!(err.exit_code(), EXIT_USAGE);
        assert!(err.to_string().contains("offset 6"), "{err}");
        let err = read(&dir.path().join("none"), "--vex", "VEX document").unwrap_err();
        assert_eq!(err.exit_code(), EXIT_USAGE);
    }
}
