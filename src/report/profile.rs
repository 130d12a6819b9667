//! `--profile`: where the time went, as Ansible's `profile_tasks` callback shows it — the slowest
//! tasks, and (not in Ansible) the slowest hosts. Measured on the controller: a task lasts from its
//! `TASK` event to its last host's result; a host's time is the sum, over its tasks, of the time from
//! the task's start to that host's result (with `--forks` below the host count, it includes the wait
//! for a fork).

use serde::Serialize;
use std::time::Instant;

/// How many tasks and hosts the terminal lists (profile_tasks shows 20 tasks by default).
pub const SHOWN: usize = 20;

#[derive(Debug, Default)]
pub struct Profiler {
    tasks: Vec<TaskTime>,
    /// Host name → seconds, in the order first met.
    hosts: indexmap::IndexMap<String, f64>,
    current_start: Option<Instant>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TaskTime {
    pub name: String,
    /// `site.yml:12`; empty for work outside a task.
    pub path: String,
    /// Seconds.
    pub duration: f64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct HostTime {
    pub host: String,
    /// Seconds.
    pub duration: f64,
}

/// The slowest first; what the JSON output carries under `profile`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Profile {
    pub tasks: Vec<TaskTime>,
    pub hosts: Vec<HostTime>,
}

impl Profiler {
    pub fn task_start(&mut self, name: String, path: String) {
        self.current_start = Some(Instant::now());
        self.tasks.push(TaskTime {
            name,
            path,
            duration: 0.0,
        });
    }

    pub fn host_result(&mut self, host: &str) {
        let Some(start) = self.current_start else {
            return;
        };
        let elapsed = start.elapsed().as_secs_f64();
        if let Some(task) = self.tasks.last_mut() {
            task.duration = task.duration.max(elapsed);
        }
        *self.hosts.entry(host.to_string()).or_default() += elapsed;
    }

    pub fn profile(&self) -> Profile {
        let mut tasks = self.tasks.clone();
        tasks.sort_by(|a, b| b.duration.total_cmp(&a.duration));
        let mut hosts: Vec<HostTime> = self
            .hosts
            .iter()
            .map(|(host, &duration)| HostTime {
                host: host.clone(),
                duration,
            })
            .collect();
        hosts.sort_by(|a, b| b.duration.total_cmp(&a.duration));
        Profile { tasks, hosts }
    }
}

impl Profile {
    /// The terminal's listing: a line per task and per host, dotted out to the seconds, as
    /// profile_tasks prints `name ---- 1.23s`.
    pub fn lines(&self, width: usize) -> Vec<String> {
        let mut lines = vec![banner("PROFILE: slowest tasks", width)];
        for task in self.tasks.iter().take(SHOWN) {
            let name = if task.path.is_empty() {
                task.name.clone()
            } else {
                format!("{} ({})", task.name, task.path)
            };
            lines.push(dotted(&name, task.duration, width));
        }
        lines.push(String::new());
        lines.push(banner("PROFILE: slowest hosts", width));
        for host in self.hosts.iter().take(SHOWN) {
            lines.push(dotted(&host.host, host.duration, width));
        }
        lines
    }
}

fn banner(title: &str, width: usize) -> String {
    let stars = "*".repeat(width.saturating_sub(title.len() + 1).max(3));
    format!("{title} {stars}")
}

fn dotted(name: &str, seconds: f64, width: usize) -> String {
    let time = format!(" {seconds:.2}s");
    let dashes = width
        .saturating_sub(name.chars().count() + time.len() + 1)
        .max(3);
    format!("{name} {}{time}", "-".repeat(dashes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slowest_task_and_host_come_first() {
        let mut p = Profiler::default();
        p.task_start("fast".into(), "p.yml:3".into());
        p.host_result("a");
        p.task_start("slow".into(), "p.yml:5".into());
        std::thread::sleep(std::time::Duration::from_millis(30));
        p.host_result("a");
        std::thread::sleep(std::time::Duration::from_millis(30));
        p.host_result("b");
        let profile = p.profile();
        assert_eq!(profile.tasks[0].name, "slow");
        assert!(profile.tasks[0].duration >= 0.06, "{profile:?}");
        assert_eq!(profile.hosts[0].host, "b");
        assert_eq!(profile.hosts.len(), 2);
        let lines = profile.lines(60);
        assert!(lines[1].starts_with("slow (p.yml:5) ---"), "{lines:?}");
        assert!(lines.iter().all(|l| l.len() <= 60), "{lines:?}");
    }
}
