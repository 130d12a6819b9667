//! Ad-hoc output (`drover run`): one block per host, prefixed by its name, then a summary line.

use super::Reporter;
use crate::exec::{RunSummary, Status, TaskResult};
use crate::playbook::{Play, Task};
use console::Style;
use serde_json::Value;
use std::io::Write;

pub struct AdhocReporter<W: Write> {
    out: W,
    colour: bool,
}

impl<W: Write> AdhocReporter<W> {
    pub fn new(out: W, colour: bool) -> Self {
        AdhocReporter { out, colour }
    }

    fn style(&self, status: Status) -> Style {
        let style = match status {
            Status::Ok => Style::new().green(),
            Status::Changed => Style::new().yellow(),
            Status::Skipped => Style::new().cyan(),
            Status::Failed | Status::Unreachable | Status::Interrupted => Style::new().red(),
        };
        style.force_styling(self.colour)
    }
}

impl<W: Write> Reporter for AdhocReporter<W> {
    fn play_start(&mut self, _play: &Play) {}
    fn task_start(&mut self, _task: &Task, _handler: bool) {}

    /// `web1 | CHANGED | rc=0 >>` then the output, as `ansible` prints command results.
    fn host_result(&mut self, host: &str, _task: Option<&Task>, result: &TaskResult) {
        let r = &result.result;
        let label = match result.status {
            Status::Ok => "SUCCESS",
            Status::Changed => "CHANGED",
            Status::Skipped => "SKIPPED",
            Status::Failed => "FAILED",
            Status::Unreachable => "UNREACHABLE!",
            Status::Interrupted => "INTERRUPTED!",
        };
        let text = match (r.get("rc"), r.get("stdout")) {
            (Some(rc), Some(Value::String(stdout)))
                if !matches!(result.status, Status::Unreachable | Status::Interrupted) =>
            {
                let stderr = r.get("stderr").and_then(Value::as_str).unwrap_or("");
                let mut body = stdout.clone();
                if !stderr.is_empty() {
                    if !body.is_empty() {
                        body.push('\n');
                    }
                    body.push_str(stderr);
                }
                format!("{host} | {label} | rc={rc} >>\n{body}")
            }
            _ => format!(
                "{host} | {label} => {}",
                serde_json::to_string_pretty(r).unwrap_or_default()
            ),
        };
        let styled = self.style(result.status).apply_to(text);
        let _ = writeln!(self.out, "{styled}");
    }

    fn no_hosts_left(&mut self) {}

    fn warning(&mut self, msg: &str) {
        let _ = writeln!(self.out, "[WARNING]: {msg}");
    }

    fn recap(&mut self, summary: &RunSummary) {
        let hosts = summary.stats.len();
        let count = |f: fn(&crate::exec::HostStats) -> u32| {
            summary.stats.values().filter(|s| f(s) > 0).count()
        };
        let failed = count(|s| s.failed);
        let unreachable = count(|s| s.unreachable);
        let changed = count(|s| s.changed);
        let interrupted = count(|s| s.interrupted);
        let ok = hosts.saturating_sub(failed + unreachable + interrupted);
        let mut line = format!(
            "\n{hosts} hosts: {ok} ok ({changed} changed), {failed} failed, {unreachable} unreachable"
        );
        if let Some(signal) = summary.interrupted {
            line.push_str(&format!(", {interrupted} interrupted ({})", signal.name()));
        }
        let _ = writeln!(self.out, "{line}");
        let _ = self.out.flush();
    }
}
