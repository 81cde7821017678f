//! CloudFormation templates (YAML or JSON) adapted to the Terraform
//! resource model, so the AWS rules run on them unchanged.
//!
//! Intrinsic functions are resolved as far as the template allows:
//! `Ref` to a parameter gives its `Default`, `Fn::Sub` and `Fn::Join` are
//! rendered when every part is known, `Fn::If` picks a branch when its
//! condition (`Fn::Equals`, `Fn::Not`, `Fn::And`, `Fn::Or`, `Condition`)
//! can be decided, `Fn::FindInMap` reads `Mappings`, `Fn::Select` picks
//! from a known list and `Fn::Base64` keeps its (readable) input. `Ref`
//! and `Fn::GetAtt` to a resource are references: set, value unknown.
//! Anything else is unknown, and a rule never fires on an unknown value.
//! YAML short forms (`!Ref`, `!Sub`, `!If`, …) are the same calls.

use super::adapt::{self, child, hoist, map_value, rename, set};
use super::hcl::{Block, Module, Value};
use crate::config::yaml::{Node, Value as Yaml};

/// Whether text looks like a CloudFormation template (before parsing).
pub fn looks_like_template(content: &str) -> bool {
    let resources = content.starts_with("Resources:")
        || content.contains("\nResources:")
        || content.contains("\"Resources\"");
    content.contains("AWSTemplateFormatVersion")
        || (resources && (content.contains("Type: AWS::") || content.contains("\"AWS::")))
}

/// Parses a template and adapts its resources.
pub fn module(content: &str) -> Result<Module, String> {
    let root = if content.trim_start().starts_with('{') {
        crate::config::json::parse(content)?
    } else {
        crate::config::yaml::parse_with_functions(content)?
            .into_iter()
            .next()
            .ok_or("empty YAML document")?
    };
    let Some(resources) = root
        .get("Resources")
        .filter(|r| matches!(r.value, Yaml::Map(_)))
    else {
        return Err("no `Resources` mapping: not a CloudFormation template".into());
    };
    let template = Template { root: &root };
    let mut blocks = Vec::new();
    for (id, resource) in resources.entries() {
        let (Some(id), Some(kind)) = (id.as_str(), resource.get("Type").and_then(Node::as_str))
        else {
            continue;
        };
        blocks.extend(template.adapt(id, kind, resource));
    }
    Ok(Module { blocks })
}

struct Template<'a> {
    root: &'a Node,
}

impl Template<'_> {
    /// A value with the template's functions resolved.
    fn eval(&self, node: &Node) -> Value {
        self.eval_depth(node, 0)
    }

    fn eval_depth(&self, node: &Node, depth: usize) -> Value {
        if depth > 32 {
            return Value::Unknown;
        }
        let eval = |n: &Node| self.eval_depth(n, depth + 1);
        match &node.value {
            Yaml::Null => Value::Null,
            Yaml::Scalar(s) => Value::String(s.clone()),
            Yaml::Seq(items) => Value::List(items.iter().map(eval).collect()),
            Yaml::Map(entries) if adapt::is_call(node) => {
                let (name, arg) = (&entries[0].0, &entries[0].1);
                self.call(name.as_str().unwrap_or(""), arg, depth)
            }
            Yaml::Map(entries) => Value::Object(
                entries
                    .iter()
                    .filter_map(|(k, v)| Some((k.as_str()?.to_string(), eval(v))))
                    .collect(),
            ),
        }
    }

    fn call(&self, name: &str, arg: &Node, depth: usize) -> Value {
        let eval = |n: &Node| self.eval_depth(n, depth + 1);
        let args = arg.items();
        match name {
            "Ref" => self.reference(arg.as_str().unwrap_or("")),
            "Fn::GetAtt" => {
                let target = arg
                    .as_str()
                    .map(str::to_string)
                    .or_else(|| args.first().and_then(Node::as_str).map(str::to_string));
                Value::Reference(format!("cfn.{}", target.unwrap_or_default()))
            }
            "Fn::Sub" => {
                let (text, vars) = match (&arg.value, args) {
                    (Yaml::Scalar(s), _) => (s.as_str(), None),
                    (_, [text, vars, ..]) => (text.as_str().unwrap_or(""), Some(vars)),
                    _ => return Value::Unknown,
                };
                self.substitute(text, vars, depth)
            }
            "Fn::Join" => match args {
                [separator, list] => match (separator.as_str(), eval(list)) {
                    (Some(separator), Value::List(items)) => items
                        .iter()
                        .map(|i| i.as_str().map(str::to_string))
                        .collect::<Option<Vec<_>>>()
                        .map_or(Value::Unknown, |parts| Value::String(parts.join(separator))),
                    _ => Value::Unknown,
                },
                _ => Value::Unknown,
            },
            "Fn::If" => match args {
                [condition, yes, no] => {
                    match self.condition_named(condition.as_str().unwrap_or(""), depth) {
                        Some(true) => eval(yes),
                        Some(false) => eval(no),
                        None => Value::Unknown,
                    }
                }
                _ => Value::Unknown,
            },
            "Fn::Select" => match args {
                [index, list] => match (eval(index).as_i64(), eval(list)) {
                    (Some(i), Value::List(items)) => usize::try_from(i)
                        .ok()
                        .and_then(|i| items.into_iter().nth(i))
                        .unwrap_or(Value::Unknown),
                    _ => Value::Unknown,
                },
                _ => Value::Unknown,
            },
            "Fn::FindInMap" => match args {
                [map, top, second] => {
                    let keys = [eval(map), eval(top), eval(second)];
                    match (keys[0].as_str(), keys[1].as_str(), keys[2].as_str()) {
                        (Some(map), Some(top), Some(second)) => self
                            .root
                            .path(&["Mappings", map, top, second])
                            .map_or(Value::Unknown, eval),
                        _ => Value::Unknown,
                    }
                }
                _ => Value::Unknown,
            },
            "Fn::Base64" => eval(arg),
            "Fn::Equals" | "Fn::Not" | "Fn::And" | "Fn::Or" | "Condition" => self
                .condition(name, arg, depth)
                .map_or(Value::Unknown, Value::Bool),
            _ => Value::Unknown,
        }
    }

    /// `Ref`: a parameter's default, a resource (a reference), or unknown
    /// (pseudo parameters, parameters without default).
    fn reference(&self, name: &str) -> Value {
        if let Some(parameter) = self.root.path(&["Parameters", name]) {
            return parameter
                .get("Default")
                .map_or(Value::Unknown, |d| self.eval(d));
        }
        if self.root.path(&["Resources", name]).is_some() {
            return Value::Reference(format!("cfn.{name}"));
        }
        Value::Unknown
    }

    /// `${Name}` placeholders replaced by `vars` or `Ref`s; unknown when
    /// any stays unknown. `${!Literal}` is a literal `${Literal}`.
    fn substitute(&self, text: &str, vars: Option<&Node>, depth: usize) -> Value {
        let mut out = String::new();
        let mut rest = text;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let Some(end) = rest[start..].find('}') else {
                return Value::Unknown;
            };
            let name = &rest[start + 2..start + end];
            if let Some(literal) = name.strip_prefix('!') {
                out.push_str("${");
                out.push_str(literal);
                out.push('}');
            } else {
                let value = match vars.and_then(|v| v.get(name)) {
                    Some(node) => self.eval_depth(node, depth + 1),
                    None if name.contains('.') => Value::Unknown,
                    None => self.reference(name),
                };
                match value {
                    Value::String(s) => out.push_str(&s),
                    _ => return Value::Unknown,
                }
            }
            rest = &rest[start + end + 1..];
        }
        out.push_str(rest);
        Value::String(out)
    }

    fn condition_named(&self, name: &str, depth: usize) -> Option<bool> {
        let node = self.root.path(&["Conditions", name])?;
        match node.entries() {
            [(key, arg)] => self.condition(key.as_str()?, arg, depth + 1),
            _ => None,
        }
    }

    fn condition(&self, name: &str, arg: &Node, depth: usize) -> Option<bool> {
        if depth > 32 {
            return None;
        }
        let decide = |node: &Node| -> Option<bool> {
            match node.entries() {
                [(key, inner)] => self.condition(key.as_str()?, inner, depth + 1),
                _ => None,
            }
        };
        match name {
            "Condition" => self.condition_named(arg.as_str()?, depth),
            "Fn::Equals" => match arg.items() {
                [a, b] => {
                    let (a, b) = (self.eval_depth(a, depth + 1), self.eval_depth(b, depth + 1));
                    Some(a.as_str()? == b.as_str()?)
                }
                _ => None,
            },
            "Fn::Not" => arg.items().first().and_then(decide).map(|v| !v),
            "Fn::And" => arg
                .items()
                .iter()
                .map(decide)
                .collect::<Option<Vec<_>>>()
                .map(|v| v.iter().all(|b| *b)),
            "Fn::Or" => arg
                .items()
                .iter()
                .map(decide)
                .collect::<Option<Vec<_>>>()
                .map(|v| v.iter().any(|b| *b)),
            _ => None,
        }
    }

    /// The Terraform blocks for one template resource (none for a type no
    /// rule reads).
    fn adapt(&self, id: &str, kind: &str, resource: &Node) -> Vec<Block> {
        let Some(tf_type) = terraform_type(kind) else {
            return Vec::new();
        };
        let eval = |n: &Node| self.eval(n);
        let mut block = adapt::block(
            "resource",
            vec![tf_type.to_string(), id.to_string()],
            resource.line,
            resource.get("Properties"),
            &eval,
        );
        let mut extra = Vec::new();
        fix_up(kind, &mut block, &mut extra);
        let mut out = vec![block];
        out.extend(extra);
        out
    }
}

/// The Terraform resource type a CloudFormation type adapts to.
fn terraform_type(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "AWS::S3::Bucket" => "aws_s3_bucket",
        "AWS::EC2::SecurityGroup" => "aws_security_group",
        "AWS::EC2::SecurityGroupIngress" | "AWS::EC2::SecurityGroupEgress" => {
            "aws_security_group_rule"
        }
        "AWS::EC2::Instance" => "aws_instance",
        "AWS::EC2::LaunchTemplate" => "aws_launch_template",
        "AWS::EC2::Volume" => "aws_ebs_volume",
        "AWS::EC2::Subnet" => "aws_subnet",
        "AWS::EC2::NetworkAclEntry" => "aws_network_acl_rule",
        "AWS::RDS::DBInstance" => "aws_db_instance",
        "AWS::RDS::DBCluster" => "aws_rds_cluster",
        "AWS::SNS::Topic" => "aws_sns_topic",
        "AWS::SQS::Queue" => "aws_sqs_queue",
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
fn fix_up(kind: &str, block: &mut Block, extra: &mut Vec<Block>) {
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

#[cfg(test)]
mod tests {
    use super::*;

    const TEMPLATE: &str = r#"AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Acl:
    Type: String
    Default: PublicRead
  Env:
    Type: String
    Default: prod
Conditions:
  IsProd: !Equals [!Ref Env, prod]
Resources:
  Site:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: !Sub "${Env}-site"
      AccessControl: !Ref Acl
      VersioningConfiguration:
        Status: !If [IsProd, Suspended, Enabled]
      PublicAccessBlockConfiguration:
        BlockPublicAcls: false
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      KmsMasterKeyId: !GetAtt Key.Arn
"#;

    #[test]
    fn intrinsics_resolve_and_resources_adapt() {
        let module = module(TEMPLATE).expect("template");
        let bucket = &module.blocks[0];
        assert_eq!(bucket.address(), "aws_s3_bucket.Site");
        assert_eq!(
            bucket.value("bucket_name"),
            Some(&Value::String("prod-site".into()))
        );
        assert_eq!(
            bucket.value("acl"),
            Some(&Value::String("public-read".into()))
        );
        assert_eq!(bucket.attr("acl").map(|a| a.line), Some(16));
        let versioning = bucket.blocks("versioning").next().expect("versioning");
        assert_eq!(versioning.value("enabled"), Some(&Value::Bool(false)));
        let access = &module.blocks[1];
        assert_eq!(access.address(), "aws_s3_bucket_public_access_block.Site");
        assert_eq!(
            access.value("block_public_acls").and_then(Value::as_bool),
            Some(false)
        );
        let queue = &module.blocks[2];
        assert!(matches!(
            queue.value("kms_master_key_id"),
            Some(Value::Reference(_))
        ));
    }

    #[test]
    fn a_file_without_resources_is_an_error() {
        assert!(module("AWSTemplateFormatVersion: x\n").is_err());
        assert!(module("{\"Resources\": [}").is_err());
    }
}
