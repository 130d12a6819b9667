//! Playbooks: the YAML a user wrote, checked and turned into [`Play`]s and [`Task`]s before any host
//! is touched. Anything drover does not support is an error here, naming file, line and the thing.

mod args;
#[cfg(test)]
mod fuzz;
mod keywords;
mod kv;
mod load;
mod raw;
#[allow(dead_code)] // wired into the loader in the next step
pub(crate) mod roles;
pub mod tags;
mod task;
pub mod tree;

pub use kv::{KvError, parse_kv};
pub use load::{LoadError, adhoc_task, load_playbook};
pub use tags::TagSelection;
pub use task::{BecomeKeywords, Loop, Retry, Task, WithLookup};

use crate::yaml::Origin;
use serde_json::{Map, Value};
use std::path::PathBuf;
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
    /// The implicit `setup` task that gathers facts first (`gather_facts`, on unless false).
    pub gather_facts: Option<Task>,
    /// `pre_tasks`, `tasks`, `post_tasks` as task trees (blocks): handlers run after each section,
    /// as in Ansible.
    pub sections: Vec<Arc<Vec<Node>>>,
    pub handlers: Vec<Task>,
    /// The play's own `tags:` (its tasks carry them too).
    pub tags: Vec<String>,
    pub origin: Origin,
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

    /// Keeps the tasks `--tags`/`--skip-tags` select (the fact gathering and handlers stay).
    pub fn select_tags(&mut self, selection: &TagSelection) {
        for section in &mut self.sections {
            let nodes: Vec<Node> = section.iter().cloned().collect();
            *section = Arc::new(tree::retain(nodes, &|task: &Task| {
                selection.runs(&task.tags)
            }));
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
