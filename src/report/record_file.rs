//! A report file made from the whole run's record and rewritten at every recap (`--junit`,
//! `--report`): the formats differ only in how they render the record.

use super::Reporter;
use super::record::RunRecord;
use crate::exec::{RunSummary, TaskResult};
use crate::playbook::{Play, Task};
use std::path::PathBuf;

/// How a report file renders the run's record.
pub trait RecordFormat {
    /// The option that names the file, for messages (`--junit`).
    const OPTION: &'static str;
    fn render(&self, record: &RunRecord) -> Result<String, String>;
}

/// Records the run and writes `path` in format `F` at every recap.
pub struct RecordFile<F> {
    path: PathBuf,
    record: RunRecord,
    format: F,
}

impl<F: RecordFormat> RecordFile<F> {
    pub(super) fn with_format(path: PathBuf, record: RunRecord, format: F) -> Self {
        RecordFile {
            path,
            record,
            format,
        }
    }

    fn write(&self) -> Result<(), String> {
        let in_file = |e: String| format!("{} {}: {e}", F::OPTION, self.path.display());
        let text = self.format.render(&self.record).map_err(in_file)?;
        std::fs::write(&self.path, text).map_err(|e| in_file(e.to_string()))
    }
}

impl<F: RecordFormat> Reporter for RecordFile<F> {
    fn play_start(&mut self, play: &Play) {
        self.record.play_start(play);
    }
    fn task_start(&mut self, task: &Task, handler: bool) {
        self.record.task_start(task, handler);
    }
    fn host_result(&mut self, host: &str, task: Option<&Task>, result: &TaskResult) {
        self.record.host_result(host, task, result);
    }
    fn no_hosts_left(&mut self) {}

    /// The included tasks' own results are reported; the inclusion itself is only counted.
    fn included(&mut self, _: &std::path::Path, _: &[String], _: Option<&str>) {}
    fn warning(&mut self, msg: &str) {
        self.record.warning(msg);
    }
    fn recap(&mut self, summary: &RunSummary) {
        self.record.recap(summary);
        if let Err(e) = self.write() {
            eprintln!("ERROR! {e}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Text(Result<&'static str, &'static str>);

    impl RecordFormat for Text {
        const OPTION: &'static str = "--text";
        fn render(&self, _: &RunRecord) -> Result<String, String> {
            self.0.map(String::from).map_err(String::from)
        }
    }

    fn file(path: PathBuf, rendered: Result<&'static str, &'static str>) -> RecordFile<Text> {
        RecordFile::with_format(path, RunRecord::default(), Text(rendered))
    }

    #[test]
    fn the_file_holds_what_the_format_renders_and_errors_name_the_option_and_the_file() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
        let path = dir.path().join("report.txt");
        assert_eq!(file(path.clone(), Ok("the run")).write(), Ok(()));
        assert_eq!(
            std::fs::read_to_string(&path).ok().as_deref(),
            Some("the run")
        );

        let failed = file(path.clone(), Err("no template")).write();
        assert_eq!(
            failed,
            Err(format!("--text {}: no template", path.display()))
        );
        let into_a_directory = file(dir.path().to_path_buf(), Ok("the run")).write();
        let prefix = format!("--text {}: ", dir.path().display());
        assert!(
            into_a_directory
                .as_ref()
                .is_err_and(|e| e.starts_with(&prefix)),
            "{into_a_directory:?}"
        );
    }
}
