use crate::{Cmd, CmdOutput};
use serde_json::{Map, Value};
use std::sync::Arc;

/// One change to make on the target: a command, optionally fed `stdin` (file contents stream this way,
/// over the same connection). A non-zero exit fails the task.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub cmd: Cmd,
    pub stdin: Option<Vec<u8>>,
    /// Put `rc`, `stdout`, `stderr` (and `_lines`) of this step into the task's result (command, shell).
    pub register_output: bool,
    /// What else the engine does with the step's output (read it into the result, save it on the
    /// controller). The module stays pure: it says what, the engine does it.
    pub then: Option<Then>,
}

/// The part of a step's output a module asks the engine to act on.
#[derive(Debug, Clone, PartialEq)]
pub enum Then {
    /// The module reads the output (whatever its exit code) into result fields, or fails the task.
    Parse(Parser),
    /// The output is a file's bytes, to save on the controller at `path` (created with its
    /// directories, replaced atomically); `sha1`, when given, must be the bytes' SHA-1.
    SaveLocal { path: String, sha1: Option<String> },
}

/// What a [`Parser`] made of a step's output: result fields, a failure, and whether the step
/// changed anything after all (`uri`'s GET changes nothing; `None` keeps the plan's verdict).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Parsed {
    pub fields: Map<String, Value>,
    pub failed: Option<String>,
    pub changed: Option<bool>,
}

type ParseFn = dyn Fn(&CmdOutput) -> Parsed + Send + Sync;

/// A module's reading of its step's output, run by the engine once the step has run.
#[derive(Clone)]
pub struct Parser(Arc<ParseFn>);

impl Parser {
    pub fn new(f: impl Fn(&CmdOutput) -> Parsed + Send + Sync + 'static) -> Self {
        Parser(Arc::new(f))
    }
    pub fn parse(&self, out: &CmdOutput) -> Parsed {
        (self.0)(out)
    }
}

impl std::fmt::Debug for Parser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Parser")
    }
}

impl PartialEq for Parser {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Step {
    pub fn run(cmd: Cmd) -> Self {
        Step {
            cmd,
            stdin: None,
            register_output: false,
            then: None,
        }
    }
    pub fn with_stdin(cmd: Cmd, stdin: Vec<u8>) -> Self {
        Step {
            cmd,
            stdin: Some(stdin),
            register_output: false,
            then: None,
        }
    }
    pub fn registered(cmd: Cmd) -> Self {
        Step {
            cmd,
            stdin: None,
            register_output: true,
            then: None,
        }
    }
    /// The engine reads this step's output into the result with `parser`.
    pub fn parsed(mut self, parser: Parser) -> Self {
        self.then = Some(Then::Parse(parser));
        self
    }
    /// The step prints a file whose bytes the engine saves on the controller at `path`.
    pub fn save_local(mut self, path: impl Into<String>, sha1: Option<String>) -> Self {
        self.then = Some(Then::SaveLocal {
            path: path.into(),
            sha1,
        });
        self
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
