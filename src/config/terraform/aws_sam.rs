//! AWS SAM (`Transform: AWS::Serverless-2016-10-31`) resource types in
//! CloudFormation templates: `AWS::Serverless::Api`, `HttpApi`, `Function`,
//! `StateMachine` and `SimpleTable`, with Trivy's SAM checks
//! (AWS-0110..0125).
//!
//! SAM types have no Terraform counterpart, so they keep pseudo types of
//! their own (`sam_api`, …) whose attributes are the template's properties
//! in snake case (`TracingEnabled` → `tracing_enabled`), and their checks
//! run only on CloudFormation. A template's `Globals` section applies to
//! every resource of its kind, as SAM expands it: a property set on the
//! resource wins over the global one.

use super::hcl::Block;
use super::spec::{trivy_rule, Check, Test};

/// The pseudo resource type of a SAM type, and the `Globals` section that
/// applies to it.
pub(super) fn resource_type(kind: &str) -> Option<(&'static str, &'static str)> {
    Some(match kind {
        "AWS::Serverless::Api" => ("sam_api", "Api"),
        "AWS::Serverless::HttpApi" => ("sam_http_api", "HttpApi"),
        "AWS::Serverless::Function" => ("sam_function", "Function"),
        "AWS::Serverless::StateMachine" => ("sam_state_machine", "StateMachine"),
        "AWS::Serverless::SimpleTable" => ("sam_simple_table", "SimpleTable"),
        _ => return None,
    })
}

/// Adds the `Globals` properties (already converted to a block) the
/// resource does not set itself.
pub(super) fn apply_globals(block: &mut Block, globals: Block) {
    for attr in globals.attrs {
        if block.attr(&attr.key).is_none() {
            let key = attr.key.clone();
            block.attrs.push(attr);
            block
                .blocks
                .extend(globals.blocks.iter().filter(|b| b.kind == key).cloned());
        }
    }
}

pub(super) static CHECKS: &[Check] = &[
    Check {
        rule: trivy_rule!(
            "SG-TF-500", "AWS-0110", "aws-sam-enable-api-cache-encryption", Medium,
            "SAM API does not encrypt its cache",
            "Cached responses may hold personal data and tokens; unencrypted, they can be read \
             from the cache's storage.",
            "Set `MethodSettings: [{CacheDataEncrypted: true, ...}]` on the `AWS::Serverless::Api`.",
        ),
        resources: &["sam_api"],
        test: Test::IsTrue("method_settings.cache_data_encrypted"),
        bad: "Resources:\n  Api:\n    Type: AWS::Serverless::Api\n    Properties:\n      StageName: prod\n",
        good: "Resources:\n  Api:\n    Type: AWS::Serverless::Api\n    Properties:\n      StageName: prod\n      MethodSettings:\n        - HttpMethod: \"*\"\n          ResourcePath: \"/*\"\n          CacheDataEncrypted: true\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-501", "AWS-0111", "aws-sam-enable-api-tracing", Low,
            "SAM API has X-Ray tracing disabled",
            "Tracing follows a request through the services behind the API, which is how abuse \
             and failures are investigated.",
            "Set `TracingEnabled: true` on the `AWS::Serverless::Api`.",
        ),
        resources: &["sam_api"],
        test: Test::IsTrue("tracing_enabled"),
        bad: "Resources:\n  Api:\n    Type: AWS::Serverless::Api\n    Properties:\n      StageName: prod\n      TracingEnabled: false\n",
        good: "Resources:\n  Api:\n    Type: AWS::Serverless::Api\n    Properties:\n      StageName: prod\n      TracingEnabled: true\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-502", "AWS-0112", "aws-sam-api-use-secure-tls-policy", High,
            "SAM API domain does not require TLS 1.2",
            "TLS 1.0 and 1.1 have known weaknesses. As in Trivy, an API without a `Domain` \
             (which then has no TLS policy of its own) is reported too.",
            "Set `Domain: {DomainName: ..., SecurityPolicy: TLS_1_2}` on the \
             `AWS::Serverless::Api`.",
        ),
        resources: &["sam_api"],
        test: Test::OneOf("domain.security_policy", &["TLS_1_2"]),
        bad: "Resources:\n  Api:\n    Type: AWS::Serverless::Api\n    Properties:\n      StageName: prod\n      Domain:\n        DomainName: api.example.com\n        SecurityPolicy: TLS_1_0\n",
        good: "Resources:\n  Api:\n    Type: AWS::Serverless::Api\n    Properties:\n      StageName: prod\n      Domain:\n        DomainName: api.example.com\n        SecurityPolicy: TLS_1_2\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-503", "AWS-0113", "aws-sam-enable-api-access-logging", Medium,
            "SAM API has no access logging",
            "Access logs record who called which route, needed to investigate abuse.",
            "Set `AccessLogSetting: {DestinationArn: !GetAtt ApiLogs.Arn, Format: ...}`.",
        ),
        resources: &["sam_api"],
        test: Test::Present("access_log_setting.destination_arn"),
        bad: "Resources:\n  Api:\n    Type: AWS::Serverless::Api\n    Properties:\n      StageName: prod\n",
        good: "Resources:\n  Api:\n    Type: AWS::Serverless::Api\n    Properties:\n      StageName: prod\n      AccessLogSetting:\n        DestinationArn: arn:aws:logs:eu-west-1:123456789012:log-group:api\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-504", "AWS-0116", "aws-sam-enable-http-api-access-logging", Medium,
            "SAM HTTP API has no access logging",
            "Access logs record who called which route, needed to investigate abuse.",
            "Set `AccessLogSettings: {DestinationArn: !GetAtt ApiLogs.Arn, Format: ...}`.",
        ),
        resources: &["sam_http_api"],
        test: Test::Present("access_log_settings.destination_arn"),
        bad: "Resources:\n  Api:\n    Type: AWS::Serverless::HttpApi\n    Properties:\n      StageName: prod\n",
        good: "Resources:\n  Api:\n    Type: AWS::Serverless::HttpApi\n    Properties:\n      StageName: prod\n      AccessLogSettings:\n        DestinationArn: arn:aws:logs:eu-west-1:123456789012:log-group:api\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-505", "AWS-0117", "aws-sam-enable-state-machine-tracing", Low,
            "SAM state machine has X-Ray tracing disabled",
            "Tracing shows which step of a workflow failed or was abused.",
            "Set `Tracing: {Enabled: true}` on the `AWS::Serverless::StateMachine`.",
        ),
        resources: &["sam_state_machine"],
        test: Test::IsTrue("tracing.enabled"),
        bad: "Resources:\n  Flow:\n    Type: AWS::Serverless::StateMachine\n    Properties:\n      Logging:\n        Level: ALL\n",
        good: "Resources:\n  Flow:\n    Type: AWS::Serverless::StateMachine\n    Properties:\n      Logging:\n        Level: ALL\n      Tracing:\n        Enabled: true\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-506", "AWS-0119", "aws-sam-enable-state-machine-logging", Low,
            "SAM state machine does not log its executions",
            "Without execution logs there is no record of what a workflow did with its input.",
            "Set `Logging: {Level: ALL, Destinations: [...]}` (or `ERROR`/`FATAL`); the \
             default is `OFF`.",
        ),
        resources: &["sam_state_machine"],
        test: Test::OneOf("logging.level", &["ALL", "ERROR", "FATAL"]),
        bad: "Resources:\n  Flow:\n    Type: AWS::Serverless::StateMachine\n    Properties:\n      Tracing:\n        Enabled: true\n",
        good: "Resources:\n  Flow:\n    Type: AWS::Serverless::StateMachine\n    Properties:\n      Tracing:\n        Enabled: true\n      Logging:\n        Level: ALL\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-507", "AWS-0121", "aws-sam-enable-table-encryption", High,
            "SAM simple table has server-side encryption disabled",
            "Table data, backups and streams are stored without encryption under a key you \
             control.",
            "Set `SSESpecification: {SSEEnabled: true}` on the `AWS::Serverless::SimpleTable`.",
        ),
        resources: &["sam_simple_table"],
        test: Test::IsTrue("sse_specification.sse_enabled"),
        bad: "Resources:\n  Table:\n    Type: AWS::Serverless::SimpleTable\n    Properties:\n      TableName: users\n",
        good: "Resources:\n  Table:\n    Type: AWS::Serverless::SimpleTable\n    Properties:\n      TableName: users\n      SSESpecification:\n        SSEEnabled: true\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-508", "AWS-0125", "aws-sam-enable-function-tracing", Low,
            "SAM function has X-Ray tracing disabled",
            "Tracing follows each invocation through the services it calls, which is how abuse \
             and failures are investigated.",
            "Set `Tracing: Active` on the function (or under `Globals: {Function: ...}`).",
        ),
        resources: &["sam_function"],
        test: Test::OneOf("tracing", &["Active"]),
        bad: "Resources:\n  Handler:\n    Type: AWS::Serverless::Function\n    Properties:\n      Runtime: python3.12\n      Handler: app.handler\n",
        good: "Globals:\n  Function:\n    Tracing: Active\nResources:\n  Handler:\n    Type: AWS::Serverless::Function\n    Properties:\n      Runtime: python3.12\n      Handler: app.handler\n",
    },
];

#[cfg(test)]
mod tests {
    use crate::config::terraform::CloudFormationChecker;
    use crate::config::Checker;

    /// The examples are templates: each failing one fires its rule through
    /// the CloudFormation checker, each passing one does not.
    #[test]
    fn examples_hold() {
        for check in super::CHECKS {
            let ids = |template: &str| -> Vec<&str> {
                CloudFormationChecker
                    .check("template.yaml", template)
                    .unwrap_or_else(|e| panic!("{}: example does not parse: {e}", check.rule.id))
                    .into_iter()
                    .map(|v| v.rule.id)
                    .collect()
            };
            assert!(
                ids(check.bad).contains(&check.rule.id),
                "{}: failing example passes",
                check.rule.id
            );
            assert!(
                !ids(check.good).contains(&check.rule.id),
                "{}: passing example fails",
                check.rule.id
            );
        }
    }

    #[test]
    fn a_resource_property_wins_over_globals() {
        let template = "Globals:\n  Function:\n    Tracing: Active\nResources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      Tracing: PassThrough\n";
        let found = CloudFormationChecker
            .check("template.yaml", template)
            .expect("parses");
        let tracing: Vec<_> = found
            .iter()
            .filter(|v| v.rule.aliases.contains(&"AWS-0125"))
            .collect();
        assert_eq!(tracing.len(), 1);
        assert_eq!(tracing[0].start_line, 8);
    }
}
