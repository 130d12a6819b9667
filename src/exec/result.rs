//! What happened to one task on one host.

use drover_modules::Diff;
use serde_json::{Map, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Ok,
    Changed,
    Skipped,
    Failed,
    Unreachable,
    /// Running when the run was interrupted (Ctrl-C, SIGTERM): its remote commands were stopped.
    Interrupted,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Changed => "changed",
            Status::Skipped => "skipping",
            Status::Failed => "failed",
            Status::Unreachable => "unreachable",
            Status::Interrupted => "interrupted",
        }
    }
}

/// An attempt of an `until`/`retries` task that is tried again (shown as `FAILED - RETRYING: …`).
#[derive(Debug, Clone)]
pub struct RetryNote {
    /// Attempts still to come.
    pub left: u64,
    /// The attempt's result (shown from -vv).
    pub result: Map<String, Value>,
}

/// One loop item's outcome (shown as `changed: [web1] => (item=nginx)`).
#[derive(Debug, Clone)]
pub struct ItemResult {
    pub label: String,
    pub status: Status,
    pub ignored: bool,
    pub result: Map<String, Value>,
    pub diffs: Vec<Diff>,
    /// The item's attempts before its last, under `until`/`retries`.
    pub retries: Vec<RetryNote>,
}

/// The outcome of a task on a host: Ansible's result dictionary plus how to report it.
#[derive(Debug, Clone)]
pub struct TaskResult {
    pub status: Status,
    /// Failed, but `ignore_errors` was set: the host goes on.
    pub ignored: bool,
    /// Ansible's result fields (`changed`, `failed`, `msg`, `rc`, `stdout`, `results`, …), already
    /// censored when the task has `no_log`.
    pub result: Map<String, Value>,
    pub diffs: Vec<Diff>,
    /// Per-item outcomes of a loop, in order.
    pub items: Vec<ItemResult>,
    /// The attempts before the last, under `until`/`retries`.
    pub retries: Vec<RetryNote>,
    /// The module's name, so the reporter can show `debug` output the way Ansible does.
    pub action: &'static str,
    /// The handler names this changed result notified, templated (per loop item).
    pub notified: Vec<String>,
}

impl TaskResult {
    pub fn new(status: Status, result: Map<String, Value>, action: &'static str) -> Self {
        TaskResult {
            status,
            ignored: false,
            result,
            diffs: Vec::new(),
            items: Vec::new(),
            retries: Vec::new(),
            action,
            notified: Vec::new(),
        }
    }

    pub fn unreachable(msg: String, action: &'static str) -> Self {
        let mut result = Map::new();
        result.insert("changed".into(), Value::Bool(false));
        result.insert("msg".into(), Value::String(msg));
        result.insert("unreachable".into(), Value::Bool(true));
        TaskResult::new(Status::Unreachable, result, action)
    }

    pub fn failed(msg: String, action: &'static str) -> Self {
        let mut result = Map::new();
        result.insert("changed".into(), Value::Bool(false));
        result.insert("failed".into(), Value::Bool(true));
        result.insert("msg".into(), Value::String(msg));
        TaskResult::new(Status::Failed, result, action)
    }

    /// Failed and not ignored: the host leaves the play.
    pub fn is_fatal(&self) -> bool {
        (matches!(self.status, Status::Failed | Status::Unreachable) && !self.ignored)
            || self.status == Status::Interrupted
    }

    /// A result that did not succeed while the run was being stopped: the stop caused it (its
    /// commands were signalled, or refused to start), so it is shown as interrupted.
    pub fn interrupted_by(mut self, signal: &str) -> TaskResult {
        if matches!(self.status, Status::Failed | Status::Unreachable) {
            self.status = Status::Interrupted;
            self.ignored = false;
            self.result.remove("unreachable");
            self.result
                .insert("interrupted".into(), Value::String(signal.to_string()));
            self.result.insert(
                "msg".into(),
                Value::String(format!(
                    "interrupted by {signal}: the task's commands on this host were stopped"
                )),
            );
        }
        self
    }
}

/// The PLAY RECAP counters of one host. As in Ansible, `ok` includes the changed tasks.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct HostStats {
    pub ok: u32,
    pub changed: u32,
    pub unreachable: u32,
    pub failed: u32,
    pub skipped: u32,
    pub rescued: u32,
    pub ignored: u32,
    /// Tasks stopped by Ctrl-C/SIGTERM (not an Ansible counter: shown only when there are any).
    #[serde(skip_serializing_if = "is_zero")]
    pub interrupted: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

impl HostStats {
    pub fn count(&mut self, result: &TaskResult) {
        match result.status {
            Status::Ok => self.ok += 1,
            Status::Changed => {
                self.ok += 1;
                self.changed += 1;
            }
            Status::Skipped => self.skipped += 1,
            // `ignore_unreachable`: counted as Ansible 2.19 counts it, ok and ignored.
            Status::Unreachable if result.ignored => {
                self.ok += 1;
                self.ignored += 1;
            }
            Status::Unreachable => self.unreachable += 1,
            // ansible-core counts an ignored failure that changed something as changed too.
            Status::Failed if result.ignored => {
                self.ok += 1;
                self.ignored += 1;
                if result.result.get("changed") == Some(&serde_json::Value::Bool(true)) {
                    self.changed += 1;
                }
            }
            Status::Failed => self.failed += 1,
            Status::Interrupted => self.interrupted += 1,
        }
    }
}
