//! The runner: plays in order; within a play, tasks in order (linear strategy: every host finishes
//! task N before any starts N+1); within a task, every remaining host at once, bounded by `--forks`.
//! A failed or unreachable host leaves the play; the others go on.

pub(crate) mod r#become;
mod connect;
mod host;
mod interrupt;
pub(crate) mod iterator;
mod magic;
mod result;
mod timeout;
mod worker;

pub use connect::connection_spec;
pub use interrupt::{Interrupt, StopSignal};
pub use result::{HostStats, ItemResult, Status, TaskResult};

use crate::inventory::Inventory;
use crate::playbook::{Node, Play, Playbook, Task};
use crate::report::Reporter;
use crate::template::{Templar, Vars};
use crate::transport::HostKeyChecking;
use crate::transport::pool::{Limits, Pool};
use futures::StreamExt;
use host::{HostState, Link};
use indexmap::IndexMap;
use iterator::{AfterFailure, Cursor, Outcome};
use serde_json::{Map, Value};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// How to run: everything the command line decided.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub forks: usize,
    pub check: bool,
    pub diff: bool,
    pub verbosity: u8,
    pub extra_vars: Map<String, Value>,
    pub limit: Option<String>,
    /// `--host-key-checking`; `None` leaves it to the inventory's ssh options (default strict).
    pub host_key_checking: Option<HostKeyChecking>,
    /// `--timeout`; `None` leaves it to the ssh options and `~/.ssh/config` (default 10 s).
    pub connect_timeout: Option<Duration>,
    /// `--max-connections`: SSH connections open at once (default: what the open-file limit allows).
    pub max_connections: Option<usize>,
    /// `--max-handshakes`: SSH connections being set up at once.
    pub max_handshakes: Option<usize>,
    /// `--task-timeout`: each task pass fails after this long, unless the task sets `timeout:`.
    pub task_timeout: Option<Duration>,
    /// `-b/--become`: become for every task that does not say otherwise.
    pub become_default: bool,
    /// `--become-user`.
    pub become_user: Option<String>,
    /// `-K/--ask-become-pass`: asked once, given to sudo on stdin.
    pub become_password: Option<String>,
    /// ansible.cfg's `remote_user`, `remote_port`, `private_key_file` (or `ANSIBLE_*`): used where the
    /// inventory sets no `ansible_user`, `ansible_port`, `ansible_ssh_private_key_file`.
    pub remote_user: Option<String>,
    pub remote_port: Option<u16>,
    pub private_key_file: Option<PathBuf>,
    /// `--tags` and `--skip-tags` as given (`ansible_run_tags`, `ansible_skip_tags`).
    pub run_tags: Vec<String>,
    pub skip_tags: Vec<String>,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            forks: 50,
            check: false,
            diff: false,
            verbosity: 0,
            extra_vars: Map::new(),
            limit: None,
            host_key_checking: None,
            connect_timeout: None,
            become_default: false,
            become_user: None,
            become_password: None,
            max_connections: None,
            max_handshakes: None,
            task_timeout: None,
            remote_user: None,
            remote_port: None,
            private_key_file: None,
            run_tags: Vec::new(),
            skip_tags: Vec::new(),
        }
    }
}

/// What the workers of one play share.
pub struct RunContext<'a> {
    pub options: &'a RunOptions,
    /// The run's templates with this play's shared magic variables as globals (see
    /// [`play_globals`]).
    pub templar: &'a Templar,
    pub inventory: &'a Inventory,
    pub playbook_dir: &'a Path,
    pub interrupt: &'a Interrupt,
}

impl RunContext<'_> {
    /// Ansible's magic variables that differ from host to host; the shared ones are the play
    /// templar's globals.
    pub fn magic_vars(&self, host: &str) -> Vars {
        magic::host_magic(self.inventory, host)
    }
}

/// The magic variables every host of a play sees alike. They become template globals, converted
/// once per play: as per-host variables, `groups` (the whole inventory) and the play's host list
/// would be copied and converted for every task on every host — a cost growing with the square of
/// the fleet.
fn play_globals(
    inventory: &Inventory,
    options: &RunOptions,
    playbook_dir: &Path,
    selected: &[String],
) -> Vars {
    let mut vars = magic::run_globals(options);
    vars.insert("groups".into(), Value::Object(inventory.groups()));
    let play_hosts = Value::from(selected.to_vec());
    for key in [
        "play_hosts",
        "ansible_play_hosts",
        "ansible_play_batch",
        "ansible_play_hosts_all",
    ] {
        vars.insert(key.into(), play_hosts.clone());
    }
    vars.insert(
        "playbook_dir".into(),
        Value::from(magic::absolute(playbook_dir).display().to_string()),
    );
    vars.insert("ansible_check_mode".into(), Value::Bool(options.check));
    vars.insert("ansible_diff_mode".into(), Value::Bool(options.diff));
    vars.insert("ansible_verbosity".into(), Value::from(options.verbosity));
    vars.insert("omit".into(), Value::from(worker::OMIT));
    vars
}

/// Totals of a run, per host, in the order hosts were first met.
#[derive(Debug, Default)]
pub struct RunSummary {
    pub stats: IndexMap<String, HostStats>,
    /// The run was stopped by this signal before it ended.
    pub interrupted: Option<StopSignal>,
}

impl RunSummary {
    /// Ansible's exit codes: 4 if any host was unreachable, else 2 if any failed, else 0; a run
    /// stopped by a signal exits as a shell reports it (130 for Ctrl-C, 143 for SIGTERM).
    pub fn exit_code(&self) -> u8 {
        if let Some(signal) = self.interrupted {
            signal.exit_code()
        } else if self.stats.values().any(|s| s.unreachable > 0) {
            4
        } else if self.stats.values().any(|s| s.failed > 0) {
            2
        } else {
            0
        }
    }
}

/// Runs every play of `playbook` against `inventory`.
pub async fn run_playbook(
    playbook: &Playbook,
    inventory: &Inventory,
    options: &RunOptions,
    reporter: &mut dyn Reporter,
) -> RunSummary {
    run_playbook_until(
        playbook,
        inventory,
        options,
        reporter,
        &Interrupt::default(),
    )
    .await
}

/// [`run_playbook`] that stops early once `interrupt` is requested: running steps are stopped on
/// their hosts, nothing new starts, and the recap shows what happened until then.
pub async fn run_playbook_until(
    playbook: &Playbook,
    inventory: &Inventory,
    options: &RunOptions,
    reporter: &mut dyn Reporter,
    interrupt: &Interrupt,
) -> RunSummary {
    let templar = Templar::new();
    let pool = Pool::new(Limits::new(options.max_connections, options.max_handshakes));
    let mut run = Run {
        hostvars: magic::hostvars_store(inventory),
        hosts: IndexMap::new(),
        summary: RunSummary::default(),
        reporter,
    };
    for (index, play) in playbook.plays.iter().enumerate() {
        if interrupt.requested().is_some() {
            break;
        }
        run.reporter.play_start(play);
        let selected = match select_hosts(inventory, &play.hosts, options.limit.as_deref()) {
            Ok(selected) => selected,
            Err(msg) => {
                run.reporter.warning(&msg);
                continue;
            }
        };
        if selected.is_empty() {
            run.reporter.warning("No hosts matched, skipping this play");
            continue;
        }
        for name in &selected {
            if !run.hosts.contains_key(name) {
                let state = new_host_state(inventory, name, options, &templar, &pool);
                run.hosts.insert(name.clone(), state);
            }
            run.summary.stats.entry(name.clone()).or_default();
        }
        let globals = play_globals(inventory, options, &playbook.dir, &selected);
        let play_templar = magic::play_templar(&templar, &globals, &run.hostvars, options);
        let ctx = RunContext {
            options,
            templar: &play_templar,
            inventory,
            playbook_dir: &playbook.dir,
            interrupt,
        };
        run.play(&ctx, play, &selected).await;
        let later = &playbook.plays[index + 1..];
        run.close_unneeded(inventory, later, options.limit.as_deref())
            .await;
    }
    run.summary.interrupted = interrupt.requested();
    run.reporter.recap(&run.summary);
    for (_, host) in run.hosts {
        host.link.close().await;
    }
    run.summary
}

/// What a run carries from task to task: every host met so far, the counters, the reporter.
struct Run<'r> {
    /// Every host's facts and registered results as other hosts' templates see them.
    hostvars: Arc<crate::template::HostvarsStore>,
    hosts: IndexMap<String, HostState>,
    summary: RunSummary,
    reporter: &'r mut dyn Reporter,
}

fn select_hosts(
    inventory: &Inventory,
    pattern: &str,
    limit: Option<&str>,
) -> Result<Vec<String>, String> {
    let mut selected = inventory.select(pattern).map_err(|e| e.to_string())?;
    if let Some(limit) = limit {
        let allowed = inventory.select(limit).map_err(|e| e.to_string())?;
        let allowed: HashSet<&String> = allowed.iter().collect();
        selected.retain(|h| allowed.contains(h));
    }
    Ok(selected)
}

fn new_host_state(
    inventory: &Inventory,
    name: &str,
    options: &RunOptions,
    templar: &Templar,
    pool: &std::sync::Arc<Pool>,
) -> HostState {
    let inventory_vars = inventory.host_vars(name);
    let spec = connection_spec(name, &inventory_vars, options, templar);
    HostState {
        name: name.to_string(),
        inventory_vars,
        facts: Map::new(),
        play_vars: Map::new(),
        scope: None,
        notified: Default::default(),
        link: Link::new(spec, pool),
        done: false,
    }
}

impl Run<'_> {
    /// Closes the connections of hosts no later play selects (their sockets count against the
    /// connection limit). An unselectable pattern keeps everything open.
    async fn close_unneeded(&mut self, inventory: &Inventory, later: &[Play], limit: Option<&str>) {
        let mut needed = HashSet::new();
        for play in later {
            match select_hosts(inventory, &play.hosts, limit) {
                Ok(hosts) => needed.extend(hosts),
                Err(_) => return,
            }
        }
        for host in self.hosts.values().filter(|h| !needed.contains(&h.name)) {
            host.link.close().await;
        }
    }

    async fn play(&mut self, ctx: &RunContext<'_>, play: &Play, selected: &[String]) {
        for name in selected {
            let Some(host) = self.hosts.get_mut(name) else {
                continue;
            };
            host.notified.clear();
            host.scope = None;
            match play_vars(ctx, play, host) {
                Ok(vars) => {
                    host.play_vars = vars;
                    host.scope = None;
                }
                Err(msg) => {
                    host.done = true;
                    self.record(name, None, &TaskResult::failed(msg, "vars_files"));
                }
            }
        }
        if let Some(gather) = &play.gather_facts
            && !self.task_everywhere(ctx, gather, selected).await
        {
            self.reporter.no_hosts_left();
            return;
        }
        for section in &play.sections {
            if !self.section(ctx, section, selected).await {
                if ctx.interrupt.requested().is_none() {
                    self.reporter.no_hosts_left();
                }
                return;
            }
            self.handlers(ctx, play, selected).await;
        }
    }

    /// One task tree (a play section), linear strategy: each round runs the task that comes first
    /// in the play among every host's next task, on the hosts whose next task it is. Returns false
    /// when no host is left (or the run was interrupted).
    async fn section(
        &mut self,
        ctx: &RunContext<'_>,
        section: &Arc<Vec<Node>>,
        selected: &[String],
    ) -> bool {
        let mut cursors: IndexMap<String, Cursor<Task>> = selected
            .iter()
            .map(|name| (name.clone(), Cursor::new(section.clone())))
            .collect();
        loop {
            if ctx.interrupt.requested().is_some() {
                return false;
            }
            let Some((task, hosts)) = self.next_round(&mut cursors) else {
                break;
            };
            let results = self.task_on_hosts(ctx, &task, false, &hosts).await;
            for (name, result) in results {
                let Some(cursor) = cursors.get_mut(&name) else {
                    continue;
                };
                self.after_task(&name, &task, &result, cursor);
            }
        }
        ctx.interrupt.requested().is_none() && self.any_left(selected)
    }

    /// The task to run next and the hosts to run it on; `None` when every host is through.
    fn next_round(
        &self,
        cursors: &mut IndexMap<String, Cursor<Task>>,
    ) -> Option<(Arc<Task>, Vec<String>)> {
        let mut next = Vec::new();
        for (name, cursor) in cursors.iter_mut() {
            if self.hosts.get(name).is_none_or(|h| h.done) {
                continue;
            }
            if let Some((position, task)) = cursor.peek() {
                next.push((position, task, name.clone()));
            }
        }
        let first = next.iter().map(|(p, _, _)| p).min()?.clone();
        let task = next.iter().find(|(p, _, _)| *p == first)?.1.clone();
        let hosts = next
            .into_iter()
            .filter(|(p, t, _)| *p == first && Arc::ptr_eq(t, &task))
            .map(|(_, _, name)| name)
            .collect();
        Some((task, hosts))
    }

    /// Moves a host past `task`: a failure goes to the block's `rescue`/`always` or ends the host.
    fn after_task(
        &mut self,
        name: &str,
        task: &Task,
        result: &TaskResult,
        cursor: &mut Cursor<Task>,
    ) {
        let Some(host) = self.hosts.get_mut(name) else {
            return;
        };
        if host.done {
            cursor.end();
            return;
        }
        let failed = result.status == Status::Failed && !result.ignored;
        let outcome = if failed {
            Outcome::Failed
        } else {
            Outcome::Done
        };
        match cursor.advance(outcome) {
            None | Some(AfterFailure::Deferred) => {}
            Some(AfterFailure::Rescued) => {
                host.facts
                    .insert("ansible_failed_task".into(), failed_task(task));
                host.facts.insert(
                    "ansible_failed_result".into(),
                    Value::Object(result.result.clone()),
                );
                host.scope = None;
                let stats = self.summary.stats.entry(name.to_string()).or_default();
                stats.failed = stats.failed.saturating_sub(1);
                stats.rescued += 1;
            }
            Some(AfterFailure::HostFailed) => host.done = true,
        }
    }

    fn any_left(&self, selected: &[String]) -> bool {
        selected
            .iter()
            .any(|name| self.hosts.get(name).is_some_and(|h| !h.done))
    }

    /// A task outside any block (fact gathering, handlers): a failure ends the host.
    async fn task_everywhere(
        &mut self,
        ctx: &RunContext<'_>,
        task: &Task,
        targets: &[String],
    ) -> bool {
        let handler = false;
        self.fail_hosts_of(ctx, task, handler, targets).await;
        ctx.interrupt.requested().is_none() && self.any_left(targets)
    }

    async fn fail_hosts_of(
        &mut self,
        ctx: &RunContext<'_>,
        task: &Task,
        handler: bool,
        targets: &[String],
    ) {
        for (name, result) in self.task_on_hosts(ctx, task, handler, targets).await {
            if result.is_fatal()
                && let Some(host) = self.hosts.get_mut(&name)
            {
                host.done = true;
            }
        }
    }

    fn record(&mut self, host: &str, task: Option<&Task>, result: &TaskResult) {
        self.reporter.host_result(host, task, result);
        self.summary
            .stats
            .entry(host.to_string())
            .or_default()
            .count(result);
    }

    /// Runs one task on every host of `targets` still in the play; what happened on each. A host
    /// that became unreachable (or was interrupted) is done; a failure is the caller's to judge.
    async fn task_on_hosts(
        &mut self,
        ctx: &RunContext<'_>,
        task: &Task,
        handler: bool,
        targets: &[String],
    ) -> Vec<(String, TaskResult)> {
        if ctx.interrupt.requested().is_some() {
            return Vec::new();
        }
        let wanted: HashSet<&str> = targets.iter().map(String::as_str).collect();
        magic::publish_changed(
            &self.hostvars,
            self.hosts
                .values()
                .filter(|h| wanted.contains(h.name.as_str())),
        );
        let active: Vec<&mut HostState> = self
            .hosts
            .values_mut()
            .filter(|h| !h.done && wanted.contains(h.name.as_str()))
            .collect();
        if active.is_empty() {
            return Vec::new();
        }
        self.reporter.task_start(task, handler);
        // Hosts not started when the run is interrupted never start this task.
        let not_interrupted =
            |_: &&mut HostState| futures::future::ready(ctx.interrupt.requested().is_none());
        let mut results = futures::stream::iter(active)
            .take_while(not_interrupted)
            .map(|host| async move {
                let in_use = host.link.hold();
                let mut result = worker::run_task(ctx, host, task).await;
                drop(in_use);
                if let Some(signal) = ctx.interrupt.requested() {
                    result = result.interrupted_by(signal.name());
                }
                let gone = matches!(result.status, Status::Unreachable | Status::Interrupted);
                if gone {
                    host.done = true;
                }
                if result.is_fatal() {
                    host.link.close().await;
                }
                (host.name.clone(), result, host.link.take_notes())
            })
            .buffer_unordered(ctx.options.forks.max(1));
        let mut outcomes = Vec::new();
        while let Some((name, result, notes)) = results.next().await {
            for note in notes {
                self.reporter.warning(&format!("{name}: {note}"));
            }
            // Fields, not `self.record`: the hosts are still borrowed by the stream.
            self.reporter.host_result(&name, Some(task), &result);
            self.summary
                .stats
                .entry(name.clone())
                .or_default()
                .count(&result);
            outcomes.push((name, result));
        }
        drop(results);
        outcomes
    }

    /// Notified handlers, in the order they are defined, on the hosts that notified them.
    async fn handlers(&mut self, ctx: &RunContext<'_>, play: &Play, selected: &[String]) {
        for handler in &play.handlers {
            let mut notified = Vec::new();
            for name in selected {
                let Some(h) = self.hosts.get_mut(name) else {
                    continue;
                };
                if !h.done && h.notified.iter().any(|n| handler.answers_to(n)) {
                    h.notified.retain(|n| !handler.answers_to(n));
                    notified.push(name.clone());
                }
            }
            if !notified.is_empty() {
                self.fail_hosts_of(ctx, handler, true, &notified).await;
            }
        }
    }
}

/// What `ansible_failed_task` holds in a `rescue`: the failed task's name and action.
fn failed_task(task: &Task) -> Value {
    serde_json::json!({
        "name": task.display_name(),
        "action": task.action,
        "path": task.origin.to_string(),
    })
}

/// `vars:` then `vars_files:` (names templated with the host's variables).
fn play_vars(
    ctx: &RunContext<'_>,
    play: &Play,
    host: &HostState,
) -> Result<Map<String, Value>, String> {
    let mut vars = play.vars.clone();
    for file in &play.vars_files {
        let scope = worker::vars_in_scope(ctx, host, &vars, &Map::new());
        let name = match ctx.templar.render_str(file, &scope) {
            Ok(Value::String(s)) => s,
            Ok(other) => other.to_string(),
            Err(e) => return Err(format!("vars_files entry {file:?}: {e}")),
        };
        let path = ctx.playbook_dir.join(&name);
        let loaded: Option<Map<String, Value>> =
            crate::yaml::from_file(&path).map_err(|e| format!("vars_files: {e}"))?;
        vars.extend(loaded.unwrap_or_default());
    }
    Ok(vars)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn inventory() -> (tempfile::TempDir, Inventory) {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("hosts.ini");
        std::fs::write(
            &path,
            "[web]\nweb1 x=\"{{ inventory_hostname }}-1\"\n[db]\ndb1\ndb2\n",
        )
        .expect("write inventory");
        let inventory = Inventory::load(&[path]).expect("inventory");
        (dir, inventory)
    }

    #[test]
    fn host_vars_are_resolved_once_and_hold_nothing_inventory_wide() {
        let (dir, inventory) = inventory();
        let options = RunOptions::default();
        let templar = Templar::new();
        let interrupt = Interrupt::default();
        let selected: Vec<String> = ["web1", "db1", "db2"].map(String::from).to_vec();
        let globals = play_globals(&inventory, &options, dir.path(), &selected);
        let play_templar = templar.with_globals(&globals);
        let ctx = RunContext {
            options: &options,
            templar: &play_templar,
            inventory: &inventory,
            playbook_dir: dir.path(),
            interrupt: &interrupt,
        };
        let task = crate::playbook::adhoc_task("ping", Value::Null).expect("task");
        let pool = Pool::new(Limits::new(options.max_connections, options.max_handshakes));
        let mut host = new_host_state(&inventory, "web1", &options, &templar, &pool);

        let first = worker::task_vars(&ctx, &mut host, &task);
        let second = worker::task_vars(&ctx, &mut host, &task);
        assert!(Arc::ptr_eq(&first, &second), "computed once per host");
        // Per host-task copies of what grows with the inventory made the controller quadratic.
        for shared in ["groups", "play_hosts", "ansible_play_hosts_all"] {
            assert!(!first.contains_key(shared), "{shared} is copied per host");
        }
        assert_eq!(first["x"], "web1-1");
        let seen = play_templar
            .render_str(
                "{{ groups['db'] | join(',') }} {{ play_hosts | length }} {{ group_names }} {{ x }}",
                &first,
            )
            .expect("renders");
        assert_eq!(seen, Value::from("db1,db2 3 ['web'] web1-1"));
        let err = play_templar
            .render_str("{{ groups['nope'] }}", &first)
            .expect_err("no such group");
        assert!(!err.to_string().contains("'groups' is undefined"), "{err}");

        host.facts.insert("x".into(), Value::from("registered"));
        host.scope = None;
        let third = worker::task_vars(&ctx, &mut host, &task);
        assert_eq!(third["x"], "registered");
    }
}
