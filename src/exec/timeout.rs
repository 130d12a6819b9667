//! Task timeouts: the `timeout:` keyword, else `--task-timeout` (0 or unset: none). As in
//! Ansible, the limit applies to each pass of a task (each loop item) from the moment the module
//! starts; a pass that runs out fails with Ansible's message, its remote commands abandoned.

use super::RunContext;
use super::result::TaskResult;
use crate::playbook::Task;
use crate::template::Vars;
use serde_json::{Map, Value};
use std::time::Duration;

/// The limit for one pass of `task`, or `None`. A `timeout:` that is not a whole number of
/// seconds fails the task, naming what it got.
pub fn limit(ctx: &RunContext<'_>, task: &Task, vars: &Vars) -> Result<Option<Duration>, String> {
    let Some(raw) = &task.timeout else {
        return Ok(ctx.options.task_timeout);
    };
    let rendered = ctx
        .templar
        .render_value(raw, vars)
        .map_err(|e| format!("timeout: {e}"))?;
    let seconds = match &rendered {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
    .ok_or_else(|| {
        format!(
            "timeout must be a whole number of seconds, got {rendered} (at {})",
            task.origin
        )
    })?;
    Ok((seconds > 0).then(|| Duration::from_secs(seconds)))
}

/// Ansible's result for a pass that ran out of time.
pub fn timed_out(limit: Duration, action: &'static str) -> TaskResult {
    let seconds = limit.as_secs();
    let mut result = TaskResult::failed(
        format!("Task failed: Timed out after {seconds} second(s)."),
        action,
    );
    let mut detail = Map::new();
    detail.insert("period".into(), Value::from(seconds));
    result
        .result
        .insert("timedout".into(), Value::Object(detail));
    result
}
