//! Oracle Linux's advisories (ELSA) from Oracle's OVAL file
//! (`com.oracle.elsa-all.xml`): one `<definition>` per advisory, its
//! CVEs as `<reference source="CVE">`, and a criteria tree whose comments
//! say which release (`Oracle Linux 9 is installed`) and which fixed build
//! (`openssl is earlier than 1:3.0.7-24.0.1.el9`) it is about, the same
//! comments Trivy's `vuln-list-update` reads. Read as a stream.

use super::super::osv::Record;
use quick_xml::events::{BytesStart, Event};
use serde_json::json;
use std::collections::BTreeMap;

#[derive(Default)]
struct Definition {
    id: String,
    title: String,
    description: String,
    severity: String,
    issued: String,
    cves: Vec<String>,
    /// (release, package) → fixed EVR.
    fixed: BTreeMap<(String, String), String>,
}

pub(super) fn convert(name: &str, content: &[u8]) -> Result<Vec<Record>, String> {
    let mut reader = quick_xml::Reader::from_reader(content);
    let mut buf = Vec::new();
    let mut records = Vec::new();
    let mut current: Option<Definition> = None;
    let mut text_of: Option<String> = None;
    // The release each open <criteria> is about (inherited from its parent).
    let mut releases: Vec<Option<String>> = Vec::new();
    loop {
        let event = reader
            .read_event_into(&mut buf)
            .map_err(|e| format!("not a readable OVAL file: {e}"))?;
        let empty = matches!(event, Event::Empty(_));
        match event {
            Event::Start(e) | Event::Empty(e) => {
                let tag = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                match (tag.as_str(), current.as_mut()) {
                    ("definition", _) if !empty => {
                        current = Some(Definition::default());
                        releases.clear();
                    }
                    ("reference", Some(d)) => match attr(&e, "source").as_str() {
                        "elsa" => d.id = attr(&e, "ref_id"),
                        "CVE" => d.cves.push(attr(&e, "ref_id")),
                        _ => {}
                    },
                    ("issued", Some(d)) => d.issued = attr(&e, "date"),
                    ("criteria", Some(_)) if !empty => {
                        releases.push(releases.last().cloned().flatten());
                    }
                    ("criterion", Some(d)) => {
                        criterion(d, &mut releases, &attr(&e, "comment"));
                    }
                    ("title" | "description" | "severity", Some(_)) if !empty => {
                        text_of = Some(tag);
                    }
                    _ => {}
                }
            }
            Event::Text(t) => {
                if let (Some(field), Some(d)) = (&text_of, current.as_mut()) {
                    let text = t.unescape().map(|c| c.into_owned()).unwrap_or_default();
                    match field.as_str() {
                        "title" => d.title.push_str(text.trim()),
                        "severity" => d.severity.push_str(text.trim()),
                        _ => d.description.push_str(&text),
                    }
                }
            }
            Event::End(e) => match e.local_name().as_ref() {
                b"definition" => {
                    if let Some(d) = current.take() {
                        match record(&d) {
                            Some(r) => records.push(r),
                            None => tracing::warn!(
                                "{name}: definition {:?} names no ELSA id or no fixed package; skipped",
                                d.id
                            ),
                        }
                    }
                }
                b"criteria" => {
                    releases.pop();
                }
                _ => text_of = None,
            },
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    Ok(records)
}

/// Reads one criterion's comment into the definition.
fn criterion(d: &mut Definition, releases: &mut [Option<String>], comment: &str) {
    if let Some(release) = comment
        .strip_prefix("Oracle Linux ")
        .and_then(|r| r.strip_suffix(" is installed"))
    {
        if let Some(top) = releases.last_mut() {
            *top = Some(release.to_string());
        }
    } else if let Some((package, fixed)) = comment.split_once(" is earlier than ") {
        if let Some(release) = releases.last().cloned().flatten() {
            d.fixed.insert(
                (release, package.trim().to_string()),
                fixed.trim().to_string(),
            );
        }
    }
}

fn attr(e: &BytesStart<'_>, key: &str) -> String {
    e.attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == key.as_bytes())
        .and_then(|a| a.unescape_value().ok().map(|v| v.into_owned()))
        .unwrap_or_default()
}

fn record(d: &Definition) -> Option<Record> {
    if d.id.is_empty() || d.fixed.is_empty() {
        return None;
    }
    let affected: Vec<_> = d
        .fixed
        .iter()
        .map(|((release, package), fixed)| {
            super::affected(&format!("Oracle Linux:{release}"), package, Some(fixed))
        })
        .collect();
    let issued = (d.issued.len() == 10).then(|| format!("{}T00:00:00Z", d.issued));
    let value = json!({
        "id": d.id,
        "modified": issued,
        "published": issued,
        "upstream": d.cves,
        "summary": d.title,
        "details": d.description.trim(),
        "affected": affected,
        "references": [{"type": "ADVISORY", "url": format!("https://linux.oracle.com/errata/{}.html", d.id)}],
        "database_specific": {"severity": d.severity},
    });
    serde_json::from_value(value).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Trimmed from aquasecurity/vuln-list-update
    /// `oracle/oval/testdata/ELSA-2007-0057.xml` (Oracle's OVAL for
    /// ELSA-2007-0057): two of its eight packages; the tests, objects and
    /// states sections left out (only the criteria's comments are read).
    const ELSA: &str = r#"<oval_definitions xmlns="http://oval.mitre.org/XMLSchema/oval-definitions-5" xmlns:oval="http://oval.mitre.org/XMLSchema/oval-common-5">
<generator>
<oval:product_name>Oracle Errata System</oval:product_name>
<oval:product_version>Oracle Linux</oval:product_version>
</generator>
<definitions>
<definition id="oval:com.oracle.elsa:def:20070057" version="501" class="patch">
<metadata>
<title>
ELSA-2007-0057:  Moderate: bind security update  (MODERATE)
</title>
<affected family="unix">
<platform>Oracle Linux 5</platform>
</affected>
<reference source="elsa" ref_id="ELSA-2007-0057" ref_url="http://linux.oracle.com/errata/ELSA-2007-0057.html"/>
<reference source="CVE" ref_id="CVE-2007-0493" ref_url="http://linux.oracle.com/cve/CVE-2007-0493.html"/>
<reference source="CVE" ref_id="CVE-2007-0494" ref_url="http://linux.oracle.com/cve/CVE-2007-0494.html"/>
<description>
 [30:9.3.3-8]
 - added fix for #224445 - CVE-2007-0493 BIND might crash after
</description>
<advisory>
<severity>MODERATE</severity>
<rights>Copyright 2007 Oracle, Inc.</rights>
<issued date="2007-06-26"/>
<cve href="http://linux.oracle.com/cve/CVE-2007-0493.html">CVE-2007-0493</cve>
</advisory>
</metadata>
<criteria operator="AND">
<criterion test_ref="oval:com.oracle.elsa:tst:20070057001" comment="Oracle Linux 5 is installed"/>
<criteria operator="OR">
<criteria operator="AND">
<criterion test_ref="oval:com.oracle.elsa:tst:20070057002" comment="bind-devel is earlier than 30:9.3.3-8.el5"/>
<criterion test_ref="oval:com.oracle.elsa:tst:20070057003" comment="bind-devel is signed with the Oracle Linux 5 key"/>
</criteria>
<criteria operator="AND">
<criterion test_ref="oval:com.oracle.elsa:tst:20070057014" comment="bind is earlier than 30:9.3.3-8.el5"/>
<criterion test_ref="oval:com.oracle.elsa:tst:20070057015" comment="bind is signed with the Oracle Linux 5 key"/>
</criteria>
</criteria>
</criteria>
</definition>
</definitions>
</oval_definitions>"#;

    #[test]
    fn an_elsa_becomes_one_record_with_its_release_and_fixed_builds() {
        let records = convert("com.oracle.elsa-all.xml", ELSA.as_bytes()).unwrap();
        assert_eq!(records.len(), 1);
        let r = &records[0];
        assert_eq!(r.id, "ELSA-2007-0057");
        assert_eq!(r.upstream, ["CVE-2007-0493", "CVE-2007-0494"]);
        assert_eq!(r.published.as_deref(), Some("2007-06-26T00:00:00Z"));
        assert_eq!(
            r.summary.as_deref(),
            Some("ELSA-2007-0057:  Moderate: bind security update  (MODERATE)")
        );
        let got: Vec<String> = r
            .affected
            .iter()
            .map(|a| {
                let p = a.package.as_ref().unwrap();
                let v = serde_json::to_value(&a.ranges).unwrap();
                format!("{} {} {}", p.ecosystem, p.name, v[0]["events"][1]["fixed"])
            })
            .collect();
        assert_eq!(
            got,
            [
                "Oracle Linux:5 bind \"30:9.3.3-8.el5\"",
                "Oracle Linux:5 bind-devel \"30:9.3.3-8.el5\""
            ]
        );
    }

    #[test]
    fn broken_xml_is_an_error() {
        assert!(convert(
            "x.xml",
            b"<oval_definitions><definition></oval_definitions>"
        )
        .is_err());
    }
}
