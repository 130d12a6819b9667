//! Playbooks: the YAML a user wrote, checked and turned into [`Play`]s and [`Task`]s before any host
//! is touched. Anything drover does not support is an error here, naming file, line and the thing.

mod args;
mod engine;
pub mod flow;
#[cfg(test)]
mod fuzz;
pub mod include;
pub mod keywords;
mod kv;
mod load;
mod old_style;
mod play_roles;
mod raw;
pub(crate) mod role;
mod role_argspec;
pub(crate) mod roles;
pub mod tags;
mod task;
pub mod tree;
pub mod vars_prompt;

pub use engine::{
    ADD_HOST_GROUPS, ADD_HOST_NAME, action_names as engine_action_names, include_vars_params,
};
pub use kv::{KvError, parse_kv};
pub use load::{
    LoadError, adhoc_task, load_playbook, load_playbook_with_roles, load_playbook_with_vars,
};
pub use tags::TagSelection;
pub use task::{BecomeKeywords, Loop, Retry, RoleLink, RoleRepeat, RoleScope, Task, WithLookup};

use crate::yaml::Origin;
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A playbook file: its plays, in order.
#[derive(Debug, Clone)]
pub struct Playbook {
    pub path: PathBuf,
    /// The directory relative paths (`vars_files`, `copy src=`, `template src=`) resolve against.
    pub dir: PathBuf,
    pub plays: Vec<Play>,
}

/// One play: which hosts, which variables, which tasks.
#[derive(Debug, Clone)]
pub struct Play {
    pub name: String,
    /// The host pattern (`webservers:&prod`).
    pub hosts: String,
    pub vars: Map<String, Value>,
    /// Files of variables; may contain templates (`vars/{{ env }}.yml`), loaded per host at run time.
    pub vars_files: Vec<String>,
    /// `vars_prompt`: asked before the run (unless given with `-e`), answers go to `vars`.
    pub prompts: Vec<vars_prompt::VarPrompt>,
    /// The implicit `setup` task that gathers facts first (`gather_facts`, on unless false).
    pub gather_facts: Option<Task>,
    /// `pre_tasks`, `tasks`, `post_tasks` as task trees (blocks): handlers run after each section,
    /// as in Ansible.
    pub sections: Vec<Arc<Vec<Node>>>,
    pub handlers: Vec<Task>,
    /// The play's own `tags:` (its tasks carry them too).
    pub tags: Vec<String>,
    /// Why its templated `tags:` (or a task's) could not be rendered: ansible-playbook runs the
    /// plays before it and stops at this one, after its banner.
    pub tags_error: Option<String>,
    /// `serial`, `order`, `max_fail_percentage`, `force_handlers`.
    pub flow: flow::PlayFlow,
    /// What its roles (`roles:`, `import_role`) give every task of the play.
    pub roles: PlayRoles,
    pub origin: Origin,
}

/// What the roles of a play give every task of it, as Ansible's public roles do.
#[derive(Debug, Clone, Default)]
pub struct PlayRoles {
    /// Every role's defaults (its dependencies' first): the lowest variables of all.
    pub defaults: Map<String, Value>,
    /// Every role's `vars/` (its dependencies' first): above `vars_files`.
    pub vars: Map<String, Value>,
    /// `ansible_play_role_names`: the roles the play names itself.
    pub names: Vec<String>,
    /// `ansible_dependent_role_names`: the roles pulled in as dependencies.
    pub dependencies: Vec<String>,
}

impl PlayRoles {
    /// The role names every task of the play sees.
    pub fn magic_vars(&self) -> Map<String, Value> {
        let mut vars = Map::new();
        vars.insert(
            "ansible_play_role_names".into(),
            Value::from(self.names.clone()),
        );
        vars.insert("role_names".into(), Value::from(self.names.clone()));
        let mut all = self.names.clone();
        all.extend(self.dependencies.iter().cloned());
        all.sort();
        all.dedup();
        vars.insert("ansible_role_names".into(), Value::from(all));
        vars.insert(
            "ansible_dependent_role_names".into(),
            Value::from(self.dependencies.clone()),
        );
        vars
    }
}

/// A task or a block of them, as the runner walks it.
pub type Node = tree::Node<Task>;

impl Play {
    /// Every task, in the order written.
    pub fn tasks(&self) -> impl Iterator<Item = &Task> {
        self.sections
            .iter()
            .flat_map(|section| section.iter().flat_map(|node| node.tasks()))
    }

    /// Renders the templated `tags:` of the play and its tasks with the play's variables (`vars`:
    /// Ansible's `get_vars(play=play)`, no host's), as Ansible does before `--tags`/`--skip-tags`
    /// select and before `--list-tasks`/`--list-tags` show them. Included tasks are rendered when
    /// included, with these variables and the include's. A tag that cannot be rendered is an error
    /// naming its task.
    pub fn render_tags(&mut self, vars: &Arc<Map<String, Value>>) -> Result<(), LoadError> {
        let templar = crate::template::Templar::new();
        let at = |origin: &Origin, e: String| load::invalid(origin, format!("`tags`: {e}"));
        self.tags = tags::render(&self.tags, &templar, vars).map_err(|e| at(&self.origin, e))?;
        let failed: std::cell::RefCell<Option<LoadError>> = Default::default();
        let render = |task: &Arc<Task>| {
            let needs_vars = task.include.is_some();
            if !needs_vars && !task.tags.iter().any(|t| tags::is_templated(t)) {
                return Arc::clone(task);
            }
            let mut task = Task::clone(task);
            match tags::render(&task.tags, &templar, vars) {
                Ok(rendered) => task.tags = rendered,
                Err(e) => {
                    failed
                        .borrow_mut()
                        .get_or_insert_with(|| at(&task.origin, e));
                }
            }
            if let Some(include) = &task.include {
                task.include = Some(Arc::new(include.with_tag_vars(vars)));
            }
            Arc::new(task)
        };
        for section in &mut self.sections {
            *section = Arc::new(tree::map_tasks(section, &render));
        }
        match failed.into_inner() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// Keeps the tasks `--tags`/`--skip-tags` select (the fact gathering and handlers stay), then
    /// drops the repeats of roles that already ran in the play; includes keep the selection for
    /// the tasks they bring in at run time. Run it before running the play (with
    /// `TagSelection::default()` to keep every task).
    pub fn select_tags(&mut self, selection: &TagSelection) {
        // Role identity → the placement that runs it.
        let ran: std::cell::RefCell<std::collections::HashMap<String, usize>> = Default::default();
        let keep = |task: &Task| {
            if !selection.runs(&task.tags) {
                return false;
            }
            let Some(repeat) = task.role.as_ref().and_then(|r| r.repeat.as_ref()) else {
                return true;
            };
            let mut ran = ran.borrow_mut();
            let first = *ran
                .entry(repeat.identity.clone())
                .or_insert(repeat.placement);
            first == repeat.placement
        };
        let remember = |task: &Arc<Task>| match &task.include {
            Some(include) => {
                let mut task = Task::clone(task);
                task.include = Some(Arc::new(include.with_selection(selection)));
                Arc::new(task)
            }
            None => Arc::clone(task),
        };
        for section in &mut self.sections {
            let nodes: Vec<Node> = section.iter().cloned().collect();
            let kept = tree::retain(nodes, &keep);
            *section = Arc::new(tree::map_tasks(&kept, &remember));
        }
    }

    /// The directory the play's relative paths start from: its own file's (a play imported with
    /// `import_playbook` from elsewhere has its own), else `fallback`.
    pub fn dir(&self, fallback: &Path) -> PathBuf {
        match self.origin.file.parent() {
            Some(dir)
                if !dir.as_os_str().is_empty() && !self.origin.file.as_os_str().is_empty() =>
            {
                dir.to_path_buf()
            }
            _ => fallback.to_path_buf(),
        }
    }

    /// Every tag a task of this play has, sorted (`--list-tags`).
    pub fn task_tags(&self) -> Vec<String> {
        let mut tags: Vec<String> = self.tasks().flat_map(|t| t.tags.iter().cloned()).collect();
        tags.sort();
        tags.dedup();
        tags
    }
}

/// Values of `hosts:` may be a list; Ansible joins it into one pattern.
pub(crate) fn pattern_from_value(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Array(items) => Some(
            items
                .iter()
                .map(|i| match i {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect::<Vec<_>>()
                .join(","),
        ),
        _ => None,
    }
}
