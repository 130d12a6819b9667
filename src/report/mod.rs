//! Reporting: the runner emits events, a [`Reporter`] shows them. The default one prints what
//! Ansible prints; `json` prints one document for CI. `junit` and `html` write files alongside
//! either, through the fan-out `tee`.

mod adhoc;
mod default;
mod html;
mod json;
pub mod junit;
pub mod profile;
pub mod record;
mod record_file;
pub mod snippet;
mod tee;
mod terminal;
#[cfg(test)]
mod test_play;
pub mod trace;

pub use adhoc::{AdhocFormat, AdhocReporter, AdhocView, compress_hosts};
pub use default::DefaultReporter;
pub use html::HtmlReporter;
pub use json::JsonReporter;
pub use junit::JunitReporter;
pub use tee::TeeReporter;
pub use terminal::{
    COMPACT_ABOVE, ColorChoice, Compact, DisplayArgs, TerminalReporter, TerminalView,
    colour_wanted, progress_wanted,
};

use crate::exec::{RunSummary, TaskResult};
use crate::playbook::{Play, Task};

pub trait Reporter {
    fn play_start(&mut self, play: &Play);
    fn task_start(&mut self, task: &Task, handler: bool);
    /// The hosts the task just started runs on (right after `task_start`), in the order they
    /// start: `at_once` of them at first (forks, throttle), then one more as each finishes. For
    /// live progress.
    fn task_hosts(&mut self, _hosts: &[&str], _at_once: usize) {}
    /// A host's outcome; `task` is `None` for failures outside a task (e.g. `vars_files`).
    fn host_result(&mut self, host: &str, task: Option<&Task>, result: &TaskResult);
    fn no_hosts_left(&mut self);
    /// `include_tasks` brought `file` in for `hosts` (once per loop `item`); the recap counts it.
    /// No default: a reporter that shows lines must show these (one once dropped them silently).
    fn included(&mut self, file: &std::path::Path, hosts: &[String], item: Option<&str>);
    fn warning(&mut self, msg: &str);
    fn recap(&mut self, summary: &RunSummary);
}

/// Which reporter `--output` chose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    Default,
    Json,
}

/// Renders a before/after pair as a unified diff.
pub fn unified_diff(diff: &drover_modules::Diff) -> String {
    similar::TextDiff::from_lines(&diff.before, &diff.after)
        .unified_diff()
        .context_radius(3)
        .header(&diff.before_header, &diff.after_header)
        .to_string()
}
