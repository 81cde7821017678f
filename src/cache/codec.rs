//! The bytes a cached row is stored as: the results as JSON (their shape
//! is the analyzers', not the cache's), compressed with zstd, which takes
//! the repetition of package lists (keys, versions, paths) down ~10×. A
//! row that does not decode is treated as a miss.

use serde::de::DeserializeOwned;
use serde::Serialize;
use std::io;

/// Bumped whenever the encoding changes; part of the cache key. (4: a
/// layer's links, whiteouts and replaced paths nested under `tree`.)
pub(super) const FORMAT_VERSION: u32 = 4;

/// zstd level 3: fast, and most of the gain.
const ZSTD_LEVEL: i32 = 3;

pub(super) fn encode<T: Serialize>(results: &T) -> io::Result<Vec<u8>> {
    let json = serde_json::to_vec(results).map_err(io::Error::other)?;
    zstd::encode_all(json.as_slice(), ZSTD_LEVEL)
}

pub(super) fn decode<T: DeserializeOwned>(compressed: &[u8]) -> io::Result<T> {
    let json = zstd::decode_all(compressed)?;
    serde_json::from_slice(&json).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::image::Link;
    use crate::inventory::LayerScan;

    #[test]
    fn a_layer_scan_survives_the_round_trip() {
        let mut scan = LayerScan {
            diff_id: Some("sha256:abc".into()),
            read_bytes: 10,
            ..Default::default()
        };
        scan.os_files
            .insert("etc/os-release".into(), b"ID=debian\n".to_vec());
        scan.tree.links.insert(
            "etc/x".into(),
            Link::Symbolic("../usr/lib/os-release".into()),
        );
        scan.tree
            .links
            .insert("bin/x".into(), Link::Hard("bin/y".into()));
        scan.tree.whiteouts.push("etc/gone".into());
        scan.tree.opaque_dirs.push("opt".into());
        let back: LayerScan = decode(&encode(&scan).expect("encode")).expect("decode");
        assert_eq!(back.diff_id, None, "the diff ID is the row's key");
        assert_eq!(back.os_files, scan.os_files);
        assert_eq!(back.tree.links, scan.tree.links);
        assert_eq!(back.tree.whiteouts, scan.tree.whiteouts);
        assert_eq!(back.tree.opaque_dirs, scan.tree.opaque_dirs);
        assert_eq!(back.read_bytes, 10);
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(decode::<LayerScan>(b"not zstd").is_err());
        let truncated = zstd::encode_all(&b"{\"analyses\":{"[..], 1).expect("zstd");
        assert!(decode::<LayerScan>(&truncated).is_err());
    }
}
