//! The crate's layering, enforced. Data moves one way, and so do imports:
//! each top-level module may use only modules of a lower tier below. A
//! `use crate::…` (or any `crate::…` path outside a comment) that points
//! up or sideways fails this test, so a new module cycle fails CI instead
//! of growing quietly. (The compiler cannot enforce this inside one crate;
//! separate crates under `crates/` would, later.)
//!
//! The order, bottom to top, is the pipeline's: shared types (`core`),
//! then the image's files (`image`), what the analyzers make of them
//! (`inventory`, with the `secret` engine the layer scan runs), where
//! images come from (`source`), advisories (`vulndb`), matching, policy,
//! the config checks, reports, publishing, and the command layer.

/// Tiers, bottom first. A module may import modules of lower tiers only:
/// not its own tier's, not a higher one's. A new top-level module must be
/// placed here (the test says so).
const TIERS: &[&[&str]] = &[
    &["core", "redact"],
    &["error"],
    &["text_file", "dockerfile", "registry", "version"],
    &["image"],
    &["secret"],
    &["inventory"],
    &["cache"],
    &["source"],
    &["vulndb"],
    &["matching"],
    &["policy"],
    &["config"],
    &["report"],
    &["publish"],
    &["cli", "settings"],
    &["run"],
    &["manifests"],
    &["ci"],
    &["cmd"],
];

/// Names `lib.rs` re-exports from `core` for the stages that name them
/// (`crate::finding`, `crate::ecosystem`).
const CORE_ALIASES: &[&str] = &["finding", "ecosystem"];

/// `module` with `lib.rs`'s aliases of `core` resolved.
fn canonical(module: &str) -> &str {
    if CORE_ALIASES.contains(&module) {
        "core"
    } else {
        module
    }
}

fn tier(module: &str) -> Option<usize> {
    let module = canonical(module);
    TIERS.iter().position(|t| t.contains(&module))
}

/// The top-level modules a file of Rust names through `crate::`, with
/// the (1-based) line of each, including grouped imports over several
/// lines (`use crate::{a::X, b};`). Comments name nothing.
fn crate_refs(text: &str) -> Vec<(usize, String)> {
    let code: String = text
        .lines()
        .map(|line| {
            if line.trim_start().starts_with("//") {
                ""
            } else {
                line.split(" //").next().unwrap_or(line)
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    let line_of = |at: usize| code[..at].matches('\n').count() + 1;
    let mut found = Vec::new();
    for (at, _) in code.match_indices("crate::") {
        // `$crate::` (macros) and identifiers ending in `crate` are not
        // this crate's paths.
        let before = code[..at].chars().next_back();
        if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$') {
            continue;
        }
        let rest = &code[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let start = at + "crate::{".len();
            let mut depth = 0;
            let mut fresh = true;
            for (i, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => fresh = true,
                    c if fresh && !c.is_whitespace() => {
                        fresh = false;
                        found.push((line_of(start + i), ident(&group[i..])));
                    }
                    _ => {}
                }
            }
        } else {
            found.push((line_of(at), ident(rest)));
        }
    }
    found.retain(|(_, m)| !m.is_empty());
    found
}

/// Every import of `src/` that breaks the tiers, as `file:line: a -> b`,
/// plus every top-level module the tiers do not place.
fn violations(src: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut files = Vec::new();
    let mut pending = vec![src.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).expect("read src") {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    for path in files {
        let rel = path.strip_prefix(src).expect("under src");
        let first = rel.components().next().expect("a component");
        let module = first.as_os_str().to_string_lossy();
        let module = module.trim_end_matches(".rs");
        // The crate root and the binary wire everything together; this
        // file's own examples are not imports.
        if module == "lib" || module == "main" || module == "layering" {
            continue;
        }
        let Some(own) = tier(module) else {
            out.push(format!("{}: module `{module}` has no tier", rel.display()));
            continue;
        };
        let text = std::fs::read_to_string(&path).expect("read source");
        for (line, target) in crate_refs(&text) {
            match tier(&target) {
                Some(t) if t < own => {}
                _ if canonical(&target) == module => {}
                _ => out.push(format!("{}:{line}: {module} -> {target}", rel.display())),
            }
        }
    }
    out
}

#[test]
fn every_import_points_down_the_tiers() {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let found = violations(&src);
    assert!(
        found.is_empty(),
        "imports against the layering in src/layering.rs (move the shared piece down, or invert \
         the dependency with a trait the lower module defines):\n{}",
        found.join("\n")
    );
}

#[test]
fn the_scanner_sees_plain_grouped_and_nested_paths() {
    let names =
        |text: &str| -> Vec<String> { crate_refs(text).into_iter().map(|(_, m)| m).collect() };
    assert_eq!(names("use crate::report::json;"), ["report"]);
    assert_eq!(
        names("use crate::{error::Error, finding::{A, B}, run};"),
        ["error", "finding", "run"]
    );
    assert_eq!(
        crate_refs("use std::io;\nuse crate::{\n    error::Error,\n    vulndb,\n};\n"),
        [(3, "error".to_string()), (4, "vulndb".to_string())]
    );
    assert_eq!(
        names("    let x = crate::vulndb::open(); // crate::cmd"),
        ["vulndb"]
    );
    assert!(names("/// see [`x`](crate::report::json)").is_empty());
    assert!(names("$crate::x!(); let notcrate::y = 1;").is_empty());
}

#[test]
fn an_upward_import_is_reported() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join("policy")).expect("mkdir");
    std::fs::write(
        dir.path().join("policy/baseline.rs"),
        "use crate::matching::X;\nuse crate::report::json::SCHEMA_VERSION;\n",
    )
    .expect("write");
    std::fs::write(dir.path().join("shiny.rs"), "").expect("write");
    assert_eq!(
        violations(dir.path()),
        [
            "policy/baseline.rs:2: policy -> report",
            "shiny.rs: module `shiny` has no tier"
        ]
    );
}
