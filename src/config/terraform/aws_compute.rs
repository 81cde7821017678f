//! AWS compute and networking at Trivy's breadth: EC2 instances, launch
//! configurations and templates, security groups and network ACLs, VPCs
//! and subnets, EKS, ECR, ECS, Lambda and load balancers.

use super::hcl::{Attr, Block, Module, Value};
use super::is_world_cidr;
use super::spec::{missing, trivy_rule, wrong, Check, Test};
use crate::config::{Rule, Violation};

pub(super) static CHECKS: &[Check] = &[
    Check {
        rule: trivy_rule!(
            "SG-TF-065", "AWS-0028", "aws-ec2-enforce-http-token-imds", High,
            "EC2 instance does not require IMDSv2 session tokens",
            "With IMDSv1 allowed, a server-side request forgery in any application on the \
             instance can read the instance role's credentials from the metadata service.",
            "Require tokens:\n\n    metadata_options {\n      http_tokens = \"required\"\n    }",
        ),
        resources: &["aws_instance"],
        test: Test::Custom(imds_tokens),
        bad: "resource \"aws_instance\" \"a\" {}\n",
        good: "resource \"aws_instance\" \"a\" {\n  metadata_options {\n    http_tokens = \"required\"\n  }\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-066", "AWS-0130", "aws-ec2-enforce-launch-config-http-token-imds", High,
            "Launch template or configuration does not require IMDSv2 session tokens",
            "Instances started from it allow IMDSv1, so an SSRF bug can steal their role's \
             credentials.",
            "Require tokens:\n\n    metadata_options {\n      http_tokens = \"required\"\n    }",
        ),
        resources: &["aws_launch_template", "aws_launch_configuration"],
        test: Test::Custom(imds_tokens),
        bad: "resource \"aws_launch_template\" \"a\" {}\n",
        good: "resource \"aws_launch_template\" \"a\" {\n  metadata_options {\n    http_tokens = \"required\"\n  }\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-067", "AWS-0008", "aws-ec2-enable-launch-config-at-rest-encryption", High,
            "Launch configuration block device is not encrypted",
            "Volumes of every instance it starts, and their snapshots, are readable without a key.",
            "Set `encrypted = true` in `root_block_device` and each `ebs_block_device`.",
        ),
        resources: &["aws_launch_configuration"],
        test: Test::Custom(launch_config_disks),
        bad: "resource \"aws_launch_configuration\" \"a\" {}\n",
        good: "resource \"aws_launch_configuration\" \"a\" {\n  root_block_device {\n    encrypted = true\n  }\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-068", "AWS-0009", "aws-ec2-no-public-ip", High,
            "Launch configuration gives instances a public IP address",
            "Every instance it starts is directly reachable from the internet.",
            "Set `associate_public_ip_address = false` and reach instances through a load \
             balancer or bastion.",
        ),
        resources: &["aws_launch_configuration"],
        test: Test::NotTrue("associate_public_ip_address"),
        bad: "resource \"aws_launch_configuration\" \"a\" {\n  associate_public_ip_address = true\n}\n",
        good: "resource \"aws_launch_configuration\" \"a\" {\n  associate_public_ip_address = false\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-069", "AWS-0027", "aws-ec2-volume-encryption-customer-key", Low,
            "EBS volume is not encrypted with a customer managed key",
            "A key you manage makes access to the volume and its snapshots auditable and \
             revocable.",
            "Set `kms_key_id`.",
        ),
        resources: &["aws_ebs_volume"],
        test: Test::Present("kms_key_id"),
        bad: "resource \"aws_ebs_volume\" \"a\" {}\n",
        good: "resource \"aws_ebs_volume\" \"a\" {\n  kms_key_id = \"k\"\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-070", "AWS-0029", "aws-ec2-no-secrets-in-user-data", Critical,
            "EC2 instance user data contains a secret",
            "User data is readable by anyone who can describe the instance and from inside it \
             through the metadata service.",
            "Give the instance a role (`iam_instance_profile`) instead of keys in user data.",
        ),
        resources: &["aws_instance"],
        test: Test::Custom(super::aws_user_data::user_data),
        bad: "resource \"aws_instance\" \"a\" {\n  user_data = \"export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\"\n}\n",
        good: "resource \"aws_instance\" \"a\" {\n  user_data = \"echo hello\"\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-071", "AWS-0099", "aws-ec2-add-description-to-security-group", Low,
            "Security group has no description",
            "A description says what the group is for, so a reviewer can tell whether its rules \
             are still needed (Terraform's default, \"Managed by Terraform\", says nothing).",
            "Set `description = \"...\"`.",
        ),
        resources: &["aws_security_group"],
        test: Test::Custom(group_description),
        bad: "resource \"aws_security_group\" \"a\" {}\n",
        good: "resource \"aws_security_group\" \"a\" {\n  description = \"web servers\"\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-072", "AWS-0124", "aws-ec2-add-description-to-security-group-rule", Low,
            "Security group rule has no description",
            "A description says why a port is open, so a reviewer can tell whether it still \
             needs to be.",
            "Set `description` on each `ingress`/`egress` block or rule resource.",
        ),
        resources: &[
            "aws_security_group",
            "aws_security_group_rule",
            "aws_vpc_security_group_ingress_rule",
            "aws_vpc_security_group_egress_rule",
        ],
        test: Test::Custom(rule_description),
        bad: "resource \"aws_security_group_rule\" \"a\" {\n  type = \"ingress\"\n}\n",
        good: "resource \"aws_security_group_rule\" \"a\" {\n  type = \"ingress\"\n  description = \"https\"\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-073", "AWS-0104", "aws-ec2-no-public-egress-sgr", Critical,
            "Security group rule allows egress to the whole internet",
            "Unrestricted egress lets malware reach its command server and an intruder move data \
             out.",
            "Restrict egress to the destinations needed:\n\n    cidr_blocks = [\"10.0.0.0/8\"]",
        ),
        resources: &[
            "aws_security_group",
            "aws_security_group_rule",
            "aws_vpc_security_group_egress_rule",
        ],
        test: Test::Custom(open_egress),
        bad: "resource \"aws_security_group\" \"a\" {\n  egress {\n    cidr_blocks = [\"0.0.0.0/0\"]\n  }\n}\n",
        good: "resource \"aws_security_group\" \"a\" {\n  egress {\n    cidr_blocks = [\"10.0.0.0/8\"]\n  }\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-074", "AWS-0101", "aws-ec2-no-default-vpc", High,
            "The default VPC is managed and used",
            "The default VPC has public subnets and permissive defaults meant for getting \
             started, not for workloads.",
            "Create a VPC of your own (`aws_vpc`) with the subnets and routes you need.",
        ),
        resources: &["aws_default_vpc"],
        test: Test::Custom(always),
        bad: "resource \"aws_default_vpc\" \"a\" {}\n",
        good: "resource \"aws_vpc\" \"a\" {}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-075", "AWS-0102", "aws-ec2-no-excessive-port-access", Critical,
            "Network ACL rule allows all protocols and ports",
            "An allow rule for protocol `-1` opens every port, far more than any service needs.",
            "Allow only the protocol and port range needed:\n\n    protocol  = \"tcp\"\n    \
             from_port = 443\n    to_port   = 443",
        ),
        resources: &["aws_network_acl_rule"],
        test: Test::Custom(acl_all_ports),
        bad: "resource \"aws_network_acl_rule\" \"a\" {\n  protocol = \"-1\"\n  rule_action = \"allow\"\n}\n",
        good: "resource \"aws_network_acl_rule\" \"a\" {\n  protocol = \"tcp\"\n  rule_action = \"allow\"\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-076", "AWS-0105", "aws-ec2-no-public-ingress-acl", Medium,
            "Network ACL rule allows SSH or RDP from the internet",
            "SSH and RDP open to the internet are scanned and brute-forced within minutes.",
            "Restrict `cidr_block` to known ranges.",
        ),
        resources: &["aws_network_acl_rule"],
        test: Test::Custom(acl_admin_ingress),
        bad: "resource \"aws_network_acl_rule\" \"a\" {\n  egress = false\n  protocol = \"tcp\"\n  rule_action = \"allow\"\n  cidr_block = \"0.0.0.0/0\"\n  from_port = 22\n  to_port = 22\n}\n",
        good: "resource \"aws_network_acl_rule\" \"a\" {\n  egress = false\n  protocol = \"tcp\"\n  rule_action = \"allow\"\n  cidr_block = \"10.0.0.0/8\"\n  from_port = 22\n  to_port = 22\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-077", "AWS-0164", "aws-ec2-no-public-ip-subnet", High,
            "Subnet gives instances a public IP address by default",
            "Every instance launched in the subnet is reachable from the internet unless someone \
             remembers to opt out.",
            "Set `map_public_ip_on_launch = false`.",
        ),
        resources: &["aws_subnet"],
        test: Test::NotTrue("map_public_ip_on_launch"),
        bad: "resource \"aws_subnet\" \"a\" {\n  map_public_ip_on_launch = true\n}\n",
        good: "resource \"aws_subnet\" \"a\" {}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-078", "AWS-0173", "aws-ec2-restrict-all-in-default-sg", Low,
            "Default security group has rules",
            "Resources that get the default group by accident inherit whatever it allows; CIS \
             asks that it allow nothing.",
            "Declare `aws_default_security_group` without `ingress` or `egress` blocks.",
        ),
        resources: &["aws_default_security_group"],
        test: Test::Custom(default_group_rules),
        bad: "resource \"aws_default_security_group\" \"a\" {\n  ingress {\n    protocol = \"-1\"\n  }\n}\n",
        good: "resource \"aws_default_security_group\" \"a\" {}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-079", "AWS-0178", "aws-ec2-require-vpc-flow-logs-for-all-vpcs", Medium,
            "VPC has no flow logs",
            "Flow logs are the record of which addresses talked to what, needed to investigate \
             an intrusion.",
            "Add an `aws_flow_log` with `vpc_id = aws_vpc.main.id`.",
        ),
        resources: &["aws_vpc"],
        test: Test::Custom(vpc_flow_logs),
        bad: "resource \"aws_vpc\" \"a\" {}\n",
        good: "resource \"aws_vpc\" \"a\" {}\nresource \"aws_flow_log\" \"a\" {\n  vpc_id = aws_vpc.a.id\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-080", "AWS-0344", "aws-ami-ensure-ami-has-owners", Low,
            "AMI lookup does not restrict the owners",
            "Without `owners`, a `most_recent` name filter can pick an attacker's public AMI \
             with a matching name.",
            "Set `owners = [\"amazon\"]` (or the account ids you trust).",
        ),
        resources: &["data.aws_ami"],
        test: Test::Present("owners"),
        bad: "data \"aws_ami\" \"a\" {}\n",
        good: "data \"aws_ami\" \"a\" {\n  owners = [\"amazon\"]\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-081", "AWS-0030", "aws-ecr-enable-image-scans", High,
            "ECR repository does not scan images on push",
            "Without scanning, images with known vulnerabilities are pushed and deployed \
             unnoticed.",
            "Add `image_scanning_configuration { scan_on_push = true }`.",
        ),
        resources: &["aws_ecr_repository"],
        test: Test::IsTrue("image_scanning_configuration.scan_on_push"),
        bad: "resource \"aws_ecr_repository\" \"a\" {}\n",
        good: "resource \"aws_ecr_repository\" \"a\" {\n  image_scanning_configuration {\n    scan_on_push = true\n  }\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-082", "AWS-0031", "aws-ecr-enforce-immutable-repository", High,
            "ECR repository allows tags to be overwritten",
            "With mutable tags, whoever can push can silently replace the image a deployment \
             pulls by tag.",
            "Set `image_tag_mutability = \"IMMUTABLE\"`.",
        ),
        resources: &["aws_ecr_repository"],
        test: Test::OneOf("image_tag_mutability", &["IMMUTABLE", "IMMUTABLE_WITH_EXCLUSION"]),
        bad: "resource \"aws_ecr_repository\" \"a\" {}\n",
        good: "resource \"aws_ecr_repository\" \"a\" {\n  image_tag_mutability = \"IMMUTABLE\"\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-083", "AWS-0033", "aws-ecr-repository-customer-key", Low,
            "ECR repository is not encrypted with a customer managed key",
            "A key you manage makes pulling the images auditable and revocable.",
            "Add `encryption_configuration { encryption_type = \"KMS\", kms_key = ... }`.",
        ),
        resources: &["aws_ecr_repository"],
        test: Test::Custom(ecr_key),
        bad: "resource \"aws_ecr_repository\" \"a\" {}\n",
        good: "resource \"aws_ecr_repository\" \"a\" {\n  encryption_configuration {\n    encryption_type = \"KMS\"\n    kms_key = \"k\"\n  }\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-084", "AWS-0034", "aws-ecs-enable-container-insight", Low,
            "ECS cluster has Container Insights disabled",
            "Container Insights collects the metrics and events needed to notice and diagnose \
             failing or abused tasks.",
            "Add `setting { name = \"containerInsights\", value = \"enabled\" }`.",
        ),
        resources: &["aws_ecs_cluster"],
        test: Test::Custom(container_insights),
        bad: "resource \"aws_ecs_cluster\" \"a\" {}\n",
        good: "resource \"aws_ecs_cluster\" \"a\" {\n  setting {\n    name = \"containerInsights\"\n    value = \"enabled\"\n  }\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-085", "AWS-0035", "aws-ecs-enable-in-transit-encryption", High,
            "ECS task mounts EFS without in-transit encryption",
            "File contents cross the network to EFS in clear text.",
            "Set `transit_encryption = \"ENABLED\"` in `efs_volume_configuration`.",
        ),
        resources: &["aws_ecs_task_definition"],
        test: Test::Custom(efs_transit),
        bad: "resource \"aws_ecs_task_definition\" \"a\" {\n  volume {\n    efs_volume_configuration {\n      file_system_id = \"fs\"\n    }\n  }\n}\n",
        good: "resource \"aws_ecs_task_definition\" \"a\" {\n  volume {\n    efs_volume_configuration {\n      transit_encryption = \"ENABLED\"\n    }\n  }\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-086", "AWS-0038", "aws-eks-enable-control-plane-logging", Medium,
            "EKS cluster does not log a control-plane component",
            "Control-plane logs (API, audit, authenticator, controller manager, scheduler) are \
             the record of who did what in the cluster.",
            "Enable all five:\n\n    enabled_cluster_log_types = [\"api\", \"audit\", \
             \"authenticator\", \"controllerManager\", \"scheduler\"]",
        ),
        resources: &["aws_eks_cluster"],
        test: Test::Custom(eks_logging),
        bad: "resource \"aws_eks_cluster\" \"a\" {\n  enabled_cluster_log_types = [\"api\"]\n}\n",
        good: "resource \"aws_eks_cluster\" \"a\" {\n  enabled_cluster_log_types = [\"api\", \"audit\", \"authenticator\", \"controllerManager\", \"scheduler\"]\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-087", "AWS-0039", "aws-eks-encrypt-secrets", High,
            "EKS cluster does not encrypt Kubernetes secrets with KMS",
            "Without envelope encryption, secrets sit in etcd protected only by the storage \
             encryption AWS manages.",
            "Add `encryption_config { resources = [\"secrets\"] provider { key_arn = ... } }`.",
        ),
        resources: &["aws_eks_cluster"],
        test: Test::Custom(eks_secrets),
        bad: "resource \"aws_eks_cluster\" \"a\" {}\n",
        good: "resource \"aws_eks_cluster\" \"a\" {\n  encryption_config {\n    resources = [\"secrets\"]\n    provider {\n      key_arn = \"k\"\n    }\n  }\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-088", "AWS-0040", "aws-eks-no-public-cluster-access", Critical,
            "EKS cluster API endpoint is public",
            "A public endpoint lets anyone on the internet reach the Kubernetes API and try \
             stolen or weak credentials.",
            "Set `vpc_config { endpoint_public_access = false }`.",
        ),
        resources: &["aws_eks_cluster"],
        test: Test::IsFalse("vpc_config.endpoint_public_access"),
        bad: "resource \"aws_eks_cluster\" \"a\" {\n  vpc_config {}\n}\n",
        good: "resource \"aws_eks_cluster\" \"a\" {\n  vpc_config {\n    endpoint_public_access = false\n  }\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-089", "AWS-0041", "aws-eks-no-public-cluster-access-to-cidr", Critical,
            "EKS cluster public endpoint is open to public addresses",
            "With no `public_access_cidrs` (or a public range) the API endpoint answers the whole \
             internet.",
            "Limit `vpc_config { public_access_cidrs = [\"203.0.113.0/24\"] }` or disable the \
             public endpoint.",
        ),
        resources: &["aws_eks_cluster"],
        test: Test::Custom(eks_public_cidrs),
        bad: "resource \"aws_eks_cluster\" \"a\" {\n  vpc_config {}\n}\n",
        good: "resource \"aws_eks_cluster\" \"a\" {\n  vpc_config {\n    endpoint_public_access = false\n  }\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-090", "AWS-0066", "aws-lambda-enable-tracing", Low,
            "Lambda function has X-Ray tracing disabled",
            "Tracing shows which calls a function made, needed to follow a request through \
             services when something goes wrong.",
            "Add `tracing_config { mode = \"Active\" }`.",
        ),
        resources: &["aws_lambda_function"],
        test: Test::OneOf("tracing_config.mode", &["Active"]),
        bad: "resource \"aws_lambda_function\" \"a\" {}\n",
        good: "resource \"aws_lambda_function\" \"a\" {\n  tracing_config {\n    mode = \"Active\"\n  }\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-091", "AWS-0067", "aws-lambda-restrict-source-arn", Critical,
            "Lambda permission for a service does not restrict the source ARN",
            "Without `source_arn`, any resource of that service, in any account, can invoke the \
             function.",
            "Set `source_arn` to the bucket, topic or rule allowed to invoke it.",
        ),
        resources: &["aws_lambda_permission"],
        test: Test::Custom(lambda_source_arn),
        bad: "resource \"aws_lambda_permission\" \"a\" {\n  principal = \"sns.amazonaws.com\"\n}\n",
        good: "resource \"aws_lambda_permission\" \"a\" {\n  principal = \"sns.amazonaws.com\"\n  source_arn = \"arn:aws:sns:eu-west-1:1:t\"\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-092", "AWS-0053", "aws-elb-alb-not-public", High,
            "Load balancer is internet-facing",
            "An internet-facing load balancer exposes its targets to everyone; make sure that is \
             intended.",
            "Set `internal = true` for load balancers only reached from inside.",
        ),
        resources: &["aws_lb", "aws_alb", "aws_elb"],
        test: Test::Custom(lb_public),
        bad: "resource \"aws_lb\" \"a\" {}\n",
        good: "resource \"aws_lb\" \"a\" {\n  internal = true\n  drop_invalid_header_fields = true\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-093", "AWS-0052", "aws-elb-drop-invalid-headers", High,
            "Application load balancer passes invalid HTTP headers on",
            "Malformed headers are a way to smuggle requests past the load balancer to a \
             backend that parses them differently.",
            "Set `drop_invalid_header_fields = true`.",
        ),
        resources: &["aws_lb", "aws_alb"],
        test: Test::Custom(lb_invalid_headers),
        bad: "resource \"aws_lb\" \"a\" {\n  internal = true\n}\n",
        good: "resource \"aws_lb\" \"a\" {\n  drop_invalid_header_fields = true\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-094", "AWS-0047", "aws-elb-use-secure-tls-policy", Critical,
            "Load balancer listener uses an outdated TLS policy",
            "Policies that allow TLS 1.0/1.1 accept protocols with known weaknesses.",
            "Use a current policy, e.g. `ssl_policy = \"ELBSecurityPolicy-TLS13-1-2-2021-06\"`.",
        ),
        resources: &["aws_lb_listener", "aws_alb_listener"],
        test: Test::NoneOf(
            "ssl_policy",
            &[
                "ELBSecurityPolicy-2015-05",
                "ELBSecurityPolicy-TLS-1-0-2015-04",
                "ELBSecurityPolicy-2016-08",
                "ELBSecurityPolicy-TLS-1-1-2017-01",
            ],
        ),
        bad: "resource \"aws_lb_listener\" \"a\" {\n  ssl_policy = \"ELBSecurityPolicy-2016-08\"\n}\n",
        good: "resource \"aws_lb_listener\" \"a\" {\n  ssl_policy = \"ELBSecurityPolicy-TLS13-1-2-2021-06\"\n}\n",
    },
    Check {
        rule: trivy_rule!(
            "SG-TF-095", "AWS-0054", "aws-elb-http-not-used", Critical,
            "Load balancer listener serves plain HTTP",
            "Requests and session cookies over HTTP can be read and altered on the way.",
            "Listen on HTTPS, or make the HTTP listener's default action a redirect to HTTPS.",
        ),
        resources: &["aws_lb_listener", "aws_alb_listener"],
        test: Test::Custom(http_listener),
        bad: "resource \"aws_lb_listener\" \"a\" {\n  protocol = \"HTTP\"\n  default_action {\n    type = \"forward\"\n  }\n}\n",
        good: "resource \"aws_lb_listener\" \"a\" {\n  protocol = \"HTTP\"\n  default_action {\n    type = \"redirect\"\n  }\n}\n",
    },
];

/// AWS-0028/0130: `http_tokens = "required"` unless the endpoint is off.
fn imds_tokens(module: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    let disabled = block
        .blocks("metadata_options")
        .any(|m| m.value("http_endpoint").and_then(Value::as_str) == Some("disabled"));
    if !disabled {
        Test::OneOf("metadata_options.http_tokens", &["required"])
            .run_on(module, block, rule, found);
    }
}

/// AWS-0008: the root device (missing means unencrypted) and every EBS
/// device must be encrypted.
fn launch_config_disks(
    module: &Module,
    block: &Block,
    rule: &'static Rule,
    found: &mut Vec<Violation>,
) {
    Test::IsTrue("root_block_device.encrypted").run_on(module, block, rule, found);
    if block.blocks("ebs_block_device").next().is_some() {
        Test::IsTrue("ebs_block_device.encrypted").run_on(module, block, rule, found);
    }
}

/// AWS-0099: missing, empty or Terraform's default description.
pub(super) fn group_description(
    _: &Module,
    block: &Block,
    rule: &'static Rule,
    found: &mut Vec<Violation>,
) {
    match block.attr("description") {
        None => found.push(missing(rule, block, block, "", "description")),
        Some(attr)
            if attr
                .value
                .as_str()
                .is_some_and(|d| d.trim().is_empty() || d == "Managed by Terraform") =>
        {
            found.push(wrong(rule, block, "", attr))
        }
        Some(_) => {}
    }
}

/// AWS-0124: each inline rule and each rule resource needs a description.
fn rule_description(_: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    let is_group = block
        .labels
        .first()
        .is_some_and(|t| t == "aws_security_group");
    if !is_group {
        if block
            .attr("description")
            .is_none_or(|a| a.value.as_str().is_some_and(|d| d.trim().is_empty()))
        {
            found.push(missing(rule, block, block, "", "description"));
        }
        return;
    }
    for kind in ["ingress", "egress"] {
        for (index, inline) in block.blocks(kind).enumerate() {
            let empty = inline
                .attr("description")
                .is_none_or(|a| a.value.as_str().is_some_and(|d| d.trim().is_empty()));
            if empty {
                found.push(missing(
                    rule,
                    block,
                    inline,
                    &format!("{kind}[{index}]."),
                    "description",
                ));
            }
        }
    }
}

/// The first source/destination attribute of `rule` naming the internet.
fn world_cidr_attr<'a>(rule: &'a Block, keys: &[&str]) -> Option<&'a Attr> {
    keys.iter()
        .filter_map(|k| rule.attr(k))
        .find(|a| a.value.strings().iter().any(|c| is_world_cidr(c)))
}

/// AWS-0104: any egress rule to 0.0.0.0/0 or ::/0.
fn open_egress(_: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    let kind = block.labels.first().map(String::as_str).unwrap_or("");
    let v4 = ["cidr_blocks", "ipv6_cidr_blocks"];
    match kind {
        "aws_security_group" => {
            for (index, egress) in block.blocks("egress").enumerate() {
                if let Some(attr) = world_cidr_attr(egress, &v4) {
                    found.push(wrong(rule, block, &format!("egress[{index}]."), attr));
                }
            }
        }
        "aws_security_group_rule" => {
            if block.value("type").and_then(Value::as_str) == Some("egress") {
                if let Some(attr) = world_cidr_attr(block, &v4) {
                    found.push(wrong(rule, block, "", attr));
                }
            }
        }
        _ => {
            if let Some(attr) = world_cidr_attr(block, &["cidr_ipv4", "cidr_ipv6"]) {
                found.push(wrong(rule, block, "", attr));
            }
        }
    }
}

fn always(_: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    found.push(Violation {
        rule,
        message: format!("{} is declared.", block.address()),
        start_line: block.line,
        end_line: block.line,
        subject: block.address(),
    });
}

fn is_allow(block: &Block) -> bool {
    block
        .value("rule_action")
        .and_then(Value::as_str)
        .is_some_and(|a| a.eq_ignore_ascii_case("allow"))
}

fn protocol_of(block: &Block) -> Option<String> {
    match block.value("protocol")? {
        Value::Number(n) => Some(n.to_string()),
        other => other.as_str().map(str::to_ascii_lowercase),
    }
}

/// AWS-0102: an allow rule for protocol `-1`/`all`.
fn acl_all_ports(_: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    if is_allow(block) && matches!(protocol_of(block).as_deref(), Some("-1" | "all")) {
        if let Some(attr) = block.attr("protocol") {
            found.push(wrong(rule, block, "", attr));
        }
    }
}

/// AWS-0105: an ingress TCP allow rule from the internet reaching 22 or 3389.
fn acl_admin_ingress(_: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    let ingress = block.value("egress").and_then(Value::as_bool) != Some(true);
    let tcp = matches!(
        protocol_of(block).as_deref(),
        Some("tcp" | "6" | "-1" | "all")
    );
    if !(ingress && tcp && is_allow(block)) {
        return;
    }
    let from = block
        .value("from_port")
        .and_then(Value::as_i64)
        .unwrap_or(0);
    let to = block
        .value("to_port")
        .and_then(Value::as_i64)
        .unwrap_or(65535);
    let admin = [22, 3389].iter().any(|p| (from..=to).contains(p));
    if let Some(attr) = world_cidr_attr(block, &["cidr_block", "ipv6_cidr_block"]).filter(|_| admin)
    {
        found.push(wrong(rule, block, "", attr));
    }
}

fn default_group_rules(_: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    for inline in block
        .blocks
        .iter()
        .filter(|b| b.kind == "ingress" || b.kind == "egress")
    {
        found.push(Violation {
            rule,
            message: format!("The default security group has an `{}` rule.", inline.kind),
            start_line: inline.line,
            end_line: inline.line,
            subject: format!("{}.{}", block.address(), inline.kind),
        });
    }
}

/// Whether `value` refers to `block` (`aws_vpc.main.id`) or is computed,
/// so it might.
fn may_refer_to(value: &Value, block: &Block) -> bool {
    match value {
        Value::Reference(r) => r
            .strip_prefix(block.address().as_str())
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('.') || rest.starts_with('[')),
        Value::Unknown => true,
        _ => false,
    }
}

/// AWS-0178: an `aws_flow_log` of the module names the VPC.
fn vpc_flow_logs(module: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    let logged = module
        .resources("aws_flow_log")
        .any(|log| log.value("vpc_id").is_some_and(|v| may_refer_to(v, block)));
    if !logged {
        found.push(missing(rule, block, block, "", "flow_log"));
    }
}

fn ecr_key(_: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    let Some(config) = block.blocks("encryption_configuration").next() else {
        found.push(missing(
            rule,
            block,
            block,
            "encryption_configuration.",
            "encryption_type",
        ));
        return;
    };
    match config.attr("encryption_type") {
        None => found.push(missing(
            rule,
            block,
            config,
            "encryption_configuration.",
            "encryption_type",
        )),
        Some(attr) if attr.value.as_str().is_some_and(|t| t != "KMS") => {
            found.push(wrong(rule, block, "encryption_configuration.", attr))
        }
        Some(_) if config.attr("kms_key").is_none() => found.push(missing(
            rule,
            block,
            config,
            "encryption_configuration.",
            "kms_key",
        )),
        Some(_) => {}
    }
}

fn container_insights(_: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    let setting = block
        .blocks("setting")
        .find(|s| s.value("name").and_then(Value::as_str) == Some("containerInsights"));
    match setting.and_then(|s| s.attr("value")) {
        None => found.push(missing(rule, block, block, "setting.", "containerInsights")),
        Some(attr)
            if attr
                .value
                .as_str()
                .is_some_and(|v| v != "enabled" && v != "enhanced") =>
        {
            found.push(wrong(rule, block, "setting.", attr))
        }
        Some(_) => {}
    }
}

fn efs_transit(module: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    let efs = block
        .blocks("volume")
        .any(|v| v.blocks("efs_volume_configuration").next().is_some());
    if efs {
        Test::OneOf(
            "volume.efs_volume_configuration.transit_encryption",
            &["ENABLED"],
        )
        .run_on(module, block, rule, found);
    }
}

/// AWS-0038: one finding per control-plane log type not enabled.
fn eks_logging(_: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    let attr = block.attr("enabled_cluster_log_types");
    let enabled = match attr.map(|a| &a.value) {
        None => Vec::new(),
        Some(Value::List(items)) if items.iter().all(|i| i.as_str().is_some()) => {
            items.iter().filter_map(Value::as_str).collect()
        }
        Some(_) => return,
    };
    for log_type in [
        "api",
        "audit",
        "authenticator",
        "controllerManager",
        "scheduler",
    ] {
        if enabled.contains(&log_type) {
            continue;
        }
        let (start_line, end_line) =
            attr.map_or((block.line, block.line), |a| (a.line, a.end_line));
        found.push(Violation {
            rule,
            message: format!("Control plane {log_type} logging is not enabled."),
            start_line,
            end_line,
            subject: format!("{}.enabled_cluster_log_types.{log_type}", block.address()),
        });
    }
}

fn eks_secrets(_: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    let Some(config) = block.blocks("encryption_config").next() else {
        found.push(missing(
            rule,
            block,
            block,
            "encryption_config.",
            "resources",
        ));
        return;
    };
    if let Some(attr) = config.attr("resources") {
        if matches!(attr.value, Value::List(_)) && !attr.value.strings().contains(&"secrets") {
            found.push(wrong(rule, block, "encryption_config.", attr));
            return;
        }
    }
    let key = config
        .blocks("provider")
        .next()
        .and_then(|p| p.attr("key_arn"));
    if key.is_none() {
        found.push(missing(
            rule,
            block,
            config,
            "encryption_config.provider.",
            "key_arn",
        ));
    }
}

/// Whether a CIDR is outside the private and loopback ranges.
pub(super) fn is_public_cidr(cidr: &str) -> bool {
    let address = cidr.split('/').next().unwrap_or("");
    match address.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(ip)) => {
            !(ip.is_private() || ip.is_loopback() || ip.is_link_local())
        }
        Ok(std::net::IpAddr::V6(ip)) => {
            !(ip.is_loopback() || (ip.segments()[0] & 0xfe00) == 0xfc00)
        }
        Err(_) => false,
    }
}

/// AWS-0041: a public endpoint (the default) open to public ranges
/// (`0.0.0.0/0` when unset).
fn eks_public_cidrs(_: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    let config = block.blocks("vpc_config").next();
    let public = config
        .and_then(|c| c.value("endpoint_public_access"))
        .map(Value::as_bool);
    if matches!(public, Some(Some(false)) | Some(None)) {
        return;
    }
    match config.and_then(|c| c.attr("public_access_cidrs")) {
        None => found.push(missing(
            rule,
            block,
            config.unwrap_or(block),
            "vpc_config.",
            "public_access_cidrs",
        )),
        Some(attr) if attr.value.strings().iter().any(|c| is_public_cidr(c)) => {
            found.push(wrong(rule, block, "vpc_config.", attr))
        }
        Some(_) => {}
    }
}

fn lambda_source_arn(_: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    let service = block
        .value("principal")
        .and_then(Value::as_str)
        .is_some_and(|p| p.ends_with(".amazonaws.com"));
    if service && block.attr("source_arn").is_none() {
        found.push(missing(rule, block, block, "", "source_arn"));
    }
}

fn lb_type(block: &Block) -> Option<&str> {
    match block.value("load_balancer_type") {
        None => Some("application"),
        Some(v) => v.as_str(),
    }
}

/// AWS-0053: not internal, unless a gateway load balancer.
fn lb_public(_: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    if lb_type(block) == Some("gateway") {
        return;
    }
    match block.attr("internal") {
        None => found.push(missing(rule, block, block, "", "internal")),
        Some(attr) if attr.value.as_bool() == Some(false) => {
            found.push(wrong(rule, block, "", attr))
        }
        Some(_) => {}
    }
}

fn lb_invalid_headers(
    module: &Module,
    block: &Block,
    rule: &'static Rule,
    found: &mut Vec<Violation>,
) {
    if lb_type(block) == Some("application") {
        Test::IsTrue("drop_invalid_header_fields").run_on(module, block, rule, found);
    }
}

/// AWS-0054: an HTTP listener whose default action is not a redirect.
fn http_listener(_: &Module, block: &Block, rule: &'static Rule, found: &mut Vec<Violation>) {
    let Some(attr) = block
        .attr("protocol")
        .filter(|a| a.value.as_str() == Some("HTTP"))
    else {
        return;
    };
    let redirects = block.blocks("default_action").any(|a| {
        a.value("type").and_then(Value::as_str) != Some("forward")
            && a.value("type").and_then(Value::as_str) != Some("fixed-response")
    });
    if !redirects {
        found.push(wrong(rule, block, "", attr));
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn examples_hold() {
        super::super::spec::tests::examples_hold(super::CHECKS);
    }
}
