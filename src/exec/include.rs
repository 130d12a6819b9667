//! `include_tasks` and `include_role` at run time: per host, the include's `when` and `loop` decide
//! which files or roles (with which loop variable) it brings in; hosts that include the same file
//! or role with the same variables share its tasks, which run next, before the task after the
//! include — as Ansible's linear strategy does. An included role's handlers join the play's, and
//! `public: true` leaves its variables to the rest of the play.

use super::iterator::{Cursor, Position};
use super::result::{ItemResult, Status, TaskResult};
use super::{Run, RunContext};
use super::{handler_names, worker};
use crate::playbook::include::{Include, IncludedRole, RoleRequest, find_file, search_dirs};
use crate::playbook::{Node, Play, Task, tree};
use crate::template::Vars;
use indexmap::IndexMap;
use serde_json::{Map, Value};
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// What the includes of the current play have added to it.
#[derive(Default)]
pub(super) struct PlayIncludes {
    /// The play's own handlers (its roles' first), their templated names rendered.
    pub play_handlers: Vec<Arc<Task>>,
    /// The handlers of included roles, after the play's own (as Ansible appends them).
    pub handlers: Vec<Arc<Task>>,
    /// Warnings for handlers whose names could not be rendered, given when a notification first
    /// looks for a handler (as ansible-core renders names then).
    unusable: Vec<String>,
    /// What an included role's handler names are rendered with, besides the role's variables.
    name_vars: Map<String, Value>,
    /// Which handlers are in `handlers` already (a role included twice adds them once).
    handler_keys: HashSet<String>,
    /// Roles that run once per play (their identity) placed statically in the play.
    static_roles: HashSet<String>,
    /// Per host, the once-per-play roles an include has run there.
    ran: HashMap<String, HashSet<String>>,
}

impl PlayIncludes {
    /// Nothing included yet in `play`, whose statically placed roles have run (or will) already.
    pub fn new(play: &Play, ctx: &RunContext<'_>) -> Self {
        let static_roles = play
            .tasks()
            .filter_map(|t| t.role.as_ref()?.repeat.as_ref())
            .map(|r| r.identity.clone())
            .collect();
        let (play_handlers, unusable) = named_handlers(play, ctx);
        PlayIncludes {
            play_handlers,
            unusable,
            name_vars: handler_names::play_name_vars(play),
            static_roles,
            ..PlayIncludes::default()
        }
    }

    /// Every handler of the play, in the order they run: the play's, then included roles'.
    pub fn all_handlers(&self) -> Vec<Arc<Task>> {
        self.play_handlers
            .iter()
            .chain(self.handlers.iter())
            .cloned()
            .collect()
    }

    /// The warnings for unusable handler names not given yet, once `result` looks for handlers.
    pub fn unusable_warnings(&mut self, result: &TaskResult) -> Vec<String> {
        if result.notified.is_empty() {
            return Vec::new();
        }
        std::mem::take(&mut self.unusable)
    }

    /// ansible-core's message for the first handler name `result` notified that no handler of
    /// the play answers to (the run stops, or with `error_on_missing_handler = false` it warns).
    pub fn missing_handler(&self, result: &TaskResult) -> Option<String> {
        let missing = result.notified.iter().find(|n| {
            let all = self.play_handlers.iter().chain(self.handlers.iter());
            !super::notify::answered(all, n)
        })?;
        Some(format!(
            "The requested handler '{missing}' was not found in either the main handlers list nor in the listening handlers list"
        ))
    }

    fn add_handlers(&mut self, handlers: &[Task], ctx: &RunContext<'_>) {
        for handler in handlers {
            let role = handler.role.as_ref().map(|r| r.path.display().to_string());
            let key = format!("{}|{}", handler.origin, role.unwrap_or_default());
            if self.handler_keys.insert(key) {
                let (named, unusable) = handler_names::named(handler, &self.name_vars, ctx);
                self.handlers.push(named);
                self.unusable.extend(unusable);
            }
        }
    }

    /// The tasks of an included role on `host`, without the once-per-play roles (its dependencies,
    /// or itself with `allow_duplicates: false`) that already ran there, as Ansible's `has_run`.
    fn not_yet_run(&mut self, host: &str, nodes: &Arc<Vec<Node>>) -> Arc<Vec<Node>> {
        let repeats = |t: &Task| t.role.as_ref().is_some_and(|r| r.repeat.is_some());
        if !nodes.iter().any(|n| n.tasks().any(repeats)) {
            return Arc::clone(nodes);
        }
        let ran = self.ran.entry(host.to_string()).or_default();
        let placed: RefCell<HashMap<String, usize>> = RefCell::default();
        let keep = |task: &Task| {
            let Some(repeat) = task.role.as_ref().and_then(|r| r.repeat.as_ref()) else {
                return true;
            };
            if self.static_roles.contains(&repeat.identity) || ran.contains(&repeat.identity) {
                return false;
            }
            let mut placed = placed.borrow_mut();
            *placed
                .entry(repeat.identity.clone())
                .or_insert(repeat.placement)
                == repeat.placement
        };
        let kept = blank_out(nodes, &keep);
        ran.extend(placed.into_inner().into_keys());
        Arc::new(kept)
    }

    /// Every role an include placed on `host` has run there (a later once-per-play include of it
    /// does not run again).
    fn ran_on(&mut self, host: &str, placed: &[String]) {
        let ran = self.ran.entry(host.to_string()).or_default();
        ran.extend(placed.iter().cloned());
    }
}

/// `nodes` with each task `keep` refuses replaced by an empty block: the tasks after it keep their
/// places, so hosts that skip a role run the rest in step with hosts that do not (Ansible keeps the
/// role's tasks and passes them over).
fn blank_out(nodes: &[Node], keep: &dyn Fn(&Task) -> bool) -> Vec<Node> {
    let empty = || {
        Node::Block(Arc::new(tree::Block {
            block: Vec::new(),
            rescue: Vec::new(),
            always: Vec::new(),
        }))
    };
    nodes
        .iter()
        .map(|node| match node {
            Node::Task(task) if keep(task) => node.clone(),
            Node::Task(_) => empty(),
            Node::Block(block) => Node::Block(Arc::new(tree::Block {
                block: blank_out(&block.block, keep),
                rescue: blank_out(&block.rescue, keep),
                always: blank_out(&block.always, keep),
            })),
        })
        .collect()
}

fn action_of(include: &Include) -> &'static str {
    if include.is_role() {
        "include_role"
    } else {
        "include_tasks"
    }
}

/// What one inclusion brings in: a task file, or a role.
#[derive(Debug, Clone, PartialEq)]
enum Target {
    File(PathBuf),
    Role(RoleRequest),
}

/// The files an include brought in for one host: each file's index among all the include's files,
/// and its tasks.
type IncludedFiles = Vec<(u32, Arc<Vec<Node>>)>;

/// One file one host includes: where, with which variables (the include's `vars` and loop
/// variable), and how the loop item is shown.
#[derive(Debug, Clone, PartialEq)]
struct Inclusion {
    target: Target,
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
    /// Runs an `include_tasks` or `include_role` on `hosts`, then queues the included tasks in
    /// their cursors.
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
        let action = action_of(include);
        let (shown, name_warning) = match hosts.first().and_then(|name| self.hosts.get_mut(name)) {
            Some(first) => super::banner::shown(ctx, first, task),
            None => (std::borrow::Cow::Borrowed(task), None),
        };
        if let Some(warning) = &name_warning {
            self.reporter.warning(warning);
        }
        self.reporter.task_start(&shown, include.is_handler());
        let mut groups: Vec<Group> = Vec::new();
        let mut failed: Vec<(String, TaskResult)> = Vec::new();
        for name in hosts {
            let Some(host) = self.hosts.get_mut(name) else {
                continue;
            };
            let vars = worker::task_vars(ctx, host, task);
            match inclusions(ctx, task, include, &vars) {
                HostInclusions::Skipped => {
                    let result = worker::skipped("Conditional result was False", action);
                    self.record(name, Some(task), &result);
                    self.after_include(name, task, &result, cursors, Vec::new(), at);
                }
                HostInclusions::Failed(msg) => {
                    failed.push((name.clone(), TaskResult::failed(msg, action)));
                }
                HostInclusions::Files(files, skipped_items) => {
                    if !skipped_items.is_empty() {
                        // Shown as Ansible shows them; the recap counts only the inclusions.
                        let shown = items_skipped(skipped_items, action);
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
            let loaded = match &inclusion.target {
                Target::File(path) => include
                    .load(path, &inclusion.vars)
                    .map(|nodes| (path.clone(), nodes, None)),
                Target::Role(request) => include
                    .load_role(request, &task.origin, &inclusion.vars)
                    .map(|mut role| {
                        let nodes = std::mem::take(&mut role.nodes);
                        (PathBuf::from(&role.name), nodes, Some((request, role)))
                    }),
            };
            match loaded {
                Ok((shown, nodes, role)) => {
                    let nodes = Arc::new(nodes);
                    self.reporter
                        .included(&shown, &group.hosts, inclusion.label.as_deref());
                    if let Some((_, role)) = &role {
                        self.includes.add_handlers(&role.handlers, ctx);
                    }
                    for name in &group.hosts {
                        self.summary.stats.entry(name.clone()).or_default().ok += 1;
                        let nodes = match &role {
                            Some((request, role)) => {
                                self.role_included(name, request, role);
                                let nodes = self.includes.not_yet_run(name, &nodes);
                                self.includes.ran_on(name, &role.placed);
                                nodes
                            }
                            None => nodes.clone(),
                        };
                        per_host
                            .entry(name.clone())
                            .or_default()
                            .push((index as u32, nodes));
                    }
                }
                Err(e) => {
                    for name in &group.hosts {
                        failed.push((name.clone(), TaskResult::failed(e.to_string(), action)));
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
                let done = TaskResult::new(Status::Ok, Map::new(), action);
                self.after_include(name, task, &done, cursors, files, at);
            }
        }
    }

    /// A public include leaves the role's defaults and `vars/` to the rest of the play on `name`.
    fn role_included(&mut self, name: &str, request: &RoleRequest, role: &IncludedRole) {
        if !request.public {
            return;
        }
        if let Some(host) = self.hosts.get_mut(name) {
            host.role_defaults.extend(role.defaults.clone());
            host.play_vars.extend(role.vars.clone());
            host.scope = None;
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

/// The play's handlers with templated names (`name: "restart {{ service }}"`) rendered once with
/// the play's variables and the extra vars, as ansible-core renders them (no host's variables). A
/// name that cannot be rendered stays as written.
fn named_handlers(play: &Play, ctx: &RunContext<'_>) -> (Vec<Arc<Task>>, Vec<String>) {
    let vars = handler_names::play_name_vars(play);
    play.handlers
        .iter()
        .map(|handler| handler_names::named(handler, &vars, ctx))
        .fold(
            (Vec::new(), Vec::new()),
            |(mut named, mut unusable), (handler, warning)| {
                named.push(handler);
                unusable.extend(warning);
                (named, unusable)
            },
        )
}

/// The files `task` includes on a host whose variables are `vars`: one per loop item whose `when`
/// holds.
fn inclusions(ctx: &RunContext<'_>, task: &Task, include: &Include, vars: &Vars) -> HostInclusions {
    // Each pass: the host's variables with the item's, the item's loop variables alone, its label.
    let passes: Vec<(Vars, Vars, Option<String>)> = match &task.loop_ {
        None => vec![(vars.clone(), Vars::new(), None)],
        Some(spec) => match loop_passes(ctx, task, spec, vars) {
            Ok(passes) => passes,
            Err(msg) => return HostInclusions::Failed(msg),
        },
    };
    let mut files = Vec::new();
    let mut skipped_items = Vec::new();
    for (pass_vars, loop_vars, label) in passes {
        match worker::task_conditions_hold(ctx, &task.when, &pass_vars) {
            Ok(true) => {}
            Ok(false) => {
                skipped_items.extend(label);
                continue;
            }
            Err(msg) => return HostInclusions::Failed(msg),
        }
        let rendered = if include.is_role() {
            target_role(ctx, task, &pass_vars).map(Target::Role)
        } else {
            target_file(ctx, task, &pass_vars).map(Target::File)
        };
        let target = match rendered {
            Ok(target) => target,
            Err(msg) => return HostInclusions::Failed(msg),
        };
        let mut included_vars = task.vars.clone();
        included_vars.extend(loop_vars);
        files.push(Inclusion {
            target,
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

/// One pass per loop item: the variables it runs with, the loop's own (`loop_var`, `index_var`,
/// `ansible_loop`…, which the included tasks see too) and its label.
fn loop_passes(
    ctx: &RunContext<'_>,
    task: &Task,
    spec: &crate::playbook::Loop,
    vars: &Vars,
) -> Result<Vec<(Vars, Vars, Option<String>)>, String> {
    let spec = &*super::loops::with_rendered_names(ctx, spec, vars)?;
    let settings = super::loops::LoopSettings::of(ctx, spec, vars)?;
    let items = super::loops::loop_items(ctx, task, spec, vars)?;
    let mut passes = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        let loop_vars = super::loops::loop_vars(spec, &settings, &items, index);
        let mut item_vars = vars.clone();
        item_vars.extend(loop_vars.clone());
        let label = super::loops::item_label(ctx, spec, &item_vars, item)?;
        passes.push((item_vars, loop_vars, Some(label)));
    }
    Ok(passes)
}

/// `skipping: [host] => (item=…)` lines for the loop items an include skipped.
fn items_skipped(labels: Vec<String>, action: &'static str) -> TaskResult {
    let mut result = TaskResult::new(Status::Ok, Map::new(), action);
    result.items = labels
        .into_iter()
        .map(|label| {
            let skipped = worker::skipped("Conditional result was False", action);
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

/// The role an `include_role` names, its arguments templated with the host's variables.
fn target_role(ctx: &RunContext<'_>, task: &Task, vars: &Vars) -> Result<RoleRequest, String> {
    let rendered = ctx
        .templar
        .render_value(&Value::Object(task.args.clone()), vars)
        .map_err(|e| {
            format!(
                "The include's role could not be templated: {e}. The error appears to be in '{}'",
                task.origin
            )
        })?;
    let args = match rendered {
        Value::Object(args) => args,
        other => {
            return Err(format!(
                "include_role arguments must be a mapping, not {other}"
            ));
        }
    };
    RoleRequest::from_args(&args, &task.origin).map_err(|e| e.to_string())
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
    let dirs = include_dirs(task, ctx.playbook_dir);
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

/// Where an include's relative file is looked for: beside the including file, then, in a role,
/// the role's `tasks/` (as ansible-core finds a role handler's `include_tasks: B.yml` in
/// `tasks/B.yml`), then the playbook's directory.
fn include_dirs(task: &Task, playbook_dir: &Path) -> Vec<PathBuf> {
    let mut dirs = search_dirs(&task.origin.file, playbook_dir);
    if let Some(role) = &task.role {
        let tasks = role.path.join("tasks");
        if !dirs.contains(&tasks) {
            dirs.insert(1.min(dirs.len()), tasks);
        }
    }
    dirs
}

fn shown(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| Path::display(p).to_string())
        .collect::<Vec<_>>()
        .join(", ")
}
