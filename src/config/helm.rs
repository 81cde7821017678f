//! Helm charts: a directory with a `Chart.yaml` is rendered with its
//! default values (`helm template DIR`) when `helm` is on PATH, and the
//! Kubernetes rules run on what it renders. Without `helm`, or when it
//! cannot render the chart, the chart is skipped with one warning naming
//! it: never silently.
//!
//! Findings go to the template each manifest came from (the `# Source:`
//! comments `helm template` writes), on the template line that reads like
//! the rendered one: the same text, else the first line with the same key;
//! else the template's first line. A template a packaged subchart
//! (`charts/*.tgz`) rendered has no file to point at: its findings keep
//! the rendered lines, under the path `helm template` names.

use super::{kubernetes, yaml, CheckOptions, Violation};
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The file that makes a directory a chart.
pub const CHART_FILE: &str = "Chart.yaml";
/// How long `helm template` may take for one chart.
const RENDER_TIMEOUT: Duration = Duration::from_secs(60);
/// The most rendered output read from `helm template`.
const MAX_RENDERED: u64 = 16 * 1024 * 1024;

/// One template's rendered manifests, checked: the template's path
/// (relative to the scanned root), its text when it could be read, and the
/// violations placed on its lines.
pub struct RenderedTemplate {
    pub path: String,
    pub content: Option<String>,
    pub violations: Vec<Violation>,
}

/// `helm` on PATH, if any.
pub fn find_helm() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join("helm"))
        .find(|candidate| is_executable(candidate))
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(path: &Path) -> bool {
    path.is_file()
}

/// Whether a file's name is one a chart renders manifests from (so only
/// those pay for [`in_chart`]'s look up the tree).
pub fn is_template_name(rel: &str) -> bool {
    let lower = rel.to_ascii_lowercase();
    [".yaml", ".yml", ".json", ".tpl"]
        .iter()
        .any(|ext| lower.ends_with(ext))
}

/// Whether the file at `path` (below `root`) is part of a chart whose
/// templates are checked through rendering: it lies under the
/// `templates/` or `charts/` directory of the nearest directory holding a
/// `Chart.yaml`.
pub fn in_chart(root: &Path, path: &Path) -> bool {
    let mut dir = path.parent();
    while let Some(d) = dir {
        if d.join(CHART_FILE).is_file() {
            let rest = path.strip_prefix(d).unwrap_or(path);
            return rest.starts_with("templates") || rest.starts_with("charts");
        }
        if d == root || !d.starts_with(root) {
            return false;
        }
        dir = d.parent();
    }
    false
}

/// Whether the `Chart.yaml` at `chart_file` belongs to a subchart
/// unpacked in another chart's `charts/` directory: that one is rendered
/// with its parent (and reported under the parent's path), not on its own.
pub fn is_subchart(chart_file: &Path) -> bool {
    let Some(charts) = chart_file.parent().and_then(Path::parent) else {
        return false;
    };
    charts.file_name().is_some_and(|n| n == "charts")
        && charts
            .parent()
            .is_some_and(|parent| parent.join(CHART_FILE).is_file())
}

/// Renders the chart in `dir` (`chart_rel` relative to the scanned root,
/// `""` for the root itself) and checks what it renders. `Err` is the
/// one-line reason the chart was skipped; a template that renders to
/// invalid YAML is skipped alone, with a warning naming it.
pub fn check_chart(
    dir: &Path,
    chart_rel: &str,
    options: &CheckOptions,
) -> Result<Vec<RenderedTemplate>, String> {
    let Some(helm) = &options.helm else {
        return Err("`helm` is not on PATH, so its templates were not rendered and checked".into());
    };
    let rendered = render(helm, dir)?;
    let mut by_source: BTreeMap<String, String> = BTreeMap::new();
    for (source, text) in split_sources(&rendered) {
        let doc = by_source.entry(source).or_default();
        doc.push_str("---\n");
        doc.push_str(&text);
    }
    let mut out = Vec::new();
    for (source, text) in by_source {
        // `helm template` names sources `<chart name>/templates/x.yaml`.
        let inside = source.split_once('/').map_or(source.as_str(), |(_, r)| r);
        let path = if chart_rel.is_empty() {
            inside.to_string()
        } else {
            format!("{chart_rel}/{inside}")
        };
        let docs = match yaml::parse(&text) {
            Ok(docs) => docs,
            Err(e) => {
                tracing::warn!("{path}: skipped, Helm rendered it to invalid YAML: {e}");
                continue;
            }
        };
        let mut violations = kubernetes::check_rendered(&docs, options);
        let content = std::fs::read_to_string(dir.join(inside)).ok();
        if let Some(template) = &content {
            let rendered_lines: Vec<&str> = text.lines().collect();
            let template_lines: Vec<&str> = template.lines().collect();
            for v in &mut violations {
                let line = rendered_lines
                    .get(v.start_line.saturating_sub(1) as usize)
                    .copied()
                    .unwrap_or("");
                let mapped = template_line(&template_lines, line);
                v.start_line = mapped;
                v.end_line = mapped;
            }
            violations.sort_by_key(|v| (v.start_line, v.rule.id));
        }
        out.push(RenderedTemplate {
            path,
            content,
            violations,
        });
    }
    Ok(out)
}

/// Runs `helm template DIR` with a time limit; its standard output, or
/// why it failed.
fn render(helm: &Path, dir: &Path) -> Result<String, String> {
    let mut child = Command::new(helm)
        .arg("template")
        .arg(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run {}: {e}", helm.display()))?;
    let stdout = child.stdout.take();
    let stderr = child.stderr.take();
    let read = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(pipe) = pipe {
                // Bounded: a runaway renderer cannot exhaust memory.
                let _ = pipe.take(MAX_RENDERED).read_to_end(&mut buf);
            }
            buf
        })
    };
    let out = read(stdout.map(|p| Box::new(p) as Box<dyn Read + Send>));
    let err = read(stderr.map(|p| Box::new(p) as Box<dyn Read + Send>));
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() > RENDER_TIMEOUT => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "`helm template` took longer than {}s",
                    RENDER_TIMEOUT.as_secs()
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(format!("waiting for helm: {e}")),
        }
    };
    let stdout = out.join().unwrap_or_default();
    let stderr = err.join().unwrap_or_default();
    if !status.success() {
        let reason = String::from_utf8_lossy(&stderr);
        let first = reason.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
        return Err(format!("`helm template` failed ({status}): {first}"));
    }
    String::from_utf8(stdout).map_err(|_| "`helm template` wrote text that is not UTF-8".into())
}

/// The rendered documents, each with the template it came from.
fn split_sources(rendered: &str) -> Vec<(String, String)> {
    let mut docs: Vec<(String, String)> = Vec::new();
    let mut source = String::new();
    let mut text = String::new();
    let mut flush = |source: &mut String, text: &mut String| {
        if !source.is_empty() && !text.trim().is_empty() {
            docs.push((std::mem::take(source), std::mem::take(text)));
        }
        source.clear();
        text.clear();
    };
    for line in rendered.lines() {
        if line == "---" || line.starts_with("--- ") {
            flush(&mut source, &mut text);
        } else if let Some(name) = line.strip_prefix("# Source: ") {
            source = name.trim().to_string();
        } else {
            text.push_str(line);
            text.push('\n');
        }
    }
    flush(&mut source, &mut text);
    docs
}

/// The 1-based line of `template` that reads like the rendered `line`: the
/// same text, else the first with the same key, else 1.
fn template_line(template: &[&str], line: &str) -> u32 {
    let wanted = line.trim();
    let key = wanted.split(':').next().unwrap_or(wanted).trim();
    let at = |i: usize| u32::try_from(i + 1).unwrap_or(1);
    if let Some(i) = template.iter().position(|t| t.trim() == wanted) {
        return at(i);
    }
    if !key.is_empty() {
        if let Some(i) = template
            .iter()
            .position(|t| t.trim().split(':').next().unwrap_or("").trim() == key)
        {
            return at(i);
        }
    }
    1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rendered_output_splits_by_source() {
        let rendered = "---\n# Source: app/templates/sa.yaml\nkind: ServiceAccount\n---\n# Source: app/templates/deploy.yaml\nkind: Deployment\n---\n# Source: app/templates/sa.yaml\nkind: Secret\n";
        let docs = split_sources(rendered);
        let sources: Vec<&str> = docs.iter().map(|(s, _)| s.as_str()).collect();
        assert_eq!(
            sources,
            [
                "app/templates/sa.yaml",
                "app/templates/deploy.yaml",
                "app/templates/sa.yaml"
            ]
        );
        assert_eq!(docs[1].1, "kind: Deployment\n");
    }

    #[test]
    fn unpacked_subcharts_belong_to_their_parent() {
        let dir = tempfile::tempdir().expect("tempdir");
        let chart = dir.path().join("web");
        let sub = chart.join("charts/redis");
        std::fs::create_dir_all(sub.join("templates")).expect("mkdir");
        std::fs::write(chart.join(CHART_FILE), "name: web\n").expect("write");
        std::fs::write(sub.join(CHART_FILE), "name: redis\n").expect("write");
        std::fs::write(sub.join("templates/x.yaml"), "kind: Pod\n").expect("write");
        assert!(!is_subchart(&chart.join(CHART_FILE)));
        assert!(is_subchart(&sub.join(CHART_FILE)));
        assert!(in_chart(dir.path(), &sub.join("templates/x.yaml")));
        assert!(!in_chart(dir.path(), &chart.join("values.yaml")));
    }

    #[test]
    fn lines_map_by_text_then_key() {
        let template = [
            "spec:",
            "  containers:",
            "    - name: {{ .Chart.Name }}",
            "      image: \"{{ .Values.image }}\"",
            "      securityContext:",
            "        privileged: true",
        ];
        assert_eq!(template_line(&template, "        privileged: true"), 6);
        assert_eq!(template_line(&template, "      image: \"nginx:1\""), 4);
        assert_eq!(template_line(&template, "    - name: app"), 3);
        assert_eq!(template_line(&template, "unrelated"), 1);
    }
}
