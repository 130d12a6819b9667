//! A task's module arguments at load time: read from a mapping or a `k=v` line, their names checked
//! against the module, and — when no template is in them — checked completely, as the module will
//! check them on a host, so a typo fails the run before any host is touched.

use super::kv::parse_kv;
use super::load::{LoadError, invalid};
use crate::yaml::Origin;
use drover_modules::suggest::did_you_mean;
use drover_modules::{DynModule, FreeForm, ModuleError};
use serde_json::{Map, Value};

/// The module's arguments: a mapping, a `k=v` string, or a free-form command.
pub fn action_args(
    free_form: FreeForm,
    value: &Value,
    origin: &Origin,
) -> Result<Map<String, Value>, LoadError> {
    match value {
        Value::Null => Ok(Map::new()),
        Value::Object(map) => Ok(map.clone()),
        Value::String(text) => parse_kv(text, free_form == FreeForm::RawParams)
            .map_err(|e| invalid(origin, e.to_string())),
        other => Err(invalid(
            origin,
            format!("module arguments must be a mapping or a string, not {other}"),
        )),
    }
}

/// Every argument name the module does not take, each with a near miss if there is one.
pub fn check_arg_names(
    module: &dyn DynModule,
    action: &str,
    args: &Map<String, Value>,
    origin: &Origin,
) -> Result<(), LoadError> {
    let Some(accepted) = module.arg_names() else {
        return Ok(());
    };
    let unknown: Vec<String> = args
        .keys()
        .filter(|k| !accepted.contains(&k.as_str()))
        .map(|k| format!("{k}{}", did_you_mean(k, accepted.iter().copied())))
        .collect();
    if unknown.is_empty() {
        return Ok(());
    }
    let mut names: Vec<&str> = accepted
        .iter()
        .copied()
        .filter(|n| !n.starts_with('_'))
        .collect();
    names.sort_unstable();
    Err(invalid(
        origin,
        format!(
            "unsupported parameters for ({action}) module: {}. Supported parameters include: {}",
            unknown.join(", "),
            names.join(", ")
        ),
    ))
}

/// Runs the module's own host-less checks when the arguments hold no template; templated ones are
/// checked when they are rendered, on each host.
pub fn check_static_args(
    module: &dyn DynModule,
    args: &Map<String, Value>,
    origin: &Origin,
) -> Result<(), LoadError> {
    if args
        .iter()
        .any(|(k, v)| is_templated_str(k) || is_templated(v))
    {
        return Ok(());
    }
    match module.check_args(Value::Object(args.clone())) {
        Ok(()) => Ok(()),
        Err(ModuleError::Params(msg) | ModuleError::Failed(msg) | ModuleError::Host(msg)) => {
            Err(invalid(origin, msg))
        }
    }
}

/// Whether rendering could change the value: a Jinja expression or statement anywhere in it.
pub fn is_templated(value: &Value) -> bool {
    match value {
        Value::String(s) => is_templated_str(s),
        Value::Array(items) => items.iter().any(is_templated),
        Value::Object(map) => map
            .iter()
            .any(|(k, v)| is_templated_str(k) || is_templated(v)),
        Value::Null | Value::Bool(_) | Value::Number(_) => false,
    }
}

fn is_templated_str(s: &str) -> bool {
    s.contains("{{") || s.contains("{%")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn templates_anywhere_make_arguments_dynamic() {
        assert!(is_templated(&json!({"a": ["x", {"b": "{{ c }}"}]})));
        assert!(is_templated(&json!("{% if a %}x{% endif %}")));
        assert!(!is_templated(&json!({"a": ["x", 1, true, null, "{ c }"]})));
    }
}
