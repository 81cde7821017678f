//! The bytes a cached [`LayerScan`] is stored as: a small length-prefixed
//! binary format (wanted files are binary, so JSON would bloat them),
//! compressed with zstd. A row that does not decode is treated as a miss.

use crate::image::{LayerScan, Link};
use std::io::{self, Read};

/// Bumped whenever the layout below changes; part of the cache key.
pub(super) const FORMAT_VERSION: u32 = 3;

/// zstd level: package databases compress ~10× at level 3, quickly.
const ZSTD_LEVEL: i32 = 3;

/// Encodes a layer scan (its diff ID is the row key, not part of the bytes).
pub(super) fn encode(scan: &LayerScan) -> io::Result<Vec<u8>> {
    let mut out = Vec::new();
    put_u64(&mut out, scan.files.len() as u64);
    for (path, content) in &scan.files {
        put_bytes(&mut out, path.as_bytes());
        put_bytes(&mut out, content);
    }
    put_u64(&mut out, scan.links.len() as u64);
    for (path, link) in &scan.links {
        put_bytes(&mut out, path.as_bytes());
        let (kind, target) = match link {
            Link::Symbolic(t) => (0u8, t),
            Link::Hard(t) => (1u8, t),
        };
        out.push(kind);
        put_bytes(&mut out, target.as_bytes());
    }
    for list in [&scan.whiteouts, &scan.opaque_dirs] {
        put_u64(&mut out, list.len() as u64);
        for path in list {
            put_bytes(&mut out, path.as_bytes());
        }
    }
    let others: Vec<u64> = scan.other_hashes().collect();
    put_u64(&mut out, others.len() as u64);
    for hash in others {
        put_u64(&mut out, hash);
    }
    // Binaries' analysis results, as JSON: small, and their shape is the
    // inventory's, not the codec's.
    put_u64(&mut out, scan.binaries.len() as u64);
    for (path, found) in &scan.binaries {
        put_bytes(&mut out, path.as_bytes());
        put_bytes(
            &mut out,
            &serde_json::to_vec(found).map_err(io::Error::other)?,
        );
    }
    // The secret scanner's findings (never the files), as JSON too.
    put_bytes(
        &mut out,
        &serde_json::to_vec(&scan.secrets).map_err(io::Error::other)?,
    );
    zstd::encode_all(out.as_slice(), ZSTD_LEVEL)
}

/// Decodes what [`encode`] wrote, for the layer `diff_id`.
pub(super) fn decode(diff_id: &str, compressed: &[u8]) -> io::Result<LayerScan> {
    let raw = zstd::decode_all(compressed)?;
    let mut r = raw.as_slice();
    let mut scan = LayerScan::default();
    scan.diff_id = Some(diff_id.to_string());
    for _ in 0..get_u64(&mut r)? {
        let path = get_string(&mut r)?;
        let content = get_bytes(&mut r)?;
        scan.files.insert(path, content);
    }
    for _ in 0..get_u64(&mut r)? {
        let path = get_string(&mut r)?;
        let mut kind = [0u8];
        r.read_exact(&mut kind)?;
        let target = get_string(&mut r)?;
        let link = match kind[0] {
            0 => Link::Symbolic(target),
            1 => Link::Hard(target),
            other => return Err(invalid(format!("unknown link kind {other}"))),
        };
        scan.links.insert(path, link);
    }
    for list in [&mut scan.whiteouts, &mut scan.opaque_dirs] {
        for _ in 0..get_u64(&mut r)? {
            list.push(get_string(&mut r)?);
        }
    }
    for _ in 0..get_u64(&mut r)? {
        scan.add_other_hash(get_u64(&mut r)?);
    }
    for _ in 0..get_u64(&mut r)? {
        let path = get_string(&mut r)?;
        let found = serde_json::from_slice(&get_bytes(&mut r)?).map_err(io::Error::other)?;
        scan.binaries.insert(path, found);
    }
    scan.secrets = serde_json::from_slice(&get_bytes(&mut r)?).map_err(io::Error::other)?;
    if !r.is_empty() {
        return Err(invalid("trailing bytes".into()));
    }
    Ok(scan)
}

fn put_u64(out: &mut Vec<u8>, n: u64) {
    out.extend_from_slice(&n.to_le_bytes());
}

fn put_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    put_u64(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

fn get_u64(r: &mut &[u8]) -> io::Result<u64> {
    let mut buf = [0u8; 8];
    r.read_exact(&mut buf)?;
    Ok(u64::from_le_bytes(buf))
}

fn get_bytes(r: &mut &[u8]) -> io::Result<Vec<u8>> {
    let len = get_u64(r)?;
    // A corrupt length must not allocate more than what is left.
    let len = usize::try_from(len)
        .ok()
        .filter(|l| *l <= r.len())
        .ok_or_else(|| invalid(format!("length {len} beyond the end")))?;
    let (bytes, rest) = r.split_at(len);
    *r = rest;
    Ok(bytes.to_vec())
}

fn get_string(r: &mut &[u8]) -> io::Result<String> {
    String::from_utf8(get_bytes(r)?).map_err(|e| invalid(e.to_string()))
}

fn invalid(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scan_survives_the_round_trip() {
        let mut scan = LayerScan::default();
        scan.add_file("var/lib/dpkg/status".into(), b"Package: a\n".to_vec());
        scan.add_link(
            "etc/os-release".into(),
            Link::Symbolic("../usr/lib/os-release".into()),
        );
        scan.add_link("bin/x".into(), Link::Hard("bin/y".into()));
        scan.whiteouts.push("etc/gone".into());
        scan.opaque_dirs.push("opt".into());
        scan.add_other_hash(42);
        let bytes = encode(&scan).expect("encode");
        let back = decode("sha256:abc", &bytes).expect("decode");
        assert_eq!(back.diff_id.as_deref(), Some("sha256:abc"));
        assert_eq!(back.files, scan.files);
        assert_eq!(back.links, scan.links);
        assert_eq!(back.whiteouts, scan.whiteouts);
        assert_eq!(back.opaque_dirs, scan.opaque_dirs);
        assert_eq!(back.other_hashes().collect::<Vec<_>>(), vec![42]);
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(decode("x", b"not zstd").is_err());
        let truncated = zstd::encode_all(&[5u8, 0, 0, 0, 0, 0, 0, 0, 9][..], 1).expect("zstd");
        assert!(decode("x", &truncated).is_err());
    }
}
