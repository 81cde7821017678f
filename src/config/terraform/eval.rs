//! Terraform expressions evaluated as far as they are known, as Trivy's
//! evaluator does: literals, `var.`/`local.` (from the [`Scope`]), the
//! names a block's `count`/`for_each`, a `dynamic` block's iterator or a
//! `for` expression bind (`count.index`, `each.key`, `each.value`, …),
//! attribute and index steps, splats, operators, conditionals, `for`
//! expressions, string templates and the common built-in functions
//! (`functions.rs`).
//!
//! Evaluation has three outcomes, and rules depend on telling them apart:
//! a value; [`Value::Unknown`] or [`Value::Reference`] for what only
//! Terraform knows at apply time (another resource's attribute, a variable
//! without a value), on which rules stay quiet; and an error (a missing
//! key, an index out of range, a function given the wrong type), which
//! `try`/`can` catch and which otherwise becomes unknown.

use super::functions;
use super::hcl::{Scope, Value};
use hcl_edit::expr::{BinaryOperator, Expression, ForExpr, TraversalOperator, UnaryOperator};
use hcl_edit::template::{Element, Template};
use std::cell::Cell;

/// The most items a `for` expression, `count` or `for_each` expands to:
/// enough for real configurations, and a bound on what a hostile file can
/// make us allocate.
pub const MAX_ITEMS: usize = 1024;

/// Names bound while converting one block: `count`, `each`, a dynamic
/// block's iterator, a `for` expression's variables. Later bindings shadow
/// earlier ones.
pub type Bindings = Vec<(String, Value)>;

/// Evaluates expressions of one file in one scope, with the names bound
/// around the expression.
#[derive(Clone)]
pub struct Evaluator<'a> {
    pub scope: &'a Scope,
    pub bindings: Bindings,
    /// What expansions may still add, shared by everything converted from
    /// one file in one scope.
    pub budget: &'a Cell<usize>,
}

impl<'a> Evaluator<'a> {
    /// A copy with `name` bound to `value`.
    pub fn with(&self, name: &str, value: Value) -> Self {
        let mut bindings = self.bindings.clone();
        bindings.push((name.to_string(), value));
        Evaluator {
            scope: self.scope,
            bindings,
            budget: self.budget,
        }
    }

    /// Takes up to `n` items from the expansion budget; returns how many
    /// were granted.
    pub fn spend(&self, n: usize) -> usize {
        let left = self.budget.get();
        let granted = n.min(left);
        self.budget.set(left - granted);
        granted
    }

    /// The instances a block's `count` or `for_each` value makes: the
    /// instance key as Terraform writes it (`[0]`, `["a"]`) and an
    /// evaluator with `count`/`each` bound; `None` when it has neither.
    /// Trivy's rules for what is not known: an unknown count is one
    /// instance, an unknown `for_each` none. At most [`MAX_ITEMS`], within
    /// the budget.
    pub fn instances(
        &self,
        count: Option<Value>,
        for_each: Option<Value>,
    ) -> Option<Vec<(String, Evaluator<'a>)>> {
        if let Some(count) = count {
            let count = match count.as_i64() {
                Some(n) => usize::try_from(n).unwrap_or(0).min(MAX_ITEMS),
                None => 1,
            };
            return Some(
                (0..self.spend(count))
                    .map(|i| {
                        let bound = Value::Object(vec![("index".into(), Value::Number(i as f64))]);
                        (format!("[{i}]"), self.with("count", bound))
                    })
                    .collect(),
            );
        }
        let keys: Vec<(String, Value)> = match for_each? {
            map @ Value::Object(_) => iterate(&map)
                .unwrap_or_default()
                .into_iter()
                .filter_map(|(k, v)| Some((k.as_str()?.to_string(), v)))
                .collect(),
            // A set (or list) of strings: each key is its value.
            Value::List(items) => {
                let mut keys: Vec<String> = items.iter().filter_map(functions::to_text).collect();
                keys.sort();
                keys.dedup();
                keys.into_iter()
                    .map(|k| (k.clone(), Value::String(k)))
                    .collect()
            }
            _ => Vec::new(),
        };
        let allowed = self.spend(keys.len().min(MAX_ITEMS));
        Some(
            keys.into_iter()
                .take(allowed)
                .map(|(key, value)| {
                    let bound = Value::Object(vec![
                        ("key".into(), Value::String(key.clone())),
                        ("value".into(), value),
                    ]);
                    (format!("[{key:?}]"), self.with("each", bound))
                })
                .collect(),
        )
    }

    fn bound(&self, name: &str) -> Option<&Value> {
        self.bindings
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v)
    }

    /// The expression's value; an error is unknown.
    pub fn expr(&self, expr: &Expression) -> Value {
        self.eval(expr).unwrap_or(Value::Unknown)
    }

    /// The expression's value, `None` on an evaluation error.
    pub fn eval(&self, expr: &Expression) -> Option<Value> {
        Some(match expr {
            Expression::Null(_) => Value::Null,
            Expression::Bool(b) => Value::Bool(*b.value()),
            Expression::Number(n) => n.value().as_f64().map_or(Value::Unknown, Value::Number),
            Expression::String(s) => Value::String(s.value().clone()),
            Expression::Array(items) => {
                Value::List(items.iter().map(|e| self.eval(e)).collect::<Option<_>>()?)
            }
            Expression::Object(object) => Value::Object(
                object
                    .iter()
                    .map(|(key, value)| {
                        let key = match key {
                            hcl_edit::expr::ObjectKey::Ident(ident) => ident.as_str().to_string(),
                            hcl_edit::expr::ObjectKey::Expression(e) => match self.eval(e)? {
                                Value::String(s) | Value::Reference(s) => s,
                                Value::Number(n) => functions::number_text(n),
                                _ => String::new(),
                            },
                        };
                        Some((key, self.eval(value.expr())?))
                    })
                    .collect::<Option<_>>()?,
            ),
            Expression::StringTemplate(template) => self.template(template)?,
            Expression::HeredocTemplate(heredoc) => self.template(&heredoc.template)?,
            Expression::Parenthesis(inner) => self.eval(inner.inner())?,
            Expression::Variable(ident) => match self.bound(ident.as_str()) {
                Some(value) => value.clone(),
                None => Value::Reference(ident.as_str().to_string()),
            },
            Expression::Conditional(conditional) => {
                match self.eval(&conditional.cond_expr)?.as_bool() {
                    Some(true) => self.eval(&conditional.true_expr)?,
                    Some(false) => self.eval(&conditional.false_expr)?,
                    None => Value::Unknown,
                }
            }
            Expression::Traversal(traversal) => {
                self.traversal(&traversal.expr, &traversal.operators)?
            }
            Expression::FuncCall(call) => {
                if !call.name.namespace.is_empty() || call.args.expand_final() {
                    return Some(Value::Unknown);
                }
                let name = call.name.name.as_str();
                match name {
                    // `try` takes the first argument that evaluates without
                    // an error; an unknown one keeps the result unknown.
                    "try" => {
                        for arg in call.args.iter() {
                            if let Some(value) = self.eval(arg) {
                                return Some(value);
                            }
                        }
                        return None;
                    }
                    "can" => {
                        let mut args = call.args.iter();
                        return Some(match (args.next().map(|a| self.eval(a)), args.next()) {
                            (Some(None), None) => Value::Bool(false),
                            (Some(Some(v)), None) if is_known(&v) => Value::Bool(true),
                            _ => Value::Unknown,
                        });
                    }
                    _ => {}
                }
                let args = call
                    .args
                    .iter()
                    .map(|a| self.eval(a))
                    .collect::<Option<Vec<_>>>()?;
                functions::call(name, args)?
            }
            Expression::UnaryOp(op) => {
                let value = self.eval(&op.expr)?;
                if !is_known(&value) {
                    return Some(Value::Unknown);
                }
                match op.operator.value() {
                    UnaryOperator::Not => Value::Bool(!value.as_bool()?),
                    UnaryOperator::Neg => Value::Number(-functions::as_number(&value)?),
                }
            }
            Expression::BinaryOp(op) => self.binary(
                op.operator.value(),
                self.eval(&op.lhs_expr)?,
                self.eval(&op.rhs_expr)?,
            )?,
            Expression::ForExpr(for_expr) => self.for_expr(for_expr)?,
        })
    }

    fn binary(&self, op: &BinaryOperator, lhs: Value, rhs: Value) -> Option<Value> {
        use BinaryOperator as B;
        // A known false (true) decides `&&` (`||`) whatever the other side.
        match (op, lhs.as_bool(), rhs.as_bool()) {
            (B::And, Some(false), _) | (B::And, _, Some(false)) => return Some(Value::Bool(false)),
            (B::Or, Some(true), _) | (B::Or, _, Some(true)) => return Some(Value::Bool(true)),
            _ => {}
        }
        if !is_known(&lhs) || !is_known(&rhs) {
            return Some(Value::Unknown);
        }
        let number = |v: &Value| functions::as_number(v);
        Some(match op {
            B::Eq => functions::loose_eq(&lhs, &rhs).map_or(Value::Unknown, Value::Bool),
            B::NotEq => functions::loose_eq(&lhs, &rhs).map_or(Value::Unknown, |b| Value::Bool(!b)),
            B::And => Value::Bool(lhs.as_bool()? && rhs.as_bool()?),
            B::Or => Value::Bool(lhs.as_bool()? || rhs.as_bool()?),
            B::Less => Value::Bool(number(&lhs)? < number(&rhs)?),
            B::LessEq => Value::Bool(number(&lhs)? <= number(&rhs)?),
            B::Greater => Value::Bool(number(&lhs)? > number(&rhs)?),
            B::GreaterEq => Value::Bool(number(&lhs)? >= number(&rhs)?),
            B::Plus => Value::Number(number(&lhs)? + number(&rhs)?),
            B::Minus => Value::Number(number(&lhs)? - number(&rhs)?),
            B::Mul => Value::Number(number(&lhs)? * number(&rhs)?),
            B::Div => {
                let divisor = number(&rhs)?;
                if divisor == 0.0 {
                    return None;
                }
                Value::Number(number(&lhs)? / divisor)
            }
            B::Mod => {
                let divisor = number(&rhs)?;
                if divisor == 0.0 {
                    return None;
                }
                Value::Number(number(&lhs)? % divisor)
            }
        })
    }

    /// `[for k, v in coll : expr if cond]` and `{for k, v in coll : k => v}`
    /// over a known list or map; grouping (`...`) is left unknown.
    fn for_expr(&self, for_expr: &ForExpr) -> Option<Value> {
        let collection = self.eval(&for_expr.intro.collection_expr)?;
        let Some(items) = iterate(&collection) else {
            return Some(Value::Unknown);
        };
        if items.len() > MAX_ITEMS || for_expr.grouping || self.spend(items.len()) < items.len() {
            return Some(Value::Unknown);
        }
        let value_var = for_expr.intro.value_var.as_str();
        let key_var = for_expr.intro.key_var.as_ref().map(|k| k.as_str());
        let mut list = Vec::new();
        let mut object: Vec<(String, Value)> = Vec::new();
        for (key, value) in items {
            let mut inner = self.with(value_var, value);
            if let Some(key_var) = key_var {
                inner = inner.with(key_var, key);
            }
            if let Some(cond) = &for_expr.cond {
                match inner.eval(&cond.expr)?.as_bool() {
                    Some(true) => {}
                    Some(false) => continue,
                    None => return Some(Value::Unknown),
                }
            }
            let value = inner.eval(&for_expr.value_expr)?;
            match &for_expr.key_expr {
                None => list.push(value),
                Some(key_expr) => match inner.eval(key_expr)? {
                    Value::String(k) => {
                        object.retain(|(existing, _)| *existing != k);
                        object.push((k, value));
                    }
                    Value::Number(n) => object.push((functions::number_text(n), value)),
                    _ => return Some(Value::Unknown),
                },
            }
        }
        Some(match for_expr.key_expr {
            None => Value::List(list),
            Some(_) => Value::Object(object),
        })
    }

    /// A traversal: a variable, local or bound name and the steps into it,
    /// or a reference to something only Terraform knows
    /// (`aws_s3_bucket.logs[0].id`), its index expressions evaluated.
    fn traversal(
        &self,
        base: &Expression,
        operators: &[hcl_edit::Decorated<TraversalOperator>],
    ) -> Option<Value> {
        let Expression::Variable(root) = base else {
            return self.walk(self.eval(base)?, operators);
        };
        let root = root.as_str();
        if let Some(value) = self.bound(root) {
            return self.walk(value.clone(), operators);
        }
        let table = match root {
            "var" => Some(&self.scope.variables),
            "local" => Some(&self.scope.locals),
            _ => None,
        };
        if let (Some(table), Some(TraversalOperator::GetAttr(name))) =
            (table, operators.first().map(|o| o.value()))
        {
            if let Some(value) = table.get(name.as_str()) {
                return self.walk(value.clone(), &operators[1..]);
            }
        }
        Some(self.reference(root, operators))
    }

    /// `root` and its steps as a reference path, or unknown when an index
    /// is computed from something unknown.
    fn reference(&self, root: &str, operators: &[hcl_edit::Decorated<TraversalOperator>]) -> Value {
        let mut path = root.to_string();
        for operator in operators {
            match operator.value() {
                TraversalOperator::GetAttr(name) => {
                    path.push('.');
                    path.push_str(name.as_str());
                }
                TraversalOperator::LegacyIndex(index) => {
                    path.push_str(&format!("[{}]", index.value()))
                }
                TraversalOperator::Index(expr) => match self.eval(expr) {
                    Some(Value::Number(n)) => {
                        path.push_str(&format!("[{}]", functions::number_text(n)))
                    }
                    Some(Value::String(s)) => path.push_str(&format!("[{s:?}]")),
                    _ => return Value::Unknown,
                },
                TraversalOperator::AttrSplat(_) | TraversalOperator::FullSplat(_) => {
                    path.push_str("[*]")
                }
            }
        }
        Value::Reference(path)
    }

    /// Applies attribute, index and splat steps to a value.
    fn walk(
        &self,
        mut value: Value,
        operators: &[hcl_edit::Decorated<TraversalOperator>],
    ) -> Option<Value> {
        for (i, operator) in operators.iter().enumerate() {
            if !is_known(&value) {
                return Some(Value::Unknown);
            }
            value = match operator.value() {
                TraversalOperator::GetAttr(name) => field(value, name.as_str())?,
                TraversalOperator::LegacyIndex(index) => {
                    index_into(value, &Value::Number(*index.value() as f64))?
                }
                TraversalOperator::Index(expr) => {
                    let index = self.eval(expr)?;
                    if !is_known(&index) {
                        return Some(Value::Unknown);
                    }
                    index_into(value, &index)?
                }
                TraversalOperator::AttrSplat(_) | TraversalOperator::FullSplat(_) => {
                    let rest = &operators[i + 1..];
                    let items = match value {
                        Value::Null => Vec::new(),
                        Value::List(items) => items,
                        other => vec![other],
                    };
                    return Some(Value::List(
                        items
                            .into_iter()
                            .map(|item| self.walk(item, rest))
                            .collect::<Option<_>>()?,
                    ));
                }
            };
        }
        Some(value)
    }

    /// A template without interpolations or directives is a plain string;
    /// `"${expr}"` alone is `expr` itself (the pre-0.12 way to write it).
    /// Directives (`%{if}`, `%{for}`) are left unknown.
    pub fn template(&self, template: &Template) -> Option<Value> {
        if let Some(Element::Interpolation(only)) = template.as_single_element() {
            return self.eval(&only.expr);
        }
        let mut text = String::new();
        for element in template.iter() {
            match element {
                Element::Literal(literal) => text.push_str(literal.value()),
                Element::Interpolation(interpolation) => {
                    match functions::to_text(&self.eval(&interpolation.expr)?) {
                        Some(s) => text.push_str(&s),
                        None => return Some(Value::Unknown),
                    }
                }
                Element::Directive(_) => return Some(Value::Unknown),
            }
        }
        Some(Value::String(text))
    }
}

/// Whether a value is known (not [`Value::Unknown`] or a reference).
pub fn is_known(value: &Value) -> bool {
    !matches!(value, Value::Unknown | Value::Reference(_))
}

/// The (key, value) pairs a `for` expression, `for_each` or a dynamic
/// block iterates: a list's (index, item), a map's (key, value) in key
/// order (as Terraform iterates maps). `None` when the value is not a
/// known collection.
pub fn iterate(collection: &Value) -> Option<Vec<(Value, Value)>> {
    match collection {
        Value::List(items) => Some(
            items
                .iter()
                .enumerate()
                .map(|(i, v)| (Value::Number(i as f64), v.clone()))
                .collect(),
        ),
        Value::Object(entries) => {
            let mut sorted: Vec<&(String, Value)> = entries.iter().collect();
            sorted.sort_by(|a, b| a.0.cmp(&b.0));
            Some(
                sorted
                    .into_iter()
                    .map(|(k, v)| (Value::String(k.clone()), v.clone()))
                    .collect(),
            )
        }
        _ => None,
    }
}

/// An object's attribute; an error on a missing one or a non-object.
fn field(value: Value, name: &str) -> Option<Value> {
    match value {
        Value::Object(entries) => entries
            .into_iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v),
        _ => None,
    }
}

/// A list's item by number or an object's attribute by key; an error when
/// there is none.
fn index_into(value: Value, index: &Value) -> Option<Value> {
    match value {
        Value::List(items) => {
            let i = functions::as_number(index)?;
            if i < 0.0 || i.fract() != 0.0 {
                return None;
            }
            items.into_iter().nth(i as usize)
        }
        Value::Object(_) => field(value, &functions::to_text(index)?),
        _ => None,
    }
}
