//! `set_stats`: custom statistics a playbook gathers, shown after the recap (Ansible's CUSTOM
//! STATS) and in the JSON output. Per host or for the whole run (`_run`), and with `aggregate`
//! (the default) added to what is there as Ansible's `AggregateStats.update_custom_stats` does:
//! mappings merged, numbers summed, strings and lists concatenated; a value of another type is
//! left as it was.

use super::Run;
use super::result::{Status, TaskResult};
use crate::playbook::Task;
use serde_json::{Map, Value};

/// The key of the run-wide statistics, as Ansible names it.
pub const RUN: &str = "_run";

/// A name ansible-core's `isidentifier` accepts for a statistic.
fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_')
}

/// `set_stats`'s result for these (rendered) arguments: Ansible's `ansible_stats`.
pub fn run(args: Map<String, Value>) -> TaskResult {
    const ACTION: &str = "set_stats";
    let data = match args.get("data") {
        Some(Value::Object(data)) => data.clone(),
        // ansible-core's exact message (its set_stats target compares it).
        Some(_) => {
            return TaskResult::failed(
                "The 'data' option needs to be a dictionary/hash".into(),
                ACTION,
            );
        }
        None => {
            return TaskResult::failed(
                "(set_stats) module: missing required arguments: data".into(),
                ACTION,
            );
        }
    };
    // ansible-core's set_stats: `boolean(value, strict=False)` — a value that is not one of
    // Ansible's true words is false, never an error.
    let flag = |name: &str, default: bool| match args.get(name) {
        None | Some(Value::Null) => default,
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => {
            ["y", "yes", "on", "1", "true", "t"].contains(&s.to_ascii_lowercase().as_str())
        }
        Some(Value::Number(n)) => n.as_f64() == Some(1.0),
        Some(_) => false,
    };
    let (per_host, aggregate) = (flag("per_host", false), flag("aggregate", true));
    if let Some(bad) = data.keys().find(|k| !is_identifier(k)) {
        return TaskResult::failed(
            format!("Task failed: Invalid variable name '{bad}'."),
            ACTION,
        );
    }
    let mut stats = Map::new();
    stats.insert("data".into(), Value::Object(data));
    stats.insert("per_host".into(), Value::Bool(per_host));
    stats.insert("aggregate".into(), Value::Bool(aggregate));
    let mut result = Map::new();
    result.insert("changed".into(), Value::Bool(false));
    result.insert("ansible_stats".into(), Value::Object(stats));
    TaskResult::new(Status::Ok, result, ACTION)
}

/// Adds one host's `set_stats` result to the run's custom statistics.
pub fn record(custom: &mut Map<String, Value>, host: &str, result: &TaskResult) {
    if matches!(
        result.status,
        Status::Failed | Status::Skipped | Status::Unreachable
    ) {
        return;
    }
    let Some(Value::Object(stats)) = result.result.get("ansible_stats") else {
        return;
    };
    let Some(Value::Object(data)) = stats.get("data") else {
        return;
    };
    let per_host = stats.get("per_host") == Some(&Value::Bool(true));
    let aggregate = stats.get("aggregate") != Some(&Value::Bool(false));
    let key = if per_host { host } else { RUN };
    let Value::Object(slot) = custom
        .entry(key.to_string())
        .or_insert_with(|| Value::Object(Map::new()))
    else {
        return;
    };
    for (name, value) in data {
        match slot.get_mut(name) {
            Some(old) if aggregate => add(old, value),
            _ => {
                slot.insert(name.clone(), value.clone());
            }
        }
    }
}

/// `old += new` as Python does it for the types Ansible's stats hold.
fn add(old: &mut Value, new: &Value) {
    match (old, new) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in b {
                a.insert(k.clone(), v.clone());
            }
        }
        (Value::Array(a), Value::Array(b)) => a.extend(b.iter().cloned()),
        (Value::String(a), Value::String(b)) => a.push_str(b),
        (old @ Value::Number(_), Value::Number(b)) => {
            let sum = match (old.as_i64(), b.as_i64()) {
                (Some(x), Some(y)) => x.checked_add(y).map(Value::from),
                _ => None,
            };
            let sum = sum.unwrap_or_else(|| {
                Value::from(old.as_f64().unwrap_or(0.0) + b.as_f64().unwrap_or(0.0))
            });
            *old = sum;
        }
        (Value::Bool(a), Value::Bool(b)) => *a = *a || *b,
        // Ansible leaves a value alone when the new one has another type.
        _ => {}
    }
}

impl Run<'_> {
    /// The round's `set_stats` results into the run's custom statistics.
    pub(super) fn take_stats(&mut self, task: &Task, results: &[(String, TaskResult)]) {
        if task.module.name() != "set_stats" {
            return;
        }
        for (host, result) in results {
            record(&mut self.summary.custom_stats, host, result);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn args(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn run_stats_aggregate_as_ansibles_and_per_host_ones_are_apart() {
        // As ansible-playbook 2.19 reports it: RUN: {"h": "w1w2", "x": 2}, w1: {"y": 2}.
        let mut custom = Map::new();
        for host in ["w1", "w2"] {
            let r = run(args(json!({"data": {"x": 1, "h": host}})));
            record(&mut custom, host, &r);
            let r = run(args(json!({"data": {"y": 2}, "per_host": true})));
            record(&mut custom, host, &r);
        }
        assert_eq!(
            Value::Object(custom),
            json!({"_run": {"x": 2, "h": "w1w2"}, "w1": {"y": 2}, "w2": {"y": 2}})
        );
    }

    #[test]
    fn without_aggregate_the_last_value_wins_and_types_must_match() {
        let mut custom = Map::new();
        for (data, aggregate) in [
            (json!({"l": [1], "d": {"a": 1}, "n": 1}), true),
            (json!({"l": [2], "d": {"b": 2}, "n": "x"}), true),
            (json!({"l": [3]}), false),
        ] {
            let r = run(args(json!({"data": data, "aggregate": aggregate})));
            record(&mut custom, "h", &r);
        }
        assert_eq!(
            custom[RUN],
            json!({"l": [3], "d": {"a": 1, "b": 2}, "n": 1})
        );
        assert_eq!(run(args(json!({"data": 1}))).status, Status::Failed);
    }
}
