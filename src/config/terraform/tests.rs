//! Each rule's failing and passing examples, through `Checker::check`.

use super::TerraformChecker;
use crate::config::Checker;
use std::collections::BTreeSet;

/// The violations of the hand-written rules in `content`, one line each:
/// rule, lines, subject, message. (Catalogued rules are tested by their own
/// examples in `spec::tests`.)
fn check(content: &str) -> Vec<String> {
    TerraformChecker::DEFAULT
        .check("main.tf", content)
        .expect("parses")
        .into_iter()
        .filter(|v| super::HAND_RULES.iter().any(|r| r.id == v.rule.id))
        .map(|v| {
            format!(
                "{} L{}-{} {}: {}",
                v.rule.id, v.start_line, v.end_line, v.subject, v.message
            )
        })
        .collect()
}

const S3_PUBLIC_AND_BARE: &str = r#"
resource "aws_s3_bucket" "public" {
  bucket = "public-site"
  acl    = "public-read"
  versioning {
    enabled = false
  }
}

resource "aws_s3_bucket_acl" "public" {
  bucket = aws_s3_bucket.public.id
  acl    = "authenticated-read"
}

resource "aws_s3_bucket_public_access_block" "weak" {
  bucket              = aws_s3_bucket.public.id
  block_public_acls   = false
  block_public_policy = "false"
  ignore_public_acls  = false
}

resource "aws_s3_bucket" "bare" {
  bucket = "bare"
}

resource "aws_s3_bucket_versioning" "bare" {
  bucket = "bare"
  versioning_configuration {
    status = "Suspended"
  }
}
"#;

const S3_GOOD: &str = r#"
variable "block" {
  default = true
}

resource "aws_s3_bucket" "data" {
  bucket = "data"
  acl    = "private"
}

resource "aws_s3_bucket_public_access_block" "data" {
  bucket                  = aws_s3_bucket.data.id
  block_public_acls       = true
  block_public_policy     = var.block
  ignore_public_acls      = "true"
  restrict_public_buckets = true
}

resource "aws_s3_bucket_server_side_encryption_configuration" "data" {
  bucket = aws_s3_bucket.data.bucket
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "aws:kms"
    }
  }
}

resource "aws_s3_bucket_versioning" "data" {
  bucket = aws_s3_bucket.data.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_logging" "data" {
  bucket        = "data"
  target_bucket = "logs"
}

resource "aws_s3_bucket" "inline" {
  bucket = "inline"
  versioning {
    enabled = true
  }
  logging {
    target_bucket = "logs"
  }
  server_side_encryption_configuration {
    rule {
      apply_server_side_encryption_by_default {
        sse_algorithm = "AES256"
      }
    }
  }
}

resource "aws_s3_bucket_public_access_block" "inline" {
  bucket                  = aws_s3_bucket.inline.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}
"#;

#[test]
fn s3_failing() {
    insta::assert_debug_snapshot!(check(S3_PUBLIC_AND_BARE));
}

#[test]
fn s3_passing() {
    assert_eq!(check(S3_GOOD), Vec::<String>::new());
}

#[test]
fn log_buckets_are_not_asked_to_log_themselves() {
    let content = r#"
resource "aws_s3_bucket" "delivery" {
  acl = "log-delivery-write"
}

resource "aws_s3_bucket" "target" {
  bucket = "target"
}

resource "aws_s3_bucket" "data" {
  logging {
    target_bucket = "${aws_s3_bucket.target.id}"
  }
}

resource "aws_s3_bucket" "unlogged" {
}
"#;
    let logging: Vec<String> = check(content)
        .into_iter()
        .filter(|v| v.starts_with("SG-TF-010"))
        .collect();
    assert_eq!(
        logging,
        ["SG-TF-010 L16-16 aws_s3_bucket.unlogged.logging: Bucket has no access logging."]
    );
}

const NETWORK_OPEN: &str = r#"
resource "aws_security_group" "web" {
  name = "web"
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["10.0.0.0/8", "0.0.0.0/0"]
  }
  ingress {
    from_port        = 0
    to_port          = 0
    protocol         = "-1"
    ipv6_cidr_blocks = ["::/0"]
  }
}

resource "aws_security_group_rule" "rdp" {
  type        = "ingress"
  from_port   = 3000
  to_port     = 4000
  protocol    = "tcp"
  cidr_blocks = ["0.0.0.0/0"]
}

resource "aws_vpc_security_group_ingress_rule" "ssh" {
  from_port   = 22
  to_port     = 22
  ip_protocol = "tcp"
  cidr_ipv4   = "0.0.0.0/0"
}

resource "google_compute_firewall" "open" {
  name          = "open"
  source_ranges = ["0.0.0.0/0"]
  allow {
    protocol = "tcp"
    ports    = ["80"]
  }
}

resource "azurerm_network_security_rule" "ssh" {
  direction                  = "Inbound"
  access                     = "Allow"
  protocol                   = "Tcp"
  source_address_prefix      = "*"
  destination_port_range     = "*"
}

resource "azurerm_network_security_group" "rdp" {
  security_rule {
    direction               = "Inbound"
    access                  = "Allow"
    protocol                = "Tcp"
    source_address_prefixes = ["Internet"]
    destination_port_ranges = ["3000-3999"]
  }
}
"#;

const NETWORK_CLOSED: &str = r#"
resource "aws_security_group" "web" {
  ingress {
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["10.0.0.0/8"]
  }
  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_security_group_rule" "egress" {
  type        = "egress"
  from_port   = 22
  to_port     = 22
  protocol    = "tcp"
  cidr_blocks = ["0.0.0.0/0"]
}

resource "aws_vpc_security_group_ingress_rule" "ssh" {
  from_port   = 22
  to_port     = 22
  ip_protocol = "tcp"
  cidr_ipv4   = var.office
}

resource "google_compute_firewall" "egress" {
  direction          = "EGRESS"
  source_ranges      = ["0.0.0.0/0"]
  allow {
    protocol = "tcp"
  }
}

resource "azurerm_network_security_rule" "https" {
  direction              = "Inbound"
  access                 = "Allow"
  protocol               = "Tcp"
  source_address_prefix  = "*"
  destination_port_range = "443"
}

resource "azurerm_network_security_rule" "deny" {
  direction              = "Inbound"
  access                 = "Deny"
  protocol               = "Tcp"
  source_address_prefix  = "*"
  destination_port_range = "22"
}
"#;

#[test]
fn network_failing() {
    insta::assert_debug_snapshot!(check(NETWORK_OPEN));
}

#[test]
fn network_passing() {
    assert_eq!(check(NETWORK_CLOSED), Vec::<String>::new());
}

const DATA_STORES_BAD: &str = r#"
variable "encrypt" {
  default = false
}

resource "aws_ebs_volume" "data" {
  size      = 10
  encrypted = var.encrypt
}

resource "aws_db_instance" "db" {
  engine              = "mysql"
  publicly_accessible = true
}

resource "aws_rds_cluster" "cluster" {
  storage_encrypted = false
}

resource "aws_sns_topic" "events" {
  name = "events"
}

resource "aws_sqs_queue" "jobs" {
  kms_master_key_id       = ""
  sqs_managed_sse_enabled = false
}

resource "aws_instance" "bare" {
  ami = "ami-123"
}

resource "aws_instance" "disks" {
  root_block_device {
    encrypted = false
  }
  ebs_block_device {
    device_name = "/dev/sdb"
  }
}

resource "aws_cloudtrail" "trail" {
  name                  = "trail"
  is_multi_region_trail = false
  enable_logging        = false
}
"#;

const DATA_STORES_GOOD: &str = r#"
resource "aws_ebs_volume" "data" {
  encrypted = true
}

resource "aws_db_instance" "db" {
  storage_encrypted   = true
  publicly_accessible = false
}

resource "aws_rds_cluster" "cluster" {
  storage_encrypted = true
  kms_key_id        = "arn:aws:kms:eu-west-1:123456789012:key/db"
}

resource "aws_sns_topic" "events" {
  kms_master_key_id = "alias/aws/sns"
}

resource "aws_sqs_queue" "jobs" {
  sqs_managed_sse_enabled = true
}

resource "aws_instance" "disks" {
  root_block_device {
    encrypted = true
  }
  ebs_block_device {
    encrypted = "true"
  }
}

resource "aws_cloudtrail" "trail" {
  is_multi_region_trail = true
  kms_key_id            = aws_kms_key.trail.arn
}
"#;

#[test]
fn data_stores_failing() {
    insta::assert_debug_snapshot!(check(DATA_STORES_BAD));
}

#[test]
fn data_stores_passing() {
    assert_eq!(check(DATA_STORES_GOOD), Vec::<String>::new());
}

const IAM_ADMIN: &str = r#"
resource "aws_iam_policy" "heredoc" {
  policy = <<-EOF
    {
      "Version": "2012-10-17",
      "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]
    }
  EOF
}

resource "aws_iam_role_policy" "encoded" {
  policy = jsonencode({
    Statement = {
      Effect   = "Allow"
      Action   = ["s3:GetObject", "*"]
      Resource = ["*"]
    }
  })
}

resource "aws_iam_role" "inline" {
  inline_policy {
    policy = "{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"}]}"
  }
}

resource "aws_iam_policy" "s3" {
  policy = jsonencode({
    Statement = [{ Effect = "Allow", Action = ["s3:*"], Resource = ["arn:aws:s3:::data/*"] }]
  })
}

data "aws_iam_policy_document" "admin" {
  statement {
    actions   = ["*"]
    resources = ["*"]
  }
}
"#;

const IAM_SCOPED: &str = r#"
resource "aws_iam_policy" "scoped" {
  policy = jsonencode({
    Statement = [{
      Effect   = "Allow"
      Action   = "*"
      Resource = "arn:aws:s3:::bucket/*"
    }, {
      Effect   = "Deny"
      Action   = "*"
      Resource = "*"
    }]
  })
}

resource "aws_iam_policy" "computed" {
  policy = data.aws_iam_policy_document.admin.json
}

data "aws_iam_policy_document" "read" {
  statement {
    actions   = ["s3:GetObject"]
    resources = ["*"]
  }
  statement {
    effect    = "Deny"
    actions   = ["*"]
    resources = ["*"]
  }
}
"#;

#[test]
fn iam_failing() {
    insta::assert_debug_snapshot!(check(IAM_ADMIN));
}

#[test]
fn iam_passing() {
    assert_eq!(check(IAM_SCOPED), Vec::<String>::new());
}

const STORAGE_PUBLIC: &str = r#"
resource "google_storage_bucket" "site" {
  name                        = "site"
  uniform_bucket_level_access = false
}

resource "google_storage_bucket" "legacy" {
  name = "legacy"
}

resource "google_storage_bucket_iam_member" "public" {
  bucket = google_storage_bucket.site.name
  role   = "roles/storage.objectViewer"
  member = "allUsers"
}

resource "google_storage_bucket_iam_binding" "public" {
  bucket  = google_storage_bucket.site.name
  role    = "roles/storage.objectViewer"
  members = ["user:a@example.com", "allAuthenticatedUsers"]
}

resource "azurerm_storage_account" "open" {
  allow_nested_items_to_be_public = true
  https_traffic_only_enabled      = false
}

resource "azurerm_storage_account" "legacy" {
  allow_blob_public_access  = "true"
  enable_https_traffic_only = false
}

resource "azurerm_storage_container" "site" {
  container_access_type = "blob"
}
"#;

const STORAGE_PRIVATE: &str = r#"
resource "google_storage_bucket" "site" {
  uniform_bucket_level_access = true
}

resource "google_storage_bucket_iam_member" "team" {
  member = "group:team@example.com"
}

resource "azurerm_storage_account" "closed" {
  allow_nested_items_to_be_public = false
}

resource "azurerm_storage_container" "data" {
  container_access_type = "private"
}
"#;

#[test]
fn cloud_storage_failing() {
    insta::assert_debug_snapshot!(check(STORAGE_PUBLIC));
}

#[test]
fn cloud_storage_passing() {
    assert_eq!(check(STORAGE_PRIVATE), Vec::<String>::new());
}

/// Every rule of the checker fails in at least one example above, so no
/// rule is listed without a test that exercises it.
#[test]
fn every_rule_has_a_failing_example() {
    let all = [
        S3_PUBLIC_AND_BARE,
        NETWORK_OPEN,
        DATA_STORES_BAD,
        IAM_ADMIN,
        STORAGE_PUBLIC,
    ];
    let reported: BTreeSet<&str> = all
        .iter()
        .flat_map(|c| {
            TerraformChecker::DEFAULT
                .check("main.tf", c)
                .expect("parses")
        })
        .map(|v| v.rule.id)
        .collect();
    // The catalogued rules carry their own examples (`spec::tests`).
    let listed: BTreeSet<&str> = super::HAND_RULES.iter().map(|r| r.id).collect();
    assert_eq!(
        reported
            .intersection(&listed)
            .copied()
            .collect::<BTreeSet<_>>(),
        listed
    );
}

#[test]
fn wants_configuration_and_variables_files() {
    for path in [
        "infra/main.tf",
        "infra/main.tf.json",
        "infra/terraform.tfvars",
        "x.auto.tfvars.json",
    ] {
        assert!(TerraformChecker::DEFAULT.wants(path), "{path}");
    }
    assert!(!TerraformChecker::DEFAULT.wants("infra/plan.json"));
    assert!(super::TerraformPlanChecker.wants("infra/plan.json"));
}

#[test]
fn a_malformed_file_is_an_error_with_its_line() {
    let err = TerraformChecker::DEFAULT
        .check("main.tf", "resource \"a\" \"b\" {\n  x = [1,\n")
        .expect_err("malformed");
    assert!(err.contains("line "), "{err}");
}
