//! The checks between options of one level (module_utils/common/validation.py):
//! `mutually_exclusive`, `required_together`, `required_one_of`, `required_if`, `required_by` and
//! `required`, each giving ansible-core's message, `found in a -> b` below the top level.

use super::python;
use serde_json::{Map, Value};

/// `" found in a -> b"`, or nothing at the top level.
pub fn found_in(context: &[String]) -> String {
    match context {
        [] => String::new(),
        names => format!(" found in {}", names.join(" -> ")),
    }
}

/// A group of option names: a list, or one name (Python's `is_iterable` leaves strings alone).
fn names(term: &Value) -> Vec<String> {
    match term {
        Value::Array(items) => items.iter().map(python::str_of).collect(),
        other => vec![python::str_of(other)],
    }
}

/// `', '.join(term)`: a string term is joined letter by letter, as Python does.
fn joined(term: &Value, separator: &str) -> String {
    match term {
        Value::String(s) => s
            .chars()
            .map(String::from)
            .collect::<Vec<_>>()
            .join(separator),
        other => names(other).join(separator),
    }
}

/// `count_terms`: how many of the names are given.
fn count(term: &Value, params: &Map<String, Value>) -> usize {
    let mut names = names(term);
    names.sort();
    names.dedup();
    names.iter().filter(|n| params.contains_key(*n)).count()
}

fn terms(value: Option<&Value>) -> &[Value] {
    match value {
        Some(Value::Array(items)) => items,
        _ => &[],
    }
}

pub fn mutually_exclusive(
    spec: Option<&Value>,
    params: &Map<String, Value>,
    context: &[String],
) -> Option<String> {
    let clashes: Vec<String> = terms(spec)
        .iter()
        .filter(|term| count(term, params) > 1)
        .map(|term| joined(term, "|"))
        .collect();
    (!clashes.is_empty()).then(|| {
        format!(
            "parameters are mutually exclusive: {}{}",
            clashes.join(", "),
            found_in(context)
        )
    })
}

pub fn required_together(
    spec: Option<&Value>,
    params: &Map<String, Value>,
    context: &[String],
) -> Option<String> {
    let fields = |term: &Value| -> Vec<Value> {
        match term {
            Value::Array(items) => items.clone(),
            Value::String(s) => s.chars().map(|c| Value::String(c.to_string())).collect(),
            _ => Vec::new(),
        }
    };
    let broken = terms(spec).iter().find(|term| {
        let counts: Vec<usize> = fields(term).iter().map(|f| count(f, params)).collect();
        counts.iter().any(|c| *c > 0) && counts.contains(&0)
    })?;
    Some(format!(
        "parameters are required together: {}{}",
        joined(broken, ", "),
        found_in(context)
    ))
}

pub fn required_one_of(
    spec: Option<&Value>,
    params: &Map<String, Value>,
    context: &[String],
) -> Option<String> {
    let missing = terms(spec).iter().find(|term| count(term, params) == 0)?;
    Some(format!(
        "one of the following is required: {}{}",
        joined(missing, ", "),
        found_in(context)
    ))
}

/// `[option, value, [options]]` or `[option, value, [options], any]`: the first requirement that is
/// not met.
pub fn required_if(
    spec: Option<&Value>,
    params: &Map<String, Value>,
    context: &[String],
) -> Option<String> {
    terms(spec).iter().find_map(|req| {
        let Value::Array(parts) = req else {
            return None;
        };
        let (key, value, wanted, any) = match parts.as_slice() {
            [k, v, r] => (k, v, r, false),
            [k, v, r, a] => (k, v, r, crate::de::truthy(a)),
            _ => return None,
        };
        let wanted = match wanted {
            Value::Array(items) => items.clone(),
            Value::String(s) => s.chars().map(|c| Value::String(c.to_string())).collect(),
            _ => Vec::new(),
        };
        let key = python::str_of(key);
        let applies = params.get(&key).is_some_and(|v| python::equal(v, value));
        let missing: Vec<String> = if applies {
            wanted
                .iter()
                .filter(|w| count(w, params) == 0)
                .map(python::str_of)
                .collect()
        } else {
            Vec::new()
        };
        let enough = if any { wanted.len() } else { 0 };
        (!missing.is_empty() && missing.len() >= enough).then(|| {
            format!(
                "{key} is {} but {} of the following are missing: {}{}",
                python::str_of(value),
                if any { "any" } else { "all" },
                missing.join(", "),
                found_in(context)
            )
        })
    })
}

/// `{option: [options it needs]}`: given and not `None`, it needs the others given and not `None`.
pub fn required_by(
    spec: Option<&Value>,
    params: &Map<String, Value>,
    context: &[String],
) -> Option<String> {
    let Some(Value::Object(requirements)) = spec else {
        return None;
    };
    let given = |name: &str| params.get(name).is_some_and(|v| !v.is_null());
    requirements.iter().find_map(|(key, needed)| {
        if !given(key) {
            return None;
        }
        let missing: Vec<String> = names(needed).into_iter().filter(|n| !given(n)).collect();
        (!missing.is_empty()).then(|| {
            format!(
                "missing parameter(s) required by '{key}': {}{}",
                missing.join(", "),
                found_in(context)
            )
        })
    })
}

/// `required` options that are not given (defaults are set before this check).
pub fn required_arguments(
    spec: &Map<String, Value>,
    params: &Map<String, Value>,
    context: &[String],
) -> Option<String> {
    let mut missing: Vec<&str> = spec
        .iter()
        .filter(|(name, s)| {
            s.get("required").is_some_and(crate::de::truthy) && !params.contains_key(*name)
        })
        .map(|(name, _)| name.as_str())
        .collect();
    missing.sort_unstable();
    (!missing.is_empty()).then(|| {
        format!(
            "missing required arguments: {}{}",
            missing.join(", "),
            found_in(context)
        )
    })
}
