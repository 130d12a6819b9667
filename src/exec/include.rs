//! `include_tasks` at run time: per host, the include's `when` and `loop` decide which files (with
//! which loop variable) it brings in; hosts that include the same file with the same variables share
//! its tasks, which run next, before the task after the include — as Ansible's linear strategy does.

use super::iterator::{Cursor, Position};
use super::result::{ItemResult, Status, TaskResult};
use super::worker;
use super::{Run, RunContext};
use crate::playbook::include::{Include, find_file, search_dirs};
use crate::playbook::{Node, Task};
use crate::template::Vars;
use indexmap::IndexMap;
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};
use std::sync::Arc;

const ACTION: &str = "include_tasks";

/// The files an include brought in for one host: each file's index among all the include's files,
/// and its tasks.
type IncludedFiles = Vec<(u32, Arc<Vec<Node>>)>;

/// One file one host includes: where, with which variables (the include's `vars` and loop
/// variable), and how the loop item is shown.
#[derive(Debug, Clone, PartialEq)]
struct Inclusion {
    path: PathBuf,
    vars: Map<String, Value>,
    label: Option<String>,
}

/// What an include does on one host.
enum HostInclusions {
    /// Its `when` was false (for every loop item), or the loop was empty.
    Skipped,
    /// The files, and the labels of the loop items whose `when` was false.
    Files(Vec<Inclusion>, Vec<String>),
    Failed(String),
}

/// A file included by some hosts with the same variables: loaded once, run by all of them together.
struct Group {
    inclusion: Inclusion,
    hosts: Vec<String>,
}

impl Run<'_> {
    /// Runs an `include_tasks` on `hosts`, then queues the included tasks in their cursors.
    pub(super) async fn include_round(
        &mut self,
        ctx: &RunContext<'_>,
        task: &Task,
        include: &Include,
        at: &Position,
        hosts: &[String],
        cursors: &mut IndexMap<String, Cursor<Task>>,
    ) {
        if ctx.interrupt.requested().is_some() {
            return;
        }
        self.reporter.task_start(task, false);
        let mut groups: Vec<Group> = Vec::new();
        let mut failed: Vec<(String, TaskResult)> = Vec::new();
        for name in hosts {
            let Some(host) = self.hosts.get_mut(name) else {
                continue;
            };
            let vars = worker::task_vars(ctx, host, task);
            match inclusions(ctx, task, &vars) {
                HostInclusions::Skipped => {
                    let result = worker::skipped("Conditional result was False", ACTION);
                    self.record(name, Some(task), &result);
                    self.after_include(name, task, &result, cursors, Vec::new(), at);
                }
                HostInclusions::Failed(msg) => {
                    failed.push((name.clone(), TaskResult::failed(msg, ACTION)));
                }
                HostInclusions::Files(files, skipped_items) => {
                    if !skipped_items.is_empty() {
                        // Shown as Ansible shows them; the recap counts only the inclusions.
                        let shown = items_skipped(skipped_items);
                        self.reporter.host_result(name, Some(task), &shown);
                    }
                    for inclusion in files {
                        match groups.iter_mut().find(|g| g.inclusion == inclusion) {
                            Some(group) => group.hosts.push(name.clone()),
                            None => groups.push(Group {
                                inclusion,
                                hosts: vec![name.clone()],
                            }),
                        }
                    }
                }
            }
        }
        let mut per_host: IndexMap<String, IncludedFiles> = IndexMap::new();
        for (index, group) in groups.iter().enumerate() {
            let inclusion = &group.inclusion;
            match include.load(&inclusion.path, &inclusion.vars) {
                Ok(nodes) => {
                    let nodes = Arc::new(nodes);
                    self.reporter.included(
                        &inclusion.path,
                        &group.hosts,
                        inclusion.label.as_deref(),
                    );
                    for name in &group.hosts {
                        self.summary.stats.entry(name.clone()).or_default().ok += 1;
                        per_host
                            .entry(name.clone())
                            .or_default()
                            .push((index as u32, nodes.clone()));
                    }
                }
                Err(e) => {
                    for name in &group.hosts {
                        failed.push((name.clone(), TaskResult::failed(e.to_string(), ACTION)));
                    }
                }
            }
        }
        for (name, result) in &failed {
            self.record(name, Some(task), result);
        }
        for name in hosts {
            if let Some((_, result)) = failed.iter().find(|(n, _)| n == name) {
                self.after_include(name, task, result, cursors, Vec::new(), at);
            } else if let Some(files) = per_host.swap_remove(name) {
                let done = TaskResult::new(Status::Ok, Map::new(), ACTION);
                self.after_include(name, task, &done, cursors, files, at);
            }
        }
    }

    /// Moves a host past the include (a failure to its block's `rescue`, as any task's), then
    /// queues the files it included.
    fn after_include(
        &mut self,
        name: &str,
        task: &Task,
        result: &TaskResult,
        cursors: &mut IndexMap<String, Cursor<Task>>,
        files: IncludedFiles,
        at: &Position,
    ) {
        let Some(cursor) = cursors.get_mut(name) else {
            return;
        };
        self.after_task(name, task, result, cursor, true);
        if !files.is_empty() {
            cursor.include_files(at, files);
        }
    }
}

/// The files `task` includes on a host whose variables are `vars`: one per loop item whose `when`
/// holds.
fn inclusions(ctx: &RunContext<'_>, task: &Task, vars: &Vars) -> HostInclusions {
    let passes: Vec<(Vars, Option<String>)> = match &task.loop_ {
        None => vec![(vars.clone(), None)],
        Some(spec) => {
            let items = match super::loops::loop_items(ctx, task, spec, vars) {
                Ok(items) => items,
                Err(msg) => return HostInclusions::Failed(msg),
            };
            let mut passes = Vec::with_capacity(items.len());
            for item in items {
                let mut item_vars = vars.clone();
                item_vars.insert(spec.loop_var.clone(), item.clone());
                match super::loops::item_label(ctx, spec, &item_vars, &item) {
                    Ok(label) => passes.push((item_vars, Some(label))),
                    Err(msg) => return HostInclusions::Failed(msg),
                }
            }
            passes
        }
    };
    let mut files = Vec::new();
    let mut skipped_items = Vec::new();
    for (pass_vars, label) in passes {
        match worker::task_conditions_hold(ctx, &task.when, &pass_vars) {
            Ok(true) => {}
            Ok(false) => {
                skipped_items.extend(label);
                continue;
            }
            Err(msg) => return HostInclusions::Failed(msg),
        }
        let path = match target_file(ctx, task, &pass_vars) {
            Ok(path) => path,
            Err(msg) => return HostInclusions::Failed(msg),
        };
        let mut included_vars = task.vars.clone();
        if let Some(spec) = &task.loop_
            && let Some(item) = pass_vars.get(&spec.loop_var)
        {
            included_vars.insert(spec.loop_var.clone(), item.clone());
            included_vars.insert(
                "ansible_loop_var".into(),
                Value::String(spec.loop_var.clone()),
            );
        }
        files.push(Inclusion {
            path,
            vars: included_vars,
            label,
        });
    }
    if files.is_empty() {
        HostInclusions::Skipped
    } else {
        HostInclusions::Files(files, skipped_items)
    }
}

/// `skipping: [host] => (item=…)` lines for the loop items an include skipped.
fn items_skipped(labels: Vec<String>) -> TaskResult {
    let mut result = TaskResult::new(Status::Ok, Map::new(), ACTION);
    result.items = labels
        .into_iter()
        .map(|label| {
            let skipped = worker::skipped("Conditional result was False", ACTION);
            ItemResult {
                label,
                status: Status::Skipped,
                ignored: false,
                result: skipped.result,
                diffs: Vec::new(),
                retries: Vec::new(),
            }
        })
        .collect();
    result
}

/// The include's file name, templated with the host's variables, found beside the including file
/// or in the playbook's directory; absolute, as Ansible shows it.
fn target_file(ctx: &RunContext<'_>, task: &Task, vars: &Vars) -> Result<PathBuf, String> {
    let rendered = ctx
        .templar
        .render_value(&Value::Object(task.args.clone()), vars)
        .map_err(|e| {
            format!(
                "The include's file name could not be templated: {e}. The error appears to be in '{}'",
                task.origin
            )
        })?;
    let name = match rendered.get("file").or_else(|| rendered.get("_raw_params")) {
        Some(Value::String(s)) => s.trim().to_string(),
        Some(other) => other.to_string(),
        None => return Err(format!("no file specified ({})", task.origin)),
    };
    let dirs = search_dirs(&task.origin.file, ctx.playbook_dir);
    match find_file(&name, &dirs) {
        Ok(path) => Ok(std::path::absolute(&path).unwrap_or(path)),
        Err(tried) => Err(format!(
            "Could not find or access '{}' on the controller (searched {}). The error appears to be in '{}'",
            name,
            shown(&tried),
            task.origin
        )),
    }
}

fn shown(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| Path::display(p).to_string())
        .collect::<Vec<_>>()
        .join(", ")
}
