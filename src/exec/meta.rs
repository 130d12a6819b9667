//! `meta:` tasks: instructions to the runner rather than work on a host. As in Ansible's linear
//! strategy, `end_host`, `reset_connection`, `flush_handlers` and `noop` act per host (their
//! banner shown for each host, as ansible-core sends it); `end_play`, `end_batch`,
//! `clear_host_errors`, `clear_facts` and `refresh_inventory` act once for the batch, their `when:`
//! judged on the first host. A `when:` that does not hold is shown as a skip, never counted.

use super::iterator::{Cursor, Outcome};
use super::result::{Status, TaskResult};
use super::{PlaySettings, Run, RunContext, Stop, worker};
use crate::playbook::flow::Strategy;
use crate::playbook::{Play, Task};
use indexmap::IndexMap;
use serde_json::{Map, Value};

/// The actions ansible-core's linear strategy runs for each host rather than once for all.
const PER_HOST: &[&str] = &["end_host", "reset_connection", "noop", "flush_handlers"];

/// The actions that take no `when:` (ansible-core warns and runs them anyway).
const UNCONDITIONAL: &[&str] = &["noop", "refresh_inventory", "reset_connection"];

/// When a meta task's banner is shown: for each host it is judged on (the linear strategy), or
/// only before a skip line it shows (the free strategies, whose banners come with a result).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum MetaBanner {
    Always,
    WithALine,
}

/// What ansible-core's error says when a handler is `meta: flush_handlers`.
pub(super) const FLUSH_AS_HANDLER: &str = "flush_handlers cannot be used as a handler";

impl Run<'_> {
    /// Carries out a meta task for the round's `hosts`; `Some` when it stops the batch.
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn meta(
        &mut self,
        ctx: &RunContext<'_>,
        play: &Play,
        settings: &PlaySettings,
        task: &Task,
        action: &str,
        hosts: &[String],
        cursors: &mut IndexMap<String, Cursor<Task>>,
        batch: &[String],
    ) -> Option<Stop> {
        pass(hosts, cursors);
        // ansible-core's default callback prints a task's banner under the free strategies only
        // with its first result line: a meta task that acts shows none.
        let banner = if settings.strategy == Strategy::Linear {
            MetaBanner::Always
        } else {
            MetaBanner::WithALine
        };
        let applies = self.meta_hosts(ctx, task, action, hosts, false, banner);
        if applies.is_empty() {
            return None;
        }
        if action == "flush_handlers" {
            let stop = self.handlers(ctx, play, settings, &applies, batch).await;
            // A handler that notified one that does not exist stopped the run.
            return stop.or_else(|| self.summary.aborted.is_some().then_some(Stop::Interrupted));
        }
        self.meta_act(action, &applies, cursors, batch).await
    }

    /// What a meta task other than `flush_handlers` does to the hosts it `applies` to.
    pub(super) async fn meta_act(
        &mut self,
        action: &str,
        applies: &[String],
        cursors: &mut IndexMap<String, Cursor<Task>>,
        batch: &[String],
    ) -> Option<Stop> {
        match action {
            "end_host" => {
                for name in applies {
                    if let Some(cursor) = cursors.get_mut(name) {
                        cursor.end();
                    }
                    if let Some(host) = self.hosts.get_mut(name) {
                        host.done = true;
                    }
                }
                (!self.any_left(batch)).then_some(Stop::EndBatch)
            }
            "end_batch" | "end_play" => {
                for name in batch {
                    if let Some(host) = self.hosts.get_mut(name) {
                        host.done = true;
                    }
                }
                Some(if action == "end_play" {
                    Stop::EndPlay
                } else {
                    Stop::EndBatch
                })
            }
            "clear_host_errors" => {
                // The hosts take part in later plays again; in this one a host already out stays
                // out, and one whose failure an `always` holds back goes on after it.
                for name in batch {
                    self.failed.remove(name);
                    self.fatal_rescued.remove(name);
                    self.held.remove(name);
                    self.unreachable.remove(name);
                    if let Some(cursor) = cursors.get_mut(name) {
                        cursor.clear_errors();
                    }
                }
                None
            }
            "clear_facts" => {
                for name in batch {
                    if let Some(host) = self.hosts.get_mut(name) {
                        host.facts
                            .retain(|k, _| k != "ansible_facts" && !k.starts_with("ansible_"));
                        host.scope = None;
                    }
                }
                None
            }
            "refresh_inventory" => {
                self.reporter.warning(
                    "meta: refresh_inventory: drover reads the inventory once (static files); nothing to refresh",
                );
                None
            }
            "reset_connection" => {
                for name in applies {
                    if let Some(host) = self.hosts.get(name) {
                        host.link.close().await;
                    }
                }
                None
            }
            _ => None,
        }
    }

    /// Shows the meta task as ansible-core's linear strategy does and returns the hosts it acts
    /// on: a per-host action is announced and judged host by host, the others once, on the
    /// first host, for all of them.
    pub(super) fn meta_hosts(
        &mut self,
        ctx: &RunContext<'_>,
        task: &Task,
        action: &str,
        hosts: &[String],
        handler: bool,
        banner: MetaBanner,
    ) -> Vec<String> {
        let unconditional = UNCONDITIONAL.contains(&action);
        if unconditional && !task.when.is_empty() {
            self.reporter
                .warning(&format!("{action} task does not support when conditional"));
        }
        let per_host = PER_HOST.contains(&action);
        let judged = if per_host {
            hosts
        } else {
            &hosts[..hosts.len().min(1)]
        };
        let mut applies = Vec::new();
        for name in judged {
            if banner == MetaBanner::Always {
                self.reporter.task_start(task, handler);
            }
            if unconditional || self.meta_condition(ctx, task, action, name, handler, banner) {
                applies.push(name.clone());
            }
        }
        if !per_host && !applies.is_empty() {
            return hosts.to_vec();
        }
        applies
    }

    /// The meta task's `when:` on one host; one that does not hold is shown as Ansible shows it.
    fn meta_condition(
        &mut self,
        ctx: &RunContext<'_>,
        task: &Task,
        action: &str,
        name: &str,
        handler: bool,
        banner: MetaBanner,
    ) -> bool {
        if task.when.is_empty() {
            return true;
        }
        let Some(host) = self.hosts.get_mut(name) else {
            return false;
        };
        let vars = worker::task_vars(ctx, host, task);
        let holds = task.when.iter().all(|cond| match cond {
            Value::Bool(b) => *b,
            Value::String(expr) => ctx.templar.eval_bool(expr, &vars).unwrap_or(false),
            _ => true,
        });
        if !holds {
            let mut result = Map::new();
            result.insert("changed".into(), Value::Bool(false));
            result.insert("skipped".into(), Value::Bool(true));
            result.insert(
                "skip_reason".into(),
                Value::String(skip_reason(action, name)),
            );
            if banner == MetaBanner::WithALine {
                self.reporter.task_start(task, handler);
            }
            // Shown, not counted: Ansible's recap leaves skipped meta tasks out.
            self.reporter.host_result(
                name,
                Some(task),
                &TaskResult::new(Status::Skipped, result, "meta"),
            );
        }
        holds
    }
}

/// ansible-core's `skip_reason` of a meta task whose `when:` does not hold on `host`.
fn skip_reason(action: &str, host: &str) -> String {
    let rest = match action {
        "flush_handlers" => format!(", not running handlers for {host}"),
        "clear_facts" => format!(", not clearing facts and fact cache for {host}"),
        "clear_host_errors" => format!(", not clearing host error state for {host}"),
        "end_batch" => ", continuing current batch".to_string(),
        "end_play" => ", continuing play".to_string(),
        "end_host" => format!(", continuing execution for {host}"),
        _ => String::new(),
    };
    format!("{action} conditional evaluated to False{rest}")
}

/// Moves the cursors of `hosts` past the meta task.
pub(super) fn pass(hosts: &[String], cursors: &mut IndexMap<String, Cursor<Task>>) {
    for name in hosts {
        if let Some(cursor) = cursors.get_mut(name) {
            cursor.peek();
            cursor.advance(Outcome::Done);
        }
    }
}
