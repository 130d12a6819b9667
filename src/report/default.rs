//! Output that reads like ansible-playbook's, coloured only on a terminal.

use super::{Reporter, unified_diff};
use crate::exec::{ItemResult, RetryNote, RunSummary, Status, TaskResult};
use crate::playbook::{Play, Task};
use console::Style;
use serde_json::{Map, Value};
use std::io::Write;

pub struct DefaultReporter<W: Write> {
    out: W,
    verbosity: u8,
    diff: bool,
    colours: Colours,
}

struct Colours {
    ok: Style,
    changed: Style,
    failed: Style,
    skipped: Style,
    warning: Style,
    retry: Style,
}

impl Colours {
    fn new(enabled: bool) -> Self {
        let s = |style: Style| style.force_styling(enabled);
        Colours {
            ok: s(Style::new().green()),
            changed: s(Style::new().yellow()),
            failed: s(Style::new().red()),
            skipped: s(Style::new().cyan()),
            warning: s(Style::new().magenta()),
            // Ansible's COLOR_DEBUG.
            retry: s(Style::new().color256(8)),
        }
    }

    /// A unified diff's line, coloured as `git diff` colours it: added green, removed red, hunks cyan.
    fn diff_line(&self, line: &str) -> String {
        let style = if line.starts_with("+++") || line.starts_with("---") {
            return line.to_string();
        } else if line.starts_with('+') {
            &self.ok
        } else if line.starts_with('-') {
            &self.failed
        } else if line.starts_with("@@") {
            &self.skipped
        } else {
            return line.to_string();
        };
        match line.strip_suffix('\n') {
            Some(body) => format!("{}\n", style.apply_to(body)),
            None => style.apply_to(line).to_string(),
        }
    }

    fn of(&self, status: Status) -> &Style {
        match status {
            Status::Ok => &self.ok,
            Status::Changed => &self.changed,
            Status::Skipped => &self.skipped,
            Status::Failed | Status::Unreachable | Status::Interrupted => &self.failed,
        }
    }
}

impl<W: Write> DefaultReporter<W> {
    pub fn new(out: W, verbosity: u8, diff: bool, colour: bool) -> Self {
        DefaultReporter {
            out,
            verbosity,
            diff,
            colours: Colours::new(colour),
        }
    }

    fn banner(&mut self, title: &str) {
        let stars = "*".repeat(79usize.saturating_sub(title.len() + 1).max(3));
        let _ = writeln!(self.out, "\n{title} {stars}");
    }

    fn line(&mut self, text: String, style: Status) {
        let styled = self.colours.of(style).apply_to(text);
        let _ = writeln!(self.out, "{styled}");
    }

    fn print_diffs(&mut self, diffs: &[drover_modules::Diff]) {
        if !self.diff {
            return;
        }
        for diff in diffs {
            let text = unified_diff(diff);
            for line in text.split_inclusive('\n') {
                let _ = write!(self.out, "{}", self.colours.diff_line(line));
            }
        }
    }

    /// `ok: [web1]`, `changed: [web1] => (item=x)`, `fatal: [web1]: FAILED! => {...}`.
    fn status_line(
        &self,
        host: &str,
        status: Status,
        item: Option<&str>,
        result: &Map<String, Value>,
        action: &str,
    ) -> String {
        let item = item.map(|i| format!(" => (item={i})")).unwrap_or_default();
        match status {
            Status::Failed => format!("fatal: [{host}]: FAILED!{item} => {}", compact(result)),
            Status::Unreachable => {
                format!("fatal: [{host}]: UNREACHABLE!{item} => {}", compact(result))
            }
            Status::Interrupted => {
                format!("fatal: [{host}]: INTERRUPTED!{item} => {}", compact(result))
            }
            _ => {
                let host = if status == Status::Skipped {
                    without_delegate(host)
                } else {
                    host
                };
                let head = format!("{}: [{host}]{item}", status.as_str());
                match self.shown_result(status, result, action) {
                    Some(body) => format!("{head} => {body}"),
                    None => head,
                }
            }
        }
    }

    /// What follows `=>` on a successful line: debug output always, the whole result with -v.
    fn shown_result(
        &self,
        status: Status,
        result: &Map<String, Value>,
        action: &str,
    ) -> Option<String> {
        if action == "debug" && status == Status::Ok {
            // Ansible's `_clean_results` for debug: `msg` alone, or the variable without the
            // result's bookkeeping.
            let keep = |k: &str| {
                if result.contains_key("msg") {
                    ["msg", "exception", "warnings", "deprecations"].contains(&k)
                } else {
                    ![
                        "changed",
                        "failed",
                        "skipped",
                        "invocation",
                        "skip_reason",
                        "ansible_loop_var",
                        "ansible_index_var",
                        "ansible_loop",
                    ]
                    .contains(&k)
                }
            };
            let shown: Map<String, Value> = result
                .iter()
                .filter(|(k, _)| keep(k))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            return Some(pretty(&shown));
        }
        // Facts are pages long; Ansible shows them from -vvv only (`_ansible_verbose_override`).
        let threshold = if action == "setup" { 3 } else { 1 };
        (self.verbosity >= threshold && status != Status::Skipped).then(|| compact(result))
    }

    /// An item's line as Ansible's `v2_runner_item_on_*` print it.
    fn item_line(&mut self, host: &str, item: &ItemResult, action: &str) {
        self.print_diffs(&item.diffs);
        let label = &item.label;
        let line = match item.status {
            Status::Failed | Status::Unreachable => format!(
                "failed: [{host}] (item={label}) => {}",
                compact(&item.result)
            ),
            // Ansible's skipped item line ends with a space.
            Status::Skipped if self.verbosity == 0 => {
                format!("skipping: [{}] => (item={label}) ", without_delegate(host))
            }
            _ => self.status_line(host, item.status, Some(label), &item.result, action),
        };
        self.line(line, item.status);
    }

    /// `FAILED - RETRYING: [web1]: task (2 retries left).` for each attempt that is tried again.
    fn retry_lines(&mut self, host: &str, task: Option<&Task>, retries: &[RetryNote]) {
        let name = task.map(Task::display_name).unwrap_or_default();
        for retry in retries {
            let mut line = format!(
                "FAILED - RETRYING: [{host}]: {name} ({} retries left).",
                retry.left
            );
            if self.verbosity >= 2 {
                line.push_str(&format!("Result was: {}", compact(&retry.result)));
            }
            let _ = writeln!(self.out, "{}", self.colours.retry.apply_to(line));
        }
    }
}

impl<W: Write> Reporter for DefaultReporter<W> {
    fn play_start(&mut self, play: &Play) {
        self.banner(&format!("PLAY [{}]", play.name));
    }

    fn task_start(&mut self, task: &Task, handler: bool) {
        let kind = if handler { "RUNNING HANDLER" } else { "TASK" };
        self.banner(&format!("{kind} [{}]", task.display_name()));
        if self.verbosity > 1 {
            let _ = writeln!(self.out, "task path: {}", task.origin);
        }
    }

    fn host_result(&mut self, host: &str, task: Option<&Task>, result: &TaskResult) {
        for item in &result.items {
            self.retry_lines(host, task, &item.retries);
            self.item_line(host, item, result.action);
        }
        self.retry_lines(host, task, &result.retries);
        let is_loop = !result.items.is_empty() || result.result.contains_key("results");
        // A loop's own line: only when skipped (and unreachable or interrupted, drover's);
        // its items said the rest, as in Ansible's default callback.
        let own_line = !is_loop
            || matches!(
                result.status,
                Status::Skipped | Status::Unreachable | Status::Interrupted
            );
        if own_line {
            self.print_diffs(&result.diffs);
            let line = self.status_line(host, result.status, None, &result.result, result.action);
            self.line(line, result.status);
        }
        if result.ignored {
            self.line("...ignoring".into(), Status::Skipped);
        }
    }

    fn no_hosts_left(&mut self) {
        self.banner("NO MORE HOSTS LEFT");
    }

    fn included(&mut self, file: &std::path::Path, hosts: &[String], item: Option<&str>) {
        let item = item.map(|i| format!(" => (item={i})")).unwrap_or_default();
        let text = format!(
            "included: {} for {}{item}",
            file.display(),
            hosts.join(", ")
        );
        self.line(text, Status::Skipped);
    }

    fn warning(&mut self, msg: &str) {
        let text = self.colours.warning.apply_to(format!("[WARNING]: {msg}"));
        let _ = writeln!(self.out, "{text}");
    }

    fn recap(&mut self, summary: &RunSummary) {
        // ansible-playbook stopped by an error of the playbook prints no recap (the error follows).
        if summary.aborted.is_some() {
            let _ = self.out.flush();
            return;
        }
        self.banner("PLAY RECAP");
        for (host, s) in &summary.stats {
            let status = if s.failed > 0 || s.unreachable > 0 || s.interrupted > 0 {
                Status::Failed
            } else if s.changed > 0 {
                Status::Changed
            } else {
                Status::Ok
            };
            let name = self.colours.of(status).apply_to(format!("{host:<26}"));
            let mut line = format!(
                "{name}: ok={:<4} changed={:<4} unreachable={:<4} failed={:<4} skipped={:<4} rescued={:<4} ignored={}",
                s.ok, s.changed, s.unreachable, s.failed, s.skipped, s.rescued, s.ignored
            );
            // Not an Ansible column: only a stopped run has it.
            if summary.interrupted.is_some() {
                line.push_str(&format!("    interrupted={}", s.interrupted));
            }
            let _ = writeln!(self.out, "{line}");
        }
        let _ = writeln!(self.out);
        self.custom_stats(summary);
        let _ = self.out.flush();
    }
}

impl<W: Write> DefaultReporter<W> {
    /// `set_stats` values, as Ansible's default callback shows them with `show_custom_stats` (per
    /// host sorted, then RUN).
    fn custom_stats(&mut self, summary: &RunSummary) {
        if summary.custom_stats.is_empty() || !summary.show_custom_stats {
            return;
        }
        self.banner("CUSTOM STATS:");
        let mut hosts: Vec<&String> = summary
            .custom_stats
            .keys()
            .filter(|k| *k != "_run")
            .collect();
        hosts.sort();
        // Ansible's `json.dumps(indent=1, sort_keys=True)` with the newlines taken out.
        let one_line = |v: &Value| {
            let mut buf = Vec::new();
            let formatter = serde_json::ser::PrettyFormatter::with_indent(b" ");
            let mut ser = serde_json::Serializer::with_formatter(&mut buf, formatter);
            let _ = serde::Serialize::serialize(&sorted(v), &mut ser);
            String::from_utf8_lossy(&buf).replace('\n', "")
        };
        for host in hosts {
            let _ = writeln!(
                self.out,
                "\t{host}: {}",
                one_line(&summary.custom_stats[host])
            );
        }
        if let Some(run) = summary.custom_stats.get("_run") {
            let _ = writeln!(self.out);
            let _ = writeln!(self.out, "\tRUN: {}", one_line(run));
        }
        let _ = writeln!(self.out);
    }
}

/// `value` with every mapping's keys in order.
fn sorted(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            Value::Object(
                keys.into_iter()
                    .map(|k| (k.clone(), sorted(&map[k])))
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
        other => other.clone(),
    }
}

/// The host alone of a `host -> delegate` label: Ansible's default callback names the delegate
/// on every line but a skipped one.
fn without_delegate(label: &str) -> &str {
    label.split_once(" -> ").map_or(label, |(host, _)| host)
}

fn compact(result: &Map<String, Value>) -> String {
    serde_json::to_string(result).unwrap_or_default()
}

fn pretty(result: &Map<String, Value>) -> String {
    let mut buf = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut ser = serde_json::Serializer::with_formatter(&mut buf, formatter);
    let _ = serde::Serialize::serialize(result, &mut ser);
    String::from_utf8_lossy(&buf).into_owned()
}
