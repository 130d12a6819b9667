//! `async` with `poll: 0` (fire and forget) and `async_status`. The module's plan is made now (its
//! read-only queries run as usual); its steps then run detached on the target, as a job whose
//! status file is `~/.ansible_async/JID` as with Ansible: `{"started": 1, "finished": 0, …}`
//! while it runs, `"finished": 1` with the last exit code once done. Each step's exit code and
//! output are kept beside it (`JID.d/`), and `async_status` turns them into the module's result
//! with the same code that reads a step run in the foreground — so a job's result is the result
//! the task would have had without `async`.

use super::RunContext;
use super::r#become::Become;
use super::environment::Environment;
use super::host::{HostError, HostState};
use super::result::{Status, TaskResult};
use super::worker::absorb_step_output;
use crate::transport::ExecOutput;
use drover_modules::{Plan, Then};
use serde_json::{Map, Value};
use std::fmt::Write as _;

/// A job started by this run: what `async_status` needs to build its result.
pub struct Job {
    plan: Plan,
    action: &'static str,
    escalation: Option<Become>,
    environment: Environment,
    results_file: String,
}

/// A job id as Ansible makes them: `j` + random digits + `.` + the controller's process id.
fn new_jid() -> String {
    let mut bytes = [0u8; 8];
    // Without randomness, time still tells jobs of one run apart (the counter below does too).
    if getrandom::fill(&mut bytes).is_err() {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        bytes = (nanos as u64).to_le_bytes();
    }
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let digits = (u64::from_le_bytes(bytes) ^ n) % 1_000_000_000_000;
    format!("j{digits}.{}", std::process::id())
}

/// The job directory on the target, as Ansible's default `async_dir`.
const ASYNC_DIR: &str = "\"${HOME:-/tmp}/.ansible_async\"";

/// Starts `plan`'s steps detached on the host; the launch result as Ansible reports it, and the job
/// for `async_status`.
pub async fn launch(
    ctx: &RunContext<'_>,
    host: &HostState,
    (escalation, environment): (Option<&Become>, &Environment),
    plan: Plan,
    action: &'static str,
) -> (TaskResult, Option<(String, Job)>) {
    let jid = new_jid();
    let exec = |cmd: String, stdin: Option<Vec<u8>>| async move {
        host.link
            .exec_as(
                &cmd,
                stdin.as_deref(),
                escalation,
                environment,
                ctx.interrupt,
            )
            .await
    };
    let steps = if plan.failed.is_some() || plan.skipped.is_some() {
        &[][..]
    } else {
        &plan.steps[..]
    };
    for (i, step) in steps.iter().enumerate() {
        let Some(stdin) = &step.stdin else { continue };
        let save =
            format!("umask 077; d={ASYNC_DIR}; mkdir -p \"$d\" && cat > \"$d/{jid}.in.{i}\"");
        if let Err(failure) = checked(exec(save, Some(stdin.clone())).await, action) {
            return (*failure, None);
        }
    }
    let launched = exec(launcher(&jid), Some(job_script(&jid, steps).into_bytes())).await;
    let out = match checked(launched, action) {
        Ok(out) => out,
        Err(failure) => return (*failure, None),
    };
    let results_file = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let mut result = Map::new();
    result.insert("ansible_job_id".into(), Value::from(jid.clone()));
    result.insert("changed".into(), Value::Bool(true));
    result.insert("finished".into(), Value::Bool(false));
    result.insert("results_file".into(), Value::from(results_file.clone()));
    result.insert("started".into(), Value::Bool(true));
    let job = Job {
        plan,
        action,
        escalation: escalation.cloned(),
        environment: environment.clone(),
        results_file,
    };
    (
        TaskResult::new(Status::Changed, result, action),
        Some((jid, job)),
    )
}

/// A command's output, or the task's failure when it could not run or failed.
fn checked(
    out: Result<ExecOutput, HostError>,
    action: &'static str,
) -> Result<ExecOutput, Box<TaskResult>> {
    let failure = match out {
        Ok(out) if out.rc == 0 => return Ok(out),
        Ok(out) => TaskResult::failed(
            format!(
                "could not start the async job: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ),
            action,
        ),
        Err(HostError::Become(msg)) => TaskResult::failed(msg, action),
        Err(e) => TaskResult::unreachable(e.to_string(), action),
    };
    Err(Box::new(failure))
}

/// Writes the job script (stdin) and the "started" status file, prints the status file's path,
/// and starts the script in its own session, detached from the SSH channel.
fn launcher(jid: &str) -> String {
    format!(
        "umask 077; d={ASYNC_DIR}; j=\"$d/{jid}\"; mkdir -p \"$j.d\" && cat > \"$j.d/job.sh\" && \
         printf '{{\"started\": 1, \"finished\": 0, \"ansible_job_id\": \"{jid}\", \"results_file\": \"%s\"}}\\n' \"$j\" > \"$j\" && \
         printf '%s\\n' \"$j\" && \
         if command -v setsid >/dev/null 2>&1; then setsid sh \"$j.d/job.sh\" \"$j\" </dev/null >/dev/null 2>&1 & \
         else nohup sh \"$j.d/job.sh\" \"$j\" </dev/null >/dev/null 2>&1 & fi"
    )
}

/// The detached script: each step in turn, its exit code and output kept in `JID.d/N.*`, stopping
/// after a failed step as the foreground run does (a step whose output the module reads goes on),
/// then the status file rewritten, atomically, as finished.
fn job_script(jid: &str, steps: &[drover_modules::Step]) -> String {
    let mut script = String::from("j=\"$1\"; o=\"$j.d\"; rc=0\nwhile :; do\n");
    for (i, step) in steps.iter().enumerate() {
        let stdin = match step.stdin {
            Some(_) => format!("\"$j.in.{i}\""),
            None => "/dev/null".into(),
        };
        let stops = !matches!(step.then, Some(Then::Parse(_)));
        let _ = writeln!(
            script,
            "( {}\n) <{stdin} >\"$o/{i}.out\" 2>\"$o/{i}.err\"; rc=$?; echo \"$rc\" >\"$o/{i}.rc\"",
            step.cmd.to_shell()
        );
        if stops {
            script.push_str("[ \"$rc\" -eq 0 ] || break\n");
        }
    }
    let _ = write!(
        script,
        "break\ndone\nprintf '{{\"started\": 1, \"finished\": 1, \"ansible_job_id\": \"{jid}\", \"results_file\": \"%s\", \"rc\": %s}}\\n' \"$j\" \"$rc\" > \"$j.tmp\" && mv \"$j.tmp\" \"$j\"\n"
    );
    script
}

/// `async_status`'s arguments, rendered.
pub fn status_params(args: &Map<String, Value>) -> Result<(String, bool), String> {
    let jid = match args.get("jid") {
        Some(Value::String(s)) if !s.trim().is_empty() => s.trim().to_string(),
        Some(Value::Number(n)) => n.to_string(),
        _ => return Err("(async_status) module: missing required arguments: jid".into()),
    };
    let cleanup = match args.get("mode").and_then(Value::as_str).unwrap_or("status") {
        "status" => false,
        "cleanup" => true,
        other => {
            return Err(format!(
                "(async_status) module: value of mode must be one of: status, cleanup, got: {other}"
            ));
        }
    };
    Ok((jid, cleanup))
}

/// `async_status jid=… mode=status|cleanup` on `host`.
pub async fn status(
    ctx: &RunContext<'_>,
    host: &HostState,
    args: &Map<String, Value>,
) -> TaskResult {
    const ACTION: &str = "async_status";
    let (jid, cleanup) = match status_params(args) {
        Ok(params) => params,
        Err(msg) => return TaskResult::failed(msg, ACTION),
    };
    if !jid
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_')
    {
        return TaskResult::failed(format!("invalid job id {jid:?}"), ACTION);
    }
    let job = host.jobs.get(&jid);
    let escalation = job.and_then(|j| j.escalation.as_ref());
    let environment = job.map(|j| j.environment.clone()).unwrap_or_default();
    let cmd = if cleanup {
        format!(
            "d={ASYNC_DIR}; rm -rf \"$d/{jid}\" \"$d/{jid}.d\" \"$d/{jid}\".in.*; printf '%s\\n' \"$d/{jid}\""
        )
    } else {
        read_job_command(&jid, job.map_or(0, |j| j.plan.steps.len()))
    };
    let out = match host
        .link
        .exec_as(&cmd, None, escalation, &environment, ctx.interrupt)
        .await
    {
        Ok(out) => out,
        Err(HostError::Become(msg)) => return TaskResult::failed(msg, ACTION),
        Err(e) => return TaskResult::unreachable(e.to_string(), ACTION),
    };
    if cleanup {
        let mut result = Map::new();
        result.insert("ansible_job_id".into(), Value::from(jid));
        result.insert("changed".into(), Value::Bool(false));
        let erased = String::from_utf8_lossy(&out.stdout).trim().to_string();
        result.insert("erased".into(), Value::from(erased));
        return TaskResult::new(Status::Ok, result, ACTION);
    }
    let files = parse_files(&out.stdout);
    let Some(status_file) = files.iter().find(|(name, _)| name == "status") else {
        let mut r = TaskResult::failed("could not find job".into(), ACTION);
        r.result.insert("ansible_job_id".into(), Value::from(jid));
        r.result.insert("started".into(), Value::Bool(true));
        r.result.insert("finished".into(), Value::Bool(true));
        return r;
    };
    let state: Map<String, Value> = serde_json::from_slice(&status_file.1).unwrap_or_default();
    let finished = state.get("finished").is_some_and(|v| v == 1 || v == true);
    let mut result = match (job, finished) {
        (Some(job), true) => finished_result(ctx, job, &files),
        // A job of another run (or one Ansible started): what its status file says.
        (None, true) => {
            let mut r = TaskResult::new(Status::Ok, state.clone(), ACTION);
            r.result.entry("changed").or_insert(Value::Bool(false));
            r
        }
        (_, false) => {
            let mut r = Map::new();
            r.insert("changed".into(), Value::Bool(false));
            TaskResult::new(Status::Ok, r, ACTION)
        }
    };
    result.action = ACTION;
    result
        .result
        .insert("ansible_job_id".into(), Value::from(jid));
    result
        .result
        .insert("finished".into(), Value::Bool(finished));
    result.result.insert("started".into(), Value::Bool(true));
    let results_file = job
        .map(|j| Value::from(j.results_file.clone()))
        .or_else(|| state.get("results_file").cloned());
    if let Some(file) = results_file {
        result.result.insert("results_file".into(), file);
    }
    result
}

/// Prints the status file and each step's exit code and output, each as `NAME LENGTH\n` then the
/// bytes (the output may hold anything).
fn read_job_command(jid: &str, steps: usize) -> String {
    let mut cmd = format!(
        "d={ASYNC_DIR}; j=\"$d/{jid}\"; show() {{ [ -f \"$2\" ] || return 0; printf '%s %s\\n' \"$1\" \"$(wc -c < \"$2\" | tr -d ' ')\"; cat \"$2\"; }}; show status \"$j\""
    );
    for i in 0..steps {
        for ext in ["rc", "out", "err"] {
            let _ = write!(cmd, "; show {i}.{ext} \"$j.d/{i}.{ext}\"");
        }
    }
    cmd
}

fn parse_files(mut bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    while let Some(end) = bytes.iter().position(|b| *b == b'\n') {
        let header = String::from_utf8_lossy(&bytes[..end]).to_string();
        let Some((name, len)) = header.split_once(' ') else {
            break;
        };
        let Ok(len) = len.trim().parse::<usize>() else {
            break;
        };
        let body = &bytes[end + 1..];
        if body.len() < len {
            break;
        }
        files.push((name.to_string(), body[..len].to_vec()));
        bytes = &body[len..];
    }
    files
}

/// The module's result from the steps the job ran, as if they had run in the foreground.
fn finished_result(ctx: &RunContext<'_>, job: &Job, files: &[(String, Vec<u8>)]) -> TaskResult {
    let plan = &job.plan;
    let mut result = plan.result.clone();
    if let Some(reason) = &plan.skipped {
        let mut r = super::worker::skipped(reason, job.action);
        r.result.extend(result);
        return r;
    }
    if let Some(msg) = &plan.failed {
        result.insert("failed".into(), Value::Bool(true));
        result.insert("msg".into(), Value::String(msg.clone()));
        result.entry("changed").or_insert(Value::Bool(false));
        return TaskResult::new(Status::Failed, result, job.action);
    }
    let file = |name: String| {
        files
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, body)| body.clone())
    };
    let changed = plan.changes();
    result.insert("changed".into(), Value::Bool(changed));
    let mut status = if changed { Status::Changed } else { Status::Ok };
    for (i, step) in plan.steps.iter().enumerate() {
        let Some(rc) = file(format!("{i}.rc")) else {
            break;
        };
        let out = ExecOutput {
            rc: String::from_utf8_lossy(&rc).trim().parse().unwrap_or(-1),
            stdout: file(format!("{i}.out")).unwrap_or_default(),
            stderr: file(format!("{i}.err")).unwrap_or_default(),
        };
        if absorb_step_output(ctx, step, &out, &mut result, &mut status) {
            break;
        }
    }
    let mut r = TaskResult::new(status, result, job.action);
    r.diffs = plan.diffs.clone();
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn job_ids_look_like_ansibles_and_differ() {
        let (a, b) = (new_jid(), new_jid());
        assert_ne!(a, b);
        assert!(a.starts_with('j') && a.contains('.'), "{a}");
    }

    #[test]
    fn job_files_are_read_back_whatever_they_hold() {
        let listing = b"status 3\n{}\n0.rc 2\n0\n0.out 5\na\nb\n\n0.err 0\n";
        let files = parse_files(listing);
        let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["status", "0.rc", "0.out", "0.err"]);
        assert_eq!(files[2].1, b"a\nb\n\n");
    }

    #[test]
    fn mode_is_status_or_cleanup() {
        let args = |v: Value| v.as_object().cloned().unwrap_or_default();
        assert_eq!(
            status_params(&args(serde_json::json!({"jid": "j1.2"}))),
            Ok(("j1.2".to_string(), false))
        );
        assert!(status_params(&args(serde_json::json!({"jid": "j1", "mode": "x"}))).is_err());
        assert!(status_params(&args(serde_json::json!({}))).is_err());
    }
}
