//! Ad-hoc output (`drover run`).
//!
//! `lines` (the default for command/shell/raw) prefixes every output line with its host, as pdsh and
//! `parallel-ssh -P` do, so the output can be grepped by host: `host01: line` for stdout,
//! `host01 [stderr]: line` for stderr, `host01 [failed]: rc=2` for a failure. `ansible` is
//! Ansible's ad-hoc layout (`host01 | CHANGED | rc=0 >>` then the output). `--collate` prints each
//! distinct outcome once under the compressed list of its hosts (`host[01-03,05]`, as `dshbak -c`).
//! A summary line (and the failed and unreachable hosts) ends the output.

mod hostlist;

pub use hostlist::compress as compress_hosts;

use super::{Reporter, unified_diff};
use crate::exec::{RunSummary, Status, TaskResult};
use crate::playbook::{Play, Task};
use console::Style;
use serde_json::{Map, Value};
use std::io::Write;
use std::path::{Path, PathBuf};

/// How `drover run` shows results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum AdhocFormat {
    /// `host: line` for every output line (as pdsh / parallel-ssh -P).
    Lines,
    /// Ansible's ad-hoc layout: `host | CHANGED | rc=0 >>` then the output.
    Ansible,
}

/// What the user asked to see.
#[derive(Debug, Clone)]
pub struct AdhocView {
    pub format: AdhocFormat,
    /// Group hosts with identical outcomes (printed at the end instead of as hosts finish).
    pub collate: bool,
    /// Show the diffs of changed files (`--diff`).
    pub diff: bool,
    /// Also write `DIR/HOST.stdout`, `.stderr` and `.rc`.
    pub output_dir: Option<PathBuf>,
}

pub struct AdhocReporter<W: Write> {
    out: W,
    colour: bool,
    view: AdhocView,
    /// Outcomes kept for `--collate`, in the order hosts finished.
    collated: Vec<(String, Shown)>,
}

/// One host's outcome rendered without the host's name, so identical outcomes can be grouped.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Shown {
    status: Status,
    diff: String,
    body: Body,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Body {
    Lines(Vec<Line>),
    /// Ansible's layout: what follows the host's name (` | CHANGED | rc=0 >>\noutput`).
    Ansible(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Line {
    Stdout(String),
    /// A line with a marker: `stderr`, `failed`, `unreachable`, `skipped`, `ok`, `changed`.
    Marked(&'static str, String),
}

impl<W: Write> AdhocReporter<W> {
    pub fn new(out: W, colour: bool, view: AdhocView) -> Self {
        AdhocReporter {
            out,
            colour,
            view,
            collated: Vec::new(),
        }
    }

    fn style(&self, status: Status) -> Style {
        status_style(status).force_styling(self.colour)
    }

    fn marker_style(&self, marker: &str) -> Style {
        let style = match marker {
            "ok" => Style::new().green(),
            "changed" => Style::new().yellow(),
            "skipped" => Style::new().cyan(),
            _ => Style::new().red(),
        };
        style.force_styling(self.colour)
    }

    fn shown(&self, result: &TaskResult) -> Shown {
        let diff = if self.view.diff {
            result.diffs.iter().map(unified_diff).collect()
        } else {
            String::new()
        };
        let body = match self.view.format {
            AdhocFormat::Lines => Body::Lines(lines_of(result)),
            AdhocFormat::Ansible => Body::Ansible(ansible_suffix(result)),
        };
        Shown {
            status: result.status,
            diff,
            body,
        }
    }

    /// One host's outcome, each line prefixed with the host (`lines`) or Ansible's block.
    fn print_host(&mut self, host: &str, shown: &Shown) {
        let _ = write!(self.out, "{}", shown.diff);
        match &shown.body {
            Body::Lines(lines) => {
                for line in lines {
                    let text = match line {
                        Line::Stdout(text) => format!("{host}: {text}"),
                        Line::Marked(marker, text) => {
                            let mark = self.marker_style(marker).apply_to(format!("[{marker}]"));
                            format!("{host} {mark}: {text}")
                        }
                    };
                    let _ = writeln!(self.out, "{text}");
                }
            }
            Body::Ansible(suffix) => {
                let styled = self.style(shown.status).apply_to(format!("{host}{suffix}"));
                let _ = writeln!(self.out, "{styled}");
            }
        }
    }

    /// One distinct outcome under the compressed list of the hosts that had it.
    fn print_group(&mut self, hosts: &[String], shown: &Shown) {
        let list = compress_hosts(hosts);
        match &shown.body {
            Body::Lines(lines) => {
                let rule = "-".repeat(16);
                let header = self.style(shown.status).apply_to(&list);
                let _ = writeln!(self.out, "{rule}\n{header}\n{rule}");
                let _ = write!(self.out, "{}", shown.diff);
                for line in lines {
                    let text = match line {
                        Line::Stdout(text) => text.clone(),
                        Line::Marked(marker, text) => {
                            let mark = self.marker_style(marker).apply_to(format!("[{marker}]"));
                            format!("{mark} {text}")
                        }
                    };
                    let _ = writeln!(self.out, "{text}");
                }
            }
            Body::Ansible(suffix) => {
                let _ = write!(self.out, "{}", shown.diff);
                let styled = self.style(shown.status).apply_to(format!("{list}{suffix}"));
                let _ = writeln!(self.out, "{styled}");
            }
        }
    }

    /// Groups the kept outcomes, in the order of the hosts in the summary (the inventory's order).
    fn print_collated(&mut self, summary: &RunSummary) {
        let mut kept = std::mem::take(&mut self.collated);
        let position = |host: &str| summary.stats.get_index_of(host).unwrap_or(usize::MAX);
        kept.sort_by_key(|(host, _)| position(host));
        let mut groups: Vec<(Vec<String>, Shown)> = Vec::new();
        for (host, shown) in kept {
            match groups.iter_mut().find(|(_, s)| *s == shown) {
                Some((hosts, _)) => hosts.push(host),
                None => groups.push((vec![host], shown)),
            }
        }
        for (hosts, shown) in &groups {
            self.print_group(hosts, shown);
        }
    }

    fn write_output_files(&mut self, dir: &Path, host: &str, result: &TaskResult) {
        if let Err(msg) = write_output_files(dir, host, result) {
            self.warning(&msg);
        }
    }
}

fn status_style(status: Status) -> Style {
    match status {
        Status::Ok => Style::new().green(),
        Status::Changed => Style::new().yellow(),
        Status::Skipped => Style::new().cyan(),
        Status::Failed | Status::Unreachable | Status::Interrupted => Style::new().red(),
    }
}

fn text_of<'a>(result: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    result.get(key).and_then(Value::as_str)
}

/// A command's result has its output; other modules' results do not.
fn has_output(result: &TaskResult) -> bool {
    result.status != Status::Unreachable
        && (result.result.contains_key("stdout") || result.result.contains_key("stderr"))
}

fn marked(marker: &'static str, text: &str) -> Vec<Line> {
    text.lines()
        .map(|l| Line::Marked(marker, l.to_string()))
        .collect()
}

/// The `lines` layout of one outcome: stdout, stderr, then why it failed (or the result of a
/// module that prints nothing).
fn lines_of(result: &TaskResult) -> Vec<Line> {
    let r = &result.result;
    let mut lines = Vec::new();
    if has_output(result) {
        let stdout = text_of(r, "stdout").unwrap_or("");
        lines.extend(stdout.lines().map(|l| Line::Stdout(l.to_string())));
        lines.extend(marked("stderr", text_of(r, "stderr").unwrap_or("")));
    }
    match result.status {
        Status::Ok | Status::Changed if has_output(result) => {}
        Status::Ok => lines.extend(marked("ok", &compact_json(r))),
        Status::Changed => lines.extend(marked("changed", &compact_json(r))),
        Status::Failed => lines.extend(marked("failed", &failure(r))),
        Status::Unreachable => lines.extend(marked("unreachable", text_of(r, "msg").unwrap_or(""))),
        Status::Interrupted => lines.extend(marked("interrupted", text_of(r, "msg").unwrap_or(""))),
        Status::Skipped => lines.extend(marked("skipped", text_of(r, "msg").unwrap_or("skipped"))),
    }
    lines
}

/// `rc=2` for a command that failed (with the message when it says more), else the message.
fn failure(result: &Map<String, Value>) -> String {
    let msg = text_of(result, "msg").unwrap_or("");
    match result.get("rc") {
        Some(rc) if msg.is_empty() || msg == "non-zero return code" => format!("rc={rc}"),
        Some(rc) => format!("rc={rc}: {msg}"),
        None if !msg.is_empty() => msg.to_string(),
        None => compact_json(result),
    }
}

fn compact_json(result: &Map<String, Value>) -> String {
    serde_json::to_string(result).unwrap_or_default()
}

/// Ansible's 4-space indented JSON (`ansible` prints results with `indent=4`).
fn ansible_json(result: &Map<String, Value>) -> String {
    let mut buf = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut ser = serde_json::Serializer::with_formatter(&mut buf, formatter);
    match serde::Serialize::serialize(result, &mut ser) {
        Ok(()) => String::from_utf8_lossy(&buf).into_owned(),
        Err(_) => compact_json(result),
    }
}

/// What follows the host's name in Ansible's ad-hoc layout: ` | CHANGED | rc=0 >>` and the output
/// for a command, ` | SUCCESS => {json}` for other modules.
fn ansible_suffix(result: &TaskResult) -> String {
    let r = &result.result;
    let label = match result.status {
        Status::Ok => "SUCCESS",
        Status::Changed => "CHANGED",
        Status::Skipped => "SKIPPED",
        Status::Failed => "FAILED",
        Status::Unreachable => "UNREACHABLE!",
        Status::Interrupted => "INTERRUPTED!",
    };
    match (r.get("rc"), text_of(r, "stdout")) {
        (Some(rc), Some(stdout))
            if !matches!(result.status, Status::Unreachable | Status::Interrupted) =>
        {
            let stderr = text_of(r, "stderr").unwrap_or("");
            let mut body = stdout.to_string();
            if !stderr.is_empty() {
                if !body.is_empty() {
                    body.push('\n');
                }
                body.push_str(stderr);
            }
            format!(" | {label} | rc={rc} >>\n{body}")
        }
        _ => format!(" | {label} => {}", ansible_json(r)),
    }
}

/// A host name as a file name: path separators cannot be part of it.
fn file_stem(host: &str) -> String {
    host.replace(['/', '\0'], "_")
}

fn with_newline(text: &str) -> String {
    if text.is_empty() || text.ends_with('\n') {
        text.to_string()
    } else {
        format!("{text}\n")
    }
}

/// `DIR/HOST.stdout`, `DIR/HOST.stderr` (both always written, as pssh -o/-e do) and `DIR/HOST.rc`
/// (only when a command ran; a stale one from an earlier run is removed).
fn write_output_files(dir: &Path, host: &str, result: &TaskResult) -> Result<(), String> {
    let r = &result.result;
    let (stdout, stderr) = if has_output(result) {
        (
            text_of(r, "stdout").unwrap_or("").to_string(),
            text_of(r, "stderr").unwrap_or("").to_string(),
        )
    } else if matches!(result.status, Status::Ok | Status::Changed) {
        (ansible_json(r), String::new())
    } else {
        (String::new(), failure(r))
    };
    let stem = file_stem(host);
    let write = |ext: &str, text: &str| {
        let path = dir.join(format!("{stem}.{ext}"));
        std::fs::write(&path, with_newline(text))
            .map_err(|e| format!("cannot write {}: {e}", path.display()))
    };
    write("stdout", &stdout)?;
    write("stderr", &stderr)?;
    match r.get("rc").filter(|_| has_output(result)) {
        Some(rc) => write("rc", &rc.to_string()),
        None => {
            let path = dir.join(format!("{stem}.rc"));
            match std::fs::remove_file(&path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    Err(format!("cannot remove {}: {e}", path.display()))
                }
                _ => Ok(()),
            }
        }
    }
}

impl<W: Write> Reporter for AdhocReporter<W> {
    fn play_start(&mut self, _play: &Play) {}
    fn task_start(&mut self, _task: &Task, _handler: bool) {}

    fn host_result(&mut self, host: &str, _task: Option<&Task>, result: &TaskResult) {
        if let Some(dir) = self.view.output_dir.clone() {
            self.write_output_files(&dir, host, result);
        }
        let shown = self.shown(result);
        if self.view.collate {
            self.collated.push((host.to_string(), shown));
        } else {
            self.print_host(host, &shown);
        }
    }

    fn no_hosts_left(&mut self) {}

    /// The included tasks' own results are reported; the inclusion itself is only counted.
    fn included(&mut self, _: &std::path::Path, _: &[String], _: Option<&str>) {}

    fn warning(&mut self, msg: &str) {
        let _ = writeln!(self.out, "[WARNING]: {msg}");
    }

    fn recap(&mut self, summary: &RunSummary) {
        if self.view.collate {
            self.print_collated(summary);
        }
        let hosts = summary.stats.len();
        let with = |f: fn(&crate::exec::HostStats) -> u32| -> Vec<&str> {
            summary
                .stats
                .iter()
                .filter(|(_, s)| f(s) > 0)
                .map(|(h, _)| h.as_str())
                .collect()
        };
        let failed = with(|s| s.failed);
        let unreachable = with(|s| s.unreachable);
        let changed = with(|s| s.changed).len();
        let interrupted = with(|s| s.interrupted);
        let ok = hosts.saturating_sub(failed.len() + unreachable.len() + interrupted.len());
        let mut line = format!(
            "\n{hosts} hosts: {ok} ok ({changed} changed), {} failed, {} unreachable",
            failed.len(),
            unreachable.len()
        );
        if let Some(signal) = summary.interrupted {
            line.push_str(&format!(
                ", {} interrupted ({})",
                interrupted.len(),
                signal.name()
            ));
        }
        let _ = writeln!(self.out, "{line}");
        for (what, names) in [
            ("failed", &failed),
            ("unreachable", &unreachable),
            ("interrupted", &interrupted),
        ] {
            if !names.is_empty() {
                let _ = writeln!(self.out, "{what}: {}", compress_hosts(names));
            }
        }
        let _ = self.out.flush();
    }
}

#[cfg(test)]
mod tests;
