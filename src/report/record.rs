//! What the file reports (`--junit`, `--report`) are made from: the run's events collected into
//! plays → tasks → host results, with timings.
//!
//! `TaskResult` carries no timings, so they are measured here, on the controller: a task starts at
//! its `task_start` event, and a host's result ends when it reaches the reporter. With `--forks`
//! smaller than the number of hosts a host may really start later than its task did; its duration
//! then includes the time it waited for a fork.

use super::unified_diff;
use crate::exec::{HostStats, RunSummary, Status, TaskResult};
use crate::playbook::{Play, Task};
use indexmap::IndexMap;
use serde::Serialize;
use serde_json::{Map, Value};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// The whole run so far; several playbooks add to one record.
#[derive(Debug, Serialize)]
pub struct RunRecord {
    /// When the run started, UTC, ISO 8601 (`2026-11-02T10:04:05Z`).
    pub started_at: String,
    /// Seconds from the start to the last event.
    pub duration: f64,
    pub plays: Vec<PlayRecord>,
    /// Every host met, in the order first met.
    pub hosts: Vec<String>,
    pub stats: IndexMap<String, HostStats>,
    pub warnings: Vec<String>,
    #[serde(skip)]
    clock: Instant,
    /// Diffs are kept only with `--diff`, as the terminal shows them only then: a report is a file
    /// that travels (a CI artifact), and a changed file's content may be confidential.
    #[serde(skip)]
    keep_diffs: bool,
}

#[derive(Debug, Serialize)]
pub struct PlayRecord {
    pub name: String,
    /// The host pattern.
    pub hosts: String,
    /// `site.yml:3`.
    pub path: String,
    /// Seconds from the run's start.
    pub start: f64,
    pub tasks: Vec<TaskRecord>,
}

#[derive(Debug, Serialize)]
pub struct TaskRecord {
    pub name: String,
    pub action: String,
    pub handler: bool,
    pub path: String,
    /// Seconds from the run's start.
    pub start: f64,
    pub results: Vec<HostRecord>,
}

#[derive(Debug, Serialize)]
pub struct HostRecord {
    pub host: String,
    /// `ok`, `changed`, `skipped`, `failed`, `unreachable`.
    pub status: &'static str,
    /// Failed, but `ignore_errors` let the host go on.
    pub ignored: bool,
    /// Seconds from the run's start to this result.
    pub end: f64,
    /// Seconds from the task's start to this result.
    pub duration: f64,
    /// Ansible's result dictionary (already censored for `no_log`).
    pub result: Map<String, Value>,
    /// The changes as unified diffs, items' included.
    pub diff: String,
}

impl HostRecord {
    pub fn failed(&self) -> bool {
        self.status == "failed" && !self.ignored
    }

    /// What the result says went wrong: `msg`, else the first failed item's `msg`.
    pub fn message(&self) -> String {
        text_field(&self.result, "msg")
            .or_else(|| first_item_field(&self.result, "msg"))
            .unwrap_or_default()
    }

    pub fn stderr(&self) -> String {
        text_field(&self.result, "stderr")
            .or_else(|| first_item_field(&self.result, "stderr"))
            .unwrap_or_default()
    }

    pub fn stdout(&self) -> String {
        text_field(&self.result, "stdout").unwrap_or_default()
    }
}

fn text_field(result: &Map<String, Value>, key: &str) -> Option<String> {
    match result.get(key)? {
        Value::String(s) if s.is_empty() => None,
        Value::String(s) => Some(s.clone()),
        Value::Null => None,
        other => Some(other.to_string()),
    }
}

fn first_item_field(result: &Map<String, Value>, key: &str) -> Option<String> {
    result
        .get("results")?
        .as_array()?
        .iter()
        .filter_map(Value::as_object)
        .find_map(|item| text_field(item, key))
}

/// The status name a person reads: Ansible's `skipping` is `skipped` here.
fn status_name(status: Status) -> &'static str {
    match status {
        Status::Skipped => "skipped",
        other => other.as_str(),
    }
}

impl Default for RunRecord {
    fn default() -> Self {
        RunRecord {
            started_at: iso8601_utc(SystemTime::now()),
            duration: 0.0,
            plays: Vec::new(),
            hosts: Vec::new(),
            stats: IndexMap::new(),
            warnings: Vec::new(),
            clock: Instant::now(),
            keep_diffs: false,
        }
    }
}

impl RunRecord {
    pub fn with_diffs(keep_diffs: bool) -> Self {
        RunRecord {
            keep_diffs,
            ..RunRecord::default()
        }
    }

    fn now(&mut self) -> f64 {
        self.duration = self.clock.elapsed().as_secs_f64();
        self.duration
    }

    pub fn play_start(&mut self, play: &Play) {
        let start = self.now();
        self.plays.push(PlayRecord {
            name: play.name.clone(),
            hosts: play.hosts.clone(),
            path: play.origin.to_string(),
            start,
            tasks: Vec::new(),
        });
    }

    pub fn task_start(&mut self, task: &Task, handler: bool) {
        let start = self.now();
        let record = TaskRecord {
            name: task.display_name(),
            action: task.action.clone(),
            handler,
            path: task.origin.to_string(),
            start,
            results: Vec::new(),
        };
        self.current_play().tasks.push(record);
    }

    pub fn host_result(&mut self, host: &str, task: Option<&Task>, result: &TaskResult) {
        let end = self.now();
        if !self.hosts.iter().any(|h| h == host) {
            self.hosts.push(host.to_string());
        }
        if task.is_none() {
            self.start_outside_task(result.action, end);
        }
        let diff = if self.keep_diffs {
            diffs_of(result)
        } else {
            String::new()
        };
        let play = self.current_play();
        if play.tasks.is_empty() {
            play.tasks
                .push(TaskRecord::outside_task(result.action, end));
        }
        let Some(current) = play.tasks.last_mut() else {
            return;
        };
        current.results.push(HostRecord {
            host: host.to_string(),
            status: status_name(result.status),
            ignored: result.ignored,
            end,
            duration: (end - current.start).max(0.0),
            result: result.result.clone(),
            diff,
        });
    }

    /// A failure outside any task (a `vars_files` that cannot be read) gets a row of its own.
    fn start_outside_task(&mut self, action: &str, at: f64) {
        let play = self.current_play();
        let already = play
            .tasks
            .last()
            .is_some_and(|t| t.path.is_empty() && t.action == action);
        if !already {
            play.tasks.push(TaskRecord::outside_task(action, at));
        }
    }

    fn current_play(&mut self) -> &mut PlayRecord {
        if self.plays.is_empty() {
            self.plays.push(PlayRecord {
                name: String::new(),
                hosts: String::new(),
                path: String::new(),
                start: 0.0,
                tasks: Vec::new(),
            });
        }
        let last = self.plays.len() - 1;
        &mut self.plays[last]
    }

    pub fn warning(&mut self, msg: &str) {
        self.warnings.push(msg.to_string());
    }

    /// Adds a playbook's totals to those of the playbooks before it.
    pub fn recap(&mut self, summary: &RunSummary) {
        self.now();
        for (host, stats) in &summary.stats {
            let total = self.stats.entry(host.clone()).or_default();
            total.ok += stats.ok;
            total.changed += stats.changed;
            total.unreachable += stats.unreachable;
            total.failed += stats.failed;
            total.skipped += stats.skipped;
            total.rescued += stats.rescued;
            total.ignored += stats.ignored;
        }
        self.hosts = self.inventory_order();
    }

    /// The hosts in the order the runner met them (inventory order), not that of their results.
    fn inventory_order(&self) -> Vec<String> {
        let mut hosts: Vec<String> = self.stats.keys().cloned().collect();
        for host in &self.hosts {
            if !hosts.contains(host) {
                hosts.push(host.clone());
            }
        }
        hosts
    }
}

impl TaskRecord {
    fn outside_task(action: &str, start: f64) -> Self {
        TaskRecord {
            name: action.to_string(),
            action: action.to_string(),
            handler: false,
            path: String::new(),
            start,
            results: Vec::new(),
        }
    }
}

fn diffs_of(result: &TaskResult) -> String {
    let own = result.diffs.iter();
    let items = result.items.iter().flat_map(|i| i.diffs.iter());
    own.chain(items).map(unified_diff).collect()
}

/// `2026-11-02T10:04:05Z` (civil date from days since the epoch, as in Howard Hinnant's algorithm).
pub fn iso8601_utc(time: SystemTime) -> String {
    let secs = time
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let (days, rest) = (secs / 86_400, secs % 86_400);
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn timestamps_are_utc_iso8601() {
        let at = |secs| iso8601_utc(UNIX_EPOCH + Duration::from_secs(secs));
        assert_eq!(at(0), "1970-01-01T00:00:00Z");
        assert_eq!(at(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(at(1_798_761_599), "2026-12-31T23:59:59Z");
    }
}
