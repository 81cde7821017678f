//! OSV records (<https://ossf.github.io/osv-schema/>) as serde types.
//!
//! Reading is tolerant: unknown fields are ignored, every optional field may
//! be missing, and `null` stands for "absent" in lists. Only `id` is truly
//! required. Ecosystem names stay strings here: a record for an ecosystem
//! scangate does not know is still a record (see [`Package::ecosystem`] for
//! the typed view).
//!
//! Writing skips absent fields, so a record serialises back to the OSV JSON
//! it came from (less the fields scangate does not model).

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use crate::ecosystem::{Ecosystem, UnknownEcosystem};

/// One OSV record (an advisory).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    pub id: String,
    /// RFC 3339 time of the last change. Required by the schema; a record
    /// without it is kept but loses every "which is newer" comparison.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
    /// Set when the advisory was retracted: matching must ignore it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withdrawn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema_version: Option<String>,
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub aliases: Vec<String>,
    /// Records this one was derived from (a `DEBIAN-CVE-…` names its `CVE-…`).
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub upstream: Vec<String>,
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub related: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<String>,
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub severity: Vec<Severity>,
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub affected: Vec<Affected>,
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub references: Vec<Reference>,
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub credits: Vec<Credit>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database_specific: Option<Value>,
}

/// `severity[]`, at record or at affected-package level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Severity {
    /// `CVSS_V2`, `CVSS_V3`, `CVSS_V4`, `Ubuntu`, …
    #[serde(rename = "type")]
    pub kind: String,
    /// A CVSS vector, or the ecosystem's own rating (`medium`).
    pub score: String,
}

/// `affected[]`: one package and the versions of it the advisory covers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Affected {
    /// Absent only for records that describe a bare git repository.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package: Option<Package>,
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub severity: Vec<Severity>,
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub ranges: Vec<Range>,
    /// Exact affected versions, in the ecosystem's spelling.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub versions: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ecosystem_specific: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database_specific: Option<Value>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Package {
    /// The OSV ecosystem exactly as written (`Debian:12`, `PyPI`).
    pub ecosystem: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purl: Option<String>,
}

impl Package {
    /// The ecosystem as scangate's type; an error for ecosystems scangate
    /// does not know (such records are stored all the same).
    pub fn ecosystem(&self) -> Result<Ecosystem, UnknownEcosystem> {
        self.ecosystem.parse()
    }
}

/// `affected[].ranges[]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Range {
    #[serde(rename = "type")]
    pub kind: RangeType,
    /// The repository, for `GIT` ranges.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repo: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub events: Vec<Event>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database_specific: Option<Value>,
}

/// How the versions in a range's events are ordered.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum RangeType {
    /// The ecosystem's own version order.
    Ecosystem,
    /// SemVer 2.0 order.
    Semver,
    /// Commit hashes: not comparable without the repository.
    Git,
    /// A type this version of the schema does not know; kept as written.
    Other(String),
}

impl From<String> for RangeType {
    fn from(s: String) -> Self {
        match s.as_str() {
            "ECOSYSTEM" => RangeType::Ecosystem,
            "SEMVER" => RangeType::Semver,
            "GIT" => RangeType::Git,
            _ => RangeType::Other(s),
        }
    }
}

impl From<RangeType> for String {
    fn from(t: RangeType) -> Self {
        match t {
            RangeType::Ecosystem => "ECOSYSTEM".into(),
            RangeType::Semver => "SEMVER".into(),
            RangeType::Git => "GIT".into(),
            RangeType::Other(s) => s,
        }
    }
}

/// One `events[]` entry: an object with exactly one of these keys. A version
/// of `"0"` in `introduced` means "from the first version".
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    Introduced(String),
    Fixed(String),
    LastAffected(String),
    Limit(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reference {
    /// `ADVISORY`, `WEB`, `FIX`, `REPORT`, `PACKAGE`, …
    #[serde(rename = "type")]
    pub kind: String,
    pub url: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credit {
    pub name: String,
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub contact: Vec<String>,
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

/// `null` where a list is expected reads as the empty list.
fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vulndb::testutil::full_record_json;
    use serde_json::json;

    #[test]
    fn a_full_record_round_trips() {
        let v = full_record_json();
        let r: Record = serde_json::from_value(v.clone()).unwrap();
        assert_eq!(r.affected[0].ranges[0].kind, RangeType::Ecosystem);
        assert_eq!(
            r.affected[0].ranges[1].events,
            vec![
                Event::Introduced("abc".into()),
                Event::LastAffected("def".into()),
                Event::Limit("fff".into())
            ]
        );
        assert_eq!(
            r.affected[0].ranges[2].kind,
            RangeType::Other("FUTURE_TYPE".into())
        );
        assert_eq!(
            r.affected[0].package.as_ref().unwrap().ecosystem().unwrap(),
            "Debian:12".parse().unwrap()
        );
        assert_eq!(serde_json::to_value(&r).unwrap(), v);
    }

    #[test]
    fn missing_and_null_optionals_and_unknown_fields_are_fine() {
        let r: Record = serde_json::from_value(json!({
            "id": "X-1",
            "aliases": null,
            "affected": [{"package": {"ecosystem": "Gentoo", "name": "foo"}, "ranges": null}],
            "some_future_field": {"a": 1}
        }))
        .unwrap();
        assert_eq!(r.modified, None);
        assert!(r.aliases.is_empty());
        assert!(r.affected[0].package.as_ref().unwrap().ecosystem().is_err());
        assert_eq!(
            serde_json::to_value(&r).unwrap(),
            json!({"id": "X-1", "affected": [{"package": {"ecosystem": "Gentoo", "name": "foo"}}]})
        );
    }

    #[test]
    fn a_record_without_id_or_with_a_bad_event_is_an_error() {
        assert!(serde_json::from_value::<Record>(json!({"modified": "x"})).is_err());
        assert!(serde_json::from_value::<Record>(json!({
            "id": "X", "affected": [{"ranges": [{"type": "SEMVER", "events": [{"introduced": "1", "fixed": "2"}]}]}]
        }))
        .is_err());
    }
}
