//! What the live progress line counts and names: a task's results so far and the hosts still
//! working.

use super::{NAMED_PENDING, SLOW_AFTER};
use crate::exec::{Status, TaskResult};
use indexmap::IndexMap;
use std::time::{Duration, Instant};

/// Counts of one task's results so far.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct Counts {
    ok: usize,
    changed: usize,
    failed: usize,
    unreachable: usize,
    skipped: usize,
    ignored: usize,
    interrupted: usize,
}

impl Counts {
    pub(super) fn add(&mut self, result: &TaskResult) {
        match result.status {
            Status::Ok => self.ok += 1,
            Status::Changed => self.changed += 1,
            Status::Skipped => self.skipped += 1,
            Status::Failed if result.ignored => self.ignored += 1,
            Status::Failed => self.failed += 1,
            Status::Unreachable => self.unreachable += 1,
            Status::Interrupted => self.interrupted += 1,
        }
    }

    pub(super) fn done(&self) -> usize {
        self.ok
            + self.changed
            + self.failed
            + self.unreachable
            + self.skipped
            + self.ignored
            + self.interrupted
    }

    pub(super) fn worst(&self) -> Status {
        if self.failed + self.unreachable + self.interrupted > 0 {
            Status::Failed
        } else if self.changed > 0 {
            Status::Changed
        } else {
            Status::Ok
        }
    }

    pub(super) fn text(&self) -> String {
        let mut text = format!(
            "ok={} changed={} failed={} unreachable={} skipped={}",
            self.ok, self.changed, self.failed, self.unreachable, self.skipped
        );
        if self.ignored > 0 {
            text.push_str(&format!(" ignored={}", self.ignored));
        }
        if self.interrupted > 0 {
            text.push_str(&format!(" interrupted={}", self.interrupted));
        }
        text
    }
}

/// The hosts of the running task that have not finished, in the order the runner starts them, and
/// when each started (`None`: waiting for a free fork). The runner starts `at_once` hosts, then the
/// next waiting one each time a running one finishes, so the reporter can follow it from results.
#[derive(Debug, Default)]
pub(super) struct Working {
    task_start: Option<Instant>,
    hosts: IndexMap<String, Option<Instant>>,
}

impl Working {
    pub(super) fn new(hosts: &[&str], at_once: usize, now: Instant) -> Working {
        let hosts = hosts
            .iter()
            .enumerate()
            .map(|(i, h)| (h.to_string(), (i < at_once.max(1)).then_some(now)))
            .collect();
        Working {
            task_start: Some(now),
            hosts,
        }
    }

    /// `host` finished: a waiting host takes its fork. Whether none is left.
    pub(super) fn finish(&mut self, host: &str, now: Instant) -> bool {
        if let Some(Some(_)) = self.hosts.shift_remove(host)
            && let Some(next) = self.hosts.values_mut().find(|s| s.is_none())
        {
            *next = Some(now);
        }
        self.hosts.is_empty()
    }

    /// ` · working: web3, web7 +5 more`; from [`SLOW_AFTER`] into the task
    /// ` · still working: web03 12m04s, web07 11m58s, +3 more` (the longest-running first).
    pub(super) fn describe(&self, now: Instant) -> String {
        if self.hosts.is_empty() {
            return String::new();
        }
        let slow = self
            .task_start
            .is_some_and(|start| now.duration_since(start) >= SLOW_AFTER);
        let more = self.hosts.len().saturating_sub(NAMED_PENDING);
        if !slow {
            let named: Vec<&str> = self
                .hosts
                .keys()
                .take(NAMED_PENDING)
                .map(String::as_str)
                .collect();
            let mut text = format!(" · working: {}", named.join(", "));
            if more > 0 {
                text.push_str(&format!(" +{more} more"));
            }
            return text;
        }
        let mut running: Vec<(&str, Instant)> = self
            .hosts
            .iter()
            .filter_map(|(h, start)| start.map(|s| (h.as_str(), s)))
            .collect();
        // Stable: hosts that started together keep the runner's order.
        running.sort_by_key(|(_, start)| *start);
        let named: Vec<String> = running
            .iter()
            .take(NAMED_PENDING)
            .map(|(h, start)| format!("{h} {}", elapsed(now.duration_since(*start))))
            .collect();
        let mut text = format!(" · still working: {}", named.join(", "));
        let more = self.hosts.len().saturating_sub(named.len());
        if more > 0 {
            text.push_str(&format!(", +{more} more"));
        }
        text
    }
}

/// `7s`, `12m04s`, `2h05m`.
pub(super) fn elapsed(time: Duration) -> String {
    let s = time.as_secs();
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m{:02}s", s / 60, s % 60),
        _ => format!("{}h{:02}m", s / 3600, s % 3600 / 60),
    }
}
