//! One target host during a run: its connection (opened on first use, then reused by every task),
//! its variables and what it has registered, and the module-facing [`Host`] view of it.

use super::r#become::Become;
use super::interrupt::{Interrupt, StopSignal};
use crate::playbook::RoleScope;
use crate::template::{Templar, Vars, search_path};
use crate::transport::pool::{Hold, InUse, Pool, PooledLink};
use crate::transport::{ConnectionSpec, ExecOutput};
use drover_modules::{Cmd, CmdOutput, Host, LocalFile, ModuleError};
use serde_json::{Map, Value};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

/// A host's connection: opened lazily (a play of `debug` tasks never connects), then reused by
/// every task — unless the pool, full, closed it while the host was idle: then the next command
/// reconnects. A failure to connect makes the host unreachable for the rest of the run.
pub struct Link {
    pub spec: ConnectionSpec,
    pooled: PooledLink,
    failed: OnceLock<String>,
}

impl Link {
    pub fn new(spec: ConnectionSpec, pool: &Arc<Pool>) -> Self {
        Link {
            spec,
            pooled: PooledLink::new(pool),
            failed: OnceLock::new(),
        }
    }

    pub async fn connection(&self) -> Result<InUse, String> {
        if let Some(reason) = self.failed.get() {
            return Err(reason.clone());
        }
        self.pooled.connection(&self.spec).await.map_err(|e| {
            let reason = e.to_string();
            self.failed.get_or_init(|| reason).clone()
        })
    }

    /// Runs a command over the host's one connection, within a run that may be interrupted: refused once it is (nothing new
    /// starts), and a command still running then is stopped on the target.
    pub async fn exec_unless(
        &self,
        cmd: &str,
        stdin: Option<&[u8]>,
        interrupt: &Interrupt,
    ) -> Result<ExecOutput, HostError> {
        let refused = |signal: StopSignal| HostError::Interrupted(signal.name());
        if let Some(signal) = interrupt.requested() {
            return Err(refused(signal));
        }
        let conn = tokio::select! {
            conn = self.connection() => conn.map_err(HostError::Unreachable)?,
            () = interrupt.wait() => {
                return Err(refused(interrupt.requested().unwrap_or(StopSignal::Interrupt)));
            }
        };
        conn.exec_until(cmd, stdin, interrupt.wait())
            .await
            .map_err(|e| HostError::Unreachable(e.to_string()))
    }

    /// [`Link::exec_unless`] as the task's become user, when it has one: the command is wrapped
    /// (sudo/su) and a become password travels on stdin, never in the command line.
    pub async fn exec_as(
        &self,
        cmd: &str,
        stdin: Option<&[u8]>,
        escalation: Option<&Become>,
        interrupt: &Interrupt,
    ) -> Result<ExecOutput, HostError> {
        let Some(escalation) = escalation else {
            return self.exec_unless(cmd, stdin, interrupt).await;
        };
        let wrapped = escalation
            .wrap(cmd, stdin)
            .map_err(|e| HostError::Become(e.to_string()))?;
        self.exec_unless(&wrapped.command, wrapped.stdin.as_deref(), interrupt)
            .await
    }

    /// Keeps the connection open while a task runs on the host (see [`PooledLink::hold`]).
    pub fn hold(&self) -> Hold {
        self.pooled.hold()
    }

    /// Notes worth a warning (a new host key recorded), each once.
    pub fn take_notes(&self) -> Vec<String> {
        self.pooled.take_notes()
    }

    /// Closes the connection and frees its slot; a later command would reconnect.
    pub async fn close(&self) {
        self.pooled.close().await;
    }
}

#[derive(Debug, thiserror::Error)]
pub enum HostError {
    #[error("{0}")]
    Unreachable(String),
    #[error("not started: the run was interrupted ({0})")]
    Interrupted(&'static str),
    /// The task cannot run as its become user (a failure of the task, not of the host).
    #[error("{0}")]
    Become(String),
}

/// What the run remembers about a host across tasks and plays.
pub struct HostState {
    pub name: String,
    /// Inventory variables (group_vars, host_vars, inventory file), resolved once.
    pub inventory_vars: Map<String, Value>,
    /// `register`ed results and `set_fact`s: above play and task vars, persistent across plays.
    pub facts: Map<String, Value>,
    /// Play-level vars (`vars` + `vars_files`, then the play's roles' `vars/`), replaced at each play.
    pub play_vars: Map<String, Value>,
    /// The defaults of the play's roles: below everything else, replaced at each play.
    pub role_defaults: Map<String, Value>,
    /// The variables a task without `vars:` sees, resolved: computed once and shared by the
    /// following tasks until `facts` or `play_vars` change (whoever changes them clears it).
    pub scope: Option<std::sync::Arc<Vars>>,
    /// The role `scope` was computed for (a role's tasks see its variables; others do not).
    pub scope_role: Option<Arc<RoleScope>>,
    /// Handlers this host has notified and not yet run.
    pub notified: BTreeSet<String>,
    pub link: Link,
    /// Failed or unreachable: no further tasks run here.
    pub done: bool,
}

/// The module's view of the host for one task: queries over the connection, controller files,
/// templates and expressions in the task's variables.
pub struct TaskHost<'a> {
    pub link: &'a Link,
    pub interrupt: &'a Interrupt,
    /// The task's become settings on this host: every query runs as that user too.
    pub escalation: Option<&'a Become>,
    pub templar: &'a Templar,
    pub vars: &'a Vars,
    pub playbook_dir: &'a Path,
    /// The task's file:line, named by errors in the files it renders.
    pub task_origin: &'a crate::yaml::Origin,
    pub check_mode: bool,
    pub diff_mode: bool,
}

impl TaskHost<'_> {
    /// The task's search path (its role's directories first), see [`search_path`].
    fn search_path(&self) -> Vec<PathBuf> {
        search_path::search_path(self.vars, self.playbook_dir)
    }

    fn find_local(&self, path: &str, kind: LocalFile) -> Result<PathBuf, ModuleError> {
        let sub = match kind {
            LocalFile::File => "files",
            LocalFile::Template => "templates",
        };
        search_path::find(&self.search_path(), self.playbook_dir, sub, path).map_err(|searched| {
            ModuleError::Failed(format!(
                "could not find or access '{path}' (searched {})",
                searched
                    .iter()
                    .map(|c| c.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })
    }
}

#[async_trait::async_trait]
impl Host for TaskHost<'_> {
    async fn query(&mut self, cmd: &Cmd) -> Result<CmdOutput, ModuleError> {
        let out = self
            .link
            .exec_as(&cmd.to_shell(), None, self.escalation, self.interrupt)
            .await
            .map_err(|e| match e {
                HostError::Become(msg) => ModuleError::Failed(msg),
                other => ModuleError::Host(other.to_string()),
            })?;
        Ok(CmdOutput {
            rc: out.rc,
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        })
    }

    fn read_local(&self, path: &str, kind: LocalFile) -> Result<Vec<u8>, ModuleError> {
        let found = self.find_local(path, kind)?;
        // A vaulted source is decrypted on the controller, as Ansible's `copy` does by default.
        crate::vault::read_file(&found)
            .map_err(|e| ModuleError::Failed(format!("could not read '{}': {e}", found.display())))?
            .map_err(|e| ModuleError::Failed(format!("{}: {e}", found.display())))
    }

    fn render_template(&self, path: &str) -> Result<String, ModuleError> {
        let found = self.find_local(path, LocalFile::Template)?;
        let text = std::fs::read_to_string(&found).map_err(|e| {
            ModuleError::Failed(format!("could not read '{}': {e}", found.display()))
        })?;
        let search = search_path::template_dirs(&self.search_path(), self.playbook_dir, &found);
        self.templar
            .render_file_text(&found.display().to_string(), &text, self.vars, &search)
            .map_err(|e| {
                ModuleError::Failed(format!(
                    "{e}. The error appears to be in '{}'",
                    self.task_origin
                ))
            })
    }

    fn evaluate(&self, expr: &str) -> Result<Value, ModuleError> {
        self.templar
            .eval(expr, self.vars)
            .map_err(|e| ModuleError::Failed(e.to_string()))
    }

    fn check_mode(&self) -> bool {
        self.check_mode
    }

    fn diff_mode(&self) -> bool {
        self.diff_mode
    }
}
