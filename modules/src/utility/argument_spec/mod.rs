//! A port of ansible-core's `ArgumentSpecValidator.validate` (module_utils/common/arg_spec.py and
//! parameters.py), as its `validate_argument_spec` action uses it for a role's `argument_specs`:
//! the same steps in the same order, so the same arguments give the same messages in the same
//! order. `cases.json` holds ansible-core's own answers for a table of specs and arguments
//! (`scripts/argspec-cases` regenerates it); the tests compare every row.
//!
//! Each level of options (the top, or the `options` of a `dict` option or of a `list` of `dict`s)
//! goes through: aliases, the no_log walk (which converts string sub-options to dicts and fails on
//! other types), unknown names, `mutually_exclusive`, non-`None` defaults, `required`, `type` and
//! `elements`, `choices`, `required_together`, `required_one_of`, `required_if`, `required_by`,
//! the remaining defaults (`None`), then its sub-levels (`apply_defaults` makes a missing one `{}`).
//! The top level has no option-group checks: the action passes only the `options` of an entry
//! point.

mod checks;
mod python;
mod types;

use checks::found_in;
use serde_json::{Map, Value};

/// Every error of `params` against `spec`, in ansible-core's order.
pub fn validate(spec: &Map<String, Value>, mut params: Map<String, Value>) -> Vec<String> {
    let mut v = Validation::default();
    let aliases = v.aliases(spec, &mut params);
    v.no_log_walk(spec, &params);
    v.unsupported(spec, &params, &aliases, &[]);
    set_defaults(spec, &mut params, false);
    v.errors
        .extend(checks::required_arguments(spec, &params, &[]));
    v.types(spec, &mut params, &[]);
    v.choices(spec, &mut params, &[]);
    set_defaults(spec, &mut params, true);
    v.sub_specs(spec, &mut params, &mut Vec::new());
    if let Some(message) = v.unsupported_message() {
        v.errors.push(message);
    }
    v.errors
}

#[derive(Default)]
struct Validation {
    errors: Vec<String>,
    /// Unknown names (dotted below the top level), in the order found.
    unsupported: Vec<String>,
    /// What the level of the last unknown name supports: its options and their aliases.
    supported: (Vec<String>, Vec<String>),
}

/// The spec of one option (`{}` for a value that is no mapping: ansible-core would crash on it).
fn option_spec(spec: &Value) -> &Map<String, Value> {
    static EMPTY: std::sync::OnceLock<Map<String, Value>> = std::sync::OnceLock::new();
    spec.as_object()
        .unwrap_or_else(|| EMPTY.get_or_init(Map::new))
}

/// `spec.get(key)`, where an explicit `null` is as good as absent.
fn get<'a>(spec: &'a Value, key: &str) -> Option<&'a Value> {
    spec.get(key).filter(|v| !v.is_null())
}

fn text<'a>(spec: &'a Value, key: &str) -> Option<&'a str> {
    get(spec, key).and_then(Value::as_str)
}

/// The wanted type's name: `str` when unset; another YAML value printed as Python would.
fn type_name(spec: &Value) -> String {
    match get(spec, "type") {
        None => "str".into(),
        Some(Value::String(t)) => t.clone(),
        Some(other) => python::str_of(other),
    }
}

/// Options whose value is checked as a level of its own: a `dict`, or a `list` of `dict`s.
fn has_sub_level(spec: &Value) -> bool {
    let wanted = type_name(spec);
    wanted == "dict" || (wanted == "list" && text(spec, "elements") == Some("dict"))
}

/// `_set_defaults`: the first pass sets the defaults that are not `None`, the second every option
/// still missing (to its default or `None`).
fn set_defaults(spec: &Map<String, Value>, params: &mut Map<String, Value>, set_none: bool) {
    for (name, s) in spec {
        let default = get(s, "default");
        if !params.contains_key(name) && (default.is_some() || set_none) {
            params.insert(name.clone(), default.cloned().unwrap_or(Value::Null));
        }
    }
}

impl Validation {
    /// `_handle_aliases`: a value given by an alias becomes the option's (the alias wins); alias →
    /// option. Its errors stop it, as the `ValueError`/`TypeError` it raises.
    fn aliases(
        &mut self,
        spec: &Map<String, Value>,
        params: &mut Map<String, Value>,
    ) -> Map<String, Value> {
        match aliases_of(spec, Some(params)) {
            Ok(found) => found,
            Err(e) => {
                self.errors.push(e);
                Map::new()
            }
        }
    }

    /// `_list_no_log_values`: walks the sub-options of `dict` options, converting a string to a
    /// dict; its first failure is an error.
    fn no_log_walk(&mut self, spec: &Map<String, Value>, params: &Map<String, Value>) {
        if let Err(e) = no_log_walk(spec, params) {
            self.errors.push(e);
        }
    }

    /// `_get_unsupported_parameters`: names that are neither options nor aliases. Listing what the
    /// level supports reads its aliases again: an error there drops the level's unknown names.
    fn unsupported(
        &mut self,
        spec: &Map<String, Value>,
        params: &Map<String, Value>,
        aliases: &Map<String, Value>,
        context: &[String],
    ) {
        let unknown: Vec<&String> = params
            .keys()
            .filter(|name| !spec.contains_key(*name) && !aliases.contains_key(*name))
            .collect();
        if unknown.is_empty() {
            return;
        }
        match aliases_of(spec, None) {
            Ok(found) => {
                self.supported = (
                    spec.keys().cloned().collect(),
                    found.keys().cloned().collect(),
                );
            }
            Err(e) => {
                self.errors.push(e);
                return;
            }
        }
        for name in unknown {
            let mut path = context.to_vec();
            path.push(name.clone());
            self.unsupported.push(path.join("."));
        }
    }

    fn unsupported_message(&self) -> Option<String> {
        if self.unsupported.is_empty() {
            return None;
        }
        let mut names = self.unsupported.clone();
        names.sort();
        names.dedup();
        let (mut options, mut aliases) = self.supported.clone();
        options.sort();
        aliases.sort();
        let mut supported = options.join(", ");
        if !aliases.is_empty() {
            supported = format!("{supported} ({})", aliases.join(", "));
        }
        Some(format!(
            "{}. Supported parameters include: {supported}.",
            names.join(", ")
        ))
    }

    /// `_validate_argument_types`: each value converted to its type (and its `elements`).
    fn types(
        &mut self,
        spec: &Map<String, Value>,
        params: &mut Map<String, Value>,
        context: &[String],
    ) {
        let in_context = match context {
            [] => String::new(),
            names => format!(" found in '{}'.", names.join(" -> ")),
        };
        for (name, s) in spec {
            let Some(value) = params.get(name).cloned() else {
                continue;
            };
            let required = get(s, "required").is_some_and(crate::de::truthy);
            if value.is_null() && !required && get(s, "default").is_none() {
                continue;
            }
            let wanted = type_name(s);
            let converted = match types::convert(&wanted, &value) {
                Ok(converted) => converted,
                Err(e) => {
                    self.errors.push(format!(
                        "argument '{name}' is of type {}{in_context} and we were unable to convert to {wanted}: {e}",
                        crate::de::python_type(&value)
                    ));
                    continue;
                }
            };
            params.insert(name.clone(), converted.clone());
            let Some(elements) = get(s, "elements").filter(|e| crate::de::truthy(e)) else {
                continue;
            };
            if !converted.is_array() {
                self.errors.push(format!(
                    "Invalid type {wanted} for option '{}'{in_context}, elements value check is supported only with 'list' type",
                    python::str_of(&converted)
                ));
            }
            let items = match converted {
                Value::Array(items) => items,
                Value::Object(map) => map.keys().map(|k| Value::from(k.as_str())).collect(),
                Value::String(s) => s.chars().map(|c| Value::String(c.to_string())).collect(),
                other => {
                    self.errors.push(format!(
                        "argument '{name}' is of type {}{in_context} and we were unable to convert to {wanted}: '{}' object is not iterable",
                        crate::de::python_type(&value),
                        crate::de::python_type(&other)
                    ));
                    continue;
                }
            };
            let element_type = python::str_of(elements);
            let checked = self.elements(&element_type, name, items, context);
            params.insert(name.clone(), Value::Array(checked));
        }
    }

    /// `_validate_elements`: the items that convert; the others are errors and left out.
    fn elements(
        &mut self,
        wanted: &str,
        name: &str,
        items: Vec<Value>,
        context: &[String],
    ) -> Vec<Value> {
        let in_context = match context {
            [] => String::new(),
            names => format!(" found in '{}'", names.join(" -> ")),
        };
        let mut checked = Vec::with_capacity(items.len());
        for item in items {
            match types::convert(wanted, &item) {
                Ok(v) => checked.push(v),
                Err(e) => self.errors.push(format!(
                    "Elements value for option '{name}'{in_context} is of type {} and we were unable to convert to {wanted}: {e}",
                    crate::de::python_type(&item)
                )),
            }
        }
        checked
    }

    /// `_validate_argument_values`: `choices` (every item of a list value).
    fn choices(
        &mut self,
        spec: &Map<String, Value>,
        params: &mut Map<String, Value>,
        context: &[String],
    ) {
        for (name, s) in spec {
            let Some(choices) = get(s, "choices") else {
                continue;
            };
            let Value::Array(choices) = choices else {
                self.errors.push(format!(
                    "internal error: choices for argument {name} are not iterable: {}{}",
                    python::str_of(choices),
                    found_in(context)
                ));
                continue;
            };
            let Some(value) = params.get_mut(name) else {
                continue;
            };
            let listed = || {
                choices
                    .iter()
                    .map(python::str_of)
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            if let Value::Array(items) = value {
                let off: Vec<String> = items
                    .iter()
                    .filter(|i| !python::contains(choices, i))
                    .map(python::str_of)
                    .collect();
                if !off.is_empty() {
                    self.errors.push(format!(
                        "value of {name} must be one or more of: {}. Got no match for: {}{}",
                        listed(),
                        off.join(", "),
                        found_in(context)
                    ));
                }
                continue;
            }
            if python::contains(choices, value) {
                continue;
            }
            // A boolean turned into 'True'/'False' by `str` matches the one choice that spells it.
            for (word, truth) in [("False", false), ("True", true)] {
                if value.as_str() == Some(word)
                    && let [only] = boolean_choices(choices, truth).as_slice()
                {
                    *value = (*only).clone();
                }
            }
            if !python::contains(choices, value) {
                self.errors.push(format!(
                    "value of {name} must be one of: {}, got: {}{}",
                    listed(),
                    python::str_of(value),
                    found_in(context)
                ));
            }
        }
    }

    /// `_validate_sub_spec`: each `dict` option's value (or each item of a list of them) checked
    /// against its `options`, with the option's own group checks.
    fn sub_specs(
        &mut self,
        spec: &Map<String, Value>,
        params: &mut Map<String, Value>,
        context: &mut Vec<String>,
    ) {
        for (name, s) in spec {
            if !has_sub_level(s) {
                continue;
            }
            let sub = get(s, "options").map(option_spec);
            if get(s, "apply_defaults").is_some_and(crate::de::truthy) {
                if sub.is_none() {
                    continue;
                }
                if params.get(name).is_none_or(Value::is_null) {
                    params.insert(name.clone(), Value::Object(Map::new()));
                }
            }
            let (Some(sub), Some(value)) = (sub, params.get_mut(name).filter(|v| !v.is_null()))
            else {
                continue;
            };
            context.push(name.clone());
            let items: Vec<&mut Value> = match value {
                Value::Array(items) => items.iter_mut().collect(),
                single => vec![single],
            };
            for item in items {
                let Value::Object(level) = item else {
                    self.errors.push(format!(
                        "value of '{name}' must be of type dict or list of dicts"
                    ));
                    continue;
                };
                self.level(s, sub, level, context);
            }
            context.pop();
        }
    }

    /// One sub-level: the steps of [`validate`], with the group checks of the option `owner`.
    fn level(
        &mut self,
        owner: &Value,
        spec: &Map<String, Value>,
        params: &mut Map<String, Value>,
        context: &mut Vec<String>,
    ) {
        let aliases = self.aliases(spec, params);
        self.no_log_walk(spec, params);
        self.unsupported(spec, params, &aliases, context);
        self.errors.extend(checks::mutually_exclusive(
            get(owner, "mutually_exclusive"),
            params,
            context,
        ));
        set_defaults(spec, params, false);
        self.errors
            .extend(checks::required_arguments(spec, params, context));
        self.types(spec, params, context);
        self.choices(spec, params, context);
        let groups = [
            checks::required_together(get(owner, "required_together"), params, context),
            checks::required_one_of(get(owner, "required_one_of"), params, context),
            checks::required_if(get(owner, "required_if"), params, context),
            checks::required_by(get(owner, "required_by"), params, context),
        ];
        self.errors.extend(groups.into_iter().flatten());
        set_defaults(spec, params, true);
        self.sub_specs(spec, params, context);
    }
}

/// The distinct choices Python's `BOOLEANS_FALSE`/`BOOLEANS_TRUE` holds (`0`, `False` and `0.0`
/// are one value).
fn boolean_choices(choices: &[Value], truth: bool) -> Vec<&Value> {
    let mut found: Vec<&Value> = Vec::new();
    for choice in choices.iter().filter(|c| types::is_boolean_word(c, truth)) {
        if !found.iter().any(|f| python::equal(f, choice)) {
            found.push(choice);
        }
    }
    found
}

/// alias → option for a level; with `params`, a value given by an alias is copied to its option.
fn aliases_of(
    spec: &Map<String, Value>,
    mut params: Option<&mut Map<String, Value>>,
) -> Result<Map<String, Value>, String> {
    let mut found = Map::new();
    for (name, s) in spec {
        let required = get(s, "required").is_some_and(crate::de::truthy);
        if required && get(s, "default").is_some() {
            return Err(format!(
                "internal error: required and default are mutually exclusive for {name}"
            ));
        }
        let aliases = match get(s, "aliases") {
            None => continue,
            Some(Value::Array(aliases)) => aliases,
            Some(_) => return Err("internal error: aliases must be a list or tuple".into()),
        };
        for alias in aliases.iter().map(python::str_of) {
            found.insert(alias.clone(), Value::from(name.as_str()));
            if let Some(params) = params.as_deref_mut()
                && let Some(value) = params.get(&alias).cloned()
            {
                params.insert(name.clone(), value);
            }
        }
    }
    Ok(found)
}

fn no_log_walk(spec: &Map<String, Value>, params: &Map<String, Value>) -> Result<(), String> {
    for (name, s) in spec {
        let Some(sub) = get(s, "options").map(option_spec) else {
            continue;
        };
        let Some(value) = params.get(name).filter(|v| !v.is_null()) else {
            continue;
        };
        if !has_sub_level(s) {
            continue;
        }
        let items = match value {
            Value::Array(items) => items.iter().collect(),
            single => vec![single],
        };
        for item in items {
            let converted;
            let item = match item {
                Value::String(_) => {
                    converted = types::dict_from(item)?;
                    &converted
                }
                other => other,
            };
            let Value::Object(level) = item else {
                return Err(format!(
                    "Value '{}' in the sub parameter field '{name}' must be a {}, not '{}'",
                    python::str_of(item),
                    type_name(s),
                    crate::de::python_type(item)
                ));
            };
            no_log_walk(sub, level)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize)]
    struct Case {
        spec: Map<String, Value>,
        params: Map<String, Value>,
        errors: Vec<String>,
    }

    /// The list of valid booleans is a Python set: its order changes from run to run.
    fn stable(message: &str) -> String {
        match message.split_once("Valid booleans include:") {
            Some((head, _)) => format!("{head}Valid booleans include: …"),
            None => message.to_string(),
        }
    }

    /// Every row of cases.json: ansible-core 2.19's messages, in its order.
    #[test]
    fn every_case_gives_ansible_cores_messages_in_its_order() {
        let cases: Vec<Case> = serde_json::from_str(include_str!("cases.json"))
            .unwrap_or_else(|e| panic!("cases.json: {e}"));
        let mut wrong = Vec::new();
        for case in cases {
            let got: Vec<String> = validate(&case.spec, case.params.clone())
                .iter()
                .map(|m| stable(m))
                .collect();
            let want: Vec<String> = case.errors.iter().map(|m| stable(m)).collect();
            if got != want {
                wrong.push(format!(
                    "spec {}\nparams {}\n  ansible-core: {want:?}\n  drover:       {got:?}",
                    Value::Object(case.spec),
                    Value::Object(case.params)
                ));
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n\n"));
    }
}
