//! `reboot` and `wait_for_connection`, the two actions that lose the host's connection on purpose
//! and win it back on the same transport (Ansible's action plugins). The module side
//! (`drover_modules::system::reboot`) holds the arguments, the commands and check mode; here the
//! engine issues the reboot, drops the connection and connects afresh until the boot id changes
//! and the test command passes. Attempts never mark the host unreachable: only the task's own
//! timeout decides.

use super::r#become::Become;
use super::environment::Environment;
use super::host::Link;
use super::interrupt::Interrupt;
use super::result::{Status, TaskResult};
use crate::transport::ExecOutput;
use drover_modules::system::reboot::{
    RebootParams, WaitForConnectionParams, is_pong, ping_command,
};
use serde_json::{Map, Value};
use std::time::{Duration, Instant};

/// Whether the engine, not the module's plan, runs this action (check mode is the module's).
pub(super) fn handles(action: &str, check_mode: bool) -> bool {
    !check_mode && matches!(action, "reboot" | "wait_for_connection")
}

/// How commands run on the host for this task: as its become user, with its environment.
pub(super) struct Wrapping<'a> {
    pub escalation: Option<&'a Become>,
    pub environment: &'a Environment,
    pub interrupt: &'a Interrupt,
}

/// Runs `reboot` or `wait_for_connection` with its checked arguments.
pub(super) async fn run(
    link: &Link,
    action: &'static str,
    args: Value,
    wrapping: Wrapping<'_>,
) -> TaskResult {
    let outcome = if action == "reboot" {
        match serde_json::from_value::<RebootParams>(args) {
            Ok(p) => reboot(link, &p, &wrapping).await,
            Err(e) => Err(failed(format!("({action}) module: {e}"), Map::new())),
        }
    } else {
        match serde_json::from_value::<WaitForConnectionParams>(args) {
            Ok(p) => wait_for_connection(link, &p, &wrapping).await,
            Err(e) => Err(failed(format!("({action}) module: {e}"), Map::new())),
        }
    };
    let (status, result) = match outcome {
        Ok(result) => (
            if result.get("changed") == Some(&Value::Bool(true)) {
                Status::Changed
            } else {
                Status::Ok
            },
            result,
        ),
        Err(result) => (Status::Failed, result),
    };
    TaskResult::new(status, result, action)
}

fn failed(msg: String, mut result: Map<String, Value>) -> Map<String, Value> {
    result.insert("failed".into(), Value::Bool(true));
    result.insert("msg".into(), Value::String(msg));
    result.entry("changed").or_insert(Value::Bool(false));
    result
}

fn fields(changed: bool, start: Instant, rebooted: Option<bool>) -> Map<String, Value> {
    let mut result = Map::new();
    result.insert("changed".into(), Value::Bool(changed));
    result.insert("elapsed".into(), start.elapsed().as_secs().into());
    if let Some(rebooted) = rebooted {
        result.insert("rebooted".into(), Value::Bool(rebooted));
    }
    result
}

async fn wait_for_connection(
    link: &Link,
    p: &WaitForConnectionParams,
    w: &Wrapping<'_>,
) -> Result<Map<String, Value>, Map<String, Value>> {
    let start = Instant::now();
    pause(p.delay(), w.interrupt).await?;
    let deadline = start + p.timeout();
    let mut last_error = String::new();
    while Instant::now() < deadline {
        // As Ansible resets the connection before each ping: proof that a new one gets through.
        link.close().await;
        match attempt(
            link,
            Some(p.connect_timeout()),
            &ping_command().to_shell(),
            w,
        )
        .await
        {
            Ok(out) if out.rc == 0 && is_pong(&String::from_utf8_lossy(&out.stdout)) => {
                return Ok(fields(false, start, None));
            }
            Ok(out) => last_error = format!("ping test failed: rc {}", out.rc),
            Err(e) => last_error = e,
        }
        pause(
            p.sleep()
                .min(deadline.saturating_duration_since(Instant::now())),
            w.interrupt,
        )
        .await?;
    }
    Err(failed(
        format!("timed out waiting for ping module test: {last_error}"),
        fields(false, start, None),
    ))
}

async fn reboot(
    link: &Link,
    p: &RebootParams,
    w: &Wrapping<'_>,
) -> Result<Map<String, Value>, Map<String, Value>> {
    let start = Instant::now();
    if link.spec.local {
        return Err(failed(
            "Running reboot with local connection would reboot the control node.".into(),
            fields(false, start, Some(false)),
        ));
    }
    let connect_timeout = p.connect_timeout.map(Duration::from_secs);
    let boot = attempt(link, connect_timeout, &p.boot_time_command().to_shell(), w)
        .await
        .map_err(|e| failed(e, fields(false, start, Some(false))))?;
    let before = p
        .boot_id(
            boot.rc,
            &String::from_utf8_lossy(&boot.stdout),
            &String::from_utf8_lossy(&boot.stderr),
        )
        .map_err(|e| failed(e, fields(false, start, Some(false))))?;

    // A connection cut by the shutdown is the reboot under way, as in Ansible.
    if let Ok(out) = attempt(link, connect_timeout, &p.reboot_command().to_shell(), w).await
        && out.rc != 0
    {
        return Err(failed(
            format!(
                "Reboot command failed. Error was: '{}, {}'",
                String::from_utf8_lossy(&out.stdout).trim(),
                String::from_utf8_lossy(&out.stderr).trim()
            ),
            fields(false, start, Some(false)),
        ));
    }
    link.close().await;
    pause(p.post_reboot_delay(), w.interrupt).await?;

    let boot_changed = |out: &ExecOutput| {
        out.rc == 0 && {
            let id = String::from_utf8_lossy(&out.stdout);
            !id.trim().is_empty() && id.trim() != before
        }
    };
    let phases = [
        (
            "last boot time check",
            p.boot_time_command(),
            &boot_changed as &dyn Fn(&ExecOutput) -> bool,
        ),
        (
            "post-reboot test command",
            p.test_command(),
            &|out: &ExecOutput| out.rc == 0,
        ),
    ];
    for (what, cmd, done) in phases {
        until_done(
            link,
            connect_timeout,
            &cmd.to_shell(),
            done,
            w,
            p.reboot_timeout(),
        )
        .await
        .map_err(|e| {
            let msg = match e {
                Stop::TimedOut => format!(
                    "Timed out waiting for {what} (timeout={})",
                    p.reboot_timeout().as_secs()
                ),
                Stop::Interrupted(msg) => msg,
            };
            failed(msg, fields(false, start, Some(true)))
        })?;
    }
    Ok(fields(true, start, Some(true)))
}

enum Stop {
    TimedOut,
    Interrupted(String),
}

/// Runs `cmd` on a working connection until `done` holds, reconnecting after each failed attempt,
/// backing off as Ansible does (1, 2, 4, … at most 12 s between attempts).
async fn until_done(
    link: &Link,
    connect_timeout: Option<Duration>,
    cmd: &str,
    done: &dyn Fn(&ExecOutput) -> bool,
    w: &Wrapping<'_>,
    limit: Duration,
) -> Result<(), Stop> {
    let deadline = Instant::now() + limit;
    let mut backoff = Duration::from_secs(1);
    while Instant::now() < deadline {
        match attempt(link, connect_timeout, cmd, w).await {
            Ok(out) if done(&out) => return Ok(()),
            _ => link.close().await,
        }
        let left = deadline.saturating_duration_since(Instant::now());
        pause(backoff.min(left), w.interrupt).await.map_err(|r| {
            Stop::Interrupted(
                r.get("msg")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
            )
        })?;
        backoff = (backoff * 2).min(Duration::from_secs(12));
    }
    Err(Stop::TimedOut)
}

/// One command over the host's connection (a new one, within `connect_timeout`, if it has none),
/// bounded in time so a host going down mid-command does not hang the task. Never makes the
/// host unreachable.
async fn attempt(
    link: &Link,
    connect_timeout: Option<Duration>,
    cmd: &str,
    w: &Wrapping<'_>,
) -> Result<ExecOutput, String> {
    let mut spec = link.spec.clone();
    if let Some(t) = connect_timeout {
        spec.connect_timeout = t;
    }
    let limit = spec.connect_timeout + Duration::from_secs(10);
    let (cmd, stdin) = w.environment.wrap(cmd, None);
    let (cmd, stdin) = match link.escalation(w.escalation) {
        Some(escalation) => {
            let wrapped = escalation
                .wrap(&cmd, stdin.as_deref())
                .map_err(|e| e.to_string())?;
            (wrapped.command, wrapped.stdin)
        }
        None => (cmd, stdin),
    };
    let run = async {
        let conn = link
            .pooled
            .connection(&spec)
            .await
            .map_err(|e| e.to_string())?;
        conn.exec_until(&cmd, stdin.as_deref(), w.interrupt.wait())
            .await
            .map_err(|e| e.to_string())
    };
    match tokio::time::timeout(limit, run).await {
        Ok(outcome) => outcome,
        Err(_) => Err(format!("no answer within {} s", limit.as_secs())),
    }
}

/// Sleeps on the controller, unless the run is interrupted meanwhile.
async fn pause(d: Duration, interrupt: &Interrupt) -> Result<(), Map<String, Value>> {
    if d.is_zero() {
        return Ok(());
    }
    tokio::select! {
        () = tokio::time::sleep(d) => Ok(()),
        () = interrupt.wait() => Err(failed("not finished: the run was interrupted".into(), Map::new())),
    }
}
