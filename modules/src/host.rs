use crate::{Cmd, ModuleError};
use serde_json::Value;

/// What a command printed and returned.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CmdOutput {
    pub rc: i32,
    pub stdout: String,
    pub stderr: String,
}

impl CmdOutput {
    pub fn success(&self) -> bool {
        self.rc == 0
    }
}

/// Where a controller-side file named by a task is looked up (next to the playbook, in `files/` or
/// `templates/`, as Ansible does).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocalFile {
    /// `copy src=`: searched in `files/` then the playbook directory.
    File,
    /// `template src=`: searched in `templates/` then the playbook directory.
    Template,
}

/// One entry under a controller directory (`copy` of a directory, `assemble`'s fragments).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalEntry {
    /// The path below the directory listed, `/`-separated.
    pub path: String,
    pub is_dir: bool,
}

/// The engine's side of a module run: the target (read-only queries) and the controller (local files,
/// templates, expressions in the task's variables). Fixture tests implement it from recorded data.
#[async_trait::async_trait]
pub trait Host: Send {
    /// Runs a read-only command on the target. A non-zero exit is *not* an error: the caller reads `rc`.
    async fn query(&mut self, cmd: &Cmd) -> Result<CmdOutput, ModuleError>;
    /// Reads a controller-side file (bytes), resolved like Ansible resolves `src`.
    fn read_local(&self, path: &str, kind: LocalFile) -> Result<Vec<u8>, ModuleError>;
    /// The entries below a controller directory (recursive, sorted by path), resolved like
    /// `read_local`; `None` when `path` is a file.
    fn list_local(
        &self,
        path: &str,
        kind: LocalFile,
    ) -> Result<Option<Vec<LocalEntry>>, ModuleError> {
        let _ = kind;
        Err(ModuleError::Failed(format!(
            "cannot list the controller directory '{path}' here"
        )))
    }
    /// The SHA-1 of a controller file the task writes (`fetch`'s destination, relative to the
    /// playbook's directory); `None` when it does not exist.
    fn local_checksum(&self, path: &str) -> Result<Option<String>, ModuleError> {
        Err(ModuleError::Failed(format!(
            "cannot read the controller file '{path}' here"
        )))
    }
    /// Renders a controller-side template file with the task's variables.
    fn render_template(&self, path: &str) -> Result<String, ModuleError>;
    /// Evaluates a Jinja expression (`that:` of assert, `var:` of debug) with the task's variables.
    fn evaluate(&self, expr: &str) -> Result<Value, ModuleError>;
    /// `--check`: plan only, nothing runs.
    fn check_mode(&self) -> bool;
    /// `--diff`: modules fill `Plan::diffs`.
    fn diff_mode(&self) -> bool;
}
