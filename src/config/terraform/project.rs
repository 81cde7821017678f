//! Terraform evaluated the way Terraform (and Trivy) read it: a module is
//! a directory, not a file. The `.tf` and `.tf.json` files of a directory
//! share their variables, locals and resources; a root module takes its
//! variables from `terraform.tfvars`, `*.auto.tfvars` and `--tf-vars`
//! files; a `module` block with a local `source` evaluates that directory
//! again with the block's inputs, and the findings land in the module's
//! own files. Each directory nobody calls is a root module.
//!
//! Rules run once per evaluated module on all its files together, so a
//! bucket's public access block in another file of the module counts. A
//! module called twice, or once per `count`/`for_each` instance, reports
//! each finding once per call and instance, as Trivy does (the subject
//! carries `module.NAME[KEY].`).

use super::hcl::{self, Module, ModuleCall, Scope, Value};
use super::tfjson;
use crate::config::Violation;
use std::collections::{BTreeMap, HashMap, HashSet};

/// How deep module calls are followed.
const MAX_MODULE_DEPTH: usize = 16;
/// How many times `locals` are re-evaluated so locals built from other
/// locals resolve.
const LOCALS_PASSES: usize = 4;

/// One input file of the project.
pub struct File<'a> {
    pub path: &'a str,
    pub content: &'a str,
}

/// The result for each checked file: its violations, or why it was skipped.
pub type Results = Vec<(String, Result<Vec<Violation>, String>)>;

/// A configuration file parsed, not yet evaluated.
enum Parsed {
    Hcl(hcl::Source),
    Json(tfjson::Source),
}

impl Parsed {
    fn variable_defaults(&self) -> Vec<(String, Value)> {
        match self {
            Parsed::Hcl(s) => s.variable_defaults(),
            Parsed::Json(s) => s.variable_defaults(),
        }
    }

    fn locals(&self, scope: &Scope) -> Vec<(String, Value)> {
        match self {
            Parsed::Hcl(s) => s.locals(scope),
            Parsed::Json(s) => s.locals(scope),
        }
    }

    fn module_sources(&self) -> Vec<String> {
        match self {
            Parsed::Hcl(s) => s.module_sources(),
            Parsed::Json(s) => s
                .module_calls(&Scope::default())
                .into_iter()
                .map(|call| call.source)
                .collect(),
        }
    }

    fn module_calls(&self, scope: &Scope) -> Vec<ModuleCall> {
        match self {
            Parsed::Hcl(s) => s.module_calls(scope),
            Parsed::Json(s) => s.module_calls(scope),
        }
    }

    fn convert(&self, scope: &Scope) -> Module {
        match self {
            Parsed::Hcl(s) => s.convert(scope),
            Parsed::Json(s) => s.convert(scope),
        }
    }
}

/// The directory of a `/`-separated relative path (`""` at the root).
fn dir_of(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(dir, _)| dir)
}

/// `dir` joined with a relative module source, normalised; `None` when it
/// leaves the scanned tree or is not a local path.
fn join(dir: &str, source: &str) -> Option<String> {
    if !(source.starts_with("./") || source.starts_with("../")) {
        return None;
    }
    let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
    for part in source.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            other => parts.push(other),
        }
    }
    Some(parts.join("/"))
}

/// Checks the Terraform files of a tree together. `files` holds `.tf`,
/// `.tf.json` and variables files (`.tfvars`, `.tfvars.json`); `tf_vars`
/// the `--tf-vars` files, applied to every root module. Variables files
/// are inputs, not results.
pub fn check(
    files: &[File],
    tf_vars: &[File],
    rules: impl Fn(&Module) -> Vec<Violation>,
) -> Results {
    let mut results: Results = Vec::new();
    let mut parsed: BTreeMap<&str, Vec<(usize, Parsed)>> = BTreeMap::new();
    let mut variables_files: BTreeMap<&str, Vec<&File>> = BTreeMap::new();
    let mut checked: Vec<&str> = Vec::new();
    for file in files {
        let dir = dir_of(file.path);
        if is_variables_file(file.path) {
            variables_files.entry(dir).or_default().push(file);
            continue;
        }
        let source = if file.path.ends_with(".json") {
            tfjson::Source::parse(file.content).map(Parsed::Json)
        } else {
            hcl::Source::parse(file.content).map(Parsed::Hcl)
        };
        match source {
            Ok(source) => {
                parsed.entry(dir).or_default().push((checked.len(), source));
                checked.push(file.path);
            }
            Err(reason) => results.push((file.path.to_string(), Err(reason))),
        }
    }
    let project = Project {
        parsed: &parsed,
        paths: &checked,
        rules: &rules,
        tf_vars,
        variables_files: &variables_files,
    };
    let mut found: Vec<Vec<Found>> = vec![Vec::new(); checked.len()];
    let called: HashSet<String> = parsed
        .iter()
        .flat_map(|(dir, sources)| {
            sources
                .iter()
                .flat_map(|(_, s)| s.module_sources())
                .filter_map(move |source| join(dir, &source))
                .filter(move |target| target != dir)
        })
        .collect();
    let mut evaluated = HashSet::new();
    for dir in parsed.keys().filter(|d| !called.contains(**d)) {
        project.evaluate(dir, None, "", &mut Vec::new(), &mut evaluated, &mut found);
    }
    // Modules only reachable through a cycle of calls have no root.
    for dir in parsed.keys() {
        if !evaluated.contains(*dir) {
            project.evaluate(dir, None, "", &mut Vec::new(), &mut evaluated, &mut found);
        }
    }
    for (index, found) in found.into_iter().enumerate() {
        let mut seen = HashSet::new();
        let mut violations: Vec<Violation> = found
            .into_iter()
            .filter(|f| {
                seen.insert((
                    f.violation.rule.id,
                    f.violation.start_line,
                    f.violation.end_line,
                    f.key.clone(),
                ))
            })
            .map(|f| f.violation)
            .collect();
        violations.sort_by(|a, b| {
            (a.start_line, a.rule.id, &a.subject).cmp(&(b.start_line, b.rule.id, &b.subject))
        });
        results.push((checked[index].to_string(), Ok(violations)));
    }
    results
}

/// Whether Terraform reads the file as variable values, not configuration.
fn is_variables_file(path: &str) -> bool {
    path.ends_with(".tfvars") || path.ends_with(".tfvars.json")
}

/// Whether a root module loads this variables file by itself.
fn auto_loaded(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    matches!(name, "terraform.tfvars" | "terraform.tfvars.json")
        || name.ends_with(".auto.tfvars")
        || name.ends_with(".auto.tfvars.json")
}

/// The assignments of a variables file; an unreadable one is a warning.
fn assignments(file: &File) -> Vec<(String, Value)> {
    let parsed = if file.path.ends_with(".json") {
        crate::config::json::parse(file.content).map(|root| {
            root.entries()
                .iter()
                .filter_map(|(k, v)| Some((k.as_str()?.to_string(), json_value(v))))
                .collect()
        })
    } else {
        hcl::Source::parse(file.content).map(|s| s.assignments())
    };
    parsed.unwrap_or_else(|reason| {
        tracing::warn!("{}: skipped, cannot parse: {reason}", file.path);
        Vec::new()
    })
}

/// A JSON variables value as an HCL value (no templates in `.tfvars.json`).
fn json_value(node: &crate::config::yaml::Node) -> Value {
    use crate::config::yaml::Value as Json;
    match &node.value {
        Json::Null => Value::Null,
        Json::Scalar(s) => Value::String(s.clone()),
        Json::Seq(items) => Value::List(items.iter().map(json_value).collect()),
        Json::Map(entries) => Value::Object(
            entries
                .iter()
                .filter_map(|(k, v)| Some((k.as_str()?.to_string(), json_value(v))))
                .collect(),
        ),
    }
}

/// A violation and what tells it apart from another of the same rule on
/// the same lines: its subject without the indexes of nested blocks, so
/// the blocks one `dynamic` block makes (all on the content's lines)
/// report once, as in Trivy, while resource and module instances
/// (`aws_s3_bucket.logs[0]`, `module.db["a"]`) each report.
#[derive(Clone)]
struct Found {
    violation: Violation,
    key: String,
}

struct Project<'a, R> {
    parsed: &'a BTreeMap<&'a str, Vec<(usize, Parsed)>>,
    /// Checked files' paths, by index.
    paths: &'a [&'a str],
    rules: &'a R,
    tf_vars: &'a [File<'a>],
    variables_files: &'a BTreeMap<&'a str, Vec<&'a File<'a>>>,
}

impl<R: Fn(&Module) -> Vec<Violation>> Project<'_, R> {
    /// Evaluates the module in `dir` with `inputs` (`None` for a root
    /// module), runs the rules and follows its local module calls.
    /// `prefix` is the module instance's address (`module.db["a"].`,
    /// empty for a root module), which the findings' subjects carry so
    /// each call and instance reports, as in Trivy.
    #[allow(clippy::too_many_arguments)]
    fn evaluate(
        &self,
        dir: &str,
        inputs: Option<&HashMap<String, Value>>,
        prefix: &str,
        stack: &mut Vec<String>,
        evaluated: &mut HashSet<String>,
        found: &mut [Vec<Found>],
    ) {
        let Some(sources) = self.parsed.get(dir) else {
            return;
        };
        evaluated.insert(dir.to_string());
        let scope = self.scope(dir, sources, inputs);
        let mut merged = Module { blocks: Vec::new() };
        let mut owner: HashMap<String, usize> = HashMap::new();
        for (index, source) in sources {
            for block in source.convert(&scope).blocks {
                owner.entry(block.address()).or_insert(*index);
                merged.blocks.push(block);
            }
        }
        let first = sources.first().map_or(0, |(index, _)| *index);
        for mut violation in (self.rules)(&merged) {
            let address = address_of(&violation.subject, &owner);
            let index = address.and_then(|a| owner.get(a)).copied().unwrap_or(first);
            let rest = &violation.subject[address.map_or(0, str::len)..];
            let key = format!("{prefix}{}{}", address.unwrap_or(""), without_indexes(rest));
            // Instances of one block share their lines: the message names
            // which one it is, as Trivy's result names its resource.
            if let Some(address) = address.filter(|a| !prefix.is_empty() || a.ends_with(']')) {
                violation.message = format!("{} ({prefix}{address})", violation.message);
            }
            violation.subject = format!("{prefix}{}", violation.subject);
            found[index].push(Found { violation, key });
        }
        stack.push(dir.to_string());
        for (index, source) in sources {
            for call in source.module_calls(&scope) {
                let Some(target) = join(dir, &call.source) else {
                    continue;
                };
                if stack.contains(&target) {
                    tracing::warn!(
                        "{}: skipped module \"{}\" (line {}): it calls {} recursively",
                        self.paths[*index],
                        call.name,
                        call.line,
                        if target.is_empty() { "." } else { &target }
                    );
                    continue;
                }
                if stack.len() >= MAX_MODULE_DEPTH {
                    tracing::warn!(
                        "{}: skipped module \"{}\": modules nested deeper than {MAX_MODULE_DEPTH}",
                        self.paths[*index],
                        call.name
                    );
                    continue;
                }
                let prefix = format!("{prefix}module.{}.", call.name);
                self.evaluate(
                    &target,
                    Some(&call.inputs),
                    &prefix,
                    stack,
                    evaluated,
                    found,
                );
            }
        }
        stack.pop();
    }

    /// Variables (defaults, then tfvars for a root module or the caller's
    /// inputs for a called one) and locals of the module in `dir`.
    fn scope(
        &self,
        dir: &str,
        sources: &[(usize, Parsed)],
        inputs: Option<&HashMap<String, Value>>,
    ) -> Scope {
        let mut scope = Scope::default();
        for (_, source) in sources {
            scope.variables.extend(source.variable_defaults());
        }
        match inputs {
            Some(inputs) => {
                // An input we cannot evaluate hides the default: the module
                // gets that unknown value, not its default.
                for (name, value) in inputs {
                    scope.variables.insert(name.clone(), value.clone());
                }
            }
            None => {
                let mut auto: Vec<&&File> = self
                    .variables_files
                    .get(dir)
                    .map(|files| files.iter().filter(|f| auto_loaded(f.path)).collect())
                    .unwrap_or_default();
                // Terraform reads terraform.tfvars first, then *.auto.tfvars
                // in name order.
                auto.sort_by_key(|f| {
                    (
                        !f.path.ends_with("terraform.tfvars")
                            && !f.path.ends_with("terraform.tfvars.json"),
                        f.path,
                    )
                });
                for file in auto.into_iter().copied().chain(self.tf_vars.iter()) {
                    scope.variables.extend(assignments(file));
                }
            }
        }
        for _ in 0..LOCALS_PASSES {
            let locals: HashMap<String, Value> =
                sources.iter().flat_map(|(_, s)| s.locals(&scope)).collect();
            if locals == scope.locals {
                break;
            }
            scope.locals = locals;
        }
        scope
    }
}

/// The address of the block a violation's subject starts with:
/// `aws_s3_bucket.logs` of `aws_s3_bucket.logs.acl`,
/// `aws_s3_bucket.logs["a.b"]` of `aws_s3_bucket.logs["a.b"].acl`.
fn address_of<'s, V>(subject: &'s str, owner: &HashMap<String, V>) -> Option<&'s str> {
    subject
        .match_indices('.')
        .map(|(i, _)| &subject[..i])
        .chain(std::iter::once(subject))
        .find(|prefix| owner.contains_key(*prefix))
}

/// A subject's path with nested-block indexes dropped: `ingress[1].cidr`
/// → `ingress.cidr`.
fn without_indexes(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut rest = path;
    while let Some(open) = rest.find('[') {
        out.push_str(&rest[..open]);
        match rest[open..].find(']') {
            Some(close)
                if rest[open + 1..open + close]
                    .bytes()
                    .all(|b| b.is_ascii_digit()) =>
            {
                rest = &rest[open + close + 1..];
            }
            _ => {
                out.push('[');
                rest = &rest[open + 1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_local_sources() {
        assert_eq!(
            join("envs/prod", "../../modules/db").as_deref(),
            Some("modules/db")
        );
        assert_eq!(join("", "./modules/db").as_deref(), Some("modules/db"));
        assert_eq!(join("", "../outside"), None);
        assert_eq!(join("", "terraform-aws-modules/vpc/aws"), None);
    }

    #[test]
    fn subjects_name_their_resource() {
        let owner: HashMap<String, usize> = [
            "aws_s3_bucket.logs",
            "data.aws_ami.x",
            "aws_s3_bucket.each[\"a.b\"]",
        ]
        .into_iter()
        .map(|a| (a.to_string(), 0))
        .collect();
        let of = |s| address_of(s, &owner);
        assert_eq!(of("aws_s3_bucket.logs.acl"), Some("aws_s3_bucket.logs"));
        assert_eq!(of("data.aws_ami.x.owners"), Some("data.aws_ami.x"));
        assert_eq!(
            of("aws_s3_bucket.each[\"a.b\"].acl"),
            Some("aws_s3_bucket.each[\"a.b\"]")
        );
        assert_eq!(of("aws_sqs_queue.q.x"), None);
        assert_eq!(without_indexes(".ingress[1].cidr[0]"), ".ingress.cidr");
        assert_eq!(without_indexes(".tags[\"a\"]"), ".tags[\"a\"]");
    }
}
