use crate::Cmd;
use serde_json::{Map, Value};

/// One change to make on the target: a command, optionally fed `stdin` (file contents stream this way,
/// over the same connection). A non-zero exit fails the task.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub cmd: Cmd,
    pub stdin: Option<Vec<u8>>,
    /// Put `rc`, `stdout`, `stderr` (and `_lines`) of this step into the task's result (command, shell).
    pub register_output: bool,
}

impl Step {
    pub fn run(cmd: Cmd) -> Self {
        Step {
            cmd,
            stdin: None,
            register_output: false,
        }
    }
    pub fn with_stdin(cmd: Cmd, stdin: Vec<u8>) -> Self {
        Step {
            cmd,
            stdin: Some(stdin),
            register_output: false,
        }
    }
    pub fn registered(cmd: Cmd) -> Self {
        Step {
            cmd,
            stdin: None,
            register_output: true,
        }
    }
}

/// Before/after of one thing a task changes, as Ansible's `diff` result; the engine prints it as a
/// unified diff under `--diff`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diff {
    pub before_header: String,
    pub after_header: String,
    pub before: String,
    pub after: String,
}

/// What a module decided. No steps means the host is already as desired (`ok`); steps mean `changed`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Plan {
    pub steps: Vec<Step>,
    pub diffs: Vec<Diff>,
    /// Fields of the task's result, as Ansible names them (`dest`, `checksum`, `stat`, `msg`, …).
    pub result: Map<String, Value>,
    /// The task fails on this host with this message (`fail`, a failed `assert`).
    pub failed: Option<String>,
    /// The task is skipped with this reason (e.g. `command` in check mode, `creates` exists).
    pub skipped: Option<String>,
}

impl Plan {
    /// The host is as desired: nothing to do.
    pub fn ok() -> Self {
        Plan::default()
    }
    pub fn with_steps(steps: Vec<Step>) -> Self {
        Plan {
            steps,
            ..Plan::default()
        }
    }
    pub fn fail(msg: impl Into<String>) -> Self {
        Plan {
            failed: Some(msg.into()),
            ..Plan::default()
        }
    }
    pub fn skip(reason: impl Into<String>) -> Self {
        Plan {
            skipped: Some(reason.into()),
            ..Plan::default()
        }
    }
    pub fn set(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.result.insert(key.to_string(), value.into());
        self
    }
    pub fn changes(&self) -> bool {
        !self.steps.is_empty()
    }
}
