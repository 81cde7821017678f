//! Repository config checks: misconfigurations in the files a team commits
//! (Dockerfiles, Kubernetes manifests, Terraform, GitHub Actions
//! workflows), reported on the exact lines so a reviewer sees them in the
//! pull request's diff.
//!
//! Each file type is one [`Checker`]: it says which files it reads, parses
//! one, and runs its rules. A rule is data ([`Rule`]) plus a check function,
//! so the rule's documentation is generated from the same source the
//! scanner uses.

pub mod dockerfile;
pub mod helm;
pub mod json;
pub mod kubernetes;
pub mod rules_doc;
pub mod scan;
pub mod terraform;
pub mod workflow;
pub mod yaml;

use crate::finding::{fingerprint, Detail, Finding, Location, Misconfiguration, TargetRef};
use crate::matching::severity::Severity;
use serde::Serialize;

/// Every checker, tried in order: a file goes to the first one that wants
/// and accepts it. One line per file type; workflows come before
/// Kubernetes because both read YAML and a workflow is the narrower match.
pub static CHECKERS: &[&dyn Checker] = &[
    &workflow::Workflows,
    &kubernetes::Kubernetes,
    &dockerfile::DockerfileChecker,
    &terraform::TerraformChecker::DEFAULT,
    &terraform::TerraformPlanChecker,
    &terraform::CloudFormationChecker,
    &terraform::ArmChecker,
];

/// Every rule of every checker, in registry order: what `scangate rules`
/// and `docs/rules.md` list.
pub fn all_rules() -> impl Iterator<Item = &'static Rule> {
    CHECKERS.iter().flat_map(|c| c.rules().iter().copied())
}

/// The kinds of config file scangate understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FileType {
    Dockerfile,
    Kubernetes,
    Terraform,
    GithubWorkflow,
    TerraformPlan,
    CloudFormation,
    AzureArm,
}

impl FileType {
    /// The name reports use (`github-workflow`), as in the JSON `type`.
    pub fn as_str(self) -> &'static str {
        match self {
            FileType::Dockerfile => "dockerfile",
            FileType::Kubernetes => "kubernetes",
            FileType::Terraform => "terraform",
            FileType::GithubWorkflow => "github-workflow",
            FileType::TerraformPlan => "terraformplan-json",
            FileType::CloudFormation => "cloudformation",
            FileType::AzureArm => "azure-arm",
        }
    }
}

/// A config file that was checked: a target of the report.
#[derive(Debug, Clone)]
pub struct ConfigFile {
    /// Path relative to the scanned tree's root, with `/` separators.
    pub path: String,
    pub file_type: FileType,
}

/// What a rule is, independent of any file: its documentation source.
#[derive(Debug)]
pub struct Rule {
    /// Our stable id, e.g. `SG-DS-001`.
    pub id: &'static str,
    /// Trivy's ids for the same check (`DS002`, `AVD-DS-0002`,
    /// `DS-0002`), so existing ignore files keep working.
    pub aliases: &'static [&'static str],
    pub title: &'static str,
    pub severity: Severity,
    /// Why it matters.
    pub rationale: &'static str,
    /// How to fix it, with an example.
    pub resolution: &'static str,
}

/// One rule broken at one place of a file, as a checker reports it.
#[derive(Debug, Clone)]
pub struct Violation {
    pub rule: &'static Rule,
    /// What exactly is wrong here.
    pub message: String,
    pub start_line: u32,
    pub end_line: u32,
    /// What the violation is about, independent of line numbers (a stage
    /// and instruction, a resource address, a container name): keeps the
    /// fingerprint stable across unrelated edits above it.
    pub subject: String,
}

/// Settings of the checks a user can change.
#[derive(Debug, Clone)]
pub struct CheckOptions {
    /// Registry hosts images may come from (Kubernetes `SG-K8S-051`,
    /// Trivy's KSV-0125): a registry is trusted when its host ends with
    /// one of them.
    pub trusted_registries: Vec<String>,
    /// The `helm` program that renders charts; `None`: charts are skipped
    /// with a warning.
    pub helm: Option<std::path::PathBuf>,
}

/// Trivy's default trusted registries for KSV-0125: Azure, the ECR regions
/// and GCR.
pub const DEFAULT_TRUSTED_REGISTRIES: &[&str] = &[
    "azurecr.io",
    "ecr.us-east-2.amazonaws.com",
    "ecr.us-east-1.amazonaws.com",
    "ecr.us-west-1.amazonaws.com",
    "ecr.us-west-2.amazonaws.com",
    "ecr.af-south-1.amazonaws.com",
    "ecr.ap-east-1.amazonaws.com",
    "ecr.ap-south-1.amazonaws.com",
    "ecr.ap-northeast-2.amazonaws.com",
    "ecr.ap-southeast-1.amazonaws.com",
    "ecr.ap-southeast-2.amazonaws.com",
    "ecr.ap-northeast-1.amazonaws.com",
    "ecr.ca-central-1.amazonaws.com",
    "ecr.cn-north-1.amazonaws.com.cn",
    "ecr.cn-northwest-1.amazonaws.com.cn",
    "ecr.eu-central-1.amazonaws.com",
    "ecr.eu-west-1.amazonaws.com",
    "ecr.eu-west-2.amazonaws.com",
    "ecr.eu-south-1.amazonaws.com",
    "ecr.eu-west-3.amazonaws.com",
    "ecr.eu-north-1.amazonaws.com",
    "ecr.me-south-1.amazonaws.com",
    "ecr.sa-east-1.amazonaws.com",
    "ecr.us-gov-east-1.amazonaws.com",
    "ecr.us-gov-west-1.amazonaws.com",
    "gcr.io",
    "us.gcr.io",
    "eu.gcr.io",
    "asia.gcr.io",
];

impl Default for CheckOptions {
    fn default() -> Self {
        CheckOptions {
            trusted_registries: DEFAULT_TRUSTED_REGISTRIES
                .iter()
                .map(|r| r.to_string())
                .collect(),
            helm: None,
        }
    }
}

impl CheckOptions {
    /// The options with `trusted` as the trusted registries, or Trivy's
    /// defaults when it is empty.
    pub fn with_trusted_registries(trusted: &[String]) -> Self {
        let mut options = CheckOptions::default();
        let given: Vec<String> = trusted
            .iter()
            .map(|r| r.trim().trim_end_matches('/').to_ascii_lowercase())
            .filter(|r| !r.is_empty())
            .collect();
        if !given.is_empty() {
            options.trusted_registries = given;
        }
        options
    }

    /// Whether images from the registry host `registry` are trusted.
    pub fn trusts_registry(&self, registry: &str) -> bool {
        let registry = registry.to_ascii_lowercase();
        self.trusted_registries
            .iter()
            .any(|t| registry.ends_with(t.as_str()))
    }
}

/// A file type's parser and rules.
pub trait Checker: Sync {
    fn file_type(&self) -> FileType;
    /// Whether this checker reads the file at `path` (relative, `/`-separated).
    fn wants(&self, path: &str) -> bool;
    /// Whether `content` is this checker's kind of file, for files whose
    /// name cannot tell (any YAML file may be a Kubernetes manifest). A file
    /// no checker accepts is not a target of the report.
    fn accepts(&self, _content: &str) -> bool {
        true
    }
    /// Parses `content` and runs every rule. `Err` is a one-line reason the
    /// file could not be parsed; the scan warns and goes on.
    fn check(&self, path: &str, content: &str) -> Result<Vec<Violation>, String>;
    /// [`Checker::check`] with the user's settings; checkers that have none
    /// keep this default.
    fn check_with(
        &self,
        path: &str,
        content: &str,
        _options: &CheckOptions,
    ) -> Result<Vec<Violation>, String> {
        self.check(path, content)
    }
    /// Every rule this checker can report, for documentation.
    fn rules(&self) -> &'static [&'static Rule];
    /// A rule's failing and passing example, for its documentation, when
    /// the checker keeps them as data.
    fn examples(&self, _rule_id: &str) -> Option<(&'static str, &'static str)> {
        None
    }
    /// Whether this checker's files depend on each other (a Terraform
    /// module is a directory of files that share variables and resources):
    /// the scan then hands them all to [`Checker::check_together`] after
    /// the walk instead of checking them one by one.
    fn together(&self) -> bool {
        false
    }
    /// Checks files that are read together (`(path, content)` pairs). Each
    /// result names one of the given files; files missing from the results
    /// (inputs such as variables files) are not targets of the report.
    fn check_together(
        &self,
        files: &[(String, String)],
    ) -> Vec<(String, Result<Vec<Violation>, String>)> {
        files
            .iter()
            .map(|(path, content)| (path.clone(), self.check(path, content)))
            .collect()
    }
}

impl Violation {
    /// The finding for this violation in the file `path`, target `target`.
    pub fn into_finding(self, path: &str, target: usize, content: &str) -> Finding {
        let snippet = content
            .lines()
            .skip(self.start_line.saturating_sub(1) as usize)
            .take((self.end_line.saturating_sub(self.start_line) + 1) as usize)
            .collect::<Vec<_>>()
            .join("\n");
        Finding {
            id: self.rule.id.to_string(),
            aliases: self.rule.aliases.iter().map(|a| a.to_string()).collect(),
            severity: self.rule.severity,
            score: None,
            title: self.rule.title.to_string(),
            references: Vec::new(),
            target: TargetRef::ConfigFile(target),
            location: Location::Lines {
                path: path.to_string(),
                start_line: self.start_line,
                end_line: self.end_line,
            },
            fingerprint: fingerprint(&["misconfiguration", self.rule.id, path, &self.subject]),
            detail: Detail::Misconfiguration(Misconfiguration {
                message: self.message,
                resolution: self.rule.resolution.to_string(),
                snippet,
            }),
        }
    }
}
