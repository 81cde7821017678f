//! Every workflow rule fails on `BAD` (snapshot) and passes on `GOOD`.

use super::rules::RULES;
use super::Workflows;
use crate::config::{Checker, Violation};
use std::collections::BTreeSet;

fn render(violations: &[Violation]) -> String {
    violations
        .iter()
        .map(|v| {
            format!(
                "{}-{} {} [{}] {}",
                v.start_line, v.end_line, v.rule.id, v.subject, v.message
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn check(text: &str) -> Vec<Violation> {
    Workflows
        .check(".github/workflows/ci.yml", text)
        .expect("valid YAML")
}

const BAD: &str = r#"name: ci
on:
  pull_request_target:
    types: [opened]
env:
  ACTIONS_ALLOW_UNSECURE_COMMANDS: true
jobs:
  build:
    runs-on: ubuntu-latest
    permissions: write-all
    steps:
      - uses: actions/checkout@v4
        with:
          ref: ${{ github.event.pull_request.head.sha }}
      - uses: some-org/setup-thing@v2
      - uses: other/tool
      - name: Greet
        run: |
          echo "building"
          echo "${{ github.event.pull_request.title }}"
          echo "${{ github.event.pull_request.title }} again"
          echo "${{ github.sha }}"
      - uses: actions/github-script@v7
        with:
          script: console.log("${{ github.event.comment.body }}")
      - run: deploy --token ${{ secrets.DEPLOY_TOKEN }}
  release:
    uses: acme/workflows/.github/workflows/release.yml@main
    secrets: inherit
"#;

const GOOD: &str = r#"name: ci
on: [pull_request]
permissions:
  contents: read
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: some-org/setup-thing@8f4b7f84864484a7bf31766abe9204da3cbe65b3 # v2.1.0
      - uses: ./local-action
      - uses: docker://alpine:3.20
      - name: Greet
        env:
          TITLE: ${{ github.event.pull_request.title }}
          ACTIONS_ALLOW_UNSECURE_COMMANDS: false
        run: echo "$TITLE ${{ github.event.pull_request.number }}"
      - run: deploy --token ${{ secrets.DEPLOY_TOKEN }}
  release:
    uses: ./.github/workflows/release.yml
    secrets: inherit
"#;

#[test]
fn bad_workflow_breaks_every_rule() {
    let violations = check(BAD);
    insta::assert_snapshot!(render(&violations));
    let reported: BTreeSet<&str> = violations.iter().map(|v| v.rule.id).collect();
    let all: BTreeSet<&str> = RULES.iter().map(|r| r.id).collect();
    assert_eq!(reported, all, "every rule needs a failing example");
}

#[test]
fn good_workflow_passes_every_rule() {
    assert_eq!(render(&check(GOOD)), "");
}

#[test]
fn checkout_of_the_head_is_fine_on_pull_request() {
    let text = "on: pull_request\npermissions: {}\njobs:\n  b:\n    runs-on: x\n    steps:\n      - uses: actions/checkout@v4\n        with:\n          ref: ${{ github.event.pull_request.head.sha }}\n";
    assert_eq!(render(&check(text)), "");
    let run = text.replace(
        "on: pull_request",
        "on:\n  workflow_run:\n    workflows: [ci]",
    );
    assert_eq!(check(&run).len(), 1);
}

#[test]
fn only_files_directly_in_github_workflows() {
    assert!(Workflows.wants(".github/workflows/ci.yml"));
    assert!(Workflows.wants("sub/project/.github/workflows/ci.yaml"));
    assert!(!Workflows.wants(".github/workflows/scripts/x.yml"));
    assert!(!Workflows.wants(".github/dependabot.yml"));
    assert!(!Workflows.wants("ci.yml"));
}
