//! End to end: Ruby, PHP and .NET. Lockfiles in a source tree (`fs`) and
//! installed packages in an image are listed with their file, layer and
//! line, matched in OSV's `RubyGems`, `Packagist` and `NuGet` ecosystems
//! with each ecosystem's own version order (ranges shaped like GitHub's
//! advisories for those packages), and placed on their lockfile line or
//! their Dockerfile instruction in SARIF.

mod vulnsupport;

use serde_json::{json, Value};
use vulnsupport::image::{ImageBuilder, Layer};
use vulnsupport::*;

/// One affected package with several ECOSYSTEM ranges, as GHSA writes
/// them for branches fixed separately.
fn ghsa(id: &str, ecosystem: &str, package: &str, ranges: &[(&str, &str)]) -> Value {
    let mut record = osv(id, ecosystem, package, json!([]));
    record["affected"][0]["ranges"] = ranges
        .iter()
        .map(|(introduced, fixed)| {
            json!({"type": "ECOSYSTEM", "events": [{"introduced": introduced}, {"fixed": fixed}]})
        })
        .collect();
    record["database_specific"] = json!({"severity": "HIGH"});
    record
}

fn records() -> Vec<Value> {
    vec![
        // rack: CVE-2023-27530's ranges (2.x and 3.x branches).
        ghsa(
            "GHSA-3h57-hmj3-gj3p",
            "RubyGems",
            "rack",
            &[
                ("0", "2.0.9.3"),
                ("2.1.0", "2.1.4.3"),
                ("2.2.0", "2.2.6.3"),
                ("3.0.0", "3.0.4.2"),
            ],
        ),
        // nokogiri: a pre-release fix, ordered by Gem::Version.
        ghsa(
            "GHSA-pxvg-2qj5-37jq",
            "RubyGems",
            "nokogiri",
            &[("0", "1.14.3")],
        ),
        ghsa(
            "GHSA-wxmh-65f7-jcvw",
            "Packagist",
            "guzzlehttp/psr7",
            &[("0", "1.9.1"), ("2.0.0", "2.4.5")],
        ),
        // Composer lockfiles write `v5.4.19`; GHSA writes `5.4.20`.
        ghsa(
            "GHSA-2wxg-h7wj-r6p8",
            "Packagist",
            "symfony/http-kernel",
            &[("2.0.0", "4.4.50"), ("5.0.0", "5.4.20")],
        ),
        ghsa(
            "GHSA-phpunit-0001",
            "Packagist",
            "phpunit/phpunit",
            &[("0", "9.9.0")],
        ),
        ghsa(
            "GHSA-5crp-9r3c-p9vr",
            "NuGet",
            "Newtonsoft.Json",
            &[("0", "13.0.1")],
        ),
        ghsa(
            "GHSA-ghhp-997w-qr28",
            "NuGet",
            "System.Text.Encodings.Web",
            &[("4.0.0", "4.5.1"), ("5.0.0", "5.0.1")],
        ),
    ]
}

const GEMFILE_LOCK: &str = "GEM
  remote: https://rubygems.org/
  specs:
    nokogiri (1.14.3.rc1-x86_64-linux)
      racc (~> 1.4)
    rack (2.2.6.2)
    racc (1.6.2)
    rails-html (3.0.4.2)

PLATFORMS
  x86_64-linux

DEPENDENCIES
  nokogiri
  rack

BUNDLED WITH
   2.4.10
";

const COMPOSER_LOCK: &str = r#"{
    "content-hash": "0f1e2d3c4b5a69788796a5b4c3d2e1f0",
    "packages": [
        {
            "name": "guzzlehttp/psr7",
            "version": "2.4.4",
            "license": ["MIT"]
        },
        {
            "name": "symfony/http-kernel",
            "version": "v5.4.19",
            "license": ["MIT"]
        }
    ],
    "packages-dev": [
        {
            "name": "phpunit/phpunit",
            "version": "9.6.3"
        }
    ]
}
"#;

const PACKAGES_LOCK: &str = r#"{
  "version": 1,
  "dependencies": {
    "net8.0": {
      "Newtonsoft.Json": {
        "type": "Direct",
        "requested": "[13.0.1-beta1, )",
        "resolved": "13.0.1-beta1"
      },
      "System.Text.Encodings.Web": {
        "type": "Transitive",
        "resolved": "4.5.1"
      }
    }
  }
}
"#;

/// The id spelled in lower case, as older projects often do.
const PACKAGES_CONFIG: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<packages>
  <package id="newtonsoft.json" version="9.0.1" targetFramework="net462" />
</packages>
"#;

fn place_of(sarif: &Value, rule: &str) -> Vec<(String, u64)> {
    sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["ruleId"] == rule)
        .map(|r| {
            let p = &r["locations"][0]["physicalLocation"];
            (
                p["artifactLocation"]["uri"].as_str().unwrap().to_string(),
                p["region"]["startLine"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn lockfiles_in_a_tree_match_with_each_ecosystems_order_on_their_lines() {
    let sb = Sandbox::new();
    sb.import(&records());
    let root = write_tree(
        &sb.path("repo"),
        &[
            ("Gemfile.lock", GEMFILE_LOCK.into()),
            ("web/composer.lock", COMPOSER_LOCK.into()),
            ("src/Api/packages.lock.json", PACKAGES_LOCK.into()),
            ("legacy/packages.config", PACKAGES_CONFIG.into()),
        ],
    );
    let report = sb.scan_json(&root, &["--offline", "--list-packages"]);
    let pair = |p: &str, id: &str| (p.to_string(), id.to_string());
    assert_eq!(
        pairs(&vulns(&report)),
        vec![
            // 13.0.1-beta1 is a pre-release of the fix: still affected.
            pair("Newtonsoft.Json", "GHSA-5crp-9r3c-p9vr"),
            // 2.4.4 is in [2.0.0, 2.4.5), the second of two ranges.
            pair("guzzlehttp/psr7", "GHSA-wxmh-65f7-jcvw"),
            // Matched case-insensitively with the advisory's `Newtonsoft.Json`.
            pair("newtonsoft.json", "GHSA-5crp-9r3c-p9vr"),
            // 1.14.3.rc1 < 1.14.3 in Gem::Version order.
            pair("nokogiri", "GHSA-pxvg-2qj5-37jq"),
            // 2.2.6.2 < 2.2.6.3 (four-part RubyGems versions).
            pair("rack", "GHSA-3h57-hmj3-gj3p"),
            pair("symfony/http-kernel", "GHSA-2wxg-h7wj-r6p8"),
        ],
        "{report:#}"
    );
    let formats: Vec<(String, String, String)> = report["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["path"].as_str().unwrap().to_string(),
                t["format"].as_str().unwrap().to_string(),
                t["ecosystem"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let row = |p: &str, f: &str, e: &str| (p.to_string(), f.to_string(), e.to_string());
    assert_eq!(
        formats,
        vec![
            row("Gemfile.lock", "bundler", "RubyGems"),
            row("legacy/packages.config", "packages-config", "NuGet"),
            row("src/Api/packages.lock.json", "nuget", "NuGet"),
            row("web/composer.lock", "composer", "Packagist"),
        ]
    );
    let purls: Vec<&str> = report["targets"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|t| t["packages"].as_array().unwrap())
        .map(|p| p["purl"].as_str().unwrap())
        .collect();
    for want in [
        "pkg:gem/rack@2.2.6.2",
        "pkg:composer/symfony/http-kernel@v5.4.19",
        "pkg:nuget/Newtonsoft.Json@13.0.1-beta1",
    ] {
        assert!(purls.contains(&want), "{want} in {purls:?}");
    }
    assert!(
        !purls.iter().any(|p| p.contains("phpunit")),
        "packages-dev left out: {purls:?}"
    );

    let with_dev = sb.scan_json(&root, &["--offline", "--include-dev-deps"]);
    assert_eq!(
        find(&vulns(&with_dev), "phpunit/phpunit", "GHSA-phpunit-0001").len(),
        1
    );

    let sarif = sb.fs_report(&root, "sarif", &["--offline"]);
    assert_eq!(
        place_of(&sarif, "GHSA-3h57-hmj3-gj3p"),
        vec![("Gemfile.lock".to_string(), 6)]
    );
    assert_eq!(
        place_of(&sarif, "GHSA-2wxg-h7wj-r6p8"),
        vec![("web/composer.lock".to_string(), 9)]
    );
    let mut newtonsoft = place_of(&sarif, "GHSA-5crp-9r3c-p9vr");
    newtonsoft.sort();
    assert_eq!(
        newtonsoft,
        vec![
            ("legacy/packages.config".to_string(), 3),
            ("src/Api/packages.lock.json".to_string(), 5),
        ]
    );
}

const GEMSPEC: &str = r#"# -*- encoding: utf-8 -*-
# stub: rack 2.2.6.2 ruby lib

Gem::Specification.new do |s|
  s.name = "rack".freeze
  s.version = "2.2.6.2"

  s.required_rubygems_version = Gem::Requirement.new(">= 0".freeze) if s.respond_to? :required_rubygems_version=
  s.licenses = ["MIT".freeze]
end
"#;

const DEPS_JSON: &str = r#"{
  "runtimeTarget": { "name": ".NETCoreApp,Version=v8.0" },
  "targets": {
    ".NETCoreApp,Version=v8.0": {
      "Api/1.0.0": { "dependencies": { "System.Text.Encodings.Web": "4.5.0" }, "runtime": { "Api.dll": {} } },
      "System.Text.Encodings.Web/4.5.0": { "runtime": { "lib/netstandard2.0/System.Text.Encodings.Web.dll": {} } }
    }
  },
  "libraries": {
    "Api/1.0.0": { "type": "project", "serviceable": false, "sha512": "" },
    "System.Text.Encodings.Web/4.5.0": { "type": "package", "serviceable": true, "sha512": "sha512-x" }
  }
}
"#;

const INSTALLED_JSON: &str = r#"{
    "packages": [
        {
            "name": "guzzlehttp/psr7",
            "version": "1.9.0",
            "version_normalized": "1.9.0.0",
            "install-path": "../guzzlehttp/psr7"
        }
    ],
    "dev": false,
    "dev-package-names": []
}
"#;

const DOCKERFILE: &str = "FROM debian:12
RUN gem install rack -v 2.2.6.2
COPY vendor/ /srv/web/vendor/
COPY --from=build /out/ /app/
";

#[test]
fn installed_packages_in_an_image_carry_their_layer_and_dockerfile_line() {
    let sb = Sandbox::new();
    sb.import(&records());
    let image = ImageBuilder::new()
        .layer(Layer::new().file("etc/os-release", "ID=debian\nVERSION_ID=\"12\"\n"))
        .history("FROM debian:12")
        .layer(Layer::new().file(
            "usr/local/bundle/specifications/rack-2.2.6.2.gemspec",
            GEMSPEC,
        ))
        .history("RUN gem install rack -v 2.2.6.2 # buildkit")
        .layer(
            Layer::new()
                .file("srv/web/vendor/composer/installed.json", INSTALLED_JSON)
                // A lockfile in an image is not read: what is installed is.
                .file("srv/web/composer.lock", COMPOSER_LOCK),
        )
        .history("COPY vendor/ /srv/web/vendor/ # buildkit")
        .layer(Layer::new().file("app/Api.deps.json", DEPS_JSON))
        .history("COPY /out/ /app/ # buildkit");
    let input = sb.path("image.tar");
    image.docker_archive(&input);
    let out = sb
        .cmd()
        .args(["image", "--input"])
        .arg(&input)
        .args(["--offline", "--list-packages", "-f", "json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let targets: Vec<(String, String)> = report["targets"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["kind"] == "lang-packages")
        .map(|t| {
            (
                t["path"].as_str().unwrap().to_string(),
                t["format"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let row = |p: &str, f: &str| (p.to_string(), f.to_string());
    assert_eq!(
        targets,
        vec![
            row("app/Api.deps.json", "dotnet-core"),
            row("srv/web/vendor/composer/installed.json", "composer-vendor"),
            row("usr/local/bundle/specifications", "gemspec"),
        ]
    );
    let found = vulns(&report);
    let pair = |p: &str, id: &str| (p.to_string(), id.to_string());
    assert_eq!(
        pairs(&found),
        vec![
            pair("System.Text.Encodings.Web", "GHSA-ghhp-997w-qr28"),
            pair("guzzlehttp/psr7", "GHSA-wxmh-65f7-jcvw"),
            pair("rack", "GHSA-3h57-hmj3-gj3p"),
        ]
    );
    let rack = &find(&found, "rack", "GHSA-3h57-hmj3-gj3p")[0];
    assert_eq!(rack["layer_diff_id"], image.diff_ids()[1]);
    assert_eq!(rack["fixed_version"], "2.2.6.3");
    let psr7 = &find(&found, "guzzlehttp/psr7", "GHSA-wxmh-65f7-jcvw")[0];
    assert_eq!(psr7["layer_diff_id"], image.diff_ids()[2]);

    // With the Dockerfile beside it, SARIF puts each finding on the
    // instruction that brought the package.
    std::fs::write(sb.path("Dockerfile"), DOCKERFILE).unwrap();
    let out = sb
        .cmd()
        .current_dir(sb.dir.path())
        .env_remove("GITHUB_WORKSPACE")
        .args(["image", "--input", "image.tar", "--offline", "-f", "sarif"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let sarif: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        place_of(&sarif, "GHSA-3h57-hmj3-gj3p"),
        vec![("Dockerfile".to_string(), 2)]
    );
    assert_eq!(
        place_of(&sarif, "GHSA-wxmh-65f7-jcvw"),
        vec![("Dockerfile".to_string(), 3)]
    );
    assert_eq!(
        place_of(&sarif, "GHSA-ghhp-997w-qr28"),
        vec![("Dockerfile".to_string(), 4)]
    );
}

#[test]
fn broken_files_are_one_warning_each_and_the_scan_goes_on() {
    let sb = Sandbox::new();
    sb.import(&records());
    let root = write_tree(
        &sb.path("repo"),
        &[
            (
                "a/composer.lock",
                "{\n  \"packages\": [\n    {\"name\": \n".into(),
            ),
            (
                "b/packages.config",
                "<packages><package id=\"x\"></wrong>".into(),
            ),
            (
                "c/packages.lock.json",
                "{\"version\": 1, \"dependencies\": 7}".into(),
            ),
            ("e/App.deps.json", "not json".into()),
            ("Gemfile.lock", GEMFILE_LOCK.into()),
        ],
    );
    let out = sb
        .cmd()
        .arg("fs")
        .arg(&root)
        .args(["--offline", "-f", "json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    for file in [
        "a/composer.lock: line 4",
        "b/packages.config: line 1",
        "c/packages.lock.json",
        "e/App.deps.json: line 1",
    ] {
        assert_eq!(
            stderr.matches(file).count(),
            1,
            "one warning naming {file}: {stderr}"
        );
    }
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        pairs(&vulns(&report)),
        vec![
            ("nokogiri".to_string(), "GHSA-pxvg-2qj5-37jq".to_string()),
            ("rack".to_string(), "GHSA-3h57-hmj3-gj3p".to_string()),
        ]
    );

    // In an image: a gemspec that is Ruby code computing its version, and
    // an installed.json of neither Composer shape.
    let image = ImageBuilder::new()
        .layer(Layer::new().file("etc/os-release", "ID=debian\nVERSION_ID=\"12\"\n"))
        .history("FROM debian:12")
        .layer(
            Layer::new()
                .file(
                    "usr/local/bundle/specifications/odd-1.0.gemspec",
                    "require_relative 'lib/odd/version'\nGem::Specification.new do |s|\n  s.name = 'odd'\n  s.version = Odd::VERSION\nend\n",
                )
                .file("usr/local/bundle/specifications/rack-2.2.6.2.gemspec", GEMSPEC)
                .file("srv/vendor/composer/installed.json", "{\"packages\": {}}"),
        )
        .history("RUN bundle install");
    let input = sb.path("image.tar");
    image.docker_archive(&input);
    let out = sb
        .cmd()
        .args(["image", "--input"])
        .arg(&input)
        .args(["--offline", "-f", "json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.matches("odd-1.0.gemspec").count(), 1, "{stderr}");
    assert_eq!(
        stderr
            .matches("srv/vendor/composer/installed.json: neither")
            .count(),
        1,
        "{stderr}"
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        pairs(&vulns(&report)),
        vec![("rack".to_string(), "GHSA-3h57-hmj3-gj3p".to_string())]
    );
}
