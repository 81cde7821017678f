//! The vulnerability database as an OCI artifact, so a team can mirror it
//! in its own registry and every CI job pulls it from there instead of
//! downloading OSV's exports (`db push`, `db pull`, `db update --from`).
//!
//! The artifact is one image manifest with `artifactType`
//! [`ARTIFACT_TYPE`], the empty config, and one layer: the SQLite file
//! compressed with zstd ([`LAYER_MEDIA_TYPE`]). A pull streams the layer
//! through the decompressor into a temporary file beside the database,
//! checks the blob digest and that the file is a database this scangate
//! reads, then renames it over the old one: a failed pull changes nothing.

use super::update::lock;
use super::VulnDb;
use crate::error::{Error, Result};
use crate::registry::{Options, Session};
use oci_client::manifest::OCI_IMAGE_MEDIA_TYPE;
use oci_client::RegistryOperation;
use serde_json::json;
use sha2::{Digest, Sha256};
use std::io::{self, Read};
use std::path::Path;

/// The manifest's `artifactType`.
pub const ARTIFACT_TYPE: &str = "application/vnd.scangate.db.v1";
/// The one layer: the database file, zstd-compressed.
pub const LAYER_MEDIA_TYPE: &str = "application/vnd.scangate.db.layer.v1.sqlite+zstd";
/// OCI's empty config for artifacts: `{}`.
const EMPTY_CONFIG_TYPE: &str = "application/vnd.oci.empty.v1+json";
const EMPTY_CONFIG: &[u8] = b"{}";
/// zstd level: a good ratio on SQLite pages without a slow push.
const ZSTD_LEVEL: i32 = 9;

/// Pushes the database at `db_path` to `reference`; returns what to print.
pub fn push(db_path: &Path, reference: &str, options: &Options) -> Result<String> {
    // The database must be ours and current, and must not change while read.
    let info = VulnDb::open_read_only(db_path)?.info()?;
    let raw = {
        let _lock = lock(db_path)?;
        std::fs::read(db_path).map_err(|e| Error::io(db_path.display(), e))?
    };
    let compressed = zstd::encode_all(raw.as_slice(), ZSTD_LEVEL)
        .map_err(|e| Error::io(db_path.display(), e))?;
    let layer_digest = sha256(&compressed);
    let config_digest = sha256(EMPTY_CONFIG);
    let manifest = json!({
        "schemaVersion": 2,
        "mediaType": OCI_IMAGE_MEDIA_TYPE,
        "artifactType": ARTIFACT_TYPE,
        "config": {
            "mediaType": EMPTY_CONFIG_TYPE,
            "digest": config_digest,
            "size": EMPTY_CONFIG.len(),
        },
        "layers": [{
            "mediaType": LAYER_MEDIA_TYPE,
            "digest": layer_digest,
            "size": compressed.len(),
            "annotations": {"org.opencontainers.image.title": "osv.sqlite.zst"},
        }],
        "annotations": {
            "org.opencontainers.image.created": super::time::format_unix(super::time::now_unix()),
        },
    });
    let body = serde_json::to_vec(&manifest)
        .map_err(|e| Error::input(reference, format!("manifest: {e}")))?;
    let session = Session::connect(reference, options, RegistryOperation::Push)?;
    session.push_blob(EMPTY_CONFIG, &config_digest)?;
    session.push_blob(&compressed, &layer_digest)?;
    session.push_manifest(&body, OCI_IMAGE_MEDIA_TYPE)?;
    let advisories = info.advisories;
    Ok(format!(
        "pushed {reference} ({} ecosystems, {advisories} advisories; {} bytes, {} compressed, layer {layer_digest})",
        info.ecosystems.len(),
        raw.len(),
        compressed.len()
    ))
}

/// Pulls the database pushed to `reference` into `db_path`; returns what
/// to print.
pub fn pull(db_path: &Path, reference: &str, options: &Options) -> Result<String> {
    let session = Session::connect(reference, options, RegistryOperation::Pull)?;
    let (raw, _) = session.manifest(&session.reference, &[OCI_IMAGE_MEDIA_TYPE])?;
    let manifest: serde_json::Value = serde_json::from_slice(&raw)
        .map_err(|e| Error::input(reference, format!("invalid manifest: {e}")))?;
    let artifact_type = manifest
        .get("artifactType")
        .and_then(|v| v.as_str())
        .unwrap_or("none");
    if artifact_type != ARTIFACT_TYPE {
        return Err(Error::input(
            reference,
            format!(
                "not a scangate database (artifactType {artifact_type}, expected {ARTIFACT_TYPE})"
            ),
        ));
    }
    let digest = manifest
        .get("layers")
        .and_then(|l| l.as_array())
        .and_then(|layers| {
            layers
                .iter()
                .find(|l| l.get("mediaType").and_then(|m| m.as_str()) == Some(LAYER_MEDIA_TYPE))
        })
        .and_then(|l| l.get("digest")?.as_str())
        .ok_or_else(|| Error::input(reference, format!("no {LAYER_MEDIA_TYPE} layer")))?
        .to_string();
    let dir = db_path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir.display(), e))?;
    let _lock = lock(db_path)?;
    let mut attempt = 0;
    let temp = loop {
        let mut temp = tempfile::Builder::new()
            .prefix(".osv.sqlite.pull")
            .tempfile_in(dir)
            .map_err(|e| Error::io(dir.display(), e))?;
        let mut blob = session.blob(&digest)?;
        let written = unpack(&mut blob, temp.as_file_mut());
        match written {
            Ok(()) => break temp,
            Err(e) if blob.broken() && attempt < Session::RESTARTS => {
                attempt += 1;
                let delay = Session::backoff(attempt);
                tracing::warn!("{reference}: {e}; starting over in {delay:?}");
                std::thread::sleep(delay);
            }
            Err(e) => {
                return Err(Error::Network {
                    url: session.repository(),
                    message: format!("cannot pull the database: {e}"),
                })
            }
        }
    };
    let info = VulnDb::open_read_only(temp.path())
        .and_then(|db| db.info())
        .map_err(|e| Error::input(reference, format!("the pulled file is not usable: {e}")))?;
    temp.persist(db_path)
        .map_err(|e| Error::io(db_path.display(), e.error))?;
    let advisories = info.advisories;
    Ok(format!(
        "pulled {reference} into {} ({} ecosystems, {advisories} advisories)",
        db_path.display(),
        info.ecosystems.len()
    ))
}

/// Decompresses the blob into `out`, reading the blob to its end so its
/// digest is checked.
fn unpack(blob: &mut impl Read, out: &mut std::fs::File) -> io::Result<()> {
    let mut decoder = zstd::stream::read::Decoder::new(&mut *blob)?;
    io::copy(&mut decoder, out)?;
    drop(decoder);
    io::copy(blob, &mut io::sink())?;
    out.sync_all()
}

fn sha256(bytes: &[u8]) -> String {
    format!("sha256:{:x}", Sha256::digest(bytes))
}
