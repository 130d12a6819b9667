//! `validate_argument_spec`: checks arguments against an argument specification, as ansible-core's
//! `ArgumentSpecValidator` does for a role's `argument_specs` (the loader puts this task first in a
//! role whose entry point has a spec). The arguments are the task variables named by the spec
//! (a role's parameters and variables are task variables) with `provided_arguments` over them.
//!
//! What is checked, in Ansible's order and with its messages: unknown arguments, `required`,
//! `default`, `type` (str, list, dict, bool, int, float, path, raw, json, jsonarg, bytes, bits),
//! `elements` of a list, `choices`, and `options` of a dict (or of a list's dict elements),
//! recursively, each message naming the enclosing options.

use crate::doc::Written;
use crate::{Host, Module, ModuleError, Plan};
use serde::Deserialize;
use serde_json::{Map, Value};

pub struct ValidateArgumentSpec;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    pub argument_spec: Map<String, Value>,
    #[serde(default)]
    pub provided_arguments: Option<Map<String, Value>>,
    #[serde(default)]
    pub validate_args_context: Option<Value>,
}

#[async_trait::async_trait]
impl Module for ValidateArgumentSpec {
    type Params = Params;
    const NAME: &'static str = "validate_argument_spec";
    const DOC: Written = Written {
        description: "Checks arguments against an argument specification (a role's argument_specs).",
        example: "- validate_argument_spec:\n    argument_spec:\n      port: {type: int, required: true}\n    provided_arguments:\n      port: \"{{ app_port }}\"\n",
        args: &[
            (
                "argument_spec",
                "",
                "The options: each with type, required, default, choices, elements, options.",
            ),
            (
                "provided_arguments",
                "{}",
                "Values checked over the task variables of the same names.",
            ),
            (
                "validate_args_context",
                "{}",
                "What is validated (returned as is, for messages).",
            ),
        ],
    };

    async fn plan(&self, p: Params, host: &mut dyn Host) -> Result<Plan, ModuleError> {
        let mut args = args_from_vars(&p.argument_spec, host)?;
        args.extend(p.provided_arguments.unwrap_or_default());
        let errors = validate(&p.argument_spec, args);
        let context = p
            .validate_args_context
            .unwrap_or_else(|| Value::Object(Map::new()));
        if errors.is_empty() {
            return Ok(Plan::ok()
                .set("msg", "The arg spec validation passed")
                .set("validate_args_context", context));
        }
        Ok(Plan::fail(format!(
            "Validation of arguments failed:\n{}",
            errors.join("\n")
        ))
        .set("argument_errors", errors)
        .set("argument_spec_data", Value::Object(p.argument_spec))
        .set("validate_args_context", context))
    }
}

/// The task variables the spec names (only names a template can name are looked up).
fn args_from_vars(
    spec: &Map<String, Value>,
    host: &mut dyn Host,
) -> Result<Map<String, Value>, ModuleError> {
    let mut args = Map::new();
    for name in spec.keys().filter(|n| is_identifier(n)) {
        if crate::de::truthy(&host.evaluate(&format!("{name} is defined"))?) {
            args.insert(name.clone(), host.evaluate(name)?);
        }
    }
    Ok(args)
}

fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Every error of `params` against `spec`, in Ansible's order.
pub fn validate(spec: &Map<String, Value>, params: Map<String, Value>) -> Vec<String> {
    let mut found = Found::default();
    let mut params = params;
    check_level(spec, &mut params, &[], &mut found);
    if let Some(msg) = found.unsupported_message() {
        found.errors.push(msg);
    }
    found.errors
}

#[derive(Default)]
struct Found {
    errors: Vec<String>,
    /// Unknown arguments (dotted below the top level) and what their level supports.
    unsupported: Vec<String>,
    supported: Vec<String>,
}

impl Found {
    fn unsupported_message(&self) -> Option<String> {
        if self.unsupported.is_empty() {
            return None;
        }
        let mut names = self.unsupported.clone();
        names.sort();
        Some(format!(
            "{}. Supported parameters include: {}.",
            names.join(", "),
            self.supported.join(", ")
        ))
    }
}

fn option<'a>(spec: &'a Value, key: &str) -> Option<&'a Value> {
    spec.get(key).filter(|v| !v.is_null())
}

fn is_required(spec: &Value) -> bool {
    option(spec, "required").is_some_and(crate::de::truthy)
}

/// One level of options: the top level, or the `options` of a dict (`context`: the enclosing
/// option names).
fn check_level(
    spec: &Map<String, Value>,
    params: &mut Map<String, Value>,
    context: &[String],
    found: &mut Found,
) {
    let found_in = |msg: String| match context {
        [] => msg,
        names => format!("{msg} found in {}", names.join(" -> ")),
    };
    let unknown: Vec<&String> = params
        .keys()
        .filter(|k| !spec.contains_key(*k) && !is_alias(spec, k))
        .collect();
    if !unknown.is_empty() {
        let prefix = context.iter().map(|c| format!("{c}.")).collect::<String>();
        found
            .unsupported
            .extend(unknown.iter().map(|k| format!("{prefix}{k}")));
        let mut supported: Vec<String> = spec.keys().cloned().collect();
        supported.sort();
        found.supported = supported;
    }
    resolve_aliases(spec, params);
    let mut missing: Vec<&str> = spec
        .iter()
        .filter(|(name, s)| is_required(s) && !params.contains_key(*name))
        .map(|(name, _)| name.as_str())
        .collect();
    if !missing.is_empty() {
        missing.sort();
        found.errors.push(found_in(format!(
            "missing required arguments: {}",
            missing.join(", ")
        )));
    }
    for (name, s) in spec {
        if let Some(default) = option(s, "default")
            && !params.contains_key(name)
        {
            params.insert(name.clone(), default.clone());
        }
    }
    for (name, s) in spec {
        check_type(name, s, params, context, found);
    }
    for (name, s) in spec {
        if let Some(msg) = choices_problem(name, s, params.get(name)) {
            found.errors.push(found_in(msg));
        }
    }
    for (name, s) in spec {
        check_sub_options(name, s, params, context, found);
    }
}

fn aliases(spec: &Value) -> Vec<String> {
    match option(spec, "aliases") {
        Some(Value::Array(names)) => names
            .iter()
            .filter_map(|n| n.as_str().map(String::from))
            .collect(),
        _ => Vec::new(),
    }
}

fn is_alias(spec: &Map<String, Value>, key: &str) -> bool {
    spec.values().any(|s| aliases(s).iter().any(|a| a == key))
}

/// An argument given by an alias is the option's (the option's own name wins).
fn resolve_aliases(spec: &Map<String, Value>, params: &mut Map<String, Value>) {
    for (name, s) in spec {
        for alias in aliases(s) {
            if let Some(value) = params.remove(&alias)
                && !params.contains_key(name)
            {
                params.insert(name.clone(), value);
            }
        }
    }
}

fn type_name(spec: &Value) -> String {
    match option(spec, "type") {
        Some(Value::String(t)) => t.clone(),
        _ => "str".into(),
    }
}

fn check_type(
    name: &str,
    spec: &Value,
    params: &mut Map<String, Value>,
    context: &[String],
    found: &mut Found,
) {
    let Some(value) = params.get(name).cloned() else {
        return;
    };
    if value.is_null() && !is_required(spec) && option(spec, "default").is_none() {
        return;
    }
    let wanted = type_name(spec);
    let in_context = match context {
        [] => String::new(),
        names => format!(" found in '{}'.", names.join(" -> ")),
    };
    match convert(&wanted, &value) {
        Ok(converted) => {
            let elements = option(spec, "elements").and_then(Value::as_str);
            let converted = match (elements, converted) {
                (Some(element_type), Value::Array(items)) => Value::Array(
                    items
                        .into_iter()
                        .map(|item| match convert(element_type, &item) {
                            Ok(v) => v,
                            Err(e) => {
                                found.errors.push(format!(
                                    "Elements value for option '{name}'{} is of type {} and we were unable to convert to {element_type}: {e}",
                                    match context {
                                        [] => String::new(),
                                        names => format!(" found in '{}'", names.join(" -> ")),
                                    },
                                    crate::de::python_type(&item)
                                ));
                                item
                            }
                        })
                        .collect(),
                ),
                (Some(_), other) => {
                    found.errors.push(format!(
                        "Invalid type {wanted} for option '{}'{in_context}, elements value check is supported only with 'list' type",
                        py_str(&other)
                    ));
                    other
                }
                (None, other) => other,
            };
            params.insert(name.to_string(), converted);
        }
        Err(e) => found.errors.push(format!(
            "argument '{name}' is of type {}{in_context} and we were unable to convert to {wanted}: {e}",
            crate::de::python_type(&value)
        )),
    }
}

/// Ansible's type checkers (module_utils/common/validation.py): the value converted, or why not.
fn convert(wanted: &str, value: &Value) -> Result<Value, String> {
    match wanted {
        "str" => Ok(Value::String(match value {
            Value::Null => String::new(),
            other => py_str(other),
        })),
        "path" => match value {
            Value::String(s) => Ok(Value::String(expand_user(s))),
            Value::Null => Ok(Value::String(String::new())),
            other => Ok(Value::String(py_str(other))),
        },
        "raw" => Ok(value.clone()),
        "list" => match value {
            Value::Array(_) => Ok(value.clone()),
            Value::String(s) => Ok(Value::Array(s.split(',').map(Value::from).collect())),
            Value::Number(_) => Ok(Value::Array(vec![Value::String(py_str(value))])),
            other => Err(format!("{} cannot be converted to a list", py_class(other))),
        },
        "dict" => to_dict(value),
        "bool" => to_bool(value),
        "int" => to_int(value),
        "float" => match value {
            Value::Number(n) => Ok(n.as_f64().map_or_else(|| value.clone(), Value::from)),
            Value::Bool(b) => Ok(Value::from(if *b { 1.0 } else { 0.0 })),
            Value::String(s) => s
                .trim()
                .parse::<f64>()
                .map(Value::from)
                .map_err(|_| format!("{} cannot be converted to a float", py_class(value))),
            other => Err(format!(
                "{} cannot be converted to a float",
                py_class(other)
            )),
        },
        "json" | "jsonarg" => match value {
            Value::String(s) => Ok(Value::String(s.trim().to_string())),
            Value::Array(_) | Value::Object(_) => Ok(Value::String(value.to_string())),
            other => Err(format!(
                "{} cannot be converted to a json string",
                py_class(other)
            )),
        },
        "bytes" | "bits" => human_to_bytes(value, wanted == "bits").map_err(|_| {
            let what = if wanted == "bits" { "Bit" } else { "Byte" };
            format!("{} cannot be converted to a {what} value", py_class(value))
        }),
        other => Err(format!("unsupported type {other:?}")),
    }
}

fn expand_user(path: &str) -> String {
    match (path.strip_prefix("~/"), std::env::var("HOME")) {
        (Some(rest), Ok(home)) => format!("{home}/{rest}"),
        _ if path == "~" => std::env::var("HOME").unwrap_or_else(|_| path.to_string()),
        _ => path.to_string(),
    }
}

fn to_dict(value: &Value) -> Result<Value, String> {
    match value {
        Value::Object(_) => Ok(value.clone()),
        Value::String(s) if s.starts_with('{') => serde_json::from_str::<Map<String, Value>>(s)
            .map(Value::Object)
            .map_err(|_| "unable to evaluate string as dictionary".to_string()),
        Value::String(s) if s.contains('=') => key_value_fields(s)
            .into_iter()
            .map(|field| {
                field
                    .split_once('=')
                    .map(|(k, v)| (k.to_string(), Value::from(v)))
                    .ok_or_else(|| {
                        "unable to evaluate string in the \"key=value\" format as dictionary"
                            .to_string()
                    })
            })
            .collect::<Result<Map<String, Value>, String>>()
            .map(Value::Object),
        Value::String(_) => Err("dictionary requested, could not parse JSON or key=value".into()),
        other => Err(format!("{} cannot be converted to a dict", py_class(other))),
    }
}

/// `a=1, b="x y"` → its fields, split on commas and spaces outside quotes (Ansible's loop).
fn key_value_fields(text: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for c in text.trim().chars() {
        match c {
            _ if escaped => {
                field.push(c);
                escaped = false;
            }
            '\\' => escaped = true,
            '\'' | '"' if quote.is_none() => quote = Some(c),
            _ if quote == Some(c) => quote = None,
            ',' | ' ' if quote.is_none() => {
                if !field.is_empty() {
                    fields.push(std::mem::take(&mut field));
                }
            }
            _ => field.push(c),
        }
    }
    if !field.is_empty() {
        fields.push(field);
    }
    fields
}

const BOOLEANS_TRUE: [&str; 6] = ["y", "yes", "on", "1", "true", "t"];
const BOOLEANS_FALSE: [&str; 6] = ["n", "no", "off", "0", "false", "f"];

fn to_bool(value: &Value) -> Result<Value, String> {
    let normalized = match value {
        Value::Bool(b) => return Ok(Value::Bool(*b)),
        Value::String(s) => s.trim().to_lowercase(),
        Value::Number(n) => match n.as_f64() {
            Some(1.0) => "1".into(),
            Some(0.0) => "0".into(),
            _ => n.to_string(),
        },
        other => return Err(format!("{} cannot be converted to a bool", py_class(other))),
    };
    if BOOLEANS_TRUE.contains(&normalized.as_str()) {
        return Ok(Value::Bool(true));
    }
    if BOOLEANS_FALSE.contains(&normalized.as_str()) {
        return Ok(Value::Bool(false));
    }
    Err(format!(
        "The value '{}' is not a valid boolean. Valid booleans include: 0, 1, 'false', 't', 'off', 'yes', '1', 'on', 'true', '0', 'no', 'y', 'f', 'n'",
        py_str(value)
    ))
}

fn to_int(value: &Value) -> Result<Value, String> {
    let fail = || format!("\"{}\" cannot be converted to an int", py_repr(value));
    match value {
        Value::Number(n) if n.is_i64() || n.is_u64() => Ok(value.clone()),
        Value::Bool(b) => Ok(Value::from(i64::from(*b))),
        Value::Number(n) => match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Ok(Value::from(f as i64)),
            _ => Err(fail()),
        },
        Value::String(s) => {
            let s = s.trim();
            if let Ok(i) = s.parse::<i64>() {
                return Ok(Value::from(i));
            }
            match s.parse::<f64>() {
                Ok(f) if f.is_finite() && f.fract() == 0.0 && f.abs() < 9.0e15 => {
                    Ok(Value::from(f as i64))
                }
                _ => Err(fail()),
            }
        }
        _ => Err(fail()),
    }
}

/// `10M`, `1 KB`, `512`: a size in bytes (or bits).
fn human_to_bytes(value: &Value, bits: bool) -> Result<Value, ()> {
    let text = match value {
        Value::Number(_) => return Ok(value.clone()),
        Value::String(s) => s.trim(),
        _ => return Err(()),
    };
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let number: f64 = text[..split].parse().map_err(|_| ())?;
    let unit = text[split..].trim();
    let letter = unit.chars().next().map(|c| c.to_ascii_uppercase());
    let power = match letter {
        None => 0,
        Some(c) => "BKMGTPEZY".find(c).ok_or(())?,
    };
    let rest = &unit[1.min(unit.len())..];
    let suffix_ok = match (power, bits) {
        (0, false) => unit.is_empty() || unit == "B",
        (0, true) => unit.is_empty() || unit == "b",
        (_, false) => rest.is_empty() || rest == "B",
        (_, true) => rest == "b" || rest.is_empty(),
    };
    if !suffix_ok {
        return Err(());
    }
    let exponent = i32::try_from(power).map_err(|_| ())?;
    Ok(Value::from((number * 1024f64.powi(exponent)).round() as i64))
}

fn choices_problem(name: &str, spec: &Value, value: Option<&Value>) -> Option<String> {
    let Value::Array(choices) = option(spec, "choices")? else {
        return Some(format!(
            "internal error: choices for argument {name} are not iterable: {}",
            py_str(option(spec, "choices")?)
        ));
    };
    let listed = || choices.iter().map(py_str).collect::<Vec<_>>().join(", ");
    let is_choice = |v: &Value| choices.iter().any(|c| loosely_equal(c, v));
    match value? {
        Value::Array(items) => {
            let off: Vec<String> = items.iter().filter(|i| !is_choice(i)).map(py_str).collect();
            (!off.is_empty()).then(|| {
                format!(
                    "value of {name} must be one or more of: {}. Got no match for: {}",
                    listed(),
                    off.join(", ")
                )
            })
        }
        v if is_choice(v) => None,
        v => Some(format!(
            "value of {name} must be one of: {}, got: {}",
            listed(),
            py_str(v)
        )),
    }
}

/// Python's `==` across JSON numbers (`1 == 1.0`).
fn loosely_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

/// `options` of a dict, or of each dict of a list: checked as a level of their own.
fn check_sub_options(
    name: &str,
    spec: &Value,
    params: &mut Map<String, Value>,
    context: &[String],
    found: &mut Found,
) {
    let Some(Value::Object(options)) = option(spec, "options") else {
        return;
    };
    let mut inner = context.to_vec();
    inner.push(name.to_string());
    match params.get_mut(name) {
        Some(Value::Object(map)) => check_level(options, map, &inner, found),
        Some(Value::Array(items)) => {
            for item in items {
                if let Value::Object(map) = item {
                    check_level(options, map, &inner, found);
                }
            }
        }
        _ => {}
    }
}

fn py_class(value: &Value) -> String {
    format!("<class '{}'>", crate::de::python_type(value))
}

/// Python's `str()` of a value.
fn py_str(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => py_repr(other),
    }
}

/// Python's `repr()` of a value.
fn py_repr(value: &Value) -> String {
    match value {
        Value::Null => "None".into(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Number(n) => match n.as_f64() {
            Some(f) if n.is_f64() && f.fract() == 0.0 => format!("{f:.1}"),
            _ => n.to_string(),
        },
        Value::String(s) if s.contains('\'') && !s.contains('"') => format!("\"{s}\""),
        Value::String(s) => format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'")),
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(py_repr).collect::<Vec<_>>().join(", ")
        ),
        Value::Object(map) => format!(
            "{{{}}}",
            map.iter()
                .map(|(k, v)| format!("{}: {}", py_repr(&Value::from(k.as_str())), py_repr(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn errors(spec: Value, params: Value) -> Vec<String> {
        let (Value::Object(spec), Value::Object(params)) = (spec, params) else {
            panic!("test maps");
        };
        validate(&spec, params)
    }

    /// The messages ansible-core 2.19 gives for the same spec and arguments.
    #[test]
    fn every_problem_is_reported_with_ansibles_message_in_its_order() {
        let spec = json!({
            "a": {"type": "int", "required": true},
            "b": {"type": "list", "elements": "int"},
            "c": {"type": "str", "choices": ["x", "y"]},
            "d": {"type": "dict", "options": {
                "e": {"type": "str", "required": true},
                "f": {"type": "bool"}
            }},
            "g": {"type": "bool", "default": true},
            "h": {"type": "float"},
            "req": {"required": true}
        });
        let params = json!({
            "a": "x", "b": [1, "z"], "c": "q", "d": {"f": "maybe", "extra": 1}, "h": [1], "req": 1
        });
        assert_eq!(
            errors(spec, params),
            [
                "argument 'a' is of type str and we were unable to convert to int: \"'x'\" cannot be converted to an int",
                "Elements value for option 'b' is of type str and we were unable to convert to int: \"'z'\" cannot be converted to an int",
                "argument 'h' is of type list and we were unable to convert to float: <class 'list'> cannot be converted to a float",
                "value of c must be one of: x, y, got: q",
                "missing required arguments: e found in d",
                "argument 'f' is of type str found in 'd'. and we were unable to convert to bool: The value 'maybe' is not a valid boolean. Valid booleans include: 0, 1, 'false', 't', 'off', 'yes', '1', 'on', 'true', '0', 'no', 'y', 'f', 'n'",
                "d.extra. Supported parameters include: e, f.",
            ]
        );
    }

    #[test]
    fn convertible_values_pass_and_unknown_ones_are_named() {
        let spec = json!({"a": {"type": "int", "required": true}, "req": {"required": true}});
        assert!(errors(spec.clone(), json!({"a": "3", "req": 1})).is_empty());
        assert!(errors(spec.clone(), json!({"a": 1.0, "req": [1]})).is_empty());
        assert_eq!(
            errors(spec.clone(), json!({"a": 1, "req": 2, "bogus": 3})),
            ["bogus. Supported parameters include: a, req."]
        );
        assert_eq!(
            errors(spec, json!({})),
            ["missing required arguments: a, req"]
        );
    }

    #[test]
    fn types_convert_as_ansibles_checkers() {
        assert_eq!(convert("list", &json!("a,b")), Ok(json!(["a", "b"])));
        assert_eq!(
            convert("dict", &json!("a=1 b=2")),
            Ok(json!({"a": "1", "b": "2"}))
        );
        assert_eq!(convert("dict", &json!("{\"a\": 1}")), Ok(json!({"a": 1})));
        assert_eq!(convert("bool", &json!("yes")), Ok(json!(true)));
        assert_eq!(convert("float", &json!("1.5")), Ok(json!(1.5)));
        assert_eq!(convert("bytes", &json!("2K")), Ok(json!(2048)));
        assert_eq!(
            convert("int", &json!(1.5)),
            Err("\"1.5\" cannot be converted to an int".into())
        );
        assert_eq!(
            convert("dict", &json!([1])),
            Err("<class 'list'> cannot be converted to a dict".into())
        );
        assert!(convert("list", &json!({"a": 1})).is_err());
    }
}
