//! What a person at a terminal sees of a playbook run: Ansible's output (the [`DefaultReporter`]
//! formats it), plus
//! - live progress while a task runs (a TTY only, never with `CI` set): the task, hosts done/total,
//!   the counts so far, the elapsed time and the hosts still working; results print above it;
//! - `--compact` (automatic on a terminal above [`COMPACT_ABOVE`] hosts unless `-v`; off a terminal
//!   logs keep Ansible's lines, which scripts parse): one line per task with its
//!   counts; only failures, unreachable hosts and (with `--diff`) changes get lines of their own, and
//!   the recap groups hosts with the same counts;
//! - `--profile`: the slowest tasks and hosts after the recap.
//!
//! Every event is formatted into a buffer first, then written in one go (around the progress bar).

mod options;
mod progress;

pub use options::{ColorChoice, Compact, DisplayArgs, colour_wanted, progress_wanted};
use progress::{Counts, Working};

use super::default::DefaultReporter;
use super::profile::Profiler;
use super::{Reporter, compress_hosts, trace};
use crate::exec::{HostStats, RunSummary, Status, TaskResult};
use crate::playbook::{Play, Task};
use console::Style;
use indexmap::IndexMap;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};
use std::cell::RefCell;
use std::io::Write;
use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Tasks on more hosts than this are shown compact on a terminal unless `-v` or `--no-compact`.
pub const COMPACT_ABOVE: usize = 20;

/// How many still-working hosts the progress line names.
const NAMED_PENDING: usize = 3;

/// From this long into a task, the progress line gives the hosts still working with their time
/// (the longest-running first); before that it only names them.
const SLOW_AFTER: Duration = Duration::from_secs(3);

/// What the terminal reporter is asked to do.
#[derive(Debug, Clone, Copy)]
pub struct TerminalView {
    pub verbosity: u8,
    pub diff: bool,
    pub colour: bool,
    pub progress: bool,
    /// stdout is a terminal (automatic `--compact` only there).
    pub terminal: bool,
    pub compact: Compact,
    pub profile: bool,
}

/// A `Write` that appends to a buffer the reporter empties after each event.
#[derive(Clone, Default)]
struct Shared(Rc<RefCell<Vec<u8>>>);

impl Write for Shared {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Shared {
    fn take(&self) -> Vec<u8> {
        std::mem::take(&mut *self.0.borrow_mut())
    }
}

/// The task being run.
struct Running {
    title: String,
    total: usize,
    counts: Counts,
    start: Instant,
    compact: bool,
    /// Compact mode: the lines of failures and changes, printed under the task's line at its end.
    held: Vec<u8>,
}

pub struct TerminalReporter<W: Write> {
    out: W,
    format: DefaultReporter<Shared>,
    buffer: Shared,
    view: TerminalView,
    task: Option<Running>,
    /// The running task's unfinished hosts, shared with the progress line's redraws (every 250 ms).
    working: Arc<Mutex<Working>>,
    bar: Option<ProgressBar>,
    profiler: Option<Profiler>,
    /// Some task was shown compact: the recap groups hosts too.
    compacted: bool,
    styles: Styles,
}

struct Styles {
    ok: Style,
    changed: Style,
    failed: Style,
}

impl Styles {
    fn new(enabled: bool) -> Self {
        Styles {
            ok: Style::new().green().force_styling(enabled),
            changed: Style::new().yellow().force_styling(enabled),
            failed: Style::new().red().force_styling(enabled),
        }
    }

    fn of(&self, status: Status) -> &Style {
        match status {
            Status::Changed => &self.changed,
            Status::Failed | Status::Unreachable | Status::Interrupted => &self.failed,
            _ => &self.ok,
        }
    }
}

impl<W: Write> TerminalReporter<W> {
    pub fn new(out: W, view: TerminalView) -> Self {
        let buffer = Shared::default();
        TerminalReporter {
            out,
            format: DefaultReporter::new(buffer.clone(), view.verbosity, view.diff, view.colour),
            buffer,
            view,
            task: None,
            working: Arc::default(),
            bar: None,
            profiler: view.profile.then(Profiler::default),
            compacted: false,
            styles: Styles::new(view.colour),
        }
    }

    /// Writes what the formatter produced, above the progress bar if there is one.
    fn flush(&mut self) {
        let bytes = self.buffer.take();
        self.write_out(&bytes);
    }

    fn write_out(&mut self, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        let out = &mut self.out;
        let mut write = || {
            let _ = out.write_all(bytes);
            let _ = out.flush();
        };
        match &self.bar {
            Some(bar) => bar.suspend(write),
            None => write(),
        }
    }

    /// Removes the progress line (before the recap; a run's one bar is reused from task to task,
    /// as making and ending one per task cost ~10 ms each).
    fn clear_bar(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }

    /// Ends the running task: its compact line and held lines.
    fn finish_task(&mut self) {
        let Some(task) = self.task.take() else {
            return;
        };
        if !task.compact {
            return;
        }
        let seconds = task.start.elapsed().as_secs_f64();
        let line = format!(
            "{} {} ({} host{}, {seconds:.1}s)",
            task.title,
            task.counts.text(),
            task.total,
            if task.total == 1 { "" } else { "s" }
        );
        let styled = self.styles.of(task.counts.worst()).apply_to(line);
        let mut bytes = format!("{styled}\n").into_bytes();
        bytes.extend_from_slice(&task.held);
        self.write_out(&bytes);
    }

    fn start_bar(&mut self) {
        let Some(task) = &self.task else { return };
        // From -vvv the trace writes to stdout from every host at once; a bar would be torn.
        if !self.view.progress || task.total == 0 || self.view.verbosity >= trace::COMMANDS {
            return;
        }
        let bar = self.bar.get_or_insert_with(|| {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stdout_with_hz(10));
            let template = "{spinner:.cyan} {prefix} {pos}/{len} {msg}{working} [{elapsed}]";
            let working = Arc::clone(&self.working);
            // Drawn at each tick, so the times of the hosts still working count up live.
            let describe = move |_: &ProgressState, out: &mut dyn std::fmt::Write| {
                if let Ok(working) = working.lock() {
                    let _ = out.write_str(&working.describe(Instant::now()));
                }
            };
            if let Ok(style) = ProgressStyle::with_template(template) {
                bar.set_style(style.with_key("working", describe));
            }
            bar.enable_steady_tick(Duration::from_millis(250));
            bar
        });
        bar.reset();
        bar.set_length(task.total as u64);
        bar.set_prefix(task.title.clone());
        bar.set_message(task.counts.text());
    }

    fn set_working(&self, working: Working) {
        if let Ok(mut slot) = self.working.lock() {
            *slot = working;
        }
    }

    fn update_bar(&self) {
        if let (Some(bar), Some(task)) = (&self.bar, &self.task) {
            bar.set_position(task.counts.done() as u64);
            bar.set_message(task.counts.text());
        }
    }

    /// The recap in compact mode: hosts with the same counts on one line (`web[01-40]`).
    fn grouped_recap(&mut self, summary: &RunSummary) {
        let mut groups: IndexMap<String, (Vec<&str>, Status)> = IndexMap::new();
        for (host, stats) in &summary.stats {
            let key = recap_counts(stats, summary.interrupted.is_some());
            groups
                .entry(key)
                .or_insert_with(|| (Vec::new(), recap_status(stats)))
                .0
                .push(host);
        }
        let stars = "*".repeat(68);
        let mut text = format!("\nPLAY RECAP {stars}\n");
        for (counts, (hosts, status)) in groups {
            let name = compress_hosts(&hosts);
            let styled = self.styles.of(status).apply_to(format!("{name:<26}"));
            text.push_str(&format!("{styled}: {counts}\n"));
        }
        text.push('\n');
        self.write_out(text.as_bytes());
    }
}

fn recap_status(s: &HostStats) -> Status {
    if s.failed > 0 || s.unreachable > 0 || s.interrupted > 0 {
        Status::Failed
    } else if s.changed > 0 {
        Status::Changed
    } else {
        Status::Ok
    }
}

fn recap_counts(s: &HostStats, interrupted: bool) -> String {
    let mut line = format!(
        "ok={:<4} changed={:<4} unreachable={:<4} failed={:<4} skipped={:<4} rescued={:<4} ignored={}",
        s.ok, s.changed, s.unreachable, s.failed, s.skipped, s.rescued, s.ignored
    );
    if interrupted {
        line.push_str(&format!("    interrupted={}", s.interrupted));
    }
    line
}

/// The name a result is shown under, without its delegation (`web1 -> db1` is web1's result).
fn host_of(shown: &str) -> &str {
    shown.split(" -> ").next().unwrap_or(shown)
}

impl<W: Write> Reporter for TerminalReporter<W> {
    fn play_start(&mut self, play: &Play) {
        self.finish_task();
        self.format.play_start(play);
        self.flush();
    }

    fn task_start(&mut self, task: &Task, handler: bool) {
        self.finish_task();
        let kind = if handler { "RUNNING HANDLER" } else { "TASK" };
        // The banner waits in the buffer: `task_hosts` decides between it and the compact line.
        self.format.task_start(task, handler);
        if let Some(profiler) = &mut self.profiler {
            profiler.task_start(task.display_name(), task.origin.to_string());
        }
        self.set_working(Working::default());
        self.task = Some(Running {
            title: format!("{kind} [{}]", task.display_name()),
            total: 0,
            counts: Counts::default(),
            start: Instant::now(),
            compact: false,
            held: Vec::new(),
        });
    }

    fn task_hosts(&mut self, hosts: &[&str], at_once: usize) {
        let view = self.view;
        let compact = view
            .compact
            .applies(hosts.len(), view.verbosity, view.terminal);
        if let Some(task) = &mut self.task {
            task.total = hosts.len();
            task.compact = compact;
            let working = Working::new(hosts, at_once, task.start);
            self.set_working(working);
        }
        if compact {
            self.compacted = true;
            self.buffer.take();
        } else {
            self.flush();
        }
        self.start_bar();
    }

    fn host_result(&mut self, host: &str, task: Option<&Task>, result: &TaskResult) {
        if let Some(profiler) = &mut self.profiler {
            profiler.host_result(host);
        }
        let compact = self.task.as_ref().is_some_and(|t| t.compact);
        let own_line = !compact
            || matches!(
                result.status,
                Status::Failed | Status::Unreachable | Status::Interrupted
            )
            || (self.view.diff && result.status == Status::Changed);
        if own_line {
            self.format.host_result(host, task, result);
        }
        let finished = match &mut self.task {
            Some(running) => {
                running.counts.add(result);
                let none_left = self
                    .working
                    .lock()
                    .map(|mut w| w.finish(host_of(host), Instant::now()))
                    .unwrap_or(false);
                if compact {
                    running.held.extend(self.buffer.take());
                }
                running.total > 0 && none_left
            }
            None => false,
        };
        self.flush();
        self.update_bar();
        if finished {
            self.finish_task();
        }
    }

    fn no_hosts_left(&mut self) {
        self.finish_task();
        self.format.no_hosts_left();
        self.flush();
    }

    fn included(&mut self, file: &std::path::Path, hosts: &[String], item: Option<&str>) {
        self.format.included(file, hosts, item);
        self.flush();
    }

    fn warning(&mut self, msg: &str) {
        self.format.warning(msg);
        self.flush();
    }

    fn recap(&mut self, summary: &RunSummary) {
        self.finish_task();
        self.clear_bar();
        if self.compacted {
            self.grouped_recap(summary);
        } else {
            self.format.recap(summary);
            self.flush();
        }
        if let Some(profiler) = &self.profiler {
            let mut text = String::new();
            for line in profiler.profile().lines(79) {
                text.push_str(&line);
                text.push('\n');
            }
            text.push('\n');
            self.write_out(text.as_bytes());
        }
    }
}

#[cfg(test)]
#[path = "terminal_tests.rs"]
mod tests;
