//! The remaining common AWS families at Trivy's breadth: API Gateway,
//! Athena, CloudFront, CloudTrail validation and CloudWatch delivery,
//! CodeBuild, Config, MQ, WorkSpaces, the IAM password policy and
//! user-attached policies, and S3 customer-managed keys.

use super::hcl::{Block, Module, Value};
use super::spec::{missing, trivy_rule, wrong, Check, Test};
use crate::config::{Rule, Violation};

const PASSWORD_POLICY: &[&str] = &["aws_iam_account_password_policy"];

pub(super) static CHECKS: &[Check] = &[
    Check {
        rule: trivy_rule!(
            "SG-TF-240", "AWS-0001", "aws-apigateway-enable-access-logging", Medium,
            "API Gateway stage has no access logging",
            "Access logs record who called which route, needed to investigate abuse.",
            "Add `access_log_settings { destination_arn = aws_cloudwatch_log_group.x.arn, format = ... }`.",
        ),
        resources: &["aws_api_gateway_stage", "aws_apigatewayv2_stage"],
        test: Test::Present("access_log_settings.destination_arn"),
        bad: "resource \"aws_api_gateway_stage\" \"a\" {}\n",
        good: "resource \"aws_api_gateway_stage\" \"a\" {\n  access_log_settings {\n    destination_arn = \"arn:aws:logs:eu-west-1:1:log-group:a\"\n  }\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-241", "AWS-0003", "aws-apigateway-enable-tracing", Low,
            "API Gateway stage has X-Ray tracing disabled",
            "Tracing follows a request through the services behind the API.",
            "Set `xray_tracing_enabled = true`.",
        ),
        resources: &["aws_api_gateway_stage"],
        test: Test::IsTrue("xray_tracing_enabled"),
        bad: "resource \"aws_api_gateway_stage\" \"a\" {}\n",
        good: "resource \"aws_api_gateway_stage\" \"a\" {\n  xray_tracing_enabled = true\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-242", "AWS-0004", "aws-apigateway-no-public-access", Low,
            "API Gateway method has no authorization",
            "A method with `authorization = \"NONE\"` and no API key answers anyone.",
            "Use an authorizer (`AWS_IAM`, `COGNITO_USER_POOLS`, `CUSTOM`) or require an API key.",
        ),
        resources: &["aws_api_gateway_method"],
        test: Test::Custom(method_without_auth),
        bad: "resource \"aws_api_gateway_method\" \"a\" {\n  http_method = \"GET\"\n  authorization = \"NONE\"\n}\n",
        good: "resource \"aws_api_gateway_method\" \"a\" {\n  http_method = \"GET\"\n  authorization = \"AWS_IAM\"\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-243", "AWS-0005", "aws-apigateway-use-secure-tls-policy", High,
            "API Gateway domain name allows TLS older than 1.2",
            "TLS 1.0 (the default for `aws_api_gateway_domain_name`) has known weaknesses.",
            "Set `security_policy = \"TLS_1_2\"`.",
        ),
        resources: &["aws_api_gateway_domain_name", "aws_apigatewayv2_domain_name"],
        test: Test::Custom(domain_tls),
        bad: "resource \"aws_api_gateway_domain_name\" \"a\" {}\n",
        good: "resource \"aws_api_gateway_domain_name\" \"a\" {\n  security_policy = \"TLS_1_2\"\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-244", "AWS-0002", "aws-apigateway-enable-cache-encryption", Medium,
            "API Gateway cache is not encrypted",
            "Cached responses may hold personal data and tokens.",
            "Set `settings { cache_data_encrypted = true }` where caching is enabled.",
        ),
        resources: &["aws_api_gateway_method_settings"],
        test: Test::Custom(cache_encryption),
        bad: "resource \"aws_api_gateway_method_settings\" \"a\" {\n  settings {\n    caching_enabled = true\n  }\n}\n",
        good: "resource \"aws_api_gateway_method_settings\" \"a\" {\n  settings {\n    caching_enabled = true\n    cache_data_encrypted = true\n  }\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-245", "AWS-0190", "aws-apigateway-enable-cache", Low,
            "API Gateway method settings do not enable caching",
            "Caching reduces the load an abusive client can put on the backend.",
            "Set `settings { caching_enabled = true }`.",
        ),
        resources: &["aws_api_gateway_method_settings"],
        test: Test::IsTrue("settings.caching_enabled"),
        bad: "resource \"aws_api_gateway_method_settings\" \"a\" {\n  settings {}\n}\n",
        good: "resource \"aws_api_gateway_method_settings\" \"a\" {\n  settings {\n    caching_enabled = true\n  }\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-246", "AWS-0006", "aws-athena-enable-at-rest-encryption", High,
            "Athena database or workgroup results are not encrypted",
            "Query results in S3 are readable by anyone with access to the bucket.",
            "Add `encryption_configuration { encryption_option = \"SSE_KMS\" }` (for a \
             workgroup, under `configuration { result_configuration { ... } }`).",
        ),
        resources: &["aws_athena_database", "aws_athena_workgroup"],
        test: Test::Custom(athena_encryption),
        bad: "resource \"aws_athena_database\" \"a\" {}\n",
        good: "resource \"aws_athena_database\" \"a\" {\n  encryption_configuration {\n    encryption_option = \"SSE_KMS\"\n  }\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-247", "AWS-0007", "aws-athena-no-encryption-override", High,
            "Athena workgroup lets clients override its settings",
            "Without enforcement a client can turn off result encryption for its queries.",
            "Set `configuration { enforce_workgroup_configuration = true }`.",
        ),
        resources: &["aws_athena_workgroup"],
        test: Test::Custom(athena_enforce),
        bad: "resource \"aws_athena_workgroup\" \"a\" {}\n",
        good: "resource \"aws_athena_workgroup\" \"a\" {\n  configuration {\n    enforce_workgroup_configuration = true\n  }\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-248", "AWS-0010", "aws-cloudfront-enable-logging", Medium,
            "CloudFront distribution has no access logging",
            "Access logs record who requested what, needed to investigate abuse.",
            "Add `logging_config { bucket = \"logs.s3.amazonaws.com\" }`.",
        ),
        resources: &["aws_cloudfront_distribution"],
        test: Test::Present("logging_config.bucket"),
        bad: "resource \"aws_cloudfront_distribution\" \"a\" {}\n",
        good: "resource \"aws_cloudfront_distribution\" \"a\" {\n  logging_config {\n    bucket = \"logs.s3.amazonaws.com\"\n  }\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-249", "AWS-0011", "aws-cloudfront-enable-waf", High,
            "CloudFront distribution has no WAF",
            "A web application firewall filters common attacks before they reach the origin.",
            "Set `web_acl_id` to a WAF web ACL.",
        ),
        resources: &["aws_cloudfront_distribution"],
        test: Test::Present("web_acl_id"),
        bad: "resource \"aws_cloudfront_distribution\" \"a\" {}\n",
        good: "resource \"aws_cloudfront_distribution\" \"a\" {\n  web_acl_id = \"arn:aws:wafv2:us-east-1:1:global/webacl/a/b\"\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-250", "AWS-0012", "aws-cloudfront-enforce-https", Critical,
            "CloudFront cache behavior allows plain HTTP",
            "With `allow-all`, viewers can use HTTP and their traffic can be read or altered.",
            "Set `viewer_protocol_policy = \"redirect-to-https\"` (or `https-only`).",
        ),
        resources: &["aws_cloudfront_distribution"],
        test: Test::Custom(cloudfront_https),
        bad: "resource \"aws_cloudfront_distribution\" \"a\" {\n  default_cache_behavior {\n    viewer_protocol_policy = \"allow-all\"\n  }\n}\n",
        good: "resource \"aws_cloudfront_distribution\" \"a\" {\n  default_cache_behavior {\n    viewer_protocol_policy = \"redirect-to-https\"\n  }\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-251", "AWS-0013", "aws-cloudfront-use-secure-tls-policy", High,
            "CloudFront distribution allows TLS older than 1.2",
            "Viewers can negotiate TLS 1.0/1.1, which have known weaknesses.",
            "Set `viewer_certificate { minimum_protocol_version = \"TLSv1.2_2021\" }`.",
        ),
        resources: &["aws_cloudfront_distribution"],
        test: Test::Custom(cloudfront_tls),
        bad: "resource \"aws_cloudfront_distribution\" \"a\" {\n  viewer_certificate {\n    minimum_protocol_version = \"TLSv1\"\n  }\n}\n",
        good: "resource \"aws_cloudfront_distribution\" \"a\" {\n  viewer_certificate {\n    minimum_protocol_version = \"TLSv1.2_2021\"\n  }\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-252", "AWS-0016", "aws-cloudtrail-enable-log-validation", High,
            "CloudTrail log file validation is disabled",
            "Without digest files, a deleted or altered log file goes unnoticed.",
            "Set `enable_log_file_validation = true`.",
        ),
        resources: &["aws_cloudtrail"],
        test: Test::IsTrue("enable_log_file_validation"),
        bad: "resource \"aws_cloudtrail\" \"a\" {}\n",
        good: "resource \"aws_cloudtrail\" \"a\" {\n  enable_log_file_validation = true\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-253", "AWS-0162", "aws-cloudtrail-ensure-cloudwatch-integration", Low,
            "CloudTrail does not deliver to CloudWatch Logs",
            "CloudWatch delivery enables real-time alarms on suspicious API calls.",
            "Set `cloud_watch_logs_group_arn` (and `cloud_watch_logs_role_arn`).",
        ),
        resources: &["aws_cloudtrail"],
        test: Test::Present("cloud_watch_logs_group_arn"),
        bad: "resource \"aws_cloudtrail\" \"a\" {}\n",
        good: "resource \"aws_cloudtrail\" \"a\" {\n  cloud_watch_logs_group_arn = \"arn:aws:logs:eu-west-1:1:log-group:t:*\"\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-254", "AWS-0018", "aws-codebuild-enable-encryption", High,
            "CodeBuild project artifacts are not encrypted",
            "Build artifacts often contain code and configuration; unencrypted they are readable \
             by anyone with access to the bucket.",
            "Remove `encryption_disabled = true` from `artifacts`.",
        ),
        resources: &["aws_codebuild_project"],
        test: Test::Custom(codebuild_encryption),
        bad: "resource \"aws_codebuild_project\" \"a\" {\n  artifacts {\n    type = \"S3\"\n    encryption_disabled = true\n  }\n}\n",
        good: "resource \"aws_codebuild_project\" \"a\" {\n  artifacts {\n    type = \"S3\"\n  }\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-255", "AWS-0019", "aws-config-aggregate-all-regions", High,
            "Config aggregator does not cover all regions",
            "Resources in regions left out escape compliance monitoring.",
            "Set `all_regions = true` in the aggregation source.",
        ),
        resources: &["aws_config_configuration_aggregator"],
        test: Test::Custom(config_all_regions),
        bad: "resource \"aws_config_configuration_aggregator\" \"a\" {\n  account_aggregation_source {\n    regions = [\"eu-west-1\"]\n  }\n}\n",
        good: "resource \"aws_config_configuration_aggregator\" \"a\" {\n  account_aggregation_source {\n    all_regions = true\n  }\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-256", "AWS-0070", "aws-mq-enable-audit-logging", Medium,
            "MQ broker has audit logging disabled",
            "Audit logs record management actions on the broker.",
            "Add `logs { audit = true }`.",
        ),
        resources: &["aws_mq_broker"],
        test: Test::IsTrue("logs.audit"),
        bad: "resource \"aws_mq_broker\" \"a\" {}\n",
        good: "resource \"aws_mq_broker\" \"a\" {\n  logs {\n    audit = true\n    general = true\n  }\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-257", "AWS-0071", "aws-mq-enable-general-logging", Low,
            "MQ broker has general logging disabled",
            "General logs are needed to diagnose failures and misuse.",
            "Add `logs { general = true }`.",
        ),
        resources: &["aws_mq_broker"],
        test: Test::IsTrue("logs.general"),
        bad: "resource \"aws_mq_broker\" \"a\" {}\n",
        good: "resource \"aws_mq_broker\" \"a\" {\n  logs {\n    general = true\n  }\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-258", "AWS-0072", "aws-mq-no-public-access", High,
            "MQ broker is publicly accessible",
            "A public broker is reachable from the internet, guarded only by its credentials.",
            "Set `publicly_accessible = false`.",
        ),
        resources: &["aws_mq_broker"],
        test: Test::NotTrue("publicly_accessible"),
        bad: "resource \"aws_mq_broker\" \"a\" {\n  publicly_accessible = true\n}\n",
        good: "resource \"aws_mq_broker\" \"a\" {\n  publicly_accessible = false\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-259", "AWS-0109", "aws-workspaces-enable-disk-encryption", High,
            "WorkSpaces volume is not encrypted",
            "User and root volumes hold users' files and cached credentials.",
            "Set `root_volume_encryption_enabled = true` and `user_volume_encryption_enabled = true`.",
        ),
        resources: &["aws_workspaces_workspace"],
        test: Test::Custom(workspace_volumes),
        bad: "resource \"aws_workspaces_workspace\" \"a\" {}\n",
        good: "resource \"aws_workspaces_workspace\" \"a\" {\n  root_volume_encryption_enabled = true\n  user_volume_encryption_enabled = true\n}\n",
    },
    password_check(trivy_rule!(
        "SG-TF-260", "AWS-0056", "aws-iam-no-password-reuse", Medium,
        "IAM password policy allows password reuse",
        "Reused passwords bring back credentials that may already have leaked.",
        "Set `password_reuse_prevention = 5` or more.",
    ), Test::AtLeast("password_reuse_prevention", 5)),
    password_check(trivy_rule!(
        "SG-TF-261", "AWS-0058", "aws-iam-require-lowercase-in-passwords", Medium,
        "IAM password policy does not require lowercase letters",
        "Complexity requirements make passwords harder to guess.",
        "Set `require_lowercase_characters = true`.",
    ), Test::IsTrue("require_lowercase_characters")),
    password_check(trivy_rule!(
        "SG-TF-262", "AWS-0059", "aws-iam-require-numbers-in-passwords", Medium,
        "IAM password policy does not require numbers",
        "Complexity requirements make passwords harder to guess.",
        "Set `require_numbers = true`.",
    ), Test::IsTrue("require_numbers")),
    password_check(trivy_rule!(
        "SG-TF-263", "AWS-0060", "aws-iam-require-symbols-in-passwords", Medium,
        "IAM password policy does not require symbols",
        "Complexity requirements make passwords harder to guess.",
        "Set `require_symbols = true`.",
    ), Test::IsTrue("require_symbols")),
    password_check(trivy_rule!(
        "SG-TF-264", "AWS-0061", "aws-iam-require-uppercase-in-passwords", Medium,
        "IAM password policy does not require uppercase letters",
        "Complexity requirements make passwords harder to guess.",
        "Set `require_uppercase_characters = true`.",
    ), Test::IsTrue("require_uppercase_characters")),
    password_check(trivy_rule!(
        "SG-TF-265", "AWS-0062", "aws-iam-set-max-password-age", Medium,
        "IAM password policy lets passwords live longer than 90 days",
        "Long-lived passwords stay useful to whoever stole them.",
        "Set `max_password_age = 90` or less.",
    ), Test::Custom(max_password_age)),
    password_check(trivy_rule!(
        "SG-TF-266", "AWS-0063", "aws-iam-set-minimum-password-length", Medium,
        "IAM password policy allows passwords shorter than 14 characters",
        "Short passwords are guessed and cracked quickly.",
        "Set `minimum_password_length = 14` or more.",
    ), Test::AtLeast("minimum_password_length", 14)),
    Check {
        rule: trivy_rule!(
            "SG-TF-267", "AWS-0143", "aws-iam-no-user-attached-policies", Low,
            "IAM policy attached directly to a user",
            "Permissions attached to individuals are hard to review and linger when people \
             change roles; attach them to groups or roles.",
            "Attach the policy to a group (`aws_iam_group_policy_attachment`) and add the user \
             to it.",
        ),
        resources: &["aws_iam_user_policy", "aws_iam_user_policy_attachment", "aws_iam_policy_attachment"],
        test: Test::Custom(user_attached_policy),
        bad: "resource \"aws_iam_user_policy_attachment\" \"a\" {\n  user = \"jane\"\n  policy_arn = \"arn:aws:iam::aws:policy/ReadOnlyAccess\"\n}\n",
        good: "resource \"aws_iam_group_policy_attachment\" \"a\" {\n  group = \"readers\"\n  policy_arn = \"arn:aws:iam::aws:policy/ReadOnlyAccess\"\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-268", "AWS-0132", "aws-s3-encryption-customer-key", High,
            "S3 bucket is not encrypted with a customer managed key",
            "With SSE-KMS and your own key, reading the objects also needs `kms:Decrypt`, which \
             you can audit and revoke (log buckets are exempt: they only support SSE-S3).",
            "Encrypt with your key:\n\n    apply_server_side_encryption_by_default {\n      \
             sse_algorithm     = \"aws:kms\"\n      kms_master_key_id = aws_kms_key.s3.arn\n    }",
        ),
        resources: &["aws_s3_bucket"],
        test: Test::Custom(s3_customer_key),
        bad: "resource \"aws_s3_bucket\" \"a\" {\n  bucket = \"a\"\n}\n",
        good: "resource \"aws_s3_bucket\" \"a\" {\n  bucket = \"a\"\n}\nresource \"aws_s3_bucket_server_side_encryption_configuration\" \"a\" {\n  bucket = aws_s3_bucket.a.id\n  rule {\n    apply_server_side_encryption_by_default {\n      sse_algorithm = \"aws:kms\"\n      kms_master_key_id = \"k\"\n    }\n  }\n}\n",
    },
];

/// A password-policy check: the rule and the test of its setting.
const fn password_check(rule: Rule, test: Test) -> Check {
    Check {
        rule,
        resources: PASSWORD_POLICY,
        test,
        bad: "resource \"aws_iam_account_password_policy\" \"a\" {\n  max_password_age = 365\n}\n",
        good: "resource \"aws_iam_account_password_policy\" \"a\" {\n  password_reuse_prevention = 24\n  require_lowercase_characters = true\n  require_numbers = true\n  require_symbols = true\n  require_uppercase_characters = true\n  max_password_age = 90\n  minimum_password_length = 14\n}\n",
    }
}

fn method_without_auth(_: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    let Some(attr) = block
        .attr("authorization")
        .filter(|a| a.value.as_str() == Some("NONE"))
    else {
        return;
    };
    let options = block
        .value("http_method")
        .and_then(Value::as_str)
        .is_some_and(|m| m.eq_ignore_ascii_case("OPTIONS") || m.eq_ignore_ascii_case("OPTION"));
    let key_required = block.value("api_key_required").and_then(Value::as_bool) == Some(true);
    if !options && !key_required {
        found.push(wrong(rule, block, "", attr));
    }
}

/// AWS-0005: `TLS_1_2` or a TLS 1.2/1.3 security policy; the v1 resource
/// defaults to TLS 1.0.
fn domain_tls(_: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    let secure = |p: &str| {
        p == "TLS_1_2"
            || (p.starts_with("SecurityPolicy_TLS12_") && p.ends_with("_EDGE"))
            || p.starts_with("SecurityPolicy_TLS13_")
    };
    let v2 = block
        .labels
        .first()
        .is_some_and(|t| t == "aws_apigatewayv2_domain_name");
    let (owner, prefix) = match v2 {
        true => match block.blocks("domain_name_configuration").next() {
            Some(config) => (config, "domain_name_configuration."),
            None => return,
        },
        false => (block, ""),
    };
    match owner.attr("security_policy") {
        None if !v2 => found.push(missing(rule, block, owner, prefix, "security_policy")),
        Some(attr) if attr.value.as_str().is_some_and(|p| !secure(p)) => {
            found.push(wrong(rule, block, prefix, attr))
        }
        _ => {}
    }
}

fn cache_encryption(
    module: &Module,
    block: &Block,
    rule: &'static Rule,
    found: &mut Vec<Violation>,
) {
    let caching = block
        .blocks("settings")
        .any(|s| s.value("caching_enabled").and_then(Value::as_bool) == Some(true));
    if caching {
        Test::IsTrue("settings.cache_data_encrypted").run_on(module, block, rule, found);
    }
}

fn athena_encryption(
    module: &Module,
    block: &Block,
    rule: &'static Rule,
    found: &mut Vec<Violation>,
) {
    let path = if block
        .labels
        .first()
        .is_some_and(|t| t == "aws_athena_workgroup")
    {
        "configuration.result_configuration.encryption_configuration.encryption_option"
    } else {
        "encryption_configuration.encryption_option"
    };
    Test::Present(path).run_on(module, block, rule, found);
}

/// AWS-0007: without a `configuration` block nothing is enforced; inside
/// one, enforcement defaults to on.
fn athena_enforce(module: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    if block.blocks("configuration").next().is_none() {
        found.push(missing(
            rule,
            block,
            block,
            "configuration.",
            "enforce_workgroup_configuration",
        ));
    } else {
        Test::NotFalse("configuration.enforce_workgroup_configuration")
            .run_on(module, block, rule, found);
    }
}

fn cloudfront_https(
    module: &Module,
    block: &Block,
    rule: &'static Rule,
    found: &mut Vec<Violation>,
) {
    for path in [
        "default_cache_behavior.viewer_protocol_policy",
        "ordered_cache_behavior.viewer_protocol_policy",
    ] {
        Test::NoneOf(path, &["allow-all"]).run_on(module, block, rule, found);
    }
}

/// AWS-0013: unless the distribution uses CloudFront's default
/// certificate, the minimum protocol (default `TLSv1`) must be TLS 1.2+.
fn cloudfront_tls(_: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    const ALLOWED: &[&str] = &["TLSv1.2_2021", "TLSv1.2_2025", "TLSv1.3_2025"];
    let Some(certificate) = block.blocks("viewer_certificate").next() else {
        found.push(missing(
            rule,
            block,
            block,
            "viewer_certificate.",
            "minimum_protocol_version",
        ));
        return;
    };
    if certificate
        .value("cloudfront_default_certificate")
        .and_then(Value::as_bool)
        == Some(true)
    {
        return;
    }
    match certificate.attr("minimum_protocol_version") {
        None => found.push(missing(
            rule,
            block,
            certificate,
            "viewer_certificate.",
            "minimum_protocol_version",
        )),
        Some(attr) if attr.value.as_str().is_some_and(|v| !ALLOWED.contains(&v)) => {
            found.push(wrong(rule, block, "viewer_certificate.", attr))
        }
        Some(_) => {}
    }
}

fn codebuild_encryption(
    module: &Module,
    block: &Block,
    rule: &'static Rule,
    found: &mut Vec<Violation>,
) {
    for path in [
        "artifacts.encryption_disabled",
        "secondary_artifacts.encryption_disabled",
    ] {
        Test::NotTrue(path).run_on(module, block, rule, found);
    }
}

fn config_all_regions(_: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    let has_source = block
        .blocks
        .iter()
        .any(|b| b.kind.ends_with("_aggregation_source"));
    if !has_source {
        found.push(missing(
            rule,
            block,
            block,
            "account_aggregation_source.",
            "all_regions",
        ));
    }
    let sources = block
        .blocks("account_aggregation_source")
        .map(|s| (s, "account_aggregation_source."))
        .chain(
            block
                .blocks("organization_aggregation_source")
                .map(|s| (s, "organization_aggregation_source.")),
        );
    for (source, prefix) in sources {
        match source.attr("all_regions") {
            None => found.push(missing(rule, block, source, prefix, "all_regions")),
            Some(attr) if attr.value.as_bool() == Some(false) => {
                found.push(wrong(rule, block, prefix, attr))
            }
            Some(_) => {}
        }
    }
}

fn workspace_volumes(
    module: &Module,
    block: &Block,
    rule: &'static Rule,
    found: &mut Vec<Violation>,
) {
    for key in [
        "root_volume_encryption_enabled",
        "user_volume_encryption_enabled",
    ] {
        Test::IsTrue(key).run_on(module, block, rule, found);
    }
}

/// AWS-0062: unset means passwords never expire.
fn max_password_age(_: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    match block.attr("max_password_age") {
        None => found.push(missing(rule, block, block, "", "max_password_age")),
        Some(attr) if attr.value.as_i64().is_some_and(|days| days > 90) => {
            found.push(wrong(rule, block, "", attr))
        }
        Some(_) => {}
    }
}

fn user_attached_policy(
    _: &Module,
    block: &Block,
    rule: &'static Rule,
    found: &mut Vec<Violation>,
) {
    let kind = block.labels.first().map(String::as_str).unwrap_or("");
    let key = if kind == "aws_iam_policy_attachment" {
        "users"
    } else {
        "user"
    };
    match block.attr(key) {
        Some(attr) if !super::spec::is_empty(&attr.value) => found.push(Violation {
            message: "Policy is attached directly to a user.".into(),
            ..wrong(rule, block, "", attr)
        }),
        _ => {}
    }
}

/// Whether an `apply_server_side_encryption_by_default` under `holder`'s
/// `rule` blocks names a KMS key.
fn names_kms_key(holder: &Block) -> bool {
    holder
        .blocks("rule")
        .flat_map(|r| r.blocks("apply_server_side_encryption_by_default"))
        .any(|d| {
            d.attr("kms_master_key_id")
                .is_some_and(|k| !super::spec::is_empty(&k.value))
        })
}

/// AWS-0132: inline or companion encryption with a KMS key; log buckets
/// (ACL `log-delivery-write`) are exempt.
fn s3_customer_key(
    module: &Module,
    block: &Block,
    rule: &'static Rule,
    found: &mut Vec<Violation>,
) {
    if block.value("acl").and_then(Value::as_str) == Some("log-delivery-write") {
        return;
    }
    let inline = block
        .blocks("server_side_encryption_configuration")
        .any(names_kms_key);
    let companion = super::aws_s3::companion(
        module,
        "aws_s3_bucket_server_side_encryption_configuration",
        block,
    );
    let companion_ok = companion
        .is_some_and(|c| names_kms_key(c) || matches!(c.value("bucket"), Some(Value::Unknown)));
    let log_acl = super::aws_s3::companion(module, "aws_s3_bucket_acl", block)
        .is_some_and(|acl| acl.value("acl").and_then(Value::as_str) == Some("log-delivery-write"));
    if !(inline || companion_ok || log_acl) {
        found.push(missing(
            rule,
            block,
            block,
            "server_side_encryption_configuration.",
            "kms_master_key_id",
        ));
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn examples_hold() {
        super::super::spec::tests::examples_hold(super::CHECKS);
    }
}
