//! Amazon Linux's advisories (ALAS) from a repository's `updateinfo.xml`:
//! one `<update>` per advisory, its CVEs as `<reference type="cve">`, the
//! fixed builds as `<package name epoch version release arch>`. The
//! release is in the id (`ALAS2023-…`, `ALAS2-…`, `ALAS-…` for Amazon
//! Linux 1), as in Trivy's `vuln-list-update`. Read as a stream, so a
//! large file costs no more memory than its biggest advisory.

use super::super::osv::Record;
use quick_xml::events::{BytesStart, Event};
use serde_json::json;
use std::collections::BTreeMap;

#[derive(Default)]
struct Update {
    id: String,
    title: String,
    severity: String,
    description: String,
    issued: String,
    updated: String,
    cves: Vec<String>,
    /// Package name → fixed EVR (one per name: the arches share it).
    fixed: BTreeMap<String, String>,
}

pub(super) fn convert(name: &str, content: &[u8]) -> Result<Vec<Record>, String> {
    let mut reader = quick_xml::Reader::from_reader(content);
    let mut buf = Vec::new();
    let mut records = Vec::new();
    let mut current: Option<Update> = None;
    let mut text_of: Option<String> = None;
    loop {
        let event = reader
            .read_event_into(&mut buf)
            .map_err(|e| format!("not a readable updateinfo.xml: {e}"))?;
        match event {
            Event::Start(e) | Event::Empty(e) => {
                let tag = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                match (tag.as_str(), current.as_mut()) {
                    ("update", _) => current = Some(Update::default()),
                    ("issued", Some(u)) => u.issued = attr(&e, "date"),
                    ("updated", Some(u)) => u.updated = attr(&e, "date"),
                    ("reference", Some(u)) if attr(&e, "type") == "cve" => {
                        u.cves.push(attr(&e, "id"))
                    }
                    ("package", Some(u)) => {
                        let fixed = super::evr(
                            &attr(&e, "epoch"),
                            &attr(&e, "version"),
                            &attr(&e, "release"),
                        );
                        u.fixed.insert(attr(&e, "name"), fixed);
                    }
                    ("id" | "title" | "severity" | "description", Some(_)) => {
                        text_of = Some(tag);
                    }
                    _ => {}
                }
            }
            Event::Text(t) => {
                if let (Some(field), Some(u)) = (&text_of, current.as_mut()) {
                    let text = t.unescape().map(|c| c.into_owned()).unwrap_or_default();
                    match field.as_str() {
                        "id" => u.id.push_str(text.trim()),
                        "title" => u.title.push_str(text.trim()),
                        "severity" => u.severity.push_str(text.trim()),
                        _ => u.description.push_str(&text),
                    }
                }
            }
            Event::CData(t) => {
                if let (Some(field), Some(u)) = (&text_of, current.as_mut()) {
                    if field == "description" {
                        u.description.push_str(&String::from_utf8_lossy(&t));
                    }
                }
            }
            Event::End(e) => {
                let tag = e.local_name();
                if tag.as_ref() == b"update" {
                    if let Some(u) = current.take() {
                        match record(&u) {
                            Some(r) => records.push(r),
                            None => tracing::warn!(
                                "{name}: advisory {:?} has no Amazon Linux release in its id or no package; skipped",
                                u.id
                            ),
                        }
                    }
                } else {
                    text_of = None;
                }
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    Ok(records)
}

fn attr(e: &BytesStart<'_>, key: &str) -> String {
    e.attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == key.as_bytes())
        .and_then(|a| a.unescape_value().ok().map(|v| v.into_owned()))
        .unwrap_or_default()
}

/// `ALAS2023-2023-001` → `2023`; `ALAS2-2018-939` → `2`; `ALAS-2018-1065` → `1`.
fn release(id: &str) -> Option<&str> {
    let rest = id.strip_prefix("ALAS")?;
    let (release, _) = rest.split_once('-')?;
    match release {
        "" => Some("1"),
        r if r.bytes().all(|b| b.is_ascii_digit()) => Some(r),
        _ => None,
    }
}

/// `2023-02-22 23:22` → `2023-02-22T23:22:00Z`.
fn rfc3339(date: &str) -> Option<String> {
    let (day, time) = date
        .trim()
        .split_once(' ')
        .unwrap_or((date.trim(), "00:00"));
    if day.len() != 10 {
        return None;
    }
    let time = if time.len() == 5 {
        format!("{time}:00")
    } else {
        time.to_string()
    };
    Some(format!("{day}T{time}Z"))
}

fn record(u: &Update) -> Option<Record> {
    let ecosystem = format!("Amazon Linux:{}", release(&u.id)?);
    if u.fixed.is_empty() {
        return None;
    }
    let affected: Vec<_> = u
        .fixed
        .iter()
        .map(|(name, fixed)| super::affected(&ecosystem, name, Some(fixed)))
        .collect();
    let published = rfc3339(&u.issued);
    let modified = rfc3339(&u.updated).or_else(|| published.clone());
    let value = json!({
        "id": u.id,
        "modified": modified,
        "published": published,
        "upstream": u.cves,
        "summary": u.title,
        "details": u.description.trim(),
        "affected": affected,
        "references": [{"type": "ADVISORY", "url": format!("https://alas.aws.amazon.com/{}.html", advisory_path(&u.id))}],
        "database_specific": {"severity": u.severity},
    });
    serde_json::from_value(value).ok()
}

/// Where ALAS publishes an advisory: `AL2/ALAS-…` for Amazon Linux 2,
/// `AL2023/ALAS-…`, and the bare id for Amazon Linux 1.
fn advisory_path(id: &str) -> String {
    match release(id) {
        Some("1") | None => id.to_string(),
        Some(r) => format!("AL{r}/{}", id.replacen(&format!("ALAS{r}"), "ALAS", 1)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Trimmed from aquasecurity/vuln-list-update
    /// `amazon/testdata/fixtures/updateinfo_AL2023.xml.gz` (ALAS2023-2023-001,
    /// as Amazon's repository serves it): two of its packages, two arches.
    const AL2023: &str = r#"<?xml version="1.0" ?>
<updates><update status="final" version="1.4" author="linux-security@amazon.com" type="security" from="linux-security@amazon.com"><id>ALAS2023-2023-001</id><title>Amazon Linux 2023 - ALAS2023-2023-001: Important priority package update for rsyslog</title><issued date="2023-02-17 20:41" /><updated date="2023-02-22 23:22" /><severity>Important</severity><description>Package updates are available for Amazon Linux 2023 that fix the following vulnerabilities:
CVE-2022-24903:
	A flaw was found in rsyslog's reception TCP modules.
</description><references><reference href="http://cve.mitre.org/cgi-bin/cvename.cgi?name=CVE-2014-3634" title="" id="CVE-2014-3634" type="cve" /><reference href="http://cve.mitre.org/cgi-bin/cvename.cgi?name=CVE-2022-24903" title="" id="CVE-2022-24903" type="cve" /></references><pkglist><collection short="amazon-linux-2023"><name>Amazon Linux 2023</name><package name="rsyslog" version="8.2204.0" release="3.amzn2023.0.2" epoch="0" arch="x86_64"><filename>Packages/rsyslog-8.2204.0-3.amzn2023.0.2.x86_64.rpm</filename></package><package name="rsyslog-openssl" version="8.2204.0" release="3.amzn2023.0.2" epoch="0" arch="x86_64"><filename>Packages/rsyslog-openssl-8.2204.0-3.amzn2023.0.2.x86_64.rpm</filename></package><package name="rsyslog" version="8.2204.0" release="3.amzn2023.0.2" epoch="0" arch="aarch64"><filename>Packages/rsyslog-8.2204.0-3.amzn2023.0.2.aarch64.rpm</filename></package></collection></pkglist></update></updates>"#;

    #[test]
    fn an_alas_becomes_one_record_per_advisory() {
        let records = convert("updateinfo.xml", AL2023.as_bytes()).unwrap();
        assert_eq!(records.len(), 1);
        let r = &records[0];
        assert_eq!(r.id, "ALAS2023-2023-001");
        assert_eq!(r.upstream, ["CVE-2014-3634", "CVE-2022-24903"]);
        assert_eq!(r.modified.as_deref(), Some("2023-02-22T23:22:00Z"));
        let pkgs: Vec<(&str, &str)> = r
            .affected
            .iter()
            .map(|a| {
                (
                    a.package.as_ref().unwrap().name.as_str(),
                    a.package.as_ref().unwrap().ecosystem.as_str(),
                )
            })
            .collect();
        assert_eq!(
            pkgs,
            [
                ("rsyslog", "Amazon Linux:2023"),
                ("rsyslog-openssl", "Amazon Linux:2023")
            ]
        );
        let v = serde_json::to_value(&r.affected[0].ranges).unwrap();
        assert_eq!(v[0]["events"][1]["fixed"], "8.2204.0-3.amzn2023.0.2");
        assert_eq!(
            r.references[0].url,
            "https://alas.aws.amazon.com/AL2023/ALAS-2023-001.html"
        );
    }

    #[test]
    fn releases_come_from_the_id() {
        assert_eq!(release("ALAS2-2018-939"), Some("2"));
        assert_eq!(release("ALAS2022-2021-001"), Some("2022"));
        assert_eq!(release("ALAS-2018-1065"), Some("1"));
        assert_eq!(release("RHSA-2018-1"), None);
    }

    #[test]
    fn broken_xml_is_an_error() {
        assert!(convert("u.xml", b"<updates><update><id>x</update>").is_err());
    }
}
