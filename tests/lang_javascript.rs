//! End to end: JavaScript packages. Lockfiles in a source tree (`fs`) and
//! `node_modules` in an image are listed with their file, layer and line
//! and matched in OSV's `npm` ecosystem with SemVer order (pre-releases
//! below their release).

mod vulnsupport;

use serde_json::{json, Value};
use vulnsupport::image::{ImageBuilder, Layer};
use vulnsupport::*;

fn records() -> Vec<Value> {
    vec![
        osv("GHSA-35jh-r3h4-6jhm", "npm", "lodash", fixed_in("4.17.21")),
        osv("GHSA-vh95-rmgr-6w4m", "npm", "minimist", fixed_in("0.2.1")),
        // A SEMVER range: 7.24.0-rc.1 is below 7.24.0, so affected.
        with(
            osv("GHSA-babel-0001", "npm", "@babel/core", json!([])),
            "affected",
            json!([{
                "package": { "ecosystem": "npm", "name": "@babel/core" },
                "ranges": [{ "type": "SEMVER", "events": [{ "introduced": "7.0.0" }, { "fixed": "7.24.0" }] }],
            }]),
        ),
    ]
}

fn package_lock() -> String {
    json!({
        "name": "app",
        "version": "1.0.0",
        "lockfileVersion": 3,
        "requires": true,
        "packages": {
            "": { "name": "app", "version": "1.0.0" },
            "node_modules/@babel/core": { "version": "7.24.0-rc.1" },
            "node_modules/lodash": { "version": "4.17.20" },
            "node_modules/minimist": { "version": "0.0.8", "dev": true }
        }
    })
    .to_string()
    .replace(",\"", ",\n\"")
}

fn scan(sb: &Sandbox, args: &[&str]) -> Value {
    let root = write_tree(
        &sb.path("repo"),
        &[("web/package-lock.json", package_lock())],
    );
    sb.scan_json(&root, args)
}

#[test]
fn package_lock_findings_leave_dev_dependencies_out_unless_asked() {
    let sb = Sandbox::new();
    sb.import(&records());
    let report = scan(&sb, &["--offline", "--list-packages"]);
    let target = &report["targets"][0];
    assert_eq!(target["kind"], "lang-packages");
    assert_eq!(target["ecosystem"], "npm");
    assert_eq!(target["format"], "npm");
    assert_eq!(target["path"], "web/package-lock.json");
    let babel = &target["packages"][0];
    assert_eq!(babel["purl"], "pkg:npm/%40babel/core@7.24.0-rc.1");
    assert!(babel["line"].as_u64().unwrap() > 1);
    let pair = |p: &str, id: &str| (p.to_string(), id.to_string());
    assert_eq!(
        pairs(&vulns(&report)),
        vec![
            pair("@babel/core", "GHSA-babel-0001"),
            pair("lodash", "GHSA-35jh-r3h4-6jhm")
        ]
    );
    let with_dev = scan(&sb, &["--offline", "--include-dev-deps"]);
    assert_eq!(vulns(&with_dev).len(), 3, "{with_dev:#}");
}

#[test]
fn installed_node_modules_in_an_image_nested_copies_too() {
    let sb = Sandbox::new();
    sb.import(&records());
    let manifest =
        |name: &str, version: &str| json!({ "name": name, "version": version }).to_string();
    let image = ImageBuilder::new()
        .layer(Layer::new().file("etc/os-release", "ID=debian\nVERSION_ID=\"12\"\n"))
        .history("FROM node")
        .layer(
            Layer::new()
                .file(
                    "app/node_modules/lodash/package.json",
                    manifest("lodash", "4.17.21"),
                )
                .file(
                    "app/node_modules/a/node_modules/lodash/package.json",
                    manifest("lodash", "4.17.20"),
                )
                .file("app/node_modules/a/package.json", manifest("a", "1.0.0"))
                .file(
                    "app/node_modules/@babel/core/package.json",
                    manifest("@babel/core", "7.23.0"),
                )
                // Not an installed package's manifest.
                .file("app/package.json", manifest("app", "1.0.0"))
                .file(
                    "app/node_modules/a/lib/package.json",
                    manifest("x", "9.9.9"),
                ),
        )
        .history("RUN npm ci");
    let report = sb.image_json(&image, &["--offline", "--list-packages"]);
    let targets = report["targets"].as_array().unwrap();
    assert_eq!(targets.len(), 1, "{report:#}");
    assert_eq!(targets[0]["path"], "app/node_modules");
    assert_eq!(targets[0]["format"], "node-pkg");
    let names: Vec<String> = targets[0]["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            format!(
                "{} {}",
                p["name"].as_str().unwrap(),
                p["version"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        names,
        [
            "@babel/core 7.23.0",
            "a 1.0.0",
            "lodash 4.17.20",
            "lodash 4.17.21"
        ]
    );
    let found = vulns(&report);
    let nested = find(&found, "lodash", "GHSA-35jh-r3h4-6jhm");
    assert_eq!(nested.len(), 1, "only the nested 4.17.20 copy: {found:#?}");
    assert_eq!(nested[0]["installed_version"], "4.17.20");
    assert_eq!(find(&found, "@babel/core", "GHSA-babel-0001").len(), 1);
}

#[test]
fn yarn_lock_reads_its_package_json_to_leave_dev_dependencies_out() {
    let sb = Sandbox::new();
    sb.import(&records());
    let lock = "# yarn lockfile v1\n\nlodash@^4.17.0:\n  version \"4.17.20\"\n\nminimist@0.0.8:\n  version \"0.0.8\"\n";
    let manifest = json!({
        "name": "web",
        "dependencies": { "lodash": "^4.17.0" },
        "devDependencies": { "minimist": "0.0.8" }
    });
    let root = write_tree(
        &sb.path("repo"),
        &[
            ("web/yarn.lock", lock.into()),
            ("web/package.json", manifest.to_string()),
        ],
    );
    let report = sb.scan_json(&root, &["--offline"]);
    assert_eq!(
        pairs(&vulns(&report)),
        vec![("lodash".to_string(), "GHSA-35jh-r3h4-6jhm".to_string())]
    );
    let line = &vulns(&report)[0];
    assert_eq!(line["installed_version"], "4.17.20");
    let with_dev = sb.scan_json(&root, &["--offline", "--include-dev-deps"]);
    assert_eq!(vulns(&with_dev).len(), 2);
}

/// A yarn workspace root in a tree: the members' `package.json` files
/// (found through the root's `workspaces` globs, not inside
/// `node_modules`) make their dependencies production ones; the root's
/// development dependencies stay out, as in Trivy.
#[test]
fn yarn_workspace_members_dependencies_are_found() {
    let sb = Sandbox::new();
    sb.import(&records());
    let lock = "# yarn lockfile v1\n\nlodash@^4.17.0:\n  version \"4.17.20\"\n\nminimist@^0.0.8:\n  version \"0.0.8\"\n";
    let root = write_tree(
        &sb.path("repo"),
        &[
            ("yarn.lock", lock.into()),
            (
                "package.json",
                r#"{"private":true,"workspaces":["packages/*"],"devDependencies":{"minimist":"^0.0.8"}}"#.into(),
            ),
            (
                "packages/api/package.json",
                r#"{"name":"api","dependencies":{"lodash":"^4.17.0"}}"#.into(),
            ),
            (
                "node_modules/minimist/package.json",
                r#"{"name":"minimist","version":"0.0.8","dependencies":{"minimist":"^0.0.8"}}"#.into(),
            ),
        ],
    );
    let report = sb.scan_json(&root, &["--offline"]);
    assert_eq!(
        pairs(&vulns(&report)),
        vec![("lodash".to_string(), "GHSA-35jh-r3h4-6jhm".to_string())]
    );
}

/// Members at any depth, through `**` globs too (Trivy matches workspace
/// globs with doublestar): a member five directories down is found.
#[test]
fn yarn_workspace_members_deeper_than_three_directories_are_found() {
    let sb = Sandbox::new();
    sb.import(&records());
    let lock = "# yarn lockfile v1\n\nlodash@^4.17.0:\n  version \"4.17.20\"\n\nminimist@^0.0.8:\n  version \"0.0.8\"\n";
    for globs in [r#"["services/eu/west/team/*"]"#, r#"["services/**"]"#] {
        let root = write_tree(
            &sb.path(&format!("repo{}", globs.len())),
            &[
                ("yarn.lock", lock.into()),
                (
                    "package.json",
                    format!(
                        r#"{{"private":true,"workspaces":{globs},"devDependencies":{{"minimist":"^0.0.8"}}}}"#
                    ),
                ),
                (
                    "services/eu/west/team/api/package.json",
                    r#"{"name":"api","dependencies":{"lodash":"^4.17.0"}}"#.into(),
                ),
            ],
        );
        let report = sb.scan_json(&root, &["--offline"]);
        assert_eq!(
            pairs(&vulns(&report)),
            vec![("lodash".to_string(), "GHSA-35jh-r3h4-6jhm".to_string())],
            "{globs}"
        );
    }
}
