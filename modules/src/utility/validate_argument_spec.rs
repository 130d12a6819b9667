//! `validate_argument_spec`: checks arguments against an argument specification, as ansible-core's
//! `ArgumentSpecValidator` does for a role's `argument_specs` (the loader puts this task first in a
//! role whose entry point has a spec). The arguments are the task variables named by the spec
//! (a role's parameters and variables are task variables) with `provided_arguments` over them.
//!
//! The checks are ansible-core's `ArgumentSpecValidator` (`super::argument_spec`): unknown
//! arguments, aliases, `required`, `default`, `type`, `elements`, `choices`, and `options` of a dict
//! (or of a list's dict elements) with their `mutually_exclusive`, `required_together`,
//! `required_one_of`, `required_if`, `required_by` and `apply_defaults`, recursively.

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
    super::argument_spec::validate(spec, params)
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
}
