//! Opening the files of an image bundle without trusting the bundle.
//!
//! A layout directory is input: any of its members may be a symlink to a
//! host file (`~/.docker/config.json`, `/proc/self/environ`), a FIFO that
//! blocks forever, or a device that never ends (`/dev/zero`). Members are
//! therefore opened only when their real path stays inside the bundle, the
//! last component is not a link (`O_NOFOLLOW`), and the opened file is a
//! regular file. FIFOs are opened non-blocking so that the check happens
//! before any read can hang.

use crate::error::{Error, Result};
use std::fs::{File, OpenOptions};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// Host trees whose "files" are not data an image can hold: process state,
/// environment variables, endless or blocking devices.
const PSEUDO_ROOTS: &[&str] = &["/proc", "/dev", "/sys"];

/// Opens `path` for reading if it is a regular file that does not live
/// under `/proc`, `/dev` or `/sys`. `Ok(None)` when it does not exist.
/// Used for the `--input` file itself, which the user named.
pub fn open_regular(path: &Path) -> Result<Option<File>> {
    let real = match path.canonicalize() {
        Ok(real) => real,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io(path.display(), e)),
    };
    refuse_pseudo(path, &real)?;
    open_checked(path, &real).map(Some)
}

/// Opens member `relative` of the bundle at `root`: its real path must stay
/// below the real path of `root` (links inside the bundle, such as a blob
/// linked to another blob, are fine). `Ok(None)` when it does not exist.
pub fn open_member(root: &Path, relative: &str) -> Result<Option<File>> {
    let shown = root.join(relative);
    let real_root = root
        .canonicalize()
        .map_err(|e| Error::io(root.display(), e))?;
    let real = match shown.canonicalize() {
        Ok(real) => real,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io(shown.display(), e)),
    };
    if !real.starts_with(&real_root) {
        return Err(Error::input(
            shown.display(),
            "refusing a link that points outside the image layout",
        ));
    }
    refuse_pseudo(&shown, &real)?;
    open_checked(&shown, &real).map(Some)
}

fn refuse_pseudo(shown: &Path, real: &Path) -> Result<()> {
    if PSEUDO_ROOTS.iter().any(|root| real.starts_with(root)) {
        return Err(Error::input(
            shown.display(),
            "refusing a file under /proc, /dev or /sys",
        ));
    }
    Ok(())
}

/// Opens the already-resolved `real` path without following a link there
/// (one swapped in since resolution) and without blocking on a FIFO, then
/// checks that what was opened is a regular file.
fn open_checked(shown: &Path, real: &PathBuf) -> Result<File> {
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_CLOEXEC)
        .open(real)
        .map_err(|e| Error::io(shown.display(), e))?;
    let meta = file.metadata().map_err(|e| Error::io(shown.display(), e))?;
    if !meta.file_type().is_file() {
        return Err(Error::input(
            shown.display(),
            format!(
                "refusing {} (only regular files are read)",
                kind(meta.mode())
            ),
        ));
    }
    Ok(file)
}

/// A file's type, for the refusal message.
fn kind(mode: u32) -> &'static str {
    match mode & libc::S_IFMT {
        libc::S_IFIFO => "a FIFO",
        libc::S_IFCHR => "a character device",
        libc::S_IFBLK => "a block device",
        libc::S_IFSOCK => "a socket",
        libc::S_IFDIR => "a directory",
        _ => "a special file",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn links_inside_the_bundle_are_followed_links_outside_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("layout");
        std::fs::create_dir_all(root.join("blobs")).unwrap();
        std::fs::write(root.join("blobs/a"), b"inside").unwrap();
        std::fs::write(dir.path().join("secret"), b"TOKEN").unwrap();
        symlink("a", root.join("blobs/b")).unwrap();
        symlink(dir.path().join("secret"), root.join("blobs/c")).unwrap();
        assert!(open_member(&root, "blobs/b").unwrap().is_some());
        let err = open_member(&root, "blobs/c").unwrap_err().to_string();
        assert!(err.contains("outside the image layout"), "{err}");
        assert!(!err.contains("TOKEN"));
        assert!(open_member(&root, "blobs/missing").unwrap().is_none());
    }

    #[test]
    fn fifos_devices_and_proc_are_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        assert!(made.unwrap().success());
        let err = open_regular(&fifo).unwrap_err().to_string();
        assert!(err.contains("a FIFO"), "{err}");
        for host in ["/dev/zero", "/proc/self/environ"] {
            let err = open_regular(Path::new(host)).unwrap_err().to_string();
            assert!(err.contains("/proc, /dev or /sys"), "{err}");
        }
    }
}
