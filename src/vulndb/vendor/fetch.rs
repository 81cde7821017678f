//! `db update` for the vendor feeds: where each release's feed is, and
//! fetching it (with the retries and time limits of OSV's downloads).
//! Amazon publishes its advisories inside each repository: a mirror list
//! names the repository, whose `repodata/repomd.xml` names the
//! `updateinfo.xml.gz`, as `dnf` finds it.

use super::super::fetch::{self, Fetched, Validators};
use super::super::{SourceState, VulnDb};
use crate::ecosystem::Base;
use crate::error::{Error, Result};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Amazon Linux's mirror lists per release (Trivy's `vuln-list-update`
/// uses the same).
const AMAZON_MIRROR_LISTS: &[(&str, &str)] = &[
    (
        "1",
        "http://repo.us-west-2.amazonaws.com/2018.03/updates/x86_64/mirror.list",
    ),
    (
        "2",
        "https://cdn.amazonlinux.com/2/core/latest/x86_64/mirror.list",
    ),
    (
        "2022",
        "https://cdn.amazonlinux.com/al2022/core/mirrors/latest/x86_64/mirror.list",
    ),
    (
        "2023",
        "https://cdn.amazonlinux.com/al2023/core/mirrors/latest/x86_64/mirror.list",
    ),
];

/// Oracle's OVAL file of every ELSA.
pub const DEFAULT_ORACLE_URL: &str =
    "https://linux.oracle.com/security/oval/com.oracle.elsa-all.xml.bz2";

/// Photon's per-release CVE lists.
pub const DEFAULT_PHOTON_URL: &str =
    "https://packages.broadcom.com/photon/photon_cve_metadata/cve_data_photon{release}.json";

/// Where the vendors' feeds are fetched from: URL templates in which
/// `{release}` stands for the ecosystem's release (`2023`, `9`, `5.0`).
/// Amazon's URL may name a mirror list or the `updateinfo.xml(.gz)`
/// itself; without one, each release's official mirror list is used.
#[derive(Debug, Clone)]
pub struct VendorUrls {
    pub amazon: Option<String>,
    pub oracle: String,
    pub photon: String,
}

impl Default for VendorUrls {
    fn default() -> Self {
        VendorUrls {
            amazon: None,
            oracle: DEFAULT_ORACLE_URL.to_string(),
            photon: DEFAULT_PHOTON_URL.to_string(),
        }
    }
}

impl VendorUrls {
    /// The feed URL of one release; `None` when there is none (an Amazon
    /// release without a known mirror list).
    fn url(&self, base: Base, release: &str) -> Option<String> {
        let template = match base {
            Base::AmazonLinux => match &self.amazon {
                Some(t) => t.clone(),
                None => AMAZON_MIRROR_LISTS
                    .iter()
                    .find(|(r, _)| *r == release)?
                    .1
                    .to_string(),
            },
            Base::OracleLinux => self.oracle.clone(),
            Base::PhotonOs => self.photon.clone(),
            _ => return None,
        };
        Some(template.replace("{release}", release))
    }
}

/// Fetches the feeds of the `wanted` ecosystems of `base` and imports
/// them; returns the number of records. One download per distinct URL
/// (Oracle's file holds every release).
pub async fn update(
    db: &mut VulnDb,
    client: &reqwest::Client,
    base: Base,
    wanted: &BTreeSet<String>,
    urls: &VendorUrls,
    db_path: &Path,
) -> Result<u64> {
    let mut by_url: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for ecosystem in wanted {
        let release = ecosystem.split_once(':').map_or("", |(_, r)| r);
        let url = urls.url(base, release).ok_or_else(|| {
            Error::input(
                ecosystem,
                "no feed is known for this release; give its URL (--amazon-url)",
            )
        })?;
        by_url.entry(url).or_default().push(ecosystem.clone());
    }
    let dir = db_path.parent().unwrap_or(Path::new("."));
    let temp = tempfile::Builder::new()
        .prefix(".vendor-download-")
        .tempdir_in(dir)
        .map_err(|e| Error::io(dir.display(), e))?;
    let mut records = 0;
    for (url, ecosystems) in by_url {
        // Photon's list says its release only in its name.
        let name = match base {
            Base::PhotonOs => format!(
                "cve_data_photon{}.json",
                ecosystems[0].split_once(':').map_or("", |(_, r)| r)
            ),
            _ => url.rsplit('/').next().unwrap_or("feed").to_string(),
        };
        let file = temp.path().join(&name);
        download(client, &url, &file).await?;
        let file = match base {
            Base::AmazonLinux => amazon_updateinfo(client, &url, &file, temp.path()).await?,
            _ => file,
        };
        let shown = fetch::redact(&url);
        let (feed, content) = super::open(&file)
            .map_err(|e| Error::io(&shown, e))?
            .ok_or_else(|| {
                Error::input(&shown, format!("not a {} advisory feed", base.as_str()))
            })?;
        let state = SourceState {
            ecosystems,
            ..Default::default()
        };
        records += super::import(db, feed, &shown, &content, state)?.records();
    }
    Ok(records)
}

async fn download(client: &reqwest::Client, url: &str, dest: &Path) -> Result<()> {
    match fetch::fetch(client, url, &Validators::default(), dest).await? {
        Fetched::Downloaded { .. } => Ok(()),
        Fetched::NotModified => Err(Error::input(
            fetch::redact(url),
            "the server answered 304 to an unconditional request",
        )),
    }
}

/// When `file` (downloaded from `url`) is a mirror list, follows it to the
/// repository's `updateinfo.xml.gz`; otherwise it is the updateinfo.
async fn amazon_updateinfo(
    client: &reqwest::Client,
    url: &str,
    file: &Path,
    dir: &Path,
) -> Result<std::path::PathBuf> {
    let text = std::fs::read(file).map_err(|e| Error::io(file.display(), e))?;
    let text = String::from_utf8_lossy(&text);
    let Some(mirror) = text
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("http://") || l.starts_with("https://"))
        .filter(|_| !text.trim_start().starts_with('<'))
    else {
        return Ok(file.to_path_buf());
    };
    let mirror = mirror.trim_end_matches('/');
    let repomd = dir.join("repomd.xml");
    download(client, &format!("{mirror}/repodata/repomd.xml"), &repomd).await?;
    let xml = std::fs::read_to_string(&repomd).map_err(|e| Error::io(repomd.display(), e))?;
    let href = updateinfo_href(&xml).ok_or_else(|| {
        Error::input(
            fetch::redact(url),
            "the repository's repomd.xml names no updateinfo",
        )
    })?;
    let dest = dir.join("updateinfo.xml.gz");
    download(client, &format!("{mirror}/{href}"), &dest).await?;
    Ok(dest)
}

/// The `location href` of repomd.xml's `<data type="updateinfo">`.
fn updateinfo_href(repomd: &str) -> Option<&str> {
    let data = &repomd[repomd.find("type=\"updateinfo\"")?..];
    let data = &data[..data.find("</data>").unwrap_or(data.len())];
    let href = &data[data.find("href=\"")? + "href=\"".len()..];
    Some(&href[..href.find('"')?])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_per_release() {
        let urls = VendorUrls::default();
        assert_eq!(
            urls.url(Base::PhotonOs, "5.0").as_deref(),
            Some(
                "https://packages.broadcom.com/photon/photon_cve_metadata/cve_data_photon5.0.json"
            )
        );
        assert_eq!(
            urls.url(Base::AmazonLinux, "2").as_deref(),
            Some("https://cdn.amazonlinux.com/2/core/latest/x86_64/mirror.list")
        );
        assert_eq!(urls.url(Base::AmazonLinux, "2030"), None);
        assert_eq!(
            urls.url(Base::OracleLinux, "9").as_deref(),
            Some(DEFAULT_ORACLE_URL)
        );
    }

    #[test]
    fn repomd_names_the_updateinfo() {
        // The shape of aquasecurity/vuln-list-update's
        // amazon/testdata/fixtures/repomd_valid.xml.
        let repomd = r#"<repomd><data type="primary"><location href="repodata/p.xml.gz"/></data>
<data type="updateinfo"><checksum type="sha256">ab</checksum><location href="repodata/ab-updateinfo.xml.gz"/></data></repomd>"#;
        assert_eq!(
            updateinfo_href(repomd),
            Some("repodata/ab-updateinfo.xml.gz")
        );
        assert_eq!(updateinfo_href("<repomd/>"), None);
    }
}
