//! `async`/`poll`: a task given `async: N` with a poll interval runs for at most N seconds, then
//! fails with the result Ansible gives. drover keeps the command on the host's connection while it runs (a
//! polled async task behaves the same seen from the playbook, without a job file on the target);
//! `poll: 0` (fire-and-forget) is not supported yet and refused.

use super::RunContext;
use super::result::TaskResult;
use crate::playbook::Task;
use crate::template::Vars;
use serde_json::Value;
use std::time::Duration;

/// How long a task with `async:` may run; `None` without `async` (or `async: 0`).
pub fn limit(ctx: &RunContext<'_>, task: &Task, vars: &Vars) -> Result<Option<Duration>, String> {
    let Some(raw) = &task.async_seconds else {
        return Ok(None);
    };
    let seconds = whole_seconds(ctx, raw, vars, "async")?;
    if seconds == 0 {
        return Ok(None);
    }
    if let Some(poll) = &task.poll
        && whole_seconds(ctx, poll, vars, "poll")? == 0
    {
        return Err(fire_and_forget(&task.origin.to_string()));
    }
    Ok(Some(Duration::from_secs(seconds)))
}

/// Why `poll: 0` is refused (at load time, or at run time when it was a template).
pub fn fire_and_forget(at: &str) -> String {
    format!(
        "`poll: 0` (fire-and-forget async task, checked with async_status) is not supported yet (at {at}); give `poll` a number of seconds > 0 to wait for the task"
    )
}

fn whole_seconds(
    ctx: &RunContext<'_>,
    raw: &Value,
    vars: &Vars,
    what: &str,
) -> Result<u64, String> {
    let rendered = ctx
        .templar
        .render_value(raw, vars)
        .map_err(|e| format!("{what}: {e}"))?;
    match &rendered {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
    .ok_or_else(|| format!("{what} must be a whole number of seconds, got {rendered}"))
}

/// Ansible's result for an async task that ran out of time: its job wrapper kills the job after
/// `async` seconds and reports "Timeout exceeded" (ansible-core 2.19, checked with `-c local`).
pub fn timed_out(action: &'static str) -> TaskResult {
    let mut result = TaskResult::failed("Timeout exceeded".into(), action);
    for flag in ["finished", "started"] {
        result.result.insert(flag.into(), Value::Bool(true));
    }
    for stream in ["stdout", "stderr"] {
        result.result.insert(stream.into(), Value::from(""));
        result
            .result
            .insert(format!("{stream}_lines"), Value::Array(Vec::new()));
    }
    result
}
