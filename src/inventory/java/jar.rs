//! Java archives (`.jar`, `.war`, `.ear`, `.par`) anywhere in an image or
//! tree, with the archives nested in them (Spring Boot's `BOOT-INF/lib`,
//! `WEB-INF/lib`, an ear's modules), read as Trivy's jar parser reads them
//! offline:
//!
//! - every `pom.properties` (`META-INF/maven/<group>/<artifact>/`) is an
//!   artifact of its own: a shaded or fat jar lists each artifact it
//!   bundles that way;
//! - an archive whose own `pom.properties` is missing (the one whose
//!   artifactId and version its file name, `name-1.2.3.jar`, spells) is
//!   named by its `META-INF/MANIFEST.MF` instead (see `manifest`).
//!
//! Trivy also looks an unnamed archive up by SHA-1, then its file name's
//! artifactId, in its Java DB (Maven Central's index); scangate has no
//! such index and never goes to the network for it, so such an archive
//! is not listed (a file name gives no groupId, and without one no Maven
//! advisory can match).
//!
//! Packages are placed on the outermost archive's file (the one the image
//! or tree has). Archives are read from memory, never unpacked to disk:
//! zip needs its central directory, at the end, before any entry. Bounds
//! keep a hostile archive from costing unbounded memory or time: nesting
//! depth, nested archives, central-directory entries, and inflated bytes
//! (per entry and in total). Past a bound, or on a corrupt nested archive,
//! what was found so far is kept and one warning names the file.

use super::{artifact, manifest};
use crate::inventory::{AnalyzerInfo, Package, PackageAnalyzer, PackageFormat, ParseError, Want};
use crate::version::maven::Maven;
use crate::version::Comparator;
use std::cmp::Ordering;
use std::io::{Cursor, Read};
use zip::ZipArchive;

pub struct JarAnalyzer;

static WANTS: &[Want] = &[
    Want::Glob("**/*.jar"),
    Want::Glob("**/*.war"),
    Want::Glob("**/*.ear"),
    Want::Glob("**/*.par"),
];

impl PackageAnalyzer for JarAnalyzer {
    fn info(&self) -> AnalyzerInfo {
        AnalyzerInfo::new(PackageFormat::Jar, WANTS)
    }

    fn parse(&self, path: &str, content: &[u8]) -> Result<Vec<Package>, ParseError> {
        let mut walk = Walk::new(Limits::DEFAULT);
        let name = path.rsplit('/').next().unwrap_or(path);
        walk.archive(name, content, 0)
            .map_err(|why| ParseError::new(path, why))?;
        if let Some(first) = &walk.problem {
            let more = match walk.more_problems {
                0 => String::new(),
                n => format!(" (and {n} more problems)"),
            };
            tracing::warn!("{path}: {first}{more}; keeping the artifacts found before it");
        }
        Ok(dedup(walk.found))
    }

    fn at_once(&self) -> bool {
        true
    }
}

/// How much of one archive, nested archives included, is read.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    /// Archives inside archives: an ear's war's jar is at depth 2.
    pub depth: usize,
    /// Nested archives read, in all.
    pub archives: usize,
    /// Central-directory entries, all archives together: what the zip
    /// reader holds in memory per entry.
    pub entries: usize,
    /// Inflated size of one nested archive.
    pub nested_size: u64,
    /// Inflated size of one `pom.properties` or `MANIFEST.MF`.
    pub text_size: u64,
    /// Bytes inflated in all.
    pub inflated: u64,
}

impl Limits {
    pub const DEFAULT: Limits = Limits {
        depth: 4,
        archives: 2048,
        entries: 1_000_000,
        nested_size: 128 << 20,
        text_size: 1 << 20,
        inflated: 1 << 30,
    };
}

/// One outer archive's reading: the budgets used and what was found.
struct Walk {
    limits: Limits,
    archives: usize,
    entries: usize,
    inflated: u64,
    found: Vec<Package>,
    /// The first problem met, for the warning; later ones are counted.
    problem: Option<String>,
    more_problems: usize,
}

/// What an entry of an archive is to the walk.
enum Kind {
    PomProperties,
    Manifest,
    Archive,
}

fn kind(name: &str) -> Option<Kind> {
    let base = name.rsplit('/').next().unwrap_or(name);
    if base == "pom.properties" {
        Some(Kind::PomProperties)
    } else if name.eq_ignore_ascii_case("META-INF/MANIFEST.MF") {
        Some(Kind::Manifest)
    } else if [".jar", ".war", ".ear"]
        .iter()
        .any(|ext| base.len() > ext.len() && base.ends_with(ext))
    {
        Some(Kind::Archive)
    } else {
        None
    }
}

/// Central-directory records start with this signature.
const DIRECTORY_ENTRY: &[u8] = b"PK\x01\x02";

impl Walk {
    fn new(limits: Limits) -> Walk {
        Walk {
            limits,
            archives: 0,
            entries: 0,
            inflated: 0,
            found: Vec::new(),
            problem: None,
            more_problems: 0,
        }
    }

    fn note(&mut self, problem: String) {
        match self.problem {
            None => self.problem = Some(problem),
            Some(_) => self.more_problems += 1,
        }
    }

    /// Reads the archive `name` (its file name), `bytes`, at `depth`:
    /// `Err` when it is not a readable zip or is past the entry bound.
    fn archive(&mut self, name: &str, bytes: &[u8], depth: usize) -> Result<(), String> {
        // The zip reader holds every central-directory entry in memory;
        // count them first (no more can be parsed than the signature
        // occurs), so a directory of millions of tiny entries is refused
        // before it is read.
        let left = self.limits.entries - self.entries;
        let entries = memchr::memmem::find_iter(bytes, DIRECTORY_ENTRY)
            .take(left + 1)
            .count();
        if entries > left {
            return Err(format!(
                "more than {} zip entries in all",
                self.limits.entries
            ));
        }
        self.entries += entries;
        let mut zip = ZipArchive::new(Cursor::new(bytes))
            .map_err(|e| format!("not a readable zip archive ({e})"))?;
        let own = from_file_name(name);
        let mut has_own_pom = false;
        let mut manifest_text = None;
        for index in 0..zip.len() {
            let Some(Ok(entry)) = zip.name_for_index(index) else {
                continue;
            };
            let entry = entry.into_owned();
            let Some(kind) = kind(&entry) else { continue };
            match kind {
                Kind::PomProperties => {
                    let Some(text) = self.text(&mut zip, index, &entry) else {
                        continue;
                    };
                    if let Some((group, id, version)) = pom_properties(&text) {
                        if own.as_ref().is_some_and(|(a, v)| *a == id && *v == version) {
                            has_own_pom = true;
                        }
                        self.found.push(artifact(&group, &id, &version, None));
                    }
                }
                Kind::Manifest => manifest_text = self.text(&mut zip, index, &entry),
                Kind::Archive => self.nested(&mut zip, index, &entry, depth + 1),
            }
        }
        if !has_own_pom {
            if let Some((group, id, version)) =
                manifest_text.as_deref().and_then(manifest::artifact)
            {
                self.found.push(artifact(&group, &id, &version, None));
            }
        }
        Ok(())
    }

    /// Reads the nested archive at `index` and walks it.
    fn nested(
        &mut self,
        zip: &mut ZipArchive<Cursor<&[u8]>>,
        index: usize,
        entry: &str,
        depth: usize,
    ) {
        if depth > self.limits.depth {
            self.note(format!(
                "{entry}: archives nested more than {} deep are not read",
                self.limits.depth
            ));
            return;
        }
        if self.archives == self.limits.archives {
            self.note(format!(
                "more than {} nested archives; the rest are not read",
                self.limits.archives
            ));
            return;
        }
        self.archives += 1;
        let Some(bytes) = self.inflate(zip, index, entry, self.limits.nested_size) else {
            return;
        };
        let name = entry.rsplit('/').next().unwrap_or(entry);
        if let Err(why) = self.archive(name, &bytes, depth) {
            self.note(format!("{entry}: {why}"));
        }
    }

    /// A small text entry, decoded lossily.
    fn text(
        &mut self,
        zip: &mut ZipArchive<Cursor<&[u8]>>,
        index: usize,
        entry: &str,
    ) -> Option<String> {
        self.inflate(zip, index, entry, self.limits.text_size)
            .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
    }

    /// Inflates the entry at `index`, at most `limit` bytes and what is
    /// left of the total; `None` (noted) past either, or when the entry
    /// cannot be read (encrypted, corrupt, a wrong checksum).
    fn inflate(
        &mut self,
        zip: &mut ZipArchive<Cursor<&[u8]>>,
        index: usize,
        entry: &str,
        limit: u64,
    ) -> Option<Vec<u8>> {
        let budget = limit.min(self.limits.inflated - self.inflated);
        let result = zip.by_index(index).and_then(|file| {
            // The declared size is only a hint: a bomb lies about it.
            let hint = file.size().min(budget) as usize;
            let mut bytes = Vec::with_capacity(hint);
            file.take(budget + 1).read_to_end(&mut bytes)?;
            Ok(bytes)
        });
        let bytes = match result {
            Ok(bytes) => bytes,
            Err(e) => {
                self.note(format!("{entry}: cannot be read ({e})"));
                return None;
            }
        };
        self.inflated += (bytes.len() as u64).min(budget);
        if bytes.len() as u64 > budget {
            self.note(if budget == limit {
                format!("{entry}: inflates past {limit} bytes; not read")
            } else {
                format!(
                    "the archive inflates past {} bytes in all; the rest is not read",
                    self.limits.inflated
                )
            });
            return None;
        }
        Some(bytes)
    }
}

/// `(groupId, artifactId, version)` of a `pom.properties` (a Java
/// properties file: `key=value`, `key: value` or `key value`; `#` and `!`
/// start comments), when it names all three.
fn pom_properties(text: &str) -> Option<(String, String, String)> {
    let (mut group, mut id, mut version) = (None, None, None);
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('#') || line.starts_with('!') {
            continue;
        }
        let split = line
            .find(['=', ':', ' ', '\t'])
            .map_or((line, ""), |at| (&line[..at], &line[at + 1..]));
        let (key, value) = (
            split.0.trim(),
            split.1.trim_start_matches([' ', '\t', '=', ':']).trim(),
        );
        let slot = match key {
            "groupId" => &mut group,
            "artifactId" => &mut id,
            "version" => &mut version,
            _ => continue,
        };
        *slot = Some(value.to_string());
    }
    let nonempty = |s: Option<String>| s.filter(|s| !s.is_empty());
    Some((nonempty(group)?, nonempty(id)?, nonempty(version)?))
}

/// The artifactId and version a jar's file name spells, as Trivy reads
/// them: `spring-core-5.3.4-SNAPSHOT.jar` → (`spring-core`,
/// `5.3.4-SNAPSHOT`): the last `-` followed by a digit splits them; the
/// artifactId is of `[A-Za-z0-9._-]` and does not end in `-` or `*`.
fn from_file_name(name: &str) -> Option<(String, String)> {
    let stem = name.strip_suffix(".jar")?;
    let (at, _) = stem
        .rmatch_indices('-')
        .find(|(at, _)| stem[at + 1..].starts_with(|c: char| c.is_ascii_digit()))?;
    let (id, version) = (&stem[..at], &stem[at + 1..]);
    let last = id.chars().last()?;
    let head = &id[..id.len() - last.len_utf8()];
    let valid = head
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        && !matches!(last, '-' | '*')
        && !version.contains(char::is_whitespace);
    valid.then(|| (id.to_string(), version.to_string()))
}

/// One package per artifact and version (`2.17` and `2.17.0` are one
/// version), in the order found: the same artifact is often bundled twice
/// (a shaded copy beside the real jar).
fn dedup(found: Vec<Package>) -> Vec<Package> {
    let mut kept: Vec<Package> = Vec::with_capacity(found.len());
    for p in found {
        let seen = kept.iter().any(|k| {
            k.name == p.name && Maven.compare(&k.version, &p.version).ok() == Some(Ordering::Equal)
        });
        if !seen {
            kept.push(p);
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use zip::write::SimpleFileOptions;

    fn jar(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, content) in entries {
            out.start_file(*name, SimpleFileOptions::default()).unwrap();
            out.write_all(content).unwrap();
        }
        out.finish().unwrap().into_inner()
    }

    fn props(group: &str, id: &str, version: &str) -> Vec<u8> {
        format!("#Generated by Maven\ngroupId={group}\nartifactId={id}\nversion={version}\n")
            .into_bytes()
    }

    fn names(found: &[Package]) -> Vec<String> {
        found
            .iter()
            .map(|p| format!("{}@{}", p.name, p.version))
            .collect()
    }

    #[test]
    fn spring_boot_fat_jar_lists_nested_artifacts() {
        let log4j = jar(&[
            ("META-INF/MANIFEST.MF", b"Implementation-Title: ignored\n"),
            (
                "META-INF/maven/org.apache.logging.log4j/log4j-core/pom.properties",
                &props("org.apache.logging.log4j", "log4j-core", "2.14.1"),
            ),
        ]);
        let bundled = jar(&[(
            "META-INF/MANIFEST.MF",
            b"Implementation-Vendor-Id: com.acme\r\nImplementation-Title: util\r\nImplementation-Version: 1.0\r\n",
        )]);
        let app = jar(&[
            (
                "META-INF/maven/com.example/demo/pom.properties",
                &props("com.example", "demo", "0.0.1-SNAPSHOT"),
            ),
            ("BOOT-INF/lib/log4j-core-2.14.1.jar", &log4j),
            ("BOOT-INF/lib/util-1.0.jar", &bundled),
            ("BOOT-INF/classes/App.class", b"\xca\xfe\xba\xbe"),
        ]);
        let found = JarAnalyzer.parse("app/app.jar", &app).unwrap();
        assert_eq!(
            names(&found),
            [
                "com.example:demo@0.0.1-SNAPSHOT",
                "org.apache.logging.log4j:log4j-core@2.14.1",
                "com.acme:util@1.0"
            ]
        );
    }

    #[test]
    fn shaded_copies_count_once() {
        let shaded = jar(&[
            (
                "META-INF/maven/com.google.guava/guava/pom.properties",
                &props("com.google.guava", "guava", "31.1-jre"),
            ),
            (
                "shaded/META-INF/maven/com.google.guava/guava/pom.properties",
                &props("com.google.guava", "guava", "31.1-jre"),
            ),
        ]);
        let found = JarAnalyzer.parse("lib/fat.jar", &shaded).unwrap();
        assert_eq!(names(&found), ["com.google.guava:guava@31.1-jre"]);
    }

    #[test]
    fn file_names_spell_artifact_and_version() {
        let cases = [
            ("log4j-core-2.14.1.jar", Some(("log4j-core", "2.14.1"))),
            (
                "spring-core-5.3.4-SNAPSHOT.jar",
                Some(("spring-core", "5.3.4-SNAPSHOT")),
            ),
            ("foo-1.0-2.0.jar", Some(("foo-1.0", "2.0"))),
            ("app.jar", None),
            ("app-.jar", None),
            ("a b-1.0.jar", None),
            ("x-1.0.war", None),
        ];
        for (name, want) in cases {
            let want = want.map(|(a, v)| (a.to_string(), v.to_string()));
            assert_eq!(from_file_name(name), want, "{name}");
        }
    }

    #[test]
    fn pom_properties_needs_all_three() {
        assert_eq!(
            pom_properties("groupId = g\nartifactId: a\r\nversion=1\n"),
            Some(("g".into(), "a".into(), "1".into()))
        );
        assert_eq!(pom_properties("groupId=g\nartifactId=a\nversion=\n"), None);
        assert_eq!(pom_properties("# groupId=g\n"), None);
    }

    #[test]
    fn a_corrupt_archive_is_one_error_naming_it() {
        let e = JarAnalyzer
            .parse("srv/broken.jar", b"PK\x03\x04 not really a zip")
            .unwrap_err();
        assert!(
            e.to_string()
                .starts_with("srv/broken.jar: not a readable zip"),
            "{e}"
        );
    }

    #[test]
    fn bounds_keep_what_was_found() {
        let inner = jar(&[(
            "META-INF/maven/g/inner/pom.properties",
            &props("g", "inner", "1"),
        )]);
        let mut walk = Walk::new(Limits {
            archives: 2,
            ..Limits::DEFAULT
        });
        let many: Vec<(String, &[u8])> = (0..5)
            .map(|i| (format!("lib/inner{i}.jar"), inner.as_slice()))
            .collect();
        let entries: Vec<(&str, &[u8])> = many.iter().map(|(n, c)| (n.as_str(), *c)).collect();
        walk.archive("outer.jar", &jar(&entries), 0).unwrap();
        assert_eq!(walk.found.len(), 2);
        assert!(walk
            .problem
            .unwrap()
            .contains("more than 2 nested archives"));
        assert_eq!(walk.more_problems, 2);

        let big = vec![b'x'; 4096];
        let mut walk = Walk::new(Limits {
            text_size: 1000,
            ..Limits::DEFAULT
        });
        walk.archive("a.jar", &jar(&[("META-INF/MANIFEST.MF", &big)]), 0)
            .unwrap();
        assert!(walk.problem.unwrap().contains("inflates past 1000 bytes"));

        let mut walk = Walk::new(Limits {
            entries: 3,
            ..Limits::DEFAULT
        });
        let four: Vec<(String, &[u8])> = (0..4).map(|i| (format!("f{i}"), &b""[..])).collect();
        let four: Vec<(&str, &[u8])> = four.iter().map(|(n, c)| (n.as_str(), *c)).collect();
        let e = walk.archive("a.jar", &jar(&four), 0).unwrap_err();
        assert!(e.contains("more than 3 zip entries"), "{e}");
    }

    #[test]
    fn nesting_past_the_depth_bound_is_not_read() {
        let mut bytes = jar(&[("META-INF/maven/g/a/pom.properties", &props("g", "a", "1"))]);
        for _ in 0..6 {
            bytes = jar(&[("x.jar", &bytes)]);
        }
        let mut walk = Walk::new(Limits::DEFAULT);
        walk.archive("top.jar", &bytes, 0).unwrap();
        assert!(walk.found.is_empty());
        assert!(walk.problem.unwrap().contains("nested more than 4 deep"));
    }
}
