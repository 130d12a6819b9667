//! The runner: plays in order; within a play, tasks in order (linear strategy: every host finishes
//! task N before any starts N+1); within a task, every remaining host at once, bounded by `--forks`.
//! A failed or unreachable host leaves the play; the others go on.

mod connect;
mod host;
mod result;
mod worker;

pub use connect::connection_spec;
pub use result::{HostStats, ItemResult, Status, TaskResult};

use crate::inventory::Inventory;
use crate::playbook::{Play, Playbook, Task};
use crate::report::Reporter;
use crate::template::{Templar, Vars};
use crate::transport::HostKeyChecking;
use futures::StreamExt;
use host::{HostState, Link};
use indexmap::IndexMap;
use serde_json::{Map, Value};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
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
    pub connect_timeout: Duration,
    /// ansible.cfg's `remote_user`, `remote_port`, `private_key_file` (or `ANSIBLE_*`): used where the
    /// inventory sets no `ansible_user`, `ansible_port`, `ansible_ssh_private_key_file`.
    pub remote_user: Option<String>,
    pub remote_port: Option<u16>,
    pub private_key_file: Option<PathBuf>,
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
            connect_timeout: Duration::from_secs(10),
            remote_user: None,
            remote_port: None,
            private_key_file: None,
        }
    }
}

/// What the workers of one play share.
pub struct RunContext<'a> {
    pub options: &'a RunOptions,
    pub templar: &'a Templar,
    pub inventory: &'a Inventory,
    pub playbook_dir: &'a Path,
    groups: Value,
    play_hosts: Value,
}

impl RunContext<'_> {
    /// Ansible's magic variables for `host`.
    pub fn magic_vars(&self, host: &str) -> Vars {
        let mut vars = Map::new();
        vars.insert("inventory_hostname".into(), Value::from(host));
        let short = host.split('.').next().unwrap_or(host);
        vars.insert("inventory_hostname_short".into(), Value::from(short));
        let group_names = self.inventory.group_names(host);
        vars.insert("group_names".into(), Value::from(group_names));
        vars.insert("groups".into(), self.groups.clone());
        for key in [
            "play_hosts",
            "ansible_play_hosts",
            "ansible_play_batch",
            "ansible_play_hosts_all",
        ] {
            vars.insert(key.into(), self.play_hosts.clone());
        }
        vars.insert(
            "playbook_dir".into(),
            Value::from(self.playbook_dir.display().to_string()),
        );
        vars.insert("ansible_check_mode".into(), Value::Bool(self.options.check));
        vars.insert("ansible_diff_mode".into(), Value::Bool(self.options.diff));
        vars.insert(
            "ansible_verbosity".into(),
            Value::from(self.options.verbosity),
        );
        vars.insert("omit".into(), Value::from(worker::OMIT));
        vars
    }
}

/// Totals of a run, per host, in the order hosts were first met.
#[derive(Debug, Default)]
pub struct RunSummary {
    pub stats: IndexMap<String, HostStats>,
}

impl RunSummary {
    /// Ansible's exit codes: 4 if any host was unreachable, else 2 if any failed, else 0.
    pub fn exit_code(&self) -> u8 {
        if self.stats.values().any(|s| s.unreachable > 0) {
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
    let templar = Templar::new();
    let mut run = Run {
        hosts: IndexMap::new(),
        summary: RunSummary::default(),
        reporter,
    };
    for play in &playbook.plays {
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
                let state = new_host_state(inventory, name, options, &templar);
                run.hosts.insert(name.clone(), state);
            }
            run.summary.stats.entry(name.clone()).or_default();
        }
        let ctx = RunContext {
            options,
            templar: &templar,
            inventory,
            playbook_dir: &playbook.dir,
            groups: Value::Object(inventory.groups()),
            play_hosts: Value::from(selected.clone()),
        };
        run.play(&ctx, play, &selected).await;
    }
    run.reporter.recap(&run.summary);
    for (_, host) in run.hosts {
        host.link.close().await;
    }
    run.summary
}

/// What a run carries from task to task: every host met so far, the counters, the reporter.
struct Run<'r> {
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
        selected.retain(|h| allowed.contains(h));
    }
    Ok(selected)
}

fn new_host_state(
    inventory: &Inventory,
    name: &str,
    options: &RunOptions,
    templar: &Templar,
) -> HostState {
    let inventory_vars = inventory.host_vars(name);
    let spec = connection_spec(name, &inventory_vars, options, templar);
    HostState {
        name: name.to_string(),
        inventory_vars,
        facts: Map::new(),
        play_vars: Map::new(),
        notified: Default::default(),
        link: Link::new(spec),
        done: false,
    }
}

impl Run<'_> {
    async fn play(&mut self, ctx: &RunContext<'_>, play: &Play, selected: &[String]) {
        for name in selected {
            let Some(host) = self.hosts.get_mut(name) else {
                continue;
            };
            host.notified.clear();
            match play_vars(ctx, play, host) {
                Ok(vars) => host.play_vars = vars,
                Err(msg) => {
                    host.done = true;
                    self.record(name, None, &TaskResult::failed(msg, "vars_files"));
                }
            }
        }
        for section in &play.sections {
            for task in section {
                if !self.task_on_hosts(ctx, task, false, selected).await {
                    self.reporter.no_hosts_left();
                    return;
                }
            }
            self.handlers(ctx, play, selected).await;
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

    /// Runs one task on every host of `targets` still in the play. Returns false when none is left.
    async fn task_on_hosts(
        &mut self,
        ctx: &RunContext<'_>,
        task: &Task,
        handler: bool,
        targets: &[String],
    ) -> bool {
        let wanted: HashSet<&str> = targets.iter().map(String::as_str).collect();
        let active: Vec<&mut HostState> = self
            .hosts
            .values_mut()
            .filter(|h| !h.done && wanted.contains(h.name.as_str()))
            .collect();
        if active.is_empty() {
            return false;
        }
        self.reporter.task_start(task, handler);
        let mut results = futures::stream::iter(active)
            .map(|host| async move {
                let result = worker::run_task(ctx, host, task).await;
                if result.is_fatal() {
                    host.done = true;
                }
                (host.name.clone(), result)
            })
            .buffer_unordered(ctx.options.forks.max(1));
        while let Some((name, result)) = results.next().await {
            // Fields, not `self.record`: the hosts are still borrowed by the stream.
            self.reporter.host_result(&name, Some(task), &result);
            self.summary.stats.entry(name).or_default().count(&result);
        }
        drop(results);
        self.hosts
            .values()
            .any(|h| !h.done && wanted.contains(h.name.as_str()))
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
                self.task_on_hosts(ctx, handler, true, &notified).await;
            }
        }
    }
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
