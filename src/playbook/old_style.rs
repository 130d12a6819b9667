//! The old-style ways of naming a task's module, read as Ansible's `ModArgsParser` reads them:
//! `action: MODULE ARGS`, `action: {module: MODULE, ARG: …}` and `local_action:` in the same two
//! forms (which also delegates the task to `localhost`). Each becomes the task it stands for,
//! `MODULE: ARGS`, before anything else looks at the task, so an `action: include_tasks x.yml` is an
//! include and an `action: import_tasks x.yml` an import, exactly as the new-style spelling.

use super::raw::{RawMap, RawTask};
use crate::yaml::Spanned;
use serde_json::{Map, Value};

const OLD_STYLE_KEYS: [&str; 2] = ["action", "local_action"];

/// The task with its `action:`/`local_action:` rewritten as `MODULE: ARGS`; `None` when it has
/// neither (or is a block, whose keywords are checked as a block's). An `Err` says why the value
/// cannot name a module.
pub fn new_style(raw: &RawTask) -> Option<Result<RawTask, String>> {
    if raw.value.is_block() {
        return None;
    }
    let mut present = raw
        .value
        .iter()
        .filter(|(k, _)| OLD_STYLE_KEYS.contains(&k.value.as_str()));
    let (key, value) = present.next()?;
    if let Some((second, _)) = present.next() {
        return Some(Err(format!(
            "conflicting action statements: {}, {}",
            key.value, second.value
        )));
    }
    let local = key.value == "local_action";
    if local && raw.value.contains_key("delegate_to") {
        return Some(Err(
            "`local_action` and `delegate_to` cannot be used together".into(),
        ));
    }
    let (module, args, extra) = match split_action(&key.value, &value.value) {
        Ok(parts) => parts,
        Err(msg) => return Some(Err(msg)),
    };
    let at = |v: Value| Spanned::new(v, value.referenced, value.defined);
    let named = |s: &str| Spanned::new(s.to_string(), key.referenced, key.defined);
    let mut entries: Vec<_> = raw
        .value
        .iter()
        .filter(|(k, _)| k.value != key.value)
        .cloned()
        .collect();
    if !extra.is_empty() {
        entries.push((named("args"), at(merged_args(&raw.value, extra))));
    }
    entries.push((named(&module), at(args)));
    if local {
        entries.push((named("delegate_to"), at(Value::from("localhost"))));
    }
    Some(Ok(Spanned::new(
        RawMap::from_entries(entries),
        raw.referenced,
        raw.defined,
    )))
}

/// `(module, its argument value, arguments for the args: keyword)`. The argument value is the
/// module's own text when it has some (`copy src=a`, `shell echo hi`), so the module reads it as
/// it reads `MODULE: TEXT` (free-form or `k=v`); a mapping's other keys are arguments too.
fn split_action(
    keyword: &str,
    value: &Value,
) -> Result<(String, Value, Map<String, Value>), String> {
    match value {
        Value::String(line) => {
            let (module, rest) =
                split_module_string(line).ok_or_else(|| format!("`{keyword}` names no module"))?;
            Ok((module, text_or_null(rest), Map::new()))
        }
        Value::Object(map) => {
            let Some(Value::String(line)) = map.get("module") else {
                return Err(format!(
                    "no module/action detected in this task: `{keyword}` as a mapping needs `module:`"
                ));
            };
            let (module, rest) = split_module_string(line)
                .ok_or_else(|| format!("`{keyword}`'s `module:` names no module"))?;
            let mut others = map.clone();
            others.remove("module");
            if rest.is_empty() {
                Ok((module, Value::Object(others), Map::new()))
            } else {
                Ok((module, Value::String(rest), others))
            }
        }
        other => Err(format!(
            "unexpected parameter type in {keyword}: {}",
            json_type(other)
        )),
    }
}

/// `copy src=a dest=b` → (`copy`, `src=a dest=b`).
fn split_module_string(line: &str) -> Option<(String, String)> {
    let line = line.trim();
    if line.is_empty() {
        return None;
    }
    let (module, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
    Some((module.to_string(), rest.trim().to_string()))
}

fn text_or_null(text: String) -> Value {
    if text.is_empty() {
        Value::Null
    } else {
        Value::String(text)
    }
}

/// The task's own `args:` with a mapping's other keys over it (they are the action's own).
fn merged_args(keys: &RawMap, extra: Map<String, Value>) -> Value {
    let mut args = match keys.value("args") {
        Some(Value::Object(map)) => map.clone(),
        _ => Map::new(),
    };
    args.extend(extra);
    Value::Object(args)
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "list",
        Value::Object(_) => "mapping",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(yaml: &str) -> RawTask {
        let tasks: Vec<RawTask> =
            crate::yaml::from_str(yaml, std::path::Path::new("t.yml")).expect("test yaml");
        tasks.into_iter().next().expect("one task")
    }

    fn keys(raw: &RawTask) -> Vec<(String, Value)> {
        raw.value
            .iter()
            .map(|(k, v)| (k.value.clone(), v.value.clone()))
            .collect()
    }

    #[test]
    fn an_action_line_becomes_the_module_with_its_text() {
        let raw = new_style(&task("- name: n\n  action: include_tasks tasks1.yml\n"))
            .unwrap()
            .unwrap();
        assert_eq!(
            keys(&raw),
            [
                ("name".into(), Value::from("n")),
                ("include_tasks".into(), Value::from("tasks1.yml"))
            ]
        );
    }

    #[test]
    fn an_action_mapping_becomes_the_module_with_the_other_keys() {
        let raw = new_style(&task("- action:\n    module: debug\n    msg: hi\n"))
            .unwrap()
            .unwrap();
        assert_eq!(
            keys(&raw),
            [("debug".into(), serde_json::json!({"msg": "hi"}))]
        );
    }

    #[test]
    fn a_mapping_whose_module_has_text_keeps_the_text_and_passes_the_rest_as_args() {
        let raw = new_style(&task(
            "- action:\n    module: shell echo hi\n    chdir: /tmp\n  args:\n    creates: /x\n",
        ))
        .unwrap()
        .unwrap();
        assert_eq!(
            keys(&raw),
            [
                (
                    "args".into(),
                    serde_json::json!({"creates": "/x", "chdir": "/tmp"})
                ),
                ("shell".into(), Value::from("echo hi")),
            ]
        );
    }

    #[test]
    fn local_action_also_delegates_to_localhost() {
        let raw = new_style(&task("- local_action: command true\n"))
            .unwrap()
            .unwrap();
        assert_eq!(
            keys(&raw),
            [
                ("command".into(), Value::from("true")),
                ("delegate_to".into(), Value::from("localhost"))
            ]
        );
    }

    #[test]
    fn refusals_name_the_problem() {
        let err = |y: &str| new_style(&task(y)).unwrap().unwrap_err();
        assert_eq!(
            err("- action: ping\n  local_action: ping\n"),
            "conflicting action statements: action, local_action"
        );
        assert!(err("- action: [ping]\n").contains("unexpected parameter type in action"));
        assert!(err("- action: {msg: x}\n").contains("needs `module:`"));
        assert!(
            err("- local_action: ping\n  delegate_to: h\n").contains("cannot be used together")
        );
        assert!(new_style(&task("- ping:\n")).is_none());
    }
}
