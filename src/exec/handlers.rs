//! Running the notified handlers: at the end of each section and at `meta: flush_handlers`, in
//! the order they are defined, each on the hosts that notified it — as ansible-core's linear
//! strategy runs them, meta tasks and `any_errors_fatal` included.

use super::iterator::Cursor;
use super::{PlaySettings, Round, Run, RunContext, Stop, cursors_for, notify};
use crate::playbook::flow::meta_action;
use crate::playbook::{Node, Play, Task};
use indexmap::IndexMap;
use std::sync::Arc;

impl Run<'_> {
    /// Notified handlers, in the order they are defined, on the hosts of `selected` that
    /// notified them (with `force_handlers`, on failed hosts too); `batch` is every host of the
    /// batch, which `any_errors_fatal` and `meta: end_play` reach. `Some` when the batch stops.
    pub(super) async fn handlers(
        &mut self,
        ctx: &RunContext<'_>,
        _play: &Play,
        settings: &PlaySettings,
        selected: &[String],
        batch: &[String],
    ) -> Option<Stop> {
        // The play's handlers (names rendered at play start), then included roles' (cheap `Arc`
        // clones: the loop below needs `self` mutably).
        let all = self.includes.all_handlers();
        for index in 0..all.len() {
            if self.summary.aborted.is_some() {
                return Some(Stop::Interrupted);
            }
            let notified = self.notified_hosts(&all, index, settings, selected);
            if notified.is_empty() {
                continue;
            }
            let stop = self.handler_on(ctx, &all[index], &notified, batch).await;
            for name in &notified {
                if self.failed.contains(name)
                    && let Some(h) = self.hosts.get_mut(name)
                {
                    h.done = true;
                }
            }
            if stop.is_some() {
                return stop;
            }
        }
        self.summary.aborted.is_some().then_some(Stop::Interrupted)
    }

    /// The hosts of `selected` that notified `all[index]`, their notification spent.
    fn notified_hosts(
        &mut self,
        all: &[Arc<Task>],
        index: usize,
        settings: &PlaySettings,
        selected: &[String],
    ) -> Vec<String> {
        let mut notified = Vec::new();
        for name in selected {
            let forced = settings.force_handlers && !self.unreachable.contains(name);
            let Some(h) = self.hosts.get_mut(name) else {
                continue;
            };
            if (!h.done || forced) && notify::take(all, index, &mut h.notified) {
                h.done = false;
                notified.push(name.clone());
            }
        }
        notified
    }

    /// One handler on the hosts that notified it.
    async fn handler_on(
        &mut self,
        ctx: &RunContext<'_>,
        handler: &Task,
        notified: &[String],
        batch: &[String],
    ) -> Option<Stop> {
        if let Some(action) = meta_action(handler) {
            let action = action.to_string();
            return self
                .handler_meta(ctx, handler, &action, notified, None, batch)
                .await;
        }
        if handler.include.is_some() {
            return self.included_handler(ctx, handler, notified, batch).await;
        }
        let round = self.task_on_hosts(ctx, handler, true, notified).await;
        self.handler_failures(ctx, handler, &round, notified, batch);
        None
    }

    /// A handler's failures end their hosts; under `any_errors_fatal` (or `run_once`) one
    /// failure ends every host of the batch still going, as ansible-core marks them failed.
    fn handler_failures(
        &mut self,
        ctx: &RunContext<'_>,
        handler: &Task,
        round: &Round,
        targets: &[String],
        batch: &[String],
    ) {
        let everyone_fails = self.fatal_for_all(ctx, handler, round);
        for (name, result) in &round.results {
            if !result.is_fatal() {
                continue;
            }
            let ended = if round.ran_once {
                targets
            } else {
                std::slice::from_ref(name)
            };
            self.end_failed(ended);
        }
        if everyone_fails {
            self.end_every_host_going(batch);
        }
    }

    fn end_every_host_going(&mut self, batch: &[String]) {
        let going: Vec<String> = batch
            .iter()
            .filter(|n| self.hosts.get(*n).is_some_and(|h| !h.done))
            .cloned()
            .collect();
        self.end_failed(&going);
    }

    fn end_failed(&mut self, names: &[String]) {
        for name in names {
            if let Some(host) = self.hosts.get_mut(name) {
                host.done = true;
                self.failed.insert(name.clone());
            }
        }
    }

    /// A meta task run as a handler, or met in a handler's included file (`cursors`): as in the
    /// play's tasks, but `flush_handlers` is an error that stops the run, as in ansible-core.
    pub(super) async fn handler_meta(
        &mut self,
        ctx: &RunContext<'_>,
        task: &Task,
        action: &str,
        hosts: &[String],
        cursors: Option<&mut IndexMap<String, Cursor<Task>>>,
        batch: &[String],
    ) -> Option<Stop> {
        let mut none = IndexMap::new();
        let cursors = cursors.unwrap_or(&mut none);
        super::meta::pass(hosts, cursors);
        if action == "flush_handlers" {
            self.reporter.task_start(task, true);
            self.summary.aborted = Some(format!(
                "{} ({})",
                super::meta::FLUSH_AS_HANDLER,
                task.origin
            ));
            return Some(Stop::Interrupted);
        }
        let applies = self.meta_hosts(
            ctx,
            task,
            action,
            hosts,
            true,
            super::meta::MetaBanner::Always,
        );
        if applies.is_empty() {
            return None;
        }
        self.meta_act(action, &applies, cursors, batch).await
    }

    /// An `include_tasks` handler on the hosts that notified it: the file's tasks run as handlers,
    /// in lockstep as the play's tasks do; a host failing one leaves the play.
    pub(super) async fn included_handler(
        &mut self,
        ctx: &RunContext<'_>,
        handler: &Task,
        hosts: &[String],
        batch: &[String],
    ) -> Option<Stop> {
        let tree = Arc::new(vec![Node::Task(Arc::new(handler.clone()))]);
        let mut cursors = cursors_for(hosts, tree);
        while let Some((position, task, round)) = self.next_round(&mut cursors) {
            if ctx.interrupt.requested().is_some() || self.summary.aborted.is_some() {
                return Some(Stop::Interrupted);
            }
            if let Some(include) = &task.include {
                self.include_round(ctx, &task, include, &position, &round, &mut cursors)
                    .await;
                continue;
            }
            if let Some(action) = meta_action(&task) {
                let action = action.to_string();
                let stop = self
                    .handler_meta(ctx, &task, &action, &round, Some(&mut cursors), batch)
                    .await;
                if stop.is_some() {
                    return stop;
                }
                continue;
            }
            let results = self.task_on_hosts(ctx, &task, true, &round).await;
            self.advance(&task, &results, &round, &mut cursors);
            if self.fatal_for_all(ctx, &task, &results) {
                self.end_every_host_going(batch);
            }
        }
        None
    }
}
