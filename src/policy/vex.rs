//! OpenVEX documents (https://github.com/openvex/spec): a supplier's word
//! that a vulnerability does not affect a product (`not_affected`) or was
//! fixed in it (`fixed`). Such a statement suppresses the findings it names,
//! and the report keeps its status and justification so the suppression
//! stays auditable.
//!
//! A statement applies to a finding when its vulnerability (`name` or
//! `@id`, or one of its `aliases`) is the finding's id or an alias, and a
//! product names the finding's package: the product's purl itself, or the
//! purl of one of its `subcomponents` (an image `pkg:oci/…` listing the
//! package). The image purl is not compared with the scanned image: a
//! document passed with `--vex` is taken to be about it. Statements are a
//! sequence in time: of those applying to a finding, the one with the
//! latest timestamp (a statement's own, else its document's) decides, and
//! a later `affected` or `under_investigation` undoes an earlier
//! `not_affected`.

use super::purl_match::Purl;
use super::{Suppression, SuppressionSource, Suppressor};
use crate::error::{Error, Result};
use crate::finding::Finding;
use crate::vulndb::time::parse_rfc3339;
use serde_json::Value;
use std::path::Path;

/// Every statement of the `--vex` documents, in reading order.
#[derive(Debug, Default)]
pub struct Vex {
    statements: Vec<Statement>,
}

#[derive(Debug)]
struct Statement {
    /// The document it came from, as the user named it.
    path: String,
    /// The vulnerability's name as written, then its other ids.
    ids: Vec<String>,
    products: Vec<Product>,
    status: Status,
    /// Status, justification and impact statement, for the report.
    reason: String,
    /// Nanoseconds since the epoch; `i64::MIN` when neither the statement
    /// nor its document says.
    timestamp: i64,
}

#[derive(Debug)]
struct Product {
    purl: Option<Purl>,
    subcomponents: Vec<Purl>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    NotAffected,
    Affected,
    Fixed,
    UnderInvestigation,
}

impl Vex {
    /// Reads every document. A file that is not an OpenVEX document is a
    /// usage error naming it; a malformed statement is skipped with a
    /// warning naming the file and the statement's position.
    pub fn load(paths: &[impl AsRef<Path>]) -> Result<Vex> {
        let mut vex = Vex::default();
        for path in paths {
            let path = path.as_ref();
            let text = crate::text_file::read(path, "--vex", "VEX document")?;
            vex.add(&path.display().to_string(), &text)?;
        }
        Ok(vex)
    }

    /// Adds the statements of one document.
    fn add(&mut self, path: &str, text: &str) -> Result<()> {
        let not_vex = |why: String| Error::Usage(format!("{path}: not an OpenVEX document: {why}"));
        let doc: Value = serde_json::from_str(text).map_err(|e| not_vex(e.to_string()))?;
        let context = doc.get("@context").and_then(Value::as_str).unwrap_or("");
        if !context.starts_with("https://openvex.dev/ns") {
            return Err(not_vex(
                "its @context is not https://openvex.dev/ns (CycloneDX and CSAF VEX are not read)"
                    .into(),
            ));
        }
        let Some(statements) = doc.get("statements").and_then(Value::as_array) else {
            return Err(not_vex("it has no statements[]".into()));
        };
        let doc_time = timestamp(&doc);
        for (n, raw) in (1..).zip(statements) {
            match statement(path, raw, doc_time) {
                Ok(s) => self.statements.push(s),
                Err(why) => {
                    tracing::warn!("{path}: statement {n}: {why}; the statement is skipped")
                }
            }
        }
        Ok(())
    }
}

impl Suppressor for Vex {
    fn suppression(&self, finding: &Finding) -> Option<Suppression> {
        let target = Purl::parse(&finding.package()?.purl)?;
        let mut latest: Option<&Statement> = None;
        for s in self
            .statements
            .iter()
            .filter(|s| s.names(finding) && s.covers(&target))
        {
            // Equal timestamps: the later statement (in reading order) wins.
            if latest.is_none_or(|l| s.timestamp >= l.timestamp) {
                latest = Some(s);
            }
        }
        let s = latest.filter(|s| matches!(s.status, Status::NotAffected | Status::Fixed))?;
        Some(Suppression {
            source: SuppressionSource::Vex,
            path: s.path.clone(),
            rule: s.ids.first().cloned().unwrap_or_default(),
            statement: Some(s.reason.clone()),
        })
    }
}

impl Statement {
    fn names(&self, finding: &Finding) -> bool {
        finding.ids().any(|id| self.ids.iter().any(|v| v == id))
    }

    fn covers(&self, package: &Purl) -> bool {
        self.products.iter().any(|p| {
            p.purl.as_ref().is_some_and(|purl| purl.matches(package))
                || p.subcomponents.iter().any(|sub| sub.matches(package))
        })
    }
}

/// `timestamp` of a document or statement, in nanoseconds.
fn timestamp(v: &Value) -> Option<i64> {
    v.get("timestamp")
        .and_then(Value::as_str)
        .and_then(parse_rfc3339)
}

fn statement(path: &str, raw: &Value, doc_time: Option<i64>) -> Result<Statement, String> {
    let ids = vulnerability_ids(raw.get("vulnerability"))?;
    let status_text = raw
        .get("status")
        .and_then(Value::as_str)
        .ok_or("it has no status")?;
    let status = match status_text {
        "not_affected" => Status::NotAffected,
        "affected" => Status::Affected,
        "fixed" => Status::Fixed,
        "under_investigation" => Status::UnderInvestigation,
        other => return Err(format!("unknown status {other:?}")),
    };
    let products: Vec<Product> = raw
        .get("products")
        .and_then(Value::as_array)
        .ok_or("it has no products[]")?
        .iter()
        .map(product)
        .collect();
    if products.is_empty() {
        return Err("its products[] is empty".into());
    }
    let timestamp = match raw.get("timestamp") {
        Some(Value::String(t)) => {
            parse_rfc3339(t).ok_or_else(|| format!("timestamp {t:?} is not RFC 3339"))?
        }
        _ => doc_time.unwrap_or(i64::MIN),
    };
    let text = |key: &str| {
        raw.get(key)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
    };
    let reason: Vec<&str> = [
        Some(status_text),
        text("justification"),
        text("impact_statement"),
        text("status_notes"),
    ]
    .into_iter()
    .flatten()
    .collect();
    Ok(Statement {
        path: path.to_string(),
        ids,
        products,
        status,
        reason: reason.join(": "),
        timestamp,
    })
}

/// The vulnerability's ids: v0.2 objects (`name`, `@id`, `aliases`) or the
/// v0.0.1 plain string.
fn vulnerability_ids(v: Option<&Value>) -> Result<Vec<String>, String> {
    let mut ids: Vec<String> = Vec::new();
    match v {
        Some(Value::String(s)) => ids.push(s.clone()),
        Some(Value::Object(o)) => {
            for key in ["name", "@id"] {
                if let Some(s) = o.get(key).and_then(Value::as_str) {
                    ids.push(s.to_string());
                }
            }
            if let Some(aliases) = o.get("aliases").and_then(Value::as_array) {
                ids.extend(aliases.iter().filter_map(Value::as_str).map(String::from));
            }
        }
        _ => {}
    }
    ids.retain(|s| !s.trim().is_empty());
    if ids.is_empty() {
        return Err("it names no vulnerability".into());
    }
    Ok(ids)
}

/// A product: a v0.2 object (`@id`, `identifiers.purl`, `subcomponents`)
/// or a v0.0.1 string. Identifiers that are not purls match nothing.
fn product(v: &Value) -> Product {
    let purl_of = |c: &Value| -> Option<Purl> {
        match c {
            Value::String(s) => Purl::parse(s),
            _ => c
                .get("@id")
                .and_then(Value::as_str)
                .and_then(Purl::parse)
                .or_else(|| {
                    c.pointer("/identifiers/purl")
                        .and_then(Value::as_str)
                        .and_then(Purl::parse)
                }),
        }
    };
    Product {
        purl: purl_of(v),
        subcomponents: v
            .get("subcomponents")
            .and_then(Value::as_array)
            .map(|subs| subs.iter().filter_map(purl_of).collect())
            .unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Detail;
    use crate::matching::severity::Severity;
    use crate::policy::tests::vuln;
    use serde_json::json;

    const SSL: &str = "pkg:deb/debian/libssl3";

    fn doc(statements: Value) -> String {
        json!({
            "@context": "https://openvex.dev/ns/v0.2.0",
            "@id": "https://example.test/vex-1",
            "author": "security@example.test",
            "timestamp": "2024-05-01T00:00:00Z",
            "version": 1,
            "statements": statements,
        })
        .to_string()
    }

    fn vex_of(docs: &[String]) -> Vex {
        let mut vex = Vex::default();
        for (i, d) in docs.iter().enumerate() {
            vex.add(&format!("vex{i}.json"), d)
                .expect("an OpenVEX document");
        }
        vex
    }

    fn ssl(id: &str) -> Finding {
        vuln(id, Severity::Critical, "libssl3", None)
    }

    #[test]
    fn not_affected_for_the_package_suppresses_with_its_justification() {
        let vex = vex_of(&[doc(json!([{
            "vulnerability": { "name": "CVE-1" },
            "products": [{ "@id": SSL }],
            "status": "not_affected",
            "justification": "vulnerable_code_not_in_execute_path",
            "impact_statement": "we never call it",
        }]))]);
        let s = vex.suppression(&ssl("CVE-1")).expect("suppressed");
        assert_eq!(s.source, SuppressionSource::Vex);
        assert_eq!(s.path, "vex0.json");
        assert_eq!(s.rule, "CVE-1");
        assert_eq!(
            s.statement.as_deref(),
            Some("not_affected: vulnerable_code_not_in_execute_path: we never call it")
        );
        assert!(
            vex.suppression(&ssl("CVE-2")).is_none(),
            "other vulnerability"
        );
        assert!(
            vex.suppression(&vuln("CVE-1", Severity::Low, "curl", None))
                .is_none(),
            "other package"
        );
    }

    #[test]
    fn an_image_product_suppresses_through_its_subcomponents_and_aliases() {
        let vex = vex_of(&[doc(json!([{
            "vulnerability": { "@id": "https://example.test/CVE-9", "name": "DEBIAN-CVE-9", "aliases": ["CVE-9"] },
            "products": [{
                "@id": "pkg:oci/app@sha256%3Aabc",
                "subcomponents": [{ "@id": "pkg:deb/debian/libssl3@1.0-1?arch=amd64" }],
            }],
            "status": "fixed",
        }]))]);
        let s = vex.suppression(&ssl("CVE-9")).expect("suppressed");
        assert_eq!(s.rule, "DEBIAN-CVE-9");
        assert_eq!(s.statement.as_deref(), Some("fixed"));
        // The subcomponent names version 1.0-1 only.
        let mut other = ssl("CVE-9");
        if let Detail::Vulnerability(p) = &mut other.detail {
            p.purl = "pkg:deb/debian/libssl3@2.0-1?arch=amd64".into();
        }
        assert!(vex.suppression(&other).is_none());
    }

    #[test]
    fn the_latest_statement_decides_across_documents() {
        let statement = |status: &str, ts: Option<&str>| {
            let mut s = json!({
                "vulnerability": { "name": "CVE-1" },
                "products": [{ "@id": SSL }],
                "status": status,
            });
            if let Some(ts) = ts {
                s["timestamp"] = json!(ts);
            }
            s
        };
        // A later `affected` undoes an earlier `not_affected`, whatever the
        // order they are read in.
        let vex = vex_of(&[
            doc(json!([statement("affected", Some("2024-06-01T00:00:00Z"))])),
            doc(json!([statement(
                "not_affected",
                Some("2024-05-15T00:00:00+02:00")
            )])),
        ]);
        assert!(vex.suppression(&ssl("CVE-1")).is_none());
        // The document's timestamp stands in for a statement's own.
        let vex = vex_of(&[doc(json!([
            statement("not_affected", Some("2024-06-01T00:00:00Z")),
            statement("under_investigation", None),
        ]))]);
        assert!(vex.suppression(&ssl("CVE-1")).is_some());
        // Equal timestamps: the later statement wins.
        let vex = vex_of(&[doc(json!([
            statement("affected", None),
            statement("not_affected", None),
        ]))]);
        assert!(vex.suppression(&ssl("CVE-1")).is_some());
    }

    #[test]
    fn malformed_statements_are_skipped_and_the_rest_kept() {
        let vex = vex_of(&[doc(json!([
            { "products": [{ "@id": SSL }], "status": "not_affected" },
            { "vulnerability": { "name": "CVE-1" }, "products": [{ "@id": SSL }], "status": "maybe" },
            { "vulnerability": { "name": "CVE-1" }, "status": "not_affected" },
            { "vulnerability": "CVE-2", "products": [SSL], "status": "not_affected" },
        ]))]);
        assert_eq!(vex.statements.len(), 1);
        assert!(vex.suppression(&ssl("CVE-2")).is_some(), "v0.0.1 strings");
    }

    #[test]
    fn a_document_that_is_not_openvex_is_a_usage_error() {
        for text in [
            "not json",
            r#"{"bomFormat": "CycloneDX", "vulnerabilities": []}"#,
            r#"{"@context": "https://openvex.dev/ns/v0.2.0"}"#,
        ] {
            let err = Vex::default().add("v.json", text).expect_err(text);
            assert!(matches!(err, Error::Usage(_)), "{err:?}");
            let msg = err.to_string();
            assert!(msg.starts_with("v.json: not an OpenVEX document"), "{msg}");
        }
    }
}
