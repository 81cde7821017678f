//! AWS data services at Trivy's breadth: RDS and Aurora, DynamoDB and DAX,
//! ElastiCache, Neptune, DocumentDB, Redshift, EFS, Kinesis, MSK,
//! OpenSearch/Elasticsearch, Secrets Manager, KMS and CloudWatch log
//! groups. Each entry follows the Trivy check it aliases.

use super::hcl::{Block, Module, Value};
use super::spec::{missing, trivy_rule, wrong, Check, Test};
use crate::config::{Rule, Violation};

pub(super) static CHECKS: &[Check] = &[
    Check {
        rule: trivy_rule!(
            "SG-TF-030", "AWS-0077", "aws-rds-specify-backup-retention", Medium,
            "RDS backup retention is shorter than two days",
            "With no or one day of automated backups, a mistake noticed the next morning can no \
             longer be undone from a point-in-time restore.",
            "Keep backups for a week or more:\n\n    backup_retention_period = 7",
        ),
        resources: &["aws_db_instance", "aws_rds_cluster"],
        test: Test::Custom(backup_retention),
        bad: "resource \"aws_rds_cluster\" \"a\" {\n  backup_retention_period = 1\n}\n",
        good: "resource \"aws_rds_cluster\" \"a\" {\n  backup_retention_period = 7\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-031", "AWS-0343", "aws-rds-enable-cluster-deletion-protection", Medium,
            "RDS cluster has no deletion protection",
            "Without deletion protection one `terraform destroy` or console click removes the \
             cluster and, unless a final snapshot is taken, its data.",
            "Set `deletion_protection = true` on the `aws_rds_cluster`.",
        ),
        resources: &["aws_rds_cluster"],
        test: Test::IsTrue("deletion_protection"),
        bad: "resource \"aws_rds_cluster\" \"a\" {}\n",
        good: "resource \"aws_rds_cluster\" \"a\" {\n  deletion_protection = true\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-032", "AWS-0177", "aws-rds-enable-deletion-protection", Medium,
            "RDS instance has no deletion protection",
            "Without deletion protection one `terraform destroy` or console click removes the \
             database.",
            "Set `deletion_protection = true` on the `aws_db_instance`.",
        ),
        resources: &["aws_db_instance"],
        test: Test::IsTrue("deletion_protection"),
        bad: "resource \"aws_db_instance\" \"a\" {\n  deletion_protection = false\n}\n",
        good: "resource \"aws_db_instance\" \"a\" {\n  deletion_protection = true\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-033", "AWS-0176", "aws-rds-enable-iam-auth", Medium,
            "RDS instance does not use IAM database authentication",
            "IAM authentication replaces long-lived database passwords with short-lived tokens \
             tied to IAM identities, which are audited and revocable.",
            "Set `iam_database_authentication_enabled = true` (MySQL and PostgreSQL engines).",
        ),
        resources: &["aws_db_instance"],
        test: Test::Custom(iam_auth),
        bad: "resource \"aws_db_instance\" \"a\" {\n  engine = \"postgres\"\n}\n",
        good: "resource \"aws_db_instance\" \"a\" {\n  engine = \"postgres\"\n  iam_database_authentication_enabled = true\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-034", "AWS-0133", "aws-rds-enable-performance-insights", Low,
            "RDS instance has Performance Insights disabled",
            "Performance Insights shows load and slow queries: without it, performance problems \
             and abuse are hard to diagnose.",
            "Set `performance_insights_enabled = true`.",
        ),
        resources: &["aws_db_instance", "aws_rds_cluster_instance"],
        test: Test::IsTrue("performance_insights_enabled"),
        bad: "resource \"aws_db_instance\" \"a\" {}\n",
        good: "resource \"aws_db_instance\" \"a\" {\n  performance_insights_enabled = true\n  performance_insights_kms_key_id = \"k\"\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-035", "AWS-0078", "aws-rds-performance-insights-encryption-customer-key", Low,
            "RDS Performance Insights is not encrypted with a customer managed key",
            "Performance Insights keeps query text; a key you manage makes its use auditable and \
             revocable.",
            "Set `performance_insights_kms_key_id` when Performance Insights is enabled.",
        ),
        resources: &["aws_db_instance", "aws_rds_cluster_instance", "aws_rds_cluster"],
        test: Test::Custom(insights_key),
        bad: "resource \"aws_db_instance\" \"a\" {\n  performance_insights_enabled = true\n}\n",
        good: "resource \"aws_db_instance\" \"a\" {\n  performance_insights_enabled = true\n  performance_insights_kms_key_id = \"k\"\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-036", "AWS-0024", "aws-dynamodb-enable-recovery", Medium,
            "DynamoDB table has no point-in-time recovery",
            "Without point-in-time recovery a bad write or delete cannot be rolled back.",
            "Add `point_in_time_recovery { enabled = true }`.",
        ),
        resources: &["aws_dynamodb_table"],
        test: Test::IsTrue("point_in_time_recovery.enabled"),
        bad: "resource \"aws_dynamodb_table\" \"a\" {}\n",
        good: "resource \"aws_dynamodb_table\" \"a\" {\n  point_in_time_recovery {\n    enabled = true\n  }\n  server_side_encryption {\n    enabled = true\n    kms_key_arn = \"k\"\n  }\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-037", "AWS-0025", "aws-dynamodb-table-customer-key", Low,
            "DynamoDB table is not encrypted with a customer managed key",
            "The default AWS-owned key cannot be audited or revoked by you.",
            "Add `server_side_encryption { enabled = true, kms_key_arn = aws_kms_key.x.arn }`.",
        ),
        resources: &["aws_dynamodb_table"],
        test: Test::Custom(dynamodb_key),
        bad: "resource \"aws_dynamodb_table\" \"a\" {}\n",
        good: "resource \"aws_dynamodb_table\" \"a\" {\n  server_side_encryption {\n    enabled = true\n    kms_key_arn = \"k\"\n  }\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-038", "AWS-0023", "aws-dynamodb-enable-at-rest-encryption", High,
            "DAX cluster does not encrypt data at rest",
            "Cached table data on the cluster's nodes is readable without a key.",
            "Add `server_side_encryption { enabled = true }`.",
        ),
        resources: &["aws_dax_cluster"],
        test: Test::IsTrue("server_side_encryption.enabled"),
        bad: "resource \"aws_dax_cluster\" \"a\" {}\n",
        good: "resource \"aws_dax_cluster\" \"a\" {\n  server_side_encryption {\n    enabled = true\n  }\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-039", "AWS-0045", "aws-elasticache-enable-at-rest-encryption", High,
            "ElastiCache replication group does not encrypt data at rest",
            "Cached data and its backups are readable without a key.",
            "Set `at_rest_encryption_enabled = true`.",
        ),
        resources: &["aws_elasticache_replication_group"],
        test: Test::IsTrue("at_rest_encryption_enabled"),
        bad: "resource \"aws_elasticache_replication_group\" \"a\" {}\n",
        good: "resource \"aws_elasticache_replication_group\" \"a\" {\n  at_rest_encryption_enabled = true\n  transit_encryption_enabled = true\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-040", "AWS-0051", "aws-elasticache-enable-in-transit-encryption", High,
            "ElastiCache replication group does not encrypt traffic",
            "Without TLS, cached data and AUTH tokens cross the network in clear text.",
            "Set `transit_encryption_enabled = true`.",
        ),
        resources: &["aws_elasticache_replication_group"],
        test: Test::IsTrue("transit_encryption_enabled"),
        bad: "resource \"aws_elasticache_replication_group\" \"a\" {}\n",
        good: "resource \"aws_elasticache_replication_group\" \"a\" {\n  transit_encryption_enabled = true\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-041", "AWS-0050", "aws-elasticache-enable-backup-retention", Medium,
            "ElastiCache Redis cluster keeps no snapshots",
            "With `snapshot_retention_limit = 0` a failed node or a bad flush loses the data.",
            "Set `snapshot_retention_limit` to at least 1 (not possible on `cache.t1.micro`).",
        ),
        resources: &["aws_elasticache_cluster"],
        test: Test::Custom(redis_snapshots),
        bad: "resource \"aws_elasticache_cluster\" \"a\" {\n  engine = \"redis\"\n  node_type = \"cache.m5.large\"\n}\n",
        good: "resource \"aws_elasticache_cluster\" \"a\" {\n  engine = \"redis\"\n  node_type = \"cache.m5.large\"\n  snapshot_retention_limit = 5\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-042", "AWS-0076", "aws-neptune-enable-storage-encryption", High,
            "Neptune cluster storage is not encrypted",
            "Graph data, backups and snapshots are readable without a key.",
            "Set `storage_encrypted = true`.",
        ),
        resources: &["aws_neptune_cluster"],
        test: Test::IsTrue("storage_encrypted"),
        bad: "resource \"aws_neptune_cluster\" \"a\" {}\n",
        good: "resource \"aws_neptune_cluster\" \"a\" {\n  storage_encrypted = true\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-043", "AWS-0128", "aws-neptune-encryption-customer-key", High,
            "Neptune cluster is not encrypted with a customer managed key",
            "A key you manage makes access to the data auditable and revocable.",
            "Set `kms_key_arn`.",
        ),
        resources: &["aws_neptune_cluster"],
        test: Test::Present("kms_key_arn"),
        bad: "resource \"aws_neptune_cluster\" \"a\" {}\n",
        good: "resource \"aws_neptune_cluster\" \"a\" {\n  kms_key_arn = \"k\"\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-044", "AWS-0075", "aws-neptune-enable-log-export", Medium,
            "Neptune cluster does not export audit logs",
            "Without audit logs there is no record of who queried or changed the graph.",
            "Set `enable_cloudwatch_logs_exports = [\"audit\"]`.",
        ),
        resources: &["aws_neptune_cluster"],
        test: Test::Custom(neptune_logs),
        bad: "resource \"aws_neptune_cluster\" \"a\" {}\n",
        good: "resource \"aws_neptune_cluster\" \"a\" {\n  enable_cloudwatch_logs_exports = [\"audit\"]\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-045", "AWS-0021", "aws-documentdb-enable-storage-encryption", High,
            "DocumentDB cluster storage is not encrypted",
            "Documents, backups and snapshots are readable without a key.",
            "Set `storage_encrypted = true`.",
        ),
        resources: &["aws_docdb_cluster"],
        test: Test::IsTrue("storage_encrypted"),
        bad: "resource \"aws_docdb_cluster\" \"a\" {}\n",
        good: "resource \"aws_docdb_cluster\" \"a\" {\n  storage_encrypted = true\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-046", "AWS-0022", "aws-documentdb-encryption-customer-key", Low,
            "DocumentDB cluster is not encrypted with a customer managed key",
            "A key you manage makes access to the data auditable and revocable.",
            "Set `kms_key_id`.",
        ),
        resources: &["aws_docdb_cluster"],
        test: Test::Present("kms_key_id"),
        bad: "resource \"aws_docdb_cluster\" \"a\" {}\n",
        good: "resource \"aws_docdb_cluster\" \"a\" {\n  kms_key_id = \"k\"\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-047", "AWS-0020", "aws-documentdb-enable-log-export", Medium,
            "DocumentDB cluster exports neither audit nor profiler logs",
            "Without exported logs there is no record of who read or changed documents.",
            "Set `enabled_cloudwatch_logs_exports = [\"audit\", \"profiler\"]`.",
        ),
        resources: &["aws_docdb_cluster"],
        test: Test::Custom(docdb_logs),
        bad: "resource \"aws_docdb_cluster\" \"a\" {}\n",
        good: "resource \"aws_docdb_cluster\" \"a\" {\n  enabled_cloudwatch_logs_exports = [\"audit\"]\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-048", "AWS-0084", "aws-redshift-encryption-customer-key", High,
            "Redshift cluster is not encrypted with a customer managed key",
            "Warehouse data and snapshots are readable without a key you control.",
            "Set `encrypted = true` and `kms_key_id`.",
        ),
        resources: &["aws_redshift_cluster"],
        test: Test::Custom(redshift_key),
        bad: "resource \"aws_redshift_cluster\" \"a\" {}\n",
        good: "resource \"aws_redshift_cluster\" \"a\" {\n  encrypted = true\n  kms_key_id = \"k\"\n  cluster_subnet_group_name = \"s\"\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-049", "AWS-0127", "aws-redshift-use-vpc", High,
            "Redshift cluster is not deployed in a VPC subnet group",
            "A cluster outside your VPC cannot be isolated by security groups and routing.",
            "Set `cluster_subnet_group_name`.",
        ),
        resources: &["aws_redshift_cluster"],
        test: Test::Present("cluster_subnet_group_name"),
        bad: "resource \"aws_redshift_cluster\" \"a\" {}\n",
        good: "resource \"aws_redshift_cluster\" \"a\" {\n  cluster_subnet_group_name = \"s\"\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-050", "AWS-0037", "aws-efs-enable-at-rest-encryption", High,
            "EFS file system is not encrypted",
            "Files on an unencrypted file system are readable without a key.",
            "Set `encrypted = true`.",
        ),
        resources: &["aws_efs_file_system"],
        test: Test::IsTrue("encrypted"),
        bad: "resource \"aws_efs_file_system\" \"a\" {}\n",
        good: "resource \"aws_efs_file_system\" \"a\" {\n  encrypted = true\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-051", "AWS-0064", "aws-kinesis-enable-in-transit-encryption", High,
            "Kinesis stream is not encrypted with KMS",
            "Records at rest in the stream are readable without a key.",
            "Set `encryption_type = \"KMS\"` and `kms_key_id`.",
        ),
        resources: &["aws_kinesis_stream"],
        test: Test::Custom(kinesis_key),
        bad: "resource \"aws_kinesis_stream\" \"a\" {}\n",
        good: "resource \"aws_kinesis_stream\" \"a\" {\n  encryption_type = \"KMS\"\n  kms_key_id = \"k\"\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-052", "AWS-0073", "aws-msk-enable-in-transit-encryption", High,
            "MSK cluster allows plaintext traffic",
            "Clients or brokers talking plaintext expose every message on the network.",
            "Set `encryption_info { encryption_in_transit { client_broker = \"TLS\", in_cluster = true } }`.",
        ),
        resources: &["aws_msk_cluster"],
        test: Test::Custom(msk_transit),
        bad: "resource \"aws_msk_cluster\" \"a\" {\n  encryption_info {\n    encryption_in_transit {\n      client_broker = \"PLAINTEXT\"\n    }\n  }\n}\n",
        good: "resource \"aws_msk_cluster\" \"a\" {\n  encryption_info {\n    encryption_in_transit {\n      client_broker = \"TLS\"\n    }\n  }\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-053", "AWS-0179", "aws-msk-enable-at-rest-encryption", High,
            "MSK cluster is not encrypted at rest with a customer managed key",
            "A key you manage makes access to the topics' data auditable and revocable.",
            "Set `encryption_info { encryption_at_rest_kms_key_arn = aws_kms_key.x.arn }`.",
        ),
        resources: &["aws_msk_cluster"],
        test: Test::Present("encryption_info.encryption_at_rest_kms_key_arn"),
        bad: "resource \"aws_msk_cluster\" \"a\" {}\n",
        good: "resource \"aws_msk_cluster\" \"a\" {\n  encryption_info {\n    encryption_at_rest_kms_key_arn = \"k\"\n  }\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-054", "AWS-0074", "aws-msk-enable-logging", Medium,
            "MSK cluster does not log broker activity",
            "Broker logs are how you investigate failed authentications and misuse.",
            "Enable one of `logging_info { broker_logs { cloudwatch_logs | firehose | s3 { enabled = true } } }`.",
        ),
        resources: &["aws_msk_cluster"],
        test: Test::Custom(msk_logging),
        bad: "resource \"aws_msk_cluster\" \"a\" {}\n",
        good: "resource \"aws_msk_cluster\" \"a\" {\n  logging_info {\n    broker_logs {\n      s3 {\n        enabled = true\n      }\n    }\n  }\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-055", "AWS-0048", "aws-elasticsearch-enable-domain-encryption", High,
            "OpenSearch/Elasticsearch domain is not encrypted at rest",
            "Indexes, logs and snapshots are readable without a key.",
            "Add `encrypt_at_rest { enabled = true }`.",
        ),
        resources: &["aws_elasticsearch_domain", "aws_opensearch_domain"],
        test: Test::IsTrue("encrypt_at_rest.enabled"),
        bad: "resource \"aws_elasticsearch_domain\" \"a\" {}\n",
        good: "resource \"aws_elasticsearch_domain\" \"a\" {\n  encrypt_at_rest {\n    enabled = true\n  }\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-056", "AWS-0043", "aws-elasticsearch-enable-in-transit-encryption", High,
            "OpenSearch/Elasticsearch nodes talk to each other in plaintext",
            "Without node-to-node encryption, documents cross the network in clear text.",
            "Add `node_to_node_encryption { enabled = true }`.",
        ),
        resources: &["aws_elasticsearch_domain", "aws_opensearch_domain"],
        test: Test::IsTrue("node_to_node_encryption.enabled"),
        bad: "resource \"aws_elasticsearch_domain\" \"a\" {}\n",
        good: "resource \"aws_elasticsearch_domain\" \"a\" {\n  node_to_node_encryption {\n    enabled = true\n  }\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-057", "AWS-0046", "aws-elasticsearch-enforce-https", Critical,
            "OpenSearch/Elasticsearch domain accepts plain HTTP",
            "Requests and credentials over HTTP can be read and altered on the way.",
            "Add `domain_endpoint_options { enforce_https = true }`.",
        ),
        resources: &["aws_elasticsearch_domain", "aws_opensearch_domain"],
        test: Test::IsTrue("domain_endpoint_options.enforce_https"),
        bad: "resource \"aws_elasticsearch_domain\" \"a\" {}\n",
        good: "resource \"aws_elasticsearch_domain\" \"a\" {\n  domain_endpoint_options {\n    enforce_https = true\n  }\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-058", "AWS-0126", "aws-elasticsearch-use-secure-tls-policy", High,
            "OpenSearch/Elasticsearch domain allows TLS older than 1.2",
            "TLS 1.0 and 1.1 have known weaknesses and are no longer accepted by compliance \
             standards.",
            "Set `domain_endpoint_options { tls_security_policy = \"Policy-Min-TLS-1-2-2019-07\" }`.",
        ),
        resources: &["aws_elasticsearch_domain", "aws_opensearch_domain"],
        test: Test::OneOf(
            "domain_endpoint_options.tls_security_policy",
            &["Policy-Min-TLS-1-2-2019-07", "Policy-Min-TLS-1-2-PFS-2023-10"],
        ),
        bad: "resource \"aws_elasticsearch_domain\" \"a\" {}\n",
        good: "resource \"aws_elasticsearch_domain\" \"a\" {\n  domain_endpoint_options {\n    tls_security_policy = \"Policy-Min-TLS-1-2-2019-07\"\n  }\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-059", "AWS-0042", "aws-elasticsearch-enable-domain-logging", Medium,
            "OpenSearch/Elasticsearch domain does not publish audit logs",
            "Audit logs record who searched or changed which index.",
            "Add `log_publishing_options { log_type = \"AUDIT_LOGS\", cloudwatch_log_group_arn = ... }`.",
        ),
        resources: &["aws_elasticsearch_domain", "aws_opensearch_domain"],
        test: Test::Custom(search_audit_logs),
        bad: "resource \"aws_elasticsearch_domain\" \"a\" {}\n",
        good: "resource \"aws_elasticsearch_domain\" \"a\" {\n  log_publishing_options {\n    log_type = \"AUDIT_LOGS\"\n    cloudwatch_log_group_arn = \"g\"\n  }\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-060", "AWS-0098", "aws-ssm-secret-use-customer-key", Low,
            "Secrets Manager secret is not encrypted with a customer managed key",
            "With your own key, reading the secret also needs `kms:Decrypt`, which you can audit \
             and revoke separately.",
            "Set `kms_key_id` to a key of your own (not `alias/aws/secretsmanager`, the AWS-managed one).",
        ),
        resources: &["aws_secretsmanager_secret"],
        test: Test::Custom(secret_key),
        bad: "resource \"aws_secretsmanager_secret\" \"a\" {}\n",
        good: "resource \"aws_secretsmanager_secret\" \"a\" {\n  kms_key_id = \"k\"\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-061", "AWS-0065", "aws-kms-auto-rotate-keys", Medium,
            "KMS key is not rotated automatically",
            "A key that never rotates keeps protecting new data with material that may have \
             leaked long ago.",
            "Set `enable_key_rotation = true` (symmetric encryption keys).",
        ),
        resources: &["aws_kms_key"],
        test: Test::Custom(kms_rotation),
        bad: "resource \"aws_kms_key\" \"a\" {}\n",
        good: "resource \"aws_kms_key\" \"a\" {\n  enable_key_rotation = true\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-062", "AWS-0017", "aws-cloudwatch-log-group-customer-key", Low,
            "CloudWatch log group is not encrypted with a customer managed key",
            "Logs often hold tokens and personal data; a key you manage makes reading them \
             auditable and revocable.",
            "Set `kms_key_id`.",
        ),
        resources: &["aws_cloudwatch_log_group"],
        test: Test::Present("kms_key_id"),
        bad: "resource \"aws_cloudwatch_log_group\" \"a\" {}\n",
        good: "resource \"aws_cloudwatch_log_group\" \"a\" {\n  kms_key_id = \"k\"\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-063", "AWS-0136", "aws-sns-topic-encryption-use-cmk", High,
            "SNS topic is encrypted with the AWS managed key",
            "`alias/aws/sns` cannot be restricted or audited per topic; a customer managed key can.",
            "Set `kms_master_key_id` to your own key.",
        ),
        resources: &["aws_sns_topic"],
        test: Test::NoneOf("kms_master_key_id", &["alias/aws/sns"]),
        bad: "resource \"aws_sns_topic\" \"a\" {\n  kms_master_key_id = \"alias/aws/sns\"\n}\n",
        good: "resource \"aws_sns_topic\" \"a\" {\n  kms_master_key_id = \"alias/mine\"\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-064", "AWS-0135", "aws-sqs-queue-encryption-use-cmk", High,
            "SQS queue is encrypted with the AWS managed key",
            "`alias/aws/sqs` cannot be restricted or audited per queue; a customer managed key can.",
            "Set `kms_master_key_id` to your own key.",
        ),
        resources: &["aws_sqs_queue"],
        test: Test::NoneOf("kms_master_key_id", &["alias/aws/sqs"]),
        bad: "resource \"aws_sqs_queue\" \"a\" {\n  kms_master_key_id = \"alias/aws/sqs\"\n}\n",
        good: "resource \"aws_sqs_queue\" \"a\" {\n  kms_master_key_id = \"alias/mine\"\n}\n",
    },
];

/// AWS-0077: fewer than 2 days (the default is 1), unless the database is a
/// replica, whose backups are its source's.
fn backup_retention(_: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    if block.attr("replicate_source_db").is_some()
        || block.attr("replication_source_identifier").is_some()
    {
        return;
    }
    match block.attr("backup_retention_period") {
        None => found.push(missing(rule, block, block, "", "backup_retention_period")),
        Some(attr) if attr.value.as_i64().is_some_and(|days| days < 2) => {
            found.push(wrong(rule, block, "", attr))
        }
        Some(_) => {}
    }
}

/// AWS-0176: only MySQL and PostgreSQL engines support IAM authentication.
fn iam_auth(module: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    let engine = block.value("engine").and_then(Value::as_str).unwrap_or("");
    if ["mysql", "postgres", "mariadb", "aurora"]
        .iter()
        .any(|e| engine.starts_with(e))
    {
        Test::IsTrue("iam_database_authentication_enabled").run_on(module, block, rule, found);
    }
}

/// AWS-0078: a key is needed only once Performance Insights is on.
fn insights_key(module: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    if block
        .value("performance_insights_enabled")
        .and_then(Value::as_bool)
        == Some(true)
    {
        Test::Present("performance_insights_kms_key_id").run_on(module, block, rule, found);
    }
}

/// AWS-0025: server-side encryption on, with a key of one's own.
fn dynamodb_key(_: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    let Some(sse) = block.blocks("server_side_encryption").next() else {
        found.push(missing(
            rule,
            block,
            block,
            "server_side_encryption.",
            "kms_key_arn",
        ));
        return;
    };
    if let Some(attr) = sse
        .attr("enabled")
        .filter(|a| a.value.as_bool() == Some(false))
    {
        found.push(wrong(rule, block, "server_side_encryption.", attr));
        return;
    }
    match sse.attr("kms_key_arn") {
        None => found.push(missing(
            rule,
            block,
            sse,
            "server_side_encryption.",
            "kms_key_arn",
        )),
        Some(attr)
            if attr
                .value
                .as_str()
                .is_some_and(|k| k.is_empty() || k == "alias/aws/dynamodb") =>
        {
            found.push(wrong(rule, block, "server_side_encryption.", attr))
        }
        Some(_) => {}
    }
}

/// AWS-0050: Redis clusters (not on `cache.t1.micro`, which cannot snapshot).
fn redis_snapshots(_: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    let is = |key, expected| block.value(key).and_then(Value::as_str) == Some(expected);
    if !is("engine", "redis") || is("node_type", "cache.t1.micro") {
        return;
    }
    match block.attr("snapshot_retention_limit") {
        None => found.push(missing(rule, block, block, "", "snapshot_retention_limit")),
        Some(attr) if attr.value.as_i64() == Some(0) => found.push(wrong(rule, block, "", attr)),
        Some(_) => {}
    }
}

/// A list attribute that must hold one of `wanted`: missing, or literal
/// without any of them, fails.
fn list_contains(
    block: &Block,
    key: &str,
    wanted: &[&str],
    rule: &'static Rule,
    found: &mut Vec<Violation>,
) {
    match block.attr(key) {
        None => found.push(missing(rule, block, block, "", key)),
        Some(attr) => {
            // A single string is a one-item list.
            let literal = match &attr.value {
                Value::List(items) => items.iter().all(|i| i.as_str().is_some()),
                Value::String(_) => true,
                _ => false,
            };
            if literal && !attr.value.strings().iter().any(|s| wanted.contains(s)) {
                found.push(wrong(rule, block, "", attr));
            }
        }
    }
}

fn neptune_logs(_: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    list_contains(
        block,
        "enable_cloudwatch_logs_exports",
        &["audit"],
        rule,
        found,
    );
}

/// AWS-0098: a key, and not the AWS-managed `alias/aws/secretsmanager`.
fn secret_key(module: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    Test::Present("kms_key_id").run_on(module, block, rule, found);
    Test::NoneOf("kms_key_id", &["alias/aws/secretsmanager"]).run_on(module, block, rule, found);
}

fn docdb_logs(_: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    list_contains(
        block,
        "enabled_cloudwatch_logs_exports",
        &["audit", "profiler"],
        rule,
        found,
    );
}

/// AWS-0084: encrypted, and with a key of one's own.
fn redshift_key(module: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    let before = found.len();
    Test::IsTrue("encrypted").run_on(module, block, rule, found);
    if found.len() == before {
        Test::Present("kms_key_id").run_on(module, block, rule, found);
    }
}

/// AWS-0064: `encryption_type = "KMS"` with a key.
fn kinesis_key(module: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    let before = found.len();
    Test::OneOf("encryption_type", &["KMS"]).run_on(module, block, rule, found);
    if found.len() == before {
        Test::Present("kms_key_id").run_on(module, block, rule, found);
    }
}

/// AWS-0073: client-broker traffic must be TLS (the default) and in-cluster
/// traffic encrypted (the default).
fn msk_transit(module: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    Test::NoneOf(
        "encryption_info.encryption_in_transit.client_broker",
        &["PLAINTEXT", "TLS_PLAINTEXT"],
    )
    .run_on(module, block, rule, found);
    Test::NotFalse("encryption_info.encryption_in_transit.in_cluster")
        .run_on(module, block, rule, found);
}

/// AWS-0074: one of the three broker-log destinations enabled.
fn msk_logging(_: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    let destinations: Vec<&Block> = block
        .blocks("logging_info")
        .flat_map(|l| l.blocks("broker_logs"))
        .flat_map(|b| b.blocks.iter())
        .collect();
    let enabled = |d: &&Block| {
        d.value("enabled")
            .is_some_and(|v| v.as_bool() != Some(false))
    };
    if !destinations.iter().any(enabled) {
        found.push(missing(
            rule,
            block,
            block,
            "logging_info.broker_logs.",
            "enabled",
        ));
    }
}

/// AWS-0042: a `log_publishing_options` of type `AUDIT_LOGS` not disabled.
fn search_audit_logs(_: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    let audit = block.blocks("log_publishing_options").any(|o| {
        o.value("log_type")
            .and_then(Value::as_str)
            .is_none_or(|t| t == "AUDIT_LOGS")
            && o.value("enabled").and_then(Value::as_bool) != Some(false)
    });
    if !audit {
        found.push(missing(
            rule,
            block,
            block,
            "log_publishing_options.",
            "log_type",
        ));
    }
}

/// AWS-0065: only symmetric encryption keys can rotate.
fn kms_rotation(module: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    let usage = block
        .value("key_usage")
        .and_then(Value::as_str)
        .unwrap_or("ENCRYPT_DECRYPT");
    let spec = block
        .value("customer_master_key_spec")
        .and_then(Value::as_str)
        .unwrap_or("SYMMETRIC_DEFAULT");
    if usage == "ENCRYPT_DECRYPT" && spec == "SYMMETRIC_DEFAULT" {
        Test::IsTrue("enable_key_rotation").run_on(module, block, rule, found);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn examples_hold() {
        super::super::spec::tests::examples_hold(super::CHECKS);
    }
}
