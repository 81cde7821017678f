//! What each CloudFormation resource type becomes in the Terraform
//! resource model: the Terraform type (`terraform_type`) and the renames
//! and value conversions where Terraform's names or defaults differ
//! (`fix_up`). `cloudformation.rs` parses the template and resolves its
//! functions; this file only maps resources.

use super::adapt::{child, hoist, map_value, rename, set};
use super::hcl::{Block, Value};

/// The Terraform resource type a CloudFormation type adapts to.
pub(super) fn terraform_type(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "AWS::S3::Bucket" => "aws_s3_bucket",
        "AWS::EC2::SecurityGroup" => "aws_security_group",
        "AWS::EC2::SecurityGroupIngress" | "AWS::EC2::SecurityGroupEgress" => {
            "aws_security_group_rule"
        }
        "AWS::EC2::Instance" => "aws_instance",
        "AWS::EC2::LaunchTemplate" => "aws_launch_template",
        "AWS::AutoScaling::LaunchConfiguration" => "aws_launch_configuration",
        "AWS::ECS::TaskDefinition" => "aws_ecs_task_definition",
        "AWS::EMR::SecurityConfiguration" => "aws_emr_security_configuration",
        "AWS::ElastiCache::CacheCluster" => "aws_elasticache_cluster",
        "AWS::Config::ConfigurationAggregator" => "aws_config_configuration_aggregator",
        "AWS::ApiGatewayV2::Stage" => "aws_apigatewayv2_stage",
        "AWS::Lambda::Permission" => "aws_lambda_permission",
        "AWS::Redshift::ClusterSecurityGroup" => "aws_redshift_security_group",
        "AWS::EC2::Volume" => "aws_ebs_volume",
        "AWS::EC2::Subnet" => "aws_subnet",
        "AWS::EC2::NetworkAclEntry" => "aws_network_acl_rule",
        "AWS::RDS::DBInstance" => "aws_db_instance",
        "AWS::RDS::DBCluster" => "aws_rds_cluster",
        "AWS::SNS::Topic" => "aws_sns_topic",
        "AWS::SQS::Queue" => "aws_sqs_queue",
        "AWS::SQS::QueuePolicy" => "aws_sqs_queue_policy",
        "AWS::KMS::Key" => "aws_kms_key",
        "AWS::CloudTrail::Trail" => "aws_cloudtrail",
        "AWS::DynamoDB::Table" => "aws_dynamodb_table",
        "AWS::DAX::Cluster" => "aws_dax_cluster",
        "AWS::ECR::Repository" => "aws_ecr_repository",
        "AWS::EKS::Cluster" => "aws_eks_cluster",
        "AWS::ECS::Cluster" => "aws_ecs_cluster",
        "AWS::Lambda::Function" => "aws_lambda_function",
        "AWS::ElasticLoadBalancingV2::LoadBalancer" => "aws_lb",
        "AWS::ElasticLoadBalancingV2::Listener" => "aws_lb_listener",
        "AWS::CloudFront::Distribution" => "aws_cloudfront_distribution",
        "AWS::ElastiCache::ReplicationGroup" => "aws_elasticache_replication_group",
        "AWS::EFS::FileSystem" => "aws_efs_file_system",
        "AWS::Elasticsearch::Domain" => "aws_elasticsearch_domain",
        "AWS::OpenSearchService::Domain" => "aws_opensearch_domain",
        "AWS::IAM::Policy" | "AWS::IAM::ManagedPolicy" => "aws_iam_policy",
        "AWS::IAM::Role" => "aws_iam_role",
        "AWS::SecretsManager::Secret" => "aws_secretsmanager_secret",
        "AWS::Logs::LogGroup" => "aws_cloudwatch_log_group",
        "AWS::Logs::MetricFilter" => "aws_cloudwatch_log_metric_filter",
        "AWS::CloudWatch::Alarm" => "aws_cloudwatch_metric_alarm",
        "AWS::Redshift::Cluster" => "aws_redshift_cluster",
        "AWS::DocDB::DBCluster" => "aws_docdb_cluster",
        "AWS::Neptune::DBCluster" => "aws_neptune_cluster",
        "AWS::ApiGateway::Stage" => "aws_api_gateway_stage",
        "AWS::MSK::Cluster" => "aws_msk_cluster",
        "AWS::Athena::WorkGroup" => "aws_athena_workgroup",
        "AWS::Kinesis::Stream" => "aws_kinesis_stream",
        "AWS::AmazonMQ::Broker" => "aws_mq_broker",
        "AWS::CodeBuild::Project" => "aws_codebuild_project",
        "AWS::WorkSpaces::Workspace" => "aws_workspaces_workspace",
        _ => return None,
    })
}

/// CloudFormation's canned ACL names as S3's.
fn canned_acl(name: &str) -> Option<Value> {
    let acl = match name {
        "Private" => "private",
        "PublicRead" => "public-read",
        "PublicReadWrite" => "public-read-write",
        "AuthenticatedRead" => "authenticated-read",
        "LogDeliveryWrite" => "log-delivery-write",
        "BucketOwnerRead" => "bucket-owner-read",
        "BucketOwnerFullControl" => "bucket-owner-full-control",
        "AwsExecRead" => "aws-exec-read",
        _ => return None,
    };
    Some(Value::String(acl.into()))
}

/// A JSON policy document (a CloudFormation object) as the JSON text
/// Terraform's `policy` holds, when it is entirely literal.
fn policy_text(value: &Value) -> Value {
    fn json(value: &Value) -> Option<serde_json::Value> {
        Some(match value {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => (*b).into(),
            Value::Number(n) => serde_json::Number::from_f64(*n)?.into(),
            Value::String(s) => s.clone().into(),
            Value::List(items) => items.iter().map(json).collect::<Option<Vec<_>>>()?.into(),
            Value::Object(entries) => entries
                .iter()
                .map(|(k, v)| Some((k.clone(), json(v)?)))
                .collect::<Option<serde_json::Map<_, _>>>()?
                .into(),
            Value::Reference(_) | Value::Unknown => return None,
        })
    }
    json(value).map_or(Value::Unknown, |j| Value::String(j.to_string()))
}

/// What Terraform names differently, per CloudFormation type; `extra`
/// receives companion resources (an S3 bucket's public access block).
pub(super) fn fix_up(kind: &str, block: &mut Block, extra: &mut Vec<Block>) {
    match kind {
        "AWS::S3::Bucket" => s3_bucket(block, extra),
        "AWS::EC2::SecurityGroup" => {
            rename(block, "group_description", "description");
            rename(block, "security_group_ingress", "ingress");
            rename(block, "security_group_egress", "egress");
            for rule in block.blocks.iter_mut() {
                security_group_rule(rule);
            }
        }
        "AWS::EC2::SecurityGroupIngress" | "AWS::EC2::SecurityGroupEgress" => {
            let direction = if kind.ends_with("Ingress") {
                "ingress"
            } else {
                "egress"
            };
            let line = block.line;
            set(block, "type", Value::String(direction.into()), line);
            security_group_rule(block);
        }
        "AWS::EC2::LaunchTemplate" => {
            hoist(block, "launch_template_data");
        }
        "AWS::EC2::Instance" | "AWS::AutoScaling::LaunchConfiguration" => block_devices(block),
        "AWS::ElastiCache::CacheCluster" => rename(block, "cache_node_type", "node_type"),
        "AWS::Config::ConfigurationAggregator" => rename(
            block,
            "account_aggregation_sources",
            "account_aggregation_source",
        ),
        "AWS::ECS::TaskDefinition" => {
            rename(block, "volumes", "volume");
            if let Some(attr) = block
                .attrs
                .iter_mut()
                .find(|a| a.key == "container_definitions")
            {
                attr.value = policy_text(&attr.value);
            }
            block.blocks.retain(|b| b.kind != "container_definitions");
        }
        "AWS::EC2::NetworkAclEntry" => {
            map_value(block, "rule_action", |a| {
                Some(Value::String(a.to_ascii_lowercase()))
            });
            if let Some(range) = block.blocks.iter().find(|b| b.kind == "port_range") {
                let (from, to) = (range.value("from").cloned(), range.value("to").cloned());
                let line = range.line;
                if let (Some(from), Some(to)) = (from, to) {
                    set(block, "from_port", from, line);
                    set(block, "to_port", to, line);
                }
            }
        }
        "AWS::RDS::DBInstance" | "AWS::RDS::DBCluster" => {
            // Outside a subnet group an instance lands in the default VPC,
            // where `PubliclyAccessible` defaults to true.
            let in_subnet_group = block.attr("db_subnet_group_name").is_some();
            if kind == "AWS::RDS::DBInstance"
                && !in_subnet_group
                && block.attr("publicly_accessible").is_none()
            {
                let line = block.line;
                set(block, "publicly_accessible", Value::Bool(true), line);
            }
            rename(
                block,
                "enable_iam_database_authentication",
                "iam_database_authentication_enabled",
            );
            rename(
                block,
                "enable_performance_insights",
                "performance_insights_enabled",
            );
            rename(
                block,
                "source_db_instance_identifier",
                "replicate_source_db",
            );
        }
        "AWS::CloudTrail::Trail" => {
            rename(block, "is_logging", "enable_logging");
            rename(block, "event_selectors", "event_selector");
            for selector in block
                .blocks
                .iter_mut()
                .filter(|b| b.kind == "event_selector")
            {
                rename(selector, "data_resources", "data_resource");
            }
            rename(
                block,
                "cloud_watch_logs_log_group_arn",
                "cloud_watch_logs_group_arn",
            );
        }
        "AWS::DynamoDB::Table" => {
            rename(
                block,
                "point_in_time_recovery_specification",
                "point_in_time_recovery",
            );
            for pitr in block
                .blocks
                .iter_mut()
                .filter(|b| b.kind == "point_in_time_recovery")
            {
                rename(pitr, "point_in_time_recovery_enabled", "enabled");
            }
            rename(block, "sse_specification", "server_side_encryption");
            for sse in block
                .blocks
                .iter_mut()
                .filter(|b| b.kind == "server_side_encryption")
            {
                rename(sse, "sse_enabled", "enabled");
                rename(sse, "kms_master_key_id", "kms_key_arn");
            }
        }
        "AWS::DAX::Cluster" => {
            rename(block, "sse_specification", "server_side_encryption");
            for sse in block
                .blocks
                .iter_mut()
                .filter(|b| b.kind == "server_side_encryption")
            {
                rename(sse, "sse_enabled", "enabled");
            }
        }
        "AWS::EKS::Cluster" => eks_cluster(block),
        "AWS::ECS::Cluster" => rename(block, "cluster_settings", "setting"),
        "AWS::ElasticLoadBalancingV2::LoadBalancer" => load_balancer(block),
        "AWS::ElasticLoadBalancingV2::Listener" => {
            rename(block, "default_actions", "default_action")
        }
        "AWS::CloudFront::Distribution" => {
            hoist(block, "distribution_config");
            rename(block, "logging", "logging_config");
            rename(block, "cache_behaviors", "ordered_cache_behavior");
            for certificate in block
                .blocks
                .iter_mut()
                .filter(|b| b.kind == "viewer_certificate")
            {
                rename(
                    certificate,
                    "cloud_front_default_certificate",
                    "cloudfront_default_certificate",
                );
            }
        }
        "AWS::Elasticsearch::Domain" | "AWS::OpenSearchService::Domain" => search_domain(block),
        "AWS::IAM::Policy" | "AWS::IAM::ManagedPolicy" => {
            if let Some(attr) = block.attrs.iter_mut().find(|a| a.key == "policy_document") {
                attr.key = "policy".into();
                attr.value = policy_text(&attr.value);
            }
            block.blocks.retain(|b| b.kind != "policy_document");
        }
        "AWS::SQS::QueuePolicy" => policy_document(block, "policy_document"),
        "AWS::ECR::Repository" => policy_document(block, "repository_policy_text"),
        "AWS::EMR::SecurityConfiguration" => {
            rename(block, "security_configuration", "configuration");
            policy_document(block, "configuration");
            rename(block, "policy", "configuration");
        }
        "AWS::IAM::Role" => {
            rename(block, "policies", "inline_policy");
            for inline in block
                .blocks
                .iter_mut()
                .filter(|b| b.kind == "inline_policy")
            {
                if let Some(attr) = inline.attrs.iter_mut().find(|a| a.key == "policy_document") {
                    attr.key = "policy".into();
                    attr.value = policy_text(&attr.value);
                }
            }
        }
        "AWS::Logs::MetricFilter" => {
            rename(block, "filter_pattern", "pattern");
            rename(block, "filter_name", "name");
            rename(block, "metric_transformations", "metric_transformation");
            for metric in block
                .blocks
                .iter_mut()
                .filter(|b| b.kind == "metric_transformation")
            {
                rename(metric, "metric_name", "name");
            }
        }
        "AWS::DocDB::DBCluster" => rename(
            block,
            "enable_cloudwatch_logs_exports",
            "enabled_cloudwatch_logs_exports",
        ),
        "AWS::Neptune::DBCluster" => rename(block, "kms_key_id", "kms_key_arn"),
        "AWS::ApiGateway::Stage" => {
            rename(block, "tracing_enabled", "xray_tracing_enabled");
            rename(block, "access_log_setting", "access_log_settings");
        }
        "AWS::MSK::Cluster" => {
            for info in block
                .blocks
                .iter_mut()
                .filter(|b| b.kind == "encryption_info")
            {
                let key = info
                    .blocks
                    .iter()
                    .find(|b| b.kind == "encryption_at_rest")
                    .and_then(|r| {
                        r.attr("data_volume_kms_key_id")
                            .map(|a| (a.value.clone(), a.line))
                    });
                if let Some((value, line)) = key {
                    set(info, "encryption_at_rest_kms_key_arn", value, line);
                }
            }
        }
        "AWS::Athena::WorkGroup" => {
            rename(block, "work_group_configuration", "configuration");
            for configuration in block
                .blocks
                .iter_mut()
                .filter(|b| b.kind == "configuration")
            {
                rename(
                    configuration,
                    "enforce_work_group_configuration",
                    "enforce_workgroup_configuration",
                );
                // CloudFormation's default is false (Terraform's is true).
                if configuration
                    .attr("enforce_workgroup_configuration")
                    .is_none()
                {
                    let line = configuration.line;
                    set(
                        configuration,
                        "enforce_workgroup_configuration",
                        Value::Bool(false),
                        line,
                    );
                }
            }
        }
        "AWS::Kinesis::Stream" => {
            if let Some(encryption) = block.blocks.iter().find(|b| b.kind == "stream_encryption") {
                let (kind, key) = (
                    encryption.attr("encryption_type").cloned(),
                    encryption.attr("key_id").cloned(),
                );
                if let Some(attr) = kind {
                    set(block, "encryption_type", attr.value, attr.line);
                }
                if let Some(attr) = key {
                    set(block, "kms_key_id", attr.value, attr.line);
                }
            }
        }
        _ => {}
    }
}

/// `BlockDeviceMappings` as Terraform's devices: the first mapping is the
/// root device (as Trivy reads it), the others EBS devices; each takes
/// `Ebs.Encrypted`.
fn block_devices(block: &mut Block) {
    let (mappings, rest): (Vec<Block>, Vec<Block>) = std::mem::take(&mut block.blocks)
        .into_iter()
        .partition(|b| b.kind == "block_device_mappings");
    block.blocks = rest;
    block.attrs.retain(|a| a.key != "block_device_mappings");
    for (index, mapping) in mappings.into_iter().enumerate() {
        let mut device = Block {
            kind: if index == 0 {
                "root_block_device".into()
            } else {
                "ebs_block_device".into()
            },
            labels: Vec::new(),
            line: mapping.line,
            attrs: Vec::new(),
            blocks: Vec::new(),
        };
        if let Some(encrypted) = mapping
            .blocks
            .iter()
            .find(|b| b.kind == "ebs")
            .and_then(|ebs| ebs.attr("encrypted"))
        {
            device.attrs.push(encrypted.clone());
        }
        block.blocks.push(device);
    }
}

/// A policy document property as Terraform's `policy` JSON text (a
/// document given as a JSON string stays as it is).
fn policy_document(block: &mut Block, key: &str) {
    if let Some(attr) = block.attrs.iter_mut().find(|a| a.key == key) {
        attr.key = "policy".into();
        if !matches!(attr.value, Value::String(_)) {
            attr.value = policy_text(&attr.value);
        }
    }
    block.blocks.retain(|b| b.kind != key);
}

fn s3_bucket(block: &mut Block, extra: &mut Vec<Block>) {
    rename(block, "access_control", "acl");
    map_value(block, "acl", canned_acl);
    rename(block, "logging_configuration", "logging");
    if let Some(status) = block
        .blocks
        .iter()
        .find(|b| b.kind == "versioning_configuration")
        .and_then(|v| v.attr("status"))
        .cloned()
    {
        let versioning = child(block, "versioning");
        let enabled = status
            .value
            .as_str()
            .map(|s| Value::Bool(s == "Enabled"))
            .unwrap_or(Value::Unknown);
        set(versioning, "enabled", enabled, status.line);
        versioning.line = status.line;
    }
    // BucketEncryption.ServerSideEncryptionConfiguration[].ServerSideEncryptionByDefault
    let rules: Vec<Block> = block
        .blocks
        .iter()
        .filter(|b| b.kind == "bucket_encryption")
        .flat_map(|e| {
            e.blocks
                .iter()
                .filter(|b| b.kind == "server_side_encryption_configuration")
        })
        .map(|rule| {
            let mut rule = rule.clone();
            rule.kind = "rule".into();
            rename(
                &mut rule,
                "server_side_encryption_by_default",
                "apply_server_side_encryption_by_default",
            );
            rule
        })
        .collect();
    if !rules.is_empty() {
        let line = rules[0].line;
        let configuration = child(block, "server_side_encryption_configuration");
        configuration.line = line;
        configuration.blocks.extend(rules);
    }
    if let Some(mut access) = block
        .blocks
        .iter()
        .find(|b| b.kind == "public_access_block_configuration")
        .cloned()
    {
        access.kind = "resource".into();
        access.labels = vec![
            "aws_s3_bucket_public_access_block".into(),
            block.labels.get(1).cloned().unwrap_or_default(),
        ];
        let line = access.line;
        set(
            &mut access,
            "bucket",
            Value::Reference(format!("{}.id", block.address())),
            line,
        );
        extra.push(access);
    }
}

fn security_group_rule(rule: &mut Block) {
    rename(rule, "cidr_ip", "cidr_blocks");
    rename(rule, "cidr_ipv6", "ipv6_cidr_blocks");
    rename(rule, "ip_protocol", "protocol");
}

fn eks_cluster(block: &mut Block) {
    rename(block, "resources_vpc_config", "vpc_config");
    let types: Option<(Value, u32)> = block
        .blocks
        .iter()
        .find(|b| b.kind == "logging")
        .and_then(|l| l.blocks.iter().find(|b| b.kind == "cluster_logging"))
        .and_then(|c| c.attr("enabled_types"))
        .map(|attr| {
            let names = match &attr.value {
                Value::List(items) => Value::List(
                    items
                        .iter()
                        .map(|i| match i {
                            Value::Object(entries) => entries
                                .iter()
                                .find(|(k, _)| k == "Type")
                                .map_or(Value::Unknown, |(_, v)| v.clone()),
                            other => other.clone(),
                        })
                        .collect(),
                ),
                _ => Value::Unknown,
            };
            (names, attr.line)
        });
    let (value, line) = types.unwrap_or((Value::List(Vec::new()), block.line));
    if block.blocks.iter().any(|b| b.kind == "logging") {
        set(block, "enabled_cluster_log_types", value, line);
    }
}

fn load_balancer(block: &mut Block) {
    let internal = block
        .attr("scheme")
        .map(|a| (a.value.as_str().map(|s| s == "internal"), a.line));
    if let Some((internal, line)) = internal {
        set(
            block,
            "internal",
            internal.map_or(Value::Unknown, Value::Bool),
            line,
        );
    }
    rename(block, "type", "load_balancer_type");
    let drop_headers = block
        .blocks
        .iter()
        .filter(|b| b.kind == "load_balancer_attributes")
        .find(|a| {
            a.value("key").and_then(Value::as_str)
                == Some("routing.http.drop_invalid_header_fields.enabled")
        })
        .and_then(|a| a.attr("value").cloned());
    if let Some(attr) = drop_headers {
        set(block, "drop_invalid_header_fields", attr.value, attr.line);
    }
}

fn search_domain(block: &mut Block) {
    rename(block, "encryption_at_rest_options", "encrypt_at_rest");
    rename(
        block,
        "node_to_node_encryption_options",
        "node_to_node_encryption",
    );
    // LogPublishingOptions is a map by log type: {AUDIT_LOGS: {Enabled: true}}.
    let logs: Vec<Block> = block
        .blocks
        .iter()
        .filter(|b| b.kind == "log_publishing_options")
        .flat_map(|options| options.blocks.iter())
        .map(|entry| {
            let mut log = entry.clone();
            let line = log.line;
            set(
                &mut log,
                "log_type",
                Value::String(entry.kind.to_ascii_uppercase()),
                line,
            );
            log.kind = "log_publishing_options".into();
            log
        })
        .collect();
    block.blocks.retain(|b| b.kind != "log_publishing_options");
    block.blocks.extend(logs);
}
