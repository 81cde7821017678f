//! End to end: Java. Jars (nested ones too) in images and trees,
//! `pom.xml` and `gradle.lockfile` in trees, listed with their file, line,
//! layer and Dockerfile line and matched in OSV's `Maven` ecosystem on
//! `group:artifact` with Maven's version order. Bad archives are one
//! warning naming the file, and the scan goes on.

mod vulnsupport;

use serde_json::{json, Value};
use std::io::{Cursor, Write};
use vulnsupport::image::{ImageBuilder, Layer};
use vulnsupport::*;
use zip::write::SimpleFileOptions;

/// A real-shaped GHSA record (Log4Shell): two ranges, one starting at a
/// Maven pre-release (`2.0-beta9`). Findings lead with its CVE alias.
fn log4shell() -> Value {
    json!({
        "id": "GHSA-jfh8-c2jp-5v3q",
        "modified": MODIFIED,
        "published": "2021-12-10T00:40:56Z",
        "aliases": ["CVE-2021-44228"],
        "summary": "Remote code injection in Log4j",
        "affected": [{
            "package": { "ecosystem": "Maven", "name": "org.apache.logging.log4j:log4j-core" },
            "ranges": [{ "type": "ECOSYSTEM", "events": [{ "introduced": "2.13.0" }, { "fixed": "2.15.0" }] }]
        }, {
            "package": { "ecosystem": "Maven", "name": "org.apache.logging.log4j:log4j-core" },
            "ranges": [{ "type": "ECOSYSTEM", "events": [{ "introduced": "2.0-beta9" }, { "fixed": "2.12.2" }] }]
        }],
        "database_specific": { "severity": "CRITICAL" },
        "references": [{ "type": "ADVISORY", "url": "https://nvd.nist.gov/vuln/detail/CVE-2021-44228" }]
    })
}

fn records() -> Vec<Value> {
    vec![
        log4shell(),
        osv(
            "GHSA-57j2-w4cx-62h2",
            "Maven",
            "com.fasterxml.jackson.core:jackson-databind",
            fixed_in("2.12.6.1"),
        ),
        osv(
            "GHSA-4wrc-f8pq-fpqp",
            "Maven",
            "org.springframework:spring-beans",
            fixed_in("5.3.18"),
        ),
        osv(
            "GHSA-guava-0001",
            "Maven",
            "com.google.guava:guava",
            fixed_in("32.0.0-android"),
        ),
    ]
}

/// A zip archive of `entries`, deflated.
fn zip(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, content) in entries {
        out.start_file(*name, SimpleFileOptions::default()).unwrap();
        out.write_all(content).unwrap();
    }
    out.finish().unwrap().into_inner()
}

fn pom_properties(group: &str, artifact: &str, version: &str) -> Vec<u8> {
    format!("#Created by Apache Maven 3.8.1\nversion={version}\ngroupId={group}\nartifactId={artifact}\n")
        .into_bytes()
}

/// A library jar as Maven builds it: its `pom.properties` and manifest.
fn library(group: &str, artifact: &str, version: &str) -> Vec<u8> {
    let props = format!("META-INF/maven/{group}/{artifact}/pom.properties");
    zip(&[
        ("META-INF/MANIFEST.MF", b"Manifest-Version: 1.0\r\n\r\n"),
        (&props, &pom_properties(group, artifact, version)),
    ])
}

/// A Spring Boot fat jar: the application's own `pom.properties`, its
/// dependencies as jars under `BOOT-INF/lib`, one of them named only by
/// its manifest.
fn spring_boot_app() -> Vec<u8> {
    let log4j = library("org.apache.logging.log4j", "log4j-core", "2.14.1");
    let beans = library("org.springframework", "spring-beans", "5.3.18");
    let jackson = zip(&[(
        "META-INF/MANIFEST.MF",
        b"Manifest-Version: 1.0\r\nBundle-SymbolicName: com.fasterxml.jackson.core.jackson-databind\r\nBundle-Name: jackson-databind\r\nBundle-Version: 2.12.1\r\n\r\n",
    )]);
    zip(&[
        ("META-INF/MANIFEST.MF", b"Manifest-Version: 1.0\r\nMain-Class: org.springframework.boot.loader.JarLauncher\r\n\r\n"),
        ("META-INF/maven/com.example/demo/pom.properties", &pom_properties("com.example", "demo", "0.0.1-SNAPSHOT")),
        ("BOOT-INF/classes/com/example/App.class", b"\xca\xfe\xba\xbe"),
        ("BOOT-INF/lib/log4j-core-2.14.1.jar", &log4j),
        ("BOOT-INF/lib/spring-beans-5.3.18.jar", &beans),
        ("BOOT-INF/lib/jackson-databind-2.12.1.jar", &jackson),
    ])
}

const DOCKERFILE: &str = "FROM debian:12\nWORKDIR /app\nCOPY target/app.jar /app/app.jar\nCMD [\"java\", \"-jar\", \"/app/app.jar\"]\n";

fn app_image() -> ImageBuilder {
    ImageBuilder::new()
        .layer(Layer::new().file("etc/os-release", "ID=debian\nVERSION_ID=\"12\"\n"))
        .history("FROM debian:12")
        .layer(Layer::new().file("app/app.jar", spring_boot_app()))
        .history("COPY target/app.jar /app/app.jar")
}

fn scan_image(sb: &Sandbox, image: &ImageBuilder, args: &[&str]) -> (Value, String) {
    let input = sb.path("app.tar");
    image.docker_archive(&input);
    std::fs::write(sb.path("Dockerfile"), DOCKERFILE).unwrap();
    let out = sb
        .cmd()
        .current_dir(sb.dir.path())
        .env_remove("GITHUB_WORKSPACE")
        .args(["image", "--input", "app.tar", "--offline"])
        .args(args)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{stderr}");
    (serde_json::from_slice(&out.stdout).unwrap(), stderr)
}

#[test]
fn spring_boot_fat_jar_in_an_image_matches_nested_log4j() {
    let sb = Sandbox::new();
    sb.import(&records());
    let image = app_image();
    let (report, _) = scan_image(&sb, &image, &["--list-packages", "-f", "json"]);
    let targets = report["targets"].as_array().unwrap();
    assert_eq!(targets.len(), 1, "{report:#}");
    let jar = &targets[0];
    assert_eq!(jar["path"], "app/app.jar");
    assert_eq!(jar["format"], "jar");
    assert_eq!(jar["ecosystem"], "Maven");
    let listed: Vec<(String, String)> = jar["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap().into(),
                p["purl"].as_str().unwrap().into(),
            )
        })
        .collect();
    let pair = |a: &str, b: &str| (a.to_string(), b.to_string());
    assert_eq!(
        listed,
        [
            pair(
                "com.example:demo",
                "pkg:maven/com.example/demo@0.0.1-SNAPSHOT"
            ),
            pair(
                "com.fasterxml.jackson.core:jackson-databind",
                "pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.12.1"
            ),
            pair(
                "org.apache.logging.log4j:log4j-core",
                "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1"
            ),
            pair(
                "org.springframework:spring-beans",
                "pkg:maven/org.springframework/spring-beans@5.3.18"
            ),
        ]
    );
    let found = vulns(&report);
    assert_eq!(
        pairs(&found),
        [
            pair(
                "com.fasterxml.jackson.core:jackson-databind",
                "GHSA-57j2-w4cx-62h2"
            ),
            pair("org.apache.logging.log4j:log4j-core", "CVE-2021-44228"),
        ],
        "spring-beans 5.3.18 is the fixed version"
    );
    let log4j = find(
        &found,
        "org.apache.logging.log4j:log4j-core",
        "CVE-2021-44228",
    )[0];
    assert_eq!(log4j["aliases"], json!(["GHSA-jfh8-c2jp-5v3q"]));
    assert_eq!(log4j["installed_version"], "2.14.1");
    assert_eq!(log4j["fixed_version"], "2.15.0");
    assert_eq!(log4j["severity"], "CRITICAL");
    assert_eq!(log4j["layer_diff_id"], image.diff_ids()[1]);

    // SARIF puts it on the Dockerfile's COPY of the jar.
    let (log, _) = scan_image(&sb, &image, &["-f", "sarif"]);
    let results = log["runs"][0]["results"].as_array().unwrap();
    let log4j = results
        .iter()
        .find(|r| r["ruleId"] == "CVE-2021-44228")
        .unwrap_or_else(|| panic!("{log:#}"));
    let loc = &log4j["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], "Dockerfile");
    assert_eq!(loc["region"]["startLine"], 3);
}

#[test]
fn a_war_in_a_lower_layer_and_a_pre_release_in_range() {
    let sb = Sandbox::new();
    sb.import(&records());
    // 2.0-rc1 is inside [2.0-beta9, 2.12.2): Maven orders beta < rc < release.
    let war = zip(&[(
        "WEB-INF/lib/log4j-core-2.0-rc1.jar",
        &library("org.apache.logging.log4j", "log4j-core", "2.0-rc1"),
    )]);
    let image = ImageBuilder::new()
        .layer(Layer::new().file("opt/server/webapps/shop.war", war))
        .history("COPY shop.war /opt/server/webapps/")
        .layer(Layer::new().file("etc/motd", "hi"))
        .history("RUN echo hi");
    let (report, _) = scan_image(&sb, &image, &["-f", "json"]);
    let found = vulns(&report);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0]["installed_version"], "2.0-rc1");
    assert_eq!(found[0]["fixed_version"], "2.12.2");
    assert_eq!(found[0]["layer_diff_id"], image.diff_ids()[0]);
}

const POM: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>com.example</groupId>
  <artifactId>shop</artifactId>
  <version>1.0.0</version>
  <properties>
    <log4j2.version>2.14.1</log4j2.version>
  </properties>
  <dependencies>
    <dependency>
      <groupId>org.apache.logging.log4j</groupId>
      <artifactId>log4j-core</artifactId>
      <version>${log4j2.version}</version>
    </dependency>
    <dependency>
      <groupId>org.springframework</groupId>
      <artifactId>spring-beans</artifactId>
      <version>5.3.17</version>
      <scope>test</scope>
    </dependency>
    <dependency>
      <groupId>org.springframework.boot</groupId>
      <artifactId>spring-boot-starter-web</artifactId>
    </dependency>
  </dependencies>
</project>
"#;

const GRADLE_LOCK: &str = "# This is a Gradle generated file for dependency locking.\n\
# Manual edits can break the build and are not advised.\n\
# This file is expected to be part of source control.\n\
com.google.guava:guava:31.1-jre=compileClasspath,runtimeClasspath\n\
org.springframework:spring-beans:5.3.17=testRuntimeClasspath\n\
empty=annotationProcessor\n";

#[test]
fn pom_and_gradle_lockfile_findings_carry_their_lines() {
    let sb = Sandbox::new();
    sb.import(&records());
    let root = write_tree(
        &sb.path("repo"),
        &[
            ("shop/pom.xml", POM.into()),
            ("svc/gradle.lockfile", GRADLE_LOCK.into()),
        ],
    );
    let out = sb
        .cmd()
        .arg("fs")
        .arg(&root)
        .args(["--offline", "--list-packages", "-f", "json"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    // What one pom.xml cannot say is said once.
    let notes: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("shop/pom.xml"))
        .collect();
    assert_eq!(notes.len(), 1, "{stderr}");
    assert!(
        notes[0].contains("org.springframework.boot:spring-boot-starter-web"),
        "{stderr}"
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let found = vulns(&report);
    let pair = |a: &str, b: &str| (a.to_string(), b.to_string());
    assert_eq!(
        pairs(&found),
        [
            pair("com.google.guava:guava", "GHSA-guava-0001"),
            pair("org.apache.logging.log4j:log4j-core", "CVE-2021-44228"),
        ],
        "test-scope and test-only dependencies are left out"
    );
    let line = |name: &str| {
        report["targets"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|t| t["packages"].as_array().cloned().unwrap_or_default())
            .find(|p| p["name"] == name)
            .unwrap_or_else(|| panic!("{name}: {report:#}"))["line"]
            .clone()
    };
    assert_eq!(line("org.apache.logging.log4j:log4j-core"), 11);
    assert_eq!(line("com.google.guava:guava"), 4);
    // The project itself is listed, without a line.
    assert_eq!(line("com.example:shop"), Value::Null);
    let with_dev = sb.scan_json(&root, &["--offline", "--include-dev-deps"]);
    assert_eq!(
        vulns(&with_dev).len(),
        3,
        "the gradle test-only spring-beans too"
    );
}

/// Scans a tree of `files` plus a good jar, expecting success; returns the
/// findings and the warning lines that name `bad`.
fn scan_with_bad_archive(bad: &str, content: Vec<u8>) -> (Vec<Value>, Vec<String>) {
    let sb = Sandbox::new();
    sb.import(&records());
    let root = sb.path("repo");
    for (rel, bytes) in [
        (bad, content),
        (
            "lib/log4j-core-2.14.1.jar",
            library("org.apache.logging.log4j", "log4j-core", "2.14.1"),
        ),
    ] {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }
    let out = sb
        .cmd()
        .arg("fs")
        .arg(&root)
        .args(["--offline", "-f", "json"])
        .timeout(std::time::Duration::from_secs(120))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{stderr}");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let warnings = stderr
        .lines()
        .filter(|l| l.contains(bad))
        .map(str::to_string)
        .collect();
    (vulns(&report), warnings)
}

fn assert_one_warning_and_log4j(found: &[Value], warnings: &[String], says: &str) {
    assert_eq!(warnings.len(), 1, "{warnings:#?}");
    assert!(warnings[0].contains(says), "{warnings:#?}");
    assert!(
        !find(
            found,
            "org.apache.logging.log4j:log4j-core",
            "CVE-2021-44228"
        )
        .is_empty(),
        "the scan went on: {found:#?}"
    );
}

#[test]
fn a_corrupt_jar_is_one_warning() {
    let mut truncated = library("org.example", "cut", "1.0");
    truncated.truncate(truncated.len() / 2);
    let (found, warnings) = scan_with_bad_archive("lib/cut-1.0.jar", truncated);
    assert_one_warning_and_log4j(&found, &warnings, "not a readable zip");
}

#[test]
fn a_jar_of_thousands_of_nested_jars_is_one_warning() {
    let inner = library("org.example", "tiny", "1.0");
    let names: Vec<String> = (0..3000).map(|i| format!("lib/tiny-{i}.jar")).collect();
    let entries: Vec<(&str, &[u8])> = names
        .iter()
        .map(|n| (n.as_str(), inner.as_slice()))
        .collect();
    let (found, warnings) = scan_with_bad_archive("lib/many.jar", zip(&entries));
    assert_one_warning_and_log4j(&found, &warnings, "nested archives");
    assert!(
        found
            .iter()
            .all(|v| v["package_name"] != "org.example:tiny"),
        "no advisory for it, but it must not break matching"
    );
}

#[test]
fn a_huge_inflated_entry_is_one_warning() {
    // 4 MiB of zeros deflate to a few KiB: a manifest bomb.
    let bomb = vec![0u8; 4 << 20];
    let jar = zip(&[("META-INF/MANIFEST.MF", &bomb)]);
    assert!(jar.len() < 64 * 1024);
    let (found, warnings) = scan_with_bad_archive("lib/bomb-1.0.jar", jar);
    assert_one_warning_and_log4j(&found, &warnings, "inflates past");
}
