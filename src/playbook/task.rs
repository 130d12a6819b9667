//! A task as drover runs it: the module to call with its (untemplated) arguments, and the engine
//! keywords around it. Keywords live here and never reach a module.

use super::include::Include;
use crate::yaml::Origin;
use drover_modules::{DynModule, FreeForm};
use serde_json::{Map, Value};
use std::sync::Arc;

/// What a task iterates over: the untemplated `loop:`/`with_items:` value.
#[derive(Debug, Clone)]
pub struct Loop {
    pub items: Value,
    /// `with_items` flattens one level, `loop` does not.
    pub flatten: bool,
    pub loop_var: String,
    /// `loop_control.label`: how an item is shown.
    pub label: Option<String>,
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
    /// The task's tags with those of its blocks and play (`--tags`/`--skip-tags` select on them).
    pub tags: Vec<String>,
    /// `become*`: privilege escalation.
    pub escalation: BecomeKeywords,
    /// `include_tasks`: what the runner needs to include the file for a host.
    pub include: Option<Arc<Include>>,
    /// `run_once`, `delegate_to`, `any_errors_fatal`, … (see [`super::flow`]).
    pub flow: super::flow::TaskFlow,
    pub origin: Origin,
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
        self.name.clone().unwrap_or_else(|| self.action.clone())
    }

    /// The keys a handler is notified by: its name and its `listen` topics.
    pub fn answers_to(&self, notification: &str) -> bool {
        self.name.as_deref() == Some(notification)
            || self.listen.iter().any(|l| l == notification)
            || self.action == notification
    }

    pub fn free_form(&self) -> FreeForm {
        self.module.free_form()
    }
}
