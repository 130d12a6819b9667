//! One pass of a task (the task itself, or one loop item), repeated as `until`/`retries`/`delay`
//! ask — ansible-core's attempt loop in `TaskExecutor._execute`:
//!
//! - attempts = 1 + `retries` when `retries` is set (a negative value counts as 0), else 1 + 3
//!   when `until` is set (the ansible-core 2.16+ default);
//! - after each attempt `until` is evaluated with the result registered (without `until`, a
//!   `retries` task is retried while it fails); between attempts drover waits `delay` seconds
//!   (default 5, a negative delay is 1);
//! - `attempts` is in the result; when no attempt satisfied `until`, the task fails with
//!   `attempts` = the number of retries (ansible-core's count).

use super::RunContext;
use super::host::HostState;
use super::loops::seconds;
use super::result::{RetryNote, Status, TaskResult};
use super::worker;
use crate::playbook::{Retry, Task};
use crate::template::Vars;
use serde_json::Value;
use std::time::Duration;

/// Ansible's `delay` when a task sets none.
const DEFAULT_DELAY: Duration = Duration::from_secs(5);
/// Ansible's retries when `until` is set without `retries`.
const DEFAULT_RETRIES: u64 = 3;

/// Runs one pass of `task` with `vars`, retried as its `until`/`retries` say.
pub async fn run_pass(
    ctx: &RunContext<'_>,
    host: &mut HostState,
    task: &Task,
    vars: &Vars,
) -> TaskResult {
    let Some(retry) = &task.retry else {
        let mut result = worker::run_once(ctx, host, task, vars, None).await;
        settle(&mut result);
        return result;
    };
    let action = task.module.name();
    let (attempts, delay) = match attempts_and_delay(ctx, retry, vars) {
        Ok(plan) => plan,
        Err(msg) => return TaskResult::failed(msg, action),
    };
    let mut notes = Vec::new();
    let mut attempt: u64 = 1;
    loop {
        let counted = (attempts > 1).then_some(attempt);
        let mut result = worker::run_once(ctx, host, task, vars, counted).await;
        if matches!(
            result.status,
            Status::Skipped | Status::Unreachable | Status::Interrupted
        ) {
            result.retries = notes;
            return result;
        }
        settle(&mut result);
        if attempts > 1 {
            result
                .result
                .insert("attempts".into(), Value::from(attempt));
        }
        if attempts <= 1 {
            return result;
        }
        match done(ctx, task, retry, vars, &result) {
            Ok(true) => {
                result.retries = notes;
                return result;
            }
            Ok(false) => {}
            Err(msg) => {
                let mut failed = TaskResult::failed(msg, action);
                failed.retries = notes;
                failed.ignored = worker::truthy(ctx, &task.ignore_errors, vars);
                return failed;
            }
        }
        if attempt >= attempts {
            give_up(ctx, task, vars, &mut result, attempts);
            result.retries = notes;
            return result;
        }
        notes.push(RetryNote {
            left: attempts - attempt,
            result: result.result.clone(),
        });
        let interrupted = tokio::select! {
            _ = tokio::time::sleep(delay) => false,
            _ = ctx.interrupt.wait() => true,
        };
        if interrupted {
            result.retries = notes;
            return result;
        }
        attempt += 1;
    }
}

/// Ansible fills in what a result leaves out: `changed` false, and `failed` from the outcome.
fn settle(result: &mut TaskResult) {
    if result.status == Status::Skipped {
        return;
    }
    let failed = result.status == Status::Failed;
    result.result.entry("changed").or_insert(Value::Bool(false));
    result.result.entry("failed").or_insert(Value::Bool(failed));
}

/// How many attempts in all (the first one included), and the wait between them.
fn attempts_and_delay(
    ctx: &RunContext<'_>,
    retry: &Retry,
    vars: &Vars,
) -> Result<(u64, Duration), String> {
    let retries = match &retry.retries {
        None if retry.until.is_empty() => 0,
        None => DEFAULT_RETRIES,
        Some(value) => whole_number(ctx, value, vars, "retries")?.max(0) as u64,
    };
    let delay = match &retry.delay {
        None => DEFAULT_DELAY,
        Some(value) => {
            let rendered = ctx
                .templar
                .render_value(value, vars)
                .map_err(|e| format!("delay: {e}"))?;
            let negative = rendered.as_f64().is_some_and(|d| d < 0.0)
                || rendered
                    .as_str()
                    .and_then(|s| s.trim().parse::<f64>().ok())
                    .is_some_and(|d| d < 0.0);
            if negative {
                Duration::from_secs(1)
            } else {
                seconds(ctx, &rendered, vars, "delay")?
            }
        }
    };
    Ok((1 + retries, delay))
}

fn whole_number(
    ctx: &RunContext<'_>,
    value: &Value,
    vars: &Vars,
    what: &str,
) -> Result<i64, String> {
    let rendered = ctx
        .templar
        .render_value(value, vars)
        .map_err(|e| format!("{what}: {e}"))?;
    let number = match &rendered {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        Value::String(s) => s.trim().parse::<i64>().ok(),
        _ => None,
    };
    number.ok_or_else(|| format!("{what}: {rendered} is not a whole number"))
}

/// Whether the attempt ends the retries: `until` holds with the result registered (and its facts
/// visible), or, without `until`, the attempt did not fail.
fn done(
    ctx: &RunContext<'_>,
    task: &Task,
    retry: &Retry,
    vars: &Vars,
    result: &TaskResult,
) -> Result<bool, String> {
    if retry.until.is_empty() {
        return Ok(result.status != Status::Failed);
    }
    let mut scope = vars.clone();
    if let Some(Value::Object(facts)) = result.result.get("ansible_facts") {
        scope.extend(facts.clone());
    }
    if let Some(name) = &task.register {
        let registered = crate::template::untrusted(Value::Object(result.result.clone()));
        scope.insert(name.clone(), registered);
    }
    worker::task_conditions_hold(ctx, &retry.until, &scope)
}

/// No attempt satisfied `until`: the task fails, `attempts` being the number of retries.
fn give_up(ctx: &RunContext<'_>, task: &Task, vars: &Vars, result: &mut TaskResult, attempts: u64) {
    result
        .result
        .insert("attempts".into(), Value::from(attempts - 1));
    result.result.insert("failed".into(), Value::Bool(true));
    // ansible-core's `TaskResult.is_failed` asks `failed_when_result` first: a `failed_when` that
    // held false keeps the task from failing even when `until` never did.
    if result.result.get("failed_when_result") == Some(&Value::Bool(false)) {
        return;
    }
    if result.status != Status::Failed {
        result.status = Status::Failed;
        result.ignored = worker::truthy(ctx, &task.ignore_errors, vars);
    }
}
