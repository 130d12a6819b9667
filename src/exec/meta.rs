//! `meta:` tasks: instructions to the runner rather than work on a host. As in Ansible's linear
//! strategy, `end_host`, `reset_connection`, `flush_handlers` and `noop` act per host; `end_play`,
//! `end_batch`, `clear_host_errors`, `clear_facts` and `refresh_inventory` act once for the batch,
//! their `when:` judged on the first host.

use super::iterator::{Cursor, Outcome};
use super::result::{Status, TaskResult};
use super::{PlaySettings, Run, RunContext, Stop, worker};
use crate::playbook::{Play, Task};
use indexmap::IndexMap;
use serde_json::{Map, Value};

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
        self.reporter.task_start(task, false);
        for name in hosts {
            if let Some(cursor) = cursors.get_mut(name) {
                cursor.peek();
                cursor.advance(Outcome::Done);
            }
        }
        let per_host = matches!(
            action,
            "end_host" | "reset_connection" | "noop" | "flush_handlers"
        );
        let applies: Vec<String> = if per_host {
            hosts
                .iter()
                .filter(|h| self.meta_condition(ctx, task, action, h))
                .cloned()
                .collect()
        } else {
            match hosts.first() {
                Some(first) if self.meta_condition(ctx, task, action, first) => hosts.to_vec(),
                _ => Vec::new(),
            }
        };
        if applies.is_empty() {
            return None;
        }
        match action {
            "flush_handlers" => {
                self.handlers(ctx, play, settings, &applies).await;
                // A handler that notified one that does not exist stopped the run.
                self.summary.aborted.is_some().then_some(Stop::Interrupted)
            }
            "end_host" => {
                for name in &applies {
                    if let (Some(host), Some(cursor)) =
                        (self.hosts.get_mut(name), cursors.get_mut(name))
                    {
                        cursor.end();
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
                for name in &applies {
                    if let Some(host) = self.hosts.get(name) {
                        host.link.close().await;
                    }
                }
                None
            }
            _ => None,
        }
    }

    /// The meta task's `when:` on one host; a false one is shown as Ansible shows it.
    fn meta_condition(
        &mut self,
        ctx: &RunContext<'_>,
        task: &Task,
        action: &str,
        name: &str,
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
        if !holds && action == "end_host" {
            let reason =
                format!("end_host conditional evaluated to False, continuing execution for {name}");
            let mut result = Map::new();
            result.insert("changed".into(), Value::Bool(false));
            result.insert("skipped".into(), Value::Bool(true));
            result.insert("skip_reason".into(), Value::String(reason));
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
