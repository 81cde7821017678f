//! Runs the Terraform and Dockerfile checkers over a directory tree and
//! prints one JSON object per violation, for `scripts/compare-config.py`
//! to set beside `trivy config`. Not the product's walker (that is
//! `scangate config`): no .gitignore, no reports, just the checkers.
//!
//! cargo run --example config_check -- DIR

use scangate::config::dockerfile::DockerfileChecker;
use scangate::config::terraform::TerraformChecker;
use scangate::config::Checker;
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

fn main() -> ExitCode {
    let Some(root) = std::env::args().nth(1) else {
        eprintln!("usage: config_check DIR");
        return ExitCode::from(2);
    };
    let checkers: [&dyn Checker; 2] = [&TerraformChecker, &DockerfileChecker];
    let started = Instant::now();
    let mut files = Vec::new();
    collect(Path::new(&root), &mut files);
    let mut checked = 0;
    for path in &files {
        let relative = path
            .strip_prefix(&root)
            .unwrap_or(path)
            .to_string_lossy()
            .replace('\\', "/");
        for checker in checkers.iter().filter(|c| c.wants(&relative)) {
            let Ok(content) = std::fs::read_to_string(path) else {
                eprintln!("{relative}: not UTF-8 text");
                continue;
            };
            checked += 1;
            match checker.check(&relative, &content) {
                Ok(violations) => {
                    for v in violations {
                        let line = serde_json::json!({
                            "path": relative,
                            "type": checker.file_type(),
                            "id": v.rule.id,
                            "aliases": v.rule.aliases,
                            "severity": format!("{:?}", v.rule.severity).to_uppercase(),
                            "start_line": v.start_line,
                            "end_line": v.end_line,
                            "subject": v.subject,
                            "message": v.message,
                        });
                        println!("{line}");
                    }
                }
                Err(reason) => eprintln!("{relative}: {reason}"),
            }
        }
    }
    eprintln!(
        "checked {checked} of {} files in {:?}",
        files.len(),
        started.elapsed()
    );
    ExitCode::SUCCESS
}

fn collect(dir: &Path, files: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if entry.file_type().is_ok_and(|t| t.is_dir()) {
            if entry.file_name() != ".git" {
                collect(&path, files);
            }
        } else {
            files.push(path);
        }
    }
}
