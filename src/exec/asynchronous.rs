//! `async`/`poll`: a task given `async: N` with a poll interval runs for at most N seconds, then
//! fails with the result Ansible gives. drover keeps the command on the host's connection while it runs (a
//! polled async task behaves the same seen from the playbook, without a job file on the target);
//! `poll: 0` (fire-and-forget) starts a job on the target instead (see `async_job.rs`).

use super::RunContext;
use super::result::TaskResult;
use crate::playbook::Task;
use crate::template::Vars;
use serde_json::Value;
use std::time::Duration;

/// How a task with `async:` runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Waited for, for at most this long.
    Polled(Duration),
    /// `poll: 0`: started as a job on the target and left running (checked with `async_status`).
    Background,
}

/// How a task with `async:` runs; `None` without `async` (or `async: 0`).
pub fn mode(ctx: &RunContext<'_>, task: &Task, vars: &Vars) -> Result<Option<Mode>, String> {
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
        return Ok(Some(Mode::Background));
    }
    Ok(Some(Mode::Polled(Duration::from_secs(seconds))))
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
