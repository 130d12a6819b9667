//! A task as drover runs it: the module to call with its (untemplated) arguments, and the engine
//! keywords around it. Keywords live here and never reach a module.

use super::include::Include;
use crate::yaml::Origin;
use drover_modules::{DynModule, FreeForm};
use serde_json::{Map, Value};
use std::path::PathBuf;
use std::sync::Arc;

/// What a task iterates over: the untemplated `loop:` or `with_<lookup>:` value and `loop_control`.
#[derive(Debug, Clone)]
pub struct Loop {
    pub items: Value,
    /// `None` for `loop:`; the lookup of `with_<lookup>:` otherwise.
    pub with: Option<WithLookup>,
    pub loop_var: String,
    /// `loop_control.label`: how an item is shown.
    pub label: Option<String>,
    /// `loop_control.index_var`: the name of the item's 0-based index.
    pub index_var: Option<String>,
    /// `loop_control.pause`: seconds between items (may be a template).
    pub pause: Option<Value>,
    /// `loop_control.extended`: `ansible_loop` is set (may be a template).
    pub extended: Option<Value>,
    /// `loop_control.extended_allitems`: `ansible_loop.allitems` is set (default true).
    pub extended_allitems: Option<Value>,
    /// `loop_control.break_when`: conditions that end the loop after an item.
    pub break_when: Vec<Value>,
}

/// The lookup of a `with_<lookup>:` loop: any lookup of drover's one registry, since Ansible's
/// `with_X: terms` is `lookup('X', terms, wantlist=True)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WithLookup(&'static str);

impl WithLookup {
    /// Every lookup a `with_` loop can name.
    pub fn all() -> impl Iterator<Item = WithLookup> {
        crate::template::lookups::LOOKUPS
            .iter()
            .map(|(name, _)| WithLookup(name))
    }

    pub fn name(self) -> &'static str {
        self.0
    }

    /// The lookup of a `with_<name>` keyword.
    pub fn from_keyword(keyword: &str) -> Option<WithLookup> {
        let name = crate::template::lookups::short_name(keyword.strip_prefix("with_")?);
        WithLookup::all().find(|l| l.name() == name)
    }
}

/// `until`/`retries`/`delay`: a task pass repeated until its conditions hold.
#[derive(Debug, Clone, Default)]
pub struct Retry {
    /// `until:` (all must hold); empty: retried while the pass fails (`retries` alone).
    pub until: Vec<Value>,
    /// `retries:` (default 3 when `until` is set); may be a template.
    pub retries: Option<Value>,
    /// `delay:` seconds between attempts (default 5); may be a template.
    pub delay: Option<Value>,
}

/// `become`, `become_user`, `become_method`, `become_flags`, `become_exe` as written (templated per
/// host when the task runs); a task's own value wins over the block's and the play's.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BecomeKeywords {
    /// `become`
    pub enabled: Option<Value>,
    pub user: Option<Value>,
    pub method: Option<Value>,
    pub flags: Option<Value>,
    pub exe: Option<Value>,
}

impl BecomeKeywords {
    /// `self`'s values, else `parent`'s.
    pub fn or(&self, parent: &BecomeKeywords) -> BecomeKeywords {
        let pick =
            |own: &Option<Value>, inherited: &Option<Value>| own.clone().or(inherited.clone());
        BecomeKeywords {
            enabled: pick(&self.enabled, &parent.enabled),
            user: pick(&self.user, &parent.user),
            method: pick(&self.method, &parent.method),
            flags: pick(&self.flags, &parent.flags),
            exe: pick(&self.exe, &parent.exe),
        }
    }
}

#[derive(Clone)]
pub struct Task {
    pub name: Option<String>,
    pub module: &'static dyn DynModule,
    /// The module name as written (`ansible.builtin.copy`), for messages.
    pub action: String,
    pub args: Map<String, Value>,
    pub when: Vec<Value>,
    pub loop_: Option<Loop>,
    /// `until`/`retries`/`delay`, when `until` or `retries` is set.
    pub retry: Option<Retry>,
    pub register: Option<String>,
    pub notify: Vec<String>,
    /// Names a handler also answers to.
    pub listen: Vec<String>,
    pub vars: Map<String, Value>,
    pub ignore_errors: Value,
    pub changed_when: Option<Vec<Value>>,
    pub failed_when: Option<Vec<Value>>,
    pub no_log: Value,
    /// Per-task `check_mode:` (None: follow `--check`).
    pub check_mode: Option<Value>,
    pub diff: Option<Value>,
    /// `timeout:` seconds (may be a template); each pass (loop item) fails after it.
    pub timeout: Option<Value>,
    /// `async:` seconds the task may run (may be a template); `poll:` its poll interval.
    pub async_seconds: Option<Value>,
    pub poll: Option<Value>,
    /// The task's tags with those of its blocks and play (`--tags`/`--skip-tags` select on them).
    pub tags: Vec<String>,
    /// `become*`: privilege escalation.
    pub escalation: BecomeKeywords,
    /// `environment:` as written at each level, outermost (play) first: templated and merged per
    /// host when the task runs, the innermost winning.
    pub environment: Vec<Value>,
    /// `include_tasks`: what the runner needs to include the file for a host.
    pub include: Option<Arc<Include>>,
    /// `run_once`, `delegate_to`, `any_errors_fatal`, … (see [`super::flow`]).
    pub flow: super::flow::TaskFlow,
    /// The role the task belongs to (its variables, `role_path`, where its files are found).
    pub role: Option<Arc<RoleScope>>,
    pub origin: Origin,
}

/// What a task of a role sees of it at run time, computed once when the role is placed in the play
/// (Ansible's `Role.get_default_vars`/`get_vars`/`get_role_params` along the dependency chain).
#[derive(Debug, Clone, Default)]
pub struct RoleScope {
    /// `role_name`
    pub name: String,
    /// The name shown (`role : task`) and notified by: `ns.coll.role` for a collection role.
    pub full_name: String,
    /// `role_path`
    pub path: PathBuf,
    /// Lowest of all: its dependencies' defaults, then its parents', then its own.
    pub defaults: Map<String, Value>,
    /// Above play vars: its parents' and its dependencies' `vars/`, its own, then the `vars:` it was
    /// named with.
    pub vars: Map<String, Value>,
    /// Role parameters (`- role: x` `port: 80`), above registered results and `set_fact`.
    pub params: Map<String, Value>,
    /// Directories searched for a relative `src`: this role, then the roles that pulled it in.
    pub search: Vec<PathBuf>,
    /// `ansible_parent_role_names`: the roles that imported this one, nearest first (only set
    /// under `import_role`, as in Ansible).
    pub parent_names: Vec<String>,
    /// The roles this one runs within, outermost first, itself last (variables inherited by the
    /// roles it imports).
    pub chain: Vec<RoleLink>,
    /// Set unless the role allows duplicates: it runs once per play for its identity.
    pub repeat: Option<RoleRepeat>,
}

/// A role that runs once per play: the same role with the same parameters and keywords named again
/// runs no more (Ansible's `has_run`).
#[derive(Debug, Clone, Default)]
pub struct RoleRepeat {
    /// The role's identity as Ansible compares roles (path, parameters, keywords, entry points).
    pub identity: String,
    /// Which placement of the role in the play this is.
    pub placement: usize,
}

/// One role of a dependency chain: the parts a role it pulls in inherits.
#[derive(Debug, Clone, Default)]
pub struct RoleLink {
    pub name: String,
    pub path: PathBuf,
    pub defaults: Map<String, Value>,
    pub role_vars: Map<String, Value>,
    pub vars_keyword: Map<String, Value>,
    pub params: Map<String, Value>,
}

impl RoleScope {
    /// The variables Ansible gives a role's tasks as magic variables.
    pub fn magic_vars(&self) -> Map<String, Value> {
        let mut vars = Map::new();
        vars.insert("role_name".into(), Value::from(self.name.clone()));
        vars.insert(
            "ansible_role_name".into(),
            Value::from(self.full_name.clone()),
        );
        vars.insert(
            "role_path".into(),
            Value::from(self.path.display().to_string()),
        );
        // Ansible's search path: the role, the roles above it, then the task file's directory.
        let mut search: Vec<Value> = self
            .search
            .iter()
            .map(|p| Value::from(p.display().to_string()))
            .collect();
        search.push(Value::from(self.path.join("tasks").display().to_string()));
        vars.insert("ansible_search_path".into(), Value::Array(search));
        if !self.parent_names.is_empty() {
            vars.insert(
                "ansible_parent_role_names".into(),
                Value::from(self.parent_names.clone()),
            );
            let paths: Vec<String> = self.chain[..self.chain.len().saturating_sub(1)]
                .iter()
                .rev()
                .map(|l| l.path.display().to_string())
                .collect();
            vars.insert("ansible_parent_role_paths".into(), Value::from(paths));
        }
        vars
    }
}

impl std::fmt::Debug for Task {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Task")
            .field("name", &self.display_name())
            .field("args", &self.args)
            .field("origin", &self.origin)
            .finish_non_exhaustive()
    }
}

impl Task {
    /// What the output shows: the task's name, else its action (Ansible shows `copy`).
    pub fn display_name(&self) -> String {
        // An `include_role` is shown by its own name, never prefixed by the role it sits in
        // (ansible-core's `IncludeRole.get_name`), else as `include_role : ROLE`.
        if let Some(title) = self.include.as_ref().and_then(|i| i.title.clone()) {
            return self.name.clone().unwrap_or(title);
        }
        let own = self.name.clone().unwrap_or_else(|| self.action.clone());
        // ansible-core's `IncludeRole.get_name`: a named `include_role` shows its name alone,
        // even inside a role.
        if self.name.is_some() && self.include.as_ref().is_some_and(|i| i.is_role()) {
            return own;
        }
        match &self.role {
            // Ansible shows a role's task as `role : task`.
            Some(role) => format!("{} : {own}", role.full_name),
            None => own,
        }
    }

    pub fn free_form(&self) -> FreeForm {
        self.module.free_form()
    }
}
