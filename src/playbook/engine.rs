//! Actions the engine runs itself rather than a module: `include_tasks` (the runner adds the file's
//! tasks for the host) and `include_vars` (variables read on the controller). They are modules only
//! so that their arguments are named, typed and checked at load time like any module's.

use drover_modules::{DynModule, FreeForm, Host, Module, ModuleError, Plan};
use serde::Deserialize;
use serde_json::Value;

/// `include_tasks`: the file (free form or `file:`) and `apply:` keywords for the included tasks.
pub struct IncludeTasks;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IncludeTasksParams {
    #[serde(default, rename = "_raw_params")]
    pub raw_params: Option<String>,
    #[serde(default)]
    pub file: Option<String>,
    /// Checked here, taken out of the arguments by the loader (see `include::attach_include`).
    #[serde(default, rename = "apply")]
    pub _apply: Option<serde_json::Map<String, Value>>,
}

impl IncludeTasksParams {
    /// The file to include, as written (`file:` wins over the free form, as in Ansible).
    pub fn target(&self) -> Option<&str> {
        self.file.as_deref().or(self.raw_params.as_deref())
    }
}

#[async_trait::async_trait]
impl Module for IncludeTasks {
    type Params = IncludeTasksParams;
    const NAME: &'static str = "include_tasks";
    const FREE_FORM: FreeForm = FreeForm::RawParams;

    fn validate(&self, p: &IncludeTasksParams) -> Result<(), ModuleError> {
        match (&p.file, &p.raw_params) {
            (None, None) => Err(ModuleError::Params("no file specified".into())),
            (Some(_), Some(_)) => Err(ModuleError::Params(
                "name the file either free form or as `file:`, not both".into(),
            )),
            _ => Ok(()),
        }
    }

    async fn plan(&self, _: IncludeTasksParams, _: &mut dyn Host) -> Result<Plan, ModuleError> {
        // The runner expands an include before any module runs; reaching here is a runner bug.
        Err(ModuleError::Failed(
            "include_tasks is run by the runner, not as a module".into(),
        ))
    }
}

/// `include_role`: a role loaded per host at run time (see `play_roles::attach_include_role`).
pub struct IncludeRole;

/// Only the names are checked here: the runner reads the values once templated per host
/// ([`super::play_roles::RoleRequest`]).
#[allow(dead_code)]
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IncludeRoleParams {
    #[serde(default)]
    pub name: Option<Value>,
    #[serde(default)]
    pub role: Option<Value>,
    #[serde(default)]
    pub tasks_from: Option<Value>,
    #[serde(default)]
    pub vars_from: Option<Value>,
    #[serde(default)]
    pub defaults_from: Option<Value>,
    #[serde(default)]
    pub handlers_from: Option<Value>,
    #[serde(default)]
    pub allow_duplicates: Option<Value>,
    #[serde(default)]
    pub public: Option<Value>,
    #[serde(default)]
    pub rolespec_validate: Option<Value>,
    /// Taken out of the arguments by the loader, as `include_tasks`' `apply`.
    #[serde(default, rename = "apply")]
    pub _apply: Option<serde_json::Map<String, Value>>,
}

#[async_trait::async_trait]
impl Module for IncludeRole {
    type Params = IncludeRoleParams;
    const NAME: &'static str = "include_role";
    const FREE_FORM: FreeForm = FreeForm::KeyValue;

    fn validate(&self, p: &IncludeRoleParams) -> Result<(), ModuleError> {
        if p.name.is_none() && p.role.is_none() {
            return Err(ModuleError::Params(
                "'name' is a required field for include_role.".into(),
            ));
        }
        Ok(())
    }

    async fn plan(&self, _: IncludeRoleParams, _: &mut dyn Host) -> Result<Plan, ModuleError> {
        // The runner includes the role before any module runs; reaching here is a runner bug.
        Err(ModuleError::Failed(
            "include_role is run by the runner, not as a module".into(),
        ))
    }
}

/// `include_vars`: a file, or a `dir` of them, into the host's variables (optionally under `name`).
pub struct IncludeVars;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IncludeVarsParams {
    #[serde(default, rename = "_raw_params")]
    pub raw_params: Option<String>,
    #[serde(default)]
    pub file: Option<String>,
    #[serde(default)]
    pub dir: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub depth: Option<u32>,
    #[serde(default)]
    pub files_matching: Option<String>,
    #[serde(default)]
    pub ignore_files: Option<Value>,
    #[serde(default)]
    pub extensions: Option<Vec<String>>,
    #[serde(default)]
    pub ignore_unknown_extensions: Option<bool>,
    /// `merge`: the variables read are merged into the same-named ones the host has (recursively);
    /// any other value replaces them, as without it.
    #[serde(default)]
    pub hash_behaviour: Option<String>,
}

#[async_trait::async_trait]
impl Module for IncludeVars {
    type Params = IncludeVarsParams;
    const NAME: &'static str = "include_vars";
    const FREE_FORM: FreeForm = FreeForm::RawParams;

    fn validate(&self, p: &IncludeVarsParams) -> Result<(), ModuleError> {
        let sources = [&p.raw_params, &p.file, &p.dir]
            .iter()
            .filter(|s| s.is_some())
            .count();
        if sources != 1 {
            return Err(ModuleError::Params(
                "name exactly one of a free-form file, `file:` or `dir:`".into(),
            ));
        }
        if let Some(pattern) = &p.files_matching {
            regex::Regex::new(pattern)
                .map_err(|e| ModuleError::Params(format!("files_matching: {e}")))?;
        }
        Ok(())
    }

    async fn plan(&self, _: IncludeVarsParams, _: &mut dyn Host) -> Result<Plan, ModuleError> {
        Err(ModuleError::Failed(
            "include_vars is run by the engine, not as a module".into(),
        ))
    }
}

/// `include_vars`'s rendered arguments, typed and checked.
pub fn include_vars_params(args: Value) -> Result<IncludeVarsParams, String> {
    let in_module = |msg: String| format!("(include_vars) module: {msg}");
    let params: IncludeVarsParams =
        serde_json::from_value(args).map_err(|e| in_module(e.to_string()))?;
    IncludeVars
        .validate(&params)
        .map_err(|e| in_module(e.to_string()))?;
    Ok(params)
}

/// `add_host`: a host (new or known) into the in-memory inventory, with groups and variables.
/// Any argument besides the name and groups is a host variable, as in Ansible.
pub struct AddHost;

/// `add_host`'s arguments by their Ansible names and aliases.
pub const ADD_HOST_NAME: &[&str] = &["name", "host", "hostname"];
pub const ADD_HOST_GROUPS: &[&str] = &["groups", "group", "groupname"];

#[async_trait::async_trait]
impl Module for AddHost {
    type Params = serde_json::Map<String, Value>;
    const NAME: &'static str = "add_host";
    const FREE_FORM: FreeForm = FreeForm::KeyValue;

    fn validate(&self, p: &serde_json::Map<String, Value>) -> Result<(), ModuleError> {
        let named = ADD_HOST_NAME.iter().filter(|k| p.contains_key(**k)).count();
        match named {
            0 => Err(ModuleError::Params(
                "missing required arguments: name".into(),
            )),
            1 => Ok(()),
            _ => Err(ModuleError::Params(
                "parameters are mutually exclusive: name|host|hostname".into(),
            )),
        }
    }

    async fn plan(
        &self,
        _: serde_json::Map<String, Value>,
        _: &mut dyn Host,
    ) -> Result<Plan, ModuleError> {
        Err(ModuleError::Failed(
            "add_host is run by the engine, not as a module".into(),
        ))
    }
}

/// `group_by`: the host into a group named by `key` (created under `parents`).
pub struct GroupBy;

/// Only the names are checked here: the runner reads the values once templated per host.
#[allow(dead_code)]
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupByParams {
    pub key: Value,
    #[serde(default)]
    pub parents: Option<Value>,
}

#[async_trait::async_trait]
impl Module for GroupBy {
    type Params = GroupByParams;
    const NAME: &'static str = "group_by";
    const FREE_FORM: FreeForm = FreeForm::KeyValue;

    async fn plan(&self, _: GroupByParams, _: &mut dyn Host) -> Result<Plan, ModuleError> {
        Err(ModuleError::Failed(
            "group_by is run by the engine, not as a module".into(),
        ))
    }
}

/// `async_status`: the state (or, once finished, the result) of a job `async`/`poll: 0` started.
pub struct AsyncStatus;

/// Checked here; the runner reads the values once templated (see `exec/async_job.rs`).
#[allow(dead_code)]
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AsyncStatusParams {
    pub jid: Value,
    #[serde(default)]
    pub mode: Option<String>,
}

#[async_trait::async_trait]
impl Module for AsyncStatus {
    type Params = AsyncStatusParams;
    const NAME: &'static str = "async_status";
    const FREE_FORM: FreeForm = FreeForm::KeyValue;

    fn validate(&self, p: &AsyncStatusParams) -> Result<(), ModuleError> {
        match p.mode.as_deref() {
            None | Some("status") | Some("cleanup") => Ok(()),
            Some(m) if m.contains("{{") => Ok(()),
            Some(other) => Err(ModuleError::Params(format!(
                "value of mode must be one of: status, cleanup, got: {other}"
            ))),
        }
    }

    async fn plan(&self, _: AsyncStatusParams, _: &mut dyn Host) -> Result<Plan, ModuleError> {
        Err(ModuleError::Failed(
            "async_status is run by the engine, not as a module".into(),
        ))
    }
}

/// `set_stats`: custom statistics for the end of the run (see `exec/stats.rs`).
pub struct SetStats;

/// Checked here; the runner reads the values once templated.
#[allow(dead_code)]
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetStatsParams {
    pub data: Value,
    #[serde(default)]
    pub per_host: Option<Value>,
    #[serde(default)]
    pub aggregate: Option<Value>,
}

#[async_trait::async_trait]
impl Module for SetStats {
    type Params = SetStatsParams;
    const NAME: &'static str = "set_stats";
    const FREE_FORM: FreeForm = FreeForm::KeyValue;

    async fn plan(&self, _: SetStatsParams, _: &mut dyn Host) -> Result<Plan, ModuleError> {
        Err(ModuleError::Failed(
            "set_stats is run by the engine, not as a module".into(),
        ))
    }
}

static ENGINE_ACTIONS: &[&dyn DynModule] = &[
    &SetStats,
    &AsyncStatus,
    &IncludeTasks,
    &IncludeRole,
    &IncludeVars,
    &AddHost,
    &GroupBy,
    &super::flow::META,
];

/// Actions the loader expands itself (static imports), named like modules in a task.
const LOAD_TIME_ACTIONS: &[&str] = &["import_tasks", "import_role"];

/// Every action the engine runs rather than a module (for the compatibility table).
pub fn action_names() -> impl Iterator<Item = &'static str> {
    ENGINE_ACTIONS
        .iter()
        .map(|m| m.name())
        .chain(LOAD_TIME_ACTIONS.iter().copied())
}

/// The engine action `name` names (`include_tasks`, `ansible.builtin.include_vars`, …).
pub fn lookup(name: &str) -> Option<&'static dyn DynModule> {
    let short = name
        .strip_prefix("ansible.builtin.")
        .or_else(|| name.strip_prefix("ansible.legacy."))
        .unwrap_or(name);
    ENGINE_ACTIONS.iter().copied().find(|m| m.name() == short)
}

/// Is `name` the `import_tasks` keyword (static: expanded at load time)?
pub fn is_import_tasks(name: &str) -> bool {
    matches!(
        name,
        "import_tasks" | "ansible.builtin.import_tasks" | "ansible.legacy.import_tasks"
    )
}

/// Is `name` the `import_playbook` keyword?
pub fn is_import_playbook(name: &str) -> bool {
    matches!(
        name,
        "import_playbook" | "ansible.builtin.import_playbook" | "ansible.legacy.import_playbook"
    )
}
