//! One target host during a run: its connection (opened on first use, then reused by every task),
//! its variables and what it has registered, and the module-facing [`Host`] view of it.

use super::r#become::Become;
use super::environment::Environment;
use super::interrupt::{Interrupt, StopSignal};
use crate::playbook::RoleScope;
use crate::report::trace;
use crate::template::{Templar, Vars, search_path};
use crate::transport::pool::{Hold, InUse, Pool, PooledLink};
use crate::transport::{ConnectionSpec, ExecOutput};
use drover_modules::{Cmd, CmdOutput, Host, LocalEntry, LocalFile, ModuleError};
use serde_json::{Map, Value};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

/// A host's connection: opened lazily (a play of `debug` tasks never connects), then reused by
/// every task — unless the pool, full, closed it while the host was idle: then the next command
/// reconnects. A failure to connect makes the host unreachable for the rest of the run.
pub struct Link {
    pub spec: ConnectionSpec,
    pub(super) pooled: PooledLink,
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
        let user = self.spec.user.as_deref().unwrap_or("(local user)");
        trace::exec(&self.spec.name, user, cmd, stdin);
        let out = conn
            .exec_until(cmd, stdin, interrupt.wait())
            .await
            .map_err(|e| HostError::Unreachable(e.to_string()))?;
        trace::exec_result(&self.spec.name, out.rc, &out.stdout, &out.stderr);
        Ok(out)
    }

    /// [`Link::exec_unless`] with the task's `environment:` (read from stdin, see
    /// [`Environment`]) and as its become user, when it has one: the command is wrapped (sudo/su)
    /// and a become password travels on stdin, never in the command line.
    pub async fn exec_as(
        &self,
        cmd: &str,
        stdin: Option<&[u8]>,
        escalation: Option<&Become>,
        environment: &Environment,
        interrupt: &Interrupt,
    ) -> Result<ExecOutput, HostError> {
        let (cmd, stdin) = environment.wrap(cmd, stdin);
        let Some(escalation) = self.escalation(escalation) else {
            return self.exec_unless(&cmd, stdin.as_deref(), interrupt).await;
        };
        let wrapped = escalation
            .wrap(&cmd, stdin.as_deref())
            .map_err(|e| HostError::Become(e.to_string()))?;
        self.exec_unless(&wrapped.command, wrapped.stdin.as_deref(), interrupt)
            .await
    }

    /// The become a command over this link needs: none when it would become the user the link
    /// already runs as — its `remote_user`, or the controller's user on a local connection —
    /// as Ansible skips it (`become_allow_same_user` is off by default), so `become: true` as
    /// root needs no sudo on the target.
    pub fn escalation<'a>(&self, escalation: Option<&'a Become>) -> Option<&'a Become> {
        let escalation = escalation?;
        let current = if self.spec.local {
            controller_user()
        } else {
            self.spec.user.clone()
        };
        (current.as_deref() != Some(escalation.user.as_str())).then_some(escalation)
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

/// Who drover runs as, as Python's `getpass.getuser()` finds it: `LOGNAME`, `USER`, `LNAME`,
/// `USERNAME`, else the password database's name for the process's user.
fn controller_user() -> Option<String> {
    static USER: OnceLock<Option<String>> = OnceLock::new();
    USER.get_or_init(|| {
        ["LOGNAME", "USER", "LNAME", "USERNAME"]
            .iter()
            .find_map(|var| std::env::var(var).ok().filter(|v| !v.is_empty()))
            .or_else(|| {
                nix::unistd::User::from_uid(nix::unistd::getuid())
                    .ok()
                    .flatten()
                    .map(|u| u.name)
            })
    })
    .clone()
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
    /// `include_vars`: above task vars, below `set_fact` (as in Ansible), persistent across plays.
    pub included_vars: Map<String, Value>,
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
    /// Shared so a delegated task can run over another host's link (see `delegate.rs`).
    pub link: Arc<Link>,
    /// Failed or unreachable: no further tasks run here.
    pub done: bool,
    /// Async jobs (`poll: 0`) this run started here, by job id, for `async_status`.
    pub jobs: std::collections::HashMap<String, super::async_job::Job>,
}

/// The module's view of the host for one task: queries over the connection, controller files,
/// templates and expressions in the task's variables.
pub struct TaskHost<'a> {
    pub link: &'a Link,
    pub interrupt: &'a Interrupt,
    /// The task's become settings on this host: every query runs as that user too.
    pub escalation: Option<&'a Become>,
    /// The task's `environment:` on this host: every query runs with it too.
    pub environment: &'a Environment,
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
            .exec_as(
                &cmd.to_shell(),
                None,
                self.escalation,
                self.environment,
                self.interrupt,
            )
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

    fn list_local(
        &self,
        path: &str,
        kind: LocalFile,
    ) -> Result<Option<Vec<LocalEntry>>, ModuleError> {
        let found = self.find_local(path, kind)?;
        if !found.is_dir() {
            return Ok(None);
        }
        let mut entries = Vec::new();
        list_dir(&found, "", &mut entries).map_err(|e| {
            ModuleError::Failed(format!("could not list '{}': {e}", found.display()))
        })?;
        entries.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(Some(entries))
    }

    fn local_checksum(&self, path: &str) -> Result<Option<String>, ModuleError> {
        let at = controller_path(self.playbook_dir, path);
        match std::fs::read(&at) {
            Ok(bytes) => Ok(Some(sha1_hex(&bytes))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(ModuleError::Failed(format!(
                "could not read '{}': {e}",
                at.display()
            ))),
        }
    }

    fn render_template(&self, path: &str) -> Result<String, ModuleError> {
        let found = self.find_local(path, LocalFile::Template)?;
        let text = std::fs::read_to_string(&found).map_err(|e| {
            ModuleError::Failed(format!("could not read '{}': {e}", found.display()))
        })?;
        let search = search_path::template_dirs(&self.search_path(), self.playbook_dir, &found);
        // ansible-core's `generate_ansible_template_vars` (`ansible_managed`, `template_*`),
        // made only for a file that names them.
        let generated;
        let vars = if text.contains("ansible_managed") || text.contains("template_") {
            let managed = matches!(self.vars.get("ansible_managed"), Some(Value::String(_)));
            let extra =
                crate::template::lookup_template::generated_vars(path, &found, &text, managed)
                    .map_err(ModuleError::Failed)?;
            let mut all = self.vars.clone();
            all.extend(extra);
            generated = all;
            &generated
        } else {
            self.vars
        };
        self.templar
            .render_file_text(&found.display().to_string(), &text, vars, &search)
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

/// Walks a controller directory (following links, as Ansible's `copy` does), `prefix`-relative.
fn list_dir(dir: &Path, prefix: &str, out: &mut Vec<LocalEntry>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = format!("{prefix}{name}");
        let is_dir = entry.path().is_dir();
        out.push(LocalEntry {
            path: path.clone(),
            is_dir,
        });
        if is_dir {
            list_dir(&entry.path(), &format!("{path}/"), out)?;
        }
    }
    Ok(())
}

/// A controller path a task writes (`fetch`'s `dest`): relative ones are below the playbook's
/// directory, as Ansible's `path_dwim` has it.
pub fn controller_path(playbook_dir: &Path, path: &str) -> PathBuf {
    let wanted = Path::new(path);
    if wanted.is_absolute() {
        wanted.to_path_buf()
    } else {
        playbook_dir.join(wanted)
    }
}

pub fn sha1_hex(bytes: &[u8]) -> String {
    use sha1::Digest;
    hex::encode(sha1::Sha1::digest(bytes))
}

/// Saves bytes received from a target on the controller: directories made, a temp file beside the
/// destination, its SHA-1 checked when one is expected, then renamed over it.
pub fn save_local(at: &Path, bytes: &[u8], sha1: Option<&str>) -> Result<(), String> {
    if let Some(want) = sha1 {
        let got = sha1_hex(bytes);
        if got != want {
            return Err(format!(
                "checksum mismatch: the remote file's SHA-1 is {want}, the {} bytes received have {got}",
                bytes.len()
            ));
        }
    }
    let dir = at.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| format!("could not create {}: {e}", dir.display()))?;
    let mut temp = tempfile::NamedTempFile::new_in(dir)
        .map_err(|e| format!("could not write in {}: {e}", dir.display()))?;
    std::io::Write::write_all(&mut temp, bytes)
        .map_err(|e| format!("could not write {}: {e}", at.display()))?;
    temp.persist(at)
        .map_err(|e| format!("could not write {}: {e}", at.display()))?;
    Ok(())
}
