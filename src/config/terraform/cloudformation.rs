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
//!
//! Which Terraform type each resource becomes is `cloudformation_types.rs`;
//! SAM's `AWS::Serverless::*` types keep types of their own (`aws_sam.rs`),
//! with the template's `Globals` applied.

use super::adapt;
use super::aws_sam;
use super::cloudformation_types::{fix_up, terraform_type};
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
        let eval = |n: &Node| self.eval(n);
        if let Some((sam_type, section)) = aws_sam::resource_type(kind) {
            let properties = resource.get("Properties");
            let mut block = adapt::block(
                "resource",
                vec![sam_type.to_string(), id.to_string()],
                resource.line,
                properties,
                &eval,
            );
            if let Some(globals) = self.root.path(&["Globals", section]) {
                let globals =
                    adapt::block("globals", Vec::new(), globals.line, Some(globals), &eval);
                aws_sam::apply_globals(&mut block, globals);
            }
            return vec![block];
        }
        let Some(tf_type) = terraform_type(kind) else {
            return Vec::new();
        };
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

    #[test]
    fn launch_configurations_and_databases_take_cloudformation_defaults() {
        let template = r#"Resources:
  Config:
    Type: AWS::AutoScaling::LaunchConfiguration
    Properties:
      BlockDeviceMappings:
        - DeviceName: root
          Ebs:
            Encrypted: true
        - DeviceName: data
          Ebs:
            Encrypted: false
  Db:
    Type: AWS::RDS::DBInstance
    Properties:
      Engine: postgres
  PrivateDb:
    Type: AWS::RDS::DBInstance
    Properties:
      DBSubnetGroupName: private
"#;
        let module = module(template).expect("template");
        let config = &module.blocks[0];
        let root = config.blocks("root_block_device").next().expect("root");
        assert_eq!(root.value("encrypted"), Some(&Value::String("true".into())));
        let data = config.blocks("ebs_block_device").next().expect("data");
        assert_eq!(data.attr("encrypted").map(|a| a.line), Some(11));
        // Outside a subnet group an instance is public by default.
        assert_eq!(
            module.blocks[1].value("publicly_accessible"),
            Some(&Value::Bool(true))
        );
        assert_eq!(module.blocks[2].value("publicly_accessible"), None);
    }
}
