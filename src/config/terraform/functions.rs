//! Terraform's common built-in functions on [`Value`]s, as Trivy's
//! evaluator runs them (it links Terraform's own function library): the
//! ones real configurations use to build the attributes rules look at.
//!
//! A function returns `None` for an error (wrong type, missing key without
//! a default, empty list), which `try` catches, and [`Value::Unknown`]
//! when an argument it needs is not known. A function not listed here is
//! unknown too: never guessed.

use super::eval::{is_known, MAX_ITEMS};
use super::hcl::Value;

/// Calls the built-in `name` on evaluated arguments.
pub fn call(name: &str, args: Vec<Value>) -> Option<Value> {
    // Functions that look into their arguments need them known; the ones
    // that only move values around (concat, merge, element, ...) pass
    // unknown items through.
    let needs_known = !matches!(
        name,
        "coalesce" | "tolist" | "toset" | "tomap" | "jsonencode"
    );
    if needs_known && args.iter().any(|a| !is_known(a)) {
        return Some(Value::Unknown);
    }
    let mut args = args.into_iter();
    let mut next = || args.next();
    Some(match name {
        "length" => Value::Number(match next()? {
            Value::List(items) => items.len(),
            Value::Object(entries) => entries.len(),
            Value::String(s) => s.chars().count(),
            _ => return None,
        } as f64),
        "lower" => Value::String(text(next()?)?.to_lowercase()),
        "upper" => Value::String(text(next()?)?.to_uppercase()),
        "trimspace" => Value::String(text(next()?)?.trim().to_string()),
        "tostring" => match next()? {
            Value::Null => Value::Null,
            v => Value::String(to_text(&v)?),
        },
        "tonumber" => match next()? {
            Value::Null => Value::Null,
            v => Value::Number(as_number(&v)?),
        },
        "tobool" => match next()? {
            Value::Null => Value::Null,
            v => Value::Bool(v.as_bool()?),
        },
        "tolist" => match next()? {
            v @ (Value::List(_) | Value::Unknown | Value::Reference(_)) => v,
            _ => return None,
        },
        "toset" => match next()? {
            Value::List(items) => Value::List(to_set(items)),
            v @ (Value::Unknown | Value::Reference(_)) => v,
            _ => return None,
        },
        "tomap" => match next()? {
            v @ (Value::Object(_) | Value::Unknown | Value::Reference(_)) => v,
            _ => return None,
        },
        "join" => {
            let separator = text(next()?)?;
            let mut parts = Vec::new();
            for list in args_rest(&mut next) {
                let Value::List(items) = list else {
                    return None;
                };
                for item in items {
                    if !is_known(&item) {
                        return Some(Value::Unknown);
                    }
                    parts.push(to_text(&item)?);
                }
            }
            Value::String(parts.join(&separator))
        }
        "split" => {
            let separator = text(next()?)?;
            let subject = text(next()?)?;
            Value::List(
                subject
                    .split(separator.as_str())
                    .map(|s| Value::String(s.to_string()))
                    .collect(),
            )
        }
        "concat" => {
            let mut all = Vec::new();
            for list in args_rest(&mut next) {
                let Value::List(items) = list else {
                    return None;
                };
                all.extend(items);
            }
            Value::List(all)
        }
        "element" => {
            let Value::List(items) = next()? else {
                return None;
            };
            let index = as_number(&next()?)?;
            if items.is_empty() || index < 0.0 {
                return None;
            }
            let len = items.len();
            items.into_iter().nth(index as usize % len)?
        }
        "lookup" => {
            let Value::Object(entries) = next()? else {
                return None;
            };
            let key = text(next()?)?;
            let default = next();
            match entries.into_iter().rev().find(|(k, _)| *k == key) {
                Some((_, v)) => v,
                None => default?,
            }
        }
        "merge" => {
            let mut merged: Vec<(String, Value)> = Vec::new();
            for object in args_rest(&mut next) {
                match object {
                    Value::Null => {}
                    Value::Object(entries) => {
                        for (k, v) in entries {
                            merged.retain(|(existing, _)| *existing != k);
                            merged.push((k, v));
                        }
                    }
                    _ => return None,
                }
            }
            Value::Object(merged)
        }
        "coalesce" => {
            for arg in args_rest(&mut next) {
                match arg {
                    Value::Null => {}
                    Value::String(s) if s.is_empty() => {}
                    Value::Unknown | Value::Reference(_) => return Some(Value::Unknown),
                    v => return Some(v),
                }
            }
            return None;
        }
        "coalescelist" => {
            for arg in args_rest(&mut next) {
                match arg {
                    Value::List(items) if items.is_empty() => {}
                    v @ Value::List(_) => return Some(v),
                    _ => return None,
                }
            }
            return None;
        }
        "contains" => {
            let Value::List(items) = next()? else {
                return None;
            };
            let wanted = next()?;
            let mut unknown = false;
            for item in &items {
                match loose_eq(item, &wanted) {
                    Some(true) => return Some(Value::Bool(true)),
                    Some(false) => {}
                    None => unknown = true,
                }
            }
            if unknown {
                Value::Unknown
            } else {
                Value::Bool(false)
            }
        }
        "keys" | "values" => {
            let Value::Object(mut entries) = next()? else {
                return None;
            };
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::List(
                entries
                    .into_iter()
                    .map(|(k, v)| if name == "keys" { Value::String(k) } else { v })
                    .collect(),
            )
        }
        "distinct" => {
            let Value::List(items) = next()? else {
                return None;
            };
            let mut out: Vec<Value> = Vec::new();
            for item in items {
                if !out.contains(&item) {
                    out.push(item);
                }
            }
            Value::List(out)
        }
        "flatten" => Value::List(flatten(next()?, 0)?),
        "compact" => {
            let Value::List(items) = next()? else {
                return None;
            };
            Value::List(
                items
                    .into_iter()
                    .filter(|i| !matches!(i, Value::Null) && i.as_str() != Some(""))
                    .collect(),
            )
        }
        "replace" => {
            let subject = text(next()?)?;
            let search = text(next()?)?;
            let replacement = text(next()?)?;
            // `/…/` is a regular expression in Terraform: not evaluated.
            if search.len() > 1 && search.starts_with('/') && search.ends_with('/') {
                return Some(Value::Unknown);
            }
            Value::String(subject.replace(&search, &replacement))
        }
        "startswith" => Value::Bool(text(next()?)?.starts_with(&text(next()?)?)),
        "endswith" => Value::Bool(text(next()?)?.ends_with(&text(next()?)?)),
        "min" | "max" => {
            let numbers = args_rest(&mut next)
                .iter()
                .map(as_number)
                .collect::<Option<Vec<f64>>>()?;
            let pick = if name == "min" { f64::min } else { f64::max };
            Value::Number(numbers.into_iter().reduce(pick)?)
        }
        "range" => {
            let numbers = args_rest(&mut next)
                .iter()
                .map(as_number)
                .collect::<Option<Vec<f64>>>()?;
            let (start, limit, step) = match numbers[..] {
                [limit] => (0.0, limit, 1.0),
                [start, limit] => (start, limit, if limit < start { -1.0 } else { 1.0 }),
                [start, limit, step] if step != 0.0 => (start, limit, step),
                _ => return None,
            };
            let count = ((limit - start) / step).ceil().max(0.0);
            if count > MAX_ITEMS as f64 {
                return Some(Value::Unknown);
            }
            Value::List(
                (0..count as usize)
                    .map(|i| Value::Number(start + step * i as f64))
                    .collect(),
            )
        }
        "abs" => Value::Number(as_number(&next()?)?.abs()),
        "format" => Value::String(format(&text(next()?)?, &args_rest(&mut next))?),
        "jsonencode" => match to_json(&next()?) {
            Some(json) => Value::String(json.to_string()),
            None => Value::Unknown,
        },
        "jsondecode" => from_json(serde_json::from_str(&text(next()?)?).ok()?),
        _ => Value::Unknown,
    })
}

/// The remaining arguments.
fn args_rest(next: &mut impl FnMut() -> Option<Value>) -> Vec<Value> {
    std::iter::from_fn(next).collect()
}

/// A string argument (numbers and bools convert, as in Terraform).
fn text(value: Value) -> Option<String> {
    to_text(&value)
}

/// A primitive as Terraform's string conversion writes it.
pub fn to_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(number_text(*n)),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A number as Terraform writes it: `3`, not `3.0`.
pub fn number_text(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        n.to_string()
    }
}

/// A number, or a string that holds one.
pub fn as_number(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => Some(*n),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Equality after Terraform's conversions (`"1" == 1` when one side is a
/// number, as variables from `.tfvars.json` arrive as strings); `None`
/// when either side is not known.
pub fn loose_eq(a: &Value, b: &Value) -> Option<bool> {
    if !is_known(a) || !is_known(b) {
        return None;
    }
    Some(match (a, b) {
        (Value::Number(_), _) | (_, Value::Number(_)) => match (as_number(a), as_number(b)) {
            (Some(x), Some(y)) => x == y,
            _ => false,
        },
        (Value::Bool(_), _) | (_, Value::Bool(_)) => {
            a.as_bool().is_some() && a.as_bool() == b.as_bool()
        }
        (Value::List(x), Value::List(y)) => {
            if x.len() != y.len() {
                return Some(false);
            }
            for (i, j) in x.iter().zip(y) {
                if !loose_eq(i, j)? {
                    return Some(false);
                }
            }
            true
        }
        (Value::Object(x), Value::Object(y)) => {
            if x.len() != y.len() {
                return Some(false);
            }
            for (k, v) in x {
                let Some((_, w)) = y.iter().find(|(l, _)| l == k) else {
                    return Some(false);
                };
                if !loose_eq(v, w)? {
                    return Some(false);
                }
            }
            true
        }
        _ => a == b,
    })
}

/// `toset`: duplicates dropped; strings in lexical order, as Terraform
/// orders a set of strings.
fn to_set(items: Vec<Value>) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::new();
    for item in items {
        if !out.contains(&item) {
            out.push(item);
        }
    }
    if out.iter().all(|v| matches!(v, Value::String(_))) {
        out.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
    }
    out
}

/// `flatten`: nested lists into one, depth-bounded.
fn flatten(value: Value, depth: usize) -> Option<Vec<Value>> {
    let Value::List(items) = value else {
        return None;
    };
    let mut out = Vec::new();
    for item in items {
        match item {
            Value::List(_) if depth < 32 => out.extend(flatten(item, depth + 1)?),
            Value::Unknown | Value::Reference(_) => return Some(vec![Value::Unknown]),
            other => out.push(other),
        }
    }
    Some(out)
}

/// Terraform's `format`: `%s`, `%d`, `%v`, `%q`, `%t` and `%%`; a verb
/// with flags, width or precision is left unknown (`None` would be an
/// error, so it yields the template unevaluated as unknown instead).
fn format(spec: &str, args: &[Value]) -> Option<String> {
    let mut out = String::new();
    let mut args = args.iter();
    let mut chars = spec.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next()? {
            '%' => out.push('%'),
            's' | 'v' | 't' => out.push_str(&to_text(args.next()?)?),
            'd' => {
                let n = as_number(args.next()?)?;
                if n.fract() != 0.0 {
                    return None;
                }
                out.push_str(&number_text(n));
            }
            'q' => out.push_str(&format!("{:?}", to_text(args.next()?)?)),
            _ => return None,
        }
    }
    Some(out)
}

/// The value as JSON, when it is entirely known (for `jsonencode`).
pub fn to_json(value: &Value) -> Option<serde_json::Value> {
    Some(match value {
        Value::Null => serde_json::Value::Null,
        Value::Bool(b) => serde_json::Value::Bool(*b),
        Value::Number(n) => serde_json::Number::from_f64(*n)?.into(),
        Value::String(s) => serde_json::Value::String(s.clone()),
        Value::List(items) => items
            .iter()
            .map(to_json)
            .collect::<Option<Vec<_>>>()?
            .into(),
        Value::Object(entries) => entries
            .iter()
            .map(|(k, v)| Some((k.clone(), to_json(v)?)))
            .collect::<Option<serde_json::Map<_, _>>>()?
            .into(),
        Value::Reference(_) | Value::Unknown => return None,
    })
}

/// JSON as a value (`jsondecode`).
fn from_json(json: serde_json::Value) -> Value {
    match json {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(b),
        serde_json::Value::Number(n) => n.as_f64().map_or(Value::Unknown, Value::Number),
        serde_json::Value::String(s) => Value::String(s),
        serde_json::Value::Array(items) => Value::List(items.into_iter().map(from_json).collect()),
        serde_json::Value::Object(map) => {
            Value::Object(map.into_iter().map(|(k, v)| (k, from_json(v))).collect())
        }
    }
}
