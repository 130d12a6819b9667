//! `strategy: free` and `host_pinned`, as ansible-core 2.19 runs them: each host goes through the
//! play (facts, then each section followed by the handlers it notified) as fast as it can, never
//! waiting for the others at a task. At most `--forks` tasks run at once (`throttle` bounds one
//! task further); under `host_pinned` at most `--forks` hosts are under way, and a host once
//! started keeps its slot until it is through the play.
//!
//! What Ansible's free strategy does differently from the linear one, and drover with it:
//! `run_once` is a warning and the task runs on every host; `any_errors_fatal` and
//! `max_fail_percentage` are warnings and fail no other host; `include_tasks`, blocks and
//! handlers are per host; `meta: end_play`/`end_batch` stop every host of the batch once the
//! tasks already running are in; a task's banner is shown again whenever the next result shown
//! is another task's (Ansible's default callback does the same).
//!
//! A host's state is lent to the task running on it (the run keeps a stand-in with its name and
//! link meanwhile), so the results of other hosts can be taken in while it runs.

use super::host::HostState;
use super::iterator::Cursor;
use super::{
    BatchScope, HostRun, PlaySettings, Run, RunContext, Stop, cursors_for, magic, run_host, step,
    throttle_of,
};
use crate::playbook::flow::{Strategy, meta_action};
use crate::playbook::{Node, Play, Task};
use crate::template::{Templar, Vars};
use futures::StreamExt;
use futures::future::LocalBoxFuture;
use futures::stream::FuturesUnordered;
use indexmap::IndexMap;
use serde_json::Map;
use std::collections::HashSet;
use std::sync::Arc;

const RUN_ONCE_WARNING: &str = "Using run_once with the free strategy is not currently supported. This task will still be executed for every host in the inventory list.";
const ANY_ERRORS_FATAL_WARNING: &str = "Using any_errors_fatal with the free strategy is not supported, as tasks are executed independently on each host";
const MAX_FAIL_WARNING: &str = "Using max_fail_percentage with the free strategy is not supported, as tasks are executed independently on each host";

/// Where one host is in the play.
#[derive(Default)]
struct Lane {
    /// Index into the stages (facts, then the sections).
    stage: usize,
    /// Running the handlers it notified, from this index of the play's handlers on.
    handlers: Option<usize>,
    /// Its handlers already ran after it failed (`force_handlers`).
    forced: bool,
    started: bool,
    finished: bool,
}

/// What a host does next.
enum Next {
    Run(Arc<Task>, bool),
    /// Its next task is throttled: it waits for a running one to end.
    Wait,
    Finished,
    Stop(Stop),
}

/// A task that ran on a lent host, back with the host.
struct Landed {
    host: HostState,
    run: HostRun,
    task: Arc<Task>,
    handler: bool,
}

/// The batch's state under the free strategy.
struct Free<'f> {
    /// Each stage's tasks, and whether the notified handlers run after it.
    stages: Vec<(Arc<Vec<Node>>, bool)>,
    cursors: IndexMap<String, Cursor<Task>>,
    lanes: IndexMap<String, Lane>,
    in_flight: FuturesUnordered<LocalBoxFuture<'f, Landed>>,
    /// Hosts with a task running, and that task.
    busy: IndexMap<String, Arc<Task>>,
    /// The task whose banner the last result was shown under: where it is written (a file
    /// included by several hosts gives each its own copy of the same task), and whether it is a
    /// handler.
    shown: Option<(crate::yaml::Origin, String, bool)>,
    warned: HashSet<&'static str>,
    /// Round robin: the host to try first next time.
    next_host: usize,
    /// The play's handlers, shared by every host that runs them (one banner for them all).
    handlers: Vec<Arc<Task>>,
}

impl Run<'_> {
    /// One batch through the whole play, each host at its own pace.
    pub(super) async fn free_batch(
        &mut self,
        base: &RunContext<'_>,
        scope: &mut BatchScope<'_>,
        play: &Play,
        settings: &PlaySettings,
        batch: &[String],
    ) -> Option<Stop> {
        let mut stages = Vec::new();
        if let Some(gather) = &play.gather_facts {
            let facts = Arc::new(vec![Node::Task(Arc::new(gather.clone()))]);
            stages.push((facts, false));
        }
        stages.extend(play.sections.iter().map(|s| (s.clone(), true)));
        let first = stages.first()?.0.clone();
        let mut free = Free {
            cursors: cursors_for(batch, first),
            lanes: batch.iter().map(|h| (h.clone(), Lane::default())).collect(),
            stages,
            in_flight: FuturesUnordered::new(),
            busy: IndexMap::new(),
            shown: None,
            warned: HashSet::new(),
            next_host: 0,
            handlers: play.handlers.iter().cloned().map(Arc::new).collect(),
        };
        if settings.max_fail_percentage.is_some() {
            self.warn_once(&mut free, MAX_FAIL_WARNING);
        }
        let pinned = settings.strategy == Strategy::HostPinned;
        let mut stop = None;
        loop {
            if stop.is_none() && base.interrupt.requested().is_some() {
                stop = Some(Stop::Interrupted);
            }
            if stop.is_none() {
                scope.use_inventory(base, Arc::clone(&self.inventory), self.inventory_generation);
                scope.refresh(base, &self.left_the_play(), &settings.failed_before);
                stop = self
                    .start_ready(base, scope, play, settings, batch, pinned, &mut free)
                    .await;
            }
            let Some(landed) = free.in_flight.next().await else {
                break;
            };
            self.take_in(&scope.ctx(base), landed, &mut free);
        }
        if stop.is_none() && base.interrupt.requested().is_some() {
            stop = Some(Stop::Interrupted);
        }
        stop
    }

    /// Starts the next task of every host that can take one, in round robin; `Some` when a
    /// `meta` task stopped the batch.
    #[allow(clippy::too_many_arguments)]
    async fn start_ready<'f>(
        &mut self,
        base: &RunContext<'f>,
        scope: &BatchScope<'_>,
        play: &Play,
        settings: &PlaySettings,
        batch: &[String],
        pinned: bool,
        free: &mut Free<'f>,
    ) -> Option<Stop> {
        let forks = base.options.forks.max(1);
        let count = batch.len();
        let first = free.next_host;
        for offset in 0..count {
            let index = (first + offset) % count;
            let name = &batch[index];
            if free.in_flight.len() >= forks {
                break;
            }
            let idle = free.lanes.get(name).is_some_and(|l| !l.finished);
            if !idle || free.busy.contains_key(name) {
                continue;
            }
            let under_way = free
                .lanes
                .values()
                .filter(|l| l.started && !l.finished)
                .count();
            if pinned && !free.lanes[name].started && under_way >= forks {
                continue;
            }
            let ctx = scope.ctx(base);
            match self.next_for(&ctx, play, settings, name, batch, free).await {
                Next::Run(task, handler) => {
                    self.dispatch(base, scope, name, task, handler, free);
                    free.next_host = index + 1;
                }
                Next::Wait | Next::Finished => {}
                Next::Stop(stop) => return Some(stop),
            }
        }
        None
    }

    /// Moves `name` along until it has a task to run (includes, meta tasks and `--step` are
    /// taken here), is through the play, or stops the batch.
    async fn next_for(
        &mut self,
        ctx: &RunContext<'_>,
        play: &Play,
        settings: &PlaySettings,
        name: &str,
        batch: &[String],
        free: &mut Free<'_>,
    ) -> Next {
        let hosts = [name.to_string()];
        loop {
            if let Some(lane) = free.lanes.get_mut(name) {
                lane.started = true;
            }
            if free.lanes[name].handlers.is_some() {
                match self.next_handler(ctx, settings, name, batch, free).await {
                    Some(next) => return next,
                    None => continue,
                }
            }
            let done = self.hosts.get(name).is_none_or(|h| h.done);
            if done {
                let lane = &mut free.lanes[name];
                let stage_has_handlers = free.stages.get(lane.stage).is_some_and(|s| s.1);
                if settings.force_handlers
                    && stage_has_handlers
                    && !lane.forced
                    && !self.unreachable.contains(name)
                {
                    lane.forced = true;
                    lane.handlers = Some(0);
                    continue;
                }
                lane.finished = true;
                return Next::Finished;
            }
            let Some(cursor) = free.cursors.get_mut(name) else {
                return Next::Finished;
            };
            let Some((position, task)) = cursor.peek() else {
                if cursor.failed() {
                    // A failure left pending by `always` ends the host once the section ran.
                    if let Some(host) = self.hosts.get_mut(name) {
                        host.done = true;
                    }
                    self.failed.insert(name.to_string());
                    continue;
                }
                self.section_over(name, free);
                if free.lanes[name].finished {
                    return Next::Finished;
                }
                continue;
            };
            let meta = meta_action(&task).map(str::to_string);
            if meta.is_none() && !self.take_step(&task).await {
                step::pass_over(&hosts, &mut free.cursors);
                continue;
            }
            if let Some(include) = &task.include {
                self.include_round(ctx, &task, include, &position, &hosts, &mut free.cursors)
                    .await;
                free.shown = None;
                continue;
            }
            if let Some(action) = meta {
                let stop = self
                    .meta(
                        ctx,
                        play,
                        settings,
                        &task,
                        &action,
                        &hosts,
                        &mut free.cursors,
                        batch,
                    )
                    .await;
                free.shown = None;
                match stop {
                    // `end_host` of the last host still going ends the batch, but the hosts
                    // still running a task are going too under this strategy.
                    Some(Stop::EndBatch) if action == "end_host" => continue,
                    Some(stop) => return Next::Stop(stop),
                    None => continue,
                }
            }
            if super::inventory_change::bypasses_host_loop(&task) {
                // As ansible-core: an error that ends the run, reached when a host gets there.
                self.refuse_host_loop_bypass(&task);
                return Next::Stop(Stop::Interrupted);
            }
            self.warn_free_keywords(ctx, &task, free);
            if let Some(limit) = throttle_of(ctx, &task) {
                let running = free.busy.values().filter(|t| Arc::ptr_eq(t, &task)).count();
                if running >= limit {
                    return Next::Wait;
                }
            }
            return Next::Run(task, false);
        }
    }

    /// A host is through a stage: its handlers run if the stage has them, then the next stage.
    fn section_over(&mut self, name: &str, free: &mut Free<'_>) {
        let lane = &mut free.lanes[name];
        if free.stages.get(lane.stage).is_some_and(|s| s.1) && lane.handlers.is_none() {
            lane.handlers = Some(0);
            return;
        }
        lane.stage += 1;
        match free.stages.get(lane.stage) {
            Some((tree, _)) => {
                free.cursors
                    .insert(name.to_string(), Cursor::new(tree.clone()));
            }
            None => lane.finished = true,
        }
    }

    /// The next handler `name` notified, from its lane's place in the handlers on: `Some` with a
    /// handler to run (or `Finished`), `None` when the caller should look again.
    async fn next_handler(
        &mut self,
        ctx: &RunContext<'_>,
        settings: &PlaySettings,
        name: &str,
        batch: &[String],
        free: &mut Free<'_>,
    ) -> Option<Next> {
        let from = free.lanes[name].handlers?;
        let all: Vec<Arc<Task>> = free
            .handlers
            .iter()
            .chain(self.includes.handlers.iter())
            .cloned()
            .collect();
        let forced = settings.force_handlers && !self.unreachable.contains(name);
        for (index, handler) in all.iter().enumerate().skip(from) {
            let Some(host) = self.hosts.get_mut(name) else {
                break;
            };
            if (host.done && !forced) || !super::notify::take(&all, index, &mut host.notified) {
                continue;
            }
            host.done = false;
            free.lanes[name].handlers = Some(index + 1);
            if handler.include.is_some() || meta_action(handler).is_some() {
                let hosts = [name.to_string()];
                let stop = match meta_action(handler) {
                    Some(action) => {
                        let action = action.to_string();
                        self.handler_meta(ctx, handler, &action, &hosts, None, batch)
                            .await
                    }
                    None => self.included_handler(ctx, handler, &hosts, batch).await,
                };
                free.shown = None;
                self.fail_if_failed(name);
                // As for `end_host` among tasks: the hosts still running a task go on.
                let ended_last = meta_action(handler) == Some("end_host");
                return match stop {
                    Some(Stop::EndBatch) if ended_last => None,
                    stop => stop.map(Next::Stop),
                };
            }
            return Some(Next::Run(Arc::clone(handler), true));
        }
        self.fail_if_failed(name);
        let lane = &mut free.lanes[name];
        lane.handlers = None;
        lane.stage += 1;
        match free.stages.get(lane.stage) {
            Some((tree, _)) => {
                free.cursors
                    .insert(name.to_string(), Cursor::new(tree.clone()));
                None
            }
            None => {
                lane.finished = true;
                Some(Next::Finished)
            }
        }
    }

    /// A failed host that ran handlers (`force_handlers`) is done again afterwards.
    fn fail_if_failed(&mut self, name: &str) {
        if self.failed.contains(name)
            && let Some(host) = self.hosts.get_mut(name)
        {
            host.done = true;
        }
    }

    /// `add_host` runs once for the whole play, which the free strategy cannot do: as in
    /// ansible-core, an error of the playbook that stops the run (exit 1, no recap).
    fn refuse_host_loop_bypass(&mut self, task: &Task) {
        let msg = format!(
            "The '{}' module bypasses the host loop, which is currently not supported in the free strategy and would instead execute for every host in the inventory list ({})",
            task.module.name(),
            task.origin
        );
        self.summary.aborted = Some(msg);
    }

    /// Ansible's warnings for the play keywords the free strategy does not honour.
    fn warn_free_keywords(&mut self, ctx: &RunContext<'_>, task: &Task, free: &mut Free<'_>) {
        let vars = Map::new();
        let truthy = |value: &Option<serde_json::Value>, name: &str| {
            value.as_ref().is_some_and(|v| {
                super::delegate::truthy(ctx.templar, v, &vars, name).unwrap_or(false)
            })
        };
        if truthy(&task.flow.run_once, "run_once") {
            self.warn_once(free, RUN_ONCE_WARNING);
        }
        if truthy(&task.flow.any_errors_fatal, "any_errors_fatal") {
            self.warn_once(free, ANY_ERRORS_FATAL_WARNING);
        }
    }

    fn warn_once(&mut self, free: &mut Free<'_>, warning: &'static str) {
        if free.warned.insert(warning) {
            self.reporter.warning(warning);
        }
    }

    /// Starts `task` on `name`, lending it the host's state.
    fn dispatch<'f>(
        &mut self,
        base: &RunContext<'f>,
        scope: &BatchScope<'_>,
        name: &str,
        task: Arc<Task>,
        handler: bool,
        free: &mut Free<'f>,
    ) {
        let ctx = scope.ctx(base);
        let Some(host) = self.hosts.get_mut(name) else {
            return;
        };
        magic::publish_changed(&self.hostvars, std::iter::once(&*host));
        let redirect = self.delegates.redirect(&ctx, host, &task);
        let stand_in = stand_in_for(host);
        let mut lent = std::mem::replace(host, stand_in);
        free.busy.insert(name.to_string(), Arc::clone(&task));
        let templar: Arc<Templar> = Arc::clone(&scope.templar);
        let inventory = Arc::clone(&scope.inventory);
        let (options, playbook_dir, interrupt) = (base.options, base.playbook_dir, base.interrupt);
        let close_after_task = self.close_after_task;
        free.in_flight.push(Box::pin(async move {
            let ctx = RunContext {
                options,
                templar: &templar,
                inventory: &inventory,
                playbook_dir,
                interrupt,
            };
            let run = run_host(&ctx, &mut lent, &task, redirect, close_after_task).await;
            Landed {
                host: lent,
                run,
                task,
                handler,
            }
        }));
    }

    /// A finished task: the host back, its result shown (under its task's banner) and counted,
    /// and the host moved past the task.
    fn take_in(&mut self, ctx: &RunContext<'_>, landed: Landed, free: &mut Free<'_>) {
        let Landed {
            host,
            run,
            task,
            handler,
        } = landed;
        let (name, result, notes, shown_as, moved) = run;
        free.busy.shift_remove(&name);
        if let Some(slot) = self.hosts.get_mut(&name) {
            *slot = host;
        }
        for note in notes {
            self.reporter.warning(&format!("{name}: {note}"));
        }
        // Each host's own variables name the task, as under Ansible's free strategy.
        let (shown, name_warning) = match self.hosts.get_mut(&name) {
            Some(host) => super::banner::shown(ctx, host, &task),
            None => (std::borrow::Cow::Borrowed(task.as_ref()), None),
        };
        let banner = (task.origin.clone(), shown.display_name(), handler);
        if free.shown.as_ref() != Some(&banner) {
            if let Some(warning) = &name_warning {
                self.reporter.warning(warning);
            }
            self.reporter.task_start(&shown, handler);
            free.shown = Some(banner);
        }
        let shown = match &shown_as {
            Some(to) => format!("{name} -> {to}"),
            None => name.clone(),
        };
        self.reporter.host_result(&shown, Some(&task), &result);
        self.summary
            .stats
            .entry(name.clone())
            .or_default()
            .count(&result);
        if result.status == super::Status::Unreachable && !result.ignored {
            self.unreachable.insert(name.clone());
            self.failed.insert(name.clone());
        }
        if let Some((to, facts)) = moved {
            self.give_facts(ctx, &to, facts);
        }
        let outcome = [(name.clone(), result)];
        self.take_stats(&task, &outcome);
        if self.change_inventory(&task, &outcome) {
            self.inventory_generation += 1;
        }
        let [(_, result)] = outcome;
        if handler {
            if result.is_fatal()
                && let Some(host) = self.hosts.get_mut(&name)
            {
                host.done = true;
                self.failed.insert(name);
            }
            return;
        }
        if let Some(cursor) = free.cursors.get_mut(&name) {
            self.after_task(&name, &task, &result, cursor, true);
        }
    }
}

/// What the run holds for a host while its state is lent to a running task: its name and link,
/// never published as its variables, not done (the host is still going).
fn stand_in_for(host: &HostState) -> HostState {
    HostState {
        name: host.name.clone(),
        inventory_vars: Map::new(),
        facts: Map::new(),
        included_vars: Map::new(),
        play_vars: Map::new(),
        role_defaults: Map::new(),
        scope: Some(Arc::new(Vars::new())),
        scope_role: None,
        notified: Default::default(),
        link: Arc::clone(&host.link),
        done: false,
        jobs: Default::default(),
    }
}
