//! A role's `argument_specs` (in `meta/argument_specs.yml`, else `meta/main.yml`): before a role
//! entered by an entry point that has a spec runs any task, Ansible validates the role's
//! arguments with a `validate_argument_spec` task it puts first, tagged `always`. drover builds the
//! same task, so the check, its name, its messages and its result are Ansible's.

use super::load::{LoadError, invalid};
use super::raw::{RawMap, RawTask};
use crate::yaml::{self, Origin, Spanned};
use serde_json::{Map, Value, json};
use std::path::{Path, PathBuf};

/// The specs of a role: entry point (`main`, a `tasks_from` name) → its spec, and their file.
#[derive(Debug, Clone, Default)]
pub struct ArgumentSpecs {
    pub file: PathBuf,
    pub entry_points: Map<String, Value>,
}

/// `meta/argument_specs.{yml,yaml,json}` wins over `meta/main.yml`'s `argument_specs` (Ansible does
/// not merge the two). `from_main` is `meta/main.yml`'s value and file, when it has one.
pub fn read(role: &Path, from_main: Option<(&Path, &Value)>) -> Result<ArgumentSpecs, LoadError> {
    for ext in ["yml", "yaml", "json"] {
        let file = role.join("meta").join(format!("argument_specs.{ext}"));
        if file.is_file() {
            let loaded: Option<Value> = yaml::from_file(&file)?;
            let specs = loaded
                .as_ref()
                .and_then(|v| v.get("argument_specs"))
                .cloned();
            return entry_points(file, specs);
        }
    }
    match from_main {
        Some((file, specs)) => entry_points(file.to_path_buf(), Some(specs.clone())),
        None => Ok(ArgumentSpecs::default()),
    }
}

fn entry_points(file: PathBuf, specs: Option<Value>) -> Result<ArgumentSpecs, LoadError> {
    let entry_points = match specs {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(map)) => map,
        Some(other) => {
            return Err(invalid(
                &Origin::new(&file, 1),
                format!("argument_specs must be a mapping of entry points, not {other}"),
            ));
        }
    };
    Ok(ArgumentSpecs { file, entry_points })
}

/// What a validation task names: the role, its directory and parameters.
pub struct Validated<'a> {
    pub role_name: &'a str,
    pub role_path: &'a Path,
    pub entry_point: &'a str,
    pub params: &'a Map<String, Value>,
}

/// The task Ansible puts first in the role (`Role._create_validation_task`), or `None` when the
/// entry point has no (or an empty) spec.
pub fn validation_task(
    specs: &ArgumentSpecs,
    role: &Validated<'_>,
) -> Result<Option<RawTask>, LoadError> {
    let spec = match specs.entry_points.get(role.entry_point) {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Object(spec)) if spec.is_empty() => return Ok(None),
        Some(Value::Object(spec)) => spec,
        Some(other) => {
            return Err(invalid(
                &Origin::new(&specs.file, 1),
                format!(
                    "the argument spec of entry point '{}' must be a mapping, not {other}",
                    role.entry_point
                ),
            ));
        }
    };
    let mut name = format!(
        "Validating arguments against arg spec '{}'",
        role.entry_point
    );
    if let Some(short) = spec.get("short_description") {
        let short = match short {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        name = format!("{name} - {short}");
    }
    let options = match spec.get("options") {
        None | Some(Value::Null) => Value::Object(Map::new()),
        Some(options) => options.clone(),
    };
    let args = json!({
        "argument_spec": options,
        "provided_arguments": role.params,
        "validate_args_context": {
            "type": "role",
            "name": role.role_name,
            "argument_spec_name": role.entry_point,
            "path": std::path::absolute(role.role_path)
                .unwrap_or_else(|_| role.role_path.to_path_buf())
                .display()
                .to_string(),
        },
    });
    let unknown = serde_saphyr::Location::UNKNOWN;
    let entry = |key: &str, value: Value| {
        (
            Spanned::new(key.to_string(), unknown, unknown),
            Spanned::new(value, unknown, unknown),
        )
    };
    let task = RawMap::from_entries(vec![
        entry("name", Value::String(name)),
        entry("validate_argument_spec", args),
        entry("tags", json!(["always"])),
    ]);
    Ok(Some(Spanned::new(task, unknown, unknown)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn specs(value: Value) -> ArgumentSpecs {
        entry_points(PathBuf::from("meta/main.yml"), Some(value)).expect("specs")
    }

    fn task_for(specs: &ArgumentSpecs, entry_point: &str) -> Option<RawTask> {
        let params = Map::from_iter([("port".to_string(), json!(80))]);
        let role = Validated {
            role_name: "web",
            role_path: Path::new("/roles/web"),
            entry_point,
            params: &params,
        };
        validation_task(specs, &role).expect("valid spec")
    }

    #[test]
    fn an_entry_point_with_a_spec_gets_ansibles_validation_task() {
        let s = specs(
            json!({"main": {"short_description": "Web", "options": {"port": {"type": "int"}}}}),
        );
        let task = task_for(&s, "main").expect("a task");
        assert_eq!(
            task.value.value("name"),
            Some(&json!("Validating arguments against arg spec 'main' - Web"))
        );
        assert_eq!(task.value.value("tags"), Some(&json!(["always"])));
        assert_eq!(
            task.value.value("validate_argument_spec"),
            Some(&json!({
                "argument_spec": {"port": {"type": "int"}},
                "provided_arguments": {"port": 80},
                "validate_args_context": {"type": "role", "name": "web", "argument_spec_name": "main", "path": "/roles/web"},
            }))
        );
    }

    #[test]
    fn no_spec_for_the_entry_point_or_an_empty_one_adds_nothing() {
        assert!(task_for(&specs(json!({})), "main").is_none());
        assert!(task_for(&specs(json!({"main": {}})), "main").is_none());
        assert!(task_for(&specs(json!({"main": {"options": {}}})), "other").is_none());
    }
}
