//! Red Hat's CSAF VEX files (`https://security.access.redhat.com/data/csaf/v2/vex/`):
//! what Red Hat says about each CVE it has *not* fixed in a product. OSV's
//! Red Hat records are the RHSAs, so they only know fixed CVEs; an unfixed
//! one is simply missing, and the gate passes. Trivy builds its Red Hat
//! data from these same files (trivy-db `pkg/vulnsrc/redhat-csaf`), and
//! this reads them the way it does.
//!
//! One document per CVE (CSAF 2.0, `document.category: csaf_vex`), or
//! Red Hat's archive of all of them (`csaf_vex_YYYY-MM-DD.tar.zst`), which
//! is read as a stream, one document at a time. In a document:
//!
//! - `product_tree.relationships` say "package P is a component of product
//!   S": the package's `purl` (`pkg:rpm/redhat/vim-X11`) names it, the
//!   product's `cpe` (`cpe:/o:redhat:enterprise_linux:9`) the stream. A
//!   modular package is a component of a module stream that is itself a
//!   component of the product (`pkg:rpmmod/redhat/nodejs@18…`), or carries
//!   an `rpmmod` qualifier: both give `nodejs:18`, as trivy-db reads them;
//! - `vulnerabilities[0].remediations` give the state per product id:
//!   "Out of support scope" → `end_of_life`; any other `no_fix_planned`
//!   ("Will not fix") → `will_not_fix`; `none_available` "Deferred" (Red
//!   Hat's files write "Fix deferred") → `fix_deferred`, any other
//!   (`Affected`) → `affected`. A
//!   product in `product_status.known_affected` with no such remediation is
//!   `affected`; one `under_investigation` is `under_investigation`;
//! - `threats` of category `impact` give Red Hat's severity per product.
//!
//! Products with a version (the fixed builds: OSV's RHSAs already have
//! those) and non-rpm products (images) are skipped, as in trivy-db. Source
//! packages (`arch=src`) are kept, unlike trivy-db: Red Hat's files before
//! mid-2025 name only the source package of an unfixed component
//! (`pkg:rpm/redhat/curl?arch=src`), and every binary built from it is
//! affected; a state filed for the binary package itself wins over its
//! source's (see `matching`).
//!
//! Stored: one row per (binary package, module stream, product stream,
//! CVE) with its state, severity and title. Matching turns a row into a
//! finding for an installed package of an image whose streams the row's
//! stream covers (see [`stream_covers`]).

use super::documents::{self, Input};
use super::ensure_tables;
use crate::error::{Error, Result};
use crate::finding::Status;
use crate::inventory::purl::decode;
use crate::vulndb::store::VulnDb;
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::io::Read;

/// The whole archive, uncompressed, is a few GB; more than this is not it.
const MAX_BYTES: u64 = 32 << 30;
/// One document (the kernel's are the largest, a few MB).
const MAX_DOCUMENT: u64 = 64 << 20;
/// How deep a package's relationships may nest (package → module →
/// product is two).
const MAX_DEPTH: usize = 4;

#[derive(Deserialize)]
struct Document {
    document: Meta,
    #[serde(default)]
    product_tree: ProductTree,
    #[serde(default)]
    vulnerabilities: Vec<Vulnerability>,
}

#[derive(Deserialize)]
struct Meta {
    category: String,
    #[serde(default)]
    title: String,
}

#[derive(Deserialize, Default)]
struct ProductTree {
    #[serde(default)]
    branches: Vec<Branch>,
    #[serde(default)]
    full_product_names: Vec<Product>,
    #[serde(default)]
    relationships: Vec<Relationship>,
}

#[derive(Deserialize)]
struct Branch {
    #[serde(default)]
    branches: Vec<Branch>,
    product: Option<Product>,
}

#[derive(Deserialize)]
struct Product {
    product_id: String,
    #[serde(default)]
    product_identification_helper: Helper,
}

#[derive(Deserialize, Default)]
struct Helper {
    cpe: Option<String>,
    purl: Option<String>,
}

#[derive(Deserialize)]
struct Relationship {
    full_product_name: Product,
    product_reference: String,
    relates_to_product_reference: String,
}

#[derive(Deserialize)]
struct Vulnerability {
    cve: Option<String>,
    #[serde(default)]
    title: String,
    #[serde(default)]
    product_status: ProductStatus,
    #[serde(default)]
    remediations: Vec<Remediation>,
    #[serde(default)]
    threats: Vec<Threat>,
}

#[derive(Deserialize, Default)]
struct ProductStatus {
    #[serde(default)]
    known_affected: Vec<String>,
    #[serde(default)]
    under_investigation: Vec<String>,
}

#[derive(Deserialize)]
struct Remediation {
    category: String,
    details: Option<String>,
    #[serde(default)]
    product_ids: Vec<String>,
}

#[derive(Deserialize)]
struct Threat {
    category: String,
    details: Option<String>,
    #[serde(default)]
    product_ids: Vec<String>,
}

/// How a source package's rows are keyed (`src:curl`): rpm names hold no
/// `:`.
const SOURCE: &str = "src:";

/// One unfixed state, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VexState {
    pub cve: String,
    /// Filed for the source package the installed one was built from,
    /// not for the package itself.
    pub from_source: bool,
    /// The product stream, the CPE without `cpe:/o:redhat:`
    /// (`enterprise_linux:9`, `enterprise_linux:9::appstream`), as OSV's
    /// Red Hat ecosystems name streams.
    pub stream: String,
    pub status: Status,
    /// Red Hat's impact: `Low`, `Moderate`, `Important`, `Critical`, or
    /// empty.
    pub impact: String,
    pub title: String,
}

/// A stored row before insertion: the package and module it is about.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Row {
    package: String,
    module: String,
    stream: String,
    cve: String,
    status: String,
    impact: String,
    title: String,
}

/// What a remediation says about its products; `None` for the categories
/// that are not an unfixed state (`vendor_fix`, `workaround`, ...).
fn remediation_status(r: &Remediation) -> Option<Status> {
    let details = r
        .details
        .as_deref()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let unfixed = matches!(r.category.as_str(), "no_fix_planned" | "none_available");
    Some(match r.category.as_str() {
        _ if !unfixed => return None,
        _ if details == "out of support scope" => Status::EndOfLife,
        "no_fix_planned" => Status::WillNotFix,
        _ if details == "deferred" || details == "fix deferred" => Status::FixDeferred,
        _ => Status::Affected,
    })
}

/// The parts of a package URL this needs.
struct Purl {
    ty: String,
    name: String,
    version: Option<String>,
    qualifiers: BTreeMap<String, String>,
}

fn parse_purl(s: &str) -> Option<Purl> {
    let rest = s.trim().strip_prefix("pkg:")?;
    let (rest, query) = match rest.split_once('?') {
        Some((r, q)) => (r, q),
        None => (rest, ""),
    };
    let (path, version) = match rest.rsplit_once('@') {
        Some((p, v)) => (p, Some(decode(v)?).filter(|v| !v.is_empty())),
        None => (rest, None),
    };
    let (ty, path) = path.split_once('/')?;
    let name = decode(path.rsplit('/').next()?)?;
    let mut qualifiers = BTreeMap::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=')?;
        qualifiers.insert(k.to_ascii_lowercase(), decode(v)?);
    }
    (!name.is_empty()).then(|| Purl {
        ty: ty.to_ascii_lowercase(),
        name,
        version,
        qualifiers,
    })
}

/// `nodejs:18:8090020231019152822:a75119d5` → `nodejs:18`.
fn module_stream(text: &str) -> Option<String> {
    let mut parts = text.split(':');
    let (name, stream) = (parts.next()?, parts.next()?);
    (!name.is_empty() && !stream.is_empty()).then(|| format!("{name}:{stream}"))
}

/// The product tree, indexed.
struct Tree<'a> {
    helpers: HashMap<&'a str, &'a Helper>,
    relationships: HashMap<&'a str, &'a Relationship>,
}

/// A product id resolved to a package of a stream: a binary rpm's name,
/// or `src:` and a source rpm's.
struct Resolved {
    package: String,
    module: String,
    stream: String,
}

impl<'a> Tree<'a> {
    fn new(tree: &'a ProductTree) -> Tree<'a> {
        let mut helpers = HashMap::new();
        let mut stack: Vec<&Branch> = tree.branches.iter().collect();
        // The first product of an id wins, as in trivy-db.
        for p in &tree.full_product_names {
            helpers
                .entry(p.product_id.as_str())
                .or_insert(&p.product_identification_helper);
        }
        while let Some(b) = stack.pop() {
            if let Some(p) = &b.product {
                helpers
                    .entry(p.product_id.as_str())
                    .or_insert(&p.product_identification_helper);
            }
            stack.extend(b.branches.iter().rev());
        }
        let relationships = tree
            .relationships
            .iter()
            .map(|r| (r.full_product_name.product_id.as_str(), r))
            .collect();
        Tree {
            helpers,
            relationships,
        }
    }

    /// The package and stream a product id stands for, when it is an
    /// unversioned rpm of a Red Hat product.
    fn resolve(&self, product_id: &str) -> Option<Resolved> {
        let rel = self.relationships.get(product_id)?;
        let purl = parse_purl(
            self.helpers
                .get(rel.product_reference.as_str())?
                .purl
                .as_deref()?,
        )?;
        if purl.ty != "rpm" || purl.version.is_some() {
            return None;
        }
        let source = purl.qualifiers.get("arch").is_some_and(|a| a == "src");
        let (cpe, module) = self.relates_to(&rel.relates_to_product_reference, 0)?;
        let module = module
            .or_else(|| purl.qualifiers.get("rpmmod").and_then(|m| module_stream(m)))
            .unwrap_or_default();
        let stream = cpe
            .strip_prefix("cpe:/o:redhat:")
            .or_else(|| cpe.strip_prefix("cpe:/a:redhat:"))?
            .to_string();
        Some(Resolved {
            package: match source {
                true => format!("{SOURCE}{}", purl.name),
                false => purl.name,
            },
            module,
            stream,
        })
    }

    /// The CPE of the product `id` is a component of, and the module
    /// stream in between when `id` is a module of that product.
    fn relates_to(&self, id: &str, depth: usize) -> Option<(String, Option<String>)> {
        if depth > MAX_DEPTH {
            return None;
        }
        match self.relationships.get(id) {
            Some(rel) => {
                let purl = parse_purl(
                    self.helpers
                        .get(rel.product_reference.as_str())?
                        .purl
                        .as_deref()?,
                )?;
                if purl.ty != "rpmmod" {
                    return None;
                }
                let stream = purl.version?.split(':').next()?.to_string();
                let (cpe, _) = self.relates_to(&rel.relates_to_product_reference, depth + 1)?;
                Some((cpe, Some(format!("{}:{stream}", purl.name))))
            }
            None => Some((self.helpers.get(id)?.cpe.clone()?, None)),
        }
    }
}

/// The rows of one document; an error says why it is not a CSAF VEX
/// document.
fn rows_of(bytes: &[u8]) -> std::result::Result<(String, Vec<Row>), String> {
    let doc: Document = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
    if doc.document.category != "csaf_vex" {
        return Err(format!(
            "document category {:?}, not csaf_vex",
            doc.document.category
        ));
    }
    let [vuln] = doc.vulnerabilities.as_slice() else {
        return Err(format!(
            "{} vulnerabilities, where Red Hat's VEX files have one",
            doc.vulnerabilities.len()
        ));
    };
    let cve = vuln
        .cve
        .clone()
        .filter(|c| c.starts_with("CVE-"))
        .ok_or("no CVE id")?;
    let title = if vuln.title.trim().is_empty() {
        doc.document.title.trim()
    } else {
        vuln.title.trim()
    };
    let title: String = title.chars().take(200).collect();
    let tree = Tree::new(&doc.product_tree);
    let mut impact: HashMap<&str, &str> = HashMap::new();
    for t in vuln.threats.iter().filter(|t| t.category == "impact") {
        for id in &t.product_ids {
            impact.insert(id, t.details.as_deref().unwrap_or(""));
        }
    }
    let mut states: BTreeMap<&str, Status> = BTreeMap::new();
    for r in &vuln.remediations {
        if let Some(status) = remediation_status(r) {
            for id in &r.product_ids {
                states.entry(id).or_insert(status);
            }
        }
    }
    for id in &vuln.product_status.known_affected {
        states.entry(id).or_insert(Status::Affected);
    }
    for id in &vuln.product_status.under_investigation {
        states.entry(id).or_insert(Status::UnderInvestigation);
    }
    let mut rows: Vec<Row> = states
        .into_iter()
        .filter_map(|(id, status)| {
            let r = tree.resolve(id)?;
            Some(Row {
                package: r.package,
                module: r.module,
                stream: r.stream,
                cve: cve.clone(),
                status: status.as_str().to_string(),
                impact: impact.get(id).copied().unwrap_or("").to_string(),
                title: title.clone(),
            })
        })
        .collect();
    // Several product ids can resolve to one package of one stream.
    rows.sort();
    rows.dedup_by(|a, b| (&a.package, &a.module, &a.stream) == (&b.package, &b.module, &b.stream));
    Ok((cve, rows))
}

/// Whether a row of product stream `row` applies to an image of stream
/// `image`: equal, or `row` is the CPE of the whole release
/// (`enterprise_linux:9`) and `image` one of its repositories
/// (`enterprise_linux:9::appstream`). CPE 2.2 names match this way (an
/// absent trailing part is "any"), and Red Hat files unfixed states under
/// the release's CPE while content manifests name repositories.
pub fn stream_covers(row: &str, image: &str) -> bool {
    row == image
        || image
            .strip_prefix(row)
            .is_some_and(|rest| rest.starts_with(':'))
}

/// Imports one VEX document, or an archive (tar) of them. A document
/// replaces the stored states of its CVE; an archive replaces them all.
/// Returns the rows stored. A document (or an archive member) that is not
/// CSAF VEX is skipped with a warning in an archive and an error naming
/// `file` on its own.
pub fn import(db: &mut VulnDb, reader: impl Read, file: &str) -> Result<u64> {
    let input = documents::open(reader, file, MAX_BYTES)?;
    let path = db.path.clone();
    let db_err = |e: rusqlite::Error| crate::vulndb::schema::db_error(&path, e);
    let tx = db.conn.transaction().map_err(db_err)?;
    ensure_tables(&tx, &path)?;
    let mut insert = tx
        .prepare(
            "INSERT OR REPLACE INTO redhat_vex (package, module, stream, cve, status, impact, title) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )
        .map_err(db_err)?;
    let mut store = |rows: &[Row]| -> Result<u64> {
        for r in rows {
            insert
                .execute((
                    &r.package, &r.module, &r.stream, &r.cve, &r.status, &r.impact, &r.title,
                ))
                .map_err(db_err)?;
        }
        Ok(rows.len() as u64)
    };
    let stored = match input {
        Input::Archive(mut archive) => {
            tx.execute("DELETE FROM redhat_vex", []).map_err(db_err)?;
            documents::each_member(
                &mut archive,
                file,
                MAX_DOCUMENT,
                |name| name.ends_with(".json"),
                "no Red Hat CSAF VEX document in the archive",
                |bytes| match rows_of(bytes) {
                    Ok((_, rows)) => store(&rows).map(Ok),
                    Err(why) => Ok(Err(why)),
                },
            )?
        }
        Input::Single(reader) => {
            let bytes = documents::read_bounded(reader, MAX_DOCUMENT)
                .map_err(|e| Error::io(file, e))?
                .ok_or_else(|| {
                    let why = documents::too_large(MAX_DOCUMENT);
                    Error::input(file, format!("{why}: not one VEX document"))
                })?;
            let (cve, rows) = rows_of(&bytes).map_err(|why| {
                Error::input(file, format!("not a Red Hat CSAF VEX document: {why}"))
            })?;
            tx.execute("DELETE FROM redhat_vex WHERE cve = ?1", [&cve])
                .map_err(db_err)?;
            store(&rows)?
        }
    };
    drop(insert);
    tx.commit().map_err(db_err)?;
    Ok(stored)
}

impl VulnDb {
    /// Red Hat's unfixed states of binary package `package` built from
    /// source package `source` (of module stream `module`, `nodejs:18`, or
    /// none), every stream's: those filed for the package and those filed
    /// for its source.
    pub fn redhat_vex_states(
        &self,
        package: &str,
        source: &str,
        module: Option<&str>,
    ) -> Result<Vec<VexState>> {
        if !self.has_table(super::Feed::RedHatVex)? {
            return Ok(Vec::new());
        }
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT cve, stream, status, impact, title, package FROM redhat_vex WHERE package IN (?1, ?2) AND module = ?3 ORDER BY cve, stream, package",
            )
            .map_err(|e| self.err(e))?;
        let source = format!("{SOURCE}{source}");
        let rows = stmt
            .query_map((package, &source, module.unwrap_or("")), |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                ))
            })
            .map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for row in rows {
            let (cve, stream, status, impact, title, filed) = row.map_err(|e| self.err(e))?;
            if let Ok(status) = status.parse() {
                out.push(VexState {
                    cve,
                    from_source: filed.starts_with(SOURCE),
                    stream,
                    status,
                    impact,
                    title,
                });
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use serde_json::{json, Value};

    /// A VEX document in the shape of Red Hat's published files (CSAF 2.0,
    /// as `security.access.redhat.com/data/csaf/v2/vex/2023/cve-2023-5344.json`,
    /// mirrored in `aquasecurity/vuln-list-redhat` at
    /// `csaf-vex/2023/cve-2023-5344.json`, commit 1c9cc12d): products
    /// `red_hat_enterprise_linux_N` with the release's CPE, packages as
    /// `product_version` branches with a purl, joined by
    /// `default_component_of` relationships.
    pub(crate) fn sample() -> Value {
        let product = |id: &str, cpe: &str| {
            json!({"category": "product_family", "name": id, "branches": [{
                "category": "product_name", "name": id,
                "product": {"name": id, "product_id": id, "product_identification_helper": {"cpe": cpe}}
            }]})
        };
        let package = |id: &str, purl: &str| {
            json!({"category": "product_version", "name": id,
                "product": {"name": id, "product_id": id, "product_identification_helper": {"purl": purl}}})
        };
        let rel = |pkg: &str, of: &str| {
            json!({"category": "default_component_of",
                "full_product_name": {"name": format!("{pkg} as a component of {of}"), "product_id": format!("{of}:{pkg}")},
                "product_reference": pkg, "relates_to_product_reference": of})
        };
        json!({
            "document": {
                "category": "csaf_vex", "csaf_version": "2.0",
                "publisher": {"category": "vendor", "name": "Red Hat Product Security", "namespace": "https://www.redhat.com"},
                "title": "vim: Heap-based Buffer Overflow in trunc_string()",
                "tracking": {"id": "CVE-2023-5344", "status": "final", "version": "3"}
            },
            "product_tree": {"branches": [{"category": "vendor", "name": "Red Hat", "branches": [
                product("red_hat_enterprise_linux_7", "cpe:/o:redhat:enterprise_linux:7"),
                product("red_hat_enterprise_linux_8", "cpe:/o:redhat:enterprise_linux:8"),
                product("red_hat_enterprise_linux_9", "cpe:/o:redhat:enterprise_linux:9"),
                package("vim", "pkg:rpm/redhat/vim?arch=src"),
                package("vim-minimal", "pkg:rpm/redhat/vim-minimal"),
                package("vim-enhanced", "pkg:rpm/redhat/vim-enhanced"),
                package("vim-minimal-2:8.2.2637-21.el9.x86_64", "pkg:rpm/redhat/vim-minimal@8.2.2637-21.el9?arch=x86_64&epoch=2"),
            ]}],
            "relationships": [
                rel("vim", "red_hat_enterprise_linux_9"),
                rel("vim-minimal", "red_hat_enterprise_linux_7"),
                rel("vim-minimal", "red_hat_enterprise_linux_8"),
                rel("vim-minimal", "red_hat_enterprise_linux_9"),
                rel("vim-enhanced", "red_hat_enterprise_linux_9"),
                rel("vim-minimal-2:8.2.2637-21.el9.x86_64", "red_hat_enterprise_linux_9"),
            ]},
            "vulnerabilities": [{
                "cve": "CVE-2023-5344",
                "title": "vim: Heap-based Buffer Overflow in trunc_string()",
                "product_status": {"known_affected": [
                    "red_hat_enterprise_linux_7:vim-minimal",
                    "red_hat_enterprise_linux_8:vim-minimal",
                    "red_hat_enterprise_linux_9:vim",
                    "red_hat_enterprise_linux_9:vim-minimal",
                    "red_hat_enterprise_linux_9:vim-enhanced"
                ]},
                "remediations": [
                    {"category": "workaround", "details": "Do not run untrusted scripts.", "product_ids": ["red_hat_enterprise_linux_9:vim-minimal"]},
                    {"category": "no_fix_planned", "details": "Out of support scope", "product_ids": ["red_hat_enterprise_linux_7:vim-minimal"]},
                    {"category": "no_fix_planned", "details": "Will not fix", "product_ids": ["red_hat_enterprise_linux_8:vim-minimal", "red_hat_enterprise_linux_9:vim", "red_hat_enterprise_linux_9:vim-minimal"]},
                    {"category": "vendor_fix", "url": "https://access.redhat.com/errata/RHSA-2099:0001", "product_ids": ["red_hat_enterprise_linux_9:vim-minimal-2:8.2.2637-21.el9.x86_64"]}
                ],
                "threats": [{"category": "impact", "details": "Low", "product_ids": [
                    "red_hat_enterprise_linux_7:vim-minimal", "red_hat_enterprise_linux_8:vim-minimal",
                    "red_hat_enterprise_linux_9:vim-minimal", "red_hat_enterprise_linux_9:vim-enhanced"]}]
            }]
        })
    }

    /// The states filed for `package` itself.
    fn states(db: &VulnDb, package: &str) -> Vec<(String, &'static str, String)> {
        db.redhat_vex_states(package, "-", None)
            .unwrap()
            .into_iter()
            .map(|s| (s.stream, s.status.as_str(), s.impact))
            .collect()
    }

    #[test]
    fn remediations_become_trivys_states_per_stream() {
        let mut db = VulnDb::open_in_memory().unwrap();
        let text = serde_json::to_vec(&sample()).unwrap();
        assert_eq!(import(&mut db, &text[..], "cve-2023-5344.json").unwrap(), 5);
        let s = |stream: &str, status: &'static str, impact: &str| {
            (stream.to_string(), status, impact.to_string())
        };
        assert_eq!(
            states(&db, "vim-minimal"),
            [
                s("enterprise_linux:7", "end_of_life", "Low"),
                s("enterprise_linux:8", "will_not_fix", "Low"),
                s("enterprise_linux:9", "will_not_fix", "Low"),
            ]
        );
        assert_eq!(
            states(&db, "vim-enhanced"),
            [s("enterprise_linux:9", "affected", "Low")],
            "known_affected without a remediation"
        );
        assert!(states(&db, "vim").is_empty(), "filed for the source");
        let rows = db.redhat_vex_states("vim-minimal", "vim", None).unwrap();
        assert_eq!(rows.len(), 4);
        assert_eq!(rows[0].cve, "CVE-2023-5344");
        assert_eq!(
            rows[0].title,
            "vim: Heap-based Buffer Overflow in trunc_string()"
        );
        let source: Vec<_> = rows.iter().filter(|r| r.from_source).collect();
        assert_eq!(source.len(), 1);
        assert_eq!(
            (source[0].stream.as_str(), source[0].status),
            ("enterprise_linux:9", Status::WillNotFix)
        );

        // The same CVE again replaces its rows; something else is an
        // error naming the file and changes nothing.
        let mut next = sample();
        next["vulnerabilities"][0]["remediations"][2]["details"] = "Deferred".into();
        next["vulnerabilities"][0]["remediations"][2]["category"] = "none_available".into();
        let text = serde_json::to_vec(&next).unwrap();
        assert_eq!(import(&mut db, &text[..], "x.json").unwrap(), 5);
        assert_eq!(states(&db, "vim-minimal")[1].1, "fix_deferred");
        let err = import(
            &mut db,
            &br#"{"document": {"category": "csaf_security_advisory"}, "vulnerabilities": []}"#[..],
            "rhsa.json",
        )
        .unwrap_err();
        assert!(err.to_string().contains("rhsa.json"), "{err}");
        assert!(import(&mut db, &b"{"[..], "t.json").is_err());
        assert_eq!(states(&db, "vim-minimal").len(), 3);
    }

    /// Module streams, as trivy-db's test data writes them
    /// (`pkg/vulnsrc/redhat-csaf/testdata`): a package that is a
    /// component of a module stream (`pkg:rpmmod/…`) that is a component
    /// of the product, or a package purl with an `rpmmod` qualifier.
    #[test]
    fn modular_packages_are_keyed_by_their_stream() {
        let doc = json!({
            "document": {"category": "csaf_vex", "title": "nodejs: flaw"},
            "product_tree": {"branches": [{"category": "vendor", "name": "Red Hat", "branches": [
                {"category": "product_name", "name": "RHEL 8", "product": {"name": "RHEL 8", "product_id": "red_hat_enterprise_linux_8",
                    "product_identification_helper": {"cpe": "cpe:/a:redhat:enterprise_linux:8"}}},
                {"category": "product_version", "name": "nodejs:18", "product": {"name": "nodejs:18", "product_id": "nodejs:18",
                    "product_identification_helper": {"purl": "pkg:rpmmod/redhat/nodejs@18"}}},
                {"category": "product_version", "name": "nodejs", "product": {"name": "nodejs", "product_id": "nodejs",
                    "product_identification_helper": {"purl": "pkg:rpm/redhat/nodejs"}}},
                {"category": "product_version", "name": "npm", "product": {"name": "npm", "product_id": "npm",
                    "product_identification_helper": {"purl": "pkg:rpm/redhat/npm?rpmmod=nodejs:20:8100020240807161023:a75119d5"}}}
            ]}],
            "relationships": [
                {"category": "default_component_of", "full_product_name": {"name": "m", "product_id": "red_hat_enterprise_linux_8:nodejs:18"},
                 "product_reference": "nodejs:18", "relates_to_product_reference": "red_hat_enterprise_linux_8"},
                {"category": "default_component_of", "full_product_name": {"name": "p", "product_id": "red_hat_enterprise_linux_8:nodejs:18/nodejs"},
                 "product_reference": "nodejs", "relates_to_product_reference": "red_hat_enterprise_linux_8:nodejs:18"},
                {"category": "default_component_of", "full_product_name": {"name": "q", "product_id": "red_hat_enterprise_linux_8:npm"},
                 "product_reference": "npm", "relates_to_product_reference": "red_hat_enterprise_linux_8"}
            ]},
            "vulnerabilities": [{"cve": "CVE-2024-0001",
                "remediations": [{"category": "none_available", "details": "Affected",
                    "product_ids": ["red_hat_enterprise_linux_8:nodejs:18/nodejs", "red_hat_enterprise_linux_8:npm"]}]}]
        });
        let mut db = VulnDb::open_in_memory().unwrap();
        let text = serde_json::to_vec(&doc).unwrap();
        assert_eq!(import(&mut db, &text[..], "d.json").unwrap(), 2);
        assert!(db
            .redhat_vex_states("nodejs", "nodejs", None)
            .unwrap()
            .is_empty());
        let node = db
            .redhat_vex_states("nodejs", "nodejs", Some("nodejs:18"))
            .unwrap();
        assert_eq!(node[0].stream, "enterprise_linux:8");
        assert_eq!(node[0].status, Status::Affected);
        assert_eq!(
            db.redhat_vex_states("npm", "nodejs", Some("nodejs:20"))
                .unwrap()
                .len(),
            1
        );
    }

    #[test]
    fn a_release_cpe_covers_its_repositories() {
        assert!(stream_covers(
            "enterprise_linux:9",
            "enterprise_linux:9::appstream"
        ));
        assert!(stream_covers(
            "enterprise_linux:9::baseos",
            "enterprise_linux:9::baseos"
        ));
        assert!(!stream_covers(
            "enterprise_linux:9::baseos",
            "enterprise_linux:9::appstream"
        ));
        assert!(!stream_covers(
            "enterprise_linux:8",
            "enterprise_linux:8.6::baseos"
        ));
        assert!(!stream_covers(
            "enterprise_linux:9::appstream",
            "enterprise_linux:9"
        ));
    }

    #[test]
    fn an_archive_replaces_everything_and_skips_what_is_not_vex() {
        let mut db = VulnDb::open_in_memory().unwrap();
        let mut other = sample();
        other["vulnerabilities"][0]["cve"] = "CVE-2024-9999".into();
        let one = serde_json::to_vec(&other).unwrap();
        import(&mut db, &one[..], "one.json").unwrap();
        let tar = archive(&[
            (
                "2023/cve-2023-5344.json",
                serde_json::to_vec(&sample()).unwrap(),
            ),
            ("2023/broken.json", b"[]".to_vec()),
            ("index.txt", b"2023/cve-2023-5344.json\n".to_vec()),
        ]);
        assert_eq!(import(&mut db, &tar[..], "a.tar").unwrap(), 5);
        assert!(db
            .redhat_vex_states("vim-minimal", "vim", None)
            .unwrap()
            .iter()
            .all(|s| s.cve == "CVE-2023-5344"));
        let empty = archive(&[("index.txt", b"x".to_vec())]);
        assert!(import(&mut db, &empty[..], "e.tar").is_err());
    }

    pub(crate) fn archive(files: &[(&str, Vec<u8>)]) -> Vec<u8> {
        let mut builder = tar::Builder::new(Vec::new());
        for (name, bytes) in files {
            let mut header = tar::Header::new_ustar();
            header.set_size(bytes.len() as u64);
            header.set_mode(0o644);
            header.set_cksum();
            builder.append_data(&mut header, name, &bytes[..]).unwrap();
        }
        builder.into_inner().unwrap()
    }
}
