//! One JSON document for the whole run, printed at the end (the shape of Ansible's `json` callback).

use super::Reporter;
use super::profile::Profiler;
use crate::exec::{RunSummary, TaskResult};
use crate::playbook::{Play, Task};
use serde_json::{Map, Value, json};
use std::io::Write;

pub struct JsonReporter<W: Write> {
    out: W,
    plays: Vec<Value>,
    warnings: Vec<String>,
    profiler: Option<Profiler>,
}

impl<W: Write> JsonReporter<W> {
    pub fn new(out: W) -> Self {
        JsonReporter {
            out,
            plays: Vec::new(),
            warnings: Vec::new(),
            profiler: None,
        }
    }

    /// `--profile`: the document gains `profile` (the slowest tasks and hosts first).
    pub fn with_profile(mut self, profile: bool) -> Self {
        self.profiler = profile.then(Profiler::default);
        self
    }

    fn current_tasks(&mut self) -> Option<&mut Vec<Value>> {
        self.plays.last_mut()?.get_mut("tasks")?.as_array_mut()
    }
}

impl<W: Write> Reporter for JsonReporter<W> {
    fn play_start(&mut self, play: &Play) {
        self.plays.push(json!({
            "play": {"name": play.name, "hosts": play.hosts, "path": play.origin.to_string()},
            "tasks": [],
        }));
    }

    fn task_start(&mut self, task: &Task, handler: bool) {
        let entry = json!({
            "task": {"name": task.display_name(), "action": task.action, "handler": handler, "path": task.origin.to_string()},
            "hosts": {},
        });
        if let Some(tasks) = self.current_tasks() {
            tasks.push(entry);
        }
        if let Some(profiler) = &mut self.profiler {
            profiler.task_start(task.display_name(), task.origin.to_string());
        }
    }

    fn host_result(&mut self, host: &str, _task: Option<&Task>, result: &TaskResult) {
        if let Some(profiler) = &mut self.profiler {
            profiler.host_result(host);
        }
        let mut shown = result.result.clone();
        shown.insert("status".into(), Value::from(result.status.as_str()));
        if result.ignored {
            shown.insert("ignored".into(), Value::Bool(true));
        }
        if !result.diffs.is_empty() {
            let diffs: Vec<Value> = result
                .diffs
                .iter()
                .map(|d| json!({"before_header": d.before_header, "after_header": d.after_header, "before": d.before, "after": d.after}))
                .collect();
            shown.insert("diff".into(), Value::Array(diffs));
        }
        let Some(hosts) = self
            .current_tasks()
            .and_then(|t| t.last_mut())
            .and_then(|t| t.get_mut("hosts"))
            .and_then(Value::as_object_mut)
        else {
            return;
        };
        hosts.insert(host.to_string(), Value::Object(shown));
    }

    fn no_hosts_left(&mut self) {}

    /// The included tasks' own results are reported; the inclusion itself is only counted.
    fn included(&mut self, _: &std::path::Path, _: &[String], _: Option<&str>) {}

    fn warning(&mut self, msg: &str) {
        self.warnings.push(msg.to_string());
    }

    fn recap(&mut self, summary: &RunSummary) {
        let stats: Map<String, Value> = summary
            .stats
            .iter()
            .map(|(h, s)| (h.clone(), serde_json::to_value(s).unwrap_or(Value::Null)))
            .collect();
        let mut doc = json!({"plays": self.plays, "stats": stats, "warnings": self.warnings});
        // As Ansible's json callback: both keys always, filled only with `show_custom_stats`,
        // per-host `set_stats` apart from the run-wide ones.
        let mut custom = Map::new();
        if summary.show_custom_stats {
            custom = summary.custom_stats.clone();
        }
        let run = custom.remove("_run").unwrap_or_else(|| json!({}));
        if let Some(doc) = doc.as_object_mut() {
            doc.insert("custom_stats".into(), Value::Object(custom));
            doc.insert("global_custom_stats".into(), run);
            if let Some(msg) = &summary.aborted {
                doc.insert("aborted".into(), Value::from(msg.clone()));
            }
        }
        if let (Some(signal), Some(doc)) = (summary.interrupted, doc.as_object_mut()) {
            doc.insert("interrupted".into(), Value::from(signal.name()));
        }
        if let (Some(profiler), Some(doc)) = (&self.profiler, doc.as_object_mut()) {
            let profile = serde_json::to_value(profiler.profile()).unwrap_or(Value::Null);
            doc.insert("profile".into(), profile);
        }
        let _ = serde_json::to_writer_pretty(&mut self.out, &doc);
        let _ = writeln!(self.out);
        let _ = self.out.flush();
    }
}
