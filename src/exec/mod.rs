//! The runner: plays in order; within a play, tasks in order (linear strategy: every host finishes
//! task N before any starts N+1); within a task, every remaining host at once, bounded by `--forks`.
//! A failed or unreachable host leaves the play; the others go on.

mod async_job;
mod asynchronous;
mod banner;
mod batch;
pub(crate) mod r#become;
mod connect;
mod delegate;
mod environment;
mod free;
mod handler_names;
mod handlers;
mod host;
mod include;
mod include_vars;
mod interrupt;
mod inventory_change;
pub(crate) mod iterator;
mod loops;
mod magic;
mod meta;
mod notify;
mod play_level;
mod reconnect;
mod result;
mod retry;
mod stats;
mod step;
mod timeout;
mod with_lookup;
mod worker;

pub use connect::connection_spec;
pub use interrupt::{Interrupt, StopSignal};
pub use play_level::play_level_vars;
pub use result::{HostStats, ItemResult, RetryNote, Status, TaskResult};

use crate::inventory::Inventory;
use crate::playbook::flow::Strategy;
use crate::playbook::{Node, Play, Playbook, Task, vars_prompt};
use crate::report::Reporter;
use crate::template::{Templar, Vars};
use crate::transport::HostKeyChecking;
use crate::transport::pool::{Limits, Pool};
use delegate::Delegates;
use futures::StreamExt;
use host::{HostState, Link};
use indexmap::IndexMap;
use iterator::{AfterFailure, Cursor, Outcome, Position};
use serde_json::{Map, Value};
use std::collections::{HashMap, HashSet};
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
    /// `--force-handlers`: notified handlers run on hosts that failed too.
    pub force_handlers: bool,
    /// `-c/--connection`: how to reach hosts whose inventory sets no `ansible_connection`.
    pub connection: Option<String>,
    /// `--tags` and `--skip-tags` as given (`ansible_run_tags`, `ansible_skip_tags`).
    pub run_tags: Vec<String>,
    pub skip_tags: Vec<String>,
    /// `--step`: ask on the terminal before each task.
    pub step: bool,
    /// ansible.cfg's `show_custom_stats`: the reports show `set_stats` values.
    pub show_custom_stats: bool,
    /// ansible.cfg's `error_on_missing_handler`: notifying an unknown handler stops the run.
    pub error_on_missing_handler: bool,
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
            force_handlers: false,
            connection: None,
            run_tags: Vec::new(),
            skip_tags: Vec::new(),
            step: false,
            show_custom_stats: false,
            error_on_missing_handler: true,
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
    all: &[String],
    batch: &[String],
) -> Vars {
    let mut vars = magic::run_globals(options);
    vars.insert("groups".into(), Value::Object(inventory.groups()));
    let all = Value::from(all.to_vec());
    let batch = Value::from(batch.to_vec());
    vars.insert("play_hosts".into(), batch.clone());
    vars.insert("ansible_play_batch".into(), batch);
    vars.insert("ansible_play_hosts".into(), all.clone());
    vars.insert("ansible_play_hosts_all".into(), all);
    if let Some(limit) = &options.limit {
        vars.insert("ansible_limit".into(), Value::from(limit.clone()));
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
    /// Hosts were failed without a failed task of their own (`any_errors_fatal`,
    /// `max_fail_percentage`): the run failed even if the recap shows no failure for them.
    pub hosts_failed: bool,
    /// `set_stats`: per host, and for the whole run under `_run` (Ansible's `stats.custom`).
    pub custom_stats: Map<String, Value>,
    /// `show_custom_stats`: the reports show [`Self::custom_stats`] (ansible-core hides them
    /// unless asked).
    pub show_custom_stats: bool,
    /// The run was stopped by an error of the playbook itself (ansible-playbook's `ERROR!`, exit
    /// 1, no recap), such as a notification no handler answers.
    pub aborted: Option<String>,
}

impl RunSummary {
    /// Ansible's exit codes: 4 if any host was unreachable, else 2 if any host is failed at the
    /// end (a failure rescued or cleared by `meta: clear_host_errors` is not), else 0; a run
    /// stopped by a signal exits as a shell reports it (130 for Ctrl-C, 143 for SIGTERM).
    pub fn exit_code(&self) -> u8 {
        if let Some(signal) = self.interrupted {
            signal.exit_code()
        } else if self.aborted.is_some() {
            1
        } else if self.stats.values().any(|s| s.unreachable > 0) {
            4
        } else if self.hosts_failed {
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
        inventory: Arc::new(inventory.clone()),
        inventory_generation: 0,
        hostvars: magic::hostvars_store(inventory),
        hosts: IndexMap::new(),
        summary: RunSummary::default(),
        reporter,
        failed: HashSet::new(),
        fatal_rescued: HashSet::new(),
        held: HashSet::new(),
        unreachable: HashSet::new(),
        delegates: Delegates::new(pool.clone()),
        pool: pool.clone(),
        close_after_task: is_single_task(playbook),
        includes: include::PlayIncludes::default(),
        step: options.step,
    };
    for (index, play) in playbook.plays.iter().enumerate() {
        if interrupt.requested().is_some() {
            break;
        }
        let prompted;
        let play = match vars_prompt::ask_at_play_start(play, &options.extra_vars) {
            Ok(None) => play,
            Ok(Some(answered)) => {
                prompted = answered;
                &prompted
            }
            Err(e) => {
                run.reporter.warning(&e.to_string());
                run.summary.hosts_failed = true;
                break;
            }
        };
        let rendered;
        let play = match play_level::with_rendered_header(play, options, &play.dir(&playbook.dir)) {
            Ok(None) => play,
            Ok(Some(header)) => {
                rendered = header;
                &rendered
            }
            Err(e) => {
                run.reporter.warning(&e);
                run.summary.hosts_failed = true;
                break;
            }
        };
        run.reporter.play_start(play);
        // `add_host`/`group_by` of earlier plays are in it.
        let inventory = Arc::clone(&run.inventory);
        let inventory = inventory.as_ref();
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
        // As ansible-playbook: the play's tags are rendered when it starts (exit 1, no recap).
        if let Some(msg) = &play.tags_error {
            run.summary.aborted = Some(msg.clone());
            break;
        }
        for name in &selected {
            if !run.hosts.contains_key(name) {
                let state = new_host_state(inventory, name, options, &templar, &pool);
                run.hosts.insert(name.clone(), state);
            }
        }
        // A play imported from another directory (`import_playbook`) has its own.
        let play_dir = play.dir(&playbook.dir);
        let mut globals = play_globals(inventory, options, &play_dir, &selected, &selected);
        globals.extend(play.roles.magic_vars());
        let play_templar = magic::play_templar(&templar, &globals, &run.hostvars, options);
        let base = RunContext {
            options,
            templar: &play_templar,
            inventory,
            playbook_dir: &play_dir,
            interrupt,
        };
        if run.play(&base, play, &selected).await == PlayEnd::StopPlaybook {
            break;
        }
        let later = &playbook.plays[index + 1..];
        let inventory = Arc::clone(&run.inventory);
        run.close_unneeded(&inventory, later, options.limit.as_deref())
            .await;
    }
    run.summary.interrupted = interrupt.requested();
    run.summary.hosts_failed = run.failed.iter().any(|h| !run.fatal_rescued.contains(h));
    run.summary.show_custom_stats = options.show_custom_stats;
    // Ansible's recap lists the hosts something was counted for (tags may have left none).
    run.summary
        .stats
        .retain(|_, stats| *stats != HostStats::default());
    run.reporter.recap(&run.summary);
    for (_, host) in run.hosts {
        host.link.close().await;
    }
    run.delegates.close().await;
    run.summary
}

/// What a run carries from task to task: every host met so far, the counters, the reporter.
struct Run<'r> {
    /// The inventory as `add_host` and `group_by` have changed it so far.
    inventory: Arc<Inventory>,
    /// Counts those changes, so a batch knows when what it derived from the inventory is stale.
    inventory_generation: u64,
    /// Every host's facts and registered results as other hosts' templates see them.
    hostvars: Arc<crate::template::HostvarsStore>,
    hosts: IndexMap<String, HostState>,
    summary: RunSummary,
    reporter: &'r mut dyn Reporter,
    /// Hosts that failed (or were failed by `any_errors_fatal`/`max_fail_percentage`): no later
    /// play runs them, until `meta: clear_host_errors`.
    failed: HashSet<String>,
    /// Hosts of the current play that `any_errors_fatal` failed while a `rescue` took them: in
    /// `failed` (later plays do not run them), but, as in Ansible, this play's result does not
    /// count them as failed.
    fatal_rescued: HashSet<String>,
    /// Hosts whose failure an `always` holds back with no `rescue` ahead: they fail once it has
    /// run, and already are out of `ansible_play_hosts` meanwhile (as Ansible marks them failed).
    held: HashSet<String>,
    unreachable: HashSet<String>,
    delegates: Delegates,
    pool: Arc<Pool>,
    /// The run is one task (`drover run`): a host's connection closes as soon as its result is
    /// in, so open connections (about 90 KB of controller memory each) stay near `--forks`
    /// instead of reaching the number of hosts.
    close_after_task: bool,
    /// What `include_role` added to the current play (handlers, roles that ran).
    includes: include::PlayIncludes,
    /// `--step`, until answered `c`ontinue.
    step: bool,
}

/// One play of one plain task and no handlers: nothing can need a host again after that task.
fn is_single_task(playbook: &Playbook) -> bool {
    let [play] = playbook.plays.as_slice() else {
        return false;
    };
    let [section] = play.sections.as_slice() else {
        return false;
    };
    play.handlers.is_empty()
        && play.gather_facts.is_none()
        && matches!(section.as_slice(), [crate::playbook::tree::Node::Task(_)])
}

/// How a play ended, for the playbook.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PlayEnd {
    Continue,
    /// A whole batch failed, `max_fail_percentage` was passed, or the run was interrupted:
    /// ansible-playbook runs no further play.
    StopPlaybook,
}

/// Why a batch stops before its end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stop {
    /// No host of the batch is left (each failed or ended).
    NoHostsLeft,
    /// `meta: end_batch`: the next batch goes on.
    EndBatch,
    /// `meta: end_play`: no further batch of this play.
    EndPlay,
    /// `max_fail_percentage` passed: the playbook stops.
    Break,
    Interrupted,
}

/// The play-level settings every batch uses.
struct PlaySettings {
    strategy: Strategy,
    max_fail_percentage: Option<f64>,
    force_handlers: bool,
    /// Hosts that had failed before this play (not part of `ansible_play_hosts`' removals).
    failed_before: HashSet<String>,
}

/// What play keywords are rendered with: the play's vars and the extra vars.
fn keyword_vars(base: &RunContext<'_>, play: &Play) -> Vars {
    let mut vars = play.vars.clone();
    vars.extend(base.options.extra_vars.clone());
    vars
}

/// The play's `strategy`, a templated one rendered with `vars` (the play's and the extra vars).
fn play_strategy(play: &Play, templar: &Templar, vars: &Vars) -> Result<Strategy, String> {
    let Some(template) = &play.flow.strategy_template else {
        return Ok(play.flow.strategy);
    };
    let name = match templar.render_value(template, vars) {
        Ok(Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(e) => return Err(format!("strategy: {e}")),
    };
    match Strategy::parse(&name) {
        Some(strategy) => Ok(strategy),
        None if name.trim().ends_with("debug") => Err(format!(
            "strategy: {name} is not supported (drover runs `linear`, `free` and `host_pinned`)"
        )),
        None => Err(crate::playbook::flow::invalid_strategy(&name)),
    }
}

/// One batch's view of the play: its template globals follow the hosts that fail.
struct BatchScope<'a> {
    inventory: Arc<Inventory>,
    generation: u64,
    all: &'a [String],
    batch: &'a [String],
    /// Shared: tasks of the `free` strategy still hold it while a failure rebuilds it.
    templar: Arc<Templar>,
    removed: Vec<String>,
}

impl<'a> BatchScope<'a> {
    fn new(
        base: &RunContext<'_>,
        (inventory, generation): (Arc<Inventory>, u64),
        all: &'a [String],
        batch: &'a [String],
    ) -> Self {
        let globals = play_globals(&inventory, base.options, base.playbook_dir, all, batch);
        BatchScope {
            inventory,
            generation,
            all,
            batch,
            templar: Arc::new(base.templar.with_globals(&globals)),
            removed: Vec::new(),
        }
    }

    /// Rebuilds the globals when hosts failed since (`ansible_play_hosts` and
    /// `ansible_play_batch` leave them out, as Ansible's `_removed_hosts`).
    fn refresh(
        &mut self,
        base: &RunContext<'_>,
        failed: &HashSet<String>,
        before: &HashSet<String>,
    ) {
        let removed = |h: &&String| failed.contains(*h) && !before.contains(*h);
        let now: Vec<String> = self.all.iter().filter(removed).cloned().collect();
        if now == self.removed {
            return;
        }
        self.rebuild(base, now);
    }

    /// The inventory changed (`add_host`, `group_by`): `groups` and the hosts' magic variables
    /// follow it from the next task on.
    fn use_inventory(&mut self, base: &RunContext<'_>, inventory: Arc<Inventory>, generation: u64) {
        if generation == self.generation {
            return;
        }
        self.inventory = inventory;
        self.generation = generation;
        self.rebuild(base, self.removed.clone());
    }

    fn rebuild(&mut self, base: &RunContext<'_>, now: Vec<String>) {
        let keep = |list: &[String]| -> Vec<String> {
            list.iter().filter(|h| !now.contains(h)).cloned().collect()
        };
        let mut globals = play_globals(
            &self.inventory,
            base.options,
            base.playbook_dir,
            self.all,
            &keep(self.batch),
        );
        globals.insert("ansible_play_hosts".into(), Value::from(keep(self.all)));
        self.templar = Arc::new(base.templar.with_globals(&globals));
        self.removed = now;
    }

    fn ctx<'c>(&'c self, base: &RunContext<'c>) -> RunContext<'c> {
        RunContext {
            templar: &self.templar,
            inventory: &self.inventory,
            ..*base
        }
    }
}

/// The hosts a pattern (and `--limit`) selects; `localhost` (or `127.0.0.1`) named in the pattern
/// is Ansible's implicit localhost when the inventory does not define it (never part of `all`).
fn select_hosts(
    inventory: &Inventory,
    pattern: &str,
    limit: Option<&str>,
) -> Result<Vec<String>, String> {
    let mut selected = inventory.select(pattern).map_err(|e| e.to_string())?;
    let known = inventory.host_names();
    let implicit: Vec<&str> = pattern
        .split([',', ':'])
        .map(str::trim)
        .filter(|t| delegate::LOCAL_NAMES.contains(t) && !known.iter().any(|k| k == t))
        .collect();
    selected.extend(implicit.iter().map(|t| t.to_string()));
    if let Some(limit) = limit {
        let allowed = inventory.select(limit).map_err(|e| e.to_string())?;
        let allowed: HashSet<&String> = allowed.iter().collect();
        selected.retain(|h| allowed.contains(h) || limit.split([',', ':']).any(|t| t.trim() == h));
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
    let inventory_vars = delegate::implicit_host_vars(inventory, name);
    let spec = connection_spec(name, &inventory_vars, options, templar);
    HostState {
        name: name.to_string(),
        inventory_vars,
        facts: Map::new(),
        included_vars: Map::new(),
        play_vars: Map::new(),
        role_defaults: Map::new(),
        scope: None,
        scope_role: None,
        notified: Default::default(),
        link: Arc::new(Link::new(spec, pool)),
        done: false,
        jobs: Default::default(),
    }
}

/// What one round of a task did: each host's result, and whether it ran once for them all.
struct Round {
    results: Vec<(String, TaskResult)>,
    ran_once: bool,
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

    /// A play: its variables on every host, then batch after batch (`serial`), each running the
    /// whole play as ansible-playbook does.
    async fn play(&mut self, base: &RunContext<'_>, play: &Play, selected: &[String]) -> PlayEnd {
        self.includes = include::PlayIncludes::new(play, base);
        self.fatal_rescued.clear();
        self.held.clear();
        for name in selected {
            let failed_before = self.failed.contains(name);
            let Some(host) = self.hosts.get_mut(name) else {
                continue;
            };
            host.notified.clear();
            host.scope = None;
            // A host that ended the last play (`end_host`) takes part again; a failed one does not.
            host.done = failed_before;
            host.role_defaults = play.roles.defaults.clone();
            match play_vars(base, play, host) {
                Ok(vars) => {
                    host.play_vars = vars;
                    host.scope = None;
                }
                Err(msg) => {
                    host.done = true;
                    self.failed.insert(name.clone());
                    self.record(name, None, &TaskResult::failed(msg, "vars_files"));
                }
            }
        }
        // As ansible-core: a strategy it has no plugin for stops the run (exit 1, no recap).
        if let Err(msg) = play_strategy(play, base.templar, &keyword_vars(base, play)) {
            self.summary.aborted = Some(msg);
            return PlayEnd::StopPlaybook;
        }
        let (batches, settings) = match self.plan_batches(base, play, selected) {
            Ok(planned) => planned,
            Err(msg) => {
                for name in selected {
                    self.failed.insert(name.clone());
                    self.record(name, None, &TaskResult::failed(msg.clone(), "play"));
                }
                return PlayEnd::StopPlaybook;
            }
        };
        for (index, batch) in batches.iter().enumerate() {
            if index > 0 {
                self.reporter.play_start(play);
            }
            let failed_before = batch.iter().filter(|h| self.failed.contains(*h)).count();
            match self.batch(base, play, &settings, selected, batch).await {
                None | Some(Stop::EndBatch) | Some(Stop::NoHostsLeft) => {}
                Some(Stop::EndPlay) => return PlayEnd::Continue,
                Some(Stop::Break) | Some(Stop::Interrupted) => return PlayEnd::StopPlaybook,
            }
            let failed_now = batch.iter().filter(|h| self.failed.contains(*h)).count();
            // As ansible-playbook: a batch whose every host failed stops the playbook.
            if failed_now - failed_before == batch.len() {
                return PlayEnd::StopPlaybook;
            }
        }
        PlayEnd::Continue
    }

    /// `strategy`, `order`, `serial`, `max_fail_percentage`, `force_handlers`, rendered with the play's vars
    /// and the extra vars (as Ansible templates play keywords).
    fn plan_batches(
        &self,
        base: &RunContext<'_>,
        play: &Play,
        selected: &[String],
    ) -> Result<(Vec<Vec<String>>, PlaySettings), String> {
        let vars = keyword_vars(base, play);
        let order = match &play.flow.order {
            Some(order) => match base.templar.render_value(order, &vars) {
                Ok(Value::String(s)) => s,
                Ok(other) => other.to_string(),
                Err(e) => return Err(format!("order: {e}")),
            },
            None => "inventory".into(),
        };
        let hosts = batch::order_hosts(selected.to_vec(), &order)?;
        let sizes = batch::serial_sizes(play, base.templar, &vars)?;
        let max_fail_percentage = play
            .flow
            .max_fail_percentage
            .as_ref()
            .map(|v| batch::percentage(v, base.templar, &vars))
            .transpose()?;
        let force_handlers = match &play.flow.force_handlers {
            Some(v) => delegate::truthy(base.templar, v, &vars, "force_handlers")?,
            None => base.options.force_handlers,
        };
        let settings = PlaySettings {
            strategy: play_strategy(play, base.templar, &vars)?,
            max_fail_percentage,
            force_handlers,
            failed_before: self.failed.clone(),
        };
        Ok((batch::batches(hosts, &sizes), settings))
    }

    /// One batch through the whole play: facts, then each section followed by its handlers.
    async fn batch(
        &mut self,
        base: &RunContext<'_>,
        play: &Play,
        settings: &PlaySettings,
        all: &[String],
        batch: &[String],
    ) -> Option<Stop> {
        let inventory = (Arc::clone(&self.inventory), self.inventory_generation);
        let mut scope = BatchScope::new(base, inventory, all, batch);
        // In the recap as in Ansible's: the hosts of the batches that ran (in this order), those
        // without a counted task left out at the end.
        for name in batch {
            self.summary.stats.entry(name.clone()).or_default();
        }
        if settings.strategy != Strategy::Linear {
            return self
                .free_batch(base, &mut scope, play, settings, batch)
                .await;
        }
        if let Some(gather) = &play.gather_facts {
            let mut cursors =
                cursors_for(batch, Arc::new(vec![Node::Task(Arc::new(gather.clone()))]));
            if let Err(stop) = self
                .walk(base, &mut scope, play, settings, &mut cursors, batch)
                .await
            {
                return Some(
                    self.stopped(stop, base, &mut scope, play, settings, batch)
                        .await,
                );
            }
        }
        for section in &play.sections {
            let mut cursors = cursors_for(batch, section.clone());
            let walked = self
                .walk(base, &mut scope, play, settings, &mut cursors, batch)
                .await;
            if let Err(stop) = walked {
                return Some(
                    self.stopped(stop, base, &mut scope, play, settings, batch)
                        .await,
                );
            }
            let ctx = scope.ctx(base);
            if let Some(stop) = self.handlers(&ctx, play, settings, batch, batch).await {
                return Some(
                    self.stopped(stop, base, &mut scope, play, settings, batch)
                        .await,
                );
            }
        }
        None
    }

    /// A batch that stops early: with `force_handlers`, notified handlers still run.
    async fn stopped(
        &mut self,
        stop: Stop,
        base: &RunContext<'_>,
        scope: &mut BatchScope<'_>,
        play: &Play,
        settings: &PlaySettings,
        batch: &[String],
    ) -> Stop {
        if matches!(stop, Stop::NoHostsLeft | Stop::Break) {
            if settings.force_handlers {
                scope.refresh(base, &self.left_the_play(), &settings.failed_before);
                // The batch stops either way: a stop the handlers ask for adds nothing.
                let _stop = self
                    .handlers(&scope.ctx(base), play, settings, batch, batch)
                    .await;
            }
            self.reporter.no_hosts_left();
        }
        stop
    }

    /// One task tree (a play section) on the batch, linear strategy: each round runs the task
    /// that comes first in the play among every host's next task, on the hosts whose next task
    /// it is.
    async fn walk(
        &mut self,
        base: &RunContext<'_>,
        scope: &mut BatchScope<'_>,
        play: &Play,
        settings: &PlaySettings,
        cursors: &mut IndexMap<String, Cursor<Task>>,
        batch: &[String],
    ) -> Result<(), Stop> {
        loop {
            if base.interrupt.requested().is_some() {
                return Err(Stop::Interrupted);
            }
            let Some((position, task, hosts)) = self.next_round(cursors) else {
                break;
            };
            scope.use_inventory(base, Arc::clone(&self.inventory), self.inventory_generation);
            scope.refresh(base, &self.left_the_play(), &settings.failed_before);
            let ctx = scope.ctx(base);
            let is_meta = crate::playbook::flow::meta_action(&task).is_some();
            if !is_meta && !self.take_step(&task).await {
                step::pass_over(&hosts, cursors);
                continue;
            }
            if let Some(include) = &task.include {
                self.include_round(&ctx, &task, include, &position, &hosts, cursors)
                    .await;
                continue;
            }
            if let Some(action) = crate::playbook::flow::meta_action(&task) {
                let action = action.to_string();
                let stop = self
                    .meta(&ctx, play, settings, &task, &action, &hosts, cursors, batch)
                    .await;
                if let Some(stop) = stop {
                    return Err(stop);
                }
                continue;
            }
            let round = self.task_on_hosts(&ctx, &task, false, &hosts).await;
            if self.summary.aborted.is_some() {
                return Err(Stop::Interrupted);
            }
            let fatal = self.fatal_for_all(&ctx, &task, &round);
            self.advance(&task, &round, &hosts, cursors);
            if fatal {
                self.fail_the_rest(&round, cursors, batch);
            }
            if self.past_max_fail(settings, batch, &round) {
                return Err(Stop::Break);
            }
        }
        if base.interrupt.requested().is_some() {
            return Err(Stop::Interrupted);
        }
        // A failure left pending by `always` ends the host once that section has run.
        for (name, cursor) in cursors.iter() {
            if cursor.failed() && self.hosts.contains_key(name) {
                self.host_failed(name);
            }
        }
        if self.any_left(batch) {
            Ok(())
        } else {
            Err(Stop::NoHostsLeft)
        }
    }

    /// Moves every host of the round past the task. A task that ran once stands for all.
    fn advance(
        &mut self,
        task: &Task,
        round: &Round,
        hosts: &[String],
        cursors: &mut IndexMap<String, Cursor<Task>>,
    ) {
        for (name, result) in &round.results {
            if let Some(cursor) = cursors.get_mut(name) {
                self.after_task(name, task, result, cursor, true);
            }
        }
        let Some((first, result)) = round.results.first().filter(|_| round.ran_once) else {
            return;
        };
        for name in hosts.iter().filter(|h| *h != first) {
            if let Some(cursor) = cursors.get_mut(name) {
                // As Ansible: a failed `run_once` task fails every host, counted once.
                self.after_task(name, task, result, cursor, false);
            }
        }
    }

    /// `any_errors_fatal` (and a `run_once` task, as Ansible's linear strategy treats it): a host
    /// failing the task fails every other host of the batch.
    fn fatal_for_all(&self, ctx: &RunContext<'_>, task: &Task, round: &Round) -> bool {
        let any_failed = round.results.iter().any(|(_, r)| r.is_fatal());
        if !any_failed || round.results.iter().all(|(_, r)| r.ignored) {
            return false;
        }
        let vars = Map::new();
        let flag = task
            .flow
            .any_errors_fatal
            .as_ref()
            .map(|v| delegate::truthy(ctx.templar, v, &vars, "any_errors_fatal").unwrap_or(false))
            .unwrap_or(false);
        flag || round.ran_once
    }

    /// Fails every host of the batch still going: those in a block with `rescue` go there (and
    /// still count as failed for later plays, as in Ansible), the others stop.
    fn fail_the_rest(
        &mut self,
        round: &Round,
        cursors: &mut IndexMap<String, Cursor<Task>>,
        batch: &[String],
    ) {
        let failed_now: HashSet<&String> = round
            .results
            .iter()
            .filter(|(_, r)| r.is_fatal())
            .map(|(n, _)| n)
            .collect();
        for name in batch {
            if failed_now.contains(name) {
                continue;
            }
            if self.hosts.get(name).is_none_or(|h| h.done) {
                continue;
            }
            // A host of a failed `run_once` round is failed a second time here, as Ansible
            // does: one that went to `rescue` fails out of it.
            let after = match cursors.get_mut(name) {
                Some(cursor) => cursor.force_failure(),
                None => AfterFailure::HostFailed,
            };
            if after == AfterFailure::HostFailed {
                self.host_failed(name);
            } else {
                self.failed.insert(name.clone());
                self.fatal_rescued.insert(name.clone());
            }
        }
    }

    /// `max_fail_percentage`: more than that share of the batch failed in this batch.
    fn past_max_fail(&self, settings: &PlaySettings, batch: &[String], round: &Round) -> bool {
        let Some(max) = settings.max_fail_percentage else {
            return false;
        };
        if round.results.is_empty() || batch.is_empty() {
            return false;
        }
        let failed = batch
            .iter()
            .filter(|h| self.failed.contains(*h) && !settings.failed_before.contains(*h))
            .count();
        failed as f64 / batch.len() as f64 > max / 100.0
    }

    /// The task to run next, where it is, and the hosts to run it on; `None` when every host is
    /// through.
    fn next_round(
        &mut self,
        cursors: &mut IndexMap<String, Cursor<Task>>,
    ) -> Option<(Position, Arc<Task>, Vec<String>)> {
        let mut next = Vec::new();
        for (name, cursor) in cursors.iter_mut() {
            if self.hosts.get(name).is_none_or(|h| h.done) {
                continue;
            }
            let peeked = cursor.peek();
            if cursor.take_late_rescue() {
                self.count_rescued(name);
            }
            if cursor.failed() {
                // A failure an `always` held back: the host is out from now on (not only
                // once the section is through), so `ansible_play_hosts` no longer lists it.
                self.host_failed(name);
                continue;
            }
            if let Some((position, task)) = peeked {
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
        Some((first, task, hosts))
    }

    /// Moves a host past `task`: a failure goes to the block's `rescue`/`always` or ends the host.
    /// `counted`: the failure is this host's own (a `run_once` failure counts on one host only).
    fn after_task(
        &mut self,
        name: &str,
        task: &Task,
        result: &TaskResult,
        cursor: &mut Cursor<Task>,
        counted: bool,
    ) {
        let Some(host) = self.hosts.get_mut(name) else {
            return;
        };
        if host.done {
            cursor.end();
            if result.is_fatal() {
                self.failed.insert(name.to_string());
            }
            return;
        }
        let failed = result.status == Status::Failed && !result.ignored;
        let outcome = if failed {
            Outcome::Failed
        } else {
            Outcome::Done
        };
        let after = cursor.advance(outcome);
        let rescue_ahead = match after {
            Some(AfterFailure::Rescued) => true,
            Some(AfterFailure::Deferred) => cursor.rescue_ahead(),
            _ => false,
        };
        if rescue_ahead {
            // As in Ansible, a `rescue` reached only after inner `always` sections (see
            // Cursor::take_late_rescue) sees the task that failed, and so do those sections.
            host.facts
                .insert("ansible_failed_task".into(), failed_task(task));
            host.facts.insert(
                "ansible_failed_result".into(),
                Value::Object(result.result.clone()),
            );
            host.scope = None;
        }
        match after {
            Some(AfterFailure::Deferred) if !rescue_ahead => {
                self.held.insert(name.to_string());
            }
            Some(AfterFailure::Rescued) if counted => self.count_rescued(name),
            Some(AfterFailure::HostFailed) => self.host_failed(name),
            _ => {}
        }
    }

    /// The host has failed out of the play.
    fn host_failed(&mut self, name: &str) {
        if let Some(host) = self.hosts.get_mut(name) {
            host.done = true;
        }
        self.failed.insert(name.to_string());
        self.fatal_rescued.remove(name);
        self.held.remove(name);
    }

    /// The hosts `ansible_play_hosts` leaves out: the failed ones, and those only an `always`
    /// keeps going.
    fn left_the_play(&self) -> std::borrow::Cow<'_, HashSet<String>> {
        if self.held.is_empty() {
            return std::borrow::Cow::Borrowed(&self.failed);
        }
        std::borrow::Cow::Owned(self.failed.union(&self.held).cloned().collect())
    }

    /// A failure this host had is handled by a `rescue`: Ansible counts it rescued, not failed.
    fn count_rescued(&mut self, name: &str) {
        let stats = self.summary.stats.entry(name.to_string()).or_default();
        stats.failed = stats.failed.saturating_sub(1);
        stats.rescued += 1;
    }

    fn any_left(&self, selected: &[String]) -> bool {
        selected
            .iter()
            .any(|name| self.hosts.get(name).is_some_and(|h| !h.done))
    }

    fn record(&mut self, host: &str, task: Option<&Task>, result: &TaskResult) {
        self.reporter.host_result(host, task, result);
        self.summary
            .stats
            .entry(host.to_string())
            .or_default()
            .count(result);
    }

    /// Runs one task on every host of `targets` still in the play (on the first one only for
    /// `run_once`); what happened on each. A host that became unreachable (or was interrupted)
    /// is done; a failure is the caller's to judge.
    async fn task_on_hosts(
        &mut self,
        ctx: &RunContext<'_>,
        task: &Task,
        handler: bool,
        targets: &[String],
    ) -> Round {
        let nothing = Round {
            results: Vec::new(),
            ran_once: false,
        };
        if ctx.interrupt.requested().is_some() {
            return nothing;
        }
        let wanted: HashSet<&str> = targets.iter().map(String::as_str).collect();
        magic::publish_changed(
            &self.hostvars,
            self.hosts
                .values()
                .filter(|h| wanted.contains(h.name.as_str())),
        );
        let mut active: Vec<&mut HostState> = self
            .hosts
            .values_mut()
            .filter(|h| !h.done && wanted.contains(h.name.as_str()))
            .collect();
        // Hosts start in the batch's order (`order:`), not the inventory's: with `--forks 1`
        // that is the order they run in, and `run_once` takes the first.
        let position: HashMap<&str, usize> = targets
            .iter()
            .enumerate()
            .map(|(i, name)| (name.as_str(), i))
            .collect();
        active.sort_by_key(|h| position.get(h.name.as_str()).copied());
        let Some(first) = active.first_mut() else {
            return nothing;
        };
        let ran_once = run_once_wanted(ctx, first, task);
        let (shown, name_warning) = banner::shown(ctx, first, task);
        let bypass = inventory_change::bypasses_host_loop(task);
        if ran_once || bypass {
            active.truncate(1);
        }
        let mut redirects = Vec::with_capacity(active.len());
        for host in active.iter_mut() {
            redirects.push(self.delegates.redirect(ctx, host, task));
        }
        if let Some(warning) = &name_warning {
            self.reporter.warning(warning);
        }
        self.reporter.task_start(&shown, handler);
        let width = throttle_of(ctx, task).map_or(ctx.options.forks, |t| t.min(ctx.options.forks));
        let names: Vec<&str> = active.iter().map(|h| h.name.as_str()).collect();
        self.reporter.task_hosts(&names, width.max(1));
        // Hosts not started when the run is interrupted never start this task.
        let not_interrupted = |_: &(&mut HostState, Result<Option<delegate::Redirect>, String>)| {
            futures::future::ready(ctx.interrupt.requested().is_none())
        };
        let close_after_task = self.close_after_task;
        let mut results = futures::stream::iter(active.into_iter().zip(redirects))
            .take_while(not_interrupted)
            .map(|(host, redirect)| run_host(ctx, host, task, redirect, close_after_task))
            .buffer_unordered(width.max(1));
        let mut outcomes = Vec::new();
        let mut delegated_facts = Vec::new();
        while let Some((name, result, notes, shown_as, moved)) = results.next().await {
            for note in notes {
                self.reporter.warning(&format!("{name}: {note}"));
            }
            // ansible-playbook stops at the first result notifying a handler that does not
            // exist, before showing it; nothing after it is shown or counted.
            if self.summary.aborted.is_some() {
                continue;
            }
            // Fields, not a method: the hosts are still borrowed by the stream.
            for warning in self.includes.unusable_warnings(&result) {
                self.reporter.warning(&warning);
            }
            if let Some(msg) = self.includes.missing_handler(&result) {
                if ctx.options.error_on_missing_handler {
                    self.summary.aborted = Some(msg);
                    continue;
                }
                self.reporter.warning(&msg);
            }
            // Fields, not `self.record`: the hosts are still borrowed by the stream.
            let shown = match &shown_as {
                Some(to) => format!("{name} -> {to}"),
                None => name.clone(),
            };
            self.reporter.host_result(&shown, Some(task), &result);
            self.summary
                .stats
                .entry(name.clone())
                .or_default()
                .count(&result);
            delegated_facts.extend(moved);
            outcomes.push((name, result));
        }
        drop(results);
        for (name, result) in &outcomes {
            if result.status == Status::Unreachable && !result.ignored {
                self.unreachable.insert(name.clone());
                self.failed.insert(name.clone());
            }
        }
        let facts_moved = !delegated_facts.is_empty();
        for (to, facts) in delegated_facts {
            self.give_facts(ctx, &to, facts);
        }
        if ran_once && let Some((_, result)) = outcomes.first() {
            self.share_once(task, result, targets, facts_moved);
        }
        self.take_stats(task, &outcomes);
        if self.change_inventory(task, &outcomes) {
            self.inventory_generation += 1;
        }
        Round {
            results: outcomes,
            // A task that bypasses the host loop stands for every host, as a `run_once` one.
            ran_once: ran_once || bypass,
        }
    }

    /// A `run_once` task's outcome for every host of the round, as Ansible gives it: the
    /// registered result and facts it set.
    fn share_once(
        &mut self,
        task: &Task,
        result: &TaskResult,
        targets: &[String],
        facts_moved: bool,
    ) {
        let facts = match result.result.get("ansible_facts") {
            Some(Value::Object(facts)) if result.status != Status::Failed && !facts_moved => {
                Some(facts.clone())
            }
            _ => None,
        };
        for name in targets {
            let Some(host) = self.hosts.get_mut(name) else {
                continue;
            };
            if let Some(register) = &task.register {
                let registered = crate::template::untrusted(Value::Object(result.result.clone()));
                host.facts.insert(register.clone(), registered);
            }
            if let Some(facts) = &facts {
                host.facts.extend(facts.clone());
            }
            host.scope = None;
        }
    }

    /// `delegate_facts`: facts a delegated task set belong to the host it ran on.
    fn give_facts(&mut self, ctx: &RunContext<'_>, to: &str, facts: Map<String, Value>) {
        if facts.is_empty() {
            return;
        }
        if !self.hosts.contains_key(to) {
            let mut state = new_host_state(ctx.inventory, to, ctx.options, ctx.templar, &self.pool);
            state.done = true;
            self.hosts.insert(to.to_string(), state);
        }
        if let Some(host) = self.hosts.get_mut(to) {
            host.facts.extend(facts);
            host.scope = None;
        }
    }
}

/// A cursor per host of the batch over one task tree.
fn cursors_for(batch: &[String], tree: Arc<Vec<Node>>) -> IndexMap<String, Cursor<Task>> {
    batch
        .iter()
        .map(|name| (name.clone(), Cursor::new(tree.clone())))
        .collect()
}

/// `run_once`, evaluated with the first host's variables as Ansible does.
fn run_once_wanted(ctx: &RunContext<'_>, host: &mut HostState, task: &Task) -> bool {
    let Some(value) = &task.flow.run_once else {
        return false;
    };
    let vars = worker::task_vars(ctx, host, task);
    delegate::truthy(ctx.templar, value, &vars, "run_once").unwrap_or(false)
}

fn ignores_unreachable(ctx: &RunContext<'_>, host: &mut HostState, task: &Task) -> bool {
    let Some(value) = &task.flow.ignore_unreachable else {
        return false;
    };
    let vars = worker::task_vars(ctx, host, task);
    delegate::truthy(ctx.templar, value, &vars, "ignore_unreachable").unwrap_or(false)
}

/// `throttle: N`: at most N hosts run the task at once (0: no limit).
fn throttle_of(ctx: &RunContext<'_>, task: &Task) -> Option<usize> {
    let value = task.flow.throttle.as_ref()?;
    let rendered = ctx.templar.render_value(value, &Map::new()).ok()?;
    let n = match rendered {
        Value::Number(n) => n.as_u64()?,
        Value::String(s) => s.trim().parse().ok()?,
        _ => return None,
    };
    (n > 0).then_some(n as usize)
}

/// Runs the task for `host`, over `through` when it is delegated (or `connection: local`): the
/// host's own link is set aside meanwhile, so everything else stays the host's.
async fn run_on(
    ctx: &RunContext<'_>,
    host: &mut HostState,
    task: &Task,
    through: Option<Arc<Link>>,
) -> TaskResult {
    let own = through.map(|link| std::mem::replace(&mut host.link, link));
    let in_use = host.link.hold();
    let result = worker::run_task(ctx, host, task).await;
    drop(in_use);
    if let Some(own) = own {
        host.link = own;
    }
    result
}

/// What one host's run of a task gave: its name, the result, the link's notes (warnings), the
/// delegate it is shown as, and the facts to move to it (`delegate_facts`).
type HostRun = (
    String,
    TaskResult,
    Vec<String>,
    Option<String>,
    Option<(String, Map<String, Value>)>,
);

/// One host's run of a task under any strategy: delegated when `redirect` says so; a host
/// unreachable (or interrupted) is done and its link closed.
async fn run_host(
    ctx: &RunContext<'_>,
    host: &mut HostState,
    task: &Task,
    redirect: Result<Option<delegate::Redirect>, String>,
    close_after_task: bool,
) -> HostRun {
    let (mut result, shown_as, facts_to) = match redirect {
        Ok(None) => (run_on(ctx, host, task, None).await, None, None),
        Ok(Some(to)) => {
            let shown = to.shown_as.clone();
            let facts_to = to.facts_to.clone();
            (
                run_on(ctx, host, task, Some(to.link)).await,
                shown,
                facts_to,
            )
        }
        Err(msg) => (TaskResult::failed(msg, task.module.name()), None, None),
    };
    if let Some(signal) = ctx.interrupt.requested() {
        result = result.interrupted_by(signal.name());
    }
    if ignores_unreachable(ctx, host, task) && result.status == Status::Unreachable {
        result.ignored = true;
    }
    let gone =
        result.is_fatal() && matches!(result.status, Status::Unreachable | Status::Interrupted);
    if gone {
        host.done = true;
    }
    if (result.is_fatal() || close_after_task) && shown_as.is_none() {
        host.link.close().await;
    }
    let moved_facts = facts_to.map(|to| (to, take_new_facts(host, &result)));
    (
        host.name.clone(),
        result,
        host.link.take_notes(),
        shown_as,
        moved_facts,
    )
}

/// The facts a delegated task set on `host`, taken back from it (`delegate_facts`).
fn take_new_facts(host: &mut HostState, result: &TaskResult) -> Map<String, Value> {
    let Some(Value::Object(facts)) = result.result.get("ansible_facts") else {
        return Map::new();
    };
    for name in facts.keys() {
        host.facts.remove(name);
    }
    host.scope = None;
    facts.clone()
}

/// What `ansible_failed_task` holds in a `rescue`: the failed task's name and action. The name is
/// the task's own `name:` as Ansible has it — empty when unset, without a role's prefix.
fn failed_task(task: &Task) -> Value {
    serde_json::json!({
        "name": task.name.clone().unwrap_or_default(),
        "action": task.action,
        "path": task.origin.to_string(),
    })
}

/// A vars file's variables: a mapping, or (as Ansible accepts) a list of mappings merged in order.
fn vars_file_mapping(loaded: Option<Value>, path: &Path) -> Result<Map<String, Value>, String> {
    match loaded {
        None | Some(Value::Null) => Ok(Map::new()),
        Some(Value::Object(map)) => Ok(map),
        Some(Value::Array(items)) => items.into_iter().try_fold(Map::new(), |mut vars, item| {
            let Value::Object(map) = item else {
                return Err(not_vars(path));
            };
            vars.extend(map);
            Ok(vars)
        }),
        Some(_) => Err(not_vars(path)),
    }
}

fn not_vars(path: &Path) -> String {
    format!(
        "vars_files: {}: a variables file must hold a mapping or a list of mappings",
        path.display()
    )
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
        let loaded: Option<Value> =
            crate::yaml::from_file(&path).map_err(|e| format!("vars_files: {e}"))?;
        vars.extend(vars_file_mapping(loaded, &path)?);
    }
    // The play's roles' `vars/` sit just above `vars_files`, for every task of the play.
    vars.extend(play.roles.vars.clone());
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
        let globals = play_globals(&inventory, &options, dir.path(), &selected, &selected);
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
